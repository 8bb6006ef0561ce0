/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * catalog_internal.h — what the parts of catalog.h share: catalog.c reads
 * the trust list into the model, catalog_signers.c the PKCS#7 certificates
 * and signer infos (OpenSSL), catalog_hash.c hashes files as a catalog
 * lists them, catalog_build.c writes an unsigned catalog, catalog_verify.c
 * checks a signature and its chain of trust. Not part of liboffstage's
 * interface.
 */
#ifndef OST_CATALOG_INTERNAL_H
#define OST_CATALOG_INTERNAL_H

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "catalog.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_CTL "1.3.6.1.4.1.311.10.1"
#define OID_CATALOG_LIST "1.3.6.1.4.1.311.12.1.1"
#define OID_CATALOG_MEMBER "1.3.6.1.4.1.311.12.1.2"
#define OID_NAME_VALUE "1.3.6.1.4.1.311.12.2.1"
#define OID_MEMBER_INFO "1.3.6.1.4.1.311.12.2.2"
#define OID_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_PE_IMAGE_DATA "1.3.6.1.4.1.311.2.1.15"
#define OID_FLAT_DATA "1.3.6.1.4.1.311.2.1.25"
#define OID_SHA1 "1.3.14.3.2.26"

#define NAME_VALUE_FLAGS 0x10010001u /* authenticated, ASCII name, text value */
#define NAME_VALUE_BASE64 0x00020000u

/* "sha1", "sha256", ... for a digest algorithm's OID; the OID itself when
 * it is none we know. */
const char *ost_cat_digest_name(const char *oid);

/* Fills the model's certificates and signers from the PKCS#7 envelope. */
ost_status ost_cat_read_signers(struct ost_catalog *c, struct ost_error *err);
/* The catalog as OpenSSL's PKCS7 SignedData, or NULL with an
 * OST_ERR_CORRUPT error. */
PKCS7 *ost_cat_load_pkcs7(const struct ost_catalog *c, struct ost_error *err);
/* A one-line RFC 2253 name. */
/* SHA-1 of the certificate's DER, uppercase hex. */

#endif
