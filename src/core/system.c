/* System mode: the power-on state, the INTR and NMI pins, and delivery of
 * exceptions and interrupts through the IVT (real mode) and the IDT
 * (protected mode) with the SDM's double- and triple-fault rules.  The
 * instruction that faulted has been unwound (core/exc.c) before any of
 * this runs, so a fault during delivery simply unwinds again. */
#include <stdlib.h>
#include "core/cpu.h"

enum { EV_SOFT, EV_EXC, EV_HW }; /* INT n/INT3/INTO, an exception, INTR/NMI */

/* Segment caches as RESET leaves them: base, limit 0xFFFF, present
 * read/write data (CS: code), so real mode and unreal mode both work. */
static void real_seg(Seg *s, uint16_t sel, uint32_t base, int code)
{
    *s = (Seg){ .sel = sel, .base = base, .limit = 0xffff, .flags = code ? 0x9b00u : 0x9300u, .valid = 1 };
}

void e386_system_reset(E386Cpu *cpu)
{
    memset(cpu->r, 0, sizeof cpu->r);
    cpu->r[2] = 0x0631; /* EDX: family 6, model 3, stepping 1, as CPUID leaf 1 */
    cpu->eip = 0xfff0;
    cpu->eflags = 2;
    cpu->cc_op = CC_EFLAGS;
    if_check(cpu, E386_IF_RESET);
    cpu->cc_size = 4;
    cpu->cpl = 0;
    cpu->pe = 0;
    cpu->cr0 = 0x60000010u; /* CD NW ET */
    cpu->cr2 = cpu->cr3 = cpu->cr4 = 0;
    for (int s = 0; s < 6; s++)
        real_seg(&cpu->seg[s], 0, 0, 0);
    real_seg(&cpu->seg[SEG_CS], 0xf000, 0xffff0000u, 1);
    cpu->gdtr.base = cpu->idtr.base = 0;
    cpu->gdtr.limit = cpu->idtr.limit = 0xffff;
    cpu->ldtr = (Seg){ .limit = 0xffff, .flags = 0x8200u, .valid = 1 };
    cpu->tr = (Seg){ .limit = 0xffff, .flags = 0x8b00u, .valid = 1 };
    memset(cpu->dr, 0, sizeof cpu->dr);
    cpu->dr[6] = 0xffff0ff0u;
    cpu->dr[7] = 0x400;
    cpu->dbg_exec = 0;
    cpu->dbg_data = cpu->ndwatch != 0; /* the debugger's watchpoints outlive a guest reset */
    /* the x87 after RESET (SDM table 9-1): CW 0x0040, all registers +0 */
    fpu_reset(&cpu->fpu);
    cpu->fpu.cw = 0x0040;
    cpu->fpu.tw = 0x5555;
    cpu->halted = 0;
    cpu->nmi_pending = cpu->nmi_blocked = 0;
    cpu->delivering = -1;
    cpu->inhibit_irq = 0;
    cpu->tsc_offset = 0;
    cpu->softmmu = 1;
    tlb_flush_all(cpu);
    tb_flush(cpu);
}

int e386_system_init(E386Cpu *cpu, const e386_sys_ops *ops, void *opaque)
{
    if (!cpu || !ops)
        return -1;
    cpu->sys = 1;
    cpu->mem.phys_bus = 1;
    cpu->sys_ops = *ops;
    cpu->sys_opaque = opaque;
    free(cpu->ldt); /* user mode's private LDT: system mode reads the guest's */
    cpu->ldt = NULL;
    cpu->ldt_count = 0;
    e386_system_reset(cpu);
    return 0;
}

void e386_set_irq(E386Cpu *cpu, int level)
{
    cpu->irq_level = level != 0;
    if (level)
        cpu_request_exit(cpu); /* leave the block chain to look at it */
}

void e386_nmi(E386Cpu *cpu)
{
    cpu->nmi_pending = 1;
    cpu_request_exit(cpu);
}

int e386_halted(const E386Cpu *cpu) { return cpu->halted; }

void e386_set_log(E386Cpu *cpu, int mask, FILE *f, e386_disasm_fn disasm, void *opaque)
{
    cpu->log_mask = (f ? mask : 0) | (cpu->log_mask & E386_LOG_STEP);
    cpu->log = f;
    cpu->disasm = disasm;
    cpu->disasm_opaque = opaque;
    tb_flush(cpu); /* in_asm logs at translation: start afresh */
}

/* ---- implicit supervisor accesses and ports ---- */


