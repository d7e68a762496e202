/* Inline fast paths of the native back end: ops whose host code does
 * exactly what their handler does, without the call.
 *
 * Handlers that cannot fault, touch nothing but the general registers
 * and the lazy flags, and always go on to the next op: the 32-bit
 * register MOV, LEA with a base (and index), and the register and
 * immediate ALU forms (alu.c's alu32:
 * the same cc_set values, so that every later flag read is the
 * interpreter's; none for an op whose update the liveness pass dropped,
 * FX_DEAD, as its handler).  They store no cpu->cur (nothing can fault or look at
 * it before the next called op stores its own) and check no exit request
 * (none can arise in them; one from another thread is seen after the next
 * called op).
 *
 * The 32-bit MOV load and store at [base (+ index << scale) + disp]
 * (mov_spec.c): through linear guest memory (cpu->mem.lfast) when the
 * segment is flat, as lin_read and lin_write do; any other case calls
 * the handler.  They store no cpu->cur either: a host fault in the
 * access becomes the guest's (linmem.c) with the op native_op_at finds
 * from the faulting host instruction's address; a store into a page
 * holding code invalidates blocks there (maybe this one), and the code
 * goes on at the redo stub, which runs the op by its handler and leaves
 * (native.h native_redo_stub): no exit check after a store. */
#include <stddef.h>
#include "core/ops.h"
#include "native/native_int.h"
#include "native/x64emit.h"

#define REG_OFF(n) ((int32_t)(offsetof(E386Cpu, r) + 4 * (size_t)(n)))
#define CC_OFF(f) ((int32_t)offsetof(E386Cpu, f))

/* cc_set(kind, 4, dst, a, src2) for ADD, SUB and LOGIC, the kind and
 * size left pending (NativeState.cc_pend): the next op that needs them
 * stores them.  No kind here stores its first source: every reader
 * derives ADD's and SUB's (cpu.h cc_first), and a LOGIC kind's flags are
 * the result's (core/flags.c, cc_cond, the native Jcc and SETcc read no
 * source of it), so it stores cc_dst alone: the handlers' values in the
 * others are dead.  src2 < 0: the immediate imm. */
static void emit_cc(Emit *e, NativeState *ns, uint32_t kind, int dst, int src2, uint32_t imm)
{
    ns->cc_pend = CC_PEND_SET | kind | 4u << 8;
    x_store32(e, X_RBX, CC_OFF(cc_dst), dst);
    if (kind == CC_LOGIC)
        return;
    if (src2 < 0)
        x_store32_imm(e, X_RBX, CC_OFF(cc_src2), imm);
    else
        x_store32(e, X_RBX, CC_OFF(cc_src2), src2);
}

#define SS_FLAGS_OFF ((int32_t)(offsetof(E386Cpu, seg) + sizeof(Seg) * SEG_SS + offsetof(Seg, flags)))
#define SEG_FIELD_OFF(s, f) ((int32_t)(offsetof(E386Cpu, seg) + sizeof(Seg) * (size_t)(s) + offsetof(Seg, f)))

/* the code reaches guest memory inline: linear memory, or the soft TLB */
static int inline_memory(const NativeState *ns) { return ns->lin || ns->soft; }

/* native_emit_lin with the test of Seg field byte off (flat or wide) */
static void emit_lin(Emit *e, const NativeState *ns, int seg, int32_t off, int reg, size_t *slow, int *n)
{
    if (!inline_memory(ns)) {
        slow[(*n)++] = x_jmp(e);
        return;
    }
    if (!(ns->flat_segs >> seg & 1)) { /* assumed flat: no test */
        x_cmp_m8_imm8(e, X_RBX, off, 0);
        slow[(*n)++] = x_jcc(e, X_E);
    }
    if (ns->lin && reg != LIN_REG) /* the soft TLB's probe sets reg (native_emit_tlb) */
        x_mov_rr64(e, reg, LIN_REG);
}

#define TLB_OFF(cpl3, f) ((int32_t)(offsetof(E386Cpu, tlb) + sizeof(TlbEntry) * TLB_SIZE * (size_t)(cpl3) + \
                                    offsetof(TlbEntry, f)))

