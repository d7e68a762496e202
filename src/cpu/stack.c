/* PUSH POP PUSHA POPA PUSHF POPF ENTER LEAVE. */
#include "core/ops.h"


/* linear address of SS:(SP - n) for checking multi-part pushes up front */
static void check_push(E386Cpu *cpu, uint32_t n)
{
    uint32_t sp = sp_get(cpu) - n;
    if (!ss32(cpu))
        sp &= 0xffff;
    lin_check_write(cpu, seg_lin_fast(cpu, SEG_SS, sp, n, 1), n);
}

static E386_NOINLINE const E386Op *push_r_slow(E386Cpu *cpu, const E386Op *op)
{
    push_fast(cpu, op->size, reg_get(cpu, op->sub, op->size)); /* PUSH ESP: old value */
    return op + 1;
}

static E386_NOINLINE const E386Op *pop_r_slow(E386Cpu *cpu, const E386Op *op)
{
    uint32_t v = pop_fast(cpu, op->size);
    reg_set(cpu, op->sub, op->size, v); /* POP ESP: the popped value wins */
    return op + 1;
}

/* PUSH r32 and POP r32 on a flat 32-bit stack are one host access
 * (flat_host; lin_host in a TB_LIN block); everything else, out of this
 * frame, by a tail call. */
E386_INLINE const E386Op *push_r(E386Cpu *cpu, const E386Op *op, int lin, int go)
{
    uint32_t sp = cpu->r[4] - 4;
    uint8_t *p = lin ? lin_host(cpu, sp, 4, FH_WRITE)
               : op->size == 4 && ss32(cpu) ? flat_host(cpu, SEG_SS, sp, 4, FH_WRITE) : NULL;
    if (!p)
        return push_r_slow(cpu, op);
    st_le(p, 4, cpu->r[op->sub]); /* PUSH ESP: old value */
    cpu->r[4] = sp;
    return done(cpu, op + 1, go);
}

E386_INLINE const E386Op *pop_r(E386Cpu *cpu, const E386Op *op, int lin, int go)
{
    uint8_t *p = lin ? lin_host(cpu, cpu->r[4], 4, FH_READ)
               : op->size == 4 && ss32(cpu) ? flat_host(cpu, SEG_SS, cpu->r[4], 4, FH_READ) : NULL;
    if (!p)
        return pop_r_slow(cpu, op);
    uint32_t v = ld_le(p, 4);
    cpu->r[4] += 4;
    cpu->r[op->sub] = v; /* POP ESP: the popped value wins */
    return done(cpu, op + 1, go);
}

const E386Op *op_push_R(E386Cpu *cpu, const E386Op *op) { return push_r(cpu, op, 0, 0); }
const E386Op *op_pop_R(E386Cpu *cpu, const E386Op *op) { return pop_r(cpu, op, 0, 0); }
static const E386Op *lin_push_R(E386Cpu *cpu, const E386Op *op) { return push_r(cpu, op, 1, 0); }
static const E386Op *lin_pop_R(E386Cpu *cpu, const E386Op *op) { return pop_r(cpu, op, 1, 0); }
/* their go-on twins (ops.h) */
static const E386Op *go_op_push_R(E386Cpu *cpu, const E386Op *op) { return push_r(cpu, op, 0, 1); }
static const E386Op *go_op_pop_R(E386Cpu *cpu, const E386Op *op) { return pop_r(cpu, op, 0, 1); }
static const E386Op *go_lin_push_R(E386Cpu *cpu, const E386Op *op) { return push_r(cpu, op, 1, 1); }
static const E386Op *go_lin_pop_R(E386Cpu *cpu, const E386Op *op) { return pop_r(cpu, op, 1, 1); }

const E386Op *op_push_I(E386Cpu *cpu, const E386Op *op)
{
    push_fast(cpu, op->size, op->imm);
    return op + 1;
}

const E386Op *op_push_E(E386Cpu *cpu, const E386Op *op)
{
    push(cpu, op->size, rm_read(cpu, op, op->size));
    return op + 1;
}

/* PUSH dword [base + disp] in a TB_LIN block (arguments passed on from
 * the caller's frame): read, then pushed, each one host access; a push
 * that crosses a page, op_push_E (the read changed nothing) */
E386_INLINE const E386Op *push_m32_b(E386Cpu *cpu, const E386Op *op, int go)
{
    uint32_t v = ld_le(lin_host(cpu, ea_b(cpu, op), 4, FH_READ), 4), sp = cpu->r[4] - 4;
    uint8_t *p = lin_host(cpu, sp, 4, FH_WRITE);
    if (!p)
        return op_push_E(cpu, op);
    st_le(p, 4, v);
    cpu->r[4] = sp;
    return done(cpu, op + 1, go);
}
static const E386Op *lin_push_m32_b(E386Cpu *cpu, const E386Op *op) { return push_m32_b(cpu, op, 0); }
static const E386Op *go_lin_push_m32_b(E386Cpu *cpu, const E386Op *op) { return push_m32_b(cpu, op, 1); }

/* PUSH imm32 in a TB_LIN block (constant arguments, Lua's and SQLite's
 * calls): one host access, 53 host instructions a run through
 * push_fast; a push that crosses a page, op_push_I */
E386_INLINE const E386Op *push_i32(E386Cpu *cpu, const E386Op *op, int go)
{
    uint32_t sp = cpu->r[4] - 4;
    uint8_t *p = lin_host(cpu, sp, 4, FH_WRITE);
    if (!p)
        return op_push_I(cpu, op);
    st_le(p, 4, op->imm);
    cpu->r[4] = sp;
    return done(cpu, op + 1, go);
}
static const E386Op *lin_push_I(E386Cpu *cpu, const E386Op *op) { return push_i32(cpu, op, 0); }
static const E386Op *go_lin_push_I(E386Cpu *cpu, const E386Op *op) { return push_i32(cpu, op, 1); }

