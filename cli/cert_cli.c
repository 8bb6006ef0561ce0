/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Options and helpers of the certificate commands. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cert_cli.h"

int ost_cli_parse_cert_args(const char *cmd, const char *help, const char *allowed, int argc, char **argv,
                            struct ost_cert_args *a)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"cert", required_argument, NULL, 'c'}, {"store", required_argument, NULL, 's'},
        {"thumbprint", required_argument, NULL, 't'}, {"dry-run", no_argument, NULL, 'n'},
        {"force", no_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int c;
    *a = (struct ost_cert_args){0};
    optind = 1;
    struct ost_cli_getopt g = {.cmd = cmd, .shortopts = "i:x:c:s:t:nfjh", .longopts = longopts, .repeatable = "cst"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        if (strchr("cstn", c) && !strchr(allowed, c))
            return ost_cli_usage_error(cmd, "option '%s' is not one of this command's", argv[optind - 1]);
        switch (c) {
        case 'i': a->image = optarg; break;
        case 'x': a->index = optarg; break;
        case 'c': ost_strlist_add(&a->certs, optarg); break;
        case 's': ost_strlist_add(&a->stores, optarg); break;
        case 't': ost_strlist_add(&a->thumbprints, optarg); break;
        case 'n': a->dry_run = true; break;
        case 'f': a->force = true; break;
        case 'j': a->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

void ost_cli_cert_args_free(struct ost_cert_args *a)
{
    ost_strlist_free(&a->certs);
    ost_strlist_free(&a->stores);
    ost_strlist_free(&a->thumbprints);
}

int ost_cli_load_certs(const char *cmd, const struct ost_strlist *files, struct ost_cert **certs, size_t *n)
{
    *certs = ost_xcalloc(files->n ? files->n : 1, sizeof **certs);
    *n = 0;
    for (size_t i = 0; i < files->n; i++) {
        struct ost_error err;
        struct ost_cert *loaded, *c = &(*certs)[*n];
        size_t one;
        if (ost_cert_load(files->v[i], OST_CERT_LOAD_ONE, &loaded, &one, &err) != OST_OK)
            return ost_cli_report_error(cmd, &err);
        *c = loaded[0];
        free(loaded);
        bool repeat = false;
        for (size_t k = 0; k < *n; k++)
            repeat = repeat || !strcmp((*certs)[k].thumbprint, c->thumbprint);
        if (repeat)
            ost_cert_free(c);
        else
            (*n)++;
    }
    return OST_EXIT_OK;
}

void ost_cli_free_certs(struct ost_cert *certs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ost_cert_free(&certs[i]);
    free(certs);
}

int ost_cli_resolve_stores(const char *cmd, struct ost_image *img, const struct ost_strlist *given,
                           bool with_default, struct ost_strlist *out)
{
    struct ost_strlist defaults = {0};
    if (!given->n && with_default)
        for (size_t i = 0; i < sizeof ost_certstore_default_stores / sizeof ost_certstore_default_stores[0]; i++)
            ost_strlist_add(&defaults, ost_certstore_default_stores[i]);
    const struct ost_strlist *names = given->n ? given : &defaults;
    int rc = OST_EXIT_OK;
    for (size_t i = 0; rc == OST_EXIT_OK && i < names->n; i++) {
        struct ost_error err;
        char *store;
        if (ost_certstore_check_name(img, names->v[i], &store, &err) != OST_OK)
            rc = ost_cli_report_error(cmd, &err);
        else if (ost_strlist_contains_ci(out, store))
            free(store);
        else
            ost_strlist_add_owned(out, store);
    }
    ost_strlist_free(&defaults);
    return rc;
}

json_t *ost_cli_cert_json(const struct ost_cert *c)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "thumbprint", c->thumbprint, "subject", c->subject,
                     "issuer", c->issuer, "serial", c->serial, "not_before", c->not_before, "not_after",
                     c->not_after);
}
