/* Signal frames: SA_SIGINFO (rt_sigreturn) and plain (sigreturn)
 * handlers, a handler that edits the saved registers, masks during a
 * handler, nested signals, SA_RESETHAND, SA_NODEFER, sigaltstack, raise
 * and kill to self, and a SIGSEGV handler that repairs the page and
 * returns to retry. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int depth, max_depth, count_usr1, count_usr2;
static char *page;

static void plain(int sig)
{
    printf("plain handler sig=%d\n", sig);
}

static void edits(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    printf("rt handler sig=%d code=%d pid_ok=%d\n", sig, si->si_code, si->si_pid == getpid());
    uc->uc_mcontext.gregs[REG_EAX] = 0x5a5a5a5a; /* visible after sigreturn */
}

static void nested(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (sig == SIGUSR1) {
        count_usr1++;
        raise(SIGUSR2); /* not blocked: runs nested */
        if (count_usr1 < 3)
            raise(SIGUSR1); /* blocked by default: pending until we return */
    } else {
        count_usr2++;
    }
    depth--;
}

static void on_alt(int sig)
{
    int local;
    stack_t ss;
    sigaltstack(NULL, &ss);
    uintptr_t p = (uintptr_t)&local;
    printf("altstack handler sig=%d on altstack=%d flags=%d\n", sig,
           p >= (uintptr_t)ss.ss_sp && p < (uintptr_t)ss.ss_sp + ss.ss_size, ss.ss_flags);
}

static void repair(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    printf("segv handler sig=%d code=%d offset=%ld\n", sig, si->si_code, (long)((char *)si->si_addr - page));
    mprotect(page, 4096, PROT_READ | PROT_WRITE);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);

    sa.sa_handler = plain;
    sigaction(SIGHUP, &sa, NULL);
    raise(SIGHUP);

    sa.sa_sigaction = edits;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    uint32_t eax;
    __asm__ volatile("movl $20, %%eax\n\tint $0x80\n\t" /* getpid */
                     "movl %%eax, %%ebx\n\tmovl $10, %%ecx\n\tmovl $37, %%eax\n\tint $0x80" /* kill(pid, SIGUSR1) */
                     : "=a"(eax) : : "ebx", "ecx", "edx", "memory");
    printf("eax after handler edited it: %08x\n", eax);

    sa.sa_handler = nested;
    sa.sa_flags = 0;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR1);
    printf("nested: usr1=%d usr2=%d max depth=%d\n", count_usr1, count_usr2, max_depth);

    /* blocked signals stay pending until unblocked */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    raise(SIGUSR2);
    sigset_t pend;
    sigpending(&pend);
    printf("pending while blocked: %d (count %d)\n", sigismember(&pend, SIGUSR2), count_usr2);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock: count %d\n", count_usr2);

    /* SA_RESETHAND: the second delivery uses the default (ignored for SIGCHLD-like WINCH) */
    sa.sa_handler = plain;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGWINCH, &sa, NULL);
    raise(SIGWINCH);
    raise(SIGWINCH);
    struct sigaction cur;
    sigaction(SIGWINCH, NULL, &cur);
    printf("after resethand: default=%d\n", cur.sa_handler == SIG_DFL);

    /* sigaltstack */
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    sa.sa_handler = on_alt;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);

    /* ignored signals vanish */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored SIGUSR1 survived\n");

    /* a fault handler that repairs the page and returns: the store retries */
    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sa.sa_sigaction = repair;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    page[123] = 9;
    printf("retried store: %d\n", page[123]);
    return 0;
}
