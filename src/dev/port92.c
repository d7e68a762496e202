/* System control port A (0x92), as in the IBM PS/2 technical reference
 * and the PIIX/ICH datasheets: bit 0 is the alternate (fast) CPU reset,
 * taken on its 0-to-1 transition; bit 1 the alternate A20 gate. */
#include "dev/port92.h"
#include <string.h>

static uint32_t port92_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    return ((Port92State *)opaque)->value;
}

static void port92_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    Port92State *s = opaque;
    uint8_t old = s->value;
    s->value = (uint8_t)value;
    if ((value & 1) && !(old & 1) && s->reset_request)
        s->reset_request(s->reset_opaque);
}

bool port92_a20(const Port92State *s) { return (s->value & 2) != 0; }

static const IoRegionOps port92_ops = { port92_read, port92_write, 1 };

static int port92_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    return iobus_claim(host->io, 0x92, 1, &port92_ops, dev, "port92", err, errlen);
}

static void port92_reset(Device *dev) { ((Port92State *)dev)->value = 0; }

static const StateField port92_fields[] = { STATE_U8(Port92State, value, 1) };
static const StateDesc port92_state = { "port92", 1, port92_fields, STATE_NFIELDS(port92_fields) };

static const DeviceClass port92_class = {
    .name = "port92",
    .realize = port92_realize,
    .reset = port92_reset,
    .state = &port92_state,
};

void port92_init(Port92State *s, const char *id, void (*reset_request)(void *), void *opaque)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &port92_class, id);
    s->reset_request = reset_request;
    s->reset_opaque = opaque;
}
