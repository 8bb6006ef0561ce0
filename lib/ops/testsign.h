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
 *
 * Like stage.h: a plan that writes nothing, then applied through the image
 * (the caller commits).
 */
#ifndef OST_TESTSIGN_H
#define OST_TESTSIGN_H

#include <stdbool.h>

#include "certstore.h"
#include "image.h"

struct ost_testsign_plan {
    enum ost_cert_action root, trusted_publisher;
    bool has_template;       /* the image has a BCD-Template */
    bool testsigning_on;     /* ... and testsigning is already in effect there */
    bool changes;
};

ost_status ost_testsign_plan(struct ost_image *img, const struct ost_cert *cert, struct ost_testsign_plan *out,
                             struct ost_error *err);
ost_status ost_testsign_apply(struct ost_image *img, const struct ost_cert *cert,
                              const struct ost_testsign_plan *plan, struct ost_error *err);

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

#endif
