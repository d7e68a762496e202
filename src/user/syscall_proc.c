/* Process, memory, time, identity and descriptor-table system calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "user/syscall.h"
#include "user/thread.h"

/* struct user_desc -> descriptor, as the kernel's fill_ldt does */
static void user_desc_to_desc(const uint8_t *u, uint32_t *lo, uint32_t *hi, int *empty)
{
    uint32_t base = (uint32_t)get_le(u + 4, 4), limit = (uint32_t)get_le(u + 8, 4);
    uint32_t f = (uint32_t)get_le(u + 12, 4);
    uint32_t seg32 = f & 1, contents = (f >> 1) & 3, ro = (f >> 3) & 1, pages = (f >> 4) & 1,
             notp = (f >> 5) & 1, usable = (f >> 6) & 1;
    *empty = base == 0 && limit == 0 && contents == 0 && ro == 1 && seg32 == 0 && pages == 0 &&
             notp == 1 && usable == 0;
    *lo = ((base & 0xffff) << 16) | (limit & 0xffff);
    *hi = (base & 0xff000000u) | ((base >> 16) & 0xff) | (limit & 0xf0000u) | ((ro ^ 1) << 9) |
          (contents << 10) | ((notp ^ 1) << 15) | (seg32 << 22) | (pages << 23) | (usable << 20) |
          0x7100u; /* S = 1, DPL 3, and accessed, as Linux sets it so RO mappings work */
}

static void desc_to_user_desc(uint32_t idx, uint32_t lo, uint32_t hi, uint8_t *u)
{
    uint32_t base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0xf0000u);
    uint32_t f = ((hi >> 22) & 1) | (((hi >> 10) & 3) << 1) | ((((hi >> 9) & 1) ^ 1) << 3) |
                 (((hi >> 23) & 1) << 4) | ((((hi >> 15) & 1) ^ 1) << 5) | (((hi >> 20) & 1) << 6);
    put_le(u, 4, idx);
    put_le(u + 4, 4, base);
    put_le(u + 8, 4, limit);
    put_le(u + 12, 4, f);
}

int32_t user_set_thread_area(UserProc *p, uint32_t addr)
{
    uint8_t u[16];
    if (g_read(p, addr, u, 16))
        return -EFAULT;
    uint32_t idx = (uint32_t)get_le(u, 4), lo, hi;
    int empty;
    if (idx == 0xffffffffu) { /* pick a free TLS slot (GDT 6..8) */
        for (idx = 6; idx <= 8; idx++) {
            uint32_t l, h;
            e386_gdt_get(p->cpu, idx, &l, &h);
            if (!(l | h))
                break;
        }
        if (idx > 8)
            return -ESRCH;
        uint8_t b[4];
        put_le(b, 4, idx);
        if (g_write(p, addr, b, 4))
            return -EFAULT;
    }
    if (idx < 6 || idx > 8)
        return -EINVAL;
    user_desc_to_desc(u, &lo, &hi, &empty);
    if ((hi >> 10 & 3) == 3 && !empty) /* contents 3: conforming code, refused */
        return -EINVAL;
    e386_gdt_set(p->cpu, idx, empty ? 0 : lo, empty ? 0 : hi);
    return 0;
}

static int32_t get_thread_area(UserProc *p, uint32_t addr)
{
    uint32_t idx, lo, hi;
    if (g_get32(p, addr, &idx))
        return -EFAULT;
    if (idx < 6 || idx > 8)
        return -EINVAL;
    e386_gdt_get(p->cpu, idx, &lo, &hi);
    uint8_t u[16];
    desc_to_user_desc(idx, lo, hi, u);
    return g_write(p, addr, u, 16);
}

