/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-param: read a device's parameters from an offline Windows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "device_cli.h"

static const char help[] =
    "usage: offstage get-param --image DIR|FILE.wim [--index N|all]\n"
    "                          --device INSTANCE-PATH|HARDWARE-ID [--driver-key]\n"
    "                          [NAME...] [--force] [--json]\n"
    "\n"
    "Reads the values a driver reads when its device starts (such as the\n"
    "virtio-snd driver's ForceNullBackend and AllowPollingOnly) from an offline\n"
    "Windows: under the device's\n"
    "  SYSTEM\\<control set>\\Enum\\<instance path>\\Device Parameters\\Parameters\n"
    "key, or with --driver-key under its driver key Control\\Class\\{class-guid}\\NNNN.\n"
    "Without NAME, every value there is listed. Nothing is written.\n"
    "\n"
    "--device is an instance path (Device Manager, Details, \"Device instance\n"
    "path\") or a hardware ID, whole or its leading &-parts: every device\n"
    "instance it names is listed, with its bound service and driver key.\n"
    "An image that never booted with the device has no devnode for it; the\n"
    "alternatives are explained.\n"
    "\n"
    "Options:\n"
    "  --force           read a SYSTEM hive that is dirty (not cleanly shut down).\n"
    "  --json            machine-readable answer (offstage.get-param/1).\n"
    "\n"
    "Examples:\n"
    "  offstage get-param --image /mnt/win7 --device 'PCI\\VEN_1AF4&DEV_1059' ForceNullBackend\n"
    "  offstage get-param --image install.wim --index 1 --device 'PCI\\VEN_15AD&DEV_0740' --driver-key\n"
    "\n"
    "Exit status: 0 found (every NAME on every device); 1 no such device, a NAME\n"
    "is not set, or --driver-key for a device without a driver; 2 error.\n";

struct options {
    const char *image, *index, *device;
    ost_param_location where;
    bool force, json;
    char **names;
    size_t nnames;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"device", required_argument, NULL, 'd'}, {"driver-key", no_argument, NULL, 'k'},
        {"force", no_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    struct ost_error err;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "get-param", .shortopts = "i:x:d:kfjh", .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'd': o->device = optarg; break;
        case 'k': o->where = OST_PARAM_DRIVER_KEY; break;
        case 'f': o->force = true; break;
        case 'j': o->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (!o->image)
        return ost_cli_usage_error("get-param", "name the offline Windows with --image DIR or --image FILE.wim");
    int rc = ost_cli_check_device_spec("get-param", o->device);
    if (rc)
        return rc;
    for (int i = optind; i < argc; i++)
        if (ost_param_check_name(argv[i], &err) != OST_OK)
            return ost_cli_usage_error("get-param", "%s", err.message);
    o->names = argv + optind;
    o->nnames = (size_t)(argc - optind);
    return 0;
}

/* What one device has at the location. */
struct device_answer {
    const struct ost_devnode *dn;
    char *key;
    char *problem;            /* no driver key */
    struct ost_params values; /* the named ones found, or all */
    struct ost_strlist missing;
};

struct image_answer {
    struct ost_device_selection devices;
    struct device_answer *v;
    char *problem;            /* no device */
};

static int answer_device(struct ost_image *img, const struct options *o, struct device_answer *a)
{
    struct ost_error err;
    ost_status st = ost_param_key_path(a->dn, o->where, &a->key, &err);
    if (st == OST_NEGATIVE) {
        a->problem = ost_xstrdup(err.message);
        return OST_EXIT_NEGATIVE;
    }
    if (st == OST_OK && !o->nnames)
        st = ost_params_list(img, a->dn, o->where, &a->values, &err);
    for (size_t i = 0; st == OST_OK && i < o->nnames; i++) {
        struct ost_param p;
        st = ost_param_get(img, a->dn, o->where, o->names[i], &p, &err);
        if (st == OST_NEGATIVE) {
            ost_strlist_add(&a->missing, o->names[i]);
            st = OST_OK;
        } else if (st == OST_OK) {
            ost_grow(&a->values.v, &a->values.cap, a->values.n + 1, sizeof *a->values.v);
            a->values.v[a->values.n++] = p;
        }
    }
    if (st != OST_OK)
        return ost_cli_report_error("get-param", &err);
    return a->missing.n ? OST_EXIT_NEGATIVE : OST_EXIT_OK;
}

static int answer_image(struct ost_image *img, const struct options *o, struct image_answer *a)
{
    ost_device_select(img, o->device, &a->devices);
    if (!a->devices.n) {
        a->problem = ost_no_device_message(img, &a->devices, o->device);
        return OST_EXIT_NEGATIVE;
    }
    a->v = ost_xcalloc(a->devices.n, sizeof *a->v);
    int worst = OST_EXIT_OK;
    for (size_t i = 0; i < a->devices.n; i++) {
        a->v[i].dn = a->devices.v[i];
        int r = answer_device(img, o, &a->v[i]);
        if (r == OST_EXIT_ERROR)
            return r;
        if (r > worst)
            worst = r;
    }
    return worst;
}

