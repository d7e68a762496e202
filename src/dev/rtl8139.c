/* The RTL8139C card (see rtl8139.h). */
#define _DEFAULT_SOURCE
#include "dev/rtl8139.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    /* registers */
    R_IDR = 0x00, R_MAR = 0x08, R_TSD = 0x10, R_TSAD = 0x20, R_RBSTART = 0x30, R_CR = 0x37,
    R_CAPR = 0x38, R_CBR = 0x3A, R_IMR = 0x3C, R_ISR = 0x3E, R_TCR = 0x40, R_RCR = 0x44,
    R_TCTR = 0x48, R_MPC = 0x4C, R_9346 = 0x50, R_CONFIG0 = 0x51, R_MSR = 0x58, R_TSAD_ALL = 0x60,
    R_BMCR = 0x62, R_BMSR = 0x64, R_ANAR = 0x66, R_ANLPAR = 0x68, R_ANER = 0x6A,
    /* bits */
    CR_RST = 0x10, CR_RE = 0x08, CR_TE = 0x04, CR_BUFE = 0x01,
    ISR_ROK = 0x01, ISR_TOK = 0x04, ISR_RXOVW = 0x10, ISR_LINKCHG = 0x20,
    TSD_OWN = 1 << 13, TSD_TOK = 1u << 15,
    RCR_AAP = 1, RCR_APM = 2, RCR_AM = 4, RCR_AB = 8, RCR_WRAP = 0x80,
    TCR_HWVER = 0x74000000, /* RTL8139C */
    TCR_LOOPBACK = 3 << 17,
    MAX_TX = 1792,
    /* 93C46 serial bits in 9346CR */
    EE_DO = 1, EE_DI = 2, EE_SK = 4, EE_CS = 8,
};

static void update_irq(Rtl8139State *s)
{
    bool level = (s->isr & s->imr) != 0;
    if (level != s->irq) {
        s->irq = level;
        pci_set_irq(&s->pci, level);
    }
}

static bool link_up(const Rtl8139State *s) { return s->nc.peer != NULL; }

static uint32_t rx_len(const Rtl8139State *s) { return 8192u << ((s->rcr >> 11) & 3); }

/* ---- guest memory (bus-master DMA): only RAM, never ROM or MMIO ---- */

static bool ram_range(Rtl8139State *s, uint32_t addr, uint32_t len)
{
    if (!s->bus || !s->bus->cpu || (uint64_t)addr + len > 0x100000000ull)
        return false;
    for (uint64_t a = addr & ~0xFFFu; a < (uint64_t)addr + len; a += 4096) {
        int prot = e386_mem_prot(s->bus->cpu, (uint32_t)a);
        if (prot < 0 || !(prot & E386_PROT_WRITE))
            return false;
    }
    return true;
}

/* ---- the 93C46 EEPROM (Microchip 93C46, 64 x 16, x16 organisation) ---- */

enum { EE_IDLE, EE_CMD, EE_READ };

static void eeprom_write(Rtl8139State *s, uint8_t v)
{
    bool cs = v & EE_CS, sk = v & EE_SK, di = v & EE_DI;
    if (!cs) {
        s->ee_state = EE_IDLE;
        s->ee_do = 0;
        s->ee_clk = sk;
        return;
    }
    bool rising = sk && !s->ee_clk;
    s->ee_clk = sk;
    if (!rising)
        return;
    switch (s->ee_state) {
    case EE_IDLE:
        if (di) { /* the start bit */
            s->ee_state = EE_CMD;
            s->ee_bits = 0;
            s->ee_in = 0;
        }
        break;
    case EE_CMD:
        s->ee_in = (uint16_t)(s->ee_in << 1 | di);
        if (++s->ee_bits == 8) { /* 2 opcode bits, 6 address bits */
            if ((s->ee_in >> 6) == 2) { /* READ: a dummy 0, then the word */
                s->ee_addr = s->ee_in & 63;
                s->ee_out = s->eeprom[s->ee_addr];
                s->ee_bits = 0;
                s->ee_do = 0;
                s->ee_state = EE_READ;
            } else {
                s->ee_state = EE_IDLE; /* write/erase: the EEPROM is read-only here */
            }
        }
        break;
    case EE_READ:
        s->ee_do = (s->ee_out >> 15) & 1;
        s->ee_out = (uint16_t)(s->ee_out << 1);
        if (++s->ee_bits == 16) { /* sequential read goes on with the next word */
            s->ee_addr = (s->ee_addr + 1) & 63;
            s->ee_out = s->eeprom[s->ee_addr];
            s->ee_bits = 0;
        }
        break;
    }
}

