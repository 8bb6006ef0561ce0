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
#include "imagekind.h"
#include "sha2support.h"
#include "verdict.h"

#define OST_BOOT_MAX_STORES 8

/* One BCD store read for testsigning. */
struct ost_boot_store {
    /* the --bcd file, "the image's BCD-Template", or how the target names
     * one of its own boot stores ("partition 1 (System Reserved) \Boot\BCD
     * of win7.qcow2") */
    char path[512];
    ost_tristate testsigning;  /* on for every loader it holds (a template: also {bootloadersettings}) */
    bool is_template;          /* no loader, or a BCD-Template: loaders are created from it */
    bool in_target;            /* one of the target's boot stores (target.h), read and written through it */
    char target_path[512];     /* ... its path there ("Boot\BCD", "<volume 1>\Boot\BCD") */
    char loaders[256];         /* what was asked: "{default}, {733b62e6-...}" or "{bootloadersettings}" */
    char problem[600];         /* why one of the image's own could not be read ("" read); testsigning unknown */
};

/* What is known of the boot and trust policy of the target. Which store
 * decides testsigning depends on what the image is (imagekind.h):
 *   the target knows the stores its Windows boots from (a disk's system
 *     partition, target->boot_stores): those, for every kind, with any
 *     --bcd stores given besides; they are the real boot stores, so no
 *     template caveat applies;
 *   --bcd stores given: those, for every kind; testsigning is on only when
 *     it is on in every one (install media carry a BIOS and a UEFI store,
 *     and either may boot);
 *   an installed system: its system partition's Boot\BCD or
 *     EFI\Microsoft\Boot\BCD, never its BCD-Template: unknown without --bcd;
 *   Windows PE (boot.wim): the media's boot\BCD and efi\microsoft\boot\bcd;
 *     its BCD-Template has no effect: unknown without --bcd;
 *   a generalized image (install.wim), or one that does not say: the
 *     BCD-Template bcdboot builds the installed store from, with the caveat
 *     that Windows 7 Setup's keeping of the template's {bootloadersettings}
 *     is not documented (BCDboot Command-Line Options,
 *     https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/bcdboot-command-line-options-techref-di),
 *     and the way that does not rest on it: bcdedit /set {default}
 *     testsigning on in SetupComplete.cmd, which Setup runs once at its end
 *     (Microsoft, "Add a Custom Script to Windows Setup",
 *     https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/add-a-custom-script-to-windows-setup;
 *     "The TESTSIGNING Boot Configuration Option"). */
struct ost_boot_policy {
    ost_tristate testsigning;
    /* "the image's BCD-Template", "BCD store FILE", "BCD stores A and B";
     * when off in some of several: those, "(on in ...)"; "unknown: give
     * --bcd (...)" when no store decides */
    char testsigning_source[1200];
    /* What a verdict resting on testsigning must say besides ("" when
     * nothing): the template caveat, or why the template was not read. */
    char testsigning_caveat[900];
    /* The step that turns testsigning on in the store that decides, or
     * that gives the stores to read ("" : verdict.h's generic one): a
     * --bcd store off is turned on with bcd --store, not --image, whose
     * template that system does not boot from; a target's own store with
     * bcd --image, which edits those stores on such a target. */
    char testsigning_fix[1200];
    /* "STORE cannot be read (why)" when a store of the image's own (its
     * BCD-Template, or one its target found) could not be read: it counts
     * as unknown, so testsigning is unknown unless another store has it
     * off; "" when every store was read. */
    char testsigning_problem[900];
    bool template_decides;              /* the image's BCD-Template stands for the boot store */
    struct ost_image_kind_info kind;    /* filled when img is given */
    struct ost_boot_store stores[OST_BOOT_MAX_STORES];
    size_t nstores;
    /* Certificate stores to look in. NULL: the certificates the caller
     * trusted (--trust) stand for what the target will have in ROOT and
     * TrustedPublisher. */
    struct ost_image *img;
    /* A certificate about to be added to both stores (add-driver
     * --test-sign): counted as there, so a dry run predicts the result. */
    const char *planned_thumbprint;
    /* How messages name the stores of bcd_files, by position (NULL, or
     * fewer names: by their paths): media names its working copy's stores
     * by their place on the media. */
    const struct ost_strlist *store_names;
    /* The image is the Windows RE (winre.wim) of this installed image: it
     * boots from the store Setup writes for the installed system, which no
     * file here holds. NULL: not known to be. */
    const char *recovery_of;
    /* Whether the image verifies SHA-256 signatures; not weighed until
     * ost_boot_policy_read or ost_boot_policy_read_sha2 has read it. */
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

/* Whether testsigning is on for the loaders that will boot the image, by
 * the rules above: reads the target's own boot stores, every store of
 * bcd_files (NULL or empty: none given) and, when neither is there and the
 * kind boots from it, img's BCD-Template. Keeps
 * pol->img, pol->planned_thumbprint, pol->store_names and
 * pol->recovery_of. A --bcd store that cannot be read
 * is an error (the user named it); one of the image's own is not: it is
 * a fact about the image, reported with the verdicts (testsigning_problem,
 * the source, caveat and fix say which store and why). Reads the image's
 * SHA-2 support too (ost_boot_policy_read_sha2). */
ost_status ost_boot_policy_read(struct ost_boot_policy *pol, const struct ost_strlist *bcd_files,
                                struct ost_image *img, struct ost_error *err);
/* The stores read, for a message: "BCD stores A and B", "the image's
 * BCD-Template"; "" when none. */
void ost_boot_policy_stores_text(const struct ost_boot_policy *pol, char *buf, size_t size);
/* Gives a verdict that rests on testsigning (one that would differ were
 * testsigning the other way) the policy's caveat. */
void ost_boot_policy_note(const struct ost_boot_policy *pol, const struct ost_verdict_input *in,
                          struct ost_verdict *v);

/* Reads the image's SHA-2 support into the policy (nothing without an
 * image: a target that is not known is not weighed). */
void ost_boot_policy_read_sha2(struct ost_boot_policy *pol, struct ost_image *img);

/* A staged copy's verdict whose fix signs the package anew starts the fix
 * with removing the copy in folder (add-driver keeps a staged package as
 * it is, so the fix alone would change nothing). */
void ost_verdict_fix_staged(struct ost_verdict *v, const char *folder);

/* The verdict for one architecture of a checked package. */
void ost_firstboot_verdict(const struct ost_package_arch *pa, const struct ost_cat_arch_result *res,
                           const struct ost_boot_policy *pol, struct ost_verdict *out);

#endif
