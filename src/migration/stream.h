/* The byte layer of the migration stream: a writer and a reader over a
 * file descriptor or memory, little-endian integers by explicit byte code
 * (any host, big-endian included), a running CRC-32 of every byte, and a
 * first-error-sticks message.  Neither calls exit() nor raises a signal:
 * a peer that goes away is an error return (sockets are written with
 * MSG_NOSIGNAL). */
#ifndef E386_MIGRATION_STREAM_H
#define E386_MIGRATION_STREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { MIG_BUF = 16384, MIG_ERR = 256 };

typedef struct MigWriter {
    int fd;              /* -1: memory (mem, grown as needed) */
    uint8_t *mem;
    size_t mem_len, mem_cap;
    size_t mem_off;      /* memory sink: bytes before it were taken (mig_writer_consume) */
    uint8_t buf[MIG_BUF];
    size_t len;
    uint32_t crc;        /* of every byte put so far */
    uint64_t bytes;      /* bytes put so far */
    bool failed;
    char err[MIG_ERR];
} MigWriter;

void mig_writer_init_fd(MigWriter *w, int fd);
void mig_writer_init_mem(MigWriter *w);
void mig_writer_free(MigWriter *w); /* the memory sink */
void mig_put(MigWriter *w, const void *p, size_t n);
void mig_put_u8(MigWriter *w, uint8_t v);
void mig_put_u16(MigWriter *w, uint16_t v);
void mig_put_u32(MigWriter *w, uint32_t v);
void mig_put_u64(MigWriter *w, uint64_t v);
/* Everything buffered to the fd: 0, or -1 with w->err. */
int mig_writer_flush(MigWriter *w);
/* The memory sink as a queue (live migration hands it to a socket piece
 * by piece): the bytes put and not taken yet, and taking n of them. */
size_t mig_writer_pending(MigWriter *w, const uint8_t **p);
void mig_writer_consume(MigWriter *w, size_t n);

typedef struct MigReader {
    int fd;              /* -1: memory */
    const uint8_t *mem;
    size_t mem_len;
    uint8_t buf[MIG_BUF];
    size_t pos, len;
    uint64_t offset;     /* bytes taken so far */
    uint32_t crc;        /* of every byte taken so far */
    bool failed;
    char err[MIG_ERR];
} MigReader;

void mig_reader_init_fd(MigReader *r, int fd);
void mig_reader_init_mem(MigReader *r, const void *data, size_t len);
/* n bytes, or -1 (r->err: "truncated stream at byte N", a read error). */
int mig_get(MigReader *r, void *p, size_t n);
int mig_get_u8(MigReader *r, uint8_t *v);
int mig_get_u16(MigReader *r, uint16_t *v);
int mig_get_u32(MigReader *r, uint32_t *v);
int mig_get_u64(MigReader *r, uint64_t *v);
/* Record the first error (later ones keep it). */
void mig_reader_fail(MigReader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* 1 if the stream has no byte left (reads ahead; memory or fd). */
int mig_reader_at_eof(MigReader *r);

static inline void mig_le_put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t mig_le_get(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}
#endif
