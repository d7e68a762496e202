/* Guest iovecs and the bounce-buffer I/O path shared by read/write,
 * pread64/pwrite64, readv/writev, preadv/pwritev(2) and the socket calls.
 * Guest memory is copied, never aliased: writes go through
 * e386_mem_write so self-modifying-code tracking sees them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "user/syscall.h"

/* One host call moves at most this much: a read returns short beyond it
 * (allowed for any read), a write loops. */
enum { VIO_CHUNK = 16 << 20 };

int32_t user_iov_import(UserProc *p, uint32_t addr, uint32_t cnt, GuestIov **out, uint32_t *total)
{
    *out = NULL;
    *total = 0;
    if (cnt > USER_UIO_MAXIOV)
        return -EINVAL;
    if (cnt == 0)
        return 0;
    uint8_t *raw = malloc((size_t)cnt * 8);
    GuestIov *v = malloc((size_t)cnt * sizeof *v);
    if (!raw || !v) {
        free(raw);
        free(v);
        return -ENOMEM;
    }
    int32_t err = g_read(p, addr, raw, (size_t)cnt * 8) ? -EFAULT : 0;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < cnt && !err; i++) {
        v[i].base = (uint32_t)get_le(raw + 8 * i, 4);
        v[i].len = (uint32_t)get_le(raw + 8 * i + 4, 4);
        if (v[i].len > INT32_MAX) { /* a negative ssize_t */
            err = -EINVAL;
            break;
        }
        if (v[i].len > USER_MAX_RW - sum) /* the rest is silently cut */
            v[i].len = USER_MAX_RW - sum;
        if ((uint64_t)v[i].base + v[i].len > 0xffffe000u) /* access_ok: TASK_SIZE */
            err = -EFAULT;
        sum += v[i].len;
    }
    free(raw);
    if (err) {
        free(v);
        return err;
    }
    *out = v;
    *total = sum;
    return 0;
}

int32_t user_iov_writable(UserProc *p, const GuestIov *v, uint32_t cnt, uint32_t len)
{
    for (uint32_t i = 0; i < cnt && len; i++) {
        uint32_t n = v[i].len < len ? v[i].len : len;
        if (n && g_writable(p, v[i].base, n))
            return -EFAULT;
        len -= n;
    }
    return 0;
}

static int32_t iov_copy(UserProc *p, const GuestIov *v, uint32_t cnt, uint8_t *buf, uint32_t skip,
                        uint32_t len, int to_guest)
{
    for (uint32_t i = 0; i < cnt && len; i++) {
        if (skip >= v[i].len) {
            skip -= v[i].len;
            continue;
        }
        uint32_t n = v[i].len - skip < len ? v[i].len - skip : len;
        int r = to_guest ? g_write(p, v[i].base + skip, buf, n) : g_read(p, v[i].base + skip, buf, n);
        if (r)
            return -EFAULT;
        buf += n;
        len -= n;
        skip = 0;
    }
    return 0;
}

int32_t user_iov_gather(UserProc *p, const GuestIov *v, uint32_t cnt, uint8_t *buf, uint32_t len)
{
    return iov_copy(p, v, cnt, buf, 0, len, 0);
}

int32_t user_iov_scatter(UserProc *p, const GuestIov *v, uint32_t cnt, const uint8_t *buf, uint32_t len)
{
    return iov_copy(p, v, cnt, (uint8_t *)buf, 0, len, 1);
}

int32_t user_fd_mode_check(int fd, int write_)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -EBADF;
#ifdef O_PATH
    if (fl & O_PATH)
        return -EBADF;
#endif
    int acc = fl & O_ACCMODE;
    if (write_ ? acc == O_RDONLY : acc == O_WRONLY)
        return -EBADF;
    return 0;
}

