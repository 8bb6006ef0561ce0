/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog: the certificates and signer infos of the PKCS#7 envelope, read
 * with OpenSSL into the model. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "catalog_internal.h"
#include "openssl_error.h"
#include "x509text.h"

static void describe_cert(X509 *x, struct ost_cat_cert *c)
{
    c->subject = ost_x509_name_text(X509_get_subject_name(x));
    c->issuer = ost_x509_name_text(X509_get_issuer_name(x));
    c->serial = ost_x509_serial_text(X509_get0_serialNumber(x));
    c->thumbprint = ost_x509_thumbprint(x);
    c->not_before = ost_x509_time_text(X509_get0_notBefore(x));
    c->not_after = ost_x509_time_text(X509_get0_notAfter(x));
}

static char *signing_time(PKCS7_SIGNER_INFO *si)
{
    ASN1_TYPE *t = PKCS7_get_signed_attribute(si, NID_pkcs9_signingTime);
    if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
        return ost_x509_time_text(t->value.utctime);
    /* an Authenticode timestamp: a countersignature carrying the time */
    ASN1_TYPE *cs = PKCS7_get_attribute(si, NID_pkcs9_countersignature);
    if (!cs || cs->type != V_ASN1_SEQUENCE)
        return NULL;
    const unsigned char *p = cs->value.sequence->data;
    PKCS7_SIGNER_INFO *counter = d2i_PKCS7_SIGNER_INFO(NULL, &p, cs->value.sequence->length);
    char *s = NULL;
    if (counter) {
        ASN1_TYPE *ct = PKCS7_get_signed_attribute(counter, NID_pkcs9_signingTime);
        if (ct && (ct->type == V_ASN1_UTCTIME || ct->type == V_ASN1_GENERALIZEDTIME))
            s = ost_x509_time_text(ct->value.utctime);
        PKCS7_SIGNER_INFO_free(counter);
    }
    return s;
}

static int find_cert(STACK_OF(X509) *certs, PKCS7_ISSUER_AND_SERIAL *ias)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        if (!X509_NAME_cmp(X509_get_issuer_name(x), ias->issuer) &&
            !ASN1_INTEGER_cmp(X509_get0_serialNumber(x), ias->serial))
            return i;
    }
    return -1;
}

PKCS7 *ost_cat_load_pkcs7(const struct ost_catalog *c, struct ost_error *err)
{
    const unsigned char *p = c->der;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)c->der_size);
    if (!p7 || !PKCS7_type_is_signed(p7) || !p7->d.sign) {
        ost_fail(err, OST_ERR_CORRUPT, "%s: the certificates or signer infos do not parse as PKCS#7: %s", c->name,
                 ost_openssl_reason("not SignedData"));
        ERR_clear_error();
        PKCS7_free(p7);
        return NULL;
    }
    return p7;
}

ost_status ost_cat_read_signers(struct ost_catalog *c, struct ost_error *err)
{
    PKCS7 *p7 = ost_cat_load_pkcs7(c, err);
    if (!p7)
        return OST_ERR_CORRUPT;
    STACK_OF(X509) *certs = p7->d.sign->cert;
    c->ncerts = (size_t)(certs ? sk_X509_num(certs) : 0);
    c->certs = ost_xcalloc(c->ncerts ? c->ncerts : 1, sizeof *c->certs);
    for (size_t i = 0; i < c->ncerts; i++)
        describe_cert(sk_X509_value(certs, (int)i), &c->certs[i]);
    STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);
    c->nsigners = (size_t)(sis ? sk_PKCS7_SIGNER_INFO_num(sis) : 0);
    c->signers = ost_xcalloc(c->nsigners ? c->nsigners : 1, sizeof *c->signers);
    for (size_t i = 0; i < c->nsigners; i++) {
        PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, (int)i);
        struct ost_cat_signer *s = &c->signers[i];
        s->issuer = ost_x509_name_text(si->issuer_and_serial->issuer);
        s->serial = ost_x509_serial_text(si->issuer_and_serial->serial);
        s->cert = certs ? find_cert(certs, si->issuer_and_serial) : -1;
        char alg[128];
        OBJ_obj2txt(alg, sizeof alg, si->digest_alg->algorithm, 1);
        s->digest_alg = ost_xstrdup(ost_oid_digest_name(alg));
        s->signing_time = signing_time(si);
    }
    PKCS7_free(p7);
    return OST_OK;
}

ost_status ost_signed_data_digest(const uint8_t *der, size_t size, const char *name, char *out, size_t out_size,
                                  struct ost_error *err)
{
    const unsigned char *p = der;
    PKCS7 *p7 = size <= LONG_MAX ? d2i_PKCS7(NULL, &p, (long)size) : NULL;
    STACK_OF(PKCS7_SIGNER_INFO) *sis = p7 && PKCS7_type_is_signed(p7) && p7->d.sign ? PKCS7_get_signer_info(p7) : NULL;
    PKCS7_SIGNER_INFO *si = sis && sk_PKCS7_SIGNER_INFO_num(sis) > 0 ? sk_PKCS7_SIGNER_INFO_value(sis, 0) : NULL;
    ost_status st = OST_OK;
    if (!si) {
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: the signature is not a PKCS#7 SignedData with a signer: %s", name,
                      ost_openssl_reason("no signer info"));
        ERR_clear_error();
    } else {
        char alg[128];
        OBJ_obj2txt(alg, sizeof alg, si->digest_alg->algorithm, 1);
        snprintf(out, out_size, "%s", ost_oid_digest_name(alg));
    }
    PKCS7_free(p7);
    return st;
}
