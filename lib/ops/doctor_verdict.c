/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor: one verdict per device, from its devnode, the match analysis and
 * the signature policy's verdict on the package that should bind it. */
#include <stdlib.h>
#include <string.h>

#include "doctor_internal.h"
#include "setupapi_log.h"

static bool same_package(const struct ost_doctor_package *a, const struct ost_doctor_package *b)
{
    return a && b && (a == b || a->twin == b);
}

void ost_doctor_choose_intended(const struct ost_doctor_report *r, struct ost_doctor_device *d,
                                const struct ost_doctor_package *driver)
{
    d->intended = NULL;
    for (size_t i = 0; i < d->match.nmatches && !d->intended; i++) {
        const struct ost_doctor_package *p = ost_doctor_model_package(r, d->match.matches[i].model);
        if (same_package(p, driver))
            d->intended = p;
    }
    if (!d->intended && d->match.nmatches)
        d->intended = ost_doctor_model_package(r, d->match.matches[0].model);
}

static bool installs_service(const struct ost_doctor_package *p, const char *service, ost_arch arch)
{
    const struct ost_driver_model *m = p->model ? p->model : p->twin ? p->twin->model : NULL;
    const struct ost_arch_model *am = m ? ost_driver_model_arch(m, arch) : NULL;
    for (size_t i = 0; am && service && i < am->nservices; i++)
        if (ost_streq_ci(am->services[i].name, service))
            return true;
    return false;
}

/* Whether the device is bound through the intended package: the same
 * published INF, an INF of the same original name, or, when the hive names
 * an INF the image no longer holds, the service the package installs. */
static bool bound_as_intended(const struct ost_doctor_device *d, ost_arch arch, bool *by_service)
{
    const struct ost_doctor_package *p = d->intended, *b = d->bound;
    *by_service = false;
    if (same_package(b, p))
        return true;
    const char *want = p->twin && p->twin->entry->staged ? p->twin->entry->original_name : p->entry->original_name;
    if (b && b->entry->original_name)
        return want && ost_streq_ci(b->entry->original_name, want);
    return *by_service = installs_service(p, d->node->service, arch);
}

/* The INF's file name: models are named by their image path. */
static const char *inf_base(const char *name)
{
    const char *slash = strrchr(name, '\\');
    return slash ? slash + 1 : name;
}

/* What the published INF a device is bound through stands for: "staged
 * pkg.inf", "vmci.inf", or the published name when nothing more is known. */
static char *package_name(const struct ost_doctor_package *p)
{
    const struct ost_store_entry *e = p->twin && p->twin->entry->staged ? p->twin->entry : p->entry;
    if (e->staged)
        return ost_xasprintf("staged %s", e->original_name);
    return ost_xstrdup(e->original_name ? e->original_name : e->published_name);
}

static void evidence(struct ost_doctor_device *d, char *line)
{
    ost_strlist_add_owned(&d->evidence, line);
}

static void match_evidence(const struct ost_doctor_report *r, struct ost_doctor_device *d)
{
    for (size_t i = 0; i < d->match.nmatches; i++) {
        const struct ost_match *m = &d->match.matches[i];
        char *label = ost_doctor_package_label(ost_doctor_model_package(r, m->model));
        evidence(d, ost_xasprintf("%s %s: [%s] line %u: device %s ID #%zu %s, rank 0x%08X", m->best ? "matches" : "also matches",
                                  label, m->device->model->models_section, m->device->model->line,
                                  m->kind == OST_MATCH_HW_HW || m->kind == OST_MATCH_HW_COMPAT ? "hardware" : "compatible",
                                  m->device_id_index + 1, m->device_id, m->rank));
        free(label);
    }
    for (size_t i = 0; i < d->match.nmisses; i++) {
        const struct ost_near_miss *x = &d->match.misses[i];
        const char *text = x->explanation, *name = x->model->inf_name;
        if (!strncmp(text, name, strlen(name)))
            text += strlen(name) - strlen(inf_base(name));
        evidence(d, ost_xasprintf("does not match (%s): %s", ost_miss_reason_name(x->reason), text));
    }
}

