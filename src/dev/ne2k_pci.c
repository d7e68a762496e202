/* The RTL8029AS PCI card around the DP8390 core (see ne2k_pci.h). */
#define _DEFAULT_SOURCE
#include "dev/ne2k_pci.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t io_read(void *opaque, uint32_t off, int size)
{
    return ne2k_read(&((Ne2kPciState *)opaque)->nic, off, size);
}

static void io_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    ne2k_write(&((Ne2kPciState *)opaque)->nic, off, size, v);
}

static const IoRegionOps ne2k_io_ops = { io_read, io_write, 7 };

static void nic_set_irq(void *opaque, int level) { pci_set_irq(&((Ne2kPciState *)opaque)->pci, level); }

static void nic_send(void *opaque, const uint8_t *buf, size_t len)
{
    net_send(&((Ne2kPciState *)opaque)->nc, buf, len); /* no peer: dropped, counted */
}

static void nc_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Ne2kPciState *s = (Ne2kPciState *)((char *)nc - offsetof(Ne2kPciState, nc));
    if (s->pci.dev.realized)
        ne2k_receive(&s->nic, buf, len);
}

static void nc_describe(const NetClient *nc, char *buf, size_t len)
{
    const Ne2kPciState *s = (const Ne2kPciState *)((const char *)nc - offsetof(Ne2kPciState, nc));
    const uint8_t *m = s->nic.mac;
    snprintf(buf, len, "model=ne2k_pci macaddr=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
             m[4], m[5]);
}

static void nc_cleanup(NetClient *nc) { (void)nc; /* the card owns it */ }

static const NetClientOps nic_ops = {
    .type = "nic",
    .receive = nc_receive,
    .describe = nc_describe,
    .cleanup = nc_cleanup,
};

static int ne2k_pci_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    (void)host;
    Ne2kPciState *s = (Ne2kPciState *)dev;
    if (pci_register(s->bus, &s->pci, s->devfn, err, errlen) < 0)
        return -1;
    if (s->romfile && pci_rom_load_file(&s->pci, s->romfile, err, errlen) < 0) {
        pci_unregister(&s->pci);
        return -1;
    }
    if (s->netdev[0] && net_attach(s->net, &s->nc, s->netdev, err, errlen) < 0) {
        pci_unregister(&s->pci); /* frees the ROM */
        return -1;
    }
    return 0;
}

static void ne2k_pci_unrealize(Device *dev, DeviceHost *host)
{
    (void)host;
    Ne2kPciState *s = (Ne2kPciState *)dev;
    net_detach(&s->nc);
    pci_unregister(&s->pci); /* BARs unmapped, INTA lowered, ROM freed by galloc_free */
}

static void ne2k_pci_reset(Device *dev)
{
    Ne2kPciState *s = (Ne2kPciState *)dev;
    ne2k_reset(&s->nic);
    pci_device_reset(&s->pci);
}

static int ne2k_pci_post_load(Device *dev, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    Ne2kPciState *s = (Ne2kPciState *)dev;
    pci_update_mappings(&s->pci);
    ne2k_post_load(&s->nic);
    return 0;
}

#define NIC_U8(f) STATE_U8(Ne2kPciState, nic.f, 1)
static const StateField ne2k_pci_fields[] = {
    STATE_BYTES(Ne2kPciState, pci.config, 256, 1),
    STATE_U8(Ne2kPciState, pci.irq_level, 1),
    NIC_U8(cmd), NIC_U8(isr), NIC_U8(imr), NIC_U8(rsr), NIC_U8(tsr), NIC_U8(rcr), NIC_U8(tcr),
    NIC_U8(dcr), NIC_U8(pstart), NIC_U8(pstop), NIC_U8(bnry), NIC_U8(curr), NIC_U8(tpsr),
    STATE_U16(Ne2kPciState, nic.tbcr, 1),
    STATE_U16(Ne2kPciState, nic.rsar, 1),
    STATE_U16(Ne2kPciState, nic.rbcr, 1),
    STATE_BYTES(Ne2kPciState, nic.par, 6, 1),
    STATE_BYTES(Ne2kPciState, nic.mar, 8, 1),
    STATE_BYTES(Ne2kPciState, nic.cntr, 3, 1),
    STATE_BYTES(Ne2kPciState, nic.mac, 6, 1),
    STATE_BOOL(Ne2kPciState, nic.irq, 1),
    STATE_U32(Ne2kPciState, nic.rx_dropped, 1),
    STATE_U32(Ne2kPciState, nic.tx_frames, 1),
    STATE_U32(Ne2kPciState, nic.rx_frames, 1),
    STATE_BYTES(Ne2kPciState, nic.mem, NE2K_MEM_END, 1),
};
#undef NIC_U8
static const StateDesc ne2k_pci_state = { "ne2k_pci", 1, ne2k_pci_fields,
                                          STATE_NFIELDS(ne2k_pci_fields) };

static const DeviceClass ne2k_pci_class = {
    .name = "ne2k_pci",
    .realize = ne2k_pci_realize,
    .reset = ne2k_pci_reset,
    .unrealize = ne2k_pci_unrealize,
    .state = &ne2k_pci_state,
    .post_load = ne2k_pci_post_load,
};

Ne2kPciState *ne2k_pci_new(const Ne2kPciConfig *cfg, PciBus *bus, NetCtx *net)
{
    Ne2kPciState *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->id, sizeof s->id, "%s", cfg->id ? cfg->id : "ne2k_pci");
    if (cfg->netdev)
        snprintf(s->netdev, sizeof s->netdev, "%s", cfg->netdev);
    const char *rom = cfg->romfile;
    if (!rom && access(NE2K_PCI_DEFAULT_ROM, R_OK) == 0)
        rom = NE2K_PCI_DEFAULT_ROM;
    if (rom && *rom && !(s->romfile = strdup(rom))) {
        free(s);
        return NULL;
    }
    s->bus = bus;
    s->net = net;
    s->devfn = cfg->devfn;
    device_init(&s->pci.dev, &ne2k_pci_class, s->id);
    pci_config_init(&s->pci, 0x10EC, 0x8029, 0x02000000, 0x00, 1); /* Ethernet, INTA */
    pci_set16(s->pci.config + PCI_SUBSYS_VENDOR, 0x10EC);
    pci_set16(s->pci.config + PCI_SUBSYS_ID, 0x8029);
    pci_bar_init(&s->pci, 0, PCI_BAR_IO, NE2K_IO_SIZE, &ne2k_io_ops, s);
    ne2k_init(&s->nic, cfg->mac, nic_set_irq, nic_send, s);
    s->nc.ops = &nic_ops;
    snprintf(s->nc.id, sizeof s->nc.id, "%s", s->id);
    return s;
}

void ne2k_pci_free(Ne2kPciState *s)
{
    if (!s)
        return;
    free(s->romfile);
    free(s);
}
