/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "inf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "fileutil.h"
#include "util.h"

/* ------------------------------------------------------------------------
 * Decoding: everything becomes UTF-8 before it is tokenised.
 */

static unsigned line_at(const uint8_t *text, size_t off, size_t unit)
{
    unsigned line = 1;
    for (size_t i = 0; i < off; i += unit)
        if (text[i] == '\n')
            line++;
    return line;
}

/* Control characters other than tab, newlines, form feed and vertical tab
 * mean the file is not text. NUL is not among them: see struct decoded. */
static bool is_binary_char(uint32_t c)
{
    return (c < 0x20 && c != 0 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
           c == 0x7F;
}

/* What decoding found that the file's reader should be told of. A NUL is
 * read as a space, as Windows' parser reads it: Wine's tests of
 * SetupOpenInfFile, which pass on Windows, expect "ef\0gh" to give the
 * field "ef gh" and a NUL at the end of a [Strings] value to be dropped
 * with the trailing blanks (dlls/setupapi/tests/parser.c, key_names,
 * "nulls"). */
struct decoded {
    size_t nuls;
    unsigned nul_line;       /* of the first NUL */
    bool utf8;               /* BOM-less, well-formed UTF-8 with a byte beyond ASCII, read as ANSI */
};

static uint32_t take_nul(uint32_t cp, const uint8_t *text, size_t off, size_t unit, struct decoded *d)
{
    if (cp)
        return cp;
    if (!d->nuls++)
        d->nul_line = line_at(text, off, unit);
    return ' ';
}

static ost_status decode_utf16le(const uint8_t *data, size_t size, const char *path,
                                 struct ost_buf *out, struct decoded *d, struct ost_error *err)
{
    if (size % 2)
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: UTF-16 file has an odd length (%zu bytes): it is truncated or not UTF-16",
                        path, size);
    /* refused at the offset rather than read with U+FFFD in place of the
     * damage: a name holding it would equal nothing in the image */
    for (size_t i = 2, used; i + 1 < size; i += used) {
        uint32_t cp;
        used = ost_utf16_next(data + i, size - i, OST_UTF16LE, &cp);
        if (ost_is_surrogate(cp)) {
            bool high = ost_is_high_surrogate(cp);
            return ost_fail(err, OST_ERR_CORRUPT, "%s: offset %zu (line %u): UTF-16 %s surrogate 0x%04X without its "
                            "%s half", path, i, line_at(data, i, 2), high ? "high" : "low", (unsigned)cp,
                            high ? "low" : "high");
        }
        if (cp == 0x1A)
            break;
        if (is_binary_char(cp))
            return ost_fail(err, OST_ERR_CORRUPT,
                            "%s: offset %zu (line %u): character U+%04X is not text; this is not an INF file",
                            path, i, line_at(data, i, 2), (unsigned)cp);
        ost_buf_add_utf8(out, take_nul(cp, data, i, 2, d));
    }
    return OST_OK;
}

/* Two ASCII characters each followed by a zero byte: UTF-16LE whose BOM is
 * missing, not ANSI text with NULs in it. */
static bool looks_like_utf16le(const uint8_t *data, size_t size)
{
    return size >= 4 && data[0] && data[0] < 0x80 && !data[1] && data[2] && data[2] < 0x80 && !data[3];
}

static ost_status decode_8bit(const uint8_t *data, size_t size, const char *path, bool utf8,
                              struct ost_buf *out, struct decoded *d, struct ost_error *err)
{
    if (!utf8 && looks_like_utf16le(data, size))
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 1 (line 1): byte 0x00 is not text; this is not an INF file (UTF-16 without "
                        "a byte-order mark? Windows needs the BOM)", path);
    for (size_t i = 0; i < size; i++) {
        uint8_t c = data[i];
        if (c == 0x1A)
            break;
        if (is_binary_char(c))
            return ost_fail(err, OST_ERR_CORRUPT,
                            "%s: offset %zu (line %u): byte 0x%02X is not text; this is not an INF file",
                            path, i, line_at(data, i, 1), c);
        if (c == 0)
            ost_buf_addc(out, (char)take_nul(c, data, i, 1, d));
        else if (utf8 || c < 0x80)
            ost_buf_addc(out, (char)c);
        else
            ost_buf_add_utf8(out, ost_cp1252_decode(c));
    }
    return OST_OK;
}

