/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The directory backend of target.h: an offline Windows root on the local
 * file system (an installed Windows whose volume is mounted, or a tree
 * extracted from media).
 *
 * Paths. Windows resolves names without regard to case, and an NTFS volume
 * cannot hold two names of one folder that differ only by case; a Linux
 * tree can. Each component is looked up case-insensitively below a
 * descriptor of its parent, and two matches are refused as ambiguous
 * (naming both) instead of one being picked. No component is ever followed
 * through a symbolic link: every directory is opened with O_NOFOLLOW below
 * the previous one (openat), so no path from an input and no link inside
 * the image leads a read or a write outside it; a link or a special file
 * where a folder or file is expected is an error naming it.
 *
 * Transactions. Staged files are copied at once, synced, into the
 * transaction folder `.offstage-txn` at the root (same file system, so they
 * can be renamed into place). Commit resolves every change to exact host
 * names, writes the journal (journal.h) and syncs it: from then on the
 * change is decided. It then applies each step (originals kept as hard
 * links in the folder), syncs the folders it touched and removes the
 * folder, the journal first. A failure while applying marks the journal
 * "rollback", undoes every step and reports that nothing was changed.
 * Opening an image (for reading too) first finishes what a killed command
 * left: a folder without a journal is discarded (nothing had been
 * applied), one with a journal is completed, or undone when marked; the
 * target's notice says which in one line.
 *
 * Locking (imagelock.h): writers hold an exclusive lock on the root from
 * open to close, readers a shared one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cimap.h"
#include "fileutil.h"
#include "imagelock.h"
#include "interrupt.h"
#include "journal.h"
#include "scratch.h"
#include "target.h"

#define TXN_DIR ".offstage-txn"
#define LEGACY_TXN_PREFIX ".offstage-txn-"
#define JOURNAL "journal"
#define JOURNAL_TMP "journal.tmp"
#define ROLLBACK_MARK "rollback"

/* What one directory holds, by case-insensitive name: the real name, or
 * "A\nB" when two entries differ only by case. */
struct listing {
    dev_t dev;
    ino_t ino;
    struct ost_cimap names;
    struct listing *next;
};

struct dir_target {
    struct ost_target base;
    char *root;
    int rootfd;
    int txnfd;
    struct ost_imagelock *lock;
    struct ost_target_changes ops; /* staged: names in the transaction folder */
    unsigned counter;
    struct listing *listings;
    int *held_fds; /* behind local_path's names */
    size_t nheld, heldcap;
};

/* ---- looking names up ------------------------------------------------- */

static void free_listings(struct dir_target *d)
{
    while (d->listings) {
        struct listing *l = d->listings;
        d->listings = l->next;
        for (size_t i = 0; i < l->names.size; i++)
            free(l->names.slots[i].value);
        ost_cimap_free(&l->names);
        free(l);
    }
}

static struct listing *listing_of(struct dir_target *d, int dirfd)
{
    struct stat st;
    if (fstat(dirfd, &st) != 0)
        return NULL;
    for (struct listing *l = d->listings; l; l = l->next)
        if (l->dev == st.st_dev && l->ino == st.st_ino)
            return l;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct listing *l = ost_xcalloc(1, sizeof *l);
    l->dev = st.st_dev, l->ino = st.st_ino;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *prev = ost_cimap_get(&l->names, e->d_name);
        char *val = prev ? ost_xasprintf("%s\n%s", prev, e->d_name) : ost_xstrdup(e->d_name);
        free(prev);
        ost_cimap_put(&l->names, e->d_name, val);
    }
    closedir(dir);
    l->next = d->listings;
    d->listings = l;
    return l;
}

static char *host_join(const char *rel, const char *name)
{
    return rel[0] ? ost_xasprintf("%s/%s", rel, name) : ost_xstrdup(name);
}

/* Finds name in dirfd (the image folder `rel`): 1 and *real, 0 when
 * absent, -1 with err when the name is ambiguous. */
static int lookup(struct dir_target *d, int dirfd, const char *rel, const char *name, char **real,
                  struct ost_error *err)
{
    *real = NULL;
    struct listing *l = listing_of(d, dirfd);
    if (!l) {
        ost_fail(err, OST_ERR_IO, "%s: cannot list %s: %s", d->base.name, rel[0] ? rel : "the image root",
                 strerror(errno));
        return -1;
    }
    const char *v = ost_cimap_get(&l->names, name);
    if (!v)
        return 0;
    const char *nl = strchr(v, '\n');
    if (nl) {
        char *a = ost_xstrndup(v, (size_t)(nl - v));
        char *pa = host_join(rel, a), *pb = host_join(rel, nl + 1);
        ost_fail(err, OST_ERR_CORRUPT,
                 "%s: \"%s\" and \"%s\" differ only by case: on a Windows volume they are one name, so it is not "
                 "clear which is meant; nothing was changed. Merge or rename one of them", d->base.name, pa, pb);
        free(a), free(pa), free(pb);
        return -1;
    }
    *real = ost_xstrdup(v);
    return 1;
}

