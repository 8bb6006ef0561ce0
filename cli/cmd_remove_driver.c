/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage remove-driver: undo what add-driver staged. */
#include <getopt.h>
#include <stdlib.h>

#include "image_cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage remove-driver --image DIR|FILE.wim [--index N|all] --driver NAME\n"
    "                              [--with-trust [--bcd FILE]...] [--dry-run] [--force] [--json]\n"
    "\n"
    "Undoes exactly what add-driver did for the packages matching NAME (an\n"
    "original INF name, a staged folder name, or 'all'): the staged files, the\n"
    "boot-critical copies, Services and CriticalDeviceDatabase entries (with the\n"
    "service's AddReg values) no other staged package needs, the ConfigFlags of\n"
    "devices it re-armed, the manifest entry, and the DevicePath entry once no\n"
    "staged package is left. Packages Windows itself installed are not touched.\n"
    "One transaction: on failure the image is unchanged.\n"
    "\n"
    "What add-driver --test-sign changed besides the packages stays, and is\n"
    "said so: its certificate trusted in ROOT and TrustedPublisher, testsigning\n"
    "on in the BCD-Template and in a --bcd store. With --with-trust those are\n"
    "taken back as the manifest recorded them: the certificate is removed from\n"
    "the stores add-driver added it to (not from a store that held it before),\n"
    "unless a package still staged is signed by it, and testsigning is set back\n"
    "to what it was before (off, or unset) unless such a package needs it. A\n"
    "BCD store outside the image is set back only when named again with --bcd\n"
    "FILE (repeatable); it is written after the image.\n"
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
    "  --dry-run   say what would be removed and left; write nothing.\n"
    "  --quiet     print only the last line and errors.\n"
    "\n"
    "Examples:\n"
    "  offstage remove-driver --image install.wim --index all --driver aero_virtio_snd.inf \\\n"
    "      --dry-run\n"
    "  offstage remove-driver --image win7.qcow2 --driver all --with-trust\n"
    "\n"
    "Exit status: 0 removed; 1 nothing staged by offstage matches; 2 error.\n";

struct options {
    const char *image, *index, *driver;
    bool force, json, dry_run, with_trust;
    struct ost_strlist bcd;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"driver", required_argument, NULL, 'd'}, {"force", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'n'}, {"with-trust", no_argument, NULL, 'W'},
        {"bcd", required_argument, NULL, 'b'}, {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "remove-driver", .shortopts = "i:x:d:fjnh",
                               .longopts = longopts, .repeatable = "b"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'd': o->driver = optarg; break;
        case 'f': o->force = true; break;
        case 'j': o->json = true; break;
        case 'n': o->dry_run = true; break;
        case 'W': o->with_trust = true; break;
        case 'b': ost_strlist_add(&o->bcd, optarg); break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error("remove-driver", "unexpected argument '%s'", argv[optind]);
    if (!o->image)
        return ost_cli_usage_error("remove-driver", "name the offline Windows with --image DIR");
    if (!o->driver)
        return ost_cli_usage_error("remove-driver", "name the package with --driver NAME");
    if (o->bcd.n && !o->with_trust)
        return ost_cli_usage_error("remove-driver", "--bcd goes with --with-trust (it names a store to set back)");
    return 0;
}

static void print_lines(const char *prefix, const struct ost_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        printf("%s%s\n", prefix, l->v[i]);
}

static int run(int argc, char **argv)
{
    struct options a = {0};
    int parsed = parse(argc, argv, &a);
    if (parsed) {
        ost_strlist_free(&a.bcd);
        return parsed < 0 ? OST_EXIT_OK : parsed;
    }
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("remove-driver", a.image, a.index, true, true, a.force, &imgs);
    struct ost_strlist removed = {0}, left_alone = {0};
    struct ost_untrust_result trust = {0};
    struct ost_untrust_options uo = {.with_trust = a.with_trust, .dry_run = a.dry_run, .allow_dirty = a.force,
                                     .bcd = &a.bcd};
    struct ost_error err;
    size_t found = 0;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        size_t before = removed.n;
        ost_status st = ost_stage_remove(imgs.v[i], a.driver, &removed, &left_alone, &err);
        /* the packages may be gone already, by a remove without --with-trust */
        bool trust_only = st == OST_NEGATIVE && a.with_trust;
        if (st == OST_NEGATIVE && !trust_only)
            continue;
        struct ost_untrust_result r = {0};
        if (st == OST_OK || trust_only)
            st = ost_testsign_undo(imgs.v[i], &uo, &r, &err);
        if (trust_only && st == OST_OK && !r.undone.n) {
            ost_untrust_result_free(&r);
            continue;
        }
        found += trust_only;
        if (st == OST_OK && !a.dry_run)
            st = ost_image_commit(imgs.v[i], &err);
        for (size_t k = 0; k < r.undone.n; k++)
            ost_strlist_add(&trust.undone, r.undone.v[k]);
        for (size_t k = 0; k < r.left.n; k++)
            ost_strlist_add(&trust.left, r.left.v[k]);
        /* one set of temporaries: the first image that set the store back */
        if (!trust.bcd_tmp) {
            trust.bcd_tmp = r.bcd_tmp, trust.nbcd = r.nbcd;
            r.bcd_tmp = NULL, r.nbcd = 0;
        }
        ost_untrust_result_free(&r);
        if (st != OST_OK)
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
    if (rc == 0 && !a.dry_run)
        rc = ost_cli_finish_images("remove-driver", &imgs, a.json);
    if (rc == 0 && !a.dry_run && ost_testsign_undo_finish(&trust, &a.bcd, &err) != OST_OK)
        rc = ost_cli_report_error("remove-driver", &err);
    if (rc == 0) {
        if (a.json) {
            json_t *doc = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "schema", "offstage.remove-driver/1",
                                    "result", a.dry_run ? "dry-run" : "removed", "removed",
                                    ost_strlist_json(&removed), "left_alone", ost_strlist_json(&left_alone),
                                    "trust_undone", ost_strlist_json(&trust.undone), "trust_left",
                                    ost_strlist_json(&trust.left));
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            const char *verb = a.dry_run ? "would remove " : "removed ";
            print_lines(verb, &removed);
            print_lines(a.dry_run ? "would undo: " : "undone: ", &trust.undone);
            print_lines(a.dry_run ? "would leave: " : "left: ", &trust.left);
            if (a.dry_run)
                printf("dry run: nothing was written\n");
        }
    }
    ost_untrust_result_free(&trust);
    ost_strlist_free(&removed), ost_strlist_free(&left_alone), ost_strlist_free(&a.bcd);
    ost_cli_close_images(&imgs);
    return rc;
}

const struct ost_command ost_cmd_remove_driver = {
    .name = "remove-driver",
    .summary = "undo what add-driver staged",
    .help = help,
    .run = run,
};
