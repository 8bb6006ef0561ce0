/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage bcd: read a BCD store, and turn testsigning / nointegritychecks on or off. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offstage.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage bcd --store FILE [--enum] [--set NAME on|off]... [--object ID]\n"
    "                    [--check NAME] [--dry-run] [--force] [--json]\n"
    "       offstage bcd --image DIR|FILE.wim [--index N|all] [the same options]\n"
    "\n"
    "Reads and edits a Boot Configuration Data store without Windows: a BCD file\n"
    "(install media's boot\\BCD, a system partition's EFI\\Microsoft\\Boot\\BCD), or\n"
    "with --image the Windows\\System32\\config\\BCD-Template of an offline Windows\n"
    "(a directory or a WIM), from which Setup and bcdboot create the installed\n"
    "system's boot store. When the image is held where offstage finds that\n"
    "boot store itself (a disk's system partition), --image edits it instead:\n"
    "an installed system never reads its BCD-Template.\n"
    "\n"
    "  --enum            list the objects like `bcdedit /enum all`: heading,\n"
    "                    identifier (with the well-known aliases {bootmgr},\n"
    "                    {default}, {globalsettings}, {bootloadersettings}, ...),\n"
    "                    type, device, path, description, osdevice, systemroot,\n"
    "                    inherit, default, displayorder, and testsigning and\n"
    "                    nointegritychecks as Yes/No. For loaders both are always\n"
    "                    shown with the value in effect and where it comes from\n"
    "                    (the object itself or one it inherits). This is what\n"
    "                    the command does when no other action is given.\n"
    "  --set NAME on|off NAME is testsigning or nointegritychecks (also NAME=on).\n"
    "                    Sets it on every Windows Boot Loader object and says\n"
    "                    which it changed, written as Windows writes it\n"
    "                    (REG_BINARY, one byte 01 or 00). A store with no loader\n"
    "                    (BCD-Template is one) gets it on {bootloadersettings},\n"
    "                    which the loaders bcdboot creates from it inherit; the\n"
    "                    output says so. Repeatable (once per NAME). Running it\n"
    "                    again changes nothing and says \"already\".\n"
    "  --object ID       edit only this object: a GUID or an alias ({default},\n"
    "                    {bootloadersettings}, {globalsettings}, ...).\n"
    "  --check NAME      answer: is NAME in effect for every loader (or, in a\n"
    "                    store with no loader, for loaders created from it)?\n"
    "  --dry-run         with --set: say what would change; write nothing (the\n"
    "                    exit status is the real run's).\n"
    "  --quiet           print only the last line and errors.\n"
    "  --force           edit a store that is dirty (its transaction log holds\n"
    "                    changes not yet written to it).\n"
    "  --json            machine-readable result (offstage.bcd/1).\n"
    "\n"
    "testsigning makes the loader and the kernel load drivers signed by any\n"
    "certificate, with no chain to a trusted root (Microsoft, \"The TESTSIGNING\n"
    "Boot Configuration Option\"); every driver must still carry a signature.\n"
    "Installing a test-signed package without a prompt is a separate check:\n"
    "its signer in the machine's ROOT and TrustedPublisher stores (add-cert).\n"
    "nointegritychecks is ignored by Windows 7 and Windows 8 (Microsoft,\n"
    "\"BCDEdit /set\"): setting it on such an image, or on a store whose\n"
    "Windows offstage cannot tell, warns; use testsigning there.\n"
    "\n"
    "Which store boots: an installed Windows its system partition's Boot\\BCD\n"
    "(BIOS) or EFI\\Microsoft\\Boot\\BCD (UEFI), install media their boot\\BCD\n"
    "and efi\\microsoft\\boot\\bcd; BCD-Template is only what bcdboot builds\n"
    "a new store from when Windows is installed.\n"
    "\n"
    "The store is written to a temporary file beside it and renamed into place;\n"
    "on any failure it is left byte-identical. A WIM is updated once, after\n"
    "every image was edited.\n"
    "\n"
    "Examples:\n"
    "  offstage bcd --store /mnt/efi/EFI/Microsoft/Boot/BCD --enum\n"
    "  offstage bcd --store media/boot/BCD --set testsigning on\n"
    "  offstage bcd --image install.wim --index all --set testsigning on\n"
    "  offstage bcd --image /tmp/win7 --check testsigning && echo test-signed drivers load\n"
    "\n"
    "Exit status: 0 done (or --check: on); 1 --check: off, or --set on a store\n"
    "that has neither a Windows Boot Loader object nor {bootloadersettings}\n"
    "(nothing written); 2 error (usage, --object not in the store, a file that\n"
    "is not a BCD hive, I/O).\n";

