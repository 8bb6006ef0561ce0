/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "hive.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cimap.h"
#include "encoding.h"
#include "fileutil.h"
#include "regf.h"

/* hivex finds a child by decoding every sibling's name in turn, so looking
 * up each of a key's N subkeys costs N^2 decodings (a device key holding
 * thousands of instances). Keys with at least this many subkeys get a
 * name index, built on their first lookup. */
#define INDEX_MIN_CHILDREN 32
#define INDEXES 8

struct child_index {
    ost_hkey parent; /* 0: unused */
    struct ost_cimap names; /* name -> child, as (void *)(uintptr_t) */
    size_t unreadable;      /* children whose names hivex cannot read */
};

struct ost_hive {
    hive_h *h;
    char *path;
    char *name; /* for messages */
    bool modified;
    uint64_t file_size; /* of the hive as opened */
    uint64_t growth;    /* a rough upper bound of what edits added */
    struct child_index index[INDEXES];
    size_t next_index;  /* the slot the next index replaces */
};

/* ---- open / close ------------------------------------------------------------ */

/* Opens the hive file for the checks made before hivex reads it: a regular
 * file (a FIFO would block, a device has no end) of a size Windows could
 * have written. */
static ost_status open_checked(const char *path, int *fd_out, uint64_t *size, struct ost_error *err)
{
    *fd_out = -1;
    int fd = ost_open_input(path, 0, err);
    if (fd < 0)
        return err ? err->status : OST_ERR_IO;
    struct stat sb;
    ost_status st = OST_OK;
    if (fstat(fd, &sb) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot open hive: %s", path, strerror(errno));
    else if ((uint64_t)sb.st_size > OST_HIVE_MAX_SIZE)
        st = ost_fail(err, OST_ERR_LIMIT,
                      "%s: %llu bytes; Windows loads no hive larger than %llu bytes (2 GiB), so this is not a hive "
                      "a Windows wrote or could use (a file extended by mistake, or damaged); refused before "
                      "reading it",
                      path, (unsigned long long)sb.st_size, (unsigned long long)OST_HIVE_MAX_SIZE);
    if (st != OST_OK) {
        close(fd);
        return st;
    }
    *fd_out = fd;
    *size = (uint64_t)sb.st_size;
    return OST_OK;
}

ost_status ost_hive_open(const char *path, const struct ost_hive_open_options *opts, struct ost_hive **out,
                         struct ost_error *err)
{
    *out = NULL;
    int fd;
    uint64_t size = 0;
    ost_status st = open_checked(path, &fd, &size, err);
    if (st != OST_OK)
        return st;
    uint8_t base[4096];
    ssize_t got = pread(fd, base, sizeof base, 0);
    struct ost_regf_header hdr;
    st = ost_regf_parse_header(base, got > 0 ? (size_t)got : 0, size, path, &hdr, err);
    if (st == OST_OK && ost_regf_is_dirty(&hdr) && !(opts && opts->allow_dirty))
        st = ost_fail(err, OST_ERR_UNSUPPORTED,
                      "%s: offset 4: the hive is dirty (sequence numbers %u and %u differ): its transaction log "
                      "holds changes not yet written to it, and Windows would replay them over any edit. Boot "
                      "that Windows once and shut it down cleanly, or give --force to edit it anyway",
                      path, hdr.sequence1, hdr.sequence2);
    /* hivex opens the file checked above, not whatever the name means by now */
    char fd_path[32];
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fd);
    const char *hivex_path = access(fd_path, R_OK) == 0 ? fd_path : path;
    bool writable = opts && opts->writable;
    hive_h *h = NULL;
    if (st == OST_OK) {
        errno = 0;
        h = hivex_open(hivex_path, writable ? HIVEX_OPEN_WRITE : 0);
        if (!h)
            st = ost_fail(err, errno == ENOENT || errno == EACCES ? OST_ERR_IO : OST_ERR_CORRUPT,
                          "%s: not a readable registry hive: %s", path, strerror(errno ? errno : EINVAL));
    }
    close(fd);
    if (st != OST_OK)
        return st;
    struct ost_hive *hv = ost_xcalloc(1, sizeof *hv);
    hv->h = h;
    hv->path = ost_xstrdup(path);
    hv->name = ost_xstrdup(opts && opts->name ? opts->name : path);
    hv->file_size = size;
    *out = hv;
    return OST_OK;
}

