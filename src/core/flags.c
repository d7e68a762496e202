/* Lazy condition codes: the arithmetic flags are computed from the last
 * flag-setting operation only when somebody reads them.
 *
 * Flags the SDM leaves undefined get the values an Intel P6-family CPU
 * produces (measured on the host with tests/cpu-i386 built unmasked):
 * SHL's OF comes from the first one-bit step whatever the count, MUL
 * clears ZF and AF, shifts clear AF. */
#include "core/cpu.h"

int parity8(uint32_t v)
{
    v &= 0xff;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return !(v & 1);
}

static uint32_t szp(uint32_t r, uint32_t sb)
{
    return (r == 0 ? F_ZF : 0) | (r & sb ? F_SF : 0) | (parity8(r) ? F_PF : 0);
}

/* arithmetic right shift by 0..31 without relying on the host's >> of
 * negative numbers (implementation-defined in C) */
static uint32_t sar32(uint32_t v, uint32_t n)
{
    return (v >> n) | ((v & 0x80000000u) ? ~(0xffffffffu >> n) : 0);
}

/* the six flags of kind op (not EFLAGS) from the lazy operands */
static uint32_t kind_flags(const E386Cpu *cpu, uint32_t op)
{
    int size = (int)cpu->cc_size;
    uint32_t m = size_mask(size), sb = sign_bit(size);
    uint32_t r = cpu->cc_dst & m, a = cc_first(cpu, op) & m, b = cpu->cc_src2 & m;
    uint32_t f = szp(r, sb);
    switch (op) {
    case CC_ADD: case CC_ADC: {
        /* the carry in is whatever is left of r - a - b: 0 or 1 */
        uint32_t cin = op == CC_ADC ? ((r - a - b) & m) : 0;
        f |= (a ^ b ^ r) & F_AF;
        if (r < a || (cin && r == a)) f |= F_CF;
        if ((~(a ^ b) & (a ^ r)) & sb) f |= F_OF;
        return f;
    }
    case CC_SUB: case CC_SBB: {
        uint32_t bin = op == CC_SBB ? ((a - b - r) & m) : 0;
        f |= (a ^ b ^ r) & F_AF;
        if (a < b || (bin && a == b)) f |= F_CF;
        if (((a ^ b) & (a ^ r)) & sb) f |= F_OF;
        return f;
    }
    case CC_LOGIC:
        return f;
    case CC_INC: case CC_DEC: /* b holds the CF from before */
        f |= ((a ^ r) & F_AF) | (b ? F_CF : 0);
        if (r == (op == CC_INC ? sb : sb - 1)) f |= F_OF;
        return f;
    case CC_NEG:
        f |= (a ^ r) & F_AF;
        if (a) f |= F_CF;
        if (r == sb) f |= F_OF;
        return f;
    case CC_SHL: /* b = count 1..31; CF is 0 once everything is shifted out */
        if (b <= (uint32_t)size * 8 && ((a << (b - 1)) & sb)) f |= F_CF;
        if ((a ^ (a << 1)) & sb) f |= F_OF;
        return f;
    case CC_SHR:
        if ((a >> (b - 1)) & 1) f |= F_CF;
        if (a & sb) f |= F_OF; /* the MSB of the original operand */
        return f;
    case CC_SAR: /* OF = 0 */
        if (sar32(sext(a, size), b - 1) & 1) f |= F_CF;
        return f;
    case CC_MUL: /* P6: SF and PF from the low half, ZF and AF clear */
        f &= ~F_ZF;
        if (cpu->cc_src1) f |= F_CF | F_OF;
        return f;
    }
    return 0;
}

uint32_t cc_flags(E386Cpu *cpu)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_EFLAGS) /* cc_size is meaningless then (0 after reset) */
        return cpu->eflags & F_ARITH;
    if (op & CC_PATCHED)
        return (kind_flags(cpu, op & ~(uint32_t)CC_PATCHED) & ~cpu->cc_pmask) | cpu->cc_pval;
    return kind_flags(cpu, op);
}

/* CF of the lazy operation on its masked result r and operands a, b:
 * cc_flags' and cc_carry's (ADC/SBB: the carry in is whatever is left of
 * r - a - b, 0 or 1; INC/DEC: b holds the CF from before; SHL: b is the
 * count 1..31, CF is 0 once everything is shifted out) */
static int carry_of(const E386Cpu *cpu, uint32_t op, int size, uint32_t r, uint32_t a, uint32_t b)
{
    uint32_t m = size_mask(size);
    switch (op) {
    case CC_ADD: return r < a;
    case CC_ADC: return r < a || (((r - a - b) & m) && r == a);
    case CC_SUB: return a < b;
    case CC_SBB: return a < b || (((a - b - r) & m) && a == b);
    case CC_INC: case CC_DEC: return b != 0;
    case CC_NEG: return a != 0;
    case CC_SHL: return b <= (uint32_t)size * 8 && ((a << (b - 1)) & sign_bit(size));
    case CC_SHR: return (a >> (b - 1)) & 1;
    case CC_SAR: return sar32(sext(a, size), b - 1) & 1;
    case CC_MUL: return cpu->cc_src1 != 0;
    default: return 0; /* LOGIC */
    }
}