static void answer_free(struct image_answer *a)
{
    for (size_t i = 0; a->v && i < a->devices.n; i++) {
        free(a->v[i].key);
        free(a->v[i].problem);
        ost_params_free(&a->v[i].values);
        ost_strlist_free(&a->v[i].missing);
    }
    free(a->v);
    free(a->problem);
    ost_device_selection_free(&a->devices);
}

static void print_device(const struct ost_image *img, const struct device_answer *a)
{
    const struct ost_devnode *dn = a->dn;
    printf("%s\n", dn->instance_path);
    printf("  service %s, driver key %s", dn->service ? dn->service : "(none)", dn->driver ? dn->driver : "(none)");
    if (dn->has_config_flags) {
        char *flags = ost_config_flags_describe(dn->config_flags);
        printf(", ConfigFlags %s", flags);
        free(flags);
    }
    putchar('\n');
    ost_cli_print_diags(stdout, &dn->findings, "  ", OST_SEV_NOTE);
    if (a->problem) {
        printf("  %s\n", a->problem);
        return;
    }
    printf("  %s\\%s\n", img->info.control_set_name, a->key);
    if (!a->values.n && !a->missing.n)
        printf("    (no values)\n");
    for (size_t i = 0; i < a->values.n; i++) {
        char *text = ost_cli_param_text(&a->values.v[i]);
        printf("    %s = %s %s\n", a->values.v[i].name, text, ost_reg_type_name(a->values.v[i].type));
        free(text);
    }
    for (size_t i = 0; i < a->missing.n; i++)
        printf("    %s is not set\n", a->missing.v[i]);
}

static void print_image(const struct ost_image *img, const struct image_answer *a, bool several)
{
    if (several) {
        char *desc = ost_image_describe(img);
        printf("image %s: %s\n", img->target->name, desc);
        free(desc);
    }
    if (a->problem)
        printf("%s", a->problem);
    for (size_t i = 0; a->v && i < a->devices.n; i++)
        print_device(img, &a->v[i]);
}

static json_t *device_json(const struct device_answer *a)
{
    json_t *d = ost_cli_devnode_json(a->dn), *values = json_array(), *missing = json_array();
    for (size_t i = 0; i < a->values.n; i++)
        json_array_append_new(values, ost_cli_param_json(&a->values.v[i]));
    for (size_t i = 0; i < a->missing.n; i++)
        json_array_append_new(missing, json_string(a->missing.v[i]));
    json_object_set_new(d, "key", ost_json_str(a->key));
    json_object_set_new(d, "values", values);
    json_object_set_new(d, "missing", missing);
    json_object_set_new(d, "message", ost_json_str(a->problem));
    return d;
}

static json_t *image_json(const struct ost_image *img, const struct image_answer *a)
{
    json_t *devices = json_array();
    for (size_t i = 0; a->v && i < a->devices.n; i++)
        json_array_append_new(devices, device_json(&a->v[i]));
    return json_pack("{s:o, s:o, s:o}", "image", ost_cli_image_json(img), "devices", devices, "message",
                     ost_json_str(a->problem));
}

static void report(const struct ost_image_set *imgs, const struct image_answer *answers, const struct options *o,
                   bool found)
{
    if (!o->json) {
        for (size_t i = 0; i < imgs->n; i++)
            print_image(imgs->v[i], &answers[i], imgs->n > 1);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < imgs->n; i++)
        json_array_append_new(list, image_json(imgs->v[i], &answers[i]));
    json_t *doc = json_pack("{s:s, s:b, s:s, s:s, s:o}", "schema", "offstage.get-param/1", "found", found, "device",
                            o->device, "location", ost_cli_param_location_name(o->where), "images", list);
    ost_cli_print_json_per_image(doc, "images");
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct ost_image_set imgs = {0};
    struct image_answer *answers = NULL;
    int rc = parse(argc, argv, &o);
    if (rc == 0)
        rc = ost_cli_open_images("get-param", o.image, o.index, false, false, o.force, &imgs);
    if (rc == 0)
        answers = ost_xcalloc(imgs.n, sizeof *answers);
    int worst = OST_EXIT_OK;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        int r = answer_image(imgs.v[i], &o, &answers[i]);
        if (r == OST_EXIT_ERROR)
            rc = r;
        else if (r > worst)
            worst = r;
    }
    if (rc == 0) {
        report(&imgs, answers, &o, worst == OST_EXIT_OK);
        rc = worst;
    }
    for (size_t i = 0; answers && i < imgs.n; i++)
        answer_free(&answers[i]);
    free(answers);
    ost_cli_close_images(&imgs);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_get_param = {
    .name = "get-param",
    .summary = "read a device's parameters from an offline Windows",
    .help = help,
    .run = run,
};
