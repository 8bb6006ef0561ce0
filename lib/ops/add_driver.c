/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "add_driver.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interrupt.h"
#include "manifest.h"
#include "scratch.h"
#include "fileutil.h"

#define STAGED_FILE_MAX (1u << 30)

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
                                      .recurse = o->recurse};
}

static ost_status plan_images(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
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
        j->refused = j->refused || ost_stage_plan_refused(im->plan);
        j->changes = j->changes || im->plan->changes || im->test_sign.changes;
    }
    if (j->signer && o->bcd) {
        ost_status st = ost_testsign_bcd_plan(o->bcd, o->force, &j->bcd_changes, err);
        if (st != OST_OK)
            return st;
        j->changes = j->changes || j->bcd_changes;
    }
    /* read for the verdicts only after the write: a store that cannot be read
     * must stop the command before it writes, not after */
    ost_tristate ts;
    if (!j->signer && o->bcd)
        return ost_bcd_file_testsigning(o->bcd, &ts, err);
    return OST_OK;
}

ost_status ost_add_driver_plan(const struct ost_add_driver_options *opts, struct ost_add_driver_job **out,
                               struct ost_error *err)
{
    struct ost_add_driver_job *j = ost_xcalloc(1, sizeof *j);
    *out = j;
    j->opts = *opts;
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < opts->drivers.n; i++)
        st = ost_package_find_infs(opts->drivers.v[i], opts->recurse, &j->infs, err);
    if (st == OST_OK && opts->test_sign)
        st = load_signer(j, err);
    struct ost_image_options io = {.writable = !opts->dry_run, .allow_dirty = opts->force};
    if (st == OST_OK)
        st = ost_image_set_open(opts->image, opts->index, &io, &j->set, err);
    if (st == OST_OK)
        st = plan_images(j, err);
    j->outcome = j->refused ? OST_OUTCOME_REFUSED : opts->dry_run ? OST_OUTCOME_DRY_RUN
                 : j->changes ? OST_OUTCOME_STAGED : OST_OUTCOME_UNCHANGED;
    return st;
}

/* ---- applying -------------------------------------------------------------- */

/* SetupComplete.cmd runs unattended at the end of Setup: a pnputil line for
 * a package Windows would ask about waits for an answer no one gives, so
 * only packages that install silently get one. Decided on the catalog
 * that is staged (the test-signed one after ost_stage_test_sign), with the
 * --test-sign certificate counted as trusted as it will be. */
static void setup_complete_silent_only(const struct ost_add_driver_job *j, struct ost_add_driver_image *im)
{
    struct ost_boot_policy pol = {.img = im->img, .planned_thumbprint = j->signer ? j->cert.thumbprint : NULL};
    ost_boot_policy_read_sha2(&pol, im->img);
    for (size_t k = 0; k < im->plan->npackages; k++) {
        struct ost_stage_package *p = &im->plan->packages[k];
        if (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT)
            continue;
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
        if (!staging && !im->test_sign.changes)
            continue;
        struct ost_stage_options so = stage_options(j, im->trust);
        ost_status st = OST_OK;
        if (staging && j->signer)
            st = ost_stage_test_sign(im->img, im->plan, &so, err);
        if (st == OST_OK && staging && o->setup_complete)
            setup_complete_silent_only(j, im);
        if (st == OST_OK && staging)
            st = ost_stage_apply(im->img, im->plan, &so, err);
        if (st == OST_OK && im->test_sign.changes)
            st = ost_testsign_apply(im->img, &j->cert, &im->test_sign, err);
        if (st == OST_OK)
            st = ost_image_commit(im->img, err);
        if (st != OST_OK)
            return st;
    }
    return ost_image_set_commit(&j->set, o->progress, o->progress_ctx, err);
}

/* The BCD store is written whole to a synced temporary before the image,
 * and renamed into place after it: a store that cannot be written leaves
 * the image untouched, and an image that cannot be written leaves the
 * store as it was. Only the rename can fail in between; then the message
 * says what was written and how to finish. */
