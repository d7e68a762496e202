/* Accounting and identity sanity: sysinfo, times, getrusage, interval
 * timers, rlimits, prctl names, priorities, ids, CPU affinity, waitid,
 * rt_sigtimedwait.  Values vary by machine, so only relations print. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sysinfo si;
    show("sysinfo", sysinfo(&si));
    unsigned long long ram = (unsigned long long)si.totalram * si.mem_unit;
    printf("uptime > 0 %d, ram > 16 MiB %d, free <= total %d, procs > 0 %d, unit power of 2 %d\n", si.uptime > 0,
           ram > (16ull << 20), si.freeram <= si.totalram, si.procs > 0, (si.mem_unit & (si.mem_unit - 1)) == 0);
    double load[3];
    printf("getloadavg %d\n", getloadavg(load, 3));
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 30000000; i++)
        spin += i;
    struct tms t;
    clock_t c = times(&t);
    printf("times ok %d, utime >= 0 %d\n", c != (clock_t)-1, t.tms_utime >= 0);
    struct rusage ru;
    show("getrusage self", getrusage(RUSAGE_SELF, &ru));
    printf("maxrss > 0 %d, utime sane %d\n", ru.ru_maxrss > 0, ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
    show("getrusage children", getrusage(RUSAGE_CHILDREN, &ru));
    show("getrusage bad who", getrusage(5, &ru));

    struct itimerval it = { { 0, 0 }, { 100, 0 } }, old, cur;
    show("setitimer", setitimer(ITIMER_REAL, &it, &old));
    show("getitimer", getitimer(ITIMER_REAL, &cur));
    printf("itimer left 99..100 %d, old disarmed %d\n", cur.it_value.tv_sec >= 99 && cur.it_value.tv_sec <= 100,
           old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0);
    it.it_value.tv_sec = 0;
    show("setitimer disarm", setitimer(ITIMER_REAL, &it, NULL));
    it.it_value.tv_usec = 2000000;
    show("setitimer bad usec", setitimer(ITIMER_REAL, &it, NULL));
    show("getitimer bad which", getitimer(9, &cur));

    struct rlimit rl, r2;
    getrlimit(RLIMIT_NOFILE, &rl);
    r2 = rl;
    r2.rlim_cur = rl.rlim_cur > 64 ? 64 : rl.rlim_cur;
    show("setrlimit NOFILE", setrlimit(RLIMIT_NOFILE, &r2));
    getrlimit(RLIMIT_NOFILE, &r2);
    printf("NOFILE now min(64, old) %d\n", r2.rlim_cur == (rl.rlim_cur > 64 ? 64 : rl.rlim_cur));
    show("setrlimit restore", setrlimit(RLIMIT_NOFILE, &rl));
    r2.rlim_cur = r2.rlim_max + 1;
    show("setrlimit cur > max", setrlimit(RLIMIT_NOFILE, &r2));

    char name[16] = "";
    show("prctl PR_SET_NAME", prctl(PR_SET_NAME, "emu386-test-long-name"));
    show("prctl PR_GET_NAME", prctl(PR_GET_NAME, name));
    printf("name '%s'\n", name);
    show("prctl unknown", prctl(12345, 0, 0, 0, 0));
    show("prctl PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));

    errno = 0;
    int pr = getpriority(PRIO_PROCESS, 0);
    printf("getpriority errno 0 %d, in range %d\n", errno == 0, pr >= -20 && pr <= 19);
    show("setpriority same", setpriority(PRIO_PROCESS, 0, pr));
    show("getpriority bad which", getpriority(7, 0));
    show("getsid equals getsid(0)", getsid(getpid()) == getsid(0));
    uid_t ru_, eu, su;
    gid_t rg, eg, sg;
    show("getresuid", getresuid(&ru_, &eu, &su));
    show("getresgid", getresgid(&rg, &eg, &sg));
    printf("resuid matches %d resgid matches %d\n", ru_ == getuid() && eu == geteuid(), rg == getgid() && eg == getegid());
    show("setreuid no change", setreuid((uid_t)-1, (uid_t)-1));
    show("setresgid no change", setresgid((gid_t)-1, (gid_t)-1, (gid_t)-1));
    int ng = getgroups(0, NULL);
    gid_t groups[256];
    printf("getgroups count matches %d\n", ng >= 0 && getgroups(256, groups) == ng);
    if (ng > 0)
        show("getgroups too small", getgroups(ng - 1 > 0 ? ng - 1 : 0, groups) == ng ? 0 : getgroups(ng - 1, groups));
    else
        printf("getgroups too small = -1 EINVAL\n");

    cpu_set_t set;
    CPU_ZERO(&set);
    show("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    printf("cpus > 0 %d\n", CPU_COUNT(&set) > 0);
    show("sched_setaffinity same", sched_setaffinity(0, sizeof set, &set));
    show("sched_getaffinity len 1", sched_getaffinity(0, 1, &set) < 0 ? -1 : 0);

    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    show("waitid", waitid(P_PID, pid, &info, WEXITED));
    printf("waitid signo SIGCHLD %d code CLD_EXITED %d status %d pid ok %d\n", info.si_signo == SIGCHLD,
           info.si_code == CLD_EXITED, info.si_status, info.si_pid == pid);
    memset(&info, 0x55, sizeof info);
    show("waitid no children WNOHANG", waitid(P_ALL, 0, &info, WEXITED | WNOHANG));
    show("waitid bad options", waitid(P_ALL, 0, &info, 0));

    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    struct timespec zero = { 0, 0 };
    show("sigtimedwait nothing", sigtimedwait(&ss, NULL, &zero));
    kill(getpid(), SIGUSR1);
    memset(&info, 0, sizeof info);
    struct timespec sec = { 1, 0 };
    int got = sigtimedwait(&ss, &info, &sec);
    printf("sigtimedwait got SIGUSR1 %d, si_code SI_USER %d, pid ok %d\n", got == SIGUSR1, info.si_code == SI_USER,
           info.si_pid == getpid());
    struct timespec bad = { 0, 2000000000 };
    show("sigtimedwait bad timeout", sigtimedwait(&ss, NULL, &bad));
    return 0;
}
