/* Data movement and the small instructions: MOV, LEA, XCHG, MOVZX/MOVSX,
 * CBW/CWD, LAHF/SAHF, flag operations, XLAT, CMOVcc, SETcc, CMPXCHG,
 * XADD, CMPXCHG8B, CPUID, RDTSC, NOP, UD2, port I/O. */
#include "core/ops.h"

const E386Op *op_mov_EG(E386Cpu *cpu, const E386Op *op)
{
    rm_write(cpu, op, op->size, reg_get(cpu, op->reg, op->size));
    return op + 1;
}

const E386Op *op_mov_GE(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->reg, op->size, rm_read(cpu, op, op->size));
    return op + 1;
}

const E386Op *op_mov_RI(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->sub, op->size, op->imm);
    return op + 1;
}

const E386Op *op_mov_EI(E386Cpu *cpu, const E386Op *op)
{
    rm_write(cpu, op, op->size, op->imm);
    return op + 1;
}

const E386Op *op_mov_AO(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, 0, op->size, seg_read(cpu, op->seg, op->imm, op->size));
    return op + 1;
}

const E386Op *op_mov_OA(E386Cpu *cpu, const E386Op *op)
{
    seg_write(cpu, op->seg, op->imm, op->size, reg_get(cpu, 0, op->size));
    return op + 1;
}

const E386Op *op_lea(E386Cpu *cpu, const E386Op *op)
{
    if (op->mod == 3)
        raise_exc(cpu, EX_UD);
    reg_set(cpu, op->reg, op->size, op_ea(cpu, op));
    return op + 1;
}

const E386Op *op_xchg_EG(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t g = reg_get(cpu, op->reg, size);
    if (op->mod == 3) {
        reg_set(cpu, op->reg, size, reg_get(cpu, op->rm, size));
        reg_set(cpu, op->rm, size, g);
    } else {
        uint32_t lin = op_lin(cpu, op, (uint32_t)size, 1);
        uint32_t v = (uint32_t)locked_get(cpu, lin, size); /* locked with or without the prefix */
        locked_put(cpu, lin, size, g);
        reg_set(cpu, op->reg, size, v);
    }
    return op + 1;
}

const E386Op *op_xchg_AR(E386Cpu *cpu, const E386Op *op)
{
    if (op->sub == 0) /* NOP, PAUSE */
        return op + 1;
    uint32_t a = reg_get(cpu, 0, op->size);
    reg_set(cpu, 0, op->size, reg_get(cpu, op->sub, op->size));
    reg_set(cpu, op->sub, op->size, a);
    return op + 1;
}

/* The row's size is the source width; the destination is the operand size. */
const E386Op *op_movzx(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->reg, op->opsize, rm_read(cpu, op, op->size));
    return op + 1;
}

const E386Op *op_movsx(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->reg, op->opsize, sext(rm_read(cpu, op, op->size), op->size));
    return op + 1;
}

const E386Op *op_cbw(E386Cpu *cpu, const E386Op *op)
{
    int half = op->size / 2;
    reg_set(cpu, 0, op->size, sext(reg_get(cpu, 0, half), half));
    return op + 1;
}

const E386Op *op_cwd(E386Cpu *cpu, const E386Op *op)
{
    uint32_t a = reg_get(cpu, 0, op->size);
    reg_set(cpu, 2, op->size, (a & sign_bit(op->size)) ? 0xffffffffu : 0);
    return op + 1;
}

const E386Op *op_lahf(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, 4, 1, (get_eflags(cpu) & 0xd5) | 2);
    return op + 1;
}

const E386Op *op_sahf(E386Cpu *cpu, const E386Op *op)
{
    cc_write(cpu, F_CF | F_PF | F_AF | F_ZF | F_SF, reg_get(cpu, 4, 1));
    return op + 1;
}

static int iopl_ok(E386Cpu *cpu)
{
    return !cpu->pe || cpu->cpl <= ((cpu->eflags >> 12) & 3);
}

const E386Op *op_flagop(E386Cpu *cpu, const E386Op *op)
{
    switch (op->sub) {
    case 0: cc_write(cpu, F_CF, cc_carry(cpu) ? 0 : F_CF); break; /* cmc */
    case 1: cc_write(cpu, F_CF, 0); break;
    case 2: cc_write(cpu, F_CF, F_CF); break;
    case 3: case 4:
        if (!iopl_ok(cpu))
            raise_exc_err(cpu, EX_GP, 0);
        if (op->sub == 3) {
            cpu->eflags &= ~F_IF;
        } else {
            if (!(cpu->eflags & F_IF))
                cpu->irq_shadow = 1; /* interrupts wait one instruction */
            cpu->eflags |= F_IF;
        }
        if_check(cpu, E386_IF_CLI_STI);
        break;
    case 5: cpu->eflags &= ~F_DF; break;
    default: cpu->eflags |= F_DF; break;
    }
    /* after STI the main loop takes a pending interrupt (after the
     * shadow); the others change nothing it looks at */
    if (op->sub == 4)
        return end_block(cpu, next_eip(op));
    return jump_near(cpu, op, next_eip(op));
}

