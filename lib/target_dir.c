/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The directory backend of target.h: an offline Windows root on the local
 * file system. Staged files are copied at once into a transaction folder
 * inside the root (same file system, so they can be renamed into place);
 * commit renames them over their targets after hard-linking each original
 * to a backup, and undoes every step already taken if one fails.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target.h"

struct op {
    char *path;    /* Windows path */
    char *staged;  /* file in the transaction folder; NULL for removal */
    bool dir;      /* remove this directory if it is empty */
    /* commit state */
    char *final;
    char *backup;
    bool applied;
    struct ost_strlist created_dirs;
};

struct dir_target {
    struct ost_target base;
    char *root;
    char *txn;
    struct op *ops;
    size_t nops, cap;
    unsigned counter;
};

/* Resolves as many components as exist; *rest gets the first missing one
 * and what follows ('\'-separated), or NULL when all exist. */
static char *resolve_prefix(const char *root, const char *path, char **rest)
{
    char *cur = ost_xstrdup(root);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    *rest = NULL;
    for (char *part = strtok_r(copy, "\\/", &save); part; part = strtok_r(NULL, "\\/", &save)) {
        char *next = ost_find_ci(cur, part);
        if (!next) {
            struct ost_buf r = {0};
            ost_buf_adds(&r, part);
            for (char *more = strtok_r(NULL, "\\/", &save); more; more = strtok_r(NULL, "\\/", &save))
                ost_buf_addf(&r, "\\%s", more);
            *rest = ost_buf_steal(&r);
            break;
        }
        free(cur);
        cur = next;
    }
    free(copy);
    return cur;
}

static char *resolve(struct dir_target *d, const char *path)
{
    char *rest;
    char *p = resolve_prefix(d->root, path, &rest);
    if (rest) {
        free(rest);
        free(p);
        return NULL;
    }
    return p;
}

static ost_status dir_read_file(struct ost_target *t, const char *path, size_t max, uint8_t **data, size_t *size,
                                struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    char *p = resolve(d, path);
    if (!p)
        return ost_fail(err, OST_ERR_IO, "%s: %s does not exist in the image", t->name, path);
    ost_status st = ost_read_file(p, max, data, size, err);
    free(p);
    return st;
}

static int dir_stat(struct ost_target *t, const char *path)
{
    struct dir_target *d = (struct dir_target *)t;
    char *p = resolve(d, path);
    struct stat st;
    int kind = 0;
    if (p && lstat(p, &st) == 0)
        kind = S_ISDIR(st.st_mode) ? 2 : S_ISREG(st.st_mode) ? 1 : 0;
    free(p);
    return kind;
}

static ost_status dir_list(struct ost_target *t, const char *path, struct ost_strlist *names, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    char *p = path[0] ? resolve(d, path) : ost_xstrdup(d->root);
    DIR *dir = p ? opendir(p) : NULL;
    if (!dir) {
        free(p);
        return ost_fail(err, OST_ERR_IO, "%s: cannot list %s", t->name, path);
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            ost_strlist_add(names, e->d_name);
    closedir(dir);
    free(p);
    return OST_OK;
}

static ost_status dir_local_path(struct ost_target *t, const char *path, char **local, struct ost_error *err)
{
    *local = resolve((struct dir_target *)t, path);
    return *local ? OST_OK : ost_fail(err, OST_ERR_IO, "%s: %s does not exist in the image", t->name, path);
}

static ost_status ensure_txn(struct dir_target *d, struct ost_error *err)
{
    if (d->txn)
        return OST_OK;
    char *tmpl = ost_path_join(d->root, ".offstage-txn-XXXXXX");
    if (!mkdtemp(tmpl)) {
        int e = errno;
        free(tmpl);
        return ost_fail(err, OST_ERR_IO, "%s: cannot write to the image: %s", d->base.name, strerror(e));
    }
    d->txn = tmpl;
    return OST_OK;
}

static struct op *op_for(struct dir_target *d, const char *path)
{
    for (size_t i = 0; i < d->nops; i++)
        if (ost_streq_ci(d->ops[i].path, path))
            return &d->ops[i];
    ost_grow(&d->ops, &d->cap, d->nops + 1, sizeof *d->ops);
    struct op *o = &d->ops[d->nops++];
    *o = (struct op){.path = ost_xstrdup(path)};
    return o;
}

static ost_status dir_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = ensure_txn(d, err);
    if (st != OST_OK)
        return st;
    char *staged = ost_xasprintf("%s/%u", d->txn, ++d->counter);
    st = ost_copy_file(source, staged, err);
    if (st != OST_OK) {
        free(staged);
        return st;
    }
    struct op *o = op_for(d, path);
    if (o->staged)
        unlink(o->staged);
    free(o->staged);
    o->staged = staged;
    return OST_OK;
}

static ost_status dir_remove_file(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = ensure_txn(d, err);
    if (st != OST_OK)
        return st;
    struct op *o = op_for(d, path);
    if (o->staged)
        unlink(o->staged);
    free(o->staged);
    o->staged = NULL;
    return OST_OK;
}

