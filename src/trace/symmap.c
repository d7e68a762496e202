/* System.map and ELF .symtab parsing, and address lookup (symmap.h). */
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

/* Growing arrays of a map being built. */
typedef struct Builder {
    SymMap *m;
    size_t cap, ncap;
} Builder;

/* 0, or -1 with a message (the map is then freed) */
static int add_sym(Builder *b, uint32_t addr, const char *name, size_t nlen, char *err, size_t errlen)
{
    SymMap *m = b->m;
    if (nlen > SYMMAP_MAX_NAME)
        nlen = SYMMAP_MAX_NAME;
    if (m->nsyms == SYMMAP_MAX_SYMS) {
        snprintf(err, errlen, "symbol map: more than %d symbols", SYMMAP_MAX_SYMS);
        symmap_free(m);
        return -1;
    }
    if (m->nsyms == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 1024;
        SymEntry *s = realloc(m->syms, nc * sizeof *s);
        if (!s) goto oom;
        m->syms = s;
        b->cap = nc;
    }
    if (m->names_len + nlen + 1 > b->ncap) {
        size_t nc = b->ncap ? b->ncap * 2 : 16384;
        while (nc < m->names_len + nlen + 1) nc *= 2;
        char *s = realloc(m->names, nc);
        if (!s) goto oom;
        m->names = s;
        b->ncap = nc;
    }
    m->syms[m->nsyms++] = (SymEntry){ addr, (uint32_t)m->names_len };
    memcpy(m->names + m->names_len, name, nlen);
    m->names[m->names_len + nlen] = 0;
    m->names_len += nlen + 1;
    return 0;
oom:
    snprintf(err, errlen, "symbol map: out of memory");
    symmap_free(m);
    return -1;
}

/* Sort by address and keep one name an address. */
static void finish(SymMap *m)
{
    if (m->nsyms) {
        qsort(m->syms, m->nsyms, sizeof *m->syms, by_addr);
        size_t k = 1;
        for (size_t i = 1; i < m->nsyms; i++)
            if (m->syms[i].addr != m->syms[k - 1].addr)
                m->syms[k++] = m->syms[i];
        m->nsyms = k;
    }
}

int symmap_parse(SymMap *m, const char *text, size_t len, char *err, size_t errlen)
{
    *m = (SymMap){ 0 };
    Builder b = { m, 0, 0 };
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        uint32_t addr;
        const char *name;
        size_t nlen;
        if (!parse_line(p, le, &addr, &name, &nlen)) {
            if (le > p) m->bad_lines++;
        } else if (add_sym(&b, addr, name, nlen, err, errlen) < 0) {
            return -1;
        }
        p = nl ? nl + 1 : end;
    }
    finish(m);
    return 0;
}

/* ---- ELF: the .symtab of a vmlinux (ELF32, little-endian) ---- */

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* [off, off+size) inside a file of len bytes, without overflow */
static int in_file(uint64_t off, uint64_t size, size_t len) { return off <= len && size <= len - off; }

int symmap_parse_elf(SymMap *m, const uint8_t *f, size_t len, char *err, size_t errlen)
{
    *m = (SymMap){ 0 };
    Builder b = { m, 0, 0 };
    if (len < 52 || memcmp(f, "\x7f" "ELF", 4) || f[4] != 1 || f[5] != 1) {
        snprintf(err, errlen, "ELF: not a 32-bit little-endian ELF file");
        return -1;
    }
    uint32_t shoff = le32(f + 32), shentsize = le16(f + 46), shnum = le16(f + 48);
    if (shentsize < 40 || !in_file(shoff, (uint64_t)shentsize * shnum, len)) {
        snprintf(err, errlen, "ELF: section headers out of the file");
        return -1;
    }
    for (uint32_t i = 0; i < shnum; i++) {
        const uint8_t *sh = f + shoff + (size_t)i * shentsize;
        if (le32(sh + 4) != 2) /* SHT_SYMTAB */
            continue;
        uint32_t off = le32(sh + 16), size = le32(sh + 20), link = le32(sh + 24), entsize = le32(sh + 36);
        if (entsize < 16 || link >= shnum || !in_file(off, size, len)) {
            snprintf(err, errlen, "ELF: a symbol table out of the file");
            return -1;
        }
        const uint8_t *st = f + shoff + (size_t)link * shentsize;
        uint32_t stroff = le32(st + 16), strsize = le32(st + 20);
        if (!in_file(stroff, strsize, len)) {
            snprintf(err, errlen, "ELF: a string table out of the file");
            return -1;
        }
        const char *strs = (const char *)f + stroff;
        for (uint32_t k = 0; k + entsize <= size; k += entsize) {
            const uint8_t *sym = f + off + k;
            uint32_t name = le32(sym), value = le32(sym + 4), type = sym[12] & 15, shndx = le16(sym + 14);
            /* functions and plain labels (assembly) of a real section */
            if ((type != 2 && type != 0) || shndx == 0 || shndx >= 0xff00 || name == 0 || name >= strsize)
                continue;
            const char *n = strs + name;
            size_t nlen = strnlen(n, strsize - name);
            if (nlen == 0 || nlen == strsize - name) /* not NUL-terminated in its table */
                continue;
            if (add_sym(&b, value, n, nlen, err, errlen) < 0)
                return -1;
        }
    }
    finish(m);
    return 0;
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
    /* an ELF file (a vmlinux) by its magic, else a System.map */
    rc = len >= 4 && !memcmp(buf, "\x7f" "ELF", 4) ? symmap_parse_elf(m, (const uint8_t *)buf, len, err, errlen)
                                                  : symmap_parse(m, buf, len, err, errlen);
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
