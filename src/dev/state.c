/* The state-description walker shared by migration, the monitor and tests. */
#include "dev/state.h"
#include <inttypes.h>
#include <string.h>

static void walk(const StateDesc *d, const uint8_t *base, char *path, size_t len,
                 size_t cap, state_visit_fn fn, void *opaque)
{
    for (size_t i = 0; i < d->nfields; i++) {
        const StateField *f = &d->fields[i];
        const uint8_t *p = base + f->offset;
        int n = snprintf(path + len, cap - len, "%s%s", len ? "." : "", f->name);
        size_t flen = n < 0 ? len : len + (size_t)n;
        if (flen >= cap)
            flen = cap - 1; /* a truncated path still names the field */
        if (f->type == ST_BYTES || (f->type != ST_STRUCT && f->count == 1)) {
            fn(opaque, path, f, p);
            continue;
        }
        for (uint32_t k = 0; k < f->count; k++) {
            int m = snprintf(path + flen, cap - flen, "[%" PRIu32 "]", k);
            size_t elen = m < 0 ? flen : flen + (size_t)m;
            if (elen >= cap)
                elen = cap - 1;
            if (f->type == ST_STRUCT)
                walk(f->sub, p + k * f->stride, path, elen, cap, fn, opaque);
            else
                fn(opaque, path, f, p + k * f->stride);
            path[flen] = '\0';
        }
    }
    path[len] = '\0';
}

void state_walk(const StateDesc *d, const void *base, const char *prefix,
                state_visit_fn fn, void *opaque)
{
    char path[160];
    int n = snprintf(path, sizeof path, "%s", prefix ? prefix : "");
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len >= sizeof path)
        len = sizeof path - 1;
    walk(d, base, path, len, sizeof path, fn, opaque);
}

/* Host-endian access is right here: the fields are host variables; the
 * stream format, not this walker, fixes a byte order. */
uint64_t state_get(const StateField *f, const void *elem)
{
    switch (f->type) {
    case ST_U8: { uint8_t v; memcpy(&v, elem, 1); return v; }
    case ST_U16: { uint16_t v; memcpy(&v, elem, 2); return v; }
    case ST_U32: { uint32_t v; memcpy(&v, elem, 4); return v; }
    case ST_U64: { uint64_t v; memcpy(&v, elem, 8); return v; }
    case ST_BOOL: { bool v; memcpy(&v, elem, sizeof v); return v; }
    default: return 0;
    }
}

int state_set(const StateField *f, void *elem, uint64_t v)
{
    switch (f->type) {
    case ST_U8: { if (v > UINT8_MAX) return -1; uint8_t x = (uint8_t)v; memcpy(elem, &x, 1); return 0; }
    case ST_U16: { if (v > UINT16_MAX) return -1; uint16_t x = (uint16_t)v; memcpy(elem, &x, 2); return 0; }
    case ST_U32: { if (v > UINT32_MAX) return -1; uint32_t x = (uint32_t)v; memcpy(elem, &x, 4); return 0; }
    case ST_U64: memcpy(elem, &v, 8); return 0;
    case ST_BOOL: { if (v > 1) return -1; bool x = v != 0; memcpy(elem, &x, sizeof x); return 0; }
    default: return -1;
    }
}

static void dump_one(void *opaque, const char *path, const StateField *f, const void *elem)
{
    FILE *out = opaque;
    static const int width[] = { [ST_U8] = 2, [ST_U16] = 4, [ST_U32] = 8, [ST_U64] = 16 };
    if (f->type == ST_BYTES) {
        /* hex in chunks: a NIC's packet memory is 32 KiB, and a printf
         * per byte made dumps the cost of the migration tests */
        static const char hex[] = "0123456789abcdef";
        const uint8_t *b = elem;
        char buf[512];
        fprintf(out, "%s=", path);
        for (uint32_t i = 0; i < f->count;) {
            size_t n = 0;
            for (; i < f->count && n < sizeof buf; i++) {
                buf[n++] = hex[b[i] >> 4];
                buf[n++] = hex[b[i] & 15];
            }
            fwrite(buf, 1, n, out);
        }
        fputc('\n', out);
    } else if (f->type == ST_BOOL) {
        fprintf(out, "%s=%d\n", path, (int)state_get(f, elem));
    } else {
        fprintf(out, "%s=0x%0*" PRIx64 "\n", path, width[f->type], state_get(f, elem));
    }
}

void state_dump(FILE *out, const char *prefix, const StateDesc *d, const void *base)
{
    state_walk(d, base, prefix, dump_one, out);
}
