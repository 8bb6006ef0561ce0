/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "staged_verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catpkg.h"
#include "fileutil.h"
#include "imagelang.h"
#include "manifest.h"
#include "package.h"
#include "scratch.h"
#include "stage.h"

#define STAGED_FILE_MAX (1u << 30)

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

/* The host path of a file of the scratch copy, as the image names it. */
static char *image_path(const char *host, const char *dir, const char *folder_path)
{
    size_t n = strlen(dir);
    if (strncmp(host, dir, n) != 0 || host[n] != '/')
        return ost_xstrdup(host);
    char *rel = ost_xstrdup(host + n + 1);
    for (char *c = rel; (c = strchr(c, '/')); c++)
        *c = '\\';
    char *path = ost_winpath_join(folder_path, rel);
    free(rel);
    return path;
}

/* The signer, its digest and the members' hash algorithms of the staged
 * catalog, as cat-info reads them: what Windows will check on first boot. */
static void read_catalog_facts(const char *host_cat, const struct ost_cat_arch_result *res,
                               struct ost_staged_verdict *out)
{
    struct ost_catalog *cat = NULL;
    struct ost_error ignored;
    if (ost_catalog_read_file(host_cat, &cat, &ignored) != OST_OK)
        return;
    if (cat->nsigners) {
        const struct ost_cat_signer *s = &cat->signers[0];
        const struct ost_cat_cert *c = s->cert >= 0 && (size_t)s->cert < cat->ncerts ? &cat->certs[s->cert] : NULL;
        out->signer = ost_xstrdup(c ? c->subject : s->issuer);
        out->signer_thumbprint = c ? ost_xstrdup(c->thumbprint)
                                 : res->signer_thumbprint[0] ? ost_xstrdup(res->signer_thumbprint) : NULL;
        out->digest = s->digest_alg ? ost_xstrdup(s->digest_alg) : NULL;
    }
    struct ost_strlist algs = {0};
    for (size_t i = 0; i < cat->nmembers; i++)
        if (cat->members[i].hash_alg && !ost_strlist_contains_ci(&algs, cat->members[i].hash_alg))
            ost_strlist_add(&algs, cat->members[i].hash_alg);
    if (algs.n) {
        struct ost_buf b = {0};
        for (size_t i = 0; i < algs.n; i++)
            ost_buf_addf(&b, "%s%s", i ? ", " : "", algs.v[i]);
        out->member_digest = ost_buf_steal(&b);
    }
    ost_strlist_free(&algs);
    ost_catalog_free(cat);
}

static void describe(const struct ost_staged *rec, struct ost_staged_verdict *out)
{
    out->folder = ost_xstrdup(rec->folder);
    out->folder_path = ost_winpath_join(OST_STAGING_ROOT, rec->folder);
    out->inf_name = ost_xstrdup(rec->inf_name);
}

ost_status ost_staged_judge(struct ost_image *img, const struct ost_staged *rec, const struct ost_boot_policy *pol,
                            const struct ost_cat_trust *trust, struct ost_staged_verdict *out, struct ost_error *err)
{
    *out = (struct ost_staged_verdict){.arch = img->info.arch};
    describe(rec, out);
    char *dir = ost_scratch_dir_create("staged-copy", err);
    if (!dir)
        return err->status;
    ost_status st = copy_staged(img, rec, dir, err);
    char *inf = st == OST_OK ? ost_find_ci(dir, rec->inf_name) : NULL;
    if (st == OST_OK && !inf)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: %s is not in the staged copy", out->folder_path, rec->inf_name);
    struct ost_os_version os = {img->info.major, img->info.minor, img->info.build, 1};
    struct ost_package_options po = {.model = {.arches = {img->info.arch}, .narches = 1, .os = os}};
    po.inf.locale = ost_image_language(img);
    struct ost_package_report *rep = NULL;
    if (st == OST_OK)
        st = ost_package_check(inf, &po, &rep, err);
    if (st == OST_OK) {
        struct ost_cat_arch_result *results = ost_xcalloc(rep->narches ? rep->narches : 1, sizeof *results);
        ost_cat_check_package(rep, trust, &os, results);
        for (size_t i = 0; i < rep->narches && !out->judged; i++) {
            const struct ost_package_arch *pa = &rep->arches[i];
            if (pa->arch != img->info.arch || !results[i].checked || !pa->stageable)
                continue;
            ost_firstboot_verdict(pa, &results[i], pol, &out->verdict);
            ost_verdict_name_files(&out->verdict, dir, out->folder_path);
            ost_verdict_fix_staged(&out->verdict, out->folder);
            out->judged = true;
            out->signature = results[i].signature;
            if (pa->catalog_path) {
                out->catalog = image_path(pa->catalog_path, dir, out->folder_path);
                read_catalog_facts(pa->catalog_path, &results[i], out);
            }
        }
        free(results);
    }
    ost_package_report_free(rep);
    free(inf);
    ost_scratch_dir_remove(dir);
    free(dir);
    return st;
}

ost_status ost_staged_boot_policy(struct ost_image *img, const struct ost_strlist *bcd, struct ost_boot_policy *pol,
                                  struct ost_error *err)
{
    *pol = (struct ost_boot_policy){.img = img};
    ost_status st = ost_boot_policy_read(pol, bcd, img, err);
    if (st != OST_OK)
        pol->testsigning = OST_UNKNOWN;
    return st;
}

