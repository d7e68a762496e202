/* Internal CPU state and the helpers every instruction family uses. */
#ifndef E386_CPU_H
#define E386_CPU_H
#include <assert.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "e386.h"
#include "fpu/softfloat.h"
#include "mem/galloc.h"
#include "core/vma.h"

/* The memory fast paths below must be inlined into the handlers (a call
 * per guest access costs more than the access); other compilers get the
 * plain hint. */
#if defined(__GNUC__)
#define E386_INLINE static inline __attribute__((always_inline))
#else
#define E386_INLINE static inline
#endif
/* A handler's slow path kept out of line, so that its fast path needs no
 * frame (no callee-saved registers) and reaches it by a tail call. */
#if defined(__GNUC__)
#define E386_NOINLINE __attribute__((noinline))
#else
#define E386_NOINLINE
#endif

/* ---- EFLAGS ---- */
enum {
    F_CF = 1u << 0, F_PF = 1u << 2, F_AF = 1u << 4, F_ZF = 1u << 6,
    F_SF = 1u << 7, F_TF = 1u << 8, F_IF = 1u << 9, F_DF = 1u << 10,
    F_OF = 1u << 11, F_IOPL = 3u << 12, F_NT = 1u << 14, F_RF = 1u << 16,
    F_VM = 1u << 17, F_AC = 1u << 18, F_ID = 1u << 21,
};
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* ---- exceptions ---- */
enum { EX_DE = 0, EX_DB = 1, EX_BP = 3, EX_OF = 4, EX_BR = 5, EX_UD = 6, EX_NM = 7,
       EX_DF = 8, EX_TS = 10, EX_NP = 11, EX_SS = 12, EX_GP = 13, EX_PF = 14, EX_MF = 16 };

/* a run's largest budget of instructions (e386_run) */
#define RUN_BUDGET_MAX (UINT64_C(1) << 62)

/* ---- segments ---- */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = 7 };

typedef struct Seg {
    uint16_t sel;
    uint32_t base;
    uint32_t limit;  /* byte-granular effective limit */
    uint32_t flags;  /* descriptor high dword bits 8..23 (type, S, DPL, P, AVL, D/B, G) */
    uint8_t valid;   /* 0 for a null selector loaded in protected mode */
    uint8_t flat;    /* base 0, limit 4G, expand-up, usable for read+write: skip checks */
    uint8_t wide;    /* the same with any base: base + offset, only wrap-around checked */
} Seg;
#define DESC_TYPE(f) (((f) >> 8) & 0xf)
#define DESC_S(f)    (((f) >> 12) & 1)
#define DESC_DPL(f)  (((f) >> 13) & 3)
#define DESC_P(f)    (((f) >> 15) & 1)
#define DESC_DB(f)   (((f) >> 22) & 1)
#define DESC_G(f)    (((f) >> 23) & 1)

/* ---- lazy condition codes ----
 * cc_op says how the arithmetic flags follow from cc_dst (result), cc_src1
 * and cc_src2 (operands), all masked to cc_size bytes.  CC_EFLAGS means they
 * sit in cpu->eflags.
 *   ADD/SUB   dst = a +/- b            src2 = b; a = dst -/+ b (cc_first: src1
 *                                      is not read, the native code leaves it stale)
 *   ADC/SBB   dst = a +/- b +/- cin    src1 = a, src2 = b (cin = dst-a-b / a-b-dst)
 *   LOGIC     dst                      CF = OF = AF = 0
 *   INC/DEC   dst = a +/- 1            src2 = CF before (kept); a = dst -/+ 1 (cc_first)
 *   NEG       dst = -a                 src1 = a
 *   SHL/SHR/SAR: dst, src1 = operand, src2 = count (1..31, count 0 sets nothing)
 *   MUL       dst = low half           src1 = nonzero when CF = OF = 1
 * A kind (not EFLAGS, not MUL) | CC_PATCHED: its flags, but those in
 * cc_pmask (CF, OF or both) are cc_pval's.  What a rotate or BT leaves
 * (cc_write of CF/OF alone): nothing computed, and the kind's ZF and SF
 * still follow from dst, as cc_cond's shortcut reads them.  Code that
 * tests cc_op for one kind sees no match and takes its general path. */
enum {
    CC_EFLAGS, CC_ADD, CC_ADC, CC_SUB, CC_SBB, CC_LOGIC, CC_INC, CC_DEC,
    CC_NEG, CC_SHL, CC_SHR, CC_SAR, CC_MUL, CC_NKINDS,
    CC_PATCHED = 0x10
};

/* ---- guest memory: a two-level page map of 4 KiB pages ---- */
enum { PG_READ = 1, PG_WRITE = 2, PG_EXEC = 4, PG_CODE = 8 /* holds translated code */ };
typedef struct Page {
    uint8_t *host;   /* NULL: unmapped, or MMIO (PG_MMIO) */
    uint32_t flags;
    uint32_t region; /* index into Mem.regions (owner of the host block), or Mem.mmio */
} Page;
enum { PG_MMIO = 16 }; /* system mode: device registers, region = Mem.mmio index */
/* The dirty log (core/dirty.c): not written since the log was armed.  A
 * TLB fill gives such a page no write tag, so its first write goes slow
 * (bus_write), which sets its bit in cpu->dirty_log and clears this. */
enum { PG_LOG = 32 };
/* The host's MAP_SHARED mapping (user mode, core/mem.c mem_map_file):
 * another process may write it at any time, so LOCK'd read-modify-writes
 * are host atomics there (cpu/atomic.c).  Kept, as PG_LOG, by mprotect
 * and mremap. */
enum { PG_SHARED = 64 };
typedef struct Mmio {
    uint32_t base, size;
    e386_mmio_read_fn rd;
    e386_mmio_write_fn wr;
    void *opaque;
    uint32_t pages; /* pages that point here: 0 frees the slot for the next e386_mmio_map */
} Mmio;
/* mapped: the block is the host's own mapping of a file or of shared
 * memory (core/mem.c mem_map_file), unmapped rather than given back to
 * the allocator */
typedef struct Region { uint8_t *host; size_t size; uint32_t live; int mapped; } Region;
typedef struct Mem {
    GuestAlloc alloc;  /* where the host blocks come from */
    Page *l1[1024];
    Region *regions;
    uint32_t nregions, cap_regions;
    uint32_t region_free; /* 1 + a free slot of regions (chained through .live), 0: none */
    VmaSet vmas;          /* the same mappings as ranges (core/vma.h) */
    Mmio *mmio;
    uint32_t nmmio;
    int phys_bus; /* system mode: unassigned reads give all ones, ROM writes are dropped */
    /* Linear guest memory (core/linmem.c, user mode on x86-64 Linux): the
     * 4 GiB reservation every page lives in, at lbase + its address, with
     * the host's protection mirroring the page flags; NULL: host blocks.
     * lfast is lbase while loads and stores may use it directly. */
    uint8_t *lbase, *lfast;
    /* the host refused a mapping or mprotect (its own map count): every
     * mapped page read-write on the host, lfast NULL, the page map checks */
    int lloose;
} Mem;

/* ---- the soft TLB (system mode, core/paging.c) ----
 * One direct-mapped TLB per privilege (supervisor, user): a linear page
 * whose read (write) tag matches is RAM at host + offset and may be read
 * (written) at that privilege without a walk.  Write tags are only given
 * to pages that are dirty already and hold no translated code. */
enum { TLB_SIZE = 1024, TLB_INVALID = 1 };
typedef struct TlbEntry { /* 16 bytes on 64-bit hosts: what every access reads */
    uint32_t rtag, wtag;  /* linear page address, or TLB_INVALID */
    uint8_t *host;
} TlbEntry;
typedef struct TlbAux {   /* the rest, beside it: fills, code lookups, flushes */
    uint32_t phys;        /* physical page address */
    uint8_t global;
} TlbAux;

