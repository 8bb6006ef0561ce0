/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PE reader (pe.c) on the mingw-built drivers, checked against
 * independent readers where one is installed (objdump for the headers,
 * osslsigncode and openssl for the Authenticode hash), and on damaged
 * copies of the drivers: each damage must be a corrupt-input error naming
 * the file and the offset at fault. */
#include "testutil.h"

#include "pe.h"

struct image {
    uint8_t *data;
    size_t size;
};

static char *driver_path(const char *arch)
{
    char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arch);
    char *path = t_build_path(rel);
    free(rel);
    return path;
}

static struct image load(const char *path)
{
    struct image im;
    struct ost_error err;
    if (ost_read_file(path, OST_PE_MAX_FILE, &im.data, &im.size, &err) != OST_OK)
        fail_msg("%s (run `make examples` first)", err.message);
    return im;
}

static struct image load_driver(const char *arch)
{
    char *path = driver_path(arch);
    struct image im = load(path);
    free(path);
    return im;
}

static struct ost_pe_info parse_ok(const struct image *im, const char *name)
{
    struct ost_pe_info pe;
    struct ost_error err;
    if (ost_pe_parse(im->data, im->size, name, &pe, &err) != OST_OK)
        fail_msg("%s", err.message);
    return pe;
}

/* Where the headers of one of our drivers are, read with plain offsets
 * from the specification rather than through pe.c. */
struct layout {
    uint64_t lfanew, coff, opt, opt_size, fixed, section_table, cert_dir;
};

static struct layout layout_of(const struct image *im)
{
    struct layout l;
    l.lfanew = ost_le32(im->data + 0x3c);
    l.coff = l.lfanew + 4;
    l.opt = l.coff + 20;
    l.opt_size = ost_le16(im->data + l.coff + 16);
    l.fixed = ost_le16(im->data + l.opt) == 0x20b ? 112 : 96;
    l.section_table = l.opt + l.opt_size;
    l.cert_dir = l.opt + l.fixed + 8 * 4;
    return l;
}

/* --- objdump as the independent reader ------------------------------------ */

/* `objdump -f -p -h` output from the first binutils that reads PE images,
 * or NULL when none is installed. */
static char *objdump_output(const char *path)
{
    const char *tools[] = {"x86_64-w64-mingw32-objdump", "i686-w64-mingw32-objdump", "objdump"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        char *cmd = ost_xasprintf("%s -f -p -h '%s' 2>/dev/null", tools[i], path);
        FILE *p = popen(cmd, "r");
        free(cmd);
        if (!p)
            continue;
        struct ost_buf out = {0};
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
            ost_buf_add(&out, chunk, n);
        pclose(p);
        if (out.data && strstr(out.data, "\nMagic"))
            return ost_buf_steal(&out);
        ost_buf_free(&out);
    }
    return NULL;
}

/* The hexadecimal value after "KEY" at the start of a line. */
static unsigned long long objdump_hex(const char *out, const char *key)
{
    size_t n = strlen(key);
    for (const char *line = out; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, n) == 0 && (line[n] == ' ' || line[n] == '\t'))
            return strtoull(line + n, NULL, 16);
    }
    fail_msg("objdump printed no \"%s\" line", key);
    return 0;
}

static void compare_sections_with_objdump(const char *out, const struct ost_pe_info *pe)
{
    const char *at = strstr(out, "\nIdx Name");
    assert_non_null(at);
    unsigned found = 0;
    for (const char *line = strchr(at + 1, '\n'); line; line = strchr(line + 1, '\n')) {
        unsigned idx;
        char name[64];
        unsigned long long size, vma, lma, file_off;
        if (sscanf(line + 1, "%u %63s %llx %llx %llx %llx", &idx, name, &size, &vma, &lma, &file_off) != 6)
            continue;
        assert_true(idx < pe->section_count);
        const struct ost_pe_section *s = &pe->sections[idx];
        assert_string_equal(s->name, name);
        assert_int_equal(vma - pe->image_base, s->virtual_address);
        assert_int_equal(size, s->virtual_size);
        assert_int_equal(file_off, s->raw_offset);
        found++;
    }
    assert_int_equal(found, pe->section_count);
}

