/* The soft-float fast paths (src/fpu/sf_fast.h and the inline rounding in
 * sf_internal.h) against the slow paths they shortcut, bit for bit: the
 * result, every exception flag and C1, over edge and random operands in
 * every rounding mode and precision, with OE/UE masked and unmasked.  The
 * slow paths are the ones test_softfloat proves against a real x87. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include "fpu/sf_fast.h"
#include "sf_testops.h"

/* 12 contexts: RC 0-3 x PC 24/53/64, OE/UE trapping in every third */
static SfCtx ctx_n(int k)
{
    static const uint8_t pcs[3] = { 0, 2, 3 };
    SfCtx c = { (uint8_t)(k & 3), pcs[(k >> 2) % 3], 0, 0 };
    if (k % 3 == 1)
        c.flags = SF_TRAP_OE | SF_TRAP_UE;
    return c;
}
#define NCTX 12

static int same(F80 r1, const SfCtx *c1, F80 r2, const SfCtx *c2)
{
    return r1.mant == r2.mant && r1.sexp == r2.sexp && c1->flags == c2->flags && c1->c1 == c2->c1;
}

/* operands for the arithmetic: edges (also the special ones, which must
 * take the slow path unchanged), random normals over the whole exponent
 * range, near the ends of it, and pairs with close exponents (cancelling
 * subtractions, alignment shifts of 0..130 bits) */
static void gen_pair(SftRng *rng, int k, F80 *a, F80 *b)
{
    if (k < SFT_NEDGE * SFT_NEDGE) {
        *a = sft_edge(k / SFT_NEDGE);
        *b = sft_edge(k % SFT_NEDGE);
        return;
    }
    *a = sft_random(rng, 1, 0x7ffe);
    *b = sft_random(rng, 1, 0x7ffe);
    uint32_t r = sft_rnd(rng);
    switch (r & 3) {
    case 0: /* close exponents */
        b->sexp = (uint16_t)((b->sexp & 0x8000) | (((a->sexp & 0x7fff) + (r >> 8) % 131 - 65) & 0x7fff));
        if ((b->sexp & 0x7fff) == 0 || (b->sexp & 0x7fff) == 0x7fff)
            b->sexp ^= 2;
        break;
    case 1: /* nearly equal magnitudes */
        *b = *a;
        b->mant ^= sft_rnd64(rng) >> (r >> 26);
        b->mant |= SF_INT_BIT;
        if (r & 0x100)
            b->sexp ^= 0x8000;
        break;
    case 2: /* results near the ends of the range */
        a->sexp = (uint16_t)((a->sexp & 0x8000) | (0x3fff + (r >> 8) % 0x4000));
        b->sexp = (uint16_t)((b->sexp & 0x8000) | (0x3fff + ((r >> 8) % 0x4000) * ((r >> 22) & 1 ? 1 : -1)));
        if ((b->sexp & 0x7fff) == 0)
            b->sexp |= 1;
        break;
    default: break;
    }
}

#define NPAIR (SFT_NEDGE * SFT_NEDGE + 60000)

typedef F80 (*BinOp)(SfCtx *, F80, F80);
static const struct { const char *name; BinOp fast, slow; } binops[] = {
    { "add", sf_add, sf_add_slow },
    { "sub", sf_sub, sf_sub_slow },
    { "mul", sf_mul, sf_mul_slow },
    { "div", sf_div, sf_div_slow },
};

