#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
/* The execution engine: translation blocks of pre-decoded ops, a cache
 * indexed by linear address (= physical in user mode) and mode key,
 * direct chaining between blocks, per-page invalidation for
 * self-modifying code, and the run loop. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/cpu.h"
#include "core/decode.h"
#include "core/ops.h"
#include "native/native.h"

enum {
    TB_MAX_INSNS = 64,
    TB_HASH = 1 << 16,
    PAGE_HASH = 1 << 12,
    POOL_TBS = 1 << 15,
    POOL_OPS = 1 << 19,   /* fixed budget: the cache is flushed whole when full */
    GO_INDEX = 1 << 10,   /* go_twin's index: about 280 twins, a quarter full */
};

typedef struct TbRef TbRef;
struct TbRef { Tb *tb; uint32_t page; TbRef *next; };

struct TbCache {
    Tb *jmp[JMP_CACHE];   /* a hint only: every hit is checked like a hash hit */
    Tb *hash[TB_HASH];
    TbRef *pages[PAGE_HASH];
    Tb tbs[POOL_TBS];
    TbRef refs[POOL_TBS][2];
    uint32_t ntbs, nops;
    _Alignas(64) E386Op ops[POOL_OPS]; /* no op across two cache lines */
    GoTwin go[GO_INDEX];  /* by handler (fn_hash), built on first use */
    uint8_t go_built;
};

static uint32_t tb_hash(uint32_t pc) { return (pc ^ (pc >> 16)) & (TB_HASH - 1); }
static uint32_t page_hash(uint32_t page) { return page & (PAGE_HASH - 1); }
static uint32_t jmp_hash(uint32_t pc) { return tb_jmp_hash(pc); }

Tb *const *tb_jmp_cache(const E386Cpu *cpu) { return cpu->tbc->jmp; }

/* The cache is large and mostly untouched: an anonymous mapping is zero
 * by construction and only costs what is used (calloc would clear it all
 * under MALLOC_PERTURB_). */
