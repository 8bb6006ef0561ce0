/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * hive.h — registry hives through hivex: open (refusing dirty hives), walk
 * keys by backslash-separated paths compared case-insensitively, read and
 * write typed values, and save to a file. Strings are UTF-8 here and
 * UTF-16LE in the hive, as Windows stores them (encoding.h converts:
 * what reads damaged shows U+FFFD; text to write that is not UTF-8 is
 * refused).
 *
 * Edits live in memory until ost_hive_save writes the whole hive to a new
 * file; the caller renames it into place, so a failed command never leaves
 * a half-written hive.
 *
 * Names hivex cannot read: a key or value name is stored as Latin-1 or as
 * UTF-16LE, and hivex fails on UTF-16 that is not valid (an unpaired
 * surrogate, an odd length) or on a name that runs past its cell. Windows
 * keeps such names (damage, other tools write them). They equal no name
 * offstage looks up, which are text, so lookups pass over them and find the
 * siblings after them, and listings leave them out. An edit that makes
 * hivex rewrite a list holding one (adding a subkey beside it, setting or
 * deleting a value beside it, deleting a tree holding one) is refused with
 * a message naming the key, the entry's position and its cell offset.
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

/* The largest hive file opened. Windows loads no hive over 2 GB, and caps
 * SYSTEM lower (50% of physical memory, at most 400 MB on x86 and 1.5 GB
 * on x64): Microsoft, "Registry Storage Space",
 * https://learn.microsoft.com/en-us/windows/win32/sysinfo/registry-storage-space
 * hivex reads a writable hive whole into memory, so a larger file (a
 * sparse one costs nothing on disk) is refused before it is read. */
#define OST_HIVE_MAX_SIZE (UINT64_C(2) << 30)

struct ost_hive_open_options {
    bool writable;
    bool allow_dirty; /* --force: edit a hive whose log holds unwritten changes */
    /* How messages name the hive when `path` is not the name the user
     * knows (a target gives /proc/self/fd/N): "IMAGE: Windows\...\SYSTEM" */
    const char *name;
};

/* Refuses (before reading it) a path that is not a regular file or is
 * larger than OST_HIVE_MAX_SIZE, and a dirty hive unless allowed. */
ost_status ost_hive_open(const char *path, const struct ost_hive_open_options *opts, struct ost_hive **out,
                         struct ost_error *err);
void ost_hive_close(struct ost_hive *h);
const char *ost_hive_path(const struct ost_hive *h);
bool ost_hive_modified(const struct ost_hive *h);

/* Looks up "A\B\C" below `from` (the root if 0); 0 when absent. */
ost_hkey ost_hive_key(struct ost_hive *h, ost_hkey from, const char *path);
/* Like ost_hive_key, creating missing keys. */
ost_status ost_hive_create_key(struct ost_hive *h, ost_hkey from, const char *path, ost_hkey *out,
                               struct ost_error *err);
/* Deletes the key and everything below it. */
ost_status ost_hive_delete_key(struct ost_hive *h, ost_hkey key, struct ost_error *err);
char *ost_hive_key_name(struct ost_hive *h, ost_hkey key);
/* Subkey names, in hive order (without those hivex cannot read). */
void ost_hive_subkeys(struct ost_hive *h, ost_hkey key, struct ost_strlist *names);
/* "SYSTEM\ControlSet001\Enum": the key's path, led by the hive file's name. */
char *ost_hive_key_path(struct ost_hive *h, ost_hkey key);
/* The first subkey (value) of key whose name hivex cannot read, described
 * as "SOFTWARE\...\Certificates has a subkey whose name is not valid
 * UTF-16 (subkey 1 of 2, nk at offset 0x4020)"; NULL when every name reads. */
char *ost_hive_unreadable_subkey(struct ost_hive *h, ost_hkey key);
char *ost_hive_unreadable_value(struct ost_hive *h, ost_hkey key);
/* For a message saying that path (below from) is missing: " (SYSTEM has a
 * subkey whose name is not valid UTF-16 (...): it may be the ControlSet001
 * looked for)" when the key where the lookup stopped holds such a name,
 * else "". */
char *ost_hive_missing_note(struct ost_hive *h, ost_hkey from, const char *path);

/* A value as stored: type and raw bytes (caller frees data). Returns false
 * when the value does not exist. Name "" is the default value. */
bool ost_hive_get_raw(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *type, uint8_t **data,
                      size_t *size);
/* REG_SZ / REG_EXPAND_SZ as UTF-8; NULL when absent or of another type. */
char *ost_hive_get_string(struct ost_hive *h, ost_hkey key, const char *name);
bool ost_hive_get_dword(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *out);
/* REG_MULTI_SZ; false when absent or of another type. */
bool ost_hive_get_multi_string(struct ost_hive *h, ost_hkey key, const char *name, struct ost_strlist *out);
/* Value names of the key (without those hivex cannot read). */
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

#endif
