/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "qemuimg.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "run.h"
#include "util.h"

const char *ost_qemu_tool_path(const char *tool)
{
    static char found[2][PATH_MAX];
    int slot = strcmp(tool, "qemu-nbd") == 0;
    if (found[slot][0])
        return found[slot];
    char *p = ost_find_program(tool, "/usr/bin:/bin");
    const char *result = NULL;
    if (p && strlen(p) < PATH_MAX) {
        memcpy(found[slot], p, strlen(p) + 1);
        result = found[slot];
    }
    free(p);
    return result;
}

bool ost_qemu_available(void)
{
    return ost_qemu_tool_path("qemu-img") && ost_qemu_tool_path("qemu-nbd");
}

char **ost_qemu_environment(size_t extra)
{
    /* qemu's messages are matched in English; a socket-activation request
     * is only ever the one this library makes */
    static const char *const drop[] = {"LISTEN_", NULL}, *const add[] = {"LC_ALL=C", NULL};
    return ost_run_environment(drop, add, extra);
}

const char *ost_qemu_filename(const char *path, char **owned)
{
    *owned = NULL;
    /* qemu reads "PREFIX:rest" as a protocol ("nbd:", "json:") when the
     * colon comes before any slash; a leading "./" keeps it a file name */
    const char *colon = strchr(path, ':');
    const char *slash = strchr(path, '/');
    if (path[0] != '/' && colon && (!slash || colon < slash)) {
        *owned = ost_xasprintf("./%s", path);
        return *owned;
    }
    return path;
}

static bool contains(const char *text, const char *what)
{
    return text && strstr(text, what) != NULL;
}

/* The first line qemu wrote that says something, without its newline. */
static char *first_line(const char *text)
{
    while (text && (*text == '\n' || *text == '\r' || *text == ' '))
        text++;
    if (!text || !*text)
        return ost_xstrdup("");
    size_t n = strcspn(text, "\r\n");
    return ost_xstrndup(text, n);
}

static void collapse_lines(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    ost_str_trim(s);
}

ost_status ost_qemu_fail(struct ost_error *err, const char *name, const char *tool, const char *qemu_stderr,
                         int exit_status)
{
    char *line = first_line(qemu_stderr);
    ost_status st;
    if (contains(qemu_stderr, "Failed to get \"write\" lock") || contains(qemu_stderr, "Failed to get shared")
        || contains(qemu_stderr, "Is another process using the image")) {
        st = ost_fail(err, OST_ERR_IO, "%s: the disk is in use (is its VM running?): %s", name, line);
    } else if (!*line) {
        st = ost_fail(err, OST_ERR_IO, "%s: %s failed (exit status %d) and said nothing", name, tool, exit_status);
    } else {
        char *all = ost_xstrdup(qemu_stderr);
        collapse_lines(all);
        bool host = contains(all, "No such file or directory") || contains(all, "Permission denied")
                    || contains(all, "No space left") || contains(all, "Read-only file system")
                    || contains(all, "Input/output error") || contains(all, "Is a directory");
        bool malformed = contains(all, "Could not open") || contains(all, "Invalid") || contains(all, "invalid")
                         || contains(all, "Unsupported") || contains(all, "corrupt") || contains(all, "Corrupt")
                         || contains(all, "not in") || contains(all, "Image is not") || contains(all, "Bad");
        st = ost_fail(err, !host && malformed ? OST_ERR_CORRUPT : OST_ERR_IO, "%s: %s failed (exit status %d): %s",
                      name, tool, exit_status, all);
        free(all);
    }
    free(line);
    return st;
}

/* ---- running qemu-img ------------------------------------------------------- */

/* Runs qemu-img with argv (argv[0] is the tool's name), reading its stdout
 * and stderr to their ends; fails only when it could not be run at all.
 * In a process group of its own: a Ctrl-C reaches the command alone,
 * which decides whether a commit finishes (interrupt.h). */
static ost_status run_qemu_img(char *const argv[], const char *name, struct ost_run_result *r, struct ost_error *err)
{
    *r = (struct ost_run_result){0};
    const char *tool = ost_qemu_tool_path("qemu-img");
    if (!tool)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: qemu-img is not installed (Debian: apt-get install qemu-utils)",
                        name);
    char **env = ost_qemu_environment(0);
    struct ost_run job = {.path = tool, .argv = argv, .env = env, .own_group = true};
    ost_status st = ost_run_program(&job, name, r, err);
    free(env);
    return st;
}

/* Runs qemu-img and turns a non-zero exit into an error with its words. */
static ost_status run_checked(char *const argv[], const char *name, struct ost_error *err)
{
    struct ost_run_result r;
    ost_status st = run_qemu_img(argv, name, &r, err);
    if (st != OST_OK)
        return st;
    if (r.exit_status != 0)
        st = ost_qemu_fail(err, name, "qemu-img", *r.errout ? r.errout : r.out, r.exit_status);
    ost_run_result_free(&r);
    return st;
}

static bool known_format(const char *f)
{
    return f && (!strcmp(f, "raw") || !strcmp(f, "qcow2") || !strcmp(f, "vpc") || !strcmp(f, "vhdx")
                 || !strcmp(f, "vmdk"));
}

