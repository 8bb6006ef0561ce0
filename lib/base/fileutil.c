/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fileutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "util.h"

const char *ost_file_kind(unsigned mode)
{
    return S_ISREG(mode) ? "a file"
         : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISSOCK(mode) ? "a socket"
         : S_ISDIR(mode)  ? "a folder"
         : S_ISLNK(mode)  ? "a symbolic link" : "a special file";
}

static ost_status refuse_kind(const char *path, mode_t mode, struct ost_error *err)
{
    return ost_fail(err, OST_ERR_IO, "%s: not a regular file (%s); give a file", path, ost_file_kind(mode));
}

int ost_open_input(const char *path, int extra_flags, struct ost_error *err)
{
    struct stat st;
    /* devices are refused before they are opened: opening some has effects
     * (a tape rewinds, a terminal becomes ours) */
    bool nofollow = (extra_flags & O_NOFOLLOW) != 0;
    if ((nofollow ? lstat(path, &st) : stat(path, &st)) == 0 && !S_ISREG(st.st_mode)) {
        refuse_kind(path, st.st_mode, err);
        return -1;
    }
    /* O_NONBLOCK so that a FIFO swapped in since is not waited on either;
     * fstat below refuses it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | extra_flags);
    if (fd < 0) {
        ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        ost_fail(err, OST_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (!S_ISREG(st.st_mode) || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        if (!S_ISREG(st.st_mode))
            refuse_kind(path, st.st_mode, err);
        else
            ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

ost_status ost_check_input_file(const char *path, struct ost_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return S_ISREG(st.st_mode) ? OST_OK : refuse_kind(path, st.st_mode, err);
}

ost_status ost_read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
                         struct ost_error *err)
{
    *data = NULL;
    *size = 0;
    int fd = ost_open_input(path, 0, err);
    if (fd < 0)
        return OST_ERR_IO;
    return ost_read_fd(fd, path, max_size, data, size, err);
}

ost_status ost_read_fd(int fd, const char *name, size_t max_size, uint8_t **data, size_t *size,
                       struct ost_error *err)
{
    *data = NULL;
    *size = 0;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot stat: %s", name, strerror(e));
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max_size) {
        close(fd);
        return ost_fail(err, OST_ERR_LIMIT, "%s: file is %lld bytes; the limit for this kind of file is %zu",
                        name, (long long)st.st_size, max_size);
    }
    size_t want = (size_t)st.st_size, got = 0;
    uint8_t *buf = ost_xmalloc(want + 1);
    while (got < want) {
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != want) {
        free(buf);
        return ost_fail(err, OST_ERR_IO, "%s: read %zu of %zu bytes", name, got, want);
    }
    buf[got] = 0;
    *data = buf;
    *size = got;
    return OST_OK;
}

char *ost_path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    if (n == 0)
        return ost_xstrdup(name);
    return ost_xasprintf("%s%s%s", dir, dir[n - 1] == '/' ? "" : "/", name);
}

const char *ost_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *ost_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ost_xstrdup(".");
    if (slash == path)
        return ost_xstrdup("/");
    return ost_xstrndup(path, (size_t)(slash - path));
}

bool ost_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool ost_is_regular_file(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *ost_find_ci(const char *dir, const char *name)
{
    char *exact = ost_path_join(dir, name);
    struct stat st;
    if (lstat(exact, &st) == 0)
        return S_ISLNK(st.st_mode) ? (free(exact), NULL) : exact;
    free(exact);
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (ost_streq_ci(e->d_name, name)) {
            found = ost_path_join(dir, e->d_name);
            break;
        }
    }
    closedir(d);
    if (found && (lstat(found, &st) != 0 || S_ISLNK(st.st_mode))) {
        free(found);
        found = NULL;
    }
    return found;
}

static long long fault_budget(void)
{
    static long long budget = -2;
    if (budget == -2) {
        const char *v = getenv("OFFSTAGE_FAULT_ENOSPC_AFTER");
        uint64_t n;
        budget = ost_parse_uint(v, 0, INT64_MAX, &n) ? (long long)n : -1;
    }
    return budget;
}

int ost_write_all(int fd, const void *buf, size_t n)
{
    static long long written;
    const char *p = buf;
    long long budget = fault_budget();
    while (n) {
        size_t chunk = n;
        if (budget >= 0) {
            if (written >= budget) {
                errno = ENOSPC;
                return -1;
            }
            if ((long long)chunk > budget - written)
                chunk = (size_t)(budget - written);
        }
        ssize_t w = write(fd, p, chunk);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        written += w;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static ost_status copy_file(const char *from, const char *to, bool sync, struct ost_error *err)
{
    int in = ost_open_input(from, O_NOFOLLOW, err);
    if (in < 0)
        return OST_ERR_IO;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", to, strerror(e));
    }
    char buf[65536];
    ost_status st = OST_OK;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: read error: %s", from, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        if (ost_write_all(out, buf, (size_t)r) != 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", to, strerror(errno));
            break;
        }
    }
    if (st == OST_OK && sync && fsync(out) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot sync: %s", to, strerror(errno));
    close(in);
    if (close(out) != 0 && st == OST_OK)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", to, strerror(errno));
    if (st != OST_OK)
        unlink(to);
    return st;
}

ost_status ost_copy_file(const char *from, const char *to, struct ost_error *err)
{
    return copy_file(from, to, true, err);
}

ost_status ost_copy_scratch_file(const char *from, const char *to, struct ost_error *err)
{
    return copy_file(from, to, false, err);
}

void ost_rm_rf(const char *path)
{
    struct stat st;
    if (!path || lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *child = ost_path_join(path, e->d_name);
            ost_rm_rf(child);
            free(child);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

char *ost_safe_relative_path(const char *path)
{
    if (!path)
        return NULL;
    if (path[0] && path[1] == ':')
        return NULL;
    if (path[0] == '/' || (path[0] == '\\' && path[1] == '\\'))
        return NULL;
    struct ost_buf out = {0};
    const char *p = path;
    while (*p) {
        while (*p == '\\' || *p == '/')
            p++;
        const char *start = p;
        while (*p && *p != '\\' && *p != '/')
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0 || (n == 1 && start[0] == '.'))
            continue;
        bool dots = true;
        for (size_t i = 0; i < n; i++)
            dots = dots && start[i] == '.';
        if (dots) { /* "..", and "..." which Windows also treats as a parent */
            ost_buf_free(&out);
            return NULL;
        }
        if (out.len)
            ost_buf_addc(&out, '/');
        ost_buf_add(&out, start, n);
    }
    return ost_buf_steal(&out);
}

