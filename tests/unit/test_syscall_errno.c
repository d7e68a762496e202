/* Regression tests for the user-mode system call bugs of issue 15, each
 * named after the bug, plus the i386 layouts of the socket and lock
 * calls.  Expected values are Linux's documented behaviour. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "user/user.h"

enum { RW = 0x10000, RO = 0x20000 }; /* a 16 KiB writable and a read-only page */

static UserProc *proc(void)
{
    UserProc *p = calloc(1, sizeof *p);
    p->cpu = e386_cpu_new();
    user_signal_init(p);
    p->brk_start = p->brk_cur = 0x08100000;
    e386_mem_map(p->cpu, RW, 0x4000, E386_PROT_READ | E386_PROT_WRITE);
    e386_mem_map(p->cpu, RO, 0x1000, E386_PROT_READ);
    return p;
}

static void done(UserProc *p)
{
    user_proc_release(p);
    e386_cpu_free(p->cpu);
    free(p);
}

static int32_t sc(UserProc *p, uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4, uint32_t a5)
{
    uint32_t a[6] = { a0, a1, a2, a3, a4, a5 };
    return user_do_syscall(p, nr, a);
}

static void put32(UserProc *p, uint32_t addr, uint32_t v)
{
    uint8_t b[4];
    put_le(b, 4, v);
    ck_assert_int_eq(e386_mem_write(p->cpu, addr, b, 4), 0);
}

static uint32_t get32(UserProc *p, uint32_t addr)
{
    uint32_t v = 0;
    ck_assert_int_eq(g_get32(p, addr, &v), 0);
    return v;
}

START_TEST(test_time_into_readonly_page_is_efault)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 13, RO, 0, 0, 0, 0, 0), -EFAULT);
    ck_assert_int_gt(sc(p, 13, RW, 0, 0, 0, 0, 0), 0);
    done(p);
}
END_TEST

START_TEST(test_fionread_into_readonly_page_is_efault)
{
    UserProc *p = proc();
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], "abc", 3), 3);
    ck_assert_int_eq(sc(p, 54, (uint32_t)fds[0], 0x541b, RO, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sc(p, 54, (uint32_t)fds[0], 0x541b, RW, 0, 0, 0), 0);
    ck_assert_uint_eq(get32(p, RW), 3);
    put32(p, RW, 1); /* FIONBIO now exists */
    ck_assert_int_eq(sc(p, 54, (uint32_t)fds[0], 0x5421, RW, 0, 0, 0), 0);
    ck_assert(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    close(fds[0]);
    close(fds[1]);
    done(p);
}
END_TEST

START_TEST(test_tiocgpgrp_into_readonly_page_is_efault)
{
    UserProc *p = proc();
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0) {
        /* on the master side the kernel reports the slave's group (0 here) */
        int32_t ok = sc(p, 54, (uint32_t)m, 0x540f, RW, 0, 0, 0);
        if (ok == 0)
            ck_assert_int_eq(sc(p, 54, (uint32_t)m, 0x540f, RO, 0, 0, 0), -EFAULT);
        close(m);
    }
    done(p);
}
END_TEST

START_TEST(test_wait4_status_into_readonly_page_is_efault)
{
    UserProc *p = proc();
    pid_t pid = fork();
    if (pid == 0)
        _exit(3);
    ck_assert_int_eq(sc(p, 114, (uint32_t)pid, RO, 0, 0, 0, 0), -EFAULT);
    /* as on Linux the child was reaped all the same */
    ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);
    pid = fork();
    if (pid == 0)
        _exit(4);
    ck_assert_int_eq(sc(p, 114, (uint32_t)pid, RW, 0, RW + 0x100, 0, 0), pid);
    ck_assert_uint_eq(get32(p, RW), 4 << 8);
    done(p);
}
END_TEST

START_TEST(test_brk_above_0xfffff000_does_not_wrap)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 45, 0x08102000, 0, 0, 0, 0, 0), 0x08102000);
    ck_assert_int_eq(sc(p, 45, 0xfffff800u, 0, 0, 0, 0, 0), 0x08102000);
    ck_assert(e386_mem_is_mapped(p->cpu, RW)); /* nothing below was unmapped */
    ck_assert(e386_mem_is_mapped(p->cpu, 0x08101000));
    done(p);
}
END_TEST

