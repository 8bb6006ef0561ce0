/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ntfsvol.h — a one-file NTFS volume, the way to give a file added to a WIM
 * the Windows metadata a Linux file cannot carry: libwim's update API takes
 * a new entry's security descriptor and attributes from its source, and
 * adds from an NTFS volume (WIMLIB_ADD_FLAG_NTFS) with them intact. Adding
 * the volume's root over a directory of the image replaces just that file
 * and keeps the directory's own metadata.
 *
 * The volume is made with mkntfs (ntfs-3g) and filled through libntfs-3g.
 */
#ifndef OST_NTFSVOL_H
#define OST_NTFSVOL_H

#ifndef OST_BUILDING_LIBRARY
#error "ntfsvol.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct ost_ntfs_file_meta {
    const void *security_descriptor; /* self-relative; NULL for none */
    size_t security_descriptor_size;
    uint32_t attributes;             /* FILE_ATTRIBUTE_* */
    uint64_t creation_time, last_write_time, last_access_time; /* FILETIME */
};

/* Whether mkntfs is available (otherwise callers fall back). */
bool ost_ntfs_available(void);

/* Creates volume_path: an NTFS volume whose root holds `name` with the
 * bytes of `source` and the given metadata. */
ost_status ost_ntfs_volume_with_file(const char *volume_path, const char *name, const char *source,
                                     const struct ost_ntfs_file_meta *meta, struct ost_error *err);

/* The same with the content read from fd to its end (a pipe, say) and at
 * most `capacity` bytes expected; more fails with OST_ERR_IO. Whatever
 * happens, fd is read to its end, so a writer on a pipe never blocks. */
ost_status ost_ntfs_volume_from_fd(const char *volume_path, const char *name, uint64_t capacity, int fd,
                                   const char *label, const struct ost_ntfs_file_meta *meta, struct ost_error *err);

#endif
