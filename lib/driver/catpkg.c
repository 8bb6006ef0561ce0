/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "catpkg.h"
#include "fileutil.h"
#include "pe.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- OS lists ------------------------------------------------------------------- */

static const struct {
    const char *inf2cat, *token;
    ost_arch arch;
    unsigned major, minor;
} os_names[] = {
    {"7_X86", "7X86", OST_ARCH_X86, 6, 1},
    {"7_X64", "7X64", OST_ARCH_AMD64, 6, 1},
    {"Server2008R2_X64", "Server2008R2X64", OST_ARCH_AMD64, 6, 1},
    {"Vista_X86", "VistaX86", OST_ARCH_X86, 6, 0},
    {"Vista_X64", "VistaX64", OST_ARCH_AMD64, 6, 0},
    {"Server2008_X86", "Server2008X86", OST_ARCH_X86, 6, 0},
    {"Server2008_X64", "Server2008X64", OST_ARCH_AMD64, 6, 0},
};
#define N_OS_NAMES (sizeof os_names / sizeof os_names[0])

static void set_os(struct ost_cat_os *o, size_t i)
{
    o->arch = os_names[i].arch;
    o->major = os_names[i].major;
    o->minor = os_names[i].minor;
    snprintf(o->name, sizeof o->name, "%s", os_names[i].token);
}

ost_status ost_cat_os_parse_list(const char *list, struct ost_cat_os *out, size_t *n, struct ost_error *err)
{
    char *copy = ost_xstrdup(list), *save = NULL;
    ost_status st = OST_OK;
    *n = 0;
    for (char *item = strtok_r(copy, ",", &save); item && st == OST_OK; item = strtok_r(NULL, ",", &save)) {
        ost_str_trim(item);
        size_t i = 0;
        while (i < N_OS_NAMES && !ost_streq_ci(item, os_names[i].inf2cat))
            i++;
        if (i == N_OS_NAMES)
            st = ost_fail(err, OST_ERR_USAGE, "unknown OS '%s': use 7_X86, 7_X64, Server2008R2_X64, Vista_X86, "
                          "Vista_X64, Server2008_X86 or Server2008_X64", item);
        else if (*n == OST_CAT_MAX_OS)
            st = ost_fail(err, OST_ERR_USAGE, "more than %d OS entries", OST_CAT_MAX_OS);
        else
            set_os(&out[(*n)++], i);
    }
    free(copy);
    if (st == OST_OK && *n == 0)
        st = ost_fail(err, OST_ERR_USAGE, "empty OS list");
    return st;
}

/* ---- making catalogs --------------------------------------------------------------- */

/* One catalog to write: the architectures whose CatalogFile names it. */
struct cat_job {
    const char *name;              /* as the INF names it */
    struct ost_cat_os os[OST_CAT_MAX_OS];
    size_t nos;
    char *path;
    struct ost_buf der;
};

static bool job_has_arch(const struct cat_job *j, ost_arch a)
{
    for (size_t i = 0; i < j->nos; i++)
        if (j->os[i].arch == a)
            return true;
    return false;
}

static void default_os(const struct ost_package_report *r, struct ost_make_cat_options *o)
{
    for (size_t i = 0; i < r->narches && o->nos < OST_CAT_MAX_OS; i++) {
        const struct ost_package_arch *pa = &r->arches[i];
        const char *name = pa->arch == OST_ARCH_X86 ? "7_X86" : pa->arch == OST_ARCH_AMD64 ? "7_X64" : NULL;
        struct ost_error ignored;
        size_t n;
        if (pa->model->usable && pa->stageable && name &&
            ost_cat_os_parse_list(name, &o->os[o->nos], &n, &ignored) == OST_OK)
            o->nos++;
    }
}

static const struct ost_package_arch *report_arch(const struct ost_package_report *r, ost_arch a)
{
    for (size_t i = 0; i < r->narches; i++)
        if (r->arches[i].arch == a)
            return &r->arches[i];
    return NULL;
}

