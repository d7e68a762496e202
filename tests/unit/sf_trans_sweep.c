/* How close the soft-float transcendentals come to the host x87: for each
 * instruction, a few thousand arguments in every rounding mode; prints the
 * bit-exact rate, how many differ only in the status word (and in which
 * bits), the worst distance in ulps, how often the vendor rule C1_INTERNAL
 * was needed and how many results are beyond 1 ulp or the vendor rules of
 * sf_testops.h.  Not a pass/fail test beyond that (exit status 1 if any
 * result is, or C1_INTERNAL is over its budget); x86 hosts only.
 *   gcc -std=c11 -O2 -Isrc -Itests/unit src/fpu/\*.c tests/unit/sf_trans_sweep.c -o sweep
 *   ./sweep [cases-per-control-word] [op-name] [-v] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fpu/softfloat.h"
#include "sf_testops.h"

int main(int argc, char **argv)
{
#ifndef SFT_HAVE_X87
    (void)argc;
    (void)argv;
    printf("sf_trans_sweep: needs an x87 host\n");
    return 0;
#else
    int n = argc > 1 ? atoi(argv[1]) : 1000, verbose = argc > 3;
    const char *only = argc > 2 ? argv[2] : NULL;
    int fail = 0;
    printf("%-8s %7s %9s %9s %9s %6s  %4s %9s %6s\n", "op", "cases", "exact", "value", "sw-only", "worst", "sw^",
           "C1_INTRNL", "beyond");
    for (int op = SFT_NEXACT; op < SFT_NOPS; op++) {
        if (only && strcmp(only, sft_ops[op].name))
            continue;
        SftRng rng = { 12345u + (uint32_t)op };
        int total = 0, exact = 0, value = 0, swonly = 0, bad = 0, rule_c1 = 0;
        uint16_t swdiff = 0;
        uint64_t worst = 0;
        for (size_t c = 0; c < 4; c++) /* the four rounding modes, 64-bit precision */
            for (int k = 0; k < n; k++) {
                F80 a, b;
                sft_gen(op, SFT_NEDGE * SFT_NEDGE + k, &rng, &a, &b); /* random operands only */
                SftRes s, h;
                sft_soft(op, a, b, sft_cws[c], &s);
                sft_hard(op, a, b, sft_cws[c], &h);
                total++;
                uint64_t u = sft_ulps(op, &s, &h);
                int rules = sft_vendor_rules(op, &s, &h);
                bad += !!(rules & SFT_RULE_BAD);
                rule_c1 += !!(rules & SFT_RULE_C1_INTERNAL);
                if (u > worst)
                    worst = u;
                if (sft_same(op, &s, &h)) {
                    exact++;
                } else if (u) {
                    value++;
                    if (verbose)
                        sft_print_diff(op, sft_cws[c], a, b, &s, &h);
                } else {
                    swonly++;
                    swdiff |= (uint16_t)(s.sw ^ h.sw);
                }
            }
        printf("%-8s %7d %8.2f%% %9d %9d %6llu  %04x %9d %6d\n", sft_ops[op].name, total, 100.0 * exact / total, value,
               swonly, (unsigned long long)worst, swdiff, rule_c1, bad);
        fail |= bad || rule_c1 * 100 > total * SFT_C1_BUDGET;
    }
    return fail;
#endif
}
