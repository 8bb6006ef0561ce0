/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pe.h"
#include "util.h"

#define OID_CTL "1.3.6.1.4.1.311.10.1"
#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_SPC_STATEMENT_TYPE "1.3.6.1.4.1.311.2.1.11"
#define OID_SPC_SP_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"

#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define WIN_CERT_HEADER_SIZE 8

/* Certificate and key files are a few kilobytes; a catalog of a large
 * package is well under this. */
#define MAX_KEY_FILE (1u << 20)
#define MAX_SIGNED_FILE OST_PE_MAX_FILE

struct ost_signer {
    EVP_PKEY *key;
    X509 *cert;
    uint8_t *cert_der;
    size_t cert_der_size;
    char thumbprint[OST_THUMBPRINT_LEN + 1];
    char *subject;
};

/* --- small things ---------------------------------------------------------- */

const char *ost_digest_name(ost_digest d)
{
    return d == OST_DIGEST_SHA256 ? "sha256" : "sha1";
}

bool ost_digest_parse(const char *name, ost_digest *out)
{
    if (ost_streq_ci(name, "sha1") || ost_streq_ci(name, "sha-1"))
        return *out = OST_DIGEST_SHA1, true;
    if (ost_streq_ci(name, "sha256") || ost_streq_ci(name, "sha-256"))
        return *out = OST_DIGEST_SHA256, true;
    return false;
}

static const EVP_MD *digest_md(ost_digest d)
{
    return d == OST_DIGEST_SHA256 ? EVP_sha256() : EVP_sha1();
}

const char *ost_sign_kind_name(ost_sign_kind k)
{
    return k == OST_SIGN_CATALOG ? "catalog" : k == OST_SIGN_PE ? "pe" : "unknown";
}

static void hex_upper(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void ost_cert_thumbprint(const uint8_t *der, size_t size, char out[OST_THUMBPRINT_LEN + 1])
{
    uint8_t md[20];
    unsigned len = 0;
    EVP_Digest(der, size, md, &len, EVP_sha1(), NULL);
    hex_upper(md, sizeof md, out);
}

/* The reason OpenSSL gave last, for the end of a message. */
static const char *openssl_reason(void)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : "no reason given";
}

static ost_status openssl_fail(struct ost_error *err, ost_status st, const char *what, const char *name)
{
    ost_fail(err, st, "%s: %s (OpenSSL: %s)", name, what, openssl_reason());
    ERR_clear_error();
    return st;
}

/* Length of a DER tag-and-length header, or 0 when it is not one that
 * fits in `size` bytes. Only the low-tag-number form: every structure
 * signed here starts with SEQUENCE. */
static size_t der_header_size(const uint8_t *p, size_t size)
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

static void der_add_tlv(struct ost_buf *out, uint8_t tag, const void *content, size_t n)
{
    uint8_t hdr[6];
    size_t h = 0;
    hdr[h++] = tag;
    if (n < 0x80) {
        hdr[h++] = (uint8_t)n;
    } else {
        size_t bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
        hdr[h++] = (uint8_t)(0x80 | bytes);
        for (size_t i = bytes; i-- > 0;)
            hdr[h++] = (uint8_t)(n >> (8 * i));
    }
    ost_buf_add(out, hdr, h);
    ost_buf_add(out, content, n);
}

/* Wraps the buffer's bytes in one TLV, in place. */
static void der_wrap(struct ost_buf *b, uint8_t tag)
{
    struct ost_buf w = {0};
    der_add_tlv(&w, tag, b->data, b->len);
    ost_buf_free(b);
    *b = w;
}

static char *x509_name_line(const X509_NAME *name)
{
    char *s = X509_NAME_oneline(name, NULL, 0);
    char *out = ost_xstrdup(s ? (s[0] == '/' ? s + 1 : s) : "");
    OPENSSL_free(s);
    return out;
}

static char *asn1_time_text(const ASN1_TIME *t)
{
    BIO *b = BIO_new(BIO_s_mem());
    ASN1_TIME_print(b, t);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *out = ost_xstrndup(p, n > 0 ? (size_t)n : 0);
    BIO_free(b);
    return out;
}

