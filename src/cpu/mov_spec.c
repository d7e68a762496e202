/* MOV, MOVZX and LEA specialised at translation time.
 *
 * The reference handlers (misc.c) decide per execution whether the
 * operand is a register or memory, its width and which address parts
 * exist.  Loads and stores are most of what a kernel runs, so for the
 * common forms -- 32-bit addressing with a base register, with or without
 * an index, byte and dword widths -- the decoder picks a handler with
 * those facts fixed, leaving one inline segment check and one TLB (or
 * page map) compare per access.  Everything else keeps the reference
 * handler; both run the same programs in the suites. */
#include "core/ops.h"

/* ---- loads and stores ----
 * Each is a fast path (flat_host: one host access) and, out of its frame,
 * the reference steps for every other case (any segment, the soft MMU,
 * the page map, a page crossing), reached by a tail call: the fast path
 * then saves no register.  A load writes r32 whole (MOV r32, MOVZX) or
 * one byte register (AL..BH by reg_set). */
enum { DST_R32, DST_R8 };

static E386_NOINLINE const E386Op *load_slow(E386Cpu *cpu, const E386Op *op, uint32_t off, int size, int dst)
{
    uint32_t v = seg_read(cpu, op->seg, off, size);
    if (dst == DST_R8)
        reg_set(cpu, op->reg, 1, v);
    else
        cpu->r[op->reg] = v;
    return op + 1;
}

static E386_NOINLINE const E386Op *store_slow(E386Cpu *cpu, const E386Op *op, uint32_t off, int size, uint32_t v)
{
    seg_write(cpu, op->seg, off, size, v);
    return op + 1;
}

E386_INLINE const E386Op *load(E386Cpu *cpu, const E386Op *op, int bi, int size, int dst)
{
    uint32_t off = bi ? ea_bi(cpu, op) : ea_b(cpu, op);
    uint8_t *p = flat_host(cpu, op->seg, off, (uint32_t)size, FH_READ);
    if (!p)
        return load_slow(cpu, op, off, size, dst);
    if (dst == DST_R8)
        reg_set(cpu, op->reg, 1, ld_le(p, size));
    else
        cpu->r[op->reg] = ld_le(p, size);
    return op + 1;
}

/* the value: a register (r32, or AL..BH by reg_get) or the immediate */
enum { SRC_REG, SRC_IMM };

E386_INLINE const E386Op *store(E386Cpu *cpu, const E386Op *op, int bi, int size, int src)
{
    uint32_t off = bi ? ea_bi(cpu, op) : ea_b(cpu, op);
    uint32_t v = src == SRC_IMM ? op->imm & size_mask(size) : reg_get(cpu, op->reg, size);
    uint8_t *p = flat_host(cpu, op->seg, off, (uint32_t)size, FH_WRITE);
    if (!p)
        return store_slow(cpu, op, off, size, v);
    st_le(p, size, v);
    return op + 1;
}

/* one line per handler: name, base+index?, width, destination/source */
#define LOAD(name, bi, size, dst) \
    static const E386Op *name(E386Cpu *c, const E386Op *o) { return load(c, o, bi, size, dst); }
#define STORE(name, bi, size, src) \
    static const E386Op *name(E386Cpu *c, const E386Op *o) { return store(c, o, bi, size, src); }
LOAD(op_mov_ld32_b, 0, 4, DST_R32)    /* MOV r32, r/m32 */
LOAD(op_mov_ld32_bi, 1, 4, DST_R32)
LOAD(op_mov_ld8_b, 0, 1, DST_R8)      /* MOV r8, r/m8 */
LOAD(op_mov_ld8_bi, 1, 1, DST_R8)
LOAD(op_movzx32_8_b, 0, 1, DST_R32)   /* MOVZX r32, r/m8 */
LOAD(op_movzx32_8_bi, 1, 1, DST_R32)
LOAD(op_movzx32_16_b, 0, 2, DST_R32)  /* MOVZX r32, r/m16 */
LOAD(op_movzx32_16_bi, 1, 2, DST_R32)
STORE(op_mov_st32_b, 0, 4, SRC_REG)   /* MOV r/m32, r32 */
STORE(op_mov_st32_bi, 1, 4, SRC_REG)
STORE(op_mov_st8_b, 0, 1, SRC_REG)    /* MOV r/m8, r8 */
STORE(op_mov_st8_bi, 1, 1, SRC_REG)
STORE(op_mov_sti32_b, 0, 4, SRC_IMM)  /* MOV r/m32, imm32 */
STORE(op_mov_sti32_bi, 1, 4, SRC_IMM)
STORE(op_mov_sti8_b, 0, 1, SRC_IMM)   /* MOV r/m8, imm8 (flag arrays, sieves) */
STORE(op_mov_sti8_bi, 1, 1, SRC_IMM)
#undef LOAD
#undef STORE

/* ---- MOV r32, r32 and MOVZX from a register ---- */

/* MOV r32, r32 in either encoding: 89 /r writes rm, 8B /r writes reg */
static const E386Op *op_mov_rr32_EG(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->rm] = cpu->r[op->reg];
    return op + 1;
}

