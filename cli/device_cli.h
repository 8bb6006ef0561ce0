/* SPDX-License-Identifier: GPL-3.0-or-later */
/* device_cli.h — what the per-device commands (set-param, get-param) share:
 * checking --device, and their JSON. */
#ifndef OST_DEVICE_CLI_H
#define OST_DEVICE_CLI_H

#include "offstage.h"
#include "image_cli.h"

/* Checks --device (given, UTF-8, no control characters); prints the usage
 * error and returns its exit code, or 0. */
int ost_cli_check_device_spec(const char *cmd, const char *spec);

/* "device" or "driver-key" */
const char *ost_cli_param_location_name(ost_param_location where);

json_t *ost_cli_devnode_json(const struct ost_devnode *dn);
/* {"name", "type", "value": number (REG_DWORD) or string} */
json_t *ost_cli_param_json(const struct ost_param *p);
/* "1 (0x00000001)" for a DWORD, the text otherwise. */
char *ost_cli_param_text(const struct ost_param *p);

#endif
