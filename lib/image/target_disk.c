/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The target over a disk's volumes (disk.h). Writes are staged in the
 * target's scratch folder and applied at commit: the Windows volume is
 * mounted read-only until then, so a command that decides to change
 * nothing never mounts it for writing (ntfs-3g resets $LogFile on a
 * writable mount). What commit wrote is read back through a fresh
 * read-only mount before it reports success. All of it goes into the
 * session's overlay, so a failure anywhere leaves the disk as it was.
 */
#include "disk.h"
#include "cimap.h"
#include "fatfs.h"
#include "fileutil.h"
#include "interrupt.h"
#include "ntfsfs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct volume {
    struct ost_disk_target_volume where;
    struct ost_blockio bio;      /* a window of the disk; size 0 when not made yet */
    struct ost_ntfsfs *ntfs;
    struct ost_fatfs *fat;
    bool mounted_writable;
    char name[600];
};

struct cached {
    char *path, *local;
};

struct disk_target {
    struct ost_target base;
    struct ost_blockio *disk;
    struct volume *vols;
    size_t nvols, windows;
    bool allow_dirty, wrote;
    struct ost_target_changes ops; /* paths as given: "<volume N>\..." or a Windows path */
    struct cached *cache;
    size_t ncache, cachecap;
    unsigned counter;
};

/* ---- volumes -------------------------------------------------------------- */

static void unmount(struct volume *v, struct ost_error *err, ost_status *st)
{
    struct ost_error why;
    if (v->ntfs) {
        ost_status s = ost_ntfsfs_close(v->ntfs, &why);
        if (s != OST_OK && st && *st == OST_OK)
            *st = ost_fail(err, s, "%s", why.message);
    }
    if (v->fat)
        ost_fatfs_close(v->fat);
    v->ntfs = NULL, v->fat = NULL;
    v->mounted_writable = false;
    if (v->bio.ctx)
        ost_blockio_close(&v->bio);
}

static ost_status mount(struct disk_target *d, struct volume *v, bool writable, struct ost_error *err)
{
    if ((v->ntfs || v->fat) && v->mounted_writable == writable)
        return OST_OK;
    ost_status st = OST_OK;
    unmount(v, err, &st);
    if (st != OST_OK)
        return st;
    st = ost_blockio_window(d->disk, v->where.offset, v->where.size, v->name, &v->bio, err);
    if (st != OST_OK)
        return st;
    if (v->where.fat) {
        if (!d->base.scratch) {
            char *probe;
            if ((st = ost_target_scratch_file(&d->base, "fat", &probe, err)) != OST_OK)
                return st;
            free(probe);
        }
        st = ost_fatfs_open(&v->bio, d->base.scratch, &v->fat, err);
    } else {
        st = ost_ntfsfs_open(&v->bio, writable, d->allow_dirty, &v->ntfs, err);
    }
    if (st != OST_OK) {
        ost_blockio_close(&v->bio);
        return st;
    }
    v->mounted_writable = writable;
    return OST_OK;
}

/* The volume a path is on and the path inside it. */
static struct volume *volume_of(struct disk_target *d, const char *path, const char **rest)
{
    size_t n = strlen(OST_TARGET_VOLUME_PREFIX);
    if (strncmp(path, OST_TARGET_VOLUME_PREFIX, n)) {
        *rest = path;
        return &d->vols[d->windows];
    }
    char *end;
    unsigned long num = strtoul(path + n, &end, 10);
    if (end == path + n || *end != '>')
        return NULL;
    end++;
    while (*end == '\\' || *end == '/')
        end++;
    *rest = end;
    for (size_t i = 0; i < d->nvols; i++)
        if (d->vols[i].where.number == num)
            return &d->vols[i];
    return NULL;
}

static ost_status resolve(struct disk_target *d, const char *path, struct volume **v, const char **rest,
                          struct ost_error *err)
{
    *v = volume_of(d, path, rest);
    if (!*v)
        return ost_fail(err, OST_ERR_USAGE, "%s: %s names no volume of the disk", d->base.name, path);
    return mount(d, *v, false, err);
}

/* ---- reading ------------------------------------------------------------- */

static ost_status disk_read_file(struct ost_target *t, const char *path, size_t max, uint8_t **data, size_t *size,
                                 struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    struct volume *v;
    const char *rest;
    *data = NULL, *size = 0;
    ost_status st = resolve(d, path, &v, &rest, err);
    if (st != OST_OK)
        return st;
    return v->fat ? ost_fatfs_read_file(v->fat, rest, max, data, size, err)
                  : ost_ntfsfs_read_file(v->ntfs, rest, max, data, size, err);
}

static int disk_stat(struct ost_target *t, const char *path)
{
    struct disk_target *d = (struct disk_target *)t;
    struct volume *v;
    const char *rest;
    if (resolve(d, path, &v, &rest, NULL) != OST_OK)
        return -1;
    if (!rest[0])
        return 2;
    return v->fat ? ost_fatfs_stat(v->fat, rest) : ost_ntfsfs_stat(v->ntfs, rest);
}

