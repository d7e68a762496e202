/* Guest memory as the debugger sees it: linear addresses through the
 * CPU's own page tables in system mode, the address space in user mode. */
#ifndef E386_GDB_MEM_H
#define E386_GDB_MEM_H
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

/* Copy len bytes at linear address lin out of (write = 0) or into the
 * guest.  Protection is ignored (a debugger may patch code or ROM; code
 * written is retranslated).  0, or -1 when any byte is unmapped, not
 * present in the page tables, MMIO, or beyond 4 GiB: then nothing is
 * copied.  No side effects on the guest (no accessed/dirty bits, no TLB
 * fill, no fault). */
int gdb_mem_rw(E386Cpu *cpu, uint32_t lin, uint8_t *buf, size_t len, int write);
#endif
