/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the offstage subcommands share: the command table, help
 * text, printing of findings and JSON. Each subcommand lives in its own
 * cmd_*.c file, parses its arguments, calls liboffstage and prints.
 */
#ifndef OST_CLI_H
#define OST_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "offstage.h"

#define OST_EXIT_OK 0
#define OST_EXIT_NEGATIVE 1
#define OST_EXIT_ERROR 2

struct ost_command {
    const char *name;
    const char *summary;
    const char *help; /* full text for `offstage help NAME` */
    int (*run)(int argc, char **argv);
};

extern const struct ost_command ost_cmd_check_package;
extern const struct ost_command ost_cmd_match;
extern const struct ost_command ost_cmd_make_test_image;
extern const struct ost_command ost_cmd_add_driver;
extern const struct ost_command ost_cmd_media;
extern const struct ost_command ost_cmd_get_drivers;
extern const struct ost_command ost_cmd_get_driver_info;
extern const struct ost_command ost_cmd_remove_driver;
extern const struct ost_command ost_cmd_wim_info;
extern const struct ost_command ost_cmd_make_test_cert;
extern const struct ost_command ost_cmd_sign;
extern const struct ost_command ost_cmd_bcd;
extern const struct ost_command ost_cmd_add_cert;
extern const struct ost_command ost_cmd_get_certs;
extern const struct ost_command ost_cmd_remove_cert;
extern const struct ost_command ost_cmd_set_param;
extern const struct ost_command ost_cmd_get_param;
extern const struct ost_command ost_cmd_cat_info;
extern const struct ost_command ost_cmd_make_cat;
extern const struct ost_command ost_cmd_doctor;
extern const struct ost_command ost_cmd_setupapi_log;

const struct ost_command *ost_cli_find_command(const char *name);
void ost_cli_print_help(FILE *out, const struct ost_command *cmd);

/* "offstage CMD: message" on stderr; returns OST_EXIT_ERROR. */
int ost_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "offstage CMD: message" on stderr for an error the library did not
 * report (status says which kind); returns its exit code. */
int ost_cli_error(const char *cmd, ost_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* With --json among a command's arguments (main.c notes it before the
 * command runs), an error is also a JSON object on stdout:
 * {"error": {"message", "command", "file", "place", "status", "exit"}},
 * printed by ost_cli_finish_json once the command returns rc, unless the
 * command printed its own document. The text stays on stderr. */
void ost_cli_json_errors(bool on);
int ost_cli_finish_json(const char *cmd, int rc);
/* --quiet (main.c takes it out of the arguments of the commands that print
 * plans or progress): between begin and end stdout is held back, and end
 * prints only its last line, or the whole of a --json document. */
bool ost_cli_quiet(void);
void ost_cli_quiet_begin(void);
void ost_cli_quiet_end(void);
/* Parses an option's number strictly (ost_parse_uint: whole, decimal, in
 * [min, max]); returns 0, or prints which option and the range and returns
 * OST_EXIT_ERROR. */
int ost_cli_parse_uint(const char *cmd, const char *option, const char *arg, uint64_t min, uint64_t max,
                       uint64_t *out);
/* The exit code for a status: 0 for OST_OK, 1 for OST_NEGATIVE (a "no"
 * answer), 2 for every error. */
int ost_status_exit_code(ost_status status);
/* Prints err's message and returns its exit code. */
int ost_cli_report_error(const char *cmd, const struct ost_error *err);

/* Prints findings as "file:line: severity [arch]: message (code)", in line
 * order, merging identical findings that concern several architectures. */
void ost_cli_print_diags(FILE *out, const struct ost_diags *d, const char *indent, ost_severity min);
json_t *ost_cli_diags_json(const struct ost_diags *d);
/* Prints a JSON document to stdout, indented, with a final newline. */
void ost_cli_print_json(json_t *doc);
/* Prints a document whose `list_key` ("images", "stores") holds one entry
 * per image: with exactly one, that entry's fields also stand at the top,
 * so scripts for a single image need not index. Frees doc. */
void ost_cli_print_json_per_image(json_t *doc, const char *list_key);

#endif
