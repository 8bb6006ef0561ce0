/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testsign.h"

#include <stdlib.h>
#include <unistd.h>

#include "bcd.h"
#include "firstboot.h"
#include "fileutil.h"

ost_status ost_testsign_plan(struct ost_image *img, const struct ost_cert *cert, struct ost_testsign_plan *out,
                             struct ost_error *err)
{
    *out = (struct ost_testsign_plan){0};
    char *reason = NULL;
    ost_status st = ost_certstore_plan_add(img, "ROOT", cert, &out->root, &reason, err);
    free(reason), reason = NULL;
    if (st == OST_OK)
        st = ost_certstore_plan_add(img, "TrustedPublisher", cert, &out->trusted_publisher, &reason, err);
    free(reason);
    ost_tristate ts = OST_UNKNOWN;
    if (st == OST_OK)
        st = ost_image_testsigning(img, &ts, err);
    out->has_template = ts != OST_UNKNOWN;
    out->testsigning_on = ts == OST_YES;
    out->changes = out->root != OST_CERT_PRESENT || out->trusted_publisher != OST_CERT_PRESENT ||
                   (out->has_template && !out->testsigning_on);
    return st;
}

/* Sets testsigning on every object ost_bcd_targets picks; *changed when any
 * was not on already. */
static ost_status set_testsigning(struct ost_bcd *b, bool *changed, struct ost_error *err)
{
    size_t *idx = NULL, n = 0;
    ost_bcd_scope scope;
    *changed = false;
    ost_status st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    for (size_t i = 0; st == OST_OK && i < n; i++) {
        bool c = false;
        st = ost_bcd_set_flag(b, idx[i], OST_BCD_TESTSIGNING, true, &c, err);
        *changed = *changed || c;
    }
    free(idx);
    return st;
}

static ost_status template_testsigning_on(struct ost_image *img, struct ost_error *err)
{
    struct ost_bcd *b;
    bool changed = false;
    ost_status st = ost_bcd_open_template(img, true, &b, err);
    if (st == OST_OK)
        st = set_testsigning(b, &changed, err);
    if (st == OST_OK)
        st = ost_bcd_stage_template(img, b, err);
    ost_bcd_close(b);
    return st;
}

ost_status ost_testsign_apply(struct ost_image *img, const struct ost_cert *cert,
                              const struct ost_testsign_plan *plan, struct ost_error *err)
{
    enum ost_cert_action a;
    ost_status st = OST_OK;
    if (plan->root != OST_CERT_PRESENT)
        st = ost_certstore_add(img, "ROOT", cert, &a, err);
    if (st == OST_OK && plan->trusted_publisher != OST_CERT_PRESENT)
        st = ost_certstore_add(img, "TrustedPublisher", cert, &a, err);
    if (st == OST_OK && plan->has_template && !plan->testsigning_on)
        st = template_testsigning_on(img, err);
    return st;
}

/* A store that could not be written later (dirty, or in a folder we may
 * not write) is refused here, before anything else is written. */
ost_status ost_testsign_bcd_plan(const char *path, bool allow_dirty, bool *needed, struct ost_error *err)
{
    struct ost_bcd *b;
    *needed = false;
    ost_status st = ost_bcd_open(path, true, allow_dirty, &b, err);
    if (st != OST_OK)
        return st;
    ost_bcd_scope scope;
    st = ost_bcd_flag_on(b, OST_BCD_TESTSIGNING, &scope, err);
    *needed = st == OST_NEGATIVE;
    size_t *idx = NULL, n = 0;
    if (st == OST_NEGATIVE) /* off, or nothing to turn it on in: say which */
        st = ost_bcd_targets(b, NULL, &idx, &n, &scope, err);
    free(idx);
    ost_bcd_close(b);
    char *dir = ost_path_dirname(path);
    if (st == OST_OK && *needed && access(dir, W_OK) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: its folder is not writable, so testsigning cannot be turned on there; "
                      "nothing was changed", path);
    free(dir);
    return st;
}

ost_status ost_testsign_bcd_prepare(const char *path, bool allow_dirty, char **tmp, struct ost_error *err)
{
    struct ost_bcd *b;
    bool changed = false;
    *tmp = NULL;
    ost_status st = ost_bcd_open(path, true, allow_dirty, &b, err);
    if (st != OST_OK)
        return st;
    st = set_testsigning(b, &changed, err);
    if (st == OST_OK && changed)
        st = ost_bcd_save_beside(b, tmp, err);
    ost_bcd_close(b);
    return st;
}
