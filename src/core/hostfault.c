/* Host faults that are the guest's.  A SIGSEGV inside linear memory's
 * reservation (x86-64 Linux: the write bit and the native back end's
 * registers come from the signal's context) becomes the guest's #PF or
 * a store into translated code; a SIGBUS on a page of a shared file
 * mapping past the file's end (any Linux host) becomes the guest's bus
 * error (user mode: SIGBUS), or fails the emulator's copy of guest
 * memory (fault_copy: a system call's EFAULT).  Anything else is the
 * emulator's own crash, or a signal sent to it, and goes on as if we
 * were not here. */
#define _GNU_SOURCE
#include <string.h>
#include "core/cpu.h"
#include "native/native.h"

#if defined(__linux__)
#define FAULT_HOST 1
#include <setjmp.h>
#include <signal.h>
#if defined(__x86_64__)
#define FAULT_CONTEXT 1 /* the context's REG_ERR, REG_RIP, REG_R15, REG_RBP */
#include <ucontext.h>
#endif
#endif

#ifdef FAULT_HOST

/* Per host thread, not per process: several CPUs (machines) may run on
 * different threads of one process, each with its own memory. */
static _Thread_local E386Cpu *running;

/* fault_copy's way back from a bus error in its copy: set only around
 * the memcpy, so a bus error on this thread meanwhile is the copy's
 * (whatever address the host reports).  volatile: memcpy does not read
 * it, so a compiler would otherwise drop the store made before it as
 * overwritten after it (it did: the guard was never set). */
static _Thread_local sigjmp_buf *volatile copy_back;

E386Cpu *fault_enter(E386Cpu *cpu)
{
    E386Cpu *old = running;
    running = cpu;
    return old;
}

int fault_copy(void *dst, const void *src, size_t n)
{
    sigjmp_buf jb, *outer = copy_back;
    if (sigsetjmp(jb, 0)) {
        copy_back = outer;
        return -1;
    }
    copy_back = &jb;
    memcpy(dst, src, n);
    copy_back = outer;
    return 0;
}

/* A bus error on a guest page, in native code or in a handler: the
 * guest's own, at the instruction (native_host_fault makes cpu->cur and
 * the counts true first, as for a #PF).  Its address names the page, not
 * the guest's byte (host accesses come in a compiler's order and width):
 * mem_bus_fault runs the instruction again on the page map's exact
 * checks.  Without the context (other hosts) the access counts as a read
 * in the error code. */
static void bus_fault(E386Cpu *cpu, uintptr_t a, void *ucv)
{
    int write = 0;
#ifdef FAULT_CONTEXT
    ucontext_t *uc = ucv;
    uint64_t hits = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
    native_host_fault(cpu, (uintptr_t)uc->uc_mcontext.gregs[REG_RIP], (uint64_t)uc->uc_mcontext.gregs[REG_R15],
                      &hits);
    uc->uc_mcontext.gregs[REG_RBP] = (greg_t)hits;
    write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)ucv;
#endif
    mem_bus_fault(cpu, a, write); /* longjmp, if a is the guest's */
}

#ifdef FAULT_CONTEXT
/* A SIGSEGV in linear memory's reservation: the guest's #PF, or a store
 * into translated code that is retried (the code resumes) */
static void linear_fault(E386Cpu *cpu, uint64_t lin, ucontext_t *uc)
{
    int write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
    /* the native back end's inline accesses leave cpu->cur,
     * cpu->icount and the count of followings to this */
    uint64_t hits = (uint64_t)uc->uc_mcontext.gregs[REG_RBP];
    int in_code = native_host_fault(cpu, (uintptr_t)uc->uc_mcontext.gregs[REG_RIP],
                                    (uint64_t)uc->uc_mcontext.gregs[REG_R15], &hits);
    uc->uc_mcontext.gregs[REG_RBP] = (greg_t)hits;
    if (lin >= LINMEM_GUEST_SPAN) /* an access that wraps at 4 GiB */
        mem_linear_wrap_fault(cpu, write);
    mem_linear_fault(cpu, (uint32_t)lin, write); /* or longjmp */
    if (in_code) /* resolved: not the access again, the op by its handler (native.h) */
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)native_redo_stub(cpu);
}
#endif

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    E386Cpu *cpu = running;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (sig == SIGBUS && si->si_code == BUS_ADRERR) {
        if (copy_back)
            siglongjmp(*copy_back, 1); /* a host copy of guest memory (system calls, loaders): it fails */
        if (cpu)
            bus_fault(cpu, a, ucv);
    }
#ifdef FAULT_CONTEXT
    if (cpu && cpu->mem.lbase && a - (uintptr_t)cpu->mem.lbase < LINMEM_GUEST_SPAN + LINMEM_GUARD_SPAN &&
        sig == SIGSEGV && si->si_code > 0 /* from the MMU, not kill(2) */) {
        linear_fault(cpu, a - (uintptr_t)cpu->mem.lbase, ucv);
        return;
    }
#endif
    /* not a guest access: the emulator's own crash (the access faults
     * again when we return) or a signal sent to it, as without us */
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
        raise(sig);
}

int fault_catch(int segv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    /* NODEFER: the guest fault leaves by longjmp, and the signal must not
     * stay blocked after it */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    return (!segv || sigaction(SIGSEGV, &sa, NULL) == 0) && sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -1;
}

#else /* no signals to catch: a bus error ends the emulator */

E386Cpu *fault_enter(E386Cpu *cpu)
{
    (void)cpu;
    return NULL;
}

int fault_catch(int segv)
{
    (void)segv;
    return -1;
}

int fault_copy(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    return 0;
}

#endif
