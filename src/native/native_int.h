/* Inside the native back end: its per-CPU state and the translator. */
#ifndef E386_NATIVE_INT_H
#define E386_NATIVE_INT_H
#include "native/codebuf.h"
#include "native/native.h"
#include <stdio.h>

/* the shared entry: (cpu, host address of an op's code) -> the op to go on with */
typedef const E386Op *(*NativeEnter)(E386Cpu *cpu, const uint8_t *at);

/* the most jumps to one op's slow path (PUSH [m] through the soft TLB: 7) */
enum { COLD_JUMPS = 8 };

typedef struct NativeState {
    CodeBuf *buf;
    NativeEnter enter;
    const uint8_t *exit; /* the shared exit: RAX is the next op */
    /* the shared call of an op's handler (RSI the op), called: returns
     * when the handler returned the next op and no exit was requested,
     * else leaves by the shared exit (translate.c); in a flag-liveness
     * window too, where the dispatcher goes on (a segment load: flat_segs) */
    const uint8_t *call_next;
    const uint8_t *follow; /* the generic follow of a link (branch.c) */
    const uint8_t *redo;   /* native_redo_stub's: native_redo_call, then the exit */
    const uint8_t *leave;  /* the shared exit's return to the dispatcher, RAX the op to go on with */
    /* While translating: the lazy flags' kind and size the code has not
     * stored yet (cc_op, cc_size), CC_PEND_SET | kind | size << 8, or 0.
     * An inline ALU op or shift stores only cc_dst/src1/src2 and leaves
     * them pending; the next op that may read or wholly rewrite the lazy
     * flags, call out or leave stores them first (native_cc_flush); the
     * cold code stores what its op started with, a host fault what the
     * block's table says (native_host_fault); docs/architecture.md. */
    uint32_t cc_pend;
    /* The pending word the main loop stored just before the op being
     * translated (0: none): then the lazy flags' kind and size at the op's
     * start are exactly these on every path into its code, as the last
     * update before it is an inline form whose kind never depends on run
     * time (its handler's, on the cold path), so a condition on them needs
     * no run-time test of the kind (emit_jcc, native_emit_cond_op). */
    uint32_t cc_known;
    OpFn redo_fn;          /* the handler of the op a host fault was in (native_host_fault) */
    int full;            /* no room: interpret until the next flush */
    /* The linear guest memory the code assumes (cpu->mem.lbase, chosen
     * when the buffer is empty): the inline accesses go to lin + address
     * with no test of cpu->mem.lfast, as the dispatcher runs code only
     * while lfast is lin (native_lin_ok).  NULL: no inline access. */
    const uint8_t *lin;
    /* Else, system mode (cpu->softmmu): the inline accesses go through
     * the soft TLB (native_emit_tlb), the segments tested each time */
    int soft;
    /* With lin: the segments (bit SEG_*: ES, SS, DS) flat (SS also
     * 32-bit: seg_flat32) when the buffer was emptied, whose accesses the
     * code makes without testing them; the dispatcher runs code only
     * while they are (run.c code_ok), and a load that makes one not
     * requests an exit (core/segment.c load_seg), which every call of a
     * handler from the code checks, even in a flag-liveness window */
    unsigned flat_segs;
    Tb *const *jmp_cache; /* the CPU's jump cache (tb_jmp_cache), probed by calls.c */
    /* blocks translated into the open window, their code published
     * (tb->native) when it is sealed; heat TB_PENDING meanwhile */
    struct { Tb *tb; const uint32_t *code; } pending[256];
    int npending;
    unsigned pending_hits; /* entries into pending blocks since the last seal */
    /* while translating: jumps to a later op's code, patched at the end */
    struct { size_t at; int op; } fix[384];
    int nfix;
    /* and the cold code, emitted after every op's fast path: an op's
     * handler call, reached by the jumps at[] */
    struct { size_t at[COLD_JUMPS]; int n, op; } cold[256];
    int ncold;
    /* direct jump sites of pending blocks whose link led nowhere with
     * code yet: tried again when their window is sealed (branch.c) */
    struct NativeSite { const Tb *tb; int slot, lean; uint8_t *imm, *rel; } sites[1024]; /* 4 a block at most */
    int nsites;
    /* every block's code in the buffer, in address order (the buffer
     * fills upwards), for native_op_at; emptied with the buffer */
    struct NativeBlock { const uint8_t *code; const Tb *tb; } *blocks;
    size_t nblocks, blocks_cap;
    const Tb *self;          /* the block being translated */
    const uint8_t *self_op0; /* and where its op 0's code starts */
    uint8_t *lean_imm[2], *lean_rel[2]; /* its lean sites (branch.c), NULL: none */
    /* E386_PERF_MAP set: each block's code named by its guest address in
     * perf's map of JIT code (/tmp/perf-PID.map), for perf report;
     * E386_CODE_DUMP=FILE: each block's host address, guest address and
     * code bytes in hex, a line each, for a disassembler
     * (docs/performance.md "Profiling the native code") */
    FILE *perf_map, *code_dump;
} NativeState;
typedef struct NativeSite NativeSite;
enum { TB_PENDING = 0xffffffffu };

