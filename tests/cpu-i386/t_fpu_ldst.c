/* x87 loads, stores and stack management: FLD (m32 m64 m80 ST(i)), FILD
 * (m16 m32 m64), FBLD, FST/FSTP (m32 m64 m80 ST(i)), FIST/FISTP (m16 m32
 * m64), FBSTP, FXCH, FFREE, FFREEP, FINCSTP, FDECSTP, FNOP, the seven
 * constants, FCMOVcc, in every rounding mode and precision, with stack
 * overflow/underflow and unmasked exceptions.  Memory destinations start
 * as 0xaa bytes so a store that does not happen shows. */
#include "t_fpu_harness.h"

FOP(ld_s, "flds g_mem") FOP(ld_l, "fldl g_mem") FOP(ld_t, "fldt g_mem") FOP(ld_st1, "fld %%st(1)")
FOP(ld_st0, "fld %%st(0)") FOP(ild_s, "filds g_mem") FOP(ild_l, "fildl g_mem") FOP(ild_q, "fildll g_mem")
FOP(bld, "fbld g_mem")
FOP(st_s, "fsts g_mem") FOP(stp_s, "fstps g_mem") FOP(st_l, "fstl g_mem") FOP(stp_l, "fstpl g_mem")
FOP(stp_t, "fstpt g_mem") FOP(ist_s, "fists g_mem") FOP(istp_s, "fistps g_mem") FOP(ist_l, "fistl g_mem")
FOP(istp_l, "fistpl g_mem") FOP(istp_q, "fistpll g_mem") FOP(bstp, "fbstp g_mem")
FOP(st_r, "fst %%st(2)") FOP(stp_r, "fstp %%st(2)") FOP(stp_r0, "fstp %%st(0)")
FOP(xch1, "fxch %%st(1)") FOP(xch3, "fxch %%st(3)") FOP(free1, "ffree %%st(1)") FOP(free0, "ffree %%st(0)")
FOP(freep1, ".byte 0xdf, 0xc1") FOP(incstp, "fincstp") FOP(decstp, "fdecstp") FOP(nop, "fnop")
FOP(k1, "fld1") FOP(kl2t, "fldl2t") FOP(kl2e, "fldl2e") FOP(kpi, "fldpi") FOP(klg2, "fldlg2")
FOP(kln2, "fldln2") FOP(kz, "fldz")
FOP(cmovb, "fcmovb %%st(1), %%st") FOP(cmove, "fcmove %%st(1), %%st") FOP(cmovbe, "fcmovbe %%st(1), %%st")
FOP(cmovu, "fcmovu %%st(1), %%st") FOP(cmovnb, "fcmovnb %%st(1), %%st") FOP(cmovne, "fcmovne %%st(1), %%st")
FOP(cmovnbe, "fcmovnbe %%st(1), %%st") FOP(cmovnu, "fcmovnu %%st(1), %%st")
/* the undocumented aliases every x87 since the 387 executes: FSTP1 (D9
 * D8+i), FCOM2 (DC D0+i), FCOMP3 (DC D8+i), FCOMP5 (DE D0+i), FXCH4 (DD
 * C8+i), FXCH7 (DF C8+i), FSTP8/FSTP9 (DF D0+i, DF D8+i); and the 8087's
 * FENI, FDISI and the 287's FSETPM, no-ops */
FOP(al_fstp1, ".byte 0xd9, 0xd9") FOP(al_fcom2, ".byte 0xdc, 0xd1") FOP(al_fcomp3, ".byte 0xdc, 0xd9")
FOP(al_fcomp5, ".byte 0xde, 0xd1") FOP(al_fxch4, ".byte 0xdd, 0xc9") FOP(al_fxch7, ".byte 0xdf, 0xc9")
FOP(al_fstp8, ".byte 0xdf, 0xd1") FOP(al_fstp9, ".byte 0xdf, 0xd9") FOP(al_feni, ".byte 0xdb, 0xe0")
FOP(al_fdisi, ".byte 0xdb, 0xe1") FOP(al_fsetpm, ".byte 0xdb, 0xe4")
/* FCMOVcc right after an integer instruction: the flags it reads are the
 * emulator's lazily computed ones */
