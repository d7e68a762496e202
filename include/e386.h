/* emu386 public API: an i386 CPU with its own guest address space.
 * One E386Cpu is self-contained; several can live in one process. */
#ifndef E386_H
#define E386_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct E386Cpu E386Cpu;

enum e386_reg {
    E386_EAX, E386_ECX, E386_EDX, E386_EBX, E386_ESP, E386_EBP, E386_ESI, E386_EDI,
    E386_EIP, E386_EFLAGS,
    E386_ES, E386_CS, E386_SS, E386_DS, E386_FS, E386_GS, /* selectors */
    E386_NREGS
};

/* Guest page protection bits (4 KiB pages). */
enum { E386_PROT_READ = 1, E386_PROT_WRITE = 2, E386_PROT_EXEC = 4 };

/* Why e386_run() returned. */
enum e386_exit_reason {
    E386_EXIT_INSN_LIMIT,  /* the instruction budget ran out */
    E386_EXIT_INTERRUPT,   /* INT n / INT3 / INTO: eip is after the instruction */
    E386_EXIT_EXCEPTION,   /* a fault or trap: see e386_exit.vector */
    E386_EXIT_HLT,         /* HLT executed (system mode) */
    E386_EXIT_STOP,        /* e386_stop() was called, or a hook asked to stop */
    E386_EXIT_SHUTDOWN,    /* system mode: triple fault (the machine resets or stops) */
    E386_EXIT_DEBUG,       /* the debug hook asked to stop: eip is the next instruction */
};

typedef struct e386_exit {
    int reason;           /* enum e386_exit_reason */
    int vector;           /* exception or interrupt vector */
    int has_error_code;
    uint32_t error_code;
    uint32_t fault_addr;  /* CR2 for #PF */
    uint32_t fault_eip;   /* the EIP saved for the exception: the faulting
                             instruction for faults, the next one for traps */
    uint32_t insn_eip;    /* start of the instruction that faulted or trapped */
    int bus_error;        /* a #PF that the host raised as a bus error: a page of a
                             shared file mapping past its file's end (user mode's
                             SIGBUS, BUS_ADRERR; fault_addr the byte) */
} e386_exit;

/* Optional callback for INT n (software interrupts).  Return 1 if handled
 * (execution continues at the next instruction), 0 to make e386_run return
 * E386_EXIT_INTERRUPT.  Used by user mode for int $0x80. */
typedef int (*e386_int_hook)(E386Cpu *cpu, int vector, void *opaque);

E386Cpu *e386_cpu_new(void);
void e386_cpu_free(E386Cpu *cpu);
void e386_cpu_reset_user(E386Cpu *cpu); /* flat 32-bit protected mode, CPL 3 */

uint32_t e386_reg_read(const E386Cpu *cpu, int reg);
/* Writing a segment register performs a real descriptor load; returns 0 or
 * -1 if the selector is not valid (no exception is raised). */
int e386_reg_write(E386Cpu *cpu, int reg, uint32_t value);
uint32_t e386_seg_base(const E386Cpu *cpu, int sreg); /* sreg: 0..5 = ES..GS */

/* User-mode threads: the part of a CPU that belongs to one guest thread
 * (general registers, EIP, EFLAGS and the lazy flags, segment registers
 * with their caches, the x87, the three TLS descriptors GDT 6..8).  The
 * address space, translation cache, LDT and the rest stay the CPU's, so
 * several guest threads can take turns on one E386Cpu: save the outgoing
 * thread's context, load the incoming one's.  Only between e386_run calls
 * (load returns -1 while e386_run is on the stack). */
typedef struct E386UserCtx E386UserCtx;
E386UserCtx *e386_uctx_new(void); /* NULL: out of memory */
void e386_uctx_free(E386UserCtx *ctx);
void e386_uctx_save(const E386Cpu *cpu, E386UserCtx *ctx);
int e386_uctx_load(E386Cpu *cpu, const E386UserCtx *ctx);

/* Guest memory.  Addresses and sizes must be 4 KiB aligned.  New pages read
 * as zero.  Mapping over existing pages replaces them. */
int e386_mem_map(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot);
int e386_mem_unmap(E386Cpu *cpu, uint32_t addr, uint32_t size);
int e386_mem_protect(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot);
/* Linear guest memory (user mode, x86-64 Linux hosts): every guest page
 * at one host base + its address, protected by the host MMU, so a guest
 * load or store is one host access.  Only switched on an empty address
 * space; returns 1 when it is on, 0 when the host cannot (the page map's
 * checks are used then, with the same results). */
