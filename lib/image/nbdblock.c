/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nbdblock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libnbd.h>

#include "fileutil.h"
#include "qemuimg.h"
#include "run.h"
#include "scratch.h"
#include "util.h"

/* The NBD protocol's cap on one request, and what qemu-nbd advertises. */
#define MAX_REQUEST (32u << 20)
/* How long qemu-nbd may take to exit once its client is gone: it only has
 * to close an image whose writes were already flushed. */
#define EXIT_WAIT_MS 30000
/* reap()'s answer when the exit status cannot be known */
#define UNKNOWN_STATUS (-2)
/* What is kept of qemu-nbd's stderr for a message. */
#define MAX_STDERR (64u << 10)
/* The read cache: 64 KiB lines (qcow2's cluster), at most 8 MiB */
#define LINE_SIZE (64u << 10)
#define LINES 128u

struct line {
    uint64_t off;        /* LINE_SIZE-aligned; UINT64_MAX when empty */
    size_t len;          /* LINE_SIZE, or less at the end of the disk */
    uint8_t *data;
};

struct nbd_ctx {
    struct nbd_handle *h;
    pid_t pid;           /* qemu-nbd, 0 once reaped */
    char *dir;           /* the private 0700 folder: socket, stderr */
    char *stderr_path;
    uint32_t min_block;  /* requests are aligned to this */
    uint32_t max_chunk;  /* and at most this long */
    uint8_t *bounce;     /* one min_block for the edges of unaligned requests */
    uint64_t size;
    struct line *lines;  /* LINES of them, indexed by line number modulo LINES */
    char name[512];
};

/* ---- qemu-nbd's life -------------------------------------------------------- */

static char *read_stderr(const struct nbd_ctx *c)
{
    uint8_t *data = NULL;
    size_t n = 0;
    struct ost_error ignored;
    int fd = open(c->stderr_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ost_read_fd(fd, c->stderr_path, MAX_STDERR * 16, &data, &n, &ignored) != OST_OK)
        return ost_xstrdup("");
    if (n > MAX_STDERR)
        data[MAX_STDERR] = 0;
    return (char *)data;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits up to wait_ms for qemu-nbd, then kills it; returns its wait
 * status (-1 when it had to be killed or was gone already). */
static int reap(struct nbd_ctx *c, long wait_ms)
{
    if (c->pid <= 0)
        return -1;
    int status = 0;
    /* qemu-nbd exits a few milliseconds after its client leaves: asked
     * often at first, then every 10 ms */
    for (long waited = 0, step = 1;; waited += step, step = step < 10 ? step * 2 : 10) {
        pid_t r = waitpid(c->pid, &status, WNOHANG);
        if (r == c->pid) {
            c->pid = 0;
            return status;
        }
        if (r < 0 && errno == ECHILD) {
            /* reaped by someone else (SIGCHLD ignored): its status is lost */
            c->pid = 0;
            return UNKNOWN_STATUS;
        }
        if (r < 0 && errno != EINTR) {
            c->pid = 0;
            return -1;
        }
        if (waited >= wait_ms)
            break;
        sleep_ms(step);
    }
    kill(c->pid, SIGKILL);
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
        ;
    c->pid = 0;
    return -1;
}

static void ctx_free(struct nbd_ctx *c)
{
    if (c->h)
        nbd_close(c->h);
    c->h = NULL;
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        reap(c, 0);
    }
    if (c->dir)
        ost_scratch_dir_remove(c->dir);
    for (size_t i = 0; c->lines && i < LINES; i++)
        free(c->lines[i].data);
    free(c->lines);
    free(c->dir), free(c->stderr_path), free(c->bounce);
    free(c);
}

/* The option string for qemu's raw driver over the image, showing only
 * [offset, offset+size): a second fence around one partition. */
static char *window_options(const char *image, const char *format, uint64_t offset, uint64_t size)
{
    struct ost_buf b = {0};
    ost_buf_addf(&b, "driver=raw,offset=%llu,size=%llu,", (unsigned long long)offset, (unsigned long long)size);
    /* raw over a raw file needs no second format layer */
    if (strcmp(format, "raw"))
        ost_buf_addf(&b, "file.driver=%s,file.file.driver=file,file.file.filename=", format);
    else
        ost_buf_adds(&b, "file.driver=file,file.filename=");
    /* in qemu's option strings a comma is written twice */
    for (const char *p = image; *p; p++) {
        if (*p == ',')
            ost_buf_addc(&b, ',');
        ost_buf_addc(&b, *p);
    }
    return ost_buf_steal(&b);
}