static ost_status check_format(const char *f, const char *name, struct ost_error *err)
{
    if (!known_format(f))
        return ost_fail(err, OST_ERR_USAGE, "%s: \"%s\" is not a disk format (raw, qcow2, vpc, vhdx or vmdk)", name,
                        f ? f : "(none)");
    return OST_OK;
}

/* ---- what a disk is --------------------------------------------------------- */

const char *ost_disk_magic_format(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t head[512] = {0}, tail[512] = {0};
    const char *format = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        ssize_t n = pread(fd, head, sizeof head, 0);
        ssize_t m = st.st_size >= 512 ? pread(fd, tail, sizeof tail, st.st_size - 512) : 0;
        static const char descriptor[] = "# Disk DescriptorFile";
        if (n >= 4 && !memcmp(head, "QFI\xfb", 4))
            format = "qcow2";
        else if (n >= 8 && !memcmp(head, "vhdxfile", 8))
            format = "vhdx";
        else if (n >= 8 && !memcmp(head, "conectix", 8))
            format = "vpc";
        else if (n >= 4 && !memcmp(head, "KDMV", 4))
            format = "vmdk";
        else if (n >= (ssize_t)sizeof descriptor - 1 && !memcmp(head, descriptor, sizeof descriptor - 1))
            format = "vmdk";
        /* a fixed VHD is the raw disk with its footer after it */
        else if (m == 512 && !memcmp(tail, "conectix", 8))
            format = "vpc";
    }
    close(fd);
    return format;
}

static void copy_field(char *dst, size_t size, const char *src)
{
    ost_format_into(dst, size, "%s", src ? src : "");
}

ost_status ost_qemu_info(const char *path, const char *format, struct ost_disk_info *out, struct ost_error *err)
{
    memset(out, 0, sizeof *out);
    if (format) {
        ost_status st = check_format(format, path, err);
        if (st != OST_OK)
            return st;
    }
    char *owned;
    const char *file = ost_qemu_filename(path, &owned);
    char *argv[8];
    size_t k = 0;
    argv[k++] = (char *)"qemu-img";
    argv[k++] = (char *)"info";
    argv[k++] = (char *)"--output=json";
    if (format) {
        argv[k++] = (char *)"-f";
        argv[k++] = (char *)format;
    }
    argv[k++] = (char *)file;
    argv[k] = NULL;
    struct ost_run_result r;
    ost_status st = run_qemu_img(argv, path, &r, err);
    free(owned);
    if (st != OST_OK)
        return st;
    if (r.exit_status != 0) {
        st = ost_qemu_fail(err, path, "qemu-img info", r.errout, r.exit_status);
        ost_run_result_free(&r);
        return st;
    }
    json_error_t jerr;
    json_t *root = json_loads(r.out, 0, &jerr);
    if (!json_is_object(root)) {
        st = ost_fail(err, OST_ERR_IO, "%s: qemu-img info wrote what is not a JSON object (line %d: %s)", path,
                      jerr.line, jerr.text);
        json_decref(root);
        ost_run_result_free(&r);
        return st;
    }
    const char *fmt = json_string_value(json_object_get(root, "format"));
    json_t *vsize = json_object_get(root, "virtual-size");
    if (!fmt || !json_is_integer(vsize) || json_integer_value(vsize) < 0) {
        st = ost_fail(err, OST_ERR_IO, "%s: qemu-img info gave no format or virtual size", path);
    } else {
        copy_field(out->format, sizeof out->format, fmt);
        out->virtual_size = (uint64_t)json_integer_value(vsize);
        const char *backing = json_string_value(json_object_get(root, "full-backing-filename"));
        if (!backing)
            backing = json_string_value(json_object_get(root, "backing-filename"));
        copy_field(out->backing, sizeof out->backing, backing);
        json_t *snaps = json_object_get(root, "snapshots");
        out->snapshots = json_is_array(snaps) ? (unsigned)json_array_size(snaps) : 0;
        json_t *spec = json_object_get(root, "format-specific");
        const char *create_type = NULL;
        if (!strcmp(fmt, "vmdk"))
            create_type = json_string_value(json_object_get(json_object_get(spec, "data"), "create-type"));
        copy_field(out->subformat, sizeof out->subformat, create_type);
        /* qemu writes a stream-optimized VMDK only sequentially, while converting */
        out->read_only_format = create_type && !strcmp(create_type, "streamOptimized");
    }
    json_decref(root);
    ost_run_result_free(&r);
    return st;
}

/* ---- the overlay ------------------------------------------------------------ */

ost_status ost_qemu_overlay_create(const char *overlay, const char *backing, const char *backing_format,
                                   struct ost_error *err)
{
    ost_status st = check_format(backing_format, backing, err);
    if (st != OST_OK)
        return st;
    /* absolute, so the overlay finds its disk from any working folder and
     * qemu never reads the name as a protocol */
    char *abs = realpath(backing, NULL);
    if (!abs)
        return ost_fail(err, OST_ERR_IO, "%s: %s", backing, strerror(errno));
    char *owned;
    const char *file = ost_qemu_filename(overlay, &owned);
    char *argv[] = {(char *)"qemu-img", (char *)"create", (char *)"-q", (char *)"-f", (char *)"qcow2",
                    (char *)"-b", abs, (char *)"-F", (char *)backing_format, (char *)file, NULL};
    st = run_checked(argv, overlay, err);
    free(abs), free(owned);
    return st;
}

