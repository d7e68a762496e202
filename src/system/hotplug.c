/* PCI cards and netdevs at run time (see hotplug.h). */
#include "system/hotplug.h"
#include <stdlib.h>
#include <string.h>
#include "system/hotplug_bridge.h"
#include "system/machine.h"

/* The PIRQ links' IRQs the board's firmware programs on a -kernel boot
 * (as SeaBIOS on QEMU's PC: A, B to 10; C, D to 11), level-triggered. */
static const uint8_t fw_pirq[4] = { 10, 10, 11, 11 };

static int find_nic(const Machine *m, const char *id)
{
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i] && !strcmp(m->nic[i]->dev.id, id))
            return i;
    return -1;
}

static bool is_rtl8139(const PciDevice *d) { return !strcmp(d->dev.cls->name, "rtl8139"); }

NetClient *hotplug_nic_client(PciDevice *d)
{
    return is_rtl8139(d) ? &((Rtl8139State *)d)->nc : &((Ne2kPciState *)d)->nc;
}

static void nic_free(PciDevice *d)
{
    if (is_rtl8139(d))
        rtl8139_free((Rtl8139State *)d);
    else
        ne2k_pci_free((Ne2kPciState *)d);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6 ||
        strlen(s) != 17)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return (mac[0] & 1) ? -1 : 0; /* a multicast address is no station address */
}

int hotplug_device_add(Machine *m, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "netdev", "mac", "romfile", "addr", "bus", NULL };
    size_t tl = strcspn(opts, ",");
    bool rtl = tl == 7 && !strncmp(opts, "rtl8139", 7);
    if (tl == 10 && !strncmp(opts, "pci-bridge", 10))
        return hotplug_bridge_add(m, opts, err, errlen); /* hotplug_bridge.c */
    if (!rtl && !(tl == 8 && !strncmp(opts, "ne2k_pci", 8))) {
        snprintf(err, errlen, "device '%.*s' is not supported (ne2k_pci, rtl8139, pci-bridge)", (int)tl, opts);
        return -1;
    }
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return -1;
    int slot = 0;
    while (slot < MACHINE_MAX_NICS && m->nic[slot])
        slot++;
    if (slot == MACHINE_MAX_NICS) {
        snprintf(err, errlen, "at most %d network cards", MACHINE_MAX_NICS);
        return -1;
    }
    char id[NET_ID_LEN], netdev[NET_ID_LEN], mac[32], addr[16], romfile[4096];
    Ne2kPciConfig cfg = { .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + slot) }, .devfn = -1 };
    int r = net_opt_get(opts, "id", id, sizeof id);
    if (r == -1)
        snprintf(id, sizeof id, "%s.%d", rtl ? "rtl8139" : "ne2k_pci", slot);
    if (r == -2 || !id[0] || find_nic(m, id) >= 0) {
        snprintf(err, errlen, "device id '%s' is %s", id, id[0] && r != -2 ? "already in use" : "not valid");
        return -1;
    }
    if (hotplug_bridge_id_taken(m, id)) {
        snprintf(err, errlen, "device id '%s' is already in use", id);
        return -1;
    }
    cfg.id = id;
    if (net_opt_get(opts, "netdev", netdev, sizeof netdev) == 0)
        cfg.netdev = netdev;
    if (net_opt_get(opts, "mac", mac, sizeof mac) == 0 && parse_mac(mac, cfg.mac) < 0) {
        snprintf(err, errlen, "mac=%s: want a unicast address like 52:54:00:12:34:56", mac);
        return -1;
    }
    r = net_opt_get(opts, "romfile", romfile, sizeof romfile);
    if (r == -2) {
        snprintf(err, errlen, "romfile= path too long");
        return -1;
    }
    if (r == 0)
        cfg.romfile = romfile;
    /* bus=BRIDGE: a slot of that bridge, which the guest powers (SHPC) */
    PciBus *bus = &m->pci.bus;
    char busid[NET_ID_LEN];
    bool have_addr = net_opt_get(opts, "addr", addr, sizeof addr) == 0;
    r = net_opt_get(opts, "bus", busid, sizeof busid);
    if (r == -2 || (r == 0 && strcmp(busid, "pci.0") &&
                    hotplug_bridge_place(m, busid, have_addr ? addr : NULL, &bus, &cfg.devfn, err, errlen) < 0)) {
        if (r == -2)
            snprintf(err, errlen, "bus= is not a valid id");
        return -1;
    }
    if (have_addr && bus == &m->pci.bus) {
        char *end;
        long s = strtol(addr, &end, 0);
        if (end == addr || (*end && *end != '.') || s < 2 || s >= PCI_NSLOTS) {
            snprintf(err, errlen, "addr=%s: want a slot from 2 to 31", addr);
            return -1;
        }
        cfg.devfn = (int)s << 3;
    }
    PciDevice *d;
    if (rtl) {
        Rtl8139Config rc = { cfg.id, { 0 }, cfg.romfile, cfg.netdev, cfg.devfn };
        memcpy(rc.mac, cfg.mac, 6);
        d = (PciDevice *)rtl8139_new(&rc, bus, &m->net);
    } else {
        d = (PciDevice *)ne2k_pci_new(&cfg, bus, &m->net);
    }
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char e[512];
    if (device_realize(&d->dev, &m->host, e, sizeof e) < 0) {
        snprintf(err, errlen, "%s", e);
        nic_free(d);
        return -1;
    }
    m->nic[slot] = d;
    PciBridgeState *br = hotplug_bridge_of(m, d);
    if (br)
        hotplug_bridge_plugged(m, br, d); /* the guest hears of it (SHPC) */
    else if (m->cfg.kernel) /* no firmware: the board assigns, as a BIOS would have */
        pci_assign_device(d);
    return 0;
}

