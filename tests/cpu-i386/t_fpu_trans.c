/* The x87 transcendentals F2XM1 FYL2X FYL2XP1 FPTAN FSIN FCOS FSINCOS
 * FPATAN over a fixed sweep: 3000 arguments per instruction, made by an
 * integer PRNG (the same on every host), each with one control word (the
 * four rounding modes, some with PC 24 or 53 bits, which these
 * instructions ignore), all exceptions masked.  One line per argument:
 *
 *   fsin     cw=0b7f a=3ffe:c90fdaa22168c235 r=3ffe:b504f333f9de6484 sw=0220
 *
 * a (and b: ST(1), the second operand of FYL2X, FYL2XP1 and FPATAN) are
 * the operands, r the result (ST(0) after the instruction; for FPTAN and
 * FSINCOS r is ST(1), the tangent or the sine, and r1 is ST(0), 1.0 or the
 * cosine), sw the status word after it, C3 C2 C1 C0, SF and the exception
 * flags (ES, B and TOP masked).  An out-of-range FSIN/FCOS/FSINCOS/FPTAN
 * (C2 set) leaves the operand where it was: r is that operand.  FSINCOS
 * lines end with fsin_c1 and fcos_c1, C1 after FSIN and after FCOS of the
 * same operand and control word: C1 after FSINCOS is the sine's on AMD
 * (and emu386), the cosine's on Intel, and the runner's vendor rule
 * FSINCOS_C1 checks that each CPU's C1 is one of its own two.
 *
 * The last bit of these results differs between x87 vendors, so the
 * runner compares this program with the native CPU within 1 ulp and with
 * the documented vendor rules for C1 and UE (run_suite.py, README.md); its
 * golden file is emu386's own output, compared exactly on every host.
 * Arguments cover: specials (zeros, infinities, NaNs, denormals,
 * pseudo-denormals, unnormals), tiny values down to the smallest
 * denormal, near multiples of pi/4 up to 2^62, large values up to 2^63 and
 * beyond (C2), values near 1 for the logarithms, negative operands, and
 * each instruction's defined domain (F2XM1 |x| <= 1, FYL2XP1 |x| < 1 -
 * sqrt(2)/2: outside those the SDM leaves the result undefined). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct { uint64_t m; uint16_t e; } __attribute__((packed)) Ext;

enum { N_PER_OP = 3000 };

static uint32_t rng_state = 0x2545f491u;
static uint32_t rnd(void) /* xorshift32 */
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}
static uint64_t rnd64(void)
{
    uint64_t hi = rnd();
    return hi << 32 | rnd();
}
static uint32_t below(uint32_t n) { return rnd() % n; }

static Ext mk(int sign, int exp, uint64_t m)
{
    Ext x;
    x.m = m;
    x.e = (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff));
    return x;
}

/* a normal value 2^e * 1.f with a random significand, short or full */
static Ext rnd_normal(int sign, int e)
{
    uint64_t m = rnd64() | 1ull << 63;
    uint32_t r = rnd();
    if ((r & 7) == 0)
        m &= ~0ull << (8 + (r >> 3) % 56); /* short significands */
    return mk(sign, 16383 + e, m);
}

static const Ext specials[] = {
    { 0, 0 }, { 0, 0x8000 },                                           /* +-0 */
    { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff }, /* +-inf */
    { 0xc000000000000000ull, 0x7fff }, { 0xc000000000000001ull, 0xffff }, /* QNaN */
    { 0xa000000000000000ull, 0x7fff }, { 0x8000000000000001ull, 0xffff }, /* SNaN */
    { 0x0000000000000001ull, 0x0000 }, { 0x7fffffffffffffffull, 0x8000 }, /* denormals */
    { 0x8000000000000000ull, 0x0001 }, { 0x8000000000000000ull, 0x8001 }, /* min normal */
    { 0x8000000000000001ull, 0x0000 },                                 /* pseudo-denormal */
    { 0x4000000000000000ull, 0x3fff },                                 /* unnormal */
    { 0x0000000000000000ull, 0x7fff },                                 /* pseudo-infinity */
    { 0x8000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0xbfff }, /* +-1 */
    { 0xffffffffffffffffull, 0x7ffe },                                 /* max */
};
#define NSPEC ((int)(sizeof specials / sizeof specials[0]))

