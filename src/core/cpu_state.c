/* The CPU's state for snapshots and migration: one description
 * (cpu_state_desc), a save that only reads the CPU, and a load that checks
 * everything first and changes nothing on refusal (core/cpu_state.h).
 *
 * dev/state.h is a leaf header (data types and a walker, no device code):
 * the CPU describes itself with the same rows the devices use. */
#include "core/cpu_state.h"
#include <stdio.h>
#include "core/cpu.h"
#include "dev/state.h"

static const StateField seg_fields[] = {
    STATE_U16(E386SegState, sel, 1),   STATE_U32(E386SegState, base, 1),
    STATE_U32(E386SegState, limit, 1), STATE_U32(E386SegState, flags, 1),
    STATE_U8(E386SegState, valid, 1),  STATE_U8(E386SegState, flat, 1),
};
static const StateDesc seg_desc = { "segment", 1, seg_fields, STATE_NFIELDS(seg_fields) };

#define CS_SEG(m) { #m, STATE_OFF_(E386CpuState, m, sizeof(E386SegState)), ST_STRUCT, 1, 1, &seg_desc, sizeof(E386SegState) }

static const StateField cpu_fields[] = {
    STATE_U32_ARRAY(E386CpuState, r, 8, 1),
    STATE_U32(E386CpuState, eip, 1),
    STATE_U32(E386CpuState, eflags, 1),
    STATE_STRUCT_ARRAY(E386CpuState, seg, 6, E386SegState, seg_desc, 1),
    CS_SEG(ldtr),
    CS_SEG(tr),
    STATE_U32(E386CpuState, gdtr_base, 1),
    STATE_U32(E386CpuState, gdtr_limit, 1),
    STATE_U32(E386CpuState, idtr_base, 1),
    STATE_U32(E386CpuState, idtr_limit, 1),
    STATE_U32(E386CpuState, cr0, 1),
    STATE_U32(E386CpuState, cr2, 1),
    STATE_U32(E386CpuState, cr3, 1),
    STATE_U32(E386CpuState, cr4, 1),
    STATE_U32_ARRAY(E386CpuState, dr, 8, 1),
    STATE_U64(E386CpuState, icount, 1),
    STATE_U64(E386CpuState, tsc_offset, 1),
    STATE_BYTES(E386CpuState, fpu_st, 80, 1),
    STATE_U16(E386CpuState, fpu_cw, 1),
    STATE_U16(E386CpuState, fpu_sw, 1),
    STATE_U16(E386CpuState, fpu_tw, 1),
    STATE_U16(E386CpuState, fpu_fop, 1),
    STATE_U16(E386CpuState, fpu_fcs, 1),
    STATE_U16(E386CpuState, fpu_fds, 1),
    STATE_U32(E386CpuState, fpu_fip, 1),
    STATE_U32(E386CpuState, fpu_fdp, 1),
    STATE_U8(E386CpuState, cpl, 1),
    STATE_U8(E386CpuState, pe, 1),
    STATE_U8(E386CpuState, inhibit_irq, 1),
    STATE_U8(E386CpuState, irq_shadow, 1),
    STATE_U8(E386CpuState, halted, 1),
    STATE_U8(E386CpuState, nmi_pending, 1),
    STATE_U8(E386CpuState, nmi_blocked, 1),
    STATE_U8(E386CpuState, db_carry, 1),
};
static const StateDesc cpu_desc = { "cpu", 1, cpu_fields, STATE_NFIELDS(cpu_fields) };

const StateDesc *e386_cpu_state_desc(void) { return &cpu_desc; }

/* ---- what of E386Cpu is carried, and what is not (and why) ---- */

#define MEMBER(m, why) { #m, offsetof(E386Cpu, m), sizeof(((E386Cpu *)0)->m), why }

