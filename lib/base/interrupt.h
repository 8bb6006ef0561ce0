/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * interrupt.h — ending a command cleanly on SIGINT, SIGTERM or SIGHUP.
 *
 * The library installs no handler; a program installs ost_interrupt_signal
 * for those signals (it is async-signal-safe). What it does depends on
 * what the process is doing:
 *  - no change staged in a directory image: the command ends at once
 *    ("interrupted; nothing was changed", exit 2). Nothing of an image has
 *    been written, a WIM is only ever changed by libwim's in-place write,
 *    which leaves the old WIM valid until its header is rewritten, and
 *    locks go with the process;
 *  - a change staged (ost_interrupt_defer_begin..end): it only sets a
 *    flag. The library checks it before each step that would write
 *    (ost_interrupt_check) and fails with OST_ERR_INTERRUPTED, so the
 *    command unwinds through its error path, discarding the staged change
 *    and its temporaries;
 *  - past a commit's decision point the signals are held back
 *    (ost_signals_hold) until the commit is complete: it finishes rather
 *    than leaving its journal for the next command to replay.
 * SIGKILL cannot be caught; the journal covers it (target_dir.c).
 */
#ifndef OST_INTERRUPT_H
#define OST_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>

#include "error.h"

void ost_interrupt_signal(int sig);
bool ost_interrupted(void);
/* OST_OK, or OST_ERR_INTERRUPTED with "WHAT: interrupted; nothing was changed". */
ost_status ost_interrupt_check(const char *what, struct ost_error *err);

void ost_interrupt_defer_begin(void);
void ost_interrupt_defer_end(void);
/* A commit wrote an image or a file was renamed into place (a WIM
 * overwritten, a --bcd store, a signed file): an interruption from now on
 * says so instead of "nothing was changed". */
void ost_interrupt_note_written(void);

void ost_signals_hold(sigset_t *saved);
void ost_signals_release(const sigset_t *saved);

#endif
