/* The GDB stub's TCP transport (-gdb tcp::PORT): one listening socket on
 * 127.0.0.1 and at most one client, behind a GdbIo. */
#ifndef E386_GDB_TCP_H
#define E386_GDB_TCP_H
#include <stddef.h>
#include "gdb/gdb.h"

typedef struct GdbTcp {
    int listen_fd, fd; /* -1: none */
    int port;          /* the port bound (the one chosen for tcp::0) */
} GdbTcp;

/* spec: "tcp::PORT", "tcp:127.0.0.1:PORT", "tcp:localhost:PORT" or a bare
 * PORT (emu386-user -g).  Only loopback is offered: the stub gives whoever
 * connects full control of the guest.  0, or -1 with a message. */
int gdb_tcp_listen(GdbTcp *t, const char *spec, char *err, size_t errlen);
void gdb_tcp_io(GdbTcp *t, GdbIo *io);
void gdb_tcp_close(GdbTcp *t);
#endif
