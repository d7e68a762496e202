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
    if (!cpu->pe || (cpu->eflags & F_VM))
        raise_exc(cpu, EX_UD);
    uint16_t sel = (uint16_t)rm_read(cpu, op, 2);
    uint32_t d[2];
    if (!desc_visible(cpu, sel, d, op->sub)) {
        cc_write(cpu, F_ZF, 0);
        return op + 1;
    }
    uint32_t v;
    if (op->sub == 0) {
        v = d[1] & 0x00ffff00u; /* P6 (and Bochs) include limit 19:16, "x" in the SDM's 00FxFF00H */
    } else {
        Seg s;
        seg_load_cache(&s, sel, d);
        v = s.limit;
    }
    reg_set(cpu, op->reg, op->size, v);
    cc_write(cpu, F_ZF, F_ZF);
    return op + 1;
}

/* LLDT and LTR: a GDT descriptor of an LDT (type 2) or an available TSS
 * (1: 16-bit, 9: 32-bit), which LTR marks busy. */
static void load_system_seg(E386Cpu *cpu, int tr, uint16_t sel)
{
    Seg *s = tr ? &cpu->tr : &cpu->ldtr;
    if ((sel & 0xfffc) == 0) {
        if (tr)
            raise_exc_err(cpu, EX_GP, 0);
        *s = (Seg){ .sel = sel }; /* a null LDT: LDT references fault */
        return;
    }
    uint32_t d[2];
    if ((sel & 4) || sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    unsigned type = DESC_TYPE(d[1]);
    if (DESC_S(d[1]) || (tr ? (type != 1 && type != 9) : type != 2))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (!DESC_P(d[1]))
        raise_exc_err(cpu, EX_NP, sel & 0xfffc);
    if (tr) {
        d[1] |= 2u << 8; /* busy */
        sys_write_desc(cpu, sel, d);
    }
    seg_load_cache(s, sel, d);
}

const E386Op *op_grp6(E386Cpu *cpu, const E386Op *op)
{
    if (!cpu->pe || (cpu->eflags & F_VM))
        raise_exc(cpu, EX_UD);
    switch (op->sub) {
    case 0: case 1: { /* SLDT, STR (user mode loads neither: 0) */
        if (cpu->eflags & F_VM)
            raise_exc(cpu, EX_UD);
        uint32_t sel = cpu->sys ? (op->sub == 0 ? cpu->ldtr.sel : cpu->tr.sel) : 0;
        if (op->mod == 3) reg_set(cpu, op->rm, op->opsize, sel);
        else rm_write(cpu, op, 2, sel);
        break;
    }
    case 2: case 3: /* LLDT, LTR */
        if ((cpu->eflags & F_VM) || !cpu->sys)
            raise_exc(cpu, EX_UD);
        if (cpu->cpl != 0)
            raise_exc_err(cpu, EX_GP, 0);
        load_system_seg(cpu, op->sub == 3, (uint16_t)rm_read(cpu, op, 2));
        break;
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
        /* user mode shows the tables it can see: a GDT of 32 entries, no IDT;
         * a 16-bit SGDT/SIDT stores the base's high byte as zero (P6) */
        uint32_t limit = op->sub == 0 ? 32 * 8 - 1 : 0, base = 0;
        if (cpu->sys) {
            limit = op->sub == 0 ? cpu->gdtr.limit : cpu->idtr.limit;
            base = op->sub == 0 ? cpu->gdtr.base : cpu->idtr.base;
            if (op->opsize == 2)
                base &= 0x00ffffffu;
        }
        lin_write(cpu, lin, 2, limit);
        lin_write(cpu, lin + 2, 4, base);
        break;
    }
    case 4: /* SMSW */
        if (op->mod == 3) reg_set(cpu, op->rm, op->opsize, cpu->cr0);
        else rm_write(cpu, op, 2, cpu->cr0 & 0xffff);
        break;
    default: /* LGDT LIDT LMSW INVLPG */
        if (cpu->pe && cpu->cpl != 0)
            raise_exc_err(cpu, EX_GP, 0);
        if (op->sub != 6 && op->mod == 3)
            raise_exc(cpu, EX_UD);
        if (!cpu->sys)
            raise_exc(cpu, EX_UD); /* user mode: no system tables to load */
        if (op->sub == 2 || op->sub == 3) {
            uint32_t ea = op_ea(cpu, op);
            uint32_t limit = seg_read(cpu, op->seg, ea, 2);
            uint32_t base = seg_read(cpu, op->seg, (ea + 2) & size_mask(op->adsize), 4);
            if (op->opsize == 2)
                base &= 0x00ffffffu; /* a 16-bit LGDT/LIDT takes 24 bits */
            if (op->sub == 2) { cpu->gdtr.base = base; cpu->gdtr.limit = limit; }
            else { cpu->idtr.base = base; cpu->idtr.limit = limit; }
        } else if (op->sub == 6) { /* LMSW: PE can be set, never cleared */
            uint32_t v = rm_read(cpu, op, 2) & 0xf;
            sys_set_cr(cpu, 0, (cpu->cr0 & ~0xeu) | v | (cpu->cr0 & 1));
        } else { /* INVLPG */
            sys_invlpg(cpu, op_lin(cpu, op, 1, 0));
        }
    }
    return end_block(cpu, next_eip(op));
}

