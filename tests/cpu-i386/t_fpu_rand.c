/* x87 instructions on random states: a fixed-seed PRNG picks the
 * instruction (every non-transcendental form with a register or memory
 * operand), the control word (masks, RC, PC), TOP, how many registers are
 * in use, their contents (edge operands, random finite values near each
 * other and near the range ends, random bit patterns including
 * unsupported encodings), the memory operand and EFLAGS.  It finds the
 * interactions the systematic programs do not enumerate.  Status word bits
 * the SDM leaves undefined for the instruction are masked. */
#include "t_fpu_harness.h"

FOP(d8_0, ".byte 0xd8, 0xc1") FOP(d8_1, ".byte 0xd8, 0xca") FOP(d8_4, ".byte 0xd8, 0xe3")
FOP(d8_5, ".byte 0xd8, 0xe9") FOP(d8_6, ".byte 0xd8, 0xf2") FOP(d8_7, ".byte 0xd8, 0xfb")
FOP(dc_0, ".byte 0xdc, 0xc2") FOP(dc_1, ".byte 0xdc, 0xc9") FOP(dc_4, ".byte 0xdc, 0xe1")
FOP(dc_5, ".byte 0xdc, 0xeb") FOP(dc_6, ".byte 0xdc, 0xf1") FOP(dc_7, ".byte 0xdc, 0xfa")
FOP(de_0, ".byte 0xde, 0xc1") FOP(de_1, ".byte 0xde, 0xcb") FOP(de_4, ".byte 0xde, 0xe2")
FOP(de_5, ".byte 0xde, 0xe9") FOP(de_6, ".byte 0xde, 0xf3") FOP(de_7, ".byte 0xde, 0xf9")
FOP(m_fadds, "fadds g_mem") FOP(m_fmuls, "fmuls g_mem") FOP(m_fsubs, "fsubs g_mem")
FOP(m_fsubrs, "fsubrs g_mem") FOP(m_fdivs, "fdivs g_mem") FOP(m_fdivrs, "fdivrs g_mem")
FOP(m_faddl, "faddl g_mem") FOP(m_fmull, "fmull g_mem") FOP(m_fsubl, "fsubl g_mem")
FOP(m_fsubrl, "fsubrl g_mem") FOP(m_fdivl, "fdivl g_mem") FOP(m_fdivrl, "fdivrl g_mem")
FOP(m_fiaddl, "fiaddl g_mem") FOP(m_fimuls, "fimuls g_mem") FOP(m_fisubl, "fisubl g_mem")
FOP(m_fisubrs, "fisubrs g_mem") FOP(m_fidivl, "fidivl g_mem") FOP(m_fidivrs, "fidivrs g_mem")
FOP(c_fcom, "fcom %%st(2)") FOP(c_fcomp, "fcomp %%st(1)") FOP(c_fcompp, "fcompp")
FOP(c_fucom, "fucom %%st(3)") FOP(c_fucomp, "fucomp %%st(1)") FOP(c_fucompp, "fucompp")
FOP(c_fcoms, "fcoms g_mem") FOP(c_fcompl, "fcompl g_mem") FOP(c_ficoms, "ficoms g_mem")
FOP(c_ficompl, "ficompl g_mem") FOP(c_ftst, "ftst") FOP(c_fxam, "fxam")
FOP(i_fcomi, "fcomi %%st(1), %%st") FOP(i_fcomip, "fcomip %%st(2), %%st")
FOP(i_fucomi, "fucomi %%st(1), %%st") FOP(i_fucomip, "fucomip %%st(1), %%st")
FOP(l_flds, "flds g_mem") FOP(l_fldl, "fldl g_mem") FOP(l_fldt, "fldt g_mem") FOP(l_fld2, "fld %%st(2)")
FOP(l_filds, "filds g_mem") FOP(l_fildl, "fildl g_mem") FOP(l_fildll, "fildll g_mem") FOP(l_fbld, "fbld g_mem")
FOP(s_fsts, "fsts g_mem") FOP(s_fstpl, "fstpl g_mem") FOP(s_fstpt, "fstpt g_mem") FOP(s_fst3, "fst %%st(3)")
FOP(s_fstp1, "fstp %%st(1)") FOP(s_fists, "fists g_mem") FOP(s_fistpl, "fistpl g_mem")
FOP(s_fistpll, "fistpll g_mem") FOP(s_fbstp, "fbstp g_mem")
FOP(x_fxch, "fxch %%st(2)") FOP(x_ffree, "ffree %%st(1)") FOP(x_finc, "fincstp") FOP(x_fdec, "fdecstp")
FOP(k_fld1, "fld1") FOP(k_fldpi, "fldpi") FOP(k_fldl2e, "fldl2e") FOP(k_fldz, "fldz")
FOP(v_cmovb, "fcmovb %%st(1), %%st") FOP(v_cmovne, "fcmovne %%st(2), %%st")
FOP(v_cmovbe, "fcmovbe %%st(1), %%st") FOP(v_cmovnu, "fcmovnu %%st(3), %%st")
FOP(u_fsqrt, "fsqrt") FOP(u_frndint, "frndint") FOP(u_fxtract, "fxtract") FOP(u_fabs, "fabs")
FOP(u_fchs, "fchs") FOP(u_fscale, "fscale") FOP(u_fprem, "fprem") FOP(u_fprem1, "fprem1")

