/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the setupapi.dev.log parser, fed in two chunks split at
 * a point the input chooses, so that chunk boundaries fall everywhere. Every
 * string it hands out must be clean UTF-8 (JSON and terminals take it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "setupapi_log.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
    if (!s)
        return;
    const uint8_t *p = (const uint8_t *)s;
    size_t left = strlen(s);
    while (left) {
        uint32_t cp;
        size_t n = ost_utf8_decode(p, left, &cp);
        if (!n || (cp < 0x20 && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            abort();
        p += n, left -= n;
    }
}

static bool check_section(struct ost_setupapi_section *s, void *ctx)
{
    (void)ctx;
    const char *texts[] = {s->title, s->kind, s->subject, s->boot_session, s->start, s->end, s->exit_text,
                           s->driver.inf, s->driver.section, s->driver.description, s->driver.rank,
                           s->driver.published};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_text(texts[i]);
    if (s->nentries > OST_SETUPAPI_MAX_ENTRIES || s->last_line < s->first_line)
        abort();
    for (size_t i = 0; i < s->nentries; i++) {
        check_text(s->entries[i].text);
        check_text(s->entries[i].time);
        check_text(s->entries[i].tag);
        if (strlen(s->entries[i].text) > OST_SETUPAPI_MAX_LINE)
            abort();
    }
    struct ost_setupapi_filter f = {.hwid_prefix = "PCI\\VEN_1AF4&DEV_1059&REV_01", .failures_only = true};
    (void)ost_setupapi_section_matches(s, &f);
    ost_setupapi_section_free(s);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t split = size ? data[0] % (size + 1) : 0;
    struct ost_setupapi_parser *p = ost_setupapi_parser_new("fuzz.log", check_section, NULL);
    struct ost_error err;
    struct ost_setupapi_log_info info;
    if (ost_setupapi_parser_feed(p, data, split, &err) == OST_OK &&
        ost_setupapi_parser_feed(p, data + split, size - split, &err) == OST_OK)
        (void)ost_setupapi_parser_finish(p, &info, &err);
    ost_setupapi_parser_free(p);
    return 0;
}
