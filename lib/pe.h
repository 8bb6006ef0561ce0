/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pe.h — the PE/COFF facts offstage needs from a driver binary (.sys, .dll):
 * machine and format (PE32 or PE32+), subsystem, image checksum (stored and
 * recomputed the way Windows does), whether an Authenticode signature is
 * embedded (the certificate table), and the byte ranges an Authenticode
 * image hash must skip.
 *
 * Every malformed input is an OST_ERR_CORRUPT error whose message names the
 * file, the offset and the reason. Nothing is read outside the buffer.
 */
#ifndef OST_PE_H
#define OST_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

/* Windows' loader refuses images with more sections than this. */
#define OST_PE_MAX_SECTIONS 96
#define OST_PE_MAX_FILE (256u * 1024 * 1024)

struct ost_pe_range {
    uint64_t offset, size;
};

struct ost_pe_section {
    char name[9];
    uint32_t virtual_size, virtual_address, raw_size, raw_offset, characteristics;
};

struct ost_pe_info {
    uint16_t machine;          /* IMAGE_FILE_MACHINE_* */
    ost_arch arch;             /* OST_ARCH_UNKNOWN for other machines */
    const char *machine_name;  /* "i386", "amd64", "arm64", ... or "unknown" */
    bool pe32_plus;
    uint16_t subsystem;        /* 1 = native: a kernel-mode driver */
    const char *subsystem_name;
    uint16_t characteristics, dll_characteristics;
    uint32_t entry_point_rva;
    uint64_t image_base;
    uint32_t size_of_image, size_of_headers;
    uint32_t checksum_stored, checksum_computed;
    uint64_t checksum_offset;  /* file offset of the CheckSum field */
    uint16_t section_count;
    struct ost_pe_section *sections;
    uint32_t number_of_rva_and_sizes;
    bool has_certificate_table;
    uint32_t cert_table_offset, cert_table_size; /* a file offset, not an RVA */
    uint64_t cert_dir_offset;  /* file offset of data directory entry 4 */
    /* What an Authenticode hash skips, in file order: the CheckSum field,
     * the certificate-table directory entry, the certificate table. */
    struct ost_pe_range authenticode_skip[3];
    size_t authenticode_skip_count;
    uint64_t file_size;
};

ost_status ost_pe_parse(const uint8_t *data, size_t size, const char *name, struct ost_pe_info *out,
                        struct ost_error *err);
ost_status ost_pe_read_file(const char *path, struct ost_pe_info *out, struct ost_error *err);
void ost_pe_info_free(struct ost_pe_info *pe);

/* The PE image checksum (as CheckSumMappedFile computes it), treating the
 * four bytes at checksum_offset as zero. */
uint32_t ost_pe_checksum(const uint8_t *data, size_t size, uint64_t checksum_offset);

/* Feeds the bytes an Authenticode image hash covers to `update`, in the
 * order Microsoft's "Windows Authenticode Portable Executable Signature
 * Format" gives: headers without the skipped fields, sections by file
 * offset, then whatever follows them except the certificate table. */
void ost_pe_authenticode_feed(const uint8_t *data, size_t size, const struct ost_pe_info *pe,
                              void (*update)(void *ctx, const void *p, size_t n), void *ctx);

#endif
