/* The i386 register file as GDB numbers it (docs/gdb.md): eax..edi, eip,
 * eflags, cs ss ds es fs gs, st0-st7 (80 bits each), fctrl fstat ftag
 * fiseg fioff foseg fooff fop; target.xml describes exactly that. */
#ifndef E386_GDB_REGS_H
#define E386_GDB_REGS_H
#include <stdint.h>
#include "e386.h"

enum { GDB_NREGS = 32, GDB_REG_MAX = 10, GDB_G_BYTES = 16 * 4 + 8 * 10 + 8 * 4 };

/* Register n's size in bytes (4 or 10), or 0 for a number we do not have. */
int gdb_reg_size(int n);
/* Register n in target byte order (little endian) into out: its size, or -1. */
int gdb_reg_get(E386Cpu *cpu, int n, uint8_t *out);
/* Set register n from in: 0, or -1 (no such register, or a segment
 * selector the CPU refuses to load). */
int gdb_reg_set(E386Cpu *cpu, int n, const uint8_t *in);
/* The target description served through qXfer:features:read. */
const char *gdb_target_xml(void);
#endif
