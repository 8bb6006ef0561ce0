/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "stage.h"

#include <openssl/evp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catpkg.h"
#include "cimap.h"
#include "devnode.h"
#include "hive.h"
#include "imagelang.h"
#include "inf.h"
#include "match.h"
#include "pe.h"
#include "fileutil.h"

#define DEVICEPATH_KEY "Microsoft\\Windows\\CurrentVersion"

const char *ost_stage_action_name(enum ost_stage_action a)
{
    static const char *names[] = {"stage", "already-staged", "skipped-architecture", "refused"};
    return names[a];
}

static void note(struct ost_stage_package *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct ost_stage_package *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ost_strlist_add(&p->notes, buf);
}

static void refuse(struct ost_stage_package *p, enum ost_stage_action a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(struct ost_stage_package *p, enum ost_stage_action a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    p->action = a;
    free(p->reason);
    p->reason = ost_xstrdup(buf);
}

/* ---- the package's identity: SHA-256 of the INF and of what it copies ----- */

/* Read in pieces: a package file may be as large as a package may hold. */
static ost_status hash_file(EVP_MD_CTX *ctx, const char *path, struct ost_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ost_fail(err, OST_ERR_IO, "%s: cannot read it to name the package's staging folder: %s; nothing "
                        "was changed", path, strerror(errno));
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    bool failed = ferror(f);
    int saved = errno;
    fclose(f);
    return failed ? ost_fail(err, OST_ERR_IO, "%s: cannot read it to name the package's staging folder: %s; "
                             "nothing was changed", path, strerror(saved)) : OST_OK;
}

/* The hash names the staging folder, so a file that cannot be read is an
 * error: leaving it out would name different content the same. */
static ost_status package_hash(const struct ost_package_report *r, const struct ost_package_arch *pa, char **out,
                               struct ost_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    ost_status st = hash_file(ctx, r->model->inf_path, err);
    for (size_t i = 0; i < pa->nfiles && st == OST_OK; i++) {
        const struct ost_package_file *f = &pa->files[i];
        EVP_DigestUpdate(ctx, f->copy->source_path, strlen(f->copy->source_path) + 1);
        if (f->host_path)
            st = hash_file(ctx, f->host_path, err);
    }
    if (pa->catalog_path && st == OST_OK)
        st = hash_file(ctx, pa->catalog_path, err);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    *out = NULL;
    if (st != OST_OK)
        return st;
    char *hex = ost_xmalloc(17);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    *out = hex;
    return OST_OK;
}

static void sha256_hex(const uint8_t *data, size_t size, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_Digest(data, size, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ---- DevicePath ---------------------------------------------------------------- */

static bool path_list_has(const char *list, const char *entry)
{
    char *copy = ost_xstrdup(list);
    char *save = NULL;
    bool found = false;
    for (char *e = strtok_r(copy, ";", &save); e && !found; e = strtok_r(NULL, ";", &save))
        found = ost_streq_ci(ost_str_trim(e), entry);
    free(copy);
    return found;
}

static char *read_devicepath(struct ost_image *img)
{
    ost_hkey k = ost_hive_key(img->software, 0, DEVICEPATH_KEY);
    return k ? ost_hive_get_string(img->software, k, "DevicePath") : NULL;
}

/* What DevicePath holds when it is not a string, in words. */
static char *describe_value(uint32_t type, const uint8_t *data, size_t size)
{
    if (type == OST_REG_DWORD && size == 4)
        return ost_xasprintf("REG_DWORD 0x%08x", (unsigned)ost_le32(data));
    if (type == OST_REG_QWORD && size == 8)
        return ost_xasprintf("REG_QWORD 0x%016llx", (unsigned long long)ost_le64(data));
    struct ost_buf b = {0};
    ost_buf_addf(&b, "%s of %zu byte%s", ost_reg_type_name(type), size, size == 1 ? "" : "s");
    for (size_t i = 0; i < size && i < 16; i++)
        ost_buf_addf(&b, "%s%02x", i ? " " : " (", data[i]);
    if (size)
        ost_buf_adds(&b, size > 16 ? " ...)" : ")");
    return ost_buf_steal(&b);
}

/* NULL when DevicePath is absent or a string; else what it is. */
static char *devicepath_not_string(struct ost_image *img)
{
    ost_hkey k = ost_hive_key(img->software, 0, DEVICEPATH_KEY);
    uint32_t type;
    uint8_t *data;
    size_t size;
    if (!k || !ost_hive_get_raw(img->software, k, "DevicePath", &type, &data, &size))
        return NULL;
    char *what = type == OST_REG_SZ || type == OST_REG_EXPAND_SZ ? NULL : describe_value(type, data, size);
    free(data);
    return what;
}

/* DevicePath with our folder added, keeping every entry and %SystemRoot%\inf;
 * NULL when it already has it. */
static char *devicepath_with_ours(const char *before)
{
    const char *cur = before && before[0] ? before : "";
    bool has_inf = path_list_has(cur, "%SystemRoot%\\inf");
    if (path_list_has(cur, OST_STAGING_DEVICEPATH) && has_inf)
        return NULL;
    struct ost_buf b = {0};
    if (!has_inf)
        ost_buf_adds(&b, "%SystemRoot%\\inf");
    if (cur[0])
        ost_buf_addf(&b, "%s%s", b.len ? ";" : "", cur);
    if (!path_list_has(cur, OST_STAGING_DEVICEPATH))
        ost_buf_addf(&b, ";%s", OST_STAGING_DEVICEPATH);
    return ost_buf_steal(&b);
}

static char *devicepath_without_ours(const char *before)
{
    struct ost_buf b = {0};
    char *copy = ost_xstrdup(before);
    char *save = NULL;
    for (char *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save))
        if (!ost_streq_ci(ost_str_trim(e), OST_STAGING_DEVICEPATH) && e[0])
            ost_buf_addf(&b, "%s%s", b.len ? ";" : "", e);
    free(copy);
    return ost_buf_steal(&b);
}

/* ---- planning -------------------------------------------------------------- */

static bool only_machine_errors(const struct ost_package_report *r, ost_arch arch, bool *has_machine_error)
{
    *has_machine_error = false;
    for (size_t i = 0; i < r->model->diags.n; i++) {
        const struct ost_diag *d = &r->model->diags.v[i];
        if (d->severity != OST_SEV_ERROR || (d->arch != OST_ARCH_UNKNOWN && d->arch != arch))
            continue;
        if (strcmp(d->code, "wrong-machine") && strcmp(d->code, "no-models-for-arch"))
            return false;
        *has_machine_error = true;
    }
    return true;
}

static void plan_registry_notes(struct ost_image *img, struct ost_stage_package *p, const struct ost_package_arch *pa);
static void plan_rearm(struct ost_image *img, struct ost_stage_plan *plan, const struct ost_stage_options *opts);

static void plan_boot_critical(struct ost_image *img, struct ost_stage_package *p, const struct ost_package_arch *pa)
{
    p->boot_critical = true;
    if (img->info.windows8_or_later) {
        refuse(p, OST_STAGE_REFUSED,
               "boot-critical (StartType 0), and this is Windows %u.%u: Windows 8 and later have no "
               "CriticalDeviceDatabase; preinstalling boot drivers through their DriverDatabase is not supported",
               img->info.major, img->info.minor);
        return;
    }
    for (size_t i = 0; i < pa->model->nservices; i++) {
        const struct ost_service *s = &pa->model->services[i];
        char *key = ost_xasprintf("services\\%s", s->name);
        if (s->start_type == 0 && ost_hive_key(img->system, img->control_set, key)) {
            /* a service another staged package installs is not the image's own */
            struct ost_manifest m;
            struct ost_error ignore;
            const char *by = NULL;
            if (ost_manifest_read(img, &m, &ignore) != OST_OK)
                memset(&m, 0, sizeof m);
            for (size_t k = 0; k < m.n && !by; k++)
                if (ost_strlist_contains_ci(&m.items[k].services, s->name))
                    by = m.items[k].folder;
            if (by)
                refuse(p, OST_STAGE_REFUSED, "service %s is the service of %s, which offstage staged; refusing to "
                       "overwrite it (remove-driver --driver %s first to replace it)", s->name, by, by);
            else
                refuse(p, OST_STAGE_REFUSED, "service %s already exists in the image and was not staged by offstage; "
                       "refusing to overwrite it", s->name);
            ost_manifest_free(&m);
        }
        free(key);
    }
    for (size_t i = 0; i < pa->model->ndevices; i++) {
        char *k = ost_xstrdup(pa->model->devices[i].model->hardware_id);
        for (char *c = k; *c; c++)
            if (*c == '\\')
                *c = '#';
        if (k[0] && !ost_strlist_contains_ci(&p->cdd_keys, k))
            ost_strlist_add(&p->cdd_keys, k);
        free(k);
    }
    if (p->action != OST_STAGE_REFUSED)
        plan_registry_notes(img, p, pa);
}

static void plan_copies(struct ost_stage_package *p, const struct ost_package_arch *pa)
{
    const struct ost_driver_model *m = p->report->model;
    size_t n = pa->nfiles + 2;
    struct ost_cimap sources = {0}; /* a set: thousands of files stay linear */
    p->copies = ost_xcalloc(n, sizeof *p->copies);
    p->copies[p->ncopies++] = (struct ost_stage_copy){ost_xstrdup(m->inf_path), ost_winpath_join(p->folder_path, m->inf_name)};
    /* a catalog --test-sign makes has no source until ost_stage_test_sign */
    if (pa->catalog_path || p->test_sign)
        p->copies[p->ncopies++] = (struct ost_stage_copy){p->test_sign ? NULL : ost_xstrdup(pa->catalog_path),
                                                          ost_winpath_join(p->folder_path, pa->model->catalog_file)};
    for (size_t k = 0; k < p->ncopies; k++)
        if (p->copies[k].source)
            ost_cimap_put(&sources, p->copies[k].source, &sources);
    for (size_t i = 0; i < pa->nfiles; i++) {
        char *rel = ost_xstrdup(pa->files[i].copy->source_path);
        for (char *c = rel; *c; c++)
            if (*c == '/')
                *c = '\\';
        if (!ost_cimap_get(&sources, pa->files[i].host_path)) {
            ost_cimap_put(&sources, pa->files[i].host_path, &sources);
            p->copies[p->ncopies++] = (struct ost_stage_copy){ost_xstrdup(pa->files[i].host_path),
                                                              ost_winpath_join(p->folder_path, rel)};
        }
        free(rel);
    }
    ost_cimap_free(&sources);
}

static void check_includes(struct ost_image *img, struct ost_stage_package *p, const struct ost_arch_model *am)
{
    for (size_t i = 0; i < am->includes.n; i++) {
        char *path = ost_winpath_join("Windows\\inf", am->includes.v[i]);
        int kind = ost_target_stat(img->target, path);
        if (kind == 0 || kind == 2)
            note(p, "warning: included INF %s is not in the image's Windows\\inf; Windows will fail to install the "
                    "device until it is there", am->includes.v[i]);
        else if (kind < 0)
            note(p, "warning: included INF %s cannot be read in the image (Windows\\inf or the file is a link, a "
                    "special file or a name that differs only by case from another); Windows will fail to install "
                    "the device until it is a plain file there", am->includes.v[i]);
        free(path);
    }
}

/* What the catalog check finds (coverage, OS, signature, chain to what
 * the image trusts) is reported with the plan. */
static void check_catalog(struct ost_stage_package *p, const struct ost_stage_options *opts,
                          const struct ost_os_version *os)
{
    const struct ost_diags *d = &p->report->model->diags;
    size_t before = d->n;
    ost_cat_check_package(p->report, opts->trust, os, &p->signature);
    for (size_t i = before; i < d->n; i++)
        if (d->v[i].severity >= OST_SEV_WARNING && p->report->arches[0].catalog_path)
            note(p, "catalog: %s", d->v[i].message);
}

static struct ost_os_version image_os(const struct ost_image *img)
{
    return (struct ost_os_version){img->info.major, img->info.minor, img->info.build, 1};
}

/* --test-sign, decided: the catalog is made here in memory and dropped,
 * so a package it cannot be made for (no CatalogFile, ...) is refused in
 * the plan with make-cat's reason; it is made again over the signed
 * copies by ost_stage_test_sign. */
static void plan_test_sign(struct ost_image *img, struct ost_stage_package *p, const struct ost_stage_options *opts)
{
    const struct ost_package_arch *pa = &p->report->arches[0];
    struct ost_os_version os = image_os(img);
    struct ost_buf der = {0};
    struct ost_error terr;
    if (ost_make_cat_for_arch(p->report, img->info.arch, &os, ost_catalog_time(), &der, &terr) != OST_OK) {
        refuse(p, OST_STAGE_REFUSED, "cannot test-sign it: %s", terr.message);
        ost_buf_free(&der);
        return;
    }
    ost_buf_free(&der);
    p->test_sign = true;
    p->test_sign_embed = pa->boot_critical && img->info.arch != OST_ARCH_X86;
    p->signed_ = true;
    note(p, "test-signed: a catalog made for %s and signed by %s is staged with it (the package itself is "
            "unchanged)", ost_arch_name(img->info.arch), ost_signer_subject(opts->test_signer));
    if (p->test_sign_embed)
        note(p, "test-signed: its boot-start driver files carry an embedded signature (winload reads no "
                "catalog)");
}

/* The same package is staged already: nothing is copied or signed now,
 * so what the plan said about test-signing it gives way to what the staged
 * copy carries. */
static void keep_staged_signature(struct ost_stage_package *p, const struct ost_staged *rec)
{
    struct ost_strlist kept = {0};
    for (size_t i = 0; i < p->notes.n; i++)
        if (strncmp(p->notes.v[i], "test-signed:", 12) != 0)
            ost_strlist_add(&kept, p->notes.v[i]);
    ost_strlist_free(&p->notes);
    p->notes = kept;
    p->test_sign = p->test_sign_embed = false;
    p->signed_ = rec->signed_;
    if (rec->signed_)
        note(p, "not signed again: the staged copy keeps the catalog it was staged with (%s)",
             rec->catalog && rec->catalog[0] ? rec->catalog : "its own");
    else
        note(p, "not test-signed: the staged copy was staged unsigned and is kept as it is; to stage it "
                "test-signed, remove it first (remove-driver --driver %s) and run add-driver --test-sign again",
             rec->inf_name);
}

static ost_status plan_package(struct ost_image *img, const char *inf, const struct ost_stage_options *opts,
                               const struct ost_manifest *manifest, struct ost_stage_package *p, struct ost_error *err)
{
    ost_arch arch = img->info.arch;
    struct ost_package_options po = {.model = {.arches = {arch}, .narches = 1, .os = image_os(img)}};
    po.inf.locale = ost_image_language(img);
    struct ost_error perr;
    p->inf_path = ost_xstrdup(inf);
    if (ost_package_check(inf, &po, &p->report, &perr) != OST_OK) {
        refuse(p, OST_STAGE_REFUSED, "%s", perr.message);
        return OST_OK;
    }
    const struct ost_package_arch *pa = &p->report->arches[0];
    bool machine;
    if (!pa->stageable) {
        bool arch_only = only_machine_errors(p->report, arch, &machine) && machine;
        p->other_arch = arch_only;
        if (arch_only && opts->recurse)
            refuse(p, OST_STAGE_SKIP_ARCH, "built for another architecture than this %s image", ost_arch_name(arch));
        else
            refuse(p, OST_STAGE_REFUSED, "cannot be staged on %s: %zu error%s (see check-package)",
                   ost_arch_name(arch), ost_diags_count_arch(&p->report->model->diags, OST_SEV_ERROR, arch),
                   ost_diags_count_arch(&p->report->model->diags, OST_SEV_ERROR, arch) == 1 ? "" : "s");
        return OST_OK;
    }
    p->signed_ = pa->catalog_path != NULL;
    check_catalog(p, opts, &po.model.os);
    if (opts->test_signer && p->signature.signature <= OST_SIG_BROKEN) {
        plan_test_sign(img, p, opts);
        if (p->action == OST_STAGE_REFUSED)
            return OST_OK;
    }
    if (!p->signed_ && !opts->force_unsigned) {
        refuse(p, OST_STAGE_REFUSED, "unsigned (no catalog); give --force-unsigned to stage it anyway");
        return OST_OK;
    }
    if (!p->signed_)
        note(p, arch == OST_ARCH_X86
                    ? "unsigned: Windows 7 x86 will ask before installing it, which an unattended first boot "
                      "cannot answer"
                    : "unsigned: Windows 7 x64 will not load its driver (Code 52) unless test-signing is on and "
                      "the package is test-signed");
    /* the package's own files, test-signed or not: the folder names the package */
    char *hash;
    ost_status st = package_hash(p->report, pa, &hash, err);
    if (st != OST_OK)
        return st;
    char *inf_lower = ost_xstrdup(p->report->model->inf_name);
    ost_str_lower(inf_lower);
    p->folder = ost_xasprintf("%s_%s_neutral_%s", inf_lower, ost_arch_name(arch), hash);
    p->folder_path = ost_winpath_join(OST_STAGING_ROOT, p->folder);
    free(hash), free(inf_lower);
    check_includes(img, p, pa->model);
    const struct ost_staged *rec = ost_manifest_find(manifest, p->folder);
    if (rec) {
        p->action = OST_STAGE_PRESENT;
        if (p->test_sign)
            keep_staged_signature(p, rec);
        return OST_OK;
    }
    p->action = OST_STAGE_COPY;
    plan_copies(p, pa);
    if (pa->boot_critical)
        plan_boot_critical(img, p, pa);
    return OST_OK;
}

/* Writes data to a new scratch file of the image's target. */
static ost_status scratch_copy(struct ost_image *img, const char *hint, const uint8_t *data, size_t size, char **out,
                               struct ost_error *err)
{
    char *path = NULL;
    ost_status st = ost_target_scratch_file(img->target, hint, &path, err);
    if (st == OST_OK)
        st = ost_write_new_file(path, data, size, err);
    if (st != OST_OK) {
        free(path);
        path = NULL;
    }
    *out = path;
    return st;
}

/* Points the copy from `from` at `to` instead. */
static void replace_source(struct ost_stage_package *p, const char *from, const char *to)
{
    for (size_t k = 0; k < p->ncopies; k++)
        if (p->copies[k].source && !strcmp(p->copies[k].source, from)) {
            free(p->copies[k].source);
            p->copies[k].source = ost_xstrdup(to);
        }
}

/* x64 winload reads no catalog: a boot-start driver's PE files get an
 * embedded signature. The signed copies take the originals' place in the
 * copies, the System32\drivers copy and the catalog. */
static ost_status embed_test_signatures(struct ost_image *img, struct ost_stage_package *p,
                                        const struct ost_stage_options *opts, struct ost_error *err)
{
    struct ost_package_arch *pa = &p->report->arches[0];
    ost_status st = OST_OK;
    for (size_t i = 0; i < pa->nfiles && st == OST_OK; i++) {
        struct ost_package_file *f = &pa->files[i];
        if (!f->is_pe || f->embedded_signature || !f->host_path)
            continue;
        uint8_t *data = NULL, *out = NULL;
        size_t size = 0, out_size = 0;
        char *path = NULL;
        st = ost_read_file(f->host_path, OST_PE_MAX_FILE, &data, &size, err);
        if (st == OST_OK)
            st = ost_sign_pe(opts->test_signer, opts->test_digest, data, size, f->host_path, &out, &out_size, err);
        if (st == OST_OK)
            st = scratch_copy(img, "sys", out, out_size, &path, err);
        if (st == OST_OK) {
            replace_source(p, f->host_path, path);
            free(f->host_path);
            f->host_path = path;
            f->embedded_signature = true;
        }
        free(data), free(out);
    }
    return st;
}

/* The catalog Inf2Cat would make for the image's architecture, signed, in
 * a scratch file the staged copy gets in place of the package's own. */
static ost_status make_test_catalog(struct ost_image *img, struct ost_stage_package *p,
                                    const struct ost_stage_options *opts, struct ost_error *err)
{
    struct ost_package_arch *pa = &p->report->arches[0];
    struct ost_os_version os = image_os(img);
    struct ost_buf der = {0};
    uint8_t *signed_cat = NULL;
    size_t signed_size = 0;
    ost_status st = ost_make_cat_for_arch(p->report, img->info.arch, &os, ost_catalog_time(), &der, err);
    if (st == OST_OK)
        st = ost_sign_catalog(opts->test_signer, opts->test_digest, (const uint8_t *)der.data, der.len,
                              pa->model->catalog_file, &signed_cat, &signed_size, err);
    if (st == OST_OK)
        st = scratch_copy(img, "cat", signed_cat, signed_size, &p->test_catalog, err);
    ost_buf_free(&der);
    free(signed_cat);
    if (st != OST_OK)
        return st;
    char *dest = ost_winpath_join(p->folder_path, pa->model->catalog_file);
    for (size_t k = 0; k < p->ncopies; k++)
        if (ost_streq_ci(p->copies[k].dest, dest)) {
            free(p->copies[k].source);
            p->copies[k].source = ost_xstrdup(p->test_catalog);
        }
    free(dest);
    /* the check every catalog gets, of the one that was made */
    free(pa->catalog_path);
    pa->catalog_path = ost_xstrdup(p->test_catalog);
    check_catalog(p, opts, &os);
    p->test_signed = true;
    return OST_OK;
}

ost_status ost_stage_test_sign(struct ost_image *img, struct ost_stage_plan *plan,
                               const struct ost_stage_options *opts, struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = 0; i < plan->npackages && st == OST_OK; i++) {
        struct ost_stage_package *p = &plan->packages[i];
        if (p->action != OST_STAGE_COPY || !p->test_sign || p->test_signed)
            continue;
        if (p->test_sign_embed)
            st = embed_test_signatures(img, p, opts, err);
        if (st == OST_OK)
            st = make_test_catalog(img, p, opts, err);
        if (st != OST_OK) {
            char *why = ost_xstrdup(err->message);
            st = ost_fail(err, st, "%s: cannot test-sign it: %s; nothing was changed", p->inf_path, why);
            free(why);
        }
    }
    return st;
}

static ost_status read_setup_complete(struct ost_image *img, struct ost_buf *b, bool *existed, struct ost_error *err);

static char *setup_complete_line(const struct ost_stage_package *p)
{
    return ost_xasprintf("pnputil -i -a \"%%SystemRoot%%\\offstage\\drivers\\%s\\%s\"", p->folder,
                         p->report->model->inf_name);
}

/* Whether ost_stage_apply will add a line to SetupComplete.cmd: a package
 * staged or already there whose line the file does not hold yet. The
 * packages that install silently only are decided later (at apply, on the
 * catalog then staged), so this may name the file for a line that is
 * then left out. */
static bool plan_writes_setup_complete(struct ost_image *img, const struct ost_stage_plan *plan)
{
    struct ost_buf b = {0};
    bool existed, writes = false;
    if (read_setup_complete(img, &b, &existed, NULL) != OST_OK) {
        ost_buf_free(&b);
        return true; /* unreadable: apply fails on it, and would have written it */
    }
    ost_buf_adds(&b, "");
    for (size_t i = 0; i < plan->npackages && !writes; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        if (!p->folder || (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT) || p->no_setup_complete)
            continue;
        char *line = setup_complete_line(p);
        writes = !b.data || !strstr(b.data, line);
        free(line);
    }
    ost_buf_free(&b);
    return writes;
}

/* The image files ost_stage_apply writes besides the packages' copies,
 * from the plan's own decisions, so that a plan printed says every file. */
static void plan_also_writes(struct ost_image *img, struct ost_stage_plan *plan, const struct ost_stage_options *opts)
{
    ost_strlist_free(&plan->also_writes);
    bool system = false;
    for (size_t i = 0; i < plan->npackages; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        if (p->action != OST_STAGE_COPY)
            continue;
        system = system || p->boot_critical;
        for (size_t k = 0; k < p->nrearm; k++)
            system = system || p->rearm[k].done;
    }
    bool setup_complete = opts && opts->setup_complete && plan_writes_setup_complete(img, plan);
    if (system)
        ost_strlist_add(&plan->also_writes, OST_SYSTEM_HIVE);
    if (plan->devicepath_after)
        ost_strlist_add(&plan->also_writes, OST_SOFTWARE_HIVE);
    if (setup_complete)
        ost_strlist_add(&plan->also_writes, OST_SETUPCOMPLETE);
    if (plan->changes || (opts && opts->setup_complete))
        ost_strlist_add(&plan->also_writes, OST_MANIFEST_PATH);
}

ost_status ost_stage_plan(struct ost_image *img, const struct ost_strlist *infs, const struct ost_stage_options *opts,
                          struct ost_stage_plan **out, struct ost_error *err)
{
    struct ost_manifest manifest;
    *out = NULL;
    ost_status st = ost_manifest_read(img, &manifest, err);
    if (st != OST_OK)
        return st;
    struct ost_stage_plan *plan = ost_xcalloc(1, sizeof *plan);
    plan->packages = ost_xcalloc(infs->n ? infs->n : 1, sizeof *plan->packages);
    for (size_t i = 0; i < infs->n && st == OST_OK; i++)
        st = plan_package(img, infs->v[i], opts, &manifest, &plan->packages[plan->npackages++], err);
    if (st != OST_OK) {
        ost_manifest_free(&manifest);
        ost_stage_plan_free(plan);
        return st;
    }
    bool any_copy = false;
    for (size_t i = 0; i < plan->npackages; i++)
        any_copy = any_copy || plan->packages[i].action == OST_STAGE_COPY;
    plan->devicepath_before = read_devicepath(img);
    if (any_copy)
        plan->devicepath_after = devicepath_with_ours(plan->devicepath_before);
    /* Windows reads DevicePath as a list of folders only: a value of
     * another type gives it none, so nothing usable is lost by writing
     * its default with ours, but what was there is said. */
    char *odd = devicepath_not_string(img);
    if (odd)
        plan->devicepath_note = ost_xasprintf("DevicePath (SOFTWARE\\%s) is %s, not the REG_EXPAND_SZ list of "
                                              "folders Windows searches%s", DEVICEPATH_KEY, odd, any_copy
                                              ? "; it is replaced by %SystemRoot%\\inf (Windows' default) and ours"
                                              : "");
    free(odd);
    plan->changes = any_copy;
    if (any_copy && !ost_stage_plan_refused(plan))
        plan_rearm(img, plan, opts);
    plan_also_writes(img, plan, opts);
    ost_manifest_free(&manifest);
    *out = plan;
    return OST_OK;
}

void ost_stage_plan_update_writes(struct ost_image *img, struct ost_stage_plan *plan,
                                  const struct ost_stage_options *opts)
{
    plan_also_writes(img, plan, opts);
}

bool ost_stage_plan_refused(const struct ost_stage_plan *p)
{
    for (size_t i = 0; i < p->npackages; i++)
        if (p->packages[i].action == OST_STAGE_REFUSED)
            return true;
    return false;
}

void ost_stage_plan_free(struct ost_stage_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->npackages; i++) {
        struct ost_stage_package *s = &p->packages[i];
        free(s->inf_path), free(s->reason), free(s->folder), free(s->folder_path), free(s->test_catalog);
        for (size_t k = 0; k < s->ncopies; k++)
            free(s->copies[k].source), free(s->copies[k].dest);
        free(s->copies);
        ost_strlist_free(&s->cdd_keys);
        ost_strlist_free(&s->notes);
        for (size_t k = 0; k < s->nrearm; k++)
            free(s->rearm[k].instance), free(s->rearm[k].why);
        free(s->rearm);
        ost_package_report_free(s->report);
    }
    free(p->packages);
    free(p->devicepath_before), free(p->devicepath_after), free(p->devicepath_note);
    ost_strlist_free(&p->also_writes);
    free(p);
}

