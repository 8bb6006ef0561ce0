/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "hwid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_hex(const char *s, size_t len, size_t max_digits, uint32_t *out)
{
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2, len -= 2;
    if (len == 0 || len > max_digits)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
        if (d > 15)
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

ost_status ost_pci_identity_parse(const char *spec, struct ost_pci_identity *out, struct ost_error *err)
{
    static const char *part_names[] = {"vendor ID (4 hex digits)", "device ID (4 hex digits)",
                                       "subsystem (8 hex digits: subsystem ID then subsystem vendor, e.g. 00191af4)",
                                       "revision (2 hex digits)"};
    static const size_t widths[] = {4, 4, 8, 2};
    memset(out, 0, sizeof *out);
    const char *p = spec;
    for (int i = 0; i < 4; i++) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        uint32_t v;
        /* a short SUBSYS is ambiguous: which half is the vendor? */
        size_t digits = len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') ? len - 2 : len;
        if (!parse_hex(p, len, widths[i], &v) || (i == 2 && digits != 8))
            return ost_fail(err, OST_ERR_USAGE, "--pci %s: part %d, '%.*s', is not a %s", spec, i + 1, (int)len, p,
                            part_names[i]);
        switch (i) {
        case 0: out->vendor = (uint16_t)v; break;
        case 1: out->device = (uint16_t)v; break;
        case 2: out->has_subsys = true, out->subsys = v; break;
        case 3: out->has_revision = true, out->revision = (uint8_t)v; break;
        }
        if (!colon) {
            if (i == 0)
                return ost_fail(err, OST_ERR_USAGE, "--pci %s: give at least VEN:DEV, e.g. 1af4:1059", spec);
            return OST_OK;
        }
        p = colon + 1;
    }
    return ost_fail(err, OST_ERR_USAGE, "--pci %s: too many parts; the form is VEN:DEV[:SUBSYS[:REV]]", spec);
}

ost_status ost_pci_class_parse(const char *spec, struct ost_pci_identity *out, struct ost_error *err)
{
    uint32_t v;
    if (strlen(spec) != 6 || !parse_hex(spec, 6, 6, &v))
        return ost_fail(err, OST_ERR_USAGE,
                        "--class-code %s: want 6 hex digits (base class, subclass, interface), e.g. 040100", spec);
    out->has_class = true;
    out->class_code = v;
    return OST_OK;
}

void ost_pci_default_class(struct ost_pci_identity *p)
{
    bool transitional;
    if (!p->has_class && p->vendor == 0x1af4 && ost_virtio_type(p->device, &transitional) == 25) {
        p->has_class = true;
        p->class_code = 0x040100;
    }
}

void ost_pci_expand(const struct ost_pci_identity *p, struct ost_device_ids *out)
{
    char vd[32], ven[16];
    snprintf(vd, sizeof vd, "PCI\\VEN_%04X&DEV_%04X", p->vendor, p->device);
    snprintf(ven, sizeof ven, "PCI\\VEN_%04X", p->vendor);
    struct ost_strlist *hw = &out->hardware_ids, *cid = &out->compatible_ids;
    /* With a subsystem, the IDs without it are only compatible: a driver
     * for the bare chip must not outrank the board vendor's. */
    bool subsys_set = p->has_subsys && p->subsys != 0;
    if (p->has_subsys) {
        if (p->has_revision)
            ost_strlist_add_owned(hw, ost_xasprintf("%s&SUBSYS_%08X&REV_%02X", vd, p->subsys, p->revision));
        ost_strlist_add_owned(hw, ost_xasprintf("%s&SUBSYS_%08X", vd, p->subsys));
    }
    struct ost_strlist *bare = subsys_set ? cid : hw;
    if (p->has_revision)
        ost_strlist_add_owned(bare, ost_xasprintf("%s&REV_%02X", vd, p->revision));
    ost_strlist_add(bare, vd);
    if (p->has_class) {
        ost_strlist_add_owned(hw, ost_xasprintf("%s&CC_%06X", vd, p->class_code));
        ost_strlist_add_owned(hw, ost_xasprintf("%s&CC_%04X", vd, p->class_code >> 8));
        ost_strlist_add_owned(cid, ost_xasprintf("%s&CC_%06X", ven, p->class_code));
        ost_strlist_add_owned(cid, ost_xasprintf("%s&CC_%04X", ven, p->class_code >> 8));
    }
    ost_strlist_add(cid, ven);
    if (p->has_class) {
        ost_strlist_add_owned(cid, ost_xasprintf("PCI\\CC_%06X", p->class_code));
        ost_strlist_add_owned(cid, ost_xasprintf("PCI\\CC_%04X", p->class_code >> 8));
    }
}

