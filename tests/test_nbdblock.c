/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A disk's bytes through qemu-nbd and libnbd (nbdblock.c): large and
 * unaligned requests on every writable format, a window onto one part,
 * read-only opens, disks another qemu holds, damaged images, and a killed
 * command leaving no server behind. What was written is checked with
 * qemu-img convert to raw and qemu-img check, not through this module. */
#include "testdisk.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "nbdblock.h"

static char *tmp_root;

/* The disk's bytes as qemu-img convert -O raw gives them. */
static uint8_t *as_raw(const char *image, const char *format, size_t *n)
{
    char *raw = ost_xasprintf("%s.converted.raw", image);
    assert_int_equal(t_sh("qemu-img convert -q -f %s -O raw '%s' '%s'", format, image, raw), 0);
    uint8_t *data = t_read_all(raw, 512u * MiB, n);
    unlink(raw);
    free(raw);
    return data;
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* The qemu-nbd whose parent is `parent`, or 0. */
static pid_t server_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    struct dirent *e;
    pid_t found = 0;
    while (!found && (e = readdir(d)) != NULL) {
        long pid = atol(e->d_name);
        if (pid <= 0)
            continue;
        char *path = ost_xasprintf("/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        free(path);
        char line[1024] = "";
        if (!f)
            continue;
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        fclose(f);
        char *end = strrchr(line, ')');
        char state;
        long ppid;
        if (strstr(line, "(qemu-nbd)") && end && sscanf(end + 1, " %c %ld", &state, &ppid) == 2 && ppid == parent
            && state != 'Z')
            found = (pid_t)pid;
    }
    closedir(d);
    return found;
}

static const char *const writable_formats[] = {"raw", "qcow2", "vpc", "vhdx", "vmdk"};

static void test_large_and_unaligned_requests_on_each_format(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    const size_t big_len = 40u * MiB;
    const uint64_t big_off = 30u * MiB - 7;
    const uint64_t small_off = 513;
    uint8_t *big = ost_xmalloc(big_len), *back = ost_xmalloc(big_len);
    fill_pattern(big, big_len, 0x2545f491);
    const uint8_t small[3] = {0xde, 0xad, 0xbe};
    for (size_t i = 0; i < sizeof writable_formats / sizeof writable_formats[0]; i++) {
        const char *format = writable_formats[i];
        char *image = ost_xasprintf("%s/disk.%s", dir, format);
        assert_int_equal(t_sh("qemu-img create -q -f %s '%s' 96M", format, image), 0);
        struct ost_disk_info info;
        struct ost_error err;
        assert_ost_ok(ost_qemu_info(image, format, &info, &err), &err);

        struct ost_blockio b;
        struct ost_nbd_options o = {.format = format, .writable = true};
        assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
        assert_int_equal(b.size, info.virtual_size);
        assert_string_equal(b.name, image);
        assert_ost_ok(ost_blockio_write(&b, big, big_len, big_off, &err), &err);
        assert_ost_ok(ost_blockio_write(&b, small, sizeof small, small_off, &err), &err);
        memset(back, 0, big_len);
        assert_ost_ok(ost_blockio_read(&b, back, big_len, big_off, &err), &err);
        assert_memory_equal(back, big, big_len);
        uint8_t around[5];
        assert_ost_ok(ost_blockio_read(&b, around, sizeof around, small_off - 1, &err), &err);
        static const uint8_t expect_around[5] = {0, 0xde, 0xad, 0xbe, 0};
        assert_memory_equal(around, expect_around, sizeof around);
        /* past the end is refused before it reaches the server */
        assert_int_equal(ost_blockio_read(&b, around, 1, b.size, &err), OST_ERR_CORRUPT);
        assert_ost_ok(ost_nbd_finish(&b, &err), &err);
        assert_null(b.ctx);

        o.writable = false;
        assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
        assert_null(b.pwrite);
        memset(back, 0, big_len);
        assert_ost_ok(ost_blockio_read(&b, back, big_len, big_off, &err), &err);
        assert_memory_equal(back, big, big_len);
        assert_ost_ok(ost_nbd_finish(&b, &err), &err);

        size_t n;
        uint8_t *raw = as_raw(image, format, &n);
        assert_int_equal(n, info.virtual_size);
        assert_memory_equal(raw + big_off, big, big_len);
        assert_memory_equal(raw + small_off - 1, expect_around, sizeof expect_around);
        assert_int_equal(raw[big_off - 1], 0);
        assert_int_equal(raw[big_off + big_len], 0);
        free(raw);
        assert_int_equal(t_sh("qemu-img check -q -f %s '%s' 2>/dev/null || [ $? -eq 63 ]", format, image), 0);
        unlink(image);
        free(image);
    }
    free(big), free(back);
    t_rm_rf(dir);
    free(dir);
}

/* Small reads are served from 64 KiB lines kept in memory: every write
 * (small, unaligned, across lines, larger than a line) is seen by the
 * reads after it, the end of a disk that is no whole line reads right,
 * and after a flush reads go to the server again (the read-back of what
 * was written rests on it): shown by changing a raw file behind the
 * server's back, which a kept line hides until the flush. */
static void test_small_reads_see_every_write(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    const char *formats[] = {"raw", "qcow2", "vhdx"};
    const uint64_t size = 4u * MiB + 4096; /* the last line is 4 KiB */
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *image = ost_xasprintf("%s/cache.%s", dir, formats[i]);
        assert_int_equal(t_sh("qemu-img create -q -f %s '%s' %llu", formats[i], image, (unsigned long long)size), 0);
        struct ost_blockio b;
        struct ost_error err;
        struct ost_nbd_options o = {.format = formats[i], .writable = true};
        assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
        uint8_t got[200 * 1024], want[200 * 1024];
        /* lines 0, 1 and the last one kept */
        assert_ost_ok(ost_blockio_read(&b, got, 100, 65536 - 50, &err), &err);
        assert_ost_ok(ost_blockio_read(&b, got, 10, b.size - 10, &err), &err);
        memset(want, 0, sizeof want);
        assert_memory_equal(got, want, 10);
        /* small and unaligned, across the boundary of two kept lines */
        assert_ost_ok(ost_blockio_write(&b, "ACROSS", 6, 65536 - 3, &err), &err);
        assert_ost_ok(ost_blockio_read(&b, got, 10, 65536 - 5, &err), &err);
        assert_memory_equal(got, "\0\0ACROSS\0\0", 10);
        /* larger than a line, over lines 1 to 4 */
        fill_pattern(want, sizeof want, 0x9e3779b9);
        assert_ost_ok(ost_blockio_write(&b, want, sizeof want, 65536 + 100, &err), &err);
        for (uint64_t at = 65536; at < 65536 + 100 + sizeof want; at += 4000) {
            uint8_t piece[64];
            assert_ost_ok(ost_blockio_read(&b, piece, sizeof piece, at, &err), &err);
            for (size_t k = 0; k < sizeof piece; k++) {
                uint64_t x = at + k;
                uint8_t expect = x < 65536 + 100 ? (x < 65536 + 3 ? (uint8_t)"ACROSS"[x - 65536 + 3] : 0)
                               : x < 65536 + 100 + sizeof want ? want[x - 65536 - 100] : 0;
                assert_int_equal(piece[k], expect);
            }
        }
        /* the end of the disk, in its short last line */
        assert_ost_ok(ost_blockio_write(&b, "END", 3, b.size - 3, &err), &err);
        assert_ost_ok(ost_blockio_read(&b, got, 5, b.size - 5, &err), &err);
        assert_memory_equal(got, "\0\0END", 5);
        if (!strcmp(formats[i], "raw")) {
            assert_ost_ok(ost_blockio_read(&b, got, 4, 3u * MiB, &err), &err);
            int fd = open(image, O_WRONLY);
            assert_true(fd >= 0);
            assert_int_equal(pwrite(fd, "BACK", 4, 3u * MiB), 4);
            close(fd);
            assert_ost_ok(ost_blockio_read(&b, got, 4, 3u * MiB, &err), &err);
            assert_memory_equal(got, "\0\0\0\0", 4); /* the kept line */
            assert_ost_ok(ost_blockio_flush(&b, &err), &err);
            assert_ost_ok(ost_blockio_read(&b, got, 4, 3u * MiB, &err), &err);
            assert_memory_equal(got, "BACK", 4);
        }
        assert_ost_ok(ost_nbd_finish(&b, &err), &err);
        size_t n;
        uint8_t *raw = as_raw(image, formats[i], &n);
        assert_int_equal(n, size);
        assert_memory_equal(raw + 65536 - 3, "ACROSS", 6);
        assert_memory_equal(raw + 65536 + 100, want, sizeof want);
        assert_memory_equal(raw + size - 3, "END", 3);
        free(raw);
        free(image);
    }
    t_rm_rf(dir);
    free(dir);
}

