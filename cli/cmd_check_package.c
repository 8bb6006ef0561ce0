/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage check-package: can this driver package be staged, and will it work? */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "offstage.h"
#include "cli.h"
#include "boot_cli.h"
#include "firstboot_cli.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage check-package PATH... [--arch x86|amd64]... [--os 6.1]\n"
    "              [--locale LANGID] [--trust CERT]... [--image DIR|FILE.wim [--index N]]\n"
    "              [--bcd FILE]... [--recurse] [--json]\n"
    "\n"
    "Checks driver packages before anything touches an image. PATH is an INF\n"
    "file or a package folder; a folder holding several INFs is several packages\n"
    "(with --recurse, every INF below it). For each package and architecture it\n"
    "reports what Windows' device installer would do and what would go wrong:\n"
    "\n"
    "  - which models section applies (on x64 only NTamd64-decorated ones do),\n"
    "    the devices (hardware IDs) and the install section chosen for each;\n"
    "  - every file the install copies: present in the package, inside it, and\n"
    "    for .sys/.dll files a PE image of the right machine type (an x86\n"
    "    aero_virtio_snd.sys in the amd64 package is an error);\n"
    "  - the catalog (CatalogFile): missing is a warning on x86 (install prompts)\n"
    "    and 'severe' on x64 (the driver will not load: Code 52). A catalog\n"
    "    that is present must list the INF and every file copied for the\n"
    "    architecture by the hash Windows checks (Authenticode image hash for\n"
    "    PE files, flat otherwise); missing, mismatched and extra members are\n"
    "    named. Its OSAttr must cover the target Windows, and it must be\n"
    "    signed; with --trust the signer must chain to a given certificate.\n"
    "    Each of these failing makes Windows treat the package as unsigned:\n"
    "    the same severity as a missing catalog;\n"
    "  - names Windows cannot create (CON, AUX.dat, LPT9, a trailing dot or\n"
    "    space, < > : \" | ? *) for files, folders, the catalog and the INF;\n"
    "  - [Version] problems: Signature, Class/ClassGuid, DriverVer;\n"
    "  - services and start types: boot-critical (StartType 0) or not;\n"
    "  - inbox INFs pulled in with Include/Needs (ks.inf, wdmaudio.inf, ...).\n"
    "\n"
    "It ends, per architecture, with what the first boot of Windows 7 will do\n"
    "with the package, in two parts: \"installs: silently\", \"after a prompt\" or\n"
    "\"never unattended\" (an unattended first boot answers no prompt), and\n"
    "\"loads: yes\", \"Code 52\" or \"boot stops\"; \"unknown\" when it rests on a\n"
    "setting offstage could not read. Installing needs the signer trusted in\n"
    "ROOT and TrustedPublisher; loading a test signature needs testsigning on\n"
    "and no trusted root; Windows 7 verifies SHA-256 signatures only with\n"
    "KB3033929 or KB4474419. Each comes with the one thing to change.\n"
    "It weighs the catalog check, whom\n"
    "the target trusts (with --image, the certificates in the image's ROOT and\n"
    "TrustedPublisher stores; without, the --trust certificates) and\n"
    "test-signing (the --bcd stores, else as the image's kind says: see --bcd).\n"
    "\n"
    "With --image, a package the image already holds staged (same INF name,\n"
    "for the image's architecture) is judged again as staged: the copy is read\n"
    "back from the image (add-driver --test-sign signs a catalog into the copy\n"
    "only) and a \"staged copy: FOLDER (this package): first boot ...\" line\n"
    "follows the package's own verdict, one per copy. \"this package\" is the\n"
    "copy add-driver made of these very files (the same folder name); its\n"
    "verdict, not the folder's, is what the first boot does and what the exit\n"
    "status weighs. A copy of another package with that INF name is shown too.\n"
    "\n"
    "Findings name the INF line that causes them. Severities: note, warning,\n"
    "severe (stages, but will not work unattended), error (cannot be staged).\n"
    "\n"
    "Options:\n"
    "  --arch A       check for architecture A (x86, amd64; repeatable).\n"
    "                 Default: the image's; else the one every .sys in the\n"
    "                 package folder is built for (said so); else every\n"
    "                 architecture the INF declares.\n"
    "  --os V         target Windows version for decorations (default 6.1,\n"
    "                 Windows 7; e.g. 6.0, 6.1.7601).\n"
    "  --locale ID    the language of the Windows that reads the INF, a LANGID\n"
    "                 (e.g. 0407): %strkey% comes from [Strings.0407], then\n"
    "                 [Strings.0007], then [Strings]. Default: the image's\n"
    "                 language with --image, else 0409 (English).\n"
    "  --trust CERT   a certificate the target trusts (DER or PEM; repeatable;\n"
    "                 every certificate of a PEM bundle): a catalog's signer\n"
    "                 must chain to one of them.\n"
    "  --image PATH   the offline Windows the package is for (a directory or\n"
    "                 a WIM with --index N): its architecture (unless --arch),\n"
    "                 its trusted certificates and, for a generalized image,\n"
    "                 its BCD-Template decide.\n"
    "                 Nothing in it is changed.\n"
    "  --bcd FILE     a BCD store the system will boot with, for testsigning:\n"
    "                 an installed system's Boot\\BCD or EFI\\Microsoft\\Boot\\BCD,\n"
    "                 the media's boot\\BCD and efi\\microsoft\\boot\\bcd for\n"
    "                 boot.wim (repeatable: on only when on in every one).\n"
    "                 Without it an installed system's testsigning is unknown\n"
    "                 (it never boots from its BCD-Template), Windows PE's\n"
    "                 template has no effect, and a generalized image's verdict\n"
    "                 rests on Setup carrying its template's\n"
    "                 {bootloadersettings} over, which it says. The image's kind\n"
    "                 and every store read are printed after the packages.\n"
    "  --recurse      take every INF below a folder.\n"
    "  --json         print the report as JSON (schema offstage.check-package/1,\n"
    "                 documented in docs/json.md).\n"
    "  -v, --verbose  also print notes and the full per-architecture model.\n"
    "\n"
    "Exit status: 0 every package can be staged for every requested architecture\n"
    "(warnings allowed); 1 some cannot, or with --trust, --image or --bcd, some\n"
    "package will not load or needs a prompt on first boot; 2 an input could\n"
    "not be read, is not an INF, or holds more than a package may (10,000\n"
    "files or 4 GiB per architecture, 500,000 INF lines).\n"
    "\n"
    "Examples:\n"
    "  offstage check-package build/examples/virtio-snd/amd64 --arch amd64\n"
    "  offstage check-package pkg/driver.inf --trust test-root.cer\n"
    "  offstage check-package pkg --image install.wim --index 1\n";

