/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "certstore.h"
#include "jsonutil.h"

#define MANIFEST_MAX (16u * 1024 * 1024)

/* The manifest is offstage's only record of what it staged; one that is
 * damaged cannot be repaired by guessing, so the message says what the
 * user can do instead. */
#define MANIFEST_FIX \
    "nothing was changed; restore the manifest from a backup, or remove it and undo what it listed by hand " \
    "(offstage then no longer knows those packages)"

static const char *json_kind(const json_t *v)
{
    if (!v)
        return "nothing";
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return "null";
    }
}

/* Reads one package entry, naming the JSON place of the first value of the
 * wrong type. */
struct manifest_reader {
    const char *where;
    size_t index;
    struct ost_error *err;
};

static ost_status shape_error(const struct manifest_reader *r, const char *place, const json_t *v,
                              const char *expected)
{
    return ost_fail(r->err, OST_ERR_CORRUPT, "%s: packages[%zu]%s: %s where %s is expected; %s", r->where, r->index,
                    place, json_kind(v), expected, MANIFEST_FIX);
}

static ost_status read_string(const struct manifest_reader *r, json_t *o, const char *key, bool required,
                              char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!required && (!v || json_is_null(v)))
        return OST_OK;
    char place[64];
    snprintf(place, sizeof place, ".%s", key);
    if (!json_is_string(v))
        return shape_error(r, place, v, "a string");
    *out = ost_xstrdup(json_string_value(v));
    return OST_OK;
}

static ost_status read_bool(const struct manifest_reader *r, json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    *out = json_is_true(v);
    char place[64];
    snprintf(place, sizeof place, ".%s", key);
    return !v || json_is_boolean(v) ? OST_OK : shape_error(r, place, v, "true or false");
}

/* An array of strings at o.key; `in` names where o is (".registry"). */
static ost_status read_strlist_in(const struct manifest_reader *r, json_t *o, const char *in, const char *key,
                                  struct ost_strlist *l)
{
    json_t *a = json_object_get(o, key), *v;
    char place[96];
    snprintf(place, sizeof place, "%s.%s", in, key);
    if (!a || json_is_null(a))
        return OST_OK;
    if (!json_is_array(a))
        return shape_error(r, place, a, "an array of strings");
    size_t i;
    json_array_foreach(a, i, v) {
        if (!json_is_string(v)) {
            snprintf(place, sizeof place, "%s.%s[%zu]", in, key, i);
            return shape_error(r, place, v, "a string");
        }
        ost_strlist_add(l, json_string_value(v));
    }
    return OST_OK;
}

static ost_status read_strlist(const struct manifest_reader *r, json_t *o, const char *key, struct ost_strlist *l)
{
    return read_strlist_in(r, o, "", key, l);
}

static bool is_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!strchr("0123456789abcdefABCDEF", s[n]))
            return false;
    return n == 64;
}

/* "boot_file_sha256": {PATH: HEX}, turned into a list parallel to boot_files. */
static ost_status read_boot_hashes(const struct manifest_reader *r, json_t *o, struct ost_staged *s)
{
    json_t *obj = json_object_get(o, "boot_file_sha256"), *v;
    if (obj && !json_is_null(obj) && !json_is_object(obj))
        return shape_error(r, ".boot_file_sha256", obj, "an object of SHA-256 digests");
    const char *key;
    json_object_foreach(obj, key, v) {
        if (!json_is_string(v) || !is_sha256_hex(json_string_value(v))) {
            char place[600];
            snprintf(place, sizeof place, ".boot_file_sha256[\"%.500s\"]", key);
            return shape_error(r, place, v, "a SHA-256 of 64 hex digits");
        }
    }
    for (size_t i = 0; i < s->boot_files.n; i++) {
        const char *h = json_string_value(json_object_get(obj, s->boot_files.v[i]));
        ost_strlist_add(&s->boot_hashes, h ? h : "");
    }
    return OST_OK;
}