/* ---- transmit and receive ---- */

static void transmit(Rtl8139State *s, int n)
{
    uint32_t size = s->tsd[n] & 0x1FFF;
    uint8_t buf[MAX_TX];
    if (!(s->cr & CR_TE))
        return;
    if (size > MAX_TX || e386_mem_read(s->bus->cpu, s->tsad[n], buf, size) < 0) {
        s->tsd[n] |= TSD_OWN | (1u << 30); /* TABT: the DMA failed */
        s->isr |= 0x08;                   /* TER */
        update_irq(s);
        return;
    }
    if ((s->tcr & TCR_LOOPBACK) == TCR_LOOPBACK)
        rtl8139_receive(s, buf, size);
    else if (size)
        net_send(&s->nc, buf, size);
    s->tsd[n] |= TSD_OWN | TSD_TOK;
    s->isr |= ISR_TOK;
    update_irq(s);
}

static uint32_t crc32_le(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static uint32_t mcast_crc(const uint8_t *p) /* big-endian CRC: the MAR index */
{
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = 0; i < 6; i++) {
        uint8_t b = p[i];
        for (int bit = 0; bit < 8; bit++, b >>= 1) {
            uint32_t carry = ((crc >> 31) ^ b) & 1;
            crc <<= 1;
            if (carry)
                crc = (crc ^ 0x04C11DB6u) | carry;
        }
    }
    return crc;
}

bool rtl8139_receive(Rtl8139State *s, const uint8_t *frame, size_t len)
{
    uint8_t pkt[4 + 1518 + 4 + 4];
    if (!(s->cr & CR_RE) || len < 6 || len > 1518) {
        s->rx_dropped++;
        return false;
    }
    uint16_t status = 0;
    if (s->rcr & RCR_AAP) {
        status = 0;
    } else if (!(frame[0] & 1)) {
        if (!(s->rcr & RCR_APM) || memcmp(frame, s->idr, 6))
            return false;
        status = 1 << 14; /* PAM */
    } else if (!memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6)) {
        if (!(s->rcr & RCR_AB))
            return false;
        status = 1 << 13; /* BAR */
    } else {
        uint32_t idx = mcast_crc(frame) >> 26;
        if (!(s->rcr & RCR_AM) || !((s->mar[idx >> 3] >> (idx & 7)) & 1))
            return false;
        status = 1 << 15; /* MAR */
    }
    size_t flen = len < 60 ? 60 : len;
    memset(pkt, 0, sizeof pkt);
    memcpy(pkt + 4, frame, len);
    uint32_t crc = crc32_le(pkt + 4, flen);
    for (int i = 0; i < 4; i++)
        pkt[4 + flen + (size_t)i] = (uint8_t)(crc >> (8 * i));
    uint32_t size = (uint32_t)flen + 4; /* with the CRC */
    status |= 1; /* ROK */
    pkt[0] = (uint8_t)status, pkt[1] = (uint8_t)(status >> 8);
    pkt[2] = (uint8_t)size, pkt[3] = (uint8_t)(size >> 8);
    uint32_t total = (4 + size + 3) & ~3u, ring = rx_len(s);
    uint32_t read = (uint32_t)(uint16_t)(s->capr + 16) % ring, write = s->cbr % ring;
    uint32_t avail = (read - write + ring) % ring;
    if (avail != 0 && avail <= total + 4) { /* the ring is full */
        s->mpc++;
        s->rx_dropped++;
        s->isr |= ISR_RXOVW;
        update_irq(s);
        return false;
    }
    /* with WRAP the card writes on past the end (the driver's slack), else
     * it wraps to the start */
    bool ok;
    if ((s->rcr & RCR_WRAP) || write + 4 + size <= ring) {
        ok = ram_range(s, s->rbstart + write, 4 + size) &&
             e386_mem_write(s->bus->cpu, s->rbstart + write, pkt, 4 + size) == 0;
    } else {
        uint32_t first = ring - write;
        ok = ram_range(s, s->rbstart, ring) &&
             e386_mem_write(s->bus->cpu, s->rbstart + write, pkt, first) == 0 &&
             e386_mem_write(s->bus->cpu, s->rbstart, pkt + first, 4 + size - first) == 0;
    }
    if (!ok) { /* the guest's ring is not in RAM */
        s->rx_dropped++;
        return false;
    }
    s->cbr = (uint16_t)((write + total) % ring);
    s->isr |= ISR_ROK;
    update_irq(s);
    return true;
}

