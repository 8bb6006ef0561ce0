/* SPDX-License-Identifier: GPL-3.0-or-later */
/* catalog: writing an unsigned catalog, laid out the way Inf2Cat writes
 * one before signing. */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "catalog_internal.h"
#include "der.h"
#include "encoding.h"
#include "oid.h"
#include "spc.h"

/* Subject interface packages that hashed a member, as Inf2Cat names them. */
#define GUID_PE_SIP "{C689AAB8-8E78-11D0-8C47-00C04FC295EE}"
#define GUID_FLAT_SIP "{DE351A42-8E59-11D0-8C47-00C04FC295EE}"

/* A name-value's value: UTF-16LE with its terminating NUL, as Windows writes it. */
static void der_put_utf16le(struct ost_buf *b, const char *utf8)
{
    struct ost_buf body = {0};
    /* names and tags come from the INF reader and hex digests, always UTF-8 */
    (void)ost_utf8_to_utf16(&body, utf8, strlen(utf8), OST_UTF16LE);
    ost_buf_add(&body, "\0\0", 2);
    ost_der_wrap(b, OST_DER_OCTET_STRING, &body);
}

static void der_put_name_value(struct ost_buf *b, const char *name, const char *value)
{
    struct ost_buf nv = {0};
    ost_der_put_bmp(&nv, OST_DER_BMP_STRING, name);
    ost_der_put_uint(&nv, NAME_VALUE_FLAGS);
    der_put_utf16le(&nv, value);
    ost_der_wrap(b, OST_DER_SEQUENCE, &nv);
}

/* Attribute ::= SEQUENCE { type, SET { value } }; takes value. */
static void der_put_attribute(struct ost_buf *b, const char *oid, struct ost_buf *value)
{
    struct ost_buf attr = {0}, set = {0};
    ost_der_put_oid(&attr, oid);
    ost_der_wrap(&set, OST_DER_SET, value);
    ost_buf_add(&attr, set.data, set.len);
    ost_buf_free(&set);
    ost_der_wrap(b, OST_DER_SEQUENCE, &attr);
}

static void der_put_member(struct ost_buf *b, const struct ost_cat_new_member *m, const char *osattr)
{
    struct ost_buf member = {0}, attrs[4] = {{0}}, value = {0};
    char *tag = ost_cat_hex(m->hash.hash, m->hash.len);
    der_put_utf16le(&member, tag);
    free(tag);
    der_put_name_value(&value, "File", m->file);
    der_put_attribute(&attrs[0], OID_NAME_VALUE, &value);
    der_put_name_value(&value, "OSAttr", osattr);
    der_put_attribute(&attrs[1], OID_NAME_VALUE, &value);
    struct ost_buf info = {0};
    ost_der_put_bmp(&info, OST_DER_BMP_STRING, m->hash.pe ? GUID_PE_SIP : GUID_FLAT_SIP);
    ost_der_put_uint(&info, 512);
    ost_der_wrap(&value, OST_DER_SEQUENCE, &info);
    der_put_attribute(&attrs[2], OID_MEMBER_INFO, &value);
    ost_spc_put_indirect_data(&value, m->hash.pe, OID_SHA1, m->hash.hash, m->hash.len);
    der_put_attribute(&attrs[3], OID_SPC_INDIRECT_DATA, &value);
    ost_der_put_sorted(&member, OST_DER_SET, attrs, 4);
    ost_der_wrap(b, OST_DER_SEQUENCE, &member);
}

static void der_put_catalog_attr(struct ost_buf *b, const char *name, const char *value)
{
    struct ost_buf ext = {0}, nv = {0};
    ost_der_put_oid(&ext, OID_NAME_VALUE);
    der_put_name_value(&nv, name, value);
    ost_der_wrap(&ext, OST_DER_OCTET_STRING, &nv);
    ost_der_wrap(b, OST_DER_SEQUENCE, &ext);
}

