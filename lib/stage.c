/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "stage.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catpkg.h"
#include "hive.h"
#include "pe.h"

#define MANIFEST_MAX (16u * 1024 * 1024)
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

static bool hash_file(EVP_MD_CTX *ctx, const char *path)
{
    uint8_t *data;
    size_t size;
    struct ost_error err;
    if (ost_read_file(path, 1u << 30, &data, &size, &err) != OST_OK)
        return false;
    EVP_DigestUpdate(ctx, data, size);
    free(data);
    return true;
}

static char *package_hash(const struct ost_package_report *r, const struct ost_package_arch *pa)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    hash_file(ctx, r->model->inf_path);
    for (size_t i = 0; i < pa->nfiles; i++) {
        const struct ost_package_file *f = &pa->files[i];
        EVP_DigestUpdate(ctx, f->copy->source_path, strlen(f->copy->source_path) + 1);
        if (f->host_path)
            hash_file(ctx, f->host_path);
    }
    if (pa->catalog_path)
        hash_file(ctx, pa->catalog_path);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, md, &n);
    EVP_MD_CTX_free(ctx);
    char *hex = ost_xmalloc(17);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return hex;
}

/* ---- manifest ---------------------------------------------------------------- */

static void strlist_from_json(json_t *a, struct ost_strlist *l)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
        if (json_is_string(v))
            ost_strlist_add(l, json_string_value(v));
}

static char *json_dup(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? ost_xstrdup(s) : NULL;
}

ost_status ost_manifest_read(struct ost_image *img, struct ost_manifest *m, struct ost_error *err)
{
    memset(m, 0, sizeof *m);
    if (ost_target_stat(img->target, OST_MANIFEST_PATH) != 1)
        return OST_OK;
    uint8_t *data;
    size_t size;
    ost_status st = ost_target_read_file(img->target, OST_MANIFEST_PATH, MANIFEST_MAX, &data, &size, err);
    if (st != OST_OK)
        return st;
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, 0, &je);
    free(data);
    json_t *pkgs = doc ? json_object_get(doc, "packages") : NULL;
    if (!doc || !json_is_array(pkgs)) {
        json_decref(doc);
        return ost_fail(err, OST_ERR_CORRUPT, "%s: %s: line %d: %s", img->target->name, OST_MANIFEST_PATH,
                        doc ? 0 : je.line, doc ? "no \"packages\" list" : je.text);
    }
    m->setup_complete_created = json_is_true(json_object_get(doc, "setup_complete_created"));
    size_t i;
    json_t *p;
    json_array_foreach(pkgs, i, p) {
        ost_grow(&m->items, &m->cap, m->n + 1, sizeof *m->items);
        struct ost_staged *s = &m->items[m->n++];
        memset(s, 0, sizeof *s);
        s->inf_name = json_dup(p, "inf"), s->folder = json_dup(p, "folder"), s->arch = json_dup(p, "arch");
        s->class_name = json_dup(p, "class"), s->class_guid = json_dup(p, "class_guid");
        s->provider = json_dup(p, "provider"), s->driver_ver = json_dup(p, "driver_ver");
        s->catalog = json_dup(p, "catalog");
        s->setup_complete_line = json_dup(p, "setup_complete_line");
        s->signed_ = json_is_true(json_object_get(p, "signed"));
        s->boot_critical = json_is_true(json_object_get(p, "boot_critical"));
        strlist_from_json(json_object_get(p, "hardware_ids"), &s->hardware_ids);
        strlist_from_json(json_object_get(p, "files"), &s->files);
        strlist_from_json(json_object_get(p, "services"), &s->services);
        strlist_from_json(json_object_get(p, "boot_files"), &s->boot_files);
        strlist_from_json(json_object_get(p, "critical_device_database"), &s->cdd_keys);
        if (!s->inf_name || !s->folder) {
            json_decref(doc);
            ost_manifest_free(m);
            return ost_fail(err, OST_ERR_CORRUPT, "%s: %s: package %zu has no \"inf\" or \"folder\"",
                            img->target->name, OST_MANIFEST_PATH, i + 1);
        }
    }
    json_decref(doc);
    return OST_OK;
}

