/* Control transfers: JMP Jcc CALL RET LOOP JCXZ, far JMP/CALL/RET, INT,
 * INTO, INT3, IRET, HLT. */
#include "core/ops.h"

const E386Op *op_jmp_J(E386Cpu *cpu, const E386Op *op)
{
    return jump_direct(cpu, op, 0);
}

const E386Op *op_jcc_J(E386Cpu *cpu, const E386Op *op)
{
    if (cc_cond(cpu, op->sub))
        return jump_direct(cpu, op, 0);
    return jump_direct(cpu, op, 1);
}

static E386_NOINLINE const E386Op *call_j_slow(E386Cpu *cpu, const E386Op *op)
{
    push_fast(cpu, op->size, next_eip(op));
    ras_push(cpu, op);
    return jump_direct(cpu, op, 0);
}

/* CALL rel32 on a flat 32-bit stack pushes with one host access
 * (flat_host; lin_host in a TB_LIN block: control_lin_twin); everything
 * else, out of this frame, by a tail call */
E386_INLINE const E386Op *call_j(E386Cpu *cpu, const E386Op *op, int lin)
{
    uint32_t sp = cpu->r[4] - 4;
    uint8_t *p = lin ? lin_host(cpu, sp, 4, FH_WRITE)
               : op->size == 4 && ss32(cpu) ? flat_host(cpu, SEG_SS, sp, 4, FH_WRITE) : NULL;
    if (!p)
        return call_j_slow(cpu, op);
    st_le(p, 4, next_eip(op));
    cpu->r[4] = sp;
    ras_push(cpu, op);
    return jump_direct(cpu, op, 0);
}

const E386Op *op_call_J(E386Cpu *cpu, const E386Op *op) { return call_j(cpu, op, 0); }
static const E386Op *lin_call_J(E386Cpu *cpu, const E386Op *op) { return call_j(cpu, op, 1); }

/* A near target beyond the CS limit faults before anything changes. */
static void check_cs_limit(E386Cpu *cpu, uint32_t eip)
{
    Seg *cs = &cpu->seg[SEG_CS];
    if (!cs->flat && eip > cs->limit)
        raise_exc_err(cpu, EX_GP, 0);
}

static E386_NOINLINE const E386Op *ret_slow(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t eip = ss32(cpu) ? seg_read(cpu, SEG_SS, cpu->r[4], size) : stack_peek(cpu, size, 0);
    if (size == 2)
        eip &= 0xffff;
    check_cs_limit(cpu, eip);
    sp_set(cpu, sp_get(cpu) + (uint32_t)size + (op->sub ? (op->imm & 0xffff) : 0));
    return jump_ret(cpu, op, eip);
}

/* RET (imm16) from a flat 32-bit stack with a 4 GiB CS limit (nothing to
 * check: a code segment is never "flat", which needs it writable): one
 * host access (flat_host); everything else by a tail call.  In a TB_LIN
 * block (lin_flat: that limit, no paging) RET and RET imm16 have twins
 * of their own, with no test of either */
E386_INLINE const E386Op *ret(E386Cpu *cpu, const E386Op *op, int lin, int imm)
{
    uint32_t sp = cpu->r[4];
    if (lin) {
        uint32_t eip = ld_le(lin_host(cpu, sp, 4, FH_READ), 4);
        cpu->r[4] = sp + 4 + (imm ? (op->imm & 0xffff) : 0);
        return jump_ret_lin(cpu, op, eip);
    }
    uint8_t *p = cpu->seg[SEG_CS].limit != 0xffffffffu ? NULL
               : op->size == 4 && ss32(cpu) ? flat_host(cpu, SEG_SS, sp, 4, FH_READ) : NULL;
    if (!p)
        return ret_slow(cpu, op);
    uint32_t eip = ld_le(p, 4);
    cpu->r[4] = sp + 4 + (op->sub ? (op->imm & 0xffff) : 0);
    return jump_ret(cpu, op, eip);
}

const E386Op *op_ret(E386Cpu *cpu, const E386Op *op) { return ret(cpu, op, 0, 0); }
static const E386Op *lin_ret(E386Cpu *cpu, const E386Op *op) { return ret(cpu, op, 1, 0); }
static const E386Op *lin_ret_imm(E386Cpu *cpu, const E386Op *op) { return ret(cpu, op, 1, 1); }

