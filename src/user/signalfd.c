/* signalfd(2) for the guest.  Guest signals are pending in the emulator
 * (p->sigpending, p->shared_pending), not on the host, so a host
 * signalfd would never see them.  The guest's descriptor is the read end
 * of a host pipe instead: it holds one byte while a signal of the mask is
 * pending (user_sigfd_sync keeps it so), which makes poll, select and
 * epoll on it work unchanged; read() is answered here with i386 struct
 * signalfd_siginfo records.  A pipe, not an eventfd, because every pipe
 * has its own inode: dup()ed or inherited copies of the descriptor are
 * recognised by it.  The write end stays with the emulator (close-on-
 * exec: after an execve the descriptor is an empty pipe). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "user/syscall.h"

enum { SFD_INFO = 128, G_O_NONBLOCK = 04000, G_O_CLOEXEC = 02000000 };

typedef struct Sigfd {
    int rfd, wfd;  /* the guest's descriptor (when made) and the emulator's end */
    dev_t dev;
    ino_t ino;
    uint64_t mask;
    int full;      /* the pipe holds its byte */
} Sigfd;

struct UserSigfds {
    Sigfd *v;
    size_t n, cap;
};

static uint64_t bit(int sig) { return 1ull << (sig - 1); }
static const uint64_t UNBLOCKABLE = (1ull << (9 - 1)) | (1ull << (19 - 1)); /* KILL STOP */

/* The entry fd refers to (any copy of it), or NULL. */
static Sigfd *find(UserProc *p, int fd)
{
    struct UserSigfds *t = p->sigfds;
    struct stat st;
    if (!t || !t->n || fd < 0 || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i].ino == st.st_ino && t->v[i].dev == st.st_dev) {
            t->v[i].rfd = fd; /* the number to drain through (set_full) */
            return &t->v[i];
        }
    return NULL;
}

/* Entries whose every guest copy is closed: the pipe has no reader. */
static void collect(struct UserSigfds *t)
{
    for (size_t i = 0; i < t->n;) {
        struct pollfd pf = { t->v[i].wfd, POLLOUT, 0 };
        if (poll(&pf, 1, 0) == 1 && (pf.revents & POLLERR)) {
            close(t->v[i].wfd);
            t->v[i] = t->v[--t->n];
        } else {
            i++;
        }
    }
}

int user_sigfd_is(UserProc *p, int fd) { return find(p, fd) != NULL; }

uint64_t user_sigfd_mask(const UserProc *p)
{
    uint64_t m = 0;
    if (p->sigfds)
        for (size_t i = 0; i < p->sigfds->n; i++)
            m |= p->sigfds->v[i].mask;
    return m;
}

static void set_full(Sigfd *s, int want)
{
    if (want == s->full)
        return;
    if (want) {
        if (write(s->wfd, "s", 1) == 1)
            s->full = 1;
    } else {
        char c;
        struct stat st;
        struct pollfd pf = { s->rfd, POLLIN, 0 };
        /* only through a number that is still this pipe (the guest may have
         * closed or reused it), and only if the byte is there: the
         * guest's end may be blocking */
        if (fstat(s->rfd, &st) == 0 && st.st_ino == s->ino && st.st_dev == s->dev &&
            poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN) && read(s->rfd, &c, 1) == 1)
            s->full = 0;
    }
}

void user_sigfd_sync(UserProc *p)
{
    struct UserSigfds *t = p->sigfds;
    if (!t)
        return;
    uint64_t pend = p->sigpending | p->shared_pending;
    for (size_t i = 0; i < t->n; i++)
        set_full(&t->v[i], (pend & t->v[i].mask) != 0);
}

/* signalfd4(fd, mask, sizemask, flags), in the order of the kernel's
 * checks: size, mask copy, flags, then the descriptor. */
int32_t sys_signalfd(UserProc *p, int32_t fd, uint32_t mask_a, uint32_t size, uint32_t flags)
{
    uint8_t b[8];
    if (size != 8)
        return -EINVAL;
    if (g_read(p, mask_a, b, 8))
        return -EFAULT;
    if (flags & ~(uint32_t)(G_O_NONBLOCK | G_O_CLOEXEC))
        return -EINVAL;
    uint64_t mask = get_le(b, 8) & ~UNBLOCKABLE;
    Sigfd *s;
    if (fd != -1) {
        if (fd < 0 || fcntl(fd, F_GETFD) < 0)
            return -EBADF;
        if (!(s = find(p, fd)))
            return -EINVAL;
        s->mask = mask;
    } else {
        if (!p->sigfds && !(p->sigfds = calloc(1, sizeof *p->sigfds)))
            return -ENOMEM;
        struct UserSigfds *t = p->sigfds;
        collect(t);
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 4;
            Sigfd *v = realloc(t->v, cap * sizeof *v);
            if (!v)
                return -ENOMEM;
            t->v = v;
            t->cap = cap;
        }
        int pf[2];
        if (pipe2(pf, O_CLOEXEC) != 0)
            return host_err();
        struct stat st;
        /* the guest's end gets the guest's flags, the emulator's never blocks */
        if (fcntl(pf[0], F_SETFD, flags & G_O_CLOEXEC ? FD_CLOEXEC : 0) != 0 ||
            fcntl(pf[0], F_SETFL, flags & G_O_NONBLOCK ? O_NONBLOCK : 0) != 0 ||
            fcntl(pf[1], F_SETFL, O_NONBLOCK) != 0 || fstat(pf[0], &st) != 0) {
            int32_t e = host_err();
            close(pf[0]);
            close(pf[1]);
            return e;
        }
        s = &t->v[t->n++];
        *s = (Sigfd){ pf[0], pf[1], st.st_dev, st.st_ino, mask, 0 };
        fd = pf[0];
    }
    s->rfd = fd;
    for (int sig = 1; sig < USER_NSIG; sig++)
        if (mask & bit(sig))
            user_signal_rehost(p, sig);
    user_sigfd_sync(p);
    return fd;
}

