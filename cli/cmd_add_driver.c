/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage add-driver: stage driver packages into an offline Windows. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "add_driver_cli.h"
#include "firstboot_cli.h"
#include "offstage.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage add-driver --image DIR|FILE.wim [--index N|all] --driver PATH...\n"
    "              [--recurse] [--force-unsigned] [--setup-complete]\n"
    "              [--test-sign (--cert CERT --key KEY | --test-sign-dir DIR)]\n"
    "              [--trust CERT]... [--bcd FILE]... [--no-rearm] [--force] [--dry-run] [--json]\n"
    "\n"
    "Stages driver packages into an offline Windows so that Plug and Play binds\n"
    "them on first boot, without Windows, DISM or a mount. The image is a\n"
    "directory (the folder holding Windows\\) or a WIM file: install.wim (every\n"
    "edition with --index all, some with a list such as --index 1,3) or\n"
    "boot.wim (--index 2 is Setup). A WIM with several images needs --index;\n"
    "it is updated in place with one write, and files identical across\n"
    "editions are stored once. An image whose plan is an earlier image's\n"
    "(the editions of one install.wim, usually) gets one line, \"...; the same\n"
    "plan as install.wim:1\", not the plan again; --json has every image's.\n"
    "\n"
    "For each package (an INF, a package folder, or with --recurse every INF\n"
    "below a folder):\n"
    "  1. it is checked against the image's architecture and version (the\n"
    "     check-package rules); a package with errors is not staged. A package\n"
    "     built for another architecture is skipped on an image when another\n"
    "     image of the set takes it, and refused when none does (with\n"
    "     --recurse, skipped); decided by the INF and the .sys machine type,\n"
    "     not folder names;\n"
    "  2. unsigned packages (no catalog) are refused unless --force-unsigned;\n"
    "  3. the INF, catalog and exactly the files the INF copies are copied to\n"
    "     Windows\\offstage\\drivers\\<inf>_<arch>_neutral_<hash>\\;\n"
    "  4. %SystemRoot%\\offstage\\drivers is added to DevicePath (keeping every\n"
    "     entry): on first boot Windows finds the package there and installs it;\n"
    "  5. boot-critical packages (StartType 0) are also preinstalled: the .sys in\n"
    "     System32\\drivers, Services\\<name>, CriticalDeviceDatabase entries;\n"
    "     (with the service-install AddReg; the device's .HW AddReg is applied by\n"
    "     Windows when it finishes the install);\n"
    "  6. included inbox INFs (ks.inf, ...) are checked in Windows\\inf; a device\n"
    "     the image already saw (Enum) that failed to install, has no driver, or\n"
    "     has one the package outranks is re-armed (ConfigFlags |= 0x20\n"
    "     REINSTALL) so Windows installs it on the next boot, unless --no-rearm;\n"
    "  7. with --setup-complete, pnputil -i -a lines are appended to\n"
    "     Windows\\Setup\\Scripts\\SetupComplete.cmd (for images that run Setup;\n"
    "     refused on an installed system, which never runs it again), only for\n"
    "     packages that install silently: no one answers a prompt there, so the\n"
    "     others are staged without a line and a note says why;\n"
    "  8. Windows\\offstage\\manifest.json records what was staged.\n"
    "\n"
    "It ends with a verdict per package for the first boot, in two parts:\n"
    "\"installs: silently / after a prompt / never unattended; loads: yes /\n"
    "Code 52 / boot stops\" (or \"unknown\": a setting offstage could not read),\n"
    "with the one thing to change. It weighs the catalog (coverage, OS, signature, and\n"
    "whether the signer chains to a certificate in the image's ROOT or\n"
    "TrustedPublisher store or given with --trust), test-signing (the --bcd\n"
    "stores, else as the image's kind says: see --bcd) and the image's SHA-2\n"
    "support.\n"
    "\n"
    "Test-signing (Windows 7 x64 loads no unsigned driver):\n"
    "  --test-sign       for each package without a valid catalog, make the\n"
    "                    catalog its INF names (as make-cat does, for the\n"
    "                    image's architecture) and sign it into the staged copy;\n"
    "                    the package itself is never modified. Then trust the\n"
    "                    certificate in the image's ROOT and TrustedPublisher\n"
    "                    stores, and turn testsigning on in each --bcd store and\n"
    "                    in the image's own, which depends on its kind:\n"
    "                    - a directory or WIM: its BCD-Template\n"
    "                      (Windows\\System32\\config\\BCD-Template);\n"
    "                    - a disk image: the disk's own boot stores, the ones\n"
    "                      its installed system boots from: Boot\\BCD on the\n"
    "                      active partition (BIOS; System Reserved, or the\n"
    "                      Windows partition itself) and EFI\\Microsoft\\Boot\\BCD\n"
    "                      on the EFI system partition (UEFI), each the disk\n"
    "                      has; its BCD-Template is left as it is (it is the\n"
    "                      one changed only on a disk with neither store).\n"
    "                    The INF must name a catalog (CatalogFile). Boot-start\n"
    "                    drivers on x64 also need their .sys signed: offstage\n"
    "                    sign.\n"
    "  --cert CERT --key KEY   the signing certificate and its key (DER or PEM),\n"
    "                    e.g. from `offstage make-test-cert`.\n"
    "  --test-sign-dir DIR     the folder make-test-cert wrote: its one .cer and\n"
    "                    .key are used.\n"
    "  --digest sha1|sha256    signature digest (default sha1: an unpatched\n"
    "                    Windows 7 verifies only SHA-1 in kernel mode).\n"
    "  --trust CERT      a certificate the first boot will trust besides the\n"
    "                    image's stores (repeatable).\n"
    "  --bcd FILE        a BCD store the system boots with: an installed\n"
    "                    system's Boot\\BCD or EFI\\Microsoft\\Boot\\BCD, or the\n"
    "                    media's boot\\BCD and efi\\microsoft\\boot\\bcd for\n"
    "                    boot.wim (repeatable; testsigning counts as on only when\n"
    "                    it is on in every one, since either may boot). Read for\n"
    "                    the verdict; with --test-sign, testsigning is turned on\n"
    "                    in each, in the same transaction: a store that cannot be\n"
    "                    written leaves the image unchanged. A disk image's own\n"
    "                    boot stores are always read besides them. Without\n"
    "                    --bcd, an installed system in a directory or WIM has\n"
    "                    testsigning unknown (it never boots from its\n"
    "                    BCD-Template), Windows PE's template has no effect,\n"
    "                    and for a generalized image (install.wim) the verdict\n"
    "                    rests on Setup carrying the template's\n"
    "                    {bootloadersettings} over, and says so.\n"
    "\n"
    "All of it is one transaction: on any failure the image is unchanged. Running\n"
    "the same command again changes nothing and says so.\n"
    "\n"
    "Options:\n"
    "  --dry-run         print the plan (every file it would write), write nothing.\n"
    "  --quiet           print only the last line (the result) and errors.\n"
    "  --no-rearm        leave devices the image already saw as they are.\n"
    "  --compression-level N  for WIMs: how hard libwim compresses the data added\n"
    "                    (1-100; default 30; libwim's own default is 50, about 8%\n"
    "                    smaller and 4x slower). The compression type is kept.\n"
    "  --force           edit hives that are dirty (not cleanly shut down); their\n"
    "                    transaction logs may undo the edit at next boot.\n"
    "  --json            machine-readable plan and result (offstage.add-driver/1).\n"
    "\n"
    "Examples (the example virtio-snd package, test-signed for Windows 7 x64):\n"
    "  offstage make-test-cert --out /tmp/testcert\n"
    "  offstage add-driver --image install.wim --index all \\\n"
    "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
    "  offstage add-driver --image boot.wim --index 2 --bcd media/boot/BCD \\\n"
    "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
    "  offstage add-driver --image win7.qcow2 --dry-run \\\n"
    "      --driver build/examples/virtio-snd/amd64 --test-sign --test-sign-dir /tmp/testcert\n"
    "\n"
    "Exit status: 0 staged (or already staged); 1 a package that applies to the\n"
    "image was refused (nothing was written); 2 error.\n";

