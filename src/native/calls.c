/* Calls, returns and indirect jumps in host code (native step 4).
 *
 * The indirect exit.  A block end whose successor varies (RET, JMP and
 * CALL r/m, a handler that returned NULL or another block's op) used to
 * jump to the one shared exit at the buffer's start, whose `jmp rdi`
 * every such transition shared: badly predicted.  Each such end now has
 * its own short copy of the common case -- the op to go on with (RAX) is
 * the current block's first, the block is valid and published
 * (Tb.entry, its op 0's code), no exit is requested -- ending in its own
 * indirect jump, which the host predicts per site; anything else (a later
 * op of the block, NULL, a block without code) takes the shared exit.
 *
 * RET, RET imm16, CALL rel32, and JMP/CALL r/m32 (a register or
 * a dword in memory) do
 * what their handlers (cpu/control.c) and jump_ret/jump_near (cpu.h, exec.c) do,
 * inline, on the handlers' fast path only: a 32-bit flat stack with
 * linear guest memory (native_emit_lin) or the soft TLB's entry
 * (native_emit_tlb), a CS limit of 4 GiB (the near target's limit check); else the
 * handler is called with nothing changed yet.  cpu->cur is stored
 * first: a host fault in the stack access becomes the guest's, before
 * anything changed, as in the handlers' flat_host path (a slot across
 * a page faults on the host as on the guest).  After the stack
 * work, jump_via's chaining: may_chain's conditions, follow_if of the
 * hint link (the RAS's caller's link 1 for RET, else the block's link 0)
 * with its stores; a miss calls jump_ret_slow/jump_near_slow, which redo the same
 * checks and go on to the jump cache. */
#include <stddef.h>
#include <string.h>
#include "core/ops.h"
#include "native/native_int.h"
#include "native/x64emit.h"

#define OFF(f) ((int32_t)offsetof(E386Cpu, f))
#define REG_OFF(n) ((int32_t)(offsetof(E386Cpu, r) + 4 * (size_t)(n)))
#define SEG_OFF(sg, f) ((int32_t)(offsetof(E386Cpu, seg) + sizeof(Seg) * (size_t)(sg) + offsetof(Seg, f)))
#define TB_OFF(f) ((int32_t)offsetof(Tb, f))
/* a field of link 1 of the link pair at the base register (a block's
 * links, Tb.link: the RAS holds those of the CALLs' blocks) */
#define LINK1_OFF(f) ((int32_t)(sizeof(TbLink) + offsetof(TbLink, f)))

static uintptr_t fn_addr(const void *fnp, size_t n)
{
    uintptr_t a = 0;
    memcpy(&a, fnp, n);
    return a;
}

/* into the code of the block at register tb (RAX its first op) when it
 * is valid and has code, else the shared exit */
static void emit_enter(Emit *e, const NativeState *ns, int tb)
{
    x_cmp_m8_imm8(e, tb, TB_OFF(valid), 0);
    x_patch(e, x_jcc(e, X_E), ns->exit);
    x_load64(e, X_RDI, tb, TB_OFF(entry));
    x_test_rr64(e, X_RDI, X_RDI);
    x_patch(e, x_jcc(e, X_E), ns->exit);
    x_jmp_reg(e, X_RDI);
}

void native_emit_dispatch(Emit *e, NativeState *ns)
{
    x_load64(e, X_RCX, X_RBX, OFF(cur_tb));
    x_cmp_rm64(e, X_RAX, X_RCX, TB_OFF(ops));
    x_patch(e, x_jcc(e, X_NE), ns->exit);
    x_cmp_m64_imm8(e, X_RBX, OFF(exit_request), 0);
    x_patch(e, x_jcc(e, X_NE), ns->exit);
    emit_enter(e, ns, X_RCX);
}

static void store_cur(Emit *e, const E386Op *op)
{
    x_mov_ri64(e, X_RSI, (uint64_t)(uintptr_t)op);
    x_store64(e, X_RBX, OFF(cur), X_RSI);
}

