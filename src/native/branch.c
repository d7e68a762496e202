/* Block ends in host code (native step 3).
 *
 * Conditional branches: a Jcc that ends a block (op_jcc_J, or its
 * fixed-condition handler) and the fused compare-and-branch (cpu/fuse.c,
 * cmp_jcc: registers, immediates, dwords and bytes in memory) compute
 * their condition inline and follow the block's link as jump_direct does:
 * the same stores (eip, cur_tb, icount, link_from, the chain_hits count)
 * under the same checks (a fast link, no exit request, budget left), and
 * jump_direct_slow called otherwise.  cpu->cur is the branch's op, as
 * under run_chain, wherever the dispatcher's exit check or a handler may
 * look at it: stored on the way to the generic follow and before a
 * handler's call, not on a lean site's way to its successor (whose ops
 * store their own before anything looks; a fault in the compare's
 * memory read finds its op by native_op_at).  A Jcc reads the lazy flags as cc_cond does for
 * SUB, LOGIC and the zero and sign conditions of the other kinds;
 * anything else (EFLAGS, parity, overflow after arithmetic, ZF after MUL)
 * calls the handler.  The guest's condition codes are the host's: after a
 * host CMP of the two operands shifted to the top (cc_cond's comparison)
 * or a TEST of the result shifted so (OF = CF = 0, as after a LOGIC kind)
 * the host Jcc of the same code decides.
 *
 * Direct jumps.  These branches and JMP/CALL rel follow their links by
 * lean sites (native_emit_lean_site, below); after the call of a last op
 * that follows a link with jump_direct (op_block_end, JMP/CALL rel when
 * called) a site per link compares cpu->cur_tb with the successor it was
 * made for and jumps straight to that block's op-0 code when it is the
 * successor, the op to go on with is its first and it is still valid,
 * after run_chain's exit-request check; anything else takes the shared
 * exit.  A site is set at translation when its link already leads to a
 * block with code (published, waiting in the open window, or this one),
 * else when the open window is sealed if its link leads to one by then
 * (the site's bytes are still writable); a lean site also later, when it
 * misses, where code stays writable (native_lean_resolve); never else:
 * its compare matches no cur_tb, its successor is never valid.  Why
 * nothing stale runs:
 * - invalidation (op_tb_stale) clears tb->valid: the guard fails and the
 *   shared exit hands the stale op to the dispatcher, which runs
 *   op_tb_stale as before; a re-link to a new block fails the compare;
 * - a site's target was written before the site's window is sealed (an
 *   earlier window, or this one), or, pointed there later, has published
 *   code on a host where code is always executable, so it is executable
 *   whenever the site is;
 * - a flush (codebuf.h) only empties the buffer when the next run starts,
 *   and a Tb's memory is reused only by a translation after the flush,
 *   which runs from the main loop: within the flushing run every block
 *   reached is one of before the flush with its code intact, and after
 *   it no code of before the flush is reachable (new Tbs start without
 *   code; the sites and pending blocks of before are dropped), so the
 *   embedded pointers are never followed again. */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include "core/ops.h"
#include "native/native_int.h"
#include "native/x64emit.h"

#define OFF(f) ((int32_t)offsetof(E386Cpu, f))
#define REG_OFF(n) ((int32_t)(offsetof(E386Cpu, r) + 4 * (size_t)(n)))

static uintptr_t fn_addr(const void *fnp, size_t n)
{
    uintptr_t a = 0;
    memcpy(&a, fnp, n);
    return a;
}

/* the host code of succ's op 0 if it has code now, else NULL */
static const uint8_t *succ_code(const NativeState *ns, const Tb *succ)
{
    if (succ == ns->self)
        return ns->self_op0;
    const uint32_t *t = succ->native;
    for (int k = 0; !t && succ->heat == TB_PENDING && k < ns->npending; k++)
        if (ns->pending[k].tb == succ)
            t = ns->pending[k].code;
    return t ? (const uint8_t *)t + t[0] : NULL;
}

/* With the soft MMU a direct jump into another linear page is followed
 * only while the TLB maps that page as when its block was translated
 * (exec.c tb_link keeps such links' ops NULL, for jump_direct_slow's
 * tb_mapped).  Its lean site makes the same test inline (a guarded
 * site): the TLB entry's read tag for the target's page, and its
 * physical page against the successor's (an immediate patched with the
 * successor).  A successor over two pages is not followed so. */
static int guarded(const NativeState *ns, const Tb *tb, uint32_t lin)
{
    return ns->soft && ((lin ^ tb->pc) & ~0xfffu) != 0;
}

/* Where link slot of tb leads now, as a direct jump's target: the
 * successor and its op 0's code, or 0.  A guarded site's link has ops
 * NULL: its successor is taken when on one page. */
