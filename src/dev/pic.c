/* The 8259A PIC pair, from the Intel 8259A datasheet (order 231468).
 *
 * Edge-triggered requests stay latched in IRR until acknowledged, even if
 * the IR line falls first.  The datasheet asks the line to stay high until
 * INTA (and Bochs drops the request when it falls); we latch because the
 * machine advances time in slices, so a timer pulse shorter than a slice
 * would otherwise be lost at random.  Level-triggered requests (ICW1 LTIM
 * or the ELCR) follow the line, and so does the cascade input (below). */
#include "dev/pic.h"
#include <string.h>

static const uint8_t elcr_mask[2] = { 0xF8, 0xDE }; /* IRQ 0-2, 8 and 13 stay edge (PIIX) */

static uint8_t level_lines(const Pic8259 *c) { return c->ltim ? 0xFF : c->elcr; }

/* The line with the highest priority in mask (priority rotates: the line
 * after `lowest` comes first), or -1. */
static int first_line(const Pic8259 *c, uint8_t mask)
{
    for (int i = 1; i <= 8; i++) {
        int line = (c->lowest + i) & 7;
        if (mask & (1u << line))
            return line;
    }
    return -1;
}

/* Rank 0 is the highest priority, 8 means none. */
static int rank(const Pic8259 *c, int line) { return line < 0 ? 8 : ((line - c->lowest - 1) & 7); }

static bool is_cascade(const Pic8259 *c, int is_master, int line)
{
    return is_master && !c->single && (c->icw3 & (1u << line));
}

/* The line this chip would present on INTA, or -1. */
static int chip_pending(const Pic8259 *c, int is_master, uint8_t irr)
{
    uint8_t req = irr & ~c->imr;
    if (c->special_mask) {
        /* SMM: every unmasked level not itself in service may interrupt,
         * lower priorities included (datasheet; Bochs does the same). */
        return first_line(c, req & ~c->isr);
    }
    int line = first_line(c, req);
    if (line < 0)
        return -1;
    uint8_t blocking = c->isr;
    if (c->sfnm && is_master && !c->single)
        blocking &= ~c->icw3; /* a slave in service does not lock out its own higher requests */
    return rank(c, line) < rank(c, first_line(c, blocking)) ? line : -1;
}

static void chip_set_line(Pic8259 *c, int line, int level)
{
    uint8_t bit = (uint8_t)(1u << line);
    if (level) {
        if (!(c->lines & bit) || (level_lines(c) & bit))
            c->irr |= bit;
        c->lines |= bit;
    } else {
        c->lines &= (uint8_t)~bit;
        if (level_lines(c) & bit)
            c->irr &= (uint8_t)~bit;
    }
}

static void chip_ack(Pic8259 *c, int line)
{
    uint8_t bit = (uint8_t)(1u << line);
    if (!(level_lines(c) & bit))
        c->irr &= (uint8_t)~bit;
    if (c->auto_eoi) {
        if (c->rotate_on_aeoi)
            c->lowest = (uint8_t)line;
    } else {
        c->isr |= bit;
    }
}

/* Propagate the slave's INT to master IR2 and the master's INT to the CPU.
 * The cascade input follows the datasheet strictly: the slave's INT is an
 * exact level, so a request that falls before INTA is withdrawn. */
static void pic_update(PicState *s)
{
    Pic8259 *m = &s->chip[0];
    if (chip_pending(&s->chip[1], 0, s->chip[1].irr) >= 0) {
        chip_set_line(m, 2, 1);
    } else {
        m->lines &= (uint8_t)~4u;
        m->irr &= (uint8_t)~4u;
    }
    bool intr = chip_pending(m, 1, m->irr) >= 0;
    if (intr != s->intr) {
        s->intr = intr;
        irq_set(&s->intr_out, intr);
    }
}

void pic_set_irq(void *opaque, int n, int level)
{
    PicState *s = opaque;
    if (n < 0 || n > 15 || n == 2)
        return; /* IR2 is the cascade: only the slave drives it */
    chip_set_line(&s->chip[n >> 3], n & 7, level != 0);
    pic_update(s);
}

