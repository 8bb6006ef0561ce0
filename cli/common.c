/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offstage.h"
#include "cli.h"

/* What --json needs to say of a failure once the command has returned: the
 * first error reported, unless the command printed its own document (which
 * then says what went wrong), so stdout holds exactly one JSON document. */
static struct {
    bool on, document_printed, have;
    ost_status status;
    char message[sizeof ((struct ost_error *)0)->message];
} json_errors;

void ost_cli_json_errors(bool on)
{
    json_errors.on = on;
}

static void note_error(ost_status status, const char *message)
{
    if (!json_errors.on || json_errors.have || ost_status_exit_code(status) != OST_EXIT_ERROR)
        return;
    json_errors.have = true;
    json_errors.status = status;
    snprintf(json_errors.message, sizeof json_errors.message, "%s", message);
}

/* Library messages open with the file they concern and often a place:
 * "FILE: reason", "FILE:LINE: reason", "FILE: offset N: reason". What
 * precedes the first ": " counts as a file when it exists or looks like a
 * path (no space, a '/' or a '.'); otherwise file and place are null. */
static void split_message(const char *msg, json_t **file, json_t **place)
{
    *file = json_null();
    *place = json_null();
    const char *sep = strstr(msg, ": ");
    if (!sep || sep == msg)
        return;
    char *head = ost_xstrndup(msg, (size_t)(sep - msg));
    const char *rest = sep + 2;
    char *colon = strrchr(head, ':');
    unsigned long line = 0;
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) && access(head, F_OK) != 0) {
        line = strtoul(colon + 1, NULL, 10);
        *colon = 0;
    }
    bool exists = access(head, F_OK) == 0;
    if (exists || (!strchr(head, ' ') && strpbrk(head, "/."))) {
        *file = json_string(head);
        if (line) {
            *place = json_sprintf("line %lu", line);
        } else if (!strncmp(rest, "offset ", 7)) {
            const char *end = strchr(rest, ':');
            if (end)
                *place = json_stringn(rest, (size_t)(end - rest));
        }
    }
    free(head);
}

int ost_cli_finish_json(const char *cmd, int rc)
{
    if (!json_errors.on || rc != OST_EXIT_ERROR || json_errors.document_printed)
        return rc;
    if (!json_errors.have) {
        json_errors.status = OST_ERR_IO;
        snprintf(json_errors.message, sizeof json_errors.message,
                 "offstage %s stopped with an error; its message is on stderr", cmd);
    }
    json_t *file, *place;
    split_message(json_errors.message, &file, &place);
    json_t *doc = json_pack("{s:{s:s, s:s, s:o, s:o, s:s, s:i}}", "error", "message", json_errors.message,
                            "command", cmd, "file", file, "place", place, "status",
                            ost_status_name(json_errors.status), "exit", rc);
    ost_cli_print_json(doc);
    json_decref(doc);
    return rc;
}

/* --quiet: what the command prints to stdout goes to a scratch file, and
 * only its last line (the result) reaches stdout once the command is done;
 * stderr (errors, warnings) is untouched. A --json document is printed
 * whole: it is one result. */
static struct {
    bool on;
    int saved_fd;
    FILE *capture;
} quiet = {.saved_fd = -1};

bool ost_cli_quiet(void)
{
    return quiet.on;
}

void ost_cli_quiet_begin(void)
{
    quiet.on = true;
    fflush(stdout);
    quiet.capture = tmpfile();
    quiet.saved_fd = quiet.capture ? dup(STDOUT_FILENO) : -1;
    if (quiet.saved_fd < 0 || dup2(fileno(quiet.capture), STDOUT_FILENO) < 0) {
        if (quiet.saved_fd >= 0)
            close(quiet.saved_fd);
        if (quiet.capture)
            fclose(quiet.capture);
        quiet.capture = NULL, quiet.saved_fd = -1; /* printed as it comes */
    }
}

void ost_cli_quiet_end(void)
{
    if (!quiet.capture)
        return;
    fflush(stdout);
    dup2(quiet.saved_fd, STDOUT_FILENO);
    close(quiet.saved_fd);
    rewind(quiet.capture);
    struct ost_buf all = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, quiet.capture)) > 0)
        ost_buf_add(&all, chunk, n);
    fclose(quiet.capture);
    quiet.capture = NULL;
    const char *text = all.data ? all.data : "";
    size_t len = all.len;
    if (!json_errors.document_printed) {
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        size_t start = len;
        while (start && text[start - 1] != '\n')
            start--;
        text += start, len -= start;
    }
    if (len) {
        fwrite(text, 1, len, stdout);
        if (text[len - 1] != '\n')
            fputc('\n', stdout);
    }
    fflush(stdout);
    ost_buf_free(&all);
}

static int vusage_error(const char *cmd, const char *fmt, va_list ap)
{
    char msg[sizeof json_errors.message];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* one line, unless the message is a list of its own */
    const char *sep = strchr(msg, '\n') ? "\n" : " ";
    if (cmd)
        fprintf(stderr, "offstage %s: %s%s(see `offstage help %s`)\n", cmd, msg, sep, cmd);
    else
        fprintf(stderr, "offstage: %s%s(see `offstage --help`)\n", msg, sep);
    note_error(OST_ERR_USAGE, msg);
    return OST_EXIT_ERROR;
}

int ost_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vusage_error(cmd, fmt, ap);
    va_end(ap);
    return rc;
}

int ost_cli_error(const char *cmd, ost_status status, const char *fmt, ...)
{
    struct ost_error err;
    va_list ap;
    va_start(ap, fmt);
    ost_vfail(&err, status, fmt, ap);
    va_end(ap);
    return ost_cli_report_error(cmd, &err);
}