/* A window shows one part of the image only: offset 0 in it is `offset`
 * in the image, and nothing outside it can be reached. The file name has
 * a comma, which qemu's option strings would otherwise split at. */
static void test_window_onto_part_of_the_image(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    const char *formats[] = {"qcow2", "raw", "vhdx"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *image = ost_xasprintf("%s/part,1:x.%s", dir, formats[i]);
        assert_int_equal(t_sh("qemu-img create -q -f %s '%s' 16M", formats[i], image), 0);
        struct ost_blockio b;
        struct ost_error err;
        struct ost_nbd_options o = {.format = formats[i], .writable = true, .offset = 1u * MiB, .size = 2u * MiB,
                                    .name = "disk partition 1"};
        assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
        assert_int_equal(b.size, 2u * MiB);
        assert_string_equal(b.name, "disk partition 1");
        assert_ost_ok(ost_blockio_write(&b, "WINDOW", 6, 0, &err), &err);
        assert_ost_ok(ost_blockio_write(&b, "END", 3, 2u * MiB - 3, &err), &err);
        assert_int_equal(ost_blockio_write(&b, "X", 1, 2u * MiB, &err), OST_ERR_CORRUPT);
        assert_non_null(strstr(err.message, "disk partition 1"));
        assert_ost_ok(ost_nbd_finish(&b, &err), &err);

        size_t n;
        uint8_t *raw = as_raw(image, formats[i], &n);
        assert_int_equal(n, 16u * MiB);
        assert_memory_equal(raw + MiB, "WINDOW", 6);
        assert_memory_equal(raw + 3u * MiB - 3, "END", 3);
        for (size_t k = 0; k < MiB; k++)
            assert_int_equal(raw[k], 0);
        assert_int_equal(raw[3u * MiB], 0);
        free(raw);
        free(image);
    }
    t_rm_rf(dir);
    free(dir);
}

