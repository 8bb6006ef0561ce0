/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening the --image (and --index) of the image commands. */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "image_cli.h"

static int open_one(const char *cmd, struct ost_target *t, bool writable, bool force, struct ost_image **out)
{
    struct ost_error err;
    struct ost_image_options o = {.writable = writable, .allow_dirty = force};
    if (ost_image_open(t, &o, out, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    return OST_EXIT_OK;
}

int ost_cli_open_images(const char *cmd, const char *path, const char *index, bool writable, bool force,
                        struct ost_cli_images *out)
{
    struct ost_error err;
    struct ost_target *t;
    *out = (struct ost_cli_images){0};
    if (!path)
        return ost_cli_usage_error(cmd, "name the offline Windows with --image DIR or --image FILE.wim");
    if (!ost_is_dir(path) && ost_check_input_file(path, &err) != OST_OK) {
        fprintf(stderr, "offstage %s: %s (--image is a folder or a WIM file)\n", cmd, err.message);
        return ost_status_exit_code(err.status);
    }
    if (!ost_is_wim_file(path)) {
        if (index)
            return ost_cli_usage_error(cmd, "--index is for WIM files; %s is not one", path);
        if (ost_target_open_dir(path, writable, &t, &err) != OST_OK)
            return ost_cli_report_error(cmd, &err);
        if (t->notice)
            fprintf(stderr, "offstage %s: %s\n", cmd, t->notice);
        out->v = ost_xcalloc(1, sizeof *out->v);
        int rc = open_one(cmd, t, writable, force, &out->v[0]);
        out->n = rc == 0;
        return rc;
    }
    if (ost_wim_session_open(path, writable, &out->wim, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    int *images;
    size_t n;
    if (ost_wim_session_resolve(out->wim, index, &images, &n, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    out->v = ost_xcalloc(n, sizeof *out->v);
    int rc = OST_EXIT_OK;
    for (size_t i = 0; i < n && rc == OST_EXIT_OK; i++) {
        if (ost_wim_target(out->wim, images[i], &t, &err) != OST_OK)
            rc = ost_cli_report_error(cmd, &err);
        else if ((rc = open_one(cmd, t, writable, force, &out->v[out->n])) == OST_EXIT_OK)
            out->n++;
    }
    free(images);
    return rc;
}

/* A one-line bar, redrawn in place on stderr. */
static void draw_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    (void)ctx;
    int width = 40, filled = total ? (int)(done * (uint64_t)width / total) : width;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%%", what, filled, "########################################", width - filled,
            "", total ? (int)(done * 100 / total) : 100);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

int ost_cli_finish_images(const char *cmd, struct ost_cli_images *imgs, bool quiet)
{
    struct ost_error err;
    if (imgs->wim && !quiet && isatty(STDERR_FILENO))
        ost_wim_session_set_progress(imgs->wim, draw_progress, NULL);
    if (imgs->wim && ost_wim_session_commit(imgs->wim, &err) != OST_OK)
        return ost_cli_report_error(cmd, &err);
    return OST_EXIT_OK;
}

void ost_cli_close_images(struct ost_cli_images *imgs)
{
    for (size_t i = 0; i < imgs->n; i++)
        ost_image_close(imgs->v[i]);
    free(imgs->v);
    ost_wim_session_close(imgs->wim);
    *imgs = (struct ost_cli_images){0};
}

json_t *ost_cli_image_json(const struct ost_image *img)
{
    const struct ost_image_info *in = &img->info;
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:s, s:i, s:s, s:b}", "path", img->target->name,
                     "product_name", ost_json_str(in->product_name), "edition", ost_json_str(in->edition_id),
                     "version", ost_json_str(in->current_version), "build", ost_json_str(in->current_build),
                     "arch", ost_arch_name(in->arch), "control_set", in->control_set,
                     "service_pack", in->csd_version ? in->csd_version : "", "windows8_or_later",
                     in->windows8_or_later);
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
    while ((c = getopt_long(argc, argv, "i:x:d:fjh", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': a->image = optarg; break;
        case 'x': a->index = optarg; break;
        case 'd': a->driver = optarg; break;
        case 'f': a->force = true; break;
        case 'j': a->json = true; break;
        case 'h': fputs(help, stdout); return -1;
        default: return ost_cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc)
        return ost_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (need_driver && !a->driver)
        return ost_cli_usage_error(cmd, "name the package with --driver NAME");
    return 0;
}