/* pi as a 128-bit significand, pi = P * 2^-126 */
static const uint32_t pi_limbs[4] = { 0xc90fdaa2, 0x2168c234, 0xc4c6628b, 0x80dc1cd1 };

/* k * pi/4 (k >= 1, k < 2^40) to 64 bits, truncated, then moved by delta ulps */
static Ext near_pi4(uint64_t k, int delta, int sign)
{
    uint32_t w[6] = { 0 }; /* k * P, most significant limb first */
    uint32_t kl[2] = { (uint32_t)(k >> 32), (uint32_t)k };
    for (int i = 3; i >= 0; i--)
        for (int j = 1; j >= 0; j--) {
            uint64_t carry = (uint64_t)pi_limbs[i] * kl[j];
            for (int pos = i + j + 1; carry && pos >= 0; pos--) {
                uint64_t s = (uint64_t)w[pos] + (uint32_t)carry;
                w[pos] = (uint32_t)s;
                carry = (carry >> 32) + (s >> 32);
            }
        }
    /* value = W * 2^-126 / 4 with W 192 bits: find the leading bit */
    int lead = 191;
    while (!((w[(191 - lead) / 32] >> (lead % 32)) & 1))
        lead--;
    uint64_t m = 0;
    for (int b = lead; b > lead - 64; b--)
        m = m << 1 | ((w[(191 - b) / 32] >> (b % 32)) & 1);
    int e = lead - 128; /* 2^lead * 2^-128 */
    uint64_t mm = m + (uint64_t)(int64_t)delta;
    if ((mm >> 63) == 0) /* left the binade: keep the multiple itself */
        mm = m;
    return mk(sign, 16383 + e, mm);
}

/* the sweep: argument i of each instruction kind */
static Ext trig_arg(int i)
{
    if (i < NSPEC)
        return specials[i];
    int sign = (int)(rnd() & 1);
    switch (below(10)) {
    case 0: /* tiny, down to denormals */
        if (below(4) == 0)
            return mk(sign, 0, rnd64() >> below(64));
        return rnd_normal(sign, -16382 + (int)below(16382 - 20));
    case 1: /* small: the Taylor range and just above */
        return rnd_normal(sign, -70 + (int)below(60));
    case 2: case 3: case 4: /* near k pi/4, k up to 1000 */
        return near_pi4(1 + below(1000), (int)below(33) - 16, sign);
    case 5: /* near k pi/4, k up to 2^40: arguments up to ~2^40 */
        return near_pi4((rnd64() >> (24 + below(40))) | 1, (int)below(9) - 4, sign);
    case 6: /* large, in range */
        return rnd_normal(sign, (int)below(63));
    case 7: /* around 2^63: in range below, C2 from 2^63 on */
        if (below(2))
            return mk(sign, 16383 + 62, ~0ull - below(1000));
        return rnd_normal(sign, 63 + (int)below(5000));
    default: /* [-4, 4] */
        return rnd_normal(sign, -3 + (int)below(5));
    }
}

/* denormal (a quarter) or normal below 2^-70: the same draws for F2XM1 and FYL2XP1 */
static Ext tiny_arg(int sign)
{
    if (below(4) == 0)
        return mk(sign, 0, rnd64() >> below(64));
    return rnd_normal(sign, -16382 + (int)below(16382 - 70));
}

static Ext f2xm1_arg(int i)
{
    if (i < NSPEC)
        return specials[i];
    int sign = (int)(rnd() & 1);
    switch (below(6)) {
    case 0:
        return tiny_arg(sign);
    case 1:
        return rnd_normal(sign, -70 + (int)below(64));
    case 2: /* near +-1 and +-1/2 */
        return mk(sign, 16383 - 1 - (int)below(2), ~0ull - below(1000));
    default: /* (-1, 1) */
        return rnd_normal(sign, -1 - (int)below(6));
    }
}

