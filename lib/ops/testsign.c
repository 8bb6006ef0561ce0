/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testsign.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bcd.h"
#include "catalog.h"
#include "firstboot.h"
#include "fileutil.h"

/* ---- the stores of an image ------------------------------------------------- */

static const char *own_store_name(const struct ost_image *img, size_t i)
{
    const struct ost_target *t = img->target;
    return i < t->boot_store_names.n ? t->boot_store_names.v[i] : t->boot_stores.v[i];
}

size_t ost_image_bcd_count(const struct ost_image *img)
{
    return img->target->boot_stores.n ? img->target->boot_stores.n : 1;
}

ost_status ost_image_bcd_open(struct ost_image *img, size_t i, bool writable, struct ost_bcd **out,
                              struct ost_error *err)
{
    if (!img->target->boot_stores.n)
        return ost_bcd_open_template(img, writable, out, err);
    return ost_bcd_open_in_image(img, img->target->boot_stores.v[i], own_store_name(img, i), writable, out, err);
}

ost_status ost_image_bcd_stage(struct ost_image *img, size_t i, struct ost_bcd *b, struct ost_error *err)
{
    if (!img->target->boot_stores.n)
        return ost_bcd_stage_template(img, b, err);
    return ost_bcd_stage_in_image(img, img->target->boot_stores.v[i], b, err);
}

/* How the manifest names a store of the target's own. */
static char *own_store_id(const char *path)
{
    return ost_xasprintf("%s%s", OST_TARGET_STORE_PREFIX, path);
}

/* Whether testsigning must still be turned on in the target's i-th store;
 * one that apply could not write (dirty, unless the image was opened with
 * --force, or with nothing to turn it on in) is refused here, before
 * anything is written. Opened writable only in memory: nothing is saved. */
static ost_status plan_own_store(struct ost_image *img, size_t i, bool *needed, struct ost_error *err)
{
    struct ost_bcd *b;
    *needed = false;
    ost_status st = ost_image_bcd_open(img, i, true, &b, err);
    if (st != OST_OK)
        return st;
    ost_bcd_scope scope;
    st = ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, err);
    *needed = st == OST_NEGATIVE;
    size_t *idx = NULL, n = 0;
    if (st == OST_NEGATIVE)
        st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    if (st == OST_NEGATIVE) {
        char *why = ost_xstrdup(err->message);
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: testsigning cannot be turned on there; nothing was changed", why);
        free(why);
    }
    free(idx);
    ost_bcd_close(b);
    return st;
}

ost_status ost_testsign_plan(struct ost_image *img, const struct ost_cert *cert, struct ost_testsign_plan *out,
                             struct ost_error *err)
{
    *out = (struct ost_testsign_plan){0};
    char *reason = NULL;
    ost_status st = ost_certstore_plan_add(img, "ROOT", cert, &out->root, &reason, err);
    free(reason), reason = NULL;
    if (st == OST_OK)
        st = ost_certstore_plan_add(img, "TrustedPublisher", cert, &out->trusted_publisher, &reason, err);
    free(reason);
    size_t nown = img->target->boot_stores.n;
    if (st == OST_OK && nown > OST_BOOT_MAX_STORES)
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: %zu boot stores; at most %d are handled", img->target->name, nown,
                      OST_BOOT_MAX_STORES);
    bool own_changes = false;
    for (size_t i = 0; st == OST_OK && i < nown; i++) {
        st = plan_own_store(img, i, &out->boot_store_needed[i], err);
        own_changes = own_changes || out->boot_store_needed[i];
    }
    out->nboot_stores = nown;
    /* the store the system boots from is known: the template has no say */
    ost_tristate ts = OST_UNKNOWN;
    if (st == OST_OK && !nown)
        st = ost_image_testsigning(img, &ts, err);
    out->has_template = ts != OST_UNKNOWN;
    out->testsigning_on = ts == OST_YES;
    out->changes = out->root != OST_CERT_PRESENT || out->trusted_publisher != OST_CERT_PRESENT ||
                   (out->has_template && !out->testsigning_on) || own_changes;
    return st;
}