static void put_decimal(char *dst, long v)
{
    char digits[24];
    int n = 0;
    do
        digits[n++] = (char)('0' + v % 10), v /= 10;
    while (v > 0 && n < (int)sizeof digits);
    while (n > 0)
        *dst++ = digits[--n];
    *dst = 0;
}

/* Starts qemu-nbd with the listening socket as its fd 3 (systemd socket
 * activation, which qemu-nbd takes when neither --socket nor --port is
 * given: qemu-nbd(8), https://www.qemu.org/docs/master/tools/qemu-nbd.html). */
static ost_status start_server(struct nbd_ctx *c, const char *image, const struct ost_nbd_options *o,
                               const char *socket_path, struct ost_error *err)
{
    const char *tool = ost_qemu_tool_path("qemu-nbd");
    if (!tool)
        return ost_fail(err, OST_ERR_UNSUPPORTED, "%s: qemu-nbd is not installed (Debian: apt-get install qemu-utils)",
                        c->name);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path)
        return ost_fail(err, OST_ERR_IO, "%s: the socket path %s is too long for a Unix socket (set TMPDIR to a "
                        "shorter folder)", c->name, socket_path);
    memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 1) != 0) {
        int e = errno;
        if (lfd >= 0)
            close(lfd);
        return ost_fail(err, OST_ERR_IO, "%s: cannot make the socket %s for qemu-nbd: %s", c->name, socket_path,
                        strerror(e));
    }
    int errfd = open(c->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* above 3, so that moving them to 0..3 in the child clobbers none */
    int fds[3] = {lfd, errfd, nullfd};
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0 && fds[i] < 10) {
            int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
            close(fds[i]);
            fds[i] = moved;
        }
    lfd = fds[0], errfd = fds[1], nullfd = fds[2];
    if (lfd < 0 || errfd < 0 || nullfd < 0) {
        int e = errno;
        for (int i = 0; i < 3; i++)
            if (fds[i] >= 0)
                close(fds[i]);
        return ost_fail(err, OST_ERR_IO, "%s: cannot start qemu-nbd: %s", c->name, strerror(e));
    }

    char *owned_image = NULL, *opts = NULL;
    const char *argv[12];
    size_t k = 0;
    argv[k++] = "qemu-nbd";
    if (o->size) {
        opts = window_options(image, o->format, o->offset, o->size);
        argv[k++] = "--image-opts";
    } else {
        argv[k++] = "-f";
        argv[k++] = o->format;
    }
    if (!o->writable)
        argv[k++] = "--read-only";
    /* qemu's default writeback cache; never unsafe, and flushes are ours */
    argv[k++] = "--cache=writeback";
    argv[k++] = opts ? opts : ost_qemu_filename(image, &owned_image);
    argv[k] = NULL;

    char **env = ost_qemu_environment(2);
    size_t n_env = 0;
    while (env[n_env])
        n_env++;
    static char listen_pid[32];
    memcpy(listen_pid, "LISTEN_PID=", 12);
    env[n_env] = (char *)"LISTEN_FDS=1";
    env[n_env + 1] = listen_pid;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* die with us, even if we were killed before this line ran (the
         * signal comes when the thread that forked ends: callers open
         * disks from their main thread); and out of our process group, so
         * a Ctrl-C reaches us alone and the command unwinds in order
         * (interrupt.h) while its server still answers */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        setpgid(0, 0);
        if (dup2(nullfd, 0) < 0 || dup2(errfd, 1) < 0 || dup2(errfd, 2) < 0 || dup2(lfd, 3) < 0)
            _exit(127);
        ost_close_fds_from(4);
        /* the variable names this process, known only after the fork */
        put_decimal(listen_pid + 11, (long)getpid());
        signal(SIGPIPE, SIG_DFL);
        execve(tool, (char *const *)argv, env);
        _exit(127);
    }
    int fork_errno = errno;
    free(env), free(owned_image), free(opts);
    /* only qemu-nbd may hold the listening socket: if it dies before
     * accepting, our connect must fail rather than wait in the backlog */
    close(lfd), close(errfd), close(nullfd);
    if (pid < 0)
        return ost_fail(err, OST_ERR_IO, "%s: cannot start qemu-nbd: %s", c->name, strerror(fork_errno));
    c->pid = pid;
    return OST_OK;
}

