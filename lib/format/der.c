/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "der.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ------------------------------------------------------------------ */

ost_status ost_der_corrupt(const struct ost_der *d, size_t off, const char *fmt, ...)
{
    char reason[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return ost_fail(d->err, OST_ERR_CORRUPT, "%s: offset %zu: %s", d->name, off, reason);
}

/* Reads the TLV at *pos, which must end by `end` (the end of what holds it). */
ost_status ost_der_next(const struct ost_der *d, size_t *pos, size_t end, struct ost_der_tlv *t, const char *what)
{
    size_t at = *pos;
    if (at >= end)
        return ost_der_corrupt(d, at, "%s is missing: the value holding it ends here", what);
    if (end - at < 2)
        return ost_der_corrupt(d, at, "%s: truncated (no room for a tag and a length)", what);
    uint8_t tag = d->p[at], first = d->p[at + 1];
    if ((tag & 0x1f) == 0x1f)
        return ost_der_corrupt(d, at, "%s: multi-byte tag 0x%02x, which no catalog uses", what, tag);
    size_t hdr = 2, len = first;
    if (first == 0x80)
        return ost_der_corrupt(d, at, "%s: indefinite length (BER), where DER needs a definite one", what);
    if (first > 0x80) {
        unsigned n = first & 0x7fu;
        if (n > 4)
            return ost_der_corrupt(d, at, "%s: a %u-byte length field, far beyond any catalog", what, n);
        if (end - at - 2 < n)
            return ost_der_corrupt(d, at, "%s: truncated inside its length field", what);
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = len << 8 | d->p[at + 2 + i];
        hdr += n;
    }
    if (len > end - at - hdr)
        return ost_der_corrupt(d, at, "%s: length %zu runs past the end of what holds it (%zu bytes left)%s", what, len,
                               end - at - hdr, end == d->size ? ": the file is truncated" : "");
    *t = (struct ost_der_tlv){.tag = tag, .off = at, .start = at + hdr, .len = len, .end = at + hdr + len};
    *pos = t->end;
    return OST_OK;
}

ost_status ost_der_expect(const struct ost_der *d, size_t *pos, size_t end, uint8_t tag, struct ost_der_tlv *t,
                          const char *what)
{
    ost_status st = ost_der_next(d, pos, end, t, what);
    if (st == OST_OK && t->tag != tag)
        return ost_der_corrupt(d, t->off, "%s: expected tag 0x%02x, found 0x%02x", what, tag, t->tag);
    return st;
}

bool ost_der_peek(const struct ost_der *d, size_t pos, size_t end, uint8_t tag)
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
        int w = first ? snprintf(buf + used, size - used, "%u.%llu", v < 40 ? 0u : v < 80 ? 1u : 2u,
                                 (unsigned long long)(v < 80 ? v % 40 : v - 80))
                      : snprintf(buf + used, size - used, ".%llu", (unsigned long long)v);
        if (w < 0 || (size_t)w >= size - used)
            return false;
        used += (size_t)w;
        first = false;
    }
    return n > 0;
}

ost_status ost_der_oid(const struct ost_der *d, size_t *pos, size_t end, char *buf, size_t size, const char *what)
{
    struct ost_der_tlv t;
    ost_status st = ost_der_expect(d, pos, end, OST_DER_OID, &t, what);
    if (st == OST_OK && !oid_text(d->p + t.start, t.len, buf, size))
        return ost_der_corrupt(d, t.off, "%s: malformed object identifier", what);
    return st;
}

static bool all_digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ as ISO 8601. */
ost_status ost_der_time(const struct ost_der *d, const struct ost_der_tlv *t, char **out, const char *what)
{
    const uint8_t *p = d->p + t->start;
    size_t digits = t->tag == OST_DER_UTC_TIME ? 12 : 14;
    if ((t->tag != OST_DER_UTC_TIME && t->tag != OST_DER_GENERALIZED_TIME) || t->len != digits + 1 ||
        p[digits] != 'Z' || !all_digits(p, digits))
        return ost_der_corrupt(d, t->off, "%s: not a UTCTime or GeneralizedTime in the form DER requires", what);
    char year[5];
    if (t->tag == OST_DER_UTC_TIME)
        snprintf(year, sizeof year, "%s%c%c", p[0] < '5' ? "20" : "19", p[0], p[1]);
    else
        snprintf(year, sizeof year, "%.4s", (const char *)p);
    p += digits - 10;
    *out = ost_xasprintf("%s-%.2s-%.2sT%.2s:%.2s:%.2sZ", year, (const char *)p, (const char *)p + 2,
                         (const char *)p + 4, (const char *)p + 6, (const char *)p + 8);
    return OST_OK;
}

ost_status ost_der_uint32(const struct ost_der *d, const struct ost_der_tlv *t, uint32_t *out, const char *what)
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
    return ost_der_corrupt(d, t->off, "%s: not a 32-bit unsigned INTEGER", what);
}

/* ---- writing ------------------------------------------------------------------ */

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

void ost_der_put(struct ost_buf *b, uint8_t tag, const void *content, size_t n)
{
    der_header(b, tag, n);
    ost_buf_add(b, content, n);
}

/* Appends content wrapped in tag, and frees content. */
void ost_der_wrap(struct ost_buf *b, uint8_t tag, struct ost_buf *content)
{
    ost_der_put(b, tag, content->data, content->len);
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
void ost_der_put_oid(struct ost_buf *b, const char *dotted)
{
    struct ost_buf body = {0};
    char *end;
    unsigned long long first = strtoull(dotted, &end, 10);
    unsigned long long second = strtoull(end + 1, &end, 10);
    der_put_base128(&body, first * 40 + second);
    while (*end == '.')
        der_put_base128(&body, strtoull(end + 1, &end, 10));
    ost_der_wrap(b, OST_DER_OID, &body);
}

void ost_der_put_uint(struct ost_buf *b, uint32_t v)
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
    ost_der_put(b, OST_DER_INTEGER, bytes, n);
}

void ost_der_put_bmp(struct ost_buf *b, uint8_t tag, const char *ascii)
{
    struct ost_buf body = {0};
    for (const char *p = ascii; *p; p++)
        ost_buf_addc(&body, 0), ost_buf_addc(&body, *p);
    ost_der_wrap(b, tag, &body);
}

static int compare_bufs(const void *a, const void *b)
{
    const struct ost_buf *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* DER orders a SET OF by the encodings of its elements; takes the elements. */
void ost_der_put_sorted(struct ost_buf *b, uint8_t tag, struct ost_buf *items, size_t n)
{
    qsort(items, n, sizeof *items, compare_bufs);
    struct ost_buf body = {0};
    for (size_t i = 0; i < n; i++) {
        ost_buf_add(&body, items[i].data, items[i].len);
        ost_buf_free(&items[i]);
    }
    ost_der_wrap(b, tag, &body);
}
