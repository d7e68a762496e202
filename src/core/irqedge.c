/* EFLAGS.IF edges for the irqsoff tracer (docs/tracing.md).  The places
 * that may change IF call if_check (core/cpu.h); with no hook that is a
 * load and a branch on paths that are rare anyway (CLI, STI, POPF, IRET,
 * deliveries, task switches), so a CPU that nobody traces pays nothing
 * on its hot paths.  Here the edge gets its exact instruction count. */
#include "core/cpu.h"

/* Instructions retired when `by` finishes.  Between instructions (by
 * NULL: a delivery, a reset, the main loop) icount is exact. */
static uint64_t retired(const E386Cpu *cpu, const E386Op *by)
{
    return op_in_block(cpu, by) ? icount_before(cpu, by) + 1 : cpu->icount;
}

void if_edge(E386Cpu *cpu, int cause, const E386Op *by)
{
    cpu->if_seen = cpu->eflags & F_IF;
    int on = cpu->if_seen != 0;
    if (cpu->if_step) {
        /* one-instruction blocks while IF is clear: the step hook sees
         * each; the current block ends at once (CLI, POPF and IRET leave
         * through the main loop when a log bit is set) */
        if (on)
            cpu->log_mask &= ~E386_LOG_STEP;
        else
            cpu->log_mask |= E386_LOG_STEP;
    }
    e386_if_edge e = { .on = on, .cause = cause, .insns = retired(cpu, by),
                       .eip = by ? by->eip : cpu->eip };
    cpu->if_hook(cpu->if_opaque, &e);
}

void e386_set_if_hook(E386Cpu *cpu, e386_if_fn fn, e386_step_fn step, void *opaque)
{
    cpu->if_hook = fn;
    cpu->step_hook = fn ? step : NULL;
    cpu->if_opaque = opaque;
    cpu->if_seen = cpu->eflags & F_IF;
    cpu->if_step = cpu->step_hook != NULL;
    /* armed inside a stretch: it is not measured, so not stepped either
     * (a Linux boot runs long with IF clear before its first STI) */
    cpu->log_mask &= ~E386_LOG_STEP;
}

int e386_if_state(const E386Cpu *cpu)
{
    return (cpu->eflags & F_IF) != 0;
}
