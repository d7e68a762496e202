/* Declarations of every instruction handler named in opcodes.inc. */
#ifndef E386_OPS_H
#define E386_OPS_H
#include "core/cpu.h"
#define OP(code, name, h, dec, size, sub, cpu, fr, fw) \
    const E386Op *op_##h(E386Cpu *, const E386Op *);
#define GRP(grp, reg, name, h, dec, size, sub, cpu, fr, fw) \
    const E386Op *op_##h(E386Cpu *, const E386Op *);
#include "core/opcodes.inc"
#undef OP
#undef GRP

/* translation-time specialisation of the common 32-bit ALU forms */
OpFn alu_specialize(const E386Op *op);
/* ... and of the common MOV/MOVZX register and memory forms (cpu/mov_spec.c);
 * returns op->fn when none applies */
OpFn mov_specialize(const E386Op *op);
/* ... and of the 32-bit register shifts and rotates by an immediate (cpu/shift.c) */
OpFn shift_specialize(const E386Op *op);
#endif