void ost_hive_close(struct ost_hive *h)
{
    if (!h)
        return;
    hivex_close(h->h);
    for (size_t i = 0; i < INDEXES; i++)
        ost_cimap_free(&h->index[i].names);
    free(h->path);
    free(h->name);
    free(h);
}

const char *ost_hive_path(const struct ost_hive *h)
{
    return h->path;
}

bool ost_hive_modified(const struct ost_hive *h)
{
    return h->modified;
}

/* ---- names hivex cannot read ------------------------------------------------ */

/* Why hivex could not turn a name into text (errno after hivex_node_name or
 * hivex_value_key). */
static const char *unreadable_reason(int e)
{
    return e == EFAULT ? "runs past the end of its cell" : "is not valid UTF-16";
}

/* "SYSTEM" for a key path, whichever separator the name uses */
static const char *hive_short_name(const struct ost_hive *h)
{
    const char *slash = strrchr(h->name, '/'), *back = strrchr(h->name, '\\');
    const char *last = slash > back ? slash : back;
    return last ? last + 1 : h->name;
}

char *ost_hive_key_path(struct ost_hive *h, ost_hkey key)
{
    struct ost_strlist parts = {0};
    ost_hkey root = hivex_root(h->h);
    /* a hive is a tree, but a damaged one may loop: stop at Windows' depth limit */
    for (size_t depth = 0; key && key != root && depth < 512; depth++) {
        char *n = hivex_node_name(h->h, key);
        ost_strlist_add_owned(&parts, n ? n : ost_xstrdup("?"));
        errno = 0;
        key = hivex_node_parent(h->h, key);
    }
    struct ost_buf b = {0};
    ost_buf_adds(&b, hive_short_name(h));
    for (size_t i = parts.n; i-- > 0;)
        ost_buf_addf(&b, "\\%s", parts.v[i]);
    ost_strlist_free(&parts);
    return ost_buf_steal(&b);
}

char *ost_hive_unreadable_subkey(struct ost_hive *h, ost_hkey key)
{
    hive_node_h *children = hivex_node_children(h->h, key);
    size_t n = 0;
    while (children && children[n])
        n++;
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        errno = 0;
        char *name = hivex_node_name(h->h, children[i]);
        if (name) {
            free(name);
            continue;
        }
        int e = errno;
        char *path = ost_hive_key_path(h, key);
        found = ost_xasprintf("%s has a subkey whose name %s (subkey %zu of %zu, nk at offset 0x%zx)", path,
                              unreadable_reason(e), i + 1, n, (size_t)children[i]);
        free(path);
    }
    free(children);
    return found;
}

char *ost_hive_unreadable_value(struct ost_hive *h, ost_hkey key)
{
    hive_value_h *values = hivex_node_values(h->h, key);
    size_t n = 0;
    while (values && values[n])
        n++;
    char *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        errno = 0;
        char *name = hivex_value_key(h->h, values[i]);
        if (name) {
            free(name);
            continue;
        }
        int e = errno;
        char *path = ost_hive_key_path(h, key);
        found = ost_xasprintf("%s has a value whose name %s (value %zu of %zu, vk at offset 0x%zx)", path,
                              unreadable_reason(e), i + 1, n, (size_t)values[i]);
        free(path);
    }
    free(values);
    return found;
}

/* Refuses an edit that makes hivex rewrite a list holding a name it cannot
 * read: it would drop the name (values) or misplace the new one in an order
 * Windows keeps sorted (subkeys). */
