/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog: the PKCS#7 envelope's framing and the certificate trust list,
 * read into the model, and what callers look up in the model. */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "catalog_internal.h"
#include "der.h"
#include "encoding.h"
#include "fileutil.h"

/* UTF-16 to UTF-8, up to the NULs that end or pad it; unpaired surrogates become U+FFFD. */
static char *utf16_text(const uint8_t *p, size_t n, bool big_endian)
{
    return ost_utf16_to_utf8(p, n, big_endian ? OST_UTF16BE : OST_UTF16LE, NULL);
}

/* ---- the trust list ------------------------------------------------------------ */

static ost_status parse_name_value(const struct ost_der *d, const struct ost_der_tlv *v, struct ost_cat_attr *a)
{
    size_t p = v->start;
    struct ost_der_tlv name, flags, value;
    ost_status st;
    if (v->tag != OST_DER_SEQUENCE)
        return ost_der_corrupt(d, v->off, "a name-value attribute: expected a SEQUENCE, found tag 0x%02x", v->tag);
    if ((st = ost_der_expect(d, &p, v->end, OST_DER_BMP_STRING, &name, "the attribute name")) != OST_OK ||
        (st = ost_der_expect(d, &p, v->end, OST_DER_INTEGER, &flags, "the attribute flags")) != OST_OK ||
        (st = ost_der_expect(d, &p, v->end, OST_DER_OCTET_STRING, &value, "the attribute value")) != OST_OK ||
        (st = ost_der_uint32(d, &flags, &a->flags, "the attribute flags")) != OST_OK)
        return st;
    if (p != v->end)
        return ost_der_corrupt(d, p, "unexpected data after a name-value attribute");
    a->name = utf16_text(d->p + name.start, name.len, true);
    if (a->flags & NAME_VALUE_BASE64) {
        a->value = ost_xmalloc(4 * (value.len / 3 + 1) + 1);
        EVP_EncodeBlock((unsigned char *)a->value, d->p + value.start, (int)value.len);
    } else {
        a->value = utf16_text(d->p + value.start, value.len, false);
    }
    return OST_OK;
}

static void add_attr(struct ost_cat_attr **v, size_t *n, struct ost_cat_attr *a)
{
    *v = ost_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = *a;
}

static ost_status parse_member_info(const struct ost_der *d, const struct ost_der_tlv *v, struct ost_cat_member *m)
{
    size_t p = v->start;
    struct ost_der_tlv guid, version;
    ost_status st;
    if (v->tag != OST_DER_SEQUENCE)
        return ost_der_corrupt(d, v->off, "the member info: expected a SEQUENCE, found tag 0x%02x", v->tag);
    if ((st = ost_der_expect(d, &p, v->end, OST_DER_BMP_STRING, &guid, "the member info's subject GUID")) != OST_OK ||
        (st = ost_der_expect(d, &p, v->end, OST_DER_INTEGER, &version, "the member info's version")) != OST_OK)
        return st;
    if (!m->subject_guid)
        m->subject_guid = utf16_text(d->p + guid.start, guid.len, true);
    return OST_OK;
}

static ost_status parse_indirect_data(const struct ost_der *d, const struct ost_der_tlv *v, struct ost_cat_member *m)
{
    size_t p = v->start, q, r;
    struct ost_der_tlv data, digest_info, alg, digest;
    char type[128], alg_oid[128];
    ost_status st;
    if (v->tag != OST_DER_SEQUENCE)
        return ost_der_corrupt(d, v->off, "the member's SpcIndirectDataContent: expected a SEQUENCE, found tag 0x%02x",
                               v->tag);
    if ((st = ost_der_expect(d, &p, v->end, OST_DER_SEQUENCE, &data, "the SpcIndirectDataContent data")) != OST_OK ||
        (st = ost_der_expect(d, &p, v->end, OST_DER_SEQUENCE, &digest_info, "the member's DigestInfo")) != OST_OK)
        return st;
    q = data.start;
    if ((st = ost_der_oid(d, &q, data.end, type, sizeof type, "the member's data type")) != OST_OK)
        return st;
    r = digest_info.start;
    if ((st = ost_der_expect(d, &r, digest_info.end, OST_DER_SEQUENCE, &alg, "the member's digest algorithm")) ||
        (st = ost_der_expect(d, &r, digest_info.end, OST_DER_OCTET_STRING, &digest, "the member's digest")))
        return st;
    q = alg.start;
    if ((st = ost_der_oid(d, &q, alg.end, alg_oid, sizeof alg_oid, "the member's digest algorithm")) != OST_OK)
        return st;
    if (digest.len == 0 || digest.len > OST_CATALOG_MAX_HASH)
        return ost_der_corrupt(d, digest.off, "the member's digest is %zu bytes; a hash is 1 to %d", digest.len,
                               OST_CATALOG_MAX_HASH);
    if (m->has_hash)
        return OST_OK;
    m->has_hash = true;
    m->pe = !strcmp(type, OID_SPC_PE_IMAGE_DATA);
    m->hash_alg = ost_xstrdup(ost_oid_digest_name(alg_oid));
    memcpy(m->hash, d->p + digest.start, digest.len);
    m->hash_len = digest.len;
    return OST_OK;
}

