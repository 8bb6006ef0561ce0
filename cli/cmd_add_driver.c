/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage add-driver: stage driver packages into an offline Windows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "image_cli.h"
#include "stage.h"

static const char help[] =
    "usage: offstage add-driver --image DIR|FILE.wim [--index N|all] --driver PATH...\n"
    "                           [--recurse] [--force-unsigned] [--setup-complete]\n"
    "                           [--force] [--dry-run] [--json]\n"
    "\n"
    "Stages driver packages into an offline Windows so that Plug and Play binds\n"
    "them on first boot, without Windows, DISM or a mount. The image is a\n"
    "directory (the folder holding Windows\\) or a WIM file: install.wim (every\n"
    "edition with --index all) or boot.wim (--index 2 is Setup). A WIM with\n"
    "several images needs --index; it is updated in place with one write, and\n"
    "files identical across editions are stored once.\n"
    "\n"
    "For each package (an INF, a package folder, or with --recurse every INF\n"
    "below a folder):\n"
    "  1. it is checked against the image's architecture and version (the\n"
    "     check-package rules); a package with errors is not staged. A package\n"
    "     named directly that is built for another architecture is an error;\n"
    "     with --recurse such packages are skipped (decided by the INF and the\n"
    "     .sys machine type, not folder names);\n"
    "  2. unsigned packages (no catalog) are refused unless --force-unsigned;\n"
    "  3. the INF, catalog and exactly the files the INF copies are copied to\n"
    "     Windows\\offstage\\drivers\\<inf>_<arch>_neutral_<hash>\\;\n"
    "  4. %SystemRoot%\\offstage\\drivers is added to DevicePath (keeping every\n"
    "     entry): on first boot Windows finds the package there and installs it;\n"
    "  5. boot-critical packages (StartType 0) are also preinstalled: the .sys in\n"
    "     System32\\drivers, Services\\<name>, CriticalDeviceDatabase entries;\n"
    "  6. included inbox INFs (ks.inf, ...) are checked in Windows\\inf;\n"
    "  7. with --setup-complete, pnputil -i -a lines are appended to\n"
    "     Windows\\Setup\\Scripts\\SetupComplete.cmd (for images that run Setup);\n"
    "  8. Windows\\offstage\\manifest.json records what was staged.\n"
    "\n"
    "All of it is one transaction: on any failure the image is unchanged. Running\n"
    "the same command again changes nothing and says so.\n"
    "\n"
    "Options:\n"
    "  --dry-run         print the plan, write nothing.\n"
    "  --compression-level N  for WIMs: how hard libwim compresses the data added\n"
    "                    (1-100; default 30; libwim's own default is 50, about 8%\n"
    "                    smaller and 4x slower). The compression type is kept.\n"
    "  --force           edit hives that are dirty (not cleanly shut down); their\n"
    "                    transaction logs may undo the edit at next boot.\n"
    "  --json            machine-readable plan and result (offstage.add-driver/1).\n"
    "\n"
    "Exit status: 0 staged (or already staged); 1 a package that applies to the\n"
    "image was refused (nothing was written); 2 error.\n";

struct options {
    const char *image, *index;
    struct ost_strlist drivers;
    struct ost_stage_options stage;
    bool dry_run, json, force;
    unsigned level;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"driver", required_argument, NULL, 'd'},
        {"index", required_argument, NULL, 'x'}, {"recurse", no_argument, NULL, 'r'}, {"force-unsigned", no_argument, NULL, 'u'},
        {"setup-complete", no_argument, NULL, 's'}, {"force", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'}, {"compression-level", required_argument, NULL, 'L'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:d:x:rusfnjL:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'L':
            o->level = (unsigned)atoi(optarg);
            if (o->level < 1 || o->level > 100)
                return ost_cli_usage_error("add-driver", "--compression-level is 1 to 100, not '%s'", optarg);
            break;
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'd': ost_strlist_add(&o->drivers, optarg); break;
        case 'r': o->stage.recurse = true; break;
        case 'u': o->stage.force_unsigned = true; break;
        case 's': o->stage.setup_complete = true; break;
        case 'f': o->force = true; break;
        case 'n': o->dry_run = true; break;
        case 'j': o->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return ost_cli_usage_error("add-driver", "unknown option");
        }
    }
    if (optind < argc)
        return ost_cli_usage_error("add-driver", "unexpected argument '%s'", argv[optind]);
    if (!o->image)
        return ost_cli_usage_error("add-driver", "name the offline Windows with --image DIR");
    if (!o->drivers.n)
        return ost_cli_usage_error("add-driver", "name the packages with --driver PATH");
    return 0;
}

static void print_plan(const struct ost_image *img, const struct ost_stage_plan *plan, bool dry_run)
{
    char *desc = ost_image_describe(img);
    printf("image %s: %s\n", img->target->name, desc);
    free(desc);
    for (size_t i = 0; i < plan->npackages; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        switch (p->action) {
        case OST_STAGE_COPY:
            printf("  %s %s -> %s (%zu file%s)%s\n", dry_run ? "would stage" : "stage", p->inf_path, p->folder_path,
                   p->ncopies, p->ncopies == 1 ? "" : "s", p->boot_critical ? ", boot-critical" : "");
            for (size_t k = 0; k < p->ncopies; k++)
                printf("      %s\n", p->copies[k].dest);
            for (size_t k = 0; k < p->cdd_keys.n; k++)
                printf("      CriticalDeviceDatabase\\%s\n", p->cdd_keys.v[k]);
            break;
        case OST_STAGE_PRESENT:
            printf("  already staged: %s as %s\n", p->inf_path, p->folder_path);
            break;
        case OST_STAGE_SKIP_ARCH:
            printf("  skipped: %s: %s\n", p->inf_path, p->reason);
            break;
        case OST_STAGE_REFUSED:
            printf("  REFUSED: %s: %s\n", p->inf_path, p->reason);
            if (p->report)
                ost_cli_print_diags(stdout, &p->report->model->diags, "      ", OST_SEV_ERROR);
            break;
        }
        for (size_t k = 0; k < p->notes.n; k++)
            printf("      %s\n", p->notes.v[k]);
    }
    if (plan->devicepath_after)
        printf("  DevicePath: %s -> %s\n", plan->devicepath_before ? plan->devicepath_before : "(unset)",
               plan->devicepath_after);
}