static const StateSkip migrated[] = {
    MEMBER(r, "r"),
    MEMBER(eip, "eip"),
    MEMBER(eflags, "eflags, with the lazy flags folded in"),
    MEMBER(cc_op, "folded into eflags"),
    MEMBER(cc_size, "folded into eflags"),
    MEMBER(cc_dst, "folded into eflags"),
    MEMBER(cc_src1, "folded into eflags"),
    MEMBER(cc_src2, "folded into eflags"),
    MEMBER(cc_pmask, "folded into eflags"),
    MEMBER(cc_pval, "folded into eflags"),
    MEMBER(seg, "seg"),
    MEMBER(cpl, "cpl"),
    MEMBER(pe, "pe"),
    MEMBER(inhibit_irq, "inhibit_irq"),
    MEMBER(irq_shadow, "irq_shadow"),
    MEMBER(cr0, "cr0"),
    MEMBER(cr2, "cr2"),
    MEMBER(cr3, "cr3"),
    MEMBER(cr4, "cr4"),
    MEMBER(fpu, "fpu_*: registers as 80-bit images"),
    MEMBER(icount, "icount"),
    MEMBER(tsc_offset, "tsc_offset"),
    MEMBER(halted, "halted"),
    MEMBER(nmi_pending, "nmi_pending"),
    MEMBER(nmi_blocked, "nmi_blocked"),
    MEMBER(gdtr, "gdtr_base, gdtr_limit"),
    MEMBER(idtr, "idtr_base, idtr_limit"),
    MEMBER(ldtr, "ldtr"),
    MEMBER(tr, "tr"),
    MEMBER(dr, "dr"),
    MEMBER(db_carry, "db_carry"),
};

static const StateSkip unmigrated[] = {
    MEMBER(softmmu, "configuration: set by e386_system_init on the destination"),
    MEMBER(tlb_large, "derived from the soft TLB, which a load flushes"),
    MEMBER(mem, "the address space is the machine's configuration; RAM contents travel in RAM sections"),
    MEMBER(gdt, "user mode's private GDT image: system mode reads the guest's tables"),
    MEMBER(ldt, "user mode's private LDT (a host pointer)"),
    MEMBER(ldt_count, "user mode's private LDT"),
    MEMBER(tbc, "the translation cache: flushed on load and rebuilt"),
    MEMBER(accel, "the host's choice of engine, not the guest's state"),
    MEMBER(native, "host code for the translation cache, flushed with it"),
    MEMBER(cur_tb, "inside e386_run only"),
    MEMBER(last_tb, "inside e386_run only (chaining)"),
    MEMBER(last_slot, "inside e386_run only (chaining)"),
    MEMBER(link_from, "inside e386_run only (chaining)"),
    MEMBER(ras, "a hint for RET into the translation cache, which a load flushes"),
    MEMBER(ras_top, "a hint for RET into the translation cache, which a load flushes"),
    MEMBER(cur, "inside e386_run only"),
    MEMBER(chain_end, "inside e386_run only (the interpreter's chaining)"),
    MEMBER(chain_cs_base, "inside e386_run only (the interpreter's chaining)"),
    MEMBER(chain_key, "inside e386_run only (the interpreter's chaining)"),
    MEMBER(lin_retry, "inside e386_run only: an instruction rerun without the linear path after a host fault"),
    MEMBER(lk_host, "inside one instruction only: a LOCK'd operand's host word (cpu/atomic.c)"),
    MEMBER(lk_raw, "inside one instruction only: a LOCK'd operand's host word (cpu/atomic.c)"),
    MEMBER(bus_page, "inside e386_run only: a bus error's page, without its rights for a rerun"),
    MEMBER(bus_flags, "inside e386_run only: a bus error's page, without its rights for a rerun"),
    MEMBER(exit_request, "a request to the running loop, cleared when e386_run returns"),
    MEMBER(stop_request, "a request to the running loop; the destination's own"),
    MEMBER(in_run, "never set by the engine: nothing to carry"),
    MEMBER(jmp, "inside e386_run only (host stack)"),
    MEMBER(exit, "the report of the last e386_run return: output, not state"),
    MEMBER(int_hook, "wiring (user mode's system call hook)"),
    MEMBER(int_hook_opaque, "wiring"),
    MEMBER(debug_hook, "wiring (the host's debugger)"),
    MEMBER(debug_opaque, "wiring (the host's debugger)"),
    MEMBER(budget_end, "set by each e386_run call"),
    MEMBER(stats, "host statistics of this process"),
    MEMBER(count_chains, "host statistics of this process (whether chain_hits counts)"),
    MEMBER(sys, "configuration: e386_system_init"),
    MEMBER(irq_level, "the INTR pin, driven by the interrupt controller: the machine drives it after a load"),
    MEMBER(delivering, "inside an event delivery only: -1 between e386_run calls"),
    MEMBER(deliver_ext, "inside an event delivery only"),
    MEMBER(sys_ops, "wiring to the machine"),
    MEMBER(sys_opaque, "wiring to the machine"),
    MEMBER(dbg_exec, "derived from DR7 (dbg_update on load)"),
    MEMBER(dbg_data, "derived from DR7 (dbg_update on load)"),
    MEMBER(db_hits, "per instruction: cleared before each block"),
    MEMBER(rf_loaded, "per instruction: cleared before each block"),
    MEMBER(push_rf, "inside an event delivery only"),
    MEMBER(dwatch, "the host debugger's watchpoints, not guest state"),
    MEMBER(ndwatch, "the host debugger's watchpoints, not guest state"),
    MEMBER(dwatch_hit, "per instruction: cleared before each block"),
    MEMBER(dwatch_slot, "per instruction"),
    MEMBER(log_mask, "the host's -d logging"),
    MEMBER(if_hook, "the host's irqsoff tracer"),
    MEMBER(step_hook, "the host's irqsoff tracer"),
    MEMBER(if_opaque, "the host's irqsoff tracer"),
    MEMBER(if_seen, "the host's irqsoff tracer: IF as last reported"),
    MEMBER(if_step, "the host's irqsoff tracer"),
    MEMBER(log, "the host's -d logging"),
    MEMBER(disasm, "the host's -d logging"),
    MEMBER(disasm_opaque, "the host's -d logging"),
    MEMBER(dirty_log, "the source's dirty log of a live migration, host memory"),
    MEMBER(dirty_npages, "the source's dirty log of a live migration"),
    MEMBER(tlb, "the soft TLB: flushed on load and refilled by page walks"),
    MEMBER(tlb_aux, "the soft TLB's physical addresses and global bits: flushed with it"),
};