static void signature_evidence(struct ost_doctor_device *d, ost_arch arch)
{
    const struct ost_doctor_package *vp = d->intended ? ost_doctor_verdict_package(d->intended) : NULL;
    if (vp && vp->has_verdict)
        evidence(d, ost_xasprintf("first boot (%s): %s", ost_arch_name(arch), vp->verdict.summary));
    else if (vp && vp->verdict_problem)
        evidence(d, ost_xasprintf("signature policy not decided: %s", vp->verdict_problem));
}

static void log_evidence(struct ost_doctor_device *d)
{
    const struct ost_setupapi_section *s = ost_doctor_latest_section(d);
    if (!s)
        return;
    char *summary = ost_doctor_section_summary(s);
    evidence(d, ost_xasprintf("log: latest install section %s%s", summary,
                              ost_doctor_signature_failed(s) ? "; its sig: lines report a signature failure" : ""));
    free(summary);
}

static void set_verdict(struct ost_doctor_device *d, enum ost_doctor_kind kind, char *verdict, const char *fix)
{
    d->kind = kind;
    d->verdict = verdict;
    d->fix = fix ? ost_xstrdup(fix) : NULL;
}

/* What add-driver does for a device Windows already gave up on (or bound
 * to another driver): it is not new hardware, so staging alone does not
 * make Windows look again. */
#define REARM_FIX                                                                                                   \
    "run add-driver again for this package: it re-arms the device (ConfigFlags |= 0x20 REINSTALL) so Windows "   \
    "installs it on the next boot"

static bool rearmed(const struct ost_doctor_device *d)
{
    return d->node->has_config_flags && (d->node->config_flags & OST_CONFIGFLAG_REINSTALL);
}

/* The failure the signature policy predicts for the package, or NULL. */
static char *predicted_failure(const struct ost_doctor_package *vp)
{
    /* a verdict resting on a fact not known (depends) predicts no failure:
     * check-package and add-driver do not count it as one either */
    if (!vp || !vp->has_verdict || vp->verdict.kind == OST_VERDICT_LOADS || vp->verdict.kind == OST_VERDICT_DEPENDS)
        return NULL;
    const char *what = "the driver does not load";
    if (vp->verdict.kind == OST_VERDICT_NO_LOAD)
        what = strstr(vp->verdict.summary, "Code 52") ? "Code 52" : "the driver does not load";
    else if (vp->verdict.kind == OST_VERDICT_PROMPT)
        what = "a prompt that no one answers on an unattended first boot, so the device stays uninstalled";
    return ost_xasprintf("%s because the signature policy's verdict is: %s", what, vp->verdict.summary);
}

static const char *code52_fix(const struct ost_doctor_package *vp)
{
    if (vp->has_verdict && vp->verdict.kind == OST_VERDICT_LOADS)
        return "the package as staged now would load (its signature is trusted): the log is from an earlier "
               "install, so update the device's driver from it (pnputil -i -a, or reinstall the device)";
    if (vp->has_verdict && vp->verdict.fix)
        return vp->verdict.fix;
    return "sign the package with a certificate the image trusts (add-driver --test-sign, or a release signature)";
}