ost_status ost_add_driver_apply(struct ost_add_driver_job *j, struct ost_error *err)
{
    const struct ost_add_driver_options *o = &j->opts;
    if (j->refused || o->dry_run || !(j->changes || o->setup_complete))
        return OST_OK;
    char *bcd_tmp = NULL;
    /* a signal from here on ends the command through the image's commit
     * (which refuses to start) or not at all: the store's temporary is
     * removed, or renamed into place once the image is written */
    ost_interrupt_defer_begin();
    ost_status st = OST_OK;
    if (j->bcd_changes && (st = ost_testsign_bcd_prepare(o->bcd, o->force, &bcd_tmp, err)) != OST_OK) {
        ost_interrupt_defer_end();
        char *why = ost_xstrdup(err->message);
        ost_fail(err, st, "%s; nothing was changed", why);
        free(why);
        return st;
    }
    st = apply_images(j, err);
    if (bcd_tmp && st == OST_OK && (st = ost_rename_into_place(bcd_tmp, o->bcd, err)) != OST_OK) {
        char *why = ost_xstrdup(err->message);
        ost_fail(err, st, "%s\nThe image %s is written with every change of this command, but testsigning is "
                 "still off in the BCD store %s. To finish, run:\n  offstage bcd --store %s --set testsigning on",
                 why, o->image, o->bcd, o->bcd);
        free(why);
    }
    if (bcd_tmp && st != OST_OK)
        unlink(bcd_tmp);
    free(bcd_tmp);
    ost_interrupt_defer_end();
    j->applied = st == OST_OK;
    return st;
}

/* ---- verdicts -------------------------------------------------------------- */

/* A path below the staged folder that stays below a host folder: plain
 * names only (the manifest is input like any file in the image). */
static char *host_relative(const char *path, const char *folder)
{
    size_t n = strlen(folder);
    if (!ost_has_prefix_ci(path, folder) || path[n] != '\\' || !path[n + 1])
        return NULL;
    char *rel = ost_xstrdup(path + n + 1);
    bool ok = true;
    for (char *part = rel, *end; ok && part; part = end ? end + 1 : NULL) {
        end = strchr(part, '\\');
        size_t len = end ? (size_t)(end - part) : strlen(part);
        ok = len && !(len == 1 && part[0] == '.') && !(len == 2 && !strncmp(part, "..", 2)) &&
             !memchr(part, '/', len);
        if (end)
            *end = '/';
    }
    if (!ok) {
        free(rel);
        return NULL;
    }
    return rel;
}

/* Copies what the manifest says is staged in rec's folder, read through
 * the target, into dir. */
static ost_status copy_staged(struct ost_image *img, const struct ost_staged *rec, const char *dir,
                              struct ost_error *err)
{
    char *folder = ost_winpath_join(OST_STAGING_ROOT, rec->folder);
    ost_status st = OST_OK;
    for (size_t i = 0; i < rec->files.n && st == OST_OK; i++) {
        char *rel = host_relative(rec->files.v[i], folder);
        if (!rel)
            continue;
        char *dest = ost_path_join(dir, rel);
        for (char *c = dest + strlen(dir) + 1; (c = strchr(c, '/')); c++) {
            *c = '\0';
            if (mkdir(dest, 0700) != 0 && errno != EEXIST)
                st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", dest, strerror(errno));
            *c = '/';
        }
        uint8_t *data = NULL;
        size_t size = 0;
        if (st == OST_OK)
            st = ost_target_read_file(img->target, rec->files.v[i], STAGED_FILE_MAX, &data, &size, err);
        if (st == OST_OK)
            st = ost_write_new_file(dest, data, size, err);
        free(data), free(dest), free(rel);
    }
    free(folder);
    return st;
}

/* The verdict of the staged copy: its INF, catalog and files read back
 * through the target and checked as any package is, against what the
 * image trusts now. */
