/* Descriptions to stream bytes and back (vmstate.h), through state_walk:
 * the one walker the monitor's dump and the tests use too. */
#include "migration/vmstate.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t width(const StateField *f)
{
    switch (f->type) {
    case ST_U8: case ST_BOOL: return 1;
    case ST_U16: return 2;
    case ST_U32: return 4;
    case ST_U64: return 8;
    case ST_BYTES: return f->count;
    default: return 0;
    }
}

typedef struct Cursor {
    uint32_t version;
    size_t pos, len;
    uint8_t *out;        /* encode */
    const uint8_t *in;   /* check, apply */
    MigWriter *w;        /* put */
    int bad;
    char *err;
    size_t errlen;
} Cursor;

static void v_size(void *opaque, const char *path, const StateField *f, const void *elem)
{
    Cursor *c = opaque;
    (void)path, (void)elem;
    if (f->version <= c->version)
        c->pos += width(f);
}

size_t vmstate_size(const StateDesc *d, uint32_t version)
{
    Cursor c = { .version = version };
    state_walk(d, &c, "", v_size, &c); /* any base: only offsets are visited */
    return c.pos;
}

/* One element as little-endian bytes at b. */
static void elem_bytes(const StateField *f, const void *elem, uint8_t *b)
{
    size_t n = width(f);
    if (f->type == ST_BYTES) {
        memcpy(b, elem, n);
        return;
    }
    uint64_t v = state_get(f, elem);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

static void v_put(void *opaque, const char *path, const StateField *f, const void *elem)
{
    Cursor *c = opaque;
    (void)path;
    if (f->version > c->version)
        return;
    if (f->type == ST_BYTES) {
        mig_put(c->w, elem, f->count);
        return;
    }
    uint8_t b[8];
    elem_bytes(f, elem, b);
    mig_put(c->w, b, width(f));
}

void vmstate_put(MigWriter *w, const StateDesc *d, const void *base, uint32_t version)
{
    Cursor c = { .version = version, .w = w };
    state_walk(d, base, "", v_put, &c);
}

static void v_encode(void *opaque, const char *path, const StateField *f, const void *elem)
{
    Cursor *c = opaque;
    (void)path;
    if (f->version > c->version)
        return;
    elem_bytes(f, elem, c->out + c->pos);
    c->pos += width(f);
}

uint8_t *vmstate_encode(const StateDesc *d, const void *base)
{
    size_t n = vmstate_size(d, d->version);
    Cursor c = { .version = d->version, .out = malloc(n ? n : 1) };
    if (!c.out)
        return NULL;
    state_walk(d, base, "", v_encode, &c);
    return c.out;
}

static uint64_t take(Cursor *c, const StateField *f)
{
    uint64_t v = 0;
    size_t n = width(f);
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)c->in[c->pos + i] << (8 * i);
    c->pos += n;
    return v;
}

static void v_check(void *opaque, const char *path, const StateField *f, const void *elem)
{
    Cursor *c = opaque;
    (void)elem;
    if (f->version > c->version || c->bad)
        return;
    if (c->pos + width(f) > c->len) { /* vmstate_size says it cannot happen; belt and braces */
        snprintf(c->err, c->errlen, "%s: payload too short", path);
        c->bad = 1;
        return;
    }
    if (f->type == ST_BYTES) {
        c->pos += f->count;
        return;
    }
    uint64_t v = take(c, f), scratch = 0;
    if (state_set(f, &scratch, v) < 0) {
        snprintf(c->err, c->errlen, "%s: value %llu does not fit the field", path, (unsigned long long)v);
        c->bad = 1;
    }
}

int vmstate_check(const StateDesc *d, uint32_t version, const uint8_t *p, size_t len, const char *what,
                  char *err, size_t errlen)
{
    Cursor c = { .version = version, .in = p, .len = len, .err = err, .errlen = errlen };
    state_walk(d, &c, what, v_check, &c); /* any base: the values come from p */
    return c.bad ? -1 : 0;
}

static void v_apply(void *opaque, const char *path, const StateField *f, const void *elem)
{
    Cursor *c = opaque;
    (void)path;
    if (f->version > c->version)
        return;
    void *dst = (void *)(uintptr_t)elem; /* the walker's view is const; base is ours to write */
    if (f->type == ST_BYTES) {
        memcpy(dst, c->in + c->pos, f->count);
        c->pos += f->count;
        return;
    }
    (void)state_set(f, dst, take(c, f)); /* checked by vmstate_check */
}

void vmstate_apply(const StateDesc *d, uint32_t version, const uint8_t *p, void *base)
{
    Cursor c = { .version = version, .in = p };
    state_walk(d, base, "", v_apply, &c);
}
