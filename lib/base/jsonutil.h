/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * jsonutil.h — the small JSON builders every --json document and the
 * staging manifest share (jansson does the rest: https://jansson.readthedocs.io).
 */
#ifndef OST_JSONUTIL_H
#define OST_JSONUTIL_H

#include <jansson.h>

#include "util.h"

/* json_string that accepts NULL (-> null). */
json_t *ost_json_str(const char *s);
/* An array of the list's strings, in order. */
json_t *ost_strlist_json(const struct ost_strlist *l);

#endif