/* ---- decoded instructions ---- */
typedef struct E386Op E386Op;
typedef const E386Op *(*OpFn)(E386Cpu *cpu, const E386Op *op);
struct E386Op {
    OpFn fn;
    uint32_t eip;     /* address (offset in CS) of this instruction */
    union {
        uint32_t disp; /* displacement of the memory operand */
        uint32_t imm2; /* second immediate (far selector, ENTER level): only
                        * instructions without a ModRM byte have one */
    };
    uint32_t imm;     /* first immediate (sign-extended where the table says) */
    uint8_t reg, rm;  /* ModRM fields; mod == 3: register operand rm */
    uint8_t base, index; /* EA: registers (8 = none) */
    uint8_t seg;      /* segment for the memory operand (default or override) */
    uint8_t size;     /* operand width in bytes: 1, 2 or 4 */
    uint8_t sub;      /* the table's per-opcode parameter (ALU op, cc, reg, ...) */
    uint8_t len;      /* instruction length in bytes */
    uint8_t fx;       /* FX_*: what the handler does to the flags (liveness) */
    /* The rest is read by generic handlers and the translator only, so it
     * is packed: an op is 32 bytes on 64-bit hosts, two to a cache line
     * (48-byte ops, half of them across two lines, missed the data cache
     * 45% more often in CPython: docs/performance.md "Interpreter step 16"). */
    unsigned mod : 2;
    unsigned scale : 2;  /* EA: index scale shift */
    unsigned rep : 2;    /* 0, REP_E (F3: REP/REPE), REP_NE (F2) */
    unsigned lock : 1;
    unsigned nostop : 1; /* the run loop must not stop before this op: the op
                          * before it is FX_INEXACT (exec.c, translate) */
    unsigned opsize : 3; /* effective operand size: 2 or 4 */
    unsigned adsize : 3; /* effective address size: 2 or 4 */
    unsigned opcode : 9; /* 0x000-0x0ff one byte, 0x100-0x1ff 0F-prefixed */
};
_Static_assert(sizeof(E386Op) <= 24 + sizeof(OpFn), "an op is two to a 64-byte line on 64-bit hosts");
/* op->rep: the prefix byte's low bits */
enum { REP_NE = 0xf2 & 3, REP_E = 0xf3 & 3 };
#define EA_NONE 8
/* What a specialised handler does to the arithmetic flags, for the
 * block's flag-liveness pass (core/liveness.c).  FX_ANY (0, every generic
 * handler): it may read them, fault or leave the block, so they are live
 * there.  The others never fault: FX_NONE touches no flag, FX_ALL writes
 * all six and reads none, FX_CO is a rotate by a non-zero count (writes
 * exactly CF and OF), FX_INCDEC an INC/DEC r32 (writes all but CF, which
 * it keeps).  The pass turns an op whose flags a later op of the block
 * rewrites first into its handler without the flag update (FX_DEAD), and
 * an INC/DEC whose CF alone is dead into one that does not compute the
 * carry-in (FX_INCDEC_NC).  FX_INEXACT marks the ops after which EFLAGS
 * is not yet what the guest would see (from a dropped update to the
 * rewrite), so the run loop never stops there. */
enum { FX_ANY, FX_NONE, FX_ALL, FX_CO, FX_DEAD, FX_INCDEC, FX_INCDEC_NC, FX_INEXACT = 0x80 };
#define FX_CLASS(fx) ((fx) & 0x7f)

/* ---- translation blocks ---- */
typedef struct Tb Tb;
/* A chained successor, with what following it needs, so that a block end
 * touches neither the successor's Tb nor anything but its own block:
 * ops NULL means "through jump_direct_slow" (not linked yet, or, with
 * paging, a successor in another linear page that must be checked against
 * the TLB each time).  An invalidated block is never unlinked from its
 * predecessors: its first op becomes op_tb_stale instead (exec.c). */
typedef struct TbLink {
    const E386Op *ops;
    Tb *tb;
    uint32_t ninsns;
    uint32_t pc, cs_base, key; /* tb's: an indirect exit checks its target against them */
} TbLink;
struct Tb {
    uint32_t pc;        /* linear address of the first instruction */
    uint32_t phys_pc;   /* its physical address: the cache's index */
    uint32_t cs_base;
    uint32_t key;       /* TB_* mode bits the block was translated under */
    uint32_t size;      /* bytes of guest code covered from pc on */
    uint32_t page[2];   /* physical page numbers covered (page[1] == page[0] if one) */
    uint16_t nops, ninsns;
    uint8_t valid;
    uint8_t spans;      /* its code covers two linear pages */
    uint16_t back;      /* and pc - back on: code before pc it jumped back to (exec.c jump_goes_on) */
    uint16_t hop_lo, hop_hi; /* hop_hi != 0: a JMP took it on to page[1], where its bytes are
                              * [hop_lo, hop_hi) (offsets in the page; exec.c jump_goes_on) */
    E386Op *ops;
    TbLink *link;       /* its two chained successors (taken, fall-through), right after
                         * its ops in the op pool: see op_links */
    Tb *hash_next;      /* chain in the lookup hash */
    Tb *page_next[2];   /* chains in the per-page lists */
    const void *native; /* host code for the ops (src/native), NULL: none yet */
    uint32_t heat;      /* entries while it has none (src/native) */
    const void *entry;  /* with native: its op 0's code (an indirect exit's jump target) */
};
/* A block's links follow its last op in the op pool (exec.c translate),
 * so a block end finds them from its own op, next to it in memory, not
 * through cur_tb and its Tb (docs/performance.md "Interpreter step 22"). */
enum { TB_LINK_OPS = 2 }; /* op slots they take */
_Static_assert(2 * sizeof(TbLink) <= TB_LINK_OPS * sizeof(E386Op) && _Alignof(TbLink) <= _Alignof(E386Op),
               "a block's two links fit in the op slots after its ops");
/* the links of the block whose last op is last (the block end's op: a
 * jump, a CALL or RET, op_block_end): writable, as the pool is */
static inline TbLink *op_links(const E386Op *last) { return (TbLink *)(uintptr_t)(last + 1); }
/* a log bit the library sets itself: one-instruction blocks and the step
 * hook while IF is clear (core/irqedge.c) */
enum { E386_LOG_STEP = 1 << 8 };
enum { LIN_RETRY_NONE, LIN_RETRY_PENDING, LIN_RETRY_ACTIVE };
enum { TB_CODE32 = 1, TB_SS32 = 2, TB_TF = 4, TB_CPL3 = 8, TB_PE = 32,
       TB_ONE = 64 /* one instruction: an interrupt shadow */,
       TB_LIN = 128 /* lin_flat: the block's handlers may use lin_host */ };

typedef struct TbCache TbCache;

/* ---- x87 ---- */
typedef struct Fpu {
    F80 st[8];        /* physical registers R0..R7 */
    uint16_t cw, sw;  /* sw: TOP kept in bits 11..13 */
    uint16_t tw;      /* full tag word, 2 bits per physical register */
    uint16_t fop;
    uint32_t fip, fdp;
    uint16_t fcs, fds;
} Fpu;

/* ---- the CPU ---- */
struct E386Cpu {
    uint32_t r[8];      /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint32_t eip;
    uint32_t eflags;    /* arithmetic bits valid only when cc_op == CC_EFLAGS */
    uint32_t cc_op, cc_size, cc_dst, cc_src1, cc_src2;
    uint32_t cc_pmask, cc_pval; /* with CC_PATCHED */
    Seg seg[6];
    uint8_t cpl, pe;
    uint8_t inhibit_irq; /* MOV SS / POP SS shadow: no #DB after the next instruction */
    uint8_t irq_shadow;  /* STI (IF 0 -> 1): no interrupt before the next instruction */
    uint32_t cr0, cr2, cr3, cr4;
    uint8_t softmmu;    /* system mode: every access goes through the TLB (paging when CR0.PG) */
    uint8_t tlb_large;  /* a 4 MiB page is cached: INVLPG flushes all */
    Fpu fpu;

    Mem mem;
    /* user-mode private descriptor tables (see e386_gdt_set) */
    uint32_t gdt[32][2];
    uint32_t (*ldt)[2];
    unsigned ldt_count;

