/* Declarative state descriptions: a device lists its fields once, as data
 * (name, offset, type, count, version), and the migration stream, the
 * monitor's state dump and the unit tests all walk that one table.
 * A field's version is the state version that introduced it, so a loader
 * can skip fields a stream is too old to carry. */
#ifndef E386_DEV_STATE_H
#define E386_DEV_STATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum StateType {
    ST_U8, ST_U16, ST_U32, ST_U64, ST_BOOL,
    ST_BYTES,  /* count raw bytes, dumped as one hex string */
    ST_STRUCT, /* count elements of a sub-description, stride bytes apart */
} StateType;

struct StateDesc;

typedef struct StateField {
    const char *name;
    size_t offset;
    StateType type;
    uint32_t count;   /* 1 for a scalar, else elements (bytes for ST_BYTES) */
    uint32_t version; /* the state version that introduced the field */
    const struct StateDesc *sub; /* ST_STRUCT only */
    size_t stride;    /* distance between array elements */
} StateField;

typedef struct StateDesc {
    const char *name;
    uint32_t version; /* current version of this description */
    const StateField *fields;
    size_t nfields;
} StateDesc;

/* The offset of T.m, refused at compile time unless m has size sz: a table
 * row cannot silently disagree with the struct it describes. */
#define STATE_OFF_(T, m, sz) \
    (offsetof(T, m) + 0 * sizeof(char[(sizeof(((T *)0)->m) == (sz)) ? 1 : -1]))

#define STATE_SCALAR_(T, m, ty, ctype, ver) \
    { #m, STATE_OFF_(T, m, sizeof(ctype)), ty, 1, ver, NULL, sizeof(ctype) }
#define STATE_ARRAY_(T, m, ty, ctype, n, ver) \
    { #m, STATE_OFF_(T, m, (n) * sizeof(ctype)), ty, n, ver, NULL, sizeof(ctype) }

#define STATE_U8(T, m, ver) STATE_SCALAR_(T, m, ST_U8, uint8_t, ver)
#define STATE_U16(T, m, ver) STATE_SCALAR_(T, m, ST_U16, uint16_t, ver)
#define STATE_U32(T, m, ver) STATE_SCALAR_(T, m, ST_U32, uint32_t, ver)
#define STATE_U64(T, m, ver) STATE_SCALAR_(T, m, ST_U64, uint64_t, ver)
#define STATE_BOOL(T, m, ver) STATE_SCALAR_(T, m, ST_BOOL, bool, ver)
#define STATE_U8_ARRAY(T, m, n, ver) STATE_ARRAY_(T, m, ST_U8, uint8_t, n, ver)
#define STATE_U16_ARRAY(T, m, n, ver) STATE_ARRAY_(T, m, ST_U16, uint16_t, n, ver)
#define STATE_U32_ARRAY(T, m, n, ver) STATE_ARRAY_(T, m, ST_U32, uint32_t, n, ver)
#define STATE_BYTES(T, m, n, ver) STATE_ARRAY_(T, m, ST_BYTES, uint8_t, n, ver)
#define STATE_STRUCT_ARRAY(T, m, n, ET, desc, ver) \
    { #m, STATE_OFF_(T, m, (n) * sizeof(ET)), ST_STRUCT, n, ver, &(desc), sizeof(ET) }

#define STATE_NFIELDS(tab) (sizeof(tab) / sizeof((tab)[0]))

/* Called for every scalar element (and once per ST_BYTES field) with its
 * full path, e.g. "pit.ch[2].mode". */
typedef void (*state_visit_fn)(void *opaque, const char *path, const StateField *f,
                               const void *elem);
void state_walk(const StateDesc *d, const void *base, const char *prefix,
                state_visit_fn fn, void *opaque);

/* One scalar element of f at elem, widened (not for ST_BYTES/ST_STRUCT). */
uint64_t state_get(const StateField *f, const void *elem);
/* Store v into one scalar element; -1 (nothing stored) if v does not fit
 * the field (a bool that is not 0/1, a u8 above 255, ...): a stream is
 * hostile input. */
int state_set(const StateField *f, void *elem, uint64_t v);

/* "path=value" lines: hex padded to the field's width, bools 0/1, bytes as
 * a hex string. */
void state_dump(FILE *out, const char *prefix, const StateDesc *d, const void *base);
#endif
