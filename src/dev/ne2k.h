/* The DP8390 core of an NE2000-compatible card (the RTL8029AS of
 * ne2k_pci.c): registers pages 0-2 (page 3 reads 0), remote DMA through
 * the data port, a 32 KiB buffer memory (pages 0x40-0xBF) with the
 * station-address PROM at 0, transmit, receive into the ring, ISR/IMR
 * interrupts and the reset port.  From the National DP8390D datasheet and
 * the Realtek RTL8029AS datasheet.
 *
 * The I/O window is 32 bytes: 0x00-0x0F registers, 0x10-0x17 the data
 * port (8, 16 or 32 bits: a byte access in word mode moves a word, as on
 * the card), 0x18-0x1F the reset port.  Every value the guest sets is
 * checked where it is used: a ring outside the buffer, a boundary or
 * current page outside the ring, a remote DMA or transmit reaching past
 * the memory are refused (the frame is dropped and counted) or read as
 * the card's floating bus, never outside mem[]. */
#ifndef E386_DEV_NE2K_H
#define E386_DEV_NE2K_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    NE2K_MEM_START = 0x4000,
    NE2K_MEM_END = 0xC000, /* 32 KiB of buffer memory at 0x4000-0xBFFF */
    NE2K_IO_SIZE = 0x20,
    NE2K_MIN_FRAME = 60,   /* shorter frames are padded, as the MAC would */
    NE2K_MAX_FRAME = 1518, /* longer receptions are refused (no jumbo) */
};

typedef struct Ne2kState {
    uint8_t cmd, isr, imr, rsr, tsr, rcr, tcr, dcr;
    uint8_t pstart, pstop, bnry, curr, tpsr;
    uint16_t tbcr, rsar, rbcr;
    uint8_t par[6], mar[8];
    uint8_t cntr[3]; /* tally counters: CRC, frame alignment, missed */
    uint8_t mem[NE2K_MEM_END];
    uint8_t mac[6];  /* the PROM's address (the mac= property) */
    bool irq;        /* INT as last driven */
    uint32_t rx_dropped, tx_frames, rx_frames;
    /* wiring: the interrupt line and where transmitted frames go */
    void (*set_irq)(void *opaque, int level);
    void (*send)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
} Ne2kState;

void ne2k_init(Ne2kState *s, const uint8_t mac[6], void (*set_irq)(void *, int),
               void (*send)(void *, const uint8_t *, size_t), void *opaque);
/* Power on: stopped, ISR RST, the PROM filled from mac. */
void ne2k_reset(Ne2kState *s);
uint32_t ne2k_read(Ne2kState *s, uint32_t off, int size);
void ne2k_write(Ne2kState *s, uint32_t off, int size, uint32_t value);
/* A frame from the wire: false if not taken (stopped, filtered, no room,
 * a broken ring): the tally and rx_dropped say why. */
bool ne2k_receive(Ne2kState *s, const uint8_t *buf, size_t len);
/* After a state load: drive INT from the loaded ISR and IMR (every
 * register is checked where it is used, so any loaded value is safe). */
void ne2k_post_load(Ne2kState *s);
#endif
