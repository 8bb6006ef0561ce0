/* SPDX-License-Identifier: GPL-3.0-or-later */
/* FAT volumes through mtools (fatfs.c): volumes made by mkfs.fat and
 * filled by mcopy, read and changed through a blockio, and the result
 * checked by mtools' own mtype/mdir/mattrib and by fsck.fat -n; write-back
 * writes only the sectors that changed, and nothing outside the volume. */
#include "testdisk.h"

#include <dirent.h>
#include <fcntl.h>

#include "fatfs.h"

static bool skip_without_tools(void)
{
    static const char *const tools[] = {"mkfs.fat", "fsck.fat", "mcopy", "mtype", "mattrib", NULL};
    return !t_have_tools(tools, "dosfstools, mtools");
}

static const char OLD_BCD[] = "the old boot store";
static const char NEW_BCD[] = "the new boot store, longer than the old one";

/* A FAT volume as Windows leaves an ESP: EFI\Microsoft\Boot\BCD (system,
 * hidden) and EFI\Boot\bootx64.efi. */
static char *make_esp(const char *dir, const char *name, const char *fat_bits, unsigned kib)
{
    char *img = ost_path_join(dir, name);
    char *bcd = ost_path_join(dir, "bcd.src");
    t_write_str(bcd, OLD_BCD);
    if (t_sh("mkfs.fat -F %s -C '%s' %u >/dev/null 2>&1 && mmd -i '%s' ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot "
             "::/EFI/Boot && mcopy -i '%s' '%s' ::/EFI/Microsoft/Boot/BCD && mcopy -i '%s' '%s' "
             "::/EFI/Boot/bootx64.efi && mattrib -i '%s' +s +h ::/EFI/Microsoft/Boot/BCD",
             fat_bits, img, kib, img, img, bcd, img, bcd, img) != 0)
        fail_msg("could not make %s", img);
    free(bcd);
    return img;
}

