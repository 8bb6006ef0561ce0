/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wim.h"

#include "cimap.h"
#include "fileutil.h"
#include "imagelock.h"
#include "interrupt.h"
#include "iso.h"
#include "scratch.h"
#include "ntfsvol.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wimlib.h>

#define FILE_ATTRIBUTE_DIRECTORY 0x10

static void init_once(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    /* Windows paths inside an image compare without regard to case. */
    wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE);
    wimlib_set_print_errors(false);
}

static ost_status wim_fail(struct ost_error *err, int code, const char *path, const char *what)
{
    ost_status st = OST_ERR_CORRUPT;
    if (code == WIMLIB_ERR_OPEN || code == WIMLIB_ERR_READ || code == WIMLIB_ERR_WRITE || code == WIMLIB_ERR_NOMEM ||
        code == WIMLIB_ERR_MKDIR || code == WIMLIB_ERR_ALREADY_LOCKED || code == WIMLIB_ERR_WIM_IS_READONLY)
        st = OST_ERR_IO;
    const char *hint = code == WIMLIB_ERR_ALREADY_LOCKED ? " (another process is writing this WIM)"
                     : code == WIMLIB_ERR_WIM_IS_READONLY ? " (the file or the WIM is read-only)" : "";
    return ost_fail(err, st, "%s: %s: %s%s", path, what, wimlib_get_error_string((enum wimlib_error_code)code), hint);
}

bool ost_is_wim_file(const char *path)
{
    int fd = ost_open_input(path, 0, NULL);
    char magic[8] = {0};
    if (fd < 0)
        return false;
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == 8 && (!memcmp(magic, "MSWIM\0\0\0", 8) || !memcmp(magic, "WLPWM\0\0\0", 8));
}

/* ---- information -------------------------------------------------------------- */

static char *prop(WIMStruct *w, int image, const char *name)
{
    const char *v = wimlib_get_image_property(w, image, name);
    return v ? ost_xstrdup(v) : NULL;
}

static uint64_t prop_u64(WIMStruct *w, int image, const char *name)
{
    const char *v = wimlib_get_image_property(w, image, name);
    return v ? strtoull(v, NULL, 10) : 0;
}

static char *arch_name(const char *code)
{
    if (!code)
        return NULL;
    switch (atoi(code)) {
    case 0: return ost_xstrdup("x86");
    case 5: return ost_xstrdup("arm");
    case 6: return ost_xstrdup("ia64");
    case 9: return ost_xstrdup("amd64");
    case 12: return ost_xstrdup("arm64");
    default: return ost_xasprintf("unknown (%s)", code);
    }
}

static int note_packed(const struct wimlib_resource_entry *r, void *ctx)
{
    if (r->packed)
        *(bool *)ctx = true;
    return 0;
}

static void fill_image(WIMStruct *w, int i, struct ost_wim_image_info *im)
{
    im->index = i;
    im->name = prop(w, i, "NAME");
    im->description = prop(w, i, "DESCRIPTION");
    im->edition = prop(w, i, "WINDOWS/EDITIONID");
    im->product_name = prop(w, i, "WINDOWS/PRODUCTNAME");
    char *code = prop(w, i, "WINDOWS/ARCH");
    im->arch = arch_name(code);
    free(code);
    const char *major = wimlib_get_image_property(w, i, "WINDOWS/VERSION/MAJOR");
    if (major)
        im->version = ost_xasprintf("%s.%s.%s.%s", major, wimlib_get_image_property(w, i, "WINDOWS/VERSION/MINOR") ?: "0",
                                    wimlib_get_image_property(w, i, "WINDOWS/VERSION/BUILD") ?: "0",
                                    wimlib_get_image_property(w, i, "WINDOWS/VERSION/SPBUILD") ?: "0");
    im->file_count = prop_u64(w, i, "FILECOUNT");
    im->dir_count = prop_u64(w, i, "DIRCOUNT");
    im->total_bytes = prop_u64(w, i, "TOTALBYTES");
}

/* FOLDER/sources/NAME as the folder spells it (Windows media are read
 * case-insensitively), or NULL. */
static char *media_wim(const char *folder, const char *name)
{
    char *sources = ost_find_ci(folder, "sources");
    char *wim = sources ? ost_find_ci(sources, name) : NULL;
    free(sources);
    return wim;
}