/* The room native_translate gives a block: OP_MAX_BYTES per op (an
 * inline load or store takes about 200) plus BRANCH_BYTES for an inline
 * block end (branch.c); a longer form fits only if the ops after it keep
 * theirs (inline_alu.c); and per op ENTRY_STUB_BYTES for its entry
 * stubs: a pending kind's (15 bytes) and a reload of the register cache
 * (four loads and a jump: 21) */
enum { OP_MAX_BYTES = 256, BRANCH_BYTES = 1024, ENTRY_STUB_BYTES = 40 };

/* A block's host code starts with a table of nops uint32 offsets (from
 * the table) of each op's entry: the dispatcher enters at any op, at its
 * code, or, where the op's code assumes a pending kind and size of the
 * lazy flags (NativeState.cc_pend), at a stub that returns the op to the
 * dispatcher, which interprets it (run.c code_for); then LEAN_WORDS
 * more: per link slot the offsets of its lean site's successor (imm64)
 * and jump (rel32), 0: none (native_lean_resolve); then nops offsets of
 * each op's code, in address order (native_op_at); then nops words: the
 * cc_pend each op's code starts with. */
enum { LEAN_WORDS = 4, CC_PEND_SET = 1u << 16 };
/* the table's words of op i's code and of the cc_pend it starts with */
static inline uint32_t native_code_word(const uint32_t *t, int nops, int i) { return t[nops + LEAN_WORDS + i]; }
static inline uint32_t native_pend_word(const uint32_t *t, int nops, int i) { return t[2 * nops + LEAN_WORDS + i]; }
struct Emit;
/* the stores of a pending kind and size (NativeState.cc_pend), if any */
void native_cc_flush(struct Emit *e, NativeState *ns);
/* op i of tb lets a pending kind and size pass (its code stores them
 * where it reads them or calls out) and may leave its own pending: the
 * inline ALU forms, shifts and rotates by a constant, moves and stack
 * ops; never the block's last two ops (a compare fused with the Jcc) */
int native_cc_defer_ok(const Tb *tb, int i);
const uint32_t *native_translate(E386Cpu *cpu, NativeState *ns, Tb *tb);
int native_emit_stubs(NativeState *ns);
/* The redo stub's call (run.c): cpu->cur's handler as it was at the
 * fault (an invalidation since may have made op 0's op_tb_stale) */
const E386Op *native_redo_call(E386Cpu *cpu);
/* op i of tb as a call of its handler, then on to op i+1 or out (translate.c) */
void native_emit_call(struct Emit *e, NativeState *ns, const Tb *tb, int i);
/* a jump to op j's code (j > the op being emitted), patched at the end */
void native_jump_to_op(struct Emit *e, NativeState *ns, int j);
/* The slow path of op i's inline form, its handler's call, out of the
 * way of the fast paths: the jumps slow[] lead to it, in the block's cold
 * code, which goes on to op i + 1's code as native_emit_call does; the
 * fast path goes on below.  A store needs no exit check after it: a
 * store into code faults (the page is read-only on the host), and a host
 * fault in the code never returns to it (native.h native_redo_stub: the
 * op runs again by its handler, then the code leaves). */