static bool change_recorded(const struct ost_manifest_trust *t, const char *store, const char *object)
{
    for (size_t i = 0; i < t->ntestsigning; i++)
        if (!strcmp(t->testsigning[i].store, store) && ost_streq_ci(t->testsigning[i].object, object))
            return true;
    return false;
}

static void record_change(struct ost_manifest_trust *t, const char *store, const char *object, bool was_set)
{
    if (change_recorded(t, store, object))
        return; /* the first value offstage saw is the one to go back to */
    ost_grow(&t->testsigning, &t->testsigning_cap, t->ntestsigning + 1, sizeof *t->testsigning);
    t->testsigning[t->ntestsigning++] = (struct ost_testsigning_change){ost_xstrdup(store), ost_xstrdup(object),
                                                                        was_set};
}

/* Sets testsigning on every object ost_bcd_targets picks; *changed when any
 * was not on already, each recorded in rec (may be NULL) under `store`. */
static ost_status set_testsigning(struct ost_bcd *b, bool *changed, struct ost_manifest_trust *rec,
                                  const char *store, struct ost_error *err)
{
    size_t *idx = NULL, n = 0;
    ost_bcd_scope scope;
    *changed = false;
    ost_status st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    for (size_t i = 0; st == OST_OK && i < n; i++) {
        bool c = false, was_set = b->v[idx[i]].flags[OST_BCD_TESTSIGNING].set;
        st = ost_bcd_set_flag(b, idx[i], OST_BCD_TESTSIGNING, true, &c, err);
        if (st == OST_OK && c && rec)
            record_change(rec, store, b->v[idx[i]].guid, was_set);
        *changed = *changed || c;
    }
    free(idx);
    return st;
}

static ost_status template_testsigning_on(struct ost_image *img, struct ost_manifest_trust *rec,
                                          struct ost_error *err)
{
    struct ost_bcd *b;
    bool changed = false;
    ost_status st = ost_bcd_open_template(img, true, &b, err);
    if (st == OST_OK)
        st = set_testsigning(b, &changed, rec, OST_TEMPLATE_STORE, err);
    if (st == OST_OK)
        st = ost_bcd_stage_template(img, b, err);
    ost_bcd_close(b);
    return st;
}

/* Turns testsigning on in each of the target's stores the plan found off,
 * staged through the target like the hives: the image's commit writes
 * them, or nothing. */
static ost_status own_stores_testsigning_on(struct ost_image *img, const struct ost_testsign_plan *plan,
                                            struct ost_manifest_trust *rec, struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < plan->nboot_stores && i < img->target->boot_stores.n; i++) {
        if (!plan->boot_store_needed[i])
            continue;
        struct ost_bcd *b;
        bool changed = false;
        char *id = own_store_id(img->target->boot_stores.v[i]);
        st = ost_image_bcd_open(img, i, true, &b, err);
        if (st == OST_OK)
            st = set_testsigning(b, &changed, rec, id, err);
        if (st == OST_OK)
            st = ost_image_bcd_stage(img, i, b, err);
        ost_bcd_close(b);
        free(id);
    }
    return st;
}

static struct ost_trusted_cert *cert_record(struct ost_manifest_trust *t, const char *thumbprint)
{
    for (size_t i = 0; i < t->ncerts; i++)
        if (!strcmp(t->certs[i].thumbprint, thumbprint))
            return &t->certs[i];
    ost_grow(&t->certs, &t->certs_cap, t->ncerts + 1, sizeof *t->certs);
    struct ost_trusted_cert *c = &t->certs[t->ncerts++];
    memset(c, 0, sizeof *c);
    snprintf(c->thumbprint, sizeof c->thumbprint, "%s", thumbprint);
    return c;
}

static bool list_has(const struct ost_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (ost_streq_ci(l->v[i], s))
            return true;
    return false;
}

/* A store the certificate is added to counts as offstage's; one that held
 * it (and that no earlier run of offstage filled) as the user's. */
