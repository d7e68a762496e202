/* The 16550A UART of a PC serial port (COM1 at 0x3F8 on IRQ 4, COM2 at
 * 0x2F8 on IRQ 3; the board chooses): 16-byte receive and transmit FIFOs,
 * the four interrupt sources in the datasheet's priority, the divisor
 * latch, modem control and status with the loopback mode, and the PC's
 * OUT2 gate of the IRQ line.
 *
 * The UART reaches its host side only through a UartBackend (two byte
 * callbacks): it never knows what is behind them.  Transmitted bytes go to
 * the backend at once, even one written with the FIFO full (a real chip
 * would lose it; a guest that writes without polling LSR keeps its
 * output); the transmitter's timing (THRE, TEMT, the THRE
 * interrupt) follows virtual time at the programmed rate, with a character
 * taking at most UART_MAX_CHAR_NS, so a guest never waits long and a
 * polled console stays fast (docs/system.md).  A backend that cannot take
 * a byte now (its write returns 0: a pipe nobody drains) holds the
 * transmitter up, as a slow line holds up a real 16550: the byte stays in
 * the transmit FIFO, THRE and TEMT stay clear, the FIFO takes up to 16
 * bytes more, and a byte written to the full FIFO is lost and counted
 * (tx_lost); the held bytes go out when the backend takes them again
 * (retried each poll and at least every UART_TX_RETRY_NS).  Nothing is
 * buffered beyond the FIFO and nothing ever waits on the host.  Received bytes are taken
 * from the backend only while the FIFO has room: what the guest does not
 * read yet stays with the backend, nothing is lost. */
#ifndef E386_DEV_UART_H
#define E386_DEV_UART_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dev/device.h"

#define UART_CLOCK_HZ 1843200u /* the PC's crystal: divisor 1 is 115200 baud */
#define UART_MAX_CHAR_NS 1000u /* the loose pacing: at least 1 Mchar/s */
#define UART_TX_RETRY_NS 1000000u /* a held transmitter retries its backend */
#define UART_NO_DEADLINE UINT64_MAX
enum { UART_FIFO_SIZE = 16 };

typedef struct UartBackend {
    /* the bytes taken now (0: none, try again later), never waits */
    size_t (*write)(void *opaque, const uint8_t *buf, size_t n);
    size_t (*read)(void *opaque, uint8_t *buf, size_t n); /* what is there now, never waits */
    void *opaque;
} UartBackend;

typedef struct UartState {
    Device dev;
    uint8_t rx_fifo[UART_FIFO_SIZE]; /* received bytes, rx_count of them from rx_head */
    uint8_t rx_head, rx_count;
    uint8_t ier, lcr, mcr, fcr, scr;
    uint8_t lsr_err;       /* LSR bits 1-4 (OE PE FE BI), cleared by reading LSR */
    uint8_t msr;           /* lines (bits 4-7) and deltas (0-3, cleared by reading MSR) */
    uint16_t divisor;
    bool thr_ipending;     /* the THRE interrupt is pending */
    bool thre_armed;       /* the transmit FIFO will empty at thre_at_ns */
    bool rx_timeout;       /* the character timeout interrupt is pending */
    bool irq_level;        /* the IRQ line as driven */
    uint64_t tx_end_ns;    /* when the transmitter has sent everything queued */
    uint64_t thre_at_ns;
    uint64_t rx_last_ns;   /* the receive FIFO's last activity (timeout) */
    uint64_t tx_bytes, rx_bytes;
    uint64_t tx_overflow;  /* bytes written with the FIFO (THR) full: sent anyway */
    uint8_t tx_hold[UART_FIFO_SIZE]; /* bytes the backend has not taken yet, */
    uint8_t tx_hold_head, tx_held;   /* tx_held of them from tx_hold_head */
    uint64_t tx_retry_ns;  /* when a held transmitter tries its backend again */
    uint64_t tx_lost;      /* bytes written to a full, held FIFO: lost */
    uint16_t base;         /* wiring, not state: the ports */
    IrqLine irq;
    DevClock clock;
    UartBackend be;
} UartState;

/* init cannot fail: ports base..base+7, the IRQ line (the PIC input), the
 * clock and the backend (a NULL callback: nothing connected). */
void uart_init(UartState *s, const char *id, uint16_t base, IrqLine irq, DevClock clock,
               UartBackend be);
/* Take input from the backend (as much as the FIFO takes), bring the
 * transmitter and the timeout up to now; the main loop calls it each slice. */
void uart_poll(UartState *s, uint64_t now_ns);
/* When an interrupt condition next arises by itself (THRE, the receive
 * timeout), or UART_NO_DEADLINE. */
uint64_t uart_next_deadline(const UartState *s);
/* Would received data interrupt the CPU (IER, OUT2, not loopback)?  The
 * machine waits for backend input in HLT only then. */
bool uart_rx_can_interrupt(const UartState *s);
/* Hand the bytes the backend did not take to it now, as far as it takes
 * them (the main loop's drain at the end of a run); the count still held. */
unsigned uart_tx_flush(UartState *s, uint64_t now_ns);
/* The time one character takes at the current settings (capped). */
uint64_t uart_char_ns(const UartState *s);
#endif
