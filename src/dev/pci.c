/* PCI devices: configuration space, BAR decoding, the expansion ROM and
 * INTx (see pci.h).  Configuration registers follow the PCI Local Bus
 * Specification 3.0, chapter 6. */
#include "dev/pci.h"
#include <stdlib.h>
#include <string.h>

void pci_bus_init(PciBus *bus, IoBus *io, E386Cpu *cpu, GuestAlloc *ga, IrqLine pic,
                  uint32_t mem_lo, uint32_t mem_hi)
{
    memset(bus, 0, sizeof *bus);
    bus->io = io;
    bus->cpu = cpu;
    bus->ga = ga;
    bus->pic = pic;
    bus->mem_lo = mem_lo;
    bus->mem_hi = mem_hi;
}

/* ---- identity and masks ---- */

void pci_config_init(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_rev,
                     uint8_t header, uint8_t pin)
{
    memset(d->config, 0, sizeof d->config);
    memset(d->wmask, 0, sizeof d->wmask);
    memset(d->w1c, 0, sizeof d->w1c);
    pci_set16(d->config + PCI_VENDOR_ID, vendor);
    pci_set16(d->config + PCI_DEVICE_ID, device);
    pci_set32(d->config + PCI_REVISION, class_rev); /* revision, prog-if, subclass, class */
    d->config[PCI_HEADER_TYPE] = header;
    d->config[PCI_INTERRUPT_PIN] = pin;
    /* I/O, memory, master, parity, SERR, INTx disable */
    pci_set16(d->wmask + PCI_COMMAND, 0x0547);
    /* status: parity, target/master aborts, SERR, parity error are RW1C */
    d->w1c[PCI_STATUS + 1] = 0xF9;
    d->wmask[PCI_CACHE_LINE] = 0xFF;
    d->wmask[PCI_LATENCY] = 0xFF;
    d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
    d->devfn = -1;
    d->irq_link = -1;
    for (int i = 0; i <= PCI_NBARS; i++)
        d->bar[i] = (PciBar){ .pdev = d };
}

static uint32_t bar_reg(int n) { return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BAR0 + 4u * (uint32_t)n; }

void pci_bar_init(PciDevice *d, int n, PciBarType type, uint32_t size, const IoRegionOps *ops,
                  void *opaque)
{
    if (n < 0 || n >= PCI_NBARS || type == PCI_BAR_UNUSED || size == 0 || (size & (size - 1)))
        return;
    if ((type == PCI_BAR_IO && (size < 4 || size > 256)) || (type == PCI_BAR_MEM && size < 4096))
        return;
    d->bar[n] = (PciBar){ .pdev = d, .type = type, .size = size, .ops = ops, .opaque = opaque };
    uint32_t r = bar_reg(n);
    if (type == PCI_BAR_IO) {
        pci_set32(d->config + r, 1);
        pci_set32(d->wmask + r, ~(size - 1) & ~3u);
    } else {
        pci_set32(d->config + r, 0); /* 32-bit, anywhere, not prefetchable */
        pci_set32(d->wmask + r, ~(size - 1) & ~0xFu);
    }
}

/* ---- decoding ---- */

static const char *dev_name(const PciDevice *d) { return d->dev.id ? d->dev.id : "pci"; }

/* The register ops a BAR's port range goes through: the bus checks sizes,
 * so each accepted-size mask gets its own (const) table. */
static uint32_t bar_io_read(void *opaque, uint32_t off, int size)
{
    PciBar *b = opaque;
    return b->ops && b->ops->read ? b->ops->read(b->opaque, off, size) : 0xFFFFFFFFu;
}

static void bar_io_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    PciBar *b = opaque;
    if (b->ops && b->ops->write)
        b->ops->write(b->opaque, off, size, v);
}

static const IoRegionOps bar_io_ops[8] = {
    { bar_io_read, bar_io_write, 1 }, { bar_io_read, bar_io_write, 1 },
    { bar_io_read, bar_io_write, 1 }, { bar_io_read, bar_io_write, 3 },
    { bar_io_read, bar_io_write, 1 }, { bar_io_read, bar_io_write, 5 },
    { bar_io_read, bar_io_write, 1 }, { bar_io_read, bar_io_write, 7 },
};

/* Memory BARs: an access size the registers do not take is split into
 * bytes, little-endian on any host. */
static uint32_t bar_mem_read(void *opaque, uint32_t off, int size)
{
    PciBar *b = opaque;
    if (!b->ops || (b->ops->sizes & size) || size == 1)
        return bar_io_read(b, off, size);
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (bar_io_read(b, off + (uint32_t)i, 1) & 0xFF) << (8 * i);
    return v;
}