static ost_status trust_in(struct ost_image *img, const char *store, enum ost_cert_action planned,
                           const struct ost_cert *cert, struct ost_trusted_cert *rec, struct ost_error *err)
{
    enum ost_cert_action a;
    if (planned == OST_CERT_PRESENT) {
        if (!list_has(&rec->added_to, store) && !list_has(&rec->already_in, store))
            ost_strlist_add(&rec->already_in, store);
        return OST_OK;
    }
    ost_status st = ost_certstore_add(img, store, cert, &a, err);
    /* a damaged entry replaced was the user's: it is not taken away later */
    if (st == OST_OK && planned == OST_CERT_ADD && !list_has(&rec->added_to, store))
        ost_strlist_add(&rec->added_to, store);
    return st;
}

ost_status ost_testsign_apply(struct ost_image *img, const struct ost_cert *cert,
                              const struct ost_testsign_plan *plan, const struct ost_manifest_trust *also,
                              struct ost_error *err)
{
    struct ost_manifest m;
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    struct ost_trusted_cert *rec = cert_record(&m.trust, cert->thumbprint);
    st = trust_in(img, "ROOT", plan->root, cert, rec, err);
    if (st == OST_OK)
        st = trust_in(img, "TrustedPublisher", plan->trusted_publisher, cert, rec, err);
    if (st == OST_OK && plan->has_template && !plan->testsigning_on)
        st = template_testsigning_on(img, &m.trust, err);
    if (st == OST_OK)
        st = own_stores_testsigning_on(img, plan, &m.trust, err);
    for (size_t i = 0; also && i < also->ntestsigning; i++)
        record_change(&m.trust, also->testsigning[i].store, also->testsigning[i].object, also->testsigning[i].was_set);
    if (st == OST_OK)
        st = ost_manifest_write(img, &m, err);
    ost_manifest_free(&m);
    return st;
}

/* A store that could not be written later (dirty, or in a folder we may
 * not write) is refused here, before anything else is written. */
ost_status ost_testsign_bcd_plan(const char *path, bool allow_dirty, bool *needed, struct ost_error *err)
{
    struct ost_bcd *b;
    *needed = false;
    ost_status st = ost_bcd_open(path, true, allow_dirty, &b, err);
    if (st != OST_OK)
        return st;
    ost_bcd_scope scope;
    st = ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, err);
    *needed = st == OST_NEGATIVE;
    size_t *idx = NULL, n = 0;
    if (st == OST_NEGATIVE) /* off, or nothing to turn it on in: say which */
        st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    free(idx);
    ost_bcd_close(b);
    char *dir = ost_path_dirname(path);
    if (st == OST_OK && *needed && access(dir, W_OK) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: its folder is not writable, so testsigning cannot be turned on there; "
                      "nothing was changed", path);
    free(dir);
    return st;
}

ost_status ost_testsign_bcd_prepare(const char *path, bool allow_dirty, char **tmp, struct ost_error *err)
{
    return ost_testsign_bcd_prepare_recorded(path, allow_dirty, tmp, NULL, err);
}

/* A store outside the image is recorded by its absolute path: the one
 * remove-driver --bcd names is compared to it the same way. */
static char *store_id(const char *path)
{
    char buf[PATH_MAX];
    return ost_xstrdup(realpath(path, buf) ? buf : path);
}

ost_status ost_testsign_bcd_prepare_recorded(const char *path, bool allow_dirty, char **tmp,
                                             struct ost_manifest_trust *changes, struct ost_error *err)
{
    struct ost_bcd *b;
    bool changed = false;
    *tmp = NULL;
    ost_status st = ost_bcd_open(path, true, allow_dirty, &b, err);
    if (st != OST_OK)
        return st;
    char *id = store_id(path);
    st = set_testsigning(b, &changed, changes, id, err);
    free(id);
    if (st == OST_OK && changed)
        st = ost_bcd_save_beside(b, tmp, err);
    ost_bcd_close(b);
    return st;
}

/* ---- undoing ----------------------------------------------------------------- */

