/* The 8042 keyboard controller of a PC/AT with PS/2 ports: data port 0x60,
 * status/command port 0x64, the keyboard on IRQ 1 and the auxiliary (mouse)
 * port on IRQ 12.
 *
 * The controller answers its commands (self-test, interface tests, the
 * command byte and the rest of its RAM, the output port with A20 and the
 * CPU reset line, pulses through 0xF0-0xFF).  The keyboard port has a
 * keyboard that answers the host's probes (reset, identify, LEDs, scan
 * code set, typematic, enable/disable, echo) but never sends keystrokes:
 * there is no host keyboard behind it.  The auxiliary port has nothing
 * plugged in, as a PC without a mouse: bytes sent to it come back as a
 * timeout (0xFE with the status timeout bit).
 *
 * A20: emu386-system keeps the A20 line enabled whatever the guest asks;
 * the output port reports what the guest wrote (docs/system.md). */
#ifndef E386_DEV_I8042_H
#define E386_DEV_I8042_H
#include <stdbool.h>
#include <stdint.h>
#include "dev/device.h"

enum { I8042_QUEUE = 16 };

typedef struct I8042State {
    Device dev;
    uint8_t ram[32];          /* the controller's RAM; ram[0] is the command byte */
    uint8_t status;           /* bits 2 (SYS) and 3 (last write was a command) */
    uint8_t outport;          /* bit 0 reset (1 = run), bit 1 A20 */
    uint8_t pending_cmd;      /* a controller command waiting for its data byte, or 0 */
    uint8_t kbd_cmd;          /* a keyboard command waiting for its argument, or 0 */
    uint8_t scan_set;         /* the keyboard's scan code set, 1-3 */
    uint8_t leds;
    uint8_t typematic;
    bool kbd_scanning;        /* the keyboard is enabled (F4) */
    /* bytes on their way to the output buffer, oldest first; each has its
     * source (bit 0: aux, bit 1: timeout) */
    uint8_t q_data[I8042_QUEUE];
    uint8_t q_flags[I8042_QUEUE];
    uint8_t q_head, q_count;
    uint8_t out_data;         /* the output buffer */
    uint8_t out_flags;
    bool obf;                 /* the output buffer is full */
    bool irq1_level, irq12_level;
    IrqLine irq1, irq12;
    void (*reset_request)(void *opaque); /* the CPU reset line was pulsed */
    void *reset_opaque;
} I8042State;

/* init cannot fail: IRQ 1, IRQ 12 and the machine's reset request. */
void i8042_init(I8042State *s, const char *id, IrqLine irq1, IrqLine irq12,
                void (*reset_request)(void *), void *opaque);
/* The A20 gate as the guest last set it in the output port. */
bool i8042_a20(const I8042State *s);
#endif