const E386Op *op_arpl(E386Cpu *cpu, const E386Op *op)
{
    if (!cpu->pe || (cpu->eflags & F_VM))
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

/* CLTS INVD WBINVD WRMSR RDMSR: CPL 0 only; system mode only. */
const E386Op *op_sysop(E386Cpu *cpu, const E386Op *op)
{
    if (cpu->pe && cpu->cpl != 0)
        raise_exc_err(cpu, EX_GP, 0);
    if (!cpu->sys)
        raise_exc(cpu, EX_UD);
    switch (op->sub) {
    case 0: cpu->cr0 &= ~8u; break;  /* CLTS */
    case 1: case 2: break;           /* INVD, WBINVD: no caches */
    case 3:                          /* WRMSR */
        if (sys_wrmsr(cpu, cpu->r[1], (uint64_t)cpu->r[2] << 32 | cpu->r[0]))
            raise_exc_err(cpu, EX_GP, 0);
        break;
    default: {                       /* RDMSR */
        uint64_t v;
        if (sys_rdmsr(cpu, cpu->r[1], &v))
            raise_exc_err(cpu, EX_GP, 0);
        cpu->r[0] = (uint32_t)v;
        cpu->r[2] = (uint32_t)(v >> 32);
    }
    }
    return end_block(cpu, next_eip(op));
}

/* MOV to and from CR0 CR2 CR3 CR4 and DR0-DR7 (sub: 0 read CR, 1 read DR,
 * 2 write CR, 3 write DR); the ModRM r/m field names the register. */
const E386Op *op_mov_crdr(E386Cpu *cpu, const E386Op *op)
{
    if (cpu->pe && cpu->cpl != 0)
        raise_exc_err(cpu, EX_GP, 0);
    if (!cpu->sys)
        raise_exc(cpu, EX_UD);
    int n = op->reg, write = op->sub >= 2, dr = op->sub & 1;
    if (!dr) {
        if (n == 1 || n > 4)
            raise_exc(cpu, EX_UD);
        if (write) {
            sys_set_cr(cpu, n, cpu->r[op->rm]);
        } else {
            uint32_t v = n == 0 ? cpu->cr0 : n == 2 ? cpu->cr2 : n == 3 ? cpu->cr3 : cpu->cr4;
            cpu->r[op->rm] = v;
        }
        return end_block(cpu, next_eip(op));
    }
    if (n == 4 || n == 5) {
        if (cpu->cr4 & 8) /* CR4.DE: DR4/DR5 are reserved */
            raise_exc(cpu, EX_UD);
        n += 2;
    }
    dbg_general_detect(cpu);
    if (write) {
        uint32_t v = cpu->r[op->rm];
        if (n == 6) v = (v & 0xe00f) | 0xffff0ff0u;
        if (n == 7) v = (v & 0xffff2bffu) | 0x400;
        cpu->dr[n] = v;
        if (n <= 3 || n == 7)
            dbg_update(cpu);
    } else {
        cpu->r[op->rm] = cpu->dr[n];
    }
    return end_block(cpu, next_eip(op));
}
