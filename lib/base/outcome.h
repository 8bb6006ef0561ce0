/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * outcome.h — what a job that writes an image (add-driver, add-cert,
 * set-param, ...) did, as one word: the "result" of its --json document
 * and the line its CLI ends with.
 */
#ifndef OST_OUTCOME_H
#define OST_OUTCOME_H

typedef enum ost_outcome {
    OST_OUTCOME_UNCHANGED,     /* everything was already so; nothing written */
    OST_OUTCOME_DRY_RUN,       /* planned only; nothing written */
    OST_OUTCOME_REFUSED,       /* a package was refused; nothing written */
    OST_OUTCOME_STAGED,        /* add-driver wrote its packages */
    OST_OUTCOME_ADDED,         /* add-cert wrote its certificates */
    OST_OUTCOME_SET,           /* set-param wrote its values */
    OST_OUTCOME_NOT_FOUND,     /* set-param: no device matched */
    OST_OUTCOME_NO_DRIVER_KEY, /* set-param: a device has no driver key */
} ost_outcome;

/* The stable word for --json: "unchanged", "dry-run", "staged", ... */
const char *ost_outcome_name(ost_outcome o);

#endif
