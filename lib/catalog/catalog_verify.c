/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog: trusted certificates, and checking a catalog's signature and
 * its chain to one of them (OpenSSL). */
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "catalog_internal.h"
#include "cert.h"
#include "sign_internal.h"
#include "x509text.h"

struct ost_cat_trust {
    STACK_OF(X509) *certs;
};

struct ost_cat_trust *ost_cat_trust_new(void)
{
    struct ost_cat_trust *t = ost_xcalloc(1, sizeof *t);
    t->certs = sk_X509_new_null();
    return t;
}

size_t ost_cat_trust_count(const struct ost_cat_trust *t)
{
    return t ? (size_t)sk_X509_num(t->certs) : 0;
}

void ost_cat_trust_free(struct ost_cat_trust *t)
{
    if (!t)
        return;
    sk_X509_pop_free(t->certs, X509_free);
    free(t);
}

ost_status ost_cat_trust_add_der(struct ost_cat_trust *t, const uint8_t *der, size_t n, const char *name,
                                 struct ost_error *err)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)n);
    if (!x) {
        ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0: not a DER X.509 certificate (%s)", name,
                 ost_openssl_reason("unreadable"));
        ERR_clear_error();
        return OST_ERR_CORRUPT;
    }
    sk_X509_push(t->certs, x);
    return OST_OK;
}

/* Every certificate of the file is trusted: a PEM bundle is what a set of
 * roots is usually given as. */
ost_status ost_cat_trust_add_file(struct ost_cat_trust *t, const char *path, struct ost_error *err)
{
    struct ost_cert *certs;
    size_t n;
    ost_status st = ost_cert_load(path, OST_CERT_LOAD_BUNDLE, &certs, &n, err);
    for (size_t i = 0; st == OST_OK && i < n; i++)
        st = ost_cat_trust_add_der(t, certs[i].der, certs[i].der_len, path, err);
    ost_certs_free(certs, n);
    return st;
}

const char *ost_cat_sig_status_name(enum ost_cat_sig_status s)
{
    switch (s) {
    case OST_CAT_SIG_UNSIGNED: return "unsigned";
    case OST_CAT_SIG_INVALID: return "invalid";
    case OST_CAT_SIG_UNVERIFIED: return "unverified";
    case OST_CAT_SIG_UNTRUSTED: return "untrusted";
    case OST_CAT_SIG_TRUSTED: return "trusted";
    }
    return "unknown";
}

void ost_cat_verdict_free(struct ost_cat_verdict *v)
{
    free(v->signer), free(v->anchor), free(v->signer_thumbprint), free(v->anchor_thumbprint);
    v->signer = v->anchor = v->signer_thumbprint = v->anchor_thumbprint = NULL;
}

/* The roots the Windows 7 kernel trusts for release-signed drivers. Matched
 * by name: the chain has already been verified up to a certificate the
 * caller trusts, so this only tells release signatures from test ones. */
static bool is_microsoft_root_name(const X509_NAME *name)
{
    static const char *const names[] = {"Microsoft Root Authority", "Microsoft Root Certificate Authority",
                                        "Microsoft Code Verification Root"};
    char cn[256];
    if (X509_NAME_get_text_by_NID((X509_NAME *)name, NID_commonName, cn, sizeof cn) < 0)
        return false;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(cn, names[i], strlen(names[i])) == 0)
            return true;
    return false;
}

/* A release signature for x64 kernel mode: the chain ends at a Microsoft
 * root, or the signature carries a cross-certificate that Microsoft Code
 * Verification Root issued to the chain's root (the kernel follows it even
 * where the ROOT store ends the chain at the vendor's CA). */
static bool release_signed(X509 *top, STACK_OF(X509) *extra)
{
    if (is_microsoft_root_name(X509_get_subject_name(top)))
        return true;
    for (int i = 0; i < sk_X509_num(extra); i++) {
        X509 *x = sk_X509_value(extra, i);
        if (is_microsoft_root_name(X509_get_issuer_name(x)) &&
            !X509_NAME_cmp(X509_get_subject_name(x), X509_get_subject_name(top)))
            return true;
    }
    return false;
}

