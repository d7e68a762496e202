/* Guest RAM size parsing and mapping. */
#include "system/ram.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int ram_parse_size(const char *s, uint32_t *size, char *err, size_t errlen)
{
    char *end;
    if (!isdigit((unsigned char)s[0])) {
        snprintf(err, errlen, "bad memory size '%s'", s);
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 20;
    switch (toupper((unsigned char)*end)) {
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case '\0': break;
    default: end = NULL; break;
    }
    if (errno || !end || *end) {
        snprintf(err, errlen, "bad memory size '%s' (a number with K, M or G)", s);
        return -1;
    }
    if (v > (unsigned long long)RAM_MAX_SIZE >> shift || (v << shift) < RAM_MIN_SIZE) {
        snprintf(err, errlen, "memory size '%s' out of range (%uK to %uG)", s,
                 RAM_MIN_SIZE >> 10, RAM_MAX_SIZE >> 30);
        return -1;
    }
    if ((v << shift) & 0xFFF) {
        snprintf(err, errlen, "memory size '%s' is not a multiple of 4K", s);
        return -1;
    }
    *size = (uint32_t)(v << shift);
    return 0;
}

int ram_map(E386Cpu *cpu, uint32_t size, char *err, size_t errlen)
{
    const int rwx = E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC;
    uint32_t low = size < RAM_HOLE_START ? size : RAM_HOLE_START;
    if (e386_mem_map(cpu, 0, low, rwx) < 0 ||
        (size > RAM_HOLE_END && e386_mem_map(cpu, RAM_HOLE_END, size - RAM_HOLE_END, rwx) < 0)) {
        snprintf(err, errlen, "cannot allocate %u KiB of guest RAM", size >> 10);
        return -1;
    }
    return 0;
}
