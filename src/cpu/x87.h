/* The x87 state shared by the instruction layer (x87.c) and the
 * environment instructions (x87_env.c): stack and tag helpers, exception
 * bookkeeping, 64- and 80-bit memory operands. */
#ifndef E386_X87_H
#define E386_X87_H
#include "core/cpu.h"
#include "fpu/sf_internal.h"

enum { SW_IE = 1, SW_DE = 2, SW_ZE = 4, SW_OE = 8, SW_UE = 16, SW_PE = 32, SW_SF = 64,
       SW_ES = 128, SW_C0 = 1 << 8, SW_C1 = 1 << 9, SW_C2 = 1 << 10, SW_C3 = 1 << 14,
       SW_B = 1 << 15 };
enum { TAG_VALID, TAG_ZERO, TAG_SPECIAL, TAG_EMPTY };

static inline int fp_top(const Fpu *f) { return (f->sw >> 11) & 7; }
static inline void set_top(Fpu *f, int t) { f->sw = (uint16_t)((f->sw & ~0x3800) | ((t & 7) << 11)); }
static inline int phys(const Fpu *f, int i) { return (fp_top(f) + i) & 7; }
static inline int tag_of(const Fpu *f, int p) { return (f->tw >> (2 * p)) & 3; }
static inline int is_empty(const Fpu *f, int i) { return tag_of(f, phys(f, i)) == TAG_EMPTY; }

/* D8/DC arithmetic in ModRM reg order: add mul com comp sub subr div divr
 * (2 and 3, the compares, never come here) */
static inline F80 x87_arith(SfCtx *c, int which, F80 a, F80 b)
{
    switch (which) {
    case 0: return sf_add(c, a, b);
    case 1: return sf_mul(c, a, b);
    case 4: return sf_sub(c, a, b);
    case 5: return sf_sub(c, b, a);
    case 6: return sf_div(c, a, b);
    default: return sf_div(c, b, a);
    }
}

static inline int classify_tag(F80 v)
{
    int e = v.sexp & 0x7fff;
    if (e == 0x7fff) return TAG_SPECIAL;
    if (e == 0) return v.mant ? TAG_SPECIAL : TAG_ZERO;
    return (v.mant >> 63) ? TAG_VALID : TAG_SPECIAL;
}

/* ---- exceptions ---- */

/* Merge new exception flags; an unmasked one sets ES and B, and is
 * delivered as #MF by the next waiting instruction.  Returns nonzero when
 * an unmasked invalid/zero-divide/denormal means "do not store". */
static inline int fpu_except(Fpu *f, unsigned flags)
{
    f->sw |= (uint16_t)(flags & 0x7f);
    if (f->sw & ~f->cw & 0x3f)
        f->sw |= SW_ES | SW_B;
    return (flags & ~f->cw & (SW_IE | SW_DE | SW_ZE)) != 0;
}

/* The control word as stored: bit 6 reads as one, bits 7 and 13-15 as
 * zero (measured). */
static inline uint16_t cw_value(uint32_t v)
{
    return (uint16_t)((v & 0x1f3f) | 0x40);
}

/* 64-bit operands: inside one page, linear memory's host access or one
 * page check of the plain fast path (lin_read's and lin_write's
 * conditions for both halves); otherwise the two 4-byte accesses, low
 * half first.  Inline
 * always: the compiler left them out of line in the handlers' default
 * control word instances (7 % of n-body's time in the calls). */
E386_INLINE uint64_t read64(E386Cpu *cpu, uint32_t lin)
{
    if (!cpu->softmmu && (lin & 0xfff) <= 0xff8) {
        const uint8_t *h = cpu->mem.lfast ? cpu->mem.lfast + lin : NULL;
        Page *p = h ? NULL : mem_page_any(&cpu->mem, lin);
        if (p && (p->flags & PG_READ))
            h = p->host + (lin & 0xfff);
        if (h)
            return ld_le(h, 4) | (uint64_t)ld_le(h + 4, 4) << 32;
    }
    uint64_t lo = lin_read(cpu, lin, 4);
    return lo | (uint64_t)lin_read(cpu, lin + 4, 4) << 32;
}

E386_INLINE void write64(E386Cpu *cpu, uint32_t lin, uint64_t v)
{
    if (!cpu->softmmu && (lin & 0xfff) <= 0xff8) {
        uint8_t *h = cpu->mem.lfast ? cpu->mem.lfast + lin : NULL; /* into code: the host's fault */
        Page *p = h ? NULL : mem_page_any(&cpu->mem, lin);
        if (p && (p->flags & (PG_WRITE | PG_CODE)) == PG_WRITE)
            h = p->host + (lin & 0xfff);
        if (h) {
            st_le(h, 4, (uint32_t)v);
            st_le(h + 4, 4, (uint32_t)(v >> 32));
            return;
        }
    }
    lin_check_write(cpu, lin, 8);
    lin_write(cpu, lin, 4, (uint32_t)v);
    lin_write(cpu, lin + 4, 4, (uint32_t)(v >> 32));
}

