/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileutil.h"
#include "util.h"

/* Sizes and field offsets from the PE/COFF specification. */
enum {
    DOS_HEADER_SIZE = 64,
    DOS_LFANEW = 0x3c,
    PE_SIGNATURE_SIZE = 4,
    COFF_HEADER_SIZE = 20,
    COFF_SECTION_COUNT = 2,
    COFF_OPTIONAL_SIZE = 16,
    COFF_CHARACTERISTICS = 18,
    OPT_MAGIC_PE32 = 0x10b,
    OPT_MAGIC_PE32_PLUS = 0x20b,
    OPT_FIXED_PE32 = 96, /* bytes before the data directories */
    OPT_FIXED_PE32_PLUS = 112,
    OPT_ENTRY_POINT = 16,
    OPT_IMAGE_BASE_PE32 = 28,
    OPT_IMAGE_BASE_PE32_PLUS = 24,
    OPT_SIZE_OF_IMAGE = 56,
    OPT_SIZE_OF_HEADERS = 60,
    OPT_CHECKSUM = 64,
    OPT_SUBSYSTEM = 68,
    OPT_DLL_CHARACTERISTICS = 70,
    DATA_DIR_SIZE = 8,
    MAX_DATA_DIRS = 16,
    DIR_CERTIFICATE_TABLE = 4,
    WIN_CERTIFICATE_HEADER_SIZE = 8,
    SECTION_HEADER_SIZE = 40,
    SECTION_NAME_SIZE = 8,
};

/* The bytes being parsed and where their errors go. */
struct reader {
    const uint8_t *data;
    size_t size;
    const char *name;
    struct ost_error *err;
};

static const char *machine_name(uint16_t machine)
{
    switch (machine) {
    case 0x014c: return "i386";
    case 0x8664: return "amd64";
    case 0xaa64: return "arm64";
    case 0x01c4: return "arm";
    case 0x0200: return "ia64";
    case 0xa641: return "arm64ec";
    case 0xa64e: return "arm64x";
    /* Older ARM machine types Windows NT never loads: named apart from
     * "arm" so that a message never says an arm image is not arm. */
    case 0x01c0: return "arm-wince";
    case 0x01c2: return "thumb";
    case 0x0ebc: return "efi-bytecode";
    case 0x5064: return "riscv64";
    case 0x6264: return "loongarch64";
    default: return "unknown";
    }
}

static const char *subsystem_name(uint16_t subsystem)
{
    static const char *const names[] = {
        [1] = "native",
        [2] = "windows-gui",
        [3] = "windows-cui",
        [5] = "os2-cui",
        [7] = "posix-cui",
        [8] = "native-windows",
        [9] = "windows-ce-gui",
        [10] = "efi-application",
        [11] = "efi-boot-service-driver",
        [12] = "efi-runtime-driver",
        [13] = "efi-rom",
        [14] = "xbox",
        [16] = "windows-boot-application",
    };
    if (subsystem < sizeof names / sizeof names[0] && names[subsystem])
        return names[subsystem];
    return "unknown";
}

static bool in_file(const struct reader *r, uint64_t offset, uint64_t len)
{
    return offset <= r->size && len <= r->size - offset;
}

