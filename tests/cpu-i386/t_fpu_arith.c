/* x87 arithmetic: FADD FSUB FSUBR FMUL FDIV FDIVR in every form (ST(0)
 * with ST(i), ST(i) with ST(0), the pop forms, m32fp, m64fp, m32int,
 * m16int) over edge operands, every rounding mode and precision, stack
 * underflow, and each exception unmasked.  Every line prints the inputs,
 * the status word (C0, C2 and C3 masked: undefined after arithmetic), the
 * full tag word and ST(0), ST(1) after the instruction. */
#include "t_fpu_harness.h"

/* Register forms as raw bytes: gas swaps FSUB/FSUBR (and FDIV/FDIVR) in
 * the ST(i),ST form, so the encodings are spelled out; names are the
 * SDM's. */
FOP(d8_add, ".byte 0xd8, 0xc1") FOP(d8_mul, ".byte 0xd8, 0xc9") FOP(d8_sub, ".byte 0xd8, 0xe1")
FOP(d8_subr, ".byte 0xd8, 0xe9") FOP(d8_div, ".byte 0xd8, 0xf1") FOP(d8_divr, ".byte 0xd8, 0xf9")
FOP(dc_add, ".byte 0xdc, 0xc1") FOP(dc_mul, ".byte 0xdc, 0xc9") FOP(dc_subr, ".byte 0xdc, 0xe1")
FOP(dc_sub, ".byte 0xdc, 0xe9") FOP(dc_divr, ".byte 0xdc, 0xf1") FOP(dc_div, ".byte 0xdc, 0xf9")
FOP(de_add, ".byte 0xde, 0xc1") FOP(de_mul, ".byte 0xde, 0xc9") FOP(de_subr, ".byte 0xde, 0xe1")
FOP(de_sub, ".byte 0xde, 0xe9") FOP(de_divr, ".byte 0xde, 0xf1") FOP(de_div, ".byte 0xde, 0xf9")
FOP(s_add, "fadds g_mem") FOP(s_mul, "fmuls g_mem") FOP(s_sub, "fsubs g_mem")
FOP(s_subr, "fsubrs g_mem") FOP(s_div, "fdivs g_mem") FOP(s_divr, "fdivrs g_mem")
FOP(l_add, "faddl g_mem") FOP(l_mul, "fmull g_mem") FOP(l_sub, "fsubl g_mem")
FOP(l_subr, "fsubrl g_mem") FOP(l_div, "fdivl g_mem") FOP(l_divr, "fdivrl g_mem")
FOP(il_add, "fiaddl g_mem") FOP(il_mul, "fimull g_mem") FOP(il_sub, "fisubl g_mem")
FOP(il_subr, "fisubrl g_mem") FOP(il_div, "fidivl g_mem") FOP(il_divr, "fidivrl g_mem")
FOP(is_add, "fiadds g_mem") FOP(is_mul, "fimuls g_mem") FOP(is_sub, "fisubs g_mem")
FOP(is_subr, "fisubrs g_mem") FOP(is_div, "fidivs g_mem") FOP(is_divr, "fidivrs g_mem")
/* FADDP/FMULP... without operands are DE C1 etc. (above); the ST(2) forms
 * check the register number is decoded */
FOP(d8_sub2, ".byte 0xd8, 0xe2") FOP(dc_div2, ".byte 0xdc, 0xfa") FOP(de_subr2, ".byte 0xde, 0xe2")

static const Op d8ops[] = {
    { "fadd st,st1", d8_add }, { "fmul st,st1", d8_mul }, { "fsub st,st1", d8_sub },
    { "fsubr st,st1", d8_subr }, { "fdiv st,st1", d8_div }, { "fdivr st,st1", d8_divr },
};
static const Op regops[] = {
    { "fadd st,st1", d8_add }, { "fmul st,st1", d8_mul }, { "fsub st,st1", d8_sub },
    { "fsubr st,st1", d8_subr }, { "fdiv st,st1", d8_div }, { "fdivr st,st1", d8_divr },
    { "fadd st1,st", dc_add }, { "fmul st1,st", dc_mul }, { "fsubr st1,st", dc_subr },
    { "fsub st1,st", dc_sub }, { "fdivr st1,st", dc_divr }, { "fdiv st1,st", dc_div },
    { "faddp st1,st", de_add }, { "fmulp st1,st", de_mul }, { "fsubrp st1,st", de_subr },
    { "fsubp st1,st", de_sub }, { "fdivrp st1,st", de_divr }, { "fdivp st1,st", de_div },
};
#define NREG (int)(sizeof regops / sizeof regops[0])