static void decide_bound(struct ost_doctor_device *d, ost_arch arch)
{
    const char *inf = ost_doctor_bound_inf(d);
    bool by_service;
    char *via = ost_xasprintf("service %s via %s", d->node->service ? d->node->service : "(none)",
                              inf ? inf : "an INF the devnode does not name");
    if (!d->intended) {
        const char *why = d->bound && !d->bound->model ? "a third-party package whose INF the image no longer holds"
                          : inf && !ost_has_prefix_ci(inf, "oem") ? "an inbox driver"
                                                                  : "no package in the image matches the device";
        set_verdict(d, OST_DOCTOR_BOUND, ost_xasprintf("bound (%s: %s)", via, why), NULL);
    } else if (!bound_as_intended(d, arch, &by_service)) {
        char *label = ost_doctor_package_label(d->intended);
        if (rearmed(d))
            set_verdict(d, OST_DOCTOR_PENDING,
                        ost_xasprintf("bound to another driver (%s), re-armed (ConfigFlags REINSTALL): Windows "
                                      "installs the device again on the next boot, and %s matches it%s%s",
                                      via, label, d->expected ? "; expected: " : "", d->expected ? d->expected : ""),
                        d->expected ? ost_doctor_verdict_package(d->intended)->verdict.fix : NULL);
        else
            set_verdict(d, OST_DOCTOR_BOUND_OTHER,
                        ost_xasprintf("bound to another driver (%s); %s matches it", via, label),
                        "Windows installed the other driver first or ranked it better (the log's sections below "
                        "say which); remove the other package, or, if this package ranks better, " REARM_FIX);
        free(label);
    } else {
        const struct ost_doctor_package *vp = ost_doctor_verdict_package(d->intended);
        char *name = package_name(d->intended);
        char *label = by_service ? ost_xasprintf(", the service %s installs", name) : ost_xasprintf(" = %s", name);
        free(name);
        bool policy = vp->has_verdict && vp->verdict.kind == OST_VERDICT_NO_LOAD;
        bool logged = arch == OST_ARCH_AMD64 && ost_doctor_signature_failed(ost_doctor_latest_section(d));
        if (logged)
            set_verdict(d, OST_DOCTOR_NO_LOAD,
                        ost_xasprintf("bound but the driver did not load: signature (Code 52) (%s%s); seen: the "
                                      "log's sig: lines report the failure",
                                      via, label),
                        code52_fix(vp));
        else if (policy)
            set_verdict(d, OST_DOCTOR_NO_LOAD, ost_xasprintf("bound (%s%s); expected: %s", via, label, d->expected),
                        code52_fix(vp));
        else
            set_verdict(d, OST_DOCTOR_BOUND_INTENDED, ost_xasprintf("bound as intended (%s%s)", via, label), NULL);
        free(label);
    }
    free(via);
}

static void decide_matched_unbound(struct ost_doctor_device *d)
{
    const struct ost_doctor_package *vp = ost_doctor_verdict_package(d->intended);
    char *label = ost_doctor_package_label(d->intended);
    bool failed = d->node->has_config_flags && (d->node->config_flags & OST_CONFIGFLAG_FAILEDINSTALL);
    bool refused = vp->has_verdict && vp->verdict.kind != OST_VERDICT_LOADS;
    if (failed && !rearmed(d)) {
        char *flags = ost_config_flags_describe(d->node->config_flags);
        const struct ost_setupapi_section *s = ost_doctor_latest_section(d);
        char *logged = s ? ost_doctor_section_summary(s) : NULL;
        char *why = refused ? ost_xasprintf(": %s", vp->verdict.summary)
                    : logged ? ost_xasprintf("; the log's latest install: %s", logged)
                             : ost_xstrdup(" (no log section says why)");
        char *fix = refused && vp->verdict.fix ? ost_xasprintf("%s; then " REARM_FIX, vp->verdict.fix)
                                               : ost_xstrdup(REARM_FIX);
        set_verdict(d, OST_DOCTOR_FAILED,
                    ost_xasprintf("unbound: install failed (ConfigFlags %s) although %s matches%s", flags, label, why),
                    fix);
        free(flags), free(logged), free(why), free(fix);
    } else {
        bool depends = vp->has_verdict && vp->verdict.kind == OST_VERDICT_DEPENDS;
        char *expected = d->expected ? ost_xasprintf("; expected: %s", d->expected)
                         : depends   ? ost_xasprintf("; not known yet whether it loads: %s", vp->verdict.summary)
                                     : ost_xstrdup("");
        set_verdict(d, OST_DOCTOR_PENDING,
                    failed ? ost_xasprintf("unbound: re-armed after a failed install (ConfigFlags REINSTALL); %s "
                                           "matches and Windows installs it on the next boot with the device%s",
                                           label, expected)
                           : ost_xasprintf("unbound: not installed yet; %s matches and Plug and Play installs it on "
                                           "the next boot with the device%s",
                                           label, expected),
                    refused ? vp->verdict.fix : NULL);
        free(expected);
    }
    free(label);
}

