/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "devparam.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "hwid.h"

#define MAX_NAME_CHARS 255

void ost_param_free(struct ost_param *p)
{
    free(p->name);
    free(p->text);
    memset(p, 0, sizeof *p);
}

void ost_params_free(struct ost_params *p)
{
    for (size_t i = 0; i < p->n; i++)
        ost_param_free(&p->v[i]);
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* ---- validation ---------------------------------------------------------- */

ost_status ost_param_check_name(const char *name, struct ost_error *err)
{
    if (!*name)
        return ost_fail(err, OST_ERR_USAGE, "a value name is empty (write NAME=VALUE)");
    size_t chars = 0, len = strlen(name);
    for (size_t i = 0; i < len; chars++) {
        uint32_t cp;
        size_t n = ost_utf8_decode((const uint8_t *)name + i, len - i, &cp);
        if (!n)
            return ost_fail(err, OST_ERR_USAGE, "value name '%s': byte %zu is not UTF-8", name, i + 1);
        if (cp < 0x20 || cp == 0x7f)
            return ost_fail(err, OST_ERR_USAGE, "value name '%s': character %zu is a control character", name,
                            chars + 1);
        if (cp == '\\' || cp == '/')
            return ost_fail(err, OST_ERR_USAGE,
                            "value name '%s': character %zu is a path separator; a parameter is a value of the "
                            "Parameters key, not a path below it",
                            name, chars + 1);
        i += n;
    }
    if (chars > MAX_NAME_CHARS)
        return ost_fail(err, OST_ERR_USAGE, "value name '%.40s...' has %zu characters; at most %d", name, chars,
                        MAX_NAME_CHARS);
    return OST_OK;
}

static bool parse_dword(const char *s, uint32_t *out)
{
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = hex ? s + 2 : s;
    if (!*digits)
        return false;
    uint64_t v = 0;
    for (const char *p = digits; *p; p++) {
        unsigned d;
        if (*p >= '0' && *p <= '9')
            d = (unsigned)(*p - '0');
        else if (hex && *p >= 'a' && *p <= 'f')
            d = (unsigned)(*p - 'a' + 10);
        else if (hex && *p >= 'A' && *p <= 'F')
            d = (unsigned)(*p - 'A' + 10);
        else
            return false;
        v = v * (hex ? 16 : 10) + d;
        if (v > 0xFFFFFFFFu)
            return false;
    }
    *out = (uint32_t)v;
    return true;
}

ost_status ost_param_parse_assignment(const char *arg, uint32_t type, struct ost_param *out,
                                      struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq)
        return ost_fail(err, OST_ERR_USAGE, "'%s': write NAME=VALUE", arg);
    char *name = ost_xstrndup(arg, (size_t)(eq - arg));
    ost_status st = ost_param_check_name(name, err);
    if (st != OST_OK) {
        free(name);
        return st;
    }
    const char *value = eq + 1;
    if (type == OST_REG_DWORD) {
        uint32_t v;
        if (!parse_dword(value, &v)) {
            free(name);
            return ost_fail(err, OST_ERR_USAGE,
                            "'%s': a REG_DWORD value is a number from 0 to 4294967295, in decimal or 0x hex "
                            "(0xFFFFFFFF); give --type sz for text",
                            arg);
        }
        out->is_dword = true;
        out->dword = v;
        out->text = ost_xasprintf("%u", v);
    } else if (type == OST_REG_SZ) {
        if (!ost_utf8_valid(value, strlen(value))) {
            free(name);
            return ost_fail(err, OST_ERR_USAGE, "'%s': the value is not UTF-8 text", arg);
        }
        out->text = ost_xstrdup(value);
    } else {
        free(name);
        return ost_fail(err, OST_ERR_USAGE, "values are REG_DWORD or REG_SZ");
    }
    out->name = name;
    out->type = type;
    return OST_OK;
}

/* ---- where ------------------------------------------------------------------- */

ost_status ost_param_key_path(const struct ost_devnode *dn, ost_param_location where, char **out,
                              struct ost_error *err)
{
    *out = NULL;
    if (where == OST_PARAM_DEVICE) {
        *out = ost_xasprintf("Enum\\%s\\Device Parameters\\Parameters", dn->instance_path);
        return OST_OK;
    }
    if (!dn->driver)
        return ost_fail(err, OST_NEGATIVE,
                        "%s has no driver bound yet (its devnode has no Driver value), so it has no driver key; "
                        "set the value without --driver-key, under Device Parameters\\Parameters",
                        dn->instance_path);
    if (!ost_driver_value_wellformed(dn->driver))
        return ost_fail(err, OST_ERR_CORRUPT,
                        "%s: %s: the devnode's Driver value '%s' is not {class-guid}\\NNNN; its driver key "
                        "cannot be found",
                        OST_SYSTEM_HIVE, dn->instance_path, dn->driver);
    *out = ost_xasprintf("Control\\Class\\%s", dn->driver);
    return OST_OK;
}

