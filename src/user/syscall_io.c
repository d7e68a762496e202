/* Waiting and moving data: poll, ppoll, select, pselect6 (their signal
 * masks through user_sigmask_begin/end), the vectored
 * positional calls, sendfile, eventfd, memfd, fallocate, fadvise, sync. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "user/syscall.h"

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static uint32_t nofile_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur > 0x7fffffff)
        return 0x7fffffff;
    return (uint32_t)rl.rlim_cur;
}

/* Wait on host pollfds until deadline (ns on CLOCK_MONOTONIC, -1: forever). */
static int host_wait(struct pollfd *fds, uint32_t n, int64_t deadline)
{
    if (deadline < 0)
        return ppoll(fds, n, NULL, NULL);
    int64_t left = deadline - now_ns();
    if (left < 0)
        left = 0;
    struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
    return ppoll(fds, n, &ts, NULL);
}

/* A guest timeout (timespec 32/64 or timeval 32) to an absolute deadline;
 * EINVAL for a negative or out-of-range value, as timespec64_valid says. */
enum { TMO_TS32, TMO_TS64, TMO_TV32 };
static int32_t read_timeout(UserProc *p, uint32_t addr, int kind, int64_t *deadline)
{
    *deadline = -1;
    if (!addr)
        return 0;
    int64_t sec, nsec;
    if (kind == TMO_TV32) {
        uint8_t b[8];
        if (g_read(p, addr, b, 8))
            return -EFAULT;
        int64_t usec = (int32_t)get_le(b + 4, 4);
        sec = (int32_t)get_le(b, 4) + usec / 1000000; /* select normalises the usec */
        nsec = (usec % 1000000) * 1000;
    } else {
        struct timespec ts;
        if (user_get_timespec(p, addr, &ts, kind == TMO_TS64))
            return -EFAULT;
        sec = ts.tv_sec;
        nsec = ts.tv_nsec;
    }
    if (sec < 0 || nsec < 0 || nsec >= 1000000000)
        return -EINVAL;
    if (sec > INT64_MAX / 2000000000) /* effectively forever */
        return 0;
    *deadline = now_ns() + sec * 1000000000 + nsec;
    return 0;
}

/* Linux writes the time left back (errors ignored). */
static void write_timeout_left(UserProc *p, uint32_t addr, int kind, int64_t deadline)
{
    if (!addr || deadline < 0)
        return;
    int64_t left = deadline - now_ns();
    if (left < 0)
        left = 0;
    if (kind == TMO_TV32) {
        uint8_t b[8];
        put_le(b, 4, (uint32_t)(left / 1000000000));
        put_le(b + 4, 4, (uint32_t)(left % 1000000000 / 1000));
        g_write(p, addr, b, 8);
    } else {
        struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
        user_put_timespec(p, addr, &ts, kind == TMO_TS64);
    }
}

static int32_t do_poll(UserProc *p, uint32_t addr, uint32_t n, int64_t deadline)
{
    if (n > nofile_limit())
        return -EINVAL;
    struct pollfd *fds = malloc((n ? n : 1) * sizeof *fds);
    uint8_t *raw = malloc((size_t)(n ? n : 1) * 8);
    int32_t r = 0;
    if (!fds || !raw) {
        r = -ENOMEM;
        goto out;
    }
    if (n && g_read(p, addr, raw, (size_t)n * 8)) {
        r = -EFAULT;
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) {
        fds[i].fd = (int32_t)get_le(raw + 8 * i, 4);
        fds[i].events = (short)get_le(raw + 8 * i + 4, 2);
        fds[i].revents = 0;
    }
    user_sigfd_sync(p); /* signalfds: readable iff a signal of theirs is pending */
    USER_BLOCKING(p, r, host_wait(fds, n, deadline));
    if (r < 0) {
        r = host_err();
        goto out;
    }
    for (uint32_t i = 0; i < n; i++)
        put_le(raw + 8 * i + 6, 2, (uint16_t)fds[i].revents);
    if (n && g_write(p, addr, raw, (size_t)n * 8))
        r = -EFAULT;
out:
    free(fds);
    free(raw);
    return r;
}

/* select on host poll: no FD_SETSIZE limit, the fd_set bit layout read
 * byte by byte (bit i of the guest set is bit i%8 of byte i/8). */
