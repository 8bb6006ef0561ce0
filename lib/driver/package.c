/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "package.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileutil.h"
#include "pe.h"

static void finding(struct ost_package_report *r, ost_severity sev, ost_arch arch, unsigned line,
                    const char *code, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void finding(struct ost_package_report *r, ost_severity sev, ost_arch arch, unsigned line,
                    const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ost_diag_vadd(&r->model->diags, sev, arch, r->model->inf_path, line, code, fmt, ap);
    va_end(ap);
}

/* Folders already listed, for case-insensitive lookups: listing a folder
 * once per file looked up in it would make a package of n files cost n². */
struct dir_cache {
    struct ost_cimap dirs; /* host path → struct ost_cimap * (name → real name) */
};

static struct ost_cimap *dir_listing(struct dir_cache *c, const char *dir)
{
    struct ost_cimap *names = ost_cimap_get(&c->dirs, dir);
    if (names)
        return names;
    names = ost_xcalloc(1, sizeof *names);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (!ost_cimap_get(names, e->d_name)) /* the first, as readdir gives them */
            ost_cimap_put(names, e->d_name, ost_xstrdup(e->d_name));
    if (d)
        closedir(d);
    ost_cimap_put(&c->dirs, dir, names);
    return names;
}

static void dir_cache_free(struct dir_cache *c)
{
    for (size_t i = 0; i < c->dirs.size; i++) {
        struct ost_cimap *names = c->dirs.slots[i].value;
        if (!c->dirs.slots[i].key)
            continue;
        for (size_t k = 0; k < names->size; k++)
            free(names->slots[k].value);
        ost_cimap_free(names);
        free(names);
    }
    ost_cimap_free(&c->dirs);
}

/* ost_find_ci through the cache: the exact name first, then any case;
 * never through a symlink. */
static char *find_ci_cached(struct dir_cache *c, const char *dir, const char *name)
{
    struct stat st;
    char *path = ost_path_join(dir, name);
    if (lstat(path, &st) != 0) {
        const char *real = ost_cimap_get(dir_listing(c, dir), name);
        free(path);
        path = real ? ost_path_join(dir, real) : NULL;
        if (path && lstat(path, &st) != 0) {
            free(path);
            return NULL;
        }
    }
    if (path && S_ISLNK(st.st_mode)) {
        free(path);
        return NULL;
    }
    return path;
}

static char *find_relative_ci_cached(struct dir_cache *c, const char *root, const char *relative)
{
    char *cur = ost_xstrdup(root);
    char *copy = ost_xstrdup(relative);
    char *save = NULL;
    for (char *part = strtok_r(copy, "/", &save); part && cur; part = strtok_r(NULL, "/", &save)) {
        char *next = find_ci_cached(c, cur, part);
        free(cur);
        cur = next;
    }
    free(copy);
    return cur;
}

char *ost_find_relative_ci(const char *root, const char *relative)
{
    struct dir_cache c = {0};
    char *found = find_relative_ci_cached(&c, root, relative);
    dir_cache_free(&c);
    return found;
}

static bool is_symlink_anywhere(const char *root, const char *relative)
{
    struct stat st;
    char *p = ost_path_join(root, relative);
    bool link = lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
    free(p);
    return link;
}

static bool looks_like_pe_name(const char *name)
{
    static const char *ext[] = {".sys", ".dll", ".exe", ".ocx", ".cpl", ".drv", ".efi"};
    for (unsigned i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (ost_has_suffix_ci(name, ext[i]))
            return true;
    return false;
}

static ost_arch expected_arch_for(const struct ost_file_copy *f, ost_arch arch)
{
    if (arch == OST_ARCH_AMD64 && (ost_has_prefix_ci(f->dest_path, "Windows\\SysWOW64\\")))
        return OST_ARCH_X86;
    return arch;
}

static void check_pe(struct ost_package_report *r, ost_arch arch, struct ost_package_file *pf)
{
    struct ost_pe_info pe;
    struct ost_error err;
    const struct ost_file_copy *f = pf->copy;
    if (ost_pe_read_file(pf->host_path, &pe, &err) != OST_OK) {
        finding(r, OST_SEV_ERROR, arch, f->line, "bad-pe", "%s is not a usable PE image: %s", f->source_path,
                err.message);
        return;
    }
    pf->is_pe = true;
    pf->machine = pe.machine;
    pf->pe_arch = pe.arch;
    pf->embedded_signature = pe.has_certificate_table;
    if (pe.arch != pf->expected_arch)
        finding(r, OST_SEV_ERROR, arch, f->line, "wrong-machine",
                "%s is built for %s, but the %s install (NT%s) needs an image built for %s: Windows will not "
                "load it; put the %s build of %s in this package",
                f->source_path, pe.machine_name, ost_arch_name(arch), ost_arch_inf_suffix(arch),
                ost_arch_name(pf->expected_arch), ost_arch_name(pf->expected_arch), f->name);
    ost_pe_info_free(&pe);
}

static ost_status check_files(struct ost_package_report *r, struct ost_package_arch *pa, struct ost_error *err)
{
    const struct ost_arch_model *am = pa->model;
    const char *root = r->model->package_dir;
    struct dir_cache cache = {0};
    ost_status status = OST_OK;
    unsigned long long bytes = 0;
    pa->files = ost_xcalloc(am->nfiles ? am->nfiles : 1, sizeof *pa->files);
    for (size_t i = 0; i < am->nfiles && status == OST_OK; i++) {
        struct ost_package_file *pf = &pa->files[pa->nfiles++];
        const struct ost_file_copy *f = &am->files[i];
        pf->copy = f;
        pf->expected_arch = expected_arch_for(f, pa->arch);
        pf->host_path = find_relative_ci_cached(&cache, root, f->source_path);
        if (!pf->host_path) {
            if (is_symlink_anywhere(root, f->source_path))
                finding(r, OST_SEV_ERROR, pa->arch, f->line, "symlink",
                        "%s is a symbolic link; packages are copied without following links", f->source_path);
            else
                finding(r, OST_SEV_ERROR, pa->arch, f->line, "missing-file",
                        "%s (copied by [%s] to %s) is not in the package folder", f->source_path, f->section,
                        f->dest_path);
            continue;
        }
        struct stat st;
        if (lstat(pf->host_path, &st) != 0 || !S_ISREG(st.st_mode)) {
            finding(r, OST_SEV_ERROR, pa->arch, f->line, "not-a-file", "%s is not a regular file", f->source_path);
            free(pf->host_path);
            pf->host_path = NULL;
            continue;
        }
        if ((bytes += (unsigned long long)st.st_size) > OST_PACKAGE_MAX_BYTES) {
            status = ost_fail(err, OST_ERR_LIMIT,
                              "%s:%u: with %s the files the package copies for %s exceed %llu MiB; real driver "
                              "packages are a few MiB (display drivers a few hundred), so this is not one",
                              r->model->inf_path, f->line, f->source_path, ost_arch_name(pa->arch),
                              OST_PACKAGE_MAX_BYTES >> 20);
            break;
        }
        if (looks_like_pe_name(f->name))
            check_pe(r, pa->arch, pf);
    }
    dir_cache_free(&cache);
    return status;
}

static void check_catalog(struct ost_package_report *r, struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    const char *consequence =
        pa->arch == OST_ARCH_X86
            ? "Windows 7 x86 will ask the user before installing it, which an unattended first boot cannot answer"
            : "Windows 7 x64 installs it only with a prompt and then refuses to load its driver (Code 52)";
    ost_severity sev = pa->arch == OST_ARCH_X86 ? OST_SEV_WARNING : OST_SEV_SEVERE;
    if (!am->catalog_file) {
        finding(r, sev, pa->arch, r->model->version.line, "no-catalog",
                "no CatalogFile in [Version]: the package is unsigned; %s", consequence);
        return;
    }
    pa->catalog_path = ost_find_ci(r->model->package_dir, am->catalog_file);
    if (!pa->catalog_path)
        finding(r, sev, pa->arch, am->catalog_line, "missing-catalog",
                "catalog %s named by CatalogFile is not in the package: the package is unsigned; %s",
                am->catalog_file, consequence);
}

static void describe_services(struct ost_package_report *r, struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    for (size_t i = 0; i < am->nservices; i++) {
        const struct ost_service *s = &am->services[i];
        if (!s->has_start)
            continue;
        if (s->start_type == 0) {
            pa->boot_critical = true;
            finding(r, OST_SEV_NOTE, pa->arch, s->start_line, "boot-critical",
                    "boot-critical: service %s starts at boot (StartType 0); staging preinstalls it "
                    "(Services and CriticalDeviceDatabase entries) because Plug and Play cannot search for it "
                    "before the disk is readable",
                    s->name);
        } else {
            finding(r, OST_SEV_NOTE, pa->arch, s->start_line, "not-boot-critical",
                    "not boot-critical: service %s is %s-start (StartType %u); Plug and Play installs it on first boot",
                    s->name, ost_start_type_name(s->start_type), s->start_type);
        }
    }
    if (pa->boot_critical && pa->arch != OST_ARCH_X86) {
        for (size_t i = 0; i < pa->nfiles; i++) {
            const struct ost_package_file *pf = &pa->files[i];
            if (pf->is_pe && !pf->embedded_signature && pf->copy->dirid == 12)
                finding(r, OST_SEV_SEVERE, pa->arch, pf->copy->line, "boot-driver-unsigned",
                        "%s has no embedded signature: a boot-start driver on 64-bit Windows must carry one, "
                        "a catalog is not consulted that early",
                        pf->copy->name);
        }
    }
}

static void describe_includes(struct ost_package_report *r, struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    if (!am->includes.n)
        return;
    struct ost_buf list = {0};
    for (size_t i = 0; i < am->includes.n; i++)
        ost_buf_addf(&list, "%s%s", i ? ", " : "", am->includes.v[i]);
    finding(r, OST_SEV_NOTE, pa->arch, 0, "includes-inbox-infs",
            "includes inbox INFs %s; staging checks that the image has them in Windows\\inf", list.data);
    ost_buf_free(&list);
}

ost_status ost_package_check(const char *inf_path, const struct ost_package_options *opts,
                             struct ost_package_report **out, struct ost_error *err)
{
    *out = NULL;
    struct ost_driver_model *model;
    ost_status st = ost_driver_model_load(inf_path, opts ? &opts->inf : NULL, opts ? &opts->model : NULL, &model, err);
    if (st != OST_OK)
        return st;
    struct ost_package_report *r = ost_xcalloc(1, sizeof *r);
    r->model = model;
    r->arches = ost_xcalloc(model->narches ? model->narches : 1, sizeof *r->arches);
    for (size_t i = 0; i < model->narches; i++) {
        struct ost_package_arch *pa = &r->arches[r->narches++];
        pa->arch = model->arches[i].arch;
        pa->model = &model->arches[i];
        if (!pa->model->usable)
            continue;
        if ((st = check_files(r, pa, err)) != OST_OK) {
            ost_package_report_free(r);
            return st;
        }
        check_catalog(r, pa);
        describe_services(r, pa);
        describe_includes(r, pa);
    }
    for (size_t i = 0; i < r->narches; i++)
        r->arches[i].stageable = r->arches[i].model->usable &&
                                 ost_diags_count_arch(&model->diags, OST_SEV_ERROR, r->arches[i].arch) == 0;
    *out = r;
    return OST_OK;
}

bool ost_package_stageable(const struct ost_package_report *r)
{
    if (r->narches == 0)
        return false;
    for (size_t i = 0; i < r->narches; i++)
        if (!r->arches[i].stageable)
            return false;
    return true;
}

void ost_package_report_free(struct ost_package_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->narches; i++) {
        for (size_t j = 0; j < r->arches[i].nfiles; j++)
            free(r->arches[i].files[j].host_path);
        free(r->arches[i].files);
        free(r->arches[i].catalog_path);
    }
    free(r->arches);
    ost_driver_model_free(r->model);
    free(r);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static ost_status scan_dir(const char *dir, bool recurse, unsigned depth, struct ost_strlist *infs,
                           struct ost_error *err)
{
    if (depth > 32)
        return ost_fail(err, OST_ERR_LIMIT, "%s: folders nested more than 32 deep", dir);
    DIR *d = opendir(dir);
    if (!d)
        return ost_fail(err, OST_ERR_IO, "%s: cannot read folder: %s", dir, strerror(errno));
    struct ost_strlist subdirs = {0};
    size_t first = infs->n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        /* a package folder may hold thousands of files: only candidates are looked at */
        if (!recurse && !ost_has_suffix_ci(e->d_name, ".inf"))
            continue;
        char *p = ost_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0 || S_ISLNK(st.st_mode)) {
            free(p);
            continue;
        }
        if (S_ISREG(st.st_mode) && ost_has_suffix_ci(e->d_name, ".inf"))
            ost_strlist_add_owned(infs, p);
        else if (S_ISDIR(st.st_mode) && recurse)
            ost_strlist_add_owned(&subdirs, p);
        else
            free(p);
    }
    closedir(d);
    if (infs->n > first)
        qsort(infs->v + first, infs->n - first, sizeof *infs->v, compare_strings);
    if (subdirs.n)
        qsort(subdirs.v, subdirs.n, sizeof *subdirs.v, compare_strings);
    ost_status st = OST_OK;
    for (size_t i = 0; i < subdirs.n && st == OST_OK; i++)
        st = scan_dir(subdirs.v[i], recurse, depth + 1, infs, err);
    ost_strlist_free(&subdirs);
    return st;
}