uint32_t io_in(E386Cpu *cpu, uint16_t port, int size)
{
    if (!cpu->sys || !cpu->sys_ops.io_read)
        return size_mask(size); /* no bus: it floats */
    return cpu->sys_ops.io_read(cpu->sys_opaque, port, size) & size_mask(size);
}

void io_out(E386Cpu *cpu, uint16_t port, int size, uint32_t v)
{
    if (cpu->sys && cpu->sys_ops.io_write)
        cpu->sys_ops.io_write(cpu->sys_opaque, port, size, v & size_mask(size));
}

/* Protected mode at CPL > IOPL (or in v86 mode): every port of the access
 * must be allowed by the 32-bit TSS's I/O permission bitmap. */
void io_check(E386Cpu *cpu, uint16_t port, int size)
{
    if (!cpu->pe)
        return;
    if (!(cpu->eflags & F_VM) && cpu->cpl <= ((cpu->eflags >> 12) & 3))
        return;
    unsigned type = DESC_TYPE(cpu->tr.flags); /* a 32-bit TSS, available or busy */
    if (!cpu->sys || (type != 9 && type != 11) || cpu->tr.limit < 0x67)
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t base = sys_read(cpu, cpu->tr.base + 0x66, 2);
    uint32_t at = base + port / 8u;
    if (at + 1 > cpu->tr.limit)
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t bits = sys_read(cpu, cpu->tr.base + at, 2) >> (port & 7);
    if (bits & ((1u << size) - 1))
        raise_exc_err(cpu, EX_GP, 0);
}

/* ---- delivery ---- */

static int has_error_code(int v) { return v == EX_DF || (v >= 10 && v <= 14) || v == 17; }
static int contributory(int v) { return v == EX_DE || (v >= 10 && v <= 13); }

static void log_event(E386Cpu *cpu, int vec, int kind, int has_err, uint32_t err, uint32_t eip)
{
    if (!(cpu->log_mask & E386_LOG_INT))
        return;
    static const char *const kinds[] = { "int", "exception", "irq" };
    fprintf(cpu->log, "%s: vector=%02x %serr=%08x cs:eip=%04x:%08x cpl=%d %s\n", kinds[kind], vec,
            has_err ? "" : "no-", err, cpu->seg[SEG_CS].sel, eip, cpu->cpl,
            cpu->pe ? (cpu->eflags & F_VM ? "v86" : "protected") : "real");
}

static void clear_flags(E386Cpu *cpu, uint32_t bits)
{
    cpu->eflags = get_eflags(cpu) & ~bits;
    cpu->cc_op = CC_EFLAGS;
}

static void real_deliver(E386Cpu *cpu, int vec, uint32_t ret_eip)
{
    if ((uint32_t)vec * 4 + 3 > cpu->idtr.limit)
        raise_exc_err(cpu, EX_GP, (uint32_t)vec * 8 + 2);
    uint32_t ip = sys_read(cpu, cpu->idtr.base + (uint32_t)vec * 4, 2);
    uint32_t cs = sys_read(cpu, cpu->idtr.base + (uint32_t)vec * 4 + 2, 2);
    push(cpu, 2, get_eflags(cpu));
    push(cpu, 2, cpu->seg[SEG_CS].sel);
    push(cpu, 2, ret_eip);
    clear_flags(cpu, F_IF | F_TF | F_AC);
    cpu->seg[SEG_CS].sel = (uint16_t)cs;
    cpu->seg[SEG_CS].base = cs << 4;
    cpu->eip = ip;
}

/* Where a push of size bytes at *sp goes in the stack segment ss (limit
 * and expand-down checked; a failure is #SS with error code err). */
uint32_t sys_frame_slot(E386Cpu *cpu, const Seg *ss, uint32_t *sp, int size, uint32_t err)
{
    int big = DESC_DB(ss->flags);
    uint32_t n = (*sp - (uint32_t)size) & (big ? 0xffffffffu : 0xffffu);
    uint32_t last = n + (uint32_t)size - 1;
    int down = !(DESC_TYPE(ss->flags) & 8) && (DESC_TYPE(ss->flags) & 4);
    if (down ? (n <= ss->limit || last > (big ? 0xffffffffu : 0xffffu)) : (last < n || last > ss->limit))
        raise_exc_err(cpu, EX_SS, err);
    *sp = n;
    return ss->base + n;
}

/* Read the descriptor of a selector for delivery; any failure is a fault
 * of vector vec with the selector (and EXT) as error code. */
