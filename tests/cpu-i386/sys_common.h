/* Helpers for the fault and signal programs: catch a signal, record what
 * the kernel reported, and continue at a recovery point. */
#ifndef CPU_I386_SYS_COMMON_H
#define CPU_I386_SYS_COMMON_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#define EXPECT_FAULT_ANYWHERE(name, body)                                                      \
    do {                                                                                       \
        memset((void *)&caught, 0, sizeof caught);                                             \
        if (sigsetjmp(recover, 1) == 0) {                                                      \
            body;                                                                              \
            printf("%-14s no signal\n", name);                                                 \
        } else {                                                                               \
            printf("%-14s sig=%d code=%d trapno=%d err=%x\n", name, caught.sig, caught.code,   \
                   caught.trapno, caught.err);                                                 \
        }                                                                                      \
    } while (0)
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

typedef struct Caught {
    int sig, code, trapno;
    uint32_t err, eip, addr, esp, ecx, esi, edi, eax;
} Caught;

static sigjmp_buf recover;
static volatile Caught caught;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    caught.sig = sig;
    caught.code = si->si_code;
    caught.addr = (uint32_t)(uintptr_t)si->si_addr;
    caught.trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    caught.err = (uint32_t)uc->uc_mcontext.gregs[REG_ERR];
    if (caught.trapno == 14) /* P reflects Linux's lazy page population and I/D the */
        caught.err &= ~0x11u; /* host's NX support: neither is the i686's to decide */
    caught.eip = (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
    caught.esp = (uint32_t)uc->uc_mcontext.gregs[REG_ESP];
    caught.ecx = (uint32_t)uc->uc_mcontext.gregs[REG_ECX];
    caught.esi = (uint32_t)uc->uc_mcontext.gregs[REG_ESI];
    caught.edi = (uint32_t)uc->uc_mcontext.gregs[REG_EDI];
    caught.eax = (uint32_t)uc->uc_mcontext.gregs[REG_EAX];
    siglongjmp(recover, 1);
}

static void install(void)
{
    /* an alternate stack, so faults with a bad ESP are still reported */
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

/* Run body; print the signal it raised, with EIP relative to label. */
#define EXPECT_FAULT(name, label, body)                                                        \
    do {                                                                                       \
        memset((void *)&caught, 0, sizeof caught);                                             \
        if (sigsetjmp(recover, 1) == 0) {                                                      \
            body;                                                                              \
            printf("%-14s no signal\n", name);                                                 \
        } else {                                                                               \
            extern char label[];                                                               \
            printf("%-14s sig=%d code=%d trapno=%d err=%x eip=label%+d\n", name, caught.sig,   \
                   caught.code, caught.trapno, caught.err, (int)(caught.eip - (uint32_t)(uintptr_t)label)); \
        }                                                                                      \
    } while (0)
#define EXPECT_FAULT_ANYWHERE(name, body)                                                      \
    do {                                                                                       \
        memset((void *)&caught, 0, sizeof caught);                                             \
        if (sigsetjmp(recover, 1) == 0) {                                                      \
            body;                                                                              \
            printf("%-14s no signal\n", name);                                                 \
        } else {                                                                               \
            printf("%-14s sig=%d code=%d trapno=%d err=%x\n", name, caught.sig, caught.code,   \
                   caught.trapno, caught.err);                                                 \
        }                                                                                      \
    } while (0)
#endif