FOP(lz_cmpb, "cmpl $2, %%eax\n\tfcmovb %%st(1), %%st") FOP(lz_cmpbe, "cmpl $2, %%eax\n\tfcmovnbe %%st(1), %%st")
FOP(lz_adde, "addl $-2, %%eax\n\tfcmove %%st(1), %%st") FOP(lz_subu, "subl $3, %%eax\n\tfcmovu %%st(1), %%st")
FOP(lz_testnu, "testl $0x0f, %%eax\n\tfcmovnu %%st(1), %%st") FOP(lz_incne, "incl %%eax\n\tfcmovne %%st(1), %%st")
FOP(lz_shlb, "shll $31, %%eax\n\tfcmovb %%st(1), %%st") FOP(lz_negbe, "negl %%eax\n\tfcmovbe %%st(1), %%st")

/* loads: the memory size of each */
static const struct { Op op; int size; } loads[] = {
    { { "fld m32", ld_s }, 4 }, { { "fld m64", ld_l }, 8 }, { { "fld m80", ld_t }, 10 },
    { { "fild m16", ild_s }, 2 }, { { "fild m32", ild_l }, 4 }, { { "fild m64", ild_q }, 8 },
    { { "fbld", bld }, 10 },
};
static const uint64_t ldv32[] = { 0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x7f7fffff, 0x7f800000,
                                  0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0xff80ffff,
                                  0x3f800000, 0x3eaaaaab };
static const uint64_t ldv64[] = { 0, 0x8000000000000000ull, 1, 0x800fffffffffffffull,
                                  0x0010000000000000ull, 0x7fefffffffffffffull, 0x7ff0000000000000ull,
                                  0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000001ull,
                                  0x7ff0000000000001ull, 0xfff7ffffffffffffull, 0x3ff0000000000000ull,
                                  0x3fd5555555555555ull };
static const uint64_t ldvi[] = { 0, 1, 0xffffffffffffffffull, 0x7fff, 0xffffffffffff8000ull,
                                 0x7fffffff, 0xffffffff80000000ull, 0x7fffffffffffffffull,
                                 0x8000000000000000ull, 0x0020000000000001ull, 0x123456789abcdef0ull };
/* packed BCD: low 8 bytes and the top two (sign in bit 7 of byte 9) */
static const struct { uint64_t lo; uint16_t hi; } ldbcd[] = {
    { 0, 0 }, { 0, 0x8000 }, { 1, 0 }, { 1, 0x8000 }, { 0x9999999999999999ull, 0x0099 },
    { 0x9999999999999999ull, 0x8099 }, { 0x3456789012345678ull, 0x0012 }, { 0x0000000000000010ull, 0x7f00 },
};

static void pr_mem(int size)
{
    printf(" m=");
    for (int i = size - 1; i >= 0; i--)
        printf("%02x", g_mem[i]);
}

static uint16_t load_cc; /* condition codes before a load */

static void run_load(int l, const void *v, int n_before, uint16_t cw)
{
    static const X before[8] = { { 0xc000000000000000ull, 0x4000 }, { 0x8000000000000000ull, 0xbfff },
                                 { 0x8000000000000000ull, 0x3fff } };
    memset(g_mem, 0, sizeof g_mem);
    memcpy(g_mem, v, (size_t)loads[l].size);
    st_init(cw, 4, n_before, before);
    g_in.sw |= load_cc;
    loads[l].op.fn();
    printf("%s cw=%04x", loads[l].op.name, cw);
    if (load_cc)
        printf(" cc=%x", load_cc >> 8);
    pr_mem(loads[l].size);
    printf(" n=%d ->", n_before);
    pr_state(SW_ARITH, 2);
    printf("\n");
}

static const struct { Op op; int size; } stores[] = {
    { { "fst m32", st_s }, 4 }, { { "fstp m32", stp_s }, 4 }, { { "fst m64", st_l }, 8 },
    { { "fstp m64", stp_l }, 8 }, { { "fstp m80", stp_t }, 10 }, { { "fist m16", ist_s }, 2 },
    { { "fistp m16", istp_s }, 2 }, { { "fist m32", ist_l }, 4 }, { { "fistp m32", istp_l }, 4 },
    { { "fistp m64", istp_q }, 8 }, { { "fbstp", bstp }, 10 },
};
#define NSTORE (int)(sizeof stores / sizeof stores[0])

static void run_store(int s, const X *v, uint16_t cw)
{
    static X regs[2] = { { 0, 0 }, { 0xa000000000000000ull, 0x4001 } };
    memset(g_mem, 0xaa, sizeof g_mem);
    if (v)
        regs[0] = *v;
    st_init(cw, 6, 2, regs);
    if (!v)
        mark_empty(0);
    g_in.sw |= 0x0200; /* C1 set before */
    stores[s].op.fn();
    printf("%s cw=%04x", stores[s].op.name, cw);
    pr_in(1);
    printf(" ->");
    pr_mem(stores[s].size);
    pr_state(SW_ARITH, 2);
    printf("\n");
}