TbCache *tb_cache_new(void)
{
    void *p = mmap(NULL, sizeof(TbCache), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void tb_cache_free(TbCache *c)
{
    if (c)
        munmap(c, sizeof(TbCache));
}

/* A page's PG_CODE changed: with linear memory the host's protection
 * follows (read-only while it holds translated code, so a store faults
 * into mem_linear_fault; writable again after). */
static void code_flag_changed(E386Cpu *cpu, uint32_t addr)
{
    if (cpu->mem.lbase)
        linmem_sync(&cpu->mem, addr, 0x1000);
}

static void clear_code_flags(E386Cpu *cpu)
{
    for (uint32_t i = 0; i < 1024; i++)
        if (cpu->mem.l1[i])
            for (uint32_t j = 0; j < 1024; j++) {
                Page *p = &cpu->mem.l1[i][j];
                if (!(p->flags & PG_CODE))
                    continue;
                p->flags &= ~(uint32_t)PG_CODE;
                code_flag_changed(cpu, i << 22 | j << 12);
            }
}

void tb_flush(E386Cpu *cpu)
{
    TbCache *c = cpu->tbc;
    memset(c->jmp, 0, sizeof c->jmp);
    memset(c->hash, 0, sizeof c->hash);
    memset(c->pages, 0, sizeof c->pages);
    c->ntbs = c->nops = 0;
    cpu->last_tb = NULL;
    memset(cpu->ras, 0, sizeof cpu->ras);
    cpu->stats.tb_flushes++;
    clear_code_flags(cpu);
    native_flush(cpu);
}

static void tb_unlink_hash(TbCache *c, Tb *tb)
{
    for (Tb **pp = &c->hash[tb_hash(tb->phys_pc)]; *pp; pp = &(*pp)->hash_next)
        if (*pp == tb) {
            *pp = tb->hash_next;
            return;
        }
}

/* The first op of an invalidated block.  Chained links are followed
 * without looking at the successor's Tb (jump_direct), so a predecessor
 * may still jump here: the block has not run, and nothing of it may.
 * Undo its instruction count and leave for the main loop, which finds
 * (or translates) the code now at eip; the link that led here is cleared
 * so that the predecessor goes through jump_direct_slow next time and is
 * linked again to the new block. */
static const E386Op *op_tb_stale(E386Cpu *cpu, const E386Op *op)
{
    cpu->icount -= cpu->cur_tb->ninsns;
    cpu->eip = op->eip;
    if (cpu->link_from)
        cpu->link_from->ops = NULL;
    cpu->link_from = NULL;
    cpu->last_tb = NULL;
    return NULL;
}

/* the bytes [start, end) of tb on physical page, one of its two */
static void tb_bytes_on(const Tb *tb, uint32_t page, uint32_t *start, uint32_t *end)
{
    uint32_t base = page << 12;
    if (page == tb->page[0]) { /* up to the page's end when the code goes on into the next */
        *start = tb->phys_pc - tb->back;
        *end = tb->page[1] == page || tb->hop_hi ? tb->phys_pc + tb->size : base + 0x1000;
    } else if (tb->hop_hi) { /* where a JMP took it */
        *start = base + tb->hop_lo;
        *end = base + tb->hop_hi;
    } else { /* the rest of an instruction or of the code from the page before */
        *start = base;
        *end = base + ((tb->pc + tb->size) & 0xfff);
    }
}

/* Invalidate the blocks that overlap [lin, lin+len) on one page (len 0:
 * all blocks of the page).  The page stays a code page while any valid
 * block remains on it. */
static void invalidate_range(E386Cpu *cpu, uint32_t page, uint32_t lin, uint32_t len)
{
    TbCache *c = cpu->tbc;
    int remaining = 0;
    for (TbRef **pp = &c->pages[page_hash(page)]; *pp;) {
        TbRef *r = *pp;
        Tb *tb = r->tb;
        if (!tb->valid) { /* drop stale refs as we go */
            *pp = r->next;
            continue;
        }
        if (r->page == page) {
            uint32_t start, end;
            tb_bytes_on(tb, page, &start, &end);
            if (len == 0 || (lin < end && start < lin + len)) {
                tb->valid = 0;
                tb->ops[0].fn = op_tb_stale; /* for the links still leading here */
                tb_unlink_hash(c, tb);
                cpu->stats.tb_invalidated++;
                if (tb == cpu->cur_tb)
                    cpu_request_exit(cpu); /* finish this op, then retranslate */
                *pp = r->next;
                continue;
            }
            remaining = 1;
        }
        pp = &r->next;
    }
    if (!remaining) {
        Page *p = mem_page(&cpu->mem, page << 12);
        if (p && (p->flags & PG_CODE)) {
            p->flags &= ~(uint32_t)PG_CODE;
            code_flag_changed(cpu, page << 12);
        }
    }
}

void tb_invalidate_page(E386Cpu *cpu, uint32_t page)
{
    invalidate_range(cpu, page, 0, 0);
}

void mem_smc_write(E386Cpu *cpu, uint32_t lin, uint32_t len)
{
    uint32_t last = lin + len - 1;
    invalidate_range(cpu, lin >> 12, lin, len);
    if ((last >> 12) != (lin >> 12))
        invalidate_range(cpu, last >> 12, lin, len);
}

static uint32_t cpu_key(const E386Cpu *cpu)
{
    uint32_t k = 0;
    if (DESC_DB(cpu->seg[SEG_CS].flags)) k |= TB_CODE32;
    if (DESC_DB(cpu->seg[SEG_SS].flags)) k |= TB_SS32;
    if (cpu->eflags & F_TF) k |= TB_TF;
    if (cpu->cpl == 3) k |= TB_CPL3;
    if (cpu->pe) k |= TB_PE;
    if (lin_flat(cpu)) k |= TB_LIN;
    return k;
}

/* The op placed after the last instruction of a block that did not end in
 * a control transfer: continue at its eip, chained through slot 1. */
static const E386Op *op_block_end(E386Cpu *cpu, const E386Op *op)
{
    return jump_direct(cpu, op, 1);
}

/* A JMP rel32 in flat 32-bit code whose target is on its block's page,
 * outside the bytes the block has so far, does not end the block: the
 * block goes on with the target's instructions, so the jump costs one
 * dispatch (none in host code) instead of a block end and a chained
 * entry.  Loops back to their head that way are most of them (2% of the
 * real programs' interpreted ops, 4.8% of lua-fannkuch's).  The jump's
 * op stays, one per instruction as icount_before counts them; it neither
 * faults nor touches the flags.  The block's bytes for invalidation are
 * the hull of what it ran, [pc - back, pc + size): a store there
 * invalidates it, as it would a block that ran them all.  Both engines
 * make the same blocks (the native tests compare them slice by slice):
 * op_jmp_next, which native code leaves out (inline.c), with op_jmp_on
 * its go-on twin for the interpreter (go_on_pass). */
const E386Op *op_jmp_next(E386Cpu *cpu, const E386Op *op)
{
    (void)cpu;
    return op + 1;
}

static const E386Op *op_jmp_on(E386Cpu *cpu, const E386Op *op)
{
    return run_next(cpu, op + 1);
}

static const GoTwin *exec_go_twins(size_t *n)
{
    static const GoTwin t[] = { { op_jmp_next, op_jmp_on } };
    *n = sizeof t / sizeof t[0];
    return t;
}

/* lo, hi: the linear hull of the block's bytes so far on its current
 * page.  JUMP_ON: the block goes on at the target, on that page; JUMP_HOP:
 * on another page, which becomes the block's second (hop: none yet).
 * Only without the soft MMU (user mode), where a linear page is its
 * physical page: Lua's and SQLite's loops jump back to their head from
 * code on other pages (1-4% of their ops).  A block's bytes so far must
 * lie on one page, and after a hop every instruction on the new one
 * (translate). */
enum { JUMP_ENDS, JUMP_ON, JUMP_HOP };
static int jump_goes_on(const E386Cpu *cpu, const E386Op *op, int code32, uint32_t lo, uint32_t hi, int hop)
{
    if (op->fn != op_jmp_J || !code32 || op->opsize != 4 || cpu->log_mask || cpu->seg[SEG_CS].limit != 0xffffffffu)
        return JUMP_ENDS;
    uint32_t target = cpu->seg[SEG_CS].base + direct_target(op, 0);
    if ((target >> 12) == (lo >> 12))
        return target < lo || target >= hi ? JUMP_ON : JUMP_ENDS;
    return !hop && !cpu->softmmu && ((hi - 1) >> 12) == (lo >> 12) ? JUMP_HOP : JUMP_ENDS;
}

/* A fault found while decoding an instruction that is not the first one of
 * its block ends the block before it; as the first one, it is raised here,
 * before anything ran, with cpu->eip at that instruction. */
static _Noreturn void decode_fault(E386Cpu *cpu, const DecodeFault *f)
{
    cpu->cur = NULL;
    if (f->vector == EX_PF)
        raise_pf(cpu, f->addr, f->err);
    if (f->has_err)
        raise_exc_err(cpu, f->vector, f->err);
    raise_exc(cpu, f->vector);
}

static void tb_add_page_ref(TbCache *c, Tb *tb, int k, uint32_t page)
{
    TbRef *r = &c->refs[tb - c->tbs][k];
    r->tb = tb;
    r->page = page;
    r->next = c->pages[page_hash(page)];
    c->pages[page_hash(page)] = r;
}

static void log_insn(E386Cpu *cpu, uint32_t lin, unsigned len, int code32)
{
    uint8_t code[16];
    for (unsigned i = 0; i < len && i < sizeof code; i++) { /* through paging, as fetched */
        uint32_t pa = lin + i, err;
        if ((cpu->softmmu && code_phys(cpu, lin + i, &pa, &err)) || e386_mem_read(cpu, pa, &code[i], 1))
            code[i] = 0xff;
    }
    if (cpu->disasm) {
        cpu->disasm(cpu->disasm_opaque, cpu->log, lin, code, len, code32);
        return;
    }
    fprintf(cpu->log, "%08x: ", lin);
    for (unsigned i = 0; i < len; i++)
        fprintf(cpu->log, "%02x", code[i]);
    fputc('\n', cpu->log);
}

static void log_block(E386Cpu *cpu, const Tb *tb)
{
    if (cpu->log_mask & E386_LOG_STEP)
        cpu->step_hook(cpu->if_opaque, cpu->eip, cpu->icount);
    if (cpu->log_mask & E386_LOG_CPU)
        fprintf(cpu->log,
                "cpu: eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x ebp=%08x esp=%08x\n"
                "     eip=%08x eflags=%08x cpl=%d cs=%04x ss=%04x ds=%04x es=%04x cr0=%08x cr3=%08x\n",
                cpu->r[0], cpu->r[3], cpu->r[1], cpu->r[2], cpu->r[6], cpu->r[7], cpu->r[5], cpu->r[4],
                cpu->eip, get_eflags(cpu), cpu->cpl, cpu->seg[SEG_CS].sel, cpu->seg[SEG_SS].sel,
                cpu->seg[SEG_DS].sel, cpu->seg[SEG_ES].sel, cpu->cr0, cpu->cr3);
    if (cpu->log_mask & E386_LOG_EXEC) /* n: instructions before the block, where runs diverge */
        fprintf(cpu->log, "exec: n=%llu %04x:%08x lin=%08x insns=%u\n", (unsigned long long)cpu->icount,
                cpu->seg[SEG_CS].sel, cpu->eip, tb->pc, tb->ninsns);
}

/* -d op: the block as the engine will run it, one line per operation
 * (the decoder's fields; names from the opcode table, n of them). */
static void log_ops(E386Cpu *cpu, const Tb *tb, const char *const *names, int n)
{
    fprintf(cpu->log, "op: block lin=%08x phys=%08x key=%08x ops=%u insns=%u\n", tb->pc, tb->phys_pc, tb->key,
            tb->nops, tb->ninsns);
    for (int i = 0; i < tb->nops; i++) {
        const E386Op *o = &tb->ops[i];
        fprintf(cpu->log, "op:  %2d eip=%08x %-8s", i, o->eip, i < n ? names[i] : "(end)");
        if (i < n)
            fprintf(cpu->log, " len=%u w=%u os=%u as=%u seg=%u mod=%u reg=%u rm=%u ea=%u,%u,%u disp/imm2=%08x "
                    "imm=%08x rep=%02x lock=%u sub=%u", o->len, o->size, o->opsize, o->adsize, o->seg,
                    o->mod, o->reg, o->rm, o->base, o->index, o->scale, o->disp, o->imm, o->rep ? 0xf0 | o->rep : 0,
                    o->lock, o->sub);
        fputc('\n', cpu->log);
    }
}

/* A handler's slot in the go-on index: a hash of its bytes (a function
 * pointer has no portable integer value) */
static uint32_t fn_hash(OpFn f)
{
    unsigned char b[sizeof f];
    memcpy(b, &f, sizeof f);
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < sizeof b; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* every file's list; past half the index's slots the rest are left out
 * (their handlers then return to the loop: slower, not wrong) */
static void go_index_build(TbCache *c)
{
    const GoTwin *(*const lists[])(size_t *) = { alu_go_twins,  shift_go_twins, stack_go_twins, stack_run_go_twins,
                                                 misc_go_twins, muldiv_go_twins, x87_go_twins, exec_go_twins };
    size_t used = 0;
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        size_t n;
        const GoTwin *t = lists[l](&n);
        for (size_t k = 0; k < n && used < GO_INDEX / 2; k++, used++) {
            uint32_t h = fn_hash(t[k].fn);
            while (c->go[h & (GO_INDEX - 1)].fn)
                h++;
            c->go[h & (GO_INDEX - 1)] = t[k];
        }
    }
    c->go_built = 1;
}

static OpFn go_twin(TbCache *c, OpFn f)
{
    for (uint32_t h = fn_hash(f);; h++) {
        const GoTwin *e = &c->go[h & (GO_INDEX - 1)];
        if (!e->fn || e->fn == f)
            return e->go;
    }
}

/* The interpreter's last pass over a block of ninsns instructions (after
 * pair_fuse, whose handlers go on already): each op that has a go-on
 * twin (ops.h) gets it, except the last instruction and the ops inside
 * an x87 run (its handler calls them one by one, x87_run.c) */
static void go_on_pass(TbCache *c, E386Op *ops, int ninsns)
{
    if (!c->go_built)
        go_index_build(c);
    for (int i = 0; i + 1 < ninsns; i++) {
        int span = x87_run_span(&ops[i]);
        if (span) {
            i += span;
            continue;
        }
        OpFn g = go_twin(c, ops[i].fn);
        if (g)
            ops[i].fn = g;
    }
}

void interp_specialize(E386Op *ops, int ninsns)
{
    for (int i = 0; i < ninsns; i++) {
        OpFn f = alu_interp_pick(&ops[i]);
        if (!f)
            f = misc_interp_pick(&ops[i]);
        if (!f)
            f = muldiv_interp_pick(&ops[i]);
        if (f)
            ops[i].fn = f;
    }
}

static Tb *translate(E386Cpu *cpu, uint32_t pc, uint32_t phys_pc, uint32_t key)
{
    TbCache *c = cpu->tbc;
    if (c->ntbs == POOL_TBS || c->nops + TB_MAX_INSNS + 1 + TB_LINK_OPS > POOL_OPS)
        tb_flush(cpu);
    Tb *tb = &c->tbs[c->ntbs];
    E386Op *ops = &c->ops[c->nops];
    int code32 = (key & TB_CODE32) != 0;
    int max = (key & (TB_TF | TB_ONE)) ? 1 : TB_MAX_INSNS;
    uint32_t cs_base = cpu->seg[SEG_CS].base, eip = cpu->eip, page = pc >> 12;
    uint32_t lo = pc, hi = pc; /* the hull of the bytes decoded on page (jump_goes_on) */
    uint32_t first_lo = pc, first_hi = pc; /* first page's, after a hop */
    int n = 0, ends = 0, hop = 0;
    const char *names[TB_MAX_INSNS]; /* -d op */
    for (;;) {
        const OpInfo *info;
        unsigned dec;
        DecodeFault fault;
        if (decode_insn(cpu, eip, code32, &ops[n], &info, &dec, &fault) != DEC_OK) {
            if (n == 0)
                decode_fault(cpu, &fault);
            break;
        }
        uint32_t lin_end = cs_base + eip + ops[n].len - 1;
        if (hop && (lin_end >> 12) != page)
            break; /* no third page: the block ends before this instruction */
        if (cpu->log_mask & E386_LOG_IN_ASM)
            log_insn(cpu, cs_base + eip, ops[n].len, code32);
        names[n] = info->name;
        if (lin_end >= hi)
            hi = lin_end + 1;
        eip += ops[n].len;
        if (!code32) eip &= 0xffff;
        n++;
        ends = (dec & D_END) != 0;
        int crosses = (lin_end >> 12) != page; /* into the next page */
        int on = ends && n < max ? jump_goes_on(cpu, &ops[n - 1], code32, lo, hi, hop) : JUMP_ENDS;
        if (on != JUMP_ENDS) {
            eip = direct_target(&ops[n - 1], 0);
            if (on == JUMP_HOP) {
                first_lo = lo, first_hi = hi, hop = 1;
                lo = hi = cs_base + eip, page = lo >> 12;
            } else if (cs_base + eip < lo) {
                lo = cs_base + eip;
            }
            ops[n - 1].fn = op_jmp_next;
            ops[n - 1].fx = FX_NONE;
            ends = 0;
        }
        if (ends || n >= max || crosses || ((cs_base + eip) >> 12) != page)
            break;
    }
    if (hop && hi == lo) /* nothing decoded there: the block ends at the target */
        hop = 0, lo = first_lo, hi = first_hi;
    E386Op *last = &ops[n - 1];
    if (!ends) {
        /* fall through to the next instruction */
        ops[n] = (E386Op){ .fn = op_block_end, .eip = eip, .opsize = code32 ? 4 : 2 };
        n++;
    }
    flag_liveness(ops, n);
    /* the loop's stops, before the fusions below change what the ops
     * run: never after an op whose dropped flag update is not yet
     * rewritten (a block starts and ends with EFLAGS exact) */
    for (int i = 1; i < n; i++)
        ops[i].nostop = ops[i - 1].fx >> 7;
    _Static_assert(FX_INEXACT == 0x80, "nostop is FX_INEXACT's bit");
    if (ends)
        fuse_compare_branch(ops, (int)(last - ops + 1));
    x87_fuse_runs(ops, (int)(last - ops + 1));
    stack_fuse_runs(ops, (int)(last - ops + 1));
    if (cpu->accel != E386_ACCEL_NATIVE) {
        if (ends)
            fuse_alu_branch(ops, (int)(last - ops + 1));
        interp_specialize(ops, (int)(last - ops + 1));
        pair_fuse(ops, (int)(last - ops + 1), (key & TB_LIN) != 0);
        go_on_pass(c, ops, (int)(last - ops + 1));
    }
    uint32_t a_lo = hop ? first_lo : lo, size = (hop ? first_hi : hi) - pc, last_pa = pc + size - 1, err;
    if (cpu->softmmu && code_phys(cpu, pc + size - 1, &last_pa, &err))
        last_pa = phys_pc; /* cannot happen: the byte was just fetched */
    if (hop) /* no soft MMU: the linear page is the physical one */
        last_pa = lo;
    *tb = (Tb){ .pc = pc, .phys_pc = phys_pc, .cs_base = cs_base, .key = key, .size = size, .back = (uint16_t)(pc - a_lo),
                .hop_lo = (uint16_t)(hop ? lo & 0xfff : 0), .hop_hi = (uint16_t)(hop ? hi - (lo & ~0xfffu) : 0),
                .page = { phys_pc >> 12, last_pa >> 12 },
                .nops = (uint16_t)n, .ninsns = (uint16_t)(last - ops + 1),
                .valid = 1, .spans = ((pc ^ (pc + size - 1)) >> 12) != 0, .ops = ops,
                .link = op_links(&ops[n - 1]) };
    tb->link[0] = tb->link[1] = (TbLink){ 0 };
    c->ntbs++;
    c->nops += (uint32_t)n + TB_LINK_OPS;
    tb->hash_next = c->hash[tb_hash(phys_pc)];
    c->hash[tb_hash(phys_pc)] = tb;
    for (int k = 0; k < 2; k++) {
        if (k == 1 && tb->page[1] == tb->page[0])
            break;
        tb_add_page_ref(c, tb, k, tb->page[k]);
        Page *p = mem_page(&cpu->mem, tb->page[k] << 12);
        if (p && !(p->flags & PG_CODE)) {
            p->flags |= PG_CODE;
            tlb_protect_code(cpu, tb->page[k]); /* its writes must now see SMC */
            code_flag_changed(cpu, tb->page[k] << 12);
        }
    }
    cpu->stats.tb_translated++;
    if (cpu->log_mask & E386_LOG_OP)
        log_ops(cpu, tb, names, (int)tb->ninsns);
    return tb;
}

/* Does the TLB (no walk) map the linear page of lin to physical page
 * page?  A miss answers no: the caller then takes the main loop's way. */
static inline int tlb_maps(E386Cpu *cpu, uint32_t lin, uint32_t page)
{
    const TlbEntry *e = tlb_entry(cpu, lin);
    return e->rtag == (lin & ~0xfffu) && tlb_aux(cpu, lin)->phys == page << 12;
}

/* A block reached without tb_find (a chained jump into another linear
 * page, the jump cache): every linear page it covers must still map the
 * physical pages it was translated from. */
static inline int tb_mapped(E386Cpu *cpu, const Tb *tb)
{
    return tlb_maps(cpu, tb->pc, tb->page[0]) &&
           (!tb->spans || tlb_maps(cpu, tb->pc + tb->size - 1, tb->page[1]));
}

/* Blocks are found by physical address (so a changed mapping of a
 * linear page never runs stale code) and the state they assume.  The
 * jump cache answers most lookups with one probe. */
static Tb *tb_find(E386Cpu *cpu, uint32_t extra_key)
{
    uint32_t pc = cpu->seg[SEG_CS].base + cpu->eip, key = cpu_key(cpu) | extra_key;
    uint32_t phys = pc, err;
    if (cpu->softmmu && code_phys(cpu, pc, &phys, &err))
        return translate(cpu, pc, pc, key); /* raises the #PF from the decoder */
    TbCache *c = cpu->tbc;
    Tb **slot = &c->jmp[jmp_hash(pc)], *tb = *slot;
    if (tb && tb->valid && tb->phys_pc == phys && tb->pc == pc && tb->key == key &&
        tb->cs_base == cpu->seg[SEG_CS].base && (!cpu->softmmu || !tb->spans || tb_mapped(cpu, tb)))
        return tb;
    for (tb = c->hash[tb_hash(phys)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc != phys || tb->pc != pc || tb->key != key || tb->cs_base != cpu->seg[SEG_CS].base)
            continue;
        if (cpu->softmmu && tb->spans) { /* its second page must map the same */
            uint32_t pa2;
            if (code_phys(cpu, pc + tb->size - 1, &pa2, &err) || (pa2 >> 12) != tb->page[1])
                continue;
        }
        *slot = tb;
        return tb;
    }
    tb = translate(cpu, pc, phys, key);
    *slot = tb;
    return tb;
}

/* Chain from's exit slot to tb.  The fast path of jump_direct needs
 * nothing checked at run time: without paging always; with paging only
 * when tb lies in from's linear page (a mapping change can then not
 * redirect the jump, as invalidation covers the physical pages).  Other
 * links keep ops NULL and are checked against the TLB each time. */
static void tb_link_to(E386Cpu *cpu, TbLink *l, const Tb *from, Tb *tb)
{
    int fast = !cpu->softmmu || (!tb->spans && !((tb->pc ^ from->pc) & ~0xfffu));
    *l = (TbLink){ .ops = fast ? tb->ops : NULL, .tb = tb, .ninsns = tb->ninsns,
                   .pc = tb->pc, .key = tb->key, .cs_base = tb->cs_base };
}
static void tb_link(E386Cpu *cpu, Tb *from, int slot, Tb *tb) { tb_link_to(cpu, &from->link[slot], from, tb); }

/* Nothing for the main loop to do between the blocks: no event pending,
 * no budget end, no single-step, breakpoint or log work. */
static inline int may_chain(const E386Cpu *cpu, const Tb *cur)
{
    return !cpu->exit_request && cpu->icount < cpu->budget_end && !(cur->key & (TB_TF | TB_ONE)) &&
           !cpu->log_mask && !(cpu->eflags & F_RF);
}

/* Block ends go on by tail calls (cpu.h jump_direct) while icount is
 * below chain_end: for TAIL_INSNS instructions at most, as without
 * optimisation each block so entered is a stack frame or more per op.
 * Past the bound a followed link's op is returned instead, which unwinds
 * the host stack to run_chain, and a new bound is set on the way
 * (chain_rebound): no test in the loop's passes. */
#ifdef __OPTIMIZE__
enum { TAIL_INSNS = 512 };
#else
enum { TAIL_INSNS = 32 };
#endif
static void chain_rebound(E386Cpu *cpu)
{
    uint64_t end = cpu->icount + TAIL_INSNS;
    cpu->chain_end = end < cpu->budget_end ? end : cpu->budget_end;
    /* after the store: cpu_request_exit's order.  Counting chain_hits
     * (e386_count_chain_hits) keeps every block end on the out-of-line
     * paths, which count (count_hit): an add in the handlers' own link
     * following cost 3-5% of lua's fannkuch and the C sieve, and a test
     * of the flag there as much (more code in hundreds of handlers). */
    if (cpu->exit_request || cpu->count_chains)
        cpu->chain_end = 0;
}

static inline void count_hit(E386Cpu *cpu)
{
    cpu->stats.chain_hits += cpu->count_chains;
}

/* link_take on the out-of-line paths, counted */
static inline void link_take_counted(E386Cpu *cpu, TbLink *l)
{
    link_take(cpu, l);
    count_hit(cpu);
}

/* run_chain's first bound: 0 (no tail calls, and jump_via's fast path
 * off) also where the rest of may_chain fails, as a chain's blocks all
 * have the running one's key; log_mask is read once a run_chain; RF is
 * set only by instructions that leave the chain */
static void chain_bound(E386Cpu *cpu)
{
    chain_rebound(cpu);
    cpu->chain_cs_base = cpu->cur_tb->cs_base;
    cpu->chain_key = cpu->cur_tb->key;
    if (!may_chain(cpu, cpu->cur_tb))
        cpu->chain_end = 0;
}

/* A followed link's op returned, not run: past the bound (chain_end set,
 * so inside run_chain and may_chain held) a new one for the chain that
 * goes on from the loop */
static const E386Op *chain_return(E386Cpu *cpu, const E386Op *next)
{
    if (cpu->chain_end)
        chain_rebound(cpu);
    return next;
}

static const E386Op *tail_enter(E386Cpu *cpu, const E386Op *next)
{
    if (cpu->icount >= cpu->chain_end)
        return chain_return(cpu, next);
    return run_next(cpu, next);
}

const E386Op *jump_direct_slow(E386Cpu *cpu, uint32_t target, int slot)
{
    cpu->eip = target;
    Tb *tb = cpu->cur_tb;
    TbLink *l = &tb->link[slot];
    Tb *next = l->tb;
    /* single-step blocks are never linked (see e386_run); an invalidated
     * current block has set exit_request.  With paging, a successor in
     * another linear page (or spilling into one) is followed only while
     * the TLB still maps its pages as when it was translated. */
    if (next && next->valid && !cpu->exit_request && cpu->icount < cpu->budget_end &&
        (!cpu->softmmu || tb_mapped(cpu, next))) {
        link_take_counted(cpu, l); /* l->tb is next */
        return chain_return(cpu, next->ops);
    }
    cpu->last_tb = tb;
    cpu->last_slot = slot;
    return NULL;
}

/* jump_direct past chain_end: the link is still followed as on the fast
 * path (not into the next block's handler: that is the loop's, or under
 * native the caller's) while there is no exit request and budget left */
const E386Op *jump_direct_out(E386Cpu *cpu, const E386Op *op, int slot)
{
    uint32_t target = direct_target(op, slot);
    TbLink *l = &cpu->cur_tb->link[slot];
    if (l->ops && !cpu->exit_request && cpu->icount < cpu->budget_end) {
        cpu->eip = target;
        link_take_counted(cpu, l);
        return chain_return(cpu, l->ops);
    }
    return jump_direct_slow(cpu, target, slot);
}

const E386Op *jump_indirect(E386Cpu *cpu, uint32_t target)
{
    cpu->eip = target;
    cpu->last_tb = NULL;
    return NULL;
}

/* Follow an indirect exit's link l when it leads to pc in the current
 * mode (its ops set: with paging only in the linking block's page). */
static inline const E386Op *follow_if(E386Cpu *cpu, TbLink *l, const Tb *cur, uint32_t pc)
{
    if (!link_leads_to(l, cur, pc))
        return NULL;
    link_take_counted(cpu, l);
    return l->ops;
}

/* The target's block from the jump cache, in the current mode; NULL if
 * not there. */
static Tb *jmp_cache_find(E386Cpu *cpu, const Tb *cur, uint32_t pc)
{
    Tb *tb = cpu->tbc->jmp[jmp_hash(pc)];
    if (!tb || !tb->valid || tb->pc != pc || tb->key != cur->key || tb->cs_base != cur->cs_base)
        return NULL;
    if (cpu->softmmu ? !tb_mapped(cpu, tb) : tb->phys_pc != pc)
        return NULL;
    return tb;
}

/* tb becomes the running block, found without a link (as link_take) */
static inline void take_found(E386Cpu *cpu, Tb *tb)
{
    cpu->cur_tb = tb;
    cpu->link_from = NULL;
    cpu->icount += tb->ninsns;
}

static const E386Op *enter(E386Cpu *cpu, Tb *tb)
{
    take_found(cpu, tb);
    count_hit(cpu);
    return tail_enter(cpu, tb->ops);
}

/* An indirect jump to target when the main loop would do nothing but
 * find the target's block.  The hint link is tried first: for RET
 * without a caller, JMP r/m and CALL r/m the block's own exit link 0,
 * which remembers the last target (an inline cache: one compare for the
 * jump through a function pointer or the PLT that goes to the same place
 * each time); for RET with a caller, that block's exit link 1.  Then the
 * jump cache, which also re-links the hint.  With paging the hint is
 * always the block's own (ras_pop), whose page is cur's (tb_link_to's
 * fast link).  A caller's is relinked even if that block was invalidated
 * since: its links stay in the pool until a flush, which clears the RAS,
 * and a link is checked where it is used (link_leads_to, op_tb_stale). */
const E386Op *jump_via_slow(E386Cpu *cpu, uint32_t target, TbLink *hint)
{
    cpu->eip = target;
    cpu->last_tb = NULL;
    Tb *cur = cpu->cur_tb;
    uint32_t pc = cur->cs_base + target;
    /* icount below chain_end: the interpreter's jump_via, whose hint
     * missed, and may_chain holds (chain_bound); else test both here */
    if (cpu->icount >= cpu->chain_end) {
        if (!may_chain(cpu, cur))
            return NULL;
        const E386Op *next = follow_if(cpu, hint, cur, pc);
        if (next)
            return tail_enter(cpu, next);
    }
    Tb *tb = jmp_cache_find(cpu, cur, pc);
    if (!tb)
        return NULL;
    tb_link_to(cpu, hint, cur, tb); /* the hint leads there now */
    return enter(cpu, tb);
}

const E386Op *jump_near_slow(E386Cpu *cpu, uint32_t target) { return jump_via_slow(cpu, target, cpu->cur_tb->link); }

/* jump_via's hint missed inside a chain (icount below chain_end: may_chain
 * holds).  An indirect jump whose target changes every time (an
 * interpreter's dispatch: Lua's, CPython's) comes here at each
 * execution, so the common case, a block in the jump cache without
 * paging, is taken without jump_via_slow's frame and its tests of what
 * the chain already holds: the block is entered as a followed link is
 * (cpu.h link_enter: eip not stored, the bound tested before), and the
 * hint relinked.  Anything else goes the slow way. */
const E386Op *jump_via_miss(E386Cpu *cpu, uint32_t target, TbLink *hint)
{
    Tb *cur = cpu->cur_tb;
    uint32_t pc = cpu->chain_cs_base + target;
    Tb *tb = cpu->tbc->jmp[jmp_hash(pc)];
    if (!tb || cpu->softmmu || tb->pc != pc || tb->phys_pc != pc || !tb->valid ||
        tb_mode(tb, offsetof(Tb, cs_base)) != chain_mode(cpu))
        return jump_via_slow(cpu, target, hint);
    tb_link_to(cpu, hint, cur, tb); /* the hint leads there now */
    take_found(cpu, tb);
    return run_next(cpu, tb->ops);
}

/* RET: the block that ended in the matching CALL links its return site
 * (exit link 1, which a CALL's block does not use otherwise), so a return
 * costs a compare however many places call the function.  The stack is a
 * hint: a target that differs (longjmp, a thread switch, an unbalanced
 * stack) just misses.  Not with paging (cpu.h ras_pop). */
const E386Op *jump_ret_slow(E386Cpu *cpu, uint32_t target)
{
    return jump_via_slow(cpu, target, ret_hint(ras_pop(cpu), cpu->cur_tb->link));
}

const E386Op *end_block(E386Cpu *cpu, uint32_t eip)
{
    return jump_indirect(cpu, eip);
}

/* end_block's D_END instructions are their blocks' last; a REP is not,
 * and the block entered for the restart counts what follows it again */
const E386Op *restart_insn(E386Cpu *cpu, const E386Op *op)
{
    cpu->icount = icount_before(cpu, op) + 1;
    return jump_indirect(cpu, op->eip);
}

void chain_stop_before(E386Cpu *cpu, const E386Op *next)
{
    cpu->icount = icount_before(cpu, next);
    cpu->eip = next->eip;
    cpu->last_tb = NULL;
}

/* Run ops from the current block on, through chained blocks, until a
 * block exit.  Returns normally; faults longjmp out of here (e386_run
 * clears chain_end then). */
static void run_chain(E386Cpu *cpu, const E386Op *op)
{
    chain_bound(cpu);
    for (;;) {
        cpu->cur = op;
        const E386Op *next = op->fn(cpu, op);
        if (!next)
            break;
        /* wherever the handlers' own calls of the next ops came back */
        if (cpu->exit_request && !next->nostop) {
            chain_stop_before(cpu, next);
            break;
        }
        op = next;
    }
    cpu->cur = NULL;
    cpu->chain_end = 0; /* handlers called by the native back end return */
}

void e386_set_debug_hook(E386Cpu *cpu, e386_debug_fn fn, void *opaque)
{
    cpu->debug_hook = fn;
    cpu->debug_opaque = opaque;
}

/* The interrupt hook (a system call) is host code, not a guest access:
 * a host fault there must not become the guest's. */
static int hook_handles(E386Cpu *cpu)
{
    E386Cpu *self = fault_enter(NULL);
    int handled = cpu->int_hook(cpu, cpu->exit.vector, cpu->int_hook_opaque);
    fault_enter(self);
    return handled;
}

/* The linear path back on after the instruction that ran without it
 * (unless the host ran out of mappings meanwhile: linmem_loosen). */
static void lin_retry_end(E386Cpu *cpu)
{
    mem_bus_disarm(cpu);
    cpu->lin_retry = LIN_RETRY_NONE;
    cpu->mem.lfast = cpu->mem.lloose ? NULL : cpu->mem.lbase;
}

/* a #DB at eip: an instruction breakpoint before it, a single step or
 * data breakpoint after the instruction before it */
static e386_exit db_exit(uint32_t eip)
{
    return (e386_exit){ .reason = E386_EXIT_EXCEPTION, .vector = EX_DB, .fault_eip = eip, .insn_eip = eip };
}

int e386_run(E386Cpu *cpu, uint64_t max_insns, e386_exit *out)
{
    E386Cpu *outer = fault_enter(cpu); /* host faults in the reservation are this CPU's */
    jmp_buf jb, *saved = cpu->jmp;
    cpu->jmp = &jb;
    /* at most 2^62 instructions a run (0: that many, "no limit"): the
     * native back end counts the rest down in a signed register
     * (native_int.h LEFT_REG), and icount + the budget never wraps */
    cpu->budget_end = cpu->icount + (max_insns && max_insns < RUN_BUDGET_MAX ? max_insns : RUN_BUDGET_MAX);
    cpu->last_tb = NULL;
    cpu->cur = NULL;
    cpu->cur_tb = NULL;
    volatile int reason = -1;
    if (setjmp(jb)) {
        /* a fault or INT: cpu->exit and cpu->eip are set */
        fault_enter(cpu); /* after a fault raised inside the hook too */
        cpu->chain_end = 0; /* as run_chain leaves it */
        Tb *tb = cpu->cur_tb;
        if (tb && cpu->cur && cpu->cur >= tb->ops && cpu->cur < tb->ops + tb->nops)
            cpu->icount = icount_before(cpu, cpu->cur);
        if (cpu->exit.reason == E386_EXIT_INTERRUPT)
            cpu->icount++; /* INT n completed */
        cpu->cur = NULL;
        cpu->cur_tb = NULL;
        cpu->last_tb = NULL;
        if (cpu->lin_retry == LIN_RETRY_ACTIVE)
            lin_retry_end(cpu);
        if (cpu->lin_retry == LIN_RETRY_PENDING) {
            /* the host MMU's fault: its address is a hint only (cpu.h);
             * the instruction runs again alone without the linear path */
            cpu->lin_retry = LIN_RETRY_ACTIVE;
            cpu->mem.lfast = NULL;
        } else if (cpu->sys) {
            /* exceptions and INT n go to the guest's handlers */
            reason = sys_deliver_exit(cpu);
        } else if (cpu->exit.reason == E386_EXIT_INTERRUPT && cpu->int_hook && hook_handles(cpu)) {
            /* handled (a system call): go on */
        } else {
            reason = cpu->exit.reason;
        }
    }
    while (reason < 0) {
        if (cpu->stop_request) {
            cpu->stop_request = 0;
            cpu->exit.reason = reason = E386_EXIT_STOP;
            break;
        }
        if (cpu->icount >= cpu->budget_end) {
            cpu->exit.reason = reason = E386_EXIT_INSN_LIMIT;
            break;
        }
        cpu->exit_request = cpu->stop_request ? EXIT_REQUESTED : 0; /* a stop may race with this */
        uint32_t extra_key = (cpu->log_mask & E386_LOG_STEP) ? TB_ONE : 0; /* irqsoff trace */
        if (cpu->lin_retry == LIN_RETRY_ACTIVE)
            extra_key = TB_ONE;
        if (cpu->sys) {
            /* interrupts are taken between instructions, never in the
             * shadow of STI or MOV SS: then one instruction runs first */
            int shadow = cpu->inhibit_irq || cpu->irq_shadow;
            cpu->irq_shadow = 0;
            if (!shadow && (cpu->nmi_pending || cpu->irq_level))
                sys_take_interrupt(cpu);
            if (cpu->halted) {
                cpu->exit.reason = reason = E386_EXIT_HLT;
                break;
            }
            if (shadow && (cpu->nmi_pending || cpu->irq_level))
                extra_key = TB_ONE;
            if (cpu->dbg_exec || cpu->dbg_data)
                extra_key = TB_ONE; /* breakpoints are checked per instruction */
            if (cpu->dbg_exec && !(cpu->eflags & F_RF)) {
                uint32_t hits = dbg_exec_match(cpu, cpu->seg[SEG_CS].base + cpu->eip);
                if (hits) { /* an instruction breakpoint: a fault before it runs */
                    cpu->dr[6] = (cpu->dr[6] & ~0xfu) | hits;
                    cpu->exit = db_exit(cpu->eip);
                    reason = sys_deliver_exit(cpu);
                    continue;
                }
            }
        }
        if (cpu->debug_hook) {
            /* the debugger looks at every instruction (after an interrupt
             * was taken, so a breakpoint on its handler is seen) */
            extra_key = TB_ONE;
            if (cpu->debug_hook(cpu, cpu->seg[SEG_CS].base + cpu->eip, cpu->debug_opaque)) {
                cpu->exit = (e386_exit){ .reason = E386_EXIT_DEBUG, .fault_eip = cpu->eip, .insn_eip = cpu->eip };
                reason = E386_EXIT_DEBUG;
                break;
            }
        }
        if (cpu->sys) {
            cpu->db_hits = cpu->db_carry;
            cpu->db_carry = 0;
            cpu->rf_loaded = 0;
            cpu->dwatch_hit = 0;
        }
        Tb *tb = tb_find(cpu, extra_key);
        /* with paging, chain only inside one linear page: a mapping
         * change can never redirect a chained jump */
        /* with paging, jump_direct checks a successor in another linear
         * page against the TLB each time it follows the link */
        if (cpu->last_tb && cpu->last_tb->valid && tb->key == cpu->last_tb->key &&
            !(tb->key & (TB_TF | TB_ONE)) && !(cpu->log_mask & (E386_LOG_EXEC | E386_LOG_CPU)))
            tb_link(cpu, cpu->last_tb, cpu->last_slot, tb);
        cpu->last_tb = NULL;
        if (cpu->log_mask)
            log_block(cpu, tb);
        int tf = (tb->key & TB_TF) != 0;
        cpu->inhibit_irq = 0;
        cpu->cur_tb = tb;
        cpu->link_from = NULL;
        cpu->icount += tb->ninsns;
        if (cpu->accel == E386_ACCEL_NATIVE)
            native_run_chain(cpu, tb->ops);
        else
            run_chain(cpu, tb->ops);
        cpu->cur_tb = NULL;
        if (cpu->lin_retry == LIN_RETRY_ACTIVE)
            lin_retry_end(cpu); /* it did not fault this time (another thread mapped the page) */
        int data_bp = 0;
        if (cpu->sys) { /* one test on the user-mode path */
            if (!cpu->rf_loaded)
                cpu->eflags &= ~(uint32_t)F_RF; /* RF lasts one instruction */
            if (cpu->db_hits && cpu->inhibit_irq) {
                cpu->db_carry = cpu->db_hits; /* MOV SS: reported after the next instruction */
                cpu->db_hits = 0;
            }
            data_bp = cpu->db_hits != 0;
        }
        if ((tf && !cpu->inhibit_irq) || data_bp) {
            /* single-step and data breakpoints: one trap after the
             * instruction (not in the shadow of MOV SS) */
            cpu->exit = db_exit(cpu->eip);
            if (cpu->sys) {
                if (data_bp)
                    cpu->dr[6] = (cpu->dr[6] & ~0xfu) | cpu->db_hits;
                if (tf)
                    cpu->dr[6] |= 0x4000; /* BS */
                cpu->db_hits = 0;
                reason = sys_deliver_exit(cpu);
            } else {
                reason = E386_EXIT_EXCEPTION;
            }
        }
        if (cpu->dwatch_hit && reason < 0) { /* the debugger's watchpoint: a stop after the instruction */
            int s = cpu->dwatch_slot;
            cpu->exit = (e386_exit){ .reason = E386_EXIT_DEBUG, .vector = s, .error_code = cpu->dwatch_hit,
                                     .fault_addr = cpu->dwatch[s].addr, .fault_eip = cpu->eip, .insn_eip = cpu->eip };
            cpu->dwatch_hit = 0;
            reason = E386_EXIT_DEBUG;
        }
    }
    cpu->exit_request = 0;
    cpu->jmp = saved;
    mem_bus_disarm(cpu); /* a rerun left pending at the budget's end: the page's rights back */
    fault_enter(outer);
    if (out)
        *out = cpu->exit;
    return reason;
}