/* x > 0 for FYL2X (with some zeros, negatives and specials) */
static Ext log_x(int i)
{
    if (i < NSPEC)
        return specials[i];
    switch (below(8)) {
    case 0: /* near 1, above and below */
        if (below(2))
            return mk(0, 16383, 1ull << 63 | rnd64() >> (1 + below(63)));
        return mk(0, 16382, ~0ull - (rnd64() >> (1 + below(63))));
    case 1: /* powers of two: exact logarithms */
        return mk(0, 1 + (int)below(0x7ffd), 1ull << 63);
    case 2: /* denormals */
        return mk(0, 0, rnd64() >> below(64));
    case 3: /* negative: invalid */
        return rnd_normal(1, (int)below(40) - 20);
    case 4: /* the whole range */
        return rnd_normal(0, (int)below(32766) - 16382);
    default:
        return rnd_normal(0, (int)below(80) - 40);
    }
}

static Ext log_y(void)
{
    int sign = (int)(rnd() & 1);
    switch (below(12)) {
    case 0: return specials[below(8)];                             /* zeros, infinities, NaNs */
    case 1: return rnd_normal(sign, 16383 - (int)below(20));       /* huge: overflow */
    case 2: return rnd_normal(sign, -16382 + (int)below(20));      /* tiny: underflow */
    case 3: return mk(sign, 16383, 1ull << 63);                    /* +-1 */
    default: return rnd_normal(sign, (int)below(40) - 20);
    }
}

/* |x| < 1 - sqrt(2)/2 ~ 0.2929 for FYL2XP1 */
static Ext lnp1_x(int i)
{
    static const int spec_ok[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };
    if (i < (int)(sizeof spec_ok / sizeof spec_ok[0]))
        return specials[spec_ok[i]];
    int sign = (int)(rnd() & 1);
    switch (below(6)) {
    case 0:
        return tiny_arg(sign);
    case 1:
        return rnd_normal(sign, -70 + (int)below(64));
    case 2: /* just below the limit 0.29289321881345247... */
        return mk(sign, 16381, 0x95f619980c4336f7ull - below(1u << 20));
    default:
        return rnd_normal(sign, -3 - (int)below(8));
    }
}

static void atan_args(int i, Ext *y, Ext *x)
{
    if (i < NSPEC * NSPEC) { /* every pair of specials */
        *y = specials[i / NSPEC];
        *x = specials[i % NSPEC];
        return;
    }
    int sy = (int)(rnd() & 1), sx = (int)(rnd() & 1);
    int ey = (int)below(80) - 40;
    switch (below(6)) {
    case 0: /* |y| and |x| close: near the diagonals */
        *y = rnd_normal(sy, ey);
        *x = mk(sx, y->e & 0x7fff, y->m + below(1u << 20) - (1u << 19));
        x->m |= 1ull << 63;
        return;
    case 1: /* ratios far from 1, to tiny and huge quotients */
        *y = rnd_normal(sy, ey);
        *x = rnd_normal(sx, ey + (int)below(200) - 100);
        return;
    case 2: /* the exponent range */
        *y = rnd_normal(sy, (int)below(32000) - 16000);
        *x = rnd_normal(sx, (int)below(32000) - 16000);
        return;
    case 3: /* a denormal or a zero against a normal */
        *y = below(2) ? mk(sy, 0, rnd64() >> below(64)) : rnd_normal(sy, ey);
        *x = below(2) ? mk(sx, 0, rnd64() >> below(64)) : specials[below(4)];
        return;
    default:
        *y = rnd_normal(sy, ey);
        *x = rnd_normal(sx, ey + (int)below(8) - 4);
        return;
    }
}

static const uint16_t cws[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x0c7f,
                                0x0a7f, 0x047f };
#define NCW (sizeof cws / sizeof cws[0])