static void der_put_catalog_attrs(struct ost_buf *b, const struct ost_cat_spec *spec)
{
    struct ost_buf list = {0}, seq = {0};
    if (spec->os)
        der_put_catalog_attr(&list, "OS", spec->os);
    der_put_catalog_attr(&list, "OSAttr", spec->osattr);
    for (size_t i = 0; spec->hwids && i < spec->hwids->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "HWID%zu", i + 1);
        der_put_catalog_attr(&list, name, spec->hwids->v[i]);
    }
    ost_der_wrap(&seq, OST_DER_SEQUENCE, &list);
    ost_der_wrap(b, OST_DER_CONTEXT_0, &seq);
}

static int compare_members(const void *a, const void *b)
{
    const struct ost_cat_new_member *x = a, *y = b;
    size_t n = x->hash.len < y->hash.len ? x->hash.len : y->hash.len;
    int c = memcmp(x->hash.hash, y->hash.hash, n);
    return c ? c : (x->hash.len > y->hash.len) - (x->hash.len < y->hash.len);
}

static void der_put_utc_time(struct ost_buf *b, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    char text[16];
    /* UTCTime has two year digits; Inf2Cat writes it, so do we */
    strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
    ost_der_put(b, OST_DER_UTC_TIME, text + 2, 13);
}

static void der_put_ctl(struct ost_buf *b, const struct ost_cat_spec *spec)
{
    struct ost_cat_new_member *sorted = ost_xcalloc(spec->nmembers ? spec->nmembers : 1, sizeof *sorted);
    memcpy(sorted, spec->members, spec->nmembers * sizeof *sorted);
    qsort(sorted, spec->nmembers, sizeof *sorted, compare_members);
    struct ost_buf members = {0}, ctl = {0}, usage = {0}, alg = {0};
    for (size_t i = 0; i < spec->nmembers; i++)
        der_put_member(&members, &sorted[i], spec->osattr);
    free(sorted);
    /* the list identifier only has to be unique: derive it from the members */
    unsigned char id[EVP_MAX_MD_SIZE];
    unsigned idlen = 0;
    EVP_Digest(members.data ? members.data : "", members.len, id, &idlen, EVP_sha1(), NULL);
    ost_der_put_oid(&usage, OID_CATALOG_LIST);
    ost_der_wrap(&ctl, OST_DER_SEQUENCE, &usage);
    ost_der_put(&ctl, OST_DER_OCTET_STRING, id, 16);
    der_put_utc_time(&ctl, spec->this_update);
    ost_der_put_oid(&alg, OID_CATALOG_MEMBER);
    ost_der_put(&alg, OST_DER_NULL, "", 0);
    ost_der_wrap(&ctl, OST_DER_SEQUENCE, &alg);
    ost_der_wrap(&ctl, OST_DER_SEQUENCE, &members);
    der_put_catalog_attrs(&ctl, spec);
    ost_der_wrap(b, OST_DER_SEQUENCE, &ctl);
}

void ost_catalog_build(const struct ost_cat_spec *spec, struct ost_buf *der)
{
    struct ost_buf sd = {0}, eci = {0}, content = {0}, wrapped = {0}, ci = {0};
    ost_der_put_uint(&sd, 1);
    ost_der_put(&sd, OST_DER_SET, "", 0);
    ost_der_put_oid(&eci, OID_CTL);
    der_put_ctl(&content, spec);
    ost_der_wrap(&eci, OST_DER_CONTEXT_0, &content);
    ost_der_wrap(&sd, OST_DER_SEQUENCE, &eci);
    ost_der_put(&sd, OST_DER_SET, "", 0); /* no signer yet */
    ost_der_wrap(&wrapped, OST_DER_SEQUENCE, &sd);
    ost_der_put_oid(&ci, OID_SIGNED_DATA);
    ost_der_wrap(&ci, OST_DER_CONTEXT_0, &wrapped);
    ost_der_wrap(der, OST_DER_SEQUENCE, &ci);
}
