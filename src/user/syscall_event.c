/* Event descriptors: epoll, timerfd and inotify, on the host's own
 * (signalfd is the emulator's: signalfd.c).
 * Only the structures cross the boundary: the i386 epoll_event is packed
 * (12 bytes: events, then the 64-bit data), the i386 itimerspec has
 * 32-bit or (time64 calls) 64-bit fields, and inotify events are
 * translated to little-endian on the way out (syscall_iov.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include "user/syscall.h"

enum {
    G_O_NONBLOCK = 04000, G_O_CLOEXEC = 02000000, /* i386 = generic */
    G_EPOLL_EVENT = 12,                           /* sizeof the packed i386 struct */
    EPOLL_HOST_BATCH = 1024,                      /* events taken from the host per call */
};

/* The NONBLOCK/CLOEXEC creation flags every *_create1/_init1 call takes;
 * -1 for any other bit (EINVAL, as the kernel's check). */
static int host_fd_flags(uint32_t g, int nonblock, int cloexec)
{
    if (g & ~(uint32_t)(G_O_NONBLOCK | G_O_CLOEXEC))
        return -1;
    return (g & G_O_NONBLOCK ? nonblock : 0) | (g & G_O_CLOEXEC ? cloexec : 0);
}

static int32_t fd_result(int r) { return r < 0 ? host_err() : r; }

static int32_t do_epoll_ctl(UserProc *p, uint32_t epfd, uint32_t op, uint32_t fd, uint32_t ev_a)
{
    struct epoll_event ev, *evp = NULL;
    if (op != EPOLL_CTL_DEL || ev_a) { /* DEL ignores the event (and may pass NULL) */
        uint8_t b[G_EPOLL_EVENT];
        if (op != EPOLL_CTL_DEL && g_read(p, ev_a, b, sizeof b))
            return -EFAULT;
        if (op != EPOLL_CTL_DEL) {
            memset(&ev, 0, sizeof ev);
            ev.events = (uint32_t)get_le(b, 4); /* EPOLL* bits are the same numbers everywhere */
            ev.data.u64 = get_le(b + 4, 8);
            evp = &ev;
        }
    }
    return epoll_ctl((int)epfd, (int)op, (int)fd, evp) ? host_err() : 0;
}

/* epoll_wait/epoll_pwait(2): timeout_ms < 0 waits without end; a sigmask
 * is the guest's blocked set while it waits (user_sigmask_begin). */
static int32_t do_epoll_wait(UserProc *p, uint32_t epfd, uint32_t events, uint32_t maxevents,
                             int timeout_ms, uint32_t sigmask, uint32_t sigsetsize)
{
    if ((int32_t)maxevents <= 0 || maxevents > INT_MAX / G_EPOLL_EVENT)
        return -EINVAL;
    if (g_writable(p, events, (size_t)maxevents * G_EPOLL_EVENT))
        return -EFAULT;
    uint64_t mask;
    int has;
    int32_t ret = user_read_sigmask(p, sigmask, sigsetsize, &mask, &has);
    if (ret)
        return ret;
    user_sigfd_sync(p); /* a signalfd in the set is readable iff a signal is pending */
    if (has && user_sigmask_begin(p, mask)) {
        user_sigmask_end(p, -EINTR);
        return -EINTR;
    }
    /* all maxevents in one host call: a second call could not tell the
     * events still to come from the level-triggered ones already taken,
     * which the host queues again.  The guest's buffer (checked writable
     * above) bounds the allocation; without memory, a batch is taken. */
    int n = maxevents < EPOLL_HOST_BATCH ? (int)maxevents : EPOLL_HOST_BATCH;
    struct epoll_event batch[EPOLL_HOST_BATCH], *hev = batch;
    if (maxevents > EPOLL_HOST_BATCH && (hev = malloc((size_t)maxevents * sizeof *hev)) != NULL)
        n = (int)maxevents;
    else if (!hev)
        hev = batch;
    int r;
    USER_BLOCKING(p, r, epoll_wait((int)epfd, hev, n, timeout_ms));
    ret = r < 0 ? host_err() : r;
    for (int done = 0; done < r && ret >= 0;) {
        uint8_t b[EPOLL_HOST_BATCH * G_EPOLL_EVENT];
        int k = r - done < EPOLL_HOST_BATCH ? r - done : EPOLL_HOST_BATCH;
        for (int i = 0; i < k; i++) {
            put_le(b + i * G_EPOLL_EVENT, 4, hev[done + i].events);
            put_le(b + i * G_EPOLL_EVENT + 4, 8, hev[done + i].data.u64);
        }
        if (g_write(p, events + (uint32_t)done * G_EPOLL_EVENT, b, (size_t)k * G_EPOLL_EVENT))
            ret = -EFAULT;
        done += k;
    }
    if (hev != batch)
        free(hev);
    if (has)
        user_sigmask_end(p, ret);
    return ret;
}