static ost_status refuse_kind(struct dir_target *d, const char *rel, mode_t m, const char *expected,
                              struct ost_error *err)
{
    return ost_fail(err, OST_ERR_CORRUPT,
                    "%s: %s is %s where %s is expected; offstage does not follow links or use special files "
                    "inside an image, so nothing was changed", d->base.name, rel, ost_file_kind(m), expected);
}

/* Where a Windows path leads: `parent` is a descriptor of the deepest
 * existing folder on the way (the final component's folder when
 * everything exists); `rel` the exact host path of what exists; `missing`
 * the components that do not, as given. */
struct walk {
    int parent;
    char *rel;
    char *name;    /* real name of the final component when it exists */
    mode_t mode;   /* its type */
    struct ost_strlist missing;
};

static void walk_free(struct walk *w)
{
    if (w->parent >= 0)
        close(w->parent);
    free(w->rel);
    free(w->name);
    ost_strlist_free(&w->missing);
    *w = (struct walk){.parent = -1};
}

static ost_status walk(struct dir_target *d, const char *path, struct walk *w, struct ost_error *err)
{
    *w = (struct walk){.parent = fcntl(d->rootfd, F_DUPFD_CLOEXEC, 0), .rel = ost_xstrdup("")};
    if (w->parent < 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", d->base.name, strerror(errno));
    char *copy = ost_xstrdup(path);
    char *save = NULL;
    ost_status st = OST_OK;
    char *part = strtok_r(copy, "\\/", &save);
    while (part && st == OST_OK) {
        char *next = strtok_r(NULL, "\\/", &save);
        char *real;
        int found = w->missing.n ? 0 : lookup(d, w->parent, w->rel, part, &real, err);
        if (found < 0) {
            st = OST_ERR_CORRUPT;
            break;
        }
        if (!found) {
            ost_strlist_add(&w->missing, part);
            part = next;
            continue;
        }
        char *rel = host_join(w->rel, real);
        struct stat sb;
        if (fstatat(w->parent, real, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            st = ost_fail(err, OST_ERR_IO, "%s: %s: %s", d->base.name, rel, strerror(errno));
        } else if (!next) {
            free(w->rel);
            w->rel = rel, rel = NULL;
            w->name = real, real = NULL;
            w->mode = sb.st_mode;
        } else if (!S_ISDIR(sb.st_mode)) {
            st = refuse_kind(d, rel, sb.st_mode, "a folder", err);
        } else {
            int fd = openat(w->parent, real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                st = ost_fail(err, OST_ERR_IO, "%s: cannot open %s: %s", d->base.name, rel, strerror(errno));
            } else {
                close(w->parent);
                w->parent = fd;
                free(w->rel);
                w->rel = rel, rel = NULL;
            }
        }
        free(rel);
        free(real);
        part = next;
    }
    free(copy);
    if (st == OST_OK && !w->name && !w->missing.n) { /* the root itself */
        w->name = ost_xstrdup(".");
        w->mode = S_IFDIR;
    }
    if (st != OST_OK)
        walk_free(w);
    return st;
}

/* Opens the folder holding host path rel (exact names, no links) and gives
 * the last name; -1 with errno when a folder on the way is missing or is
 * not a real folder. */
static int open_parent_exact(int rootfd, const char *rel, const char **base)
{
    int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    const char *p = rel;
    const char *slash;
    while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
        char *part = ost_xstrndup(p, (size_t)(slash - p));
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        free(part);
        close(fd);
        fd = next;
        errno = e;
        p = slash + 1;
    }
    *base = p;
    return fd;
}

/* ---- reading ---------------------------------------------------------- */

/* Opens the regular file at path for reading, refusing links and
 * special files. */
static ost_status open_file(struct dir_target *d, const char *path, int *fd_out, struct stat *sb,
                            struct ost_error *err)
{
    struct walk w;
    ost_status st = walk(d, path, &w, err);
    if (st != OST_OK)
        return st;
    if (w.missing.n)
        st = ost_fail(err, OST_ERR_IO, "%s: %s does not exist in the image", d->base.name, path);
    else if (!S_ISREG(w.mode))
        st = refuse_kind(d, w.rel, w.mode, "a file", err);
    int fd = -1;
    if (st == OST_OK) {
        fd = openat(w.parent, w.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, sb) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot open %s: %s", d->base.name, w.rel, strerror(errno));
        else if (!S_ISREG(sb->st_mode))
            st = refuse_kind(d, w.rel, sb->st_mode, "a file", err);
    }
    if (st != OST_OK && fd >= 0)
        close(fd), fd = -1;
    walk_free(&w);
    *fd_out = fd;
    return st;
}

static ost_status dir_read_file(struct ost_target *t, const char *path, size_t max, uint8_t **data, size_t *size,
                                struct ost_error *err)
{
    struct stat sb;
    int fd;
    *data = NULL, *size = 0;
    ost_status st = open_file((struct dir_target *)t, path, &fd, &sb, err);
    if (st != OST_OK)
        return st;
    char *name = ost_xasprintf("%s: %s", t->name, path);
    st = ost_read_fd(fd, name, max, data, size, err);
    free(name);
    return st;
}

static int dir_stat(struct ost_target *t, const char *path)
{
    struct dir_target *d = (struct dir_target *)t;
    struct walk w;
    if (walk(d, path, &w, NULL) != OST_OK)
        return -1;
    int kind = w.missing.n ? 0 : S_ISDIR(w.mode) ? 2 : S_ISREG(w.mode) ? 1 : -1;
    walk_free(&w);
    return kind;
}

static ost_status dir_list(struct ost_target *t, const char *path, struct ost_strlist *names, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    int fd = -1;
    ost_status st = OST_OK;
    if (!path[0]) {
        fd = openat(d->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } else {
        struct walk w;
        if ((st = walk(d, path, &w, err)) != OST_OK)
            return st;
        if (w.missing.n)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot list %s: it does not exist", t->name, path);
        else if (!S_ISDIR(w.mode))
            st = refuse_kind(d, w.rel, w.mode, "a folder", err);
        else
            fd = openat(w.parent, w.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        walk_free(&w);
        if (st != OST_OK)
            return st;
    }
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0)
            close(fd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot list %s: %s", t->name, path, strerror(errno));
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (path[0] || strcmp(e->d_name, TXN_DIR)))
            ost_strlist_add(names, e->d_name);
    closedir(dir);
    return OST_OK;
}

static ost_status too_big(struct ost_target *t, const char *path, uint64_t size, uint64_t max, struct ost_error *err)
{
    return ost_fail(err, OST_ERR_LIMIT, "%s: %s is %llu bytes; the limit for this kind of file is %llu, so it is "
                    "refused before it is read", t->name, path, (unsigned long long)size, (unsigned long long)max);
}

/* Libraries that take a file name get /proc/self/fd/N of a descriptor
 * opened without following links, so the name cannot be redirected. */
static ost_status dir_local_path(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                                 struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    struct stat sb;
    int fd;
    *local = NULL;
    ost_status st = open_file(d, path, &fd, &sb, err);
    if (st != OST_OK)
        return st;
    if ((uint64_t)sb.st_size > max_size) {
        close(fd);
        return too_big(t, path, (uint64_t)sb.st_size, max_size, err);
    }
    ost_grow(&d->held_fds, &d->heldcap, d->nheld + 1, sizeof *d->held_fds);
    d->held_fds[d->nheld++] = fd;
    *local = ost_xasprintf("/proc/self/fd/%d", fd);
    if (access(*local, R_OK) != 0) {
        free(*local);
        return ost_fail(err, OST_ERR_IO, "%s: cannot read %s through /proc/self/fd (is /proc mounted?)", t->name,
                        path);
    }
    return OST_OK;
}

/* ---- staging ---------------------------------------------------------- */

static ost_status ensure_txn(struct dir_target *d, struct ost_error *err)
{
    if (d->txnfd >= 0)
        return OST_OK;
    /* deferred first: a signal between mkdir and here must not leave the folder */
    ost_interrupt_defer_begin();
    if (mkdirat(d->rootfd, TXN_DIR, 0700) != 0) {
        int e = errno;
        ost_interrupt_defer_end();
        return ost_fail(err, OST_ERR_IO, "%s: cannot write to the image (%s/%s: %s); nothing was changed",
                        d->base.name, d->root, TXN_DIR, strerror(e));
    }
    d->txnfd = openat(d->rootfd, TXN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d->txnfd < 0) {
        int e = errno;
        unlinkat(d->rootfd, TXN_DIR, AT_REMOVEDIR);
        ost_interrupt_defer_end();
        return ost_fail(err, OST_ERR_IO, "%s: cannot write to the image (%s/%s: %s); nothing was changed",
                        d->base.name, d->root, TXN_DIR, strerror(e));
    }
    return OST_OK;
}

static void drop_staged(struct dir_target *d, struct ost_target_change *o)
{
    if (o->staged)
        unlinkat(d->txnfd, o->staged, 0);
    free(o->staged);
    o->staged = NULL;
}

static ost_status dir_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = ost_interrupt_check(t->name, err);
    if (st == OST_OK)
        st = ensure_txn(d, err);
    if (st != OST_OK)
        return st;
    char *name = ost_xasprintf("s%u", ++d->counter);
    char *staged = ost_xasprintf("%s/%s/%s", d->root, TXN_DIR, name);
    st = ost_copy_file(source, staged, err);
    free(staged);
    if (st != OST_OK) {
        unlinkat(d->txnfd, name, 0);
        free(name);
        return st;
    }
    struct ost_target_change *o = ost_target_changes_file(&d->ops, path);
    drop_staged(d, o);
    o->staged = name;
    return OST_OK;
}

static ost_status dir_remove_file(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = ost_interrupt_check(t->name, err);
    if (st == OST_OK)
        st = ensure_txn(d, err);
    if (st != OST_OK)
        return st;
    drop_staged(d, ost_target_changes_file(&d->ops, path));
    return OST_OK;
}

static ost_status dir_remove_dir(struct ost_target *t, const char *path, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    ost_status st = ensure_txn(d, err);
    if (st != OST_OK)
        return st;
    ost_target_changes_add_dir(&d->ops, path);
    return OST_OK;
}

/* ---- the journal: deciding, applying, undoing -------------------------- */

static char *backup_name(size_t index)
{
    return ost_xasprintf("b%zu", index);
}

static bool exists_at(int dirfd, const char *name)
{
    struct stat sb;
    return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A staged copy or a backup in the transaction folder: a regular file. A
 * link or anything else there was not put there by offstage, and is never
 * moved into the image. */
static bool is_file_at(int dirfd, const char *name)
{
    struct stat sb;
    return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
}

/* Keeps the original of rel as the op's backup: a hard link, or (on a file
 * system without them) the original itself moved. */
static int keep_backup(int parent, const char *base, int txnfd, const char *bname)
{
    if (linkat(parent, base, txnfd, bname, 0) == 0 || errno == EEXIST)
        return 0;
    if (renameat(parent, base, txnfd, bname) == 0 || (errno == ENOENT && exists_at(txnfd, bname)))
        return 0;
    return -1;
}

static int make_dirs(int rootfd, const struct ost_strlist *dirs)
{
    for (size_t i = 0; i < dirs->n; i++) {
        const char *base;
        int fd = open_parent_exact(rootfd, dirs->v[i], &base);
        if (fd < 0)
            return -1;
        struct stat sb;
        int r = mkdirat(fd, base, 0755);
        if (r != 0 && errno == EEXIST && fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
            r = 0;
        int e = errno;
        close(fd);
        errno = e;
        if (r != 0)
            return -1;
    }
    return 0;
}

/* Applies step i; repeating an applied step does nothing. */
static int apply_op(int rootfd, int txnfd, const struct ost_journal_op *o, size_t i)
{
    if (o->kind == OST_JOURNAL_WRITE && make_dirs(rootfd, &o->mkdirs) != 0)
        return -1;
    const char *base;
    int parent = open_parent_exact(rootfd, o->path, &base);
    if (parent < 0)
        return o->kind == OST_JOURNAL_WRITE ? -1 : 0; /* nothing left to remove */
    char *bname = backup_name(i);
    int r = 0;
    switch (o->kind) {
    case OST_JOURNAL_WRITE:
        if (exists_at(txnfd, o->staged) && !is_file_at(txnfd, o->staged)) {
            errno = EINVAL;
            r = -1;
        } else if (exists_at(txnfd, o->staged)) {
            if (o->existed && exists_at(parent, base))
                r = keep_backup(parent, base, txnfd, bname);
            if (r == 0)
                r = renameat(txnfd, o->staged, parent, base);
        }
        break;
    case OST_JOURNAL_REMOVE:
        if (exists_at(parent, base)) {
            r = keep_backup(parent, base, txnfd, bname);
            if (r == 0 && unlinkat(parent, base, 0) != 0 && errno != ENOENT)
                r = -1;
        }
        break;
    case OST_JOURNAL_RMDIR:
        if (unlinkat(parent, base, AT_REMOVEDIR) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
            r = -1;
        break;
    }
    int e = errno;
    free(bname);
    close(parent);
    errno = e;
    return r;
}

/* Undoes step i, whatever part of it was done. */
static void undo_op(int rootfd, int txnfd, const struct ost_journal_op *o, size_t i)
{
    const char *base;
    int parent = open_parent_exact(rootfd, o->path, &base);
    char *bname = backup_name(i);
    if (parent >= 0) {
        bool have_backup = is_file_at(txnfd, bname);
        switch (o->kind) {
        case OST_JOURNAL_WRITE:
            if (have_backup)
                renameat(txnfd, bname, parent, base);
            else if (!o->existed && !exists_at(txnfd, o->staged))
                unlinkat(parent, base, 0);
            break;
        case OST_JOURNAL_REMOVE:
            if (have_backup && !exists_at(parent, base))
                renameat(txnfd, bname, parent, base);
            break;
        case OST_JOURNAL_RMDIR:
            if (o->existed && !exists_at(parent, base))
                mkdirat(parent, base, 0755);
            break;
        }
        close(parent);
    }
    free(bname);
    for (size_t k = o->mkdirs.n; k-- > 0;) {
        int fd = open_parent_exact(rootfd, o->mkdirs.v[k], &base);
        if (fd >= 0) {
            unlinkat(fd, base, AT_REMOVEDIR);
            close(fd);
        }
    }
}

static int sync_at(int dirfd, const char *name)
{
    /* a folder, never waiting: a journal may name a FIFO where one should be */
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Makes every rename and removal durable: fsync of each folder a step
 * changed, parents of created folders included. */
static void sync_folders(int rootfd, const struct ost_journal *j)
{
    struct ost_strlist done = {0};
    for (size_t i = 0; i < j->nops; i++) {
        const struct ost_journal_op *o = &j->ops[i];
        for (size_t k = 0; k <= o->mkdirs.n; k++) {
            const char *p = k < o->mkdirs.n ? o->mkdirs.v[k] : o->path;
            const char *slash = strrchr(p, '/');
            char *folder = slash ? ost_xstrndup(p, (size_t)(slash - p)) : ost_xstrdup(".");
            if (!ost_strlist_contains_ci(&done, folder)) {
                if (!strcmp(folder, "."))
                    fsync(rootfd);
                else {
                    const char *base;
                    int fd = open_parent_exact(rootfd, folder, &base);
                    if (fd >= 0) {
                        sync_at(fd, base);
                        close(fd);
                    }
                }
                ost_strlist_add(&done, folder);
            }
            free(folder);
        }
    }
    ost_strlist_free(&done);
}

static int write_synced_at(int dirfd, const char *name, const char *text)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int r = ost_write_all(fd, text, strlen(text));
    if (r == 0)
        r = fsync(fd);
    int e = errno;
    if (close(fd) != 0 && r == 0)
        r = -1;
    else
        errno = e;
    return r;
}

/* Removes the transaction folder: the journal first, which ends the
 * transaction, then the staged copies and backups. */
static void remove_txn(int rootfd, int *txnfd)
{
    if (*txnfd >= 0) {
        unlinkat(*txnfd, JOURNAL, 0);
        fsync(*txnfd);
        int fd = openat(*txnfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                if (unlinkat(*txnfd, e->d_name, 0) != 0 && errno == EISDIR)
                    unlinkat(*txnfd, e->d_name, AT_REMOVEDIR);
        if (dir)
            closedir(dir);
        else if (fd >= 0)
            close(fd);
        close(*txnfd);
        *txnfd = -1;
    }
    unlinkat(rootfd, TXN_DIR, AT_REMOVEDIR);
    fsync(rootfd);
}

/* Ends this target's own transaction: signals act at once again. */
static void end_txn(struct dir_target *d, bool remove)
{
    if (d->txnfd < 0)
        return;
    if (remove)
        remove_txn(d->rootfd, &d->txnfd);
    else
        close(d->txnfd);
    d->txnfd = -1;
    ost_interrupt_defer_end();
    ost_target_changes_clear(&d->ops);
}

/* Writes the journal and makes it durable: the decision point. */
static int decide(int rootfd, int txnfd, const struct ost_journal *j)
{
    char *text = ost_journal_serialize(j);
    int r = write_synced_at(txnfd, JOURNAL_TMP, text);
    free(text);
    if (r == 0)
        r = renameat(txnfd, JOURNAL_TMP, txnfd, JOURNAL);
    if (r == 0)
        r = fsync(txnfd);
    if (r == 0)
        r = fsync(rootfd);
    return r;
}

/* The exact host path a new file or folder gets: what exists, then the
 * missing components, spelled as a folder created earlier in this commit
 * was spelled. */
static char *plan_path(const struct walk *w, const struct ost_strlist *planned, size_t upto)
{
    char *p = ost_xstrdup(w->rel);
    for (size_t k = 0; k < upto; k++) {
        char *next = host_join(p, w->missing.v[k]);
        for (size_t i = 0; i < planned->n; i++)
            if (ost_streq_ci(planned->v[i], next)) {
                free(next);
                next = ost_xstrdup(planned->v[i]);
                break;
            }
        free(p);
        p = next;
    }
    return p;
}

static ost_status plan_op(struct dir_target *d, const struct ost_target_change *o, struct ost_journal *j,
                          struct ost_strlist *planned, struct ost_error *err)
{
    struct walk w;
    ost_status st = walk(d, o->path, &w, err);
    if (st != OST_OK)
        return st;
    bool exists = w.missing.n == 0;
    if (o->dir) {
        if (exists && !S_ISDIR(w.mode))
            st = refuse_kind(d, w.rel, w.mode, "a folder", err);
        else if (exists)
            ost_journal_add(j, OST_JOURNAL_RMDIR, w.rel)->existed = true;
    } else if (exists && !S_ISREG(w.mode)) {
        st = refuse_kind(d, w.rel, w.mode, "a file", err);
    } else if (!o->staged) {
        if (exists)
            ost_journal_add(j, OST_JOURNAL_REMOVE, w.rel)->existed = true;
    } else if (exists) {
        struct ost_journal_op *jo = ost_journal_add(j, OST_JOURNAL_WRITE, w.rel);
        jo->existed = true;
        jo->staged = ost_xstrdup(o->staged);
    } else {
        char *path = plan_path(&w, planned, w.missing.n);
        struct ost_journal_op *jo = ost_journal_add(j, OST_JOURNAL_WRITE, path);
        jo->staged = ost_xstrdup(o->staged);
        for (size_t k = 1; k < w.missing.n; k++) {
            char *dir = plan_path(&w, planned, k);
            if (!ost_strlist_contains_ci(planned, dir)) {
                ost_strlist_add(planned, dir);
                ost_strlist_add(&jo->mkdirs, dir);
            }
            free(dir);
        }
        free(path);
    }
    walk_free(&w);
    return st;
}

static ost_status undo_all(struct dir_target *d, const struct ost_journal *j, size_t upto)
{
    int r = write_synced_at(d->txnfd, ROLLBACK_MARK, "rollback\n");
    if (r == 0)
        r = fsync(d->txnfd);
    for (size_t k = upto; k-- > 0;)
        undo_op(d->rootfd, d->txnfd, &j->ops[k], k);
    sync_folders(d->rootfd, j);
    return r == 0 ? OST_OK : OST_ERR_IO;
}

static ost_status dir_commit(struct ost_target *t, struct ost_error *err)
{
    struct dir_target *d = (struct dir_target *)t;
    if (d->txnfd < 0)
        return OST_OK;
    struct ost_journal j = {.pid = (long)getpid()};
    struct ost_strlist planned = {0};
    ost_status st = ost_interrupt_check(t->name, err);
    for (size_t i = 0; i < d->ops.n && st == OST_OK; i++)
        st = plan_op(d, &d->ops.v[i], &j, &planned, err);
    ost_strlist_free(&planned);
    free_listings(d);
    if (st == OST_OK && j.nops && decide(d->rootfd, d->txnfd, &j) != 0)
        st = ost_fail(err, OST_ERR_IO, "%s: cannot write the transaction journal in %s: %s; nothing was changed",
                      t->name, TXN_DIR, strerror(errno));
    if (st != OST_OK || !j.nops) {
        end_txn(d, true);
        ost_journal_free(&j);
        return st;
    }
    sigset_t saved;
    ost_signals_hold(&saved);
    size_t i;
    for (i = 0; i < j.nops; i++)
        if (apply_op(d->rootfd, d->txnfd, &j.ops[i], i) != 0)
            break;
    if (i < j.nops) {
        int e = errno;
        const char *what = j.ops[i].kind == OST_JOURNAL_WRITE ? "write" : "remove";
        if (undo_all(d, &j, i + 1) == OST_OK) {
            end_txn(d, true);
            st = ost_fail(err, OST_ERR_IO, "%s: cannot %s %s: %s; nothing was changed", t->name, what,
                          j.ops[i].path, strerror(e));
        } else {
            end_txn(d, false);
            st = ost_fail(err, OST_ERR_IO, "%s: cannot %s %s: %s; the change is partly undone, and the next "
                          "offstage command on this image finishes undoing it", t->name, what, j.ops[i].path,
                          strerror(e));
        }
    } else {
        sync_folders(d->rootfd, &j);
        end_txn(d, true);
        ost_interrupt_note_written();
    }
    ost_signals_release(&saved);
    ost_journal_free(&j);
    return st;
}

/* ---- recovery at open -------------------------------------------------- */

static void rm_tree_at(int dirfd, const char *name)
{
    if (unlinkat(dirfd, name, 0) == 0 || (errno != EISDIR && errno != EPERM))
        return;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            rm_tree_at(fd, e->d_name);
    if (dir)
        closedir(dir);
    else if (fd >= 0)
        close(fd);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static void add_notice(struct dir_target *d, char *line)
{
    char *old = d->base.notice;
    d->base.notice = old ? ost_xasprintf("%s\n%s", old, line) : ost_xstrdup(line);
    free(old);
    free(line);
}

static ost_status recover_txn(struct dir_target *d, struct ost_error *err)
{
    struct stat sb;
    if (fstatat(d->rootfd, TXN_DIR, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return OST_OK;
    if (!S_ISDIR(sb.st_mode)) {
        unlinkat(d->rootfd, TXN_DIR, 0);
        add_notice(d, ost_xasprintf("removed %s/%s, which was %s, not offstage's transaction folder", d->root,
                                    TXN_DIR, ost_file_kind(sb.st_mode)));
        return OST_OK;
    }
    int txnfd = openat(d->rootfd, TXN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (txnfd < 0)
        return ost_fail(err, OST_ERR_IO, "%s/%s: %s", d->root, TXN_DIR, strerror(errno));
    char *jname = ost_xasprintf("%s/%s/%s", d->root, TXN_DIR, JOURNAL);
    int jfd = openat(txnfd, JOURNAL, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (jfd < 0 && errno != ENOENT) {
        /* only a journal that is not there means nothing was applied */
        int e = errno;
        ost_fail(err, OST_ERR_IO, "%s: cannot open it (%s). An interrupted change was left in %s/%s and is kept "
                 "until it can be read; nothing was changed", jname, strerror(e), d->root, TXN_DIR);
        free(jname);
        close(txnfd);
        return OST_ERR_IO;
    }
    if (jfd < 0) {
        free(jname);
        remove_txn(d->rootfd, &txnfd);
        add_notice(d, ost_xasprintf("%s: discarded an unfinished change that a stopped offstage had not begun to "
                                    "apply; the image is as it was before that command", d->base.name));
        return OST_OK;
    }
    struct ost_journal j;
    uint8_t *data = NULL;
    size_t size = 0;
    ost_status st = OST_OK;
    if (fstat(jfd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(jfd);
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: not a journal offstage wrote (not a file)", jname);
    } else if ((st = ost_read_fd(jfd, jname, OST_JOURNAL_MAX_BYTES, &data, &size, err)) == OST_OK) {
        st = ost_journal_parse(jname, data, size, &j, err);
    }
    free(data);
    if (st != OST_OK) {
        char *msg = ost_xasprintf("%s. An interrupted change was left in %s/%s and offstage cannot tell how to "
                                  "finish it; the image may be partly changed. Move that folder out of the image "
                                  "to go on", err->message, d->root, TXN_DIR);
        ost_fail(err, st, "%s", msg);
        free(msg);
        free(jname);
        close(txnfd);
        return st;
    }
    free(jname);
    bool undo = exists_at(txnfd, ROLLBACK_MARK);
    sigset_t saved;
    ost_signals_hold(&saved);
    size_t failed = j.nops;
    if (undo) {
        for (size_t k = j.nops; k-- > 0;)
            undo_op(d->rootfd, txnfd, &j.ops[k], k);
    } else {
        for (size_t k = 0; k < j.nops && failed == j.nops; k++)
            if (apply_op(d->rootfd, txnfd, &j.ops[k], k) != 0)
                failed = k;
    }
    sync_folders(d->rootfd, &j);
    if (failed < j.nops) {
        st = ost_fail(err, OST_ERR_IO, "%s: an interrupted change (offstage pid %ld) could not be completed: "
                      "cannot write %s: %s; it stays in %s/%s for the next command", d->base.name, j.pid,
                      j.ops[failed].path, strerror(errno), d->root, TXN_DIR);
        close(txnfd);
    } else {
        remove_txn(d->rootfd, &txnfd);
        add_notice(d, ost_xasprintf(undo ? "%s: finished undoing a change that failed in offstage pid %ld; the "
                                           "image is as it was before that command"
                                         : "%s: completed a change that offstage pid %ld was stopped while "
                                           "writing (%zu step%s); the image is as that command left it",
                                    d->base.name, j.pid, j.nops, j.nops == 1 ? "" : "s"));
    }
    ost_signals_release(&saved);
    ost_journal_free(&j);
    return st;
}

/* Folders ".offstage-txn-XXXXXX" come from offstage versions without a
 * journal: what they held cannot be replayed, only removed. */
static void remove_legacy_txns(struct dir_target *d)
{
    int fd = openat(d->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    struct ost_strlist found = {0};
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL)
        if (!strncmp(e->d_name, LEGACY_TXN_PREFIX, strlen(LEGACY_TXN_PREFIX)))
            ost_strlist_add(&found, e->d_name);
    if (dir)
        closedir(dir);
    else if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < found.n; i++) {
        rm_tree_at(d->rootfd, found.v[i]);
        add_notice(d, ost_xasprintf("%s: removed %s, left by an older offstage that was stopped; check the image "
                                    "with get-drivers", d->base.name, found.v[i]));
    }
    ost_strlist_free(&found);
}

static bool needs_recovery(struct dir_target *d)
{
    if (exists_at(d->rootfd, TXN_DIR))
        return true;
    int fd = openat(d->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    bool found = false;
    struct dirent *e;
    while (dir && !found && (e = readdir(dir)) != NULL)
        found = !strncmp(e->d_name, LEGACY_TXN_PREFIX, strlen(LEGACY_TXN_PREFIX));
    if (dir)
        closedir(dir);
    else if (fd >= 0)
        close(fd);
    return found;
}

static ost_status recover(struct dir_target *d, struct ost_error *err)
{
    if (!needs_recovery(d))
        return OST_OK;
    bool was_exclusive = ost_imagelock_is_exclusive(d->lock);
    if (access(d->root, W_OK) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: a stopped offstage left an unfinished change here (%s), and "
                        "finishing it needs write access to the image: run any offstage command on it as a user "
                        "who may write it", d->base.name, TXN_DIR);
    ost_status st = ost_imagelock_set_exclusive(d->lock, true, err);
    if (st != OST_OK)
        return st;
    st = recover_txn(d, err);
    if (st == OST_OK)
        remove_legacy_txns(d);
    if (!was_exclusive) {
        struct ost_error ignored;
        ost_imagelock_set_exclusive(d->lock, false, &ignored);
    }
    return st;
}

/* ---- opening and closing ------------------------------------------------ */

static void dir_close(struct ost_target *t)
{
    struct dir_target *d = (struct dir_target *)t;
    end_txn(d, true);
    for (size_t i = 0; i < d->nheld; i++)
        close(d->held_fds[i]);
    free(d->held_fds);
    free_listings(d);
    ost_target_changes_free(&d->ops);
    ost_imagelock_release(d->lock);
    if (d->rootfd >= 0)
        close(d->rootfd);
    free(d->root);
    free(d->base.notice);
    free(d->base.name);
    free(d);
}

static const struct ost_target_ops dir_ops = {
    .kind = "directory",
    .read_file = dir_read_file,
    .stat = dir_stat,
    .list_dir = dir_list,
    .local_path = dir_local_path,
    .write_file = dir_write_file,
    .remove_file = dir_remove_file,
    .remove_dir = dir_remove_dir,
    .commit = dir_commit,
    .close = dir_close,
};

ost_status ost_target_open_dir(const char *dir, bool writable, struct ost_target **out, struct ost_error *err)
{
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return ost_fail(err, OST_ERR_USAGE, "%s: not a directory (a WIM file needs --index)", dir);
    if (writable && access(dir, W_OK) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: the image is read-only (%s); nothing was changed", dir,
                        strerror(errno));
    ost_scratch_sweep();
    struct dir_target *d = ost_xcalloc(1, sizeof *d);
    d->base.ops = &dir_ops;
    d->base.name = ost_xstrdup(dir);
    d->base.writable = writable;
    d->root = ost_xstrdup(dir);
    d->txnfd = -1;
    d->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ost_status s = d->rootfd >= 0 ? OST_OK : ost_fail(err, OST_ERR_IO, "%s: %s", dir, strerror(errno));
    if (s == OST_OK)
        s = ost_imagelock_dir(d->rootfd, dir, writable, &d->lock, err);
    if (s == OST_OK)
        s = recover(d, err);
    if (s != OST_OK) {
        dir_close(&d->base);
        return s;
    }
    *out = &d->base;
    return OST_OK;
}