/* Why the package cannot be catalogued for pa's architecture: its first error. */
static ost_status not_catalogable(const struct ost_package_report *r, const struct ost_package_arch *pa,
                                  struct ost_error *err)
{
    const char *arch = ost_arch_name(pa->arch);
    if (!pa->model->usable)
        return ost_fail(err, OST_ERR_USAGE, "%s: the INF has no models section for %s; leave it out of --os",
                        r->model->inf_path, arch);
    for (size_t i = 0; i < r->model->diags.n; i++) {
        const struct ost_diag *d = &r->model->diags.v[i];
        if (d->severity == OST_SEV_ERROR && (d->arch == OST_ARCH_UNKNOWN || d->arch == pa->arch))
            return ost_fail(err, OST_ERR_CORRUPT, "%s:%u: cannot catalog the package for %s: %s (%s)", d->file,
                            d->line, arch, d->message, d->code);
    }
    return ost_fail(err, OST_ERR_CORRUPT, "%s: cannot catalog the package for %s", r->model->inf_path, arch);
}

static ost_status plan_jobs(const struct ost_package_report *r, const struct ost_make_cat_options *o,
                            struct cat_job *jobs, size_t *njobs, struct ost_error *err)
{
    *njobs = 0;
    for (size_t i = 0; i < o->nos; i++) {
        const struct ost_package_arch *pa = report_arch(r, o->os[i].arch);
        if (!pa || !pa->model->usable || !pa->stageable)
            return pa ? not_catalogable(r, pa, err)
                      : ost_fail(err, OST_ERR_USAGE, "%s: the INF does not declare %s", r->model->inf_path,
                                 ost_arch_name(o->os[i].arch));
        const char *name = pa->model->catalog_file;
        if (!name)
            return ost_fail(err, OST_ERR_USAGE,
                            "%s: the INF names no catalog for %s: add CatalogFile=NAME.cat (or "
                            "CatalogFile.NT%s=NAME.cat) to its [Version] section",
                            r->model->inf_path, ost_arch_name(pa->arch), ost_arch_inf_suffix(pa->arch));
        size_t j = 0;
        while (j < *njobs && !ost_streq_ci(jobs[j].name, name))
            j++;
        if (j == *njobs)
            jobs[(*njobs)++] = (struct cat_job){.name = name};
        if (jobs[j].nos < OST_CAT_MAX_OS)
            jobs[j].os[jobs[j].nos++] = o->os[i];
    }
    return OST_OK;
}

/* seen makes each test a lookup: a package of thousands of files or
 * devices stays linear. */
static void add_unique(struct ost_strlist *l, struct ost_cimap *seen, const char *s)
{
    if (!ost_cimap_get(seen, s)) {
        ost_cimap_put(seen, s, seen);
        ost_strlist_add(l, s);
    }
}

static void join(struct ost_buf *b, const struct ost_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        ost_buf_addf(b, "%s%s", i ? "," : "", l->v[i]);
    ost_buf_adds(b, "");
}

struct new_members {
    struct ost_cat_new_member *v;
    size_t n, cap;
    struct ost_cimap seen; /* host paths */
};

static ost_status add_member(struct new_members *ms, const char *path, const char *file, struct ost_error *err)
{
    if (ost_cimap_get(&ms->seen, path))
        return OST_OK;
    ost_cimap_put(&ms->seen, path, &ms->seen);
    ost_grow(&ms->v, &ms->cap, ms->n + 1, sizeof *ms->v);
    struct ost_cat_new_member *m = &ms->v[ms->n];
    char *lower = ost_xstrdup(file);
    ost_str_lower(lower);
    m->file = lower;
    ost_status st = ost_cat_hash_file(path, "sha1", &m->hash, err);
    ms->n++;
    return st;
}

