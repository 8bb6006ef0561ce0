/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "doctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor_internal.h"
#include "firstboot.h"
#include "imagelang.h"
#include "package.h"
#include "fileutil.h"

#define PACKAGE_FILE_MAX (256u * 1024 * 1024)
#define PACKAGE_TREE_DEPTH 8

/* ---- packages ------------------------------------------------------------ */

static void add_vendor(struct ost_strlist *vendors, const char *id)
{
    char *key = ost_hwid_vendor(id);
    if (key && !ost_strlist_contains_ci(vendors, key))
        ost_strlist_add_owned(vendors, key);
    else
        free(key);
}

static void collect_vendors(struct ost_doctor_package *p)
{
    for (size_t i = 0; i < p->model->nmodel_lines; i++) {
        const struct ost_model_line *ml = &p->model->model_lines[i];
        add_vendor(&p->vendors, ml->hardware_id);
        for (size_t k = 0; k < ml->compatible_ids.n; k++)
            add_vendor(&p->vendors, ml->compatible_ids.v[k]);
    }
}

static bool same_bytes(struct ost_image *img, const char *path, const uint8_t *data, size_t size)
{
    uint8_t *other;
    size_t osize;
    if (ost_target_read_file(img->target, path, OST_INF_MAX_FILE, &other, &osize, NULL) != OST_OK)
        return false;
    bool same = osize == size && memcmp(other, data, size) == 0;
    free(other);
    return same;
}

/* The oemN.inf Windows published a staged package as: the same INF. */
static void find_twin(struct ost_image *img, struct ost_doctor_report *r, struct ost_doctor_package *staged)
{
    uint8_t *data;
    size_t size;
    if (!staged->entry->imported ||
        ost_target_read_file(img->target, staged->entry->inf_path, OST_INF_MAX_FILE, &data, &size, NULL) != OST_OK)
        return;
    for (size_t i = 0; i < r->npackages && !staged->twin; i++) {
        struct ost_doctor_package *p = &r->packages[i];
        if (!p->entry->staged && p->entry->inf_path && same_bytes(img, p->entry->inf_path, data, size)) {
            staged->twin = p;
            p->twin = staged;
        }
    }
    free(data);
}

static void load_packages(struct ost_image *img, struct ost_doctor_report *r)
{
    r->npackages = r->store.n;
    r->packages = ost_xcalloc(r->npackages ? r->npackages : 1, sizeof *r->packages);
    for (size_t i = 0; i < r->npackages; i++) {
        struct ost_doctor_package *p = &r->packages[i];
        struct ost_error err;
        p->entry = &r->store.v[i];
        if (!p->entry->inf_path || ost_target_stat(img->target, p->entry->inf_path) != 1)
            p->model_problem = ost_xstrdup("its INF is not in the image (only the SYSTEM hive names it)");
        else if (ost_store_model(img, p->entry->inf_path, &p->model, &err) != OST_OK)
            p->model_problem = ost_xstrdup(err.message);
        else
            collect_vendors(p);
    }
    for (size_t i = 0; i < r->npackages; i++)
        if (r->packages[i].entry->staged)
            find_twin(img, r, &r->packages[i]);
}

static const struct ost_doctor_package *find_package(const struct ost_doctor_report *r, const char *name)
{
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ost_store_entry *e = r->packages[i].entry;
        if (ost_streq_ci(e->published_name, name) || (e->original_name && ost_streq_ci(e->original_name, name)))
            return &r->packages[i];
    }
    return NULL;
}

/* ---- the signature policy's verdict on a package ------------------------ */

static ost_status write_host_file(const char *path, const uint8_t *data, size_t size, struct ost_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return ost_fail(err, OST_ERR_IO, "%s: cannot create", path);
    bool ok = fwrite(data, 1, size, f) == size;
    if (fclose(f) != 0 || !ok)
        return ost_fail(err, OST_ERR_IO, "%s: cannot write", path);
    return OST_OK;
}

/* Copies an image folder into a host folder, so that the package checks,
 * which read host files, see it as it is in the image (a WIM included). */
