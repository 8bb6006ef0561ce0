/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage add-driver: stage driver packages into an offline Windows. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firstboot_cli.h"
#include "image_cli.h"
#include "interrupt.h"
#include "stage.h"
#include "testsign.h"

static const char help[] =
    "usage: offstage add-driver --image DIR|FILE.wim [--index N|all] --driver PATH...\n"
    "              [--recurse] [--force-unsigned] [--setup-complete]\n"
    "              [--test-sign (--cert CERT --key KEY | --test-sign-dir DIR)]\n"
    "              [--trust CERT]... [--bcd FILE] [--force] [--dry-run] [--json]\n"
    "\n"
    "Stages driver packages into an offline Windows so that Plug and Play binds\n"
    "them on first boot, without Windows, DISM or a mount. The image is a\n"
    "directory (the folder holding Windows\\) or a WIM file: install.wim (every\n"
    "edition with --index all, some with a list such as --index 1,3) or\n"
    "boot.wim (--index 2 is Setup). A WIM with several images needs --index;\n"
    "it is updated in place with one write, and files identical across\n"
    "editions are stored once.\n"
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
    "It ends with a verdict per package for the first boot: \"will install and\n"
    "load\", \"needs a user prompt\", \"will install, will not load (Code 52)\"\n"
    "or \"loads only if\" a setting offstage could not read is right, with the\n"
    "one thing to change. It weighs the catalog (coverage, OS, signature, and\n"
    "whether the signer chains to a certificate in the image's ROOT or\n"
    "TrustedPublisher store or given with --trust) and test-signing (--bcd\n"
    "FILE, else the image's BCD-Template).\n"
    "\n"
    "Test-signing (Windows 7 x64 loads no unsigned driver):\n"
    "  --test-sign       for each package without a valid catalog, make the\n"
    "                    catalog its INF names (as make-cat does, for the\n"
    "                    image's architecture) and sign it into the staged copy;\n"
    "                    the package itself is never modified. Then trust the\n"
    "                    certificate in the image's ROOT and TrustedPublisher\n"
    "                    stores and turn testsigning on in its BCD-Template (and\n"
    "                    in the store given with --bcd). The INF must name a\n"
    "                    catalog (CatalogFile). Boot-start drivers on x64 also\n"
    "                    need their .sys signed: offstage sign.\n"
    "  --cert CERT --key KEY   the signing certificate and its key (DER or PEM),\n"
    "                    e.g. from `offstage make-test-cert`.\n"
    "  --test-sign-dir DIR     the folder make-test-cert wrote: its one .cer and\n"
    "                    .key are used.\n"
    "  --digest sha1|sha256    signature digest (default sha1: an unpatched\n"
    "                    Windows 7 verifies only SHA-1 in kernel mode).\n"
    "  --trust CERT      a certificate the first boot will trust besides the\n"
    "                    image's stores (repeatable).\n"
    "  --bcd FILE        the BCD store the installed system boots with (e.g. its\n"
    "                    Boot\\BCD): read for the verdict; with --test-sign,\n"
    "                    testsigning is turned on there too, in the same\n"
    "                    transaction: a store that cannot be written leaves the\n"
    "                    image unchanged.\n"
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
    const char *image, *index, *cert, *key, *sign_dir, *bcd;
    struct ost_strlist drivers, trust;
    struct ost_stage_options stage;
    bool dry_run, json, force, test_sign;
    unsigned level;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"driver", required_argument, NULL, 'd'},
        {"index", required_argument, NULL, 'x'}, {"recurse", no_argument, NULL, 'r'}, {"force-unsigned", no_argument, NULL, 'u'},
        {"setup-complete", no_argument, NULL, 's'}, {"force", no_argument, NULL, 'f'},
        {"dry-run", no_argument, NULL, 'n'}, {"compression-level", required_argument, NULL, 'L'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"test-sign", no_argument, NULL, 'T'}, {"cert", required_argument, NULL, 'C'}, {"key", required_argument, NULL, 'K'},
        {"test-sign-dir", required_argument, NULL, 'D'}, {"digest", required_argument, NULL, 'G'},
        {"trust", required_argument, NULL, 't'}, {"bcd", required_argument, NULL, 'b'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:d:x:rusfnjL:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'T': o->test_sign = true; break;
        case 'C': o->cert = optarg; break;
        case 'K': o->key = optarg; break;
        case 'D': o->sign_dir = optarg; break;
        case 't': ost_strlist_add(&o->trust, optarg); break;
        case 'b': o->bcd = optarg; break;
        case 'G':
            if (!ost_digest_parse(optarg, &o->stage.test_digest))
                return ost_cli_usage_error("add-driver", "--digest is sha1 or sha256, not '%s'", optarg);
            break;
        case 'L': {
            uint64_t level;
            if (ost_cli_parse_uint("add-driver", "--compression-level", optarg, 1, 100, &level))
                return OST_EXIT_ERROR;
            o->level = (unsigned)level;
            break;
        }
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
    if (!o->test_sign && (o->cert || o->key || o->sign_dir))
        return ost_cli_usage_error("add-driver", "--cert, --key and --test-sign-dir go with --test-sign");
    if (o->test_sign && !o->sign_dir && !(o->cert && o->key))
        return ost_cli_usage_error("add-driver", "--test-sign needs --cert CERT and --key KEY, or --test-sign-dir DIR "
                                                 "(make one with `offstage make-test-cert --out DIR`)");
    if (o->test_sign && o->sign_dir && (o->cert || o->key))
        return ost_cli_usage_error("add-driver", "give --test-sign-dir or --cert/--key, not both");
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
    if (plan->devicepath_note)
        printf("  warning: %s\n", plan->devicepath_note);
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
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "image", ost_cli_image_json(img), "packages", pkgs,
                     "devicepath_before", ost_json_str(plan->devicepath_before),
                     "devicepath_after", ost_json_str(plan->devicepath_after),
                     "devicepath_note", ost_json_str(plan->devicepath_note));
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