static int site_target(const NativeState *ns, const Tb *tb, int slot, const Tb **succ, const uint8_t **code)
{
    const TbLink *l = &tb->link[slot];
    int guard = !l->ops && l->tb && guarded(ns, tb, l->tb->pc) && !l->tb->spans;
    *succ = l->ops || guard ? l->tb : NULL;
    *code = *succ && (*succ)->valid && (guard || l->ops == (*succ)->ops) ? succ_code(ns, *succ) : NULL;
    return *code != NULL;
}

/* A lean site's count of the successor's instructions: the imm32 of
 * its SUB right before its jump (E9 rel32); a guarded one's physical
 * page: the imm32 of its CMP right before the MOV of the successor */
enum { LEAN_COUNT_BACK = 5, LEAN_PHYS_BACK = 6 };

/* Point a site at succ and its code; a lean site (lean) also gets the
 * successor's instruction count, a guarded one its physical page */
static void put_site(const NativeState *ns, const Tb *tb, uint8_t *imm, uint8_t *rel, int lean, const Tb *succ,
                     const uint8_t *code)
{
    uint64_t v = (uint64_t)(uintptr_t)succ;
    for (int k = 0; k < 8; k++)
        imm[k] = (uint8_t)(v >> 8 * k);
    for (int k = 0; lean && k < 4; k++)
        rel[k - LEAN_COUNT_BACK] = (uint8_t)(succ->ninsns >> 8 * k);
    for (int k = 0; lean && guarded(ns, tb, succ->pc) && k < 4; k++)
        imm[k - LEAN_PHYS_BACK] = (uint8_t)((succ->page[0] << 12) >> 8 * k);
    uint32_t d = (uint32_t)(int32_t)(code - (rel + 4));
    for (int k = 0; k < 4; k++)
        rel[k] = (uint8_t)(d >> 8 * k);
}

/* Point a site (its successor's imm64 and rel32 jump) where link slot
 * of tb leads now if that block has code, else when the window is
 * sealed (native_resolve_sites), else never */
static void set_site(NativeState *ns, const Tb *tb, int slot, uint8_t *imm, uint8_t *rel, int lean)
{
    const Tb *succ;
    const uint8_t *code;
    if (site_target(ns, tb, slot, &succ, &code))
        put_site(ns, tb, imm, rel, lean, succ, code);
    else if (ns->nsites < (int)(sizeof ns->sites / sizeof ns->sites[0]))
        ns->sites[ns->nsites++] = (NativeSite){ .tb = tb, .slot = slot, .lean = lean, .imm = imm, .rel = rel };
}

/* A direct jump site for link slot of tb, RAX the op to go on with and
 * cur the register holding cpu->cur_tb: when cur_tb is the successor the
 * site was made for, RAX its first op and that block valid, (after
 * run_chain's exit check) jump to its code; with another cur_tb go on
 * below; else the shared exit.  The successor and the jump are set now
 * if the link leads to a block with code, else when the window is sealed
 * (native_resolve_sites), else never: NULL matches no cur_tb. */
static void emit_site(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, int slot, int cur)
{
    uint8_t *imm = e->p + 2;
    x_mov_ri64(e, X_RDI, 0);
    x_cmp_rr64(e, cur, X_RDI);
    size_t other = x_jcc(e, X_NE);
    x_cmp_rm64(e, X_RAX, X_RDI, (int32_t)offsetof(Tb, ops));
    x_patch(e, x_jcc(e, X_NE), ns->exit);
    x_cmp_m8_imm8(e, X_RDI, (int32_t)offsetof(Tb, valid), 0);
    x_patch(e, x_jcc(e, X_E), ns->exit);
    if (!(op->fx & FX_INEXACT)) {
        x_cmp_m64_imm8(e, X_RBX, OFF(exit_request), 0);
        x_patch(e, x_jcc(e, X_NE), ns->exit);
    }
    size_t jmp = x_jmp(e);
    x_patch(e, jmp, ns->exit);
    x_patch(e, other, e->p);
    if (!e->overflow)
        set_site(ns, tb, slot, imm, e->start + jmp, 0);
}

void native_resolve_sites(NativeState *ns)
{
    const uint8_t *open = ns->buf->base + ns->buf->sealed; /* writable from here */
    for (int k = 0; k < ns->nsites; k++) {
        const NativeSite *st = &ns->sites[k];
        const Tb *succ;
        const uint8_t *code;
        if (st->imm >= open && st->tb->valid && site_target(ns, st->tb, st->slot, &succ, &code))
            put_site(ns, st->tb, st->imm, st->rel, st->lean, succ, code);
    }
    ns->nsites = 0;
}

/* The sites of the links in mask (bit slot; RSI = cpu->cur_tb, RAX =
 * the next op), then the indirect exit (calls.c) */
void native_emit_sites(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, int mask)
{
    for (int slot = 0; slot < 2; slot++)
        if (mask >> slot & 1)
            emit_site(e, ns, tb, op, slot, X_RSI);
    native_emit_dispatch(e, ns);
}