struct options {
    struct ost_package_options pkg;
    struct ost_cat_trust *trust;
    const char *image, *index;
    struct ost_strlist bcd;
    bool json, recurse, verbose;
};

static int parse_args(int argc, char **argv, struct options *o, int *first_path)
{
    static const struct option longopts[] = {
        {"arch", required_argument, NULL, 'a'}, {"os", required_argument, NULL, 'o'},
        {"locale", required_argument, NULL, 'l'}, {"recurse", no_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'}, {"verbose", no_argument, NULL, 'v'},
        {"trust", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"bcd", required_argument, NULL, 'b'}, {0, 0, 0, 0},
    };
    int c;
    struct ost_error err;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "check-package", .shortopts = "a:o:l:rjvt:h",
                               .longopts = longopts, .repeatable = "atb"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': o->image = optarg; break;
        case 'x': o->index = optarg; break;
        case 'b': ost_strlist_add(&o->bcd, optarg); break;
        case 't':
            if (ost_cat_trust_add_file(o->trust, optarg, &err) != OST_OK)
                return ost_cli_report_error("check-package", &err);
            break;
        case 'a': {
            ost_arch a = ost_arch_parse(optarg);
            if (a == OST_ARCH_UNKNOWN)
                return ost_cli_usage_error("check-package", "unknown architecture '%s' (use x86 or amd64)", optarg);
            bool named = false; /* --arch x86 --arch x86: once is enough */
            for (size_t i = 0; i < o->pkg.model.narches; i++)
                named = named || o->pkg.model.arches[i] == a;
            if (!named && o->pkg.model.narches < OST_ARCH_COUNT)
                o->pkg.model.arches[o->pkg.model.narches++] = a;
            break;
        }
        case 'o':
            if (!ost_os_version_parse(optarg, &o->pkg.model.os))
                return ost_cli_usage_error("check-package", "--os wants MAJOR.MINOR[.BUILD], e.g. 6.1; got '%s'", optarg);
            break;
        case 'l':
            if (strlen(optarg) != 4 || strspn(optarg, "0123456789abcdefABCDEF") != 4)
                return ost_cli_usage_error("check-package", "--locale wants a 4-hex-digit LANGID such as 0409; got '%s'",
                                           optarg);
            o->pkg.inf.locale = optarg;
            break;
        case 'r': o->recurse = true; break;
        case 'j': o->json = true; break;
        case 'v': o->verbose = true; break;
        case 'h':
            fputs(help, stdout);
            return -1;
        default:
            return OST_EXIT_ERROR;
        }
    }
    if (optind >= argc)
        return ost_cli_usage_error("check-package", "name a package folder or INF file");
    *first_path = optind;
    return 0;
}