/* Everything one run decides before it writes. */
struct job {
    struct options *o;
    struct ost_strlist infs;
    struct ost_image_set imgs;
    struct ost_stage_plan **plans;
    struct ost_testsign_plan *ts; /* per image, with --test-sign */
    struct ost_cat_trust **trust; /* per image */
    struct ost_signer *signer;
    struct ost_cert cert;         /* the signer's certificate */
    bool bcd_changes;
};

/* The one file with this extension in dir, as make-test-cert leaves it. */
static char *find_one(const char *dir, const char *ext, struct ost_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
        return NULL;
    }
    char *found = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (ost_has_suffix_ci(e->d_name, ext) && n++ == 0)
            found = ost_path_join(dir, e->d_name);
    closedir(d);
    if (n != 1) {
        ost_fail(err, OST_ERR_USAGE, "%s: expected one %s file (from `offstage make-test-cert --out %s`), found %zu; "
                 "give --cert and --key instead", dir, ext, dir, n);
        free(found);
        return NULL;
    }
    return found;
}

static int load_signer(struct job *j)
{
    struct options *o = j->o;
    struct ost_error err;
    char *cert = NULL, *key = NULL;
    if (o->sign_dir && (!(cert = find_one(o->sign_dir, ".cer", &err)) || !(key = find_one(o->sign_dir, ".key", &err)))) {
        free(cert);
        return ost_cli_report_error("add-driver", &err);
    }
    struct ost_signer_options so = {0};
    ost_status st = ost_signer_load(key ? key : o->key, cert ? cert : o->cert, &so, &j->signer, &err);
    size_t n = 0;
    const uint8_t *der = st == OST_OK ? ost_signer_cert_der(j->signer, &n) : NULL;
    if (st == OST_OK)
        st = ost_cert_from_der(der, n, cert ? cert : o->cert, &j->cert, &err);
    free(cert), free(key);
    if (st != OST_OK)
        return ost_cli_report_error("add-driver", &err);
    o->stage.test_signer = j->signer;
    return 0;
}

/* What the image will trust: its ROOT and TrustedPublisher stores, --trust,
 * and with --test-sign the certificate about to be added. */
static int image_trust(struct job *j, struct ost_image *img, struct ost_cat_trust **out)
{
    struct ost_error err;
    struct ost_cat_trust *t = ost_cat_trust_new();
    *out = t;
    ost_status st = ost_image_add_trust(img, t, &err);
    for (size_t i = 0; st == OST_OK && i < j->o->trust.n; i++)
        st = ost_cat_trust_add_file(t, j->o->trust.v[i], &err);
    if (st == OST_OK && j->signer)
        st = ost_cat_trust_add_der(t, j->cert.der, j->cert.der_len, "the --test-sign certificate", &err);
    return st == OST_OK ? 0 : ost_cli_report_error("add-driver", &err);
}

