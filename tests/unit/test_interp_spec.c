/* The interpreter's own handlers (exec.c interp_specialize: alu.c,
 * misc.c, muldiv.c *_interp_pick) against the generic ones they replace.
 * Random TEST r/m, imm and TEST r/m, r, NEG and NOT, SETcc, CMOVcc,
 * IMUL r, r/m (, imm) and MUL, and the decoder's own INC/DEC and
 * ADC/SBB handlers, whose carry-in may come from any kind (cc_carry_in_k's
 * slow path) -- bytes, words and dwords, a register
 * operand or a memory one in each 32-bit address form -- are decoded once
 * and run three times from the same registers, memory and lazy flags:
 * through the handler interp_specialize chose, through its twin for
 * TB_LIN blocks where it has one (linear memory on), and through the
 * generic handler the decoding table names.  The lazy flags are left by
 * each kind of operation (not only as EFLAGS), so that every condition's
 * fast path in cc_cond is run.  Registers, EFLAGS' arithmetic flags and
 * the bytes around the operand must come out identical. */
#include <check.h>
#include "unit_main.h"
#include "spec_cpus.h"

enum { CASES = 30000 };

/* a register's value: anything, or small, or an edge of the signed and
 * unsigned ranges (products that just fit or overflow, zero tests) */
static uint32_t draw_value(uint32_t *s)
{
    static const uint32_t edge[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000,
                                     0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe };
    uint32_t r = twin_rng(s), v = twin_rng(s);
    switch (r & 3) {
    case 0: return edge[(r >> 2) % (sizeof edge / sizeof edge[0])];
    case 1: return v & 0x1ff;
    default: return v;
    }
}

/* One random instruction of the forms above into c; its length */
static int make_insn(uint8_t *c, uint32_t regs[8], uint32_t *s, uint32_t target)
{
    uint32_t r = twin_rng(s);
    int n = 0, kind = (int)(r % 11), width = (int)(r >> 4 & 3) % 3, reg = (int)(r >> 6 & 7), cc = (int)(r >> 9 & 15);
    int at = (int)(r >> 13 & 7) % AT_FORMS, imm_size = 0;
    if (at != AT_REG && (r >> 16 & 1))
        at = AT_REG; /* the register forms, which most handlers are for, half the time */
    if (kind >= 4 && kind != 5 && width == 0)
        width = 2; /* CMOV, IMUL and INC r have no byte form; ADC/SBB: dwords */
    if (kind >= 9)
        width = 2;
    if (kind == 5)
        width = 0; /* SETcc: a byte */
    if (width == 1)
        c[n++] = 0x66;
    int w = width != 0, isz = width == 0 ? 1 : width == 1 ? 2 : 4;
    switch (kind) {
    case 0: /* TEST r/m, imm */
        c[n++] = (uint8_t)(0xf6 | w), reg = 0, imm_size = isz;
        break;
    case 1: /* NEG, NOT */
        c[n++] = (uint8_t)(0xf6 | w), reg = 2 + (reg & 1);
        break;
    case 2: /* TEST r/m, r */
        c[n++] = (uint8_t)(0x84 | w);
        break;
    case 3: /* MUL, IMUL r/m */
        c[n++] = (uint8_t)(0xf6 | w), reg = 4 + (reg & 1);
        break;
    case 4: /* CMOVcc */
        c[n++] = 0x0f, c[n++] = (uint8_t)(0x40 | cc);
        break;
    case 5: /* SETcc */
        c[n++] = 0x0f, c[n++] = (uint8_t)(0x90 | cc), reg = 0;
        break;
    case 6: /* IMUL r, r/m */
        c[n++] = 0x0f, c[n++] = 0xaf;
        break;
    case 7: /* IMUL r, r/m, imm8 */
        c[n++] = 0x6b, imm_size = 1;
        break;
    case 8: /* IMUL r, r/m, imm */
        c[n++] = 0x69, imm_size = isz;
        break;
    case 9: /* INC/DEC r32 (a carry kept from any kind), INC/DEC r/m32 */
        if (at == AT_REG && (r >> 17 & 1)) {
            c[n++] = (uint8_t)(0x40 | (r >> 18 & 8) | reg);
            return n;
        }
        c[n++] = 0xff, reg = (int)(r >> 18 & 1);
        break;
    default: /* ADC, SBB (the carry in from any kind): r/m op= r, r op= r/m, r/m op= imm, EAX op= imm */
        switch (r >> 17 & 3) {
        case 0: c[n++] = (uint8_t)(0x11 | (r >> 19 & 1) << 4 | (r >> 20 & 1) << 1); break;
        case 1: c[n++] = 0x81, reg = 2 + (int)(r >> 19 & 1), imm_size = 4; break;
        case 2: c[n++] = 0x83, reg = 2 + (int)(r >> 19 & 1), imm_size = 1; break;
        default:
            c[n++] = (uint8_t)(0x15 | (r >> 19 & 1) << 4);
            spec_put32le(c + n, twin_rng(s));
            return n + 4;
        }
        break;
    }
    n += spec_operand(c + n, reg, at, regs, s, target);
    spec_put32le(c + n, twin_rng(s));
    return n + imm_size;
}