int e386_mem_linear(E386Cpu *cpu, int on);
int e386_mem_is_mapped(const E386Cpu *cpu, uint32_t addr);
int e386_mem_prot(const E386Cpu *cpu, uint32_t addr); /* -1 if unmapped */
/* Host-side copies that ignore protection; return 0, or -1 if any page is
 * unmapped (nothing copied then). */
int e386_mem_read(E386Cpu *cpu, uint32_t addr, void *buf, size_t len);
int e386_mem_write(E386Cpu *cpu, uint32_t addr, const void *buf, size_t len);

/* The dirty log of system mode (live migration, docs/migration.md): once
 * started, a write to a writable RAM page below npages * 4096 sets the
 * page's bit, whoever writes it: an instruction (any path: the TLB's fast
 * path, the slow path, string ops, implicit supervisor writes such as
 * interrupt frames or accessed bits) or e386_mem_write (device DMA).  Only
 * the first write to each page after a start or a sync costs a slow
 * access.  Call between e386_run calls.  0, or -1 out of memory. */
int e386_dirty_log_start(E386Cpu *cpu, uint32_t npages);
/* OR the pages written since the start or the last sync into bitmap (bit
 * n = page n; (npages + 63) / 64 words), forget them and watch them
 * again; the number of pages. */
uint64_t e386_dirty_log_sync(E386Cpu *cpu, uint64_t *bitmap);
void e386_dirty_log_stop(E386Cpu *cpu);
/* Host pointer to a guest range that lies inside one page, or NULL. */
void *e386_mem_ptr(E386Cpu *cpu, uint32_t addr, size_t len);

/* Descriptor tables used by user mode: the CPU owns private GDT and LDT
 * images (the guest cannot address them).  index is the descriptor number. */
int e386_gdt_set(E386Cpu *cpu, unsigned index, uint32_t lo, uint32_t hi);
int e386_gdt_get(const E386Cpu *cpu, unsigned index, uint32_t *lo, uint32_t *hi);
int e386_ldt_set(E386Cpu *cpu, unsigned index, uint32_t lo, uint32_t hi);
int e386_ldt_get(const E386Cpu *cpu, unsigned index, uint32_t *lo, uint32_t *hi);
unsigned e386_ldt_entries(const E386Cpu *cpu);

/* The engine that runs guest code: the portable interpreter, or the
 * native back end (x86-64 hosts: blocks translated to host code; the
 * same results).  e386_set_accel takes a mask of acceptable engines and
 * picks native when it is in the mask and built for this host, else the
 * interpreter if in the mask; it returns the engine chosen, or -1 (none
 * of the mask is available, or called inside e386_run).  A new CPU gets
 * native where available (not under Valgrind), or what the environment
 * variable E386_ACCEL (native, interp) names. */
enum { E386_ACCEL_INTERP = 1, E386_ACCEL_NATIVE = 2 };
int e386_set_accel(E386Cpu *cpu, int accel);
int e386_get_accel(const E386Cpu *cpu);
int e386_accel_parse(const char *name); /* "native", "interp": E386_ACCEL_*, else -1 */

/* Run until the budget of guest instructions is spent (0 = unlimited: at
 * most 2^62, as is any larger budget), an exception, an unhandled
 * interrupt, or a stop request. */
int e386_run(E386Cpu *cpu, uint64_t max_insns, e386_exit *exit);
void e386_stop(E386Cpu *cpu); /* safe to call from a hook or signal handler */
void e386_set_int_hook(E386Cpu *cpu, e386_int_hook hook, void *opaque);
uint64_t e386_insn_count(const E386Cpu *cpu);

/* The debugger's hook (the GDB stub, src/gdb/): while one is set the
 * engine runs one instruction per block and calls it before each
 * instruction with that instruction's linear address; a nonzero return
 * ends e386_run with E386_EXIT_DEBUG before the instruction runs.  The
 * guest sees nothing of it (no DR registers, no TF, no patched code).
 * Without a hook the engine tests one pointer per return to its main
 * loop and nothing per instruction.  Set it between e386_run calls. */
