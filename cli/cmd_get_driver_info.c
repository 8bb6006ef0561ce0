/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-driver-info: one driver package of an offline Windows. */
#include <stdlib.h>

#include "offstage.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage get-driver-info --image DIR|FILE.wim [--index N|all] --driver NAME [--json]\n"
    "\n"
    "Shows one driver package of an offline Windows: NAME is an original INF\n"
    "name (aero_virtio_snd.inf), a published name (oem3.inf) or a staged folder\n"
    "name. Prints where it is, its state, architecture, hardware IDs, services\n"
    "with start types, the files it installs, and whether it has a catalog.\n"
    "\n"
    "Exit status: 0 present; 1 not present; 2 error.\n";

static int show_one(struct ost_image *img, const char *name, bool json)
{
    int rc = 0;
    struct ost_store s;
    struct ost_error err;
    struct ost_driver_model *m = NULL;
    const struct ost_store_entry *e = NULL;
    if (ost_store_list(img, &s, &err) != OST_OK) {
        rc = ost_cli_report_error("get-driver-info", &err);
    } else if (!(e = ost_store_find(&s, name))) {
        fprintf(stderr, "offstage get-driver-info: %s: no driver package '%s' (get-drivers lists them)\n",
                img->target->name, name);
        rc = OST_EXIT_NEGATIVE;
    } else if (!e->inf_path) {
        /* only the SYSTEM hive knows it: say what the driver key says */
        if (json) {
            json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                                    "offstage.get-driver-info/1", "published_name", e->published_name, "state",
                                    "installed", "inf", json_null(), "class", ost_json_str(e->class_name),
                                    "provider", ost_json_str(e->provider), "date", ost_json_str(e->date),
                                    "version", ost_json_str(e->version), "description", ost_json_str(e->description));
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            printf("Published name: %s\nState:          installed (in use by a device; the INF is not in "
                   "Windows\\inf)\nDescription:    %s\nClass:          %s\nProvider:       %s\n"
                   "Date, version:  %s, %s\n",
                   e->published_name, e->description ? e->description : "", e->class_name ? e->class_name : "",
                   e->provider ? e->provider : "", e->date ? e->date : "", e->version ? e->version : "");
        }
        e = NULL;
    } else if (ost_store_model(img, e->inf_path, &m, &err) != OST_OK) {
        rc = ost_cli_report_error("get-driver-info", &err);
    }
    if (rc == 0 && e) {
        const struct ost_arch_model *am = &m->arches[0];
        json_t *ids = json_array(), *services = json_array(), *files = json_array();
        for (size_t i = 0; i < am->ndevices; i++)
            json_array_append_new(ids, json_pack("{s:s, s:s}", "hardware_id", am->devices[i].model->hardware_id,
                                                 "description", am->devices[i].model->description));
        for (size_t i = 0; i < am->nservices; i++)
            json_array_append_new(services, json_pack("{s:s, s:i, s:s}", "name", am->services[i].name, "start_type",
                                                      am->services[i].start_type,
                                                      "start", ost_start_type_name(am->services[i].start_type)));
        for (size_t i = 0; i < am->nfiles; i++)
            json_array_append_new(files, json_pack("{s:s, s:s}", "name", am->files[i].name, "destination",
                                                   am->files[i].dest_path));
        json_t *doc = json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}",
            "schema", "offstage.get-driver-info/1", "published_name", e->published_name,
            "original_name", ost_json_str(e->original_name), "inf", e->inf_path, "folder", ost_json_str(e->folder),
            "state", e->staged ? (e->imported ? "imported" : "staged") : e->installed ? "installed" : "store", "arch", ost_arch_name(am->arch),
            "class", ost_json_str(e->class_name), "provider", ost_json_str(e->provider),
            "date", ost_json_str(e->date), "version", ost_json_str(e->version), "catalog", e->has_catalog,
            "boot_critical", e->boot_critical, "devices", ids, "services", services, "files", files);
        if (json) {
            ost_cli_print_json(doc);
        } else {
            printf("Published name: %s\nOriginal name:  %s\nState:          %s\nINF:            %s\n",
                   e->published_name, e->original_name ? e->original_name : "(unknown)",
                   json_string_value(json_object_get(doc, "state")), e->inf_path);
            printf("Class:          %s\nProvider:       %s\nDate, version:  %s, %s\nArchitecture:   %s\n",
                   e->class_name ? e->class_name : "", e->provider ? e->provider : "", e->date ? e->date : "",
                   e->version ? e->version : "", ost_arch_name(am->arch));
            printf("Signature:      %s\nBoot-critical:  %s\n", e->has_catalog ? "catalog present" : "unsigned (no catalog)",
                   e->boot_critical ? "yes" : "no");
            for (size_t i = 0; i < am->ndevices; i++)
                printf("Hardware ID:    %s  \"%s\"\n", am->devices[i].model->hardware_id, am->devices[i].model->description);
            for (size_t i = 0; i < am->nservices; i++)
                printf("Service:        %s (start %u, %s)\n", am->services[i].name, am->services[i].start_type,
                       ost_start_type_name(am->services[i].start_type));
            for (size_t i = 0; i < am->nfiles; i++)
                printf("File:           %s -> %s\n", am->files[i].name, am->files[i].dest_path);
        }
        json_decref(doc);
    }
    ost_driver_model_free(m);
    ost_store_free(&s);
    return rc;
}


static int run(int argc, char **argv)
{
    struct ost_image_args a;
    int parsed = ost_cli_parse_image_args("get-driver-info", help, argc, argv, true, &a);
    if (parsed)
        return parsed < 0 ? OST_EXIT_OK : parsed;
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("get-driver-info", a.image, a.index, false, true, &imgs);
    int worst = rc;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        int one = show_one(imgs.v[i], a.driver, a.json);
        worst = one > worst ? one : worst;
    }
    ost_cli_close_images(&imgs);
    return worst;
}

const struct ost_command ost_cmd_get_driver_info = {
    .name = "get-driver-info",
    .summary = "show one driver package of an offline Windows (exit 1 if absent)",
    .help = help,
    .run = run,
};
