/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-drivers: the third-party driver packages of an offline Windows. */
#include <stdlib.h>

#include "offstage.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage get-drivers --image DIR|FILE.wim [--index N|all] [--json]\n"
    "\n"
    "Lists the third-party driver packages of an offline Windows, like\n"
    "`dism /Get-Drivers /Format:Table`: published or staged name, original INF\n"
    "name, inbox or not, class, provider, date, version, and state:\n"
    "  staged     copied by offstage add-driver, installed by Plug and Play on\n"
    "             first boot (Windows\\offstage\\drivers\\...);\n"
    "  imported   staged, and Windows has since published it (first boot done);\n"
    "  store      in Windows' driver store: Windows\\inf\\oemN.inf, original name\n"
    "             from its DriverStore\\FileRepository folder;\n"
    "  installed  in the store and in use by a device (its driver key under\n"
    "             Control\\Class names the oemN.inf), even if the INF is gone.\n"
    "\n"
    "Exit status: 0 listed (even when empty); 2 error.\n";

static const char *state(const struct ost_store_entry *e)
{
    return e->staged ? (e->imported ? "imported" : "staged") : e->installed ? "installed" : "store";
}

static json_t *drivers_json(const struct ost_store *s)
{
    json_t *list = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct ost_store_entry *e = &s->v[i];
        json_array_append_new(list, json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:b}",
            "published_name", e->published_name, "original_name", ost_json_str(e->original_name), "inbox", 0,
            "class", ost_json_str(e->class_name), "provider", ost_json_str(e->provider),
            "date", ost_json_str(e->date), "version", ost_json_str(e->version), "state", state(e),
            "inf", ost_json_str(e->inf_path), "folder", ost_json_str(e->folder), "boot_critical", e->boot_critical));
    }
    return list;
}

static void print_table(const struct ost_image *img, const struct ost_store *s)
{
    if (img)
        printf("\n%s\n", img->target->name);
    printf("%-58s | %-28s | %-5s | %-10s | %-14s | %-10s | %-12s | %s\n", "Published Name", "Original File Name",
           "Inbox", "Class", "Provider", "Date", "Version", "State");
    for (size_t i = 0; i < s->n; i++) {
        const struct ost_store_entry *e = &s->v[i];
        printf("%-58s | %-28s | %-5s | %-10s | %-14s | %-10s | %-12s | %s\n", e->published_name,
               e->original_name ? e->original_name : "(unknown)", "No", e->class_name ? e->class_name : "",
               e->provider ? e->provider : "", e->date ? e->date : "", e->version ? e->version : "", state(e));
    }
    if (!s->n)
        printf("(no third-party driver packages)\n");
}

static int run(int argc, char **argv)
{
    struct ost_image_args a;
    int parsed = ost_cli_parse_image_args("get-drivers", help, argc, argv, false, &a);
    if (parsed)
        return parsed < 0 ? OST_EXIT_OK : parsed;
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("get-drivers", a.image, a.index, false, true, &imgs);
    json_t *images = json_array();
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        struct ost_error err;
        struct ost_store s;
        if (ost_store_list(imgs.v[i], &s, &err) != OST_OK) {
            rc = ost_cli_report_error("get-drivers", &err);
            break;
        }
        if (a.json)
            json_array_append_new(images, json_pack("{s:o, s:o}", "image", ost_cli_image_json(imgs.v[i]),
                                                    "drivers", drivers_json(&s)));
        else
            print_table(imgs.n > 1 ? imgs.v[i] : NULL, &s);
        ost_store_free(&s);
    }
    if (rc == 0 && a.json) {
        json_t *doc = json_pack("{s:s, s:O}", "schema", "offstage.get-drivers/1", "images", images);
        ost_cli_print_json_per_image(doc, "images");
    }
    json_decref(images);
    ost_cli_close_images(&imgs);
    return rc;
}

const struct ost_command ost_cmd_get_drivers = {
    .name = "get-drivers",
    .summary = "list staged and driver-store packages of an offline Windows",
    .help = help,
    .run = run,
};
