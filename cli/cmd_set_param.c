/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage set-param: set a device's bring-up values in an offline Windows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "device_cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage set-param --image DIR|FILE.wim [--index N|all]\n"
    "                          --device INSTANCE-PATH|HARDWARE-ID [--driver-key]\n"
    "                          [--type dword|sz] NAME=VALUE... [--delete NAME]...\n"
    "                          [--dry-run] [--force] [--json]\n"
    "\n"
    "Sets values a driver reads when its device starts, such as the virtio-snd\n"
    "driver's bring-up toggles ForceNullBackend and AllowPollingOnly, in an\n"
    "offline Windows that has already seen the device (booted with it once).\n"
    "\n"
    "The values go under the device's\n"
    "  SYSTEM\\<control set>\\Enum\\<instance path>\\Device Parameters\\Parameters\n"
    "key (created when missing), where such drivers look first. With\n"
    "--driver-key they go under the device's driver (software) key,\n"
    "Control\\Class\\{class-guid}\\NNNN, the fallback older installs used; a\n"
    "device that has no driver bound yet has none.\n"
    "\n"
    "--device is an instance path as Device Manager shows it (Details, \"Device\n"
    "instance path\"), e.g. PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&13c0b0c5&0&18,\n"
    "or a hardware ID, whole or its leading &-parts (PCI\\VEN_1AF4&DEV_1059):\n"
    "every device instance it names is changed, and each is listed.\n"
    "\n"
    "When the image has no such device (it never booted with it), nothing is\n"
    "written and the alternatives are explained: boot it once, or ship the\n"
    "package with different defaults in its INF (which invalidates its\n"
    "signature unless the catalog is re-signed).\n"
    "\n"
    "Options:\n"
    "  --type dword|sz   the values' type: REG_DWORD (default; decimal or 0x hex,\n"
    "                    0 to 0xFFFFFFFF) or REG_SZ (text).\n"
    "  --delete NAME     remove the value NAME (repeatable), so the driver falls\n"
    "                    back to its default; one that is not there is left so.\n"
    "  --dry-run         show what would change, write nothing.\n"
    "  --quiet           print only the last line and errors.\n"
    "  --force           edit a SYSTEM hive that is dirty (not cleanly shut down).\n"
    "  --json            machine-readable result (offstage.set-param/1).\n"
    "\n"
    "Names are value names: not empty, at most 255 characters, no \\ or /, no\n"
    "control characters. Running the same command again changes nothing.\n"
    "\n"
    "Examples:\n"
    "  offstage set-param --image /mnt/win7 --device 'PCI\\VEN_1AF4&DEV_1059' \\\n"
    "      ForceNullBackend=1 AllowPollingOnly=1\n"
    "  offstage set-param --image install.wim --index 4 --driver-key \\\n"
    "      --device 'PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&13c0b0c5&0&18' ForceNullBackend=0\n"
    "\n"
    "Exit status: 0 set (or already so); 1 no such device in the image, or\n"
    "--driver-key for a device without a driver (nothing written); 2 error\n"
    "(bad name or value, unreadable image; nothing written).\n";

struct options {
    const char *image, *index, *device;
    ost_param_location where;
    uint32_t type;
    bool dry_run, force, json;
    struct ost_param *values; /* type OST_REG_NONE: a value to delete */
    size_t nvalues;
    struct ost_strlist deletes;
};

