/* SPDX-License-Identifier: GPL-3.0-or-later */
/* firstboot_cli.h — printing the first-boot verdicts (verdict.h) that
 * check-package and add-driver end with, one per architecture. */
#ifndef OST_FIRSTBOOT_CLI_H
#define OST_FIRSTBOOT_CLI_H

#include "cli.h"
#include "offstage.h"

/* Decides each checked architecture of `r` (only `arch` unless it is
 * OST_ARCH_UNKNOWN) and prints "first boot (amd64): ..." lines with their
 * fix under `indent`, unless out is NULL. Returns the verdicts as a JSON
 * array; *worst is raised to the worst kind seen. */
json_t *ost_cli_firstboot(const struct ost_package_report *r, const struct ost_cat_arch_result *results,
                          const struct ost_boot_policy *pol, ost_arch arch, FILE *out, const char *indent,
                          ost_verdict_kind *worst);

/* A staged copy's verdict (staged_verdict.h) in the shape of the entries
 * above; null when it was not judged. */
json_t *ost_cli_staged_verdict_json(const struct ost_staged_verdict *v, const struct ost_boot_policy *pol);
/* Sets the verdict's two parts on a JSON object that carries its kind:
 * "installs" (ost_install_part_name) and "loads" (ost_load_part_name). */
void ost_cli_verdict_parts(json_t *o, const struct ost_verdict *v);

#endif
