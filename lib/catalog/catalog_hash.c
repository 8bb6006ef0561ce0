/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog: hashing a file the way a catalog lists it (Authenticode image
 * hash for a PE file, flat hash otherwise). */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "pe.h"
#include "fileutil.h"

char *ost_cat_hex(const uint8_t *p, size_t n)
{
    char *s = ost_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        snprintf(s + 2 * i, 3, "%02X", p[i]);
    s[2 * n] = '\0';
    return s;
}

static void md_update(void *ctx, const void *p, size_t n)
{
    EVP_DigestUpdate(ctx, p, n);
}

ost_status ost_cat_hash_bytes(const uint8_t *data, size_t size, const char *name, const char *alg,
                              struct ost_cat_file_hash *out, struct ost_error *err)
{
    const EVP_MD *md = EVP_get_digestbyname(alg);
    if (!md)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: hash algorithm %s is not available", name, alg);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL)) {
        EVP_MD_CTX_free(ctx);
        return ost_fail(err, OST_ERR_NOMEM, "%s: cannot start a %s hash", name, alg);
    }
    struct ost_pe_info pe;
    struct ost_error ignored;
    bool parsed = ost_pe_parse(data, size, name, &pe, &ignored) == OST_OK;
    out->pe = parsed && ost_pe_authenticode_feed(data, size, &pe, md_update, ctx);
    if (parsed)
        ost_pe_info_free(&pe);
    if (!out->pe)
        EVP_DigestUpdate(ctx, data, size);
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, out->hash, &n);
    out->len = n;
    EVP_MD_CTX_free(ctx);
    return OST_OK;
}

ost_status ost_cat_hash_file(const char *path, const char *alg, struct ost_cat_file_hash *out, struct ost_error *err)
{
    uint8_t *data;
    size_t size;
    ost_status st = ost_read_file(path, OST_PE_MAX_FILE, &data, &size, err);
    if (st != OST_OK)
        return st;
    st = ost_cat_hash_bytes(data, size, path, alg, out, err);
    free(data);
    return st;
}
