/* System control port B (0x61): the PIT counter 2 gate and OUT. */
#include "dev/portb.h"
#include <string.h>

static uint32_t portb_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    PortBState *s = opaque;
    uint64_t now = dev_clock_ns(&s->clock);
    uint32_t v = s->ctl;
    v |= (uint32_t)((now / PORTB_REFRESH_NS) & 1) << 4;
    v |= (uint32_t)pit_get_out(s->pit, 2) << 5;
    return v; /* bits 6-7 (IOCHK, parity error) never set: no such errors */
}

static void portb_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    PortBState *s = opaque;
    s->ctl = value & 0x0F;
    pit_set_gate(s->pit, 2, value & 1);
}

static const IoRegionOps portb_ops = { portb_read, portb_write, 1 };

static int portb_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    return iobus_claim(host->io, 0x61, 1, &portb_ops, dev, "port61", err, errlen);
}

static void portb_reset(Device *dev)
{
    PortBState *s = (PortBState *)dev;
    s->ctl = 0;
    pit_set_gate(s->pit, 2, false);
}

static int portb_post_load(Device *dev, char *err, size_t errlen)
{
    if (((PortBState *)dev)->ctl & 0xF0) {
        snprintf(err, errlen, "%s: invalid port 0x61 value", dev->id);
        return -1;
    }
    return 0;
}

static const StateField portb_fields[] = { STATE_U8(PortBState, ctl, 1) };
static const StateDesc portb_state = { "port61", 1, portb_fields, STATE_NFIELDS(portb_fields) };

static const DeviceClass portb_class = {
    .name = "port61",
    .realize = portb_realize,
    .reset = portb_reset,
    .state = &portb_state,
    .post_load = portb_post_load,
};

void portb_init(PortBState *s, const char *id, PitState *pit, DevClock clock)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &portb_class, id);
    s->pit = pit;
    s->clock = clock;
}
