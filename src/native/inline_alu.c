/* Inline fast paths of the native back end, part two: the ALU forms
 * inline.c leaves (alu.c: ALU with a memory operand or of bytes and
 * words, ADC/SBB, INC/DEC, NEG/NOT, TEST r/m), the 32-bit shifts by a
 * constant or CL (shift.c), SETcc and misc.c's moves (MOV of bytes and
 * words, MOV r, imm, MOVSX, CBW/CWD, XCHG of registers), each leaving
 * exactly the state its handler leaves: registers, memory and the lazy
 * flags (the same cc_set values).
 *
 * Operand values are zero-extended to 32 bits in host registers: a (the
 * destination's old value) in EAX, b (the source) in ECX, the result,
 * masked to the operand size, in EDX; the carry-in of ADC, SBB and
 * INC/DEC (cc_carry) and SETcc's value in R12D, which the shared entry
 * saves (callee-saved: it survives the calls of cc_carry/cc_cond_slow).
 *
 * A memory operand goes as inline.c's loads and stores: cpu->cur stored
 * first, then a flat segment, linear memory (lfast) and one page give one
 * host access at lfast + address, anything else calls the handler.  A
 * read-modify-write reads and then writes the same host address, so a
 * page the guest may not write faults at the store (cpu->cur: the
 * guest's #PF) before the flags change, as the handler's flat_host path;
 * a store into a page holding code invalidates blocks there and goes on
 * at the redo stub (native.h native_redo_stub).  LOCK forms are calls. */
#include <stddef.h>
#include <string.h>
#include "core/ops.h"
#include "native/native_int.h"
#include "native/x64emit.h"

#define REG_OFF(n) ((int32_t)(offsetof(E386Cpu, r) + 4 * (size_t)(n)))
#define BYTE_REG_OFF(n) (REG_OFF((n) & 3) + ((n) >> 2)) /* AL..BH, little-endian host */
#define CC_OFF(f) ((int32_t)offsetof(E386Cpu, f))

enum { ALU_ADC = 2, ALU_SBB = 3, ALU_CMP = 7 };

/* ---- encodings this file needs beyond x64emit's ---- */

/* the forms below that only read their memory operand: MOV r, m, the
 * ALU forms r op= m (CMP too), MOVZX/MOVSX r, m, TEST m, r and CMP m, imm8 */
static int mop_reads_only(int two, unsigned opc, int reg)
{
    if (two)
        return opc == 0xb6 || opc == 0xb7 || opc == 0xbe || opc == 0xbf;
    return opc == 0x8b || (opc < 0x40 && (opc & 7) == 3) || opc == 0x85 || (opc == 0x83 && reg == 7);
}

/* opc (0F opc if two) with ModRM reg, [base + disp]: disp8 where it fits
 * (cpu->r[] and the lazy flags are at the start of E386Cpu), base not
 * RSP/R12 */
static void mop(Emit *e, int w, int two, unsigned opc, int reg, int base, int32_t disp)
{
    unsigned b = 0x40u | (w ? 8u : 0u) | (reg & 8 ? 4u : 0u) | (base & 8 ? 1u : 0u);
    if (b != 0x40)
        x_byte(e, b);
    if (two)
        x_byte(e, 0x0f);
    x_byte(e, opc);
    if (!mop_reads_only(two, opc, reg))
        x_rc_touch(e, base, disp, w ? 8 : 4); /* what it may write of cpu->r[] is not cached after it */
    int short_disp = disp >= -128 && disp <= 127;
    x_byte(e, (short_disp ? 0x40u : 0x80u) | (unsigned)(reg & 7) << 3 | (unsigned)(base & 7));
    if (short_disp)
        x_byte(e, (uint8_t)disp);
    else
        x_u32(e, (uint32_t)disp);
}

static void rr(Emit *e, unsigned opc, int reg, int rm) /* 32-bit opc reg, rm (ModRM 11) */
{
    if ((reg | rm) & 8)
        x_byte(e, 0x40u | (reg & 8 ? 4u : 0u) | (rm & 8 ? 1u : 0u));
    x_byte(e, opc);
    x_byte(e, 0xc0u | (unsigned)(reg & 7) << 3 | (unsigned)(rm & 7));
}

static void mask_edx(Emit *e, int size) /* movzx edx, dl / dx */
{
    if (size == 4)
        return;
    x_byte(e, 0x0f);
    rr(e, size == 1 ? 0xb6 : 0xb7, X_RDX, X_RDX);
}