ost_status ost_package_find_infs(const char *path, bool recurse, struct ost_strlist *infs,
                                 struct ost_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode)) {
        ost_strlist_add(infs, path);
        return OST_OK;
    }
    if (!S_ISDIR(st.st_mode))
        return ost_fail(err, OST_ERR_IO, "%s: neither an INF file nor a folder", path);
    size_t before = infs->n;
    ost_status s = scan_dir(path, recurse, 0, infs, err);
    if (s == OST_OK && infs->n == before)
        return ost_fail(err, OST_ERR_IO, "%s: no .inf file in this folder%s", path,
                        recurse ? " or below it" : " (use --recurse to search subfolders)");
    return s;
}

ost_arch ost_package_sys_arch(const char *inf_path, char **reason)
{
    *reason = NULL;
    char *dir = ost_path_dirname(inf_path);
    DIR *d = opendir(dir);
    ost_arch arch = OST_ARCH_UNKNOWN;
    const char *machine = NULL;
    size_t n = 0;
    bool mixed = false;
    for (struct dirent *e; d && !mixed && (e = readdir(d));) {
        if (!ost_has_suffix_ci(e->d_name, ".sys"))
            continue;
        char *path = ost_path_join(dir, e->d_name);
        struct stat sb;
        struct ost_pe_info pe;
        struct ost_error err;
        bool read = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && ost_pe_read_file(path, &pe, &err) == OST_OK;
        if (read) {
            mixed = pe.arch == OST_ARCH_UNKNOWN || (n && pe.arch != arch);
            arch = pe.arch, machine = pe.machine_name;
            ost_pe_info_free(&pe);
            n++;
        } else {
            mixed = true; /* a .sys that is not a PE image decides nothing */
        }
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    if (mixed || n == 0)
        return OST_ARCH_UNKNOWN;
    char *upper = ost_xstrdup(machine);
    for (char *c = upper; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
    *reason = ost_xasprintf("%s: every .sys in the folder is %s", ost_arch_name(arch), upper);
    free(upper);
    return arch;
}