static void judge_into(struct ost_image *img, const struct ost_staged *rec, const struct ost_boot_policy *pol,
                       const struct ost_cat_trust *trust, struct ost_staged_verdicts *out)
{
    ost_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
    struct ost_staged_verdict *v = &out->v[out->n++];
    struct ost_error err;
    if (ost_staged_judge(img, rec, pol, trust, v, &err) != OST_OK)
        v->problem = ost_xasprintf("the staged copy could not be read back: %s", err.message);
}

ost_status ost_staged_verdicts_read(struct ost_image *img, const struct ost_strlist *bcd, const char *folder,
                                    struct ost_staged_verdicts *out, struct ost_error *err)
{
    *out = (struct ost_staged_verdicts){0};
    struct ost_manifest m = {0};
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    struct ost_cat_trust *trust = ost_cat_trust_new();
    if (m.n)
        st = ost_image_add_trust(img, trust, err);
    /* a store the user named must be read; one of the image's own (its
     * BCD-Template, or a boot store its target found) that cannot be
     * leaves the listing standing, testsigning unknown, the problem naming
     * the store */
    struct ost_error perr;
    if (st == OST_OK && (m.n || (bcd && bcd->n)) && ost_staged_boot_policy(img, bcd, &out->policy, &perr) != OST_OK) {
        if (bcd && bcd->n)
            st = ost_fail(err, perr.status, "%s", perr.message);
        else
            out->policy_problem = ost_xstrdup(perr.message);
    } else if (out->policy.testsigning_problem[0]) {
        out->policy_problem = ost_xstrdup(out->policy.testsigning_problem);
    }
    for (size_t i = 0; st == OST_OK && i < m.n; i++)
        if (!folder || ost_streq_ci(folder, m.items[i].folder))
            judge_into(img, &m.items[i], &out->policy, trust, out);
    ost_cat_trust_free(trust);
    ost_manifest_free(&m);
    return st;
}

/* The folder add-driver would stage the package in: its plan names it by
 * the package's own files, whatever it would then decide. */
static char *planned_folder(struct ost_image *img, const char *inf_path)
{
    struct ost_strlist infs = {0};
    ost_strlist_add(&infs, inf_path);
    struct ost_stage_options so = {.force_unsigned = true};
    struct ost_stage_plan *plan = NULL;
    struct ost_error ignored;
    char *folder = NULL;
    if (ost_stage_plan(img, &infs, &so, &plan, &ignored) == OST_OK && plan->npackages && plan->packages[0].folder)
        folder = ost_xstrdup(plan->packages[0].folder);
    ost_stage_plan_free(plan);
    ost_strlist_free(&infs);
    return folder;
}

ost_status ost_staged_copies_of(struct ost_image *img, const char *inf_path, const struct ost_boot_policy *pol,
                                const struct ost_cat_trust *trust, struct ost_staged_verdicts *out,
                                struct ost_error *err)
{
    *out = (struct ost_staged_verdicts){0};
    struct ost_manifest m = {0};
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    const char *slash = strrchr(inf_path, '/');
    const char *name = slash ? slash + 1 : inf_path;
    const char *arch = ost_arch_name(img->info.arch);
    char *folder = NULL;
    for (size_t i = 0; i < m.n; i++) {
        const struct ost_staged *rec = &m.items[i];
        if (!ost_streq_ci(rec->inf_name, name) || (rec->arch && !ost_streq_ci(rec->arch, arch)))
            continue;
        if (!folder)
            folder = planned_folder(img, inf_path);
        judge_into(img, rec, pol, trust, out);
        out->v[out->n - 1].same_package = folder && ost_streq_ci(folder, rec->folder);
    }
    free(folder);
    ost_manifest_free(&m);
    return OST_OK;
}

const struct ost_staged_verdict *ost_staged_verdicts_find(const struct ost_staged_verdicts *s, const char *folder)
{
    for (size_t i = 0; i < s->n; i++)
        if (ost_streq_ci(s->v[i].folder, folder))
            return &s->v[i];
    return NULL;
}

const char *ost_staged_verdict_word(const struct ost_staged_verdict *v)
{
    if (v->problem)
        return "unreadable";
    if (!v->judged)
        return "-";
    if (v->verdict.kind != OST_VERDICT_NO_LOAD)
        return ost_verdict_kind_name(v->verdict.kind);
    /* a boot-start driver winload refuses stops the boot: no device to show Code 52 on */
    return v->verdict.loads == OST_LOAD_BOOT_STOPS ? "boot stops" : "Code 52";
}

void ost_staged_verdict_free(struct ost_staged_verdict *v)
{
    free(v->folder), free(v->folder_path), free(v->inf_name);
    ost_verdict_free(&v->verdict);
    free(v->catalog), free(v->signer), free(v->signer_thumbprint), free(v->digest), free(v->member_digest);
    free(v->problem);
    *v = (struct ost_staged_verdict){0};
}

void ost_staged_verdicts_free(struct ost_staged_verdicts *s)
{
    for (size_t i = 0; i < s->n; i++)
        ost_staged_verdict_free(&s->v[i]);
    free(s->v);
    free(s->policy_problem);
    *s = (struct ost_staged_verdicts){0};
}
