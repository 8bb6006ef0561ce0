/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "certstore.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"

#define SHA1_LEN 20
#define PROP_HEADER 12

const char *const ost_certstore_default_stores[2] = {"ROOT", "TrustedPublisher"};

/* The machine stores of a Windows 7 SOFTWARE hive, spelt as Windows does. */
static const char *const standard_stores[] = {
    "AuthRoot", "CA", "Disallowed", "My", "REQUEST", "ROOT", "SmartCardRoot", "trust", "TrustedDevices",
    "TrustedPeople", "TrustedPublisher",
};

/* ---- thumbprints -------------------------------------------------------------- */

bool ost_thumbprint_parse(const char *s, char out[41])
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ':' || *s == ' ')
            continue;
        if (n == 40 || !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
            return false;
        out[n++] = (char)(*s >= 'a' ? *s - 'a' + 'A' : *s);
    }
    out[n] = 0;
    return n == 40;
}

/* ---- Blob -------------------------------------------------------------------- */

static void put_property(uint8_t *p, uint32_t id, const void *data, size_t len)
{
    ost_put_le32(p, id);
    ost_put_le32(p + 4, 1);
    ost_put_le32(p + 8, (uint32_t)len);
    memcpy(p + PROP_HEADER, data, len);
}

void ost_cert_blob_build(const struct ost_cert *c, uint8_t **blob, size_t *len)
{
    uint8_t sha1[SHA1_LEN];
    unsigned n = 0;
    EVP_Digest(c->der, c->der_len, sha1, &n, EVP_sha1(), NULL);
    *len = 2 * PROP_HEADER + SHA1_LEN + c->der_len;
    *blob = ost_xmalloc(*len);
    put_property(*blob, OST_CERT_PROP_SHA1_HASH, sha1, SHA1_LEN);
    put_property(*blob + PROP_HEADER + SHA1_LEN, OST_CERT_PROP_CERTIFICATE, c->der, c->der_len);
}

ost_status ost_cert_blob_parse(const uint8_t *blob, size_t len, const char *where, struct ost_cert_blob *out,
                               struct ost_error *err)
{
    *out = (struct ost_cert_blob){0};
    size_t off = 0;
    while (off < len) {
        if (len - off < PROP_HEADER)
            return ost_fail(err, OST_ERR_CORRUPT, "%s: offset %zu: %zu bytes left, too few for a property header (12)",
                            where, off, len - off);
        uint32_t id = ost_le32(blob + off), plen = ost_le32(blob + off + 8);
        if (plen > len - off - PROP_HEADER)
            return ost_fail(err, OST_ERR_CORRUPT, "%s: offset %zu: property 0x%X claims %u bytes, only %zu follow",
                            where, off, id, plen, len - off - PROP_HEADER);
        const uint8_t *data = blob + off + PROP_HEADER;
        if (id == OST_CERT_PROP_SHA1_HASH && plen == SHA1_LEN && !out->sha1)
            out->sha1 = data;
        else if (id == OST_CERT_PROP_CERTIFICATE && !out->der)
            out->der = data, out->der_len = plen;
        out->nprops++;
        off += PROP_HEADER + plen;
    }
    if (!out->der)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset %zu: no certificate property (0x20) in %zu propert%s", where,
                        len, out->nprops, out->nprops == 1 ? "y" : "ies");
    if (out->sha1) {
        uint8_t md[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        EVP_Digest(out->der, out->der_len, md, &n, EVP_sha1(), NULL);
        out->hash_matches = !memcmp(md, out->sha1, SHA1_LEN);
    }
    return OST_OK;
}

/* ---- stores ------------------------------------------------------------------ */

const char *ost_cert_action_name(enum ost_cert_action a)
{
    switch (a) {
    case OST_CERT_ADD: return "add";
    case OST_CERT_PRESENT: return "present";
    case OST_CERT_REPLACE: return "replace";
    }
    return "?";
}

static ost_hkey stores_key(struct ost_image *img)
{
    return ost_hive_key(img->software, 0, OST_CERTSTORE_KEY);
}

static ost_hkey certificates_key(struct ost_image *img, const char *store)
{
    ost_hkey stores = stores_key(img);
    ost_hkey s = stores ? ost_hive_key(img->software, stores, store) : 0;
    return s ? ost_hive_key(img->software, s, "Certificates") : 0;
}

