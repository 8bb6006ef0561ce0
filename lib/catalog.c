/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "pe.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_CTL "1.3.6.1.4.1.311.10.1"
#define OID_CATALOG_LIST "1.3.6.1.4.1.311.12.1.1"
#define OID_CATALOG_MEMBER "1.3.6.1.4.1.311.12.1.2"
#define OID_NAME_VALUE "1.3.6.1.4.1.311.12.2.1"
#define OID_MEMBER_INFO "1.3.6.1.4.1.311.12.2.2"
#define OID_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_PE_IMAGE_DATA "1.3.6.1.4.1.311.2.1.15"
#define OID_FLAT_DATA "1.3.6.1.4.1.311.2.1.25"
#define OID_SHA1 "1.3.14.3.2.26"

/* Subject interface packages that hashed a member, as Inf2Cat names them. */
#define GUID_PE_SIP "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}"
#define GUID_FLAT_SIP "{DE351A42-8E59-11D0-8C47-00C04FC295EE}"

#define NAME_VALUE_FLAGS 0x10010001u /* authenticated, ASCII name, text value */
#define NAME_VALUE_BASE64 0x00020000u

enum {
    TAG_BOOLEAN = 0x01, TAG_INTEGER = 0x02, TAG_BIT_STRING = 0x03, TAG_OCTET_STRING = 0x04, TAG_NULL = 0x05,
    TAG_OID = 0x06, TAG_UTC_TIME = 0x17, TAG_GENERALIZED_TIME = 0x18, TAG_BMP_STRING = 0x1e,
    TAG_SEQUENCE = 0x30, TAG_SET = 0x31, TAG_CONTEXT_0 = 0xa0, TAG_CONTEXT_1 = 0xa1, TAG_CONTEXT_2 = 0xa2,
    TAG_IMPLICIT_0 = 0x80,
};

static const struct {
    const char *oid, *name;
} digest_names[] = {
    {OID_SHA1, "sha1"},
    {"2.16.840.1.101.3.4.2.1", "sha256"},
    {"2.16.840.1.101.3.4.2.2", "sha384"},
    {"2.16.840.1.101.3.4.2.3", "sha512"},
    {"1.2.840.113549.2.5", "md5"},
};

static const char *digest_name(const char *oid)
{
    for (size_t i = 0; i < sizeof digest_names / sizeof digest_names[0]; i++)
        if (!strcmp(digest_names[i].oid, oid))
            return digest_names[i].name;
    return oid;
}

/* ---- a bounded DER reader ----------------------------------------------------- */

struct der {
    const uint8_t *p; /* the whole file: every offset is from its start */
    size_t size;
    const char *name;
    struct ost_error *err;
};

struct tlv {
    uint8_t tag;
    size_t off;   /* of the tag byte */
    size_t start; /* of the contents */
    size_t len;
    size_t end;
};

