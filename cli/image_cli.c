/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening the --image of the image commands. */
#include <stdlib.h>

#include "image_cli.h"

int ost_cli_open_image(const char *cmd, const char *path, bool writable, bool force, struct ost_image **out)
{
    struct ost_target *t;
    struct ost_error err;
    *out = NULL;
    if (!path)
        return ost_cli_usage_error(cmd, "name the offline Windows with --image DIR");
    if (ost_target_open_dir(path, writable, &t, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    struct ost_image_options o = {.writable = writable, .allow_dirty = force};
    if (ost_image_open(t, &o, out, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    return OST_EXIT_OK;
}

json_t *ost_cli_image_json(const struct ost_image *img)
{
    const struct ost_image_info *in = &img->info;
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:b}", "path", img->target->name,
                     "product_name", ost_json_str(in->product_name), "edition", ost_json_str(in->edition_id),
                     "version", ost_json_str(in->current_version), "build", ost_json_str(in->current_build),
                     "arch", ost_arch_name(in->arch), "control_set", in->control_set,
                     "service_pack", in->csd_version ? in->csd_version : "", "windows8_or_later",
                     in->windows8_or_later);
}
