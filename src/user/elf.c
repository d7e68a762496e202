/* ELF32 i386 loader: validate everything, then map PT_LOAD segments. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/cpu.h"
#include "user/user.h"

enum { PT_LOAD_ = 1, PT_INTERP_ = 3, PT_PHDR_ = 6, ET_EXEC_ = 2, ET_DYN_ = 3, EM_386_ = 3 };
enum { MAX_ELF = 256u << 20 };

void put_le(uint8_t *b, int size, uint64_t v)
{
    for (int i = 0; i < size; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

uint64_t get_le(const uint8_t *b, int size)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

#define U16(o) ((uint32_t)get_le(buf + (o), 2))
#define U32(o) ((uint32_t)get_le(buf + (o), 4))

typedef struct Phdr { uint32_t type, offset, vaddr, filesz, memsz, flags, align; } Phdr;

static int fail(char *err, size_t n, const char *msg)
{
    snprintf(err, n, "%s", msg);
    return -1;
}

static int seg_prot(uint32_t pf)
{
    return (pf & 4 ? E386_PROT_READ : 0) | (pf & 2 ? E386_PROT_WRITE : 0) | (pf & 1 ? E386_PROT_EXEC : 0);
}

static int parse_phdrs(const uint8_t *buf, size_t len, Phdr *ph, uint32_t *phnum_out,
                       ElfImage *img, int *is_dyn, char *err, size_t errlen)
{
    if (len < 52)
        return fail(err, errlen, "file too short for an ELF header");
    if (memcmp(buf, "\177ELF", 4) != 0)
        return fail(err, errlen, "not an ELF file");
    if (buf[4] != 1)
        return fail(err, errlen, "not a 32-bit ELF file");
    if (buf[5] != 1)
        return fail(err, errlen, "not a little-endian ELF file");
    if (buf[6] != 1)
        return fail(err, errlen, "unsupported ELF version");
    uint32_t type = U16(16), machine = U16(18);
    if (machine != EM_386_) {
        snprintf(err, errlen, "not an i386 ELF executable (e_machine %u)", machine);
        return -1;
    }
    if (type != ET_EXEC_ && type != ET_DYN_)
        return fail(err, errlen, "not an executable or shared object (e_type)");
    uint32_t phoff = U32(28), phentsize = U16(42), phnum = U16(44);
    if (phentsize != 32)
        return fail(err, errlen, "bad program header entry size");
    if (phnum == 0 || phnum > 128)
        return fail(err, errlen, "bad number of program headers");
    if (phoff > len || (uint64_t)phnum * 32 > len - phoff)
        return fail(err, errlen, "program headers lie outside the file");
    uint64_t lo = UINT64_MAX, hi = 0;
    int nload = 0;
    img->interp[0] = 0;
    img->phdr = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *p = buf + phoff + 32 * i;
        Phdr h = { (uint32_t)get_le(p, 4), (uint32_t)get_le(p + 4, 4), (uint32_t)get_le(p + 8, 4),
                   (uint32_t)get_le(p + 16, 4), (uint32_t)get_le(p + 20, 4),
                   (uint32_t)get_le(p + 24, 4), (uint32_t)get_le(p + 28, 4) };
        ph[i] = h;
        if (h.type == PT_LOAD_) {
            if (h.filesz > h.memsz)
                return fail(err, errlen, "segment file size exceeds its memory size");
            if ((uint64_t)h.offset + h.filesz > len)
                return fail(err, errlen, "segment data lies outside the file");
            if ((h.vaddr & 0xfff) != (h.offset & 0xfff))
                return fail(err, errlen, "segment address and file offset are not congruent");
            if ((uint64_t)h.vaddr + h.memsz > USER_STACK_TOP - USER_STACK_SIZE)
                return fail(err, errlen, "segment reaches into the stack or kernel area");
            if (h.vaddr < lo) lo = h.vaddr & ~0xfffu;
            if ((uint64_t)h.vaddr + h.memsz > hi) hi = (uint64_t)h.vaddr + h.memsz;
            if (h.offset == 0 || (phoff >= h.offset && phoff - h.offset < h.filesz))
                if (!img->phdr) img->phdr = h.vaddr + (phoff - h.offset);
            nload++;
        } else if (h.type == PT_INTERP_) {
            if (h.filesz < 2 || h.filesz >= sizeof img->interp || (uint64_t)h.offset + h.filesz > len)
                return fail(err, errlen, "bad PT_INTERP");
            if (buf[h.offset + h.filesz - 1] != 0) /* load_elf_binary(): ENOEXEC */
                return fail(err, errlen, "PT_INTERP is not NUL-terminated");
            memcpy(img->interp, buf + h.offset, h.filesz);
        } else if (h.type == PT_PHDR_) {
            img->phdr = h.vaddr;
        }
    }
    if (nload == 0)
        return fail(err, errlen, "no loadable segments");
    img->lo = (uint32_t)lo;
    img->hi = (uint32_t)((hi + 0xfff) & ~(uint64_t)0xfff);
    img->entry = U32(24);
    img->phnum = phnum;
    img->phent = 32;
    *phnum_out = phnum;
    *is_dyn = type == ET_DYN_;
    return 0;
}

