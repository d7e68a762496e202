/* -d in_asm for the programs (emu386-user, emu386-system): Capstone when
 * the build found it, hex bytes otherwise.  Not in the library, which
 * has no disassembler: a program hands disasm_insn to e386_set_log. */
#ifndef E386_PROGS_DISASM_H
#define E386_PROGS_DISASM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#ifdef E386_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

typedef struct Disasm {
#ifdef E386_HAVE_CAPSTONE
    csh cs[2]; /* 16- and 32-bit code */
    bool ok[2];
#endif
    int unused;
} Disasm;

void disasm_open(Disasm *d);
void disasm_close(Disasm *d);
/* an e386_disasm_fn: one line "0x%08x:  mnemonic operands" */
void disasm_insn(void *opaque, FILE *f, uint32_t lin, const uint8_t *code, size_t len, int code32);
#endif
