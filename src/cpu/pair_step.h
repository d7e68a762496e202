/* The steps of the paired kinds (cpu/pair.c), shared with the
 * forwarding pairs (cpu/pair_fw.c): one translation unit each, so that
 * the two halves of the handlers compile side by side. */
#ifndef E386_CPU_PAIR_STEP_H
#define E386_CPU_PAIR_STEP_H
#include "core/ops.h"

enum { P_RR_EG, P_RR_GE, P_LD32_B, P_LD32_BI, P_ST32_B, P_ST32_BI, P_LEA_B, P_LEA_BI, P_MOVZX8_R,
       P_MOVZX8_B, P_ADD_RR, P_XOR_RR, P_AND_RR, P_ADD_RI, P_SUB_RI, P_AND_RI, P_SHL_RI, P_SHR_RI,
       P_MOVZX16_BI, P_LD8_B, P_ROL_RI, P_ROR_RI, P_KINDS,
       /* kinds that go on to the next op's handler (then) but do not
        * pair: the pair table grows with the square of the kinds */
       P_MOV_RI = P_KINDS, P_STI8_B, P_STI8_BI, P_STI32_B, P_STI32_BI, P_OR_RR, P_SUB_RR, P_INC_NF, P_DEC_NF,
       P_MOVZX16_R, P_LD32_D, P_ST32_D, P_LD_AO, P_ST_OA, P_PUSH_R, P_MOVZX16_B, P_MOVZX8_BI, P_LD8_BI,
       P_ST8_B, P_ST8_BI, P_MOVSX8_B, P_MOVSX8_BI, P_MOVSX16_B, P_MOVSX16_BI, P_LD32_IX, P_MOVZX16_D,
       P_MOVZX8_D, P_ST16_B, P_ST16_BI, P_ALL_KINDS };
/* _D: MOV r32 to or from [disp32]; _AO/_OA: MOV EAX to or from [moffs32];
 * _IX: [index << scale + disp32], no base (a table indexed by a register) */

/* The memory kinds, by what their step does: where the offset comes
 * from, the width, load or store, and the register (for a store the
 * value: a register, EAX or the immediate). */
enum { AT_B = 1, AT_BI, AT_DISP, AT_MOFFS, AT_PUSH, AT_IX }; /* [base + disp], [base + index << scale + disp], ... */
enum { R_REG, R_REG8, R_EAX, R_IMM, R_SUB, R_SX }; /* R_SX: r32, the value sign-extended (MOVSX) */
typedef struct MemKind { uint8_t at, size, store, reg; } MemKind;
static const MemKind mem_kinds[P_ALL_KINDS] = { /* at 0: not a memory kind */
    [P_LD32_B] = { AT_B, 4, 0, R_REG },     [P_LD32_BI] = { AT_BI, 4, 0, R_REG },
    [P_ST32_B] = { AT_B, 4, 1, R_REG },     [P_ST32_BI] = { AT_BI, 4, 1, R_REG },
    [P_MOVZX8_B] = { AT_B, 1, 0, R_REG },   [P_MOVZX16_BI] = { AT_BI, 2, 0, R_REG },
    [P_LD8_B] = { AT_B, 1, 0, R_REG8 },     [P_STI8_B] = { AT_B, 1, 1, R_IMM },
    [P_STI8_BI] = { AT_BI, 1, 1, R_IMM },   [P_STI32_B] = { AT_B, 4, 1, R_IMM },
    [P_STI32_BI] = { AT_BI, 4, 1, R_IMM },  [P_LD32_D] = { AT_DISP, 4, 0, R_REG },
    [P_ST32_D] = { AT_DISP, 4, 1, R_REG },  [P_LD_AO] = { AT_MOFFS, 4, 0, R_EAX },
    [P_ST_OA] = { AT_MOFFS, 4, 1, R_EAX },  [P_PUSH_R] = { AT_PUSH, 4, 1, R_SUB },
    [P_MOVZX16_B] = { AT_B, 2, 0, R_REG },  [P_MOVZX8_BI] = { AT_BI, 1, 0, R_REG },
    [P_LD8_BI] = { AT_BI, 1, 0, R_REG8 },   [P_ST8_B] = { AT_B, 1, 1, R_REG8 },
    [P_ST8_BI] = { AT_BI, 1, 1, R_REG8 },   [P_MOVSX8_B] = { AT_B, 1, 0, R_SX },
    [P_MOVSX8_BI] = { AT_BI, 1, 0, R_SX },  [P_MOVSX16_B] = { AT_B, 2, 0, R_SX },
    [P_MOVSX16_BI] = { AT_BI, 2, 0, R_SX }, [P_LD32_IX] = { AT_IX, 4, 0, R_REG },
    [P_MOVZX16_D] = { AT_DISP, 2, 0, R_REG }, [P_MOVZX8_D] = { AT_DISP, 1, 0, R_REG },
    [P_ST16_B] = { AT_B, 2, 1, R_REG },     [P_ST16_BI] = { AT_BI, 2, 1, R_REG },
};