static void shift_ri(Emit *e, int kind, int r, uint32_t n) /* C1 /kind r32, n */
{
    rr(e, 0xc1, kind, r);
    x_byte(e, n);
}

/* dst = the size-byte value at [base + disp] zero-extended (AL..BH at
 * BYTE_REG_OFF for registers) */
static void load_sz(Emit *e, int size, int dst, int base, int32_t disp)
{
    if (size == 4)
        x_load32(e, dst, base, disp);
    else
        mop(e, 0, 1, size == 2 ? 0xb7 : 0xb6, dst, base, disp); /* movzx */
}

static void store_sz(Emit *e, int size, int base, int32_t disp, int src) /* src: RAX..RDX */
{
    if (size == 4) {
        x_store32(e, base, disp, src);
        return;
    }
    if (size == 2)
        x_byte(e, 0x66);
    mop(e, 0, 0, size == 1 ? 0x88 : 0x89, src, base, disp);
}

static int32_t reg_off(int size, int n) { return size == 1 ? BYTE_REG_OFF(n) : REG_OFF(n); }

/* cc_dst = EDX, cc_src1 and cc_src2 from registers; a register < 0: 0.
 * A LOGIC kind's sources and ADD's, SUB's, INC's and DEC's first are
 * not stored (inline.c emit_cc says why). */
static void emit_cc_values(Emit *e, uint32_t kind, int src1, int src2)
{
    x_store32(e, X_RBX, CC_OFF(cc_dst), X_RDX);
    if (kind == CC_LOGIC)
        return;
    if (!cc_src1_derived(kind)) {
        if (src1 < 0)
            x_store32_imm(e, X_RBX, CC_OFF(cc_src1), 0);
        else
            x_store32(e, X_RBX, CC_OFF(cc_src1), src1);
    }
    if (src2 < 0)
        x_store32_imm(e, X_RBX, CC_OFF(cc_src2), 0);
    else
        x_store32(e, X_RBX, CC_OFF(cc_src2), src2);
}

/* cc_set(kind, size, EDX, src1, src2) */
static void emit_cc(Emit *e, uint32_t kind, int size, int src1, int src2)
{
    x_store32_imm(e, X_RBX, CC_OFF(cc_op), kind);
    x_store32_imm(e, X_RBX, CC_OFF(cc_size), (uint32_t)size);
    emit_cc_values(e, kind, src1, src2);
}

/* ... with the kind and size left pending (NativeState.cc_pend): the next
 * op that needs them stores them */
static void emit_cc_pend(Emit *e, NativeState *ns, uint32_t kind, int size, int src1, int src2)
{
    ns->cc_pend = CC_PEND_SET | kind | (uint32_t)size << 8;
    emit_cc_values(e, kind, src1, src2);
}

static void cmp_eax_imm8(Emit *e, unsigned imm) /* 83 /7 ib */
{
    x_byte(e, 0x83);
    x_byte(e, 0xf8);
    x_byte(e, imm);
}

/* R12D = cc_carry(cpu) through the call */
static void call_carry(Emit *e)
{
    x_mov_rr64(e, X_RDI, X_RBX);
    uintptr_t fn;
    int (*carry)(E386Cpu *) = cc_carry;
    memcpy(&fn, &carry, sizeof fn);
    x_call(e, fn); /* reads the lazy flags only: cpu->icount may stay stale (LEFT_REG) */
    rr(e, 0x89, X_RAX, X_R12); /* mov r12d, eax */
}

/* R12B = INC/DEC's saved CF: cc_src2 != 0 (R12D cleared before) */
static void carry_of_incdec(Emit *e)
{
    mop(e, 0, 0, 0x83, 7, X_RBX, CC_OFF(cc_src2)); /* cmp dword [cc_src2], 0 */
    x_byte(e, 0);
    x_byte(e, 0x41); /* setne r12b */
    x_byte(e, 0x0f);
    x_byte(e, 0x95);
    x_byte(e, 0xc4);
}

/* R12B = the 32-bit CF of ADD (dst < src1, that is dst < src2) or SUB
 * (src1 < src2: the carry out of dst + src2, which is src1) (R12D
 * cleared before) */
