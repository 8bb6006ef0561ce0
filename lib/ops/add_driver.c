/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "add_driver.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interrupt.h"
#include "manifest.h"
#include "fileutil.h"
#include "staged_verdict.h"

/* ---- planning ------------------------------------------------------------ */

/* The one file with this extension in dir, as make-test-cert leaves it. */
static char *find_one(const char *dir, const char *ext, struct ost_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    char *found = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (ost_has_suffix_ci(e->d_name, ext) && n++ == 0)
            found = ost_path_join(dir, e->d_name);
    closedir(d);
    if (n != 1) {
        ost_fail(err, OST_ERR_USAGE, "%s: expected one %s file (from `offstage make-test-cert --out %s`), found %zu; "
                 "give --cert and --key instead", dir, ext, dir, n);
        free(found);
        return NULL;
    }
    return found;
}

static ost_status load_signer(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
    char *cert = NULL, *key = NULL;
    if (o->sign_dir && (!(cert = find_one(o->sign_dir, ".cer", err)) || !(key = find_one(o->sign_dir, ".key", err)))) {
        free(cert);
        return err->status;
    }
    struct ost_signer_options so = {0};
    ost_status st = ost_signer_load(key ? key : o->key, cert ? cert : o->cert, &so, &j->signer, err);
    size_t n = 0;
    const uint8_t *der = st == OST_OK ? ost_signer_cert_der(j->signer, &n) : NULL;
    if (st == OST_OK)
        st = ost_cert_from_der(der, n, cert ? cert : o->cert, &j->cert, err);
    free(cert), free(key);
    return st;
}

/* What the image will trust: its ROOT and TrustedPublisher stores, --trust,
 * and with --test-sign the certificate about to be added. */
static ost_status image_trust(struct ost_add_driver_job *j, struct ost_image *img, struct ost_cat_trust **out,
                              bool with_signer, struct ost_error *err)
{
    struct ost_cat_trust *t = ost_cat_trust_new();
    *out = t;
    ost_status st = ost_image_add_trust(img, t, err);
    for (size_t i = 0; st == OST_OK && i < j->opts.trust.n; i++)
        st = ost_cat_trust_add_file(t, j->opts.trust.v[i], err);
    if (st == OST_OK && with_signer && j->signer)
        st = ost_cat_trust_add_der(t, j->cert.der, j->cert.der_len, "the --test-sign certificate", err);
    return st;
}

static struct ost_stage_options stage_options(const struct ost_add_driver_job *j, const struct ost_cat_trust *trust)
{
    const struct ost_add_driver_options *o = &j->opts;
    return (struct ost_stage_options){.trust = trust, .test_signer = j->signer, .test_digest = o->digest,
                                      .force_unsigned = o->force_unsigned, .setup_complete = o->setup_complete,
                                      .recurse = o->recurse, .no_rearm = o->no_rearm};
}

/* SetupComplete.cmd runs once, at the end of Setup: an installed system
 * never runs it again (Microsoft, "Add a Custom Script to Windows Setup"). */
static ost_status check_setup_complete(struct ost_add_driver_job *j, struct ost_error *err)
{
    for (size_t i = 0; j->opts.setup_complete && i < j->set.n; i++) {
        struct ost_image_kind_info k;
        ost_image_kind_read(j->set.v[i], &k);
        if (k.kind == OST_IMAGE_KIND_INSTALLED)
            return ost_fail(err, OST_ERR_UNSUPPORTED,
                            "%s: --setup-complete: the image is an installed system (%s), and Windows runs "
                            "Windows\\Setup\\Scripts\\SetupComplete.cmd only at the end of Setup, never again; "
                            "nothing was changed. Stage without --setup-complete (Plug and Play installs the "
                            "packages from DevicePath), or give the generalized image (install.wim) instead",
                            j->set.v[i]->target->name, k.evidence);
        if (k.kind == OST_IMAGE_KIND_WINPE)
            ost_strlist_add_owned(&j->set.notices, ost_xasprintf(
                "warning: %s: --setup-complete: the image is Windows PE (%s), which runs startnet.cmd, not "
                "SetupComplete.cmd: the lines written there never run (it belongs in the image Setup installs, "
                "install.wim)",
                j->set.v[i]->target->name, k.evidence));
        if (k.kind == OST_IMAGE_KIND_UNKNOWN)
            ost_strlist_add_owned(&j->set.notices, ost_xasprintf(
                "warning: %s: --setup-complete: the image does not say whether Setup will still run (%s); "
                "SetupComplete.cmd runs only at the end of Setup, so on an installed system its lines never run",
                j->set.v[i]->target->name, k.evidence));
    }
    return OST_OK;
}