static void compare_with_objdump(const char *path, const struct ost_pe_info *pe)
{
    char *out = objdump_output(path);
    if (!out) {
        fprintf(stderr, "skip: no objdump that reads PE images; objdump cross-check skipped\n");
        return;
    }
    assert_non_null(strstr(out, pe->machine == 0x8664 ? "file format pei-x86-64" : "file format pei-i386"));
    assert_int_equal(objdump_hex(out, "Magic"), pe->pe32_plus ? 0x20b : 0x10b);
    assert_int_equal(objdump_hex(out, "CheckSum"), pe->checksum_stored);
    assert_int_equal(objdump_hex(out, "Subsystem"), pe->subsystem);
    assert_int_equal(objdump_hex(out, "SizeOfHeaders"), pe->size_of_headers);
    assert_int_equal(objdump_hex(out, "SizeOfImage"), pe->size_of_image);
    assert_int_equal(objdump_hex(out, "ImageBase"), pe->image_base);
    assert_int_equal(objdump_hex(out, "AddressOfEntryPoint"), pe->entry_point_rva);
    assert_int_equal(objdump_hex(out, "Characteristics"), pe->characteristics);
    assert_int_equal(objdump_hex(out, "DllCharacteristics"), pe->dll_characteristics);
    assert_int_equal(objdump_hex(out, "NumberOfRvaAndSizes"), pe->number_of_rva_and_sizes);
    compare_sections_with_objdump(out, pe);
    free(out);
}

/* --- the real drivers ------------------------------------------------------- */

static void check_driver(const char *rel, ost_arch arch)
{
    char *path = t_build_path(rel);
    struct image im = load(path);
    struct layout l = layout_of(&im);
    struct ost_pe_info pe = parse_ok(&im, path);
    bool amd64 = arch == OST_ARCH_AMD64;
    assert_int_equal(pe.machine, amd64 ? 0x8664 : 0x014c);
    assert_int_equal(pe.arch, arch);
    assert_string_equal(pe.machine_name, amd64 ? "amd64" : "i386");
    assert_int_equal(pe.pe32_plus, amd64);
    assert_int_equal(pe.subsystem, 1);
    assert_string_equal(pe.subsystem_name, "native");
    assert_int_equal(pe.file_size, im.size);
    assert_int_equal(pe.checksum_offset, l.opt + 64);
    assert_int_equal(pe.cert_dir_offset, l.cert_dir);
    assert_false(pe.has_certificate_table);
    assert_int_equal(pe.authenticode_skip_count, 2);
    assert_int_equal(pe.authenticode_skip[0].offset, l.opt + 64);
    assert_int_equal(pe.authenticode_skip[0].size, 4);
    assert_int_equal(pe.authenticode_skip[1].offset, l.cert_dir);
    assert_int_equal(pe.authenticode_skip[1].size, 8);
    assert_int_equal(pe.authenticode_end, im.size);
    /* GNU ld writes a correct checksum */
    assert_int_not_equal(pe.checksum_stored, 0);
    assert_int_equal(pe.checksum_computed, pe.checksum_stored);
    compare_with_objdump(path, &pe);
    ost_pe_info_free(&pe);
    free(im.data);
    free(path);
}

static void test_drivers_parse(void **state)
{
    (void)state;
    check_driver("testdrivers/x86/testdrv.sys", OST_ARCH_X86);
    check_driver("testdrivers/amd64/testdrv.sys", OST_ARCH_AMD64);
    check_driver("examples/virtio-snd/x86/aero_virtio_snd.sys", OST_ARCH_X86);
    check_driver("examples/virtio-snd/amd64/aero_virtio_snd.sys", OST_ARCH_AMD64);
}

static void test_read_file_matches_parse(void **state)
{
    (void)state;
    char *path = driver_path("amd64");
    struct image im = load(path);
    struct ost_pe_info from_file, from_bytes = parse_ok(&im, "x");
    struct ost_error err;
    assert_ost_ok(ost_pe_read_file(path, &from_file, &err), &err);
    assert_int_equal(from_file.section_count, from_bytes.section_count);
    assert_memory_equal(from_file.sections, from_bytes.sections,
                        from_file.section_count * sizeof *from_file.sections);
    assert_int_equal(from_file.checksum_computed, from_bytes.checksum_computed);
    assert_int_equal(from_file.entry_point_rva, from_bytes.entry_point_rva);
    ost_pe_info_free(&from_file);
    ost_pe_info_free(&from_bytes);
    free(im.data);
    free(path);
}

/* --- checksum --------------------------------------------------------------- */