static void carry_of_add_sub(Emit *e, int add)
{
    x_load32(e, X_RCX, X_RBX, CC_OFF(cc_dst));
    mop(e, 0, 0, add ? 0x3b : 0x03, X_RCX, X_RBX, CC_OFF(cc_src2)); /* cmp / add ecx, [cc_src2] */
    x_byte(e, 0x41); /* setb (setc) r12b */
    x_byte(e, 0x0f);
    x_byte(e, 0x92);
    x_byte(e, 0xc4);
}

/* R12D = cc_carry(cpu): LOGIC (0), INC/DEC (the saved CF) and the 32-bit
 * ADD and SUB inline, any other kind through the call; compact: always
 * the call (a form that would not fit its room otherwise) */
static void emit_carry(Emit *e, int compact)
{
    _Static_assert(CC_DEC == CC_INC + 1, "INC and DEC side by side");
    if (compact) {
        call_carry(e);
        return;
    }
    rr(e, 0x31, X_R12, X_R12); /* xor r12d, r12d */
    x_load32(e, X_RAX, X_RBX, CC_OFF(cc_op));
    cmp_eax_imm8(e, CC_LOGIC);
    size_t zero = x_jcc(e, X_E);
    cmp_eax_imm8(e, CC_SUB);
    size_t sub = x_jcc(e, X_E);
    cmp_eax_imm8(e, CC_ADD);
    size_t add = x_jcc(e, X_E);
    x_byte(e, 0x83); /* sub eax, CC_INC */
    x_byte(e, 0xe8);
    x_byte(e, CC_INC);
    cmp_eax_imm8(e, 1);
    size_t slow = x_jcc(e, X_A);
    carry_of_incdec(e);
    size_t done[3], wide[2];
    done[0] = x_jmp(e);
    for (int k = 0; k < 2; k++) { /* SUB: src1 < src2; ADD: dst < src1 (32-bit) */
        x_patch(e, k ? add : sub, e->p);
        mop(e, 0, 0, 0x83, 7, X_RBX, CC_OFF(cc_size)); /* cmp dword [cc_size], 4 */
        x_byte(e, 4);
        wide[k] = x_jcc(e, X_NE);
        carry_of_add_sub(e, k);
        done[1 + k] = x_jmp(e);
    }
    x_patch(e, slow, e->p);
    x_patch(e, wide[0], e->p);
    x_patch(e, wide[1], e->p);
    call_carry(e);
    x_patch(e, zero, e->p);
    for (int k = 0; k < 3; k++)
        x_patch(e, done[k], e->p);
}

/* R12D = cc_carry(cpu) when the translator knows the kind: pending (not
 * stored: NativeState.cc_pend), 32 bits, and LOGIC (0), INC/DEC (the
 * saved CF), ADD (dst < src1) or SUB (src1 < src2), emit_carry's inline
 * cases without its run-time tests of cc_op and cc_size; 0: not one of
 * them (emit_carry).  The kind stays pending: the op's own lazy flags
 * replace it, and its cold code and a host fault store it first. */
static int emit_known_carry(Emit *e, uint32_t pend)
{
    uint32_t kind = pend & 0xff;
    if (!(pend & CC_PEND_SET) || (pend >> 8 & 0xff) != 4 ||
        (kind != CC_LOGIC && kind != CC_INC && kind != CC_DEC && kind != CC_ADD && kind != CC_SUB))
        return 0;
    rr(e, 0x31, X_R12, X_R12); /* xor r12d, r12d */
    if (kind == CC_LOGIC)
        return 1;
    if (kind == CC_INC || kind == CC_DEC)
        carry_of_incdec(e);
    else
        carry_of_add_sub(e, kind == CC_ADD);
    return 1;
}

/* the operand at loc into dst (memory: the host address in RSI) */
static void load_loc(Emit *e, const E386Op *op, int loc, int size, int dst)
{
    switch (loc) {
    case ALI_RM:
        if (op->mod == 3)
            load_sz(e, size, dst, X_RBX, reg_off(size, op->rm));
        else
            load_sz(e, size, dst, X_RSI, 0);
        break;
    case ALI_REG: load_sz(e, size, dst, X_RBX, reg_off(size, op->reg)); break;
    case ALI_SUB: load_sz(e, size, dst, X_RBX, reg_off(size, op->sub)); break;
    case ALI_ACC: load_sz(e, size, dst, X_RBX, reg_off(size, 0)); break;
    default: x_mov_ri32(e, dst, op->imm & size_mask(size)); break;
    }
}

