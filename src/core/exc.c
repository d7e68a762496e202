/* Raising exceptions: record what happened and unwind to e386_run.
 * Faults report the EIP of the instruction being executed (cpu->cur);
 * before any op runs (while translating) cpu->eip is that instruction. */
#include "core/cpu.h"

static _Noreturn void unwind_as(E386Cpu *cpu, int reason, int vector, int has_err, uint32_t err, uint32_t eip,
                                int bus_error)
{
    cpu->exit.bus_error = bus_error;
    cpu->exit.insn_eip = cpu->cur ? cpu->cur->eip : cpu->eip;
    cpu->exit.reason = reason;
    cpu->exit.vector = vector;
    cpu->exit.has_error_code = has_err;
    cpu->exit.error_code = err;
    cpu->exit.fault_eip = eip;
    cpu->eip = eip;
    longjmp(*cpu->jmp, 1);
}

static _Noreturn void unwind(E386Cpu *cpu, int reason, int vector, int has_err, uint32_t err, uint32_t eip)
{
    unwind_as(cpu, reason, vector, has_err, err, eip, 0);
}

static uint32_t fault_eip(E386Cpu *cpu)
{
    return cpu->cur ? cpu->cur->eip : cpu->eip;
}

void raise_exc(E386Cpu *cpu, int vector)
{
    unwind(cpu, E386_EXIT_EXCEPTION, vector, 0, 0, fault_eip(cpu));
}

void raise_exc_err(E386Cpu *cpu, int vector, uint32_t err)
{
    unwind(cpu, E386_EXIT_EXCEPTION, vector, 1, err, fault_eip(cpu));
}

void raise_pf(E386Cpu *cpu, uint32_t lin, uint32_t err)
{
    if (cpu->bus_page && mem_bus_take(cpu, lin, &err))
        raise_bus_error(cpu, lin, err);
    cpu->cr2 = lin;
    cpu->exit.fault_addr = lin;
    unwind(cpu, E386_EXIT_EXCEPTION, EX_PF, 1, err, fault_eip(cpu));
}

/* Nothing happened: the instruction runs again, alone on the page map's
 * path as after a linear-memory hint (e386_run), whatever the retry
 * state was; the exit's reason is not one the run loop acts on. */
void raise_retry(E386Cpu *cpu)
{
    cpu->lin_retry = LIN_RETRY_PENDING;
    cpu->exit.reason = E386_EXIT_EXCEPTION;
    cpu->eip = fault_eip(cpu);
    longjmp(*cpu->jmp, 1);
}

/* the #PF that Linux ends in SIGBUS: the mapping allows the access, the
 * host cannot back the page */
void raise_bus_error(E386Cpu *cpu, uint32_t lin, uint32_t err)
{
    cpu->cr2 = lin;
    cpu->exit.fault_addr = lin;
    unwind_as(cpu, E386_EXIT_EXCEPTION, EX_PF, 1, err, fault_eip(cpu), 1);
}

void raise_soft_int(E386Cpu *cpu, const E386Op *op, int vector)
{
    /* INT n, INT3 and INTO are traps: the saved EIP is the next one. */
    unwind(cpu, E386_EXIT_INTERRUPT, vector, 0, 0, next_eip(op));
}

void raise_trap(E386Cpu *cpu, const E386Op *op, int vector)
{
    unwind(cpu, E386_EXIT_EXCEPTION, vector, 0, 0, next_eip(op));
}
