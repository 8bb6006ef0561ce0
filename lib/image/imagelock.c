/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* F_OFD_SETLK */
#include "imagelock.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* One per locked inode in this process; handles share it. */
struct lock_entry {
    dev_t dev;
    ino_t ino;
    int fd;
    bool use_flock; /* a directory or a disk; otherwise an OFD record lock */
    bool held_exclusive;
    unsigned refs, exclusive_refs;
    char *name;
    struct lock_entry *next;
};

struct ost_imagelock {
    struct lock_entry *entry;
    bool exclusive;
};

static struct lock_entry *entries;

/* A value that is not a number of seconds is refused, not read as the
 * default: a pipeline that set it means some other wait. */
static ost_status wait_seconds(double *out, struct ost_error *err)
{
    const char *v = getenv("OFFSTAGE_LOCK_TIMEOUT");
    *out = OST_LOCK_DEFAULT_WAIT;
    if (!v || !*v)
        return OST_OK;
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (*end || errno || !isfinite(s) || s < 0 || s > 1e6 || isspace((unsigned char)*v))
        return ost_fail(err, OST_ERR_USAGE, "OFFSTAGE_LOCK_TIMEOUT='%s': not a number of seconds from 0 to 1000000 "
                        "(e.g. 30, 2.5, or 0 to refuse at once); unset it for the default of %g",
                        v, (double)OST_LOCK_DEFAULT_WAIT);
    *out = s;
    return OST_OK;
}