#define REG_DATA_MAX (1u << 20) /* far above any value an INF or a re-arm writes */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* null (absent) or {"type": N, "data": "HEX"} */
static ost_status read_reg_state(const struct manifest_reader *r, json_t *v, const char *place,
                                 struct ost_reg_state *out)
{
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v))
        return OST_OK;
    json_t *type = json_object_get(v, "type"), *data = json_object_get(v, "data");
    char where[128];
    if (!json_is_object(v))
        return shape_error(r, place, v, "null or an object with type and data");
    snprintf(where, sizeof where, "%s.type", place);
    if (!json_is_integer(type) || json_integer_value(type) < 0 || json_integer_value(type) > 0xFFFFFFFFll)
        return shape_error(r, where, type, "a registry type number (0 to 4294967295)");
    snprintf(where, sizeof where, "%s.data", place);
    const char *hex = json_is_string(data) ? json_string_value(data) : NULL;
    size_t n = hex ? strlen(hex) : 0;
    bool ok = hex && n % 2 == 0 && n / 2 <= REG_DATA_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = hex_digit(hex[i]) >= 0;
    if (!ok)
        return shape_error(r, where, data, "a string of hex digit pairs (at most 1 MiB of data)");
    out->present = true;
    out->type = (uint32_t)json_integer_value(type);
    out->size = n / 2;
    out->data = ost_xmalloc(out->size ? out->size : 1);
    for (size_t i = 0; i < out->size; i++)
        out->data[i] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
    return OST_OK;
}

/* "registry": {"created_keys": [KEY...], "values": [{"key", "name", "before", "after"}...]} */
static ost_status read_registry(const struct manifest_reader *r, json_t *o, struct ost_staged *s)
{
    json_t *reg = json_object_get(o, "registry"), *values, *v;
    if (!reg || json_is_null(reg))
        return OST_OK;
    if (!json_is_object(reg))
        return shape_error(r, ".registry", reg, "an object");
    s->has_registry = true;
    ost_status st = read_strlist_in(r, reg, ".registry", "created_keys", &s->created_keys);
    if (st != OST_OK)
        return st;
    values = json_object_get(reg, "values");
    if (values && !json_is_null(values) && !json_is_array(values))
        return shape_error(r, ".registry.values", values, "an array");
    size_t i;
    json_array_foreach(values, i, v) {
        char place[96];
        snprintf(place, sizeof place, ".registry.values[%zu]", i);
        json_t *key = json_object_get(v, "key"), *name = json_object_get(v, "name");
        if (!json_is_object(v))
            return shape_error(r, place, v, "an object");
        char sub[128];
        snprintf(sub, sizeof sub, "%s.key", place);
        if (!json_is_string(key))
            return shape_error(r, sub, key, "a string");
        snprintf(sub, sizeof sub, "%s.name", place);
        if (!json_is_string(name))
            return shape_error(r, sub, name, "a string");
        struct ost_reg_state before, after;
        snprintf(sub, sizeof sub, "%s.before", place);
        st = read_reg_state(r, json_object_get(v, "before"), sub, &before);
        snprintf(sub, sizeof sub, "%s.after", place);
        if (st == OST_OK)
            st = read_reg_state(r, json_object_get(v, "after"), sub, &after);
        if (st != OST_OK) {
            ost_reg_state_free(&before);
            return st;
        }
        ost_grow(&s->changes, &s->changes_cap, s->nchanges + 1, sizeof *s->changes);
        s->changes[s->nchanges++] = (struct ost_reg_change){ost_xstrdup(json_string_value(key)),
                                                            ost_xstrdup(json_string_value(name)), before, after};
    }
    return OST_OK;
}