static ost_status corrupt(const struct reader *r, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ost_status corrupt(const struct reader *r, uint64_t offset, const char *fmt, ...)
{
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return ost_fail(r->err, OST_ERR_CORRUPT, "%s: offset 0x%llx: %s", r->name, (unsigned long long)offset,
                    reason);
}

/* Section names are raw bytes; a message shows them without control
 * characters. */
static void printable_name(const char *name, char out[SECTION_NAME_SIZE + 1])
{
    size_t i;
    for (i = 0; i < SECTION_NAME_SIZE && name[i]; i++)
        out[i] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
    out[i] = '\0';
}

/* Follows the DOS header's e_lfanew to the COFF file header. */
static ost_status read_dos_header(const struct reader *r, uint64_t *coff_at)
{
    if (r->size < DOS_HEADER_SIZE)
        return corrupt(r, 0, "the file is %zu bytes, smaller than a DOS header (%d bytes)", r->size,
                       DOS_HEADER_SIZE);
    if (r->data[0] != 'M' || r->data[1] != 'Z')
        return corrupt(r, 0, "no \"MZ\" signature (found 0x%02x 0x%02x): not a PE image", r->data[0],
                       r->data[1]);
    uint32_t lfanew = ost_le32(r->data + DOS_LFANEW);
    if (lfanew > INT32_MAX)
        return corrupt(r, DOS_LFANEW, "e_lfanew 0x%x is negative", lfanew);
    if (lfanew % 4 != 0)
        return corrupt(r, DOS_LFANEW, "e_lfanew 0x%x is not a multiple of 4", lfanew);
    if (!in_file(r, lfanew, PE_SIGNATURE_SIZE))
        return corrupt(r, DOS_LFANEW, "e_lfanew 0x%x points past the end of the file (%zu bytes)", lfanew,
                       r->size);
    if (memcmp(r->data + lfanew, "PE\0\0", PE_SIGNATURE_SIZE) != 0)
        return corrupt(r, lfanew, "no \"PE\\0\\0\" signature where e_lfanew points");
    *coff_at = (uint64_t)lfanew + PE_SIGNATURE_SIZE;
    if (!in_file(r, *coff_at, COFF_HEADER_SIZE))
        return corrupt(r, *coff_at, "the COFF file header (%d bytes) is cut off by the end of the file (%zu bytes)",
                       COFF_HEADER_SIZE, r->size);
    return OST_OK;
}

static ost_status read_coff_header(const struct reader *r, uint64_t coff_at, struct ost_pe_info *pe,
                                   uint16_t *optional_size)
{
    const uint8_t *p = r->data + coff_at;
    pe->machine = ost_le16(p);
    pe->arch = ost_arch_from_pe_machine(pe->machine);
    pe->machine_name = machine_name(pe->machine);
    pe->section_count = ost_le16(p + COFF_SECTION_COUNT);
    pe->characteristics = ost_le16(p + COFF_CHARACTERISTICS);
    *optional_size = ost_le16(p + COFF_OPTIONAL_SIZE);
    if (pe->section_count == 0 || pe->section_count > OST_PE_MAX_SECTIONS)
        return corrupt(r, coff_at + COFF_SECTION_COUNT, "NumberOfSections is %u; Windows loads images with 1 to %d",
                       pe->section_count, OST_PE_MAX_SECTIONS);
    return OST_OK;
}

/* Reads the magic; returns the size of the fields before the data
 * directories, or 0 after reporting an error. */
static unsigned optional_header_format(const struct reader *r, uint64_t opt_at, uint16_t opt_size,
                                       struct ost_pe_info *pe)
{
    uint64_t size_field_at = opt_at - COFF_HEADER_SIZE + COFF_OPTIONAL_SIZE;
    if (!in_file(r, opt_at, opt_size)) {
        corrupt(r, opt_at, "the optional header (SizeOfOptionalHeader %u bytes) is cut off by the end of the file "
                "(%zu bytes)", opt_size, r->size);
        return 0;
    }
    if (opt_size < 2) {
        corrupt(r, size_field_at, "SizeOfOptionalHeader is %u, too small to hold even the magic", opt_size);
        return 0;
    }
    uint16_t magic = ost_le16(r->data + opt_at);
    if (magic != OPT_MAGIC_PE32 && magic != OPT_MAGIC_PE32_PLUS) {
        corrupt(r, opt_at, "optional header magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)", magic);
        return 0;
    }
    pe->pe32_plus = magic == OPT_MAGIC_PE32_PLUS;
    unsigned fixed = pe->pe32_plus ? OPT_FIXED_PE32_PLUS : OPT_FIXED_PE32;
    if (opt_size < fixed) {
        corrupt(r, size_field_at, "SizeOfOptionalHeader is %u, too small for a %s optional header (%u bytes)",
                opt_size, pe->pe32_plus ? "PE32+" : "PE32", fixed);
        return 0;
    }
    return fixed;
}

static ost_status read_optional_header(const struct reader *r, uint64_t opt_at, uint16_t opt_size,
                                       struct ost_pe_info *pe)
{
    unsigned fixed = optional_header_format(r, opt_at, opt_size, pe);
    if (fixed == 0)
        return OST_ERR_CORRUPT;
    const uint8_t *p = r->data + opt_at;
    pe->entry_point_rva = ost_le32(p + OPT_ENTRY_POINT);
    pe->image_base = pe->pe32_plus ? ost_le64(p + OPT_IMAGE_BASE_PE32_PLUS) : ost_le32(p + OPT_IMAGE_BASE_PE32);
    pe->size_of_image = ost_le32(p + OPT_SIZE_OF_IMAGE);
    pe->size_of_headers = ost_le32(p + OPT_SIZE_OF_HEADERS);
    pe->checksum_offset = opt_at + OPT_CHECKSUM;
    pe->checksum_stored = ost_le32(p + OPT_CHECKSUM);
    pe->subsystem = ost_le16(p + OPT_SUBSYSTEM);
    pe->subsystem_name = subsystem_name(pe->subsystem);
    pe->dll_characteristics = ost_le16(p + OPT_DLL_CHARACTERISTICS);
    uint64_t count_at = opt_at + fixed - 4;
    pe->number_of_rva_and_sizes = ost_le32(p + fixed - 4);
    if (pe->number_of_rva_and_sizes > MAX_DATA_DIRS)
        return corrupt(r, count_at, "NumberOfRvaAndSizes is %u; the format defines %d data directories",
                       pe->number_of_rva_and_sizes, MAX_DATA_DIRS);
    if (fixed + DATA_DIR_SIZE * pe->number_of_rva_and_sizes > opt_size)
        return corrupt(r, count_at, "%u data directories do not fit in the %u-byte optional header",
                       pe->number_of_rva_and_sizes, opt_size);
    return OST_OK;
}

/* The headers end with the section table; SizeOfHeaders must cover them
 * (the Authenticode hash treats everything below it as headers) and lie
 * inside the file. */
static ost_status check_size_of_headers(const struct reader *r, uint64_t opt_at, uint64_t headers_end,
                                        const struct ost_pe_info *pe)
{
    uint64_t field_at = opt_at + OPT_SIZE_OF_HEADERS;
    if (pe->size_of_headers > r->size)
        return corrupt(r, field_at, "SizeOfHeaders 0x%x is beyond the end of the file (%zu bytes)",
                       pe->size_of_headers, r->size);
    if (pe->size_of_headers < headers_end)
        return corrupt(r, field_at, "SizeOfHeaders 0x%x is smaller than the headers and section table (0x%llx bytes)",
                       pe->size_of_headers, (unsigned long long)headers_end);
    return OST_OK;
}

static ost_status read_section(const struct reader *r, uint64_t at, unsigned index, struct ost_pe_section *s)
{
    const uint8_t *p = r->data + at;
    memcpy(s->name, p, SECTION_NAME_SIZE);
    s->name[SECTION_NAME_SIZE] = '\0';
    s->virtual_size = ost_le32(p + 8);
    s->virtual_address = ost_le32(p + 12);
    s->raw_size = ost_le32(p + 16);
    s->raw_offset = ost_le32(p + 20);
    s->characteristics = ost_le32(p + 36);
    /* The loader ignores PointerToRawData when there is no raw data. */
    if (s->raw_size != 0 && !in_file(r, s->raw_offset, s->raw_size)) {
        char shown[SECTION_NAME_SIZE + 1];
        printable_name(s->name, shown);
        return corrupt(r, at, "section %u (\"%s\") has its raw data at 0x%x, 0x%x bytes, past the end of the file "
                       "(%zu bytes)", index, shown, s->raw_offset, s->raw_size, r->size);
    }
    return OST_OK;
}

static ost_status read_section_table(const struct reader *r, uint64_t table_at, struct ost_pe_info *pe)
{
    pe->sections = ost_xcalloc(pe->section_count, sizeof *pe->sections);
    for (unsigned i = 0; i < pe->section_count; i++) {
        ost_status st = read_section(r, table_at + (uint64_t)SECTION_HEADER_SIZE * i, i, &pe->sections[i]);
        if (st != OST_OK)
            return st;
    }
    return OST_OK;
}

/* Data directory 4 holds a file offset, unlike the others' RVAs. */
static ost_status read_certificate_directory(const struct reader *r, uint64_t dirs_at, struct ost_pe_info *pe)
{
    if (pe->number_of_rva_and_sizes <= DIR_CERTIFICATE_TABLE)
        return OST_OK;
    uint64_t at = dirs_at + (uint64_t)DATA_DIR_SIZE * DIR_CERTIFICATE_TABLE;
    uint32_t offset = ost_le32(r->data + at), size = ost_le32(r->data + at + 4);
    pe->cert_dir_offset = at;
    if (offset == 0 && size == 0)
        return OST_OK;
    if (size < WIN_CERTIFICATE_HEADER_SIZE)
        return corrupt(r, at, "the certificate table is %u bytes, less than one WIN_CERTIFICATE header (%d bytes)",
                       size, WIN_CERTIFICATE_HEADER_SIZE);
    if (!in_file(r, offset, size))
        return corrupt(r, at, "the certificate table at 0x%x (%u bytes) lies past the end of the file (%zu bytes)",
                       offset, size, r->size);
    if (offset < pe->size_of_headers)
        return corrupt(r, at, "the certificate table at 0x%x overlaps the headers (SizeOfHeaders 0x%x)", offset,
                       pe->size_of_headers);
    pe->has_certificate_table = true;
    pe->cert_table_offset = offset;
    pe->cert_table_size = size;
    return OST_OK;
}

static ost_status read_headers(const struct reader *r, struct ost_pe_info *pe)
{
    uint64_t coff_at = 0;
    uint16_t opt_size = 0;
    ost_status st = read_dos_header(r, &coff_at);
    if (st == OST_OK)
        st = read_coff_header(r, coff_at, pe, &opt_size);
    if (st != OST_OK)
        return st;
    uint64_t opt_at = coff_at + COFF_HEADER_SIZE;
    st = read_optional_header(r, opt_at, opt_size, pe);
    if (st != OST_OK)
        return st;
    uint64_t table_at = opt_at + opt_size;
    uint64_t table_size = (uint64_t)SECTION_HEADER_SIZE * pe->section_count;
    if (!in_file(r, table_at, table_size))
        return corrupt(r, table_at, "the section table (%u entries, %llu bytes) is cut off by the end of the file "
                       "(%zu bytes)", pe->section_count, (unsigned long long)table_size, r->size);
    st = check_size_of_headers(r, opt_at, table_at + table_size, pe);
    if (st == OST_OK)
        st = read_section_table(r, table_at, pe);
    if (st == OST_OK)
        st = read_certificate_directory(r, opt_at + (pe->pe32_plus ? OPT_FIXED_PE32_PLUS : OPT_FIXED_PE32), pe);
    return st;
}

static void set_authenticode_ranges(struct ost_pe_info *pe)
{
    size_t n = 0;
    pe->authenticode_skip[n++] = (struct ost_pe_range){pe->checksum_offset, 4};
    if (pe->cert_dir_offset != 0)
        pe->authenticode_skip[n++] = (struct ost_pe_range){pe->cert_dir_offset, DATA_DIR_SIZE};
    if (pe->has_certificate_table)
        pe->authenticode_skip[n++] = (struct ost_pe_range){pe->cert_table_offset, pe->cert_table_size};
    pe->authenticode_skip_count = n;
    pe->authenticode_end = pe->has_certificate_table ? pe->cert_table_offset : pe->file_size;
}

ost_status ost_pe_parse(const uint8_t *data, size_t size, const char *name_for_messages,
                        struct ost_pe_info *out, struct ost_error *err)
{
    struct reader r = {data, size, name_for_messages ? name_for_messages : "PE image", err};
    memset(out, 0, sizeof *out);
    out->machine_name = "unknown";
    out->subsystem_name = "unknown";
    out->file_size = size;
    ost_status st = read_headers(&r, out);
    if (st != OST_OK) {
        ost_pe_info_free(out);
        return st;
    }
    out->checksum_computed = ost_pe_checksum(data, size, out->checksum_offset);
    set_authenticode_ranges(out);
    return OST_OK;
}

ost_status ost_pe_read_file(const char *path, struct ost_pe_info *out, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    memset(out, 0, sizeof *out);
    ost_status st = ost_read_file(path, OST_PE_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_pe_parse(data, size, path, out, err);
    free(data);
    return st;
}

void ost_pe_info_free(struct ost_pe_info *pe)
{
    free(pe->sections);
    pe->sections = NULL;
}

/* A byte as the checksum sees it: zero inside the CheckSum field, and past
 * the end (an odd-sized file ends with a half word). */
static uint32_t checksum_byte(const uint8_t *data, size_t size, size_t i, uint64_t skip_at)
{
    if (i >= size || (i >= skip_at && i - skip_at < 4))
        return 0;
    return data[i];
}

uint32_t ost_pe_checksum(const uint8_t *data, size_t size, uint64_t checksum_offset)
{
    /* 16-bit little-endian words added with the carry folded back in after
     * every step, then the file size added to the 16-bit result. */
    uint32_t sum = 0;
    for (size_t i = 0; i < size; i += 2) {
        sum += checksum_byte(data, size, i, checksum_offset) | checksum_byte(data, size, i + 1, checksum_offset) << 8;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum + (uint32_t)size;
}

/* --- Authenticode --------------------------------------------------------- */

struct feeder {
    const uint8_t *data;
    void (*update)(void *ctx, const void *p, size_t n);
    void *ctx;
};

static void feed(const struct feeder *f, uint64_t from, uint64_t to)
{
    if (to > from)
        f->update(f->ctx, f->data + from, (size_t)(to - from));
}

static int compare_by_raw_offset(const void *a, const void *b)
{
    const struct ost_pe_section *x = *(const struct ost_pe_section *const *)a;
    const struct ost_pe_section *y = *(const struct ost_pe_section *const *)b;
    if (x->raw_offset != y->raw_offset)
        return x->raw_offset < y->raw_offset ? -1 : 1;
    /* Equal offsets keep section-table order, so the hash is deterministic. */
    return x < y ? -1 : x > y;
}

/* The sections that have raw data, by PointerToRawData. */
static const struct ost_pe_section **sections_in_file_order(const struct ost_pe_info *pe, size_t *count)
{
    const struct ost_pe_section **order = ost_xcalloc(pe->section_count ? pe->section_count : 1, sizeof *order);
    size_t n = 0;
    for (unsigned i = 0; i < pe->section_count; i++)
        if (pe->sections[i].raw_size != 0)
            order[n++] = &pe->sections[i];
    qsort(order, n, sizeof *order, compare_by_raw_offset);
    *count = n;
    return order;
}

static uint64_t section_data_end(const struct ost_pe_info *pe)
{
    uint64_t end = 0;
    for (unsigned i = 0; i < pe->section_count; i++) {
        const struct ost_pe_section *s = &pe->sections[i];
        if (s->raw_size != 0 && (uint64_t)s->raw_offset + s->raw_size > end)
            end = (uint64_t)s->raw_offset + s->raw_size;
    }
    return end;
}

/* The hash is defined for a certificate table at the very end of the file,
 * after all section data: the place every signing tool puts it. */
static ost_status check_hash_defined(const struct reader *r, const struct ost_pe_info *pe)
{
    if (r->size != pe->file_size)
        return ost_fail(r->err, OST_ERR_USAGE, "%s: the PE information describes a %llu-byte file, not these %zu bytes",
                        r->name, (unsigned long long)pe->file_size, r->size);
    if (!pe->has_certificate_table)
        return OST_OK;
    uint64_t table_end = (uint64_t)pe->cert_table_offset + pe->cert_table_size;
    if (table_end != r->size)
        return corrupt(r, pe->cert_dir_offset, "the certificate table (0x%x, %u bytes) ends at 0x%llx, but the file "
                       "goes on to 0x%zx; Windows rejects data after the signature, and the Authenticode hash is not "
                       "defined for it", pe->cert_table_offset, pe->cert_table_size, (unsigned long long)table_end,
                       r->size);
    uint64_t sections_end = section_data_end(pe);
    if (pe->cert_table_offset < sections_end)
        return corrupt(r, pe->cert_dir_offset, "the certificate table at 0x%x overlaps section data, which ends at "
                       "0x%llx", pe->cert_table_offset, (unsigned long long)sections_end);
    return OST_OK;
}

/* The headers, minus the skip ranges that lie inside them: the CheckSum
 * field and the certificate directory entry. */
static void feed_headers(const struct feeder *f, const struct ost_pe_info *pe)
{
    uint64_t pos = 0;
    for (size_t i = 0; i < pe->authenticode_skip_count; i++) {
        const struct ost_pe_range *skip = &pe->authenticode_skip[i];
        if (skip->offset >= pe->size_of_headers)
            break;
        feed(f, pos, skip->offset);
        pos = skip->offset + skip->size;
    }
    feed(f, pos, pe->size_of_headers);
}

ost_status ost_pe_authenticode_digest(const uint8_t *data, size_t size, const char *name_for_messages,
                                      const struct ost_pe_info *pe,
                                      void (*update)(void *ctx, const void *p, size_t n), void *ctx,
                                      struct ost_error *err)
{
    struct reader r = {data, size, name_for_messages ? name_for_messages : "PE image", err};
    ost_status st = check_hash_defined(&r, pe);
    if (st != OST_OK)
        return st;
    struct feeder f = {data, update, ctx};
    feed_headers(&f, pe);
    size_t n;
    const struct ost_pe_section **order = sections_in_file_order(pe, &n);
    /* The specification's SUM_OF_BYTES_HASHED: where the remainder starts. */
    uint64_t hashed = pe->size_of_headers;
    for (size_t i = 0; i < n; i++) {
        feed(&f, order[i]->raw_offset, (uint64_t)order[i]->raw_offset + order[i]->raw_size);
        hashed += order[i]->raw_size;
    }
    free(order);
    feed(&f, hashed, pe->authenticode_end);
    return OST_OK;
}

bool ost_pe_authenticode_feed(const uint8_t *data, size_t size, const struct ost_pe_info *pe,
                              void (*update)(void *ctx, const void *p, size_t n), void *ctx)
{
    return ost_pe_authenticode_digest(data, size, NULL, pe, update, ctx, NULL) == OST_OK;
}