ost_status ost_wim_refuse_media(const char *path, struct ost_error *err)
{
    if (ost_is_dir(path)) {
        char *windows = ost_find_ci(path, "Windows");
        char *install = windows ? NULL : media_wim(path, "install.wim");
        char *boot = windows ? NULL : media_wim(path, "boot.wim");
        free(windows);
        if (!install && !boot)
            return OST_OK;
        struct ost_buf b = {0};
        ost_buf_addf(&b, "%s is Windows install media, not an installed Windows or a WIM: use", path);
        if (install)
            ost_buf_addf(&b, " %s with --index N for an edition (`offstage wim-info %s` lists them)%s", install,
                         install, boot ? " or" : "");
        if (boot)
            ost_buf_addf(&b, " %s with --index 2 for Setup", boot);
        ost_buf_addf(&b, "; `offstage media %s` services the whole media (install.wim and boot.wim together)", path);
        char *msg = ost_buf_steal(&b);
        ost_status st = ost_fail(err, OST_ERR_USAGE, "%s", msg);
        free(msg);
        free(install);
        free(boot);
        return st;
    }
    if (!ost_is_regular_file(path) || !ost_iso_probe(path))
        return OST_OK;
    return ost_fail(err, OST_ERR_USAGE, "%s is an ISO (Windows install media), not a WIM or an installed Windows: "
                    "its WIMs are sources/install.wim (give it with --index N, the edition) and sources/boot.wim "
                    "(--index 2, Setup), taken out with `7zz x %s sources/install.wim sources/boot.wim`; "
                    "`offstage media %s` services the whole media", path, path, path);
}

ost_status ost_wim_info(const char *path, struct ost_wim_info *out, struct ost_error *err)
{
    init_once();
    memset(out, 0, sizeof *out);
    WIMStruct *w;
    if (ost_is_dir(path) && ost_wim_refuse_media(path, err) != OST_OK)
        return err->status;
    if (ost_is_dir(path))
        return ost_fail(err, OST_ERR_USAGE, "%s is a folder; wim-info reads a WIM file (such as sources/install.wim "
                        "or sources/boot.wim of install media); the Windows applied in a folder is read with "
                        "`offstage get-drivers --image %s`", path, path);
    if (ost_check_input_file(path, err) != OST_OK)
        return OST_ERR_IO;
    int r = wimlib_open_wim(path, 0, &w);
    if (r && ost_wim_refuse_media(path, err) != OST_OK)
        return err->status;
    if (r)
        return wim_fail(err, r, path, "cannot open WIM");
    struct wimlib_wim_info wi;
    wimlib_get_wim_info(w, &wi);
    out->path = ost_xstrdup(path);
    out->image_count = wi.image_count;
    out->boot_index = wi.boot_index;
    out->chunk_size = wi.chunk_size;
    out->wim_version = wi.wim_version;
    out->part_number = wi.part_number;
    out->total_parts = wi.total_parts;
    out->compression = wimlib_get_compression_type_string((enum wimlib_compression_type)wi.compression_type);
    out->integrity = wi.has_integrity_table;
    out->readonly_flag = wi.is_marked_readonly;
    out->total_bytes = wi.total_bytes;
    wimlib_iterate_lookup_table(w, 0, note_packed, &out->solid);
    out->images = ost_xcalloc(wi.image_count ? wi.image_count : 1, sizeof *out->images);
    for (uint32_t i = 0; i < wi.image_count; i++)
        fill_image(w, (int)i + 1, &out->images[i]);
    wimlib_free(w);
    return OST_OK;
}

void ost_wim_info_free(struct ost_wim_info *info)
{
    for (uint32_t i = 0; info->images && i < info->image_count; i++) {
        struct ost_wim_image_info *im = &info->images[i];
        free(im->name), free(im->description), free(im->edition), free(im->product_name), free(im->arch);
        free(im->version);
    }
    free(info->images);
    free(info->path);
    memset(info, 0, sizeof *info);
}

/* ---- session -------------------------------------------------------------------- */

struct ost_wim_session {
    WIMStruct *wim;
    struct ost_imagelock *lock;
    char *path;
    bool writable, changed;
    int check_integrity;
    ost_progress_fn progress;
    void *progress_ctx;
    unsigned level;
    /* Files already extracted, by content hash: editions share most of
     * them (SYSTEM often), so each is extracted once per command. */
    struct ost_cimap extracted; /* hex SHA-1 → local path */
    char *cache_dir;
};

void ost_wim_session_set_level(struct ost_wim_session *s, unsigned level)
{
    s->level = level ? level : OST_WIM_DEFAULT_LEVEL;
}

static enum wimlib_progress_status on_progress(enum wimlib_progress_msg msg, union wimlib_progress_info *info,
                                               void *ctx)
{
    struct ost_wim_session *s = ctx;
    if (s->progress && msg == WIMLIB_PROGRESS_MSG_WRITE_STREAMS)
        s->progress(s->progress_ctx, "writing", info->write_streams.completed_bytes, info->write_streams.total_bytes);
    return WIMLIB_PROGRESS_STATUS_CONTINUE;
}