/* Packages named one by one for a set of images of both architectures go
 * where they fit, as with --recurse: one built for another architecture
 * than an image is skipped there when another image of the set takes it,
 * and refused only when none does. */
static void skip_other_arches(struct ost_add_driver_job *j)
{
    if (j->opts.recurse)
        return;
    for (size_t k = 0; k < j->infs.n; k++) {
        bool fits = false;
        for (size_t i = 0; i < j->nimages; i++) {
            enum ost_stage_action a = j->images[i].plan->packages[k].action;
            fits = fits || a == OST_STAGE_COPY || a == OST_STAGE_PRESENT;
        }
        for (size_t i = 0; fits && i < j->nimages; i++) {
            struct ost_stage_package *p = &j->images[i].plan->packages[k];
            if (p->action != OST_STAGE_REFUSED || !p->other_arch)
                continue;
            free(p->reason);
            p->reason = ost_xasprintf("built for another architecture than this %s image (staged into the images "
                                      "of its own)", ost_arch_name(j->images[i].img->info.arch));
            p->action = OST_STAGE_SKIP_ARCH;
        }
    }
    j->refused = false;
    for (size_t i = 0; i < j->nimages; i++)
        j->refused = j->refused || ost_stage_plan_refused(j->images[i].plan);
}

static void setup_complete_silent_only(const struct ost_add_driver_job *j, struct ost_add_driver_image *im,
                                       bool planning);

static ost_status plan_images(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
    ost_status setup_st = check_setup_complete(j, err);
    if (setup_st != OST_OK)
        return setup_st;
    j->nimages = j->set.n;
    j->images = ost_xcalloc(j->nimages ? j->nimages : 1, sizeof *j->images);
    for (size_t i = 0; i < j->nimages; i++) {
        struct ost_add_driver_image *im = &j->images[i];
        im->img = j->set.v[i];
        ost_status st = image_trust(j, im->img, &im->trust, true, err);
        struct ost_stage_options so = stage_options(j, im->trust);
        if (st == OST_OK)
            st = ost_stage_plan(im->img, &j->infs, &so, &im->plan, err);
        if (st == OST_OK && j->signer)
            st = ost_testsign_plan(im->img, &j->cert, &im->test_sign, err);
        if (st != OST_OK)
            return st;
        if (o->setup_complete)
            setup_complete_silent_only(j, im, true);
        j->refused = j->refused || ost_stage_plan_refused(im->plan);
        j->changes = j->changes || im->plan->changes || im->test_sign.changes;
    }
    skip_other_arches(j);
    if (o->bcd.n > OST_BOOT_MAX_STORES)
        return ost_fail(err, OST_ERR_USAGE, "--bcd given %zu times; at most %d stores are read", o->bcd.n,
                        OST_BOOT_MAX_STORES);
    for (size_t i = 0; j->signer && i < o->bcd.n; i++) {
        ost_status st = ost_testsign_bcd_plan(o->bcd.v[i], o->force, &j->bcd_needed[i], err);
        if (st != OST_OK)
            return st;
        j->bcd_changes = j->bcd_changes || j->bcd_needed[i];
        j->changes = j->changes || j->bcd_needed[i];
    }
    /* read for the verdicts only after the write: a store that cannot be read
     * must stop the command before it writes, not after */
    ost_tristate ts;
    for (size_t i = 0; !j->signer && i < o->bcd.n; i++) {
        ost_status st = ost_bcd_file_testsigning(o->bcd.v[i], &ts, err);
        if (st != OST_OK)
            return st;
    }
    return OST_OK;
}

