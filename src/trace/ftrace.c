/* ftrace latency-trace output (ftrace.h). */
#include "trace/ftrace.h"
#include <inttypes.h>
#include <stdlib.h>

const char *ftrace_if_cause(int cause, int on)
{
    switch (cause) {
    case E386_IF_CLI_STI: return on ? "sti" : "cli";
    case E386_IF_POPF: return "popf";
    case E386_IF_IRET: return "iret";
    case E386_IF_GATE: return "gate";
    case E386_IF_TASK: return "task";
    case E386_IF_RESET: return "reset";
    default: return "other";
    }
}

/* ftrace's delay marks, from the time to the next entry */
static char mark(uint64_t delta_ns)
{
    uint64_t us = delta_ns / 1000;
    return us > 1000000 ? '$' : us > 100000 ? '@' : us > 10000 ? '*' : us > 1000 ? '#'
         : us > 100 ? '!' : us > 10 ? '+' : ' ';
}

/* One trace line: fn entered (or the hardirqs_off/on marker) at ns from
 * the start, called from caller's function. */
typedef struct Entry {
    uint64_t ns;
    uint32_t fn_eip, caller_eip;
    const char *marker; /* trace_hardirqs_off/_on, or NULL: fn_eip's function */
} Entry;

static void put(FILE *f, const SymMap *map, const Entry *e, uint64_t next_ns)
{
    char fn[192], caller[192];
    fprintf(f, " guest-0       0d...  %4" PRIu64 "us%c: %s <-%s\n", e->ns / 1000,
            mark(next_ns > e->ns ? next_ns - e->ns : 0),
            e->marker ? e->marker : symmap_format(map, e->fn_eip, 0, fn, sizeof fn),
            symmap_format(map, e->caller_eip, 0, caller, sizeof caller));
}

/* Is b in the same function as a?  Without a symbol, the same address. */
static int same_fn(const SymMap *map, uint32_t a, uint32_t b)
{
    uint32_t o, s;
    const char *na = symmap_lookup(map, a, &o, &s), *nb = symmap_lookup(map, b, &o, &s);
    return na ? na == nb : a == b;
}

/* When a step ran, from the start: the stretch's time shared out by
 * instructions.  Under -icount that is exact (time is the count; only a
 * HLT with IF clear, waiting for an NMI, would skip time inside); with
 * host time it spares a clock read per traced instruction. */
static uint64_t step_ns(const IrqsoffStretch *m, uint64_t insn)
{
    uint64_t d = insn > m->start_insn ? insn - m->start_insn : 0;
    if (!m->insns || d >= m->insns)
        return m->ns;
    if (m->ns % m->insns == 0) /* -icount: a whole number of ns per instruction, exactly */
        return d * (m->ns / m->insns);
    return (uint64_t)((double)d * (double)m->ns / (double)m->insns);
}

/* The entries of the maximum: off, each change of function in the
 * instruction trace (the last IRQSOFF_TRACE_MAX instructions), on.
 * NULL when out of memory (the caller prints the two markers only). */
static Entry *entries(const Irqsoff *t, const SymMap *map, size_t *n)
{
    const IrqsoffStretch *m = &t->max;
    const IrqsoffTrace *tr = &t->trace_max;
    uint64_t kept = tr->steps ? (tr->total < IRQSOFF_TRACE_MAX ? tr->total : IRQSOFF_TRACE_MAX) : 0;
    Entry *e = malloc((size_t)(kept + 2) * sizeof *e);
    if (!e)
        return NULL;
    size_t k = 0;
    e[k++] = (Entry){ 0, m->start_eip, m->start_eip, "trace_hardirqs_off" };
    uint32_t first = tr->total < IRQSOFF_TRACE_MAX ? 0 : tr->head, cur = m->start_eip;
    for (uint64_t i = 0; i < kept; i++) {
        const IrqsoffStep *s = &tr->steps[(first + i) % IRQSOFF_TRACE_MAX];
        if (same_fn(map, cur, s->eip))
            continue;
        e[k++] = (Entry){ step_ns(m, s->insn), s->eip, cur, NULL };
        cur = s->eip;
    }
    e[k++] = (Entry){ m->ns, m->end_eip, m->end_eip, "trace_hardirqs_on" };
    *n = k;
    return e;
}

