/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "error.h"

#include <stdio.h>
#include <string.h>

ost_status ost_vfail(struct ost_error *err, ost_status status, const char *fmt, va_list ap)
{
    if (err) {
        err->status = status;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
    return status;
}

ost_status ost_fail(struct ost_error *err, ost_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ost_vfail(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void ost_error_rename(struct ost_error *err, const char *alias, const char *name)
{
    if (!err || !alias[0])
        return;
    char out[sizeof err->message];
    size_t n = 0, alen = strlen(alias), nlen = strlen(name);
    for (const char *p = err->message; *p && n + 1 < sizeof out;) {
        if (!strncmp(p, alias, alen)) {
            size_t k = nlen < sizeof out - 1 - n ? nlen : sizeof out - 1 - n;
            memcpy(out + n, name, k);
            n += k;
            p += alen;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    memcpy(err->message, out, n + 1);
}

const char *ost_status_name(ost_status status)
{
    switch (status) {
    case OST_OK: return "ok";
    case OST_NEGATIVE: return "negative";
    case OST_ERR_USAGE: return "usage";
    case OST_ERR_IO: return "io";
    case OST_ERR_CORRUPT: return "corrupt";
    case OST_ERR_UNSUPPORTED: return "unsupported";
    case OST_ERR_NOMEM: return "nomem";
    case OST_ERR_LIMIT: return "limit";
    case OST_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown";
}
