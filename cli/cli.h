/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cli.h — what the offstage subcommands share: the command table, help
 * text, printing of findings and JSON. Each subcommand lives in its own
 * cmd_*.c file, parses its arguments, calls liboffstage and prints.
 */
#ifndef OST_CLI_H
#define OST_CLI_H

#include <getopt.h>
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

/* The names of the commands, in the order `offstage --help` lists them,
 * ending with NULL: what a mistyped command is compared with. */
const char *const *ost_cli_command_names(void);

/* getopt_long as every command reads its options, so that all of them
 * are strict in the same way: an unknown option, a missing value or a
 * value given to a flag is one usage error naming the option (with the
 * closest option or command when one is near: "did you mean"), and an
 * option that takes one value given twice is an error rather than the
 * last one silently winning. The options that add to a list (--driver,
 * --store, ...) are named in `repeatable` by their getopt codes.
 *
 *     struct ost_cli_getopt g = {.cmd = "wim-info", .shortopts = "jh", .longopts = longopts, .repeatable = ""};
 *     while ((c = ost_cli_getopt(&g, argc, argv)) != -1)
 *         switch (c) { ...; default: return OST_EXIT_ERROR; }
 *
 * Returns the option's code, -1 after the last option, or '?' once the
 * usage error was printed (return OST_EXIT_ERROR then). */
struct ost_cli_getopt {
    const char *cmd, *shortopts;
    const struct option *longopts;
    const char *repeatable;
    /* Read state: each single-valued option's first value; the
     * shortopts handed to getopt_long. */
    const char *given[256];
    char spec[64];
};
int ost_cli_getopt(struct ost_cli_getopt *g, int argc, char **argv);
/* The options main takes out of the arguments before a command reads its
 * own (--format, --partition, ... of the image commands), so that a
 * mistyped one is suggested too; NULL-terminated, NULL for none. */
extern const char *const *ost_cli_taken_options;
/* The closest of names (NULL-terminated) to word: a few letters typed
 * wrong, swapped, missing or extra (Damerau-Levenshtein distance at most
 * 1 for short words, 2 for longer), or NULL when none is that close. */
const char *ost_cli_closest(const char *word, const char *const *names);

/* "offstage CMD: message (see `offstage help CMD`)" on stderr; with cmd
 * NULL (no command named yet) "offstage: message (see `offstage --help`)".
 * Returns OST_EXIT_ERROR. */
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