/* The nearest miss; --driver's own when it has one. */
static const struct ost_near_miss *nearest_miss(const struct ost_doctor_report *r, const struct ost_doctor_device *d,
                                                const struct ost_doctor_package *driver)
{
    for (size_t i = 0; driver && i < d->match.nmisses; i++)
        if (same_package(ost_doctor_model_package(r, d->match.misses[i].model), driver))
            return &d->match.misses[i];
    return d->match.nmisses ? &d->match.misses[0] : NULL;
}

static void decide_miss(struct ost_doctor_device *d, const struct ost_near_miss *x, ost_arch arch)
{
    struct ost_pci_id_parts inf = {0}, dev = {0};
    ost_pci_id_split(x->inf_id, &inf);
    if (d->node->hardware_ids.n)
        ost_pci_id_split(d->node->hardware_ids.v[0], &dev);
    const char *name = inf_base(x->model->inf_name);
    char *fix = NULL, *line = NULL;
    enum ost_doctor_kind kind = OST_DOCTOR_MISS;
    switch (x->reason) {
    case OST_MISS_REVISION: {
        /* QEMU's x-pci-revision takes effect on a modern virtio ID only
         * when the legacy interface is off (the seed's recipe). */
        bool transitional = false;
        bool modern_virtio = inf.vendor == 0x1AF4 && ost_virtio_type(inf.device, &transitional) && !transitional;
        line = dev.has_revision
                   ? ost_xasprintf("unbound: %s matches only REV_%02X, the device is REV_%02X", name, inf.revision,
                                   dev.revision)
                   : ost_xasprintf("unbound: %s matches only REV_%02X, the device reports no revision", name,
                                   inf.revision);
        fix = ost_xasprintf("give the device revision %02X (QEMU virtio devices: %sx-pci-revision=0x%02x), or stage a "
                            "package built for the device's revision",
                            inf.revision, modern_virtio ? "disable-legacy=on," : "", inf.revision);
        break;
    }
    case OST_MISS_TRANSITIONAL: {
        bool transitional;
        ost_virtio_type(dev.device, &transitional);
        line = ost_xasprintf("unbound: %s ID DEV_%04X, no package in the image lists it (%s binds only DEV_%04X)",
                             transitional ? "transitional" : "modern", dev.device, name, inf.device);
        fix = transitional ? ost_xasprintf("stage the package for the transitional device (an INF listing "
                                           "PCI\\VEN_%04X&DEV_%04X, such as the legacy package), or make the device "
                                           "modern-only (QEMU: disable-legacy=on,x-pci-revision=0x01)",
                                           dev.vendor, dev.device)
                           : ost_xasprintf("stage the package for the modern device (an INF listing "
                                           "PCI\\VEN_%04X&DEV_%04X), or start the device as transitional",
                                           dev.vendor, dev.device);
        break;
    }
    case OST_MISS_ARCHITECTURE:
        line = ost_xasprintf("unbound: %s lists the device, but not in a models section for %s", name,
                             ost_arch_name(arch));
        fix = ost_xasprintf("stage the package built for %s (with an NT%s models section)", ost_arch_name(arch),
                            ost_arch_inf_suffix(arch));
        break;
    case OST_MISS_SUBSYSTEM:
        line = dev.has_subsys ? ost_xasprintf("unbound: %s requires subsystem SUBSYS_%08X, the device is SUBSYS_%08X",
                                              name, inf.subsys, dev.subsys)
                              : ost_xasprintf("unbound: %s requires subsystem SUBSYS_%08X, the device reports none",
                                              name, inf.subsys);
        fix = dev.has_subsys ? ost_xasprintf("stage a package whose INF lists the device's subsystem (SUBSYS_%08X), "
                                             "or a model line without SUBSYS",
                                             dev.subsys)
                             : ost_xstrdup("stage a package whose INF lists the device without SUBSYS");
        break;
    case OST_MISS_DEVICE:
        kind = OST_DOCTOR_NO_PACKAGE;
        line = ost_xasprintf("unbound: no package for this device (%s is for device %04X of the same vendor)", name,
                             inf.device);
        break;
    }
    d->kind = kind;
    d->verdict = line;
    d->fix = fix;
}