const E386Op *op_jmp_E(E386Cpu *cpu, const E386Op *op)
{
    uint32_t eip = rm_read(cpu, op, op->size);
    check_cs_limit(cpu, eip);
    return jump_near(cpu, op, eip);
}

const E386Op *op_call_E(E386Cpu *cpu, const E386Op *op)
{
    uint32_t eip = rm_read(cpu, op, op->size);
    check_cs_limit(cpu, eip);
    push(cpu, op->size, next_eip(op));
    ras_push(cpu, op);
    return jump_near(cpu, op, eip);
}

/* JMP and CALL dword [base + disp] in a TB_LIN block (the PLT's jumps
 * through the GOT, calls through a pointer in a struct): the target read
 * with lin_host (a host fault there retries the op exactly: nothing has
 * changed yet); a push that crosses a page, op_call_E.  CS's limit is
 * 4 GiB there (lin_flat): no target is past it */
static const E386Op *lin_jmp_m32_b(E386Cpu *cpu, const E386Op *op)
{
    uint32_t eip = ld_le(lin_host(cpu, ea_b(cpu, op), 4, FH_READ), 4);
    return jump_near(cpu, op, eip);
}

/* JMP r32 there: an interpreter's dispatch (Lua's, SQLite's VDBE) */
static const E386Op *lin_jmp_r32(E386Cpu *cpu, const E386Op *op)
{
    return jump_near(cpu, op, cpu->r[op->rm]);
}

static const E386Op *lin_call_m32_b(E386Cpu *cpu, const E386Op *op)
{
    uint32_t eip = ld_le(lin_host(cpu, ea_b(cpu, op), 4, FH_READ), 4), sp = cpu->r[4] - 4;
    uint8_t *p = lin_host(cpu, sp, 4, FH_WRITE);
    if (!p)
        return op_call_E(cpu, op);
    st_le(p, 4, next_eip(op));
    cpu->r[4] = sp;
    ras_push(cpu, op);
    return jump_near(cpu, op, eip);
}

/* a dword at [base + disp] through ES, SS or DS */
static int m32_b(const E386Op *op)
{
    return op->size == 4 && op->mod != 3 && op->adsize == 4 && op->base != EA_NONE && op->index == EA_NONE &&
           lin_seg(op);
}

OpFn control_lin_twin(const E386Op *op)
{
    if (op->fn == op_call_J && op->size == 4)
        return lin_call_J;
    if (op->fn == op_ret && op->size == 4)
        return op->sub ? lin_ret_imm : lin_ret;
    if (op->fn == op_jmp_E && m32_b(op))
        return lin_jmp_m32_b;
    if (op->fn == op_jmp_E && op->mod == 3 && op->size == 4)
        return lin_jmp_r32;
    if (op->fn == op_call_E && m32_b(op))
        return lin_call_m32_b;
    return NULL;
}

const E386Op *op_loop(E386Cpu *cpu, const E386Op *op)
{
    int as = op->adsize;
    uint32_t c = (reg_get(cpu, 1, as) - 1) & size_mask(as);
    reg_set(cpu, 1, as, c);
    int take = c != 0;
    if (op->sub == 0) take = take && !cc_cond(cpu, 4); /* loopnz */
    if (op->sub == 1) take = take && cc_cond(cpu, 4);  /* loopz */
    if (take)
        return jump_direct(cpu, op, 0);
    return jump_direct(cpu, op, 1);
}

const E386Op *op_jcxz(E386Cpu *cpu, const E386Op *op)
{
    if (reg_get(cpu, 1, op->adsize) == 0)
        return jump_direct(cpu, op, 0);
    return jump_direct(cpu, op, 1);
}

/* ---- far transfers (same privilege level only: user mode) ---- */

/* A far JMP or CALL through a call gate (system mode): the gate's DPL
 * guards it, its target code segment decides the level; a CALL to a more
 * privileged non-conforming segment switches to the TSS's stack for that
 * level and copies the gate's parameter count of words or dwords. */
