/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "oid.h"
#include "pe.h"
#include "sign_internal.h"
#include "spc.h"
#include "util.h"

#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define WIN_CERT_HEADER_SIZE 8

/* The image without its signature, padded to 8 bytes, with data directory
 * 4 cleared: what the signature will be appended to. */
static ost_status unsigned_image(const uint8_t *data, size_t size, const char *name, struct ost_buf *out,
                                 struct ost_error *err)
{
    struct ost_pe_info pe;
    ost_status st = ost_pe_parse(data, size, name, &pe, err);
    if (st != OST_OK)
        return st;
    size_t keep = size;
    if (pe.cert_dir_offset == 0)
        st = ost_fail(err, OST_ERR_UNSUPPORTED,
                      "%s: the optional header has %u data directories, no certificate table (directory 4); "
                      "the image cannot carry an embedded signature", name, pe.number_of_rva_and_sizes);
    else if (pe.has_certificate_table && (uint64_t)pe.cert_table_offset + pe.cert_table_size != size)
        st = ost_fail(err, OST_ERR_CORRUPT,
                      "%s: offset 0x%x: the certificate table is followed by %llu more bytes; Windows rejects "
                      "such an image", name, pe.cert_table_offset,
                      (unsigned long long)(size - pe.cert_table_offset - pe.cert_table_size));
    else if (pe.has_certificate_table)
        keep = pe.cert_table_offset;
    if (st == OST_OK) {
        static const uint8_t zeros[8];
        ost_buf_add(out, data, keep);
        ost_buf_add(out, zeros, (8 - keep % 8) % 8);
        memset(out->data + pe.cert_dir_offset, 0, 8);
    }
    ost_pe_info_free(&pe);
    return st;
}

static void md_update(void *ctx, const void *p, size_t n)
{
    EVP_DigestUpdate(ctx, p, n);
}

static ost_status image_hash(const struct ost_buf *img, const char *name, ost_digest d, uint8_t *hash,
                             unsigned *hash_size, uint64_t *checksum_offset, uint64_t *cert_dir_offset,
                             struct ost_error *err)
{
    struct ost_pe_info pe;
    ost_status st = ost_pe_parse((const uint8_t *)img->data, img->len, name, &pe, err);
    if (st != OST_OK)
        return st;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || !EVP_DigestInit_ex(ctx, ost_digest_md(d), NULL))
        st = ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot hash", name);
    if (st == OST_OK)
        st = ost_pe_authenticode_digest((const uint8_t *)img->data, img->len, name, &pe, md_update, ctx, err);
    if (st == OST_OK && !EVP_DigestFinal_ex(ctx, hash, hash_size))
        st = ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot hash", name);
    *checksum_offset = pe.checksum_offset;
    *cert_dir_offset = pe.cert_dir_offset;
    EVP_MD_CTX_free(ctx);
    ost_pe_info_free(&pe);
    return st;
}

/* Appends the WIN_CERTIFICATE, points data directory 4 at it and sets the
 * checksum. */
static void embed_signature(struct ost_buf *img, const uint8_t *sig, size_t sig_size, uint64_t checksum_offset,
                            uint64_t cert_dir_offset)
{
    static const uint8_t zeros[8];
    size_t pad = (8 - sig_size % 8) % 8;
    uint32_t length = (uint32_t)(WIN_CERT_HEADER_SIZE + sig_size + pad);
    uint8_t hdr[WIN_CERT_HEADER_SIZE];
    ost_put_le32(hdr, length);
    ost_put_le16(hdr + 4, WIN_CERT_REVISION_2_0);
    ost_put_le16(hdr + 6, WIN_CERT_TYPE_PKCS_SIGNED_DATA);
    uint32_t table_offset = (uint32_t)img->len;
    ost_buf_add(img, hdr, sizeof hdr);
    ost_buf_add(img, sig, sig_size);
    ost_buf_add(img, zeros, pad);
    uint8_t *p = (uint8_t *)img->data;
    ost_put_le32(p + cert_dir_offset, table_offset);
    ost_put_le32(p + cert_dir_offset + 4, length);
    ost_put_le32(p + checksum_offset, ost_pe_checksum(p, img->len, checksum_offset));
}

ost_status ost_sign_pe(const struct ost_signer *s, ost_digest d, const uint8_t *data, size_t size,
                       const char *name, uint8_t **out, size_t *out_size, struct ost_error *err)
{
    *out = NULL;
    *out_size = 0;
    if (size > OST_PE_MAX_FILE - 65536)
        return ost_fail(err, OST_ERR_LIMIT, "%s: %zu bytes; the limit for a PE image to sign is %u", name, size,
                        OST_PE_MAX_FILE - 65536);
    struct ost_buf img = {0}, content = {0};
    uint8_t hash[EVP_MAX_MD_SIZE], *sig = NULL;
    unsigned hash_size = 0;
    uint64_t checksum_offset = 0, cert_dir_offset = 0;
    size_t sig_size = 0;
    ost_status st = unsigned_image(data, size, name, &img, err);
    if (st == OST_OK)
        st = image_hash(&img, name, d, hash, &hash_size, &checksum_offset, &cert_dir_offset, err);
    if (st == OST_OK) {
        ost_spc_put_indirect_data(&content, true, ost_digest_oid(d), hash, hash_size);
        st = ost_sign_content(s, d, OID_SPC_INDIRECT_DATA, (const uint8_t *)content.data, content.len, name,
                              &sig, &sig_size, err);
    }
    if (st == OST_OK) {
        embed_signature(&img, sig, sig_size, checksum_offset, cert_dir_offset);
        *out_size = img.len;
        *out = (uint8_t *)ost_buf_steal(&img);
    }
    free(sig);
    ost_buf_free(&content);
    ost_buf_free(&img);
    return st;
}