static void staged_free(struct ost_staged *s)
{
    free(s->inf_name), free(s->folder), free(s->arch), free(s->class_name), free(s->class_guid);
    free(s->provider), free(s->driver_ver), free(s->catalog), free(s->setup_complete_line);
    ost_strlist_free(&s->hardware_ids), ost_strlist_free(&s->files), ost_strlist_free(&s->services);
    ost_strlist_free(&s->boot_files), ost_strlist_free(&s->cdd_keys);
}

void ost_manifest_free(struct ost_manifest *m)
{
    for (size_t i = 0; i < m->n; i++)
        staged_free(&m->items[i]);
    free(m->items);
    memset(m, 0, sizeof *m);
}

static json_t *strlist_json(const struct ost_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}

static ost_status manifest_write(struct ost_image *img, const struct ost_manifest *m, struct ost_error *err)
{
    if (m->n == 0)
        return ost_target_stat(img->target, OST_MANIFEST_PATH) == 1
                   ? ost_target_remove_file(img->target, OST_MANIFEST_PATH, err) : OST_OK;
    json_t *pkgs = json_array();
    for (size_t i = 0; i < m->n; i++) {
        const struct ost_staged *s = &m->items[i];
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:b, s:o, s:o, s:o, s:o, s:o}",
            "inf", s->inf_name, "folder", s->folder, "arch", s->arch, "class", s->class_name,
            "class_guid", s->class_guid, "provider", s->provider, "driver_ver", s->driver_ver, "catalog", s->catalog,
            "setup_complete_line", s->setup_complete_line,
            "signed", s->signed_, "boot_critical", s->boot_critical, "hardware_ids", strlist_json(&s->hardware_ids),
            "files", strlist_json(&s->files), "services", strlist_json(&s->services),
            "boot_files", strlist_json(&s->boot_files), "critical_device_database", strlist_json(&s->cdd_keys)));
    }
    json_t *doc = json_pack("{s:s, s:s, s:b, s:o}", "schema", "offstage.manifest/1", "comment",
                            "Driver packages staged by offstage; read by offstage get-drivers and remove-driver.",
                            "setup_complete_created", m->setup_complete_created, "packages", pkgs);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    ost_status st = ost_target_write_bytes(img->target, OST_MANIFEST_PATH, text, strlen(text), err);
    free(text);
    return st;
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

static const struct ost_staged *find_staged(const struct ost_manifest *m, const char *folder)
{
    for (size_t i = 0; i < m->n; i++)
        if (ost_streq_ci(m->items[i].folder, folder))
            return &m->items[i];
    return NULL;
}

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
        if (s->start_type == 0 && ost_hive_key(img->system, img->control_set, key))
            refuse(p, OST_STAGE_REFUSED, "service %s already exists in the image and was not staged by offstage; "
                   "refusing to overwrite it", s->name);
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
}

