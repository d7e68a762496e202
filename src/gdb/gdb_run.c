/* The GDB stub's run control: breakpoints, watchpoints and single-step
 * through the engine's debug hook, and the loop that serves the debugger
 * while it holds the CPU stopped.
 *
 * Breakpoints never patch guest memory: the hook compares the linear
 * address of each instruction with the set, so the guest cannot see them
 * (checksums of its code, self-modifying code and translated blocks stay
 * as they are).  Write watchpoints compare the watched bytes before each
 * instruction with what they were before the previous one in user mode:
 * the stop comes right after the instruction that changed them, as a
 * debug-register trap would, and a store of the value already there is not
 * reported, which is what GDB shows for a `watch` anyway.  In system mode
 * the engine watches the accesses themselves (e386_debug_watch, through
 * the soft MMU's slow path), which also gives read and access watchpoints;
 * user mode's memory has no such path, so it offers write watchpoints only. */
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"
#include "gdb/gdb_int.h"
#include "gdb/gdb_mem.h"

static int hook(E386Cpu *cpu, uint32_t pc, void *opaque)
{
    E386Gdb *g = opaque;
    (void)cpu;
    if (g->first) { /* the instruction at the resume point runs: step off a breakpoint */
        g->first = 0;
        return 0;
    }
    for (int i = 0; i < g->nwp; i++) {
        GdbWatch *w = &g->wp[i];
        uint8_t now[GDB_WP_MAX_LEN];
        if (w->slot >= 0)
            continue; /* the engine's */
        if (gdb_mem_rw(g->cpu, w->addr, now, w->len, 0) < 0 || !memcmp(now, w->old, w->len))
            continue;
        memcpy(w->old, now, w->len);
        g->stop = STOP_WATCH;
        g->stop_addr = w->addr;
        g->stop_type = w->type;
        return 1;
    }
    if (g->stepping) {
        g->stop = STOP_STEP;
        return 1;
    }
    for (int i = 0; i < g->nhw; i++)
        if (g->hw[i] == pc) {
            g->stop = STOP_HWBREAK;
            return 1;
        }
    for (int i = 0; i < g->nsw; i++)
        if (g->sw[i] == pc) {
            g->stop = STOP_SWBREAK;
            return 1;
        }
    return 0;
}

static void snapshot(E386Gdb *g, GdbWatch *w)
{
    if (gdb_mem_rw(g->cpu, w->addr, w->old, w->len, 0) < 0)
        memset(w->old, 0, sizeof w->old); /* not mapped yet: a later mapping counts as a change */
}

void gdb_resume(E386Gdb *g, int step)
{
    g->stepping = step;
    g->first = 1;
    g->running = 1;
    g->stop = STOP_NONE;
    int compare = 0;
    for (int i = 0; i < g->nwp; i++)
        if (g->wp[i].slot < 0) {
            snapshot(g, &g->wp[i]); /* the debugger may have written them */
            compare = 1;
        }
    /* the hook only while something needs it: a plain continue runs at full speed */
    if (step || g->nsw || g->nhw || compare)
        e386_set_debug_hook(g->cpu, hook, g);
    else
        e386_set_debug_hook(g->cpu, NULL, NULL);
}

static int find(const uint32_t *set, int n, uint32_t addr)
{
    for (int i = 0; i < n; i++)
        if (set[i] == addr)
            return i;
    return -1;
}

/* 0 done, 1 a kind we do not support (empty reply), -1 with *err */
int gdb_point_insert(E386Gdb *g, int type, uint32_t addr, uint32_t kind, int *err)
{
    *err = 28; /* ENOSPC */
    switch (type) {
    case 0:
        if (find(g->sw, g->nsw, addr) >= 0)
            return 0; /* inserting twice is allowed and idempotent */
        if (g->nsw == GDB_SW_MAX)
            return -1;
        g->sw[g->nsw++] = addr;
        return 0;
    case 1:
        if (find(g->hw, g->nhw, addr) >= 0)
            return 0;
        if (g->nhw == GDB_HW_MAX)
            return -1;
        g->hw[g->nhw++] = addr;
        return 0;
    case 2:
    case 3:
    case 4: {
        if (type != 2 && !g->cpu->sys)
            return 1; /* read and access watchpoints need system mode's memory path */
        if (kind == 0 || kind > GDB_WP_MAX_LEN || (uint64_t)addr + kind > (1ull << 32)) {
            *err = 22; /* EINVAL */
            return -1;
        }
        for (int i = 0; i < g->nwp; i++)
            if (g->wp[i].addr == addr && g->wp[i].len == kind && g->wp[i].type == type)
                return 0;
        if (g->nwp == GDB_WP_MAX)
            return -1;
        GdbWatch *w = &g->wp[g->nwp];
        w->addr = addr;
        w->len = kind;
        w->type = type;
        w->slot = -1;
        if (g->cpu->sys) { /* a free engine slot: there are as many as our watchpoints */
            int used = 0;
            for (int i = 0; i < g->nwp; i++)
                used |= 1 << g->wp[i].slot;
            for (w->slot = 0; used & (1 << w->slot); w->slot++)
                ;
            static const int kinds[5] = { 0, 0, E386_WATCH_WRITE, E386_WATCH_READ,
                                          E386_WATCH_READ | E386_WATCH_WRITE };
            if (e386_debug_watch(g->cpu, w->slot, addr, kind, kinds[type]) < 0) {
                *err = 22;
                return -1;
            }
        } else {
            snapshot(g, w);
        }
        g->nwp++;
        return 0;
    }
    default:
        return 1;
    }
}