START_TEST(test_getdents64_keeps_entries_after_efault)
{
    UserProc *p = proc();
    char dir[] = "/tmp/e386-dents-XXXXXX", path[64];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        close(open(path, O_CREAT | O_WRONLY, 0600));
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    ck_assert_int_eq(sc(p, 220, (uint32_t)fd, RO, 4096, 0, 0, 0), -EFAULT);
    int32_t n = sc(p, 220, (uint32_t)fd, RW, 0x4000, 0, 0, 0);
    ck_assert_int_gt(n, 0);
    int count = 0;
    uint8_t b[0x4000];
    e386_mem_read(p->cpu, RW, b, (size_t)n);
    for (int32_t o = 0; o < n; o += (int32_t)get_le(b + o + 16, 2))
        count++;
    ck_assert_int_eq(count, 7); /* . .. and the five files: none lost */
    /* a buffer whose second page is read-only: the entries that fit */
    e386_mem_map(p->cpu, 0x30000, 0x1000, E386_PROT_READ | E386_PROT_WRITE);
    e386_mem_map(p->cpu, 0x31000, 0x1000, E386_PROT_READ);
    lseek(fd, 0, SEEK_SET);
    ck_assert_int_eq(sc(p, 220, (uint32_t)fd, 0x30ff0, 0x1000, 0, 0, 0), -EFAULT); /* 16 bytes: not even one fits */
    ck_assert_int_eq(sc(p, 220, (uint32_t)fd, RW, 0x4000, 0, 0, 0), n);
    ck_assert_int_eq(sc(p, 220, 999, RO, 4096, 0, 0, 0), -EBADF);
    close(fd);
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/f%d", dir, i);
        unlink(path);
    }
    rmdir(dir);
    done(p);
}
END_TEST

START_TEST(test_pread64_negative_offset_is_einval)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 180, 0, RW, 4, 0xffffffffu, 0xffffffffu, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 180, 999, RW, 4, 0xffffffffu, 0xffffffffu, 0), -EINVAL); /* before the fd */
    ck_assert_int_eq(sc(p, 181, 1, RW, 4, 0, 0x80000000u, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 333, 0, RW, 1, 0xfffffffbu, 0xffffffffu, 0), -EINVAL); /* preadv */
    done(p);
}
END_TEST

START_TEST(test_readv_iov_len_2g_is_einval)
{
    UserProc *p = proc();
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    put32(p, RW, RW + 0x100);
    put32(p, RW + 4, 0x80000000u);
    ck_assert_int_eq(sc(p, 145, (uint32_t)fds[0], RW, 1, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 146, (uint32_t)fds[1], RW, 1, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 145, (uint32_t)fds[0], RW, 1025, 0, 0, 0), -EINVAL);
    close(fds[0]);
    close(fds[1]);
    done(p);
}
END_TEST

START_TEST(test_readv_bad_fd_is_ebadf)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 145, 999, 0x90000000u, 1, 0, 0, 0), -EBADF); /* not EFAULT */
    ck_assert_int_eq(sc(p, 145, 999, RW, 0, 0, 0, 0), -EBADF);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(sc(p, 146, (uint32_t)fds[0], 0x90000000u, 1, 0, 0, 0), -EBADF); /* read end */
    ck_assert_int_eq(sc(p, 3, 999, RO, 4, 0, 0, 0), -EBADF);
    close(fds[0]);
    close(fds[1]);
    done(p);
}
END_TEST

START_TEST(test_mprotect_unknown_prot_bits_is_einval)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 125, RW, 0x1000, 0x10 | 1, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 125, RW, 0x1000, 0x03000001, 0, 0, 0), -EINVAL); /* GROWSDOWN|GROWSUP */
    ck_assert_int_eq(sc(p, 125, RW, 0, 0x10, 0, 0, 0), 0);                 /* len 0 first */
    ck_assert_int_eq(sc(p, 125, RW, 0x1000, 8 | 3, 0, 0, 0), 0);            /* PROT_SEM is known */
    done(p);
}
END_TEST

START_TEST(test_mremap_unknown_flags_is_einval)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 163, RW, 0x1000, 0x2000, 0x10, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 163, RW, 0x1000, 0x2000, 2, 0x40000000, 0), -EINVAL); /* FIXED alone */
    ck_assert_int_eq(sc(p, 163, RW, 0x1000, 0x2000, 5, 0, 0), -EINVAL);          /* DONTUNMAP resizing */
    done(p);
}
END_TEST