static void set_reason(struct ost_cat_verdict *v, enum ost_cat_sig_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_reason(struct ost_cat_verdict *v, enum ost_cat_sig_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    v->status = s;
}

/* Chains signer to an anchor in trust, purpose and EKU unchecked. */
static void check_chain(X509 *signer, STACK_OF(X509) *extra, const struct ost_cat_trust *trust,
                        struct ost_cat_verdict *v)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    for (int i = 0; i < sk_X509_num(trust->certs); i++)
        X509_STORE_add_cert(store, sk_X509_value(trust->certs, i));
    /* a trusted publisher's own certificate is an anchor too, as in Windows'
     * TrustedPublisher store */
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_init(ctx, store, signer, extra);
    if (X509_verify_cert(ctx) == 1) {
        STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
        X509 *top = sk_X509_value(chain, sk_X509_num(chain) - 1);
        v->anchor = ost_x509_name_text(X509_get_subject_name(top));
        v->anchor_thumbprint = ost_x509_thumbprint(top);
        v->microsoft_root = release_signed(top, extra);
        set_reason(v, OST_CAT_SIG_TRUSTED, "signed by %s, which chains to trusted %s", v->signer, v->anchor);
    } else {
        set_reason(v, OST_CAT_SIG_UNTRUSTED, "signed by %s, which does not chain to a trusted certificate: %s",
                   v->signer, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
}

/* The first signer's signature over `content` (the signed content's value,
 * without its tag and length), then its chain; `what` names the signed
 * thing in reasons ("the catalog"). */
static void verify_signed(PKCS7 *p7, const uint8_t *content, size_t n, const char *what,
                          const struct ost_cat_trust *trust, struct ost_cat_verdict *v)
{
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    STACK_OF(X509) *signers = NULL;
    if (!sis || sk_PKCS7_SIGNER_INFO_num(sis) == 0) {
        set_reason(v, OST_CAT_SIG_UNSIGNED, "%s has no signature", what);
        goto done;
    }
    signers = PKCS7_get0_signers(p7, NULL, 0);
    if (!signers || sk_X509_num(signers) < 1) {
        set_reason(v, OST_CAT_SIG_INVALID, "the signing certificate is not in %s: %s", what,
                   ost_openssl_reason("no reason given"));
        goto done;
    }
    X509 *signer = sk_X509_value(signers, 0);
    v->signer = ost_x509_name_text(X509_get_subject_name(signer));
    v->signer_thumbprint = ost_x509_thumbprint(signer);
    /* PKCS7_verify (OpenSSL 3.0) leaks its copy of the content when it
     * cannot set up the digests (an unknown digest algorithm): find that
     * out first with a set-up of its own, which frees everything */
    BIO *probe = PKCS7_dataInit(p7, NULL);
    int ok = probe != NULL;
    BIO_free_all(probe);
    if (ok) {
        BIO *in = BIO_new_mem_buf(content, (int)n);
        ok = PKCS7_verify(p7, NULL, NULL, in, NULL, PKCS7_NOVERIFY | PKCS7_BINARY);
        BIO_free(in);
    }
    if (ok != 1)
        set_reason(v, OST_CAT_SIG_INVALID, "the signature by %s does not verify over %s's content: %s", v->signer,
                   what, ost_openssl_reason("no reason given"));
    else if (ost_cat_trust_count(trust) == 0)
        set_reason(v, OST_CAT_SIG_UNVERIFIED, "signed by %s; no trusted certificate was given to check it against",
                   v->signer);
    else
        check_chain(signer, p7->d.sign->cert, trust, v);
done:
    sk_X509_free(signers);
    ERR_clear_error();
}

ost_status ost_catalog_verify(const struct ost_catalog *cat, const struct ost_cat_trust *trust,
                              struct ost_cat_verdict *v, struct ost_error *err)
{
    memset(v, 0, sizeof *v);
    PKCS7 *p7 = ost_cat_load_pkcs7(cat, err);
    if (!p7)
        return OST_ERR_CORRUPT;
    const uint8_t *content;
    size_t n;
    ost_catalog_signed_content(cat, &content, &n);
    verify_signed(p7, content, n, "the catalog", trust, v);
    PKCS7_free(p7);
    return OST_OK;
}

ost_status ost_signed_data_verify(const uint8_t *der, size_t size, const char *name, const struct ost_cat_trust *trust,
                                  struct ost_cat_verdict *v, struct ost_error *err)
{
    memset(v, 0, sizeof *v);
    PKCS7 *p7 = ost_pkcs7_parse_signed(der, size);
    const ASN1_STRING *content = p7 ? ost_pkcs7_signed_content(p7) : NULL;
    const uint8_t *c = content ? ASN1_STRING_get0_data(content) : NULL;
    size_t n = content ? (size_t)ASN1_STRING_length(content) : 0, hdr = c ? ost_der_header_size(c, n) : 0;
    if (!hdr) {
        PKCS7_free(p7);
        return ost_fail(err, OST_ERR_CORRUPT, "%s: offset 0: not a DER PKCS#7 SignedData with a SEQUENCE content",
                        name);
    }
    verify_signed(p7, c + hdr, n - hdr, "the SignedData", trust, v);
    PKCS7_free(p7);
    return OST_OK;
}