/* set: the images, opened by the caller; NULL: open opts->image. */
static ost_status plan_job(const struct ost_add_driver_options *opts, struct ost_image_set *set,
                           struct ost_add_driver_job **out, struct ost_error *err)
{
    struct ost_add_driver_job *j = ost_xcalloc(1, sizeof *j);
    *out = j;
    j->opts = *opts;
    if (set) {
        j->set = *set;
        *set = (struct ost_image_set){0};
    }
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < opts->drivers.n; i++)
        st = ost_package_find_infs(opts->drivers.v[i], opts->recurse, &j->infs, err);
    if (st == OST_OK && opts->test_sign)
        st = load_signer(j, err);
    struct ost_image_options io = {.writable = !opts->dry_run, .allow_dirty = opts->force, .next_boot = true,
                                   .disk = &j->opts.disk};
    if (st == OST_OK && !set)
        st = ost_image_set_open(opts->image, opts->index, &io, &j->set, err);
    if (st == OST_OK)
        st = plan_images(j, err);
    j->outcome = j->refused ? OST_OUTCOME_REFUSED : opts->dry_run ? OST_OUTCOME_DRY_RUN
                 : j->changes ? OST_OUTCOME_STAGED : OST_OUTCOME_UNCHANGED;
    return st;
}

ost_status ost_add_driver_plan(const struct ost_add_driver_options *opts, struct ost_add_driver_job **out,
                               struct ost_error *err)
{
    return plan_job(opts, NULL, out, err);
}

ost_status ost_add_driver_plan_set(const struct ost_add_driver_options *opts, struct ost_image_set *set,
                                   struct ost_add_driver_job **out, struct ost_error *err)
{
    return plan_job(opts, set, out, err);
}

/* ---- applying -------------------------------------------------------------- */

static void free_verdicts(struct ost_add_driver_image *im)
{
    for (size_t k = 0; k < im->nverdicts; k++) {
        ost_verdict_free(&im->verdicts[k].verdict);
        free(im->verdicts[k].problem);
    }
    free(im->verdicts);
    free(im->policy_problem);
    im->verdicts = NULL, im->nverdicts = 0, im->policy_problem = NULL;
}

/* SetupComplete.cmd runs unattended at the end of Setup: a pnputil line for
 * a package Windows would ask about waits for an answer no one gives, so
 * only packages that install silently get one. Decided on the catalog
 * that is staged (the test-signed one after ost_stage_test_sign), with the
 * --test-sign certificate counted as trusted as it will be. */
static void setup_complete_silent_only(const struct ost_add_driver_job *j, struct ost_add_driver_image *im,
                                       bool planning)
{
    struct ost_boot_policy pol = {.img = im->img, .planned_thumbprint = j->signer ? j->cert.thumbprint : NULL};
    ost_boot_policy_read_sha2(&pol, im->img);
    for (size_t k = 0; k < im->plan->npackages; k++) {
        struct ost_stage_package *p = &im->plan->packages[k];
        if ((p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT) || p->no_setup_complete)
            continue;
        if (planning && p->test_sign && !p->test_signed)
            continue; /* decided at apply, on the catalog then made */
        struct ost_verdict v = {.installs = OST_INSTALL_UNKNOWN};
        if (p->signature.checked)
            ost_firstboot_verdict(&p->report->arches[0], &p->signature, &pol, &v);
        if (v.installs == OST_INSTALL_SILENT) {
            ost_verdict_free(&v);
            continue;
        }
        p->no_setup_complete = true;
        ost_strlist_add_owned(&p->notes,
                              ost_xasprintf("no pnputil line in SetupComplete.cmd: it does not install silently "
                                            "(%s), and nothing answers a prompt there; it stays staged for Plug "
                                            "and Play", v.install_reason ? v.install_reason
                                                        : "its signature was not checked for this architecture"));
        ost_verdict_free(&v);
    }
    struct ost_stage_options so = stage_options(j, im->trust);
    ost_stage_plan_update_writes(im->img, im->plan, &so);
}

