/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * journal.h — the commit record of a directory image's transaction.
 *
 * Before the first change to a directory image, its commit writes this
 * record into the transaction folder and makes it durable; its presence
 * means "this change is decided". After a crash the next command reads it
 * and either completes the change or, when the commit had begun undoing
 * itself (the rollback mark), finishes the undo. Every step it lists can
 * be repeated, so recovery itself may be interrupted and run again.
 *
 * The record is JSON (jansson):
 *   {"format": "offstage-journal/1", "pid": N,
 *    "ops": [{"op": "write"|"remove"|"rmdir", "path": "Windows/inf/x.inf",
 *             "staged": "s3", "existed": true, "mkdirs": ["Windows/offstage"]}]}
 * `path` and `mkdirs` are the exact host names below the image root
 * ('/'-separated, resolved when the journal was written, never through a
 * symlink); `staged` names the new content in the transaction folder. The
 * original of a file that existed is kept as "b<index>" there until the
 * commit ends. A journal is input like any file in the image: parsing
 * rejects anything offstage would not have written (an unknown op, a path
 * with "..", an empty or hidden component, a staged name that is not a
 * plain name).
 *
 * Recovery follows SQLite's rollback journal in spirit (the record is
 * synced before the first change and removed after the last one is
 * synced; https://www.sqlite.org/atomiccommit.html), but rolls forward by
 * default: the new files are already complete and synced when the record
 * is written.
 */
#ifndef OST_JOURNAL_H
#define OST_JOURNAL_H

#ifndef OST_BUILDING_LIBRARY
#error "journal.h is private to liboffstage; a program includes offstage.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

#define OST_JOURNAL_FORMAT "offstage-journal/1"
#define OST_JOURNAL_MAX_BYTES (64u << 20)
#define OST_JOURNAL_MAX_OPS 1000000u

enum ost_journal_kind {
    OST_JOURNAL_WRITE,
    OST_JOURNAL_REMOVE,
    OST_JOURNAL_RMDIR,
};

struct ost_journal_op {
    enum ost_journal_kind kind;
    char *path;
    char *staged;  /* OST_JOURNAL_WRITE only */
    bool existed;
    struct ost_strlist mkdirs;
};

struct ost_journal {
    long pid;
    struct ost_journal_op *ops;
    size_t nops, cap;
};

struct ost_journal_op *ost_journal_add(struct ost_journal *j, enum ost_journal_kind kind, const char *path);
char *ost_journal_serialize(const struct ost_journal *j);
/* `name` is for messages (the journal's file). */
ost_status ost_journal_parse(const char *name, const uint8_t *data, size_t size, struct ost_journal *j,
                             struct ost_error *err);
void ost_journal_free(struct ost_journal *j);

/* Whether path is '/'-separated names, none of them empty, "." or "..",
 * with no '\\' or control character: a path that stays below the root. */
bool ost_journal_path_ok(const char *path);

#endif