struct options {
    struct ost_add_driver_options job;
    bool json;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        OST_CLI_ADD_DRIVER_OPTIONS,
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"bcd", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "add-driver", .shortopts = "i:d:x:rusfnjL:h",
                               .longopts = longopts, .repeatable = "dtb"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        int used = ost_cli_add_driver_option("add-driver", c, optarg, &o->job, &o->json);
        if (used < 0)
            return OST_EXIT_ERROR;
        if (used)
            continue;
        switch (c) {
        case 'b': ost_strlist_add(&o->job.bcd, optarg); break;
        case 'i': o->job.image = optarg; o->job.disk = ost_cli_disk; break;
        case 'x': o->job.index = optarg; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error("add-driver", "unexpected argument '%s'", argv[optind]);
    if (!o->job.image)
        return ost_cli_usage_error("add-driver", "name the offline Windows with --image DIR");
    return ost_cli_add_driver_check("add-driver", &o->job);
}

int ost_cli_add_driver_option(const char *cmd, int c, const char *arg, struct ost_add_driver_options *job,
                              bool *json)
{
    switch (c) {
    case 'T': job->test_sign = true; return 1;
    case 'C': job->cert = arg; return 1;
    case 'K': job->key = arg; return 1;
    case 'D': job->sign_dir = arg; return 1;
    case 't': ost_strlist_add(&job->trust, arg); return 1;
    case 'R': job->no_rearm = true; return 1;
    case 'G':
        if (!ost_digest_parse(arg, &job->digest))
            return ost_cli_usage_error(cmd, "--digest is sha1 or sha256, not '%s'", arg), -1;
        return 1;
    case 'L': {
        uint64_t level;
        if (ost_cli_parse_uint(cmd, "--compression-level", arg, 1, 100, &level))
            return -1;
        job->compression_level = (unsigned)level;
        return 1;
    }
    case 'd': ost_strlist_add(&job->drivers, arg); return 1;
    case 'r': job->recurse = true; return 1;
    case 'u': job->force_unsigned = true; return 1;
    case 's': job->setup_complete = true; return 1;
    case 'f': job->force = true; return 1;
    case 'n': job->dry_run = true; return 1;
    case 'j': *json = true; return 1;
    }
    return 0;
}

int ost_cli_add_driver_check(const char *cmd, const struct ost_add_driver_options *job)
{
    if (!job->drivers.n)
        return ost_cli_usage_error(cmd, "name the packages with --driver PATH");
    if (!job->test_sign && (job->cert || job->key || job->sign_dir))
        return ost_cli_usage_error(cmd, "--cert, --key and --test-sign-dir go with --test-sign");
    if (job->test_sign && !job->sign_dir && !(job->cert && job->key))
        return ost_cli_usage_error(cmd, "--test-sign needs --cert CERT and --key KEY, or --test-sign-dir DIR "
                                        "(make one with `offstage make-test-cert --out DIR`)");
    if (job->test_sign && job->sign_dir && (job->cert || job->key))
        return ost_cli_usage_error(cmd, "give --test-sign-dir or --cert/--key, not both");
    return 0;
}

static void print_plan(FILE *out, const struct ost_image *img, const struct ost_stage_plan *plan, bool dry_run)
{
    char *desc = ost_image_describe(img);
    fprintf(out, "image %s: %s\n", img->target->name, desc);
    free(desc);
    for (size_t i = 0; i < plan->npackages; i++) {
        const struct ost_stage_package *p = &plan->packages[i];
        switch (p->action) {
        case OST_STAGE_COPY:
            fprintf(out, "  %s %s -> %s (%zu file%s)%s\n", dry_run ? "would stage" : "stage", p->inf_path, p->folder_path,
                   p->ncopies, p->ncopies == 1 ? "" : "s", p->boot_critical ? ", boot-critical" : "");
            for (size_t k = 0; k < p->ncopies; k++)
                fprintf(out, "      %s\n", p->copies[k].dest);
            for (size_t k = 0; k < p->cdd_keys.n; k++)
                fprintf(out, "      CriticalDeviceDatabase\\%s\n", p->cdd_keys.v[k]);
            break;
        case OST_STAGE_PRESENT:
            fprintf(out, "  already staged: %s as %s\n", p->inf_path, p->folder_path);
            break;
        case OST_STAGE_SKIP_ARCH:
            fprintf(out, "  skipped: %s: %s\n", p->inf_path, p->reason);
            break;
        case OST_STAGE_REFUSED:
            fprintf(out, "  REFUSED: %s: %s\n", p->inf_path, p->reason);
            if (p->report)
                ost_cli_print_diags(out, &p->report->model->diags, "      ", OST_SEV_ERROR);
            break;
        }
        for (size_t k = 0; k < p->notes.n; k++)
            fprintf(out, "      %s\n", p->notes.v[k]);
        for (size_t k = 0; k < p->nrearm; k++) {
            const struct ost_stage_rearm *r = &p->rearm[k];
            if (r->done)
                fprintf(out, "      %s %s: ConfigFlags 0x%x -> 0x%x: %s; Windows installs it on the next boot\n",
                       dry_run ? "would re-arm" : "re-armed", r->instance, r->before, r->after, r->why);
            else
                fprintf(out, "      not re-armed (--no-rearm): %s: %s; Windows will not install it again by itself\n",
                       r->instance, r->why);
        }
    }
    if (plan->devicepath_after)
        fprintf(out, "  DevicePath: %s -> %s\n", plan->devicepath_before ? plan->devicepath_before : "(unset)",
               plan->devicepath_after);
    if (plan->devicepath_note)
        fprintf(out, "  warning: %s\n", plan->devicepath_note);
    for (size_t k = 0; k < plan->also_writes.n; k++)
        fprintf(out, "  %s %s\n", dry_run ? "would write" : "wrote", plan->also_writes.v[k]);
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
        json_t *rearm = json_array();
        for (size_t k = 0; k < p->nrearm; k++)
            json_array_append_new(rearm, json_pack("{s:s, s:o, s:I, s:s, s:b}", "instance", p->rearm[k].instance,
                "config_flags_before", p->rearm[k].had_flags ? json_integer(p->rearm[k].before) : json_null(),
                "config_flags_after", (json_int_t)p->rearm[k].after, "reason", p->rearm[k].why,
                "rearmed", p->rearm[k].done));
        json_array_append_new(pkgs, json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:o, s:o, s:o, s:o, s:o}", "inf", p->inf_path,
            "action", ost_stage_action_name(p->action), "reason", ost_json_str(p->reason),
            "folder", ost_json_str(p->folder_path), "signed", p->signed_, "boot_critical", p->boot_critical,
            "files", files, "critical_device_database", cdd, "notes", notes, "rearm", rearm,
            "findings", p->report ? ost_cli_diags_json(&p->report->model->diags) : json_array()));
    }
    json_t *also = json_array();
    for (size_t k = 0; k < plan->also_writes.n; k++)
        json_array_append_new(also, json_string(plan->also_writes.v[k]));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "image", ost_cli_image_json(img), "packages", pkgs,
                     "devicepath_before", ost_json_str(plan->devicepath_before),
                     "devicepath_after", ost_json_str(plan->devicepath_after),
                     "devicepath_note", ost_json_str(plan->devicepath_note), "also_writes", also);
}