static ost_status dir_remove_dir(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    (void)err;
    ost_grow(&d->ops, &d->cap, d->nops + 1, sizeof *d->ops);
    d->ops[d->nops++] = (struct op){.path = ost_xstrdup(path), .dir = true};
    return OST_OK;
}

/* Creates the missing directories of `rest` below `base`, recording them. */
static ost_status make_dirs(const char *base, const char *rest, struct op *o, char **final, struct ost_error *err)
{
    char *cur = ost_xstrdup(base);
    char *copy = ost_xstrdup(rest);
    char *save = NULL;
    char *part = strtok_r(copy, "\\", &save);
    while (part) {
        char *next_part = strtok_r(NULL, "\\", &save);
        char *next = ost_path_join(cur, part);
        free(cur);
        cur = next;
        if (!next_part)
            break;
        if (mkdir(cur, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            free(copy), free(cur);
            return ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", base, strerror(e));
        }
        ost_strlist_add(&o->created_dirs, cur);
        part = next_part;
    }
    free(copy);
    *final = cur;
    return OST_OK;
}

static ost_status apply(struct dir_target *d, struct op *o, struct ost_error *err)
{
    if (o->dir) {
        o->final = resolve(d, o->path);
        o->applied = o->final && rmdir(o->final) == 0; /* not empty: left alone */
        return OST_OK;
    }
    char *rest;
    char *base = resolve_prefix(d->root, o->path, &rest);
    ost_status st = OST_OK;
    if (rest) {
        if (o->staged)
            st = make_dirs(base, rest, o, &o->final, err);
        free(base);
        free(rest);
        if (st != OST_OK || !o->staged) {
            o->applied = st == OST_OK; /* removing a missing file is done */
            return st;
        }
    } else {
        o->final = base;
        o->backup = ost_xasprintf("%s/backup-%u", d->txn, ++d->counter);
        if (link(o->final, o->backup) != 0 && rename(o->final, o->backup) != 0) {
            free(o->backup);
            o->backup = NULL;
            return ost_fail(err, OST_ERR_IO, "%s: cannot keep a backup of %s: %s", d->base.name, o->path,
                            strerror(errno));
        }
    }
    if (o->staged ? rename(o->staged, o->final) != 0 : (unlink(o->final) != 0 && errno != ENOENT))
        return ost_fail(err, OST_ERR_IO, "%s: cannot %s %s: %s", d->base.name, o->staged ? "write" : "remove",
                        o->path, strerror(errno));
    o->applied = true;
    return OST_OK;
}

static void undo(struct op *o)
{
    if (o->dir) {
        if (o->applied)
            mkdir(o->final, 0755);
        return;
    }
    if (o->final) {
        if (o->backup)
            rename(o->backup, o->final);
        else if (o->staged)
            unlink(o->final);
    }
    for (size_t i = o->created_dirs.n; i-- > 0;)
        rmdir(o->created_dirs.v[i]);
}

static ost_status dir_commit(struct ost_target *t, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = OST_OK;
    size_t i;
    for (i = 0; i < d->nops && st == OST_OK; i++)
        st = apply(d, &d->ops[i], err);
    if (st != OST_OK) {
        for (size_t k = i; k-- > 0;)
            if (d->ops[k].applied || d->ops[k].backup || d->ops[k].created_dirs.n)
                undo(&d->ops[k]);
    }
    if (d->txn) {
        ost_rm_rf(d->txn);
        free(d->txn);
        d->txn = NULL;
    }
    return st;
}

static void dir_close(struct ost_target *t)
{
    struct dir_target *d = (struct dir_target *)t;
    if (d->txn)
        ost_rm_rf(d->txn);
    for (size_t i = 0; i < d->nops; i++) {
        free(d->ops[i].path), free(d->ops[i].staged), free(d->ops[i].final), free(d->ops[i].backup);
        ost_strlist_free(&d->ops[i].created_dirs);
    }
    free(d->ops);
    free(d->txn);
    free(d->root);
    free(d->base.name);
    free(d);
}

static const struct ost_target_ops dir_ops = {
    .kind = "directory",
    .read_file = dir_read_file,
    .stat = dir_stat,
    .list_dir = dir_list,
    .local_path = dir_local_path,
    .write_file = dir_write_file,
    .remove_file = dir_remove_file,
    .remove_dir = dir_remove_dir,
    .commit = dir_commit,
    .close = dir_close,
};

ost_status ost_target_open_dir(const char *dir, bool writable, struct ost_target **out, struct ost_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ost_fail(err, OST_ERR_USAGE, "%s: not a directory (a WIM file needs --index)", dir);
    if (writable && access(dir, W_OK) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: the image is read-only (%s); nothing was changed", dir,
                        strerror(errno));
    struct dir_target *d = ost_xcalloc(1, sizeof *d);
    d->base.ops = &dir_ops;
    d->base.name = ost_xstrdup(dir);
    d->base.writable = writable;
    d->root = ost_xstrdup(dir);
    *out = &d->base;
    return OST_OK;
}
