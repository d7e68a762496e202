/* The native back end's dispatcher: run_chain with host code. */
#include <stdlib.h>
#include <unistd.h>
#include "native/native_int.h"

enum {
    CODE_BYTES = 64u << 20, /* reserved, touched as used; a full buffer interprets until the flush */
    HOT = 2,                /* a block is translated at its HOT-th entry: not for code that runs once */
    /* the window is sealed when the blocks waiting for it have been
     * entered SEAL_HITS times each on average (+ SEAL_MIN): soon for a
     * hot loop, seldom while a program mostly translates new code */
    SEAL_HITS = 8, SEAL_MIN = 64,
};

/* Seal the open window: its blocks' code becomes theirs to run. */
static void publish(E386Cpu *cpu, NativeState *ns)
{
    native_resolve_sites(ns);
    if (codebuf_seal(ns->buf) != 0) {
        ns->full = 1; /* the host refused: interpret from here on */
        return;
    }
    for (int k = 0; k < ns->npending; k++) {
        const uint32_t *code = ns->pending[k].code;
        ns->pending[k].tb->native = code;
        ns->pending[k].tb->entry = (const uint8_t *)code + code[0];
    }
    cpu->stats.native_blocks += (uint64_t)ns->npending;
    ns->npending = 0;
    ns->pending_hits = 0;
}

/* the linear memory new code may assume (native_int.h: NativeState.lin) */
static const uint8_t *code_lin(const E386Cpu *cpu)
{
    return cpu->softmmu || cpu->mem.lloose ? NULL : cpu->mem.lbase;
}

/* the data segments new code may assume flat (NativeState.flat_segs) */
static unsigned code_flat_segs(const E386Cpu *cpu)
{
    static const int segs[] = { SEG_ES, SEG_SS, SEG_DS };
    unsigned m = 0;
    if (!code_lin(cpu)) /* code_ok tests them only with linear memory */
        return 0;
    for (size_t k = 0; k < sizeof segs / sizeof segs[0]; k++)
        if (seg_flat32(cpu, segs[k]))
            m |= 1u << segs[k];
    return m;
}

/* the code's assumptions hold: lfast is its lin and its segments are flat */
static int code_ok(const E386Cpu *cpu, const NativeState *ns)
{
    if (!ns->lin)
        return 1; /* nothing assumed (the soft TLB's code tests each access) */
    if (cpu->mem.lfast != ns->lin)
        return 0;
    for (int s = 0; s < 6; s++)
        if ((ns->flat_segs >> s & 1) && !seg_flat32(cpu, s))
            return 0;
    return 1;
}

static NativeState *state(E386Cpu *cpu)
{
    if (cpu->native)
        return cpu->native;
    NativeState *ns = calloc(1, sizeof *ns);
    if (!ns)
        return NULL;
    ns->buf = codebuf_new(CODE_BYTES);
    if (!ns->buf || native_emit_stubs(ns) != 0) {
        codebuf_free(ns->buf);
        free(ns);
        return NULL;
    }
    ns->lin = code_lin(cpu);
    ns->soft = cpu->softmmu;
    ns->flat_segs = code_flat_segs(cpu);
    ns->jmp_cache = tb_jmp_cache(cpu);
    if (getenv("E386_PERF_MAP")) { /* perf's convention for JIT code; the file may exist */
        char path[64];
        snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
        ns->perf_map = fopen(path, "a");
        if (ns->perf_map) /* a guest's exit may not flush */
            setvbuf(ns->perf_map, NULL, _IOLBF, 0);
    }
    const char *dump = getenv("E386_CODE_DUMP");
    if (dump && *dump && (ns->code_dump = fopen(dump, "a"))) /* threads share it */
        setvbuf(ns->code_dump, NULL, _IOLBF, 0);
    cpu->native = ns;
    return ns;
}

/* op i's entry in a block's table, or NULL where its code assumes a kind
 * and size of the lazy flags not stored yet: interpreted */
static const uint8_t *entry(const Tb *tb, const uint32_t *table, uintptr_t i)
{
    return native_pend_word(table, tb->nops, (int)i) ? NULL : (const uint8_t *)table + table[i];
}

/* The code of op in the current block, or NULL: interpret it. */
static const uint8_t *code_for(E386Cpu *cpu, NativeState *ns, const E386Op *op)
{
    Tb *tb = cpu->cur_tb;
    uintptr_t i = ((uintptr_t)op - (uintptr_t)tb->ops) / sizeof *op;
    if (i >= tb->nops || !tb->valid) /* a stale block's first op is op_tb_stale */
        return NULL;
    const uint32_t *table = tb->native;
    if (!table) {
        if (tb->heat == TB_PENDING) {
            if (++ns->pending_hits < SEAL_HITS * (unsigned)ns->npending + SEAL_MIN)
                return NULL;
            publish(cpu, ns);
            if (!(table = tb->native))
                return NULL;
            return entry(tb, table, i);
        }
        if (ns->full || ++tb->heat < HOT)
            return NULL;
        if (ns->npending == (int)(sizeof ns->pending / sizeof ns->pending[0]))
            publish(cpu, ns);
        const uint32_t *code = native_translate(cpu, ns, tb);
        if (code) {
            ns->pending[ns->npending].tb = tb;
            ns->pending[ns->npending++].code = code;
            tb->heat = TB_PENDING;
        }
        return NULL;
    }
    return entry(tb, table, i);
}

