/* The GDB stub (docs/gdb.md): one debugger connection to one CPU.
 *
 * The stub speaks the remote serial protocol through a GdbIo (the
 * program's transport: gdb_tcp.c for TCP) and drives the CPU only between
 * e386_run calls: the runner calls gdb_between_runs() after each return
 * (and once before the first), which reports stops and serves packets for
 * as long as the debugger keeps the CPU stopped.  Breakpoints, watchpoints
 * and single-step use the engine's debug hook, which is set only while one
 * of them is active: a continue without them runs at full speed.  Nothing
 * here is global: each E386Gdb belongs to one CPU. */
#ifndef E386_GDB_H
#define E386_GDB_H
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

typedef struct GdbIo {
    /* 1 when a client is connected (waiting for one when wait), else 0 */
    int (*accept)(void *opaque, int wait);
    /* send bytes: 0, or -1 when the connection is lost */
    int (*write)(void *opaque, const void *buf, size_t len);
    /* wait up to timeout_ms (-1: forever) for bytes: how many were read,
     * 0 on a timeout, -1 at the end of the connection */
    long (*read)(void *opaque, void *buf, size_t cap, int timeout_ms);
    /* drop the client (detach, kill, or a broken connection) */
    void (*hangup)(void *opaque);
    void *opaque;
} GdbIo;

typedef struct E386Gdb E386Gdb;

/* wait_attach: the first gdb_between_runs waits for a client and keeps
 * the CPU stopped until it says continue (emu386-user -g, emu386-system
 * -S); otherwise a client that connects later stops the CPU then. */
E386Gdb *gdb_new(E386Cpu *cpu, const GdbIo *io, int wait_attach);
void gdb_free(E386Gdb *g);

enum { GDB_RUN, GDB_KILL };
/* Between two e386_run calls (and once before the first): reports a stop
 * the debug hook made, looks for a Ctrl-C, serves the debugger while it
 * keeps the CPU stopped.  GDB_RUN to run on, GDB_KILL when the debugger
 * killed the program. */
int gdb_between_runs(E386Gdb *g);
/* The program ends with status: tell the debugger (W packet). */
void gdb_report_exit(E386Gdb *g, int status);

/* The packet layer's entry, for the runner above and the unit tests:
 * handle one packet body, replying through the GdbIo.  What it asks of
 * the runner: */
enum { GDB_ACT_NONE, GDB_ACT_RESUME, GDB_ACT_DETACH, GDB_ACT_KILL };
int gdb_handle_packet(E386Gdb *g, const char *pkt, size_t len);
/* Feed raw bytes from the client (framing, acks, Ctrl-C): the last
 * action a packet in them asked for. */
int gdb_feed(E386Gdb *g, const uint8_t *buf, size_t len);
#endif
