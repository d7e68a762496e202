/* The machine's PCI and network at run time: the C API behind
 * -netdev/-device/-object on the command line and the monitor's
 * device_add, device_del, netdev_add, netdev_del, object_add/del,
 * query-pci / info pci and info network.
 *
 * Every function returns 0, or -1 with a message in err; none of them
 * exits or aborts on bad input.  Call them between slices (the run loop's
 * thread).  device_del of a card on the root bus is a surprise removal:
 * the card vanishes from the bus at once (its BARs unmapped, its
 * interrupt lowered, its option ROM freed with galloc_free, its backend
 * left free), with no notice to the guest.  Cards behind a pci-bridge
 * (bus=) are announced to the guest through the bridge's SHPC and removed
 * only once it released them (hotplug_bridge.h).  netdev_del leaves
 * the card in place with its cable pulled: its frames are dropped and
 * counted. */
#ifndef E386_SYSTEM_HOTPLUG_H
#define E386_SYSTEM_HOTPLUG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Machine Machine;

/* "ne2k_pci,id=ID[,netdev=NETDEV][,mac=52:54:00:xx:xx:xx][,romfile=PATH][,addr=SLOT][,bus=BRIDGE]",
 * or the same with "rtl8139"; or "pci-bridge,id=ID[,addr=SLOT]" */
int hotplug_device_add(Machine *m, const char *opts, char *err, size_t errlen);
/* 0: the card is gone (DEVICE_DELETED now); 1: the guest was asked to
 * release it (DEVICE_DELETED when it did); -1 with a message. */
int hotplug_device_del(Machine *m, const char *id, char *err, size_t errlen);
/* "TYPE,id=ID,..." (docs/network.md: user, socket, tap, hubport) */
int hotplug_netdev_add(Machine *m, const char *opts, char *err, size_t errlen);
int hotplug_netdev_del(Machine *m, const char *id, char *err, size_t errlen);
/* "filter-dump,id=ID,netdev=NETDEV,file=PATH[,maxlen=N]" */
int hotplug_object_add(Machine *m, const char *opts, char *err, size_t errlen);
int hotplug_object_del(Machine *m, const char *id, char *err, size_t errlen);

/* One PCI function as query-pci reports it. */
typedef struct HotplugPciInfo {
    int bus, slot, function;
    uint16_t vendor, device;
    uint16_t class_code; /* class << 8 | subclass */
    uint8_t irq;         /* the interrupt line register */
    uint8_t pin;         /* 0 none, 1-4 INTA-D */
    char id[64];         /* the device's id (qdev_id) */
    bool unplug_pending; /* device_del asked the guest, which has not released it */
    struct {
        int type;        /* 0 unused, 1 I/O, 2 memory (PciBarType) */
        uint32_t addr;   /* as programmed (0: unassigned) */
        uint32_t size;
        bool mapped;     /* decoding now */
    } bar[7];            /* 6 = the expansion ROM */
} HotplugPciInfo;

/* Up to max functions into out; the count (0 or more). */
int hotplug_query_pci(Machine *m, HotplugPciInfo *out, int max);
/* info pci and info network as text (lines ending in '\n'). */
int hotplug_info_pci(Machine *m, char *buf, size_t len, char *err, size_t errlen);
int hotplug_info_network(Machine *m, char *buf, size_t len, char *err, size_t errlen);

/* The network side of a card in Machine.nic[]. */
struct PciDevice;
struct NetClient *hotplug_nic_client(struct PciDevice *d);
/* Take a card out now: unrealize, then its matching free. */
void hotplug_remove_card(Machine *m, struct PciDevice *d);

/* For the board (machine.c): the cards' reset and, with -kernel, the
 * firmware's PCI setup; and the end of the machine. */
void hotplug_reset(Machine *m);
void hotplug_remove_all(Machine *m);
#endif