/* ---- text output -------------------------------------------------------- */

static void print_arch_model(const struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    for (size_t i = 0; i < am->ndevices; i++) {
        const struct ost_device *d = &am->devices[i];
        printf("      device  %s  \"%s\"  [%s] -> [%s]\n", d->model->hardware_id, d->model->description,
               d->model->models_section, d->ddinstall ? d->ddinstall : "(missing)");
        for (size_t k = 0; k < d->model->compatible_ids.n; k++)
            printf("              compatible %s\n", d->model->compatible_ids.v[k]);
    }
    for (size_t i = 0; i < pa->nfiles; i++) {
        const struct ost_package_file *f = &pa->files[i];
        printf("      file    %s -> %s", f->copy->source_path, f->copy->dest_path);
        if (!f->host_path)
            printf("  (missing)");
        else if (f->is_pe)
            printf("  (PE %s%s)", ost_arch_name(f->pe_arch), f->embedded_signature ? ", signed" : "");
        printf("\n");
    }
    for (size_t i = 0; i < am->nservices; i++) {
        const struct ost_service *s = &am->services[i];
        printf("      service %s  start %u (%s)  type %u  error %u  %s%s%s\n", s->name, s->start_type,
               ost_start_type_name(s->start_type), s->service_type, s->error_control,
               s->service_binary ? s->service_binary : "", s->load_order_group ? "  group " : "",
               s->load_order_group ? s->load_order_group : "");
    }
    if (am->catalog_file)
        printf("      catalog %s%s\n", am->catalog_file, pa->catalog_path ? "" : "  (missing)");
}

