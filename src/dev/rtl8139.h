/* The Realtek RTL8139C PCI card (10ec:8139 revision 0x10, Linux's
 * 8139too), with a 93C46 EEPROM holding its address, bus-master DMA into
 * guest RAM (the receive ring and the four transmit buffers), BAR0 I/O and
 * BAR1 memory (256 registers; the memory BAR is 4 KiB: MMIO is mapped in
 * pages), INTA and an expansion ROM (iPXE's pxe-rtl8139.rom by default).
 * From the RTL8139C(L) datasheet and programming guide.  The MII status
 * shows the link down while the card has no backend. */
#ifndef E386_DEV_RTL8139_H
#define E386_DEV_RTL8139_H
#include "dev/pci.h"
#include "net/net.h"

#define RTL8139_DEFAULT_ROM "/usr/lib/ipxe/qemu/pxe-rtl8139.rom"

typedef struct Rtl8139State {
    PciDevice pci; /* first */
    NetClient nc;
    NetCtx *net;
    PciBus *bus;
    int devfn;
    char id[NET_ID_LEN];
    char netdev[NET_ID_LEN];
    char *romfile;
    uint8_t mac[6];
    /* registers */
    uint8_t idr[6], mar[8];
    uint32_t tsd[4], tsad[4], rbstart, rcr, tcr, mpc;
    uint16_t capr, cbr, imr, isr, bmcr;
    uint8_t cr, cfg9346, config[6];
    /* the 93C46: 64 words, and its serial state */
    uint16_t eeprom[64];
    uint8_t ee_state, ee_bits, ee_addr, ee_do, ee_clk;
    uint16_t ee_in, ee_out;
    bool irq;
    uint32_t rx_dropped;
} Rtl8139State;

typedef struct Rtl8139Config {
    const char *id;
    uint8_t mac[6];
    const char *romfile; /* NULL: the default if it exists; "": none */
    const char *netdev;
    int devfn;
} Rtl8139Config;

Rtl8139State *rtl8139_new(const Rtl8139Config *cfg, PciBus *bus, NetCtx *net);
void rtl8139_free(Rtl8139State *s);
/* For tests: a frame from the wire. */
bool rtl8139_receive(Rtl8139State *s, const uint8_t *buf, size_t len);
#endif