/* Applies every image's plan and writes the images (a WIM once). */
static ost_status apply_images(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
    if (j->set.wim)
        ost_wim_session_set_level(j->set.wim, o->compression_level);
    for (size_t i = 0; i < j->nimages; i++) {
        struct ost_add_driver_image *im = &j->images[i];
        bool staging = im->plan->changes || o->setup_complete;
        if (!staging && !im->test_sign.changes && !j->bcd_changes)
            continue;
        struct ost_stage_options so = stage_options(j, im->trust);
        ost_status st = OST_OK;
        if (staging && j->signer)
            st = ost_stage_test_sign(im->img, im->plan, &so, err);
        if (st == OST_OK && staging && o->setup_complete)
            setup_complete_silent_only(j, im, false);
        if (st == OST_OK && staging)
            st = ost_stage_apply(im->img, im->plan, &so, err);
        if (st == OST_OK && (im->test_sign.changes || j->bcd_changes))
            st = ost_testsign_apply(im->img, &j->cert, &im->test_sign, &j->bcd_record, err);
        if (st == OST_OK)
            st = ost_image_commit(im->img, err);
        if (st != OST_OK)
            return st;
    }
    /* a disk's verdicts read its overlay before the commit: the overlay
     * holds the bytes the commit writes, and read after, the disk would be
     * served a second time for them. Not when a BCD store beside the image
     * is renamed into place after it: the verdicts read that store. */
    bool early = j->set.disk && !j->bcd_changes;
    if (early) {
        j->applied = true;
        ost_add_driver_verdicts(j);
    }
    ost_status st = ost_image_set_commit(&j->set, o->progress, o->progress_ctx, err);
    if (st != OST_OK && early) {
        j->applied = false;
        for (size_t i = 0; i < j->nimages; i++)
            free_verdicts(&j->images[i]);
    }
    return st;
}

/* Each BCD store is written whole to a synced temporary before the image,
 * and renamed into place after it: a store that cannot be written leaves
 * the image untouched, and an image that cannot be written leaves every
 * store as it was. Only a rename can fail in between; then the message
 * says what was written and how to finish. */
ost_status ost_add_driver_apply(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
    if (j->refused || o->dry_run || !(j->changes || o->setup_complete))
        return OST_OK;
    char *bcd_tmp[OST_BOOT_MAX_STORES] = {0};
    size_t nstores = o->bcd.n < OST_BOOT_MAX_STORES ? o->bcd.n : OST_BOOT_MAX_STORES;
    /* a signal from here on ends the command through the image's commit
     * (which refuses to start) or not at all: the stores' temporaries are
     * removed, or renamed into place once the image is written */
    ost_interrupt_defer_begin();
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < nstores; i++)
        if (j->bcd_needed[i])
            st = ost_testsign_bcd_prepare_recorded(o->bcd.v[i], o->force, &bcd_tmp[i], &j->bcd_record, err);
    if (st != OST_OK) {
        for (size_t i = 0; i < nstores; i++)
            if (bcd_tmp[i])
                unlink(bcd_tmp[i]), free(bcd_tmp[i]);
        ost_interrupt_defer_end();
        char *why = ost_xstrdup(err->message);
        ost_fail(err, st, "%s; nothing was changed", why);
        free(why);
        return st;
    }
    st = apply_images(j, err);
    for (size_t i = 0; i < nstores; i++) {
        if (!bcd_tmp[i])
            continue;
        if (st == OST_OK && (st = ost_rename_into_place(bcd_tmp[i], o->bcd.v[i], err)) != OST_OK) {
            struct ost_buf finish = {0};
            for (size_t k = i; k < nstores; k++)
                if (bcd_tmp[k])
                    ost_buf_addf(&finish, "\n  offstage bcd --store %s --set testsigning on", o->bcd.v[k]);
            char *why = ost_xstrdup(err->message);
            ost_fail(err, st, "%s\nThe image %s is written with every change of this command, but testsigning is "
                     "still off in the BCD store %s%s. To finish, run:%s", why, o->image, o->bcd.v[i],
                     i + 1 < nstores ? " and any named below" : "", finish.data);
            free(why);
            ost_buf_free(&finish);
            unlink(bcd_tmp[i]);
        } else if (st != OST_OK) {
            unlink(bcd_tmp[i]);
        }
        free(bcd_tmp[i]);
    }
    ost_interrupt_defer_end();
    j->applied = st == OST_OK;
    return st;
}