/* the handlers' fast-path conditions for a stack access: jumps to
 * slow[]; RDX = lin (one 4-byte access needs no page check:
 * native_emit_lin) */
static int stack_checks(Emit *e, const NativeState *ns, size_t *slow)
{
    int n = 0;
    native_emit_stack_lin(e, ns, X_RDX, slow, &n);
    return n;
}

/* With the soft MMU, exec.c's tb_mapped for the block at RDX, found for
 * linear pc RDI: its one page (a block over two: out) is what the TLB of
 * cur's privilege maps pc's page to.  RAX, R10 and R11 are spent. */
static void emit_tlb_maps(Emit *e, const Tb *cur, size_t *out, int *n)
{
    _Static_assert(sizeof(TlbEntry) == 16 && sizeof(TlbAux) == 8 && TLB_SIZE == 1024, "the offsets below");
    size_t at = TLB_SIZE * (size_t)((cur->key & TB_CPL3) != 0);
    x_cmp_m8_imm8(e, X_RDX, TB_OFF(spans), 0);
    out[(*n)++] = x_jcc(e, X_NE);
    x_mov_rr64(e, X_R10, X_RDI);
    x_shr_ri64(e, X_R10, 8);
    x_alu_ri32(e, 4, X_R10, (TLB_SIZE - 1) << 4); /* the entry's offset */
    x_mov_rr64(e, X_R11, X_R10);
    x_add_rr64(e, X_R10, X_RBX);
    x_mov_rr64(e, X_RAX, X_RDI);
    x_alu_ri32(e, 4, X_RAX, ~0xfffu);
    x_cmp_rm32(e, X_RAX, X_R10,
               (int32_t)(offsetof(E386Cpu, tlb) + sizeof(TlbEntry) * at + offsetof(TlbEntry, rtag)));
    out[(*n)++] = x_jcc(e, X_NE);
    x_shr_ri64(e, X_R11, 1); /* the same index's TlbAux */
    x_add_rr64(e, X_R11, X_RBX);
    x_load32(e, X_RAX, X_RDX, TB_OFF(page));
    x_shl_ri32(e, X_RAX, 12);
    x_cmp_rm32(e, X_RAX, X_R11, (int32_t)(offsetof(E386Cpu, tlb_aux) + sizeof(TlbAux) * at + offsetof(TlbAux, phys)));
    out[(*n)++] = x_jcc(e, X_NE);
}

/* The hint link missed (RSI the target, RDI the pc = target + cs_base,
 * RCX the link pair whose link 1 is the hint):
 * jmp_cache_find's probe of the jump cache, the hint re-linked and
 * enter()'s stores, as jump_via, inline, then on to join (RAX the block's
 * ops); a miss to out[(*n)++].  (Without the re-link, `chain_hits`
 * differed from the interpreter's: test_native's programs with CMOVcc
 * and SETcc found it.) */
