/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a doctor report's parts are called and point to: read by doctor.c
 * while it gathers, by doctor_verdict.c while it decides, and by callers;
 * it calls neither. */
#include "doctor.h"

#include "doctor_internal.h"

const char *ost_doctor_kind_name(enum ost_doctor_kind k)
{
    static const char *const names[] = {
        [OST_DOCTOR_BOUND_INTENDED] = "bound-intended", [OST_DOCTOR_BOUND] = "bound",
        [OST_DOCTOR_BOUND_OTHER] = "bound-other",       [OST_DOCTOR_NO_LOAD] = "no-load",
        [OST_DOCTOR_FAILED] = "failed",                 [OST_DOCTOR_PENDING] = "pending",
        [OST_DOCTOR_MISS] = "miss",                     [OST_DOCTOR_NO_PACKAGE] = "no-package",
    };
    return names[k];
}

bool ost_doctor_kind_ok(enum ost_doctor_kind k)
{
    return k == OST_DOCTOR_BOUND_INTENDED || k == OST_DOCTOR_BOUND;
}

const char *ost_doctor_basis_name(enum ost_doctor_basis b)
{
    return b == OST_DOCTOR_EVIDENCE ? "evidence" : "predicted";
}

bool ost_doctor_device_fails(const struct ost_doctor_device *d)
{
    return !ost_doctor_kind_ok(d->kind) && !(d->kind == OST_DOCTOR_PENDING && !d->expected);
}

bool ost_doctor_package_waits(const struct ost_doctor_package *p)
{
    return p->targeted || (p->entry->staged && !p->entry->imported);
}

bool ost_doctor_healthy(const struct ost_doctor_report *r)
{
    for (size_t i = 0; i < r->ndevices; i++)
        if (ost_doctor_device_fails(&r->devices[i]))
            return false;
    if (r->ndevices)
        return true;
    if (r->selection_empty)
        return false;
    for (size_t i = 0; i < r->npackages; i++) {
        const struct ost_doctor_package *p = &r->packages[i];
        bool fails = p->has_verdict && p->verdict.kind != OST_VERDICT_LOADS && p->verdict.kind != OST_VERDICT_DEPENDS;
        if (ost_doctor_package_waits(p) && (p->verdict_problem || fails))
            return false;
    }
    return true;
}

bool ost_doctor_all_bound(const struct ost_doctor_report *r)
{
    for (size_t i = 0; i < r->ndevices; i++)
        if (!ost_doctor_kind_ok(r->devices[i].kind))
            return false;
    return r->ndevices > 0;
}

const char *ost_doctor_package_state(const struct ost_store_entry *e)
{
    return e->staged ? (e->imported ? "imported" : "staged") : e->installed ? "installed" : "store";
}

/* The name people know a package by: "aero_virtio_snd.inf (oem3.inf)". */
char *ost_doctor_package_label(const struct ost_doctor_package *p)
{
    const struct ost_store_entry *e = p->entry;
    if (e->staged)
        return ost_xasprintf("staged %s", e->original_name);
    if (p->twin)
        return ost_xasprintf("%s = staged %s", e->published_name, p->twin->entry->original_name);
    if (e->original_name)
        return ost_xasprintf("%s (%s)", e->published_name, e->original_name);
    return ost_xstrdup(e->published_name);
}

/* An oemN.inf whose FileRepository folder is not in the image is judged by
 * the staged folder it was imported from: the same files. */
const struct ost_doctor_package *ost_doctor_verdict_package(const struct ost_doctor_package *p)
{
    if (!p->entry->staged && p->twin && !p->entry->folder)
        return p->twin;
    return p;
}

/* The INF the device is bound through: the driver key's InfPath, else the
 * one its DeviceDesc names. */
const char *ost_doctor_bound_inf(const struct ost_doctor_device *d)
{
    return d->inf_path ? d->inf_path : d->node->inf;
}

const struct ost_doctor_package *ost_doctor_model_package(const struct ost_doctor_report *r,
                                                          const struct ost_driver_model *m)
{
    for (size_t i = 0; i < r->npackages; i++)
        if (r->packages[i].model == m)
            return &r->packages[i];
    return NULL;
}
