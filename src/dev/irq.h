/* An interrupt line between two devices: the board wires an output to an
 * input (the PIT's OUT0 to the PIC's IR0, the PIC's INT to the CPU) so
 * neither device knows the other. */
#ifndef E386_DEV_IRQ_H
#define E386_DEV_IRQ_H
#include <stdint.h>

typedef struct IrqLine {
    void (*set)(void *opaque, int n, int level);
    void *opaque;
    int n;
} IrqLine;

static inline void irq_set(const IrqLine *l, int level)
{
    if (l->set)
        l->set(l->opaque, l->n, level);
}

/* The machine's virtual clock as a device sees it. */
typedef struct DevClock {
    uint64_t (*now_ns)(void *opaque);
    void *opaque;
} DevClock;

static inline uint64_t dev_clock_ns(const DevClock *c) { return c->now_ns ? c->now_ns(c->opaque) : 0; }
#endif