static ost_status corrupt(const struct der *d, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static ost_status corrupt(const struct der *d, size_t off, const char *fmt, ...)
{
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return ost_fail(d->err, OST_ERR_CORRUPT, "%s: offset %zu: %s", d->name, off, reason);
}

/* Reads the TLV at *pos, which must end by `end` (the end of what holds it). */
static ost_status der_next(const struct der *d, size_t *pos, size_t end, struct tlv *t, const char *what)
{
    size_t at = *pos;
    if (at >= end)
        return corrupt(d, at, "%s is missing: the value holding it ends here", what);
    if (end - at < 2)
        return corrupt(d, at, "%s: truncated (no room for a tag and a length)", what);
    uint8_t tag = d->p[at], first = d->p[at + 1];
    if ((tag & 0x1f) == 0x1f)
        return corrupt(d, at, "%s: multi-byte tag 0x%02x, which no catalog uses", what, tag);
    size_t hdr = 2, len = first;
    if (first == 0x80)
        return corrupt(d, at, "%s: indefinite length (BER), where DER needs a definite one", what);
    if (first > 0x80) {
        unsigned n = first & 0x7fu;
        if (n > 4)
            return corrupt(d, at, "%s: a %u-byte length field, far beyond any catalog", what, n);
        if (end - at - 2 < n)
            return corrupt(d, at, "%s: truncated inside its length field", what);
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = len << 8 | d->p[at + 2 + i];
        hdr += n;
    }
    if (len > end - at - hdr)
        return corrupt(d, at, "%s: length %zu runs past the end of what holds it (%zu bytes left)%s", what, len,
                       end - at - hdr, end == d->size ? ": the file is truncated" : "");
    *t = (struct tlv){.tag = tag, .off = at, .start = at + hdr, .len = len, .end = at + hdr + len};
    *pos = t->end;
    return OST_OK;
}

static ost_status der_expect(const struct der *d, size_t *pos, size_t end, uint8_t tag, struct tlv *t,
                             const char *what)
{
    ost_status st = der_next(d, pos, end, t, what);
    if (st == OST_OK && t->tag != tag)
        return corrupt(d, t->off, "%s: expected tag 0x%02x, found 0x%02x", what, tag, t->tag);
    return st;
}

static bool der_peek(const struct der *d, size_t pos, size_t end, uint8_t tag)
{
    return pos < end && d->p[pos] == tag;
}

/* Dotted text of an OBJECT IDENTIFIER's contents; false when malformed. */
static bool oid_text(const uint8_t *p, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    bool first = true;
    buf[0] = '\0';
    for (size_t i = 0; i < n;) {
        uint64_t v = 0;
        if (p[i] == 0x80)
            return false; /* not minimal */
        size_t k = 0;
        do {
            if (i >= n || ++k > 9)
                return false;
            v = v << 7 | (p[i] & 0x7fu);
        } while (p[i++] & 0x80);
        int w = first ? snprintf(buf + used, size - used, "%u.%llu", v < 40 ? 0 : v < 80 ? 1 : 2,
                                 (unsigned long long)(v < 80 ? v % 40 : v - 80))
                      : snprintf(buf + used, size - used, ".%llu", (unsigned long long)v);
        if (w < 0 || (size_t)w >= size - used)
            return false;
        used += (size_t)w;
        first = false;
    }
    return n > 0;
}

static ost_status der_oid(const struct der *d, size_t *pos, size_t end, char *buf, size_t size, const char *what)
{
    struct tlv t;
    ost_status st = der_expect(d, pos, end, TAG_OID, &t, what);
    if (st == OST_OK && !oid_text(d->p + t.start, t.len, buf, size))
        return corrupt(d, t.off, "%s: malformed object identifier", what);
    return st;
}

/* UTF-16 to UTF-8, dropping trailing NULs; unpaired surrogates become U+FFFD. */
static char *utf16_text(const uint8_t *p, size_t n, bool big_endian)
{
    struct ost_buf b = {0};
    ost_buf_adds(&b, "");
    size_t units = n / 2;
    while (units && !p[2 * units - 1] && !p[2 * units - 2])
        units--;
    for (size_t i = 0; i < units; i++) {
        uint32_t u = big_endian ? (uint32_t)(p[2 * i] << 8 | p[2 * i + 1]) : ost_le16(p + 2 * i);
        if (u >= 0xd800 && u < 0xdc00 && i + 1 < units) {
            uint32_t lo = big_endian ? (uint32_t)(p[2 * i + 2] << 8 | p[2 * i + 3]) : ost_le16(p + 2 * i + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
                ost_buf_add_utf8(&b, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                i++;
                continue;
            }
        }
        ost_buf_add_utf8(&b, u >= 0xd800 && u < 0xe000 ? 0xfffd : u);
    }
    return ost_buf_steal(&b);
}

char *ost_cat_hex(const uint8_t *p, size_t n)
{
    char *s = ost_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02X", p[i]);
    s[2 * n] = '\0';
    return s;
}

static bool all_digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ as ISO 8601. */
static ost_status der_time(const struct der *d, const struct tlv *t, char **out, const char *what)
{
    const uint8_t *p = d->p + t->start;
    size_t digits = t->tag == TAG_UTC_TIME ? 12 : 14;
    if ((t->tag != TAG_UTC_TIME && t->tag != TAG_GENERALIZED_TIME) || t->len != digits + 1 || p[digits] != 'Z' ||
        !all_digits(p, digits))
        return corrupt(d, t->off, "%s: not a UTCTime or GeneralizedTime in the form DER requires", what);
    char year[5];
    if (t->tag == TAG_UTC_TIME)
        snprintf(year, sizeof year, "%s%c%c", p[0] < '5' ? "20" : "19", p[0], p[1]);
    else
        snprintf(year, sizeof year, "%.4s", (const char *)p);
    p += digits - 10;
    *out = ost_xasprintf("%s-%.2s-%.2sT%.2s:%.2s:%.2sZ", year, (const char *)p, (const char *)p + 2,
                         (const char *)p + 4, (const char *)p + 6, (const char *)p + 8);
    return OST_OK;
}

static ost_status der_uint32(const struct der *d, const struct tlv *t, uint32_t *out, const char *what)
{
    const uint8_t *p = d->p + t->start;
    size_t n = t->len;
    if (n > 0 && n <= 5 && !(p[0] & 0x80) && (n < 5 || p[0] == 0)) {
        uint32_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v << 8 | p[i];
        *out = v;
        return OST_OK;
    }
    return corrupt(d, t->off, "%s: not a 32-bit unsigned INTEGER", what);
}

/* ---- the trust list ------------------------------------------------------------ */

static ost_status parse_name_value(const struct der *d, const struct tlv *v, struct ost_cat_attr *a)
{
    size_t p = v->start;
    struct tlv name, flags, value;
    ost_status st;
    if (v->tag != TAG_SEQUENCE)
        return corrupt(d, v->off, "a name-value attribute: expected a SEQUENCE, found tag 0x%02x", v->tag);
    if ((st = der_expect(d, &p, v->end, TAG_BMP_STRING, &name, "the attribute name")) != OST_OK ||
        (st = der_expect(d, &p, v->end, TAG_INTEGER, &flags, "the attribute flags")) != OST_OK ||
        (st = der_expect(d, &p, v->end, TAG_OCTET_STRING, &value, "the attribute value")) != OST_OK ||
        (st = der_uint32(d, &flags, &a->flags, "the attribute flags")) != OST_OK)
        return st;
    if (p != v->end)
        return corrupt(d, p, "unexpected data after a name-value attribute");
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

static ost_status parse_member_info(const struct der *d, const struct tlv *v, struct ost_cat_member *m)
{
    size_t p = v->start;
    struct tlv guid, version;
    ost_status st;
    if (v->tag != TAG_SEQUENCE)
        return corrupt(d, v->off, "the member info: expected a SEQUENCE, found tag 0x%02x", v->tag);
    if ((st = der_expect(d, &p, v->end, TAG_BMP_STRING, &guid, "the member info's subject GUID")) != OST_OK ||
        (st = der_expect(d, &p, v->end, TAG_INTEGER, &version, "the member info's version")) != OST_OK)
        return st;
    if (!m->subject_guid)
        m->subject_guid = utf16_text(d->p + guid.start, guid.len, true);
    return OST_OK;
}

static ost_status parse_indirect_data(const struct der *d, const struct tlv *v, struct ost_cat_member *m)
{
    size_t p = v->start, q, r;
    struct tlv data, digest_info, alg, digest;
    char type[128], alg_oid[128];
    ost_status st;
    if (v->tag != TAG_SEQUENCE)
        return corrupt(d, v->off, "the member's SpcIndirectDataContent: expected a SEQUENCE, found tag 0x%02x",
                       v->tag);
    if ((st = der_expect(d, &p, v->end, TAG_SEQUENCE, &data, "the SpcIndirectDataContent data")) != OST_OK ||
        (st = der_expect(d, &p, v->end, TAG_SEQUENCE, &digest_info, "the member's DigestInfo")) != OST_OK)
        return st;
    q = data.start;
    if ((st = der_oid(d, &q, data.end, type, sizeof type, "the member's data type")) != OST_OK)
        return st;
    r = digest_info.start;
    if ((st = der_expect(d, &r, digest_info.end, TAG_SEQUENCE, &alg, "the member's digest algorithm")) != OST_OK ||
        (st = der_expect(d, &r, digest_info.end, TAG_OCTET_STRING, &digest, "the member's digest")) != OST_OK)
        return st;
    q = alg.start;
    if ((st = der_oid(d, &q, alg.end, alg_oid, sizeof alg_oid, "the member's digest algorithm")) != OST_OK)
        return st;
    if (digest.len == 0 || digest.len > OST_CATALOG_MAX_HASH)
        return corrupt(d, digest.off, "the member's digest is %zu bytes; a hash is 1 to %d", digest.len,
                       OST_CATALOG_MAX_HASH);
    if (m->has_hash)
        return OST_OK;
    m->has_hash = true;
    m->pe = !strcmp(type, OID_PE_IMAGE_DATA);
    m->hash_alg = ost_xstrdup(digest_name(alg_oid));
    memcpy(m->hash, d->p + digest.start, digest.len);
    m->hash_len = digest.len;
    return OST_OK;
}

static ost_status parse_member_attribute(const struct der *d, const struct tlv *a, struct ost_cat_member *m)
{
    size_t p = a->start, q;
    struct tlv values, v;
    char type[128];
    ost_status st;
    if ((st = der_oid(d, &p, a->end, type, sizeof type, "the member attribute's type")) != OST_OK ||
        (st = der_expect(d, &p, a->end, TAG_SET, &values, "the member attribute's values")) != OST_OK)
        return st;
    q = values.start;
    if ((st = der_next(d, &q, values.end, &v, "the member attribute's value")) != OST_OK)
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
    } else if (!strcmp(type, OID_INDIRECT_DATA)) {
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

static ost_status parse_member(const struct der *d, const struct tlv *t, struct ost_cat_member *m)
{
    size_t p = t->start, q;
    struct tlv id, attrs, a;
    ost_status st;
    m->offset = t->off;
    if ((st = der_expect(d, &p, t->end, TAG_OCTET_STRING, &id, "the member's subject identifier")) != OST_OK)
        return st;
    m->tag = member_tag(d->p + id.start, id.len);
    if (p == t->end)
        return OST_OK;
    if ((st = der_expect(d, &p, t->end, TAG_SET, &attrs, "the member's attributes")) != OST_OK)
        return st;
    for (q = attrs.start; q < attrs.end;) {
        if ((st = der_expect(d, &q, attrs.end, TAG_SEQUENCE, &a, "a member attribute")) != OST_OK ||
            (st = parse_member_attribute(d, &a, m)) != OST_OK)
            return st;
    }
    if (p != t->end)
        return corrupt(d, p, "unexpected data after a member's attributes");
    return OST_OK;
}

static void member_free(struct ost_cat_member *m)
{
    free(m->tag), free(m->file), free(m->hash_alg), free(m->subject_guid);
    for (size_t i = 0; i < m->nattrs; i++)
        free(m->attrs[i].name), free(m->attrs[i].value);
    free(m->attrs);
}

static ost_status parse_members(const struct der *d, const struct tlv *list, struct ost_catalog *c)
{
    size_t cap = 0;
    for (size_t p = list->start; p < list->end;) {
        struct tlv t;
        ost_status st = der_expect(d, &p, list->end, TAG_SEQUENCE, &t, "a catalog member");
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
static ost_status parse_catalog_attrs(const struct der *d, const struct tlv *wrapper, struct ost_catalog *c)
{
    size_t p = wrapper->start;
    struct tlv list;
    ost_status st = der_expect(d, &p, wrapper->end, TAG_SEQUENCE, &list, "the catalog attributes");
    if (st != OST_OK)
        return st;
    for (size_t q = list.start; q < list.end;) {
        struct tlv ext, value, inner;
        char type[128];
        if ((st = der_expect(d, &q, list.end, TAG_SEQUENCE, &ext, "a catalog attribute")) != OST_OK)
            return st;
        size_t r = ext.start;
        if ((st = der_oid(d, &r, ext.end, type, sizeof type, "the catalog attribute's type")) != OST_OK)
            return st;
        if (der_peek(d, r, ext.end, TAG_BOOLEAN) &&
            (st = der_next(d, &r, ext.end, &value, "the catalog attribute's critical flag")) != OST_OK)
            return st;
        if ((st = der_expect(d, &r, ext.end, TAG_OCTET_STRING, &value, "the catalog attribute's value")) != OST_OK)
            return st;
        if (strcmp(type, OID_NAME_VALUE) != 0)
            continue;
        size_t s = value.start;
        if ((st = der_next(d, &s, value.end, &inner, "the catalog attribute's name-value")) != OST_OK)
            return st;
        struct ost_cat_attr attr = {0};
        if ((st = parse_name_value(d, &inner, &attr)) != OST_OK)
            return free(attr.name), free(attr.value), st;
        add_attr(&c->attrs, &c->nattrs, &attr);
    }
    return OST_OK;
}

static ost_status parse_subject_usage(const struct der *d, const struct tlv *usage)
{
    bool catalog = false;
    char oid[128];
    for (size_t p = usage->start; p < usage->end;) {
        ost_status st = der_oid(d, &p, usage->end, oid, sizeof oid, "a subject usage");
        if (st != OST_OK)
            return st;
        catalog = catalog || !strcmp(oid, OID_CATALOG_LIST);
    }
    if (!catalog)
        return corrupt(d, usage->off, "the trust list's subject usage has no catalog list (%s): not a catalog",
                       OID_CATALOG_LIST);
    return OST_OK;
}

static ost_status parse_ctl(const struct der *d, const struct tlv *ctl, struct ost_catalog *c)
{
    size_t p = ctl->start, q;
    struct tlv t;
    char oid[128];
    ost_status st;
    if (der_peek(d, p, ctl->end, TAG_INTEGER) && (st = der_next(d, &p, ctl->end, &t, "the trust list version")))
        return st;
    if ((st = der_expect(d, &p, ctl->end, TAG_SEQUENCE, &t, "the trust list's subject usage")) != OST_OK ||
        (st = parse_subject_usage(d, &t)) != OST_OK)
        return st;
    if (der_peek(d, p, ctl->end, TAG_OCTET_STRING)) {
        if ((st = der_next(d, &p, ctl->end, &t, "the list identifier")) != OST_OK)
            return st;
        c->list_id = ost_cat_hex(d->p + t.start, t.len);
    }
    if (der_peek(d, p, ctl->end, TAG_INTEGER) && (st = der_next(d, &p, ctl->end, &t, "the sequence number")))
        return st;
    if ((st = der_next(d, &p, ctl->end, &t, "the trust list's time")) != OST_OK ||
        (st = der_time(d, &t, &c->this_update, "the trust list's time")) != OST_OK)
        return st;
    if ((der_peek(d, p, ctl->end, TAG_UTC_TIME) || der_peek(d, p, ctl->end, TAG_GENERALIZED_TIME)) &&
        (st = der_next(d, &p, ctl->end, &t, "the trust list's next update")) != OST_OK)
        return st;
    if ((st = der_expect(d, &p, ctl->end, TAG_SEQUENCE, &t, "the member algorithm")) != OST_OK)
        return st;
    q = t.start;
    if ((st = der_oid(d, &q, t.end, oid, sizeof oid, "the member algorithm")) != OST_OK)
        return st;
    c->member_alg = ost_xstrdup(oid);
    if (der_peek(d, p, ctl->end, TAG_SEQUENCE)) {
        if ((st = der_next(d, &p, ctl->end, &t, "the member list")) != OST_OK || (st = parse_members(d, &t, c)))
            return st;
    }
    if (der_peek(d, p, ctl->end, TAG_CONTEXT_0)) {
        if ((st = der_next(d, &p, ctl->end, &t, "the catalog attributes")) != OST_OK ||
            (st = parse_catalog_attrs(d, &t, c)) != OST_OK)
            return st;
    }
    if (p != ctl->end)
        return corrupt(d, p, "unexpected data (tag 0x%02x) at the end of the trust list", d->p[p]);
    return OST_OK;
}

/* ---- the PKCS#7 envelope -------------------------------------------------------- */

static ost_status parse_digest_algs(const struct der *d, const struct tlv *set, struct ost_catalog *c)
{
    for (size_t p = set->start; p < set->end;) {
        struct tlv alg;
        char oid[128];
        ost_status st = der_expect(d, &p, set->end, TAG_SEQUENCE, &alg, "a digest algorithm");
        size_t q = alg.start;
        if (st != OST_OK || (st = der_oid(d, &q, alg.end, oid, sizeof oid, "a digest algorithm")) != OST_OK)
            return st;
        ost_strlist_add(&c->digest_algs, digest_name(oid));
    }
    return OST_OK;
}

/* Walks ContentInfo → SignedData → encapContentInfo to the trust list,
 * checking the framing of everything around it. */
static ost_status parse_envelope(const struct der *d, struct ost_catalog *c, struct tlv *ctl)
{
    size_t p = 0, q, r;
    struct tlv ci, wrapper, sd, t, eci;
    char oid[128];
    ost_status st;
    if ((st = der_expect(d, &p, d->size, TAG_SEQUENCE, &ci, "the PKCS#7 ContentInfo")) != OST_OK)
        return st;
    for (size_t i = ci.end; i < d->size; i++)
        if (d->p[i])
            return corrupt(d, ci.end, "%zu bytes of data after the PKCS#7 structure", d->size - ci.end);
    q = ci.start;
    if ((st = der_oid(d, &q, ci.end, oid, sizeof oid, "the PKCS#7 content type")) != OST_OK)
        return st;
    if (strcmp(oid, OID_SIGNED_DATA) != 0)
        return corrupt(d, ci.start, "PKCS#7 content type %s is not SignedData (%s): not a catalog", oid,
                       OID_SIGNED_DATA);
    if ((st = der_expect(d, &q, ci.end, TAG_CONTEXT_0, &wrapper, "the SignedData")) != OST_OK)
        return st;
    r = wrapper.start;
    if ((st = der_expect(d, &r, wrapper.end, TAG_SEQUENCE, &sd, "the SignedData")) != OST_OK)
        return st;
    q = sd.start;
    if ((st = der_expect(d, &q, sd.end, TAG_INTEGER, &t, "the SignedData version")) != OST_OK ||
        (st = der_expect(d, &q, sd.end, TAG_SET, &t, "the digest algorithms")) != OST_OK ||
        (st = parse_digest_algs(d, &t, c)) != OST_OK ||
        (st = der_expect(d, &q, sd.end, TAG_SEQUENCE, &eci, "the signed content")) != OST_OK)
        return st;
    r = eci.start;
    if ((st = der_oid(d, &r, eci.end, oid, sizeof oid, "the signed content's type")) != OST_OK)
        return st;
    if (strcmp(oid, OID_CTL) != 0)
        return corrupt(d, eci.start, "signed content type %s is not a certificate trust list (%s): not a catalog",
                       oid, OID_CTL);
    if ((st = der_expect(d, &r, eci.end, TAG_CONTEXT_0, &wrapper, "the trust list")) != OST_OK)
        return st;
    size_t s = wrapper.start;
    if ((st = der_expect(d, &s, wrapper.end, TAG_SEQUENCE, ctl, "the trust list")) != OST_OK)
        return st;
    if (der_peek(d, q, sd.end, TAG_CONTEXT_0) && (st = der_next(d, &q, sd.end, &t, "the certificates")))
        return st;
    if (der_peek(d, q, sd.end, TAG_CONTEXT_1) && (st = der_next(d, &q, sd.end, &t, "the CRLs")))
        return st;
    if ((st = der_expect(d, &q, sd.end, TAG_SET, &t, "the signer infos")) != OST_OK)
        return st;
    if (q != sd.end)
        return corrupt(d, q, "unexpected data after the signer infos");
    return OST_OK;
}

/* ---- certificates and signers (OpenSSL) ------------------------------------------ */

static char *name_text(const X509_NAME *n)
{
    BIO *b = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
    char *data;
    long len = BIO_get_mem_data(b, &data);
    char *s = ost_xstrndup(data, len > 0 ? (size_t)len : 0);
    BIO_free(b);
    return s;
}

static char *serial_text(const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    char *s = ost_xstrdup(hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    return s;
}

static char *time_text(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return NULL;
    return ost_xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec);
}

static void describe_cert(X509 *x, struct ost_cat_cert *c)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    X509_digest(x, EVP_sha1(), md, &n);
    c->subject = name_text(X509_get_subject_name(x));
    c->issuer = name_text(X509_get_issuer_name(x));
    c->serial = serial_text(X509_get0_serialNumber(x));
    c->thumbprint = ost_cat_hex(md, n);
    c->not_before = time_text(X509_get0_notBefore(x));
    c->not_after = time_text(X509_get0_notAfter(x));
}

static char *signing_time(PKCS7_SIGNER_INFO *si)
{
    ASN1_TYPE *t = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
    if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
        return time_text(t->value.utctime);
    /* an Authenticode timestamp: a countersignature carrying the time */
    ASN1_TYPE *cs = PKCS7_get_attribute(si, NID_pkcs9_countersignature);
    if (!cs || cs->type != V_ASN1_SEQUENCE)
        return NULL;
    const unsigned char *p = cs->value.sequence->data;
    PKCS7_SIGNER_INFO *counter = d2i_PKCS7_SIGNER_INFO(NULL, &p, cs->value.sequence->length);
    char *s = NULL;
    if (counter) {
        ASN1_TYPE *ct = PKCS7_get_signed_attribute(counter, NID_pkcs9_signingTime);
        if (ct && (ct->type == V_ASN1_UTCTIME || ct->type == V_ASN1_GENERALIZEDTIME))
            s = time_text(ct->value.utctime);
        PKCS7_SIGNER_INFO_free(counter);
    }
    return s;
}

static int find_cert(STACK_OF(X509) *certs, PKCS7_ISSUER_AND_SERIAL *ias)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        if (!X509_NAME_cmp(X509_get_issuer_name(x), ias->issuer) &&
            !ASN1_INTEGER_cmp(X509_get0_serialNumber(x), ias->serial))
            return i;
    }
    return -1;
}

static PKCS7 *load_pkcs7(const struct ost_catalog *c, struct ost_error *err)
{
    const unsigned char *p = c->der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)c->der_size);
    if (!p7 || !PKCS7_type_is_signed(p7) || !p7->d.sign) {
        unsigned long e = ERR_peek_last_error();
        ost_fail(err, OST_ERR_CORRUPT, "%s: the certificates or signer infos do not parse as PKCS#7: %s", c->name,
                 e ? ERR_reason_error_string(e) : "not SignedData");
        ERR_clear_error();
        PKCS7_free(p7);
        return NULL;
    }
    return p7;
}

static ost_status read_signers(struct ost_catalog *c, struct ost_error *err)
{
    PKCS7 *p7 = load_pkcs7(c, err);
    if (!p7)
        return OST_ERR_CORRUPT;
    STACK_OF(X509) *certs = p7->d.sign->cert;
    c->ncerts = (size_t)(certs ? sk_X509_num(certs) : 0);
    c->certs = ost_xcalloc(c->ncerts ? c->ncerts : 1, sizeof *c->certs);
    for (size_t i = 0; i < c->ncerts; i++)
        describe_cert(sk_X509_value(certs, (int)i), &c->certs[i]);
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    c->nsigners = (size_t)(sis ? sk_PKCS7_SIGNER_INFO_num(sis) : 0);
    c->signers = ost_xcalloc(c->nsigners ? c->nsigners : 1, sizeof *c->signers);
    for (size_t i = 0; i < c->nsigners; i++) {
        PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, (int)i);
        struct ost_cat_signer *s = &c->signers[i];
        s->issuer = name_text(si->issuer_and_serial->issuer);
        s->serial = serial_text(si->issuer_and_serial->serial);
        s->cert = certs ? find_cert(certs, si->issuer_and_serial) : -1;
        char alg[128];
        OBJ_obj2txt(alg, sizeof alg, si->digest_alg->algorithm, 1);
        s->digest_alg = ost_xstrdup(digest_name(alg));
        s->signing_time = signing_time(si);
    }
    PKCS7_free(p7);
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
    struct der d = {.p = c->der, .size = size, .name = name, .err = err};
    struct tlv ctl;
    ost_status st = parse_envelope(&d, c, &ctl);
    if (st == OST_OK) {
        c->ctl_offset = ctl.off;
        c->ctl_header = ctl.start - ctl.off;
        c->ctl_size = ctl.end - ctl.off;
        st = parse_ctl(&d, &ctl, c);
    }
    if (st == OST_OK)
        st = read_signers(c, err);
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

const struct ost_cat_member *ost_catalog_find_hash(const struct ost_catalog *cat, const uint8_t *hash, size_t len)
{
    for (size_t i = 0; i < cat->nmembers; i++) {
        const struct ost_cat_member *m = &cat->members[i];
        if (m->has_hash && m->hash_len == len && !memcmp(m->hash, hash, len))
            return m;
    }
    return NULL;
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

/* ---- hashing -------------------------------------------------------------------- */

static void md_update(void *ctx, const void *p, size_t n)
{
    EVP_DigestUpdate(ctx, p, n);
}

ost_status ost_cat_hash_bytes(const uint8_t *data, size_t size, const char *name, const char *alg,
                              struct ost_cat_file_hash *out, struct ost_error *err)
{
    const EVP_MD *md = EVP_get_digestbyname(alg);
    if (!md)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: hash algorithm %s is not available", name, alg);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
        EVP_MD_CTX_free(ctx);
        return ost_fail(err, OST_ERR_NOMEM, "%s: cannot start a %s hash", name, alg);
    }
    struct ost_pe_info pe;
    struct ost_error ignored;
    bool parsed = ost_pe_parse(data, size, name, &pe, &ignored) == OST_OK;
    out->pe = parsed && ost_pe_authenticode_feed(data, size, &pe, md_update, ctx);
    if (parsed)
        ost_pe_info_free(&pe);
    if (!out->pe)
        EVP_DigestUpdate(ctx, data, size);
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, out->hash, &n);
    out->len = n;
    EVP_MD_CTX_free(ctx);
    return OST_OK;
}

