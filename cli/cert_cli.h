/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cert_cli.h — what the certificate commands (add-cert, get-certs,
 * remove-cert) share: their options, loading --cert files, resolving --store
 * names, and a certificate as JSON. */
#ifndef OST_CERT_CLI_H
#define OST_CERT_CLI_H

#include "offstage.h"
#include "image_cli.h"

struct ost_cert_args {
    const char *image, *index;
    struct ost_strlist certs, stores, thumbprints;
    bool force, json, dry_run;
};

/* Parses the options; `allowed` holds the letters of the command-specific
 * ones it takes: c --cert, s --store, t --thumbprint, n --dry-run. Returns
 * 0 to go on, -1 when --help was printed, or an exit code. */
int ost_cli_parse_cert_args(const char *cmd, const char *help, const char *allowed, int argc, char **argv,
                            struct ost_cert_args *a);
void ost_cli_cert_args_free(struct ost_cert_args *a);

/* Loads every file, dropping repeats of the same certificate. Prints the
 * error and returns its exit code on failure. */
int ost_cli_load_certs(const char *cmd, const struct ost_strlist *files, struct ost_cert **certs, size_t *n);
void ost_cli_free_certs(struct ost_cert *certs, size_t n);

/* The stores to use in img: the given names as the image spells them (or
 * ROOT and TrustedPublisher when none is given and with_default), each once. */
int ost_cli_resolve_stores(const char *cmd, struct ost_image *img, const struct ost_strlist *given,
                           bool with_default, struct ost_strlist *out);

json_t *ost_cli_cert_json(const struct ost_cert *c);

#endif