OpFn stack_lin_twin(const E386Op *op)
{
    if (op->size != 4)
        return NULL;
    if (op->fn == op_push_I)
        return lin_push_I;
    if (op->fn == op_push_R || op->fn == op_pop_R)
        return op->fn == op_push_R ? lin_push_R : lin_pop_R;
    if (op->fn == op_push_E && op->mod != 3 && op->adsize == 4 && op->base != EA_NONE && op->index == EA_NONE &&
        lin_seg(op))
        return lin_push_m32_b;
    return stack_run_lin_twin(op->fn);
}

/* POP r/m: the address is computed with ESP already incremented, and a
 * fault on the store leaves ESP unchanged. */
const E386Op *op_pop_E(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t old = cpu->r[4];
    uint32_t v = pop(cpu, size);
    if (op->mod == 3) {
        reg_set(cpu, op->rm, size, v);
        return op + 1;
    }
    uint32_t lin = op_lin(cpu, op, (uint32_t)size, 1);
    uint32_t now = cpu->r[4];
    cpu->r[4] = old;
    lin_check_write(cpu, lin, (uint32_t)size);
    cpu->r[4] = now;
    lin_write(cpu, lin, size, v);
    return op + 1;
}

const E386Op *op_pusha(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t sp = cpu->r[4];
    check_push(cpu, 8 * (uint32_t)size);
    for (int r = 0; r < 8; r++)
        push(cpu, size, r == 4 ? sp : cpu->r[r]);
    return op + 1;
}

const E386Op *op_popa(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t v[8];
    for (int r = 0; r < 8; r++) /* read all first: a fault changes nothing */
        v[r] = stack_peek(cpu, size, (uint32_t)(size * (7 - r)));
    for (int r = 0; r < 8; r++)
        if (r != 4)
            reg_set(cpu, r, size, v[r]);
    sp_set(cpu, sp_get(cpu) + 8 * (uint32_t)size);
    return op + 1;
}

const E386Op *op_pushf(E386Cpu *cpu, const E386Op *op)
{
    if ((cpu->eflags & F_VM) && ((cpu->eflags >> 12) & 3) != 3)
        raise_exc_err(cpu, EX_GP, 0); /* IOPL-sensitive in v86 mode */
    /* VM and RF are not copied into the pushed image */
    push(cpu, op->size, get_eflags(cpu) & ~(F_VM | F_RF));
    return op + 1;
}

const E386Op *op_popf(E386Cpu *cpu, const E386Op *op)
{
    if ((cpu->eflags & F_VM) && ((cpu->eflags >> 12) & 3) != 3)
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t v = pop(cpu, op->size), old = cpu->eflags;
    set_eflags(cpu, v, op->size == 2 ? 0xffffu : 0xffffffffu);
    if_check(cpu, E386_IF_POPF);
    /* a new TF changes how blocks are made, a new IF may let a pending
     * interrupt in: the main loop looks at both; otherwise go straight on */
    if (((old ^ cpu->eflags) & F_TF) || (~old & cpu->eflags & F_IF))
        return end_block(cpu, next_eip(op));
    return jump_near(cpu, op, next_eip(op));
}

const E386Op *op_enter(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t level = op->imm2 & 31, alloc = op->imm & 0xffff;
    uint32_t mask = ss32(cpu) ? 0xffffffffu : 0xffffu;
    uint32_t bp = cpu->r[5];
    /* check the whole frame before writing anything */
    check_push(cpu, (uint32_t)size * (level + 1));
    uint32_t sp = (sp_get(cpu) - (uint32_t)size) & mask;
    seg_write(cpu, SEG_SS, sp, size, bp);
    uint32_t frame = sp;
    if (level) {
        uint32_t ebp = bp;
        for (uint32_t i = 1; i < level; i++) {
            ebp = (ebp - (uint32_t)size) & mask;
            uint32_t v = seg_read(cpu, SEG_SS, ebp, size);
            sp = (sp - (uint32_t)size) & mask;
            seg_write(cpu, SEG_SS, sp, size, v);
        }
        sp = (sp - (uint32_t)size) & mask;
        seg_write(cpu, SEG_SS, sp, size, frame);
    }
    if (alloc)
        seg_lin_fast(cpu, SEG_SS, (sp - alloc) & mask, alloc, 1);
    reg_set(cpu, 5, size, frame);
    sp_set(cpu, sp - alloc);
    return op + 1;
}

const E386Op *op_leave(E386Cpu *cpu, const E386Op *op)
{
    uint32_t bp = ss32(cpu) ? cpu->r[5] : (cpu->r[5] & 0xffff);
    uint32_t v = seg_read(cpu, SEG_SS, bp, op->size);
    sp_set(cpu, bp + (uint32_t)op->size);
    reg_set(cpu, 5, op->size, v);
    return op + 1;
}

/* go-on twins (ops.h): GO_TWIN's, and the fast paths' own (done) */
#define STACK_GO(X) X(op_push_I, 1) X(op_push_E, 1) X(op_pop_E, 1)
#define STACK_GO_DONE(X) X(op_push_R, 1) X(op_pop_R, 1) X(lin_push_R, 1) X(lin_pop_R, 1) X(lin_push_m32_b, 1) X(lin_push_I, 1)
STACK_GO(GO_TWIN)

const GoTwin *stack_go_twins(size_t *n)
{
    static const GoTwin t[] = { STACK_GO(GO_ROW) STACK_GO_DONE(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