static void store_loc(Emit *e, const E386Op *op, int loc, int size)
{
    int n = loc == ALI_RM ? op->rm : loc == ALI_REG ? op->reg : loc == ALI_SUB ? op->sub : 0;
    if (loc == ALI_RM && op->mod != 3)
        store_sz(e, size, X_RSI, 0, X_RDX);
    else
        store_sz(e, size, X_RBX, reg_off(size, n), X_RDX);
}

static const uint8_t cc_of[8] = { CC_ADD, CC_LOGIC, CC_ADC, CC_SBB, CC_LOGIC, CC_SUB, CC_LOGIC, CC_SUB };

/* the slow path's jumps: to the handler's call */
typedef struct Slow { size_t at[5]; int n; } Slow;

/* RSI = the host address of the memory operand (op_ea), which the op
 * reads or reads and writes (how); a segment that is not flat, or no
 * linear memory and no entry of the soft TLB, jumps to the slow path
 * (native_emit_lin, native_emit_tlb).  No cpu->cur: a host fault finds
 * its op by native_op_at. */
static void mem_begin(Emit *e, const NativeState *ns, const E386Op *op, int how, Slow *sl)
{
    sl->n = 0;
    native_emit_mem_addr(e, ns, op, op->size, how, LIN_REG, sl->at, &sl->n);
    x_lea64_bi(e, X_RSI, LIN_REG, X_RAX);
}

/* a memory operand inline_alu.c can reach: 32-bit addressing, a segment
 * register, no LOCK */
static int mem_ok(const E386Op *op) { return op->adsize == 4 && op->seg < 6 && !op->lock; }

static int emit_alu(Emit *e, NativeState *ns, const Tb *tb, int i, const AluInline *ai, int compact)
{
    const E386Op *op = &tb->ops[i];
    int size = ai->size, mem = (ai->dst == ALI_RM || ai->src == ALI_RM) && op->mod != 3;
    if (op->lock || (size != 1 && size != 2 && size != 4))
        return 0;
    if (mem && !mem_ok(op))
        return 0;
    if ((ai->dst == ALI_RM || ai->src == ALI_RM) && op->mod == 3 && op->rm > 7)
        return 0;
    int writes = ai->kind == ALI_ALU ? ai->opn != ALU_CMP : ai->kind != ALI_TEST;
    /* the liveness pass's INC/DEC r32 forms: no flags (FX_DEAD), no carry-in (FX_INCDEC_NC) */
    int dead = FX_CLASS(op->fx) == FX_DEAD, no_carry = dead || FX_CLASS(op->fx) == FX_INCDEC_NC;
    if (((ai->kind == ALI_INCDEC && !no_carry) || (ai->kind == ALI_ALU && (ai->opn == ALU_ADC || ai->opn == ALU_SBB))) &&
        (compact || !emit_known_carry(e, ns->cc_pend))) {
        native_cc_flush(e, ns); /* the carry-in reads them */
        emit_carry(e, compact);
    }
    Slow sl;
    if (mem)
        mem_begin(e, ns, op, ai->dst == ALI_RM && writes ? FH_RMW : FH_READ, &sl);
    if (ai->kind == ALI_ALU || ai->kind == ALI_TEST) /* b first, as the handlers */
        load_loc(e, op, ai->src, size, X_RCX);
    /* a: into EDX straight where EAX is not needed after (a LOGIC kind's
     * sources and ADD's, SUB's, INC's and DEC's first are not stored, NOT
     * stores none) */
    int in_place = ai->kind == ALI_TEST || ai->kind == ALI_NOT || ai->kind == ALI_INCDEC ||
                   (ai->kind == ALI_ALU && ai->opn != ALU_ADC && ai->opn != ALU_SBB);
    load_loc(e, op, ai->dst, size, in_place ? X_RDX : X_RAX); /* a */
    if (ai->kind == ALI_NEG) {
        rr(e, 0x31, X_RDX, X_RDX);
        x_alu_rr32(e, 5, X_RDX, X_RAX);
    } else if (!in_place) {
        x_mov_rr64(e, X_RDX, X_RAX);
    }
    switch (ai->kind) {
    case ALI_ALU:
        x_alu_rr32(e, ai->opn == ALU_CMP ? 5 : ai->opn == ALU_ADC ? 0 : ai->opn == ALU_SBB ? 5 : ai->opn, X_RDX, X_RCX);
        if (ai->opn == ALU_ADC || ai->opn == ALU_SBB)
            x_alu_rr32(e, ai->opn == ALU_ADC ? 0 : 5, X_RDX, X_R12);
        break;
    case ALI_TEST: x_alu_rr32(e, 4, X_RDX, X_RCX); break;
    case ALI_INCDEC: x_alu_ri32(e, ai->opn ? 5 : 0, X_RDX, 1); break;
    case ALI_NOT: rr(e, 0xf7, 2, X_RDX); break;
    default: break;
    }
    mask_edx(e, size);
    if (writes)
        store_loc(e, op, ai->dst, size);
    switch (dead ? -1 : ai->kind) {
    case ALI_ALU: emit_cc_pend(e, ns, cc_of[ai->opn], size, X_RAX, X_RCX); break; /* RAX: ADC's and SBB's a */
    case ALI_TEST: emit_cc_pend(e, ns, CC_LOGIC, size, -1, -1); break;
    case ALI_INCDEC: emit_cc_pend(e, ns, ai->opn ? CC_DEC : CC_INC, size, -1, no_carry ? -1 : X_R12); break;
    case ALI_NEG: emit_cc_pend(e, ns, CC_NEG, size, X_RAX, -1); break;
    default: break; /* NOT changes no flag */
    }
    if (mem)
        native_end_inline(e, ns, i, sl.at, sl.n);
    return 1;
}

