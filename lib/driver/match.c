/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "match.h"

#include <stdlib.h>
#include <string.h>

const char *ost_match_kind_name(enum ost_match_kind k)
{
    static const char *names[] = {"hardware-id", "hardware-id-to-compatible-id", "compatible-id-to-hardware-id",
                                  "compatible-id"};
    return names[k];
}

const char *ost_miss_reason_name(enum ost_miss_reason r)
{
    static const char *names[] = {"architecture", "transitional", "revision", "subsystem", "device"};
    return names[r];
}

/* How far a reason is from a fix, nearest first (match.h). */
static int miss_distance(enum ost_miss_reason r)
{
    static const int distance[] = {
        [OST_MISS_ARCHITECTURE] = 0, [OST_MISS_REVISION] = 1, [OST_MISS_SUBSYSTEM] = 2,
        [OST_MISS_TRANSITIONAL] = 3, [OST_MISS_DEVICE] = 4,
    };
    return distance[r];
}

int ost_near_miss_compare(const struct ost_near_miss *a, const struct ost_near_miss *b)
{
    return miss_distance(a->reason) - miss_distance(b->reason);
}

/* The model line's IDs: index 0 the hardware ID, then the compatible IDs. */
static const char *inf_id_at(const struct ost_model_line *ml, size_t k)
{
    return k == 0 ? ml->hardware_id : ml->compatible_ids.v[k - 1];
}

static size_t inf_id_count(const struct ost_model_line *ml)
{
    return 1 + ml->compatible_ids.n;
}

struct id_score {
    bool found;
    uint32_t score;
    enum ost_match_kind kind;
    size_t device_index, inf_index;
    const char *device_id;
};

static void consider(struct id_score *best, uint32_t score, enum ost_match_kind kind, size_t di, size_t ki,
                     const char *device_id)
{
    if (best->found && best->score <= score)
        return;
    *best = (struct id_score){true, score, kind, di, ki, device_id};
}

static struct id_score identifier_score(const struct ost_device_ids *dev, const struct ost_model_line *ml)
{
    struct id_score best = {0};
    for (size_t k = 0; k < inf_id_count(ml); k++) {
        const char *id = inf_id_at(ml, k);
        if (!id[0])
            continue;
        for (size_t i = 0; i < dev->hardware_ids.n; i++)
            if (ost_hwid_equal(dev->hardware_ids.v[i], id))
                consider(&best, (k == 0 ? 0x0000u : 0x1000u) + (uint32_t)(i & 0xFFF),
                         k == 0 ? OST_MATCH_HW_HW : OST_MATCH_HW_COMPAT, i, k, dev->hardware_ids.v[i]);
        for (size_t j = 0; j < dev->compatible_ids.n; j++)
            if (ost_hwid_equal(dev->compatible_ids.v[j], id))
                consider(&best,
                         k == 0 ? 0x2000u + (uint32_t)(j & 0xFFF)
                                : 0x3000u + (uint32_t)((j + (k - 1) * 0x100) & 0xFFF),
                         k == 0 ? OST_MATCH_COMPAT_HW : OST_MATCH_COMPAT_COMPAT, j, k, dev->compatible_ids.v[j]);
    }
    return best;
}

static uint8_t feature_score(const struct ost_driver_model *m, const struct ost_device *d)
{
    uint32_t v;
    const char *s = d->ddinstall ? ost_inf_get(m->inf, d->ddinstall, "FeatureScore", NULL) : NULL;
    if (s && ost_inf_parse_u32(s, &v) == 0 && v <= 0xFF)
        return (uint8_t)v;
    return 0xFF;
}

static int compare_driver_ver(const struct ost_driver_ver *a, const struct ost_driver_ver *b)
{
    unsigned long da = a->valid ? a->year * 10000ul + a->month * 100 + a->day : 0;
    unsigned long db = b->valid ? b->year * 10000ul + b->month * 100 + b->day : 0;
    if (da != db)
        return da > db ? 1 : -1;
    for (int i = 0; i < 4; i++)
        if (a->version[i] != b->version[i])
            return a->version[i] > b->version[i] ? 1 : -1;
    return 0;
}

