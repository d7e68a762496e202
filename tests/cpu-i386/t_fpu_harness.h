/* Shared by the t_fpu_* programs: run one x87 instruction on a whole FPU
 * state loaded by FRSTOR (so any register contents, tags and TOP can be
 * set up, unsupported encodings included) and capture the state after it
 * with FNSAVE, which does not wait: an unmasked exception stays pending
 * (ES set) and is discarded by the FNINIT that follows, so no #MF is
 * raised.  The instruction pointer and opcode fields of the image (FIP,
 * FCS, FOP, FDP, FDS) are never printed: AMD and Intel CPUs store them
 * differently (and newer Intel CPUs deprecate FCS/FDS). */
#ifndef T_FPU_HARNESS_H
#define T_FPU_HARNESS_H
#include <stdint.h>
#include <stdio.h>
#include "twin.h"
#include <string.h>

typedef struct { uint64_t m; uint16_t e; } __attribute__((packed)) X;

typedef struct {
    uint16_t cw, r0, sw, r1, tw, r2;
    uint32_t fip;
    uint16_t fcs, fop;
    uint32_t fdp;
    uint16_t fds, r3;
    X st[8]; /* ST(0)..ST(7) */
} __attribute__((packed)) Fsave;

/* Referenced by name from the asm below (static, non-PIE programs). */
Fsave g_in __attribute__((used, aligned(16)));
Fsave g_out __attribute__((used, aligned(16)));
uint8_t g_mem[32] __attribute__((used, aligned(16)));
uint32_t g_eax_in __attribute__((used)), g_eax __attribute__((used));
uint32_t g_fl_in __attribute__((used)), g_fl __attribute__((used));

/* One instruction (or a short sequence) between FRSTOR and FNSAVE.  EAX
 * and EFLAGS are loaded from g_eax_in/g_fl_in before and saved after. */
#if TWIN /* no 32-bit PUSH/POP of memory: go through RAX (MOV leaves the flags alone) */
#define FL_IN "movl g_fl_in, %%eax\n\tpushq %%rax\n\tpopfq\n\tmovl g_eax_in, %%eax\n\t"
#define FL_OUT "movl %%eax, g_eax\n\tpushfq\n\tpopq %%rax\n\tmovl %%eax, g_fl\n\t"
#else
#define FL_IN "movl g_eax_in, %%eax\n\tpushl g_fl_in\n\tpopf\n\t"
#define FL_OUT "pushf\n\tpopl g_fl\n\tmovl %%eax, g_eax\n\t"
#endif
#define FOP(fn, insn)                                                                   \
    static void fn(void)                                                                \
    {                                                                                   \
        __asm__ volatile(FL_IN "frstor g_in\n\t" insn "\n\t" FL_OUT                    \
                         "fnsave g_out\n\tfninit"                                       \
                         ::: "memory", "cc", "eax");                                    \
    }

typedef void (*Fn)(void);
typedef struct { const char *name; Fn fn; } Op;

#define CF_ 0x001u
#define PF_ 0x004u
#define ZF_ 0x040u

/* Status word masks: the SDM leaves C0, C2 and C3 undefined after most
 * arithmetic, loads and stores; C1 is defined (rounded up / stack
 * overflow). */
#define SW_ALL 0xffffu
#define SW_ARITH 0xbaffu

static const X v_pz = { 0, 0 }, v_nz = { 0, 0x8000 };
static const X v_one = { 0x8000000000000000ull, 0x3fff };
static const X v_two = { 0x8000000000000000ull, 0x4000 };

static X x_of(uint16_t e, uint64_t m)
{
    X x = { m, e };
    return x;
}

/* A state with cw, TOP = top and ST(0)..ST(n-1) from regs (ST(0) first);
 * the other registers are empty and hold a recognisable filler. */
static void st_init(uint16_t cw, int top, int n, const X *regs)
{
    memset(&g_in, 0, sizeof g_in);
    g_in.cw = cw;
    g_in.sw = (uint16_t)((top & 7) << 11);
    g_in.tw = 0xffff;
    for (int i = 0; i < 8; i++) {
        int p = (top + i) & 7;
        if (i < n) {
            g_in.st[i] = regs[i];
            g_in.tw &= (uint16_t)~(3u << (2 * p));
        } else {
            g_in.st[i] = x_of(0x1234, 0x5555aaaa5555aaaaull + (uint64_t)i);
        }
    }
}

static __attribute__((unused)) void st_init2(uint16_t cw, X a, X b)
{
    X r[2] = { a, b };
    st_init(cw, 0, 2, r);
}

static int out_empty(int i)
{
    int p = (((g_out.sw >> 11) & 7) + i) & 7;
    return ((g_out.tw >> (2 * p)) & 3) == 3;
}

static void pr_x(X x) { printf(" %04x:%016llx", x.e, (unsigned long long)x.m); }

/* sw (masked), the full tag word and ST(0)..ST(n-1), "--" for empty */
static void pr_state(uint16_t swmask, int n)
{
    printf(" sw=%04x tw=%04x", g_out.sw & swmask, g_out.tw);
    for (int i = 0; i < n; i++) {
        if (out_empty(i))
            printf(" --");
        else
            pr_x(g_out.st[i]);
    }
}

