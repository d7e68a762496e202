/* x87 environment and control: FLDCW FSTCW FNSTCW, FSTSW FNSTSW (m16 and
 * AX), FNCLEX FCLEX, FNINIT FINIT, FWAIT, FSTENV FNSTENV FLDENV FSAVE
 * FNSAVE FRSTOR in their 32-bit and 16-bit (0x66 prefix: fnstenvs ...)
 * forms, the full tag word they compute from the register contents,
 * pending unmasked exceptions (ES, B) seen only through the no-wait forms;
 * and the stack behaviour of FPTAN and FSINCOS on special operands (NaN,
 * infinity, empty, full stack), whose finite results are
 * t_fpu_trans's business.
 *
 * Images are printed with the instruction and operand pointer fields
 * (FIP, FCS, FOP, FDP, FDS) and the reserved upper halves of the 32-bit
 * layout masked: they are vendor-dependent (AMD stores the pointers of the
 * last instruction that raised an exception, newer Intel CPUs deprecate
 * FCS/FDS and store zeros). */
#include "t_fpu_harness.h"

uint8_t g_img[128] __attribute__((used, aligned(16)));

FOP(stenv32, "fnstenv g_img") FOP(stenv16, "fnstenvs g_img") FOP(stenvw32, "fstenv g_img")
FOP(save32, "fnsave g_img") FOP(save16, "fnsaves g_img") FOP(savew16, "fsaves g_img")
FOP(ldenv32, "fldenv g_img") FOP(ldenv16, "fldenvs g_img") FOP(rstor32, "frstor g_img")
FOP(rstor16, "frstors g_img")
FOP(stcw, "fnstcw g_mem") FOP(stcww, "fstcw g_mem") FOP(stsw, "fnstsw g_mem")
FOP(stsww, "fstsw g_mem") FOP(stswax, "fnstsw %%ax") FOP(stswaxw, "fstsw %%ax") FOP(clex, "fnclex")
FOP(clexw, "fclex") FOP(init, "fninit") FOP(initw, "finit") FOP(wait_, "fwait")
/* after FNSTENV every exception is masked: a division by zero is not trapped */
FOP(stenv_div, "fnstenv g_img\n\tfdiv %%st(1), %%st")
FOP(ldcw_stsw, "fldcw g_mem\n\tfnstsw %%ax")
/* with exceptions pending: once FNSTENV or FNCLEX has cleared ES, a
 * waiting instruction raises no #MF (FLDCW itself would) */
FOP(stenv_wait, "fnstenv g_img\n\tfwait") FOP(clex_wait, "fnclex\n\tfwait")
FOP(f_tan, "fptan") FOP(f_sincos, "fsincos") FOP(f_xtract, "fxtract") FOP(f_sin, "fsin") FOP(f_cos, "fcos")
FOP(f_yl2x, "fyl2x") FOP(f_yl2xp1, "fyl2xp1") FOP(f_patan, "fpatan") FOP(f_2xm1, "f2xm1")

static void pr_after(void)
{
    printf(" | cw=%04x sw=%04x tw=%04x", g_out.cw, g_out.sw, g_out.tw);
    for (int i = 0; i < 8; i++) {
        if (out_empty(i))
            printf(" --");
        else
            pr_x(g_out.st[i]);
    }
    printf("\n");
}

static uint16_t w16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* the environment part of an image: cw, sw, tw (32-bit: at 0, 4, 8;
 * 16-bit: at 0, 2, 4), then the registers of a save image */
static void pr_img(int size32, int regs)
{
    int step = size32 ? 4 : 2;
    printf(" img cw=%04x sw=%04x tw=%04x", w16(g_img), w16(g_img + step), w16(g_img + 2 * step));
    if (regs) {
        const uint8_t *r = g_img + (size32 ? 28 : 14);
        for (int i = 0; i < 8; i++, r += 10) {
            X x;
            memcpy(&x, r, 10);
            pr_x(x);
        }
    }
}

/* input states: a register file with one of every tag class */
static const X file[8] = {
    { 0x8000000000000000ull, 0x3fff }, { 0, 0x8000 },                      /* valid, zero */
    { 0x0000000000000001ull, 0x0000 }, { 0x8000000000000000ull, 0xffff },  /* denormal, -inf */
    { 0xc000000000000001ull, 0x7fff }, { 0x4000000000000000ull, 0x4000 },  /* QNaN, unnormal */
    { 0x8000000000000001ull, 0x0000 }, { 0, 0x7fff },                      /* pseudo-denormal, pseudo-inf */
};

