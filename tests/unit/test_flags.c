/* Lazy condition codes: for every kind of flag-setting operation the
 * lazily computed flags equal flags computed directly from the
 * definition, and every jcc condition agrees with its EFLAGS formula. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include "core/cpu.h"

static uint32_t parity(uint32_t v)
{
    int n = 0;
    for (int i = 0; i < 8; i++)
        n += (v >> i) & 1;
    return (n & 1) ? 0 : F_PF;
}

/* reference flags from the SDM definitions, using wide arithmetic */
static uint32_t ref_flags(int kind, int size, uint32_t a, uint32_t b, uint32_t cin)
{
    int bits = size * 8;
    uint64_t m = (1ull << bits) - 1, sb = 1ull << (bits - 1);
    uint64_t r;
    uint32_t f = 0;
    a &= (uint32_t)m;
    b &= (uint32_t)m;
    if (kind == CC_ADD || kind == CC_ADC) {
        uint64_t full = (uint64_t)a + b + cin;
        r = full & m;
        if (full >> bits) f |= F_CF;
        if (!((a ^ b) & sb) && ((a ^ r) & sb)) f |= F_OF;
    } else {
        uint64_t full = (uint64_t)a - b - cin;
        r = full & m;
        if ((uint64_t)a < (uint64_t)b + cin) f |= F_CF;
        if (((a ^ b) & sb) && ((a ^ r) & sb)) f |= F_OF;
    }
    if (r == 0) f |= F_ZF;
    if (r & sb) f |= F_SF;
    f |= parity((uint32_t)r);
    f |= (a ^ b ^ (uint32_t)r) & F_AF;
    return f;
}

static const uint32_t vals[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678 };
#define NV (sizeof vals / sizeof vals[0])

START_TEST(test_add_sub_kinds)
{
    E386Cpu *cpu = e386_cpu_new();
    static const int kinds[] = { CC_ADD, CC_ADC, CC_SUB, CC_SBB };
    static const int sizes[] = { 1, 2, 4 };
    for (int k = 0; k < 4; k++)
        for (int s = 0; s < 3; s++)
            for (size_t i = 0; i < NV; i++)
                for (size_t j = 0; j < NV; j++)
                    for (uint32_t cin = 0; cin < 2; cin++) {
                        int kind = kinds[k], size = sizes[s];
                        if ((kind == CC_ADD || kind == CC_SUB) && cin)
                            continue;
                        uint32_t m = size_mask(size), a = vals[i] & m, b = vals[j] & m;
                        uint32_t r = (kind == CC_ADD || kind == CC_ADC) ? a + b + cin : a - b - cin;
                        cc_set(cpu, kind, size, r & m, a, b);
                        loop_assert_msg(cc_flags(cpu) == ref_flags(kind, size, a, b, cin),
                                      "kind %d size %d a %x b %x cin %u: %x != %x", kind, size, a, b, cin,
                                      cc_flags(cpu), ref_flags(kind, size, a, b, cin));
                        loop_assert_eq(cc_carry(cpu), (ref_flags(kind, size, a, b, cin) & F_CF) != 0);
                    }
    e386_cpu_free(cpu);
}
END_TEST

/* ADC's and SBB's carry-in read inline (cpu.h cc_carry_in) is cc_carry's
 * for every kind it reads inline, at every width, with the bits above a
 * byte's or word's width in the lazy state whatever they are (carry_of
 * masks them: a producer need not) */
