/* The x87 state shared by the instruction layer (x87.c) and the
 * environment instructions (x87_env.c): stack and tag helpers, exception
 * bookkeeping, 64- and 80-bit memory operands. */
#ifndef E386_X87_H
#define E386_X87_H
#include "core/cpu.h"

enum { SW_IE = 1, SW_DE = 2, SW_ZE = 4, SW_OE = 8, SW_UE = 16, SW_PE = 32, SW_SF = 64,
       SW_ES = 128, SW_C0 = 1 << 8, SW_C1 = 1 << 9, SW_C2 = 1 << 10, SW_C3 = 1 << 14,
       SW_B = 1 << 15 };
enum { TAG_VALID, TAG_ZERO, TAG_SPECIAL, TAG_EMPTY };

static inline int fp_top(const Fpu *f) { return (f->sw >> 11) & 7; }
static inline void set_top(Fpu *f, int t) { f->sw = (uint16_t)((f->sw & ~0x3800) | ((t & 7) << 11)); }
static inline int phys(const Fpu *f, int i) { return (fp_top(f) + i) & 7; }
static inline int tag_of(const Fpu *f, int p) { return (f->tw >> (2 * p)) & 3; }
static inline int is_empty(const Fpu *f, int i) { return tag_of(f, phys(f, i)) == TAG_EMPTY; }

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

static inline uint64_t read64(E386Cpu *cpu, uint32_t lin)
{
    uint64_t lo = lin_read(cpu, lin, 4);
    return lo | (uint64_t)lin_read(cpu, lin + 4, 4) << 32;
}

static inline void write64(E386Cpu *cpu, uint32_t lin, uint64_t v)
{
    lin_check_write(cpu, lin, 8);
    lin_write(cpu, lin, 4, (uint32_t)v);
    lin_write(cpu, lin + 4, 4, (uint32_t)(v >> 32));
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

/* x87_env.c: FLDENV/FSTENV/FRSTOR/FSAVE at a linear address, 32- or
 * 16-bit layout. */
void x87_store_env(E386Cpu *cpu, uint32_t lin, int size32);
void x87_load_env(E386Cpu *cpu, uint32_t lin, int size32);
void x87_fsave(E386Cpu *cpu, uint32_t lin, int size32);
void x87_frstor(E386Cpu *cpu, uint32_t lin, int size32);
#endif