static ost_status der_of(int (*i2d)(const void *, unsigned char **), const void *obj, uint8_t **out,
                         size_t *out_size, const char *name, struct ost_error *err)
{
    unsigned char *der = NULL;
    int n = i2d(obj, &der);
    if (n <= 0)
        return openssl_fail(err, OST_ERR_CORRUPT, "cannot encode as DER", name);
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

/* --- files ----------------------------------------------------------------- */

/* --- test certificates ------------------------------------------------------ */

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
           X509_sign(cert, key, digest_md(req->digest)) > 0;
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
        st = openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot make the certificate", cn);
    if (st == OST_OK)
        st = der_of(i2d_x509_any, cert, &out->cert_der, &out->cert_der_size, cn, err);
    if (st == OST_OK) {
        out->cert_pem = pem_text(write_cert_pem, cert);
        out->key_pem = pem_text(write_key_pem, key);
        if (!out->cert_pem || !out->key_pem)
            st = openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot write PEM", cn);
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

/* --- loading a signer -------------------------------------------------------- */

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
            return openssl_fail(err, OST_ERR_UNSUPPORTED,
                                "the private key is encrypted; write it without a passphrase "
                                "(`openssl pkey -in KEY -out plain.key`)", name);
    } else {
        const unsigned char *p = data;
        key = d2i_AutoPrivateKey(NULL, &p, (long)size);
        if (key && p != data + size)
            EVP_PKEY_free(key), key = NULL;
    }
    if (!key)
        return openssl_fail(err, OST_ERR_CORRUPT,
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

/* Every certificate of a PEM file, in order. */
static STACK_OF(X509) *pem_certificates(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(data, (int)size);
    X509 *x;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
        sk_X509_push(certs, x);
    ERR_clear_error(); /* the end of the file reads as "no start line" */
    BIO_free(b);
    return certs;
}

static ost_status load_cert(const uint8_t *data, size_t size, const char *name, X509 **out,
                            struct ost_error *err)
{
    if (!looks_like_pem(data, size)) {
        const unsigned char *p = data;
        X509 *x = d2i_X509(NULL, &p, (long)size);
        if (!x || p != data + size) {
            X509_free(x);
            return openssl_fail(err, OST_ERR_CORRUPT,
                                "not a certificate (expected PEM \"-----BEGIN CERTIFICATE-----\" or one DER "
                                "certificate)", name);
        }
        *out = x;
        return OST_OK;
    }
    STACK_OF(X509) *certs = pem_certificates(data, size);
    int n = sk_X509_num(certs);
    if (n == 1)
        *out = sk_X509_shift(certs);
    else if (n == 0)
        ost_fail(err, OST_ERR_CORRUPT, "%s: holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")", name);
    else
        ost_fail(err, OST_ERR_UNSUPPORTED,
                 "%s: holds %d certificates; which one signs is ambiguous, so give a file with only the "
                 "signing certificate", name, n);
    sk_X509_pop_free(certs, X509_free);
    return n == 1 ? OST_OK : err ? err->status : OST_ERR_CORRUPT;
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
    char *when = asn1_time_text(problem[0] == 'e' ? na : nb);
    ost_fail(err, OST_ERR_UNSUPPORTED,
             "%s: the certificate %s %s; make a new one (`offstage make-test-cert`) or pass --allow-expired", name,
             problem, when);
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
        st = der_of(i2d_x509_any, s->cert, &s->cert_der, &s->cert_der_size, cert_name, err);
    if (st == OST_OK) {
        ost_cert_thumbprint(s->cert_der, s->cert_der_size, s->thumbprint);
        s->subject = x509_name_line(X509_get_subject_name(s->cert));
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

/* --- SignedData ---------------------------------------------------------------- */

static bool add_sequence_attr(PKCS7_SIGNER_INFO *si, const char *oid, const uint8_t *der, int n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    bool ok = obj && X509at_add1_attr_by_OBJ(&si->auth_attr, obj, V_ASN1_SEQUENCE, der, n) != NULL;
    ASN1_OBJECT_free(obj);
    return ok;
}

/* The authenticated attributes signtool writes, without a signing time. */
static bool add_signer_attrs(PKCS7_SIGNER_INFO *si, const char *content_oid, const uint8_t *digest,
                             unsigned digest_size)
{
    static const uint8_t empty_opus_info[] = {0x30, 0x00};
    static const uint8_t individual_code_signing[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
                                                      0x01, 0x82, 0x37, 0x02, 0x01, 0x15};
    ASN1_OBJECT *type = OBJ_txt2obj(content_oid, 1);
    if (!type || !PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, type)) {
        ASN1_OBJECT_free(type);
        return false;
    }
    return add_sequence_attr(si, OID_SPC_SP_OPUS_INFO, empty_opus_info, sizeof empty_opus_info) &&
           add_sequence_attr(si, OID_SPC_STATEMENT_TYPE, individual_code_signing,
                             sizeof individual_code_signing) &&
           PKCS7_add1_attrib_digest(si, digest, (int)digest_size);
}

/* A PKCS7 of an arbitrary content type whose content is the DER given. */
static PKCS7 *content_info(const char *oid, const uint8_t *der, size_t size)
{
    PKCS7 *inner = PKCS7_new();
    ASN1_TYPE *value = ASN1_TYPE_new();
    ASN1_STRING *seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    ASN1_OBJECT *type = OBJ_txt2obj(oid, 1);
    if (!inner || !value || !seq || !type || !ASN1_STRING_set(seq, der, (int)size)) {
        PKCS7_free(inner), ASN1_TYPE_free(value), ASN1_STRING_free(seq), ASN1_OBJECT_free(type);
        return NULL;
    }
    ASN1_TYPE_set(value, V_ASN1_SEQUENCE, seq);
    ASN1_OBJECT_free(inner->type);
    inner->type = type;
    inner->d.other = value;
    return inner;
}

/* Signs `content` (a DER SEQUENCE of type content_oid) into a new
 * SignedData. The messageDigest covers the content's value, without its
 * tag and length, as Authenticode defines it. */
static ost_status sign_content(const struct ost_signer *s, ost_digest d, const char *content_oid,
                               const uint8_t *content, size_t size, const char *name, uint8_t **out,
                               size_t *out_size, struct ost_error *err)
{
    size_t hdr = der_header_size(content, size);
    if (hdr == 0 || content[0] != 0x30)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the content to sign is not a DER SEQUENCE", name);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_size = 0;
    PKCS7 *p7 = PKCS7_new();
    PKCS7_SIGNER_INFO *si = NULL;
    PKCS7 *inner = NULL;
    bool ok = p7 && PKCS7_set_type(p7, NID_pkcs7_signed) &&
              EVP_Digest(content + hdr, size - hdr, digest, &digest_size, digest_md(d), NULL) &&
              (si = PKCS7_add_signature(p7, s->cert, s->key, digest_md(d))) != NULL &&
              PKCS7_add_certificate(p7, s->cert) && add_signer_attrs(si, content_oid, digest, digest_size) &&
              PKCS7_SIGNER_INFO_sign(si) && (inner = content_info(content_oid, content, size)) != NULL &&
              PKCS7_set_content(p7, inner);
    if (!ok)
        PKCS7_free(inner);
    ost_status st = ok ? der_of(i2d_pkcs7_any, p7, out, out_size, name, err)
                       : openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot sign", name);
    PKCS7_free(p7);
    return st;
}

/* --- catalogs ------------------------------------------------------------------ */

static bool object_is(const ASN1_OBJECT *obj, const char *oid)
{
    char text[128];
    return obj && OBJ_obj2txt(text, sizeof text, obj, 1) > 0 && strcmp(text, oid) == 0;
}

static PKCS7 *parse_signed_data(const uint8_t *data, size_t size)
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

/* The content's DER (tag and length included) when it is a SEQUENCE. */
static const ASN1_STRING *signed_content(const PKCS7 *p7)
{
    const PKCS7 *c = p7->d.sign ? p7->d.sign->contents : NULL;
    if (!c || PKCS7_type_is_data(c) || !c->d.other || c->d.other->type != V_ASN1_SEQUENCE)
        return NULL;
    return c->d.other->value.sequence;
}

static bool is_catalog(const PKCS7 *p7)
{
    return object_is(p7->d.sign->contents->type, OID_CTL) && signed_content(p7);
}

ost_status ost_sign_catalog(const struct ost_signer *s, ost_digest d, const uint8_t *cat, size_t size,
                            const char *name, uint8_t **out, size_t *out_size, struct ost_error *err)
{
    *out = NULL;
    *out_size = 0;
    PKCS7 *p7 = parse_signed_data(cat, size);
    if (!p7 || !is_catalog(p7)) {
        PKCS7_free(p7);
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 0: not a catalog (a DER PKCS#7 SignedData whose content is a certificate trust "
                        "list, " OID_CTL ")", name);
    }
    const ASN1_STRING *content = signed_content(p7);
    ost_status st = sign_content(s, d, OID_CTL, ASN1_STRING_get0_data(content), (size_t)ASN1_STRING_length(content),
                                 name, out, out_size, err);
    PKCS7_free(p7);
    return st;
}

/* --- PE images ------------------------------------------------------------------- */

/* The image without its signature, padded to 8 bytes, with data directory
 * 4 cleared: what the signature will be appended to. */
static ost_status unsigned_image(const uint8_t *data, size_t size, const char *name, struct ost_buf *out,
                                 struct ost_error *err)
{
    struct ost_pe_info pe;
    ost_status st = ost_pe_parse(data, size, name, &pe, err);
    if (st != OST_OK)
        return st;
    size_t keep = size;
    if (pe.cert_dir_offset == 0)
        st = ost_fail(err, OST_ERR_UNSUPPORTED,
                      "%s: the optional header has %u data directories, no certificate table (directory 4); "
                      "the image cannot carry an embedded signature", name, pe.number_of_rva_and_sizes);
    else if (pe.has_certificate_table && (uint64_t)pe.cert_table_offset + pe.cert_table_size != size)
        st = ost_fail(err, OST_ERR_CORRUPT,
                      "%s: offset 0x%x: the certificate table is followed by %llu more bytes; Windows rejects "
                      "such an image", name, pe.cert_table_offset,
                      (unsigned long long)(size - pe.cert_table_offset - pe.cert_table_size));
    else if (pe.has_certificate_table)
        keep = pe.cert_table_offset;
    if (st == OST_OK) {
        static const uint8_t zeros[8];
        ost_buf_add(out, data, keep);
        ost_buf_add(out, zeros, (8 - keep % 8) % 8);
        memset(out->data + pe.cert_dir_offset, 0, 8);
    }
    ost_pe_info_free(&pe);
    return st;
}

static void md_update(void *ctx, const void *p, size_t n)
{
    EVP_DigestUpdate(ctx, p, n);
}

static ost_status image_hash(const struct ost_buf *img, const char *name, ost_digest d, uint8_t *hash,
                             unsigned *hash_size, uint64_t *checksum_offset, uint64_t *cert_dir_offset,
                             struct ost_error *err)
{
    struct ost_pe_info pe;
    ost_status st = ost_pe_parse((const uint8_t *)img->data, img->len, name, &pe, err);
    if (st != OST_OK)
        return st;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, digest_md(d), NULL))
        st = openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot hash", name);
    if (st == OST_OK)
        st = ost_pe_authenticode_digest((const uint8_t *)img->data, img->len, name, &pe, md_update, ctx, err);
    if (st == OST_OK && !EVP_DigestFinal_ex(ctx, hash, hash_size))
        st = openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot hash", name);
    *checksum_offset = pe.checksum_offset;
    *cert_dir_offset = pe.cert_dir_offset;
    EVP_MD_CTX_free(ctx);
    ost_pe_info_free(&pe);
    return st;
}

/* SpcIndirectDataContent: SpcPeImageData (flags empty, file "<<<Obsolete>>>"
 * as signtool writes it) and the image hash as a DigestInfo. */
static void spc_indirect_data(ost_digest d, const uint8_t *hash, unsigned hash_size, struct ost_buf *out)
{
    static const uint8_t pe_image_data_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x0f};
    static const uint8_t empty_flags[] = {0x03, 0x01, 0x00};
    static const uint8_t sha1_alg[] = {0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00};
    static const uint8_t sha256_alg[] = {0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                                         0x03, 0x04, 0x02, 0x01, 0x05, 0x00};
    static const char obsolete[] = "<<<Obsolete>>>";
    struct ost_buf file = {0}, image_data = {0}, attr = {0}, digest_info = {0};
    for (const char *c = obsolete; *c; c++)
        ost_buf_addc(&file, 0), ost_buf_addc(&file, *c); /* BMPString: UTF-16BE */
    der_wrap(&file, 0x80);                               /* SpcString unicode [0] IMPLICIT */
    der_wrap(&file, 0xa2);                               /* SpcLink file [2] */
    der_wrap(&file, 0xa0);                               /* SpcPeImageData file [0] EXPLICIT */
    ost_buf_add(&image_data, empty_flags, sizeof empty_flags);
    ost_buf_add(&image_data, file.data, file.len);
    der_wrap(&image_data, 0x30);
    ost_buf_add(&attr, pe_image_data_oid, sizeof pe_image_data_oid);
    ost_buf_add(&attr, image_data.data, image_data.len);
    der_wrap(&attr, 0x30);
    if (d == OST_DIGEST_SHA256)
        ost_buf_add(&digest_info, sha256_alg, sizeof sha256_alg);
    else
        ost_buf_add(&digest_info, sha1_alg, sizeof sha1_alg);
    der_add_tlv(&digest_info, 0x04, hash, hash_size);
    der_wrap(&digest_info, 0x30);
    ost_buf_add(out, attr.data, attr.len);
    ost_buf_add(out, digest_info.data, digest_info.len);
    der_wrap(out, 0x30);
    ost_buf_free(&file), ost_buf_free(&image_data), ost_buf_free(&attr), ost_buf_free(&digest_info);
}

