/* SPDX-License-Identifier: GPL-3.0-or-later */
/* offstage setupapi-log: the device-install sections of setupapi.dev.log. */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "image_cli.h"
#include "setupapi_print.h"

#define IMAGE_LOG "Windows\\inf\\setupapi.dev.log"
/* A log is streamed, so any size reads in little memory; copying one out
 * of an image is bounded by the scratch space it takes. */
#define IMAGE_LOG_MAX (UINT64_C(4) << 30)

static const char help[] =
    "usage: offstage setupapi-log FILE [--device INSTANCE] [--hwid-prefix PREFIX]\n"
    "                             [--failures] [--json]\n"
    "       offstage setupapi-log --image DIR|FILE.wim|DISK [--index N] [the same options]\n"
    "\n"
    "Reads a SetupAPI device-install log (Windows\\inf\\setupapi.dev.log, copied\n"
    "out of a Windows that has booted) and shows its sections, one summary line\n"
    "each: start time, outcome (SUCCESS, FAILURE(code NAME), TRUNCATED when the\n"
    "log ends inside the section, UNKNOWN), the subject (device instance ID,\n"
    "hardware ID or INF path) and the driver chosen (published oemN.inf,\n"
    "install section, INF in the driver store; \"no compatible driver\" when\n"
    "none matched). Under it: the section's kind and lines, then every error\n"
    "(!!!), warning (!) and signature result (sig:) with its line number and\n"
    "time. The log is streamed: any size works in little memory. UTF-8, ANSI,\n"
    "UTF-16 (with BOM), CRLF and LF are read; never writes.\n"
    "\n"
    "Options:\n"
    "  --device INSTANCE     only sections about this device instance, e.g.\n"
    "                        'PCI\\VEN_1AF4&DEV_1059&SUBSYS_00191AF4&REV_01\\3&13c0b0c5&0&18'\n"
    "  --hwid-prefix PREFIX  only sections whose subject starts with PREFIX, or\n"
    "                        (for PCI) has every part of that hardware ID:\n"
    "                        'PCI\\VEN_1AF4&DEV_1059&REV_01' matches the instance above\n"
    "  --failures            only sections that failed or logged a !!! error\n"
    "  --image IMAGE         read the log of an offline Windows instead of FILE:\n"
    "                        its Windows\\inf\\setupapi.dev.log (a folder, a WIM\n"
    "                        image with --index N, or a VM disk after it booted)\n"
    "  --json                the sections as JSON (schema offstage.setupapi-log/1)\n"
    "All comparisons ignore case, as Windows does.\n"
    "\n"
    "Examples:\n"
    "  offstage setupapi-log setupapi.dev.log --failures\n"
    "  offstage setupapi-log setupapi.dev.log --hwid-prefix 'PCI\\VEN_1AF4&DEV_1059' --json\n"
    "\n"
    "Exit status: 0 read (and, with a filter, at least one section matched; an\n"
    "empty log without a filter is 0); 1 a filter was given and no section\n"
    "matched; 2 unreadable, or not a SetupAPI text log (binary, or no log line\n"
    "in its first 64 KiB: the message gives the byte offset).\n";

struct args {
    const char *path;
    const char *image, *index;
    struct ost_setupapi_filter filter;
    bool json;
};

struct shown {
    const struct args *a;
    unsigned long matched;
    json_t *sections;
};

static bool show_section(struct ost_setupapi_section *s, void *ctx)
{
    struct shown *sh = ctx;
    if (ost_setupapi_section_matches(s, &sh->a->filter)) {
        sh->matched++;
        if (sh->a->json)
            json_array_append_new(sh->sections, ost_cli_setupapi_section_json(s));
        else
            ost_cli_print_setupapi_section(stdout, s, "");
    }
    ost_setupapi_section_free(s);
    return true;
}

