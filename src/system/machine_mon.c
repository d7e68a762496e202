/* The board's monitor commands and the run loop's side of the monitor:
 * stop/cont (the VM's clock stands still while stopped), system_reset,
 * quit, query-status, info registers, info state, and the STOP, RESUME,
 * RESET and SHUTDOWN events (docs/monitor.md).  The monitor itself knows
 * nothing of the machine: this file registers rows on it. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>
#include "monitor/monitor.h"
#include "system/machine.h"

enum {
    MON_POLL_NS = 1000000,    /* the monitor is looked at about once a millisecond */
    MON_PAUSED_WAIT_MS = 500, /* a stopped VM's poll: a hang guard against a signal race */
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *const state_names[] = { "running", "paused", "prelaunch", "postmigrate",
                                           "inmigrate" };

void machine_pause(Machine *m)
{
    if (m->run_state != MACHINE_RUNNING)
        return;
    m->run_state = MACHINE_PAUSED;
    m->paused_ns = host_ns();
    if (m->mon)
        monitor_event(m->mon, "STOP", NULL);
}

void machine_postmigrate(Machine *m)
{
    machine_pause(m);
    m->run_state = MACHINE_POSTMIGRATE;
}

void machine_resume(Machine *m)
{
    if (m->run_state == MACHINE_RUNNING)
        return;
    /* host time: the clock skips the stopped span, so the guest's timers
     * do not see it (as QEMU's vm clock); icount time never moved */
    if (!m->clock.icount)
        m->clock.origin_ns += host_ns() - m->paused_ns;
    m->run_state = MACHINE_RUNNING;
    if (m->mon)
        monitor_event(m->mon, "RESUME", NULL);
}

/* ---- commands ---- */

static int cmd_query_status(MonCall *c)
{
    Machine *m = c->opaque;
    if (!(c->ret = json_object()))
        return -1;
    json_set_bool(c->ret, "running", m->run_state == MACHINE_RUNNING);
    json_set_bool(c->ret, "singlestep", false);
    json_set_str(c->ret, "status", state_names[m->run_state]);
    return 0;
}

static void print_status(MonCall *c, const JsonValue *ret)
{
    (void)ret;
    Machine *m = c->opaque;
    mon_printf(c, "VM status: %s\n",
               m->run_state == MACHINE_RUNNING       ? "running"
               : m->run_state == MACHINE_PAUSED      ? "paused"
               : m->run_state == MACHINE_PRELAUNCH   ? "paused (prelaunch)"
               : m->run_state == MACHINE_POSTMIGRATE ? "paused (postmigrate)"
                                                     : "paused (inmigrate)");
}

static int cmd_stop(MonCall *c)
{
    machine_pause(c->opaque);
    return 0;
}

static int cmd_cont(MonCall *c)
{
    machine_resume(c->opaque);
    return 0;
}

static int cmd_system_reset(MonCall *c)
{
    Machine *m = c->opaque;
    /* between slices: nothing runs, so the reset is taken at once; a
     * stopped VM stays stopped, as QEMU's */
    machine_reset(m);
    JsonValue *d = json_object();
    if (d) {
        json_set_bool(d, "guest", false);
        json_set_str(d, "reason", "host-qmp-system-reset");
    }
    monitor_event(m->mon, "RESET", d);
    return 0;
}

static int cmd_quit(MonCall *c)
{
    Machine *m = c->opaque;
    m->quit_by_monitor = true;
    machine_request_exit(m, 0); /* SHUTDOWN follows the reply (machine_monitor_exit) */
    return 0;
}