static ost_status refuse_unreadable(struct ost_hive *h, char *problem, const char *edit, struct ost_error *err)
{
    ost_status st = ost_fail(err, OST_ERR_CORRUPT,
                             "%s: %s; offstage cannot %s there without losing or misplacing it. Delete or rename "
                             "that entry on a running Windows (regedit), or restore the hive from a backup",
                             h->name, problem, edit);
    free(problem);
    return st;
}

/* ---- keys --------------------------------------------------------------------- */

static struct child_index *find_index(struct ost_hive *h, ost_hkey parent)
{
    for (size_t i = 0; i < INDEXES; i++)
        if (h->index[i].parent == parent)
            return &h->index[i];
    return NULL;
}

static struct child_index *build_index(struct ost_hive *h, ost_hkey parent)
{
    struct child_index *x = &h->index[h->next_index];
    h->next_index = (h->next_index + 1) % INDEXES;
    ost_cimap_free(&x->names);
    x->parent = parent;
    x->unreadable = 0;
    hive_node_h *children = hivex_node_children(h->h, parent);
    for (size_t i = 0; children && children[i]; i++) {
        char *name = hivex_node_name(h->h, children[i]);
        x->unreadable += !name;
        /* the first of two equal names is the one a linear search finds */
        if (name && !ost_cimap_get(&x->names, name))
            ost_cimap_put(&x->names, name, (void *)(uintptr_t)children[i]);
        free(name);
    }
    free(children);
    return x;
}

/* The subkey of parent named name, or 0. A sibling whose name hivex cannot
 * read is passed over: such a name holds a UTF-16 code unit that no text
 * maps to, so it is not the name asked for (hivex_node_get_child gives up
 * at it and hides every sibling after it). */
static ost_hkey find_child(struct ost_hive *h, ost_hkey parent, const char *name)
{
    struct child_index *x = find_index(h, parent);
    if (!x && hivex_node_nr_children(h->h, parent) >= INDEX_MIN_CHILDREN)
        x = build_index(h, parent);
    if (x)
        return (ost_hkey)(uintptr_t)ost_cimap_get(&x->names, name);
    hive_node_h *children = hivex_node_children(h->h, parent);
    ost_hkey found = 0;
    for (size_t i = 0; children && children[i] && !found; i++) {
        char *n = hivex_node_name(h->h, children[i]);
        if (n && ost_streq_ci(n, name))
            found = children[i];
        free(n);
    }
    free(children);
    return found;
}

ost_hkey ost_hive_key(struct ost_hive *h, ost_hkey from, const char *path)
{
    ost_hkey node = from ? from : hivex_root(h->h);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    for (char *part = strtok_r(copy, "\\", &save); part && node; part = strtok_r(NULL, "\\", &save))
        node = find_child(h, node, part);
    free(copy);
    return node;
}

char *ost_hive_missing_note(struct ost_hive *h, ost_hkey from, const char *path)
{
    ost_hkey node = from ? from : hivex_root(h->h);
    char *copy = ost_xstrdup(path);
    char *save = NULL, *note = NULL;
    for (char *part = strtok_r(copy, "\\", &save); part; part = strtok_r(NULL, "\\", &save)) {
        ost_hkey child = find_child(h, node, part);
        if (!child) {
            /* an index knows, and keys that have none are small */
            struct child_index *x = find_index(h, node);
            char *problem = x && !x->unreadable ? NULL : ost_hive_unreadable_subkey(h, node);
            if (problem)
                note = ost_xasprintf(" (%s: it may be the %s looked for)", problem, part);
            free(problem);
            break;
        }
        node = child;
    }
    free(copy);
    return note ? note : ost_xstrdup("");
}

