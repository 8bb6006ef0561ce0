/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage remove-driver: undo what add-driver staged. */
#include <stdlib.h>

#include "image_cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage remove-driver --image DIR|FILE.wim [--index N|all] --driver NAME\n"
    "                              [--force] [--json]\n"
    "\n"
    "Undoes exactly what add-driver did for the packages matching NAME (an\n"
    "original INF name, a staged folder name, or 'all'): the staged files, the\n"
    "boot-critical copies, Services and CriticalDeviceDatabase entries (with the\n"
    "service's AddReg values) no other staged package needs, the ConfigFlags of\n"
    "devices it re-armed, the manifest entry, and the DevicePath entry once no\n"
    "staged package is left. Packages Windows itself installed are not touched.\n"
    "One transaction: on failure the image is unchanged.\n"
    "\n"
    "The manifest (Windows\\offstage\\manifest.json) is part of the image, so what\n"
    "it names is checked first: only files in the package's staging folder,\n"
    "boot files in System32\\drivers whose content is what add-driver copied, and\n"
    "the SYSTEM keys and values the manifest records add-driver wrote, while they\n"
    "hold what it wrote, are undone: a value it changed gets back what it held, a\n"
    "key it created goes when it holds nothing else. (Packages staged by older\n"
    "versions: Services and CriticalDeviceDatabase keys whose DriverPackageId is\n"
    "the package's folder.) Any other entry is left alone and named on\n"
    "stderr; a manifest that is not valid JSON or has the wrong shape stops the\n"
    "command (exit 2, nothing written).\n"
    "\n"
    "Exit status: 0 removed; 1 nothing staged by offstage matches; 2 error.\n";

static int run(int argc, char **argv)
{
    struct ost_image_args a;
    int parsed = ost_cli_parse_image_args("remove-driver", help, argc, argv, true, &a);
    if (parsed)
        return parsed < 0 ? OST_EXIT_OK : parsed;
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("remove-driver", a.image, a.index, true, a.force, &imgs);
    struct ost_strlist removed = {0}, left_alone = {0};
    struct ost_error err;
    size_t found = 0;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        size_t before = removed.n;
        ost_status st = ost_stage_remove(imgs.v[i], a.driver, &removed, &left_alone, &err);
        if (st == OST_NEGATIVE)
            continue;
        if (st != OST_OK || ost_image_commit(imgs.v[i], &err) != OST_OK)
            rc = ost_cli_report_error("remove-driver", &err);
        found += removed.n > before;
    }
    for (size_t i = 0; i < left_alone.n; i++)
        fprintf(stderr, "offstage remove-driver: %s\n", left_alone.v[i]);
    if (rc == 0 && found == 0) {
        fprintf(stderr, "offstage remove-driver: %s: no package staged by offstage matches '%s' (see get-drivers)\n",
                a.image, a.driver);
        rc = OST_EXIT_NEGATIVE;
    }
    if (rc == 0)
        rc = ost_cli_finish_images("remove-driver", &imgs, a.json);
    if (rc == 0) {
        if (a.json) {
            json_t *list = json_array();
            for (size_t i = 0; i < removed.n; i++)
                json_array_append_new(list, json_string(removed.v[i]));
            json_t *left = json_array();
            for (size_t i = 0; i < left_alone.n; i++)
                json_array_append_new(left, json_string(left_alone.v[i]));
            json_t *doc = json_pack("{s:s, s:o, s:o}", "schema", "offstage.remove-driver/1", "removed", list,
                                    "left_alone", left);
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            for (size_t i = 0; i < removed.n; i++)
                printf("removed %s\n", removed.v[i]);
        }
    }
    ost_strlist_free(&removed), ost_strlist_free(&left_alone);
    ost_cli_close_images(&imgs);
    return rc;
}

const struct ost_command ost_cmd_remove_driver = {
    .name = "remove-driver",
    .summary = "undo what add-driver staged",
    .help = help,
    .run = run,
};