static void bar_mem_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    PciBar *b = opaque;
    if (!b->ops || (b->ops->sizes & size) || size == 1) {
        bar_io_write(b, off, size, v);
        return;
    }
    for (int i = 0; i < size; i++)
        bar_io_write(b, off + (uint32_t)i, 1, (v >> (8 * i)) & 0xFF);
}

/* The option ROM as the guest reads it: the device's block, read-only. */
static uint32_t rom_read(void *opaque, uint32_t off, int size)
{
    PciBar *b = opaque;
    const PciDevice *d = b->pdev;
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint64_t a = (uint64_t)off + (uint64_t)i;
        uint32_t byte = d->rom && a < d->rom_block ? d->rom[a] : 0xFF;
        v |= byte << (8 * i);
    }
    return v;
}

static void rom_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    (void)opaque, (void)off, (void)size, (void)v; /* a ROM */
}

static void bar_unmap(PciDevice *d, int n)
{
    PciBar *b = &d->bar[n];
    if (!b->mapped)
        return;
    if (b->type == PCI_BAR_IO)
        iobus_release(d->bus->io, b);
    else
        e386_mem_unmap(d->bus->cpu, b->addr, b->size);
    b->mapped = false;
    b->addr = 0;
}

static bool mem_overlaps_other(const PciBus *bus, const PciBar *me, uint32_t addr, uint32_t size)
{
    for (int f = 0; f < PCI_NDEVFN; f++) {
        const PciDevice *o = bus->dev[f];
        if (!o)
            continue;
        for (int n = 0; n <= PCI_NBARS; n++) {
            const PciBar *b = &o->bar[n];
            if (b == me || !b->mapped || b->type != PCI_BAR_MEM)
                continue;
            if ((uint64_t)addr < (uint64_t)b->addr + b->size && (uint64_t)b->addr < (uint64_t)addr + size)
                return true;
        }
    }
    return false;
}

/* Where BAR n decodes under the current configuration; false: nowhere. */
static bool bar_target(const PciDevice *d, int n, uint32_t *addr)
{
    const PciBar *b = &d->bar[n];
    uint16_t cmd = pci_get16(d->config + PCI_COMMAND);
    uint32_t v = pci_get32(d->config + bar_reg(n));
    if (b->type == PCI_BAR_IO) {
        *addr = v & ~3u & ~(b->size - 1);
        return (cmd & PCI_CMD_IO) && *addr != 0 && (uint64_t)*addr + b->size <= 0x10000;
    }
    if (n == PCI_ROM_SLOT) {
        if (!(v & 1) || !d->rom)
            return false;
        *addr = v & ~0x7FFu & ~(b->size - 1);
    } else {
        *addr = v & ~0xFu & ~(b->size - 1);
    }
    return (cmd & PCI_CMD_MEM) && *addr != 0 && *addr >= d->bus->mem_lo &&
           (uint64_t)*addr + b->size <= d->bus->mem_hi;
}

static void bar_map(PciDevice *d, int n, uint32_t addr)
{
    PciBar *b = &d->bar[n];
    PciBus *bus = d->bus;
    int ok;
    if (b->type == PCI_BAR_IO) {
        char err[160];
        ok = iobus_claim(bus->io, addr, b->size, &bar_io_ops[(b->ops ? b->ops->sizes : 1) & 7], b,
                         dev_name(d), err, sizeof err) == 0;
        if (!ok && bus->log)
            fprintf(bus->log, "pci: %s BAR%d does not decode: %s\n", dev_name(d), n, err);
    } else {
        ok = !mem_overlaps_other(bus, b, addr, b->size);
        if (ok && n == PCI_ROM_SLOT)
            ok = e386_mmio_map(bus->cpu, addr, b->size, rom_read, rom_write, b) == 0;
        else if (ok)
            ok = e386_mmio_map(bus->cpu, addr, b->size, bar_mem_read, bar_mem_write, b) == 0;
        if (!ok && bus->log)
            fprintf(bus->log, "pci: %s BAR%d at 0x%08x does not decode (overlap)\n", dev_name(d), n,
                    addr);
    }
    if (ok) {
        b->mapped = true;
        b->addr = addr;
    }
}

void pci_update_mappings(PciDevice *d)
{
    if (!d->bus)
        return;
    for (int n = 0; n <= PCI_NBARS; n++) {
        if (d->bar[n].type == PCI_BAR_UNUSED)
            continue;
        uint32_t addr = 0;
        bool want = bar_target(d, n, &addr);
        if (d->bar[n].mapped && (!want || addr != d->bar[n].addr))
            bar_unmap(d, n);
        if (want && !d->bar[n].mapped)
            bar_map(d, n, addr);
    }
}

