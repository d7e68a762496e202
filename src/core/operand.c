/* Effective addresses of ModRM memory operands (decoded in decode.c). */
#include "core/cpu.h"

uint32_t op_ea(E386Cpu *cpu, const E386Op *op)
{
    uint32_t a = op->disp;
    if (op->base != EA_NONE)
        a += cpu->r[op->base];
    if (op->index != EA_NONE)
        a += cpu->r[op->index] << op->scale;
    return op->adsize == 2 ? (a & 0xffff) : a;
}
