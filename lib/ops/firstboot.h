/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * firstboot.h — gathering the facts verdict.h decides on: the catalog
 * check's outcome for an architecture (catpkg.h), which certificates an
 * image trusts (its ROOT and TrustedPublisher machine stores,
 * certstore.h), and whether test-signing is on for the loaders that will
 * boot it (a BCD store, or the image's BCD-Template, bcd.h).
 */
#ifndef OST_FIRSTBOOT_H
#define OST_FIRSTBOOT_H

#include "catalog.h"
#include "catpkg.h"
#include "image.h"
#include "sha2support.h"
#include "verdict.h"

/* What is known of the boot and trust policy of the target. */
struct ost_boot_policy {
    ost_tristate testsigning;
    char testsigning_source[160]; /* "the image's BCD-Template", "BCD store FILE" */
    /* Certificate stores to look in. NULL: the certificates the caller
     * trusted (--trust) stand for what the target will have in ROOT and
     * TrustedPublisher. */
    struct ost_image *img;
    /* A certificate about to be added to both stores (add-driver
     * --test-sign): counted as there, so a dry run predicts the result. */
    const char *planned_thumbprint;
    /* Whether the image verifies SHA-256 signatures; not weighed until
     * ost_boot_policy_read_sha2 has read it. */
    bool sha2_read;
    struct ost_sha2_support sha2;
};

/* Adds the certificates of the image's ROOT and TrustedPublisher stores to
 * `trust`; unreadable entries are skipped (get-certs reports them). */
ost_status ost_image_add_trust(struct ost_image *img, struct ost_cat_trust *trust, struct ost_error *err);

/* testsigning as the image's BCD-Template has it for the loaders created
 * from it: OST_UNKNOWN when the image has no template. */
ost_status ost_image_testsigning(struct ost_image *img, ost_tristate *out, struct ost_error *err);
/* testsigning of every Windows Boot Loader in a BCD store file. */
ost_status ost_bcd_file_testsigning(const char *path, ost_tristate *out, struct ost_error *err);

/* Whether testsigning is on for the loaders that will boot the image, into
 * pol->testsigning and pol->testsigning_source: from the BCD store file
 * when one is given (the installed system's Boot\BCD), else from the
 * image's BCD-Template; OST_UNKNOWN with neither. */
ost_status ost_boot_policy_read(struct ost_boot_policy *pol, const char *bcd_file, struct ost_image *img,
                                struct ost_error *err);

/* Reads the image's SHA-2 support into the policy (nothing without an
 * image: a target that is not known is not weighed). */
void ost_boot_policy_read_sha2(struct ost_boot_policy *pol, struct ost_image *img);

/* The verdict for one architecture of a checked package. */
void ost_firstboot_verdict(const struct ost_package_arch *pa, const struct ost_cat_arch_result *res,
                           const struct ost_boot_policy *pol, struct ost_verdict *out);

#endif