static void test_read_only_open_refuses_writes(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *image = ost_path_join(dir, "disk.qcow2");
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 4M", image), 0);
    char *before = ost_path_join(dir, "before");
    t_copy(image, before);
    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "qcow2"};
    assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
    assert_null(b.pwrite);
    assert_null(b.flush);
    assert_int_equal(ost_blockio_write(&b, "x", 1, 0, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "read-only"));
    uint8_t sector[512];
    assert_ost_ok(ost_blockio_read(&b, sector, sizeof sector, 0, &err), &err);
    /* two readers at once: a read-only open shares the image */
    struct ost_blockio second;
    assert_ost_ok(ost_nbd_open(image, &o, &second, &err), &err);
    ost_blockio_close(&second);
    ost_blockio_close(&b);
    assert_int_equal(t_sh("cmp -s '%s' '%s'", image, before), 0);
    t_rm_rf(dir);
    free(dir), free(image), free(before);
}

static void test_disk_in_use_is_refused(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *image = ost_path_join(dir, "disk.qcow2");
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 4M", image), 0);
    pid_t holder = t_hold_disk(dir, image, "qcow2");

    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "qcow2", .writable = true};
    for (int writable = 1; writable >= 0; writable--) {
        o.writable = writable;
        assert_int_equal(ost_nbd_open(image, &o, &b, &err), OST_ERR_IO);
        assert_non_null(strstr(err.message, image));
        assert_non_null(strstr(err.message, "the disk is in use (is its VM running?)"));
        assert_non_null(strstr(err.message, "lock"));
        assert_null(b.ctx);
    }
    assert_int_equal(kill(holder, SIGTERM), 0);
    t_wait_gone(holder);
    o.writable = true;
    assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
    assert_ost_ok(ost_nbd_finish(&b, &err), &err);
    t_rm_rf(dir);
    free(dir), free(image);
}

/* kill -9 of a command mid-write: the qemu-nbd it started dies with it
 * (PR_SET_PDEATHSIG), so the disk is free for the next command. */
