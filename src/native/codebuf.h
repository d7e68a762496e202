/* The native back end's code buffer: one mapping per CPU, never writable
 * and executable at once.  Blocks are written into an open window of
 * writable pages and become executable when the window is sealed (one
 * mprotect for many blocks: one per block cost more than the blocks
 * saved); until then their blocks stay interpreted.  A flush of the
 * translation cache empties the buffer, but only when the next run
 * starts, so that code a running chain may still return into is never
 * overwritten (docs/architecture.md "Native back end"). */
#ifndef E386_NATIVE_CODEBUF_H
#define E386_NATIVE_CODEBUF_H
#include <stddef.h>
#include <stdint.h>

typedef struct CodeBuf {
    uint8_t *base;
    size_t size;      /* bytes mapped */
    size_t keep;      /* bytes a reset keeps (the shared entry and exit), sealed */
    size_t used;
    size_t sealed;    /* [0, sealed) is executable */
    size_t win_end;   /* [sealed, win_end) is the open window, writable */
    int reset_pending;
} CodeBuf;

CodeBuf *codebuf_new(size_t size); /* NULL: the host refused the mapping */
void codebuf_free(CodeBuf *b);
/* room for len bytes in the open window (sealing the last one if it is
 * full): NULL if the buffer is full (blocks stay interpreted until the
 * next flush) */
uint8_t *codebuf_begin(CodeBuf *b, size_t len);
void codebuf_commit(CodeBuf *b, uint8_t *start, size_t len); /* the block's bytes */
int codebuf_seal(CodeBuf *b);               /* the window's blocks executable; 0 or -1 */
void codebuf_keep_prefix(CodeBuf *b);       /* seal; what is in it now survives resets */
void codebuf_reset_later(CodeBuf *b);       /* a flush: forget the blocks at the next run */
void codebuf_run_starts(CodeBuf *b);        /* no native frame is live: apply a pending reset */
#endif