static int plan_all(struct job *j, bool *refused, bool *changes)
{
    struct ost_error err;
    size_t n = j->imgs.n;
    j->plans = ost_xcalloc(n, sizeof *j->plans);
    j->trust = ost_xcalloc(n, sizeof *j->trust);
    j->ts = ost_xcalloc(n, sizeof *j->ts);
    for (size_t i = 0; i < n; i++) {
        struct ost_image *img = j->imgs.v[i];
        int rc = image_trust(j, img, &j->trust[i]);
        if (rc)
            return rc;
        j->o->stage.trust = j->trust[i];
        if (ost_stage_plan(img, &j->infs, &j->o->stage, &j->plans[i], &err) != OST_OK)
            return ost_cli_report_error("add-driver", &err);
        if (j->signer && ost_testsign_plan(img, &j->cert, &j->ts[i], &err) != OST_OK)
            return ost_cli_report_error("add-driver", &err);
        *refused = *refused || ost_stage_plan_refused(j->plans[i]);
        *changes = *changes || j->plans[i]->changes || j->ts[i].changes;
    }
    if (j->signer && j->o->bcd) {
        if (ost_testsign_bcd_plan(j->o->bcd, j->o->force, &j->bcd_changes, &err) != OST_OK)
            return ost_cli_report_error("add-driver", &err);
        *changes = *changes || j->bcd_changes;
    }
    /* read for the verdicts only after the write: a store that cannot be read
     * must stop the command before it writes, not after */
    ost_tristate ts;
    if (!j->signer && j->o->bcd && ost_bcd_file_testsigning(j->o->bcd, &ts, &err) != OST_OK)
        return ost_cli_report_error("add-driver", &err);
    return 0;
}

/* Applies every image's plan and writes the images (a WIM once). */
static int apply_images(struct job *j)
{
    struct ost_error err;
    const struct options *o = j->o;
    if (j->imgs.wim)
        ost_wim_session_set_level(j->imgs.wim, o->level);
    for (size_t i = 0; i < j->imgs.n; i++) {
        struct ost_image *img = j->imgs.v[i];
        bool staging = j->plans[i]->changes || o->stage.setup_complete;
        if (!staging && !j->ts[i].changes)
            continue;
        if ((staging && ost_stage_apply(img, j->plans[i], &o->stage, &err) != OST_OK) ||
            (j->ts[i].changes && ost_testsign_apply(img, &j->cert, &j->ts[i], &err) != OST_OK) ||
            ost_image_commit(img, &err) != OST_OK)
            return ost_cli_report_error("add-driver", &err);
    }
    return ost_cli_finish_images("add-driver", &j->imgs, o->json);
}

/* The --bcd store is written whole to a synced temporary before the image,
 * and renamed into place after it: a store that cannot be written leaves
 * the image untouched, and an image that cannot be written leaves the
 * store as it was. Only the rename can fail in between; then the message
 * says what was written and how to finish. */
static int apply_all(struct job *j)
{
    struct ost_error err;
    const struct options *o = j->o;
    char *bcd_tmp = NULL;
    /* a signal from here on ends the command through the image's commit
     * (which refuses to start) or not at all: the store's temporary is
     * removed, or renamed into place once the image is written */
    ost_interrupt_defer_begin();
    if (j->bcd_changes && ost_testsign_bcd_prepare(o->bcd, o->force, &bcd_tmp, &err) != OST_OK) {
        ost_interrupt_defer_end();
        fprintf(stderr, "offstage add-driver: %s; nothing was changed\n", err.message);
        return ost_status_exit_code(err.status);
    }
    int rc = apply_images(j);
    if (bcd_tmp && rc == 0 && ost_rename_into_place(bcd_tmp, o->bcd, &err) != OST_OK) {
        fprintf(stderr, "offstage add-driver: %s\nThe image %s is written with every change of this command, but "
                "testsigning is still off in the BCD store %s. To finish, run:\n  offstage bcd --store %s --set "
                "testsigning on\n", err.message, o->image, o->bcd, o->bcd);
        rc = ost_status_exit_code(err.status);
    }
    if (bcd_tmp && rc != 0)
        unlink(bcd_tmp);
    free(bcd_tmp);
    ost_interrupt_defer_end();
    return rc;
}

static void testsign_print(const struct job *j, size_t i, bool dry_run)
{
    const struct ost_testsign_plan *t = &j->ts[i];
    const char *will = dry_run ? "would " : "";
    printf("  test-signing: certificate %s (%s)\n", j->cert.thumbprint, j->cert.subject);
    printf("      ROOT: %s%s; TrustedPublisher: %s%s\n", t->root == OST_CERT_PRESENT ? "" : will,
           ost_cert_action_name(t->root), t->trusted_publisher == OST_CERT_PRESENT ? "" : will,
           ost_cert_action_name(t->trusted_publisher));
    if (!t->has_template)
        printf("      BCD-Template: none in this image (a Windows image has one; set testsigning in the boot store "
               "with --bcd or `offstage bcd`)\n");
    else
        printf("      BCD-Template: testsigning %s\n", t->testsigning_on ? "already on" : dry_run ? "would be turned on"
                                                                                                  : "turned on");
}

static json_t *testsign_json(const struct job *j, size_t i)
{
    const struct ost_testsign_plan *t = &j->ts[i];
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "thumbprint", j->cert.thumbprint, "subject", j->cert.subject,
                     "root", ost_cert_action_name(t->root), "trusted_publisher",
                     ost_cert_action_name(t->trusted_publisher), "bcd_template", t->has_template,
                     "testsigning_was_on", t->testsigning_on);
}