/* Whether the text (up to a Ctrl-Z) is well-formed UTF-8 with a byte
 * beyond ASCII. */
static bool utf8_beyond_ascii(const uint8_t *data, size_t size)
{
    size_t end = 0;
    while (end < size && data[end] != 0x1A)
        end++;
    size_t first = 0;
    while (first < end && data[first] < 0x80)
        first++;
    return first < end && ost_utf8_valid((const char *)data + first, end - first);
}

static ost_status decode(const uint8_t *data, size_t size, const char *path, struct ost_buf *out,
                         const char **encoding, struct decoded *d, struct ost_error *err)
{
    if (size >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
        *encoding = "utf-16le";
        return decode_utf16le(data, size, path, out, d, err);
    }
    if (size >= 2 && data[0] == 0xFE && data[1] == 0xFF)
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: offset 0: UTF-16 big-endian byte-order mark; Windows reads INF files only "
                        "as ANSI, UTF-8 or UTF-16LE",
                        path);
    if (size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) {
        *encoding = "utf-8-bom";
        if (!ost_utf8_valid((const char *)data + 3, size - 3))
            return ost_fail(err, OST_ERR_CORRUPT, "%s: has a UTF-8 byte-order mark but is not valid UTF-8", path);
        return decode_8bit(data + 3, size - 3, path, true, out, d, err);
    }
    /* Without a byte-order mark SetupAPI converts the file from the ANSI
     * code page (Wine's parse_file: CP_ACP unless the UTF-8 BOM is there),
     * Windows-1252 on English and Western European Windows: UTF-8 text
     * there is read as two or three characters per letter. */
    *encoding = "ansi";
    d->utf8 = utf8_beyond_ascii(data, size);
    return decode_8bit(data, size, path, false, out, d, err);
}

static void report_decoding(const struct decoded *d, const char *path, struct ost_diags *diags)
{
    if (d->nuls)
        ost_diag_add(diags, OST_SEV_WARNING, path, d->nul_line, "nul-character",
                     "%zu NUL character%s (the first on this line) read as a space, as Windows reads %s; "
                     "remove %s from the file",
                     d->nuls, d->nuls == 1 ? "" : "s", d->nuls == 1 ? "it" : "them", d->nuls == 1 ? "it" : "them");
}

static bool has_non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

/* The first line whose section name, key or values hold a character
 * beyond ASCII, 0 if none: text in comments only is never read. */
static unsigned first_non_ascii_line(const struct ost_inf *inf)
{
    unsigned first = 0;
    for (size_t i = 0; i < inf->nsections; i++) {
        const struct ost_inf_section *s = &inf->sections[i];
        if (has_non_ascii(s->name) && (!first || s->lineno < first))
            first = s->lineno;
        for (size_t j = 0; j < s->nlines; j++) {
            const struct ost_inf_line *l = &s->lines[j];
            bool hit = has_non_ascii(l->key);
            for (size_t k = 0; k < l->nvalues && !hit; k++)
                hit = has_non_ascii(l->values[k]);
            if (hit && (!first || l->lineno < first))
                first = l->lineno;
        }
    }
    return first;
}

/* UTF-8 read as ANSI changes only what is outside comments. */
static void report_utf8_as_ansi(const struct decoded *d, const struct ost_inf *inf, struct ost_diags *diags)
{
    unsigned line = d->utf8 ? first_non_ascii_line(inf) : 0;
    if (line)
        ost_diag_add(diags, OST_SEV_WARNING, inf->path, line, "utf8-without-bom",
                     "the file is UTF-8 without a byte-order mark; Windows reads such a file in the ANSI code "
                     "page (Windows-1252), so its non-ASCII text (the first on this line) reads as other "
                     "characters: save it as UTF-16LE with a byte-order mark, or keep it ASCII");
}