/* ---- verdicts -------------------------------------------------------------- */

/* The verdict of the staged copy, read back through the target against
 * what the image trusts now (staged_verdict.h). */
static ost_status judge_staged(struct ost_add_driver_image *im, const struct ost_manifest *m,
                               const struct ost_boot_policy *pol, const struct ost_cat_trust *trust,
                               struct ost_add_driver_verdict *v, struct ost_error *err)
{
    const struct ost_staged *rec = ost_manifest_find(m, v->package->folder);
    if (!rec)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: %s lists no package in %s", im->img->target->name,
                        OST_MANIFEST_PATH, v->package->folder);
    struct ost_staged_verdict sv;
    ost_status st = ost_staged_judge(im->img, rec, pol, trust, &sv, err);
    v->judged = sv.judged;
    v->signature = sv.signature;
    v->verdict = sv.verdict;
    sv.verdict = (struct ost_verdict){0};
    ost_staged_verdict_free(&sv);
    return st;
}

/* A dry run's verdict of a package --test-sign would sign: from what the
 * plan would do, not from a check of a catalog that was never made. */
static void predict_test_signed(const struct ost_add_driver_job *j,
                                const struct ost_boot_policy *pol, struct ost_add_driver_verdict *v)
{
    const struct ost_stage_package *p = v->package;
    const struct ost_package_arch *pa = &p->report->arches[0];
    bool embedded = true;
    for (size_t i = 0; i < pa->nfiles; i++)
        if (pa->files[i].is_pe && !pa->files[i].embedded_signature)
            embedded = false;
    struct ost_verdict_input in = {
        .arch = pa->arch,
        .signature = OST_SIG_TRUSTED,
        .signer_in_root = true,
        .signer_in_trusted_publisher = true,
        .testsigning = pol->testsigning,
        .testsigning_source = pol->testsigning_source[0] ? pol->testsigning_source : NULL,
        .testsigning_fix = pol->testsigning_fix[0] ? pol->testsigning_fix : NULL,
        .testsigning_problem = pol->testsigning_problem[0] ? pol->testsigning_problem : NULL,
        .boot_critical = pa->boot_critical,
        .driver_embedded_signature = embedded || p->test_sign_embed,
        .digest = ost_digest_name(j->opts.digest),
        .embedded_digest = p->test_sign_embed ? ost_digest_name(j->opts.digest) : NULL,
        .sha2 = pol->sha2.state == OST_SHA2_NO ? OST_NO : pol->sha2.state == OST_SHA2_YES ? OST_YES : OST_UNKNOWN,
        .sha2_source = pol->sha2.evidence,
    };
    ost_verdict_decide(&in, &v->verdict);
    ost_boot_policy_note(pol, &in, &v->verdict);
    char stores[1200];
    ost_boot_policy_stores_text(pol, stores, sizeof stores);
    bool own = pol->img && pol->img->target->boot_stores.n;
    const char *where = j->opts.bcd.n || pol->template_decides || own ? stores : NULL;
    char *summary = ost_xasprintf("%s; predicted: it would be test-signed by %s (%s), which the image would then "
                                  "trust in ROOT and TrustedPublisher%s%s%s", v->verdict.summary, j->cert.subject,
                                  j->cert.thumbprint, where ? "; testsigning would be on in " : "",
                                  where ? where : "", p->test_sign_embed ? "; its .sys files would carry an "
                                  "embedded signature" : "");
    free(v->verdict.summary);
    v->verdict.summary = summary;
    v->judged = true;
    v->signature = p->signature.signature;
}

/* A verdict from the plan: a package not staged (a dry run, or a job
 * that was refused). */
