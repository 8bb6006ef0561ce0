/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * wim.h — WIM files through libwim: what they hold (like dism
 * /Get-WimInfo), and their images as targets (target.h).
 *
 * A session opens the WIM once. Each image is a target; its commit applies
 * that image's staged changes with one wimlib_update_image in memory, and
 * ost_wim_session_commit writes the whole WIM with one in-place
 * wimlib_overwrite: libwim appends the new data and rewrites the header
 * last, so a crash before that leaves the old WIM valid, and a command that
 * fails before it leaves the file untouched. Identical files added to
 * several images are stored once (libwim deduplicates by hash).
 *
 * New data is compressed at LZX level 30 by default rather than libwim's 50:
 * on a 4-edition install.wim with 28 MB SOFTWARE hives that writes 4x
 * faster for about 8% more bytes added (BENCHMARKS.md).
 *
 * Reading an image extracts only the files asked for (the hives, the
 * manifest) to a private temporary directory: no mount, no full extraction.
 */
#ifndef OST_WIM_H
#define OST_WIM_H

#include <stdbool.h>
#include <stdint.h>

#include "target.h"

struct ost_wim_image_info {
    int index;
    char *name, *description, *edition, *product_name, *arch, *version;
    uint64_t file_count, dir_count, total_bytes;
};

struct ost_wim_info {
    char *path;
    uint32_t image_count, boot_index, chunk_size, wim_version;
    uint16_t part_number, total_parts;
    const char *compression;
    bool integrity, solid, readonly_flag;
    uint64_t total_bytes;
    struct ost_wim_image_info *images;
};

ost_status ost_wim_info(const char *path, struct ost_wim_info *out, struct ost_error *err);
/* Windows install media given where one WIM (or an installed Windows) is
 * wanted, as users of DISM do: an ISO, or a folder with
 * sources/install.wim or sources/boot.wim and no Windows\ of its own.
 * Fails with OST_ERR_USAGE naming the WIMs inside (install.wim with
 * --index, boot.wim --index 2) and `offstage media` for the whole media;
 * OST_OK when path is not such media. */
ost_status ost_wim_refuse_media(const char *path, struct ost_error *err);
void ost_wim_info_free(struct ost_wim_info *info);

struct ost_wim_session;

/* Opens the WIM; writable refuses split WIMs, solid (ESD) archives and
 * read-only files with a message that says what to do instead. */
ost_status ost_wim_session_open(const char *path, bool writable, struct ost_wim_session **out,
                                struct ost_error *err);
int ost_wim_session_image_count(const struct ost_wim_session *s);
/* "3", a list "1,3", or "all": the images a --index value names (1-based,
 * in the order given), or an error naming the part that is not a number,
 * is out of range or repeats, and listing the images. */
ost_status ost_wim_session_resolve(struct ost_wim_session *s, const char *index, int **images, size_t *n,
                                   struct ost_error *err);
/* The parsing behind it, for a WIM of count images: whole decimal numbers
 * 1..count only (no sign, spaces, junk or wrap-around), each named once,
 * or "all"; the error names the part at fault and the range. */
ost_status ost_wim_index_parse(const char *index, int count, int **images, size_t *n, struct ost_error *err);
/* The same two for an option other than --index (media's --install-index),
 * which the errors name. */
ost_status ost_wim_session_resolve_option(struct ost_wim_session *s, const char *option, const char *index,
                                          int **images, size_t *n, struct ost_error *err);
ost_status ost_wim_option_index_parse(const char *option, const char *index, int count, int **images, size_t *n,
                                      struct ost_error *err);
/* A target for one image; the session must outlive it. */
ost_status ost_wim_target(struct ost_wim_session *s, int image, struct ost_target **out, struct ost_error *err);
/* Progress of long operations: bytes done of total. The library never
 * prints; the caller decides (the CLI draws a bar on a terminal). */
typedef void (*ost_progress_fn)(void *ctx, const char *what, uint64_t done, uint64_t total);
void ost_wim_session_set_progress(struct ost_wim_session *s, ost_progress_fn fn, void *ctx);

/* Compression level (libwim's 1-100 scale) for the data this session adds;
 * the compression type stays the WIM's. 0 = OST_WIM_DEFAULT_LEVEL. */
#define OST_WIM_DEFAULT_LEVEL 30
void ost_wim_session_set_level(struct ost_wim_session *s, unsigned level);

/* Writes every committed image back into the WIM file, in place. */
ost_status ost_wim_session_commit(struct ost_wim_session *s, struct ost_error *err);
void ost_wim_session_close(struct ost_wim_session *s);

/* Splits the WIM at path into a split set (swm, then swm's name with 2,
 * 3, ... before its extension, as Windows Setup expects install.swm,
 * install2.swm, ...), each part at most part_size bytes but for one file
 * larger than that (libwim's wimlib_split). path is left as it is. */
ost_status ost_wim_split(const char *path, const char *swm, uint64_t part_size, struct ost_error *err);

/* Whether path is a WIM file (by its signature). */
bool ost_is_wim_file(const char *path);

#endif
