/* The specialised ALU handlers (src/cpu/alu.c) against the generic ones
 * they replace.  Random instructions of ADD OR ADC SBB AND SUB XOR CMP --
 * every encoding (r/m op= reg, reg op= r/m, AL/AX/EAX op= imm, r/m op=
 * imm8/imm), byte, word and dword, a register operand or a memory one
 * in each 32-bit address form the decoder tells apart ([base + disp],
 * [base + index << scale + disp], [disp32], [index << scale + disp32])
 * -- are decoded once and run from random registers and flags three
 * times: through the handler the decoder chose, through its twin for
 * TB_LIN blocks where it has one (linear memory on), and through the
 * generic handler the decoding table names (a third CPU).  The memory
 * operand lies inside a page or, every fourth case, across two (the
 * handlers' reference steps: a fast path declines it).  Registers,
 * EFLAGS' arithmetic flags and the bytes around the operand must come
 * out identical.  In the interpreter's blocks each handler runs the
 * same, with its go-on twin (test_pair_run draws these forms). */
#include <check.h>
#include "unit_main.h"
#include "spec_cpus.h"

enum { CASES = 30000 };

/* One random instruction into c (its length returned) and the registers
 * that put a memory operand at target. */
static int make_insn(uint8_t *c, uint32_t regs[8], uint32_t *s, uint32_t target, int *form)
{
    uint32_t r = twin_rng(s);
    int n = 0, op = (int)(r & 7), width = (int)(r >> 3 & 3) % 3, enc = (int)(r >> 5 & 3), reg = (int)(r >> 7 & 7);
    int at = (int)(r >> 10 & 7) % AT_FORMS;
    uint32_t imm = twin_rng(s);
    if (width == 1)
        c[n++] = 0x66;
    int w = width != 0; /* the opcode's w bit */
    if (enc == 2) { /* AL/AX/EAX op= imm */
        c[n++] = (uint8_t)(op << 3 | 4 | w);
        spec_put32le(c + n, imm);
        n += width == 0 ? 1 : width == 1 ? 2 : 4;
        *form = AT_REG;
        return n;
    }
    int imm_size = 0;
    if (enc == 3) { /* 80 /op ib, 81 /op iw/id, 83 /op ib */
        int sx = w && (imm & 1);
        c[n++] = (uint8_t)(0x80 | (sx ? 3 : w));
        imm_size = !w || sx ? 1 : width == 1 ? 2 : 4;
        reg = op;
    } else {
        c[n++] = (uint8_t)(op << 3 | (enc ? 2 : 0) | w);
    }
    *form = at;
    n += spec_operand(c + n, reg, at, regs, s, target);
    spec_put32le(c + n, imm);
    return n + imm_size;
}

START_TEST(test_specialised_alu_equals_generic)
{
    /* 0: the chosen handler, 1: its TB_LIN twin (linear memory), 2: generic */
    int off = 0, linear = 1;
    E386Cpu *cpus[3] = { spec_cpu(&off), spec_cpu(&linear), spec_cpu(&off) };
    if (!linear)
        printf("alu_spec: NOTE: no linear memory on this host (or under Valgrind): the TB_LIN twins are not run\n");
    uint8_t data[SPEC_WINDOW];
    uint32_t s = 0x2026c0deu;
    int special[AT_FORMS] = { 0 }, twins = 0, bad = 0;
    for (int k = 0; k < CASES; k++) {
        uint32_t regs[8], target = spec_target(&s, k);
        for (int i = 0; i < 8; i++)
            regs[i] = twin_rng(&s);
        uint8_t insn[16];
        int form, len = make_insn(insn, regs, &s, target, &form), sp, tw;
        for (int i = 0; i < SPEC_WINDOW; i++)
            data[i] = (uint8_t)twin_rng(&s);
        spec_load(cpus, regs, target, data, insn, len);
        uint32_t flags = twin_rng(&s);
        for (int c = 0; c < 3; c++)
            cc_write(cpus[c], F_ARITH, flags & F_ARITH);
        if (!spec_run(cpus, linear, 0, target, k, &sp, &tw) && bad++ < 5)
            spec_report(k, insn, len, "the specialised handler (or its twin) and the generic one differ");
        special[form] += sp;
        twins += tw;
    }
    printf("alu_spec: %d cases; specialised: %d register, %d [b], %d [b+i], %d [d], %d [i]; %d with a twin\n",
           CASES, special[AT_REG], special[AT_B], special[AT_BI], special[AT_D], special[AT_IX], twins);
    fflush(stdout);
    for (int c = 0; c < 3; c++)
        e386_cpu_free(cpus[c]);
    ck_assert_int_eq(bad, 0);
    for (int f = 0; f < AT_FORMS; f++) /* the decoder specialises each form */
        ck_assert_int_gt(special[f], CASES / 64);
    if (linear)
        ck_assert_int_gt(twins, CASES / 4);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_spec");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_specialised_alu_equals_generic);
    suite_add_tcase(s, t);
    return run_suite(s);
}