typedef int (*e386_debug_fn)(E386Cpu *cpu, uint32_t lin_pc, void *opaque);
void e386_set_debug_hook(E386Cpu *cpu, e386_debug_fn fn, void *opaque);
/* The debugger's data watchpoints (system mode; the guest's DR0-DR7 are
 * separate): slot 0..E386_DEBUG_WATCH_MAX-1 watches [addr, addr+len) for
 * the kinds of access given (0 clears the slot).  Their pages stay out of
 * the TLB, so every guest access to them is checked (implicit supervisor
 * accesses such as descriptor loads are not); an instruction that touched
 * one completes, then e386_run returns E386_EXIT_DEBUG with exit.vector
 * the slot, exit.error_code the kinds that hit and exit.fault_addr the
 * watched address.  0, or -1 (bad slot or range, or a user-mode CPU). */
enum { E386_WATCH_READ = 1, E386_WATCH_WRITE = 2, E386_DEBUG_WATCH_MAX = 4 };
int e386_debug_watch(E386Cpu *cpu, int slot, uint32_t addr, uint32_t len, int kinds);

/* x87 state as seen by signal frames (FSAVE 108-byte image, 32-bit form). */
void e386_fpu_save(E386Cpu *cpu, uint8_t out[108]);
void e386_fpu_restore(E386Cpu *cpu, const uint8_t in[108]);
/* FNINIT's state: what a Linux signal handler starts with. */
void e386_fpu_init(E386Cpu *cpu);

/* Statistics for tests and benchmarks.  chain_hits, the blocks entered
 * straight from another block (a link or the jump cache, without the run
 * loop's lookup), is counted only after e386_count_chain_hits(cpu, 1),
 * which starts it at 0; it reads 0 otherwise (the interpreter's add per
 * block end measured 3-5% of some programs' time).  While it counts, the
 * interpreter takes its slower out-of-line path at every block end. */
typedef struct e386_stats {
    uint64_t tb_translated, tb_flushes, tb_invalidated, chain_hits;
    uint64_t native_blocks; /* blocks given host code (the native back end) */
} e386_stats;
void e386_get_stats(const E386Cpu *cpu, e386_stats *st);
void e386_count_chain_hits(E386Cpu *cpu, int on);

/* ---- System mode ----
 * A system-mode CPU runs bare-metal code: its memory map is physical
 * memory (RAM, ROM, MMIO; unassigned addresses read as all ones and ignore
 * writes), the guest's own descriptor tables and paging are honoured,
 * exceptions and interrupts are delivered through the guest's IVT/IDT
 * (they never make e386_run return, except a triple fault), and IN/OUT go
 * to the machine's callbacks.  e386_mem_map() and friends map physical
 * pages in this mode. */
typedef struct e386_sys_ops {
    /* port I/O; size is 1, 2 or 4 (an access the CPU splits is not merged) */
    uint32_t (*io_read)(void *opaque, uint16_t port, int size);
    void (*io_write)(void *opaque, uint16_t port, int size, uint32_t value);
    /* the INTA cycle: the vector of the interrupt the controller delivers
     * (called only while the INTR line is high and EFLAGS.IF is set) */
    int (*intr_ack)(void *opaque);
    /* the machine's virtual clock in ns, for RDTSC (1 GHz TSC) */
    uint64_t (*clock_ns)(void *opaque);
} e386_sys_ops;

/* Make cpu a system-mode CPU in the power-on state: real mode, CS F000
 * with base FFFF0000, EIP FFF0, EDX the CPUID signature, paging off, IF 0,
 * x87 initialised.  Memory already mapped stays mapped.  0 or -1. */
int e386_system_init(E386Cpu *cpu, const e386_sys_ops *ops, void *opaque);
void e386_system_reset(E386Cpu *cpu); /* RESET: as at power on, memory kept */
/* The INTR pin (a level: the interrupt controller holds it while it has a
 * pending interrupt) and the NMI pin (an edge).  Safe between e386_run
 * calls and from the I/O callbacks. */
void e386_set_irq(E386Cpu *cpu, int level);
void e386_nmi(E386Cpu *cpu);
/* e386_run returns E386_EXIT_HLT when the CPU halts; the next e386_run
 * resumes after the HLT only once an interrupt (INTR with IF set, or NMI)
 * is taken, and returns E386_EXIT_HLT again at once otherwise. */
int e386_halted(const E386Cpu *cpu);