static ost_status parse_member_attribute(const struct ost_der *d, const struct ost_der_tlv *a, struct ost_cat_member *m)
{
    size_t p = a->start, q;
    struct ost_der_tlv values, v;
    char type[128];
    ost_status st;
    if ((st = ost_der_oid(d, &p, a->end, type, sizeof type, "the member attribute's type")) != OST_OK ||
        (st = ost_der_expect(d, &p, a->end, OST_DER_SET, &values, "the member attribute's values")) != OST_OK)
        return st;
    q = values.start;
    if ((st = ost_der_next(d, &q, values.end, &v, "the member attribute's value")) != OST_OK)
        return st;
    if (!strcmp(type, OID_NAME_VALUE)) {
        struct ost_cat_attr attr = {0};
        if ((st = parse_name_value(d, &v, &attr)) != OST_OK)
            return free(attr.name), free(attr.value), st;
        if (!m->file && ost_streq_ci(attr.name, "File"))
            m->file = ost_xstrdup(attr.value);
        add_attr(&m->attrs, &m->nattrs, &attr);
    } else if (!strcmp(type, OID_MEMBER_INFO)) {
        return parse_member_info(d, &v, m);
    } else if (!strcmp(type, OID_SPC_INDIRECT_DATA)) {
        return parse_indirect_data(d, &v, m);
    }
    return OST_OK;
}

/* The member tag: UTF-16LE hex text as Windows writes it, else the bytes in hex. */
static char *member_tag(const uint8_t *p, size_t n)
{
    if (n >= 2 && n % 2 == 0) {
        char *s = utf16_text(p, n, false);
        if (*s && strspn(s, "0123456789ABCDEFabcdef") == strlen(s))
            return s;
        free(s);
    }
    return ost_cat_hex(p, n);
}

static ost_status parse_member(const struct ost_der *d, const struct ost_der_tlv *t, struct ost_cat_member *m)
{
    size_t p = t->start, q;
    struct ost_der_tlv id, attrs, a;
    ost_status st;
    m->offset = t->off;
    if ((st = ost_der_expect(d, &p, t->end, OST_DER_OCTET_STRING, &id, "the member's subject identifier")) != OST_OK)
        return st;
    m->tag = member_tag(d->p + id.start, id.len);
    if (p == t->end)
        return OST_OK;
    if ((st = ost_der_expect(d, &p, t->end, OST_DER_SET, &attrs, "the member's attributes")) != OST_OK)
        return st;
    for (q = attrs.start; q < attrs.end;) {
        if ((st = ost_der_expect(d, &q, attrs.end, OST_DER_SEQUENCE, &a, "a member attribute")) != OST_OK ||
            (st = parse_member_attribute(d, &a, m)) != OST_OK)
            return st;
    }
    if (p != t->end)
        return ost_der_corrupt(d, p, "unexpected data after a member's attributes");
    return OST_OK;
}

static void member_free(struct ost_cat_member *m)
{
    free(m->tag), free(m->file), free(m->hash_alg), free(m->subject_guid);
    for (size_t i = 0; i < m->nattrs; i++)
        free(m->attrs[i].name), free(m->attrs[i].value);
    free(m->attrs);
}

static ost_status parse_members(const struct ost_der *d, const struct ost_der_tlv *list, struct ost_catalog *c)
{
    size_t cap = 0;
    for (size_t p = list->start; p < list->end;) {
        struct ost_der_tlv t;
        ost_status st = ost_der_expect(d, &p, list->end, OST_DER_SEQUENCE, &t, "a catalog member");
        if (st != OST_OK)
            return st;
        ost_grow(&c->members, &cap, c->nmembers + 1, sizeof *c->members);
        struct ost_cat_member *m = &c->members[c->nmembers++];
        memset(m, 0, sizeof *m);
        if ((st = parse_member(d, &t, m)) != OST_OK)
            return st;
    }
    return OST_OK;
}

