/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "openssl_error.h"
#include "util.h"

size_t ost_der_header_size(const uint8_t *p, size_t size)
{
    if (size < 2 || (p[0] & 0x1f) == 0x1f)
        return 0;
    if (p[1] < 0x80)
        return 2;
    size_t n = p[1] & 0x7f;
    if (n == 0 || n > 4 || size < 2 + n)
        return 0;
    return 2 + n;
}

static ost_status der_of(int (*i2d)(const void *, unsigned char **), const void *obj, uint8_t **out,
                         size_t *out_size, const char *name, struct ost_error *err)
{
    unsigned char *der = NULL;
    int n = i2d(obj, &der);
    if (n <= 0)
        return ost_openssl_fail(err, OST_ERR_CORRUPT, "cannot encode as DER", name);
    *out = ost_xmalloc((size_t)n);
    memcpy(*out, der, (size_t)n);
    *out_size = (size_t)n;
    OPENSSL_free(der);
    return OST_OK;
}

static int i2d_x509_any(const void *x, unsigned char **p)
{
    return i2d_X509((X509 *)x, p);
}

static int i2d_pkcs7_any(const void *x, unsigned char **p)
{
    return i2d_PKCS7((PKCS7 *)x, p);
}

ost_status ost_x509_der(const X509 *x, uint8_t **out, size_t *out_size, const char *name, struct ost_error *err)
{
    return der_of(i2d_x509_any, x, out, out_size, name, err);
}

ost_status ost_pkcs7_der(const PKCS7 *p7, uint8_t **out, size_t *out_size, const char *name,
                         struct ost_error *err)
{
    return der_of(i2d_pkcs7_any, p7, out, out_size, name, err);
}

PKCS7 *ost_pkcs7_parse_signed(const uint8_t *data, size_t size)
{
    if (size > LONG_MAX)
        return NULL;
    const unsigned char *p = data;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)size);
    if (p7 && !PKCS7_type_is_signed(p7))
        PKCS7_free(p7), p7 = NULL;
    ERR_clear_error();
    return p7;
}

const ASN1_STRING *ost_pkcs7_signed_content(const PKCS7 *p7)
{
    const PKCS7 *c = p7->d.sign ? p7->d.sign->contents : NULL;
    if (!c || PKCS7_type_is_data(c) || !c->d.other || c->d.other->type != V_ASN1_SEQUENCE)
        return NULL;
    return c->d.other->value.sequence;
}
