/* GDB remote protocol framing: the receiver is a byte-at-a-time state
 * machine so the transport can hand it whatever read() returned, and a
 * malformed or hostile stream can only ever produce GDB_RX_BAD. */
#include "gdb/gdb_packet.h"

enum { RX_IDLE, RX_BODY, RX_CSUM1, RX_CSUM2 };

void gdb_rx_init(GdbRx *rx)
{
    rx->state = RX_IDLE;
    rx->overflow = rx->escaped = 0;
    rx->sum = rx->csum = 0;
    rx->len = 0;
    rx->buf[0] = '\0';
}

int gdb_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int gdb_rx_byte(GdbRx *rx, uint8_t c)
{
    switch (rx->state) {
    case RX_IDLE:
        if (c == '$') {
            gdb_rx_init(rx);
            rx->state = RX_BODY;
            return GDB_RX_NONE;
        }
        if (c == 0x03)
            return GDB_RX_INTERRUPT;
        if (c == '+')
            return GDB_RX_ACK;
        if (c == '-')
            return GDB_RX_NAK;
        return GDB_RX_NONE; /* noise between packets is ignored, as gdbserver does */
    case RX_BODY:
        if (c == '#') {
            rx->state = RX_CSUM1;
            return GDB_RX_NONE;
        }
        if (c == '$') { /* a new packet before this one ended: the old one is lost */
            gdb_rx_init(rx);
            rx->state = RX_BODY;
            return GDB_RX_BAD;
        }
        rx->sum = (uint8_t)(rx->sum + c);
        if (!rx->escaped && c == '}') {
            rx->escaped = 1;
            return GDB_RX_NONE;
        }
        if (rx->escaped) {
            c ^= 0x20;
            rx->escaped = 0;
        }
        if (rx->len >= GDB_MAX_PACKET)
            rx->overflow = 1;
        else
            rx->buf[rx->len++] = (char)c;
        return GDB_RX_NONE;
    case RX_CSUM1:
    case RX_CSUM2: {
        int v = gdb_hexval(c);
        if (v < 0) {
            rx->state = RX_IDLE;
            return GDB_RX_BAD;
        }
        rx->csum = (uint8_t)(rx->csum << 4 | v);
        if (rx->state == RX_CSUM1) {
            rx->state = RX_CSUM2;
            return GDB_RX_NONE;
        }
        rx->state = RX_IDLE;
        rx->buf[rx->len] = '\0';
        if (rx->overflow || rx->escaped || rx->csum != rx->sum)
            return GDB_RX_BAD;
        return GDB_RX_PACKET;
    }
    }
    rx->state = RX_IDLE;
    return GDB_RX_BAD;
}

size_t gdb_frame(const char *data, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[n++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)data[i];
        int esc = c == '$' || c == '#' || c == '}' || c == '*';
        if (n + (esc ? 2 : 1) + 3 > cap)
            return 0;
        if (esc) {
            out[n++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[n++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    static const char hex[] = "0123456789abcdef";
    out[n++] = '#';
    out[n++] = hex[sum >> 4];
    out[n++] = hex[sum & 15];
    return n;
}

int gdb_hex_decode(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hexval((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : gdb_hexval((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

void gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
}

int gdb_parse_hex32(const char **p, uint32_t *v)
{
    const char *s = *p;
    uint32_t x = 0;
    int n = 0;
    while (gdb_hexval((unsigned char)s[n]) >= 0) {
        if ((x >> 28) != 0 || n >= 16)
            return -1; /* more than 32 bits, or leading zeros beyond reason */
        x = x << 4 | (uint32_t)gdb_hexval((unsigned char)s[n]);
        n++;
    }
    if (n == 0)
        return -1;
    *p = s + n;
    *v = x;
    return 0;
}