void ost_wim_session_set_progress(struct ost_wim_session *s, ost_progress_fn fn, void *ctx)
{
    s->progress = fn;
    s->progress_ctx = ctx;
    wimlib_register_progress_function(s->wim, fn ? on_progress : NULL, fn ? s : NULL);
}

ost_status ost_wim_session_open(const char *path, bool writable, struct ost_wim_session **out, struct ost_error *err)
{
    init_once();
    *out = NULL;
    WIMStruct *w;
    if (ost_check_input_file(path, err) != OST_OK)
        return OST_ERR_IO;
    struct ost_imagelock *lock = NULL;
    ost_scratch_sweep();
    /* Locked before libwim reads the header: a second writer must not build
     * its update on the WIM as it was before the first one's write. */
    if (ost_is_regular_file(path) && (access(path, writable ? W_OK : R_OK) == 0) &&
        ost_imagelock_file(path, writable, &lock, err) != OST_OK)
        return err ? err->status : OST_ERR_IO;
    int r = wimlib_open_wim(path, writable ? WIMLIB_OPEN_FLAG_WRITE_ACCESS : 0, &w);
    if (r)
        ost_imagelock_release(lock);
    if (r == WIMLIB_ERR_WIM_IS_READONLY || (r == WIMLIB_ERR_OPEN && writable && access(path, W_OK) != 0 && errno == EACCES))
        return ost_fail(err, OST_ERR_IO, "%s: the WIM is read-only (a read-only file, the read-only header flag, or "
                        "a split WIM); nothing was changed. Copy it somewhere writable, or for a split WIM join it "
                        "first: wimlib-imagex join joined.wim %s ...", path, path);
    if (r)
        return wim_fail(err, r, path, "cannot open WIM");
    struct wimlib_wim_info wi;
    wimlib_get_wim_info(w, &wi);
    bool solid = false;
    wimlib_iterate_lookup_table(w, 0, note_packed, &solid);
    if (writable && (wi.total_parts > 1 || solid || wi.compression_type == WIMLIB_COMPRESSION_TYPE_LZMS)) {
        wimlib_free(w);
        ost_imagelock_release(lock);
        return ost_fail(err, OST_ERR_UNSUPPORTED,
                        "%s: %s cannot be serviced in place. Convert it first: wimlib-imagex export %s all "
                        "converted.wim --compress=LZX%s", path,
                        wi.total_parts > 1 ? "a split WIM" : "a solid (ESD, LZMS) archive", path,
                        wi.total_parts > 1 ? " --ref='PART*.swm' (or wimlib-imagex join)" : "");
    }
    struct ost_wim_session *s = ost_xcalloc(1, sizeof *s);
    s->wim = w;
    s->lock = lock;
    s->path = ost_xstrdup(path);
    s->writable = writable;
    s->check_integrity = wi.has_integrity_table;
    *out = s;
    return OST_OK;
}

int ost_wim_session_image_count(const struct ost_wim_session *s)
{
    struct wimlib_wim_info wi;
    wimlib_get_wim_info(s->wim, &wi);
    return (int)wi.image_count;
}

static char *list_images(struct ost_wim_session *s)
{
    struct ost_buf b = {0};
    int n = ost_wim_session_image_count(s);
    for (int i = 1; i <= n; i++) {
        const char *name = wimlib_get_image_name(s->wim, i);
        ost_buf_addf(&b, "\n  %d  %s", i, name && name[0] ? name : "(no name)");
    }
    return ost_buf_steal(&b);
}

static ost_status no_such_image(struct ost_wim_session *s, struct ost_error *err)
{
    char *list = list_images(s);
    int count = ost_wim_session_image_count(s);
    ost_status st = ost_fail(err, OST_ERR_USAGE, "%s holds %d image%s; choose with --index N, a list such as "
                             "--index 1,3, or --index all:%s", s->path, count, count == 1 ? "" : "s", list);
    free(list);
    return st;
}

ost_status ost_wim_index_parse(const char *index, int count, int **images, size_t *n, struct ost_error *err)
{
    return ost_wim_option_index_parse("--index", index, count, images, n, err);
}

