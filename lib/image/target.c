/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "target.h"
#include "fileutil.h"
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Paths can come from the image itself (a hive's InfPath, a manifest):
 * one that would leave the image is refused for reading too. */
static ost_status check_read(struct ost_target *t, const char *path, struct ost_error *err)
{
    if (!ost_winpath_is_safe(path))
        return ost_fail(err, OST_ERR_CORRUPT, "%s: refusing path \"%s\": it would leave the image", t->name, path);
    return OST_OK;
}

ost_status ost_target_read_file(struct ost_target *t, const char *path, size_t max_size, uint8_t **data,
                                size_t *size, struct ost_error *err)
{
    ost_status st = check_read(t, path, err);
    return st != OST_OK ? st : t->ops->read_file(t, path, max_size, data, size, err);
}

int ost_target_stat(struct ost_target *t, const char *path)
{
    return ost_winpath_is_safe(path) ? t->ops->stat(t, path) : 0;
}

ost_status ost_target_list_dir(struct ost_target *t, const char *path, struct ost_strlist *names,
                               struct ost_error *err)
{
    ost_status st = check_read(t, path, err);
    return st != OST_OK ? st : t->ops->list_dir(t, path, names, err);
}

ost_status ost_target_local_path(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                                 struct ost_error *err)
{
    ost_status st = check_read(t, path, err);
    return st != OST_OK ? st : t->ops->local_path(t, path, max_size, local, err);
}

static ost_status check_write(struct ost_target *t, const char *path, struct ost_error *err)
{
    if (!t->writable)
        return ost_fail(err, OST_ERR_USAGE, "%s: opened read-only; cannot change %s", t->name, path);
    if (!ost_winpath_is_safe(path))
        return ost_fail(err, OST_ERR_CORRUPT, "%s: refusing path \"%s\": it would leave the image", t->name, path);
    return OST_OK;
}

ost_status ost_target_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err)
{
    ost_status st = check_write(t, path, err);
    return st != OST_OK ? st : t->ops->write_file(t, path, source, err);
}

ost_status ost_target_write_produced(struct ost_target *t, const char *path, const struct ost_producer *p,
                                     struct ost_error *err)
{
    ost_status st = check_write(t, path, err);
    if (st != OST_OK)
        return st;
    if (t->ops->write_produced)
        return t->ops->write_produced(t, path, p, err);
    char *tmp;
    st = ost_target_scratch_file(t, "produced", &tmp, err);
    if (st != OST_OK)
        return st;
    st = p->produce(tmp, p->ctx, err);
    if (st == OST_OK)
        st = t->ops->write_file(t, path, tmp, err);
    unlink(tmp);
    free(tmp);
    return st;
}

ost_status ost_target_write_bytes(struct ost_target *t, const char *path, const void *data, size_t size,
                                  struct ost_error *err)
{
    ost_status st = check_write(t, path, err);
    if (st != OST_OK)
        return st;
    char *tmp;
    st = ost_target_scratch_file(t, "bytes", &tmp, err);
    if (st != OST_OK)
        return st;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ost_write_all(fd, data, size) != 0) {
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
    } else if (close(fd) != 0) {
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
    } else {
        st = t->ops->write_file(t, path, tmp, err);
    }
    unlink(tmp);
    free(tmp);
    return st;
}

ost_status ost_target_remove_file(struct ost_target *t, const char *path, struct ost_error *err)
{
    ost_status st = check_write(t, path, err);
    return st != OST_OK ? st : t->ops->remove_file(t, path, err);
}

ost_status ost_target_remove_dir(struct ost_target *t, const char *path, struct ost_error *err)
{
    ost_status st = check_write(t, path, err);
    return st != OST_OK ? st : t->ops->remove_dir(t, path, err);
}

ost_status ost_target_commit(struct ost_target *t, struct ost_error *err)
{
    return t->ops->commit(t, err);
}

void ost_target_close(struct ost_target *t)
{
    if (!t)
        return;
    char *scratch = t->scratch;
    ost_strlist_free(&t->boot_stores);
    ost_strlist_free(&t->boot_store_names);
    t->ops->close(t);
    if (scratch) {
        ost_scratch_dir_remove(scratch);
        free(scratch);
    }
}

ost_status ost_target_scratch_file(struct ost_target *t, const char *hint, char **path, struct ost_error *err)
{
    static unsigned counter;
    *path = NULL;
    if (!t->scratch) {
        struct ost_error why;
        t->scratch = ost_scratch_dir_create("target", &why);
        if (!t->scratch)
            return ost_fail(err, why.status, "%s", why.message);
    }
    *path = ost_xasprintf("%s/%u-%s", t->scratch, ++counter, hint);
    return OST_OK;
}

struct ost_target_change *ost_target_changes_file(struct ost_target_changes *c, const char *path)
{
    char *key = ost_safe_relative_path(path); /* one spelling per path: '/' */
    if (!key)
        key = ost_xstrdup(path); /* the ost_target_* calls refuse such paths before */
    uintptr_t slot = (uintptr_t)ost_cimap_get(&c->index, key);
    if (slot) {
        free(key);
        return &c->v[slot - 1];
    }
    ost_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
    struct ost_target_change *o = &c->v[c->n++];
    *o = (struct ost_target_change){.path = ost_xstrdup(path)};
    ost_cimap_put(&c->index, key, (void *)(uintptr_t)c->n);
    free(key);
    return o;
}

void ost_target_changes_add_dir(struct ost_target_changes *c, const char *path)
{
    ost_grow(&c->v, &c->cap, c->n + 1, sizeof *c->v);
    c->v[c->n++] = (struct ost_target_change){.path = ost_xstrdup(path), .dir = true};
}

void ost_target_changes_clear(struct ost_target_changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].path), free(c->v[i].staged);
    c->n = 0;
    ost_cimap_free(&c->index);
}

void ost_target_changes_free(struct ost_target_changes *c)
{
    ost_target_changes_clear(c);
    free(c->v);
    *c = (struct ost_target_changes){0};
}

char *ost_winpath_join(const char *a, const char *b)
{
    if (!a[0])
        return ost_xstrdup(b);
    size_t n = strlen(a);
    return ost_xasprintf("%s%s%s", a, a[n - 1] == '\\' ? "" : "\\", b);
}

bool ost_winpath_is_safe(const char *path)
{
    if (!path[0] || path[0] == '\\' || path[0] == '/' || (path[0] && path[1] == ':'))
        return false;
    char *safe = ost_safe_relative_path(path);
    bool ok = safe != NULL;
    free(safe);
    return ok;
}
