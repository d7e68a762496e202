/* The PCI-to-PCI bridge with its SHPC (see pci_bridge.h). */
#include "dev/pci_bridge.h"
#include <string.h>

enum {
    CAP_ID_SHPC = 0x0C,
    CAP_SELECT = PCI_BRIDGE_SHPC_CAP + 2, /* DWORD select */
    CAP_PENDING = PCI_BRIDGE_SHPC_CAP + 3, /* bit 0 SERR pending, bit 1 interrupt pending */
    CAP_DATA = PCI_BRIDGE_SHPC_CAP + 4,   /* DWORD data */
    SHPC_BAR_SIZE = 4096,                 /* the smallest memory BAR the bus maps */
};

/* The capability's data bytes show the selected DWORD: pci_config_read
 * reads the configuration bytes, so they are kept up to date after every
 * change (register reads have no side effects). */
static void mirror(PciBridgeState *b)
{
    uint32_t idx = b->pci.config[CAP_SELECT];
    uint32_t v = idx * 4 < SHPC_REGS_SIZE ? shpc_read(&b->shpc, idx * 4, 4) : 0;
    pci_set32(b->pci.config + CAP_DATA, v);
    b->pci.config[CAP_PENDING] = shpc_int_locator(&b->shpc) ? 2 : 0;
}

static void shpc_irq(void *opaque, int level)
{
    PciBridgeState *b = opaque;
    mirror(b);
    if (b->pci.bus)
        pci_set_irq(&b->pci, level);
}

static void config_written(PciDevice *d, uint32_t addr, int len)
{
    PciBridgeState *b = (PciBridgeState *)d;
    uint32_t end = addr + (uint32_t)len;
    if (addr < CAP_DATA + 4 && end > CAP_DATA) {
        /* the bytes written reach the selected DWORD; config[] holds them */
        uint32_t lo = addr > CAP_DATA ? addr : CAP_DATA, hi = end < CAP_DATA + 4 ? end : CAP_DATA + 4;
        uint32_t idx = b->pci.config[CAP_SELECT];
        uint32_t v = pci_get32(b->pci.config + CAP_DATA);
        if (idx * 4 < SHPC_REGS_SIZE)
            shpc_write(&b->shpc, idx * 4 + (lo - CAP_DATA), (int)(hi - lo), v >> (8 * (lo - CAP_DATA)));
    }
    mirror(b);
}

static uint32_t bar_read(void *opaque, uint32_t off, int size)
{
    return shpc_read(&((PciBridgeState *)opaque)->shpc, off, size);
}

static void bar_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    shpc_write(&((PciBridgeState *)opaque)->shpc, off, size, v); /* shpc_irq mirrors */
}

static const IoRegionOps shpc_bar_ops = { bar_read, bar_write, 7 };

/* Configuration cycles reach a card only while its slot is enabled. */
static bool reachable(const PciBus *bus, int devfn)
{
    const PciBridgeState *b = (const PciBridgeState *)bus->bridge;
    int slot = shpc_slot_of(&b->shpc, devfn >> 3);
    return slot < 0 || shpc_slot_enabled(&b->shpc, slot);
}

static uint32_t occupied(const PciBridgeState *b)
{
    uint32_t m = 0;
    for (int i = 0; i < b->shpc.nslots; i++)
        if (b->sec.dev[(b->shpc.first_dev + i) << 3])
            m |= 1u << i;
    return m;
}

static int bridge_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    (void)host;
    PciBridgeState *b = (PciBridgeState *)dev;
    if (pci_register(b->parent, &b->pci, b->devfn, err, errlen) < 0)
        return -1;
    PciBus *p = b->parent;
    pci_bus_init(&b->sec, p->io, p->cpu, p->ga, p->pic, p->mem_lo, p->mem_hi);
    b->sec.log = p->log;
    b->sec.bridge = &b->pci;
    b->sec.reachable = reachable;
    b->pci.secondary = &b->sec;
    return 0;
}

static void bridge_unrealize(Device *dev, DeviceHost *host)
{
    (void)host;
    PciBridgeState *b = (PciBridgeState *)dev;
    b->pci.secondary = NULL; /* the board took the cards off first */
    pci_unregister(&b->pci);
}

static void bridge_reset(Device *dev)
{
    PciBridgeState *b = (PciBridgeState *)dev;
    pci_device_reset(&b->pci);
    b->pci.config[PCI_IO_BASE] = b->pci.config[PCI_IO_LIMIT] = 0x00; /* 16-bit I/O window */
    shpc_reset(&b->shpc, occupied(b)); /* mirrors, lowers INTA */
}

static int bridge_post_load(Device *dev, char *err, size_t errlen)
{
    PciBridgeState *b = (PciBridgeState *)dev;
    ShpcState *s = &b->shpc;
    if (s->nslots != PCI_BRIDGE_SLOTS || s->first_dev != PCI_BRIDGE_FIRST_DEV ||
        ((s->pending | s->released) >> s->nslots)) {
        snprintf(err, errlen, "%s: SHPC state for another slot layout", dev->id);
        return -1;
    }
    pci_update_mappings(&b->pci);
    shpc_irq(b, shpc_int_locator(s) && !(s->serr_int & SHPC_GLOBAL_INT_MASK));
    return 0;
}

