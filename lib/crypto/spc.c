/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "spc.h"

#include "der.h"
#include "oid.h"

/* SpcLink { file [2] SpcString { unicode [0] "<<<Obsolete>>>" } } */
static void put_obsolete_link(struct ost_buf *b)
{
    struct ost_buf s = {0};
    ost_der_put_bmp(&s, OST_DER_IMPLICIT_0, "<<<Obsolete>>>");
    ost_der_wrap(b, OST_DER_CONTEXT_2, &s);
}

void ost_spc_put_indirect_data(struct ost_buf *b, bool pe_image, const char *digest_oid, const uint8_t *hash,
                               size_t hash_len)
{
    struct ost_buf content = {0}, data = {0}, digest = {0}, alg = {0};
    if (pe_image) {
        struct ost_buf pe = {0}, link = {0};
        ost_der_put_oid(&data, OID_SPC_PE_IMAGE_DATA);
        ost_der_put(&pe, OST_DER_BIT_STRING, "\0", 1);
        put_obsolete_link(&link);
        ost_der_wrap(&pe, OST_DER_CONTEXT_0, &link);
        ost_der_wrap(&data, OST_DER_SEQUENCE, &pe);
    } else {
        ost_der_put_oid(&data, OID_SPC_FLAT_DATA);
        put_obsolete_link(&data);
    }
    ost_der_wrap(&content, OST_DER_SEQUENCE, &data);
    ost_der_put_oid(&alg, digest_oid);
    ost_der_put(&alg, OST_DER_NULL, "", 0);
    ost_der_wrap(&digest, OST_DER_SEQUENCE, &alg);
    ost_der_put(&digest, OST_DER_OCTET_STRING, hash, hash_len);
    ost_der_wrap(&content, OST_DER_SEQUENCE, &digest);
    ost_der_wrap(b, OST_DER_SEQUENCE, &content);
}
