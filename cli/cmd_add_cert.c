/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage add-cert: trust a certificate in the machine stores of an offline Windows. */
#include <stdlib.h>
#include <string.h>

#include "cert_cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage add-cert --image DIR|FILE.wim [--index N|all] --cert FILE...\n"
    "                         [--store NAME]... [--force] [--dry-run] [--json]\n"
    "\n"
    "Adds certificates to the machine certificate stores of an offline Windows,\n"
    "as `certutil -addstore` would on the running system: each goes to\n"
    "SOFTWARE\\Microsoft\\SystemCertificates\\<STORE>\\Certificates\\<THUMBPRINT>,\n"
    "the key named by its SHA-1 thumbprint in uppercase hex, with a Blob value\n"
    "in the format Windows writes (the SHA-1 hash property, then the\n"
    "certificate). Missing store keys (Certificates, CRLs, CTLs) are created.\n"
    "\n"
    "Without --store the certificate goes to ROOT and TrustedPublisher: the pair\n"
    "a test-signed package needs to install silently (loading it needs only\n"
    "testsigning on in the boot loader, no trusted root).\n"
    "A CA certificate (basicConstraints CA:TRUE) in TrustedPublisher trusts\n"
    "nothing there: Windows counts only end-entity signer certificates. It is\n"
    "added with a warning (stderr, and \"warning\" in --json) naming the fix.\n"
    "\n"
    "A certificate file is DER or PEM. A PEM file must hold one certificate\n"
    "(other blocks, e.g. a private key, are ignored); a bundle of several is\n"
    "refused, so that only certificates meant to be trusted are: give each its\n"
    "own --cert.\n"
    "\n"
    "Running the same command again changes nothing and writes nothing. An\n"
    "entry under the certificate's thumbprint whose Blob is missing, malformed\n"
    "or not Windows' format is replaced, and the plan says why.\n"
    "\n"
    "Options:\n"
    "  --cert FILE       the certificate (repeatable).\n"
    "  --store NAME      a machine store: ROOT, TrustedPublisher, CA, AuthRoot,\n"
    "                    Disallowed, My, TrustedPeople, ... or any store the\n"
    "                    image has (repeatable; case-insensitive).\n"
    "  --index N|all     for WIMs: the image(s) to change; a list such as 1,3 names\n"
    "                    several.\n"
    "  --dry-run         print the plan, write nothing.\n"
    "  --quiet           print only the last line and errors.\n"
    "  --force           edit hives that are dirty (not cleanly shut down).\n"
    "  --json            machine-readable plan and result (offstage.add-cert/1).\n"
    "\n"
    "Examples:\n"
    "  offstage add-cert --image /mnt/win7 --cert testsign.cer\n"
    "  offstage add-cert --image install.wim --index all --cert ca.pem --store ROOT\n"
    "\n"
    "Exit status: 0 added (or already present); 2 error (nothing was written).\n";

struct entry {
    size_t cert;
    char *store;
    enum ost_cert_action action;
    char *reason;
    char *warning; /* the certificate will not do what the store is for */
};

struct image_plan {
    struct entry *v;
    size_t n, cap;
    bool changes;
};

static int plan_image(struct ost_image *img, const struct ost_cert_args *a, const struct ost_cert *certs,
                      size_t ncerts, struct image_plan *p)
{
    struct ost_strlist stores = {0};
    int rc = ost_cli_resolve_stores("add-cert", img, &a->stores, true, &stores);
    for (size_t c = 0; rc == 0 && c < ncerts; c++)
        for (size_t s = 0; rc == 0 && s < stores.n; s++) {
            struct ost_error err;
            ost_grow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
            struct entry *e = &p->v[p->n];
            *e = (struct entry){.cert = c, .store = ost_xstrdup(stores.v[s])};
            p->n++;
            if (ost_certstore_plan_add(img, e->store, &certs[c], &e->action, &e->reason, &err) != OST_OK)
                rc = ost_cli_report_error("add-cert", &err);
            e->warning = ost_certstore_add_warning(e->store, &certs[c]);
            if (e->warning)
                fprintf(stderr, "offstage add-cert: warning: %s\n", e->warning);
            p->changes = p->changes || e->action != OST_CERT_PRESENT;
        }
    ost_strlist_free(&stores);
    return rc;
}

static int apply_image(struct ost_image *img, const struct ost_cert *certs, const struct image_plan *p)
{
    struct ost_error err;
    for (size_t i = 0; i < p->n; i++) {
        enum ost_cert_action done;
        if (p->v[i].action != OST_CERT_PRESENT &&
            ost_certstore_add(img, p->v[i].store, &certs[p->v[i].cert], &done, &err) != OST_OK)
            return ost_cli_report_error("add-cert", &err);
    }
    if (ost_image_commit(img, &err) != OST_OK)
        return ost_cli_report_error("add-cert", &err);
    return OST_EXIT_OK;
}