static void print_result(ost_outcome result, size_t nimages, const char *when)
{
    switch (result) {
    case OST_OUTCOME_REFUSED: printf("nothing was written: a package was refused\n"); break;
    case OST_OUTCOME_UNCHANGED: printf("nothing to do: everything is already staged\n"); break;
    case OST_OUTCOME_DRY_RUN: printf("dry run: nothing was written\n"); break;
    case OST_OUTCOME_STAGED:
        printf("staged into %zu image%s; Plug and Play installs the packages %s\n", nimages,
               nimages == 1 ? "" : "s", when);
        break;
    default: break;
    }
}

/* dry_run: nothing is done, the run was a dry run or refused. */
static void testsign_print(FILE *out, const struct ost_add_driver_job *j, size_t i, bool dry_run)
{
    const struct ost_testsign_plan *t = &j->images[i].test_sign;
    const char *will = dry_run ? "would " : "";
    fprintf(out, "  test-signing: certificate %s (%s)\n", j->cert.thumbprint, j->cert.subject);
    fprintf(out, "      ROOT: %s%s; TrustedPublisher: %s%s\n", t->root == OST_CERT_PRESENT ? "" : will,
           ost_cert_action_name(t->root), t->trusted_publisher == OST_CERT_PRESENT ? "" : will,
           ost_cert_action_name(t->trusted_publisher));
    const struct ost_target *tg = j->images[i].img->target;
    for (size_t k = 0; k < t->nboot_stores; k++)
        fprintf(out, "      boot store %s: testsigning %s\n",
               k < tg->boot_store_names.n ? tg->boot_store_names.v[k] : tg->boot_stores.v[k],
               !t->boot_store_needed[k] ? "already on" : dry_run ? "would be turned on" : "turned on");
    if (t->nboot_stores)
        return; /* the store it boots from: its BCD-Template is not read */
    if (!t->has_template)
        fprintf(out, "      BCD-Template: none in this image (a Windows image has one; set testsigning in the boot store "
               "with --bcd or `offstage bcd`)\n");
    else
        fprintf(out, "      BCD-Template: testsigning %s\n", t->testsigning_on ? "already on" : dry_run ? "would be turned on"
                                                                                                  : "turned on");
    struct ost_image_kind_info kind;
    ost_image_kind_read(j->images[i].img, &kind);
    if (t->has_template && j->opts.recovery_of && kind.kind == OST_IMAGE_KIND_WINPE)
        fprintf(out, "      (no effect at boot: Windows RE boots from the installed system's store, not its "
                "BCD-Template)\n");
    else if (t->has_template && !j->opts.bcd.n &&
             (kind.kind == OST_IMAGE_KIND_INSTALLED || kind.kind == OST_IMAGE_KIND_WINPE))
        fprintf(out, "      (no effect at boot: %s boots from %s, not its BCD-Template; give --bcd)\n",
               kind.kind == OST_IMAGE_KIND_INSTALLED ? "an installed system" : "Windows PE",
               kind.kind == OST_IMAGE_KIND_INSTALLED ? "its system partition's store" : "the media's stores");
}

