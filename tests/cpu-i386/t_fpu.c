/* x87 basics that compiled C code uses: loads and stores of every format,
 * arithmetic in all rounding modes and precisions, compares (FCOM FUCOM
 * FCOMI FUCOMI), FCMOV, integer conversions, constants, FRNDINT, FSQRT,
 * FABS FCHS FXCH, status and control words.  Results are printed as raw
 * bits with the status word's condition and exception bits. */
#include <string.h>
#include "common.h"

typedef struct { uint64_t m; uint16_t e; } __attribute__((packed)) Ext;

static const double dv[] = { 0.0, -0.0, 1.0, -1.0, 0.5, 3.0, 1.0 / 3.0, 1e300, -1e-300, 2.5e-310,
                             123456789.125, 0.1, 4503599627370497.0, 1.7976931348623157e308 };
#define ND (sizeof dv / sizeof dv[0])
static const uint16_t cws[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x007f, 0x0c7f };

static void pr_ext(const char *what, const Ext *x, uint16_t sw)
{
    printf("%-8s %04x:%016llx sw=%04x\n", what, x->e, (unsigned long long)x->m, sw & 0x477f);
}

#define ARITH(name, insn)                                                                      \
    static void name(double a, double b, uint16_t cw, Ext *out, uint16_t *sw)                  \
    {                                                                                          \
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldl %[a]\n\tfldl %[b]\n\t" insn "\n\t"     \
                         "fstpt %[o]\n\tfnstsw %[sw]\n\tfninit"                                \
                         : [o] "=m"(*out), [sw] "=m"(*sw)                                       \
                         : [a] "m"(a), [b] "m"(b), [cw] "m"(cw));                              \
    }
ARITH(fadd, "faddp") ARITH(fsub, "fsubrp") ARITH(fsubr, "fsubp") ARITH(fmul, "fmulp")
ARITH(fdiv, "fdivrp") ARITH(fdivr, "fdivp")

static void unary(const char *name, double a, uint16_t cw)
{
    Ext out;
    uint16_t sw;
#define UN(insn)                                                                                       \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldl %[a]\n\t" insn "\n\tfstpt %[o]\n\tfnstsw %[sw]\n\tfninit" \
                     : [o] "=m"(out), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw))
    if (!strcmp(name, "fsqrt")) UN("fsqrt");
    else if (!strcmp(name, "frndint")) UN("frndint");
    else if (!strcmp(name, "fabs")) UN("fabs");
    else if (!strcmp(name, "fchs")) UN("fchs");
    else if (!strcmp(name, "fscale")) UN("fld1\n\tfadd %%st(0)\n\tfxch\n\tfscale\n\tfstp %%st(1)");
    else if (!strcmp(name, "fxtract")) UN("fxtract\n\tfstp %%st(1)");
    else if (!strcmp(name, "fprem")) UN("fld1\n\tfadd %%st(0)\n\tfadd %%st(0)\n\tfxch\n\tfprem\n\tfstp %%st(1)");
    else if (!strcmp(name, "fprem1")) UN("fld1\n\tfadd %%st(0)\n\tfadd %%st(0)\n\tfxch\n\tfprem1\n\tfstp %%st(1)");
    char what[32];
    snprintf(what, sizeof what, "%s", name);
    pr_ext(what, &out, sw);
}

static void stores(double a, uint16_t cw)
{
    float f;
    double d;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint16_t s1, s2, s3, s4, s5;
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\t"
                     "fldl %[a]\n\tfsts %[f]\n\tfnstsw %[s1]\n\tfnclex\n\t"
                     "fstl %[d]\n\tfnstsw %[s2]\n\tfnclex\n\t"
                     "fists %[i16]\n\tfnstsw %[s3]\n\tfnclex\n\t"
                     "fistl %[i32]\n\tfnstsw %[s4]\n\tfnclex\n\t"
                     "fistpll %[i64]\n\tfnstsw %[s5]\n\tfninit"
                     : [f] "=m"(f), [d] "=m"(d), [i16] "=m"(i16), [i32] "=m"(i32), [i64] "=m"(i64),
                       [s1] "=m"(s1), [s2] "=m"(s2), [s3] "=m"(s3), [s4] "=m"(s4), [s5] "=m"(s5)
                     : [a] "m"(a), [cw] "m"(cw));
    uint32_t fb;
    uint64_t db;
    memcpy(&fb, &f, 4);
    memcpy(&db, &d, 8);
    printf("st cw=%04x %016llx: f32=%08x/%04x f64=%016llx/%04x i16=%04x/%04x i32=%08x/%04x i64=%016llx/%04x\n",
           cw, (unsigned long long)*(const uint64_t *)&a, fb, s1 & 0x477f, (unsigned long long)db, s2 & 0x477f,
           (uint16_t)i16, s3 & 0x477f, (uint32_t)i32, s4 & 0x477f, (unsigned long long)i64, s5 & 0x477f);
}