static void test_checksum_by_hand(void **state)
{
    (void)state;
    /* 0x0201 + 0x0003 (the odd last byte as a half word), plus 3 bytes */
    const uint8_t odd[] = {0x01, 0x02, 0x03};
    assert_int_equal(ost_pe_checksum(odd, sizeof odd, UINT64_MAX), 0x0207);
    /* 0xffff + 0x0002 carries: 0x10001 folds to 0x0002, plus 4 bytes */
    const uint8_t carry[] = {0xff, 0xff, 0x02, 0x00};
    assert_int_equal(ost_pe_checksum(carry, sizeof carry, UINT64_MAX), 0x0006);
    /* the CheckSum field's four bytes count as zero */
    const uint8_t with_field[] = {0x10, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0x20, 0x00};
    assert_int_equal(ost_pe_checksum(with_field, sizeof with_field, 2), 0x0030 + 8);
    assert_int_equal(ost_pe_checksum(NULL, 0, 0), 0);
}

static void test_checksum_follows_the_bytes(void **state)
{
    (void)state;
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        struct image im = load_driver(arches[i]);
        struct ost_pe_info pe = parse_ok(&im, "testdrv.sys");
        uint64_t field = pe.checksum_offset;
        /* the stored value itself does not enter the sum */
        im.data[field] ^= 0xff;
        assert_int_equal(ost_pe_checksum(im.data, im.size, field), pe.checksum_stored);
        im.data[field] ^= 0xff;
        /* any other byte does: one in a section, one at the very end */
        const struct ost_pe_section *first = &pe.sections[0];
        im.data[first->raw_offset] ^= 0x01;
        assert_int_not_equal(ost_pe_checksum(im.data, im.size, field), pe.checksum_stored);
        im.data[first->raw_offset] ^= 0x01;
        im.data[im.size - 1] ^= 0x5a;
        assert_int_not_equal(ost_pe_checksum(im.data, im.size, field), pe.checksum_stored);
        ost_pe_info_free(&pe);
        free(im.data);
    }
}

/* --- names ------------------------------------------------------------------ */

static void test_machine_and_subsystem_names(void **state)
{
    (void)state;
    static const struct {
        uint16_t machine;
        ost_arch arch;
        const char *name;
    } machines[] = {
        {0xaa64, OST_ARCH_ARM64, "arm64"}, {0x01c4, OST_ARCH_ARM, "arm"},
        {0x0200, OST_ARCH_IA64, "ia64"},   {0xa641, OST_ARCH_UNKNOWN, "arm64ec"},
        {0x1234, OST_ARCH_UNKNOWN, "unknown"},
    };
    static const struct {
        uint16_t subsystem;
        const char *name;
    } subsystems[] = {
        {2, "windows-gui"}, {3, "windows-cui"}, {11, "efi-boot-service-driver"}, {4, "unknown"}, {999, "unknown"},
    };
    struct image im = load_driver("amd64");
    struct layout l = layout_of(&im);
    for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++) {
        ost_put_le16(im.data + l.coff, machines[i].machine);
        struct ost_pe_info pe = parse_ok(&im, "m.sys");
        assert_int_equal(pe.machine, machines[i].machine);
        assert_int_equal(pe.arch, machines[i].arch);
        assert_string_equal(pe.machine_name, machines[i].name);
        ost_pe_info_free(&pe);
    }
    for (size_t i = 0; i < sizeof subsystems / sizeof subsystems[0]; i++) {
        ost_put_le16(im.data + l.opt + 68, subsystems[i].subsystem);
        struct ost_pe_info pe = parse_ok(&im, "s.sys");
        assert_int_equal(pe.subsystem, subsystems[i].subsystem);
        assert_string_equal(pe.subsystem_name, subsystems[i].name);
        ost_pe_info_free(&pe);
    }
    free(im.data);
}

/* --- certificate table and Authenticode --------------------------------------- */

/* A copy of a driver with `junk` bytes appended, then (8-byte aligned, as
 * signing tools do) a certificate table of `cert_len` bytes that directory
 * entry 4 points at. */
static struct image with_cert_table(const char *arch, size_t junk, uint32_t cert_len)
{
    struct image im = load_driver(arch);
    struct layout l = layout_of(&im);
    size_t table = (im.size + junk + 7) & ~(size_t)7;
    struct image out = {ost_xcalloc(1, table + cert_len), table + cert_len};
    memcpy(out.data, im.data, im.size);
    memset(out.data + im.size, 0xa5, junk);
    ost_put_le32(out.data + table, cert_len); /* WIN_CERTIFICATE.dwLength */
    ost_put_le16(out.data + table + 4, 0x0200); /* wRevision: WIN_CERT_REVISION_2_0 */
    ost_put_le16(out.data + table + 6, 0x0002); /* wCertificateType: PKCS_SIGNED_DATA */
    memset(out.data + table + 8, 0x30, cert_len - 8);
    ost_put_le32(out.data + l.cert_dir, (uint32_t)table);
    ost_put_le32(out.data + l.cert_dir + 4, cert_len);
    free(im.data);
    return out;
}

