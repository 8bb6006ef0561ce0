/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "interrupt.h"

#include <unistd.h>

static volatile sig_atomic_t requested;
static volatile sig_atomic_t deferred;
static volatile sig_atomic_t written;

void ost_interrupt_signal(int sig)
{
    (void)sig;
    if (deferred > 0) {
        requested = 1;
        return;
    }
    static const char unchanged[] = "offstage: interrupted; nothing was changed\n";
    static const char changed[] = "offstage: interrupted after the image was written; what was written is "
                                  "complete\n";
    ssize_t r = written ? write(STDERR_FILENO, changed, sizeof changed - 1)
                        : write(STDERR_FILENO, unchanged, sizeof unchanged - 1);
    (void)r;
    _exit(2);
}

bool ost_interrupted(void)
{
    return requested != 0;
}

ost_status ost_interrupt_check(const char *what, struct ost_error *err)
{
    if (!requested)
        return OST_OK;
    return ost_fail(err, OST_ERR_INTERRUPTED, "%s: interrupted; nothing was changed", what);
}

void ost_interrupt_defer_begin(void)
{
    deferred = deferred + 1;
}

void ost_interrupt_defer_end(void)
{
    if (deferred > 0)
        deferred = deferred - 1;
}

void ost_interrupt_note_written(void)
{
    written = 1;
}

void ost_signals_hold(sigset_t *saved)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, saved);
}

void ost_signals_release(const sigset_t *saved)
{
    sigprocmask(SIG_SETMASK, saved, NULL);
}
