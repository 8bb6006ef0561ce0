/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* renameat2 */
#include "media.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "fileutil.h"
#include "interrupt.h"
#include "iso.h"
#include "jsonutil.h"
#include "scratch.h"
#include "version.h"
#include "wim.h"

#define MANIFEST_NAME "offstage-media.json"
#define WINPE_DRIVERS "$WinPEDriver$"
/* each install.swm part stays this far under the 4 GiB an ISO 9660
 * extent holds */
#define SWM_PART_SIZE (UINT64_C(3800) * 1024 * 1024)

static const char *const store_paths[2] = {"boot/BCD", "efi/microsoft/boot/bcd"};
static const char *const store_names[2] = {"BIOS", "UEFI"};

/* ---- paths in the media, found as Windows would (case-insensitively) ---- */

/* The host path of rel ('/'-separated) under root, each component found
 * case-insensitively; NULL when absent (or a link on the way). */
static char *find_ci_path(const char *root, const char *rel)
{
    char *at = ost_xstrdup(root), *copy = ost_xstrdup(rel), *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c && at; c = strtok_r(NULL, "/", &save)) {
        char *next = ost_find_ci(at, c);
        free(at);
        at = next;
    }
    free(copy);
    return at;
}

static char *relative_to(const char *root, const char *path)
{
    size_t n = strlen(root);
    return ost_xstrdup(path[n] == '/' ? path + n + 1 : path + n);
}

/* In an ISO's list: the entry equal to rel ignoring case, or NULL. */
static const char *listed_ci(const struct ost_strlist *files, const char *rel)
{
    for (size_t i = 0; i < files->n; i++)
        if (ost_streq_ci(files->v[i], rel))
            return files->v[i];
    return NULL;
}

/* ---- the private copy of a folder ---------------------------------------- */

static bool is_changed(const struct ost_strlist *changed, const char *rel)
{
    if (!changed)
        return true;
    for (size_t i = 0; i < changed->n; i++)
        if (ost_streq_ci(changed->v[i], rel))
            return true;
    return false;
}

/* Copies the tree src into dst (which exists): files of changed (every
 * file when it is NULL) are copied, every other file is a hard link (a copy across file systems),
 * since nothing but the changed files is ever written. A link or special
 * file in the source is refused: media hold none. */
static ost_status copy_tree(const char *src, const char *dst, const char *rel, const struct ost_strlist *changed,
                            unsigned depth, struct ost_error *err)
{
    if (depth > 64)
        return ost_fail(err, OST_ERR_LIMIT, "%s: folders nested deeper than 64", src);
    DIR *d = opendir(src);
    if (!d)
        return ost_fail(err, OST_ERR_IO, "%s: %s", src, strerror(errno));
    ost_status st = OST_OK;
    struct dirent *e;
    while (st == OST_OK && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (depth == 0 && !strcmp(e->d_name, MANIFEST_NAME))
            continue; /* written anew */
        char *s = ost_path_join(src, e->d_name), *t = ost_path_join(dst, e->d_name);
        char *r = *rel ? ost_xasprintf("%s/%s", rel, e->d_name) : ost_xstrdup(e->d_name);
        struct stat sb;
        if (lstat(s, &sb) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: %s", s, strerror(errno));
        else if (S_ISDIR(sb.st_mode)) {
            if (mkdir(t, 0755) != 0)
                st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", t, strerror(errno));
            else
                st = copy_tree(s, t, r, changed, depth + 1, err);
        } else if (!S_ISREG(sb.st_mode)) {
            st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: not a file or a folder (a link?); install media hold "
                          "none, so the media is not serviced", s);
        } else if (is_changed(changed, r) || link(s, t) != 0) {
            st = ost_copy_file(s, t, err);
        }
        free(s), free(t), free(r);
    }
    closedir(d);
    return st;
}

/* A new folder beside `near` (a file or folder), for the private copy,
 * named after what it becomes (messages name the images in it), and
 * beside it even when given as "media/". It holds a flock(2) on itself
 * while in use; what a killed run left beside near (no lock held) is
 * removed first. *lock_fd keeps the lock. */
