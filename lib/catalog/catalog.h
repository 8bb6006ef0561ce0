/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * catalog.h — Windows catalog files (.cat): reading one into a typed model,
 * hashing files the way a catalog lists them, writing an unsigned catalog,
 * and checking a catalog's signature against trusted certificates.
 *
 * A catalog is a PKCS#7 SignedData whose content (type 1.3.6.1.4.1.311.10.1,
 * szOID_CTL) is a certificate trust list used as a list of files: each
 * member's subject identifier is its hash as uppercase hex in UTF-16LE, and
 * its attributes carry the file name ("File"), the OS versions ("OSAttr"),
 * the subject interface package that hashed it (member info) and the hash
 * itself (SpcIndirectDataContent: SPC_PE_IMAGE_DATA for the Authenticode
 * image hash of a PE file, 1.3.6.1.4.1.311.2.1.25 for a flat hash). The
 * catalog itself carries name-value attributes such as OSAttr "2:6.1" and
 * OS "7X64".
 *
 * The trust list is read with a DER reader of our own (der.h) so that every
 * malformed input is an OST_ERR_CORRUPT error naming the file, the offset
 * and the reason; nothing is read outside the buffer. The PKCS#7 envelope
 * (certificates, signers, signature) is read and verified with OpenSSL.
 */
#ifndef OST_CATALOG_H
#define OST_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arch.h"
#include "error.h"
#include "util.h"

/* Catalogs of real packages are kilobytes; ost_catalog_read_file refuses
 * more than this. */
#define OST_CATALOG_MAX_FILE (64u * 1024 * 1024)
#define OST_CATALOG_MAX_HASH 64

/* A name-value attribute (1.3.6.1.4.1.311.12.2.1): "File", "OSAttr", ... */
struct ost_cat_attr {
    char *name;
    uint32_t flags; /* 0x10010001: authenticated, ASCII name, text value */
    char *value;    /* UTF-8; base64 text when flags say so */
};

struct ost_cat_member {
    char *tag;                 /* the subject identifier as text (hex hash) */
    char *file;                /* the "File" attribute, NULL when absent */
    bool pe;                   /* SPC_PE_IMAGE_DATA: Authenticode image hash */
    bool has_hash;             /* carries an SpcIndirectDataContent */
    char *hash_alg;            /* "sha1", "sha256", ... or the OID's text */
    uint8_t hash[OST_CATALOG_MAX_HASH];
    size_t hash_len;
    char *subject_guid;        /* member info: the SIP that hashed it, or NULL */
    struct ost_cat_attr *attrs;
    size_t nattrs;
    size_t offset;             /* of the member in the file */
};

struct ost_cat_cert {
    char *subject, *issuer;    /* one-line RFC 2253 names */
    char *serial;              /* hex */
    char *thumbprint;          /* SHA-1 of the DER, uppercase hex */
    char *not_before, *not_after; /* ISO 8601 UTC */
};

struct ost_cat_signer {
    char *issuer, *serial;     /* the certificate it names */
    int cert;                  /* index into certs, -1 when not included */
    char *digest_alg;
    char *signing_time;        /* ISO 8601 UTC, NULL when not signed in */
};

struct ost_catalog {
    char *name;                /* for messages */
    uint8_t *der;              /* the whole file */
    size_t der_size;
    size_t ctl_offset, ctl_header, ctl_size; /* the trust list's TLV */
    char *list_id;             /* hex, NULL when absent */
    char *this_update;         /* ISO 8601 UTC */
    char *member_alg;          /* subject algorithm OID text */
    struct ost_cat_attr *attrs; /* catalog-level name-value attributes */
    size_t nattrs;
    struct ost_cat_member *members;
    size_t nmembers;
    struct ost_strlist digest_algs; /* SignedData digestAlgorithms */
    struct ost_cat_cert *certs;
    size_t ncerts;
    struct ost_cat_signer *signers;
    size_t nsigners;
};

/* Parses a catalog (`size` bytes; a copy is kept). */
ost_status ost_catalog_parse(const uint8_t *data, size_t size, const char *name_for_messages,
                             struct ost_catalog **out, struct ost_error *err);
/* Reads and parses a file of at most OST_CATALOG_MAX_FILE bytes. */
ost_status ost_catalog_read_file(const char *path, struct ost_catalog **out, struct ost_error *err);
void ost_catalog_free(struct ost_catalog *cat);

/* The value of a catalog-level or member attribute, compared by name
 * case-insensitively; NULL when absent. */
const char *ost_catalog_attr(const struct ost_catalog *cat, const char *name);
const char *ost_cat_member_attr(const struct ost_cat_member *m, const char *name);

/* Does OSAttr (e.g. "2:5.1,2:6.0,2:6.1") name Windows NT major.minor? */
bool ost_cat_osattr_covers(const char *osattr, unsigned major, unsigned minor);

/* ---- hashing files as a catalog does ------------------------------------ */

/* How Windows hashes a file for a catalog lookup: a PE image (one whose
 * headers parse and whose Authenticode hash is defined) by its Authenticode
 * image hash, anything else flat. alg is "sha1" or "sha256". */
struct ost_cat_file_hash {
    bool pe;
    uint8_t hash[OST_CATALOG_MAX_HASH];
    size_t len;
};
ost_status ost_cat_hash_file(const char *path, const char *alg, struct ost_cat_file_hash *out,
                             struct ost_error *err);