static void compares(double a, double b)
{
    uint16_t sw1, sw2;
    uint32_t f1, f2;
    __asm__ volatile("fninit\n\tfldl %[b]\n\tfldl %[a]\n\tfcom %%st(1)\n\tfnstsw %[s1]\n\tfnclex\n\t"
                     "fucomi %%st(1), %%st\n\tpushf\n\tpop %" RQ "[f1]\n\tfcomip %%st(1), %%st\n\tpushf\n\tpop %" RQ "[f2]\n\t"
                     "fnstsw %[s2]\n\tfninit"
                     : [s1] "=m"(sw1), [s2] "=m"(sw2), [f1] "=r"(f1), [f2] "=r"(f2)
                     : [a] "m"(a), [b] "m"(b) : "cc");
    printf("cmp %016llx %016llx: fcom sw=%04x fucomi f=%03x fcomip f=%03x sw=%04x\n",
           (unsigned long long)*(const uint64_t *)&a, (unsigned long long)*(const uint64_t *)&b,
           sw1 & 0x477f, f1 & (ZF | PF | CF), f2 & (ZF | PF | CF), sw2 & 0x3f7f);
}

int main(void)
{
    typedef void (*A)(double, double, uint16_t, Ext *, uint16_t *);
    static const struct { const char *n; A f; } ar[] = {
        { "fadd", fadd }, { "fsub", fsub }, { "fsubr", fsubr }, { "fmul", fmul }, { "fdiv", fdiv }, { "fdivr", fdivr },
    };
    for (size_t o = 0; o < 6; o++)
        for (size_t c = 0; c < sizeof cws / sizeof cws[0]; c++)
            for (size_t i = 0; i < ND; i++)
                for (size_t j = 0; j < ND; j += (c ? 2 : 1)) {
                    Ext out;
                    uint16_t sw;
                    ar[o].f(dv[i], dv[j], cws[c], &out, &sw);
                    char what[32];
                    snprintf(what, sizeof what, "%s/%03x", ar[o].n, cws[c] & 0xf00);
                    pr_ext(what, &out, sw);
                }
    static const char *un[] = { "fsqrt", "frndint", "fabs", "fchs", "fscale", "fxtract", "fprem", "fprem1" };
    for (size_t o = 0; o < 8; o++)
        for (size_t c = 0; c < 4; c++)
            for (size_t i = 0; i < ND; i++)
                unary(un[o], dv[i] * (i & 1 ? -7.25 : 1.0), cws[c]);
    for (size_t c = 0; c < sizeof cws / sizeof cws[0]; c++)
        for (size_t i = 0; i < ND; i++) {
            stores(dv[i], cws[c]);
            stores(dv[i] * 1000.5, cws[c]);
            stores(dv[i] + 0.5, cws[c]);
        }
    for (size_t i = 0; i < ND; i++)
        for (size_t j = 0; j < ND; j++)
            compares(dv[i], dv[j]);
    /* constants in every rounding mode */
    for (size_t c = 0; c < 4; c++) {
        Ext k[7];
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfld1\n\tfstpt %[k0]\n\tfldl2t\n\tfstpt %[k1]\n\tfldl2e\n\tfstpt %[k2]\n\t"
                         "fldpi\n\tfstpt %[k3]\n\tfldlg2\n\tfstpt %[k4]\n\tfldln2\n\tfstpt %[k5]\n\tfldz\n\tfstpt %[k6]"
                         : [k0] "=m"(k[0]), [k1] "=m"(k[1]), [k2] "=m"(k[2]), [k3] "=m"(k[3]),
                           [k4] "=m"(k[4]), [k5] "=m"(k[5]), [k6] "=m"(k[6])
                         : [cw] "m"(cws[c]));
        for (int i = 0; i < 7; i++)
            pr_ext("const", &k[i], 0);
    }
    /* integer loads and a long double round trip */
    static const int64_t iv[] = { 0, 1, -1, 32767, -32768, 2147483647, -2147483647 - 1,
                                  9007199254740993LL, -9223372036854775807LL - 1 };
    for (size_t i = 0; i < sizeof iv / sizeof iv[0]; i++) {
        Ext a, b, c2;
        int16_t s16 = (int16_t)iv[i];
        int32_t s32 = (int32_t)iv[i];
        __asm__ volatile("fninit\n\tfildll %[q]\n\tfstpt %[a]\n\tfildl %[l]\n\tfstpt %[b]\n\tfilds %[w]\n\tfstpt %[c]"
                         : [a] "=m"(a), [b] "=m"(b), [c] "=m"(c2) : [q] "m"(iv[i]), [l] "m"(s32), [w] "m"(s16));
        pr_ext("fild64", &a, 0);
        pr_ext("fild32", &b, 0);
        pr_ext("fild16", &c2, 0);
    }
    /* fcmov after integer compares */
    for (int k = 0; k < 4; k++) {
        uint32_t x = (uint32_t)k, y = 2;
        double r;
        double one = 1.0, two = 2.0;
        __asm__ volatile("fldl %[two]\n\tfldl %[one]\n\tcmpl %[y], %[x]\n\tfcmovb %%st(1), %%st\n\tfstpl %[r]\n\tfstp %%st(0)"
                         : [r] "=m"(r) : [one] "m"(one), [two] "m"(two), [x] "r"(x), [y] "r"(y) : "cc");
        printf("fcmovb %u<2 -> %g\n", x, r);
    }
    uint16_t cw;
    __asm__ volatile("fninit\n\tfnstcw %0" : "=m"(cw));
    printf("fninit cw=%04x\n", cw);
    return 0;
}