void native_emit_tlb(Emit *e, const NativeState *ns, int size, int how, int reg, size_t *slow, int *n)
{
    if (!ns->soft)
        return;
    _Static_assert(sizeof(TlbEntry) == 16 && TLB_SIZE == 1024, "the entry's offset: (lin >> 8) & 0x3ff0");
    int cpl3 = (ns->self->key & TB_CPL3) != 0; /* the block runs at the CPL of its key */
    x_mov_rr64(e, X_R10, X_RAX); /* RAX zero-extended: a 32-bit result */
    x_shr_ri64(e, X_R10, 8);
    x_alu_ri32(e, 4, X_R10, (TLB_SIZE - 1) << 4);
    x_add_rr64(e, X_R10, X_RBX); /* the entry, less the TLB's offset in cpu */
    x_mov_rr64(e, X_R11, X_RAX);
    if (size > 1) /* the last byte's page: another page's fails every tag here */
        x_alu_ri32(e, 0, X_R11, (uint32_t)size - 1);
    x_alu_ri32(e, 4, X_R11, ~0xfffu);
    if (how & FH_READ) {
        x_cmp_rm32(e, X_R11, X_R10, TLB_OFF(cpl3, rtag));
        slow[(*n)++] = x_jcc(e, X_NE);
    }
    if (how & FH_WRITE) {
        x_cmp_rm32(e, X_R11, X_R10, TLB_OFF(cpl3, wtag));
        slow[(*n)++] = x_jcc(e, X_NE);
    }
    x_load64(e, reg, X_R10, TLB_OFF(cpl3, host));
    x_sub_rr64(e, reg, X_R11); /* [reg + RAX]: host + the page offset */
}

void native_emit_lin(Emit *e, const NativeState *ns, int seg, int reg, size_t *slow, int *n)
{
    emit_lin(e, ns, seg, SEG_FIELD_OFF(seg, wide), reg, slow, n); /* its base: native_emit_seg_base */
}

/* the stack's accesses add no base: SS flat */
void native_emit_stack_lin(Emit *e, const NativeState *ns, int reg, size_t *slow, int *n)
{
    if (inline_memory(ns) && !(ns->flat_segs >> SEG_SS & 1)) { /* not assumed: ss32's test */
        x_test_m32_imm(e, X_RBX, SS_FLAGS_OFF, 1u << 22); /* DESC_DB */
        slow[(*n)++] = x_jcc(e, X_E);
    }
    emit_lin(e, ns, SEG_SS, SEG_FIELD_OFF(SEG_SS, flat), reg, slow, n);
}

void native_emit_seg_base(Emit *e, const NativeState *ns, int seg, int size, size_t *slow, int *n)
{
    if (!inline_memory(ns) || (ns->flat_segs >> seg & 1))
        return;
    x_alu_ri32(e, 7, X_RAX, (uint32_t)-size); /* the offset's last byte within 4 GiB */
    slow[(*n)++] = x_jcc(e, X_A);
    x_alu_rm32(e, 0, X_RAX, X_RBX, SEG_FIELD_OFF(seg, base)); /* mod 2^32 */
}

void native_emit_mem_addr(Emit *e, const NativeState *ns, const E386Op *op, int size, int how, int reg, size_t *slow,
                          int *n)
{
    native_emit_lin(e, ns, op->seg, reg, slow, n);
    native_emit_ea(e, op, op->index != EA_NONE);
    native_emit_seg_base(e, ns, op->seg, size, slow, n);
    native_emit_tlb(e, ns, size, how, reg, slow, n);
}

void native_emit_ea(Emit *e, const E386Op *op, int indexed)
{
    int base = op->base != EA_NONE;
    if (base)
        x_load32(e, X_RAX, X_RBX, REG_OFF(op->base));
    if (indexed) { /* one LEA: its 32-bit result is the sum mod 2^32 */
        x_load32(e, X_RCX, X_RBX, REG_OFF(op->index));
        x_lea32(e, X_RAX, base ? X_RAX : -1, X_RCX, op->scale, (int32_t)op->disp);
    } else if (!base) {
        x_mov_ri32(e, X_RAX, op->disp);
    } else if (op->disp) {
        x_alu_ri32(e, 0, X_RAX, op->disp);
    }
}

