/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * regf.h — the registry hive file format's base block: reading the header
 * facts hivex does not expose (sequence numbers, i.e. whether the hive is
 * dirty; declared sizes; header checksum), and writing a new, empty hive.
 *
 * Writing is limited to the smallest valid hive: a base block and one bin
 * holding the root key and its security descriptor. Everything else in a
 * hive we create is added through hivex, so these are the only regf bytes
 * offstage writes by hand. Layout: the "regf" base block (4096 bytes) with
 * its XOR checksum at offset 508, then "hbin" blocks of cells (size as a
 * negative int32 when allocated), as documented in the Windows registry
 * file format notes (e.g. libyal's "Windows NT Registry File (REGF)").
 */
#ifndef OST_REGF_H
#define OST_REGF_H

#ifndef OST_BUILDING_LIBRARY
#error "regf.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ost_regf_header {
    uint32_t sequence1, sequence2; /* equal when the hive is clean */
    uint32_t major, minor;
    uint32_t root_offset;
    uint32_t hive_bins_size;
    uint32_t checksum_stored, checksum_computed;
};

/* Checks the base block of a hive from its first bytes (at most 4096 are
 * looked at) and the file's total size: "regf" signature, sizes within the
 * file, header checksum. Errors name the file and the offset. The caller
 * decides what a dirty hive means. */
ost_status ost_regf_parse_header(const uint8_t *data, size_t n, uint64_t file_size, const char *name,
                                 struct ost_regf_header *out, struct ost_error *err);

static inline bool ost_regf_is_dirty(const struct ost_regf_header *h)
{
    return h->sequence1 != h->sequence2;
}

/* Creates (or truncates) path with an empty hive whose root key is named
 * root_name (ASCII, at most 64 characters). */
ost_status ost_regf_write_empty(const char *path, const char *root_name, struct ost_error *err);

#endif
