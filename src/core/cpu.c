/* CPU objects and register access: the public face of the core. */
#include <stdlib.h>
#include "core/cpu.h"
#include "native/native.h"

E386Cpu *e386_cpu_new(void)
{
    E386Cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        return NULL;
    galloc_init(&cpu->mem.alloc);
    cpu->tbc = tb_cache_new();
    if (!cpu->tbc) {
        free(cpu);
        return NULL;
    }
    cpu->accel = (uint8_t)accel_default(cpu);
    e386_cpu_reset_user(cpu);
    return cpu;
}

void e386_cpu_free(E386Cpu *cpu)
{
    if (!cpu)
        return;
    mem_free_all(&cpu->mem);
    free(cpu->dirty_log);
    tb_cache_free(cpu->tbc);
    native_free(cpu);
    free(cpu->ldt);
    free(cpu);
}

/* Descriptor for a flat 4 GiB segment: type (0xa code r/x, 0x2 data r/w),
 * S=1, DPL 3, P, D/B, G. */
static void flat_desc(uint32_t d[2], unsigned type)
{
    d[0] = 0x0000ffff;
    d[1] = 0x00cff000u | (type << 8);
}

void e386_cpu_reset_user(E386Cpu *cpu)
{
    memset(cpu->r, 0, sizeof cpu->r);
    cpu->eip = 0;
    cpu->eflags = 0x202;
    cpu->cc_op = CC_EFLAGS;
    cpu->cc_size = 4;
    cpu->cpl = 3;
    cpu->pe = 1;
    cpu->cr0 = 0x80000033u; /* PG PE MP ET NE as Linux runs user code */
    /* Linux's user selectors: __USER_CS 0x23 (GDT 4), __USER_DS 0x2b (GDT 5) */
    flat_desc(cpu->gdt[4], 0xb);
    flat_desc(cpu->gdt[5], 0x3);
    seg_load_cache(&cpu->seg[SEG_CS], 0x23, cpu->gdt[4]);
    for (int s = 0; s < 6; s++) {
        if (s == SEG_CS)
            continue;
        if (s == SEG_FS || s == SEG_GS)
            cpu->seg[s] = (Seg){ 0 }; /* null: unusable until loaded */
        else
            seg_load_cache(&cpu->seg[s], 0x2b, cpu->gdt[5]);
    }
    fpu_reset(&cpu->fpu);
    cpu->inhibit_irq = 0;
}

void e386_fpu_init(E386Cpu *cpu) { fpu_reset(&cpu->fpu); }

uint32_t e386_reg_read(const E386Cpu *cpu, int reg)
{
    if (reg >= E386_EAX && reg <= E386_EDI)
        return cpu->r[reg];
    if (reg == E386_EIP)
        return cpu->eip;
    if (reg == E386_EFLAGS)
        return get_eflags((E386Cpu *)cpu); /* only folds the lazy flags */
    if (reg >= E386_ES && reg <= E386_GS)
        return cpu->seg[reg - E386_ES].sel;
    return 0;
}

int e386_reg_write(E386Cpu *cpu, int reg, uint32_t value)
{
    if (reg >= E386_EAX && reg <= E386_EDI) {
        cpu->r[reg] = value;
        return 0;
    }
    if (reg == E386_EIP) {
        cpu->eip = value;
        return 0;
    }
    if (reg == E386_EFLAGS) {
        /* the host side (signal return) may set anything user code may */
        set_eflags(cpu, value, 0xffffffffu);
        return 0;
    }
    if (reg < E386_ES || reg > E386_GS)
        return -1;
    /* A real descriptor load, with faults turned into an error return. */
    jmp_buf jb, *saved = cpu->jmp;
    const E386Op *cur = cpu->cur;
    Seg old = cpu->seg[reg - E386_ES];
    uint32_t eip = cpu->eip;
    e386_exit ex = cpu->exit;
    cpu->jmp = &jb;
    cpu->cur = NULL;
    int rc = 0;
    if (setjmp(jb) == 0) {
        if (reg == E386_CS)
            load_cs(cpu, (uint16_t)value, eip);
        else
            load_seg(cpu, reg - E386_ES, (uint16_t)value);
    } else {
        cpu->seg[reg - E386_ES] = old;
        rc = -1;
    }
    cpu->eip = eip;
    cpu->exit = ex;
    cpu->jmp = saved;
    cpu->cur = cur;
    return rc;
}

void e386_stop(E386Cpu *cpu)
{
    cpu->stop_request = 1;
    cpu_request_exit(cpu);
}

void e386_set_int_hook(E386Cpu *cpu, e386_int_hook hook, void *opaque)
{
    cpu->int_hook = hook;
    cpu->int_hook_opaque = opaque;
}

uint64_t e386_insn_count(const E386Cpu *cpu) { return cpu->icount; }

void e386_get_stats(const E386Cpu *cpu, e386_stats *st)
{
    *st = cpu->stats;
    if (!cpu->count_chains) /* the native back end counts in a register anyway */
        st->chain_hits = 0;
}

void e386_count_chain_hits(E386Cpu *cpu, int on)
{
    cpu->count_chains = on != 0;
    cpu->stats.chain_hits = 0;
}