const E386Op *op_xlat(E386Cpu *cpu, const E386Op *op)
{
    uint32_t off = cpu->r[3] + reg_get(cpu, 0, 1);
    if (op->adsize == 2)
        off &= 0xffff;
    reg_set(cpu, 0, 1, seg_read(cpu, op->seg, off, 1));
    return op + 1;
}

const E386Op *op_cmov(E386Cpu *cpu, const E386Op *op)
{
    uint32_t v = rm_read(cpu, op, op->size); /* read (and fault) either way */
    if (cc_cond(cpu, op->sub))
        reg_set(cpu, op->reg, op->size, v);
    return op + 1;
}

const E386Op *op_setcc(E386Cpu *cpu, const E386Op *op)
{
    rm_write(cpu, op, 1, (uint32_t)cc_cond(cpu, op->sub));
    return op + 1;
}

const E386Op *op_cmpxchg(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t m = size_mask(size), lin = 0;
    uint32_t dst = rm_get_rmw(cpu, op, size, &lin);
    uint32_t acc = reg_get(cpu, 0, size);
    cc_set(cpu, CC_SUB, size, (acc - dst) & m, acc, dst);
    /* the destination is always written (the old value when unequal) */
    rm_put_rmw(cpu, op, size, lin, acc == dst ? reg_get(cpu, op->reg, size) : dst);
    if (acc != dst)
        reg_set(cpu, 0, size, dst);
    return op + 1;
}

const E386Op *op_xadd(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t m = size_mask(size), lin = 0;
    uint32_t dst = rm_get_rmw(cpu, op, size, &lin);
    uint32_t src = reg_get(cpu, op->reg, size), sum = (dst + src) & m;
    cc_set(cpu, CC_ADD, size, sum, dst, src);
    /* registers: the sum wins if both name one register; memory: store
     * first, so a faulting store changes no register */
    if (op->mod == 3)
        reg_set(cpu, op->reg, size, dst);
    rm_put_rmw(cpu, op, size, lin, sum);
    if (op->mod != 3)
        reg_set(cpu, op->reg, size, dst);
    return op + 1;
}

const E386Op *op_cmpxchg8b(E386Cpu *cpu, const E386Op *op)
{
    if (op->mod == 3)
        raise_exc(cpu, EX_UD);
    uint32_t lin = op_lin(cpu, op, 8, 1);
    lin_check_write(cpu, lin, 8);
    uint64_t old = op->lock ? locked_get(cpu, lin, 8)
                            : (uint64_t)lin_read(cpu, lin, 4) | (uint64_t)lin_read(cpu, lin + 4, 4) << 32;
    uint32_t lo = (uint32_t)old, hi = (uint32_t)(old >> 32);
    int eq = lo == cpu->r[0] && hi == cpu->r[2];
    /* written back either way: the old value when unequal */
    uint64_t v = eq ? (uint64_t)cpu->r[3] | (uint64_t)cpu->r[1] << 32 : old;
    if (op->lock) {
        locked_put(cpu, lin, 8, v);
    } else {
        lin_write(cpu, lin, 4, (uint32_t)v);
        lin_write(cpu, lin + 4, 4, (uint32_t)(v >> 32));
    }
    if (!eq) {
        cpu->r[0] = lo;
        cpu->r[2] = hi;
    }
    cc_write(cpu, F_ZF, eq ? F_ZF : 0);
    return op + 1;
}

/* CPUID: the vendor and signature of a P6 (GenuineIntel, family 6 model
 * 3, as Bochs's p2_klamath, the system-mode oracle, so guests take their
 * known-CPU paths), and as features exactly what emu386 implements: the
 * x87, TSC, CMPXCHG8B and CMOV; system mode adds DE PSE MSR PGE.  No MMX,
 * SSE, SEP, MCE, PAE or APIC until they exist. */
const E386Op *op_cpuid(E386Cpu *cpu, const E386Op *op)
{
    uint32_t leaf = cpu->r[0];
    uint32_t a = 0, b = 0, c = 0, d = 0;
    if (leaf == 0) {
        a = 1;
        b = 0x756e6547; /* "Genu" */
        d = 0x49656e69; /* "ineI" */
        c = 0x6c65746e; /* "ntel" */
    } else if (leaf == 1) {
        a = 0x0631;     /* family 6, model 3, stepping 1 */
        d = (1u << 0) | (1u << 4) | (1u << 8) | (1u << 15); /* FPU TSC CX8 CMOV */
        if (cpu->sys) /* system mode adds what it implements: DE PSE MSR PGE */
            d |= (1u << 2) | (1u << 3) | (1u << 5) | (1u << 13);
    }
    cpu->r[0] = a;
    cpu->r[3] = b;
    cpu->r[1] = c;
    cpu->r[2] = d;
    return op + 1;
}

/* The time stamp counter is derived from the instruction count, so runs
 * are deterministic: the instructions retired before this one, whatever
 * the blocks (icount alone counts the rest of the running block too). */