/* The key, or 0 when it does not exist. */
static ost_status find_key(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                           ost_hkey *key, char **path, struct ost_error *err)
{
    *key = 0;
    ost_status st = ost_param_key_path(dn, where, path, err);
    if (st == OST_OK)
        *key = ost_hive_key(img->system, img->control_set, *path);
    return st;
}

/* ---- reading ------------------------------------------------------------------ */

static char *hex_bytes(const uint8_t *d, size_t n)
{
    struct ost_buf b = {0};
    for (size_t i = 0; i < n; i++)
        ost_buf_addf(&b, "%s%02x", i ? " " : "", d[i]);
    return ost_buf_steal(&b);
}

static void read_param(struct ost_hive *h, ost_hkey key, const char *name, struct ost_param *out)
{
    memset(out, 0, sizeof *out);
    out->name = ost_xstrdup(name);
    uint8_t *data = NULL;
    size_t size = 0;
    if (!ost_hive_get_raw(h, key, name, &out->type, &data, &size)) {
        out->text = ost_xstrdup("");
        return;
    }
    if (out->type == OST_REG_DWORD && size == 4) {
        out->is_dword = true;
        out->dword = ost_le32(data);
        out->text = ost_xasprintf("%u", out->dword);
    } else if (out->type == OST_REG_SZ || out->type == OST_REG_EXPAND_SZ) {
        out->text = ost_utf16le_to_utf8(data, size);
    } else if (out->type == OST_REG_MULTI_SZ) {
        struct ost_strlist l = {0};
        struct ost_buf b = {0};
        ost_hive_get_multi_string(h, key, name, &l);
        for (size_t i = 0; i < l.n; i++)
            ost_buf_addf(&b, "%s%s", i ? "; " : "", l.v[i]);
        out->text = ost_buf_steal(&b);
        ost_strlist_free(&l);
    } else {
        out->text = hex_bytes(data, size);
    }
    free(data);
}

ost_status ost_params_list(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                           struct ost_params *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    ost_hkey key;
    char *path;
    ost_status st = find_key(img, dn, where, &key, &path, err);
    free(path);
    if (st != OST_OK || !key)
        return st;
    struct ost_strlist names = {0};
    ost_hive_value_names(img->system, key, &names);
    for (size_t i = 0; i < names.n; i++) {
        ost_grow(&out->v, &out->cap, out->n + 1, sizeof *out->v);
        read_param(img->system, key, names.v[i], &out->v[out->n++]);
    }
    ost_strlist_free(&names);
    return OST_OK;
}

/* The value's name as stored (names compare case-insensitively); NULL when absent. */
static char *stored_name(struct ost_hive *h, ost_hkey key, const char *name)
{
    struct ost_strlist names = {0};
    char *found = NULL;
    if (key)
        ost_hive_value_names(h, key, &names);
    for (size_t i = 0; i < names.n && !found; i++)
        if (ost_streq_ci(names.v[i], name))
            found = ost_xstrdup(names.v[i]);
    ost_strlist_free(&names);
    return found;
}

static ost_status no_value(const struct ost_devnode *dn, const char *path, const char *name, struct ost_error *err)
{
    return ost_fail(err, OST_NEGATIVE, "%s: no value %s under %s", dn->instance_path, name, path);
}

ost_status ost_param_get(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                         const char *name, struct ost_param *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    ost_hkey key;
    char *path;
    ost_status st = find_key(img, dn, where, &key, &path, err);
    char *stored = st == OST_OK ? stored_name(img->system, key, name) : NULL;
    if (st == OST_OK && !stored)
        st = no_value(dn, path, name, err);
    if (stored)
        read_param(img->system, key, stored, out);
    free(stored);
    free(path);
    return st;
}

/* ---- writing ------------------------------------------------------------------ */