static ssize_t host_xfer(int fd, uint8_t *buf, size_t n, int write_, int has_off, int64_t off, int rwf)
{
    struct iovec iov = { buf, n };
    if (rwf)
        return write_ ? pwritev2(fd, &iov, 1, has_off ? off : -1, rwf)
                      : preadv2(fd, &iov, 1, has_off ? off : -1, rwf);
    if (has_off)
        return write_ ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
    return write_ ? write(fd, buf, n) : read(fd, buf, n);
}

/* eventfd and timerfd transfer a host-endian 64-bit counter, inotify
 * host-endian event headers; the guest's are little-endian.  On a
 * big-endian host those reads and writes are converted (the fd's kind
 * from /proc/self/fd: no state to keep).  0: no conversion, 1: a
 * counter, 2: inotify events. */
static int host_counter_fd(int fd)
{
    static const union { uint16_t u; uint8_t b[2]; } one = { 1 };
    if (one.b[0]) /* a little-endian host: the bytes already agree */
        return 0;
    char path[40], link[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
        return 0;
    link[n] = '\0';
    if (!strcmp(link, "anon_inode:[eventfd]") || !strcmp(link, "anon_inode:[timerfd]"))
        return 1;
    return !strcmp(link, "anon_inode:inotify") ? 2 : 0;
}

/* struct inotify_event: wd, mask, cookie, len (then len bytes of name) */
static void inotify_host_to_le(uint8_t *b, size_t n)
{
    for (size_t off = 0; off + 16 <= n;) {
        uint32_t h[4];
        memcpy(h, b + off, 16);
        for (int i = 0; i < 4; i++)
            put_le(b + off + 4 * i, 4, h[i]);
        off += 16 + (size_t)h[3];
    }
}

static void counter_host_to_le(uint8_t b[8])
{
    uint64_t v;
    memcpy(&v, b, 8);
    put_le(b, 8, v);
}

static void counter_le_to_host(uint8_t b[8])
{
    uint64_t v = get_le(b, 8);
    memcpy(b, &v, 8);
}

int32_t user_vio(UserProc *p, int fd, const GuestIov *v, uint32_t cnt, uint32_t total, int write_,
                 int has_off, int64_t off, int rwf)
{
    /* a bad buffer must not consume input: Linux leaves it queued too */
    if (!write_ && user_iov_writable(p, v, cnt, total))
        return -EFAULT;
    size_t cap = total < VIO_CHUNK ? (total ? total : 1) : VIO_CHUNK;
    uint8_t *tmp = malloc(cap);
    if (!tmp)
        return -ENOMEM;
    /* only regular files are read in several host calls: a second read
     * of a pipe or socket could block with data already in hand */
    struct stat st;
    int loop_reads = total > VIO_CHUNK && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    uint32_t done = 0;
    int32_t ret = 0;
    do {
        uint32_t n = total - done < cap ? total - done : (uint32_t)cap;
        ssize_t r;
        if (write_ && iov_copy(p, v, cnt, tmp, done, n, 0) != 0) {
            r = -1;
            errno = EFAULT;
        } else {
            int kind = n >= 8 && done == 0 ? host_counter_fd(fd) : 0;
            if (kind == 1 && write_)
                counter_le_to_host(tmp);
            USER_BLOCKING(p, r, host_xfer(fd, tmp, n, write_, has_off, off + done, rwf));
            if (kind == 1 && !write_ && r == 8)
                counter_host_to_le(tmp);
            if (kind == 2 && !write_ && r > 0)
                inotify_host_to_le(tmp, (size_t)r);
            if (r > 0 && !write_ && iov_copy(p, v, cnt, tmp, done, (uint32_t)r, 1)) {
                r = -1;
                errno = EFAULT;
            }
        }
        if (r < 0) {
            ret = done ? (int32_t)done : host_err();
            break;
        }
        done += (uint32_t)r;
        ret = (int32_t)done;
        if ((uint32_t)r < n || (!write_ && !loop_reads))
            break;
    } while (done < total);
    free(tmp);
    return ret;
}
