/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "blockio.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static ost_status check_range(const struct ost_blockio *b, size_t len, uint64_t off, const char *what,
                              struct ost_error *err)
{
    if (off > b->size || len > b->size - off)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: %s of %zu bytes at offset %llu is past its end (%llu bytes)", b->name, what, len,
                        (unsigned long long)off, (unsigned long long)b->size);
    return OST_OK;
}

ost_status ost_blockio_read(const struct ost_blockio *b, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    ost_status st = check_range(b, len, off, "a read", err);
    if (st != OST_OK || len == 0)
        return st;
    return b->pread(b->ctx, buf, len, off, err);
}

ost_status ost_blockio_write(const struct ost_blockio *b, const void *buf, size_t len, uint64_t off,
                             struct ost_error *err)
{
    if (!b->pwrite)
        return ost_fail(err, OST_ERR_IO, "%s: opened read-only", b->name);
    ost_status st = check_range(b, len, off, "a write", err);
    if (st != OST_OK || len == 0)
        return st;
    return b->pwrite(b->ctx, buf, len, off, err);
}

ost_status ost_blockio_flush(const struct ost_blockio *b, struct ost_error *err)
{
    return b->flush ? b->flush(b->ctx, err) : OST_OK;
}

void ost_blockio_close(struct ost_blockio *b)
{
    if (b->close)
        b->close(b->ctx);
    *b = (struct ost_blockio){0};
}

/* ---- a plain file ---------------------------------------------------------- */

struct file_ctx {
    int fd;
    char path[512];
};

static ost_status file_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct file_ctx *f = ctx;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(f->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ost_fail(err, OST_ERR_IO, "%s: cannot read at offset %llu: %s", f->path, (unsigned long long)off,
                            n < 0 ? strerror(errno) : "unexpected end of file");
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return OST_OK;
}

static ost_status file_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct file_ctx *f = ctx;
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(f->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ost_fail(err, OST_ERR_IO, "%s: cannot write at offset %llu: %s", f->path,
                            (unsigned long long)off, n < 0 ? strerror(errno) : "nothing written");
        p += n, len -= (size_t)n, off += (uint64_t)n;
    }
    return OST_OK;
}

static ost_status file_flush(void *ctx, struct ost_error *err)
{
    struct file_ctx *f = ctx;
    if (fsync(f->fd) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot sync: %s", f->path, strerror(errno));
    return OST_OK;
}

static void file_close(void *ctx)
{
    struct file_ctx *f = ctx;
    close(f->fd);
    free(f);
}

ost_status ost_blockio_open_file(const char *path, bool writable, struct ost_blockio *out, struct ost_error *err)
{
    *out = (struct ost_blockio){0};
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: not a regular file", path);
    }
    struct file_ctx *f = ost_xcalloc(1, sizeof *f);
    f->fd = fd;
    snprintf(f->path, sizeof f->path, "%s", path);
    out->pread = file_pread;
    out->pwrite = writable ? file_pwrite : NULL;
    out->flush = file_flush;
    out->close = file_close;
    out->ctx = f;
    out->size = (uint64_t)sb.st_size;
    snprintf(out->name, sizeof out->name, "%s", path);
    return OST_OK;
}

/* ---- a window onto another blockio ----------------------------------------- */

struct window_ctx {
    const struct ost_blockio *parent;
    uint64_t offset;
};

static ost_status window_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct window_ctx *w = ctx;
    return ost_blockio_read(w->parent, buf, len, w->offset + off, err);
}

static ost_status window_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct window_ctx *w = ctx;
    return ost_blockio_write(w->parent, buf, len, w->offset + off, err);
}

static ost_status window_flush(void *ctx, struct ost_error *err)
{
    struct window_ctx *w = ctx;
    return ost_blockio_flush(w->parent, err);
}

ost_status ost_blockio_window(const struct ost_blockio *parent, uint64_t offset, uint64_t size, const char *name,
                              struct ost_blockio *out, struct ost_error *err)
{
    *out = (struct ost_blockio){0};
    if (offset > parent->size || size > parent->size - offset)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: %s (offset %llu, %llu bytes) lies past its end (%llu bytes)",
                        parent->name, name, (unsigned long long)offset, (unsigned long long)size,
                        (unsigned long long)parent->size);
    struct window_ctx *w = ost_xcalloc(1, sizeof *w);
    w->parent = parent;
    w->offset = offset;
    out->pread = window_pread;
    out->pwrite = parent->pwrite ? window_pwrite : NULL;
    out->flush = window_flush;
    out->close = free;
    out->ctx = w;
    out->size = size;
    snprintf(out->name, sizeof out->name, "%s", name);
    return OST_OK;
}