/* Take the first signal of mask pending for this thread, then for the
 * process: the synchronous ones first, else the lowest (next_signal). */
static int take(UserProc *p, uint64_t mask, GuestSiginfo *out)
{
    static const int sync[] = { 11, 7, 4, 5, 8, 31 }; /* SEGV BUS ILL TRAP FPE SYS */
    uint64_t *sets[2] = { &p->sigpending, &p->shared_pending };
    GuestSiginfo *infos[2] = { p->siginfo, p->shared_info };
    for (int k = 0; k < 2; k++) {
        uint64_t ready = *sets[k] & mask;
        if (!ready)
            continue;
        int sig = 0;
        for (size_t i = 0; i < sizeof sync / sizeof sync[0] && !sig; i++)
            if (ready & bit(sync[i]))
                sig = sync[i];
        if (!sig)
            for (sig = 1; !(ready & bit(sig)); sig++)
                ;
        *sets[k] &= ~bit(sig);
        *out = infos[k][sig];
        out->signo = sig;
        return sig;
    }
    return 0;
}

/* struct signalfd_siginfo: the same 128 bytes on every architecture */
static void fill(uint8_t *b, const GuestSiginfo *si)
{
    memset(b, 0, SFD_INFO);
    put_le(b, 4, (uint32_t)si->signo);
    put_le(b + 4, 4, (uint32_t)si->errno_);
    put_le(b + 8, 4, (uint32_t)si->code);
    int fault = si->signo == 11 || si->signo == 7 || si->signo == 4 || si->signo == 8 || si->signo == 5;
    if (fault) {
        put_le(b + 36, 4, (uint32_t)si->trapno);
        put_le(b + 72, 8, si->addr);
    } else {
        put_le(b + 12, 4, (uint32_t)si->pid);
        put_le(b + 16, 4, (uint32_t)si->uid);
    }
}

/* read(2) on a guest signalfd: 1 and *ret if fd is one.  The first record
 * may wait (in slices, as sigsuspend does); a host signal that comes
 * meanwhile ends the wait with -EINTR, and the call is restarted once
 * that signal is pending (run_call, user_deliver_pending). */
int user_sigfd_read(UserProc *p, int fd, uint32_t buf, uint32_t len, int32_t *ret)
{
    Sigfd *s = find(p, fd);
    if (!s)
        return 0;
    uint32_t count = len / SFD_INFO, done = 0;
    if (!count) {
        *ret = -EINVAL;
        return 1;
    }
    for (;;) {
        GuestSiginfo si;
        while (done < count && take(p, s->mask, &si)) {
            uint8_t b[SFD_INFO];
            fill(b, &si);
            if (g_write(p, buf + done * SFD_INFO, b, SFD_INFO)) {
                user_sigfd_sync(p);
                *ret = done ? (int32_t)(done * SFD_INFO) : -EFAULT;
                return 1;
            }
            done++;
        }
        if (done || (fcntl(fd, F_GETFL) & O_NONBLOCK)) {
            user_sigfd_sync(p);
            *ret = done ? (int32_t)(done * SFD_INFO) : -EAGAIN;
            return 1;
        }
        if (p->host_pending || (p->sigpending & ~p->sigblocked) || p->exited || p->thread_exited) {
            *ret = -EINTR;
            return 1;
        }
        struct timespec slice = { 0, 10000000 };
        int sr;
        USER_BLOCKING(p, sr, nanosleep(&slice, NULL));
        (void)sr;
        if (!(s = find(p, fd))) { /* another thread closed it */
            *ret = -EBADF;
            return 1;
        }
    }
}

/* fork: the child has its copy of the table and of the write ends;
 * the process's end frees it. */
void user_sigfd_free(UserProc *p)
{
    struct UserSigfds *t = p->sigfds;
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        close(t->v[i].wfd);
    free(t->v);
    free(t);
    p->sigfds = NULL;
}