/* SHL/SHR/SAR r32, n: cc_set(kind, 4, r, a, n), none where the liveness
 * pass dropped it (FX_DEAD); the flagless ROL/ROR;
 * a zero count changes nothing (no code) */
/* the lazy kind of SHL/SHR/SAL/SAR by their ModRM reg (shift.c's shift_cc) */
static const uint8_t shift_cc_kind[8] = { 0, 0, 0, 0, CC_SHL, CC_SHR, CC_SHL, CC_SAR };

/* cc_set(shift kind, size, EDX, EAX, n): a shift's flags by a constant */
static void emit_shift_cc(Emit *e, NativeState *ns, int kind, int size, uint32_t n)
{
    ns->cc_pend = CC_PEND_SET | shift_cc_kind[kind] | (uint32_t)size << 8; /* left pending: emit_cc_pend */
    x_store32(e, X_RBX, CC_OFF(cc_dst), X_RDX);
    x_store32(e, X_RBX, CC_OFF(cc_src1), X_RAX);
    x_store32_imm(e, X_RBX, CC_OFF(cc_src2), n);
}

static void emit_shift(Emit *e, NativeState *ns, const E386Op *op, int kind, uint32_t n)
{
    if (n == 0)
        return;
    if (kind < 4 || FX_CLASS(op->fx) == FX_DEAD) { /* no flags: the register shifted in place */
        x_shift_mi32(e, kind, X_RBX, REG_OFF(op->rm), (int)n);
        return;
    }
    x_load32(e, X_RAX, X_RBX, REG_OFF(op->rm));
    x_mov_rr64(e, X_RDX, X_RAX);
    shift_ri(e, kind, X_RDX, n);
    x_store32(e, X_RBX, REG_OFF(op->rm), X_RDX);
    emit_shift_cc(e, ns, kind, 4, n);
}

static void movsx_edx(Emit *e, int size) /* movsx edx, dl / dx */
{
    x_byte(e, 0x0f);
    rr(e, size == 1 ? 0xbe : 0xbf, X_RDX, X_RDX);
}

/* kind (C1 /kind: ROL 0, ROR 1, SHL 4, SHR 5, SAR 7) of the size-byte
 * low part of EDX by n: DL, DX or EDX */
static void shift_edx(Emit *e, int size, int kind, uint32_t n)
{
    if (size == 2)
        x_byte(e, 0x66);
    rr(e, size == 1 ? 0xc0 : 0xc1, kind, X_RDX);
    x_byte(e, n);
}

/* ROL/ROR of a register with live flags by n (1..31): rol_ri32 and
 * ror_ri32, and op_shift_EI/E1's byte and word forms (shift_calc): the
 * rotate (the host's rotates by n mod the width as the guest's) and
 * cc_write's patch of CF and OF over the kind (core/cpu.h CC_PATCHED),
 * CF the result's bit 0 (ROL) or top bit (ROR), OF the operand's top bit
 * ^ the one below it (ROL) or ^ its bit 0 (ROR), whatever n; the handler
 * when the flags are EFLAGS or MUL's, which cc_write builds whole. */
