/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage doctor: after first boot, why a device did or did not bind. */
#include <getopt.h>
#include <stdlib.h>

#include "boot_cli.h"
#include "device_cli.h"
#include "offstage.h"
#include "doctor_cli.h"

static const char help[] =
    "usage: offstage doctor --image DIR|FILE.wim [--index N|all] [--driver NAME]\n"
    "                       [--hwid-prefix ID] [--setupapi-log FILE] [--bcd FILE]...\n"
    "                       [--json]\n"
    "\n"
    "After Windows has booted with the device: explains why each device did or\n"
    "did not bind, from what the image itself records. Read-only: nothing in\n"
    "the image (or the WIM) is written.\n"
    "\n"
    "Devices: the devnodes of the active control set's Enum key (Plug and Play\n"
    "writes one on the first boot with the device present). By default those\n"
    "whose vendor (PCI\\VEN_1AF4) appears among the hardware IDs of a package\n"
    "in the image, staged or in the driver store, so near misses are included:\n"
    "another revision, the transitional virtio ID. For each: instance path,\n"
    "hardware and compatible IDs, the bound service and driver key, the\n"
    "published INF (DeviceDesc's @oemN.inf and the driver key's InfPath),\n"
    "ConfigFlags decoded, and how every package of the image matches it (as\n"
    "`offstage match`).\n"
    "\n"
    "Packages: what the driver store holds (oemN.inf and its original name, as\n"
    "`pnputil -e`), what offstage staged and whether Windows has imported it,\n"
    "and for the package a device should bind, what Windows 7's signature\n"
    "policy does with it (the image's certificate stores, and the boot store\n"
    "that decides testsigning: --bcd, else as the image's kind says).\n"
    "\n"
    "The log: Windows\\inf\\setupapi.dev.log (or --setupapi-log FILE) is read as\n"
    "a stream; each device's install sections are shown with their outcome,\n"
    "the driver chosen, errors (!!!) and signature (sig:) lines, with times.\n"
    "\n"
    "Each device gets one verdict line, then its evidence:\n"
    "  OK    bound as intended (service X via oemN.inf = staged pkg.inf)\n"
    "  OK    bound (service X via Y); no package in the image matches it\n"
    "  WAIT  unbound: not installed yet; pkg.inf matches (next boot)\n"
    "  FAIL  bound to another driver (service Y via oemM.inf); pkg.inf matches it\n"
    "  FAIL  bound but the driver did not load: signature (Code 52); seen: ...\n"
    "  FAIL  bound (...); expected: Code 52 because ...\n"
    "  FAIL  unbound: install failed (ConfigFlags 0x40) although pkg.inf matches\n"
    "  FAIL  unbound: not installed yet; pkg.inf matches ...; expected: Code 52 ...\n"
    "  FAIL  unbound: pkg.inf matches only REV_01, the device is REV_00\n"
    "  FAIL  unbound: transitional ID DEV_1018, no package in the image lists it\n"
    "  FAIL  unbound: no package for this device\n"
    "with the one thing to change. The intended driver is --driver's package\n"
    "when it matches the device, else the package that matches it best. An\n"
    "unbound device is explained by its nearest miss over every package, in\n"
    "the order `match` gives: revision, subsystem, transitional vs modern ID,\n"
    "another device of the vendor.\n"
    "\n"
    "A failure is either expected (predicted from the signature policy's\n"
    "verdict, before or without Windows saying so) or seen (recorded by\n"
    "Windows: setupapi.dev.log's sig: lines, ConfigFlags FAILEDINSTALL); each\n"
    "device says which (basis: predicted or evidence; JSON verdict.basis). A\n"
    "device that already failed to install is not new hardware to Windows:\n"
    "add-driver re-arms it (ConfigFlags |= 0x20 REINSTALL), and doctor says so.\n"
    "\n"
    "Options:\n"
    "  --image DIR|FILE.wim  the offline Windows (a WIM needs --index when it\n"
    "                 holds several images).\n"
    "  --driver NAME  a package of the image (staged INF name, oemN.inf or\n"
    "                 original name): the devices of the vendors it lists.\n"
    "  --hwid-prefix ID  the devices whose hardware ID starts with ID (or an\n"
    "                 instance path), e.g. 'PCI\\VEN_1AF4&DEV_1059'.\n"
    "  --setupapi-log FILE  read this log instead of the image's (a copy taken\n"
    "                 from the running machine, for instance).\n"
    "  --bcd FILE     a boot store the system boots with, read for testsigning\n"
    "                 (repeatable: install media have boot\\BCD and\n"
    "                 efi\\microsoft\\boot\\bcd; on only when on in every one).\n"
    "                 Without it an installed system's testsigning is unknown\n"
    "                 (it never boots from its BCD-Template), a generalized\n"
    "                 image's comes from its BCD-Template, with the caveat.\n"
    "  --json         machine-readable report (schema offstage.doctor/1).\n"
    "\n"
    "Exit status: 0 every device is bound to the intended driver, or not\n"
    "installed yet (WAIT: the image has not booted with it, or no devnode is\n"
    "found) with nothing predicting a failure (a verdict resting on what is\n"
    "not known, such as an installed system's testsigning without --bcd,\n"
    "predicts none: the WAIT line says so); 1 some device fails (a FAIL\n"
    "line, expected or seen), or no device was found and a package waiting\n"
    "for one is expected to fail; 2 error.\n"
    "\n"
    "Examples:\n"
    "  offstage doctor --image /mnt/win7\n"
    "  offstage doctor --image /mnt/win7 --driver aero_virtio_snd.inf\n"
    "  offstage doctor --image install.wim --index 1 --hwid-prefix 'PCI\\VEN_1AF4'\n"
    "  offstage doctor --image /mnt/win7 --setupapi-log ./setupapi.dev.log --json\n";

