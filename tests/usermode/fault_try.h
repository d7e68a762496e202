/* For the usermode programs that touch memory which may fault: TRY(what,
 * expr) runs expr and prints its value, or the signal it raised (SIGBUS
 * or SIGSEGV), its si_code and its address as an offset from m, the
 * program's mapping; catch_faults() installs the handler for both. */
#ifndef USERMODE_FAULT_TRY_H
#define USERMODE_FAULT_TRY_H
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static char *m;
static sigjmp_buf fault_back;
static volatile int got_sig, got_code;
static char *volatile got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(fault_back, 1);
}

static void catch_faults(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
}

/* what touching the mapping did: "value v" or the signal and where */
static void report(const char *what, int r, int sig)
{
    if (!sig)
        printf("%s: value %d\n", what, r);
    else
        printf("%s: signal %s code %d at +%ld\n", what,
               got_sig == SIGBUS ? "SIGBUS" : got_sig == SIGSEGV ? "SIGSEGV" : "other", got_code,
               (long)(got_addr - m));
    fflush(stdout);
}

#define TRY(what, expr)                                  \
    do {                                                 \
        got_sig = 0;                                     \
        volatile int r_ = 0;                             \
        if (sigsetjmp(fault_back, 1) == 0)               \
            r_ = (expr);                                 \
        report(what, r_, got_sig);                       \
    } while (0)
#endif