static int32_t do_select(UserProc *p, uint32_t n, const uint32_t sets[3], int64_t deadline)
{
    if ((int32_t)n < 0)
        return -EINVAL;
    uint32_t lim = nofile_limit();
    if (n > lim)
        n = lim;
    size_t bytes = ((size_t)n + 31) / 32 * 4;
    uint8_t *in[3] = { NULL, NULL, NULL };
    struct pollfd *fds = NULL;
    int32_t r = 0;
    for (int k = 0; k < 3; k++) {
        if (!sets[k])
            continue;
        in[k] = calloc(bytes ? bytes : 1, 2); /* the second half: results */
        if (!in[k]) { r = -ENOMEM; goto out; }
        if (bytes && g_read(p, sets[k], in[k], bytes)) { r = -EFAULT; goto out; }
    }
    uint32_t cnt = 0;
    fds = malloc((n ? n : 1) * sizeof *fds);
    if (!fds) { r = -ENOMEM; goto out; }
    for (uint32_t fd = 0; fd < n; fd++) {
        short ev = 0;
        for (int k = 0; k < 3; k++)
            if (in[k] && (in[k][fd / 8] >> (fd % 8) & 1))
                ev |= k == 0 ? POLLIN : k == 1 ? POLLOUT : POLLPRI;
        if (ev)
            fds[cnt++] = (struct pollfd){ (int)fd, ev, 0 };
    }
    user_sigfd_sync(p); /* signalfds: readable iff a signal of theirs is pending */
    USER_BLOCKING(p, r, host_wait(fds, cnt, deadline));
    if (r < 0) { r = host_err(); goto out; }
    r = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        short re = fds[i].revents;
        if (re & POLLNVAL) { r = -EBADF; goto out; }
        int fd = fds[i].fd;
        int hit[3] = { !!(re & (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)),
                       !!(re & (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)), !!(re & POLLPRI) };
        for (int k = 0; k < 3; k++)
            if (in[k] && (in[k][fd / 8] >> (fd % 8) & 1) && hit[k]) {
                in[k][bytes + (size_t)fd / 8] |= (uint8_t)(1u << (fd % 8));
                r++;
            }
    }
    for (int k = 0; k < 3; k++)
        if (in[k] && bytes && g_write(p, sets[k], in[k] + bytes, bytes)) { r = -EFAULT; goto out; }
out:
    for (int k = 0; k < 3; k++)
        free(in[k]);
    free(fds);
    return r;
}

static int32_t do_pselect(UserProc *p, const uint32_t a[6], int kind)
{
    int64_t deadline;
    int32_t r = read_timeout(p, a[4], kind, &deadline);
    if (r)
        return r;
    uint64_t mask = 0;
    int has = 0;
    if (a[5]) { /* { const sigset_t *ss; size_t ss_len; } */
        uint32_t ss, len;
        if (g_get32(p, a[5], &ss) || g_get32(p, a[5] + 4, &len))
            return -EFAULT;
        if ((r = user_read_sigmask(p, ss, len, &mask, &has)))
            return r;
    }
    if (has && user_sigmask_begin(p, mask)) {
        user_sigmask_end(p, -EINTR);
        return -EINTR;
    }
    uint32_t sets[3] = { a[1], a[2], a[3] };
    r = do_select(p, a[0], sets, deadline);
    write_timeout_left(p, a[4], kind, deadline);
    if (has)
        user_sigmask_end(p, r);
    return r;
}

static int32_t do_sendfile(UserProc *p, int out, int in, uint32_t offp, uint32_t count, int off64)
{
    off_t off = 0;
    if (offp) {
        uint8_t b[8];
        if (g_read(p, offp, b, off64 ? 8 : 4))
            return -EFAULT;
        off = off64 ? (off_t)(int64_t)get_le(b, 8) : (off_t)(int32_t)get_le(b, 4);
    }
    /* blocks on a full socket or pipe: the turn must go to the reader */
    ssize_t n;
    USER_BLOCKING(p, n, sendfile(out, in, offp ? &off : NULL, count > USER_MAX_RW ? USER_MAX_RW : count));
    if (n < 0)
        return host_err();
    if (offp) {
        uint8_t b[8];
        put_le(b, off64 ? 8 : 4, (uint64_t)off);
        if (g_write(p, offp, b, off64 ? 8 : 4))
            return -EFAULT;
    }
    return (int32_t)n;
}

/* preadv/pwritev/preadv2/pwritev2: pos < 0 is EINVAL before the
 * descriptor is looked at (pos -1 in the v2 forms: the file position). */
static int32_t do_prwv(UserProc *p, const uint32_t a[6], int write_, int v2)
{
    int64_t pos = (int64_t)(a[3] | (uint64_t)a[4] << 32);
    int rwf = v2 ? (int)a[5] : 0;
    int has_off = !(v2 && pos == -1);
    if (has_off && pos < 0)
        return -EINVAL;
    GuestIov *v;
    uint32_t total;
    int32_t r = user_iov_import(p, a[1], a[2], &v, &total);
    if (r == 0 && !write_ && user_iov_writable(p, v, a[2], total))
        r = -EFAULT;
    if (r) {
        int32_t e = user_fd_mode_check((int)a[0], write_);
        free(v);
        return e ? e : r;
    }
    r = user_vio(p, (int)a[0], v, a[2], total, write_, has_off, pos, rwf);
    free(v);
    return r;
}

