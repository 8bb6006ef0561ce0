/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pe.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PE32_MAGIC 0x10b
#define PE32P_MAGIC 0x20b
#define DIR_SECURITY 4

static const char *machine_name(uint16_t m)
{
    switch (m) {
    case 0x014c: return "i386";
    case 0x8664: return "amd64";
    case 0xaa64: return "arm64";
    case 0x01c4: return "arm";
    case 0x0200: return "ia64";
    case 0xa641: return "arm64ec";
    case 0x0ebc: return "efi-bytecode";
    default: return "unknown";
    }
}

static const char *subsystem_name(uint16_t s)
{
    static const char *names[] = {
        "unknown", "native", "windows-gui", "windows-cui", "unknown", "os2-cui", "unknown", "posix-cui",
        "native-windows", "windows-ce-gui", "efi-application", "efi-boot-service-driver",
        "efi-runtime-driver", "efi-rom", "xbox", "unknown", "windows-boot-application",
    };
    return s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static bool in_file(uint64_t offset, uint64_t len, size_t size)
{
    return offset <= size && len <= size - offset;
}

static ost_status corrupt(struct ost_error *err, const char *name, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ost_status corrupt(struct ost_error *err, const char *name, uint64_t offset, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0x%llx: %s", name, (unsigned long long)offset, reason);
}

static ost_status parse_sections(const uint8_t *data, size_t size, const char *name, uint64_t table,
                                 struct ost_pe_info *pe, struct ost_error *err)
{
    pe->sections = ost_xcalloc(pe->section_count, sizeof *pe->sections);
    for (unsigned i = 0; i < pe->section_count; i++) {
        uint64_t at = table + 40ull * i;
        const uint8_t *p = data + at;
        struct ost_pe_section *s = &pe->sections[i];
        memcpy(s->name, p, 8);
        s->name[8] = '\0';
        s->virtual_size = ost_le32(p + 8);
        s->virtual_address = ost_le32(p + 12);
        s->raw_size = ost_le32(p + 16);
        s->raw_offset = ost_le32(p + 20);
        s->characteristics = ost_le32(p + 36);
        if (s->raw_size && !in_file(s->raw_offset, s->raw_size, size))
            return corrupt(err, name, at + 16,
                           "section %u (%s) has raw data at 0x%x, 0x%x bytes, past the end of the file (%zu bytes)",
                           i, s->name, s->raw_offset, s->raw_size, size);
    }
    return OST_OK;
}

static ost_status parse_cert_table(size_t size, const char *name, uint64_t dir_at, const uint8_t *data,
                                   struct ost_pe_info *pe, struct ost_error *err)
{
    uint32_t off = ost_le32(data + dir_at), len = ost_le32(data + dir_at + 4);
    pe->cert_dir_offset = dir_at;
    if (off == 0 && len == 0)
        return OST_OK;
    if (len < 8)
        return corrupt(err, name, dir_at, "certificate table is %u bytes, less than one WIN_CERTIFICATE header", len);
    if (!in_file(off, len, size))
        return corrupt(err, name, dir_at, "certificate table at 0x%x (%u bytes) lies past the end of the file (%zu bytes)",
                       off, len, size);
    if (off < pe->size_of_headers)
        return corrupt(err, name, dir_at, "certificate table at 0x%x overlaps the headers (0x%x bytes)", off,
                       pe->size_of_headers);
    pe->has_certificate_table = true;
    pe->cert_table_offset = off;
    pe->cert_table_size = len;
    return OST_OK;
}

static ost_status parse_optional(const uint8_t *data, size_t size, const char *name, uint64_t opt, uint16_t opt_size,
                                 struct ost_pe_info *pe, struct ost_error *err)
{
    uint16_t magic = ost_le16(data + opt);
    size_t fixed;
    uint64_t dirs;
    if (magic == PE32_MAGIC) {
        fixed = 96;
    } else if (magic == PE32P_MAGIC) {
        fixed = 112;
        pe->pe32_plus = true;
    } else {
        return corrupt(err, name, opt, "optional header magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)", magic);
    }
    if (opt_size < fixed)
        return corrupt(err, name, opt, "optional header is %u bytes, too small for its magic 0x%x (needs %zu)",
                       opt_size, magic, fixed);
    const uint8_t *p = data + opt;
    pe->entry_point_rva = ost_le32(p + 16);
    pe->image_base = pe->pe32_plus ? ost_le64(p + 24) : ost_le32(p + 28);
    pe->size_of_image = ost_le32(p + 56);
    pe->size_of_headers = ost_le32(p + 60);
    pe->checksum_offset = opt + 64;
    pe->checksum_stored = ost_le32(p + 64);
    pe->subsystem = ost_le16(p + 68);
    pe->subsystem_name = subsystem_name(pe->subsystem);
    pe->dll_characteristics = ost_le16(p + 70);
    pe->number_of_rva_and_sizes = ost_le32(p + fixed - 4);
    dirs = opt + fixed;
    if (pe->number_of_rva_and_sizes > 16)
        return corrupt(err, name, opt + fixed - 4, "NumberOfRvaAndSizes is %u; at most 16 are defined",
                       pe->number_of_rva_and_sizes);
    if ((uint64_t)fixed + 8ull * pe->number_of_rva_and_sizes > opt_size)
        return corrupt(err, name, opt + fixed - 4,
                       "%u data directories do not fit in the %u-byte optional header",
                       pe->number_of_rva_and_sizes, opt_size);
    if (pe->size_of_headers > size)
        return corrupt(err, name, opt + 60, "SizeOfHeaders 0x%x is beyond the end of the file (%zu bytes)",
                       pe->size_of_headers, size);
    if (pe->number_of_rva_and_sizes > DIR_SECURITY)
        return parse_cert_table(size, name, dirs + 8 * DIR_SECURITY, data, pe, err);
    return OST_OK;
}

ost_status ost_pe_parse(const uint8_t *data, size_t size, const char *name, struct ost_pe_info *out,
                        struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    out->machine_name = "unknown";
    out->subsystem_name = "unknown";
    out->file_size = size;
    if (size < 64)
        return corrupt(err, name, 0, "file is %zu bytes, smaller than a DOS header (64)", size);
    if (data[0] != 'M' || data[1] != 'Z')
        return corrupt(err, name, 0, "no 'MZ' signature: not a PE image");
    uint32_t lfanew = ost_le32(data + 0x3c);
    if (lfanew % 4 || !in_file(lfanew, 24, size))
        return corrupt(err, name, 0x3c, "e_lfanew 0x%x does not point at a PE header inside the file (%zu bytes)",
                       lfanew, size);
    if (memcmp(data + lfanew, "PE\0\0", 4) != 0)
        return corrupt(err, name, lfanew, "no 'PE\\0\\0' signature where e_lfanew points");
    const uint8_t *coff = data + lfanew + 4;
    out->machine = ost_le16(coff);
    out->arch = ost_arch_from_pe_machine(out->machine);
    out->machine_name = machine_name(out->machine);
    out->section_count = ost_le16(coff + 2);
    uint16_t opt_size = ost_le16(coff + 16);
    out->characteristics = ost_le16(coff + 18);
    uint64_t opt = (uint64_t)lfanew + 24;
    if (out->section_count == 0 || out->section_count > OST_PE_MAX_SECTIONS)
        return corrupt(err, name, lfanew + 6, "NumberOfSections is %u; Windows loads images with 1 to %d",
                       out->section_count, OST_PE_MAX_SECTIONS);
    if (opt_size < 2 || !in_file(opt, opt_size, size))
        return corrupt(err, name, lfanew + 20, "optional header (%u bytes at 0x%llx) is truncated by the end of the file",
                       opt_size, (unsigned long long)opt);
    ost_status st = parse_optional(data, size, name, opt, opt_size, out, err);
    uint64_t table = opt + opt_size;
    if (st == OST_OK && !in_file(table, 40ull * out->section_count, size))
        st = corrupt(err, name, table, "section table (%u entries) is truncated by the end of the file",
                     out->section_count);
    if (st == OST_OK && out->size_of_headers < table + 40ull * out->section_count)
        st = corrupt(err, name, opt + 60, "SizeOfHeaders 0x%x is smaller than the headers and section table (0x%llx bytes)",
                     out->size_of_headers, (unsigned long long)(table + 40ull * out->section_count));
    if (st == OST_OK)
        st = parse_sections(data, size, name, table, out, err);
    if (st != OST_OK) {
        ost_pe_info_free(out);
        return st;
    }
    out->checksum_computed = ost_pe_checksum(data, size, out->checksum_offset);
    out->authenticode_skip[0] = (struct ost_pe_range){out->checksum_offset, 4};
    out->authenticode_skip_count = 1;
    if (out->cert_dir_offset)
        out->authenticode_skip[out->authenticode_skip_count++] = (struct ost_pe_range){out->cert_dir_offset, 8};
    if (out->has_certificate_table)
        out->authenticode_skip[out->authenticode_skip_count++] =
            (struct ost_pe_range){out->cert_table_offset, out->cert_table_size};
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

uint32_t ost_pe_checksum(const uint8_t *data, size_t size, uint64_t checksum_offset)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < size; i += 2) {
        if (i >= checksum_offset && i < checksum_offset + 4)
            continue;
        uint32_t word = data[i] | (i + 1 < size ? (uint32_t)data[i + 1] << 8 : 0);
        sum += word;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)(sum + size);
}

static int compare_raw_offset(const void *a, const void *b)
{
    const struct ost_pe_section *x = *(const struct ost_pe_section *const *)a;
    const struct ost_pe_section *y = *(const struct ost_pe_section *const *)b;
    return x->raw_offset < y->raw_offset ? -1 : x->raw_offset > y->raw_offset;
}

void ost_pe_authenticode_feed(const uint8_t *data, size_t size, const struct ost_pe_info *pe,
                              void (*update)(void *ctx, const void *p, size_t n), void *ctx)
{
    /* Headers, around the CheckSum field and the certificate directory. */
    uint64_t hdr_end = pe->size_of_headers;
    uint64_t pos = 0;
    if (hdr_end > size)
        hdr_end = size;
    for (size_t i = 0; i < pe->authenticode_skip_count && i < 2; i++) {
        const struct ost_pe_range *r = &pe->authenticode_skip[i];
        if (r->offset >= hdr_end)
            break;
        if (r->offset > pos)
            update(ctx, data + pos, (size_t)(r->offset - pos));
        pos = r->offset + r->size < hdr_end ? r->offset + r->size : hdr_end;
    }
    if (hdr_end > pos)
        update(ctx, data + pos, (size_t)(hdr_end - pos));
    /* Sections in file order. */
    const struct ost_pe_section **order = ost_xcalloc(pe->section_count, sizeof *order);
    size_t n = 0;
    for (unsigned i = 0; i < pe->section_count; i++)
        if (pe->sections[i].raw_size)
            order[n++] = &pe->sections[i];
    qsort(order, n, sizeof *order, compare_raw_offset);
    uint64_t sum = hdr_end;
    for (size_t i = 0; i < n; i++) {
        update(ctx, data + order[i]->raw_offset, order[i]->raw_size);
        sum += order[i]->raw_size;
    }
    free(order);
    /* Anything after the sections except the certificate table. */
    uint64_t end = size;
    if (pe->has_certificate_table && pe->cert_table_offset >= sum)
        end = pe->cert_table_offset;
    if (sum < end)
        update(ctx, data + sum, (size_t)(end - sum));
}
