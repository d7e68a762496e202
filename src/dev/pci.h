/* PCI: devices with a 256-byte configuration space, BARs that the guest
 * sizes (all-ones writes) and places, the expansion-ROM BAR, and INTx
 * through the PIIX3's PIRQ links to the PIC.
 *
 * A PciDevice begins with its Device, so it has the one device shape; its
 * realize registers it on a PciBus (pci_register) and its unrealize calls
 * pci_unregister, which unmaps every BAR, lowers its INTx and frees the
 * option ROM with galloc_free, the function that allocated it.  The bus
 * maps I/O BARs on the port bus and memory BARs (and the ROM) through
 * e386_mmio_map, only while the command register enables decoding, and
 * only where they cannot land on RAM, the BIOS or another BAR (a guest
 * placing a BAR there gets a BAR that decodes nothing, as on a board whose
 * decoder never sees the cycle). */
#ifndef E386_DEV_PCI_H
#define E386_DEV_PCI_H
#include <stdbool.h>
#include <stdint.h>
#include "dev/device.h"
#include "mem/galloc.h"

enum {
    PCI_NBARS = 6,
    PCI_ROM_SLOT = 6, /* bar[6] is the expansion ROM */
    PCI_NSLOTS = 32,
    PCI_NDEVFN = 256,
    /* configuration registers */
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06,
    PCI_REVISION = 0x08, PCI_CLASS_PROG = 0x09, PCI_CLASS_DEVICE = 0x0A,
    PCI_CACHE_LINE = 0x0C, PCI_LATENCY = 0x0D, PCI_HEADER_TYPE = 0x0E,
    PCI_BAR0 = 0x10, PCI_SUBSYS_VENDOR = 0x2C, PCI_SUBSYS_ID = 0x2E, PCI_ROM_ADDRESS = 0x30,
    PCI_INTERRUPT_LINE = 0x3C, PCI_INTERRUPT_PIN = 0x3D, PCI_CAPABILITY_LIST = 0x34,
    /* the type-1 (bridge) header */
    PCI_PRIMARY_BUS = 0x18, PCI_SECONDARY_BUS = 0x19, PCI_SUBORDINATE_BUS = 0x1A,
    PCI_SEC_LATENCY = 0x1B, PCI_IO_BASE = 0x1C, PCI_IO_LIMIT = 0x1D, PCI_SEC_STATUS = 0x1E,
    PCI_MEMORY_BASE = 0x20, PCI_MEMORY_LIMIT = 0x22, PCI_PREF_MEMORY_BASE = 0x24,
    PCI_BRIDGE_ROM_ADDRESS = 0x38, PCI_BRIDGE_CONTROL = 0x3E,
    /* command bits */
    PCI_CMD_IO = 1, PCI_CMD_MEM = 2, PCI_CMD_MASTER = 4, PCI_CMD_INTX_DISABLE = 0x400,
    PCI_STATUS_INTX = 8, PCI_STATUS_CAP_LIST = 0x10,
};

typedef enum PciBarType { PCI_BAR_UNUSED, PCI_BAR_IO, PCI_BAR_MEM } PciBarType;

typedef struct PciDevice PciDevice;
typedef struct PciBus PciBus;

typedef struct PciBar {
    PciDevice *pdev;
    PciBarType type;
    uint32_t size;            /* a power of two; memory BARs at least 4 KiB */
    const IoRegionOps *ops;   /* the registers behind it (not for the ROM) */
    void *opaque;
    bool mapped;              /* decoding now, at addr */
    uint32_t addr;
} PciBar;

struct PciDevice {
    Device dev; /* first: a PciDevice is a Device */
    PciBus *bus;
    int devfn;  /* slot << 3 | function; -1: not on a bus */
    uint8_t config[256];
    uint8_t wmask[256]; /* bits the guest may write */
    uint8_t w1c[256];   /* bits a 1 clears (status) */
    PciBar bar[PCI_NBARS + 1];
    /* the option ROM: a guest-RAM block from the bus's allocator, owned by
     * the device, rom_block bytes (the ROM BAR's size); rom_size of them
     * came from the file, the rest is zero */
    uint8_t *rom;
    size_t rom_block;
    size_t rom_size;
    uint8_t irq_level; /* INTx as the device drives it */
    int irq_link;      /* the PIRQ link it asserted, -1 none */
    /* called after the guest wrote configuration bytes [addr, addr+len) */
    void (*config_written)(PciDevice *d, uint32_t addr, int len);
    /* a PCI-to-PCI bridge (pci_bridge.c): the bus behind it; NULL otherwise */
    PciBus *secondary;
};

/* The PIRQ router's view: link n (0-3 = PIRQA-D) goes to the IRQ this
 * returns (0x80 and above: not routed). */
typedef uint8_t (*pci_route_fn)(void *opaque, int link);