START_TEST(test_arith_fast_equals_slow)
{
    SftRng rng = { 7u + (uint32_t)_i };
    int bad = 0, fast_taken = 0;
    for (int k = 0; k < NPAIR; k++) {
        F80 a, b;
        gen_pair(&rng, k, &a, &b);
        fast_taken += sf_is_normal(a) && sf_is_normal(b);
        for (int n = 0; n < NCTX; n++) {
            SfCtx c1 = ctx_n(n), c2 = ctx_n(n);
            F80 r1 = binops[_i].fast(&c1, a, b), r2 = binops[_i].slow(&c2, a, b);
            if (!same(r1, &c1, r2, &c2) && bad++ < 5)
                printf("sf_%s %04x:%016llx %04x:%016llx ctx %d: fast %04x:%016llx fl %x c1 %d, slow "
                       "%04x:%016llx fl %x c1 %d\n", binops[_i].name, a.sexp, (unsigned long long)a.mant,
                       b.sexp, (unsigned long long)b.mant, n, r1.sexp, (unsigned long long)r1.mant,
                       c1.flags, c1.c1, r2.sexp, (unsigned long long)r2.mant, c2.flags, c2.c1);
        }
    }
    ck_assert_int_gt(fast_taken, NPAIR / 2); /* the fast path was exercised */
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* the inline x87 handler forms: normal operands straight to *_normal
 * (and to sf_add_normal_mixed, the fused runs' accumulation) */
START_TEST(test_normal_forms)
{
    SftRng rng = { 1234u };
    int bad = 0;
    for (int k = 0; k < 40000; k++) {
        F80 a, b;
        gen_pair(&rng, SFT_NEDGE * SFT_NEDGE + k, &a, &b);
        if (!sf_is_normal(a) || !sf_is_normal(b))
            continue;
        for (int n = 0; n < NCTX; n++) {
            SfCtx c[12];
            for (int j = 0; j < 12; j++)
                c[j] = ctx_n(n);
            F80 r[12] = { sf_add_normal(&c[0], a, b, 0), sf_add_slow(&c[1], a, b),
                          sf_add_normal(&c[2], a, b, 1), sf_sub_slow(&c[3], a, b),
                          sf_mul_normal(&c[4], a, b), sf_mul_slow(&c[5], a, b),
                          sf_div_normal(&c[6], a, b), sf_div_slow(&c[7], a, b),
                          sf_add_normal_mixed(&c[8], a, b, 0), sf_add_slow(&c[9], a, b),
                          sf_add_normal_mixed(&c[10], a, b, 1), sf_sub_slow(&c[11], a, b) };
            for (int j = 0; j < 12; j += 2)
                bad += !same(r[j], &c[j], r[j + 1], &c[j + 1]);
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* sf_round's inline fast path against sf_round_slow inside its domain
 * (normalised hi, 1 <= e < emax - 1) and at its edges, for the three
 * destinations (extended, double, single); the remainder bits around
 * half an ulp, all zero and all ones */
START_TEST(test_round_fast_equals_slow)
{
    SftRng rng = { 99u };
    static const int32_t emaxs[3] = { 0x7fff, 0x7ff, 0xff };
    int bad = 0, inside = 0;
    for (int k = 0; k < 200000; k++) {
        int32_t emax = emaxs[k % 3];
        uint32_t r = sft_rnd(&rng);
        int32_t e;
        switch ((r >> 2) & 3) {
        case 0: e = (int32_t)(r >> 8) % 6 - 2; break;              /* around 1 */
        case 1: e = emax - 4 + (int32_t)(r >> 8) % 6; break;        /* around emax - 1 */
        default: e = 1 + (int32_t)((r >> 8) % (uint32_t)(emax - 1)); break;
        }
        int p = k % 4 == 0 ? 24 : k % 4 == 1 ? 53 : 64;
        if (emax == 0xff) p = 24;
        if (emax == 0x7ff) p = 53;
        uint64_t hi = sft_rnd64(&rng) | SF_INT_BIT, lo = sft_rnd64(&rng);
        int drop = 64 - p;
        uint64_t half = drop ? 1ull << (drop - 1) : 0;
        switch ((r >> 4) & 7) { /* remainders at the rounding boundaries */
        case 0: lo = 0; if (drop) hi = (hi & ~((half << 1) - 1)) | half; else lo = SF_INT_BIT; break;
        case 1: lo = 0; if (drop) hi &= ~((half << 1) - 1); break;
        case 2: if (drop) hi |= (half << 1) - 1; lo = ~0ull; break;   /* carries out */
        case 3: hi = ~0ull; lo = (r & 1) ? ~0ull : SF_INT_BIT; break;
        case 4: lo = (r & 1); break;
        default: break;
        }
        if (k % 97 == 0)
            hi &= ~SF_INT_BIT; /* not normalised: must go slow */
        inside += (hi >> 63) && e >= 1 && e < emax - 1;
        for (int n = 0; n < NCTX; n++) {
            SfCtx c1 = ctx_n(n), c2 = ctx_n(n);
            int32_t e1 = -1, e2 = -1;
            uint64_t m1 = sf_round(&c1, (int)(r >> 31), e, hi, lo, p, emax, &e1);
            uint64_t m2 = sf_round_slow(&c2, (int)(r >> 31), e, hi, lo, p, emax, &e2);
            if ((m1 != m2 || e1 != e2 || c1.flags != c2.flags || c1.c1 != c2.c1) && bad++ < 5)
                printf("sf_round e %d p %d emax %x hi %016llx lo %016llx ctx %d: %016llx/%d/%x/%d vs "
                       "%016llx/%d/%x/%d\n", (int)e, p, (unsigned)emax, (unsigned long long)hi,
                       (unsigned long long)lo, n, (unsigned long long)m1, (int)e1, c1.flags, c1.c1,
                       (unsigned long long)m2, (int)e2, c2.flags, c2.c1);
        }
    }
    ck_assert_int_gt(inside, 100000);
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* FST m64: values across the double range, its denormals and overflow */
START_TEST(test_to_f64_fast_equals_slow)
{
    SftRng rng = { 5u };
    int bad = 0;
    for (int k = 0; k < 100000; k++) {
        F80 a = k < SFT_NEDGE ? sft_edge(k) : sft_random(&rng, 1, 0x7ffe);
        uint32_t r = sft_rnd(&rng);
        if (k >= SFT_NEDGE && (r & 1)) /* exponents where a double starts and ends */
            a.sexp = (uint16_t)((a.sexp & 0x8000) | (((r >> 1) & 1 ? 0x3c00 - 60 : 0x43ff - 4) + (r >> 8) % 70));
        for (int n = 0; n < NCTX; n++) {
            SfCtx c1 = ctx_n(n), c2 = ctx_n(n);
            uint64_t v1 = sf_to_f64(&c1, a), v2 = sf_to_f64_slow(&c2, a);
            bad += v1 != v2 || c1.flags != c2.flags || c1.c1 != c2.c1;
        }
    }
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* the host-assisted primitives against their portable versions */
START_TEST(test_primitives)
{
    SftRng rng = { 3u };
    for (int k = 0; k < 100000; k++) {
        uint64_t a = sft_rnd64(&rng) >> (k % 64), b = sft_rnd64(&rng) >> (k % 7);
        uint64_t h1, l1, h2, l2;
        sf_mul64(a, b, &h1, &l1);
        sf_mul64_portable(a, b, &h2, &l2);
        loop_assert(h1 == h2 && l1 == l2);
        loop_assert_eq(sf_clz64(a), sf_clz64_portable(a));
        /* sf_div128 against shift-and-subtract: (u1:u0) / v, u1 < v */
        uint64_t v = b | SF_INT_BIT, u1 = a % v, u0 = sft_rnd64(&rng), rem;
        uint64_t q = sf_div128(u1, u0, v, &rem), rr = u1, qq = 0;
        for (int i = 63; i >= 0; i--) {
            int top = (int)(rr >> 63);
            rr = rr << 1 | (u0 >> i & 1);
            qq <<= 1;
            if (top || rr >= v) {
                rr -= v;
                qq |= 1;
            }
        }
        loop_assert(q == qq && rem == rr);
    }
    ck_assert_int_eq(sf_clz64_portable(0), 64);
    ck_assert_int_eq(sf_clz64(0), 64);
    ck_assert_int_eq(sf_clz64_portable(1), 63);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sf_fast");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, test_arith_fast_equals_slow, 0, 4);
    tcase_add_test(t, test_normal_forms);
    tcase_add_test(t, test_round_fast_equals_slow);
    tcase_add_test(t, test_to_f64_fast_equals_slow);
    tcase_add_test(t, test_primitives);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return run_suite(suite()); }
