/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * certstore.h — the machine certificate stores of an offline Windows and the
 * Blob format Windows writes into them.
 *
 * A machine store is SOFTWARE\Microsoft\SystemCertificates\<STORE>, with the
 * subkeys Certificates, CRLs and CTLs. Each certificate is a key under
 * Certificates named by its SHA-1 thumbprint (40 uppercase hex digits) with
 * one REG_BINARY value, Blob: a list of properties, each
 *   u32 id, u32 reserved (1), u32 length, length bytes    (little-endian)
 * Windows writes property 3 (the SHA-1 hash, 20 bytes) first and property
 * 0x20 (the certificate's DER) last; it may add others between them (0x0B
 * friendly name, 0x14 key identifier, 0x19 ...). Test-signed drivers load
 * when their signing certificate is in ROOT and in TrustedPublisher.
 *
 * Certificates (struct ost_cert, loading them from files) are cert.h.
 */
#ifndef OST_CERTSTORE_H
#define OST_CERTSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "error.h"
#include "image.h"

#define OST_CERTSTORE_KEY "Microsoft\\SystemCertificates"

enum {
    OST_CERT_PROP_SHA1_HASH = 0x03,
    OST_CERT_PROP_CERTIFICATE = 0x20,
};

/* Checks that s is 40 hex digits (colons and spaces, as tools print
 * fingerprints, are skipped) and writes it uppercase into out. */
bool ost_thumbprint_parse(const char *s, char out[41]);

/* ---- Blob -------------------------------------------------------------------- */

/* The Blob Windows writes for a certificate: property 3 (SHA-1) then 0x20
 * (the DER). The caller frees *blob. */
void ost_cert_blob_build(const struct ost_cert *c, uint8_t **blob, size_t *len);

/* What a Blob holds. Pointers point into the parsed bytes. */
struct ost_cert_blob {
    const uint8_t *der;      /* property 0x20 */
    size_t der_len;
    const uint8_t *sha1;     /* property 3 when it is 20 bytes, else NULL */
    bool hash_matches;       /* sha1 is the SHA-1 of der */
    size_t nprops;
};
/* Walks the property list, checking every length against the bytes left.
 * Errors name `where` (the key) and the offset. */
ost_status ost_cert_blob_parse(const uint8_t *blob, size_t len, const char *where, struct ost_cert_blob *out,
                               struct ost_error *err);

/* ---- stores ------------------------------------------------------------------ */

/* The stores test-signing needs, add-cert's and remove-cert's default. */
extern const char *const ost_certstore_default_stores[2];

/* Checks a store name: an existing store of the image, or a standard machine
 * store (ROOT, CA, TrustedPublisher, ...; case-insensitive). Writes the name
 * to use as the key into *canonical (caller frees). Refuses others, so that a
 * misspelt store is not created. */
ost_status ost_certstore_check_name(struct ost_image *img, const char *store, char **canonical,
                                    struct ost_error *err);

enum ost_cert_action {
    OST_CERT_ADD,      /* not in the store */
    OST_CERT_PRESENT,  /* already there with a valid Blob: nothing to do */
    OST_CERT_REPLACE,  /* the thumbprint's key exists but its Blob is missing, malformed or another certificate */
};
const char *ost_cert_action_name(enum ost_cert_action a);

/* Why adding c to store would not do what it is for, or NULL: a CA
 * certificate (basicConstraints CA:TRUE) in TrustedPublisher trusts
 * nothing there, since Windows counts only the end-entity certificate
 * that signed (Microsoft, "Trusted Publishers Certificate Store",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/trusted-publishers-certificate-store).
 * The caller frees it. */
char *ost_certstore_add_warning(const char *store, const struct ost_cert *c);

/* What adding c to store would do; *reason (caller frees, may be NULL) says
 * why an existing entry would be replaced. Changes nothing. */
ost_status ost_certstore_plan_add(struct ost_image *img, const char *store, const struct ost_cert *c,
                                  enum ost_cert_action *action, char **reason, struct ost_error *err);
/* Adds c to store (creating SystemCertificates, the store and its
 * Certificates, CRLs and CTLs keys when missing). Writes nothing when the
 * certificate is already present. The image must be writable; the caller
 * commits it. */
ost_status ost_certstore_add(struct ost_image *img, const char *store, const struct ost_cert *c,
                             enum ost_cert_action *action, struct ost_error *err);

/* Removes the thumbprint's entry from store: OST_NEGATIVE when it is not
 * there. */
ost_status ost_certstore_remove(struct ost_image *img, const char *store, const char *thumbprint,
                                struct ost_error *err);
/* Whether store has an entry for the thumbprint, whatever its Blob holds:
 * what ost_certstore_remove would remove (a dry run's question). */
bool ost_certstore_has_entry(struct ost_image *img, const char *store, const char *thumbprint);

/* Whether store holds the certificate with this thumbprint, with a Blob
 * Windows would accept (well-formed, its certificate hashing to the
 * thumbprint). */
bool ost_certstore_has(struct ost_image *img, const char *store, const char *thumbprint);

/* One entry of a store, as listed. */
struct ost_certstore_entry {
    char *store;             /* the store key's name */
    char *key;               /* the entry key's name (normally the thumbprint) */
    struct ost_cert cert;    /* from the Blob; der is NULL when it could not be read */
    bool has_hash;           /* the Blob has a 20-byte property 3 */
    bool hash_matches;       /* ... equal to the SHA-1 of the certificate */
    bool key_matches;        /* the key's name is the certificate's thumbprint */
    char *problem;           /* why Windows would not use this entry, or NULL */
};
struct ost_certstore_list {
    struct ost_certstore_entry *v;
    size_t n, cap;
};
/* Lists the certificates of the named stores (every store when stores is
 * NULL or empty). A malformed entry is listed with its problem, which names
 * the key and offset; it does not fail the listing. */
ost_status ost_certstore_list(struct ost_image *img, const struct ost_strlist *stores,
                              struct ost_certstore_list *out, struct ost_error *err);
void ost_certstore_list_free(struct ost_certstore_list *l);

#endif