/* ctlExtensions: [0] { SEQUENCE OF Extension }, each name-value attribute
 * DER-encoded inside the extension's OCTET STRING. */
static ost_status parse_catalog_attrs(const struct ost_der *d, const struct ost_der_tlv *wrapper, struct ost_catalog *c)
{
    size_t p = wrapper->start;
    struct ost_der_tlv list;
    ost_status st = ost_der_expect(d, &p, wrapper->end, OST_DER_SEQUENCE, &list, "the catalog attributes");
    if (st != OST_OK)
        return st;
    for (size_t q = list.start; q < list.end;) {
        struct ost_der_tlv ext, value, inner;
        char type[128];
        if ((st = ost_der_expect(d, &q, list.end, OST_DER_SEQUENCE, &ext, "a catalog attribute")) != OST_OK)
            return st;
        size_t r = ext.start;
        if ((st = ost_der_oid(d, &r, ext.end, type, sizeof type, "the catalog attribute's type")) != OST_OK)
            return st;
        if (ost_der_peek(d, r, ext.end, OST_DER_BOOLEAN) &&
            (st = ost_der_next(d, &r, ext.end, &value, "the catalog attribute's critical flag")) != OST_OK)
            return st;
        if ((st = ost_der_expect(d, &r, ext.end, OST_DER_OCTET_STRING, &value, "the catalog attribute's value")))
            return st;
        if (strcmp(type, OID_NAME_VALUE) != 0)
            continue;
        size_t s = value.start;
        if ((st = ost_der_next(d, &s, value.end, &inner, "the catalog attribute's name-value")) != OST_OK)
            return st;
        struct ost_cat_attr attr = {0};
        if ((st = parse_name_value(d, &inner, &attr)) != OST_OK)
            return free(attr.name), free(attr.value), st;
        add_attr(&c->attrs, &c->nattrs, &attr);
    }
    return OST_OK;
}

static ost_status parse_subject_usage(const struct ost_der *d, const struct ost_der_tlv *usage)
{
    bool catalog = false;
    char oid[128];
    for (size_t p = usage->start; p < usage->end;) {
        ost_status st = ost_der_oid(d, &p, usage->end, oid, sizeof oid, "a subject usage");
        if (st != OST_OK)
            return st;
        catalog = catalog || !strcmp(oid, OID_CATALOG_LIST);
    }
    if (!catalog)
        return ost_der_corrupt(d, usage->off, "the trust list's subject usage has no catalog list (%s): not a catalog",
                               OID_CATALOG_LIST);
    return OST_OK;
}

static ost_status parse_ctl(const struct ost_der *d, const struct ost_der_tlv *ctl, struct ost_catalog *c)
{
    size_t p = ctl->start, q;
    struct ost_der_tlv t;
    char oid[128];
    ost_status st;
    if (ost_der_peek(d, p, ctl->end, OST_DER_INTEGER) &&
        (st = ost_der_next(d, &p, ctl->end, &t, "the trust list version")))
        return st;
    if ((st = ost_der_expect(d, &p, ctl->end, OST_DER_SEQUENCE, &t, "the trust list's subject usage")) != OST_OK ||
        (st = parse_subject_usage(d, &t)) != OST_OK)
        return st;
    if (ost_der_peek(d, p, ctl->end, OST_DER_OCTET_STRING)) {
        if ((st = ost_der_next(d, &p, ctl->end, &t, "the list identifier")) != OST_OK)
            return st;
        c->list_id = ost_cat_hex(d->p + t.start, t.len);
    }
    if (ost_der_peek(d, p, ctl->end, OST_DER_INTEGER) &&
        (st = ost_der_next(d, &p, ctl->end, &t, "the sequence number")))
        return st;
    if ((st = ost_der_next(d, &p, ctl->end, &t, "the trust list's time")) != OST_OK ||
        (st = ost_der_time(d, &t, &c->this_update, "the trust list's time")) != OST_OK)
        return st;
    if ((ost_der_peek(d, p, ctl->end, OST_DER_UTC_TIME) || ost_der_peek(d, p, ctl->end, OST_DER_GENERALIZED_TIME)) &&
        (st = ost_der_next(d, &p, ctl->end, &t, "the trust list's next update")) != OST_OK)
        return st;
    if ((st = ost_der_expect(d, &p, ctl->end, OST_DER_SEQUENCE, &t, "the member algorithm")) != OST_OK)
        return st;
    q = t.start;
    if ((st = ost_der_oid(d, &q, t.end, oid, sizeof oid, "the member algorithm")) != OST_OK)
        return st;
    c->member_alg = ost_xstrdup(oid);
    if (ost_der_peek(d, p, ctl->end, OST_DER_SEQUENCE)) {
        if ((st = ost_der_next(d, &p, ctl->end, &t, "the member list")) != OST_OK || (st = parse_members(d, &t, c)))
            return st;
    }
    if (ost_der_peek(d, p, ctl->end, OST_DER_CONTEXT_0)) {
        if ((st = ost_der_next(d, &p, ctl->end, &t, "the catalog attributes")) != OST_OK ||
            (st = parse_catalog_attrs(d, &t, c)) != OST_OK)
            return st;
    }
    if (p != ctl->end)
        return ost_der_corrupt(d, p, "unexpected data (tag 0x%02x) at the end of the trust list", d->p[p]);
    return OST_OK;
}