struct set_request {
    ost_bcd_flag flag;
    bool value;
};

struct options {
    const char *store, *image, *index, *object;
    struct set_request sets[8];
    size_t nsets;
    bool enumerate, check, force, json, dry_run;
    ost_bcd_flag check_flag;
};

struct change {
    size_t object;
    ost_bcd_flag flag;
    bool value, changed, was_set, was;
};

/* One store: the --store file, or one of an image's (its BCD-Template, or
 * the boot stores its target knows: ost_image_bcd_open). */
struct unit {
    struct ost_image *img; /* NULL for --store */
    size_t store;          /* which of img's */
    struct ost_bcd *bcd;
    ost_bcd_scope scope;
    struct change *changes;
    size_t nchanges;
    bool check_on;
    size_t check_asked; /* how many objects --check looked at */
};

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
        return *out = true, 0;
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
        return *out = false, 0;
    return ost_cli_usage_error("bcd", "--set takes on or off, not '%s'", v);
}

static int parse_set(char *arg, int argc, char **argv, struct options *o)
{
    char *eq = strchr(arg, '=');
    const char *value = eq ? eq + 1 : optind < argc ? argv[optind++] : NULL;
    if (eq)
        *eq = '\0';
    struct set_request r;
    if (!ost_bcd_parse_flag(arg, &r.flag))
        return ost_cli_usage_error("bcd", "--set: '%s' is not testsigning or nointegritychecks", arg);
    if (!value)
        return ost_cli_usage_error("bcd", "--set %s needs on or off", arg);
    int rc = parse_bool(value, &r.value);
    if (rc)
        return rc;
    for (size_t i = 0; i < o->nsets; i++)
        if (o->sets[i].flag == r.flag)
            return ost_cli_usage_error("bcd", "--set %s is given twice; set each flag once", arg);
    if (o->nsets == sizeof o->sets / sizeof o->sets[0])
        return ost_cli_usage_error("bcd", "too many --set options");
    o->sets[o->nsets++] = r;
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"store", required_argument, NULL, 's'}, {"image", required_argument, NULL, 'i'},
        {"index", required_argument, NULL, 'x'}, {"enum", no_argument, NULL, 'e'},
        {"set", required_argument, NULL, 'S'}, {"object", required_argument, NULL, 'o'},
        {"check", required_argument, NULL, 'c'}, {"force", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'n'}, {0, 0, 0, 0},
    };
    int c, rc = 0;
    optind = 1;
    /* "+": no reordering, so the value after --set NAME is the next word */
    struct ost_cli_getopt g = {.cmd = "bcd", .shortopts = "+s:i:x:eS:o:c:fjh", .longopts = longopts, .repeatable = "S"};
    while (rc == 0 && (c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 's': o->store = optarg; break;
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'e': o->enumerate = true; break;
        case 'S': rc = parse_set(optarg, argc, argv, o); break;
        case 'o': o->object = optarg; break;
        case 'c':
            o->check = true;
            if (!ost_bcd_parse_flag(optarg, &o->check_flag))
                rc = ost_cli_usage_error("bcd", "--check: '%s' is not testsigning or nointegritychecks", optarg);
            break;
        case 'f': o->force = true; break;
        case 'j': o->json = true; break;
        case 'n': o->dry_run = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (rc)
        return rc;
    if (optind < argc)
        return ost_cli_usage_error("bcd", "unexpected argument '%s'", argv[optind]);
    if (!o->store == !o->image)
        return ost_cli_usage_error("bcd", "name one store: --store FILE or --image DIR|FILE.wim");
    if (o->index && !o->image)
        return ost_cli_usage_error("bcd", "--index goes with --image FILE.wim");
    if (o->object && !o->nsets)
        return ost_cli_usage_error("bcd", "--object narrows --set; give --set too");
    if (o->dry_run && !o->nsets)
        return ost_cli_usage_error("bcd", "--dry-run goes with --set (the other actions write nothing)");
    if (!o->nsets && !o->check)
        o->enumerate = true;
    return 0;
}

/* ---- editing ----------------------------------------------------------------- */

/* Windows 7 (6.1) and 8 (6.2) ignore nointegritychecks (Microsoft,
 * "BCDEdit /set", https://learn.microsoft.com/en-us/windows-hardware/drivers/devtest/bcdedit--set):
 * turning it on there changes nothing at boot. */
static void warn_nointegritychecks(const struct unit *u, const struct options *o)
{
    bool asked = false;
    for (size_t i = 0; i < o->nsets; i++)
        asked = asked || (o->sets[i].flag == OST_BCD_NOINTEGRITYCHECKS && o->sets[i].value);
    if (!asked)
        return;
    if (!u->img)
        fprintf(stderr, "offstage bcd: warning: %s: nointegritychecks is ignored by Windows 7 and Windows 8 "
                "(Microsoft, \"BCDEdit /set\"); a store does not say which Windows it boots, so this is assumed: "
                "to load test-signed drivers, set testsigning on instead\n", o->store);
    else if (u->img->info.major == 6 && (u->img->info.minor == 1 || u->img->info.minor == 2))
        fprintf(stderr, "offstage bcd: warning: %s: the image is Windows %s (%u.%u), which ignores "
                "nointegritychecks (Microsoft, \"BCDEdit /set\"): to load test-signed drivers, set testsigning on "
                "instead\n", u->img->target->name, u->img->info.minor == 1 ? "7" : "8", u->img->info.major,
                u->img->info.minor);
}

static ost_status apply_sets(struct unit *u, const struct options *o, struct ost_error *err)
{
    size_t *idx, n;
    ost_status st = ost_bcd_targets(u->bcd, o->object, &idx, &n, &u->scope, err);
    if (st != OST_OK)
        return st;
    u->changes = ost_xcalloc(n * o->nsets, sizeof *u->changes);
    for (size_t s = 0; s < o->nsets && st == OST_OK; s++)
        for (size_t i = 0; i < n && st == OST_OK; i++) {
            struct change *c = &u->changes[u->nchanges++];
            const struct ost_bcd_bool *before = &u->bcd->v[idx[i]].flags[o->sets[s].flag];
            *c = (struct change){.object = idx[i], .flag = o->sets[s].flag, .value = o->sets[s].value,
                                 .was_set = before->set, .was = before->value};
            st = ost_bcd_set_flag(u->bcd, idx[i], c->flag, c->value, &c->changed, err);
        }
    free(idx);
    return st;
}

static ost_status open_unit(struct unit *u, const struct options *o, bool writable, struct ost_error *err)
{
    if (!u->img)
        return ost_bcd_open(o->store, writable, o->force, &u->bcd, err);
    ost_status st = ost_image_bcd_open(u->img, u->store, writable, &u->bcd, err);
    if (st == OST_NEGATIVE) /* asked about the template, so its absence is an error */
        st = err->status = OST_ERR_IO;
    return st;
}

/* An image's stores are staged through it, and written by its commit. */
static ost_status write_unit(struct unit *u, struct ost_error *err)
{
    if (!ost_bcd_modified(u->bcd))
        return OST_OK;
    if (!u->img)
        return ost_bcd_save(u->bcd, err);
    return ost_image_bcd_stage(u->img, u->store, u->bcd, err);
}

/* ---- text ----------------------------------------------------------------------- */

static void print_field(const char *name, const char *value)
{
    if (value)
        printf("%-24s%s\n", name, value);
}

static void print_ids(const struct ost_bcd *b, const char *name, const struct ost_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        printf("%-24s%s\n", i ? "" : name, ost_bcd_display_id(b, l->v[i]));
}

static void print_flag(const struct ost_bcd *b, const struct ost_bcd_object *o, ost_bcd_flag f, bool always)
{
    const struct ost_bcd_bool *v = &o->flags[f];
    if (v->set)
        printf("%-24s%s\n", ost_bcd_flag_name(f), v->value ? "Yes" : "No");
    else if (always && v->from)
        printf("%-24s%s (inherited from %s)\n", ost_bcd_flag_name(f), v->effective ? "Yes" : "No",
               ost_bcd_display_id(b, v->from));
    else if (always)
        printf("%-24sNo (not set)\n", ost_bcd_flag_name(f));
}

/* Element names depend on the application: 23000003 is bootmgr's default
 * and a loader's resumeobject; 21000001/22000002 are a loader's osdevice and
 * systemroot but the hibernation file's device and path for resume. */
static const char *label(const struct ost_bcd_object *o, uint32_t element)
{
    bool manager = o->has_type && (o->type == OST_BCD_TYPE_BOOTMGR || o->type == OST_BCD_TYPE_FWBOOTMGR);
    bool resume = o->has_type && o->type == OST_BCD_TYPE_RESUME;
    switch (element) {
    case OST_BCD_EL_DEFAULT: return manager ? "default" : "resumeobject";
    case OST_BCD_EL_OSDEVICE: return resume ? "filedevice" : "osdevice";
    case OST_BCD_EL_SYSTEMROOT: return resume ? "filepath" : "systemroot";
    default: return "";
    }
}

static void print_object(const struct ost_bcd *b, const struct ost_bcd_object *o)
{
    char buf[64], type[16];
    const char *heading = ost_bcd_object_heading(o, buf);
    printf("\n%s\n", heading);
    for (size_t i = strlen(heading); i > 0; i--)
        putchar('-');
    putchar('\n');
    snprintf(type, sizeof type, "%08x", o->type);
    print_field("identifier", ost_bcd_identifier(o));
    print_field("type", o->has_type ? type : "(none)");
    print_field("device", o->device);
    print_field("path", o->path);
    print_field("description", o->description);
    print_field(label(o, OST_BCD_EL_OSDEVICE), o->osdevice);
    print_field(label(o, OST_BCD_EL_SYSTEMROOT), o->systemroot);
    print_ids(b, "inherit", &o->inherit);
    print_field(label(o, OST_BCD_EL_DEFAULT), o->default_obj ? ost_bcd_display_id(b, o->default_obj) : NULL);
    print_ids(b, "displayorder", &o->displayorder);
    bool always = ost_bcd_is_loader(o) || ost_streq_ci(o->guid, OST_BCD_BOOTLOADERSETTINGS_GUID);
    for (int f = 0; f < OST_BCD_NFLAGS; f++)
        print_flag(b, o, (ost_bcd_flag)f, always);
}

static const char *unit_name(const struct unit *u)
{
    return u->bcd->name;
}

static void print_changes(const struct unit *u)
{
    const struct ost_bcd *b = u->bcd;
    bool own_loaders = false;
    for (size_t i = 0; i < u->nchanges; i++)
        own_loaders = own_loaders || ost_bcd_is_loader(&b->v[u->changes[i].object]);
    if (u->scope == OST_BCD_SCOPE_TEMPLATE && !own_loaders)
        printf("  no Windows Boot Loader object: a template store, from which bcdboot creates loaders;\n"
               "  editing {bootloadersettings}, which those loaders inherit\n");
    else if (u->scope == OST_BCD_SCOPE_TEMPLATE)
        printf("  a template store: editing {bootloadersettings}, which the loaders bcdboot creates from it\n"
               "  inherit, and the loaders it holds\n");
    for (size_t i = 0; i < u->nchanges; i++) {
        const struct change *c = &u->changes[i];
        const struct ost_bcd_object *o = &b->v[c->object];
        const char *name = ost_bcd_flag_name(c->flag), *value = c->value ? "on" : "off";
        printf("  %s%s%s: ", ost_bcd_identifier(o), o->description ? " " : "", o->description ? o->description : "");
        if (!c->changed)
            printf("%s already %s\n", name, value);
        else
            printf("%s %s (was %s)\n", name, value, c->was_set ? (c->was ? "on" : "off") : "not set");
    }
}

static bool any_changed(const struct unit *u)
{
    for (size_t i = 0; i < u->nchanges; i++)
        if (u->changes[i].changed)
            return true;
    return false;
}

static void print_unit(const struct unit *u, const struct options *o)
{
    if (o->nsets) {
        printf("%s\n", unit_name(u));
        print_changes(u);
        printf("  %s\n", !any_changed(u) ? "nothing to write: every value was already so"
                         : o->dry_run   ? "dry run: nothing was written (the run would write it)"
                                        : "written");
    }
    if (o->enumerate) {
        if (o->nsets)
            printf("\n");
        printf("%s\n", unit_name(u));
        for (size_t i = 0; i < u->bcd->n; i++)
            print_object(u->bcd, &u->bcd->v[i]);
    }
    if (o->check && !u->check_asked)
        printf("%s: %s: the store has no Windows Boot Loader and no {bootloadersettings} to ask about\n",
               unit_name(u), ost_bcd_flag_name(o->check_flag));
    else if (o->check)
        printf("%s: %s is %s for %s\n", unit_name(u), ost_bcd_flag_name(o->check_flag), u->check_on ? "on" : "off",
               u->scope == OST_BCD_SCOPE_TEMPLATE ? "loaders created from this store ({bootloadersettings})"
                                                  : "every Windows Boot Loader");
}

/* ---- JSON ------------------------------------------------------------------------- */

static json_t *ids_json(const struct ost_bcd *b, const struct ost_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_string(ost_bcd_display_id(b, l->v[i])));
    return a;
}

