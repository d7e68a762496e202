/* The board's side of the SHPC bridges (see hotplug_bridge.h). */
#include "system/hotplug_bridge.h"
#include <stdlib.h>
#include <string.h>
#include "system/hotplug.h"
#include "system/machine.h"

/* The windows the firmware gives bridge k on a -kernel boot: I/O
 * 0x1000-0x1FFF for the first (below the root's cards from 0xC000), 16
 * MiB of memory from 0xF0000000 each (above the root's cards, which stay
 * below 0xF0000000: hotplug_reset). */
enum { FW_IO_BASE = 0x1000, FW_IO_SIZE = 0x1000, FW_MEM_BASE = 0xF0000000u, FW_MEM_SIZE = 0x1000000 };

static int find_bridge(const Machine *m, const char *id)
{
    for (int i = 0; i < MACHINE_MAX_BRIDGES; i++)
        if (m->bridge[i] && !strcmp(m->bridge[i]->id, id))
            return i;
    return -1;
}

bool hotplug_bridge_id_taken(Machine *m, const char *id) { return find_bridge(m, id) >= 0; }

int hotplug_bridge_add(Machine *m, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "addr", NULL };
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return -1;
    if (e386_insn_count(m->cpu) != 0) {
        snprintf(err, errlen, "pci-bridge: only at start-up (-device): the guest sets bridges up at boot");
        return -1;
    }
    int k = 0;
    while (k < MACHINE_MAX_BRIDGES && m->bridge[k])
        k++;
    if (k == MACHINE_MAX_BRIDGES) {
        snprintf(err, errlen, "at most %d pci-bridge devices", MACHINE_MAX_BRIDGES);
        return -1;
    }
    char id[NET_ID_LEN], addr[16];
    int r = net_opt_get(opts, "id", id, sizeof id);
    if (r == -1)
        snprintf(id, sizeof id, "pci-bridge.%d", k);
    if (r == -2 || !id[0] || find_bridge(m, id) >= 0) {
        snprintf(err, errlen, "device id '%s' is %s", id, id[0] && r != -2 ? "already in use" : "not valid");
        return -1;
    }
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i] && !strcmp(m->nic[i]->dev.id, id)) {
            snprintf(err, errlen, "device id '%s' is already in use", id);
            return -1;
        }
    /* nor a board device's (pic, rtc, ...): the migration stream keys
     * both by id in the same kind of section (docs/migration.md) */
    for (int i = 0; i < m->ndev; i++)
        if (!strcmp(m->dev[i]->id, id)) {
            snprintf(err, errlen, "device id '%s' is already in use (a board device)", id);
            return -1;
        }
    int devfn = -1;
    if (net_opt_get(opts, "addr", addr, sizeof addr) == 0) {
        char *end;
        long s = strtol(addr, &end, 0);
        if (end == addr || (*end && *end != '.') || s < 2 || s >= PCI_NSLOTS) {
            snprintf(err, errlen, "addr=%s: want a slot from 2 to 31", addr);
            return -1;
        }
        devfn = (int)s << 3;
    }
    PciBridgeState *b = malloc(sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* physical slot numbers: 1-8 behind the first bridge, 9-16 behind the next */
    pci_bridge_init(b, id, &m->pci.bus, devfn, 1 + k * PCI_BRIDGE_SLOTS);
    char e[256];
    if (device_realize(&b->pci.dev, &m->host, e, sizeof e) < 0) {
        snprintf(err, errlen, "%s", e);
        free(b);
        return -1;
    }
    m->bridge[k] = b;
    device_reset(&b->pci.dev);
    if (m->cfg.kernel) { /* as a BIOS would have at boot */
        pci_assign_device(&b->pci);
        pci_bridge_firmware_setup(b, k + 1, FW_IO_BASE + (uint32_t)k * FW_IO_SIZE, FW_IO_SIZE,
                                  FW_MEM_BASE + (uint32_t)k * FW_MEM_SIZE, FW_MEM_SIZE);
    }
    return 0;
}

