/* x87 compares and classification: FCOM FCOMP FCOMPP (ST(i), m32, m64),
 * FUCOM FUCOMP FUCOMPP, FICOM FICOMP (m16, m32), FTST, FXAM (every class,
 * empty included), FCOMI FCOMIP FUCOMI FUCOMIP (EFLAGS ZF PF CF, and OF SF
 * AF which they clear), over edge operands, with empty registers and
 * unmasked exceptions.  The whole status word is printed: all four
 * condition codes are defined after these. */
#include "t_fpu_harness.h"

FOP(com1, "fcom %%st(1)") FOP(comp1, "fcomp %%st(1)") FOP(compp, "fcompp") FOP(ucom1, "fucom %%st(1)")
FOP(ucomp1, "fucomp %%st(1)") FOP(ucompp, "fucompp") FOP(com2, "fcom %%st(2)")
FOP(comi, "fcomi %%st(1), %%st") FOP(comip, "fcomip %%st(1), %%st") FOP(ucomi, "fucomi %%st(1), %%st")
FOP(ucomip, "fucomip %%st(1), %%st") FOP(ucomi3, "fucomi %%st(3), %%st")
FOP(tst, "ftst") FOP(xam, "fxam")
FOP(com_s, "fcoms g_mem") FOP(comp_s, "fcomps g_mem") FOP(com_l, "fcoml g_mem") FOP(comp_l, "fcompl g_mem")
FOP(icom_s, "ficoms g_mem") FOP(icomp_s, "ficomps g_mem") FOP(icom_l, "ficoml g_mem")
FOP(icomp_l, "ficompl g_mem")
/* FCOMI's flags read right after by SETcc/SBB (lazy flag consumers) */
FOP(comi_set1, "fcomi %%st(1), %%st\n\tsetbe %%al\n\tsetp %%ah")
FOP(comi_set2, "fucomip %%st(1), %%st\n\tsete %%al\n\tseta %%ah")
FOP(comi_sbb, "fucomi %%st(1), %%st\n\tsbbl %%eax, %%eax")

static const Op regops[] = {
    { "fcom st1", com1 }, { "fucom st1", ucom1 }, { "fcomi st1", comi }, { "fucomi st1", ucomi },
    { "fcomp st1", comp1 }, { "fcompp", compp }, { "fucomp st1", ucomp1 }, { "fucompp", ucompp },
    { "fcomip st1", comip }, { "fucomip st1", ucomip }, { "fcom st2", com2 }, { "fucomi st3", ucomi3 },
};
#define NREG (int)(sizeof regops / sizeof regops[0])

static int is_comi(Fn fn) { return fn == comi || fn == comip || fn == ucomi || fn == ucomip || fn == ucomi3; }

static void run_cmp(const Op *op, int nin)
{
    g_fl_in = 0x8d7; /* OF SF ZF AF PF CF all set before */
    run_head(op, nin);
    if (is_comi(op->fn))
        printf(" fl=%03x", g_fl & 0x8d5);
    pr_state(SW_ALL, 2);
    printf("\n");
}

static const struct { Op op; int kind; } memops[] = {
    { { "fcom m32", com_s }, 0 }, { { "fcomp m32", comp_s }, 0 }, { { "fcom m64", com_l }, 1 },
    { { "fcomp m64", comp_l }, 1 }, { { "ficom m16", icom_s }, 3 }, { { "ficomp m16", icomp_s }, 3 },
    { { "ficom m32", icom_l }, 2 }, { { "ficomp m32", icomp_l }, 2 },
};
static const uint64_t memv[4][9] = {
    { 0x00000000, 0x80000000, 0x00000001, 0x3f800000, 0x7f800000, 0xff800000, 0x7fc00000,
      0x7f800001, 0xbeaaaaab },
    { 0x0000000000000000ull, 0x8000000000000000ull, 0x8000000000000001ull, 0x3ff0000000000000ull,
      0x7ff0000000000000ull, 0xfff0000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
      0x3fd5555555555555ull },
    { 0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 3, 0x00123457, 0xfffffffd, 10 },
    { 0, 1, 0xffff, 0x7fff, 0x8000, 3, 0x1235, 0xfffd, 10 },
};

static void run_mem(int m, uint64_t v, uint16_t cw, const X *st0)
{
    memset(g_mem, 0, sizeof g_mem);
    int k = memops[m].kind;
    memcpy(g_mem, &v, k == 1 ? 8 : k == 3 ? 2 : 4);
    X r[2] = { st0 ? *st0 : v_one, v_two };
    st_init(cw, 0, 2, r);
    if (!st0)
        mark_empty(0);
    g_in.sw |= 0x4700;
    memops[m].op.fn();
    printf("%s cw=%04x m=%llx", memops[m].op.name, cw, (unsigned long long)v);
    pr_in(1);
    printf(" ->");
    pr_state(SW_ALL, 2);
    printf("\n");
}