/* ---- applying ------------------------------------------------------------------ */

/* ---- SYSTEM writes, recorded for an exact undo ------------------------------ */

/* Every key and value offstage writes in SYSTEM is recorded in the
 * manifest with what was there before, so removal undoes exactly that and
 * nothing else: Windows writes no DriverPackageId for a preinstalled entry
 * (it names a driver store folder, which a package staged offline does not
 * have yet), so no mark in the key can say whose it is. */

static char *cs_key(const struct ost_image *img, const char *rel)
{
    return ost_xasprintf("%s\\%s", img->info.control_set_name, rel);
}

static void reg_read(struct ost_image *img, ost_hkey k, const char *name, struct ost_reg_state *out)
{
    memset(out, 0, sizeof *out);
    out->present = k && ost_hive_get_raw(img->system, k, name, &out->type, &out->data, &out->size);
}

/* Creates rel (below the control set) and every missing parent, recording
 * each one created. */
static ost_status create_key_recorded(struct ost_image *img, struct ost_staged *rec, const char *rel, ost_hkey *out,
                                      struct ost_error *err)
{
    char *path = ost_xstrdup(rel);
    for (char *c = path;; c++) {
        if (*c != '\\' && *c != '\0')
            continue;
        char saved = *c;
        *c = '\0';
        if (!ost_hive_key(img->system, img->control_set, path)) {
            char *full = cs_key(img, path);
            if (!ost_strlist_contains_ci(&rec->created_keys, full))
                ost_strlist_add(&rec->created_keys, full);
            free(full);
        }
        *c = saved;
        if (!saved)
            break;
    }
    free(path);
    rec->has_registry = true;
    return ost_hive_create_key(img->system, img->control_set, rel, out, err);
}