/* ---- registers ---- */

static void soft_reset(Rtl8139State *s)
{
    memcpy(s->idr, s->mac, 6);
    memset(s->mar, 0, sizeof s->mar);
    for (int i = 0; i < 4; i++)
        s->tsd[i] = TSD_OWN;
    s->rbstart = 0;
    s->rcr = 0;
    s->tcr = TCR_HWVER;
    s->capr = 0xFFF0; /* CAPR + 16 = 0 = CBR: empty */
    s->cbr = 0;
    s->imr = s->isr = 0;
    s->cr = 0;
    update_irq(s);
}

static uint8_t reg_read8(Rtl8139State *s, uint32_t r)
{
    uint32_t v32 = 0;
    int sh = (int)(r & 3) * 8;
    if (r < 6)
        return s->idr[r];
    if (r >= R_MAR && r < R_MAR + 8)
        return s->mar[r - R_MAR];
    if (r >= R_TSD && r < R_TSD + 16)
        return (uint8_t)(s->tsd[(r - R_TSD) / 4] >> sh);
    if (r >= R_TSAD && r < R_TSAD + 16)
        return (uint8_t)(s->tsad[(r - R_TSAD) / 4] >> sh);
    switch (r & ~3u) {
    case R_RBSTART: v32 = s->rbstart; break;
    case R_TCR: v32 = s->tcr; break;
    case R_RCR: v32 = s->rcr; break;
    case R_MPC: v32 = s->mpc; break;
    case R_TCTR: v32 = 0; break;
    default: break;
    }
    switch (r) {
    case R_RBSTART: case R_RBSTART + 1: case R_RBSTART + 2: case R_RBSTART + 3:
    case R_TCR: case R_TCR + 1: case R_TCR + 2: case R_TCR + 3:
    case R_RCR: case R_RCR + 1: case R_RCR + 2: case R_RCR + 3:
    case R_MPC: case R_MPC + 1: case R_MPC + 2: case R_MPC + 3:
        return (uint8_t)(v32 >> sh);
    case R_CR: {
        bool empty = (uint16_t)(s->capr + 16) % rx_len(s) == s->cbr % rx_len(s);
        return (uint8_t)((s->cr & (CR_RE | CR_TE)) | (empty ? CR_BUFE : 0));
    }
    case R_CAPR: return (uint8_t)s->capr;
    case R_CAPR + 1: return (uint8_t)(s->capr >> 8);
    case R_CBR: return (uint8_t)s->cbr;
    case R_CBR + 1: return (uint8_t)(s->cbr >> 8);
    case R_IMR: return (uint8_t)s->imr;
    case R_IMR + 1: return (uint8_t)(s->imr >> 8);
    case R_ISR: return (uint8_t)s->isr;
    case R_ISR + 1: return (uint8_t)(s->isr >> 8);
    case R_9346: return (uint8_t)((s->cfg9346 & 0xFE) | s->ee_do);
    case R_CONFIG0: case R_CONFIG0 + 1: case R_CONFIG0 + 2:
    case R_CONFIG0 + 8: case R_CONFIG0 + 9:
        return s->config[r == R_CONFIG0 ? 0 : r == R_CONFIG0 + 1 ? 1 : r == R_CONFIG0 + 2 ? 2 : r - R_CONFIG0 - 5];
    case R_MSR: return link_up(s) ? 0x00 : 0x04; /* LINKB: link failed */
    case R_TSAD_ALL: case R_TSAD_ALL + 1: {
        uint16_t v = 0;
        for (int i = 0; i < 4; i++) {
            v |= (uint16_t)(((s->tsd[i] & TSD_OWN) ? 1 : 0) << i);
            v |= (uint16_t)(((s->tsd[i] & TSD_TOK) ? 1 : 0) << (12 + i));
        }
        return (uint8_t)(v >> ((r & 1) * 8));
    }
    case R_BMCR: return (uint8_t)s->bmcr;
    case R_BMCR + 1: return (uint8_t)(s->bmcr >> 8);
    case R_BMSR: case R_BMSR + 1: {
        uint16_t v = link_up(s) ? 0x782D : 0x7809; /* link status (2), autoneg complete (5) */
        return (uint8_t)(v >> ((r & 1) * 8));
    }
    case R_ANAR: return 0xE1;
    case R_ANAR + 1: return 0x05;
    case R_ANLPAR: return link_up(s) ? 0xE1 : 0;
    case R_ANLPAR + 1: return link_up(s) ? 0x05 : 0;
    case R_ANER: return 0x01;
    default: return 0;
    }
}

