/* Segmentation: descriptor tables, segment register loads with the
 * protected-mode checks, and limit/rights checks on accesses. */
#include <stdlib.h>
#include "core/cpu.h"

/* ---- descriptor tables ----
 * User mode keeps the GDT and LDT private to the emulator (the guest
 * cannot address them); this is the one place that knows where they are. */

/* System mode: the guest's own GDT and LDT, read and written with
 * supervisor rights; -1 when the selector is beyond the table's limit. */
static int guest_desc_addr(E386Cpu *cpu, uint16_t sel, uint32_t *lin)
{
    uint32_t base, limit, off = sel & 0xfff8u;
    if (sel & 4) {
        if ((cpu->ldtr.sel & 0xfffc) == 0 || !cpu->ldtr.valid)
            return -1;
        base = cpu->ldtr.base;
        limit = cpu->ldtr.limit;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    if (off + 7 > limit)
        return -1;
    *lin = base + off;
    return 0;
}

int sys_read_desc(E386Cpu *cpu, uint16_t sel, uint32_t desc[2])
{
    if (cpu->sys) {
        uint32_t lin;
        if (guest_desc_addr(cpu, sel, &lin))
            return -1;
        desc[0] = sys_read(cpu, lin, 4);
        desc[1] = sys_read(cpu, lin + 4, 4);
        return 0;
    }
    unsigned idx = sel >> 3;
    if (sel & 4) {
        if (idx >= cpu->ldt_count)
            return -1;
        desc[0] = cpu->ldt[idx][0];
        desc[1] = cpu->ldt[idx][1];
    } else {
        if (idx >= 32)
            return -1;
        desc[0] = cpu->gdt[idx][0];
        desc[1] = cpu->gdt[idx][1];
    }
    return 0;
}

int sys_write_desc(E386Cpu *cpu, uint16_t sel, const uint32_t desc[2])
{
    if (cpu->sys) {
        /* the CPU only ever updates the access byte (accessed, busy) and
         * writes that byte alone: a #PF there reports its address */
        uint32_t lin;
        if (guest_desc_addr(cpu, sel, &lin))
            return -1;
        sys_write(cpu, lin + 5, 1, (desc[1] >> 8) & 0xff);
        return 0;
    }
    unsigned idx = sel >> 3;
    uint32_t *d;
    if (sel & 4) {
        if (idx >= cpu->ldt_count)
            return -1;
        d = cpu->ldt[idx];
    } else {
        if (idx >= 32)
            return -1;
        d = cpu->gdt[idx];
    }
    d[0] = desc[0];
    d[1] = desc[1];
    return 0;
}

int e386_gdt_set(E386Cpu *cpu, unsigned index, uint32_t lo, uint32_t hi)
{
    if (index == 0 || index >= 32)
        return -1;
    cpu->gdt[index][0] = lo;
    cpu->gdt[index][1] = hi;
    return 0;
}

int e386_gdt_get(const E386Cpu *cpu, unsigned index, uint32_t *lo, uint32_t *hi)
{
    if (index >= 32)
        return -1;
    *lo = cpu->gdt[index][0];
    *hi = cpu->gdt[index][1];
    return 0;
}

int e386_ldt_set(E386Cpu *cpu, unsigned index, uint32_t lo, uint32_t hi)
{
    if (index >= 8192)
        return -1;
    if (index >= cpu->ldt_count) {
        unsigned n = index + 1;
        uint32_t (*t)[2] = realloc(cpu->ldt, n * sizeof *t);
        if (!t)
            return -1;
        memset(t[cpu->ldt_count], 0, (n - cpu->ldt_count) * sizeof *t);
        cpu->ldt = t;
        cpu->ldt_count = n;
    }
    cpu->ldt[index][0] = lo;
    cpu->ldt[index][1] = hi;
    return 0;
}

int e386_ldt_get(const E386Cpu *cpu, unsigned index, uint32_t *lo, uint32_t *hi)
{
    if (index >= cpu->ldt_count)
        return -1;
    *lo = cpu->ldt[index][0];
    *hi = cpu->ldt[index][1];
    return 0;
}

unsigned e386_ldt_entries(const E386Cpu *cpu) { return cpu->ldt_count; }

uint32_t e386_seg_base(const E386Cpu *cpu, int sreg)
{
    return sreg >= 0 && sreg < 6 ? cpu->seg[sreg].base : 0;
}

/* ---- segment caches ---- */

void seg_load_cache(Seg *s, uint16_t sel, const uint32_t d[2])
{
    uint32_t limit = (d[0] & 0xffff) | (d[1] & 0x000f0000u);
    if (d[1] & (1u << 23))
        limit = (limit << 12) | 0xfff;
    s->sel = sel;
    s->base = (d[0] >> 16) | ((d[1] & 0xff) << 16) | (d[1] & 0xff000000u);
    s->limit = limit;
    s->flags = d[1] & 0x00f0ff00u;
    s->valid = 1;
    unsigned type = DESC_TYPE(s->flags);
    int code = (type & 8) != 0;
    int usable = code ? (type & 2) : (type & 2) && !(type & 4); /* readable code / writable expand-up data */
    s->wide = limit == 0xffffffffu && usable && !code;
    s->flat = s->base == 0 && s->wide;
}

/* ---- access checks ---- */

uint32_t seg_lin(E386Cpu *cpu, int seg, uint32_t off, uint32_t len, int write)
{
    Seg *s = &cpu->seg[seg];
    int vec = seg == SEG_SS ? EX_SS : EX_GP;
    if (!cpu->pe) { /* real mode: no rights, but the cached limit (unreal mode raises it) */
        uint32_t end = off + len - 1;
        if (end < off || end > s->limit)
            raise_exc_err(cpu, vec, 0);
        return s->base + off;
    }
    if (!s->valid)
        raise_exc_err(cpu, vec, 0);
    unsigned type = DESC_TYPE(s->flags);
    if (type & 8) { /* code: never writable, readable if R */
        if (write || !(type & 2))
            raise_exc_err(cpu, vec, 0);
    } else if (write && !(type & 2)) {
        raise_exc_err(cpu, vec, 0);
    }
    uint32_t last = off + len - 1;
    if (!(type & 8) && (type & 4)) { /* expand-down: valid offsets above the limit */
        uint32_t upper = DESC_DB(s->flags) ? 0xffffffffu : 0xffffu;
        if (off <= s->limit || last > upper || last < off)
            raise_exc_err(cpu, vec, 0);
    } else if (last < off || last > s->limit) {
        raise_exc_err(cpu, vec, 0);
    }
    return s->base + off;
}

/* How many bytes from off on an access may touch in one run, by
 * seg_lin's own rules (0: not even the first byte), without raising:
 * the string instructions' runs (cpu/string.c) take that many, and an
 * element past them goes through seg_lin, which raises its fault. */
uint64_t seg_room(const E386Cpu *cpu, int seg, uint32_t off, int write)
{
    const Seg *s = &cpu->seg[seg];
    if (!cpu->pe)
        return off <= s->limit ? (uint64_t)s->limit - off + 1 : 0;
    if (!s->valid)
        return 0;
    unsigned type = DESC_TYPE(s->flags);
    if ((type & 8) ? write || !(type & 2) : write && !(type & 2))
        return 0;
    if (!(type & 8) && (type & 4)) { /* expand-down: above the limit, up to 64 KiB or 4 GiB */
        uint32_t upper = DESC_DB(s->flags) ? 0xffffffffu : 0xffffu;
        return off > s->limit && off <= upper ? (uint64_t)upper - off + 1 : 0;
    }
    return off <= s->limit ? (uint64_t)s->limit - off + 1 : 0;
}

/* Fetch and check the descriptor a selector names; faults with the
 * selector as error code. */
static void fetch_desc(E386Cpu *cpu, uint16_t sel, uint32_t d[2], int vec)
{
    if (sys_read_desc(cpu, sel, d) != 0)
        raise_exc_err(cpu, vec, sel & 0xfffc);
}

static void set_accessed(E386Cpu *cpu, uint16_t sel, uint32_t d[2])
{
    if (!(d[1] & (1u << 8))) {
        d[1] |= 1u << 8;
        sys_write_desc(cpu, sel, d);
    }
}

static void load_seg_cache(E386Cpu *cpu, int seg, uint16_t sel)
{
    Seg *s = &cpu->seg[seg];
    if (!cpu->pe || (cpu->eflags & F_VM)) {
        /* real mode keeps the cached limit and rights (unreal mode);
         * v86 mode sets them as the 386 does */
        s->sel = sel;
        s->base = (uint32_t)sel << 4;
        s->valid = 1;
        s->flat = s->wide = 0;
        if (cpu->eflags & F_VM) {
            s->limit = 0xffff;
            s->flags = 0xf300u; /* present, DPL 3, read/write data */
        }
        return;
    }
    unsigned rpl = sel & 3, cpl = cpu->cpl;
    if ((sel & 0xfffc) == 0) { /* null selector */
        if (seg == SEG_SS)
            raise_exc_err(cpu, EX_GP, 0);
        *s = (Seg){ 0 };
        s->sel = sel;
        return;
    }
    uint32_t d[2];
    fetch_desc(cpu, sel, d, EX_GP);
    uint32_t f = d[1];
    unsigned type = DESC_TYPE(f), dpl = DESC_DPL(f);
    if (!DESC_S(f))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    if (seg == SEG_SS) {
        if ((type & 8) || !(type & 2) || rpl != cpl || dpl != cpl)
            raise_exc_err(cpu, EX_GP, sel & 0xfffc);
        if (!DESC_P(f))
            raise_exc_err(cpu, EX_SS, sel & 0xfffc);
    } else {
        if ((type & 0xa) == 0x8) /* execute-only code */
            raise_exc_err(cpu, EX_GP, sel & 0xfffc);
        int conforming = (type & 0xc) == 0xc;
        if (!conforming && (dpl < cpl || dpl < rpl))
            raise_exc_err(cpu, EX_GP, sel & 0xfffc);
        if (!DESC_P(f))
            raise_exc_err(cpu, EX_NP, sel & 0xfffc);
    }
    set_accessed(cpu, sel, d);
    seg_load_cache(s, sel, d);
}

void load_seg(E386Cpu *cpu, int seg, uint16_t sel)
{
    int was_flat = seg_flat32(cpu, seg);
    load_seg_cache(cpu, seg, sel);
    /* The native back end's code assumes flat (seg_flat32) the data
     * segments that were when its buffer was emptied, without a test per
     * access: running code leaves after this op (a segment load ends its
     * block anyway), and the dispatcher tests them before entering code
     * again (native/run.c) */
    if (was_flat && !seg_flat32(cpu, seg) && cpu->native)
        cpu_request_exit(cpu);
}

void load_cs(E386Cpu *cpu, uint16_t sel, uint32_t eip)
{
    Seg *cs = &cpu->seg[SEG_CS];
    if (!cpu->pe || (cpu->eflags & F_VM)) {
        if (eip > cs->limit)
            raise_exc_err(cpu, EX_GP, 0);
        cs->sel = sel;
        cs->base = (uint32_t)sel << 4;
        cpu->eip = eip;
        return;
    }
    if ((sel & 0xfffc) == 0)
        raise_exc_err(cpu, EX_GP, 0);
    uint32_t d[2];
    fetch_desc(cpu, sel, d, EX_GP);
    uint32_t f = d[1];
    unsigned type = DESC_TYPE(f), dpl = DESC_DPL(f), rpl = sel & 3, cpl = cpu->cpl;
    if (!DESC_S(f) || !(type & 8))
        raise_exc_err(cpu, EX_GP, sel & 0xfffc); /* no gates or TSS in user mode */
    if (type & 4) { /* conforming */
        if (dpl > cpl)
            raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    } else if (rpl > cpl || dpl != cpl) {
        raise_exc_err(cpu, EX_GP, sel & 0xfffc);
    }
    if (!DESC_P(f))
        raise_exc_err(cpu, EX_NP, sel & 0xfffc);
    Seg n;
    seg_load_cache(&n, (uint16_t)((sel & 0xfffc) | cpl), d);
    if (eip > n.limit)
        raise_exc_err(cpu, EX_GP, 0);
    set_accessed(cpu, sel, d);
    *cs = n;
    cpu->eip = eip;
}
