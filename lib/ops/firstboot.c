/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "firstboot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bcd.h"
#include "certstore.h"

ost_status ost_image_add_trust(struct ost_image *img, struct ost_cat_trust *trust, struct ost_error *err)
{
    struct ost_strlist stores = {0};
    ost_strlist_add(&stores, "ROOT");
    ost_strlist_add(&stores, "TrustedPublisher");
    struct ost_certstore_list list = {0};
    ost_status st = ost_certstore_list(img, &stores, &list, err);
    for (size_t i = 0; st == OST_OK && i < list.n; i++) {
        const struct ost_certstore_entry *e = &list.v[i];
        struct ost_error ignored;
        if (e->cert.der && !e->problem)
            ost_cat_trust_add_der(trust, e->cert.der, e->cert.der_len, e->key, &ignored);
    }
    ost_certstore_list_free(&list);
    ost_strlist_free(&stores);
    return st;
}

static ost_status testsigning_of(struct ost_bcd *b, ost_tristate *out, struct ost_error *err)
{
    ost_bcd_scope scope;
    ost_status st = ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, err);
    if (st == OST_OK || st == OST_NEGATIVE) {
        *out = st == OST_OK ? OST_YES : OST_NO;
        st = OST_OK;
    }
    return st;
}

ost_status ost_image_testsigning(struct ost_image *img, ost_tristate *out, struct ost_error *err)
{
    *out = OST_UNKNOWN;
    struct ost_bcd *b;
    ost_status st = ost_bcd_open_template(img, false, &b, err);
    if (st == OST_NEGATIVE)
        return OST_OK;
    if (st == OST_OK)
        st = testsigning_of(b, out, err);
    ost_bcd_close(b);
    return st;
}

ost_status ost_bcd_file_testsigning(const char *path, ost_tristate *out, struct ost_error *err)
{
    *out = OST_UNKNOWN;
    struct ost_bcd *b;
    ost_status st = ost_bcd_open(path, false, true, &b, err);
    if (st != OST_OK)
        return st;
    st = testsigning_of(b, out, err);
    ost_bcd_close(b);
    return st;
}

ost_status ost_boot_policy_read(struct ost_boot_policy *pol, const char *bcd_file, struct ost_image *img,
                                struct ost_error *err)
{
    pol->testsigning = OST_UNKNOWN;
    if (bcd_file) {
        snprintf(pol->testsigning_source, sizeof pol->testsigning_source, "BCD store %s", bcd_file);
        return ost_bcd_file_testsigning(bcd_file, &pol->testsigning, err);
    }
    if (img) {
        snprintf(pol->testsigning_source, sizeof pol->testsigning_source, "the image's BCD-Template");
        return ost_image_testsigning(img, &pol->testsigning, err);
    }
    return OST_OK;
}

void ost_boot_policy_read_sha2(struct ost_boot_policy *pol, struct ost_image *img)
{
    pol->sha2_read = img != NULL;
    if (img)
        ost_image_sha2_support(img, &pol->sha2);
}

/* Every PE file a boot-critical package copies carries its own signature. */
static bool drivers_embed_signatures(const struct ost_package_arch *pa)
{
    for (size_t i = 0; i < pa->nfiles; i++)
        if (pa->files[i].is_pe && !pa->files[i].embedded_signature)
            return false;
    return true;
}

void ost_firstboot_verdict(const struct ost_package_arch *pa, const struct ost_cat_arch_result *res,
                           const struct ost_boot_policy *pol, struct ost_verdict *out)
{
    struct ost_verdict_input in = {
        .arch = pa->arch,
        .signature = res->signature,
        .signature_detail = res->detail[0] ? res->detail : NULL,
        .microsoft_root = res->microsoft_root,
        .testsigning = pol->testsigning,
        .testsigning_source = pol->testsigning_source[0] ? pol->testsigning_source : NULL,
        .boot_critical = pa->boot_critical,
        .driver_embedded_signature = drivers_embed_signatures(pa),
        .digest = res->digest[0] ? res->digest : NULL,
        .embedded_digest = res->embedded_digest[0] ? res->embedded_digest : NULL,
        .sha2 = !pol->sha2_read ? OST_YES
                : pol->sha2.state == OST_SHA2_YES ? OST_YES
                : pol->sha2.state == OST_SHA2_NO  ? OST_NO
                                                  : OST_UNKNOWN,
        .sha2_source = pol->sha2_read ? pol->sha2.evidence : NULL,
    };
    if (res->signature == OST_SIG_TRUSTED) {
        const char *planned = pol->planned_thumbprint;
        if (planned && !strcmp(planned, res->signer_thumbprint) && !strcmp(planned, res->anchor_thumbprint)) {
            in.signer_in_root = in.signer_in_trusted_publisher = true;
        } else if (pol->img) {
            in.signer_in_root = res->anchor_thumbprint[0] &&
                                ost_certstore_has(pol->img, "ROOT", res->anchor_thumbprint);
            in.signer_in_trusted_publisher = res->signer_thumbprint[0] &&
                                             ost_certstore_has(pol->img, "TrustedPublisher", res->signer_thumbprint);
        } else {
            in.signer_in_root = in.signer_in_trusted_publisher = true;
        }
    }
    ost_verdict_decide(&in, out);
}
