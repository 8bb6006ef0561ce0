/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include "fileutil.h"
#include "util.h"

#define PREFIX "offstage-scratch."
#define NEW_PREFIX "offstage-scratch-new."

struct held {
    char *path;
    int fd;
    struct held *next;
};

static struct held *held;
static bool swept;

static const char *tmp_base(void)
{
    const char *base = getenv("TMPDIR");
    return base && *base ? base : "/tmp";
}

static void sweep(const char *base)
{
    DIR *dir = opendir(base);
    struct dirent *e;
    uid_t me = geteuid();
    while (dir && (e = readdir(dir)) != NULL) {
        bool locked_name = !strncmp(e->d_name, PREFIX, strlen(PREFIX));
        bool new_name = !strncmp(e->d_name, NEW_PREFIX, strlen(NEW_PREFIX));
        if (!locked_name && !new_name)
            continue;
        if (new_name) {
            long pid = strtol(e->d_name + strlen(NEW_PREFIX), NULL, 10);
            if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                continue;
        }
        struct stat st;
        int fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        bool stale = fstat(fd, &st) == 0 && st.st_uid == me && flock(fd, LOCK_EX | LOCK_NB) == 0;
        if (stale) {
            char *path = ost_path_join(base, e->d_name);
            ost_rm_rf(path);
            free(path);
        }
        close(fd);
    }
    if (dir)
        closedir(dir);
}

void ost_scratch_sweep(void)
{
    if (!swept) {
        swept = true;
        sweep(tmp_base());
    }
}

char *ost_scratch_dir_create(const char *purpose, struct ost_error *err)
{
    const char *base = tmp_base();
    ost_scratch_sweep();
    char *tmpl = ost_xasprintf("%s/" NEW_PREFIX "%ld.%s.XXXXXX", base, (long)getpid(), purpose);
    if (!mkdtemp(tmpl)) {
        ost_fail(err, OST_ERR_IO, "cannot create a temporary folder in %s: %s (set TMPDIR to a writable folder)",
                 base, strerror(errno));
        free(tmpl);
        return NULL;
    }
    int fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        ost_fail(err, OST_ERR_IO, "%s: cannot lock a new temporary folder: %s (set TMPDIR to a local, writable "
                 "folder)", tmpl, strerror(errno));
        if (fd >= 0)
            close(fd);
        rmdir(tmpl);
        free(tmpl);
        return NULL;
    }
    const char *suffix = strchr(tmpl + strlen(base) + 1 + strlen(NEW_PREFIX), '.') + 1;
    char *final = ost_xasprintf("%s/" PREFIX "%s", base, suffix);
    if (rename(tmpl, final) != 0) {
        ost_fail(err, OST_ERR_IO, "%s: cannot rename a new temporary folder to %s: %s (set TMPDIR to a writable "
                 "folder)", tmpl, final, strerror(errno));
        close(fd);
        rmdir(tmpl);
        free(tmpl), free(final);
        return NULL;
    }
    free(tmpl);
    struct held *h = ost_xcalloc(1, sizeof *h);
    h->path = ost_xstrdup(final);
    h->fd = fd;
    h->next = held;
    held = h;
    return final;
}

void ost_scratch_dir_remove(const char *path)
{
    ost_rm_rf(path);
    for (struct held **p = &held; *p; p = &(*p)->next)
        if (!strcmp((*p)->path, path)) {
            struct held *h = *p;
            *p = h->next;
            close(h->fd);
            free(h->path);
            free(h);
            return;
        }
}
