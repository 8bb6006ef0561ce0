/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage make-cat: the catalog a driver package's INF names (Inf2Cat's job). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offstage.h"
#include "cli.h"

static const char help[] =
    "usage: offstage make-cat PACKAGE... [--os LIST] [--dry-run] [--json]\n"
    "                         [--cert CERT --key KEY [--digest sha1|sha256]]\n"
    "\n"
    "Makes the catalog a driver package's INF names with CatalogFile (or\n"
    "CatalogFile.NTx86 / CatalogFile.NTamd64), like Inf2Cat: it lists the INF\n"
    "and every file the INF copies for the chosen architectures, each by the\n"
    "hash Windows 7 checks: SHA-1, the Authenticode image hash for PE files\n"
    "(.sys, .dll, ...) and a flat hash for everything else. The catalog says\n"
    "which Windows it is for (OSAttr \"2:6.1\" for Windows 7, OS \"7X64\") and\n"
    "lists the hardware IDs. PACKAGE is an INF file or a folder of INFs; the\n"
    "catalog is written next to the INF, through a temporary file renamed\n"
    "into place. Nothing is written when any catalog cannot be made.\n"
    "\n"
    "The catalog is unsigned, as Inf2Cat leaves it, unless --cert and --key\n"
    "are given: then it is signed as `offstage sign` does (SHA-1 by default).\n"
    "Windows installs a package silently only when its catalog is signed by a\n"
    "certificate the image trusts (`offstage add-cert`).\n"
    "\n"
    "Options:\n"
    "  --os LIST   Inf2Cat-style targets, comma-separated: 7_X86, 7_X64,\n"
    "              Server2008R2_X64, Vista_X86, Vista_X64, Server2008_X86,\n"
    "              Server2008_X64. Default: Windows 7 on every architecture\n"
    "              the INF declares and the package can be staged for.\n"
    "  --cert CERT --key KEY   sign each catalog written (DER or PEM; e.g. from\n"
    "              `offstage make-test-cert`). The key and certificate are\n"
    "              checked before anything is written.\n"
    "  --digest D  sha1 (default, what an unpatched Windows 7 verifies in\n"
    "              kernel mode) or sha256.\n"
    "  --dry-run   make the catalogs and say where they would go; write nothing\n"
    "              (the exit status is the real run's).\n"
    "  --quiet     print only the last line and errors.\n"
    "  --json      print what was written as JSON (offstage.make-cat/1).\n"
    "\n"
    "The catalog's time is now, or SOURCE_DATE_EPOCH when that is set; the\n"
    "same package and time give the same bytes.\n"
    "\n"
    "Exit status: 0 written; 2 the INF names no catalog (add CatalogFile=NAME.cat\n"
    "to [Version]), a file it copies is missing or of the wrong architecture,\n"
    "or a file cannot be read or written.\n"
    "\n"
    "Examples:\n"
    "  offstage make-cat build/examples/virtio-snd/amd64 --os 7_X64\n"
    "  offstage make-cat driver/netkvm.inf --os 7_X86,7_X64\n";

static json_t *written_json(const char *path)
{
    struct ost_catalog *cat;
    struct ost_error err;
    json_t *members = json_array();
    if (ost_catalog_read_file(path, &cat, &err) == OST_OK) {
        for (size_t i = 0; i < cat->nmembers; i++) {
            const struct ost_cat_member *m = &cat->members[i];
            json_array_append_new(members, json_pack("{s:o, s:s, s:s}", "file", ost_json_str(m->file), "kind",
                                                     m->pe ? "pe" : "flat", "tag", m->tag));
        }
        ost_catalog_free(cat);
    }
    return json_pack("{s:s, s:o}", "path", path, "members", members);
}

struct signing {
    struct ost_signer *signer; /* NULL: leave the catalogs unsigned */
    ost_digest digest;
};