static json_t *flag_json(const struct ost_bcd *b, const struct ost_bcd_bool *v)
{
    return json_pack("{s:b, s:o, s:b, s:o}", "set", v->set, "value", v->set ? json_boolean(v->value) : json_null(),
                     "effective", v->effective, "from", v->from ? json_string(ost_bcd_display_id(b, v->from))
                                                                : json_null());
}

static json_t *object_json(const struct ost_bcd *b, const struct ost_bcd_object *o)
{
    char buf[64], type[16];
    snprintf(type, sizeof type, "%08x", o->type);
    json_t *j = json_pack("{s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o}", "guid", o->guid,
        "identifier", ost_bcd_identifier(o), "heading", ost_bcd_object_heading(o, buf),
        "type", o->has_type ? json_string(type) : json_null(), "loader", ost_bcd_is_loader(o),
        "description", ost_json_str(o->description), "path", ost_json_str(o->path),
        "device", ost_json_str(o->device));
    json_object_set_new(j, label(o, OST_BCD_EL_OSDEVICE), ost_json_str(o->osdevice));
    json_object_set_new(j, label(o, OST_BCD_EL_SYSTEMROOT), ost_json_str(o->systemroot));
    json_object_set_new(j, "inherit", ids_json(b, &o->inherit));
    json_object_set_new(j, label(o, OST_BCD_EL_DEFAULT),
                        o->default_obj ? json_string(ost_bcd_display_id(b, o->default_obj)) : json_null());
    json_object_set_new(j, "displayorder", ids_json(b, &o->displayorder));
    for (int f = 0; f < OST_BCD_NFLAGS; f++)
        json_object_set_new(j, ost_bcd_flag_name((ost_bcd_flag)f), flag_json(b, &o->flags[f]));
    return j;
}

