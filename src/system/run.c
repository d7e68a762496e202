/* The main loop: the CPU runs in slices between which time advances.
 *
 * A slice ends after a budget of instructions sized so that it ends near
 * the next device deadline (from the measured instructions per second, or
 * exactly under -icount, where time is the instruction count), never
 * longer than RUN_MAX_SLICE instructions.  Before each slice the devices
 * catch up with the virtual clock, the serial ports take their backends'
 * input, and the PIC's output is handed to the CPU.  HLT waits for the
 * next deadline or for serial input (under -icount it skips to the
 * deadline at once); a halted CPU that nothing can wake ends the run
 * instead of spinning or hanging. */
#include <inttypes.h>
#include "monitor/monitor.h"
#include "system/hotplug_bridge.h"
#include "system/machine.h"

/* The PIC input of each serial port (the board's wiring, machine.c). */
static const int uart_irq[MACHINE_NSERIAL] = { 4, 3 };

enum {
    RUN_MAX_SLICE = 100000, /* bounds the timer latency when no deadline is near */
    RUN_MIN_SLICE = 256,    /* the loop's own cost stays small next to the guest's */
    RUN_MAX_INPUT_FDS = MACHINE_NSERIAL + NET_MAX_POLL,
    RUN_NET_WAIT_NS = 10000000, /* a HLT wait with netdevs: their timers (slirp) run on */
};

/* Bring the devices up to now and the CPU's INTR up to date. */
static void catch_up(Machine *m, uint64_t now)
{
    pit_advance(&m->pit, now);
    rtc_advance(&m->rtc, now);
    for (int i = 0; i < MACHINE_NSERIAL; i++)
        uart_poll(&m->uart[i], now);
    net_poll(&m->net); /* network backends: frames in and out (issue 11) */
    hotplug_bridge_poll(m, false); /* cards the guest released (SHPC) go now */
    e386_set_irq(m->cpu, pic_intr_level(&m->pic));
}