const char *const *ost_cli_taken_options;

/* Optimal string alignment distance (Damerau-Levenshtein where a swapped
 * pair is one edit), capped: words longer than 63 are never close. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return SIZE_MAX;
    size_t d[64][64];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

const char *ost_cli_closest(const char *word, const char *const *names)
{
    size_t limit = strlen(word) <= 4 ? 1 : 2, best = limit + 1;
    const char *found = NULL;
    for (size_t i = 0; names && names[i]; i++) {
        size_t d = edit_distance(word, names[i]);
        if (d < best && d < strlen(names[i]))
            best = d, found = names[i];
    }
    return found;
}

static const struct option *long_by_code(const struct option *longopts, int code)
{
    for (const struct option *o = longopts; o->name; o++)
        if (!o->flag && o->val == code)
            return o;
    return NULL;
}

/* How the user wrote option code: "--image", or "-i" for a short one. */
static void option_name(const struct ost_cli_getopt *g, int code, char *buf, size_t size)
{
    const struct option *o = long_by_code(g->longopts, code);
    if (o)
        snprintf(buf, size, "--%s", o->name);
    else
        snprintf(buf, size, "-%c", code);
}

static bool takes_value(const struct ost_cli_getopt *g, int code)
{
    const struct option *o = long_by_code(g->longopts, code);
    if (o)
        return o->has_arg != no_argument;
    const char *s = code > 0 && code < 256 && code != ':' && code != '+' ? strchr(g->shortopts, code) : NULL;
    return s && s[1] == ':';
}

/* An option getopt_long refused: a flag given a value (--json=yes; short
 * is its code then), a short one it does not know (-z), or a long one
 * it does not know or cannot tell (--name[=value]; short is 0). */
static int unknown_option(struct ost_cli_getopt *g, const char *arg, int short_code)
{
    if (short_code) {
        const struct option *o = long_by_code(g->longopts, short_code);
        if (o && arg && !strncmp(arg, "--", 2) && strchr(arg, '='))
            return ost_cli_usage_error(g->cmd, "--%s takes no value (drop '%s')", o->name, strchr(arg, '='));
        char word[3] = {'-', (char)short_code, 0};
        return ost_cli_usage_error(g->cmd, "unknown option '%s'", word);
    }
    if (!arg || strncmp(arg, "--", 2))
        return ost_cli_usage_error(g->cmd, "unknown option '%s'", arg ? arg : "?");
    size_t len = strcspn(arg + 2, "=");
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(len < 100 ? len : 100), arg + 2);
    /* an abbreviation that fits several */
    char fits[256] = "";
    size_t nfits = 0;
    for (const struct option *o = g->longopts; len && o->name; o++)
        if (!strncmp(o->name, name, len) && strlen(fits) + strlen(o->name) + 8 < sizeof fits)
            nfits++, strcat(strcat(fits, nfits > 1 ? ", --" : "--"), o->name);
    if (nfits > 1)
        return ost_cli_usage_error(g->cmd, "option '--%s' is ambiguous: it could be %s", name, fits);
    const char *names[128];
    size_t n = 0;
    for (const struct option *o = g->longopts; o->name && n < 100; o++)
        names[n++] = o->name;
    for (size_t i = 0; ost_cli_taken_options && ost_cli_taken_options[i] && n < 127; i++)
        names[n++] = ost_cli_taken_options[i];
    names[n] = NULL;
    const char *near = ost_cli_closest(name, names);
    if (near)
        return ost_cli_usage_error(g->cmd, "unknown option '--%s'; did you mean '--%s'?", name, near);
    const char *cmd = ost_cli_find_command(name) ? name : ost_cli_closest(name, ost_cli_command_names());
    if (cmd)
        return ost_cli_usage_error(g->cmd, "unknown option '--%s'; %s is a command of its own: offstage %s ...", name,
                                   cmd, cmd);
    return ost_cli_usage_error(g->cmd, "unknown option '--%s'", name);
}

int ost_cli_getopt(struct ost_cli_getopt *g, int argc, char **argv)
{
    if (!g->spec[0]) {
        bool in_order = g->shortopts[0] == '+';
        snprintf(g->spec, sizeof g->spec, "%s:%s", in_order ? "+" : "", g->shortopts + in_order);
        opterr = 0;
    }
    int c = getopt_long(argc, argv, g->spec, g->longopts, NULL);
    char name[128];
    if (c == '?') {
        const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
        unknown_option(g, arg, optopt);
        return '?';
    }
    if (c == ':') {
        option_name(g, optopt, name, sizeof name);
        ost_cli_usage_error(g->cmd, "%s needs a value", name);
        return '?';
    }
    if (c < 0 || c >= 256 || !takes_value(g, c))
        return c;
    /* "--image --json": the value forgotten, the next option taken for it */
    for (const struct option *o = g->longopts; optarg && !strncmp(optarg, "--", 2) && o->name; o++)
        if (!strncmp(optarg + 2, o->name, strcspn(optarg + 2, "=")) && !o->name[strcspn(optarg + 2, "=")]) {
            option_name(g, c, name, sizeof name);
            ost_cli_usage_error(g->cmd, "%s needs a value before %s", name, optarg);
            return '?';
        }
    if (g->repeatable && strchr(g->repeatable, c))
        return c;
    if (g->given[c]) {
        option_name(g, c, name, sizeof name);
        ost_cli_usage_error(g->cmd, "%s is given twice ('%s', then '%s'); it takes one value", name, g->given[c],
                            optarg);
        return '?';
    }
    g->given[c] = optarg ? optarg : "";
    return c;
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
    note_error(err->status, err->message);
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
        json_errors.document_printed = true;
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