static void plan_copies(struct ost_stage_package *p, const struct ost_package_arch *pa)
{
    const struct ost_driver_model *m = p->report->model;
    size_t n = pa->nfiles + 2;
    struct ost_cimap sources = {0}; /* a set: thousands of files stay linear */
    p->copies = ost_xcalloc(n, sizeof *p->copies);
    p->copies[p->ncopies++] = (struct ost_stage_copy){ost_xstrdup(m->inf_path), ost_winpath_join(p->folder_path, m->inf_name)};
    if (p->test_catalog)
        p->copies[p->ncopies++] = (struct ost_stage_copy){ost_xstrdup(p->test_catalog),
                                                          ost_winpath_join(p->folder_path, pa->model->catalog_file)};
    else if (pa->catalog_path)
        p->copies[p->ncopies++] = (struct ost_stage_copy){ost_xstrdup(pa->catalog_path),
                                                          ost_winpath_join(p->folder_path, pa->model->catalog_file)};
    for (size_t k = 0; k < p->ncopies; k++)
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
        if (ost_target_stat(img->target, path) != 1)
            note(p, "warning: included INF %s is not in the image's Windows\\inf; Windows will fail to install the "
                    "device until it is there", am->includes.v[i]);
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

/* --test-sign on x64: winload reads no catalog, so a boot-start driver's
 * PE files get an embedded signature. The signed copies are scratch files
 * that take the originals' place in the report: the staged copy, the
 * System32\drivers copy and the catalog all use them. */
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
        st = ost_read_file(f->host_path, OST_PE_MAX_FILE, &data, &size, err);
        if (st == OST_OK)
            st = ost_sign_pe(opts->test_signer, opts->test_digest, data, size, f->host_path, &out, &out_size, err);
        char *path = st == OST_OK ? ost_target_scratch_file(img->target, "sys") : NULL;
        if (st == OST_OK)
            st = ost_write_new_file(path, out, out_size, err);
        if (st == OST_OK) {
            free(f->host_path);
            f->host_path = path;
            f->embedded_signature = true;
        } else {
            free(path);
        }
        free(data), free(out);
    }
    return st;
}

/* --test-sign: the catalog Inf2Cat would make for the image's
 * architecture, signed, in a scratch file that the plan copies in place
 * of the package's own (missing or invalid) catalog. */
static ost_status make_test_catalog(struct ost_image *img, struct ost_stage_package *p, const struct ost_os_version *os,
                                    const struct ost_stage_options *opts, struct ost_error *err)
{
    struct ost_buf der = {0};
    uint8_t *signed_cat = NULL;
    size_t signed_size = 0;
    ost_status st = ost_make_cat_for_arch(p->report, img->info.arch, os, ost_catalog_time(), &der, err);
    if (st == OST_OK)
        st = ost_sign_catalog(opts->test_signer, opts->test_digest, (const uint8_t *)der.data, der.len,
                              p->report->arches[0].model->catalog_file, &signed_cat, &signed_size, err);
    char *path = st == OST_OK ? ost_target_scratch_file(img->target, "cat") : NULL;
    if (st == OST_OK)
        st = ost_write_new_file(path, signed_cat, signed_size, err);
    if (st == OST_OK) {
        p->test_catalog = path;
        p->signed_ = true;
        struct ost_cat_arch_result *r = &p->signature;
        r->signature = OST_SIG_TRUSTED;
        r->all_good = true;
        r->microsoft_root = false;
        snprintf(r->detail, sizeof r->detail, "test-signed by %s for this image", ost_signer_subject(opts->test_signer));
        snprintf(r->signer_thumbprint, sizeof r->signer_thumbprint, "%s", ost_signer_thumbprint(opts->test_signer));
        snprintf(r->anchor_thumbprint, sizeof r->anchor_thumbprint, "%s", ost_signer_thumbprint(opts->test_signer));
    } else {
        free(path);
    }
    ost_buf_free(&der);
    free(signed_cat);
    return st;
}

