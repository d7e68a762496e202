/* POSIX per-process timers (timer_create and friends) on host timers.
 * A guest timer id indexes UserProc.timers; the host timer raises the same
 * signal on the host, which reaches the guest like any mirrored async
 * signal (so the guest sees si_code SI_USER, not SI_TIMER, and no
 * sigev_value: nothing we run reads them yet). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "user/syscall.h"

enum { SIGEV_SIGNAL_ = 0, SIGEV_NONE_ = 1, SIGEV_THREAD_ID_ = 4 };

struct UserTimer {
    int used;
    timer_t host;
};

void user_timers_free(UserProc *p)
{
    if (!p->timers)
        return;
    for (int i = 0; i < USER_NTIMERS; i++)
        if (p->timers[i].used)
            timer_delete(p->timers[i].host);
    free(p->timers);
    p->timers = NULL;
}

void user_timers_forget(UserProc *p)
{
    free(p->timers);
    p->timers = NULL;
}

static int32_t timer_new(UserProc *p, uint32_t clock, uint32_t sevp, uint32_t idp)
{
    int signo = SIGALRM, notify = SIGEV_SIGNAL_;
    if (sevp) { /* i386 struct sigevent: value, signo, notify, tid */
        uint8_t b[16];
        if (g_read(p, sevp, b, 16))
            return -EFAULT;
        signo = (int32_t)get_le(b + 4, 4);
        notify = (int32_t)get_le(b + 8, 4);
        /* one thread: SIGEV_THREAD_ID naming ourselves is SIGEV_SIGNAL */
        if (notify == SIGEV_THREAD_ID_ && (int32_t)get_le(b + 12, 4) == getpid())
            notify = SIGEV_SIGNAL_;
    }
    if (notify != SIGEV_SIGNAL_ && notify != SIGEV_NONE_)
        return -EINVAL;
    /* only the signals this emulator mirrors from the host can be sent */
    if (notify == SIGEV_SIGNAL_ && (signo <= 0 || signo >= 32 || signo == SIGSEGV || signo == SIGBUS ||
                                    signo == SIGILL || signo == SIGFPE || signo == SIGTRAP))
        return -EINVAL;
    if (!p->timers && !(p->timers = calloc(USER_NTIMERS, sizeof *p->timers)))
        return -ENOMEM;
    int id = 0;
    while (id < USER_NTIMERS && p->timers[id].used)
        id++;
    if (id == USER_NTIMERS)
        return -EAGAIN;
    if (g_writable(p, idp, 4))
        return -EFAULT;
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = notify == SIGEV_NONE_ ? SIGEV_NONE : SIGEV_SIGNAL;
    sev.sigev_signo = signo;
    if (timer_create((clockid_t)(int32_t)clock, &sev, &p->timers[id].host))
        return host_err();
    p->timers[id].used = 1;
    g_put32(p, idp, (uint32_t)id);
    return 0;
}

static timer_t *timer_of(UserProc *p, uint32_t id)
{
    return p->timers && id < USER_NTIMERS && p->timers[id].used ? &p->timers[id].host : NULL;
}

/* struct itimerspec: interval then value, each a 32- or 64-bit timespec */
static int32_t get_itimerspec(UserProc *p, uint32_t addr, struct itimerspec *its, int bits64)
{
    int32_t r = user_get_timespec(p, addr, &its->it_interval, bits64);
    return r ? r : user_get_timespec(p, addr + (bits64 ? 16 : 8), &its->it_value, bits64);
}

static int32_t put_itimerspec(UserProc *p, uint32_t addr, const struct itimerspec *its, int bits64)
{
    if (!addr)
        return 0;
    int32_t r = user_put_timespec(p, addr, &its->it_interval, bits64);
    return r ? r : user_put_timespec(p, addr + (bits64 ? 16 : 8), &its->it_value, bits64);
}

int sys_timer(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    int32_t r;
    timer_t *t;
    struct itimerspec its, old;
    switch (nr) {
    case 259: r = timer_new(p, a[0], a[1], a[2]); break; /* timer_create */
    case 260: case 409: /* timer_settime(64) */
        if (!(t = timer_of(p, a[0]))) { r = -EINVAL; break; }
        if ((r = get_itimerspec(p, a[2], &its, nr == 409)))
            break;
        if (a[3] && g_writable(p, a[3], nr == 409 ? 32 : 16)) { r = -EFAULT; break; }
        if (timer_settime(*t, (int)(a[1] & TIMER_ABSTIME), &its, &old)) { r = host_err(); break; }
        r = put_itimerspec(p, a[3], &old, nr == 409);
        break;
    case 261: case 408: /* timer_gettime(64) */
        if (!(t = timer_of(p, a[0]))) { r = -EINVAL; break; }
        if (timer_gettime(*t, &its)) { r = host_err(); break; }
        r = a[1] ? put_itimerspec(p, a[1], &its, nr == 408) : -EFAULT;
        break;
    case 262: /* timer_getoverrun */
        if (!(t = timer_of(p, a[0]))) { r = -EINVAL; break; }
        r = timer_getoverrun(*t);
        if (r < 0) r = host_err();
        break;
    case 263: /* timer_delete */
        if (!(t = timer_of(p, a[0]))) { r = -EINVAL; break; }
        timer_delete(*t);
        p->timers[a[0]].used = 0;
        r = 0;
        break;
    default:
        return 0;
    }
    *ret = r;
    return 1;
}
