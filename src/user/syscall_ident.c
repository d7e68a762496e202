/* Identity, resources and accounting: the uid/gid families (16- and
 * 32-bit), groups, priorities, sessions, rusage, times, sysinfo, interval
 * timers, prctl, CPU affinity, waitid, clock_settime, rt_sigtimedwait. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "user/syscall.h"

enum { NGROUPS_MAX_ = 65536, OVERFLOW_ID = 65534 };

static uint32_t low16(uint32_t id) { return id > 0xffff ? OVERFLOW_ID : id; }
static uint32_t from16(uint32_t v) { return (v & 0xffff) == 0xffff ? 0xffffffffu : (v & 0xffff); }

static void put_timeval32(uint8_t *b, const struct timeval *tv)
{
    put_le(b, 4, (uint32_t)tv->tv_sec);
    put_le(b + 4, 4, (uint32_t)tv->tv_usec);
}

int32_t user_put_rusage(UserProc *p, uint32_t addr, const struct rusage *ru)
{
    uint8_t b[72];
    put_timeval32(b, &ru->ru_utime);
    put_timeval32(b + 8, &ru->ru_stime);
    const long v[14] = { ru->ru_maxrss, ru->ru_ixrss, ru->ru_idrss, ru->ru_isrss, ru->ru_minflt,
                         ru->ru_majflt, ru->ru_nswap, ru->ru_inblock, ru->ru_oublock, ru->ru_msgsnd,
                         ru->ru_msgrcv, ru->ru_nsignals, ru->ru_nvcsw, ru->ru_nivcsw };
    for (int i = 0; i < 14; i++)
        put_le(b + 16 + 4 * i, 4, (uint32_t)v[i]);
    return g_write(p, addr, b, sizeof b);
}

/* i386 struct sysinfo, 64 bytes.  Memory sizes that do not fit 32 bits
 * are given in pages, as the kernel's compat_sys_sysinfo scales them. */
static int32_t do_sysinfo(UserProc *p, uint32_t addr)
{
    struct sysinfo si;
    if (sysinfo(&si))
        return host_err();
    uint64_t unit = si.mem_unit ? si.mem_unit : 1;
    uint64_t mem[8] = { si.totalram * unit, si.freeram * unit, si.sharedram * unit, si.bufferram * unit,
                        si.totalswap * unit, si.freeswap * unit, si.totalhigh * unit, si.freehigh * unit };
    uint32_t gunit = 1;
    if ((mem[0] | mem[4]) >> 32) {
        gunit = 4096;
        for (int i = 0; i < 8; i++)
            mem[i] >>= 12;
    }
    uint8_t b[64];
    memset(b, 0, sizeof b);
    put_le(b, 4, (uint32_t)si.uptime);
    for (int i = 0; i < 3; i++)
        put_le(b + 4 + 4 * i, 4, (uint32_t)si.loads[i]);
    for (int i = 0; i < 6; i++)
        put_le(b + 16 + 4 * i, 4, (uint32_t)mem[i]);
    put_le(b + 40, 2, si.procs);
    put_le(b + 44, 4, (uint32_t)mem[6]);
    put_le(b + 48, 4, (uint32_t)mem[7]);
    put_le(b + 52, 4, gunit);
    return g_write(p, addr, b, sizeof b);
}

static int32_t do_times(UserProc *p, uint32_t addr)
{
    struct tms t;
    clock_t c = times(&t);
    if (addr) {
        uint8_t b[16];
        put_le(b, 4, (uint32_t)t.tms_utime);
        put_le(b + 4, 4, (uint32_t)t.tms_stime);
        put_le(b + 8, 4, (uint32_t)t.tms_cutime);
        put_le(b + 12, 4, (uint32_t)t.tms_cstime);
        if (g_write(p, addr, b, sizeof b))
            return -EFAULT;
    }
    return (int32_t)(uint32_t)c; /* any 32-bit value, as on i386 */
}

static int32_t put_itimerval(UserProc *p, uint32_t addr, const struct itimerval *v)
{
    uint8_t b[16];
    put_timeval32(b, &v->it_interval);
    put_timeval32(b + 8, &v->it_value);
    return g_write(p, addr, b, sizeof b);
}

static int32_t do_setitimer(UserProc *p, int which, uint32_t nv, uint32_t ov)
{
    struct itimerval n, o;
    memset(&n, 0, sizeof n); /* a NULL new value disarms, as Linux allows */
    if (nv) {
        uint8_t b[16];
        if (g_read(p, nv, b, sizeof b))
            return -EFAULT;
        n.it_interval.tv_sec = (int32_t)get_le(b, 4);
        n.it_interval.tv_usec = (int32_t)get_le(b + 4, 4);
        n.it_value.tv_sec = (int32_t)get_le(b + 8, 4);
        n.it_value.tv_usec = (int32_t)get_le(b + 12, 4);
    }
    if (setitimer(which, &n, &o))
        return host_err();
    return ov ? put_itimerval(p, ov, &o) : 0;
}