/* After a block's last op was called (translate.c), RAX the op it
 * returned: direct jumps for the links it follows with jump_direct (JMP
 * and CALL rel: link 0; the op after a block's last instruction,
 * op_block_end: link 1; a Jcc: both), else the shared exit (RET and the
 * indirect jumps: their successors vary). */
void native_emit_chain_exit(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op)
{
    int cc, mask = op->fn == op_jmp_J || op->fn == op_call_J ? 1
                 : op == &tb->ops[tb->nops - 1] && tb->nops > tb->ninsns ? 2
                 : op->fn == op_jcc_J || branch_form(tb->ops, tb->nops, (int)(op - tb->ops), &cc) >= 0 ? 3 : 0;
    if (mask)
        x_load64(e, X_RSI, X_RBX, OFF(cur_tb));
    native_emit_sites(e, ns, tb, op, mask);
}

/* jump_direct's conditions to follow a link, else the jump returned:
 * budget left (icount < budget_end: R15 > 0) and no exit request, in one
 * compare (R15 > exit_request, which is 0 or EXIT_REQUESTED: cpu.h) */
static size_t emit_may_follow(Emit *e)
{
    x_cmp_rm64(e, LEFT_REG, X_RBX, OFF(exit_request));
    return x_jcc(e, X_LE);
}

/* What a lean site's successor is before it has one: never valid */
static const Tb no_tb;

/* A lean site for link slot of tb (eip stored): jump_direct's following
 * of the link and a direct site's checks in one, when the successor it
 * was made for (patched in as succ_code's sites are, with its count of
 * instructions: an immediate, not a load of it) is still valid.
 * Valid, it is where the link leads: a link changes only by tb_link
 * after jump_direct_slow, which the main loop runs for a successor that
 * was not linked or was invalidated (and a block is never valid again),
 * or by a flush, after which no code of before it runs.  Then the stores
 * of jump_direct under its checks (no exit request, budget left), but
 * link_from: op_tb_stale reads it only on entering an invalidated block,
 * which the lean site never does, and every path that may (jump_direct,
 * follow_if, the generic follow below) sets it first.  Anything else
 * goes on below, to the generic follow. */
void native_emit_lean_site(Emit *e, NativeState *ns, const Tb *tb, int slot, uint32_t target)
{
    size_t miss[4];
    int n = 0;
    uint32_t lin = tb->cs_base + target;
    int guard = guarded(ns, tb, lin);
    if (guard) { /* exec.c tb_mapped, inline: the block's privilege is the TLB's */
        size_t at = TLB_SIZE * ((tb->key & TB_CPL3) != 0) + ((lin >> 12) & (TLB_SIZE - 1));
        x_cmp_m32_imm(e, X_RBX, (int32_t)(offsetof(E386Cpu, tlb) + sizeof(TlbEntry) * at + offsetof(TlbEntry, rtag)),
                      lin & ~0xfffu);
        miss[n++] = x_jcc(e, X_NE);
        /* 1 matches no page until patched (LEAN_PHYS_BACK) */
        x_cmp_m32_imm(e, X_RBX, (int32_t)(offsetof(E386Cpu, tlb_aux) + sizeof(TlbAux) * at + offsetof(TlbAux, phys)), 1);
    }
    uint8_t *imm = e->p + 2;
    x_mov_ri64(e, X_RSI, (uint64_t)(uintptr_t)&no_tb);
    if (guard)
        miss[n++] = x_jcc(e, X_NE);
    x_cmp_m8_imm8(e, X_RSI, (int32_t)offsetof(Tb, valid), 0);
    miss[n++] = x_jcc(e, X_E);
    miss[n++] = emit_may_follow(e);
    x_store64(e, X_RBX, OFF(cur_tb), X_RSI);
    x_inc64(e, HITS_REG); /* chain_hits */
    x_sub_ri64_imm32(e, LEFT_REG, 0); /* icount += the successor's ninsns (patched with it) */
    const uint8_t *count = e->p - 4;
    size_t jmp = x_jmp(e);
    x_patch(e, jmp, e->p); /* until patched: never taken */
    for (int k = 0; k < n; k++)
        x_patch(e, miss[k], e->p);
    if (e->overflow)
        return;
    assert(e->start + jmp - LEAN_COUNT_BACK == count);
    (void)count;
    set_site(ns, tb, slot, imm, e->start + jmp, 1);
    ns->lean_imm[slot] = imm;
    ns->lean_rel[slot] = e->start + jmp;
}

const E386Op *native_lean_resolve(E386Cpu *cpu, const Tb *tb, int slot)
{
    const NativeState *ns = cpu->native;
    const uint32_t *t = tb->native;
    const Tb *succ;
    const uint8_t *code;
    /* code stays writable on this host (not W^X), the block has a lean
     * site for the slot, and the link leads to a block with host code */
    if (!ns->buf->wx && t && t[tb->nops + 2 * slot] && site_target(ns, tb, slot, &succ, &code) && succ->native)
        put_site(ns, tb, (uint8_t *)t + t[tb->nops + 2 * slot], (uint8_t *)t + t[tb->nops + 2 * slot + 1], 1, succ,
                 code);
    return tb->link[slot].ops;
}