static int parse_values(int argc, char **argv, struct options *o)
{
    struct ost_error err;
    o->values = ost_xcalloc((size_t)argc + o->deletes.n, sizeof *o->values);
    for (int i = optind; i < argc; i++) {
        if (ost_param_parse_assignment(argv[i], o->type, &o->values[o->nvalues], &err) != OST_OK)
            return ost_cli_usage_error("set-param", "%s", err.message);
        o->nvalues++;
    }
    for (size_t i = 0; i < o->deletes.n; i++) {
        if (ost_param_check_name(o->deletes.v[i], &err) != OST_OK)
            return ost_cli_usage_error("set-param", "%s", err.message);
        o->values[o->nvalues++] = (struct ost_param){.name = ost_xstrdup(o->deletes.v[i]), .type = OST_REG_NONE};
    }
    if (!o->nvalues)
        return ost_cli_usage_error("set-param", "name the values to set as NAME=VALUE (or to remove with --delete NAME)");
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"device", required_argument, NULL, 'd'}, {"driver-key", no_argument, NULL, 'k'},
        {"type", required_argument, NULL, 't'}, {"dry-run", no_argument, NULL, 'n'},
        {"force", no_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"delete", required_argument, NULL, 'D'}, {0, 0, 0, 0},
    };
    int c;
    o->type = OST_REG_DWORD;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "set-param", .shortopts = "i:x:d:kt:nfjh",
                               .longopts = longopts, .repeatable = "D"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'd': o->device = optarg; break;
        case 'k': o->where = OST_PARAM_DRIVER_KEY; break;
        case 'D': ost_strlist_add(&o->deletes, optarg); break;
        case 't':
            if (!strcmp(optarg, "dword"))
                o->type = OST_REG_DWORD;
            else if (!strcmp(optarg, "sz"))
                o->type = OST_REG_SZ;
            else
                return ost_cli_usage_error("set-param", "--type is dword or sz, not '%s'", optarg);
            break;
        case 'n': o->dry_run = true; break;
        case 'f': o->force = true; break;
        case 'j': o->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (!o->image)
        return ost_cli_usage_error("set-param", "name the offline Windows with --image DIR or --image FILE.wim");
    int rc = ost_cli_check_device_spec("set-param", o->device);
    if (rc)
        return rc;
    return parse_values(argc, argv, o);
}

static int apply(struct ost_image_set *imgs, const struct ost_set_param_plan *plans,
                 const struct ost_set_param_options *job, const struct options *o)
{
    struct ost_error err;
    for (size_t i = 0; i < imgs->n; i++)
        if (ost_set_param_apply(imgs->v[i], job, &plans[i], &err) != OST_OK)
            return ost_cli_report_error("set-param", &err);
    return ost_cli_finish_images("set-param", imgs, o->json);
}

/* ---- output --------------------------------------------------------------- */

static void print_delete(const struct ost_param_change *c, bool dry_run)
{
    if (!c->changed) {
        printf("      %s (not set; nothing to delete)\n", c->after->name);
        return;
    }
    char *before = ost_cli_param_text(&c->before);
    printf("      %s %s (was %s %s)\n", c->after->name, dry_run ? "would be deleted" : "deleted", before,
           ost_reg_type_name(c->before.type));
    free(before);
}

static void print_plan(const struct ost_image *img, const struct ost_set_param_plan *p, bool dry_run)
{
    char *desc = ost_image_describe(img);
    printf("image %s: %s\n", img->target->name, desc);
    free(desc);
    if (p->problem) {
        printf("%s", p->problem);
        if (p->problem[strlen(p->problem) - 1] != '\n')
            putchar('\n');
        return;
    }
    const struct ost_devnode *shown = NULL;
    for (size_t k = 0; k < p->nchanges; k++) {
        const struct ost_param_change *c = &p->changes[k];
        if (c->dn != shown) {
            printf("  %s\n    %s\\%s\n", c->dn->instance_path, img->info.control_set_name, c->key);
            shown = c->dn;
        }
        if (c->is_delete) {
            print_delete(c, dry_run);
            continue;
        }
        char *after = ost_cli_param_text(c->after), *before = c->before.name ? ost_cli_param_text(&c->before) : NULL;
        const char *type = ost_reg_type_name(c->after->type);
        if (!c->changed)
            printf("      %s = %s %s (unchanged)\n", c->after->name, after, type);
        else if (before)
            printf("      %s = %s %s (%swas %s %s)\n", c->after->name, after, type, dry_run ? "would be set; " : "",
                   before, ost_reg_type_name(c->before.type));
        else
            printf("      %s = %s %s (%snew)\n", c->after->name, after, type, dry_run ? "would be set; " : "");
        free(after), free(before);
    }
}

