/* The block translator of the native back end: a Tb's ops to host code.
 *
 * Call threading: each op is a call of its handler with (cpu, op) (most
 * through the shared call_next), after storing cpu->cur as the fault
 * path needs (the inline forms store none: native_op_at); while the handler
 * returns the next op of the block (and no exit was requested) the code
 * goes on inline, anything else (block end, a chained successor, a stale
 * block) returns that op to the dispatcher (run.c).  That is correct for
 * every op by construction: the same handlers run in the same order with
 * the same state as under run_chain.  The one assumption is that an op's
 * handler does not change after translation except for the first op's
 * (op_tb_stale), which the dispatcher checks through tb->valid. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "core/decode.h"
#include "core/ops.h"
#include "native/native_int.h"
#include "native/x64emit.h"

enum {
    MAX_OPS = 128,      /* more than a block has (exec.c's TB_MAX_INSNS + 1) */
    CPU_REG = X_RBX,    /* cpu, callee-saved across the handlers */
};
#define CUR_OFF ((int32_t)offsetof(E386Cpu, cur))
#define EXIT_REQ_OFF ((int32_t)offsetof(E386Cpu, exit_request))
#define CUR_TB_OFF ((int32_t)offsetof(E386Cpu, cur_tb))

/* The entry and exit every block shares, at the buffer's start: save the
 * callee-saved registers the blocks use (the stack 16-byte aligned at
 * their calls), load lin's register (LIN_REG), clear the count of
 * followings (HITS_REG), jump to the op's code; restore them.
 *
 * The exit first does what the dispatcher would (run.c, code_for): when
 * the op to go on with is one of the current block's (cpu->cur_tb: the
 * first op of a block a handler chained to, or a later op of the running
 * block that a PUSH/POP or x87 run handler returned), the block is valid
 * (not invalidated since: op_tb_stale) and has host code, jump to that
 * op's code; with an exit request, NULL or anything else, return it to
 * the dispatcher.  The op's index is the exact quotient of its offset in
 * tb->ops by sizeof(E386Op): a shift by the size's power of two and a
 * multiplication by the odd part's inverse mod 2^32.  The exit's
 * chaining is thus checked each time, never patched (the lean sites'
 * are: branch.c): an invalidated block's code cannot run, and code from
 * before a flush is only reached through the blocks of before the flush,
 * within the run that flushed (codebuf.h). */
enum { STUB_BYTES = 768, DISPATCH_OUTS = 5 };

/* The exit's checks and jump, RAX the op to go on with; out[] are the
 * jumps to take for "return to the dispatcher", for the caller to patch.
 * (A copy at each block's end, for a per-site indirect jump, measured 7%
 * slower on python-builtins: docs/performance.md "Native step 2".) */
static void emit_dispatch(Emit *e, size_t out[DISPATCH_OUTS])
{
    unsigned shift = 0;
    uint32_t odd = (uint32_t)sizeof(E386Op), inv = 1;
    while (!(odd & 1)) {
        odd >>= 1;
        shift++;
    }
    for (int k = 0; k < 5; k++) /* Newton: each step doubles the correct low bits */
        inv *= 2u - odd * inv;
    x_test_rr64(e, X_RAX, X_RAX);
    out[0] = x_jcc(e, X_E);
    x_cmp_m64_imm8(e, CPU_REG, EXIT_REQ_OFF, 0);
    out[1] = x_jcc(e, X_NE);
    x_load64(e, X_RCX, CPU_REG, CUR_TB_OFF);
    x_mov_rr64(e, X_RDX, X_RAX);
    x_sub_rm64(e, X_RDX, X_RCX, (int32_t)offsetof(Tb, ops)); /* the op's offset in the block */
    x_movzx16_load(e, X_RSI, X_RCX, (int32_t)offsetof(Tb, nops));
    x_imul_ri32(e, X_RSI, (uint32_t)sizeof(E386Op));
    x_cmp_rr64(e, X_RDX, X_RSI);
    out[2] = x_jcc(e, X_AE); /* unsigned: not in this block */
    x_cmp_m8_imm8(e, X_RCX, (int32_t)offsetof(Tb, valid), 0);
    out[3] = x_jcc(e, X_E);
    x_load64(e, X_RDI, X_RCX, (int32_t)offsetof(Tb, native));
    x_test_rr64(e, X_RDI, X_RDI);
    out[4] = x_jcc(e, X_E);
    if (shift)
        x_shr_ri64(e, X_RDX, (int)shift);
    if (odd != 1)
        x_imul_ri32(e, X_RDX, inv); /* the index (zero-extended) */
    x_shl_ri32(e, X_RDX, 2);
    x_add_rr64(e, X_RDX, X_RDI);
    x_load32(e, X_RSI, X_RDX, 0); /* the table's offset of that op */
    x_add_rr64(e, X_RDI, X_RSI);
    x_jmp_reg(e, X_RDI);
}