/* The generic follow's jump_direct_slow.  A link it followed into
 * another linear page (the TLB checked in C) points tb's guarded lean
 * site there, as native_lean_resolve does for the others: the next time
 * the site follows it itself. */
static const E386Op *follow_slow(E386Cpu *cpu, uint32_t target, int slot, const Tb *tb)
{
    const E386Op *next = jump_direct_slow(cpu, target, slot);
    if (next && cpu->native->soft)
        native_lean_resolve(cpu, tb, slot);
    return next;
}

/* Both sides of a branch, each jump_direct(cpu, j, slot) then on
 * to the op it returns; op is the one run_chain ran (its fx).  taken[]
 * are the jumps to the taken side (patched here); the code before falls
 * into the not-taken side.  Each side tries its lean site; then the
 * sides share the jump to the generic follow (RCX the link, R12 its
 * slot: callee-saved and otherwise unused by the blocks); handler[] (if
 * any) are jumps to a call of op's handler, which goes on to the shared
 * exit. */
static void emit_sides(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, const E386Op *j, size_t *taken,
                       int ntaken, size_t *handler, int nhandler)
{
    size_t to_follow = 0;
    for (int side = 1; side >= 0; side--) {
        if (side == 0)
            for (int k = 0; k < ntaken; k++)
                x_patch(e, taken[k], e->p);
        x_store32_imm(e, X_RBX, OFF(eip), direct_target(j, side));
        native_emit_lean_site(e, ns, tb, side, direct_target(j, side));
        x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)&tb->link[side]);
        x_mov_ri32(e, X_R12, (uint32_t)side);
        if (side)
            to_follow = x_jmp(e);
    }
    x_patch(e, to_follow, e->p);
    native_emit_follow(e, ns, tb, op, handler, nhandler);
}

/* The generic follow, shared by every block (a stub at the buffer's
 * start): jump_direct of the link at RCX (slot R12, eip stored) with its
 * checks and stores, native_lean_resolve for the lean site of block R13
 * that missed, then the shared exit with the op to go on with;
 * jump_direct_slow when a check fails.  Jumped to, in a block's frame. */
void native_emit_follow_stub(Emit *e, NativeState *ns)
{
    size_t slow[2];
    x_load64(e, X_RAX, X_RCX, (int32_t)offsetof(TbLink, ops));
    x_test_rr64(e, X_RAX, X_RAX);
    slow[0] = x_jcc(e, X_E);
    slow[1] = emit_may_follow(e);
    x_load64(e, X_RSI, X_RCX, (int32_t)offsetof(TbLink, tb));
    x_store64(e, X_RBX, OFF(cur_tb), X_RSI);
    x_load32(e, X_RDI, X_RCX, (int32_t)offsetof(TbLink, ninsns));
    x_sub_rr64(e, LEFT_REG, X_RDI); /* icount += ninsns */
    x_store64(e, X_RBX, OFF(link_from), X_RCX);
    x_inc64(e, HITS_REG); /* chain_hits */
    const E386Op *(*resolve)(E386Cpu *, const Tb *, int) = native_lean_resolve;
    x_mov_rr64(e, X_RDI, X_RBX);
    x_mov_rr64(e, X_RSI, X_R13);
    x_mov_rr64(e, X_RDX, X_R12);
    native_call_out(e, fn_addr(&resolve, sizeof resolve)); /* RAX: the link's ops again */
    x_patch(e, x_jmp(e), ns->exit);
    for (int k = 0; k < 2; k++)
        x_patch(e, slow[k], e->p);
    const E386Op *(*slow_fn)(E386Cpu *, uint32_t, int, const Tb *) = follow_slow;
    x_mov_rr64(e, X_RDI, X_RBX);
    x_load32(e, X_RSI, X_RBX, OFF(eip));
    x_mov_rr64(e, X_RDX, X_R12);
    x_mov_rr64(e, X_RCX, X_R13);
    native_call_out(e, fn_addr(&slow_fn, sizeof slow_fn));
    x_patch(e, x_jmp(e), ns->exit);
}

static void store_cur(Emit *e, const E386Op *op)
{
    x_mov_ri64(e, X_RSI, (uint64_t)(uintptr_t)op);
    x_store64(e, X_RBX, OFF(cur), X_RSI);
}

void native_emit_follow(Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, size_t *handler, int nhandler)
{
    store_cur(e, op); /* the op the dispatcher's exit check looks at */
    x_mov_ri64(e, X_R13, (uint64_t)(uintptr_t)tb);
    x_patch(e, x_jmp(e), ns->follow);
    if (!nhandler)
        return;
    for (int k = 0; k < nhandler; k++)
        x_patch(e, handler[k], e->p);
    native_cc_flush(e, ns); /* a fused compare's pending kind (emit_cj) */
    store_cur(e, op); /* RSI too */
    x_mov_rr64(e, X_RDI, X_RBX);
    native_call_out(e, fn_addr(&op->fn, sizeof op->fn));
    x_patch(e, x_jmp(e), ns->exit);
}