ost_status ost_qemu_check(const char *path, const char *format, struct ost_error *err)
{
    ost_status st = check_format(format, path, err);
    if (st != OST_OK)
        return st;
    char *owned;
    const char *file = ost_qemu_filename(path, &owned);
    char *argv[] = {(char *)"qemu-img", (char *)"check", (char *)"-f", (char *)format, (char *)file, NULL};
    struct ost_run_result r;
    st = run_qemu_img(argv, path, &r, err);
    free(owned);
    if (st != OST_OK)
        return st;
    /* qemu-img check: 0 clean, 1 not checked, 2 corruptions, 3 leaks only,
     * 63 the format has no check (raw, vpc): nothing more to learn */
    switch (r.exit_status) {
    case 0:
        break;
    case 63:
        if (!contains(r.errout, "does not support checks"))
            st = ost_qemu_fail(err, path, "qemu-img check", r.errout, r.exit_status);
        break;
    case 2:
    case 3: {
        char *report = ost_xstrdup(*r.out ? r.out : r.errout);
        collapse_lines(report);
        st = ost_fail(err, OST_ERR_CORRUPT, "%s: qemu-img check found %s: %s", path,
                      r.exit_status == 2 ? "corruption" : "leaked clusters", report);
        free(report);
        break;
    }
    default:
        st = ost_qemu_fail(err, path, "qemu-img check", *r.errout ? r.errout : r.out, r.exit_status);
        break;
    }
    ost_run_result_free(&r);
    return st;
}

ost_status ost_qemu_commit(const char *overlay, struct ost_error *err)
{
    char *owned;
    const char *file = ost_qemu_filename(overlay, &owned);
    char *argv[] = {(char *)"qemu-img", (char *)"commit", (char *)"-q", (char *)"-f", (char *)"qcow2", (char *)"-d",
                    (char *)file, NULL};
    ost_status st = run_checked(argv, overlay, err);
    free(owned);
    return st;
}

static ost_status repair(const char *path, const char *format, const char *what, struct ost_error *err)
{
    char *owned;
    const char *file = ost_qemu_filename(path, &owned);
    char *argv[] = {(char *)"qemu-img", (char *)"check", (char *)"-q", (char *)"-r", (char *)what, (char *)"-f",
                    (char *)format, (char *)file, NULL};
    ost_status st = run_checked(argv, path, err);
    free(owned);
    return st;
}

ost_status ost_qemu_repair_leaks(const char *path, struct ost_error *err)
{
    return repair(path, "qcow2", "leaks", err);
}

ost_status ost_qemu_replay_vhdx_log(const char *path, struct ost_error *err)
{
    return repair(path, "vhdx", "all", err);
}

ost_status ost_qemu_convert(const char *src, const char *src_format, const char *dst, const char *dst_format,
                            const char *dst_options, struct ost_error *err)
{
    ost_status st = check_format(src_format, src, err);
    if (st == OST_OK)
        st = check_format(dst_format, dst, err);
    if (st != OST_OK)
        return st;
    char *owned_src, *owned_dst;
    const char *s = ost_qemu_filename(src, &owned_src);
    const char *d = ost_qemu_filename(dst, &owned_dst);
    char *argv[12];
    size_t k = 0;
    argv[k++] = (char *)"qemu-img";
    argv[k++] = (char *)"convert";
    argv[k++] = (char *)"-q";
    argv[k++] = (char *)"-f";
    argv[k++] = (char *)src_format;
    argv[k++] = (char *)"-O";
    argv[k++] = (char *)dst_format;
    if (dst_options && *dst_options) {
        argv[k++] = (char *)"-o";
        argv[k++] = (char *)dst_options;
    }
    argv[k++] = (char *)s;
    argv[k++] = (char *)d;
    argv[k] = NULL;
    st = run_checked(argv, dst, err);
    free(owned_src), free(owned_dst);
    return st;
}

ost_status ost_qemu_rebase_unsafe(const char *overlay, const char *backing, const char *backing_format,
                                  struct ost_error *err)
{
    ost_status st = check_format(backing_format, backing, err);
    if (st != OST_OK)
        return st;
    char *owned_overlay, *owned_backing;
    const char *o = ost_qemu_filename(overlay, &owned_overlay);
    const char *b = ost_qemu_filename(backing, &owned_backing);
    char *argv[] = {(char *)"qemu-img", (char *)"rebase", (char *)"-q", (char *)"-u", (char *)"-f", (char *)"qcow2",
                    (char *)"-b", (char *)b, (char *)"-F", (char *)backing_format, (char *)o, NULL};
    st = run_checked(argv, overlay, err);
    free(owned_overlay), free(owned_backing);
    return st;
}
