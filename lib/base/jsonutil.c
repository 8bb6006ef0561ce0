/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "jsonutil.h"

json_t *ost_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *ost_strlist_json(const struct ost_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(l->v[i]));
    return a;
}
