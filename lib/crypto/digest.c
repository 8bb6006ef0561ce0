/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "digest.h"

#include <openssl/evp.h>

#include "oid.h"
#include "sign_internal.h"
#include "util.h"

const char *ost_digest_name(ost_digest d)
{
    return d == OST_DIGEST_SHA256 ? "sha256" : "sha1";
}

const char *ost_digest_oid(ost_digest d)
{
    return d == OST_DIGEST_SHA256 ? OID_SHA256 : OID_SHA1;
}

bool ost_digest_parse(const char *name, ost_digest *out)
{
    if (ost_streq_ci(name, "sha1") || ost_streq_ci(name, "sha-1"))
        return *out = OST_DIGEST_SHA1, true;
    if (ost_streq_ci(name, "sha256") || ost_streq_ci(name, "sha-256"))
        return *out = OST_DIGEST_SHA256, true;
    return false;
}

const EVP_MD *ost_digest_md(ost_digest d)
{
    return d == OST_DIGEST_SHA256 ? EVP_sha256() : EVP_sha1();
}

static void hex_upper(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void ost_cert_thumbprint(const uint8_t *der, size_t size, char out[OST_THUMBPRINT_LEN + 1])
{
    uint8_t md[20];
    unsigned len = 0;
    EVP_Digest(der, size, md, &len, EVP_sha1(), NULL);
    hex_upper(md, sizeof md, out);
}
