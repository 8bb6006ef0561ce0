/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Printing the doctor report, as text and as JSON. */
#include <stdlib.h>

#include "device_cli.h"
#include "doctor_cli.h"
#include "firstboot_cli.h"
#include "image_cli.h"
#include "setupapi_print.h"

static void print_list(FILE *out, const char *what, const struct ost_strlist *l)
{
    fprintf(out, "  %s:", what);
    for (size_t i = 0; i < l->n; i++)
        fprintf(out, "%s%s", i ? ", " : " ", l->v[i]);
    fprintf(out, "%s\n", l->n ? "" : " (none)");
}

static void print_driver(FILE *out, const struct ost_doctor_device *d)
{
    const struct ost_devnode *n = d->node;
    fprintf(out, "  service: %s; driver key: %s\n", n->service ? n->service : "(none)", n->driver ? n->driver : "(none)");
    if (d->driver_key_present)
        fprintf(out, "  driver key: InfPath %s, InfSection %s, MatchingDeviceId %s, %s %s (%s)\n",
                d->inf_path ? d->inf_path : "(none)", d->inf_section ? d->inf_section : "(none)",
                d->matching_device_id ? d->matching_device_id : "(none)", d->provider ? d->provider : "",
                d->driver_version ? d->driver_version : "", d->driver_desc ? d->driver_desc : "");
    else if (n->driver)
        fprintf(out, "  driver key: Control\\Class\\%s is missing\n", n->driver);
    if (n->inf)
        fprintf(out, "  published INF (DeviceDesc/Mfg): %s\n", n->inf);
    if (n->has_config_flags) {
        char *flags = ost_config_flags_describe(n->config_flags);
        fprintf(out, "  ConfigFlags: %s\n", flags);
        free(flags);
    }
}

/* OK bound; WAIT not installed yet, nothing predicts a failure; FAIL. */
static const char *status_label(const struct ost_doctor_device *d)
{
    return ost_doctor_kind_ok(d->kind) ? "OK" : ost_doctor_device_fails(d) ? "FAIL" : "WAIT";
}

static void print_device(FILE *out, const struct ost_doctor_device *d)
{
    fprintf(out, "%-4s  %s\n      %s\n", status_label(d), d->node->instance_path, d->verdict);
    fprintf(out, "  basis: %s\n", d->basis == OST_DOCTOR_EVIDENCE
                                      ? "evidence (what Windows recorded: the devnode, the log)"
                                      : "predicted (inferred by offstage; Windows has recorded no such outcome)");
    if (d->expected)
        fprintf(out, "  expected: %s\n", d->expected);
    if (d->seen)
        fprintf(out, "  seen: %s\n", d->seen);
    if (d->fix)
        fprintf(out, "  to change: %s\n", d->fix);
    print_list(out, "hardware IDs", &d->node->hardware_ids);
    print_list(out, "compatible IDs", &d->node->compatible_ids);
    print_driver(out, d);
    for (size_t i = 0; i < d->evidence.n; i++)
        fprintf(out, "  %s\n", d->evidence.v[i]);
    ost_cli_print_diags(out, &d->node->findings, "  ", OST_SEV_NOTE);
    if (d->nsections || d->sections_dropped)
        fprintf(out, "  setupapi.dev.log: %zu section%s about it%s\n", d->nsections + d->sections_dropped,
                d->nsections + d->sections_dropped == 1 ? "" : "s",
                d->sections_dropped ? " (the latest shown)" : "");
    for (size_t i = 0; i < d->nsections; i++)
        ost_cli_print_setupapi_section(out, d->sections[i], "    ");
}