/* Appends the WIN_CERTIFICATE, points data directory 4 at it and sets the
 * checksum. */
static void embed_signature(struct ost_buf *img, const uint8_t *sig, size_t sig_size, uint64_t checksum_offset,
                            uint64_t cert_dir_offset)
{
    static const uint8_t zeros[8];
    size_t pad = (8 - sig_size % 8) % 8;
    uint32_t length = (uint32_t)(WIN_CERT_HEADER_SIZE + sig_size + pad);
    uint8_t hdr[WIN_CERT_HEADER_SIZE];
    ost_put_le32(hdr, length);
    ost_put_le16(hdr + 4, WIN_CERT_REVISION_2_0);
    ost_put_le16(hdr + 6, WIN_CERT_TYPE_PKCS_SIGNED_DATA);
    uint32_t table_offset = (uint32_t)img->len;
    ost_buf_add(img, hdr, sizeof hdr);
    ost_buf_add(img, sig, sig_size);
    ost_buf_add(img, zeros, pad);
    uint8_t *p = (uint8_t *)img->data;
    ost_put_le32(p + cert_dir_offset, table_offset);
    ost_put_le32(p + cert_dir_offset + 4, length);
    ost_put_le32(p + checksum_offset, ost_pe_checksum(p, img->len, checksum_offset));
}

