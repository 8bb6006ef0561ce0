/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * nbdblock.h — a virtual disk's bytes as a blockio (blockio.h), served by
 * qemu-nbd (Debian qemu-utils) and read and written with libnbd.
 *
 * qemu-nbd is started by this module, not by libnbd's socket activation
 * helper (which discards the server's exit status and stderr): a listening
 * Unix socket in a private 0700 directory is handed to it as systemd
 * socket activation does (LISTEN_FDS=1, LISTEN_PID, fd 3), its stderr goes
 * to a file read back on failure, and it is told to die with us
 * (PR_SET_PDEATHSIG), so a killed command leaves no server holding the
 * image. The format is always given (-f; see qemuimg.h); the cache mode is
 * qemu's default writeback, and flush is explicit, except for a caller
 * that syncs the file itself after the server exits (caller_syncs).
 *
 * Reads of up to 64 KiB are served from a cache of 64 KiB lines (at most
 * 8 MiB) that writes keep equal to what the server holds; a flush empties
 * it, so a read after a flush reaches the server.
 *
 * NBD requests are capped at 32 MiB (the NBD protocol, "Request
 * constraints", https://github.com/NetworkBlockDevice/nbd/blob/master/doc/proto.md):
 * larger ones are split. A request not aligned to the export's minimum
 * block size (VHDX advertises 512) is done as read-modify-write of the
 * blocks it touches.
 */
#ifndef OST_NBDBLOCK_H
#define OST_NBDBLOCK_H

#ifndef OST_BUILDING_LIBRARY
#error "nbdblock.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "blockio.h"
#include "error.h"

struct ost_nbd_options {
    const char *format;     /* qemu's name; required */
    bool writable;          /* else qemu-nbd --read-only */
    /* A window of the image only (qemu's raw driver offset= and size=):
     * size 0 for the whole image */
    uint64_t offset, size;
    const char *name;       /* for messages; NULL: the image path */
};

/* Starts qemu-nbd on image and connects; out->close kills it. A disk
 * another qemu holds: OST_ERR_IO "the disk is in use (is its VM
 * running?)", with qemu's words after it. */
ost_status ost_nbd_open(const char *image, const struct ost_nbd_options *o, struct ost_blockio *out,
                        struct ost_error *err);
/* Flushes, disconnects and waits for qemu-nbd to exit, reporting a
 * non-zero exit with its stderr; then clears *b (as ost_blockio_close). */
ost_status ost_nbd_finish(struct ost_blockio *b, struct ost_error *err);

#endif
