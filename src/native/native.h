/* The native back end (x86-64 hosts): what the engine (core/exec.c,
 * core/cpu.c) calls.  Blocks stay the engine's Tbs of ops; the back end
 * adds host code for a block's ops, entered from native_run_chain, which
 * takes run_chain's place when E386_ACCEL_NATIVE is selected.  Elsewhere
 * (other hosts, or built without it) the calls below are empty and only
 * the interpreter exists (docs/architecture.md "Native back end"). */
#ifndef E386_NATIVE_H
#define E386_NATIVE_H
#include "core/cpu.h"

#if defined(E386_NATIVE) && defined(__x86_64__)
#define E386_HAVE_NATIVE 1
/* run ops from op on, as run_chain does: returns at a block exit */
void native_run_chain(E386Cpu *cpu, const E386Op *op);
/* the translation cache was flushed: its blocks' host code goes too */
void native_flush(E386Cpu *cpu);
void native_free(E386Cpu *cpu);
/* The op whose host code holds the host address pc (a host fault's
 * instruction), NULL if pc is not in a block's code.  The inline
 * accesses do not store cpu->cur: linear memory's fault handler asks
 * this.  Async-signal-safe: a binary search, nothing allocated. */
const E386Op *native_op_at(const E386Cpu *cpu, uintptr_t pc);
/* A host fault at pc in the code, r15 its R15 and *hits its RBP:
 * cpu->cur = the op (native_op_at), cpu->icount the count the code keeps
 * in R15 and *hits added to cpu->stats.chain_hits and cleared (the
 * fault's context goes on with it: native_int.h LEFT_REG, HITS_REG), 1;
 * nothing if pc is not in a block's code, 0.  Async-signal-safe. */
int native_host_fault(E386Cpu *cpu, uintptr_t pc, uint64_t r15, uint64_t *hits);
/* Where the code goes on after a host fault in it that linear memory's
 * handler resolved (a store into translated code: the page invalidated
 * and made writable; core/mem.c mem_linear_fault): the stub that runs
 * the op (cpu->cur, native_host_fault's) again by its handler and takes
 * the shared exit with what it returned, from the fault's registers
 * otherwise.  The code's accesses have done nothing yet when they fault
 * (what makes a guest's #PF precise), so the handler does all of it; and
 * the code never runs on past such a store, so its stores need no exit
 * check after them. */
uintptr_t native_redo_stub(const E386Cpu *cpu);
#else
#define E386_HAVE_NATIVE 0
static inline void native_run_chain(E386Cpu *cpu, const E386Op *op) { (void)cpu, (void)op; }
static inline void native_flush(E386Cpu *cpu) { (void)cpu; }
static inline void native_free(E386Cpu *cpu) { (void)cpu; }
static inline const E386Op *native_op_at(const E386Cpu *cpu, uintptr_t pc) { (void)cpu, (void)pc; return NULL; }
static inline int native_host_fault(E386Cpu *cpu, uintptr_t pc, uint64_t r15, uint64_t *hits)
{
    (void)cpu, (void)pc, (void)r15, (void)hits;
    return 0;
}
static inline uintptr_t native_redo_stub(const E386Cpu *cpu) { (void)cpu; return 0; }
#endif
/* the mode a new CPU starts in: E386_ACCEL from the environment, else
 * native where built and not under Valgrind */
int accel_default(const E386Cpu *cpu);
/* (exec.c) an exit request seen after the op before next finished: stop
 * the chain there, accounting only for what ran; both engines' loops */
void chain_stop_before(E386Cpu *cpu, const E386Op *next);
#endif
