/* The harness the specialised-handler tests share (test_alu_spec,
 * test_interp_spec): one instruction, decoded once, run from the same
 * registers, flags and memory by three CPUs -- 0: the handler chosen for
 * it, 1: that handler's twin for TB_LIN blocks where it has one (linear
 * memory on), 2: the generic handler the decoding table names -- whose
 * registers, arithmetic flags and the bytes around the memory operand
 * must come out identical. */
#ifndef SPEC_CPUS_H
#define SPEC_CPUS_H
#include "core/decode.h"
#include "core/ops.h"
#include "twin_cpus.h" /* twin_rng */

enum { SPEC_CODE = 0x10000, SPEC_DATA = 0x20000, SPEC_WINDOW = 24 };

/* *linear: linear memory wanted, then whether it is on (not on every
 * host, nor under Valgrind) */
static inline E386Cpu *spec_cpu(int *linear)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    *linear = e386_mem_linear(cpu, *linear);
    ck_assert_int_eq(e386_mem_map(cpu, SPEC_CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, SPEC_DATA, 0x2000, E386_PROT_READ | E386_PROT_WRITE), 0);
    return cpu;
}

static inline void spec_put32le(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> 8 * k);
}

/* a memory operand's target: inside the data page, or every fourth case
 * across its two pages (the handlers' reference steps) */
static inline uint32_t spec_target(uint32_t *s, int k)
{
    if (k % 4 == 3)
        return SPEC_DATA + 0x1000 - 1 - (twin_rng(s) & 1);
    return SPEC_DATA + 0x100 + (twin_rng(s) & 0xeff);
}

/* the operand forms the decoder tells apart: a register, [base + disp],
 * [base + index << scale + disp], [disp32], [index << scale + disp32] */
enum { AT_REG, AT_B, AT_BI, AT_D, AT_IX, AT_FORMS };

/* The ModRM operand (reg field reg) in form at into c, the registers set
 * so that a memory one is at target; its bytes' count */
static inline int spec_operand(uint8_t *c, int reg, int at, uint32_t regs[8], uint32_t *s, uint32_t target)
{
    uint32_t r = twin_rng(s), disp = twin_rng(s);
    int n = 0, base = (int)(r & 7), index = (int)(r >> 3 & 7), scale = (int)(r >> 6 & 3);
    if (index == 4)
        index = 6; /* ESP cannot be an index */
    switch (at) {
    case AT_REG:
        c[n++] = (uint8_t)(0xc0 | reg << 3 | base);
        return n;
    case AT_B:
        if (base == 4)
            c[n++] = (uint8_t)(0x84 | reg << 3), c[n++] = 0x24;
        else
            c[n++] = (uint8_t)(0x80 | reg << 3 | base);
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
    spec_put32le(c + n, disp);
    return n + 4;
}

/* the same registers, EIP, instruction and bytes around the operand
 * (SPEC_WINDOW from target - 8) in each CPU; the flags are the caller's */
static inline void spec_load(E386Cpu *const *cpus, const uint32_t regs[8], uint32_t target, const uint8_t *data,
                             const uint8_t *insn, int len)
{
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 8; i++)
            e386_reg_write(cpus[k], E386_EAX + i, regs[i]);
        e386_reg_write(cpus[k], E386_EIP, SPEC_CODE);
        /* no ck_assert per case: it is slow */
        if (e386_mem_write(cpus[k], target - 8, data, SPEC_WINDOW) || e386_mem_write(cpus[k], SPEC_CODE, insn, (size_t)len))
            ck_abort_msg("e386_mem_write");
    }
}

static inline int spec_same(E386Cpu *a, E386Cpu *b, uint32_t target)
{
    for (int i = 0; i < 8; i++)
        if (e386_reg_read(a, E386_EAX + i) != e386_reg_read(b, E386_EAX + i))
            return 0;
    uint8_t da[SPEC_WINDOW], db[SPEC_WINDOW];
    if (e386_mem_read(a, target - 8, da, sizeof da) || e386_mem_read(b, target - 8, db, sizeof db))
        return 0;
    return !memcmp(da, db, sizeof da) && (get_eflags(a) & F_ARITH) == (get_eflags(b) & F_ARITH);
}

/* Decode the loaded instruction (through interp_specialize as well when
 * interp), run it on the three CPUs and compare; 1 when they agree.
 * *special: the chosen handler is not the generic one; *twin: it has a
 * TB_LIN twin that ran */
static inline int spec_run(E386Cpu *const *cpus, int linear, int interp, uint32_t target, int k, int *special,
                           int *twin)
{
    E386Op op;
    const OpInfo *info;
    unsigned dec;
    DecodeFault fault;
    memset(&op, 0, sizeof op);
    if (decode_insn(cpus[0], SPEC_CODE, 1, &op, &info, &dec, &fault) != DEC_OK)
        ck_abort_msg("case %d: the instruction does not decode", k);
    if (interp)
        interp_specialize(&op, 1);
    OpFn t = linear ? alu_lin_twin(&op) : NULL; /* lin_host needs linear memory */
    const E386Op *n0 = op.fn(cpus[0], &op), *n1 = (t ? t : op.fn)(cpus[1], &op), *n2 = info->fn(cpus[2], &op);
    *special = op.fn != info->fn;
    *twin = t != NULL;
    return n0 == n2 && n1 == n2 && spec_same(cpus[0], cpus[2], target) && spec_same(cpus[1], cpus[2], target);
}

static inline void spec_report(int k, const uint8_t *insn, int len, const char *what)
{
    printf("case %d:", k);
    for (int i = 0; i < len; i++)
        printf(" %02x", insn[i]);
    printf(": %s\n", what);
}
#endif