typedef struct { const char *name; uint16_t cw, sw; int top, n; } State;
static const State states[] = {
    { "empty", 0x037f, 0x0000, 0, 0 },
    { "full", 0x037f, 0x4700, 3, 8 },
    { "half", 0x0f7f, 0x0121, 6, 5 },         /* masked IE PE flags set, RC=chop */
    { "pending", 0x0372, 0x0185, 2, 3 },      /* ZE unmasked and raised: ES set */
    { "pending16", 0x1b40, 0x42ff, 7, 2 },    /* every flag, all unmasked */
};
#define NSTATE (int)(sizeof states / sizeof states[0])

static void load_state(const State *s)
{
    st_init(s->cw, s->top, s->n, file);
    g_in.sw |= s->sw;
}

static void run(const char *name, Fn fn, const State *s, int img, int size32, int regs)
{
    load_state(s);
    if (img) /* a store: show what it writes */
        memset(g_img, 0x5a, sizeof g_img);
    fn();
    printf("%s %s:", name, s->name);
    if (img)
        pr_img(size32, regs);
    pr_after();
}

/* an image to load: cw, sw, tw at the layout's places, registers after */
static void make_img(int size32, uint16_t cw, uint16_t sw, uint16_t tw)
{
    int step = size32 ? 4 : 2;
    memset(g_img, 0, sizeof g_img);
    memcpy(g_img, &cw, 2);
    memcpy(g_img + step, &sw, 2);
    memcpy(g_img + 2 * step, &tw, 2);
    for (int i = 0; i < 8; i++)
        memcpy(g_img + (size32 ? 28 : 14) + 10 * i, &file[(i + 3) & 7], 10);
}