static void print_report(const struct ost_package_report *r, bool verbose)
{
    const struct ost_driver_model *m = r->model;
    const struct ost_version_info *v = &m->version;
    printf("%s\n", m->inf_path);
    printf("  class %s %s, provider %s, DriverVer %s\n", v->class_name ? v->class_name : "?",
           v->class_guid ? v->class_guid : "?", v->provider ? v->provider : "?",
           v->driver_ver.text ? v->driver_ver.text : "?");
    for (size_t i = 0; i < r->narches; i++) {
        const struct ost_package_arch *pa = &r->arches[i];
        size_t severe = ost_diags_count_arch(&m->diags, OST_SEV_SEVERE, pa->arch) -
                        ost_diags_count_arch(&m->diags, OST_SEV_ERROR, pa->arch);
        size_t warn = ost_diags_count_arch(&m->diags, OST_SEV_WARNING, pa->arch) -
                      ost_diags_count_arch(&m->diags, OST_SEV_SEVERE, pa->arch);
        printf("  %-6s %s", ost_arch_name(pa->arch), pa->stageable ? "can be staged" : "CANNOT be staged");
        if (pa->stageable && (severe || warn))
            printf(" (%zu severe, %zu warning%s)", severe, warn, warn == 1 ? "" : "s");
        if (pa->model->usable)
            printf("; %zu device%s, %zu file%s, %s", pa->model->ndevices, pa->model->ndevices == 1 ? "" : "s",
                   pa->nfiles, pa->nfiles == 1 ? "" : "s", pa->boot_critical ? "boot-critical" : "not boot-critical");
        printf("\n");
        if (verbose && pa->model->usable)
            print_arch_model(pa);
    }
    ost_cli_print_diags(stdout, &m->diags, "  ", verbose ? OST_SEV_NOTE : OST_SEV_WARNING);
}

/* ---- JSON output -------------------------------------------------------- */

static json_t *driver_ver_json(const struct ost_driver_ver *dv)
{
    if (!dv->present)
        return json_null();
    char date[16] = "", ver[32] = "";
    if (dv->valid)
        snprintf(date, sizeof date, "%04u-%02u-%02u", dv->year, dv->month, dv->day);
    if (dv->valid && dv->has_version)
        snprintf(ver, sizeof ver, "%u.%u.%u.%u", dv->version[0], dv->version[1], dv->version[2], dv->version[3]);
    return json_pack("{s:s, s:b, s:o, s:o, s:i}", "text", dv->text, "valid", dv->valid,
                     "date", date[0] ? json_string(date) : json_null(),
                     "version", ver[0] ? json_string(ver) : json_null(), "line", dv->line);
}

static json_t *devices_json(const struct ost_arch_model *am)
{
    json_t *a = json_array();
    for (size_t i = 0; i < am->ndevices; i++) {
        const struct ost_device *d = &am->devices[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:i}", "description", d->model->description,
                                           "hardware_id", d->model->hardware_id,
                                           "compatible_ids", ost_strlist_json(&d->model->compatible_ids),
                                           "models_section", d->model->models_section,
                                           "install_section", d->model->install_section,
                                           "ddinstall", ost_json_str(d->ddinstall), "line", d->model->line));
    }
    return a;
}

static json_t *files_json(const struct ost_package_arch *pa)
{
    json_t *a = json_array();
    for (size_t i = 0; i < pa->nfiles; i++) {
        const struct ost_package_file *f = &pa->files[i];
        json_t *pe = json_null();
        if (f->is_pe)
            pe = json_pack("{s:s, s:i, s:b}", "arch", ost_arch_name(f->pe_arch), "machine", f->machine,
                           "embedded_signature", f->embedded_signature);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:b, s:o, s:s, s:i}", "name", f->copy->name,
                                           "source", f->copy->source_path, "destination", f->copy->dest_path,
                                           "dirid", f->copy->dirid, "present", f->host_path != NULL, "pe", pe,
                                           "section", f->copy->section, "line", f->copy->line));
    }
    return a;
}

static json_t *services_json(const struct ost_arch_model *am)
{
    json_t *a = json_array();
    for (size_t i = 0; i < am->nservices; i++) {
        const struct ost_service *s = &am->services[i];
        json_array_append_new(
            a, json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "name", s->name, "flags", s->flags,
                         "display_name", ost_json_str(s->display_name),
                         "service_type", s->has_type ? json_integer(s->service_type) : json_null(),
                         "start_type", s->has_start ? json_integer(s->start_type) : json_null(),
                         "start", s->has_start ? json_string(ost_start_type_name(s->start_type)) : json_null(),
                         "error_control", s->has_error_control ? json_integer(s->error_control) : json_null(),
                         "binary", ost_json_str(s->service_binary), "group", ost_json_str(s->load_order_group),
                         "line", s->line));
    }
    return a;
}