/* What a specialised load or store (mov_inline_kind >= MOV_LD32_B) does;
 * moffs: MOV AL/EAX to or from [imm] (op_mov_AO, op_mov_OA), whose
 * register is AL/EAX and whose address is the immediate */
typedef struct MemForm { uint8_t bi, size, store, byte_reg, imm, moffs; } MemForm;

static MemForm mem_form(int kind)
{
    static const MemForm f[] = {
        [MOV_LD32_B] = { 0, 4, 0, 0, 0, 0 }, [MOV_LD32_BI] = { 1, 4, 0, 0, 0, 0 },
        [MOV_ST32_B] = { 0, 4, 1, 0, 0, 0 }, [MOV_ST32_BI] = { 1, 4, 1, 0, 0, 0 },
        [MOV_LD8_B] = { 0, 1, 0, 1, 0, 0 }, [MOV_LD8_BI] = { 1, 1, 0, 1, 0, 0 },
        [MOVZX8_B] = { 0, 1, 0, 0, 0, 0 }, [MOVZX8_BI] = { 1, 1, 0, 0, 0, 0 },
        [MOVZX16_B] = { 0, 2, 0, 0, 0, 0 }, [MOVZX16_BI] = { 1, 2, 0, 0, 0, 0 },
        [MOV_ST8_B] = { 0, 1, 1, 1, 0, 0 }, [MOV_ST8_BI] = { 1, 1, 1, 1, 0, 0 },
        [MOV_STI32_B] = { 0, 4, 1, 0, 1, 0 }, [MOV_STI32_BI] = { 1, 4, 1, 0, 1, 0 },
        [MOV_STI8_B] = { 0, 1, 1, 0, 1, 0 }, [MOV_STI8_BI] = { 1, 1, 1, 0, 1, 0 },
    };
    return f[kind];
}

/* AL..BH (reg_get/reg_set's numbering): its byte in cpu->r[] on this
 * little-endian host */
#define BYTE_REG_OFF(n) (REG_OFF((n) & 3) + ((n) >> 2))

static void emit_mem(Emit *e, NativeState *ns, const Tb *tb, int i, MemForm f)
{
    const E386Op *op = &tb->ops[i];
    int reg = f.moffs ? 0 : op->reg;
    size_t slow[4];
    int nslow = 0;
    native_emit_lin(e, ns, op->seg, LIN_REG, slow, &nslow);
    if (f.moffs)
        x_mov_ri32(e, X_RAX, op->imm);
    else
        native_emit_ea(e, op, f.bi);
    native_emit_seg_base(e, ns, op->seg, f.size, slow, &nslow);
    native_emit_tlb(e, ns, f.size, f.store ? FH_WRITE : FH_READ, LIN_REG, slow, &nslow);
    if (!f.store) {
        x_load_idx(e, f.size, X_RAX, LIN_REG, X_RAX);
        if (f.byte_reg)
            x_store8(e, X_RBX, BYTE_REG_OFF(reg), X_RAX);
        else
            x_store32(e, X_RBX, REG_OFF(reg), X_RAX); /* zero-extended */
    } else if (f.imm) {
        x_store_idx_imm(e, f.size, LIN_REG, X_RAX, op->imm);
    } else {
        if (f.byte_reg) {
            x_load32(e, X_RCX, X_RBX, REG_OFF(reg & 3));
            if (reg >> 2)
                x_shr_ri64(e, X_RCX, 8);
        } else {
            x_load32(e, X_RCX, X_RBX, REG_OFF(reg));
        }
        x_store_idx(e, f.size, LIN_REG, X_RAX, X_RCX);
    }
    native_end_inline(e, ns, i, slow, nslow);
}


/* PUSH r32 / POP r32 (n = 1) and their runs (stack_run.c: ops i..i+n-1,
 * none of ESP) on a flat 32-bit stack with linear memory, a run's n
 * slots in one page: either every access succeeds or the first faults
 * (native_op_at finds op i) before anything changed, as the handlers'
 * flat_host path; any other case calls the handler. */