int main(void)
{
    /* the stores of the environment, from every state; the waiting forms
     * only where nothing is pending */
    for (int k = 0; k < NSTATE; k++) {
        const State *s = &states[k];
        int pend = k >= 3;
        run("fnstenv", stenv32, s, 1, 1, 0);
        run("fnstenv16", stenv16, s, 1, 0, 0);
        run("fnsave", save32, s, 1, 1, 1);
        run("fnsave16", save16, s, 1, 0, 1);
        if (!pend) {
            run("fstenv", stenvw32, s, 1, 1, 0);
            run("fsave16", savew16, s, 1, 0, 1);
            run("fnstenv+fdiv", stenv_div, s, 1, 1, 0);
        }
        memset(g_mem, 0x5a, sizeof g_mem);
        run("fnstcw", stcw, s, 0, 0, 0);
        printf("  m=%04x\n", w16(g_mem));
        run("fnstsw", stsw, s, 0, 0, 0);
        printf("  m=%04x\n", w16(g_mem));
        g_eax_in = 0x12345678;
        run("fnstsw ax", stswax, s, 0, 0, 0);
        printf("  eax=%08x\n", g_eax);
        if (!pend) {
            run("fstcw", stcww, s, 0, 0, 0);
            printf("  m=%04x\n", w16(g_mem));
            run("fstsw", stsww, s, 0, 0, 0);
            printf("  m=%04x\n", w16(g_mem));
            run("fstsw ax", stswaxw, s, 0, 0, 0);
            printf("  eax=%08x\n", g_eax);
            run("fclex", clexw, s, 0, 0, 0);
            run("finit", initw, s, 0, 0, 0);
            run("fwait", wait_, s, 0, 0, 0);
        }
        run("fnclex", clex, s, 0, 0, 0);
        run("fninit", init, s, 0, 0, 0);
        run("fnstenv+fwait", stenv_wait, s, 1, 1, 0);
        run("fnclex+fwait", clex_wait, s, 0, 0, 0);
    }
    /* FLDCW: reserved bits, unmasking raised exceptions (ES without #MF) */
    static const uint16_t cwv[] = { 0x0000, 0x037f, 0xffff, 0x0f7f, 0x1b7f, 0x0040, 0xe0c0, 0x037e, 0x035f,
                                    0x0100, 0x0c3f };
    for (size_t c = 0; c < sizeof cwv / sizeof cwv[0]; c++)
        for (int k = 0; k < 3; k++) {
            memcpy(g_mem, &cwv[c], 2);
            g_eax_in = 0;
            run("fldcw", ldcw_stsw, &states[k], 0, 0, 0);
            printf("  cw=%04x ax=%04x\n", cwv[c], g_eax & 0xffff);
        }
    /* FLDENV and FRSTOR: the tag word only says empty or not; ES follows
     * the loaded flags and masks, whatever the image's ES bit says */
    static const uint16_t tws[] = { 0x0000, 0xffff, 0x5555, 0xaaaa, 0x3f0c, 0xfffc };
    static const uint16_t sws[][2] = { { 0x037f, 0x0000 }, { 0x037f, 0x0080 }, { 0x037f, 0xb8a1 },
                                       { 0x0370, 0x0001 }, { 0x0370, 0x0081 }, { 0x0340, 0x7f20 },
                                       { 0x0b7f, 0x3d44 }, { 0xffff, 0x0000 }, { 0xe0c0, 0x0000 } };
    for (int size32 = 1; size32 >= 0; size32--)
        for (size_t t = 0; t < sizeof tws / sizeof tws[0]; t++)
            for (size_t w = 0; w < sizeof sws / sizeof sws[0]; w++) {
                if (t > 1 && w > 2)
                    continue;
                make_img(size32, sws[w][0], sws[w][1], tws[t]);
                run(size32 ? "fldenv" : "fldenv16", size32 ? ldenv32 : ldenv16, &states[1], 0, 0, 0);
                make_img(size32, sws[w][0], sws[w][1], tws[t]);
                run(size32 ? "frstor" : "frstor16", size32 ? rstor32 : rstor16, &states[0], 0, 0, 0);
            }
    /* FPTAN, FSINCOS (and FXTRACT) on special operands: what is pushed,
     * C1, a full stack, unmasked IE */
    static const X sp[] = { { 0xc000000000000001ull, 0x7fff }, { 0xa000000000000000ull, 0xffff },
                            { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff },
                            { 0x4000000000000000ull, 0x4000 }, { 0xc000000000000000ull, 0xffff } };
    static const Op two[] = { { "fptan", f_tan }, { "fsincos", f_sincos }, { "fxtract", f_xtract },
                              { "fsin", f_sin }, { "fcos", f_cos } };
    static const uint16_t tcw[] = { 0x037f, 0x037e, 0x0f7f };
    for (int o = 0; o < 5; o++)
        for (int c = 0; c < 3; c++) {
            /* C2 is defined after FPTAN FSINCOS FSIN FCOS, not after FXTRACT */
            uint16_t mask = o == 2 ? SW_ARITH : SW_ALL & ~0x4100;
            for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
                for (int n = 1; n <= 8; n += 7) { /* alone, and with a full stack */
                    X r[8];
                    for (int j = 0; j < 8; j++) r[j] = file[j];
                    r[0] = sp[i];
                    st_init(tcw[c], 1, n, r);
                    g_in.sw |= 0x4700; /* C1 (and C0 C2 C3) set before */
                    run_op(&two[o], 1, mask, 3);
                }
            st_init(tcw[c], 1, 0, NULL);
            g_in.sw |= 0x4700;
            run_op(&two[o], 1, mask, 3);
        }
    /* the other transcendentals on special operands only (their finite
     * results are t_fpu_trans's): what is popped and stored when the
     * exception is masked and when it is not */
    static const Op tr[] = { { "fyl2x", f_yl2x }, { "fyl2xp1", f_yl2xp1 }, { "fpatan", f_patan },
                             { "f2xm1", f_2xm1 } };
    static const X ts[] = { { 0xc000000000000001ull, 0x7fff }, { 0xa000000000000000ull, 0xffff },
                            { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff },
                            { 0x4000000000000000ull, 0x4000 }, { 0, 0 }, { 0, 0x8000 } };
    static const uint16_t trcw[] = { 0x037f, 0x037e, 0x037b, 0x0340 };
    for (int o = 0; o < 4; o++)
        for (int c = 0; c < 4; c++) {
            for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
                for (size_t j = 0; j < 3; j++) {
                    X r[2] = { ts[i], j == 0 ? ts[0] : j == 1 ? ts[1] : ts[2] };
                    st_init(trcw[c], 1, 2, r);
                    g_in.sw |= 0x4700;
                    run_op(&tr[o], 2, SW_ARITH, 2);
                }
            X r[2] = { ts[2], ts[2] }; /* ST(0) or ST(1) empty */
            st_init(trcw[c], 1, 1, r);
            run_op(&tr[o], 2, SW_ARITH, 2);
            st_init(trcw[c], 1, 2, r);
            mark_empty(0);
            run_op(&tr[o], 2, SW_ARITH, 2);
            /* a denormal with DE unmasked: nothing computed */
            X d[2] = { { 0x4000000000000000ull, 0x0000 }, { 0x8000000000000000ull, 0x3fff } };
            st_init(trcw[c] & ~0x0002, 1, 2, d);
            run_op(&tr[o], 2, SW_ARITH, 2);
        }
    return 0;
}
