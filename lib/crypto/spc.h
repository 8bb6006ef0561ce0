/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * spc.h — the Authenticode structure both a catalog member and a PE
 * signature carry, SpcIndirectDataContent (the hash of what is signed and
 * how it was hashed), written with der.h the way signtool and Inf2Cat
 * write it. Layout: Microsoft's "Windows Authenticode Portable Executable
 * Signature Format".
 */
#ifndef OST_SPC_H
#define OST_SPC_H

#ifndef OST_BUILDING_LIBRARY
#error "spc.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Appends SpcIndirectDataContent: for a PE image, SpcPeImageData (flags
 * empty, file "<<<Obsolete>>>"); for anything else, a flat-hash type with
 * the same link; then the hash as a DigestInfo under the digest algorithm
 * `digest_oid` (oid.h) with NULL parameters. */
void ost_spc_put_indirect_data(struct ost_buf *b, bool pe_image, const char *digest_oid, const uint8_t *hash,
                               size_t hash_len);

#endif