static ost_status copy_tree(struct ost_target *t, const char *from, const char *to, int depth, struct ost_error *err)
{
    struct ost_strlist names = {0};
    ost_status st = ost_target_list_dir(t, from, &names, err);
    for (size_t i = 0; st == OST_OK && i < names.n; i++) {
        const char *n = names.v[i];
        if (strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
            continue;
        char *src = ost_winpath_join(from, n), *dst = ost_path_join(to, n);
        int kind = ost_target_stat(t, src);
        if (kind == 2 && depth > 0) {
            if (mkdir(dst, 0700) != 0)
                st = ost_fail(err, OST_ERR_IO, "%s: cannot create", dst);
            else
                st = copy_tree(t, src, dst, depth - 1, err);
        } else if (kind == 1) {
            uint8_t *data;
            size_t size;
            st = ost_target_read_file(t, src, PACKAGE_FILE_MAX, &data, &size, err);
            if (st == OST_OK) {
                st = write_host_file(dst, data, size, err);
                free(data);
            }
        }
        free(src), free(dst);
    }
    ost_strlist_free(&names);
    return st;
}

static ost_status decide(struct ost_image *img, const struct ost_boot_policy *policy, const char *inf,
                         struct ost_verdict *out, struct ost_error *err)
{
    struct ost_os_version os = {img->info.major, img->info.minor, img->info.build, 1};
    struct ost_package_options po = {.model = {.arches = {img->info.arch}, .narches = 1, .os = os}};
    po.inf.locale = ost_image_language(img);
    struct ost_package_report *rep;
    ost_status st = ost_package_check(inf, &po, &rep, err);
    if (st != OST_OK)
        return st;
    struct ost_cat_arch_result *results = ost_xcalloc(rep->narches ? rep->narches : 1, sizeof *results);
    struct ost_cat_trust *trust = ost_cat_trust_new();
    struct ost_boot_policy pol = *policy;
    pol.img = img;
    st = ost_image_add_trust(img, trust, err);
    if (st == OST_OK) {
        ost_cat_check_package(rep, trust, &os, results);
        st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: no models section applies to %s", ost_path_basename(inf),
                      ost_arch_name(img->info.arch));
        for (size_t i = 0; i < rep->narches; i++)
            if (rep->arches[i].arch == img->info.arch && results[i].checked) {
                ost_firstboot_verdict(&rep->arches[i], &results[i], &pol, out);
                st = OST_OK;
            }
    }
    ost_cat_trust_free(trust);
    free(results);
    ost_package_report_free(rep);
    return st;
}

static void package_verdict(struct ost_image *img, const struct ost_boot_policy *policy, struct ost_doctor_package *p)
{
    const struct ost_store_entry *e = p->entry;
    struct ost_error err;
    if (p->has_verdict || p->verdict_problem)
        return;
    if (!e->folder || !e->original_name) {
        p->verdict_problem = ost_xstrdup("its package folder is not in the image");
        return;
    }
    char *scratch; /* NULL, which ost_rm_rf passes over, when it cannot be made */
    ost_status st = ost_target_scratch_file(img->target, "doctor-package", &scratch, &err);
    if (st == OST_OK && mkdir(scratch, 0700) != 0)
        st = ost_fail(&err, OST_ERR_IO, "%s: cannot create", scratch);
    if (st == OST_OK)
        st = copy_tree(img->target, e->folder, scratch, PACKAGE_TREE_DEPTH, &err);
    char *inf = st == OST_OK ? ost_find_ci(scratch, e->original_name) : NULL;
    if (st == OST_OK && !inf)
        st = ost_fail(&err, OST_ERR_CORRUPT, "%s: %s is missing", e->folder, e->original_name);
    if (st == OST_OK)
        st = decide(img, policy, inf, &p->verdict, &err);
    if (st == OST_OK)
        ost_verdict_name_files(&p->verdict, scratch, e->folder);
    if (st == OST_OK && e->staged && !e->imported && e->published_name)
        ost_verdict_fix_staged(&p->verdict, e->published_name);
    p->has_verdict = st == OST_OK;
    if (st != OST_OK)
        p->verdict_problem = ost_xstrdup(err.message);
    free(inf);
    ost_rm_rf(scratch);
    free(scratch);
}