void native_end_inline(struct Emit *e, NativeState *ns, int i, const size_t *slow, int nslow);
/* CMOVcc r32, r/m32 and SETcc r8 on the host's flags of the kind the
 * block's last flag update leaves (branch.c): 1 emitted, 0 not */
int native_emit_cond_op(struct Emit *e, NativeState *ns, const Tb *tb, int i);
/* op i as a block end in host code (branch.c): 1 emitted, 0 not */
int native_emit_branch(struct Emit *e, NativeState *ns, const Tb *tb, int i);
/* op i is the compare of a compare-and-branch that ends tb, emitted
 * fused (emit_cj): its form (CJ_*), cc its condition; else -1 */
int native_fused_compare_at(const Tb *tb, int i, int *cc);
/* after a called last op: direct jumps to the linked blocks, else out */
void native_emit_chain_exit(struct Emit *e, NativeState *ns, const Tb *tb, const E386Op *op);
/* the sites of the links in mask (RSI = cpu->cur_tb, RAX = the next op),
 * then the indirect exit (branch.c) */
void native_emit_sites(struct Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, int mask);
/* jump_direct of link slot in one (eip stored) when it leads to the
 * block the site was made for, straight to its code; else on below
 * (branch.c) */
void native_emit_lean_site(struct Emit *e, NativeState *ns, const Tb *tb, int slot, uint32_t target);
/* Called by the generic follow of link slot of tb, which its lean site
 * missed: point the site at where the link leads now if that block runs
 * as host code (on a host where code stays writable); the link's ops,
 * the op to go on with (branch.c) */
const E386Op *native_lean_resolve(E386Cpu *cpu, const Tb *tb, int slot);
/* jump_direct's link following (eip stored, RCX = the link, R12 its
 * slot) after its lean site missed, by the shared stub (which points
 * the site at the successor if it can: native_lean_resolve); handler[]
 * jump to a call of op's handler; both go on to the shared exit
 * (branch.c) */
void native_emit_follow(struct Emit *e, NativeState *ns, const Tb *tb, const E386Op *op, size_t *handler,
                        int nhandler);
void native_emit_follow_stub(struct Emit *e, NativeState *ns);
/* the indirect exit: RAX the op to go on with; the current block's op 0
 * by its own indirect jump, else the shared exit (calls.c) */
void native_emit_dispatch(struct Emit *e, NativeState *ns);
/* op i as RET, CALL rel32 or JMP/CALL r32 in host code: 1 emitted, 0 not */
int native_emit_call_ret(struct Emit *e, NativeState *ns, const Tb *tb, int i);
/* the open window is about to be sealed: point its sites where their links lead now */
void native_resolve_sites(NativeState *ns);
/* EAX = [base] (+ index << scale when indexed) + disp, mod 2^32: ea_b,
 * ea_bi and op_ea's 32-bit forms; clobbers RCX (inline.c) */
void native_emit_ea(struct Emit *e, const E386Op *op, int indexed);
/* The start of an inline access through linear memory: a jump to
 * slow[(*n)++] (the handler's call) when segment seg is not wide (flat
 * but for its base, which native_emit_seg_base adds; no test for one the
 * code assumes flat: flat_segs), or always when the code assumes
 * neither linear memory nor the soft TLB; else reg = lin (with the soft
 * TLB, native_emit_tlb sets reg once the address is known).  A
 * single host access needs no page-crossing test: the host faults on the
 * page the guest would, writing nothing (linmem.c's handler; the
 * instruction then runs again on the page map's path), and the
 * reservation's guard catches an access that wraps at 4 GiB (inline.c) */