static const StateField bridge_fields[] = {
    STATE_BYTES(PciBridgeState, pci.config, 256, 1),
    STATE_U8(PciBridgeState, shpc.nslots, 1),
    STATE_U8(PciBridgeState, shpc.first_dev, 1),
    STATE_U32(PciBridgeState, shpc.serr_int, 1),
    STATE_U16(PciBridgeState, shpc.cmd, 1),
    STATE_U16(PciBridgeState, shpc.cmd_status, 1),
    STATE_U32_ARRAY(PciBridgeState, shpc.slot, SHPC_MAX_SLOTS, 1),
    STATE_U8(PciBridgeState, shpc.pending, 1),
    STATE_U8(PciBridgeState, shpc.released, 1),
};
static const StateDesc bridge_state = { "pci-bridge", 1, bridge_fields, STATE_NFIELDS(bridge_fields) };

static const DeviceClass bridge_class = {
    .name = "pci-bridge",
    .realize = bridge_realize,
    .reset = bridge_reset,
    .unrealize = bridge_unrealize,
    .state = &bridge_state,
    .post_load = bridge_post_load,
};

void pci_bridge_init(PciBridgeState *b, const char *id, PciBus *parent, int devfn, int psn)
{
    memset(b, 0, sizeof *b);
    snprintf(b->id, sizeof b->id, "%s", id);
    device_init(&b->pci.dev, &bridge_class, b->id);
    pci_config_init(&b->pci, 0x1B36, 0x0001, 0x06040000, 0x01, 1); /* class 0604, INTA */
    uint8_t *c = b->pci.config, *w = b->pci.wmask;
    pci_bar_init(&b->pci, 0, PCI_BAR_MEM, SHPC_BAR_SIZE, &shpc_bar_ops, b);
    /* the type-1 header: bus numbers and latency, the windows (base and
     * limit in their upper bits), the secondary status' error bits, the
     * bridge control's parity/SERR/ISA/VGA/master-abort bits */
    memset(w + PCI_PRIMARY_BUS, 0xFF, 4);
    w[PCI_IO_BASE] = w[PCI_IO_LIMIT] = 0xF0;
    pci_set16(w + PCI_MEMORY_BASE, 0xFFF0);
    pci_set16(w + PCI_MEMORY_LIMIT, 0xFFF0);
    b->pci.w1c[PCI_SEC_STATUS + 1] = 0xF9;
    pci_set16(w + PCI_BRIDGE_CONTROL, 0x003F);
    /* the prefetchable window and the upper halves stay read-only zero:
     * Linux's probe (a write that does not stick) then knows there is none */
    /* the SHPC capability */
    pci_set16(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
    c[PCI_CAPABILITY_LIST] = PCI_BRIDGE_SHPC_CAP;
    c[PCI_BRIDGE_SHPC_CAP] = CAP_ID_SHPC;
    c[PCI_BRIDGE_SHPC_CAP + 1] = 0; /* the last capability */
    w[CAP_SELECT] = 0xFF;
    memset(w + CAP_DATA, 0xFF, 4);
    b->pci.config_written = config_written;
    b->parent = parent;
    b->devfn = devfn;
    shpc_init(&b->shpc, PCI_BRIDGE_SLOTS, PCI_BRIDGE_FIRST_DEV, psn, shpc_irq, b);
}

void pci_bridge_firmware_setup(PciBridgeState *b, int secondary, uint32_t io, uint32_t io_size,
                               uint32_t mem, uint32_t mem_size)
{
    PciDevice *d = &b->pci;
    pci_config_write(d, PCI_PRIMARY_BUS, 1, d->bus && d->bus->bridge ? d->bus->bridge->config[PCI_SECONDARY_BUS] : 0);
    pci_config_write(d, PCI_SECONDARY_BUS, 1, (uint32_t)secondary);
    pci_config_write(d, PCI_SUBORDINATE_BUS, 1, (uint32_t)secondary);
    pci_config_write(d, PCI_IO_BASE, 1, (io >> 8) & 0xF0);
    pci_config_write(d, PCI_IO_LIMIT, 1, ((io + io_size - 1) >> 8) & 0xF0);
    pci_config_write(d, PCI_MEMORY_BASE, 2, (mem >> 16) & 0xFFF0);
    pci_config_write(d, PCI_MEMORY_LIMIT, 2, ((mem + mem_size - 1) >> 16) & 0xFFF0);
    pci_config_write(d, PCI_COMMAND, 2,
                     pci_get16(d->config + PCI_COMMAND) | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
    b->sec.fw_io_lo = io;
    b->sec.fw_io_hi = io + io_size;
    b->sec.fw_mem_lo = mem;
    b->sec.fw_mem_hi = mem + mem_size;
    for (int f = 0; f < PCI_NDEVFN; f++)
        if (b->sec.dev[f])
            pci_assign_device(b->sec.dev[f]);
}

int pci_bridge_slot_of(const PciBridgeState *b, const PciDevice *d)
{
    if (d->bus != &b->sec || d->devfn < 0)
        return -1;
    return shpc_slot_of(&b->shpc, d->devfn >> 3);
}
