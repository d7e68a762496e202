/* The system call layer on a fresh process: memory calls, structure
 * layouts written little-endian at the i386 offsets, errno passing, bad
 * guest pointers, descriptor-table calls, unknown calls. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "user/user.h"

static UserProc *proc(void)
{
    UserProc *p = calloc(1, sizeof *p);
    p->cpu = e386_cpu_new();
    user_signal_init(p);
    p->brk_start = p->brk_cur = 0x08100000;
    e386_mem_map(p->cpu, 0x10000, 0x4000, E386_PROT_READ | E386_PROT_WRITE);
    e386_mem_map(p->cpu, 0x20000, 0x1000, E386_PROT_READ); /* read-only */
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

START_TEST(test_brk)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 45, 0, 0, 0, 0, 0, 0), 0x08100000);
    ck_assert_int_eq(sc(p, 45, 0x08102345, 0, 0, 0, 0, 0), 0x08102345);
    uint8_t z[4] = { 1, 1, 1, 1 };
    ck_assert_int_eq(e386_mem_read(p->cpu, 0x08102000, z, 4), 0);
    ck_assert_int_eq(z[0] | z[1] | z[2] | z[3], 0); /* new memory reads as zero */
    ck_assert_int_eq(sc(p, 45, 0x08100000, 0, 0, 0, 0, 0), 0x08100000);
    ck_assert(!e386_mem_is_mapped(p->cpu, 0x08101000));
    done(p);
}
END_TEST

START_TEST(test_mmap_munmap_mprotect)
{
    UserProc *p = proc();
    uint32_t a = (uint32_t)sc(p, 192, 0, 0x5000, 3, 0x22, (uint32_t)-1, 0); /* anonymous, private */
    ck_assert_uint_lt(a, 0xfffff000u); /* not an error code */
    ck_assert_int_eq(a & 0xfff, 0);
    ck_assert(e386_mem_is_mapped(p->cpu, (uint32_t)a + 0x4000));
    uint32_t b = (uint32_t)sc(p, 192, 0, 0x1000, 1, 0x22, (uint32_t)-1, 0);
    ck_assert(b != a && (b + 0x1000 <= a || b >= a + 0x5000)); /* no overlap */
    ck_assert_int_eq(sc(p, 125, (uint32_t)a, 0x1000, 1, 0, 0, 0), 0);
    ck_assert_int_eq(e386_mem_prot(p->cpu, (uint32_t)a) & E386_PROT_WRITE, 0);
    ck_assert_int_eq(sc(p, 91, (uint32_t)a, 0x5000, 0, 0, 0, 0), 0);
    ck_assert(!e386_mem_is_mapped(p->cpu, (uint32_t)a));
    ck_assert_int_eq(sc(p, 192, 0, 0, 3, 0x22, (uint32_t)-1, 0), -EINVAL);       /* zero length */
    ck_assert_int_eq(sc(p, 192, 0x1001, 0x1000, 3, 0x32, (uint32_t)-1, 0), -EINVAL); /* unaligned fixed */
    ck_assert_int_eq(sc(p, 91, 0x1001, 0x1000, 0, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 125, 0x70000000, 0x1000, 1, 0, 0, 0), -ENOMEM);       /* unmapped */
    done(p);
}
END_TEST

START_TEST(test_stat64_layout)
{
    UserProc *p = proc();
    char path[] = "/tmp/e386-stat-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "0123456789", 10), 10);
    close(fd);
    e386_mem_write(p->cpu, 0x10000, path, sizeof path);
    ck_assert_int_eq(sc(p, 195, 0x10000, 0x11000, 0, 0, 0, 0), 0);
    struct stat st;
    stat(path, &st);
    uint8_t b[96];
    e386_mem_read(p->cpu, 0x11000, b, 96);
    ck_assert_uint_eq(get_le(b + 16, 4), st.st_mode);      /* st_mode */
    ck_assert_uint_eq(get_le(b + 44, 8), 10);              /* st_size */
    ck_assert_uint_eq(get_le(b + 88, 8), (uint64_t)st.st_ino);
    ck_assert_uint_eq(get_le(b + 12, 4), (uint32_t)st.st_ino);
    ck_assert_uint_eq(get_le(b + 72, 4), (uint32_t)st.st_mtim.tv_sec);
    /* errno passes through: a missing file */
    e386_mem_write(p->cpu, 0x10100, "/nonexistent/x", 15);
    ck_assert_int_eq(sc(p, 195, 0x10100, 0x11000, 0, 0, 0, 0), -ENOENT);
    /* bad guest pointers give EFAULT, never a crash */
    ck_assert_int_eq(sc(p, 195, 0x10000, 0x20000, 0, 0, 0, 0), -EFAULT); /* read-only buffer */
    ck_assert_int_eq(sc(p, 195, 0x90000000, 0x11000, 0, 0, 0, 0), -EFAULT);
    unlink(path);
    done(p);
}
END_TEST