static void test_read_write_back(void **state)
{
    (void)state;
    if (skip_without_tools())
        return;
    char *dir = t_mkdtemp();
    char *img = make_esp(dir, "esp.img", "32", 65536);
    char *scratch = ost_path_join(dir, "scratch");
    assert_int_equal(mkdir(scratch, 0700), 0);
    struct ost_error err;
    struct ost_blockio file, vol;
    struct t_spy tally;
    assert_ost_ok(ost_blockio_open_file(img, true, &file, &err), &err);
    vol = t_spy_over(&tally, &file, -1);
    struct ost_fatfs *fs;
    assert_ost_ok(ost_fatfs_open(&vol, scratch, &fs, &err), &err);

    assert_int_equal(ost_fatfs_stat(fs, "EFI"), 2);
    assert_int_equal(ost_fatfs_stat(fs, "\\efi\\microsoft\\BOOT"), 2);
    assert_int_equal(ost_fatfs_stat(fs, "EFI\\Microsoft\\Boot\\bcd"), 1);
    assert_int_equal(ost_fatfs_stat(fs, "EFI\\Microsoft\\Boot\\BCD.LOG"), 0);
    assert_int_equal(ost_fatfs_stat(fs, "EFI\\Nothing\\BCD"), 0);
    assert_int_equal(ost_fatfs_stat(fs, "EFI\\..\\..\\etc"), 0);
    assert_int_equal(ost_fatfs_stat(fs, ""), 2);

    uint8_t *data;
    size_t size;
    assert_ost_ok(ost_fatfs_read_file(fs, "efi\\microsoft\\boot\\bcd", 1 << 20, &data, &size, &err), &err);
    assert_int_equal(size, strlen(OLD_BCD));
    assert_memory_equal(data, OLD_BCD, size);
    free(data);
    assert_int_equal(ost_fatfs_read_file(fs, "EFI\\Microsoft\\Boot\\BCD", 4, &data, &size, &err), OST_ERR_LIMIT);
    assert_int_equal(ost_fatfs_read_file(fs, "EFI\\Microsoft", 1 << 20, &data, &size, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "folder"));
    assert_int_equal(ost_fatfs_read_file(fs, "EFI\\none", 1 << 20, &data, &size, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "no such file"));
    assert_int_equal(ost_fatfs_read_file(fs, "..\\outside", 1 << 20, &data, &size, &err), OST_ERR_USAGE);
    assert_int_equal(ost_fatfs_read_file(fs, "EFI\\Boot\\*.efi", 1 << 20, &data, &size, &err), OST_ERR_USAGE);

    /* nothing changed yet: nothing written */
    bool changed = true;
    assert_ost_ok(ost_fatfs_write_back(fs, &changed, &err), &err);
    assert_false(changed);
    assert_int_equal(tally.written, 0);

    char *src = ost_path_join(dir, "new.src");
    t_write_str(src, NEW_BCD);
    assert_ost_ok(ost_fatfs_write_file(fs, "EFI\\MICROSOFT\\Boot\\bcd", src, &err), &err);
    assert_ost_ok(ost_fatfs_write_file(fs, "EFI\\Offstage\\Deep\\note.txt", src, &err), &err);
    assert_int_equal(ost_fatfs_write_file(fs, "EFI\\Boot\\bootx64.efi\\x", src, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "in the way"));
    assert_int_equal(ost_fatfs_write_file(fs, "EFI\\Microsoft", src, &err), OST_ERR_IO);
    assert_int_equal(ost_fatfs_write_file(fs, "C:\\x", src, &err), OST_ERR_USAGE);
    assert_int_equal(ost_fatfs_write_file(fs, "EFI\\x", "/nonexistent/file", &err), OST_ERR_IO);

    /* the volume itself is untouched until write-back */
    char *before = t_sh_out(NULL, NULL, "mtype -i '%s' ::/EFI/Microsoft/Boot/BCD", img);
    assert_string_equal(before, OLD_BCD);
    free(before);

    assert_ost_ok(ost_fatfs_write_back(fs, &changed, &err), &err);
    assert_true(changed);
    /* a few directory and FAT sectors and two clusters, never the volume */
    assert_true(tally.written > 0);
    if (tally.written > 16 * 1024)
        fail_msg("write-back wrote %llu bytes of a 64 MiB volume", (unsigned long long)tally.written);
    assert_true(tally.flushes >= 1);
    uint64_t first = tally.written;
    assert_ost_ok(ost_fatfs_write_back(fs, &changed, &err), &err);
    assert_false(changed);
    assert_int_equal(tally.written, first);
    ost_fatfs_close(fs);
    ost_blockio_close(&file);
    assert_int_equal(access(scratch, F_OK), 0);

    /* mtools and fsck.fat on the volume file itself */
    char *cmd = ost_xasprintf("mtype -i '%s' ::/EFI/Microsoft/Boot/BCD", img);
    char *text = t_sh_out(NULL, NULL, "%s", cmd);
    assert_string_equal(text, NEW_BCD);
    free(text), free(cmd);
    cmd = ost_xasprintf("mtype -i '%s' ::/efi/offstage/deep/NOTE.TXT", img);
    text = t_sh_out(NULL, NULL, "%s", cmd);
    assert_string_equal(text, NEW_BCD);
    free(text), free(cmd);
    cmd = ost_xasprintf("mattrib -i '%s' ::/EFI/Microsoft/Boot/BCD", img);
    text = t_sh_out(NULL, NULL, "%s", cmd);
    if (!strstr(text, "SH") || !strstr(text, "::/EFI/Microsoft/Boot/BCD"))
        fail_msg("BCD lost its attributes or its name: %s", text);
    free(text), free(cmd);
    cmd = ost_xasprintf("mdir -a -b -i '%s' ::/EFI/Microsoft/Boot", img);
    text = t_sh_out(NULL, NULL, "%s", cmd);
    if (!strstr(text, "/BCD\n"))
        fail_msg("BCD is no longer spelled BCD: %s", text);
    free(text), free(cmd);
    assert_int_equal(t_sh("fsck.fat -n '%s' >/dev/null 2>&1", img), 0);
    DIR *d = opendir(scratch);
    assert_non_null(d);
    size_t left = 0;
    for (struct dirent *e; (e = readdir(d));)
        left += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(left, 0); /* the copy went with the handle */

    free(src);
    free(scratch);
    free(img);
    t_rm_rf(dir);
    free(dir);
}