START_TEST(test_carry_in_matches_cc_carry)
{
    E386Cpu *cpu = e386_cpu_new();
    static const int kinds[] = { CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_INC, CC_DEC, CC_NEG };
    static const int sizes[] = { 1, 2, 4 };
    uint32_t junk = 0x9e3779b9u;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int s = 0; s < 3; s++)
            for (size_t i = 0; i < NV; i++)
                for (size_t j = 0; j < NV; j++)
                    for (int dirty = 0; dirty < 2; dirty++) {
                        int kind = kinds[k], size = sizes[s];
                        uint32_t m = size_mask(size), a = vals[i] & m, b = vals[j] & m, hi[3] = { 0, 0, 0 };
                        for (int h = 0; h < 3 && dirty; h++) { /* above the width: anything */
                            junk = junk * 1103515245u + 12345u;
                            hi[h] = junk & ~m;
                        }
                        if (kind == CC_INC || kind == CC_DEC)
                            b &= 1; /* the kept CF */
                        uint32_t r = kind == CC_ADD || kind == CC_ADC ? a + b : kind == CC_NEG ? 0 - a : a - b;
                        cc_set(cpu, kind, size, (r & m) | hi[0], a | hi[1], b | (kind == CC_INC || kind == CC_DEC ? 0 : hi[2]));
                        loop_assert_msg(cc_carry_in(cpu) == (uint32_t)cc_carry(cpu), "kind %d size %d a %x b %x hi %x %x %x",
                                      kind, size, a, b, hi[0], hi[1], hi[2]);
                    }
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_logic_inc_dec_neg)
{
    E386Cpu *cpu = e386_cpu_new();
    for (size_t i = 0; i < NV; i++)
        for (uint32_t cf = 0; cf < 2; cf++) {
            uint32_t a = vals[i], r;
            cc_set(cpu, CC_LOGIC, 4, a, 0, 0);
            loop_assert_eq(cc_flags(cpu), (a ? 0 : F_ZF) | (a >> 31 ? F_SF : 0) | parity(a));
            r = a + 1;
            cc_set(cpu, CC_INC, 4, r, a, cf);
            loop_assert_eq(cc_flags(cpu), (ref_flags(CC_ADD, 4, a, 1, 0) & ~F_CF) | (cf ? F_CF : 0));
            r = a - 1;
            cc_set(cpu, CC_DEC, 4, r, a, cf);
            loop_assert_eq(cc_flags(cpu), (ref_flags(CC_SUB, 4, a, 1, 0) & ~F_CF) | (cf ? F_CF : 0));
            cc_set(cpu, CC_NEG, 4, 0 - a, a, 0);
            loop_assert_eq(cc_flags(cpu), ref_flags(CC_SUB, 4, 0, a, 0));
        }
    e386_cpu_free(cpu);
}
END_TEST

/* cc_cond (with its compare fast path) against the EFLAGS formulas */
START_TEST(test_conditions)
{
    E386Cpu *cpu = e386_cpu_new();
    for (size_t i = 0; i < NV; i++)
        for (size_t j = 0; j < NV; j++)
            for (int kind = CC_SUB; kind <= CC_LOGIC; kind += CC_LOGIC - CC_SUB) {
                uint32_t a = vals[i], b = vals[j];
                cc_set(cpu, kind, 4, kind == CC_SUB ? a - b : a & b, a, b);
                uint32_t f = cc_flags(cpu);
                int cf = !!(f & F_CF), zf = !!(f & F_ZF), sf = !!(f & F_SF), of = !!(f & F_OF), pf = !!(f & F_PF);
                int expect[8] = { of, cf, zf, cf | zf, sf, pf, sf != of, zf | (sf != of) };
                for (int cc = 0; cc < 16; cc++)
                    loop_assert_eq(cc_cond(cpu, cc), (cc & 1) ? !expect[cc >> 1] : expect[cc >> 1]);
            }
    e386_cpu_free(cpu);
}
END_TEST

/* Every condition after every kind and size of lazy state equals its
 * EFLAGS formula on cc_flags: cc_cond's and cond_direct's shortcuts (CF
 * of any kind without parity, every condition after SBB/ADD/ADC); and
 * after a cc_write of CF and OF, then of CF alone, over it (a rotate, then
 * BT: the kind patched, cpu.h CC_PATCHED), the flags are the kind's with
 * those replaced */
static void check_all_conditions(E386Cpu *cpu)
{
    uint32_t f = cc_flags(cpu);
    int cf = !!(f & F_CF), zf = !!(f & F_ZF), sf = !!(f & F_SF), of = !!(f & F_OF), pf = !!(f & F_PF);
    int expect[8] = { of, cf, zf, cf | zf, sf, pf, sf != of, zf | (sf != of) };
    for (int cc = 0; cc < 16; cc++)
        loop_assert_msg(cc_cond(cpu, cc) == ((cc & 1) ? !expect[cc >> 1] : expect[cc >> 1]),
                      "kind %u size %u dst %x src %x %x: condition %d", cpu->cc_op, cpu->cc_size, cpu->cc_dst,
                      cpu->cc_src1, cpu->cc_src2, cc);
}

