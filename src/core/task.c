/* Task switches through a TSS (SDM vol. 3, 7.3): by JMP or CALL to a TSS
 * descriptor or a task gate, by an interrupt or exception through a task
 * gate, and by IRET with NT set.  Faults before the point of no return
 * (the outgoing state saved) belong to the old task; faults while loading
 * the new task's segments belong to the new one, at its first instruction. */
#include "core/cpu.h"

/* the two TSS layouts: offsets of each field, and their width */
typedef struct TssLayout {
    uint32_t link, cr3, eip, eflags, gpr, gpr_step, sreg, sreg_step, ldt, min_limit;
    int width;
} TssLayout;
static const TssLayout TSS32 = { 0, 0x1c, 0x20, 0x24, 0x28, 4, 0x48, 4, 0x60, 0x67, 4 };
static const TssLayout TSS16 = { 0, 0, 0x0e, 0x10, 0x12, 2, 0x22, 2, 0x2a, 0x2b, 2 };

/* the TSS's selector order of segment registers is ES CS SS DS (FS GS) */
static const int tss_sreg[6] = { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS };

static void set_busy(E386Cpu *cpu, uint16_t sel, int busy)
{
    uint32_t d[2];
    if (sys_read_desc(cpu, sel, d) != 0)
        return;
    d[1] = busy ? d[1] | (2u << 8) : d[1] & ~(2u << 8);
    sys_write_desc(cpu, sel, d);
}

/* Load a segment register of the incoming task, with the checks of a task
 * switch: #TS with the selector for a bad one, #NP (#SS for SS) when not
 * present. */
static void task_load_seg(E386Cpu *cpu, int seg, uint16_t sel)
{
    Seg *s = &cpu->seg[seg];
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    uint32_t d[2], err = sel & 0xfffc;
    if ((sel & 0xfffc) == 0) {
        if (seg == SEG_CS || seg == SEG_SS)
            raise_exc_err(cpu, EX_TS, 0);
        *s = (Seg){ .sel = sel };
        return;
    }
    if (sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, EX_TS, err);
    unsigned type = DESC_TYPE(d[1]), dpl = DESC_DPL(d[1]);
    if (!DESC_S(d[1]))
        raise_exc_err(cpu, EX_TS, err);
    if (seg == SEG_CS) {
        if (!(type & 8) || ((type & 4) ? dpl > rpl : dpl != rpl))
            raise_exc_err(cpu, EX_TS, err);
    } else if (seg == SEG_SS) {
        if ((type & 8) || !(type & 2) || rpl != cpl || dpl != cpl)
            raise_exc_err(cpu, EX_TS, err);
    } else {
        if ((type & 0xa) == 0x8 || ((type & 0xc) != 0xc && (dpl < cpl || dpl < rpl)))
            raise_exc_err(cpu, EX_TS, err);
    }
    if (!DESC_P(d[1]))
        raise_exc_err(cpu, seg == SEG_SS ? EX_SS : EX_NP, err);
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
    seg_load_cache(s, sel, d);
}