/* Records the value as it was (before) and as the write left it. */
static void record_value(struct ost_image *img, struct ost_staged *rec, const char *rel, ost_hkey k, const char *name,
                         const struct ost_reg_state *before)
{
    struct ost_reg_state after;
    reg_read(img, k, name, &after);
    char *full = cs_key(img, rel);
    ost_staged_record_change(rec, full, name, before, &after);
    free(full);
    ost_reg_state_free(&after);
}

static ost_status set_string_recorded(struct ost_image *img, struct ost_staged *rec, const char *rel, ost_hkey k,
                                      const char *name, uint32_t type, const char *value, struct ost_error *err)
{
    struct ost_reg_state before;
    reg_read(img, k, name, &before);
    ost_status st = ost_hive_set_string(img->system, k, name, type, value, err);
    if (st == OST_OK)
        record_value(img, rec, rel, k, name, &before);
    ost_reg_state_free(&before);
    return st;
}

static ost_status set_dword_recorded(struct ost_image *img, struct ost_staged *rec, const char *rel, ost_hkey k,
                                     const char *name, uint32_t value, struct ost_error *err)
{
    struct ost_reg_state before;
    reg_read(img, k, name, &before);
    ost_status st = ost_hive_set_dword(img->system, k, name, value, err);
    if (st == OST_OK)
        record_value(img, rec, rel, k, name, &before);
    ost_reg_state_free(&before);
    return st;
}

/* ---- the service-install section's AddReg ----------------------------------- */

/* AddReg flags (setupapi.h; "INF AddReg Directive",
 * https://learn.microsoft.com/en-us/windows-hardware/drivers/install/inf-addreg-directive). */
#define ADDREG_BINVALUETYPE 0x00000001u
#define ADDREG_NOCLOBBER 0x00000002u
#define ADDREG_DELVAL 0x00000004u
#define ADDREG_APPEND 0x00000008u
#define ADDREG_KEYONLY 0x00000010u
#define ADDREG_OVERWRITEONLY 0x00000020u
#define ADDREG_TYPE_MASK 0xFFFF0001u
#define ADDREG_TYPE_SZ 0x00000000u
#define ADDREG_TYPE_MULTI_SZ 0x00010000u
#define ADDREG_TYPE_EXPAND_SZ 0x00020000u
#define ADDREG_TYPE_BINARY 0x00000001u
#define ADDREG_TYPE_DWORD 0x00010001u

/* A subkey path below the service's key as the registry names keys: plain
 * components of at most 255 characters. The registry does not resolve
 * "." or "..", so such a line names keys no one reads, and one that
 * removal could not tell from a hostile record. */
static bool addreg_subkey_ok(const char *subkey)
{
    if (!subkey[0])
        return true;
    if (subkey[0] == '\\' || subkey[strlen(subkey) - 1] == '\\' || strstr(subkey, "\\\\"))
        return false;
    size_t len = 0;
    for (const char *c = subkey;; c++) {
        if (*c == '\\' || !*c) {
            if (len > 255 || (len == 1 && c[-1] == '.') || (len == 2 && c[-1] == '.' && c[-2] == '.'))
                return false;
            len = 0;
            if (!*c)
                return true;
            continue;
        }
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return false;
        len++;
    }
}

/* The service key's own values, which offstage writes from the
 * service-install section and removal and the verdicts rest on. */
