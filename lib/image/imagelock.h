/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * imagelock.h — one writer or many readers per image, across processes.
 *
 * A command holds its image's lock from before it reads anything until it
 * has committed (or given up), so two commands never interleave a
 * read-modify-write and lose an update, and a reader never sees a commit
 * half done.
 *
 *  - A directory image is locked with flock(2) on its root directory: the
 *    lock lives on the directory's inode and leaves no file in the image
 *    (a Windows volume must not gain a lock file at its root).
 *  - A WIM file is locked with an open-file-description record lock
 *    (fcntl F_OFD_SETLK) over the whole file. libwim takes flock(2) on the
 *    same file while it overwrites it; on Linux the two kinds of lock are
 *    independent, so ours neither blocks nor is broken by libwim's, and
 *    unlike a classic POSIX record lock it is not dropped when libwim
 *    closes one of its own descriptors of the file.
 *
 *  - A virtual disk is locked with flock(2) on the disk file: qemu-img
 *    and qemu-nbd take OFD record locks on bytes of the same file (QEMU's
 *    image locking), which a whole-file record lock of ours would refuse
 *    them; flock and record locks are independent on Linux, so each
 *    excludes only its own kind.
 *
 * A busy lock is retried until OFFSTAGE_LOCK_TIMEOUT seconds have passed
 * (default OST_LOCK_DEFAULT_WAIT; 0 refuses at once), then refused with
 * "in use by another offstage (pid N)", the holder found in /proc.
 * Locks are per process and reentrant: opening the same image again in the
 * same process shares the lock already held.
 */
#ifndef OST_IMAGELOCK_H
#define OST_IMAGELOCK_H

#ifndef OST_BUILDING_LIBRARY
#error "imagelock.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>

#include "error.h"

#define OST_LOCK_DEFAULT_WAIT 30

struct ost_imagelock;

/* Locks the directory open as dirfd (a directory image's root). */
ost_status ost_imagelock_dir(int dirfd, const char *name, bool exclusive, struct ost_imagelock **out,
                             struct ost_error *err);
/* Locks the file at path (a WIM); exclusive needs write access to it. */
ost_status ost_imagelock_file(const char *path, bool exclusive, struct ost_imagelock **out, struct ost_error *err);
/* Locks the disk file at path (a qcow2, VHD, VHDX, VMDK or raw disk). */
ost_status ost_imagelock_disk(const char *path, bool exclusive, struct ost_imagelock **out, struct ost_error *err);
/* Turns a shared lock into an exclusive one (to repair an image found with
 * an interrupted commit) or back; waits as the first lock does. */
ost_status ost_imagelock_set_exclusive(struct ost_imagelock *l, bool exclusive, struct ost_error *err);
bool ost_imagelock_is_exclusive(const struct ost_imagelock *l);
void ost_imagelock_release(struct ost_imagelock *l);

#endif
