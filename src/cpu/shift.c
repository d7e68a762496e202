/* ROL ROR RCL RCR SHL SHR SAL SAR, SHLD SHRD. */
#include "core/ops.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Shift a by count (already masked to 5 bits, nonzero); sets the flags. */
static uint32_t shift(E386Cpu *cpu, int kind, int size, uint32_t a, uint32_t count)
{
    int bits = size * 8;
    uint32_t m = size_mask(size), sb = sign_bit(size), r;
    a &= m;
    switch (kind) {
    case SH_SHL: case SH_SAL:
        r = count >= 32 ? 0 : (a << count) & m;
        cc_set(cpu, CC_SHL, size, r, a, count);
        return r;
    case SH_SHR:
        r = a >> count;
        cc_set(cpu, CC_SHR, size, r, a, count);
        return r;
    case SH_SAR:
        r = (uint32_t)((int32_t)sext(a, size) >> count) & m;
        cc_set(cpu, CC_SAR, size, r, a, count);
        return r;
    case SH_ROL: case SH_ROR: {
        uint32_t c = count % (uint32_t)bits;
        if (kind == SH_ROL)
            r = c ? ((a << c) | (a >> (bits - (int)c))) & m : a;
        else
            r = c ? ((a >> c) | (a << (bits - (int)c))) & m : a;
        uint32_t cf = kind == SH_ROL ? (r & 1) : ((r & sb) != 0);
        uint32_t of = kind == SH_ROL ? (((r & sb) != 0) ^ cf)
                                     : (((r & sb) != 0) ^ ((r & (sb >> 1)) != 0));
        cc_write(cpu, F_CF | F_OF, (cf ? F_CF : 0) | (of ? F_OF : 0));
        return r;
    }
    default: { /* RCL, RCR: rotate through CF, count mod width+1 */
        uint32_t c = size == 4 ? count : count % (uint32_t)(bits + 1);
        uint32_t cf = (uint32_t)cc_carry(cpu);
        r = a;
        for (uint32_t i = 0; i < c; i++) {
            uint32_t out;
            if (kind == SH_RCL) {
                out = (r & sb) != 0;
                r = ((r << 1) | cf) & m;
            } else {
                out = r & 1;
                r = (r >> 1) | (cf ? sb : 0);
            }
            cf = out;
        }
        uint32_t of = kind == SH_RCL ? (((r & sb) != 0) ^ cf)
                                     : (((r & sb) != 0) ^ ((r & (sb >> 1)) != 0));
        if (c)
            cc_write(cpu, F_CF | F_OF, (cf ? F_CF : 0) | (of ? F_OF : 0));
        return r;
    }
    }
}

static const E386Op *shift_rm(E386Cpu *cpu, const E386Op *op, uint32_t count)
{
    int size = op->size;
    count &= 0x1f;
    if (op->mod == 3) {
        if (count)
            reg_set(cpu, op->rm, size, shift(cpu, op->sub, size, reg_get(cpu, op->rm, size), count));
        return op + 1;
    }
    uint32_t lin = op_lin(cpu, op, (uint32_t)size, 1);
    uint32_t a = lin_read(cpu, lin, size);
    if (count)
        lin_write(cpu, lin, size, shift(cpu, op->sub, size, a, count));
    else
        lin_check_write(cpu, lin, (uint32_t)size); /* a zero count still checks the access */
    return op + 1;
}

const E386Op *op_shift_E1(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, 1); }
const E386Op *op_shift_ECL(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, cpu->r[1] & 0xff); }
const E386Op *op_shift_EI(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, op->imm); }

/* SHLD/SHRD.  16-bit forms with counts above 16 are undefined; we shift the
 * pattern dst:src:dst, which is what P6-family processors produce. */
static const E386Op *double_shift(E386Cpu *cpu, const E386Op *op, int left)
{
    int size = op->size;
    uint32_t count = (op->sub ? cpu->r[1] : op->imm) & 0x1f;
    uint32_t lin = 0;
    uint32_t dst = rm_get_rmw(cpu, op, size, &lin);
    if (count == 0)
        return op + 1;
    uint32_t src = reg_get(cpu, op->reg, size), m = size_mask(size), sb = sign_bit(size), r, cf;
    if (size == 4) {
        if (left) {
            uint64_t v = (uint64_t)dst << 32 | src;
            r = (uint32_t)((v << count) >> 32);
            cf = (dst >> (32 - count)) & 1;
        } else {
            uint64_t v = (uint64_t)src << 32 | dst;
            r = (uint32_t)(v >> count);
            cf = (dst >> (count - 1)) & 1;
        }
    } else {
        /* the 48-bit pattern: dst (high), src, dst (low) */
        uint64_t v = (uint64_t)dst << 32 | (uint64_t)src << 16 | dst;
        if (left) {
            r = (uint32_t)((v << count) >> 32) & m;
            cf = (uint32_t)(v >> (48 - count)) & 1;
        } else {
            uint64_t w = (uint64_t)dst << 32 | (uint64_t)src << 16 | dst;
            r = (uint32_t)(w >> count) & m;
            cf = (uint32_t)(w >> (count - 1)) & 1;
        }
    }
    uint32_t of = ((r ^ dst) & sb) != 0;
    cc_set(cpu, CC_LOGIC, size, r, 0, 0);
    cc_write(cpu, F_CF | F_OF | F_AF, (cf ? F_CF : 0) | (of ? F_OF : 0));
    rm_put_rmw(cpu, op, size, lin, r);
    return op + 1;
}

const E386Op *op_shld(E386Cpu *cpu, const E386Op *op) { return double_shift(cpu, op, 1); }
const E386Op *op_shrd(E386Cpu *cpu, const E386Op *op) { return double_shift(cpu, op, 0); }