static bool is_service_own_value(const char *name)
{
    static const char *const own[] = {"Type", "Start", "ErrorControl", "ImagePath", "Group", "DisplayName"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (ost_streq_ci(name, own[i]))
            return true;
    return false;
}

/* Why offstage does not apply this line itself, or NULL when it does. */
static const char *addreg_unsupported(const struct ost_reg_entry *e)
{
    uint32_t f = e->has_flags ? e->flags : 0;
    uint32_t type = f & ADDREG_TYPE_MASK;
    if (!ost_streq_ci(e->root, "HKR"))
        return "its root is not HKR (the service's key)";
    if (!addreg_subkey_ok(e->subkey))
        return "its subkey is not a plain key path (an empty, \".\" or \"..\" component, or one longer than 255 "
               "characters)";
    if (strlen(e->value_name) > 16383)
        return "its value name is longer than 16383 characters, the registry's limit";
    if (!e->subkey[0] && is_service_own_value(e->value_name))
        return "it would change the service's own value, which offstage writes from the service-install section";
    if (f & ~(ADDREG_TYPE_MASK | ADDREG_NOCLOBBER | ADDREG_DELVAL | ADDREG_APPEND | ADDREG_KEYONLY |
              ADDREG_OVERWRITEONLY))
        return "it has flags offstage does not apply (64BITKEY, 32BITKEY, KEYONLY_COMMON or unknown ones)";
    if (f & (ADDREG_DELVAL | ADDREG_KEYONLY))
        return NULL;
    if (type != ADDREG_TYPE_SZ && type != ADDREG_TYPE_MULTI_SZ && type != ADDREG_TYPE_EXPAND_SZ &&
        type != ADDREG_TYPE_BINARY && type != ADDREG_TYPE_DWORD)
        return "its value type is not REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_BINARY or REG_DWORD";
    if ((f & ADDREG_APPEND) && type != ADDREG_TYPE_MULTI_SZ)
        return "APPEND is for REG_MULTI_SZ values";
    if (type == ADDREG_TYPE_DWORD && e->data.n != 1 && e->data.n != 4)
        return "a REG_DWORD takes one number or four bytes";
    uint32_t v;
    for (size_t i = 0; type == ADDREG_TYPE_DWORD && i < e->data.n; i++)
        if (ost_inf_parse_u32(e->data.v[i], &v) != 0 || (e->data.n == 4 && v > 0xff))
            return "its REG_DWORD data is not a number";
    for (size_t i = 0; type == ADDREG_TYPE_BINARY && i < e->data.n; i++) {
        char *end;
        unsigned long b = strtoul(e->data.v[i], &end, 16);
        if (!e->data.v[i][0] || *end || b > 0xff)
            return "its REG_BINARY data is not hex bytes";
    }
    return NULL;
}

/* The lines of service s's install-section AddReg (HKR = Services\<name>). */
static bool is_service_addreg(const struct ost_reg_entry *e, const struct ost_service *s)
{
    return e->context == OST_REG_SERVICE && e->owner && ost_streq_ci(e->owner, s->name);
}

static ost_status apply_addreg(struct ost_image *img, const struct ost_service *s, const struct ost_reg_entry *e,
                               struct ost_staged *rec, struct ost_error *err)
{
    uint32_t f = e->has_flags ? e->flags : 0, type = f & ADDREG_TYPE_MASK;
    char *rel = e->subkey[0] ? ost_xasprintf("services\\%s\\%s", s->name, e->subkey)
                             : ost_xasprintf("services\\%s", s->name);
    ost_hkey k;
    ost_status st = create_key_recorded(img, rec, rel, &k, err);
    struct ost_reg_state before;
    reg_read(img, k, e->value_name, &before);
    bool skip = st != OST_OK || (f & ADDREG_KEYONLY) || ((f & ADDREG_NOCLOBBER) && before.present) ||
                ((f & ADDREG_OVERWRITEONLY) && !before.present) || ((f & ADDREG_DELVAL) && !before.present);
    if (!skip && (f & ADDREG_DELVAL)) {
        st = ost_hive_delete_value(img->system, k, e->value_name, err);
    } else if (!skip && type == ADDREG_TYPE_DWORD) {
        uint32_t v = 0, b;
        for (size_t i = 0; i < e->data.n; i++)
            if (ost_inf_parse_u32(e->data.v[i], &b) == 0)
                v = e->data.n == 1 ? b : v | b << (8 * i);
        st = ost_hive_set_dword(img->system, k, e->value_name, v, err);
    } else if (!skip && type == ADDREG_TYPE_BINARY) {
        uint8_t *bytes = ost_xmalloc(e->data.n + 1);
        for (size_t i = 0; i < e->data.n; i++)
            bytes[i] = (uint8_t)strtoul(e->data.v[i], NULL, 16);
        st = ost_hive_set_raw(img->system, k, e->value_name, OST_REG_BINARY, bytes, e->data.n, err);
        free(bytes);
    } else if (!skip && type == ADDREG_TYPE_MULTI_SZ) {
        struct ost_strlist v = {0};
        if (f & ADDREG_APPEND)
            ost_hive_get_multi_string(img->system, k, e->value_name, &v);
        for (size_t i = 0; i < e->data.n; i++)
            if (!(f & ADDREG_APPEND) || !ost_strlist_contains_ci(&v, e->data.v[i]))
                ost_strlist_add(&v, e->data.v[i]);
        st = ost_hive_set_multi_string(img->system, k, e->value_name, &v, err);
        ost_strlist_free(&v);
    } else if (!skip) {
        st = ost_hive_set_string(img->system, k, e->value_name,
                                 type == ADDREG_TYPE_EXPAND_SZ ? OST_REG_EXPAND_SZ : OST_REG_SZ,
                                 e->data.n ? e->data.v[0] : "", err);
    }
    if (st == OST_OK && !skip)
        record_value(img, rec, rel, k, e->value_name, &before);
    ost_reg_state_free(&before);
    free(rel);
    return st;
}

/* What the plan says about the SYSTEM entries of a boot-critical package. */
static void plan_registry_notes(struct ost_image *img, struct ost_stage_package *p, const struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    size_t hw = 0;
    for (size_t i = 0; i < am->nservices; i++) {
        const struct ost_service *s = &am->services[i];
        if (s->start_type != 0)
            continue;
        size_t applied = 0;
        for (size_t k = 0; k < am->nregs; k++) {
            const struct ost_reg_entry *e = &am->regs[k];
            if (!is_service_addreg(e, s))
                continue;
            const char *why = addreg_unsupported(e);
            if (why)
                note(p, "warning: %s:%u: AddReg line of service %s not preinstalled: %s; Windows applies it when it "
                        "installs the service", p->report->model->inf_name, e->line, s->name, why);
            else
                applied++;
        }
        if (applied)
            note(p, "service %s: %zu value%s of its service-install AddReg written under Services\\%s, as Windows "
                    "writes them when it installs the service", s->name, applied, applied == 1 ? "" : "s", s->name);
    }
    for (size_t k = 0; k < am->nregs; k++)
        hw += am->regs[k].context == OST_REG_HARDWARE;
    if (hw)
        note(p, "the device's .HW AddReg (%zu value%s) is applied by Windows when it finishes installing the device; "
                "it cannot be written before the device exists", hw, hw == 1 ? "" : "s");
    /* today's policy: an entry for the same ID is taken over, and what it
     * held is put back by remove-driver */
    for (size_t i = 0; i < p->cdd_keys.n; i++) {
        char *path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", p->cdd_keys.v[i]);
        ost_hkey k = ost_hive_key(img->system, img->control_set, path);
        char *svc = k ? ost_hive_get_string(img->system, k, "Service") : NULL;
        if (k)
            note(p, "CriticalDeviceDatabase\\%s exists (service %s): offstage's entry replaces it, and remove-driver "
                    "puts it back", p->cdd_keys.v[i], svc ? svc : "none");
        free(svc), free(path);
    }
}

/* The rank Windows gave the driver bound to dn: its MatchingDeviceId's
 * place in the devnode's IDs, taken as signed with the default feature
 * score. False when that cannot be read. */
static bool bound_rank(struct ost_image *img, const struct ost_devnode *dn, uint32_t *rank)
{
    if (!dn->driver || !ost_driver_value_wellformed(dn->driver))
        return false;
    char *path = ost_xasprintf("Control\\Class\\%s", dn->driver);
    ost_hkey k = ost_hive_key(img->system, img->control_set, path);
    char *id = k ? ost_hive_get_string(img->system, k, "MatchingDeviceId") : NULL;
    bool found = false;
    for (size_t i = 0; id && i < dn->hardware_ids.n && !found; i++)
        if ((found = ost_hwid_equal(id, dn->hardware_ids.v[i])))
            *rank = 0x00FF0000u | (uint32_t)i;
    for (size_t j = 0; id && j < dn->compatible_ids.n && !found; j++)
        if ((found = ost_hwid_equal(id, dn->compatible_ids.v[j])))
            *rank = 0x00FF2000u | (uint32_t)j;
    free(id), free(path);
    return found;
}

static const char *function_service(const struct ost_arch_model *am);

/* Devices the image has already seen are not new hardware: one that failed
 * to install, has no driver, or has a driver the package outranks is
 * re-armed so that Windows installs it on the next boot. */
static void plan_rearm(struct ost_image *img, struct ost_stage_plan *plan, const struct ost_stage_options *opts)
{
    struct ost_devnodes dns = {0};
    struct ost_error ignore;
    if (img->info.windows8_or_later || ost_devnodes_list(img, &dns, &ignore) != OST_OK)
        return;
    /* devices a staged package re-armed, with ConfigFlags as it left them:
     * a package that matches one too records it, so that removing the
     * first does not disarm it while this one waits for it */
    struct ost_manifest staged;
    struct ost_cimap rearmed = {0};
    if (ost_manifest_read(img, &staged, &ignore) != OST_OK)
        memset(&staged, 0, sizeof staged);
    for (size_t i = 0; i < staged.n; i++)
        for (size_t k = 0; k < staged.items[i].nchanges; k++) {
            struct ost_reg_change *c = &staged.items[i].changes[k];
            if (ost_streq_ci(c->name, "ConfigFlags") && c->after.present && c->after.type == OST_REG_DWORD &&
                c->after.size == 4)
                ost_cimap_put(&rearmed, c->key, &staged.items[i]);
        }
    for (size_t d = 0; d < dns.n; d++) {
        const struct ost_devnode *dn = &dns.v[d];
        uint32_t flags = dn->has_config_flags ? dn->config_flags : 0;
        const struct ost_staged *by = NULL;
        if (flags & OST_CONFIGFLAG_REINSTALL) {
            char *rel = ost_xasprintf("Enum\\%s", dn->instance_path);
            char *key = cs_key(img, rel);
            by = ost_cimap_get(&rearmed, key);
            bool as_left = false;
            for (size_t k = 0; by && k < by->nchanges && !as_left; k++) {
                const struct ost_reg_change *c = &by->changes[k];
                as_left = ost_streq_ci(c->key, key) && ost_streq_ci(c->name, "ConfigFlags") && c->after.size == 4 &&
                          (uint32_t)(c->after.data[0] | c->after.data[1] << 8 | c->after.data[2] << 16 |
                                     (uint32_t)c->after.data[3] << 24) == flags;
            }
            free(rel), free(key);
            if (!as_left)
                continue;
        }
        struct ost_device_ids ids = {dn->hardware_ids, dn->compatible_ids}; /* borrowed */
        for (size_t i = 0; i < plan->npackages; i++) {
            struct ost_stage_package *p = &plan->packages[i];
            if (p->action != OST_STAGE_COPY)
                continue;
            /* a package test-signed here is signed by a certificate the image will trust */
            struct ost_match_input in = {p->report->model, p->signature.signature == OST_SIG_TRUSTED || p->test_sign};
            struct ost_match_result m = {0};
            ost_match_device(&ids, &in, 1, img->info.arch, &m);
            uint32_t theirs = 0;
            const char *svc = function_service(p->report->arches[0].model);
            char *why = NULL;
            if (!m.nmatches)
                ;
            else if (by)
                why = ost_xasprintf("offstage re-armed it for %s, also staged; recorded for this package too, so that "
                                    "it stays re-armed while either is staged", by->folder);
            else if (flags & OST_CONFIGFLAG_FAILEDINSTALL)
                why = ost_xstrdup("it failed to install before (ConfigFlags FAILEDINSTALL, Code 28)");
            else if (!dn->driver && !dn->service)
                why = ost_xstrdup("it has no driver installed");
            else if (dn->service && svc && !ost_streq_ci(dn->service, svc) && bound_rank(img, dn, &theirs) &&
                     m.matches[0].rank < theirs)
                why = ost_xasprintf("it is bound to service %s, and this package matches it better (rank 0x%08x "
                                    "against 0x%08x)", dn->service, m.matches[0].rank, theirs);
            ost_match_result_free(&m);
            if (!why)
                continue;
            p->rearm = ost_xrealloc(p->rearm, (p->nrearm + 1) * sizeof *p->rearm);
            p->rearm[p->nrearm++] = (struct ost_stage_rearm){ost_xstrdup(dn->instance_path), dn->has_config_flags,
                                                             flags, flags | OST_CONFIGFLAG_REINSTALL, why,
                                                             !opts->no_rearm};
            break; /* one package re-arms a device once */
        }
    }
    ost_cimap_free(&rearmed);
    ost_manifest_free(&staged);
    ost_devnodes_free(&dns);
}

static const struct ost_package_file *service_binary(const struct ost_package_arch *pa, const struct ost_service *s)
{
    const char *bin = s->service_binary ? s->service_binary : "";
    const char *base = strrchr(bin, '\\');
    base = base ? base + 1 : bin;
    for (size_t i = 0; i < pa->nfiles; i++)
        if (ost_streq_ci(pa->files[i].copy->name, base) && pa->files[i].host_path)
            return &pa->files[i];
    return NULL;
}

static ost_status apply_service(struct ost_image *img, const struct ost_stage_package *p,
                                const struct ost_package_arch *pa, const struct ost_service *s, struct ost_staged *rec,
                                struct ost_error *err)
{
    const struct ost_package_file *bin = service_binary(pa, s);
    if (!bin)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: ServiceBinary %s of service %s is not among the files the INF copies",
                        p->report->model->inf_path, s->service_binary ? s->service_binary : "(none)", s->name);
    char *dest = ost_winpath_join("Windows\\System32\\drivers", bin->copy->name);
    ost_status st = ost_target_write_file(img->target, dest, bin->host_path, err);
    /* what removal checks before deleting it: the file may have been
     * replaced since, and then it is no longer ours */
    uint8_t *data = NULL;
    size_t size = 0;
    char hash[65] = "";
    if (st == OST_OK && (st = ost_read_file(bin->host_path, 1u << 30, &data, &size, err)) == OST_OK)
        sha256_hex(data, size, hash);
    free(data);
    ost_strlist_add(&rec->boot_files, dest);
    ost_strlist_add(&rec->boot_hashes, hash);
    free(dest);
    char *path = ost_xasprintf("services\\%s", s->name);
    ost_hkey k = 0;
    if (st == OST_OK)
        st = create_key_recorded(img, rec, path, &k, err);
    char *image_path = ost_xasprintf("\\SystemRoot\\system32\\drivers\\%s", bin->copy->name);
    if (st == OST_OK && s->display_name)
        st = set_string_recorded(img, rec, path, k, "DisplayName", OST_REG_SZ, s->display_name, err);
    if (st == OST_OK)
        st = set_dword_recorded(img, rec, path, k, "Type", s->service_type, err);
    if (st == OST_OK)
        st = set_dword_recorded(img, rec, path, k, "Start", s->start_type, err);
    if (st == OST_OK)
        st = set_dword_recorded(img, rec, path, k, "ErrorControl", s->error_control, err);
    if (st == OST_OK)
        st = set_string_recorded(img, rec, path, k, "ImagePath", OST_REG_EXPAND_SZ, image_path, err);
    if (st == OST_OK && s->load_order_group)
        st = set_string_recorded(img, rec, path, k, "Group", OST_REG_SZ, s->load_order_group, err);
    /* the service-install section's AddReg, as Windows applies it when it
     * installs the service (e.g. Parameters\PnpInterface\5, which every
     * inbox storage miniport of a Windows 7 SYSTEM hive has) */
    for (size_t i = 0; i < pa->model->nregs && st == OST_OK; i++)
        if (is_service_addreg(&pa->model->regs[i], s) && !addreg_unsupported(&pa->model->regs[i]))
            st = apply_addreg(img, s, &pa->model->regs[i], rec, err);
    ost_strlist_add(&rec->services, s->name);
    free(path), free(image_path);
    return st;
}

