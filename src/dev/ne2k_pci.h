/* The NE2000 PCI card: a Realtek RTL8029AS (10ec:8029, Linux's ne2k-pci)
 * with its DP8390 core (ne2k.h), an I/O BAR of 32 bytes, INTA, and an
 * expansion ROM loaded from a file (iPXE's pxe-ne2k_pci.rom by default).
 * Its network side is a NetClient whose peer is whatever backend it was
 * given, or nothing (a pulled cable: frames dropped and counted). */
#ifndef E386_DEV_NE2K_PCI_H
#define E386_DEV_NE2K_PCI_H
#include "dev/ne2k.h"
#include "dev/pci.h"
#include "net/net.h"

#define NE2K_PCI_DEFAULT_ROM "/usr/lib/ipxe/qemu/pxe-ne2k_pci.rom"

typedef struct Ne2kPciConfig {
    const char *id;
    uint8_t mac[6];
    const char *romfile; /* NULL: the default if that file exists; "": none */
    const char *netdev;  /* NULL: no backend */
    int devfn;           /* -1: the first free slot */
} Ne2kPciConfig;

typedef struct Ne2kPciState {
    PciDevice pci; /* first: the card is a PciDevice, hence a Device */
    Ne2kState nic;
    NetClient nc;  /* the card's side of the cable */
    NetCtx *net;
    PciBus *bus;
    int devfn;
    char id[NET_ID_LEN];
    char netdev[NET_ID_LEN];
    char *romfile; /* resolved at init: NULL none */
} Ne2kPciState;

/* A card on bus (not yet realized); NULL only when out of memory.  Free
 * with ne2k_pci_free after device_unrealize. */
Ne2kPciState *ne2k_pci_new(const Ne2kPciConfig *cfg, PciBus *bus, NetCtx *net);
void ne2k_pci_free(Ne2kPciState *s);
#endif