/* The volume as a partition: a window in a bigger disk; the bytes around
 * it stay as they were. */
static void test_window(void **state)
{
    (void)state;
    if (skip_without_tools())
        return;
    char *dir = t_mkdtemp();
    char *img = make_esp(dir, "esp16.img", "16", 16384);
    char *disk = ost_path_join(dir, "disk.img");
    assert_int_equal(t_sh("{ head -c 1048576 /dev/zero | tr '\\000' '\\125'; cat '%s'; head -c 1048576 /dev/zero | "
                          "tr '\\000' '\\252'; } > '%s'",
                          img, disk),
                     0);
    struct ost_error err;
    struct ost_blockio file, part;
    assert_ost_ok(ost_blockio_open_file(disk, true, &file, &err), &err);
    assert_ost_ok(ost_blockio_window(&file, 1 << 20, 16384u * 1024, "disk.img partition 1", &part, &err), &err);
    struct ost_fatfs *fs;
    assert_ost_ok(ost_fatfs_open(&part, dir, &fs, &err), &err);
    char *src = ost_path_join(dir, "new.src");
    t_write_str(src, NEW_BCD);
    assert_ost_ok(ost_fatfs_write_file(fs, "EFI\\Microsoft\\Boot\\BCD", src, &err), &err);
    bool changed;
    assert_ost_ok(ost_fatfs_write_back(fs, &changed, &err), &err);
    assert_true(changed);
    ost_fatfs_close(fs);
    ost_blockio_close(&part);
    ost_blockio_close(&file);
    assert_int_equal(t_sh("head -c 1048576 '%s' | tr -d '\\125' | wc -c | grep -qx 0", disk), 0);
    assert_int_equal(t_sh("tail -c 1048576 '%s' | tr -d '\\252' | wc -c | grep -qx 0", disk), 0);
    char *out = ost_path_join(dir, "out.img");
    assert_int_equal(t_sh("dd if='%s' of='%s' bs=1M skip=1 count=16 2>/dev/null && fsck.fat -n '%s' >/dev/null 2>&1",
                          disk, out, out),
                     0);
    char *cmd = ost_xasprintf("mtype -i '%s' ::/EFI/Microsoft/Boot/BCD", out);
    char *text = t_sh_out(NULL, NULL, "%s", cmd);
    assert_string_equal(text, NEW_BCD);
    free(text), free(cmd), free(out), free(src), free(disk), free(img);
    t_rm_rf(dir);
    free(dir);
}

/* 4096-byte sectors, as on a 4Kn disk: write-back compares whole sectors */
static void test_sector_4096(void **state)
{
    (void)state;
    if (skip_without_tools())
        return;
    char *dir = t_mkdtemp();
    char *img = make_esp(dir, "esp4k.img", "16 -S 4096", 65536);
    struct ost_error err;
    struct ost_blockio file, vol;
    struct t_spy tally;
    assert_ost_ok(ost_blockio_open_file(img, true, &file, &err), &err);
    vol = t_spy_over(&tally, &file, -1);
    struct ost_fatfs *fs;
    assert_ost_ok(ost_fatfs_open(&vol, dir, &fs, &err), &err);
    char *src = ost_path_join(dir, "new.src");
    t_write_str(src, NEW_BCD);
    assert_ost_ok(ost_fatfs_write_file(fs, "EFI\\Microsoft\\Boot\\BCD", src, &err), &err);
    bool changed;
    assert_ost_ok(ost_fatfs_write_back(fs, &changed, &err), &err);
    assert_true(changed);
    assert_true(tally.written > 0 && tally.written % 4096 == 0);
    ost_fatfs_close(fs);
    ost_blockio_close(&file);
    assert_int_equal(t_sh("fsck.fat -n '%s' >/dev/null 2>&1", img), 0);
    char *text = t_sh_out(NULL, NULL, "mtype -i '%s' ::/EFI/Microsoft/Boot/BCD", img);
    assert_string_equal(text, NEW_BCD);
    free(text), free(src), free(img);
    t_rm_rf(dir);
    free(dir);
}

