/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage match: will this package bind this device, and why not? */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage match --driver PATH... (--pci VEN:DEV[:SUBSYS[:REV]] | --hwid ID...)\n"
    "                      [--compatible-id ID...] [--class-code CCSSPP] [--arch x86|amd64]\n"
    "                      [--os 6.1] [--recurse] [--json]\n"
    "\n"
    "Answers \"will this driver package bind this device, and why not\", the way\n"
    "Windows' device installer decides on first boot.\n"
    "\n"
    "The device:\n"
    "  --pci VEN:DEV[:SUBSYS[:REV]]  a PCI device, in hex, e.g. 1af4:1059:00191af4:01\n"
    "                 (SUBSYS is subsystem ID then subsystem vendor, as Windows\n"
    "                 prints it). Expanded to the hardware and compatible IDs\n"
    "                 Windows 7's PCI bus driver reports, most specific first:\n"
    "                 hardware PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01,\n"
    "                 ...&SUBSYS_00191AF4, ...&CC_040100, ...&CC_0401; compatible\n"
    "                 PCI\\VEN_1AF4&DEV_1059&REV_01, PCI\\VEN_1AF4&DEV_1059, ...\n"
    "                 Without SUBSYS (or with 00000000) the device has none, and\n"
    "                 VEN&DEV&REV and VEN&DEV are hardware IDs.\n"
    "  --class-code C the PCI class code (6 hex digits, e.g. 040100) for the\n"
    "                 class-based IDs (virtio sound: 040100 unless given).\n"
    "  --hwid ID      a hardware ID, most specific first (repeatable), e.g. as\n"
    "                 shown by Device Manager > Details > Hardware Ids.\n"
    "  --compatible-id ID  a compatible ID (repeatable).\n"
    "\n"
    "The packages:\n"
    "  --driver PATH  an INF, or a folder of INFs (repeatable; --recurse for\n"
    "                 subfolders). Every package is considered, as Windows does\n"
    "                 with the driver store and DevicePath.\n"
    "  --arch A       the Windows architecture (default amd64). On x64 only\n"
    "                 NTamd64-decorated models sections are used.\n"
    "  --os V         Windows version for decorations (default 6.1, Windows 7).\n"
    "\n"
    "Output: the matching INF, model and install section; whether a hardware or\n"
    "compatible ID matched and at which position; the rank (0xSSGGTHHH: signature,\n"
    "feature and identifier scores; lowest wins). A package with its catalog\n"
    "present is ranked as signed (the signature itself is not verified here).\n"
    "When nothing matches, the nearest misses say why, one per package, in the\n"
    "order a user fixes them (doctor's headline is the first): models section\n"
    "not decorated for the architecture, revision differs, subsystem differs,\n"
    "virtio transitional vs modern ID, another device of the same vendor.\n"
    "\n"
    "  --json         machine-readable result (schema offstage.match/1).\n"
    "\n"
    "Exit status: 0 a package matches; 1 none does; 2 error.\n"
    "\n"
    "Examples:\n"
    "  offstage match --driver build/examples/virtio-snd/amd64 --pci 1af4:1059:00191af4:01\n"
    "  offstage match --driver pkg/aero_virtio_snd.inf --pci 1af4:1018 --arch x86\n";

struct options {
    struct ost_strlist drivers;
    struct ost_device_ids device;
    bool have_pci, recurse, json;
    struct ost_pci_identity pci;
    const char *class_code;
    struct ost_package_options pkg;
    ost_arch arch;
};

