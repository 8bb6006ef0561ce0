/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage make-test-cert: a self-signed code-signing certificate and key for test signing. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "offstage.h"

#define DEFAULT_NAME "offstage-test"
#define MAX_DAYS 36500

static const char help[] =
    "usage: offstage make-test-cert --out DIR [--name NAME] [--subject CN] [--days N]\n"
    "                               [--digest sha1|sha256] [--force] [--dry-run] [--json]\n"
    "\n"
    "Makes a code-signing test certificate and its private key, like\n"
    "`makecert -r -pe -eku 1.3.6.1.5.5.7.3.3`: a new RSA 2048 key and a\n"
    "self-signed X.509 v3 certificate (subject and issuer CN, random serial,\n"
    "basicConstraints CA:FALSE, keyUsage digitalSignature, extendedKeyUsage\n"
    "codeSigning). It is its own root: Windows trusts what it signs once the\n"
    "certificate is in the machine's ROOT and TrustedPublisher stores and\n"
    "test signing is on. Sign with `offstage sign --key DIR/NAME.key --cert\n"
    "DIR/NAME.pem FILE...`.\n"
    "\n"
    "Writes, each atomically (temporary file renamed into place):\n"
    "  DIR/NAME.cer   the certificate, DER (what certutil and certmgr import)\n"
    "  DIR/NAME.pem   the same certificate, PEM\n"
    "  DIR/NAME.key   the private key, unencrypted PKCS#8 PEM, mode 0600\n"
    "and prints the SHA-1 thumbprint as Windows shows it (uppercase hex).\n"
    "\n"
    "Options:\n"
    "  --out DIR        where to write (created when missing; its parent must exist)\n"
    "  --name NAME      file name without extension (default " DEFAULT_NAME ")\n"
    "  --subject CN     the common name (default \"" OST_TEST_CERT_DEFAULT_CN "\")\n"
    "  --days N         validity in days (default 3650); it starts a day in the\n"
    "                   past so that a target clock behind ours accepts it\n"
    "  --digest ALG     the certificate's own signature: sha1 (default), which\n"
    "                   every Windows 7 verifies, or sha256\n"
    "  --force          replace existing files (refused otherwise, before anything\n"
    "                   is written)\n"
    "  --dry-run        say which files would be written; make no key, write\n"
    "                   nothing (the exit status is the real run's)\n"
    "  --quiet          print only the last line and errors\n"
    "  --json           print the result as JSON (schema offstage.make-test-cert/1)\n"
    "\n"
    "Examples:\n"
    "  offstage make-test-cert --out keys\n"
    "  offstage make-test-cert --out keys --name contoso --subject \"Contoso Test\" --days 365\n"
    "\n"
    "Exit status: 0 written; 2 error (usage, existing files, cannot write).\n";

struct options {
    const char *out, *name;
    struct ost_test_cert_request req;
    long days;
    bool force, json, dry_run;
};

/* 1 for --help, 0 parsed, 2 usage error. */
static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},   {"name", required_argument, NULL, 'n'},
        {"subject", required_argument, NULL, 's'}, {"days", required_argument, NULL, 'd'},
        {"digest", required_argument, NULL, 'g'}, {"force", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'N'},     {0, 0, 0, 0},
    };
    int c;
    uint64_t days = (uint64_t)o->days;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "make-test-cert", .shortopts = "h", .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        if (c == 'o')
            o->out = optarg;
        else if (c == 'n')
            o->name = optarg;
        else if (c == 's')
            o->req.subject_cn = optarg;
        else if (c == 'd' && ost_cli_parse_uint("make-test-cert", "--days", optarg, 1, MAX_DAYS, &days))
            return OST_EXIT_ERROR;
        else if (c == 'g' && !ost_digest_parse(optarg, &o->req.digest))
            return ost_cli_usage_error("make-test-cert", "--digest '%s': use sha1 or sha256", optarg);
        else if (c == 'f')
            o->force = true;
        else if (c == 'j')
            o->json = true;
        else if (c == 'N')
            o->dry_run = true;
        else if (c == 'h')
            return fputs(help, stdout), 1;
        else if (c == '?')
            return OST_EXIT_ERROR;
    }
    o->days = (long)days;
    if (optind != argc)
        return ost_cli_usage_error("make-test-cert", "unexpected argument '%s'", argv[optind]);
    if (!o->out)
        return ost_cli_usage_error("make-test-cert", "name the folder to write to with --out DIR");
    if (!*o->name || strchr(o->name, '/'))
        return ost_cli_usage_error("make-test-cert", "--name '%s': a file name without '/'", o->name);
    return 0;
}

