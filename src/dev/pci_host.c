/* The i440FX host bridge with configuration mechanism #1, and the PIIX3
 * PCI-to-ISA bridge's PIRQ routing (see pci_host.h).
 *
 * Mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2): CONFADD is a
 * 32-bit register at 0xCF8 reached only by doubleword accesses; byte and
 * word accesses to 0xCF8-0xCFB pass to the ISA bus (0xCF9 is the PIIX3's
 * reset control register), which is how Linux's probe tells mechanism #1
 * from #2.  CONFDATA at 0xCFC-0xCFF takes any size at any offset: the
 * register is CONFADD's bits 7:2 plus the port's low two bits.  With the
 * enable bit clear, on a bus no bridge forwards to (pci_find_function) or
 * at an empty device/function, data reads float to all ones and writes
 * vanish. */
#include "dev/pci_host.h"
#include <string.h>

enum { CONFADD_MASK = 0x80FFFFFCu }; /* bits 30:24 and 1:0 are reserved, read 0 */

static PciDevice *target(PciHostState *h, uint32_t *reg)
{
    uint32_t a = h->config_address;
    if (!(a & 0x80000000u))
        return NULL;
    *reg = a & 0xFC;
    /* bus 0 here; other buses through the bridges' bus numbers (type 1) */
    return pci_find_function(&h->bus, (int)((a >> 16) & 0xFF), (int)((a >> 8) & 0xFF));
}

static uint32_t host_io_read(void *opaque, uint32_t off, int size)
{
    PciHostState *h = opaque;
    if (off < 4) {
        if (off == 0 && size == 4)
            return h->config_address;
        if (off == 1 && size == 1)
            return h->rc;
        return 0xFFFFFFFFu;
    }
    uint32_t reg;
    PciDevice *d = target(h, &reg);
    if (!d)
        return 0xFFFFFFFFu;
    return pci_config_read(d, reg + (off - 4), size);
}

static void host_io_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    PciHostState *h = opaque;
    if (off < 4) {
        if (off == 0 && size == 4) {
            h->config_address = v & CONFADD_MASK;
        } else if (off == 1 && size == 1) {
            /* RCPU (bit 2) going to 1 resets; SRST (bit 1) and bit 3 read back */
            bool pulse = (v & 4) && !(h->rc & 4);
            h->rc = (uint8_t)(v & 0x0A);
            if (pulse && h->reset_request)
                h->reset_request(h->reset_opaque);
        }
        return;
    }
    uint32_t reg;
    PciDevice *d = target(h, &reg);
    if (d)
        pci_config_write(d, reg + (off - 4), size, v);
}

static const IoRegionOps host_io_ops = { host_io_read, host_io_write, 7 };

static int host_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    PciHostState *h = (PciHostState *)dev;
    if (iobus_claim(host->io, 0xCF8, 8, &host_io_ops, h, dev->id, err, errlen) < 0)
        return -1;
    h->bus.log = (host->log_mask & DEV_LOG_UNIMP) ? host->log : NULL;
    if (pci_register(&h->bus, &h->pdev, 0, err, errlen) < 0) {
        iobus_release(host->io, h);
        return -1;
    }
    return 0;
}

static void host_unrealize(Device *dev, DeviceHost *host)
{
    PciHostState *h = (PciHostState *)dev;
    pci_unregister(&h->pdev);
    iobus_release(host->io, h);
}

static void host_reset(Device *dev)
{
    PciHostState *h = (PciHostState *)dev;
    h->config_address = 0;
    h->rc = 0;
    pci_device_reset(&h->pdev);
}

static int pci_post_load(Device *dev, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    pci_update_mappings((PciDevice *)dev);
    return 0;
}

static const StateField host_fields[] = {
    STATE_U32(PciHostState, config_address, 1),
    STATE_U8(PciHostState, rc, 1),
    STATE_BYTES(PciHostState, pdev.config, 256, 1),
};
static const StateDesc host_state = { "i440fx", 1, host_fields, STATE_NFIELDS(host_fields) };

static const DeviceClass host_class = {
    .name = "i440fx",
    .realize = host_realize,
    .reset = host_reset,
    .unrealize = host_unrealize,
    .state = &host_state,
    .post_load = pci_post_load,
};

