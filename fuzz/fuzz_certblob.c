/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: certificate store Blobs and the certificate inside,
 * and the same bytes as a certificate file (DER or PEM) under both
 * policies. */
#include <stddef.h>
#include <stdint.h>

#include "certstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ost_cert_blob blob;
    struct ost_cert cert;
    struct ost_error err;
    if (ost_cert_blob_parse(data, size, "fuzz", &blob, &err) == OST_OK &&
        ost_cert_from_der(blob.der, blob.der_len, "fuzz", &cert, &err) == OST_OK)
        ost_cert_free(&cert);
    /* the same bytes as a bare certificate (a --cert file in DER) */
    if (ost_cert_from_der(data, size, "fuzz", &cert, &err) == OST_OK)
        ost_cert_free(&cert);
    struct ost_cert *certs;
    size_t n;
    if (ost_cert_load_bytes(data, size, "fuzz", OST_CERT_LOAD_ONE, &certs, &n, &err) == OST_OK)
        ost_certs_free(certs, n);
    if (ost_cert_load_bytes(data, size, "fuzz", OST_CERT_LOAD_BUNDLE, &certs, &n, &err) == OST_OK)
        ost_certs_free(certs, n);
    return 0;
}
