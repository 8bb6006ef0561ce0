/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sign: the SignedData around a content, with signtool's authenticated
 * attributes; what sign.c (catalogs) and sign_pe.c (PE images) sign with. */
#include <stdbool.h>
#include <stdlib.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "der.h"
#include "oid.h"
#include "sign_internal.h"
#include "util.h"

static bool add_sequence_attr(PKCS7_SIGNER_INFO *si, const char *oid, const uint8_t *der, int n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    bool ok = obj && X509at_add1_attr_by_OBJ(&si->auth_attr, obj, V_ASN1_SEQUENCE, der, n) != NULL;
    ASN1_OBJECT_free(obj);
    return ok;
}

/* The authenticated attributes signtool writes, without a signing time:
 * an empty SpcSpOpusInfo and the statement type individual code signing. */
static bool add_signer_attrs(PKCS7_SIGNER_INFO *si, const char *content_oid, const uint8_t *digest,
                             unsigned digest_size)
{
    ASN1_OBJECT *type = OBJ_txt2obj(content_oid, 1);
    if (!type || !PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, type)) {
        ASN1_OBJECT_free(type);
        return false;
    }
    struct ost_buf opus_info = {0}, statement = {0}, purpose = {0};
    ost_der_put(&opus_info, OST_DER_SEQUENCE, "", 0);
    ost_der_put_oid(&purpose, OID_SPC_INDIVIDUAL_SP_KEY_PURPOSE);
    ost_der_wrap(&statement, OST_DER_SEQUENCE, &purpose);
    bool ok = add_sequence_attr(si, OID_SPC_SP_OPUS_INFO, (const uint8_t *)opus_info.data, (int)opus_info.len) &&
              add_sequence_attr(si, OID_SPC_STATEMENT_TYPE, (const uint8_t *)statement.data, (int)statement.len) &&
              PKCS7_add1_attrib_digest(si, digest, (int)digest_size);
    ost_buf_free(&opus_info), ost_buf_free(&statement);
    return ok;
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

/* The messageDigest covers the content's value, without its tag and
 * length, as Authenticode defines it. */
ost_status ost_sign_content(const struct ost_signer *s, ost_digest d, const char *content_oid,
                            const uint8_t *content, size_t size, const char *name, uint8_t **out, size_t *out_size,
                            struct ost_error *err)
{
    size_t hdr = ost_der_header_size(content, size);
    if (hdr == 0 || content[0] != 0x30)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the content to sign is not a DER SEQUENCE", name);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_size = 0;
    PKCS7 *p7 = PKCS7_new();
    PKCS7_SIGNER_INFO *si = NULL;
    PKCS7 *inner = NULL;
    X509 *cert = ost_signer_x509(s);
    bool ok = p7 && PKCS7_set_type(p7, NID_pkcs7_signed) &&
              EVP_Digest(content + hdr, size - hdr, digest, &digest_size, ost_digest_md(d), NULL) &&
              (si = PKCS7_add_signature(p7, cert, ost_signer_key(s), ost_digest_md(d))) != NULL &&
              PKCS7_add_certificate(p7, cert) && add_signer_attrs(si, content_oid, digest, digest_size) &&
              PKCS7_SIGNER_INFO_sign(si) && (inner = content_info(content_oid, content, size)) != NULL &&
              PKCS7_set_content(p7, inner);
    if (!ok)
        PKCS7_free(inner);
    ost_status st = ok ? ost_pkcs7_der(p7, out, out_size, name, err)
                       : ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot sign", name);
    PKCS7_free(p7);
    return st;
}