static void delivery_desc(E386Cpu *cpu, uint16_t sel, uint32_t d[2], int vec, uint32_t ext)
{
    if ((sel & 0xfffc) == 0)
        raise_exc_err(cpu, vec, ext);
    if (sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, vec, (sel & 0xfffcu) | ext);
}

/* The inner-level stack for privilege level dpl from the current TSS. */
void sys_tss_stack(E386Cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext)
{
    int tss32 = (DESC_TYPE(cpu->tr.flags) & 8) != 0;
    uint32_t at = tss32 ? 4 + dpl * 8 : 2 + dpl * 4, len = tss32 ? 6 : 4;
    if (at + len - 1 > cpu->tr.limit)
        raise_exc_err(cpu, EX_TS, (cpu->tr.sel & 0xfffcu) | ext);
    if (tss32) {
        *esp = sys_read(cpu, cpu->tr.base + at, 4);
        *ss = (uint16_t)sys_read(cpu, cpu->tr.base + at + 4, 2);
    } else {
        *esp = sys_read(cpu, cpu->tr.base + at, 2);
        *ss = (uint16_t)sys_read(cpu, cpu->tr.base + at + 2, 2);
    }
}

/* Check and load the cache of a stack segment for privilege level dpl
 * (new inner stacks, and outer stacks on RETF/IRET): #TS or #GP with the
 * selector for a bad one, #SS for one not present. */
void sys_check_stack_seg(E386Cpu *cpu, uint16_t sel, unsigned dpl, Seg *out, int vec, uint32_t ext)
{
    uint32_t d[2];
    delivery_desc(cpu, sel, d, vec, ext);
    uint32_t f = d[1], err = (sel & 0xfffcu) | ext;
    unsigned type = DESC_TYPE(f);
    if ((sel & 3) != dpl || DESC_DPL(f) != dpl || !DESC_S(f) || (type & 8) || !(type & 2))
        raise_exc_err(cpu, vec, err);
    if (!DESC_P(f))
        raise_exc_err(cpu, EX_SS, err);
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
    seg_load_cache(out, sel, d);
}

