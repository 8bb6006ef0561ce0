/* SPDX-License-Identifier: GPL-3.0-or-later */
/* add_driver_cli.h — what add-driver and media share: the options that
 * say what to stage and how, and the printed plan, verdicts and result of
 * an add-driver job. */
#ifndef OST_ADD_DRIVER_CLI_H
#define OST_ADD_DRIVER_CLI_H

#include <getopt.h>

#include "cli.h"
#include "offstage.h"

/* The getopt_long entries of those options (short codes d r u s f n j L
 * T C K D G t R). */
#define OST_CLI_ADD_DRIVER_OPTIONS                                                                                \
    {"driver", required_argument, NULL, 'd'}, {"recurse", no_argument, NULL, 'r'},                                \
        {"force-unsigned", no_argument, NULL, 'u'}, {"setup-complete", no_argument, NULL, 's'},                   \
        {"force", no_argument, NULL, 'f'}, {"dry-run", no_argument, NULL, 'n'},                                   \
        {"compression-level", required_argument, NULL, 'L'}, {"json", no_argument, NULL, 'j'},                    \
        {"test-sign", no_argument, NULL, 'T'}, {"cert", required_argument, NULL, 'C'},                            \
        {"key", required_argument, NULL, 'K'}, {"test-sign-dir", required_argument, NULL, 'D'},                   \
        {"digest", required_argument, NULL, 'G'}, {"trust", required_argument, NULL, 't'},                        \
        {"no-rearm", no_argument, NULL, 'R'}

/* Takes option c (with its argument) into job or *json: 1 taken, 0 not
 * one of them, -1 a usage error (printed). */
int ost_cli_add_driver_option(const char *cmd, int c, const char *arg, struct ost_add_driver_options *job,
                              bool *json);
/* The checks across those options (packages named, test-signing's key
 * given once): 0, or the usage error's exit code (printed). */
int ost_cli_add_driver_check(const char *cmd, const struct ost_add_driver_options *job);
/* The job's plan, test-signing, verdicts and result: as text on stdout,
 * or as the offstage.add-driver/1 document. */
void ost_cli_add_driver_print(const struct ost_add_driver_job *j);
/* The same, for a phase other than first boot (media: "Setup", "Windows
 * RE"): the verdicts are that phase's, and Plug and Play installs the
 * packages `when` ("when Setup starts"). */
void ost_cli_add_driver_print_phase(const struct ost_add_driver_job *j, const char *phase, const char *when);
json_t *ost_cli_add_driver_json(const struct ost_add_driver_job *j);

#endif
