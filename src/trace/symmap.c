/* System.map parsing and address lookup (symmap.h). */
#define _POSIX_C_SOURCE 200809L
#include "trace/symmap.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_space(char c) { return c == ' ' || c == '\t'; }

/* One line [p, end): 1 and the parts if it is "hex type name". */
static int parse_line(const char *p, const char *end, uint32_t *addr, const char **name, size_t *nlen)
{
    uint64_t v = 0;
    int digits = 0;
    while (p < end && is_space(*p)) p++;
    for (; p < end && hexval(*p) >= 0; p++, digits++) {
        v = v << 4 | (uint64_t)hexval(*p);
        if (digits >= 16) return 0;
    }
    /* 64-bit maps of an i386 kernel do not exist; a value above 4 GiB is
     * not an address of this guest */
    if (digits == 0 || v > UINT32_MAX || p == end || !is_space(*p))
        return 0;
    while (p < end && is_space(*p)) p++;
    if (p == end || is_space(*p)) return 0;
    p++; /* the type letter */
    if (p == end || !is_space(*p)) return 0;
    while (p < end && is_space(*p)) p++;
    const char *n = p;
    while (p < end && !is_space(*p) && *p != '\r' && *p) p++;
    if (p == n) return 0;
    *addr = (uint32_t)v;
    *name = n;
    *nlen = (size_t)(p - n) > SYMMAP_MAX_NAME ? SYMMAP_MAX_NAME : (size_t)(p - n);
    return 1;
}

static int by_addr(const void *a, const void *b)
{
    const SymEntry *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    /* equal addresses: the first in the file wins (stable by offset) */
    return x->name < y->name ? -1 : x->name > y->name;
}

int symmap_parse(SymMap *m, const char *text, size_t len, char *err, size_t errlen)
{
    *m = (SymMap){ 0 };
    size_t cap = 0, ncap = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        uint32_t addr;
        const char *name;
        size_t nlen;
        if (!parse_line(p, le, &addr, &name, &nlen)) {
            if (le > p) m->bad_lines++;
        } else {
            if (m->nsyms == SYMMAP_MAX_SYMS) {
                snprintf(err, errlen, "symbol map: more than %d symbols", SYMMAP_MAX_SYMS);
                symmap_free(m);
                return -1;
            }
            if (m->nsyms == cap) {
                size_t nc = cap ? cap * 2 : 1024;
                SymEntry *s = realloc(m->syms, nc * sizeof *s);
                if (!s) goto oom;
                m->syms = s;
                cap = nc;
            }
            if (m->names_len + nlen + 1 > ncap) {
                size_t nc = ncap ? ncap * 2 : 16384;
                while (nc < m->names_len + nlen + 1) nc *= 2;
                char *s = realloc(m->names, nc);
                if (!s) goto oom;
                m->names = s;
                ncap = nc;
            }
            m->syms[m->nsyms++] = (SymEntry){ addr, (uint32_t)m->names_len };
            memcpy(m->names + m->names_len, name, nlen);
            m->names[m->names_len + nlen] = 0;
            m->names_len += nlen + 1;
        }
        p = nl ? nl + 1 : end;
    }
    if (m->nsyms) {
        qsort(m->syms, m->nsyms, sizeof *m->syms, by_addr);
        size_t k = 1;
        for (size_t i = 1; i < m->nsyms; i++)
            if (m->syms[i].addr != m->syms[k - 1].addr)
                m->syms[k++] = m->syms[i];
        m->nsyms = k;
    }
    return 0;
oom:
    snprintf(err, errlen, "symbol map: out of memory");
    symmap_free(m);
    return -1;
}

int symmap_load(SymMap *m, const char *path, char *err, size_t errlen)
{
    *m = (SymMap){ 0 };
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int rc = -1;
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= SYMMAP_MAX_BYTES) {
                snprintf(err, errlen, "%s: larger than %d MiB", path, SYMMAP_MAX_BYTES >> 20);
                goto out;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto out;
    }
    rc = symmap_parse(m, buf, len, err, errlen);
out:
    free(buf);
    fclose(f);
    return rc;
}

void symmap_free(SymMap *m)
{
    free(m->syms);
    free(m->names);
    *m = (SymMap){ 0 };
}

const char *symmap_lookup(const SymMap *m, uint32_t addr, uint32_t *off, uint32_t *size)
{
    if (!m || !m->nsyms || addr < m->syms[0].addr)
        return NULL;
    size_t lo = 0, hi = m->nsyms; /* the last entry with .addr <= addr is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->syms[mid].addr <= addr) lo = mid;
        else hi = mid;
    }
    *off = addr - m->syms[lo].addr;
    *size = lo + 1 < m->nsyms ? m->syms[lo + 1].addr - m->syms[lo].addr : 0;
    return m->names + m->syms[lo].name;
}

char *symmap_format(const SymMap *m, uint32_t addr, int with_offset, char *buf, size_t len)
{
    uint32_t off, size;
    const char *n = symmap_lookup(m, addr, &off, &size);
    if (!n)
        snprintf(buf, len, "0x%08x", (unsigned)addr);
    else if (with_offset)
        snprintf(buf, len, "%s+0x%x/0x%x", n, (unsigned)off, (unsigned)size);
    else
        snprintf(buf, len, "%s", n);
    return buf;
}