ost_status ost_hive_create_key(struct ost_hive *h, ost_hkey from, const char *path, ost_hkey *out,
                               struct ost_error *err)
{
    ost_hkey node = from ? from : hivex_root(h->h);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    ost_status st = OST_OK;
    for (char *part = strtok_r(copy, "\\", &save); part; part = strtok_r(NULL, "\\", &save)) {
        ost_hkey child = find_child(h, node, part);
        if (!child) {
            /* an index knows, and keys that have none are small */
            struct child_index *x = find_index(h, node);
            char *problem = x && !x->unreadable ? NULL : ost_hive_unreadable_subkey(h, node);
            if (problem) {
                char *what = ost_xasprintf("add the key %s", part);
                st = refuse_unreadable(h, problem, what, err);
                free(what);
                break;
            }
            errno = 0;
            child = hivex_node_add_child(h->h, node, part);
            if (!child) {
                st = ost_fail(err, OST_ERR_IO, "%s: cannot add key %s (in %s): %s", h->name, part, path,
                              strerror(errno ? errno : EINVAL));
                break;
            }
            if (x)
                ost_cimap_put(&x->names, part, (void *)(uintptr_t)child);
            h->modified = true;
            h->growth += 4096 + 2 * strlen(part);
        }
        node = child;
    }
    free(copy);
    *out = st == OST_OK ? node : 0;
    return st;
}

/* The first key at or below `key` holding a subkey or value name hivex
 * cannot read, described; NULL when there is none. */
static char *unreadable_below(struct ost_hive *h, ost_hkey key, size_t depth)
{
    char *problem = ost_hive_unreadable_value(h, key);
    if (!problem)
        problem = ost_hive_unreadable_subkey(h, key);
    if (problem || depth >= 512)
        return problem;
    hive_node_h *children = hivex_node_children(h->h, key);
    for (size_t i = 0; children && children[i] && !problem; i++)
        problem = unreadable_below(h, children[i], depth + 1);
    free(children);
    return problem;
}