static void test_killed_command_leaves_no_server(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *image = ost_path_join(dir, "disk.qcow2");
    assert_int_equal(t_sh("qemu-img create -q -f qcow2 '%s' 16M", image), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(ready[0]);
        struct ost_blockio b;
        struct ost_error err;
        struct ost_nbd_options o = {.format = "qcow2", .writable = true};
        if (ost_nbd_open(image, &o, &b, &err) != OST_OK)
            _exit(1);
        uint8_t block[65536];
        memset(block, 0x77, sizeof block);
        for (uint64_t off = 0;; off = (off + sizeof block) % b.size) {
            if (ost_blockio_write(&b, block, sizeof block, off, &err) != OST_OK)
                _exit(1);
            if (off == 4 * sizeof block && write(ready[1], "r", 1) != 1)
                _exit(1);
        }
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    pid_t server = server_of(child);
    assert_true(server > 0);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));
    t_wait_gone(server);
    /* and no other server of the image either (a start that timed out
     * under load may have had one in flight): each dies with its parent */
    int left = 1;
    for (int i = 0; i < 300 && left; i++) {
        left = t_sh("pgrep -f -- '[q]emu-nbd.*%s' >/dev/null", image) == 0; /* [q]: not this shell */
        if (left)
            usleep(100000);
    }
    assert_false(left);

    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "qcow2", .writable = true};
    /* under load the lock can trail the server's exit by a moment; a
     * server that outlived its parent would hold it for good */
    ost_status opened = OST_ERR_IO;
    for (int i = 0; i < 50 && opened != OST_OK; i++) {
        opened = ost_nbd_open(image, &o, &b, &err);
        if (opened != OST_OK && !strstr(err.message, "the disk is in use"))
            break;
        if (opened != OST_OK)
            usleep(100000);
    }
    assert_ost_ok(opened, &err);
    assert_ost_ok(ost_nbd_finish(&b, &err), &err);
    /* a qcow2 killed mid-write may leak clusters (exit 3), never corrupt */
    int check = t_sh("qemu-img check -q -f qcow2 '%s' >/dev/null 2>&1", image);
    assert_true(check == 0 || check == 3);
    t_rm_rf(dir);
    free(dir), free(image);
}

/* A server that dies under us is an error on the next request, not the
 * end of the process (no SIGPIPE), and finish says what became of it. */
static void test_server_dying_mid_session(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *image = ost_path_join(dir, "disk.raw");
    assert_int_equal(t_sh("qemu-img create -q -f raw '%s' 4M", image), 0);
    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "raw", .writable = true};
    assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
    pid_t server = server_of(getpid());
    assert_true(server > 0);
    assert_int_equal(kill(server, SIGKILL), 0);
    uint8_t block[4096] = {1};
    ost_status st = OST_OK;
    for (int i = 0; i < 4 && st == OST_OK; i++)
        st = ost_blockio_write(&b, block, sizeof block, 0, &err);
    assert_int_equal(st, OST_ERR_IO);
    assert_non_null(strstr(err.message, image));
    assert_int_not_equal(ost_nbd_finish(&b, &err), OST_OK);
    assert_null(b.ctx);
    t_rm_rf(dir);
    free(dir), free(image);
}

/* qemu-nbd gets fds 0-3 and nothing else of ours: no descriptor without
 * close-on-exec leaks into it (a lock held by the server would outlive a
 * command's own unlock). */
static void test_no_descriptor_leaks_into_the_server(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *image = ost_path_join(dir, "disk.raw");
    char *marker = ost_path_join(dir, "marker");
    assert_int_equal(t_sh("qemu-img create -q -f raw '%s' 1M", image), 0);
    t_write_str(marker, "m");
    int leaky = open(marker, O_RDONLY);
    assert_true(leaky >= 0);
    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "raw"};
    assert_ost_ok(ost_nbd_open(image, &o, &b, &err), &err);
    pid_t server = server_of(getpid());
    assert_true(server > 0);
    char *fd_dir = ost_xasprintf("/proc/%ld/fd", (long)server);
    DIR *d = opendir(fd_dir);
    assert_non_null(d);
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *link = ost_path_join(fd_dir, e->d_name);
        char target[4096];
        ssize_t n = readlink(link, target, sizeof target - 1);
        free(link);
        if (n <= 0)
            continue;
        target[n] = 0;
        assert_null(strstr(target, "marker"));
        /* its stdout and stderr are the one file it is given there */
        if (atoi(e->d_name) > 2)
            assert_null(strstr(target, "offstage-scratch"));
        seen++;
    }
    closedir(d);
    assert_true(seen >= 4);
    free(fd_dir);
    /* in a process group of its own: a Ctrl-C at the terminal reaches the
     * command, which then shuts its server down in order */
    char *stat_path = ost_xasprintf("/proc/%ld/stat", (long)server);
    FILE *f = fopen(stat_path, "r");
    assert_non_null(f);
    char line[1024];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    free(stat_path);
    char run_state;
    long ppid, pgrp;
    assert_int_equal(sscanf(strrchr(line, ')') + 1, " %c %ld %ld", &run_state, &ppid, &pgrp), 3);
    assert_int_equal(ppid, getpid());
    assert_int_not_equal(pgrp, getpgrp());
    ost_blockio_close(&b);
    assert_null(b.ctx);
    t_wait_gone(server);
    close(leaky);
    t_rm_rf(dir);
    free(dir), free(image), free(marker);
}

