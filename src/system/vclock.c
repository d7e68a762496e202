/* Virtual time: host-monotonic or instruction-counted (vclock.h). */
#define _POSIX_C_SOURCE 200809L
#include "system/vclock.h"
#include <errno.h>
#include <sys/select.h>
#include <time.h>

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vclock_init(VClock *c)
{
    *c = (VClock){ .origin_ns = host_ns(), .wall_origin = (int64_t)time(NULL) };
}

void vclock_set_icount(VClock *c, const E386Cpu *cpu, unsigned shift)
{
    *c = (VClock){ .icount = true,
                   .shift = shift > VCLOCK_MAX_SHIFT ? VCLOCK_MAX_SHIFT : shift,
                   .cpu = cpu,
                   .insn_origin = e386_insn_count(cpu),
                   .wall_origin = VCLOCK_ICOUNT_EPOCH };
}

uint64_t vclock_now(VClock *c)
{
    uint64_t t;
    if (c->icount)
        t = ((e386_insn_count(c->cpu) - c->insn_origin) << c->shift) + c->warp_ns;
    else
        t = host_ns() - c->origin_ns;
    /* The CPU counts a block's instructions when it enters it and gives
     * back the rest when a fault ends it early, so a device read in the
     * middle of a block may be followed by a smaller count: never let the
     * devices see time go back. */
    if (t < c->last)
        t = c->last;
    c->last = t;
    return t;
}

void vclock_sleep_until(VClock *c, uint64_t t)
{
    uint64_t now = vclock_now(c);
    if (t <= now || t == VCLOCK_NO_DEADLINE)
        return;
    if (c->icount) {
        c->warp_ns += t - now; /* HLT skips to the deadline */
        vclock_now(c);
        return;
    }
    uint64_t d = t - now;
    struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
    /* Relative nanosleep: clock_nanosleep is missing on some POSIX hosts.
     * A signal ends the sleep early on purpose: the caller re-reads the
     * clock and notices whatever the signal asked for. */
    nanosleep(&ts, NULL);
}

int vclock_wait_input(VClock *c, uint64_t t, const int *fds, int nfds)
{
    if (nfds <= 0) {
        vclock_sleep_until(c, t);
        return 0;
    }
    fd_set rd;
    FD_ZERO(&rd);
    int maxfd = -1;
    for (int i = 0; i < nfds; i++) {
        if (fds[i] < 0 || fds[i] >= FD_SETSIZE)
            continue;
        FD_SET(fds[i], &rd);
        if (fds[i] > maxfd)
            maxfd = fds[i];
    }
    struct timeval tv, *tvp = NULL;
    if (!c->icount && t != VCLOCK_NO_DEADLINE) {
        uint64_t now = vclock_now(c), d = t > now ? t - now : 0;
        uint64_t us = (d + 999) / 1000;
        tv.tv_sec = (time_t)(us / 1000000u);
        tv.tv_usec = (suseconds_t)(us % 1000000u);
        tvp = &tv;
    }
    if (maxfd < 0) {
        if (tvp)
            vclock_sleep_until(c, t);
        return 0;
    }
    int r = select(maxfd + 1, &rd, NULL, NULL, tvp);
    if (r < 0 && errno != EINTR)
        return 0;
    return r > 0;
}

uint64_t vclock_insns_until(const VClock *c, uint64_t now, uint64_t t)
{
    if (!c->icount)
        return 0;
    if (t <= now)
        return 1;
    uint64_t d = t - now, unit = (uint64_t)1 << c->shift;
    uint64_t n = d / unit + (d % unit != 0);
    return n ? n : 1;
}
