/* The port I/O bus: devices claim port ranges; the bus, not the device,
 * enforces the access sizes a range accepts.  A wider access than a range
 * takes is split into byte accesses, as the PC's bus cycles split a 16- or
 * 32-bit IN/OUT to an 8-bit device; bytes nobody claims read 0xFF (the
 * floating ISA bus) and writes to them are dropped. */
#ifndef E386_DEV_IOBUS_H
#define E386_DEV_IOBUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "e386.h"

/* The one I/O signature, the same as MMIO's: (opaque, offset, size[, value]). */
typedef struct IoRegionOps {
    e386_mmio_read_fn read;   /* NULL: reads as all ones */
    e386_mmio_write_fn write; /* NULL: writes dropped */
    uint8_t sizes;            /* accepted access sizes: a mask of 1, 2, 4 (1 always) */
} IoRegionOps;

enum { IOBUS_MAX_REGIONS = 64 };

typedef struct IoRegion {
    uint16_t base;
    uint32_t len;
    const IoRegionOps *ops; /* NULL: free slot */
    void *opaque;
    const char *owner;
} IoRegion;

typedef struct IoBus {
    IoRegion region[IOBUS_MAX_REGIONS];
    uint8_t map[0x10000]; /* port -> region index + 1, 0 unclaimed: O(1) dispatch */
    FILE *log;            /* unclaimed accesses are logged here when log_unimp */
    bool log_unimp;
} IoBus;

void iobus_init(IoBus *bus);
/* Claim [base, base+len) for opaque; -1 with a message naming the owner of
 * any port already taken, or on a range past 0xFFFF. */
int iobus_claim(IoBus *bus, uint32_t base, uint32_t len, const IoRegionOps *ops, void *opaque,
                const char *owner, char *err, size_t errlen);
/* Give back every range opaque holds (the unrealize path). */
void iobus_release(IoBus *bus, void *opaque);

uint32_t iobus_read(IoBus *bus, uint16_t port, int size);
void iobus_write(IoBus *bus, uint16_t port, int size, uint32_t value);
#endif