static void emit_stack(Emit *e, NativeState *ns, const Tb *tb, int i, int push, int n)
{
    const E386Op *op = &tb->ops[i];
    size_t slow[5];
    int nslow = 0;
    native_emit_stack_lin(e, ns, X_RDX, slow, &nslow);
    x_load32(e, X_RAX, X_RBX, REG_OFF(4));
    if (push)
        x_alu_ri32(e, 5, X_RAX, 4u * (uint32_t)n);
    if (n > 1) { /* a run's slots in one page: all its accesses or none */
        x_mov_rr64(e, X_RCX, X_RAX);
        x_alu_ri32(e, 4, X_RCX, 0xfff);
        x_alu_ri32(e, 7, X_RCX, 0x1000u - 4u * (uint32_t)n);
        slow[nslow++] = x_jcc(e, X_A);
    }
    native_emit_tlb(e, ns, 4 * n, push ? FH_WRITE : FH_READ, X_RDX, slow, &nslow);
    x_add_rr64(e, X_RDX, X_RAX); /* the host address of the lowest slot */
    for (int k = 0; k < n; k++) {
        int r = op[k].sub;
        if (push) { /* the highest slot first, as the guest */
            x_load32(e, X_RCX, X_RBX, REG_OFF(r));
            x_store32(e, X_RDX, 4 * (n - 1 - k), X_RCX);
        } else { /* a register popped twice keeps the later value */
            x_load32(e, X_RCX, X_RDX, 4 * k);
            x_store32(e, X_RBX, REG_OFF(r), X_RCX);
        }
    }
    if (!push)
        x_alu_ri32(e, 0, X_RAX, 4u * (uint32_t)n);
    x_store32(e, X_RBX, REG_OFF(4), X_RAX);
    if (n == 1) {
        native_end_inline(e, ns, i, slow, nslow);
        return;
    }
    native_jump_to_op(e, ns, i + n);
    native_end_inline(e, ns, i, slow, nslow);
}

/* PUSH imm and PUSH r/m32 (op_push_I, op_push_E) as emit_stack's PUSH
 * r32, the value in ECX first: a memory operand is read through linear
 * memory before ESP changes (a fault there changes nothing, as the
 * handler's read before its push), its address with the old ESP */
static void emit_push_value(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    size_t slow[COLD_JUMPS];
    int nslow = 0;
    native_emit_stack_lin(e, ns, LIN_REG, slow, &nslow);
    if (op->fn == op_push_I) {
        x_mov_ri32(e, X_RCX, op->imm);
    } else if (op->mod == 3) {
        x_load32(e, X_RCX, X_RBX, REG_OFF(op->rm)); /* PUSH ESP: the old value */
    } else {
        native_emit_mem_addr(e, ns, op, 4, FH_READ, LIN_REG, slow, &nslow);
        x_load_idx(e, 4, X_RCX, LIN_REG, X_RAX);
    }
    x_load32(e, X_RAX, X_RBX, REG_OFF(4));
    x_alu_ri32(e, 5, X_RAX, 4);
    native_emit_tlb(e, ns, 4, FH_WRITE, LIN_REG, slow, &nslow); /* the slot's page: another entry maybe */
    x_store_idx(e, 4, LIN_REG, X_RAX, X_RCX);
    x_store32(e, X_RBX, REG_OFF(4), X_RAX);
    native_end_inline(e, ns, i, slow, nslow);
}

/* IMUL r32, r/m32 and IMUL r32, r/m32, imm (op_imul_GE, op_imul_GEI):
 * the host's IMUL, whose OF is the handler's overflow; the lazy flags as
 * cc_set(CC_MUL, 4, product, overflow, 0).  A memory operand is read
 * before anything changes. */
