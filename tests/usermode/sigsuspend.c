/* sigsuspend and rt_sigsuspend (bug: emu386-user answered ENOSYS, so a
 * program waiting for a child's signal spun or died): a pending signal
 * ends the call at once, a signal sent later wakes it, the handler runs
 * with the temporary mask, the old mask is back afterwards, and a bad
 * sigset size or pointer gets Linux's errno. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static volatile sig_atomic_t got, usr2_blocked_in_handler;

static void on_usr1(int sig)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    got = sig;
    usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

static int blocked(int sig)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t usr1, wait_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    /* already pending: the call returns at once, through the handler */
    raise(SIGUSR1);
    sigemptyset(&wait_mask);
    sigaddset(&wait_mask, SIGUSR2);
    int r = sigsuspend(&wait_mask);
    show("sigsuspend with SIGUSR1 pending", r);
    printf("handler ran %d, SIGUSR2 blocked inside it %d, SIGUSR1 blocked after %d, SIGUSR2 blocked after %d\n",
           got == SIGUSR1, usr2_blocked_in_handler, blocked(SIGUSR1), blocked(SIGUSR2));

    /* sent later by a child: the call sleeps until it comes */
    got = 0;
    pid_t child = fork();
    if (child == 0) {
        usleep(20000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    sigemptyset(&wait_mask);
    r = sigsuspend(&wait_mask);
    show("sigsuspend woken by a child's kill", r);
    printf("handler ran %d, SIGUSR1 blocked after %d\n", got == SIGUSR1, blocked(SIGUSR1));
    int st;
    waitpid(child, &st, 0);

    /* rt_sigsuspend's argument checks: the size first, then the pointer */
    show("rt_sigsuspend size 4", syscall(SYS_rt_sigsuspend, &wait_mask, 4));
    show("rt_sigsuspend NULL set", syscall(SYS_rt_sigsuspend, NULL, 8));
    show("rt_sigsuspend NULL set, size 4", syscall(SYS_rt_sigsuspend, NULL, 4));
    return 0;
}