    TbCache *tbc;
    uint8_t accel;      /* E386_ACCEL_*: which engine runs the blocks */
    struct NativeState *native; /* the native back end's code buffer (src/native), NULL: none yet */
    Tb *cur_tb;         /* the block being executed */
    Tb *last_tb;        /* block that left through an unchained direct jump */
    int last_slot;
    TbLink *link_from;  /* the link last followed (op_tb_stale clears it) */
    TbLink *ras[16];    /* return-address stack: the links of the blocks that ended in the
                         * last CALLs (a hint) */
    unsigned ras_top;
    const E386Op *cur;  /* the op being executed, for precise faults */
    /* the interpreter: a block end may go on into the next block's first
     * handler itself (a tail call) while icount is below this: the budget's
     * end, or sooner (run_chain bounds the host stack), 0 on an exit
     * request (cpu_request_exit), outside run_chain and under native.  One
     * compare at each chained block end stands for three tests. */
    volatile uint64_t chain_end;
    /* the mode (CS base, key) of run_chain's first block, which is every
     * block's of the chain (chains link blocks of one key: see lin_flat),
     * so that an indirect block end compares its hint with it without
     * reading its own Tb (cpu.h jump_via) */
    uint32_t chain_cs_base, chain_key;
    /* A guest fault seen by the host MMU on the linear fast path is only a
     * hint: a compiler may split a host access and touch any of its bytes
     * first, so si_addr is not the guest's CR2.  The instruction runs again
     * alone on the page map's path (LIN_RETRY_ACTIVE: lfast off), whose
     * checks give the exact address and error code (core/linmem.c). */
    uint8_t lin_retry;  /* LIN_RETRY_* */
    /* a LOCK'd operand's host word on a shared page, as locked_get read
     * it (cpu/atomic.c); NULL: the plain path */
    uint8_t *lk_host;
    uint64_t lk_raw;
    /* A host bus error names a byte of the right page but not the guest's
     * (a compiler orders and splits host accesses as it likes): the page
     * loses its rights in the page map (bus_flags kept) and the
     * instruction runs again alone on the page map's path, whose #PF on it
     * is exact and becomes the bus error (core/mem.c mem_bus_fault) */
    uint32_t bus_page, bus_flags; /* page number + 1 while armed, 0 not */
    /* leave the block after the current op: 0 or EXIT_REQUESTED, never
     * another value (cpu_request_exit) */
    volatile int64_t exit_request;
    volatile int stop_request;  /* e386_stop(): leave e386_run */
    int in_run;
    jmp_buf *jmp;
    e386_exit exit;
    e386_int_hook int_hook;
    void *int_hook_opaque;
    e386_debug_fn debug_hook;   /* the debugger's per-instruction check (NULL: off) */
    void *debug_opaque;
    uint64_t icount, budget_end; /* budget_end - icount <= RUN_BUDGET_MAX at e386_run's start */
    uint64_t tsc_offset;
    e386_stats stats;
    uint8_t count_chains;       /* e386_count_chain_hits: the interpreter counts chain_hits */

    /* system mode (core/system.c) */
    uint8_t sys;              /* e386_system_init was called */
    uint8_t halted;           /* HLT: waiting for an interrupt */
    volatile uint8_t irq_level, nmi_pending;
    uint8_t nmi_blocked;      /* from NMI delivery to the next IRET */
    int delivering;           /* vector being delivered (-1: none): #DF, triple fault */
    uint8_t deliver_ext;      /* it is an external event: EXT in error codes */
    e386_sys_ops sys_ops;
    void *sys_opaque;
    struct { uint32_t base, limit; } gdtr, idtr;
    Seg ldtr, tr;             /* system segment registers (flags: the type) */
    uint32_t dr[8];
    uint8_t dbg_exec, dbg_data; /* breakpoints of each kind are enabled in DR7 */
    uint8_t db_hits;            /* data breakpoints hit by the current instruction */
    uint8_t rf_loaded;          /* this instruction loaded RF (IRET): keep it */
    uint8_t db_carry;           /* data breakpoints hit in a MOV SS shadow: after the next one */
    uint8_t push_rf;            /* delivering a fault: RF in the pushed EFLAGS */
    /* the debugger's watchpoints (e386_debug_watch; core/debug.c) */
    struct { uint32_t addr, len; uint8_t kinds; } dwatch[E386_DEBUG_WATCH_MAX];
    uint8_t ndwatch;            /* slots in use: dbg_data is set while any is */
    uint8_t dwatch_hit;         /* kinds that hit during this instruction */
    uint8_t dwatch_slot;        /* and the slot they hit */
    int log_mask;
    FILE *log;
    e386_disasm_fn disasm;
    void *disasm_opaque;
    /* the IF-edge hook (core/irqedge.c): if_seen is IF as last reported */
    e386_if_fn if_hook;
    e386_step_fn step_hook;
    void *if_opaque;
    uint32_t if_seen;
    uint8_t if_step;    /* step_hook wanted: E386_LOG_STEP while IF is clear */
    uint64_t *dirty_log;   /* e386_dirty_log_*: bit n = physical page n written (NULL: off) */
    uint32_t dirty_npages; /* pages the log covers */
    TlbEntry tlb[2][TLB_SIZE]; /* last: large, and away from the hot registers */
    TlbAux tlb_aux[2][TLB_SIZE];
};

/* ---- exceptions (core/exc.c): never return ---- */
_Noreturn void raise_exc(E386Cpu *cpu, int vector);
_Noreturn void raise_exc_err(E386Cpu *cpu, int vector, uint32_t err);
_Noreturn void raise_pf(E386Cpu *cpu, uint32_t lin, uint32_t err);
_Noreturn void raise_bus_error(E386Cpu *cpu, uint32_t lin, uint32_t err);
/* the current instruction again from its start, alone (a LOCK'd swap that lost) */
_Noreturn void raise_retry(E386Cpu *cpu);
/* INT n, INT3, INTO: a trap after the instruction; eip = next */
_Noreturn void raise_soft_int(E386Cpu *cpu, const E386Op *op, int vector);
/* an exception that is a trap (ICEBP's #DB): eip = next */
_Noreturn void raise_trap(E386Cpu *cpu, const E386Op *op, int vector);

/* ---- IF edges (core/irqedge.c) ----
 * Called wherever IF may change; with no hook it is one load and one
 * predictable branch.  by: the op that changes it (NULL: between
 * instructions, as a delivery). */
void if_edge(E386Cpu *cpu, int cause, const E386Op *by);
static inline void if_check(E386Cpu *cpu, int cause) {
    if (cpu->if_hook && ((cpu->eflags ^ cpu->if_seen) & F_IF))
        if_edge(cpu, cause, cpu->cur);
}

/* ---- exit requests ----
 * The value of a set exit_request: the native code tests it and the
 * budget together (src/native: the count left in R15 must exceed it), so
 * it is larger than any count, and its low half is not 0 either. */
#define EXIT_REQUESTED INT64_MAX
static inline void cpu_request_exit(E386Cpu *cpu)
{
    cpu->exit_request = EXIT_REQUESTED;
    cpu->chain_end = 0; /* after it: exec.c chain_rebound reads the request after its store */
}

