/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage remove-cert: take a certificate out of the machine stores of an offline Windows. */
#include <stdlib.h>
#include <string.h>

#include "cert_cli.h"

static const char help[] =
    "usage: offstage remove-cert --image DIR|FILE.wim [--index N|all]\n"
    "                            (--thumbprint HEX | --cert FILE)... [--store NAME]...\n"
    "                            [--dry-run] [--force] [--json]\n"
    "\n"
    "Removes certificates from the machine certificate stores of an offline\n"
    "Windows: the key SOFTWARE\\Microsoft\\SystemCertificates\\<STORE>\\Certificates\\\n"
    "<THUMBPRINT> and its Blob, whatever the Blob holds. The store keys stay.\n"
    "\n"
    "Without --store the certificate is removed from ROOT and TrustedPublisher,\n"
    "undoing add-cert's default.\n"
    "\n"
    "Options:\n"
    "  --thumbprint HEX  the SHA-1 thumbprint, 40 hex digits (colons allowed, as\n"
    "                    `openssl x509 -fingerprint -sha1` prints it; repeatable).\n"
    "  --cert FILE       the certificate, DER or PEM (repeatable).\n"
    "  --store NAME      the store (repeatable; case-insensitive).\n"
    "  --index N|all     for WIMs: the image(s) to change; a list such as 1,3 names\n"
    "                    several.\n"
    "  --dry-run         say what would be removed; write nothing (the exit\n"
    "                    status is the real run's).\n"
    "  --quiet           print only the last line and errors.\n"
    "  --force           edit hives that are dirty (not cleanly shut down).\n"
    "  --json            machine-readable result (offstage.remove-cert/1).\n"
    "\n"
    "Examples:\n"
    "  offstage remove-cert --image /mnt/win7 --cert testsign.cer\n"
    "  offstage remove-cert --image install.wim --index 2 --store ROOT \\\n"
    "      --thumbprint 5A:3F:...\n"
    "\n"
    "Exit status: 0 removed (from at least one store); 1 none of the\n"
    "certificates is in any of the stores (nothing was written); 2 error.\n";

static int thumbprints(const struct ost_cert_args *a, struct ost_strlist *out)
{
    for (size_t i = 0; i < a->thumbprints.n; i++) {
        char t[41];
        if (!ost_thumbprint_parse(a->thumbprints.v[i], t))
            return ost_cli_usage_error("remove-cert", "--thumbprint '%s' is not 40 hex digits (a SHA-1 thumbprint)",
                                       a->thumbprints.v[i]);
        if (!ost_strlist_contains_ci(out, t))
            ost_strlist_add(out, t);
    }
    struct ost_cert *certs;
    size_t n;
    int rc = ost_cli_load_certs("remove-cert", &a->certs, &certs, &n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!ost_strlist_contains_ci(out, certs[i].thumbprint))
            ost_strlist_add(out, certs[i].thumbprint);
    ost_cli_free_certs(certs, n);
    return rc;
}

/* Removes every thumbprint from every store of img, recording what went. */
static int remove_from(struct ost_image *img, const struct ost_cert_args *a, const struct ost_strlist *tps,
                       json_t *removed, size_t *count)
{
    struct ost_strlist stores = {0};
    struct ost_error err;
    int rc = ost_cli_resolve_stores("remove-cert", img, &a->stores, true, &stores);
    for (size_t t = 0; rc == 0 && t < tps->n; t++)
        for (size_t s = 0; rc == 0 && s < stores.n; s++) {
            ost_status st = a->dry_run ? (ost_certstore_has_entry(img, stores.v[s], tps->v[t]) ? OST_OK : OST_NEGATIVE)
                                       : ost_certstore_remove(img, stores.v[s], tps->v[t], &err);
            if (st == OST_NEGATIVE)
                continue;
            if (st != OST_OK) {
                rc = ost_cli_report_error("remove-cert", &err);
                break;
            }
            (*count)++;
            json_array_append_new(removed, json_pack("{s:s, s:o, s:s, s:s}", "image", img->target->name, "index",
                                                     ost_cli_index_json(img), "store",
                                                     stores.v[s], "thumbprint", tps->v[t]));
        }
    ost_strlist_free(&stores);
    return rc;
}

static void report(const struct ost_cert_args *a, json_t *removed)
{
    if (a->json) {
        json_t *doc = json_pack("{s:s, s:s, s:O}", "schema", "offstage.remove-cert/1", "result",
                                a->dry_run ? "dry-run" : "removed", "removed", removed);
        ost_cli_print_json(doc);
        json_decref(doc);
        return;
    }
    for (size_t i = 0; i < json_array_size(removed); i++) {
        json_t *r = json_array_get(removed, i);
        printf("%s %s from %s in %s\n", a->dry_run ? "would remove" : "removed",
               json_string_value(json_object_get(r, "thumbprint")), json_string_value(json_object_get(r, "store")),
               json_string_value(json_object_get(r, "image")));
    }
    if (a->dry_run)
        printf("dry run: nothing was written (the run would write %s)\n", OST_SOFTWARE_HIVE);
}

static int run(int argc, char **argv)
{
    struct ost_cert_args a;
    int rc = ost_cli_parse_cert_args("remove-cert", help, "cstn", argc, argv, &a);
    if (rc == 0 && !a.certs.n && !a.thumbprints.n)
        rc = ost_cli_usage_error("remove-cert", "name the certificate with --thumbprint HEX or --cert FILE");
    struct ost_strlist tps = {0};
    struct ost_image_set imgs = {0};
    json_t *removed = json_array();
    if (rc == 0)
        rc = thumbprints(&a, &tps);
    if (rc == 0)
        rc = ost_cli_open_images("remove-cert", a.image, a.index, !a.dry_run, true, a.force, &imgs);
    size_t total = 0;
    for (size_t i = 0; rc == 0 && i < imgs.n; i++) {
        struct ost_error err;
        size_t count = 0;
        rc = remove_from(imgs.v[i], &a, &tps, removed, &count);
        if (rc == 0 && count && !a.dry_run && ost_image_commit(imgs.v[i], &err) != OST_OK)
            rc = ost_cli_report_error("remove-cert", &err);
        total += count;
    }
    if (rc == 0 && total == 0) {
        fprintf(stderr, "offstage remove-cert: %s: none of the certificates is in the store%s named (see get-certs)\n",
                a.image, a.stores.n == 1 ? "" : "s");
        rc = OST_EXIT_NEGATIVE;
    }
    if (rc == 0 && !a.dry_run)
        rc = ost_cli_finish_images("remove-cert", &imgs, a.json);
    if (rc == 0)
        report(&a, removed);
    json_decref(removed);
    ost_cli_close_images(&imgs);
    ost_strlist_free(&tps);
    ost_cli_cert_args_free(&a);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_remove_cert = {
    .name = "remove-cert",
    .summary = "remove a certificate from the machine stores of an offline Windows",
    .help = help,
    .run = run,
};