static char *iso_time(time_t t)
{
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return ost_xstrdup(buf);
}

static void report(const struct options *o, const struct ost_test_cert *c)
{
    char *from = iso_time(o->req.not_before), *to = iso_time(o->req.not_after);
    char *cer = ost_xasprintf("%s/%s.cer", o->out, o->name), *pem = ost_xasprintf("%s/%s.pem", o->out, o->name);
    char *key = ost_xasprintf("%s/%s.key", o->out, o->name);
    char *subject = ost_xasprintf("CN=%s", o->req.subject_cn);
    if (o->json) {
        json_t *doc = json_pack("{s:s, s:s, s:b, s:s, s:o, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "schema",
                                "offstage.make-test-cert/1", "result", c ? "written" : "dry-run", "written",
                                c != NULL, "subject", subject, "thumbprint", c ? json_string(c->thumbprint)
                                                                               : json_null(),
                                "digest", ost_digest_name(o->req.digest), "not_before", from, "not_after", to,
                                "files", "cer", cer, "pem", pem, "key", key);
        ost_cli_print_json(doc);
        json_decref(doc);
    } else if (!c) {
        printf("Would make a code-signing test certificate.\n"
               "  subject     %s\n  valid       %s to %s\n  signature   %s with RSA 2048\n"
               "  would write %s (DER)\n              %s (PEM)\n              %s (private key, mode 0600)\n"
               "dry run: nothing was written\n",
               subject, from, to, ost_digest_name(o->req.digest), cer, pem, key);
    } else {
        printf("Made a code-signing test certificate.\n"
               "  subject     %s\n  thumbprint  %s\n  valid       %s to %s\n  signature   %s with RSA 2048\n"
               "  wrote       %s (DER)\n              %s (PEM)\n              %s (private key, mode 0600)\n",
               subject, c->thumbprint, from, to, ost_digest_name(o->req.digest), cer, pem, key);
        printf("wrote %s/%s.{cer,pem,key}: thumbprint %s\n", o->out, o->name, c->thumbprint);
    }
    free(from), free(to), free(cer), free(pem), free(key), free(subject);
}

static int run(int argc, char **argv)
{
    struct options o = {.name = DEFAULT_NAME, .days = OST_TEST_CERT_DEFAULT_DAYS};
    o.req.subject_cn = OST_TEST_CERT_DEFAULT_CN;
    int parsed = parse(argc, argv, &o);
    if (parsed)
        return parsed == 1 ? OST_EXIT_OK : parsed;
    struct ost_error err;
    o.req.not_before = time(NULL) - OST_TEST_CERT_BACKDATE_SECONDS;
    o.req.not_after = o.req.not_before + (time_t)o.days * 24 * 60 * 60;
    if (o.dry_run) {
        if (ost_test_cert_check(o.out, o.name, o.force, &err) != OST_OK)
            return ost_cli_report_error("make-test-cert", &err);
        report(&o, NULL);
        return OST_EXIT_OK;
    }
    if (mkdir(o.out, 0755) != 0 && errno != EEXIST) {
        return ost_cli_error("make-test-cert", OST_ERR_IO, "%s: cannot create: %s", o.out, strerror(errno));
    }
    struct ost_test_cert c;
    if (ost_make_test_cert(&o.req, &c, &err) != OST_OK)
        return ost_cli_report_error("make-test-cert", &err);
    int rc = OST_EXIT_OK;
    if (ost_test_cert_write(&c, o.out, o.name, o.force, &err) != OST_OK)
        rc = ost_cli_report_error("make-test-cert", &err);
    else
        report(&o, &c);
    ost_test_cert_free(&c);
    return rc;
}

const struct ost_command ost_cmd_make_test_cert = {
    .name = "make-test-cert",
    .summary = "make a self-signed code-signing test certificate and key",
    .help = help,
    .run = run,
};