ost_status ost_sign_pe(const struct ost_signer *s, ost_digest d, const uint8_t *data, size_t size,
                       const char *name, uint8_t **out, size_t *out_size, struct ost_error *err)
{
    *out = NULL;
    *out_size = 0;
    if (size > OST_PE_MAX_FILE - 65536)
        return ost_fail(err, OST_ERR_LIMIT, "%s: %zu bytes; the limit for a PE image to sign is %u", name, size,
                        OST_PE_MAX_FILE - 65536);
    struct ost_buf img = {0}, content = {0};
    uint8_t hash[EVP_MAX_MD_SIZE], *sig = NULL;
    unsigned hash_size = 0;
    uint64_t checksum_offset = 0, cert_dir_offset = 0;
    size_t sig_size = 0;
    ost_status st = unsigned_image(data, size, name, &img, err);
    if (st == OST_OK)
        st = image_hash(&img, name, d, hash, &hash_size, &checksum_offset, &cert_dir_offset, err);
    if (st == OST_OK) {
        spc_indirect_data(d, hash, hash_size, &content);
        st = sign_content(s, d, OID_SPC_INDIRECT_DATA, (const uint8_t *)content.data, content.len, name, &sig,
                          &sig_size, err);
    }
    if (st == OST_OK) {
        embed_signature(&img, sig, sig_size, checksum_offset, cert_dir_offset);
        *out_size = img.len;
        *out = (uint8_t *)ost_buf_steal(&img);
    }
    free(sig);
    ost_buf_free(&content);
    ost_buf_free(&img);
    return st;
}