ost_status ost_certstore_check_name(struct ost_image *img, const char *store, char **canonical,
                                    struct ost_error *err)
{
    *canonical = NULL;
    if (!*store || strchr(store, '\\'))
        return ost_fail(err, OST_ERR_USAGE, "'%s' is not a store name (ROOT, TrustedPublisher, CA, ...)", store);
    ost_hkey stores = stores_key(img);
    ost_hkey existing = stores ? ost_hive_key(img->software, stores, store) : 0;
    if (existing) {
        *canonical = ost_hive_key_name(img->software, existing);
        return OST_OK;
    }
    for (size_t i = 0; i < sizeof standard_stores / sizeof standard_stores[0]; i++)
        if (ost_streq_ci(store, standard_stores[i])) {
            *canonical = ost_xstrdup(standard_stores[i]);
            return OST_OK;
        }
    return ost_fail(err, OST_ERR_USAGE,
                    "%s: no certificate store '%s' in SOFTWARE\\%s, and it is not a standard machine store "
                    "(ROOT, TrustedPublisher, CA, AuthRoot, Disallowed, My, TrustedPeople, ...)",
                    img->target->name, store, OST_CERTSTORE_KEY);
}

static char *entry_where(struct ost_image *img, const char *store, const char *key)
{
    return ost_xasprintf("%s: SOFTWARE\\%s\\%s\\Certificates\\%s\\Blob", img->target->name, OST_CERTSTORE_KEY, store,
                         key);
}

/* The certificate of a parsed Blob; messages give its offset in the Blob. */
static bool read_blob_certificate(const char *where, const uint8_t *data, const struct ost_cert_blob *blob,
                                  struct ost_cert *out, struct ost_error *err)
{
    char *name = ost_xasprintf("%s (the certificate at offset %zu)", where, (size_t)(blob->der - data));
    bool ok = ost_cert_from_der(blob->der, blob->der_len, name, out, err) == OST_OK;
    free(name);
    return ok;
}

/* Reads an entry's Blob into e (store, key set by the caller). Sets
 * e->problem when Windows would not use the entry. */
static void read_entry(struct ost_image *img, ost_hkey entry, struct ost_certstore_entry *e)
{
    char *where = entry_where(img, e->store, e->key);
    uint32_t type;
    uint8_t *data = NULL;
    size_t size;
    struct ost_error err;
    struct ost_cert_blob blob;
    if (!ost_hive_get_raw(img->software, entry, "Blob", &type, &data, &size))
        e->problem = ost_xasprintf("%s: no such value", where);
    else if (type != OST_REG_BINARY)
        e->problem = ost_xasprintf("%s: value of type %u, not REG_BINARY", where, type);
    else if (ost_cert_blob_parse(data, size, where, &blob, &err) != OST_OK)
        e->problem = ost_xstrdup(err.message);
    else if (!read_blob_certificate(where, data, &blob, &e->cert, &err))
        e->problem = ost_xstrdup(err.message);
    else {
        e->has_hash = blob.sha1 != NULL;
        e->hash_matches = blob.hash_matches;
        e->key_matches = ost_streq_ci(e->key, e->cert.thumbprint);
        if (!e->key_matches)
            e->problem = ost_xasprintf("%s: the key is named %s but holds the certificate %s", where, e->key,
                                       e->cert.thumbprint);
        else if (e->has_hash && !e->hash_matches)
            e->problem = ost_xasprintf("%s: property 3 (SHA-1) is not the hash of the certificate", where);
    }
    free(data);
    free(where);
}

static void entry_free(struct ost_certstore_entry *e)
{
    free(e->store), free(e->key), free(e->problem);
    ost_cert_free(&e->cert);
}

/* Reads the thumbprint's entry of store; false when there is none. */
static bool find_entry(struct ost_image *img, const char *store, const char *thumbprint,
                       struct ost_certstore_entry *e)
{
    *e = (struct ost_certstore_entry){0};
    ost_hkey certs = certificates_key(img, store);
    ost_hkey entry = certs ? ost_hive_key(img->software, certs, thumbprint) : 0;
    if (!entry)
        return false;
    e->store = ost_xstrdup(store);
    e->key = ost_hive_key_name(img->software, entry);
    read_entry(img, entry, e);
    return true;
}

ost_status ost_certstore_plan_add(struct ost_image *img, const char *store, const struct ost_cert *c,
                                  enum ost_cert_action *action, char **reason, struct ost_error *err)
{
    (void)err;
    struct ost_certstore_entry e;
    *reason = NULL;
    *action = OST_CERT_ADD;
    if (!find_entry(img, store, c->thumbprint, &e))
        return OST_OK;
    *action = OST_CERT_REPLACE;
    if (e.problem)
        *reason = ost_xstrdup(e.problem);
    else if (!e.has_hash)
        *reason = ost_xasprintf("the Blob of %s in %s lacks the SHA-1 property Windows writes", e.key, store);
    else
        *action = OST_CERT_PRESENT; /* a valid entry for this thumbprint is this certificate */
    entry_free(&e);
    return OST_OK;
}

