/* The irqsoff latency tracer (docs/tracing.md), after Linux's
 * kernel/trace/trace_irqsoff.c: every stretch the guest runs with
 * EFLAGS.IF clear, from the edge that cleared it (CLI, POPF, an interrupt
 * or trap gate, a task switch) to the one that set it again (STI, POPF,
 * IRET, a task switch), measured in guest instructions (exact, from the
 * CPU's IF-edge hook) and in virtual time (the machine's clock, exact
 * under -icount).  It keeps the maximum with its start and end EIPs, in
 * threshold mode also every stretch at or over the threshold, and with
 * trace on the instructions of the current stretch, kept for the
 * maximum.  As Linux's, a stretch already open when tracing starts is
 * not measured (its start is unknown); nor is one a reset cuts off.
 *
 * The tracer owns no global state: one Irqsoff per CPU, set up by
 * whoever owns the machine (src/system/trace_mon.c). */
#ifndef E386_TRACE_IRQSOFF_H
#define E386_TRACE_IRQSOFF_H
#include <stdbool.h>
#include <stdint.h>
#include "e386.h"

enum {
    IRQSOFF_MAX_RECORDS = 4096, /* threshold mode: later ones are counted, not kept */
    IRQSOFF_TRACE_MAX = 1 << 16, /* instructions kept of one stretch (the last ones) */
};

typedef struct IrqsoffStretch {
    uint64_t insns;       /* instructions that began with IF clear */
    uint64_t ns;          /* virtual time from the first edge to the second */
    uint64_t start_insn;  /* the instruction count at the start edge */
    uint64_t start_ns;    /* virtual time then */
    uint32_t start_eip, end_eip;
    uint8_t start_cause, end_cause; /* E386_IF_* */
} IrqsoffStretch;

typedef struct IrqsoffStep {
    uint64_t insn; /* instructions retired before it */
    uint32_t eip;
} IrqsoffStep;

/* The trace of one stretch: a ring of its last IRQSOFF_TRACE_MAX steps. */
typedef struct IrqsoffTrace {
    IrqsoffStep *steps;
    uint32_t head;  /* next slot */
    uint64_t total; /* steps seen (more than kept when it wrapped) */
} IrqsoffTrace;

/* virtual ns at an instruction count */
typedef uint64_t (*IrqsoffClock)(void *opaque, uint64_t insns);

typedef struct IrqsoffConfig {
    uint64_t thresh_ns; /* 0: keep the maximum only; else record every stretch >= it */
    bool trace;         /* keep the instructions of the maximum stretch */
} IrqsoffConfig;

typedef struct Irqsoff {
    E386Cpu *cpu;
    IrqsoffClock clock;
    void *clock_opaque;
    IrqsoffConfig cfg;
    bool on;              /* the CPU's hook is set */
    bool open;            /* inside a measured stretch */
    IrqsoffStretch cur;
    uint64_t count;       /* stretches measured since the last reset */
    bool have_max;
    IrqsoffStretch max;
    IrqsoffStretch *records; /* threshold mode, IRQSOFF_MAX_RECORDS */
    uint32_t nrecords;
    uint64_t dropped;        /* over the threshold but not kept */
    IrqsoffTrace trace_cur, trace_max;
} Irqsoff;

void irqsoff_init(Irqsoff *t, E386Cpu *cpu, IrqsoffClock clock, void *clock_opaque);
/* Arm the tracer with cfg (re-arming keeps what was measured unless the
 * configuration changes the kind of record); 0, or -1 with a message. */
int irqsoff_start(Irqsoff *t, const IrqsoffConfig *cfg, char *err, size_t errlen);
/* Disarm: nothing is measured until the next start; the results stay. */
void irqsoff_stop(Irqsoff *t);
/* Forget the maximum, the records and any open stretch (as writing 0 to
 * tracing_max_latency); armed or not stays as it was. */
void irqsoff_reset(Irqsoff *t);
void irqsoff_free(Irqsoff *t);
/* The CPU's hooks (exposed for the unit tests). */
void irqsoff_on_edge(void *opaque, const e386_if_edge *e);
void irqsoff_on_step(void *opaque, uint32_t eip, uint64_t insns);
#endif
