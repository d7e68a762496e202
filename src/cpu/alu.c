/* ADD OR ADC SBB AND SUB XOR CMP, INC DEC NEG NOT, TEST. */
#include "core/ops.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* One ALU operation in the ModRM reg order; records the flags lazily. */
static uint32_t alu(E386Cpu *cpu, int opn, int size, uint32_t a, uint32_t b)
{
    uint32_t m = size_mask(size), r, c;
    a &= m;
    b &= m;
    switch (opn) {
    case ALU_ADD: r = (a + b) & m; cc_set(cpu, CC_ADD, size, r, a, b); return r;
    case ALU_OR: r = a | b; break;
    case ALU_ADC:
        c = (uint32_t)cc_carry(cpu);
        r = (a + b + c) & m;
        cc_set(cpu, CC_ADC, size, r, a, b);
        return r;
    case ALU_SBB:
        c = (uint32_t)cc_carry(cpu);
        r = (a - b - c) & m;
        cc_set(cpu, CC_SBB, size, r, a, b);
        return r;
    case ALU_AND: r = a & b; break;
    case ALU_XOR: r = a ^ b; break;
    default: /* SUB, CMP */
        r = (a - b) & m;
        cc_set(cpu, CC_SUB, size, r, a, b);
        return r;
    }
    cc_set(cpu, CC_LOGIC, size, r, 0, 0);
    return r;
}

/* r/m op= value: a read-modify-write of the ModRM operand (CMP only reads). */
static void alu_rm(E386Cpu *cpu, const E386Op *op, int opn, uint32_t b)
{
    int size = op->size;
    if (opn == ALU_CMP) { /* only reads */
        alu(cpu, opn, size, rm_read(cpu, op, size), b);
        return;
    }
    uint32_t lin = 0;
    uint32_t r = alu(cpu, opn, size, rm_get_rmw(cpu, op, size, &lin), b);
    rm_put_rmw(cpu, op, size, lin, r);
}

const E386Op *op_alu_EG(E386Cpu *cpu, const E386Op *op)
{
    alu_rm(cpu, op, op->sub, reg_get(cpu, op->reg, op->size));
    return op + 1;
}

const E386Op *op_alu_GE(E386Cpu *cpu, const E386Op *op)
{
    int size = op->size;
    uint32_t r = alu(cpu, op->sub, size, reg_get(cpu, op->reg, size), rm_read(cpu, op, size));
    if (op->sub != ALU_CMP)
        reg_set(cpu, op->reg, size, r);
    return op + 1;
}

const E386Op *op_alu_AI(E386Cpu *cpu, const E386Op *op)
{
    uint32_t r = alu(cpu, op->sub, op->size, reg_get(cpu, 0, op->size), op->imm);
    if (op->sub != ALU_CMP)
        reg_set(cpu, 0, op->size, r);
    return op + 1;
}

const E386Op *op_alu_EI(E386Cpu *cpu, const E386Op *op)
{
    alu_rm(cpu, op, op->sub, op->imm);
    return op + 1;
}

/* INC/DEC keep CF: it is saved into the lazy state. */
static uint32_t incdec(E386Cpu *cpu, int size, uint32_t a, int dec)
{
    uint32_t cf = (uint32_t)cc_carry(cpu);
    uint32_t r = (dec ? a - 1 : a + 1) & size_mask(size);
    cc_set(cpu, dec ? CC_DEC : CC_INC, size, r, a & size_mask(size), cf);
    return r;
}

const E386Op *op_inc_R(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->sub, op->size, incdec(cpu, op->size, reg_get(cpu, op->sub, op->size), 0));
    return op + 1;
}

const E386Op *op_dec_R(E386Cpu *cpu, const E386Op *op)
{
    reg_set(cpu, op->sub, op->size, incdec(cpu, op->size, reg_get(cpu, op->sub, op->size), 1));
    return op + 1;
}

static void unary_rm(E386Cpu *cpu, const E386Op *op, int kind)
{
    int size = op->size;
    uint32_t lin = 0, r, m = size_mask(size);
    uint32_t a = rm_get_rmw(cpu, op, size, &lin);
    switch (kind) {
    case 0: r = incdec(cpu, size, a, 0); break;
    case 1: r = incdec(cpu, size, a, 1); break;
    case 2: r = ~a & m; break; /* NOT: no flags */
    default:
        r = (0u - a) & m;
        cc_set(cpu, CC_NEG, size, r, a, 0);
        break;
    }
    rm_put_rmw(cpu, op, size, lin, r);
}