static int32_t do_prctl(UserProc *p, const uint32_t a[6])
{
    char name[16];
    int v;
    switch (a[0]) {
    case PR_SET_NAME: {
        uint8_t b[16];
        memset(b, 0, sizeof b);
        /* strncpy_from_user of 15 bytes: stop at the NUL or a fault */
        for (int i = 0; i < 15; i++) {
            if (g_read(p, a[1] + (uint32_t)i, b + i, 1))
                return -EFAULT;
            if (!b[i])
                break;
        }
        memcpy(name, b, 16);
        name[15] = 0;
        return prctl(PR_SET_NAME, name) ? host_err() : 0;
    }
    case PR_GET_NAME:
        if (prctl(PR_GET_NAME, name))
            return host_err();
        return g_write(p, a[1], name, 16);
    case PR_GET_PDEATHSIG: case PR_GET_CHILD_SUBREAPER:
        if (prctl((int)a[0], &v))
            return host_err();
        return g_wput32(p, a[1], (uint32_t)v);
    case PR_SET_PDEATHSIG: case PR_GET_DUMPABLE: case PR_SET_DUMPABLE: case PR_GET_KEEPCAPS:
    case PR_SET_KEEPCAPS: case PR_SET_CHILD_SUBREAPER: case PR_SET_NO_NEW_PRIVS: case PR_GET_NO_NEW_PRIVS:
    case PR_CAPBSET_READ: case PR_GET_TIMERSLACK: case PR_SET_TIMERSLACK: {
        int r = prctl((int)a[0], (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3],
                      (unsigned long)a[4]);
        return r < 0 ? host_err() : r;
    }
    default: /* seccomp filters and the rest would bind the emulator */
        return -EINVAL;
    }
}

/* sched_getaffinity: the guest mask is an array of 32-bit words; Linux
 * wants len to hold every possible CPU and be a multiple of 4, and returns
 * the bytes it wrote. */
static int32_t do_getaffinity(UserProc *p, int32_t pid, uint32_t len, uint32_t addr)
{
    enum { MAXCPU = 8192 };
    size_t hsize = CPU_ALLOC_SIZE(MAXCPU);
    cpu_set_t *set = CPU_ALLOC(MAXCPU);
    if (!set)
        return -ENOMEM;
    long n = syscall(SYS_sched_getaffinity, pid, hsize, set);
    int32_t r;
    if (n < 0) {
        r = host_err();
    } else {
        uint32_t ncpu = (uint32_t)sysconf(_SC_NPROCESSORS_CONF);
        uint32_t need = (uint32_t)n; /* bytes the host kernel reports */
        need = (need + 3) & ~3u;
        if ((uint64_t)len * 8 < ncpu || (len & 3)) {
            r = -EINVAL;
        } else {
            uint32_t out = len < need ? len : need;
            uint8_t *b = calloc(out ? out : 1, 1);
            if (!b) {
                r = -ENOMEM;
            } else {
                for (uint32_t c = 0; c < out * 8 && c < (uint32_t)n * 8; c++)
                    if (CPU_ISSET_S(c, hsize, set))
                        b[c / 8] |= (uint8_t)(1u << (c % 8));
                r = g_write(p, addr, b, out) ? -EFAULT : (int32_t)out;
                free(b);
            }
        }
    }
    CPU_FREE(set);
    return r;
}

static int32_t do_setaffinity(UserProc *p, int32_t pid, uint32_t len, uint32_t addr)
{
    enum { MAXCPU = 8192 };
    size_t hsize = CPU_ALLOC_SIZE(MAXCPU);
    cpu_set_t *set = CPU_ALLOC(MAXCPU);
    if (!set)
        return -ENOMEM;
    CPU_ZERO_S(hsize, set);
    uint32_t take = len > MAXCPU / 8 ? MAXCPU / 8 : len;
    uint8_t *b = malloc(take ? take : 1);
    int32_t r;
    if (!b) {
        r = -ENOMEM;
    } else if (take && g_read(p, addr, b, take)) {
        r = -EFAULT;
    } else {
        for (uint32_t c = 0; c < take * 8; c++)
            if (b[c / 8] >> (c % 8) & 1)
                CPU_SET_S(c, hsize, set);
        r = sched_setaffinity(pid, hsize, set) ? host_err() : 0;
    }
    free(b);
    CPU_FREE(set);
    return r;
}

/* waitid: i386 siginfo for SIGCHLD (signo, errno, code, pid, uid, status
 * at 0..20); with WNOHANG and nothing to report Linux writes zeros. */