ost_status ost_cat_hash_file(const char *path, const char *alg, struct ost_cat_file_hash *out, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    ost_status st = ost_read_file(path, OST_PE_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_cat_hash_bytes(data, size, path, alg, out, err);
    free(data);
    return st;
}

/* ---- writing -------------------------------------------------------------------- */

static void der_header(struct ost_buf *b, uint8_t tag, size_t n)
{
    ost_buf_addc(b, (char)tag);
    if (n < 0x80) {
        ost_buf_addc(b, (char)n);
        return;
    }
    unsigned bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
    ost_buf_addc(b, (char)(0x80 | bytes));
    for (unsigned i = bytes; i-- > 0;)
        ost_buf_addc(b, (char)(n >> (8 * i)));
}

static void der_put(struct ost_buf *b, uint8_t tag, const void *content, size_t n)
{
    der_header(b, tag, n);
    ost_buf_add(b, content, n);
}

/* Appends content wrapped in tag, and frees content. */
static void der_wrap(struct ost_buf *b, uint8_t tag, struct ost_buf *content)
{
    der_put(b, tag, content->data, content->len);
    ost_buf_free(content);
}

static void der_put_base128(struct ost_buf *b, unsigned long long v)
{
    uint8_t tmp[10];
    size_t k = 0;
    do
        tmp[k++] = (uint8_t)(v & 0x7f);
    while (v >>= 7);
    while (k-- > 0)
        ost_buf_addc(b, (char)(tmp[k] | (k ? 0x80 : 0)));
}

/* dotted is one of our own constants: at least two arcs, well formed */
static void der_put_oid(struct ost_buf *b, const char *dotted)
{
    struct ost_buf body = {0};
    char *end;
    unsigned long long first = strtoull(dotted, &end, 10);
    unsigned long long second = strtoull(end + 1, &end, 10);
    der_put_base128(&body, first * 40 + second);
    while (*end == '.')
        der_put_base128(&body, strtoull(end + 1, &end, 10));
    der_wrap(b, TAG_OID, &body);
}

static void der_put_uint(struct ost_buf *b, uint32_t v)
{
    uint8_t bytes[5];
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8)
        if (n || (v >> shift) & 0xff || shift == 0)
            bytes[n++] = (uint8_t)(v >> shift);
    if (bytes[0] & 0x80) {
        memmove(bytes + 1, bytes, n++);
        bytes[0] = 0;
    }
    der_put(b, TAG_INTEGER, bytes, n);
}