/* The lazy flags' kind (CC_*) and size the block's last flag update
 * before op i leaves, as far as the translator can tell (skipping the
 * moves, pushes and pops, and the updates the liveness pass dropped), or
 * -1.  A guess: emit_jcc checks it when it runs. */
static int flags_guess(const Tb *tb, int i, int *size)
{
    static const int8_t cc_of[8] = { CC_ADD, CC_LOGIC, CC_ADC, CC_SBB, CC_LOGIC, CC_SUB, CC_LOGIC, CC_SUB };
    for (int j = i - 1; j >= 0; j--) {
        const E386Op *op = &tb->ops[j];
        int push, opn, cls = FX_CLASS(op->fx);
        AluInline ai;
        if (cls == FX_NONE || cls == FX_DEAD || mov_inline_kind(op->fn) >= 0 || stack_run_length(op->fn, &push) > 0)
            continue;
        if (alu_inline_info(op, &ai)) {
            *size = ai.size;
            return ai.kind == ALI_ALU ? cc_of[ai.opn & 7] : ai.kind == ALI_TEST ? CC_LOGIC
                 : ai.kind == ALI_INCDEC ? (ai.opn ? CC_DEC : CC_INC) : -1;
        }
        *size = 4;
        if (alu_reg_form(op->fn, &opn) >= 0)
            return cc_of[opn & 7];
        return alu_compare_kind(op->fn) == CJ_TEST ? CC_LOGIC : -1;
    }
    return -1;
}

/* AL..BH (reg_get's numbering): its byte in cpu->r[] on this little-endian host */
#define BYTE_REG_OFF(n) (REG_OFF((n) & 3) + ((n) >> 2))

/* Has condition cc a fast path for flags of kind k and size n
 * (flags_guess)?  Not CF after INC/DEC (the one before), not PF of a
 * narrow one (the top bits' PF is not the guest's), ADC and SBB only of
 * 32 bits (their carry-in would have to move to the top bits too) */
static int fast_cond_ok(int cc, int k, int n)
{
    int c2 = cc >> 1, sh = 32 - 8 * n;
    return !((n != 1 && n != 2 && n != 4) || (c2 == 5 && sh) ||
             ((k == CC_INC || k == CC_DEC) && (c2 == 1 || c2 == 3)) || ((k == CC_ADC || k == CC_SBB) && n != 4) ||
             (k != CC_SUB && k != CC_ADD && k != CC_LOGIC && k != CC_INC && k != CC_DEC && k != CC_ADC &&
              k != CC_SBB));
}

/* emit_jcc_fast's check and host flags, without the branch: other[0..1]
 * when the kind or size is not k and n (other NULL: no check, the kind
 * is known: NativeState.cc_known); fast_cond_ok(cc, k, n) first.
 * Clobbers RAX, RDX and RSI. */
static void emit_guess_flags(Emit *e, int k, int n, size_t *other)
{
    int sh = 32 - 8 * n;
    if (other) {
        x_cmp_m32_imm8(e, X_RBX, OFF(cc_op), (int8_t)k);
        other[0] = x_jcc(e, X_NE);
        x_cmp_m32_imm8(e, X_RBX, OFF(cc_size), (int8_t)n);
        other[1] = x_jcc(e, X_NE);
    }
    if (k == CC_SUB || k == CC_ADD) { /* a (cpu.h cc_first), then the host's CMP or ADD of a and b */
        x_load32(e, X_RDX, X_RBX, OFF(cc_dst));
        x_load32(e, X_RSI, X_RBX, OFF(cc_src2));
        x_alu_rr32(e, k == CC_SUB ? 0 : 5, X_RDX, X_RSI);
        if (sh) {
            x_shl_ri32(e, X_RDX, sh);
            x_shl_ri32(e, X_RSI, sh);
        }
        x_alu_rr32(e, k == CC_SUB ? 7 : 0, X_RDX, X_RSI);
        return;
    }
    x_load32(e, X_RDX, X_RBX, k == CC_LOGIC || k == CC_INC || k == CC_DEC ? OFF(cc_dst) : OFF(cc_src1));
    if (k == CC_INC || k == CC_DEC)
        x_alu_ri32(e, k == CC_INC ? 5 : 0, X_RDX, 1);
    if (sh)
        x_shl_ri32(e, X_RDX, sh);
    if (k == CC_LOGIC) {
        x_test_rr32(e, X_RDX, X_RDX); /* CF = OF = 0 */
    } else if (k == CC_ADC || k == CC_SBB) {
        /* 32 bits: the carry-in (r - a - b for ADC, a - b - r for SBB:
         * 0 or 1, cc_flags') into CF, then the host's ADC/SBB of a and b:
         * SBB + Jcc is a 32-bit program's 64-bit compare */
        x_load32(e, X_RSI, X_RBX, OFF(cc_src2));
        x_load32(e, X_RAX, X_RBX, OFF(cc_dst));
        if (k == CC_ADC) {
            x_alu_rr32(e, 5, X_RAX, X_RDX);
            x_alu_rr32(e, 5, X_RAX, X_RSI); /* the carry-in */
        } else {
            x_alu_rr32(e, 0, X_RAX, X_RSI);
            x_alu_rr32(e, 5, X_RAX, X_RDX); /* r + b - a: minus the borrow-in */
        }
        x_alu_ri32(e, 0, X_RAX, 0xffffffffu); /* CF = (RAX != 0) */
        x_alu_rr32(e, k == CC_ADC ? 2 : 3, X_RDX, X_RSI);
    } else { /* INC/DEC: a (cpu.h cc_first), then the host's ADD or SUB of 1 */
        x_alu_ri32(e, k == CC_INC ? 0 : 5, X_RDX, 1u << sh);
    }
}

