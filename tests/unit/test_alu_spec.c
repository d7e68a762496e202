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
#include <stdio.h>
#include <string.h>
#include "core/cpu.h"
#include "core/decode.h"
#include "core/ops.h"
#include "e386.h"
#include "twin_cpus.h" /* twin_rng */

enum { CODE = 0x10000, DATA = 0x20000, CASES = 30000 };

/* *linear: linear memory wanted, then whether it is on (not on every
 * host, nor under Valgrind) */
static E386Cpu *new_cpu(int *linear)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    *linear = e386_mem_linear(cpu, *linear);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x2000, E386_PROT_READ | E386_PROT_WRITE), 0);
    return cpu;
}

static void put32le(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> 8 * k);
}

enum { AT_REG, AT_B, AT_BI, AT_D, AT_IX, AT_FORMS };

/* One random instruction into c (its length returned) and the registers
 * that put a memory operand at target. */
static int make_insn(uint8_t *c, uint32_t regs[8], uint32_t *s, uint32_t target, int *form)
{
    uint32_t r = twin_rng(s);
    int n = 0, op = (int)(r & 7), width = (int)(r >> 3 & 3) % 3, enc = (int)(r >> 5 & 3), reg = (int)(r >> 7 & 7);
    int at = (int)(r >> 10 & 7) % AT_FORMS, base = (int)(r >> 13 & 7), index = (int)(r >> 16 & 7),
        scale = (int)(r >> 19 & 3);
    uint32_t disp = twin_rng(s), imm = twin_rng(s);
    if (index == 4)
        index = 6; /* ESP cannot be an index */
    if (width == 1)
        c[n++] = 0x66;
    int w = width != 0; /* the opcode's w bit */
    if (enc == 2) { /* AL/AX/EAX op= imm */
        c[n++] = (uint8_t)(op << 3 | 4 | w);
        put32le(c + n, imm);
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
    switch (at) {
    case AT_REG:
        c[n++] = (uint8_t)(0xc0 | reg << 3 | base);
        break;
    case AT_B:
        if (base == 4) {
            c[n++] = (uint8_t)(0x84 | reg << 3), c[n++] = 0x24;
        } else {
            c[n++] = (uint8_t)(0x80 | reg << 3 | base);
        }
        regs[base] = target - disp;
        break;
    case AT_BI:
        c[n++] = (uint8_t)(0x84 | reg << 3), c[n++] = (uint8_t)(scale << 6 | index << 3 | base);
        regs[index] = twin_rng(s) & 0xffff;
        if (base == index)
            disp = target - regs[index] - (regs[index] << scale);
        else
            regs[base] = target - disp - (regs[index] << scale);
        break;
    case AT_D:
        c[n++] = (uint8_t)(0x05 | reg << 3);
        disp = target;
        break;
    default: /* AT_IX */
        c[n++] = (uint8_t)(0x04 | reg << 3), c[n++] = (uint8_t)(scale << 6 | index << 3 | 5);
        regs[index] = twin_rng(s) & 0xffff;
        disp = target - (regs[index] << scale);
        break;
    }
    if (at != AT_REG) {
        put32le(c + n, disp);
        n += 4;
    }
    put32le(c + n, imm);
    return n + imm_size;
}

/* the same registers, flags and bytes around the operand (WINDOW from
 * target - 8) in each CPU */
enum { WINDOW = 24 };
static void load(E386Cpu *const *cpus, const uint32_t regs[8], uint32_t flags, uint32_t target, const uint8_t *data)
{
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 8; i++)
            e386_reg_write(cpus[k], E386_EAX + i, regs[i]);
        e386_reg_write(cpus[k], E386_EIP, CODE);
        cc_write(cpus[k], F_ARITH, flags & F_ARITH);
        if (e386_mem_write(cpus[k], target - 8, data, WINDOW)) /* no ck_assert per case: it is slow */
            ck_abort_msg("e386_mem_write");
    }
}

static int same(E386Cpu *a, E386Cpu *b, uint32_t target)
{
    for (int i = 0; i < 8; i++)
        if (e386_reg_read(a, E386_EAX + i) != e386_reg_read(b, E386_EAX + i))
            return 0;
    uint8_t da[WINDOW], db[WINDOW];
    if (e386_mem_read(a, target - 8, da, sizeof da) || e386_mem_read(b, target - 8, db, sizeof db))
        return 0;
    return !memcmp(da, db, sizeof da) && (get_eflags(a) & F_ARITH) == (get_eflags(b) & F_ARITH);
}

START_TEST(test_specialised_alu_equals_generic)
{
    /* 0: the chosen handler, 1: its TB_LIN twin (linear memory), 2: generic */
    int off = 0, linear = 1;
    E386Cpu *cpus[3] = { new_cpu(&off), new_cpu(&linear), new_cpu(&off) };
    if (!linear)
        printf("alu_spec: NOTE: no linear memory on this host (or under Valgrind): the TB_LIN twins are not run\n");
    uint8_t data[WINDOW];
    uint32_t s = 0x2026c0deu;
    int special[AT_FORMS] = { 0 }, twins = 0, bad = 0;
    for (int k = 0; k < CASES; k++) {
        uint32_t regs[8], target = DATA + 0x100 + (twin_rng(&s) & 0xeff);
        if (k % 4 == 3)
            target = DATA + 0x1000 - 1 - (twin_rng(&s) & 1); /* across the two pages */
        for (int i = 0; i < 8; i++)
            regs[i] = twin_rng(&s);
        uint8_t insn[16];
        int form, len = make_insn(insn, regs, &s, target, &form);
        for (int i = 0; i < WINDOW; i++)
            data[i] = (uint8_t)twin_rng(&s);
        load(cpus, regs, twin_rng(&s), target, data);
        E386Op op;
        const OpInfo *info;
        unsigned dec;
        DecodeFault fault;
        memset(&op, 0, sizeof op);
        for (int c = 0; c < 3; c++)
            if (e386_mem_write(cpus[c], CODE, insn, (size_t)len))
                ck_abort_msg("e386_mem_write");
        if (decode_insn(cpus[0], CODE, 1, &op, &info, &dec, &fault) != DEC_OK)
            ck_abort_msg("case %d: the instruction does not decode", k);
        OpFn twin = linear ? alu_lin_twin(&op) : NULL; /* lin_host needs linear memory */
        const E386Op *n0 = op.fn(cpus[0], &op), *n1 = (twin ? twin : op.fn)(cpus[1], &op),
                     *n2 = info->fn(cpus[2], &op);
        special[form] += op.fn != info->fn;
        twins += twin != NULL;
        if ((n0 != n2 || n1 != n2 || !same(cpus[0], cpus[2], target) || !same(cpus[1], cpus[2], target)) &&
            bad++ < 5) {
            printf("case %d:", k);
            for (int i = 0; i < len; i++)
                printf(" %02x", insn[i]);
            printf(": the specialised handler%s and the generic one differ\n", twin ? " (or its twin)" : "");
        }
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