static void der_put_bmp(struct ost_buf *b, uint8_t tag, const char *ascii)
{
    struct ost_buf body = {0};
    for (const char *p = ascii; *p; p++)
        ost_buf_addc(&body, 0), ost_buf_addc(&body, *p);
    der_wrap(b, tag, &body);
}

/* A name-value's value: UTF-16LE with its terminating NUL, as Windows writes it. */
static void der_put_utf16le(struct ost_buf *b, const char *utf8)
{
    struct ost_buf body = {0};
    const uint8_t *p = (const uint8_t *)utf8;
    size_t left = strlen(utf8);
    while (left) {
        uint32_t cp;
        size_t used = ost_utf8_decode(p, left, &cp);
        if (!used)
            cp = 0xfffd, used = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            uint8_t pair[4];
            ost_put_le16(pair, (uint16_t)(0xd800 + (cp >> 10)));
            ost_put_le16(pair + 2, (uint16_t)(0xdc00 + (cp & 0x3ff)));
            ost_buf_add(&body, pair, 4);
        } else {
            uint8_t unit[2];
            ost_put_le16(unit, (uint16_t)cp);
            ost_buf_add(&body, unit, 2);
        }
        p += used, left -= used;
    }
    ost_buf_add(&body, "\0\0", 2);
    der_wrap(b, TAG_OCTET_STRING, &body);
}

