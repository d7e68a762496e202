/* Guest RAM: the -m size and its mapping. */
#ifndef E386_SYSTEM_RAM_H
#define E386_SYSTEM_RAM_H
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

#define RAM_DEFAULT_SIZE (32u << 20)
#define RAM_MIN_SIZE (64u << 10)
#define RAM_MAX_SIZE (3u << 30) /* keeps 1 GiB below 4 GiB for ROM and device windows */
#define RAM_HOLE_START 0xA0000u  /* VGA memory and the ROM area up to 1 MiB */
#define RAM_HOLE_END 0x100000u

/* "-m" syntax: a number with a K, M or G suffix (a bare number is MiB, as
 * in QEMU); a multiple of 4 KiB between RAM_MIN_SIZE and RAM_MAX_SIZE. */
int ram_parse_size(const char *s, uint32_t *size, char *err, size_t errlen);
/* Map size bytes of RAM from physical 0, leaving out the 0xA0000-0xFFFFF
 * hole: zero by construction (the guest allocator's anonymous mappings). */
int ram_map(E386Cpu *cpu, uint32_t size, char *err, size_t errlen);
#endif