static int compare_matches(const void *pa, const void *pb)
{
    const struct ost_match *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    /* equal rank: the newer driver first */
    return -compare_driver_ver(&a->model->version.driver_ver, &b->model->version.driver_ver);
}

/* ---- near misses ---------------------------------------------------------- */

static bool line_in_use(const struct ost_arch_model *am, const struct ost_model_line *ml)
{
    for (size_t i = 0; am && i < am->ndevices; i++)
        if (am->devices[i].model == ml)
            return true;
    return false;
}

static bool any_id_equal(const struct ost_device_ids *dev, const struct ost_model_line *ml, const char **which)
{
    for (size_t k = 0; k < inf_id_count(ml); k++) {
        const char *id = inf_id_at(ml, k);
        for (size_t i = 0; id[0] && i < dev->hardware_ids.n; i++)
            if (ost_hwid_equal(dev->hardware_ids.v[i], id))
                return *which = id, true;
        for (size_t j = 0; id[0] && j < dev->compatible_ids.n; j++)
            if (ost_hwid_equal(dev->compatible_ids.v[j], id))
                return *which = id, true;
    }
    return false;
}

static char *explain_architecture(const struct ost_driver_model *m, const struct ost_model_line *ml, ost_arch arch)
{
    const char *suffix = ost_arch_inf_suffix(arch);
    if (!ml->decorated || ml->decoration.arch == OST_ARCH_UNKNOWN)
        return ost_xasprintf("%s:%u: the ID is in [%s], which has no architecture decoration: on %s Windows uses "
                             "only NT%s-decorated models sections; list NT%s in [Manufacturer] and add [%s.NT%s]",
                             m->inf_name, ml->line, ml->models_section, ost_arch_name(arch), suffix, suffix,
                             ml->models_section, suffix);
    if (ml->decoration.arch != arch)
        return ost_xasprintf("%s:%u: the ID is in [%s], which is for %s only; the package has no models section "
                             "for %s (NT%s)",
                             m->inf_name, ml->line, ml->models_section, ost_arch_name(ml->decoration.arch),
                             ost_arch_name(arch), suffix);
    return ost_xasprintf("%s:%u: the ID is in [%s], which does not apply to Windows %u.%u on %s", m->inf_name,
                         ml->line, ml->models_section, m->os.major, m->os.minor, ost_arch_name(arch));
}

static char *explain_transitional(const struct ost_driver_model *m, const struct ost_model_line *ml,
                                  const struct ost_pci_id_parts *inf, const struct ost_pci_id_parts *dev)
{
    bool inf_transitional;
    unsigned type = ost_virtio_type(inf->device, &inf_transitional);
    if (!inf_transitional)
        return ost_xasprintf(
            "%s:%u: the device is the transitional virtio device DEV_%04X; this INF binds only the modern ID "
            "DEV_%04X (virtio type %u): stage a package for the transitional device (an INF matching "
            "PCI\\VEN_1AF4&DEV_%04X), or make the device modern-only (QEMU: disable-legacy=on,x-pci-revision=0x01)",
            m->inf_name, ml->line, dev->device, inf->device, type, dev->device);
    return ost_xasprintf("%s:%u: the device is the modern virtio device DEV_%04X; this INF binds only the "
                         "transitional ID DEV_%04X (virtio type %u): stage the package for the modern device, or "
                         "start it as a transitional device (QEMU: disable-legacy=off)",
                         m->inf_name, ml->line, dev->device, inf->device, type);
}

/* How close one INF ID comes to one device ID, as a miss reason; returns
 * false when they do not even share a vendor. */
