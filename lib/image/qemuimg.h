/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * qemuimg.h — virtual disk files through qemu-img (Debian qemu-utils):
 * what a disk is (format, virtual size, backing file, snapshots,
 * sub-format), and the overlay that makes a command's writes all or
 * nothing: created backed by the disk, checked, then committed into it.
 *
 * Formats are qemu's names: raw, qcow2, vpc (VHD), vhdx, vmdk. The format
 * is always passed explicitly to qemu once known: when qemu probes a raw
 * image itself it refuses writes to its first sector (QEMU docs, "Disk
 * Images": "probing is insecure ... write operations on sector 0 are
 * restricted"), https://www.qemu.org/docs/master/system/images.html.
 *
 * Every run of qemu-img keeps its exit status and stderr; a failure is
 * OST_ERR_IO (OST_ERR_CORRUPT when qemu says the image is malformed)
 * with qemu's own words. An image another qemu holds open for writing
 * (qemu's image locking, "Failed to get ... lock") is reported as "the
 * disk is in use (is its VM running?)".
 *
 * A file name qemu would read as a protocol ("nbd:x", "json:{...}": a
 * colon before any slash) is passed as "./NAME"; commas need no escape in
 * qemu-img's file arguments (only in option strings, nbdblock.c's).
 */
#ifndef OST_QEMUIMG_H
#define OST_QEMUIMG_H

#ifndef OST_BUILDING_LIBRARY
#error "qemuimg.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ost_disk_info {
    char format[16];         /* "raw", "qcow2", "vpc", "vhdx", "vmdk" */
    uint64_t virtual_size;   /* bytes */
    char backing[1024];      /* backing file ("" none): a differencing VHD/VHDX, a qcow2 overlay */
    unsigned snapshots;      /* qcow2 internal snapshots (checkpoints) */
    char subformat[32];      /* vmdk create type ("monolithicSparse", "streamOptimized"), vpc/vhdx "" */
    bool read_only_format;   /* qemu can read but not write it (vmdk streamOptimized) */
};

/* Whether qemu-img and qemu-nbd are installed. */
bool ost_qemu_available(void);

/* The format a file's content says, by magic alone (no qemu run): "qcow2"
 * (QFI\xfb), "vhdx" ("vhdxfile"), "vpc" ("conectix" at the start or in the
 * last 512 bytes), "vmdk" ("KDMV", or a "# Disk DescriptorFile" text);
 * NULL when none of these (a raw disk, or not a disk at all). */
const char *ost_disk_magic_format(const char *path);

/* qemu-img info --output=json [-f format] path. format NULL: qemu probes
 * (raw when it finds nothing). Runs without -U, so a disk a running VM
 * holds is refused as in use. */
ost_status ost_qemu_info(const char *path, const char *format, struct ost_disk_info *out, struct ost_error *err);

/* qemu-img create -f qcow2 -b backing -F backing_format overlay: an empty
 * overlay recording writes over backing, which is then only read. */
ost_status ost_qemu_overlay_create(const char *overlay, const char *backing, const char *backing_format,
                                   struct ost_error *err);
/* qemu-img check -f format path: OST_ERR_CORRUPT with qemu's report when
 * it finds errors or leaks. */
ost_status ost_qemu_check(const char *path, const char *format, struct ost_error *err);
/* qemu-img commit -f qcow2 -d overlay: writes the overlay's clusters into
 * its backing file and keeps the overlay (removed by the caller). Safe to
 * run again after it was interrupted: the overlay is not changed. */
ost_status ost_qemu_commit(const char *overlay, struct ost_error *err);
/* qemu-img check -r leaks -f qcow2 path: frees the clusters a killed
 * qemu-img commit had allocated but not yet referenced (the commit run again
 * allocates new ones); only unreferenced clusters are touched. */
ost_status ost_qemu_repair_leaks(const char *path, struct ost_error *err);
/* qemu-img check -r all -f vhdx path: replays the metadata log a killed
 * qemu-img commit left in a VHDX disk. The log is the format's own redo
 * record of its metadata writes ([MS-VHDX], "Log"): replaying it
 * applies each whole entry or none, so it is safe to repeat; qemu opens a
 * VHDX holding a log read-only only after it is replayed, and qemu-img
 * commit opens the backing file read-only first. */
ost_status ost_qemu_replay_vhdx_log(const char *path, struct ost_error *err);
/* qemu-img convert -f src_format -O dst_format src dst; dst_options for
 * -o ("subformat=dynamic"), may be NULL. */
ost_status ost_qemu_convert(const char *src, const char *src_format, const char *dst, const char *dst_format,
                            const char *dst_options, struct ost_error *err);
/* qemu-img rebase -u -b backing -F backing_format overlay: points an
 * overlay at its backing file by another name (unsafe mode: no data
 * copied), for an --output overlay whose backing is named as given. */
ost_status ost_qemu_rebase_unsafe(const char *overlay, const char *backing, const char *backing_format,
                                  struct ost_error *err);

/* What qemu-img and qemu-nbd share (nbdblock.c runs qemu-nbd). */

/* The tool's path found on $PATH (then /usr/bin, /bin), or NULL. */
const char *ost_qemu_tool_path(const char *tool);
/* Fills err from a qemu tool's stderr: the lock messages become "NAME:
 * the disk is in use (is its VM running?): <qemu's first line>"
 * (OST_ERR_IO); words that say the image is malformed OST_ERR_CORRUPT;
 * anything else OST_ERR_IO, always with qemu's words. */
ost_status ost_qemu_fail(struct ost_error *err, const char *name, const char *tool, const char *qemu_stderr,
                         int exit_status);
/* path, or "./path" when qemu would read it as a protocol; *owned is
 * what the caller frees (NULL when path is returned). */
const char *ost_qemu_filename(const char *path, char **owned);
/* The environment for a qemu tool (ours with LC_ALL=C, so its messages are
 * the English ones matched here, and no LISTEN_* variables), with `extra`
 * NULL slots free at its end; the caller frees the array, not the strings. */
char **ost_qemu_environment(size_t extra);

#endif
