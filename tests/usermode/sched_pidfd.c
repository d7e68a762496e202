/* The scheduling calls and pidfd_open (bug: emu386-user answered ENOSYS
 * to sched_getscheduler, sched_setscheduler, sched_get/setparam,
 * sched_get_priority_min/max, sched_rr_get_interval and pidfd_open, so
 * CPython's test_posix lost test_sched_priority, test_sched_rr_get_interval
 * and two more), and pidfd_send_signal (ENOSYS too: test_signal's
 * test_pidfd_send_signal): results and Linux's EINVAL/EFAULT/ESRCH/EBADF. */
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static volatile sig_atomic_t got;
static void on_usr1(int sig) { got = sig; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sched_param sp = { 0 };
    show("sched_getscheduler(0)", sched_getscheduler(0));
    show("sched_getscheduler(no such pid)", sched_getscheduler(0x3ffffff0));
    show("sched_getscheduler(-1)", sched_getscheduler(-1));
    show("sched_get_priority_max(SCHED_FIFO)", sched_get_priority_max(SCHED_FIFO));
    show("sched_get_priority_min(SCHED_FIFO)", sched_get_priority_min(SCHED_FIFO));
    show("sched_get_priority_max(SCHED_OTHER)", sched_get_priority_max(SCHED_OTHER));
    show("sched_get_priority_min(-23)", sched_get_priority_min(-23));
    sp.sched_priority = 5;
    show("sched_getparam(0)", sched_getparam(0, &sp));
    printf("priority %d\n", sp.sched_priority);
    show("sched_getparam(0, NULL)", syscall(SYS_sched_getparam, 0, NULL));
    show("sched_getparam(-1)", sched_getparam(-1, &sp));
    show("sched_getparam(0, bad pointer)", syscall(SYS_sched_getparam, 0, (void *)16));
    show("sched_setparam(0, NULL)", syscall(SYS_sched_setparam, 0, NULL));
    show("sched_setparam(0, bad pointer)", syscall(SYS_sched_setparam, 0, (void *)16));
    sp.sched_priority = 0;
    show("sched_setparam(0, 0)", sched_setparam(0, &sp));
    show("sched_setscheduler(0, SCHED_BATCH)", sched_setscheduler(0, SCHED_BATCH, &sp));
    show("now", sched_getscheduler(0));
    show("sched_setscheduler(0, 77)", sched_setscheduler(0, 77, &sp));
    show("sched_setscheduler(0, SCHED_OTHER)", sched_setscheduler(0, SCHED_OTHER, &sp));
    show("now", sched_getscheduler(0));
    struct timespec ts = { -1, -1 };
    show("sched_rr_get_interval(0)", sched_rr_get_interval(0, &ts));
    printf("interval not negative %d\n", ts.tv_sec >= 0 && ts.tv_nsec >= 0);
    show("sched_rr_get_interval(-1)", sched_rr_get_interval(-1, &ts));
    show("sched_rr_get_interval(0, bad pointer)", syscall(SYS_sched_rr_get_interval, 0, (void *)16));

    show("pidfd_open(-1)", syscall(SYS_pidfd_open, -1, 0));
    show("pidfd_open(self, bad flags)", syscall(SYS_pidfd_open, getpid(), 1));
    pid_t child = fork();
    if (child == 0) {
        usleep(20000);
        _exit(7);
    }
    int fd = (int)syscall(SYS_pidfd_open, child, 0);
    printf("pidfd_open(child) made %d\n", fd >= 0);
    struct pollfd pf = { fd, POLLIN, 0 };
    show("poll until the child exits", poll(&pf, 1, 20000));
    printf("revents POLLIN %d\n", (pf.revents & POLLIN) != 0);
    int st = 0;
    waitpid(child, &st, 0);
    printf("child status %d\n", WEXITSTATUS(st));

    show("pidfd_send_signal(0)", syscall(SYS_pidfd_send_signal, 0, SIGINT, NULL, 0));
    child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    fd = (int)syscall(SYS_pidfd_open, child, 0);
    show("pidfd_send_signal(child, bad flags)", syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0x100));
    show("pidfd_send_signal(child, SIGTERM)", syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0));
    waitpid(child, &st, 0);
    printf("child killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    close(fd);
    signal(SIGUSR1, on_usr1);
    fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    show("pidfd_send_signal(self, SIGUSR1)", syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0));
    for (int i = 0; i < 1000 && !got; i++)
        usleep(1000);
    printf("handler ran %d\n", got == SIGUSR1);
    return 0;
}
