/* The irqsoff tracer on the machine (docs/tracing.md): its clock, the
 * -trace-irqsoff option, the monitor's commands, the report at exit. */
#ifndef E386_SYSTEM_TRACE_MON_H
#define E386_SYSTEM_TRACE_MON_H
#include <stddef.h>

struct Machine;
typedef struct TraceMon TraceMon;

/* Set up the tracer for m and register its commands on m's monitor;
 * spec is -trace-irqsoff's value (NULL: not armed until the monitor's
 * trace-irqsoff-start).  -1 with a message. */
int trace_mon_attach(struct Machine *m, const char *spec, char *err, size_t errlen);
/* Write the report (-trace-irqsoff's file, if the option was given) and
 * free it all. */
void trace_mon_detach(struct Machine *m);
#endif