static void add_line(struct ost_strlist *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_line(struct ost_strlist *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = ost_xvasprintf(fmt, ap);
    va_end(ap);
    ost_strlist_add(l, s);
    free(s);
}

/* A package still staged whose catalog's signer chains to the certificate
 * (DER): its name, or NULL. */
static char *package_signed_by(struct ost_image *img, const struct ost_manifest *m, const uint8_t *der, size_t n)
{
    struct ost_cat_trust *t = ost_cat_trust_new();
    struct ost_error e;
    char *found = NULL;
    if (ost_cat_trust_add_der(t, der, n, "the test-signing certificate", &e) != OST_OK) {
        ost_cat_trust_free(t);
        return NULL;
    }
    for (size_t i = 0; i < m->n && !found; i++) {
        const struct ost_staged *s = &m->items[i];
        if (!s->catalog || strchr(s->catalog, '\\') || strchr(s->catalog, '/'))
            continue;
        char *folder = ost_winpath_join(OST_STAGING_ROOT, s->folder);
        char *path = ost_winpath_join(folder, s->catalog);
        uint8_t *data = NULL;
        size_t size = 0;
        struct ost_catalog *cat = NULL;
        struct ost_cat_verdict v = {0};
        if (ost_target_read_file(img->target, path, 64u << 20, &data, &size, &e) == OST_OK &&
            ost_catalog_parse(data, size, path, &cat, &e) == OST_OK && ost_catalog_verify(cat, t, &v, &e) == OST_OK &&
            v.status == OST_CAT_SIG_TRUSTED)
            found = ost_xstrdup(s->folder);
        ost_cat_verdict_free(&v);
        ost_catalog_free(cat);
        free(data), free(path), free(folder);
    }
    ost_cat_trust_free(t);
    return found;
}

/* The certificate's DER as a store of the image holds it. */
static bool cert_der(struct ost_image *img, const char *thumbprint, struct ost_buf *out)
{
    struct ost_certstore_list l = {0};
    struct ost_error e;
    bool found = false;
    if (ost_certstore_list(img, NULL, &l, &e) == OST_OK)
        for (size_t i = 0; i < l.n && !found; i++)
            if (l.v[i].cert.der && l.v[i].key_matches && !strcmp(l.v[i].cert.thumbprint, thumbprint)) {
                ost_buf_add(out, l.v[i].cert.der, l.v[i].cert.der_len);
                found = true;
            }
    ost_certstore_list_free(&l);
    return found;
}

static char *join_stores(const struct ost_strlist *l)
{
    struct ost_buf b = {0};
    for (size_t i = 0; i < l->n; i++)
        ost_buf_addf(&b, "%s%s", i ? " and " : "", l->v[i]);
    return b.data ? b.data : ost_xstrdup("");
}

/* Sets testsigning back on the recorded objects of one store: off where
 * the object had its own element, no element where it had none. */
static ost_status restore_testsigning(struct ost_bcd *b, const struct ost_manifest_trust *t, const char *store,
                                      struct ost_strlist *undone, const char *where, struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = 0; i < t->ntestsigning && st == OST_OK; i++) {
        const struct ost_testsigning_change *c = &t->testsigning[i];
        if (strcmp(c->store, store))
            continue;
        struct ost_bcd_object *o = ost_bcd_find(b, c->object);
        if (!o) {
            add_line(undone, "%s: object %s is gone; nothing to set back there", where, c->object);
            continue;
        }
        if (c->was_set) {
            bool changed;
            st = ost_bcd_set_flag(b, (size_t)(o - b->v), OST_BCD_TESTSIGNING, false, &changed, err);
        } else {
            char path[32];
            snprintf(path, sizeof path, "Elements\\%08x", ost_bcd_flag_element(OST_BCD_TESTSIGNING));
            ost_hkey k = ost_hive_key(b->hive, o->key, path);
            if (k)
                st = ost_hive_delete_key(b->hive, k, err);
        }
        if (st == OST_OK)
            add_line(undone, "%s: testsigning on %s back to %s", where, ost_bcd_display_id(b, o->guid),
                             c->was_set ? "off" : "unset (off)");
    }
    return st;
}