void ost_drain_fd(int fd)
{
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        ;
}

ost_status ost_write_new_file(const char *path, const void *data, size_t n, struct ost_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ost_write_all(fd, data, n) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(e));
    }
    if (close(fd) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    return OST_OK;
}

ost_status ost_write_temp_beside(const char *final, const void *data, size_t size, unsigned mode, char **tmp_out,
                                 struct ost_error *err)
{
    struct stat old;
    if (mode == OST_MODE_KEEP)
        mode = stat(final, &old) == 0 ? old.st_mode & 07777 : 0644;
    char *tmp = ost_xasprintf("%s.offstage-XXXXXX", final);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ost_status st = ost_fail(err, OST_ERR_IO, "%s: cannot create a temporary next to it: %s", final,
                                 strerror(errno));
        free(tmp);
        return st;
    }
    int failed = fchmod(fd, (mode_t)mode) != 0 || ost_write_all(fd, data, size) != 0 || fsync(fd) != 0;
    int e = errno;
    if (close(fd) != 0 && !failed)
        failed = 1, e = errno;
    if (failed) {
        unlink(tmp);
        free(tmp);
        return ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", final, strerror(e));
    }
    *tmp_out = tmp;
    return OST_OK;
}

ost_status ost_rename_into_place(const char *tmp, const char *final, struct ost_error *err)
{
    if (rename(tmp, final) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot rename %s into place: %s", final, tmp, strerror(errno));
    ost_interrupt_note_written(); /* a Ctrl-C from now on must not say "nothing was changed" */
    /* the new file is in place either way; a folder that cannot be synced
     * (some file systems refuse) only loses durability, not the change */
    char *dir = ost_path_dirname(final);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
    return OST_OK;
}

ost_status ost_replace_file(const char *path, const void *data, size_t size, unsigned mode, struct ost_error *err)
{
    char *tmp;
    ost_status st = ost_write_temp_beside(path, data, size, mode, &tmp, err);
    if (st != OST_OK)
        return st;
    st = ost_rename_into_place(tmp, path, err);
    if (st != OST_OK)
        unlink(tmp);
    free(tmp);
    return st;
}

ost_status ost_sync_path(const char *path, struct ost_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot sync: %s", path, strerror(e));
    }
    close(fd);
    return OST_OK;
}
