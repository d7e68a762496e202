/* The 8254 programmable interval timer of a PC: three counters clocked at
 * 1.193182 MHz on ports 0x40-0x43.  Counter 0's OUT drives IRQ 0, counter
 * 2's gate and OUT are wired to port 0x61 (dev/portb.c), counter 1 (DRAM
 * refresh on old PCs) is connected to nothing.
 *
 * Time is the machine's virtual clock in ns.  The counters are not
 * stepped: each counter's value and OUT are computed from the tick at which
 * it started counting, so reading the PIT costs the same at any rate. */
#ifndef E386_DEV_PIT_H
#define E386_DEV_PIT_H
#include <stdbool.h>
#include <stdint.h>
#include "dev/device.h"

#define PIT_HZ 1193182u
/* IRQ 0 is raised at most once per PIT_MIN_IRQ_NS of virtual time (50 kHz):
 * faster rates are coalesced (docs/system.md, "Time"). */
#define PIT_MIN_IRQ_NS 20000u
#define PIT_NO_DEADLINE UINT64_MAX

enum { PIT_IDLE, PIT_WAIT_TRIGGER, PIT_RUNNING };

typedef struct PitChannel {
    uint32_t cr;          /* the count register as last written, in binary (1..65536) */
    uint32_t n;           /* the count the counting element runs with */
    uint64_t start;       /* the tick at which the counting element holds n */
    uint64_t paused_d;    /* modes 0/4: ticks counted when the gate went low */
    uint64_t switch_tick; /* modes 2/3: the period end where cr takes over */
    uint16_t latch;       /* the latched count, as the guest reads it (BCD or binary) */
    uint8_t mode, rw, state;
    uint8_t read_msb, write_msb; /* rw 3: the next byte is the MSB */
    uint8_t write_lsb;
    uint8_t latch_next;   /* 0 nothing latched, 1 LSB next, 2 MSB next */
    uint8_t status;
    bool bcd, gate, paused, switch_pending, cr_waiting, status_latched;
} PitChannel;

typedef struct PitState {
    Device dev;
    PitChannel ch[3];
    uint64_t irq_tick;      /* counter 0 edges are accounted up to this tick */
    uint64_t irq_last_ns;   /* when IRQ 0 last rose */
    uint64_t irq_delivered; /* rising edges given to the PIC */
    uint64_t irq_coalesced; /* edges merged into another by the rate limit or a long slice */
    bool irq_level;         /* the IRQ 0 line as driven */
    bool irq_pending;       /* an edge waits for the rate limit */
    IrqLine irq0;
    DevClock clock;
} PitState;

/* init cannot fail: OUT0 to irq0; the clock is read on every port access. */
void pit_init(PitState *s, const char *id, IrqLine irq0, DevClock clock);
/* Bring counter 0's IRQ line up to now_ns (the machine calls it before each
 * slice and when it wakes from HLT). */
void pit_advance(PitState *s, uint64_t now_ns);
/* When IRQ 0 next rises (rate limit included), or PIT_NO_DEADLINE. */
uint64_t pit_next_deadline(const PitState *s, uint64_t now_ns);
/* Gate input of counter ch (only counter 2's is not tied high on a PC). */
void pit_set_gate(PitState *s, int ch, bool level);
bool pit_get_out(PitState *s, int ch);

/* Exposed for the unit tests: ns <-> PIT ticks (floor / ceiling). */
uint64_t pit_tick_of_ns(uint64_t ns);
uint64_t pit_ns_of_tick(uint64_t tick);
#endif
