/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "hive.h"

#include <errno.h>
#include <hivex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "regf.h"

struct ost_hive {
    hive_h *h;
    char *path;
    bool modified;
    uint64_t file_size; /* of the hive as opened */
    uint64_t growth;    /* a rough upper bound of what edits added */
};

/* ---- UTF-16 ---------------------------------------------------------------- */

uint8_t *ost_utf8_to_utf16le(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    uint8_t *out = ost_xmalloc(n * 4 + 2);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = ost_utf8_decode((const uint8_t *)s + i, n - i, &c);
        if (!len)
            c = 0xFFFD, len = 1; /* not UTF-8: one replacement character per byte */
        i += len;
        if (c >= 0x10000) {
            c -= 0x10000;
            ost_put_le16(out + k, (uint16_t)(0xD800 + (c >> 10)));
            ost_put_le16(out + k + 2, (uint16_t)(0xDC00 + (c & 0x3FF)));
            k += 4;
        } else {
            ost_put_le16(out + k, (uint16_t)c);
            k += 2;
        }
    }
    *out_len = k;
    return out;
}

char *ost_utf16le_to_utf8(const uint8_t *p, size_t len)
{
    struct ost_buf b = {0};
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t c = ost_le16(p + i);
        if (c == 0)
            break;
        if (c >= 0xD800 && c <= 0xDBFF && i + 3 < len) {
            uint32_t lo = ost_le16(p + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        ost_buf_add_utf8(&b, c);
    }
    return ost_buf_steal(&b);
}

/* ---- open / close ------------------------------------------------------------ */

ost_status ost_hive_open(const char *path, const struct ost_hive_open_options *opts, struct ost_hive **out,
                         struct ost_error *err)
{
    *out = NULL;
    struct ost_regf_header hdr;
    ost_status st = ost_regf_read_header(path, &hdr, err);
    if (st != OST_OK)
        return st;
    bool writable = opts && opts->writable;
    if (ost_regf_is_dirty(&hdr) && !(opts && opts->allow_dirty))
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: offset 4: the hive is dirty (sequence numbers %u and %u differ): its transaction log "
                        "holds changes not yet written to it, and Windows would replay them over any edit. Boot "
                        "that Windows once and shut it down cleanly, or give --force to edit it anyway",
                        path, hdr.sequence1, hdr.sequence2);
    errno = 0;
    hive_h *h = hivex_open(path, writable ? HIVEX_OPEN_WRITE : 0);
    if (!h)
        return ost_fail(err, errno == ENOENT || errno == EACCES ? OST_ERR_IO : OST_ERR_CORRUPT,
                        "%s: not a readable registry hive: %s", path, strerror(errno ? errno : EINVAL));
    struct ost_hive *hv = ost_xcalloc(1, sizeof *hv);
    hv->h = h;
    hv->path = ost_xstrdup(path);
    struct stat sb;
    hv->file_size = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    *out = hv;
    return OST_OK;
}

void ost_hive_close(struct ost_hive *h)
{
    if (!h)
        return;
    hivex_close(h->h);
    free(h->path);
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

/* ---- keys --------------------------------------------------------------------- */

ost_hkey ost_hive_root(struct ost_hive *h)
{
    return hivex_root(h->h);
}

ost_hkey ost_hive_key(struct ost_hive *h, ost_hkey from, const char *path)
{
    ost_hkey node = from ? from : hivex_root(h->h);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    for (char *part = strtok_r(copy, "\\", &save); part && node; part = strtok_r(NULL, "\\", &save))
        node = hivex_node_get_child(h->h, node, part);
    free(copy);
    return node;
}

ost_status ost_hive_create_key(struct ost_hive *h, ost_hkey from, const char *path, ost_hkey *out,
                               struct ost_error *err)
{
    ost_hkey node = from ? from : hivex_root(h->h);
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    ost_status st = OST_OK;
    for (char *part = strtok_r(copy, "\\", &save); part; part = strtok_r(NULL, "\\", &save)) {
        ost_hkey child = hivex_node_get_child(h->h, node, part);
        if (!child) {
            errno = 0;
            child = hivex_node_add_child(h->h, node, part);
            if (!child) {
                st = ost_fail(err, OST_ERR_IO, "%s: cannot add key %s (in %s): %s", h->path, part, path,
                              strerror(errno ? errno : EINVAL));
                break;
            }
            h->modified = true;
            h->growth += 4096 + 2 * strlen(part);
        }
        node = child;
    }
    free(copy);
    *out = st == OST_OK ? node : 0;
    return st;
}

ost_status ost_hive_delete_key(struct ost_hive *h, ost_hkey key, struct ost_error *err)
{
    if (hivex_node_delete_child(h->h, key) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot delete key: %s", h->path, strerror(errno));
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

static hive_value_h find_value(struct ost_hive *h, ost_hkey key, const char *name)
{
    if (!key)
        return 0;
    /* hivex names the default value "" */
    return hivex_node_get_value(h->h, key, name);
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
    hive_set_value v = {.key = (char *)name, .t = (hive_type)type, .len = size, .value = (char *)data};
    errno = 0;
    if (hivex_node_set_value(h->h, key, &v, 0) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot set value %s: %s", h->path, name[0] ? name : "(default)",
                        strerror(errno ? errno : EINVAL));
    h->modified = true;
    h->growth += 4096 + size + 2 * strlen(name);
    return OST_OK;
}

ost_status ost_hive_set_string(struct ost_hive *h, ost_hkey key, const char *name, uint32_t type,
                               const char *utf8, struct ost_error *err)
{
    size_t n;
    uint8_t *w = ost_utf8_to_utf16le(utf8, &n);
    w[n] = 0, w[n + 1] = 0; /* Windows stores the terminator */
    ost_status st = ost_hive_set_raw(h, key, name, type, w, n + 2, err);
    free(w);
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
    for (size_t i = 0; i < v->n; i++) {
        size_t n;
        uint8_t *w = ost_utf8_to_utf16le(v->v[i], &n);
        ost_buf_add(&b, w, n);
        ost_buf_add(&b, "\0\0", 2);
        free(w);
    }
    ost_buf_add(&b, "\0\0", 2);
    ost_status st = ost_hive_set_raw(h, key, name, OST_REG_MULTI_SZ, b.data, b.len, err);
    ost_buf_free(&b);
    return st;
}

ost_status ost_hive_delete_value(struct ost_hive *h, ost_hkey key, const char *name, struct ost_error *err)
{
    /* hivex replaces a key's whole value list; keep all but one. */
    hive_value_h *values = hivex_node_values(h->h, key);
    size_t n = 0;
    while (values && values[n])
        n++;
    hive_set_value *keep = ost_xcalloc(n ? n : 1, sizeof *keep);
    size_t k = 0;
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        char *vn = hivex_value_key(h->h, values[i]);
        hive_type t;
        size_t len;
        char *data = hivex_value_value(h->h, values[i], &t, &len);
        if (vn && ost_streq_ci(vn, name)) {
            found = true;
            free(vn), free(data);
            continue;
        }
        keep[k++] = (hive_set_value){.key = vn, .t = t, .len = len, .value = data};
    }
    ost_status st = OST_OK;
    if (found) {
        if (hivex_node_set_values(h->h, key, k, keep, 0) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot delete value %s: %s", h->path, name, strerror(errno));
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