/* ---- registers ---- */
static inline uint32_t reg_get(const E386Cpu *cpu, int r, int size) {
    if (size == 4) return cpu->r[r];
    if (size == 2) return cpu->r[r] & 0xffff;
    return r < 4 ? cpu->r[r] & 0xff : (cpu->r[r - 4] >> 8) & 0xff;
}
static inline void reg_set(E386Cpu *cpu, int r, int size, uint32_t v) {
    if (size == 4) cpu->r[r] = v;
    else if (size == 2) cpu->r[r] = (cpu->r[r] & 0xffff0000u) | (v & 0xffff);
    else if (r < 4) cpu->r[r] = (cpu->r[r] & 0xffffff00u) | (v & 0xff);
    else cpu->r[r - 4] = (cpu->r[r - 4] & 0xffff00ffu) | ((v & 0xff) << 8);
}
static inline uint32_t size_mask(int size) {
    return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
}
static inline uint32_t sign_bit(int size) { return 1u << (size * 8 - 1); }
static inline uint32_t sext(uint32_t v, int size) {
    return size == 1 ? (uint32_t)(int32_t)(int8_t)v
         : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

/* ---- flags (core/flags.c) ---- */
/* Does lazy kind k (CC_PATCHED off) keep its first source only in
 * cc_first's derivation?  ADD's, SUB's, INC's and DEC's follows from the
 * result (and the second), so their writers may skip storing cc_src1 */
static inline int cc_src1_derived(uint32_t k) {
    return k == CC_ADD || k == CC_SUB || k == CC_INC || k == CC_DEC;
}
static inline uint32_t cc_first(const E386Cpu *cpu, uint32_t k) {
    switch (k) {
    case CC_ADD: return cpu->cc_dst - cpu->cc_src2;
    case CC_SUB: return cpu->cc_dst + cpu->cc_src2;
    case CC_INC: return cpu->cc_dst - 1;
    case CC_DEC: return cpu->cc_dst + 1;
    default: return cpu->cc_src1;
    }
}
/* A writer whose kind the compiler knows skips the sources no reader
 * uses: LOGIC's two (its flags are the result's alone) and the derived
 * first source (cc_first).  With a kind known only at run time all are
 * stored: a test would cost more than the stores. */
#if defined(__GNUC__)
#define E386_KNOWN(x) __builtin_constant_p(x)
#else
#define E386_KNOWN(x) 0
#endif
static inline void cc_set(E386Cpu *cpu, int op, int size, uint32_t dst, uint32_t s1, uint32_t s2) {
    cpu->cc_op = op; cpu->cc_size = size; cpu->cc_dst = dst;
    if (!E386_KNOWN(op) || (op != CC_LOGIC && !cc_src1_derived((uint32_t)op)))
        cpu->cc_src1 = s1;
    if (!E386_KNOWN(op) || op != CC_LOGIC)
        cpu->cc_src2 = s2;
}
uint32_t cc_flags(E386Cpu *cpu);            /* the 6 arithmetic flags */
int cc_carry(E386Cpu *cpu);
int cc_cond_slow(E386Cpu *cpu, int cc);
/* CF inline for the kinds INC/DEC's kept carry and ADC/SBB's carry-in
 * meet most (a loop's DEC after DEC or CMP, a 64-bit add's chain), as
 * flags.c's carry_of; the rest from cc_carry, or with try -1, for a
 * handler that makes that call out of its own frame (a call on its
 * common path saves and restores registers on every run) */
E386_INLINE int cc_carry_in_k(E386Cpu *cpu, int try)
{
    switch (cpu->cc_op) {
    case CC_EFLAGS: return (cpu->eflags & F_CF) != 0;
    case CC_LOGIC: return 0;
    case CC_INC: case CC_DEC: return cpu->cc_src2 != 0;
    case CC_ADD: /* r < a iff r < b; bytes and words masked, as carry_of's (SBB AL, AL after a byte CMP) */
        if (cpu->cc_size == 4)
            return cpu->cc_dst < cpu->cc_src2;
        return (cpu->cc_dst & size_mask(cpu->cc_size)) < (cpu->cc_src2 & size_mask(cpu->cc_size));
    case CC_SUB:
        if (cpu->cc_size == 4)
            return cc_first(cpu, CC_SUB) < cpu->cc_src2;
        return (cc_first(cpu, CC_SUB) & size_mask(cpu->cc_size)) < (cpu->cc_src2 & size_mask(cpu->cc_size));
    case CC_NEG: /* a != 0: NEG then SBB r, r (a nonzero test as 0 or -1) */
        return (cpu->cc_src1 & size_mask(cpu->cc_size)) != 0;
    case CC_ADC: case CC_SBB:
        if (cpu->cc_size == 4) {
            uint32_t r = cpu->cc_dst, a = cpu->cc_src1, b = cpu->cc_src2;
            return cpu->cc_op == CC_ADC ? r < a || (r - a - b && r == a) : a < b || (a - b - r && a == b);
        }
        break;
    }
    return try ? -1 : cc_carry(cpu);
}
E386_INLINE uint32_t cc_carry_in(E386Cpu *cpu) { return (uint32_t)cc_carry_in_k(cpu, 0); }
/* The conditions, by cc >> 1: O B Z BE S P L LE, of EFLAGS value f */
static inline int cc_cond_of_flags(uint32_t f, int c)
{
    int cf = (f & F_CF) != 0, zf = (f & F_ZF) != 0, sf = (f & F_SF) != 0, of = (f & F_OF) != 0;
    switch (c) {
    case 0: return of;
    case 1: return cf;
    case 2: return zf;
    case 3: return cf || zf;
    case 4: return sf;
    case 5: return (f & F_PF) != 0;
    case 6: return sf != of;
    default: return zf || sf != of;
    }
}
/* condition 0..15 (jcc encoding); compare-and-branch without building
 * EFLAGS.  Operands of any width are compared by their top bits (shifted
 * up to bit 31), so byte and word compares take the same path.  try:
 * -1 where cc_cond_slow would be called, for a handler that makes that
 * call out of its own frame (fuse.c jcc_fixed: with a call in it, every
 * run saved and restored registers) */
#define CC_COND_SLOW(try) ((try) ? -1 : cc_cond_slow(cpu, cc))
E386_INLINE int cc_cond_k(E386Cpu *cpu, int cc, int try)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_EFLAGS) { /* after SHLD, BT, POPF: the flags themselves */
        int r = cc_cond_of_flags(cpu->eflags, cc >> 1);
        return (cc & 1) ? !r : r;
    }
    unsigned sh = 32u - 8u * cpu->cc_size;
    int r;
    if (op == CC_SUB) {
        uint32_t a = (cpu->cc_dst + cpu->cc_src2) << sh, b = cpu->cc_src2 << sh; /* cc_first */
        switch (cc >> 1) {
        case 1: r = a < b; break;
        case 2: r = a == b; break;
        case 3: r = a <= b; break;
        case 4: r = (int32_t)(cpu->cc_dst << sh) < 0; break;
        case 6: r = (int32_t)a < (int32_t)b; break;
        case 7: r = (int32_t)a <= (int32_t)b; break;
        default: return CC_COND_SLOW(try);
        }
        return (cc & 1) ? !r : r;
    }
    /* a 64-bit compare's high half (CMP, then SBB: Lua's and SQLite's
     * integers) and a bit shifted out to CF: flags.c's carry_of and OF */
    if (op == CC_SBB && cpu->cc_size == 4) {
        uint32_t a = cpu->cc_src1, b = cpu->cc_src2, d = cpu->cc_dst;
        int cf = a < b || (a == b && d != 0), sf = (int32_t)d < 0, of = (int32_t)((a ^ b) & (a ^ d)) < 0;
        switch (cc >> 1) {
        case 1: r = cf; break;
        case 2: r = d == 0; break;
        case 3: r = cf || d == 0; break;
        case 4: r = sf; break;
        case 6: r = sf != of; break;
        case 7: r = d == 0 || sf != of; break;
        default: return CC_COND_SLOW(try);
        }
        return (cc & 1) ? !r : r;
    }
    if (op == CC_SHR && cpu->cc_size == 4 && (cc >> 1) == 1) {
        r = (cpu->cc_src1 >> ((cpu->cc_src2 - 1) & 31)) & 1;
        return (cc & 1) ? !r : r;
    }
    int32_t d = (int32_t)(cpu->cc_dst << sh);
    if (op == CC_LOGIC) { /* TEST, AND, ...: CF = OF = 0 */
        switch (cc >> 1) {
        case 0: case 1: r = 0; break;
        case 2: case 3: r = d == 0; break;
        case 4: case 6: r = d < 0; break;
        case 7: r = d <= 0; break;
        default: return CC_COND_SLOW(try);
        }
        return (cc & 1) ? !r : r;
    }
    /* after anything else (DEC before a loop branch) ZF and SF are the
     * result's; MUL's ZF is always clear */
    if ((cc >> 1) == 2 && op != CC_MUL)
        return (cc & 1) ? d != 0 : d == 0;
    if ((cc >> 1) == 4)
        return (cc & 1) ? d >= 0 : d < 0;
    return CC_COND_SLOW(try);
}
#undef CC_COND_SLOW
static inline int cc_cond(E386Cpu *cpu, int cc) { return cc_cond_k(cpu, cc, 0); }
/* set the given arithmetic flag bits to the values in v, keep the others */
void cc_write(E386Cpu *cpu, uint32_t mask, uint32_t v);
/* CF and OF alone (a rotate's): cc_write's patch over an unpatched kind
 * inline (md5sum's ROLs, whose flags a later load keeps live) */
static inline int cc_co_patchable(uint32_t op) { return !(op == CC_EFLAGS || op == CC_MUL || (op & CC_PATCHED)); }
E386_INLINE void cc_write_co(E386Cpu *cpu, uint32_t v)
{
    uint32_t op = cpu->cc_op;
    if (!cc_co_patchable(op)) {
        cc_write(cpu, F_CF | F_OF, v);
        return;
    }
    cpu->cc_pval = v & (F_CF | F_OF);
    cpu->cc_pmask = F_CF | F_OF;
    cpu->cc_op = op | CC_PATCHED;
}
uint32_t get_eflags(E386Cpu *cpu);          /* the whole register */
/* write EFLAGS honouring which bits may change at this CPL/IOPL; mask limits
 * the bits touched (0xffff for 16-bit POPF). */
void set_eflags(E386Cpu *cpu, uint32_t v, uint32_t mask);
int parity8(uint32_t v);

/* ---- memory (core/mem.c) ----
 * Linear-address accesses with page checks; a failing access raises #PF. */
