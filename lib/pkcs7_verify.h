/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pkcs7_verify.h — checking a PKCS#7 SignedData signature (a catalog or an
 * Authenticode signature) against trusted certificates, as Windows does.
 * The module owns the signer-info, attribute and chain checks; finding the
 * signature in a file and comparing the signed hashes with the file are
 * the caller's.
 */
#ifndef OST_PKCS7_VERIFY_H
#define OST_PKCS7_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

struct ost_der {
    const uint8_t *data;
    size_t size;
};

struct ost_pkcs7_verified {
    char *content_type;     /* dotted OID */
    uint8_t *content;       /* the signed content's DER, tag and length included */
    size_t content_size;
    char *signer_subject;   /* NULL when the signer certificate is not in the SignedData */
    char signer_thumbprint[OST_THUMBPRINT_LEN + 1];
    ost_digest digest;
};

/* Checks the first signer of a PKCS#7 SignedData as Windows does for a
 * catalog or an Authenticode signature: the messageDigest attribute is the
 * hash of the content's value (the content DER without its tag and length),
 * the contentType attribute names the content type, the signature over the
 * authenticated attributes verifies with the signer certificate's key, and
 * that certificate is one of `trusted` or chains to one of them through the
 * certificates the SignedData carries. Validity periods are not checked
 * (kernel-mode code integrity does not either). Whether the content's hash
 * matches a file is the caller's business.
 *
 * OST_OK: verified and trusted. OST_NEGATIVE: well-formed, but not signed,
 * signature wrong or signer not trusted (err says which). OST_ERR_CORRUPT:
 * not a DER SignedData. OST_ERR_UNSUPPORTED: a digest other than SHA-1 or
 * SHA-256. `out` (may be NULL) is filled on OST_OK and OST_NEGATIVE, except
 * for an unsigned SignedData, which leaves the signer fields empty. */
ost_status ost_pkcs7_verify(const uint8_t *der, size_t size, const char *name_for_messages,
                            const struct ost_der *trusted, size_t n_trusted, struct ost_pkcs7_verified *out,
                            struct ost_error *err);
void ost_pkcs7_verified_free(struct ost_pkcs7_verified *v);

#endif
