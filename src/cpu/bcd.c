/* Decimal adjustment: DAA DAS AAA AAS AAM AAD, and SALC. */
#include "core/ops.h"

static uint32_t szp8(uint32_t v)
{
    v &= 0xff;
    return (v ? 0 : F_ZF) | (v & 0x80 ? F_SF : 0) | (parity8(v) ? F_PF : 0);
}

const E386Op *op_daa(E386Cpu *cpu, const E386Op *op)
{
    uint32_t f = get_eflags(cpu), al = reg_get(cpu, 0, 1), old = al;
    uint32_t cf = 0, af = 0;
    if ((al & 0xf) > 9 || (f & F_AF)) {
        al += 6;
        cf = (f & F_CF) || al > 0xff;
        af = 1;
    }
    if (old > 0x99 || (f & F_CF)) {
        al += 0x60;
        cf = 1;
    }
    reg_set(cpu, 0, 1, al);
    cc_write(cpu, F_ARITH, szp8(al) | (cf ? F_CF : 0) | (af ? F_AF : 0));
    return op + 1;
}

const E386Op *op_das(E386Cpu *cpu, const E386Op *op)
{
    uint32_t f = get_eflags(cpu), al = reg_get(cpu, 0, 1), old = al;
    uint32_t cf = 0, af = 0;
    if ((al & 0xf) > 9 || (f & F_AF)) {
        cf = (f & F_CF) || al < 6;
        al = (al - 6) & 0xff;
        af = 1;
    }
    if (old > 0x99 || (f & F_CF)) {
        al = (al - 0x60) & 0xff;
        cf = 1;
    }
    reg_set(cpu, 0, 1, al);
    cc_write(cpu, F_ARITH, szp8(al) | (cf ? F_CF : 0) | (af ? F_AF : 0));
    return op + 1;
}

/* AAA/AAS as P6 and later do them: on AX as a whole. */
static const E386Op *ascii_adjust(E386Cpu *cpu, const E386Op *op, int sub)
{
    uint32_t f = get_eflags(cpu), ax = reg_get(cpu, 0, 2);
    int adj = (ax & 0xf) > 9 || (f & F_AF);
    if (adj)
        ax = sub ? ((ax - 6) & 0xffff) - 0x100 : ax + 0x106;
    ax = (ax & 0xff0f) & 0xffff;
    reg_set(cpu, 0, 2, ax);
    cc_write(cpu, F_ARITH, szp8(ax) | (adj ? F_CF | F_AF : 0));
    return op + 1;
}

const E386Op *op_aaa(E386Cpu *cpu, const E386Op *op) { return ascii_adjust(cpu, op, 0); }
const E386Op *op_aas(E386Cpu *cpu, const E386Op *op) { return ascii_adjust(cpu, op, 1); }

const E386Op *op_aam(E386Cpu *cpu, const E386Op *op)
{
    uint32_t base = op->imm & 0xff, al = reg_get(cpu, 0, 1);
    if (base == 0)
        raise_exc(cpu, EX_DE);
    uint32_t lo = al % base;
    reg_set(cpu, 0, 2, (al / base) << 8 | lo);
    cc_set(cpu, CC_LOGIC, 1, lo, 0, 0);
    return op + 1;
}

/* Intel does AL + AH * base as an 8-bit ADD: CF, OF and AF (undefined
 * in the SDM) come out of that addition. */
const E386Op *op_aad(E386Cpu *cpu, const E386Op *op)
{
    uint32_t ax = reg_get(cpu, 0, 2), lo = ax & 0xff, prod = ((ax >> 8) * (op->imm & 0xff)) & 0xff;
    uint32_t al = (lo + prod) & 0xff;
    reg_set(cpu, 0, 2, al);
    cc_set(cpu, CC_ADD, 1, al, lo, prod);
    return op + 1;
}

const E386Op *op_salc(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, 0, 1, cc_carry(cpu) ? 0xff : 0);
    return op + 1;
}
