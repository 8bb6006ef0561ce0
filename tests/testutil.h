/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * testutil.h — helpers the cmocka tests share: where the build tree and
 * ../shared are, temporary folders, writing and copying files. Header-only
 * so that each test binary stays one source file.
 */
#ifndef OST_TESTUTIL_H
#define OST_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "fileutil.h"
#include "util.h"

/* Asserts that a liboffstage call returned OST_OK; on failure prints the
 * library's message (err must be the struct ost_error the call filled). */
#define assert_ost_ok(call, errp)                                                                   \
    do {                                                                                            \
        ost_status st_ = (call);                                                                    \
        if (st_ != OST_OK)                                                                          \
            fail_msg("%s returned %s: %s", #call, ost_status_name(st_), (errp)->message);           \
    } while (0)

static inline const char *t_build_dir(void)
{
    const char *b = getenv("OST_BUILD");
    return b && *b ? b : "build";
}

static inline const char *t_shared_dir(void)
{
    const char *s = getenv("OST_SHARED");
    return s && *s ? s : "../shared";
}

/* Path under ../shared, or NULL (and a one-line reason) when it is absent. */
static inline char *t_shared_path(const char *rel)
{
    char *p = ost_path_join(t_shared_dir(), rel);
    if (access(p, R_OK) != 0) {
        fprintf(stderr, "skip: %s not present (../shared is absent in a user's clone)\n", p);
        free(p);
        return NULL;
    }
    return p;
}

static inline char *t_build_path(const char *rel)
{
    return ost_path_join(t_build_dir(), rel);
}

static inline char *t_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = ost_xasprintf("%s/offstage-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl)) {
        free(tmpl);
        fail_msg("mkdtemp failed");
    }
    return tmpl;
}

static inline void t_rm_rf(const char *path)
{
    char *cmd = ost_xasprintf("rm -rf '%s'", path);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", path);
    free(cmd);
}

static inline void t_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static inline void t_write_str(const char *path, const char *s)
{
    t_write(path, s, strlen(s));
}

static inline void t_copy(const char *from, const char *to)
{
    uint8_t *data;
    size_t n;
    struct ost_error err;
    if (ost_read_file(from, 1u << 30, &data, &n, &err) != OST_OK)
        fail_msg("%s", err.message);
    t_write(to, data, n);
    free(data);
}

/* Joins dir and name into a new path and creates dir first. */
static inline char *t_in(const char *dir, const char *name)
{
    mkdir(dir, 0755);
    return ost_path_join(dir, name);
}

#endif