static void record(void *ctx, const void *p, size_t n)
{
    ost_buf_add(ctx, p, n);
}

/* The file without the given ranges (sorted, disjoint). */
static struct ost_buf without(const struct image *im, const struct ost_pe_range *skip, size_t count)
{
    struct ost_buf b = {0};
    uint64_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        ost_buf_add(&b, im->data + pos, skip[i].offset - pos);
        pos = skip[i].offset + skip[i].size;
    }
    ost_buf_add(&b, im->data + pos, im->size - pos);
    return b;
}

/* Checks that the hash covers exactly the file minus its skip ranges: our
 * drivers' sections follow each other with no gap, in file order. */
static void assert_hash_covers_all_but_skips(const struct image *im, const struct ost_pe_info *pe)
{
    struct ost_buf fed = {0};
    struct ost_error err;
    assert_ost_ok(ost_pe_authenticode_digest(im->data, im->size, "x.sys", pe, record, &fed, &err), &err);
    struct ost_buf want = without(im, pe->authenticode_skip, pe->authenticode_skip_count);
    assert_int_equal(fed.len, want.len);
    assert_memory_equal(fed.data, want.data, want.len);
    ost_buf_free(&fed);
    ost_buf_free(&want);
}

static void test_certificate_table(void **state)
{
    (void)state;
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        struct image im = with_cert_table(arches[i], 3, 64);
        struct layout l = layout_of(&im);
        struct ost_pe_info pe = parse_ok(&im, "signed.sys");
        assert_true(pe.has_certificate_table);
        assert_int_equal(pe.cert_table_size, 64);
        assert_int_equal(pe.cert_table_offset, im.size - 64);
        assert_int_equal(pe.cert_table_offset % 8, 0);
        assert_int_equal(pe.authenticode_skip_count, 3);
        assert_int_equal(pe.authenticode_skip[0].offset, l.opt + 64);
        assert_int_equal(pe.authenticode_skip[0].size, 4);
        assert_int_equal(pe.authenticode_skip[1].offset, l.cert_dir);
        assert_int_equal(pe.authenticode_skip[1].size, 8);
        assert_int_equal(pe.authenticode_skip[2].offset, pe.cert_table_offset);
        assert_int_equal(pe.authenticode_skip[2].size, 64);
        assert_int_equal(pe.authenticode_end, pe.cert_table_offset);
        /* the junk and the padding before the table are hashed */
        assert_hash_covers_all_but_skips(&im, &pe);
        ost_pe_info_free(&pe);
        free(im.data);
    }
}

static void test_authenticode_unsigned(void **state)
{
    (void)state;
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        struct image im = load_driver(arches[i]);
        struct ost_pe_info pe = parse_ok(&im, "testdrv.sys");
        assert_hash_covers_all_but_skips(&im, &pe);
        struct ost_buf fed = {0};
        assert_true(ost_pe_authenticode_feed(im.data, im.size, &pe, record, &fed));
        assert_int_equal(fed.len, im.size - 4 - 8);
        ost_buf_free(&fed);
        ost_pe_info_free(&pe);
        free(im.data);
    }
}

/* Sections are hashed by file offset, not in section-table order. */
static void test_authenticode_sorts_sections(void **state)
{
    (void)state;
    struct image im = load_driver("amd64");
    struct layout l = layout_of(&im);
    uint8_t entry[40];
    uint8_t *first = im.data + l.section_table, *second = first + 40;
    memcpy(entry, first, 40);
    memcpy(first, second, 40);
    memcpy(second, entry, 40);
    struct ost_pe_info pe = parse_ok(&im, "swapped.sys");
    assert_true(pe.sections[0].raw_offset > pe.sections[1].raw_offset);
    assert_hash_covers_all_but_skips(&im, &pe);
    ost_pe_info_free(&pe);
    free(im.data);
}

/* A section without raw data is left out of the section part; the
 * specification's remainder then starts at headers + the other sections'
 * sizes, whatever lies there. */
