/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testsign.h — what an image needs to load test-signed drivers on its
 * first boot (brief §7), besides the signed catalogs stage.h puts in the
 * staged copies: the signing certificate in the machine's ROOT and
 * TrustedPublisher stores, and testsigning on for the loaders bcdboot will
 * create from the image's BCD-Template (its {bootloadersettings}, or every
 * Windows Boot Loader if the template has one).
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

/* Turns testsigning on in a BCD store file (every Windows Boot Loader, or
 * {bootloadersettings} in a template), written through a temporary and a
 * rename only when something changes: *changed says whether it did. With
 * `save` false it only tells. */
ost_status ost_testsign_bcd_file(const char *path, bool save, bool allow_dirty, bool *changed, struct ost_error *err);

#endif