ost_status ost_hive_delete_key(struct ost_hive *h, ost_hkey key, struct ost_error *err)
{
    /* hivex deletes the tree child by child and stops at a name it cannot
     * read, with the children before it already gone */
    char *problem = unreadable_below(h, key, 0);
    if (problem) {
        char *path = ost_hive_key_path(h, key);
        char *what = ost_xasprintf("delete %s", path);
        ost_status st = refuse_unreadable(h, problem, what, err);
        free(what), free(path);
        return st;
    }
    errno = 0;
    if (hivex_node_delete_child(h->h, key) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot delete key: %s", h->name, strerror(errno ? errno : EINVAL));
    /* the deleted keys' offsets may be reused by later edits */
    for (size_t i = 0; i < INDEXES; i++) {
        ost_cimap_free(&h->index[i].names);
        h->index[i].parent = 0;
    }
    h->modified = true;
    return OST_OK;
}

char *ost_hive_key_name(struct ost_hive *h, ost_hkey key)
{
    char *n = hivex_node_name(h->h, key);
    return n ? n : ost_xstrdup("");
}

void ost_hive_subkeys(struct ost_hive *h, ost_hkey key, struct ost_strlist *names)
{
    hive_node_h *children = hivex_node_children(h->h, key);
    for (size_t i = 0; children && children[i]; i++) {
        char *n = hivex_node_name(h->h, children[i]);
        if (n)
            ost_strlist_add_owned(names, n);
    }
    free(children);
}

/* ---- values ------------------------------------------------------------------- */

/* Like find_child: a value whose name hivex cannot read is passed over
 * (hivex_node_get_value gives up at it). hivex names the default value "". */
static hive_value_h find_value(struct ost_hive *h, ost_hkey key, const char *name)
{
    if (!key)
        return 0;
    hive_value_h *values = hivex_node_values(h->h, key);
    hive_value_h found = 0;
    for (size_t i = 0; values && values[i] && !found; i++) {
        char *n = hivex_value_key(h->h, values[i]);
        if (n && ost_streq_ci(n, name))
            found = values[i];
        free(n);
    }
    free(values);
    return found;
}

bool ost_hive_get_raw(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *type, uint8_t **data,
                      size_t *size)
{
    hive_value_h v = find_value(h, key, name);
    if (!v)
        return false;
    hive_type t;
    size_t len;
    char *bytes = hivex_value_value(h->h, v, &t, &len);
    if (!bytes)
        return false;
    *type = (uint32_t)t;
    *data = (uint8_t *)bytes;
    *size = len;
    return true;
}

char *ost_hive_get_string(struct ost_hive *h, ost_hkey key, const char *name)
{
    uint32_t t;
    uint8_t *d;
    size_t n;
    if (!ost_hive_get_raw(h, key, name, &t, &d, &n))
        return NULL;
    char *s = (t == OST_REG_SZ || t == OST_REG_EXPAND_SZ) ? ost_utf16le_to_utf8(d, n) : NULL;
    free(d);
    return s;
}

bool ost_hive_get_dword(struct ost_hive *h, ost_hkey key, const char *name, uint32_t *out)
{
    uint32_t t;
    uint8_t *d;
    size_t n;
    if (!ost_hive_get_raw(h, key, name, &t, &d, &n))
        return false;
    bool ok = t == OST_REG_DWORD && n == 4;
    if (ok)
        *out = ost_le32(d);
    free(d);
    return ok;
}

bool ost_hive_get_multi_string(struct ost_hive *h, ost_hkey key, const char *name, struct ost_strlist *out)
{
    uint32_t t;
    uint8_t *d;
    size_t n;
    if (!ost_hive_get_raw(h, key, name, &t, &d, &n))
        return false;
    bool ok = t == OST_REG_MULTI_SZ;
    for (size_t i = 0; ok && i + 1 < n;) {
        size_t j = i;
        while (j + 1 < n && (d[j] || d[j + 1]))
            j += 2;
        if (j == i)
            break; /* the empty string that ends the list */
        ost_strlist_add_owned(out, ost_utf16le_to_utf8(d + i, j - i));
        i = j + 2;
    }
    free(d);
    return ok;
}

void ost_hive_value_names(struct ost_hive *h, ost_hkey key, struct ost_strlist *names)
{
    hive_value_h *values = hivex_node_values(h->h, key);
    for (size_t i = 0; values && values[i]; i++) {
        char *n = hivex_value_key(h->h, values[i]);
        if (n)
            ost_strlist_add_owned(names, n);
    }
    free(values);
}

ost_status ost_hive_set_raw(struct ost_hive *h, ost_hkey key, const char *name, uint32_t type, const void *data,
                            size_t size, struct ost_error *err)
{
    char *problem = ost_hive_unreadable_value(h, key);
    if (problem) {
        char *what = ost_xasprintf("set the value %s", name[0] ? name : "(default)");
        ost_status st = refuse_unreadable(h, problem, what, err);
        free(what);
        return st;
    }
    hive_set_value v = {.key = (char *)name, .t = (hive_type)type, .len = size, .value = (char *)data};
    errno = 0;
    if (hivex_node_set_value(h->h, key, &v, 0) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot set value %s: %s", h->name, name[0] ? name : "(default)",
                        strerror(errno ? errno : EINVAL));
    h->modified = true;
    h->growth += 4096 + size + 2 * strlen(name);
    return OST_OK;
}

/* Appends text as the registry stores it, UTF-16LE with its terminator;
 * text that is not UTF-8 is refused rather than stored with U+FFFD in it. */
static ost_status add_reg_text(struct ost_hive *h, const char *name, const char *utf8, struct ost_buf *out,
                               struct ost_error *err)
{
    if (!ost_utf8_to_utf16(out, utf8, strlen(utf8), OST_UTF16LE))
        return ost_fail(err, OST_ERR_CORRUPT, "%s: value %s: the text to write is not valid UTF-8; give UTF-8 text",
                        h->name, name[0] ? name : "(default)");
    ost_buf_add(out, "\0\0", 2);
    return OST_OK;
}

ost_status ost_hive_set_string(struct ost_hive *h, ost_hkey key, const char *name, uint32_t type,
                               const char *utf8, struct ost_error *err)
{
    struct ost_buf w = {0};
    ost_status st = add_reg_text(h, name, utf8, &w, err);
    if (st == OST_OK)
        st = ost_hive_set_raw(h, key, name, type, w.data, w.len, err);
    ost_buf_free(&w);
    return st;
}

ost_status ost_hive_set_dword(struct ost_hive *h, ost_hkey key, const char *name, uint32_t v,
                              struct ost_error *err)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return ost_hive_set_raw(h, key, name, OST_REG_DWORD, b, 4, err);
}