static void emit_jmp_cache_probe(Emit *e, const NativeState *ns, const Tb *tb, int ras, const uint8_t *join,
                                 size_t *out, int *n)
{
    x_mov_rr64(e, X_RAX, X_RDI); /* tb_jmp_hash(pc) (RDI zero-extended), times 8 */
    x_shr_ri64(e, X_RAX, 12);
    x_alu_rr32(e, 6, X_RAX, X_RDI);
    x_alu_ri32(e, 4, X_RAX, JMP_CACHE - 1);
    x_shl_ri32(e, X_RAX, 3);
    x_mov_ri64(e, X_RDX, (uint64_t)(uintptr_t)ns->jmp_cache);
    x_add_rr64(e, X_RDX, X_RAX);
    x_load64(e, X_RDX, X_RDX, 0); /* the block, or NULL */
    x_test_rr64(e, X_RDX, X_RDX);
    out[(*n)++] = x_jcc(e, X_E);
    x_cmp_m8_imm8(e, X_RDX, TB_OFF(valid), 0);
    out[(*n)++] = x_jcc(e, X_E);
    x_cmp_rm32(e, X_RDI, X_RDX, TB_OFF(pc));
    out[(*n)++] = x_jcc(e, X_NE);
    if (ns->soft) {
        emit_tlb_maps(e, tb, out, n);
    } else {
        x_cmp_rm32(e, X_RDI, X_RDX, TB_OFF(phys_pc)); /* linear memory: physical is linear */
        out[(*n)++] = x_jcc(e, X_NE);
    }
    x_cmp_m32_imm(e, X_RDX, TB_OFF(key), tb->key);
    out[(*n)++] = x_jcc(e, X_NE);
    x_cmp_m32_imm(e, X_RDX, TB_OFF(cs_base), tb->cs_base);
    out[(*n)++] = x_jcc(e, X_NE);
    /* jump_via_slow's relink: the hint link (RCX's link 1) to the block */
    x_load64(e, X_RAX, X_RDX, TB_OFF(ops)); /* linear memory: a fast link */
    if (ns->soft) { /* tb_link's: a fast link only to the linking block's own page */
        x_mov_rr64(e, X_R10, X_RDI);
        x_alu_ri32(e, 6, X_R10, tb->pc);
        x_alu_ri32(e, 4, X_R10, ~0xfffu);
        size_t same = x_jcc(e, X_E);
        x_mov_ri32(e, X_RAX, 0);
        x_patch(e, same, e->p);
    }
    x_store64(e, X_RCX, LINK1_OFF(ops), X_RAX);
    x_store64(e, X_RCX, LINK1_OFF(tb), X_RDX);
    x_movzx16_load(e, X_RAX, X_RDX, TB_OFF(ninsns));
    x_store32(e, X_RCX, LINK1_OFF(ninsns), X_RAX);
    static const int32_t same[3][2] = { { TB_OFF(pc), LINK1_OFF(pc) }, { TB_OFF(key), LINK1_OFF(key) },
                                        { TB_OFF(cs_base), LINK1_OFF(cs_base) } };
    for (int k = 0; k < 3; k++) {
        x_load32(e, X_RAX, X_RDX, same[k][0]);
        x_store32(e, X_RCX, same[k][1], X_RAX);
    }
    /* jump_via: eip, last_tb; jump_ret: the pop; enter's stores */
    x_store32(e, X_RBX, OFF(eip), X_RSI);
    x_mov_ri32(e, X_RAX, 0);
    x_store64(e, X_RBX, OFF(last_tb), X_RAX);
    x_store64(e, X_RBX, OFF(link_from), X_RAX);
    if (ras)
        x_add_m32_imm8(e, X_RBX, OFF(ras_top), -1);
    x_store64(e, X_RBX, OFF(cur_tb), X_RDX);
    x_movzx16_load(e, X_RAX, X_RDX, TB_OFF(ninsns));
    x_sub_rr64(e, LEFT_REG, X_RAX); /* icount += ninsns */
    x_inc64(e, HITS_REG); /* chain_hits */
    x_load64(e, X_RAX, X_RDX, TB_OFF(ops));
    x_patch(e, x_jmp(e), join);
}

/* link_leads_to for the hint link (link 1 of RCX) and pc RDI in tb's
 * mode: a miss to out[(*n)++] */
static void emit_leads_to(Emit *e, const Tb *tb, size_t *out, int *n)
{
    x_cmp_rm32(e, X_RDI, X_RCX, LINK1_OFF(pc));
    out[(*n)++] = x_jcc(e, X_NE);
    x_cmp_m32_imm(e, X_RCX, LINK1_OFF(key), tb->key);
    out[(*n)++] = x_jcc(e, X_NE);
    x_cmp_m32_imm(e, X_RCX, LINK1_OFF(cs_base), tb->cs_base);
    out[(*n)++] = x_jcc(e, X_NE);
}