int gdb_point_remove(E386Gdb *g, int type, uint32_t addr, uint32_t kind)
{
    int i;
    switch (type) {
    case 0:
        if ((i = find(g->sw, g->nsw, addr)) >= 0)
            g->sw[i] = g->sw[--g->nsw];
        return 0; /* removing what is not there is not an error to GDB */
    case 1:
        if ((i = find(g->hw, g->nhw, addr)) >= 0)
            g->hw[i] = g->hw[--g->nhw];
        return 0;
    case 2:
    case 3:
    case 4:
        for (i = 0; i < g->nwp; i++)
            if (g->wp[i].addr == addr && g->wp[i].len == kind && g->wp[i].type == type) {
                if (g->wp[i].slot >= 0)
                    e386_debug_watch(g->cpu, g->wp[i].slot, 0, 0, 0);
                g->wp[i] = g->wp[--g->nwp];
                break;
            }
        return 0;
    default:
        return 1;
    }
}

E386Gdb *gdb_new(E386Cpu *cpu, const GdbIo *io, int wait_attach)
{
    E386Gdb *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->cpu = cpu;
    g->io = *io;
    g->wait_attach = wait_attach;
    gdb_rx_init(&g->rx);
    return g;
}

static void clear_points(E386Gdb *g)
{
    for (int i = 0; i < g->nwp; i++)
        if (g->wp[i].slot >= 0)
            e386_debug_watch(g->cpu, g->wp[i].slot, 0, 0, 0);
    g->nsw = g->nhw = g->nwp = 0;
    e386_set_debug_hook(g->cpu, NULL, NULL);
}

void gdb_free(E386Gdb *g)
{
    if (!g)
        return;
    clear_points(g);
    if (g->connected && g->io.hangup)
        g->io.hangup(g->io.opaque);
    free(g->last);
    free(g);
}

/* The client is gone (detach, kill, EOF): the CPU runs on undisturbed. */
static void drop(E386Gdb *g)
{
    if (g->io.hangup)
        g->io.hangup(g->io.opaque);
    g->connected = g->running = g->stepping = g->no_ack = 0;
    clear_points(g);
    g->stop = STOP_NONE;
    gdb_rx_init(&g->rx);
}

/* Serve the debugger while the CPU is stopped. */
/* the client left, detached or killed: the session ends (drop) and the
 * result is GDB_RUN or GDB_KILL; -1 while it goes on */
static int ends_session(E386Gdb *g, int act)
{
    if (g->connected && act != GDB_ACT_DETACH && act != GDB_ACT_KILL)
        return -1;
    int r = g->connected && act == GDB_ACT_KILL ? GDB_KILL : GDB_RUN;
    drop(g);
    return r;
}

static int serve(E386Gdb *g)
{
    if (g->stop != STOP_ATTACH)
        gdb_send_stop(g); /* at attach GDB asks with '?' */
    g->running = 0;
    for (;;) {
        uint8_t buf[4096];
        long n = g->io.read(g->io.opaque, buf, sizeof buf, -1);
        if (n < 0) {
            drop(g);
            return GDB_RUN;
        }
        int act = gdb_feed(g, buf, (size_t)n);
        int end = ends_session(g, act);
        if (end >= 0)
            return end;
        if (act == GDB_ACT_RESUME)
            return GDB_RUN;
    }
}

int gdb_between_runs(E386Gdb *g)
{
    if (!g->connected) {
        if (!g->io.accept(g->io.opaque, g->wait_attach))
            return GDB_RUN;
        g->wait_attach = 0;
        g->connected = 1;
        g->stop = STOP_ATTACH; /* the CPU stops where it is, as GDB expects */
        gdb_rx_init(&g->rx);
        return serve(g);
    }
    /* the hook stopped it (E386_EXIT_DEBUG), or a Ctrl-C came right behind
     * the continue, in the same read */
    if (g->stop != STOP_NONE)
        return serve(g);
    const e386_exit *ex = &g->cpu->exit; /* what the last e386_run returned */
    if (g->running && ex->reason == E386_EXIT_DEBUG && ex->error_code) { /* an engine watchpoint */
        for (int i = 0; i < g->nwp; i++)
            if (g->wp[i].slot == ex->vector) {
                g->stop = STOP_WATCH;
                g->stop_addr = g->wp[i].addr;
                g->stop_type = g->wp[i].type;
            }
        if (g->stop == STOP_NONE)
            g->stop = STOP_HWBREAK; /* removed meanwhile: cannot happen between runs; stop anyway */
        return serve(g);
    }
    /* running: a Ctrl-C (or anything else) from the client? */
    uint8_t buf[512];
    long n = g->io.read(g->io.opaque, buf, sizeof buf, 0);
    if (n < 0) {
        drop(g);
        return GDB_RUN;
    }
    if (n > 0) {
        int act = gdb_feed(g, buf, (size_t)n);
        int end = ends_session(g, act);
        if (end >= 0)
            return end;
        if (g->stop == STOP_INTR)
            return serve(g);
    }
    return GDB_RUN;
}

void gdb_report_exit(E386Gdb *g, int status)
{
    if (!g || !g->connected)
        return;
    char b[8];
    b[0] = 'W';
    gdb_hex_encode((const uint8_t[]){ (uint8_t)status }, 1, b + 1);
    gdb_send(g, b, 3);
    drop(g);
}