int pic_intr_ack(PicState *s)
{
    Pic8259 *m = &s->chip[0], *sl = &s->chip[1];
    int line = chip_pending(m, 1, m->irr), vector;
    if (line < 0) {
        vector = m->base + 7; /* spurious: the request went away; ISR untouched */
    } else if (is_cascade(m, 1, line)) {
        /* The master names the slave on CAS0-2; only a slave whose ICW3 id
         * matches (and that is cascaded on this line, IR2) drives the
         * vector.  Nobody driving the bus reads as 0xFF. */
        if (line == 2 && !sl->single && (sl->icw3 & 7) == 2) {
            int sline = chip_pending(sl, 0, sl->irr);
            if (sline >= 0) {
                chip_ack(sl, sline);
                vector = sl->base + sline;
            } else {
                vector = sl->base + 7; /* spurious IRQ 15: the master's ISR2 is still set */
            }
        } else {
            vector = 0xFF;
        }
        chip_ack(m, line);
    } else {
        chip_ack(m, line);
        vector = m->base + line;
    }
    pic_update(s);
    return vector;
}

bool pic_intr_level(const PicState *s) { return s->intr; }

bool pic_would_interrupt(const PicState *s, int n)
{
    if (n < 0 || n > 15)
        return false;
    const Pic8259 *m = &s->chip[0];
    uint8_t mirr = m->irr;
    if (n >= 8) {
        const Pic8259 *sl = &s->chip[1];
        if (chip_pending(sl, 0, sl->irr | (uint8_t)(1u << (n & 7))) < 0)
            return false;
        mirr |= 4;
    } else {
        mirr |= (uint8_t)(1u << n);
    }
    return chip_pending(m, 1, mirr) >= 0;
}

/* ICW1: the datasheet's initialization sequence. */
static void chip_icw1(Pic8259 *c, uint8_t v)
{
    c->init_step = 2;
    c->icw4_needed = v & 1;
    c->single = (v & 2) != 0;
    c->ltim = (v & 8) != 0;
    c->imr = 0;
    c->isr = 0;
    /* The edge sense is reset: a line already high must fall and rise
     * again; level lines keep requesting. */
    c->irr = c->lines & level_lines(c);
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_on_aeoi = false;
    if (!c->icw4_needed) { /* "all functions selected in ICW4 are set to zero" */
        c->auto_eoi = false;
        c->sfnm = false;
    }
}

static void chip_ocw2(Pic8259 *c, uint8_t v)
{
    int l = v & 7, line;
    switch (v >> 5) {
    case 0: c->rotate_on_aeoi = false; break;
    case 4: c->rotate_on_aeoi = true; break;
    case 1: /* non-specific EOI: the highest-priority line in service */
    case 5: /* ... and make it the lowest priority */
        line = first_line(c, c->isr);
        if (line >= 0) {
            c->isr &= (uint8_t)~(1u << line);
            if (v >> 5 == 5)
                c->lowest = (uint8_t)line;
        }
        break;
    case 3: c->isr &= (uint8_t)~(1u << l); break; /* specific EOI */
    case 7: c->isr &= (uint8_t)~(1u << l); c->lowest = (uint8_t)l; break;
    case 6: c->lowest = (uint8_t)l; break; /* set priority */
    default: break; /* 2: no operation */
    }
}

static void chip_ocw3(Pic8259 *c, uint8_t v)
{
    if (v & 0x40)
        c->special_mask = (v & 0x20) != 0;
    if (v & 0x02)
        c->read_isr = v & 1;
    if (v & 0x04)
        c->poll = true;
}

static uint32_t chip_read(PicState *s, int which, uint32_t off)
{
    Pic8259 *c = &s->chip[which];
    if (c->poll) {
        /* Poll: the interrupting line is acknowledged as by INTA. */
        c->poll = false;
        int line = chip_pending(c, !which, c->irr);
        if (line < 0)
            return 0;
        chip_ack(c, line);
        pic_update(s);
        return 0x80u | (uint32_t)line;
    }
    if (off & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

static void chip_write(PicState *s, int which, uint32_t off, uint32_t value)
{
    Pic8259 *c = &s->chip[which];
    uint8_t v = (uint8_t)value;
    if (!(off & 1)) {
        if (v & 0x10)
            chip_icw1(c, v);
        else if (v & 0x08)
            chip_ocw3(c, v);
        else
            chip_ocw2(c, v);
    } else {
        switch (c->init_step) {
        case 2: /* ICW2: x86 mode takes T7-T3, the line fills the low bits */
            c->base = v & 0xF8;
            c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
            break;
        case 3:
            c->icw3 = v;
            c->init_step = c->icw4_needed ? 4 : 0;
            break;
        case 4: /* ICW4: uPM (bit 0) is assumed; 8080 mode is not a PC's */
            c->auto_eoi = (v & 2) != 0;
            c->sfnm = (v & 0x10) != 0;
            c->init_step = 0;
            break;
        default: c->imr = v; break; /* OCW1 */
        }
    }
    pic_update(s);
}

static uint32_t master_read(void *opaque, uint32_t off, int size) { (void)size; return chip_read(opaque, 0, off); }
static uint32_t slave_read(void *opaque, uint32_t off, int size) { (void)size; return chip_read(opaque, 1, off); }
static void master_write(void *opaque, uint32_t off, int size, uint32_t v) { (void)size; chip_write(opaque, 0, off, v); }
static void slave_write(void *opaque, uint32_t off, int size, uint32_t v) { (void)size; chip_write(opaque, 1, off, v); }

static uint32_t elcr_read(void *opaque, uint32_t off, int size)
{
    (void)size;
    return ((PicState *)opaque)->chip[off & 1].elcr;
}

static void elcr_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)size;
    PicState *s = opaque;
    Pic8259 *c = &s->chip[off & 1];
    c->elcr = (uint8_t)value & elcr_mask[off & 1];
    /* lines that became level-triggered request exactly while high */
    uint8_t lv = level_lines(c);
    c->irr = (uint8_t)((c->irr & ~lv) | (c->lines & lv));
    pic_update(s);
}