static void emit_rotate(Emit *e, NativeState *ns, const Tb *tb, int i, int size, int kind, uint32_t n)
{
    const E386Op *op = &tb->ops[i];
    int w = size * 8, nslow = 0;
    size_t slow[2];
    uint32_t pend = ns->cc_pend; /* a kind the code knows, never EFLAGS or MUL (emit_cc_pend's) */
    if (!pend) {
        x_load32(e, X_RAX, X_RBX, CC_OFF(cc_op));
        cmp_eax_imm8(e, CC_EFLAGS);
        slow[nslow++] = x_jcc(e, X_E);
        cmp_eax_imm8(e, CC_MUL);
        slow[nslow++] = x_jcc(e, X_E);
    }
    load_sz(e, size, X_RCX, X_RBX, reg_off(size, op->rm)); /* a */
    x_mov_rr64(e, X_RDX, X_RCX);
    shift_edx(e, size, kind, n); /* r, the bits above the width still 0 */
    store_sz(e, size, X_RBX, reg_off(size, op->rm), X_RDX);
    x_mov_rr64(e, X_RSI, X_RCX);
    x_mov_rr64(e, X_RAX, X_RDX);
    int of_at; /* where ESI has the operand's top bit ^ the other one */
    if (kind == 0) { /* ROL */
        shift_ri(e, 5, X_RSI, 1);
        of_at = w - 2;
        x_alu_ri32(e, 4, X_RAX, F_CF);
    } else { /* ROR */
        shift_ri(e, 5, X_RSI, (uint32_t)w - 1);
        of_at = 0;
        shift_ri(e, 5, X_RAX, (uint32_t)w - 1);
    }
    rr(e, 0x31, X_RCX, X_RSI); /* xor esi, ecx */
    if (of_at > 11)
        shift_ri(e, 5, X_RSI, (uint32_t)(of_at - 11));
    else if (of_at < 11)
        shift_ri(e, 4, X_RSI, (uint32_t)(11 - of_at));
    x_alu_ri32(e, 4, X_RSI, F_OF);
    rr(e, 0x09, X_RSI, X_RAX); /* or eax, esi */
    x_store32(e, X_RBX, CC_OFF(cc_pval), X_RAX);
    x_store32_imm(e, X_RBX, CC_OFF(cc_pmask), F_CF | F_OF);
    if (pend)
        ns->cc_pend = pend | CC_PATCHED; /* still pending, patched */
    else
        x_alu_mi32(e, 1, X_RBX, CC_OFF(cc_op), CC_PATCHED); /* or: the kind stays */
    native_end_inline(e, ns, i, slow, nslow);
}

/* op_shift_EI/E1 of a byte or word register, or shift_specialize's
 * handler for it (shift_rm: the count & 31, 0
 * changes nothing): SHL/SHR/SAR as cc_set(kind, size, r, a, n) with a
 * zero-extended, ROL/ROR as emit_rotate; 0 for any other (RCL/RCR,
 * memory, dwords: shift_inline_kind's) */
static int emit_shift_narrow(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    int size = op->size, kind = op->sub == 6 ? 4 : op->sub; /* SAL is SHL */
    if (!shift_narrow_reg(op) || op->mod != 3 || op->lock || (size != 1 && size != 2) ||
        kind == 2 || kind == 3 || kind > 7)
        return 0;
    uint32_t n = (op->fn == op_shift_E1 ? 1 : op->imm) & 31;
    if (n == 0)
        return 1;
    if (kind < 2) {
        emit_rotate(e, ns, tb, i, size, kind, n);
        return 1;
    }
    load_sz(e, size, X_RAX, X_RBX, reg_off(size, op->rm)); /* a */
    x_mov_rr64(e, X_RDX, X_RAX);
    if (kind == 7)
        movsx_edx(e, size);
    shift_ri(e, kind, X_RDX, n);
    if (kind != 5)
        mask_edx(e, size);
    store_sz(e, size, X_RBX, reg_off(size, op->rm), X_RDX);
    emit_shift_cc(e, ns, kind, size, n);
    return 1;
}

