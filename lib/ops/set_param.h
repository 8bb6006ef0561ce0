/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * set_param.h — set-param's job on one image: which devices --device names,
 * each value's old and new state there (plan: reads only), and writing the
 * values that change (apply), committed once per image.
 */
#ifndef OST_SET_PARAM_H
#define OST_SET_PARAM_H

#include <stdbool.h>
#include <stddef.h>

#include "devparam.h"
#include "outcome.h"

struct ost_set_param_options {
    const char *device;             /* an instance path or a hardware ID (prefix) */
    ost_param_location where;
    const struct ost_param *values; /* from ost_param_parse_assignment; type OST_REG_NONE: delete the name */
    size_t nvalues;
};

/* One value on one device. */
struct ost_param_change {
    const struct ost_devnode *dn;
    char *key;                      /* relative to the control set (ost_param_key_path) */
    const struct ost_param *after;  /* one of the options' values */
    bool is_delete;
    struct ost_param before;        /* name NULL when absent */
    bool changed;                   /* false: already so (a delete of an absent value too) */
};

struct ost_set_param_plan {
    struct ost_device_selection devices;
    struct ost_param_change *changes; /* device by device, in the options' order */
    size_t nchanges, nchanged;
    /* OST_OUTCOME_SET when a value changes, UNCHANGED when none does,
     * NOT_FOUND or NO_DRIVER_KEY (problem says why and what to do) when
     * nothing can be set here. */
    ost_outcome outcome;
    char *problem;
};

/* Reads the image and decides; writes nothing. An unreadable value is an
 * error; a missing device or driver key is the plan's outcome. */
ost_status ost_set_param_plan(struct ost_image *img, const struct ost_set_param_options *o,
                              struct ost_set_param_plan *out, struct ost_error *err);
/* Writes the plan's changed values and commits the image when there are any. */
ost_status ost_set_param_apply(struct ost_image *img, const struct ost_set_param_options *o,
                               const struct ost_set_param_plan *plan, struct ost_error *err);
void ost_set_param_plan_free(struct ost_set_param_plan *p);

/* The job's result over every image's plan: NOT_FOUND or NO_DRIVER_KEY when
 * an image cannot take the values (then nothing is written anywhere), else
 * DRY_RUN, SET or UNCHANGED. */
ost_outcome ost_set_param_outcome(const struct ost_set_param_plan *plans, size_t n, bool dry_run);

#endif