static ost_status build_job(const struct ost_package_report *r, struct cat_job *job, time_t now,
                            struct ost_error *err)
{
    struct new_members ms = {0};
    struct ost_strlist hwids = {0}, osattr = {0}, os = {0};
    struct ost_cimap hwids_seen = {0}, osattr_seen = {0}, os_seen = {0};
    ost_status st = add_member(&ms, r->model->inf_path, r->model->inf_name, err);
    for (size_t i = 0; i < r->narches && st == OST_OK; i++) {
        const struct ost_package_arch *pa = &r->arches[i];
        if (!job_has_arch(job, pa->arch))
            continue;
        for (size_t k = 0; k < pa->nfiles && st == OST_OK; k++)
            st = add_member(&ms, pa->files[k].host_path, ost_path_basename(pa->files[k].copy->source_path), err);
        for (size_t k = 0; k < pa->model->ndevices; k++) {
            char *id = ost_xstrdup(pa->model->devices[k].model->hardware_id);
            ost_str_lower(id);
            if (*id)
                add_unique(&hwids, &hwids_seen, id);
            free(id);
        }
    }
    for (size_t i = 0; i < job->nos; i++) {
        char attr[32];
        snprintf(attr, sizeof attr, "2:%u.%u", job->os[i].major, job->os[i].minor);
        add_unique(&osattr, &osattr_seen, attr);
        add_unique(&os, &os_seen, job->os[i].name);
    }
    if (st == OST_OK) {
        struct ost_buf osattr_text = {0}, os_text = {0};
        join(&osattr_text, &osattr);
        join(&os_text, &os);
        struct ost_cat_spec spec = {.members = ms.v, .nmembers = ms.n, .osattr = osattr_text.data,
                                    .os = os_text.data, .hwids = &hwids, .this_update = now};
        ost_catalog_build(&spec, &job->der);
        ost_buf_free(&osattr_text), ost_buf_free(&os_text);
    }
    for (size_t i = 0; i < ms.n; i++)
        free((char *)ms.v[i].file);
    free(ms.v);
    ost_cimap_free(&ms.seen), ost_cimap_free(&hwids_seen), ost_cimap_free(&osattr_seen), ost_cimap_free(&os_seen);
    ost_strlist_free(&hwids), ost_strlist_free(&osattr), ost_strlist_free(&os);
    return st;
}

static ost_status write_jobs(struct cat_job *jobs, size_t njobs, struct ost_strlist *written, struct ost_error *err)
{
    char *tmps[OST_CAT_MAX_OS] = {0};
    ost_status st = OST_OK;
    for (size_t i = 0; i < njobs && st == OST_OK; i++)
        st = ost_write_temp_beside(jobs[i].path, jobs[i].der.data, jobs[i].der.len, OST_MODE_KEEP, &tmps[i], err);
    for (size_t i = 0; i < njobs && st == OST_OK; i++) {
        if (rename(tmps[i], jobs[i].path) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot rename the new catalog into place: %s", jobs[i].path,
                          strerror(errno));
        else
            ost_strlist_add(written, jobs[i].path);
        free(tmps[i]);
        tmps[i] = NULL;
    }
    for (size_t i = 0; i < njobs; i++) {
        if (tmps[i])
            unlink(tmps[i]);
        free(tmps[i]);
    }
    return st;
}

/* A dry run's stand-in for write_jobs: the folders a temporary file is
 * made in must be writable, and an existing catalog replaceable. */
static ost_status check_writable(struct cat_job *jobs, size_t njobs, struct ost_strlist *written,
                                 struct ost_error *err)
{
    for (size_t i = 0; i < njobs; i++) {
        char *dir = ost_path_dirname(jobs[i].path);
        bool ok = access(dir, W_OK | X_OK) == 0;
        free(dir);
        if (!ok)
            return ost_fail(err, OST_ERR_IO, "%s: cannot write the catalog there: %s", jobs[i].path,
                            strerror(errno));
    }
    for (size_t i = 0; i < njobs; i++)
        ost_strlist_add(written, jobs[i].path);
    return OST_OK;
}

