/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "der.h"
#include "oid.h"
#include "pe.h"
#include "sign_internal.h"
#include "util.h"

/* A catalog of a large package is well under this. */
#define MAX_SIGNED_FILE OST_PE_MAX_FILE

const char *ost_sign_kind_name(ost_sign_kind k)
{
    return k == OST_SIGN_CATALOG ? "catalog" : k == OST_SIGN_PE ? "pe" : "unknown";
}

/* --- SignedData ---------------------------------------------------------------- */

static bool add_sequence_attr(PKCS7_SIGNER_INFO *si, const char *oid, const uint8_t *der, int n)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    bool ok = obj && X509at_add1_attr_by_OBJ(&si->auth_attr, obj, V_ASN1_SEQUENCE, der, n) != NULL;
    ASN1_OBJECT_free(obj);
    return ok;
}

/* The authenticated attributes signtool writes, without a signing time:
 * an empty SpcSpOpusInfo and the statement type individual code signing. */
static bool add_signer_attrs(PKCS7_SIGNER_INFO *si, const char *content_oid, const uint8_t *digest,
                             unsigned digest_size)
{
    ASN1_OBJECT *type = OBJ_txt2obj(content_oid, 1);
    if (!type || !PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, type)) {
        ASN1_OBJECT_free(type);
        return false;
    }
    struct ost_buf opus_info = {0}, statement = {0}, purpose = {0};
    ost_der_put(&opus_info, OST_DER_SEQUENCE, "", 0);
    ost_der_put_oid(&purpose, OID_SPC_INDIVIDUAL_SP_KEY_PURPOSE);
    ost_der_wrap(&statement, OST_DER_SEQUENCE, &purpose);
    bool ok = add_sequence_attr(si, OID_SPC_SP_OPUS_INFO, (const uint8_t *)opus_info.data, (int)opus_info.len) &&
              add_sequence_attr(si, OID_SPC_STATEMENT_TYPE, (const uint8_t *)statement.data, (int)statement.len) &&
              PKCS7_add1_attrib_digest(si, digest, (int)digest_size);
    ost_buf_free(&opus_info), ost_buf_free(&statement);
    return ok;
}

/* A PKCS7 of an arbitrary content type whose content is the DER given. */
static PKCS7 *content_info(const char *oid, const uint8_t *der, size_t size)
{
    PKCS7 *inner = PKCS7_new();
    ASN1_TYPE *value = ASN1_TYPE_new();
    ASN1_STRING *seq = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
    ASN1_OBJECT *type = OBJ_txt2obj(oid, 1);
    if (!inner || !value || !seq || !type || !ASN1_STRING_set(seq, der, (int)size)) {
        PKCS7_free(inner), ASN1_TYPE_free(value), ASN1_STRING_free(seq), ASN1_OBJECT_free(type);
        return NULL;
    }
    ASN1_TYPE_set(value, V_ASN1_SEQUENCE, seq);
    ASN1_OBJECT_free(inner->type);
    inner->type = type;
    inner->d.other = value;
    return inner;
}

/* The messageDigest covers the content's value, without its tag and
 * length, as Authenticode defines it. */
ost_status ost_sign_content(const struct ost_signer *s, ost_digest d, const char *content_oid,
                            const uint8_t *content, size_t size, const char *name, uint8_t **out, size_t *out_size,
                            struct ost_error *err)
{
    size_t hdr = ost_der_header_size(content, size);
    if (hdr == 0 || content[0] != 0x30)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the content to sign is not a DER SEQUENCE", name);
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned digest_size = 0;
    PKCS7 *p7 = PKCS7_new();
    PKCS7_SIGNER_INFO *si = NULL;
    PKCS7 *inner = NULL;
    X509 *cert = ost_signer_x509(s);
    bool ok = p7 && PKCS7_set_type(p7, NID_pkcs7_signed) &&
              EVP_Digest(content + hdr, size - hdr, digest, &digest_size, ost_digest_md(d), NULL) &&
              (si = PKCS7_add_signature(p7, cert, ost_signer_key(s), ost_digest_md(d))) != NULL &&
              PKCS7_add_certificate(p7, cert) && add_signer_attrs(si, content_oid, digest, digest_size) &&
              PKCS7_SIGNER_INFO_sign(si) && (inner = content_info(content_oid, content, size)) != NULL &&
              PKCS7_set_content(p7, inner);
    if (!ok)
        PKCS7_free(inner);
    ost_status st = ok ? ost_pkcs7_der(p7, out, out_size, name, err)
                       : ost_openssl_fail(err, OST_ERR_UNSUPPORTED, "cannot sign", name);
    PKCS7_free(p7);
    return st;
}

