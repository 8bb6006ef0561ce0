/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testcert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fileutil.h"
#include "sign_internal.h"
#include "util.h"

static bool add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    bool ok = ext && X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static bool set_random_serial(X509 *cert)
{
    uint8_t bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return false;
    bytes[0] = (bytes[0] & 0x7f) | 0x40; /* positive, and always 16 bytes long */
    BIGNUM *bn = BN_bin2bn(bytes, sizeof bytes, NULL);
    bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    return ok;
}

static bool fill_test_cert(X509 *cert, EVP_PKEY *key, const struct ost_test_cert_request *req)
{
    time_t now = time(NULL);
    time_t not_before = req->not_before ? req->not_before : now - OST_TEST_CERT_BACKDATE_SECONDS;
    time_t not_after = req->not_after ? req->not_after
                                      : not_before + (time_t)OST_TEST_CERT_DEFAULT_DAYS * 24 * 60 * 60;
    const char *cn = req->subject_cn ? req->subject_cn : OST_TEST_CERT_DEFAULT_CN;
    X509_NAME *name = X509_get_subject_name(cert);
    return X509_set_version(cert, X509_VERSION_3) && set_random_serial(cert) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
           X509_set_issuer_name(cert, name) && X509_time_adj_ex(X509_getm_notBefore(cert), 0, 0, &not_before) &&
           X509_time_adj_ex(X509_getm_notAfter(cert), 0, 0, &not_after) && X509_set_pubkey(cert, key) &&
           add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") &&
           add_ext(cert, NID_key_usage, "critical,digitalSignature") &&
           add_ext(cert, NID_ext_key_usage, "codeSigning") && add_ext(cert, NID_subject_key_identifier, "hash") &&
           X509_sign(cert, key, ost_digest_md(req->digest)) > 0;
}

static char *pem_text(int (*emit)(BIO *, const void *), const void *obj)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b && emit(b, obj)) {
        char *p;
        long n = BIO_get_mem_data(b, &p);
        out = ost_xstrndup(p, (size_t)n);
    }
    BIO_free(b);
    return out;
}

static int write_cert_pem(BIO *b, const void *x)
{
    return PEM_write_bio_X509(b, (X509 *)x);
}

static int write_key_pem(BIO *b, const void *k)
{
    return PEM_write_bio_PrivateKey(b, (EVP_PKEY *)k, NULL, NULL, 0, NULL, NULL);
}

ost_status ost_make_test_cert(const struct ost_test_cert_request *req, struct ost_test_cert *out,
                              struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    const char *cn = req->subject_cn ? req->subject_cn : OST_TEST_CERT_DEFAULT_CN;
    if (!*cn || strlen(cn) > 64)
        return ost_fail(err, OST_ERR_USAGE, "subject CN '%s': must be 1 to 64 characters (X.509 upper bound)", cn);
    EVP_PKEY *key = EVP_RSA_gen(2048);
    X509 *cert = X509_new();
    ost_status st = OST_OK;
    if (!key || !cert || !fill_test_cert(cert, key, req))
        st = ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot make the certificate", cn);
    if (st == OST_OK)
        st = ost_x509_der(cert, &out->cert_der, &out->cert_der_size, cn, err);
    if (st == OST_OK) {
        out->cert_pem = pem_text(write_cert_pem, cert);
        out->key_pem = pem_text(write_key_pem, key);
        if (!out->cert_pem || !out->key_pem)
            st = ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot write PEM", cn);
        ost_cert_thumbprint(out->cert_der, out->cert_der_size, out->thumbprint);
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    if (st != OST_OK)
        ost_test_cert_free(out);
    return st;
}

void ost_test_cert_free(struct ost_test_cert *c)
{
    free(c->cert_der);
    free(c->cert_pem);
    if (c->key_pem)
        OPENSSL_cleanse(c->key_pem, strlen(c->key_pem));
    free(c->key_pem);
    memset(c, 0, sizeof *c);
}

ost_status ost_test_cert_check(const char *dir, const char *name, bool force, struct ost_error *err)
{
    static const char *const ext[3] = {".cer", ".pem", ".key"};
    ost_status st = OST_OK;
    for (int i = 0; i < 3 && st == OST_OK; i++) {
        char *file = ost_xasprintf("%s%s", name, ext[i]), *path = ost_path_join(dir, file);
        if (!force && access(path, F_OK) == 0)
            st = ost_fail(err, OST_ERR_IO, "%s: exists; pass --force to replace it", path);
        free(file);
        free(path);
    }
    /* the folder, or when it is still to be made its parent, takes new files */
    struct stat sb;
    char *where = stat(dir, &sb) == 0 ? ost_xstrdup(dir) : ost_path_dirname(dir);
    if (st == OST_OK && access(where, W_OK | X_OK) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write there: %s", where, strerror(errno));
    free(where);
    return st;
}

ost_status ost_test_cert_write(const struct ost_test_cert *c, const char *dir, const char *name, bool force,
                               struct ost_error *err)
{
    static const char *const ext[3] = {".cer", ".pem", ".key"};
    const void *data[3] = {c->cert_der, c->cert_pem, c->key_pem};
    size_t size[3] = {c->cert_der_size, strlen(c->cert_pem), strlen(c->key_pem)};
    mode_t mode[3] = {0644, 0644, 0600};
    char *final[3], *tmp[3] = {NULL, NULL, NULL};
    ost_status st = OST_OK;
    for (int i = 0; i < 3; i++) {
        char *file = ost_xasprintf("%s%s", name, ext[i]);
        final[i] = ost_path_join(dir, file);
        free(file);
        if (st == OST_OK && !force && access(final[i], F_OK) == 0)
            st = ost_fail(err, OST_ERR_IO, "%s: exists; pass --force to replace it", final[i]);
    }
    for (int i = 0; i < 3 && st == OST_OK; i++)
        st = ost_write_temp_beside(final[i], data[i], size[i], mode[i], &tmp[i], err);
    for (int i = 0; i < 3 && st == OST_OK; i++)
        if (rename(tmp[i], final[i]) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot rename into place: %s", final[i], strerror(errno));
        else
            free(tmp[i]), tmp[i] = NULL;
    for (int i = 0; i < 3; i++) {
        if (tmp[i])
            unlink(tmp[i]);
        free(tmp[i]);
        free(final[i]);
    }
    return st;
}