static void pr(const char *op, uint16_t cw, const Ext *a, const Ext *b, const Ext *r, const Ext *r1, uint16_t sw,
               int fsin_c1, int fcos_c1)
{
    printf("%-8s cw=%04x a=%04x:%016llx", op, cw, a->e, (unsigned long long)a->m);
    if (b)
        printf(" b=%04x:%016llx", b->e, (unsigned long long)b->m);
    printf(" r=%04x:%016llx", r->e, (unsigned long long)r->m);
    if (r1)
        printf(" r1=%04x:%016llx", r1->e, (unsigned long long)r1->m);
    printf(" sw=%04x", sw & 0x477f);
    if (fsin_c1 >= 0)
        printf(" fsin_c1=%d fcos_c1=%d", fsin_c1, fcos_c1);
    printf("\n");
}

/* one operand, one result */
#define UN(insn)                                                                                  \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\tfstpt %[r]\n\tfninit" \
                     : [r] "=m"(r), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw) : "memory")
/* one operand, two results (FPTAN, FSINCOS): r = ST(1), r1 = ST(0) */
#define UN2(insn)                                                                                 \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\t"              \
                     "fstpt %[r1]\n\tfstpt %[r]\n\tfninit"                                        \
                     : [r] "=m"(r), [r1] "=m"(r1), [sw] "=m"(sw) : [a] "m"(a), [cw] "m"(cw) : "memory")
/* ST(1) = b, ST(0) = a, result in ST(0) after the pop */
#define BIN(insn)                                                                                 \
    __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn "\n\tfnstsw %[sw]\n\t" \
                     "fstpt %[r]\n\tfninit"                                                        \
                     : [r] "=m"(r), [sw] "=m"(sw) : [a] "m"(a), [b] "m"(b), [cw] "m"(cw) : "memory")

/* the status word after FSIN (cos 0) or FCOS (cos 1) of a, for FSINCOS's C1 */
static uint16_t one_sw(Ext a, uint16_t cw, int cos)
{
    Ext r;
    uint16_t sw;
    if (cos)
        UN("fcos");
    else
        UN("fsin");
    return sw;
}

enum { F2XM1, FYL2X, FYL2XP1, FPTAN, FSIN, FCOS, FSINCOS, FPATAN, NOPS };
static const char *const names[NOPS] = { "f2xm1", "fyl2x", "fyl2xp1", "fptan", "fsin", "fcos", "fsincos", "fpatan" };

static void run(int op, int i)
{
    Ext a, b = { 0, 0 }, r = { 0, 0 }, r1 = { 0, 0 };
    uint16_t sw = 0, cw = cws[below(NCW)];
    int fsin_c1 = -1, fcos_c1 = -1;
    switch (op) {
    case F2XM1: a = f2xm1_arg(i); UN("f2xm1"); break;
    case FYL2X: a = log_x(i); b = log_y(); BIN("fyl2x"); break;
    case FYL2XP1: a = lnp1_x(i); b = log_y(); BIN("fyl2xp1"); break;
    case FPTAN: a = trig_arg(i); UN2("fptan"); break;
    case FSIN: a = trig_arg(i); UN("fsin"); break;
    case FCOS: a = trig_arg(i); UN("fcos"); break;
    case FSINCOS:
        a = trig_arg(i);
        fsin_c1 = (one_sw(a, cw, 0) >> 9) & 1;
        fcos_c1 = (one_sw(a, cw, 1) >> 9) & 1;
        UN2("fsincos");
        break;
    default: atan_args(i, &b, &a); BIN("fpatan"); break; /* ST(1) = y, ST(0) = x */
    }
    int two_ops = op == FYL2X || op == FYL2XP1 || op == FPATAN;
    int two_res = (op == FPTAN || op == FSINCOS) && !(sw & 0x0400);
    if ((op == FPTAN || op == FSINCOS) && (sw & 0x0400))
        r = r1; /* out of range: only the operand is on the stack */
    pr(names[op], cw, &a, two_ops ? &b : NULL, &r, two_res ? &r1 : NULL, sw, op == FSINCOS && two_res ? fsin_c1 : -1, fcos_c1);
}

int main(void)
{
    for (int op = 0; op < NOPS; op++)
        for (int i = 0; i < N_PER_OP; i++)
            run(op, i);
    return 0;
}
