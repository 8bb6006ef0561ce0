/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testsign.h — what an image needs to load test-signed drivers on its
 * first boot, besides the signed catalogs stage.h puts in the staged
 * copies: the signing certificate in the machine's ROOT and
 * TrustedPublisher stores, so that Plug and Play installs the package
 * without asking (Microsoft, "Trusted Publishers Certificate Store",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/trusted-publishers-certificate-store),
 * and testsigning on for the loaders bcdboot will create from the image's
 * BCD-Template (its {bootloadersettings}, or every Windows Boot Loader if
 * the template has one), so that the kernel loads it ("The TESTSIGNING
 * Boot Configuration Option",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/the-testsigning-boot-configuration-option).
 * A target that knows the stores its Windows boots from (a disk's system
 * partition: target->boot_stores) gets testsigning on there instead, in
 * the same transaction as the image, and its BCD-Template is left alone:
 * an installed system never reads it (BCDboot Command-Line Options,
 * https://learn.microsoft.com/en-us/windows-hardware/manufacture/desktop/bcdboot-command-line-options-techref-di).
 *
 * Like stage.h: a plan that writes nothing, then applied through the image
 * (the caller commits).
 */
#ifndef OST_TESTSIGN_H
#define OST_TESTSIGN_H

#include <stdbool.h>

#include "bcd.h"
#include "certstore.h"
#include "firstboot.h"
#include "image.h"
#include "manifest.h"

struct ost_testsign_plan {
    enum ost_cert_action root, trusted_publisher;
    bool has_template;       /* the image has a BCD-Template (not read when the target has boot stores) */
    bool testsigning_on;     /* ... and testsigning is already in effect there */
    /* The target's own boot stores (target->boot_stores, in that order),
     * and which of them testsigning must still be turned on in. */
    size_t nboot_stores;
    bool boot_store_needed[OST_BOOT_MAX_STORES];
    bool changes;
};

ost_status ost_testsign_plan(struct ost_image *img, const struct ost_cert *cert, struct ost_testsign_plan *out,
                             struct ost_error *err);
/* Also records in the manifest what it changed (the stores it added the
 * certificate to, which held it already, and testsigning's previous value
 * on each object it turned on, a target's own store under
 * OST_TARGET_STORE_PREFIX and its path), with `also` (may be NULL): what
 * was turned on in a --bcd store outside the image. The target's stores
 * are staged through it: written by ost_image_commit with the rest. */
ost_status ost_testsign_apply(struct ost_image *img, const struct ost_cert *cert,
                              const struct ost_testsign_plan *plan, const struct ost_manifest_trust *also,
                              struct ost_error *err);

/* The BCD stores `offstage bcd --image` works on in an image: the
 * target's own boot stores when it knows them, else its BCD-Template
 * (one). */
size_t ost_image_bcd_count(const struct ost_image *img);
/* Opens the i-th of them (named as the target names it, or "IMAGE:
 * Windows\System32\config\BCD-Template"): OST_NEGATIVE, err saying so,
 * when it is the template and the image has none. */
ost_status ost_image_bcd_open(struct ost_image *img, size_t i, bool writable, struct ost_bcd **out,
                              struct ost_error *err);
/* Stages the i-th, with its edits, back through the target (written when
 * the image commits); nothing when it was not modified. */
ost_status ost_image_bcd_stage(struct ost_image *img, size_t i, struct ost_bcd *b, struct ost_error *err);

/* A BCD store file (e.g. an installed system's Boot\BCD): whether
 * testsigning must still be turned on there (every Windows Boot Loader, or
 * {bootloadersettings} in a template). Refuses, before anything is
 * written, a store that apply could not write: dirty (unless allow_dirty),
 * in a folder that is not writable, or with nothing to turn it on in. */
ost_status ost_testsign_bcd_plan(const char *path, bool allow_dirty, bool *needed, struct ost_error *err);
/* Writes the store with testsigning on to a synced temporary beside it
 * (ost_bcd_save_beside) when it is not on yet; *tmp is NULL when nothing
 * changes. The caller writes the image, then renames the temporary into
 * place (ost_rename_into_place), or unlinks it when the image could not be
 * written: a store that cannot be written stops the command before the
 * image is touched, and the last step, a rename, needs no space. */
ost_status ost_testsign_bcd_prepare(const char *path, bool allow_dirty, char **tmp, struct ost_error *err);
/* The same, adding to *changes (may be NULL) each object it turns
 * testsigning on in, with its previous value, for the manifest. */
ost_status ost_testsign_bcd_prepare_recorded(const char *path, bool allow_dirty, char **tmp,
                                             struct ost_manifest_trust *changes, struct ost_error *err);

/* remove-driver, after the packages are removed (ost_stage_remove) in the
 * same transaction: what the manifest's trust record says offstage changed
 * is left as it is and said so, or with `with_trust` taken back: the
 * certificate removed from the stores offstage added it to, unless a
 * package still staged is signed by it (its catalog chains to it), and
 * testsigning set back to its previous value on every object offstage
 * turned it on in, unless such a package needs it. A store of the
 * target's own is set back through the target when the target still
 * names it among its boot stores. A --bcd store (outside
 * the image) is restored only when it is named in `bcd`: written to a
 * synced temporary beside it, which the caller renames into place after
 * the image is committed (bcd_tmp, parallel to `bcd`; NULL where nothing
 * changes). On a dry run nothing is saved; the image's changes are only
 * staged (the caller does not commit). */
struct ost_untrust_options {
    bool with_trust, dry_run, allow_dirty;
    const struct ost_strlist *bcd; /* --bcd stores given; may be NULL */
};
struct ost_untrust_result {
    struct ost_strlist undone; /* one line per change taken back */
    struct ost_strlist left;   /* one line per change left, with why and how to take it back */
    char **bcd_tmp;            /* parallel to options.bcd */
    size_t nbcd;
};
ost_status ost_testsign_undo(struct ost_image *img, const struct ost_untrust_options *o, struct ost_untrust_result *r,
                             struct ost_error *err);
/* After the image is committed: renames each --bcd store's temporary into
 * place. */
ost_status ost_testsign_undo_finish(struct ost_untrust_result *r, const struct ost_strlist *bcd,
                                    struct ost_error *err);
void ost_untrust_result_free(struct ost_untrust_result *r);

#endif