static void plan_package(struct ost_image *img, const char *inf, const struct ost_stage_options *opts,
                         const struct ost_manifest *manifest, struct ost_stage_package *p, struct ost_error *err)
{
    ost_arch arch = img->info.arch;
    struct ost_package_options po = {.model = {.arches = {arch}, .narches = 1,
                                               .os = {img->info.major, img->info.minor, img->info.build, 1}}};
    p->inf_path = ost_xstrdup(inf);
    if (ost_package_check(inf, &po, &p->report, err) != OST_OK) {
        refuse(p, OST_STAGE_REFUSED, "%s", err->message);
        return;
    }
    const struct ost_package_arch *pa = &p->report->arches[0];
    bool machine;
    if (!pa->stageable) {
        bool arch_only = only_machine_errors(p->report, arch, &machine) && machine;
        if (arch_only && opts->recurse)
            refuse(p, OST_STAGE_SKIP_ARCH, "built for another architecture than this %s image", ost_arch_name(arch));
        else
            refuse(p, OST_STAGE_REFUSED, "cannot be staged on %s: %zu error%s (see check-package)",
                   ost_arch_name(arch), ost_diags_count_arch(&p->report->model->diags, OST_SEV_ERROR, arch),
                   ost_diags_count_arch(&p->report->model->diags, OST_SEV_ERROR, arch) == 1 ? "" : "s");
        return;
    }
    p->signed_ = pa->catalog_path != NULL;
    check_catalog(p, opts, &po.model.os);
    if (opts->test_signer && p->signature.signature <= OST_SIG_BROKEN) {
        struct ost_error terr;
        bool embed = pa->boot_critical && arch != OST_ARCH_X86;
        if ((embed && embed_test_signatures(img, p, opts, &terr) != OST_OK) ||
            make_test_catalog(img, p, &po.model.os, opts, &terr) != OST_OK) {
            refuse(p, OST_STAGE_REFUSED, "cannot test-sign it: %s", terr.message);
            return;
        }
        note(p, "test-signed: a catalog made for %s and signed by %s is staged with it (the package itself is "
                "unchanged)", ost_arch_name(arch), ost_signer_subject(opts->test_signer));
        if (embed)
            note(p, "test-signed: its boot-start driver files carry an embedded signature (winload reads no "
                    "catalog)");
    }
    if (!p->signed_ && !opts->force_unsigned) {
        refuse(p, OST_STAGE_REFUSED, "unsigned (no catalog); give --force-unsigned to stage it anyway");
        return;
    }
    if (!p->signed_)
        note(p, arch == OST_ARCH_X86
                    ? "unsigned: Windows 7 x86 will ask before installing it, which an unattended first boot "
                      "cannot answer"
                    : "unsigned: Windows 7 x64 will not load its driver (Code 52) unless test-signing is on and "
                      "the package is test-signed");
    char *hash = package_hash(p->report, pa);
    char *inf_lower = ost_xstrdup(p->report->model->inf_name);
    ost_str_lower(inf_lower);
    p->folder = ost_xasprintf("%s_%s_neutral_%s", inf_lower, ost_arch_name(arch), hash);
    p->folder_path = ost_winpath_join(OST_STAGING_ROOT, p->folder);
    free(hash), free(inf_lower);
    check_includes(img, p, pa->model);
    if (find_staged(manifest, p->folder)) {
        p->action = OST_STAGE_PRESENT;
        return;
    }
    p->action = OST_STAGE_COPY;
    plan_copies(p, pa);
    if (pa->boot_critical)
        plan_boot_critical(img, p, pa);
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
    for (size_t i = 0; i < infs->n; i++) {
        struct ost_error perr = {0};
        plan_package(img, infs->v[i], opts, &manifest, &plan->packages[plan->npackages++], &perr);
    }
    bool any_copy = false;
    for (size_t i = 0; i < plan->npackages; i++)
        any_copy = any_copy || plan->packages[i].action == OST_STAGE_COPY;
    plan->devicepath_before = read_devicepath(img);
    if (any_copy)
        plan->devicepath_after = devicepath_with_ours(plan->devicepath_before);
    plan->changes = any_copy;
    ost_manifest_free(&manifest);
    *out = plan;
    return OST_OK;
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
        ost_package_report_free(s->report);
    }
    free(p->packages);
    free(p->devicepath_before), free(p->devicepath_after);
    free(p);
}