static inline int is_mem(int k) { return mem_kinds[k].at != 0; }

/* Forwarding inside a pair: the second op reads, in operand slot fw, the
 * register the first op has just written whole (pair_fuse sees it when
 * it fuses, and picks the handler that knows it).  That read takes the
 * first step's value as the host holds it, instead of a load of
 * cpu->r[] right after the store to it: such a load waits for the store
 * to be forwarded (several cycles on the Zen 3 this was measured on).  The first step still stores the register; a slot that is not
 * fw reads cpu->r[] as before, so a second read of the same register
 * is right either way. */
enum { FW_NONE, FW_REG, FW_RM, FW_BASE, FW_INDEX, FW_RM8H, FW_RMREG, FW_SLOTS };
/* FW_RM8H: MOVZX r32, AH..BH reads bits 8-15 of the register forwarded;
 * FW_RMREG: a compare reads it as both operands (fuse_step.h) */
#define FW_GET(slot, i) (fw == (slot) ? fwv : cpu->r[i])

/* a memory kind's offset (SS's for a push) */
E386_INLINE uint32_t mem_off_fw(const E386Cpu *cpu, const E386Op *o, int k, int fw, uint32_t fwv)
{
    switch (mem_kinds[k].at) {
    case AT_B: return FW_GET(FW_BASE, o->base) + o->disp;
    case AT_BI: return FW_GET(FW_BASE, o->base) + (FW_GET(FW_INDEX, o->index) << o->scale) + o->disp;
    case AT_DISP: return o->disp;
    case AT_MOFFS: return o->imm;
    case AT_IX: return ea_ix(cpu, o);
    default: return cpu->r[4] - 4; /* AT_PUSH */
    }
}
E386_INLINE uint32_t mem_off(const E386Cpu *cpu, const E386Op *o, int k) { return mem_off_fw(cpu, o, k, FW_NONE, 0); }

/* a store's value */
E386_INLINE uint32_t mem_value_fw(const E386Cpu *cpu, const E386Op *o, const MemKind *m, int fw, uint32_t fwv)
{
    switch (m->reg) {
    case R_EAX: return cpu->r[0];
    case R_IMM: return o->imm & size_mask(m->size);
    case R_REG8: return reg_get(cpu, o->reg, 1);
    case R_SUB: return cpu->r[o->sub]; /* PUSH ESP: the old value */
    default: return FW_GET(FW_REG, o->reg);
    }
}
E386_INLINE uint32_t mem_value(const E386Cpu *cpu, const E386Op *o, const MemKind *m)
{
    return mem_value_fw(cpu, o, m, FW_NONE, 0);
}

/* a load's value into its register; the register's new value */
E386_INLINE uint32_t mem_loaded(E386Cpu *cpu, const E386Op *o, const MemKind *m, uint32_t v)
{
    if (m->reg == R_REG8) {
        reg_set(cpu, o->reg, 1, v);
        return 0; /* not a whole register: never forwarded */
    }
    if (m->reg == R_SX)
        v = sext(v, m->size);
    cpu->r[m->reg == R_EAX ? 0 : o->reg] = v;
    return v;
}

