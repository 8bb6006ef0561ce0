/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "offstage: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *ost_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *ost_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *ost_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void ost_grow(void *items_ptr, size_t *cap, size_t need, size_t elem_size)
{
    void **items = items_ptr;
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem_size)
            out_of_memory(SIZE_MAX);
        ncap *= 2;
    }
    *items = ost_xrealloc(*items, ncap * elem_size);
    *cap = ncap;
}

char *ost_xstrdup(const char *s)
{
    return ost_xstrndup(s, strlen(s));
}

char *ost_xstrndup(const char *s, size_t n)
{
    char *p = ost_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ost_xvasprintf(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0)
        out_of_memory(0);
    char *p = ost_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, again);
    va_end(again);
    return p;
}

void ost_format_into(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, size, fmt, ap);
    va_end(ap);
}

char *ost_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = ost_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void ost_buf_add(struct ost_buf *b, const void *data, size_t n)
{
    ost_grow(&b->data, &b->cap, b->len + n + 1, 1);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ost_buf_addc(struct ost_buf *b, char c)
{
    ost_buf_add(b, &c, 1);
}

void ost_buf_adds(struct ost_buf *b, const char *s)
{
    ost_buf_add(b, s, strlen(s));
}

void ost_buf_addf(struct ost_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    ost_grow(&b->data, &b->cap, b->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *ost_buf_steal(struct ost_buf *b)
{
    char *s = b->data ? b->data : ost_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void ost_buf_free(struct ost_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ost_strlist_add(struct ost_strlist *l, const char *s)
{
    ost_strlist_add_owned(l, ost_xstrdup(s));
}

void ost_strlist_add_owned(struct ost_strlist *l, char *s)
{
    ost_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = s;
}

bool ost_strlist_contains_ci(const struct ost_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (ost_streq_ci(l->v[i], s))
            return true;
    return false;
}

void ost_strlist_free(struct ost_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int ost_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
}

int ost_strncasecmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        int d = lower((unsigned char)*a) - lower((unsigned char)*b);
        if (d || !*a)
            return d;
    }
    return 0;
}

bool ost_streq_ci(const char *a, const char *b)
{
    return ost_strcasecmp(a, b) == 0;
}

bool ost_has_prefix_ci(const char *s, const char *prefix)
{
    return ost_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool ost_has_suffix_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && ost_strcasecmp(s + ls - lx, suffix) == 0;
}

void ost_str_upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - ('a' - 'A'));
}

void ost_str_lower(char *s)
{
    for (; *s; s++)
        *s = (char)lower((unsigned char)*s);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

char *ost_str_trim(char *s)
{
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (is_space(s[i]))
        i++;
    if (i)
        memmove(s, s + i, n - i + 1);
    return s;
}

bool ost_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}
