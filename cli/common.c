/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "offstage.h"
#include "cli.h"

int ost_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "offstage %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `offstage help %s`)\n", cmd);
    return OST_EXIT_ERROR;
}

int ost_cli_parse_uint(const char *cmd, const char *option, const char *arg, uint64_t min, uint64_t max,
                       uint64_t *out)
{
    if (ost_parse_uint(arg, min, max, out))
        return 0;
    return ost_cli_usage_error(cmd, "%s is a whole number from %llu to %llu, not '%s'", option,
                               (unsigned long long)min, (unsigned long long)max, arg);
}

int ost_status_exit_code(ost_status status)
{
    switch (status) {
    case OST_OK: return OST_EXIT_OK;
    case OST_NEGATIVE: return OST_EXIT_NEGATIVE;
    default: return OST_EXIT_ERROR;
    }
}

int ost_cli_report_error(const char *cmd, const struct ost_error *err)
{
    fprintf(stderr, "offstage %s: %s\n", cmd, err->message);
    return ost_status_exit_code(err->status);
}

static int compare_diag(const void *a, const void *b)
{
    const struct ost_diag *x = *(const struct ost_diag *const *)a, *y = *(const struct ost_diag *const *)b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    return strcmp(x->code, y->code);
}

static bool same_finding(const struct ost_diag *a, const struct ost_diag *b)
{
    return a->line == b->line && a->severity == b->severity && !strcmp(a->code, b->code) &&
           !strcmp(a->message, b->message);
}

/* Sorted pointers to the findings, with the ones that repeat per
 * architecture folded into the first (arch tags collected in `arches`). */
static size_t fold_diags(const struct ost_diags *d, const struct ost_diag ***sorted_out, char ***arches_out)
{
    const struct ost_diag **sorted = ost_xcalloc(d->n ? d->n : 1, sizeof *sorted);
    for (size_t i = 0; i < d->n; i++)
        sorted[i] = &d->v[i];
    qsort(sorted, d->n, sizeof *sorted, compare_diag);
    char **arches = ost_xcalloc(d->n ? d->n : 1, sizeof *arches);
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct ost_diag *x = sorted[i];
        size_t j = n;
        for (size_t k = n; k-- > 0 && sorted[k]->line == x->line;)
            if (same_finding(sorted[k], x))
                j = k;
        if (j < n) {
            if (x->arch == OST_ARCH_UNKNOWN || sorted[j]->arch == OST_ARCH_UNKNOWN) {
                free(arches[j]);
                arches[j] = NULL;
            } else if (arches[j] && !strstr(arches[j], ost_arch_name(x->arch))) {
                char *joined = ost_xasprintf("%s,%s", arches[j], ost_arch_name(x->arch));
                free(arches[j]);
                arches[j] = joined;
            }
            continue;
        }
        sorted[n] = x;
        arches[n] = x->arch != OST_ARCH_UNKNOWN ? ost_xstrdup(ost_arch_name(x->arch)) : NULL;
        n++;
    }
    *sorted_out = sorted;
    *arches_out = arches;
    return n;
}

void ost_cli_print_diags(FILE *out, const struct ost_diags *d, const char *indent, ost_severity min)
{
    const struct ost_diag **sorted;
    char **arches;
    size_t n = fold_diags(d, &sorted, &arches);
    for (size_t i = 0; i < n; i++) {
        const struct ost_diag *x = sorted[i];
        if (x->severity >= min) {
            fprintf(out, "%s%s", indent, x->file ? x->file : "");
            if (x->line)
                fprintf(out, ":%u", x->line);
            fprintf(out, ": %s", ost_severity_name(x->severity));
            if (arches[i])
                fprintf(out, " [%s]", arches[i]);
            fprintf(out, ": %s (%s)\n", x->message, x->code);
        }
        free(arches[i]);
    }
    free(arches);
    free(sorted);
}

json_t *ost_cli_diags_json(const struct ost_diags *d)
{
    const struct ost_diag **sorted;
    char **arches;
    size_t n = fold_diags(d, &sorted, &arches);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct ost_diag *x = sorted[i];
        json_t *archs = json_array();
        if (arches[i]) {
            char *save = NULL;
            for (char *a = strtok_r(arches[i], ",", &save); a; a = strtok_r(NULL, ",", &save))
                json_array_append_new(archs, json_string(a));
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}",
                                              "severity", ost_severity_name(x->severity), "code", x->code,
                                              "file", ost_json_str(x->file),
                                              "line", x->line ? json_integer(x->line) : json_null(),
                                              "architectures", archs, "message", x->message));
        free(arches[i]);
    }
    free(arches);
    free(sorted);
    return list;
}

void ost_cli_print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
}

void ost_cli_print_json_per_image(json_t *doc, const char *list_key)
{
    json_t *list = json_object_get(doc, list_key);
    if (json_array_size(list) == 1)
        json_object_update(doc, json_array_get(list, 0));
    ost_cli_print_json(doc);
    json_decref(doc);
}