uint32_t lin_read_slow(E386Cpu *cpu, uint32_t lin, int size);
void lin_write_slow(E386Cpu *cpu, uint32_t lin, int size, uint32_t v);
E386_INLINE uint32_t lin_read(E386Cpu *cpu, uint32_t lin, int size);
E386_INLINE void lin_write(E386Cpu *cpu, uint32_t lin, int size, uint32_t v);
/* check that [lin, lin+len) is writable (for multi-part stores); raises #PF */
void lin_check_write(E386Cpu *cpu, uint32_t lin, uint32_t len);
/* supervisor (implicit) access to the descriptor tables: no fault, 0 on success */
int sys_read_desc(E386Cpu *cpu, uint16_t sel, uint32_t desc[2]);
int sys_write_desc(E386Cpu *cpu, uint16_t sel, const uint32_t desc[2]);
void mem_smc_write(E386Cpu *cpu, uint32_t lin, uint32_t len); /* invalidate code */

E386_INLINE uint32_t ld_le(const uint8_t *p, int size) {
    switch (size) {
    case 1: return p[0];
    case 2: return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    default: return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
}
E386_INLINE void st_le(uint8_t *p, int size, uint32_t v) {
    p[0] = (uint8_t)v;
    if (size >= 2) p[1] = (uint8_t)(v >> 8);
    if (size == 4) { p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
}

/* Fast paths: an access inside one mapped page with the right rights and,
 * for writes, no translated code on it.  Everything else goes slow.  With
 * the soft MMU (system mode) the TLB of the current privilege decides. */
E386_INLINE Page *mem_page_any(Mem *m, uint32_t lin) {
    Page *l2 = m->l1[lin >> 22];
    return l2 ? &l2[(lin >> 12) & 1023] : NULL;
}
E386_INLINE TlbEntry *tlb_entry(E386Cpu *cpu, uint32_t lin) {
    return &cpu->tlb[cpu->cpl == 3][(lin >> 12) & (TLB_SIZE - 1)];
}
/* Linear memory: one host access at lbase + lin; the host MMU raises the
 * faults (and sees stores into translated code).  Page-crossing accesses
 * go slow: a host may write part of a crossing store before it faults. */
E386_INLINE uint32_t lin_read(E386Cpu *cpu, uint32_t lin, int size) {
    uint8_t *lb = cpu->mem.lfast;
    if (lb && (lin & 0xfff) + (uint32_t)size <= 0x1000)
        return ld_le(lb + lin, size);
    if (cpu->softmmu) {
        TlbEntry *e = tlb_entry(cpu, lin);
        if (e->rtag == (lin & ~0xfffu) && (lin & 0xfff) + (uint32_t)size <= 0x1000)
            return ld_le(e->host + (lin & 0xfff), size);
        return lin_read_slow(cpu, lin, size);
    }
    Page *p = mem_page_any(&cpu->mem, lin);
    if (p && (p->flags & PG_READ) && (lin & 0xfff) + (uint32_t)size <= 0x1000)
        return ld_le(p->host + (lin & 0xfff), size);
    return lin_read_slow(cpu, lin, size);
}
E386_INLINE void lin_write(E386Cpu *cpu, uint32_t lin, int size, uint32_t v) {
    uint8_t *lb = cpu->mem.lfast;
    if (lb && (lin & 0xfff) + (uint32_t)size <= 0x1000) {
        st_le(lb + lin, size, v);
        return;
    }
    if (cpu->softmmu) {
        TlbEntry *e = tlb_entry(cpu, lin);
        if (e->wtag == (lin & ~0xfffu) && (lin & 0xfff) + (uint32_t)size <= 0x1000)
            st_le(e->host + (lin & 0xfff), size, v);
        else
            lin_write_slow(cpu, lin, size, v);
        return;
    }
    Page *p = mem_page_any(&cpu->mem, lin);
    if (p && (p->flags & (PG_WRITE | PG_CODE)) == PG_WRITE && (lin & 0xfff) + (uint32_t)size <= 0x1000)
        st_le(p->host + (lin & 0xfff), size, v);
    else
        lin_write_slow(cpu, lin, size, v);
}

Page *mem_page(Mem *m, uint32_t lin); /* NULL if unmapped */
void mem_free_all(Mem *m);
/* A host fault at lbase + lin while this CPU ran guest code: returns when
 * the access may be retried (a store into translated code, invalidated),
 * else raises the guest's #PF. */
void mem_linear_fault(E386Cpu *cpu, uint32_t lin, int write);
_Noreturn void mem_linear_wrap_fault(E386Cpu *cpu, int write);
/* A host bus error at host address a while this CPU ran guest code (a
 * shared file mapping's page past the file's end): when a is a guest
 * page's, arms it (CPU.bus_page) and runs the instruction again, else
 * returns.  Async-signal-safe up to the longjmp: the page map only. */
void mem_bus_fault(E386Cpu *cpu, uintptr_t a, int write);
/* the armed page's rights back (a rerun's end, whatever it was) */
void mem_bus_disarm(E386Cpu *cpu);
/* a #PF at lin on the armed page: disarmed, *err made the page's own, 1 */
int mem_bus_take(E386Cpu *cpu, uint32_t lin, uint32_t *err);

/* ---- linear guest memory, the host side (core/linmem.c) ---- */
int linmem_reserve(Mem *m);                                 /* 0, or -1: not here */
void linmem_release(Mem *m);
int linmem_map(Mem *m, uint32_t addr, uint32_t size, uint32_t flags); /* fresh zero pages */
void linmem_unmap(Mem *m, uint32_t addr, uint32_t size);   /* back to the reservation */
int linmem_move(Mem *m, uint32_t dst, uint32_t src, uint32_t size);
int linmem_sync(Mem *m, uint32_t addr, uint32_t size);     /* host protection from the flags; 0 or -1 */
/* the host's mapping of fd at off, MAP_SHARED or MAP_PRIVATE (fd -1:
 * shared anonymous memory), replaces [addr, addr + size); 0 or -errno,
 * nothing changed */
int linmem_map_file(Mem *m, uint32_t addr, uint32_t size, uint32_t flags, int fd, uint64_t off, int shared);
/* [old, old + os) moves to dst grown to ns by the host's mremap (a shared
 * mapping grows into its file); dst may be old; 0 or -1, nothing changed */
int linmem_grow(Mem *m, uint32_t old, uint32_t os, uint32_t dst, uint32_t ns);
int linmem_open(Mem *m, uint32_t addr, int write);         /* one page, for a host copy */
void linmem_loosen(Mem *m); /* host out of mappings: every mapped page read-write, lfast off */
/* the reservation: 4 GiB, then PROT_NONE: the native back end's single
 * host accesses do not test for a page crossing (a crossing access faults
 * on the host like the guest's), so one at the top of the guest space
 * runs into this guard, not into whatever the host has mapped next */
#define LINMEM_GUEST_SPAN (1ull << 32)
#define LINMEM_GUARD_SPAN 4096ull

/* ---- host faults that are the guest's (core/hostfault.c) ---- */
/* The CPU running guest code on this host thread (its faults are ours):
 * set around e386_run, cleared around the hooks; returns the previous. */
E386Cpu *fault_enter(E386Cpu *cpu);
/* the handler installed for SIGBUS, and SIGSEGV too if segv (linear
 * memory's faults; without it an embedder's own handler stays):
 * idempotent; 0, or -1 where there is none */
int fault_catch(int segv);
/* memcpy between guest memory and the emulator's: 0, or -1 when the
 * guest's side raised a bus error (with fault_catch's handler) */
int fault_copy(void *dst, const void *src, size_t n);

/* ---- segmented access (core/seg.c) ----
 * seg_lin checks the segment's limit and rights and returns base+off. */
uint32_t seg_lin(E386Cpu *cpu, int seg, uint32_t off, uint32_t len, int write);
/* the bytes from off on that seg_lin would let one run touch (0: none) */
uint64_t seg_room(const E386Cpu *cpu, int seg, uint32_t off, int write);
E386_INLINE uint32_t seg_lin_fast(E386Cpu *cpu, int seg, uint32_t off, uint32_t len, int write) {
    const Seg *s = &cpu->seg[seg];
    if (s->flat) return off;
    if (s->wide && len && off <= ~(len - 1)) return s->base + off; /* FS/GS of a flat kernel */
    return seg_lin(cpu, seg, off, len, write);
}
E386_INLINE uint32_t seg_read(E386Cpu *cpu, int seg, uint32_t off, int size) {
    return lin_read(cpu, seg_lin_fast(cpu, seg, off, size, 0), size);
}
E386_INLINE void seg_write(E386Cpu *cpu, int seg, uint32_t off, int size, uint32_t v) {
    lin_write(cpu, seg_lin_fast(cpu, seg, off, size, 1), size, v);
}
/* the stack is 32-bit (SS's B bit): ESP, not SP */
E386_INLINE int ss32(const E386Cpu *cpu) { return DESC_DB(cpu->seg[SEG_SS].flags); }
/* What the native back end's code assumes of a data segment without a
 * test per access (native/run.c): flat, and for SS a 32-bit stack too */
E386_INLINE int seg_flat32(const E386Cpu *cpu, int seg) {
    return cpu->seg[seg].flat && (seg != SEG_SS || ss32(cpu));
}
/* The first test of a specialised load or store: with a flat segment and
 * an access inside one page, the host address lin_read/lin_write's own
 * fast path would use -- linear guest memory (the host MMU checks it),
 * else the soft TLB's entry (system mode) or the page map's, for a read,
 * a write or both.  NULL: the handler's reference steps (seg_read,
 * seg_write), which give the same result for every access.  (Only the
 * linear case here cost the Linux boot 14%: system mode's loads went
 * through a call.) */
enum { FH_READ = 1, FH_WRITE = 2, FH_RMW = 3 }; /* what the access does */
E386_INLINE uint8_t *flat_host(const E386Cpu *cpu, int seg, uint32_t off, uint32_t size, int how) {
    const Seg *s = &cpu->seg[seg];
    if (!s->flat) {
        /* a wide segment (FS/GS with a base: thread-local storage, a
         * kernel's per-CPU data) as seg_lin_fast: base + offset when the
         * access does not run past 4 GiB, the same tests after that */
        if (!s->wide || off > ~(size - 1))
            return NULL;
        off += s->base;
    }
    /* On linear memory a single load needs no page-crossing test, as the
     * native back end's: its bytes are read before anything is written,
     * and a host fault on the second page (or the guard after 4 GiB)
     * sends the instruction to the page map's path, which gives the exact
     * CR2 or wraps.  A store keeps the test: a C store may be split. */
    uint8_t *lb = cpu->mem.lfast;
    int crosses = (off & 0xfff) > 0x1000 - size; /* (the compilers' form: no add) */
    if (lb && (!crosses || (how == FH_READ && size <= 4)))
        return lb + off;
    if (crosses)
        return NULL;
    uint32_t page = off & ~0xfffu;
    if (cpu->softmmu) { /* lin_read's and lin_write's TLB tests */
        const TlbEntry *e = &cpu->tlb[cpu->cpl == 3][(off >> 12) & (TLB_SIZE - 1)];
        if ((!(how & FH_READ) || e->rtag == page) && (!(how & FH_WRITE) || e->wtag == page))
            return e->host + (off & 0xfff);
        return NULL;
    }
    const Page *l2 = cpu->mem.l1[off >> 22]; /* their page-map tests */
    if (!l2)
        return NULL;
    const Page *p = &l2[(off >> 12) & 1023];
    if ((how & FH_READ) && !(p->flags & PG_READ))
        return NULL;
    if ((how & FH_WRITE) && (p->flags & (PG_WRITE | PG_CODE)) != PG_WRITE)
        return NULL;
    return p->host + (off & 0xfff);
}
/* What a block translated with TB_LIN in its key may assume without a
 * test: linear memory on (lfast is lbase), no paging, CS's limit 4 GiB
 * (a near jump's target needs no check), and ES, SS and DS flat, SS
 * 32-bit.  The run loop tests it before each block it looks up (the key;
 * chains link blocks of one key), and nothing changes it inside a chain:
 * a segment load ends its block and goes back to the loop (end_block), a
 * fault leaves the run, linear memory's fault handler asks for an exit
 * when it turns lfast off (linear_retry). */
E386_INLINE int lin_flat(const E386Cpu *cpu) {
    return cpu->mem.lfast && !cpu->softmmu && cpu->seg[SEG_CS].limit == 0xffffffffu &&
           seg_flat32(cpu, SEG_ES) && seg_flat32(cpu, SEG_SS) && seg_flat32(cpu, SEG_DS);
}
/* flat_host for an access through ES, SS or DS in a TB_LIN block: the
 * two tests it saves are the segment's and linear memory's */
E386_INLINE uint8_t *lin_host(const E386Cpu *cpu, uint32_t off, uint32_t size, int how) {
    if ((how & FH_WRITE) && (off & 0xfff) > 0x1000 - size)
        return NULL; /* flat_host's rule: a C store may be split */
    return cpu->mem.lbase + off;
}
/* load a segment register with full protected-mode checks (raises #GP/#NP/#SS) */
void load_seg(E386Cpu *cpu, int seg, uint16_t sel);
/* load CS for a far transfer; checks code segment, privilege */
void load_cs(E386Cpu *cpu, uint16_t sel, uint32_t eip);
void seg_load_cache(Seg *s, uint16_t sel, const uint32_t desc[2]);

/* ---- operands (core/operand.c) ---- */
/* offset of the memory operand */
E386_INLINE uint32_t op_ea(E386Cpu *cpu, const E386Op *op)
{
    uint32_t a = op->disp;
    if (op->base != EA_NONE)
        a += cpu->r[op->base];
    if (op->index != EA_NONE)
        a += cpu->r[op->index] << op->scale;
    return op->adsize == 2 ? (a & 0xffff) : a;
}
/* the offset for the two common 32-bit forms the decoder specialises:
 * base + disp and base + index << scale + disp */
E386_INLINE uint32_t ea_b(const E386Cpu *cpu, const E386Op *op)
{
    return cpu->r[op->base] + op->disp;
}
E386_INLINE uint32_t ea_bi(const E386Cpu *cpu, const E386Op *op)
{
    return cpu->r[op->base] + (cpu->r[op->index] << op->scale) + op->disp;
}
/* [index << scale + disp32], no base: a table indexed by a register */
E386_INLINE uint32_t ea_ix(const E386Cpu *cpu, const E386Op *op)
{
    return (cpu->r[op->index] << op->scale) + op->disp;
}
/* linear address of the memory operand, checked for a size-byte access */
E386_INLINE uint32_t op_lin(E386Cpu *cpu, const E386Op *op, int size, int write) {
    return seg_lin_fast(cpu, op->seg, op_ea(cpu, op), size, write);
}
E386_INLINE uint32_t rm_read(E386Cpu *cpu, const E386Op *op, int size) {
    if (op->mod == 3) return reg_get(cpu, op->rm, size);
    return lin_read(cpu, op_lin(cpu, op, size, 0), size);
}
E386_INLINE void rm_write(E386Cpu *cpu, const E386Op *op, int size, uint32_t v) {
    if (op->mod == 3) reg_set(cpu, op->rm, size, v);
    else lin_write(cpu, op_lin(cpu, op, size, 1), size, v);
}

/* LOCK'd read-modify-writes on shared pages (cpu/atomic.c): the read,
 * and the write as a compare-and-swap with what it read, or the
 * instruction again (raise_retry); size 1, 2, 4 or 8 */
uint64_t locked_get(E386Cpu *cpu, uint32_t lin, int size);
void locked_put(E386Cpu *cpu, uint32_t lin, int size, uint64_t v);

/* Read-modify-write of the ModRM operand: the address is computed and
 * checked for writing once; *lin is then handed back to rm_put. */
static inline uint32_t rm_get_rmw(E386Cpu *cpu, const E386Op *op, int size, uint32_t *lin)
{
    if (op->mod == 3)
        return reg_get(cpu, op->rm, size);
    *lin = op_lin(cpu, op, (uint32_t)size, 1);
    if (cpu->softmmu) /* paging reads with write intent: #PF(W), pages dirtied first */
        lin_check_write(cpu, *lin, (uint32_t)size);
    if (op->lock)
        return (uint32_t)locked_get(cpu, *lin, size);
    return lin_read(cpu, *lin, size);
}
static inline void rm_put_rmw(E386Cpu *cpu, const E386Op *op, int size, uint32_t lin, uint32_t v)
{
    if (op->mod == 3)
        reg_set(cpu, op->rm, size, v);
    else if (op->lock)
        locked_put(cpu, lin, size, v);
    else
        lin_write(cpu, lin, size, v);
}

/* ---- stack (core/stack.c): honours SS.B for ESP vs SP ---- */
void push(E386Cpu *cpu, int size, uint32_t v);
uint32_t pop(E386Cpu *cpu, int size);
uint32_t stack_peek(E386Cpu *cpu, int size, uint32_t offset); /* read at SP+offset */
/* the same inline for a 32-bit stack (SS.B), the case of every hot push
 * and pop; a 16-bit stack takes the functions above */
E386_INLINE void push_fast(E386Cpu *cpu, int size, uint32_t v) {
    if (!(cpu->seg[SEG_SS].flags & (1u << 22))) {
        push(cpu, size, v);
        return;
    }
    uint32_t sp = cpu->r[4] - (uint32_t)size;
    seg_write(cpu, SEG_SS, sp, size, v); /* faults leave ESP alone */
    cpu->r[4] = sp;
}
E386_INLINE uint32_t pop_fast(E386Cpu *cpu, int size) {
    if (!(cpu->seg[SEG_SS].flags & (1u << 22)))
        return pop(cpu, size);
    uint32_t v = seg_read(cpu, SEG_SS, cpu->r[4], size);
    cpu->r[4] += (uint32_t)size;
    return v;
}
static inline uint32_t sp_get(const E386Cpu *cpu) {
    return (cpu->seg[SEG_SS].flags & (1u << 22)) ? cpu->r[4] : (cpu->r[4] & 0xffff);
}
static inline void sp_set(E386Cpu *cpu, uint32_t v) {
    if (cpu->seg[SEG_SS].flags & (1u << 22)) cpu->r[4] = v;
    else cpu->r[4] = (cpu->r[4] & 0xffff0000u) | (v & 0xffff);
}

/* ---- control flow (core/exec.c) ----
 * Handlers return the next op to run: op + 1 to fall through, or the
 * result of one of these to leave the block. */
const E386Op *jump_direct_slow(E386Cpu *cpu, uint32_t target, int slot);
/* where op's direct jump through exit slot 0 (taken: the relative
 * target) or 1 (fall-through: the next instruction) goes */
static inline uint32_t direct_target(const E386Op *op, int slot)
{
    uint32_t next = op->eip + op->len;
    if (slot)
        return next;
    return op->opsize == 2 ? ((next + op->imm) & 0xffff) : next + op->imm;
}
/* the rest of jump_direct, out of the handlers' frames */
const E386Op *jump_direct_out(E386Cpu *cpu, const E386Op *op, int slot);

_Static_assert(offsetof(Tb, key) == offsetof(Tb, cs_base) + 4 && offsetof(TbLink, key) == offsetof(TbLink, cs_base) + 4,
               "cs_base and key side by side, in the same order (one compare)");
static inline uint64_t tb_mode(const void *tb_or_link, size_t cs_base_at) /* the two as one word */
{
    uint64_t v;
    memcpy(&v, (const char *)tb_or_link + cs_base_at, 8);
    return v;
}
_Static_assert(offsetof(E386Cpu, chain_key) == offsetof(E386Cpu, chain_cs_base) + 4, "as Tb's cs_base and key");
/* inside run_chain: the mode of every block of the chain */
static inline uint64_t chain_mode(const E386Cpu *cpu) { return tb_mode(cpu, offsetof(E386Cpu, chain_cs_base)); }
/* op ends the running block (its links follow it: op_links) */
static inline int op_ends_block(const E386Cpu *cpu, const E386Op *op)
{
    return op == cpu->cur_tb->ops + cpu->cur_tb->nops - 1;
}
/* follow link l: the running block and the instruction count become its
 * successor's (the ops not run yet: the caller returns or enters them) */
static inline void link_take(E386Cpu *cpu, TbLink *l)
{
    cpu->cur_tb = l->tb;
    cpu->icount += l->ninsns;
    cpu->link_from = l; /* not counted in chain_hits here: exec.c chain_rebound */
}
/* The run loop's step to op next, made by a handler (a tail call):
 * cpu->cur moves first, so a fault in next is next's instruction's */
E386_INLINE const E386Op *run_next(E386Cpu *cpu, const E386Op *next)
{
    cpu->cur = next;
    return next->fn(cpu, next);
}
/* and run the successor's first op */
E386_INLINE const E386Op *link_enter(E386Cpu *cpu, TbLink *l)
{
    link_take(cpu, l);
    return run_next(cpu, l->ops);
}

/* Under run_chain, a block end that follows a link runs the next
 * block's first op itself: its handler is tail-called (jump_direct,
 * jump_via), so each block end has its own host indirect jump (predicted
 * apart, not all at the run loop's one call) and no return to the loop.
 * The loop's work between the two ops is done there: the exit request
 * and budget are tested (icount below chain_end), cpu->cur moves; the
 * loop's exit test is made where the chain comes back, before the op it
 * returns (E386Op.nostop).  chain_end also bounds the depth where a
 * compiler makes these real calls (no optimisation): past it the op is
 * returned to the loop, with a new bound (exec.c chain_rebound).
 *
 * op's direct jump through exit slot 0 or 1 (direct_target): the linked
 * successor when the link needs no TLB check (TbLink.ops set) and icount
 * is below chain_end (no exit request, the budget not spent, the host
 * stack's bound not reached); else jump_direct_out, which tests each
 * (and jump_direct_slow the rest).  cpu->eip is not stored on the way:
 * inside a chain nothing reads it (faults take the running op's, and
 * every way out of the chain stores it: jump_direct_slow,
 * chain_stop_before, op_tb_stale), so the target is computed only on
 * the slow path.  Validity is not tested here: see op_tb_stale. */
E386_INLINE const E386Op *jump_direct(E386Cpu *cpu, const E386Op *op, int slot)
{
    assert(op_ends_block(cpu, op)); /* op_links */
    TbLink *l = op_links(op) + slot;
    if (l->ops && cpu->icount < cpu->chain_end) {
        assert(tb_mode(l, offsetof(TbLink, cs_base)) == chain_mode(cpu));
        return link_enter(cpu, l);
    }
    return jump_direct_out(cpu, op, slot);
}
const E386Op *jump_indirect(E386Cpu *cpu, uint32_t target);
/* a JMP that goes on in its block (exec.c translate) */
const E386Op *op_jmp_next(E386Cpu *cpu, const E386Op *op);
/* The jump cache (exec.c): direct-mapped, linear pc -> the block last
 * found there, a hint checked like a hash hit; the native back end
 * probes it inline (native/calls.c emit_via), with this hash */
enum { JMP_CACHE = 1 << 14 };
static inline uint32_t tb_jmp_hash(uint32_t pc) { return (pc ^ (pc >> 12)) & (JMP_CACHE - 1); }
Tb *const *tb_jmp_cache(const E386Cpu *cpu); /* JMP_CACHE entries, for the CPU's lifetime */
/* A near indirect transfer (RET, JMP/CALL r/m) may go straight on to the
 * target's block when the main loop would have nothing else to do
 * (exec.c jump_via_slow, which also tries the jump cache).  The
 * interpreter's handlers first try a hint link here, as jump_direct does
 * (icount below chain_end also stands for no single-step, log or RF:
 * exec.c chain_bound), with their own host indirect jump: for RET with a
 * caller, the block of the matching CALL (the return-address stack), its
 * exit link 1; else the current block's exit link 0.  The hint is
 * relinked to the target found when it misses. */
const E386Op *jump_via_slow(E386Cpu *cpu, uint32_t target, TbLink *hint);
/* hint link l leads to linear pc in cur's mode */
static inline int link_leads_to(const TbLink *l, const Tb *cur, uint32_t pc)
{
    return l->ops && l->pc == pc && tb_mode(l, offsetof(TbLink, cs_base)) == tb_mode(cur, offsetof(Tb, cs_base));
}
/* the same inside run_chain (icount below chain_end), in the chain's mode */
static inline int link_leads_on(const TbLink *l, const E386Cpu *cpu, uint32_t target)
{
    return l->ops && l->pc == cpu->chain_cs_base + target &&
           tb_mode(l, offsetof(TbLink, cs_base)) == chain_mode(cpu);
}
/* the hint missed inside a chain: the jump cache's lean probe (exec.c) */
const E386Op *jump_via_miss(E386Cpu *cpu, uint32_t target, TbLink *hint);
E386_INLINE const E386Op *jump_via(E386Cpu *cpu, uint32_t target, TbLink *hint)
{
    if (cpu->icount >= cpu->chain_end)
        return jump_via_slow(cpu, target, hint);
    assert(tb_mode(cpu->cur_tb, offsetof(Tb, cs_base)) == chain_mode(cpu));
    if (link_leads_on(hint, cpu, target))
        return link_enter(cpu, hint);
    return jump_via_miss(cpu, target, hint);
}
/* op, the block's last, jumps to target */
E386_INLINE const E386Op *jump_near(E386Cpu *cpu, const E386Op *op, uint32_t target)
{
    assert(op_ends_block(cpu, op)); /* op_links */
    return jump_via(cpu, target, op_links(op));
}
/* RET's caller: the links of the block of the matching CALL, popped from
 * the return-address stack; not with paging: the calling block is not
 * running now and its linear page may map something else since */
static inline TbLink *ras_take(E386Cpu *cpu) { return cpu->ras[cpu->ras_top-- & 15]; } /* popped, as it is */
static inline TbLink *ras_pop(E386Cpu *cpu)
{
    TbLink *caller = ras_take(cpu);
    return cpu->softmmu ? NULL : caller;
}
/* RET's hint: the caller's link 1, else the block's own link 0 */
static inline TbLink *ret_hint(TbLink *caller, TbLink *own) { return caller ? caller + 1 : own; }
E386_INLINE const E386Op *jump_ret(E386Cpu *cpu, const E386Op *op, uint32_t target)
{
    assert(op_ends_block(cpu, op)); /* op_links */
    return jump_via(cpu, target, ret_hint(ras_pop(cpu), op_links(op)));
}
/* the same in a TB_LIN block: never with paging */
E386_INLINE const E386Op *jump_ret_lin(E386Cpu *cpu, const E386Op *op, uint32_t target)
{
    assert(op_ends_block(cpu, op)); /* op_links */
    return jump_via(cpu, target, ret_hint(ras_take(cpu), op_links(op)));
}
/* the same out of line, for the native back end's calls */
const E386Op *jump_near_slow(E386Cpu *cpu, uint32_t target);
const E386Op *jump_ret_slow(E386Cpu *cpu, uint32_t target);
/* a CALL (op, the block's last) is about to leave its block: remember
 * the block's links for the RET */
static inline void ras_push(E386Cpu *cpu, const E386Op *op) { cpu->ras[++cpu->ras_top & 15] = op_links(op); }
static inline uint32_t next_eip(const E386Op *op) { return op->eip + op->len; }
/* op is one of the running block's instructions */
static inline int op_in_block(const E386Cpu *cpu, const E386Op *op)
{
    const Tb *tb = cpu->cur_tb;
    return op && tb && op >= tb->ops && op < tb->ops + tb->ninsns;
}
/* the instructions retired before op, one of the running block's ops
 * (its closing op_block_end too): the engines add a whole block to
 * icount on entry, so the block's instructions from op on are taken
 * back (an early exit, a fault, RDTSC) */
static inline uint64_t icount_before(const E386Cpu *cpu, const E386Op *op)
{
    return cpu->icount - cpu->cur_tb->ninsns + (uint64_t)(op - cpu->cur_tb->ops);
}
/* instruction ended the block state-wise (mode change): exit to the loop */
const E386Op *end_block(E386Cpu *cpu, uint32_t eip);
/* A REP string op that stops after a pass with work left: it runs again
 * from the loop, its pass counted as one instruction and the block's ops
 * after it, not run, taken back out of icount */
const E386Op *restart_insn(E386Cpu *cpu, const E386Op *op);
void tb_invalidate_page(E386Cpu *cpu, uint32_t page);
void tb_flush(E386Cpu *cpu);
TbCache *tb_cache_new(void);
void tb_cache_free(TbCache *c);

/* ---- paging (core/paging.c) ---- */
enum { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2, ACC_SUPER = 4 /* implicit supervisor access */ };
/* linear -> physical for an access kind; 0, or -1 with the #PF error code
 * in *err (nothing raised, CR2 untouched) */
int mmu_translate(E386Cpu *cpu, uint32_t lin, int acc, uint32_t *phys, uint32_t *err);
/* the same, raising #PF on failure */
uint32_t mmu_phys(E386Cpu *cpu, uint32_t lin, int acc);
/* the physical address of code at lin (TLB first): 0, or -1 with *err */
static inline TlbAux *tlb_aux(E386Cpu *cpu, uint32_t lin) {
    return &cpu->tlb_aux[cpu->cpl == 3][(lin >> 12) & (TLB_SIZE - 1)];
}
static inline int code_phys(E386Cpu *cpu, uint32_t lin, uint32_t *pa, uint32_t *err) {
    TlbEntry *e = tlb_entry(cpu, lin);
    if (e->rtag == (lin & ~0xfffu)) {
        *pa = tlb_aux(cpu, lin)->phys | (lin & 0xfff);
        return 0;
    }
    return mmu_translate(cpu, lin, ACC_EXEC, pa, err);
}
void tlb_flush_all(E386Cpu *cpu);
/* The dirty log (core/dirty.c): a write reaching RAM page p at physical
 * address pa outside the TLB's fast path. */
static inline void dirty_mark(E386Cpu *cpu, Page *p, uint32_t pa)
{
    if (p->flags & PG_LOG) {
        p->flags &= ~(uint32_t)PG_LOG;
        uint32_t pn = pa >> 12;
        if (pn < cpu->dirty_npages)
            cpu->dirty_log[pn / 64] |= (uint64_t)1 << (pn % 64);
    }
}
void tlb_flush_nonglobal(E386Cpu *cpu);
void tlb_protect_code(E386Cpu *cpu, uint32_t phys_page); /* drop write tags of a new code page */
/* physical bus accesses (core/mem.c) */
uint32_t bus_read(E386Cpu *cpu, uint32_t pa, int size);
void bus_write(E386Cpu *cpu, uint32_t pa, int size, uint32_t v);

/* ---- system mode (core/system.c) ---- */
/* Deliver the exception or interrupt recorded in cpu->exit through the
 * IVT/IDT (called by e386_run after the unwind); returns -1 to go on, or
 * E386_EXIT_SHUTDOWN on a triple fault.  May raise (longjmp) again. */
int sys_deliver_exit(E386Cpu *cpu);
/* Take a pending NMI or INTR between instructions; 1 if one was taken. */
int sys_take_interrupt(E386Cpu *cpu);
/* implicit supervisor accesses (descriptor tables, TSS, IDT) */
uint32_t sys_read(E386Cpu *cpu, uint32_t lin, int size);
void sys_write(E386Cpu *cpu, uint32_t lin, int size, uint32_t v);
/* ports */
uint32_t io_in(E386Cpu *cpu, uint16_t port, int size);
void io_out(E386Cpu *cpu, uint16_t port, int size, uint32_t v);
/* may this CPL touch these ports (IOPL, and in protected mode the TSS bitmap)? */
void io_check(E386Cpu *cpu, uint16_t port, int size);
/* load the cache of a stack segment for privilege level dpl, with the
 * checks of an inner-level interrupt (vec EX_TS) or an outer return (EX_GP) */
void sys_check_stack_seg(E386Cpu *cpu, uint16_t sel, unsigned dpl, Seg *out, int vec, uint32_t ext);
/* the inner stack for privilege level dpl from the current TSS (#TS) */
void sys_tss_stack(E386Cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext);
/* the linear address of the next push of size bytes onto a stack segment
 * cache ss at *sp (updated); #SS(err) when it does not fit */
uint32_t sys_frame_slot(E386Cpu *cpu, const Seg *ss, uint32_t *sp, int size, uint32_t err);
/* a task switch to the TSS named by sel (core/task.c); ret_eip is saved
 * as the outgoing task's EIP; has_err pushes err on the new task's stack */
enum { TASK_JMP, TASK_CALL, TASK_INT, TASK_IRET };
void task_switch(E386Cpu *cpu, uint16_t sel, int src, uint32_t ret_eip, int has_err, uint32_t err);
/* debug registers (core/debug.c) */
void dbg_update(E386Cpu *cpu);
uint32_t dbg_exec_match(const E386Cpu *cpu, uint32_t lin);
int dbg_data_page(const E386Cpu *cpu, uint32_t lin);
void dbg_data_access(E386Cpu *cpu, uint32_t lin, int size, int write);
void dbg_general_detect(E386Cpu *cpu);
/* a CR0/CR3/CR4 write: mode, paging and TLB consequences */
void sys_set_cr(E386Cpu *cpu, int n, uint32_t v);
void sys_invlpg(E386Cpu *cpu, uint32_t lin);
int sys_rdmsr(E386Cpu *cpu, uint32_t msr, uint64_t *v); /* 0, or -1: #GP */
int sys_wrmsr(E386Cpu *cpu, uint32_t msr, uint64_t v);

/* ---- x87 helpers (cpu/x87.c) ---- */
void fpu_reset(Fpu *f);

#endif