static uint64_t seg_lo(const Phdr *h, uint32_t bias) { return (h->vaddr + bias) & ~0xfffu; }
static uint64_t seg_hi(const Phdr *h, uint32_t bias)
{
    return ((uint64_t)h->vaddr + bias + h->memsz + 0xfff) & ~(uint64_t)0xfff;
}

/* Map the unmapped runs of [lo, hi): one mapping per run, with the tag
 * (a segment's file pages stay apart from other mappings, as Linux keeps
 * a file's; the rest is anonymous, like Linux's .bss). */
static int map_runs(E386Cpu *cpu, uint64_t lo, uint64_t hi, uint32_t tag)
{
    Vma v;
    while (lo < hi) {
        if (vma_at(&cpu->mem.vmas, lo, &v)) { /* mapped already: skip the range */
            lo = v.end;
            continue;
        }
        uint64_t end = vma_from(&cpu->mem.vmas, lo, &v) && v.start < hi ? v.start : hi;
        if (mem_map_tagged(cpu, (uint32_t)lo, (uint32_t)(end - lo), E386_PROT_READ | E386_PROT_WRITE, tag) != 0)
            return -1;
        lo = end;
    }
    return 0;
}

/* Map every PT_LOAD at bias.  Pages shared by two segments keep the
 * contents of both and the union of their rights.  The work is per
 * segment, not per page: a 1 GiB .bss is one mapping. */
static int map_segments(E386Cpu *cpu, const uint8_t *buf, const Phdr *ph, uint32_t phnum,
                        uint32_t bias, ElfImage *img, char *err, size_t errlen)
{
    uint64_t cut[256];
    uint32_t ncut = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const Phdr *h = &ph[i];
        if (h->type != PT_LOAD_ || h->memsz == 0)
            continue;
        uint64_t lo = seg_lo(h, bias), hi = seg_hi(h, bias);
        uint64_t file_hi = ((uint64_t)h->vaddr + bias + h->filesz + 0xfff) & ~(uint64_t)0xfff;
        uint32_t tag = vma_new_tag(&cpu->mem.vmas);
        if (file_hi > lo && map_runs(cpu, lo, file_hi, tag) != 0)
            return fail(err, errlen, "out of memory mapping a segment");
        if (file_hi > lo && img->nseg < ELF_NAMED) {
            img->seg_tag[img->nseg] = tag;
            img->seg_start[img->nseg] = (uint32_t)lo;
            img->seg_off[img->nseg++] = h->offset & ~0xfffu;
        }
        if (map_runs(cpu, file_hi > lo ? file_hi : lo, hi, VMA_TAG_ANON) != 0)
            return fail(err, errlen, "out of memory mapping a segment");
        if (h->filesz && e386_mem_write(cpu, h->vaddr + bias, buf + h->offset, h->filesz) != 0)
            return fail(err, errlen, "cannot write segment");
        cut[ncut++] = lo;
        cut[ncut++] = hi;
    }
    /* final rights, after all copies: between two consecutive segment
     * edges the set of segments covering a page is the same, so each
     * piece gets the union of its segments' rights in one call */
    for (uint32_t i = 1; i < ncut; i++) /* insertion sort: at most 256 edges */
        for (uint32_t j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
            uint64_t t = cut[j];
            cut[j] = cut[j - 1];
            cut[j - 1] = t;
        }
    for (uint32_t k = 0; k + 1 < ncut; k++) {
        uint64_t a = cut[k], b = cut[k + 1];
        int prot = 0, covered = 0;
        for (uint32_t i = 0; a < b && i < phnum; i++) {
            const Phdr *h = &ph[i];
            if (h->type == PT_LOAD_ && h->memsz && seg_lo(h, bias) <= a && a < seg_hi(h, bias)) {
                prot |= seg_prot(h->flags);
                covered = 1;
            }
        }
        if (covered)
            e386_mem_protect(cpu, (uint32_t)a, (uint32_t)(b - a), prot);
    }
    return 0;
}

