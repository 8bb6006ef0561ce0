/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "driverstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imagelang.h"
#include "manifest.h"

#define REPOSITORY "Windows\\System32\\DriverStore\\FileRepository"

/* A driver's date as INFs (DriverVer, "MM/DD/YYYY") and the registry
 * (DriverDate, "M-D-YYYY") write it, in ISO 8601 ("YYYY-MM-DD"), the one
 * form offstage prints dates in; what does not parse is kept as written. */
static char *iso_date(char *date)
{
    unsigned mo, d, y;
    char sep1, sep2, tail;
    if (!date || sscanf(date, "%u%c%u%c%u%c", &mo, &sep1, &d, &sep2, &y, &tail) != 5 || sep1 != sep2 ||
        (sep1 != '/' && sep1 != '-') || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1601 || y > 9999)
        return date;
    free(date);
    return ost_xasprintf("%04u-%02u-%02u", y, mo, d);
}

static void split_driver_ver(const char *text, char **date, char **version)
{
    *date = *version = NULL;
    if (!text)
        return;
    const char *comma = strchr(text, ',');
    *date = iso_date(comma ? ost_xstrndup(text, (size_t)(comma - text)) : ost_xstrdup(text));
    *version = comma ? ost_xstrdup(comma + 1) : NULL;
}