struct options {
    const char *image, *index;
    struct ost_doctor_options doctor;
    bool json;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'},       {"index", required_argument, NULL, 'x'},
        {"driver", required_argument, NULL, 'd'},      {"hwid-prefix", required_argument, NULL, 'p'},
        {"setupapi-log", required_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
        {"bcd", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},              {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "doctor", .shortopts = "i:x:d:p:l:b:jh", .longopts = longopts, .repeatable = "b"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'd': o->doctor.driver = optarg; break;
        case 'p': o->doctor.hwid_prefix = optarg; break;
        case 'l': o->doctor.setupapi_log = optarg; break;
        case 'b': ost_strlist_add(&o->doctor.bcd, optarg); break;
        case 'j': o->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error("doctor", "unexpected argument '%s'", argv[optind]);
    if (o->doctor.hwid_prefix) {
        int rc = ost_cli_check_device_spec("doctor", o->doctor.hwid_prefix);
        if (rc)
            return rc;
    }
    return 0;
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? OST_EXIT_OK : rc;
    struct ost_image_set imgs;
    rc = ost_cli_open_images("doctor", o.image, o.index, false, false, true, &imgs);
    json_t *images = json_array();
    bool all_bound = true, healthy = true;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        struct ost_error err;
        struct ost_doctor_report *r;
        if (ost_doctor_run(imgs.v[i], &o.doctor, &r, &err) != OST_OK) {
            rc = ost_cli_report_error("doctor", &err);
            break;
        }
        all_bound = all_bound && ost_doctor_all_bound(r);
        healthy = healthy && ost_doctor_healthy(r);
        if (o.json) {
            json_t *im = ost_cli_doctor_json(imgs.v[i], r);
            json_object_set_new(im, "boot_policy", ost_cli_boot_policy_json(&r->policy));
            json_array_append_new(images, im);
        } else {
            ost_cli_print_doctor(stdout, imgs.v[i], r, i > 0);
            ost_cli_boot_policy_print(stdout, &r->policy, "");
        }
        ost_doctor_report_free(r);
    }
    if (rc == 0 && o.json) {
        json_t *doc = json_pack("{s:s, s:b, s:b, s:O}", "schema", "offstage.doctor/1", "all_bound", all_bound,
                                "healthy", healthy, "images", images);
        ost_cli_print_json_per_image(doc, "images");
    }
    json_decref(images);
    ost_cli_close_images(&imgs);
    ost_strlist_free(&o.doctor.bcd);
    return rc ? rc : healthy ? OST_EXIT_OK : OST_EXIT_NEGATIVE;
}

const struct ost_command ost_cmd_doctor = {
    .name = "doctor",
    .summary = "after first boot: why a device did or did not bind",
    .help = help,
    .run = run,
};
