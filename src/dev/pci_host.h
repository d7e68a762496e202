/* The i440FX-style PCI host bridge (8086:1237, 00.0) with configuration
 * mechanism #1 at 0xCF8/0xCFC and the PIIX3's reset control register at
 * 0xCF9, and the PIIX3 PCI-to-ISA bridge function (8086:7000, 01.0) whose
 * PIRQ route control registers 0x60-0x63 steer the four INTx links to
 * PIC inputs.  From the Intel 440FX PMC and the 82371SB (PIIX3)
 * datasheets. */
#ifndef E386_DEV_PCI_HOST_H
#define E386_DEV_PCI_HOST_H
#include "dev/pci.h"

typedef struct PciHostState {
    PciDevice pdev;          /* first: the host bridge is device 00.0 */
    PciBus bus;
    uint32_t config_address; /* CONFADD at 0xCF8 */
    uint8_t rc;              /* reset control at 0xCF9 */
    void (*reset_request)(void *opaque);
    void *reset_opaque;
} PciHostState;

typedef struct Piix3State {
    PciDevice pdev; /* 01.0 */
} Piix3State;

/* The bus inside the host bridge is wired here (pci_bus_init's
 * arguments); reset_request is the machine's reset line (0xCF9). */
void pci_host_init(PciHostState *h, const char *id, IoBus *io, E386Cpu *cpu, GuestAlloc *ga,
                   IrqLine pic, uint32_t mem_lo, uint32_t mem_hi, void (*reset_request)(void *),
                   void *opaque);
void piix3_init(Piix3State *s, const char *id, PciBus *bus);

/* Firmware duty on a -kernel boot: the PIRQ routes (irq[link], 0x80 for
 * none), then every device's BARs, interrupt line and decoding
 * (pci_assign_device). */
void pci_firmware_setup(PciBus *bus, const uint8_t irq[4]);
#endif
