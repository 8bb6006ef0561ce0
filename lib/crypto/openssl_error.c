/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "openssl_error.h"

#include <openssl/err.h>

const char *ost_openssl_reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : fallback;
}

ost_status ost_openssl_fail(struct ost_error *err, ost_status st, const char *what, const char *name)
{
    ost_fail(err, st, "%s: %s (OpenSSL: %s)", name, what, ost_openssl_reason("no reason given"));
    ERR_clear_error();
    return st;
}
