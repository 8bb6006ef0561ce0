/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage cat-info: what a catalog (.cat) lists and who signed it. */
#include <getopt.h>
#include <stdlib.h>

#include "offstage.h"
#include "cli.h"

static const char help[] =
    "usage: offstage cat-info FILE.cat [--trust CERT]... [--json]\n"
    "\n"
    "Shows what a Windows catalog holds: its signature (signer, certificates,\n"
    "signing time, digest algorithms), its attributes (OSAttr \"2:6.1\" is\n"
    "Windows 7, OS \"7X64\", HWIDn) and every member: file name, PE or flat,\n"
    "hash algorithm and hash (the member tag Windows looks files up by).\n"
    "A PE member's hash is the Authenticode image hash of the file, a flat\n"
    "member's the hash of all its bytes; `offstage check-package` compares\n"
    "them with a package's files.\n"
    "\n"
    "The signature is checked over the catalog's content. With --trust it is\n"
    "also checked that the signer chains to one of the given certificates\n"
    "(DER, or PEM: every certificate of a bundle; a root or the signer's own\n"
    "certificate, as in Windows' ROOT and TrustedPublisher stores). Extended\n"
    "Key Usage is not checked: for drivers Windows decides that by its\n"
    "signing policy, not by the chain.\n"
    "\n"
    "Options:\n"
    "  --trust CERT   a trusted certificate (repeatable).\n"
    "  --json         print JSON (schema offstage.cat-info/1, docs/json.md).\n"
    "\n"
    "Exit status: 0 the catalog was read (and, with --trust, its signature\n"
    "verifies and chains to a trusted certificate); 1 with --trust, it is\n"
    "unsigned, its signature is invalid or its signer is not trusted; 2 the\n"
    "file cannot be read or is not a catalog (the message names the offset).\n"
    "\n"
    "Examples:\n"
    "  offstage cat-info build/examples/virtio-snd/amd64/aero_virtio_snd.cat\n"
    "  offstage cat-info pkg/driver.cat --trust test-root.cer --json\n";

static json_t *attrs_json(const struct ost_cat_attr *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:I, s:s}", "name", v[i].name, "flags", (json_int_t)v[i].flags,
                                           "value", v[i].value));
    return a;
}

static json_t *members_json(const struct ost_catalog *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->nmembers; i++) {
        const struct ost_cat_member *m = &c->members[i];
        char *hash = ost_cat_hex(m->hash, m->hash_len);
        json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I}", "tag", m->tag,
            "file", ost_json_str(m->file), "kind", m->has_hash ? json_string(m->pe ? "pe" : "flat") : json_null(),
            "hash_algorithm", ost_json_str(m->hash_alg), "hash", m->has_hash ? json_string(hash) : json_null(),
            "subject_guid", ost_json_str(m->subject_guid), "attributes", attrs_json(m->attrs, m->nattrs),
            "offset", (json_int_t)m->offset));
        free(hash);
    }
    return a;
}

static json_t *certs_json(const struct ost_catalog *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->ncerts; i++) {
        const struct ost_cat_cert *x = &c->certs[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "subject", x->subject, "issuer",
            x->issuer, "serial", x->serial, "thumbprint", x->thumbprint, "not_before", ost_json_str(x->not_before),
            "not_after", ost_json_str(x->not_after)));
    }
    return a;
}

static json_t *signers_json(const struct ost_catalog *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->nsigners; i++) {
        const struct ost_cat_signer *s = &c->signers[i];
        json_array_append_new(a, json_pack("{s:s, s:s, s:o, s:s, s:o}", "issuer", s->issuer, "serial", s->serial,
            "certificate", s->cert >= 0 ? json_integer(s->cert) : json_null(), "digest_algorithm", s->digest_alg,
            "signing_time", ost_json_str(s->signing_time)));
    }
    return a;
}

