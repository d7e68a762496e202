/* The user-mode run loop: run the CPU, turn what stops it into system
 * calls (handled in the interrupt hook), signals and exit. */
#include <signal.h>
#include <stdio.h>
#include "user/user.h"

int user_run(UserProc *p)
{
    e386_set_int_hook(p->cpu, user_syscall, p);
    for (;;) {
        user_deliver_pending(p);
        if (p->exited)
            return p->exit_status;
        e386_exit ex;
        int r = e386_run(p->cpu, 0, &ex);
        if (p->exited)
            return p->exit_status;
        if (r == E386_EXIT_EXCEPTION || r == E386_EXIT_INTERRUPT) {
            if (p->debug_fault)
                fprintf(user_log(p), "emu386-user: %s %d at eip %#x (error %#x, address %#x)\n",
                        r == E386_EXIT_EXCEPTION ? "exception" : "interrupt", ex.vector,
                        ex.fault_eip, ex.error_code, ex.fault_addr);
            /* Linux's IDT gates for INT n are DPL 0 except 3, 4 and 0x80:
             * those raise #GP at the INT instruction itself */
            if (r == E386_EXIT_INTERRUPT && ex.vector != 3 && ex.vector != 4 && ex.vector != 0x80)
                e386_reg_write(p->cpu, E386_EIP, ex.insn_eip);
            user_fault(p, &ex);
        }
        else if (r == E386_EXIT_HLT)
            user_fault(p, &(e386_exit){ .vector = 13, .has_error_code = 1, .fault_eip = ex.fault_eip });
    }
}
