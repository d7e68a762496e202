/* MOVS CMPS STOS LODS SCAS INS OUTS, with REP/REPE/REPNE.
 * Registers are updated per iteration, so a fault in the middle leaves
 * ECX/ESI/EDI at the faulting element.  Long loops give control back every
 * few thousand iterations by restarting the instruction. */
#include "core/ops.h"

enum { CHUNK = 4096 };

typedef struct StrCtx {
    int size, as;       /* element size, address size */
    uint32_t amask;
    int32_t step;       /* +size or -size by DF */
} StrCtx;

static StrCtx str_ctx(E386Cpu *cpu, const E386Op *op)
{
    StrCtx s;
    s.size = op->size;
    s.as = op->adsize;
    s.amask = size_mask(op->adsize);
    s.step = (cpu->eflags & F_DF) ? -op->size : op->size;
    return s;
}

static uint32_t idx(E386Cpu *cpu, const StrCtx *s, int r) { return cpu->r[r] & s->amask; }

static void advance(E386Cpu *cpu, const StrCtx *s, int r)
{
    reg_set(cpu, r, s->as, cpu->r[r] + (uint32_t)s->step);
}

/* The common loop driver: run body up to CHUNK times (once when
 * single-stepping), honour the REP prefix and its termination condition. */
typedef int (*StrBody)(E386Cpu *cpu, const E386Op *op, const StrCtx *s);

static const E386Op *str_run(E386Cpu *cpu, const E386Op *op, StrBody body, int cond)
{
    StrCtx s = str_ctx(cpu, op);
    if (!op->rep) {
        body(cpu, op, &s);
        return op + 1;
    }
    int budget = (cpu->eflags & F_TF) ? 1 : CHUNK;
    while (budget-- > 0) {
        if (reg_get(cpu, 1, s.as) == 0)
            return op + 1;
        int eq = body(cpu, op, &s);
        reg_set(cpu, 1, s.as, cpu->r[1] - 1);
        if (cond && (op->rep == REP_E ? !eq : eq))
            return op + 1;
        if (cpu->db_hits) /* a data breakpoint: the trap comes after this iteration */
            break;
    }
    if (reg_get(cpu, 1, s.as) == 0)
        return op + 1;
    return restart_insn(cpu, op); /* more to do: restart this instruction */
}

static int do_movs(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    uint32_t v = seg_read(cpu, op->seg, idx(cpu, s, 6), s->size);
    seg_write(cpu, SEG_ES, idx(cpu, s, 7), s->size, v);
    advance(cpu, s, 6);
    advance(cpu, s, 7);
    return 0;
}

static int do_cmps(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    uint32_t a = seg_read(cpu, op->seg, idx(cpu, s, 6), s->size);
    uint32_t b = seg_read(cpu, SEG_ES, idx(cpu, s, 7), s->size);
    cc_set(cpu, CC_SUB, s->size, (a - b) & size_mask(s->size), a, b);
    advance(cpu, s, 6);
    advance(cpu, s, 7);
    return a == b;
}

static int do_stos(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    (void)op;
    seg_write(cpu, SEG_ES, idx(cpu, s, 7), s->size, reg_get(cpu, 0, s->size));
    advance(cpu, s, 7);
    return 0;
}

static int do_lods(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    reg_set(cpu, 0, s->size, seg_read(cpu, op->seg, idx(cpu, s, 6), s->size));
    advance(cpu, s, 6);
    return 0;
}

static int do_scas(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    (void)op;
    uint32_t a = reg_get(cpu, 0, s->size);
    uint32_t b = seg_read(cpu, SEG_ES, idx(cpu, s, 7), s->size);
    cc_set(cpu, CC_SUB, s->size, (a - b) & size_mask(s->size), a, b);
    advance(cpu, s, 7);
    return a == b;
}

/* The host address of linear lin for a run of accesses inside its page
 * that read (or write) it as each element would: the page map's rights
 * (no translated code for a write), or with the soft MMU the TLB entry's
 * tag of the current privilege (a write tag: dirty RAM without code that
 * the dirty log does not wait for, paging.c); NULL: the general path. */
static uint8_t *run_host(E386Cpu *cpu, uint32_t lin, int write)
{
    uint32_t page = lin & ~0xfffu;
    if (cpu->softmmu) {
        const TlbEntry *e = tlb_entry(cpu, lin);
        return (write ? e->wtag : e->rtag) == page ? e->host + (lin & 0xfff) : NULL;
    }
    Page *p = mem_page(&cpu->mem, lin);
    if (!p || (write ? (p->flags & (PG_WRITE | PG_CODE)) != PG_WRITE : !(p->flags & PG_READ)))
        return NULL;
    return p->host + (lin & 0xfff);
}

/* REP MOVSB/MOVSD and STOSB/STOSD forward in flat segments: whole runs
 * inside one source and one destination page at a time. */
