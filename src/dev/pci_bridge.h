/* A PCI-to-PCI bridge with a Standard Hot-Plug Controller (pci-bridge):
 * a type-1 header (PCI-to-PCI Bridge Architecture Specification 1.2,
 * chapter 3: bus numbers, an I/O and a memory window, no prefetchable
 * window), the secondary bus behind it, and the SHPC (shpc.h) whose
 * register set is BAR0 (4 KiB) and also the capability at 0x48 (DWORD
 * select/data).  The identity is 1b36:0001, the ID of QEMU's generic
 * bridge, which guests know as a plain bridge without quirks.
 *
 * What it does not model: the windows and the bridge's command register
 * do not filter anything (a BAR behind it decodes wherever the guest puts
 * it, as on the root bus), and there is no secondary bus reset.  The
 * cards on its secondary bus belong to the board (hotplug.c); the bridge
 * only gates configuration cycles to the slots the guest enabled. */
#ifndef E386_DEV_PCI_BRIDGE_H
#define E386_DEV_PCI_BRIDGE_H
#include "dev/pci.h"
#include "dev/shpc.h"

enum {
    PCI_BRIDGE_SHPC_CAP = 0x48,  /* the SHPC capability's offset */
    PCI_BRIDGE_SLOTS = 8,        /* hot-plug slots: devices 1-8 behind the bridge */
    PCI_BRIDGE_FIRST_DEV = 1,
};

typedef struct PciBridgeState {
    PciDevice pci;   /* first: a bridge is a PciDevice on its primary bus */
    PciBus sec;      /* the secondary bus (sec.bridge == &pci) */
    ShpcState shpc;
    PciBus *parent;  /* where realize registers it */
    int devfn;       /* -1: the first free slot */
    char id[64];
} PciBridgeState;

/* Wire a bridge for bus parent at devfn (-1: any); cannot fail.  Its
 * secondary bus shares the parent's ports, address space and allocator. */
void pci_bridge_init(PciBridgeState *b, const char *id, PciBus *parent, int devfn, int psn);

/* Firmware duty on a -kernel boot (after the root's pci_firmware_setup
 * gave the bridge its BAR0): bus numbers primary/secondary/subordinate,
 * the I/O window [io, io + io_size) and the memory window [mem, mem +
 * mem_size) (4 KiB and 1 MiB granular), decoding and bus mastering on,
 * and every card behind it placed in those windows. */
void pci_bridge_firmware_setup(PciBridgeState *b, int secondary, uint32_t io, uint32_t io_size,
                               uint32_t mem, uint32_t mem_size);

/* The SHPC slot of a card on the secondary bus, or -1. */
int pci_bridge_slot_of(const PciBridgeState *b, const PciDevice *d);
#endif