START_TEST(test_poll_nfds_limit_is_rlimit_nofile)
{
    UserProc *p = proc();
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    uint32_t n = 1500;
    if (rl.rlim_cur < n + 1 && rl.rlim_max >= n + 1) {
        rl.rlim_cur = n + 1;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur > n) { /* 1500 entries of fd -1: more than the old fixed 1024 */
        e386_mem_map(p->cpu, 0x40000, 0x4000, E386_PROT_READ | E386_PROT_WRITE);
        for (uint32_t i = 0; i < n; i++)
            put32(p, 0x40000 + 8 * i, 0xffffffffu);
        ck_assert_int_eq(sc(p, 168, 0x40000, n, 0, 0, 0, 0), 0);
    }
    ck_assert_int_eq(sc(p, 168, RW, (uint32_t)rl.rlim_cur + 1, 0, 0, 0, 0), -EINVAL);
    done(p);
}
END_TEST

START_TEST(test_readlink_bufsiz_0_is_einval)
{
    UserProc *p = proc();
    e386_mem_write(p->cpu, RW, "/proc/self/exe", 15);
    ck_assert_int_eq(sc(p, 85, RW, RW + 0x100, 0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 85, 0x90000000u, RW + 0x100, 0, 0, 0, 0), -EINVAL); /* before the path */
    ck_assert_int_eq(sc(p, 305, (uint32_t)-100, RW, RW + 0x100, 0x80000000u, 0, 0), -EINVAL);
    done(p);
}
END_TEST

START_TEST(test_getrandom_bad_flags_is_einval)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 355, RW, 16, 8, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 355, RW, 16, 6, 0, 0, 0), -EINVAL); /* RANDOM with INSECURE */
    ck_assert_int_eq(sc(p, 355, RW, 16, 1, 0, 0, 0), 16);
    done(p);
}
END_TEST

/* socketcall(SOCKETPAIR) then a sendmsg with an i386 cmsghdr (12-byte
 * header, 4-byte alignment) carrying SCM_RIGHTS, and the recvmsg side
 * rebuilding it at the i386 offsets. */
START_TEST(test_socketcall_scm_rights_i386_layout)
{
    UserProc *p = proc();
    uint32_t args = RW + 0x200;
    put32(p, args, 1);      /* AF_UNIX */
    put32(p, args + 4, 1);  /* SOCK_STREAM */
    put32(p, args + 8, 0);
    put32(p, args + 12, RW + 0x300);
    ck_assert_int_eq(sc(p, 102, 8, args, 0, 0, 0, 0), 0);
    uint32_t s0 = get32(p, RW + 0x300), s1 = get32(p, RW + 0x304);
    int pf[2];
    ck_assert_int_eq(pipe(pf), 0);
    /* msghdr at RW: no name, one iovec at RW+0x40, control at RW+0x80 */
    e386_mem_write(p->cpu, RW + 0x60, "Z", 1);
    put32(p, RW + 0x40, RW + 0x60);
    put32(p, RW + 0x44, 1);
    uint32_t m[7] = { 0, 0, RW + 0x40, 1, RW + 0x80, 16, 0 };
    for (int i = 0; i < 7; i++)
        put32(p, RW + 4 * (uint32_t)i, m[i]);
    put32(p, RW + 0x80, 16); /* cmsg_len = CMSG_LEN(4) on i386 */
    put32(p, RW + 0x84, 1);  /* SOL_SOCKET */
    put32(p, RW + 0x88, 1);  /* SCM_RIGHTS */
    put32(p, RW + 0x8c, (uint32_t)pf[1]);
    ck_assert_int_eq(sc(p, 370, s0, RW, 0, 0, 0, 0), 1); /* direct sendmsg */
    /* receive into a fresh msghdr at RW+0x1000, control at RW+0x1100 */
    uint32_t r[7] = { 0, 0, RW + 0x40, 1, RW + 0x1100, 16, 0 };
    for (int i = 0; i < 7; i++)
        put32(p, RW + 0x1000 + 4 * (uint32_t)i, r[i]);
    ck_assert_int_eq(sc(p, 372, s1, RW + 0x1000, 0, 0, 0, 0), 1);
    ck_assert_uint_eq(get32(p, RW + 0x1014), 16); /* msg_controllen */
    ck_assert_uint_eq(get32(p, RW + 0x1018), 0);  /* msg_flags */
    ck_assert_uint_eq(get32(p, RW + 0x1100), 16);
    ck_assert_uint_eq(get32(p, RW + 0x1104), 1);
    ck_assert_uint_eq(get32(p, RW + 0x1108), 1);
    int nfd = (int)get32(p, RW + 0x110c);
    ck_assert_int_eq(write(nfd, "q", 1), 1);
    char c = 0;
    ck_assert_int_eq(read(pf[0], &c, 1), 1);
    ck_assert_int_eq(c, 'q');
    /* a cmsg_len past the buffer is EINVAL; an unknown socketcall too */
    put32(p, RW + 0x80, 40);
    ck_assert_int_eq(sc(p, 370, s0, RW, 0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 102, 21, args, 0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 102, 1, 0x90000000u, 0, 0, 0, 0), -EFAULT);
    close(nfd);
    close(pf[0]);
    close(pf[1]);
    close((int)s0);
    close((int)s1);
    done(p);
}
END_TEST