/* memory forms: kind 0 m32fp, 1 m64fp, 2 m32int, 3 m16int */
static const struct { Op op; int kind; } memops[] = {
    { { "fadd m32", s_add }, 0 }, { { "fmul m32", s_mul }, 0 }, { { "fsub m32", s_sub }, 0 },
    { { "fsubr m32", s_subr }, 0 }, { { "fdiv m32", s_div }, 0 }, { { "fdivr m32", s_divr }, 0 },
    { { "fadd m64", l_add }, 1 }, { { "fmul m64", l_mul }, 1 }, { { "fsub m64", l_sub }, 1 },
    { { "fsubr m64", l_subr }, 1 }, { { "fdiv m64", l_div }, 1 }, { { "fdivr m64", l_divr }, 1 },
    { { "fiadd m32", il_add }, 2 }, { { "fimul m32", il_mul }, 2 }, { { "fisub m32", il_sub }, 2 },
    { { "fisubr m32", il_subr }, 2 }, { { "fidiv m32", il_div }, 2 }, { { "fidivr m32", il_divr }, 2 },
    { { "fiadd m16", is_add }, 3 }, { { "fimul m16", is_mul }, 3 }, { { "fisub m16", is_sub }, 3 },
    { { "fisubr m16", is_subr }, 3 }, { { "fidiv m16", is_div }, 3 }, { { "fidivr m16", is_divr }, 3 },
};
#define NMEM (int)(sizeof memops / sizeof memops[0])

/* memory operands per kind (as raw bits) */
static const uint64_t memv[4][9] = {
    { 0x00000000, 0x80000000, 0x00000001, 0x00800000, 0x7f7fffff, 0x7f800001, 0xffc00001,
      0xff800000, 0x40400000 },
    { 0x0000000000000000ull, 0x8000000000000000ull, 0x000fffffffffffffull, 0x0010000000000000ull,
      0x7fefffffffffffffull, 0xfff0000000000001ull, 0x7ff8000000000001ull, 0x7ff0000000000000ull,
      0xbfd5555555555555ull },
    { 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 3, 0x00123457, 0xfffffffd, 10 },
    { 0, 1, 0xffff, 0x7fff, 0x8000, 3, 0x1235, 0xfffd, 10 },
};

static void set_mem(int kind, uint64_t v)
{
    memset(g_mem, 0, sizeof g_mem);
    memcpy(g_mem, &v, kind == 1 ? 8 : kind == 3 ? 2 : 4);
}

static void run_mem(int m, uint64_t v, uint16_t cw, const X *st0)
{
    set_mem(memops[m].kind, v);
    st_init(cw, 0, st0 ? 1 : 0, st0);
    memops[m].op.fn();
    printf("%s cw=%04x m=%llx", memops[m].op.name, cw, (unsigned long long)v);
    pr_in(1);
    printf(" ->");
    pr_state(SW_ARITH, 2);
    printf("\n");
}

/* operand pairs that raise each exception in some operation */
static const X trig[][2] = {
    { { 0xa000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0x3fff } }, /* SNaN, 1: IE */
    { { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff } }, /* inf, -inf: IE */
    { { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0x7fff } }, /* inf, inf */
    { { 0, 0 }, { 0, 0x8000 } },                                              /* 0, -0 */
    { { 0x4000000000000000ull, 0x0000 }, { 0xc000000000000000ull, 0x4000 } }, /* denormal, 3: DE */
    { { 0xc000000000000000ull, 0x4000 }, { 0, 0 } },                          /* 3, 0: ZE */
    { { 0xffffffffffffffffull, 0x7ffe }, { 0xc000000000000000ull, 0x7ffe } }, /* max, big: OE */
    { { 0x8000000000000000ull, 0x0001 }, { 0xc000000000000000ull, 0x0005 } }, /* tiny, tiny: UE */
    { { 0x8000000000000000ull, 0x7ffe }, { 0x8000000000000000ull, 0x4000 } }, /* 2^16383, 2: exact OE */
    { { 0x0000000000000001ull, 0x0000 }, { 0xffffffffffffffffull, 0x7ffe } }, /* min denormal, max */
    { { 0x8000000000000000ull, 0x0001 }, { 0xc000000000000000ull, 0x4000 } }, /* min normal, 3 */
    { { 0xffffffffffffffffull, 0x3ffe }, { 0x8000000000000000ull, 0x0001 } }, /* rounds up to min normal */
    { { 0xaaaaaaaaaaaaaaabull, 0x3ffd }, { 0xc000000000000000ull, 0x4000 } }, /* 1/3, 3: PE */
    { { 0x8000000000000000ull, 0x3fff }, { 0xc000000000000000ull, 0x4000 } }, /* 1, 3: PE */
    { { 0x8000000000000000ull, 0x0001 }, { 0xc000000000000000ull, 0xc000 } }, /* subtract to a denormal */
    { { 0xffffffffffffffffull, 0xbffe }, { 0x8000000000000000ull, 0x0001 } }, /* negative, rounds to the min normal */
};
#define NTRIG (int)(sizeof trig / sizeof trig[0])

/* control words: all masked, each exception alone unmasked, all unmasked,
 * and all unmasked at PC=24 rounding up (re-biased results rounded) */
static const uint16_t ucw[] = { 0x037f, 0x037e, 0x037d, 0x037b, 0x0377, 0x036f, 0x035f,
                                0x0340, 0x0840, 0x0e40 };