/* ------------------------------------------------------------------------
 * Sections.
 */

static struct ost_inf_section *section_get_or_add(struct ost_inf *inf, const char *name, unsigned lineno)
{
    void *slot = ost_cimap_get(&inf->by_name, name);
    if (slot)
        return &inf->sections[(uintptr_t)slot - 1];
    ost_grow(&inf->sections, &inf->cap, inf->nsections + 1, sizeof *inf->sections);
    struct ost_inf_section *s = &inf->sections[inf->nsections++];
    *s = (struct ost_inf_section){.name = ost_xstrdup(name), .lineno = lineno};
    ost_cimap_put(&inf->by_name, name, (void *)(uintptr_t)inf->nsections);
    return s;
}

const struct ost_inf_section *ost_inf_section(const struct ost_inf *inf, const char *name)
{
    void *slot = ost_cimap_get(&inf->by_name, name);
    return slot ? &inf->sections[(uintptr_t)slot - 1] : NULL;
}

const struct ost_inf_line *ost_inf_find_key(const struct ost_inf_section *sec, const char *key)
{
    void *slot = sec ? ost_cimap_get(&sec->by_key, key) : NULL;
    return slot ? &sec->lines[(uintptr_t)slot - 1] : NULL;
}

/* Keys are indexed once they are final, after substitution. */
static void index_keys(struct ost_inf *inf)
{
    for (size_t i = 0; i < inf->nsections; i++) {
        struct ost_inf_section *s = &inf->sections[i];
        for (size_t j = 0; j < s->nlines; j++)
            if (s->lines[j].key && !ost_cimap_get(&s->by_key, s->lines[j].key))
                ost_cimap_put(&s->by_key, s->lines[j].key, (void *)(uintptr_t)(j + 1));
    }
}

const char *ost_inf_get(const struct ost_inf *inf, const char *section, const char *key,
                        unsigned *lineno)
{
    const struct ost_inf_line *l = ost_inf_find_key(ost_inf_section(inf, section), key);
    if (lineno)
        *lineno = l ? l->lineno : 0;
    return l ? l->values[0] : NULL;
}

/* ------------------------------------------------------------------------
 * Tokenising. One pass over the decoded text builds logical lines; each
 * field is collected with its significant length so that surrounding
 * whitespace is dropped but quoted whitespace kept.
 */

struct field {
    struct ost_buf text;
    size_t significant; /* length up to the last quoted or non-blank char */
    bool quoted;
};

struct lexer {
    struct ost_inf *inf;
    struct ost_diags *diags;
    struct ost_error *err;
    const char *p, *end;
    unsigned lineno;       /* current physical line */
    struct ost_inf_section *section;
    bool warned_outside;
};

