/* The 8042 keyboard controller, from the IBM PC AT technical reference
 * (keyboard controller commands, status register, command byte, output
 * port) and the IBM PS/2 keyboard and auxiliary device interface (the
 * keyboard's commands and replies).
 *
 * Bytes for the host pass through a small queue into the one-byte output
 * buffer; a byte from the keyboard waits while the keyboard interface is
 * disabled (command byte bit 4).  IRQ 1 is "output buffer full with
 * keyboard data" and IRQ 12 the same for auxiliary data, each gated by
 * its command byte bit, as on the PS/2 controller. */
#include "dev/i8042.h"
#include <string.h>

enum {
    ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10, ST_AUX = 0x20, ST_TIMEOUT = 0x40,
    CB_KBD_INT = 0x01, CB_AUX_INT = 0x02, CB_SYS = 0x04, CB_KBD_OFF = 0x10, CB_AUX_OFF = 0x20,
    CB_XLATE = 0x40,
    OUT_RESET = 0x01, OUT_A20 = 0x02, OUT_OBF_KBD = 0x10, OUT_OBF_AUX = 0x20,
    Q_AUX = 1, Q_TIMEOUT = 2, Q_KBD = 4, /* Q_KBD: from the keyboard itself, held while it is disabled */
    KBD_ACK = 0xFA, KBD_RESEND = 0xFE, KBD_BAT_OK = 0xAA,
};

static void update_irq(I8042State *s)
{
    bool aux = (s->out_flags & Q_AUX) != 0;
    bool irq1 = s->obf && !aux && (s->ram[0] & CB_KBD_INT);
    bool irq12 = s->obf && aux && (s->ram[0] & CB_AUX_INT);
    if (irq1 != s->irq1_level) {
        s->irq1_level = irq1;
        irq_set(&s->irq1, irq1);
    }
    if (irq12 != s->irq12_level) {
        s->irq12_level = irq12;
        irq_set(&s->irq12, irq12);
    }
}

/* Move the oldest deliverable byte into an empty output buffer.  While
 * the keyboard's clock is held low (command byte bit 4) its bytes stay
 * with it, and the controller's own answers pass them. */
static void refill(I8042State *s)
{
    if (!s->obf) {
        bool held = (s->ram[0] & CB_KBD_OFF) != 0;
        for (int i = 0; i < s->q_count; i++) {
            int at = (s->q_head + i) % I8042_QUEUE;
            if (held && (s->q_flags[at] & Q_KBD))
                continue;
            s->out_data = s->q_data[at];
            s->out_flags = s->q_flags[at];
            s->obf = true;
            for (int j = i; j > 0; j--) { /* close the gap: older bytes move up one */
                int to = (s->q_head + j) % I8042_QUEUE, from = (s->q_head + j - 1) % I8042_QUEUE;
                s->q_data[to] = s->q_data[from];
                s->q_flags[to] = s->q_flags[from];
            }
            s->q_head = (uint8_t)((s->q_head + 1) % I8042_QUEUE);
            s->q_count--;
            break;
        }
    }
    update_irq(s);
}

static void enqueue(I8042State *s, uint8_t b, uint8_t flags)
{
    if (s->q_count < I8042_QUEUE) { /* a full queue drops, as a keyboard's buffer overruns */
        s->q_data[(s->q_head + s->q_count) % I8042_QUEUE] = b;
        s->q_flags[(s->q_head + s->q_count) % I8042_QUEUE] = flags;
        s->q_count++;
    }
    refill(s);
}

static void kbd_reply(I8042State *s, uint8_t b) { enqueue(s, b, Q_KBD); }

static void kbd_defaults(I8042State *s)
{
    s->scan_set = 2;
    s->typematic = 0x2B; /* 10.9 characters/s, 500 ms delay */
}

static void reset_request(I8042State *s)
{
    if (s->reset_request)
        s->reset_request(s->reset_opaque);
}