void hotplug_remove_card(Machine *m, PciDevice *d)
{
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i] == d)
            m->nic[i] = NULL;
    device_unrealize(&d->dev); /* BARs, INTA, the ROM (galloc_free), the backend */
    nic_free(d);
}

int hotplug_device_del(Machine *m, const char *id, char *err, size_t errlen)
{
    int i = find_nic(m, id);
    if (i < 0) {
        snprintf(err, errlen, "device '%s' not found", id);
        return -1;
    }
    PciDevice *d = m->nic[i];
    PciBridgeState *br = hotplug_bridge_of(m, d);
    if (br) { /* ask the guest; the card goes when it lets go (hotplug_bridge_poll) */
        int r = hotplug_bridge_unplug(m, br, d, err, errlen);
        if (r != 0)
            return r;
    }
    hotplug_remove_card(m, d); /* a surprise removal on the root bus */
    return 0;
}

int hotplug_netdev_add(Machine *m, const char *opts, char *err, size_t errlen)
{
    return netdev_add(&m->net, opts, err, errlen);
}

int hotplug_netdev_del(Machine *m, const char *id, char *err, size_t errlen)
{
    return netdev_del(&m->net, id, err, errlen);
}

int hotplug_object_add(Machine *m, const char *opts, char *err, size_t errlen)
{
    size_t tl = strcspn(opts, ",");
    if (tl != 11 || strncmp(opts, "filter-dump", 11)) {
        snprintf(err, errlen, "object '%.*s' is not supported (filter-dump)", (int)tl, opts);
        return -1;
    }
    return net_filter_dump_add(&m->net, opts, err, errlen);
}

int hotplug_object_del(Machine *m, const char *id, char *err, size_t errlen)
{
    return net_filter_del(&m->net, id, err, errlen);
}

static int query_bus(Machine *m, const PciBus *bus, int busno, HotplugPciInfo *out, int n, int max)
{
    for (int f = 0; f < PCI_NDEVFN && n < max; f++) {
        const PciDevice *d = bus->dev[f];
        if (!d)
            continue;
        HotplugPciInfo *o = &out[n++];
        memset(o, 0, sizeof *o);
        o->bus = busno;
        o->unplug_pending = hotplug_bridge_pending(m, d);
        o->slot = f >> 3;
        o->function = f & 7;
        o->vendor = pci_get16(d->config + PCI_VENDOR_ID);
        o->device = pci_get16(d->config + PCI_DEVICE_ID);
        o->class_code = pci_get16(d->config + PCI_CLASS_DEVICE);
        o->irq = d->config[PCI_INTERRUPT_LINE];
        o->pin = d->config[PCI_INTERRUPT_PIN];
        snprintf(o->id, sizeof o->id, "%s", d->dev.id ? d->dev.id : "");
        for (int b = 0; b <= PCI_NBARS; b++) {
            const PciBar *bar = &d->bar[b];
            uint32_t reg = b == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BAR0 + 4u * (uint32_t)b;
            uint32_t v = pci_get32(d->config + reg);
            o->bar[b].type = bar->type;
            o->bar[b].size = bar->size;
            o->bar[b].mapped = bar->mapped;
            o->bar[b].addr = bar->type == PCI_BAR_IO ? v & ~3u : b == PCI_ROM_SLOT ? v & ~0x7FFu : v & ~0xFu;
        }
    }
    return n;
}