static void print_packages(FILE *out, const struct ost_doctor_report *r)
{
    fprintf(out, "\nPackages:%s\n", r->npackages ? "" : " none (nothing staged, no third-party driver in the store)");
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ost_doctor_package *p = &r->packages[i];
        const struct ost_store_entry *e = p->entry;
        fprintf(out, "  %-9s %s", ost_doctor_package_state(e), e->published_name);
        if (e->original_name && !e->staged)
            fprintf(out, " (%s)", e->original_name);
        if (p->twin)
            fprintf(out, e->staged ? ", imported by Windows as %s" : ", staged as %s", p->twin->entry->published_name);
        if (p->vendors.n)
            fprintf(out, "; lists %s%s", p->vendors.v[0], p->vendors.n > 1 ? ", ..." : "");
        fputc('\n', out);
        if (e->provider || e->class_name || e->version)
            fprintf(out, "            %s, class %s, %s %s\n", e->provider ? e->provider : "(no provider)",
                    e->class_name ? e->class_name : "(none)", e->date ? e->date : "", e->version ? e->version : "");
        if (p->model_problem && !e->installed)
            fprintf(out, "            not read: %s\n", p->model_problem);
        if (p->has_verdict)
            fprintf(out, "            first boot: %s\n", p->verdict.summary);
        if (p->has_verdict && p->verdict.fix)
            fprintf(out, "            to change: %s\n", p->verdict.fix);
    }
}

static void print_no_device(FILE *out, const struct ost_doctor_report *r)
{
    if (r->selection_empty)
        fprintf(out, "No device to examine: no package in the image lists a hardware ID with a vendor; name the "
                     "devices with --hwid-prefix.\n");
    else if (!r->devnodes.n)
        fprintf(out, "No device matches (%s): the image has no devnodes at all, so it has not booted yet. Plug and "
                     "Play writes a devnode under Enum on the first boot with the device present; run doctor again "
                     "after that boot.\n",
                r->selection);
    else
        fprintf(out, "No device matches (%s) among the image's %zu devnodes: Windows has not booted with such a "
                     "device yet (or it was never plugged in). Plug and Play writes a devnode on the first boot "
                     "with the device present; the packages below wait for it.\n",
                r->selection, r->devnodes.n);
}

void ost_cli_print_doctor(FILE *out, const struct ost_image *img, const struct ost_doctor_report *r, bool separate)
{
    char *desc = ost_image_describe(img);
    if (separate)
        fputc('\n', out);
    fprintf(out, "%s: %s\n", img->target->name, desc);
    free(desc);
    if (!r->ndevices)
        print_no_device(out, r);
    else
        fprintf(out, "Devices: %s\n", r->selection);
    for (size_t i = 0; i < r->ndevices; i++)
        fprintf(out, "%-4s  %s: %s\n", status_label(&r->devices[i]), r->devices[i].node->instance_path,
                r->devices[i].verdict);
    for (size_t i = 0; i < r->ndevices; i++) {
        fputc('\n', out);
        print_device(out, &r->devices[i]);
    }
    print_packages(out, r);
    if (r->log_name)
        fprintf(out, "\nLog: %s (%s, %llu section%s)\n", r->log_name, r->log_encoding ? r->log_encoding : "?",
                r->log_sections_total, r->log_sections_total == 1 ? "" : "s");
    else
        fprintf(out, "\nLog: %s\n", r->log_problem ? r->log_problem : "none");
}

/* ---- JSON ------------------------------------------------------------------ */

static json_t *label_json(const struct ost_doctor_package *p)
{
    return p ? json_string(p->entry->published_name) : json_null();
}

static json_t *matches_json(const struct ost_doctor_report *r, const struct ost_doctor_device *d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->match.nmatches; i++) {
        const struct ost_match *m = &d->match.matches[i];
        char rank[16];
        snprintf(rank, sizeof rank, "0x%08X", m->rank);
        json_array_append_new(a, json_pack("{s:b, s:o, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s}", "best", m->best,
                                           "package", label_json(ost_doctor_model_package(r, m->model)), "inf",
                                           m->model->inf_name, "models_section", m->device->model->models_section,
                                           "line", m->device->model->line, "kind", ost_match_kind_name(m->kind),
                                           "device_id", m->device_id, "device_id_position",
                                           (json_int_t)m->device_id_index + 1, "inf_id", m->inf_id, "rank", rank));
    }
    return a;
}

static json_t *misses_json(const struct ost_doctor_report *r, const struct ost_doctor_device *d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->match.nmisses; i++) {
        const struct ost_near_miss *x = &d->match.misses[i];
        json_array_append_new(a, json_pack("{s:s, s:o, s:s, s:s, s:s}", "reason", ost_miss_reason_name(x->reason),
                                           "package", label_json(ost_doctor_model_package(r, x->model)), "inf",
                                           x->model->inf_name, "inf_id", x->inf_id, "explanation", x->explanation));
    }
    return a;
}