static void set_byte32(uint32_t *reg, uint32_t r, uint8_t v)
{
    int sh = (int)(r & 3) * 8;
    *reg = (*reg & ~(0xFFu << sh)) | (uint32_t)v << sh;
}

static void reg_write8(Rtl8139State *s, uint32_t r, uint8_t v)
{
    if (r < 6) {
        s->idr[r] = v;
    } else if (r >= R_MAR && r < R_MAR + 8) {
        s->mar[r - R_MAR] = v;
    } else if (r >= R_TSD && r < R_TSD + 16) {
        set_byte32(&s->tsd[(r - R_TSD) / 4], r, v);
    } else if (r >= R_TSAD && r < R_TSAD + 16) {
        set_byte32(&s->tsad[(r - R_TSAD) / 4], r, v);
    } else if (r >= R_RBSTART && r < R_RBSTART + 4) {
        set_byte32(&s->rbstart, r, v);
    } else if (r >= R_RCR && r < R_RCR + 4) {
        set_byte32(&s->rcr, r, v);
    } else if (r >= R_TCR && r < R_TCR + 4) {
        set_byte32(&s->tcr, r, v);
        s->tcr = (s->tcr & ~0x7CC00000u) | TCR_HWVER; /* the version is read-only */
    } else if (r >= R_MPC && r < R_MPC + 4) {
        s->mpc = 0; /* any write clears the missed-packet counter */
    } else {
        switch (r) {
        case R_CR:
            if (v & CR_RST) {
                soft_reset(s); /* done at once: RST reads 0 */
                return;
            }
            s->cr = v & (CR_RE | CR_TE);
            break;
        case R_CAPR: s->capr = (uint16_t)((s->capr & 0xFF00) | v); break;
        case R_CAPR + 1: s->capr = (uint16_t)((s->capr & 0x00FF) | v << 8); break;
        case R_IMR: s->imr = (uint16_t)((s->imr & 0xFF00) | v); update_irq(s); break;
        case R_IMR + 1: s->imr = (uint16_t)((s->imr & 0x00FF) | v << 8); update_irq(s); break;
        case R_ISR: s->isr &= (uint16_t)~v; update_irq(s); break;
        case R_ISR + 1: s->isr &= (uint16_t)~(v << 8); update_irq(s); break;
        case R_9346:
            s->cfg9346 = v & 0xFE;
            if ((v >> 6) == 2)
                eeprom_write(s, v);
            else
                s->ee_state = EE_IDLE, s->ee_do = 0;
            break;
        case R_CONFIG0 + 1: s->config[1] = v; break;
        case R_CONFIG0 + 8: s->config[3] = v; break;
        case R_CONFIG0 + 9: s->config[4] = v; break;
        case R_BMCR: s->bmcr = (uint16_t)((s->bmcr & 0xFF00) | v); break;
        case R_BMCR + 1: s->bmcr = (uint16_t)((s->bmcr & 0x00FF) | (v & ~0x80) << 8); break;
        default: break;
        }
    }
}

static uint32_t regs_read(void *opaque, uint32_t off, int size)
{
    Rtl8139State *s = opaque;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)reg_read8(s, (off + (uint32_t)i) & 0xFF) << (8 * i);
    return v;
}

