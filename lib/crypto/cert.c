/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cert.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "digest.h"
#include "openssl_error.h"
#include "util.h"
#include "x509text.h"
#include "fileutil.h"

static char *or_empty(char *s)
{
    return s ? s : ost_xstrdup("");
}

ost_status ost_cert_from_der(const uint8_t *der, size_t len, const char *name, struct ost_cert *out,
                             struct ost_error *err)
{
    *out = (struct ost_cert){0};
    const unsigned char *p = der;
    X509 *x = len <= OST_CERT_MAX_FILE ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (!x) {
        ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0: not a DER X.509 certificate (%s)", name,
                 ost_openssl_reason("not an X.509 certificate"));
        ERR_clear_error();
        return OST_ERR_CORRUPT;
    }
    if ((size_t)(p - der) != len) {
        X509_free(x);
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset %zu: %zu bytes follow the end of the certificate", name,
                        (size_t)(p - der), len - (size_t)(p - der));
    }
    out->der = ost_xmalloc(len);
    memcpy(out->der, der, len);
    out->der_len = len;
    ost_cert_thumbprint(der, len, out->thumbprint);
    out->subject = ost_x509_name_text(X509_get_subject_name(x));
    out->issuer = ost_x509_name_text(X509_get_issuer_name(x));
    out->serial = ost_x509_serial_text(X509_get0_serialNumber(x));
    out->not_before = or_empty(ost_x509_time_text(X509_get0_notBefore(x)));
    out->not_after = or_empty(ost_x509_time_text(X509_get0_notAfter(x)));
    out->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
    X509_free(x);
    return OST_OK;
}

void ost_cert_free(struct ost_cert *c)
{
    if (!c)
        return;
    free(c->der), free(c->subject), free(c->issuer), free(c->serial), free(c->not_before), free(c->not_after);
    *c = (struct ost_cert){0};
}

void ost_certs_free(struct ost_cert *certs, size_t n)
{
    for (size_t i = 0; certs && i < n; i++)
        ost_cert_free(&certs[i]);
    free(certs);
}

/* Bytes need not end in a NUL: no strstr. */
static bool contains(const uint8_t *data, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(data + i, needle, n))
            return true;
    return false;
}

static bool is_certificate_block(const char *name)
{
    return !strcmp(name, "CERTIFICATE") || !strcmp(name, "X509 CERTIFICATE");
}

struct der_blocks {
    unsigned char **v;
    long *len;
    size_t n, cap, cap_len;
};

/* The DER of every CERTIFICATE block, in order; *blocks counts all blocks. */
static ost_status pem_certificates(const uint8_t *data, size_t size, const char *name, struct der_blocks *out,
                                   size_t *blocks, struct ost_error *err)
{
    BIO *bio = BIO_new_mem_buf(data, (int)size);
    char *type, *header;
    unsigned char *der;
    long len;
    *blocks = 0;
    while (PEM_read_bio(bio, &type, &header, &der, &len)) {
        ++*blocks;
        if (is_certificate_block(type)) {
            ost_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
            ost_grow(&out->len, &out->cap_len, out->n + 1, sizeof *out->len);
            out->v[out->n] = der;
            out->len[out->n++] = len;
        } else {
            OPENSSL_free(der);
        }
        OPENSSL_free(type), OPENSSL_free(header);
    }
    unsigned long last = ERR_peek_last_error();
    const char *reason = ost_openssl_reason("no PEM block");
    BIO_free(bio);
    ost_status st = OST_OK;
    /* the end of the text reads as "no start line"; anything else is a bad block */
    if (ERR_GET_REASON(last) != PEM_R_NO_START_LINE || *blocks == 0)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: PEM block %zu: cannot be decoded (%s)", name, *blocks + 1, reason);
    ERR_clear_error();
    return st;
}

static ost_status from_pem(const uint8_t *data, size_t size, const char *name, enum ost_cert_policy policy,
                           struct ost_cert **certs, size_t *n, struct ost_error *err)
{
    struct der_blocks found = {0};
    size_t blocks = 0;
    ost_status st = size > INT_MAX ? ost_fail(err, OST_ERR_LIMIT, "%s: too large for a PEM file", name)
                                   : pem_certificates(data, size, name, &found, &blocks, err);
    if (st == OST_OK && found.n == 0)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: holds %zu PEM block%s and no CERTIFICATE", name, blocks,
                      blocks == 1 ? "" : "s");
    else if (st == OST_OK && found.n > 1 && policy == OST_CERT_LOAD_ONE)
        st = ost_fail(err, OST_ERR_UNSUPPORTED,
                      "%s: holds %zu certificates where one is wanted; give a file with only that certificate "
                      "(one file per certificate), so that which one is meant is not ambiguous",
                      name, found.n);
    if (st == OST_OK) {
        *certs = ost_xcalloc(found.n, sizeof **certs);
        for (*n = 0; st == OST_OK && *n < found.n; ++*n)
            st = ost_cert_from_der(found.v[*n], (size_t)found.len[*n], name, &(*certs)[*n], err);
    }
    for (size_t i = 0; i < found.n; i++)
        OPENSSL_free(found.v[i]);
    free(found.v), free(found.len);
    return st;
}

ost_status ost_cert_load_bytes(const uint8_t *data, size_t size, const char *name, enum ost_cert_policy policy,
                               struct ost_cert **certs, size_t *n, struct ost_error *err)
{
    *certs = NULL;
    *n = 0;
    ost_status st;
    if (size == 0) {
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: empty file, not a certificate", name);
    } else if (contains(data, size, "-----BEGIN ")) {
        st = from_pem(data, size, name, policy, certs, n, err);
    } else {
        *certs = ost_xcalloc(1, sizeof **certs);
        st = ost_cert_from_der(data, size, name, *certs, err);
        *n = 1;
        /* a file with no PEM header was read as DER only: say what else it may be */
        if (st == OST_ERR_CORRUPT && err) {
            size_t used = strlen(err->message);
            snprintf(err->message + used, sizeof err->message - used,
                     "; nor PEM (no -----BEGIN CERTIFICATE----- line): give the certificate as a .cer (DER) "
                     "or PEM file, e.g. from `offstage make-test-cert` or `openssl x509 -outform DER`");
        }
    }
    if (st != OST_OK) {
        ost_certs_free(*certs, *n);
        *certs = NULL;
        *n = 0;
    }
    return st;
}

ost_status ost_cert_load(const char *path, enum ost_cert_policy policy, struct ost_cert **certs, size_t *n,
                         struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    *certs = NULL;
    *n = 0;
    ost_status st = ost_read_file(path, OST_CERT_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_cert_load_bytes(data, size, path, policy, certs, n, err);
    free(data);
    return st;
}
