/* Snapshots and migration of the PC (docs/migration.md): the stream
 * writer and reader for a whole Machine, and the transports.
 *
 * The stream is written from the declarative state descriptions only (the
 * CPU's e386_cpu_state_desc, each device's DeviceClass.state, the clock's),
 * RAM in pages of which zero pages are never sent.  The reader treats it
 * as hostile: every id, version, length, count and page index is checked
 * before use, values go through state_set and the devices' post_load, and
 * the CPU and device state is staged and committed only once the end
 * section's checksum matched.  RAM pages are written as they arrive, so a
 * refused stream leaves the machine marked load_failed: machine_run will
 * not run it, the caller discards it. */
#ifndef E386_MIGRATION_MIGRATION_H
#define E386_MIGRATION_MIGRATION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "migration/stream.h"
#include "system/machine.h"

#define MIG_MAGIC "E386MIG\n"
/* Stream version 2 added the card section's bus (docs/migration.md); the
 * reader still takes version 1 streams (every card then on the root bus). */
enum { MIG_MAGIC_LEN = 8, MIG_VERSION = 2, MIG_VERSION_MIN = 1, MIG_HEADER_CONFIG = 20 };
enum { MIG_SEC_RAM = 1, MIG_SEC_CPU = 2, MIG_SEC_CLOCK = 3, MIG_SEC_DEVICE = 4, MIG_SEC_END = 5,
       MIG_SEC_CARD = 6 /* a PCI card of Machine.nic[], ranked with the devices */ };
enum { MIG_PAGE_ZERO = 0, MIG_PAGE_DATA = 1 };
enum { MIG_PAGE_SIZE = 4096, MIG_RAM_BATCH = 256 /* page records per RAM section */ };
enum { MIG_HDR_ICOUNT = 1, MIG_HDR_KERNEL = 2 };

/* The machine's virtual clock as the stream carries it (a VClock holds
 * host-specific parts: the monotonic origin, a CPU pointer). */
typedef struct MigClockState {
    uint64_t insn_origin; /* -icount: the instruction count at virtual time 0 */
    uint64_t warp_ns;     /* -icount: time skipped in HLT */
    uint64_t now_ns;      /* virtual time when the stream was written */
    uint64_t wall_origin; /* UTC seconds at virtual time 0 (two's complement) */
    uint8_t icount, shift;
} MigClockState;
const struct StateDesc *mig_clock_desc(void);
void mig_clock_save(VClock *c, MigClockState *st);
int mig_clock_check(const VClock *c, const MigClockState *st, char *err, size_t errlen);
void mig_clock_load(VClock *c, const MigClockState *st);

typedef struct MigStats {
    uint64_t bytes;          /* stream bytes */
    uint64_t pages_data;     /* pages sent with their 4096 bytes */
    uint64_t pages_zero;     /* zero pages sent as a marker (later rounds only) */
    uint64_t pages_skipped;  /* zero pages not sent at all (first round) */
    uint64_t pages_zeroed;   /* destination: pages a marker had to clear */
} MigStats;

/* Whether page pn is RAM of a machine with ram_size bytes (not the hole
 * from 640 KiB to 1 MiB, not past the end). */
bool mig_page_in_ram(uint32_t ram_size, uint32_t pn);

/* Write the whole machine (stop-and-copy): header, every RAM page that is
 * not zero, the CPU, the clock, every device, the end section.  The
 * machine is only read.  0, or -1 with err (a write error). */
int machine_save(Machine *m, MigWriter *w, MigStats *st, char *err, size_t errlen);

/* One RAM pass, the unit of live pre-copy rounds: the pages whose bit is
 * set in dirty (bit n = page n, NULL = every RAM page).  zero_markers:
 * send a zero page as a 5-byte marker (a later round, where the
 * destination may hold an older copy) instead of skipping it (the first
 * round: the destination's RAM is zero by construction). */
void mig_save_ram(MigWriter *w, Machine *m, const uint64_t *dirty, bool zero_markers, MigStats *st);
/* The same, in steps (live rounds between slices): from page *cursor on,
 * at most max_pages records; *cursor is left after the last page looked
 * at (npages when the pass is over).  The records written. */
uint32_t mig_save_ram_step(MigWriter *w, Machine *m, const uint64_t *dirty, bool zero_markers,
                           uint32_t *cursor, uint32_t max_pages, MigStats *st);
/* Machine.written, the pages written since power on, brought up to date
 * from the core's dirty log (NULL: the machine does not track them); a
 * first pass reads only those pages, the others are zero by construction.
 * mig_written_restart, after a live migration used the log for its
 * rounds: what the log holds goes into Machine.written, and the log
 * starts again over every page (without memory: tracking stops, NULL). */
const uint64_t *mig_written_sync(Machine *m);
void mig_written_restart(Machine *m);

/* machine_save in pieces, for live pre-copy: the header; then RAM
 * sections; then the CPU, clock, device and end sections. */
void mig_save_header(MigWriter *w, Machine *m);
void mig_save_state(MigWriter *w, Machine *m);

/* Read a stream into m, which must be a fresh machine built with the same
 * configuration (-m, -bios or -kernel, -icount); 0, or -1 with err (and m
 * marked load_failed if any RAM page was written). */
int machine_load(Machine *m, MigReader *r, MigStats *st, char *err, size_t errlen);

/* The transports: file:PATH, unix:PATH, tcp:HOST:PORT (IPv4 numeric or
 * localhost), fd:N, exec:COMMAND (its stdin for an outgoing stream, its
 * stdout for an incoming one); a bare path is file:. */
typedef struct MigConn {
    int fd;
    bool close_fd;   /* fd:N belongs to the caller */
    int pid;         /* exec: the command, waited for on close (0: none) */
    int listen_fd;   /* incoming unix/tcp: closed once accepted */
    char path[256];  /* incoming unix: the socket file, removed on close */
} MigConn;
int mig_open_out(MigConn *c, const char *uri, char *err, size_t errlen);
/* Incoming unix/tcp: listens, calls ready (if set) once the address
 * accepts connections, and waits for one peer. */
int mig_open_in(MigConn *c, const char *uri, void (*ready)(void *opaque, const char *uri),
                void *opaque, char *err, size_t errlen);
/* mig_open_in in two halves: listen (unix/tcp; the other kinds are
 * opened at once), then wait for the peer (nothing to do for them). */
int mig_listen_in(MigConn *c, const char *uri, char *err, size_t errlen);
int mig_accept_in(MigConn *c, const char *uri, char *err, size_t errlen);
/* 0, or -1 with err when an exec: command failed. */
int mig_close(MigConn *c, char *err, size_t errlen);

/* Stop-and-copy to a URI: what the monitor's migrate command calls
 * between two slices (the CPU is not running).  The machine is only read
 * and keeps running whatever the destination does. */
int machine_migrate(Machine *m, const char *uri, MigStats *st, char *err, size_t errlen);
/* The destination: wait for the stream on uri (not "defer": the monitor
 * names the URI later) and load it into m. */
int machine_incoming(Machine *m, const char *uri, void (*ready)(void *opaque, const char *uri),
                     void *opaque, MigStats *st, char *err, size_t errlen);
/* The same from a connection mig_listen_in opened (-incoming defer: the
 * monitor's migrate-incoming listens, the main loop then waits); c is
 * closed in every case. */
int machine_incoming_conn(Machine *m, MigConn *c, const char *uri, MigStats *st, char *err,
                          size_t errlen);
#endif
