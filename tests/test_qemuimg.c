/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Virtual disks through qemu-img (qemuimg.c): what each format is, the
 * overlay that holds a command's writes until it is committed, checks of
 * damaged images and disks another qemu holds. The images are made by
 * qemu-img itself, written with qemu-io, and every result is read back
 * independently (qemu-img info's own text, a raw conversion, cmp). */
#include "testdisk.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "qemuimg.h"

/* What `qemu-img info` (its human text, not the JSON qemuimg.c reads)
 * says the virtual size is. */
static uint64_t independent_virtual_size(const char *path, const char *format)
{
    char *cmd = ost_xasprintf("qemu-img info -f %s '%s'", format, path);
    FILE *p = popen(cmd, "r");
    free(cmd);
    assert_non_null(p);
    char line[512];
    uint64_t size = 0;
    while (fgets(line, sizeof line, p)) {
        char *open = strstr(line, "virtual size:");
        char *paren = open ? strchr(open, '(') : NULL;
        if (paren)
            size = strtoull(paren + 1, NULL, 10);
    }
    pclose(p);
    assert_true(size > 0);
    return size;
}

struct format_case {
    const char *format;     /* qemu's name */
    const char *subformat;  /* vmdk create type, "" */
    const char *magic;      /* what ost_disk_magic_format says, NULL for raw */
    bool read_only;
};

static const struct format_case formats[] = {
    {"raw", "", NULL, false},
    {"qcow2", "", "qcow2", false},
    {"vpc", "", "vpc", false},
    {"vhdx", "", "vhdx", false},
    {"vmdk", "monolithicSparse", "vmdk", false},
    {"vmdk", "streamOptimized", "vmdk", true},
};

static char *make_image(const char *dir, const struct format_case *f, uint64_t size)
{
    char *path = ost_xasprintf("%s/disk-%s%s.img", dir, f->format, f->read_only ? "-stream" : "");
    if (f->read_only) {
        char *raw = ost_xasprintf("%s/stream-source.raw", dir);
        assert_int_equal(t_sh("qemu-img create -q -f raw '%s' %llu", raw, (unsigned long long)size), 0);
        assert_int_equal(t_sh("qemu-img convert -q -f raw -O vmdk -o subformat=streamOptimized '%s' '%s'", raw, path),
                         0);
        unlink(raw);
        free(raw);
    } else {
        assert_int_equal(t_sh("qemu-img create -q -f %s '%s' %llu", f->format, path, (unsigned long long)size), 0);
    }
    return path;
}

static void test_info_and_magic_of_each_format(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const struct format_case *f = &formats[i];
        char *path = make_image(dir, f, 64u * MiB);
        struct ost_disk_info info;
        struct ost_error err;
        /* probed by qemu, then named explicitly: the same answer */
        for (int explicit = 0; explicit < 2; explicit++) {
            assert_ost_ok(ost_qemu_info(path, explicit ? f->format : NULL, &info, &err), &err);
            assert_string_equal(info.format, f->format);
            assert_int_equal(info.virtual_size, independent_virtual_size(path, f->format));
            assert_string_equal(info.backing, "");
            assert_int_equal(info.snapshots, 0);
            assert_string_equal(info.subformat, f->subformat);
            assert_int_equal(info.read_only_format, f->read_only);
        }
        if (strcmp(f->format, "vpc"))
            assert_int_equal(info.virtual_size, 64u * MiB);
        const char *magic = ost_disk_magic_format(path);
        if (f->magic)
            assert_string_equal(magic, f->magic);
        else
            assert_null(magic);
        assert_ost_ok(ost_qemu_check(path, f->format, &err), &err);
        free(path);
    }
    t_rm_rf(dir);
    free(dir);
}

/* A fixed VHD is the raw disk followed by a 512-byte footer: qemu's probe
 * calls it raw, only its last sector says what it is. */