struct logical_line {
    unsigned lineno;
    char *key;
    bool has_key;
    struct ost_strlist fields;
    struct field cur;
    size_t length; /* characters outside comments, for the line limit */
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

static void field_add(struct field *f, char c, bool significant)
{
    if (!significant && f->text.len == 0 && !f->quoted)
        return;
    ost_buf_addc(&f->text, c);
    if (significant)
        f->significant = f->text.len;
}

static char *field_take(struct field *f)
{
    char *s = ost_xstrndup(f->text.data ? f->text.data : "", f->significant);
    ost_buf_free(&f->text);
    f->significant = 0;
    f->quoted = false;
    return s;
}

static void line_end_field(struct logical_line *ll)
{
    ost_strlist_add_owned(&ll->fields, field_take(&ll->cur));
}

/* Reads a [section] header starting at '['; p is left at the end of line. */
static void lex_section_header(struct lexer *lx)
{
    const char *start = lx->p + 1;
    const char *close = start;
    while (close < lx->end && *close != ']' && *close != '\n' && *close != '\r')
        close++;
    if (close >= lx->end || *close != ']') {
        ost_diag_add(lx->diags, OST_SEV_WARNING, lx->inf->path, lx->lineno, "malformed-section-header",
                     "section header has no closing ']'; the line is ignored");
        lx->section = NULL;
        lx->warned_outside = true; /* its lines are not reported one by one */
    } else {
        char *name = ost_str_trim(ost_xstrndup(start, (size_t)(close - start)));
        if (!*name)
            ost_diag_add(lx->diags, OST_SEV_WARNING, lx->inf->path, lx->lineno, "empty-section-name",
                         "section header '[]' has an empty name");
        lx->section = section_get_or_add(lx->inf, name, lx->lineno);
        free(name);
        const char *after = close + 1;
        while (after < lx->end && is_blank(*after))
            after++;
        if (after < lx->end && *after != ';' && *after != '\n' && *after != '\r')
            ost_diag_add(lx->diags, OST_SEV_WARNING, lx->inf->path, lx->lineno, "text-after-section-header",
                         "text after the section header is ignored");
    }
    while (lx->p < lx->end && *lx->p != '\n' && *lx->p != '\r')
        lx->p++;
}

static ost_status store_line(struct lexer *lx, struct logical_line *ll, bool blank)
{
    if (blank)
        return OST_OK;
    if (!lx->section) {
        if (!lx->warned_outside)
            ost_diag_add(lx->diags, OST_SEV_WARNING, lx->inf->path, ll->lineno, "line-outside-section",
                         "line before any [section] header is ignored");
        lx->warned_outside = true;
        return OST_OK;
    }
    struct ost_inf *inf = lx->inf;
    if (++inf->nlines > OST_INF_MAX_LINES)
        return ost_fail(lx->err, OST_ERR_LIMIT,
                        "%s:%u: more than %u lines in sections; real INFs have tens of thousands at most, "
                        "so this is not a driver INF (or it must be split into several packages)",
                        inf->path, ll->lineno, OST_INF_MAX_LINES);
    if ((inf->nfields += ll->fields.n) > OST_INF_MAX_FIELDS)
        return ost_fail(lx->err, OST_ERR_LIMIT,
                        "%s:%u: more than %u comma-separated fields in sections; real INFs have far fewer, "
                        "so this is not a driver INF (or it must be split into several packages)",
                        inf->path, ll->lineno, OST_INF_MAX_FIELDS);
    struct ost_inf_section *s = lx->section;
    ost_grow(&s->lines, &s->cap, s->nlines + 1, sizeof *s->lines);
    struct ost_inf_line *l = &s->lines[s->nlines++];
    l->lineno = ll->lineno;
    l->key = ll->key;
    l->values = ll->fields.v;
    l->nvalues = ll->fields.n;
    ll->key = NULL;
    ll->fields = (struct ost_strlist){0};
    return OST_OK;
}

static void skip_newline(struct lexer *lx)
{
    if (lx->p < lx->end && *lx->p == '\r')
        lx->p++;
    if (lx->p < lx->end && *lx->p == '\n')
        lx->p++;
    lx->lineno++;
}

/* Lexes one logical line (one or more physical lines joined by '\'). */
static ost_status lex_logical_line(struct lexer *lx)
{
    struct logical_line ll = {.lineno = lx->lineno};
    bool in_quote = false, in_comment = false, backslash_last = false;
    ost_status st = OST_OK;

    while (lx->p < lx->end && is_blank(*lx->p))
        lx->p++;
    if (lx->p < lx->end && *lx->p == '[') {
        lex_section_header(lx);
        skip_newline(lx);
        return OST_OK;
    }

    for (;;) {
        char c = lx->p < lx->end ? *lx->p : '\n';
        bool at_eof = lx->p >= lx->end;
        if (c == '\n' || c == '\r') {
            if (in_quote) {
                ost_diag_add(lx->diags, OST_SEV_ERROR, lx->inf->path, lx->lineno, "unterminated-quote",
                             "quoted string is not closed before the end of the line");
                in_quote = false;
            }
            if (backslash_last && !at_eof) {
                /* continuation: drop the '\' and go on with the next line */
                ll.cur.text.len = ll.cur.significant - 1;
                ll.cur.text.data[ll.cur.text.len] = '\0';
                ll.cur.significant = ll.cur.text.len;
                while (ll.cur.significant && is_blank(ll.cur.text.data[ll.cur.significant - 1]))
                    ll.cur.significant--;
                backslash_last = false;
                in_comment = false;
                skip_newline(lx);
                continue;
            }
            if (backslash_last && at_eof)
                ost_diag_add(lx->diags, OST_SEV_WARNING, lx->inf->path, lx->lineno, "continuation-at-eof",
                             "line continues ('\\') past the end of the file");
            break;
        }
        lx->p++;
        if (in_comment)
            continue;
        if (++ll.length > OST_INF_MAX_LINE) {
            st = ost_fail(lx->err, OST_ERR_LIMIT,
                          "%s:%u: line is longer than %d characters, the most Windows accepts in an INF",
                          lx->inf->path, ll.lineno, OST_INF_MAX_LINE);
            break;
        }
        if (in_quote) {
            if (c == '"' && lx->p < lx->end && *lx->p == '"') {
                lx->p++;
                field_add(&ll.cur, '"', true);
            } else if (c == '"') {
                in_quote = false;
            } else {
                field_add(&ll.cur, c, true);
            }
            continue;
        }
        switch (c) {
        case '"':
            in_quote = true;
            ll.cur.quoted = true;
            ll.cur.significant = ll.cur.text.len;
            backslash_last = false;
            break;
        case ';':
            in_comment = true;
            break;
        case ',':
            line_end_field(&ll);
            backslash_last = false;
            break;
        case '=':
            if (!ll.has_key && ll.fields.n == 0) {
                ll.key = field_take(&ll.cur);
                ll.has_key = true;
            } else {
                field_add(&ll.cur, c, true);
            }
            backslash_last = false;
            break;
        default:
            if (is_blank(c)) {
                field_add(&ll.cur, c, false);
            } else {
                field_add(&ll.cur, c, true);
                backslash_last = c == '\\';
            }
        }
    }
    if (st == OST_OK) {
        bool blank = !ll.has_key && ll.fields.n == 0 && !ll.cur.quoted && ll.cur.significant == 0;
        line_end_field(&ll);
        st = store_line(lx, &ll, blank);
    }
    skip_newline(lx);
    free(ll.key);
    ost_strlist_free(&ll.fields);
    ost_buf_free(&ll.cur.text);
    return st;
}

/* ------------------------------------------------------------------------
 * Strings.
 */

static bool is_strings_section(const char *name)
{
    return ost_streq_ci(name, "Strings") || ost_has_prefix_ci(name, "Strings.");
}

/* Adds the section's strings the map does not hold yet: the first
 * definition of a key wins, so callers go from the most to the least
 * preferred section. Windows' lookup scans [Strings] from the top and
 * stops at the first line whose key matches, and a section written twice
 * is one section, the lines of its second header after those of its
 * first (Microsoft, "General Syntax Rules for INF Files": entries of
 * sections with the same name are merged; Wine's setupapi parser.c,
 * get_string_subst and add_section_from_token, whose test "multiple
 * sections with same name" passes on Windows). */
static void add_strings(struct ost_cimap *map, const struct ost_inf *inf, const char *section_name,
                        struct ost_diags *diags, bool report)
{
    const struct ost_inf_section *s = ost_inf_section(inf, section_name);
    if (!s)
        return;
    for (size_t i = 0; i < s->nlines; i++) {
        struct ost_inf_line *l = &s->lines[i];
        if (!l->key) {
            if (report)
                ost_diag_add(diags, OST_SEV_WARNING, inf->path, l->lineno, "strings-line-without-key",
                             "line in [%s] has no 'key =' and is ignored", s->name);
            continue;
        }
        if (l->nvalues > 1) {
            /* An unquoted comma is part of a string value. */
            struct ost_buf joined = {0};
            for (size_t k = 0; k < l->nvalues; k++) {
                if (k)
                    ost_buf_addc(&joined, ',');
                ost_buf_adds(&joined, l->values[k]);
            }
            for (size_t k = 0; k < l->nvalues; k++)
                free(l->values[k]);
            l->values[0] = ost_buf_steal(&joined);
            l->nvalues = 1;
        }
        /* Lower-cased copies and strstr: linear, where trying the key at
         * every position of the value would cost their product. */
        if (report) {
            char *self = ost_xasprintf("%%%s%%", l->key);
            char *lower = ost_xstrdup(l->values[0]);
            ost_str_lower(self);
            ost_str_lower(lower);
            if (strstr(lower, self))
                ost_diag_add(diags, OST_SEV_ERROR, inf->path, l->lineno, "string-self-reference",
                             "string %%%s%% refers to itself; Windows does not expand it and the "
                             "text '%s' would be used as is",
                             l->key, l->values[0]);
            free(self);
            free(lower);
        }
        const struct ost_inf_line *first = ost_cimap_get(map, l->key);
        if (!first)
            ost_cimap_put(map, l->key, l);
        else if (report)
            ost_diag_add(diags, OST_SEV_WARNING, inf->path, l->lineno, "duplicate-string",
                         "string %%%s%% is defined again in [%s]; Windows uses the first definition "
                         "(line %u, \"%s\") and ignores this one",
                         l->key, s->name, first->lineno, first->values[0]);
    }
}

static void build_string_table(const struct ost_inf *inf, const char *locale, struct ost_cimap *map,
                               struct ost_diags *diags)
{
    /* With no language named, the one of an English Windows. */
    unsigned long langid = strtoul(locale && *locale ? locale : "0409", NULL, 16);
    char *exact = ost_xasprintf("Strings.%04lx", langid & 0xFFFF);
    char *primary = ost_xasprintf("Strings.%04lx", langid & 0x3FF);
    /* Every Strings section is checked once, whichever one is used. */
    for (size_t i = 0; i < inf->nsections; i++) {
        const char *n = inf->sections[i].name;
        if (!is_strings_section(n))
            continue;
        struct ost_cimap scratch = {0};
        add_strings(&scratch, inf, n, diags, true);
        ost_cimap_free(&scratch);
    }
    add_strings(map, inf, exact, diags, false);
    add_strings(map, inf, primary, diags, false);
    add_strings(map, inf, "Strings", diags, false);
    free(primary);
    free(exact);
}

static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static char *substitute(const char *in, const struct ost_cimap *strings, const char *path,
                        unsigned lineno, struct ost_diags *diags)
{
    if (!strchr(in, '%'))
        return ost_xstrdup(in);
    struct ost_buf out = {0};
    for (const char *p = in; *p;) {
        if (*p != '%') {
            ost_buf_addc(&out, *p++);
            continue;
        }
        if (p[1] == '%') {
            ost_buf_addc(&out, '%');
            p += 2;
            continue;
        }
        const char *close = strchr(p + 1, '%');
        if (!close) {
            ost_buf_adds(&out, p);
            break;
        }
        size_t n = (size_t)(close - p - 1);
        char *key = ost_xstrndup(p + 1, n);
        const struct ost_inf_line *value = ost_cimap_get(strings, key);
        if (value) {
            ost_buf_adds(&out, value->values[0]);
        } else {
            if (!all_digits(key, n))
                ost_diag_add(diags, OST_SEV_WARNING, path, lineno, "undefined-string",
                             "%%%s%% is not defined in [Strings]; it is kept as written", key);
            ost_buf_add(&out, p, n + 2);
        }
        free(key);
        p = close + 1;
    }
    return ost_buf_steal(&out);
}

static void substitute_all(struct ost_inf *inf, const struct ost_cimap *strings, struct ost_diags *diags)
{
    for (size_t i = 0; i < inf->nsections; i++) {
        struct ost_inf_section *s = &inf->sections[i];
        if (is_strings_section(s->name))
            continue;
        for (size_t j = 0; j < s->nlines; j++) {
            struct ost_inf_line *l = &s->lines[j];
            if (l->key) {
                char *k = substitute(l->key, strings, inf->path, l->lineno, diags);
                free(l->key);
                l->key = k;
            }
            for (size_t k = 0; k < l->nvalues; k++) {
                char *v = substitute(l->values[k], strings, inf->path, l->lineno, diags);
                free(l->values[k]);
                l->values[k] = v;
            }
        }
    }
}

/* ------------------------------------------------------------------------
 * Entry points.
 */

ost_status ost_inf_parse(const uint8_t *data, size_t size, const char *path,
                         const struct ost_inf_options *opts, struct ost_inf **out,
                         struct ost_diags *diags, struct ost_error *err)
{
    *out = NULL;
    struct ost_diags scratch = {0};
    if (!diags)
        diags = &scratch;
    struct ost_buf text = {0};
    const char *encoding = "ansi";
    struct decoded decoded = {0};
    ost_status st = decode(data, size, path, &text, &encoding, &decoded, err);
    if (st != OST_OK) {
        ost_buf_free(&text);
        ost_diags_free(&scratch);
        return st;
    }
    struct ost_inf *inf = ost_xcalloc(1, sizeof *inf);
    inf->path = ost_xstrdup(path);
    inf->encoding = encoding;
    report_decoding(&decoded, path, diags);

