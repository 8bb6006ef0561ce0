/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hive.h — registry hives through hivex: open (refusing dirty hives), walk
 * keys by backslash-separated paths compared case-insensitively, read and
 * write typed values, and save to a file. Strings are UTF-8 here and
 * UTF-16LE in the hive, as Windows stores them.
 *
 * Edits live in memory until ost_hive_save writes the whole hive to a new
 * file; the caller renames it into place, so a failed command never leaves
 * a half-written hive.
 */
#ifndef OST_HIVE_H
#define OST_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

/* Registry value types, as Windows numbers them. */
enum {
    OST_REG_NONE = 0,
    OST_REG_SZ = 1,
    OST_REG_EXPAND_SZ = 2,
    OST_REG_BINARY = 3,
    OST_REG_DWORD = 4,
    OST_REG_MULTI_SZ = 7,
    OST_REG_QWORD = 11,
};

struct ost_hive;
typedef size_t ost_hkey; /* 0 = no such key */

struct ost_hive_open_options {
    bool writable;
    bool allow_dirty; /* --force: edit a hive whose log holds unwritten changes */
};

ost_status ost_hive_open(const char *path, const struct ost_hive_open_options *opts, struct ost_hive **out,
                         struct ost_error *err);
void ost_hive_close(struct ost_hive *h);
const char *ost_hive_path(const struct ost_hive *h);
bool ost_hive_modified(const struct ost_hive *h);

ost_hkey ost_hive_root(struct ost_hive *h);
/* Looks up "A\B\C" below `from` (the root if 0); 0 when absent. */
ost_hkey ost_hive_key(struct ost_hive *h, ost_hkey from, const char *path);
/* Like ost_hive_key, creating missing keys. */
ost_status ost_hive_create_key(struct ost_hive *h, ost_hkey from, const char *path, ost_hkey *out,
                               struct ost_error *err);
/* Deletes the key and everything below it. */
ost_status ost_hive_delete_key(struct ost_hive *h, ost_hkey key, struct ost_error *err);
char *ost_hive_key_name(struct ost_hive *h, ost_hkey key);
/* Subkey names, in hive order. */
void ost_hive_subkeys(struct ost_hive *h, ost_hkey key, struct ost_strlist *names);

/* A value as stored: type and raw bytes (caller frees data). Returns false
 * when the value does not exist. Name "" is the default value. */
bool ost_hive_get_raw(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *type, uint8_t **data,
                      size_t *size);
/* REG_SZ / REG_EXPAND_SZ as UTF-8; NULL when absent or of another type. */
char *ost_hive_get_string(struct ost_hive *h, ost_hkey key, const char *name);
bool ost_hive_get_dword(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *out);
/* REG_MULTI_SZ; false when absent or of another type. */
bool ost_hive_get_multi_string(struct ost_hive *h, ost_hkey key, const char *name, struct ost_strlist *out);
/* Value names of the key. */
void ost_hive_value_names(struct ost_hive *h, ost_hkey key, struct ost_strlist *names);

ost_status ost_hive_set_raw(struct ost_hive *h, ost_hkey key, const char *name, uint32_t type, const void *data,
                            size_t size, struct ost_error *err);
ost_status ost_hive_set_string(struct ost_hive *h, ost_hkey key, const char *name, uint32_t type,
                               const char *utf8, struct ost_error *err);
ost_status ost_hive_set_dword(struct ost_hive *h, ost_hkey key, const char *name, uint32_t v,
                              struct ost_error *err);
ost_status ost_hive_set_multi_string(struct ost_hive *h, ost_hkey key, const char *name,
                                     const struct ost_strlist *v, struct ost_error *err);
ost_status ost_hive_delete_value(struct ost_hive *h, ost_hkey key, const char *name, struct ost_error *err);

/* Writes the hive, with every edit, to path (a new file). */
/* A generous upper bound of the size ost_hive_save will write; an estimate
 * (lists rewritten by edits are counted roughly), so callers that size a
 * buffer by it must cope with it being exceeded. */
uint64_t ost_hive_size_bound(const struct ost_hive *h);
ost_status ost_hive_save(struct ost_hive *h, const char *path, struct ost_error *err);

/* UTF-8 ⇄ UTF-16LE (no terminator added or expected). */
uint8_t *ost_utf8_to_utf16le(const char *s, size_t *out_len);
char *ost_utf16le_to_utf8(const uint8_t *p, size_t len);

#endif