static int host_advice(uint32_t g)
{
    static const int map[] = { POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL,
                               POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    return g < 6 ? map[g] : -1;
}

int sys_io(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    int32_t r = 0;
    int64_t deadline;
    switch (nr) {
    case 168: /* poll */
        deadline = (int32_t)a[2] < 0 ? -1 : now_ns() + (int64_t)(int32_t)a[2] * 1000000;
        r = do_poll(p, a[0], a[1], deadline);
        break;
    case 309: case 414: { /* ppoll, ppoll_time64 */
        int kind = nr == 414 ? TMO_TS64 : TMO_TS32;
        uint64_t mask;
        int has;
        if ((r = read_timeout(p, a[2], kind, &deadline)) ||
            (r = user_read_sigmask(p, a[3], a[4], &mask, &has)))
            break;
        if (has && user_sigmask_begin(p, mask)) {
            user_sigmask_end(p, -EINTR);
            r = -EINTR;
            break;
        }
        r = do_poll(p, a[0], a[1], deadline);
        write_timeout_left(p, a[2], kind, deadline);
        if (has)
            user_sigmask_end(p, r);
        break;
    }
    case 142: { /* _newselect */
        if ((r = read_timeout(p, a[4], TMO_TV32, &deadline)))
            break;
        uint32_t sets[3] = { a[1], a[2], a[3] };
        r = do_select(p, a[0], sets, deadline);
        write_timeout_left(p, a[4], TMO_TV32, deadline);
        break;
    }
    case 82: { /* old select: one pointer to the five arguments */
        uint32_t v[6] = { 0 };
        for (int i = 0; i < 5; i++)
            if (g_get32(p, a[0] + 4 * (uint32_t)i, &v[i])) { r = -EFAULT; goto done; }
        if ((r = read_timeout(p, v[4], TMO_TV32, &deadline)))
            break;
        r = do_select(p, v[0], v + 1, deadline);
        write_timeout_left(p, v[4], TMO_TV32, deadline);
        break;
    }
    case 308: r = do_pselect(p, a, TMO_TS32); break;
    case 413: r = do_pselect(p, a, TMO_TS64); break;
    case 333: r = do_prwv(p, a, 0, 0); break;
    case 334: r = do_prwv(p, a, 1, 0); break;
    case 378: r = do_prwv(p, a, 0, 1); break;
    case 379: r = do_prwv(p, a, 1, 1); break;
    case 226: case 227: case 228: case 229: case 230: case 231: /* xattrs, splice, copy_file_range */
    case 232: case 233: case 234: case 235: case 236: case 237: case 313: case 377:
        sys_xattr(p, nr, a, &r);
        break;
    case 187: r = do_sendfile(p, (int)a[0], (int)a[1], a[2], a[3], 0); break;
    case 239: r = do_sendfile(p, (int)a[0], (int)a[1], a[2], a[3], 1); break;
    case 323: case 328: { /* eventfd, eventfd2 */
        uint32_t f = nr == 323 ? 0 : a[1];
        if (f & ~(02000000u | 04000u | 1u)) { r = -EINVAL; break; }
        int hf = (f & 02000000 ? EFD_CLOEXEC : 0) | (f & 04000 ? EFD_NONBLOCK : 0) | (f & 1 ? EFD_SEMAPHORE : 0);
        r = eventfd(a[0], hf);
        if (r < 0) r = host_err();
        break;
    }
    case 356: { /* memfd_create */
        char name[256];
        r = g_strdup(p, a[0], name, 250); /* NAME_MAX minus "memfd:"; the flag bits mean the same on every host */
        if (r) { r = r == -ENAMETOOLONG ? -EINVAL : r; break; }
        r = memfd_create(name, a[1]);
        if (r < 0) r = host_err();
        break;
    }
    case 324: /* fallocate(fd, mode, off lo, off hi, len lo, len hi) */
        r = fallocate((int)a[0], (int)a[1], (off_t)(int64_t)(a[2] | (uint64_t)a[3] << 32),
                      (off_t)(int64_t)(a[4] | (uint64_t)a[5] << 32)) ? host_err() : 0;
        break;
    case 250: case 272: { /* fadvise64(fd, off, len32, advice), fadvise64_64(fd, off, len64, advice) */
        int64_t off = (int64_t)(a[1] | (uint64_t)a[2] << 32);
        int64_t len = nr == 250 ? (int64_t)a[3] : (int64_t)(a[3] | (uint64_t)a[4] << 32);
        int adv = host_advice(nr == 250 ? a[4] : a[5]);
        r = -posix_fadvise((int)a[0], (off_t)off, (off_t)len, adv);
        break;
    }
    case 148: r = fdatasync((int)a[0]) ? host_err() : 0; break;
    case 36: sync(); break;
    case 344: r = syncfs((int)a[0]) ? host_err() : 0; break;
    case 143: { /* flock: LOCK_SH 1, LOCK_EX 2, LOCK_NB 4, LOCK_UN 8 everywhere */
        int fr;
        USER_BLOCKING(p, fr, flock((int)a[0], (int)a[1]));
        r = fr ? host_err() : 0;
        break;
    }
    default:
        return 0;
    }
done:
    *ret = r;
    return 1;
}