    struct lexer lx = {
        .inf = inf, .diags = diags, .err = err, .lineno = 1,
        .p = text.data ? text.data : "", .end = (text.data ? text.data : "") + text.len,
    };
    while (st == OST_OK && lx.p < lx.end)
        st = lex_logical_line(&lx);
    ost_buf_free(&text);
    if (st == OST_OK)
        report_utf8_as_ansi(&decoded, inf, diags);
    if (st == OST_OK && inf->nsections == 0)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: no [section] header found; this is not an INF file", path);
    if (st != OST_OK) {
        ost_inf_free(inf);
        ost_diags_free(&scratch);
        return st;
    }
    struct ost_cimap strings = {0};
    build_string_table(inf, opts ? opts->locale : NULL, &strings, diags);
    substitute_all(inf, &strings, diags);
    index_keys(inf);
    ost_cimap_free(&strings);
    ost_diags_free(&scratch);
    *out = inf;
    return OST_OK;
}

ost_status ost_inf_load(const char *path, const struct ost_inf_options *opts, struct ost_inf **out,
                        struct ost_diags *diags, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    *out = NULL;
    ost_status st = ost_read_file(path, OST_INF_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_inf_parse(data, size, path, opts, out, diags, err);
    free(data);
    return st;
}

void ost_inf_free(struct ost_inf *inf)
{
    if (!inf)
        return;
    for (size_t i = 0; i < inf->nsections; i++) {
        struct ost_inf_section *s = &inf->sections[i];
        for (size_t j = 0; j < s->nlines; j++) {
            free(s->lines[j].key);
            for (size_t k = 0; k < s->lines[j].nvalues; k++)
                free(s->lines[j].values[k]);
            free(s->lines[j].values);
        }
        free(s->lines);
        ost_cimap_free(&s->by_key);
        free(s->name);
    }
    free(inf->sections);
    ost_cimap_free(&inf->by_name);
    free(inf->path);
    free(inf);
}

int ost_inf_parse_u32(const char *s, uint32_t *out)
{
    if (!s)
        return -1;
    while (is_blank(*s))
        s++;
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (!*s)
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
    while (is_blank(*end))
        end++;
    if (errno || *end || v > 0xFFFFFFFFull)
        return -1;
    *out = neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v;
    return 0;
}
