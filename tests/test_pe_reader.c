/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PE reader (pe.c) on the mingw-built drivers, checked against objdump, and
 * on damaged copies of them. */
#include "testutil.h"

#include "pe.h"

struct image {
    uint8_t *data;
    size_t size;
};

static struct image load_driver(const char *arch)
{
    char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arch);
    char *path = t_build_path(rel);
    struct image im;
    struct ost_error err;
    if (ost_read_file(path, OST_PE_MAX_FILE, &im.data, &im.size, &err) != OST_OK)
        fail_msg("%s (run `make examples` first)", err.message);
    free(rel);
    free(path);
    return im;
}

/* One "Key value" field from `objdump -p`, or NULL when objdump is absent. */
static char *objdump_field(const char *arch, const char *field)
{
    const char *tool = !strcmp(arch, "x86") ? "i686-w64-mingw32-objdump" : "x86_64-w64-mingw32-objdump";
    char *rel = ost_xasprintf("testdrivers/%s/testdrv.sys", arch);
    char *path = t_build_path(rel);
    char *cmd = ost_xasprintf("%s -p '%s' 2>/dev/null", tool, path);
    FILE *p = popen(cmd, "r");
    char line[512], *value = NULL;
    while (p && fgets(line, sizeof line, p)) {
        size_t n = strlen(field);
        if (!strncmp(line, field, n) && (line[n] == ' ' || line[n] == '\t')) {
            value = ost_str_trim(ost_xstrdup(line + n));
            break;
        }
    }
    if (p)
        pclose(p);
    free(rel), free(path), free(cmd);
    return value;
}

static void check_against_objdump(const char *arch, const struct ost_pe_info *pe)
{
    char *magic = objdump_field(arch, "Magic");
    if (!magic) {
        fprintf(stderr, "skip: mingw objdump not installed; objdump cross-check skipped\n");
        return;
    }
    assert_int_equal(strtoul(magic, NULL, 16), pe->pe32_plus ? 0x20b : 0x10b);
    char *sum = objdump_field(arch, "CheckSum");
    assert_non_null(sum);
    assert_int_equal(strtoul(sum, NULL, 16), pe->checksum_stored);
    char *sub = objdump_field(arch, "Subsystem");
    assert_int_equal(strtoul(sub, NULL, 16), pe->subsystem);
    char *hdr = objdump_field(arch, "SizeOfHeaders");
    assert_int_equal(strtoul(hdr, NULL, 16), pe->size_of_headers);
    free(magic), free(sum), free(sub), free(hdr);
}

static void test_drivers_parse(void **state)
{
    (void)state;
    const char *arches[] = {"x86", "amd64"};
    for (int i = 0; i < 2; i++) {
        struct image im = load_driver(arches[i]);
        struct ost_pe_info pe;
        struct ost_error err;
        assert_int_equal(ost_pe_parse(im.data, im.size, "testdrv.sys", &pe, &err), OST_OK);
        assert_int_equal(pe.arch, i == 0 ? OST_ARCH_X86 : OST_ARCH_AMD64);
        assert_string_equal(pe.machine_name, i == 0 ? "i386" : "amd64");
        assert_int_equal(pe.pe32_plus, i == 1);
        assert_int_equal(pe.subsystem, 1);
        assert_string_equal(pe.subsystem_name, "native");
        assert_true(pe.section_count >= 2);
        assert_false(pe.has_certificate_table);
        /* GNU ld writes a correct checksum; ours must agree */
        assert_int_not_equal(pe.checksum_stored, 0);
        assert_int_equal(pe.checksum_computed, pe.checksum_stored);
        assert_int_equal(pe.authenticode_skip_count, 2);
        assert_int_equal(pe.authenticode_skip[0].size, 4);
        assert_int_equal(pe.authenticode_skip[1].size, 8);
        check_against_objdump(arches[i], &pe);

        /* one changed byte changes the checksum */
        im.data[im.size - 1] ^= 0x5a;
        assert_int_not_equal(ost_pe_checksum(im.data, im.size, pe.checksum_offset), pe.checksum_stored);
        ost_pe_info_free(&pe);
        free(im.data);
    }
}

/* A copy of the driver with a certificate table of `cert_len` bytes
 * appended and data directory 4 pointing at it. */
static struct image with_cert_table(uint32_t cert_len, uint32_t claimed_offset_delta)
{
    struct image im = load_driver("amd64");
    struct ost_pe_info pe;
    struct ost_error err;
    assert_int_equal(ost_pe_parse(im.data, im.size, "x", &pe, &err), OST_OK);
    size_t off = (im.size + 7) & ~(size_t)7;
    uint8_t *d = ost_xcalloc(1, off + cert_len + 8); /* room for the header even when cert_len < 8 */
    memcpy(d, im.data, im.size);
    d[off] = (uint8_t)cert_len, d[off + 1] = (uint8_t)(cert_len >> 8); /* dwLength */
    d[off + 4] = 0x00, d[off + 5] = 0x02;                             /* wRevision 0x0200 */
    d[off + 6] = 0x02;                                                 /* WIN_CERT_TYPE_PKCS_SIGNED_DATA */
    uint32_t o = (uint32_t)off + claimed_offset_delta;
    uint8_t *dir = d + pe.cert_dir_offset;
    dir[0] = (uint8_t)o, dir[1] = (uint8_t)(o >> 8), dir[2] = (uint8_t)(o >> 16), dir[3] = (uint8_t)(o >> 24);
    dir[4] = (uint8_t)cert_len, dir[5] = (uint8_t)(cert_len >> 8);
    ost_pe_info_free(&pe);
    free(im.data);
    return (struct image){d, off + cert_len};
}

