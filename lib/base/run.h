/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * run.h — running an external program (qemu-img, mkntfs, sfdisk, mtools)
 * to its end and keeping what it said: its exit status, stdout and stderr.
 * No shell is involved: each argument is one argv element (POSIX
 * execve(2)), so no file name is ever parsed as a command.
 *
 * The child dies with the command (Linux prctl(2) PR_SET_PDEATHSIG), gets
 * no descriptor of ours beyond its stdin, stdout and stderr, and has
 * SIGPIPE at its default. With own_group it gets a process group of its
 * own, so a Ctrl-C at the terminal reaches the command alone, which then
 * decides what becomes of the work (interrupt.h).
 */
#ifndef OST_RUN_H
#define OST_RUN_H

#ifndef OST_BUILDING_LIBRARY
#error "run.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* What is kept of each output stream; the rest is read and dropped. */
#define OST_RUN_MAX_OUTPUT (1u << 20)

struct ost_run {
    const char *path;        /* the program's file */
    char *const *argv;       /* argv[0] is the name it runs under */
    char *const *env;        /* NULL: this process's environment */
    const char *stdin_text;  /* its stdin (at most a pipe's capacity); NULL: /dev/null */
    const char *stdout_path; /* its stdout goes into this file (made anew), not into out */
    bool own_group;
};

struct ost_run_result {
    int exit_status;    /* -1: killed by a signal */
    char *out, *errout; /* NUL-terminated, cut at OST_RUN_MAX_OUTPUT */
};

/* Runs the program and reads its stdout and stderr to their ends; fails
 * (OST_ERR_IO, "NAME: cannot run PROGRAM: why") only when it could not be
 * run at all: a non-zero exit is the caller's to judge. */
ost_status ost_run_program(const struct ost_run *job, const char *name, struct ost_run_result *r,
                           struct ost_error *err);
void ost_run_result_free(struct ost_run_result *r);

/* name's file in a folder of PATH (when PATH is unset or empty,
 * /usr/bin:/bin), then of `also` (':'-separated, may be NULL): the sbin
 * folders a user's PATH often lacks hold tools that need no root on a
 * file. Caller frees; NULL when none is an executable regular file. */
char *ost_find_program(const char *name, const char *also);

/* This process's environment for a child: without the variables whose
 * "NAME=VALUE" begins with an entry of drop (NULL-terminated, may be NULL;
 * "LISTEN_" drops every LISTEN_*) or sets a NAME of add, then add's
 * "NAME=VALUE" entries (NULL-terminated), with `extra` NULL slots free at
 * its end. The caller frees the array, not the strings. */
char **ost_run_environment(const char *const drop[], const char *const add[], size_t extra);

/* For a child about to exec: closes every descriptor from lowest up. */
void ost_close_fds_from(int lowest);

#endif