static bool compare_pci(const struct ost_pci_id_parts *inf, const struct ost_pci_id_parts *dev,
                        enum ost_miss_reason *reason)
{
    if (!inf->has_vendor || !dev->has_vendor || inf->vendor != dev->vendor)
        return false;
    if (inf->has_device && dev->has_device && inf->device != dev->device) {
        bool ti, td;
        unsigned a = ost_virtio_type(inf->device, &ti), b = ost_virtio_type(dev->device, &td);
        *reason = inf->vendor == 0x1AF4 && a && a == b && ti != td ? OST_MISS_TRANSITIONAL : OST_MISS_DEVICE;
        return true;
    }
    if (!inf->has_device || !dev->has_device)
        return false;
    if (inf->has_subsys && (!dev->has_subsys || dev->subsys != inf->subsys)) {
        *reason = OST_MISS_SUBSYSTEM;
        return true;
    }
    if (inf->has_revision && (!dev->has_revision || dev->revision != inf->revision)) {
        *reason = OST_MISS_REVISION;
        return true;
    }
    return false;
}

static char *explain(const struct ost_driver_model *m, const struct ost_model_line *ml, enum ost_miss_reason r,
                     const struct ost_pci_id_parts *inf, const struct ost_pci_id_parts *dev, const char *inf_id)
{
    switch (r) {
    case OST_MISS_TRANSITIONAL:
        return explain_transitional(m, ml, inf, dev);
    case OST_MISS_REVISION:
        if (!dev->has_revision)
            return ost_xasprintf("%s:%u: the INF matches only %s, revision %02X, and no revision is known for the "
                                 "device (give it: --pci VEN:DEV:SUBSYS:REV)",
                                 m->inf_name, ml->line, inf_id, inf->revision);
        return ost_xasprintf("%s:%u: the INF matches only revision REV_%02X (%s) but the device reports REV_%02X: "
                             "give the device that revision (QEMU virtio devices: x-pci-revision=0x%02x) or use a "
                             "package built for revision %02X",
                             m->inf_name, ml->line, inf->revision, inf_id, dev->revision, inf->revision, dev->revision);
    case OST_MISS_SUBSYSTEM:
        if (!dev->has_subsys)
            return ost_xasprintf("%s:%u: the INF requires subsystem SUBSYS_%08X (%s) and no subsystem is known for "
                                 "the device",
                                 m->inf_name, ml->line, inf->subsys, inf_id);
        return ost_xasprintf("%s:%u: the INF requires subsystem SUBSYS_%08X (%s) but the device reports "
                             "SUBSYS_%08X",
                             m->inf_name, ml->line, inf->subsys, inf_id, dev->subsys);
    case OST_MISS_DEVICE:
        return ost_xasprintf("%s:%u: same vendor %04X, but the INF is for device %04X (%s) and this device is %04X",
                             m->inf_name, ml->line, inf->vendor, inf->device, inf_id, dev->device);
    case OST_MISS_ARCHITECTURE:
        break;
    }
    return ost_xstrdup("");
}

struct miss_candidate {
    bool found;
    bool in_use; /* the line is in a models section used on this arch */
    enum ost_miss_reason reason;
    const struct ost_model_line *line;
    const char *inf_id;
    struct ost_pci_id_parts inf, dev;
};

static void consider_line(const struct ost_device_ids *dev, const struct ost_model_line *ml, bool in_use,
                          struct miss_candidate *best)
{
    const struct ost_strlist *lists[] = {&dev->hardware_ids, &dev->compatible_ids};
    for (size_t k = 0; k < inf_id_count(ml); k++) {
        struct ost_pci_id_parts ip;
        if (!ost_pci_id_split(inf_id_at(ml, k), &ip))
            continue;
        for (int l = 0; l < 2; l++) {
            for (size_t i = 0; i < lists[l]->n; i++) {
                struct ost_pci_id_parts dp;
                enum ost_miss_reason r;
                if (!ost_pci_id_split(lists[l]->v[i], &dp) || !compare_pci(&ip, &dp, &r))
                    continue;
                /* at equal distance, cite the line the architecture uses */
                int nearer = best->found ? miss_distance(r) - miss_distance(best->reason) : -1;
                if (nearer < 0 || (nearer == 0 && in_use && !best->in_use))
                    *best = (struct miss_candidate){true, in_use, r, ml, inf_id_at(ml, k), ip, dp};
            }
        }
    }
}

