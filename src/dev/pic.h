/* The 8259A programmable interrupt controller pair of a PC: the master at
 * 0x20-0x21 drives the CPU's INTR, the slave at 0xA0-0xA1 is cascaded on
 * the master's IR2, and the PIIX-style ELCR at 0x4D0-0x4D1 selects edge or
 * level triggering per line. */
#ifndef E386_DEV_PIC_H
#define E386_DEV_PIC_H
#include <stdbool.h>
#include <stdint.h>
#include "dev/device.h"

typedef struct Pic8259 {
    uint8_t irr, isr, imr;
    uint8_t lines;        /* the IR input levels as last driven */
    uint8_t elcr;         /* 1 = level triggered (PIIX ELCR) */
    uint8_t elcr_mask;    /* the ELCR bits a guest may set */
    uint8_t base;         /* ICW2: vector of IR0 */
    uint8_t icw3;         /* master: lines with a slave; slave: its id */
    uint8_t lowest;       /* the lowest-priority line (rotation): IR7 at reset */
    uint8_t init_step;    /* 0 ready; 2, 3, 4: the ICW expected next */
    bool icw4_needed, single, ltim, auto_eoi, rotate_on_aeoi, sfnm;
    bool read_isr;        /* OCW3 RR/RIS: port A0=0 reads ISR, else IRR */
    bool poll;            /* OCW3 P: the next read is the poll word */
    bool special_mask;    /* OCW3 SMM */
} Pic8259;

typedef struct PicState {
    Device dev;
    Pic8259 chip[2]; /* 0 master, 1 slave */
    bool intr;       /* the master's INT output as last driven */
    IrqLine intr_out;
} PicState;

/* init cannot fail: wire INT to intr_out. */
void pic_init(PicState *s, const char *id, IrqLine intr_out);
/* IRQ input n (0-15) driven to level (0 or 1); other n are ignored. */
void pic_set_irq(void *opaque, int n, int level);
/* The INTA cycle: the vector, ISR updated (IRQ 7/15 of the chip when
 * nothing is pending: a spurious interrupt). */
int pic_intr_ack(PicState *s);
bool pic_intr_level(const PicState *s);
/* Would a request on IRQ n now reach the CPU (not masked, not blocked by
 * a line in service)?  The machine asks before it sleeps in HLT. */
bool pic_would_interrupt(const PicState *s, int n);
#endif
