/* Segment and system instructions: MOV Sreg, PUSH/POP Sreg, LDS/LES/LSS/
 * LFS/LGS, LAR, LSL, VERR, VERW, ARPL, BOUND, and the privileged group. */
#include "core/ops.h"

const E386Op *op_mov_ES(E386Cpu *cpu, const E386Op *op)
{
    if (op->reg > 5)
        raise_exc(cpu, EX_UD);
    uint32_t sel = cpu->seg[op->reg].sel;
    if (op->mod == 3)
        reg_set(cpu, op->rm, op->opsize, sel); /* 32-bit: zero-extended (P6) */
    else
        rm_write(cpu, op, 2, sel);
    return op + 1;
}

const E386Op *op_mov_SE(E386Cpu *cpu, const E386Op *op)
{
    if (op->reg > 5 || op->reg == SEG_CS)
        raise_exc(cpu, EX_UD);
    load_seg(cpu, op->reg, (uint16_t)rm_read(cpu, op, 2));
    if (op->reg == SEG_SS)
        cpu->inhibit_irq = 1; /* the next instruction runs in its shadow */
    return end_block(cpu, next_eip(op));
}

const E386Op *op_push_S(E386Cpu *cpu, const E386Op *op)
{
    /* a 32-bit push of a segment register writes only the low word on P6 */
    uint32_t sel = cpu->seg[op->sub].sel;
    if (op->size == 4) {
        uint32_t sp = sp_get(cpu) - 4;
        if (!((cpu->seg[SEG_SS].flags >> 22) & 1))
            sp &= 0xffff;
        uint32_t lin = seg_lin_fast(cpu, SEG_SS, sp, 4, 1);
        lin_check_write(cpu, lin, 4);
        lin_write(cpu, lin, 2, sel);
        sp_set(cpu, sp);
    } else {
        push(cpu, 2, sel);
    }
    return op + 1;
}

const E386Op *op_pop_S(E386Cpu *cpu, const E386Op *op)
{
    uint16_t sel = (uint16_t)stack_peek(cpu, op->size, 0);
    load_seg(cpu, op->sub, sel);
    sp_set(cpu, sp_get(cpu) + (uint32_t)op->size);
    if (op->sub == SEG_SS)
        cpu->inhibit_irq = 1;
    return end_block(cpu, next_eip(op));
}

const E386Op *op_lxs(E386Cpu *cpu, const E386Op *op)
{
    if (op->mod == 3)
        raise_exc(cpu, EX_UD);
    uint32_t ea = op_ea(cpu, op);
    uint32_t off = seg_read(cpu, op->seg, ea, op->size);
    uint16_t sel = (uint16_t)seg_read(cpu, op->seg, (ea + (uint32_t)op->size) & (op->adsize == 2 ? 0xffff : 0xffffffffu), 2);
    load_seg(cpu, op->sub, sel);
    reg_set(cpu, op->reg, op->size, off);
    if (op->sub == SEG_SS)
        cpu->inhibit_irq = 1;
    return end_block(cpu, next_eip(op));
}

/* Is the descriptor visible to LAR/LSL/VERR/VERW at this CPL and RPL? */
static int desc_visible(E386Cpu *cpu, uint16_t sel, uint32_t d[2], int lsl)
{
    if ((sel & 0xfffc) == 0 || sys_read_desc(cpu, sel, d) != 0)
        return 0;
    uint32_t f = d[1];
    unsigned type = DESC_TYPE(f), dpl = DESC_DPL(f);
    if (!DESC_S(f)) {
        /* system types: LSL accepts TSS and LDT; LAR also call/task gates */
        static const uint8_t lar_ok[16] = { 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0 };
        static const uint8_t lsl_ok[16] = { 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0 };
        if (!(lsl ? lsl_ok : lar_ok)[type])
            return 0;
    } else if ((type & 0xc) == 0xc) {
        return 1; /* conforming code: no privilege check */
    }
    return dpl >= cpu->cpl && dpl >= (sel & 3u);
}

const E386Op *op_lar_lsl(E386Cpu *cpu, const E386Op *op)
{
    if (!cpu->pe)
        raise_exc(cpu, EX_UD);
    uint16_t sel = (uint16_t)rm_read(cpu, op, 2);
    uint32_t d[2];
    if (!desc_visible(cpu, sel, d, op->sub)) {
        cc_write(cpu, F_ZF, 0);
        return op + 1;
    }
    uint32_t v;
    if (op->sub == 0) {
        v = d[1] & 0x00f0ff00u;
    } else {
        Seg s;
        seg_load_cache(&s, sel, d);
        v = s.limit;
    }
    reg_set(cpu, op->reg, op->size, v);
    cc_write(cpu, F_ZF, F_ZF);
    return op + 1;
}

