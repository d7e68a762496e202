/* Buffered, checksummed byte I/O for the migration stream (stream.h). */
#define _POSIX_C_SOURCE 200809L
#include "migration/stream.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "migration/crc32.h"

void mig_writer_init_fd(MigWriter *w, int fd)
{
    memset(w, 0, sizeof *w);
    w->fd = fd;
}

void mig_writer_init_mem(MigWriter *w)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
}

void mig_writer_free(MigWriter *w)
{
    free(w->mem);
    w->mem = NULL;
    w->mem_len = w->mem_cap = w->mem_off = 0;
}

static void w_fail(MigWriter *w, const char *what, int e)
{
    if (!w->failed)
        snprintf(w->err, sizeof w->err, "%s: %s", what, strerror(e));
    w->failed = true;
}

/* One write, as a socket (never SIGPIPE) or as anything else. */
static ssize_t write_some(int fd, const uint8_t *p, size_t n)
{
#ifdef MSG_NOSIGNAL
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k >= 0 || errno != ENOTSOCK)
        return k;
#endif
    return write(fd, p, n);
}

static void drain(MigWriter *w)
{
    if (w->failed || !w->len)
        return;
    if (w->fd < 0) {
        if (w->mem_len + w->len > w->mem_cap) {
            size_t cap = w->mem_cap ? w->mem_cap : 65536;
            while (cap < w->mem_len + w->len)
                cap *= 2;
            uint8_t *m = realloc(w->mem, cap);
            if (!m) {
                w_fail(w, "migration buffer", ENOMEM);
                return;
            }
            w->mem = m;
            w->mem_cap = cap;
        }
        memcpy(w->mem + w->mem_len, w->buf, w->len);
        w->mem_len += w->len;
        w->len = 0;
        return;
    }
    size_t off = 0;
    while (off < w->len) {
        ssize_t k = write_some(w->fd, w->buf + off, w->len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            w_fail(w, "writing the migration stream", k < 0 ? errno : EIO);
            return;
        }
        off += (size_t)k;
    }
    w->len = 0;
}

void mig_put(MigWriter *w, const void *p, size_t n)
{
    const uint8_t *s = p;
    w->crc = mig_crc32(w->crc, s, n);
    w->bytes += n;
    while (n && !w->failed) {
        size_t k = MIG_BUF - w->len < n ? MIG_BUF - w->len : n;
        memcpy(w->buf + w->len, s, k);
        w->len += k;
        s += k;
        n -= k;
        if (w->len == MIG_BUF)
            drain(w);
    }
}

void mig_put_u8(MigWriter *w, uint8_t v) { mig_put(w, &v, 1); }
void mig_put_u16(MigWriter *w, uint16_t v) { uint8_t b[2]; mig_le_put(b, v, 2); mig_put(w, b, 2); }
void mig_put_u32(MigWriter *w, uint32_t v) { uint8_t b[4]; mig_le_put(b, v, 4); mig_put(w, b, 4); }
void mig_put_u64(MigWriter *w, uint64_t v) { uint8_t b[8]; mig_le_put(b, v, 8); mig_put(w, b, 8); }

int mig_writer_flush(MigWriter *w)
{
    drain(w);
    return w->failed ? -1 : 0;
}

size_t mig_writer_pending(MigWriter *w, const uint8_t **p)
{
    drain(w);
    *p = w->mem ? w->mem + w->mem_off : NULL;
    return w->mem_len - w->mem_off;
}

void mig_writer_consume(MigWriter *w, size_t n)
{
    w->mem_off += n < w->mem_len - w->mem_off ? n : w->mem_len - w->mem_off;
    if (w->mem_off == w->mem_len) {
        w->mem_off = w->mem_len = 0;
    } else if (w->mem_off > w->mem_cap / 2) { /* keep the queue from creeping up the buffer */
        memmove(w->mem, w->mem + w->mem_off, w->mem_len - w->mem_off);
        w->mem_len -= w->mem_off;
        w->mem_off = 0;
    }
}

void mig_reader_init_fd(MigReader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

void mig_reader_init_mem(MigReader *r, const void *data, size_t len)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->mem = data;
    r->mem_len = len;
}

void mig_reader_fail(MigReader *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
    }
    r->failed = true;
}

/* More bytes into buf: 1, 0 at the end of the stream, -1 on an error. */
static int refill(MigReader *r)
{
    if (r->fd < 0)
        return 0; /* memory: everything is there already */
    for (;;) {
        ssize_t k = read(r->fd, r->buf, sizeof r->buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            mig_reader_fail(r, "reading the migration stream at byte %llu: %s",
                            (unsigned long long)r->offset, strerror(errno));
            return -1;
        }
        r->pos = 0;
        r->len = (size_t)k;
        return k > 0;
    }
}

int mig_get(MigReader *r, void *p, size_t n)
{
    uint8_t *d = p;
    if (r->failed)
        return -1;
    if (r->fd < 0) {
        size_t left = r->mem_len - (size_t)r->offset;
        if (n > left) {
            mig_reader_fail(r, "truncated stream: it ends at byte %zu, %zu more bytes expected",
                            r->mem_len, n - left);
            return -1;
        }
        memcpy(d, r->mem + r->offset, n);
    } else {
        size_t got = 0;
        while (got < n) {
            if (r->pos == r->len) {
                int k = refill(r);
                if (k < 0)
                    return -1;
                if (k == 0) {
                    mig_reader_fail(r, "truncated stream: it ends at byte %llu, %zu more bytes expected",
                                    (unsigned long long)(r->offset + got), n - got);
                    return -1;
                }
            }
            size_t k = r->len - r->pos < n - got ? r->len - r->pos : n - got;
            memcpy(d + got, r->buf + r->pos, k);
            r->pos += k;
            got += k;
        }
    }
    r->crc = mig_crc32(r->crc, d, n);
    r->offset += n;
    return 0;
}

int mig_get_u8(MigReader *r, uint8_t *v) { return mig_get(r, v, 1); }

int mig_get_u16(MigReader *r, uint16_t *v)
{
    uint8_t b[2];
    if (mig_get(r, b, 2) < 0)
        return -1;
    *v = (uint16_t)mig_le_get(b, 2);
    return 0;
}

int mig_get_u32(MigReader *r, uint32_t *v)
{
    uint8_t b[4];
    if (mig_get(r, b, 4) < 0)
        return -1;
    *v = (uint32_t)mig_le_get(b, 4);
    return 0;
}

int mig_get_u64(MigReader *r, uint64_t *v)
{
    uint8_t b[8];
    if (mig_get(r, b, 8) < 0)
        return -1;
    *v = mig_le_get(b, 8);
    return 0;
}

int mig_reader_at_eof(MigReader *r)
{
    if (r->fd < 0)
        return r->offset == r->mem_len;
    if (r->pos < r->len)
        return 0;
    return refill(r) == 0 ? 1 : 0;
}
