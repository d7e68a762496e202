/* Port 0x61, the PC's system control port B: counter 2's gate (bit 0) and
 * OUT (bit 5), the speaker enable (bit 1, stored until issue 10's
 * speaker), parity/IOCHK enables (bits 2-3, stored) and the refresh
 * toggle (bit 4) that BIOSes count for short delays. */
#ifndef E386_DEV_PORTB_H
#define E386_DEV_PORTB_H
#include "dev/device.h"
#include "dev/pit.h"

/* Bit 4 flips every 15.085 us, the PC/AT's DRAM refresh period. */
#define PORTB_REFRESH_NS 15085u

typedef struct PortBState {
    Device dev;
    uint8_t ctl; /* the writable bits 0-3 */
    PitState *pit;
    DevClock clock;
} PortBState;

void portb_init(PortBState *s, const char *id, PitState *pit, DevClock clock);
#endif
