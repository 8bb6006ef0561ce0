/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pe.h"
#include "sign_internal.h"
#include "util.h"

#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"

#define WIN_CERT_REVISION_2_0 0x0200
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 0x0002
#define WIN_CERT_HEADER_SIZE 8

static void der_add_tlv(struct ost_buf *out, uint8_t tag, const void *content, size_t n)
{
    uint8_t hdr[6];
    size_t h = 0;
    hdr[h++] = tag;
    if (n < 0x80) {
        hdr[h++] = (uint8_t)n;
    } else {
        size_t bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
        hdr[h++] = (uint8_t)(0x80 | bytes);
        for (size_t i = bytes; i-- > 0;)
            hdr[h++] = (uint8_t)(n >> (8 * i));
    }
    ost_buf_add(out, hdr, h);
    ost_buf_add(out, content, n);
}

/* Wraps the buffer's bytes in one TLV, in place. */
static void der_wrap(struct ost_buf *b, uint8_t tag)
{
    struct ost_buf w = {0};
    der_add_tlv(&w, tag, b->data, b->len);
    ost_buf_free(b);
    *b = w;
}

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

/* SpcIndirectDataContent: SpcPeImageData (flags empty, file "<<<Obsolete>>>"
 * as signtool writes it) and the image hash as a DigestInfo. */
static void spc_indirect_data(ost_digest d, const uint8_t *hash, unsigned hash_size, struct ost_buf *out)
{
    static const uint8_t pe_image_data_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x01, 0x0f};
    static const uint8_t empty_flags[] = {0x03, 0x01, 0x00};
    static const uint8_t sha1_alg[] = {0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00};
    static const uint8_t sha256_alg[] = {0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                                         0x03, 0x04, 0x02, 0x01, 0x05, 0x00};
    static const char obsolete[] = "<<<Obsolete>>>";
    struct ost_buf file = {0}, image_data = {0}, attr = {0}, digest_info = {0};
    for (const char *c = obsolete; *c; c++)
        ost_buf_addc(&file, 0), ost_buf_addc(&file, *c); /* BMPString: UTF-16BE */
    der_wrap(&file, 0x80);                               /* SpcString unicode [0] IMPLICIT */
    der_wrap(&file, 0xa2);                               /* SpcLink file [2] */
    der_wrap(&file, 0xa0);                               /* SpcPeImageData file [0] EXPLICIT */
    ost_buf_add(&image_data, empty_flags, sizeof empty_flags);
    ost_buf_add(&image_data, file.data, file.len);
    der_wrap(&image_data, 0x30);
    ost_buf_add(&attr, pe_image_data_oid, sizeof pe_image_data_oid);
    ost_buf_add(&attr, image_data.data, image_data.len);
    der_wrap(&attr, 0x30);
    if (d == OST_DIGEST_SHA256)
        ost_buf_add(&digest_info, sha256_alg, sizeof sha256_alg);
    else
        ost_buf_add(&digest_info, sha1_alg, sizeof sha1_alg);
    der_add_tlv(&digest_info, 0x04, hash, hash_size);
    der_wrap(&digest_info, 0x30);
    ost_buf_add(out, attr.data, attr.len);
    ost_buf_add(out, digest_info.data, digest_info.len);
    der_wrap(out, 0x30);
    ost_buf_free(&file), ost_buf_free(&image_data), ost_buf_free(&attr), ost_buf_free(&digest_info);
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
        spc_indirect_data(d, hash, hash_size, &content);
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