static void regs_write(void *opaque, uint32_t off, int size, uint32_t v)
{
    Rtl8139State *s = opaque;
    for (int i = 0; i < size; i++)
        reg_write8(s, (off + (uint32_t)i) & 0xFF, (uint8_t)(v >> (8 * i)));
    /* a write to a TSD that leaves OWN clear hands the buffer to the card */
    if (off < R_TSD + 16 && off + (uint32_t)size > R_TSD)
        for (int n = 0; n < 4; n++)
            if (off < R_TSD + 4u * (uint32_t)n + 4 && off + (uint32_t)size > R_TSD + 4u * (uint32_t)n &&
                !(s->tsd[n] & TSD_OWN))
                transmit(s, n);
}

static const IoRegionOps rtl_ops = { regs_read, regs_write, 7 };

/* ---- the network side ---- */

static Rtl8139State *of_nc(NetClient *nc) { return (Rtl8139State *)((char *)nc - offsetof(Rtl8139State, nc)); }

static void nc_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    Rtl8139State *s = of_nc(nc);
    if (s->pci.dev.realized)
        rtl8139_receive(s, buf, len);
}

static void nc_link(NetClient *nc, bool up)
{
    (void)up;
    Rtl8139State *s = of_nc(nc);
    if (!s->pci.dev.realized)
        return;
    s->isr |= ISR_LINKCHG;
    update_irq(s);
}

static void nc_describe(const NetClient *nc, char *buf, size_t len)
{
    const Rtl8139State *s = (const Rtl8139State *)((const char *)nc - offsetof(Rtl8139State, nc));
    const uint8_t *m = s->mac;
    snprintf(buf, len, "model=rtl8139 macaddr=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
             m[4], m[5]);
}

static void nc_cleanup(NetClient *nc) { (void)nc; }

static const NetClientOps nic_ops = {
    .type = "nic",
    .receive = nc_receive,
    .describe = nc_describe,
    .cleanup = nc_cleanup,
    .link_changed = nc_link,
};

/* ---- the device ---- */


static int rtl_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    (void)host;
    Rtl8139State *s = (Rtl8139State *)dev;
    if (pci_register(s->bus, &s->pci, s->devfn, err, errlen) < 0)
        return -1;
    if ((s->romfile && pci_rom_load_file(&s->pci, s->romfile, err, errlen) < 0) ||
        (s->netdev[0] && net_attach(s->net, &s->nc, s->netdev, err, errlen) < 0)) {
        pci_unregister(&s->pci);
        return -1;
    }
    return 0;
}

static void rtl_unrealize(Device *dev, DeviceHost *host)
{
    (void)host;
    Rtl8139State *s = (Rtl8139State *)dev;
    net_detach(&s->nc);
    pci_unregister(&s->pci);
}

static void rtl_reset(Device *dev)
{
    Rtl8139State *s = (Rtl8139State *)dev;
    soft_reset(s);
    s->cfg9346 = 0;
    s->ee_state = EE_IDLE;
    s->ee_do = s->ee_clk = 0;
    s->mpc = 0;
    s->bmcr = 0x1000; /* autonegotiation */
    memset(s->config, 0, sizeof s->config);
    s->config[1] = 0x0D; /* CONFIG1: driver loaded, I/O and memory mapping */
    pci_device_reset(&s->pci);
}

static int rtl_post_load(Device *dev, char *err, size_t errlen)
{
    Rtl8139State *s = (Rtl8139State *)dev;
    /* the 93C46's serial state: values its state machine never reaches */
    if (s->ee_state > EE_READ || s->ee_bits > 16 || s->ee_addr > 63 || s->ee_do > 1 || s->ee_clk > 1) {
        snprintf(err, errlen, "%s: impossible EEPROM state (state %u, bits %u, address %u)", dev->id,
                 s->ee_state, s->ee_bits, s->ee_addr);
        return -1;
    }
    pci_update_mappings(&s->pci);
    s->irq = !((s->isr & s->imr) != 0);
    update_irq(s);
    return 0;
}