static json_t *driver_key_json(const struct ost_doctor_device *d)
{
    if (!d->driver_key_present)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "inf_path", ost_json_str(d->inf_path), "inf_section",
                     ost_json_str(d->inf_section), "matching_device_id", ost_json_str(d->matching_device_id),
                     "driver_desc", ost_json_str(d->driver_desc), "provider", ost_json_str(d->provider),
                     "driver_version", ost_json_str(d->driver_version));
}

static json_t *device_json(const struct ost_doctor_report *r, const struct ost_doctor_device *d)
{
    json_t *dev = ost_cli_devnode_json(d->node), *sections = json_array();
    for (size_t i = 0; i < d->nsections; i++)
        json_array_append_new(sections, ost_cli_setupapi_section_json(d->sections[i]));
    json_object_update_new(
        dev, json_pack("{s:o, s:o, s:o, s:o, s:{s:s, s:b, s:b, s:s, s:o, s:s, s:o, s:o}, s:o, s:o, s:o, s:o, s:i}",
                       "device_desc", ost_json_str(d->node->device_desc), "bound_inf",
                       ost_json_str(ost_doctor_bound_inf(d)), "driver_key", driver_key_json(d), "bound_package",
                       label_json(d->bound), "verdict", "kind", ost_doctor_kind_name(d->kind), "ok",
                       ost_doctor_kind_ok(d->kind), "fails", ost_doctor_device_fails(d), "text", d->verdict, "fix",
                       ost_json_str(d->fix), "basis", ost_doctor_basis_name(d->basis), "expected",
                       ost_json_str(d->expected), "seen", ost_json_str(d->seen), "intended_package", label_json(d->intended), "matches",
                       matches_json(r, d), "near_misses", misses_json(r, d), "log_sections", sections,
                       "log_sections_dropped", (json_int_t)d->sections_dropped));
    json_object_set_new(dev, "evidence", ost_strlist_json(&d->evidence));
    return dev;
}

static json_t *package_json(const struct ost_doctor_package *p)
{
    const struct ost_store_entry *e = p->entry;
    json_t *fb = p->has_verdict ? json_pack("{s:s, s:s, s:o}", "verdict", ost_verdict_kind_name(p->verdict.kind),
                                            "summary", p->verdict.summary, "fix", ost_json_str(p->verdict.fix))
                                : json_null();
    if (p->has_verdict)
        ost_cli_verdict_parts(fb, &p->verdict);
    return json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "published_name", e->published_name,
                     "original_name", ost_json_str(e->original_name), "state", ost_doctor_package_state(e), "inf",
                     ost_json_str(e->inf_path), "folder", ost_json_str(e->folder), "twin",
                     p->twin ? json_string(p->twin->entry->published_name) : json_null(), "vendors",
                     ost_strlist_json(&p->vendors), "problem", ost_json_str(p->model_problem), "first_boot", fb,
                     "first_boot_problem", ost_json_str(p->verdict_problem));
}

json_t *ost_cli_doctor_json(const struct ost_image *img, const struct ost_doctor_report *r)
{
    json_t *devices = json_array(), *packages = json_array();
    for (size_t i = 0; i < r->ndevices; i++)
        json_array_append_new(devices, device_json(r, &r->devices[i]));
    for (size_t i = 0; i < r->npackages; i++)
        json_array_append_new(packages, package_json(&r->packages[i]));
    json_t *log = json_pack("{s:o, s:o, s:o, s:I}", "path", ost_json_str(r->log_name), "encoding",
                            ost_json_str(r->log_encoding), "problem", ost_json_str(r->log_problem), "sections",
                            (json_int_t)r->log_sections_total);
    return json_pack("{s:o, s:s, s:I, s:b, s:b, s:o, s:o, s:o}", "image", ost_cli_image_json(img), "selection",
                     r->selection, "devnodes_total", (json_int_t)r->devnodes.n, "all_bound", ost_doctor_all_bound(r),
                     "healthy", ost_doctor_healthy(r), "devices", devices, "packages", packages, "log", log);
}
