/* Character backends: where a serial port's bytes go and come from.
 *
 *   stdio             input from stdin (raw mode if it is a terminal, the
 *                     terminal restored on close), output to stdout
 *   file:PATH         output to PATH (created or truncated); no input
 *   unix:PATH,server  listen on a UNIX socket at PATH, one client at a time,
 *                     never blocking (output without a client is dropped)
 *   null / none       nothing in, output discarded
 *
 * One small interface: open from a spec, write, read what is there without
 * waiting, an fd the main loop can wait on for input, close.  Nothing here
 * ever blocks.  Output to a regular file is written through; output to a
 * pipe, terminal or socket on stdio (or a FIFO given as file:) is written
 * as far as it takes bytes now, and chardev_write says how many it took:
 * the UART holds the rest in its transmit FIFO (a slow reader slows the
 * guest's output down, like a real terminal, without stopping the
 * emulator).  Output to a unix: socket is buffered up to CHARDEV_OUTBUF
 * bytes and dropped beyond, so a client that stops reading cannot wedge
 * the emulator either. */
#ifndef E386_SYSTEM_CHARDEV_H
#define E386_SYSTEM_CHARDEV_H
#include <stddef.h>
#include <stdint.h>

enum { CHARDEV_OUTBUF = 65536 };

typedef struct Chardev Chardev;

/* NULL with a message in err on a bad spec or an I/O error. */
Chardev *chardev_open(const char *spec, char *err, size_t errlen);
/* Restores the terminal (stdio), closes and unlinks the socket (unix). */
void chardev_close(Chardev *c);
/* Bytes taken now: n, or fewer when a stdio/file output cannot take more
 * yet (write the rest later).  Bytes dropped (no client, a reader that
 * went away, an I/O error) count as taken. */
size_t chardev_write(Chardev *c, const uint8_t *buf, size_t n);
/* stdio/file: wait up to timeout_ms for the output to take bytes: 1 it
 * can, 0 not yet (or a signal came), -1 nothing to wait for. */
int chardev_wait_output(const Chardev *c, int timeout_ms);
/* Up to n bytes available now, without waiting: the count, 0 if none. */
size_t chardev_read(Chardev *c, uint8_t *buf, size_t n);
/* The fd to wait on for input (or a client to accept), -1 if none. */
int chardev_input_fd(const Chardev *c);
/* Bytes dropped so far (socket output without a reader or beyond the
 * buffer, stdio/file output after EPIPE or an I/O error). */
uint64_t chardev_dropped(const Chardev *c);
/* The backend's kind: "stdio", "file", "unix" or "null". */
const char *chardev_kind(const Chardev *c);

/* The byte adapters a device's generic byte interface can call. */
size_t chardev_write_cb(void *opaque, const uint8_t *buf, size_t n);
size_t chardev_read_cb(void *opaque, uint8_t *buf, size_t n);
#endif
