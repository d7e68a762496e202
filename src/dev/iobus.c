/* Port I/O dispatch: a 64 K table from port to claimed range. */
#include "dev/iobus.h"
#include <string.h>

void iobus_init(IoBus *bus)
{
    memset(bus, 0, sizeof *bus);
}

int iobus_claim(IoBus *bus, uint32_t base, uint32_t len, const IoRegionOps *ops, void *opaque,
                const char *owner, char *err, size_t errlen)
{
    if (len == 0 || base > 0xFFFF || len > 0x10000 - base || !ops || !(ops->sizes & 1)) {
        snprintf(err, errlen, "%s: bad I/O range 0x%x+0x%x", owner, base, len);
        return -1;
    }
    for (uint32_t p = base; p < base + len; p++) {
        if (bus->map[p]) {
            snprintf(err, errlen, "%s: I/O port 0x%04x already belongs to %s", owner, p,
                     bus->region[bus->map[p] - 1].owner);
            return -1;
        }
    }
    int slot = 0;
    while (slot < IOBUS_MAX_REGIONS && bus->region[slot].ops)
        slot++;
    if (slot == IOBUS_MAX_REGIONS) {
        snprintf(err, errlen, "%s: no free I/O region slot", owner);
        return -1;
    }
    bus->region[slot] = (IoRegion){ (uint16_t)base, len, ops, opaque, owner };
    memset(bus->map + base, slot + 1, len);
    return 0;
}

void iobus_release(IoBus *bus, void *opaque)
{
    for (int i = 0; i < IOBUS_MAX_REGIONS; i++) {
        IoRegion *r = &bus->region[i];
        if (!r->ops || r->opaque != opaque)
            continue;
        memset(bus->map + r->base, 0, r->len);
        memset(r, 0, sizeof *r);
    }
}

/* The region that takes the whole access at port, or NULL if it must be
 * split (or nobody is there). */
static const IoRegion *whole(const IoBus *bus, uint16_t port, int size)
{
    uint8_t idx = bus->map[port];
    if (!idx)
        return NULL;
    const IoRegion *r = &bus->region[idx - 1];
    if (!(r->ops->sizes & size) || (uint32_t)(port - r->base) + (uint32_t)size > r->len)
        return NULL;
    return r;
}

static int valid_size(int size) { return size == 1 || size == 2 || size == 4; }

uint32_t iobus_read(IoBus *bus, uint16_t port, int size)
{
    if (!valid_size(size))
        return 0xFFFFFFFFu;
    const IoRegion *r = whole(bus, port, size);
    if (r) {
        uint32_t v = r->ops->read ? r->ops->read(r->opaque, port - r->base, size) : 0xFFFFFFFFu;
        return size == 4 ? v : v & ((1u << (8 * size)) - 1);
    }
    if (size == 1) {
        if (bus->log_unimp && bus->log)
            fprintf(bus->log, "unimp: in 0x%04x\n", port);
        return 0xFF;
    }
    uint32_t v = 0; /* little-endian assembly of byte cycles, any host */
    for (int i = 0; i < size; i++)
        v |= iobus_read(bus, (uint16_t)(port + i), 1) << (8 * i);
    return v;
}

void iobus_write(IoBus *bus, uint16_t port, int size, uint32_t value)
{
    if (!valid_size(size))
        return;
    const IoRegion *r = whole(bus, port, size);
    if (r) {
        if (r->ops->write)
            r->ops->write(r->opaque, port - r->base, size,
                          size == 4 ? value : value & ((1u << (8 * size)) - 1));
        return;
    }
    if (size == 1) {
        if (bus->log_unimp && bus->log)
            fprintf(bus->log, "unimp: out 0x%04x <- 0x%02x\n", port, value & 0xFF);
        return;
    }
    for (int i = 0; i < size; i++)
        iobus_write(bus, (uint16_t)(port + i), 1, (value >> (8 * i)) & 0xFF);
}