void task_switch(E386Cpu *cpu, uint16_t sel, int src, uint32_t ret_eip, int has_err, uint32_t err)
{
    uint32_t ext = src == TASK_INT && cpu->deliver_ext ? 1 : 0, d[2];
    uint32_t serr = (sel & 0xfffcu) | ext;
    /* the new TSS descriptor: in the GDT, a TSS, available (busy for IRET) */
    if ((sel & 4) || sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, src == TASK_IRET ? EX_TS : EX_GP, serr);
    unsigned type = DESC_TYPE(d[1]);
    int busy = (type & 2) != 0;
    if (DESC_S(d[1]) || (type & 5) != 1 || (src == TASK_IRET ? !busy : busy))
        raise_exc_err(cpu, src == TASK_IRET ? EX_TS : EX_GP, serr);
    if (!DESC_P(d[1]))
        raise_exc_err(cpu, EX_NP, serr);
    Seg ntss;
    seg_load_cache(&ntss, sel, d);
    const TssLayout *nl = (type & 8) ? &TSS32 : &TSS16;
    const TssLayout *ol = (DESC_TYPE(cpu->tr.flags) & 8) ? &TSS32 : &TSS16;
    if (ntss.limit < nl->min_limit)
        raise_exc_err(cpu, EX_TS, serr);
    /* read the whole incoming state before anything changes */
    uint32_t nb = ntss.base, w = (uint32_t)nl->width;
    uint32_t n_eip = sys_read(cpu, nb + nl->eip, nl->width);
    uint32_t n_fl = sys_read(cpu, nb + nl->eflags, nl->width);
    uint32_t n_gpr[8], n_cr3 = nl == &TSS32 ? sys_read(cpu, nb + nl->cr3, 4) : cpu->cr3;
    uint16_t n_sreg[6], n_ldt = (uint16_t)sys_read(cpu, nb + nl->ldt, 2);
    int n_trap = nl == &TSS32 && (sys_read(cpu, nb + 0x64, 2) & 1);
    for (int i = 0; i < 8; i++)
        n_gpr[i] = sys_read(cpu, nb + nl->gpr + (uint32_t)i * w, nl->width);
    int nsregs = nl == &TSS32 ? 6 : 4;
    for (int i = 0; i < nsregs; i++)
        n_sreg[i] = (uint16_t)sys_read(cpu, nb + nl->sreg + (uint32_t)i * w, 2);
    if (nl == &TSS16) {
        n_sreg[4] = n_sreg[5] = 0;
        n_fl &= 0xffff;
        for (int i = 0; i < 8; i++)
            n_gpr[i] |= cpu->r[i] & 0xffff0000u; /* a 16-bit task leaves the upper halves */
    }
    /* save the outgoing task (its TSS must be writable here) */
    uint32_t ob = cpu->tr.base, ow = (uint32_t)ol->width, fl = get_eflags(cpu);
    if (src == TASK_IRET)
        fl &= ~(uint32_t)F_NT;
    if (src == TASK_JMP || src == TASK_IRET)
        set_busy(cpu, cpu->tr.sel, 0);
    sys_write(cpu, ob + ol->eip, ol->width, ret_eip);
    sys_write(cpu, ob + ol->eflags, ol->width, fl);
    for (int i = 0; i < 8; i++)
        sys_write(cpu, ob + ol->gpr + (uint32_t)i * ow, ol->width, cpu->r[i]);
    for (int i = 0; i < (ol == &TSS32 ? 6 : 4); i++)
        sys_write(cpu, ob + ol->sreg + (uint32_t)i * ow, 2, cpu->seg[tss_sreg[i]].sel);
    uint16_t old_tr = cpu->tr.sel;
    if (src == TASK_CALL || src == TASK_INT) {
        n_fl |= F_NT;
        sys_write(cpu, nb + nl->link, 2, old_tr);
    }
    if (src != TASK_IRET)
        d[1] |= 2u << 8;
    sys_write_desc(cpu, sel, d);
    seg_load_cache(&cpu->tr, sel, d);
    cpu->cr0 |= 8; /* TS: the x87 state belongs to the old task until saved */

    /* the point of no return: from here faults belong to the new task */
    const E386Op *by = cpu->cur; /* the JMP, CALL or IRET that switches, for IF edges */
    cpu->cur = NULL;
    cpu->eip = n_eip;
    for (int i = 0; i < 8; i++)
        cpu->r[i] = n_gpr[i];
    cpu->eflags = (n_fl | 2u) & ~(uint32_t)(1u << 3 | 1u << 5 | 1u << 15);
    cpu->cc_op = CC_EFLAGS;
    if (cpu->if_hook && ((cpu->eflags ^ cpu->if_seen) & F_IF))
        if_edge(cpu, E386_IF_TASK, by);
    /* CR3 from a 32-bit TSS when paging is on and it differs (as Bochs) */
    if (nl == &TSS32 && (cpu->cr0 & 0x80000000u) && (n_cr3 & 0xfffff018u) != cpu->cr3)
        sys_set_cr(cpu, 3, n_cr3);
    /* selectors first (a fault shows them), caches after the checks */
    for (int i = 0; i < 6; i++)
        cpu->seg[tss_sreg[i]] = (Seg){ .sel = n_sreg[i] };
    cpu->ldtr = (Seg){ .sel = n_ldt };
    if (n_ldt & 0xfffc) {
        uint32_t ld[2];
        if ((n_ldt & 4) || sys_read_desc(cpu, n_ldt, ld) != 0 || DESC_S(ld[1]) || DESC_TYPE(ld[1]) != 2)
            raise_exc_err(cpu, EX_TS, n_ldt & 0xfffc);
        if (!DESC_P(ld[1]))
            raise_exc_err(cpu, EX_TS, n_ldt & 0xfffc);
        seg_load_cache(&cpu->ldtr, n_ldt, ld);
    }
    if (cpu->eflags & F_VM) { /* a v86 task: real-mode style segments at CPL 3 */
        cpu->cpl = 3;
        for (int i = 0; i < 6; i++)
            cpu->seg[tss_sreg[i]] = (Seg){ .sel = n_sreg[i], .base = (uint32_t)n_sreg[i] << 4, .limit = 0xffff,
                                           .flags = 0xf300u, .valid = 1 };
    } else {
        cpu->cpl = n_sreg[1] & 3;
        task_load_seg(cpu, SEG_CS, n_sreg[1]);
        task_load_seg(cpu, SEG_SS, n_sreg[2]);
        task_load_seg(cpu, SEG_ES, n_sreg[0]);
        task_load_seg(cpu, SEG_DS, n_sreg[3]);
        task_load_seg(cpu, SEG_FS, n_sreg[4]);
        task_load_seg(cpu, SEG_GS, n_sreg[5]);
        if (cpu->eip > cpu->seg[SEG_CS].limit)
            raise_exc_err(cpu, EX_GP, 0);
    }
    if (has_err) /* an exception's error code goes on the new task's stack */
        push(cpu, nl->width, err);
    if (n_trap) { /* the TSS's T bit: a debug trap before the first instruction */
        cpu->dr[6] |= 0x8000; /* BT */
        raise_exc(cpu, EX_DB);
    }
}
