/* The irqsoff tracer's report in the format of ftrace's latency trace
 * (Documentation/trace/ftrace.rst, "irqsoff"): the "# tracer: irqsoff"
 * header with the latency, the "started at" and "ended at" lines, and
 * the trace -- trace_hardirqs_off, one line each time the instruction
 * trace enters another function (with trace on), trace_hardirqs_on --
 * so the scripts that read /sys/kernel/tracing/trace read it too. */
#ifndef E386_TRACE_FTRACE_H
#define E386_TRACE_FTRACE_H
#include <stdio.h>
#include "trace/irqsoff.h"
#include "trace/symmap.h"

/* The maximum stretch of t (and, in threshold mode, the records as
 * comment lines after it), symbolised with map (may be NULL); release
 * names the guest in the header.  Nothing measured: the header with a
 * zero latency and no trace, as Linux prints then. */
void ftrace_irqsoff_report(const Irqsoff *t, const SymMap *map, const char *release, FILE *f);
/* An E386_IF_* cause as a word: cli, sti, popf, iret, gate, task, ... */
const char *ftrace_if_cause(int cause, int on);
#endif