static void emit_imul(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    size_t slow[4];
    int nslow = 0;
    if (op->mod == 3) {
        x_load32(e, X_RCX, X_RBX, REG_OFF(op->rm));
    } else {
        native_emit_mem_addr(e, ns, op, 4, FH_READ, LIN_REG, slow, &nslow);
        x_load_idx(e, 4, X_RCX, LIN_REG, X_RAX);
    }
    if (op->fn == op_imul_GE) {
        x_load32(e, X_RAX, X_RBX, REG_OFF(op->reg));
    } else {
        x_mov_rr64(e, X_RAX, X_RCX);
        x_mov_ri32(e, X_RCX, op->imm);
    }
    static const uint8_t imul_seto[] = { 0x0f, 0xaf, 0xc1,  /* imul eax, ecx */
                                         0x0f, 0x90, 0xc2,  /* seto dl */
                                         0x0f, 0xb6, 0xd2 }; /* movzx edx, dl */
    for (size_t k = 0; k < sizeof imul_seto; k++)
        x_byte(e, imul_seto[k]);
    x_store32(e, X_RBX, REG_OFF(op->reg), X_RAX);
    x_store32_imm(e, X_RBX, CC_OFF(cc_op), CC_MUL);
    x_store32_imm(e, X_RBX, CC_OFF(cc_size), 4);
    x_store32(e, X_RBX, CC_OFF(cc_dst), X_RAX);
    x_store32(e, X_RBX, CC_OFF(cc_src1), X_RDX);
    x_store32_imm(e, X_RBX, CC_OFF(cc_src2), 0);
    native_end_inline(e, ns, i, slow, nslow);
}

int native_cc_defer_ok(const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    OpFn f = op->fn;
    int opn, push;
    uint32_t n;
    AluInline ai;
    int cc;
    if (i + 2 >= tb->nops) /* the block end: its exits need them, but after a fused compare's own */
        return native_fused_compare_at(tb, i, &cc) >= 0;
    /* native_inline_op's moves, stack ops and ALU forms below, inline_alu.c's
     * ALU forms (emit_alu stores them before a carry-in), shifts and
     * rotates of a dword by a constant (a rotate patches the pending kind:
     * emit_rotate) and moves (emit_move), or a call of the handler
     * (native_emit_call stores them first) */
    return mov_inline_kind(f) >= 0 || stack_run_length(f, &push) > 0 || f == op_push_I || f == op_push_E ||
           alu_reg_form(f, &opn) >= 0 || alu_compare_kind(f) == CJ_TEST || alu_inline_info(op, &ai) ||
           shift_inline_kind(op, &n) >= 0 || rotate_inline_kind(op, &n) >= 0 || f == op_mov_RI ||
           f == op_mov_GE || f == op_mov_EG || f == op_mov_EI || f == op_movzx || f == op_movsx || f == op_cbw ||
           f == op_cwd || f == op_xchg_AR || f == op_xchg_EG || f == op_jmp_next;
}