static json_t *plan_json(const struct ost_image *img, const struct ost_stage_plan *plan)
{
    json_t *pkgs = json_array();
    for (size_t i = 0; i < plan->npackages; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        json_t *files = json_array(), *cdd = json_array(), *notes = json_array();
        for (size_t k = 0; k < p->ncopies; k++)
            json_array_append_new(files, json_string(p->copies[k].dest));
        for (size_t k = 0; k < p->cdd_keys.n; k++)
            json_array_append_new(cdd, json_string(p->cdd_keys.v[k]));
        for (size_t k = 0; k < p->notes.n; k++)
            json_array_append_new(notes, json_string(p->notes.v[k]));
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o}", "inf", p->inf_path,
            "action", ost_stage_action_name(p->action), "reason", ost_json_str(p->reason),
            "folder", ost_json_str(p->folder_path), "signed", p->signed_, "boot_critical", p->boot_critical,
            "files", files, "critical_device_database", cdd, "notes", notes,
            "findings", p->report ? ost_cli_diags_json(&p->report->model->diags) : json_array()));
    }
    return json_pack("{s:o, s:o, s:o, s:o}", "image", ost_cli_image_json(img), "packages", pkgs,
                     "devicepath_before", ost_json_str(plan->devicepath_before),
                     "devicepath_after", ost_json_str(plan->devicepath_after));
}

static void print_result(const char *result, size_t nimages)
{
    if (!strcmp(result, "refused"))
        printf("nothing was written: a package was refused\n");
    else if (!strcmp(result, "unchanged"))
        printf("nothing to do: everything is already staged\n");
    else if (!strcmp(result, "dry-run"))
        printf("dry run: nothing was written\n");
    else if (!strcmp(result, "staged"))
        printf("staged into %zu image%s; Plug and Play installs the packages on first boot\n", nimages,
               nimages == 1 ? "" : "s");
}

/* Applies every image's plan, then writes (a WIM once). */
static int apply_all(struct ost_cli_images *imgs, struct ost_stage_plan **plans, const struct options *o)
{
    struct ost_error err;
    if (imgs->wim)
        ost_wim_session_set_level(imgs->wim, o->level);
    for (size_t i = 0; i < imgs->n; i++) {
        if (!plans[i]->changes && !o->stage.setup_complete)
            continue;
        if (ost_stage_apply(imgs->v[i], plans[i], &o->stage, &err) != OST_OK ||
            ost_image_commit(imgs->v[i], &err) != OST_OK)
            return ost_cli_report_error("add-driver", &err);
    }
    return ost_cli_finish_images("add-driver", imgs, o->json);
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse(argc, argv, &o);
    struct ost_strlist infs = {0};
    struct ost_error err;
    struct ost_cli_images imgs = {0};
    struct ost_stage_plan **plans = NULL;
    for (size_t i = 0; rc == 0 && i < o.drivers.n; i++)
        if (ost_package_find_infs(o.drivers.v[i], o.stage.recurse, &infs, &err) != OST_OK)
            rc = ost_cli_report_error("add-driver", &err);
    if (rc == 0)
        rc = ost_cli_open_images("add-driver", o.image, o.index, !o.dry_run, o.force, &imgs);
    if (rc == 0)
        plans = ost_xcalloc(imgs.n, sizeof *plans);
    bool refused = false, changes = false;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        if (ost_stage_plan(imgs.v[i], &infs, &o.stage, &plans[i], &err) != OST_OK)
            rc = ost_cli_report_error("add-driver", &err);
        else
            refused = refused || ost_stage_plan_refused(plans[i]), changes = changes || plans[i]->changes;
    }
    const char *result = refused ? "refused" : o.dry_run ? "dry-run" : changes ? "staged" : "unchanged";
    if (rc == 0 && !refused && !o.dry_run && (changes || o.stage.setup_complete))
        rc = apply_all(&imgs, plans, &o);
    if (rc == 0 || rc == OST_EXIT_NEGATIVE) {
        if (refused)
            rc = OST_EXIT_NEGATIVE;
        if (o.json) {
            json_t *list = json_array();
            for (size_t i = 0; i < imgs.n; i++)
                json_array_append_new(list, plan_json(imgs.v[i], plans[i]));
            json_t *doc = json_pack("{s:s, s:s, s:o}", "schema", "offstage.add-driver/1", "result", result,
                                    "images", list);
            if (imgs.n == 1) /* the one image's fields at the top too */
                json_object_update(doc, json_array_get(list, 0));
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            for (size_t i = 0; i < imgs.n; i++)
                print_plan(imgs.v[i], plans[i], o.dry_run);
            print_result(result, imgs.n);
        }
    }
    for (size_t i = 0; plans && i < imgs.n; i++)
        ost_stage_plan_free(plans[i]);
    free(plans);
    ost_cli_close_images(&imgs);
    ost_strlist_free(&infs);
    ost_strlist_free(&o.drivers);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_add_driver = {
    .name = "add-driver",
    .summary = "stage driver packages into an offline Windows (first-boot install)",
    .help = help,
    .run = run,
};
