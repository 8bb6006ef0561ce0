/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The VHDX header reader and writer (vhdxhdr.c) on files qemu-img
 * created: the current header and its CRC-32C as qemu wrote them, damage
 * refused naming the place; and the state a killed qemu write leaves (a
 * header naming a log with no entry), in which qemu refuses to allocate,
 * mended by the empty-log header so that qemu writes again. The CRCs are
 * checked against their published check values. */
#include "testutil.h"

#include <fcntl.h>

#include "crc32.h"
#include "vhdxhdr.h"

static bool have_qemu(void)
{
    if (system("command -v qemu-img >/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1") == 0)
        return true;
    fprintf(stderr, "skip: qemu-img or qemu-io is not installed (Debian package qemu-utils)\n");
    return false;
}

static char *make_vhdx(const char *dir)
{
    char *path = ost_path_join(dir, "d.vhdx");
    char *cmd = ost_xasprintf("qemu-img create -q -f vhdx '%s' 64M", path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return path;
}

static void read_head(const char *path, uint8_t *head)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, head, OST_VHDX_HEADERS_END, 0), (ssize_t)OST_VHDX_HEADERS_END);
    close(fd);
}

static void write_at(const char *path, const uint8_t *p, size_t n, uint64_t at)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, p, n, (off_t)at), (ssize_t)n);
    close(fd);
}

/* qemu-io writing 4 KiB into a block the file has not allocated */
static int qemu_allocating_write(const char *path)
{
    char *cmd = ost_xasprintf("qemu-io -f vhdx -c 'write -P 7 40M 4k' '%s' 2>&1 | grep -q '^wrote 4096/4096'", path);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

static void test_check_values(void **state)
{
    (void)state;
    const uint8_t *s = (const uint8_t *)"123456789";
    assert_int_equal(ost_crc32_ieee(s, 9), 0xCBF43926u);
    assert_int_equal(ost_crc32c(s, 9), 0xE3069283u);
    assert_int_equal(ost_crc32c(s, 0), 0);
}

static void test_qemu_headers(void **state)
{
    (void)state;
    if (!have_qemu())
        return;
    char *dir = t_mkdtemp(), *path = make_vhdx(dir);
    uint8_t *head = ost_xmalloc(OST_VHDX_HEADERS_END);
    read_head(path, head);
    struct ost_vhdx_headers h;
    struct ost_error err;
    assert_ost_ok(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), &err);
    assert_false(h.log_named);
    /* qemu writes the second header with the greater number */
    uint64_t s0 = ost_le64(head + OST_VHDX_HEADER1_OFFSET + 8), s1 = ost_le64(head + OST_VHDX_HEADER2_OFFSET + 8);
    assert_int_equal(h.current, s1 > s0 ? 1 : 0);
    assert_int_equal(h.sequence, s1 > s0 ? s1 : s0);

    /* the current one damaged: the other is current */
    uint64_t cur_at = h.current ? OST_VHDX_HEADER2_OFFSET : OST_VHDX_HEADER1_OFFSET;
    unsigned was = h.current;
    head[cur_at + 100] ^= 1;
    assert_ost_ok(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), &err);
    assert_int_equal(h.current, !was);
    /* both damaged, cut short, not VHDX */
    head[(h.current ? OST_VHDX_HEADER2_OFFSET : OST_VHDX_HEADER1_OFFSET) + 3] = 'X';
    assert_int_equal(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "neither VHDX header (at offsets 64 KiB and 128 KiB)"));
    assert_int_equal(ost_vhdx_headers_parse(head, 1000, path, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "d.vhdx: the VHDX file is cut short: 1000 bytes"));
    memcpy(head, "QFI\xfb", 4);
    assert_int_equal(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "not a VHDX file"));
    free(head);
    free(path);
    t_rm_rf(dir);
    free(dir);
}

/* A header naming a log none of whose entries exists: what a write killed
 * between qemu's header update and its log entry leaves. */
static void test_log_named_without_entries(void **state)
{
    (void)state;
    if (!have_qemu())
        return;
    char *dir = t_mkdtemp(), *path = make_vhdx(dir);
    uint8_t *head = ost_xmalloc(OST_VHDX_HEADERS_END), hdr[OST_VHDX_HEADER_SIZE];
    read_head(path, head);
    struct ost_vhdx_headers h;
    struct ost_error err;
    assert_ost_ok(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), &err);
    uint64_t at = ost_vhdx_header_with_empty_log(head, &h, hdr);
    assert_int_equal(at, h.current ? OST_VHDX_HEADER1_OFFSET : OST_VHDX_HEADER2_OFFSET);
    memset(hdr + 48, 0x5a, 16); /* LogGuid */
    memset(hdr + 4, 0, 4);
    ost_put_le32(hdr + 4, ost_crc32c(hdr, sizeof hdr));
    write_at(path, hdr, sizeof hdr, at);
    /* qemu refuses to allocate now, but the file checks clean */
    assert_int_not_equal(qemu_allocating_write(path), 0);

    read_head(path, head);
    assert_ost_ok(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), &err);
    assert_true(h.log_named);
    assert_int_equal(h.current, at == OST_VHDX_HEADER2_OFFSET);
    uint64_t seq = h.sequence;
    at = ost_vhdx_header_with_empty_log(head, &h, hdr);
    write_at(path, hdr, sizeof hdr, at);

    read_head(path, head);
    assert_ost_ok(ost_vhdx_headers_parse(head, OST_VHDX_HEADERS_END, path, &h, &err), &err);
    assert_false(h.log_named);
    assert_int_equal(h.sequence, seq + 1);
    assert_int_equal(qemu_allocating_write(path), 0);
    char *cmd = ost_xasprintf("qemu-img check -q -f vhdx '%s' && qemu-io -f vhdx -c 'read -P 7 40M 4k' '%s' "
                              "| grep -q '^read 4096/4096'", path, path);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(head);
    free(path);
    t_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_qemu_headers),
        cmocka_unit_test(test_log_named_without_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