/* SHL/SHR/SAR r32, CL: the count (CL & 31) at run time, zero: nothing */
static void emit_shift_cl(Emit *e, const E386Op *op, int kind)
{
    x_load32(e, X_RCX, X_RBX, REG_OFF(1));
    x_alu_ri32(e, 4, X_RCX, 0x1f);
    size_t zero = x_jcc(e, X_E);
    x_load32(e, X_RAX, X_RBX, REG_OFF(op->rm));
    x_mov_rr64(e, X_RDX, X_RAX);
    rr(e, 0xd3, kind, X_RDX); /* D3 /kind: by CL */
    x_store32(e, X_RBX, REG_OFF(op->rm), X_RDX);
    emit_cc(e, shift_cc_kind[kind], 4, X_RAX, X_RCX);
    x_patch(e, zero, e->p);
}

/* misc.c's MOV r/m forms the specialised ones leave (words, bytes of
 * registers, other addresses), MOV r, imm, MOVSX and MOVZX (the forms
 * mov_spec.c leaves: no base, word destinations), CBW/CWDE, CWD/CDQ and
 * XCHG of registers: their handlers' reg_set and rm_write, the value in
 * EDX; 0: not one of them */
static int emit_move(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    OpFn f = op->fn;
    int size = op->size;
    if (op->lock || (size != 1 && size != 2 && size != 4))
        return 0;
    if (f == op_mov_RI) {
        x_mov_ri32(e, X_RDX, op->imm & size_mask(size));
        store_sz(e, size, X_RBX, reg_off(size, op->sub), X_RDX);
        return 1;
    }
    if (f == op_cbw || f == op_cwd) {
        if (size == 1)
            return 0;
        if (f == op_cbw) { /* AX = sext(AL), EAX = sext(AX) */
            load_sz(e, size / 2, X_RDX, X_RBX, reg_off(size / 2, 0));
            movsx_edx(e, size / 2);
        } else { /* DX / EDX = the sign of AX / EAX, repeated */
            load_sz(e, size, X_RDX, X_RBX, REG_OFF(0));
            if (size == 2)
                movsx_edx(e, 2);
            shift_ri(e, 7, X_RDX, 31);
        }
        store_sz(e, size, X_RBX, REG_OFF(f == op_cbw ? 0 : 2), X_RDX);
        return 1;
    }
    if (f == op_xchg_AR || (f == op_xchg_EG && op->mod == 3)) {
        int a = f == op_xchg_AR ? 0 : op->reg, b = f == op_xchg_AR ? op->sub : op->rm;
        if (f == op_xchg_AR && op->sub == 0)
            return 1; /* NOP */
        load_sz(e, size, X_RAX, X_RBX, reg_off(size, a));
        load_sz(e, size, X_RDX, X_RBX, reg_off(size, b));
        store_sz(e, size, X_RBX, reg_off(size, a), X_RDX);
        store_sz(e, size, X_RBX, reg_off(size, b), X_RAX);
        return 1;
    }
    int load = f == op_mov_GE || f == op_movsx || f == op_movzx, store = f == op_mov_EG || f == op_mov_EI;
    if (!load && !store)
        return 0;
    int mem = op->mod != 3;
    if (mem && !mem_ok(op))
        return 0;
    if (f == op_movsx && size == 4)
        return 0;
    Slow sl;
    if (mem)
        mem_begin(e, ns, op, load ? FH_READ : FH_WRITE, &sl);
    if (load) {
        load_loc(e, op, ALI_RM, size, X_RDX);
        int to = f == op_mov_GE ? size : op->opsize; /* MOVZX/MOVSX: the row's size is the source's */
        if (f == op_movsx)
            movsx_edx(e, size);
        store_sz(e, to, X_RBX, reg_off(to, op->reg), X_RDX);
    } else {
        if (f == op_mov_EI)
            x_mov_ri32(e, X_RDX, op->imm & size_mask(size));
        else
            load_sz(e, size, X_RDX, X_RBX, reg_off(size, op->reg));
        store_loc(e, op, ALI_RM, size);
    }
    if (mem)
        native_end_inline(e, ns, i, sl.at, sl.n);
    return 1;
}

/* SETcc r/m8: cc_cond's value into R12B.  After a 32-bit SUB (CMP) or
 * LOGIC the host's flags of the same operation give every condition (the
 * host's condition codes are the guest's); after anything else the call
 * of cc_cond_slow, which handles every kind */