static const char *reg_context_name(enum ost_reg_context c)
{
    static const char *names[] = {"software", "hardware", "service", "eventlog", "interface", "coinstaller"};
    return names[c];
}

static json_t *registry_json(const struct ost_arch_model *am)
{
    json_t *a = json_array();
    for (size_t i = 0; i < am->nregs; i++) {
        const struct ost_reg_entry *r = &am->regs[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i}", "context",
                                           reg_context_name(r->context), "root", r->root, "subkey", r->subkey,
                                           "value", r->value_name,
                                           "flags", r->has_flags ? json_integer(r->flags) : json_null(),
                                           "data", ost_strlist_json(&r->data), "section", r->section, "line", r->line));
    }
    return a;
}

static json_t *arch_json(const struct ost_package_report *r, const struct ost_package_arch *pa)
{
    const struct ost_arch_model *am = pa->model;
    json_t *cat = json_null();
    if (am->catalog_file)
        cat = json_pack("{s:s, s:b, s:i}", "name", am->catalog_file, "present", pa->catalog_path != NULL, "line",
                        am->catalog_line);
    return json_pack("{s:s, s:b, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:i}",
                     "arch", ost_arch_name(pa->arch), "usable", am->usable, "stageable", pa->stageable,
                     "boot_critical", pa->boot_critical, "catalog", cat, "devices", devices_json(am),
                     "files", files_json(pa), "services", services_json(am), "registry", registry_json(am),
                     "includes", ost_strlist_json(&am->includes), "needs", ost_strlist_json(&am->needs),
                     "kmdf_version", ost_json_str(am->kmdf_version),
                     "errors", (json_int_t)ost_diags_count_arch(&r->model->diags, OST_SEV_ERROR, pa->arch),
                     "warnings", (json_int_t)(ost_diags_count_arch(&r->model->diags, OST_SEV_WARNING, pa->arch) -
                                              ost_diags_count_arch(&r->model->diags, OST_SEV_ERROR, pa->arch)));
}

static json_t *report_json(const struct ost_package_report *r)
{
    const struct ost_driver_model *m = r->model;
    json_t *declared = json_array(), *arches = json_array();
    for (size_t i = 0; i < m->ndeclared; i++)
        json_array_append_new(declared, json_string(ost_arch_name(m->declared[i])));
    for (size_t i = 0; i < r->narches; i++)
        json_array_append_new(arches, arch_json(r, &r->arches[i]));
    const struct ost_version_info *v = &m->version;
    json_t *version = json_pack("{s:o, s:o, s:o, s:o, s:o}", "signature", ost_json_str(v->signature), "class",
                                ost_json_str(v->class_name), "class_guid", ost_json_str(v->class_guid), "provider",
                                ost_json_str(v->provider), "driver_ver", driver_ver_json(&v->driver_ver));
    return json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "inf", m->inf_path, "name", m->inf_name,
                     "encoding", m->inf->encoding, "stageable", ost_package_stageable(r), "version", version,
                     "declared_architectures", declared, "architectures", arches,
                     "findings", ost_cli_diags_json(&m->diags));
}

/* ---- command ------------------------------------------------------------- */

/* The image, its trust and its boot policy, when --image or --bcd is given. */
struct context {
    struct ost_image_set imgs;
    struct ost_boot_policy pol;
    bool asked; /* --trust, --image or --bcd: first-boot verdicts decide the exit status */
};

