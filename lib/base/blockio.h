/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * blockio.h — a range of bytes read and written by offset: a whole disk
 * served by qemu-nbd (nbdblock.h), one partition of it (a window onto
 * another blockio), or a plain file (tests, partition images). The
 * partition-table reader, the NTFS and FAT volume code all work on this,
 * so each is tested on a file and used on a disk unchanged.
 *
 * Reads and writes are whole: a short transfer is an error, never a
 * partial result. Offsets and lengths are bytes; a request past `size` is
 * refused (OST_ERR_CORRUPT, naming the offset), so a table or boot sector
 * that points outside the disk or the partition never reaches the device.
 */
#ifndef OST_BLOCKIO_H
#define OST_BLOCKIO_H

#ifndef OST_BUILDING_LIBRARY
#error "blockio.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ost_blockio {
    ost_status (*pread)(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err);
    /* NULL when read-only */
    ost_status (*pwrite)(void *ctx, const void *buf, size_t len, uint64_t off, struct ost_error *err);
    /* makes every write so far durable; may be NULL when there is nothing to do */
    ost_status (*flush)(void *ctx, struct ost_error *err);
    void (*close)(void *ctx);   /* may be NULL */
    void *ctx;
    uint64_t size;              /* bytes */
    char name[512];             /* for messages: "win7.qcow2", "win7.qcow2 partition 2" */
};

/* Bounds-checked calls through the interface. */
ost_status ost_blockio_read(const struct ost_blockio *b, void *buf, size_t len, uint64_t off, struct ost_error *err);
ost_status ost_blockio_write(const struct ost_blockio *b, const void *buf, size_t len, uint64_t off,
                             struct ost_error *err);
ost_status ost_blockio_flush(const struct ost_blockio *b, struct ost_error *err);
/* Calls close (when set) and clears *b. */
void ost_blockio_close(struct ost_blockio *b);

/* A plain file (writable: opened O_RDWR). */
ost_status ost_blockio_open_file(const char *path, bool writable, struct ost_blockio *out, struct ost_error *err);

/* [offset, offset+size) of parent, which must outlive it; refused when the
 * window does not lie inside the parent. `name` is for messages. */
ost_status ost_blockio_window(const struct ost_blockio *parent, uint64_t offset, uint64_t size, const char *name,
                              struct ost_blockio *out, struct ost_error *err);

#endif