/* A double operand read that cannot fault, for the fused runs
 * (x87_run.c): 1 and *v when seg:ea is in one page that read64's (or,
 * with the soft MMU, lin_read's) fast path reaches without a side effect
 * and seg_lin_fast accepts without a check; 0 otherwise, and the caller
 * takes the path that may fault. */
static inline int probe64(E386Cpu *cpu, int seg, uint32_t ea, uint64_t *v)
{
    const Seg *s = &cpu->seg[seg];
    uint32_t lin;
    if (s->flat)
        lin = ea;
    else if (s->wide && ea <= ~7u)
        lin = s->base + ea;
    else
        return 0;
    if ((lin & 0xfff) > 0xff8)
        return 0;
    const uint8_t *h;
    if (cpu->softmmu) {
        const TlbEntry *e = tlb_entry(cpu, lin);
        if (e->rtag != (lin & ~0xfffu))
            return 0;
        h = e->host + (lin & 0xfff);
    } else {
        const Page *p = mem_page_any(&cpu->mem, lin);
        if (!p || !(p->flags & PG_READ))
            return 0;
        h = p->host + (lin & 0xfff);
    }
    *v = ld_le(h, 4) | (uint64_t)ld_le(h + 4, 4) << 32;
    return 1;
}

static inline F80 read80(E386Cpu *cpu, uint32_t lin)
{
    F80 v;
    v.mant = read64(cpu, lin);
    v.sexp = (uint16_t)lin_read(cpu, lin + 8, 2);
    return v;
}

static inline void write80(E386Cpu *cpu, uint32_t lin, F80 v)
{
    lin_check_write(cpu, lin, 10);
    write64(cpu, lin, v.mant);
    lin_write(cpu, lin + 8, 2, v.sexp);
}

/* ---- state helpers shared by x87.c and x87_spec.c ---- */

static inline void set_reg(Fpu *f, int i, F80 v)
{
    int p = phys(f, i);
    f->st[p] = v;
    f->tw = (uint16_t)((f->tw & ~(3 << (2 * p))) | (classify_tag(v) << (2 * p)));
}

static inline void set_empty(Fpu *f, int i)
{
    f->tw |= (uint16_t)(3 << (2 * phys(f, i)));
}

static inline void fpu_pop(Fpu *f)
{
    set_empty(f, 0);
    set_top(f, fp_top(f) + 1);
}

static inline void fpu_wait_check(E386Cpu *cpu)
{
    if (cpu->fpu.sw & SW_ES)
        raise_exc(cpu, EX_MF);
}

static inline SfCtx ctx_of(const Fpu *f)
{
    SfCtx c = { (uint8_t)((f->cw >> 10) & 3), (uint8_t)((f->cw >> 8) & 3),
                (uint16_t)((f->cw & SW_OE ? 0 : SF_TRAP_OE) | (f->cw & SW_UE ? 0 : SF_TRAP_UE)), 0 };
    return c;
}

/* Finish an operation: flags into SW, C1 = rounded up.  An unmasked
 * invalid-operand, denormal or zero-divide exception is raised before the
 * computation (as the x87 does, measured): only it is reported, C1 is
 * cleared, and the destination and TOP are left alone: no store, no pop.
 * Unmasked OE/UE results come back re-biased from the soft-float module
 * and are stored like any other.  Returns 1 if the result may be stored. */
static inline int fpu_done(Fpu *f, const SfCtx *c)
{
    unsigned pre = c->flags & (SW_IE | SW_DE | SW_ZE);
    if (pre & ~f->cw) {
        f->sw &= (uint16_t)~SW_C1;
        fpu_except(f, pre);
        return 0;
    }
    f->sw &= (uint16_t)~SW_C1;
    if (c->c1)
        f->sw |= SW_C1;
    fpu_except(f, c->flags);
    return 1;
}

/* Stack underflow: reading an empty register. */
static inline int underflow(Fpu *f)
{
    f->sw &= (uint16_t)~SW_C1;
    return !fpu_except(f, SW_IE | SW_SF);
}

static inline void fpu_push(Fpu *f, F80 v)
{
    if (!is_empty(f, 7)) { /* overflow */
        f->sw |= SW_C1;
        if (fpu_except(f, SW_IE | SW_SF))
            return;
        v = sf_indefinite();
    } else {
        f->sw &= (uint16_t)~SW_C1;
    }
    set_top(f, fp_top(f) - 1);
    set_reg(f, 0, v);
}

