/* x87 one- and two-operand operations on the stack: FSQRT FRNDINT FXTRACT
 * FABS FCHS FSCALE FPREM FPREM1, over edge operands in every rounding mode
 * and precision, the FPREM/FPREM1 partial-remainder protocol (C2 until
 * done, quotient bits in C0 C3 C1) with large exponent differences, stack
 * faults and unmasked exceptions.  C0, C2 and C3 are masked except after
 * FPREM/FPREM1, where the SDM defines all four. */
#include "t_fpu_harness.h"

FOP(f_sqrt, "fsqrt") FOP(f_rndint, "frndint") FOP(f_xtract, "fxtract") FOP(f_abs, "fabs")
FOP(f_chs, "fchs") FOP(f_scale, "fscale") FOP(f_prem, "fprem") FOP(f_prem1, "fprem1")

static const Op unops[] = { { "fsqrt", f_sqrt }, { "frndint", f_rndint }, { "fxtract", f_xtract },
                            { "fabs", f_abs }, { "fchs", f_chs } };
static const Op binops[] = { { "fscale", f_scale }, { "fprem", f_prem }, { "fprem1", f_prem1 } };

static uint16_t swmask_of(Fn fn) { return fn == f_prem || fn == f_prem1 ? SW_ALL : SW_ARITH; }

/* scale factors and divisors */
static const X sc[] = {
    { 0x8000000000000000ull, 0x3fff },      /* 1 */
    { 0x8000000000000000ull, 0xbfff },      /* -1 */
    { 0xc000000000000000ull, 0x3ffe },      /* 0.75: truncated to 0 */
    { 0xe000000000000000ull, 0xbfff },      /* -1.75: truncated to -1 */
    { 0x8000000000000000ull, 0x400d },      /* 16384 */
    { 0x8000000000000000ull, 0xc00d },      /* -16384 */
    { 0xfffe000000000000ull, 0x400d },      /* 32767 */
    { 0xfffe000000000000ull, 0xc00d },      /* -32767 */
    { 0x8000000000000000ull, 0x4013 },      /* 2^20 */
    { 0x8000000000000000ull, 0xc03e },      /* -2^63 */
    { 0x8000000000000000ull, 0x4004 },      /* 32 */
    { 0xc90fdaa22168c235ull, 0x4000 },      /* pi */
};
#define NSC (int)(sizeof sc / sizeof sc[0])

static const X big[] = {
    { 0xc90fdaa22168c235ull, 0x4000 + 200 }, /* pi 2^200 */
    { 0xffffffffffffffffull, 0x7ffe },       /* max */
    { 0x8000000000000001ull, 0x3fff + 1000 },
    { 0x8000000000000000ull, 0x3fff + 63 },
    { 0xd555555555555555ull, 0xbfff + 64 },
    { 0x8000000000000000ull, 0x3fff + 95 },
    { 0x8000000000000000ull, 0x3fff + 96 },
};

/* an FPREM loop: run until C2 clears (at most 700 steps); print each step
 * when verbose, else the last one and the step count */
static void prem_loop(const Op *op, X a, X b, uint16_t cw, int verbose)
{
    st_init2(cw, a, b);
    int steps = 0;
    do {
        op->fn();
        steps++;
        if (verbose) {
            printf("%s loop step %d", op->name, steps);
            pr_state(SW_ALL, 2);
            printf("\n");
        }
        memcpy(&g_in, &g_out, sizeof g_in);
    } while ((g_out.sw & 0x0400) && steps < 700);
    printf("%s loop cw=%04x", op->name, cw);
    pr_x(a);
    pr_x(b);
    printf(" steps=%d ->", steps);
    pr_state(SW_ALL, 2);
    printf("\n");
}

static const uint16_t ucw[] = { 0x037e, 0x037d, 0x037b, 0x0377, 0x036f, 0x035f, 0x0340, 0x0b40 };
#define NUCW (int)(sizeof ucw / sizeof ucw[0])

