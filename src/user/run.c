/* The user-mode run loop: run the CPU, turn what stops it into system
 * calls (handled in the interrupt hook), signals and exit. */
#define _POSIX_C_SOURCE 200809L /* getpid, SIGKILL */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "gdb/gdb.h"
#include "user/thread.h"

/* USER_SLICE: instructions a thread runs before it offers the turn to
 * the others (thread.c), so a spinning thread cannot starve them */
enum { USER_GDB_SLICE = 1000000, USER_SLICE = 200000 };

/* The debugger between two runs of the CPU.  A forked child does not
 * belong to it (GDB follows the parent): the child lets go of its copy of
 * the stub, which closes only the child's copy of the socket. */
static int gdb_step(UserProc *p)
{
    if (p->gdb_pid != (int)getpid()) {
        gdb_free(p->gdb);
        p->gdb = NULL;
        return GDB_RUN;
    }
    return gdb_between_runs(p->gdb);
}

static int exit_status(UserProc *p)
{
    if (p->gdb && p->gdb_pid == (int)getpid())
        gdb_report_exit(p->gdb, p->exit_status);
    return p->exit_status;
}

/* The process is over (exit_group, or exit of its last thread).  A
 * thread other than the main one ends the host process itself: the main
 * host thread may be blocked anywhere. */
static int process_exit(UserProc *p)
{
    if (p->cur && !p->cur->is_main) {
        fflush(NULL);
        exit(p->exit_status);
    }
    return exit_status(p);
}

/* Runs the current thread (the main one from main(), the others from
 * their host threads, thread.c) until it or the process exits. */
int user_run(UserProc *p)
{
    if (!p->mt) {
        e386_set_int_hook(p->cpu, user_syscall, p);
        if (user_threads_init(p) != 0) {
            fprintf(stderr, "emu386-user: out of memory\n");
            return 1;
        }
    }
    for (;;) {
        user_deliver_pending(p);
        if (p->exited)
            return process_exit(p);
        if (p->thread_exited)
            return user_thread_leave(p);
        if (p->gdb && gdb_step(p) == GDB_KILL)
            return 128 + SIGKILL;
        e386_exit ex;
        /* under the debugger the CPU returns now and then, so a Ctrl-C is
         * seen; with other threads it returns at the end of a time slice,
         * which counts the instructions since the thread took the turn: a
         * thread whose system calls end each e386_run well within a slice
         * kept the turn forever (test_stress_modifying_handlers) */
        int multi = user_nthreads(p) > 1;
        uint64_t left = multi ? user_slice_left(p, USER_SLICE) : 0;
        if (multi && !left) {
            user_yield(p);
            continue;
        }
        int r = e386_run(p->cpu, p->gdb ? USER_GDB_SLICE : left, &ex);
        if (p->sc_deferred)
            user_syscall_deferred(p);
        if (p->exited)
            return process_exit(p);
        if (p->thread_exited)
            return user_thread_leave(p);
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

void user_proc_release(UserProc *p)
{
    user_timers_free(p);
    user_sigfd_free(p);
    user_procfs_free(p);
    user_threads_free(p);
}
