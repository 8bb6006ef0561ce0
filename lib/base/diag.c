/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

void ost_diag_vadd(struct ost_diags *d, ost_severity sev, ost_arch arch, const char *file, unsigned line,
                   const char *code, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *text = ost_xmalloc(n > 0 ? (size_t)n + 1 : 1);
    text[0] = '\0';
    if (n > 0)
        vsnprintf(text, (size_t)n + 1, fmt, ap);
    ost_grow(&d->v, &d->cap, d->n + 1, sizeof *d->v);
    d->v[d->n++] = (struct ost_diag){
        .severity = sev,
        .file = file ? ost_xstrdup(file) : NULL,
        .line = line,
        .code = ost_xstrdup(code),
        .message = text,
        .arch = arch,
    };
}

void ost_diag_add(struct ost_diags *d, ost_severity sev, const char *file, unsigned line,
                  const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ost_diag_vadd(d, sev, OST_ARCH_UNKNOWN, file, line, code, fmt, ap);
    va_end(ap);
}

void ost_diags_append(struct ost_diags *dst, struct ost_diags *src)
{
    ost_grow(&dst->v, &dst->cap, dst->n + src->n, sizeof *dst->v);
    for (size_t i = 0; i < src->n; i++)
        dst->v[dst->n++] = src->v[i];
    free(src->v);
    src->v = NULL;
    src->n = src->cap = 0;
}

size_t ost_diags_count_arch(const struct ost_diags *d, ost_severity at_least, ost_arch arch)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].severity >= at_least && (d->v[i].arch == OST_ARCH_UNKNOWN || d->v[i].arch == arch))
            n++;
    return n;
}

void ost_diags_free(struct ost_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].code);
        free(d->v[i].message);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

const char *ost_severity_name(ost_severity sev)
{
    switch (sev) {
    case OST_SEV_NOTE: return "note";
    case OST_SEV_WARNING: return "warning";
    case OST_SEV_SEVERE: return "severe";
    case OST_SEV_ERROR: return "error";
    }
    return "unknown";
}