/* getsockname writes an i386 sockaddr_in (family little-endian at 0) and
 * the length; SO_RCVTIMEO takes the 8-byte i386 timeval. */
START_TEST(test_sockaddr_and_timeval_i386_layout)
{
    UserProc *p = proc();
    int32_t s = sc(p, 359, 2, 2, 0, 0, 0, 0); /* socket(AF_INET, SOCK_DGRAM) */
    ck_assert_int_ge(s, 0);
    uint8_t sin[16] = { 2, 0, 0, 0, 127, 0, 0, 1 };
    e386_mem_write(p->cpu, RW, sin, 16);
    ck_assert_int_eq(sc(p, 361, (uint32_t)s, RW, 16, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 361, (uint32_t)s, RW, 129, 0, 0, 0), -EINVAL);
    put32(p, RW + 0x100, 16);
    ck_assert_int_eq(sc(p, 367, (uint32_t)s, RW + 0x20, RW + 0x100, 0, 0, 0), 0);
    uint8_t out[16];
    e386_mem_read(p->cpu, RW + 0x20, out, 16);
    ck_assert_int_eq(out[0], 2);
    ck_assert_int_eq(out[1], 0);
    ck_assert_int_eq(out[4], 127);
    ck_assert_uint_eq(get32(p, RW + 0x100), 16);
    ck_assert_int_eq(sc(p, 367, (uint32_t)s, RW + 0x20, RO, 0, 0, 0), -EFAULT); /* length on a read-only page */
    put32(p, RW + 0x200, 2);
    put32(p, RW + 0x204, 500000);
    ck_assert_int_eq(sc(p, 366, (uint32_t)s, 1, 20, RW + 0x200, 8, 0), 0);
    ck_assert_int_eq(sc(p, 366, (uint32_t)s, 1, 20, RW + 0x200, 7, 0), -EINVAL);
    put32(p, RW + 0x300, 8);
    ck_assert_int_eq(sc(p, 365, (uint32_t)s, 1, 20, RW + 0x210, RW + 0x300, 0), 0);
    ck_assert_uint_eq(get32(p, RW + 0x210), 2);
    ck_assert_uint_eq(get32(p, RW + 0x214), 500000);
    ck_assert_uint_eq(get32(p, RW + 0x300), 8);
    close(s);
    done(p);
}
END_TEST

/* F_SETLK64 reads an i386 struct flock64 (start at 4, len at 12) and
 * F_GETLK64 through plain fcntl (55) is EINVAL, as on Linux. */