static int parse_args(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"driver", required_argument, NULL, 'd'}, {"hwid", required_argument, NULL, 'i'},
        {"compatible-id", required_argument, NULL, 'c'}, {"pci", required_argument, NULL, 'p'},
        {"class-code", required_argument, NULL, 'C'}, {"arch", required_argument, NULL, 'a'},
        {"os", required_argument, NULL, 'o'}, {"recurse", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    struct ost_error err;
    int c;
    o->arch = OST_ARCH_AMD64;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "match", .shortopts = "d:i:c:p:C:a:o:rjh",
                               .longopts = longopts, .repeatable = "dic"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'd': ost_strlist_add(&o->drivers, optarg); break;
        case 'i': ost_strlist_add(&o->device.hardware_ids, optarg); break;
        case 'c': ost_strlist_add(&o->device.compatible_ids, optarg); break;
        case 'p':
            if (ost_pci_identity_parse(optarg, &o->pci, &err) != OST_OK)
                return ost_cli_usage_error("match", "%s", err.message);
            o->have_pci = true;
            break;
        case 'C': o->class_code = optarg; break;
        case 'a':
            o->arch = ost_arch_parse(optarg);
            if (o->arch == OST_ARCH_UNKNOWN)
                return ost_cli_usage_error("match", "unknown architecture '%s' (use x86 or amd64)", optarg);
            break;
        case 'o':
            if (!ost_os_version_parse(optarg, &o->pkg.model.os))
                return ost_cli_usage_error("match", "--os wants MAJOR.MINOR[.BUILD], e.g. 6.1; got '%s'", optarg);
            break;
        case 'r': o->recurse = true; break;
        case 'j': o->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error("match", "unexpected argument '%s'", argv[optind]);
    if (!o->drivers.n)
        return ost_cli_usage_error("match", "name the packages with --driver PATH");
    if (o->have_pci && o->device.hardware_ids.n)
        return ost_cli_usage_error("match", "give the device either as --pci or as --hwid, not both");
    if (!o->have_pci && !o->device.hardware_ids.n && !o->device.compatible_ids.n)
        return ost_cli_usage_error("match", "name the device with --pci VEN:DEV[:SUBSYS[:REV]] or --hwid ID");
    if (o->class_code) {
        if (!o->have_pci)
            return ost_cli_usage_error("match", "--class-code goes with --pci");
        if (ost_pci_class_parse(o->class_code, &o->pci, &err) != OST_OK)
            return ost_cli_usage_error("match", "%s", err.message);
    }
    if (o->have_pci) {
        ost_pci_default_class(&o->pci);
        struct ost_device_ids extra = o->device;
        o->device = (struct ost_device_ids){0};
        ost_pci_expand(&o->pci, &o->device);
        for (size_t i = 0; i < extra.compatible_ids.n; i++)
            ost_strlist_add(&o->device.compatible_ids, extra.compatible_ids.v[i]);
        ost_device_ids_free(&extra);
    }
    o->pkg.model.arches[0] = o->arch;
    o->pkg.model.narches = 1;
    return 0;
}

struct loaded {
    struct ost_driver_model **models;
    struct ost_match_input *inputs;
    size_t n;
};

static int load_packages(const struct options *o, struct loaded *l)
{
    struct ost_strlist infs = {0};
    struct ost_error err;
    for (size_t i = 0; i < o->drivers.n; i++) {
        if (ost_package_find_infs(o->drivers.v[i], o->recurse, &infs, &err) != OST_OK) {
            ost_strlist_free(&infs);
            return ost_cli_report_error("match", &err);
        }
    }
    l->models = ost_xcalloc(infs.n, sizeof *l->models);
    l->inputs = ost_xcalloc(infs.n, sizeof *l->inputs);
    for (size_t i = 0; i < infs.n; i++) {
        struct ost_driver_model *m;
        if (ost_driver_model_load(infs.v[i], &o->pkg.inf, &o->pkg.model, &m, &err) != OST_OK) {
            ost_strlist_free(&infs);
            return ost_cli_report_error("match", &err);
        }
        const struct ost_arch_model *am = ost_driver_model_arch(m, o->arch);
        char *cat = am && am->catalog_file ? ost_find_ci(m->package_dir, am->catalog_file) : NULL;
        l->models[l->n] = m;
        l->inputs[l->n] = (struct ost_match_input){.model = m, .trusted_signature = cat != NULL};
        l->n++;
        free(cat);
    }
    ost_strlist_free(&infs);
    return 0;
}

static void print_device(const struct options *o)
{
    printf("device on %s:\n", ost_arch_name(o->arch));
    for (size_t i = 0; i < o->device.hardware_ids.n; i++)
        printf("  hardware ID   #%zu %s\n", i + 1, o->device.hardware_ids.v[i]);
    for (size_t i = 0; i < o->device.compatible_ids.n; i++)
        printf("  compatible ID #%zu %s\n", i + 1, o->device.compatible_ids.v[i]);
}

