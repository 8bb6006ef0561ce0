/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "encoding.h"

#include <string.h>

/* ---- UTF-8 ---- */

/* The well-formed sequence at p (its length, *ok set, *cp its code point),
 * or its maximal ill-formed subpart (the longest prefix that could begin a
 * well-formed sequence, at least one byte; *ok clear). The byte ranges are
 * the Unicode Standard's table 3-7. */
static size_t utf8_scan(const uint8_t *p, size_t left, uint32_t *cp, bool *ok)
{
    uint8_t c = p[0];
    *ok = false;
    if (c < 0x80) {
        *cp = c, *ok = true;
        return 1;
    }
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 1;
    uint32_t v = c & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if (i >= left || p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
            return i;
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v, *ok = true;
    return need;
}

size_t ost_utf8_decode(const uint8_t *p, size_t left, uint32_t *cp)
{
    bool ok;
    uint32_t v;
    size_t n = utf8_scan(p, left, &v, &ok);
    if (!ok)
        return 0;
    *cp = v;
    return n;
}

bool ost_utf8_valid(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = ost_utf8_decode(p + i, n - i, &cp);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

void ost_buf_add_utf8(struct ost_buf *b, uint32_t cp)
{
    char s[4];
    if (ost_is_surrogate(cp) || cp > 0x10FFFF)
        cp = OST_REPLACEMENT_CHARACTER;
    if (cp < 0x80) {
        ost_buf_addc(b, (char)cp);
    } else if (cp < 0x800) {
        s[0] = (char)(0xC0 | cp >> 6);
        s[1] = (char)(0x80 | (cp & 0x3F));
        ost_buf_add(b, s, 2);
    } else if (cp < 0x10000) {
        s[0] = (char)(0xE0 | cp >> 12);
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[2] = (char)(0x80 | (cp & 0x3F));
        ost_buf_add(b, s, 3);
    } else {
        s[0] = (char)(0xF0 | cp >> 18);
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s[3] = (char)(0x80 | (cp & 0x3F));
        ost_buf_add(b, s, 4);
    }
}

/* ---- UTF-16 ---- */

static uint32_t pair(uint32_t high, uint32_t low)
{
    return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
}

size_t ost_utf16_next(const uint8_t *p, size_t n, enum ost_utf16_order o, uint32_t *cp)
{
    if (n < 2)
        return 0;
    uint32_t u = ost_utf16_unit(p, o);
    if (ost_is_high_surrogate(u) && n >= 4) {
        uint32_t low = ost_utf16_unit(p + 2, o);
        if (ost_is_surrogate(low) && !ost_is_high_surrogate(low)) {
            *cp = pair(u, low);
            return 4;
        }
    }
    *cp = u;
    return 2;
}

unsigned ost_utf16_stream_byte(struct ost_utf16_stream *s, uint8_t byte, uint32_t cp[2])
{
    if (!s->have_odd) {
        s->odd = byte, s->have_odd = true;
        return 0;
    }
    s->have_odd = false;
    uint8_t two[2] = {s->odd, byte};
    uint32_t u = ost_utf16_unit(two, s->order);
    unsigned n = 0;
    if (s->high) {
        uint32_t high = s->high;
        s->high = 0;
        if (ost_is_surrogate(u) && !ost_is_high_surrogate(u)) {
            cp[0] = pair(high, u);
            return 1;
        }
        cp[n++] = OST_REPLACEMENT_CHARACTER;
    }
    if (ost_is_high_surrogate(u))
        s->high = (uint16_t)u;
    else
        cp[n++] = ost_is_surrogate(u) ? OST_REPLACEMENT_CHARACTER : u;
    return n;
}

unsigned ost_utf16_stream_end(struct ost_utf16_stream *s, uint32_t cp[2])
{
    unsigned n = 0;
    if (s->high)
        cp[n++] = OST_REPLACEMENT_CHARACTER;
    if (s->have_odd)
        cp[n++] = OST_REPLACEMENT_CHARACTER;
    s->have_odd = false, s->high = 0;
    return n;
}

/* ---- Windows-1252 ---- */

uint32_t ost_cp1252_decode(uint8_t byte)
{
    static const uint16_t high[32] = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    };
    return byte >= 0x80 && byte < 0xA0 ? high[byte - 0x80] : byte;
}

/* ---- whole strings ---- */

char *ost_utf16_to_utf8(const uint8_t *p, size_t n, enum ost_utf16_order o, bool *well_formed)
{
    struct ost_buf b = {0};
    bool good = true, ended = false;
    size_t i = 0;
    while (i + 1 < n) {
        uint32_t cp = 0;
        i += ost_utf16_next(p + i, n - i, o, &cp);
        if (cp == 0) {
            ended = true;
            break;
        }
        good = good && !ost_is_surrogate(cp);
        ost_buf_add_utf8(&b, cp); /* a surrogate becomes U+FFFD */
    }
    if (!ended && i + 1 == n && p[i] != 0) {
        good = false;
        ost_buf_add_utf8(&b, OST_REPLACEMENT_CHARACTER);
    }
    if (well_formed)
        *well_formed = good;
    return ost_buf_steal(&b);
}

static void add_unit(struct ost_buf *out, uint32_t u, enum ost_utf16_order o)
{
    char two[2] = {(char)(o == OST_UTF16LE ? u : u >> 8), (char)(o == OST_UTF16LE ? u >> 8 : u)};
    ost_buf_add(out, two, 2);
}

bool ost_utf8_to_utf16(struct ost_buf *out, const char *s, size_t len, enum ost_utf16_order o)
{
    const uint8_t *p = (const uint8_t *)s;
    bool good = true;
    ost_buf_add(out, "", 0); /* an empty string is still a string */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        bool ok;
        i += utf8_scan(p + i, len - i, &cp, &ok);
        if (!ok)
            cp = OST_REPLACEMENT_CHARACTER, good = false;
        if (cp >= 0x10000) {
            add_unit(out, 0xD800 + ((cp - 0x10000) >> 10), o);
            add_unit(out, 0xDC00 + (cp & 0x3FF), o);
        } else {
            add_unit(out, cp, o);
        }
    }
    return good;
}