static void test_authenticode_skips_empty_sections(void **state)
{
    (void)state;
    struct image im = load_driver("x86");
    struct layout l = layout_of(&im);
    struct ost_pe_info pe = parse_ok(&im, "x86.sys");
    assert_true(pe.section_count >= 3);
    const struct ost_pe_section s0 = pe.sections[0], s1 = pe.sections[1];
    ost_pe_info_free(&pe);
    ost_put_le32(im.data + l.section_table + 40 + 16, 0); /* section 1: SizeOfRawData 0 */
    pe = parse_ok(&im, "x86.sys");

    struct image headers = {im.data, pe.size_of_headers};
    struct ost_buf want = without(&headers, pe.authenticode_skip, 2);
    ost_buf_add(&want, im.data + s0.raw_offset, s0.raw_size);
    uint64_t hashed = pe.size_of_headers + s0.raw_size;
    for (unsigned i = 2; i < pe.section_count; i++) {
        ost_buf_add(&want, im.data + pe.sections[i].raw_offset, pe.sections[i].raw_size);
        hashed += pe.sections[i].raw_size;
    }
    assert_int_equal(hashed, im.size - s1.raw_size);
    ost_buf_add(&want, im.data + hashed, im.size - hashed);

    struct ost_buf fed = {0};
    struct ost_error err;
    assert_ost_ok(ost_pe_authenticode_digest(im.data, im.size, "x86.sys", &pe, record, &fed, &err), &err);
    assert_int_equal(fed.len, want.len);
    assert_memory_equal(fed.data, want.data, want.len);
    ost_buf_free(&fed);
    ost_buf_free(&want);
    ost_pe_info_free(&pe);
    free(im.data);
}

static size_t calls;

static void count_calls(void *ctx, const void *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    calls++;
}

static void test_authenticode_undefined(void **state)
{
    (void)state;
    /* data after the certificate table */
    struct image im = with_cert_table("amd64", 0, 64);
    struct layout l = layout_of(&im);
    ost_put_le32(im.data + l.cert_dir + 4, 32);
    struct ost_pe_info pe = parse_ok(&im, "trailing.sys");
    struct ost_error err;
    calls = 0;
    assert_int_equal(ost_pe_authenticode_digest(im.data, im.size, "trailing.sys", &pe, count_calls, NULL, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "trailing.sys: offset 0x"));
    assert_false(ost_pe_authenticode_feed(im.data, im.size, &pe, count_calls, NULL));
    assert_int_equal(calls, 0);
    ost_pe_info_free(&pe);

    /* a certificate table inside the last section's data */
    struct ost_pe_section last;
    ost_put_le32(im.data + l.cert_dir + 4, 64);
    pe = parse_ok(&im, "overlap.sys");
    last = pe.sections[pe.section_count - 1];
    ost_pe_info_free(&pe);
    ost_put_le32(im.data + l.cert_dir, last.raw_offset + 8);
    ost_put_le32(im.data + l.cert_dir + 4, (uint32_t)(im.size - last.raw_offset - 8));
    pe = parse_ok(&im, "overlap.sys");
    assert_int_equal(ost_pe_authenticode_digest(im.data, im.size, "overlap.sys", &pe, count_calls, NULL, &err),
                     OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "overlaps section data"));
    assert_int_equal(calls, 0);

    /* bytes that are not the ones parsed */
    assert_int_equal(ost_pe_authenticode_digest(im.data, im.size - 1, "short.sys", &pe, count_calls, NULL, &err),
                     OST_ERR_USAGE);
    assert_int_equal(calls, 0);
    ost_pe_info_free(&pe);
    free(im.data);
}

/* --- osslsigncode and openssl as the independent hash ------------------------ */

static bool have_tool(const char *name)
{
    char *cmd = ost_xasprintf("command -v %s >/dev/null 2>&1", name);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

/* The text after "KEY" and a colon on a line of a command's output. */
static char *command_field(const char *cmd, const char *key)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[1024], *value = NULL;
    size_t n = strlen(key);
    while (fgets(line, sizeof line, p)) {
        char *colon = strchr(line, ':');
        if (!value && strncmp(line, key, n) == 0 && colon)
            value = ost_str_trim(ost_xstrdup(colon + 1));
    }
    pclose(p);
    return value;
}

static char *sha256_hex(const char *dir, const struct ost_buf *bytes)
{
    char *file = ost_path_join(dir, "hashed.bin");
    t_write(file, bytes->data, bytes->len);
    char *cmd = ost_xasprintf("openssl dgst -sha256 -r '%s'", file);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char hex[65] = "";
    assert_int_equal(fscanf(p, "%64s", hex), 1);
    pclose(p);
    free(cmd);
    free(file);
    return ost_xstrdup(hex);
}

