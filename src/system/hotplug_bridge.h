/* Hot-plug that the guest sees (issue 11, part 5): cards behind a
 * pci-bridge's SHPC (src/dev/pci_bridge.c) are announced to the guest
 * and removed only once it let go of them.  The board side of the
 * bridges for hotplug.c; docs/network.md, "Hot-plug the guest sees".
 *
 *   device_add ne2k_pci,bus=BRIDGE[,addr=1-8]: the card is inserted in
 *     a slot of the bridge; while the machine has not run yet it is there
 *     at power-on (slot enabled, placed by the firmware on -kernel), later
 *     the guest gets a presence change and an attention-button press and
 *     powers the slot on itself (Linux's shpchp, about 5 s of guest time).
 *   device_del of such a card: an attention-button press; the card stays
 *     until the guest turns the slot off, then it is unrealized and freed
 *     exactly as a surprise removal and DEVICE_DELETED follows.  A guest
 *     that never answers leaves it in place: query-pci says
 *     "unplug-pending", a second device_del says the request is pending.
 *     A card the guest never powered goes at once. */
#ifndef E386_SYSTEM_HOTPLUG_BRIDGE_H
#define E386_SYSTEM_HOTPLUG_BRIDGE_H
#include <stdbool.h>
#include <stddef.h>

typedef struct Machine Machine;
struct PciBus;
struct PciDevice;
struct PciBridgeState;

/* "pci-bridge,id=ID[,addr=SLOT]": only before the machine runs (the
 * guest's firmware or -kernel setup must see it at boot). */
int hotplug_bridge_add(Machine *m, const char *opts, char *err, size_t errlen);
/* A bridge has this id. */
bool hotplug_bridge_id_taken(Machine *m, const char *id);
/* The bus behind bridge id and the devfn for addr (the text after
 * addr=, NULL: the first free slot); -1 with a message. */
int hotplug_bridge_place(Machine *m, const char *id, const char *addr, struct PciBus **bus, int *devfn,
                         char *err, size_t errlen);
/* The bridge a card sits behind, or NULL (the root bus). */
struct PciBridgeState *hotplug_bridge_of(Machine *m, const struct PciDevice *d);
/* A card was realized behind b: cold or hot insertion (see above). */
void hotplug_bridge_plugged(Machine *m, struct PciBridgeState *b, struct PciDevice *d);
/* device_del of a card behind b: 0 to remove it now, 1 pending (the
 * guest was asked), -1 with a message (already pending). */
int hotplug_bridge_unplug(Machine *m, struct PciBridgeState *b, struct PciDevice *d, char *err, size_t errlen);
/* An unplug request not yet answered by the guest. */
bool hotplug_bridge_pending(Machine *m, const struct PciDevice *d);
/* Between slices: take out the cards the guest released; each gets its
 * DEVICE_DELETED.  Also at reset, with all set: every pending request
 * completes (the guest that would answer is gone). */
void hotplug_bridge_poll(Machine *m, bool all);
/* With -kernel: bus numbers and windows for every bridge (machine reset). */
void hotplug_bridge_firmware(Machine *m);
void hotplug_bridge_reset(Machine *m);
/* At the end, after the cards: the bridges. */
void hotplug_bridge_remove_all(Machine *m);
#endif