static void test_refusals(void **state)
{
    (void)state;
    if (skip_without_tools())
        return;
    char *dir = t_mkdtemp();
    struct ost_error err;
    struct ost_blockio b;
    struct ost_fatfs *fs;

    /* zeros, and an NTFS boot sector, are no FAT */
    char *zero = ost_path_join(dir, "zero.img");
    uint8_t *z = ost_xcalloc(1, 1 << 20);
    t_write(zero, z, 1 << 20);
    assert_ost_ok(ost_blockio_open_file(zero, false, &b, &err), &err);
    assert_int_equal(ost_fatfs_open(&b, dir, &fs, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, zero));
    assert_non_null(strstr(err.message, "not a FAT volume"));
    ost_blockio_close(&b);
    memcpy(z + 3, "NTFS    ", 8);
    z[510] = 0x55, z[511] = 0xAA;
    t_write(zero, z, 1 << 20);
    assert_ost_ok(ost_blockio_open_file(zero, false, &b, &err), &err);
    assert_int_equal(ost_fatfs_open(&b, dir, &fs, &err), OST_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "NTFS"));
    ost_blockio_close(&b);
    free(z);

    /* a FAT volume cut short: its boot sector claims more than there is */
    char *img = make_esp(dir, "short.img", "16", 16384);
    assert_int_equal(truncate(img, 8u << 20), 0);
    assert_ost_ok(ost_blockio_open_file(img, false, &b, &err), &err);
    assert_int_equal(ost_fatfs_open(&b, dir, &fs, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "only 8388608 bytes"));
    ost_blockio_close(&b);
    free(img);

    /* far larger than an ESP: not copied at all */
    char *huge = ost_path_join(dir, "huge.img");
    t_write(huge, "", 0);
    assert_int_equal(truncate(huge, 5ll << 30), 0);
    assert_ost_ok(ost_blockio_open_file(huge, false, &b, &err), &err);
    assert_int_equal(ost_fatfs_open(&b, dir, &fs, &err), OST_ERR_LIMIT);
    assert_non_null(strstr(err.message, huge));
    ost_blockio_close(&b);
    unlink(huge);
    free(huge);

    /* read-only: the copy may change, the volume may not */
    img = make_esp(dir, "ro.img", "32", 65536);
    char *sum_before = t_sh_out(NULL, NULL, "sha256sum < '%s'", img);
    assert_ost_ok(ost_blockio_open_file(img, false, &b, &err), &err);
    assert_ost_ok(ost_fatfs_open(&b, dir, &fs, &err), &err);
    char *src = ost_path_join(dir, "new.src");
    t_write_str(src, NEW_BCD);
    assert_ost_ok(ost_fatfs_write_file(fs, "EFI\\Microsoft\\Boot\\BCD", src, &err), &err);
    bool changed = true;
    assert_int_equal(ost_fatfs_write_back(fs, &changed, &err), OST_ERR_IO);
    assert_false(changed);
    assert_non_null(strstr(err.message, "read-only"));
    assert_non_null(strstr(err.message, img));
    ost_fatfs_close(fs);
    ost_blockio_close(&b);
    char *sum_after = t_sh_out(NULL, NULL, "sha256sum < '%s'", img);
    assert_string_equal(sum_before, sum_after);
    free(sum_before), free(sum_after), free(src), free(img), free(zero);
    t_rm_rf(dir);
    free(dir);
}

static void test_available(void **state)
{
    (void)state;
    assert_true(ost_fatfs_available() == (t_have_tool("mcopy") && t_have_tool("mdir") && t_have_tool("mmd") &&
                                          t_have_tool("mdel")));
}

int main(void)
{
    t_disk_tools_env();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_write_back),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_sector_4096),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_available),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