int hotplug_bridge_place(Machine *m, const char *id, const char *addr, PciBus **bus, int *devfn, char *err,
                         size_t errlen)
{
    int k = find_bridge(m, id);
    if (k < 0) {
        snprintf(err, errlen, "bus '%s' not found (a pci-bridge id)", id);
        return -1;
    }
    PciBridgeState *b = m->bridge[k];
    *bus = &b->sec;
    if (addr) {
        char *end;
        long s = strtol(addr, &end, 0);
        if (end == addr || (*end && *end != '.') || s < PCI_BRIDGE_FIRST_DEV ||
            s >= PCI_BRIDGE_FIRST_DEV + PCI_BRIDGE_SLOTS) {
            snprintf(err, errlen, "addr=%s: bus %s has hot-plug slots %d to %d", addr, id, PCI_BRIDGE_FIRST_DEV,
                     PCI_BRIDGE_FIRST_DEV + PCI_BRIDGE_SLOTS - 1);
            return -1;
        }
        *devfn = (int)s << 3;
        return 0;
    }
    for (int i = 0; i < PCI_BRIDGE_SLOTS; i++) {
        int f = (PCI_BRIDGE_FIRST_DEV + i) << 3;
        if (!b->sec.dev[f]) {
            *devfn = f;
            return 0;
        }
    }
    snprintf(err, errlen, "bus '%s': every hot-plug slot is taken", id);
    return -1;
}

PciBridgeState *hotplug_bridge_of(Machine *m, const PciDevice *d)
{
    for (int i = 0; i < MACHINE_MAX_BRIDGES; i++)
        if (m->bridge[i] && d->bus == &m->bridge[i]->sec)
            return m->bridge[i];
    return NULL;
}

void hotplug_bridge_plugged(Machine *m, PciBridgeState *b, PciDevice *d)
{
    int slot = pci_bridge_slot_of(b, d);
    bool cold = e386_insn_count(m->cpu) == 0;
    shpc_plug(&b->shpc, slot, cold);
    if (!m->cfg.kernel)
        return;
    if (cold)
        pci_assign_device(d); /* in the bridge's windows, as at boot */
    else if (d->config[PCI_INTERRUPT_PIN]) /* the guest places the BARs; the line is firmware's */
        pci_config_write(d, PCI_INTERRUPT_LINE, 1, pci_device_irq(d));
}

int hotplug_bridge_unplug(Machine *m, PciBridgeState *b, PciDevice *d, char *err, size_t errlen)
{
    (void)m;
    int r = shpc_request_unplug(&b->shpc, pci_bridge_slot_of(b, d));
    if (r < 0)
        snprintf(err, errlen, "device_del of '%s' is already pending: the guest has not released the card "
                 "(slot still powered)", d->dev.id);
    return r == 1 ? 0 : r == 0 ? 1 : -1;
}

bool hotplug_bridge_pending(Machine *m, const PciDevice *d)
{
    PciBridgeState *b = hotplug_bridge_of(m, d);
    int slot = b ? pci_bridge_slot_of(b, d) : -1;
    return slot >= 0 && (((b->shpc.pending | b->shpc.released) >> slot) & 1);
}

void hotplug_bridge_poll(Machine *m, bool all)
{
    for (int k = 0; k < MACHINE_MAX_BRIDGES; k++) {
        PciBridgeState *b = m->bridge[k];
        if (!b || !(b->shpc.released | (all ? b->shpc.pending : 0)))
            continue;
        for (int slot = 0; slot < b->shpc.nslots; slot++) {
            uint8_t bit = (uint8_t)(1u << slot);
            if (!((b->shpc.released | (all ? b->shpc.pending : 0)) & bit))
                continue;
            PciDevice *d = b->sec.dev[(b->shpc.first_dev + slot) << 3];
            char id[NET_ID_LEN] = "";
            if (d)
                snprintf(id, sizeof id, "%s", d->dev.id);
            if (d)
                hotplug_remove_card(m, d); /* unrealize, then its matching free */
            shpc_unplugged(&b->shpc, slot);
            if (id[0])
                machine_net_device_deleted(m, id);
        }
    }
}

void hotplug_bridge_firmware(Machine *m)
{
    for (int k = 0; k < MACHINE_MAX_BRIDGES; k++)
        if (m->bridge[k])
            pci_bridge_firmware_setup(m->bridge[k], k + 1, FW_IO_BASE + (uint32_t)k * FW_IO_SIZE, FW_IO_SIZE,
                                      FW_MEM_BASE + (uint32_t)k * FW_MEM_SIZE, FW_MEM_SIZE);
}

void hotplug_bridge_reset(Machine *m)
{
    for (int k = 0; k < MACHINE_MAX_BRIDGES; k++)
        if (m->bridge[k])
            device_reset(&m->bridge[k]->pci.dev);
}

void hotplug_bridge_remove_all(Machine *m)
{
    for (int k = MACHINE_MAX_BRIDGES - 1; k >= 0; k--) {
        if (!m->bridge[k])
            continue;
        device_unrealize(&m->bridge[k]->pci.dev);
        free(m->bridge[k]);
        m->bridge[k] = NULL;
    }
}