/* ---- devices ------------------------------------------------------------- */

static void read_driver_key(struct ost_image *img, struct ost_doctor_device *d)
{
    const char *drv = d->node->driver;
    if (!drv || !ost_driver_value_wellformed(drv))
        return;
    char *path = ost_xasprintf("Control\\Class\\%s", drv);
    ost_hkey k = ost_hive_key(img->system, img->control_set, path);
    free(path);
    if (!k)
        return;
    d->driver_key_present = true;
    d->inf_path = ost_hive_get_string(img->system, k, "InfPath");
    d->inf_section = ost_hive_get_string(img->system, k, "InfSection");
    d->driver_desc = ost_hive_get_string(img->system, k, "DriverDesc");
    d->matching_device_id = ost_hive_get_string(img->system, k, "MatchingDeviceId");
    d->provider = ost_hive_get_string(img->system, k, "ProviderName");
    d->driver_version = ost_hive_get_string(img->system, k, "DriverVersion");
}

static const struct ost_doctor_package *bound_package(const struct ost_doctor_report *r,
                                                      const struct ost_doctor_device *d)
{
    const char *inf = ost_doctor_bound_inf(d);
    for (size_t i = 0; inf && i < r->npackages; i++)
        if (!r->packages[i].entry->staged && ost_streq_ci(r->packages[i].entry->published_name, inf))
            return &r->packages[i];
    return NULL;
}

static bool selected_by_vendor(const struct ost_devnode *n, const struct ost_strlist *vendors)
{
    for (size_t i = 0; i < vendors->n; i++)
        if (ost_hwids_have_vendor(&n->hardware_ids, vendors->v[i]) ||
            ost_hwids_have_vendor(&n->compatible_ids, vendors->v[i]))
            return true;
    return false;
}

static void add_device(struct ost_doctor_report *r, const struct ost_devnode *n, size_t *cap)
{
    ost_grow(&r->devices, cap, r->ndevices + 1, sizeof *r->devices);
    struct ost_doctor_device *d = &r->devices[r->ndevices++];
    memset(d, 0, sizeof *d);
    d->node = n;
}

static void join_vendors(struct ost_buf *b, const struct ost_strlist *vendors)
{
    for (size_t i = 0; i < vendors->n; i++)
        ost_buf_addf(b, "%s%s", i ? ", " : "", vendors->v[i]);
}

static void select_devices(struct ost_doctor_report *r, const struct ost_doctor_options *o,
                           const struct ost_doctor_package *driver)
{
    size_t cap = 0;
    if (o->hwid_prefix) {
        const struct ost_devnode **hits;
        size_t n = ost_devnodes_match(&r->devnodes, o->hwid_prefix, &hits);
        for (size_t i = 0; i < n; i++)
            add_device(r, hits[i], &cap);
        free(hits);
        r->selection = ost_xasprintf("devices whose hardware ID or instance path starts with %s", o->hwid_prefix);
        return;
    }
    struct ost_strlist vendors = {0};
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ost_doctor_package *p = &r->packages[i];
        for (size_t k = 0; (!driver || p == driver) && k < p->vendors.n; k++)
            if (!ost_strlist_contains_ci(&vendors, p->vendors.v[k]))
                ost_strlist_add(&vendors, p->vendors.v[k]);
    }
    for (size_t i = 0; i < r->devnodes.n; i++)
        if (selected_by_vendor(&r->devnodes.v[i], &vendors))
            add_device(r, &r->devnodes.v[i], &cap);
    struct ost_buf b = {0};
    ost_buf_addf(&b, "devices of the vendors %s (", driver ? "its package lists" : "the packages list");
    join_vendors(&b, &vendors);
    ost_buf_adds(&b, ")");
    r->selection = ost_buf_steal(&b);
    r->selection_empty = vendors.n == 0;
    ost_strlist_free(&vendors);
}

/* The model inputs: every package whose INF was read, once (a staged
 * package Windows imported is its oemN.inf). */