const E386Op *op_grp6(E386Cpu *cpu, const E386Op *op)
{
    if (!cpu->pe)
        raise_exc(cpu, EX_UD);
    switch (op->sub) {
    case 0: case 1: /* SLDT, STR: no LDTR/TR are loaded in user mode */
        if (op->mod == 3) reg_set(cpu, op->rm, op->opsize, 0);
        else rm_write(cpu, op, 2, 0);
        break;
    case 2: case 3: /* LLDT, LTR */
        if (cpu->cpl != 0)
            raise_exc_err(cpu, EX_GP, 0);
        raise_exc(cpu, EX_UD); /* system mode is not implemented yet */
    default: { /* VERR, VERW */
        uint16_t sel = (uint16_t)rm_read(cpu, op, 2);
        uint32_t d[2];
        int ok = 0;
        if (desc_visible(cpu, sel, d, 0) && DESC_S(d[1])) {
            unsigned type = DESC_TYPE(d[1]);
            if (op->sub == 4) ok = !(type & 8) || (type & 2);  /* data, or readable code */
            else ok = !(type & 8) && (type & 2);              /* writable data */
            if ((type & 0xc) == 0xc && op->sub == 4) ok = (type & 2) != 0;
        }
        cc_write(cpu, F_ZF, ok ? F_ZF : 0);
    }
    }
    return end_block(cpu, next_eip(op));
}

const E386Op *op_grp7(E386Cpu *cpu, const E386Op *op)
{
    switch (op->sub) {
    case 0: case 1: { /* SGDT, SIDT: allowed at CPL 3 on i686 */
        if (op->mod == 3)
            raise_exc(cpu, EX_UD);
        uint32_t lin = op_lin(cpu, op, 6, 1);
        lin_check_write(cpu, lin, 6);
        /* the tables user mode can see: a GDT of 32 entries, no IDT */
        lin_write(cpu, lin, 2, op->sub == 0 ? 32 * 8 - 1 : 0);
        lin_write(cpu, lin + 2, 4, 0);
        break;
    }
    case 4: /* SMSW */
        if (op->mod == 3) reg_set(cpu, op->rm, op->opsize, cpu->cr0);
        else rm_write(cpu, op, 2, cpu->cr0 & 0xffff);
        break;
    default: /* LGDT LIDT LMSW INVLPG */
        if (cpu->pe && cpu->cpl != 0)
            raise_exc_err(cpu, EX_GP, 0);
        if (op->sub != 7 && op->mod == 3)
            raise_exc(cpu, EX_UD);
        raise_exc(cpu, EX_UD); /* system mode is not implemented yet */
    }
    return end_block(cpu, next_eip(op));
}

const E386Op *op_arpl(E386Cpu *cpu, const E386Op *op)
{
    if (!cpu->pe)
        raise_exc(cpu, EX_UD);
    uint32_t dst = rm_read(cpu, op, 2), src = reg_get(cpu, op->reg, 2);
    if ((dst & 3) < (src & 3)) {
        rm_write(cpu, op, 2, (dst & ~3u) | (src & 3));
        cc_write(cpu, F_ZF, F_ZF);
    } else {
        cc_write(cpu, F_ZF, 0);
    }
    return op + 1;
}

const E386Op *op_bound(E386Cpu *cpu, const E386Op *op)
{
    if (op->mod == 3)
        raise_exc(cpu, EX_UD);
    int size = op->size;
    uint32_t ea = op_ea(cpu, op);
    int32_t lo = (int32_t)sext(seg_read(cpu, op->seg, ea, size), size);
    int32_t hi = (int32_t)sext(seg_read(cpu, op->seg, ea + (uint32_t)size, size), size);
    int32_t v = (int32_t)sext(reg_get(cpu, op->reg, size), size);
    if (v < lo || v > hi)
        raise_exc(cpu, EX_BR);
    return op + 1;
}

/* CLTS INVD WBINVD WRMSR RDMSR: CPL 0 only; no system mode yet. */
const E386Op *op_sysop(E386Cpu *cpu, const E386Op *op)
{
    (void)op;
    if (cpu->pe && cpu->cpl != 0)
        raise_exc_err(cpu, EX_GP, 0);
    raise_exc(cpu, EX_UD);
}

const E386Op *op_mov_crdr(E386Cpu *cpu, const E386Op *op)
{
    (void)op;
    if (cpu->pe && cpu->cpl != 0)
        raise_exc_err(cpu, EX_GP, 0);
    raise_exc(cpu, EX_UD);
}