static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option longopts[] = {
        {"device", required_argument, NULL, 'd'}, {"hwid-prefix", required_argument, NULL, 'p'},
        {"failures", no_argument, NULL, 'f'}, {"json", no_argument, NULL, 'j'},
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    int c;
    optind = 1;
    struct ost_cli_getopt g = {.cmd = "setupapi-log", .shortopts = "d:p:fjhi:x:",
                               .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        if (c == 'i')
            a->image = optarg;
        else if (c == 'x')
            a->index = optarg;
        else if (c == 'd')
            a->filter.device = optarg;
        else if (c == 'p')
            a->filter.hwid_prefix = optarg;
        else if (c == 'f')
            a->filter.failures_only = true;
        else if (c == 'j')
            a->json = true;
        else if (c == 'h')
            return fputs(help, stdout), -1;
        else
            return OST_EXIT_ERROR;
    }
    if (a->index && !a->image)
        return ost_cli_usage_error("setupapi-log", "--index goes with --image FILE.wim");
    if (a->image ? optind != argc : optind != argc - 1)
        return ost_cli_usage_error("setupapi-log", a->image ? "name the log with FILE or --image, not both"
                                                            : "name one log file (or an image with --image)");
    if ((a->filter.device && !*a->filter.device) || (a->filter.hwid_prefix && !*a->filter.hwid_prefix))
        return ost_cli_usage_error("setupapi-log", "--device and --hwid-prefix need a non-empty value");
    a->path = a->image ? NULL : argv[optind];
    return 0;
}

static void print_json(const struct args *a, const struct ost_setupapi_log_info *info, json_t *sections)
{
    json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:O}", "schema",
        "offstage.setupapi-log/1", "path", a->path, "encoding", info->encoding,
        "os_version", info->os_version[0] ? json_string(info->os_version) : json_null(),
        "architecture", info->architecture[0] ? json_string(info->architecture) : json_null(),
        "bytes", (json_int_t)info->bytes, "lines", (json_int_t)info->lines,
        "sections_total", (json_int_t)info->sections, "sections_shown", (json_int_t)json_array_size(sections),
        "sections", sections);
    ost_cli_print_json(doc);
    json_decref(doc);
}

static bool filtered(const struct ost_setupapi_filter *f)
{
    return f->device || f->hwid_prefix || f->failures_only;
}

static int run(int argc, char **argv)
{
    struct args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? OST_EXIT_OK : rc;
    struct ost_image_set imgs = {0};
    struct ost_error err;
    char *local = NULL, *shown_path = NULL;
    if (a.image) {
        if ((rc = ost_cli_open_images("setupapi-log", a.image, a.index, false, false, true, &imgs)) != OST_EXIT_OK)
            return ost_cli_close_images(&imgs), rc;
        if (imgs.n != 1) {
            ost_cli_close_images(&imgs);
            return ost_cli_usage_error("setupapi-log", "--image takes one image; name it with --index N");
        }
        struct ost_target *t = imgs.v[0]->target;
        if (ost_target_stat(t, IMAGE_LOG) != 1) {
            fprintf(stderr, "offstage setupapi-log: %s: %s is not there: the log is written when Windows installs a "
                    "device, so this Windows has not booted since it was staged (doctor explains what it expects)\n",
                    t->name, IMAGE_LOG);
            ost_cli_close_images(&imgs);
            return OST_EXIT_ERROR;
        }
        if (ost_target_local_path(t, IMAGE_LOG, IMAGE_LOG_MAX, &local, &err) != OST_OK) {
            ost_cli_close_images(&imgs);
            return ost_cli_report_error("setupapi-log", &err);
        }
        shown_path = ost_xasprintf("%s: %s", t->name, IMAGE_LOG);
        a.path = shown_path;
    }
    struct shown sh = {.a = &a, .sections = json_array()};
    struct ost_setupapi_log_info info;
    ost_status pst = ost_setupapi_log_parse_file(local ? local : a.path, show_section, &sh, &info, &err);
    if (local)
        ost_error_rename(&err, local, a.path);
    free(local);
    if (pst != OST_OK) {
        ost_cli_close_images(&imgs);
        json_decref(sh.sections);
        free(shown_path);
        return ost_cli_report_error("setupapi-log", &err);
    }
    if (a.json)
        print_json(&a, &info, sh.sections);
    else if (!info.sections)
        printf("%s: no device-install sections (%llu lines)\n", a.path, (unsigned long long)info.lines);
    else
        printf("%lu of %llu sections shown (%s, %llu lines)\n", sh.matched, (unsigned long long)info.sections,
               info.encoding, (unsigned long long)info.lines);
    json_decref(sh.sections);
    ost_cli_close_images(&imgs);
    free(shown_path);
    return filtered(&a.filter) && !sh.matched ? OST_EXIT_NEGATIVE : OST_EXIT_OK;
}

const struct ost_command ost_cmd_setupapi_log = {
    .name = "setupapi-log",
    .summary = "explain device installs from a booted Windows' setupapi.dev.log",
    .help = help,
    .run = run,
};
