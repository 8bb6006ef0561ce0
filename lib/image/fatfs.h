/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fatfs.h — files on a FAT volume (the EFI system partition holding
 * EFI\Microsoft\Boot\BCD), read and replaced with mtools, which works on
 * an image file, not a device: the volume's bytes are copied to a scratch
 * file, mtools reads or changes the copy, and only the sectors that
 * differ are written back through the blockio (the disk's overlay), after
 * the copy was checked with `fsck.fat -n` (dosfstools) when present.
 *
 * The FAT rules are mtools'; this module owns only the copy-in/copy-out
 * and the checks around it. UEFI Specification 2.10, 13.3 "File System
 * Format": an ESP is FAT12/16/32.
 */
#ifndef OST_FATFS_H
#define OST_FATFS_H

#ifndef OST_BUILDING_LIBRARY
#error "fatfs.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockio.h"
#include "error.h"

struct ost_fatfs;

/* Whether mtools (mcopy, mdir, mdel) is installed. */
bool ost_fatfs_available(void);

/* Copies vol's bytes to a file in scratch_dir and checks it is FAT (boot
 * sector signature, a BPB mtools accepts). Not a FAT volume:
 * OST_ERR_UNSUPPORTED. vol must outlive the handle. */
ost_status ost_fatfs_open(const struct ost_blockio *vol, const char *scratch_dir, struct ost_fatfs **out,
                          struct ost_error *err);
/* path: '\'-separated, case-insensitive as FAT is. 0 absent, 1 file, 2 directory. */
int ost_fatfs_stat(struct ost_fatfs *fs, const char *path);
ost_status ost_fatfs_read_file(struct ost_fatfs *fs, const char *path, size_t max_size, uint8_t **data, size_t *size,
                               struct ost_error *err);
/* Replaces (or creates) path in the copy with the bytes of local file source. */
ost_status ost_fatfs_write_file(struct ost_fatfs *fs, const char *path, const char *source, struct ost_error *err);
/* Writes the sectors of the copy that differ from the volume back to it
 * and flushes it; *changed says whether any did. */
ost_status ost_fatfs_write_back(struct ost_fatfs *fs, bool *changed, struct ost_error *err);
void ost_fatfs_close(struct ost_fatfs *fs);

#endif
