/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage get-certs: the certificates in the machine stores of an offline Windows. */
#include <stdlib.h>
#include <string.h>

#include "cert_cli.h"

static const char help[] =
    "usage: offstage get-certs --image DIR|FILE.wim [--index N|all] [--store NAME]...\n"
    "                          [--json]\n"
    "\n"
    "Lists the certificates in the machine certificate stores of an offline\n"
    "Windows (SOFTWARE\\Microsoft\\SystemCertificates), like `certutil -store`:\n"
    "store, SHA-1 thumbprint, subject, issuer, validity and serial number. Each\n"
    "entry's Blob is checked as Windows reads it: an entry whose Blob is missing\n"
    "or malformed, whose key is not the certificate's thumbprint, or whose SHA-1\n"
    "property does not match the certificate is listed with the problem (the\n"
    "key and the offset at fault); Windows would not use it.\n"
    "\n"
    "Options:\n"
    "  --store NAME      only this store (repeatable; default: every store).\n"
    "  --index N|all     for WIMs: the image(s) to read; a list such as 1,3 names\n"
    "                    several.\n"
    "  --json            machine-readable list (offstage.get-certs/1).\n"
    "\n"
    "Examples:\n"
    "  offstage get-certs --image /mnt/win7 --store ROOT --store TrustedPublisher\n"
    "  offstage get-certs --image install.wim --index all --json\n"
    "\n"
    "Exit status: 0 listed (even when empty, even with problems); 2 error.\n";

static json_t *entry_json(const struct ost_certstore_entry *e)
{
    const struct ost_cert *c = &e->cert;
    json_t *o = c->der ? ost_cli_cert_json(c) : json_pack("{s:n, s:n, s:n, s:n, s:n, s:n}", "thumbprint", "subject",
                                                         "issuer", "serial", "not_before", "not_after");
    json_object_set_new(o, "store", json_string(e->store));
    json_object_set_new(o, "key", json_string(e->key));
    json_object_set_new(o, "hash_property", json_boolean(e->has_hash));
    json_object_set_new(o, "hash_matches", json_boolean(e->hash_matches));
    json_object_set_new(o, "key_matches", json_boolean(e->key_matches));
    json_object_set_new(o, "valid", json_boolean(!e->problem));
    json_object_set_new(o, "problem", ost_json_str(e->problem));
    return o;
}

static void print_list(const struct ost_image *img, const struct ost_certstore_list *l)
{
    if (img)
        printf("\n%s\n", img->target->name);
    if (!l->n) {
        printf("(no certificates)\n");
        return;
    }
    printf("%-18s %-40s %-10s %s\n", "Store", "Thumbprint", "Expires", "Subject");
    for (size_t i = 0; i < l->n; i++) {
        const struct ost_certstore_entry *e = &l->v[i];
        const struct ost_cert *c = &e->cert;
        if (c->der)
            printf("%-18s %-40s %-10.10s %s\n", e->store, c->thumbprint, c->not_after, c->subject);
        else
            printf("%-18s %-40s %-10s %s\n", e->store, e->key, "?", "?");
        if (c->der)
            printf("%-18s issuer %s, serial %s, valid from %s\n", "", c->issuer, c->serial, c->not_before);
        if (e->problem)
            printf("%-18s PROBLEM: %s\n", "", e->problem);
    }
}

static int list_image(struct ost_image *img, const struct ost_cert_args *a, bool several, json_t *images)
{
    struct ost_strlist stores = {0};
    struct ost_certstore_list l;
    struct ost_error err;
    int rc = ost_cli_resolve_stores("get-certs", img, &a->stores, false, &stores);
    if (rc != 0) {
        ost_strlist_free(&stores);
        return rc;
    }
    if (ost_certstore_list(img, &stores, &l, &err) != OST_OK) {
        ost_strlist_free(&stores);
        return ost_cli_report_error("get-certs", &err);
    }
    if (a->json) {
        json_t *list = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(list, entry_json(&l.v[i]));
        json_array_append_new(images, json_pack("{s:o, s:o}", "image", ost_cli_image_json(img), "certificates", list));
    } else {
        print_list(several ? img : NULL, &l);
    }
    ost_certstore_list_free(&l);
    ost_strlist_free(&stores);
    return OST_EXIT_OK;
}

static int run(int argc, char **argv)
{
    struct ost_cert_args a;
    int rc = ost_cli_parse_cert_args("get-certs", help, "s", argc, argv, &a);
    struct ost_image_set imgs = {0};
    if (rc == 0)
        rc = ost_cli_open_images("get-certs", a.image, a.index, false, false, true, &imgs);
    json_t *images = json_array();
    for (size_t i = 0; rc == 0 && i < imgs.n; i++)
        rc = list_image(imgs.v[i], &a, imgs.n > 1, images);
    if (rc == 0 && a.json) {
        json_t *doc = json_pack("{s:s, s:O}", "schema", "offstage.get-certs/1", "images", images);
        ost_cli_print_json_per_image(doc, "images");
    }
    json_decref(images);
    ost_cli_close_images(&imgs);
    ost_cli_cert_args_free(&a);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_get_certs = {
    .name = "get-certs",
    .summary = "list the certificates in the machine stores of an offline Windows",
    .help = help,
    .run = run,
};
