/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "oid.h"
#include "pe.h"
#include "sign_internal.h"
#include "util.h"
#include "fileutil.h"

/* A catalog of a large package is well under this. */
#define MAX_SIGNED_FILE OST_PE_MAX_FILE

const char *ost_sign_kind_name(ost_sign_kind k)
{
    return k == OST_SIGN_CATALOG ? "catalog" : k == OST_SIGN_PE ? "pe" : "unknown";
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

static ost_status sign_file(const struct ost_signer *s, ost_digest d, const char *path, bool write,
                            ost_sign_kind *kind, struct ost_error *err)
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
    if (st == OST_OK && write) {
        st = ost_replace_file(path, out, out_size, st_before.st_mode & 07777, err);
    } else if (st == OST_OK) {
        /* what ost_replace_file needs: a temporary made beside the file */
        char *dir = ost_path_dirname(path);
        if (access(dir, W_OK | X_OK) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot write beside it: %s", path, strerror(errno));
        free(dir);
    }
    free(data);
    free(out);
    return st;
}

ost_status ost_sign_file(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                         struct ost_error *err)
{
    return sign_file(s, d, path, true, kind, err);
}

ost_status ost_sign_file_check(const struct ost_signer *s, ost_digest d, const char *path, ost_sign_kind *kind,
                               struct ost_error *err)
{
    return sign_file(s, d, path, false, kind, err);
}