int hotplug_query_pci(Machine *m, HotplugPciInfo *out, int max)
{
    int n = query_bus(m, &m->pci.bus, 0, out, 0, max);
    for (int k = 0; k < MACHINE_MAX_BRIDGES; k++)
        if (m->bridge[k]) /* the bus number the guest (or firmware) gave it */
            n = query_bus(m, &m->bridge[k]->sec, m->bridge[k]->pci.config[PCI_SECONDARY_BUS], out, n, max);
    return n;
}

static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    if (*off >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    if (w > 0)
        *off += (size_t)w < len - *off ? (size_t)w : len - *off - 1;
}

int hotplug_info_pci(Machine *m, char *buf, size_t len, char *err, size_t errlen)
{
    HotplugPciInfo info[PCI_NDEVFN];
    if (!len) {
        snprintf(err, errlen, "no room for the answer");
        return -1;
    }
    int n = hotplug_query_pci(m, info, PCI_NDEVFN);
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        const HotplugPciInfo *o = &info[i];
        append(buf, len, &off, "  Bus %2d, device %3d, function %d:\n    class %04x: PCI device %04x:%04x\n",
               o->bus, o->slot, o->function, o->class_code, o->vendor, o->device);
        if (o->pin)
            append(buf, len, &off, "      IRQ %d, pin %c\n", o->irq, 'A' + o->pin - 1);
        for (int b = 0; b <= PCI_NBARS; b++) {
            if (!o->bar[b].type)
                continue;
            append(buf, len, &off, "      BAR%d: %s at 0x%08x [0x%08x]%s\n", b,
                   o->bar[b].type == PCI_BAR_IO ? "I/O" : "32 bit memory", o->bar[b].addr,
                   o->bar[b].addr + o->bar[b].size - 1, o->bar[b].mapped ? "" : " (not decoding)");
        }
        append(buf, len, &off, "      id \"%s\"\n", o->id);
        if (o->unplug_pending)
            append(buf, len, &off, "      unplug pending: the guest has not released the card\n");
    }
    return 0;
}

int hotplug_info_network(Machine *m, char *buf, size_t len, char *err, size_t errlen)
{
    if (!len) {
        snprintf(err, errlen, "no room for the answer");
        return -1;
    }
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < MACHINE_MAX_NICS; i++) {
        if (!m->nic[i])
            continue;
        NetClient *nc = hotplug_nic_client(m->nic[i]);
        char what[128];
        nc->ops->describe(nc, what, sizeof what);
        append(buf, len, &off, "%s: %s peer=%s tx=%llu rx=%llu dropped=%llu (no cable: %s)\n",
               m->nic[i]->dev.id, what, nc->peer ? nc->peer->id : "(none)",
               (unsigned long long)nc->tx_frames, (unsigned long long)nc->rx_frames,
               (unsigned long long)nc->dropped, nc->peer ? "no" : "yes");
    }
    if (off < len)
        net_describe(&m->net, buf + off, len - off);
    return 0;
}

void hotplug_reset(Machine *m)
{
    hotplug_bridge_poll(m, true); /* unplug requests complete: no guest is left to answer */
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i])
            device_reset(&m->nic[i]->dev);
    hotplug_bridge_reset(m); /* after the cards: occupied slots come up enabled */
    if (!m->cfg.kernel)
        return; /* a BIOS sets PCI up itself */
    /* the root's cards below 0xF0000000, where the bridges' windows begin */
    m->pci.bus.fw_mem_lo = m->pci.bus.mem_lo > 0xE0000000u ? m->pci.bus.mem_lo : 0xE0000000u;
    m->pci.bus.fw_mem_hi = 0xF0000000u;
    pci_firmware_setup(&m->pci.bus, fw_pirq);
    hotplug_bridge_firmware(m); /* bus numbers, windows, the cards behind */
    /* the firmware's ELCR: the routed IRQs are level-triggered */
    uint32_t elcr = iobus_read(&m->io, 0x4D1, 1);
    for (int i = 0; i < 4; i++)
        if (fw_pirq[i] >= 8 && fw_pirq[i] < 16)
            elcr |= 1u << (fw_pirq[i] - 8);
    iobus_write(&m->io, 0x4D1, 1, elcr);
}

void hotplug_remove_all(Machine *m)
{
    for (int i = MACHINE_MAX_NICS - 1; i >= 0; i--)
        if (m->nic[i])
            hotplug_remove_card(m, m->nic[i]);
    hotplug_bridge_remove_all(m); /* empty now */
    net_cleanup(&m->net);
}
