#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
/* The code buffer of the native back end (codebuf.h). */
#include "native/codebuf.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Host calls to the handlers are direct (rel32) when the buffer lies
 * within 2 GiB of the library's code: ask for a place near it. */
static void *near_code(void)
{
    uintptr_t here = (uintptr_t)&codebuf_new;
    return (void *)((here - ((uintptr_t)1 << 30)) & ~(uintptr_t)0xfffff);
}

CodeBuf *codebuf_new(size_t size)
{
    CodeBuf *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    void *p = mmap(near_code(), size, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
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
    size_t lo = page_down(from), hi = page_up(to);
    return mprotect(b->base + lo, hi - lo, prot);
}

uint8_t *codebuf_begin(CodeBuf *b, size_t len)
{
    size_t at = (b->used + 15) & ~(size_t)15;
    if (at + len > b->size || protect(b, at, at + len, PROT_READ | PROT_WRITE) != 0)
        return NULL;
    b->used = at;
    return b->base + at;
}

int codebuf_commit(CodeBuf *b, uint8_t *start, size_t len)
{
    size_t at = (size_t)(start - b->base);
    b->used = at + len;
    /* pages of the window past the block stay writable and hold no code
     * yet: the next block's window opens them again */
    return protect(b, at, b->used, PROT_READ | PROT_EXEC);
}

void codebuf_keep_prefix(CodeBuf *b) { b->keep = b->used; }
void codebuf_reset_later(CodeBuf *b) { b->reset_pending = 1; }

void codebuf_run_starts(CodeBuf *b)
{
    if (b->reset_pending) {
        b->used = b->keep;
        b->reset_pending = 0;
    }
}