/* emit_jcc's fast path for flags of kind k and size n: when cpu->cc is
 * of that kind and size, the host's flags of the same operation on the
 * operands moved to the top bits (as cc_cond compares them) give
 * condition cc, to taken[0], else on to not_taken[0]; any other kind or
 * size to other[0..1]; 0: no fast path for k and cc */
static int emit_jcc_fast(Emit *e, int cc, int k, int n, size_t *taken, size_t *not_taken, size_t *other)
{
    if (!fast_cond_ok(cc, k, n))
        return 0;
    emit_guess_flags(e, k, n, other);
    taken[0] = x_jcc(e, cc);
    not_taken[0] = x_jmp(e);
    return 1;
}

/* the kind and size the lazy flags have at op i's start if the
 * translator knows them (NativeState.cc_known), else -1 */
static int known_kind(const NativeState *ns, int *size)
{
    uint32_t k = ns->cc_known;
    *size = (int)(k >> 8 & 0xff);
    return k && !(k & CC_PATCHED) ? (int)(k & 0xff) : -1;
}

/* CMOVcc r32, r/m32 and SETcc r8 (op_cmov, op_setcc) when the lazy
 * flags' kind is known here (known_kind: no run-time test of it) or the
 * block's last flag update is of a kind emit_guess_flags knows
 * (flags_guess): the host's CMOVcc or SETcc on its flags; the memory operand of a CMOV read
 * first, whatever the condition, as the handler does (a fault changes
 * nothing); another kind at run time, or any other form: the handler
 * (1 emitted, 0 not) */
int native_emit_cond_op(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    int cmov = op->fn == op_cmov, size, guess = known_kind(ns, &size), known = guess >= 0;
    if (!known)
        guess = flags_guess(tb, i, &size);
    if ((!cmov && op->fn != op_setcc) || op->lock || op->sub > 15 || guess < 0 || !fast_cond_ok(op->sub, guess, size))
        return 0;
    if (cmov ? op->size != 4 || (op->mod != 3 && (op->adsize != 4 || op->seg >= 6)) : op->mod != 3)
        return 0;
    size_t slow[6];
    int nslow = 0;
    if (cmov && op->mod == 3) {
        x_load32(e, X_RCX, X_RBX, REG_OFF(op->rm));
    } else if (cmov) {
        native_emit_mem_addr(e, ns, op, 4, FH_READ, LIN_REG, slow, &nslow);
        x_load_idx(e, 4, X_RCX, LIN_REG, X_RAX);
    }
    emit_guess_flags(e, guess, size, known ? NULL : slow + nslow);
    nslow += known ? 0 : 2;
    if (cmov) { /* the MOVs leave the flags */
        x_load32(e, X_RAX, X_RBX, REG_OFF(op->reg));
        x_byte(e, 0x0f), x_byte(e, 0x40u + (unsigned)op->sub), x_byte(e, 0xc1); /* cmovcc eax, ecx */
        x_store32(e, X_RBX, REG_OFF(op->reg), X_RAX);
    } else {
        x_byte(e, 0x0f), x_byte(e, 0x90u + (unsigned)op->sub), x_byte(e, 0xc0); /* setcc al */
        x_store8(e, X_RBX, BYTE_REG_OFF(op->rm), X_RAX);
    }
    native_end_inline(e, ns, i, slow, nslow);
    return 1;
}