struct PciBus {
    IoBus *io;
    E386Cpu *cpu;           /* memory BARs are mapped in its physical space */
    GuestAlloc *ga;         /* option ROMs come from it */
    IrqLine pic;            /* set(opaque, irq, level) for PIC inputs 0-15 */
    uint32_t mem_lo, mem_hi; /* where memory BARs may decode [lo, hi) */
    PciDevice *dev[PCI_NDEVFN];
    pci_route_fn route;     /* the PIIX3, once realized */
    void *route_opaque;
    int link_count[4];      /* devices asserting each PIRQ link */
    uint16_t irq_driven;    /* PIC inputs the links hold high now */
    FILE *log;              /* -d unimp: BARs that cannot decode */
    /* A bus behind a bridge (pci_bridge.c): the bridge (NULL on the root
     * bus), and whether a configuration cycle reaches devfn (a hot-plug
     * slot the guest has not enabled is isolated from the bus).  INTx of
     * its devices is swizzled through the bridge to the root's links. */
    PciDevice *bridge;
    bool (*reachable)(const PciBus *bus, int devfn);
    /* Where pci_assign_device places BARs (firmware duty): [lo, hi); a
     * zero hi means the defaults (I/O from 0xC000, memory from
     * 0xE0000000 to mem_hi). */
    uint32_t fw_io_lo, fw_io_hi, fw_mem_lo, fw_mem_hi;
};

/* The bus a board wires: ports, the CPU's physical space, the allocator
 * for option ROMs, the PIC's inputs, and the memory BAR window. */
void pci_bus_init(PciBus *bus, IoBus *io, E386Cpu *cpu, GuestAlloc *ga, IrqLine pic,
                  uint32_t mem_lo, uint32_t mem_hi);

/* Fill in the identity of a device (vendor, device, class, revision, INTx
 * pin 0-4, header type) and the default writable masks; cannot fail. */
void pci_config_init(PciDevice *d, uint16_t vendor, uint16_t device, uint32_t class_rev,
                     uint8_t header, uint8_t pin);
/* Declare BAR n (0-5): size a power of two (I/O 4 to 256 bytes, memory 4 KiB
 * and up); accesses go to ops with opaque. */
void pci_bar_init(PciDevice *d, int n, PciBarType type, uint32_t size, const IoRegionOps *ops,
                  void *opaque);
/* Give the device an expansion ROM: image (len bytes, 1 to 16 MiB) is
 * copied into a block from the bus's allocator sized to the ROM BAR (the
 * next power of two, at least 2 KiB).  Call from realize after
 * pci_register; -1 with a message on failure. */
int pci_rom_load(PciDevice *d, const uint8_t *image, size_t len, char *err, size_t errlen);
/* The same from a file (at most 16 MiB): a missing, unreadable or empty
 * file is an error naming it. */
int pci_rom_load_file(PciDevice *d, const char *path, char *err, size_t errlen);
/* Free the ROM block (galloc_free, same pointer and size); unmaps it first. */
void pci_rom_free(PciDevice *d);

/* Put d on bus at devfn (-1: the first free slot from 3 on, function 0).
 * -1 with a message if the slot is taken or the bus is full. */
int pci_register(PciBus *bus, PciDevice *d, int devfn, char *err, size_t errlen);
/* The surprise-removal path: BARs unmapped, INTx lowered, the ROM freed,
 * the slot emptied. */
void pci_unregister(PciDevice *d);
/* Power-on state of the configuration space (command 0, BARs 0, line 0). */
void pci_device_reset(PciDevice *d);

/* Configuration access by the host bridge: offset 0-255, size 1, 2, 4 and
 * not crossing the 256 bytes. */
uint32_t pci_config_read(PciDevice *d, uint32_t addr, int size);
void pci_config_write(PciDevice *d, uint32_t addr, int size, uint32_t value);
/* Recompute which BARs decode after the command register or a BAR changed
 * (also after a state load). */
void pci_update_mappings(PciDevice *d);

/* INTx from the device: level 0 or 1. */
void pci_set_irq(PciDevice *d, int level);
/* The PIRQ routing changed: drive the PIC inputs again. */
void pci_bus_update_irqs(PciBus *bus);

/* The function a type-1 configuration cycle for bus busno reaches from
 * root (bus 0 is root itself; others through the bridges' bus numbers),
 * or NULL: nothing answers. */
PciDevice *pci_find_function(PciBus *root, int busno, int devfn);

/* Firmware duty on a -kernel boot (no BIOS): give every BAR of d an
 * address (I/O from 0xC000, memory from the window's base, first fit
 * beside the other devices' BARs), its interrupt line from the routing,
 * and enable I/O and memory decoding.  -1 if the space ran out. */
int pci_assign_device(PciDevice *d);
/* The PIC IRQ behind d's INTx pin with the routing now, or 0xFF. */
uint8_t pci_device_irq(const PciDevice *d);

static inline uint16_t pci_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t pci_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void pci_set16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void pci_set32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
#endif
