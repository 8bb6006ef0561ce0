/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening the --image (and --index) of the image commands. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_cli.h"

/* The options taken out before a command reads its own, by name, for
 * "did you mean": the disk options, and --bcd where ost_cli_take_bcd
 * takes it as well. */
static const char *const disk_names[] = {"format", "partition", "output", "output-format", NULL};
static const char *const disk_bcd_names[] = {"format", "partition", "output", "output-format", "bcd", NULL};

int ost_cli_open_images(const char *cmd, const char *path, const char *index, bool writable, bool plans_writes,
                        bool force, struct ost_image_set *out)
{
    struct ost_error err;
    struct ost_image_options o = {.writable = writable, .next_boot = plans_writes, .allow_dirty = force,
                                  .disk = &ost_cli_disk};
    *out = (struct ost_image_set){0};
    if (!path)
        return ost_cli_usage_error(cmd, "name the offline Windows with --image DIR, --image FILE.wim or --image "
                                   "DISK (qcow2, VHD, VHDX, VMDK, raw)");
    ost_status st = ost_image_set_open(path, index, &o, out, &err);
    for (size_t i = 0; i < out->notices.n; i++)
        fprintf(stderr, "offstage %s: %s\n", cmd, out->notices.v[i]);
    if (st == OST_ERR_USAGE)
        return ost_cli_usage_error(cmd, "%s", err.message);
    return st == OST_OK ? OST_EXIT_OK : ost_cli_report_error(cmd, &err);
}

void ost_cli_draw_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    (void)ctx;
    if (ost_cli_quiet())
        return;
    int width = 40, filled = total ? (int)(done * (uint64_t)width / total) : width;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what, filled, "########################################", width - filled,
            "", total ? (int)(done * 100 / total) : 100);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

int ost_cli_finish_images(const char *cmd, struct ost_image_set *imgs, bool quiet)
{
    struct ost_error err;
    bool bar = !quiet && !ost_cli_quiet() && isatty(STDERR_FILENO);
    if (ost_image_set_commit(imgs, bar ? ost_cli_draw_progress : NULL, NULL, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    return OST_EXIT_OK;
}

void ost_cli_close_images(struct ost_image_set *imgs)
{
    ost_image_set_close(imgs);
}

json_t *ost_cli_index_json(const struct ost_image *img)
{
    return img->target->wim_index ? json_integer(img->target->wim_index) : json_null();
}

json_t *ost_cli_image_json(const struct ost_image *img)
{
    const struct ost_image_info *in = &img->info;
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:b}", "path", img->target->name,
                     "index", ost_cli_index_json(img),
                     "product_name", ost_json_str(in->product_name), "edition", ost_json_str(in->edition_id),
                     "version", ost_json_str(in->current_version), "build", ost_json_str(in->current_build),
                     "arch", ost_arch_name(in->arch), "control_set", in->control_set,
                     "service_pack", in->csd_version ? in->csd_version : "", "windows8_or_later",
                     in->windows8_or_later);
    if (in->control_set_note)
        json_object_set_new(o, "control_set_note", json_string(in->control_set_note));
    return o;
}

int ost_cli_parse_image_args(const char *cmd, const char *help, int argc, char **argv, bool need_driver,
                             struct ost_image_args *a)
{
    static const struct option longopts[] = {
        {"image", required_argument, NULL, 'i'}, {"index", required_argument, NULL, 'x'},
        {"driver", required_argument, NULL, 'd'}, {"force", no_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0},
    };
    int c;
    *a = (struct ost_image_args){0};
    optind = 1;
    struct ost_cli_getopt g = {.cmd = cmd, .shortopts = "i:x:d:fjh", .longopts = longopts, .repeatable = ""};
    while ((c = ost_cli_getopt(&g, argc, argv)) != -1) {
        switch (c) {
        case 'i': a->image = optarg; break;
        case 'x': a->index = optarg; break;
        case 'd': a->driver = optarg; break;
        case 'f': a->force = true; break;
        case 'j': a->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return OST_EXIT_ERROR;
        }
    }
    if (optind < argc)
        return ost_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (need_driver && !a->driver)
        return ost_cli_usage_error(cmd, "name the package with --driver NAME");
    return 0;
}

