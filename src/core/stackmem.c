/* Stack accesses through SS, with SP or ESP by SS.B. */
#include "core/cpu.h"

void push(E386Cpu *cpu, int size, uint32_t v)
{
    uint32_t sp = sp_get(cpu) - (uint32_t)size;
    if (!(cpu->seg[SEG_SS].flags & (1u << 22)))
        sp &= 0xffff;
    seg_write(cpu, SEG_SS, sp, size, v); /* faults leave ESP alone */
    sp_set(cpu, sp);
}

uint32_t pop(E386Cpu *cpu, int size)
{
    uint32_t sp = sp_get(cpu);
    uint32_t v = seg_read(cpu, SEG_SS, sp, size);
    sp_set(cpu, sp + (uint32_t)size);
    return v;
}

uint32_t stack_peek(E386Cpu *cpu, int size, uint32_t offset)
{
    uint32_t sp = sp_get(cpu) + offset;
    if (!(cpu->seg[SEG_SS].flags & (1u << 22)))
        sp &= 0xffff;
    return seg_read(cpu, SEG_SS, sp, size);
}
