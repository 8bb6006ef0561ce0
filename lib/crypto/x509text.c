/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "x509text.h"

#include <openssl/bn.h>

#include "digest.h"
#include "util.h"

char *ost_x509_name_text(const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    /* RFC 2253, but UTF-8 rather than \XX escapes for non-ASCII text. */
    X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = ost_xstrndup(p, n > 0 ? (size_t)n : 0);
    BIO_free(b);
    return s;
}

char *ost_x509_time_text(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return NULL;
    return ost_xasprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                         tm.tm_min, tm.tm_sec);
}

char *ost_x509_serial_text(const ASN1_INTEGER *serial)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    char *s = ost_xstrdup(hex ? hex : "");
    OPENSSL_free(hex);
    BN_free(bn);
    return s;
}

char *ost_x509_thumbprint(const X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    char *s = ost_xmalloc(OST_THUMBPRINT_LEN + 1);
    if (n > 0)
        ost_cert_thumbprint(der, (size_t)n, s);
    else
        s[0] = '\0';
    OPENSSL_free(der);
    return s;
}