static json_t *unit_json(const struct unit *u, const struct options *o)
{
    const struct ost_bcd *b = u->bcd;
    json_t *j = json_pack("{s:s}", "store", unit_name(u));
    if (u->img)
        json_object_set_new(j, "image", ost_cli_image_json(u->img));
    if (o->nsets || o->check)
        json_object_set_new(j, "scope", json_string(ost_bcd_scope_name(u->scope)));
    if (o->nsets) {
        json_t *list = json_array();
        for (size_t i = 0; i < u->nchanges; i++) {
            const struct change *c = &u->changes[i];
            char element[16];
            snprintf(element, sizeof element, "%08x", ost_bcd_flag_element(c->flag));
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:b}", "object",
                b->v[c->object].guid, "identifier", ost_bcd_identifier(&b->v[c->object]), "name",
                ost_bcd_flag_name(c->flag), "element", element, "value", c->value,
                "before", c->was_set ? json_boolean(c->was) : json_null(), "changed", c->changed));
        }
        json_object_set_new(j, "changes", list);
        json_object_set_new(j, "written", json_boolean(any_changed(u) && !o->dry_run));
        json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
    }
    if (o->check)
        json_object_set_new(j, "check", json_pack("{s:s, s:b, s:i}", "name", ost_bcd_flag_name(o->check_flag),
                                                  "on", u->check_on, "asked", (json_int_t)u->check_asked));
    if (o->enumerate) {
        json_t *objs = json_array();
        for (size_t i = 0; i < b->n; i++)
            json_array_append_new(objs, object_json(b, &b->v[i]));
        json_object_set_new(j, "objects", objs);
    }
    return j;
}