const StateSkip *e386_cpu_migrated(size_t *n)
{
    *n = sizeof migrated / sizeof migrated[0];
    return migrated;
}

const StateSkip *e386_cpu_unmigrated(size_t *n)
{
    *n = sizeof unmigrated / sizeof unmigrated[0];
    return unmigrated;
}

size_t e386_cpu_struct_size(void) { return sizeof(E386Cpu); }

/* ---- save ---- */

static void seg_out(E386SegState *o, const Seg *s)
{
    *o = (E386SegState){ .base = s->base, .limit = s->limit, .flags = s->flags, .sel = s->sel,
                         .valid = s->valid, .flat = s->flat };
}

static void seg_in(Seg *s, const E386SegState *o)
{
    *s = (Seg){ .sel = o->sel, .base = o->base, .limit = o->limit, .flags = o->flags,
                .valid = o->valid, .flat = o->flat };
}

void e386_cpu_state_save(const E386Cpu *cpu, E386CpuState *st)
{
    memset(st, 0, sizeof *st);
    memcpy(st->r, cpu->r, sizeof st->r);
    st->eip = cpu->eip;
    st->eflags = get_eflags((E386Cpu *)cpu); /* reads the lazy flags, changes nothing */
    for (int i = 0; i < 6; i++)
        seg_out(&st->seg[i], &cpu->seg[i]);
    seg_out(&st->ldtr, &cpu->ldtr);
    seg_out(&st->tr, &cpu->tr);
    st->gdtr_base = cpu->gdtr.base;
    st->gdtr_limit = cpu->gdtr.limit;
    st->idtr_base = cpu->idtr.base;
    st->idtr_limit = cpu->idtr.limit;
    st->cr0 = cpu->cr0;
    st->cr2 = cpu->cr2;
    st->cr3 = cpu->cr3;
    st->cr4 = cpu->cr4;
    memcpy(st->dr, cpu->dr, sizeof st->dr);
    st->icount = cpu->icount;
    st->tsc_offset = cpu->tsc_offset;
    for (int i = 0; i < 8; i++) { /* FSAVE's layout: significand, then sign and exponent */
        uint64_t m = cpu->fpu.st[i].mant;
        for (int b = 0; b < 8; b++)
            st->fpu_st[i][b] = (uint8_t)(m >> (8 * b));
        st->fpu_st[i][8] = (uint8_t)cpu->fpu.st[i].sexp;
        st->fpu_st[i][9] = (uint8_t)(cpu->fpu.st[i].sexp >> 8);
    }
    st->fpu_cw = cpu->fpu.cw;
    st->fpu_sw = cpu->fpu.sw;
    st->fpu_tw = cpu->fpu.tw;
    st->fpu_fop = cpu->fpu.fop;
    st->fpu_fcs = cpu->fpu.fcs;
    st->fpu_fds = cpu->fpu.fds;
    st->fpu_fip = cpu->fpu.fip;
    st->fpu_fdp = cpu->fpu.fdp;
    st->cpl = cpu->cpl;
    st->pe = cpu->pe;
    st->inhibit_irq = cpu->inhibit_irq;
    st->irq_shadow = cpu->irq_shadow;
    st->halted = cpu->halted;
    st->nmi_pending = cpu->nmi_pending;
    st->nmi_blocked = cpu->nmi_blocked;
    st->db_carry = cpu->db_carry;
}