/* ---- applying ------------------------------------------------------------------ */

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
    ost_strlist_add(&rec->boot_files, dest);
    free(dest);
    char *path = ost_xasprintf("services\\%s", s->name);
    ost_hkey k = 0;
    if (st == OST_OK)
        st = ost_hive_create_key(img->system, img->control_set, path, &k, err);
    char *image_path = ost_xasprintf("\\SystemRoot\\system32\\drivers\\%s", bin->copy->name);
    if (st == OST_OK && s->display_name)
        st = ost_hive_set_string(img->system, k, "DisplayName", OST_REG_SZ, s->display_name, err);
    if (st == OST_OK)
        st = ost_hive_set_dword(img->system, k, "Type", s->service_type, err);
    if (st == OST_OK)
        st = ost_hive_set_dword(img->system, k, "Start", s->start_type, err);
    if (st == OST_OK)
        st = ost_hive_set_dword(img->system, k, "ErrorControl", s->error_control, err);
    if (st == OST_OK)
        st = ost_hive_set_string(img->system, k, "ImagePath", OST_REG_EXPAND_SZ, image_path, err);
    if (st == OST_OK && s->load_order_group)
        st = ost_hive_set_string(img->system, k, "Group", OST_REG_SZ, s->load_order_group, err);
    if (st == OST_OK)
        st = ost_hive_set_string(img->system, k, "DriverPackageId", OST_REG_SZ, p->folder, err);
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
        st = ost_hive_create_key(img->system, img->control_set, path, &k, err);
        if (st == OST_OK)
            st = ost_hive_set_string(img->system, k, "Service", OST_REG_SZ, service ? service : "", err);
        if (st == OST_OK)
            st = ost_hive_set_string(img->system, k, "ClassGUID", OST_REG_SZ, guid, err);
        if (st == OST_OK)
            st = ost_hive_set_string(img->system, k, "DriverPackageId", OST_REG_SZ, p->folder, err);
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
    for (size_t i = 0; i < pa->model->ndevices; i++) {
        const char *id = pa->model->devices[i].model->hardware_id;
        if (id[0] && !ost_strlist_contains_ci(&s->hardware_ids, id))
            ost_strlist_add(&s->hardware_ids, id);
    }
    for (size_t i = 0; i < p->ncopies; i++)
        ost_strlist_add(&s->files, p->copies[i].dest);
}

static struct ost_staged *staged_by_folder(struct ost_manifest *m, const char *folder)
{
    for (size_t i = 0; i < m->n; i++)
        if (ost_streq_ci(m->items[i].folder, folder))
            return &m->items[i];
    return NULL;
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
        struct ost_staged *rec = p->folder ? staged_by_folder(m, p->folder) : NULL;
        if (!rec || (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT))
            continue;
        char *line = ost_xasprintf("pnputil -i -a \"%%SystemRoot%%\\offstage\\drivers\\%s\\%s\"", p->folder,
                                   p->report->model->inf_name);
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
        for (size_t k = 0; k < p->ncopies && st == OST_OK; k++)
            st = ost_target_write_file(img->target, p->copies[k].dest, p->copies[k].source, err);
        ost_grow(&manifest.items, &manifest.cap, manifest.n + 1, sizeof *manifest.items);
        struct ost_staged *rec = &manifest.items[manifest.n++];
        record_package(p, rec);
        if (st == OST_OK && p->boot_critical)
            st = apply_boot_critical(img, p, rec, err);
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
        st = manifest_write(img, &manifest, err);
    ost_manifest_free(&manifest);
    return st;
}

/* ---- removal -------------------------------------------------------------------- */

static bool staged_matches(const struct ost_staged *s, const char *name)
{
    return ost_streq_ci(name, "all") || ost_streq_ci(s->inf_name, name) || ost_streq_ci(s->folder, name);
}

static bool still_used(const struct ost_manifest *m, size_t except, const char *what, bool service)
{
    for (size_t i = 0; i < m->n; i++)
        if (i != except && ost_strlist_contains_ci(service ? &m->items[i].services : &m->items[i].cdd_keys, what))
            return true;
    return false;
}