ost_status ost_store_model(struct ost_image *img, const char *inf_path, struct ost_driver_model **out,
                           struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    *out = NULL;
    ost_status st = ost_target_read_file(img->target, inf_path, OST_INF_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    struct ost_inf *inf;
    st = ost_inf_parse(data, size, inf_path, &(struct ost_inf_options){ost_image_language(img)}, &inf, NULL, err);
    free(data);
    if (st != OST_OK)
        return st;
    struct ost_model_options o = {.arches = {img->info.arch}, .narches = 1,
                                  .os = {img->info.major, img->info.minor, img->info.build, 1}};
    return ost_driver_model_build(inf, &o, out, err);
}

static bool boot_critical(const struct ost_driver_model *m)
{
    for (size_t i = 0; i < m->narches; i++)
        for (size_t k = 0; k < m->arches[i].nservices; k++)
            if (m->arches[i].services[k].has_start && m->arches[i].services[k].start_type == 0)
                return true;
    return false;
}

static void fill_from_model(struct ost_store_entry *e, const struct ost_driver_model *m)
{
    e->class_name = m->version.class_name ? ost_xstrdup(m->version.class_name) : NULL;
    e->provider = m->version.provider ? ost_xstrdup(m->version.provider) : NULL;
    split_driver_ver(m->version.driver_ver.text, &e->date, &e->version);
    e->boot_critical = boot_critical(m);
    e->has_catalog = m->narches && m->arches[0].catalog_file;
}

static struct ost_store_entry *add(struct ost_store *s)
{
    ost_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v);
    struct ost_store_entry *e = &s->v[s->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static bool same_file(struct ost_image *img, const char *a, const uint8_t *bdata, size_t bsize)
{
    uint8_t *adata;
    size_t asize;
    struct ost_error err;
    if (ost_target_read_file(img->target, a, OST_INF_MAX_FILE, &adata, &asize, &err) != OST_OK)
        return false;
    bool same = asize == bsize && memcmp(adata, bdata, asize) == 0;
    free(adata);
    return same;
}

/* The FileRepository folder holding an INF identical to the oemN.inf. */
static void find_original(struct ost_image *img, const struct ost_strlist *repo, struct ost_store_entry *e)
{
    uint8_t *data;
    size_t size;
    struct ost_error err;
    if (ost_target_read_file(img->target, e->inf_path, OST_INF_MAX_FILE, &data, &size, &err) != OST_OK)
        return;
    for (size_t i = 0; i < repo->n && !e->original_name; i++) {
        const char *cut = strstr(repo->v[i], ".inf_");
        if (!cut)
            continue;
        char *name = ost_xstrndup(repo->v[i], (size_t)(cut - repo->v[i]) + 4);
        char *folder = ost_winpath_join(REPOSITORY, repo->v[i]);
        char *inf = ost_winpath_join(folder, name);
        if (same_file(img, inf, data, size)) {
            e->original_name = name;
            e->folder = folder;
            name = folder = NULL;
        }
        free(name), free(folder), free(inf);
    }
    free(data);
}

static void list_published(struct ost_image *img, struct ost_store *s)
{
    struct ost_strlist infs = {0}, repo = {0};
    struct ost_error err;
    if (ost_target_list_dir(img->target, "Windows\\inf", &infs, &err) != OST_OK)
        return;
    if (ost_target_stat(img->target, REPOSITORY) == 2)
        ost_target_list_dir(img->target, REPOSITORY, &repo, &err);
    for (size_t i = 0; i < infs.n; i++) {
        const char *n = infs.v[i];
        if (!ost_has_prefix_ci(n, "oem") || !ost_has_suffix_ci(n, ".inf"))
            continue;
        struct ost_store_entry *e = add(s);
        e->published_name = ost_xstrdup(n);
        ost_str_lower(e->published_name);
        e->inf_path = ost_winpath_join("Windows\\inf", n);
        struct ost_driver_model *m;
        if (ost_store_model(img, e->inf_path, &m, &err) == OST_OK) {
            fill_from_model(e, m);
            ost_driver_model_free(m);
        }
        find_original(img, &repo, e);
    }
    ost_strlist_free(&infs);
    ost_strlist_free(&repo);
}

static struct ost_store_entry *find_published(struct ost_store *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!s->v[i].staged && ost_streq_ci(s->v[i].published_name, name))
            return &s->v[i];
    return NULL;
}

static char *take(char *current, char *value)
{
    if (current) {
        free(value);
        return current;
    }
    return value;
}

/* Driver keys (Control\Class\{guid}\NNNN) whose InfPath is a third-party
 * oemN.inf: what Windows installed, even when the INF is gone. */
static void list_installed(struct ost_image *img, struct ost_store *s)
{
    struct ost_hive *h = img->system;
    ost_hkey classes = ost_hive_key(h, img->control_set, "Control\\Class");
    struct ost_strlist guids = {0};
    if (classes)
        ost_hive_subkeys(h, classes, &guids);
    for (size_t g = 0; g < guids.n; g++) {
        ost_hkey ck = ost_hive_key(h, classes, guids.v[g]);
        struct ost_strlist insts = {0};
        ost_hive_subkeys(h, ck, &insts);
        for (size_t i = 0; i < insts.n; i++) {
            ost_hkey dk = ost_hive_key(h, ck, insts.v[i]);
            char *inf = ost_hive_get_string(h, dk, "InfPath");
            if (!inf || !ost_has_prefix_ci(inf, "oem") || !ost_has_suffix_ci(inf, ".inf")) {
                free(inf);
                continue;
            }
            ost_str_lower(inf);
            struct ost_store_entry *e = find_published(s, inf);
            if (!e) {
                e = add(s);
                e->published_name = ost_xstrdup(inf);
            }
            e->installed = true;
            e->class_name = take(e->class_name, ost_hive_get_string(h, ck, "Class"));
            e->provider = take(e->provider, ost_hive_get_string(h, dk, "ProviderName"));
            e->date = take(e->date, iso_date(ost_hive_get_string(h, dk, "DriverDate")));
            e->version = take(e->version, ost_hive_get_string(h, dk, "DriverVersion"));
            e->description = take(e->description, ost_hive_get_string(h, dk, "DriverDesc"));
            free(inf);
        }
        ost_strlist_free(&insts);
    }
    ost_strlist_free(&guids);
}

ost_status ost_store_list(struct ost_image *img, struct ost_store *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    struct ost_manifest m;
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    list_published(img, out);
    list_installed(img, out);
    size_t published = out->n;
    for (size_t i = 0; i < m.n; i++) {
        const struct ost_staged *p = &m.items[i];
        struct ost_store_entry *e = add(out);
        e->published_name = ost_xstrdup(p->folder);
        e->original_name = ost_xstrdup(p->inf_name);
        e->folder = ost_winpath_join(OST_STAGING_ROOT, p->folder);
        e->inf_path = ost_winpath_join(e->folder, p->inf_name);
        e->staged = true;
        e->class_name = p->class_name ? ost_xstrdup(p->class_name) : NULL;
        e->provider = p->provider ? ost_xstrdup(p->provider) : NULL;
        split_driver_ver(p->driver_ver, &e->date, &e->version);
        e->boot_critical = p->boot_critical;
        e->has_catalog = p->signed_;
        /* Windows imports a staged package on first boot: then an oemN.inf
         * holds the same INF. */
        uint8_t *data;
        size_t size;
        struct ost_error ignore;
        if (ost_target_read_file(img->target, e->inf_path, OST_INF_MAX_FILE, &data, &size, &ignore) == OST_OK) {
            for (size_t k = 0; k < published && !e->imported; k++)
                e->imported = out->v[k].inf_path && same_file(img, out->v[k].inf_path, data, size);
            free(data);
        }
    }
    ost_manifest_free(&m);
    return OST_OK;
}

void ost_store_free(struct ost_store *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct ost_store_entry *e = &s->v[i];
        free(e->published_name), free(e->original_name), free(e->inf_path), free(e->folder);
        free(e->class_name), free(e->provider), free(e->date), free(e->version), free(e->description);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

const struct ost_store_entry *ost_store_find(const struct ost_store *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct ost_store_entry *e = &s->v[i];
        if (ost_streq_ci(e->published_name, name) || (e->original_name && ost_streq_ci(e->original_name, name)))
            return e;
    }
    return NULL;
}
