/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "boot_cli.h"

static const char *tristate_word(ost_tristate t)
{
    return t == OST_YES ? "on" : t == OST_NO ? "off" : "unknown";
}

static json_t *tristate_json(ost_tristate t)
{
    return t == OST_UNKNOWN ? json_null() : json_boolean(t == OST_YES);
}

void ost_cli_boot_policy_print(FILE *out, const struct ost_boot_policy *pol, const char *indent)
{
    if (pol->img)
        fprintf(out, "%simage: %s (%s)\n", indent, ost_image_kind_name(pol->kind.kind), pol->kind.evidence);
    if (pol->img && pol->kind.disagreement[0])
        fprintf(out, "%s  but %s\n", indent, pol->kind.disagreement);
    if (pol->testsigning == OST_UNKNOWN && pol->testsigning_source[0])
        fprintf(out, "%stestsigning: %s\n", indent, pol->testsigning_source);
    else
        fprintf(out, "%stestsigning: %s%s%s%s\n", indent, tristate_word(pol->testsigning),
                pol->testsigning_source[0] ? " (" : "", pol->testsigning_source,
                pol->testsigning_source[0] ? ")" : "");
    for (size_t i = 0; i < pol->nstores; i++)
        if (pol->stores[i].problem[0])
            fprintf(out, "%s  cannot read %s: %s\n", indent, pol->stores[i].path, pol->stores[i].problem);
        else
            fprintf(out, "%s  read %s: testsigning %s for %s\n", indent, pol->stores[i].path,
                    tristate_word(pol->stores[i].testsigning), pol->stores[i].loaders);
    /* said once here, not in every verdict that rests on it */
    if (pol->testsigning_caveat[0])
        fprintf(out, "%snote (verdicts resting on testsigning): %s\n", indent, pol->testsigning_caveat);
}

json_t *ost_cli_boot_policy_json(const struct ost_boot_policy *pol)
{
    json_t *stores = json_array();
    for (size_t i = 0; i < pol->nstores; i++) {
        json_t *s = json_pack("{s:s, s:o, s:b, s:s}", "store", pol->stores[i].path, "testsigning",
                              tristate_json(pol->stores[i].testsigning), "template", pol->stores[i].is_template,
                              "objects", pol->stores[i].loaders);
        /* one of the target's own boot stores: where it is inside the target */
        if (pol->stores[i].in_target)
            json_object_set_new(s, "target_path", json_string(pol->stores[i].target_path));
        if (pol->stores[i].problem[0])
            json_object_set_new(s, "problem", json_string(pol->stores[i].problem));
        json_array_append_new(stores, s);
    }
    json_t *j = json_pack("{s:o, s:o, s:o, s:o}", "testsigning", tristate_json(pol->testsigning), "source",
                          ost_json_str(pol->testsigning_source[0] ? pol->testsigning_source : NULL), "caveat",
                          ost_json_str(pol->testsigning_caveat[0] ? pol->testsigning_caveat : NULL), "stores",
                          stores);
    if (pol->testsigning_problem[0])
        json_object_set_new(j, "problem", json_string(pol->testsigning_problem));
    if (pol->img) {
        json_object_set_new(j, "image_kind", json_string(ost_image_kind_name(pol->kind.kind)));
        json_object_set_new(j, "image_kind_evidence", json_string(pol->kind.evidence));
    }
    return j;
}