void native_run_chain(E386Cpu *cpu, const E386Op *op)
{
    NativeState *ns = state(cpu);
    if (ns && ns->buf->reset_pending) { /* no block's code is live now */
        codebuf_run_starts(ns->buf);
        ns->full = 0;
        /* blocks translated after the flush (by the run that flushed)
         * had their code in what was just emptied: theirs is gone too */
        ns->npending = 0;
        ns->pending_hits = 0;
        ns->nsites = 0;
        ns->nblocks = 0;
        ns->lin = code_lin(cpu);
        ns->flat_segs = code_flat_segs(cpu);
    }
    /* The code's inline accesses go to ns->lin without a test: none runs
     * while lfast is not it (the one instruction of a linear-memory retry,
     * or for good after the host ran out of mappings: linmem_loosen).
     * Within a run lfast changes only by a fault (which leaves the run)
     * or a loosening in linear memory's fault handler, which requests an
     * exit (mem_linear_fault). */
    for (;;) {
        /* (a handler run here may have loaded a segment: tested each time) */
        const uint8_t *code = ns && code_ok(cpu, ns) ? code_for(cpu, ns, op) : NULL;
        const E386Op *next;
        if (code) {
            next = ns->enter(cpu, code); /* sets cpu->cur to the last op it ran */
        } else {
            cpu->cur = op;
            next = op->fn(cpu, op);
        }
        if (!next)
            break;
        if (cpu->exit_request && !(cpu->cur->fx & FX_INEXACT)) {
            chain_stop_before(cpu, next); /* as run_chain */
            break;
        }
        op = next;
    }
    cpu->cur = NULL;
}

void native_flush(E386Cpu *cpu)
{
    NativeState *ns = cpu->native;
    if (ns) {
        codebuf_reset_later(ns->buf);
        ns->npending = 0; /* their Tbs are gone */
        ns->pending_hits = 0;
        ns->nsites = 0;
    }
}

void native_free(E386Cpu *cpu)
{
    NativeState *ns = cpu->native;
    if (!ns)
        return;
    codebuf_free(ns->buf);
    if (ns->perf_map)
        fclose(ns->perf_map);
    if (ns->code_dump)
        fclose(ns->code_dump);
    free(ns->blocks);
    free(ns);
    cpu->native = NULL;
}

/* The block holding pc is the last that starts at or below it (blocks
 * fill the buffer upwards); the op, the last whose code starts at or
 * below it (a block's ops are emitted in order; its cold code and block
 * end, after the last op's, hold no access that needs this) */
static const E386Op *native_op_at_block(const E386Cpu *cpu, uintptr_t pc, const Tb **tbp, const uint32_t **tablep)
{
    const NativeState *ns = cpu->native;
    if (!ns || !ns->nblocks || pc < (uintptr_t)ns->blocks[0].code ||
        pc >= (uintptr_t)ns->buf->base + ns->buf->used)
        return NULL;
    size_t lo = 0, hi = ns->nblocks; /* blocks[lo].code <= pc < blocks[hi].code */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)ns->blocks[mid].code <= pc)
            lo = mid;
        else
            hi = mid;
    }
    const Tb *tb = ns->blocks[lo].tb;
    const uint32_t *table = (const uint32_t *)ns->blocks[lo].code;
    uintptr_t off = pc - (uintptr_t)table;
    int i = 0;
    while (i + 1 < tb->nops && native_code_word(table, tb->nops, i + 1) <= off)
        i++;
    *tbp = tb;
    *tablep = table;
    return &tb->ops[i];
}

int native_host_fault(E386Cpu *cpu, uintptr_t pc, uint64_t r15, uint64_t *hits)
{
    const Tb *tb;
    const uint32_t *table;
    const E386Op *op = native_op_at_block(cpu, pc, &tb, &table);
    if (op) {
        uint32_t pend = native_pend_word(table, tb->nops, (int)(op - tb->ops));
        if (pend) { /* what the code had not stored yet (NativeState.cc_pend) */
            cpu->cc_op = pend & 0xff;
            cpu->cc_size = pend >> 8 & 0xff;
        }
        cpu->cur = op;
        cpu->icount = cpu->budget_end - r15;
        cpu->stats.chain_hits += *hits;
        *hits = 0;
        cpu->native->redo_fn = op->fn;
    }
    return op != NULL;
}

const E386Op *native_redo_call(E386Cpu *cpu)
{
    return cpu->native->redo_fn(cpu, cpu->cur);
}

uintptr_t native_redo_stub(const E386Cpu *cpu)
{
    return (uintptr_t)cpu->native->redo;
}

const E386Op *native_op_at(const E386Cpu *cpu, uintptr_t pc)
{
    const Tb *tb;
    const uint32_t *table;
    return native_op_at_block(cpu, pc, &tb, &table);
}