static json_t *testsign_json(const struct ost_add_driver_job *j, size_t i)
{
    const struct ost_testsign_plan *t = &j->images[i].test_sign;
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "thumbprint", j->cert.thumbprint, "subject", j->cert.subject,
                     "root", ost_cert_action_name(t->root), "trusted_publisher",
                     ost_cert_action_name(t->trusted_publisher), "bcd_template", t->has_template,
                     "testsigning_was_on", t->testsigning_on);
}

/* The first-boot verdict of each package that applies to image i. */
static json_t *verdicts(const struct ost_add_driver_image *im, FILE *out, const char *phase)
{
    json_t *all = json_array();
    const char *caveat = NULL; /* the same for every verdict of the image: said once, after them */
    if (im->policy_problem && out)
        fprintf(out, "  (testsigning could not be read: %s)\n", im->policy_problem);
    for (size_t k = 0; k < im->nverdicts; k++) {
        const struct ost_add_driver_verdict *v = &im->verdicts[k];
        json_t *a = json_array();
        if (out)
            fprintf(out, "  %s:\n", v->package->report->model->inf_name);
        if (v->problem && out)
            fprintf(out, "    %s\n", v->problem);
        if (v->judged) {
            if (out) {
                fprintf(out, "    %s (%s): %s\n", phase, ost_arch_name(v->arch), v->verdict.summary);
                if (v->verdict.fix)
                    fprintf(out, "      to change: %s\n", v->verdict.fix);
            }
            if (v->verdict.caveat)
                caveat = v->verdict.caveat;
            json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:b}", "arch", ost_arch_name(v->arch),
                "verdict", ost_verdict_kind_name(v->verdict.kind), "summary", v->verdict.summary,
                "fix", ost_json_str(v->verdict.fix), "signature", ost_sig_state_name(v->signature),
                "testsigning", v->testsigning == OST_UNKNOWN ? json_null() : json_boolean(v->testsigning),
                "predicted", v->predicted);
            ost_cli_verdict_parts(o, &v->verdict);
            json_array_append_new(a, o);
        }
        json_t *entry = json_pack("{s:s, s:o}", "inf", v->package->inf_path, "first_boot", a);
        if (v->problem)
            json_object_set_new(entry, "problem", json_string(v->problem));
        json_array_append_new(all, entry);
    }
    if (caveat && out)
        fprintf(out, "  note (verdicts resting on testsigning): %s\n", caveat);
    return all;
}

