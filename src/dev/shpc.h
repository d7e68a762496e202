/* The Standard Hot-Plug Controller (PCI Standard Hot-Plug Controller and
 * Subsystem Specification 1.0, chapter 6 "SHPC register set"): the
 * controller a PCI-to-PCI bridge carries so that an operating system
 * powers its slots on and off.  Linux drives it with shpchp.
 *
 * The register set (offsets in bytes; the same words are reached through
 * the SHPC capability's DWORD select/data pair in configuration space,
 * DWORD n at offset 4n):
 *   0x00 base offset (0: the set begins at the bridge's BAR0)
 *   0x04 slots available I (conventional 33 MHz slots), 0x08 II (0)
 *   0x0C slot configuration: slot count, first device number, physical
 *        slot number, attention buttons present, no MRL sensors
 *   0x10 secondary bus configuration (33 MHz conventional), programming
 *        interface 1 in the top byte
 *   0x14 command (write), 0x16 command status (busy, MRL open, invalid
 *        command, invalid speed/mode)
 *   0x18 interrupt locator, 0x1C SERR locator (read-only)
 *   0x20 controller SERR-INT enable: global interrupt, global SERR,
 *        command-complete and arbiter masks (bits 0-3), command-complete
 *        and arbiter-timeout detected (bits 16-17, write 1 to clear)
 *   0x24 + 4*i: slot i: state (power-only, enabled, disabled), power and
 *        attention indicators, presence, events (bits 16-20, write 1 to
 *        clear) and their interrupt/SERR masks (bits 24-30)
 *
 * Commands complete at once: the busy bit never reads 1, and the
 * command-complete event (and its interrupt, when unmasked) follows the
 * write immediately.  Nothing here depends on time.
 *
 * The board's side: shpc_plug (a card appears: presence change and an
 * attention-button press, the operator's "please turn it on"),
 * shpc_request_unplug (an attention-button press on a powered slot: the
 * operator's "please let go of it"); the guest answers by commanding the
 * slot to "disabled", and then the slot is in the released mask until the
 * board has taken the card away (shpc_unplugged).  A guest that never
 * answers leaves the card in its slot and the request pending. */
#ifndef E386_DEV_SHPC_H
#define E386_DEV_SHPC_H
#include <stdbool.h>
#include <stdint.h>

enum {
    SHPC_MAX_SLOTS = 8,
    SHPC_REGS_SIZE = 0x24 + 4 * SHPC_MAX_SLOTS, /* bytes of the register set */
    /* slot states (slot register bits 1:0) */
    SHPC_STATE_PWRONLY = 1, SHPC_STATE_ENABLED = 2, SHPC_STATE_DISABLED = 3,
    /* indicator states (bits 3:2 power, 5:4 attention) */
    SHPC_LED_ON = 1, SHPC_LED_BLINK = 2, SHPC_LED_OFF = 3,
    /* slot events (bits 16-20) and their interrupt masks (event << 8) */
    SHPC_EV_PRESENCE = 1u << 16, SHPC_EV_ISO_PFAULT = 1u << 17, SHPC_EV_BUTTON = 1u << 18,
    SHPC_EV_MRL = 1u << 19, SHPC_EV_CON_PFAULT = 1u << 20,
    /* controller SERR-INT enable bits */
    SHPC_GLOBAL_INT_MASK = 1, SHPC_GLOBAL_SERR_MASK = 2, SHPC_CMD_INT_MASK = 4,
    SHPC_ARB_SERR_MASK = 8, SHPC_CMD_DETECTED = 1u << 16, SHPC_ARB_DETECTED = 1u << 17,
    /* command status bits */
    SHPC_CMDSTAT_BUSY = 1, SHPC_CMDSTAT_MRL_OPEN = 2, SHPC_CMDSTAT_INVALID_CMD = 4,
    SHPC_CMDSTAT_INVALID_MODE = 8,
};

typedef struct ShpcState {
    uint8_t nslots;      /* 1 to SHPC_MAX_SLOTS */
    uint8_t first_dev;   /* the device number of slot 0 on the secondary bus */
    uint16_t psn;        /* physical slot number of slot 0 */
    uint32_t serr_int;   /* controller SERR-INT enable register */
    uint16_t cmd;        /* the last command written */
    uint16_t cmd_status;
    uint32_t slot[SHPC_MAX_SLOTS]; /* slot registers (state, events, masks) */
    uint8_t pending;     /* slots with an unplug request the guest has not answered */
    uint8_t released;    /* slots the guest turned off with a request pending */
    /* the controller's interrupt (the bridge's INTx): called after every
     * change of the register set with the output level, so that the
     * bridge also refreshes its configuration-space window on it */
    void (*set_irq)(void *opaque, int level);
    void *irq_opaque;
} ShpcState;

/* nslots slots from device number first_dev; physical slot numbers from
 * psn.  Cannot fail (nslots is clamped to 1..SHPC_MAX_SLOTS). */
void shpc_init(ShpcState *s, int nslots, int first_dev, int psn, void (*set_irq)(void *, int),
               void *opaque);
/* Power-on state: occupied slots (bit i: slot i holds a card) come up
 * enabled with the power indicator on, as a firmware leaves the cards it
 * found at boot; empty slots disabled; every interrupt masked. */
void shpc_reset(ShpcState *s, uint32_t occupied);

/* The register set: offset 0 to SHPC_REGS_SIZE-1, size 1, 2 or 4, not
 * crossing a DWORD (other offsets read 0 and ignore writes). */
uint32_t shpc_read(const ShpcState *s, uint32_t off, int size);
void shpc_write(ShpcState *s, uint32_t off, int size, uint32_t v);

/* The slot of device number dev, or -1. */
int shpc_slot_of(const ShpcState *s, int dev);
/* The card in slot is connected to the bus (configuration cycles reach it). */
bool shpc_slot_enabled(const ShpcState *s, int slot);
/* A card was inserted in an empty slot: with powered, as at power-on (the
 * slot enabled, no event: a card the firmware found at boot); otherwise a
 * hot insertion (presence change and attention button events). */
void shpc_plug(ShpcState *s, int slot, bool powered);
/* Ask the guest to release the card in slot.  Returns 1 if the slot is
 * not powered (nothing to ask: the board may take the card at once), 0 if
 * the request is now pending, -1 if one already was. */
int shpc_request_unplug(ShpcState *s, int slot);
/* The board took the card out of slot (after a release, or at once):
 * presence goes to empty, the request and release bits clear. */
void shpc_unplugged(ShpcState *s, int slot);
/* Interrupt pending (the locator, before the global mask). */
uint32_t shpc_int_locator(const ShpcState *s);
#endif