/* ---- configuration access ---- */

uint32_t pci_config_read(PciDevice *d, uint32_t addr, int size)
{
    if ((size != 1 && size != 2 && size != 4) || addr > 256u - (uint32_t)size)
        return 0xFFFFFFFFu;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)d->config[addr + (uint32_t)i] << (8 * i);
    return v;
}

static bool touches(uint32_t addr, int len, uint32_t lo, uint32_t hi)
{
    return addr < hi && addr + (uint32_t)len > lo;
}

static void irq_refresh(PciDevice *d);

void pci_config_write(PciDevice *d, uint32_t addr, int size, uint32_t value)
{
    if ((size != 1 && size != 2 && size != 4) || addr > 256u - (uint32_t)size)
        return;
    for (int i = 0; i < size; i++) {
        uint32_t a = addr + (uint32_t)i;
        uint8_t v = (uint8_t)(value >> (8 * i));
        d->config[a] = (uint8_t)((d->config[a] & ~d->wmask[a]) | (v & d->wmask[a]));
        d->config[a] &= (uint8_t)~(v & d->w1c[a]);
    }
    if (touches(addr, size, PCI_COMMAND, PCI_COMMAND + 2) || touches(addr, size, PCI_BAR0, 0x28) ||
        touches(addr, size, PCI_ROM_ADDRESS, PCI_ROM_ADDRESS + 4))
        pci_update_mappings(d);
    if (touches(addr, size, PCI_COMMAND + 1, PCI_COMMAND + 2))
        irq_refresh(d);
    if (d->config_written)
        d->config_written(d, addr, size);
}

void pci_device_reset(PciDevice *d)
{
    for (int a = 0; a < 256; a++) {
        d->config[a] &= (uint8_t)~d->wmask[a];
        d->config[a] &= (uint8_t)~d->w1c[a];
    }
    pci_update_mappings(d);
    irq_refresh(d);
}

/* ---- the option ROM ---- */

int pci_rom_load(PciDevice *d, const uint8_t *image, size_t len, char *err, size_t errlen)
{
    if (!d->bus || !d->bus->ga) {
        snprintf(err, errlen, "%s: option ROM before the device is on a bus", dev_name(d));
        return -1;
    }
    if (len == 0 || len > (16u << 20)) {
        snprintf(err, errlen, "%s: option ROM of %zu bytes (want 1 byte to 16 MiB)", dev_name(d), len);
        return -1;
    }
    size_t block = 4096; /* a page at least: the ROM decodes through whole MMIO pages */
    while (block < len)
        block <<= 1;
    uint8_t *rom = galloc_alloc(d->bus->ga, block, 4096, "pci option ROM");
    if (!rom) {
        snprintf(err, errlen, "%s: cannot allocate %zu KiB for the option ROM", dev_name(d), block >> 10);
        return -1;
    }
    memcpy(rom, image, len);
    d->rom = rom;
    d->rom_block = block;
    d->rom_size = len;
    d->bar[PCI_ROM_SLOT] = (PciBar){ .pdev = d, .type = PCI_BAR_MEM, .size = (uint32_t)block };
    pci_set32(d->config + PCI_ROM_ADDRESS, 0);
    pci_set32(d->wmask + PCI_ROM_ADDRESS, ~((uint32_t)block - 1) | 1u);
    return 0;
}