static void der_put_name_value(struct ost_buf *b, const char *name, const char *value)
{
    struct ost_buf nv = {0};
    der_put_bmp(&nv, TAG_BMP_STRING, name);
    der_put_uint(&nv, NAME_VALUE_FLAGS);
    der_put_utf16le(&nv, value);
    der_wrap(b, TAG_SEQUENCE, &nv);
}

/* Attribute ::= SEQUENCE { type, SET { value } }; takes value. */
static void der_put_attribute(struct ost_buf *b, const char *oid, struct ost_buf *value)
{
    struct ost_buf attr = {0}, set = {0};
    der_put_oid(&attr, oid);
    der_wrap(&set, TAG_SET, value);
    ost_buf_add(&attr, set.data, set.len);
    ost_buf_free(&set);
    der_wrap(b, TAG_SEQUENCE, &attr);
}

/* SpcLink { file [2] SpcString { unicode [0] "<<<Obsolete>>>" } } */
static void der_put_obsolete_link(struct ost_buf *b)
{
    struct ost_buf s = {0};
    der_put_bmp(&s, TAG_IMPLICIT_0, "<<<Obsolete>>>");
    der_wrap(b, TAG_CONTEXT_2, &s);
}

static void der_put_indirect_data(struct ost_buf *b, const struct ost_cat_file_hash *h)
{
    struct ost_buf content = {0}, data = {0}, digest = {0}, alg = {0};
    if (h->pe) {
        struct ost_buf pe = {0}, link = {0};
        der_put_oid(&data, OID_PE_IMAGE_DATA);
        der_put(&pe, TAG_BIT_STRING, "\0", 1);
        der_put_obsolete_link(&link);
        der_wrap(&pe, TAG_CONTEXT_0, &link);
        der_wrap(&data, TAG_SEQUENCE, &pe);
    } else {
        der_put_oid(&data, OID_FLAT_DATA);
        der_put_obsolete_link(&data);
    }
    der_wrap(&content, TAG_SEQUENCE, &data);
    der_put_oid(&alg, OID_SHA1);
    der_put(&alg, TAG_NULL, "", 0);
    der_wrap(&digest, TAG_SEQUENCE, &alg);
    der_put(&digest, TAG_OCTET_STRING, h->hash, h->len);
    der_wrap(&content, TAG_SEQUENCE, &digest);
    der_wrap(b, TAG_SEQUENCE, &content);
}

