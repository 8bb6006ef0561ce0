/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * imageset.h — the images one command works on: a directory (the folder
 * holding Windows\), or images of a WIM file named by an index ("2", a
 * list "1,3", or "all"), each opened as an ost_image; written back
 * together, the WIM once, with progress reported to a callback.
 */
#ifndef OST_IMAGESET_H
#define OST_IMAGESET_H

#include <stdbool.h>

#include "image.h"
#include "wim.h"

struct ost_disk_session;

struct ost_image_set {
    struct ost_wim_session *wim; /* NULL for a directory or a disk */
    struct ost_disk_session *disk; /* NULL for a directory or a WIM */
    struct ost_image **v;
    size_t n;
    /* What opening found and did, for the user (e.g. a stopped change
     * completed or discarded); one line each. */
    struct ost_strlist notices;
};

/* Opens every image `path` and `index` name (index only for a WIM; NULL:
 * the WIM must hold one image). On failure the images opened so far stay
 * in *out for ost_image_set_close. */
ost_status ost_image_set_open(const char *path, const char *index, const struct ost_image_options *opts,
                              struct ost_image_set *out, struct ost_error *err);
/* After each changed image was committed (ost_image_commit): writes the
 * WIM once, reporting to progress when it is not NULL; nothing to do for
 * a directory. */
ost_status ost_image_set_commit(struct ost_image_set *s, ost_progress_fn progress, void *ctx, struct ost_error *err);
void ost_image_set_close(struct ost_image_set *s);

#endif
