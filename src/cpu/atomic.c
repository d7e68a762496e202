/* LOCK on shared memory: a LOCK-prefixed read-modify-write (and XCHG
 * with memory, always locked) of a page of a host MAP_SHARED mapping
 * (PG_SHARED) is one host compare-and-swap.  Guest threads take turns
 * (user/thread.c), which makes their RMWs atomic against each other, but
 * another process on the same page (a fork's child, an unrelated process
 * mapping the same file, a native program) runs at the same time: a
 * load, an add and a store would lose its updates (a process-shared
 * semaphore's count, a futex word).  The handler reads the operand with
 * locked_get, which keeps the host word as read; locked_put swaps it for
 * the result only if it is still that word, else the instruction runs
 * again from its start (raise_retry), as a CPU's locked cycle would have
 * waited.  Natural alignment only (a host atomic needs it; x86's split
 * locks are rare and slow on hardware too); an unaligned operand, a page
 * with translated code or without the rights takes the plain path. */
#include <stdatomic.h>
#include <string.h>
#include "core/ops.h"

/* the operand's host address when the locked path applies, else NULL */
static uint8_t *locked_host(E386Cpu *cpu, uint32_t lin, int size)
{
    if (cpu->softmmu || (lin & (uint32_t)(size - 1)))
        return NULL;
    Page *p = mem_page(&cpu->mem, lin);
    if (!p || !p->host || (p->flags & (PG_SHARED | PG_READ | PG_WRITE | PG_CODE | PG_MMIO)) !=
                              (PG_SHARED | PG_READ | PG_WRITE))
        return NULL;
    return p->host + (lin & 0xfff);
}

/* the host word's bytes as the guest's little-endian value */
static uint64_t raw_value(uint64_t raw, int size)
{
    uint8_t b[8] = { 0 };
    switch (size) {
    case 1: b[0] = (uint8_t)raw; break;
    case 2: { uint16_t h = (uint16_t)raw; memcpy(b, &h, 2); break; }
    case 4: { uint32_t w = (uint32_t)raw; memcpy(b, &w, 4); break; }
    default: memcpy(b, &raw, 8); break;
    }
    uint64_t v = 0;
    for (int i = size - 1; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static uint64_t value_raw(uint64_t v, int size)
{
    uint8_t b[8] = { 0 };
    for (int i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> 8 * i);
    switch (size) {
    case 1: return b[0];
    case 2: { uint16_t h; memcpy(&h, b, 2); return h; }
    case 4: { uint32_t w; memcpy(&w, b, 4); return w; }
    default: { uint64_t d; memcpy(&d, b, 8); return d; }
    }
}

static uint64_t load_raw(uint8_t *h, int size)
{
    switch (size) {
    case 1: return atomic_load((_Atomic uint8_t *)(void *)h);
    case 2: return atomic_load((_Atomic uint16_t *)(void *)h);
    case 4: return atomic_load((_Atomic uint32_t *)(void *)h);
    default: return atomic_load((_Atomic uint64_t *)(void *)h);
    }
}

static int swap_raw(uint8_t *h, int size, uint64_t old, uint64_t new_)
{
    uint8_t o1 = (uint8_t)old;
    uint16_t o2 = (uint16_t)old;
    uint32_t o4 = (uint32_t)old;
    switch (size) {
    case 1: return atomic_compare_exchange_strong((_Atomic uint8_t *)(void *)h, &o1, (uint8_t)new_);
    case 2: return atomic_compare_exchange_strong((_Atomic uint16_t *)(void *)h, &o2, (uint16_t)new_);
    case 4: return atomic_compare_exchange_strong((_Atomic uint32_t *)(void *)h, &o4, (uint32_t)new_);
    default: return atomic_compare_exchange_strong((_Atomic uint64_t *)(void *)h, &old, new_);
    }
}

uint64_t locked_get(E386Cpu *cpu, uint32_t lin, int size)
{
    uint8_t *h = locked_host(cpu, lin, size);
    cpu->lk_host = h;
    if (!h)
        return size == 8 ? (uint64_t)lin_read(cpu, lin, 4) | (uint64_t)lin_read(cpu, lin + 4, 4) << 32
                         : lin_read(cpu, lin, size);
    cpu->lk_raw = load_raw(h, size);
    return raw_value(cpu->lk_raw, size);
}

void locked_put(E386Cpu *cpu, uint32_t lin, int size, uint64_t v)
{
    uint8_t *h = cpu->lk_host;
    cpu->lk_host = NULL;
    if (!h) {
        if (size == 8) {
            lin_write(cpu, lin, 4, (uint32_t)v);
            lin_write(cpu, lin + 4, 4, (uint32_t)(v >> 32));
        } else {
            lin_write(cpu, lin, size, (uint32_t)v);
        }
        return;
    }
    if (!swap_raw(h, size, cpu->lk_raw, value_raw(v, size)))
        raise_retry(cpu); /* another process wrote it meanwhile */
}
