/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sign.h — producing Authenticode signatures the way Windows checks them:
 * on catalogs (.cat) and embedded in PE images (.sys, .dll, .exe), from
 * bytes or on a file in place. The module owns the SignedData it builds
 * (sign_data.c), catalogs and files of either kind (sign.c) and the
 * embedded-signature layout of a PE file (sign_pe.c); the
 * key and certificate come from signer.h, PE parsing and the image hash
 * from pe.h, catalog contents are opaque bytes here. Checking a signature
 * is catalog.h (ost_signed_data_verify, ost_catalog_verify).
 *
 * A signature carries no signing time and no timestamp: signing the same
 * bytes with the same key gives the same bytes (RSA PKCS#1 v1.5 is
 * deterministic), and Windows' kernel-mode check does not look at time.
 */
#ifndef OST_SIGN_H
#define OST_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "signer.h"

typedef enum ost_sign_kind {
    OST_SIGN_UNKNOWN = 0,
    OST_SIGN_CATALOG, /* PKCS#7 SignedData with a certificate trust list (1.3.6.1.4.1.311.10.1) */
    OST_SIGN_PE,      /* a PE image ("MZ" and a PE header) */
} ost_sign_kind;

/* What a file is, from its content alone. */
ost_sign_kind ost_sign_detect(const uint8_t *data, size_t size);
/* "catalog", "pe" or "unknown". */
const char *ost_sign_kind_name(ost_sign_kind k);

/* A new SignedData around the catalog's content (content type and content
 * bytes kept exactly), with one signer: digest algorithm `d`,
 * authenticated attributes contentType, messageDigest, SpcSpOpusInfo
 * (1.3.6.1.4.1.311.2.1.12, empty) and SpcStatementType individual code
 * signing (1.3.6.1.4.1.311.2.1.11), as signtool writes them; the signer
 * certificate included. Any earlier signature is replaced. *out is
 * malloc'd. */
ost_status ost_sign_catalog(const struct ost_signer *s, ost_digest d, const uint8_t *cat, size_t size,
                            const char *name_for_messages, uint8_t **out, size_t *out_size, struct ost_error *err);

/* The PE image with an embedded Authenticode signature: SpcIndirectDataContent
 * (SpcPeImageData and the image hash in digest `d`) signed as above, in a
 * WIN_CERTIFICATE (revision 0x0200, PKCS_SIGNED_DATA) padded to 8 bytes and
 * appended after the image padded to 8 bytes; data directory 4 points at
 * it and the PE checksum is recomputed. An existing signature is replaced,
 * never nested. OST_ERR_UNSUPPORTED when the image has no data directory
 * 4; OST_ERR_CORRUPT when its certificate table is not at the end. */
ost_status ost_sign_pe(const struct ost_signer *s, ost_digest d, const uint8_t *pe, size_t size,
                       const char *name_for_messages, uint8_t **out, size_t *out_size, struct ost_error *err);

/* Detects the kind and signs; OST_ERR_UNSUPPORTED for anything else. */
ost_status ost_sign_bytes(const struct ost_signer *s, ost_digest d, const uint8_t *data, size_t size,
                          const char *name_for_messages, ost_sign_kind *kind, uint8_t **out, size_t *out_size,
                          struct ost_error *err);

/* Signs a file in place: the signed bytes go to a temporary next to it
 * (same permissions) that is renamed over it. On failure the file is
 * untouched. `kind` (may be NULL) says what it was. */
ost_status ost_sign_file(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                         struct ost_error *err);
/* A dry run of ost_sign_file: the file is read and signed in memory and
 * its folder checked for the temporary, so it fails where the real run
 * would; nothing is written. */
ost_status ost_sign_file_check(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                               struct ost_error *err);

#endif