json_t *ost_cli_add_driver_json(const struct ost_add_driver_job *j)
{
    const struct ost_add_driver_options *o = &j->opts;
    {
        json_t *list = json_array();
        for (size_t i = 0; i < j->nimages; i++) {
            json_t *im = plan_json(j->images[i].img, j->images[i].plan);
            json_object_set_new(im, "verdicts", verdicts(&j->images[i], NULL, NULL));
            json_t *ts = j->signer ? testsign_json(j, i) : json_null();
            if (j->signer)
                json_object_set_new(ts, "done", json_boolean(j->applied && j->images[i].test_sign.changes));
            json_object_set_new(im, "test_signing", ts);
            json_array_append_new(list, im);
        }
        json_t *doc = json_pack("{s:s, s:s, s:o}", "schema", "offstage.add-driver/1", "result",
                                ost_outcome_name(j->outcome), "images", list);
        json_t *stores = json_array();
        /* the targets' own boot stores first, by the names they give them */
        for (size_t i = 0; j->signer && i < j->nimages; i++) {
            const struct ost_testsign_plan *t = &j->images[i].test_sign;
            const struct ost_target *tg = j->images[i].img->target;
            for (size_t k = 0; k < t->nboot_stores; k++)
                json_array_append_new(stores, json_pack("{s:s, s:s, s:b, s:b}", "store",
                    k < tg->boot_store_names.n ? tg->boot_store_names.v[k] : tg->boot_stores.v[k], "target_path",
                    tg->boot_stores.v[k], "changed", t->boot_store_needed[k], "done",
                    j->applied && t->boot_store_needed[k]));
        }
        size_t first_given = json_array_size(stores);
        for (size_t i = 0; j->signer && i < o->bcd.n; i++)
            json_array_append_new(stores, json_pack("{s:s, s:b, s:b}", "store",
                                                    i < o->bcd_names.n ? o->bcd_names.v[i] : o->bcd.v[i], "changed",
                                                    j->bcd_needed[i], "done", j->applied && j->bcd_needed[i]));
        if (o->bcd.n && j->signer)
            json_object_set_new(doc, "bcd", json_incref(json_array_get(stores, first_given)));
        if (json_array_size(stores))
            json_object_set_new(doc, "bcd_stores", stores);
        else
            json_decref(stores);
        return doc;
    }
}