static const char *function_service(const struct ost_arch_model *am)
{
    for (size_t i = 0; i < am->nservices; i++)
        if (am->services[i].flags & 0x2)
            return am->services[i].name;
    return am->nservices ? am->services[0].name : NULL;
}

static ost_status apply_boot_critical(struct ost_image *img, const struct ost_stage_package *p,
                                      struct ost_staged *rec, struct ost_error *err)
{
    const struct ost_package_arch *pa = &p->report->arches[0];
    ost_status st = ost_image_edit_system(img, err);
    for (size_t i = 0; i < pa->model->nservices && st == OST_OK; i++)
        if (pa->model->services[i].start_type == 0)
            st = apply_service(img, p, pa, &pa->model->services[i], rec, err);
    char *guid = ost_xstrdup(p->report->model->version.class_guid ? p->report->model->version.class_guid : "");
    ost_str_upper(guid);
    const char *service = function_service(pa->model);
    for (size_t i = 0; i < p->cdd_keys.n && st == OST_OK; i++) {
        char *path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", p->cdd_keys.v[i]);
        ost_hkey k;
        st = create_key_recorded(img, rec, path, &k, err);
        if (st == OST_OK)
            st = set_string_recorded(img, rec, path, k, "Service", OST_REG_SZ, service ? service : "", err);
        if (st == OST_OK)
            st = set_string_recorded(img, rec, path, k, "ClassGUID", OST_REG_SZ, guid, err);
        ost_strlist_add(&rec->cdd_keys, p->cdd_keys.v[i]);
        free(path);
    }
    free(guid);
    return st;
}

static void record_package(const struct ost_stage_package *p, struct ost_staged *s)
{
    const struct ost_driver_model *m = p->report->model;
    const struct ost_package_arch *pa = &p->report->arches[0];
    memset(s, 0, sizeof *s);
    s->inf_name = ost_xstrdup(m->inf_name);
    s->folder = ost_xstrdup(p->folder);
    s->arch = ost_xstrdup(ost_arch_name(pa->arch));
    s->class_name = m->version.class_name ? ost_xstrdup(m->version.class_name) : NULL;
    s->class_guid = m->version.class_guid ? ost_xstrdup(m->version.class_guid) : NULL;
    s->provider = m->version.provider ? ost_xstrdup(m->version.provider) : NULL;
    s->driver_ver = m->version.driver_ver.text ? ost_xstrdup(m->version.driver_ver.text) : NULL;
    s->catalog = pa->model->catalog_file ? ost_xstrdup(pa->model->catalog_file) : NULL;
    s->signed_ = p->signed_;
    s->boot_critical = p->boot_critical;
    s->has_registry = true;
    for (size_t i = 0; i < pa->model->ndevices; i++) {
        const char *id = pa->model->devices[i].model->hardware_id;
        if (id[0] && !ost_strlist_contains_ci(&s->hardware_ids, id))
            ost_strlist_add(&s->hardware_ids, id);
    }
    for (size_t i = 0; i < p->ncopies; i++)
        ost_strlist_add(&s->files, p->copies[i].dest);
}

static ost_status read_setup_complete(struct ost_image *img, struct ost_buf *b, bool *existed, struct ost_error *err)
{
    *existed = ost_target_stat(img->target, OST_SETUPCOMPLETE) == 1;
    if (!*existed)
        return OST_OK;
    uint8_t *data;
    size_t size;
    ost_status st = ost_target_read_file(img->target, OST_SETUPCOMPLETE, 1u << 20, &data, &size, err);
    if (st == OST_OK)
        ost_buf_add(b, data, size);
    free(data);
    return st;
}

static ost_status apply_setup_complete(struct ost_image *img, const struct ost_stage_plan *plan,
                                       struct ost_manifest *m, struct ost_error *err)
{
    struct ost_buf b = {0};
    bool existed;
    ost_status st = read_setup_complete(img, &b, &existed, err);
    if (st != OST_OK)
        return st;
    if (!existed) {
        ost_buf_adds(&b, "@echo off\r\n");
        m->setup_complete_created = true;
    } else if (b.len && b.data[b.len - 1] != '\n') {
        ost_buf_adds(&b, "\r\n");
    }
    size_t before = b.len;
    for (size_t i = 0; i < plan->npackages; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        struct ost_staged *rec = p->folder ? ost_manifest_find(m, p->folder) : NULL;
        if (!rec || (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT) || p->no_setup_complete)
            continue;
        char *line = setup_complete_line(p);
        if (!strstr(b.data, line))
            ost_buf_addf(&b, "%s\r\n", line);
        free(rec->setup_complete_line);
        rec->setup_complete_line = line;
    }
    if (b.len != before)
        st = ost_target_write_bytes(img->target, OST_SETUPCOMPLETE, b.data, b.len, err);
    ost_buf_free(&b);
    return st;
}

/* Takes add-driver's lines for the packages matching `name` out of
 * SetupComplete.cmd again, in one read-modify-write. */
static ost_status unapply_setup_complete(struct ost_image *img, const struct ost_manifest *m, const char *name,
                                         struct ost_error *err);

ost_status ost_stage_apply(struct ost_image *img, const struct ost_stage_plan *plan,
                           const struct ost_stage_options *opts, struct ost_error *err)
{
    struct ost_manifest manifest;
    ost_status st = ost_manifest_read(img, &manifest, err);
    if (st != OST_OK)
        return st;
    for (size_t i = 0; i < plan->npackages && st == OST_OK; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        if (p->action != OST_STAGE_COPY)
            continue;
        if (p->test_sign && !p->test_signed) {
            st = ost_fail(err, OST_ERR_USAGE, "%s: planned to be test-signed, but not signed yet "
                          "(ost_stage_test_sign comes between planning and applying)", p->inf_path);
            break;
        }
        for (size_t k = 0; k < p->ncopies && st == OST_OK; k++)
            st = ost_target_write_file(img->target, p->copies[k].dest, p->copies[k].source, err);
        ost_grow(&manifest.items, &manifest.cap, manifest.n + 1, sizeof *manifest.items);
        struct ost_staged *rec = &manifest.items[manifest.n++];
        record_package(p, rec);
        if (st == OST_OK && p->boot_critical)
            st = apply_boot_critical(img, p, rec, err);
        for (size_t k = 0; k < p->nrearm && st == OST_OK; k++) {
            if (!p->rearm[k].done)
                continue;
            char *rel = ost_xasprintf("Enum\\%s", p->rearm[k].instance);
            ost_hkey key = ost_hive_key(img->system, img->control_set, rel);
            st = ost_image_edit_system(img, err);
            if (st == OST_OK && key)
                st = set_dword_recorded(img, rec, rel, key, "ConfigFlags", p->rearm[k].after, err);
            free(rel);
        }
    }
    if (st == OST_OK && plan->devicepath_after) {
        ost_hkey k;
        st = ost_hive_create_key(img->software, 0, DEVICEPATH_KEY, &k, err);
        if (st == OST_OK)
            st = ost_hive_set_string(img->software, k, "DevicePath", OST_REG_EXPAND_SZ, plan->devicepath_after, err);
    }
    if (st == OST_OK && opts && opts->setup_complete)
        st = apply_setup_complete(img, plan, &manifest, err);
    if (st == OST_OK && (plan->changes || (opts && opts->setup_complete)))
        st = ost_manifest_write(img, &manifest, err);
    ost_manifest_free(&manifest);
    return st;
}

/* ---- removal -------------------------------------------------------------------- */

static bool staged_matches(const struct ost_staged *s, const char *name)
{
    return ost_streq_ci(name, "all") || ost_streq_ci(s->inf_name, name) || ost_streq_ci(s->folder, name);
}

/* A registry key name as offstage writes them: one component. */
static bool key_name_ok(const char *s)
{
    if (!s[0] || strlen(s) > 255)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c == '\\' || *c < 0x20 || *c == 0x7f)
            return false;
    return true;
}

/* A file or folder name as offstage writes them: one component that
 * cannot climb or name a device or drive. */
