/* Port 0x92, the PS/2 "system control port A": bit 1 gates A20 ("fast
 * A20"), a rising edge of bit 0 resets the CPU.  The other bits are kept
 * as written.  emu386-system keeps A20 enabled whatever the guest writes;
 * the port reports what it wrote (docs/system.md). */
#ifndef E386_DEV_PORT92_H
#define E386_DEV_PORT92_H
#include <stdbool.h>
#include "dev/device.h"

typedef struct Port92State {
    Device dev;
    uint8_t value; /* as last written */
    void (*reset_request)(void *opaque);
    void *reset_opaque;
} Port92State;

void port92_init(Port92State *s, const char *id, void (*reset_request)(void *), void *opaque);
bool port92_a20(const Port92State *s);
#endif