static ost_status disk_list(struct ost_target *t, const char *path, struct ost_strlist *names, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    struct volume *v;
    const char *rest;
    ost_status st = resolve(d, path, &v, &rest, err);
    if (st != OST_OK)
        return st;
    if (v->fat)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: listing %s: folders of a FAT volume are not listed",
                        t->name, path);
    return ost_ntfsfs_list_dir(v->ntfs, rest, names, err);
}

/* Hives are asked for more than once (the image, then the manifest's
 * checks): each is copied out once per target. */
static ost_status disk_local_path(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                                  struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    *local = NULL;
    for (size_t i = 0; i < d->ncache; i++)
        if (!strcasecmp(d->cache[i].path, path)) {
            *local = ost_xstrdup(d->cache[i].local);
            return OST_OK;
        }
    struct volume *v;
    const char *rest;
    ost_status st = resolve(d, path, &v, &rest, err);
    if (st != OST_OK)
        return st;
    char *dest;
    if ((st = ost_target_scratch_file(t, "extract", &dest, err)) != OST_OK)
        return st;
    if (v->fat) {
        uint8_t *data;
        size_t size;
        st = ost_fatfs_read_file(v->fat, rest, max_size > SIZE_MAX ? SIZE_MAX : (size_t)max_size, &data, &size, err);
        if (st == OST_OK)
            st = ost_write_new_file(dest, data, size, err);
        if (st == OST_OK)
            free(data);
    } else {
        st = ost_ntfsfs_extract(v->ntfs, rest, max_size, dest, err);
    }
    if (st != OST_OK) {
        unlink(dest);
        free(dest);
        return st;
    }
    ost_grow(&d->cache, &d->cachecap, d->ncache + 1, sizeof *d->cache);
    d->cache[d->ncache++] = (struct cached){ost_xstrdup(path), ost_xstrdup(dest)};
    *local = dest;
    return OST_OK;
}

/* ---- staging -------------------------------------------------------------- */

static void drop_staged(struct ost_target_change *o)
{
    if (o->staged)
        unlink(o->staged);
    free(o->staged);
    o->staged = NULL;
}

static ost_status check_path(struct disk_target *d, const char *path, struct ost_error *err)
{
    const char *rest;
    ost_status st = ost_interrupt_check(d->base.name, err);
    if (st == OST_OK && !volume_of(d, path, &rest))
        st = ost_fail(err, OST_ERR_USAGE, "%s: %s names no volume of the disk", d->base.name, path);
    return st;
}

static ost_status disk_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    char *staged;
    ost_status st = check_path(d, path, err);
    if (st == OST_OK)
        st = ost_target_scratch_file(t, "staged", &staged, err);
    if (st != OST_OK)
        return st;
    if ((st = ost_copy_scratch_file(source, staged, err)) != OST_OK) {
        unlink(staged);
        free(staged);
        return st;
    }
    struct ost_target_change *o = ost_target_changes_file(&d->ops, path);
    drop_staged(o);
    o->staged = staged;
    return OST_OK;
}

static ost_status disk_remove_file(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    ost_status st = check_path(d, path, err);
    if (st == OST_OK)
        drop_staged(ost_target_changes_file(&d->ops, path));
    return st;
}

static ost_status disk_remove_dir(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    ost_status st = check_path(d, path, err);
    if (st != OST_OK)
        return st;
    ost_target_changes_add_dir(&d->ops, path);
    return OST_OK;
}

/* ---- commit --------------------------------------------------------------- */

static ost_status apply_op(struct disk_target *d, const struct ost_target_change *o, struct ost_error *err)
{
    const char *rest;
    struct volume *v = volume_of(d, o->path, &rest);
    ost_status st = mount(d, v, true, err);
    if (st != OST_OK)
        return st;
    if (v->fat) {
        if (o->dir || !o->staged)
            return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: removing %s: files are only replaced on a FAT volume",
                            d->base.name, o->path);
        return ost_fatfs_write_file(v->fat, rest, o->staged, err);
    }
    /* a folder is staged for removal once per file it held, and the
     * directory target likewise takes an absent one as already removed */
    if (o->dir)
        return ost_ntfsfs_stat(v->ntfs, rest) == 0 ? OST_OK : ost_ntfsfs_remove_dir(v->ntfs, rest, err);
    if (!o->staged)
        return ost_ntfsfs_stat(v->ntfs, rest) == 0 ? OST_OK : ost_ntfsfs_remove_file(v->ntfs, rest, err);
    return ost_ntfsfs_write_file(v->ntfs, rest, o->staged, err);
}