/* A byte the host sends to the keyboard. */
static void kbd_write(I8042State *s, uint8_t v)
{
    if (s->kbd_cmd) {
        uint8_t cmd = s->kbd_cmd;
        s->kbd_cmd = 0;
        switch (cmd) {
        case 0xED: s->leds = v & 7; kbd_reply(s, KBD_ACK); return;
        case 0xF3: s->typematic = v & 0x7F; kbd_reply(s, KBD_ACK); return;
        case 0xF0:
            if (v == 0) {
                kbd_reply(s, KBD_ACK);
                kbd_reply(s, s->scan_set);
            } else if (v <= 3) {
                s->scan_set = v;
                kbd_reply(s, KBD_ACK);
            } else {
                kbd_reply(s, KBD_RESEND);
            }
            return;
        default: break;
        }
    }
    switch (v) {
    case 0xED: /* set LEDs */
    case 0xF0: /* scan code set */
    case 0xF3: /* typematic rate */
        s->kbd_cmd = v;
        kbd_reply(s, KBD_ACK);
        break;
    case 0xEE: kbd_reply(s, 0xEE); break; /* echo */
    case 0xF2: /* identify: an MF2 keyboard; translated, its second byte reads 0x41 */
        kbd_reply(s, KBD_ACK);
        kbd_reply(s, 0xAB);
        kbd_reply(s, (s->ram[0] & CB_XLATE) ? 0x41 : 0x83);
        break;
    case 0xF4: s->kbd_scanning = true; kbd_reply(s, KBD_ACK); break;
    case 0xF5: s->kbd_scanning = false; kbd_defaults(s); kbd_reply(s, KBD_ACK); break;
    case 0xF6: kbd_defaults(s); kbd_reply(s, KBD_ACK); break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        kbd_reply(s, KBD_ACK); /* scan code set 3 key types: accepted */
        break;
    case 0xFE: kbd_reply(s, KBD_ACK); break; /* resend: nothing was lost */
    case 0xFF: /* reset: acknowledge, then the basic assurance test passes */
        kbd_defaults(s);
        s->leds = 0;
        s->kbd_scanning = true;
        kbd_reply(s, KBD_ACK);
        kbd_reply(s, KBD_BAT_OK);
        break;
    default: kbd_reply(s, KBD_RESEND); break; /* not a command */
    }
}

static void write_outport(I8042State *s, uint8_t v)
{
    s->outport = v;
    if (!(v & OUT_RESET))
        reset_request(s); /* the CPU's RESET line is driven low */
}

static void controller_command(I8042State *s, uint8_t v)
{
    s->pending_cmd = 0; /* a new command ends a command that waited for data */
    if (v >= 0x20 && v <= 0x3F) {
        enqueue(s, s->ram[v & 0x1F], 0); /* read controller RAM (0x20: the command byte) */
        return;
    }
    if ((v >= 0x60 && v <= 0x7F) || (v >= 0xD1 && v <= 0xD4)) {
        s->pending_cmd = v; /* the data byte follows on port 0x60 */
        return;
    }
    if (v >= 0xF0) { /* pulse the output port's low bits that are 0 in v */
        if (!(v & OUT_RESET))
            reset_request(s);
        return;
    }
    switch (v) {
    case 0xA4: enqueue(s, 0xF1, 0); break; /* no password installed */
    case 0xA7: s->ram[0] |= CB_AUX_OFF; break;
    case 0xA8: s->ram[0] &= (uint8_t)~CB_AUX_OFF; break;
    case 0xA9: enqueue(s, 0x00, 0); break; /* auxiliary interface test: the lines are fine */
    case 0xAA: /* self-test */
        s->status |= ST_SYS;
        enqueue(s, 0x55, 0);
        break;
    case 0xAB: enqueue(s, 0x00, 0); break; /* keyboard interface test */
    case 0xAD: s->ram[0] |= CB_KBD_OFF; break;
    case 0xAE: s->ram[0] &= (uint8_t)~CB_KBD_OFF; refill(s); break;
    case 0xC0: enqueue(s, 0xA0, 0); break; /* input port: not inhibited, no jumper */
    case 0xD0: {
        uint8_t o = (uint8_t)(s->outport & ~(OUT_OBF_KBD | OUT_OBF_AUX));
        if (s->obf)
            o |= (s->out_flags & Q_AUX) ? OUT_OBF_AUX : OUT_OBF_KBD;
        enqueue(s, o, 0);
        break;
    }
    case 0xE0: enqueue(s, 0x00, 0); break; /* test inputs */
    default: break; /* not an AT/PS2 command: ignored */
    }
}

static void controller_data(I8042State *s, uint8_t v)
{
    uint8_t cmd = s->pending_cmd;
    s->pending_cmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7F) {
        s->ram[cmd & 0x1F] = v;
        if (cmd == 0x60)
            s->status = (uint8_t)((s->status & ~ST_SYS) | (v & CB_SYS));
        refill(s); /* the interrupt enables and the keyboard's clock may have changed */
        return;
    }
    switch (cmd) {
    case 0xD1: write_outport(s, v); break;
    case 0xD2: enqueue(s, v, 0); break;     /* as if the keyboard had sent it */
    case 0xD3: enqueue(s, v, Q_AUX); break; /* as if the auxiliary device had sent it */
    case 0xD4: enqueue(s, 0xFE, Q_AUX | Q_TIMEOUT); break; /* no mouse: the send times out */
    default: kbd_write(s, v); break;
    }
}

