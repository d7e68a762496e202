/* Single-stepping with TF: which instructions trap, REP MOVSB trapping
 * once per iteration, and the MOV SS / POP SS shadow. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

extern char ss_begin[], ss_end[];
static volatile int traps;
static volatile uint32_t eips[64];

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    uint32_t eip = (uint32_t)uc->uc_mcontext.gregs[REG_EIP];
    if (traps < 64)
        eips[traps] = eip;
    traps++;
    if (eip >= (uint32_t)(uintptr_t)ss_end)
        uc->uc_mcontext.gregs[REG_EFL] &= ~0x100; /* stop stepping */
}

static char src[8] = "abcdefg", dst[8];

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("pushf\n\torl $0x100, (%%esp)\n\tpopf\n"
                     ".globl ss_begin\nss_begin:\n\t"
                     "nop\n\t"
                     "movl $3, %%ecx\n\t"
                     "cld\n\trep movsb\n\t"       /* one trap per iteration */
                     "mov %%ss, %%ax\n\t"
                     "mov %%ax, %%ss\n\t"         /* no trap after this one */
                     "nop\n\t"
                     "push %%ss\n\t"
                     "pop %%ss\n\t"               /* nor after this */
                     "nop\n\t"
                     "addl $1, %%eax\n\t"
                     ".globl ss_end\nss_end:\n\t"
                     "nop\n\tnop"
                     : : "S"(src), "D"(dst) : "eax", "ecx", "memory", "cc");
    printf("traps: %d\n", traps);
    for (int i = 0; i < traps && i < 64; i++)
        printf("trap %2d at ss_begin%+d\n", i, (int)(eips[i] - (uint32_t)(uintptr_t)ss_begin));
    printf("dst=%s\n", dst);
    return 0;
}