static void test_fixed_vhd_is_known_by_its_footer(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char *path = ost_path_join(dir, "fixed.vhd");
    assert_int_equal(t_sh("qemu-img create -q -f vpc -o subformat=fixed '%s' 8M", path), 0);
    assert_string_equal(ost_disk_magic_format(path), "vpc");
    struct ost_disk_info info;
    struct ost_error err;
    assert_ost_ok(ost_qemu_info(path, NULL, &info, &err), &err);
    assert_string_equal(info.format, "raw");
    assert_ost_ok(ost_qemu_info(path, "vpc", &info, &err), &err);
    assert_string_equal(info.format, "vpc");
    assert_int_equal(info.virtual_size, independent_virtual_size(path, "vpc"));
    /* not a disk at all, an empty file, a folder, a missing file */
    char *text = ost_path_join(dir, "notes.txt");
    t_write_str(text, "# notes\n");
    assert_null(ost_disk_magic_format(text));
    char *empty = ost_path_join(dir, "empty");
    t_write(empty, "", 0);
    assert_null(ost_disk_magic_format(empty));
    assert_null(ost_disk_magic_format(dir));
    assert_null(ost_disk_magic_format("/nonexistent/disk.qcow2"));
    t_rm_rf(dir);
    free(dir), free(path), free(text), free(empty);
}

/* Every byte at [off, off+len) of the disk, read from a raw conversion. */
static bool raw_range_is(const char *dir, const char *image, const char *format, uint64_t off, size_t len,
                         uint8_t value)
{
    char *raw = ost_path_join(dir, "converted.raw");
    assert_int_equal(t_sh("qemu-img convert -q -f %s -O raw '%s' '%s'", format, image, raw), 0);
    size_t n;
    uint8_t *data = t_read_all(raw, 256u * MiB, &n);
    assert_true(off + len <= n);
    bool same = true;
    for (size_t i = 0; i < len; i++)
        same = same && data[off + i] == value;
    free(data);
    unlink(raw);
    free(raw);
    return same;
}

static void test_overlay_keeps_the_disk_until_commit(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        const struct format_case *f = &formats[i];
        if (f->read_only)
            continue;
        char *disk = make_image(dir, f, 16u * MiB);
        char *before = ost_path_join(dir, "before");
        t_copy(disk, before);
        /* a relative backing name: the overlay must still find its disk
         * from another working folder */
        assert_int_equal(chdir(dir), 0);
        struct ost_error err;
        assert_ost_ok(ost_qemu_overlay_create("overlay.qcow2", ost_path_basename(disk), f->format, &err), &err);
        assert_int_equal(chdir("/"), 0);
        char *overlay = ost_path_join(dir, "overlay.qcow2");

        struct ost_disk_info info;
        assert_ost_ok(ost_qemu_info(overlay, "qcow2", &info, &err), &err);
        assert_string_equal(info.format, "qcow2");
        char *real = realpath(disk, NULL);
        assert_string_equal(info.backing, real);
        assert_int_equal(info.virtual_size, independent_virtual_size(disk, f->format));

        assert_int_equal(t_sh("qemu-io -f qcow2 -c 'write -P 0xab 4096 8k' '%s' >/dev/null", overlay), 0);
        assert_true(t_files_equal(disk, before));
        assert_true(raw_range_is(dir, overlay, "qcow2", 4096, 8192, 0xab));
        assert_ost_ok(ost_qemu_check(overlay, "qcow2", &err), &err);

        assert_ost_ok(ost_qemu_commit(overlay, &err), &err);
        assert_false(t_files_equal(disk, before));
        assert_true(raw_range_is(dir, disk, f->format, 4096, 8192, 0xab));
        assert_true(raw_range_is(dir, disk, f->format, 0, 4096, 0));
        assert_ost_ok(ost_qemu_check(disk, f->format, &err), &err);
        /* committing again (a commit interrupted and re-run) changes nothing */
        t_copy(disk, before);
        assert_ost_ok(ost_qemu_commit(overlay, &err), &err);
        assert_true(raw_range_is(dir, disk, f->format, 4096, 8192, 0xab));

        unlink(overlay), unlink(before), unlink(disk);
        free(disk), free(before), free(overlay), free(real);
    }
    assert_int_equal(chdir(cwd), 0);
    t_rm_rf(dir);
    free(dir);
}