static ost_status read_package(const struct manifest_reader *r, json_t *p, struct ost_staged *s)
{
    memset(s, 0, sizeof *s);
    if (!json_is_object(p))
        return shape_error(r, "", p, "an object");
    ost_status st = read_string(r, p, "inf", true, &s->inf_name);
    if (st == OST_OK)
        st = read_string(r, p, "folder", true, &s->folder);
    const struct { const char *key; char **out; } strings[] = {
        {"arch", &s->arch}, {"class", &s->class_name}, {"class_guid", &s->class_guid},
        {"provider", &s->provider}, {"driver_ver", &s->driver_ver}, {"catalog", &s->catalog},
        {"setup_complete_line", &s->setup_complete_line},
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0] && st == OST_OK; i++)
        st = read_string(r, p, strings[i].key, false, strings[i].out);
    if (st == OST_OK)
        st = read_bool(r, p, "signed", &s->signed_);
    if (st == OST_OK)
        st = read_bool(r, p, "boot_critical", &s->boot_critical);
    const struct { const char *key; struct ost_strlist *l; } lists[] = {
        {"hardware_ids", &s->hardware_ids}, {"files", &s->files}, {"services", &s->services},
        {"boot_files", &s->boot_files}, {"critical_device_database", &s->cdd_keys},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0] && st == OST_OK; i++)
        st = read_strlist(r, p, lists[i].key, lists[i].l);
    if (st == OST_OK)
        st = read_boot_hashes(r, p, s);
    if (st == OST_OK)
        st = read_registry(r, p, s);
    return st;
}

/* ---- the trust record ------------------------------------------------------ */

static ost_status trust_error(const char *where, const char *place, const json_t *v, const char *expected,
                              struct ost_error *err)
{
    return ost_fail(err, OST_ERR_CORRUPT, "%s: test_signing%s: %s where %s is expected; %s", where, place,
                    json_kind(v), expected, MANIFEST_FIX);
}

static bool is_trust_store(const char *s)
{
    return ost_streq_ci(s, "ROOT") || ost_streq_ci(s, "TrustedPublisher");
}

/* A record that cannot be what offstage wrote: undoing it could take away
 * what was there before offstage, so nothing is done. */
static ost_status trust_conflict(const char *where, const char *place, const char *what, const char *why,
                                 struct ost_error *err)
{
    return ost_fail(err, OST_ERR_CORRUPT, "%s: test_signing%s: \"%.200s\" %s, which offstage never writes; %s", where,
                    place, what, why, MANIFEST_FIX);
}

/* A list of the two stores test-signing uses, by their key names. */
static ost_status read_stores(const char *where, const char *place, json_t *a, struct ost_strlist *out,
                              struct ost_error *err)
{
    if (!a || json_is_null(a))
        return OST_OK;
    if (!json_is_array(a))
        return trust_error(where, place, a, "an array of store names", err);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char at[96];
        snprintf(at, sizeof at, "%s[%zu]", place, i);
        if (!json_is_string(v) || !is_trust_store(json_string_value(v)))
            return trust_error(where, at, v, "\"ROOT\" or \"TrustedPublisher\"", err);
        if (ost_strlist_contains_ci(out, json_string_value(v)))
            return trust_conflict(where, at, json_string_value(v), "is named twice in the list", err);
        ost_strlist_add(out, json_string_value(v));
    }
    return OST_OK;
}

/* An absolute host path without "." or ".." components or empty ones:
 * what offstage records of a --bcd store (its real path). */
