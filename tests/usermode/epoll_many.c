/* epoll_wait with more than 1024 ready descriptors: all of them up to
 * maxevents, in one call (test_selectors' test_above_fd_setsize); the
 * emulator took at most 1024 from the host.  Level-triggered events are
 * ready again on the next call. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>
#include "common.h"

enum { NFD = 1500 };

static int count_distinct(const struct epoll_event *ev, int n)
{
    static unsigned char seen[NFD];
    int d = 0;
    for (int i = 0; i < NFD; i++)
        seen[i] = 0;
    for (int i = 0; i < n; i++)
        if (ev[i].data.u32 < NFD && !seen[ev[i].data.u32]++)
            d++;
    return d;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
    setrlimit(RLIMIT_NOFILE, &rl);
    int ep = epoll_create1(0), e = eventfd(1, 0); /* readable: the count is 1 */
    int ok = 1;
    for (int i = 0; i < NFD; i++) {
        int d = dup(e);
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        if (d < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev))
            ok = 0;
    }
    printf("%d descriptors registered: %d\n", NFD, ok);
    struct epoll_event *ev = calloc(2 * NFD, sizeof *ev);
    int n = epoll_wait(ep, ev, 2 * NFD, 0);
    show("epoll_wait, room for all", n);
    printf("distinct %d\n", count_distinct(ev, n));
    n = epoll_wait(ep, ev, 1200, 0);
    show("epoll_wait, maxevents 1200", n);
    printf("distinct %d\n", count_distinct(ev, n));
    n = epoll_wait(ep, ev, NFD, 0);
    show("epoll_wait, maxevents exactly", n);
    printf("distinct %d\n", count_distinct(ev, n));
    show("epoll_wait, maxevents 0", epoll_wait(ep, ev, 0, 0));
    return 0;
}
