/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: certificate store Blobs and the certificate inside. */
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
    return 0;
}