void ost_cli_add_driver_print(const struct ost_add_driver_job *j)
{
    ost_cli_add_driver_print_phase(j, "first boot", "on first boot");
}

void ost_cli_add_driver_print_phase(const struct ost_add_driver_job *j, const char *phase, const char *when)
{
    const struct ost_add_driver_options *o = &j->opts;
    /* a refused run did nothing: its plan reads as a dry run's */
    bool not_done = o->dry_run || j->refused;
    /* Each image's plan below its first line; an image whose plan reads as
     * an earlier one's (the editions of one install.wim, usually) gets one
     * line naming that image instead of the same plan again. */
    char **bodies = ost_xcalloc(j->nimages ? j->nimages : 1, sizeof *bodies);
    for (size_t i = 0; i < j->nimages; i++) {
        size_t len;
        FILE *out = open_memstream(&bodies[i], &len);
        if (!out) { /* no memory to compare with: printed as it comes */
            print_plan(stdout, j->images[i].img, j->images[i].plan, not_done);
            if (j->signer)
                testsign_print(stdout, j, i, not_done);
            json_decref(verdicts(&j->images[i], stdout, phase));
            continue;
        }
        print_plan(out, j->images[i].img, j->images[i].plan, not_done);
        if (j->signer)
            testsign_print(out, j, i, not_done);
        json_decref(verdicts(&j->images[i], out, phase));
        fclose(out);
        char *nl = strchr(bodies[i], '\n');
        const char *body = nl ? nl + 1 : "";
        size_t same = i;
        for (size_t k = 0; k < i && same == i; k++)
            if (bodies[k] && !strcmp(body, strchr(bodies[k], '\n') ? strchr(bodies[k], '\n') + 1 : ""))
                same = k;
        if (same == i)
            fputs(bodies[i], stdout);
        else
            printf("%.*s; the same plan as %s\n", (int)(nl ? nl - bodies[i] : 0), bodies[i],
                   j->images[same].img->target->name);
    }
    for (size_t i = 0; i < j->nimages; i++)
        free(bodies[i]);
    free(bodies);
    for (size_t i = 0; j->signer && i < o->bcd.n; i++)
        printf("BCD store %s: testsigning %s\n", i < o->bcd_names.n ? o->bcd_names.v[i] : o->bcd.v[i],
               !j->bcd_needed[i] ? "already on" : not_done ? "would be turned on" : "turned on");
    print_result(j->outcome, j->nimages, when);
}