/* ---- the PKCS#7 envelope -------------------------------------------------------- */

static ost_status parse_digest_algs(const struct ost_der *d, const struct ost_der_tlv *set, struct ost_catalog *c)
{
    for (size_t p = set->start; p < set->end;) {
        struct ost_der_tlv alg;
        char oid[128];
        ost_status st = ost_der_expect(d, &p, set->end, OST_DER_SEQUENCE, &alg, "a digest algorithm");
        size_t q = alg.start;
        if (st != OST_OK || (st = ost_der_oid(d, &q, alg.end, oid, sizeof oid, "a digest algorithm")) != OST_OK)
            return st;
        ost_strlist_add(&c->digest_algs, ost_oid_digest_name(oid));
    }
    return OST_OK;
}

/* encapContentInfo: a certificate trust list, explicitly tagged [0]. */
static ost_status parse_signed_content(const struct ost_der *d, const struct ost_der_tlv *eci,
                                       struct ost_der_tlv *ctl)
{
    size_t p = eci->start, q;
    struct ost_der_tlv wrapper;
    char oid[128];
    ost_status st;
    if ((st = ost_der_oid(d, &p, eci->end, oid, sizeof oid, "the signed content's type")) != OST_OK)
        return st;
    if (strcmp(oid, OID_CTL) != 0)
        return ost_der_corrupt(d, eci->start,
                               "signed content type %s is not a certificate trust list (%s): not a catalog", oid,
                               OID_CTL);
    if ((st = ost_der_expect(d, &p, eci->end, OST_DER_CONTEXT_0, &wrapper, "the trust list")) != OST_OK)
        return st;
    q = wrapper.start;
    return ost_der_expect(d, &q, wrapper.end, OST_DER_SEQUENCE, ctl, "the trust list");
}

/* Walks ContentInfo → SignedData → encapContentInfo to the trust list,
 * checking the framing of everything around it. */
static ost_status parse_envelope(const struct ost_der *d, struct ost_catalog *c, struct ost_der_tlv *ctl)
{
    size_t p = 0, q, r;
    struct ost_der_tlv ci, wrapper, sd, t, eci;
    char oid[128];
    ost_status st;
    if ((st = ost_der_expect(d, &p, d->size, OST_DER_SEQUENCE, &ci, "the PKCS#7 ContentInfo")) != OST_OK)
        return st;
    for (size_t i = ci.end; i < d->size; i++)
        if (d->p[i])
            return ost_der_corrupt(d, ci.end, "%zu bytes of data after the PKCS#7 structure", d->size - ci.end);
    q = ci.start;
    if ((st = ost_der_oid(d, &q, ci.end, oid, sizeof oid, "the PKCS#7 content type")) != OST_OK)
        return st;
    if (strcmp(oid, OID_SIGNED_DATA) != 0)
        return ost_der_corrupt(d, ci.start, "PKCS#7 content type %s is not SignedData (%s): not a catalog", oid,
                               OID_SIGNED_DATA);
    if ((st = ost_der_expect(d, &q, ci.end, OST_DER_CONTEXT_0, &wrapper, "the SignedData")) != OST_OK)
        return st;
    r = wrapper.start;
    if ((st = ost_der_expect(d, &r, wrapper.end, OST_DER_SEQUENCE, &sd, "the SignedData")) != OST_OK)
        return st;
    q = sd.start;
    if ((st = ost_der_expect(d, &q, sd.end, OST_DER_INTEGER, &t, "the SignedData version")) != OST_OK ||
        (st = ost_der_expect(d, &q, sd.end, OST_DER_SET, &t, "the digest algorithms")) != OST_OK ||
        (st = parse_digest_algs(d, &t, c)) != OST_OK ||
        (st = ost_der_expect(d, &q, sd.end, OST_DER_SEQUENCE, &eci, "the signed content")) != OST_OK)
        return st;
    if ((st = parse_signed_content(d, &eci, ctl)) != OST_OK)
        return st;
    if (ost_der_peek(d, q, sd.end, OST_DER_CONTEXT_0) && (st = ost_der_next(d, &q, sd.end, &t, "the certificates")))
        return st;
    if (ost_der_peek(d, q, sd.end, OST_DER_CONTEXT_1) && (st = ost_der_next(d, &q, sd.end, &t, "the CRLs")))
        return st;
    if ((st = ost_der_expect(d, &q, sd.end, OST_DER_SET, &t, "the signer infos")) != OST_OK)
        return st;
    if (q != sd.end)
        return ost_der_corrupt(d, q, "unexpected data after the signer infos");
    return OST_OK;
}