static int32_t modify_ldt(UserProc *p, uint32_t func, uint32_t ptr, uint32_t count)
{
    if (func == 0 || func == 2) {
        /* read the LDT (2: the default, empty one); as Linux, the rest of
         * the buffer is zero-filled and the whole count is returned */
        unsigned n = func == 0 ? e386_ldt_entries(p->cpu) : 0;
        if (count > 8192 * 8)
            count = 8192 * 8;
        if (n == 0 && func == 0)
            return 0;
        for (uint32_t o = 0; o < count; o += 8) {
            uint32_t lo = 0, hi = 0;
            uint8_t b[8];
            if (o / 8 < n)
                e386_ldt_get(p->cpu, o / 8, &lo, &hi);
            put_le(b, 4, lo);
            put_le(b + 4, 4, hi);
            if (g_write(p, ptr + o, b, count - o < 8 ? count - o : 8))
                return -EFAULT;
        }
        return (int32_t)count;
    }
    if (func != 1 && func != 0x11)
        return -ENOSYS;
    if (count != 16)
        return -EINVAL;
    uint8_t u[16];
    if (g_read(p, ptr, u, 16))
        return -EFAULT;
    uint32_t idx = (uint32_t)get_le(u, 4), lo, hi;
    if (idx >= 8192)
        return -EINVAL;
    int empty;
    user_desc_to_desc(u, &lo, &hi, &empty);
    uint32_t contents = (hi >> 10) & 3;
    if (contents == 3 && (func == 1 || !((hi >> 15) & 1)))
        return -EINVAL;
    if (func == 1)
        hi &= ~(1u << 20); /* old mode: write_ldt() clears the AVL ('useable') bit */
    /* an empty descriptor (or base/limit 0 in old mode) clears the entry */
    if (empty || (func == 1 && !(lo | (hi & 0xff0f00ffu))))
        lo = hi = 0;
    return e386_ldt_set(p->cpu, idx, lo, hi) ? -ENOMEM : 0;
}

int32_t user_put_timespec(UserProc *p, uint32_t addr, const struct timespec *ts, int bits64)
{
    uint8_t b[16];
    if (bits64) {
        put_le(b, 8, (uint64_t)ts->tv_sec);
        put_le(b + 8, 8, (uint64_t)ts->tv_nsec);
        return g_write(p, addr, b, 16);
    }
    put_le(b, 4, (uint32_t)ts->tv_sec);
    put_le(b + 4, 4, (uint32_t)ts->tv_nsec);
    return g_write(p, addr, b, 8);
}

int32_t user_get_timespec(UserProc *p, uint32_t addr, struct timespec *ts, int bits64)
{
    uint8_t b[16];
    if (g_read(p, addr, b, bits64 ? 16 : 8))
        return -EFAULT;
    ts->tv_sec = bits64 ? (time_t)get_le(b, 8) : (time_t)(int32_t)get_le(b, 4);
    ts->tv_nsec = bits64 ? (long)get_le(b + 8, 8) : (long)(int32_t)get_le(b + 4, 4);
    return 0;
}

static int32_t do_uname(UserProc *p, uint32_t addr)
{
    struct utsname u;
    if (uname(&u))
        return host_err();
    char b[6 * 65];
    memset(b, 0, sizeof b);
    snprintf(b, 65, "%s", u.sysname);
    snprintf(b + 65, 65, "%s", u.nodename);
    snprintf(b + 130, 65, "%s", u.release);
    snprintf(b + 195, 65, "%s", u.version);
    snprintf(b + 260, 65, "i686");
    snprintf(b + 325, 65, "%s", u.domainname);
    return g_write(p, addr, b, sizeof b);
}

static int32_t do_wait4(UserProc *p, int32_t pid, uint32_t status, int options, uint32_t rusage)
{
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t r;
    USER_BLOCKING(p, r, wait4(pid, &st, options, &ru));
    if (r < 0)
        return host_err();
    /* as Linux, the child is reaped even when the status cannot be stored;
     * a read-only page is EFAULT (g_wput32, not g_put32) */
    if (status && r > 0 && g_wput32(p, status, (uint32_t)st))
        return -EFAULT;
    if (rusage && r > 0 && user_put_rusage(p, rusage, &ru))
        return -EFAULT;
    return r;
}