ost_status ost_make_cat(const char *inf_path, const struct ost_make_cat_options *opts, struct ost_strlist *written,
                        struct ost_error *err)
{
    struct ost_make_cat_options o = *opts;
    struct ost_package_options po = {.inf = o.inf};
    for (size_t i = 0; i < o.nos; i++) {
        size_t k = 0;
        while (k < po.model.narches && po.model.arches[k] != o.os[i].arch)
            k++;
        if (k == po.model.narches && k < OST_ARCH_COUNT)
            po.model.arches[po.model.narches++] = o.os[i].arch;
    }
    struct ost_package_report *r;
    ost_status st = ost_package_check(inf_path, &po, &r, err);
    if (st != OST_OK)
        return st;
    if (o.nos == 0)
        default_os(r, &o);
    struct cat_job jobs[OST_CAT_MAX_OS];
    size_t njobs = 0;
    if (o.nos == 0)
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: no architecture the package can be staged for; run "
                      "`offstage check-package %s` to see why", inf_path, inf_path);
    if (st == OST_OK)
        st = plan_jobs(r, &o, jobs, &njobs, err);
    for (size_t i = 0; i < njobs; i++) {
        jobs[i].der = (struct ost_buf){0};
        char *existing = ost_find_ci(r->model->package_dir, jobs[i].name);
        jobs[i].path = existing ? existing : ost_path_join(r->model->package_dir, jobs[i].name);
        if (st == OST_OK)
            st = build_job(r, &jobs[i], o.now, err);
    }
    if (st == OST_OK && o.dry_run)
        st = check_writable(jobs, njobs, written, err);
    else if (st == OST_OK)
        st = write_jobs(jobs, njobs, written, err);
    for (size_t i = 0; i < njobs; i++) {
        free(jobs[i].path);
        ost_buf_free(&jobs[i].der);
    }
    ost_package_report_free(r);
    return st;
}

time_t ost_catalog_time(void)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char *end;
    if (epoch && *epoch) {
        long long v = strtoll(epoch, &end, 10);
        if (!*end && v >= 0)
            return (time_t)v;
    }
    return time(NULL);
}

ost_status ost_make_cat_for_arch(const struct ost_package_report *r, ost_arch arch, const struct ost_os_version *os,
                                time_t now, struct ost_buf *der, struct ost_error *err)
{
    const bool vista = os && os->major == 6 && os->minor == 0;
    char name[32];
    snprintf(name, sizeof name, "%s_%s", vista ? "Vista" : "7", arch == OST_ARCH_X86 ? "X86" : "X64");
    struct ost_make_cat_options o = {.now = now};
    ost_status st = ost_cat_os_parse_list(name, o.os, &o.nos, err);
    struct cat_job jobs[OST_CAT_MAX_OS];
    size_t njobs = 0;
    if (st == OST_OK)
        st = plan_jobs(r, &o, jobs, &njobs, err);
    if (st == OST_OK) {
        jobs[0].der = (struct ost_buf){0};
        st = build_job(r, &jobs[0], now, err);
        *der = jobs[0].der;
    }
    return st;
}

/* ---- checking a package's catalog ---------------------------------------------------- */

struct coverage {
    struct ost_package_report *r;
    const struct ost_package_arch *pa;
    const struct ost_catalog *cat;
    const char *cat_name;
    ost_severity unsigned_sev; /* what counts as unsigned costs this much */
    bool *used;                /* per member */
    /* Lookups a package of thousands of files makes once per file. */
    struct ost_cimap member_by_hash; /* hex hash → first member with it */
    struct ost_cimap member_by_name; /* File attribute → first member with it */
    struct ost_cimap installed;      /* names of the files the INF installs, and its own */
    size_t as_unsigned;        /* findings that make Windows treat it as unsigned */
    char first_problem[1200];  /* the first of them, for the verdict */
    struct ost_cat_arch_result *result; /* filled as the checks go */
};