/* The DE a denormal single/double memory source raised (see load_src). */
static inline void src_denormal(SfCtx *c, F80 a, int den)
{
    if (den && !(c->flags & (SF_IE | SF_ZE)) && !sf_is_nan(a))
        c->flags |= SF_DE;
}

/* Before a store's write: the status word the instruction changed
 * (sw0 what it was) must not show a store that faults, as the fault is
 * precise (real CPUs and Bochs leave C1 and the sticky flags as they
 * were, system suite n-x87-fault): its operand's pages checked with the
 * old word in place; no check when the word did not change. */
static inline void store_check(E386Cpu *cpu, uint16_t sw0, uint32_t lin, uint32_t len)
{
    Fpu *f = &cpu->fpu;
    uint16_t sw = f->sw;
    if (sw == sw0)
        return;
    f->sw = sw0;
    lin_check_write(cpu, lin, len);
    f->sw = sw;
}

/* fpu_done for a single/double memory destination: with OE or UE
 * unmasked and raised, the x87 writes nothing, does not pop and reports
 * that exception alone (no PE), C1 = 0. */
static inline int store_done(Fpu *f, const SfCtx *c)
{
    unsigned post = c->flags & (SW_OE | SW_UE);
    if ((post & ~f->cw) && !(c->flags & (SW_IE | SW_DE | SW_ZE) & ~f->cw)) {
        f->sw &= (uint16_t)~SW_C1;
        fpu_except(f, post);
        return 0;
    }
    return fpu_done(f, c);
}

/* the last-opcode register's value for op (the escape's low bits, ModRM)
 * as the decoder left it in an escape's imm (x87_specialize: an escape
 * has no immediate, and made from the fields at each step it cost 5% more
 * host instructions in the x87 handlers) */
E386_INLINE uint16_t x87_op_fop(const E386Op *op) { return (uint16_t)(op->imm & 0x7ff); }

/* the last-instruction pointers: FIP, FCS, FOP, and with a memory
 * operand at offset ea FDP and FDS */
E386_INLINE void record_ip_fast(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = &cpu->fpu;
    f->fip = op->eip;
    f->fcs = cpu->seg[SEG_CS].sel;
    f->fop = x87_op_fop(op);
}

E386_INLINE void record_ip_mem(E386Cpu *cpu, const E386Op *op, uint32_t ea)
{
    record_ip_fast(cpu, op);
    cpu->fpu.fdp = ea;
    cpu->fpu.fds = cpu->seg[op->seg].sel;
}

static inline void record_ip(E386Cpu *cpu, const E386Op *op, int mem)
{
    if (mem)
        record_ip_mem(cpu, op, op_ea(cpu, op));
    else
        record_ip_fast(cpu, op);
}

/* FLD m32/m64: an unmasked IE (SNaN) loads nothing and clears C1; an
 * unmasked DE still loads the value (measured). */
static inline int load_ok(Fpu *f, const SfCtx *c)
{
    if (!is_empty(f, 7))
        return 1; /* a stack overflow takes precedence: fpu_push reports it */
    fpu_except(f, c->flags);
    if (!(c->flags & SW_IE & ~f->cw))
        return 1;
    f->sw &= (uint16_t)~SW_C1;
    return 0;
}

/* x87.c, for the specialised handlers of x87_spec.c: FST/FSTP to memory
 * (kind 32, 64 or 80 bits), FCOMI/FUCOMI(P) with ST(i); and the generic
 * escape handler they fall back to. */
void x87_store_float(E386Cpu *cpu, const E386Op *op, int kind, int pop);
void x87_fcomi(E386Cpu *cpu, int i, int quiet, int pop);
const E386Op *op_fpu_esc(E386Cpu *cpu, const E386Op *op);

/* x87_spec.c, for the fusion of runs (x87_run.c): FLD m64's handler, and
 * which D8/DC arithmetic a specialised handler does (x87_arith's order;
 * for the ST(i),ST(0) forms the operation as applied to ST(i), ST(0)) on
 * which operand form; -1 for any other handler. */
enum { X87F_M32, X87F_M64, X87F_ST0, X87F_STI, X87F_STIP };
const E386Op *x87_fld_m64(E386Cpu *cpu, const E386Op *op);
int x87_arith_form(OpFn f, int *which);

/* x87_env.c: FLDENV/FSTENV/FRSTOR/FSAVE at a linear address, 32- or
 * 16-bit layout. */
void x87_store_env(E386Cpu *cpu, uint32_t lin, int size32);
void x87_load_env(E386Cpu *cpu, uint32_t lin, int size32);
void x87_fsave(E386Cpu *cpu, uint32_t lin, int size32);
void x87_frstor(E386Cpu *cpu, uint32_t lin, int size32);
#endif