static bool is_plain_absolute_path(const char *s)
{
    if (s[0] != '/' || strstr(s, "//"))
        return false;
    for (const char *c = s; *c; c++)
        if (c[0] == '/' && c[1] == '.' && (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
            return false;
    return true;
}

/* One of the target's own boot stores: a path that stays inside it. */
static bool is_target_store(const char *s)
{
    size_t n = strlen(OST_TARGET_STORE_PREFIX);
    return strncmp(s, OST_TARGET_STORE_PREFIX, n) == 0 && ost_winpath_is_safe(s + n);
}

static bool is_guid(const char *s)
{
    if (strlen(s) != 38 || s[0] != '{' || s[37] != '}')
        return false;
    for (size_t i = 1; i < 37; i++)
        if (i == 9 || i == 14 || i == 19 || i == 24 ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    return true;
}

static ost_status read_trust(const char *where, json_t *t, struct ost_manifest_trust *out, struct ost_error *err)
{
    if (!t || json_is_null(t))
        return OST_OK;
    if (!json_is_object(t))
        return trust_error(where, "", t, "an object", err);
    json_t *certs = json_object_get(t, "certificates"), *ts = json_object_get(t, "testsigning_before"), *v;
    if (certs && !json_is_array(certs))
        return trust_error(where, ".certificates", certs, "an array", err);
    if (ts && !json_is_array(ts))
        return trust_error(where, ".testsigning_before", ts, "an array", err);
    size_t i;
    char place[96];
    ost_status st = OST_OK;
    json_array_foreach(certs, i, v) {
        snprintf(place, sizeof place, ".certificates[%zu]", i);
        json_t *tp = json_object_get(v, "thumbprint");
        char hex[41];
        if (!json_is_object(v))
            return trust_error(where, place, v, "an object", err);
        if (!json_is_string(tp) || strlen(json_string_value(tp)) != 40 || !ost_thumbprint_parse(json_string_value(tp), hex)) {
            snprintf(place, sizeof place, ".certificates[%zu].thumbprint", i);
            return trust_error(where, place, tp, "a SHA-1 thumbprint of 40 hex digits", err);
        }
        for (size_t k = 0; k < out->ncerts; k++)
            if (!strcmp(out->certs[k].thumbprint, hex))
                return trust_conflict(where, (snprintf(place, sizeof place, ".certificates[%zu].thumbprint", i), place),
                                      hex, "is recorded twice", err);
        ost_grow(&out->certs, &out->certs_cap, out->ncerts + 1, sizeof *out->certs);
        struct ost_trusted_cert *c = &out->certs[out->ncerts++];
        memset(c, 0, sizeof *c);
        memcpy(c->thumbprint, hex, sizeof hex);
        snprintf(place, sizeof place, ".certificates[%zu].added_to", i);
        st = read_stores(where, place, json_object_get(v, "added_to"), &c->added_to, err);
        snprintf(place, sizeof place, ".certificates[%zu].already_in", i);
        if (st == OST_OK)
            st = read_stores(where, place, json_object_get(v, "already_in"), &c->already_in, err);
        for (size_t k = 0; st == OST_OK && k < c->added_to.n; k++)
            if (ost_strlist_contains_ci(&c->already_in, c->added_to.v[k]))
                st = trust_conflict(where, place, c->added_to.v[k],
                                    "is both a store offstage added the certificate to and one it was in before", err);
        if (st != OST_OK)
            return st;
    }
    json_array_foreach(ts, i, v) {
        snprintf(place, sizeof place, ".testsigning_before[%zu]", i);
        if (!json_is_object(v))
            return trust_error(where, place, v, "an object", err);
        json_t *store = json_object_get(v, "store"), *obj = json_object_get(v, "object"),
               *before = json_object_get(v, "before");
        const char *sv = json_is_string(store) ? json_string_value(store) : NULL;
        if (!sv || !(strcmp(sv, OST_TEMPLATE_STORE) == 0 || is_plain_absolute_path(sv) || is_target_store(sv)))
            return trust_error(where, (snprintf(place, sizeof place, ".testsigning_before[%zu].store", i), place),
                               store, "\"" OST_TEMPLATE_STORE "\", \"" OST_TARGET_STORE_PREFIX "\" and a path inside "
                               "the image, or an absolute path without . or .. components", err);
        if (!json_is_string(obj) || !is_guid(json_string_value(obj)))
            return trust_error(where, (snprintf(place, sizeof place, ".testsigning_before[%zu].object", i), place),
                               obj, "a BCD object GUID", err);
        for (size_t k = 0; json_is_string(obj) && k < out->ntestsigning; k++)
            if (!strcmp(out->testsigning[k].store, sv) && ost_streq_ci(out->testsigning[k].object, json_string_value(obj)))
                return trust_conflict(where, (snprintf(place, sizeof place, ".testsigning_before[%zu].object", i), place),
                                      json_string_value(obj), "is recorded twice for the same store", err);
        const char *bv = json_is_string(before) ? json_string_value(before) : "";
        if (strcmp(bv, "absent") && strcmp(bv, "off"))
            return trust_error(where, (snprintf(place, sizeof place, ".testsigning_before[%zu].before", i), place),
                               before, "\"absent\" or \"off\"", err);
        ost_grow(&out->testsigning, &out->testsigning_cap, out->ntestsigning + 1, sizeof *out->testsigning);
        out->testsigning[out->ntestsigning++] = (struct ost_testsigning_change){
            ost_xstrdup(sv), ost_xstrdup(json_string_value(obj)), !strcmp(bv, "off")};
    }
    return OST_OK;
}

static json_t *trust_json(const struct ost_manifest_trust *t)
{
    json_t *certs = json_array(), *ts = json_array();
    for (size_t i = 0; i < t->ncerts; i++)
        json_array_append_new(certs, json_pack("{s:s, s:o, s:o}", "thumbprint", t->certs[i].thumbprint,
                                               "added_to", ost_strlist_json(&t->certs[i].added_to),
                                               "already_in", ost_strlist_json(&t->certs[i].already_in)));
    for (size_t i = 0; i < t->ntestsigning; i++)
        json_array_append_new(ts, json_pack("{s:s, s:s, s:s}", "store", t->testsigning[i].store, "object",
                                            t->testsigning[i].object, "before",
                                            t->testsigning[i].was_set ? "off" : "absent"));
    return json_pack("{s:o, s:o}", "certificates", certs, "testsigning_before", ts);
}

bool ost_manifest_trust_empty(const struct ost_manifest_trust *t)
{
    return t->ncerts == 0 && t->ntestsigning == 0;
}

void ost_manifest_trust_free(struct ost_manifest_trust *t)
{
    for (size_t i = 0; i < t->ncerts; i++)
        ost_strlist_free(&t->certs[i].added_to), ost_strlist_free(&t->certs[i].already_in);
    for (size_t i = 0; i < t->ntestsigning; i++)
        free(t->testsigning[i].store), free(t->testsigning[i].object);
    free(t->certs), free(t->testsigning);
    memset(t, 0, sizeof *t);
}

ost_status ost_manifest_parse(const uint8_t *data, size_t size, const char *where, struct ost_manifest *m,
                              struct ost_error *err)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, 0, &je);
    if (!doc)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: line %d, column %d: %s; %s", where, je.line, je.column, je.text,
                        MANIFEST_FIX);
    json_t *pkgs = json_object_get(doc, "packages"), *schema = json_object_get(doc, "schema");
    json_t *created = json_object_get(doc, "setup_complete_created");
    ost_status st = OST_OK;
    if (!json_is_object(doc))
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: the document: %s where an object is expected; %s", where,
                      json_kind(doc), MANIFEST_FIX);
    else if (schema && (!json_is_string(schema) || strcmp(json_string_value(schema), "offstage.manifest/1")))
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: schema: %s%s%s, not offstage.manifest/1: written by another "
                      "version of offstage, or not by offstage; nothing was changed", where,
                      json_is_string(schema) ? "\"" : "", json_is_string(schema) ? json_string_value(schema)
                                                                                   : json_kind(schema),
                      json_is_string(schema) ? "\"" : "");
    else if (!json_is_array(pkgs))
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: packages: %s where an array is expected; %s", where,
                      json_kind(pkgs), MANIFEST_FIX);
    else if (created && !json_is_boolean(created))
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: setup_complete_created: %s where true or false is expected; %s",
                      where, json_kind(created), MANIFEST_FIX);
    m->setup_complete_created = json_is_true(created);
    size_t i;
    json_t *p;
    if (st == OST_OK) {
        json_array_foreach(pkgs, i, p) {
            ost_grow(&m->items, &m->cap, m->n + 1, sizeof *m->items);
            struct manifest_reader r = {where, i, err};
            st = read_package(&r, p, &m->items[m->n++]);
            if (st != OST_OK)
                break;
        }
    }
    if (st == OST_OK)
        st = read_trust(where, json_object_get(doc, "test_signing"), &m->trust, err);
    json_decref(doc);
    if (st != OST_OK)
        ost_manifest_free(m);
    return st;
}