START_TEST(test_read_write_fault)
{
    UserProc *p = proc();
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    e386_mem_write(p->cpu, 0x10000, "hello", 5);
    ck_assert_int_eq(sc(p, 4, (uint32_t)fds[1], 0x10000, 5, 0, 0, 0), 5);
    ck_assert_int_eq(sc(p, 4, (uint32_t)fds[1], 0x90000000, 5, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sc(p, 3, (uint32_t)fds[0], 0x20000, 5, 0, 0, 0), -EFAULT); /* into read-only */
    /* the refused read consumed nothing: regression test for data loss */
    ck_assert_int_eq(sc(p, 3, (uint32_t)fds[0], 0x12000, 5, 0, 0, 0), 5);
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(sc(p, 3, 999, 0x10000, 5, 0, 0, 0), -EBADF);
    done(p);
}
END_TEST

START_TEST(test_ldt_and_tls)
{
    UserProc *p = proc();
    uint8_t u[16];
    /* entry 2: base 0x10000, limit 0xfff, 32-bit data */
    put_le(u, 4, 2);
    put_le(u + 4, 4, 0x10000);
    put_le(u + 8, 4, 0xfff);
    put_le(u + 12, 4, 1);
    e386_mem_write(p->cpu, 0x10000, u, 16);
    ck_assert_int_eq(sc(p, 123, 1, 0x10000, 16, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 123, 1, 0x10000, 15, 0, 0, 0), -EINVAL); /* wrong size */
    ck_assert_int_eq(e386_reg_write(p->cpu, E386_FS, 2 << 3 | 7), 0);
    ck_assert_uint_eq(e386_seg_base(p->cpu, 4), 0x10000);
    put_le(u, 4, 9000);
    e386_mem_write(p->cpu, 0x10000, u, 16);
    ck_assert_int_eq(sc(p, 123, 1, 0x10000, 16, 0, 0, 0), -EINVAL); /* beyond 8192 entries */
    /* set_thread_area with entry -1 picks a GDT slot and writes it back */
    put_le(u, 4, 0xffffffffu);
    put_le(u + 4, 4, 0x12340000);
    put_le(u + 8, 4, 0xfffff);
    put_le(u + 12, 4, 0x51); /* seg_32bit, limit_in_pages, useable */
    e386_mem_write(p->cpu, 0x10000, u, 16);
    ck_assert_int_eq(sc(p, 243, 0x10000, 0, 0, 0, 0, 0), 0);
    e386_mem_read(p->cpu, 0x10000, u, 4);
    uint32_t entry = (uint32_t)get_le(u, 4);
    ck_assert_uint_eq(entry, 6);
    ck_assert_int_eq(e386_reg_write(p->cpu, E386_GS, entry << 3 | 3), 0);
    ck_assert_uint_eq(e386_seg_base(p->cpu, 5), 0x12340000);
    ck_assert_int_eq(e386_reg_write(p->cpu, E386_GS, 30 << 3 | 3), -1); /* empty descriptor */
    done(p);
}
END_TEST

/* timer_create was ENOSYS, and Check (every unit test here) arms its test
 * timeout with it: the i386 build of the unit tests could not run under
 * emu386-user at all ("Error in call to timer_create"). */
START_TEST(test_timer_create_for_check_timeouts)
{
    UserProc *p = proc();
    uint8_t sev[16] = { 0 };
    put_le(sev + 4, 4, SIGALRM);
    put_le(sev + 8, 4, 1); /* SIGEV_NONE: armed, never fires */
    ck_assert_int_eq(e386_mem_write(p->cpu, 0x10000, sev, 16), 0);
    ck_assert_int_eq(sc(p, 259, 1 /* CLOCK_MONOTONIC */, 0x10000, 0x10100, 0, 0, 0), 0);
    uint32_t id = 99;
    ck_assert_int_eq(g_get32(p, 0x10100, &id), 0);
    ck_assert_uint_lt(id, USER_NTIMERS);
    uint8_t its[16] = { 0 };
    put_le(its + 8, 4, 100); /* it_value: 100 s, no interval */
    ck_assert_int_eq(e386_mem_write(p->cpu, 0x10200, its, 16), 0);
    ck_assert_int_eq(sc(p, 260, id, 0, 0x10200, 0x10300, 0, 0), 0); /* timer_settime, old value out */
    ck_assert_int_eq(sc(p, 261, id, 0x10400, 0, 0, 0, 0), 0);        /* timer_gettime */
    uint32_t sec = 0;
    ck_assert_int_eq(g_get32(p, 0x10408, &sec), 0);
    ck_assert(sec >= 98 && sec <= 100);
    /* an i386 timer_settime64 takes 64-bit fields */
    uint8_t its64[32] = { 0 };
    put_le(its64 + 16, 8, 50);
    ck_assert_int_eq(e386_mem_write(p->cpu, 0x10500, its64, 32), 0);
    ck_assert_int_eq(sc(p, 409, id, 0, 0x10500, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 408, id, 0x10600, 0, 0, 0, 0), 0);
    ck_assert_int_eq(g_get32(p, 0x10610, &sec), 0);
    ck_assert(sec >= 48 && sec <= 50);
    /* bad ids, bad pointers, undeliverable signals */
    ck_assert_int_eq(sc(p, 260, 12345, 0, 0x10200, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 260, id, 0, 0xfffffff0u, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sc(p, 260, id, 0, 0x10200, 0x20000, 0, 0), -EFAULT); /* read-only old value */
    ck_assert_int_eq(sc(p, 259, 1, 0x10000, 0x20000, 0, 0, 0), -EFAULT);
    put_le(sev + 4, 4, SIGSEGV);
    put_le(sev + 8, 4, 0);
    ck_assert_int_eq(e386_mem_write(p->cpu, 0x10000, sev, 16), 0);
    ck_assert_int_eq(sc(p, 259, 1, 0x10000, 0x10100, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 263, id, 0, 0, 0, 0, 0), 0); /* timer_delete */
    ck_assert_int_eq(sc(p, 263, id, 0, 0, 0, 0, 0), -EINVAL);
    done(p);
}
END_TEST

START_TEST(test_unknown_and_identity)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 9999, 0, 0, 0, 0, 0, 0), -ENOSYS);
    ck_assert_int_eq(sc(p, 386, 0, 0, 0, 0, 0, 0), -ENOSYS); /* rseq: glibc copes */
    ck_assert_int_eq(sc(p, 20, 0, 0, 0, 0, 0, 0), getpid());
    ck_assert_int_eq(sc(p, 122, 0x10000, 0, 0, 0, 0, 0), 0);   /* uname */
    char m[65];
    e386_mem_read(p->cpu, 0x10000 + 4 * 65, m, 65);
    ck_assert_str_eq(m, "i686");
    ck_assert_int_eq(sc(p, 1, 3, 0, 0, 0, 0, 0), 0); /* exit: recorded, not performed */
    ck_assert(p->exited && p->exit_status == 3);
    done(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("syscall");
    TCase *tc = tcase_create("syscall");
    tcase_add_test(tc, test_brk);
    tcase_add_test(tc, test_mmap_munmap_mprotect);
    tcase_add_test(tc, test_stat64_layout);
    tcase_add_test(tc, test_read_write_fault);
    tcase_add_test(tc, test_ldt_and_tls);
    tcase_add_test(tc, test_unknown_and_identity);
    tcase_add_test(tc, test_timer_create_for_check_timeouts);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
