/* The soft-float module against the host x87 (on x86 hosts), bit for bit
 * including the exception flags and condition codes, over edge and random
 * operands in every rounding mode and precision.  On every host (x87 or
 * not) the same module is also checked against golden vectors a real x87
 * produced (softfloat_vectors.inc) and against checksums of the full runs
 * (sf_golden.inc).  The transcendentals must be within 1 ulp of the x87
 * here; tests/unit/sf_trans_sweep.c measures how often they are exact. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fpu/softfloat.h"
#include "sf_testops.h"

#include "sf_golden.inc"          /* sf_golden[SFT_NEXACT]: checksums of x87 runs */
#include "softfloat_vectors.inc"  /* sf_vectors[]: single operations on an x87 */

static int use_oracle(void)
{
#ifdef SFT_HAVE_X87
    /* Valgrind runs x87 code at 64-bit precision: no oracle there */
    return getenv("E386_NO_X87_ORACLE") == NULL;
#else
    return 0;
#endif
}

START_TEST(test_against_x87)
{
    int op = _i;
    SftRng rng = { 99u + (uint32_t)op };
    uint64_t sum = SFT_FNV0, hsum = SFT_FNV0;
    int mismatches = 0, compared = 0, oracle = use_oracle(), edge_shown = 0, random_shown = 0;
    int n = sft_ops[op].cases;
    for (size_t c = 0; c < SFT_NCW; c++)
        for (int k = 0; k < n; k++) {
            F80 a, b;
            sft_gen(op, k, &rng, &a, &b);
            SftRes s, h;
            sft_soft(op, a, b, sft_cws[c], &s);
            sum = sft_fold(sum, &s);
            if (!oracle)
                continue;
            sft_hard(op, a, b, sft_cws[c], &h);
            hsum = sft_fold(hsum, &h);
            compared++;
            if (!sft_same(op, &s, &h) && mismatches++ >= 0 &&
                (k < SFT_NEDGE * SFT_NEDGE ? edge_shown++ : random_shown++) < 4)
                sft_print_diff(op, sft_cws[c], a, b, &s, &h);
        }
    if (oracle) {
        printf("softfloat %s: %d compared with the host x87, %d differ\n", sft_ops[op].name, compared, mismatches);
        if (getenv("E386_PRINT_X87_GOLDEN")) /* regenerates sf_golden.inc, from the x87 only */
            fprintf(stderr, "    0x%016llxull, /* %s */\n", (unsigned long long)hsum, sft_ops[op].name);
    } else {
        printf("softfloat %s: no x87 oracle: comparing against the x87-produced checksum\n", sft_ops[op].name);
    }
    fflush(stdout);
    ck_assert_int_eq(mismatches, 0);
    ck_assert_msg(sum == sf_golden[op], "%s: checksum %016llx, the x87 gave %016llx", sft_ops[op].name,
                  (unsigned long long)sum, (unsigned long long)sf_golden[op]);
}
END_TEST

/* transcendentals: within 1 ulp of the x87, the same status word apart
 * from the named vendor rules of sf_testops.h */
START_TEST(test_trans_against_x87)
{
    int op = SFT_NEXACT + _i;
    SftRng rng = { 7u + (uint32_t)op };
    if (!use_oracle())
        return;
    int compared = 0, exact = 0, bad = 0, edge_shown = 0, random_shown = 0, c1 = 0, ue = 0, sc = 0;
    uint64_t worst = 0;
    for (size_t c = 0; c < SFT_NCW; c++)
        for (int k = 0; k < sft_ops[op].cases; k++) {
            F80 a, b;
            sft_gen(op, k, &rng, &a, &b);
            SftRes s, h;
            sft_soft(op, a, b, sft_cws[c], &s);
            sft_hard(op, a, b, sft_cws[c], &h);
            uint64_t u = sft_ulps(op, &s, &h);
            compared++;
            exact += sft_same(op, &s, &h);
            if (u > worst)
                worst = u;
            int rules = sft_vendor_rules(op, &s, &h);
            c1 += !!(rules & SFT_RULE_C1_INTERNAL);
            ue += !!(rules & SFT_RULE_UE_BOUNDARY);
            sc += !!(rules & SFT_RULE_FSINCOS_C1);
            if ((rules & SFT_RULE_BAD) && bad++ >= 0 &&
                (k < SFT_NEDGE * SFT_NEDGE ? edge_shown++ : random_shown++) < 4)
                sft_print_diff(op, sft_cws[c], a, b, &s, &h);
        }
    printf("softfloat %s: %d compared with the host x87, %d bit-exact, worst %llu ulp, %d beyond 1 ulp or "
           "other flags (vendor rules: C1_INTERNAL %d, UE_BOUNDARY %d, FSINCOS_C1 %d)\n",
           sft_ops[op].name, compared, exact, (unsigned long long)worst, bad, c1, ue, sc);
    fflush(stdout);
    ck_assert_int_eq(bad, 0);
    ck_assert_msg(c1 * 100 <= compared * SFT_C1_BUDGET, "%s: C1_INTERNAL needed by %d of %d results", sft_ops[op].name,
                  c1, compared);
}
END_TEST

