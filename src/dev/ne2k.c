/* The DP8390 core of an NE2000 card (see ne2k.h). */
#include "dev/ne2k.h"
#include <string.h>

enum {
    CR_STP = 0x01, CR_STA = 0x02, CR_TXP = 0x04, CR_RD = 0x38, CR_RREAD = 0x08, CR_RWRITE = 0x10,
    CR_RABORT = 0x20,
    ISR_PRX = 0x01, ISR_PTX = 0x02, ISR_OVW = 0x10, ISR_CNT = 0x20, ISR_RDC = 0x40, ISR_RST = 0x80,
    RCR_AB = 0x04, RCR_AM = 0x08, RCR_PRO = 0x10, RCR_MON = 0x20,
    TCR_LB = 0x06,
    DCR_WTS = 0x01,
    RSR_PRX = 0x01, RSR_MPA = 0x10, RSR_PHY = 0x20,
    TSR_PTX = 0x01,
    NE2K_MAX_TX = 2048,
};

static void update_irq(Ne2kState *s)
{
    bool level = (s->isr & s->imr & 0x7F) != 0;
    if (level != s->irq) {
        s->irq = level;
        if (s->set_irq)
            s->set_irq(s->opaque, level);
    }
}

void ne2k_init(Ne2kState *s, const uint8_t mac[6], void (*set_irq)(void *, int),
               void (*send)(void *, const uint8_t *, size_t), void *opaque)
{
    memset(s, 0, sizeof *s);
    memcpy(s->mac, mac, 6);
    s->set_irq = set_irq;
    s->send = send;
    s->opaque = opaque;
}

void ne2k_reset(Ne2kState *s)
{
    uint8_t mac[6];
    memcpy(mac, s->mac, 6);
    s->cmd = CR_STP | CR_RABORT;
    s->isr = ISR_RST;
    s->imr = s->rsr = s->tsr = s->rcr = s->tcr = s->dcr = 0;
    s->pstart = s->pstop = s->bnry = s->curr = s->tpsr = 0;
    s->tbcr = s->rsar = s->rbcr = 0;
    memset(s->par, 0, sizeof s->par);
    memset(s->mar, 0, sizeof s->mar);
    memset(s->cntr, 0, sizeof s->cntr);
    memset(s->mem, 0, sizeof s->mem);
    /* the PROM: the address, then 0x57 0x57 (a word-wide card), each byte
     * doubled as the 16-bit card presents it */
    uint8_t prom[16] = { 0 };
    memcpy(prom, mac, 6);
    prom[14] = prom[15] = 0x57;
    for (int i = 0; i < 16; i++)
        s->mem[2 * i] = s->mem[2 * i + 1] = prom[i];
    update_irq(s);
}

void ne2k_post_load(Ne2kState *s)
{
    s->irq = !((s->isr & s->imr & 0x7F) != 0); /* force the line to be driven */
    update_irq(s);
}

/* ---- buffer memory ---- */

static uint8_t mem_read(const Ne2kState *s, uint32_t a)
{
    if (a < 32 || (a >= NE2K_MEM_START && a < NE2K_MEM_END))
        return s->mem[a];
    return 0xFF; /* nothing decodes there */
}

static void mem_write(Ne2kState *s, uint32_t a, uint8_t v)
{
    if (a >= NE2K_MEM_START && a < NE2K_MEM_END)
        s->mem[a] = v;
}

static bool ring_ok(const Ne2kState *s)
{
    return s->pstart >= (NE2K_MEM_START >> 8) && s->pstop <= (NE2K_MEM_END >> 8) &&
           s->pstart < s->pstop;
}

/* One byte of remote DMA done: the address wraps from the ring's end to
 * its start (so a frame split by the ring reads in one transfer), the
 * count runs down to the RDC interrupt. */
static void dma_step(Ne2kState *s)
{
    s->rsar++;
    if (ring_ok(s) && s->rsar == (uint16_t)(s->pstop << 8))
        s->rsar = (uint16_t)(s->pstart << 8);
    if (s->rbcr && --s->rbcr == 0) {
        s->isr |= ISR_RDC;
        update_irq(s);
    }
}

static int data_width(const Ne2kState *s, int size) { return size == 1 && (s->dcr & DCR_WTS) ? 2 : size; }

/* ---- transmit and receive ---- */

static void tally(Ne2kState *s, int n)
{
    if (s->cntr[n] < 0xFF)
        s->cntr[n]++;
    if (s->cntr[n] & 0x80) {
        s->isr |= ISR_CNT;
        update_irq(s);
    }
}