/* What Windows recorded of a failure, and so what the verdict rests on. */
static void record_seen(struct ost_doctor_device *d, bool bound, ost_arch arch)
{
    const struct ost_setupapi_section *s = ost_doctor_latest_section(d);
    bool failed = d->node->has_config_flags && (d->node->config_flags & OST_CONFIGFLAG_FAILEDINSTALL);
    if (s && ost_doctor_signature_failed(s) && (arch == OST_ARCH_AMD64 || !bound)) {
        char *summary = ost_doctor_section_summary(s);
        d->seen = ost_xasprintf("setupapi.dev.log, the latest install section %s: its sig: lines report a signature "
                                "failure",
                                summary);
        free(summary);
    } else if (failed && !bound && d->kind != OST_DOCTOR_PENDING) {
        d->seen = ost_xstrdup(d->intended ? "ConfigFlags FAILEDINSTALL (0x40, Device Manager: Code 28): Windows tried "
                                            "to install the device and failed"
                                          : "ConfigFlags FAILEDINSTALL (0x40, Device Manager: Code 28): on a boot with "
                                            "the device Windows found no driver it could install");
    }
    /* A binding is recorded; a Code 52 inferred for a bound device is not. */
    bool recorded = ost_doctor_kind_ok(d->kind) || d->kind == OST_DOCTOR_BOUND_OTHER;
    d->basis = d->kind != OST_DOCTOR_PENDING && (d->seen || recorded) ? OST_DOCTOR_EVIDENCE : OST_DOCTOR_PREDICTED;
}

void ost_doctor_decide(struct ost_image *img, const struct ost_doctor_report *r, struct ost_doctor_device *d,
                       const struct ost_doctor_package *driver)
{
    ost_arch arch = img->info.arch;
    bool bound = d->node->service || d->node->driver;
    const struct ost_near_miss *x;
    d->expected = predicted_failure(d->intended ? ost_doctor_verdict_package(d->intended) : NULL);
    if (bound)
        decide_bound(d, arch);
    else if (d->intended)
        decide_matched_unbound(d);
    else if ((x = nearest_miss(r, d, driver)))
        decide_miss(d, x, arch);
    else
        set_verdict(d, OST_DOCTOR_NO_PACKAGE, ost_xstrdup("unbound: no package for this device"), NULL);
    if (!d->fix && d->kind == OST_DOCTOR_NO_PACKAGE)
        d->fix = ost_xasprintf("stage a package whose INF lists one of the device's hardware IDs (%s)",
                               d->node->hardware_ids.n ? d->node->hardware_ids.v[0] : d->node->instance_path);
    if (d->kind != OST_DOCTOR_NO_LOAD && d->kind != OST_DOCTOR_FAILED && d->kind != OST_DOCTOR_PENDING) {
        free(d->expected);
        d->expected = NULL;
    }
    record_seen(d, bound, arch);
    match_evidence(r, d);
    signature_evidence(d, arch);
    log_evidence(d);
}