/* The handler call most ops' code is (native_emit_call), shared: the
 * block's code is MOV RSI, op; CALL here (15 bytes where the call and
 * its checks inline took 57; the code of a big program's blocks is what
 * the host's instruction cache holds, not the handlers').  cpu->cur =
 * op; the handler's call (the stack realigned for it; R13 keeps op: it
 * is callee-saved, and nothing else of the blocks uses it); when it
 * returned op + 1 and no exit is requested return into the block, else
 * drop the return address and take the shared exit with what it
 * returned.  An op in a flag-liveness window leaves too: the dispatcher
 * goes on with the next op there (run_chain's exit check skips it), and
 * a segment load that breaks the code's assumption (NativeState
 * .flat_segs) must leave before the next access. */
static void emit_call_next(Emit *e, const uint8_t *exit)
{
    x_store64(e, CPU_REG, CUR_OFF, X_RSI);
    x_mov_rr64(e, X_R13, X_RSI);
    x_mov_rr64(e, X_RDI, CPU_REG);
    native_counts_out(e, X_RAX);
    static const uint8_t call_rsi[] = { 0xff, 0x16 }, lea_r13[] = { 0x49, 0x8d, 0x4d }; /* lea rcx, [r13 + d8] */
    x_rsp_adjust(e, -8);
    for (size_t k = 0; k < sizeof call_rsi; k++) /* call [rsi]: op->fn */
        x_byte(e, call_rsi[k]);
    x_rsp_adjust(e, 8);
    native_icount_in(e);
    _Static_assert(offsetof(E386Op, fn) == 0 && sizeof(E386Op) < 128, "call [rsi], lea's disp8");
    for (size_t k = 0; k < sizeof lea_r13; k++)
        x_byte(e, lea_r13[k]);
    x_byte(e, (unsigned)sizeof(E386Op));
    x_cmp_rr64(e, X_RAX, X_RCX);
    size_t out[2];
    int n = 0;
    out[n++] = x_jcc(e, X_NE);
    x_cmp_m64_imm8(e, CPU_REG, EXIT_REQ_OFF, 0);
    out[n++] = x_jcc(e, X_NE);
    x_ret(e);
    for (int k = 0; k < n; k++)
        x_patch(e, out[k], e->p);
    x_rsp_adjust(e, 8); /* the return address into the block */
    x_patch(e, x_jmp(e), exit);
}

void native_counts_out(Emit *e, int scratch)
{
    x_load64(e, scratch, CPU_REG, (int32_t)offsetof(E386Cpu, budget_end));
    x_sub_rr64(e, scratch, LEFT_REG);
    x_store64(e, CPU_REG, (int32_t)offsetof(E386Cpu, icount), scratch);
    x_add_mr64(e, CPU_REG, (int32_t)offsetof(E386Cpu, stats.chain_hits), HITS_REG);
    x_alu_rr32(e, 6, HITS_REG, HITS_REG); /* xor: 0 */
}