static void print_json(const struct unit *units, size_t n, const struct options *o)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, unit_json(&units[i], o));
    json_t *doc = json_pack("{s:s, s:o}", "schema", "offstage.bcd/1", "stores", list);
    ost_cli_print_json_per_image(doc, "stores");
}

/* ---- run ----------------------------------------------------------------------------- */

/* Opens and edits every store in memory; nothing is written unless all succeed. */
static int prepare(struct unit *units, size_t n, const struct options *o)
{
    struct ost_error err;
    for (size_t i = 0; i < n; i++) {
        struct unit *u = &units[i];
        ost_status st = open_unit(u, o, o->nsets > 0, &err);
        if (st == OST_OK && o->nsets)
            st = apply_sets(u, o, &err);
        if (st == OST_OK)
            warn_nointegritychecks(u, o);
        if (st != OST_OK) {
            if (st == OST_NEGATIVE)
                fprintf(stderr, "offstage bcd: nothing written: %s\n", err.message);
            return st == OST_NEGATIVE ? OST_EXIT_NEGATIVE : ost_cli_report_error("bcd", &err);
        }
    }
    return OST_EXIT_OK;
}

static int write_all(struct unit *units, size_t n, struct ost_image_set *imgs, const struct options *o)
{
    struct ost_error err;
    bool modified = false;
    for (size_t i = 0; i < n; i++) {
        modified = modified || ost_bcd_modified(units[i].bcd);
        if (write_unit(&units[i], &err) != OST_OK)
            return ost_cli_report_error("bcd", &err);
    }
    /* each image once, after all of its stores are staged */
    for (size_t k = 0; k < imgs->n; k++) {
        bool changed = false;
        for (size_t i = 0; i < n; i++)
            changed = changed || (units[i].img == imgs->v[k] && ost_bcd_modified(units[i].bcd));
        if (changed && ost_image_commit(imgs->v[k], &err) != OST_OK)
            return ost_cli_report_error("bcd", &err);
    }
    return imgs->n && modified ? ost_cli_finish_images("bcd", imgs, o->json) : OST_EXIT_OK;
}