static int compare_bufs(const void *a, const void *b)
{
    const struct ost_buf *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* DER orders a SET OF by the encodings of its elements; takes the elements. */
static void der_put_sorted(struct ost_buf *b, uint8_t tag, struct ost_buf *items, size_t n)
{
    qsort(items, n, sizeof *items, compare_bufs);
    struct ost_buf body = {0};
    for (size_t i = 0; i < n; i++) {
        ost_buf_add(&body, items[i].data, items[i].len);
        ost_buf_free(&items[i]);
    }
    der_wrap(b, tag, &body);
}

static void der_put_member(struct ost_buf *b, const struct ost_cat_new_member *m, const char *osattr)
{
    struct ost_buf member = {0}, attrs[4] = {{0}}, value = {0};
    char *tag = ost_cat_hex(m->hash.hash, m->hash.len);
    der_put_utf16le(&member, tag);
    free(tag);
    der_put_name_value(&value, "File", m->file);
    der_put_attribute(&attrs[0], OID_NAME_VALUE, &value);
    der_put_name_value(&value, "OSAttr", osattr);
    der_put_attribute(&attrs[1], OID_NAME_VALUE, &value);
    struct ost_buf info = {0};
    der_put_bmp(&info, TAG_BMP_STRING, m->hash.pe ? GUID_PE_SIP : GUID_FLAT_SIP);
    der_put_uint(&info, 512);
    der_wrap(&value, TAG_SEQUENCE, &info);
    der_put_attribute(&attrs[2], OID_MEMBER_INFO, &value);
    der_put_indirect_data(&value, &m->hash);
    der_put_attribute(&attrs[3], OID_INDIRECT_DATA, &value);
    der_put_sorted(&member, TAG_SET, attrs, 4);
    der_wrap(b, TAG_SEQUENCE, &member);
}

static void der_put_catalog_attr(struct ost_buf *b, const char *name, const char *value)
{
    struct ost_buf ext = {0}, nv = {0};
    der_put_oid(&ext, OID_NAME_VALUE);
    der_put_name_value(&nv, name, value);
    der_wrap(&ext, TAG_OCTET_STRING, &nv);
    der_wrap(b, TAG_SEQUENCE, &ext);
}

static void der_put_catalog_attrs(struct ost_buf *b, const struct ost_cat_spec *spec)
{
    struct ost_buf list = {0}, seq = {0};
    if (spec->os)
        der_put_catalog_attr(&list, "OS", spec->os);
    der_put_catalog_attr(&list, "OSAttr", spec->osattr);
    for (size_t i = 0; spec->hwids && i < spec->hwids->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "HWID%zu", i + 1);
        der_put_catalog_attr(&list, name, spec->hwids->v[i]);
    }
    der_wrap(&seq, TAG_SEQUENCE, &list);
    der_wrap(b, TAG_CONTEXT_0, &seq);
}