/* jump_via's chaining for target ESI (the pushes and pops done): with
 * may_chain's conditions, follow the hint link at RCX (a link pair whose link 1
 * it is) as follow_if does, else (on linear memory) the block the jump
 * cache holds for the target, RDX that block and RAX its ops, and into
 * its code; a miss calls miss(cpu, ESI) and goes on after this code.
 * RAS: the hint is the RAS's caller's link 1 (or the block's link 0 when
 * none), popped. */
static void emit_via(Emit *e, const NativeState *ns, const Tb *tb, int ras, const E386Op *(*miss)(E386Cpu *, uint32_t))
{
    size_t out[24], other[16];
    int n = 0, nother = 0;
    x_cmp_rm64(e, LEFT_REG, X_RBX, OFF(exit_request)); /* icount < budget_end, no exit request */
    out[n++] = x_jcc(e, X_LE); /* (branch.c emit_may_follow) */
    x_cmp_m32_imm8(e, X_RBX, OFF(log_mask), 0);
    out[n++] = x_jcc(e, X_NE);
    x_test_m32_imm(e, X_RBX, OFF(eflags), F_RF);
    out[n++] = x_jcc(e, X_NE);
    /* RCX: a base whose "link 1" is the hint link: the RAS's caller's
     * links, or one link before the block's own link 0.  Not the RAS's
     * caller with the soft MMU (cpu.h ras_pop: that block is not running,
     * and its linear page may map something else now), whose link 1
     * nothing sets there (jump_via_slow links it only from ras_pop's
     * caller): the block's own link 0, as jump_ret_slow; a load and a miss
     * fewer. */
    uintptr_t own = (uintptr_t)tb->link - sizeof(TbLink);
    if (ras && !ns->soft) {
        x_load32(e, X_RCX, X_RBX, OFF(ras_top));
        x_alu_ri32(e, 4, X_RCX, 15);
        x_shl_ri32(e, X_RCX, 3);
        x_add_rr64(e, X_RCX, X_RBX);
        x_load64(e, X_RCX, X_RCX, OFF(ras)); /* the caller's links */
        x_test_rr64(e, X_RCX, X_RCX);
        size_t has = x_jcc(e, X_NE);
        x_mov_ri64(e, X_RCX, (uint64_t)own);
        x_patch(e, has, e->p);
    } else {
        x_mov_ri64(e, X_RCX, (uint64_t)own);
    }
    x_mov_rr64(e, X_RDI, X_RSI);
    if (tb->cs_base)
        x_alu_ri32(e, 0, X_RDI, tb->cs_base); /* pc */
    x_load64(e, X_RAX, X_RCX, LINK1_OFF(ops));
    x_test_rr64(e, X_RAX, X_RAX);
    size_t guard = x_jcc(e, X_E); /* with the soft MMU: maybe another page's */
    if (!ns->soft)
        other[nother++] = guard;
    emit_leads_to(e, tb, other, &nother);
    /* jump_via: eip, last_tb; jump_ret: the pop; follow_if's stores */
    const uint8_t *hit = e->p;
    x_store32(e, X_RBX, OFF(eip), X_RSI);
    x_mov_ri32(e, X_RDX, 0);
    x_store64(e, X_RBX, OFF(last_tb), X_RDX);
    if (ras)
        x_add_m32_imm8(e, X_RBX, OFF(ras_top), -1);
    x_load64(e, X_RDX, X_RCX, LINK1_OFF(tb)); /* kept for the join */
    x_store64(e, X_RBX, OFF(cur_tb), X_RDX);
    x_load32(e, X_RDI, X_RCX, LINK1_OFF(ninsns));
    x_sub_rr64(e, LEFT_REG, X_RDI); /* icount += ninsns */
    x_mov_ri32(e, X_RDI, (uint32_t)sizeof(TbLink));
    x_add_rr64(e, X_RDI, X_RCX);
    x_store64(e, X_RBX, OFF(link_from), X_RDI);
    x_inc64(e, HITS_REG); /* chain_hits */
    /* native_emit_dispatch for the block at RDX, whose ops RAX are the
     * op to go on with and cur_tb: the hint link's block may have been
     * invalidated.  Not its test of the exit request: the one above is
     * run_chain's, as in jump_via. */
    const uint8_t *join = e->p;
    emit_enter(e, ns, X_RDX);
    if (ns->soft) {
        /* a hint link into another linear page (tb_link left its ops
         * NULL): followed while the TLB maps the page as when its block
         * was translated, as jump_direct_slow would (tb_mapped) */
        x_patch(e, guard, e->p);
        x_load64(e, X_RDX, X_RCX, LINK1_OFF(tb));
        x_test_rr64(e, X_RDX, X_RDX);
        other[nother++] = x_jcc(e, X_E);
        emit_leads_to(e, tb, other, &nother);
        emit_tlb_maps(e, tb, other, &nother);
        x_load64(e, X_RAX, X_RDX, TB_OFF(ops));
        x_patch(e, x_jmp(e), hit);
    }
    for (int k = 0; k < nother; k++)
        x_patch(e, other[k], e->p);
    if (ns->lin || ns->soft) /* linear memory, or the soft MMU's TLB to ask */
        emit_jmp_cache_probe(e, ns, tb, ras, join, out, &n);
    else
        for (int k = 0; k < nother; k++)
            out[n++] = other[k];
    for (int k = 0; k < n; k++)
        x_patch(e, out[k], e->p);
    x_mov_rr64(e, X_RDI, X_RBX);
    native_call_out(e, fn_addr(&miss, sizeof miss));
}

