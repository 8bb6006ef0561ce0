/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "firstboot_cli.h"

void ost_cli_verdict_parts(json_t *o, const struct ost_verdict *v)
{
    json_object_set_new(o, "installs", json_string(ost_install_part_name(v->installs)));
    json_object_set_new(o, "loads", json_string(ost_load_part_name(v->loads)));
    json_object_set_new(o, "caveat", ost_json_str(v->caveat));
}

json_t *ost_cli_firstboot(const struct ost_package_report *r, const struct ost_cat_arch_result *results,
                          const struct ost_boot_policy *pol, ost_arch arch, FILE *out, const char *indent,
                          ost_verdict_kind *worst)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->narches; i++) {
        const struct ost_package_arch *pa = &r->arches[i];
        if (!results[i].checked || !pa->stageable || (arch != OST_ARCH_UNKNOWN && pa->arch != arch))
            continue;
        struct ost_verdict v;
        ost_firstboot_verdict(pa, &results[i], pol, &v);
        if (v.kind > *worst)
            *worst = v.kind;
        if (out) {
            fprintf(out, "%sfirst boot (%s): %s\n", indent, ost_arch_name(pa->arch), v.summary);
            if (v.fix)
                fprintf(out, "%s  to change: %s\n", indent, v.fix);
        }
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "arch", ost_arch_name(pa->arch), "verdict",
                              ost_verdict_kind_name(v.kind), "summary", v.summary, "fix", ost_json_str(v.fix),
                              "signature", ost_sig_state_name(results[i].signature), "testsigning",
                              pol->testsigning == OST_UNKNOWN ? json_null() : json_boolean(pol->testsigning));
        ost_cli_verdict_parts(o, &v);
        json_array_append_new(a, o);
        ost_verdict_free(&v);
    }
    return a;
}

json_t *ost_cli_staged_verdict_json(const struct ost_staged_verdict *v, const struct ost_boot_policy *pol)
{
    if (!v->judged)
        return json_null();
    json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "arch", ost_arch_name(v->arch), "verdict",
                          ost_verdict_kind_name(v->verdict.kind), "summary", v->verdict.summary, "fix",
                          ost_json_str(v->verdict.fix), "signature", ost_sig_state_name(v->signature), "testsigning",
                          pol->testsigning == OST_UNKNOWN ? json_null() : json_boolean(pol->testsigning));
    ost_cli_verdict_parts(o, &v->verdict);
    return o;
}