struct recorder {
    size_t total;
    uint64_t covered_checksum_field;
};

static void record(void *ctx, const void *p, size_t n)
{
    struct recorder *r = ctx;
    (void)p;
    r->total += n;
}

static void test_certificate_table_and_authenticode_ranges(void **state)
{
    (void)state;
    struct image im = with_cert_table(64, 0);
    struct ost_pe_info pe;
    struct ost_error err;
    assert_int_equal(ost_pe_parse(im.data, im.size, "signed.sys", &pe, &err), OST_OK);
    assert_true(pe.has_certificate_table);
    assert_int_equal(pe.cert_table_size, 64);
    assert_int_equal(pe.cert_table_offset + 64, im.size);
    assert_int_equal(pe.authenticode_skip_count, 3);
    assert_int_equal(pe.authenticode_skip[2].offset, pe.cert_table_offset);
    /* Everything is hashed except the 4 + 8 + 64 skipped bytes (the driver
     * has no data after its sections other than the alignment padding). */
    struct recorder r = {0};
    ost_pe_authenticode_feed(im.data, im.size, &pe, record, &r);
    assert_int_equal(r.total, im.size - 4 - 8 - 64);
    ost_pe_info_free(&pe);
    free(im.data);
}

static void expect_corrupt(const uint8_t *d, size_t n, const char *what)
{
    struct ost_pe_info pe;
    struct ost_error err;
    ost_status st = ost_pe_parse(d, n, "bad.sys", &pe, &err);
    if (st != OST_ERR_CORRUPT)
        fail_msg("%s: expected a corrupt-input error, got %d", what, st);
    assert_non_null(strstr(err.message, "bad.sys: offset 0x"));
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void test_bad_images(void **state)
{
    (void)state;
    struct image im = load_driver("amd64");
    uint32_t lfanew = ost_le32(im.data + 0x3c);
    uint8_t *d = ost_xmalloc(im.size);
#define FRESH() memcpy(d, im.data, im.size)

    expect_corrupt(d, 0, "empty");
    FRESH();
    expect_corrupt(d, 10, "10 bytes");
    FRESH(), d[0] = 'X';
    expect_corrupt(d, im.size, "no MZ");
    FRESH(), put32(d + 0x3c, 0x7ffffff0);
    expect_corrupt(d, im.size, "e_lfanew past end");
    FRESH(), d[lfanew] = 'X';
    expect_corrupt(d, im.size, "no PE signature");
    FRESH();
    expect_corrupt(d, lfanew + 24 + 20, "truncated inside the optional header");
    FRESH(), d[lfanew + 6] = 0xff, d[lfanew + 7] = 0xff;
    expect_corrupt(d, im.size, "65535 sections");
    FRESH(), d[lfanew + 6] = 0, d[lfanew + 7] = 0;
    expect_corrupt(d, im.size, "0 sections");
    FRESH(), d[lfanew + 24] = 0x0b, d[lfanew + 25] = 0x03;
    expect_corrupt(d, im.size, "unknown optional header magic");
    FRESH(), put32(d + lfanew + 24 + 60, 0x40); /* SizeOfHeaders below the section table */
    expect_corrupt(d, im.size, "SizeOfHeaders too small");
    FRESH(), put32(d + lfanew + 24 + 108, 1000);
    expect_corrupt(d, im.size, "NumberOfRvaAndSizes 1000");
    /* first section's PointerToRawData past the end */
    uint16_t opt_size = ost_le16(im.data + lfanew + 20);
    FRESH(), put32(d + lfanew + 24 + opt_size + 20, 0x7fff0000);
    expect_corrupt(d, im.size, "section data past EOF");
    free(d);

    struct image cert = with_cert_table(64, 0x1000);
    expect_corrupt(cert.data, cert.size, "cert table past EOF");
    free(cert.data);
    cert = with_cert_table(4, 0);
    expect_corrupt(cert.data, cert.size, "cert table smaller than a header");
    free(cert.data);
    free(im.data);
}

static void test_read_file_errors(void **state)
{
    (void)state;
    struct ost_pe_info pe;
    struct ost_error err;
    assert_int_equal(ost_pe_read_file("/nonexistent/x.sys", &pe, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "/nonexistent/x.sys"));
    assert_int_not_equal(ost_pe_read_file("/tmp", &pe, &err), OST_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drivers_parse),
        cmocka_unit_test(test_certificate_table_and_authenticode_ranges),
        cmocka_unit_test(test_bad_images),
        cmocka_unit_test(test_read_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
