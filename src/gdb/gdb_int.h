/* The stub's state, shared by the packet handlers (gdb_stub.c) and the
 * run control (gdb_run.c). */
#ifndef E386_GDB_INT_H
#define E386_GDB_INT_H
#include "gdb/gdb.h"
#include "gdb/gdb_packet.h"

enum {
    GDB_SW_MAX = 64,     /* Z0 breakpoints */
    GDB_HW_MAX = 4,      /* Z1, as many as the CPU's debug registers */
    GDB_WP_MAX = 4,      /* Z2-Z4 */
    GDB_WP_MAX_LEN = 64, /* bytes one watchpoint covers */
};

/* why the CPU stopped, for the stop reply */
enum { STOP_NONE, STOP_ATTACH, STOP_STEP, STOP_SWBREAK, STOP_HWBREAK, STOP_WATCH, STOP_INTR };

typedef struct GdbWatch {
    uint32_t addr, len;
    int type;                       /* 2 write, 3 read, 4 access (as in Z2-Z4) */
    int slot;                       /* the engine's slot (system mode), or -1: compared by value */
    uint8_t old[GDB_WP_MAX_LEN];    /* the bytes as last seen (slot -1) */
} GdbWatch;

struct E386Gdb {
    E386Cpu *cpu;
    GdbIo io;
    GdbRx rx;
    int connected, wait_attach;
    int no_ack;                 /* QStartNoAckMode */
    int running;                /* the debugger let the CPU run */
    int stop;                   /* STOP_*: a stop not yet reported */
    uint32_t stop_addr;         /* the watched address of STOP_WATCH */
    int stop_type;              /* and its Z type: watch, rwatch or awatch */
    int stepping, first;        /* resume state the debug hook reads */
    uint32_t sw[GDB_SW_MAX];
    int nsw;
    uint32_t hw[GDB_HW_MAX];
    int nhw;
    GdbWatch wp[GDB_WP_MAX];
    int nwp;
    char *last;                 /* the last frame sent, for a '-' */
    size_t last_len;
};

/* send one packet body (framed, remembered for a resend) */
void gdb_send(E386Gdb *g, const char *body, size_t len);
void gdb_send_str(E386Gdb *g, const char *body);
/* the stop reply for g->stop */
void gdb_send_stop(E386Gdb *g);
/* breakpoints and watchpoints (gdb_run.c): 0, or -1 with *err an errno */
int gdb_point_insert(E386Gdb *g, int type, uint32_t addr, uint32_t kind, int *err);
int gdb_point_remove(E386Gdb *g, int type, uint32_t addr, uint32_t kind);
/* resume: step or continue from the current state */
void gdb_resume(E386Gdb *g, int step);
#endif
