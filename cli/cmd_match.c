/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "cli.h"
static int run(int argc, char **argv) { (void)argc; (void)argv; return 2; }
const struct ost_command ost_cmd_match = {.name = "match", .summary = "(pending)", .help = "", .run = run};
