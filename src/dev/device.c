/* The device lifecycle around the class callbacks. */
#include "dev/device.h"

void device_init(Device *dev, const DeviceClass *cls, const char *id)
{
    dev->cls = cls;
    dev->id = id ? id : cls->name;
    dev->host = NULL;
    dev->realized = false;
}

int device_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    if (dev->realized) {
        snprintf(err, errlen, "%s: already realized", dev->id);
        return -1;
    }
    dev->host = host;
    if (dev->cls->realize && dev->cls->realize(dev, host, err, errlen) < 0) {
        dev->host = NULL;
        return -1;
    }
    dev->realized = true;
    device_reset(dev);
    return 0;
}

void device_reset(Device *dev)
{
    if (dev->cls->reset)
        dev->cls->reset(dev);
}

void device_unrealize(Device *dev)
{
    if (!dev->realized)
        return;
    if (dev->cls->unrealize)
        dev->cls->unrealize(dev, dev->host);
    else if (dev->host && dev->host->io)
        iobus_release(dev->host->io, dev); /* the common case: ports only */
    dev->realized = false;
    dev->host = NULL;
}

void device_dump_state(const Device *dev, FILE *out)
{
    if (dev->cls->state)
        state_dump(out, dev->id, dev->cls->state, dev);
}
