/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * disk.h — an installed Windows inside a virtual disk (qcow2, VHD, VHDX,
 * VMDK, raw), serviced without attaching or mounting it: qemu-nbd serves
 * its bytes (nbdblock.h), our reader finds its partitions (parttable.h),
 * libntfs-3g and mtools read and write its volumes (ntfsfs.h, fatfs.h).
 *
 * All or nothing, as SQLite's rollback journal makes a write atomic
 * ("Atomic Commit In SQLite", https://www.sqlite.org/atomiccommit.html),
 * with a qcow2 overlay as the redo log:
 *   1. every write of a command goes into DIR/.NAME.offstage-overlay.qcow2,
 *      a qcow2 overlay backed by the disk, which qemu only reads;
 *   2. the overlay is read back (what was written), checked with
 *      `qemu-img check` and synced;
 *   3. renaming it to DIR/.NAME.offstage-commit.qcow2 is the commit point;
 *   4. `qemu-img commit -d` writes its clusters into the disk, then it is
 *      removed.
 * A command stopped before 3 leaves the disk byte-identical; the next one
 * removes the overlay. Stopped after 3, the next command that opens the
 * disk runs 4 again first (writing the same clusters again is harmless)
 * and says so. The disk's lock (imagelock.h) is held from before any read
 * until the end, so two commands never interleave.
 *
 * With --output NEW the disk is only read: NEW is the overlay itself
 * (backed by the disk, by its absolute path), or with --output-format a
 * whole copy converted from it; written to a temporary beside NEW and
 * renamed into place.
 *
 * Refused, with the reason and the way out: a differencing disk (it has a
 * backing file), a disk with snapshots (checkpoints) to write, a
 * streamOptimized VMDK to write in place, a disk a running VM holds,
 * BitLocker, dynamic (LDM) disks, Storage Spaces, hibernated and dirty
 * volumes (ntfsfs.h).
 */
#ifndef OST_DISK_H
#define OST_DISK_H

#ifndef OST_BUILDING_LIBRARY
#error "disk.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "blockio.h"
#include "error.h"
#include "image.h"
#include "parttable.h"
#include "target.h"
#include "util.h"

/* Whether path's content is a virtual disk: a qcow2, VHD, VHDX or VMDK
 * header, or a raw disk (an MBR or GPT, or an NTFS boot sector). */
bool ost_is_disk_file(const char *path);
/* When path's name says a disk format (.qcow2, .vhd, .img, ...) that its
 * content is not, why, for the message that it is no disk (a damaged
 * header reads as no disk at all); else NULL. Owned by the caller. */
char *ost_disk_name_mismatch(const char *path);

/* One of the disk's partitions, as listed when the Windows volume must be
 * chosen. */
struct ost_disk_volume_info {
    unsigned number;
    uint64_t offset, size;
    ost_part_role role;
    char label[128];
    char filesystem[16];   /* "NTFS", "FAT", "BitLocker", "" unknown */
    bool has_windows;      /* Windows\System32\config\SYSTEM */
    char windows[1024];    /* "Windows 7 Professional 6.1.7601", or why it is not read */
    char boot_store[64];   /* "Boot\BCD", "EFI\Microsoft\Boot\BCD", "" */
};

struct ost_disk_session;

ost_status ost_disk_session_open(const char *path, const struct ost_disk_options *o, bool writable, bool allow_dirty,
                                 struct ost_disk_session **out, struct ost_error *err);
/* What opening found and did (a stopped commit finished, an overlay
 * removed, which partition is used), one line each. */
const struct ost_strlist *ost_disk_session_notices(const struct ost_disk_session *s);
/* The target of the chosen Windows volume; owned by the caller (closed
 * before the session). Its boot_stores name the disk's BCD stores. */
ost_status ost_disk_target(struct ost_disk_session *s, struct ost_target **out, struct ost_error *err);
/* Writes the committed target's changes into the disk (or --output), as
 * above. Nothing to do when nothing was written. */
ost_status ost_disk_session_commit(struct ost_disk_session *s, struct ost_error *err);
void ost_disk_session_close(struct ost_disk_session *s);
/* After reading the disk failed: when qemu-img check finds its container
 * damaged (a truncated qcow2 reads as zeros where clusters are missing, so
 * the failure names a hive or a partition table), err is rewritten to say
 * so, keeping what failed. Run only after a failure: the check reads all
 * the metadata. Nothing for a raw disk. */
void ost_disk_session_explain(const struct ost_disk_session *s, struct ost_error *err);

/* ---- target_disk.c: the target over the disk's volumes ------------------- */

struct ost_disk_target_volume {
    unsigned number;       /* partition number; 0 for a disk without a table */
    uint64_t offset, size;
    bool fat;              /* an EFI system partition (FAT); else NTFS */
};

/* The target of the Windows volume vols[windows] of disk, whose other
 * volumes are reached as "<volume N>\...". disk must outlive it (its
 * bytes may be replaced between ost_disk_target_detach and the next
 * access). */
ost_status ost_disk_target_create(struct ost_blockio *disk, const struct ost_disk_target_volume *vols, size_t nvols,
                                  size_t windows, const char *name, bool writable, bool allow_dirty,
                                  struct ost_target **out, struct ost_error *err);
/* Unmounts every volume (the disk is about to be served anew); they are
 * opened again when next used. */
ost_status ost_disk_target_detach(struct ost_target *t, struct ost_error *err);
/* Whether commit wrote anything to the disk. */
bool ost_disk_target_wrote(const struct ost_target *t);

#endif
