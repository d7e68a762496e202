/* fuzz_cpu: random guest code in a fresh CPU (docs/fuzzing.md).
 *
 * Input: a mode byte, 16 bytes of initial register values, then guest
 * code.  Mode bit 0 picks system mode (power-on real mode, the code in a
 * ROM-like page at the top of 4 GiB, the reset vector jumping to it,
 * every IVT vector to a handler that halts, then skips a byte and IRETs,
 * deterministic port I/O, MMIO and clock callbacks); otherwise user mode
 * (flat CPL 3, code at CODE_BASE, data pages and a stack).  The run has a
 * bounded instruction budget; a fault or an INT n does not end it: the
 * harness resumes after the faulting byte (user mode) as a lenient signal
 * handler would, a bounded number of times.  The host must never fault.
 *
 * Mode bit 1 is the differential: the same input runs twice in two fresh
 * CPUs, once in one e386_run per exit (blocks chained, the budget checked
 * only between blocks) and once in slices of 1..8 instructions of budget
 * (every e386_run returns after a block or two, so no chaining survives a
 * slice, the lazy flags cross every e386_run boundary, and EFLAGS is read
 * through the API between slices).  Both must stop at the same block
 * boundary with identical registers (incl. EFLAGS, segment selectors and
 * bases), instruction count, exit records, x87 image and every mapped
 * byte; any difference aborts. */
#include <string.h>
#include "e386.h"
#include "fuzz.h"

enum {
    CODE_BASE = 0x10000, CODE_SIZE = 0x2000, /* two pages: code may cross */
    DATA_BASE = 0x20000, DATA_SIZE = 0x2000,
    STACK_BASE = 0x30000, STACK_SIZE = 0x1000,
    SYS_RAM_SIZE = 0x20000,                   /* IVT, stacks, data: 0..128 KiB (the largest range) */
    SYS_MMIO_BASE = 0xa0000,                  /* one page of MMIO */
    SYS_ROM_BASE = 0xffff0000u, SYS_ROM_SIZE = 0x10000,
    SYS_HANDLER = 0xff00,                     /* the IVT's one handler, F000:FF00 */
    BUDGET = 10000, SYS_BUDGET = 2000, MAX_EXITS = 64,
};

typedef struct Run {
    E386Cpu *cpu;
    int sys, diff;
    uint32_t io_acc;       /* a hash of the port writes the guest made */
    e386_exit last;        /* the last exit, for the differential */
    int reason, exits;
} Run;

static uint32_t io_read(void *opaque, uint16_t port, int size)
{
    Run *r = opaque;
    return (port * 0x9e3779b9u ^ (uint32_t)size ^ r->io_acc) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
    Run *r = opaque;
    r->io_acc = r->io_acc * 31 + port + (uint32_t)size + value;
}

static int intr_ack(void *opaque)
{
    (void)opaque;
    return 0x08;
}

/* Deterministic: the guest's own instruction count, never host time. */
static uint64_t clock_ns(void *opaque)
{
    Run *r = opaque;
    return e386_insn_count(r->cpu) * 10;
}