/* ---- load ---- */

/* CR0/CR3/CR4 bits as sys_set_cr (core/system.c) lets them be set. */
enum { CR0_BITS = 0xe005003fu, CR3_BITS = 0xfffff018u, CR4_BITS = 0x04 | 0x08 | 0x10 | 0x80 };
/* EFLAGS: bit 1 reads one; 3, 5, 15 and 22-31 zero. */
enum { EFLAGS_ZERO = 1u << 3 | 1u << 5 | 1u << 15 | 0xffc00000u };

static int seg_bad(const E386SegState *s, const char *name, char *err, size_t errlen)
{
    if (s->valid > 1 || s->flat > 1 || (s->flags & ~0x00f0ff00u) ||
        (s->flat && (s->base != 0 || s->limit != 0xffffffffu || !s->valid))) {
        snprintf(err, errlen, "cpu: impossible %s segment cache (sel %04x base %08x limit %08x flags %08x)",
                 name, s->sel, s->base, s->limit, s->flags);
        return 1;
    }
    return 0;
}

int e386_cpu_state_check(const E386CpuState *st, char *err, size_t errlen)
{
    static const char *const names[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int i = 0; i < 6; i++)
        if (seg_bad(&st->seg[i], names[i], err, errlen))
            return -1;
    if (seg_bad(&st->ldtr, "LDTR", err, errlen) || seg_bad(&st->tr, "TR", err, errlen))
        return -1;
    const char *bad = NULL;
    if (!(st->eflags & 2) || (st->eflags & EFLAGS_ZERO))
        bad = "EFLAGS reserved bits";
    else if (st->cr0 & ~CR0_BITS)
        bad = "CR0 reserved bits";
    else if ((st->cr0 & 0x80000000u) && !(st->cr0 & 1))
        bad = "CR0.PG without CR0.PE";
    else if ((st->cr0 & (1u << 29)) && !(st->cr0 & (1u << 30)))
        bad = "CR0.NW without CR0.CD";
    else if (st->cr3 & ~CR3_BITS)
        bad = "CR3 reserved bits";
    else if (st->cr4 & ~(uint32_t)CR4_BITS)
        bad = "CR4 bits this CPU does not implement";
    else if (st->pe != (st->cr0 & 1))
        bad = "PE disagrees with CR0";
    else if (st->cpl > 3 || (!st->pe && st->cpl != 0) || ((st->eflags & F_VM) && st->cpl != 3))
        bad = "CPL impossible in this mode";
    else if ((st->eflags & F_VM) && !st->pe)
        bad = "VM set in real mode";
    else if (st->inhibit_irq > 1 || st->irq_shadow > 1 || st->halted > 1 || st->nmi_pending > 1 ||
             st->nmi_blocked > 1)
        bad = "a flag that is not 0 or 1";
    else if (st->db_carry & ~0xfu)
        bad = "breakpoint hits beyond DR0-DR3";
    if (bad) {
        snprintf(err, errlen, "cpu: impossible state: %s", bad);
        return -1;
    }
    return 0;
}