int native_inline_op(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    int push, n = stack_run_length(op->fn, &push);
    if (n > 1 && i + n < tb->nops) {
        emit_stack(e, ns, tb, i, push, n);
        return 1;
    }
    if (op->fn == op_jmp_next)
        return 1; /* a JMP its block goes on after: no code (exec.c) */
    if ((op->fn == op_push_R || op->fn == op_pop_R) && op->size == 4 && op->sub != 4) {
        emit_stack(e, ns, tb, i, op->fn == op_push_R, 1);
        return 1;
    }
    if ((op->fn == op_push_I || (op->fn == op_push_E && (op->mod == 3 || (op->adsize == 4 && op->seg < 6)))) &&
        op->size == 4 && !op->lock) {
        emit_push_value(e, ns, tb, i);
        return 1;
    }
    if ((op->fn == op_imul_GE || op->fn == op_imul_GEI) && op->size == 4 && !op->lock &&
        (op->mod == 3 || (op->adsize == 4 && op->seg < 6))) {
        emit_imul(e, ns, tb, i);
        return 1;
    }
    if ((op->fn == op_cmov || op->fn == op_setcc) && native_emit_cond_op(e, ns, tb, i))
        return 1;
    int mov = mov_inline_kind(op->fn);
    if (mov == MOVZX8_R || mov == MOVZX16_R) {
        if (mov == MOVZX8_R)
            x_movzx8_load(e, X_RAX, X_RBX, BYTE_REG_OFF(op->rm));
        else
            x_movzx16_load(e, X_RAX, X_RBX, REG_OFF(op->rm));
        x_store32(e, X_RBX, REG_OFF(op->reg), X_RAX);
        return 1;
    }
    if (mov >= MOV_LD32_B) {
        emit_mem(e, ns, tb, i, mem_form(mov));
        return 1;
    }
    if ((op->fn == op_mov_AO || op->fn == op_mov_OA) && (op->size == 4 || op->size == 1)) {
        int st = op->fn == op_mov_OA;
        emit_mem(e, ns, tb, i, (MemForm){ .size = op->size, .store = st, .byte_reg = op->size == 1, .moffs = 1 });
        return 1;
    }
    if (mov == MOV_LEA32_B || mov == MOV_LEA32_BI ||
        (op->fn == op_lea && op->size == 4 && op->adsize == 4 && op->mod != 3)) { /* also without a base */
        native_emit_ea(e, op, op->index != EA_NONE);
        x_store32(e, X_RBX, REG_OFF(op->reg), X_RAX);
        return 1;
    }
    if (mov >= 0) {
        int src = mov == MOV_RR_EG ? op->reg : op->rm, dst = mov == MOV_RR_EG ? op->rm : op->reg;
        x_load32(e, X_RAX, X_RBX, REG_OFF(src));
        x_store32(e, X_RBX, REG_OFF(dst), X_RAX);
        return 1;
    }
    int opn, form = alu_reg_form(op->fn, &opn);
    int dead = FX_CLASS(op->fx) == FX_DEAD; /* the block rewrites the flags first (core/liveness.c) */
    if (form < 0 && alu_compare_kind(op->fn) == CJ_TEST) { /* TEST r32, r32 */
        if (dead) /* nothing else to do */
            return 1;
        x_load32(e, X_RDX, X_RBX, REG_OFF(op->rm));
        x_alu_rm32(e, 4, X_RDX, X_RBX, REG_OFF(op->reg)); /* AND with b in cpu->r[] */
        emit_cc(e, ns, CC_LOGIC, X_RDX, -1, 0);
        return 1;
    }
    if (form < 0) /* the other ALU forms and the shifts (inline_alu.c) */
        return native_inline_alu(e, ns, tb, i);
    static const uint8_t cc_of[8] = { CC_ADD, CC_LOGIC, 0, 0, CC_LOGIC, CC_SUB, CC_LOGIC, CC_SUB };
    int dst = form == CJ_RR || form == CJ_RI ? op->rm : form == CJ_GR ? op->reg : 0;
    if (dead && opn != 2 && opn != 3) { /* the result alone, in place; a CMP: nothing */
        if (opn == 7)
            return 1;
        if (form == CJ_RR || form == CJ_GR) {
            x_load32(e, X_RCX, X_RBX, REG_OFF(form == CJ_RR ? op->reg : op->rm));
            x_alu_mr32(e, opn, X_RBX, REG_OFF(dst), X_RCX);
        } else {
            x_alu_mi32(e, opn, X_RBX, REG_OFF(dst), op->imm);
        }
        return 1;
    }
    /* a into EDX, computed in place: no kind here stores it (emit_cc) */
    x_load32(e, X_RDX, X_RBX, REG_OFF(dst)); /* a */
    int reg_b = form == CJ_RR || form == CJ_GR; /* else b is the immediate */
    if (reg_b && cc_of[opn] == CC_LOGIC) { /* b from cpu->r[]: no source is stored */
        x_alu_rm32(e, opn, X_RDX, X_RBX, REG_OFF(form == CJ_RR ? op->reg : op->rm));
    } else if (reg_b) {
        x_load32(e, X_RCX, X_RBX, REG_OFF(form == CJ_RR ? op->reg : op->rm));
        x_alu_rr32(e, opn == 7 ? 5 : opn, X_RDX, X_RCX); /* CMP computes a - b as SUB */
    } else {
        x_alu_ri32(e, opn == 7 ? 5 : opn, X_RDX, op->imm);
    }
    if (opn != 7)
        x_store32(e, X_RBX, REG_OFF(dst), X_RDX);
    if (!dead)
        emit_cc(e, ns, cc_of[opn], X_RDX, reg_b ? X_RCX : -1, op->imm); /* a LOGIC kind: no RCX */
    return 1;
}