ost_status ost_wim_option_index_parse(const char *option, const char *index, int count, int **images, size_t *n,
                                      struct ost_error *err)
{
    *images = NULL;
    *n = 0;
    if (ost_streq_ci(index, "all")) {
        *images = ost_xcalloc((size_t)(count > 0 ? count : 1), sizeof **images);
        for (int i = 1; i <= count; i++)
            (*images)[(*n)++] = i;
        return OST_OK;
    }
    size_t parts = 1;
    for (const char *c = index; *c; c++)
        parts += *c == ',';
    *images = ost_xcalloc(parts, sizeof **images);
    ost_status st = OST_OK;
    for (const char *p = index; st == OST_OK;) {
        const char *comma = strchr(p, ',');
        char *part = ost_xstrndup(p, comma ? (size_t)(comma - p) : strlen(p));
        uint64_t v;
        if (!ost_parse_uint(part, 1, UINT64_MAX, &v))
            st = ost_fail(err, OST_ERR_USAGE, "%s %s: '%s' is not an image number; give N (1 to %d), a list "
                          "such as 1,3, or all", option, index, part, count);
        else if (v > (uint64_t)count)
            st = count == 1 ? ost_fail(err, OST_ERR_USAGE, "%s %s: no image %s; the only image is 1", option, index,
                                       part)
                            : ost_fail(err, OST_ERR_USAGE, "%s %s: no image %s; the images are 1 to %d", option,
                                       index, part, count);
        for (size_t i = 0; st == OST_OK && i < *n; i++)
            if ((*images)[i] == (int)v)
                st = ost_fail(err, OST_ERR_USAGE, "%s %s: image %s is named twice", option, index, part);
        if (st == OST_OK)
            (*images)[(*n)++] = (int)v;
        free(part);
        if (!comma)
            break;
        p = comma + 1;
    }
    if (st != OST_OK) {
        free(*images);
        *images = NULL;
        *n = 0;
    }
    return st;
}

ost_status ost_wim_session_resolve(struct ost_wim_session *s, const char *index, int **images, size_t *n,
                                   struct ost_error *err)
{
    return ost_wim_session_resolve_option(s, "--index", index, images, n, err);
}

ost_status ost_wim_session_resolve_option(struct ost_wim_session *s, const char *option, const char *index,
                                          int **images, size_t *n, struct ost_error *err)
{
    int count = ost_wim_session_image_count(s);
    *images = NULL;
    *n = 0;
    if (count == 0)
        return ost_fail(err, OST_ERR_CORRUPT, "%s: the WIM holds no image", s->path);
    if (!index && count == 1)
        index = "1";
    if (!index)
        return no_such_image(s, err);
    ost_status st = ost_wim_option_index_parse(option, index, count, images, n, err);
    if (st == OST_OK)
        return st;
    char *why = ost_xstrdup(err->message), *list = list_images(s);
    ost_fail(err, st, "%s: %s; it holds:%s", s->path, why, list);
    free(why);
    free(list);
    return st;
}

ost_status ost_wim_session_commit(struct ost_wim_session *s, struct ost_error *err)
{
    if (!s->changed)
        return OST_OK;
    int flags = s->check_integrity ? WIMLIB_WRITE_FLAG_CHECK_INTEGRITY : 0;
    struct wimlib_wim_info wi;
    wimlib_get_wim_info(s->wim, &wi);
    wimlib_set_default_compression_level(wi.compression_type, s->level ? s->level : OST_WIM_DEFAULT_LEVEL);
    int r = wimlib_overwrite(s->wim, flags, 0);
    if (r)
        return wim_fail(err, r, s->path, "cannot write the WIM (it is unchanged)");
    ost_interrupt_note_written();
    s->changed = false;
    return OST_OK;
}

void ost_wim_session_close(struct ost_wim_session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->extracted.size; i++)
        free(s->extracted.slots[i].value);
    ost_cimap_free(&s->extracted);
    if (s->cache_dir) {
        ost_scratch_dir_remove(s->cache_dir);
        free(s->cache_dir);
    }
    wimlib_free(s->wim);
    ost_imagelock_release(s->lock);
    free(s->path);
    free(s);
}

/* ---- one image as a target -------------------------------------------------------- */

struct wim_target {
    struct ost_target base;
    struct ost_wim_session *s;
    int image;
    struct wimlib_update_command *cmds;
    size_t ncmds, cap;
};

static char *wim_path(const char *path)
{
    char *p = ost_xasprintf("/%s", path);
    for (char *c = p; *c; c++)
        if (*c == '\\')
            *c = '/';
    return p;
}

struct stat_ctx {
    int kind;
    struct ost_strlist *names;
    char hash[41]; /* of the unnamed data stream, "" if none */
    uint64_t size; /* of that stream */
};

static int stat_cb(const struct wimlib_dir_entry *d, void *ctx)
{
    struct stat_ctx *c = ctx;
    if (c->names) {
        ost_strlist_add(c->names, d->filename);
        return 0;
    }
    c->kind = (d->attributes & FILE_ATTRIBUTE_DIRECTORY) ? 2 : 1;
    for (uint32_t i = 0; i <= d->num_named_streams; i++) {
        if (d->streams[i].stream_name)
            continue;
        for (int k = 0; k < 20; k++)
            snprintf(c->hash + 2 * k, 3, "%02x", d->streams[i].resource.sha1_hash[k]);
        c->size = d->streams[i].resource.uncompressed_size;
    }
    return 0;
}

