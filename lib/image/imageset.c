/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "imageset.h"
#include "disk.h"
#include "fileutil.h"

#include <stdlib.h>

ost_status ost_image_set_open(const char *path, const char *index, const struct ost_image_options *opts,
                              struct ost_image_set *out, struct ost_error *err)
{
    struct ost_target *t;
    *out = (struct ost_image_set){0};
    bool is_dir = ost_is_dir(path);
    if (!is_dir && ost_check_input_file(path, err) != OST_OK) {
        char *msg = ost_xasprintf("%s (--image is a folder, a WIM file or a virtual disk)", err->message);
        ost_status st = ost_fail(err, err->status, "%s", msg);
        free(msg);
        return st;
    }
    bool is_wim = !is_dir && ost_is_wim_file(path);
    if (!is_wim && ost_wim_refuse_media(path, err) != OST_OK)
        return err->status;
    bool is_disk = !is_dir && !is_wim && ost_is_disk_file(path);
    const struct ost_disk_options *d = opts->disk;
    if (!is_disk && d && (d->format || d->partition || d->output || d->output_format))
        return ost_fail(err, OST_ERR_USAGE, "--%s is for virtual disks; %s is %s", d->format ? "format"
                        : d->partition ? "partition" : d->output ? "output" : "output-format", path,
                        is_dir ? "a folder" : is_wim ? "a WIM file" : "not a virtual disk");
    if (is_disk) {
        if (index)
            return ost_fail(err, OST_ERR_USAGE, "--index is for WIM files; %s is a virtual disk (choose its "
                            "Windows partition with --partition N)", path);
        ost_status st = ost_disk_session_open(path, d, opts->writable, opts->allow_dirty, &out->disk, err);
        if (st == OST_OK)
            for (size_t i = 0; i < ost_disk_session_notices(out->disk)->n; i++)
                ost_strlist_add(&out->notices, ost_disk_session_notices(out->disk)->v[i]);
        if (st == OST_OK)
            st = ost_disk_target(out->disk, &t, err);
        if (st != OST_OK)
            return st;
        out->v = ost_xcalloc(1, sizeof *out->v);
        st = ost_image_open(t, opts, &out->v[0], err);
        out->n = st == OST_OK;
        if (st == OST_ERR_CORRUPT)
            ost_disk_session_explain(out->disk, err);
        if (st == OST_OK && out->v[0]->info.control_set_note)
            ost_strlist_add(&out->notices, out->v[0]->info.control_set_note);
        return st;
    }
    if (!is_wim) {
        if (index)
            return ost_fail(err, OST_ERR_USAGE, "--index is for WIM files; %s is not one", path);
        char *mismatch = is_dir ? NULL : ost_disk_name_mismatch(path);
        if (mismatch) {
            ost_status st = ost_fail(err, OST_ERR_USAGE, "%s: not a folder, a WIM file or a virtual disk: %s; nothing "
                                     "was read", path, mismatch);
            free(mismatch);
            return st;
        }
        if (!is_dir)
            return ost_fail(err, OST_ERR_USAGE, "%s: not a folder, a WIM file or a virtual disk (qcow2, VHD, VHDX, "
                            "VMDK, or a raw disk with a partition table); --image names the offline Windows", path);
        ost_status st = ost_target_open_dir(path, opts->writable, &t, err);
        if (st != OST_OK)
            return st;
        if (t->notice)
            ost_strlist_add(&out->notices, t->notice);
        out->v = ost_xcalloc(1, sizeof *out->v);
        st = ost_image_open(t, opts, &out->v[0], err);
        out->n = st == OST_OK;
        if (st == OST_OK && out->v[0]->info.control_set_note)
            ost_strlist_add(&out->notices, out->v[0]->info.control_set_note);
        return st;
    }
    ost_status st = ost_wim_session_open(path, opts->writable, &out->wim, err);
    int *images = NULL;
    size_t n = 0;
    if (st == OST_OK)
        st = ost_wim_session_resolve(out->wim, index, &images, &n, err);
    if (st == OST_OK)
        out->v = ost_xcalloc(n ? n : 1, sizeof *out->v);
    for (size_t i = 0; i < n && st == OST_OK; i++) {
        st = ost_wim_target(out->wim, images[i], &t, err);
        if (st == OST_OK && (st = ost_image_open(t, opts, &out->v[out->n], err)) == OST_OK)
            out->n++;
        if (st == OST_OK && out->v[out->n - 1]->info.control_set_note)
            ost_strlist_add(&out->notices, out->v[out->n - 1]->info.control_set_note);
    }
    free(images);
    return st;
}

ost_status ost_image_set_commit(struct ost_image_set *s, ost_progress_fn progress, void *ctx, struct ost_error *err)
{
    if (s->disk)
        return ost_disk_session_commit(s->disk, err);
    if (!s->wim)
        return OST_OK;
    if (progress)
        ost_wim_session_set_progress(s->wim, progress, ctx);
    return ost_wim_session_commit(s->wim, err);
}

void ost_image_set_close(struct ost_image_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        ost_image_close(s->v[i]);
    free(s->v);
    ost_wim_session_close(s->wim);
    ost_disk_session_close(s->disk);
    ost_strlist_free(&s->notices);
    *s = (struct ost_image_set){0};
}
