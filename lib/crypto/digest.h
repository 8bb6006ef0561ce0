/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * digest.h — the digest algorithms a Windows code signature may use, and
 * the certificate thumbprint Windows shows. Shared by testcert.h (the
 * certificate's self-signature), sign.h (signatures) and cert.h (the
 * thumbprint).
 *
 * Windows 7 SP1 without KB3033929 verifies SHA-1 signatures only in kernel
 * mode (driver loading and boot-start drivers), so OST_DIGEST_SHA1 is the
 * default everywhere: it is what an unpatched Windows 7 accepts both in
 * user mode (PnP installation) and in kernel mode. OST_DIGEST_SHA256 is for
 * Windows 7 with KB3033929 and every later Windows.
 */
#ifndef OST_DIGEST_H
#define OST_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum ost_digest {
    OST_DIGEST_SHA1 = 0, /* the default: what unpatched Windows 7 verifies */
    OST_DIGEST_SHA256,
} ost_digest;

/* "sha1" or "sha256". */
const char *ost_digest_name(ost_digest d);
/* Its object identifier as dotted text (oid.h). */
const char *ost_digest_oid(ost_digest d);
/* Parses "sha1"/"sha256" (also "sha-1", "sha-256", any case). */
bool ost_digest_parse(const char *name, ost_digest *out);

/* SHA-1 of a certificate's DER, 40 uppercase hex digits: the thumbprint
 * Windows shows and names the certificate-store key after. */
#define OST_THUMBPRINT_LEN 40
void ost_cert_thumbprint(const uint8_t *der, size_t size, char out[OST_THUMBPRINT_LEN + 1]);

/* SHA-256 of a file's content, 64 lowercase hex digits (as sha256sum
 * prints it), read in pieces: files of any size. */
ost_status ost_sha256_file(const char *path, char out[65], struct ost_error *err);

#endif
