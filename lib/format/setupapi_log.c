/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "setupapi_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"
#include "fileutil.h"
#include "hwid.h"
#include "util.h"

enum encoding { ENC_UNKNOWN, ENC_ANSI, ENC_UTF8_BOM, ENC_UTF16LE, ENC_UTF16BE };

struct ost_setupapi_parser {
    char *name;
    ost_setupapi_section_fn fn;
    void *ctx;
    ost_status failed;
    struct ost_error error;
    bool stopped;
    enum encoding enc;
    uint8_t head[4];
    size_t nhead;
    uint64_t offset;           /* file offset of the next byte to decode */
    struct ost_utf16_stream utf16; /* a unit or pair split across chunks */
    struct ost_buf utf8;       /* converted text not yet split into lines */
    /* the line being assembled, capped */
    char line[OST_SETUPAPI_MAX_LINE + 1];
    size_t line_len;
    bool line_capped;
    struct ost_buf clean;
    uint64_t line_no;
    bool recognised;           /* a line that only a SetupAPI log has was seen */
    bool seen_text;
    /* the open section */
    struct ost_setupapi_section *cur;
    bool cur_ended;            /* "Section end" seen, exit status pending */
    bool in_selected;          /* inside a "Selected driver:" block */
    char *boot_session;
    struct ost_setupapi_log_info info;
};

static const char *encoding_name(enum encoding e)
{
    switch (e) {
    case ENC_UTF8_BOM: return "utf-8-bom";
    case ENC_UTF16LE: return "utf-16le";
    case ENC_UTF16BE: return "utf-16be";
    default: return "ansi";
    }
}