static ost_status writable_key(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                               ost_hkey *key, struct ost_error *err)
{
    char *path;
    ost_status st = find_key(img, dn, where, key, &path, err);
    if (st == OST_OK && !*key && where == OST_PARAM_DRIVER_KEY) {
        char *note = ost_hive_missing_note(img->system, img->control_set, path);
        st = ost_fail(err, OST_ERR_CORRUPT,
                      "%s: %s\\%s does not exist, though %s names it as its driver key (Driver value)%s",
                      OST_SYSTEM_HIVE, img->info.control_set_name, path, dn->instance_path, note);
        free(note);
    }
    if (st == OST_OK)
        st = ost_image_edit_system(img, err);
    if (st == OST_OK && !*key)
        st = ost_hive_create_key(img->system, img->control_set, path, key, err);
    free(path);
    return st;
}

ost_status ost_param_set(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                         const struct ost_param *p, struct ost_param *before, struct ost_error *err)
{
    if (before)
        memset(before, 0, sizeof *before);
    ost_hkey key;
    ost_status st = writable_key(img, dn, where, &key, err);
    if (st != OST_OK)
        return st;
    char *stored = stored_name(img->system, key, p->name);
    const char *name = stored ? stored : p->name;
    if (stored && before)
        read_param(img->system, key, stored, before);
    if (p->type == OST_REG_DWORD)
        st = ost_hive_set_dword(img->system, key, name, p->dword, err);
    else
        st = ost_hive_set_string(img->system, key, name, OST_REG_SZ, p->text, err);
    free(stored);
    return st;
}

ost_status ost_param_delete(struct ost_image *img, const struct ost_devnode *dn, ost_param_location where,
                            const char *name, struct ost_error *err)
{
    ost_hkey key;
    char *path;
    ost_status st = find_key(img, dn, where, &key, &path, err);
    char *stored = st == OST_OK ? stored_name(img->system, key, name) : NULL;
    if (st == OST_OK && !stored)
        st = no_value(dn, path, name, err);
    if (st == OST_OK)
        st = ost_image_edit_system(img, err);
    if (st == OST_OK)
        st = ost_hive_delete_value(img->system, key, stored, err);
    free(stored);
    free(path);
    return st;
}

void ost_device_select(struct ost_image *img, const char *spec, struct ost_device_selection *out)
{
    struct ost_error err;
    memset(out, 0, sizeof *out);
    ost_devnodes_list(img, &out->all, &err);
    out->n = ost_devnodes_match(&out->all, spec, &out->v);
}

void ost_device_selection_free(struct ost_device_selection *s)
{
    free(s->v);
    ost_devnodes_free(&s->all);
    memset(s, 0, sizeof *s);
}

static void add_same_vendor(struct ost_buf *b, const struct ost_device_selection *s, const char *spec)
{
    char *vendor = ost_hwid_vendor(spec);
    size_t n = 0;
    for (size_t i = 0; vendor && i < s->all.n; i++) {
        const struct ost_devnode *dn = &s->all.v[i];
        if (!ost_hwids_have_vendor(&dn->hardware_ids, vendor))
            continue;
        if (n == 0)
            ost_buf_addf(b, "Devices of the same vendor this image has seen:\n");
        if (n < 8)
            ost_buf_addf(b, "  %s%s\n", dn->instance_path, dn->service ? "" : " (no driver bound)");
        n++;
    }
    if (n > 8)
        ost_buf_addf(b, "  ... and %zu more\n", n - 8);
    free(vendor);
}

char *ost_no_device_message(struct ost_image *img, const struct ost_device_selection *s, const char *spec)
{
    struct ost_buf b = {0};
    ost_buf_addf(&b,
                 "No device in %s matches '%s'. Windows writes a device's devnode\n"
                 "(%s\\Enum\\<enumerator>\\<hardware ID>\\<instance>) on the first boot with the\n"
                 "device present; until then there is no per-device key to hold a value.\n",
                 img->target->name, spec, img->info.control_set_name);
    add_same_vendor(&b, s, spec);
    ost_buf_adds(&b,
                 "Alternatives:\n"
                 "  1. Boot the image once with the device attached, shut Windows down cleanly,\n"
                 "     then run this command again on the image.\n"
                 "  2. Ship the package with different defaults: change the value in the INF's\n"
                 "     AddReg for the device (the DDInstall.HW section, e.g.\n"
                 "     HKR, Parameters, ForceNullBackend, 0x00010001, 1). Editing the INF\n"
                 "     invalidates the package's catalog signature: re-sign the catalog (and\n"
                 "     trust its certificate in the image), or Windows will not install it\n"
                 "     unattended (and an x64 Windows will not load it: Code 52).\n");
    return ost_buf_steal(&b);
}