void native_icount_in(Emit *e)
{
    x_load64(e, LEFT_REG, CPU_REG, (int32_t)offsetof(E386Cpu, budget_end));
    x_sub_rm64(e, LEFT_REG, CPU_REG, (int32_t)offsetof(E386Cpu, icount));
}

void native_call_out(Emit *e, uintptr_t target)
{
    native_counts_out(e, X_RAX);
    x_call(e, target);
    native_icount_in(e);
}

int native_emit_stubs(NativeState *ns)
{
    uint8_t *p = codebuf_begin(ns->buf, STUB_BYTES);
    if (!p)
        return -1;
    Emit e;
    x_init(&e, p, STUB_BYTES);
    x_push(&e, X_RBX);
    x_push(&e, X_R12);
    x_push(&e, X_R13);
    x_push(&e, X_R14);
    x_push(&e, X_R15);
    x_push(&e, X_RBP);
    x_rsp_adjust(&e, -8); /* six pushes and this keep the calls' alignment */
    x_alu_rr32(&e, 6, HITS_REG, HITS_REG);
    x_mov_rr64(&e, CPU_REG, X_RDI);
    x_load64(&e, LIN_REG, CPU_REG, (int32_t)offsetof(E386Cpu, mem.lfast));
    native_icount_in(&e);
    x_jmp_reg(&e, X_RSI);
    size_t exit_at = x_len(&e);
    size_t out[DISPATCH_OUTS];
    emit_dispatch(&e, out);
    for (int k = 0; k < DISPATCH_OUTS; k++)
        x_patch(&e, out[k], e.p);
    size_t leave_at = x_len(&e);
    native_counts_out(&e, X_RDX); /* RAX is the op to go on with */
    x_rsp_adjust(&e, 8);
    x_pop(&e, X_RBP);
    x_pop(&e, X_R15);
    x_pop(&e, X_R14);
    x_pop(&e, X_R13);
    x_pop(&e, X_R12);
    x_pop(&e, X_RBX);
    x_ret(&e);
    size_t call_at = x_len(&e);
    emit_call_next(&e, p + exit_at);
    size_t redo_at = x_len(&e);
    x_mov_rr64(&e, X_RDI, CPU_REG); /* the op again, by its handler: native_redo_stub */
    native_call_out(&e, (uintptr_t)native_redo_call);
    x_patch(&e, x_jmp(&e), p + exit_at);
    size_t follow_at = x_len(&e);
    ns->exit = p + exit_at; /* the follow's jumps to it */
    native_emit_follow_stub(&e, ns);
    codebuf_commit(ns->buf, p, x_len(&e));
    codebuf_keep_prefix(ns->buf);
    if (e.overflow || ns->buf->sealed != ns->buf->keep || ns->buf->keep == 0)
        return -1; /* the host refused the protection change */
    _Static_assert(sizeof(NativeEnter) == sizeof(uint8_t *), "function pointers are addresses");
    uintptr_t entry = (uintptr_t)p;
    memcpy(&ns->enter, &entry, sizeof entry);
    ns->exit = p + exit_at;
    ns->call_next = p + call_at;
    ns->redo = p + redo_at;
    ns->leave = p + leave_at;
    ns->follow = p + follow_at;
    return 0;
}

void native_cc_flush(Emit *e, NativeState *ns)
{
    if (!ns->cc_pend)
        return;
    x_store32_imm(e, CPU_REG, (int32_t)offsetof(E386Cpu, cc_op), ns->cc_pend & 0xff);
    x_store32_imm(e, CPU_REG, (int32_t)offsetof(E386Cpu, cc_size), ns->cc_pend >> 8 & 0xff);
    ns->cc_pend = 0;
}