/* i386 struct itimerspec: interval then value, 32- or 64-bit time_t */
static int32_t get_itimerspec(UserProc *p, uint32_t addr, struct itimerspec *its, int bits64)
{
    int32_t r = user_get_timespec(p, addr, &its->it_interval, bits64);
    return r ? r : user_get_timespec(p, addr + (bits64 ? 16 : 8), &its->it_value, bits64);
}

static int32_t put_itimerspec(UserProc *p, uint32_t addr, const struct itimerspec *its, int bits64)
{
    int32_t r = user_put_timespec(p, addr, &its->it_interval, bits64);
    return r ? r : user_put_timespec(p, addr + (bits64 ? 16 : 8), &its->it_value, bits64);
}

static int32_t do_timerfd_settime(UserProc *p, uint32_t fd, uint32_t flags, uint32_t new_a,
                                  uint32_t old_a, int bits64)
{
    struct itimerspec nv, ov;
    int32_t r = get_itimerspec(p, new_a, &nv, bits64);
    if (r)
        return r;
    if (old_a && g_writable(p, old_a, bits64 ? 32 : 16))
        return -EFAULT;
    if (timerfd_settime((int)fd, (int)flags, &nv, old_a ? &ov : NULL))
        return host_err();
    return old_a ? put_itimerspec(p, old_a, &ov, bits64) : 0;
}

static int32_t do_timerfd_gettime(UserProc *p, uint32_t fd, uint32_t cur_a, int bits64)
{
    struct itimerspec cur;
    if (g_writable(p, cur_a, bits64 ? 32 : 16))
        return -EFAULT;
    if (timerfd_gettime((int)fd, &cur))
        return host_err();
    return put_itimerspec(p, cur_a, &cur, bits64);
}

int sys_event(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    int32_t r;
    char path[PATH_MAX];
    switch (nr) {
    case 254: /* epoll_create: size is a hint that must be positive */
        r = (int32_t)a[0] <= 0 ? -EINVAL : fd_result(epoll_create1(0));
        break;
    case 329: { /* epoll_create1 */
        int hf = host_fd_flags(a[0], 0, EPOLL_CLOEXEC);
        r = hf < 0 || (a[0] & G_O_NONBLOCK) ? -EINVAL : fd_result(epoll_create1(hf));
        break;
    }
    case 255: r = do_epoll_ctl(p, a[0], a[1], a[2], a[3]); break;
    case 256: r = do_epoll_wait(p, a[0], a[1], a[2], (int)a[3], 0, 0); break;
    case 319: r = do_epoll_wait(p, a[0], a[1], a[2], (int)a[3], a[4], a[5]); break;
    case 322: { /* timerfd_create */
        int hf = host_fd_flags(a[1], TFD_NONBLOCK, TFD_CLOEXEC);
        r = hf < 0 ? -EINVAL : fd_result(timerfd_create((int)a[0], hf));
        break;
    }
    case 325: r = do_timerfd_settime(p, a[0], a[1], a[2], a[3], 0); break;
    case 411: r = do_timerfd_settime(p, a[0], a[1], a[2], a[3], 1); break;
    case 326: r = do_timerfd_gettime(p, a[0], a[1], 0); break;
    case 410: r = do_timerfd_gettime(p, a[0], a[1], 1); break;
    case 321: r = sys_signalfd(p, (int32_t)a[0], a[1], a[2], 0); break;
    case 327: r = sys_signalfd(p, (int32_t)a[0], a[1], a[2], a[3]); break;
    case 291: r = fd_result(inotify_init1(0)); break;
    case 332: { /* inotify_init1 */
        int hf = host_fd_flags(a[0], IN_NONBLOCK, IN_CLOEXEC);
        r = hf < 0 ? -EINVAL : fd_result(inotify_init1(hf));
        break;
    }
    case 292: /* inotify_add_watch: IN_* bits are the same numbers everywhere */
        if ((r = user_guest_path(p, a[1], path)) == 0)
            r = fd_result(inotify_add_watch((int)a[0], path, a[2]));
        break;
    case 293: r = inotify_rm_watch((int)a[0], (int)a[1]) ? host_err() : 0; break;
    default:
        return 0;
    }
    *ret = r;
    return 1;
}
