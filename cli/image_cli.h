/* SPDX-License-Identifier: GPL-3.0-or-later */
/* image_cli.h — what the image commands (add-driver, get-drivers, ...) share. */
#ifndef OST_IMAGE_CLI_H
#define OST_IMAGE_CLI_H

#include "cli.h"
#include "image.h"

/* Opens --image PATH; prints the error and returns its exit code on failure. */
int ost_cli_open_image(const char *cmd, const char *path, bool writable, bool force, struct ost_image **out);
json_t *ost_cli_image_json(const struct ost_image *img);

#endif