static char *our_sha256(const char *dir, const char *path, struct ost_pe_info *pe_out)
{
    struct image im = load(path);
    struct ost_pe_info pe = parse_ok(&im, path);
    struct ost_buf fed = {0};
    struct ost_error err;
    if (ost_pe_authenticode_digest(im.data, im.size, path, &pe, record, &fed, &err) != OST_OK)
        fail_msg("%s", err.message);
    char *hex = sha256_hex(dir, &fed);
    ost_buf_free(&fed);
    free(im.data);
    *pe_out = pe;
    return hex;
}

static void check_signed_driver(const char *dir, const char *arch)
{
    char *unsigned_path = driver_path(arch);
    char *signed_path = ost_xasprintf("%s/signed-%s.sys", dir, arch);
    char *cmd = ost_xasprintf("osslsigncode sign -h sha256 -certs '%s/cert.pem' -key '%s/key.pem' -in '%s' "
                              "-out '%s' >/dev/null 2>&1", dir, dir, unsigned_path, signed_path);
    assert_int_equal(system(cmd), 0);
    free(cmd);

    struct ost_pe_info signed_pe, unsigned_pe;
    char *signed_hash = our_sha256(dir, signed_path, &signed_pe);
    char *unsigned_hash = our_sha256(dir, unsigned_path, &unsigned_pe);
    assert_true(signed_pe.has_certificate_table);
    assert_int_equal((uint64_t)signed_pe.cert_table_offset + signed_pe.cert_table_size, signed_pe.file_size);
    assert_int_equal(signed_pe.checksum_computed, signed_pe.checksum_stored);

    cmd = ost_xasprintf("osslsigncode verify -in '%s' 2>&1", signed_path);
    char *digest = command_field(cmd, "Current message digest");
    char *checksum = command_field(cmd, "PE checksum");
    free(cmd);
    assert_non_null(digest);
    assert_non_null(checksum);
    ost_str_lower(digest);
    /* the hash in the signature covers the signed file as we read it, and
     * the unsigned original: signing changed only what the hash skips */
    assert_string_equal(signed_hash, digest);
    assert_string_equal(unsigned_hash, digest);
    assert_int_equal(strtoul(checksum, NULL, 16), signed_pe.checksum_computed);

    ost_pe_info_free(&signed_pe);
    ost_pe_info_free(&unsigned_pe);
    free(signed_hash), free(unsigned_hash), free(digest), free(checksum);
    free(unsigned_path), free(signed_path);
}

