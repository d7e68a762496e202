/* The Standard Hot-Plug Controller's register set (see shpc.h). */
#include "dev/shpc.h"
#include <string.h>

enum {
    R_BASE_OFFSET = 0x00, R_SLOTS_AVAIL1 = 0x04, R_SLOTS_AVAIL2 = 0x08, R_SLOT_CONFIG = 0x0C,
    R_SEC_BUS = 0x10, R_CMD = 0x14, R_INT_LOC = 0x18, R_SERR_LOC = 0x1C, R_SERR_INT = 0x20,
    R_SLOT0 = 0x24,
    PROG_IF = 1,                     /* SHPC 1.0 */
    SLOT_STATE = 3, SLOT_PWR_LED = 3 << 2, SLOT_ATN_LED = 3 << 4,
    SLOT_PRSNT_SHIFT = 10, SLOT_PRSNT = 3 << 10,
    PRSNT_EMPTY = 3, PRSNT_7_5W = 0, /* PRSNT1#/PRSNT2# */
    SLOT_EVENTS = 0x1F << 16,
    SLOT_MASKS = 0x7F << 24,         /* five interrupt masks, two SERR masks */
    SERR_INT_MASKS = 0xF,
    SERR_INT_EVENTS = 3u << 16,
    SLOT_CONFIG_ATTN_BUTTON = 1u << 31, SLOT_CONFIG_UPDOWN = 1u << 29,
};

static void update_irq(ShpcState *s)
{
    if (s->set_irq)
        s->set_irq(s->irq_opaque, shpc_int_locator(s) && !(s->serr_int & SHPC_GLOBAL_INT_MASK));
}

void shpc_init(ShpcState *s, int nslots, int first_dev, int psn, void (*set_irq)(void *, int), void *opaque)
{
    memset(s, 0, sizeof *s);
    s->nslots = (uint8_t)(nslots < 1 ? 1 : nslots > SHPC_MAX_SLOTS ? SHPC_MAX_SLOTS : nslots);
    s->first_dev = (uint8_t)(first_dev & 31);
    s->psn = (uint16_t)(psn & 0x7FF);
    s->set_irq = set_irq;
    s->irq_opaque = opaque;
    shpc_reset(s, 0);
}

static void set_field(uint32_t *reg, uint32_t mask, uint32_t value)
{
    *reg = (*reg & ~mask) | (value & mask);
}

void shpc_reset(ShpcState *s, uint32_t occupied)
{
    s->serr_int = SERR_INT_MASKS;
    s->cmd = 0;
    s->cmd_status = 0;
    s->pending = s->released = 0;
    for (int i = 0; i < SHPC_MAX_SLOTS; i++) {
        bool card = i < s->nslots && ((occupied >> i) & 1);
        uint32_t r = SLOT_MASKS;
        if (card)
            r |= SHPC_STATE_ENABLED | SHPC_LED_ON << 2 | SHPC_LED_OFF << 4 | PRSNT_7_5W << SLOT_PRSNT_SHIFT;
        else
            r |= SHPC_STATE_DISABLED | SHPC_LED_OFF << 2 | SHPC_LED_OFF << 4 | (uint32_t)PRSNT_EMPTY << SLOT_PRSNT_SHIFT;
        s->slot[i] = r;
    }
    update_irq(s);
}

uint32_t shpc_int_locator(const ShpcState *s)
{
    uint32_t loc = 0;
    if ((s->serr_int & SHPC_CMD_DETECTED) && !(s->serr_int & SHPC_CMD_INT_MASK))
        loc |= 1;
    for (int i = 0; i < s->nslots; i++) {
        uint32_t ev = (s->slot[i] & SLOT_EVENTS) >> 16, mask = (s->slot[i] >> 24) & 0x1F;
        if (ev & ~mask)
            loc |= 2u << i;
    }
    return loc;
}

static uint32_t read_dword(const ShpcState *s, uint32_t idx)
{
    switch (idx * 4) {
    case R_BASE_OFFSET:
        return 0;
    case R_SLOTS_AVAIL1:
        return s->nslots; /* all of them conventional 33 MHz */
    case R_SLOTS_AVAIL2:
        return 0;
    case R_SLOT_CONFIG:
        return s->nslots | (uint32_t)s->first_dev << 8 | (uint32_t)s->psn << 16 | SLOT_CONFIG_UPDOWN |
               SLOT_CONFIG_ATTN_BUTTON;
    case R_SEC_BUS:
        return (uint32_t)PROG_IF << 24; /* 33 MHz conventional mode, no MSI control */
    case R_CMD:
        return s->cmd | (uint32_t)s->cmd_status << 16;
    case R_INT_LOC:
        return shpc_int_locator(s);
    case R_SERR_LOC:
        return 0; /* no SERR source is modelled: nothing ever asserts SERR */
    case R_SERR_INT:
        return s->serr_int;
    default:
        if (idx * 4 >= R_SLOT0 && idx - R_SLOT0 / 4 < s->nslots)
            return s->slot[idx - R_SLOT0 / 4];
        return 0;
    }
}

