/* Guest symbols for the irqsoff tracer's reports: a System.map ("addr
 * type name" a line, as the kernel's build writes it, or a map a test
 * writes from nasm's listing) or the symbol table of an ELF file (a
 * vmlinux), parsed as hostile input: bounded in size, in symbols and in
 * name length, bad lines skipped and counted. */
#ifndef E386_TRACE_SYMMAP_H
#define E386_TRACE_SYMMAP_H
#include <stddef.h>
#include <stdint.h>

enum {
    SYMMAP_MAX_SYMS = 1 << 20,      /* a distribution kernel has ~100k */
    SYMMAP_MAX_NAME = 127,          /* longer names are cut */
    SYMMAP_MAX_BYTES = 64 << 20,    /* a file larger than this is refused */
};

typedef struct SymEntry {
    uint32_t addr;
    uint32_t name; /* offset in SymMap.names */
} SymEntry;

typedef struct SymMap {
    SymEntry *syms; /* sorted by address, one per address */
    size_t nsyms;
    char *names;
    size_t names_len;
    size_t bad_lines; /* lines that were not "hex type name" */
} SymMap;

/* Parse text (len bytes, need not end in a NUL) into m; 0, or -1 with a
 * message (out of memory, too many symbols).  A map with no symbol is
 * valid: every address then prints as hex. */
int symmap_parse(SymMap *m, const char *text, size_t len, char *err, size_t errlen);
/* The .symtab of an ELF32 little-endian file (a vmlinux): STT_FUNC and
 * STT_NOTYPE symbols of a real section; every offset, size and string is
 * checked against the file.  -1 with a message if the headers are bad. */
int symmap_parse_elf(SymMap *m, const uint8_t *f, size_t len, char *err, size_t errlen);
/* The same from a file: ELF by its magic, else a System.map. */
int symmap_load(SymMap *m, const char *path, char *err, size_t errlen);
void symmap_free(SymMap *m);
/* The symbol at or below addr: its name and addr - its address, and the
 * distance to the next symbol in *size (0 for the last); NULL if none. */
const char *symmap_lookup(const SymMap *m, uint32_t addr, uint32_t *off, uint32_t *size);
/* "name+0xoff/0xsize" (or "name" when long is 0 and off is 0, or the
 * hex address without a symbol) into buf; returns buf. */
char *symmap_format(const SymMap *m, uint32_t addr, int with_offset, char *buf, size_t len);
#endif