/* execve: start a fresh emulator on the new program. */
enum {
    CLONE_VM_ = 0x100, CLONE_FS_ = 0x200, CLONE_FILES_ = 0x400, CLONE_SIGHAND_ = 0x800,
    CLONE_PIDFD_ = 0x1000, CLONE_VFORK_ = 0x4000, CLONE_THREAD_ = 0x10000,
    CLONE_NEWNS_ = 0x20000, CLONE_SETTLS_ = 0x80000, CLONE_PARENT_SETTID_ = 0x100000,
    CLONE_CHILD_CLEARTID_ = 0x200000, CLONE_DETACHED_ = 0x400000,
    CLONE_CHILD_SETTID_ = 0x1000000, CLONE_NEWUSER_ = 0x10000000, CLONE_NEWPID_ = 0x20000000,
};

/* clone(flags, newsp, parent_tid, tls, child_tid), the i386 argument
 * order.  Linux's own checks of flag combinations come first (EINVAL).
 * A thread (CLONE_VM|CLONE_THREAD with CLONE_SIGHAND, CLONE_FS and
 * CLONE_FILES, as pthread_create asks) is a new host thread (thread.c).
 * Anything else without CLONE_VM is a host fork: a new process with a
 * copy of the guest.  CLONE_VM with CLONE_VFORK (vfork, posix_spawn) is
 * a fork too, and the parent waits, as vfork's does, until the child has
 * called execve or exited (a close-on-exec pipe tells).  What neither can
 * express (CLONE_VM without CLONE_THREAD or CLONE_VFORK: a process sharing
 * the memory; a thread with its own descriptor table; namespaces) is
 * ENOSYS. */
static int32_t do_clone(UserProc *p, uint32_t flags, uint32_t newsp, uint32_t parent_tid,
                        uint32_t tls, uint32_t child_tid)
{
    if ((flags & (CLONE_NEWNS_ | CLONE_FS_)) == (CLONE_NEWNS_ | CLONE_FS_) ||
        (flags & (CLONE_NEWUSER_ | CLONE_FS_)) == (CLONE_NEWUSER_ | CLONE_FS_) ||
        ((flags & CLONE_THREAD_) && !(flags & CLONE_SIGHAND_)) ||
        ((flags & CLONE_SIGHAND_) && !(flags & CLONE_VM_)) ||
        ((flags & CLONE_THREAD_) && (flags & (CLONE_NEWUSER_ | CLONE_NEWPID_))) ||
        ((flags & CLONE_PIDFD_) && (flags & (CLONE_PARENT_SETTID_ | CLONE_DETACHED_ | CLONE_THREAD_))))
        return -EINVAL;
    int vfork_ = (flags & CLONE_VFORK_) != 0;
    if ((flags & CLONE_THREAD_) && !vfork_) {
        uint32_t needed = CLONE_VM_ | CLONE_FS_ | CLONE_FILES_ | CLONE_SIGHAND_;
        if ((flags & needed) != needed || (flags & (0xfe000000u | CLONE_NEWNS_ | CLONE_PIDFD_)))
            return -ENOSYS;
        return user_thread_clone(p, flags, newsp, parent_tid, tls, child_tid);
    }
    if ((flags & CLONE_VM_) && !vfork_)
        return -ENOSYS; /* a process sharing the address space */
    uint32_t unsupported = CLONE_FS_ | CLONE_FILES_ | CLONE_SIGHAND_ | CLONE_PIDFD_ | CLONE_THREAD_ |
                           0xfe000000u /* namespaces, CLONE_IO */ | CLONE_NEWNS_;
    if (flags & unsupported)
        return -ENOSYS;
    uint8_t tdesc[16];
    if ((flags & CLONE_SETTLS_) && g_read(p, tls, tdesc, sizeof tdesc))
        return -EFAULT;
    int gate[2] = { -1, -1 };
    if (vfork_ && pipe2(gate, O_CLOEXEC) != 0)
        return host_err();
    fflush(NULL);
    /* no thread may hold the threads' lock across the fork: the child's
     * copy would stay locked */
    if (p->mt)
        pthread_mutex_lock(&p->mt->lock);
    pid_t pid = fork();
    if (p->mt && pid != 0)
        pthread_mutex_unlock(&p->mt->lock);
    if (pid == 0)
        user_threads_after_fork(p);
    if (pid < 0) {
        int32_t e = host_err();
        if (vfork_)
            close(gate[0]), close(gate[1]);
        return e;
    }
    if (pid == 0) {
        user_timers_forget(p);
        if (vfork_)
            close(gate[0]); /* gate[1] stays open until execve or exit */
        if (newsp)
            e386_reg_write(p->cpu, E386_ESP, newsp);
        if (flags & CLONE_SETTLS_)
            user_set_thread_area(p, tls);
        if (flags & CLONE_CHILD_SETTID_)
            g_wput32(p, child_tid, (uint32_t)getpid()); /* errors ignored, as schedule_tail() */
        return 0;
    }
    if (flags & CLONE_PARENT_SETTID_)
        g_wput32(p, parent_tid, (uint32_t)pid); /* errors ignored, as kernel_clone() */
    if (vfork_) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) < 0 && errno == EINTR)
            ;
        close(gate[0]);
    }
    return pid;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same numbers on every architecture */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* pidfd_send_signal(pidfd, sig, info, flags) on the host's: the i386
 * siginfo (128 bytes: signo, errno, code, then pid, uid and a 32-bit
 * sigval for the codes a sender may choose) rebuilt as the host's; the
 * host kernel checks what a sender may claim. */