static int open_context(struct options *o, struct context *ctx)
{
    struct ost_error err;
    ctx->asked = o->image || o->bcd.n || ost_cat_trust_count(o->trust);
    if (o->image) {
        int rc = ost_cli_open_images("check-package", o->image, o->index, false, false, false, &ctx->imgs);
        if (rc)
            return rc;
        if (ctx->imgs.n != 1)
            return ost_cli_usage_error("check-package", "--image takes one image; name it with --index N");
        struct ost_image *img = ctx->imgs.v[0];
        ctx->pol.img = img;
        if (ost_image_add_trust(img, o->trust, &err) != OST_OK)
            return ost_cli_report_error("check-package", &err);
        o->pkg.inf.locale = o->pkg.inf.locale ? o->pkg.inf.locale : ost_image_language(img);
        if (o->pkg.model.narches == 0 && img->info.arch != OST_ARCH_UNKNOWN)
            o->pkg.model.arches[o->pkg.model.narches++] = img->info.arch;
    }
    if (ost_boot_policy_read(&ctx->pol, &o->bcd, ctx->pol.img, &err) != OST_OK)
        return ost_cli_report_error("check-package", &err);
    return 0;
}

static void report_error(const struct options *o, json_t *errors, const char *path, const struct ost_error *err)
{
    if (o->json)
        json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "path", path, "status",
                                                ost_status_name(err->status), "message", err->message));
    else
        ost_cli_report_error("check-package", err);
}

struct tally {
    bool unstageable, error, untrusted;
    ost_verdict_kind worst;
};

/* The copies of this INF the image holds staged: the first boot installs
 * those, not the folder checked. When one is this very package, its
 * verdict and signature stand for the package's (*worst, *untrusted). */
static json_t *staged_copies(const struct options *o, const struct context *ctx, const char *inf,
                             ost_verdict_kind *worst, bool *untrusted)
{
    struct ost_staged_verdicts sv;
    struct ost_error err;
    json_t *a = json_array();
    if (ost_staged_copies_of(ctx->pol.img, inf, &ctx->pol, o->trust, &sv, &err) != OST_OK) {
        if (!o->json)
            printf("  staged copy: unknown: %s\n", err.message);
        return a;
    }
    ost_verdict_kind same_worst = OST_VERDICT_LOADS;
    bool same = false, same_untrusted = false;
    for (size_t i = 0; i < sv.n; i++) {
        const struct ost_staged_verdict *v = &sv.v[i];
        if (!o->json) {
            printf("  staged copy: %s (%s)", v->folder_path,
                   v->same_package ? "this package" : "another package of that INF name: its files differ");
            if (v->problem)
                printf(": unknown: %s\n", v->problem);
            else if (!v->judged)
                printf(": no verdict for %s\n", ost_arch_name(v->arch));
            else
                printf(": first boot (%s): %s\n", ost_arch_name(v->arch), v->verdict.summary);
            if (v->judged && v->verdict.fix)
                printf("    to change: %s\n", v->verdict.fix);
        }
        if (v->same_package && v->judged && !v->problem) {
            same = true;
            same_untrusted = same_untrusted || v->signature != OST_SIG_TRUSTED;
            if (v->verdict.kind > same_worst)
                same_worst = v->verdict.kind;
        }
        json_array_append_new(a, json_pack("{s:s, s:b, s:o, s:o}", "folder", v->folder_path, "same_package",
                                           v->same_package, "first_boot", ost_cli_staged_verdict_json(v, &ctx->pol),
                                           "problem", ost_json_str(v->problem)));
    }
    if (same) {
        *worst = same_worst;
        *untrusted = same_untrusted;
    }
    ost_staged_verdicts_free(&sv);
    return a;
}