static void cat_finding(struct coverage *c, ost_severity sev, unsigned line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void cat_finding(struct coverage *c, ost_severity sev, unsigned line, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ost_diag_vadd(&c->r->model->diags, sev, c->pa->arch, c->r->model->inf_path, line, code, fmt, ap);
    va_end(ap);
}

static void unsigned_finding(struct coverage *c, unsigned line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A finding that makes Windows treat the package as unsigned: 'severe' on
 * x64, a warning on x86, like a missing catalog. */
static void unsigned_finding(struct coverage *c, unsigned line, const char *code, const char *fmt, ...)
{
    va_list ap;
    c->as_unsigned++;
    if (!c->first_problem[0]) {
        va_start(ap, fmt);
        vsnprintf(c->first_problem, sizeof c->first_problem, fmt, ap);
        va_end(ap);
    }
    va_start(ap, fmt);
    ost_diag_vadd(&c->r->model->diags, c->unsigned_sev, c->pa->arch, c->r->model->inf_path, line, code, fmt, ap);
    va_end(ap);
}

static const char *unsigned_consequence(ost_arch arch)
{
    return arch == OST_ARCH_X86
               ? "Windows 7 x86 treats the package as unsigned and asks the user, which an unattended first boot "
                 "cannot answer"
               : "Windows 7 x64 treats the package as unsigned and will not load its driver (Code 52)";
}

/* The member for a file: by hash as Windows looks it up, else (for the
 * message) one that carries the same file name. */
static void check_covered(struct coverage *c, const char *host_path, const char *name, unsigned line, const char *alg)
{
    struct ost_cat_file_hash h;
    struct ost_error err;
    if (ost_cat_hash_file(host_path, alg, &h, &err) != OST_OK) {
        unsigned_finding(c, line, "catalog-unhashable", "cannot hash %s for the catalog: %s", name,
                    err.message);
        return;
    }
    char *hex = ost_cat_hex(h.hash, h.len);
    const struct ost_cat_member *m = ost_cimap_get(&c->member_by_hash, hex);
    const struct ost_cat_member *same_name = ost_cimap_get(&c->member_by_name, name);
    if (m) {
        c->used[m - c->cat->members] = true;
    } else if (same_name) {
        c->used[same_name - c->cat->members] = true;
        char *old = ost_cat_hex(same_name->hash, same_name->hash_len);
        unsigned_finding(c, line, "catalog-hash-mismatch",
                    "%s does not match its member in %s: the file's %s %s hash is %s, the catalog has %s (member "
                    "at offset %zu); the file changed after the catalog was made; %s",
                    name, c->cat_name, alg, h.pe ? "Authenticode" : "flat", hex, old, same_name->offset,
                    unsigned_consequence(c->pa->arch));
        free(old);
    } else {
        unsigned_finding(c, line, "catalog-missing-member",
                    "%s is not in %s: no member has its %s %s hash %s; %s", name, c->cat_name, alg,
                    h.pe ? "Authenticode" : "flat", hex, unsigned_consequence(c->pa->arch));
    }
    free(hex);
}

static void index_members(struct coverage *c)
{
    const struct ost_package_report *r = c->r;
    for (size_t i = 0; i < c->cat->nmembers; i++) {
        struct ost_cat_member *m = &c->cat->members[i];
        if (m->has_hash) {
            char *hex = ost_cat_hex(m->hash, m->hash_len);
            if (!ost_cimap_get(&c->member_by_hash, hex))
                ost_cimap_put(&c->member_by_hash, hex, m);
            free(hex);
        }
        if (m->file && !ost_cimap_get(&c->member_by_name, m->file))
            ost_cimap_put(&c->member_by_name, m->file, m);
    }
    ost_cimap_put(&c->installed, r->model->inf_name, &c->installed);
    for (size_t i = 0; i < r->narches; i++)
        for (size_t k = 0; k < r->arches[i].nfiles; k++)
            ost_cimap_put(&c->installed, ost_path_basename(r->arches[i].files[k].copy->source_path), &c->installed);
}

static void check_members(struct coverage *c)
{
    const char *alg = c->cat->nmembers && c->cat->members[0].hash_alg ? c->cat->members[0].hash_alg : "sha1";
    unsigned line = c->pa->model->catalog_line;
    check_covered(c, c->r->model->inf_path, c->r->model->inf_name, line, alg);
    for (size_t i = 0; i < c->pa->nfiles; i++) {
        const struct ost_package_file *f = &c->pa->files[i];
        if (f->host_path)
            check_covered(c, f->host_path, ost_path_basename(f->copy->source_path), f->copy->line, alg);
    }
    for (size_t i = 0; i < c->cat->nmembers; i++) {
        const struct ost_cat_member *m = &c->cat->members[i];
        if (c->used[i] || (m->file && ost_cimap_get(&c->installed, m->file)))
            continue;
        cat_finding(c, OST_SEV_WARNING, line, "catalog-extra-member",
                    "%s has a member that matches nothing this INF installs for %s: %s (tag %s, offset %zu); the "
                    "catalog was made for other files",
                    c->cat_name, ost_arch_name(c->pa->arch), m->file ? m->file : "(no file name)", m->tag, m->offset);
    }
}

static const char *os_token_prefix(const struct ost_os_version *os)
{
    if (os->major == 6 && os->minor == 1)
        return "7";
    if (os->major == 6 && os->minor == 0)
        return "Vista";
    return NULL;
}

static void check_os(struct coverage *c, const struct ost_os_version *os)
{
    unsigned line = c->pa->model->catalog_line;
    const char *osattr = ost_catalog_attr(c->cat, "OSAttr");
    if (!osattr)
        cat_finding(c, OST_SEV_WARNING, line, "catalog-no-osattr",
                    "%s has no OSAttr attribute, so it does not say which Windows versions it is for (Inf2Cat "
                    "always writes one; remake it with `offstage make-cat`)", c->cat_name);
    else if (!ost_cat_osattr_covers(osattr, os->major, os->minor))
        unsigned_finding(c, line, "catalog-wrong-os",
                    "%s is for OSAttr %s, which does not include Windows %u.%u (2:%u.%u); %s", c->cat_name, osattr,
                    os->major, os->minor, os->major, os->minor, unsigned_consequence(c->pa->arch));
    const char *list = ost_catalog_attr(c->cat, "OS");
    const char *prefix = os_token_prefix(os);
    const char *suffix = c->pa->arch == OST_ARCH_X86 ? "X86" : c->pa->arch == OST_ARCH_AMD64 ? "X64" : NULL;
    if (!list || !prefix || !suffix)
        return;
    char want[32], alt[32];
    snprintf(want, sizeof want, "%s%s", prefix, suffix);
    snprintf(alt, sizeof alt, "Server2008%s%s", os->minor == 1 ? "R2" : "", suffix);
    struct ost_strlist tokens = {0};
    char *copy = ost_xstrdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        ost_strlist_add(&tokens, ost_str_trim(t));
    if (!ost_strlist_contains_ci(&tokens, want) && !ost_strlist_contains_ci(&tokens, alt))
        cat_finding(c, OST_SEV_WARNING, line, "catalog-os-mismatch",
                    "%s lists OS %s, which does not include %s: it was made for other targets (make it with "
                    "`offstage make-cat --os %s_%s`)",
                    c->cat_name, list, want, prefix, suffix);
    free(copy);
    ost_strlist_free(&tokens);
}

/* Keeps in `have` the digest that needs more of Windows: anything but SHA-1
 * (and MD5) needs SHA-2 support. */
static void stronger_digest(char *have, size_t size, const char *alg)
{
    if (alg && *alg && (!*have || ost_streq_ci(have, "sha1") || ost_streq_ci(have, "md5")))
        snprintf(have, size, "%s", alg);
}

/* The digests of the embedded signatures of a boot-start package's PE
 * files: winload verifies those, not the catalog. */
static void embedded_digests(const struct ost_package_arch *pa, struct ost_cat_arch_result *res)
{
    for (size_t i = 0; pa->boot_critical && i < pa->nfiles; i++) {
        const struct ost_package_file *f = &pa->files[i];
        if (!f->host_path || !f->is_pe || !f->embedded_signature)
            continue;
        uint8_t *data = NULL;
        size_t size = 0;
        struct ost_pe_info pe = {0};
        struct ost_error err;
        char alg[16] = "";
        if (ost_read_file(f->host_path, OST_PE_MAX_FILE, &data, &size, &err) == OST_OK &&
            ost_pe_parse(data, size, f->host_path, &pe, &err) == OST_OK && pe.has_certificate_table &&
            pe.cert_table_size > 8 && (uint64_t)pe.cert_table_offset + pe.cert_table_size <= size) {
            /* WIN_CERTIFICATE: dwLength, wRevision, wCertificateType, then the PKCS#7 */
            const uint8_t *wc = data + pe.cert_table_offset;
            uint32_t len = (uint32_t)wc[0] | (uint32_t)wc[1] << 8 | (uint32_t)wc[2] << 16 | (uint32_t)wc[3] << 24;
            if (len > 8 && len <= pe.cert_table_size &&
                ost_signed_data_digest(wc + 8, len - 8, f->host_path, alg, sizeof alg, &err) == OST_OK)
                stronger_digest(res->embedded_digest, sizeof res->embedded_digest, alg);
        }
        ost_pe_info_free(&pe);
        free(data);
    }
}

static void check_signature(struct coverage *c, const struct ost_cat_trust *trust)
{
    unsigned line = c->pa->model->catalog_line;
    struct ost_cat_verdict v;
    struct ost_error err;
    struct ost_cat_arch_result *res = c->result;
    if (ost_catalog_verify(c->cat, trust, &v, &err) != OST_OK) {
        unsigned_finding(c, line, "bad-catalog", "%s", err.message);
        res->signature = OST_SIG_BROKEN;
        snprintf(res->detail, sizeof res->detail, "%s", err.message);
        return;
    }
    static const ost_sig_state states[] = {
        [OST_CAT_SIG_UNSIGNED] = OST_SIG_NONE,        [OST_CAT_SIG_INVALID] = OST_SIG_BROKEN,
        [OST_CAT_SIG_UNVERIFIED] = OST_SIG_UNTRUSTED, [OST_CAT_SIG_UNTRUSTED] = OST_SIG_UNTRUSTED,
        [OST_CAT_SIG_TRUSTED] = OST_SIG_TRUSTED,
    };
    res->signature = states[v.status];
    snprintf(res->detail, sizeof res->detail, "%s", v.reason);
    snprintf(res->signer_thumbprint, sizeof res->signer_thumbprint, "%s", v.signer_thumbprint ? v.signer_thumbprint : "");
    snprintf(res->anchor_thumbprint, sizeof res->anchor_thumbprint, "%s", v.anchor_thumbprint ? v.anchor_thumbprint : "");
    res->microsoft_root = v.status == OST_CAT_SIG_TRUSTED && v.microsoft_root;
    const char *member_alg = c->cat->nmembers ? c->cat->members[0].hash_alg : NULL;
    const char *signer_alg = c->cat->nsigners ? c->cat->signers[0].digest_alg : NULL;
    stronger_digest(res->digest, sizeof res->digest, signer_alg);
    stronger_digest(res->digest, sizeof res->digest, member_alg);
    switch (v.status) {
    case OST_CAT_SIG_UNSIGNED:
        unsigned_finding(c, line, "catalog-unsigned", "%s is not signed; %s (sign it, e.g. with "
                    "`offstage sign`)", c->cat_name, unsigned_consequence(c->pa->arch));
        break;
    case OST_CAT_SIG_INVALID:
        unsigned_finding(c, line, "catalog-signature-invalid", "%s: %s; %s", c->cat_name, v.reason,
                    unsigned_consequence(c->pa->arch));
        break;
    case OST_CAT_SIG_UNTRUSTED:
        unsigned_finding(c, line, "catalog-untrusted",
                    "%s: %s; unless the image trusts it (ROOT and TrustedPublisher), Windows 7 asks before "
                    "installing the package, which an unattended first boot cannot answer%s", c->cat_name, v.reason,
                    c->pa->arch == OST_ARCH_X86 ? ""
                                                : "; x64 loads it as a test signature only with testsigning on");
        break;
    case OST_CAT_SIG_UNVERIFIED:
        cat_finding(c, OST_SEV_NOTE, line, "catalog-signed", "%s: %s (give --trust CERT to check the chain)",
                    c->cat_name, v.reason);
        break;
    case OST_CAT_SIG_TRUSTED:
        cat_finding(c, OST_SEV_NOTE, line, "catalog-trusted", "%s: %s", c->cat_name, v.reason);
        break;
    }
    ost_cat_verdict_free(&v);
}

static void check_arch(struct ost_package_report *r, const struct ost_package_arch *pa,
                       const struct ost_cat_trust *trust, const struct ost_os_version *target,
                       struct ost_cat_arch_result *res)
{
    *res = (struct ost_cat_arch_result){.arch = pa->arch, .checked = true, .signature = OST_SIG_NONE};
    if (!pa->catalog_path) {
        snprintf(res->detail, sizeof res->detail, "%s",
                 pa->model->catalog_file ? "the catalog the INF names is missing" : "the INF names no catalog");
        return;
    }
    struct coverage c = {.r = r, .pa = pa, .cat_name = pa->model->catalog_file, .result = res,
                         .unsigned_sev = pa->arch == OST_ARCH_X86 ? OST_SEV_WARNING : OST_SEV_SEVERE};
    struct ost_catalog *cat;
    struct ost_error err;
    if (ost_catalog_read_file(pa->catalog_path, &cat, &err) != OST_OK) {
        unsigned_finding(&c, pa->model->catalog_line, "bad-catalog", "the catalog cannot be read: %s; %s",
                         err.message, unsigned_consequence(pa->arch));
        res->signature = OST_SIG_BROKEN;
        snprintf(res->detail, sizeof res->detail, "the catalog cannot be read: %s", err.message);
        return;
    }
    c.cat = cat;
    c.used = ost_xcalloc(cat->nmembers ? cat->nmembers : 1, sizeof *c.used);
    index_members(&c);
    check_signature(&c, trust);
    embedded_digests(pa, res);
    c.first_problem[0] = 0; /* from here on: coverage */
    check_os(&c, target);
    check_members(&c);
    if (c.first_problem[0] && res->signature >= OST_SIG_UNTRUSTED) {
        res->signature = OST_SIG_BROKEN;
        snprintf(res->detail, sizeof res->detail, "%s", c.first_problem);
    }
    res->all_good = c.as_unsigned == 0;
    ost_cimap_free(&c.member_by_hash), ost_cimap_free(&c.member_by_name), ost_cimap_free(&c.installed);
    free(c.used);
    ost_catalog_free(cat);
}

bool ost_cat_check_package(struct ost_package_report *r, const struct ost_cat_trust *trust,
                           const struct ost_os_version *os, struct ost_cat_arch_result *results)
{
    struct ost_os_version target = os && os->major ? *os : OST_OS_WIN7;
    bool all_signed = true;
    for (size_t i = 0; i < r->narches; i++) {
        struct ost_cat_arch_result scratch, *res = results ? &results[i] : &scratch;
        *res = (struct ost_cat_arch_result){.arch = r->arches[i].arch};
        if (!r->arches[i].model->usable)
            continue;
        check_arch(r, &r->arches[i], trust, &target, res);
        all_signed = all_signed && res->all_good;
    }
    return all_signed;
}