static ost_status remove_one(struct ost_image *img, struct ost_manifest *m, size_t idx, struct ost_error *err)
{
    const struct ost_staged *s = &m->items[idx];
    ost_status st = OST_OK;
    for (size_t i = 0; i < s->files.n && st == OST_OK; i++)
        if (ost_target_stat(img->target, s->files.v[i]) == 1)
            st = ost_target_remove_file(img->target, s->files.v[i], err);
    char *folder = ost_winpath_join(OST_STAGING_ROOT, s->folder);
    /* deepest first: subfolders of the package, then the package folder */
    for (size_t i = s->files.n; i-- > 0 && st == OST_OK;) {
        char *dir = ost_xstrdup(s->files.v[i]);
        for (char *cut = strrchr(dir, '\\'); cut && strlen(dir) > strlen(folder); cut = strrchr(dir, '\\')) {
            *cut = '\0';
            if (strlen(dir) >= strlen(folder))
                st = ost_target_remove_dir(img->target, dir, err);
        }
        free(dir);
    }
    free(folder);
    if (st == OST_OK && (s->services.n || s->cdd_keys.n))
        st = ost_image_edit_system(img, err);
    for (size_t i = 0; i < s->boot_files.n && st == OST_OK; i++)
        if (ost_target_stat(img->target, s->boot_files.v[i]) == 1)
            st = ost_target_remove_file(img->target, s->boot_files.v[i], err);
    for (size_t i = 0; i < s->services.n && st == OST_OK; i++) {
        char *path = ost_xasprintf("services\\%s", s->services.v[i]);
        ost_hkey k = ost_hive_key(img->system, img->control_set, path);
        if (k && !still_used(m, idx, s->services.v[i], true))
            st = ost_hive_delete_key(img->system, k, err);
        free(path);
    }
    for (size_t i = 0; i < s->cdd_keys.n && st == OST_OK; i++) {
        char *path = ost_xasprintf("Control\\CriticalDeviceDatabase\\%s", s->cdd_keys.v[i]);
        ost_hkey k = ost_hive_key(img->system, img->control_set, path);
        if (k && !still_used(m, idx, s->cdd_keys.v[i], false))
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

ost_status ost_stage_remove(struct ost_image *img, const char *name, struct ost_strlist *removed,
                            struct ost_error *err)
{
    struct ost_manifest m;
    ost_status st = ost_manifest_read(img, &m, err);
    if (st != OST_OK)
        return st;
    size_t kept = 0;
    for (size_t i = 0; i < m.n && st == OST_OK; i++) {
        if (staged_matches(&m.items[i], name)) {
            st = remove_one(img, &m, i, err);
            ost_strlist_add(removed, m.items[i].folder);
        }
    }
    if (st == OST_OK && removed->n)
        st = unapply_setup_complete(img, &m, name, err);
    if (st == OST_OK && removed->n == 0)
        st = ost_fail(err, OST_NEGATIVE, "%s: no package staged by offstage matches '%s' (see get-drivers)",
                      img->target->name, name);
    if (st == OST_OK) {
        for (size_t i = 0; i < m.n; i++) {
            if (staged_matches(&m.items[i], name))
                staged_free(&m.items[i]);
            else
                m.items[kept++] = m.items[i];
        }
        m.n = kept;
        st = manifest_write(img, &m, err);
    }
    if (st == OST_OK && m.n == 0) {
        st = ost_target_remove_dir(img->target, OST_STAGING_ROOT, err);
        if (st == OST_OK)
            st = ost_target_remove_dir(img->target, "Windows\\offstage", err);
        char *before = read_devicepath(img);
        if (before && path_list_has(before, OST_STAGING_DEVICEPATH)) {
            char *after = devicepath_without_ours(before);
            ost_hkey k = ost_hive_key(img->software, 0, DEVICEPATH_KEY);
            st = ost_hive_set_string(img->software, k, "DevicePath", OST_REG_EXPAND_SZ, after, err);
            free(after);
        }
        free(before);
    }
    ost_manifest_free(&m);
    return st;
}
