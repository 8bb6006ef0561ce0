/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "signer.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cert.h"
#include "sign_internal.h"
#include "x509text.h"
#include "util.h"
#include "fileutil.h"

/* Certificate and key files are a few kilobytes. */
#define MAX_KEY_FILE (1u << 20)

struct ost_signer {
    EVP_PKEY *key;
    X509 *cert;
    uint8_t *cert_der;
    size_t cert_der_size;
    char thumbprint[OST_THUMBPRINT_LEN + 1];
    char *subject;
};

/* Bytes from memory need not end in a NUL: no strstr. */
static bool contains(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(data + i, needle, n) == 0)
            return true;
    return false;
}

static bool looks_like_pem(const uint8_t *data, size_t size)
{
    return contains(data, size, "-----BEGIN ");
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static ost_status load_key(const uint8_t *data, size_t size, const char *name, EVP_PKEY **out,
                           struct ost_error *err)
{
    EVP_PKEY *key = NULL;
    if (looks_like_pem(data, size)) {
        BIO *b = BIO_new_mem_buf(data, (int)size);
        key = PEM_read_bio_PrivateKey(b, NULL, no_password, NULL);
        BIO_free(b);
        if (!key && contains(data, size, "ENCRYPTED"))
            return ost_openssl_fail(err, OST_ERR_UNSUPPORTED,
                                "the private key is encrypted; write it without a passphrase "
                                "(`openssl pkey -in KEY -out plain.key`)", name);
    } else {
        const unsigned char *p = data;
        key = d2i_AutoPrivateKey(NULL, &p, (long)size);
        if (key && p != data + size)
            EVP_PKEY_free(key), key = NULL;
    }
    if (!key)
        return ost_openssl_fail(err, OST_ERR_CORRUPT,
                            "not a private key (expected PEM \"-----BEGIN PRIVATE KEY-----\" or DER PKCS#8/PKCS#1)",
                            name);
    if (!EVP_PKEY_is_a(key, "RSA")) {
        ost_fail(err, OST_ERR_UNSUPPORTED, "%s: a %s key; Windows 7 verifies driver signatures made with RSA keys only",
                 name, EVP_PKEY_get0_type_name(key));
        EVP_PKEY_free(key);
        return OST_ERR_UNSUPPORTED;
    }
    *out = key;
    return OST_OK;
}

/* The signing certificate: exactly one, so that which one signs is not
 * ambiguous. */
static ost_status load_cert(const uint8_t *data, size_t size, const char *name, X509 **out,
                            struct ost_error *err)
{
    struct ost_cert *certs;
    size_t n;
    ost_status st = ost_cert_load_bytes(data, size, name, OST_CERT_LOAD_ONE, &certs, &n, err);
    if (st != OST_OK)
        return st;
    const unsigned char *p = certs[0].der;
    *out = d2i_X509(NULL, &p, (long)certs[0].der_len);
    ost_certs_free(certs, n);
    return *out ? OST_OK : ost_openssl_fail(err, OST_ERR_CORRUPT, "cannot read the certificate", name);
}

static ost_status check_validity(X509 *cert, const char *name, const struct ost_signer_options *opt,
                                 struct ost_error *err)
{
    if (opt && opt->allow_expired)
        return OST_OK;
    time_t now = opt && opt->now ? opt->now : time(NULL);
    const ASN1_TIME *nb = X509_get0_notBefore(cert), *na = X509_get0_notAfter(cert);
    const char *problem = X509_cmp_time(na, &now) < 0 ? "expired on" : X509_cmp_time(nb, &now) > 0 ? "is valid only from" : NULL;
    if (!problem)
        return OST_OK;
    char *when = ost_x509_time_text(problem[0] == 'e' ? na : nb);
    ost_fail(err, OST_ERR_UNSUPPORTED,
             "%s: the certificate %s %s; make a new one (`offstage make-test-cert`) or pass --allow-expired", name,
             problem, when ? when : "(unreadable date)");
    free(when);
    return OST_ERR_UNSUPPORTED;
}

static ost_status finish_signer(struct ost_signer *s, const char *key_name, const char *cert_name,
                                const struct ost_signer_options *opt, struct ost_error *err)
{
    if (X509_check_private_key(s->cert, s->key) != 1) {
        ERR_clear_error();
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: the private key does not belong to the certificate in %s",
                        key_name, cert_name);
    }
    ost_status st = check_validity(s->cert, cert_name, opt, err);
    if (st == OST_OK)
        st = ost_x509_der(s->cert, &s->cert_der, &s->cert_der_size, cert_name, err);
    if (st == OST_OK) {
        ost_cert_thumbprint(s->cert_der, s->cert_der_size, s->thumbprint);
        s->subject = ost_x509_name_text(X509_get_subject_name(s->cert));
    }
    return st;
}

ost_status ost_signer_from_memory(const uint8_t *key, size_t key_size, const char *key_name, const uint8_t *cert,
                                  size_t cert_size, const char *cert_name, const struct ost_signer_options *opt,
                                  struct ost_signer **out, struct ost_error *err)
{
    *out = NULL;
    if (key_size > MAX_KEY_FILE || cert_size > MAX_KEY_FILE)
        return ost_fail(err, OST_ERR_LIMIT, "%s: larger than %u bytes, not a key or certificate file",
                        key_size > MAX_KEY_FILE ? key_name : cert_name, MAX_KEY_FILE);
    struct ost_signer *s = ost_xcalloc(1, sizeof *s);
    ost_status st = load_key(key, key_size, key_name, &s->key, err);
    if (st == OST_OK)
        st = load_cert(cert, cert_size, cert_name, &s->cert, err);
    if (st == OST_OK)
        st = finish_signer(s, key_name, cert_name, opt, err);
    if (st != OST_OK)
        ost_signer_free(s);
    else
        *out = s;
    return st;
}

ost_status ost_signer_load(const char *key_path, const char *cert_path, const struct ost_signer_options *opt,
                           struct ost_signer **out, struct ost_error *err)
{
    *out = NULL;
    uint8_t *key = NULL, *cert = NULL;
    size_t key_size = 0, cert_size = 0;
    ost_status st = ost_read_file(key_path, MAX_KEY_FILE, &key, &key_size, err);
    if (st == OST_OK)
        st = ost_read_file(cert_path, MAX_KEY_FILE, &cert, &cert_size, err);
    if (st == OST_OK)
        st = ost_signer_from_memory(key, key_size, key_path, cert, cert_size, cert_path, opt, out, err);
    if (key)
        OPENSSL_cleanse(key, key_size);
    free(key);
    free(cert);
    return st;
}

void ost_signer_free(struct ost_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    free(s->cert_der);
    free(s->subject);
    free(s);
}

const uint8_t *ost_signer_cert_der(const struct ost_signer *s, size_t *size)
{
    *size = s->cert_der_size;
    return s->cert_der;
}

const char *ost_signer_thumbprint(const struct ost_signer *s)
{
    return s->thumbprint;
}

const char *ost_signer_subject(const struct ost_signer *s)
{
    return s->subject;
}

EVP_PKEY *ost_signer_key(const struct ost_signer *s)
{
    return s->key;
}

X509 *ost_signer_x509(const struct ost_signer *s)
{
    return s->cert;
}