/* The error for a server that is gone or failed: its exit and stderr. */
static ost_status server_failure(struct nbd_ctx *c, const char *format, const char *what, const char *nbd_message,
                                 struct ost_error *err)
{
    int status = reap(c, EXIT_WAIT_MS);
    char *text = read_stderr(c);
    ost_status st;
    if (*text) {
        int code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        /* the format is named: qemu's "Invalid argument" rarely says it */
        char *tool = ost_xasprintf("qemu-nbd (as %s)", format);
        st = ost_qemu_fail(err, c->name, tool, text, code);
        free(tool);
    } else if (status >= 0 && WIFSIGNALED(status)) {
        st = ost_fail(err, OST_ERR_IO, "%s: %s: qemu-nbd was killed by signal %d", c->name, what, WTERMSIG(status));
    } else {
        st = ost_fail(err, OST_ERR_IO, "%s: %s: %s", c->name, what, nbd_message ? nbd_message : "qemu-nbd failed");
    }
    free(text);
    return st;
}

/* ---- reads and writes ------------------------------------------------------- */

/* libnbd sends with MSG_NOSIGNAL: a server gone mid-request is an error
 * here, never a SIGPIPE. */
static ost_status nbd_failed(struct nbd_ctx *c, const char *what, size_t len, uint64_t off, struct ost_error *err)
{
    const char *msg = nbd_get_error();
    return ost_fail(err, OST_ERR_IO, "%s: cannot %s %zu bytes at offset %llu: %s", c->name, what, len,
                    (unsigned long long)off, msg ? msg : strerror(nbd_get_errno()));
}

static ost_status aligned_io(struct nbd_ctx *c, uint8_t *buf, size_t len, uint64_t off, bool write,
                             struct ost_error *err)
{
    while (len) {
        size_t n = len < c->max_chunk ? len : c->max_chunk;
        int r = write ? nbd_pwrite(c->h, buf, n, off, 0) : nbd_pread(c->h, buf, n, off, 0);
        if (r != 0)
            return nbd_failed(c, write ? "write" : "read", n, off, err);
        buf += n, len -= n, off += n;
    }
    return OST_OK;
}

/* One block that the request covers only in part: read it, and for a
 * write put the new bytes in and write it back. */
static ost_status edge_io(struct nbd_ctx *c, uint8_t *buf, size_t len, uint64_t off, bool write,
                          struct ost_error *err)
{
    uint64_t block = off - off % c->min_block;
    size_t at = (size_t)(off - block);
    ost_status st = aligned_io(c, c->bounce, c->min_block, block, false, err);
    if (st != OST_OK)
        return st;
    if (!write) {
        memcpy(buf, c->bounce + at, len);
        return OST_OK;
    }
    memcpy(c->bounce + at, buf, len);
    return aligned_io(c, c->bounce, c->min_block, block, true, err);
}

static ost_status do_io(struct nbd_ctx *c, uint8_t *buf, size_t len, uint64_t off, bool write, struct ost_error *err)
{
    ost_status st = OST_OK;
    if (off % c->min_block) {
        size_t n = c->min_block - (size_t)(off % c->min_block);
        if (n > len)
            n = len;
        st = edge_io(c, buf, n, off, write, err);
        buf += n, len -= n, off += n;
    }
    size_t middle = len - len % c->min_block;
    if (st == OST_OK && middle) {
        st = aligned_io(c, buf, middle, off, write, err);
        buf += middle, len -= middle, off += middle;
    }
    if (st == OST_OK && len)
        st = edge_io(c, buf, len, off, write, err);
    return st;
}

