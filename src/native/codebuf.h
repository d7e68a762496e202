/* The native back end's code buffer: one mapping per CPU.  Blocks are
 * written into an open window and run once the window is sealed; until
 * then their blocks stay interpreted (and their direct jumps may still be
 * set: branch.c).  Where the host allows pages both writable and
 * executable, sealing is bookkeeping only; else (wx) the window's pages
 * are writable only and a seal makes them executable (one mprotect for
 * many blocks: one per block cost more than the blocks saved).  A flush of the
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
    int wx;           /* never writable and executable at once: mprotect at each seal */
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