/* mem: the memory operand's size (0 none); mask: the status word bits to print */
static const struct { Op op; int mem; uint16_t mask; } ops[] = {
    { { "fadd st,st1", d8_0 }, 0, SW_ARITH }, { { "fmul st,st2", d8_1 }, 0, SW_ARITH },
    { { "fsub st,st3", d8_4 }, 0, SW_ARITH }, { { "fsubr st,st1", d8_5 }, 0, SW_ARITH },
    { { "fdiv st,st2", d8_6 }, 0, SW_ARITH }, { { "fdivr st,st3", d8_7 }, 0, SW_ARITH },
    { { "fadd st2,st", dc_0 }, 0, SW_ARITH }, { { "fmul st1,st", dc_1 }, 0, SW_ARITH },
    { { "fsubr st1,st", dc_4 }, 0, SW_ARITH }, { { "fsub st3,st", dc_5 }, 0, SW_ARITH },
    { { "fdivr st1,st", dc_6 }, 0, SW_ARITH }, { { "fdiv st2,st", dc_7 }, 0, SW_ARITH },
    { { "faddp st1,st", de_0 }, 0, SW_ARITH }, { { "fmulp st3,st", de_1 }, 0, SW_ARITH },
    { { "fsubrp st2,st", de_4 }, 0, SW_ARITH }, { { "fsubp st1,st", de_5 }, 0, SW_ARITH },
    { { "fdivrp st3,st", de_6 }, 0, SW_ARITH }, { { "fdivp st1,st", de_7 }, 0, SW_ARITH },
    { { "fadd m32", m_fadds }, 4, SW_ARITH }, { { "fmul m32", m_fmuls }, 4, SW_ARITH },
    { { "fsub m32", m_fsubs }, 4, SW_ARITH }, { { "fsubr m32", m_fsubrs }, 4, SW_ARITH },
    { { "fdiv m32", m_fdivs }, 4, SW_ARITH }, { { "fdivr m32", m_fdivrs }, 4, SW_ARITH },
    { { "fadd m64", m_faddl }, 8, SW_ARITH }, { { "fmul m64", m_fmull }, 8, SW_ARITH },
    { { "fsub m64", m_fsubl }, 8, SW_ARITH }, { { "fsubr m64", m_fsubrl }, 8, SW_ARITH },
    { { "fdiv m64", m_fdivl }, 8, SW_ARITH }, { { "fdivr m64", m_fdivrl }, 8, SW_ARITH },
    { { "fiadd m32", m_fiaddl }, 4, SW_ARITH }, { { "fimul m16", m_fimuls }, 2, SW_ARITH },
    { { "fisub m32", m_fisubl }, 4, SW_ARITH }, { { "fisubr m16", m_fisubrs }, 2, SW_ARITH },
    { { "fidiv m32", m_fidivl }, 4, SW_ARITH }, { { "fidivr m16", m_fidivrs }, 2, SW_ARITH },
    { { "fcom st2", c_fcom }, 0, SW_ALL }, { { "fcomp st1", c_fcomp }, 0, SW_ALL },
    { { "fcompp", c_fcompp }, 0, SW_ALL }, { { "fucom st3", c_fucom }, 0, SW_ALL },
    { { "fucomp st1", c_fucomp }, 0, SW_ALL }, { { "fucompp", c_fucompp }, 0, SW_ALL },
    { { "fcom m32", c_fcoms }, 4, SW_ALL }, { { "fcomp m64", c_fcompl }, 8, SW_ALL },
    { { "ficom m16", c_ficoms }, 2, SW_ALL }, { { "ficomp m32", c_ficompl }, 4, SW_ALL },
    { { "ftst", c_ftst }, 0, SW_ALL }, { { "fxam", c_fxam }, 0, SW_ALL },
    { { "fcomi st1", i_fcomi }, 0, SW_ALL }, { { "fcomip st2", i_fcomip }, 0, SW_ALL },
    { { "fucomi st1", i_fucomi }, 0, SW_ALL }, { { "fucomip st1", i_fucomip }, 0, SW_ALL },
    { { "fld m32", l_flds }, 4, SW_ARITH }, { { "fld m64", l_fldl }, 8, SW_ARITH },
    { { "fld m80", l_fldt }, 10, SW_ARITH }, { { "fld st2", l_fld2 }, 0, SW_ARITH },
    { { "fild m16", l_filds }, 2, SW_ARITH }, { { "fild m32", l_fildl }, 4, SW_ARITH },
    { { "fild m64", l_fildll }, 8, SW_ARITH }, { { "fbld", l_fbld }, 10, SW_ARITH },
    { { "fst m32", s_fsts }, 4, SW_ARITH }, { { "fstp m64", s_fstpl }, 8, SW_ARITH },
    { { "fstp m80", s_fstpt }, 10, SW_ARITH }, { { "fst st3", s_fst3 }, 0, SW_ARITH },
    { { "fstp st1", s_fstp1 }, 0, SW_ARITH }, { { "fist m16", s_fists }, 2, SW_ARITH },
    { { "fistp m32", s_fistpl }, 4, SW_ARITH }, { { "fistp m64", s_fistpll }, 8, SW_ARITH },
    { { "fbstp", s_fbstp }, 10, SW_ARITH }, { { "fxch st2", x_fxch }, 0, SW_ARITH },
    { { "ffree st1", x_ffree }, 0, SW_ARITH }, { { "fincstp", x_finc }, 0, SW_ARITH },
    { { "fdecstp", x_fdec }, 0, SW_ARITH }, { { "fld1", k_fld1 }, 0, SW_ARITH },
    { { "fldpi", k_fldpi }, 0, SW_ARITH }, { { "fldl2e", k_fldl2e }, 0, SW_ARITH },
    { { "fldz", k_fldz }, 0, SW_ARITH }, { { "fcmovb st1", v_cmovb }, 0, SW_ARITH },
    { { "fcmovne st2", v_cmovne }, 0, SW_ARITH }, { { "fcmovbe st1", v_cmovbe }, 0, SW_ARITH },
    { { "fcmovnu st3", v_cmovnu }, 0, SW_ARITH }, { { "fsqrt", u_fsqrt }, 0, SW_ARITH },
    { { "frndint", u_frndint }, 0, SW_ARITH }, { { "fxtract", u_fxtract }, 0, SW_ARITH },
    { { "fabs", u_fabs }, 0, SW_ARITH }, { { "fchs", u_fchs }, 0, SW_ARITH },
    { { "fscale", u_fscale }, 0, SW_ARITH }, { { "fprem", u_fprem }, 0, SW_ALL },
    { { "fprem1", u_fprem1 }, 0, SW_ALL },
};
#define NOPS (int)(sizeof ops / sizeof ops[0])

