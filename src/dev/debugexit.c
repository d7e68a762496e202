/* Port 0xF4: the guest's exit status.  Only the low byte counts: a wider
 * OUT is split by the bus and its upper bytes land on 0xF5.. (unclaimed). */
#include "dev/debugexit.h"
#include <string.h>

static void debugexit_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    DebugExitState *s = opaque;
    if (s->request)
        s->request(s->opaque, (int)(value & 0xFF));
}

/* reads float, as the port has no register behind it */
static const IoRegionOps debugexit_ops = { NULL, debugexit_write, 1 };

static int debugexit_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    return iobus_claim(host->io, 0xF4, 1, &debugexit_ops, dev, "debug-exit", err, errlen);
}

static const DeviceClass debugexit_class = {
    .name = "debug-exit",
    .realize = debugexit_realize,
};

void debugexit_init(DebugExitState *s, const char *id, void (*request)(void *, int), void *opaque)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &debugexit_class, id);
    s->request = request;
    s->opaque = opaque;
}
