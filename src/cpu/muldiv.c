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
#define MULDIV_GO(X) X(op_mul_E, 1) X(op_imul_E, 1) X(op_imul_GE, 1) X(op_imul_GEI, 1)
MULDIV_GO(GO_TWIN)

const GoTwin *muldiv_go_twins(size_t *n)
{
    static const GoTwin t[] = { MULDIV_GO(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