void ftrace_irqsoff_report(const Irqsoff *t, const SymMap *map, const char *release, FILE *f)
{
    const IrqsoffStretch *m = &t->max;
    size_t n = 0;
    Entry *e = t->have_max ? entries(t, map, &n) : NULL;
    Entry two[2];
    if (t->have_max && !e) { /* out of memory: the markers still tell the story */
        two[0] = (Entry){ 0, m->start_eip, m->start_eip, "trace_hardirqs_off" };
        two[1] = (Entry){ m->ns, m->end_eip, m->end_eip, "trace_hardirqs_on" };
        n = 2;
    }
    const Entry *ev = e ? e : two;
    char a[192], b[192];
    fprintf(f, "# tracer: irqsoff\n#\n");
    fprintf(f, "# irqsoff latency trace v1.1.5 on %s\n", release);
    fprintf(f, "# --------------------------------------------------------------------\n");
    fprintf(f, "# latency: %" PRIu64 " us, #%zu/%zu, CPU#0 | (M:server VP:0, KP:0, SP:0 HP:0 #P:1)\n",
            t->have_max ? m->ns / 1000 : 0, n, n);
    fprintf(f, "#    -----------------\n");
    fprintf(f, "#    | task: guest-0 (uid:0 nice:0 policy:0 rt_prio:0)\n");
    fprintf(f, "#    -----------------\n");
    if (t->have_max) {
        fprintf(f, "#  => started at: %s\n", symmap_format(map, m->start_eip, 1, a, sizeof a));
        fprintf(f, "#  => ended at:   %s\n", symmap_format(map, m->end_eip, 1, b, sizeof b));
        /* what ftrace has no field for, as a comment its readers skip */
        fprintf(f, "#  => emu386: %" PRIu64 " instructions, %" PRIu64 " ns, %s at eip 0x%08x (insn %" PRIu64
                   ") .. %s at eip 0x%08x; %" PRIu64 " stretches measured\n",
                m->insns, m->ns, ftrace_if_cause(m->start_cause, 0), (unsigned)m->start_eip, m->start_insn,
                ftrace_if_cause(m->end_cause, 1), (unsigned)m->end_eip, t->count);
        if (t->trace_max.total > IRQSOFF_TRACE_MAX)
            fprintf(f, "#  => emu386: the trace keeps the last %d of %" PRIu64 " instructions\n",
                    IRQSOFF_TRACE_MAX, t->trace_max.total);
    }
    fprintf(f, "#\n#\n");
    fprintf(f, "#                  _------=> CPU#            \n");
    fprintf(f, "#                 / _-----=> irqs-off        \n");
    fprintf(f, "#                | / _----=> need-resched    \n");
    fprintf(f, "#                || / _---=> hardirq/softirq \n");
    fprintf(f, "#                ||| / _--=> preempt-depth   \n");
    fprintf(f, "#                |||| /     delay            \n");
    fprintf(f, "#  cmd     pid   ||||| time  |   caller      \n");
    fprintf(f, "#     \\   /      |||||  \\    |   /           \n");
    for (size_t i = 0; t->have_max && i < n; i++)
        put(f, map, &ev[i], i + 1 < n ? ev[i + 1].ns : ev[i].ns);
    free(e);
    if (t->cfg.thresh_ns) {
        fprintf(f, "#\n# tracing_thresh: %" PRIu64 " ns, %u stretches at or over it",
                t->cfg.thresh_ns, t->nrecords);
        if (t->dropped)
            fprintf(f, " (and %" PRIu64 " more not kept)", t->dropped);
        fprintf(f, "\n");
        for (uint32_t i = 0; i < t->nrecords; i++) {
            const IrqsoffStretch *r = &t->records[i];
            fprintf(f, "#  latency: %" PRIu64 " us (%" PRIu64 " ns, %" PRIu64 " instructions) started at: %s"
                       " ended at: %s\n",
                    r->ns / 1000, r->ns, r->insns, symmap_format(map, r->start_eip, 1, a, sizeof a),
                    symmap_format(map, r->end_eip, 1, b, sizeof b));
        }
    }
}