/* --- files of either kind ------------------------------------------------------------ */

ost_sign_kind ost_sign_detect(const uint8_t *data, size_t size)
{
    if (size >= 0x40 && data[0] == 'M' && data[1] == 'Z') {
        uint32_t lfanew = ost_le32(data + 0x3c);
        if ((uint64_t)lfanew + 4 <= size && memcmp(data + lfanew, "PE\0\0", 4) == 0)
            return OST_SIGN_PE;
        return OST_SIGN_UNKNOWN;
    }
    if (size < 2 || data[0] != 0x30)
        return OST_SIGN_UNKNOWN;
    PKCS7 *p7 = parse_signed_data(data, size);
    bool cat = p7 && is_catalog(p7);
    PKCS7_free(p7);
    return cat ? OST_SIGN_CATALOG : OST_SIGN_UNKNOWN;
}

ost_status ost_sign_bytes(const struct ost_signer *s, ost_digest d, const uint8_t *data, size_t size,
                          const char *name, ost_sign_kind *kind, uint8_t **out, size_t *out_size,
                          struct ost_error *err)
{
    ost_sign_kind k = ost_sign_detect(data, size);
    if (kind)
        *kind = k;
    if (k == OST_SIGN_PE)
        return ost_sign_pe(s, d, data, size, name, out, out_size, err);
    if (k == OST_SIGN_CATALOG)
        return ost_sign_catalog(s, d, data, size, name, out, out_size, err);
    *out = NULL;
    *out_size = 0;
    return ost_fail(err, OST_ERR_UNSUPPORTED,
                    "%s: offset 0: neither a PE image (\"MZ\" and a PE header) nor a catalog (PKCS#7 SignedData "
                    "with content type " OID_CTL "); nothing to sign", name);
}