static int wim_stat(struct ost_target *t, const char *path)
{
    struct wim_target *w = (struct wim_target *)t;
    char *p = wim_path(path);
    struct stat_ctx c = {0};
    int r = wimlib_iterate_dir_tree(w->s->wim, w->image, p, 0, stat_cb, &c);
    free(p);
    return r ? 0 : c.kind;
}

static ost_status wim_list(struct ost_target *t, const char *path, struct ost_strlist *names, struct ost_error *err)
{
    struct wim_target *w = (struct wim_target *)t;
    char *p = wim_path(path);
    struct stat_ctx c = {.names = names};
    int r = wimlib_iterate_dir_tree(w->s->wim, w->image, p, WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN, stat_cb, &c);
    free(p);
    return r ? wim_fail(err, r, t->name, path) : OST_OK;
}

static ost_status session_cache_dir(struct ost_wim_session *s, const char **dir, struct ost_error *err)
{
    if (!s->cache_dir)
        s->cache_dir = ost_scratch_dir_create("wim", err);
    *dir = s->cache_dir;
    return s->cache_dir ? OST_OK : err ? err->status : OST_ERR_IO;
}

/* Extracts one file (once per content) into the session's cache; returns
 * its local path, which the caller must not change. */
static ost_status wim_local_path(struct ost_target *t, const char *path, uint64_t max_size, char **local,
                                 struct ost_error *err)
{
    struct wim_target *w = (struct wim_target *)t;
    *local = NULL;
    char *p0 = wim_path(path);
    struct stat_ctx sc = {0};
    int found = wimlib_iterate_dir_tree(w->s->wim, w->image, p0, 0, stat_cb, &sc);
    free(p0);
    if (found != 0 || sc.kind != 1)
        return ost_fail(err, OST_ERR_IO, "%s: %s does not exist in the image", t->name, path);
    if (sc.size > max_size)
        return ost_fail(err, OST_ERR_LIMIT, "%s: %s is %llu bytes; the limit for this kind of file is %llu, so it "
                        "is refused before it is extracted", t->name, path, (unsigned long long)sc.size,
                        (unsigned long long)max_size);
    const char *cached = sc.hash[0] ? ost_cimap_get(&w->s->extracted, sc.hash) : NULL;
    if (cached) {
        *local = ost_xstrdup(cached);
        return OST_OK;
    }
    const char *cache;
    ost_status made = session_cache_dir(w->s, &cache, err);
    if (made != OST_OK)
        return made;
    static unsigned counter;
    char *dir = ost_xasprintf("%s/%u", cache, ++counter);
    if (mkdir(dir, 0700) != 0) {
        made = ost_fail(err, OST_ERR_IO, "%s: cannot create the temporary folder %s: %s", t->name, dir,
                        strerror(errno));
        free(dir);
        return made;
    }
    char *p = wim_path(path);
    const char *paths[] = {p};
    int r = wimlib_extract_paths(w->s->wim, w->image, dir, paths, 1,
                                 WIMLIB_EXTRACT_FLAG_NO_PRESERVE_DIR_STRUCTURE | WIMLIB_EXTRACT_FLAG_NO_ACLS);
    ost_status st = r ? wim_fail(err, r, t->name, path) : OST_OK;
    if (st == OST_OK) {
        const char *base = strrchr(p, '/') + 1;
        *local = ost_find_ci(dir, base);
        if (!*local)
            st = ost_fail(err, OST_ERR_IO, "%s: %s was not extracted", t->name, path);
        else if (sc.hash[0])
            ost_cimap_put(&w->s->extracted, sc.hash, ost_xstrdup(*local));
    }
    free(p);
    free(dir);
    return st;
}

static ost_status wim_read_file(struct ost_target *t, const char *path, size_t max, uint8_t **data, size_t *size,
                                struct ost_error *err)
{
    char *local;
    ost_status st = wim_local_path(t, path, max, &local, err);
    if (st == OST_OK)
        st = ost_read_file(local, max, data, size, err);
    free(local);
    return st;
}

static struct wimlib_update_command *new_cmd(struct wim_target *w)
{
    ost_grow(&w->cmds, &w->cap, w->ncmds + 1, sizeof *w->cmds);
    struct wimlib_update_command *c = &w->cmds[w->ncmds++];
    memset(c, 0, sizeof *c);
    return c;
}

struct times_ctx {
    bool found;
    struct timespec access, write;
    /* for the NTFS route */
    char *sd;
    size_t sd_size;
    uint32_t attributes;
    uint64_t ft_creation, ft_write, ft_access;
};

static uint64_t filetime(int64_t sec, int32_t nsec)
{
    return (uint64_t)(sec + 11644473600LL) * 10000000u + (uint64_t)nsec / 100u;
}