#ifndef RAND_N /* -DRAND_N=... -DRAND_SEED=... to explore further by hand */
#define RAND_N 12000
#define RAND_SEED 0x9e3779b97f4a7c15ull
#endif
static uint64_t rng = RAND_SEED;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

/* a random register value; base: a value the others cluster around */
static X rnd_x(X base)
{
    X x;
    switch (rndn(8)) {
    case 0: case 1: return edge[rndn(NEDGE)];
    case 2: /* near base: same exponent give or take, random low bits */
        x = base;
        x.e = (uint16_t)(x.e + rndn(5) - 2);
        x.m ^= rnd() >> rndn(64);
        x.m |= 1ull << 63;
        if (rndn(2)) x.e ^= 0x8000;
        return x;
    case 3: /* near the range ends */
        x.m = rnd() | 1ull << 63;
        x.e = (uint16_t)(rndn(2) ? rndn(80) : 0x7ffe - rndn(80));
        if (rndn(4) == 0) x.m >>= rndn(64); /* denormal or unnormal */
        return x;
    case 4: /* near the single and double range ends and integer sizes */
        x.m = rnd() | 1ull << 63;
        x.e = (uint16_t)((rndn(2) ? 0x3fff : 0xbfff) + (rndn(2) ? 128 : -126) * (int)rndn(2) +
                         (rndn(2) ? 1024 : -1022) * (int)rndn(2) + (int)rndn(8) - 4 + 15 * (int)rndn(5));
        return x;
    case 5: /* few significant bits: exact results, ties */
        x.m = (rnd() & 0xffff000000000000ull) | 1ull << 63;
        if (rndn(2)) x.m |= 1ull << (rndn(24) + 10);
        x.e = (uint16_t)(0x3fff + rndn(130) - 65 + (rndn(2) << 15));
        return x;
    case 6: /* anything at all */
        x.m = rnd();
        x.e = (uint16_t)rnd();
        return x;
    default: /* ordinary */
        x.m = rnd() | 1ull << 63;
        x.e = (uint16_t)(0x3fff + rndn(64) - 32 + (rndn(2) << 15));
        return x;
    }
}

