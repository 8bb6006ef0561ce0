/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-drivers: the third-party driver packages of an offline Windows. */
#include <stdlib.h>

#include "offstage.h"
#include "firstboot_cli.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage get-drivers --image DIR|FILE.wim [--index N|all] [--bcd FILE]... [--json]\n"
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
    "The last column is the first-boot verdict of each package offstage staged,\n"
    "decided from the staged copy read back from the image (get-driver-info\n"
    "shows it whole): loads, prompt (installs only after a user prompt, which an\n"
    "unattended first boot cannot answer), depends (on testsigning in a boot\n"
    "store not given), Code 52 (installs, its driver does not load), boot stops\n"
    "(a boot-start driver winload refuses), unreadable (the staged copy could\n"
    "not be read back); \"-\" for what Windows itself installed. It weighs the\n"
    "image's ROOT and TrustedPublisher stores and testsigning in its\n"
    "BCD-Template, or in the stores given with --bcd FILE (repeatable;\n"
    "testsigning counts as on only when every store has it on).\n"
    "\n"
    "Examples:\n"
    "  offstage get-drivers --image install.wim --index all\n"
    "  offstage get-drivers --image win7.qcow2 --json\n"
    "\n"
    "Exit status: 0 listed (even when empty); 2 error.\n";

static const char *state(const struct ost_store_entry *e)
{
    return e->staged ? (e->imported ? "imported" : "staged") : e->installed ? "installed" : "store";
}

/* The verdict of a staged entry's copy; NULL for what Windows installed. */
static const struct ost_staged_verdict *verdict_of(const struct ost_store_entry *e,
                                                   const struct ost_staged_verdicts *sv)
{
    return e->staged ? ost_staged_verdicts_find(sv, e->published_name) : NULL;
}

static json_t *drivers_json(const struct ost_store *s, const struct ost_staged_verdicts *sv)
{
    json_t *list = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const struct ost_store_entry *e = &s->v[i];
        const struct ost_staged_verdict *v = verdict_of(e, sv);
        json_t *verdict = !v ? json_null()
                          : v->problem ? json_pack("{s:s, s:s}", "verdict", "unreadable", "problem", v->problem)
                                       : ost_cli_staged_verdict_json(v, &sv->policy);
        json_array_append_new(list, json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:s, s:o, s:o, s:b, s:o}",
            "published_name", e->published_name, "original_name", ost_json_str(e->original_name), "inbox", 0,
            "class", ost_json_str(e->class_name), "provider", ost_json_str(e->provider),
            "date", ost_json_str(e->date), "version", ost_json_str(e->version), "state", state(e),
            "inf", ost_json_str(e->inf_path), "folder", ost_json_str(e->folder), "boot_critical", e->boot_critical,
            "verdict", verdict));
    }
    return list;
}

static void print_table(const struct ost_image *img, const struct ost_store *s, const struct ost_staged_verdicts *sv)
{
    if (img)
        printf("\n%s\n", img->target->name);
    printf("%-58s | %-28s | %-5s | %-10s | %-14s | %-10s | %-12s | %-9s | %s\n", "Published Name",
           "Original File Name", "Inbox", "Class", "Provider", "Date", "Version", "State", "First Boot");
    for (size_t i = 0; i < s->n; i++) {
        const struct ost_store_entry *e = &s->v[i];
        const struct ost_staged_verdict *v = verdict_of(e, sv);
        printf("%-58s | %-28s | %-5s | %-10s | %-14s | %-10s | %-12s | %-9s | %s\n", e->published_name,
               e->original_name ? e->original_name : "(unknown)", "No", e->class_name ? e->class_name : "",
               e->provider ? e->provider : "", e->date ? e->date : "", e->version ? e->version : "", state(e),
               v ? ost_staged_verdict_word(v) : "-");
    }
    if (!s->n)
        printf("(no third-party driver packages)\n");
    if (sv->policy_problem)
        printf("testsigning unknown for the verdicts: %s\n", sv->policy_problem);
}

static int run(int argc, char **argv)
{
    struct ost_image_args a;
    struct ost_strlist bcd = {0};
    int parsed = ost_cli_take_bcd("get-drivers", &argc, argv, &bcd);
    if (!parsed)
        parsed = ost_cli_parse_image_args("get-drivers", help, argc, argv, false, &a);
    if (parsed) {
        ost_strlist_free(&bcd);
        return parsed < 0 ? OST_EXIT_OK : parsed;
    }
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("get-drivers", a.image, a.index, false, false, true, &imgs);
    json_t *images = json_array();
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        struct ost_error err;
        struct ost_store s;
        struct ost_staged_verdicts sv;
        if (ost_store_list(imgs.v[i], &s, &err) != OST_OK) {
            rc = ost_cli_report_error("get-drivers", &err);
            break;
        }
        if (ost_staged_verdicts_read(imgs.v[i], &bcd, NULL, &sv, &err) != OST_OK) {
            ost_store_free(&s);
            rc = ost_cli_report_error("get-drivers", &err);
            break;
        }
        if (a.json)
            json_array_append_new(images, json_pack("{s:o, s:o}", "image", ost_cli_image_json(imgs.v[i]),
                                                    "drivers", drivers_json(&s, &sv)));
        else
            print_table(imgs.n > 1 ? imgs.v[i] : NULL, &s, &sv);
        ost_staged_verdicts_free(&sv);
        ost_store_free(&s);
    }
    if (rc == 0 && a.json) {
        json_t *doc = json_pack("{s:s, s:O}", "schema", "offstage.get-drivers/1", "images", images);
        ost_cli_print_json_per_image(doc, "images");
    }
    json_decref(images);
    ost_cli_close_images(&imgs);
    ost_strlist_free(&bcd);
    return rc;
}

const struct ost_command ost_cmd_get_drivers = {
    .name = "get-drivers",
    .summary = "list staged and driver-store packages of an offline Windows",
    .help = help,
    .run = run,
};