ost_status ost_hive_set_multi_string(struct ost_hive *h, ost_hkey key, const char *name,
                                     const struct ost_strlist *v, struct ost_error *err)
{
    struct ost_buf b = {0};
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < v->n; i++)
        st = add_reg_text(h, name, v->v[i], &b, err);
    ost_buf_add(&b, "\0\0", 2);
    if (st == OST_OK)
        st = ost_hive_set_raw(h, key, name, OST_REG_MULTI_SZ, b.data, b.len, err);
    ost_buf_free(&b);
    return st;
}

ost_status ost_hive_delete_value(struct ost_hive *h, ost_hkey key, const char *name, struct ost_error *err)
{
    /* hivex replaces a key's whole value list; keep all but one, which
     * needs every name as text */
    char *problem = ost_hive_unreadable_value(h, key);
    if (problem) {
        char *what = ost_xasprintf("delete the value %s", name[0] ? name : "(default)");
        ost_status st = refuse_unreadable(h, problem, what, err);
        free(what);
        return st;
    }
    hive_value_h *values = hivex_node_values(h->h, key);
    size_t n = 0;
    while (values && values[n])
        n++;
    hive_set_value *keep = ost_xcalloc(n ? n : 1, sizeof *keep);
    size_t k = 0;
    bool found = false;
    ost_status st = OST_OK;
    for (size_t i = 0; i < n && st == OST_OK; i++) {
        char *vn = hivex_value_key(h->h, values[i]);
        hive_type t;
        size_t len;
        errno = 0;
        char *data = vn ? hivex_value_value(h->h, values[i], &t, &len) : NULL;
        if (!vn || !data) {
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: cannot delete value %s: value %zu of the key cannot be read: %s",
                          h->name, name, i + 1, strerror(errno ? errno : EINVAL));
            free(vn), free(data);
        } else if (!found && ost_streq_ci(vn, name)) {
            found = true;
            free(vn), free(data);
        } else {
            keep[k++] = (hive_set_value){.key = vn, .t = t, .len = len, .value = data};
        }
    }
    if (st == OST_OK && found) {
        errno = 0;
        if (hivex_node_set_values(h->h, key, k, keep, 0) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot delete value %s: %s", h->name, name,
                          strerror(errno ? errno : EINVAL));
        else
            h->modified = true;
    }
    for (size_t i = 0; i < k; i++)
        free(keep[i].key), free(keep[i].value);
    free(keep);
    free(values);
    return st;
}

uint64_t ost_hive_size_bound(const struct ost_hive *h)
{
    /* hivex appends what an edit allocates and never shrinks the file;
     * rewritten key and value lists can add more than the edits
     * themselves, hence the margin. */
    uint64_t base = h->file_size + h->growth;
    return base + base / 2 + (16u << 20);
}

ost_status ost_hive_save(struct ost_hive *h, const char *path, struct ost_error *err)
{
    errno = 0;
    if (hivex_commit(h->h, path, 0) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write hive: %s", path, strerror(errno ? errno : EIO));
    return OST_OK;
}
