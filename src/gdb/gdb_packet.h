/* The GDB remote serial protocol's framing (docs/gdb.md):
 * $data#cs packets, '+'/'-' acknowledgements, '}' escapes and the 0x03
 * interrupt byte.  Pure functions over buffers: no I/O, no globals. */
#ifndef E386_GDB_PACKET_H
#define E386_GDB_PACKET_H
#include <stddef.h>
#include <stdint.h>

/* The largest packet body we accept (the PacketSize we advertise is
 * this in hex); a longer one is refused with '-' and dropped whole. */
enum { GDB_MAX_PACKET = 4096 };

enum gdb_rx_event {
    GDB_RX_NONE,      /* keep feeding */
    GDB_RX_PACKET,    /* a whole packet with a good checksum: rx->buf, rx->len */
    GDB_RX_BAD,       /* bad checksum, bad hex in it, or too long: answer '-' */
    GDB_RX_INTERRUPT, /* 0x03 outside a packet: Ctrl-C */
    GDB_RX_ACK,       /* '+' */
    GDB_RX_NAK,       /* '-': resend the last reply */
};

typedef struct GdbRx {
    int state;        /* where in a packet we are (gdb_packet.c) */
    int overflow;     /* the body outgrew buf: it is refused at its end */
    int escaped;      /* the previous body byte was '}' */
    uint8_t sum;      /* the running checksum of the raw body bytes */
    uint8_t csum;     /* the checksum digits received so far */
    size_t len;       /* unescaped body bytes in buf */
    char buf[GDB_MAX_PACKET + 1]; /* NUL-terminated for convenience */
} GdbRx;

void gdb_rx_init(GdbRx *rx);
/* Feed one byte from the client: what it completed. */
int gdb_rx_byte(GdbRx *rx, uint8_t c);

/* Frame len bytes of data as $data#cs into out (escaping '$', '#', '}'
 * and '*'): the frame's length, or 0 when it does not fit in cap. */
size_t gdb_frame(const char *data, size_t len, char *out, size_t cap);

/* Hex helpers: a digit's value or -1; n bytes from 2n hex digits (0, or
 * -1 on a bad digit); bytes to hex (no NUL). */
int gdb_hexval(int c);
int gdb_hex_decode(const char *hex, uint8_t *out, size_t n);
void gdb_hex_encode(const uint8_t *in, size_t n, char *out);
/* A hex number at *p (at least one digit, at most 8, fits 32 bits),
 * advancing *p past it: 0, or -1 when there is none or it is too long. */
int gdb_parse_hex32(const char **p, uint32_t *v);
#endif