void native_jump_to_op(Emit *e, NativeState *ns, int j)
{
    /* op j's code may assume nothing pending, or what is pending here
     * (a PUSH/POP run's ops in between touch no flag): stored, either holds */
    native_cc_flush(e, ns);
    size_t at = x_jmp(e);
    if (ns->nfix < (int)(sizeof ns->fix / sizeof ns->fix[0])) {
        ns->fix[ns->nfix].at = at;
        ns->fix[ns->nfix++].op = j;
    } else {
        e->overflow = 1; /* cannot happen: three an op at most (a run's, its cold call's two) */
    }
}

static void defer(Emit *e, NativeState *ns, int i, const size_t *at, int n)
{
    if (ns->ncold == (int)(sizeof ns->cold / sizeof ns->cold[0]) || n > COLD_JUMPS) {
        e->overflow = 1; /* cannot happen: one an op at most */
        return;
    }
    ns->cold[ns->ncold].op = i;
    ns->cold[ns->ncold].n = n;
    for (int k = 0; k < n; k++)
        ns->cold[ns->ncold].at[k] = at[k];
    ns->ncold++;
}

void native_end_inline(Emit *e, NativeState *ns, int i, const size_t *slow, int nslow)
{
    if (nslow) /* none: no cold code, nothing would reach it */
        defer(e, ns, i, slow, nslow);
}

/* the cold code, after the last op's */
static void emit_cold(Emit *e, NativeState *ns, const Tb *tb, const uint32_t *pend)
{
    for (int k = 0; k < ns->ncold; k++) {
        int i = ns->cold[k].op;
        for (int j = 0; j < ns->cold[k].n; j++)
            x_patch(e, ns->cold[k].at[j], e->p);
        /* what op i's code started with is pending still: a slow path
         * leaves before its op changed anything (or after a flush of it) */
        ns->cc_pend = pend[i];
        native_emit_call(e, ns, tb, i); /* not a last op: inline forms never are */
        native_jump_to_op(e, ns, i + 1);
    }
}

void native_emit_call(Emit *e, NativeState *ns, const Tb *tb, int i)
{
    const E386Op *op = &tb->ops[i];
    int push, n = stack_run_length(op->fn, &push);
    native_cc_flush(e, ns); /* the handler reads or writes the lazy flags as it likes */
    x_mov_ri64(e, X_RSI, (uint64_t)(uintptr_t)op);
    if (i + 1 < tb->nops && n <= 1) { /* the shared call: on here after op, or out */
        x_call(e, (uintptr_t)ns->call_next);
        return;
    }
    x_store64(e, CPU_REG, CUR_OFF, X_RSI);
    x_mov_rr64(e, X_RDI, CPU_REG);
    uintptr_t fn;
    memcpy(&fn, &op->fn, sizeof fn);
    native_call_out(e, fn);
    if (i + 1 == tb->nops) { /* the last op never continues in the block */
        native_emit_chain_exit(e, ns, tb, op);
        return;
    }
    x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)(op + 1));
    x_cmp_rr64(e, X_RAX, X_RCX);
    if (n > 1 && i + n < tb->nops) { /* a whole PUSH/POP run: on at op i + n */
        size_t next = x_jcc(e, X_E);
        x_mov_ri64(e, X_RCX, (uint64_t)(uintptr_t)(op + n));
        x_cmp_rr64(e, X_RAX, X_RCX);
        x_patch(e, x_jcc(e, X_NE), ns->exit);
        if (!(op->fx & FX_INEXACT)) {
            x_cmp_m64_imm8(e, CPU_REG, EXIT_REQ_OFF, 0);
            x_patch(e, x_jcc(e, X_NE), ns->exit);
        }
        native_jump_to_op(e, ns, i + n);
        x_patch(e, next, e->p);
    } else {
        x_patch(e, x_jcc(e, X_NE), ns->exit);
    }
    if (!(op->fx & FX_INEXACT)) { /* run_chain's check, where it makes it */
        x_cmp_m64_imm8(e, CPU_REG, EXIT_REQ_OFF, 0);
        x_patch(e, x_jcc(e, X_NE), ns->exit);
    }
}