static int compare_members(const void *a, const void *b)
{
    const struct ost_cat_new_member *x = a, *y = b;
    size_t n = x->hash.len < y->hash.len ? x->hash.len : y->hash.len;
    int c = memcmp(x->hash.hash, y->hash.hash, n);
    return c ? c : (x->hash.len > y->hash.len) - (x->hash.len < y->hash.len);
}

static void der_put_utc_time(struct ost_buf *b, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    char text[16];
    /* UTCTime has two year digits; Inf2Cat writes it, so do we */
    strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
    der_put(b, TAG_UTC_TIME, text + 2, 13);
}

static void der_put_ctl(struct ost_buf *b, const struct ost_cat_spec *spec)
{
    struct ost_cat_new_member *sorted = ost_xcalloc(spec->nmembers ? spec->nmembers : 1, sizeof *sorted);
    memcpy(sorted, spec->members, spec->nmembers * sizeof *sorted);
    qsort(sorted, spec->nmembers, sizeof *sorted, compare_members);
    struct ost_buf members = {0}, ctl = {0}, usage = {0}, alg = {0};
    for (size_t i = 0; i < spec->nmembers; i++)
        der_put_member(&members, &sorted[i], spec->osattr);
    free(sorted);
    /* the list identifier only has to be unique: derive it from the members */
    unsigned char id[EVP_MAX_MD_SIZE];
    unsigned idlen = 0;
    EVP_Digest(members.data ? members.data : "", members.len, id, &idlen, EVP_sha1(), NULL);
    der_put_oid(&usage, OID_CATALOG_LIST);
    der_wrap(&ctl, TAG_SEQUENCE, &usage);
    der_put(&ctl, TAG_OCTET_STRING, id, 16);
    der_put_utc_time(&ctl, spec->this_update);
    der_put_oid(&alg, OID_CATALOG_MEMBER);
    der_put(&alg, TAG_NULL, "", 0);
    der_wrap(&ctl, TAG_SEQUENCE, &alg);
    der_wrap(&ctl, TAG_SEQUENCE, &members);
    der_put_catalog_attrs(&ctl, spec);
    der_wrap(b, TAG_SEQUENCE, &ctl);
}

void ost_catalog_build(const struct ost_cat_spec *spec, struct ost_buf *der)
{
    struct ost_buf sd = {0}, eci = {0}, content = {0}, wrapped = {0}, ci = {0};
    der_put_uint(&sd, 1);
    der_put(&sd, TAG_SET, "", 0);
    der_put_oid(&eci, OID_CTL);
    der_put_ctl(&content, spec);
    der_wrap(&eci, TAG_CONTEXT_0, &content);
    der_wrap(&sd, TAG_SEQUENCE, &eci);
    der_put(&sd, TAG_SET, "", 0); /* no signer yet */
    der_wrap(&wrapped, TAG_SEQUENCE, &sd);
    der_put_oid(&ci, OID_SIGNED_DATA);
    der_wrap(&ci, TAG_CONTEXT_0, &wrapped);
    der_wrap(der, TAG_SEQUENCE, &ci);
}

/* ---- trust and verification ------------------------------------------------------- */

struct ost_cat_trust {
    STACK_OF(X509) *certs;
};

struct ost_cat_trust *ost_cat_trust_new(void)
{
    struct ost_cat_trust *t = ost_xcalloc(1, sizeof *t);
    t->certs = sk_X509_new_null();
    return t;
}

size_t ost_cat_trust_count(const struct ost_cat_trust *t)
{
    return t ? (size_t)sk_X509_num(t->certs) : 0;
}