static int64_t full_seconds(struct wimlib_timespec t, int32_t high)
{
    return (int64_t)(uint32_t)t.tv_sec | (int64_t)high << 32;
}

static int times_cb(const struct wimlib_dir_entry *d, void *ctx)
{
    struct times_ctx *c = ctx;
    c->found = true;
    c->access = (struct timespec){(time_t)full_seconds(d->last_access_time, d->last_access_time_high),
                                  d->last_access_time.tv_nsec};
    c->write = (struct timespec){(time_t)full_seconds(d->last_write_time, d->last_write_time_high),
                                 d->last_write_time.tv_nsec};
    c->attributes = d->attributes;
    c->ft_creation = filetime(full_seconds(d->creation_time, d->creation_time_high), d->creation_time.tv_nsec);
    c->ft_write = filetime(c->write.tv_sec, (int32_t)c->write.tv_nsec);
    c->ft_access = filetime(c->access.tv_sec, (int32_t)c->access.tv_nsec);
    if (d->security_descriptor && d->security_descriptor_size) {
        c->sd = ost_xmalloc(d->security_descriptor_size);
        memcpy(c->sd, d->security_descriptor, d->security_descriptor_size);
        c->sd_size = d->security_descriptor_size;
    }
    return 0;
}

static void add_ntfs_cmd(struct wim_target *w, const char *wpath, char *volume)
{
    const char *base = strrchr(wpath, '/') + 1;
    struct wimlib_update_command *cmd = new_cmd(w);
    cmd->op = WIMLIB_UPDATE_OP_ADD;
    cmd->add.fs_source_path = volume;
    cmd->add.wim_target_path = ost_xstrndup(wpath, (size_t)(base - 1 - wpath));
    cmd->add.add_flags = WIMLIB_ADD_FLAG_NTFS;
}

static struct ost_ntfs_file_meta ntfs_meta(const struct times_ctx *c)
{
    return (struct ost_ntfs_file_meta){c->sd, c->sd_size, c->attributes, c->ft_creation, c->ft_write, c->ft_access};
}

/* The replacement of an entry that has a Windows security descriptor goes
 * through a one-file NTFS volume carrying the original's descriptor,
 * attributes and times (ntfsvol.h); any other goes straight from the local
 * file, which gets the original's times, the part of the metadata libwim
 * takes from a Linux file. */
/* The metadata of the entry a write replaces (c->found false when new). */
static void look_up_original(struct wim_target *w, const char *wpath, struct times_ctx *c)
{
    *c = (struct times_ctx){0};
    if (wimlib_iterate_dir_tree(w->s->wim, w->image, wpath, 0, times_cb, c) != 0)
        c->found = false;
}

static bool needs_ntfs_route(const struct times_ctx *c)
{
    return c->found && c->sd && ost_ntfs_available();
}

static ost_status add_replacement(struct wim_target *w, const char *wpath, const struct times_ctx *c,
                                  const char *local, struct ost_error *err)
{
    ost_status st = OST_OK;
    if (needs_ntfs_route(c)) {
        char *volume = NULL;
        struct ost_ntfs_file_meta meta = ntfs_meta(c);
        st = ost_target_scratch_file(&w->base, "ntfs", &volume, err);
        if (st == OST_OK)
            st = ost_ntfs_volume_with_file(volume, strrchr(wpath, '/') + 1, local, &meta, err);
        if (st == OST_OK)
            add_ntfs_cmd(w, wpath, volume);
        else
            free(volume);
    } else {
        if (c->found) {
            struct timespec ts[2] = {c->access, c->write};
            utimensat(AT_FDCWD, local, ts, 0);
        }
        struct wimlib_update_command *cmd = new_cmd(w);
        cmd->op = WIMLIB_UPDATE_OP_ADD;
        cmd->add.fs_source_path = ost_xstrdup(local);
        cmd->add.wim_target_path = ost_xstrdup(wpath);
        cmd->add.add_flags = WIMLIB_ADD_FLAG_NO_ACLS;
    }
    return st;
}

static ost_status wim_write_file(struct ost_target *t, const char *path, const char *source, struct ost_error *err)
{
    struct wim_target *w = (struct wim_target *)t;
    /* Keep our own reference: the caller's source may be a temporary. A
     * hard link costs nothing; a copy is the fallback across file systems. */
    char *copy;
    ost_status made = ost_target_scratch_file(t, "add", &copy, err);
    if (made != OST_OK)
        return made;
    if (link(source, copy) != 0) {
        ost_status st = ost_copy_file(source, copy, err);
        if (st != OST_OK) {
            free(copy);
            return st;
        }
    }
    char *wpath = wim_path(path);
    struct times_ctx c;
    look_up_original(w, wpath, &c);
    ost_status st = add_replacement(w, wpath, &c, copy, err);
    free(c.sd);
    free(wpath);
    free(copy);
    return st;
}

