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

#ifndef OST_BUILDING_LIBRARY
#error "catalog_internal.h is private to liboffstage; a program includes offstage.h"
#endif

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "catalog.h"
#include "oid.h"

#define NAME_VALUE_FLAGS 0x10010001u /* authenticated, ASCII name, text value */
#define NAME_VALUE_BASE64 0x00020000u

/* Fills the model's certificates and signers from the PKCS#7 envelope. */
ost_status ost_cat_read_signers(struct ost_catalog *c, struct ost_error *err);
/* The catalog as OpenSSL's PKCS7 SignedData, or NULL with an
 * OST_ERR_CORRUPT error. */
PKCS7 *ost_cat_load_pkcs7(const struct ost_catalog *c, struct ost_error *err);

#endif