/* Physical aliases and MMIO.  e386_mem_alias makes [dst, dst+size) show
 * the host memory of the mapped pages [src, src+size) (a ROM seen at two
 * addresses); the memory lives until its last mapping goes.  MMIO ranges
 * call the handlers with the offset into the range; size 1, 2 or 4. */
int e386_mem_alias(E386Cpu *cpu, uint32_t dst, uint32_t src, uint32_t size, int prot);
typedef uint32_t (*e386_mmio_read_fn)(void *opaque, uint32_t offset, int size);
typedef void (*e386_mmio_write_fn)(void *opaque, uint32_t offset, int size, uint32_t value);
int e386_mmio_map(E386Cpu *cpu, uint32_t addr, uint32_t size, e386_mmio_read_fn rd,
                  e386_mmio_write_fn wr, void *opaque);

/* Logs (-d): what the CPU reports, to f.  in_asm hands each newly
 * translated instruction's bytes to disasm (the program links a
 * disassembler; the library has none).  op prints each new block's
 * pre-decoded operations; mmu (system mode) each page walk that fills the
 * TLB and each page fault it raises.  exec and cpu print one entry per
 * block executed and turn block chaining off while they are on, so that
 * no block runs unlogged (docs/bisecting.md diffs two runs' exec logs). */
enum { E386_LOG_INT = 1, E386_LOG_CPU = 2, E386_LOG_EXEC = 4, E386_LOG_IN_ASM = 8, E386_LOG_OP = 16,
       E386_LOG_MMU = 32 };
typedef void (*e386_disasm_fn)(void *opaque, FILE *f, uint32_t lin, const uint8_t *code, size_t len,
                               int code32);
void e386_set_log(E386Cpu *cpu, int mask, FILE *f, e386_disasm_fn disasm, void *opaque);

/* EFLAGS.IF edges, for the irqsoff tracer (src/trace, docs/tracing.md).
 * The hook sees every change of IF while it is set: the instruction count
 * is exact (instructions retired, the changing one included; a delivery
 * counts as one step, as in e386_insn_count), eip is the instruction that
 * changed IF (CLI, STI, POPF, IRET, a far jump to a task) or, for an
 * interrupt, exception or task gate, the handler's first instruction.
 * With step set, the step hook sees each instruction while IF is clear,
 * before it runs (the CPU then runs one-instruction blocks: slow, but
 * only inside the stretches).  NULL fn: off, and nothing on the fast path. */
enum { E386_IF_CLI_STI, E386_IF_POPF, E386_IF_IRET, E386_IF_GATE, E386_IF_TASK, E386_IF_RESET,
       E386_IF_OTHER };
typedef struct e386_if_edge {
    int on;         /* IF after the edge */
    int cause;      /* E386_IF_* */
    uint64_t insns; /* e386_insn_count at the edge */
    uint32_t eip;
} e386_if_edge;
typedef void (*e386_if_fn)(void *opaque, const e386_if_edge *e);
typedef void (*e386_step_fn)(void *opaque, uint32_t eip, uint64_t insns);
void e386_set_if_hook(E386Cpu *cpu, e386_if_fn fn, e386_step_fn step, void *opaque);
/* The CPU's EFLAGS.IF now (a tracer armed while IF is clear waits for
 * the next edge, as Linux's does) */
int e386_if_state(const E386Cpu *cpu);

/* ---- Snapshots and migration (core/cpu_state.c) ----
 * The CPU's architectural state as one plain struct (core/cpu_state.h)
 * that a StateDesc (dev/state.h) describes whole: the migration stream,
 * the monitor's dumps and the tests walk that one description.  Save
 * materialises EFLAGS from the lazy flags and stores the x87 registers as
 * 80-bit images; load refuses (-1, message) a state the CPU could never
 * be in, changes nothing then, and otherwise drops the translation cache
 * and the soft TLB, which are rebuilt from the new state.  The INTR pin is
 * not CPU state: the machine drives it again after a load. */
typedef struct E386CpuState E386CpuState;
struct StateDesc;
const struct StateDesc *e386_cpu_state_desc(void);
void e386_cpu_state_save(const E386Cpu *cpu, E386CpuState *st);
int e386_cpu_state_check(const E386CpuState *st, char *err, size_t errlen);
int e386_cpu_state_load(E386Cpu *cpu, const E386CpuState *st, char *err, size_t errlen);

#endif
