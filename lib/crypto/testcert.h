/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testcert.h — making a self-signed code-signing certificate and its key
 * for test-signing drivers (`offstage make-test-cert`), and writing them
 * out as .cer, .pem and .key files. What an image needs to trust such a
 * certificate is testsign.h's business; signing with it is signer.h and
 * sign.h.
 */
#ifndef OST_TESTCERT_H
#define OST_TESTCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "digest.h"
#include "error.h"

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

/* What ost_test_cert_write would refuse, without writing (a dry run): one
 * of the three files exists without `force`, or DIR (or, when DIR is still
 * to be made, its parent) takes no new files. */
ost_status ost_test_cert_check(const char *dir, const char *name, bool force, struct ost_error *err);
/* Writes DIR/NAME.cer (DER), DIR/NAME.pem (PEM) and DIR/NAME.key (PEM,
 * mode 0600). Each goes to a temporary in DIR that is renamed into place
 * once all three are written. Unless `force`, fails with OST_ERR_IO
 * before writing anything when one of the three exists. */
ost_status ost_test_cert_write(const struct ost_test_cert *c, const char *dir, const char *name, bool force,
                               struct ost_error *err);

#endif