static void test_bad_images_and_arguments(void **state)
{
    (void)state;
    if (!t_have_qemu(false))
        return;
    char *dir = t_mkdtemp();
    char *garbage = ost_path_join(dir, "garbage.qcow2");
    uint8_t header[4096];
    memset(header, 0x5c, sizeof header);
    memcpy(header, "QFI\xfb", 4);
    t_write(garbage, header, sizeof header);
    struct ost_blockio b;
    struct ost_error err;
    struct ost_nbd_options o = {.format = "qcow2", .writable = true};
    assert_int_equal(ost_nbd_open(garbage, &o, &b, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, garbage));
    assert_non_null(strstr(err.message, "exit status 1"));
    assert_non_null(strstr(err.message, "Unsupported qcow2 version"));
    assert_null(b.ctx);
    /* a raw disk named as another format */
    char *raw = ost_path_join(dir, "disk.raw");
    assert_int_equal(t_sh("qemu-img create -q -f raw '%s' 1M", raw), 0);
    o.format = "vhdx";
    assert_int_equal(ost_nbd_open(raw, &o, &b, &err), OST_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "vhdx"));
    /* no format, a format that would smuggle options, a missing file, a folder */
    o.format = NULL;
    assert_int_equal(ost_nbd_open(raw, &o, &b, &err), OST_ERR_USAGE);
    o.format = "raw,offset=4";
    assert_int_equal(ost_nbd_open(raw, &o, &b, &err), OST_ERR_USAGE);
    o.format = "raw";
    o.offset = 4096;
    assert_int_equal(ost_nbd_open(raw, &o, &b, &err), OST_ERR_USAGE);
    assert_non_null(strstr(err.message, "needs its size"));
    o.offset = 0;
    char *missing = ost_path_join(dir, "missing.raw");
    assert_int_equal(ost_nbd_open(missing, &o, &b, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "No such file or directory"));
    assert_int_equal(ost_nbd_open(dir, &o, &b, &err), OST_ERR_IO);
    assert_non_null(strstr(err.message, "folder"));
    /* a window past the image's end: qemu refuses it */
    o.offset = 512u * 1024, o.size = 1u * MiB;
    assert_int_not_equal(ost_nbd_open(raw, &o, &b, &err), OST_OK);
    assert_non_null(strstr(err.message, raw));
    assert_null(b.ctx);
    t_rm_rf(dir);
    free(dir), free(garbage), free(raw), free(missing);
}

static int setup(void **state)
{
    (void)state;
    /* every scratch folder, including those of the killed child, lands
     * here and goes with it */
    tmp_root = t_mkdtemp();
    setenv("TMPDIR", tmp_root, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("TMPDIR");
    t_rm_rf(tmp_root);
    free(tmp_root);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_and_unaligned_requests_on_each_format),
        cmocka_unit_test(test_small_reads_see_every_write),
        cmocka_unit_test(test_window_onto_part_of_the_image),
        cmocka_unit_test(test_read_only_open_refuses_writes),
        cmocka_unit_test(test_disk_in_use_is_refused),
        cmocka_unit_test(test_killed_command_leaves_no_server),
        cmocka_unit_test(test_server_dying_mid_session),
        cmocka_unit_test(test_no_descriptor_leaks_into_the_server),
        cmocka_unit_test(test_bad_images_and_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
