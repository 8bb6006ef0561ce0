/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * diag.h — findings about an input that are not failures of the program:
 * a malformed INF line, a missing file, a driver built for the wrong
 * architecture. Parsers and checks collect them; the CLI prints them as
 * `file:line: severity: message` or as JSON.
 *
 * Severities, mildest first:
 *   note     a fact worth stating (boot-critical, includes inbox INFs)
 *   warning  works, but not as well as it could
 *   severe   stages, but will not work unattended on first boot
 *            (e.g. an unsigned package on x64: Code 52)
 *   error    cannot be staged or cannot work at all
 */
#ifndef OST_DIAG_H
#define OST_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#include "arch.h"

typedef enum ost_severity {
    OST_SEV_NOTE = 0,
    OST_SEV_WARNING,
    OST_SEV_SEVERE,
    OST_SEV_ERROR,
} ost_severity;

struct ost_diag {
    ost_severity severity;
    char *file;    /* may be NULL */
    unsigned line; /* 0 when no line applies */
    char *code;    /* stable identifier, e.g. "missing-file" */
    char *message;
    ost_arch arch; /* the architecture it concerns; OST_ARCH_UNKNOWN = all */
};

struct ost_diags {
    struct ost_diag *v;
    size_t n;
    size_t cap;
};

void ost_diag_add(struct ost_diags *d, ost_severity sev, const char *file, unsigned line,
                  const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ost_diag_vadd(struct ost_diags *d, ost_severity sev, ost_arch arch, const char *file, unsigned line,
                   const char *code, const char *fmt, va_list ap);
/* Moves every entry of src to the end of dst. */
void ost_diags_append(struct ost_diags *dst, struct ost_diags *src);
/* Counts entries of at least that severity concerning arch (or all arches). */
size_t ost_diags_count_arch(const struct ost_diags *d, ost_severity at_least, ost_arch arch);
void ost_diags_free(struct ost_diags *d);
const char *ost_severity_name(ost_severity sev);

#endif