static void check_one(const struct options *o, const struct context *ctx, const char *inf, json_t *packages,
                      json_t *errors, struct tally *t)
{
    struct ost_package_report *r;
    struct ost_error err;
    struct ost_package_options po = o->pkg;
    char *chosen = NULL;
    if (po.model.narches == 0 && (po.model.arches[0] = ost_package_sys_arch(inf, &chosen)) != OST_ARCH_UNKNOWN)
        po.model.narches = 1;
    if (chosen && !o->json)
        printf("architecture %s (--arch to check another)\n", chosen);
    if (ost_package_check(inf, &po, &r, &err) != OST_OK) {
        free(chosen);
        t->error = true;
        report_error(o, errors, inf, &err);
        return;
    }
    struct ost_cat_arch_result *results = ost_xcalloc(r->narches ? r->narches : 1, sizeof *results);
    bool trusted = ost_cat_check_package(r, o->trust, &po.model.os, results);
    t->unstageable = t->unstageable || !ost_package_stageable(r);
    bool untrusted = ost_cat_trust_count(o->trust) && !trusted;
    if (!o->json)
        print_report(r, o->verbose);
    ost_verdict_kind source_worst = OST_VERDICT_LOADS;
    json_t *verdicts = ost_cli_firstboot(r, results, &ctx->pol, OST_ARCH_UNKNOWN, o->json ? NULL : stdout, "  ",
                                         &source_worst);
    json_t *staged = ctx->pol.img ? staged_copies(o, ctx, inf, &source_worst, &untrusted) : NULL;
    if (source_worst > t->worst)
        t->worst = source_worst;
    t->untrusted = t->untrusted || untrusted;
    if (o->json) {
        json_t *doc = report_json(r);
        json_object_set_new(doc, "first_boot", verdicts);
        if (staged)
            json_object_set_new(doc, "staged_copies", staged);
        json_object_set_new(doc, "architecture_chosen", ost_json_str(chosen));
        json_array_append_new(packages, doc);
    } else {
        json_decref(verdicts);
        json_decref(staged);
    }
    free(results), free(chosen);
    ost_package_report_free(r);
}

static int run(int argc, char **argv)
{
    struct options o = {.trust = ost_cat_trust_new()};
    struct context ctx = {0};
    int first = 0;
    int rc = parse_args(argc, argv, &o, &first);
    if (rc == 0)
        rc = open_context(&o, &ctx);
    if (rc) {
        ost_cli_close_images(&ctx.imgs);
        ost_cat_trust_free(o.trust);
        ost_strlist_free(&o.bcd);
        return rc < 0 ? OST_EXIT_OK : rc;
    }

    json_t *packages = json_array(), *errors = json_array();
    struct tally t = {.worst = OST_VERDICT_LOADS};
    for (int i = first; i < argc; i++) {
        struct ost_strlist infs = {0};
        struct ost_error err;
        if (ost_package_find_infs(argv[i], o.recurse, &infs, &err) != OST_OK) {
            t.error = true;
            report_error(&o, errors, argv[i], &err);
        }
        for (size_t k = 0; k < infs.n; k++)
            check_one(&o, &ctx, infs.v[k], packages, errors, &t);
        ost_strlist_free(&infs);
    }
    bool will_fail = ctx.asked && (t.worst == OST_VERDICT_NO_LOAD || t.worst == OST_VERDICT_PROMPT);
    int exit_code = t.error                                          ? OST_EXIT_ERROR
                    : t.unstageable || t.untrusted || will_fail ? OST_EXIT_NEGATIVE
                                                                     : OST_EXIT_OK;
    if (o.json) {
        json_t *doc = json_pack("{s:s, s:b, s:o, s:o}", "schema", "offstage.check-package/1", "stageable",
                                exit_code == OST_EXIT_OK, "packages", packages, "errors", errors);
        if (ctx.pol.img)
            json_object_set_new(doc, "image", ost_cli_image_json(ctx.pol.img));
        if (ctx.pol.img || o.bcd.n)
            json_object_set_new(doc, "boot_policy", ost_cli_boot_policy_json(&ctx.pol));
        ost_cli_print_json(doc);
        json_decref(doc);
    } else {
        if (ctx.pol.img || o.bcd.n)
            ost_cli_boot_policy_print(stdout, &ctx.pol, "");
        json_decref(packages);
        json_decref(errors);
    }
    ost_cli_close_images(&ctx.imgs);
    ost_cat_trust_free(o.trust);
    ost_strlist_free(&o.bcd);
    return exit_code;
}

const struct ost_command ost_cmd_check_package = {
    .name = "check-package",
    .summary = "check driver packages: INF, files, architectures, catalog",
    .help = help,
    .run = run,
};