static void print_plan(const struct ost_image *img, const struct ost_cert *certs, const struct image_plan *p,
                       bool dry_run)
{
    char *desc = ost_image_describe(img);
    printf("image %s: %s\n", img->target->name, desc);
    free(desc);
    for (size_t i = 0; i < p->n; i++) {
        const struct entry *e = &p->v[i];
        const struct ost_cert *c = &certs[e->cert];
        if (e->action == OST_CERT_PRESENT)
            printf("  already in %s: %s (%s)\n", e->store, c->subject, c->thumbprint);
        else
            printf("  %s%s %s (%s) %s %s\n", dry_run ? "would " : "", e->action == OST_CERT_ADD ? "add" : "replace",
                   c->subject, c->thumbprint, e->action == OST_CERT_ADD ? "to" : "in", e->store);
        if (e->reason)
            printf("      %s\n", e->reason);
    }
}

static json_t *plan_json(const struct ost_image *img, const struct ost_cert *certs, const struct image_plan *p)
{
    json_t *entries = json_array();
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(entries, json_pack("{s:s, s:s, s:s, s:o, s:o}", "store", p->v[i].store, "thumbprint",
                                                 certs[p->v[i].cert].thumbprint, "action",
                                                 ost_cert_action_name(p->v[i].action), "reason",
                                                 ost_json_str(p->v[i].reason), "warning",
                                                 ost_json_str(p->v[i].warning)));
    return json_pack("{s:o, s:o}", "image", ost_cli_image_json(img), "entries", entries);
}

static void print_result(ost_outcome result, size_t nimages)
{
    if (result == OST_OUTCOME_UNCHANGED)
        printf("nothing to do: every certificate is already in its stores\n");
    else if (result == OST_OUTCOME_DRY_RUN)
        printf("dry run: nothing was written\n");
    else
        printf("added to %zu image%s; Windows trusts the certificates from its next start\n", nimages,
               nimages == 1 ? "" : "s");
}

static void report(const struct ost_cert_args *a, const struct ost_image_set *imgs, const struct ost_cert *certs,
                   size_t ncerts, const struct image_plan *plans, ost_outcome result)
{
    if (!a->json) {
        for (size_t i = 0; i < imgs->n; i++)
            print_plan(imgs->v[i], certs, &plans[i], a->dry_run);
        print_result(result, imgs->n);
        return;
    }
    json_t *clist = json_array(), *ilist = json_array();
    for (size_t i = 0; i < ncerts; i++)
        json_array_append_new(clist, ost_cli_cert_json(&certs[i]));
    for (size_t i = 0; i < imgs->n; i++)
        json_array_append_new(ilist, plan_json(imgs->v[i], certs, &plans[i]));
    json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "schema", "offstage.add-cert/1", "result",
                            ost_outcome_name(result), "certificates", clist, "images", ilist);
    ost_cli_print_json_per_image(doc, "images");
}

static void free_plans(struct image_plan *plans, size_t n)
{
    for (size_t i = 0; plans && i < n; i++) {
        for (size_t k = 0; k < plans[i].n; k++)
            free(plans[i].v[k].store), free(plans[i].v[k].reason), free(plans[i].v[k].warning);
        free(plans[i].v);
    }
    free(plans);
}

static int run(int argc, char **argv)
{
    struct ost_cert_args a;
    int rc = ost_cli_parse_cert_args("add-cert", help, "csn", argc, argv, &a);
    if (rc == 0 && !a.certs.n)
        rc = ost_cli_usage_error("add-cert", "name the certificate with --cert FILE");
    struct ost_cert *certs = NULL;
    size_t ncerts = 0;
    struct ost_image_set imgs = {0};
    struct image_plan *plans = NULL;
    if (rc == 0)
        rc = ost_cli_load_certs("add-cert", &a.certs, &certs, &ncerts);
    if (rc == 0)
        rc = ost_cli_open_images("add-cert", a.image, a.index, !a.dry_run, true, a.force, &imgs);
    if (rc == 0)
        plans = ost_xcalloc(imgs.n ? imgs.n : 1, sizeof *plans);
    bool changes = false;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        rc = plan_image(imgs.v[i], &a, certs, ncerts, &plans[i]);
        changes = changes || plans[i].changes;
    }
    ost_outcome result = a.dry_run ? OST_OUTCOME_DRY_RUN : changes ? OST_OUTCOME_ADDED : OST_OUTCOME_UNCHANGED;
    for (size_t i = 0; rc == 0 && !a.dry_run && i < imgs.n; i++)
        if (plans[i].changes)
            rc = apply_image(imgs.v[i], certs, &plans[i]);
    if (rc == 0 && changes && !a.dry_run)
        rc = ost_cli_finish_images("add-cert", &imgs, a.json);
    if (rc == 0)
        report(&a, &imgs, certs, ncerts, plans, result);
    free_plans(plans, imgs.n);
    ost_cli_close_images(&imgs);
    ost_cli_free_certs(certs, ncerts);
    ost_cli_cert_args_free(&a);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_add_cert = {
    .name = "add-cert",
    .summary = "trust a certificate in the machine stores of an offline Windows",
    .help = help,
    .run = run,
};