static const E386Op *fast_rep(E386Cpu *cpu, const E386Op *op, int movs)
{
    int size = op->size;
    uint32_t n = cpu->r[1];
    uint32_t si = cpu->r[6], di = cpu->r[7];
    uint32_t room = (0x1000 - (di & 0xfff)) / (uint32_t)size;
    const uint8_t *src = NULL;
    if (movs) {
        uint32_t r2 = (0x1000 - (si & 0xfff)) / (uint32_t)size;
        if (r2 < room) room = r2;
        src = run_host(cpu, si, 0);
    }
    uint8_t *d = run_host(cpu, di, 1);
    if (room > n) room = n;
    /* the overlap in host memory, where two linear pages may be one */
    uintptr_t ahead = (uintptr_t)d - (uintptr_t)src;
    if (room == 0 || !d || (movs && (!src || ahead < (uintptr_t)size)))
        return NULL; /* take the general path for this element */
    if (movs) {
        uint32_t len = room * (uint32_t)size;
        if (ahead >= len) { /* no destination byte is a later source byte: memmove is the forward copy */
            memmove(d, src, len);
        } else { /* byte-wise forward copy keeps overlapping-move semantics (a pattern repeats) */
            for (uint32_t i = 0; i < len; i++)
                d[i] = src[i];
        }
        cpu->r[6] = si + len;
    } else {
        uint32_t v = cpu->r[0];
        for (uint32_t i = 0; i < room; i++)
            st_le(d + i * (uint32_t)size, size, v);
    }
    cpu->r[7] = di + room * (uint32_t)size;
    cpu->r[1] = n - room;
    return op;
}

static int fast_ok(E386Cpu *cpu, const E386Op *op)
{
    return op->rep && op->adsize == 4 && !(cpu->eflags & (F_DF | F_TF)) && cpu->seg[SEG_ES].flat &&
           (op->size == 1 || op->size == 4);
}

/* One element of a REP MOVS/STOS the general way (one that crosses a
 * page, or a page fast_rep leaves: not writable plainly, a source that
 * is the destination), so that fast_rep goes on after it: before, the
 * rest of the chunk, up to CHUNK elements, went the general way, and so
 * did a chunk after 64 pages. */
static void one_element(E386Cpu *cpu, const E386Op *op, StrBody body)
{
    StrCtx s = str_ctx(cpu, op);
    body(cpu, op, &s);
    reg_set(cpu, 1, s.as, cpu->r[1] - 1);
}

/* The elements of a forward REP MOVS/STOS, from the current ones on and
 * at most max of them, that one run can do in any segment and address
 * size: inside the segment's limit and rights (seg_room), without
 * wrapping the address size, inside one page for the source and one for
 * the destination (run_host's); 0 when the next element must go the
 * general way (it crosses a page or the limit, faults, is I/O memory). */
/* room cut to the elements from offset off of segment seg that stay in
 * its limit and rights, the address size and one page; *lin: off's */
static uint32_t run_fit(const E386Cpu *cpu, const StrCtx *s, int seg, uint32_t off, int write, uint32_t room,
                        uint32_t *lin)
{
    uint64_t wrap = (uint64_t)s->amask + 1, fit = seg_room(cpu, seg, off, write); /* the offsets end at wrap */
    uint32_t size = (uint32_t)s->size;
    fit = (wrap - off < fit ? wrap - off : fit) / size;
    *lin = cpu->seg[seg].base + off;
    if (fit < room)
        room = (uint32_t)fit;
    if ((0x1000 - (*lin & 0xfff)) / size < room)
        room = (0x1000 - (*lin & 0xfff)) / size;
    return room;
}

static uint32_t seg_run(E386Cpu *cpu, const E386Op *op, const StrCtx *s, int movs, uint32_t max)
{
    uint32_t size = (uint32_t)s->size, dlin, slin = 0;
    uint32_t di = idx(cpu, s, 7), si = idx(cpu, s, 6);
    uint32_t room = run_fit(cpu, s, SEG_ES, di, 1, max, &dlin);
    if (movs)
        room = run_fit(cpu, s, op->seg, si, 0, room, &slin);
    if (room == 0)
        return 0;
    uint8_t *d = run_host(cpu, dlin, 1);
    const uint8_t *src = movs ? run_host(cpu, slin, 0) : NULL;
    uint32_t len = room * size;
    if (!d || (movs && !src))
        return 0;
    if (movs) {
        uintptr_t ahead = (uintptr_t)d - (uintptr_t)src;
        if (ahead >= len) {
            memmove(d, src, len);
        } else if (ahead >= size) { /* an overlap: the forward copy, element by element (a pattern repeats) */
            for (uint32_t i = 0; i < len; i++)
                d[i] = src[i];
        } else {
            return 0; /* the destination at or just behind the source */
        }
        reg_set(cpu, 6, s->as, si + len);
    } else {
        uint32_t v = cpu->r[0];
        for (uint32_t i = 0; i < len; i += size)
            st_le(d + i, (int)size, v);
    }
    reg_set(cpu, 7, s->as, di + len);
    reg_set(cpu, 1, s->as, cpu->r[1] - room);
    return room;
}