/* a lazy-flags state some operation leaves, consistent, from r */
static void set_flags(E386Cpu *cpu, uint32_t r, uint32_t a, uint32_t b)
{
    static const int sizes[3] = { 1, 2, 4 };
    int size = sizes[(r >> 4) % 3];
    uint32_t m = size_mask(size), n = b % 31 + 1;
    a &= m, b &= m;
    switch (r & 15) {
    case 0: cc_set(cpu, CC_ADD, size, (a + b) & m, a, b); break;
    case 1: case 2: cc_set(cpu, CC_SUB, size, (a - b) & m, a, b); break;
    case 3: cc_set(cpu, CC_LOGIC, size, a & b, 0, 0); break;
    case 4: cc_set(cpu, CC_SBB, 4, a - b - (r >> 8 & 1), a, b); break; /* a dword, as its fast path */
    case 5: cc_set(cpu, CC_ADC, size, (a + b + (r >> 8 & 1)) & m, a, b); break;
    case 6: cc_set(cpu, CC_INC, size, (a + 1) & m, a, r >> 8 & 1); break;
    case 7: cc_set(cpu, CC_DEC, size, (a - 1) & m, a, r >> 8 & 1); break;
    case 8: cc_set(cpu, CC_NEG, size, (0 - a) & m, a, 0); break;
    case 9: cc_set(cpu, CC_SHR, size, a >> n, a, n); break;
    case 10: cc_set(cpu, CC_SHL, size, (a << n) & m, a, n); break;
    case 11: cc_set(cpu, CC_MUL, size, a, b & 1, 0); break;
    default: cc_write(cpu, F_ARITH, a & F_ARITH); break; /* EFLAGS itself */
    }
}

START_TEST(test_interpreter_handlers_equal_generic)
{
    /* 0: the chosen handler, 1: its TB_LIN twin (linear memory), 2: generic */
    int off = 0, linear = 1;
    E386Cpu *cpus[3] = { spec_cpu(&off), spec_cpu(&linear), spec_cpu(&off) };
    if (!linear)
        printf("interp_spec: NOTE: no linear memory on this host (or under Valgrind): the TB_LIN twins are not run\n");
    uint8_t data[SPEC_WINDOW];
    uint32_t s = 0x1d7e5ec0u;
    int special = 0, twins = 0, bad = 0;
    for (int k = 0; k < CASES; k++) {
        uint32_t regs[8], target = spec_target(&s, k);
        for (int i = 0; i < 8; i++)
            regs[i] = draw_value(&s);
        uint8_t insn[16];
        int len = make_insn(insn, regs, &s, target), sp, tw;
        for (int i = 0; i < SPEC_WINDOW; i++)
            data[i] = (uint8_t)twin_rng(&s);
        spec_load(cpus, regs, target, data, insn, len);
        uint32_t fr = twin_rng(&s), fa = twin_rng(&s), fb = twin_rng(&s);
        for (int c = 0; c < 3; c++)
            set_flags(cpus[c], fr, fa, fb);
        if (!spec_run(cpus, linear, 1, target, k, &sp, &tw) && bad++ < 5)
            spec_report(k, insn, len, "the interpreter's handler (or its twin) and the generic one differ");
        special += sp;
        twins += tw;
    }
    printf("interp_spec: %d cases, %d through an interpreter's handler, %d with a twin\n", CASES, special, twins);
    fflush(stdout);
    for (int c = 0; c < 3; c++)
        e386_cpu_free(cpus[c]);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_gt(special, CASES / 4);
    if (linear)
        ck_assert_int_gt(twins, CASES / 64);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("interp_spec");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_interpreter_handlers_equal_generic);
    suite_add_tcase(s, t);
    return run_suite(s);
}