static void print_match(const struct ost_match *m)
{
    const struct ost_model_line *ml = m->device->model;
    const char *dev_list = m->kind == OST_MATCH_HW_HW || m->kind == OST_MATCH_HW_COMPAT ? "hardware" : "compatible";
    const char *inf_kind = m->inf_id_index == 0 ? "its hardware ID" : "a compatible ID of the model";
    printf("%s %s:%u  \"%s\"  [%s]\n", m->best ? "MATCH" : "also ", m->model->inf_path, ml->line, ml->description,
           ml->models_section);
    printf("      install section %s -> %s\n", ml->install_section, m->device->ddinstall ? m->device->ddinstall : "(missing)");
    printf("      device %s ID #%zu %s = %s\n", dev_list, m->device_id_index + 1, m->device_id, inf_kind);
    printf("      rank 0x%08X (signature 0x%02X: %s; feature 0x%02X; identifier 0x%04X)\n", m->rank,
           m->signature_score,
           m->signature_score == 0 ? "catalog present, ranked as signed"
           : m->signature_score == 0x80 ? "unsigned, .NT install section" : "unsigned",
           m->feature_score, m->rank & 0xFFFF);
}

static json_t *result_json(const struct options *o, const struct ost_match_result *r)
{
    json_t *hw = json_array(), *cid = json_array(), *matches = json_array(), *misses = json_array();
    for (size_t i = 0; i < o->device.hardware_ids.n; i++)
        json_array_append_new(hw, json_string(o->device.hardware_ids.v[i]));
    for (size_t i = 0; i < o->device.compatible_ids.n; i++)
        json_array_append_new(cid, json_string(o->device.compatible_ids.v[i]));
    for (size_t i = 0; i < r->nmatches; i++) {
        const struct ost_match *m = &r->matches[i];
        const struct ost_model_line *ml = m->device->model;
        char rank[16];
        snprintf(rank, sizeof rank, "0x%08X", m->rank);
        json_array_append_new(matches, json_pack(
            "{s:b, s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:s, s:i, s:s, s:i, s:b}",
            "best", m->best, "inf", m->model->inf_path, "name", m->model->inf_name, "line", ml->line,
            "description", ml->description, "models_section", ml->models_section,
            "install_section", ml->install_section, "ddinstall", ost_json_str(m->device->ddinstall),
            "kind", ost_match_kind_name(m->kind), "device_id", m->device_id,
            "device_id_position", (json_int_t)m->device_id_index + 1, "inf_id", m->inf_id,
            "inf_id_position", (json_int_t)m->inf_id_index, "rank", rank, "rank_value", (json_int_t)m->rank,
            "ranked_as_signed", m->signature_score == 0));
    }
    for (size_t i = 0; i < r->nmisses; i++) {
        const struct ost_near_miss *x = &r->misses[i];
        json_array_append_new(misses, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "reason",
                                                ost_miss_reason_name(x->reason), "inf", x->model->inf_path, "name",
                                                x->model->inf_name, "line", x->line->line, "models_section",
                                                x->line->models_section, "inf_id", x->inf_id, "explanation",
                                                x->explanation));
    }
    return json_pack("{s:s, s:s, s:b, s:{s:o, s:o}, s:o, s:o}", "schema", "offstage.match/1", "arch",
                     ost_arch_name(o->arch), "matched", r->nmatches > 0, "device", "hardware_ids", hw,
                     "compatible_ids", cid, "matches", matches, "near_misses", misses);
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct loaded l = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc == 0)
        rc = load_packages(&o, &l);
    if (rc == 0) {
        struct ost_match_result r;
        ost_match_device(&o.device, l.inputs, l.n, o.arch, &r);
        if (o.json) {
            json_t *doc = result_json(&o, &r);
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            print_device(&o);
            for (size_t i = 0; i < r.nmatches; i++)
                print_match(&r.matches[i]);
            if (!r.nmatches)
                printf("NO MATCH: no package binds this device on %s\n", ost_arch_name(o.arch));
            if (r.nmisses)
                printf("%s:\n", r.nmatches ? "packages that do not match" : "nearest misses");
            for (size_t i = 0; i < r.nmisses; i++)
                printf("  %s: %s\n", ost_miss_reason_name(r.misses[i].reason), r.misses[i].explanation);
            if (!r.nmatches && !r.nmisses)
                printf("  no package has an ID of this vendor\n");
        }
        rc = r.nmatches ? OST_EXIT_OK : OST_EXIT_NEGATIVE;
        ost_match_result_free(&r);
    }
    for (size_t i = 0; i < l.n; i++)
        ost_driver_model_free(l.models[i]);
    free(l.models);
    free(l.inputs);
    ost_strlist_free(&o.drivers);
    ost_device_ids_free(&o.device);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_match = {
    .name = "match",
    .summary = "will a driver package bind a device, and if not, why",
    .help = help,
    .run = run,
};