static int32_t do_waitid(UserProc *p, const uint32_t a[6])
{
    siginfo_t si;
    struct rusage ru;
    memset(&si, 0, sizeof si);
    memset(&ru, 0, sizeof ru);
    long r;
    USER_BLOCKING(p, r, syscall(SYS_waitid, (int)a[0], (int32_t)a[1], &si, (int)a[3], a[4] ? &ru : NULL));
    if (r < 0)
        return host_err();
    if (a[4] && user_put_rusage(p, a[4], &ru))
        return -EFAULT;
    if (!a[2])
        return 0;
    uint8_t b[128];
    memset(b, 0, sizeof b);
    if (si.si_signo) {
        put_le(b, 4, (uint32_t)si.si_signo);
        put_le(b + 8, 4, (uint32_t)si.si_code);
        put_le(b + 12, 4, (uint32_t)si.si_pid);
        put_le(b + 16, 4, (uint32_t)si.si_uid);
        put_le(b + 20, 4, (uint32_t)si.si_status);
    }
    return g_write(p, a[2], b, 24) ? -EFAULT : 0;
}

static uint64_t sigbit(int s) { return 1ull << (s - 1); }

/* rt_sigtimedwait: takes a pending signal of the set, else waits (in
 * slices, so a host signal mirrored meanwhile is seen) until the timeout.
 * Signals reach the guest only where the signal layer mirrors them. */
