/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * error.h — how liboffstage reports failure.
 *
 * Every fallible function returns an ost_status and, when given a non-NULL
 * struct ost_error, fills it with one message that names the file, the
 * place (line, offset, key) and the reason. OST_NEGATIVE is a "no" answer,
 * not a failure; what a status means to a shell (exit codes) is the CLI's.
 */
#ifndef OST_ERROR_H
#define OST_ERROR_H

#include <stdarg.h>

typedef enum ost_status {
    OST_OK = 0,
    OST_NEGATIVE,       /* valid question, negative answer */
    OST_ERR_USAGE,      /* bad arguments */
    OST_ERR_IO,         /* cannot read or write */
    OST_ERR_CORRUPT,    /* input is malformed */
    OST_ERR_UNSUPPORTED,/* well-formed, but not something we can handle */
    OST_ERR_NOMEM,
    OST_ERR_LIMIT,      /* input exceeds a documented limit */
    OST_ERR_INTERRUPTED,/* SIGINT or SIGTERM arrived; nothing was changed */
} ost_status;

struct ost_error {
    ost_status status;
    char message[1024];
};

/* Sets err (when non-NULL) and returns status, so callers can write
 * `return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));` */
ost_status ost_fail(struct ost_error *err, ost_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ost_status ost_vfail(struct ost_error *err, ost_status status, const char *fmt, va_list ap);

/* Replaces every `alias` in err's message with `name`: for a file a
 * library opened under another name (/proc/self/fd/N, a scratch copy),
 * so the message names the file the user knows. */
void ost_error_rename(struct ost_error *err, const char *alias, const char *name);

/* Short stable name of a status ("io", "corrupt", ...), for --json. */
const char *ost_status_name(ost_status status);

#endif
