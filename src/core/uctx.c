/* One guest thread's share of a user-mode CPU (see e386_uctx_save in
 * e386.h): what a Linux context switch swaps, and nothing derived from
 * the address space, so loading it keeps the translation cache. */
#include <stdlib.h>
#include "core/cpu.h"

enum { TLS_FIRST = 6, TLS_COUNT = 3 }; /* GDT_ENTRY_TLS_MIN..MAX on i386 */

struct E386UserCtx {
    uint32_t r[8], eip, eflags;
    uint32_t cc_op, cc_size, cc_dst, cc_src1, cc_src2, cc_pmask, cc_pval;
    Seg seg[6];
    uint8_t cpl, inhibit_irq, irq_shadow;
    Fpu fpu;
    uint32_t tls[TLS_COUNT][2];
};

E386UserCtx *e386_uctx_new(void) { return calloc(1, sizeof(E386UserCtx)); }

void e386_uctx_free(E386UserCtx *ctx) { free(ctx); }

void e386_uctx_save(const E386Cpu *cpu, E386UserCtx *c)
{
    memcpy(c->r, cpu->r, sizeof c->r);
    c->eip = cpu->eip;
    c->eflags = cpu->eflags;
    c->cc_op = cpu->cc_op;
    c->cc_size = cpu->cc_size;
    c->cc_dst = cpu->cc_dst;
    c->cc_src1 = cpu->cc_src1;
    c->cc_src2 = cpu->cc_src2;
    c->cc_pmask = cpu->cc_pmask;
    c->cc_pval = cpu->cc_pval;
    memcpy(c->seg, cpu->seg, sizeof c->seg);
    c->cpl = cpu->cpl;
    c->inhibit_irq = cpu->inhibit_irq;
    c->irq_shadow = cpu->irq_shadow;
    c->fpu = cpu->fpu;
    memcpy(c->tls, cpu->gdt[TLS_FIRST], sizeof c->tls);
}

int e386_uctx_load(E386Cpu *cpu, const E386UserCtx *c)
{
    if (cpu->jmp) /* inside e386_run: its frame belongs to the running thread */
        return -1;
    memcpy(cpu->r, c->r, sizeof c->r);
    cpu->eip = c->eip;
    cpu->eflags = c->eflags;
    cpu->cc_op = c->cc_op;
    cpu->cc_size = c->cc_size;
    cpu->cc_dst = c->cc_dst;
    cpu->cc_src1 = c->cc_src1;
    cpu->cc_src2 = c->cc_src2;
    cpu->cc_pmask = c->cc_pmask;
    cpu->cc_pval = c->cc_pval;
    memcpy(cpu->seg, c->seg, sizeof cpu->seg);
    cpu->cpl = c->cpl;
    cpu->inhibit_irq = c->inhibit_irq;
    cpu->irq_shadow = c->irq_shadow;
    cpu->fpu = c->fpu;
    memcpy(cpu->gdt[TLS_FIRST], c->tls, sizeof c->tls);
    /* the chaining state refers to the other thread's last block */
    cpu->cur = NULL;
    cpu->cur_tb = cpu->last_tb = NULL;
    return 0;
}