static void rnd_mem(int size, X base)
{
    uint64_t v = rnd();
    if (size == 4 && rndn(2)) { /* a single near base */
        int e = (base.e & 0x7fff) - 16383 + 127 + (int)rndn(3) - 1;
        v = (base.e & 0x8000 ? 0x80000000u : 0) | (uint32_t)(e & 0xff) << 23 | (uint32_t)((base.m >> 40) & 0x7fffff);
    } else if (size == 8 && rndn(2)) {
        int e = (base.e & 0x7fff) - 16383 + 1023 + (int)rndn(3) - 1;
        v = (base.e & 0x8000 ? 1ull << 63 : 0) | (uint64_t)(e & 0x7ff) << 52 | ((base.m >> 11) & 0xfffffffffffffull);
    } else if (size == 10) {
        X x = rnd_x(base);
        memcpy(g_mem, &x, 10);
        if (rndn(2)) { /* valid packed BCD */
            for (int i = 0; i < 9; i++)
                g_mem[i] = (uint8_t)(rndn(10) << 4 | rndn(10));
            g_mem[9] = (uint8_t)(rndn(2) << 7);
        }
        return;
    } else if (size <= 4 && rndn(2)) {
        v = rnd() >> (64 - rndn(size * 8 + 1));
    }
    memcpy(g_mem, &v, 8);
}

int main(void)
{
    static const uint16_t cwmask[] = { 0x3f, 0x3f, 0x3f, 0x3e, 0x3d, 0x3b, 0x37, 0x2f, 0x1f, 0x00 };
    static const uint16_t pcs[] = { 0x000, 0x100, 0x200, 0x300, 0x300, 0x300 };
    for (int n = 0; n < RAND_N; n++) {
        int o = (int)rndn(NOPS);
        uint16_t cw = (uint16_t)(0x0040 | cwmask[rndn(10)] | pcs[rndn(6)] | rndn(4) << 10);
        X regs[8];
        X base = rnd_x(v_one);
        for (int i = 0; i < 8; i++)
            regs[i] = rnd_x(base);
        int top = (int)rndn(8), used = rndn(4) ? 2 + (int)rndn(4) : (int)rndn(9);
        st_init(cw, top, used, regs);
        if (rndn(6) == 0)
            mark_empty((int)rndn(3));
        g_in.sw |= (uint16_t)(rnd() & 0x4700);
        g_fl_in = (uint32_t)(0x002 | (rnd() & 0x8d5));
        memset(g_mem, 0xa5, sizeof g_mem);
        if (ops[o].mem)
            rnd_mem(ops[o].mem, regs[0]);
        printf("%d ", n);
        if (ops[o].mem) {
            printf("m=");
            for (int i = ops[o].mem - 1; i >= 0; i--)
                printf("%02x", g_mem[i]);
            printf(" ");
        }
        if (ops[o].op.fn == v_cmovb || ops[o].op.fn == v_cmovne || ops[o].op.fn == v_cmovbe ||
            ops[o].op.fn == v_cmovnu)
            printf("fl=%03x ", g_fl_in);
        ops[o].op.fn();
        printf("%s cw=%04x cc=%x", ops[o].op.name, cw, (g_in.sw >> 8) & 0x47);
        pr_in(4);
        printf(" ->");
        if (ops[o].op.fn == i_fcomi || ops[o].op.fn == i_fcomip || ops[o].op.fn == i_fucomi ||
            ops[o].op.fn == i_fucomip)
            printf(" fl=%03x", g_fl & 0x8d5);
        if (ops[o].mem) {
            printf(" m=");
            for (int i = ops[o].mem - 1; i >= 0; i--)
                printf("%02x", g_mem[i]);
        }
        pr_state(ops[o].mask, 4);
        printf("\n");
    }
    return 0;
}
