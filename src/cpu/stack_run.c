/* PUSH r32 and POP r32 runs as one op.
 *
 * Function prologues and epilogues push and pop several registers in a
 * row (push ebp; ...; push edi; push esi; push ebx and the reverse), one
 * dispatch each.  A run of 2-8 such ops in a block gets, on its first op,
 * a handler that does them all when the whole run's stack slots lie in
 * one page of a flat 32-bit stack with linear guest memory (flat_host):
 * one page means that either every access succeeds or the first one
 * faults, before anything changed, exactly where the first PUSH or POP
 * would.  Otherwise it runs only the first op's own handler and returns
 * the next op, whose handler is unchanged: the run's other ops stay in
 * the block (reached then, and after a PUSH run stopped by an exit
 * request: a push that rewrote the code after it).  ESP itself is never
 * in a run (PUSH ESP pushes the value of the moment, POP ESP loads it). */
#include "core/ops.h"

enum { RUN_MAX = 8 };

E386_INLINE const E386Op *push_run(E386Cpu *cpu, const E386Op *op, int n, int lin, int go)
{
    uint32_t sp = cpu->r[4] - 4u * (uint32_t)n;
    uint8_t *p = lin ? lin_host(cpu, sp, 4u * (uint32_t)n, FH_WRITE)
               : ss32(cpu) ? flat_host(cpu, SEG_SS, sp, 4u * (uint32_t)n, FH_WRITE) : NULL;
    if (!p)
        return op_push_R(cpu, op);
    for (int k = 0; k < n; k++) { /* in the guest's order: the highest slot first */
        st_le(p + 4 * (n - 1 - k), 4, cpu->r[op[k].sub]);
        /* a store into the running block (the host's fault, then
         * mem_smc_write) may have rewritten the PUSHes after it: stop
         * before them, as the run loop would (they keep their handlers) */
        if (cpu->exit_request && k + 1 < n) {
            cpu->r[4] = sp + 4u * (uint32_t)(n - 1 - k);
            return op + k + 1;
        }
    }
    cpu->r[4] = sp;
    return done(cpu, op + n, go);
}

E386_INLINE const E386Op *pop_run(E386Cpu *cpu, const E386Op *op, int n, int lin, int go)
{
    uint32_t sp = cpu->r[4];
    uint8_t *p = lin ? ((sp & 0xfff) + 4u * (uint32_t)n > 0x1000 ? NULL : lin_host(cpu, sp, 4u * (uint32_t)n, FH_READ))
               : ss32(cpu) ? flat_host(cpu, SEG_SS, sp, 4u * (uint32_t)n, FH_READ) : NULL;
    if (!p)
        return op_pop_R(cpu, op);
    for (int k = 0; k < n; k++) /* a register popped twice keeps the later value */
        cpu->r[op[k].sub] = ld_le(p + 4 * k, 4);
    cpu->r[4] += 4u * (uint32_t)n;
    return done(cpu, op + n, go);
}

/* one handler per direction and length, and each again for TB_LIN
 * blocks (lin_host); all again as go-on twins (ops.h) */
#define RUN(n) RUN_GO(n, , 0) RUN_GO(n, go_, 1)
#define RUN_GO(n, pfx, go) \
    static const E386Op *pfx##push_run##n(E386Cpu *c, const E386Op *o) { return push_run(c, o, n, 0, go); } \
    static const E386Op *pfx##pop_run##n(E386Cpu *c, const E386Op *o) { return pop_run(c, o, n, 0, go); } \
    static const E386Op *pfx##lin_push_run##n(E386Cpu *c, const E386Op *o) { return push_run(c, o, n, 1, go); } \
    static const E386Op *pfx##lin_pop_run##n(E386Cpu *c, const E386Op *o) { return pop_run(c, o, n, 1, go); }
RUN(2) RUN(3) RUN(4) RUN(5) RUN(6) RUN(7) RUN(8)
#undef RUN
#undef RUN_GO

static const OpFn push_runs[RUN_MAX + 1] = { NULL, NULL, push_run2, push_run3, push_run4,
                                             push_run5, push_run6, push_run7, push_run8 };
static const OpFn pop_runs[RUN_MAX + 1] = { NULL, NULL, pop_run2, pop_run3, pop_run4,
                                            pop_run5, pop_run6, pop_run7, pop_run8 };
static const OpFn lin_push_runs[RUN_MAX + 1] = { NULL, NULL, lin_push_run2, lin_push_run3, lin_push_run4,
                                                 lin_push_run5, lin_push_run6, lin_push_run7, lin_push_run8 };
static const OpFn lin_pop_runs[RUN_MAX + 1] = { NULL, NULL, lin_pop_run2, lin_pop_run3, lin_pop_run4,
                                                lin_pop_run5, lin_pop_run6, lin_pop_run7, lin_pop_run8 };

OpFn stack_run_lin_twin(OpFn f)
{
    int push, n = stack_run_length(f, &push);
    return n ? (push ? lin_push_runs : lin_pop_runs)[n] : NULL;
}

int stack_run_length(OpFn f, int *push)
{
    for (int n = 2; n <= RUN_MAX; n++)
        if (f == push_runs[n] || f == pop_runs[n]) {
            *push = f == push_runs[n];
            return n;
        }
    return 0;
}

/* a PUSH r32 or POP r32 (fn) of a register other than ESP */
static int in_run(const E386Op *op, OpFn fn)
{
    return op->fn == fn && op->size == 4 && op->sub != 4;
}

void stack_fuse_runs(E386Op *ops, int ninsns)
{
    for (int i = 0; i < ninsns;) {
        OpFn fn = ops[i].fn == op_push_R ? op_push_R : op_pop_R;
        int n = 0;
        while (i + n < ninsns && n < RUN_MAX && in_run(&ops[i + n], fn))
            n++;
        if (n >= 2)
            ops[i].fn = fn == op_push_R ? push_runs[n] : pop_runs[n];
        i += n ? n : 1;
    }
}

/* the go-on twins (made with the handlers, RUN) */
#define RUNS_GO(X) \
    RUNS_GO_N(X, 2) RUNS_GO_N(X, 3) RUNS_GO_N(X, 4) RUNS_GO_N(X, 5) RUNS_GO_N(X, 6) RUNS_GO_N(X, 7) RUNS_GO_N(X, 8)
#define RUNS_GO_N(X, n) X(push_run##n, n) X(pop_run##n, n) X(lin_push_run##n, n) X(lin_pop_run##n, n)

const GoTwin *stack_run_go_twins(size_t *n)
{
    static const GoTwin t[] = { RUNS_GO(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