static void parser_fail(struct ost_setupapi_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void parser_fail(struct ost_setupapi_parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    ost_vfail(&p->error, OST_ERR_CORRUPT, fmt, ap);
    va_end(ap);
    p->failed = OST_ERR_CORRUPT;
}

static bool halted(const struct ost_setupapi_parser *p)
{
    return p->failed || p->stopped;
}

/* --- small text helpers ---------------------------------------------------- */

static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (ost_strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

static char *skip_ws(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void trim_end(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

/* Copies at most cap - 1 bytes, never ending inside a UTF-8 sequence. */
static void copy_capped(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
        while (n && ((uint8_t)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static bool is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* "HH:MM:SS.mmm" */
static bool is_time(const char *s)
{
    return is_digits(s, 2) && s[2] == ':' && is_digits(s + 3, 2) && s[5] == ':' && is_digits(s + 6, 2) &&
           s[8] == '.' && is_digits(s + 9, 3);
}

/* "YYYY/MM/DD HH:MM:SS.mmm" */
static bool is_datetime(const char *s)
{
    return is_digits(s, 4) && s[4] == '/' && is_digits(s + 5, 2) && s[7] == '/' && is_digits(s + 8, 2) &&
           s[10] == ' ' && is_time(s + 11);
}

/* The log's "2010/11/20 22:33:07.968" in ISO 8601, the one form offstage
 * prints dates in: "2010-11-20T22:33:07.968". The log holds the machine's
 * local time and says not which zone, so no offset is added. Anything
 * else is left as logged. */
static void iso_stamp(char *stamp)
{
    if (!is_datetime(stamp))
        return;
    stamp[4] = stamp[7] = '-';
    stamp[10] = 'T';
}

/* The value between `open` and the last `close` after it, or NULL. */
static char *between(const char *s, char open, char close)
{
    const char *a = strchr(s, open);
    if (!a)
        return NULL;
    const char *b = strrchr(a + 1, close);
    return b ? ost_xstrndup(a + 1, (size_t)(b - a - 1)) : NULL;
}

static void replace_field(char **field, char *value)
{
    if (!value)
        return;
    free(*field);
    *field = value;
}

/* --- sections ---------------------------------------------------------------- */

void ost_setupapi_section_free(struct ost_setupapi_section *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nentries; i++)
        free(s->entries[i].text);
    free(s->entries);
    free(s->title);
    free(s->kind);
    free(s->subject);
    free(s->boot_session);
    free(s->exit_text);
    free(s->driver.inf);
    free(s->driver.section);
    free(s->driver.description);
    free(s->driver.rank);
    free(s->driver.published);
    free(s);
}

static void emit_section(struct ost_setupapi_parser *p)
{
    struct ost_setupapi_section *s = p->cur;
    if (!s)
        return;
    p->cur = NULL;
    if (!s->exit_text)
        s->outcome = p->cur_ended ? OST_SETUPAPI_UNKNOWN : OST_SETUPAPI_TRUNCATED;
    s->has_driver = s->driver.inf || s->driver.section || s->driver.published || s->driver.null_driver;
    if (s->has_status && (s->status == 0xe0000228u || (s->status == 0xe0000203u && !s->has_driver)))
        s->no_driver_found = true;
    p->cur_ended = false;
    p->in_selected = false;
    p->info.sections++;
    if (!p->fn(s, p->ctx))
        p->stopped = true;
}

static void open_section(struct ost_setupapi_parser *p, const char *header)
{
    emit_section(p);
    if (p->stopped)
        return;
    struct ost_setupapi_section *s = ost_xcalloc(1, sizeof *s);
    const char *close = strrchr(header, ']');
    s->title = ost_xstrndup(header, close ? (size_t)(close - header) : strlen(header));
    const char *dash = strstr(s->title, " - ");
    if (dash) {
        s->kind = ost_xstrndup(s->title, (size_t)(dash - s->title));
        s->subject = ost_str_trim(ost_xstrdup(dash + 3));
    } else {
        s->kind = ost_xstrdup(s->title);
    }
    s->boot_session = p->boot_session ? ost_xstrdup(p->boot_session) : NULL;
    s->first_line = s->last_line = p->line_no;
    s->outcome = OST_SETUPAPI_TRUNCATED;
    p->cur = s;
}

/* "Section start 2010/11/20 22:33:07.968" (Windows 7) or
 * "2005/02/13 22:06:20.000: Section start" (the documented form). */
static void take_stamp(char *dst, size_t cap, const char *text, const char *keyword)
{
    const char *k = strstr(text, keyword);
    if (!k)
        return;
    if (k == text) {
        const char *v = k + strlen(keyword);
        while (*v == ' ')
            v++;
        copy_capped(dst, cap, v, strcspn(v, "]"));
    } else {
        size_t n = (size_t)(k - text);
        while (n && (text[n - 1] == ' ' || text[n - 1] == ':'))
            n--;
        copy_capped(dst, cap, text, n);
    }
    iso_stamp(dst);
}

static void parse_exit(struct ost_setupapi_section *s, const char *text)
{
    s->exit_text = ost_xstrdup(text);
    const char *hex = find_ci(text, "0x");
    if (hex) {
        char *end;
        unsigned long v = strtoul(hex + 2, &end, 16);
        if (end != hex + 2 && v <= 0xFFFFFFFFul)
            s->has_status = true, s->status = (uint32_t)v;
    }
    if (find_ci(text, "SUCCESS"))
        s->outcome = OST_SETUPAPI_SUCCESS;
    else if (find_ci(text, "FAIL"))
        s->outcome = OST_SETUPAPI_FAILURE;
    else if (s->has_status)
        s->outcome = s->status == 0 ? OST_SETUPAPI_SUCCESS : OST_SETUPAPI_FAILURE;
    else
        s->outcome = OST_SETUPAPI_UNKNOWN;
}

static void header_line(struct ost_setupapi_parser *p, char *rest)
{
    if (rest[0] == '[') {
        open_section(p, rest + 1);
    } else if (p->cur && strstr(rest, "Section start")) {
        take_stamp(p->cur->start, sizeof p->cur->start, rest, "Section start");
        p->cur->last_line = p->line_no;
    }
}

static void footer_line(struct ost_setupapi_parser *p, char *rest)
{
    struct ost_setupapi_section *s = p->cur;
    if (!s)
        return;
    s->last_line = p->line_no;
    if (rest[0] == '[')
        rest++;
    size_t n = strlen(rest);
    if (n && rest[n - 1] == ']')
        rest[n - 1] = '\0';
    if (strstr(rest, "Section end")) {
        take_stamp(s->end, sizeof s->end, rest, "Section end");
        p->cur_ended = true;
    } else if (ost_has_prefix_ci(rest, "Exit")) {
        parse_exit(s, rest);
        p->cur_ended = true;
        emit_section(p);
    }
}

/* "[Boot Session: ...]", "[Device Install Log]", "[BeginLog]" */
static void bracket_line(struct ost_setupapi_parser *p, char *s)
{
    if (ost_has_prefix_ci(s, "[Boot Session:")) {
        p->recognised = true;
        /* Windows restarted: a section still open never finished */
        emit_section(p);
        free(p->boot_session);
        p->boot_session = between(s, ':', ']');
        if (p->boot_session) {
            ost_str_trim(p->boot_session);
            iso_stamp(p->boot_session);
        }
    } else if (ost_streq_ci(s, "[Device Install Log]") || ost_streq_ci(s, "[BeginLog]")) {
        p->recognised = true;
    }
}

/* "     OS Version = 6.1.7601" in the log's header */
static void log_header_value(struct ost_setupapi_parser *p, const char *s)
{
    if (ost_has_prefix_ci(s, "OS Version = "))
        copy_capped(p->info.os_version, sizeof p->info.os_version, s + 13, strlen(s + 13));
    else if (ost_has_prefix_ci(s, "Architecture = "))
        copy_capped(p->info.architecture, sizeof p->info.architecture, s + 15, strlen(s + 15));
}

/* --- body lines ----------------------------------------------------------------- */

static bool is_tag(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '.'))
            return false;
    return s[3] == ':' && (s[4] == ' ' || s[4] == '\0');
}

/* sig: lines that give a result; Key/FilePath/Catalog lines and successful
 * exits only say what was being checked. */
static bool is_signature_result(const char *msg)
{
    static const char *const words[] = {"fail", "error", "success", "verified", "verifying", "signer",
                                        "trust", "not signed", "unsigned", "invalid", "exit(0x"};
    if (find_ci(msg, "exit(0x00000000)"))
        return false;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (find_ci(msg, words[i]))
            return true;
    return false;
}

/* "Key - [Value]" inside a "Selected driver:" block */
static bool selected_block_value(struct ost_setupapi_section *s, const char *msg)
{
    const char *kv = strstr(msg, " - [");
    if (!kv)
        return false;
    char *key = ost_str_trim(ost_xstrndup(msg, (size_t)(kv - msg)));
    char *value = between(kv, '[', ']');
    if (ost_streq_ci(key, "Description"))
        replace_field(&s->driver.description, value);
    else if (ost_streq_ci(key, "InfFile") || ost_streq_ci(key, "InfName") || ost_streq_ci(key, "Inf File"))
        replace_field(&s->driver.inf, value);
    else if (ost_streq_ci(key, "Section"))
        replace_field(&s->driver.section, value);
    else if (ost_streq_ci(key, "Rank"))
        replace_field(&s->driver.rank, value);
    else
        free(value);
    free(key);
    return true;
}

/* "Driver INF: oem3.inf", "Published Inf Path: C:\Windows\INF\oem3.inf" */
static void published_name(struct ost_setupapi_section *s, const char *msg)
{
    static const char *const keys[] = {"Driver INF:", "Published Inf Path:", "Published INF:", "Published Name:"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *k = find_ci(msg, keys[i]);
        if (!k)
            continue;
        const char *v = k + strlen(keys[i]);
        while (*v == ' ' || *v == '\'')
            v++;
        const char *base = strrchr(v, '\\');
        base = base ? base + 1 : v;
        char *name = ost_xstrndup(base, strcspn(base, "' "));
        if (*name)
            replace_field(&s->driver.published, name);
        else
            free(name);
        return;
    }
}

static void scan_driver(struct ost_setupapi_parser *p, const char *msg)
{
    struct ost_setupapi_section *s = p->cur;
    const char *t;
    if ((t = find_ci(msg, "Selected driver installs from section ["))) {
        replace_field(&s->driver.section, between(t, '[', ']'));
        const char *in = strstr(t, "] in ");
        char *inf = in ? between(in, '\'', '\'') : NULL;
        replace_field(&s->driver.inf, inf ? inf : in ? between(in, '"', '"') : NULL);
    } else if (ost_has_prefix_ci(msg, "Selected driver:") || ost_streq_ci(msg, "Selected:")) {
        p->in_selected = true;
        return;
    } else if (p->in_selected && selected_block_value(s, msg)) {
        return;
    } else if (find_ci(msg, "NULL driver") && find_ci(msg, "install")) {
        s->driver.null_driver = true;
    } else {
        published_name(s, msg);
    }
    p->in_selected = false;
    if (find_ci(msg, "no compatible driver") || find_ci(msg, "no matching driver") || find_ci(msg, "0xe0000228"))
        s->no_driver_found = true;
}

static void add_entry(struct ost_setupapi_section *s, enum ost_setupapi_level level, uint64_t line,
                      const char *tag, const char *time, const char *msg)
{
    if (s->nentries >= OST_SETUPAPI_MAX_ENTRIES) {
        s->entries_dropped++;
        return;
    }
    ost_grow(&s->entries, &s->cap, s->nentries + 1, sizeof *s->entries);
    struct ost_setupapi_entry *e = &s->entries[s->nentries++];
    memset(e, 0, sizeof *e);
    e->level = level;
    e->line = line;
    copy_capped(e->tag, sizeof e->tag, tag, strlen(tag));
    copy_capped(e->time, sizeof e->time, time, strlen(time));
    e->text = ost_xstrdup(msg);
}

/* entry_prefix [time_stamp] [category: ] indentation message [HH:MM:SS.mmm] */
static void body_line(struct ost_setupapi_parser *p, char *s)
{
    enum ost_setupapi_level level = OST_SETUPAPI_INFO;
    if (strncmp(s, "!!!", 3) == 0)
        level = OST_SETUPAPI_ERROR, s += 3;
    else if (s[0] == '!')
        level = OST_SETUPAPI_WARNING, s++;
    s = skip_ws(s);
    char time[24] = "", tag[4] = "";
    if (is_datetime(s))
        copy_capped(time, sizeof time, s, 23), iso_stamp(time), s = skip_ws(s + 23);
    else if (is_time(s))
        copy_capped(time, sizeof time, s, 12), s = skip_ws(s + 12);
    if (is_tag(s)) {
        copy_capped(tag, sizeof tag, s, 3);
        s = skip_ws(s + 4);
        p->recognised = true;
    } else if (level == OST_SETUPAPI_INFO) {
        return;
    }
    size_t n = strlen(s);
    if (n >= 13 && s[n - 13] == ' ' && is_time(s + n - 12)) {
        if (!time[0])
            copy_capped(time, sizeof time, s + n - 12, 12);
        s[n - 13] = '\0';
        trim_end(s);
    }
    struct ost_setupapi_section *sec = p->cur;
    if (!sec || p->cur_ended)
        return;
    sec->last_line = p->line_no;
    scan_driver(p, s);
    if (level == OST_SETUPAPI_ERROR)
        sec->errors++;
    else if (level == OST_SETUPAPI_WARNING)
        sec->warnings++;
    if (level != OST_SETUPAPI_INFO || (!strcmp(tag, "sig") && is_signature_result(s)))
        add_entry(sec, level, p->line_no, tag, time, s);
}

static void handle_line(struct ost_setupapi_parser *p, char *s)
{
    trim_end(s);
    char *t = skip_ws(s);
    if (!*t)
        return;
    p->seen_text = true;
    if (strncmp(s, ">>>", 3) == 0) {
        p->recognised = true;
        header_line(p, skip_ws(s + 3));
    } else if (strncmp(s, "<<<", 3) == 0) {
        p->recognised = true;
        footer_line(p, skip_ws(s + 3));
    } else if (s[0] == '[') {
        bracket_line(p, s);
    } else if (!p->cur && t != s && !p->info.sections && !is_tag(t)) {
        log_header_value(p, t);
    } else {
        body_line(p, s);
    }
}

/* --- lines ------------------------------------------------------------------------ */

/* A capped line may end inside a UTF-8 sequence that the cap cut. */
static void drop_cut_sequence(struct ost_setupapi_parser *p)
{
    size_t start = p->line_len;
    while (start && p->line_len - start < 4 && ((uint8_t)p->line[start - 1] & 0xC0) == 0x80)
        start--;
    if (!start || (uint8_t)p->line[start - 1] < 0xC0)
        return;
    uint32_t cp;
    if (!ost_utf8_decode((const uint8_t *)p->line + start - 1, p->line_len - start + 1, &cp))
        p->line_len = start - 1;
}

/* The kept bytes of a line as UTF-8 without control characters, at most
 * OST_SETUPAPI_MAX_LINE bytes: valid UTF-8 stays, other bytes are Latin-1
 * (ANSI logs), C1 controls become U+FFFD. */
static char *clean_line(struct ost_setupapi_parser *p)
{
    if (p->line_capped)
        drop_cut_sequence(p);
    p->line_capped = false;
    p->line[p->line_len] = '\0';
    bool plain = true;
    for (size_t i = 0; i < p->line_len && plain; i++)
        plain = (uint8_t)p->line[i] < 0x80;
    if (plain)
        return p->line;
    p->clean.len = 0;
    const uint8_t *b = (const uint8_t *)p->line;
    for (size_t i = 0; i < p->line_len;) {
        uint32_t cp;
        size_t n = ost_utf8_decode(b + i, p->line_len - i, &cp);
        if (!n)
            cp = b[i], n = 1;
        if (cp >= 0x80 && cp < 0xA0)
            cp = OST_REPLACEMENT_CHARACTER;
        /* Latin-1 and U+FFFD take more bytes in UTF-8: keep the cap */
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (p->clean.len + need > OST_SETUPAPI_MAX_LINE)
            break;
        ost_buf_add_utf8(&p->clean, cp);
        i += n;
    }
    if (!p->clean.data)
        ost_buf_adds(&p->clean, "");
    return p->clean.data;
}

static void end_line(struct ost_setupapi_parser *p)
{
    p->line_no++;
    char *s = clean_line(p);
    p->line_len = 0;
    handle_line(p, s);
    p->info.lines = p->line_no;
}

static void check_sniff_window(struct ost_setupapi_parser *p)
{
    if (!p->recognised && p->offset > OST_SETUPAPI_SNIFF_BYTES)
        parser_fail(p, "%s: not a SetupAPI text log: no section header or log entry in the first %u bytes",
                    p->name, OST_SETUPAPI_SNIFF_BYTES);
}

static bool is_control(uint32_t c)
{
    return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F;
}

static void control_char(struct ost_setupapi_parser *p, uint32_t c, uint64_t offset)
{
    if (!p->recognised)
        parser_fail(p, "%s: not a SetupAPI text log: binary byte 0x%02x at offset %llu, before any log line",
                    p->name, (unsigned)c, (unsigned long long)offset);
    else
        p->info.skipped_bytes++;
}

/* Splits text into lines. `raw` input comes straight from the file (offsets
 * advance with it); converted UTF-16 has had its control characters removed. */
static void split_text(struct ost_setupapi_parser *p, const uint8_t *d, size_t n, bool raw)
{
    for (size_t i = 0; i < n && !halted(p); i++) {
        uint8_t c = d[i];
        if (c == '\n') {
            if (raw)
                p->offset += 1;
            end_line(p);
            check_sniff_window(p);
            continue;
        }
        if (raw) {
            p->offset += 1;
            if (is_control(c)) {
                control_char(p, c, p->offset - 1);
                continue;
            }
        }
        /* a CR inside a line would rewrite a terminal's line: a space */
        if (p->line_len < OST_SETUPAPI_MAX_LINE)
            p->line[p->line_len++] = c == '\r' ? ' ' : (char)c;
        else
            p->line_capped = true;
    }
    if (raw)
        check_sniff_window(p);
}

static void flush_utf8(struct ost_setupapi_parser *p)
{
    split_text(p, (const uint8_t *)p->utf8.data, p->utf8.len, false);
    p->utf8.len = 0;
}

static void utf16_code_point(struct ost_setupapi_parser *p, uint32_t cp, uint64_t offset)
{
    if (is_control(cp)) {
        control_char(p, cp, offset);
        return;
    }
    ost_buf_add_utf8(&p->utf8, cp);
    /* Lines are handled as they end, so that what decides whether a
     * control character is fatal (has the log been recognised?) is up to
     * date when the next one comes. */
    if (cp == '\n' || p->utf8.len >= 4096)
        flush_utf8(p);
}

static void decode_utf16(struct ost_setupapi_parser *p, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n && !halted(p); i++) {
        p->offset++;
        uint32_t cp[2];
        unsigned got = ost_utf16_stream_byte(&p->utf16, d[i], cp);
        for (unsigned k = 0; k < got && !halted(p); k++)
            utf16_code_point(p, cp[k], p->offset - 2);
        if (!p->utf16.have_odd)
            check_sniff_window(p);
    }
    if (!halted(p))
        flush_utf8(p);
}

static void decode(struct ost_setupapi_parser *p, const uint8_t *d, size_t n)
{
    if (p->enc == ENC_UTF16LE || p->enc == ENC_UTF16BE)
        decode_utf16(p, d, n);
    else
        split_text(p, d, n, true);
}

/* The byte order mark, or UTF-16 recognised by its zero high bytes. */
static size_t choose_encoding(struct ost_setupapi_parser *p)
{
    const uint8_t *h = p->head;
    size_t n = p->nhead;
    if (n >= 3 && h[0] == 0xEF && h[1] == 0xBB && h[2] == 0xBF)
        return p->enc = ENC_UTF8_BOM, 3;
    if (n >= 2 && h[0] == 0xFF && h[1] == 0xFE)
        return p->enc = ENC_UTF16LE, 2;
    if (n >= 2 && h[0] == 0xFE && h[1] == 0xFF)
        return p->enc = ENC_UTF16BE, 2;
    if (n >= 4 && h[0] && !h[1] && h[2] && !h[3])
        return p->enc = ENC_UTF16LE, 0;
    if (n >= 4 && !h[0] && h[1] && !h[2] && h[3])
        return p->enc = ENC_UTF16BE, 0;
    p->enc = ENC_ANSI;
    return 0;
}

static void start_decoding(struct ost_setupapi_parser *p)
{
    size_t bom = choose_encoding(p);
    p->utf16.order = p->enc == ENC_UTF16BE ? OST_UTF16BE : OST_UTF16LE;
    p->offset = bom;
    decode(p, p->head + bom, p->nhead - bom);
}

/* --- public ---------------------------------------------------------------------- */

struct ost_setupapi_parser *ost_setupapi_parser_new(const char *name, ost_setupapi_section_fn fn, void *ctx)
{
    struct ost_setupapi_parser *p = ost_xcalloc(1, sizeof *p);
    p->name = ost_xstrdup(name ? name : "setupapi.dev.log");
    p->fn = fn;
    p->ctx = ctx;
    return p;
}

static ost_status report(struct ost_setupapi_parser *p, struct ost_error *err)
{
    if (!p->failed)
        return OST_OK;
    if (err)
        *err = p->error;
    return p->failed;
}

ost_status ost_setupapi_parser_feed(struct ost_setupapi_parser *p, const void *data, size_t n,
                                    struct ost_error *err)
{
    const uint8_t *d = data;
    if (halted(p))
        return report(p, err);
    p->info.bytes += n;
    if (p->enc == ENC_UNKNOWN) {
        while (n && p->nhead < sizeof p->head)
            p->head[p->nhead++] = *d++, n--;
        if (p->nhead < sizeof p->head)
            return OST_OK;
        start_decoding(p);
    }
    decode(p, d, n);
    return report(p, err);
}

ost_status ost_setupapi_parser_finish(struct ost_setupapi_parser *p, struct ost_setupapi_log_info *info,
                                      struct ost_error *err)
{
    if (!halted(p) && p->enc == ENC_UNKNOWN)
        start_decoding(p);
    if (!halted(p)) {
        uint32_t cp[2];
        for (unsigned i = 0, n = ost_utf16_stream_end(&p->utf16, cp); i < n; i++)
            ost_buf_add_utf8(&p->utf8, cp[i]);
        flush_utf8(p);
    }
    if (!halted(p) && p->line_len)
        end_line(p);
    if (!halted(p) && !p->recognised && p->seen_text)
        parser_fail(p, "%s: not a SetupAPI text log: no section header or log entry in its %llu bytes", p->name,
                    (unsigned long long)p->info.bytes);
    if (!halted(p))
        emit_section(p);
    p->info.encoding = encoding_name(p->enc);
    p->info.stopped = p->stopped;
    if (info)
        *info = p->info;
    return report(p, err);
}

void ost_setupapi_parser_free(struct ost_setupapi_parser *p)
{
    if (!p)
        return;
    ost_setupapi_section_free(p->cur);
    ost_buf_free(&p->utf8);
    ost_buf_free(&p->clean);
    free(p->boot_session);
    free(p->name);
    free(p);
}

ost_status ost_setupapi_log_parse_fd(int fd, const char *name, ost_setupapi_section_fn fn, void *ctx,
                                     struct ost_setupapi_log_info *info, struct ost_error *err)
{
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = ost_xmalloc(CHUNK);
    struct ost_setupapi_parser *p = ost_setupapi_parser_new(name, fn, ctx);
    ost_status st = OST_OK;
    uint64_t offset = 0;
    while (st == OST_OK && !p->stopped) {
        ssize_t got = read(fd, buf, CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: read failed at offset %llu: %s", p->name,
                          (unsigned long long)offset, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        offset += (uint64_t)got;
        st = ost_setupapi_parser_feed(p, buf, (size_t)got, err);
    }
    if (st == OST_OK)
        st = ost_setupapi_parser_finish(p, info, err);
    ost_setupapi_parser_free(p);
    free(buf);
    return st;
}

ost_status ost_setupapi_log_parse_file(const char *path, ost_setupapi_section_fn fn, void *ctx,
                                       struct ost_setupapi_log_info *info, struct ost_error *err)
{
    int fd = ost_open_input(path, 0, err);
    if (fd < 0)
        return OST_ERR_IO;
    ost_status s = ost_setupapi_log_parse_fd(fd, path, fn, ctx, info, err);
    close(fd);
    return s;
}

ost_status ost_setupapi_log_parse_buffer(const void *data, size_t n, const char *name, ost_setupapi_section_fn fn,
                                         void *ctx, struct ost_setupapi_log_info *info, struct ost_error *err)
{
    struct ost_setupapi_parser *p = ost_setupapi_parser_new(name, fn, ctx);
    ost_status st = ost_setupapi_parser_feed(p, data, n, err);
    if (st == OST_OK)
        st = ost_setupapi_parser_finish(p, info, err);
    ost_setupapi_parser_free(p);
    return st;
}

/* --- filters and names ----------------------------------------------------------- */

bool ost_setupapi_section_failed(const struct ost_setupapi_section *s)
{
    return s->outcome == OST_SETUPAPI_FAILURE || s->errors > 0;
}

/* A PCI hardware ID matches an instance ID whose device part has every
 * field the hardware ID names, with the same values. */
static bool pci_parts_match(const char *subject, const char *hwid)
{
    const char *sep = strchr(subject + (ost_has_prefix_ci(subject, "PCI\\") ? 4 : 0), '\\');
    char *device = sep ? ost_xstrndup(subject, (size_t)(sep - subject)) : ost_xstrdup(subject);
    struct ost_pci_id_parts have, want;
    bool ok = ost_pci_id_split(device, &have) && ost_pci_id_split(hwid, &want) &&
              (!want.has_vendor || (have.has_vendor && have.vendor == want.vendor)) &&
              (!want.has_device || (have.has_device && have.device == want.device)) &&
              (!want.has_subsys || (have.has_subsys && have.subsys == want.subsys)) &&
              (!want.has_revision || (have.has_revision && have.revision == want.revision)) &&
              (!want.has_class || (have.has_class && ost_streq_ci(have.class_code, want.class_code)));
    free(device);
    return ok;
}

bool ost_setupapi_section_matches(const struct ost_setupapi_section *s, const struct ost_setupapi_filter *f)
{
    if (!f)
        return true;
    if (f->failures_only && !ost_setupapi_section_failed(s))
        return false;
    if (f->device && !(s->subject && ost_streq_ci(s->subject, f->device)))
        return false;
    if (f->hwid_prefix && !(s->subject && (ost_has_prefix_ci(s->subject, f->hwid_prefix) ||
                                           pci_parts_match(s->subject, f->hwid_prefix))))
        return false;
    return true;
}

const char *ost_setupapi_outcome_name(enum ost_setupapi_outcome o)
{
    switch (o) {
    case OST_SETUPAPI_SUCCESS: return "success";
    case OST_SETUPAPI_FAILURE: return "failure";
    case OST_SETUPAPI_TRUNCATED: return "truncated";
    default: return "unknown";
    }
}

const char *ost_setupapi_level_name(enum ost_setupapi_level l)
{
    switch (l) {
    case OST_SETUPAPI_ERROR: return "error";
    case OST_SETUPAPI_WARNING: return "warning";
    default: return "info";
    }
}

/* setupapi.h (APPLICATION_ERROR_MASK | ERROR_SEVERITY_ERROR | n) and the
 * WinTrust results that sig: lines report. */
static const struct {
    uint32_t code;
    const char *name;
} status_names[] = {
    {0xe0000203, "ERROR_NO_DRIVER_SELECTED"},
    {0xe000020a, "ERROR_NO_INF"},
    {0xe000020b, "ERROR_NO_SUCH_DEVINST"},
    {0xe000020e, "ERROR_DI_DO_DEFAULT"},
    {0xe0000217, "ERROR_BAD_SERVICE_INSTALLSECT"},
    {0xe0000219, "ERROR_NO_ASSOCIATED_SERVICE"},
    {0xe0000228, "ERROR_NO_COMPAT_DRIVERS"},
    {0xe000022d, "ERROR_NON_WINDOWS_NT_DRIVER"},
    {0xe000022f, "ERROR_NO_CATALOG_FOR_OEM_INF"},
    {0xe0000233, "ERROR_INVALID_TARGET"},
    {0xe0000234, "ERROR_DRIVER_NONNATIVE"},
    {0xe0000235, "ERROR_IN_WOW64"},
    {0xe000023f, "ERROR_NO_AUTHENTICODE_CATALOG"},
    {0xe0000240, "ERROR_AUTHENTICODE_DISALLOWED"},
    {0xe0000241, "ERROR_AUTHENTICODE_TRUSTED_PUBLISHER"},
    {0xe0000242, "ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED"},
    {0xe0000243, "ERROR_AUTHENTICODE_PUBLISHER_NOT_TRUSTED"},
    {0xe0000244, "ERROR_SIGNATURE_OSATTRIBUTE_MISMATCH"},
    {0xe0000245, "ERROR_ONLY_VALIDATE_VIA_AUTHENTICODE"},
    {0xe0000246, "ERROR_DEVICE_INSTALLER_NOT_READY"},
    {0xe0000247, "ERROR_DRIVER_STORE_ADD_FAILED"},
    {0xe0000248, "ERROR_DEVICE_INSTALL_BLOCKED"},
    {0xe0000249, "ERROR_DRIVER_INSTALL_BLOCKED"},
    {0xe000024a, "ERROR_WRONG_INF_TYPE"},
    {0xe000024b, "ERROR_FILE_HASH_NOT_IN_CATALOG"},
    {0x800b0100, "TRUST_E_NOSIGNATURE"},
    {0x800b0101, "CERT_E_EXPIRED"},
    {0x800b0109, "CERT_E_UNTRUSTEDROOT"},
    {0x800b010a, "CERT_E_CHAINING"},
    {0x800b0111, "TRUST_E_EXPLICIT_DISTRUST"},
    {0x80096010, "TRUST_E_BAD_DIGEST"},
    {0x800b0004, "TRUST_E_SUBJECT_NOT_TRUSTED"},
};

const char *ost_setupapi_status_name(uint32_t status)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (status_names[i].code == status)
            return status_names[i].name;
    return NULL;
}