static bool nearest_miss(const struct ost_device_ids *dev, const struct ost_driver_model *m, ost_arch arch,
                         struct ost_near_miss *out)
{
    const struct ost_arch_model *am = ost_driver_model_arch(m, arch);
    struct miss_candidate best = {0};
    for (size_t i = 0; i < m->nmodel_lines; i++) {
        const struct ost_model_line *ml = &m->model_lines[i];
        const char *which;
        bool in_use = line_in_use(am, ml);
        if (!in_use && any_id_equal(dev, ml, &which)) {
            *out = (struct ost_near_miss){m, ml, OST_MISS_ARCHITECTURE, which, explain_architecture(m, ml, arch)};
            return true;
        }
        consider_line(dev, ml, in_use, &best);
    }
    if (!best.found)
        return false;
    *out = (struct ost_near_miss){m, best.line, best.reason, best.inf_id,
                                  explain(m, best.line, best.reason, &best.inf, &best.dev, best.inf_id)};
    return true;
}

/* Stable, so that misses as near as each other keep the packages' order. */
static void sort_misses(struct ost_near_miss *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct ost_near_miss x = v[i];
        size_t j = i;
        for (; j > 0 && ost_near_miss_compare(&v[j - 1], &x) > 0; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* ---- entry point ---------------------------------------------------------- */

static void match_model(const struct ost_device_ids *dev, const struct ost_match_input *in, ost_arch arch,
                        struct ost_match_result *out, size_t *cap)
{
    const struct ost_arch_model *am = ost_driver_model_arch(in->model, arch);
    for (size_t i = 0; am && i < am->ndevices; i++) {
        const struct ost_device *d = &am->devices[i];
        struct id_score s = identifier_score(dev, d->model);
        if (!s.found)
            continue;
        uint8_t ss = in->trusted_signature ? 0x00 : d->nt_extension ? 0x80 : 0xC0;
        uint8_t gg = feature_score(in->model, d);
        ost_grow(&out->matches, cap, out->nmatches + 1, sizeof *out->matches);
        out->matches[out->nmatches++] = (struct ost_match){
            .model = in->model, .device = d, .kind = s.kind, .device_id_index = s.device_index,
            .device_id = s.device_id, .inf_id_index = s.inf_index, .inf_id = inf_id_at(d->model, s.inf_index),
            .signature_score = ss, .feature_score = gg,
            .rank = (uint32_t)ss << 24 | (uint32_t)gg << 16 | s.score,
        };
    }
}

void ost_match_device(const struct ost_device_ids *device, const struct ost_match_input *inputs, size_t ninputs,
                      ost_arch arch, struct ost_match_result *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0, miss_cap = 0;
    for (size_t i = 0; i < ninputs; i++) {
        size_t before = out->nmatches;
        match_model(device, &inputs[i], arch, out, &cap);
        struct ost_near_miss miss;
        if (out->nmatches == before && nearest_miss(device, inputs[i].model, arch, &miss)) {
            ost_grow(&out->misses, &miss_cap, out->nmisses + 1, sizeof *out->misses);
            out->misses[out->nmisses++] = miss;
        }
    }
    if (out->nmatches) {
        qsort(out->matches, out->nmatches, sizeof *out->matches, compare_matches);
        out->matches[0].best = true;
    }
    sort_misses(out->misses, out->nmisses);
}

void ost_match_result_free(struct ost_match_result *r)
{
    for (size_t i = 0; i < r->nmisses; i++)
        free(r->misses[i].explanation);
    free(r->misses);
    free(r->matches);
    memset(r, 0, sizeof *r);
}
