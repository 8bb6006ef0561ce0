/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What set-param and get-param share: --device checked, devnodes and values as JSON. */
#include <stdlib.h>
#include <string.h>

#include "device_cli.h"
#include "offstage.h"

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