static void transmit(Ne2kState *s)
{
    uint8_t buf[NE2K_MAX_TX];
    uint32_t len = s->tbcr > NE2K_MAX_TX ? NE2K_MAX_TX : s->tbcr;
    uint32_t start = (uint32_t)s->tpsr << 8;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = mem_read(s, start + i);
    if (len) {
        if (s->tcr & TCR_LB)
            ne2k_receive(s, buf, len); /* internal loopback */
        else if (s->send)
            s->send(s->opaque, buf, len);
        s->tx_frames++;
    }
    s->tsr = TSR_PTX;
    s->cmd &= (uint8_t)~CR_TXP;
    s->isr |= ISR_PTX;
    update_irq(s);
}

/* The big-endian CRC-32 of the Ethernet MAC, whose top 6 bits index the
 * multicast filter. */
static uint32_t ether_crc(const uint8_t *p, int n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n--) {
        uint8_t b = *p++;
        for (int bit = 0; bit < 8; bit++, b >>= 1) {
            uint32_t carry = ((crc >> 31) ^ b) & 1;
            crc <<= 1;
            if (carry)
                crc = (crc ^ 0x04C11DB6u) | carry;
        }
    }
    return crc;
}

static bool accept(const Ne2kState *s, const uint8_t *buf)
{
    if (s->rcr & RCR_PRO)
        return true;
    if (!(buf[0] & 1))
        return !memcmp(buf, s->par, 6);
    static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    if (!memcmp(buf, bcast, 6))
        return (s->rcr & RCR_AB) != 0;
    if (!(s->rcr & RCR_AM))
        return false;
    uint32_t idx = ether_crc(buf, 6) >> 26;
    return (s->mar[idx >> 3] >> (idx & 7)) & 1;
}

bool ne2k_receive(Ne2kState *s, const uint8_t *frame, size_t len)
{
    uint8_t pad[NE2K_MIN_FRAME];
    if ((s->cmd & CR_STP) || len < 6 || len > NE2K_MAX_FRAME) {
        s->rx_dropped++;
        return false;
    }
    if (!accept(s, frame))
        return false; /* not for us: no tally, as the card */
    if (s->rcr & RCR_MON) { /* monitor mode: checked and counted, never stored */
        tally(s, 2);
        return false;
    }
    if (len < NE2K_MIN_FRAME) {
        memset(pad, 0, sizeof pad);
        memcpy(pad, frame, len);
        frame = pad;
        len = NE2K_MIN_FRAME;
    }
    unsigned ring = (unsigned)s->pstop - s->pstart;
    if (!ring_ok(s) || s->curr < s->pstart || s->curr >= s->pstop || s->bnry < s->pstart ||
        s->bnry >= s->pstop) {
        s->rx_dropped++; /* the guest's ring is not one: nowhere to put it */
        tally(s, 2);
        return false;
    }
    unsigned total = (unsigned)len + 4, pages = (total + 255) >> 8;
    unsigned free = s->bnry > s->curr ? (unsigned)s->bnry - s->curr : ring - ((unsigned)s->curr - s->bnry);
    if (pages >= free) { /* the ring is full: a missed packet */
        s->rx_dropped++;
        s->rsr |= RSR_MPA;
        tally(s, 2);
        return false;
    }
    unsigned next = s->curr + pages;
    if (next >= s->pstop)
        next -= ring;
    uint8_t status = RSR_PRX | ((frame[0] & 1) ? RSR_PHY : 0);
    uint32_t a = (uint32_t)s->curr << 8, start = (uint32_t)s->pstart << 8, stop = (uint32_t)s->pstop << 8;
    uint8_t hdr[4] = { status, (uint8_t)next, (uint8_t)total, (uint8_t)(total >> 8) };
    for (unsigned i = 0; i < total; i++) {
        if (a >= stop)
            a = start;
        mem_write(s, a++, i < 4 ? hdr[i] : frame[i - 4]);
    }
    s->curr = (uint8_t)next;
    s->rsr = status;
    s->isr |= ISR_PRX;
    s->rx_frames++;
    update_irq(s);
    return true;
}

/* ---- registers ---- */

static void write_cr(Ne2kState *s, uint8_t v)
{
    s->cmd = v;
    if (v & CR_STP) {
        s->isr |= ISR_RST;
        update_irq(s);
        return;
    }
    s->isr &= (uint8_t)~ISR_RST;
    if ((v & (CR_RREAD | CR_RWRITE)) && !(v & CR_RABORT) && s->rbcr == 0) {
        s->isr |= ISR_RDC; /* nothing to move: done at once */
        update_irq(s);
    }
    if ((v & CR_TXP) && (v & CR_STA))
        transmit(s);
}