static int make_all(int first, int argc, char **argv, const struct ost_make_cat_options *o,
                    const struct signing *sg, bool json)
{
    size_t total = 0;
    json_t *cats = json_array(), *errors = json_array();
    int rc = OST_EXIT_OK;
    for (int i = first; i < argc; i++) {
        struct ost_strlist infs = {0}, written = {0};
        struct ost_error err;
        ost_status st = ost_package_find_infs(argv[i], false, &infs, &err);
        for (size_t k = 0; k < infs.n && st == OST_OK; k++)
            st = ost_make_cat(infs.v[k], o, &written, &err);
        for (size_t k = 0; k < written.n; k++) {
            ost_sign_kind kind;
            bool is_signed = false;
            total++;
            if (o->dry_run) {
                const char *how = sg->signer ? ost_signer_subject(sg->signer) : NULL;
                if (json)
                    json_array_append_new(cats, json_pack("{s:s, s:b, s:b}", "path", written.v[k], "signed",
                                                          how != NULL, "written", 0));
                else if (how)
                    printf("would write %s (signed by %s, %s)\n", written.v[k], how, ost_digest_name(sg->digest));
                else
                    printf("would write %s (unsigned)\n", written.v[k]);
                continue;
            }
            if (sg->signer && st == OST_OK) {
                st = ost_sign_file(sg->signer, sg->digest, written.v[k], &kind, &err);
                is_signed = st == OST_OK;
            }
            if (json) {
                json_t *w = written_json(written.v[k]);
                json_object_set_new(w, "signed", json_boolean(is_signed));
                json_object_set_new(w, "written", json_true());
                json_array_append_new(cats, w);
            } else if (is_signed) {
                printf("wrote %s (signed by %s, %s)\n", written.v[k], ost_signer_subject(sg->signer),
                       ost_digest_name(sg->digest));
            } else {
                printf("wrote %s (unsigned)\n", written.v[k]);
            }
        }
        if (st != OST_OK) {
            rc = OST_EXIT_ERROR;
            if (json)
                json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "path", argv[i], "status",
                                                        ost_status_name(err.status), "message", err.message));
            else
                ost_cli_report_error("make-cat", &err);
        }
        ost_strlist_free(&infs);
        ost_strlist_free(&written);
    }
    if (!json && o->dry_run)
        printf("dry run: nothing was written (%zu catalog%s would be)\n", total, total == 1 ? "" : "s");
    else if (!json && total > 1)
        printf("wrote %zu catalogs\n", total);
    if (json) {
        json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "schema", "offstage.make-cat/1", "result",
                                o->dry_run ? "dry-run" : rc ? "failed" : "written", "catalogs", cats, "errors",
                                errors);
        ost_cli_print_json(doc);
        json_decref(doc);
    } else {
        json_decref(cats);
        json_decref(errors);
    }
    return rc;
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"os", required_argument, NULL, 'o'}, {"json", no_argument, NULL, 'j'},
        {"cert", required_argument, NULL, 'C'}, {"key", required_argument, NULL, 'K'},
        {"digest", required_argument, NULL, 'G'}, {"help", no_argument, NULL, 'h'},
        {"dry-run", no_argument, NULL, 'n'},      {0, 0, 0, 0},
    };
    struct ost_make_cat_options o = {0};
    struct signing sg = {0};
    struct ost_error err;
    const char *cert = NULL, *key = NULL;
    bool json = false;
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "make-cat", .shortopts = "o:jh", .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        if (c == 'C') {
            cert = optarg;
        } else if (c == 'K') {
            key = optarg;
        } else if (c == 'G') {
            if (!ost_digest_parse(optarg, &sg.digest))
                return ost_cli_usage_error("make-cat", "--digest is sha1 or sha256, not '%s'", optarg);
        } else if (c == 'o') {
            if (ost_cat_os_parse_list(optarg, o.os, &o.nos, &err) != OST_OK)
                return ost_cli_usage_error("make-cat", "--os: %s", err.message);
        } else if (c == 'j') {
            json = true;
        } else if (c == 'n') {
            o.dry_run = true;
        } else if (c == 'h') {
            fputs(help, stdout);
            return OST_EXIT_OK;
        } else {
            return OST_EXIT_ERROR;
        }
    }
    if (optind >= argc)
        return ost_cli_usage_error("make-cat", "name a package folder or INF file");
    if (!cert != !key)
        return ost_cli_usage_error("make-cat", "signing needs both --cert and --key");
    struct ost_signer_options so = {0};
    if (cert && ost_signer_load(key, cert, &so, &sg.signer, &err) != OST_OK)
        return ost_cli_report_error("make-cat", &err);
    o.now = ost_catalog_time();
    int rc = make_all(optind, argc, argv, &o, &sg, json);
    ost_signer_free(sg.signer);
    return rc;
}

const struct ost_command ost_cmd_make_cat = {
    .name = "make-cat",
    .summary = "make the catalog a package's INF names (Inf2Cat), signed with --cert/--key",
    .help = help,
    .run = run,
};