/* ---- the read cache ---------------------------------------------------------
 *
 * A volume's reader asks for the same MFT records, index blocks and
 * bitmap pieces many times, 512 bytes to a few KiB at once, and each
 * request is a round trip to qemu-nbd: small reads are served from whole
 * 64 KiB lines read once. Writes go to the server and into the lines they
 * touch, so a line always holds what the server holds; a flush empties
 * the cache, so what is read after it (the read-back of what was written,
 * target_disk.c) comes from the server again. */

static void cache_drop(struct nbd_ctx *c)
{
    for (size_t i = 0; c->lines && i < LINES; i++)
        c->lines[i].off = UINT64_MAX;
}

static ost_status cached_read(struct nbd_ctx *c, uint8_t *buf, size_t len, uint64_t off, struct ost_error *err)
{
    if (!c->lines) {
        c->lines = ost_xcalloc(LINES, sizeof *c->lines);
        cache_drop(c);
    }
    while (len) {
        uint64_t at = off - off % LINE_SIZE;
        struct line *l = &c->lines[(at / LINE_SIZE) % LINES];
        if (l->off != at) {
            if (!l->data)
                l->data = ost_xmalloc(LINE_SIZE);
            l->off = UINT64_MAX;
            size_t n = c->size - at < LINE_SIZE ? (size_t)(c->size - at) : LINE_SIZE;
            ost_status st = do_io(c, l->data, n, at, false, err);
            if (st != OST_OK)
                return st;
            l->off = at, l->len = n;
        }
        size_t in = (size_t)(off - at), n = l->len - in < len ? l->len - in : len;
        memcpy(buf, l->data + in, n);
        buf += n, len -= n, off += n;
    }
    return OST_OK;
}

static void cache_update(struct nbd_ctx *c, const uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; c->lines && i < LINES; i++) {
        struct line *l = &c->lines[i];
        if (l->off == UINT64_MAX || off >= l->off + l->len || off + len <= l->off)
            continue;
        uint64_t from = off > l->off ? off : l->off;
        uint64_t to = off + len < l->off + l->len ? off + len : l->off + l->len;
        memcpy(l->data + (from - l->off), buf + (from - off), (size_t)(to - from));
    }
}

static ost_status nbd_block_pread(void *ctx, void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct nbd_ctx *c = ctx;
    /* a large read is one request anyway; the lines it overlaps stay valid */
    if (len > LINE_SIZE || off + len > c->size)
        return do_io(c, buf, len, off, false, err);
    return cached_read(c, buf, len, off, err);
}

static ost_status nbd_block_pwrite(void *ctx, const void *buf, size_t len, uint64_t off, struct ost_error *err)
{
    struct nbd_ctx *c = ctx;
    /* do_io only reads from buf when writing */
    ost_status st = do_io(c, (uint8_t *)buf, len, off, true, err);
    if (st == OST_OK)
        cache_update(c, buf, len, off);
    else
        cache_drop(c); /* what the server holds there is not known */
    return st;
}

static ost_status nbd_block_flush(void *ctx, struct ost_error *err)
{
    struct nbd_ctx *c = ctx;
    cache_drop(c);
    if (nbd_can_flush(c->h) == 1 && nbd_flush(c->h, 0) != 0)
        return nbd_failed(c, "flush", 0, 0, err);
    return OST_OK;
}

static void nbd_block_close(void *ctx)
{
    ctx_free(ctx);
}

/* ---- open and finish -------------------------------------------------------- */