static uint8_t reg_read(Ne2kState *s, uint32_t r)
{
    int page = s->cmd >> 6;
    if (r == 0)
        return s->cmd;
    if (page == 0) {
        switch (r) {
        case 0x1: return 0; /* CLDA0 */
        case 0x2: return s->curr; /* CLDA1 */
        case 0x3: return s->bnry;
        case 0x4: return s->tsr;
        case 0x5: return 0; /* NCR: no collisions on this wire */
        case 0x6: return 0; /* FIFO */
        case 0x7: return s->isr;
        case 0x8: return (uint8_t)s->rsar;
        case 0x9: return (uint8_t)(s->rsar >> 8);
        case 0xA: return 0x50; /* RTL8029 ID: 'P' */
        case 0xB: return 0x43; /* 'C' */
        case 0xC: return s->rsr;
        default: { /* CNTR0-2, cleared by reading */
            uint8_t v = s->cntr[r - 0xD];
            s->cntr[r - 0xD] = 0;
            return v;
        }
        }
    }
    if (page == 1) {
        if (r <= 6)
            return s->par[r - 1];
        if (r == 7)
            return s->curr;
        return s->mar[r - 8];
    }
    if (page == 2) {
        switch (r) {
        case 0x1: return s->pstart;
        case 0x2: return s->pstop;
        case 0x4: return s->tpsr;
        case 0xC: return s->rcr | 0xC0;
        case 0xD: return s->tcr | 0xE0;
        case 0xE: return s->dcr | 0x80;
        case 0xF: return s->imr | 0x80;
        default: return 0;
        }
    }
    return 0; /* page 3: the RTL8029's configuration registers, not modelled */
}

static void reg_write(Ne2kState *s, uint32_t r, uint8_t v)
{
    int page = s->cmd >> 6;
    if (r == 0) {
        write_cr(s, v);
        return;
    }
    if (page == 1) {
        if (r <= 6)
            s->par[r - 1] = v;
        else if (r == 7)
            s->curr = v;
        else
            s->mar[r - 8] = v;
        return;
    }
    if (page != 0)
        return; /* pages 2 and 3 are read-only here */
    switch (r) {
    case 0x1: s->pstart = v; break;
    case 0x2: s->pstop = v; break;
    case 0x3: s->bnry = v; break;
    case 0x4: s->tpsr = v; break;
    case 0x5: s->tbcr = (uint16_t)((s->tbcr & 0xFF00) | v); break;
    case 0x6: s->tbcr = (uint16_t)((s->tbcr & 0x00FF) | v << 8); break;
    case 0x7: s->isr &= (uint8_t)~(v & 0x7F); update_irq(s); break;
    case 0x8: s->rsar = (uint16_t)((s->rsar & 0xFF00) | v); break;
    case 0x9: s->rsar = (uint16_t)((s->rsar & 0x00FF) | v << 8); break;
    case 0xA: s->rbcr = (uint16_t)((s->rbcr & 0xFF00) | v); break;
    case 0xB: s->rbcr = (uint16_t)((s->rbcr & 0x00FF) | v << 8); break;
    case 0xC: s->rcr = v & 0x3F; break;
    case 0xD: s->tcr = v & 0x1F; break;
    case 0xE: s->dcr = v & 0x7F; break;
    case 0xF: s->imr = v & 0x7F; update_irq(s); break;
    }
}

uint32_t ne2k_read(Ne2kState *s, uint32_t off, int size)
{
    if (off < 0x10) {
        uint32_t v = 0;
        for (int i = 0; i < size && off + (uint32_t)i < 0x10; i++)
            v |= (uint32_t)reg_read(s, off + (uint32_t)i) << (8 * i);
        return v;
    }
    if (off < 0x18) {
        uint32_t v = 0;
        int n = data_width(s, size);
        for (int i = 0; i < n; i++) {
            v |= (uint32_t)mem_read(s, s->rsar) << (8 * i);
            dma_step(s);
        }
        return v;
    }
    if (off < NE2K_IO_SIZE) { /* reading the reset port resets the card */
        s->isr |= ISR_RST;
        s->cmd = CR_STP | CR_RABORT;
        update_irq(s);
        return 0;
    }
    return 0xFFFFFFFFu;
}

void ne2k_write(Ne2kState *s, uint32_t off, int size, uint32_t value)
{
    if (off < 0x10) {
        for (int i = 0; i < size && off + (uint32_t)i < 0x10; i++)
            reg_write(s, off + (uint32_t)i, (uint8_t)(value >> (8 * i)));
        return;
    }
    if (off < 0x18) {
        int n = data_width(s, size);
        for (int i = 0; i < n; i++) {
            mem_write(s, s->rsar, (uint8_t)(value >> (8 * i)));
            dma_step(s);
        }
    }
    /* writes to the reset port: nothing (drivers write back what they read) */
}
