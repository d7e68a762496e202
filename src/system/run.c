/* The main loop: the CPU runs in slices between which time advances.
 *
 * A slice ends after a budget of instructions sized so that it ends near
 * the next timer deadline (from the measured instructions per second),
 * never longer than RUN_MAX_SLICE instructions.  Before each slice the
 * devices catch up with the virtual clock and the PIC's output is handed
 * to the CPU.  HLT sleeps until the next deadline; a halted CPU that
 * nothing can wake ends the run instead of spinning or hanging. */
#include <inttypes.h>
#include "system/machine.h"

enum {
    RUN_MAX_SLICE = 100000, /* bounds the timer latency when no deadline is near */
    RUN_MIN_SLICE = 256,    /* the loop's own cost stays small next to the guest's */
};

/* Bring the devices up to now and the CPU's INTR up to date. */
static void catch_up(Machine *m, uint64_t now)
{
    pit_advance(&m->pit, now);
    e386_set_irq(m->cpu, pic_intr_level(&m->pic));
}

static uint64_t slice_budget(const Machine *m, uint64_t now, uint64_t deadline)
{
    if (deadline == PIT_NO_DEADLINE)
        return RUN_MAX_SLICE;
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

/* HLT: sleep until an interrupt can be taken.  0 to run on; -1 (msg set)
 * when nothing can ever wake the CPU: with IF clear only an NMI could, and
 * no device of this machine raises one; with IF set, only IRQ 0 can come,
 * and not if the PIT is stopped or the PIC would not pass it on. */
static int wait_for_interrupt(Machine *m, char *msg, size_t msglen)
{
    for (;;) {
        if (!interrupts_enabled(m)) {
            snprintf(msg, msglen, "CPU halted with interrupts disabled (EIP %08" PRIx32 ")",
                     e386_reg_read(m->cpu, E386_EIP));
            return -1;
        }
        uint64_t now = vclock_now(&m->clock);
        catch_up(m, now);
        if (pic_intr_level(&m->pic))
            return 0;
        uint64_t deadline = pit_next_deadline(&m->pit, now);
        if (deadline == PIT_NO_DEADLINE || !pic_would_interrupt(&m->pic, 0)) {
            snprintf(msg, msglen,
                     "CPU halted and no interrupt can wake it (timer %s, IRQ 0 %s; EIP %08" PRIx32 ")",
                     deadline == PIT_NO_DEADLINE ? "stopped" : "running",
                     pic_would_interrupt(&m->pic, 0) ? "deliverable" : "masked or blocked",
                     e386_reg_read(m->cpu, E386_EIP));
            return -1;
        }
        vclock_sleep_until(&m->clock, deadline);
        if (m->exit_requested)
            return 0;
    }
}

int machine_run(Machine *m, char *msg, size_t msglen)
{
    msg[0] = '\0';
    m->exit_requested = false;
    for (;;) {
        uint64_t now = vclock_now(&m->clock);
        catch_up(m, now);
        uint64_t budget = slice_budget(m, now, pit_next_deadline(&m->pit, now));
        uint64_t before = e386_insn_count(m->cpu);
        e386_exit ex;
        int r = e386_run(m->cpu, budget, &ex);
        if (m->exit_requested)
            return m->exit_status;
        switch (r) {
        case E386_EXIT_INSN_LIMIT:
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
            break; /* a stop that asked for no exit (a future monitor's pause point) */
        default:
            snprintf(msg, msglen, "unexpected CPU exit %d (vector %d) at EIP %08" PRIx32, r,
                     ex.vector, ex.insn_eip);
            return MACHINE_EXIT_HALTED;
        }
    }
}