ost_status ost_nbd_open(const char *image, const struct ost_nbd_options *o, struct ost_blockio *out,
                        struct ost_error *err)
{
    *out = (struct ost_blockio){0};
    const char *label = o->name ? o->name : image;
    if (!o->format || !*o->format)
        return ost_fail(err, OST_ERR_USAGE, "%s: the disk format must be given to serve it", label);
    if (o->offset && !o->size)
        return ost_fail(err, OST_ERR_USAGE, "%s: a window at offset %llu needs its size", label,
                        (unsigned long long)o->offset);
    if (strchr(o->format, ','))
        return ost_fail(err, OST_ERR_USAGE, "%s: \"%s\" is not a disk format", label, o->format);
    struct stat st;
    if (stat(image, &st) != 0)
        return ost_fail(err, OST_ERR_IO, "%s: %s", label, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return ost_fail(err, OST_ERR_IO, "%s: is %s, not a disk image file", label, ost_file_kind(st.st_mode));

    struct nbd_ctx *c = ost_xcalloc(1, sizeof *c);
    ost_format_into(c->name, sizeof c->name, "%s", label);
    c->dir = ost_scratch_dir_create("nbd", err);
    if (!c->dir) {
        ctx_free(c);
        return err ? err->status : OST_ERR_IO;
    }
    c->stderr_path = ost_path_join(c->dir, "qemu-nbd.err");
    char *socket_path = ost_path_join(c->dir, "s");
    ost_status rc = start_server(c, image, o, socket_path, err);
    if (rc == OST_OK) {
        c->h = nbd_create();
        if (!c->h)
            rc = ost_fail(err, OST_ERR_IO, "%s: cannot start libnbd: %s", label, nbd_get_error());
    }
    if (rc == OST_OK && nbd_connect_unix(c->h, socket_path) != 0) {
        char *msg = ost_xstrdup(nbd_get_error() ? nbd_get_error() : "connection failed");
        rc = server_failure(c, o->format, "cannot connect to qemu-nbd", msg, err);
        free(msg);
    }
    free(socket_path);
    int64_t size = rc == OST_OK ? nbd_get_size(c->h) : -1;
    if (rc == OST_OK && size < 0)
        rc = nbd_failed(c, "learn the size of", 0, 0, err);
    if (rc == OST_OK && o->writable && nbd_is_read_only(c->h) == 1)
        rc = ost_fail(err, OST_ERR_IO, "%s: qemu-nbd serves the disk read-only (is the file read-only?)", label);
    if (rc != OST_OK) {
        ctx_free(c);
        return rc;
    }
    int64_t min = nbd_get_block_size(c->h, LIBNBD_SIZE_MINIMUM);
    int64_t max = nbd_get_block_size(c->h, LIBNBD_SIZE_MAXIMUM);
    /* the protocol bounds the minimum at 64 KiB, a power of two */
    c->min_block = min > 0 && min <= 65536 ? (uint32_t)min : 1;
    uint64_t chunk = max > 0 && (uint64_t)max < MAX_REQUEST ? (uint64_t)max : MAX_REQUEST;
    chunk -= chunk % c->min_block;
    c->max_chunk = chunk ? (uint32_t)chunk : c->min_block;
    c->bounce = ost_xmalloc(c->min_block);
    c->size = (uint64_t)size;

    out->pread = nbd_block_pread;
    out->pwrite = o->writable ? nbd_block_pwrite : NULL;
    out->flush = o->writable ? nbd_block_flush : NULL;
    out->close = nbd_block_close;
    out->ctx = c;
    out->size = (uint64_t)size;
    ost_format_into(out->name, sizeof out->name, "%s", label);
    return OST_OK;
}

ost_status ost_nbd_finish(struct ost_blockio *b, struct ost_error *err)
{
    if (!b->ctx || b->close != nbd_block_close) {
        ost_blockio_close(b);
        return OST_OK;
    }
    struct nbd_ctx *c = b->ctx;
    ost_status st = b->pwrite ? nbd_block_flush(c, err) : OST_OK;
    if (st == OST_OK && nbd_shutdown(c->h, 0) != 0)
        st = nbd_failed(c, "disconnect from", 0, 0, err);
    nbd_close(c->h);
    c->h = NULL;
    int status = reap(c, EXIT_WAIT_MS);
    if (st == OST_OK && status != UNKNOWN_STATUS && (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        char *text = read_stderr(c);
        if (status >= 0 && WIFSIGNALED(status))
            st = ost_fail(err, OST_ERR_IO, "%s: qemu-nbd was killed by signal %d%s%s", c->name, WTERMSIG(status),
                          *text ? ": " : "", text);
        else if (status < 0)
            st = ost_fail(err, OST_ERR_IO, "%s: qemu-nbd did not exit once disconnected and was killed", c->name);
        else
            st = ost_qemu_fail(err, c->name, "qemu-nbd", text, WEXITSTATUS(status));
        free(text);
    }
    ost_blockio_close(b);
    return st;
}