/* REP MOVS/STOS forward where fast_rep does not go (a segment with a
 * base or a limit, 16-bit addresses, word elements: real-mode and 16-bit
 * code): str_run's chunk of CHUNK elements and its restart, so that an
 * instruction count (-icount) sees the same passes, with the runs
 * seg_run finds done as one and the other elements the general way. */
static const E386Op *seg_rep(E386Cpu *cpu, const E386Op *op, int movs)
{
    StrCtx s = str_ctx(cpu, op);
    StrBody body = movs ? do_movs : do_stos;
    uint32_t budget = CHUNK;
    while (budget) {
        uint32_t n = reg_get(cpu, 1, s.as);
        if (n == 0)
            return op + 1;
        uint32_t k = seg_run(cpu, op, &s, movs, n < budget ? n : budget);
        if (k == 0) {
            body(cpu, op, &s);
            reg_set(cpu, 1, s.as, cpu->r[1] - 1);
            k = 1;
        }
        budget -= k;
    }
    if (reg_get(cpu, 1, s.as) == 0)
        return op + 1;
    return restart_insn(cpu, op);
}

static int seg_rep_ok(const E386Cpu *cpu, const E386Op *op)
{
    return op->rep && !(cpu->eflags & (F_DF | F_TF)) && !cpu->dbg_data;
}

/* Whole pages at a time (64 at most, then the instruction restarts, as
 * str_run's chunk does), an element fast_rep leaves the general way;
 * with data breakpoints str_run's check after each element */
const E386Op *op_movs(E386Cpu *cpu, const E386Op *op)
{
    if (fast_ok(cpu, op) && cpu->seg[op->seg].flat && !cpu->dbg_data) {
        for (int i = 0; i < 64 && cpu->r[1]; i++)
            if (!fast_rep(cpu, op, 1))
                one_element(cpu, op, do_movs);
        return cpu->r[1] == 0 ? op + 1 : restart_insn(cpu, op);
    }
    if (seg_rep_ok(cpu, op))
        return seg_rep(cpu, op, 1);
    return str_run(cpu, op, do_movs, 0);
}

const E386Op *op_stos(E386Cpu *cpu, const E386Op *op)
{
    if (fast_ok(cpu, op) && !cpu->dbg_data) {
        for (int i = 0; i < 64 && cpu->r[1]; i++)
            if (!fast_rep(cpu, op, 0))
                one_element(cpu, op, do_stos);
        return cpu->r[1] == 0 ? op + 1 : restart_insn(cpu, op);
    }
    if (seg_rep_ok(cpu, op))
        return seg_rep(cpu, op, 0);
    return str_run(cpu, op, do_stos, 0);
}

const E386Op *op_cmps(E386Cpu *cpu, const E386Op *op) { return str_run(cpu, op, do_cmps, 1); }
const E386Op *op_lods(E386Cpu *cpu, const E386Op *op) { return str_run(cpu, op, do_lods, 0); }
const E386Op *op_scas(E386Cpu *cpu, const E386Op *op) { return str_run(cpu, op, do_scas, 1); }

/* INS/OUTS: the I/O permission check (IOPL, TSS bitmap) comes first;
 * user mode has no I/O bus, so there they end in #UD once permitted. */
static int do_ins(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    (void)op;
    uint16_t port = (uint16_t)cpu->r[2];
    uint32_t lin = seg_lin_fast(cpu, SEG_ES, idx(cpu, s, 7), (uint32_t)s->size, 1);
    lin_check_write(cpu, lin, (uint32_t)s->size); /* a fault before the port is read */
    lin_write(cpu, lin, s->size, io_in(cpu, port, s->size));
    advance(cpu, s, 7);
    return 0;
}

static int do_outs(E386Cpu *cpu, const E386Op *op, const StrCtx *s)
{
    io_out(cpu, (uint16_t)cpu->r[2], s->size, seg_read(cpu, op->seg, idx(cpu, s, 6), s->size));
    advance(cpu, s, 6);
    return 0;
}

static const E386Op *io_string(E386Cpu *cpu, const E386Op *op, StrBody body)
{
    io_check(cpu, (uint16_t)cpu->r[2], op->size);
    if (!cpu->sys)
        raise_exc(cpu, EX_UD);
    return str_run(cpu, op, body, 0);
}

const E386Op *op_ins(E386Cpu *cpu, const E386Op *op) { return io_string(cpu, op, do_ins); }
const E386Op *op_outs(E386Cpu *cpu, const E386Op *op) { return io_string(cpu, op, do_outs); }