static void print_json(const struct ost_catalog *c, const struct ost_cat_verdict *v)
{
    json_t *algs = json_array();
    for (size_t i = 0; i < c->digest_algs.n; i++)
        json_array_append_new(algs, json_string(c->digest_algs.v[i]));
    json_t *sig = json_pack("{s:s, s:s, s:o, s:o}", "status", ost_cat_sig_status_name(v->status), "reason",
                            v->reason, "signer", ost_json_str(v->signer), "anchor", ost_json_str(v->anchor));
    json_t *doc = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
        "offstage.cat-info/1", "path", c->name, "size", (json_int_t)c->der_size, "signature", sig,
        "list_id", ost_json_str(c->list_id), "time", ost_json_str(c->this_update),
        "member_algorithm", ost_json_str(c->member_alg), "digest_algorithms", algs,
        "attributes", attrs_json(c->attrs, c->nattrs), "certificates", certs_json(c), "signers", signers_json(c),
        "members", members_json(c));
    ost_cli_print_json(doc);
    json_decref(doc);
}

static void print_text(const struct ost_catalog *c, const struct ost_cat_verdict *v)
{
    printf("%s\n", c->name);
    printf("  signature   %s: %s\n", ost_cat_sig_status_name(v->status), v->reason);
    for (size_t i = 0; i < c->nsigners; i++)
        printf("  signer      %s (serial %s), %s, signed %s\n", c->signers[i].cert >= 0
               ? c->certs[c->signers[i].cert].subject : c->signers[i].issuer, c->signers[i].serial,
               c->signers[i].digest_alg, c->signers[i].signing_time ? c->signers[i].signing_time : "at no stated time");
    for (size_t i = 0; i < c->ncerts; i++)
        printf("  certificate %s\n              issued by %s, SHA-1 %s, valid %s to %s\n", c->certs[i].subject,
               c->certs[i].issuer, c->certs[i].thumbprint, c->certs[i].not_before ? c->certs[i].not_before : "?",
               c->certs[i].not_after ? c->certs[i].not_after : "?");
    printf("  made        %s, list %s\n", c->this_update, c->list_id ? c->list_id : "(no identifier)");
    for (size_t i = 0; i < c->nattrs; i++)
        printf("  attribute   %s = %s\n", c->attrs[i].name, c->attrs[i].value);
    printf("  members     %zu\n", c->nmembers);
    for (size_t i = 0; i < c->nmembers; i++) {
        const struct ost_cat_member *m = &c->members[i];
        printf("    %-24s %-4s %-6s %s", m->file ? m->file : "(no name)", m->has_hash ? (m->pe ? "PE" : "flat") : "-",
               m->hash_alg ? m->hash_alg : "-", m->tag);
        const char *osattr = ost_cat_member_attr(m, "OSAttr");
        printf(osattr ? "  OSAttr %s\n" : "\n", osattr);
    }
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"trust", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    bool json = false;
    struct ost_cat_trust *trust = ost_cat_trust_new();
    struct ost_error err;
    int c, rc = OST_EXIT_OK;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "cat-info", .shortopts = "t:jh", .longopts = longopts, .repeatable = "t"};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1 && rc == OST_EXIT_OK) {
        if (c == 'j')
            json = true;
        else if (c == 't' && ost_cat_trust_add_file(trust, optarg, &err) != OST_OK)
            rc = ost_cli_report_error("cat-info", &err);
        else if (c == 'h')
            rc = -1, fputs(help, stdout);
        else if (c != 't')
            rc = OST_EXIT_ERROR;
    }
    if (rc == OST_EXIT_OK && optind != argc - 1)
        rc = ost_cli_usage_error("cat-info", "name one catalog file");
    struct ost_catalog *cat = NULL;
    if (rc == OST_EXIT_OK && ost_catalog_read_file(argv[optind], &cat, &err) != OST_OK)
        rc = ost_cli_report_error("cat-info", &err);
    struct ost_cat_verdict v = {0};
    if (rc == OST_EXIT_OK && ost_catalog_verify(cat, trust, &v, &err) != OST_OK)
        rc = ost_cli_report_error("cat-info", &err);
    if (rc == OST_EXIT_OK) {
        if (json)
            print_json(cat, &v);
        else
            print_text(cat, &v);
        if (ost_cat_trust_count(trust) && v.status != OST_CAT_SIG_TRUSTED)
            rc = OST_EXIT_NEGATIVE;
    }
    ost_cat_verdict_free(&v);
    ost_catalog_free(cat);
    ost_cat_trust_free(trust);
    return rc < 0 ? OST_EXIT_OK : rc;
}

const struct ost_command ost_cmd_cat_info = {
    .name = "cat-info",
    .summary = "show a catalog's signer, attributes and members",
    .help = help,
    .run = run,
};
