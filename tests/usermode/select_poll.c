/* Readiness: select, poll, pselect and ppoll on pipes and a socketpair,
 * timeouts (and the time left written back), bad descriptors, limits. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static struct pollfd *volatile bad_fds = (struct pollfd *)8;

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int pf[2];
    pipe(pf);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(pf[0], &r);
    FD_SET(pf[1], &w);
    struct timeval tv = { 0, 0 };
    show("select empty pipe", select(pf[1] + 1, &r, &w, NULL, &tv));
    printf("read set %d write set %d\n", FD_ISSET(pf[0], &r), FD_ISSET(pf[1], &w));
    write(pf[1], "x", 1);
    FD_ZERO(&r);
    FD_SET(pf[0], &r);
    tv.tv_sec = 5;
    show("select readable", select(pf[0] + 1, &r, NULL, NULL, &tv));
    printf("read set %d, time left > 4s %d\n", FD_ISSET(pf[0], &r), tv.tv_sec >= 4);
    tv.tv_sec = 0;
    tv.tv_usec = 20000;
    FD_ZERO(&r);
    FD_SET(pf[1], &r); /* the write end never becomes readable */
    show("select timeout", select(pf[1] + 1, &r, NULL, NULL, &tv));
    printf("timed out: set cleared %d, time left %ld.%06ld\n", !FD_ISSET(pf[1], &r), (long)tv.tv_sec, (long)tv.tv_usec);
    /* A closed fd below 32: Linux ignores set bits beyond the process's
     * fd table, whose size depends on what the caller inherited (64 or
     * more on x86-64), so fd 200 gave 0 on one machine and EBADF on another. */
    close(20);
    FD_ZERO(&r);
    FD_SET(20, &r);
    tv.tv_usec = 0;
    show("select closed fd", select(21, &r, NULL, NULL, &tv));
    tv.tv_sec = -1;
    show("select negative timeout", select(1, NULL, NULL, NULL, &tv));
    show("select n -1", select(-1, NULL, NULL, NULL, NULL));

    struct pollfd p[3] = { { pf[0], POLLIN, 0 }, { pf[1], POLLOUT, 0 }, { -1, POLLIN, 0 } };
    show("poll", poll(p, 3, 1000));
    printf("revents %#x %#x %#x\n", p[0].revents, p[1].revents, p[2].revents);
    p[0].fd = 300;
    show("poll closed fd", poll(p, 1, 0));
    printf("revents %#x\n", p[0].revents);
    show("poll bad pointer", poll(bad_fds, 1, 0));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    show("poll nfds beyond RLIMIT_NOFILE", poll(p, (nfds_t)rl.rlim_cur + 1, 0));
    show("poll nfds 0 timeout 10ms", poll(NULL, 0, 10));

    struct timespec ts = { 0, 30000000 };
    sigset_t none;
    sigemptyset(&none);
    FD_ZERO(&r);
    FD_SET(pf[1], &r);
    show("pselect timeout", pselect(pf[1] + 1, &r, NULL, NULL, &ts, &none));
    char c;
    read(pf[0], &c, 1);
    p[0] = (struct pollfd){ pf[0], POLLIN, 0 };
    ts.tv_nsec = 10000000;
    show("ppoll timeout", ppoll(p, 1, &ts, &none));
    ts.tv_nsec = 1000000000;
    show("ppoll bad timespec", ppoll(p, 1, &ts, NULL));
    close(pf[1]);
    show("poll after writer closed", poll(p, 1, 0));
    printf("revents %#x (POLLHUP %d)\n", p[0].revents, !!(p[0].revents & POLLHUP));
    FD_ZERO(&r);
    FD_SET(pf[0], &r);
    tv.tv_sec = tv.tv_usec = 0;
    show("select after writer closed", select(pf[0] + 1, &r, NULL, NULL, &tv));
    close(pf[0]);

    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "!", 1, MSG_OOB); /* AF_UNIX: out-of-band is EOPNOTSUPP */
    p[0] = (struct pollfd){ sv[1], POLLIN | POLLPRI | POLLOUT, 0 };
    show("poll socket", poll(p, 1, 0));
    printf("revents %#x\n", p[0].revents);
    shutdown(sv[0], SHUT_WR);
    show("poll socket after shutdown", poll(p, 1, 0));
    printf("revents has POLLIN %d POLLRDHUP-free %d\n", !!(p[0].revents & POLLIN), !(p[0].revents & 0x2000));
    return 0;
}