/* the handler's call (nothing changed yet): slow[] lead here */
static void emit_handler(Emit *e, const E386Op *op, size_t *slow, int nslow)
{
    for (int k = 0; k < nslow; k++)
        x_patch(e, slow[k], e->p);
    x_mov_ri64(e, X_RSI, (uint64_t)(uintptr_t)op);
    x_mov_rr64(e, X_RDI, X_RBX);
    native_call_out(e, fn_addr(&op->fn, sizeof op->fn));
}

/* RET and RET imm16 (op_ret, ret_slow's fast case) */
static void emit_ret(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op)
{
    size_t slow[8];
    store_cur(e, op);
    int n = stack_checks(e, ns, slow);
    x_cmp_m32_imm8(e, X_RBX, SEG_OFF(SEG_CS, limit), -1);
    slow[n++] = x_jcc(e, X_NE);
    x_load32(e, X_RAX, X_RBX, REG_OFF(4));
    native_emit_tlb(e, ns, 4, FH_READ, X_RDX, slow, &n);
    x_load_idx(e, 4, X_RSI, X_RDX, X_RAX); /* the target: may fault, nothing changed */
    x_alu_ri32(e, 0, X_RAX, 4u + (op->sub ? (op->imm & 0xffff) : 0));
    x_store32(e, X_RBX, REG_OFF(4), X_RAX);
    emit_via(e, ns, tb, 1, jump_ret_slow);
    size_t out = x_jmp(e);
    emit_handler(e, op, slow, n);
    x_patch(e, out, e->p);
    native_emit_sites(e, ns, tb, op, 0);
}

/* push the return address of op (EAX = ESP - 4 checked, RDX = lin),
 * then ras_push; RSI kept */
static void emit_push_ret(Emit *e, const Tb *tb, const E386Op *op)
{
    x_mov_ri32(e, X_RCX, next_eip(op));
    x_store_idx(e, 4, X_RDX, X_RAX, X_RCX); /* may fault: nothing changed */
    x_store32(e, X_RBX, REG_OFF(4), X_RAX);
    x_load32(e, X_RAX, X_RBX, OFF(ras_top));
    x_alu_ri32(e, 0, X_RAX, 1);
    x_store32(e, X_RBX, OFF(ras_top), X_RAX);
    x_alu_ri32(e, 4, X_RAX, 15);
    x_shl_ri32(e, X_RAX, 3);
    x_add_rr64(e, X_RAX, X_RBX);
    x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)tb->link); /* ras_push: the block's links */
    x_store64(e, X_RAX, OFF(ras), X_RCX);
}