/* CF alone: no SF/ZF/PF (parity) work */
int cc_carry(E386Cpu *cpu)
{
    uint32_t op = cpu->cc_op;
    if (op & CC_PATCHED) {
        if (cpu->cc_pmask & F_CF)
            return (cpu->cc_pval & F_CF) != 0;
        op &= ~(uint32_t)CC_PATCHED;
    }
    switch (op) {
    case CC_EFLAGS: return (cpu->eflags & F_CF) != 0;
    case CC_LOGIC: return 0;
    case CC_INC: case CC_DEC: return cpu->cc_src2 != 0;
    }
    int size = (int)cpu->cc_size;
    uint32_t m = size_mask(size);
    return carry_of(cpu, op, size, cpu->cc_dst & m, cc_first(cpu, op) & m, cpu->cc_src2 & m);
}

/* Condition c straight from the lazy operands, or -1 if it needs EFLAGS.
 * After SUB, SBB, ADD, ADC and LOGIC every condition is direct; after
 * anything else ZF, SF, PF and CF still follow from the operands alone
 * (MUL's ZF is always clear), so only JO/JL/JLE after the rest build
 * the whole of EFLAGS. */
static int cond_direct(E386Cpu *cpu, int c)
{
    uint32_t op = cpu->cc_op;
    int size = (int)cpu->cc_size, patched = (op & CC_PATCHED) != 0;
    if (op == CC_EFLAGS)
        return -1;
    op &= ~(uint32_t)CC_PATCHED;
    uint32_t m = size_mask(size), sb = sign_bit(size), res = cpu->cc_dst & m;
    int zf = res == 0 && op != CC_MUL, sf = (res & sb) != 0;
    switch (c) {
    case 2: return zf;
    case 4: return sf;
    case 5: return parity8(res);
    }
    if (patched) { /* CF from the patch or the kind, OF-based ones from EFLAGS */
        if (c != 1 && c != 3)
            return -1;
        int cf = cc_carry(cpu);
        return c == 1 ? cf : cf || zf;
    }
    if (op == CC_LOGIC) /* CF = OF = 0 */
        return c == 0 || c == 1 ? 0 : c == 3 ? zf : c == 6 ? sf : (zf || sf);
    uint32_t a = cc_first(cpu, op) & m, b = cpu->cc_src2 & m;
    /* CF of every kind without AF and PF: SBB + JB/JAE is how a 32-bit
     * program compares 64-bit integers (Lua's, SQLite's), BT/DEC/SHR + JC
     * how others test a bit */
    if (c == 1 || c == 3) {
        int cf = carry_of(cpu, op, size, res, a, b);
        return c == 1 ? cf : cf || zf;
    }
    int of; /* and OF, for the signed conditions, of the add/subtract kinds */
    if (op == CC_SUB || op == CC_SBB)
        of = (((a ^ b) & (a ^ res)) & sb) != 0;
    else if (op == CC_ADD || op == CC_ADC)
        of = ((~(a ^ b) & (a ^ res)) & sb) != 0;
    else
        return -1;
    switch (c) {
    case 0: return of;
    case 6: return sf != of;
    default: return zf || sf != of;
    }
}

int cc_cond_slow(E386Cpu *cpu, int cc)
{
    int r = cond_direct(cpu, cc >> 1);
    if (r < 0)
        r = cc_cond_of_flags(cc_flags(cpu), cc >> 1);
    return (cc & 1) ? !r : r;
}

void cc_write(E386Cpu *cpu, uint32_t mask, uint32_t v)
{
    mask &= F_ARITH;
    uint32_t op = cpu->cc_op & ~(uint32_t)CC_PATCHED;
    /* CF and OF alone over a kind whose other flags follow from its
     * operands: a patch over it, nothing computed (cpu.h CC_PATCHED) */
    if (mask && !(mask & ~(F_CF | F_OF)) && op != CC_EFLAGS && op != CC_MUL) {
        int was = (cpu->cc_op & CC_PATCHED) != 0;
        cpu->cc_pval = ((was ? cpu->cc_pval : 0) & ~mask) | (v & mask);
        cpu->cc_pmask = (was ? cpu->cc_pmask : 0) | mask;
        cpu->cc_op = op | CC_PATCHED;
        return;
    }
    /* replacing every arithmetic flag needs nothing from the lazy state */
    uint32_t f = mask == F_ARITH ? 0 : cc_flags(cpu);
    cpu->eflags = (cpu->eflags & ~F_ARITH) | (f & ~mask) | (v & mask);
    cpu->cc_op = CC_EFLAGS;
}

uint32_t get_eflags(E386Cpu *cpu)
{
    return (cpu->eflags & ~F_ARITH) | cc_flags(cpu) | 2u;
}

void set_eflags(E386Cpu *cpu, uint32_t v, uint32_t mask)
{
    /* What this privilege level may change: IOPL only at CPL 0, IF only
     * when CPL <= IOPL; VM and RF never change this way.  AC and ID are
     * free, so CPUID detection works. */
    uint32_t can = F_ARITH | F_TF | F_DF | F_NT | F_AC | F_ID;
    int iopl = (int)((cpu->eflags >> 12) & 3);
    if (cpu->cpl == 0) can |= F_IOPL;
    if (cpu->cpl <= iopl) can |= F_IF;
    can &= mask;
    uint32_t cur = get_eflags(cpu);
    /* bit 1 reads as one; bits 3, 5 and 15 as zero */
    cpu->eflags = ((cur & ~can) | (v & can) | 2u) & ~(uint32_t)(1u << 3 | 1u << 5 | 1u << 15);
    cpu->cc_op = CC_EFLAGS;
}
