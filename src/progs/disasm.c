/* -d in_asm's disassembler (disasm.h). */
#include "progs/disasm.h"
#include <string.h>

void disasm_insn(void *opaque, FILE *f, uint32_t lin, const uint8_t *code, size_t len, int code32)
{
    Disasm *d = opaque;
    (void)d;
#ifdef E386_HAVE_CAPSTONE
    int k = code32 != 0;
    cs_insn *insn;
    if (d->ok[k] && cs_disasm(d->cs[k], code, len, lin, 1, &insn) == 1) {
        fprintf(f, "0x%08x:  %-7s %s\n", (unsigned)lin, insn->mnemonic, insn->op_str);
        cs_free(insn, 1);
        return;
    }
#else
    (void)code32;
#endif
    fprintf(f, "0x%08x: ", (unsigned)lin);
    for (size_t i = 0; i < len; i++)
        fprintf(f, " %02x", code[i]);
    fputc('\n', f);
}

void disasm_open(Disasm *d)
{
    memset(d, 0, sizeof *d);
#ifdef E386_HAVE_CAPSTONE
    d->ok[0] = cs_open(CS_ARCH_X86, CS_MODE_16, &d->cs[0]) == CS_ERR_OK;
    d->ok[1] = cs_open(CS_ARCH_X86, CS_MODE_32, &d->cs[1]) == CS_ERR_OK;
#endif
}

void disasm_close(Disasm *d)
{
#ifdef E386_HAVE_CAPSTONE
    for (int k = 0; k < 2; k++)
        if (d->ok[k])
            cs_close(&d->cs[k]);
#endif
    (void)d;
}