void native_emit_lin(struct Emit *e, const NativeState *ns, int seg, int reg, size_t *slow, int *n);
/* After the offset of an access of size bytes through seg is in EAX
 * (native_emit_ea), for a segment the code does not assume flat: the
 * base added (EAX = base + offset mod 2^32, seg_lin_fast's wide case:
 * native_emit_lin tested Seg.wide), a jump to slow[(*n)++] when the
 * access's last byte is past 4 GiB (the limit); nothing for an assumed
 * one.  FS and GS (TLS: the stack protector's canary) this way. */
void native_emit_seg_base(struct Emit *e, const NativeState *ns, int seg, int size, size_t *slow, int *n);
/* The soft TLB's probe (system mode, NativeState.soft; nothing without
 * it), EAX the linear address of an access of size bytes that does how
 * (FH_READ, FH_WRITE, FH_RMW): lin_read's and lin_write's tests, the
 * entry of the block's privilege (its key's TB_CPL3) whose tags match the
 * access's last byte's page (an access across pages fails them), else a
 * jump to slow[(*n)++]; reg = the entry's host - the page, so [reg + RAX]
 * is the byte, as with linear memory.  Clobbers R10 and R11.  A write
 * tag is given only to a page of RAM without translated code whose dirty
 * bit is set already (core/paging.c): a store through it needs no exit
 * check and leaves the dirty log true. */
void native_emit_tlb(struct Emit *e, const NativeState *ns, int size, int how, int reg, size_t *slow, int *n);
/* the four for op's memory operand of size bytes that does how:
 * native_emit_lin (reg = lin), native_emit_ea (EAX = the offset),
 * native_emit_seg_base, native_emit_tlb */
void native_emit_mem_addr(struct Emit *e, const NativeState *ns, const E386Op *op, int size, int how, int reg,
                          size_t *slow, int *n);
/* ... of the stack (SS), whose accesses add no base: SS flat and 32-bit,
 * tested where the code does not assume them (NativeState.flat_segs) */
void native_emit_stack_lin(struct Emit *e, const NativeState *ns, int reg, size_t *slow, int *n);
/* The host register holding the instructions left in the run's budget
 * while code runs: cpu->budget_end - cpu->icount (R15: callee-saved).
 * The block ends count down in it (native_emit_lean_site and the other
 * followings of a link); cpu->icount in memory is stale meanwhile and
 * made true (native_counts_out) before every call out of the code that
 * may read or change it and at the shared exit, and read back
 * (native_icount_in) after such a call; a host fault in the code takes
 * it from the fault's context (native_host_fault).  A countdown in a
 * register: no load, compare and store of memory per block, and no
 * chain of stores and loads of one address from block to block.
 * HITS_REG (RBP: callee-saved) likewise holds the block ends that
 * followed a link since cpu->stats.chain_hits was last made true: the
 * followings count in it, and native_counts_out adds it to chain_hits
 * and clears it wherever it makes icount true (a handler may leave the
 * code by longjmp, a guest exception; a host fault's redo is a call out
 * too), so nothing but the code itself ever sees the count stale. */
enum { LEFT_REG = 15, HITS_REG = 5 };
void native_counts_out(struct Emit *e, int scratch); /* icount = budget_end - R15; chain_hits += RBP, RBP = 0 */
void native_icount_in(struct Emit *e);                /* R15 = budget_end - icount */
/* a call out of the code: counts made true, the call, R15 read back (RAX clobbered) */
void native_call_out(struct Emit *e, uintptr_t target);
/* The host register holding lin while code runs (R14: callee-saved, the
 * shared entry loads it from cpu->mem.lfast, which is lin whenever code
 * runs); reg LIN_REG for native_emit_lin: no copy */
enum { LIN_REG = 14 };
/* op i's inline fast path, if it has one (inline.c): 1 emitted, 0 not */
int native_inline_op(struct Emit *e, NativeState *ns, const Tb *tb, int i);
/* ... of the ALU forms and shifts inline.c leaves (inline_alu.c) */
int native_inline_alu(struct Emit *e, NativeState *ns, const Tb *tb, int i);
#endif