ost_status ost_manifest_read(struct ost_image *img, struct ost_manifest *m, struct ost_error *err)
{
    memset(m, 0, sizeof *m);
    if (img->manifest_written) {
        if (!img->manifest_text)
            return OST_OK;
        char *where = ost_xasprintf("%s: %s", img->target->name, OST_MANIFEST_PATH);
        ost_status st = ost_manifest_parse((const uint8_t *)img->manifest_text, strlen(img->manifest_text), where,
                                           m, err);
        free(where);
        return st;
    }
    if (ost_target_stat(img->target, OST_MANIFEST_PATH) == 0)
        return OST_OK; /* anything else than a file there is an error reading it */
    uint8_t *data;
    size_t size;
    ost_status st = ost_target_read_file(img->target, OST_MANIFEST_PATH, MANIFEST_MAX, &data, &size, err);
    if (st != OST_OK)
        return st;
    char *where = ost_xasprintf("%s: %s", img->target->name, OST_MANIFEST_PATH);
    st = ost_manifest_parse(data, size, where, m, err);
    free(where);
    free(data);
    return st;
}

void ost_staged_free(struct ost_staged *s)
{
    free(s->inf_name), free(s->folder), free(s->arch), free(s->class_name), free(s->class_guid);
    free(s->provider), free(s->driver_ver), free(s->catalog), free(s->setup_complete_line);
    ost_strlist_free(&s->hardware_ids), ost_strlist_free(&s->files), ost_strlist_free(&s->services);
    ost_strlist_free(&s->boot_files), ost_strlist_free(&s->cdd_keys), ost_strlist_free(&s->boot_hashes);
    ost_strlist_free(&s->created_keys);
    for (size_t i = 0; i < s->nchanges; i++) {
        free(s->changes[i].key), free(s->changes[i].name);
        ost_reg_state_free(&s->changes[i].before), ost_reg_state_free(&s->changes[i].after);
    }
    free(s->changes);
}