/* ---- parsing -------------------------------------------------------------------- */

ost_status ost_catalog_parse(const uint8_t *data, size_t size, const char *name, struct ost_catalog **out,
                             struct ost_error *err)
{
    *out = NULL;
    if (size > OST_CATALOG_MAX_FILE)
        return ost_fail(err, OST_ERR_LIMIT, "%s: %zu bytes; a catalog may have at most %u", name, size,
                        OST_CATALOG_MAX_FILE);
    struct ost_catalog *c = ost_xcalloc(1, sizeof *c);
    c->name = ost_xstrdup(name);
    c->der = ost_xmalloc(size ? size : 1);
    memcpy(c->der, data, size);
    c->der_size = size;
    struct ost_der d = {.p = c->der, .size = size, .name = name, .err = err};
    struct ost_der_tlv ctl;
    ost_status st = parse_envelope(&d, c, &ctl);
    if (st == OST_OK) {
        c->ctl_offset = ctl.off;
        c->ctl_header = ctl.start - ctl.off;
        c->ctl_size = ctl.end - ctl.off;
        st = parse_ctl(&d, &ctl, c);
    }
    if (st == OST_OK)
        st = ost_cat_read_signers(c, err);
    if (st != OST_OK) {
        ost_catalog_free(c);
        return st;
    }
    *out = c;
    return OST_OK;
}

ost_status ost_catalog_read_file(const char *path, struct ost_catalog **out, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    *out = NULL;
    ost_status st = ost_read_file(path, OST_CATALOG_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_catalog_parse(data, size, path, out, err);
    free(data);
    return st;
}

void ost_catalog_free(struct ost_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nmembers; i++)
        member_free(&c->members[i]);
    for (size_t i = 0; i < c->nattrs; i++)
        free(c->attrs[i].name), free(c->attrs[i].value);
    for (size_t i = 0; i < c->ncerts; i++) {
        struct ost_cat_cert *x = &c->certs[i];
        free(x->subject), free(x->issuer), free(x->serial), free(x->thumbprint), free(x->not_before),
            free(x->not_after);
    }
    for (size_t i = 0; i < c->nsigners; i++) {
        struct ost_cat_signer *s = &c->signers[i];
        free(s->issuer), free(s->serial), free(s->digest_alg), free(s->signing_time);
    }
    free(c->members), free(c->attrs), free(c->certs), free(c->signers);
    ost_strlist_free(&c->digest_algs);
    free(c->name), free(c->der), free(c->list_id), free(c->this_update), free(c->member_alg);
    free(c);
}

static const char *attr_lookup(const struct ost_cat_attr *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (ost_streq_ci(v[i].name, name))
            return v[i].value;
    return NULL;
}

const char *ost_catalog_attr(const struct ost_catalog *cat, const char *name)
{
    return attr_lookup(cat->attrs, cat->nattrs, name);
}

const char *ost_cat_member_attr(const struct ost_cat_member *m, const char *name)
{
    return attr_lookup(m->attrs, m->nattrs, name);
}

bool ost_cat_osattr_covers(const char *osattr, unsigned major, unsigned minor)
{
    char *copy = ost_xstrdup(osattr), *save = NULL;
    bool covers = false;
    for (char *item = strtok_r(copy, ",", &save); item && !covers; item = strtok_r(NULL, ",", &save)) {
        unsigned platform, ma, mi;
        char extra;
        covers = sscanf(ost_str_trim(item), "%u:%u.%u%c", &platform, &ma, &mi, &extra) == 3 && platform == 2 &&
                 ma == major && mi == minor;
    }
    free(copy);
    return covers;
}

void ost_catalog_signed_content(const struct ost_catalog *cat, const uint8_t **p, size_t *n)
{
    *p = cat->der + cat->ctl_offset + cat->ctl_header;
    *n = cat->ctl_size - cat->ctl_header;
}
