/* SPDX-License-Identifier: GPL-3.0-or-later */
/* image_cli.h — what the image commands (add-driver, get-drivers, ...) share:
 * opening --image as a directory or as a WIM with --index N|all, the
 * progress bar, the image's JSON. */
#ifndef OST_IMAGE_CLI_H
#define OST_IMAGE_CLI_H

#include "cli.h"
#include "offstage.h"

/* --format, --partition, --output, --output-format: taken out of the
 * arguments of every image command before it parses its own
 * (ost_cli_take_disk_options), used by whatever it opens. */
extern struct ost_disk_options ost_cli_disk;
int ost_cli_take_disk_options(const char *cmd, int *argc, char **argv);
/* The paragraph every image command's help ends with. */
extern const char ost_cli_disk_help[];

/* Opens every image --image/--index name (imageset.h), printing what
 * opening found; prints the error and returns its exit code on failure. */
int ost_cli_open_images(const char *cmd, const char *path, const char *index, bool writable, bool plans_writes,
                        bool force, struct ost_image_set *out);
/* After each image was committed: writes the WIM once (no-op for a
 * directory), with a progress bar on stderr when it is a terminal and not
 * quiet (--json). */
int ost_cli_finish_images(const char *cmd, struct ost_image_set *imgs, bool quiet);
void ost_cli_close_images(struct ost_image_set *imgs);
/* The progress bar: a line redrawn in place on stderr. */
void ost_cli_draw_progress(void *ctx, const char *what, uint64_t done, uint64_t total);

/* The WIM image's number a "FILE:INDEX" name carries, as a number for
 * JSON (null for a directory or a disk), so that scripts need not split
 * the name. */
json_t *ost_cli_index_json(const struct ost_image *img);
json_t *ost_cli_image_json(const struct ost_image *img);

/* The options the listing and removal commands share: --image, --index,
 * --driver, --force, --json, --help. */
struct ost_image_args {
    const char *image, *index, *driver;
    bool force, json;
};
/* Returns 0 to go on, -1 when --help was printed, or an exit code. With
 * need_driver, --driver is required. */
int ost_cli_parse_image_args(const char *cmd, const char *help, int argc, char **argv, bool need_driver,
                             struct ost_image_args *a);
/* Takes every --bcd FILE (or --bcd=FILE) out of argv into bcd, for the
 * commands whose verdicts weigh the boot stores (repeatable: media boot
 * from two); returns 0, or an exit code. */
int ost_cli_take_bcd(const char *cmd, int *argc, char **argv, struct ost_strlist *bcd);

#endif
