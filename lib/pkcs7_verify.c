/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pkcs7_verify.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "sign_internal.h"
#include "x509text.h"
#include "util.h"

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
    const ASN1_STRING *content = ost_pkcs7_signed_content(p7);
    const uint8_t *c = ASN1_STRING_get0_data(content);
    size_t n = (size_t)ASN1_STRING_length(content), hdr = ost_der_header_size(c, n);
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned md_size = 0;
    EVP_Digest(c + hdr, n - hdr, md, &md_size, ost_digest_md(d), NULL);
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
             EVP_DigestVerifyInit(ctx, NULL, ost_digest_md(d), NULL, X509_get0_pubkey(signer)) == 1 &&
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
    v->signer_subject = ost_x509_name_text(X509_get_subject_name(signer));
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
    PKCS7 *p7 = ost_pkcs7_parse_signed(der, size);
    const ASN1_STRING *content = p7 ? ost_pkcs7_signed_content(p7) : NULL;
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
