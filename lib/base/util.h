/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * util.h — memory, strings, lists, buffers and numbers: the small things
 * every module needs. Host files and paths are fileutil.h's; text
 * encodings are encoding.h's.
 *
 * Allocation failure is not recoverable in a command-line tool that works on
 * bounded inputs: ost_xmalloc and friends abort with a message instead of
 * returning NULL, which keeps every caller free of dead error paths.
 */
#ifndef OST_UTIL_H
#define OST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

void *ost_xmalloc(size_t n);
void *ost_xcalloc(size_t count, size_t size);
void *ost_xrealloc(void *p, size_t n);
/* Grows *items (of *cap elements of elem_size) so that `need` fit. */
void ost_grow(void *items_ptr, size_t *cap, size_t need, size_t elem_size);
char *ost_xstrdup(const char *s);
char *ost_xstrndup(const char *s, size_t n);
char *ost_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *ost_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Formats into a fixed buffer of size bytes, cutting what does not fit
 * (for fields sized for their text; no truncation warning to silence). */
void ost_format_into(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A growable byte string, always NUL-terminated. */
struct ost_buf {
    char *data;
    size_t len;
    size_t cap;
};
void ost_buf_add(struct ost_buf *b, const void *data, size_t n);
void ost_buf_addc(struct ost_buf *b, char c);
void ost_buf_adds(struct ost_buf *b, const char *s);
void ost_buf_addf(struct ost_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Gives the string to the caller (never NULL) and empties the buffer. */
char *ost_buf_steal(struct ost_buf *b);
void ost_buf_free(struct ost_buf *b);

/* A list of owned strings. */
struct ost_strlist {
    char **v;
    size_t n;
    size_t cap;
};
void ost_strlist_add(struct ost_strlist *l, const char *s);
void ost_strlist_add_owned(struct ost_strlist *l, char *s);
bool ost_strlist_contains_ci(const struct ost_strlist *l, const char *s);
void ost_strlist_free(struct ost_strlist *l);

/* ASCII case-insensitive comparison: Windows names (sections, keys, IDs,
 * file names in a package) compare this way. */
int ost_strcasecmp(const char *a, const char *b);
int ost_strncasecmp(const char *a, const char *b, size_t n);
bool ost_streq_ci(const char *a, const char *b);
bool ost_has_prefix_ci(const char *s, const char *prefix);
bool ost_has_suffix_ci(const char *s, const char *suffix);
void ost_str_upper(char *s);
void ost_str_lower(char *s);
/* Trims ASCII whitespace in place; returns s. */
char *ost_str_trim(char *s);

/* Parses a whole decimal number in [min, max]: digits only, no sign, no
 * spaces, no wrap-around. Returns false for anything else. */
bool ost_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Little-endian readers over a bounded buffer. */
static inline uint16_t ost_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t ost_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t ost_le64(const uint8_t *p)
{
    return (uint64_t)ost_le32(p) | (uint64_t)ost_le32(p + 4) << 32;
}

static inline void ost_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}
static inline void ost_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}
static inline void ost_put_le64(uint8_t *p, uint64_t v)
{
    ost_put_le32(p, (uint32_t)v), ost_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
