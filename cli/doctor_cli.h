/* SPDX-License-Identifier: GPL-3.0-or-later */
/* doctor_cli.h — how `offstage doctor` shows its report (doctor.h): one
 * verdict line per device with its evidence indented under it, the
 * packages, the log; or the same as JSON (offstage.doctor/1). */
#ifndef OST_DOCTOR_CLI_H
#define OST_DOCTOR_CLI_H

#include <stdio.h>

#include "cli.h"
#include "offstage.h"

/* `separate`: a blank line and the image's name first (several images). */
void ost_cli_print_doctor(FILE *out, const struct ost_image *img, const struct ost_doctor_report *r, bool separate);
json_t *ost_cli_doctor_json(const struct ost_image *img, const struct ost_doctor_report *r);

#endif