static bool file_name_ok(const char *s)
{
    if (!key_name_ok(s) || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    return !strpbrk(s, "/:");
}

/* path is folder\NAME[\NAME...], every NAME a plain one. */
static bool path_below(const char *path, const char *folder)
{
    size_t n = strlen(folder);
    if (!ost_has_prefix_ci(path, folder) || path[n] != '\\')
        return false;
    char *rest = ost_xstrdup(path + n + 1);
    bool ok = rest[0] != '\0';
    char *save = NULL;
    for (char *part = strtok_r(rest, "\\", &save); part && ok; part = strtok_r(NULL, "\\", &save))
        ok = file_name_ok(part);
    ok = ok && !strstr(path + n, "\\\\") && path[strlen(path) - 1] != '\\';
    free(rest);
    return ok;
}

static const char *winpath_base(const char *path)
{
    const char *b = strrchr(path, '\\');
    return b ? b + 1 : path;
}

#define BOOT_FILE_DIR "Windows\\System32\\drivers"
#define LEFT_ALONE_SHOWN 20

/* The entries of one package that removal leaves alone, said in one line
 * each (the first LEFT_ALONE_SHOWN of them; a hostile manifest may hold
 * millions). */
struct left_alone {
    struct ost_strlist *lines;
    const char *image;
    size_t entry;
    const char *inf;
    size_t count;
};

static void leave(struct left_alone *la, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void leave(struct left_alone *la, const char *fmt, ...)
{
    if (la->count++ >= LEFT_ALONE_SHOWN)
        return;
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof what ? (size_t)n : sizeof what - 1;
    /* cut at a character boundary, and show no control characters the
     * manifest may hold */
    if ((size_t)n >= sizeof what)
        while (len && ((unsigned char)what[len - 1] & 0xC0) == 0x80)
            len--;
    if (len && (unsigned char)what[len - 1] >= 0xC0)
        len--;
    what[len] = '\0';
    for (char *c = what; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    ost_strlist_add_owned(la->lines, ost_xasprintf("%s: %s: package %zu (%s): %s", la->image, OST_MANIFEST_PATH,
                                                   la->entry + 1, la->inf, what));
}

static void leave_end(struct left_alone *la)
{
    if (la->count > LEFT_ALONE_SHOWN)
        ost_strlist_add_owned(la->lines, ost_xasprintf("%s: %s: package %zu (%s): and %zu more entries left alone",
                                                       la->image, OST_MANIFEST_PATH, la->entry + 1, la->inf,
                                                       la->count - LEFT_ALONE_SHOWN));
}

/* What removal may delete of one package: only what the image shows
 * offstage wrote for it, whatever the manifest names. */
struct removal {
    struct ost_strlist files, boot_files, services, cdd_keys;
    /* recorded packages: values to put back as they were (indexes into
     * the package's changes) and created keys to delete (paths from the
     * hive's root, subkeys before their parents) */
    size_t *restore, nrestore;
    const struct ost_reg_state **restore_to; /* parallel to restore */
    struct ost_strlist delete_keys;
};

static void removal_free(struct removal *r)
{
    ost_strlist_free(&r->files), ost_strlist_free(&r->boot_files);
    ost_strlist_free(&r->services), ost_strlist_free(&r->cdd_keys);
    free(r->restore), free(r->restore_to);
    ost_strlist_free(&r->delete_keys);
}

static bool same_content(struct ost_image *img, const char *path, const uint8_t *data, size_t size)
{
    uint8_t *other;
    size_t n;
    struct ost_error ignore;
    if (ost_target_read_file(img->target, path, 1u << 30, &other, &n, &ignore) != OST_OK)
        return false;
    bool same = n == size && !memcmp(other, data, n);
    free(other);
    return same;
}

/* A boot file is ours when it is System32\drivers\NAME, NAME is a file of
 * the package, and its content is what offstage copied: the SHA-256 the
 * manifest recorded, or (manifests written before hashes were) the staged
 * copy's. */
static void check_boot_file(struct ost_image *img, const struct ost_staged *s, size_t i,
                            const struct removal *ours, struct removal *r, struct left_alone *la)
{
    const char *path = s->boot_files.v[i];
    const char *hash = i < s->boot_hashes.n ? s->boot_hashes.v[i] : "";
    const char *base = winpath_base(path);
    const char *staged = NULL;
    for (size_t k = 0; k < ours->files.n && !staged; k++)
        if (ost_streq_ci(winpath_base(ours->files.v[k]), base))
            staged = ours->files.v[k];
    if (!path_below(path, BOOT_FILE_DIR) || strchr(path + strlen(BOOT_FILE_DIR) + 1, '\\')) {
        leave(la, "boot file \"%s\" left alone: offstage copies boot files to %s\\NAME only", path, BOOT_FILE_DIR);
        return;
    }
    if (!staged) {
        leave(la, "boot file \"%s\" left alone: the package has no file of that name", path);
        return;
    }
    int kind = ost_target_stat(img->target, path);
    if (kind == 0)
        return;
    if (kind != 1) {
        leave(la, "boot file \"%s\" left alone: not a file", path);
        return;
    }
    uint8_t *data;
    size_t size;
    struct ost_error rerr;
    if (ost_target_read_file(img->target, path, 1u << 30, &data, &size, &rerr) != OST_OK) {
        leave(la, "boot file \"%s\" left alone: %s", path, rerr.message);
        return;
    }
    char now[65] = "";
    sha256_hex(data, size, now);
    if (hash[0] && !ost_streq_ci(hash, now))
        leave(la, "boot file \"%s\" left alone: its content is not what offstage copied (SHA-256 %s, the manifest "
                  "recorded %s): it was replaced since", path, now, hash);
    else if (!hash[0] && !same_content(img, staged, data, size))
        leave(la, "boot file \"%s\" left alone: its content differs from the staged copy %s (this manifest "
                  "records no hash for it)", path, staged);
    else
        ost_strlist_add(&r->boot_files, path);
    free(data);
}

/* A Services or CriticalDeviceDatabase key is ours when it carries the
 * DriverPackageId offstage wrote into it: the package's folder name. */
static bool key_is_ours(struct ost_image *img, const struct ost_staged *s, const char *what, const char *name,
                        ost_hkey k, struct left_alone *la)
{
    char *id = ost_hive_get_string(img->system, k, "DriverPackageId");
    bool ours = id && ost_streq_ci(id, s->folder);
    if (!id)
        leave(la, "%s \"%s\" left alone: its key has no DriverPackageId, so offstage did not create it", what, name);
    else if (!ours)
        leave(la, "%s \"%s\" left alone: its DriverPackageId is \"%s\", not this package's", what, name, id);
    free(id);
    return ours;
}

static void check_service(struct ost_image *img, const struct ost_staged *s, const char *name,
                          const struct removal *ours, struct removal *r, struct left_alone *la)
{
    if (!key_name_ok(name)) {
        leave(la, "service \"%s\" left alone: not a key name (offstage writes one Services\\NAME)", name);
        return;
    }
    char *path = ost_xasprintf("services\\%s", name);
    ost_hkey k = ost_hive_key(img->system, img->control_set, path);
    free(path);
    if (!k || !key_is_ours(img, s, "service", name, k, la))
        return;
    /* offstage points ImagePath at the boot file it copied */
    char *image_path = ost_hive_get_string(img->system, k, "ImagePath");
    bool matches = false;
    for (size_t i = 0; i < ours->boot_files.n && image_path && !matches; i++) {
        char *expected = ost_xasprintf("\\SystemRoot\\system32\\drivers\\%s", winpath_base(ours->boot_files.v[i]));
        matches = ost_streq_ci(image_path, expected);
        free(expected);
    }
    if (matches)
        ost_strlist_add(&r->services, name);
    else
        leave(la, "service \"%s\" left alone: its ImagePath is \"%s\", not a boot file offstage copied for this "
                  "package", name, image_path ? image_path : "(none)");
    free(image_path);
}

static void check_cdd_key(struct ost_image *img, const struct ost_staged *s, const char *name, struct removal *r,
                          struct left_alone *la)
{
    if (!key_name_ok(name)) {
        leave(la, "CriticalDeviceDatabase key \"%s\" left alone: not a key name", name);
        return;
    }
    char *path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", name);
    ost_hkey k = ost_hive_key(img->system, img->control_set, path);
    free(path);
    if (k && key_is_ours(img, s, "CriticalDeviceDatabase key", name, k, la))
        ost_strlist_add(&r->cdd_keys, name);
}

/* ---- removal of what the manifest recorded in SYSTEM ------------------------- */

static bool reg_same(const struct ost_reg_state *a, const struct ost_reg_state *b)
{
    return a->present == b->present &&
           (!a->present || (a->type == b->type && a->size == b->size && !memcmp(a->data, b->data, a->size)));
}

/* "ControlSet001\services\NAME\..." -> "services\NAME\..." when the key is
 * one offstage writes for package s: below Services\<one of its
 * services>, CriticalDeviceDatabase\<one of its entries>, or (for a
 * re-armed device's ConfigFlags) an Enum instance. NULL otherwise. */
static const char *recorded_key_ok(const struct ost_staged *s, const char *key, bool enum_ok)
{
    if (strncmp(key, "ControlSet", 10) || strlen(key) < 14 || !strchr("0123456789", key[10]) ||
        !strchr("0123456789", key[11]) || !strchr("0123456789", key[12]) || key[13] != '\\')
        return NULL;
    const char *rel = key + 14;
    char *copy = ost_xstrdup(rel);
    size_t n = 0;
    bool ok = !strstr(rel, "\\\\") && rel[0] && rel[strlen(rel) - 1] != '\\';
    char *parts[4] = {0}, *save = NULL;
    for (char *c = strtok_r(copy, "\\", &save); c && ok; c = strtok_r(NULL, "\\", &save), n++) {
        ok = key_name_ok(c) && strcmp(c, ".") && strcmp(c, "..");
        if (n < 4)
            parts[n] = c;
    }
    if (ok && n >= 2 && ost_streq_ci(parts[0], "services"))
        ok = ost_strlist_contains_ci(&s->services, parts[1]);
    else if (ok && n == 3 && ost_streq_ci(parts[0], "Control") && ost_streq_ci(parts[1], "CriticalDeviceDatabase"))
        ok = ost_strlist_contains_ci(&s->cdd_keys, parts[2]);
    else
        ok = ok && enum_ok && n == 4 && ost_streq_ci(parts[0], "Enum");
    free(copy);
    return ok ? rel : NULL;
}

/* How a recorded key is named to the user. */
static char *key_words(const char *key)
{
    const char *rel = strchr(key, '\\') ? strchr(key, '\\') + 1 : key;
    if (ost_has_prefix_ci(rel, "services\\") && !strchr(rel + 9, '\\'))
        return ost_xasprintf("service \"%s\"", rel + 9);
    if (ost_has_prefix_ci(rel, "Control\\CriticalDeviceDatabase\\"))
        return ost_xasprintf("CriticalDeviceDatabase key \"%s\"", rel + 31);
    return ost_xasprintf("registry key \"%s\"", key);
}

/* Marks key and every parent kept. */
static void keep_key(struct ost_cimap *kept_keys, const char *key)
{
    static char mark;
    char *k = ost_xstrdup(key);
    for (char *cut; k[0]; *cut = '\0') {
        ost_cimap_put(kept_keys, k, &mark);
        if (!(cut = strrchr(k, '\\')))
            break;
    }
    free(k);
}

/* Every recorded write of one value, in staging order. Packages that
 * write the same value (two packages with one CriticalDeviceDatabase ID)
 * form a chain: each one's before is the previous one's after. Removing
 * some of them puts the value back only when the last writer goes, to
 * what the first of the removed run found; a later package that stays
 * inherits that as its before. */
struct reg_writer {
    size_t pkg, chg;
    struct reg_writer *prev, *next, *run_start; /* run_start: first of the removed run ending here */
};

struct removal_ctx {
    const bool *removing;         /* per package */
    struct reg_writer **writers;  /* per package, parallel to its changes */
    struct ost_cimap values;      /* "KEY|NAME" of every package being removed */
    struct ost_cimap keys;        /* every key those packages created */
};

static void removal_ctx_init(struct removal_ctx *ctx, const struct ost_manifest *m, const bool *removing)
{
    static char mark;
    struct ost_cimap last = {0};
    memset(ctx, 0, sizeof *ctx);
    ctx->removing = removing;
    ctx->writers = ost_xcalloc(m->n ? m->n : 1, sizeof *ctx->writers);
    for (size_t i = 0; i < m->n; i++) {
        const struct ost_staged *s = &m->items[i];
        ctx->writers[i] = ost_xcalloc(s->nchanges ? s->nchanges : 1, sizeof **ctx->writers);
        for (size_t k = 0; k < s->nchanges; k++) {
            struct reg_writer *w = &ctx->writers[i][k];
            char *id = ost_xasprintf("%s|%s", s->changes[k].key, s->changes[k].name);
            *w = (struct reg_writer){i, k, ost_cimap_get(&last, id), NULL, NULL};
            if (w->prev)
                w->prev->next = w;
            if (removing[i])
                w->run_start = w->prev && removing[w->prev->pkg] ? w->prev->run_start : w;
            ost_cimap_put(&last, id, w);
            if (removing[i])
                ost_cimap_put(&ctx->values, id, &mark);
            free(id);
        }
        for (size_t k = 0; removing[i] && k < s->created_keys.n; k++)
            ost_cimap_put(&ctx->keys, s->created_keys.v[k], &mark);
    }
    ost_cimap_free(&last);
}

static void removal_ctx_free(struct removal_ctx *ctx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ctx->writers[i]);
    free(ctx->writers);
    ost_cimap_free(&ctx->values), ost_cimap_free(&ctx->keys);
}

static void plan_registry_removal(struct ost_image *img, const struct ost_manifest *m, size_t idx,
                                  const struct removal_ctx *ctx, const struct ost_cimap *kept, struct removal *r,
                                  struct left_alone *la)
{
    const struct ost_staged *s = &m->items[idx];
    struct ost_cimap kept_keys = {0};
    r->restore = ost_xcalloc(s->nchanges + 1, sizeof *r->restore);
    r->restore_to = ost_xcalloc(s->nchanges + 1, sizeof *r->restore_to);
    for (size_t i = 0; i < s->nchanges; i++) {
        const struct ost_reg_change *c = &s->changes[i];
        const struct reg_writer *w = &ctx->writers[idx][i];
        if (w->next)
            continue; /* a later package wrote it since: its record takes this one's place */
        if (!recorded_key_ok(s, c->key, ost_streq_ci(c->name, "ConfigFlags"))) {
            leave(la, "registry value \"%s\" of \"%s\" left alone: not a key offstage writes for this package", c->name,
                  c->key);
            continue;
        }
        ost_hkey k = ost_hive_key(img->system, 0, c->key);
        if (!k)
            continue;
        struct ost_reg_state now;
        reg_read(img, k, c->name, &now);
        bool same = reg_same(&now, &c->after);
        ost_reg_state_free(&now);
        if (!same) {
            char *what = key_words(c->key);
            leave(la, "%s: value \"%s\" left alone: it is no longer what offstage wrote (changed since)", what, c->name);
            free(what);
            keep_key(&kept_keys, c->key);
        } else {
            r->restore_to[r->nrestore] = &m->items[w->run_start->pkg].changes[w->run_start->chg].before;
            r->restore[r->nrestore++] = i;
        }
    }
    /* subkeys were recorded after their parents: seen first here */
    for (size_t i = s->created_keys.n; i-- > 0;) {
        const char *key = s->created_keys.v[i];
        char *id = ost_xasprintf("regkey:%s", key);
        bool other = ost_cimap_get(kept, id) != NULL;
        free(id);
        if (other) {
            keep_key(&kept_keys, key);
            continue;
        }
        char *what = key_words(key);
        ost_hkey k = recorded_key_ok(s, key, false) ? ost_hive_key(img->system, 0, key) : 0;
        if (!recorded_key_ok(s, key, false)) {
            leave(la, "%s left alone: not a key offstage writes for this package", what);
        } else if (k && !ost_cimap_get(&kept_keys, key)) {
            struct ost_strlist names = {0}, subkeys = {0};
            ost_hive_value_names(img->system, k, &names);
            ost_hive_subkeys(img->system, k, &subkeys);
            const char *foreign = NULL;
            for (size_t v = 0; v < names.n && !foreign; v++) {
                char *vid = ost_xasprintf("%s|%s", key, names.v[v]);
                if (!ost_cimap_get(&ctx->values, vid))
                    foreign = names.v[v];
                free(vid);
            }
            if (foreign && ost_streq_ci(foreign, "DriverPackageId")) {
                char *dpid = ost_hive_get_string(img->system, k, foreign);
                leave(la, "%s left alone: its DriverPackageId is \"%s\", which offstage does not write (Windows "
                          "installed a package from its driver store since)", what, dpid ? dpid : "");
                free(dpid);
            } else if (foreign) {
                leave(la, "%s left alone: it holds value \"%s\", which offstage did not write", what, foreign);
            }
            const char *sub = NULL;
            for (size_t v = 0; v < subkeys.n && !foreign && !sub; v++) {
                char *child = ost_xasprintf("%s\\%s", key, subkeys.v[v]);
                if (!ost_cimap_get(&ctx->keys, child))
                    sub = subkeys.v[v];
                free(child);
            }
            if (sub)
                leave(la, "%s left alone: it holds subkey \"%s\", which offstage did not create", what, sub);
            if (foreign || sub)
                keep_key(&kept_keys, key);
            else
                ost_strlist_add(&r->delete_keys, key);
            ost_strlist_free(&names), ost_strlist_free(&subkeys);
        } else if (k) {
            leave(la, "%s left alone: a value in it was changed since offstage wrote it", what);
        }
        free(what);
    }
    /* a key kept for a subkey's sake is kept whole */
    size_t n = 0;
    for (size_t i = 0; i < r->delete_keys.n; i++) {
        if (ost_cimap_get(&kept_keys, r->delete_keys.v[i]))
            free(r->delete_keys.v[i]);
        else
            r->delete_keys.v[n++] = r->delete_keys.v[i];
    }
    r->delete_keys.n = n;
    /* names the manifest lists that no record covers: nothing of them is touched */
    for (size_t i = 0; i < s->services.n; i++) {
        char *key = ost_xasprintf("%s\\services\\%s", img->info.control_set_name, s->services.v[i]);
        bool named = false;
        for (size_t k = 0; k < s->created_keys.n && !named; k++)
            named = ost_has_suffix_ci(s->created_keys.v[k], key + strlen(img->info.control_set_name));
        if (!key_name_ok(s->services.v[i]))
            leave(la, "service \"%s\" left alone: not a key name (offstage writes one Services\\NAME)", s->services.v[i]);
        else if (!named)
            leave(la, "service \"%s\" left alone: the manifest records no key offstage created for it", s->services.v[i]);
        free(key);
    }
    for (size_t i = 0; i < s->cdd_keys.n; i++) {
        if (!key_name_ok(s->cdd_keys.v[i]))
            leave(la, "CriticalDeviceDatabase key \"%s\" left alone: not a key name", s->cdd_keys.v[i]);
        else {
            bool named = false;
            char *rel = ost_xasprintf("\\Control\\CriticalDeviceDatabase\\%s", s->cdd_keys.v[i]);
            for (size_t k = 0; k < s->created_keys.n && !named; k++)
                named = ost_has_suffix_ci(s->created_keys.v[k], rel);
            for (size_t k = 0; k < s->nchanges && !named; k++)
                named = ost_has_suffix_ci(s->changes[k].key, rel);
            if (!named)
                leave(la, "CriticalDeviceDatabase key \"%s\" left alone: the manifest records no write of offstage to it",
                      s->cdd_keys.v[i]);
            free(rel);
        }
    }
    ost_cimap_free(&kept_keys);
}

static ost_status apply_registry_removal(struct ost_image *img, const struct ost_staged *s, const struct removal *r,
                                         struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = r->nrestore; i-- > 0 && st == OST_OK;) {
        const struct ost_reg_change *c = &s->changes[r->restore[i]];
        const struct ost_reg_state *to = r->restore_to[i];
        ost_hkey k = ost_hive_key(img->system, 0, c->key);
        if (k && to->present)
            st = ost_hive_set_raw(img->system, k, c->name, to->type, to->data, to->size, err);
        else if (k)
            st = ost_hive_delete_value(img->system, k, c->name, err);
    }
    for (size_t i = 0; i < r->delete_keys.n && st == OST_OK; i++) {
        ost_hkey k = ost_hive_key(img->system, 0, r->delete_keys.v[i]);
        if (k)
            st = ost_hive_delete_key(img->system, k, err);
    }
    return st;
}

/* Decides, reading only, what of package idx may go. `kept` holds what the
 * packages that stay still name: that stays too. */
static void plan_removal(struct ost_image *img, const struct ost_manifest *m, size_t idx,
                         const struct removal_ctx *ctx, const struct ost_cimap *kept, struct removal *r,
                         struct left_alone *la)
{
    const struct ost_staged *s = &m->items[idx];
    memset(r, 0, sizeof *r);
    if (!file_name_ok(s->folder)) {
        leave(la, "folder \"%s\" left alone: not a staging folder name offstage writes; none of the package's "
                  "files, services or keys are touched", s->folder);
        return;
    }
    char *folder = ost_winpath_join(OST_STAGING_ROOT, s->folder);
    for (size_t i = 0; i < s->files.n; i++) {
        if (ost_cimap_get(kept, s->files.v[i]))
            continue;
        if (path_below(s->files.v[i], folder))
            ost_strlist_add(&r->files, s->files.v[i]);
        else
            leave(la, "file \"%s\" left alone: not in the package's staging folder %s", s->files.v[i], folder);
    }
    free(folder);
    /* services name the boot files, so those are decided first; a boot
     * file only its own check rejected still names the service's file */
    struct removal named = {0};
    for (size_t i = 0; i < s->boot_files.n; i++) {
        if (path_below(s->boot_files.v[i], BOOT_FILE_DIR))
            ost_strlist_add(&named.boot_files, s->boot_files.v[i]);
        if (!ost_cimap_get(kept, s->boot_files.v[i]))
            check_boot_file(img, s, i, r, r, la);
    }
    if (s->has_registry) {
        plan_registry_removal(img, m, idx, ctx, kept, r, la);
        removal_free(&named);
        return;
    }
    /* staged by a version that recorded names only: its keys carry the
     * package's folder as DriverPackageId */
    for (size_t i = 0; i < s->services.n; i++) {
        char *id = ost_xasprintf("service:%s", s->services.v[i]);
        if (!ost_cimap_get(kept, id))
            check_service(img, s, s->services.v[i], &named, r, la);
        free(id);
    }
    for (size_t i = 0; i < s->cdd_keys.n; i++) {
        char *id = ost_xasprintf("cdd:%s", s->cdd_keys.v[i]);
        if (!ost_cimap_get(kept, id))
            check_cdd_key(img, s, s->cdd_keys.v[i], r, la);
        free(id);
    }
    removal_free(&named);
}

static ost_status apply_removal(struct ost_image *img, const struct ost_staged *s, const struct removal *r,
                                struct ost_error *err)
{
    ost_status st = OST_OK;
    for (size_t i = 0; i < r->files.n && st == OST_OK; i++)
        if (ost_target_stat(img->target, r->files.v[i]) == 1)
            st = ost_target_remove_file(img->target, r->files.v[i], err);
    char *folder = ost_winpath_join(OST_STAGING_ROOT, s->folder);
    /* deepest first: subfolders of the package, then the package folder */
    for (size_t i = r->files.n; i-- > 0 && st == OST_OK;) {
        char *dir = ost_xstrdup(r->files.v[i]);
        for (char *cut = strrchr(dir, '\\'); cut && strlen(dir) > strlen(folder); cut = strrchr(dir, '\\')) {
            *cut = '\0';
            if (strlen(dir) >= strlen(folder))
                st = ost_target_remove_dir(img->target, dir, err);
        }
        free(dir);
    }
    free(folder);
    if (st == OST_OK && (r->services.n || r->cdd_keys.n || r->nrestore || r->delete_keys.n))
        st = ost_image_edit_system(img, err);
    if (st == OST_OK)
        st = apply_registry_removal(img, s, r, err);
    for (size_t i = 0; i < r->boot_files.n && st == OST_OK; i++)
        if (ost_target_stat(img->target, r->boot_files.v[i]) == 1)
            st = ost_target_remove_file(img->target, r->boot_files.v[i], err);
    /* looked up again: the same key may be named twice */
    for (size_t i = 0; i < r->services.n && st == OST_OK; i++) {
        char *path = ost_xasprintf("services\\%s", r->services.v[i]);
        ost_hkey k = ost_hive_key(img->system, img->control_set, path);
        if (k)
            st = ost_hive_delete_key(img->system, k, err);
        free(path);
    }
    for (size_t i = 0; i < r->cdd_keys.n && st == OST_OK; i++) {
        char *path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", r->cdd_keys.v[i]);
        ost_hkey k = ost_hive_key(img->system, img->control_set, path);
        if (k)
            st = ost_hive_delete_key(img->system, k, err);
        free(path);
    }
    return st;
}

static ost_status unapply_setup_complete(struct ost_image *img, const struct ost_manifest *m, const char *name,
                                         struct ost_error *err)
{
    struct ost_buf b = {0};
    bool existed, changed = false;
    ost_status st = read_setup_complete(img, &b, &existed, err);
    for (size_t i = 0; st == OST_OK && existed && i < m->n; i++) {
        const char *line = m->items[i].setup_complete_line;
        char *at = line && staged_matches(&m->items[i], name) ? strstr(b.data, line) : NULL;
        if (!at)
            continue;
        size_t len = strlen(line);
        while (at[len] == '\r' || at[len] == '\n')
            len++;
        memmove(at, at + len, b.len - (size_t)(at - b.data) - len + 1);
        b.len -= len;
        changed = true;
    }
    if (st == OST_OK && changed) {
        if (m->setup_complete_created && !strcmp(b.data, "@echo off\r\n")) {
            st = ost_target_remove_file(img->target, OST_SETUPCOMPLETE, err);
            if (st == OST_OK)
                st = ost_target_remove_dir(img->target, "Windows\\Setup\\Scripts", err);
            if (st == OST_OK)
                st = ost_target_remove_dir(img->target, "Windows\\Setup", err);
        } else {
            st = ost_target_write_bytes(img->target, OST_SETUPCOMPLETE, b.data, b.len, err);
        }
    }
    ost_buf_free(&b);
    return st;
}

/* DevicePath without our folder, once no package is left; its type is
 * kept, and a value that is not a string is not ours to touch. */
static ost_status unapply_devicepath(struct ost_image *img, struct ost_strlist *left_alone, struct ost_error *err)
{
    char *odd = devicepath_not_string(img);
    if (odd) {
        ost_strlist_add_owned(left_alone, ost_xasprintf("%s: DevicePath (SOFTWARE\\%s) is %s, not a list of folders; "
                                                        "left as it is", img->target->name, DEVICEPATH_KEY, odd));
        free(odd);
        return OST_OK;
    }
    ost_status st = OST_OK;
    char *before = read_devicepath(img);
    if (before && path_list_has(before, OST_STAGING_DEVICEPATH)) {
        ost_hkey k = ost_hive_key(img->software, 0, DEVICEPATH_KEY);
        uint32_t type = OST_REG_EXPAND_SZ;
        uint8_t *data = NULL;
        size_t size;
        if (ost_hive_get_raw(img->software, k, "DevicePath", &type, &data, &size))
            free(data);
        char *after = devicepath_without_ours(before);
        st = ost_hive_set_string(img->software, k, "DevicePath", type, after, err);
        free(after);
    }
    free(before);
    return st;
}

/* Marks key and every parent as needed by package s (the first that
 * needs it, in staging order). */
static void keep_key_for(struct ost_cimap *kept, const char *key, struct ost_staged *s)
{
    char *k = ost_xasprintf("regkey:%s", key);
    for (char *cut; k[7]; *cut = '\0') {
        if (!ost_cimap_get(kept, k))
            ost_cimap_put(kept, k, s);
        if (!(cut = strrchr(k + 7, '\\')))
            break;
    }
    free(k);
}

/* What the removed packages recorded that packages which stay still
 * rest on passes to those: a key a removed package created, below which
 * a staying one wrote, becomes the staying one's to delete; a value both
 * wrote gets as before what the removed run found. */
static void hand_over_records(struct ost_manifest *m, const bool *removing, const struct removal_ctx *ctx,
                              const struct ost_cimap *kept)
{
    struct ost_strlist *inherit = ost_xcalloc(m->n ? m->n : 1, sizeof *inherit);
    for (size_t i = 0; i < m->n; i++) {
        for (size_t k = 0; removing[i] && k < m->items[i].created_keys.n; k++) {
            char *id = ost_xasprintf("regkey:%s", m->items[i].created_keys.v[k]);
            struct ost_staged *heir = ost_cimap_get(kept, id);
            free(id);
            if (heir && !ost_strlist_contains_ci(&heir->created_keys, m->items[i].created_keys.v[k]) &&
                !ost_strlist_contains_ci(&inherit[heir - m->items], m->items[i].created_keys.v[k]))
                ost_strlist_add(&inherit[heir - m->items], m->items[i].created_keys.v[k]);
        }
        for (size_t k = 0; !removing[i] && k < m->items[i].nchanges; k++) {
            const struct reg_writer *prev = ctx->writers[i][k].prev;
            if (!prev || !removing[prev->pkg])
                continue;
            const struct reg_writer *first = prev->run_start;
            struct ost_reg_state *before = &m->items[i].changes[k].before;
            const struct ost_reg_state *from = &m->items[first->pkg].changes[first->chg].before;
            ost_reg_state_free(before);
            ost_reg_state_copy(before, from);
        }
    }
    /* parents before subkeys: the inherited keys are older than the heir's own */
    for (size_t i = 0; i < m->n; i++) {
        if (!inherit[i].n)
            continue;
        for (size_t k = 0; k < m->items[i].created_keys.n; k++)
            ost_strlist_add(&inherit[i], m->items[i].created_keys.v[k]);
        ost_strlist_free(&m->items[i].created_keys);
        m->items[i].created_keys = inherit[i];
        inherit[i] = (struct ost_strlist){0};
    }
    free(inherit);
}

ost_status ost_stage_remove(struct ost_image *img, const char *name, struct ost_strlist *removed,
                            struct ost_strlist *left_alone, struct ost_error *err)
{
    struct ost_manifest m;
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    /* what the packages that stay name stays, whatever the others say */
    struct ost_cimap kept = {0};
    static char used;
    for (size_t i = 0; i < m.n; i++) {
        const struct ost_staged *s = &m.items[i];
        if (staged_matches(s, name))
            continue;
        for (size_t k = 0; k < s->files.n; k++)
            ost_cimap_put(&kept, s->files.v[k], &used);
        for (size_t k = 0; k < s->boot_files.n; k++)
            ost_cimap_put(&kept, s->boot_files.v[k], &used);
        for (size_t k = 0; k < s->services.n; k++) {
            char *id = ost_xasprintf("service:%s", s->services.v[k]);
            ost_cimap_put(&kept, id, &used);
            free(id);
        }
        for (size_t k = 0; k < s->cdd_keys.n; k++) {
            char *id = ost_xasprintf("cdd:%s", s->cdd_keys.v[k]);
            ost_cimap_put(&kept, id, &used);
            free(id);
        }
        for (size_t k = 0; k < s->created_keys.n; k++)
            keep_key_for(&kept, s->created_keys.v[k], &m.items[i]);
        for (size_t k = 0; k < s->nchanges; k++)
            keep_key_for(&kept, s->changes[k].key, &m.items[i]);
    }
    bool *removing = ost_xcalloc(m.n ? m.n : 1, sizeof *removing);
    for (size_t i = 0; i < m.n; i++)
        removing[i] = staged_matches(&m.items[i], name);
    struct removal_ctx ctx;
    removal_ctx_init(&ctx, &m, removing);
    /* every check reads the image as it is, before anything is removed */
    struct removal *plans = ost_xcalloc(m.n ? m.n : 1, sizeof *plans);
    for (size_t i = 0; i < m.n; i++) {
        if (!staged_matches(&m.items[i], name))
            continue;
        struct left_alone la = {left_alone, img->target->name, i, m.items[i].inf_name, 0};
        plan_removal(img, &m, i, &ctx, &kept, &plans[i], &la);
        leave_end(&la);
    }
    struct ost_cimap named = {0};
    for (size_t i = 0; i < m.n && st == OST_OK; i++) {
        if (staged_matches(&m.items[i], name)) {
            st = apply_removal(img, &m.items[i], &plans[i], err);
            if (!ost_cimap_get(&named, m.items[i].folder))
                ost_strlist_add(removed, m.items[i].folder);
            ost_cimap_put(&named, m.items[i].folder, &used);
        }
    }
    ost_cimap_free(&named);
    for (size_t i = 0; i < m.n; i++)
        removal_free(&plans[i]);
    free(plans);
    if (st == OST_OK)
        hand_over_records(&m, removing, &ctx, &kept);
    removal_ctx_free(&ctx, m.n);
    free(removing);
    ost_cimap_free(&kept);
    if (st == OST_OK && removed->n)
        st = unapply_setup_complete(img, &m, name, err);
    if (st == OST_OK && removed->n == 0)
        st = ost_fail(err, OST_NEGATIVE, "%s: no package staged by offstage matches '%s' (see get-drivers)",
                      img->target->name, name);
    if (st == OST_OK) {
        size_t n = 0;
        for (size_t i = 0; i < m.n; i++) {
            if (staged_matches(&m.items[i], name))
                ost_staged_free(&m.items[i]);
            else
                m.items[n++] = m.items[i];
        }
        m.n = n;
        st = ost_manifest_write(img, &m, err);
    }
    if (st == OST_OK && m.n == 0) {
        st = ost_target_remove_dir(img->target, OST_STAGING_ROOT, err);
        if (st == OST_OK)
            st = ost_target_remove_dir(img->target, "Windows\\offstage", err);
        if (st == OST_OK)
            st = unapply_devicepath(img, left_alone, err);
    }
    ost_manifest_free(&m);
    return st;
}