/* a Jcc (condition cc) at the block's end */
static void emit_jcc(Emit *e, NativeState *ns, const Tb *tb, int i, int cc)
{
    const E386Op *op = &tb->ops[i];
    int c2 = cc >> 1, sub_ok = c2 == 1 || c2 == 2 || c2 == 3 || c2 == 6 || c2 == 7;
    size_t taken[3], slow[3], to_logic, not_sub = 0;
    int nslow = 0;
    if (c2 == 5) { /* parity: the handler */
        store_cur(e, op); /* RSI too */
        x_mov_rr64(e, X_RDI, X_RBX);
        native_call_out(e, fn_addr(&op->fn, sizeof op->fn));
        native_emit_chain_exit(e, ns, tb, op);
        return;
    }
    int known_size, known = known_kind(ns, &known_size);
    if (known >= 0 && fast_cond_ok(cc, known, known_size)) { /* the host's flags decide, no test of the kind */
        emit_guess_flags(e, known, known_size, NULL);
        taken[0] = x_jcc(e, cc);
        emit_sides(e, ns, tb, op, op, taken, 1, NULL, 0);
        return;
    }
    /* the guessed kind's fast path first, then any kind */
    size_t fast_taken = 0, fast_not_taken = 0, other[2];
    int guess_size, guess = flags_guess(tb, i, &guess_size);
    int fast = guess >= 0 && emit_jcc_fast(e, cc, guess, guess_size, &fast_taken, &fast_not_taken, other);
    if (fast)
        for (int k = 0; k < 2; k++)
            x_patch(e, other[k], e->p);
    x_load32(e, X_RAX, X_RBX, OFF(cc_op));
    x_load32(e, X_RDX, X_RBX, OFF(cc_size)); /* CL = 32 - 8 * size: operands to the top */
    x_shl_ri32(e, X_RDX, 3);
    x_mov_ri32(e, X_RCX, 32);
    x_alu_rr32(e, 5, X_RCX, X_RDX);
    if (sub_ok) {
        x_alu_ri32(e, 7, X_RAX, CC_SUB);
        not_sub = x_jcc(e, X_NE);
        x_load32(e, X_RDX, X_RBX, OFF(cc_dst));
        x_load32(e, X_RSI, X_RBX, OFF(cc_src2));
        x_alu_rr32(e, 0, X_RDX, X_RSI); /* a = dst + b (cpu.h cc_first) */
        x_shl_cl32(e, X_RDX);
        x_shl_cl32(e, X_RSI);
        x_alu_rr32(e, 7, X_RDX, X_RSI);
        taken[0] = x_jcc(e, cc);
        size_t nt = x_jmp(e);
        x_patch(e, not_sub, e->p);
        not_sub = nt; /* the not-taken side, patched below */
    }
    x_alu_ri32(e, 7, X_RAX, CC_LOGIC);
    to_logic = x_jcc(e, X_E);
    if (c2 == 2 || c2 == 4) { /* ZF and SF are the result's, but after EFLAGS (and ZF after MUL) */
        x_alu_ri32(e, 7, X_RAX, CC_EFLAGS);
        slow[nslow++] = x_jcc(e, X_E);
        if (c2 == 2) {
            x_alu_ri32(e, 7, X_RAX, CC_MUL);
            slow[nslow++] = x_jcc(e, X_E);
        }
    } else {
        slow[nslow++] = x_jmp(e);
    }
    x_patch(e, to_logic, e->p);
    x_load32(e, X_RDX, X_RBX, OFF(cc_dst));
    x_shl_cl32(e, X_RDX);
    x_test_rr32(e, X_RDX, X_RDX);
    taken[sub_ok] = x_jcc(e, cc);
    if (sub_ok)
        x_patch(e, not_sub, e->p);
    if (fast) {
        x_patch(e, fast_not_taken, e->p);
        taken[1 + sub_ok] = fast_taken;
    }
    emit_sides(e, ns, tb, op, op, taken, 1 + sub_ok + fast, slow, nslow);
}


/* a fused compare and branch (cmp_jcc): of registers, a register and an
 * immediate, or memory at [base (+ index << scale) + disp] read as the
 * specialised loads do (inline.c: a flat segment, linear memory, one
 * page; else the handler) */
