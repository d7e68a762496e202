/* MUL IMUL DIV IDIV.  Products and quotients use 64-bit host integers,
 * which every C11 host has. */
#include "core/ops.h"

/* the accumulator pair for a width: AX (=AL,AH), DX:AX, EDX:EAX */
static uint64_t acc_get(E386Cpu *cpu, int size)
{
    if (size == 1) return cpu->r[0] & 0xffff;
    if (size == 2) return (uint64_t)(cpu->r[2] & 0xffff) << 16 | (cpu->r[0] & 0xffff);
    return (uint64_t)cpu->r[2] << 32 | cpu->r[0];
}

static void acc_set(E386Cpu *cpu, int size, uint32_t lo, uint32_t hi)
{
    if (size == 1) {
        reg_set(cpu, 0, 2, (lo & 0xff) | (hi & 0xff) << 8);
    } else {
        reg_set(cpu, 0, size, lo);
        reg_set(cpu, 2, size, hi);
    }
}

const E386Op *op_mul_E(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size, bits = size * 8;
    uint64_t p = (uint64_t)reg_get(cpu, 0, size) * rm_read(cpu, op, size);
    uint32_t lo = (uint32_t)p & size_mask(size), hi = (uint32_t)(p >> bits) & size_mask(size);
    acc_set(cpu, size, lo, hi);
    cc_set(cpu, CC_MUL, size, lo, hi != 0, 0);
    return op + 1;
}

/* signed product of two width-sized values, and whether it overflows */
static int64_t smul(int size, uint32_t a, uint32_t b, int *ovf)
{
    int64_t p = (int64_t)(int32_t)sext(a, size) * (int64_t)(int32_t)sext(b, size);
    int64_t lo = (int64_t)(int32_t)sext((uint32_t)p & size_mask(size), size);
    *ovf = p != lo;
    return p;
}

const E386Op *op_imul_E(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size, ovf;
    int64_t p = smul(size, reg_get(cpu, 0, size), rm_read(cpu, op, size), &ovf);
    uint32_t lo = (uint32_t)p & size_mask(size);
    acc_set(cpu, size, lo, (uint32_t)((uint64_t)p >> (size * 8)) & size_mask(size));
    cc_set(cpu, CC_MUL, size, lo, (uint32_t)ovf, 0);
    return op + 1;
}

const E386Op *op_imul_GE(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size, ovf;
    int64_t p = smul(size, reg_get(cpu, op->reg, size), rm_read(cpu, op, size), &ovf);
    uint32_t lo = (uint32_t)p & size_mask(size);
    reg_set(cpu, op->reg, size, lo);
    cc_set(cpu, CC_MUL, size, lo, (uint32_t)ovf, 0);
    return op + 1;
}

const E386Op *op_imul_GEI(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size, ovf;
    int64_t p = smul(size, rm_read(cpu, op, size), op->imm, &ovf);
    uint32_t lo = (uint32_t)p & size_mask(size);
    reg_set(cpu, op->reg, size, lo);
    cc_set(cpu, CC_MUL, size, lo, (uint32_t)ovf, 0);
    return op + 1;
}

/* Flags after DIV/IDIV are undefined; they are left as they were. */
const E386Op *op_div_E(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint64_t d = rm_read(cpu, op, size);
    if (d == 0)
        raise_exc(cpu, EX_DE);
    uint64_t n = acc_get(cpu, size), q = n / d, r = n % d;
    if (q > size_mask(size))
        raise_exc(cpu, EX_DE);
    acc_set(cpu, size, (uint32_t)q, (uint32_t)r);
    return op + 1;
}

/* Signed division on magnitudes, so that no host signed overflow or
 * implementation-defined shift is involved; the remainder takes the
 * dividend's sign. */
const E386Op *op_idiv_E(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size, bits = size * 8;
    uint32_t dv = rm_read(cpu, op, size), m = size_mask(size);
    if (dv == 0)
        raise_exc(cpu, EX_DE);
    uint64_t n = acc_get(cpu, size), nmask = (uint64_t)m << bits | m;
    int nneg = (int)(n >> (2 * bits - 1)) & 1, dneg = (dv & sign_bit(size)) != 0;
    uint64_t un = nneg ? (0 - n) & nmask : n, ud = dneg ? (0u - dv) & m : dv;
    uint64_t uq = un / ud, ur = un % ud;
    int qneg = nneg != dneg;
    /* the quotient must fit: up to 2^(bits-1) when negative, one less when not */
    if (uq > ((uint64_t)1 << (bits - 1)) - (qneg ? 0 : 1))
        raise_exc(cpu, EX_DE);
    uint32_t q = (uint32_t)(qneg ? 0 - uq : uq), r = (uint32_t)(nneg ? 0 - ur : ur);
    acc_set(cpu, size, q & m, r & m);
    return op + 1;
}

/* go-on twins (ops.h) */
/* ---- the interpreter's own forms (muldiv_interp_pick) ----
 * IMUL r32, r32 (, imm) and MUL r32 of registers: the generic steps with
 * the width fixed (hashes' and integer code's products).  The native
 * back end emits the IMULs from op_imul_GE/GEI (emit_imul), so these are
 * for the interpreter's blocks only (exec.c interp_specialize). */
E386_INLINE const E386Op *imul_r32(E386Cpu *cpu, const E386Op *op, uint32_t a, uint32_t b)
{
    int ovf;
    uint32_t lo = (uint32_t)smul(4, a, b, &ovf);
    cpu->r[op->reg] = lo;
    cc_set(cpu, CC_MUL, 4, lo, (uint32_t)ovf, 0);
    return op + 1;
}

static const E386Op *imul_rr32(E386Cpu *cpu, const E386Op *op) { return imul_r32(cpu, op, cpu->r[op->reg], cpu->r[op->rm]); }
static const E386Op *imul_rri32(E386Cpu *cpu, const E386Op *op) { return imul_r32(cpu, op, cpu->r[op->rm], op->imm); }

static const E386Op *mul_r32(E386Cpu *cpu, const E386Op *op)
{
    uint64_t p = (uint64_t)cpu->r[0] * cpu->r[op->rm];
    uint32_t lo = (uint32_t)p, hi = (uint32_t)(p >> 32);
    cpu->r[0] = lo;
    cpu->r[2] = hi;
    cc_set(cpu, CC_MUL, 4, lo, hi != 0, 0);
    return op + 1;
}

OpFn muldiv_interp_pick(const E386Op *op)
{
    if (op->mod != 3 || op->lock || op->size != 4)
        return NULL;
    return op->fn == op_imul_GE ? imul_rr32 : op->fn == op_imul_GEI ? imul_rri32 : op->fn == op_mul_E ? mul_r32 : NULL;
}

#define MULDIV_GO(X) X(op_mul_E, 1) X(op_imul_E, 1) X(op_imul_GE, 1) X(op_imul_GEI, 1) \
    X(imul_rr32, 1) X(imul_rri32, 1) X(mul_r32, 1)
MULDIV_GO(GO_TWIN)

const GoTwin *muldiv_go_twins(size_t *n)
{
    static const GoTwin t[] = { MULDIV_GO(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
