/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "setupapi_print.h"

#include <stdlib.h>

#include "cli.h"
#include "offstage.h"

char *ost_cli_setupapi_outcome_text(const struct ost_setupapi_section *s)
{
    const char *word = s->outcome == OST_SETUPAPI_SUCCESS   ? "SUCCESS"
                       : s->outcome == OST_SETUPAPI_FAILURE ? "FAILURE"
                       : s->outcome == OST_SETUPAPI_TRUNCATED ? "TRUNCATED"
                                                              : "UNKNOWN";
    if (!s->has_status || (s->outcome == OST_SETUPAPI_SUCCESS && s->status == 0))
        return ost_xstrdup(word);
    const char *name = ost_setupapi_status_name(s->status);
    return ost_xasprintf("%s(0x%08x%s%s)", word, s->status, name ? " " : "", name ? name : "");
}

char *ost_cli_setupapi_driver_text(const struct ost_setupapi_section *s)
{
    const struct ost_setupapi_driver *d = &s->driver;
    if (d->null_driver)
        return ost_xstrdup("NULL driver (none installed)");
    if (!s->has_driver)
        return ost_xstrdup(s->no_driver_found ? "no compatible driver" : "not logged");
    struct ost_buf b = {0};
    if (d->published)
        ost_buf_addf(&b, "%s ", d->published);
    if (d->section)
        ost_buf_addf(&b, "[%s] ", d->section);
    if (d->inf)
        ost_buf_addf(&b, "%s ", d->inf);
    if (b.len)
        b.data[--b.len] = '\0';
    return ost_buf_steal(&b);
}

static const char *level_mark(enum ost_setupapi_level l)
{
    return l == OST_SETUPAPI_ERROR ? "!!!" : l == OST_SETUPAPI_WARNING ? "!  " : "   ";
}

void ost_cli_print_setupapi_section(FILE *out, const struct ost_setupapi_section *s, const char *indent)
{
    char *outcome = ost_cli_setupapi_outcome_text(s);
    char *driver = ost_cli_setupapi_driver_text(s);
    fprintf(out, "%s%s  %s  %s  driver: %s\n", indent, s->start[0] ? s->start : "(no start time)", outcome,
            s->subject ? s->subject : s->title, driver);
    fprintf(out, "%s    %s, lines %llu-%llu%s%s\n", indent, s->kind, (unsigned long long)s->first_line,
            (unsigned long long)s->last_line, s->end[0] ? ", ended " : "", s->end);
    for (size_t i = 0; i < s->nentries; i++) {
        const struct ost_setupapi_entry *e = &s->entries[i];
        fprintf(out, "%s    line %llu %s %s%s%s%s%s%s\n", indent, (unsigned long long)e->line, level_mark(e->level),
                e->tag, e->tag[0] ? ": " : "", e->text, e->time[0] ? " (" : "", e->time, e->time[0] ? ")" : "");
    }
    if (s->entries_dropped)
        fprintf(out, "%s    ... %zu more error, warning and signature lines not kept\n", indent,
                s->entries_dropped);
    free(driver);
    free(outcome);
}

static json_t *driver_json(const struct ost_setupapi_section *s)
{
    if (!s->has_driver)
        return json_null();
    const struct ost_setupapi_driver *d = &s->driver;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:b}", "inf", ost_json_str(d->inf), "section",
                     ost_json_str(d->section), "description", ost_json_str(d->description), "rank",
                     ost_json_str(d->rank), "published_name", ost_json_str(d->published), "null_driver",
                     d->null_driver);
}

static json_t *entries_json(const struct ost_setupapi_section *s)
{
    json_t *list = json_array();
    for (size_t i = 0; i < s->nentries; i++) {
        const struct ost_setupapi_entry *e = &s->entries[i];
        json_array_append_new(list, json_pack("{s:I, s:s, s:o, s:o, s:s}", "line", (json_int_t)e->line, "level",
                                              ost_setupapi_level_name(e->level),
                                              "tag", e->tag[0] ? json_string(e->tag) : json_null(),
                                              "time", e->time[0] ? json_string(e->time) : json_null(),
                                              "text", e->text));
    }
    return list;
}

static json_t *status_json(const struct ost_setupapi_section *s)
{
    if (!s->has_status)
        return json_null();
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08x", s->status);
    return json_string(hex);
}

json_t *ost_cli_setupapi_section_json(const struct ost_setupapi_section *s)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:b, s:I, s:I, s:o, s:I}",
                     "title", s->title, "kind", s->kind, "subject", ost_json_str(s->subject),
                     "boot_session", ost_json_str(s->boot_session),
                     "start", s->start[0] ? json_string(s->start) : json_null(),
                     "end", s->end[0] ? json_string(s->end) : json_null(),
                     "first_line", (json_int_t)s->first_line, "last_line", (json_int_t)s->last_line,
                     "outcome", ost_setupapi_outcome_name(s->outcome), "exit_status", status_json(s),
                     "exit_status_name", ost_json_str(s->has_status ? ost_setupapi_status_name(s->status) : NULL),
                     "exit_text", ost_json_str(s->exit_text), "driver", driver_json(s),
                     "no_driver_found", s->no_driver_found, "errors", (json_int_t)s->errors,
                     "warnings", (json_int_t)s->warnings, "entries", entries_json(s),
                     "entries_dropped", (json_int_t)s->entries_dropped);
}
