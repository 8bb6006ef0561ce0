/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Finding the devnodes --device names, for set-param and get-param. */
#include <stdlib.h>
#include <string.h>

#include "device_cli.h"
#include "hwid.h"

int ost_cli_check_device_spec(const char *cmd, const char *spec)
{
    if (!spec || !*spec)
        return ost_cli_usage_error(cmd, "name the device with --device INSTANCE-PATH or HARDWARE-ID");
    size_t len = strlen(spec), n;
    uint32_t cp;
    for (size_t i = 0; i < len; i += n)
        if (!(n = ost_utf8_decode((const uint8_t *)spec + i, len - i, &cp)) || cp < 0x20 || cp == 0x7f)
            return ost_cli_usage_error(cmd, "--device: byte %zu is not a printable UTF-8 character", i + 1);
    return 0;
}

void ost_cli_find_devices(struct ost_image *img, const char *spec, struct ost_cli_devices *out)
{
    struct ost_error err;
    memset(out, 0, sizeof *out);
    ost_devnodes_list(img, &out->all, &err); /* problems are findings on the devnodes */
    out->n = ost_devnodes_match(&out->all, spec, &out->v);
}

void ost_cli_devices_free(struct ost_cli_devices *d)
{
    free(d->v);
    ost_devnodes_free(&d->all);
    memset(d, 0, sizeof *d);
}

static void add_same_vendor(struct ost_buf *b, const struct ost_cli_devices *d, const char *spec)
{
    char *vendor = ost_hwid_vendor(spec);
    size_t n = 0;
    for (size_t i = 0; vendor && i < d->all.n; i++) {
        const struct ost_devnode *dn = &d->all.v[i];
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

char *ost_cli_no_device_message(struct ost_image *img, const struct ost_cli_devices *d, const char *spec)
{
    struct ost_buf b = {0};
    ost_buf_addf(&b,
                 "No device in %s matches '%s'. Windows writes a device's devnode\n"
                 "(%s\\Enum\\<enumerator>\\<hardware ID>\\<instance>) on the first boot with the\n"
                 "device present; until then there is no per-device key to hold a value.\n",
                 img->target->name, spec, img->info.control_set_name);
    add_same_vendor(&b, d, spec);
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

const char *ost_cli_param_location_name(ost_param_location where)
{
    return where == OST_PARAM_DRIVER_KEY ? "driver-key" : "device";
}

json_t *ost_cli_devnode_json(const struct ost_devnode *dn)
{
    json_t *flags = json_null();
    if (dn->has_config_flags) {
        struct ost_strlist names = {0};
        ost_config_flags_names(dn->config_flags, &names);
        flags = json_pack("{s:I, s:o}", "value", (json_int_t)dn->config_flags, "names", ost_strlist_json(&names));
        ost_strlist_free(&names);
    }
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "instance_path", dn->instance_path,
                     "hardware_ids", ost_strlist_json(&dn->hardware_ids), "compatible_ids",
                     ost_strlist_json(&dn->compatible_ids), "service", ost_json_str(dn->service), "driver",
                     ost_json_str(dn->driver), "class_guid", ost_json_str(dn->class_guid), "inf",
                     ost_json_str(dn->inf), "config_flags", flags, "findings", ost_cli_diags_json(&dn->findings));
}

json_t *ost_cli_param_json(const struct ost_param *p)
{
    return json_pack("{s:s, s:s, s:o}", "name", p->name, "type", ost_reg_type_name(p->type), "value",
                     p->is_dword ? json_integer((json_int_t)p->dword) : json_string(p->text));
}

char *ost_cli_param_text(const struct ost_param *p)
{
    if (p->is_dword)
        return ost_xasprintf("%u (0x%08X)", p->dword, p->dword);
    if (p->type == OST_REG_SZ || p->type == OST_REG_EXPAND_SZ)
        return ost_xasprintf("\"%s\"", p->text);
    return ost_xstrdup(p->text);
}