void ost_device_ids_free(struct ost_device_ids *ids)
{
    ost_strlist_free(&ids->hardware_ids);
    ost_strlist_free(&ids->compatible_ids);
}

bool ost_hwid_equal(const char *a, const char *b)
{
    return ost_streq_ci(a, b);
}

char *ost_hwid_vendor(const char *id)
{
    const char *slash = strchr(id, '\\');
    if (!slash || slash == id)
        return NULL;
    for (const char *p = slash + 1; *p;) {
        size_t n = strcspn(p, "&\\");
        if (n == 8 && (ost_has_prefix_ci(p, "VEN_") || ost_has_prefix_ci(p, "VID_"))) {
            char *key = ost_xasprintf("%.*s\\%.*s", (int)(slash - id), id, (int)n, p);
            ost_str_upper(key);
            return key;
        }
        if (p[n] != '&')
            break;
        p += n + 1;
    }
    return NULL;
}

bool ost_hwids_have_vendor(const struct ost_strlist *ids, const char *vendor)
{
    for (size_t i = 0; i < ids->n; i++) {
        char *v = ost_hwid_vendor(ids->v[i]);
        bool hit = v && ost_streq_ci(v, vendor);
        free(v);
        if (hit)
            return true;
    }
    return false;
}

static bool take_field(const char *part, const char *name, size_t digits, uint32_t *out)
{
    size_t n = strlen(name);
    if (ost_strncasecmp(part, name, n) != 0)
        return false;
    return parse_hex(part + n, strlen(part + n), digits, out) && strlen(part + n) == digits;
}

bool ost_pci_id_split(const char *id, struct ost_pci_id_parts *out)
{
    memset(out, 0, sizeof *out);
    if (ost_strncasecmp(id, "PCI\\", 4) != 0)
        return false;
    char *copy = ost_xstrdup(id + 4);
    char *save = NULL;
    bool ok = true;
    for (char *part = strtok_r(copy, "&", &save); part && ok; part = strtok_r(NULL, "&", &save)) {
        uint32_t v;
        if (take_field(part, "VEN_", 4, &v))
            out->has_vendor = true, out->vendor = v;
        else if (take_field(part, "DEV_", 4, &v))
            out->has_device = true, out->device = v;
        else if (take_field(part, "SUBSYS_", 8, &v))
            out->has_subsys = true, out->subsys = v;
        else if (take_field(part, "REV_", 2, &v))
            out->has_revision = true, out->revision = v;
        else if (ost_has_prefix_ci(part, "CC_") && strlen(part) <= 9) {
            out->has_class = true;
            snprintf(out->class_code, sizeof out->class_code, "%s", part + 3);
        } else {
            ok = false;
        }
    }
    free(copy);
    return ok;
}

/* Transitional IDs of the virtio devices that predate virtio 1.0 (virtio
 * spec 1.1, §4.1.2.1); later device types follow 0x1000 + type - 1, which
 * is what QEMU reports (virtio-snd, type 25: 0x1018). */
static const struct {
    unsigned id, type;
} legacy_ids[] = {
    {0x1000, 1}, {0x1001, 2}, {0x1002, 5}, {0x1003, 3}, {0x1004, 8}, {0x1005, 4}, {0x1009, 9},
};

unsigned ost_virtio_type(unsigned device_id, bool *transitional)
{
    if (device_id >= 0x1040 && device_id <= 0x107F) {
        *transitional = false;
        return device_id - 0x1040;
    }
    if (device_id >= 0x1000 && device_id <= 0x103F) {
        *transitional = true;
        for (unsigned i = 0; i < sizeof legacy_ids / sizeof legacy_ids[0]; i++)
            if (legacy_ids[i].id == device_id)
                return legacy_ids[i].type;
        return device_id - 0x1000 + 1;
    }
    return 0;
}

unsigned ost_virtio_transitional_id(unsigned type)
{
    for (unsigned i = 0; i < sizeof legacy_ids / sizeof legacy_ids[0]; i++)
        if (legacy_ids[i].type == type)
            return legacy_ids[i].id;
    return 0x1000 + type - 1;
}