/* --- catalogs ------------------------------------------------------------------ */

static bool object_is(const ASN1_OBJECT *obj, const char *oid)
{
    char text[128];
    return obj && OBJ_obj2txt(text, sizeof text, obj, 1) > 0 && strcmp(text, oid) == 0;
}

static bool is_catalog(const PKCS7 *p7)
{
    return object_is(p7->d.sign->contents->type, OID_CTL) && ost_pkcs7_signed_content(p7);
}

ost_status ost_sign_catalog(const struct ost_signer *s, ost_digest d, const uint8_t *cat, size_t size,
                            const char *name, uint8_t **out, size_t *out_size, struct ost_error *err)
{
    *out = NULL;
    *out_size = 0;
    PKCS7 *p7 = ost_pkcs7_parse_signed(cat, size);
    if (!p7 || !is_catalog(p7)) {
        PKCS7_free(p7);
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: offset 0: not a catalog (a DER PKCS#7 SignedData whose content is a certificate trust "
                        "list, " OID_CTL ")", name);
    }
    const ASN1_STRING *content = ost_pkcs7_signed_content(p7);
    ost_status st = ost_sign_content(s, d, OID_CTL, ASN1_STRING_get0_data(content),
                                     (size_t)ASN1_STRING_length(content), name, out, out_size, err);
    PKCS7_free(p7);
    return st;
}

/* --- files of either kind ------------------------------------------------------------ */

ost_sign_kind ost_sign_detect(const uint8_t *data, size_t size)
{
    if (size >= 0x40 && data[0] == 'M' && data[1] == 'Z') {
        uint32_t lfanew = ost_le32(data + 0x3c);
        if ((uint64_t)lfanew + 4 <= size && memcmp(data + lfanew, "PE\0\0", 4) == 0)
            return OST_SIGN_PE;
        return OST_SIGN_UNKNOWN;
    }
    if (size < 2 || data[0] != 0x30)
        return OST_SIGN_UNKNOWN;
    PKCS7 *p7 = ost_pkcs7_parse_signed(data, size);
    bool cat = p7 && is_catalog(p7);
    PKCS7_free(p7);
    return cat ? OST_SIGN_CATALOG : OST_SIGN_UNKNOWN;
}

ost_status ost_sign_bytes(const struct ost_signer *s, ost_digest d, const uint8_t *data, size_t size,
                          const char *name, ost_sign_kind *kind, uint8_t **out, size_t *out_size,
                          struct ost_error *err)
{
    ost_sign_kind k = ost_sign_detect(data, size);
    if (kind)
        *kind = k;
    if (k == OST_SIGN_PE)
        return ost_sign_pe(s, d, data, size, name, out, out_size, err);
    if (k == OST_SIGN_CATALOG)
        return ost_sign_catalog(s, d, data, size, name, out, out_size, err);
    *out = NULL;
    *out_size = 0;
    return ost_fail(err, OST_ERR_UNSUPPORTED,
                    "%s: offset 0: neither a PE image (\"MZ\" and a PE header) nor a catalog (PKCS#7 SignedData "
                    "with content type " OID_CTL "); nothing to sign", name);
}

ost_status ost_sign_file(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                         struct ost_error *err)
{
    if (kind)
        *kind = OST_SIGN_UNKNOWN;
    struct stat st_before;
    int fd = ost_open_input(path, O_NOFOLLOW, err);
    if (fd < 0)
        return OST_ERR_IO;
    int failed = fstat(fd, &st_before);
    close(fd);
    if (failed)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    uint8_t *data, *out = NULL;
    size_t size, out_size = 0;
    ost_status st = ost_read_file(path, MAX_SIGNED_FILE, &data, &size, err);
    if (st == OST_OK)
        st = ost_sign_bytes(s, d, data, size, path, kind, &out, &out_size, err);
    if (st == OST_OK)
        st = ost_replace_file(path, out, out_size, st_before.st_mode & 07777, err);
    free(data);
    free(out);
    return st;
}