/* How many of op's operands name all 32 bits of guest register g (a
 * guess: implicit registers are not counted, nor AL..BH and AX..DI,
 * whose accesses do not go through the cache) */
static int op_names(const E386Op *op, int g)
{
    unsigned opc = op->opcode;
    int ext = opc == 0x1b6 || opc == 0x1b7 || opc == 0x1be || opc == 0x1bf; /* MOVZX, MOVSX: reg is r32 */
    int n = op->reg == g && decode_reg_is_operand((int)opc) && (op->size == 4 || (ext && op->opsize == 4));
    if (((opc >= 0x40 && opc < 0x60) || (opc >= 0x91 && opc < 0x98) || (opc >= 0xb8 && opc < 0xc0) ||
         (opc >= 0x1c8 && opc < 0x1d0)) && op->opsize == 4) /* INC, DEC, PUSH, POP r; XCHG; MOV r, imm; BSWAP */
        n += (int)(opc & 7) == g;
    if (op->mod == 3)
        n += op->rm == g && op->size == 4;
    else
        n += (op->base == g) + (op->index == g);
    return n;
}

/* The register cache (x64emit.h): the guest registers a block uses most
 * (at least twice), up to four, in R8-R11 (two, R8 and R9, with the soft
 * TLB, whose probes use R10 and R11); nothing else of the blocks uses
 * them.  Written through: cpu->r[] stays the truth at every exit, fault
 * and call, and a register is cached from its first load or store in the
 * block.  Why: a chain of guest instructions through cpu->r[] is a chain
 * of stores and loads of the same addresses, which a Zen 3 forwards at
 * about a register's cost only while the chain's pairs are few (about 20
 * in a loop: docs/performance.md "Native step 15"). */
static void cache_choose(Emit *e, const NativeState *ns, const Tb *tb)
{
    int uses[8] = { 0 };
    for (int i = 0; i < tb->nops; i++)
        for (int g = 0; g < 8; g++)
            uses[g] += op_names(&tb->ops[i], g);
    static const int8_t host[4] = { X_R8, X_R9, X_R10, X_R11 };
    int n = ns->soft ? 2 : 4;
    e->rc_off = (int32_t)offsetof(E386Cpu, r);
    for (int k = 0; k < n; k++) {
        int best = -1;
        for (int g = 0; g < 8; g++)
            if (e->rc_host[g] < 0 && uses[g] >= 2 && (best < 0 || uses[g] > uses[best]))
                best = g;
        if (best < 0)
            break;
        e->rc_host[best] = host[k];
    }
}