static void test_authenticode_against_osslsigncode(void **state)
{
    (void)state;
    if (!have_tool("osslsigncode") || !have_tool("openssl")) {
        fprintf(stderr, "skip: osslsigncode or openssl not installed; Authenticode cross-check skipped\n");
        return;
    }
    char *dir = t_mkdtemp();
    char *cmd = ost_xasprintf("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s/key.pem' -out '%s/cert.pem' "
                              "-days 2 -subj /CN=offstage-test >/dev/null 2>&1", dir, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    check_signed_driver(dir, "x86");
    check_signed_driver(dir, "amd64");
    t_rm_rf(dir);
    free(dir);
}

/* --- damaged images ----------------------------------------------------------- */

enum { KEEP_ALL = -1 };

struct damage {
    const char *what;
    long keep;        /* bytes of the image to keep, or KEEP_ALL */
    uint64_t at;      /* a field to overwrite ... */
    int width;        /* ... of 2 or 4 bytes; 0 for none */
    uint32_t value;
    uint64_t offset;  /* the offset the error must name */
    const char *word; /* and a word of its reason */
};

/* Applies one damage to a copy exactly as long as the damaged image, so
 * that a sanitizer catches any read past its end. */
static void expect_corrupt(const struct image *im, const struct damage *d)
{
    size_t n = d->keep == KEEP_ALL ? im->size : (size_t)d->keep;
    uint8_t *copy = ost_xmalloc(n ? n : 1);
    memcpy(copy, im->data, n);
    if (d->width == 2)
        ost_put_le16(copy + d->at, (uint16_t)d->value);
    else if (d->width == 4)
        ost_put_le32(copy + d->at, d->value);
    struct ost_pe_info pe;
    struct ost_error err = {0};
    ost_status st = ost_pe_parse(copy, n, "bad.sys", &pe, &err);
    if (st != OST_ERR_CORRUPT)
        fail_msg("%s: expected a corrupt-input error, got \"%s\" (%s)", d->what, ost_status_name(st), err.message);
    char *prefix = ost_xasprintf("bad.sys: offset 0x%llx: ", (unsigned long long)d->offset);
    if (!strstr(err.message, prefix) || !strstr(err.message, d->word))
        fail_msg("%s: message \"%s\" lacks \"%s\" or \"%s\"", d->what, err.message, prefix, d->word);
    assert_null(pe.sections);
    free(prefix);
    free(copy);
}

static void test_damaged_pe32_plus(void **state)
{
    (void)state;
    struct image im = load_driver("amd64");
    struct layout l = layout_of(&im);
    uint64_t coff = l.coff, opt = l.opt, table = l.section_table, dir = l.cert_dir;
    const struct damage damages[] = {
        {"empty file", 0, 0, 0, 0, 0, "DOS header"},
        {"10 bytes", 10, 0, 0, 0, 0, "DOS header"},
        {"no MZ", KEEP_ALL, 0, 2, 'X' | 'Z' << 8, 0, "MZ"},
        {"e_lfanew past end", KEEP_ALL, 0x3c, 4, 0x7ffffff0, 0x3c, "past the end"},
        {"e_lfanew at the end", KEEP_ALL, 0x3c, 4, (uint32_t)im.size, 0x3c, "past the end"},
        {"e_lfanew misaligned", KEEP_ALL, 0x3c, 4, (uint32_t)l.lfanew + 2, 0x3c, "multiple of 4"},
        {"e_lfanew negative", KEEP_ALL, 0x3c, 4, 0xfffffff0, 0x3c, "negative"},
        {"no PE signature", KEEP_ALL, l.lfanew, 4, 'P' | 'X' << 8, l.lfanew, "PE"},
        {"COFF header truncated", (long)coff + 10, 0, 0, 0, coff, "COFF"},
        {"truncated inside the optional header", (long)opt + 20, 0, 0, 0, opt, "optional header"},
        {"SizeOfOptionalHeader 1", KEEP_ALL, coff + 16, 2, 1, coff + 16, "magic"},
        {"SizeOfOptionalHeader too small for PE32+", KEEP_ALL, coff + 16, 2, 96, coff + 16, "PE32+"},
        {"unknown optional header magic", KEEP_ALL, opt, 2, 0x30b, opt, "magic 0x30b"},
        {"0 sections", KEEP_ALL, coff + 2, 2, 0, coff + 2, "NumberOfSections is 0"},
        {"65535 sections", KEEP_ALL, coff + 2, 2, 65535, coff + 2, "NumberOfSections is 65535"},
        {"97 sections", KEEP_ALL, coff + 2, 2, 97, coff + 2, "NumberOfSections is 97"},
        {"NumberOfRvaAndSizes 1000", KEEP_ALL, opt + 108, 4, 1000, opt + 108, "NumberOfRvaAndSizes is 1000"},
        {"NumberOfRvaAndSizes 17", KEEP_ALL, opt + 108, 4, 17, opt + 108, "NumberOfRvaAndSizes is 17"},
        {"directories past SizeOfOptionalHeader", KEEP_ALL, coff + 16, 2, 112 + 8 * 4, opt + 108, "do not fit"},
        {"section table truncated", (long)table + 40, 0, 0, 0, table, "section table"},
        {"SizeOfHeaders beyond the file", KEEP_ALL, opt + 60, 4, 0x100000, opt + 60, "SizeOfHeaders"},
        {"SizeOfHeaders below the section table", KEEP_ALL, opt + 60, 4, 0x40, opt + 60, "SizeOfHeaders"},
        {"section raw data past EOF", KEEP_ALL, table + 20, 4, 0x7fff0000, table, "section 0"},
        {"section raw size wraps", KEEP_ALL, table + 16, 4, 0xffffffff, table, "section 0"},
        {"second section past EOF", KEEP_ALL, table + 40 + 20, 4, (uint32_t)im.size, table + 40, "section 1"},
        {"cert table past EOF", KEEP_ALL, dir + 4, 4, 0x10000, dir, "past the end"},
        {"cert table smaller than a header", KEEP_ALL, dir + 4, 4, 4, dir, "WIN_CERTIFICATE"},
    };
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        struct damage d = damages[i];
        /* the certificate cases also need an offset in directory entry 4 */
        if (d.at == dir + 4)
            ost_put_le32(im.data + dir, 0x800);
        expect_corrupt(&im, &d);
        ost_put_le32(im.data + dir, 0);
    }
    /* a certificate table that wraps around 4 GiB, and one over the headers */
    ost_put_le32(im.data + dir, 0xfffffff8), ost_put_le32(im.data + dir + 4, 0x10);
    expect_corrupt(&im, &(struct damage){"cert table wraps", KEEP_ALL, 0, 0, 0, dir, "past the end"});
    ost_put_le32(im.data + dir, 0x100), ost_put_le32(im.data + dir + 4, 0x20);
    expect_corrupt(&im, &(struct damage){"cert table over the headers", KEEP_ALL, 0, 0, 0, dir, "overlaps"});
    free(im.data);
}

