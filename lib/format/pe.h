/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pe.h — the PE/COFF facts offstage needs from a driver binary (.sys, .dll):
 * machine and format (PE32 or PE32+), subsystem, image checksum (stored and
 * recomputed the way Windows does), the section table, whether an
 * Authenticode signature is embedded (the certificate table), and the bytes
 * an Authenticode image hash covers. The module owns the parsing of those
 * headers and nothing else: it needs no crypto library, callers bring
 * their own hash through a callback.
 *
 * Every malformed input is an OST_ERR_CORRUPT error whose message names the
 * file, the offset and the reason. Nothing is read outside the buffer.
 */
#ifndef OST_PE_H
#define OST_PE_H

#ifndef OST_BUILDING_LIBRARY
#error "pe.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "error.h"

/* The PE/COFF specification: "the Windows loader limits the number of
 * sections to 96". More is a corrupt image, never a large allocation. */
#define OST_PE_MAX_SECTIONS 96
/* Drivers are kilobytes to a few megabytes; ost_pe_read_file refuses more. */
#define OST_PE_MAX_FILE (256u * 1024 * 1024)

struct ost_pe_range {
    uint64_t offset, size;
};

struct ost_pe_section {
    char name[9]; /* the 8 raw bytes, NUL-terminated */
    uint32_t virtual_size, virtual_address, raw_size, raw_offset, characteristics;
};

struct ost_pe_info {
    uint16_t machine;          /* IMAGE_FILE_MACHINE_* */
    ost_arch arch;             /* OST_ARCH_UNKNOWN for other machines */
    const char *machine_name;  /* "i386", "amd64", "arm64", ... or "unknown"; static */
    bool pe32_plus;            /* optional header magic 0x20b rather than 0x10b */
    uint16_t subsystem;        /* 1 = native: a kernel-mode driver */
    const char *subsystem_name; /* "native", "windows-gui", ... or "unknown"; static */
    uint16_t characteristics, dll_characteristics;
    uint32_t entry_point_rva;
    uint64_t image_base;
    uint32_t size_of_image, size_of_headers;
    uint32_t checksum_stored, checksum_computed;
    uint64_t checksum_offset;  /* file offset of the CheckSum field */
    uint16_t section_count;    /* 1 to OST_PE_MAX_SECTIONS */
    struct ost_pe_section *sections;
    uint32_t number_of_rva_and_sizes;
    bool has_certificate_table;
    uint32_t cert_table_offset, cert_table_size; /* a file offset, not an RVA */
    uint64_t cert_dir_offset;  /* file offset of data directory entry 4; 0 when there is none */
    /* What an Authenticode hash skips, in file order: the CheckSum field,
     * the certificate-table directory entry (when the image has one), the
     * certificate table (when it is not empty). */
    struct ost_pe_range authenticode_skip[3];
    size_t authenticode_skip_count;
    /* Where the hashed remainder after the sections ends: the certificate
     * table's offset when there is one, else the file size. */
    uint64_t authenticode_end;
    uint64_t file_size;
};

/* Parses `size` bytes of a PE image. On failure *out holds no allocation
 * (ost_pe_info_free on it is harmless). */
ost_status ost_pe_parse(const uint8_t *data, size_t size, const char *name_for_messages,
                        struct ost_pe_info *out, struct ost_error *err);
/* Reads and parses a file of at most OST_PE_MAX_FILE bytes: OST_ERR_IO when
 * it cannot be read (or is a directory), OST_ERR_LIMIT when it is larger. */
ost_status ost_pe_read_file(const char *path, struct ost_pe_info *out, struct ost_error *err);
void ost_pe_info_free(struct ost_pe_info *pe);

/* The PE image checksum as ImageHlp's CheckSumMappedFile computes it,
 * counting the four bytes at checksum_offset as zero. */
uint32_t ost_pe_checksum(const uint8_t *data, size_t size, uint64_t checksum_offset);

/* Feeds `update` the bytes an Authenticode image hash covers, in the order
 * of Microsoft's "Windows Authenticode Portable Executable Signature
 * Format": the headers up to SizeOfHeaders without the CheckSum field and
 * the certificate directory entry, the sections with raw data sorted by
 * PointerToRawData, then what follows them up to the certificate table.
 * `pe` must come from ost_pe_parse on the same bytes (OST_ERR_USAGE when
 * the size differs). Fails, feeding nothing, with OST_ERR_CORRUPT when the
 * hash is not defined: a certificate table that overlaps section data or
 * is followed by more data (Windows rejects both). */
ost_status ost_pe_authenticode_digest(const uint8_t *data, size_t size, const char *name_for_messages,
                                      const struct ost_pe_info *pe,
                                      void (*update)(void *ctx, const void *p, size_t n), void *ctx,
                                      struct ost_error *err);
/* The same without a reason: false when nothing was fed. */
bool ost_pe_authenticode_feed(const uint8_t *data, size_t size, const struct ost_pe_info *pe,
                              void (*update)(void *ctx, const void *p, size_t n), void *ctx);

#endif
