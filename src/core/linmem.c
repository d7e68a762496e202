/* Linear guest memory, the host side: one 4 GiB reservation per address
 * space (PROT_NONE, MAP_NORESERVE), every guest page at lbase + its
 * address, the host's protection mirroring the page flags (a page holding
 * translated code is read-only), and the SIGSEGV handler that turns a host
 * fault inside the reservation into the guest's fault.  Only x86-64 Linux
 * with 4 KiB pages: the handler needs the fault's write bit (REG_ERR);
 * elsewhere linmem_reserve fails and the page map's host blocks are used
 * (docs/architecture.md "Memory"). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"

#if defined(__linux__) && defined(__x86_64__)
#define LINMEM_HOST 1
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#endif

#define GUEST_SPAN (1ull << 32)

#ifdef LINMEM_HOST

/* Per host thread, not per process: several CPUs (machines) may run on
 * different threads of one process, each with its own reservation. */
static _Thread_local E386Cpu *running;

E386Cpu *linmem_enter(E386Cpu *cpu)
{
    E386Cpu *old = running;
    running = cpu;
    return old;
}

static void on_fault(int sig, siginfo_t *si, void *ucv)
{
    E386Cpu *cpu = running;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (cpu && cpu->mem.lbase && a - (uintptr_t)cpu->mem.lbase < GUEST_SPAN && sig == SIGSEGV &&
        si->si_code > 0 /* from the MMU, not kill(2) */) {
        const ucontext_t *uc = ucv;
        int write = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
        mem_linear_fault(cpu, (uint32_t)(a - (uintptr_t)cpu->mem.lbase), write); /* or longjmp */
        return;
    }
    /* not a guest access: the emulator's own crash (the access faults
     * again when we return) or a signal sent to it, as without us */
    signal(sig, SIG_DFL);
    if (si->si_code <= 0)
        raise(sig);
}

static int install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    /* NODEFER: the guest fault leaves by longjmp, and SIGSEGV must not
     * stay blocked after it */
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSEGV, &sa, NULL) == 0 && sigaction(SIGBUS, &sa, NULL) == 0 ? 0 : -1;
}

/* Valgrind's memcheck would report every guest fault (an access to the
 * reservation) as an invalid access before the signal: under it, the
 * page map's checks.  Its preloaded core library is how a program
 * knows without inline assembly (valgrind.h's client requests). */
static int under_valgrind(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload") != NULL;
}

int linmem_reserve(Mem *m)
{
    if (m->lbase)
        return 0;
    if (sysconf(_SC_PAGESIZE) != 4096 || under_valgrind() || install_handler() != 0)
        return -1;
    void *p = mmap(NULL, GUEST_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    m->lbase = m->lfast = p;
    return 0;
}

void linmem_release(Mem *m)
{
    if (m->lbase)
        munmap(m->lbase, GUEST_SPAN);
    m->lbase = m->lfast = NULL;
}

static int host_prot(uint32_t flags)
{
    if (!(flags & PG_READ))
        return PROT_NONE;
    return (flags & (PG_WRITE | PG_CODE)) == PG_WRITE ? PROT_READ | PROT_WRITE : PROT_READ;
}

int linmem_map(Mem *m, uint32_t addr, uint32_t size, uint32_t flags)
{
    void *p = mmap(m->lbase + addr, size, host_prot(flags),
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return p == MAP_FAILED ? -1 : 0;
}

void linmem_unmap(Mem *m, uint32_t addr, uint32_t size)
{
    /* a fresh PROT_NONE piece of the reservation: the pages are dropped */
    if (mmap(m->lbase + addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
             -1, 0) == MAP_FAILED)
        m->lfast = NULL; /* cannot happen (no new mapping count); be safe */
}

/* Host mremap of [src, src + size) to dst, then src back to the
 * reservation.  A range over several host mappings (different
 * protections) moves page by page. */
int linmem_move(Mem *m, uint32_t dst, uint32_t src, uint32_t size)
{
    if (mremap(m->lbase + src, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, m->lbase + dst) == MAP_FAILED) {
        for (uint32_t off = 0; off < size; off += 4096)
            if (mremap(m->lbase + src + off, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
                       m->lbase + dst + off) == MAP_FAILED)
                return -1;
    }
    linmem_unmap(m, src, size);
    return 0;
}

/* Host protection from the page flags, one mprotect per run of pages
 * that want the same. */
int linmem_sync(Mem *m, uint32_t addr, uint32_t size)
{
    int rc = 0;
    uint64_t end = (uint64_t)addr + size;
    for (uint64_t a = addr; a < end;) {
        Page *p = mem_page(m, (uint32_t)a);
        int prot = p ? host_prot(p->flags) : PROT_NONE;
        uint64_t b = a + 4096;
        while (b < end) {
            Page *q = mem_page(m, (uint32_t)b);
            if ((q ? host_prot(q->flags) : PROT_NONE) != prot)
                break;
            b += 4096;
        }
        if (mprotect(m->lbase + a, (size_t)(b - a), prot) != 0) {
            m->lfast = NULL; /* the host ran out of mappings: the page map's checks from now on */
            rc = -1;
        }
        a = b;
    }
    return rc;
}

int linmem_open(Mem *m, uint32_t addr, int write)
{
    return mprotect(m->lbase + (addr & ~0xfffu), 4096, write ? PROT_READ | PROT_WRITE : PROT_READ);
}

#else /* no linear memory on this host: the page map's host blocks */

E386Cpu *linmem_enter(E386Cpu *cpu) { (void)cpu; return NULL; }
int linmem_reserve(Mem *m) { (void)m; return -1; }
void linmem_release(Mem *m) { (void)m; }
int linmem_map(Mem *m, uint32_t addr, uint32_t size, uint32_t flags)
{
    (void)m, (void)addr, (void)size, (void)flags;
    return -1;
}
void linmem_unmap(Mem *m, uint32_t addr, uint32_t size) { (void)m, (void)addr, (void)size; }
int linmem_move(Mem *m, uint32_t dst, uint32_t src, uint32_t size)
{
    (void)m, (void)dst, (void)src, (void)size;
    return -1;
}
int linmem_sync(Mem *m, uint32_t addr, uint32_t size)
{
    (void)m, (void)addr, (void)size;
    return -1;
}
int linmem_open(Mem *m, uint32_t addr, int write)
{
    (void)m, (void)addr, (void)write;
    return -1;
}

#endif
