/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

ost_status ost_sha256_file(const char *path, char out[65], struct ost_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    enum { PIECE = 1 << 20 };
    uint8_t *buf = ost_xmalloc(PIECE);
    ost_status st = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1
                        ? OST_OK
                        : ost_fail(err, OST_ERR_NOMEM, "%s: cannot start SHA-256", path);
    for (ssize_t n; st == OST_OK && (n = read(fd, buf, PIECE)) != 0;) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            st = ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
        else if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            st = ost_fail(err, OST_ERR_IO, "%s: SHA-256 failed", path);
    }
    uint8_t md[32];
    unsigned len = 0;
    if (st == OST_OK && EVP_DigestFinal_ex(ctx, md, &len) != 1)
        st = ost_fail(err, OST_ERR_IO, "%s: SHA-256 failed", path);
    for (unsigned i = 0; st == OST_OK && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(ctx);
    free(buf);
    close(fd);
    return st;
}