const E386Op *op_rdtsc(E386Cpu *cpu, const E386Op *op)
{
    uint64_t t = (op_in_block(cpu, op) ? icount_before(cpu, op) : cpu->icount) * 2 + cpu->tsc_offset;
    if ((cpu->cr4 & 4) && cpu->cpl != 0 && cpu->pe) /* CR4.TSD */
        raise_exc_err(cpu, EX_GP, 0);
    if (cpu->sys && cpu->sys_ops.clock_ns) /* the machine's virtual clock, 1 GHz */
        t = cpu->sys_ops.clock_ns(cpu->sys_opaque) + cpu->tsc_offset;
    cpu->r[0] = (uint32_t)t;
    cpu->r[2] = (uint32_t)(t >> 32);
    return op + 1;
}

const E386Op *op_nop_E(E386Cpu *cpu, const E386Op *op)
{
    (void)cpu;
    return op + 1;
}

const E386Op *op_ud(E386Cpu *cpu, const E386Op *op)
{
    (void)op;
    raise_exc(cpu, EX_UD);
}

/* Port I/O: IN/OUT with an immediate port (sub 0/1) or DX (2/3).  The
 * permission check (IOPL, the TSS bitmap) comes first; user mode has no
 * I/O bus, so a permitted IN reads a floating bus there. */
const E386Op *op_in_out(E386Cpu *cpu, const E386Op *op)
{
    uint16_t port = (uint16_t)(op->sub >= 2 ? cpu->r[2] : op->imm & 0xff);
    io_check(cpu, port, op->size);
    if (op->sub == 0 || op->sub == 2)
        reg_set(cpu, 0, op->size, io_in(cpu, port, op->size));
    else
        io_out(cpu, port, op->size, reg_get(cpu, 0, op->size));
    /* a device may have raised an interrupt: look at it after this */
    return cpu->sys ? end_block(cpu, next_eip(op)) : op + 1;
}

/* go-on twins (ops.h) */
/* ---- the interpreter's own forms (misc_interp_pick) ----
 * SETcc r8 and CMOVcc r32, r32 with the condition fixed: cc_cond folds
 * to the one test (SQLite's and Lua's compares made into values, 45-60
 * host instructions a run generic).  The native back end emits these
 * from op_setcc and op_cmov (native_emit_cond_op), so they are chosen
 * for the interpreter's blocks only (exec.c interp_specialize). */
E386_INLINE const E386Op *setcc_r8(E386Cpu *cpu, const E386Op *op, int cc)
{
    int r = cc_cond_k(cpu, cc, 1);
    if (r < 0) /* cc_cond_slow's call out of this frame */
        return op_setcc(cpu, op);
    reg_set(cpu, op->rm, 1, (uint32_t)r);
    return op + 1;
}

E386_INLINE const E386Op *cmov_rr32(E386Cpu *cpu, const E386Op *op, int cc)
{
    int r = cc_cond_k(cpu, cc, 1);
    if (r < 0)
        return op_cmov(cpu, op);
    if (r)
        cpu->r[op->reg] = cpu->r[op->rm];
    return op + 1;
}

/* the sixteen conditions: M(X, cc) for each (X passed through, for the go-on list) */
#define CC16(M, X) M(X, 0) M(X, 1) M(X, 2) M(X, 3) M(X, 4) M(X, 5) M(X, 6) M(X, 7) M(X, 8) M(X, 9) M(X, 10) \
    M(X, 11) M(X, 12) M(X, 13) M(X, 14) M(X, 15)
#define COND_HANDLERS(_, cc) \
    static const E386Op *setcc_r8_##cc(E386Cpu *c, const E386Op *o) { return setcc_r8(c, o, cc); } \
    static const E386Op *cmov_rr32_##cc(E386Cpu *c, const E386Op *o) { return cmov_rr32(c, o, cc); }
CC16(COND_HANDLERS, _)
#define SETCC_ROW(_, cc) setcc_r8_##cc,
#define CMOV_ROW(_, cc) cmov_rr32_##cc,
static const OpFn setcc_fn[16] = { CC16(SETCC_ROW, _) }, cmov_fn[16] = { CC16(CMOV_ROW, _) };

OpFn misc_interp_pick(const E386Op *op)
{
    if (op->mod != 3 || op->lock || op->sub > 15)
        return NULL;
    if (op->fn == op_setcc)
        return setcc_fn[op->sub];
    if (op->fn == op_cmov && op->size == 4)
        return cmov_fn[op->sub];
    return NULL;
}

#define COND_GO(X, cc) X(setcc_r8_##cc, 1) X(cmov_rr32_##cc, 1)
#define MISC_GO(X) \
    X(op_mov_EG, 1) X(op_mov_GE, 1) X(op_mov_RI, 1) X(op_mov_EI, 1) X(op_mov_AO, 1) X(op_mov_OA, 1) \
    X(op_lea, 1) X(op_xchg_EG, 1) X(op_xchg_AR, 1) X(op_movzx, 1) X(op_movsx, 1) X(op_cbw, 1) X(op_cwd, 1) \
    X(op_cmov, 1) X(op_setcc, 1) CC16(COND_GO, X)
MISC_GO(GO_TWIN)

const GoTwin *misc_go_twins(size_t *n)
{
    static const GoTwin t[] = { MISC_GO(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