void ost_reg_state_free(struct ost_reg_state *v)
{
    free(v->data);
    memset(v, 0, sizeof *v);
}

void ost_reg_state_copy(struct ost_reg_state *to, const struct ost_reg_state *from)
{
    *to = *from;
    to->data = NULL;
    if (from->present) {
        to->data = ost_xmalloc(from->size ? from->size : 1);
        if (from->size)
            memcpy(to->data, from->data, from->size);
    }
}

void ost_staged_record_change(struct ost_staged *s, const char *key, const char *name,
                              const struct ost_reg_state *before, const struct ost_reg_state *after)
{
    s->has_registry = true;
    for (size_t i = 0; i < s->nchanges; i++) {
        struct ost_reg_change *c = &s->changes[i];
        if (ost_streq_ci(c->key, key) && ost_streq_ci(c->name, name)) {
            ost_reg_state_free(&c->after);
            ost_reg_state_copy(&c->after, after);
            return;
        }
    }
    ost_grow(&s->changes, &s->changes_cap, s->nchanges + 1, sizeof *s->changes);
    struct ost_reg_change *c = &s->changes[s->nchanges++];
    c->key = ost_xstrdup(key);
    c->name = ost_xstrdup(name);
    ost_reg_state_copy(&c->before, before);
    ost_reg_state_copy(&c->after, after);
}

