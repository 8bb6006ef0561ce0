/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "set_param.h"

#include <stdlib.h>
#include <string.h>

static bool same_value(const struct ost_param *a, const struct ost_param *b)
{
    if (!a->name || a->type != b->type)
        return false;
    return a->is_dword ? b->is_dword && a->dword == b->dword : !strcmp(a->text, b->text);
}

static ost_status plan_device(struct ost_image *img, const struct ost_set_param_options *o,
                              const struct ost_devnode *dn, struct ost_set_param_plan *p, struct ost_error *err)
{
    char *key;
    ost_status st = ost_param_key_path(dn, o->where, &key, err);
    if (st == OST_NEGATIVE) {
        p->problem = ost_xstrdup(err->message);
        p->outcome = OST_OUTCOME_NO_DRIVER_KEY;
        free(key);
        return OST_OK;
    }
    for (size_t k = 0; st == OST_OK && k < o->nvalues; k++) {
        struct ost_param_change *c = &p->changes[p->nchanges++];
        c->dn = dn, c->after = &o->values[k], c->key = ost_xstrdup(key);
        c->is_delete = c->after->type == OST_REG_NONE;
        st = ost_param_get(img, dn, o->where, c->after->name, &c->before, err);
        if (st == OST_NEGATIVE)
            st = OST_OK;
        c->changed = c->is_delete ? c->before.name != NULL : !same_value(&c->before, c->after);
        p->nchanged += c->changed;
    }
    free(key);
    return st;
}

ost_status ost_set_param_plan(struct ost_image *img, const struct ost_set_param_options *o,
                              struct ost_set_param_plan *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    ost_device_select(img, o->device, &out->devices);
    if (!out->devices.n) {
        out->problem = ost_no_device_message(img, &out->devices, o->device);
        out->outcome = OST_OUTCOME_NOT_FOUND;
        return OST_OK;
    }
    out->changes = ost_xcalloc(out->devices.n * o->nvalues + 1, sizeof *out->changes);
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && !out->problem && i < out->devices.n; i++)
        st = plan_device(img, o, out->devices.v[i], out, err);
    if (!out->problem)
        out->outcome = out->nchanged ? OST_OUTCOME_SET : OST_OUTCOME_UNCHANGED;
    return st;
}

ost_status ost_set_param_apply(struct ost_image *img, const struct ost_set_param_options *o,
                               const struct ost_set_param_plan *plan, struct ost_error *err)
{
    if (plan->problem || !plan->nchanged)
        return OST_OK;
    ost_status st = OST_OK;
    for (size_t k = 0; st == OST_OK && k < plan->nchanges; k++) {
        const struct ost_param_change *c = &plan->changes[k];
        if (!c->changed)
            continue;
        st = c->is_delete ? ost_param_delete(img, c->dn, o->where, c->after->name, err)
                          : ost_param_set(img, c->dn, o->where, c->after, NULL, err);
    }
    return st == OST_OK ? ost_image_commit(img, err) : st;
}

void ost_set_param_plan_free(struct ost_set_param_plan *p)
{
    for (size_t i = 0; i < p->nchanges; i++) {
        free(p->changes[i].key);
        ost_param_free(&p->changes[i].before);
    }
    free(p->changes);
    free(p->problem);
    ost_device_selection_free(&p->devices);
    memset(p, 0, sizeof *p);
}

ost_outcome ost_set_param_outcome(const struct ost_set_param_plan *plans, size_t n, bool dry_run)
{
    size_t changed = 0;
    ost_outcome missing = OST_OUTCOME_UNCHANGED;
    for (size_t i = 0; i < n; i++) {
        if (plans[i].problem)
            missing = plans[i].outcome;
        changed += plans[i].nchanged;
    }
    if (missing != OST_OUTCOME_UNCHANGED)
        return missing;
    return dry_run ? OST_OUTCOME_DRY_RUN : changed ? OST_OUTCOME_SET : OST_OUTCOME_UNCHANGED;
}