static json_t *plan_json(const struct ost_image *img, const struct ost_set_param_plan *p)
{
    json_t *devices = json_array();
    json_t *dev = NULL, *values = NULL;
    const struct ost_devnode *shown = NULL;
    for (size_t k = 0; k < p->nchanges; k++) {
        const struct ost_param_change *c = &p->changes[k];
        if (c->dn != shown) {
            dev = ost_cli_devnode_json(c->dn);
            values = json_array();
            json_object_set_new(dev, "key", json_string(c->key));
            json_object_set_new(dev, "values", values);
            json_array_append_new(devices, dev);
            shown = c->dn;
        }
        json_t *v = c->is_delete ? json_pack("{s:s, s:b}", "name", c->after->name, "delete", 1)
                                        : ost_cli_param_json(c->after);
        json_object_set_new(v, "before", c->before.name ? ost_cli_param_json(&c->before) : json_null());
        json_object_set_new(v, "changed", json_boolean(c->changed));
        json_array_append_new(values, v);
    }
    return json_pack("{s:o, s:o, s:o}", "image", ost_cli_image_json(img), "devices", devices, "message",
                     ost_json_str(p->problem));
}

static void print_result(ost_outcome result, size_t changed)
{
    switch (result) {
    case OST_OUTCOME_SET:
        printf("changed %zu value%s; the driver reads them when the device next starts (boot, or disable and "
               "enable it)\n", changed, changed == 1 ? "" : "s");
        break;
    case OST_OUTCOME_UNCHANGED: printf("nothing to do: every value is already so\n"); break;
    case OST_OUTCOME_DRY_RUN: printf("dry run: nothing was written\n"); break;
    default: printf("nothing was written\n"); break;
    }
}

static void report(const struct ost_image_set *imgs, const struct ost_set_param_plan *plans, const struct options *o,
                   ost_outcome result)
{
    if (!o->json) {
        size_t changed = 0;
        for (size_t i = 0; i < imgs->n; i++) {
            print_plan(imgs->v[i], &plans[i], o->dry_run);
            changed += plans[i].nchanged;
        }
        print_result(result, changed);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < imgs->n; i++)
        json_array_append_new(list, plan_json(imgs->v[i], &plans[i]));
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:o}", "schema", "offstage.set-param/1", "result",
                            ost_outcome_name(result), "device", o->device, "location",
                            ost_cli_param_location_name(o->where), "images", list);
    ost_cli_print_json_per_image(doc, "images");
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct ost_image_set imgs = {0};
    struct ost_set_param_plan *plans = NULL;
    struct ost_error err;
    int rc = parse(argc, argv, &o);
    struct ost_set_param_options job = {.device = o.device, .where = o.where, .values = o.values,
                                        .nvalues = o.nvalues};
    if (rc == 0)
        rc = ost_cli_open_images("set-param", o.image, o.index, !o.dry_run, true, o.force, &imgs);
    if (rc == 0)
        plans = ost_xcalloc(imgs.n, sizeof *plans);
    for (size_t i = 0; rc == 0 && i < imgs.n; i++)
        if (ost_set_param_plan(imgs.v[i], &job, &plans[i], &err) != OST_OK)
            rc = ost_cli_report_error("set-param", &err);
    ost_outcome result = rc == 0 ? ost_set_param_outcome(plans, imgs.n, o.dry_run) : OST_OUTCOME_UNCHANGED;
    bool missing = result == OST_OUTCOME_NOT_FOUND || result == OST_OUTCOME_NO_DRIVER_KEY;
    if (rc == 0 && result == OST_OUTCOME_SET)
        rc = apply(&imgs, plans, &job, &o);
    if (rc == 0) {
        report(&imgs, plans, &o, result);
        rc = missing ? OST_EXIT_NEGATIVE : OST_EXIT_OK;
    }
    for (size_t i = 0; plans && i < imgs.n; i++)
        ost_set_param_plan_free(&plans[i]);
    free(plans);
    ost_cli_close_images(&imgs);
    for (size_t i = 0; i < o.nvalues; i++)
        ost_param_free(&o.values[i]);
    free(o.values);
    ost_strlist_free(&o.deletes);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_set_param = {
    .name = "set-param",
    .summary = "set a device's parameters (e.g. bring-up toggles) in an offline Windows",
    .help = help,
    .run = run,
};
