/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cert.h — X.509 certificates read from DER or PEM, the one way every
 * command loads a certificate file: the caller states whether the file
 * must hold exactly one certificate (one to add to a store, the signing
 * certificate) or may be a bundle (certificates to trust). Certificates
 * are read with OpenSSL; the DER bytes are kept as given, since the
 * thumbprint is the hash of exactly those bytes.
 */
#ifndef OST_CERT_H
#define OST_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Certificate files are a few kilobytes. */
#define OST_CERT_MAX_FILE (1u << 20)

/* One X.509 certificate: its DER as given and what people read in it. */
struct ost_cert {
    uint8_t *der;
    size_t der_len;
    char thumbprint[41];     /* SHA-1 of der, uppercase hex */
    char *subject, *issuer;  /* RFC 2253 ("CN=x,O=y"), as `openssl x509 -nameopt RFC2253` */
    char *serial;            /* uppercase hex, as `openssl x509 -serial` */
    char *not_before, *not_after; /* "2026-01-10T12:00:00Z" */
    bool is_ca;              /* basicConstraints CA:TRUE */
};

/* Parses one DER certificate; every byte must belong to it. `name` (a file
 * name, a key) is used in messages. */
ost_status ost_cert_from_der(const uint8_t *der, size_t len, const char *name, struct ost_cert *out,
                             struct ost_error *err);
void ost_cert_free(struct ost_cert *c);

enum ost_cert_policy {
    /* exactly one certificate: a PEM file with several is refused with the
     * count, because which one is meant is ambiguous (and trusting a whole
     * chain as a root is rarely what was meant) */
    OST_CERT_LOAD_ONE,
    /* one or more: a DER certificate, or every CERTIFICATE block of a PEM
     * file, in order */
    OST_CERT_LOAD_BUNDLE,
};

/* Reads certificates from bytes that are one DER certificate or PEM text
 * (blocks other than CERTIFICATE, such as a private key, are skipped; a
 * block that cannot be decoded is refused). *certs is malloc'd with *n
 * entries, at least one; free it with ost_certs_free. Messages name
 * `name`, the PEM block or offset, and the reason. */
ost_status ost_cert_load_bytes(const uint8_t *data, size_t size, const char *name, enum ost_cert_policy policy,
                               struct ost_cert **certs, size_t *n, struct ost_error *err);
/* The same from a file of at most OST_CERT_MAX_FILE bytes. */
ost_status ost_cert_load(const char *path, enum ost_cert_policy policy, struct ost_cert **certs, size_t *n,
                         struct ost_error *err);
void ost_certs_free(struct ost_cert *certs, size_t n);

#endif
