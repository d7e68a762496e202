/* The Bochs debug console (port_e9_hack) on port 0xE9: every byte written
 * goes to the output stream at once; a read returns 0xE9, which is how
 * guests detect the port. */
#ifndef E386_DEV_DEBUGCON_H
#define E386_DEV_DEBUGCON_H
#include "dev/device.h"

typedef struct DebugconState {
    Device dev;
    FILE *out;
    uint16_t port;
} DebugconState;

void debugcon_init(DebugconState *s, const char *id, uint16_t port, FILE *out);
#endif