struct volume_filler {
    const char *volume, *name, *label;
    uint64_t capacity;
    int fd;
    const struct ost_ntfs_file_meta *meta;
    struct ost_error err;
    ost_status st;
};

static void *fill_volume(void *arg)
{
    struct volume_filler *f = arg;
    f->st = ost_ntfs_volume_from_fd(f->volume, f->name, f->capacity, f->fd, f->label, f->meta, &f->err);
    return NULL;
}

/* Produces the bytes straight into the NTFS volume through a pipe, saving
 * the temporary copy of a hive (tens of megabytes per image). */
static bool produce_into_volume(const char *volume, const char *name, const struct ost_producer *p,
                                const struct ost_ntfs_file_meta *meta)
{
    int fds[2];
    if (p->size_hint == 0 || pipe(fds) != 0)
        return false;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    struct volume_filler f = {volume, name, name, p->size_hint, fds[0], meta, {0}, OST_OK};
    pthread_t thread;
    if (pthread_create(&thread, NULL, fill_volume, &f) != 0) {
        close(fds[0]), close(fds[1]);
        return false;
    }
    char dest[64];
    snprintf(dest, sizeof dest, "/proc/self/fd/%d", fds[1]);
    struct ost_error ignored = {0};
    ost_status st = p->produce(dest, p->ctx, &ignored);
    close(fds[1]);
    pthread_join(thread, NULL);
    close(fds[0]);
    return st == OST_OK && f.st == OST_OK;
}

static ost_status wim_write_produced(struct ost_target *t, const char *path, const struct ost_producer *p,
                                     struct ost_error *err)
{
    struct wim_target *w = (struct wim_target *)t;
    char *wpath = wim_path(path);
    struct times_ctx c;
    look_up_original(w, wpath, &c);
    ost_status st = OST_OK;
    bool done = false;
    if (needs_ntfs_route(&c)) {
        char *volume = NULL;
        struct ost_ntfs_file_meta meta = ntfs_meta(&c);
        st = ost_target_scratch_file(t, "ntfs", &volume, err);
        done = st == OST_OK && produce_into_volume(volume, strrchr(wpath, '/') + 1, p, &meta);
        if (done)
            add_ntfs_cmd(w, wpath, volume);
        else
            free(volume);
    }
    /* Otherwise, or if the pipe failed (no /proc, an estimate too small),
     * the bytes go through a scratch file: producing is repeatable. */
    if (!done && st == OST_OK) {
        char *tmp = NULL;
        st = ost_target_scratch_file(t, "produced", &tmp, err);
        if (st == OST_OK)
            st = p->produce(tmp, p->ctx, err);
        if (st == OST_OK)
            st = add_replacement(w, wpath, &c, tmp, err);
        free(tmp);
    }
    free(c.sd);
    free(wpath);
    return st;
}

static ost_status wim_remove(struct ost_target *t, const char *path, int flags)
{
    struct wimlib_update_command *c = new_cmd((struct wim_target *)t);
    c->op = WIMLIB_UPDATE_OP_DELETE;
    c->delete_.wim_path = wim_path(path);
    c->delete_.delete_flags = flags;
    return OST_OK;
}

static ost_status wim_remove_file(struct ost_target *t, const char *path, struct ost_error *err)
{
    (void)err;
    return wim_remove(t, path, WIMLIB_DELETE_FLAG_FORCE);
}

static ost_status wim_remove_dir(struct ost_target *t, const char *path, struct ost_error *err)
{
    (void)err;
    /* Only folders offstage created are removed, and only once emptied. */
    return wim_remove(t, path, WIMLIB_DELETE_FLAG_FORCE | WIMLIB_DELETE_FLAG_RECURSIVE);
}

static void free_cmds(struct wim_target *w)
{
    for (size_t i = 0; i < w->ncmds; i++) {
        struct wimlib_update_command *c = &w->cmds[i];
        if (c->op == WIMLIB_UPDATE_OP_ADD)
            free(c->add.fs_source_path), free(c->add.wim_target_path);
        else if (c->op == WIMLIB_UPDATE_OP_DELETE)
            free(c->delete_.wim_path);
    }
    free(w->cmds);
    w->cmds = NULL;
    w->ncmds = w->cap = 0;
}

/* XML properties libwim may re-derive from the image's files when a hive
 * changes; one it cannot derive again (e.g. ARCH without kernel32.dll) is
 * put back as it was, so that names, editions and architecture survive. */