/* CALL rel32 (op_call_J's fast case), then jump_direct's link 0 */
static void emit_call_rel(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op)
{
    size_t slow[8];
    int n = stack_checks(e, ns, slow);
    x_load32(e, X_RAX, X_RBX, REG_OFF(4));
    x_alu_ri32(e, 5, X_RAX, 4);
    native_emit_tlb(e, ns, 4, FH_WRITE, X_RDX, slow, &n);
    emit_push_ret(e, tb, op);
    x_store32_imm(e, X_RBX, OFF(eip), next_eip(op) + op->imm);
    native_emit_lean_site(e, ns, tb, 0, next_eip(op) + op->imm);
    x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)&tb->link[0]);
    x_mov_ri32(e, X_R12, 0);
    native_emit_follow(e, ns, tb, op, slow, n);
}

/* JMP rel (op_jmp_J, link 0), or the op after a block's last
 * instruction when that is no transfer (op_block_end, link 1): eip
 * target, then jump_direct's following of the link */
static void emit_jmp_rel(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, uint32_t target, int slot)
{
    x_store32_imm(e, X_RBX, OFF(eip), target);
    native_emit_lean_site(e, ns, tb, slot, target);
    x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)&tb->link[slot]);
    x_mov_ri32(e, X_R12, (uint32_t)slot);
    native_emit_follow(e, ns, tb, op, NULL, 0);
}

/* JMP and CALL r/m32 (op_jmp_E, op_call_E): a register, or a dword in
 * memory read through linear memory as the specialised loads do
 * (native_emit_lin) */
static void emit_jmp_ind(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, int call)
{
    size_t slow[12];
    int n = 0;
    store_cur(e, op);
    x_cmp_m32_imm8(e, X_RBX, SEG_OFF(SEG_CS, limit), -1);
    slow[n++] = x_jcc(e, X_NE);
    if (op->mod == 3) {
        x_load32(e, X_RSI, X_RBX, REG_OFF(op->rm)); /* read before the push: CALL ESP */
    } else {
        native_emit_mem_addr(e, ns, op, 4, FH_READ, LIN_REG, slow, &n);
        x_load_idx(e, 4, X_RSI, LIN_REG, X_RAX); /* the target: may fault, nothing changed */
    }
    if (call) {
        n += stack_checks(e, ns, slow + n);
        x_load32(e, X_RAX, X_RBX, REG_OFF(4));
        x_alu_ri32(e, 5, X_RAX, 4);
        native_emit_tlb(e, ns, 4, FH_WRITE, X_RDX, slow, &n);
        emit_push_ret(e, tb, op);
    }
    emit_via(e, ns, tb, 0, jump_near_slow);
    size_t out = x_jmp(e);
    emit_handler(e, op, slow, n);
    x_patch(e, out, e->p);
    x_load64(e, X_RSI, X_RBX, OFF(cur_tb));
    native_emit_sites(e, ns, tb, op, 1);
}

int native_emit_call_ret(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    if (i + 1 != tb->nops || (tb->key & (TB_TF | TB_ONE)))
        return 0;
    if (tb->nops > tb->ninsns && op->opsize == 4) { /* op_block_end: jump_direct(cpu, op, 1) */
        emit_jmp_rel(e, ns, tb, op, op->eip, 1);
        return 1;
    }
    if (op->size != 4)
        return 0;
    if (op->fn == op_ret)
        emit_ret(e, ns, tb, op);
    else if (op->fn == op_call_J)
        emit_call_rel(e, ns, tb, op);
    else if (op->fn == op_jmp_J)
        emit_jmp_rel(e, ns, tb, op, next_eip(op) + op->imm, 0);
    else if ((op->fn == op_jmp_E || op->fn == op_call_E) && (op->mod == 3 || (op->adsize == 4 && op->seg < 6)))
        emit_jmp_ind(e, ns, tb, op, op->fn == op_call_E);
    else
        return 0;
    return 1;
}