static const IoRegionOps master_ops = { master_read, master_write, 1 };
static const IoRegionOps slave_ops = { slave_read, slave_write, 1 };
static const IoRegionOps elcr_ops = { elcr_read, elcr_write, 1 };

static int pic_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    if (iobus_claim(host->io, 0x20, 2, &master_ops, dev, "pic-master", err, errlen) < 0)
        return -1;
    if (iobus_claim(host->io, 0xA0, 2, &slave_ops, dev, "pic-slave", err, errlen) < 0 ||
        iobus_claim(host->io, 0x4D0, 2, &elcr_ops, dev, "elcr", err, errlen) < 0) {
        iobus_release(host->io, dev);
        return -1;
    }
    return 0;
}

static void pic_reset(Device *dev)
{
    PicState *s = (PicState *)dev;
    for (int i = 0; i < 2; i++) {
        Pic8259 *c = &s->chip[i];
        uint8_t lines = c->lines; /* the inputs are other devices' outputs */
        memset(c, 0, sizeof *c);
        c->lines = lines;
        c->lowest = 7;
    }
    pic_update(s);
}

static int pic_post_load(Device *dev, char *err, size_t errlen)
{
    PicState *s = (PicState *)dev;
    for (int i = 0; i < 2; i++) {
        const Pic8259 *c = &s->chip[i];
        if (c->lowest > 7 || (c->init_step != 0 && (c->init_step < 2 || c->init_step > 4)) ||
            (c->elcr & ~elcr_mask[i]) || (c->base & 7)) {
            snprintf(err, errlen, "%s: invalid 8259 state in chip %d", dev->id, i);
            return -1;
        }
    }
    return 0;
}

static const StateField chip_fields[] = {
    STATE_U8(Pic8259, irr, 1), STATE_U8(Pic8259, isr, 1), STATE_U8(Pic8259, imr, 1),
    STATE_U8(Pic8259, lines, 1), STATE_U8(Pic8259, elcr, 1), STATE_U8(Pic8259, base, 1),
    STATE_U8(Pic8259, icw3, 1), STATE_U8(Pic8259, lowest, 1), STATE_U8(Pic8259, init_step, 1),
    STATE_BOOL(Pic8259, icw4_needed, 1), STATE_BOOL(Pic8259, single, 1),
    STATE_BOOL(Pic8259, ltim, 1), STATE_BOOL(Pic8259, auto_eoi, 1),
    STATE_BOOL(Pic8259, rotate_on_aeoi, 1), STATE_BOOL(Pic8259, sfnm, 1),
    STATE_BOOL(Pic8259, read_isr, 1), STATE_BOOL(Pic8259, poll, 1),
    STATE_BOOL(Pic8259, special_mask, 1),
};
static const StateDesc chip_state = { "i8259", 1, chip_fields, STATE_NFIELDS(chip_fields) };

static const StateField pic_fields[] = {
    STATE_STRUCT_ARRAY(PicState, chip, 2, Pic8259, chip_state, 1),
    STATE_BOOL(PicState, intr, 1),
};
static const StateDesc pic_state = { "pic", 1, pic_fields, STATE_NFIELDS(pic_fields) };

static const DeviceClass pic_class = {
    .name = "i8259-pair",
    .realize = pic_realize,
    .reset = pic_reset,
    .state = &pic_state,
    .post_load = pic_post_load,
};

void pic_init(PicState *s, const char *id, IrqLine intr_out)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &pic_class, id);
    s->intr_out = intr_out;
    for (int i = 0; i < 2; i++)
        s->chip[i].lowest = 7;
}