static const char *const kept_properties[] = {
    "NAME", "DESCRIPTION", "DISPLAYNAME", "DISPLAYDESCRIPTION", "FLAGS",
    "WINDOWS/ARCH", "WINDOWS/PRODUCTNAME", "WINDOWS/EDITIONID", "WINDOWS/INSTALLATIONTYPE",
    "WINDOWS/HAL", "WINDOWS/PRODUCTTYPE", "WINDOWS/PRODUCTSUITE", "WINDOWS/SYSTEMROOT",
    "WINDOWS/LANGUAGES/LANGUAGE", "WINDOWS/LANGUAGES/DEFAULT",
    "WINDOWS/VERSION/MAJOR", "WINDOWS/VERSION/MINOR", "WINDOWS/VERSION/BUILD",
    "WINDOWS/VERSION/SPBUILD", "WINDOWS/VERSION/SPLEVEL",
};
#define N_KEPT (sizeof kept_properties / sizeof kept_properties[0])

static void restore_lost_properties(WIMStruct *wim, int image, char *const *before)
{
    for (size_t i = 0; i < N_KEPT; i++)
        if (before[i] && !wimlib_get_image_property(wim, image, kept_properties[i]))
            wimlib_set_image_property(wim, image, kept_properties[i], before[i]);
}

/* Applies the staged commands in order. An addition from an NTFS volume
 * goes in a wimlib_update_image call of its own: libwim 1.13 mixes up the
 * contents of two NTFS volumes added in one call (both files sit at the
 * same MFT record), while separate calls are right. */
static int apply_cmds(struct wim_target *w)
{
    size_t start = 0;
    for (size_t i = 0; i <= w->ncmds; i++) {
        bool ntfs = i < w->ncmds && w->cmds[i].op == WIMLIB_UPDATE_OP_ADD &&
                    (w->cmds[i].add.add_flags & WIMLIB_ADD_FLAG_NTFS);
        if (i < w->ncmds && !ntfs)
            continue;
        int r = i > start ? wimlib_update_image(w->s->wim, w->image, w->cmds + start, i - start, 0) : 0;
        if (!r && ntfs)
            r = wimlib_update_image(w->s->wim, w->image, w->cmds + i, 1, 0);
        if (r)
            return r;
        start = i + 1;
    }
    return 0;
}

static ost_status wim_commit(struct ost_target *t, struct ost_error *err)
{
    struct wim_target *w = (struct wim_target *)t;
    if (!w->ncmds)
        return OST_OK;
    char *before[N_KEPT];
    for (size_t i = 0; i < N_KEPT; i++)
        before[i] = prop(w->s->wim, w->image, kept_properties[i]);
    int r = apply_cmds(w);
    free_cmds(w);
    if (!r)
        restore_lost_properties(w->s->wim, w->image, before);
    for (size_t i = 0; i < N_KEPT; i++)
        free(before[i]);
    if (r)
        return wim_fail(err, r, t->name, "cannot update the image");
    w->s->changed = true;
    return OST_OK;
}

static void wim_close(struct ost_target *t)
{
    struct wim_target *w = (struct wim_target *)t;
    free_cmds(w);
    free(w->base.name);
    free(w);
}

static const struct ost_target_ops wim_ops = {
    .kind = "wim",
    .read_file = wim_read_file,
    .stat = wim_stat,
    .list_dir = wim_list,
    .local_path = wim_local_path,
    .write_file = wim_write_file,
    .write_produced = wim_write_produced,
    .remove_file = wim_remove_file,
    .remove_dir = wim_remove_dir,
    .commit = wim_commit,
    .close = wim_close,
};

ost_status ost_wim_target(struct ost_wim_session *s, int image, struct ost_target **out, struct ost_error *err)
{
    *out = NULL;
    if (image < 1 || image > ost_wim_session_image_count(s))
        return ost_fail(err, OST_ERR_USAGE, "%s: no image %d", s->path, image);
    struct wim_target *w = ost_xcalloc(1, sizeof *w);
    w->base.ops = &wim_ops;
    w->base.name = ost_xasprintf("%s:%d", s->path, image);
    w->base.wim_index = image;
    w->base.writable = s->writable;
    w->s = s;
    w->image = image;
    *out = &w->base;
    return OST_OK;
}

ost_status ost_wim_split(const char *path, const char *swm, uint64_t part_size, struct ost_error *err)
{
    wimlib_global_init(WIMLIB_INIT_FLAG_DEFAULT_CASE_INSENSITIVE);
    WIMStruct *w = NULL;
    int r = wimlib_open_wim(path, 0, &w);
    if (r == 0)
        r = wimlib_split(w, swm, part_size, 0);
    wimlib_free(w);
    if (r != 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot split it into %s: %s", path, swm,
                        wimlib_get_error_string((enum wimlib_error_code)r));
    return OST_OK;
}