int elf_load_buffer(E386Cpu *cpu, const uint8_t *buf, size_t len, int is_interp,
                    ElfImage *img, char *err, size_t errlen)
{
    Phdr ph[128];
    uint32_t phnum;
    int dyn;
    uint32_t want = img->bias; /* for ET_DYN: where the caller wants it */
    if (parse_phdrs(buf, len, ph, &phnum, img, &dyn, err, errlen) != 0)
        return -1;
    if (is_interp && img->interp[0])
        img->interp[0] = 0; /* the loader itself needs no loader */
    uint32_t bias = dyn ? want - img->lo : 0;
    if (dyn && (uint64_t)want + (img->hi - img->lo) > USER_STACK_TOP - USER_STACK_SIZE)
        return fail(err, errlen, "no room for the image");
    img->nseg = 0;
    if (map_segments(cpu, buf, ph, phnum, bias, img, err, errlen) != 0)
        return -1;
    img->bias = bias;
    img->entry += bias;
    img->phdr += bias;
    img->lo += bias;
    img->hi += bias;
    return 0;
}

int elf_probe(const uint8_t *buf, size_t len, ElfImage *img, int *dyn, char *err, size_t errlen)
{
    Phdr ph[128];
    uint32_t phnum;
    return parse_phdrs(buf, len, ph, &phnum, img, dyn, err, errlen);
}

int elf_load_file(UserProc *p, const char *path, int is_interp, ElfImage *img,
                  char *err, size_t errlen)
{
    char full[4096];
    const char *open_path = path;
    if (p->sysroot && path[0] == '/') {
        snprintf(full, sizeof full, "%s%s", p->sysroot, path);
        if (access(full, R_OK) == 0)
            open_path = full;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; anything
     * but a regular file is refused below (Linux: EACCES) */
    int fd = open(open_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_ELF) {
        close(fd);
        snprintf(err, errlen, "%s: not a regular file of a plausible size", path);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf && got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (!buf || got != len) {
        close(fd);
        free(buf);
        snprintf(err, errlen, "%s: read error", path);
        return -1;
    }
    int dyn = 0;
    ElfImage probe;
    int rc = elf_probe(buf, len, &probe, &dyn, err, errlen);
    if (rc == 0) {
        img->bias = 0;
        if (dyn) {
            uint32_t span = probe.hi - probe.lo;
            uint32_t base = is_interp ? 0 : 0x56555000u;
            if (!base || e386_mem_is_mapped(p->cpu, base))
                base = user_find_free(p, span);
            if (!base) {
                close(fd);
                free(buf);
                return fail(err, errlen, "no address space left for the image");
            }
            img->bias = base;
        }
        rc = elf_load_buffer(p->cpu, buf, len, is_interp, img, err, errlen);
    }
    for (uint32_t i = 0; rc == 0 && i < img->nseg; i++) /* /proc/self/maps names them */
        user_name_mapping(p, img->seg_tag[i], img->seg_start[i], img->seg_off[i], fd, USER_MAP_COPY);
    close(fd);
    free(buf);
    return rc;
}
