/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ntfsfs.h — files on an NTFS volume reached through a blockio (a
 * partition of a virtual disk), with libntfs-3g: a custom
 * struct ntfs_device_operations over the blockio, mounted as ntfs_mount
 * would (ntfs_create_lru_caches and all), case-insensitive as Windows
 * opens files.
 *
 * Refused at open, with the reason and the way out:
 *  - not NTFS, or a boot sector whose geometry is impossible (bytes per
 *    sector not 512..4096 power of two, sectors per cluster bad, MFT past
 *    the end): OST_ERR_CORRUPT;
 *  - BitLocker ("-FVE-FS-" OEM ID): OST_ERR_UNSUPPORTED, "decrypt it in
 *    Windows (manage-bde -off) first";
 *  - hibernated (hiberfil.sys begins "hibr"/"HIBR"/"wake"/"WAKE", which
 *    ntfs-3g refuses): "Windows is hibernated; boot it and shut down fully";
 *  - the volume's dirty flag set (ntfs-3g would mount it; Windows would
 *    run chkdsk): "the volume was not shut down cleanly; boot Windows and
 *    shut it down, or run chkdsk", unless allow_dirty.
 * A path through a reparse point (junction, symbolic link, WOF-compressed
 * file) is not followed: stat says -1, reading or writing says why.
 *
 * New files and folders get what Windows would give them there: the
 * security descriptor inherited from their folder, computed by secdesc.h
 * ("ACE Inheritance Rules",
 * https://learn.microsoft.com/en-us/windows/win32/secauthz/ace-inheritance-rules:
 * INHERITED_ACE, SE_DACL_AUTO_INHERITED, generic rights and CREATOR
 * OWNER/GROUP mapped, an inherited SACL), owned by Administrators as an
 * administrator's new file is, and FILE_ATTRIBUTE_ARCHIVE (a folder none);
 * a replaced file keeps its descriptor and attributes, and only its data
 * changes.
 */
#ifndef OST_NTFSFS_H
#define OST_NTFSFS_H

#ifndef OST_BUILDING_LIBRARY
#error "ntfsfs.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockio.h"
#include "error.h"
#include "util.h"

struct ost_ntfsfs;

/* What the boot sector and $Volume say, without mounting for writing. */
struct ost_ntfs_probe {
    bool is_ntfs;           /* "NTFS    " OEM ID and a sane BPB */
    bool bitlocker;         /* "-FVE-FS-" */
    bool hibernated, dirty; /* filled when is_ntfs and the volume could be read */
    char label[128];        /* $Volume name, UTF-8 */
    uint64_t size;          /* bytes, from the boot sector */
};

/* Never fails on content: a volume that is not NTFS has is_ntfs false.
 * Fails only when vol cannot be read. */
ost_status ost_ntfsfs_probe(const struct ost_blockio *vol, struct ost_ntfs_probe *out, struct ost_error *err);

/* vol must outlive the handle. writable needs vol->pwrite. */
ost_status ost_ntfsfs_open(const struct ost_blockio *vol, bool writable, bool allow_dirty, struct ost_ntfsfs **out,
                           struct ost_error *err);
/* paths are '\'-separated from the volume root, case-insensitive.
 * 0 absent, 1 file, 2 directory, -1 something else (a reparse point on
 * the way, a special file). */
int ost_ntfsfs_stat(struct ost_ntfsfs *fs, const char *path);
ost_status ost_ntfsfs_read_file(struct ost_ntfsfs *fs, const char *path, size_t max_size, uint8_t **data,
                                size_t *size, struct ost_error *err);
/* Copies a file's content to the local file dest (created); larger than
 * max_size: OST_ERR_LIMIT before anything is copied. */
ost_status ost_ntfsfs_extract(struct ost_ntfsfs *fs, const char *path, uint64_t max_size, const char *dest,
                              struct ost_error *err);
/* The names in a folder as stored (long names; DOS 8.3 aliases left out). */
ost_status ost_ntfsfs_list_dir(struct ost_ntfsfs *fs, const char *path, struct ost_strlist *names,
                               struct ost_error *err);
/* path := the bytes of local file source: replaced in place (keeping its
 * descriptor and attributes) or created, with missing folders, as above. */
ost_status ost_ntfsfs_write_file(struct ost_ntfsfs *fs, const char *path, const char *source, struct ost_error *err);
ost_status ost_ntfsfs_remove_file(struct ost_ntfsfs *fs, const char *path, struct ost_error *err);
/* Removes an empty folder; one that is not empty is left, and OST_OK. */
ost_status ost_ntfsfs_remove_dir(struct ost_ntfsfs *fs, const char *path, struct ost_error *err);
/* The self-relative security descriptor of path (malloc'd), and setting
 * one (checked by libntfs-3g: OST_ERR_USAGE when malformed). */
ost_status ost_ntfsfs_get_descriptor(struct ost_ntfsfs *fs, const char *path, uint8_t **sd, size_t *n,
                                    struct ost_error *err);
ost_status ost_ntfsfs_set_descriptor(struct ost_ntfsfs *fs, const char *path, const uint8_t *sd, size_t n,
                                    struct ost_error *err);
/* Unmounts (writing everything libntfs-3g holds) and flushes vol;
 * reports what failed. The handle is freed either way. */
ost_status ost_ntfsfs_close(struct ost_ntfsfs *fs, struct ost_error *err);

#endif