ost_status ost_cat_hash_bytes(const uint8_t *data, size_t size, const char *name, const char *alg,
                              struct ost_cat_file_hash *out, struct ost_error *err);
/* Uppercase hex of a hash: the member tag Windows looks up. */
char *ost_cat_hex(const uint8_t *p, size_t n);

/* ---- writing ---------------------------------------------------------------- */

struct ost_cat_new_member {
    const char *file;          /* the "File" attribute (a file name) */
    struct ost_cat_file_hash hash; /* SHA-1, from ost_cat_hash_file */
};

struct ost_cat_spec {
    const struct ost_cat_new_member *members;
    size_t nmembers;
    const char *osattr;        /* e.g. "2:6.1"; on the catalog and each member */
    const char *os;            /* e.g. "7X86,7X64"; catalog-level; may be NULL */
    const struct ost_strlist *hwids; /* catalog-level HWID1..n; may be NULL */
    time_t this_update;
};

/* The DER of an unsigned catalog (SignedData with no signer, as Inf2Cat
 * writes before signing): SHA-1 member hashes, members sorted by tag, a
 * list identifier derived from the members so the same input gives the
 * same bytes. Signing is a separate step (the sign module) over the bytes
 * ost_catalog_signed_content returns. */
void ost_catalog_build(const struct ost_cat_spec *spec, struct ost_buf *der);

/* The bytes a catalog signature's message digest covers: the content of
 * the trust list's SEQUENCE, without its tag and length. */
void ost_catalog_signed_content(const struct ost_catalog *cat, const uint8_t **p, size_t *n);

/* ---- signature ---------------------------------------------------------------- */

enum ost_cat_sig_status {
    OST_CAT_SIG_UNSIGNED,   /* no signer */
    OST_CAT_SIG_INVALID,    /* the signature does not verify over the content */
    OST_CAT_SIG_UNVERIFIED, /* verifies; no trusted certificate was given to chain to */
    OST_CAT_SIG_UNTRUSTED,  /* verifies, but the signer chains to no trusted certificate */
    OST_CAT_SIG_TRUSTED,    /* verifies and chains to a trusted certificate */
};

struct ost_cat_verdict {
    enum ost_cat_sig_status status;
    char reason[512];
    char *signer;           /* subject of the signing certificate, or NULL */
    char *anchor;           /* subject of the trusted certificate it chains to */
    char *signer_thumbprint, *anchor_thumbprint; /* SHA-1, uppercase hex, or NULL */
    /* A release signature: the anchor is one of Microsoft's code-signing
     * roots (WHQL), or the catalog carries a cross-certificate from
     * Microsoft Code Verification Root to the anchor (cross-signed), both
     * by name. Windows x64 loads such drivers without test-signing. Only
     * meaningful when TRUSTED. */
    bool microsoft_root;
};

/* Certificates a signature may chain to (from --trust files, or from the
 * target image's ROOT and TrustedPublisher stores). */
struct ost_cat_trust;
struct ost_cat_trust *ost_cat_trust_new(void);
/* A certificate file, DER or PEM (every certificate in a PEM file). */
ost_status ost_cat_trust_add_file(struct ost_cat_trust *t, const char *path, struct ost_error *err);
ost_status ost_cat_trust_add_der(struct ost_cat_trust *t, const uint8_t *der, size_t n, const char *name,
                                 struct ost_error *err);
size_t ost_cat_trust_count(const struct ost_cat_trust *t);
void ost_cat_trust_free(struct ost_cat_trust *t);

/* Checks the first signer: its signature over the content (message digest
 * and signed attributes), then the chain from its certificate (through
 * the catalog's other certificates) to one in `trust` (may be NULL).
 * Extended Key Usage and other purpose restrictions are not checked: for
 * drivers Windows decides that by policy (test-signing, kernel-mode code
 * signing), not by the chain. Validity periods are checked at the current
 * time. Fails only on OST_ERR_NOMEM-like library failures. */
ost_status ost_catalog_verify(const struct ost_catalog *cat, const struct ost_cat_trust *trust,
                              struct ost_cat_verdict *out, struct ost_error *err);
/* The same check on any DER PKCS#7 SignedData whose content is a SEQUENCE,
 * such as the Authenticode signature a PE image embeds (the contents of
 * its WIN_CERTIFICATE): the message digest is over the content's value.
 * OST_ERR_CORRUPT when der is not such a SignedData. Whether the signed
 * hash is that of a file is the caller's business. */
ost_status ost_signed_data_verify(const uint8_t *der, size_t size, const char *name_for_messages,
                                  const struct ost_cat_trust *trust, struct ost_cat_verdict *out,
                                  struct ost_error *err);
void ost_cat_verdict_free(struct ost_cat_verdict *v);
/* The digest algorithm ("sha1", "sha256", ...) of the first signer of a
 * DER PKCS#7 SignedData, such as a PE image's embedded signature, into
 * out: what Windows must be able to verify. OST_ERR_CORRUPT when der is
 * not SignedData or has no signer. */
ost_status ost_signed_data_digest(const uint8_t *der, size_t size, const char *name_for_messages, char *out,
                                  size_t out_size, struct ost_error *err);
const char *ost_cat_sig_status_name(enum ost_cat_sig_status s);

#endif
