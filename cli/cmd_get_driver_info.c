/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-driver-info: one driver package of an offline Windows. */
#include <stdlib.h>

#include "offstage.h"
#include "firstboot_cli.h"
#include "image_cli.h"

static const char help[] =
    "usage: offstage get-driver-info --image DIR|FILE.wim [--index N|all] --driver NAME\n"
    "              [--bcd FILE]... [--json]\n"
    "\n"
    "Shows one driver package of an offline Windows: NAME is an original INF\n"
    "name (aero_virtio_snd.inf), a published name (oem3.inf) or a staged folder\n"
    "name. Prints where it is, its state, architecture, hardware IDs, services\n"
    "with start types, the files it installs, and whether it has a catalog.\n"
    "\n"
    "For a package offstage staged, it reads the staged copy back from the\n"
    "image and shows what the first boot will find there: its catalog, the\n"
    "catalog's signer (subject and SHA-1 thumbprint), the digest algorithm of\n"
    "the signature and of the member hashes, and the first-boot verdict for\n"
    "the image's architecture (as check-package gives it), weighed against\n"
    "the certificates in the image's ROOT and TrustedPublisher stores and\n"
    "testsigning in the image's BCD-Template, or in the --bcd stores.\n"
    "\n"
    "Options:\n"
    "  --bcd FILE   a BCD store the system boots with (an installed system's\n"
    "               Boot\\BCD; repeatable: testsigning counts as on only\n"
    "               when every store has it on).\n"
    "\n"
    "Examples:\n"
    "  offstage get-driver-info --image install.wim --index 1 --driver aero_virtio_snd.inf\n"
    "  offstage get-driver-info --image win7.qcow2 --driver oem3.inf --json\n"
    "\n"
    "Exit status: 0 present; 1 not present; 2 error.\n";

/* What the first boot will find in the staged copy of e (sv: its verdict,
 * read back). */
static json_t *staged_copy(const struct ost_store_entry *e, const struct ost_staged_verdicts *sv, bool print)
{
    if (!sv->n) {
        const char *why = "the manifest lists no such package";
        if (print)
            printf("First boot:     unknown: %s\n", why);
        return json_pack("{s:s, s:n, s:n, s:n, s:n, s:n, s:n, s:s, s:n}", "folder", e->folder, "catalog",
                         "signer", "digest", "member_digest", "testsigning_source", "first_boot", "problem", why,
                         "policy_problem");
    }
    const struct ost_staged_verdict *v = &sv->v[0];
    const struct ost_boot_policy *pol = &sv->policy;
    if (print) {
        printf("Staged copy:    %s\n", v->folder_path);
        if (!v->problem) {
            printf("Catalog:        %s\n", v->catalog ? v->catalog : "none");
            if (v->signer)
                printf("Signer:         %s (thumbprint %s)\n", v->signer,
                       v->signer_thumbprint ? v->signer_thumbprint : "unknown");
            else if (v->catalog)
                printf("Signer:         none (the catalog is not signed)\n");
            if (v->digest || v->member_digest)
                printf("Digest:         %s (signature), %s (member hashes)\n", v->digest ? v->digest : "none",
                       v->member_digest ? v->member_digest : "none");
        }
        if (sv->policy_problem)
            printf("Testsigning:    unknown: %s\n", sv->policy_problem);
        else if (pol->testsigning == OST_UNKNOWN) /* the source says why: "unknown: give --bcd (...)" */
            printf("Testsigning:    %s\n", pol->testsigning_source[0] ? pol->testsigning_source : "unknown");
        else
            printf("Testsigning:    %s%s%s\n", pol->testsigning == OST_YES ? "on" : "off",
                   pol->testsigning_source[0] ? " in " : "", pol->testsigning_source);
        if (v->problem)
            printf("First boot:     unknown: %s\n", v->problem);
        else if (!v->judged)
            printf("First boot:     no verdict: the INF installs nothing on %s\n", ost_arch_name(v->arch));
        else
            printf("First boot (%s): %s\n", ost_arch_name(v->arch), v->verdict.summary);
        if (v->judged && v->verdict.fix)
            printf("  to change: %s\n", v->verdict.fix);
        if (v->judged && v->verdict.caveat)
            printf("  note (the verdict rests on testsigning): %s\n", v->verdict.caveat);
    }
    json_t *signer = v->signer ? json_pack("{s:s, s:o}", "subject", v->signer, "thumbprint",
                                           ost_json_str(v->signer_thumbprint))
                               : json_null();
    json_t *doc = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "folder", v->folder_path,
                            "catalog", ost_json_str(v->catalog), "signer", signer, "digest", ost_json_str(v->digest),
                            "member_digest", ost_json_str(v->member_digest),
                            "testsigning_source", ost_json_str(pol->testsigning_source[0] ? pol->testsigning_source
                                                                                          : NULL),
                            "first_boot", ost_cli_staged_verdict_json(v, pol), "problem", ost_json_str(v->problem),
                            "policy_problem", ost_json_str(sv->policy_problem));
    return doc;
}