int main(void)
{
    for (int c = 0; c < NRCPC; c++)
        for (int o = 0; o < 5; o++)
            for (int i = 0; i < NEDGE; i++) {
                st_init(rc_pc[c], 0, 1, &edge[i]);
                run_op(&unops[o], 1, SW_ARITH, 2);
            }
    for (int c = 0; c < NRCPC; c++)
        for (int o = 0; o < 5; o++)
            for (int i = 0; i < NFIN; i++) {
                X v = fin[i];
                for (int k = 0; k < 3; k++) { /* and 2^30, 2^62 times as large */
                    st_init(rc_pc[c], 0, 1, &v);
                    run_op(&unops[o], 1, SW_ARITH, 2);
                    v.e = (uint16_t)(v.e + 30 + 2 * k);
                }
            }
    /* FRNDINT near halves and integers */
    static const X halves[] = { { 0xc000000000000000ull, 0x3fff }, { 0xa000000000000000ull, 0xc000 },
                                { 0xe000000000000000ull, 0x4000 }, { 0x8000000000000000ull, 0x3ffe },
                                { 0x8000000000000001ull, 0xbffe }, { 0xffffffffffffffffull, 0x403d },
                                { 0xffffffffffffffffull, 0x403e }, { 0xffffffffffffffffull, 0xbffd } };
    for (int c = 0; c < 4; c++)
        for (int i = 0; i < 8; i++) {
            st_init(rc_pc[c], 0, 1, &halves[i]);
            run_op(&unops[1], 1, SW_ARITH, 1);
        }
    /* two-operand forms: every pair of edge operands */
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < NEDGE; i++)
            for (int j = 0; j < NEDGE; j++) {
                st_init2(0x037f, edge[i], edge[j]);
                run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
            }
    for (int c = 0; c < NRCPC; c += 1)
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < NFIN; i++)
                for (int j = 0; j < NSC; j++) {
                    st_init2(rc_pc[c], fin[i], sc[j]);
                    run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
                }
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < NEDGE; i++)
            for (int j = 0; j < NSC; j++) {
                st_init2(0x037f, edge[i], sc[j]);
                run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
                st_init2(0x0f7f, sc[j], edge[i]);
                run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
            }
    /* FPREM/FPREM1 until complete */
    prem_loop(&binops[1], big[0], sc[11], 0x037f, 1);
    prem_loop(&binops[2], big[0], sc[11], 0x037f, 1);
    for (int o = 1; o < 3; o++)
        for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
            for (int j = 0; j < NSC; j++) {
                X d = sc[j];
                prem_loop(&binops[o], big[i], d, 0x037f, 0);
                d.e ^= 0x8000;
                prem_loop(&binops[o], big[i], d, 0x0f7f, 0);
                prem_loop(&binops[o], big[i], edge[5], 0x037f, 0); /* by the smallest normal */
            }
    /* stack faults: empty operands, FXTRACT into a full stack */
    static const X full[8] = { { 0xc000000000000000ull, 0x4000 }, { 0x8000000000000000ull, 0x3fff } };
    static const uint16_t fcw[] = { 0x037f, 0x037e };
    for (int u = 0; u < 2; u++) {
        for (int o = 0; o < 5; o++) {
            st_init(fcw[u], 3, 0, NULL);
            run_op(&unops[o], 1, SW_ARITH, 2);
            st_init(fcw[u], 3, 8, full);
            g_in.sw |= 0x0200;
            run_op(&unops[o], 1, SW_ARITH, 2);
        }
        for (int o = 0; o < 3; o++) {
            st_init(fcw[u], 3, 1, full);
            run_op(&binops[o], 2, SW_ARITH, 2);
            st_init(fcw[u], 3, 2, full);
            mark_empty(0);
            run_op(&binops[o], 2, SW_ARITH, 2);
        }
    }
    /* unmasked exceptions */
    static const X utrig[] = {
        { 0xa000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xbfff },
        { 0x4000000000000000ull, 0x0000 }, { 0x8000000000000000ull, 0x0001 },
        { 0xc000000000000000ull, 0x4000 }, { 0, 0 }, { 0x8000000000000000ull, 0xffff },
        { 0xc000000000000000ull, 0x3fff }, { 0x4000000000000000ull, 0x4000 },
    };
    for (int u = 0; u < NUCW; u++) {
        for (int o = 0; o < 5; o++)
            for (size_t t = 0; t < sizeof utrig / sizeof utrig[0]; t++) {
                st_init(ucw[u], 0, 1, &utrig[t]);
                g_in.sw |= 0x0200;
                run_op(&unops[o], 1, SW_ARITH, 2);
            }
        for (int o = 0; o < 3; o++)
            for (size_t t = 0; t < sizeof utrig / sizeof utrig[0]; t++)
                for (int j = 0; j < NSC; j += 2) {
                    st_init2(ucw[u], utrig[t], sc[j]);
                    run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
                    st_init2(ucw[u], sc[j], utrig[t]);
                    run_op(&binops[o], 2, swmask_of(binops[o].fn), 2);
                }
        /* FSCALE out of range: the re-biased exponent */
        for (int j = 4; j < 10; j++) {
            st_init2(ucw[u], edge[9], sc[j]);
            run_op(&binops[0], 2, SW_ARITH, 2);
            st_init2(ucw[u], edge[5], sc[j]);
            run_op(&binops[0], 2, SW_ARITH, 2);
            st_init2(ucw[u], edge[2], sc[j]);
            run_op(&binops[0], 2, SW_ARITH, 2);
        }
    }
    return 0;
}