/* value v * 2^-shift as an extended number */
static X x_int(int64_t v, int shift)
{
    if (v == 0)
        return x_of(0, 0);
    uint64_t m = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int e = 16383 + 63 - shift;
    while (!(m >> 63)) {
        m <<= 1;
        e--;
    }
    return x_of((uint16_t)((v < 0 ? 0x8000 : 0) | e), m);
}

int main(void)
{
    /* loads onto a stack with 0, 2 and 8 (full) registers in use */
    static const int nb[] = { 0, 2, 8 };
    for (int k = 0; k < 3; k++)
        for (int u = 0; u < 2; u++) {
            uint16_t cw = u ? 0x0340 : 0x037f;
            if (k < 2 || u) {
                for (size_t i = 0; i < sizeof ldv32 / sizeof ldv32[0]; i++) run_load(0, &ldv32[i], nb[k], cw);
                for (size_t i = 0; i < sizeof ldv64 / sizeof ldv64[0]; i++) run_load(1, &ldv64[i], nb[k], cw);
                for (int i = 0; i < NEDGE; i++) run_load(2, &edge[i], nb[k], cw);
            } else {
                run_load(0, &ldv32[0], 8, cw), run_load(1, &ldv64[10], 8, cw), run_load(2, &edge[3], 8, cw);
                run_load(0, &ldv32[2], 8, cw), run_load(1, &ldv64[2], 8, cw), run_load(0, &ldv32[10], 8, cw);
            }
            for (int l = 3; l < 6; l++)
                for (size_t i = 0; i < sizeof ldvi / sizeof ldvi[0]; i++)
                    run_load(l, &ldvi[i], nb[k], cw);
            for (size_t i = 0; i < sizeof ldbcd / sizeof ldbcd[0]; i++) {
                uint8_t b[10];
                memcpy(b, &ldbcd[i].lo, 8);
                memcpy(b + 8, &ldbcd[i].hi, 2);
                run_load(6, b, nb[k], cw);
            }
        }
    /* single-exception control words for the loads that raise */
    static const uint16_t lcw[] = { 0x037e, 0x037d, 0x0f7f, 0x007f };
    load_cc = 0x0200; /* C1 set before */
    for (int c = 0; c < 4; c++)
        for (size_t i = 0; i < sizeof ldv32 / sizeof ldv32[0]; i += 2) {
            run_load(0, &ldv32[i + (c & 1)], 2, lcw[c]);
            run_load(1, &ldv64[i + (c & 1)], 2, lcw[c]);
        }
    load_cc = 0;
    /* integer loads are exact whatever PC and RC say */
    for (int c = 4; c < NRCPC; c += 3)
        for (int l = 4; l < 6; l++)
            for (size_t i = 5; i < sizeof ldvi / sizeof ldvi[0]; i++)
                run_load(l, &ldvi[i], 1, rc_pc[c]);
    /* FLD ST(i): valid, empty source, full stack */
    static const Op ldr[] = { { "fld st1", ld_st1 }, { "fld st0", ld_st0 } };
    for (int u = 0; u < 2; u++)
        for (int o = 0; o < 2; o++)
            for (int k = 0; k < 4; k++) {
                st_init(u ? 0x037e : 0x037f, 1, k == 3 ? 8 : k, edge + 15);
                run_op(&ldr[o], 2, SW_ARITH, 3);
            }
    /* stores: edge operands and numbers near integer and range limits */
    X sv[NEDGE + 24];
    int nsv = 0;
    for (int i = 0; i < NEDGE; i++) sv[nsv++] = edge[i];
    static const int64_t iv[][2] = {
        { 1, 1 }, { 3, 1 }, { 5, 1 }, { -5, 1 }, { 65535, 1 }, { 32768, 0 }, { -65537, 1 },
        { 4294967295ll, 1 }, { -4294967297ll, 1 }, { 2147483648ll, 0 }, { -2147483648ll, 0 },
        { 999999999999999999ll, 0 }, { 1000000000000000000ll, 0 }, { -999999999999999999ll, 0 },
        { 1999999999999999999ll, 1 }, { -1, 2 }, { 0x7fffffffffffffffll, 0 }, { 3, 62 },
        { 0x1000001, 0 }, { 0x1000003, 24 }, { 0x20000000000001ll, 0 }, { 0x60000000000001ll, 1 },
    };
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) sv[nsv++] = x_int(iv[i][0], (int)iv[i][1]);
    sv[nsv++] = x_of(0xc03e, 0x8000000000000000ull); /* -2^63 */
    sv[nsv++] = x_of(0x403e, 0x8000000000000000ull); /* 2^63 */
    for (int c = 0; c < NRCPC; c++)
        for (int s = 0; s < NSTORE; s++)
            for (int i = 0; i < nsv; i++)
                if (c < 4 || stores[s].size >= 4) /* PC does not apply to integers */
                    run_store(s, &sv[i], rc_pc[c]);
    /* float/double range ends and ties at the destination precision */
    static const X rv[] = {
        { 0xffffff8000000000ull, 0x407e }, { 0xffffffc000000000ull, 0x407e }, { 0xffffffffffffffffull, 0x407e },
        { 0x8000000000000000ull, 0x3f81 }, { 0xffffffffffffffffull, 0x3f80 }, { 0x8000000000000000ull, 0x3f6a },
        { 0x8000000000000000ull, 0x3f69 }, { 0xc000000000000000ull, 0x3f69 }, { 0xfffffffffffff800ull, 0x43fe },
        { 0xfffffffffffffc00ull, 0x43fe }, { 0x8000000000000000ull, 0x3c01 }, { 0xfffffffffffff800ull, 0x3c00 },
        { 0xffffffffffffffffull, 0x3c00 }, { 0x8000000000000000ull, 0x3bcd }, { 0x8000000000000001ull, 0xbbcc },
        { 0x8000008000000000ull, 0x3fff }, { 0x8000018000000000ull, 0x3fff }, { 0x8000000000000c00ull, 0xbfff },
        { 0x8000000000000400ull, 0x3fff }, { 0x8000000000000401ull, 0x3fff }, { 0x8000000000000000ull, 0x3f80 },
    };
    for (int c = 0; c < 4; c++)
        for (int s = 0; s < 4; s++)
            for (size_t i = 0; i < sizeof rv / sizeof rv[0]; i++)
                run_store(s, &rv[i], rc_pc[c]);
    /* stack underflow and unmasked exceptions on stores */
    static const uint16_t ucw[] = { 0x037f, 0x037e, 0x037d, 0x0377, 0x036f, 0x035f, 0x0340, 0x0b40 };
    static const X uv[] = {
        { 0xa000000000000000ull, 0x7fff }, { 0x4000000000000000ull, 0x4000 }, { 0x4000000000000000ull, 0x0000 },
        { 0xffffffffffffffffull, 0x407e }, { 0x8000000000000000ull, 0x3f6a }, { 0xc000000000000000ull, 0x3f69 },
        { 0xfffffffffffff800ull, 0x3c00 }, { 0xaaaaaaaaaaaaaaabull, 0x3ffd }, { 0x8000000000000000ull, 0x403e },
        { 0xc000000000000000ull, 0x3ffe }, { 0xffffffffffffffffull, 0x7ffe }, { 0x8000000000000000ull, 0x7fff },
        { 0x8000000000000000ull, 0x3f80 },
    };
    for (int u = 0; u < 8; u++)
        for (int s = 0; s < NSTORE; s++) {
            run_store(s, NULL, ucw[u]);
            for (size_t i = 0; i < sizeof uv / sizeof uv[0]; i++)
                run_store(s, &uv[i], ucw[u]);
        }
    /* FST/FSTP ST(i), FXCH, FFREE, FFREEP, FINCSTP, FDECSTP, FNOP */
    static const Op sops[] = { { "fst st2", st_r }, { "fstp st2", stp_r }, { "fstp st0", stp_r0 },
                               { "fxch st1", xch1 }, { "fxch st3", xch3 }, { "ffree st1", free1 },
                               { "ffree st0", free0 }, { "ffreep st1", freep1 }, { "fincstp", incstp },
                               { "fdecstp", decstp }, { "fnop", nop } };
    static const X sr[4] = { { 0xa000000000000000ull, 0x7fff }, { 0x4000000000000000ull, 0x4000 },
                             { 0x0000000000000001ull, 0x0000 }, { 0x8000000000000000ull, 0xbfff } };
    for (int u = 0; u < 2; u++)
        for (size_t o = 0; o < sizeof sops / sizeof sops[0]; o++)
            for (int k = 0; k < 6; k++) {
                st_init(u ? 0x0340 : 0x037f, k, k < 4 ? 4 - k : 0, sr + (k < 4 ? k : 0));
                if (k == 4) { /* ST(1) and ST(3) in use, ST(0) empty */
                    st_init(u ? 0x0340 : 0x037f, 2, 4, sr);
                    mark_empty(0);
                    mark_empty(2);
                }
                g_in.sw |= 0x0200;
                run_op(&sops[o], 4, SW_ARITH, 4);
            }
    static const Op aops[] = { { "fstp1 st1", al_fstp1 }, { "fcom2 st1", al_fcom2 },
                               { "fcomp3 st1", al_fcomp3 }, { "fcomp5 st1", al_fcomp5 },
                               { "fxch4 st1", al_fxch4 }, { "fxch7 st1", al_fxch7 },
                               { "fstp8 st1", al_fstp8 }, { "fstp9 st1", al_fstp9 }, { "feni", al_feni },
                               { "fdisi", al_fdisi }, { "fsetpm", al_fsetpm } };
    for (int u = 0; u < 2; u++)
        for (size_t o = 0; o < sizeof aops / sizeof aops[0]; o++)
            for (int k = 0; k < 3; k++) {
                st_init(u ? 0x0340 : 0x037f, 5, 3, sr + k);
                if (k == 2)
                    mark_empty(1);
                g_in.sw |= 0x4700;
                run_op(&aops[o], 3, o == 1 || o == 2 || o == 3 ? SW_ALL : SW_ARITH, 3);
            }
    /* the constants: every rounding mode and precision, and onto a full stack */
    static const Op kops[] = { { "fld1", k1 }, { "fldl2t", kl2t }, { "fldl2e", kl2e }, { "fldpi", kpi },
                               { "fldlg2", klg2 }, { "fldln2", kln2 }, { "fldz", kz } };
    for (int c = 0; c < NRCPC; c++)
        for (int o = 0; o < 7; o++) {
            st_init(rc_pc[c], 0, 1, edge + 20);
            g_in.sw |= 0x0200;
            run_op(&kops[o], 1, SW_ARITH, 2);
        }
    for (int u = 0; u < 2; u++)
        for (int o = 0; o < 7; o++) {
            st_init(u ? 0x0340 : 0x037f, 0, 8, sv);
            run_op(&kops[o], 1, SW_ARITH, 2);
        }
    /* FCMOVcc: every condition with CF, ZF, PF combinations; empty operands */
    static const Op cops[] = { { "fcmovb", cmovb }, { "fcmove", cmove }, { "fcmovbe", cmovbe },
                               { "fcmovu", cmovu }, { "fcmovnb", cmovnb }, { "fcmovne", cmovne },
                               { "fcmovnbe", cmovnbe }, { "fcmovnu", cmovnu } };
    static const uint32_t fl[] = { 0x002, 0x003, 0x042, 0x006, 0x047, 0x046, 0x8d7 };
    for (int o = 0; o < 8; o++) {
        for (int f = 0; f < 7; f++) {
            g_fl_in = fl[f];
            st_init2(0x037f, sr[1], sr[0]);
            g_in.sw |= 0x0200;
            printf("fl=%03x ", fl[f]);
            run_op(&cops[o], 2, SW_ARITH, 2);
        }
        for (int u = 0; u < 2; u++)
            for (int e = 0; e < 2; e++) {
                g_fl_in = 0x047;
                st_init2(u ? 0x037e : 0x037f, sr[1], sr[2]);
                mark_empty(e);
                printf("fl=047 ");
                run_op(&cops[o], 2, SW_ARITH, 2);
            }
    }
    g_fl_in = 0;
    static const Op lops[] = { { "cmp 2 fcmovb", lz_cmpb }, { "cmp 2 fcmovnbe", lz_cmpbe },
                               { "add -2 fcmove", lz_adde }, { "sub 3 fcmovu", lz_subu },
                               { "test f fcmovnu", lz_testnu }, { "inc fcmovne", lz_incne },
                               { "shl 31 fcmovb", lz_shlb }, { "neg fcmovbe", lz_negbe } };
    static const uint32_t eaxs[] = { 0, 1, 2, 3, 5, 0xffffffff, 0x80000000, 0x7fffffff };
    for (size_t o = 0; o < sizeof lops / sizeof lops[0]; o++)
        for (size_t k = 0; k < sizeof eaxs / sizeof eaxs[0]; k++) {
            g_eax_in = eaxs[k];
            st_init2(0x037f, sr[1], sr[3]);
            printf("eax=%08x ", eaxs[k]);
            run_op(&lops[o], 2, SW_ARITH, 2);
        }
    g_eax_in = 0;
    return 0;
}
