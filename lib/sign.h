/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sign.h — code signing the way Windows checks it: test certificates,
 * loading a signer (private key and certificate), Authenticode signatures
 * on catalogs (.cat) and on PE images (.sys, .dll, .exe), and the check of
 * a PKCS#7 SignedData signature against trusted certificates. The module
 * owns the PKCS#7 and X.509 work (through OpenSSL 3 libcrypto) and the
 * embedded-signature layout of a PE file; PE parsing and the image hash
 * come from pe.h, catalog contents are opaque bytes here.
 *
 * Digests. Windows 7 SP1 without KB3033929 verifies SHA-1 signatures only
 * in kernel mode (driver loading and boot-start drivers), so OST_DIGEST_SHA1
 * is the default everywhere: it is what an unpatched Windows 7 accepts
 * both in user mode (PnP installation) and in kernel mode. OST_DIGEST_SHA256
 * is for Windows 7 with KB3033929 and every later Windows.
 *
 * A signature carries no signing time and no timestamp: signing the same
 * bytes with the same key gives the same bytes (RSA PKCS#1 v1.5 is
 * deterministic), and Windows' kernel-mode check does not look at time.
 */
#ifndef OST_SIGN_H
#define OST_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"

typedef enum ost_digest {
    OST_DIGEST_SHA1 = 0, /* the default: what unpatched Windows 7 verifies */
    OST_DIGEST_SHA256,
} ost_digest;

/* "sha1" or "sha256". */
const char *ost_digest_name(ost_digest d);
/* Parses "sha1"/"sha256" (also "sha-1", "sha-256", any case). */
bool ost_digest_parse(const char *name, ost_digest *out);

/* SHA-1 of a certificate's DER, 40 uppercase hex digits: the thumbprint
 * Windows shows and names the certificate-store key after. */
#define OST_THUMBPRINT_LEN 40
void ost_cert_thumbprint(const uint8_t *der, size_t size, char out[OST_THUMBPRINT_LEN + 1]);

/* --- test certificates --------------------------------------------------- */

#define OST_TEST_CERT_DEFAULT_CN "offstage Test Signing"
#define OST_TEST_CERT_DEFAULT_DAYS 3650
/* The validity starts this long before now, so that a target whose clock
 * is behind (or in another time zone) already accepts it. */
#define OST_TEST_CERT_BACKDATE_SECONDS (24 * 60 * 60)

struct ost_test_cert_request {
    const char *subject_cn; /* NULL: OST_TEST_CERT_DEFAULT_CN */
    time_t not_before;      /* 0: now - OST_TEST_CERT_BACKDATE_SECONDS */
    time_t not_after;       /* 0: not_before + OST_TEST_CERT_DEFAULT_DAYS days */
    ost_digest digest;      /* of the certificate's self-signature */
};

struct ost_test_cert {
    uint8_t *cert_der;
    size_t cert_der_size;
    char *cert_pem; /* "-----BEGIN CERTIFICATE-----..." */
    char *key_pem;  /* unencrypted PKCS#8 "-----BEGIN PRIVATE KEY-----..." */
    char thumbprint[OST_THUMBPRINT_LEN + 1];
};

/* A self-signed code-signing certificate and its new RSA 2048 key: subject
 * and issuer CN=subject_cn, X.509 v3, random positive 128-bit serial,
 * basicConstraints CA:FALSE (critical), keyUsage digitalSignature
 * (critical), extendedKeyUsage codeSigning, subject key identifier. Such a
 * certificate is its own trust anchor: Windows trusts it once it is in the
 * machine's ROOT and TrustedPublisher stores, as with `makecert -r`. */
ost_status ost_make_test_cert(const struct ost_test_cert_request *req, struct ost_test_cert *out,
                              struct ost_error *err);
void ost_test_cert_free(struct ost_test_cert *c);

/* Writes DIR/NAME.cer (DER), DIR/NAME.pem (PEM) and DIR/NAME.key (PEM,
 * mode 0600). Each goes to a temporary in DIR that is renamed into place
 * once all three are written. Unless `force`, fails with OST_ERR_IO
 * before writing anything when one of the three exists. */
ost_status ost_test_cert_write(const struct ost_test_cert *c, const char *dir, const char *name, bool force,
                               struct ost_error *err);

/* --- the signer ---------------------------------------------------------- */

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

/* --- signing ------------------------------------------------------------- */

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

/* --- verification -------------------------------------------------------- */

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