static int32_t do_pidfd_send_signal(UserProc *p, const uint32_t a[6])
{
    siginfo_t si, *sip = NULL;
    if (a[2]) {
        uint8_t b[128];
        if (g_read(p, a[2], b, sizeof b))
            return -EFAULT;
        memset(&si, 0, sizeof si);
        si.si_signo = (int)get_le(b, 4);
        si.si_errno = (int)get_le(b + 4, 4);
        si.si_code = (int)get_le(b + 8, 4);
        si.si_pid = (pid_t)get_le(b + 12, 4);
        si.si_uid = (uid_t)get_le(b + 16, 4);
        si.si_value.sival_int = (int)get_le(b + 20, 4);
        sip = &si;
    }
    return syscall(SYS_pidfd_send_signal, (int)a[0], (int)a[1], sip, a[3]) ? host_err() : 0;
}

/* The scheduling calls, on the host's (guest pids and tids are host
 * ones; policies and struct sched_param, one int, are the same
 * everywhere), with the kernel's order of checks: a NULL param or a
 * negative pid is EINVAL before the copy (EFAULT) and the lookup. */
static int32_t do_sched(UserProc *p, uint32_t nr, const uint32_t a[6])
{
    int32_t pid = (int32_t)a[0];
    long r;
    switch (nr) {
    case 154: case 156: { /* sched_setparam(pid, param), sched_setscheduler(pid, policy, param) */
        uint32_t pa = nr == 154 ? a[1] : a[2], prio;
        if (!pa || pid < 0)
            return -EINVAL;
        if (g_get32(p, pa, &prio))
            return -EFAULT;
        struct sched_param sp = { .sched_priority = (int)prio };
        r = nr == 154 ? syscall(SYS_sched_setparam, pid, &sp)
                      : syscall(SYS_sched_setscheduler, pid, (int)a[1], &sp);
        return r ? host_err() : 0;
    }
    case 155: { /* sched_getparam */
        struct sched_param sp;
        if (!a[1] || pid < 0)
            return -EINVAL;
        if (syscall(SYS_sched_getparam, pid, &sp))
            return host_err();
        return g_wput32(p, a[1], (uint32_t)sp.sched_priority);
    }
    case 157: r = syscall(SYS_sched_getscheduler, pid); break;
    case 159: r = syscall(SYS_sched_get_priority_max, (int)a[0]); break;
    case 160: r = syscall(SYS_sched_get_priority_min, (int)a[0]); break;
    case 161: case 423: { /* sched_rr_get_interval (+ time64) */
        struct timespec ts;
        if (pid < 0)
            return -EINVAL;
        if (syscall(SYS_sched_rr_get_interval, pid, &ts))
            return host_err();
        return user_put_timespec(p, a[1], &ts, nr == 423);
    }
    case 434: r = syscall(SYS_pidfd_open, pid, a[1]); break; /* PIDFD_NONBLOCK is O_NONBLOCK, 04000 */
    case 424: return do_pidfd_send_signal(p, a);
    default: return -ENOSYS;
    }
    return r < 0 ? host_err() : (int32_t)r;
}