/* Reads every change back through a new read-only mount. */
static ost_status verify(struct disk_target *d, struct ost_error *err)
{
    for (size_t i = 0; i < d->ops.n; i++) {
        const struct ost_target_change *o = &d->ops.v[i];
        if (o->dir)
            continue;
        const char *rest;
        struct volume *v = volume_of(d, o->path, &rest);
        ost_status st = mount(d, v, false, err);
        if (st != OST_OK)
            return st;
        if (!o->staged) {
            if (!v->fat && ost_ntfsfs_stat(v->ntfs, rest) != 0)
                return ost_fail(err, OST_ERR_IO, "%s: %s is still there after it was removed", d->base.name,
                                o->path);
            continue;
        }
        uint8_t *want = NULL, *got = NULL;
        size_t nwant = 0, ngot = 0;
        st = ost_read_file(o->staged, SIZE_MAX / 2, &want, &nwant, err);
        if (st == OST_OK)
            st = v->fat ? ost_fatfs_read_file(v->fat, rest, nwant + 1, &got, &ngot, err)
                        : ost_ntfsfs_read_file(v->ntfs, rest, nwant + 1, &got, &ngot, err);
        if (st == OST_OK && (ngot != nwant || memcmp(got, want, nwant)))
            st = ost_fail(err, OST_ERR_IO, "%s: %s reads back different from what was written (%zu bytes, %zu "
                          "expected); nothing was changed", d->base.name, o->path, ngot, nwant);
        free(want);
        free(got);
        if (st != OST_OK)
            return st;
    }
    return OST_OK;
}

static ost_status disk_commit(struct ost_target *t, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    if (!d->ops.n)
        return OST_OK;
    if (!t->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: opened read-only", t->name);
    ost_status st = ost_interrupt_check(t->name, err);
    for (size_t i = 0; st == OST_OK && i < d->ops.n; i++)
        st = apply_op(d, &d->ops.v[i], err);
    for (size_t i = 0; i < d->nvols; i++)
        if (d->vols[i].fat && st == OST_OK) {
            bool changed;
            st = ost_fatfs_write_back(d->vols[i].fat, &changed, err);
        }
    /* unmounting writes what libntfs-3g still holds */
    for (size_t i = 0; i < d->nvols; i++)
        if (d->vols[i].mounted_writable)
            unmount(&d->vols[i], err, &st);
    if (st == OST_OK)
        st = ost_blockio_flush(d->disk, err);
    if (st == OST_OK)
        st = verify(d, err);
    d->wrote = true; /* even on failure: the session must not keep the overlay */
    if (st == OST_OK) {
        for (size_t i = 0; i < d->ops.n; i++)
            drop_staged(&d->ops.v[i]);
        ost_target_changes_clear(&d->ops);
        for (size_t i = 0; i < d->ncache; i++) {
            unlink(d->cache[i].local);
            free(d->cache[i].path), free(d->cache[i].local);
        }
        d->ncache = 0;
    }
    return st;
}

static void disk_close(struct ost_target *t)
{
    struct disk_target *d = (struct disk_target *)t;
    for (size_t i = 0; i < d->nvols; i++)
        unmount(&d->vols[i], NULL, NULL);
    for (size_t i = 0; i < d->ops.n; i++)
        drop_staged(&d->ops.v[i]);
    for (size_t i = 0; i < d->ncache; i++)
        free(d->cache[i].path), free(d->cache[i].local);
    free(d->cache);
    ost_target_changes_free(&d->ops);
    free(d->vols);
    free(d->base.notice);
    free(d->base.name);
    free(d);
}

static const struct ost_target_ops disk_ops = {
    .kind = "disk",
    .read_file = disk_read_file,
    .stat = disk_stat,
    .list_dir = disk_list,
    .local_path = disk_local_path,
    .write_file = disk_write_file,
    .remove_file = disk_remove_file,
    .remove_dir = disk_remove_dir,
    .commit = disk_commit,
    .close = disk_close,
};

ost_status ost_disk_target_create(struct ost_blockio *disk, const struct ost_disk_target_volume *vols, size_t nvols,
                                  size_t windows, const char *name, bool writable, bool allow_dirty,
                                  struct ost_target **out, struct ost_error *err)
{
    *out = NULL;
    struct disk_target *d = ost_xcalloc(1, sizeof *d);
    d->base.ops = &disk_ops;
    d->base.name = ost_xstrdup(name);
    d->base.writable = writable;
    d->disk = disk;
    d->allow_dirty = allow_dirty;
    d->vols = ost_xcalloc(nvols ? nvols : 1, sizeof *d->vols);
    d->nvols = nvols;
    d->windows = windows;
    for (size_t i = 0; i < nvols; i++) {
        d->vols[i].where = vols[i];
        if (vols[i].number)
            snprintf(d->vols[i].name, sizeof d->vols[i].name, "%s partition %u", name, vols[i].number);
        else
            snprintf(d->vols[i].name, sizeof d->vols[i].name, "%s", name);
    }
    ost_status st = mount(d, &d->vols[windows], false, err);
    if (st != OST_OK) {
        disk_close(&d->base);
        return st;
    }
    *out = &d->base;
    return OST_OK;
}

ost_status ost_disk_target_detach(struct ost_target *t, struct ost_error *err)
{
    struct disk_target *d = (struct disk_target *)t;
    ost_status st = OST_OK;
    for (size_t i = 0; i < d->nvols; i++)
        unmount(&d->vols[i], err, &st);
    return st;
}

bool ost_disk_target_wrote(const struct ost_target *t)
{
    return ((const struct disk_target *)t)->wrote;
}