int e386_cpu_state_load(E386Cpu *cpu, const E386CpuState *st, char *err, size_t errlen)
{
    if (cpu->jmp) { /* set only while e386_run (or a register write) is on the stack */
        snprintf(err, errlen, "cpu: cannot load state while it runs");
        return -1;
    }
    if (e386_cpu_state_check(st, err, errlen) < 0)
        return -1;
    memcpy(cpu->r, st->r, sizeof cpu->r);
    cpu->eip = st->eip;
    cpu->eflags = st->eflags;
    cpu->cc_op = CC_EFLAGS;
    if_check(cpu, E386_IF_OTHER);
    cpu->cc_size = 4;
    cpu->cc_dst = cpu->cc_src1 = cpu->cc_src2 = 0;
    for (int i = 0; i < 6; i++)
        seg_in(&cpu->seg[i], &st->seg[i]);
    seg_in(&cpu->ldtr, &st->ldtr);
    seg_in(&cpu->tr, &st->tr);
    cpu->gdtr.base = st->gdtr_base;
    cpu->gdtr.limit = st->gdtr_limit;
    cpu->idtr.base = st->idtr_base;
    cpu->idtr.limit = st->idtr_limit;
    cpu->cr0 = st->cr0;
    cpu->cr2 = st->cr2;
    cpu->cr3 = st->cr3;
    cpu->cr4 = st->cr4;
    memcpy(cpu->dr, st->dr, sizeof cpu->dr);
    cpu->icount = st->icount;
    cpu->tsc_offset = st->tsc_offset;
    for (int i = 0; i < 8; i++) {
        uint64_t m = 0;
        for (int b = 0; b < 8; b++)
            m |= (uint64_t)st->fpu_st[i][b] << (8 * b);
        cpu->fpu.st[i].mant = m;
        cpu->fpu.st[i].sexp = (uint16_t)(st->fpu_st[i][8] | st->fpu_st[i][9] << 8);
    }
    cpu->fpu.cw = st->fpu_cw;
    cpu->fpu.sw = st->fpu_sw;
    cpu->fpu.tw = st->fpu_tw;
    cpu->fpu.fop = st->fpu_fop;
    cpu->fpu.fcs = st->fpu_fcs;
    cpu->fpu.fds = st->fpu_fds;
    cpu->fpu.fip = st->fpu_fip;
    cpu->fpu.fdp = st->fpu_fdp;
    cpu->cpl = st->cpl;
    cpu->pe = st->pe;
    cpu->inhibit_irq = st->inhibit_irq;
    cpu->irq_shadow = st->irq_shadow;
    cpu->halted = st->halted;
    cpu->nmi_pending = st->nmi_pending;
    cpu->nmi_blocked = st->nmi_blocked;
    cpu->db_carry = st->db_carry;
    /* what exists only inside e386_run, or is derived */
    cpu->delivering = -1;
    cpu->deliver_ext = cpu->push_rf = 0;
    cpu->db_hits = cpu->rf_loaded = 0;
    cpu->cur = NULL;
    cpu->cur_tb = cpu->last_tb = NULL;
    if (cpu->nmi_pending)
        cpu_request_exit(cpu);
    tb_flush(cpu);
    dbg_update(cpu); /* also flushes the TLB */
    tlb_flush_all(cpu);
    return 0;
}
