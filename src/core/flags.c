/* Lazy condition codes: the arithmetic flags are computed from the last
 * flag-setting operation only when somebody reads them. */
#include "core/cpu.h"

int parity8(uint32_t v)
{
    v &= 0xff;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return !(v & 1);
}

static uint32_t szp(uint32_t r, int size)
{
    uint32_t f = 0;
    r &= size_mask(size);
    if (r == 0) f |= F_ZF;
    if (r & sign_bit(size)) f |= F_SF;
    if (parity8(r)) f |= F_PF;
    return f;
}

uint32_t cc_flags(E386Cpu *cpu)
{
    if (cpu->cc_op == CC_EFLAGS) /* cc_size is meaningless then (0 after reset) */
        return cpu->eflags & F_ARITH;
    int size = (int)cpu->cc_size;
    uint32_t m = size_mask(size), sb = sign_bit(size);
    uint32_t r = cpu->cc_dst & m, a = cpu->cc_src1 & m, b = cpu->cc_src2 & m;
    uint32_t f;
    switch (cpu->cc_op) {
    case CC_EFLAGS:
        return cpu->eflags & F_ARITH;
    case CC_ADD: case CC_ADC: {
        uint32_t cin = cpu->cc_op == CC_ADC ? ((r - a - b) & m) : 0;
        f = szp(r, size) | ((a ^ b ^ r) & 0x10);
        if (r < a || (cin && r == a)) f |= F_CF;
        if ((~(a ^ b) & (a ^ r)) & sb) f |= F_OF;
        return f;
    }
    case CC_SUB: case CC_SBB: {
        uint32_t bin = cpu->cc_op == CC_SBB ? ((a - b - r) & m) : 0;
        f = szp(r, size) | ((a ^ b ^ r) & 0x10);
        if (a < b || (bin && a == b)) f |= F_CF;
        if (((a ^ b) & (a ^ r)) & sb) f |= F_OF;
        return f;
    }
    case CC_LOGIC:
        return szp(r, size);
    case CC_INC:
        f = szp(r, size) | ((a ^ r) & 0x10) | (b ? F_CF : 0);
        if (r == sb) f |= F_OF;
        return f;
    case CC_DEC:
        f = szp(r, size) | ((a ^ r) & 0x10) | (b ? F_CF : 0);
        if (r == sb - 1) f |= F_OF;
        return f;
    case CC_NEG:
        f = szp(r, size) | ((a ^ r) & 0x10);
        if (a) f |= F_CF;
        if (r == sb) f |= F_OF;
        return f;
    case CC_SHL: /* b = count 1..31 */
        f = szp(r, size);
        if (b <= (uint32_t)size * 8 && ((a << (b - 1)) & sb)) f |= F_CF;
        if (((r & sb) != 0) != ((f & F_CF) != 0)) f |= F_OF;
        return f;
    case CC_SHR:
        f = szp(r, size);
        if ((a >> (b - 1)) & 1) f |= F_CF;
        if (a & sb) f |= F_OF; /* OF = MSB of the original operand */
        return f;
    case CC_SAR: {
        f = szp(r, size);
        int32_t sa = (int32_t)sext(a, size);
        if (((uint32_t)(sa >> (b - 1 > 31 ? 31 : b - 1))) & 1) f |= F_CF;
        return f;
    }
    case CC_MUL:
        f = szp(r, size);
        if (cpu->cc_src1) f |= F_CF | F_OF;
        return f;
    }
    return 0;
}

int cc_carry(E386Cpu *cpu)
{
    uint32_t m = size_mask((int)cpu->cc_size);
    switch (cpu->cc_op) {
    case CC_ADD: return (cpu->cc_dst & m) < (cpu->cc_src1 & m);
    case CC_SUB: return (cpu->cc_src1 & m) < (cpu->cc_src2 & m);
    case CC_LOGIC: return 0;
    default: return (cc_flags(cpu) & F_CF) != 0;
    }
}

int cc_cond_slow(E386Cpu *cpu, int cc)
{
    int r;
    /* the common compare-and-branch cases without building EFLAGS */
    if (cpu->cc_op == CC_SUB || cpu->cc_op == CC_LOGIC) {
        int size = (int)cpu->cc_size;
        uint32_t m = size_mask(size);
        uint32_t res = cpu->cc_dst & m;
        switch (cc >> 1) {
        case 2: r = res == 0; return (cc & 1) ? !r : r;
        case 4: r = (res & sign_bit(size)) != 0; return (cc & 1) ? !r : r;
        }
        if (cpu->cc_op == CC_SUB) {
            uint32_t a = cpu->cc_src1 & m, b = cpu->cc_src2 & m;
            int32_t sa = (int32_t)sext(a, size), sb2 = (int32_t)sext(b, size);
            switch (cc >> 1) {
            case 1: r = a < b; return (cc & 1) ? !r : r;
            case 3: r = a <= b; return (cc & 1) ? !r : r;
            case 6: r = sa < sb2; return (cc & 1) ? !r : r;
            case 7: r = sa <= sb2; return (cc & 1) ? !r : r;
            }
        }
    }
    uint32_t f = cc_flags(cpu);
    switch (cc >> 1) {
    case 0: r = (f & F_OF) != 0; break;
    case 1: r = (f & F_CF) != 0; break;
    case 2: r = (f & F_ZF) != 0; break;
    case 3: r = (f & (F_CF | F_ZF)) != 0; break;
    case 4: r = (f & F_SF) != 0; break;
    case 5: r = (f & F_PF) != 0; break;
    case 6: r = ((f & F_SF) != 0) != ((f & F_OF) != 0); break;
    default: r = (f & F_ZF) || (((f & F_SF) != 0) != ((f & F_OF) != 0)); break;
    }
    return (cc & 1) ? !r : r;
}

void cc_write(E386Cpu *cpu, uint32_t mask, uint32_t v)
{
    uint32_t f = cc_flags(cpu);
    mask &= F_ARITH;
    cpu->eflags = (cpu->eflags & ~F_ARITH) | (f & ~mask) | (v & mask);
    cpu->cc_op = CC_EFLAGS;
}

uint32_t get_eflags(E386Cpu *cpu)
{
    return (cpu->eflags & ~F_ARITH) | cc_flags(cpu) | 2u;
}

void set_eflags(E386Cpu *cpu, uint32_t v, uint32_t mask)
{
    /* what this privilege level may change: IOPL only at CPL 0, IF only
     * when CPL <= IOPL; VM and RF are never set by POPF. */
    uint32_t can = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
    int iopl = (int)((cpu->eflags >> 12) & 3);
    if (cpu->cpl == 0) can |= F_IOPL;
    if (cpu->cpl <= iopl) can |= F_IF;
    can &= mask;
    uint32_t cur = get_eflags(cpu);
    cpu->eflags = ((cur & ~can) | (v & can) | 2u) & ~(uint32_t)(1u << 3 | 1u << 5 | 1u << 15);
    cpu->cc_op = CC_EFLAGS;
}
