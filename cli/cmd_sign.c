/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage sign: Authenticode signatures on catalogs and PE images, like signtool sign. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "offstage.h"

static const char help[] =
    "usage: offstage sign --key KEY --cert CERT [--digest sha1|sha256] [--allow-expired]\n"
    "                     [--dry-run] [--json] FILE...\n"
    "\n"
    "Signs files in place with an Authenticode signature, like `signtool sign`.\n"
    "What a file is comes from its content, not its name:\n"
    "  catalog (.cat)   a PKCS#7 SignedData holding a certificate trust list\n"
    "                   (1.3.6.1.4.1.311.10.1). Its content is kept byte for byte\n"
    "                   and the signature around it is replaced by ours.\n"
    "  PE image         .sys, .dll, .exe: an embedded signature (needed by\n"
    "                   boot-start drivers on x64, which Windows checks before any\n"
    "                   catalog is available). An existing signature is replaced,\n"
    "                   not nested; the PE checksum is recomputed.\n"
    "Anything else is refused. Each file is written to a temporary next to it\n"
    "and renamed over it, so a file that fails to sign is left as it was; the\n"
    "other files are still signed.\n"
    "\n"
    "The signature carries the signer certificate, the authenticated attributes\n"
    "signtool writes (contentType, messageDigest, SpcSpOpusInfo, SpcStatementType\n"
    "individual code signing), no signing time and no timestamp.\n"
    "\n"
    "Options:\n"
    "  --key KEY        the RSA private key, PEM or DER, unencrypted\n"
    "  --cert CERT      its certificate, PEM or DER; the file must hold exactly\n"
    "                   one certificate (a PEM bundle is refused, naming the count)\n"
    "  --digest ALG     sha1 (default) or sha256, for both the file hash and the\n"
    "                   signature. Windows 7 SP1 without update KB3033929 verifies\n"
    "                   only SHA-1 signatures in kernel mode, where drivers are\n"
    "                   loaded: with sha256 an unpatched Windows 7 x64 refuses the\n"
    "                   driver (Code 52). Use sha256 for Windows 8 and later, or\n"
    "                   Windows 7 with KB3033929.\n"
    "  --allow-expired  sign with a certificate outside its validity period\n"
    "                   (refused by default: Windows' user-mode check rejects it)\n"
    "  --dry-run        sign in memory and say what would be signed; write nothing\n"
    "                   (the exit status is the real run's)\n"
    "  --quiet          print only the last line and errors\n"
    "  --json           print the result as JSON (schema offstage.sign/1)\n"
    "\n"
    "Examples:\n"
    "  offstage make-test-cert --out keys\n"
    "  offstage sign --key keys/offstage-test.key --cert keys/offstage-test.pem \\\n"
    "      pkg/amd64/mydriver.sys pkg/amd64/mydriver.cat\n"
    "\n"
    "Check with: osslsigncode verify -CAfile keys/offstage-test.pem -in FILE\n"
    "\n"
    "Exit status: 0 every file signed; 2 error (usage, key or certificate\n"
    "refused, a file unreadable, of an unknown kind or damaged).\n";

struct options {
    const char *key, *cert;
    ost_digest digest;
    struct ost_signer_options signer;
    bool json, dry_run;
};

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},    {"cert", required_argument, NULL, 'c'},
        {"digest", required_argument, NULL, 'g'}, {"allow-expired", no_argument, NULL, 'x'},
        {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'n'},      {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "sign", .shortopts = "h", .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        if (c == 'k')
            o->key = optarg;
        else if (c == 'c')
            o->cert = optarg;
        else if (c == 'g' && !ost_digest_parse(optarg, &o->digest))
            return ost_cli_usage_error("sign", "--digest '%s': use sha1 or sha256", optarg);
        else if (c == 'x')
            o->signer.allow_expired = true;
        else if (c == 'j')
            o->json = true;
        else if (c == 'n')
            o->dry_run = true;
        else if (c == 'h')
            return fputs(help, stdout), 1;
        else if (c == '?')
            return OST_EXIT_ERROR;
    }
    if (!o->key || !o->cert)
        return ost_cli_usage_error("sign", "give the signer with --key KEY and --cert CERT");
    if (optind == argc)
        return ost_cli_usage_error("sign", "name at least one file to sign");
    return 0;
}

static json_t *file_json(const char *path, ost_sign_kind kind, ost_status st, bool dry_run, const struct ost_error *err)
{
    json_t *error = st == OST_OK ? json_null()
                                 : json_pack("{s:s, s:s, s:s}", "path", path, "status", ost_status_name(st),
                                             "message", err->message);
    return json_pack("{s:s, s:s, s:b, s:o}", "path", path, "kind", ost_sign_kind_name(kind), "signed",
                     st == OST_OK && !dry_run, "error", error);
}

static int sign_all(const struct options *o, const struct ost_signer *s, int n, char **files)
{
    int rc = OST_EXIT_OK;
    size_t signed_n = 0;
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        struct ost_error err;
        ost_sign_kind kind;
        ost_status st = o->dry_run ? ost_sign_file_check(s, o->digest, files[i], &kind, &err)
                                   : ost_sign_file(s, o->digest, files[i], &kind, &err);
        if (st != OST_OK) {
            int code = ost_cli_report_error("sign", &err);
            rc = code > rc ? code : rc;
        } else if (!o->json) {
            printf("%s %s (%s, %s)\n", o->dry_run ? "would sign" : "signed", files[i], ost_sign_kind_name(kind),
                   ost_digest_name(o->digest));
            signed_n++;
        }
        json_array_append_new(list, file_json(files[i], kind, st, o->dry_run, &err));
    }
    if (!o->json && o->dry_run)
        printf("dry run: nothing was written (%zu of %d file%s would be signed)\n", signed_n, n, n == 1 ? "" : "s");
    else if (!o->json && n > 1)
        printf("signed %zu of %d files\n", signed_n, n);
    if (o->json) {
        json_t *doc = json_pack("{s:s, s:b, s:{s:s, s:s}, s:s, s:o}", "schema", "offstage.sign/1", "dry_run",
                                o->dry_run, "signer", "subject", ost_signer_subject(s), "thumbprint",
                                ost_signer_thumbprint(s), "digest", ost_digest_name(o->digest), "files", list);
        ost_cli_print_json(doc);
        json_decref(doc);
    } else {
        json_decref(list);
    }
    return rc;
}

static int run(int argc, char **argv)
{
    struct options o = {.digest = OST_DIGEST_SHA1};
    int parsed = parse(argc, argv, &o);
    if (parsed)
        return parsed == 1 ? OST_EXIT_OK : parsed;
    struct ost_signer *s;
    struct ost_error err;
    if (ost_signer_load(o.key, o.cert, &o.signer, &s, &err) != OST_OK)
        return ost_cli_report_error("sign", &err);
    int rc = sign_all(&o, s, argc - optind, argv + optind);
    ost_signer_free(s);
    return rc;
}

const struct ost_command ost_cmd_sign = {
    .name = "sign",
    .summary = "sign catalogs and PE images with an Authenticode signature",
    .help = help,
    .run = run,
};
