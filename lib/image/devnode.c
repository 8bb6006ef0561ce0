/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "devnode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

#define FINDING_CODE "devnode-value"

/* ---- reading one devnode, tolerating what Windows (or damage) left ---------- */

struct reader {
    struct ost_hive *h;
    ost_hkey key;
    const char *where; /* "ControlSet001\Enum\PCI\...\inst", for findings */
    struct ost_devnode *dn;
};

static void finding(struct reader *r, ost_severity sev, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void finding(struct reader *r, ost_severity sev, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ost_diag_add(&r->dn->findings, sev, OST_SYSTEM_HIVE, 0, FINDING_CODE, "%s: %s", r->where, what);
}

/* A REG_SZ (or REG_EXPAND_SZ) value; NULL when absent or of another type. */
static char *read_string(struct reader *r, const char *name)
{
    uint32_t type;
    uint8_t *data;
    size_t size;
    if (!ost_hive_get_raw(r->h, r->key, name, &type, &data, &size))
        return NULL;
    char *s = NULL;
    if (type == OST_REG_SZ || type == OST_REG_EXPAND_SZ)
        s = ost_utf16le_to_utf8(data, size);
    else
        finding(r, OST_SEV_WARNING, "value %s is %s, expected REG_SZ; ignored", name, ost_reg_type_name(type));
    free(data);
    return s;
}

static void read_id_list(struct reader *r, const char *name, struct ost_strlist *out)
{
    uint32_t type;
    uint8_t *data;
    size_t size;
    if (!ost_hive_get_raw(r->h, r->key, name, &type, &data, &size))
        return;
    free(data);
    if (type == OST_REG_MULTI_SZ) {
        ost_hive_get_multi_string(r->h, r->key, name, out);
    } else if (type == OST_REG_SZ || type == OST_REG_EXPAND_SZ) {
        char *s = ost_hive_get_string(r->h, r->key, name);
        if (s && *s)
            ost_strlist_add(out, s);
        free(s);
        finding(r, OST_SEV_WARNING, "value %s is %s, expected REG_MULTI_SZ; read as one ID", name,
                ost_reg_type_name(type));
    } else {
        finding(r, OST_SEV_WARNING, "value %s is %s, expected REG_MULTI_SZ; ignored", name, ost_reg_type_name(type));
    }
}

static void read_config_flags(struct reader *r)
{
    uint32_t type;
    uint8_t *data;
    size_t size;
    if (!ost_hive_get_raw(r->h, r->key, "ConfigFlags", &type, &data, &size))
        return;
    if (type == OST_REG_DWORD && size == 4) {
        r->dn->has_config_flags = true;
        r->dn->config_flags = ost_le32(data);
    } else {
        finding(r, OST_SEV_WARNING, "value ConfigFlags is %s of %zu bytes, expected a 4-byte REG_DWORD; ignored",
                ost_reg_type_name(type), size);
    }
    free(data);
}

/* "{4d36e96c-e325-11ce-bfc1-08002be10318}\0004" */
bool ost_driver_value_wellformed(const char *s)
{
    size_t n = strlen(s);
    if (n < 40 || s[0] != '{' || s[37] != '}' || s[38] != '\\')
        return false;
    for (size_t i = 1; i < 37; i++)
        if (!(s[i] == '-' || (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    for (size_t i = 39; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void read_devnode(struct reader *r)
{
    struct ost_devnode *dn = r->dn;
    read_id_list(r, "HardwareID", &dn->hardware_ids);
    read_id_list(r, "CompatibleIDs", &dn->compatible_ids);
    dn->service = read_string(r, "Service");
    dn->driver = read_string(r, "Driver");
    dn->class_guid = read_string(r, "ClassGUID");
    dn->device_desc = read_string(r, "DeviceDesc");
    dn->mfg = read_string(r, "Mfg");
    read_config_flags(r);
    if (dn->driver && !ost_driver_value_wellformed(dn->driver)) {
        finding(r, OST_SEV_WARNING, "value Driver is '%s', not {class-guid}\\NNNN; its driver key is unknown",
                dn->driver);
    } else if (dn->driver && !dn->class_guid) {
        dn->class_guid = ost_xstrndup(dn->driver, 38);
    }
    dn->inf = ost_indirect_string_inf(dn->device_desc);
    if (!dn->inf)
        dn->inf = ost_indirect_string_inf(dn->mfg);
    if (!dn->hardware_ids.n && !ost_has_prefix_ci(dn->instance_path, "ROOT\\LEGACY_"))
        finding(r, OST_SEV_NOTE, "no HardwareID value: the device can only be found by its instance path");
}

/* ---- the list ------------------------------------------------------------- */

static struct ost_devnode *add_devnode(struct ost_devnodes *d)
{
    ost_grow(&d->v, &d->cap, d->n + 1, sizeof *d->v);
    struct ost_devnode *dn = &d->v[d->n++];
    memset(dn, 0, sizeof *dn);
    return dn;
}

/* Key names come from the hive; one with a backslash could not be looked up
 * again by path (and Windows never writes one). */
static bool usable_name(const char *name)
{
    return *name && !strchr(name, '\\');
}

static void list_device(struct ost_image *img, struct ost_devnodes *out, ost_hkey dev_key, const char *enumerator,
                        const char *device)
{
    struct ost_strlist insts = {0};
    ost_hive_subkeys(img->system, dev_key, &insts);
    for (size_t i = 0; i < insts.n; i++) {
        if (!usable_name(insts.v[i]))
            continue;
        struct ost_devnode *dn = add_devnode(out);
        dn->enumerator = ost_xstrdup(enumerator);
        dn->instance_path = ost_xasprintf("%s\\%s\\%s", enumerator, device, insts.v[i]);
        char *where = ost_xasprintf("%s\\Enum\\%s", img->info.control_set_name, dn->instance_path);
        struct reader r = {img->system, ost_hive_key(img->system, dev_key, insts.v[i]), where, dn};
        read_devnode(&r);
        free(where);
    }
    ost_strlist_free(&insts);
}

ost_status ost_devnodes_list(struct ost_image *img, struct ost_devnodes *out, struct ost_error *err)
{
    (void)err; /* every problem of a devnode is a finding on it */
    memset(out, 0, sizeof *out);
    ost_hkey enum_key = ost_hive_key(img->system, img->control_set, "Enum");
    if (!enum_key)
        return OST_OK;
    struct ost_strlist enums = {0};
    ost_hive_subkeys(img->system, enum_key, &enums);
    for (size_t i = 0; i < enums.n; i++) {
        if (!usable_name(enums.v[i]))
            continue;
        ost_hkey ek = ost_hive_key(img->system, enum_key, enums.v[i]);
        struct ost_strlist devs = {0};
        ost_hive_subkeys(img->system, ek, &devs);
        for (size_t k = 0; k < devs.n; k++)
            if (usable_name(devs.v[k]))
                list_device(img, out, ost_hive_key(img->system, ek, devs.v[k]), enums.v[i], devs.v[k]);
        ost_strlist_free(&devs);
    }
    ost_strlist_free(&enums);
    return OST_OK;
}

static void devnode_free(struct ost_devnode *dn)
{
    free(dn->instance_path), free(dn->enumerator), free(dn->service), free(dn->driver), free(dn->class_guid);
    free(dn->device_desc), free(dn->mfg), free(dn->inf);
    ost_strlist_free(&dn->hardware_ids);
    ost_strlist_free(&dn->compatible_ids);
    ost_diags_free(&dn->findings);
}

void ost_devnodes_free(struct ost_devnodes *d)
{
    for (size_t i = 0; i < d->n; i++)
        devnode_free(&d->v[i]);
    free(d->v);
    memset(d, 0, sizeof *d);
}

const struct ost_devnode *ost_devnodes_find(const struct ost_devnodes *d, const char *instance_path)
{
    for (size_t i = 0; i < d->n; i++)
        if (ost_streq_ci(d->v[i].instance_path, instance_path))
            return &d->v[i];
    return NULL;
}

/* spec equals id, or is a prefix of it ending where one of its &-parts does */
static bool id_names(const char *id, const char *spec)
{
    size_t n = strlen(spec);
    return n && ost_strncasecmp(id, spec, n) == 0 && (id[n] == '\0' || id[n] == '&');
}

static bool devnode_named_by_hwid(const struct ost_devnode *dn, const char *spec)
{
    for (size_t i = 0; i < dn->hardware_ids.n; i++)
        if (id_names(dn->hardware_ids.v[i], spec))
            return true;
    const char *last = strrchr(dn->instance_path, '\\');
    char *device = ost_xstrndup(dn->instance_path, last ? (size_t)(last - dn->instance_path) : strlen(dn->instance_path));
    bool named = id_names(device, spec);
    free(device);
    return named;
}

size_t ost_devnodes_match(const struct ost_devnodes *d, const char *spec, const struct ost_devnode ***out)
{
    *out = NULL;
    const struct ost_devnode *exact = ost_devnodes_find(d, spec);
    size_t n = 0, cap = 0;
    if (exact) {
        ost_grow(out, &cap, 1, sizeof **out);
        (*out)[n++] = exact;
        return n;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (!devnode_named_by_hwid(&d->v[i], spec))
            continue;
        ost_grow(out, &cap, n + 1, sizeof **out);
        (*out)[n++] = &d->v[i];
    }
    return n;
}

/* ---- ConfigFlags and strings -------------------------------------------------- */

static const char *const config_flag_names[] = {
    "DISABLED", "REMOVED", "MANUAL_INSTALL", "IGNORE_BOOT_LC", "NET_BOOT", "REINSTALL", "FAILEDINSTALL",
    "CANTSTOPACHILD", "OKREMOVEROM", "NOREMOVEEXIT", "FINISH_INSTALL", "NEEDS_FORCED_CONFIG", "NETBOOT_CARD",
    "PARTIAL_LOG_CONF", "SUPPRESS_SURPRISE", "VERIFY_HARDWARE", "FINISHINSTALL_UI", "FINISHINSTALL_ACTION",
    "BOOT_DEVICE",
};

void ost_config_flags_names(uint32_t flags, struct ost_strlist *out)
{
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        if (bit < sizeof config_flag_names / sizeof config_flag_names[0])
            ost_strlist_add(out, config_flag_names[bit]);
        else
            ost_strlist_add_owned(out, ost_xasprintf("0x%08X", 1u << bit));
    }
}

char *ost_config_flags_describe(uint32_t flags)
{
    struct ost_strlist names = {0};
    ost_config_flags_names(flags, &names);
    struct ost_buf b = {0};
    ost_buf_addf(&b, "0x%08X (", flags);
    for (size_t i = 0; i < names.n; i++)
        ost_buf_addf(&b, "%s%s", i ? "|" : "", names.v[i]);
    ost_buf_adds(&b, names.n ? ")" : "none)");
    ost_strlist_free(&names);
    return ost_buf_steal(&b);
}

char *ost_indirect_string_inf(const char *s)
{
    if (!s || s[0] != '@')
        return NULL;
    size_t n = strcspn(s + 1, ",;");
    if (n < 5 || s[1 + n] != ',')
        return NULL;
    char *inf = ost_xstrndup(s + 1, n);
    if (!ost_has_suffix_ci(inf, ".inf") || strchr(inf, '\\')) {
        free(inf);
        return NULL;
    }
    return inf;
}

const char *ost_reg_type_name(uint32_t type)
{
    static const char *const names[] = {
        "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_LINK",
        "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR", "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD",
    };
    return type < sizeof names / sizeof names[0] ? names[type] : "REG_UNKNOWN";
}
