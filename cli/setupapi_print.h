/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * setupapi_print.h — how commands show setupapi.dev.log sections: a summary
 * line per section (time, outcome, subject, driver) with its error, warning
 * and signature lines under it, or the same as JSON. Shared by
 * `offstage setupapi-log` and the commands that explain why a device did or
 * did not bind.
 */
#ifndef OST_SETUPAPI_PRINT_H
#define OST_SETUPAPI_PRINT_H

#include <jansson.h>
#include <stdio.h>

#include "offstage.h"

/* "SUCCESS", "FAILURE(0xe0000242 ERROR_AUTHENTICODE_TRUST_NOT_ESTABLISHED)",
 * "UNKNOWN", "TRUNCATED"; the caller frees it. */
char *ost_cli_setupapi_outcome_text(const struct ost_setupapi_section *s);
/* "oem3.inf [VirtioSnd_Device.NT] c:\...\x.inf", "NULL driver",
 * "no compatible driver", or "not logged"; the caller frees it. */
char *ost_cli_setupapi_driver_text(const struct ost_setupapi_section *s);

void ost_cli_print_setupapi_section(FILE *out, const struct ost_setupapi_section *s, const char *indent);
json_t *ost_cli_setupapi_section_json(const struct ost_setupapi_section *s);

#endif