static int32_t do_sigtimedwait(UserProc *p, const uint32_t a[6], int ts64)
{
    uint8_t b[128];
    if (a[3] != 8)
        return -EINVAL;
    if (g_read(p, a[0], b, 8))
        return -EFAULT;
    uint64_t set = get_le(b, 8) & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
    struct timespec ts = { 0, 0 }, start;
    int64_t limit = -1;
    if (a[2]) {
        if (user_get_timespec(p, a[2], &ts, ts64))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        limit = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        user_fold_host_signals(p);
        user_take_shared(p, set);
        uint64_t ready = p->sigpending & set;
        if (ready) {
            int s = 1;
            while (!(ready & sigbit(s)))
                s++;
            if (a[1]) {
                const GuestSiginfo *gi = &p->siginfo[s];
                memset(b, 0, sizeof b);
                put_le(b, 4, (uint32_t)s);
                put_le(b + 4, 4, (uint32_t)gi->errno_);
                put_le(b + 8, 4, (uint32_t)gi->code);
                put_le(b + 12, 4, (uint32_t)gi->pid);
                put_le(b + 16, 4, (uint32_t)gi->uid);
                if (g_write(p, a[1], b, sizeof b))
                    return -EFAULT;
            }
            p->sigpending &= ~sigbit(s);
            return s;
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t spent = (int64_t)(now.tv_sec - start.tv_sec) * 1000000000 + (now.tv_nsec - start.tv_nsec);
        if (limit >= 0 && spent >= limit)
            return -EAGAIN;
        if (p->sigpending & ~p->sigblocked & ~set)
            return -EINTR; /* another signal is deliverable: its handler runs */
        int64_t slice = 10000000;
        if (limit >= 0 && limit - spent < slice)
            slice = limit - spent;
        struct timespec st = { 0, (long)slice };
        int sr;
        USER_BLOCKING(p, sr, nanosleep(&st, NULL));
        (void)sr;
    }
}

static int32_t put_ids(UserProc *p, const uint32_t addr[3], const uint32_t id[3], int wide)
{
    for (int i = 0; i < 3; i++) {
        uint8_t b[4];
        put_le(b, wide ? 4 : 2, wide ? id[i] : low16(id[i]));
        if (g_write(p, addr[i], b, wide ? 4 : 2))
            return -EFAULT;
    }
    return 0;
}

static int32_t do_getgroups(UserProc *p, int32_t size, uint32_t addr, int wide)
{
    if (size < 0)
        return -EINVAL;
    gid_t *g = malloc(NGROUPS_MAX_ * sizeof *g);
    if (!g)
        return -ENOMEM;
    int n = getgroups(NGROUPS_MAX_, g);
    int32_t r = n;
    if (n < 0) {
        r = host_err();
    } else if (size) {
        if (size < n) {
            r = -EINVAL;
        } else {
            for (int i = 0; i < n && r >= 0; i++) {
                uint8_t b[4];
                put_le(b, wide ? 4 : 2, wide ? g[i] : low16(g[i]));
                if (g_write(p, addr + (uint32_t)i * (wide ? 4 : 2), b, wide ? 4 : 2))
                    r = -EFAULT;
            }
        }
    }
    free(g);
    return r;
}

static int32_t do_setgroups(UserProc *p, uint32_t size, uint32_t addr, int wide)
{
    if (size > NGROUPS_MAX_)
        return -EINVAL;
    gid_t *g = malloc((size ? size : 1) * sizeof *g);
    if (!g)
        return -ENOMEM;
    int32_t r = 0;
    for (uint32_t i = 0; i < size && !r; i++) {
        uint8_t b[4];
        if (g_read(p, addr + i * (wide ? 4 : 2), b, wide ? 4 : 2))
            r = -EFAULT;
        else
            g[i] = (gid_t)(wide ? get_le(b, 4) : from16((uint32_t)get_le(b, 2)));
    }
    if (!r)
        r = setgroups(size, g) ? host_err() : 0;
    free(g);
    return r;
}

int sys_ident(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    int32_t r = 0;
    struct rusage ru;
    struct timespec ts;
    uid_t u[3];
    gid_t g[3];
    switch (nr) {
    /* set*id: the 32-bit calls pass ids through, the 16-bit ones widen -1 */
    case 213: case 23: r = setuid(nr == 213 ? a[0] : from16(a[0])) ? host_err() : 0; break;
    case 214: case 46: r = setgid(nr == 214 ? a[0] : from16(a[0])) ? host_err() : 0; break;
    case 203: case 70: r = setreuid(nr == 203 ? a[0] : from16(a[0]), nr == 203 ? a[1] : from16(a[1])) ? host_err() : 0; break;
    case 204: case 71: r = setregid(nr == 204 ? a[0] : from16(a[0]), nr == 204 ? a[1] : from16(a[1])) ? host_err() : 0; break;
    case 208: case 164:
        r = nr == 208 ? setresuid(a[0], a[1], a[2]) : setresuid(from16(a[0]), from16(a[1]), from16(a[2]));
        r = r ? host_err() : 0;
        break;
    case 210: case 170:
        r = nr == 210 ? setresgid(a[0], a[1], a[2]) : setresgid(from16(a[0]), from16(a[1]), from16(a[2]));
        r = r ? host_err() : 0;
        break;
    case 209: case 165: { /* getresuid32, getresuid */
        getresuid(&u[0], &u[1], &u[2]);
        uint32_t id[3] = { u[0], u[1], u[2] };
        r = put_ids(p, a, id, nr == 209);
        break;
    }
    case 211: case 171: {
        getresgid(&g[0], &g[1], &g[2]);
        uint32_t id[3] = { g[0], g[1], g[2] };
        r = put_ids(p, a, id, nr == 211);
        break;
    }
    case 215: case 138: r = setfsuid(nr == 215 ? a[0] : from16(a[0])); break;
    case 216: case 139: r = setfsgid(nr == 216 ? a[0] : from16(a[0])); break;
    case 205: case 80: r = do_getgroups(p, (int32_t)a[0], a[1], nr == 205); break;
    case 206: case 81: r = do_setgroups(p, a[0], a[1], nr == 206); break;
    case 147: r = getsid((pid_t)a[0]); if (r < 0) r = host_err(); break;
    case 96: /* getpriority: the raw call returns 20 - nice, never negative */
        r = (int32_t)syscall(SYS_getpriority, (int)a[0], (id_t)a[1]);
        if (r < 0) r = host_err();
        break;
    case 97: r = setpriority((int)a[0], (id_t)a[1], (int)a[2]) ? host_err() : 0; break;
    case 34: /* nice */
        errno = 0;
        if (nice((int)a[0]) == -1 && errno) r = host_err();
        break;
    case 77: /* getrusage: SELF 0, CHILDREN -1, THREAD 1 */
        if ((int32_t)a[0] < -1 || (int32_t)a[0] > 1) { r = -EINVAL; break; }
        if (getrusage((int)(int32_t)a[0], &ru)) { r = host_err(); break; }
        r = user_put_rusage(p, a[1], &ru);
        break;
    case 43: r = do_times(p, a[0]); break;
    case 116: r = do_sysinfo(p, a[0]); break;
    case 104: r = do_setitimer(p, (int)a[0], a[1], a[2]); break;
    case 105: {
        struct itimerval v;
        r = getitimer((int)a[0], &v) ? host_err() : put_itimerval(p, a[1], &v);
        break;
    }
    case 172: r = do_prctl(p, a); break;
    case 241: r = do_setaffinity(p, (int32_t)a[0], a[1], a[2]); break;
    case 242: r = do_getaffinity(p, (int32_t)a[0], a[1], a[2]); break;
    case 284: r = do_waitid(p, a); break;
    case 264: case 404: /* clock_settime(64) */
        if ((r = user_get_timespec(p, a[1], &ts, nr == 404)))
            break;
        r = clock_settime((clockid_t)a[0], &ts) ? host_err() : 0;
        break;
    case 177: r = do_sigtimedwait(p, a, 0); break;
    case 421: r = do_sigtimedwait(p, a, 1); break;
    default:
        return 0;
    }
    *ret = r;
    return 1;
}