static ost_status judge_staged(struct ost_add_driver_image *im, const struct ost_manifest *m,
                               const struct ost_boot_policy *pol, const struct ost_cat_trust *trust,
                               struct ost_add_driver_verdict *v, struct ost_error *err)
{
    struct ost_image *img = im->img;
    const struct ost_staged *rec = ost_manifest_find(m, v->package->folder);
    if (!rec)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: %s lists no package in %s", img->target->name, OST_MANIFEST_PATH,
                        v->package->folder);
    char *dir = ost_scratch_dir_create("staged-copy", err);
    if (!dir)
        return err->status;
    ost_status st = copy_staged(img, rec, dir, err);
    char *inf = st == OST_OK ? ost_find_ci(dir, rec->inf_name) : NULL;
    if (st == OST_OK && !inf)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: %s is not in the staged copy", v->package->folder_path,
                      rec->inf_name);
    struct ost_os_version os = {img->info.major, img->info.minor, img->info.build, 1};
    struct ost_package_options po = {.model = {.arches = {img->info.arch}, .narches = 1, .os = os}};
    struct ost_package_report *rep = NULL;
    if (st == OST_OK)
        st = ost_package_check(inf, &po, &rep, err);
    if (st == OST_OK) {
        struct ost_cat_arch_result *results = ost_xcalloc(rep->narches ? rep->narches : 1, sizeof *results);
        ost_cat_check_package(rep, trust, &os, results);
        for (size_t i = 0; i < rep->narches && !v->judged; i++) {
            if (rep->arches[i].arch != img->info.arch || !results[i].checked || !rep->arches[i].stageable)
                continue;
            ost_firstboot_verdict(&rep->arches[i], &results[i], pol, &v->verdict);
            ost_verdict_name_files(&v->verdict, dir, v->package->folder_path);
            v->judged = true;
            v->signature = results[i].signature;
        }
        free(results);
    }
    ost_package_report_free(rep);
    free(inf);
    ost_scratch_dir_remove(dir);
    free(dir);
    return st;
}

/* A dry run's verdict of a package --test-sign would sign: from what the
 * plan would do, not from a check of a catalog that was never made. */
static void predict_test_signed(const struct ost_add_driver_job *j, const struct ost_add_driver_image *im,
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
        .boot_critical = pa->boot_critical,
        .driver_embedded_signature = embedded || p->test_sign_embed,
        .digest = ost_digest_name(j->opts.digest),
        .embedded_digest = p->test_sign_embed ? ost_digest_name(j->opts.digest) : NULL,
        .sha2 = pol->sha2.state == OST_SHA2_NO ? OST_NO : pol->sha2.state == OST_SHA2_YES ? OST_YES : OST_UNKNOWN,
        .sha2_source = pol->sha2.evidence,
    };
    ost_verdict_decide(&in, &v->verdict);
    const char *where = j->opts.bcd ? pol->testsigning_source
                        : im->test_sign.has_template ? "the image's BCD-Template" : NULL;
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
static void judge_planned(const struct ost_add_driver_job *j, const struct ost_add_driver_image *im,
                          const struct ost_boot_policy *pol, struct ost_add_driver_verdict *v)
{
    const struct ost_stage_package *p = v->package;
    const struct ost_package_arch *pa = &p->report->arches[0];
    v->predicted = true;
    if (p->test_sign && !p->test_signed) {
        predict_test_signed(j, im, pol, v);
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
    struct ost_boot_policy pol = {.img = img};
    struct ost_error perr;
    if (ost_boot_policy_read(&pol, j->opts.bcd, img, &perr) != OST_OK)
        im->policy_problem = ost_xstrdup(perr.message);
    ost_boot_policy_read_sha2(&pol, img);
    struct ost_boot_policy planned = pol;
    if (j->signer && !j->applied) {
        /* what this command would add and turn on, on a dry run */
        planned.planned_thumbprint = j->cert.thumbprint;
        if (j->opts.bcd || im->test_sign.has_template)
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
            judge_planned(j, im, &planned, v);
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
        for (size_t k = 0; k < im->nverdicts; k++) {
            ost_verdict_free(&im->verdicts[k].verdict);
            free(im->verdicts[k].problem);
        }
        free(im->verdicts);
        free(im->policy_problem);
        ost_stage_plan_free(im->plan);
        ost_cat_trust_free(im->trust);
    }
    free(j->images);
    ost_image_set_close(&j->set);
    ost_strlist_free(&j->infs);
    ost_signer_free(j->signer);
    ost_cert_free(&j->cert);
    free(j);
}