#define NUCW (int)(sizeof ucw / sizeof ucw[0])

int main(void)
{
    /* every pair of edge operands, default control word */
    for (int o = 0; o < 6; o++)
        for (int i = 0; i < NEDGE; i++)
            for (int j = 0; j < NEDGE; j++) {
                st_init2(0x037f, edge[i], edge[j]);
                run_op(&d8ops[o], 2, SW_ARITH, 1);
            }
    /* finite operands near ties, every rounding mode and precision */
    for (int c = 0; c < NRCPC; c++)
        for (int o = 0; o < 6; o++)
            for (int i = 0; i < NFIN; i++)
                for (int j = 0; j < NFIN; j++) {
                    st_init2(rc_pc[c], fin[i], fin[j]);
                    run_op(&d8ops[o], 2, SW_ARITH, 1);
                }
    /* PC=1 is reserved: the x87 rounds as for 64 bits */
    for (int o = 0; o < 6; o++)
        for (int i = 0; i < NFIN; i += 2)
            for (int j = 1; j < NFIN; j += 2) {
                st_init2(0x017f, fin[i], fin[j]);
                run_op(&d8ops[o], 2, SW_ARITH, 1);
            }
    /* edge operands at the other precisions and rounding modes */
    for (int c = 1; c < NRCPC; c += 3)
        for (int o = 0; o < 6; o += 2)
            for (int i = 0; i < NEDGE; i += 2)
                for (int j = 1; j < NEDGE; j += 2) {
                    st_init2(rc_pc[c], edge[i], edge[j]);
                    run_op(&d8ops[o], 2, SW_ARITH, 1);
                }
    /* every register form, the exception triggers, masked and unmasked */
    for (int u = 0; u < NUCW; u++)
        for (int o = 0; o < NREG; o++)
            for (int t = 0; t < NTRIG; t++) {
                st_init2(ucw[u], trig[t][0], trig[t][1]);
                if (t & 1) /* C1 set before: is it kept or written? */
                    g_in.sw |= 0x0200;
                run_op(&regops[o], 2, SW_ARITH, 2);
                if (u == 0 || u == 7) { /* the operands the other way round */
                    st_init2(ucw[u], trig[t][1], trig[t][0]);
                    run_op(&regops[o], 2, SW_ARITH, 2);
                }
            }
    /* stack underflow: ST(0) or ST(1) empty, or both; IE masked and not */
    static const uint16_t ucw2[] = { 0x037f, 0x037e, 0x0340 };
    for (int u = 0; u < 3; u++)
        for (int o = 0; o < NREG; o++)
            for (int e = 0; e < 3; e++) {
                st_init2(ucw2[u], v_two, v_one);
                if (e != 1) mark_empty(0);
                if (e != 0) mark_empty(1);
                run_op(&regops[o], 2, SW_ARITH, 2);
            }
    /* other register numbers */
    static const Op st2ops[] = { { "fsub st,st2", d8_sub2 }, { "fdiv st2,st", dc_div2 },
                                 { "fsubrp st2,st", de_subr2 } };
    static const X three[3] = { { 0xc000000000000000ull, 0x4000 }, { 0x8000000000000000ull, 0x3fff },
                                { 0xa000000000000000ull, 0x4002 } };
    for (int o = 0; o < 3; o++) {
        st_init(0x037f, 5, 3, three);
        run_op(&st2ops[o], 3, SW_ARITH, 3);
        st_init(0x037f, 5, 2, three);
        run_op(&st2ops[o], 3, SW_ARITH, 3);
    }
    /* memory forms: ST(0) from edge operands and empty, every memory operand */
    static const int st0s[] = { 0, 1, 2, 6, 7, 9, 11, 12, 13, 16, 18, 20, 21 };
    for (int m = 0; m < NMEM; m++)
        for (int v = 0; v < 9; v++) {
            for (size_t s = 0; s < sizeof st0s / sizeof st0s[0]; s++)
                run_mem(m, memv[memops[m].kind][v], 0x037f, &edge[st0s[s]]);
            run_mem(m, memv[memops[m].kind][v], 0x037f, NULL);
            run_mem(m, memv[memops[m].kind][v], 0x0340, NULL);
        }
    /* memory forms with exceptions unmasked */
    static const X mst0[] = { { 0xffffffffffffffffull, 0x7ffe }, { 0x8000000000000000ull, 0x0001 },
                              { 0x8000000000000000ull, 0x3fff }, { 0x4000000000000000ull, 0x0000 },
                              { 0xa000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff } };
    for (int u = 1; u < NUCW; u++)
        for (int m = 0; m < NMEM; m++)
            for (int s = 0; s < 6; s++)
                for (int v = 2; v < 9; v += v == 4 ? 1 : 2) /* 2 4 5 6 8 */
                    run_mem(m, memv[memops[m].kind][v], ucw[u], &mst0[s]);
    return 0;
}