static void test_convert_and_rebase(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char *disk = ost_path_join(dir, "disk.qcow2");
    char *vhd = ost_path_join(dir, "disk.vhd");
    struct ost_error err;
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 8M && qemu-io -f qcow2 -c 'write -P 0x5a 0 64k' '%s' "
                          ">/dev/null", disk, disk), 0);
    assert_ost_ok(ost_qemu_convert(disk, "qcow2", vhd, "vpc", "subformat=fixed", &err), &err);
    assert_string_equal(ost_disk_magic_format(vhd), "vpc");
    assert_true(raw_range_is(dir, vhd, "vpc", 0, 65536, 0x5a));
    assert_int_equal(t_sh("qemu-img info -f vpc '%s' | grep -q 'format: vpc'", vhd), 0);

    /* an overlay pointed at its disk by another name, as --output does */
    char *overlay = ost_path_join(dir, "out.qcow2");
    char *moved = ost_path_join(dir, "moved.qcow2");
    assert_ost_ok(ost_qemu_overlay_create(overlay, disk, "qcow2", &err), &err);
    assert_int_equal(rename(disk, moved), 0);
    assert_ost_ok(ost_qemu_rebase_unsafe(overlay, "moved.qcow2", "qcow2", &err), &err);
    struct ost_disk_info info;
    assert_ost_ok(ost_qemu_info(overlay, "qcow2", &info, &err), &err);
    assert_string_equal(info.backing, moved);
    assert_true(raw_range_is(dir, overlay, "qcow2", 0, 65536, 0x5a));

    assert_int_equal(ost_qemu_convert(disk, "qcow2", vhd, "nosuchformat", NULL, &err), OST_ERR_USAGE);
    assert_int_equal(ost_qemu_convert(disk, "qcow2", vhd, "vpc", NULL, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "No such file or directory"));
    t_rm_rf(dir);
    free(dir), free(disk), free(vhd), free(overlay), free(moved);
}

/* File names qemu would otherwise read as a protocol or split at commas. */
static void test_names_with_colons_and_commas(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    const char *disk = "nbd:host,port=1.raw";
    const char *overlay = "json:{x},y.qcow2";
    assert_int_equal(t_sh("qemu-img create -q -f raw './%s' 4M", disk), 0);
    struct ost_disk_info info;
    struct ost_error err;
    assert_ost_ok(ost_qemu_info(disk, "raw", &info, &err), &err);
    assert_int_equal(info.virtual_size, 4u * MiB);
    assert_ost_ok(ost_qemu_overlay_create(overlay, disk, "raw", &err), &err);
    assert_int_equal(t_sh("qemu-io -f qcow2 -c 'write -P 0x11 0 4k' './%s' >/dev/null", overlay), 0);
    assert_ost_ok(ost_qemu_check(overlay, "qcow2", &err), &err);
    assert_ost_ok(ost_qemu_commit(overlay, &err), &err);
    size_t n;
    uint8_t *data = t_read_all(disk, 256u * MiB, &n);
    assert_int_equal(n, 4u * MiB);
    assert_int_equal(data[0], 0x11);
    assert_int_equal(data[4095], 0x11);
    assert_int_equal(data[4096], 0);
    free(data);
    assert_ost_ok(ost_qemu_convert(disk, "raw", "a:b,c.vhdx", "vhdx", NULL, &err), &err);
    assert_string_equal(ost_disk_magic_format("a:b,c.vhdx"), "vhdx");
    assert_ost_ok(ost_qemu_info("a:b,c.vhdx", NULL, &info, &err), &err);
    assert_string_equal(info.format, "vhdx");
    assert_int_equal(chdir(cwd), 0);
    t_rm_rf(dir);
    free(dir);
}

static void test_snapshots_are_counted(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char *disk = ost_path_join(dir, "disk.qcow2");
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 8M && qemu-img snapshot -c s1 '%s'", disk, disk), 0);
    struct ost_disk_info info;
    struct ost_error err;
    assert_ost_ok(ost_qemu_info(disk, "qcow2", &info, &err), &err);
    assert_int_equal(info.snapshots, 1);
    assert_int_equal(t_sh("qemu-img snapshot -c s2 '%s'", disk), 0);
    assert_ost_ok(ost_qemu_info(disk, NULL, &info, &err), &err);
    assert_int_equal(info.snapshots, 2);
    t_rm_rf(dir);
    free(dir), free(disk);
}