static int in_empty(int i)
{
    int p = (((g_in.sw >> 11) & 7) + i) & 7;
    return ((g_in.tw >> (2 * p)) & 3) == 3;
}

static __attribute__((unused)) void mark_empty(int i)
{
    int p = (((g_in.sw >> 11) & 7) + i) & 7;
    g_in.tw |= (uint16_t)(3u << (2 * p));
}

static void pr_in(int n)
{
    for (int i = 0; i < n; i++) {
        if (in_empty(i))
            printf(" --");
        else
            pr_x(g_in.st[i]);
    }
}

/* run op and print "name cw=.... [cc=..] <inputs> ->" */
static void run_head(const Op *op, int nin)
{
    op->fn();
    printf("%s cw=%04x", op->name, g_in.cw);
    if (g_in.sw & 0x4700)
        printf(" cc=%x", (g_in.sw >> 8) & 0x47);
    pr_in(nin);
    printf(" ->");
}

/* "name cw=.... <inputs> -> <state>" */
static __attribute__((unused)) void run_op(const Op *op, int nin, uint16_t swmask, int nout)
{
    run_head(op, nin);
    pr_state(swmask, nout);
    printf("\n");
}

/* Edge operands: zeros, denormals and pseudo-denormals, unsupported
 * encodings, extremes, infinities, NaNs of both kinds and signs with
 * different payloads, the indefinite, and ordinary numbers. */
static const X edge[] = {
    { 0, 0 },                               /* +0 */
    { 0, 0x8000 },                          /* -0 */
    { 0x0000000000000001ull, 0x0000 },      /* smallest denormal */
    { 0x4000000000000000ull, 0x8000 },      /* -denormal */
    { 0x8000000000000001ull, 0x0000 },      /* pseudo-denormal */
    { 0x8000000000000000ull, 0x0001 },      /* smallest normal */
    { 0x4000000000000000ull, 0x4000 },      /* unnormal */
    { 0x0000000000000000ull, 0x7fff },      /* pseudo-infinity */
    { 0x4000000000000001ull, 0xffff },      /* pseudo-NaN */
    { 0xffffffffffffffffull, 0x7ffe },      /* largest finite */
    { 0xffffffffffffffffull, 0xfffe },      /* -largest finite */
    { 0x8000000000000000ull, 0x7fff },      /* +inf */
    { 0x8000000000000000ull, 0xffff },      /* -inf */
    { 0xc000000000000001ull, 0x7fff },      /* QNaN, small payload */
    { 0xd000000000000000ull, 0xffff },      /* -QNaN, larger payload */
    { 0x8000000000000001ull, 0xffff },      /* -SNaN, small payload */
    { 0xa000000000000000ull, 0x7fff },      /* SNaN, larger payload */
    { 0xc000000000000000ull, 0xffff },      /* indefinite */
    { 0x8000000000000000ull, 0x3fff },      /* 1 */
    { 0x8000000000000000ull, 0xbfff },      /* -1 */
    { 0xc000000000000000ull, 0x4000 },      /* 3 */
    { 0xaaaaaaaaaaaaaaabull, 0x3ffd },      /* ~1/3 */
    { 0x8000000000000400ull, 0x3fff },      /* 1 + 2^-53: a tie at PC=53 */
    { 0x8000008000000000ull, 0xbfff },      /* -(1 + 2^-24): a tie at PC=24 */
    { 0x8000000000000001ull, 0x3fbf },      /* 2^-64 + ulp: above a tie at PC=64 */
    { 0xfffffffffffff800ull, 0x43fe },      /* 2^1023 (1 - 2^-53), double max's neighbour */
};
#define NEDGE (int)(sizeof edge / sizeof edge[0])

/* Ordinary finite operands for the rounding mode x precision sweeps:
 * their sums, products and quotients fall near ties at 24, 53 and 64 bits
 * and near the double and single ranges' ends. */
static const X fin[] = {
    { 0x8000000000000000ull, 0x3fff },      /* 1 */
    { 0xaaaaaaaaaaaaaaabull, 0xbffd },      /* -1/3 */
    { 0x8000000000000400ull, 0x3fff },      /* 1 + 2^-53 */
    { 0x8000004000000001ull, 0x3fe6 },      /* 2^-25 (1 + 2^-25 + 2^-63) */
    { 0x8000000000000c00ull, 0xbfca },      /* -2^-53 (1 + 2^-53 + 2^-52) */
    { 0xffffff8000000000ull, 0x407e },      /* float max */
    { 0x8000000000000000ull, 0x3c01 },      /* double min normal */
    { 0xc90fdaa22168c235ull, 0x4000 },      /* pi */
    { 0x8000000000000001ull, 0x0001 },      /* min normal + ulp */
};
#define NFIN (int)(sizeof fin / sizeof fin[0])

static const uint16_t rc_pc[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x067f, 0x0a7f,
                                  0x0e7f, 0x007f, 0x047f, 0x087f, 0x0c7f };
#define NRCPC (int)(sizeof rc_pc / sizeof rc_pc[0])
#endif