int ost_cli_take_bcd(const char *cmd, int *argc, char **argv, struct ost_strlist *bcd)
{
    int out = 1;
    ost_cli_taken_options = disk_bcd_names;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (!strncmp(a, "--bcd=", 6) && a[6]) {
            ost_strlist_add(bcd, a + 6);
        } else if (!strcmp(a, "--bcd")) {
            if (i + 1 >= *argc)
                return ost_cli_usage_error(cmd, "--bcd needs a FILE (a BCD store)");
            ost_strlist_add(bcd, argv[++i]);
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

struct ost_disk_options ost_cli_disk;

const char ost_cli_disk_help[] =
    "\n"
    "Virtual disks: --image also takes a VM disk holding an installed Windows\n"
    "(qcow2, VHD, VHDX, VMDK or raw; recognised by its content). Nothing is\n"
    "mounted and no root is needed: qemu-nbd serves the disk and every write\n"
    "goes into an overlay beside it, written into the disk only once it is\n"
    "complete and checked, so a failed or killed command leaves the disk as it\n"
    "was (the next command finishes a change that was already committed). The\n"
    "disk's own boot store (Boot\\BCD on the active partition, or\n"
    "EFI\\Microsoft\\Boot\\BCD on the EFI system partition) is the one verdicts\n"
    "and --test-sign use. Shut the VM down first: a disk in use is refused.\n"
    "  --partition N     the Windows partition when the disk holds several\n"
    "                    (numbered as Linux does: 1-4 primary, 5... logical)\n"
    "  --format FMT      raw, qcow2, vpc (VHD), vhdx or vmdk, when the content\n"
    "                    and the name disagree\n"
    "  --output NEW      leave the disk as it is; write the result to NEW, a\n"
    "                    qcow2 overlay backed by the disk (keep the disk beside\n"
    "                    it)\n"
    "  --output-format FMT  with --output: write NEW as a whole copy in FMT (raw,\n"
    "                    qcow2, vpc, vhdx or vmdk) instead of an overlay\n";

int ost_cli_take_disk_options(const char *cmd, int *argc, char **argv)
{
    static const char *const names[] = {"--format", "--partition", "--output", "--output-format"};
    const char *given[4] = {0};
    int out = 1;
    ost_cli_taken_options = disk_names;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        int which = -1;
        const char *value = NULL;
        for (int k = 0; k < 4 && which < 0; k++) {
            size_t n = strlen(names[k]);
            if (!strcmp(a, names[k])) {
                if (i + 1 >= *argc)
                    return ost_cli_usage_error(cmd, "%s needs a value", names[k]);
                which = k, value = argv[++i];
            } else if (!strncmp(a, names[k], n) && a[n] == '=') {
                which = k, value = a + n + 1;
            }
        }
        if (which < 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (!value[0])
            return ost_cli_usage_error(cmd, "%s needs a value", names[which]);
        if (given[which])
            return ost_cli_usage_error(cmd, "%s is given twice ('%s', then '%s'); it takes one value", names[which],
                                       given[which], value);
        given[which] = value;
        if (which == 0) {
            ost_cli_disk.format = value;
        } else if (which == 1) {
            uint64_t n;
            if (!ost_parse_uint(value, 1, 128, &n))
                return ost_cli_usage_error(cmd, "--partition %s: give a partition number (1 to 128)", value);
            ost_cli_disk.partition = (unsigned)n;
        } else if (which == 2) {
            ost_cli_disk.output = value;
        } else {
            ost_cli_disk.output_format = value;
        }
    }
    *argc = out;
    argv[out] = NULL;
    if (ost_cli_disk.output_format && !ost_cli_disk.output)
        return ost_cli_usage_error(cmd, "--output-format goes with --output NEW");
    return 0;
}