ost_status ost_certstore_add(struct ost_image *img, const char *store, const struct ost_cert *c,
                             enum ost_cert_action *action, struct ost_error *err)
{
    char *reason;
    ost_status st = ost_certstore_plan_add(img, store, c, action, &reason, err);
    free(reason);
    if (st != OST_OK || *action == OST_CERT_PRESENT)
        return st;
    struct ost_hive *h = img->software;
    ost_hkey s, k;
    char *path = ost_xasprintf("%s\\%s", OST_CERTSTORE_KEY, store);
    st = ost_hive_create_key(h, 0, path, &s, err);
    free(path);
    /* Windows gives every store these three keys. */
    if (st == OST_OK)
        st = ost_hive_create_key(h, s, "CRLs", &k, err);
    if (st == OST_OK)
        st = ost_hive_create_key(h, s, "CTLs", &k, err);
    if (st == OST_OK)
        st = ost_hive_create_key(h, s, "Certificates", &k, err);
    if (st == OST_OK)
        st = ost_hive_create_key(h, k, c->thumbprint, &k, err);
    if (st != OST_OK)
        return st;
    uint8_t *blob;
    size_t len;
    ost_cert_blob_build(c, &blob, &len);
    st = ost_hive_set_raw(h, k, "Blob", OST_REG_BINARY, blob, len, err);
    free(blob);
    return st;
}

ost_status ost_certstore_remove(struct ost_image *img, const char *store, const char *thumbprint,
                                struct ost_error *err)
{
    ost_hkey certs = certificates_key(img, store);
    ost_hkey entry = certs ? ost_hive_key(img->software, certs, thumbprint) : 0;
    if (!entry)
        return OST_NEGATIVE;
    return ost_hive_delete_key(img->software, entry, err);
}

bool ost_certstore_has_entry(struct ost_image *img, const char *store, const char *thumbprint)
{
    ost_hkey certs = certificates_key(img, store);
    return certs && ost_hive_key(img->software, certs, thumbprint);
}

bool ost_certstore_has(struct ost_image *img, const char *store, const char *thumbprint)
{
    struct ost_certstore_entry e;
    if (!find_entry(img, store, thumbprint, &e))
        return false;
    bool ok = !e.problem;
    entry_free(&e);
    return ok;
}

static void list_store(struct ost_image *img, ost_hkey store_key, struct ost_certstore_list *out)
{
    ost_hkey certs = ost_hive_key(img->software, store_key, "Certificates");
    if (!certs)
        return;
    char *store = ost_hive_key_name(img->software, store_key);
    struct ost_strlist keys = {0};
    ost_hive_subkeys(img->software, certs, &keys);
    for (size_t i = 0; i < keys.n; i++) {
        ost_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
        struct ost_certstore_entry *e = &out->v[out->n++];
        *e = (struct ost_certstore_entry){.store = ost_xstrdup(store), .key = ost_xstrdup(keys.v[i])};
        read_entry(img, ost_hive_key(img->software, certs, keys.v[i]), e);
    }
    /* Windows sees an entry offstage cannot name: listed, not hidden */
    char *unreadable = ost_hive_unreadable_subkey(img->software, certs);
    if (unreadable) {
        ost_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
        out->v[out->n++] = (struct ost_certstore_entry){
            .store = ost_xstrdup(store), .key = ost_xstrdup("?"),
            .problem = ost_xasprintf("%s: %s", img->target->name, unreadable)};
        free(unreadable);
    }
    ost_strlist_free(&keys);
    free(store);
}

ost_status ost_certstore_list(struct ost_image *img, const struct ost_strlist *stores,
                              struct ost_certstore_list *out, struct ost_error *err)
{
    (void)err;
    *out = (struct ost_certstore_list){0};
    ost_hkey root = stores_key(img);
    if (!root)
        return OST_OK;
    struct ost_strlist all = {0};
    if (!stores || !stores->n) {
        ost_hive_subkeys(img->software, root, &all);
        stores = &all;
    }
    for (size_t i = 0; i < stores->n; i++) {
        ost_hkey s = ost_hive_key(img->software, root, stores->v[i]);
        if (s)
            list_store(img, s, out);
    }
    ost_strlist_free(&all);
    return OST_OK;
}

void ost_certstore_list_free(struct ost_certstore_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        entry_free(&l->v[i]);
    free(l->v);
    *l = (struct ost_certstore_list){0};
}

char *ost_certstore_add_warning(const char *store, const struct ost_cert *c)
{
    if (!c->is_ca || !ost_streq_ci(store, "TrustedPublisher"))
        return NULL;
    return ost_xasprintf("%s (%s) is a CA certificate (basicConstraints CA:TRUE): in TrustedPublisher it trusts "
                         "nothing, since Windows counts only the end-entity certificate that signed the package "
                         "there; put that signer certificate in TrustedPublisher (add-cert --cert SIGNER.cer "
                         "--store TrustedPublisher) and this CA in ROOT", c->subject, c->thumbprint);
}
