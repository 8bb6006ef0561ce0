/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * encoding.h — UTF-8, UTF-16 (little- and big-endian) and the Windows-1252
 * ANSI code page: the one codec for Windows text, whoever reads or writes
 * it (registry names and strings, INF files, SetupAPI logs, catalog
 * attributes).
 *
 * Well-formed is as the Unicode Standard defines it (chapter 3, section
 * 3.9, D91-D92; also RFC 3629 and RFC 2781): UTF-8 has no overlong form,
 * no surrogate code point (U+D800..U+DFFF) and nothing above U+10FFFF;
 * UTF-16 has no unpaired surrogate, and a byte string of it has an even
 * length. https://www.unicode.org/versions/Unicode15.0.0/ch03.pdf
 *
 * The policy for what is not well-formed, in both directions: it is never
 * passed through and never dropped. Each unpaired surrogate, each odd final
 * byte of UTF-16 and each maximal ill-formed subpart of UTF-8 becomes one
 * U+FFFD REPLACEMENT CHARACTER, the practice section 3.9 ("U+FFFD
 * Substitution of Maximal Subparts") recommends, so what is shown is valid
 * UTF-8 and shows where the damage was. The whole-string converters say
 * whether they replaced anything, and a writer of a name Windows will
 * read refuses such input rather than store a U+FFFD it was not given (the
 * hive writer does). A reader that must refuse a damaged file at the
 * offset (INF files) reads code point by code point with ost_utf16_next,
 * which hands an unpaired surrogate back as itself.
 */
#ifndef OST_ENCODING_H
#define OST_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define OST_REPLACEMENT_CHARACTER 0xFFFDu

enum ost_utf16_order { OST_UTF16LE, OST_UTF16BE };

static inline bool ost_is_surrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }
static inline bool ost_is_high_surrogate(uint32_t cp) { return cp >= 0xD800 && cp <= 0xDBFF; }

/* ---- UTF-8 ---- */

/* Decodes one well-formed sequence: returns its length and sets *cp, or
 * returns 0 when the bytes at p are not well-formed UTF-8. */
size_t ost_utf8_decode(const uint8_t *p, size_t left, uint32_t *cp);
/* Whether all n bytes are well-formed UTF-8. */
bool ost_utf8_valid(const char *s, size_t n);
/* Appends one code point as UTF-8; a surrogate or a value above U+10FFFF,
 * which UTF-8 cannot carry, is appended as U+FFFD. */
void ost_buf_add_utf8(struct ost_buf *b, uint32_t cp);

/* ---- UTF-16 ---- */

static inline uint16_t ost_utf16_unit(const uint8_t *p, enum ost_utf16_order o)
{
    return o == OST_UTF16LE ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads one code point from the n bytes at p: returns the bytes it used
 * (4 for a surrogate pair, else 2), or 0 when fewer than 2 are left. An
 * unpaired surrogate is returned as itself (ost_is_surrogate says so), for
 * the caller to refuse or replace. */
size_t ost_utf16_next(const uint8_t *p, size_t n, enum ost_utf16_order o, uint32_t *cp);

/* UTF-16 arriving a byte at a time (a log read in chunks): a unit or a
 * surrogate pair may be split across chunks. Zero-initialise, set order. */
struct ost_utf16_stream {
    enum ost_utf16_order order;
    bool have_odd;
    uint8_t odd;
    uint16_t high; /* a high surrogate waiting for its low half, or 0 */
};
/* Takes one byte; returns how many code points it completes (0, 1 or 2:
 * a U+FFFD for a high surrogate left unpaired, then the unit after it),
 * stored in cp. */
unsigned ost_utf16_stream_byte(struct ost_utf16_stream *s, uint8_t byte, uint32_t cp[2]);
/* The end of the input: how many U+FFFD (in cp) stand for what was left,
 * a high surrogate and an odd byte one each. The stream is empty again. */
unsigned ost_utf16_stream_end(struct ost_utf16_stream *s, uint32_t cp[2]);

/* ---- Windows-1252 ---- */

/* The code point MultiByteToWideChar gives a Windows-1252 byte: Latin-1,
 * except 0x80-0x9F, which hold typographic characters. The five bytes the
 * code page leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) become the C1
 * control of the same value, as in Microsoft's table for the code page
 * (https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WindowsBestFit/bestfit1252.txt,
 * MBTABLE): every byte decodes, none to U+FFFD. */
uint32_t ost_cp1252_decode(uint8_t byte);

/* ---- whole strings ---- */

/* The n bytes of UTF-16 at p as a new UTF-8 string, up to the first
 * U+0000 (registry strings end with one; catalogs pad with them). A final
 * odd byte that is zero is what is left of a terminator cut short, not an
 * error. *well_formed (when not NULL) says whether nothing was replaced. */
char *ost_utf16_to_utf8(const uint8_t *p, size_t n, enum ost_utf16_order o, bool *well_formed);
/* The order the registry stores strings in. */
static inline char *ost_utf16le_to_utf8(const uint8_t *p, size_t n)
{
    return ost_utf16_to_utf8(p, n, OST_UTF16LE, NULL);
}
/* Appends the len bytes of UTF-8 at s as UTF-16 in order o, without a
 * terminator. Returns whether s was well-formed. */
bool ost_utf8_to_utf16(struct ost_buf *out, const char *s, size_t len, enum ost_utf16_order o);

#endif