static int answer(struct unit *units, size_t n, const struct options *o)
{
    int rc = OST_EXIT_OK;
    for (size_t i = 0; o->check && i < n; i++) {
        struct ost_error err;
        size_t *idx = NULL;
        if (ost_bcd_targets(units[i].bcd, NULL, &idx, &units[i].check_asked, &units[i].scope, &err) != OST_OK)
            units[i].check_asked = 0;
        free(idx);
        ost_status st = ost_bcd_flag_on(units[i].bcd, o->check_flag, &units[i].scope, &err);
        units[i].check_on = st == OST_OK;
        if (st != OST_OK && st != OST_NEGATIVE)
            return ost_cli_report_error("bcd", &err);
        if (st == OST_NEGATIVE)
            rc = OST_EXIT_NEGATIVE;
    }
    if (o->json)
        print_json(units, n, o);
    else
        for (size_t i = 0; i < n; i++)
            print_unit(&units[i], o);
    return rc;
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? OST_EXIT_OK : rc;
    struct ost_image_set imgs = {0};
    if (o.image)
        rc = ost_cli_open_images("bcd", o.image, o.index, o.nsets > 0 && !o.dry_run, o.nsets > 0,
                                 o.nsets > 0 ? o.force : true,
                                 &imgs);
    size_t n = o.image ? 0 : 1;
    for (size_t i = 0; o.image && i < imgs.n; i++)
        n += ost_image_bcd_count(imgs.v[i]);
    struct unit *units = ost_xcalloc(n ? n : 1, sizeof *units);
    for (size_t i = 0, u = 0; o.image && i < imgs.n; i++)
        for (size_t k = 0; k < ost_image_bcd_count(imgs.v[i]); k++, u++)
            units[u] = (struct unit){.img = imgs.v[i], .store = k};
    if (rc == 0)
        rc = prepare(units, n, &o);
    if (rc == 0 && o.nsets && !o.dry_run)
        rc = write_all(units, n, &imgs, &o);
    if (rc == 0)
        rc = answer(units, n, &o);
    for (size_t i = 0; i < n; i++) {
        ost_bcd_close(units[i].bcd);
        free(units[i].changes);
    }
    free(units);
    ost_cli_close_images(&imgs);
    return rc;
}

const struct ost_command ost_cmd_bcd = {
    .name = "bcd",
    .summary = "read a BCD store or BCD-Template; turn testsigning on or off",
    .help = help,
    .run = run,
};