static int show_one(struct ost_image *img, const char *name, const struct ost_strlist *bcd, bool json)
{
    int rc = 0;
    struct ost_store s;
    struct ost_error err;
    struct ost_driver_model *m = NULL;
    const struct ost_store_entry *e = NULL;
    if (ost_store_list(img, &s, &err) != OST_OK) {
        rc = ost_cli_report_error("get-driver-info", &err);
    } else if (!(e = ost_store_find(&s, name))) {
        fprintf(stderr, "offstage get-driver-info: %s: no driver package '%s' (get-drivers lists them)\n",
                img->target->name, name);
        rc = OST_EXIT_NEGATIVE;
    } else if (!e->inf_path) {
        /* only the SYSTEM hive knows it: say what the driver key says */
        if (json) {
            json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
                                    "offstage.get-driver-info/1", "published_name", e->published_name, "state",
                                    "installed", "inf", json_null(), "class", ost_json_str(e->class_name),
                                    "provider", ost_json_str(e->provider), "date", ost_json_str(e->date),
                                    "version", ost_json_str(e->version), "description", ost_json_str(e->description));
            ost_cli_print_json(doc);
            json_decref(doc);
        } else {
            printf("Published name: %s\nState:          installed (in use by a device; the INF is not in "
                   "Windows\\inf)\nDescription:    %s\nClass:          %s\nProvider:       %s\n"
                   "Date, version:  %s, %s\n",
                   e->published_name, e->description ? e->description : "", e->class_name ? e->class_name : "",
                   e->provider ? e->provider : "", e->date ? e->date : "", e->version ? e->version : "");
        }
        e = NULL;
    } else if (ost_store_model(img, e->inf_path, &m, &err) != OST_OK) {
        rc = ost_cli_report_error("get-driver-info", &err);
    }
    struct ost_staged_verdicts sv = {0};
    if (rc == 0 && e && e->staged && ost_staged_verdicts_read(img, bcd, e->published_name, &sv, &err) != OST_OK)
        rc = ost_cli_report_error("get-driver-info", &err);
    if (rc == 0 && e) {
        const struct ost_arch_model *am = &m->arches[0];
        json_t *ids = json_array(), *services = json_array(), *files = json_array();
        for (size_t i = 0; i < am->ndevices; i++)
            json_array_append_new(ids, json_pack("{s:s, s:s}", "hardware_id", am->devices[i].model->hardware_id,
                                                 "description", am->devices[i].model->description));
        for (size_t i = 0; i < am->nservices; i++)
            json_array_append_new(services, json_pack("{s:s, s:i, s:s}", "name", am->services[i].name, "start_type",
                                                      am->services[i].start_type,
                                                      "start", ost_start_type_name(am->services[i].start_type)));
        for (size_t i = 0; i < am->nfiles; i++)
            json_array_append_new(files, json_pack("{s:s, s:s}", "name", am->files[i].name, "destination",
                                                   am->files[i].dest_path));
        json_t *doc = json_pack("{s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}",
            "schema", "offstage.get-driver-info/1", "published_name", e->published_name,
            "original_name", ost_json_str(e->original_name), "inf", e->inf_path, "folder", ost_json_str(e->folder),
            "state", e->staged ? (e->imported ? "imported" : "staged") : e->installed ? "installed" : "store", "arch", ost_arch_name(am->arch),
            "class", ost_json_str(e->class_name), "provider", ost_json_str(e->provider),
            "date", ost_json_str(e->date), "version", ost_json_str(e->version), "catalog", e->has_catalog,
            "boot_critical", e->boot_critical, "devices", ids, "services", services, "files", files);
        if (json) {
            json_object_set_new(doc, "staged_copy", e->staged ? staged_copy(e, &sv, false) : json_null());
            ost_cli_print_json(doc);
        } else {
            printf("Published name: %s\nOriginal name:  %s\nState:          %s\nINF:            %s\n",
                   e->published_name, e->original_name ? e->original_name : "(unknown)",
                   json_string_value(json_object_get(doc, "state")), e->inf_path);
            printf("Class:          %s\nProvider:       %s\nDate, version:  %s, %s\nArchitecture:   %s\n",
                   e->class_name ? e->class_name : "", e->provider ? e->provider : "", e->date ? e->date : "",
                   e->version ? e->version : "", ost_arch_name(am->arch));
            printf("Signature:      %s\nBoot-critical:  %s\n", e->has_catalog ? "catalog present" : "unsigned (no catalog)",
                   e->boot_critical ? "yes" : "no");
            for (size_t i = 0; i < am->ndevices; i++)
                printf("Hardware ID:    %s  \"%s\"\n", am->devices[i].model->hardware_id, am->devices[i].model->description);
            for (size_t i = 0; i < am->nservices; i++)
                printf("Service:        %s (start %u, %s)\n", am->services[i].name, am->services[i].start_type,
                       ost_start_type_name(am->services[i].start_type));
            for (size_t i = 0; i < am->nfiles; i++)
                printf("File:           %s -> %s\n", am->files[i].name, am->files[i].dest_path);
            if (e->staged)
                json_decref(staged_copy(e, &sv, true));
        }
        json_decref(doc);
    }
    ost_staged_verdicts_free(&sv);
    ost_driver_model_free(m);
    ost_store_free(&s);
    return rc;
}


static int run(int argc, char **argv)
{
    struct ost_image_args a;
    struct ost_strlist bcd = {0};
    int parsed = ost_cli_take_bcd("get-driver-info", &argc, argv, &bcd);
    if (!parsed)
        parsed = ost_cli_parse_image_args("get-driver-info", help, argc, argv, true, &a);
    if (parsed) {
        ost_strlist_free(&bcd);
        return parsed < 0 ? OST_EXIT_OK : parsed;
    }
    struct ost_image_set imgs;
    int rc = ost_cli_open_images("get-driver-info", a.image, a.index, false, false, true, &imgs);
    int worst = rc;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        int one = show_one(imgs.v[i], a.driver, &bcd, a.json);
        worst = one > worst ? one : worst;
    }
    ost_cli_close_images(&imgs);
    ost_strlist_free(&bcd);
    return worst;
}

const struct ost_command ost_cmd_get_driver_info = {
    .name = "get-driver-info",
    .summary = "show one driver package of an offline Windows (exit 1 if absent)",
    .help = help,
    .run = run,
};
