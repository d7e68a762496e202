/* A StateDesc as stream bytes: every scalar element at its width, little
 * endian (u8 and bool 1 byte, u16 2, u32 4, u64 8), ST_BYTES raw, in the
 * description's order, recursing into sub-descriptions; a field newer
 * than the section's version (StateField.version) is not in it. */
#ifndef E386_MIGRATION_VMSTATE_H
#define E386_MIGRATION_VMSTATE_H
#include <stddef.h>
#include <stdint.h>
#include "dev/state.h"
#include "migration/stream.h"

/* Payload bytes of d at version. */
size_t vmstate_size(const StateDesc *d, uint32_t version);
void vmstate_put(MigWriter *w, const StateDesc *d, const void *base, uint32_t version);
/* Check that every value in p (len bytes, version) fits its field, as
 * state_set decides: 0, or -1 with "what.path: ..." in err. */
int vmstate_check(const StateDesc *d, uint32_t version, const uint8_t *p, size_t len, const char *what,
                  char *err, size_t errlen);
/* Store the values of a checked payload into base (fields newer than
 * version keep their value). */
void vmstate_apply(const StateDesc *d, uint32_t version, const uint8_t *p, void *base);
/* The current version's payload of base, malloc'ed (NULL: no memory). */
uint8_t *vmstate_encode(const StateDesc *d, const void *base);
#endif
