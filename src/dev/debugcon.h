/* The Bochs debug console (port_e9_hack) on port 0xE9: every byte written
 * goes to the output stream at once; a read returns 0xE9, which is how
 * guests detect the port.  A stream that is not a regular file (a pipe, a
 * terminal) takes a byte only when it has room now: the rest is dropped
 * and counted, so a guest cannot wedge the emulator on a reader that
 * stopped reading. */
#ifndef E386_DEV_DEBUGCON_H
#define E386_DEV_DEBUGCON_H
#include "dev/device.h"

typedef struct DebugconState {
    Device dev;
    FILE *out;
    uint16_t port;
    bool may_block;   /* out is a pipe, FIFO, socket or terminal: poll first */
    uint64_t dropped; /* bytes the stream had no room for */
} DebugconState;

void debugcon_init(DebugconState *s, const char *id, uint16_t port, FILE *out);
#endif