static const E386Op *op_mov_rr32_GE(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->reg] = cpu->r[op->rm];
    return op + 1;
}

/* the register forms (AL..BH by reg_get) */
static const E386Op *op_movzx32_8_r(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->reg] = reg_get(cpu, op->rm, 1);
    return op + 1;
}

static const E386Op *op_movzx32_16_r(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->reg] = cpu->r[op->rm] & 0xffff;
    return op + 1;
}

/* ---- LEA r32, [base + disp] and [base + index << scale + disp] ---- */

static const E386Op *op_lea32_b(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->reg] = ea_b(cpu, op);
    return op + 1;
}

static const E386Op *op_lea32_bi(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->reg] = ea_bi(cpu, op);
    return op + 1;
}

enum { FORM_REG, FORM_B, FORM_BI, FORM_OTHER };

static int ea_form(const E386Op *op)
{
    if (op->mod == 3)
        return FORM_REG;
    if (op->adsize != 4 || op->base == EA_NONE)
        return FORM_OTHER;
    return op->index == EA_NONE ? FORM_B : FORM_BI;
}

static OpFn mov_pick(const E386Op *op)
{
    OpFn f = op->fn;
    int form = ea_form(op);
    if (f == op_mov_GE || f == op_mov_EG) {
        int load = f == op_mov_GE;
        if (op->size == 4) {
            switch (form) {
            case FORM_REG: return load ? op_mov_rr32_GE : op_mov_rr32_EG;
            case FORM_B: return load ? op_mov_ld32_b : op_mov_st32_b;
            case FORM_BI: return load ? op_mov_ld32_bi : op_mov_st32_bi;
            }
        } else if (op->size == 1) {
            switch (form) {
            case FORM_B: return load ? op_mov_ld8_b : op_mov_st8_b;
            case FORM_BI: return load ? op_mov_ld8_bi : op_mov_st8_bi;
            }
        }
    } else if (f == op_mov_EI) {
        if (op->size == 4 && form == FORM_B)
            return op_mov_sti32_b;
        if (op->size == 4 && form == FORM_BI)
            return op_mov_sti32_bi;
        if (op->size == 1 && form == FORM_B)
            return op_mov_sti8_b;
        if (op->size == 1 && form == FORM_BI)
            return op_mov_sti8_bi;
    } else if (f == op_lea && op->size == 4) {
        if (form == FORM_B)
            return op_lea32_b;
        if (form == FORM_BI)
            return op_lea32_bi;
    } else if (f == op_movzx && op->opsize == 4) {
        if (op->size == 1 && form == FORM_B)
            return op_movzx32_8_b;
        if (op->size == 1 && form == FORM_BI)
            return op_movzx32_8_bi;
        if (op->size == 2 && form == FORM_B)
            return op_movzx32_16_b;
        if (op->size == 2 && form == FORM_BI)
            return op_movzx32_16_bi;
        if (form == FORM_REG)
            return op->size == 1 ? op_movzx32_8_r : op_movzx32_16_r;
    }
    return f;
}

void mov_specialize(E386Op *op)
{
    OpFn f = mov_pick(op);
    if (f == op->fn)
        return;
    /* register moves and LEA touch no flag and cannot fault */
    op->fx = f == op_mov_rr32_EG || f == op_mov_rr32_GE || f == op_lea32_b || f == op_lea32_bi ||
                     f == op_movzx32_8_r || f == op_movzx32_16_r ? FX_NONE : FX_ANY;
    op->fn = f;
}

int mov_inline_kind(OpFn f)
{
    return f == op_mov_rr32_EG ? MOV_RR_EG : f == op_mov_rr32_GE ? MOV_RR_GE
         : f == op_lea32_b ? MOV_LEA32_B : f == op_lea32_bi ? MOV_LEA32_BI
         : f == op_mov_ld32_b ? MOV_LD32_B : f == op_mov_ld32_bi ? MOV_LD32_BI
         : f == op_mov_st32_b ? MOV_ST32_B : f == op_mov_st32_bi ? MOV_ST32_BI
         : f == op_mov_ld8_b ? MOV_LD8_B : f == op_mov_ld8_bi ? MOV_LD8_BI
         : f == op_movzx32_8_b ? MOVZX8_B : f == op_movzx32_8_bi ? MOVZX8_BI
         : f == op_movzx32_16_b ? MOVZX16_B : f == op_movzx32_16_bi ? MOVZX16_BI
         : f == op_mov_st8_b ? MOV_ST8_B : f == op_mov_st8_bi ? MOV_ST8_BI
         : f == op_mov_sti32_b ? MOV_STI32_B : f == op_mov_sti32_bi ? MOV_STI32_BI
         : f == op_mov_sti8_b ? MOV_STI8_B : f == op_mov_sti8_bi ? MOV_STI8_BI
         : f == op_movzx32_8_r ? MOVZX8_R : f == op_movzx32_16_r ? MOVZX16_R : -1;
}
