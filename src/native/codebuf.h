/* The native back end's code buffer: one mapping per CPU, never writable
 * and executable at once (a block's pages are made writable while it is
 * written, executable again after).  Blocks are appended; a flush of the
 * translation cache empties it, but only when the next run starts, so
 * that code a running chain may still return into is never overwritten
 * (docs/architecture.md "Native back end"). */
#ifndef E386_NATIVE_CODEBUF_H
#define E386_NATIVE_CODEBUF_H
#include <stddef.h>
#include <stdint.h>

typedef struct CodeBuf {
    uint8_t *base;
    size_t size;      /* bytes mapped */
    size_t keep;      /* bytes a reset keeps (the shared entry and exit) */
    size_t used;
    int reset_pending;
} CodeBuf;

CodeBuf *codebuf_new(size_t size); /* NULL: the host refused the mapping */
void codebuf_free(CodeBuf *b);
/* room for len bytes, made writable: NULL if full (the block stays
 * interpreted until the next flush) */
uint8_t *codebuf_begin(CodeBuf *b, size_t len);
/* the first len bytes from codebuf_begin are the block: executable now */
int codebuf_commit(CodeBuf *b, uint8_t *start, size_t len);
void codebuf_keep_prefix(CodeBuf *b);        /* what is in it now survives resets */
void codebuf_reset_later(CodeBuf *b);        /* a flush: forget the blocks at the next run */
void codebuf_run_starts(CodeBuf *b);         /* no native frame is live: apply a pending reset */
#endif