ost_status ost_sign_file(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                         struct ost_error *err)
{
    if (kind)
        *kind = OST_SIGN_UNKNOWN;
    struct stat st_before;
    if (lstat(path, &st_before) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st_before.st_mode))
        return ost_fail(err, OST_ERR_IO, "%s: not a regular file (a symbolic link, folder or device)", path);
    uint8_t *data, *out = NULL;
    size_t size, out_size = 0;
    ost_status st = ost_read_file(path, MAX_SIGNED_FILE, &data, &size, err);
    if (st == OST_OK)
        st = ost_sign_bytes(s, d, data, size, path, kind, &out, &out_size, err);
    if (st == OST_OK)
        st = ost_replace_file(path, out, out_size, st_before.st_mode & 07777, err);
    free(data);
    free(out);
    return st;
}

/* --- verification --------------------------------------------------------------------- */

static ost_status digest_of_alg(const X509_ALGOR *alg, const char *name, ost_digest *d, struct ost_error *err)
{
    const ASN1_OBJECT *obj;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    int nid = OBJ_obj2nid(obj);
    if (nid == NID_sha1)
        return *d = OST_DIGEST_SHA1, OST_OK;
    if (nid == NID_sha256)
        return *d = OST_DIGEST_SHA256, OST_OK;
    char text[128];
    OBJ_obj2txt(text, sizeof text, obj, 0);
    return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: the signer's digest algorithm %s is neither SHA-1 nor SHA-256",
                    name, text);
}

/* The messageDigest and contentType attributes against the content. */
static ost_status check_attributes(PKCS7_SIGNER_INFO *si, const PKCS7 *p7, ost_digest d, const char *name,
                                   struct ost_error *err)
{
    const ASN1_STRING *content = signed_content(p7);
    const uint8_t *c = ASN1_STRING_get0_data(content);
    size_t n = (size_t)ASN1_STRING_length(content), hdr = der_header_size(c, n);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_size = 0;
    EVP_Digest(c + hdr, n - hdr, md, &md_size, digest_md(d), NULL);
    ASN1_OCTET_STRING *given = PKCS7_digest_from_attributes(si->auth_attr);
    if (!given)
        return ost_fail(err, OST_NEGATIVE, "%s: the signer has no messageDigest attribute", name);
    if ((unsigned)ASN1_STRING_length(given) != md_size || memcmp(ASN1_STRING_get0_data(given), md, md_size) != 0)
        return ost_fail(err, OST_NEGATIVE, "%s: the signed content does not match its messageDigest attribute "
                        "(the content was changed after signing)", name);
    ASN1_TYPE *type = PKCS7_get_signed_attribute(si, NID_pkcs9_contentType);
    if (!type || type->type != V_ASN1_OBJECT || OBJ_cmp(type->value.object, p7->d.sign->contents->type) != 0)
        return ost_fail(err, OST_NEGATIVE, "%s: the contentType attribute does not name the content's type", name);
    return OST_OK;
}