uint32_t shpc_read(const ShpcState *s, uint32_t off, int size)
{
    if ((size != 1 && size != 2 && size != 4) || off >= SHPC_REGS_SIZE || (off & 3) + (uint32_t)size > 4)
        return 0;
    return (read_dword(s, off >> 2) >> (8 * (off & 3))) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

/* Slot operation (command codes 0x00-0x3F) on slot i: the state, then the
 * indicators; "no change" (0) leaves a field alone. */
static uint16_t slot_operation(ShpcState *s, int i, uint8_t code)
{
    uint32_t *r = &s->slot[i];
    uint32_t state = code & 3, pwr = (code >> 2) & 3, atn = (code >> 4) & 3;
    bool empty = ((*r & SLOT_PRSNT) >> SLOT_PRSNT_SHIFT) == PRSNT_EMPTY;
    if (state && state != SHPC_STATE_DISABLED && empty)
        return SHPC_CMDSTAT_INVALID_CMD; /* nothing to power */
    if (state) {
        set_field(r, SLOT_STATE, state);
        if (state == SHPC_STATE_DISABLED && ((s->pending >> i) & 1)) {
            s->pending &= (uint8_t)~(1u << i);
            s->released |= (uint8_t)(1u << i); /* the board takes the card out */
        }
    }
    if (pwr)
        set_field(r, SLOT_PWR_LED, pwr << 2);
    if (atn)
        set_field(r, SLOT_ATN_LED, atn << 4);
    return 0;
}

static void command(ShpcState *s, uint16_t v)
{
    uint8_t code = (uint8_t)v, target = (uint8_t)(v >> 8);
    uint16_t st = 0;
    s->cmd = v;
    if (code <= 0x3F) {
        if (target >= 1 && target <= s->nslots)
            st = slot_operation(s, target - 1, code);
        else
            st = SHPC_CMDSTAT_INVALID_CMD;
    } else if (code >= 0x40 && code <= 0x47) {
        st = code == 0x40 ? 0 : SHPC_CMDSTAT_INVALID_MODE; /* only 33 MHz conventional */
    } else if (code == 0x48 || code == 0x49) {
        /* power-only / enable every occupied slot */
        for (int i = 0; i < s->nslots; i++)
            if (((s->slot[i] & SLOT_PRSNT) >> SLOT_PRSNT_SHIFT) != PRSNT_EMPTY)
                slot_operation(s, i, code == 0x48 ? SHPC_STATE_PWRONLY : SHPC_STATE_ENABLED);
    } else {
        st = SHPC_CMDSTAT_INVALID_CMD; /* 0x50-0x5F are for programming interface 2 */
    }
    s->cmd_status = st; /* busy never shows: the command is done */
    s->serr_int |= SHPC_CMD_DETECTED;
}

static void write_dword(ShpcState *s, uint32_t idx, uint32_t v, uint32_t bytes)
{
    uint32_t off = idx * 4;
    if (off == R_CMD) {
        if (bytes & 3) /* the command word; the status above it is read-only */
            command(s, (uint16_t)((s->cmd & ~(bytes & 0xFFFF)) | (v & bytes & 0xFFFF)));
    } else if (off == R_SERR_INT) {
        set_field(&s->serr_int, SERR_INT_MASKS & bytes, v);
        s->serr_int &= ~(v & bytes & SERR_INT_EVENTS);
    } else if (off >= R_SLOT0 && idx - R_SLOT0 / 4 < s->nslots) {
        uint32_t *r = &s->slot[idx - R_SLOT0 / 4];
        set_field(r, SLOT_MASKS & bytes, v);
        *r &= ~(v & bytes & SLOT_EVENTS);
    }
    /* everything else is read-only */
}

void shpc_write(ShpcState *s, uint32_t off, int size, uint32_t v)
{
    if ((size != 1 && size != 2 && size != 4) || off >= SHPC_REGS_SIZE || (off & 3) + (uint32_t)size > 4)
        return;
    uint32_t shift = 8 * (off & 3);
    uint32_t bytes = (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1) << shift;
    write_dword(s, off >> 2, v << shift, bytes);
    update_irq(s);
}

int shpc_slot_of(const ShpcState *s, int dev)
{
    int i = dev - s->first_dev;
    return i >= 0 && i < s->nslots ? i : -1;
}

bool shpc_slot_enabled(const ShpcState *s, int slot)
{
    return slot >= 0 && slot < s->nslots && (s->slot[slot] & SLOT_STATE) == SHPC_STATE_ENABLED;
}

void shpc_plug(ShpcState *s, int slot, bool powered)
{
    if (slot < 0 || slot >= s->nslots)
        return;
    set_field(&s->slot[slot], SLOT_PRSNT, (uint32_t)PRSNT_7_5W << SLOT_PRSNT_SHIFT);
    if (powered)
        set_field(&s->slot[slot], SLOT_STATE | SLOT_PWR_LED | SLOT_ATN_LED,
                  SHPC_STATE_ENABLED | SHPC_LED_ON << 2 | SHPC_LED_OFF << 4);
    else
        s->slot[slot] |= SHPC_EV_PRESENCE | SHPC_EV_BUTTON;
    update_irq(s);
}

int shpc_request_unplug(ShpcState *s, int slot)
{
    if (slot < 0 || slot >= s->nslots)
        return 1;
    if ((s->pending | s->released) & (1u << slot))
        return -1;
    if ((s->slot[slot] & SLOT_STATE) == SHPC_STATE_DISABLED)
        return 1; /* never powered on (or already off): the guest holds nothing */
    s->pending |= (uint8_t)(1u << slot);
    s->slot[slot] |= SHPC_EV_BUTTON;
    update_irq(s);
    return 0;
}

void shpc_unplugged(ShpcState *s, int slot)
{
    if (slot < 0 || slot >= s->nslots)
        return;
    s->pending &= (uint8_t)~(1u << slot);
    s->released &= (uint8_t)~(1u << slot);
    set_field(&s->slot[slot], SLOT_PRSNT, (uint32_t)PRSNT_EMPTY << SLOT_PRSNT_SHIFT);
    set_field(&s->slot[slot], SLOT_STATE, SHPC_STATE_DISABLED);
    s->slot[slot] |= SHPC_EV_PRESENCE;
    update_irq(s);
}