static void drop_store(struct ost_manifest_trust *t, const char *store)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ntestsigning; i++) {
        if (!strcmp(t->testsigning[i].store, store))
            free(t->testsigning[i].store), free(t->testsigning[i].object);
        else
            t->testsigning[n++] = t->testsigning[i];
    }
    t->ntestsigning = n;
}

/* The certificates: each removed from the stores offstage added it to, or
 * kept and said why. *needed when a staged package is still signed by one. */
static ost_status undo_certs(struct ost_image *img, struct ost_manifest *m, const struct ost_untrust_options *o,
                             struct ost_untrust_result *r, bool *needed, struct ost_error *err)
{
    ost_status st = OST_OK;
    size_t kept = 0;
    *needed = false;
    for (size_t i = 0; i < m->trust.ncerts && st == OST_OK; i++) {
        struct ost_trusted_cert *c = &m->trust.certs[i];
        char *stores = join_stores(&c->added_to);
        struct ost_buf der = {0};
        char *user = cert_der(img, c->thumbprint, &der) ? package_signed_by(img, m, (const uint8_t *)der.data, der.len)
                                                        : NULL;
        *needed = *needed || user;
        bool keep = c->added_to.n && (!o->with_trust || user);
        if (c->added_to.n && !o->with_trust)
            add_line(&r->left, "certificate %s stays trusted in %s (add-driver --test-sign added it; "
                             "--with-trust removes it)", c->thumbprint, stores);
        else if (keep)
            add_line(&r->left, "certificate %s stays trusted in %s: %s, still staged, is signed by it",
                             c->thumbprint, stores, user);
        for (size_t k = 0; !keep && k < c->added_to.n && st == OST_OK; k++) {
            st = ost_certstore_remove(img, c->added_to.v[k], c->thumbprint, err);
            if (st == OST_NEGATIVE) /* removed since: nothing left to take back */
                add_line(&r->undone, "certificate %s is no longer in %s (removed since); nothing to take back there",
                         c->thumbprint, c->added_to.v[k]);
            else if (st == OST_OK)
                add_line(&r->undone, "certificate %s removed from %s", c->thumbprint, c->added_to.v[k]);
            if (st == OST_NEGATIVE)
                st = OST_OK;
        }
        if (st == OST_OK && c->already_in.n && o->with_trust) {
            char *before = join_stores(&c->already_in);
            add_line(&r->left, "certificate %s stays in %s: it was there before offstage", c->thumbprint,
                             before);
            free(before);
        }
        free(stores), free(user), ost_buf_free(&der);
        if (keep && st == OST_OK)
            m->trust.certs[kept++] = *c;
        else
            ost_strlist_free(&c->added_to), ost_strlist_free(&c->already_in);
    }
    m->trust.ncerts = kept;
    return st;
}