int sys_proc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    int32_t r = 0;
    struct timespec ts;
    switch (nr) {
    case 1: /* exit: of this thread; of the process when it is the last */
        p->exit_status = (int)(a[0] & 0xff);
        if (user_nthreads(p) > 1 || (p->cur && !p->cur->is_main))
            user_thread_exit(p);
        else
            p->exited = 1;
        break;
    case 252: /* exit_group */
        p->exited = 1;
        p->exit_status = (int)(a[0] & 0xff);
        break;
    case 45: /* brk: beyond the user range it fails (returns the old break)
              * instead of wrapping the page rounding to 0 */
        r = a[0] >= USER_STACK_TOP ? (int32_t)p->brk_cur : sys_brk(p, a[0]);
        break;
    case 90: { /* old mmap: a pointer to six arguments */
        uint32_t v[6];
        for (int i = 0; i < 6; i++)
            if (g_get32(p, a[0] + 4 * (uint32_t)i, &v[i])) { r = -EFAULT; goto done; }
        r = (v[5] & 0xfff) ? -EINVAL : sys_mmap2(p, v[0], v[1], (int)v[2], (int)v[3], (int)v[4], v[5]);
        break;
    }
    case 192: r = sys_mmap2(p, a[0], a[1], (int)a[2], (int)a[3], (int)a[4], (uint64_t)a[5] << 12); break;
    case 91: r = sys_munmap(p, a[0], a[1]); break;
    case 125: { /* mprotect: the order of Linux's checks */
        uint32_t grows = a[2] & 0x03000000u, prot = a[2] & ~grows;
        if (grows == 0x03000000u || (a[0] & 0xfff)) { r = -EINVAL; break; }
        if (a[1] == 0) { r = 0; break; }
        if ((uint64_t)a[0] + ((a[1] + 0xfffull) & ~0xfffull) > 0xffffffffull) { r = -ENOMEM; break; }
        if (prot & ~0xfu) { r = -EINVAL; break; } /* READ WRITE EXEC SEM */
        r = sys_mprotect(p, a[0], a[1], (int)(prot & 7));
        break;
    }
    case 163: /* mremap: unknown flags, FIXED without MAYMOVE, unaligned: EINVAL */
        if ((a[3] & ~7u) || (a[3] & 3) == 2 || ((a[3] & 4) && (!(a[3] & 1) || a[1] != a[2])) || (a[0] & 0xfff)) {
            r = -EINVAL;
            break;
        }
        r = sys_mremap(p, a[0], a[1], a[2], (int)a[3], a[4]);
        break;
    case 219: r = sys_madvise(p, a[0], a[1], (int)a[2]); break;
    case 144: r = sys_msync(p, a[0], a[1], a[2]); break;
    case 218: r = sys_mincore(p, a[0], a[1], a[2]); break;
    case 20: r = getpid(); break;
    case 224: r = user_tid(p); break; /* gettid */
    case 64: r = getppid(); break;
    case 24: case 199: r = (int32_t)getuid(); break;
    case 47: case 200: r = (int32_t)getgid(); break;
    case 49: case 201: r = (int32_t)geteuid(); break;
    case 50: case 202: r = (int32_t)getegid(); break;
    case 65: r = getpgrp(); break;
    case 132: r = getpgid((pid_t)a[0]); if (r < 0) r = host_err(); break;
    case 57: r = setpgid((pid_t)a[0], (pid_t)a[1]) ? host_err() : 0; break;
    case 66: r = setsid(); if (r < 0) r = host_err(); break;
    case 122: r = do_uname(p, a[0]); break;
    case 74: case 121: { /* sethostname, setdomainname(name, len) on the host's */
        char nm[65] = { 0 };
        int32_t len = (int32_t)a[1];
        /* a length out of range goes to the host as it is: its EPERM or EINVAL */
        if (len >= 0 && len <= 64 && g_read(p, a[0], nm, (uint32_t)len)) { r = -EFAULT; break; }
        r = (nr == 74 ? sethostname(nm, (size_t)len) : setdomainname(nm, (size_t)len)) ? host_err() : 0;
        break;
    }
    case 355: { /* getrandom */
        /* NONBLOCK 1, RANDOM 2, INSECURE 4; RANDOM with INSECURE is EINVAL */
        if ((a[2] & ~7u) || (a[2] & 6) == 6) { r = -EINVAL; break; }
        uint32_t n = a[1] > 256 ? 256 : a[1];
        uint8_t b[256];
        ssize_t got = getrandom(b, n, (unsigned)a[2]);
        r = got < 0 ? host_err() : g_write(p, a[0], b, (size_t)got) ? -EFAULT : (int32_t)got;
        break;
    }
    case 13: { /* time */
        time_t t = time(NULL);
        if (a[0] && g_wput32(p, a[0], (uint32_t)t)) { r = -EFAULT; break; }
        r = (int32_t)t;
        break;
    }
    case 78: { /* gettimeofday */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        uint8_t b[8];
        put_le(b, 4, (uint32_t)tv.tv_sec);
        put_le(b + 4, 4, (uint32_t)tv.tv_usec);
        r = a[0] ? g_write(p, a[0], b, 8) : 0;
        break;
    }
    case 265: case 403: /* clock_gettime(64) */
        if (clock_gettime((clockid_t)a[0], &ts)) { r = host_err(); break; }
        r = user_put_timespec(p, a[1], &ts, nr == 403);
        break;
    case 266: case 406: /* clock_getres(64) */
        if (clock_getres((clockid_t)a[0], &ts)) { r = host_err(); break; }
        r = a[1] ? user_put_timespec(p, a[1], &ts, nr == 406) : 0;
        break;
    case 162: /* nanosleep */
        if ((r = user_get_timespec(p, a[0], &ts, 0)))
            break;
        USER_BLOCKING(p, r, nanosleep(&ts, NULL));
        r = r ? host_err() : 0;
        break;
    case 267: case 407: /* clock_nanosleep(64) */
        if ((r = user_get_timespec(p, a[2], &ts, nr == 407)))
            break;
        USER_BLOCKING(p, r, clock_nanosleep((clockid_t)a[0], (int)a[1], &ts, NULL));
        r = r == -1 ? host_err() : -r;
        break;
    case 243: r = user_set_thread_area(p, a[0]); break;
    case 244: r = get_thread_area(p, a[0]); break;
    case 123: r = modify_ldt(p, a[0], a[1], a[2]); break;
    case 258: /* set_tid_address: cleared and woken at this thread's exit */
        p->clear_tid = a[0];
        r = user_tid(p);
        break;
    case 311: /* set_robust_list: walked at this thread's exit (thread.c) */
        if (a[1] != 12) { r = -EINVAL; break; } /* sizeof(struct robust_list_head) */
        p->robust_head = a[0];
        p->robust_len = a[1];
        break;
    case 312: { /* get_robust_list(pid, head_ptr, len_ptr): this thread's */
        if (a[0] && (int)a[0] != user_tid(p)) { r = user_nthreads(p) > 1 ? -EPERM : -ESRCH; break; }
        if (g_wput32(p, a[2], 12) || g_wput32(p, a[1], p->robust_head)) { r = -EFAULT; break; }
        break;
    }
    case 386: r = -ENOSYS; break;  /* rseq */
    case 75: case 76: case 191: case 340: { /* setrlimit, getrlimit, ugetrlimit, prlimit64 */
        int res = (int)(nr == 340 ? a[1] : a[0]);
        uint32_t in = nr == 340 ? a[2] : nr == 75 ? a[1] : 0, out = nr == 340 ? a[3] : nr == 75 ? 0 : a[1];
        struct rlimit rl, nl;
        uint8_t b[16];
        /* guest tids are host tids: prlimit64 of another process (or -1:
         * ESRCH) is the host's, with the memory limits as for our own */
        pid_t pid = nr == 340 ? (pid_t)a[0] : 0;
        if (in) { /* 32-bit limits: all ones is RLIM_INFINITY */
            if (g_read(p, in, b, nr == 340 ? 16 : 8)) { r = -EFAULT; break; }
            uint64_t c = nr == 340 ? get_le(b, 8) : get_le(b, 4), m = nr == 340 ? get_le(b + 8, 8) : get_le(b + 4, 4);
            uint64_t inf = nr == 340 ? ~0ull : 0xffffffffull;
            nl.rlim_cur = c == inf ? RLIM_INFINITY : (rlim_t)c;
            nl.rlim_max = m == inf ? RLIM_INFINITY : (rlim_t)m;
        }
        /* the host's checks, in Linux's order: ESRCH, EPERM, EINVAL */
        if (prlimit(pid, res, NULL, &rl)) { r = host_err(); break; }
        if (in) {
            if (nl.rlim_cur > nl.rlim_max) { r = -EINVAL; break; }
            /* the limits on memory would bind the emulator itself, not just
             * the guest: checked, then not applied */
            int mem = res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_STACK || res == RLIMIT_MEMLOCK;
            if (mem ? nl.rlim_max > rl.rlim_max && geteuid() != 0 : prlimit(pid, res, &nl, NULL) != 0) {
                r = mem ? -EPERM : host_err();
                break;
            }
        }
        if (!out) break;
        if (nr == 340) {
            put_le(b, 8, rl.rlim_cur == RLIM_INFINITY ? ~0ull : rl.rlim_cur);
            put_le(b + 8, 8, rl.rlim_max == RLIM_INFINITY ? ~0ull : rl.rlim_max);
            r = g_write(p, out, b, 16);
        } else { /* the old getrlimit's infinity is 0x7fffffff */
            uint64_t lim = nr == 76 ? 0x7fffffffu : 0xffffffffu;
            put_le(b, 4, rl.rlim_cur > lim ? lim : rl.rlim_cur);
            put_le(b + 4, 4, rl.rlim_max > lim ? lim : rl.rlim_max);
            r = g_write(p, out, b, 8);
        }
        break;
    }
    case 154: case 155: case 156: case 157: case 159: case 160: case 161: case 423: case 424: case 434:
        r = do_sched(p, nr, a);
        break;
    case 158: /* sched_yield: the turn goes to the next waiting thread */
        if (user_nthreads(p) > 1)
            user_yield(p);
        else
            sched_yield();
        break;
    case 240: r = sys_futex(p, a, 0); break;
    case 422: r = sys_futex(p, a, 1); break; /* futex_time64 */
    case 2: r = do_clone(p, 17 /* SIGCHLD */, 0, 0, 0, 0); break; /* fork */
    case 190: r = do_clone(p, CLONE_VM_ | CLONE_VFORK_ | 17, 0, 0, 0, 0); break; /* vfork */
    case 120: r = do_clone(p, a[0], a[1], a[2], a[3], a[4]); break;
    case 11: r = sys_execve(p, a[0], a[1], a[2]); break;
    case 358: r = sys_execveat(p, a[0], a[1], a[2], a[3], a[4]); break;
    case 114: r = do_wait4(p, (int32_t)a[0], a[1], (int)a[2], a[3]); break;
    case 7: r = do_wait4(p, (int32_t)a[0], a[1], (int)a[2], 0); break;
    case 238: case 270: { /* tkill(tid, sig), tgkill(tgid, tid, sig): a thread of ours, or a host one */
        int32_t tgid = nr == 270 ? (int32_t)a[0] : getpid(), tid = (int32_t)(nr == 270 ? a[1] : a[0]);
        int sig = (int)(nr == 270 ? a[2] : a[1]);
        if (tid <= 0 || tgid <= 0 || sig < 0 || sig >= USER_NSIG) { r = -EINVAL; break; }
        if (tgid != getpid()) { r = syscall(SYS_tgkill, tgid, tid, sig) ? host_err() : 0; break; }
        GuestSiginfo si = { .signo = sig, .code = -6 /* SI_TKILL */, .pid = getpid(), .uid = (int)getuid() };
        r = user_thread_kill(p, tid, &si);
        if (r == -ESRCH && nr == 238) /* a tid of another process */
            r = syscall(SYS_tkill, tid, sig) ? host_err() : 0;
        break;
    }
    case 37: { /* kill */
        int32_t pid = (int32_t)a[0];
        int sig = (int)a[1];
        if (sig < 0 || sig >= USER_NSIG) { r = -EINVAL; break; }
        if (pid == getpid()) {
            if (sig) {
                GuestSiginfo si = { .signo = sig, .code = 0, .pid = getpid(), .uid = (int)getuid() };
                user_raise(p, &si);
            }
            r = 0;
        } else {
            r = kill(pid, sig) ? host_err() : 0;
        }
        break;
    }
    case 174: r = sys_rt_sigaction(p, (int)a[0], a[1], a[2], a[3]); break;
    case 67: r = sys_sigaction_old(p, (int)a[0], a[1], a[2]); break;
    case 175: r = sys_rt_sigprocmask(p, (int)a[0], a[1], a[2], a[3]); break;
    case 126: r = sys_rt_sigprocmask(p, (int)a[0], a[1], a[2], 4); break;
    case 186: r = sys_sigaltstack(p, a[0], a[1]); break;
    case 72: r = sys_sigsuspend(p, a[2]); break; /* sigsuspend(unused, unused, old_sigset_t) */
    case 179: { /* rt_sigsuspend */
        uint64_t mask = 0;
        int has = 0;
        r = a[1] != 8 ? -EINVAL : a[0] ? user_read_sigmask(p, a[0], a[1], &mask, &has) : -EFAULT;
        if (!r)
            r = sys_sigsuspend(p, mask);
        break;
    }
    case 73: case 176: { /* sigpending, rt_sigpending */
        uint8_t b[8];
        uint32_t size = nr == 73 ? 4 : a[1];
        if (size != 4 && size != 8) { r = -EINVAL; break; }
        put_le(b, 8, p->sigpending | p->shared_pending);
        r = g_write(p, a[0], b, size);
        break;
    }
    case 27: r = (int32_t)alarm(a[0]); break;
    case 29: /* pause */
        USER_BLOCKING(p, r, pause());
        r = -EINTR;
        break;
    default:
        return 0;
    }
done:
    *ret = r;
    return 1;
}
