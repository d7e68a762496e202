/* Host-monotonic virtual time. */
#define _POSIX_C_SOURCE 200809L
#include "system/vclock.h"
#include <time.h>

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vclock_init(VClock *c) { c->origin_ns = host_ns(); }

uint64_t vclock_now(const VClock *c) { return host_ns() - c->origin_ns; }

void vclock_sleep_until(const VClock *c, uint64_t t)
{
    uint64_t now = vclock_now(c);
    if (t <= now)
        return;
    uint64_t d = t - now;
    struct timespec ts = { (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
    /* Relative nanosleep: clock_nanosleep is missing on some POSIX hosts.
     * A signal ends the sleep early on purpose: the caller re-reads the
     * clock and notices whatever the signal asked for. */
    nanosleep(&ts, NULL);
}