static uint32_t status_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    const I8042State *s = opaque;
    uint32_t st = s->status | ST_UNLOCKED;
    if (s->obf) {
        st |= ST_OBF;
        if (s->out_flags & Q_AUX)
            st |= ST_AUX;
        if (s->out_flags & Q_TIMEOUT)
            st |= ST_TIMEOUT;
    }
    return st;
}

static void command_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    I8042State *s = opaque;
    s->status |= ST_CMD;
    controller_command(s, (uint8_t)value);
}

static uint32_t data_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    I8042State *s = opaque;
    uint8_t v = s->out_data; /* an empty buffer reads as its last byte */
    if (s->obf) {
        s->obf = false;
        refill(s);
    }
    return v;
}

static void data_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    I8042State *s = opaque;
    s->status &= (uint8_t)~ST_CMD;
    controller_data(s, (uint8_t)value);
}

bool i8042_a20(const I8042State *s) { return (s->outport & OUT_A20) != 0; }

static const IoRegionOps data_ops = { data_read, data_write, 1 };
static const IoRegionOps cmd_ops = { status_read, command_write, 1 };

static int i8042_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    if (iobus_claim(host->io, 0x60, 1, &data_ops, dev, "i8042-data", err, errlen) < 0)
        return -1;
    if (iobus_claim(host->io, 0x64, 1, &cmd_ops, dev, "i8042-cmd", err, errlen) < 0) {
        iobus_release(host->io, dev);
        return -1;
    }
    return 0;
}

static void i8042_reset(Device *dev)
{
    I8042State *s = (I8042State *)dev;
    memset(s->ram, 0, sizeof s->ram);
    s->ram[0] = CB_KBD_INT | CB_AUX_INT; /* as QEMU powers on; a BIOS or Linux rewrites it */
    s->status = ST_CMD;
    s->outport = 0xCF; /* running, A20 on, the clock and data lines high */
    s->pending_cmd = s->kbd_cmd = 0;
    s->leds = 0;
    s->kbd_scanning = true;
    kbd_defaults(s);
    s->q_head = s->q_count = 0;
    s->out_data = s->out_flags = 0;
    s->obf = false;
    update_irq(s);
}

static int i8042_post_load(Device *dev, char *err, size_t errlen)
{
    const I8042State *s = (const I8042State *)dev;
    if (s->q_head >= I8042_QUEUE || s->q_count > I8042_QUEUE || s->scan_set < 1 || s->scan_set > 3 ||
        (s->status & ~(ST_SYS | ST_CMD)) || (s->leds & ~7) || (s->out_flags & ~7)) {
        snprintf(err, errlen, "%s: invalid 8042 state", dev->id);
        return -1;
    }
    for (int i = 0; i < I8042_QUEUE; i++)
        if (s->q_flags[i] & ~7) {
            snprintf(err, errlen, "%s: invalid 8042 queue", dev->id);
            return -1;
        }
    return 0;
}

static const StateField i8042_fields[] = {
    STATE_BYTES(I8042State, ram, 32, 1), STATE_U8(I8042State, status, 1),
    STATE_U8(I8042State, outport, 1), STATE_U8(I8042State, pending_cmd, 1),
    STATE_U8(I8042State, kbd_cmd, 1), STATE_U8(I8042State, scan_set, 1),
    STATE_U8(I8042State, leds, 1), STATE_U8(I8042State, typematic, 1),
    STATE_BOOL(I8042State, kbd_scanning, 1),
    STATE_BYTES(I8042State, q_data, I8042_QUEUE, 1), STATE_BYTES(I8042State, q_flags, I8042_QUEUE, 1),
    STATE_U8(I8042State, q_head, 1), STATE_U8(I8042State, q_count, 1),
    STATE_U8(I8042State, out_data, 1), STATE_U8(I8042State, out_flags, 1),
    STATE_BOOL(I8042State, obf, 1), STATE_BOOL(I8042State, irq1_level, 1),
    STATE_BOOL(I8042State, irq12_level, 1),
};
static const StateDesc i8042_state = { "i8042", 1, i8042_fields, STATE_NFIELDS(i8042_fields) };

static const DeviceClass i8042_class = {
    .name = "i8042",
    .realize = i8042_realize,
    .reset = i8042_reset,
    .state = &i8042_state,
    .post_load = i8042_post_load,
};

void i8042_init(I8042State *s, const char *id, IrqLine irq1, IrqLine irq12,
                void (*reset_request)(void *), void *opaque)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &i8042_class, id);
    s->irq1 = irq1;
    s->irq12 = irq12;
    s->reset_request = reset_request;
    s->reset_opaque = opaque;
    s->scan_set = 2;
}