/* The whole ROM file, malloc'ed; -1 with a message naming it. */
static int read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "romfile '%s' cannot be opened", path);
        return -1;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= (16u << 20) + 1)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (!buf || bad || n == 0 || n > (16u << 20)) {
        snprintf(err, errlen, "romfile '%s': %s", path,
                 !buf ? "out of memory" : bad ? "read error" : n == 0 ? "empty" : "larger than 16 MiB");
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int pci_rom_load_file(PciDevice *d, const char *path, char *err, size_t errlen)
{
    uint8_t *img = NULL;
    size_t len;
    int r = read_file(path, &img, &len, err, errlen);
    if (r == 0)
        r = pci_rom_load(d, img, len, err, errlen); /* copied into a galloc block */
    free(img);
    return r;
}

void pci_rom_free(PciDevice *d)
{
    if (!d->rom || !d->bus) /* a ROM exists only on a bus (pci_rom_load) */
        return;
    bar_unmap(d, PCI_ROM_SLOT);
    galloc_free(d->bus->ga, d->rom, d->rom_block); /* the pair of galloc_alloc, same size */
    d->rom = NULL;
    d->rom_block = d->rom_size = 0;
    d->bar[PCI_ROM_SLOT] = (PciBar){ .pdev = d };
    pci_set32(d->config + PCI_ROM_ADDRESS, 0);
    pci_set32(d->wmask + PCI_ROM_ADDRESS, 0);
}

/* ---- the bus ---- */

int pci_register(PciBus *bus, PciDevice *d, int devfn, char *err, size_t errlen)
{
    if (devfn < 0) {
        for (int slot = 3; slot < PCI_NSLOTS && devfn < 0; slot++)
            if (!bus->dev[slot << 3])
                devfn = slot << 3;
        if (devfn < 0) {
            snprintf(err, errlen, "%s: no free PCI slot", dev_name(d));
            return -1;
        }
    }
    if (devfn >= PCI_NDEVFN) {
        snprintf(err, errlen, "%s: PCI address %d.%d out of range", dev_name(d), devfn >> 3, devfn & 7);
        return -1;
    }
    if (bus->dev[devfn]) {
        snprintf(err, errlen, "%s: PCI slot %02x.%d is taken by %s", dev_name(d), devfn >> 3, devfn & 7,
                 dev_name(bus->dev[devfn]));
        return -1;
    }
    d->bus = bus;
    d->devfn = devfn;
    bus->dev[devfn] = d;
    return 0;
}

void pci_unregister(PciDevice *d)
{
    PciBus *bus = d->bus;
    if (!bus)
        return;
    for (int n = 0; n <= PCI_NBARS; n++)
        bar_unmap(d, n);
    d->irq_level = 0;
    irq_refresh(d);
    pci_rom_free(d);
    if (d->devfn >= 0 && d->devfn < PCI_NDEVFN && bus->dev[d->devfn] == d)
        bus->dev[d->devfn] = NULL;
    d->devfn = -1;
    d->bus = NULL;
}

/* ---- INTx ---- */

/* PIIX wiring: slot S's INTx pin P (1-4) is PIRQ link (S - 1 + P - 1) mod
 * 4.  Behind a bridge, the pin is first swizzled to the bridge's own (PCI
 * to PCI Bridge Architecture Specification 1.2, 9.1: device D's pin P
 * appears on the bridge as ((P - 1 + D) mod 4) + 1), level after level. */
static int link_of(const PciDevice *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4 || d->devfn < 0)
        return -1;
    int devfn = d->devfn;
    for (const PciBus *bus = d->bus; bus && bus->bridge; bus = bus->bridge->bus) {
        pin = ((pin - 1 + (devfn >> 3)) & 3) + 1;
        devfn = bus->bridge->devfn;
        if (devfn < 0)
            return -1; /* a bridge no longer on a bus */
    }
    return ((devfn >> 3) + pin - 2) & 3;
}

/* The root bus: where the PIRQ links and their router are. */
static PciBus *root_of(PciBus *bus)
{
    while (bus && bus->bridge && bus->bridge->bus)
        bus = bus->bridge->bus;
    return bus;
}

static bool irq_valid(uint8_t irq)
{
    return irq < 16 && ((0xDEF8u >> irq) & 1); /* 3-7, 9-12, 14, 15 */
}

uint8_t pci_device_irq(const PciDevice *d)
{
    int link = link_of(d);
    const PciBus *root = root_of(d->bus);
    if (link < 0 || !root || !root->route)
        return 0xFF;
    uint8_t irq = root->route(root->route_opaque, link);
    return irq_valid(irq) ? irq : 0xFF;
}

void pci_bus_update_irqs(PciBus *bus)
{
    uint16_t want = 0;
    for (int link = 0; link < 4; link++) {
        if (!bus->link_count[link] || !bus->route)
            continue;
        uint8_t irq = bus->route(bus->route_opaque, link);
        if (irq_valid(irq))
            want |= (uint16_t)(1u << irq);
    }
    uint16_t change = want ^ bus->irq_driven;
    bus->irq_driven = want;
    for (int irq = 0; irq < 16; irq++)
        if ((change >> irq) & 1 && bus->pic.set)
            bus->pic.set(bus->pic.opaque, irq, (want >> irq) & 1);
}

