/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * inf.h — the INF file as text: encodings, sections, lines, fields and
 * string substitution. It knows nothing of what the sections mean; that is
 * infmodel.h.
 *
 * What is read, as Windows' SetupAPI reads it:
 *   - UTF-16LE with BOM, UTF-8 with BOM, and anything else as ANSI
 *     (Windows-1252), which is what Windows makes of a file without a BOM,
 *     UTF-8 text included (reported: "utf8-without-bom"); everything is
 *     converted to UTF-8. A Ctrl-Z (0x1A) ends the file; a NUL is read as a
 *     space (reported: "nul-character").
 *   - [section] headers; a section that appears twice is one section whose
 *     lines are concatenated. Names compare case-insensitively. A key
 *     looked up (ost_inf_find_key, [Strings]) is its first definition.
 *   - key = value, value, ...   or   value, value, ...   (no key)
 *   - "quoted" fields keep spaces, commas and semicolons; "" inside quotes
 *     is one quote character. ; starts a comment outside quotes.
 *   - a line whose last character outside quotes and comments is \
 *     continues on the next line.
 *   - %key% is replaced by the [Strings] value (locale sections first, see
 *     ost_inf_options; a key defined twice is its first definition, and
 *     the second is reported: "duplicate-string"), %% by %. Numeric %N%
 *     are directory IDs and stay. An unknown key stays as written and is
 *     reported. Substitution is one level deep, as in Windows: a string
 *     value is not expanded again.
 *
 * Problems that leave the file meaningful (a malformed line, an undefined
 * string, an unterminated quote) become diagnostics with the line number.
 * Problems that make it not an INF at all (control characters other than
 * NUL, UTF-16 without its byte-order mark, an odd-length UTF-16 file, a
 * line beyond Windows' limit, more lines or fields than OST_INF_MAX_LINES
 * or OST_INF_MAX_FIELDS) fail the load with OST_ERR_CORRUPT or
 * OST_ERR_LIMIT and a message naming file and place.
 */
#ifndef OST_INF_H
#define OST_INF_H

#include <stddef.h>
#include <stdint.h>

#include "cimap.h"
#include "diag.h"
#include "error.h"

/* Windows' INF parser rejects longer logical lines. */
#define OST_INF_MAX_LINE 4096
/* Refuse larger files outright: real INFs are kilobytes. */
#define OST_INF_MAX_FILE (64u * 1024 * 1024)
/* What an INF may hold once read: every line and field costs memory (tens
 * of bytes each), and a file within OST_INF_MAX_FILE can be written as
 * tens of millions of them (gigabytes, half a minute). The largest real
 * INFs (display and printer drivers) have tens of thousands of lines. */
#define OST_INF_MAX_LINES 500000u
#define OST_INF_MAX_FIELDS 2000000u

struct ost_inf_line {
    unsigned lineno;  /* first physical line of the logical line */
    char *key;        /* NULL when the line has no '=' */
    char **values;    /* at least one; empty strings for empty fields */
    size_t nvalues;
};

struct ost_inf_section {
    char *name;       /* as first written */
    unsigned lineno;  /* line of the first header */
    struct ost_inf_line *lines;
    size_t nlines;
    size_t cap;
    struct ost_cimap by_key;  /* key → index + 1 of its first line */
};

struct ost_inf_options {
    /* The language of the Windows that reads the INF, a LANGID as 4 hex
     * digits ("0407"); NULL or "" for an English one (0409). Each key is
     * looked up in [Strings.<LANGID>], then [Strings.<primary language>]
     * (sublanguage 0: [Strings.0007] for 0407), then [Strings]. */
    const char *locale;
};

struct ost_inf {
    char *path;
    const char *encoding; /* "ansi", "utf-8", "utf-8-bom", "utf-16le" */
    struct ost_inf_section *sections;
    size_t nsections;
    size_t cap;
    struct ost_cimap by_name; /* section name → struct ost_inf_section * index + 1 */
    size_t nlines, nfields;   /* in all sections, against the limits above */
};

/* Parses an INF held in memory. `path` is used in messages. Diagnostics
 * are appended to diags (which may be NULL). */
ost_status ost_inf_parse(const uint8_t *data, size_t size, const char *path,
                         const struct ost_inf_options *opts, struct ost_inf **out,
                         struct ost_diags *diags, struct ost_error *err);
ost_status ost_inf_load(const char *path, const struct ost_inf_options *opts, struct ost_inf **out,
                        struct ost_diags *diags, struct ost_error *err);
void ost_inf_free(struct ost_inf *inf);

/* Case-insensitive lookup; NULL when absent. */
const struct ost_inf_section *ost_inf_section(const struct ost_inf *inf, const char *name);
/* First line of the section whose key is `key` (case-insensitive), from
 * an index: constant time however long the section. */
const struct ost_inf_line *ost_inf_find_key(const struct ost_inf_section *sec, const char *key);
/* Value 0 of that line, or NULL. */
const char *ost_inf_get(const struct ost_inf *inf, const char *section, const char *key,
                        unsigned *lineno);

/* Parses an INF number: decimal or 0x-prefixed hex, optional sign.
 * Returns 0 on success, -1 if `s` is not a number that fits 32 bits. */
int ost_inf_parse_u32(const char *s, uint32_t *out);

#endif