static ost_status check_signature(PKCS7_SIGNER_INFO *si, X509 *signer, ost_digest d, const char *name,
                                  struct ost_error *err)
{
    unsigned char *attrs = NULL;
    int n = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &attrs, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = n > 0 && ctx &&
             EVP_DigestVerifyInit(ctx, NULL, digest_md(d), NULL, X509_get0_pubkey(signer)) == 1 &&
             EVP_DigestVerify(ctx, ASN1_STRING_get0_data(si->enc_digest), (size_t)ASN1_STRING_length(si->enc_digest),
                              attrs, (size_t)n) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(attrs);
    ERR_clear_error();
    return ok ? OST_OK : ost_fail(err, OST_NEGATIVE, "%s: the signature does not verify with the signer's key", name);
}

static ost_status check_trust(X509 *signer, STACK_OF(X509) *carried, const struct ost_der *trusted,
                              size_t n_trusted, const char *name, struct ost_error *err)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    for (size_t i = 0; i < n_trusted; i++) {
        const unsigned char *p = trusted[i].data;
        X509 *x = d2i_X509(NULL, &p, (long)trusted[i].size);
        if (x)
            X509_STORE_add_cert(store, x);
        X509_free(x);
    }
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME);
    int ok = store && ctx && X509_STORE_CTX_init(ctx, store, signer, carried) && X509_verify_cert(ctx) == 1;
    int reason = ctx ? X509_STORE_CTX_get_error(ctx) : 0;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    if (ok)
        return OST_OK;
    return ost_fail(err, OST_NEGATIVE, "%s: the signer certificate is not trusted: %s", name,
                    X509_verify_cert_error_string(reason));
}

static ost_status verify_signer(PKCS7 *p7, const char *name, const struct ost_der *trusted, size_t n_trusted,
                                struct ost_pkcs7_verified *v, struct ost_error *err)
{
    STACK_OF(PKCS7_SIGNER_INFO) *infos = PKCS7_get_signer_info(p7);
    if (sk_PKCS7_SIGNER_INFO_num(infos) == 0)
        return ost_fail(err, OST_NEGATIVE, "%s: not signed (the SignedData has no signer)", name);
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(infos, 0);
    ost_status st = digest_of_alg(si->digest_alg, name, &v->digest, err);
    if (st != OST_OK)
        return st;
    X509 *signer = X509_find_by_issuer_and_serial(p7->d.sign->cert, si->issuer_and_serial->issuer,
                                                  si->issuer_and_serial->serial);
    if (!signer)
        return ost_fail(err, OST_NEGATIVE, "%s: the signer's certificate is not in the SignedData", name);
    unsigned char *der = NULL;
    int n = i2d_X509(signer, &der);
    if (n > 0)
        ost_cert_thumbprint(der, (size_t)n, v->signer_thumbprint);
    OPENSSL_free(der);
    v->signer_subject = x509_name_line(X509_get_subject_name(signer));
    st = check_attributes(si, p7, v->digest, name, err);
    if (st == OST_OK)
        st = check_signature(si, signer, v->digest, name, err);
    if (st == OST_OK)
        st = check_trust(signer, p7->d.sign->cert, trusted, n_trusted, name, err);
    return st;
}

ost_status ost_pkcs7_verify(const uint8_t *der, size_t size, const char *name, const struct ost_der *trusted,
                            size_t n_trusted, struct ost_pkcs7_verified *out, struct ost_error *err)
{
    struct ost_pkcs7_verified v = {0};
    PKCS7 *p7 = parse_signed_data(der, size);
    const ASN1_STRING *content = p7 ? signed_content(p7) : NULL;
    if (!content) {
        PKCS7_free(p7);
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 0: not a DER PKCS#7 SignedData with a SEQUENCE content", name);
    }
    char text[128];
    OBJ_obj2txt(text, sizeof text, p7->d.sign->contents->type, 1);
    v.content_type = ost_xstrdup(text);
    v.content_size = (size_t)ASN1_STRING_length(content);
    v.content = ost_xmalloc(v.content_size);
    memcpy(v.content, ASN1_STRING_get0_data(content), v.content_size);
    ost_status st = verify_signer(p7, name, trusted, n_trusted, &v, err);
    PKCS7_free(p7);
    if (out && (st == OST_OK || st == OST_NEGATIVE))
        *out = v;
    else
        ost_pkcs7_verified_free(&v);
    return st;
}

void ost_pkcs7_verified_free(struct ost_pkcs7_verified *v)
{
    free(v->content_type);
    free(v->content);
    free(v->signer_subject);
    memset(v, 0, sizeof *v);
}
