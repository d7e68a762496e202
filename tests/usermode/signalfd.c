/* signalfd and signalfd4 (bug: emu386-user answered ENOSYS, so programs
 * that wait for signals through a descriptor, event loops and service
 * managers, could not start): records for pending signals of the mask,
 * poll/select/epoll readiness, SFD_NONBLOCK/SFD_CLOEXEC, a new mask on an
 * existing descriptor, a dup()ed copy, a blocking read woken by another
 * process's kill, SIGCHLD (default-ignored, but blocked so it stays
 * pending), and Linux's EINVAL/EBADF/EFAULT/EAGAIN. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int readable(int fd)
{
    struct pollfd pf = { fd, POLLIN, 0 };
    return poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN);
}

static int selectable(int fd)
{
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    struct timeval tv = { 0, 0 };
    return select(fd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &r);
}

static void show_info(const char *what, int fd, size_t len)
{
    struct signalfd_siginfo si[2];
    memset(si, 0, sizeof si);
    ssize_t n = read(fd, si, len);
    show(what, n);
    for (ssize_t i = 0; i < n / (ssize_t)sizeof si[0]; i++)
        printf("  signo %u code %d pid is ours %d uid is ours %d\n", si[i].ssi_signo, si[i].ssi_code,
               si[i].ssi_pid == (unsigned)getpid(), si[i].ssi_uid == (unsigned)getuid());
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sizeof struct signalfd_siginfo %zu\n", sizeof(struct signalfd_siginfo));
    sigset_t block, m1, m12, chld;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, NULL);
    sigemptyset(&m1);
    sigaddset(&m1, SIGUSR1);
    m12 = m1;
    sigaddset(&m12, SIGUSR2);

    int fd = signalfd(-1, &m1, SFD_NONBLOCK | SFD_CLOEXEC);
    printf("signalfd made %d, cloexec %d, nonblock %d\n", fd >= 0, (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
           (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    show_info("read with nothing pending", fd, sizeof(struct signalfd_siginfo));
    printf("readable: poll %d select %d\n", readable(fd), selectable(fd));

    kill(getpid(), SIGUSR1);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 77 }, got;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    printf("after kill: poll %d select %d epoll %d\n", readable(fd), selectable(fd), epoll_wait(ep, &got, 1, 0));
    show_info("read", fd, sizeof(struct signalfd_siginfo));
    sigset_t pend;
    sigpending(&pend);
    printf("after read: poll %d epoll %d, SIGUSR1 still pending %d\n", readable(fd), epoll_wait(ep, &got, 1, 0),
           sigismember(&pend, SIGUSR1));

    raise(SIGUSR2); /* not in the mask */
    printf("SIGUSR2 pending, outside the mask: poll %d\n", readable(fd));
    show_info("read", fd, sizeof(struct signalfd_siginfo));
    show("signalfd(fd, USR1|USR2) returns fd", signalfd(fd, &m12, 0) == fd);
    printf("with the new mask: poll %d\n", readable(fd));
    show_info("read", fd, sizeof(struct signalfd_siginfo));

    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    int copy = dup(fd);
    show_info("read two records through a dup", copy, 2 * sizeof(struct signalfd_siginfo));
    close(copy);
    kill(getpid(), SIGUSR1);
    show_info("read with 100 bytes", fd, 100);
    show_info("read again with room", fd, sizeof(struct signalfd_siginfo));
    show("write", write(fd, "x", 1));

    /* errors, in the kernel's order */
    show("signalfd4 sizemask 4", syscall(SYS_signalfd4, -1, &m1, 4, 0));
    show("signalfd4 bad mask", syscall(SYS_signalfd4, -1, (void *)16, 8, 0));
    show("signalfd4 bad flags", syscall(SYS_signalfd4, -1, &m1, 8, 1));
    show("signalfd4 fd -2", syscall(SYS_signalfd4, -2, &m1, 8, 0));
    show("signalfd4 closed fd", syscall(SYS_signalfd4, 1000, &m1, 8, 0));
    int pp[2];
    pipe(pp);
    show("signalfd4 on a pipe", syscall(SYS_signalfd4, pp[0], &m1, 8, 0));
#ifdef SYS_signalfd
    int old = (int)syscall(SYS_signalfd, -1, &m1, 8);
    printf("signalfd (no flags) made %d, cloexec %d, nonblock %d\n", old >= 0,
           (fcntl(old, F_GETFD) & FD_CLOEXEC) != 0, (fcntl(old, F_GETFL) & O_NONBLOCK) != 0);
    close(old);
#else
    printf("signalfd (no flags) made 1, cloexec 0, nonblock 0\n");
#endif

    /* a blocking read, woken by another process's kill */
    int bfd = signalfd(-1, &m1, 0);
    pid_t child = fork();
    if (child == 0) {
        usleep(50000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    struct signalfd_siginfo si;
    ssize_t n = read(bfd, &si, sizeof si);
    printf("blocking read = %zd: signo %u from the child %d\n", n, si.ssi_signo, si.ssi_pid == (unsigned)child);
    waitpid(child, NULL, 0);
    /* the SIGCHLD of that child was blocked, so it is pending */
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    int cfd = signalfd(-1, &chld, SFD_NONBLOCK);
    printf("SIGCHLD of the first child readable %d\n", readable(cfd));
    n = read(cfd, &si, sizeof si);
    printf("read = %zd signo %u\n", n, si.ssi_signo);
    /* a poll that waits until a child's SIGCHLD comes */
    child = fork();
    if (child == 0) {
        usleep(50000);
        _exit(3);
    }
    struct pollfd pf = { cfd, POLLIN, 0 };
    int pr = poll(&pf, 1, 20000);
    printf("poll waiting for SIGCHLD = %d revents POLLIN %d\n", pr, (pf.revents & POLLIN) != 0);
    n = read(cfd, &si, sizeof si);
    printf("read = %zd signo %u\n", n, si.ssi_signo);
    waitpid(child, NULL, 0);
    return 0;
}
