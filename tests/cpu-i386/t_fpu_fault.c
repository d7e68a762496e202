/* x87 stores whose destination faults (a read-only page: SIGSEGV).  The
 * fault is precise: the status word saved in the signal frame is the one
 * before the store -- C1, the sticky flags, TOP (no pop).  Then the same
 * store to a writable page, which sets them.  ST(0) is 1/3, so every store
 * to a narrower format is inexact and rounds.  The page is written through
 * emu386's fast paths (linear memory: the host's fault) and its slow ones
 * alike, as each store is tried several times in a row. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "twin.h"

static const double three = 3.0;
static sigjmp_buf jb;
static volatile uint16_t frame_sw;
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
#if TWIN
    frame_sw = uc->uc_mcontext.fpregs->swd;
#else
    frame_sw = (uint16_t)uc->uc_mcontext.fpregs->sw;
#endif
    faults++;
    siglongjmp(jb, 1);
}

/* ST(0) = 1/3 (inexact: C1 and PE set by the division), then the flags
 * cleared: the status word before each store */
static uint16_t third(void)
{
    uint16_t sw;
    __asm__ volatile("fninit\n\tfld1\n\tfdivl %[three]\n\tfnclex\n\tfnstsw %[sw]"
                     : [sw] "=m"(sw) : [three] "m"(three));
    return sw;
}

#define STORE(name, insn)                                                              \
    static void name(void *p)                                                          \
    {                                                                                  \
        __asm__ volatile(insn " (%0)" : : "r"(p) : "memory");                          \
    }
STORE(fsts, "fsts") STORE(fstps, "fstps") STORE(fstl, "fstl") STORE(fstpl, "fstpl")
STORE(fistl, "fistl") STORE(fistps, "fistps") STORE(fistpll, "fistpll") STORE(fstpt, "fstpt")
STORE(fbstp, "fbstp")

static const struct { const char *name; void (*fn)(void *); int size; } stores[] = {
    { "fst m32", fsts, 4 },    { "fstp m32", fstps, 4 },     { "fst m64", fstl, 8 },
    { "fstp m64", fstpl, 8 },  { "fist m32", fistl, 4 },     { "fistp m16", fistps, 2 },
    { "fistp m64", fistpll, 8 }, { "fstp m80", fstpt, 10 },  { "fbstp", fbstp, 10 },
};

int main(void)
{
    uint8_t *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return 1;
    memset(pages, 0xaa, 8192);
    uint8_t *ro = pages, *rw = pages + 4096;
    mprotect(ro, 4096, PROT_READ);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
        for (int round = 0; round < 3; round++) { /* the same store again: the fast paths */
            uint16_t before = third();
            faults = 0;
            frame_sw = 0;
            if (sigsetjmp(jb, 1) == 0)
                stores[i].fn(ro + 16);
            int same = 1;
            for (int k = 0; k < stores[i].size; k++)
                same &= ro[16 + k] == 0xaa;
            printf("%-9s read-only, round %d: sw before %04x, SIGSEGV %d, saved sw %04x, memory %s\n",
                   stores[i].name, round, before, faults, frame_sw, same ? "unchanged" : "CHANGED");
        }
        uint16_t before = third(), after;
        stores[i].fn(rw + 16 * (int)i);
        __asm__ volatile("fnstsw %0" : "=m"(after));
        printf("%-9s writable: sw before %04x after %04x, stored", stores[i].name, before, after);
        for (int k = 0; k < stores[i].size; k++)
            printf(" %02x", rw[16 * (int)i + k]);
        printf("\n");
    }
    return 0;
}
