/* BT BTS BTR BTC, BSF BSR, BSWAP. */
#include "core/ops.h"

enum { BT, BTS, BTR, BTC };

static uint32_t bit_apply(int kind, uint32_t v, uint32_t bit)
{
    switch (kind) {
    case BTS: return v | bit;
    case BTR: return v & ~bit;
    case BTC: return v ^ bit;
    default: return v;
    }
}

/* offset: the bit offset; for a register source with a memory operand it
 * is signed and may address outside the operand (SDM "bit base"). */
static const E386Op *bit_test(E386Cpu *cpu, const E386Op *op, uint32_t offset, int from_reg)
{
    int size = op->size, bits = size * 8, kind = op->sub;
    if (op->mod == 3) {
        uint32_t bit = 1u << (offset & (uint32_t)(bits - 1));
        uint32_t v = reg_get(cpu, op->rm, size);
        if (kind != BT)
            reg_set(cpu, op->rm, size, bit_apply(kind, v, bit));
        cc_write(cpu, F_CF, (v & bit) ? F_CF : 0);
        return op + 1;
    }
    uint32_t ea = op_ea(cpu, op);
    if (from_reg) {
        int32_t so = (int32_t)sext(offset, size);
        int32_t unit = so >= 0 ? so / bits : -((-(so + 1)) / bits) - 1; /* floor */
        ea += (uint32_t)(unit * size);
        if (op->adsize == 2)
            ea &= 0xffff;
    }
    uint32_t bit = 1u << (offset & (uint32_t)(bits - 1));
    uint32_t lin = seg_lin_fast(cpu, op->seg, ea, (uint32_t)size, kind != BT);
    uint32_t v = op->lock ? (uint32_t)locked_get(cpu, lin, size) : lin_read(cpu, lin, size);
    if (op->lock)
        locked_put(cpu, lin, size, bit_apply(kind, v, bit));
    else if (kind != BT)
        lin_write(cpu, lin, size, bit_apply(kind, v, bit));
    cc_write(cpu, F_CF, (v & bit) ? F_CF : 0);
    return op + 1;
}

const E386Op *op_bt_EG(E386Cpu *cpu, const E386Op *op)
{
    return bit_test(cpu, op, reg_get(cpu, op->reg, op->size), 1);
}

const E386Op *op_bt_EI(E386Cpu *cpu, const E386Op *op)
{
    return bit_test(cpu, op, op->imm & 0xff, 0);
}

/* Flags as Intel leaves them (all but ZF undefined in the SDM): a zero
 * source gives ZF = PF = 1, otherwise only PF, from the bit index. */
const E386Op *op_bsf_bsr(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t v = rm_read(cpu, op, size);
    if (v == 0) { /* destination unchanged */
        cc_write(cpu, F_ARITH, F_ZF | F_PF);
        return op + 1;
    }
    uint32_t i;
    if (op->sub == 0)
        for (i = 0; !(v & (1u << i)); i++) {}
    else
        for (i = (uint32_t)size * 8 - 1; !(v & (1u << i)); i--) {}
    reg_set(cpu, op->reg, size, i);
    cc_write(cpu, F_ARITH, parity8(i) ? F_PF : 0);
    return op + 1;
}

/* With an operand-size prefix the SDM says undefined; Intel clears the
 * low 16 bits. */
const E386Op *op_bswap(E386Cpu *cpu, const E386Op *op)
{
    uint32_t v = cpu->r[op->sub];
    if (op->opsize == 2)
        cpu->r[op->sub] = v & 0xffff0000u;
    else
        cpu->r[op->sub] = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24);
    return op + 1;
}