int main(void)
{
    /* every pair of edge operands, the four basic forms */
    for (int o = 0; o < 4; o++)
        for (int i = 0; i < NEDGE; i++)
            for (int j = 0; j < NEDGE; j++) {
                st_init2(0x037f, edge[i], edge[j]);
                run_cmp(&regops[o], 2);
            }
    /* the popping forms and other register numbers, a subset of pairs */
    for (int o = 4; o < NREG; o++)
        for (int i = 0; i < NEDGE; i += 3)
            for (int j = 1; j < NEDGE; j += 2) {
                X r[4] = { edge[i], edge[j], edge[j], edge[j] };
                st_init(0x037f, 6, 4, r);
                g_in.sw |= 0x4700;
                run_cmp(&regops[o], 4);
            }
    /* empty operands and unmasked exceptions */
    static const uint16_t ucw[] = { 0x037f, 0x037e, 0x037d, 0x0340 };
    static const X ux[] = {
        { 0xa000000000000000ull, 0x7fff }, { 0xc000000000000001ull, 0x7fff }, { 0x4000000000000000ull, 0x0000 },
        { 0x4000000000000000ull, 0x4000 }, { 0x8000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0xffff },
    };
    for (int u = 0; u < 4; u++)
        for (int o = 0; o < NREG; o++) {
            for (int t = 0; t < 6; t++) {
                X r[4] = { ux[t], v_one, v_two, v_one };
                st_init(ucw[u], 2, 4, r);
                g_in.sw |= 0x4700;
                run_cmp(&regops[o], 2);
                X q[4] = { v_one, ux[t], v_one, ux[t] };
                st_init(ucw[u], 2, 4, q);
                run_cmp(&regops[o], 2);
            }
            for (int e = 0; e < 3; e++) {
                X r[4] = { v_one, v_two, v_one, v_two };
                st_init(ucw[u], 2, 4, r);
                if (e != 1) mark_empty(0);
                if (e != 0) { mark_empty(1); mark_empty(2); mark_empty(3); }
                g_in.sw |= 0x4200;
                run_cmp(&regops[o], 2);
            }
        }
    /* memory operands */
    static const int st0s[] = { 0, 1, 2, 4, 6, 7, 11, 12, 13, 16, 18, 19, 20, 21 };
    for (int m = 0; m < 8; m++)
        for (int v = 0; v < 9; v++) {
            for (size_t s = 0; s < sizeof st0s / sizeof st0s[0]; s++)
                run_mem(m, memv[memops[m].kind][v], 0x037f, &edge[st0s[s]]);
            run_mem(m, memv[memops[m].kind][v], 0x037f, NULL);
            run_mem(m, memv[memops[m].kind][v], 0x0340, NULL);
            for (int u = 1; u < 4; u++)
                for (int t = 0; t < 6; t += 2)
                    run_mem(m, memv[memops[m].kind][v], ucw[u], &ux[t]);
        }
    /* FCOMI results consumed by SETcc and SBB */
    static const Op sops[] = { { "fcomi+setbe,setp", comi_set1 }, { "fucomip+sete,seta", comi_set2 },
                               { "fucomi+sbb", comi_sbb } };
    static const int sv[] = { 0, 1, 2, 11, 12, 13, 16, 18, 19, 20 };
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j += 3) {
                g_eax_in = 0x5a5a5a5a;
                st_init2(0x037f, edge[sv[i]], edge[sv[j]]);
                run_cmp(&sops[o], 2);
                printf("  eax=%08x\n", g_eax);
            }
    /* FTST and FXAM: every edge operand, both signs, empty */
    static const Op un[] = { { "ftst", tst }, { "fxam", xam } };
    for (int o = 0; o < 2; o++)
        for (int u = 0; u < 4; u++) {
            for (int i = 0; i < NEDGE; i++) {
                X v = edge[i];
                for (int s = 0; s < 2; s++) {
                    if (s == 0 || u == 0) {
                        st_init(ucw[u], 0, 1, &v);
                        g_in.sw |= (uint16_t)(o ? 0x4700 : 0x4200);
                        run_cmp(&un[o], 1);
                    }
                    v.e ^= 0x8000;
                }
            }
            static const X fill[2] = { { 0x8000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0xbfff } };
            for (int s = 0; s < 2; s++) { /* empty, the register holding + or - */
                st_init(ucw[u], 0, 1, &fill[s]);
                mark_empty(0);
                g_in.sw |= 0x4700;
                run_cmp(&un[o], 1);
                printf(" (empty, holding %s)\n", s ? "-1" : "+1");
            }
        }
    return 0;
}
