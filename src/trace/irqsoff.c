/* The irqsoff tracer's bookkeeping (irqsoff.h): edges in, stretches out. */
#include "trace/irqsoff.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void irqsoff_init(Irqsoff *t, E386Cpu *cpu, IrqsoffClock clock, void *clock_opaque)
{
    *t = (Irqsoff){ .cpu = cpu, .clock = clock, .clock_opaque = clock_opaque };
}

static void trace_clear(IrqsoffTrace *tr)
{
    tr->head = 0;
    tr->total = 0;
}

int irqsoff_start(Irqsoff *t, const IrqsoffConfig *cfg, char *err, size_t errlen)
{
    if (cfg->thresh_ns && !t->records &&
        !(t->records = calloc(IRQSOFF_MAX_RECORDS, sizeof *t->records))) {
        snprintf(err, errlen, "irqsoff: out of memory");
        return -1;
    }
    if (cfg->trace && !t->trace_cur.steps) {
        t->trace_cur.steps = calloc(IRQSOFF_TRACE_MAX, sizeof(IrqsoffStep));
        t->trace_max.steps = calloc(IRQSOFF_TRACE_MAX, sizeof(IrqsoffStep));
        if (!t->trace_cur.steps || !t->trace_max.steps) {
            free(t->trace_cur.steps);
            free(t->trace_max.steps);
            t->trace_cur.steps = t->trace_max.steps = NULL;
            snprintf(err, errlen, "irqsoff: out of memory");
            return -1;
        }
    }
    if (cfg->trace != t->cfg.trace) /* a maximum without its trace, or the reverse */
        irqsoff_reset(t);
    t->cfg = *cfg;
    t->open = false; /* a stretch already open when it starts is not measured */
    trace_clear(&t->trace_cur);
    t->on = true;
    e386_set_if_hook(t->cpu, irqsoff_on_edge, cfg->trace ? irqsoff_on_step : NULL, t);
    return 0;
}

void irqsoff_stop(Irqsoff *t)
{
    if (t->on)
        e386_set_if_hook(t->cpu, NULL, NULL, NULL);
    t->on = false;
    t->open = false;
}

void irqsoff_reset(Irqsoff *t)
{
    t->have_max = false;
    t->max = (IrqsoffStretch){ 0 };
    t->count = 0;
    t->nrecords = 0;
    t->dropped = 0;
    t->open = false;
    trace_clear(&t->trace_cur);
    trace_clear(&t->trace_max);
}

void irqsoff_free(Irqsoff *t)
{
    irqsoff_stop(t);
    free(t->records);
    free(t->trace_cur.steps);
    free(t->trace_max.steps);
    t->records = NULL;
    t->trace_cur.steps = t->trace_max.steps = NULL;
}

static void stretch_end(Irqsoff *t, const e386_if_edge *e)
{
    IrqsoffStretch *s = &t->cur;
    s->end_eip = e->eip;
    s->end_cause = (uint8_t)e->cause;
    s->insns = e->insns - s->start_insn;
    uint64_t now = t->clock(t->clock_opaque, e->insns);
    s->ns = now > s->start_ns ? now - s->start_ns : 0;
    t->count++;
    if (t->cfg.thresh_ns && s->ns >= t->cfg.thresh_ns) {
        if (t->nrecords < IRQSOFF_MAX_RECORDS)
            t->records[t->nrecords++] = *s;
        else
            t->dropped++;
    }
    /* the longest in instructions: exact and independent of the clock
     * mode; ties keep the first, as Linux's strict '>' does */
    if (!t->have_max || s->insns > t->max.insns) {
        t->have_max = true;
        t->max = *s;
        if (t->cfg.trace) { /* keep its trace: swap the rings */
            IrqsoffTrace tmp = t->trace_max;
            t->trace_max = t->trace_cur;
            t->trace_cur = tmp;
        }
    }
    trace_clear(&t->trace_cur);
}

void irqsoff_on_edge(void *opaque, const e386_if_edge *e)
{
    Irqsoff *t = opaque;
    /* a reset, or a state loaded from outside (migration), cuts the
     * stretch off: not a latency, and no start the guest made */
    if (e->cause == E386_IF_RESET || e->cause == E386_IF_OTHER) {
        t->open = false;
        trace_clear(&t->trace_cur);
        return;
    }
    if (!e->on) {
        t->open = true;
        t->cur = (IrqsoffStretch){ .start_insn = e->insns, .start_eip = e->eip,
                                   .start_cause = (uint8_t)e->cause,
                                   .start_ns = t->clock(t->clock_opaque, e->insns) };
        trace_clear(&t->trace_cur);
        return;
    }
    if (t->open) {
        t->open = false;
        stretch_end(t, e);
    }
}

void irqsoff_on_step(void *opaque, uint32_t eip, uint64_t insns)
{
    Irqsoff *t = opaque;
    IrqsoffTrace *tr = &t->trace_cur;
    if (!t->open || !tr->steps)
        return;
    tr->steps[tr->head] = (IrqsoffStep){ insns, eip };
    tr->head = (tr->head + 1) % IRQSOFF_TRACE_MAX;
    tr->total++;
}