static const StateField rtl_fields[] = {
    STATE_BYTES(Rtl8139State, pci.config, 256, 1),
    STATE_U8(Rtl8139State, pci.irq_level, 1),
    STATE_BYTES(Rtl8139State, mac, 6, 1),
    STATE_BYTES(Rtl8139State, idr, 6, 1),
    STATE_BYTES(Rtl8139State, mar, 8, 1),
    STATE_U32_ARRAY(Rtl8139State, tsd, 4, 1),
    STATE_U32_ARRAY(Rtl8139State, tsad, 4, 1),
    STATE_U32(Rtl8139State, rbstart, 1),
    STATE_U32(Rtl8139State, rcr, 1),
    STATE_U32(Rtl8139State, tcr, 1),
    STATE_U32(Rtl8139State, mpc, 1),
    STATE_U16(Rtl8139State, capr, 1),
    STATE_U16(Rtl8139State, cbr, 1),
    STATE_U16(Rtl8139State, imr, 1),
    STATE_U16(Rtl8139State, isr, 1),
    STATE_U16(Rtl8139State, bmcr, 1),
    STATE_U8(Rtl8139State, cr, 1),
    STATE_U8(Rtl8139State, cfg9346, 1),
    STATE_BYTES(Rtl8139State, config, 6, 1),
    STATE_U16_ARRAY(Rtl8139State, eeprom, 64, 1), /* its address in words 7-9 */
    STATE_U8(Rtl8139State, ee_state, 1),
    STATE_U8(Rtl8139State, ee_bits, 1),
    STATE_U8(Rtl8139State, ee_addr, 1),
    STATE_U8(Rtl8139State, ee_do, 1),
    STATE_U8(Rtl8139State, ee_clk, 1),
    STATE_U16(Rtl8139State, ee_in, 1),
    STATE_U16(Rtl8139State, ee_out, 1),
    STATE_BOOL(Rtl8139State, irq, 1),
    STATE_U32(Rtl8139State, rx_dropped, 1),
};
static const StateDesc rtl_state = { "rtl8139", 1, rtl_fields, STATE_NFIELDS(rtl_fields) };

static const DeviceClass rtl_class = {
    .name = "rtl8139",
    .realize = rtl_realize,
    .reset = rtl_reset,
    .unrealize = rtl_unrealize,
    .state = &rtl_state,
    .post_load = rtl_post_load,
};

Rtl8139State *rtl8139_new(const Rtl8139Config *cfg, PciBus *bus, NetCtx *net)
{
    Rtl8139State *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    snprintf(s->id, sizeof s->id, "%s", cfg->id ? cfg->id : "rtl8139");
    if (cfg->netdev)
        snprintf(s->netdev, sizeof s->netdev, "%s", cfg->netdev);
    const char *rom = cfg->romfile;
    if (!rom && access(RTL8139_DEFAULT_ROM, R_OK) == 0)
        rom = RTL8139_DEFAULT_ROM;
    if (rom && *rom && !(s->romfile = strdup(rom))) {
        free(s);
        return NULL;
    }
    s->bus = bus;
    s->net = net;
    s->devfn = cfg->devfn;
    memcpy(s->mac, cfg->mac, 6);
    device_init(&s->pci.dev, &rtl_class, s->id);
    pci_config_init(&s->pci, 0x10EC, 0x8139, 0x02000010, 0x00, 1); /* rev 0x10: 8139too, not 8139cp */
    pci_set16(s->pci.config + PCI_SUBSYS_VENDOR, 0x10EC);
    pci_set16(s->pci.config + PCI_SUBSYS_ID, 0x8139);
    pci_bar_init(&s->pci, 0, PCI_BAR_IO, 256, &rtl_ops, s);
    pci_bar_init(&s->pci, 1, PCI_BAR_MEM, 4096, &rtl_ops, s);
    /* the EEPROM: the RTL8139 signature, IDs, the address in words 7-9 */
    s->eeprom[0] = 0x8129;
    s->eeprom[1] = 0x10EC;
    s->eeprom[2] = 0x8139;
    for (int i = 0; i < 3; i++)
        s->eeprom[7 + i] = (uint16_t)(cfg->mac[2 * i] | cfg->mac[2 * i + 1] << 8);
    s->nc.ops = &nic_ops;
    snprintf(s->nc.id, sizeof s->nc.id, "%s", s->id);
    return s;
}

void rtl8139_free(Rtl8139State *s)
{
    if (!s)
        return;
    free(s->romfile);
    free(s);
}
