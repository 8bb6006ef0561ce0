/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sign_internal.h — the OpenSSL work the code-signing modules share:
 * digest.c (the EVP digest of an ost_digest), sign_openssl.c (DER
 * encoding, reading a SignedData), signer.c (the key and certificate
 * behind a signer) and sign_data.c (building a SignedData, which sign.c
 * puts around a catalog's content and sign_pe.c wraps into a PE image).
 * Users are testcert.c, signer.c, the sign*.c files and catalog_verify.c.
 * Not part of liboffstage's interface.
 */
#ifndef OST_SIGN_INTERNAL_H
#define OST_SIGN_INTERNAL_H

#ifndef OST_BUILDING_LIBRARY
#error "sign_internal.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "digest.h"
#include "error.h"
#include "openssl_error.h"
#include "signer.h"

const EVP_MD *ost_digest_md(ost_digest d);

/* Length of a DER tag-and-length header, or 0 when it is not one that
 * fits in `size` bytes. Only the low-tag-number form: every structure
 * signed here starts with SEQUENCE. */
size_t ost_der_header_size(const uint8_t *p, size_t size);

/* The DER of a certificate or a PKCS7, malloc'd; OST_ERR_CORRUPT naming
 * `name` when OpenSSL cannot encode it. */
ost_status ost_x509_der(const X509 *x, uint8_t **out, size_t *out_size, const char *name, struct ost_error *err);
ost_status ost_pkcs7_der(const PKCS7 *p7, uint8_t **out, size_t *out_size, const char *name,
                         struct ost_error *err);

/* A DER PKCS#7 SignedData, or NULL for anything else. */
PKCS7 *ost_pkcs7_parse_signed(const uint8_t *data, size_t size);
/* The content's DER (tag and length included) when it is a SEQUENCE. */
const ASN1_STRING *ost_pkcs7_signed_content(const PKCS7 *p7);

/* The signer's key and certificate (owned by the signer). */
EVP_PKEY *ost_signer_key(const struct ost_signer *s);
X509 *ost_signer_x509(const struct ost_signer *s);

/* Signs `content` (a DER SEQUENCE of type content_oid) into a new
 * SignedData with signtool's authenticated attributes. */
ost_status ost_sign_content(const struct ost_signer *s, ost_digest d, const char *content_oid,
                            const uint8_t *content, size_t size, const char *name, uint8_t **out, size_t *out_size,
                            struct ost_error *err);

#endif