/* the register ALU forms as alu.c's alu32_apply: r32 dst op= b */
E386_INLINE uint32_t alu(E386Cpu *cpu, const E386Op *o, int dst, int cc, uint32_t r, uint32_t a, uint32_t b)
{
    cpu->r[dst] = r;
    if (FX_CLASS(o->fx) != FX_DEAD)
        cc_set(cpu, cc, 4, r, a, b);
    return r;
}

/* one op of kind k; 0: go on, STOP: stop before the next op, STEP_SLOW:
 * a memory step's fast path does not apply (nothing done yet).  lin: the
 * op is in a TB_LIN block and its segment ES, SS or DS (pair_fuse).
 * fw, fwv: the operand slot that reads the register the op before has
 * just written, and its value (FW_NONE: none).  *out: the value the op
 * leaves in the register it writes whole (pair_dst), for the next. */
enum { STOP = 1, STEP_SLOW = 2 };
E386_INLINE int step_fw(E386Cpu *cpu, const E386Op *o, int k, int lin, int fw, uint32_t fwv, uint32_t *out)
{
    uint32_t a, b;
    switch (k) {
    case P_RR_EG: *out = cpu->r[o->rm] = FW_GET(FW_REG, o->reg); return 0;
    case P_RR_GE: *out = cpu->r[o->reg] = FW_GET(FW_RM, o->rm); return 0;
    case P_LEA_B: *out = cpu->r[o->reg] = mem_off_fw(cpu, o, P_LD32_B, fw, fwv); return 0;
    case P_LEA_BI: *out = cpu->r[o->reg] = mem_off_fw(cpu, o, P_LD32_BI, fw, fwv); return 0;
    case P_MOVZX8_R: /* forwarded: the byte register's host register's low byte, or AH..BH's */
        *out = cpu->r[o->reg] = fw == FW_RM ? fwv & 0xff : fw == FW_RM8H ? fwv >> 8 & 0xff : reg_get(cpu, o->rm, 1);
        return 0;
    case P_ADD_RR: a = FW_GET(FW_RM, o->rm), b = FW_GET(FW_REG, o->reg); *out = alu(cpu, o, o->rm, CC_ADD, a + b, a, b); return 0;
    case P_XOR_RR: a = FW_GET(FW_RM, o->rm), b = FW_GET(FW_REG, o->reg); *out = alu(cpu, o, o->rm, CC_LOGIC, a ^ b, a, b); return 0;
    case P_AND_RR: a = FW_GET(FW_RM, o->rm), b = FW_GET(FW_REG, o->reg); *out = alu(cpu, o, o->rm, CC_LOGIC, a & b, a, b); return 0;
    case P_ADD_RI: a = FW_GET(FW_RM, o->rm), b = o->imm; *out = alu(cpu, o, o->rm, CC_ADD, a + b, a, b); return 0;
    case P_SUB_RI: a = FW_GET(FW_RM, o->rm), b = o->imm; *out = alu(cpu, o, o->rm, CC_SUB, a - b, a, b); return 0;
    case P_AND_RI: a = FW_GET(FW_RM, o->rm), b = o->imm; *out = alu(cpu, o, o->rm, CC_LOGIC, a & b, a, b); return 0;
    case P_SHL_RI: case P_SHR_RI: /* shift.c's shl_ri32, shr_ri32: a zero count changes nothing */
        a = FW_GET(FW_RM, o->rm), b = o->imm & 0x1f;
        *out = a;
        if (b)
            *out = alu(cpu, o, o->rm, k == P_SHL_RI ? CC_SHL : CC_SHR, k == P_SHL_RI ? a << b : a >> b, a, b);
        return 0;
    case P_ROL_RI: case P_ROR_RI: /* their flags dead (the only ones paired): shift.c's rol/ror_ri32_nf */
        a = FW_GET(FW_RM, o->rm), b = o->imm & 0x1f;
        *out = cpu->r[o->rm] = k == P_ROL_RI ? (a << b) | (a >> ((32 - b) & 31)) : (a >> b) | (a << ((32 - b) & 31));
        return 0;
    case P_MOV_RI: cpu->r[o->sub] = o->imm; return 0;
    case P_OR_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_LOGIC, a | b, a, b); return 0;
    case P_SUB_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_SUB, a - b, a, b); return 0;
    case P_INC_NF: cpu->r[o->sub]++; return 0; /* alu.c's inc/dec_r32_nf: the flags dead */
    case P_DEC_NF: cpu->r[o->sub]--; return 0;
    case P_MOVZX16_R: cpu->r[o->reg] = cpu->r[o->rm] & 0xffff; return 0;
    }
    const MemKind *m = &mem_kinds[k];
    uint32_t off = mem_off_fw(cpu, o, k, fw, fwv);
    int how = m->store ? FH_WRITE : FH_READ;
    uint8_t *p = lin ? lin_host(cpu, off, m->size, how)
               : m->at != AT_PUSH ? flat_host(cpu, o->seg, off, m->size, how)
               : ss32(cpu) ? flat_host(cpu, SEG_SS, off, 4, FH_WRITE) : NULL; /* stack.c's op_push_R */
    if (!p)
        return STEP_SLOW;
    if (!m->store) {
        *out = mem_loaded(cpu, o, m, ld_le(p, m->size));
        return 0;
    }
    st_le(p, m->size, mem_value_fw(cpu, o, m, fw, fwv)); /* into a code page: the host's fault, then mem_smc_write */
    if (m->at == AT_PUSH)
        cpu->r[4] = off;
    return cpu->exit_request ? STOP : 0;
}
E386_INLINE int step(E386Cpu *cpu, const E386Op *o, int k, int lin)
{
    uint32_t out;
    return step_fw(cpu, o, k, lin, FW_NONE, 0, &out);
}

