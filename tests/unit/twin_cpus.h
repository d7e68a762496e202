/* The harness the fusion tests share (test_stack_run, test_fuse_run):
 * three CPUs run the same code from the same state -- 0: linear memory,
 * blocks (ops fused); 1: linear memory, one instruction per block (a
 * debugger hook: nothing fused); 2: the page map, blocks -- and 0 and 2
 * must end exactly like 1. */
#ifndef TWIN_CPUS_H
#define TWIN_CPUS_H
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "core/cpu.h"
#include "e386.h"

static inline int twin_no_stop(E386Cpu *cpu, uint32_t pc, void *opaque)
{
    (void)cpu, (void)pc, (void)opaque;
    return 0;
}

/* a CPU of kind k (above) with nothing mapped */
static inline E386Cpu *twin_cpu(int k)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    e386_mem_linear(cpu, k != 2);
    if (k == 1)
        e386_set_debug_hook(cpu, twin_no_stop, NULL);
    return cpu;
}

static inline uint32_t twin_rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* the same registers, EIP, EFLAGS (the arithmetic flags given, IF, and
 * nothing else: a run whose stores rewrote its code into a POPF may have
 * left TF or DF set, and every later run would single-step), instruction
 * count (RDTSC's clock, which a run stopped at its budget leaves apart:
 * a block may overshoot the budget, one-instruction blocks never do; a
 * run may rewrite its code into an RDTSC) and page at stack in each of
 * the n CPUs */
static inline void twin_load(E386Cpu *const *cpus, int n, const uint32_t regs[8], uint32_t eip, uint32_t flags,
                             uint32_t stack, const uint8_t page[0x1000])
{
    for (int k = 0; k < n; k++) {
        for (int i = 0; i < 8; i++)
            e386_reg_write(cpus[k], E386_EAX + i, regs[i]);
        e386_reg_write(cpus[k], E386_EIP, eip);
        e386_reg_write(cpus[k], E386_EFLAGS, 0x202 | (flags & F_ARITH));
        cpus[k]->icount = 0; /* not through the API: a harness's reset */
        if (e386_mem_write(cpus[k], stack, page, 0x1000))
            ck_abort_msg("e386_mem_write");
    }
}

/* exit, instruction count, registers, EFLAGS and the page at stack */
static inline int twin_same(E386Cpu *a, E386Cpu *b, const e386_exit *xa, const e386_exit *xb, uint64_t na,
                            uint64_t nb, uint32_t stack)
{
    if (xa->reason != xb->reason || xa->vector != xb->vector || xa->error_code != xb->error_code ||
        xa->fault_addr != xb->fault_addr || xa->fault_eip != xb->fault_eip || xa->insn_eip != xb->insn_eip ||
        na != nb)
        return 0;
    if (memcmp(a->r, b->r, sizeof a->r) || a->eip != b->eip || get_eflags(a) != get_eflags(b))
        return 0;
    static uint8_t ma[0x1000], mb[0x1000];
    if (e386_mem_read(a, stack, ma, sizeof ma) || e386_mem_read(b, stack, mb, sizeof mb))
        return 0;
    return !memcmp(ma, mb, sizeof ma);
}

typedef struct TwinCount {
    int cases, faults, bad;
    int looped; /* runs that reached the budget: not compared */
} TwinCount;

/* run the three CPUs from the state they hold, budget instructions at
 * most (0: no limit; code that rewrites itself may loop); count and
 * report; 0: a run reached the budget (not compared) */
static inline int twin_run(E386Cpu *const cpus[3], uint32_t stack, const char *name, int prog, int state,
                            TwinCount *t, uint64_t budget)
{
    e386_exit x[3];
    uint64_t n[3];
    for (int k = 0; k < 3; k++) {
        n[k] = e386_insn_count(cpus[k]);
        e386_run(cpus[k], budget, &x[k]);
        n[k] = e386_insn_count(cpus[k]) - n[k];
    }
    if (x[0].reason == E386_EXIT_INSN_LIMIT || x[1].reason == E386_EXIT_INSN_LIMIT ||
        x[2].reason == E386_EXIT_INSN_LIMIT) {
        t->looped++;
        return 0;
    }
    t->cases++;
    t->faults += x[1].reason == E386_EXIT_EXCEPTION;
    for (int k = 0; k < 3; k += 2)
        if (!twin_same(cpus[k], cpus[1], &x[k], &x[1], n[k], n[1], stack) && t->bad++ < 5)
            printf("%s: program %d state %d differs (cpu %d)\n", name, prog, state, k);
    return 1;
}

/* the page at addr the same in a and b */
static inline int twin_same_page(E386Cpu *a, E386Cpu *b, uint32_t addr)
{
    static uint8_t ma[0x1000], mb[0x1000];
    if (e386_mem_read(a, addr, ma, sizeof ma) || e386_mem_read(b, addr, mb, sizeof mb))
        return 0;
    return !memcmp(ma, mb, sizeof ma);
}

/* twin_run, and the page at code compared too (the programs' stores may
 * rewrite their own code): those differences counted in *code_bad.  Not
 * after a run that reached the budget: its CPUs stop at different
 * instructions (a block may overshoot it), their stores may differ. */
static inline void twin_run_code(E386Cpu *const cpus[3], uint32_t stack, uint32_t code, const char *name, int prog,
                                 int state, TwinCount *t, int *code_bad, uint64_t budget)
{
    if (!twin_run(cpus, stack, name, prog, state, t, budget))
        return;
    for (int k = 0; k < 3; k += 2)
        if (!twin_same_page(cpus[k], cpus[1], code) && (*code_bad)++ < 5)
            printf("%s: program %d state %d: code page differs (cpu %d)\n", name, prog, state, k);
}
#endif