static uint64_t earliest(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* The next moment a device raises an interrupt by itself; with
 * deliverable_only, only those the PIC would pass on to the CPU now (what
 * can end a HLT). */
static uint64_t next_deadline(const Machine *m, uint64_t now, bool deliverable_only)
{
    uint64_t d = VCLOCK_NO_DEADLINE;
    if (!deliverable_only || pic_would_interrupt(&m->pic, 0))
        d = earliest(d, pit_next_deadline(&m->pit, now));
    if (!deliverable_only || pic_would_interrupt(&m->pic, 8))
        d = earliest(d, rtc_next_deadline(&m->rtc, now));
    for (int i = 0; i < MACHINE_NSERIAL; i++)
        if (!deliverable_only || pic_would_interrupt(&m->pic, uart_irq[i]))
            d = earliest(d, uart_next_deadline(&m->uart[i]));
    return d;
}

/* The backends whose input would interrupt the CPU now: their fds. */
static int input_fds(Machine *m, int *fds)
{
    int n = 0;
    for (int i = 0; i < MACHINE_NSERIAL; i++) {
        if (!m->serial[i] || !uart_rx_can_interrupt(&m->uart[i]) ||
            !pic_would_interrupt(&m->pic, uart_irq[i]))
            continue;
        int fd = chardev_input_fd(m->serial[i]);
        if (fd >= 0)
            fds[n++] = fd;
    }
    /* network backends: a frame for a card may wake the guest (issue 11) */
    n += net_input_fds(&m->net, fds + n, RUN_MAX_INPUT_FDS - n);
    return n;
}

/* The program's SIGINT/SIGTERM handler asked to stop: 0 if not. */
static int stop_signal(const Machine *m)
{
    return m->cfg.stop_signal ? (int)*m->cfg.stop_signal : 0;
}

static uint64_t slice_budget(const Machine *m, uint64_t now, uint64_t deadline)
{
    if (deadline == VCLOCK_NO_DEADLINE)
        return RUN_MAX_SLICE;
    if (m->clock.icount) { /* exact: the slice ends on the deadline's instruction */
        uint64_t n = vclock_insns_until(&m->clock, now, deadline);
        return n < RUN_MAX_SLICE ? n : RUN_MAX_SLICE;
    }
    if (deadline <= now)
        return RUN_MIN_SLICE;
    uint64_t dt = deadline - now;
    if (dt >= (uint64_t)RUN_MAX_SLICE * 1000000000u / (m->ips ? m->ips : 1))
        return RUN_MAX_SLICE;
    uint64_t n = dt * m->ips / 1000000000u;
    return n < RUN_MIN_SLICE ? RUN_MIN_SLICE : n;
}

/* Smoothed guest speed, from one slice that ran its whole budget. */
static void measure(Machine *m, uint64_t insns, uint64_t ns)
{
    if (insns < RUN_MIN_SLICE || ns == 0)
        return;
    uint64_t sample = insns * 1000000000u / ns;
    m->ips = (3 * m->ips + sample) / 4;
    if (m->ips < 1000)
        m->ips = 1000;
}

static int interrupts_enabled(const Machine *m)
{
    return (e386_reg_read(m->cpu, E386_EFLAGS) & 0x200) != 0;
}

/* ---- the monitor (machine_mon.c, docs/monitor.md) ---- */
enum {
    RUN_MAX_MON_FDS = 32,
    RUN_MONITOR_IDLE_MS = 500, /* a hang guard against a signal racing the poll */
};

/* A halted CPU that only the monitor can wake (system_reset, quit): one
 * wait on the monitor, then back to the main loop, which halts again. */
static int monitor_idle(Machine *m)
{
    machine_monitor_service(m, true);
    if (m->run_state == MACHINE_RUNNING && !m->exit_requested)
        monitor_poll(m->mon, m->mig_busy ? 1 : RUN_MONITOR_IDLE_MS); /* a migration steps on */
    return 0;
}

/* HLT: wait until an interrupt can be taken.  0 to run on; -1 (msg set)
 * when nothing can ever wake the CPU: with IF clear only an NMI could, and
 * no device of this machine raises one; with IF set, only a device
 * deadline the PIC would pass on (the PIT, the RTC, a UART's transmitter
 * or timeout) or input for a serial port whose interrupt is enabled. */
static int wait_for_interrupt(Machine *m, char *msg, size_t msglen)
{
    for (;;) {
        if (!interrupts_enabled(m) && m->mon)
            return monitor_idle(m);
        if (!interrupts_enabled(m)) {
            snprintf(msg, msglen, "CPU halted with interrupts disabled (EIP %08" PRIx32 ")",
                     e386_reg_read(m->cpu, E386_EIP));
            return -1;
        }
        uint64_t now = vclock_now(&m->clock);
        catch_up(m, now);
        if (pic_intr_level(&m->pic))
            return 0;
        uint64_t deadline = next_deadline(m, now, true);
        int fds[RUN_MAX_INPUT_FDS + RUN_MAX_MON_FDS];
        int nfds = input_fds(m, fds);
        if (m->mon && deadline == VCLOCK_NO_DEADLINE && nfds == 0)
            return monitor_idle(m); /* only the monitor can wake it: wait on it */
        if (!m->clock.icount && net_active(&m->net) && (deadline == VCLOCK_NO_DEADLINE ||
                                                       deadline > now + RUN_NET_WAIT_NS))
            deadline = now + RUN_NET_WAIT_NS; /* issue 11: backends are polled again soon */
        if (deadline == VCLOCK_NO_DEADLINE && nfds == 0) {
            bool pit_runs = pit_next_deadline(&m->pit, now) != PIT_NO_DEADLINE;
            snprintf(msg, msglen,
                     "CPU halted and no interrupt can wake it (timer %s, IRQ 0 %s; EIP %08" PRIx32 ")",
                     pit_runs ? "running" : "stopped",
                     pic_would_interrupt(&m->pic, 0) ? "deliverable" : "masked or blocked",
                     e386_reg_read(m->cpu, E386_EIP));
            return -1;
        }
        if (m->clock.icount && deadline != VCLOCK_NO_DEADLINE)
            vclock_sleep_until(&m->clock, deadline); /* time skips to the deadline */
        else {
            nfds += machine_monitor_fds(m, fds + nfds, RUN_MAX_MON_FDS);
            if (vclock_wait_input(&m->clock, deadline, fds, nfds) && m->mon) {
                machine_monitor_service(m, true); /* a request: the main loop takes over */
                return 0;
            }
        }
        if (m->exit_requested || stop_signal(m))
            return 0;
    }
}

/* The guest pulsed the reset line: 1 to run on after the reset, 0 when
 * -no-reboot makes it the end of the run. */
static int guest_reset(Machine *m)
{
    m->reset_requested = false;
    if (m->cfg.no_reboot)
        return 0;
    m->resets++;
    if (m->cfg.cpu_log & (E386_LOG_INT | E386_LOG_CPU))
        fprintf(m->cfg.log, "reset requested by the guest: machine reset #%" PRIu64 "\n", m->resets);
    machine_reset(m);
    return 1;
}

static int run_loop(Machine *m, char *msg, size_t msglen)
{
    msg[0] = '\0';
    m->exit_requested = false;
    if (m->load_failed) {
        snprintf(msg, msglen, "the machine's state was not loaded completely: not running it");
        return MACHINE_EXIT_HALTED;
    }
    for (;;) {
        if (m->cfg.slice_hook) {
            m->cfg.slice_hook(m, m->cfg.slice_opaque);
            if (m->exit_requested)
                return m->exit_status;
        }
        int sig = stop_signal(m);
        if (sig) {
            snprintf(msg, msglen, "terminating on signal %d", sig);
            return 128 + sig;
        }
        if (m->mon) { /* the monitor: may stop the VM here until cont */
            machine_monitor_service(m, false);
            if (m->exit_requested)
                return m->exit_status;
            if (m->run_state != MACHINE_RUNNING)
                continue; /* a signal ended the wait */
        }
        uint64_t now = vclock_now(&m->clock);
        catch_up(m, now);
        uint64_t budget = slice_budget(m, now, next_deadline(m, now, false));
        uint64_t before = e386_insn_count(m->cpu);
        e386_exit ex;
        int r = e386_run(m->cpu, budget, &ex);
        if (m->exit_requested)
            return m->exit_status;
        if (m->reset_requested) {
            if (!guest_reset(m))
                return 0;
            continue;
        }
        switch (r) {
        case E386_EXIT_INSN_LIMIT:
            if (!m->clock.icount)
                measure(m, e386_insn_count(m->cpu) - before, vclock_now(&m->clock) - now);
            break;
        case E386_EXIT_HLT:
            if (wait_for_interrupt(m, msg, msglen) < 0)
                return MACHINE_EXIT_HALTED;
            if (m->exit_requested)
                return m->exit_status;
            break;
        case E386_EXIT_SHUTDOWN:
            if (m->cfg.no_reboot) {
                snprintf(msg, msglen, "triple fault at EIP %08" PRIx32 ": CPU shutdown (-no-reboot)",
                         ex.insn_eip);
                return MACHINE_EXIT_TRIPLE_FAULT;
            }
            m->resets++;
            if (m->cfg.cpu_log & (E386_LOG_INT | E386_LOG_CPU))
                fprintf(m->cfg.log, "triple fault at EIP %08" PRIx32 ": machine reset #%" PRIu64 "\n",
                        ex.insn_eip, m->resets);
            machine_reset(m);
            break;
        case E386_EXIT_STOP:
        case E386_EXIT_DEBUG: /* the GDB stub's hook stopped the CPU: the slice hook reports it */
            break; /* a stop that asked for no exit (a future monitor's pause point) */
        default:
            snprintf(msg, msglen, "unexpected CPU exit %d (vector %d) at EIP %08" PRIx32, r,
                     ex.vector, ex.insn_eip);
            return MACHINE_EXIT_HALTED;
        }
    }
}

int machine_run(Machine *m, char *msg, size_t msglen)
{
    int status = run_loop(m, msg, msglen);
    machine_monitor_exit(m, status); /* the SHUTDOWN event */
    return status;
}

void machine_drain_serial(Machine *m)
{
    for (int i = 0; i < MACHINE_NSERIAL; i++) {
        while (m->serial[i] && uart_tx_flush(&m->uart[i], vclock_now(&m->clock)) && !stop_signal(m))
            if (chardev_wait_output(m->serial[i], 100) < 0)
                break; /* the 100 ms only bound how late a signal is seen */
    }
}
