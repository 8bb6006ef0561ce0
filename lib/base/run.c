/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileutil.h"
#include "util.h"

extern char **environ;

void ost_close_fds_from(int lowest)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowest, ~0u, 0u) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = lowest; fd < max; fd++)
        close(fd);
}

char *ost_find_program(const char *name, const char *also)
{
    const char *path = getenv("PATH");
    char *dirs = ost_xasprintf("%s%s%s", path && *path ? path : "/usr/bin:/bin", also ? ":" : "", also ? also : "");
    char *found = NULL, *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = ost_path_join(*d ? d : ".", name);
        struct stat sb; /* stat follows links: mtools' commands are links to one program */
        if (access(p, X_OK) == 0 && stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            found = p;
        else
            free(p);
    }
    free(dirs);
    return found;
}

static bool starts_with_any(const char *var, const char *const prefixes[], bool up_to_equals)
{
    for (size_t i = 0; prefixes && prefixes[i]; i++) {
        const char *eq = strchr(prefixes[i], '=');
        size_t n = up_to_equals && eq ? (size_t)(eq - prefixes[i]) + 1 : strlen(prefixes[i]);
        if (!strncmp(var, prefixes[i], n))
            return true;
    }
    return false;
}

char **ost_run_environment(const char *const drop[], const char *const add[], size_t extra)
{
    size_t n = 0, nadd = 0;
    while (environ && environ[n])
        n++;
    while (add && add[nadd])
        nadd++;
    char **env = ost_xcalloc(n + nadd + extra + 1, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!starts_with_any(environ[i], drop, false) && !starts_with_any(environ[i], add, true))
            env[k++] = environ[i];
    for (size_t i = 0; i < nadd; i++)
        env[k++] = (char *)add[i];
    return env;
}

static int pipe_cloexec(int fds[2])
{
    return pipe2(fds, O_CLOEXEC);
}

static void close_pair(int fds[2])
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    fds[0] = fds[1] = -1;
}

/* The child's stdin: /dev/null, or a pipe already holding all of text, so
 * nothing is written once the child runs (no write can block on it or
 * raise SIGPIPE here when it exits without reading). */
static int stdin_for(const char *text, const char *name, struct ost_error *err, ost_status *st)
{
    *st = OST_OK;
    if (!text) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            *st = ost_fail(err, OST_ERR_IO, "%s: cannot open /dev/null: %s", name, strerror(errno));
        return fd;
    }
    int p[2];
    if (pipe_cloexec(p) != 0) {
        *st = ost_fail(err, OST_ERR_IO, "%s: cannot make a pipe: %s", name, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    if (n > 65536)
        fcntl(p[1], F_SETPIPE_SZ, (int)(n < (1u << 20) ? n : (1u << 20)));
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(p[1], text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(p[1]);
    if (done < n) {
        close(p[0]);
        *st = ost_fail(err, OST_ERR_IO, "%s: the input for the program (%zu bytes) does not fit a pipe", name, n);
        return -1;
    }
    return p[0];
}

static void keep(struct ost_buf *b, const char *data, size_t n)
{
    if (b->len < OST_RUN_MAX_OUTPUT)
        ost_buf_add(b, data, n < OST_RUN_MAX_OUTPUT - b->len ? n : OST_RUN_MAX_OUTPUT - b->len);
}

/* Reads both pipes to their ends, whichever the child fills first: one
 * read after the other could leave it blocked on a full second pipe. */
static void drain(int out_fd, int err_fd, struct ost_buf *out, struct ost_buf *errout)
{
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};
    int open_fds = (out_fd >= 0) + (err_fd >= 0); /* poll skips a negative fd */
    char chunk[8192];
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
                continue;
            }
            keep(i == 0 ? out : errout, chunk, (size_t)n);
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
}

ost_status ost_run_program(const struct ost_run *job, const char *name, struct ost_run_result *r,
                           struct ost_error *err)
{
    *r = (struct ost_run_result){0};
    const char *prog = job->argv[0];
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    ost_status st;
    int in = stdin_for(job->stdin_text, name, err, &st);
    if (st != OST_OK)
        return st;
    if (job->stdout_path) {
        out_pipe[1] = open(job->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out_pipe[1] < 0) {
            int e = errno;
            close(in);
            return ost_fail(err, OST_ERR_IO, "%s: cannot create %s: %s", name, job->stdout_path, strerror(e));
        }
    }
    if ((!job->stdout_path && pipe_cloexec(out_pipe) != 0) || pipe_cloexec(err_pipe) != 0) {
        int e = errno;
        close(in), close_pair(out_pipe), close_pair(err_pipe);
        return ost_fail(err, OST_ERR_IO, "%s: cannot run %s: %s", name, prog, strerror(e));
    }
    char *const *env = job->env ? job->env : environ;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(127);
        if (job->own_group)
            setpgid(0, 0);
        if (dup2(in, 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
            _exit(127);
        ost_close_fds_from(3);
        signal(SIGPIPE, SIG_DFL);
        execve(job->path, job->argv, env);
        _exit(127);
    }
    int fork_errno = errno;
    close(in);
    close(out_pipe[1]), close(err_pipe[1]);
    if (pid < 0) {
        if (out_pipe[0] >= 0)
            close(out_pipe[0]);
        close(err_pipe[0]);
        return ost_fail(err, OST_ERR_IO, "%s: cannot run %s: %s", name, prog, strerror(fork_errno));
    }
    struct ost_buf out = {0}, errout = {0};
    drain(out_pipe[0], err_pipe[0], &out, &errout);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    r->out = ost_buf_steal(&out);
    r->errout = ost_buf_steal(&errout);
    r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    /* execve failed in the child (or it could not set itself up): 127 and
     * silent, as a shell reports a command it cannot run */
    if (r->exit_status == 127 && !*r->errout) {
        ost_run_result_free(r);
        return ost_fail(err, OST_ERR_IO, "%s: cannot run %s", name, job->path);
    }
    return OST_OK;
}

void ost_run_result_free(struct ost_run_result *r)
{
    free(r->out), free(r->errout);
    *r = (struct ost_run_result){0};
}