static int run(int argc, char **argv)
{
    struct options o = {0};
    struct ost_add_driver_job *j = NULL;
    struct ost_error err;
    int rc = parse(argc, argv, &o);
    if (rc == 0 && !o.json && isatty(STDERR_FILENO))
        o.job.progress = ost_cli_draw_progress;
    ost_status st = OST_OK;
    if (rc == 0) {
        st = ost_add_driver_plan(&o.job, &j, &err);
        for (size_t i = 0; i < j->set.notices.n; i++)
            fprintf(stderr, "offstage add-driver: %s\n", j->set.notices.v[i]);
    }
    if (rc == 0 && st == OST_OK)
        st = ost_add_driver_apply(j, &err);
    if (rc == 0 && st == OST_OK)
        ost_add_driver_verdicts(j);
    if (rc == 0 && st == OST_ERR_USAGE)
        rc = ost_cli_usage_error("add-driver", "%s", err.message);
    else if (rc == 0 && st != OST_OK)
        rc = ost_cli_report_error("add-driver", &err);
    if (rc == 0) {
        if (o.json)
            ost_cli_print_json_per_image(ost_cli_add_driver_json(j), "images");
        else
            ost_cli_add_driver_print(j);
        if (j->refused)
            rc = OST_EXIT_NEGATIVE;
    }
    ost_add_driver_free(j);
    ost_strlist_free(&o.job.drivers);
    ost_strlist_free(&o.job.trust);
    ost_strlist_free(&o.job.bcd);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_add_driver = {
    .name = "add-driver",
    .summary = "stage driver packages into an offline Windows (first-boot install)",
    .help = help,
    .run = run,
};