START_TEST(test_conditions_of_every_kind_match_their_flags)
{
    E386Cpu *cpu = e386_cpu_new();
    static const int sizes[] = { 1, 2, 4 };
    for (int kind = CC_ADD; kind < CC_NKINDS; kind++)
        for (int s = 0; s < 3; s++)
            for (size_t i = 0; i < NV; i++)
                for (size_t j = 0; j < NV; j++)
                    for (uint32_t cin = 0; cin < 2; cin++) {
                        int size = sizes[s];
                        uint32_t m = size_mask(size), a = vals[i] & m, b = vals[j] & m, n = vals[j] % 31 + 1;
                        uint64_t prod = (uint64_t)a * b;
                        switch (kind) {
                        case CC_ADD: cc_set(cpu, kind, size, (a + b) & m, a, b); break;
                        case CC_ADC: cc_set(cpu, kind, size, (a + b + cin) & m, a, b); break;
                        case CC_SUB: cc_set(cpu, kind, size, (a - b) & m, a, b); break;
                        case CC_SBB: cc_set(cpu, kind, size, (a - b - cin) & m, a, b); break;
                        case CC_LOGIC: cc_set(cpu, kind, size, a & b, 0, 0); break;
                        case CC_INC: cc_set(cpu, kind, size, (a + 1) & m, a, cin); break;
                        case CC_DEC: cc_set(cpu, kind, size, (a - 1) & m, a, cin); break;
                        case CC_NEG: cc_set(cpu, kind, size, (0 - a) & m, a, 0); break;
                        case CC_SHL: cc_set(cpu, kind, size, (a << n) & m, a, n); break;
                        case CC_SHR: cc_set(cpu, kind, size, a >> n, a, n); break;
                        case CC_SAR: cc_set(cpu, kind, size, (uint32_t)((int64_t)(int32_t)sext(a, size) >> n) & m, a, n);
                            break;
                        case CC_MUL: cc_set(cpu, kind, size, (uint32_t)prod & m, (uint32_t)(prod >> size * 8) & m, 0);
                            break;
                        }
                        check_all_conditions(cpu);
                        /* a rotate's CF and OF, then BT's CF, over it (CC_PATCHED unless MUL) */
                        uint32_t f = cc_flags(cpu), co = (a & 1 ? F_CF : 0) | (b & 1 ? F_OF : 0);
                        cc_write(cpu, F_CF | F_OF, co);
                        loop_assert_eq(cc_flags(cpu), (f & ~(F_CF | F_OF)) | co);
                        loop_assert_eq(cc_carry(cpu), (co & F_CF) != 0);
                        check_all_conditions(cpu);
                        cc_write(cpu, F_CF, cin ? F_CF : 0);
                        uint32_t want = (f & ~(F_CF | F_OF)) | (co & F_OF) | (cin ? F_CF : 0);
                        loop_assert_eq(cc_flags(cpu), want);
                        loop_assert_eq(cc_carry(cpu), (int)cin);
                        check_all_conditions(cpu);
                        uint32_t patched = kind == CC_MUL ? (uint32_t)CC_EFLAGS : (uint32_t)(kind | CC_PATCHED);
                        loop_assert_eq(cpu->cc_op, patched);
                    }
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_write_and_eflags)
{
    E386Cpu *cpu = e386_cpu_new();
    cc_set(cpu, CC_SUB, 4, 0, 5, 5); /* ZF PF */
    cc_write(cpu, F_CF, F_CF);
    ck_assert_uint_eq(cc_flags(cpu), F_ZF | F_PF | F_CF);
    uint32_t fl = get_eflags(cpu);
    ck_assert_uint_eq(fl & 2, 2);      /* bit 1 always reads 1 */
    ck_assert_uint_eq(fl & F_IF, F_IF);
    set_eflags(cpu, 0, 0xffffffffu);   /* CPL 3, IOPL 0: IF stays */
    ck_assert_uint_eq(get_eflags(cpu) & (F_IF | F_ARITH), F_IF);
    set_eflags(cpu, F_ID | F_AC | F_DF, 0xffffffffu);
    ck_assert_uint_eq(get_eflags(cpu) & (F_ID | F_AC | F_DF), F_ID | F_AC | F_DF);
    e386_cpu_free(cpu);
}
END_TEST

/* Regression: after reset the flags live in EFLAGS with no operation
 * size; reading them must not compute size masks (UBSan caught a shift
 * by -1 in the ASan+UBSan leg). */
START_TEST(test_flags_after_reset)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(cc_carry(cpu), 0);
    ck_assert_uint_eq(cc_flags(cpu), 0);
    ck_assert_int_eq(cc_cond(cpu, 4), 0);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("flags");
    tcase_add_test(tc, test_flags_after_reset);
    tcase_add_test(tc, test_add_sub_kinds);
    tcase_add_test(tc, test_carry_in_matches_cc_carry);
    tcase_add_test(tc, test_logic_inc_dec_neg);
    tcase_add_test(tc, test_conditions);
    tcase_add_test(tc, test_conditions_of_every_kind_match_their_flags);
    tcase_add_test(tc, test_write_and_eflags);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