static uint32_t mmio_read(void *opaque, uint32_t off, int size)
{
    Run *r = opaque;
    return (off ^ r->io_acc) & (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    Run *r = opaque;
    r->io_acc = r->io_acc * 17 + off + (uint32_t)size + value;
}

static const e386_sys_ops sys_ops = { io_read, io_write, intr_ack, clock_ns };

static int setup(Run *r, int sys, int diff, const uint8_t *regs, const uint8_t *code, size_t ncode)
{
    memset(r, 0, sizeof *r);
    r->sys = sys;
    r->diff = diff;
    if (!(r->cpu = e386_cpu_new()))
        return -1;
    E386Cpu *cpu = r->cpu;
    if (!sys) {
        e386_cpu_reset_user(cpu);
        int rwx = E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC;
        if (e386_mem_map(cpu, CODE_BASE, CODE_SIZE, rwx) || e386_mem_map(cpu, DATA_BASE, DATA_SIZE, rwx) ||
            e386_mem_map(cpu, STACK_BASE, STACK_SIZE, E386_PROT_READ | E386_PROT_WRITE))
            return -1;
        e386_mem_write(cpu, CODE_BASE, code, ncode);
        /* data pages: a pattern, so loads see something other than zero */
        for (uint32_t a = 0; a < DATA_SIZE; a += 4) {
            uint8_t w[4] = { (uint8_t)a, (uint8_t)(a >> 8), 0x5a, 0xa5 };
            e386_mem_write(cpu, DATA_BASE + a, w, 4);
        }
        for (int i = 0; i < 8; i++) {
            uint32_t v = (uint32_t)regs[2 * i] | (uint32_t)regs[2 * i + 1] << 8;
            if (i == E386_ESP)
                v = STACK_BASE + STACK_SIZE - 64;
            else if (i >= E386_EBX && (regs[2 * i + 1] & 0x80)) /* often a pointer into the data */
                v = DATA_BASE + (v & (DATA_SIZE - 1));
            else if (regs[2 * i + 1] & 0x40)
                v = (v & 0xff) * 0x01010101u; /* or a wide value */
            e386_reg_write(cpu, i, v);
        }
        e386_reg_write(cpu, E386_EIP, CODE_BASE);
        return 0;
    }
    int rwx = E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC;
    if (e386_mem_map(cpu, 0, SYS_RAM_SIZE, rwx) || e386_mem_map(cpu, SYS_ROM_BASE, SYS_ROM_SIZE, rwx) ||
        e386_mmio_map(cpu, SYS_MMIO_BASE, 0x1000, mmio_read, mmio_write, r))
        return -1;
    if (e386_system_init(cpu, &sys_ops, r))
        return -1;
    e386_mem_write(cpu, SYS_ROM_BASE, code, ncode);
    /* the reset vector F000:FFF0: jmp near to F000:0000 */
    static const uint8_t reset_jmp[3] = { 0xe9, 0x0d, 0x00 };
    e386_mem_write(cpu, 0xfffffff0u, reset_jmp, sizeof reset_jmp);
    /* the IVT: every vector to a handler at F000:FF00 that halts (so
     * e386_run returns and the harness counts the event against
     * MAX_EXITS: a fault loop costs a longjmp per fault, dear under ASan)
     * and then returns one byte past where it was raised, as user mode's
     * lenient handler does */
    static const uint8_t handler[] = { 0xf4,             /* hlt */
                                       0x55, 0x89, 0xe5, /* push bp; mov bp, sp */
                                       0xff, 0x46, 0x02, /* inc word [bp+2] */
                                       0x5d, 0xcf };     /* pop bp; iret */
    e386_mem_write(cpu, SYS_ROM_BASE + SYS_HANDLER, handler, sizeof handler);
    for (uint32_t v = 0; v < 256; v++) {
        uint8_t e[4] = { SYS_HANDLER & 0xff, SYS_HANDLER >> 8, 0x00, 0xf0 };
        e386_mem_write(cpu, v * 4, e, 4);
    }
    for (int i = 0; i < 8; i++)
        if (i != E386_ESP)
            e386_reg_write(cpu, i, (uint32_t)regs[2 * i] | (uint32_t)regs[2 * i + 1] << 8);
    e386_reg_write(cpu, E386_ESP, 0x8000);
    return 0;
}

/* Run to BUDGET instructions; slice 0: one e386_run per exit, else
 * at most slice instructions of budget per e386_run. */
static void run(Run *r, unsigned slice)
{
    E386Cpu *cpu = r->cpu;
    /* system mode: a guest that moved its IVT or IDT into nothing can
     * fault at every instruction without an exit, and each fault is a
     * longjmp (a system call under ASan): a smaller budget */
    uint64_t budget = r->sys ? SYS_BUDGET : BUDGET;
    r->reason = -1;
    while (e386_insn_count(cpu) < budget && r->exits < MAX_EXITS) {
        uint64_t left = budget - e386_insn_count(cpu);
        e386_exit ex;
        int reason = e386_run(cpu, slice && slice < left ? slice : left, &ex);
        if (slice)
            (void)e386_reg_read(cpu, E386_EFLAGS); /* the lazy flags, materialised */
        if (reason == E386_EXIT_INSN_LIMIT)
            continue;
        r->exits++;
        r->reason = reason;
        r->last = ex;
        if (reason == E386_EXIT_SHUTDOWN)
            break;
        if (reason == E386_EXIT_HLT) {
            /* wake it: an NMI (an edge, taken at the next e386_run in
             * both runs alike); outside the differential also the INTR
             * level, which the engine samples at block boundaries only,
             * so a chained run may take it later than a sliced one */
            if (!r->diff)
                e386_set_irq(cpu, 1);
            e386_nmi(cpu);
            continue;
        }
        if (!r->diff)
            e386_set_irq(cpu, 0);
        if (reason == E386_EXIT_EXCEPTION && !r->sys && ex.fault_eip == ex.insn_eip)
            e386_reg_write(cpu, E386_EIP, ex.insn_eip + 1); /* a fault: skip a byte */
        else if (reason == E386_EXIT_EXCEPTION || reason == E386_EXIT_INTERRUPT)
            e386_reg_write(cpu, E386_EIP, ex.fault_eip);
    }
}

static void compare(Run *a, Run *b, unsigned slice)
{
    FUZZ_CHECK(e386_insn_count(a->cpu) == e386_insn_count(b->cpu), "insn count %llu vs %llu (slice %u)",
               (unsigned long long)e386_insn_count(a->cpu), (unsigned long long)e386_insn_count(b->cpu), slice);
    FUZZ_CHECK(a->exits == b->exits && a->reason == b->reason, "exits %d/%d reason %d/%d", a->exits, b->exits,
               a->reason, b->reason);
    if (a->exits) {
        FUZZ_CHECK(a->last.vector == b->last.vector && a->last.error_code == b->last.error_code &&
                       a->last.fault_eip == b->last.fault_eip && a->last.insn_eip == b->last.insn_eip &&
                       a->last.fault_addr == b->last.fault_addr,
                   "last exit: vector %d/%d eip %08x/%08x", a->last.vector, b->last.vector, a->last.insn_eip,
                   b->last.insn_eip);
    }
    for (int i = 0; i < E386_NREGS; i++) {
        uint32_t va = e386_reg_read(a->cpu, i), vb = e386_reg_read(b->cpu, i);
        FUZZ_CHECK(va == vb, "register %d: %08x vs %08x (slice %u)", i, va, vb, slice);
    }
    for (int s = 0; s < 6; s++)
        FUZZ_CHECK(e386_seg_base(a->cpu, s) == e386_seg_base(b->cpu, s), "segment %d base", s);
    FUZZ_CHECK(a->io_acc == b->io_acc, "port and MMIO writes differ");
    uint8_t fa[108], fb[108];
    e386_fpu_save(a->cpu, fa);
    e386_fpu_save(b->cpu, fb);
    FUZZ_CHECK(memcmp(fa, fb, sizeof fa) == 0, "x87 state differs");
    static const uint32_t user_pages[][2] = { { CODE_BASE, CODE_SIZE }, { DATA_BASE, DATA_SIZE },
                                              { STACK_BASE, STACK_SIZE } };
    static const uint32_t sys_pages[][2] = { { 0, SYS_RAM_SIZE }, { SYS_ROM_BASE, SYS_ROM_SIZE } };
    const uint32_t (*pages)[2] = a->sys ? sys_pages : user_pages;
    int npages = a->sys ? 2 : 3;
    static uint8_t ma[SYS_RAM_SIZE], mb[SYS_RAM_SIZE]; /* the largest range */
    for (int i = 0; i < npages; i++) {
        memset(ma, 0, sizeof ma);
        memset(mb, 0, sizeof mb);
        int ra = e386_mem_read(a->cpu, pages[i][0], ma, pages[i][1]);
        int rb = e386_mem_read(b->cpu, pages[i][0], mb, pages[i][1]);
        FUZZ_CHECK(ra == rb, "mapping at %08x", pages[i][0]);
        for (uint32_t o = 0; o < pages[i][1]; o++)
            FUZZ_CHECK(ma[o] == mb[o], "memory at %08x: %02x vs %02x (slice %u)", pages[i][0] + o, ma[o], mb[o],
                       slice);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 17)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *regs = data + 1;
    const uint8_t *code = data + 17;
    size_t ncode = size - 17;
    if (ncode > CODE_SIZE)
        ncode = CODE_SIZE;
    int sys = mode & 1;
    Run a, b;
    if (setup(&a, sys, (mode & 2) != 0, regs, code, ncode) == 0) {
        run(&a, 0);
        if (mode & 2) {
            unsigned slice = 1 + ((mode >> 2) & 7);
            if (setup(&b, sys, 1, regs, code, ncode) == 0) {
                run(&b, slice);
                compare(&a, &b, slice);
            }
            e386_cpu_free(b.cpu);
        }
    }
    e386_cpu_free(a.cpu);
    return 0;
}