ost_status ost_testsign_undo(struct ost_image *img, const struct ost_untrust_options *o, struct ost_untrust_result *r,
                             struct ost_error *err)
{
    struct ost_manifest m;
    size_t nbcd = o->bcd ? o->bcd->n : 0;
    r->nbcd = nbcd;
    r->bcd_tmp = ost_xcalloc(nbcd ? nbcd : 1, sizeof *r->bcd_tmp);
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK || ost_manifest_trust_empty(&m.trust)) {
        ost_manifest_free(&m);
        return st;
    }
    bool needed = false;
    st = undo_certs(img, &m, o, r, &needed, err);
    bool restore = o->with_trust && !needed;
    /* the stores in the record, each once */
    struct ost_strlist stores = {0};
    for (size_t i = 0; i < m.trust.ntestsigning; i++)
        if (!list_has(&stores, m.trust.testsigning[i].store))
            ost_strlist_add(&stores, m.trust.testsigning[i].store);
    for (size_t i = 0; i < stores.n && st == OST_OK; i++) {
        const char *store = stores.v[i];
        bool template = !strcmp(store, OST_TEMPLATE_STORE);
        size_t prefix = strlen(OST_TARGET_STORE_PREFIX);
        const char *own = !strncmp(store, OST_TARGET_STORE_PREFIX, prefix) ? store + prefix : NULL;
        long own_index = -1; /* among the stores the target names now */
        for (size_t k = 0; own && k < img->target->boot_stores.n; k++)
            if (ost_streq_ci(img->target->boot_stores.v[k], own))
                own_index = (long)k;
        const char *where = template ? "the image's BCD-Template"
                            : own_index >= 0 ? own_store_name(img, (size_t)own_index)
                            : own ? own : store;
        long given = -1;
        for (size_t k = 0; !template && !own && k < nbcd; k++) {
            char *id = store_id(o->bcd->v[k]);
            if (!strcmp(id, store))
                given = (long)k;
            free(id);
        }
        if (restore && own && own_index < 0) {
            add_line(&r->left, "testsigning stays on in %s of %s: add-driver --test-sign turned it on there, and "
                     "the target does not name it among its boot stores now, so it is left as it is", own,
                     img->target->name);
            continue;
        }
        if (!restore || (!template && !own && given < 0)) {
            add_line(&r->left, "testsigning stays on in %s%s", where,
                             !o->with_trust ? " (add-driver --test-sign turned it on; --with-trust turns it back)"
                             : needed ? ": a package still staged is test-signed"
                                      : " (outside the image): give --bcd with it to turn it back");
            continue;
        }
        struct ost_bcd *b = NULL;
        st = template ? ost_bcd_open_template(img, true, &b, err)
             : own    ? ost_image_bcd_open(img, (size_t)own_index, true, &b, err)
                      : ost_bcd_open(store, true, o->allow_dirty, &b, err);
        if (st == OST_OK)
            st = restore_testsigning(b, &m.trust, store, &r->undone, where, err);
        /* the image's own stores are staged on a dry run too: the caller does not commit */
        if (st == OST_OK && template)
            st = ost_bcd_stage_template(img, b, err);
        else if (st == OST_OK && own)
            st = ost_image_bcd_stage(img, (size_t)own_index, b, err);
        else if (st == OST_OK && !o->dry_run && ost_bcd_modified(b))
            st = ost_bcd_save_beside(b, &r->bcd_tmp[given], err);
        ost_bcd_close(b);
        if (st == OST_OK)
            drop_store(&m.trust, store);
    }
    ost_strlist_free(&stores);
    if (st == OST_OK)
        st = ost_manifest_write(img, &m, err);
    /* nothing of offstage's is left: neither is its folder */
    const char *folders[] = {OST_STAGING_ROOT, "Windows\\offstage"};
    for (size_t i = 0; i < 2 && st == OST_OK && m.n == 0 && ost_manifest_trust_empty(&m.trust); i++)
        if (ost_target_stat(img->target, folders[i]) == 2)
            st = ost_target_remove_dir(img->target, folders[i], err);
    ost_manifest_free(&m);
    return st;
}

ost_status ost_testsign_undo_finish(struct ost_untrust_result *r, const struct ost_strlist *bcd,
                                    struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = 0; i < r->nbcd && bcd && i < bcd->n && st == OST_OK; i++) {
        if (!r->bcd_tmp[i])
            continue;
        st = ost_rename_into_place(r->bcd_tmp[i], bcd->v[i], err);
        if (st != OST_OK) {
            char *why = ost_xstrdup(err->message);
            ost_fail(err, st, "%s\nThe image is written, but testsigning is still on in the BCD store %s. To "
                     "finish, run:\n  offstage bcd --store %s --set testsigning off", why, bcd->v[i], bcd->v[i]);
            free(why);
        }
        free(r->bcd_tmp[i]);
        r->bcd_tmp[i] = NULL;
    }
    return st;
}

void ost_untrust_result_free(struct ost_untrust_result *r)
{
    ost_strlist_free(&r->undone), ost_strlist_free(&r->left);
    for (size_t i = 0; i < r->nbcd; i++) {
        if (r->bcd_tmp[i])
            unlink(r->bcd_tmp[i]);
        free(r->bcd_tmp[i]);
    }
    free(r->bcd_tmp);
    memset(r, 0, sizeof *r);
}