/* the register op of kind k writes whole (forwarded to the next), -1
 * for none */
static inline int pair_dst(const E386Op *op, int k)
{
    switch (k) {
    case P_RR_EG: case P_ADD_RR: case P_XOR_RR: case P_AND_RR: case P_ADD_RI: case P_SUB_RI: case P_AND_RI:
    case P_SHL_RI: case P_SHR_RI: case P_ROL_RI: case P_ROR_RI:
        return op->rm;
    case P_RR_GE: case P_LD32_B: case P_LD32_BI: case P_LEA_B: case P_LEA_BI: case P_MOVZX8_R: case P_MOVZX8_B:
    case P_MOVZX16_BI:
        return op->reg;
    }
    return -1;
}

/* a single kind's step when its fast path declined, and the rest of
 * then_* after it (pair.c) */
const E386Op *pair_then_slow(E386Cpu *cpu, const E386Op *op, int ka);

/* the rest of a pair after a memory step's fast path declined
 * (pair.c): second, the second step's (the first is done) */
const E386Op *pair_slow(E386Cpu *cpu, const E386Op *op, int ka, int kb, int second);

/* the forwarding pair's handler for op a of kind ka, then op b of kind
 * kb (cpu/pair_fw.c), NULL for none */
OpFn pair_fw_pick(const E386Op *a, int ka, const E386Op *b, int kb);

/* the handler for ops[n - 3], of kind ka, and the compare-and-branch
 * after it that reads what it wrote (cpu/fuse_fw.c), NULL for none */
OpFn fuse_fw_pick(const E386Op *ops, int n, int ka);

/* a pair of kinds ka, kb; fw: the slot of the second that reads what the
 * first wrote (FW_NONE: none, or not known) */
E386_INLINE const E386Op *pair(E386Cpu *cpu, const E386Op *op, int ka, int kb, int lin, int fw)
{
    uint32_t v, unused;
    int s = step_fw(cpu, op, ka, lin, FW_NONE, 0, &v);
    if (s)
        return s == STEP_SLOW ? pair_slow(cpu, op, ka, kb, 0) : op + 1;
    if (is_mem(kb))
        cpu->cur = op + 1; /* a fault in the second op is the second instruction's */
    s = step_fw(cpu, op + 1, kb, lin, fw, v, &unused);
    if (s)
        return s == STEP_SLOW ? pair_slow(cpu, op, ka, kb, 1) : op + 2;
    return run_next(cpu, op + 2);
}

#endif