/* The first-boot verdict of each package that applies to image i. */
static json_t *verdicts(struct job *j, size_t i, FILE *out)
{
    struct ost_image *img = j->imgs.v[i];
    struct ost_boot_policy pol = {.img = img};
    struct ost_error err;
    json_t *all = json_array();
    if (ost_boot_policy_read(&pol, j->o->bcd, img, &err) != OST_OK && out)
        fprintf(out, "  (testsigning could not be read: %s)\n", err.message);
    if (j->signer) {
        pol.planned_thumbprint = j->cert.thumbprint;
        if (j->o->bcd || j->ts[i].has_template)
            pol.testsigning = OST_YES;
    }
    ost_verdict_kind worst = OST_VERDICT_LOADS;
    for (size_t k = 0; k < j->plans[i]->npackages; k++) {
        const struct ost_stage_package *p = &j->plans[i]->packages[k];
        if (p->action != OST_STAGE_COPY && p->action != OST_STAGE_PRESENT)
            continue;
        if (out)
            fprintf(out, "  %s:\n", p->report->model->inf_name);
        json_t *v = ost_cli_firstboot(p->report, &p->signature, &pol, img->info.arch, out, "    ", &worst);
        json_array_append_new(all, json_pack("{s:s, s:o}", "inf", p->inf_path, "first_boot", v));
    }
    return all;
}

static void report(struct job *j, const char *result)
{
    const struct options *o = j->o;
    if (o->json) {
        json_t *list = json_array();
        for (size_t i = 0; i < j->imgs.n; i++) {
            json_t *im = plan_json(j->imgs.v[i], j->plans[i]);
            json_object_set_new(im, "verdicts", verdicts(j, i, NULL));
            json_object_set_new(im, "test_signing", j->signer ? testsign_json(j, i) : json_null());
            json_array_append_new(list, im);
        }
        json_t *doc = json_pack("{s:s, s:s, s:o}", "schema", "offstage.add-driver/1", "result", result, "images", list);
        if (o->bcd && j->signer)
            json_object_set_new(doc, "bcd", json_pack("{s:s, s:b}", "store", o->bcd, "changed", j->bcd_changes));
        ost_cli_print_json_per_image(doc, "images");
        return;
    }
    for (size_t i = 0; i < j->imgs.n; i++) {
        print_plan(j->imgs.v[i], j->plans[i], o->dry_run);
        if (j->signer)
            testsign_print(j, i, o->dry_run);
        json_decref(verdicts(j, i, stdout));
    }
    if (o->bcd && j->signer)
        printf("BCD store %s: testsigning %s\n", o->bcd,
               !j->bcd_changes ? "already on" : o->dry_run ? "would be turned on" : "turned on");
    print_result(result, j->imgs.n);
}

static void job_free(struct job *j)
{
    for (size_t i = 0; j->plans && i < j->imgs.n; i++) {
        ost_stage_plan_free(j->plans[i]);
        ost_cat_trust_free(j->trust[i]);
    }
    free(j->plans), free(j->trust), free(j->ts);
    ost_cli_close_images(&j->imgs);
    ost_strlist_free(&j->infs);
    ost_signer_free(j->signer);
    ost_cert_free(&j->cert);
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct job j = {.o = &o};
    struct ost_error err;
    int rc = parse(argc, argv, &o);
    for (size_t i = 0; rc == 0 && i < o.drivers.n; i++)
        if (ost_package_find_infs(o.drivers.v[i], o.stage.recurse, &j.infs, &err) != OST_OK)
            rc = ost_cli_report_error("add-driver", &err);
    if (rc == 0 && o.test_sign)
        rc = load_signer(&j);
    if (rc == 0)
        rc = ost_cli_open_images("add-driver", o.image, o.index, !o.dry_run, o.force, &j.imgs);
    bool refused = false, changes = false;
    if (rc == 0)
        rc = plan_all(&j, &refused, &changes);
    const char *result = refused ? "refused" : o.dry_run ? "dry-run" : changes ? "staged" : "unchanged";
    if (rc == 0 && !refused && !o.dry_run && (changes || o.stage.setup_complete))
        rc = apply_all(&j);
    if (rc == 0 || rc == OST_EXIT_NEGATIVE) {
        if (refused)
            rc = OST_EXIT_NEGATIVE;
        report(&j, result);
    }
    job_free(&j);
    ost_strlist_free(&o.drivers);
    ost_strlist_free(&o.trust);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_add_driver = {
    .name = "add-driver",
    .summary = "stage driver packages into an offline Windows (first-boot install)",
    .help = help,
    .run = run,
};