static void judge_planned(const struct ost_add_driver_job *j,
                          const struct ost_boot_policy *pol, struct ost_add_driver_verdict *v)
{
    const struct ost_stage_package *p = v->package;
    const struct ost_package_arch *pa = &p->report->arches[0];
    v->predicted = true;
    if (p->test_sign && !p->test_signed) {
        predict_test_signed(j, pol, v);
        return;
    }
    if (!p->signature.checked || !pa->stageable)
        return;
    ost_firstboot_verdict(pa, &p->signature, pol, &v->verdict);
    v->judged = true;
    v->signature = p->signature.signature;
}

static void image_verdicts(struct ost_add_driver_job *j, struct ost_add_driver_image *im)
{
    struct ost_image *img = im->img;
    struct ost_boot_policy pol = {.img = img, .store_names = &j->opts.bcd_names, .recovery_of = j->opts.recovery_of};
    struct ost_error perr;
    if (ost_boot_policy_read(&pol, &j->opts.bcd, img, &perr) != OST_OK)
        im->policy_problem = ost_xstrdup(perr.message);
    else if (pol.testsigning_problem[0])
        im->policy_problem = ost_xstrdup(pol.testsigning_problem);
    struct ost_boot_policy planned = pol;
    if (j->signer && !j->applied) {
        /* what this command would add and turn on, on a dry run */
        planned.planned_thumbprint = j->cert.thumbprint;
        if (j->opts.bcd.n || pol.template_decides || img->target->boot_stores.n)
            planned.testsigning = OST_YES;
    }
    struct ost_manifest m = {0};
    struct ost_cat_trust *trust = NULL;
    bool read_back = false;
    for (size_t k = 0; k < im->plan->npackages; k++) {
        enum ost_stage_action a = im->plan->packages[k].action;
        read_back = read_back || a == OST_STAGE_PRESENT || (a == OST_STAGE_COPY && j->applied);
    }
    /* after a write, what cannot be read back is said with the verdict:
     * the command did what it should */
    char *unreadable = NULL;
    /* a copy already staged, when this command writes nothing (a dry run,
     * or refused): judged with what the command would add and turn on */
    bool would_add = j->signer && !j->applied && j->changes;
    if (read_back &&
        (ost_manifest_read(img, &m, &perr) != OST_OK || image_trust(j, img, &trust, would_add, &perr) != OST_OK))
        unreadable = ost_xasprintf("the staged copy could not be read back: %s", perr.message);
    im->verdicts = ost_xcalloc(im->plan->npackages ? im->plan->npackages : 1, sizeof *im->verdicts);
    for (size_t k = 0; k < im->plan->npackages; k++) {
        const struct ost_stage_package *p = &im->plan->packages[k];
        if (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT)
            continue;
        struct ost_add_driver_verdict *v = &im->verdicts[im->nverdicts++];
        v->package = p;
        v->arch = img->info.arch;
        if (p->action == OST_STAGE_COPY && !j->applied) {
            judge_planned(j, &planned, v);
        } else if (unreadable) {
            v->problem = ost_xstrdup(unreadable);
        } else {
            v->predicted = would_add;
            if (judge_staged(im, &m, would_add ? &planned : &pol, trust, v, &perr) != OST_OK)
                v->problem = ost_xasprintf("the staged copy could not be read back: %s", perr.message);
        }
        v->testsigning = v->predicted ? planned.testsigning : pol.testsigning;
    }
    free(unreadable);
    ost_cat_trust_free(trust);
    ost_manifest_free(&m);
}

void ost_add_driver_verdicts(struct ost_add_driver_job *j)
{
    for (size_t i = 0; i < j->nimages; i++)
        if (!j->images[i].verdicts)
            image_verdicts(j, &j->images[i]);
}

void ost_add_driver_free(struct ost_add_driver_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->nimages; i++) {
        struct ost_add_driver_image *im = &j->images[i];
        free_verdicts(im);
        ost_stage_plan_free(im->plan);
        ost_cat_trust_free(im->trust);
    }
    free(j->images);
    ost_image_set_close(&j->set);
    ost_strlist_free(&j->infs);
    ost_signer_free(j->signer);
    ost_cert_free(&j->cert);
    ost_manifest_trust_free(&j->bcd_record);
    free(j);
}