const uint32_t *native_translate(E386Cpu *cpu, NativeState *ns, Tb *tb)
{
    (void)cpu;
    if (tb->nops > MAX_OPS)
        return NULL; /* interpreted */
    if (ns->nblocks == ns->blocks_cap) { /* room in native_op_at's map first */
        size_t cap = ns->blocks_cap ? 2 * ns->blocks_cap : 1024;
        struct NativeBlock *b = realloc(ns->blocks, cap * sizeof *b);
        if (!b)
            return NULL;
        ns->blocks = b;
        ns->blocks_cap = cap;
    }
    size_t table = ((size_t)(3 * tb->nops + LEAN_WORDS) * 4 + 15) & ~(size_t)15;
    size_t max = table + (size_t)tb->nops * (OP_MAX_BYTES + ENTRY_STUB_BYTES) + BRANCH_BYTES;
    uint8_t *p = codebuf_begin(ns->buf, max);
    if (!p) {
        ns->full = 1;
        return NULL;
    }
    Emit e;
    x_init(&e, p, max);
    memset(p, 0xcc, table); /* the table, filled below */
    e.p += table;
    uint32_t off[3 * MAX_OPS + LEAN_WORDS], *code = off + tb->nops + LEAN_WORDS, *pend = code + tb->nops;
    unsigned cached[MAX_OPS];  /* the registers cached where op i's code starts */
    uint32_t reload[MAX_OPS];  /* where op i's code is entered from elsewhere: loads of them first */
    cache_choose(&e, ns, tb);
    ns->nfix = 0;
    ns->ncold = 0;
    ns->cc_pend = 0;
    int nsites = ns->nsites;
    ns->self = tb;
    ns->self_op0 = p + table;
    ns->lean_imm[0] = ns->lean_imm[1] = ns->lean_rel[0] = ns->lean_rel[1] = NULL;
    for (int i = 0; i < tb->nops; i++) {
        ns->cc_known = 0;
        if (ns->cc_pend && !native_cc_defer_ok(tb, i)) {
            ns->cc_known = ns->cc_pend;
            native_cc_flush(&e, ns);
        }
        pend[i] = ns->cc_pend;
        code[i] = (uint32_t)x_len(&e);
        cached[i] = e.rc_valid;
        if (native_emit_branch(&e, ns, tb, i) || native_emit_call_ret(&e, ns, tb, i))
            continue;
        if (i + 1 == tb->nops || !native_inline_op(&e, ns, tb, i))
            native_emit_call(&e, ns, tb, i);
    }
    emit_cold(&e, ns, tb, pend);
    /* Every way into op i's code but from op i - 1's fast path (the
     * dispatcher, the shared exit, a jump from the cold code or a run of
     * PUSH/POP) goes through its reload: the cached registers loaded */
    for (int i = 0; i < tb->nops; i++) {
        reload[i] = code[i];
        if (!cached[i])
            continue;
        reload[i] = (uint32_t)x_len(&e);
        e.rc_valid = 0;
        for (int g = 0; g < 8; g++)
            if (cached[i] >> g & 1)
                x_load32(&e, e.rc_host[g], CPU_REG, (int32_t)(offsetof(E386Cpu, r) + 4 * (size_t)g));
        x_patch(&e, x_jmp(&e), p + code[i]);
    }
    for (int i = 0; i < tb->nops; i++) { /* the entries */
        off[i] = reload[i];
        if (!pend[i])
            continue;
        off[i] = (uint32_t)x_len(&e); /* the dispatcher interprets op i (code_for) */
        x_mov_ri64(&e, X_RAX, (uint64_t)(uintptr_t)&tb->ops[i]);
        x_patch(&e, x_jmp(&e), ns->leave);
    }
    if (e.overflow) { /* cannot happen: OP_MAX_BYTES covers every form */
        ns->full = 1;
        ns->self = NULL;
        ns->nsites = nsites; /* none of its sites */
        return NULL;
    }
    for (int k = 0; k < ns->nfix; k++) /* each from a call, after a flush: to the code */
        x_patch(&e, ns->fix[k].at, p + reload[ns->fix[k].op]);
    ns->self = NULL;
    for (int k = 0; k < 2; k++) {
        off[tb->nops + 2 * k] = ns->lean_imm[k] ? (uint32_t)(ns->lean_imm[k] - p) : 0;
        off[tb->nops + 2 * k + 1] = ns->lean_rel[k] ? (uint32_t)(ns->lean_rel[k] - p) : 0;
    }
    memcpy(p, off, (size_t)(3 * tb->nops + LEAN_WORDS) * 4);
    codebuf_commit(ns->buf, p, x_len(&e));
    ns->blocks[ns->nblocks++] = (struct NativeBlock){ .code = p, .tb = tb };
    if (ns->perf_map)
        fprintf(ns->perf_map, "%lx %zx e386:%08x\n", (unsigned long)(uintptr_t)p, x_len(&e), (unsigned)tb->pc);
    if (ns->code_dump) { /* the code as translated (the sites are patched later) */
        fprintf(ns->code_dump, "%lx %08x ", (unsigned long)(uintptr_t)p, (unsigned)tb->pc);
        for (size_t k = 0; k < x_len(&e); k++)
            fprintf(ns->code_dump, "%02x", p[k]);
        fputc('\n', ns->code_dump);
    }
    return (const uint32_t *)p; /* executable once the window is sealed */
}