static void test_damaged_images_are_corrupt(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char *disk = ost_path_join(dir, "disk.qcow2");
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 16M && qemu-io -f qcow2 -c 'write -P 0xab 0 128k' '%s' "
                          ">/dev/null", disk, disk), 0);
    struct ost_error err;
    assert_ost_ok(ost_qemu_check(disk, "qcow2", &err), &err);
    /* the L1 table offset pointed at a data cluster: qemu-img check
     * finds the entries corrupt */
    int fd = open(disk, O_WRONLY);
    assert_true(fd >= 0);
    static const uint8_t l1_at_data[8] = {0, 0, 0, 0, 0, 5, 0, 0};
    assert_int_equal(pwrite(fd, l1_at_data, 8, 40), 8);
    close(fd);
    assert_int_equal(ost_qemu_check(disk, "qcow2", &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, disk));
    assert_non_null(strstr(err.message, "errors were found"));

    /* a garbage header: qemu cannot open it, and says why */
    char *garbage = ost_path_join(dir, "garbage.qcow2");
    uint8_t header[4096];
    memset(header, 0x5c, sizeof header);
    memcpy(header, "QFI\xfb", 4);
    t_write(garbage, header, sizeof header);
    struct ost_disk_info info;
    assert_int_equal(ost_qemu_info(garbage, "qcow2", &info, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, garbage));
    assert_non_null(strstr(err.message, "Unsupported qcow2 version"));
    assert_int_equal(ost_qemu_check(garbage, "qcow2", &err), OST_ERR_CORRUPT);
    assert_int_equal(ost_qemu_overlay_create(disk, garbage, "nosuch", &err), OST_ERR_USAGE);
    /* the wrong format named explicitly */
    char *raw = ost_path_join(dir, "disk.raw");
    assert_int_equal(t_sh("qemu-img create -q -f raw '%s' 1M", raw), 0);
    assert_int_equal(ost_qemu_info(raw, "vhdx", &info, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, raw));
    /* a missing file is an I/O error, not a damaged one */
    char *missing = ost_path_join(dir, "missing.qcow2");
    assert_int_equal(ost_qemu_info(missing, NULL, &info, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "No such file or directory"));
    assert_int_equal(ost_qemu_overlay_create(disk, missing, "qcow2", &err), OST_ERR_IO);
    t_rm_rf(dir);
    free(dir), free(disk), free(garbage), free(raw), free(missing);
}

/* A disk a running qemu holds (here qemu-nbd, as a VM would) is named in
 * use, for info and for an overlay's commit into it. */
static void test_disk_in_use(void **state)
{
    (void)state;
    if (!t_have_qemu(true))
        return;
    char *dir = t_mkdtemp();
    char *disk = ost_path_join(dir, "disk.qcow2");
    char *overlay = ost_path_join(dir, "overlay.qcow2");
    struct ost_error err;
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 8M", disk), 0);
    assert_ost_ok(ost_qemu_overlay_create(overlay, disk, "qcow2", &err), &err);
    assert_int_equal(t_sh("qemu-io -f qcow2 -c 'write -P 0xab 0 4k' '%s' >/dev/null", overlay), 0);
    pid_t server = t_hold_disk(dir, disk, "qcow2");

    struct ost_disk_info info;
    assert_int_equal(ost_qemu_info(disk, "qcow2", &info, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, disk));
    assert_non_null(strstr(err.message, "the disk is in use (is its VM running?)"));
    assert_non_null(strstr(err.message, "lock"));
    assert_int_equal(ost_qemu_commit(overlay, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "the disk is in use (is its VM running?)"));

    assert_int_equal(kill(server, SIGTERM), 0);
    /* qemu-nbd is not our child: wait for its lock to go by its pid */
    t_wait_gone(server);
    assert_ost_ok(ost_qemu_info(disk, "qcow2", &info, &err), &err);
    assert_ost_ok(ost_qemu_commit(overlay, &err), &err);
    assert_true(raw_range_is(dir, disk, "qcow2", 0, 4096, 0xab));
    t_rm_rf(dir);
    free(dir), free(disk), free(overlay);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_and_magic_of_each_format),
        cmocka_unit_test(test_fixed_vhd_is_known_by_its_footer),
        cmocka_unit_test(test_overlay_keeps_the_disk_until_commit),
        cmocka_unit_test(test_convert_and_rebase),
        cmocka_unit_test(test_names_with_colons_and_commas),
        cmocka_unit_test(test_snapshots_are_counted),
        cmocka_unit_test(test_damaged_images_are_corrupt),
        cmocka_unit_test(test_disk_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