static json_t *reg_state_json(const struct ost_reg_state *v)
{
    if (!v->present)
        return json_null();
    char *hex = ost_xmalloc(2 * v->size + 1);
    for (size_t i = 0; i < v->size; i++)
        snprintf(hex + 2 * i, 3, "%02x", v->data[i]);
    hex[2 * v->size] = '\0';
    json_t *o = json_pack("{s:I, s:s}", "type", (json_int_t)v->type, "data", hex);
    free(hex);
    return o;
}

static json_t *registry_json(const struct ost_staged *s)
{
    json_t *values = json_array();
    for (size_t i = 0; i < s->nchanges; i++) {
        const struct ost_reg_change *c = &s->changes[i];
        json_array_append_new(values, json_pack("{s:s, s:s, s:o, s:o}", "key", c->key, "name", c->name, "before",
                                                reg_state_json(&c->before), "after", reg_state_json(&c->after)));
    }
    return json_pack("{s:o, s:o}", "created_keys", ost_strlist_json(&s->created_keys), "values", values);
}

void ost_manifest_free(struct ost_manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        ost_staged_free(&m->items[i]);
    free(m->items);
    ost_manifest_trust_free(&m->trust);
    memset(m, 0, sizeof *m);
}

ost_status ost_manifest_write(struct ost_image *img, const struct ost_manifest *m, struct ost_error *err)
{
    if (m->n == 0 && ost_manifest_trust_empty(&m->trust)) {
        ost_status st = ost_target_stat(img->target, OST_MANIFEST_PATH) == 1
                            ? ost_target_remove_file(img->target, OST_MANIFEST_PATH, err) : OST_OK;
        if (st == OST_OK) {
            free(img->manifest_text);
            img->manifest_text = NULL;
            img->manifest_written = true;
        }
        return st;
    }
    json_t *pkgs = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const struct ost_staged *s = &m->items[i];
        json_t *hashes = json_object();
        for (size_t k = 0; k < s->boot_files.n && k < s->boot_hashes.n; k++)
            if (s->boot_hashes.v[k][0])
                json_object_set_new(hashes, s->boot_files.v[k], json_string(s->boot_hashes.v[k]));
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o}",
            "inf", s->inf_name, "folder", s->folder, "arch", s->arch, "class", s->class_name,
            "class_guid", s->class_guid, "provider", s->provider, "driver_ver", s->driver_ver, "catalog", s->catalog,
            "setup_complete_line", s->setup_complete_line,
            "signed", s->signed_, "boot_critical", s->boot_critical, "hardware_ids", ost_strlist_json(&s->hardware_ids),
            "files", ost_strlist_json(&s->files), "services", ost_strlist_json(&s->services),
            "boot_files", ost_strlist_json(&s->boot_files), "boot_file_sha256", hashes,
            "critical_device_database", ost_strlist_json(&s->cdd_keys)));
        if (s->has_registry)
            json_object_set_new(json_array_get(pkgs, json_array_size(pkgs) - 1), "registry", registry_json(s));
    }
    json_t *doc = json_pack("{s:s, s:s, s:b, s:o}", "schema", "offstage.manifest/1", "comment",
                            "Driver packages staged by offstage; read by offstage get-drivers and remove-driver.",
                            "setup_complete_created", m->setup_complete_created, "packages", pkgs);
    if (!ost_manifest_trust_empty(&m->trust))
        json_object_set_new(doc, "test_signing", trust_json(&m->trust));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    ost_status st = ost_target_write_bytes(img->target, OST_MANIFEST_PATH, text, strlen(text), err);
    if (st == OST_OK) {
        free(img->manifest_text);
        img->manifest_text = text;
        img->manifest_written = true;
    } else {
        free(text);
    }
    return st;
}

struct ost_staged *ost_manifest_find(const struct ost_manifest *m, const char *folder)
{
    for (size_t i = 0; i < m->n; i++)
        if (ost_streq_ci(m->items[i].folder, folder))
            return &m->items[i];
    return NULL;
}