const E386Op *op_inc_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, 0); return op + 1; }
const E386Op *op_dec_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, 1); return op + 1; }
const E386Op *op_not_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, 2); return op + 1; }
const E386Op *op_neg_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, 3); return op + 1; }

static void test(E386Cpu *cpu, int size, uint32_t a, uint32_t b)
{
    cc_set(cpu, CC_LOGIC, size, a & b & size_mask(size), 0, 0);
}

const E386Op *op_test_EG(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, rm_read(cpu, op, op->size), reg_get(cpu, op->reg, op->size));
    return op + 1;
}

const E386Op *op_test_AI(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, reg_get(cpu, 0, op->size), op->imm);
    return op + 1;
}

const E386Op *op_test_EI(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, rm_read(cpu, op, op->size), op->imm);
    return op + 1;
}

/* ---- specialised 32-bit register forms ----
 * The decoder asks alu_specialize() for a handler with the operation and
 * width fixed at translation time; the generic handlers above stay the
 * reference and cover everything else. */

static inline uint32_t alu32(E386Cpu *cpu, int opn, uint32_t a, uint32_t b)
{
    uint32_t r;
    switch (opn) {
    case ALU_ADD: r = a + b; cc_set(cpu, CC_ADD, 4, r, a, b); return r;
    case ALU_SUB: case ALU_CMP: r = a - b; cc_set(cpu, CC_SUB, 4, r, a, b); return r;
    case ALU_AND: r = a & b; break;
    case ALU_OR: r = a | b; break;
    default: r = a ^ b; break;
    }
    cc_set(cpu, CC_LOGIC, 4, r, 0, 0);
    return r;
}

#define ALU_FAST(opn, tag)                                                                     \
    static const E386Op *rr_##tag(E386Cpu *cpu, const E386Op *op)                              \
    {                                                                                          \
        uint32_t r = alu32(cpu, opn, cpu->r[op->rm], cpu->r[op->reg]);                         \
        if (opn != ALU_CMP)                                                                    \
            cpu->r[op->rm] = r;                                                                \
        return op + 1;                                                                         \
    }                                                                                          \
    static const E386Op *gr_##tag(E386Cpu *cpu, const E386Op *op)                              \
    {                                                                                          \
        uint32_t r = alu32(cpu, opn, cpu->r[op->reg], cpu->r[op->rm]);                         \
        if (opn != ALU_CMP)                                                                    \
            cpu->r[op->reg] = r;                                                               \
        return op + 1;                                                                         \
    }                                                                                          \
    static const E386Op *ri_##tag(E386Cpu *cpu, const E386Op *op)                              \
    {                                                                                          \
        uint32_t r = alu32(cpu, opn, cpu->r[op->rm], op->imm);                                 \
        if (opn != ALU_CMP)                                                                    \
            cpu->r[op->rm] = r;                                                                \
        return op + 1;                                                                         \
    }                                                                                          \
    static const E386Op *ai_##tag(E386Cpu *cpu, const E386Op *op)                              \
    {                                                                                          \
        uint32_t r = alu32(cpu, opn, cpu->r[0], op->imm);                                      \
        if (opn != ALU_CMP)                                                                    \
            cpu->r[0] = r;                                                                     \
        return op + 1;                                                                         \
    }

ALU_FAST(ALU_ADD, add)
ALU_FAST(ALU_OR, or)
ALU_FAST(ALU_AND, and)
ALU_FAST(ALU_SUB, sub)
ALU_FAST(ALU_XOR, xor)
ALU_FAST(ALU_CMP, cmp)

OpFn alu_specialize(const E386Op *op)
{
    /* indexed by the ALU operation; ADC and SBB (NULL) stay generic */
    static const OpFn rr[8] = { rr_add, rr_or, NULL, NULL, rr_and, rr_sub, rr_xor, rr_cmp };
    static const OpFn gr[8] = { gr_add, gr_or, NULL, NULL, gr_and, gr_sub, gr_xor, gr_cmp };
    static const OpFn ri[8] = { ri_add, ri_or, NULL, NULL, ri_and, ri_sub, ri_xor, ri_cmp };
    static const OpFn ai[8] = { ai_add, ai_or, NULL, NULL, ai_and, ai_sub, ai_xor, ai_cmp };
    if (op->size != 4 || op->sub > 7)
        return op->fn;
    const OpFn *t = op->fn == op_alu_AI ? ai
                  : op->mod != 3 ? NULL
                  : op->fn == op_alu_EG ? rr : op->fn == op_alu_GE ? gr : op->fn == op_alu_EI ? ri : NULL;
    return t && t[op->sub] ? t[op->sub] : op->fn;
}