void ost_cat_trust_free(struct ost_cat_trust *t)
{
    if (!t)
        return;
    sk_X509_pop_free(t->certs, X509_free);
    free(t);
}

static ost_status trust_add_pem(struct ost_cat_trust *t, const uint8_t *data, size_t n, const char *name,
                                struct ost_error *err)
{
    BIO *b = BIO_new_mem_buf(data, (int)n);
    size_t added = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        sk_X509_push(t->certs, x);
        added++;
    }
    BIO_free(b);
    ERR_clear_error();
    if (!added)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: no readable CERTIFICATE block in this PEM file", name);
    return OST_OK;
}

ost_status ost_cat_trust_add_der(struct ost_cat_trust *t, const uint8_t *der, size_t n, const char *name,
                                 struct ost_error *err)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (!x) {
        unsigned long e = ERR_peek_last_error();
        ERR_clear_error();
        return ost_fail(err, OST_ERR_CORRUPT, "%s: not an X.509 certificate (DER or PEM): %s", name,
                        e ? ERR_reason_error_string(e) : "unreadable");
    }
    sk_X509_push(t->certs, x);
    return OST_OK;
}

ost_status ost_cat_trust_add_file(struct ost_cat_trust *t, const char *path, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    ost_status st = ost_read_file(path, 16u * 1024 * 1024, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = strstr((const char *)data, "-----BEGIN") ? trust_add_pem(t, data, size, path, err)
                                                  : ost_cat_trust_add_der(t, data, size, path, err);
    free(data);
    return st;
}

const char *ost_cat_sig_status_name(enum ost_cat_sig_status s)
{
    switch (s) {
    case OST_CAT_SIG_UNSIGNED: return "unsigned";
    case OST_CAT_SIG_INVALID: return "invalid";
    case OST_CAT_SIG_UNVERIFIED: return "unverified";
    case OST_CAT_SIG_UNTRUSTED: return "untrusted";
    case OST_CAT_SIG_TRUSTED: return "trusted";
    }
    return "unknown";
}

void ost_cat_verdict_free(struct ost_cat_verdict *v)
{
    free(v->signer), free(v->anchor), free(v->signer_thumbprint), free(v->anchor_thumbprint);
    v->signer = v->anchor = v->signer_thumbprint = v->anchor_thumbprint = NULL;
}

static char *thumbprint(X509 *x)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    X509_digest(x, EVP_sha1(), md, &n);
    return ost_cat_hex(md, n);
}

/* The roots the Windows 7 kernel trusts for release-signed drivers. Matched
 * by name: the chain has already been verified up to a certificate the
 * caller trusts, so this only tells release signatures from test ones. */
static bool is_microsoft_root(X509 *x)
{
    static const char *const names[] = {"Microsoft Root Authority", "Microsoft Root Certificate Authority",
                                        "Microsoft Code Verification Root"};
    char cn[256];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn) < 0)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(cn, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

static void set_reason(struct ost_cat_verdict *v, enum ost_cat_sig_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_reason(struct ost_cat_verdict *v, enum ost_cat_sig_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->status = s;
}

static const char *openssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "no reason given";
}

/* Chains signer to an anchor in trust, purpose and EKU unchecked. */
static void check_chain(X509 *signer, STACK_OF(X509) *extra, const struct ost_cat_trust *trust,
                        struct ost_cat_verdict *v)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    for (int i = 0; i < sk_X509_num(trust->certs); i++)
        X509_STORE_add_cert(store, sk_X509_value(trust->certs, i));
    /* a trusted publisher's own certificate is an anchor too, as in Windows'
     * TrustedPublisher store */
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_init(ctx, store, signer, extra);
    if (X509_verify_cert(ctx) == 1) {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
        v->anchor = name_text(X509_get_subject_name(top));
        v->anchor_thumbprint = thumbprint(top);
        v->microsoft_root = is_microsoft_root(top);
        set_reason(v, OST_CAT_SIG_TRUSTED, "signed by %s, which chains to trusted %s", v->signer, v->anchor);
    } else {
        set_reason(v, OST_CAT_SIG_UNTRUSTED, "signed by %s, which does not chain to a trusted certificate: %s",
                   v->signer, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
}

ost_status ost_catalog_verify(const struct ost_catalog *cat, const struct ost_cat_trust *trust,
                              struct ost_cat_verdict *v, struct ost_error *err)
{
    memset(v, 0, sizeof *v);
    PKCS7 *p7 = load_pkcs7(cat, err);
    if (!p7)
        return OST_ERR_CORRUPT;
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    STACK_OF(X509) *signers = NULL;
    if (!sis || sk_PKCS7_SIGNER_INFO_num(sis) == 0) {
        set_reason(v, OST_CAT_SIG_UNSIGNED, "the catalog has no signature");
        goto done;
    }
    signers = PKCS7_get0_signers(p7, NULL, 0);
    if (!signers || sk_X509_num(signers) < 1) {
        set_reason(v, OST_CAT_SIG_INVALID, "the signing certificate is not in the catalog: %s", openssl_reason());
        goto done;
    }
    X509 *signer = sk_X509_value(signers, 0);
    v->signer = name_text(X509_get_subject_name(signer));
    v->signer_thumbprint = thumbprint(signer);
    const uint8_t *content;
    size_t n;
    ost_catalog_signed_content(cat, &content, &n);
    BIO *in = BIO_new_mem_buf(content, (int)n);
    int ok = PKCS7_verify(p7, NULL, NULL, in, NULL, PKCS7_NOVERIFY | PKCS7_BINARY);
    BIO_free(in);
    if (ok != 1)
        set_reason(v, OST_CAT_SIG_INVALID, "the signature by %s does not verify over the catalog's content: %s",
                   v->signer, openssl_reason());
    else if (ost_cat_trust_count(trust) == 0)
        set_reason(v, OST_CAT_SIG_UNVERIFIED, "signed by %s; no trusted certificate was given to check it against",
                   v->signer);
    else
        check_chain(signer, p7->d.sign->cert, trust, v);
done:
    sk_X509_free(signers);
    PKCS7_free(p7);
    ERR_clear_error();
    return OST_OK;
}
