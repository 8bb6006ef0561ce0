/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * signer.h — the signer: an RSA private key and the certificate it
 * belongs to, loaded from files or memory (PEM or DER) and checked before
 * anything is signed with them. sign.h signs with it.
 */
#ifndef OST_SIGNER_H
#define OST_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "digest.h"
#include "error.h"

struct ost_signer;

struct ost_signer_options {
    bool allow_expired; /* accept a certificate outside its validity period */
    time_t now;         /* 0: the current time */
};

/* Loads an RSA private key and its certificate, each PEM or DER. Refused
 * (OST_ERR_CORRUPT or OST_ERR_UNSUPPORTED, the message naming the file):
 * a key file that holds no readable unencrypted private key; a certificate
 * file with no certificate, or with more than one (the message gives the
 * count: the signing certificate must be named on its own); a key that is
 * not the certificate's; a certificate that has expired or is not valid
 * yet (unless allow_expired); a key that is not RSA. */
ost_status ost_signer_load(const char *key_path, const char *cert_path, const struct ost_signer_options *opt,
                           struct ost_signer **out, struct ost_error *err);
/* The same from bytes in memory; the names are for messages. */
ost_status ost_signer_from_memory(const uint8_t *key, size_t key_size, const char *key_name, const uint8_t *cert,
                                  size_t cert_size, const char *cert_name, const struct ost_signer_options *opt,
                                  struct ost_signer **out, struct ost_error *err);
void ost_signer_free(struct ost_signer *s);
/* The certificate as DER (owned by the signer). */
const uint8_t *ost_signer_cert_der(const struct ost_signer *s, size_t *size);
const char *ost_signer_thumbprint(const struct ost_signer *s);
/* The subject as one line, "CN=offstage Test Signing". */
const char *ost_signer_subject(const struct ost_signer *s);

#endif
