/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testdisk.h — what the tests of the disk layer share (test_qemuimg,
 * test_nbdblock, test_fatfs, test_ntfsfs): the outside tools they check
 * results with (qemu-img, mtools, mkfs.fat, ntfs-3g's), shell commands and
 * their output, processes that must be gone, and a blockio spy that counts
 * what passes through it and can fail writes. Header-only, like
 * testutil.h.
 */
#ifndef OST_TESTDISK_H
#define OST_TESTDISK_H

#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "blockio.h"
#include "qemuimg.h"

#define MiB (1024u * 1024u)

/* mkntfs, mkfs.fat and fsck.fat live in the sbin folders a user's PATH
 * may lack, and mtools refuse an image whose geometry is not a floppy's
 * unless told: set once in main, so every command a test runs (and the
 * library) sees the same. */
static inline void t_disk_tools_env(void)
{
    const char *path = getenv("PATH");
    char *p = ost_xasprintf("%s:/usr/sbin:/sbin", path && *path ? path : "/usr/bin:/bin");
    setenv("PATH", p, 1);
    free(p);
    setenv("MTOOLS_SKIP_CHECK", "1", 1);
}

/* Whether the tool is on PATH or in /usr/sbin or /sbin. */
static inline bool t_have_tool(const char *name)
{
    char *cmd = ost_xasprintf("command -v '%s' >/dev/null 2>&1 || test -x '/usr/sbin/%s' || test -x '/sbin/%s'", name,
                              name, name);
    bool ok = system(cmd) == 0;
    free(cmd);
    return ok;
}

/* Whether every tool of the NULL-terminated list is there; the first one
 * missing is named on stderr (with its Debian package) as the reason a
 * test is skipped. */
static inline bool t_have_tools(const char *const *tools, const char *package)
{
    for (size_t i = 0; tools[i]; i++)
        if (!t_have_tool(tools[i])) {
            fprintf(stderr, "skip: %s is not installed (%s)\n", tools[i], package);
            return false;
        }
    return true;
}

/* Runs a shell command made as printf makes text: its exit status, -1
 * when it did not exit. */
static inline int t_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int t_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = ost_xvasprintf(fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    free(cmd);
    return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* The stdout of a shell command, NUL-terminated (caller frees); its exit
 * status (-1 when it did not exit) in *rc and its length in *len, each
 * when not NULL. */
static inline char *t_sh_out(int *rc, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static inline char *t_sh_out(int *rc, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = ost_xvasprintf(fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    free(cmd);
    assert_non_null(p);
    struct ost_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        ost_buf_add(&b, chunk, n);
    int status = pclose(p);
    if (rc)
        *rc = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (len)
        *len = b.len;
    return ost_buf_steal(&b);
}

/* The whole file, at most max bytes (the test fails otherwise). */
static inline uint8_t *t_read_all(const char *path, size_t max, size_t *n)
{
    uint8_t *data;
    struct ost_error err;
    assert_ost_ok(ost_read_file(path, max, &data, n, &err), &err);
    return data;
}

/* Whether one task's /proc stat file says it has ended: missing, or a
 * zombie (Z) or dead (X). */
static inline bool t_task_ended(const char *stat_path)
{
    FILE *f = fopen(stat_path, "r");
    if (!f)
        return true;
    char line[512] = "";
    bool ended = !fgets(line, sizeof line, f);
    fclose(f);
    char *end = strrchr(line, ')');
    return ended || (end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X'));
}

/* Whether a process is gone or only a zombie, so that its files, and so
 * its image locks, are closed. Every thread is looked at, not the leader
 * alone: a killed multi-threaded process's leader can be a zombie while
 * its other threads are still exiting and hold the shared file table. */
static inline bool t_process_gone(pid_t pid)
{
    char *task_dir = ost_xasprintf("/proc/%ld/task", (long)pid);
    DIR *d = opendir(task_dir);
    bool gone = true;
    if (d) {
        struct dirent *e;
        while (gone && (e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char *stat_path = ost_xasprintf("%s/%s/stat", task_dir, e->d_name);
            gone = t_task_ended(stat_path);
            free(stat_path);
        }
        closedir(d);
    } else {
        char *stat_path = ost_xasprintf("/proc/%ld/stat", (long)pid);
        gone = t_task_ended(stat_path);
        free(stat_path);
    }
    free(task_dir);
    return gone;
}

static inline bool t_files_equal(const char *a, const char *b)
{
    return t_sh("cmp -s '%s' '%s'", a, b) == 0;
}

/* Waits up to 30 s for pid to be gone (t_process_gone); the test fails
 * when it is not. */
static inline void t_wait_gone(pid_t pid)
{
    for (int i = 0; i < 3000 && !t_process_gone(pid); i++)
        usleep(10000);
    assert_true(t_process_gone(pid));
}

/* Whether qemu-img and qemu-nbd (and with_qemu_io, qemu-io) are there;
 * when not, says the test is skipped. */
static inline bool t_have_qemu(bool with_qemu_io)
{
    if (ost_qemu_available() && (!with_qemu_io || t_have_tool("qemu-io")))
        return true;
    fprintf(stderr, "skip: qemu-img, qemu-nbd%s is not installed (qemu-utils)\n", with_qemu_io ? " or qemu-io" : "");
    return false;
}

/* A qemu-nbd holding image open for writing, as a running VM's qemu
 * does, started with --fork so that it is not our child (its socket and
 * pid file in dir): its pid. */
static inline pid_t t_hold_disk(const char *dir, const char *image, const char *format)
{
    char *pidfile = ost_path_join(dir, "holder.pid"), *sock = ost_path_join(dir, "holder.sock");
    assert_int_equal(t_sh("qemu-nbd -f %s --fork --pid-file='%s' --socket='%s' '%s'", format, pidfile, sock, image), 0);
    size_t n;
    char *pid_text = (char *)t_read_all(pidfile, 64, &n);
    pid_t pid = (pid_t)atol(pid_text);
    free(pid_text), free(pidfile), free(sock);
    assert_true(pid > 0);
    return pid;
}

/* A blockio over another that counts what passes through it and, from
 * write number fail_from on (0 the first; -1 never), fails every write
 * with "injected write failure". */
struct t_spy {
    const struct ost_blockio *inner;
    long fail_from;
    uint64_t written, writes, flushes;
    unsigned failures;
};

static inline ost_status t_spy_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct t_spy *s = ctx;
    return ost_blockio_read(s->inner, buf, len, off, err);
}

static inline ost_status t_spy_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct t_spy *s = ctx;
    if (s->fail_from >= 0 && s->writes >= (uint64_t)s->fail_from) {
        s->failures++;
        return ost_fail(err, OST_ERR_IO, "%s: injected write failure at offset %llu", s->inner->name,
                        (unsigned long long)off);
    }
    s->written += len;
    s->writes++;
    return ost_blockio_write(s->inner, buf, len, off, err);
}

static inline ost_status t_spy_flush(void *ctx, struct ost_error *err)
{
    struct t_spy *s = ctx;
    s->flushes++;
    return ost_blockio_flush(s->inner, err);
}

static inline struct ost_blockio t_spy_over(struct t_spy *s, const struct ost_blockio *inner, long fail_from)
{
    *s = (struct t_spy){.inner = inner, .fail_from = fail_from};
    struct ost_blockio b = {.pread = t_spy_pread, .pwrite = inner->pwrite ? t_spy_pwrite : NULL,
                            .flush = t_spy_flush, .ctx = s, .size = inner->size};
    snprintf(b.name, sizeof b.name, "%s", inner->name);
    return b;
}

#endif