static struct ost_match_input *match_inputs(const struct ost_doctor_report *r, size_t *n)
{
    struct ost_match_input *in = ost_xcalloc(r->npackages ? r->npackages : 1, sizeof *in);
    *n = 0;
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ost_doctor_package *p = &r->packages[i];
        if (p->model && !(p->entry->staged && p->twin && p->twin->model))
            in[(*n)++] = (struct ost_match_input){.model = p->model, .trusted_signature = p->entry->has_catalog};
    }
    return in;
}

ost_status ost_doctor_run(struct ost_image *img, const struct ost_doctor_options *o, struct ost_doctor_report **out,
                          struct ost_error *err)
{
    struct ost_doctor_report *r = ost_xcalloc(1, sizeof *r);
    *out = NULL;
    r->policy.img = img;
    ost_status st = ost_boot_policy_read(&r->policy, &o->bcd, img, err);
    if (st == OST_OK)
        st = ost_store_list(img, &r->store, err);
    if (st == OST_OK)
        st = ost_devnodes_list(img, &r->devnodes, err);
    if (st != OST_OK) {
        ost_doctor_report_free(r);
        return st;
    }
    load_packages(img, r);
    const struct ost_doctor_package *driver = NULL;
    if (o->driver && !(driver = find_package(r, o->driver))) {
        ost_doctor_report_free(r);
        return ost_fail(err, OST_ERR_USAGE,
                        "--driver %s: the image has no such package (staged or in the driver store); "
                        "offstage get-drivers lists them",
                        o->driver);
    }
    if (driver)
        ((struct ost_doctor_package *)driver)->targeted = true;
    select_devices(r, o, driver);
    size_t ninputs;
    struct ost_match_input *inputs = match_inputs(r, &ninputs);
    for (size_t i = 0; i < r->ndevices; i++) {
        struct ost_doctor_device *d = &r->devices[i];
        struct ost_device_ids ids = {d->node->hardware_ids, d->node->compatible_ids};
        read_driver_key(img, d);
        if (d->node->has_config_flags)
            ost_config_flags_names(d->node->config_flags, &d->config_flags);
        d->bound = bound_package(r, d);
        ost_match_device(&ids, inputs, ninputs, img->info.arch, &d->match);
        ost_doctor_choose_intended(r, d, driver);
        if (d->intended)
            package_verdict(img, &r->policy, (struct ost_doctor_package *)ost_doctor_verdict_package(d->intended));
    }
    free(inputs);
    /* No device yet: the packages waiting for one are judged, so that a
     * failure the policy predicts is said before the first boot. */
    for (size_t i = 0; !r->ndevices && i < r->npackages; i++)
        if (ost_doctor_package_waits(&r->packages[i]))
            package_verdict(img, &r->policy, &r->packages[i]);
    st = ost_doctor_read_log(img, r, o->setupapi_log, err);
    for (size_t i = 0; st == OST_OK && i < r->ndevices; i++)
        ost_doctor_decide(img, r, &r->devices[i], driver);
    if (st != OST_OK) {
        ost_doctor_report_free(r);
        return st;
    }
    *out = r;
    return OST_OK;
}

static void free_device(struct ost_doctor_device *d)
{
    free(d->inf_path), free(d->inf_section), free(d->driver_desc), free(d->matching_device_id);
    free(d->provider), free(d->driver_version);
    ost_strlist_free(&d->config_flags);
    ost_match_result_free(&d->match);
    free(d->verdict), free(d->fix), free(d->expected), free(d->seen);
    ost_strlist_free(&d->evidence);
    ost_doctor_free_sections(d);
}

void ost_doctor_report_free(struct ost_doctor_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ndevices; i++)
        free_device(&r->devices[i]);
    free(r->devices);
    for (size_t i = 0; i < r->npackages; i++) {
        struct ost_doctor_package *p = &r->packages[i];
        ost_driver_model_free(p->model);
        free(p->model_problem), free(p->verdict_problem);
        ost_strlist_free(&p->vendors);
        if (p->has_verdict)
            ost_verdict_free(&p->verdict);
    }
    free(r->packages);
    ost_devnodes_free(&r->devnodes);
    ost_store_free(&r->store);
    free(r->selection), free(r->log_name), free(r->log_problem);
    free(r);
}