START_TEST(test_fcntl_flock64_i386_layout)
{
    UserProc *p = proc();
    char path[] = "/tmp/e386-lock-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t fl[24] = { 0 };
    put_le(fl, 2, 1); /* F_WRLCK */
    put_le(fl + 4, 8, 0x100000000ull);
    put_le(fl + 12, 8, 10);
    e386_mem_write(p->cpu, RW, fl, 24);
    ck_assert_int_eq(sc(p, 221, (uint32_t)fd, 13, RW, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 55, (uint32_t)fd, 13, RW, 0, 0, 0), -EINVAL);
    struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        _exit(fcntl(cfd, F_GETLK, &q) == 0 && q.l_type == F_WRLCK && q.l_start == 0x100000000ll && q.l_len == 10 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    ck_assert_int_eq(sc(p, 221, (uint32_t)fd, 13, 0x90000000u, 0, 0, 0), -EFAULT);
    close(fd);
    unlink(path);
    done(p);
}
END_TEST

/* futex with one thread: a timed FUTEX_WAIT_BITSET returned EDEADLK at
 * once (glibc aborts on that); Linux times out */
START_TEST(test_futex_timed_wait_bitset_times_out_not_edeadlk)
{
    UserProc *p = proc();
    put32(p, RW, 5);
    put32(p, RW + 8, 0); /* an absolute CLOCK_MONOTONIC time long past */
    put32(p, RW + 12, 0);
    ck_assert_int_eq(sc(p, 240, RW, 9 /* WAIT_BITSET */, 5, RW + 8, 0, 0xffffffffu), -ETIMEDOUT);
    ck_assert_int_eq(sc(p, 240, RW, 9 | 128 | 256, 5, RW + 8, 0, 0xffffffffu), -ETIMEDOUT);
    put32(p, RW + 8, 0); /* relative: 1 ms */
    put32(p, RW + 12, 1000000);
    ck_assert_int_eq(sc(p, 240, RW, 0 /* WAIT */, 5, RW + 8, 0, 0), -ETIMEDOUT);
    ck_assert_int_eq(sc(p, 240, RW, 0, 4, RW + 8, 0, 0), -EAGAIN);
    ck_assert_int_eq(sc(p, 240, RW, 9, 5, RW + 8, 0, 0), -EINVAL); /* bitset 0 */
    ck_assert_int_eq(sc(p, 240, RW, 1 /* WAKE */, 1, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 240, 0, 0, 5, 0, 0, 0), -EFAULT);
    done(p);
}
END_TEST

/* one thread: gettid and set_tid_address answer the pid */
START_TEST(test_gettid_is_pid_with_one_thread)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 224, 0, 0, 0, 0, 0, 0), getpid());
    ck_assert_int_eq(sc(p, 258, RW, 0, 0, 0, 0, 0), getpid());
    ck_assert_int_eq(sc(p, 311, RW, 12, 0, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 311, RW, 16, 0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 312, 0, RW + 16, RW + 20, 0, 0, 0), 0);
    ck_assert_uint_eq(get32(p, RW + 16), RW);
    ck_assert_uint_eq(get32(p, RW + 20), 12);
    done(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("syscall_errno");
    TCase *tc = tcase_create("errno");
    tcase_add_test(tc, test_time_into_readonly_page_is_efault);
    tcase_add_test(tc, test_fionread_into_readonly_page_is_efault);
    tcase_add_test(tc, test_tiocgpgrp_into_readonly_page_is_efault);
    tcase_add_test(tc, test_wait4_status_into_readonly_page_is_efault);
    tcase_add_test(tc, test_brk_above_0xfffff000_does_not_wrap);
    tcase_add_test(tc, test_getdents64_keeps_entries_after_efault);
    tcase_add_test(tc, test_pread64_negative_offset_is_einval);
    tcase_add_test(tc, test_readv_iov_len_2g_is_einval);
    tcase_add_test(tc, test_readv_bad_fd_is_ebadf);
    tcase_add_test(tc, test_mprotect_unknown_prot_bits_is_einval);
    tcase_add_test(tc, test_mremap_unknown_flags_is_einval);
    tcase_add_test(tc, test_poll_nfds_limit_is_rlimit_nofile);
    tcase_add_test(tc, test_readlink_bufsiz_0_is_einval);
    tcase_add_test(tc, test_getrandom_bad_flags_is_einval);
    tcase_add_test(tc, test_socketcall_scm_rights_i386_layout);
    tcase_add_test(tc, test_sockaddr_and_timeval_i386_layout);
    tcase_add_test(tc, test_fcntl_flock64_i386_layout);
    tcase_add_test(tc, test_futex_timed_wait_bitset_times_out_not_edeadlk);
    tcase_add_test(tc, test_gettid_is_pid_with_one_thread);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