static void emit_cj(Emit *e, NativeState *ns, const Tb *tb, int i, int kind, int cc)
{
    const E386Op *op = &tb->ops[i];
    int byte = kind == CJ_MI8 || kind == CJ_MR8 || kind == CJ_MR8_BI || kind == CJ_MI8_BI || kind == CJ_TEST8;
    int bi = kind == CJ_MR8_BI || kind == CJ_MI8_BI || kind == CJ_MR_BI || kind == CJ_MI_BI;
    int test = kind == CJ_TEST || kind == CJ_TEST8;
    int mem = kind != CJ_RR && kind != CJ_GR && kind != CJ_RI && kind != CJ_AI && !test;
    int imm = kind == CJ_RI || kind == CJ_AI || kind == CJ_MI || kind == CJ_MI8 || kind == CJ_MI8_BI || kind == CJ_MI_BI;
    size_t slow[4];
    int nslow = 0;
    if (mem) { /* RDX = the operand in memory */
        native_emit_lin(e, ns, op->seg, LIN_REG, slow, &nslow);
        native_emit_ea(e, op, bi);
        native_emit_seg_base(e, ns, op->seg, byte ? 1 : 4, slow, &nslow);
        native_emit_tlb(e, ns, byte ? 1 : 4, FH_READ, LIN_REG, slow, &nslow);
        x_load_idx(e, byte ? 1 : 4, X_RDX, LIN_REG, X_RAX);
    }
    /* RDX = a, RSI = b (a dword compare's immediate b stays one: the SUB below) */
    if (kind == CJ_GM) {
        x_mov_rr64(e, X_RSI, X_RDX);
        x_load32(e, X_RDX, X_RBX, REG_OFF(op->reg));
    } else {
        if (kind == CJ_TEST8)
            x_movzx8_load(e, X_RDX, X_RBX, BYTE_REG_OFF(op->rm));
        else if (!mem)
            x_load32(e, X_RDX, X_RBX, REG_OFF(kind == CJ_GR ? op->reg : kind == CJ_AI ? 0 : op->rm));
        if (imm && byte)
            x_mov_ri32(e, X_RSI, op->imm & 0xff);
        else if (byte)
            x_movzx8_load(e, X_RSI, X_RBX, BYTE_REG_OFF(op->reg));
        else if (!imm)
            x_load32(e, X_RSI, X_RBX, REG_OFF(kind == CJ_GR ? op->rm : op->reg));
    }
    if (test || byte) /* a kept: a byte's is compared below */
        x_mov_rr64(e, X_RAX, X_RDX);
    /* the stores below leave the host's flags as the AND or SUB set them */
    if (test) { /* cc_set(LOGIC, size, a & b, 0, 0) */
        x_alu_rr32(e, 4, X_RAX, X_RSI);
        x_store32_imm(e, X_RBX, OFF(cc_op), CC_LOGIC);
        x_store32_imm(e, X_RBX, OFF(cc_size), byte ? 1 : 4);
        x_store32(e, X_RBX, OFF(cc_dst), X_RAX); /* not the sources: inline.c emit_cc */
        if (byte) { /* TEST AL, AL: SF from bit 7, CF = OF = 0 */
            x_byte(e, 0x84);
            x_byte(e, 0xc0);
        }
    } else { /* cc_set(SUB, size, (a - b) & mask, a, b) without a (cpu.h cc_first) */
        int r = byte ? X_RAX : X_RDX, b_imm = imm && !byte; /* b in the instruction */
        if (b_imm)
            x_alu_ri32(e, 5, r, op->imm);
        else
            x_alu_rr32(e, 5, r, X_RSI);
        if (byte)
            x_alu_ri32(e, 4, X_RAX, 0xff);
        x_store32_imm(e, X_RBX, OFF(cc_op), CC_SUB);
        x_store32_imm(e, X_RBX, OFF(cc_size), byte ? 1 : 4);
        x_store32(e, X_RBX, OFF(cc_dst), r);
        if (b_imm)
            x_store32_imm(e, X_RBX, OFF(cc_src2), op->imm);
        else
            x_store32(e, X_RBX, OFF(cc_src2), X_RSI);
        if (byte) { /* compared by their top bits, as cmp_jcc */
            x_shl_ri32(e, X_RDX, 24);
            x_shl_ri32(e, X_RSI, 24);
            x_alu_rr32(e, 7, X_RDX, X_RSI);
        }
    }
    size_t taken = x_jcc(e, cc);
    /* the handler's call (slow) stores the kind op started with, if
     * pending (native_cc_defer_ok): it may fault before its compare */
    emit_sides(e, ns, tb, op, op + 1, &taken, 1, slow, nslow);
    ns->cc_pend = 0; /* the compare's own kind is stored on every other path */
}

int native_fused_compare_at(const Tb *tb, int i, int *cc)
{
    int form = i + 2 == tb->nops ? branch_form(tb->ops, tb->nops, i, cc) : -1;
    return form >= 0 && form < CJ_KINDS ? form : -1;
}

int native_emit_branch(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    if (i + 2 < tb->nops)
        return 0; /* not a block end */
    const E386Op *op = &tb->ops[i];
    int cc, form = branch_form(tb->ops, tb->nops, i, &cc);
    int prev_cc, prev = i > 0 ? branch_form(tb->ops, tb->nops, i - 1, &prev_cc) : -1;
    if (prev >= 0 && prev < CJ_KINDS)
        return 0; /* the Jcc of a fused pair: never reached */
    if (i + 1 == tb->nops && (form == CJ_KINDS || (op->fn == op_jcc_J && op->sub < 16))) {
        emit_jcc(e, ns, tb, i, form == CJ_KINDS ? cc : op->sub & 15);
        return 1;
    }
    if ((form = native_fused_compare_at(tb, i, &cc)) >= 0) {
        emit_cj(e, ns, tb, i, form, cc);
        return 1;
    }
    return 0;
}
