/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * scratch.h — private temporary folders in $TMPDIR (or /tmp), and the
 * removal of those a killed command left behind.
 *
 * Each folder is named offstage-scratch.XXXXXX and holds a flock(2) on
 * itself for as long as its process uses it. A kill -9 cannot remove the
 * folder, but it does drop the lock: the next offstage to open an image
 * or make a scratch folder removes every one of ours that no live process
 * holds. A folder is made under another name that carries its maker's pid
 * (offstage-scratch-new.PID.XXXXXX) and renamed once locked, so no sweep
 * takes it in between; one left under that name is removed once that
 * process is gone.
 */
#ifndef OST_SCRATCH_H
#define OST_SCRATCH_H

#ifndef OST_BUILDING_LIBRARY
#error "scratch.h is private to liboffstage; a program includes offstage.h"
#endif

#include "error.h"

/* Removes what killed commands left (once per process); called when an
 * image is opened, so every command cleans up after the last one. */
void ost_scratch_sweep(void);
/* A new locked scratch folder (caller frees the name), or NULL with err. */
char *ost_scratch_dir_create(const char *purpose, struct ost_error *err);
/* Removes it and drops its lock. */
void ost_scratch_dir_remove(const char *path);

#endif