static int emit_setcc(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    int mem = op->mod != 3, cc = op->sub & 15;
    if (op->lock || (mem && !mem_ok(op)))
        return 0;
    size_t slow[2], have[2];
    rr(e, 0x31, X_R12, X_R12); /* xor r12d, r12d */
    mop(e, 0, 0, 0x83, 7, X_RBX, CC_OFF(cc_size)); /* cmp dword [cc_size], 4 */
    x_byte(e, 4);
    slow[0] = x_jcc(e, X_NE);
    x_load32(e, X_RAX, X_RBX, CC_OFF(cc_op));
    cmp_eax_imm8(e, CC_LOGIC);
    size_t logic = x_jcc(e, X_E);
    cmp_eax_imm8(e, CC_SUB);
    slow[1] = x_jcc(e, X_NE);
    x_load32(e, X_RCX, X_RBX, CC_OFF(cc_dst));
    mop(e, 0, 0, 0x03, X_RCX, X_RBX, CC_OFF(cc_src2)); /* add ecx, [cc_src2]: src1 (cc_first) */
    mop(e, 0, 0, 0x3b, X_RCX, X_RBX, CC_OFF(cc_src2)); /* cmp ecx, [cc_src2] */
    for (int k = 0; k < 2; k++) {
        if (k) {
            x_patch(e, logic, e->p);
            x_load32(e, X_RCX, X_RBX, CC_OFF(cc_dst));
            rr(e, 0x85, X_RCX, X_RCX); /* test ecx, ecx: CF = OF = 0 */
        }
        x_byte(e, 0x41); /* setcc r12b */
        x_byte(e, 0x0f);
        x_byte(e, 0x90u + (unsigned)cc);
        x_byte(e, 0xc4);
        have[k] = x_jmp(e);
    }
    x_patch(e, slow[0], e->p);
    x_patch(e, slow[1], e->p);
    x_mov_rr64(e, X_RDI, X_RBX);
    x_mov_ri32(e, X_RSI, (uint32_t)cc);
    uintptr_t fn;
    int (*cond)(E386Cpu *, int) = cc_cond_slow;
    memcpy(&fn, &cond, sizeof fn);
    x_call(e, fn); /* as call_carry's */
    rr(e, 0x89, X_RAX, X_R12); /* mov r12d, eax */
    x_patch(e, have[0], e->p);
    x_patch(e, have[1], e->p);
    if (!mem) {
        store_sz(e, 1, X_RBX, BYTE_REG_OFF(op->rm), X_R12);
        return 1;
    }
    Slow sl;
    mem_begin(e, ns, op, FH_WRITE, &sl);
    store_sz(e, 1, X_RSI, 0, X_R12);
    native_end_inline(e, ns, i, sl.at, sl.n);
    return 1;
}

int native_inline_alu(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    uint32_t n;
    int kind = shift_inline_kind(op, &n);
    if (kind >= 0) {
        emit_shift(e, ns, op, kind, n);
        return 1;
    }
    if ((kind = rotate_inline_kind(op, &n)) >= 0) {
        if (n)
            emit_rotate(e, ns, tb, i, 4, kind, n);
        return 1;
    }
    if (emit_shift_narrow(e, ns, tb, i))
        return 1;
    if (op->fn == op_shift_ECL && op->mod == 3 && op->size == 4 && !op->lock && op->sub >= 4 && op->sub <= 7) {
        emit_shift_cl(e, op, op->sub == 6 ? 4 : op->sub); /* SAL is SHL */
        return 1;
    }
    AluInline ai;
    int is_alu = alu_inline_info(op, &ai);
    /* a form longer than OP_MAX_BYTES (a memory operand with a carry-in,
     * about 300) is inline if the ops after it keep their room (the last
     * one's includes BRANCH_BYTES), else with the carry-in computed by a
     * call (shorter), else it is the handler's call */
    uint8_t *at = e->p;
    int overflow = e->overflow;
    unsigned rc_valid = e->rc_valid;
    uint32_t pend = ns->cc_pend;
    for (int compact = 0; compact < 2; compact++) { /* compact: the carry-in through the call */
        int done = is_alu ? emit_alu(e, ns, tb, i, &ai, compact) : op->fn == op_setcc ? emit_setcc(e, ns, tb, i)
                 : emit_move(e, ns, tb, i);
        if (done && !e->overflow &&
            (size_t)(e->end - e->p) >= (size_t)(tb->nops - i - 1) * OP_MAX_BYTES + BRANCH_BYTES)
            return 1;
        e->p = at;
        e->overflow = overflow;
        e->rc_valid = rc_valid;
        ns->cc_pend = pend;
        if (!done || !is_alu)
            break;
    }
    return 0;
}