void pci_host_init(PciHostState *h, const char *id, IoBus *io, E386Cpu *cpu, GuestAlloc *ga,
                   IrqLine pic, uint32_t mem_lo, uint32_t mem_hi, void (*reset_request)(void *),
                   void *opaque)
{
    memset(h, 0, sizeof *h);
    device_init(&h->pdev.dev, &host_class, id);
    pci_bus_init(&h->bus, io, cpu, ga, pic, mem_lo, mem_hi);
    pci_config_init(&h->pdev, 0x8086, 0x1237, 0x06000002, 0x00, 0);
    h->reset_request = reset_request;
    h->reset_opaque = opaque;
}

/* ---- PIIX3 function 0 ---- */

enum { PIIX_PIRQRC = 0x60 };

static uint8_t piix3_route(void *opaque, int link)
{
    const Piix3State *s = opaque;
    uint8_t v = s->pdev.config[PIIX_PIRQRC + (link & 3)];
    return (v & 0x80) ? 0xFF : (uint8_t)(v & 0x0F);
}

static void piix3_config_written(PciDevice *d, uint32_t addr, int len)
{
    if (addr < PIIX_PIRQRC + 4 && addr + (uint32_t)len > PIIX_PIRQRC && d->bus)
        pci_bus_update_irqs(d->bus);
}

static int piix3_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    (void)host;
    Piix3State *s = (Piix3State *)dev;
    PciBus *bus = s->pdev.bus;
    s->pdev.bus = NULL;
    if (pci_register(bus, &s->pdev, 1 << 3, err, errlen) < 0) {
        s->pdev.bus = bus;
        return -1;
    }
    bus->route = piix3_route;
    bus->route_opaque = s;
    return 0;
}

static void piix3_unrealize(Device *dev, DeviceHost *host)
{
    (void)host;
    Piix3State *s = (Piix3State *)dev;
    PciBus *bus = s->pdev.bus;
    if (bus && bus->route_opaque == s) {
        bus->route = NULL;
        bus->route_opaque = NULL;
        pci_bus_update_irqs(bus);
    }
    pci_unregister(&s->pdev);
    s->pdev.bus = bus; /* kept for a later realize */
}

static void piix3_reset(Device *dev)
{
    Piix3State *s = (Piix3State *)dev;
    pci_device_reset(&s->pdev);
    memset(s->pdev.config + PIIX_PIRQRC, 0x80, 4); /* routing disabled */
    if (s->pdev.bus)
        pci_bus_update_irqs(s->pdev.bus);
}

static int piix3_post_load(Device *dev, char *err, size_t errlen)
{
    Piix3State *s = (Piix3State *)dev;
    (void)err, (void)errlen;
    if (s->pdev.bus)
        pci_bus_update_irqs(s->pdev.bus);
    return 0;
}

static const StateField piix3_fields[] = {
    STATE_BYTES(Piix3State, pdev.config, 256, 1),
};
static const StateDesc piix3_state = { "piix3", 1, piix3_fields, STATE_NFIELDS(piix3_fields) };

static const DeviceClass piix3_class = {
    .name = "piix3",
    .realize = piix3_realize,
    .reset = piix3_reset,
    .unrealize = piix3_unrealize,
    .state = &piix3_state,
    .post_load = piix3_post_load,
};

void piix3_init(Piix3State *s, const char *id, PciBus *bus)
{
    memset(s, 0, sizeof *s);
    device_init(&s->pdev.dev, &piix3_class, id);
    pci_config_init(&s->pdev, 0x8086, 0x7000, 0x06010000, 0x80, 0);
    for (int i = 0; i < 4; i++)
        s->pdev.wmask[PIIX_PIRQRC + i] = 0x8F;
    s->pdev.config_written = piix3_config_written;
    s->pdev.bus = bus; /* where realize registers it */
}

void pci_firmware_setup(PciBus *bus, const uint8_t irq[4])
{
    PciDevice *router = bus->route_opaque;
    if (router)
        for (int link = 0; link < 4; link++)
            pci_config_write(router, PIIX_PIRQRC + (uint32_t)link, 1, irq[link]);
    for (int f = 0; f < PCI_NDEVFN; f++)
        if (bus->dev[f] && f >= 2 << 3)
            pci_assign_device(bus->dev[f]);
}
