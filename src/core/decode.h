/* The decoder: guest bytes -> E386Op, driven by opcodes.inc. */
#ifndef E386_DECODE_H
#define E386_DECODE_H
#include "core/cpu.h"

enum {
    D_M = 1 << 0, D_I8 = 1 << 1, D_I8S = 1 << 2, D_IZ = 1 << 3, D_IW = 1 << 4,
    D_AP = 1 << 5, D_MO = 1 << 6, D_EN = 1 << 7, D_J8 = 1 << 8, D_JZ = 1 << 9,
    D_GRP = 1 << 10, D_END = 1 << 11, D_MR = 1 << 12, D_MEM = 1 << 13,
};
enum { FL_CF = 1, FL_ZF = 2, FL_OF = 4, FL_DF = 8, FL_ALL = 0x3f,
       FL_NOCF = FL_ALL & ~FL_CF, FL_NOOF = FL_ALL & ~FL_OF };

typedef struct OpInfo {
    const char *name;
    OpFn fn;
    uint16_t dec;
    uint8_t size; /* 1, 2, 4, or 0: operand size */
    uint8_t sub, cpu, fread, fwrite;
} OpInfo;

/* Result of decoding one instruction at linear address lin. */
enum { DEC_OK, DEC_FAULT };
typedef struct DecodeFault {
    int vector;
    int has_err;
    uint32_t err, addr;
} DecodeFault;

/* Decode the instruction at CS:eip.  code32: CS.D.  Returns DEC_OK and fills
 * op, *info and *dec (the decode flags of the opcode and group rows), or DEC_FAULT and *fault (#PF, #GP, #UD). */
int decode_insn(E386Cpu *cpu, uint32_t eip, int code32, E386Op *op,
                const OpInfo **info, unsigned *dec, DecodeFault *fault);
const OpInfo *decode_lookup(int opcode, int reg);
/* does opcode's ModRM reg field name a register (not a group's row)? */
int decode_reg_is_operand(int opcode);
#endif