static void prot_deliver(E386Cpu *cpu, int vec, int kind, int has_err, uint32_t err, uint32_t ret_eip)
{
    uint32_t ext = kind == EV_SOFT ? 0 : 1, gerr = (uint32_t)vec * 8 + 2 + ext;
    if ((uint32_t)vec * 8 + 7 > cpu->idtr.limit)
        raise_exc_err(cpu, EX_GP, gerr);
    uint32_t lo = sys_read(cpu, cpu->idtr.base + (uint32_t)vec * 8, 4);
    uint32_t hi = sys_read(cpu, cpu->idtr.base + (uint32_t)vec * 8 + 4, 4);
    unsigned type = (hi >> 8) & 0x1f, gdpl = (hi >> 13) & 3;
    /* task gates, and interrupt and trap gates, 16- and 32-bit (S = 0) */
    if (type != 5 && type != 6 && type != 7 && type != 14 && type != 15)
        raise_exc_err(cpu, EX_GP, gerr);
    if (kind == EV_SOFT && gdpl < cpu->cpl)
        raise_exc_err(cpu, EX_GP, gerr);
    if (!(hi & 0x8000))
        raise_exc_err(cpu, EX_NP, gerr);
    if (type == 5) {
        task_switch(cpu, (uint16_t)(lo >> 16), TASK_INT, ret_eip, has_err, err);
        return;
    }
    int big = (type & 8) != 0, size = big ? 4 : 2;
    uint16_t sel = (uint16_t)(lo >> 16);
    uint32_t off = big ? (lo & 0xffff) | (hi & 0xffff0000u) : lo & 0xffff;
    uint32_t d[2];
    delivery_desc(cpu, sel, d, EX_GP, ext);
    uint32_t f = d[1], serr = (sel & 0xfffcu) | ext;
    unsigned cdpl = DESC_DPL(f);
    if (!DESC_S(f) || !(DESC_TYPE(f) & 8) || cdpl > cpu->cpl)
        raise_exc_err(cpu, EX_GP, serr);
    if (!DESC_P(f))
        raise_exc_err(cpu, EX_NP, serr);
    Seg cs;
    int conforming = (DESC_TYPE(f) & 4) != 0;
    unsigned new_cpl = conforming ? cpu->cpl : cdpl;
    seg_load_cache(&cs, (uint16_t)((sel & 0xfffc) | new_cpl), d);
    if (off > cs.limit)
        raise_exc_err(cpu, EX_GP, ext);
    uint32_t fl = get_eflags(cpu) | (cpu->push_rf ? F_RF : 0);
    Seg ss = cpu->seg[SEG_SS];
    uint32_t sp = cpu->r[4];
    uint32_t frame[10];
    int n = 0;
    int from_v86 = (fl & F_VM) != 0;
    if (from_v86 && new_cpl != 0) /* the v86 monitor runs at ring 0 */
        raise_exc_err(cpu, EX_GP, serr);
    if (new_cpl < cpu->cpl) {
        uint16_t nss;
        uint32_t nesp;
        sys_tss_stack(cpu, new_cpl, &nss, &nesp, ext);
        sys_check_stack_seg(cpu, nss, new_cpl, &ss, EX_TS, ext);
        sp = nesp;
        if (from_v86) { /* the v86 segment registers go on the ring-0 stack too */
            frame[n++] = cpu->seg[SEG_GS].sel;
            frame[n++] = cpu->seg[SEG_FS].sel;
            frame[n++] = cpu->seg[SEG_DS].sel;
            frame[n++] = cpu->seg[SEG_ES].sel;
        }
        frame[n++] = cpu->seg[SEG_SS].sel;
        frame[n++] = cpu->r[4];
    }
    frame[n++] = fl;
    frame[n++] = cpu->seg[SEG_CS].sel;
    frame[n++] = ret_eip;
    if (has_err)
        frame[n++] = err;
    /* every slot is checked before anything is written or committed */
    uint32_t ss_err = new_cpl < cpu->cpl ? (ss.sel & 0xfffcu) | ext : ext;
    uint32_t at[10], probe = sp;
    for (int i = 0; i < n; i++)
        at[i] = sys_frame_slot(cpu, &ss, &probe, size, ss_err);
    for (int i = 0; i < n; i++) /* at the new privilege: supervisor writes below ring 3 */
        if (new_cpl < 3)
            sys_write(cpu, at[i], size, frame[i]);
        else
            lin_write(cpu, at[i], size, frame[i]);
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
    if (new_cpl < cpu->cpl)
        cpu->seg[SEG_SS] = ss;
    if (DESC_DB(ss.flags))
        cpu->r[4] = probe;
    else
        cpu->r[4] = (cpu->r[4] & 0xffff0000u) | (probe & 0xffff);
    cpu->seg[SEG_CS] = cs;
    cpu->cpl = (uint8_t)new_cpl;
    cpu->eip = off;
    if (from_v86) /* the monitor starts with null data segments */
        for (int sr = 0; sr < 6; sr++)
            if (sr != SEG_CS && sr != SEG_SS)
                cpu->seg[sr] = (Seg){ .sel = 0 };
    clear_flags(cpu, F_TF | F_NT | F_RF | F_VM | (type & 1 ? 0 : F_IF));
}

/* Faults push EFLAGS with RF set, so that IRET restarts the faulting
 * instruction without an instruction breakpoint firing again (SDM
 * 17.3.1.1); #DB itself does not, traps and interrupts do not (Bochs too). */
static int fault_class(int vec)
{
    return vec == EX_DE || vec == EX_BR || vec == EX_UD || vec == EX_NM || (vec >= EX_TS && vec <= EX_PF) ||
           vec == EX_MF || vec == 17;
}

static void deliver(E386Cpu *cpu, int vec, int kind, int has_err, uint32_t err, uint32_t ret_eip)
{
    log_event(cpu, vec, kind, has_err, err, ret_eip);
    /* a delivery counts as a step: a guest whose handler faults again at
     * once still uses up its instruction budget, so e386_run returns */
    cpu->icount++;
    cpu->deliver_ext = kind != EV_SOFT;
    cpu->halted = 0;
    if (cpu->pe)
        prot_deliver(cpu, vec, kind, has_err, err, ret_eip);
    else
        real_deliver(cpu, vec, ret_eip);
    if_check(cpu, E386_IF_GATE); /* a task gate reported its own edge */
    cpu->delivering = -1;
}

static int shutdown(E386Cpu *cpu)
{
    if (cpu->log_mask & E386_LOG_INT)
        fprintf(cpu->log, "triple fault: shutdown at cs:eip=%04x:%08x\n", cpu->seg[SEG_CS].sel, cpu->eip);
    cpu->delivering = -1;
    cpu->exit.reason = E386_EXIT_SHUTDOWN;
    return E386_EXIT_SHUTDOWN;
}