static const E386Op *through_gate(E386Cpu *cpu, const E386Op *op, uint16_t gsel, const uint32_t g[2], int call)
{
    unsigned gtype = DESC_TYPE(g[1]), gdpl = DESC_DPL(g[1]), cpl = cpu->cpl;
    if (gdpl < cpl || gdpl < (gsel & 3u))
        raise_exc_err(cpu, EX_GP, gsel & 0xfffc);
    if (!DESC_P(g[1]))
        raise_exc_err(cpu, EX_NP, gsel & 0xfffc);
    int size = (gtype & 8) ? 4 : 2;
    unsigned nparams = g[1] & 0x1f;
    uint16_t sel = (uint16_t)(g[0] >> 16);
    uint32_t off = (g[0] & 0xffff) | (size == 4 ? g[1] & 0xffff0000u : 0), d[2];
    if ((sel & 0xfffc) == 0)
        raise_exc_err(cpu, EX_GP, 0);
    if (sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    unsigned type = DESC_TYPE(d[1]), dpl = DESC_DPL(d[1]);
    int conforming = (type & 4) != 0;
    if (!DESC_S(d[1]) || !(type & 8) || dpl > cpl || (!call && !conforming && dpl != cpl))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (!DESC_P(d[1]))
        raise_exc_err(cpu, EX_NP, sel & 0xfffc);
    unsigned new_cpl = !conforming && dpl < cpl ? dpl : cpl;
    Seg cs, ss = cpu->seg[SEG_SS];
    seg_load_cache(&cs, (uint16_t)((sel & 0xfffc) | new_cpl), d);
    if (off > cs.limit)
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t sp = cpu->r[4];
    if (call) {
        uint32_t frame[36], at[36];
        int n = 0;
        uint32_t ss_err = 0;
        if (new_cpl < cpl) {
            uint16_t nss;
            uint32_t nesp;
            sys_tss_stack(cpu, new_cpl, &nss, &nesp, 0);
            sys_check_stack_seg(cpu, nss, new_cpl, &ss, EX_TS, 0);
            ss_err = nss & 0xfffc;
            frame[n++] = cpu->seg[SEG_SS].sel;
            frame[n++] = cpu->r[4];
            for (unsigned i = nparams; i-- > 0;) /* the highest parameter first: same layout */
                frame[n++] = stack_peek(cpu, size, i * (uint32_t)size);
            sp = nesp;
        }
        frame[n++] = cpu->seg[SEG_CS].sel;
        frame[n++] = next_eip(op);
        uint32_t probe = sp;
        for (int i = 0; i < n; i++)
            at[i] = sys_frame_slot(cpu, &ss, &probe, size, ss_err);
        for (int i = 0; i < n; i++) /* at the new privilege: supervisor writes below ring 3 */
            if (new_cpl < 3)
                sys_write(cpu, at[i], size, frame[i]);
            else
                lin_write(cpu, at[i], size, frame[i]);
        sp = probe;
    }
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
    cpu->seg[SEG_SS] = ss;
    if (DESC_DB(ss.flags)) cpu->r[4] = sp;
    else cpu->r[4] = (cpu->r[4] & 0xffff0000u) | (sp & 0xffff);
    cpu->seg[SEG_CS] = cs;
    cpu->cpl = (uint8_t)new_cpl;
    return jump_indirect(cpu, off);
}

/* System-mode far JMP/CALL to a system descriptor: a call gate (types 4
 * and 12) returns 1 with the gate in d; a TSS (1, 9) or a task gate (5)
 * switches tasks here and returns 2; anything else is #GP. */
static int far_system(E386Cpu *cpu, const E386Op *op, uint16_t sel, uint32_t d[2], int call)
{
    if (!cpu->sys || !cpu->pe || (cpu->eflags & F_VM) || (sel & 0xfffc) == 0 || sys_read_desc(cpu, sel, d))
        return 0;
    if (DESC_S(d[1]))
        return 0;
    unsigned type = DESC_TYPE(d[1]), dpl = DESC_DPL(d[1]);
    if (type == 4 || type == 12)
        return 1;
    if (type != 1 && type != 9 && type != 5)
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (dpl < cpu->cpl || dpl < (sel & 3u))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (type == 5) { /* a task gate names the TSS */
        if (!DESC_P(d[1]))
            raise_exc_err(cpu, EX_NP, sel & 0xfffc);
        sel = (uint16_t)(d[0] >> 16);
    }
    task_switch(cpu, sel, call ? TASK_CALL : TASK_JMP, next_eip(op), 0, 0);
    return 2;
}

static const E386Op *far_jump(E386Cpu *cpu, const E386Op *op, uint16_t sel, uint32_t eip, int size)
{
    uint32_t g[2];
    switch (far_system(cpu, op, sel, g, 0)) {
    case 1: return through_gate(cpu, op, sel, g, 0);
    case 2: return jump_indirect(cpu, cpu->eip);
    }
    if (size == 2)
        eip &= 0xffff;
    load_cs(cpu, sel, eip);
    return jump_indirect(cpu, cpu->eip);
}

static const E386Op *far_call(E386Cpu *cpu, const E386Op *op, uint16_t sel, uint32_t eip)
{
    uint32_t g[2];
    switch (far_system(cpu, op, sel, g, 1)) {
    case 1: return through_gate(cpu, op, sel, g, 1);
    case 2: return jump_indirect(cpu, cpu->eip);
    }
    int size = op->size;
    uint32_t n = 2 * (uint32_t)size, sp = (sp_get(cpu) - n);
    if (!((cpu->seg[SEG_SS].flags >> 22) & 1))
        sp &= 0xffff;
    lin_check_write(cpu, seg_lin_fast(cpu, SEG_SS, sp, n, 1), n);
    uint16_t old_cs = cpu->seg[SEG_CS].sel;
    uint32_t ret = next_eip(op);
    Seg saved = cpu->seg[SEG_CS];
    if (size == 2)
        eip &= 0xffff;
    load_cs(cpu, sel, eip); /* faults before the stack changes */
    uint32_t new_eip = cpu->eip;
    Seg new_cs = cpu->seg[SEG_CS];
    cpu->seg[SEG_CS] = saved;
    push(cpu, size, old_cs);
    push(cpu, size, ret);
    cpu->seg[SEG_CS] = new_cs;
    return jump_indirect(cpu, new_eip);
}

const E386Op *op_jmp_far_A(E386Cpu *cpu, const E386Op *op)
{
    return far_jump(cpu, op, (uint16_t)op->imm2, op->imm, op->size);
}

const E386Op *op_call_far_A(E386Cpu *cpu, const E386Op *op)
{
    return far_call(cpu, op, (uint16_t)op->imm2, op->imm);
}

static void read_farptr(E386Cpu *cpu, const E386Op *op, uint32_t *off, uint16_t *sel)
{
    if (op->mod == 3)
        raise_exc(cpu, EX_UD);
    uint32_t ea = op_ea(cpu, op);
    *off = seg_read(cpu, op->seg, ea, op->size);
    *sel = (uint16_t)seg_read(cpu, op->seg, (ea + (uint32_t)op->size) & (op->adsize == 2 ? 0xffff : 0xffffffffu), 2);
}

const E386Op *op_jmp_far_E(E386Cpu *cpu, const E386Op *op)
{
    uint32_t off;
    uint16_t sel;
    read_farptr(cpu, op, &off, &sel);
    return far_jump(cpu, op, sel, off, op->size);
}

const E386Op *op_call_far_E(E386Cpu *cpu, const E386Op *op)
{
    uint32_t off;
    uint16_t sel;
    read_farptr(cpu, op, &off, &sel);
    return far_call(cpu, op, sel, off);
}

/* After a return to an outer level: data segment registers whose
 * descriptors the new CPL may not use become null (SDM, RET/IRET). */
static void null_inner_segs(E386Cpu *cpu)
{
    static const int segs[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (int i = 0; i < 4; i++) {
        Seg *s = &cpu->seg[segs[i]];
        unsigned type = DESC_TYPE(s->flags);
        int conforming_code = (type & 0xc) == 0xc;
        if (s->valid && !conforming_code && DESC_DPL(s->flags) < cpu->cpl)
            *s = (Seg){ .sel = 0 };
    }
}

/* The code segment of a return to privilege level RPL(sel) (> CPL):
 * checked completely before anything changes. */
static void check_return_cs(E386Cpu *cpu, uint16_t sel, uint32_t eip, Seg *out)
{
    uint32_t d[2];
    unsigned rpl = sel & 3;
    if ((sel & 0xfffc) == 0)
        raise_exc_err(cpu, EX_GP, 0);
    if (sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    unsigned type = DESC_TYPE(d[1]), dpl = DESC_DPL(d[1]);
    if (!DESC_S(d[1]) || !(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (!DESC_P(d[1]))
        raise_exc_err(cpu, EX_NP, sel & 0xfffc);
    seg_load_cache(out, sel, d);
    if (eip > out->limit)
        raise_exc_err(cpu, EX_GP, 0);
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
}

/* The far return and IRET to an outer privilege level: the outer SS:ESP
 * follow CS:EIP (and EFLAGS) on the stack at offset off; extra is RETF's
 * immediate, released from the outer stack too. */
static void return_outer(E386Cpu *cpu, int size, uint16_t sel, uint32_t eip, uint32_t off, uint32_t extra,
                         uint32_t fl, int set_fl)
{
    uint32_t esp = stack_peek(cpu, size, off);
    uint16_t ss_sel = (uint16_t)stack_peek(cpu, size, off + (uint32_t)size);
    unsigned rpl = sel & 3;
    Seg cs, ss;
    check_return_cs(cpu, sel, eip, &cs);
    sys_check_stack_seg(cpu, ss_sel, rpl, &ss, EX_GP, 0);
    if (set_fl) /* with the privileges of the level being left */
        set_eflags(cpu, fl, size == 2 ? 0xffffu : 0xffffffffu);
    cpu->seg[SEG_CS] = cs;
    cpu->seg[SEG_SS] = ss;
    cpu->cpl = (uint8_t)rpl;
    cpu->eip = eip;
    esp += extra;
    if (DESC_DB(ss.flags)) cpu->r[4] = esp;
    else cpu->r[4] = (cpu->r[4] & 0xffff0000u) | (esp & 0xffff);
    null_inner_segs(cpu);
}

const E386Op *op_retf(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t eip = stack_peek(cpu, size, 0);
    uint16_t sel = (uint16_t)stack_peek(cpu, size, (uint32_t)size);
    uint32_t imm = op->sub ? (op->imm & 0xffff) : 0;
    if (cpu->sys && cpu->pe && !(cpu->eflags & F_VM) && (sel & 3) > cpu->cpl) {
        if (size == 2)
            eip &= 0xffff;
        return_outer(cpu, size, sel, eip, 2 * (uint32_t)size + imm, imm, 0, 0);
        return jump_indirect(cpu, cpu->eip);
    }
    if (cpu->pe && !(cpu->eflags & F_VM) && (sel & 3) != cpu->cpl)
        raise_exc_err(cpu, EX_GP, sel & 0xfffc); /* to an inner level: never */
    if (size == 2)
        eip &= 0xffff;
    load_cs(cpu, sel, eip);
    sp_set(cpu, sp_get(cpu) + 2 * (uint32_t)size + (op->sub ? (op->imm & 0xffff) : 0));
    return jump_indirect(cpu, cpu->eip);
}

/* A 32-bit IRET loads RF (POPF never does): it lets a debugger resume at
 * an instruction breakpoint without hitting it again. */
static void iret_rf(E386Cpu *cpu, int size, uint32_t fl)
{
    if (cpu->sys && size == 4 && (fl & F_RF)) {
        cpu->eflags |= F_RF;
        cpu->rf_loaded = 1;
    }
}

/* v86 mode without VME: INT n, PUSHF, POPF, IRET, CLI and STI need
 * IOPL 3, else #GP(0) to the ring-0 monitor.  INT3 and INTO do not. */
static int v86_iopl_ok(const E386Cpu *cpu)
{
    return !(cpu->eflags & F_VM) || ((cpu->eflags >> 12) & 3) == 3;
}

const E386Op *op_iret(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    cpu->nmi_blocked = 0; /* any IRET ends NMI blocking */
    if (cpu->sys && cpu->pe && !(cpu->eflags & F_VM) && (get_eflags(cpu) & F_NT)) {
        /* return to the task in the back link: nothing is popped */
        task_switch(cpu, (uint16_t)sys_read(cpu, cpu->tr.base, 2), TASK_IRET, next_eip(op), 0, 0);
        return jump_indirect(cpu, cpu->eip);
    }
    if (!v86_iopl_ok(cpu))
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t eip = stack_peek(cpu, size, 0);
    uint16_t sel = (uint16_t)stack_peek(cpu, size, (uint32_t)size);
    uint32_t fl = stack_peek(cpu, size, 2 * (uint32_t)size);
    if (cpu->eflags & F_VM) { /* at IOPL 3: as in real mode; IOPL and VM stay */
        load_cs(cpu, sel, size == 2 ? eip & 0xffff : eip);
        sp_set(cpu, sp_get(cpu) + 3 * (uint32_t)size);
        set_eflags(cpu, fl, size == 2 ? 0xffffu : 0xffffffffu);
        iret_rf(cpu, size, fl);
        if_check(cpu, E386_IF_IRET);
        return jump_indirect(cpu, cpu->eip);
    }
    if (cpu->sys && cpu->pe && cpu->cpl == 0 && size == 4 && (fl & F_VM)) {
        /* to virtual-8086 mode: EIP CS EFLAGS ESP SS ES DS FS GS */
        uint32_t v[9];
        for (int i = 0; i < 9; i++)
            v[i] = stack_peek(cpu, 4, 4 * (uint32_t)i);
        if ((v[0] & 0xffff0000u) != 0 && v[0] > 0xffff)
            raise_exc_err(cpu, EX_GP, 0);
        cpu->eflags = (fl | 2u) & ~(uint32_t)(1u << 3 | 1u << 5 | 1u << 15);
        cpu->cc_op = CC_EFLAGS;
        cpu->rf_loaded = (fl & F_RF) != 0;
        cpu->cpl = 3;
        static const int order[6] = { SEG_CS, SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        static const int slot[6] = { 1, 4, 5, 6, 7, 8 };
        for (int i = 0; i < 6; i++)
            load_seg(cpu, order[i], (uint16_t)v[slot[i]]); /* v86 style: base = sel << 4 */
        cpu->r[4] = v[3];
        if_check(cpu, E386_IF_IRET);
        return jump_indirect(cpu, v[0] & 0xffff);
    }
    if (cpu->sys && cpu->pe && !(get_eflags(cpu) & F_NT) && (sel & 3) > cpu->cpl) {
        if (size == 2)
            eip &= 0xffff;
        return_outer(cpu, size, sel, eip, 3 * (uint32_t)size, 0, fl, 1);
        iret_rf(cpu, size, fl);
        if_check(cpu, E386_IF_IRET);
        return jump_indirect(cpu, cpu->eip);
    }
    if (cpu->pe && ((get_eflags(cpu) & F_NT) || (sel & 3) != cpu->cpl))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc); /* task return / outer level */
    if (size == 2)
        eip &= 0xffff;
    load_cs(cpu, sel, eip);
    sp_set(cpu, sp_get(cpu) + 3 * (uint32_t)size);
    set_eflags(cpu, fl, size == 2 ? 0xffffu : 0xffffffffu);
    iret_rf(cpu, size, fl);
    if_check(cpu, E386_IF_IRET);
    return jump_indirect(cpu, cpu->eip);
}

const E386Op *op_int_I(E386Cpu *cpu, const E386Op *op)
{
    if (!v86_iopl_ok(cpu))
        raise_exc_err(cpu, EX_GP, 0);
    raise_soft_int(cpu, op, (int)(op->imm & 0xff));
}

const E386Op *op_int3(E386Cpu *cpu, const E386Op *op)
{
    raise_soft_int(cpu, op, EX_BP);
}

const E386Op *op_into(E386Cpu *cpu, const E386Op *op)
{
    if (cc_cond(cpu, 0))
        raise_soft_int(cpu, op, EX_OF);
    return jump_direct(cpu, op, 1);
}

/* ICEBP (F1): a debug trap after the instruction. */
const E386Op *op_icebp(E386Cpu *cpu, const E386Op *op)
{
    raise_trap(cpu, op, EX_DB);
}

const E386Op *op_hlt(E386Cpu *cpu, const E386Op *op)
{
    if (cpu->pe && cpu->cpl != 0)
        raise_exc_err(cpu, EX_GP, 0);
    if (cpu->sys) { /* wait in e386_run's loop for an interrupt */
        cpu->halted = 1;
        return jump_indirect(cpu, next_eip(op));
    }
    cpu->eip = next_eip(op);
    cpu->exit.reason = E386_EXIT_HLT;
    e386_stop(cpu);
    return jump_indirect(cpu, next_eip(op));
}