static void irq_refresh(PciDevice *d)
{
    bool on = d->irq_level && !(pci_get16(d->config + PCI_COMMAND) & PCI_CMD_INTX_DISABLE);
    int want = on && d->bus ? link_of(d) : -1;
    if (d->irq_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTX;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
    if (want == d->irq_link)
        return;
    PciBus *bus = root_of(d->bus); /* the links are the root's */
    if (d->irq_link >= 0 && bus && bus->link_count[d->irq_link] > 0)
        bus->link_count[d->irq_link]--;
    if (want >= 0)
        bus->link_count[want]++;
    d->irq_link = want;
    if (bus)
        pci_bus_update_irqs(bus);
}

void pci_set_irq(PciDevice *d, int level)
{
    d->irq_level = level != 0;
    irq_refresh(d);
}

/* ---- firmware: resource assignment ---- */

/* First fit for BAR n of me, a naturally aligned range of size in [lo, hi)
 * beside every other BAR of the bus, the device's own included (as
 * assigned in the configuration, decoding or not).  0 if none. */
static uint32_t first_fit(const PciDevice *me, int bar, bool io, uint32_t size, uint32_t lo, uint32_t hi)
{
    uint64_t cand = ((uint64_t)lo + size - 1) & ~(uint64_t)(size - 1);
    for (int again = 1; again;) {
        again = 0;
        if (cand + size > hi)
            return 0;
        for (int f = 0; f < PCI_NDEVFN && !again; f++) {
            const PciDevice *o = me->bus->dev[f];
            if (!o)
                continue;
            for (int n = 0; n <= PCI_NBARS && !again; n++) {
                const PciBar *b = &o->bar[n];
                if ((o == me && n == bar) || b->type == PCI_BAR_UNUSED || (b->type == PCI_BAR_IO) != io)
                    continue;
                uint32_t v = pci_get32(o->config + bar_reg(n));
                uint64_t a = v & (io ? ~3u : n == PCI_ROM_SLOT ? ~0x7FFu : ~0xFu) & ~(b->size - 1);
                if (a && a < cand + size && cand < a + b->size) {
                    cand = (a + b->size + size - 1) & ~(uint64_t)(size - 1);
                    again = 1;
                }
            }
        }
    }
    return (uint32_t)cand;
}

int pci_assign_device(PciDevice *d)
{
    if (!d->bus)
        return -1;
    const PciBus *bus = d->bus;
    uint32_t mem_lo = bus->mem_lo > 0xE0000000u ? bus->mem_lo : 0xE0000000u, mem_hi = bus->mem_hi;
    uint32_t io_lo = 0xC000, io_hi = 0x10000;
    if (bus->fw_mem_hi)
        mem_lo = bus->fw_mem_lo, mem_hi = bus->fw_mem_hi;
    if (bus->fw_io_hi)
        io_lo = bus->fw_io_lo, io_hi = bus->fw_io_hi;
    uint16_t cmd = pci_get16(d->config + PCI_COMMAND);
    int rc = 0;
    for (int n = 0; n <= PCI_NBARS; n++) {
        const PciBar *b = &d->bar[n];
        if (b->type == PCI_BAR_UNUSED)
            continue;
        bool io = b->type == PCI_BAR_IO;
        pci_config_write(d, bar_reg(n), 4, 0); /* an old address must not block the search */
        uint32_t a = io ? first_fit(d, n, true, b->size, io_lo, io_hi)
                        : first_fit(d, n, false, b->size, mem_lo, mem_hi);
        if (!a) {
            rc = -1;
            continue;
        }
        pci_config_write(d, bar_reg(n), 4, a); /* the ROM stays disabled (bit 0 clear) */
        cmd |= io ? PCI_CMD_IO : PCI_CMD_MEM;
    }
    uint8_t irq = pci_device_irq(d);
    if (d->config[PCI_INTERRUPT_PIN])
        pci_config_write(d, PCI_INTERRUPT_LINE, 1, irq);
    pci_config_write(d, PCI_COMMAND, 2, cmd);
    return rc;
}

/* ---- configuration cycles across bridges ---- */

PciDevice *pci_find_function(PciBus *root, int busno, int devfn)
{
    if (devfn < 0 || devfn >= PCI_NDEVFN)
        return NULL;
    if (busno == 0 && !root->bridge)
        return root->dev[devfn];
    for (int f = 0; f < PCI_NDEVFN; f++) {
        PciDevice *b = root->dev[f];
        if (!b || !b->secondary || (b->config[PCI_HEADER_TYPE] & 0x7F) != 1)
            continue;
        int sec = b->config[PCI_SECONDARY_BUS], sub = b->config[PCI_SUBORDINATE_BUS];
        PciBus *child = b->secondary;
        if (busno == sec && sec != 0) {
            PciDevice *t = child->dev[devfn];
            return t && (!child->reachable || child->reachable(child, devfn)) ? t : NULL;
        }
        if (busno > sec && busno <= sub && sec != 0)
            return pci_find_function(child, busno, devfn); /* a bridge further down */
    }
    return NULL;
}