static char *make_work_beside(const char *near, int *lock_fd, struct ost_error *err)
{
    /* by absolute path: "." or "media/" must not put it inside the folder */
    char *base = realpath(near, NULL);
    if (!base) {
        char *d = ost_path_dirname(near), *abs_dir = realpath(d, NULL);
        base = abs_dir ? ost_path_join(abs_dir, ost_path_basename(near)) : NULL;
        free(d), free(abs_dir);
    }
    if (!base || !strcmp(base, "/")) {
        ost_fail(err, OST_ERR_USAGE, "%s: no folder to put the working copy beside it in", near);
        free(base);
        return NULL;
    }
    char *dir = ost_path_dirname(base), *prefix = ost_xasprintf("%s.offstage-work-", ost_path_basename(base));
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char *stale = ost_path_join(dir, e->d_name);
        int fd = open(stale, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
            ost_rm_rf(stale);
        if (fd >= 0)
            close(fd);
        free(stale);
    }
    if (d)
        closedir(d);
    char *tmpl = ost_xasprintf("%s.offstage-work-XXXXXX", base);
    free(base), free(dir), free(prefix);
    if (!mkdtemp(tmpl)) {
        ost_fail(err, OST_ERR_IO, "%s: cannot create the working copy: %s", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    *lock_fd = open(tmpl, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX | LOCK_NB) != 0) {
        ost_fail(err, OST_ERR_IO, "%s: cannot lock the working copy: %s", tmpl, strerror(errno));
        ost_rm_rf(tmpl);
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

/* ---- the source's hash, for the manifest ----------------------------------
 * Reading a whole ISO costs about what extracting it does: it runs on a
 * thread of its own beside the extraction and the servicing. */

struct ost_media_hasher {
    pthread_t thread;
    char *path, *path2; /* an ISO; or a folder's install.wim and boot.wim (may be NULL) */
    char sha[65], sha2[65];
    ost_status status;
    struct ost_error err;
};

static void *hash_source(void *arg)
{
    struct ost_media_hasher *h = arg;
    h->status = ost_sha256_file(h->path, h->sha, &h->err);
    if (h->status == OST_OK && h->path2)
        h->status = ost_sha256_file(h->path2, h->sha2, &h->err);
    return NULL;
}

static void start_hash(struct ost_media_job *j, char *path, char *path2)
{
    if (!path) {
        free(path2);
        return; /* the plan refuses it below */
    }
    struct ost_media_hasher *h = ost_xcalloc(1, sizeof *h);
    h->path = path;
    h->path2 = path2;
    if (pthread_create(&h->thread, NULL, hash_source, h) != 0) {
        hash_source(h); /* no thread: hashed here */
        h->thread = pthread_self();
    }
    j->hasher = h;
}

/* Waits for the hash; returns its status (and sets source_sha256). */
static ost_status finish_hash(struct ost_media_job *j, struct ost_error *err)
{
    struct ost_media_hasher *h = j->hasher;
    if (!h)
        return OST_OK;
    if (!pthread_equal(h->thread, pthread_self()))
        pthread_join(h->thread, NULL);
    ost_status st = h->status;
    if (st == OST_OK) {
        j->source_sha256 = ost_xstrdup(h->sha);
        j->boot_sha256 = h->path2 ? ost_xstrdup(h->sha2) : NULL;
    } else if (err) {
        *err = h->err;
    }
    free(h->path), free(h->path2);
    free(h);
    j->hasher = NULL;
    return st;
}

/* ---- planning ---------------------------------------------------------- */

static const char *const part_paths[2] = {"sources/install.wim", "sources/boot.wim"};

/* Plans the add-driver job of one WIM of the media: image_path on the
 * host (owned by the part from here on). */
static ost_status plan_part(struct ost_media_job *j, struct ost_media_part *p, char *image, const char *index,
                            bool with_stores, struct ost_error *err)
{
    struct ost_add_driver_options o = j->opts.driver;
    o.index = index;
    o.bcd = (struct ost_strlist){0};
    o.bcd_names = (struct ost_strlist){0};
    o.recovery_of = p->recovery_of;
    o.image = image;
    for (size_t i = 0; with_stores && i < 2; i++)
        if (j->stores[i]) {
            ost_strlist_add_owned(&o.bcd, ost_path_join(j->root, j->stores[i]));
            ost_strlist_add(&o.bcd_names, j->stores[i]);
        }
    ost_status st = ost_add_driver_plan(&o, &p->job, err);
    /* the job keeps a shallow copy of the options: keep what it points at */
    p->image_path = image;
    p->bcd = o.bcd;
    p->bcd_names = o.bcd_names;
    /* messages name the images by their place in the media, not in the
     * working copy */
    size_t n = strlen(j->root);
    for (size_t i = 0; p->job && i < p->job->nimages; i++) {
        struct ost_target *t = p->job->images[i].img->target;
        size_t k = strlen(image);
        char *name = NULL;
        if (!strncmp(t->name, j->root, n) && t->name[n] == '/')
            name = ost_xstrdup(t->name + n + 1);
        else if (p->rel && !strncmp(t->name, image, k)) /* a winre.wim copy */
            name = ost_xasprintf("%s%s", p->rel, t->name + k);
        if (name) {
            free(t->name);
            t->name = name;
        }
    }
    return st;
}

#define WINRE_PATH "Windows\\System32\\Recovery\\winre.wim"

/* --install-index read against install.wim before add-driver reads it as
 * its --index, so that a wrong value is named as the user gave it. */
static ost_status check_install_index(struct ost_media_job *j, const char *index, struct ost_error *err)
{
    char *install = ost_path_join(j->root, j->install.rel);
    struct ost_wim_session *s = NULL;
    int *images = NULL;
    size_t n = 0;
    ost_status st = ost_wim_session_open(install, false, &s, err);
    if (st == OST_OK)
        st = ost_wim_session_resolve_option(s, "--install-index", index, &images, &n, err);
    free(images);
    if (s)
        ost_wim_session_close(s);
    free(install);
    return st;
}

/* Each serviced install image's winre.wim, copied out into a scratch
 * folder (one copy per distinct file), and its job planned. */
static ost_status plan_winre(struct ost_media_job *j, struct ost_error *err)
{
    char *install = ost_path_join(j->root, j->install.rel);
    struct ost_wim_session *s = NULL;
    int *images = NULL;
    size_t n = 0;
    ost_status st = ost_wim_session_open(install, false, &s, err);
    if (st == OST_OK)
        st = ost_wim_session_resolve_option(s, "--install-index", j->opts.install_index ? j->opts.install_index : "all",
                                            &images, &n, err);
    if (st == OST_OK && !(j->winre_scratch = ost_scratch_dir_create("winre", err)))
        st = err->status;
    char(*sums)[65] = ost_xcalloc(n ? n : 1, sizeof *sums);
    j->winre = ost_xcalloc(n ? n : 1, sizeof *j->winre);
    for (size_t i = 0; st == OST_OK && i < n; i++) {
        struct ost_target *t = NULL;
        char *local = NULL;
        st = ost_wim_target(s, images[i], &t, err);
        if (st == OST_OK && ost_target_stat(t, WINRE_PATH) != 1) {
            ost_strlist_add_owned(&j->notes, ost_xasprintf("%s:%d has no %s: nothing to service there",
                                                           j->install.rel, images[i], WINRE_PATH));
            ost_target_close(t);
            continue;
        }
        if (st == OST_OK)
            st = ost_target_local_path(t, WINRE_PATH, UINT64_C(4) << 30, &local, err);
        if (st == OST_OK)
            st = ost_sha256_file(local, sums[j->nwinre], err);
        struct ost_media_winre *w = &j->winre[j->nwinre];
        if (st == OST_OK) {
            w->image = images[i];
            w->part.role = "winre.wim";
            w->part.rel = ost_xasprintf("%s:%d/Windows/System32/Recovery/winre.wim", j->install.rel, images[i]);
            w->part.recovery_of = ost_xasprintf("%s:%d", j->install.rel, images[i]);
            w->owner = true;
            for (size_t k = 0; k < j->nwinre && w->owner; k++)
                if (!strcmp(sums[k], sums[j->nwinre]) && j->winre[k].owner) {
                    w->owner = false;
                    w->part.image_path = ost_xstrdup(j->winre[k].part.image_path);
                }
            j->nwinre++;
        }
        if (st == OST_OK && w->owner) {
            char *name = ost_xasprintf("%s/winre-%d.wim", j->winre_scratch, images[i]);
            st = ost_copy_file(local, name, err);
            if (st == OST_OK)
                st = plan_part(j, &w->part, name, "1", false, err);
            else
                free(name);
        }
        free(local);
        ost_target_close(t);
    }
    free(sums);
    free(images);
    ost_wim_session_close(s);
    free(install);
    return st;
}

/* After the jobs: each serviced winre.wim back into its install image,
 * in one more write of the working copy's install.wim. */
static ost_status put_back_winre(struct ost_media_job *j, struct ost_error *err)
{
    if (!j->nwinre)
        return OST_OK;
    char *install = ost_path_join(j->root, j->install.rel);
    struct ost_wim_session *s = NULL;
    ost_status st = ost_wim_session_open(install, true, &s, err);
    /* a target's staged files live until it is closed: after the WIM is written */
    struct ost_target **t = ost_xcalloc(j->nwinre, sizeof *t);
    for (size_t i = 0; st == OST_OK && i < j->nwinre; i++) {
        st = ost_wim_target(s, j->winre[i].image, &t[i], err);
        if (st == OST_OK)
            st = ost_target_write_file(t[i], WINRE_PATH, j->winre[i].part.image_path, err);
        if (st == OST_OK)
            st = ost_target_commit(t[i], err);
    }
    if (st == OST_OK)
        st = ost_wim_session_commit(s, err);
    for (size_t i = 0; i < j->nwinre; i++)
        if (t[i])
            ost_target_close(t[i]);
    free(t);
    ost_wim_session_close(s);
    free(install);
    return st;
}

/* A message about a file of the working copy names it by its place in the
 * source ("win7.iso:sources/install.wim"), as the user knows it. */
static ost_status name_from_source(const struct ost_media_job *j, ost_status st, struct ost_error *err)
{
    if (st != OST_OK && err && j->work && j->root) {
        char *alias = ost_xasprintf("%s/", j->root), *name = ost_xasprintf("%s:", j->opts.source);
        ost_error_rename(err, alias, name);
        free(alias), free(name);
    }
    return st;
}

static ost_status plan_media(const struct ost_media_options *opts, struct ost_media_job **out, struct ost_error *err);

ost_status ost_media_plan(const struct ost_media_options *opts, struct ost_media_job **out, struct ost_error *err)
{
    ost_status st = plan_media(opts, out, err);
    return name_from_source(*out, st, err);
}

static ost_status plan_media(const struct ost_media_options *opts, struct ost_media_job **out, struct ost_error *err)
{
    struct ost_media_job *j = ost_xcalloc(1, sizeof *j);
    *out = j;
    j->work_lock = -1;
    j->opts = *opts;
    j->install.role = "install.wim";
    j->boot.role = "boot.wim";
    const struct ost_media_options *o = &j->opts;
    if (!o->source)
        return ost_fail(err, OST_ERR_USAGE, "name the media: an ISO file or its folder");
    if (!o->output && !o->in_place && !o->driver.dry_run)
        return ost_fail(err, OST_ERR_USAGE, "say where the result goes: --output NEW.iso, or --in-place for a "
                        "media folder");
    if (o->output && o->in_place)
        return ost_fail(err, OST_ERR_USAGE, "--output and --in-place exclude each other");
    struct stat sb;
    if (stat(o->source, &sb) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", o->source, strerror(errno));
    j->iso_source = !S_ISDIR(sb.st_mode);
    if (j->iso_source && !S_ISREG(sb.st_mode))
        return ost_fail(err, OST_ERR_USAGE, "%s: neither an ISO file nor a media folder", o->source);
    if (j->iso_source && o->in_place)
        return ost_fail(err, OST_ERR_USAGE, "%s: --in-place is for a media folder; an ISO is never written: give "
                        "--output NEW.iso", o->source);
    if (o->output) {
        if (lstat(o->output, &sb) == 0 && S_ISDIR(sb.st_mode))
            return ost_fail(err, OST_ERR_USAGE, "--output %s is a folder; name the ISO file to write", o->output);
        char *a = realpath(o->source, NULL), *b = realpath(o->output, NULL);
        bool same = a && b && !strcmp(a, b);
        free(a), free(b);
        if (same)
            return ost_fail(err, OST_ERR_USAGE, "--output %s is the source itself; the source is never written",
                            o->output);
        /* inside a folder source, the output and its working copy would
         * become part of the media being copied */
        char *src = realpath(o->source, NULL), *dir = ost_path_dirname(o->output), *out_dir = realpath(dir, NULL);
        size_t n = src ? strlen(src) : 0;
        bool inside = !j->iso_source && src && out_dir && !strncmp(out_dir, src, n) &&
                      (out_dir[n] == '/' || out_dir[n] == 0);
        free(src), free(dir), free(out_dir);
        if (inside)
            return ost_fail(err, OST_ERR_USAGE, "--output %s is inside the media folder %s; write it elsewhere",
                            o->output, o->source);
    }
    char *why = NULL;
    if ((j->iso_source || o->output) && !ost_iso_tools(&why)) {
        ost_status st = ost_fail(err, OST_ERR_UNSUPPORTED, "%s: reading and writing ISOs needs 7zz and xorriso: %s",
                                 o->source, why);
        free(why);
        return st;
    }
    ost_status st = OST_OK;
    struct ost_strlist changed = {0};
    if (!o->driver.dry_run)
        start_hash(j, j->iso_source ? ost_xstrdup(o->source) : find_ci_path(o->source, part_paths[0]),
                   j->iso_source ? NULL : find_ci_path(o->source, part_paths[1]));
    if (j->iso_source) {
        if (!ost_iso_probe(o->source))
            return ost_fail(err, OST_ERR_CORRUPT, "%s: not an ISO image (no ISO 9660 or UDF volume descriptor at "
                            "byte 32769)", o->source);
        struct ost_strlist files = {0};
        st = ost_iso_list(o->source, &files, err);
        const char *rel[2] = {NULL, NULL};
        for (size_t i = 0; st == OST_OK && i < 2; i++)
            rel[i] = listed_ci(&files, part_paths[i]);
        if (st == OST_OK && !rel[0])
            st = ost_fail(err, OST_ERR_CORRUPT, "%s: no sources/install.wim in it%s: not Windows 7 install media",
                          o->source, listed_ci(&files, "sources/install.esd") ? " (it has install.esd, which "
                          "Windows 7 Setup cannot read)" : listed_ci(&files, "sources/install.swm")
                          ? " (it has a split install.swm set: join it first with wimlib-imagex join)" : "");
        if (st == OST_OK)
            st = ost_iso_label(o->source, j->label, sizeof j->label, err);
        if (st == OST_OK)
            j->work = o->driver.dry_run ? ost_scratch_dir_create("media", err) : make_work_beside(o->output, &j->work_lock, err);
        if (st == OST_OK && !j->work)
            st = err->status;
        struct ost_strlist only = {0};
        for (size_t i = 0; st == OST_OK && o->driver.dry_run && i < 2; i++) {
            if (rel[i])
                ost_strlist_add(&only, rel[i]);
            const char *s = listed_ci(&files, store_paths[i]);
            if (s)
                ost_strlist_add(&only, s);
        }
        if (st == OST_OK)
            st = ost_iso_extract(o->source, j->work, o->driver.dry_run ? &only : NULL, err);
        ost_strlist_free(&only);
        ost_strlist_free(&files);
        j->root = j->work ? ost_xstrdup(j->work) : NULL;
    } else {
        char *install = find_ci_path(o->source, part_paths[0]);
        if (!install)
            return ost_fail(err, OST_ERR_USAGE, "%s: no sources\\install.wim in this folder: not Windows 7 install "
                            "media (give the folder that holds sources\\ and boot\\)", o->source);
        free(install);
        for (size_t i = 0; i < 2; i++) {
            char *p = find_ci_path(o->source, part_paths[i]);
            if (p)
                ost_strlist_add_owned(&changed, relative_to(o->source, p));
            free(p);
            p = find_ci_path(o->source, store_paths[i]);
            if (p)
                ost_strlist_add_owned(&changed, relative_to(o->source, p));
            free(p);
        }
        if (o->driver.dry_run) {
            j->root = ost_xstrdup(o->source);
        } else {
            j->work = make_work_beside(o->in_place ? o->source : o->output, &j->work_lock, err);
            st = j->work ? copy_tree(o->source, j->work, "", &changed, 0, err) : err->status;
            j->root = j->work ? ost_xstrdup(j->work) : NULL;
        }
        snprintf(j->label, sizeof j->label, "%s", "");
    }
    ost_strlist_free(&changed);
    if (st != OST_OK)
        return st;
    char *p;
    for (size_t i = 0; i < 2; i++)
        if ((p = find_ci_path(j->root, store_paths[i])) != NULL)
            j->stores[i] = relative_to(j->root, p), free(p);
    if ((p = find_ci_path(j->root, "boot/etfsboot.com")) != NULL)
        j->etfsboot = relative_to(j->root, p), free(p);
    if ((p = find_ci_path(j->root, "efi/microsoft/boot/efisys.bin")) != NULL)
        j->efisys = relative_to(j->root, p), free(p);
    if (!j->label[0])
        snprintf(j->label, sizeof j->label, "%s", "OFFSTAGE_WIN7");
    char *install = find_ci_path(j->root, part_paths[0]), *boot = find_ci_path(j->root, part_paths[1]);
    j->install.rel = install ? relative_to(j->root, install) : NULL;
    j->boot.rel = boot ? relative_to(j->root, boot) : NULL;
    free(install), free(boot);
    if (!j->install.rel)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: sources/install.wim is missing from the media", o->source);
    if (o->install_index)
        st = check_install_index(j, o->install_index, err);
    if (st == OST_OK)
        st = plan_part(j, &j->install, ost_path_join(j->root, j->install.rel),
                       o->install_index ? o->install_index : "all", false, err);
    if (st == OST_OK && j->boot.rel)
        st = plan_part(j, &j->boot, ost_path_join(j->root, j->boot.rel), o->boot_all ? "all" : "2", true, err);
    if (st == OST_OK && o->winre)
        st = plan_winre(j, err);
    else if (st == OST_OK)
        ost_strlist_add(&j->notes, "the media has no sources\\boot.wim: only install.wim is serviced");
    if (st != OST_OK)
        return st;
    j->refused = j->install.job->refused || (j->boot.job && j->boot.job->refused);
    for (size_t i = 0; i < j->nwinre; i++)
        j->refused = j->refused || (j->winre[i].owner && j->winre[i].part.job->refused);
    return OST_OK;
}

/* ---- applying ---------------------------------------------------------- */

/* The package folders given (an INF's folder, or the folder itself), each
 * copied whole into $WinPEDriver$\NAME, where Setup's Windows PE finds
 * them by itself. */
static ost_status write_winpe_drivers(struct ost_media_job *j, struct ost_error *err)
{
    char *top = find_ci_path(j->root, WINPE_DRIVERS);
    if (!top) {
        top = ost_path_join(j->root, WINPE_DRIVERS);
        if (mkdir(top, 0755) != 0) {
            ost_status st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", top, strerror(errno));
            free(top);
            return st;
        }
    }
    ost_status st = OST_OK;
    for (size_t i = 0; st == OST_OK && i < j->opts.driver.drivers.n; i++) {
        const char *given = j->opts.driver.drivers.v[i];
        char *folder = ost_is_dir(given) ? ost_xstrdup(given) : ost_path_dirname(given);
        char *abs = realpath(folder, NULL);
        const char *name = abs ? ost_path_basename(abs) : "";
        char *dest = ost_path_join(top, *name && strcmp(name, "/") ? name : "package");
        struct stat sb;
        if (!abs)
            st = ost_fail(err, OST_ERR_IO, "%s: %s", folder, strerror(errno));
        else if (lstat(dest, &sb) == 0)
            ost_strlist_add_owned(&j->notes, ost_xasprintf("%s\\%s exists already: kept as it is", WINPE_DRIVERS,
                                                           ost_path_basename(dest)));
        else if (mkdir(dest, 0755) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: cannot create: %s", dest, strerror(errno));
        else
            st = copy_tree(abs, dest, "", NULL, 1, err);
        free(folder), free(abs), free(dest);
    }
    free(top);
    return st;
}

static json_t *part_json(const struct ost_media_part *p)
{
    if (!p->job)
        return json_null();
    json_t *images = json_array();
    for (size_t i = 0; i < p->job->nimages; i++) {
        const struct ost_add_driver_image *im = &p->job->images[i];
        json_t *pk = json_array();
        for (size_t k = 0; k < im->plan->npackages; k++) {
            const struct ost_stage_package *sp = &im->plan->packages[k];
            if (sp->action == OST_STAGE_COPY || sp->action == OST_STAGE_PRESENT)
                json_array_append_new(pk, json_pack("{s:s, s:s, s:b}", "inf", ost_path_basename(sp->inf_path),
                                                    "folder", sp->folder, "test_signed", sp->test_sign));
        }
        json_array_append_new(images, json_pack("{s:s, s:o}", "image", im->img->target->name, "packages", pk));
    }
    return json_pack("{s:s, s:o}", "path", p->rel, "images", images);
}

/* offstage-media.json at the media root: what was staged where, from
 * what, by which version, signed by which certificate. */
static ost_status write_manifest(struct ost_media_job *j, struct ost_error *err)
{
    json_t *stores = json_array();
    for (size_t i = 0; i < 2; i++)
        if (j->stores[i])
            json_array_append_new(stores, json_pack("{s:s, s:s, s:b}", "firmware", store_names[i], "path",
                                                    j->stores[i], "testsigning", j->opts.driver.test_sign));
    const struct ost_add_driver_job *any = j->install.job;
    json_t *doc = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:o, s:o, s:b, s:o}", "schema",
                            "offstage.media-manifest/1", "tool", ost_version(), "source", "path", j->opts.source,
                            "kind", j->iso_source ? "iso" : "folder", "sha256", j->source_sha256,
                            "install", part_json(&j->install), "boot", part_json(&j->boot), "boot_stores", stores,
                            "certificate", any && any->signer ? json_string(any->cert.thumbprint) : json_null(),
                            "winpe_driver_folder", j->opts.winpe_driver_folder, "split",
                            ost_json_str(j->split_note));
    if (j->boot_sha256)
        json_object_set_new(json_object_get(doc, "source"), "boot_sha256", json_string(j->boot_sha256));
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(doc);
    char *path = ost_path_join(j->root, MANIFEST_NAME);
    size_t n = strlen(text);
    text = ost_xrealloc(text, n + 2);
    text[n] = '\n', text[n + 1] = 0;
    ost_status st = ost_replace_file(path, text, n + 1, 0644, err);
    free(text), free(path);
    return st;
}

/* install.wim past the limit becomes install.swm, install2.swm, ... */
static ost_status split_if_needed(struct ost_media_job *j, struct ost_error *err)
{
    uint64_t limit = j->opts.split_above ? j->opts.split_above : (j->opts.output ? OST_ISO_MAX_FILE : 0);
    char *wim = ost_path_join(j->root, j->install.rel);
    struct stat sb;
    ost_status st = OST_OK;
    if (limit && stat(wim, &sb) == 0 && (uint64_t)sb.st_size > limit) {
        char *dir = ost_path_dirname(wim), *swm = ost_path_join(dir, "install.swm");
        uint64_t part = limit < SWM_PART_SIZE ? limit : SWM_PART_SIZE;
        st = ost_wim_split(wim, swm, part, err);
        if (st == OST_OK && unlink(wim) != 0)
            st = ost_fail(err, OST_ERR_IO, "%s: %s", wim, strerror(errno));
        if (st == OST_OK)
            j->split_note = ost_xasprintf("install.wim (%llu bytes) is larger than %llu bytes, which an ISO 9660 "
                                          "file holds in one extent: split into sources\\install.swm, "
                                          "install2.swm, ... (parts of at most %llu bytes), which Windows Setup "
                                          "installs from (Microsoft: \"Split a Windows image file (.wim) to span "
                                          "across multiple DVDs\"; not documented for Windows 7 in particular)",
                                          (unsigned long long)sb.st_size, (unsigned long long)limit,
                                          (unsigned long long)part);
        free(dir), free(swm);
    }
    free(wim);
    return st;
}

/* The ISO beside the output, read back (its boot catalog, its files),
 * synced, then renamed into place. */
static ost_status write_iso(struct ost_media_job *j, struct ost_error *err)
{
    /* beside the output under the working copy's unique name: swept with it */
    char *partial = ost_xasprintf("%s.iso", j->work);
    struct ost_iso_boot boot = {.bios = j->etfsboot, .uefi = j->efisys};
    ost_status st = ost_iso_write(j->root, j->label, &boot, partial, err);
    if (st == OST_OK)
        st = ost_iso_boot_report(partial, &j->boot_report, err);
    size_t images = 0;
    for (size_t i = 0; i < j->boot_report.n; i++)
        images += strncmp(j->boot_report.v[i], "El Torito boot img :", 20) == 0;
    if (st == OST_OK && images != (size_t)(!!boot.bios + !!boot.uefi))
        st = ost_fail(err, OST_ERR_IO, "%s: the ISO written has %zu boot entries, not %d", partial, images,
                      !!boot.bios + !!boot.uefi);
    struct ost_strlist files = {0};
    if (st == OST_OK)
        st = ost_iso_list(partial, &files, err);
    if (st == OST_OK && !listed_ci(&files, "sources/install.wim") && !listed_ci(&files, "sources/install.swm"))
        st = ost_fail(err, OST_ERR_IO, "%s: the ISO written has no sources/install.wim", partial);
    ost_strlist_free(&files);
    if (st == OST_OK)
        st = ost_sync_path(partial, err);
    if (st == OST_OK)
        st = ost_rename_into_place(partial, j->opts.output, err);
    if (st != OST_OK)
        unlink(partial);
    free(partial);
    return st;
}

/* The finished copy takes the folder's place in one rename; the old tree
 * is then where the copy was, and removed. */
static ost_status exchange_folder(struct ost_media_job *j, struct ost_error *err)
{
    /* by absolute path: "." cannot be renamed, the folder it names can */
    char *abs = realpath(j->opts.source, NULL);
    if (!abs || renameat2(AT_FDCWD, j->work, AT_FDCWD, abs, RENAME_EXCHANGE) != 0) {
        ost_status st = ost_fail(err, OST_ERR_IO, "%s: cannot put the serviced copy %s in its place: %s; the "
                                 "folder is unchanged", j->opts.source, j->work, strerror(errno));
        free(abs);
        return st;
    }
    char *parent = ost_path_dirname(abs);
    free(abs);
    ost_status st = ost_sync_path(parent, err);
    free(parent);
    return st;
}

static ost_status apply_media(struct ost_media_job *j, struct ost_error *err);

ost_status ost_media_apply(struct ost_media_job *j, struct ost_error *err)
{
    return name_from_source(j, apply_media(j, err), err);
}

static ost_status apply_media(struct ost_media_job *j, struct ost_error *err)
{
    if (j->opts.driver.dry_run || j->refused)
        return OST_OK;
    ost_status st = ost_add_driver_apply(j->install.job, err);
    if (st == OST_OK && j->boot.job)
        st = ost_add_driver_apply(j->boot.job, err);
    if (st != OST_OK)
        return st;
    for (size_t i = 0; st == OST_OK && i < j->nwinre; i++)
        if (j->winre[i].owner)
            st = ost_add_driver_apply(j->winre[i].part.job, err);
    if (st != OST_OK)
        return st;
    ost_media_verdicts(j);
    /* the verdicts have read every image back: the install.wim session of
     * its job is done with before this second write */
    if ((st = put_back_winre(j, err)) != OST_OK)
        return st;
    if (j->opts.winpe_driver_folder && (st = write_winpe_drivers(j, err)) != OST_OK)
        return st;
    if ((st = split_if_needed(j, err)) != OST_OK)
        return st;
    if ((st = finish_hash(j, err)) != OST_OK)
        return st;
    if ((st = write_manifest(j, err)) != OST_OK)
        return st;
    ost_interrupt_defer_begin();
    st = j->opts.output ? write_iso(j, err) : exchange_folder(j, err);
    ost_interrupt_defer_end();
    if (st == OST_OK)
        j->applied = true;
    return st;
}

void ost_media_verdicts(struct ost_media_job *j)
{
    if (j->judged)
        return;
    if (j->install.job)
        ost_add_driver_verdicts(j->install.job);
    if (j->boot.job)
        ost_add_driver_verdicts(j->boot.job);
    for (size_t i = 0; i < j->nwinre; i++)
        if (j->winre[i].owner)
            ost_add_driver_verdicts(j->winre[i].part.job);
    j->judged = true;
}

void ost_media_free(struct ost_media_job *j)
{
    if (!j)
        return;
    finish_hash(j, NULL);
    struct ost_media_part *parts[2] = {&j->install, &j->boot};
    for (size_t i = 0; i < 2; i++) {
        ost_add_driver_free(parts[i]->job);
        free(parts[i]->rel), free(parts[i]->image_path), free(parts[i]->recovery_of);
        ost_strlist_free(&parts[i]->bcd), ost_strlist_free(&parts[i]->bcd_names);
    }
    if (j->work) {
        if (j->iso_source && j->opts.driver.dry_run)
            ost_scratch_dir_remove(j->work);
        else
            ost_rm_rf(j->work);
    }
    if (j->work_lock >= 0)
        close(j->work_lock);
    for (size_t i = 0; i < j->nwinre; i++) {
        ost_add_driver_free(j->winre[i].part.job);
        free(j->winre[i].part.rel), free(j->winre[i].part.image_path), free(j->winre[i].part.recovery_of);
        ost_strlist_free(&j->winre[i].part.bcd), ost_strlist_free(&j->winre[i].part.bcd_names);
    }
    free(j->winre);
    if (j->winre_scratch)
        ost_scratch_dir_remove(j->winre_scratch);
    free(j->winre_scratch);
    free(j->work), free(j->root), free(j->stores[0]), free(j->stores[1]), free(j->etfsboot), free(j->efisys);
    free(j->split_note), free(j->source_sha256), free(j->boot_sha256);
    ost_strlist_free(&j->boot_report);
    ost_strlist_free(&j->notes);
    free(j);
}
