#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
/* The code buffer of the native back end (codebuf.h). */
#include "native/codebuf.h"
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Host calls to the handlers are direct (rel32) when the buffer lies
 * within 2 GiB of the library's code: ask for a place near it. */
static void *near_code(void)
{
    uintptr_t here = (uintptr_t)&codebuf_new;
    return (void *)((here - ((uintptr_t)1 << 30)) & ~(uintptr_t)0xfffff);
}

/* Writable and executable at once unless the host refuses such pages
 * (SELinux execmem, PaX) or E386_NATIVE_WX=1 asks for W^X: then sealed
 * windows, each seal an mprotect pair (a quarter of CPython's CPU time
 * went to them and to the page faults after them: docs/performance.md
 * "The code buffer without mprotect"). */
CodeBuf *codebuf_new(size_t size)
{
    CodeBuf *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    const char *env = getenv("E386_NATIVE_WX");
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
    void *p = MAP_FAILED;
    if (!(env && strcmp(env, "1") == 0))
        p = mmap(near_code(), size, PROT_READ | PROT_WRITE | PROT_EXEC, flags, -1, 0);
    b->wx = p == MAP_FAILED;
    if (b->wx)
        p = mmap(near_code(), size, PROT_READ | PROT_EXEC, flags, -1, 0);
    if (p == MAP_FAILED) {
        free(b);
        return NULL;
    }
    b->base = p;
    b->size = size;
    return b;
}

void codebuf_free(CodeBuf *b)
{
    if (!b)
        return;
    munmap(b->base, b->size);
    free(b);
}

static size_t page_down(size_t off) { return off & ~(size_t)4095; }
static size_t page_up(size_t off) { return (off + 4095) & ~(size_t)4095; }

static int protect(CodeBuf *b, size_t from, size_t to, int prot)
{
    if (!b->wx)
        return 0; /* always both */
    size_t lo = page_down(from), hi = page_up(to);
    return mprotect(b->base + lo, hi - lo, prot);
}

enum { WINDOW = 64 << 10 }; /* bytes made writable at once */

/* A block starts 16-byte aligned: its op table (translate.c) is read as
 * uint32_t, and so is its entry.  The used end is aligned only where a
 * seal rounded it to a page (W^X). */
static size_t align16(size_t off) { return (off + 15) & ~(size_t)15; }

uint8_t *codebuf_begin(CodeBuf *b, size_t len)
{
    size_t at = align16(b->used);
    if (at + len > b->win_end) {
        if (codebuf_seal(b) != 0)
            return NULL;
        at = align16(b->used);
        size_t end = at + (len > WINDOW ? page_up(len) : WINDOW);
        if (end > b->size || protect(b, at, end, PROT_READ | PROT_WRITE) != 0)
            return NULL;
        b->win_end = end;
    }
    return b->base + at;
}

void codebuf_commit(CodeBuf *b, uint8_t *start, size_t len)
{
    b->used = (size_t)(start - b->base) + len;
}

int codebuf_seal(CodeBuf *b)
{
    if (b->win_end > b->sealed && protect(b, b->sealed, b->win_end, PROT_READ | PROT_EXEC) != 0)
        return -1;
    /* under W^X the next window starts on a page of its own */
    b->used = b->sealed = b->win_end = b->wx ? page_up(b->used) : b->used;
    return 0;
}

void codebuf_keep_prefix(CodeBuf *b)
{
    codebuf_seal(b);
    b->keep = b->used;
}

void codebuf_reset_later(CodeBuf *b) { b->reset_pending = 1; }

void codebuf_run_starts(CodeBuf *b)
{
    if (b->reset_pending) {
        codebuf_seal(b); /* no page stays writable */
        b->used = b->sealed = b->win_end = b->keep;
        b->reset_pending = 0;
    }
}
