/* SPDX-License-Identifier: GPL-3.0-or-later */
/* boot_cli.h — saying which boot stores decided testsigning for the
 * verdicts (firstboot.h): every store read, what the image is, and why a
 * store was not read. */
#ifndef OST_BOOT_CLI_H
#define OST_BOOT_CLI_H

#include "cli.h"
#include "offstage.h"

/* "testsigning: off (BCD store A)" and one line per store read, under
 * indent. */
void ost_cli_boot_policy_print(FILE *out, const struct ost_boot_policy *pol, const char *indent);
/* {"testsigning", "source", "caveat", "image_kind", "image_kind_evidence",
 *  "stores": [{"store", "testsigning", "template", "objects"}]} */
json_t *ost_cli_boot_policy_json(const struct ost_boot_policy *pol);

#endif