static void test_damaged_pe32(void **state)
{
    (void)state;
    struct image im = load_driver("x86");
    struct layout l = layout_of(&im);
    uint64_t coff = l.coff, opt = l.opt;
    const struct damage damages[] = {
        {"SizeOfOptionalHeader too small for PE32", KEEP_ALL, coff + 16, 2, 95, coff + 16, "PE32"},
        {"NumberOfRvaAndSizes 1000", KEEP_ALL, opt + 92, 4, 1000, opt + 92, "NumberOfRvaAndSizes is 1000"},
        {"truncated inside the optional header", (long)opt + 100, 0, 0, 0, opt, "optional header"},
        {"cert table past EOF", KEEP_ALL, l.cert_dir, 4, 0x800, l.cert_dir, "the certificate table"},
    };
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        if (damages[i].at == l.cert_dir)
            ost_put_le32(im.data + l.cert_dir + 4, 0x10000);
        expect_corrupt(&im, &damages[i]);
    }
    free(im.data);
}

/* Fewer than five data directories: no certificate directory to skip. */
static void test_few_data_directories(void **state)
{
    (void)state;
    struct image im = load_driver("amd64");
    struct layout l = layout_of(&im);
    ost_put_le32(im.data + l.opt + 108, 4);
    struct ost_pe_info pe = parse_ok(&im, "four.sys");
    assert_int_equal(pe.number_of_rva_and_sizes, 4);
    assert_int_equal(pe.cert_dir_offset, 0);
    assert_false(pe.has_certificate_table);
    assert_int_equal(pe.authenticode_skip_count, 1);
    assert_int_equal(pe.authenticode_skip[0].offset, l.opt + 64);
    ost_pe_info_free(&pe);
    free(im.data);
}

/* --- files ---------------------------------------------------------------------- */

static void test_read_file_errors(void **state)
{
    (void)state;
    struct ost_pe_info pe;
    struct ost_error err;
    char *dir = t_mkdtemp();
    char *missing = ost_path_join(dir, "missing.sys");
    assert_int_equal(ost_pe_read_file(missing, &pe, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, missing));
    assert_int_equal(ost_pe_read_file(dir, &pe, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, dir));

    char *huge = ost_path_join(dir, "huge.sys");
    t_write(huge, "MZ", 2);
    assert_int_equal(truncate(huge, (off_t)OST_PE_MAX_FILE + 1), 0);
    assert_int_equal(ost_pe_read_file(huge, &pe, &err), OST_ERR_LIMIT);

    char *garbage = ost_path_join(dir, "garbage.sys");
    t_write_str(garbage, "this is not a driver, but it is long enough to hold a DOS header.");
    assert_int_equal(ost_pe_read_file(garbage, &pe, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, garbage));
    assert_non_null(strstr(err.message, "offset 0x0"));
    t_rm_rf(dir);
    free(missing), free(huge), free(garbage), free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drivers_parse),
        cmocka_unit_test(test_read_file_matches_parse),
        cmocka_unit_test(test_checksum_by_hand),
        cmocka_unit_test(test_checksum_follows_the_bytes),
        cmocka_unit_test(test_machine_and_subsystem_names),
        cmocka_unit_test(test_certificate_table),
        cmocka_unit_test(test_authenticode_unsigned),
        cmocka_unit_test(test_authenticode_sorts_sections),
        cmocka_unit_test(test_authenticode_skips_empty_sections),
        cmocka_unit_test(test_authenticode_undefined),
        cmocka_unit_test(test_authenticode_against_osslsigncode),
        cmocka_unit_test(test_damaged_pe32_plus),
        cmocka_unit_test(test_damaged_pe32),
        cmocka_unit_test(test_few_data_directories),
        cmocka_unit_test(test_read_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
