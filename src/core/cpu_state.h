/* The CPU's migratable state as data (core/cpu_state.c).
 *
 * E386Cpu itself is shaped for speed (lazy flags, derived fast-path bits,
 * host pointers); a snapshot needs the architectural state an exact
 * resume depends on, in one plain struct that a StateDesc describes whole.
 * e386_cpu_state_save() fills it from a CPU (EFLAGS materialised from the
 * lazy flags, x87 registers as 80-bit byte images); e386_cpu_state_load()
 * checks it like hostile input and puts it into a CPU, dropping everything
 * derived (translation cache, soft TLB) so it is rebuilt from the new
 * state.  Every E386Cpu member is either carried here or listed with the
 * reason it is not (e386_cpu_unmigrated, checked by
 * tests/unit/test_state_coverage.c). */
#ifndef E386_CORE_CPU_STATE_H
#define E386_CORE_CPU_STATE_H
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

typedef struct E386SegState {
    uint32_t base, limit, flags; /* the hidden cache; flags: descriptor bits 8-23 */
    uint16_t sel;
    uint8_t valid, flat;
} E386SegState;

struct E386CpuState {
    uint32_t r[8];            /* EAX ECX EDX EBX ESP EBP ESI EDI */
    uint32_t eip;
    uint32_t eflags;          /* materialised: the lazy arithmetic flags folded in */
    E386SegState seg[6];      /* ES CS SS DS FS GS */
    E386SegState ldtr, tr;
    uint32_t gdtr_base, gdtr_limit, idtr_base, idtr_limit;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    uint64_t icount;          /* instructions retired: -icount time and user-mode RDTSC */
    uint64_t tsc_offset;      /* WRMSR 0x10 */
    uint8_t fpu_st[8][10];    /* R0-R7, each the 80-bit register as FSAVE stores it */
    uint16_t fpu_cw, fpu_sw, fpu_tw, fpu_fop, fpu_fcs, fpu_fds;
    uint32_t fpu_fip, fpu_fdp;
    uint8_t cpl, pe;
    uint8_t inhibit_irq;      /* MOV SS/POP SS shadow */
    uint8_t irq_shadow;       /* STI shadow */
    uint8_t halted, nmi_pending, nmi_blocked;
    uint8_t db_carry;         /* data breakpoint hits carried past a MOV SS shadow */
};

/* A byte range of a struct that a description deliberately leaves out. */
typedef struct StateSkip {
    const char *name;
    size_t offset, size;
    const char *why;
} StateSkip;

/* E386Cpu's members that E386CpuState does not carry, each with why. */
const StateSkip *e386_cpu_unmigrated(size_t *n);
/* E386Cpu's members that E386CpuState does carry (the other half of the
 * coverage check). */
const StateSkip *e386_cpu_migrated(size_t *n);
size_t e386_cpu_struct_size(void);
#endif