static int try_lock(struct lock_entry *e, bool exclusive)
{
    if (e->use_flock)
        return flock(e->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
    struct flock fl = {.l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET};
    return fcntl(e->fd, F_OFD_SETLK, &fl);
}

static bool busy(int e)
{
    return e == EWOULDBLOCK || e == EAGAIN || e == EACCES;
}

/* The process holding a lock on dev:ino: /proc/locks names flock holders;
 * OFD locks show pid -1 there, so their holder is found by the "lock:"
 * lines of its descriptors in /proc/PID/fdinfo. 0 when not found. */
static long holder_pid(dev_t dev, ino_t ino)
{
    char key[64];
    snprintf(key, sizeof key, "%02x:%02x:%lu ", major(dev), minor(dev), (unsigned long)ino);
    FILE *f = fopen("/proc/locks", "re");
    char line[512];
    long pid = 0;
    while (f && !pid && fgets(line, sizeof line, f)) {
        char *at = strstr(line, key);
        if (!at || strstr(line, "->"))
            continue;
        long p;
        char kind[16], mode[16], rw[16];
        if (sscanf(line, "%*d: %15s %15s %15s %ld", kind, mode, rw, &p) == 4 && p > 0)
            pid = p;
    }
    if (f)
        fclose(f);
    if (pid)
        return pid;
    DIR *proc = opendir("/proc");
    struct dirent *pe;
    while (proc && !pid && (pe = readdir(proc)) != NULL) {
        char *end;
        long p = strtol(pe->d_name, &end, 10);
        if (*end || p <= 0 || p == (long)getpid())
            continue;
        char *dir = ost_xasprintf("/proc/%ld/fdinfo", p);
        DIR *fds = opendir(dir);
        struct dirent *fe;
        while (fds && !pid && (fe = readdir(fds)) != NULL) {
            if (fe->d_name[0] == '.')
                continue;
            char *info = ost_xasprintf("%s/%s", dir, fe->d_name);
            FILE *fi = fopen(info, "re");
            while (fi && fgets(line, sizeof line, fi))
                if (!strncmp(line, "lock:", 5) && strstr(line, key))
                    pid = p;
            if (fi)
                fclose(fi);
            free(info);
        }
        if (fds)
            closedir(fds);
        free(dir);
    }
    if (proc)
        closedir(proc);
    return pid;
}

static ost_status acquire(struct lock_entry *e, bool exclusive, struct ost_error *err)
{
    double limit;
    ost_status st = wait_seconds(&limit, err);
    if (st != OST_OK)
        return st;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned delay_ms = 10;
    for (;;) {
        if (try_lock(e, exclusive) == 0) {
            e->held_exclusive = exclusive;
            return OST_OK;
        }
        int saved = errno;
        if (!busy(saved))
            return ost_fail(err, OST_ERR_IO, "%s: cannot lock the image: %s", e->name, strerror(saved));
        clock_gettime(CLOCK_MONOTONIC, &now);
        double waited = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        if (waited >= limit) {
            long pid = holder_pid(e->dev, e->ino);
            char who[48] = "";
            if (pid)
                snprintf(who, sizeof who, " (pid %ld)", pid);
            return ost_fail(err, OST_ERR_IO,
                            "%s: the image is in use by another offstage%s%s; nothing was changed. Run the commands "
                            "one after another, or wait longer with OFFSTAGE_LOCK_TIMEOUT=SECONDS (now %g)",
                            e->name, who, exclusive ? "" : " that is changing it", limit);
        }
        struct timespec ts = {0, (long)delay_ms * 1000000L};
        nanosleep(&ts, NULL);
        if (delay_ms < 200)
            delay_ms *= 2;
    }
}

static struct lock_entry *find_entry(dev_t dev, ino_t ino)
{
    for (struct lock_entry *e = entries; e; e = e->next)
        if (e->dev == dev && e->ino == ino)
            return e;
    return NULL;
}

static void drop_entry(struct lock_entry *e)
{
    for (struct lock_entry **p = &entries; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    close(e->fd);
    free(e->name);
    free(e);
}

static ost_status take(int fd, bool use_flock, const char *name, bool exclusive, struct ost_imagelock **out,
                       struct ost_error *err)
{
    struct stat st;
    *out = NULL;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: %s", name, strerror(e));
    }
    struct lock_entry *e = find_entry(st.st_dev, st.st_ino);
    bool fresh = !e;
    if (fresh) {
        e = ost_xcalloc(1, sizeof *e);
        e->dev = st.st_dev, e->ino = st.st_ino, e->fd = fd, e->use_flock = use_flock;
        e->name = ost_xstrdup(name);
        e->next = entries;
        entries = e;
    } else {
        close(fd);
    }
    ost_status s = OST_OK;
    if (fresh || (exclusive && !e->held_exclusive))
        s = acquire(e, exclusive || e->exclusive_refs > 0, err);
    if (s != OST_OK) {
        if (fresh)
            drop_entry(e);
        return s;
    }
    e->refs++;
    e->exclusive_refs += exclusive;
    struct ost_imagelock *l = ost_xcalloc(1, sizeof *l);
    l->entry = e;
    l->exclusive = exclusive;
    *out = l;
    return OST_OK;
}

ost_status ost_imagelock_dir(int dirfd, const char *name, bool exclusive, struct ost_imagelock **out,
                             struct ost_error *err)
{
    int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", name, strerror(errno));
    return take(fd, true, name, exclusive, out, err);
}

ost_status ost_imagelock_file(const char *path, bool exclusive, struct ost_imagelock **out, struct ost_error *err)
{
    int fd = open(path, (exclusive ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    return take(fd, false, path, exclusive, out, err);
}

ost_status ost_imagelock_disk(const char *path, bool exclusive, struct ost_imagelock **out, struct ost_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", path, strerror(errno));
    return take(fd, true, path, exclusive, out, err);
}

ost_status ost_imagelock_set_exclusive(struct ost_imagelock *l, bool exclusive, struct ost_error *err)
{
    struct lock_entry *e = l->entry;
    if (l->exclusive == exclusive)
        return OST_OK;
    if (exclusive && !e->use_flock && e->refs == 1) {
        /* a record lock for writing needs a descriptor open for writing */
        int fd = open(e->name, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            return ost_fail(err, OST_ERR_IO, "%s: %s", e->name, strerror(errno));
        close(e->fd);
        e->fd = fd;
        e->held_exclusive = false;
    }
    l->exclusive = exclusive;
    e->exclusive_refs += exclusive ? 1 : -1;
    bool want = e->exclusive_refs > 0;
    if (want == e->held_exclusive)
        return OST_OK;
    ost_status s = acquire(e, want, err);
    if (s != OST_OK) {
        l->exclusive = !exclusive;
        e->exclusive_refs += exclusive ? -1 : 1;
    }
    return s;
}

bool ost_imagelock_is_exclusive(const struct ost_imagelock *l)
{
    return l->exclusive;
}

void ost_imagelock_release(struct ost_imagelock *l)
{
    if (!l)
        return;
    struct lock_entry *e = l->entry;
    e->exclusive_refs -= l->exclusive;
    if (--e->refs == 0)
        drop_entry(e);
    free(l);
}