/* the ulp distance counts representable values, across binades, the
 * normal/denormal boundary and zero */
START_TEST(test_ulp_distance)
{
    F80 minn = { 0x8000000000000000ull, 0x0001 }, dmax = { 0x7fffffffffffffffull, 0 };
    F80 pseudo = { 0x8000000000000000ull, 0 }, one = { 0x8000000000000000ull, 0x3fff };
    F80 below1 = { 0xffffffffffffffffull, 0x3ffe }, two = { 0x8000000000000000ull, 0x4000 };
    F80 dmin = { 1, 0 }, ndmin = { 1, 0x8000 }, pz = { 0, 0 }, nz = { 0, 0x8000 };
    F80 inf = { 0x8000000000000000ull, 0x7fff }, maxn = { 0xffffffffffffffffull, 0x7ffe };
    ck_assert_uint_eq(sft_ulp1(minn, dmax), 1);
    ck_assert_uint_eq(sft_ulp1(dmax, minn), 1);
    ck_assert_uint_eq(sft_ulp1(pseudo, minn), 0);
    ck_assert_uint_eq(sft_ulp1(one, below1), 1);
    ck_assert_uint_eq(sft_ulp1(below1, two), 1ull << 63 | 1);
    ck_assert_uint_eq(sft_ulp1(dmin, pz), 1);
    ck_assert_uint_eq(sft_ulp1(ndmin, pz), 1);
    ck_assert_uint_eq(sft_ulp1(ndmin, dmin), 2);
    ck_assert_uint_eq(sft_ulp1(pz, nz), ~0ull);
    ck_assert_uint_eq(sft_ulp1(maxn, inf), ~0ull);
    ck_assert_uint_eq(sft_ulp1(one, two), 1ull << 63);
}
END_TEST

START_TEST(test_golden_vectors)
{
    int bad = 0, exact = 0, n = (int)(sizeof sf_vectors / sizeof sf_vectors[0]), used[3] = { 0, 0, 0 };
    for (int i = 0; i < n; i++) {
        const SftVec *v = &sf_vectors[i];
        F80 a = { v->am, v->ae }, b = { v->bm, v->be };
        SftRes s, h = { { v->r0m, v->r0e }, { v->r1m, v->r1e }, v->iv, v->sw, 0 };
        sft_soft(v->op, a, b, v->cw, &s);
        int rules = v->op < SFT_NEXACT ? 0 : sft_vendor_rules(v->op, &s, &h);
        int ok = v->op < SFT_NEXACT ? sft_same(v->op, &s, &h) : !(rules & SFT_RULE_BAD);
        for (int r = 0; r < 3; r++)
            used[r] += !!(rules & (1 << r));
        exact += sft_same(v->op, &s, &h);
        if (!ok && bad++ < 8)
            sft_print_diff(v->op, v->cw, a, b, &s, &h);
    }
    printf("softfloat golden vectors: %d checked, %d bit-exact, %d wrong (vendor rules: C1_INTERNAL %d, "
           "UE_BOUNDARY %d, FSINCOS_C1 %d)\n", n, exact, bad, used[0], used[1], used[2]);
    fflush(stdout);
    ck_assert_int_eq(bad, 0);
}
END_TEST

int main(void)
{
    if (getenv("E386_PRINT_X87_VECTORS"))
        return sft_print_vectors(stdout);
    Suite *s = suite_create("softfloat");
    TCase *tc = tcase_create("softfloat");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_against_x87, 0, SFT_NEXACT);
    tcase_add_loop_test(tc, test_trans_against_x87, 0, SFT_NOPS - SFT_NEXACT);
    tcase_add_test(tc, test_ulp_distance);
    tcase_add_test(tc, test_golden_vectors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