static int cmd_info_registers(MonCall *c)
{
    const E386Cpu *cpu = ((Machine *)c->opaque)->cpu;
    uint32_t r[E386_NREGS];
    for (int i = 0; i < E386_NREGS; i++)
        r[i] = e386_reg_read(cpu, i);
    uint32_t f = r[E386_EFLAGS];
    mon_printf(c, "EAX=%08" PRIx32 " EBX=%08" PRIx32 " ECX=%08" PRIx32 " EDX=%08" PRIx32 "\n",
               r[E386_EAX], r[E386_EBX], r[E386_ECX], r[E386_EDX]);
    mon_printf(c, "ESI=%08" PRIx32 " EDI=%08" PRIx32 " EBP=%08" PRIx32 " ESP=%08" PRIx32 "\n",
               r[E386_ESI], r[E386_EDI], r[E386_EBP], r[E386_ESP]);
    mon_printf(c, "EIP=%08" PRIx32 " EFL=%08" PRIx32 " [%c%c%c%c%c%c%c] IF=%d HLT=%d\n", r[E386_EIP], f,
               f & 0x400 ? 'D' : '-', f & 0x800 ? 'O' : '-', f & 0x80 ? 'S' : '-', f & 0x40 ? 'Z' : '-',
               f & 0x10 ? 'A' : '-', f & 0x4 ? 'P' : '-', f & 0x1 ? 'C' : '-', (f >> 9) & 1,
               e386_halted(cpu));
    static const char *const sn[] = { "ES", "CS", "SS", "DS", "FS", "GS" };
    for (int i = 0; i < 6; i++)
        mon_printf(c, "%s =%04" PRIx32 " %08" PRIx32 "\n", sn[i], r[E386_ES + i], e386_seg_base(cpu, i));
    mon_printf(c, "instructions=%" PRIu64 "\n", e386_insn_count(cpu));
    return 0;
}

static int cmd_info_state(MonCall *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    machine_dump_state(c->opaque, f);
    fclose(f);
    if (text)
        mon_printf(c, "%s", text);
    free(text);
    return 0;
}

static const MonCommand machine_cmds[] = {
    { .name = "query-status", .hmp = "info status", .help = "the VM's run state",
      .fn = cmd_query_status, .print = print_status },
    { .name = "stop", .hmp = "stop", .help = "stop the VM (its clock stands still)", .fn = cmd_stop },
    { .name = "cont", .hmp = "cont", .help = "resume the VM (also after -S)", .fn = cmd_cont },
    { .name = "system_reset", .hmp = "system_reset", .help = "reset the machine (memory kept)",
      .fn = cmd_system_reset },
    { .name = "quit", .hmp = "quit", .help = "end emu386-system (status 0)", .fn = cmd_quit },
    { .hmp = "info registers", .help = "the CPU's registers", .fn = cmd_info_registers },
    { .hmp = "info state", .help = "every device's described state (machine_dump_state)",
      .fn = cmd_info_state },
};

int machine_monitor_attach(Machine *m, struct Monitor *mon)
{
    if (monitor_register_table(mon, machine_cmds, sizeof machine_cmds / sizeof machine_cmds[0], m) < 0 ||
        machine_net_monitor_attach(m, mon) < 0) {
        monitor_unregister(mon, m);
        return -1;
    }
    m->mon = mon;
    if (m->cfg.start_paused) {
        m->run_state = MACHINE_PRELAUNCH;
        m->paused_ns = host_ns();
    }
    return 0;
}

void machine_monitor_detach(Machine *m)
{
    if (m->mon)
        monitor_unregister(m->mon, m);
    m->mon = NULL;
}

/* ---- the run loop's side ---- */

static bool signalled(const Machine *m) { return m->cfg.stop_signal && *m->cfg.stop_signal; }

void machine_monitor_service(Machine *m, bool now)
{
    if (!m->mon)
        return;
    uint64_t t = host_ns();
    if (!now && m->run_state == MACHINE_RUNNING && t - m->mon_polled_ns < MON_POLL_NS)
        return;
    m->mon_polled_ns = t;
    monitor_poll(m->mon, 0);
    while (m->run_state != MACHINE_RUNNING && !m->exit_requested && !signalled(m) && !m->mig_busy)
        monitor_poll(m->mon, MON_PAUSED_WAIT_MS);
    if (m->run_state != MACHINE_RUNNING && m->mig_busy)
        monitor_poll(m->mon, 1); /* back to the slice hook: the migration's next step */
}

int machine_monitor_fds(const Machine *m, int *fds, int max)
{
    return m->mon ? monitor_fds(m->mon, fds, max) : 0;
}

void machine_monitor_exit(Machine *m, int status)
{
    if (!m->mon)
        return;
    JsonValue *d = json_object();
    if (d) {
        json_set_bool(d, "guest", !m->quit_by_monitor && status < 128);
        json_set_str(d, "reason", m->quit_by_monitor ? "host-qmp-quit"
                                  : status >= 128    ? "host-signal"
                                                     : "guest-shutdown");
    }
    monitor_event(m->mon, "SHUTDOWN", d);
}