int sys_deliver_exit(E386Cpu *cpu)
{
    e386_exit *ex = &cpu->exit;
    int vec = ex->vector;
    if (ex->reason == E386_EXIT_INTERRUPT) {
        cpu->delivering = vec + 256; /* a software interrupt: benign */
        cpu->eip = ex->insn_eip; /* a fault while delivering it is the INT's */
        cpu->eflags &= ~(uint32_t)F_RF; /* INT n completed: RF is gone from the image */
        deliver(cpu, vec, EV_SOFT, 0, 0, ex->fault_eip);
        return -1;
    }
    int has_err = has_error_code(vec);
    uint32_t err = has_err ? ex->error_code : 0;
    int prev = cpu->delivering;
    if (prev == EX_DF)
        return shutdown(cpu);
    if (prev >= 0 && prev < 256 &&
        ((contributory(prev) && contributory(vec)) || (prev == EX_PF && (contributory(vec) || vec == EX_PF)))) {
        vec = EX_DF;
        err = 0;
        has_err = 1;
    }
    cpu->delivering = vec;
    cpu->push_rf = fault_class(vec);
    deliver(cpu, vec, EV_EXC, has_err, err, ex->fault_eip);
    cpu->push_rf = 0;
    return -1;
}

int sys_take_interrupt(E386Cpu *cpu)
{
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = 0;
        cpu->nmi_blocked = 1;
        cpu->delivering = 2 + 512; /* benign */
        deliver(cpu, 2, EV_HW, 0, 0, cpu->eip);
        return 1;
    }
    if (cpu->irq_level && (cpu->eflags & F_IF) && cpu->sys_ops.intr_ack) {
        int vec = cpu->sys_ops.intr_ack(cpu->sys_opaque) & 0xff;
        cpu->delivering = vec + 512;
        deliver(cpu, vec, EV_HW, 0, 0, cpu->eip);
        return 1;
    }
    return 0;
}

/* ---- control registers and MSRs ---- */

enum { CR0_PE = 1, CR0_ET = 0x10, CR0_WP = 0x10000, CR0_NW = 1u << 29, CR0_CD = 1u << 30, CR0_PG = 1u << 31 };
/* CR4 bits implemented: TSD, DE (DR4/DR5 reserved), PSE, PGE */
enum { CR4_OK = 0x04 | 0x08 | 0x10 | 0x80 };

void sys_set_cr(E386Cpu *cpu, int n, uint32_t v)
{
    switch (n) {
    case 0: {
        if (((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
            raise_exc_err(cpu, EX_GP, 0);
        v = (v & 0xe005003fu) | CR0_ET; /* reserved bits are ignored, ET reads 1 */
        uint32_t old = cpu->cr0;
        cpu->cr0 = v;
        cpu->pe = v & CR0_PE;
        if (!cpu->pe)
            cpu->cpl = 0;
        if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
            tlb_flush_all(cpu);
        break;
    }
    case 2: cpu->cr2 = v; break;
    case 3:
        cpu->cr3 = v & 0xfffff018u;
        tlb_flush_nonglobal(cpu);
        break;
    default:
        if (v & ~(uint32_t)CR4_OK)
            raise_exc_err(cpu, EX_GP, 0);
        if ((cpu->cr4 ^ v) & 0x90) /* PSE, PGE */
            tlb_flush_all(cpu);
        cpu->cr4 = v;
        dbg_update(cpu);
    }
}

static uint64_t sys_tsc(E386Cpu *cpu)
{
    return (cpu->sys_ops.clock_ns ? cpu->sys_ops.clock_ns(cpu->sys_opaque) : cpu->icount * 2) + cpu->tsc_offset;
}

/* The MSRs a P6 without local APIC, MTRRs or SYSENTER has: the TSC, and
 * the microcode signature an OS reads; anything else is #GP. */
int sys_rdmsr(E386Cpu *cpu, uint32_t msr, uint64_t *v)
{
    switch (msr) {
    case 0x10: *v = sys_tsc(cpu); return 0;
    case 0x8b: *v = 0; return 0; /* IA32_BIOS_SIGN_ID: no microcode loaded */
    default: return -1;
    }
}

int sys_wrmsr(E386Cpu *cpu, uint32_t msr, uint64_t v)
{
    switch (msr) {
    case 0x10: cpu->tsc_offset = v - (sys_tsc(cpu) - cpu->tsc_offset); return 0;
    case 0x8b: return 0;
    default: return -1;
    }
}
