/* Regression tests for the user-mode bugs of issue 15 (faults, signals,
 * clone, the ELF interpreter, execve), each named after the bug.  The
 * expected values are Linux's documented behaviour (arch/x86 traps.c,
 * kernel/signal.c do_sigaltstack, kernel/fork.c copy_process,
 * fs/binfmt_elf.c, fs/binfmt_script.c, fs/exec.c). */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "user/user.h"

enum { CODE = 0x10000, DATA = 0x20000, STACK = 0x30000 };

static UserProc *proc(void)
{
    UserProc *p = calloc(1, sizeof *p);
    p->cpu = e386_cpu_new();
    user_signal_init(p);
    e386_mem_map(p->cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC);
    e386_mem_map(p->cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE);
    e386_mem_map(p->cpu, STACK, 0x4000, E386_PROT_READ | E386_PROT_WRITE);
    e386_reg_write(p->cpu, E386_ESP, STACK + 0x3000);
    ssize_t n = readlink("/proc/self/exe", p->self_path, sizeof p->self_path - 1);
    p->self_path[n > 0 ? n : 0] = 0;
    return p;
}

static void done(UserProc *p)
{
    user_proc_release(p);
    e386_cpu_free(p->cpu);
    free(p);
}

static int32_t sc(UserProc *p, uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t a4)
{
    uint32_t a[6] = { a0, a1, a2, a3, a4, 0 };
    return user_do_syscall(p, nr, a);
}

static void poke(UserProc *p, uint32_t addr, const void *b, size_t n)
{
    ck_assert_int_eq(e386_mem_write(p->cpu, addr, b, n), 0);
}

static void put32(UserProc *p, uint32_t addr, uint32_t v)
{
    uint8_t b[4];
    put_le(b, 4, v);
    poke(p, addr, b, 4);
}

static uint32_t get32(UserProc *p, uint32_t addr)
{
    uint8_t b[4];
    ck_assert_int_eq(e386_mem_read(p->cpu, addr, b, 4), 0);
    return (uint32_t)get_le(b, 4);
}

/* Run the code at CODE until it stops; the exit record. */
static e386_exit run_code(UserProc *p, const uint8_t *code, size_t n, uint32_t eflags_or)
{
    poke(p, CODE, code, n);
    e386_reg_write(p->cpu, E386_EIP, CODE);
    e386_reg_write(p->cpu, E386_EFLAGS, e386_reg_read(p->cpu, E386_EFLAGS) | eflags_or);
    e386_exit ex;
    memset(&ex, 0, sizeof ex);
    int r = e386_run(p->cpu, 100, &ex);
    ck_assert(r == E386_EXIT_EXCEPTION || r == E386_EXIT_INTERRUPT);
    return ex;
}

/* int n for a vector without a DPL-3 gate: #GP(n*8+2), SIGSEGV with
 * trapno 13, never the signal of the exception the vector names. */
START_TEST(test_int_n_other_vectors_raise_gp_not_their_exception)
{
    static const uint8_t vecs[] = { 0, 1, 5, 6, 11, 12, 13, 14, 16, 0x81 };
    for (size_t i = 0; i < sizeof vecs; i++) {
        UserProc *p = proc();
        uint8_t code[2] = { 0xcd, vecs[i] };
        e386_exit ex = run_code(p, code, 2, 0);
        user_fault(p, &ex);
        ck_assert_msg(p->sigpending & (1ull << (SIGSEGV - 1)), "int %#x: no SIGSEGV", vecs[i]);
        ck_assert_int_eq(p->sigpending & ~(1ull << (SIGSEGV - 1)), 0);
        ck_assert_int_eq(p->siginfo[SIGSEGV].trapno, 13);
        ck_assert_uint_eq(p->siginfo[SIGSEGV].err, vecs[i] * 8u + 2);
        ck_assert_int_eq(p->siginfo[SIGSEGV].code, 0x80); /* SI_KERNEL */
        done(p);
    }
    /* int3 keeps its own gate: SIGTRAP */
    UserProc *p = proc();
    uint8_t code[2] = { 0xcd, 3 };
    e386_exit ex = run_code(p, code, 2, 0);
    user_fault(p, &ex);
    ck_assert(p->sigpending & (1ull << (SIGTRAP - 1)));
    done(p);
}
END_TEST

/* The single-step trap reports the next instruction in si_addr
 * (send_sigtrap), TRAP_TRACE as si_code. */
START_TEST(test_single_step_sigtrap_si_addr_is_eip)
{
    UserProc *p = proc();
    static const uint8_t code[] = { 0x90, 0x90, 0x90 };
    e386_exit ex = run_code(p, code, sizeof code, 0x100 /* TF */);
    ck_assert_int_eq(ex.vector, 1);
    user_fault(p, &ex);
    ck_assert(p->sigpending & (1ull << (SIGTRAP - 1)));
    ck_assert_int_eq(p->siginfo[SIGTRAP].code, 2);
    ck_assert_uint_eq(p->siginfo[SIGTRAP].addr, e386_reg_read(p->cpu, E386_EIP));
    ck_assert_uint_ne(p->siginfo[SIGTRAP].addr, 0);
    done(p);
}
END_TEST

/* user_desc: entry, base, limit, flags (seg_32bit 1, contents 2,
 * read_exec_only 8, limit_in_pages 16, seg_not_present 32, useable 64) */
static void user_desc(UserProc *p, uint32_t at, uint32_t entry, uint32_t flags)
{
    put32(p, at, entry);
    put32(p, at + 4, 0x1000);
    put32(p, at + 8, 0xfff);
    put32(p, at + 12, flags);
}

START_TEST(test_modify_ldt_1_clears_avl_bit)
{
    UserProc *p = proc();
    user_desc(p, DATA, 0, 1 | 64); /* 32-bit data, useable */
    ck_assert_int_eq(sc(p, 123, 1, DATA, 16, 0, 0), 0);
    ck_assert_int_eq(sc(p, 123, 0, DATA + 0x100, 8, 0, 0), 8);
    ck_assert_uint_eq(get32(p, DATA + 0x104) & (1u << 20), 0); /* old mode: AVL cleared */
    user_desc(p, DATA, 1, 1 | 64);
    ck_assert_int_eq(sc(p, 123, 0x11, DATA, 16, 0, 0), 0);
    ck_assert_int_eq(sc(p, 123, 0, DATA + 0x100, 16, 0, 0), 16);
    ck_assert_uint_ne(get32(p, DATA + 0x10c) & (1u << 20), 0); /* new mode keeps it */
    done(p);
}
END_TEST

static void stack_t_at(UserProc *p, uint32_t at, uint32_t sp, uint32_t flags, uint32_t size)
{
    put32(p, at, sp);
    put32(p, at + 4, flags);
    put32(p, at + 8, size);
}

START_TEST(test_sigaltstack_bad_flags_is_einval)
{
    UserProc *p = proc();
    stack_t_at(p, DATA, STACK, 4, 0x2000); /* no such mode */
    ck_assert_int_eq(sc(p, 186, DATA, 0, 0, 0, 0), -EINVAL);
    stack_t_at(p, DATA, STACK, 3, 0x2000);
    ck_assert_int_eq(sc(p, 186, DATA, 0, 0, 0, 0), -EINVAL);
    stack_t_at(p, DATA, STACK, 0, 1024); /* below MINSIGSTKSZ */
    ck_assert_int_eq(sc(p, 186, DATA, 0, 0, 0, 0), -ENOMEM);
    /* SS_AUTODISARM is accepted and reported back */
    stack_t_at(p, DATA, STACK, 1u << 31, 0x2000);
    ck_assert_int_eq(sc(p, 186, DATA, 0, 0, 0, 0), 0);
    ck_assert_int_eq(sc(p, 186, 0, DATA + 0x20, 0, 0, 0), 0);
    ck_assert_uint_eq(get32(p, DATA + 0x24), 1u << 31);
    /* while running on it: EPERM */
    e386_reg_write(p->cpu, E386_ESP, STACK + 0x1000);
    stack_t_at(p, DATA, 0, 2, 0);
    ck_assert_int_eq(sc(p, 186, DATA, 0, 0, 0, 0), -EPERM);
    done(p);
}
END_TEST

START_TEST(test_clone_invalid_flag_combinations_are_einval)
{
    UserProc *p = proc();
    ck_assert_int_eq(sc(p, 120, 0x800 | 17, 0, 0, 0, 0), -EINVAL);             /* SIGHAND without VM */
    ck_assert_int_eq(sc(p, 120, 0x10000 | 0x100 | 17, 0, 0, 0, 0), -EINVAL);   /* THREAD without SIGHAND */
    ck_assert_int_eq(sc(p, 120, 0x20000 | 0x200 | 17, 0, 0, 0, 0), -EINVAL);   /* NEWNS with FS */
    ck_assert_int_eq(sc(p, 120, 0x10000000 | 0x200 | 17, 0, 0, 0, 0), -EINVAL); /* NEWUSER with FS */
    ck_assert_int_eq(sc(p, 120, 0x1000 | 0x100000 | 17, 0, 0, 0, 0), -EINVAL); /* PIDFD with PARENT_SETTID */
    ck_assert_int_eq(sc(p, 120, 0x10000 | 0x800 | 0x100 | 0x20000000, 0, 0, 0, 0), -EINVAL); /* THREAD with NEWPID */
    ck_assert_int_eq(sc(p, 120, 0x1000 | 0x10000 | 0x800 | 0x100, 0, 0, 0, 0), -EINVAL);  /* PIDFD with THREAD */
    done(p);
}
END_TEST

/* vfork (CLONE_VM|CLONE_VFORK, as posix_spawn uses it) is a fork whose
 * parent waits until the child has exited or exec'd; PARENT_SETTID is
 * written in the parent. */
START_TEST(test_clone_vm_vfork_runs_and_parent_settid_is_written)
{
    UserProc *p = proc();
    int note[2];
    ck_assert_int_eq(pipe2(note, O_NONBLOCK), 0);
    int32_t pid = sc(p, 120, 0x100 | 0x4000 | 0x100000 | 17, STACK + 0x2000, DATA, 0, 0);
    if (pid == 0) {
        usleep(20000); /* the parent must still be waiting after this */
        if (write(note[1], "x", 1) != 1)
            _exit(1);
        _exit(7);
    }
    ck_assert_int_gt(pid, 0);
    char c;
    ck_assert_int_eq(read(note[0], &c, 1), 1); /* written before vfork returned here */
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    ck_assert_uint_eq(get32(p, DATA), (uint32_t)pid);
    done(p);
}
END_TEST

/* A minimal i386 ELF with a PT_INTERP of the given bytes. */
static size_t make_elf_with_interp(uint8_t *b, size_t cap, const char *interp, size_t ilen)
{
    memset(b, 0, cap);
    memcpy(b, "\177ELF", 4);
    b[4] = 1; b[5] = 1; b[6] = 1;
    put_le(b + 16, 2, 2);
    put_le(b + 18, 2, 3);
    put_le(b + 20, 4, 1);
    put_le(b + 24, 4, 0x08048100);
    put_le(b + 28, 4, 52);
    put_le(b + 40, 2, 52);
    put_le(b + 42, 2, 32);
    put_le(b + 44, 2, 2);
    uint8_t *ph = b + 52;
    put_le(ph, 4, 3);             /* PT_INTERP */
    put_le(ph + 4, 4, 0x200);
    put_le(ph + 16, 4, ilen);
    memcpy(b + 0x200, interp, ilen);
    ph += 32;
    put_le(ph, 4, 1);             /* PT_LOAD */
    put_le(ph + 8, 4, 0x08048000);
    put_le(ph + 16, 4, 0x1000);
    put_le(ph + 20, 4, 0x1000);
    put_le(ph + 24, 4, 5);
    put_le(ph + 28, 4, 0x1000);
    return 0x1000;
}

START_TEST(test_pt_interp_without_nul_is_enoexec)
{
    uint8_t b[0x1000];
    size_t n = make_elf_with_interp(b, sizeof b, "/lib/ld-linux.so.2X", 19); /* no NUL */
    ElfImage img;
    int dyn;
    char err[256];
    ck_assert_int_ne(elf_probe(b, n, &img, &dyn, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(err, "NUL"));
    make_elf_with_interp(b, sizeof b, "/lib/ld-linux.so.2", 19); /* with its NUL */
    ck_assert_int_eq(elf_probe(b, n, &img, &dyn, err, sizeof err), 0);
    ck_assert_str_eq(img.interp, "/lib/ld-linux.so.2");
}
END_TEST

static char tmpdir[] = "/tmp/emu386-userbugs.XXXXXX";

static void write_file(const char *path, const void *b, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
    close(fd);
}

static void rm_tmpdir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* execve(path, {path, NULL}, {NULL}) from the guest: the return value */
static int32_t guest_execve(UserProc *p, const char *path)
{
    poke(p, DATA + 0x100, path, strlen(path) + 1);
    put32(p, DATA + 0x80, DATA + 0x100);
    put32(p, DATA + 0x84, 0);
    put32(p, DATA + 0x88, 0);
    return sc(p, 11, DATA + 0x100, DATA + 0x80, DATA + 0x88, 0, 0);
}

/* A program interpreter that is a FIFO: open() used to wait forever for a
 * writer; Linux refuses it (EACCES), and the loader does not block. */
START_TEST(test_pt_interp_on_fifo_is_eacces_not_a_hang)
{
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char fifo[256], prog[256];
    snprintf(fifo, sizeof fifo, "%s/fifo", tmpdir);
    snprintf(prog, sizeof prog, "%s/prog", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0755), 0);
    uint8_t b[0x1000];
    size_t n = make_elf_with_interp(b, sizeof b, fifo, strlen(fifo) + 1);
    write_file(prog, b, n, 0755);
    UserProc *p = proc();
    ck_assert_int_eq(guest_execve(p, prog), -EACCES);
    ElfImage img;
    char err[256];
    ck_assert_int_ne(elf_load_file(p, fifo, 1, &img, err, sizeof err), 0); /* returns, refused */
    done(p);
    unlink(prog);
    unlink(fifo);
    rmdir(tmpdir);
}
END_TEST

/* execve of what emu386 cannot load used to replace the caller with an
 * emu386-user that failed: now the caller gets Linux's error. */
START_TEST(test_execve_errors_reach_the_caller)
{
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char path[256], path2[256];
    UserProc *p = proc();
    ck_assert_int_eq(guest_execve(p, tmpdir), -EACCES); /* a directory */
    snprintf(path, sizeof path, "%s/garbage", tmpdir);
    write_file(path, "\x01\x02\x03 not a program\n", 18, 0755);
    ck_assert_int_eq(guest_execve(p, path), -ENOEXEC);
    snprintf(path, sizeof path, "%s/noexec", tmpdir);
    write_file(path, "#!/bin/sh\n", 10, 0644);
    ck_assert_int_eq(guest_execve(p, path), -EACCES);
    snprintf(path, sizeof path, "%s/nointerp", tmpdir);
    write_file(path, "#!/nonexistent/interpreter -x\n", 30, 0755);
    ck_assert_int_eq(guest_execve(p, path), -ENOENT);
    snprintf(path, sizeof path, "%s/empty", tmpdir);
    write_file(path, "#!   \n", 6, 0755);
    ck_assert_int_eq(guest_execve(p, path), -ENOEXEC);
    /* a script whose interpreter is itself a script, 6 deep: ELOOP */
    for (int i = 0; i < 6; i++) {
        char body[300];
        snprintf(path, sizeof path, "%s/s%d", tmpdir, i);
        snprintf(body, sizeof body, "#!%s/s%d\n", tmpdir, i + 1);
        write_file(path, body, strlen(body), 0755);
    }
    snprintf(path2, sizeof path2, "%s/s6", tmpdir);
    write_file(path2, "#!/bin/sh\n", 10, 0755);
    snprintf(path, sizeof path, "%s/s0", tmpdir);
    ck_assert_int_eq(guest_execve(p, path), -ELOOP);
    done(p);
    rm_tmpdir();
}
END_TEST

/* e_machine of an ELF file, or -1 */
static int elf_machine(const char *path)
{
    uint8_t h[20];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    return n == 20 ? (h[5] == 2 ? (h[18] << 8 | h[19]) : (h[19] << 8 | h[18])) : -1;
}

/* A #! script whose interpreter is a program for the host's own CPU runs
 * natively, with the script's path and arguments as Linux passes them. */
START_TEST(test_execve_script_with_host_interpreter_runs_natively)
{
    char self[4096];
    ssize_t sn = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sn > 0 ? sn : 0] = 0;
    if (elf_machine("/bin/sh") < 0 || elf_machine("/bin/sh") != elf_machine(self)) {
        fprintf(stderr, "SKIP: test_execve_script_with_host_interpreter_runs_natively: "
                        "/bin/sh is not a program for this host's CPU (a cross run)\n");
        return;
    }
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    char script[256], out[256], body[600];
    snprintf(script, sizeof script, "%s/script", tmpdir);
    snprintf(out, sizeof out, "%s/out", tmpdir);
    snprintf(body, sizeof body, "#!/bin/sh -e\necho \"$0 $#\" > %s\n", out);
    write_file(script, body, strlen(body), 0755);
    pid_t pid = fork();
    if (pid == 0) {
        UserProc *p = proc();
        int32_t r = guest_execve(p, script);
        _exit(r < 0 ? (int)-r : 99);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
    char buf[600] = { 0 };
    int fd = open(out, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_gt(read(fd, buf, sizeof buf - 1), 0);
    close(fd);
    char want[600];
    snprintf(want, sizeof want, "%s 0\n", script);
    ck_assert_str_eq(buf, want);
    rm_tmpdir();
}
END_TEST


/* A blocking call that a signal interrupts: Linux restarts it after a
 * handler installed with SA_RESTART and returns EINTR after one without
 * (host handlers used to be installed with SA_RESTART, so a guest handler
 * without it never interrupted a read: siginterrupt did nothing). */
static UserProc *the_proc; /* for the host handler only */
static void on_host_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    user_host_signal(the_proc, sig, si->si_code, si->si_pid, (int)si->si_uid);
}

/* Run read(pipe) in the guest with a SIGALRM handler of the given flags;
 * the EIP and EAX saved in the handler's frame. */
static void interrupted_read(uint32_t sa_flags, uint32_t *saved_eip, uint32_t *saved_eax)
{
    UserProc *p = proc();
    the_proc = p;
    p->host_handler = (void (*)(void))on_host_signal;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    put32(p, DATA + 0x40, CODE + 0x100); /* handler */
    put32(p, DATA + 0x44, sa_flags);
    put32(p, DATA + 0x48, 0);
    put32(p, DATA + 0x4c, 0);
    put32(p, DATA + 0x50, 0);
    ck_assert_int_eq(sc(p, 174, SIGALRM, DATA + 0x40, 0, 8, 0), 0);
    e386_set_int_hook(p->cpu, user_syscall, p);
    e386_reg_write(p->cpu, E386_EAX, 3);
    e386_reg_write(p->cpu, E386_EBX, (uint32_t)fds[0]);
    e386_reg_write(p->cpu, E386_ECX, DATA);
    e386_reg_write(p->cpu, E386_EDX, 1);
    static const uint8_t code[] = { 0xcd, 0x80, 0xf4 };
    poke(p, CODE, code, sizeof code);
    e386_reg_write(p->cpu, E386_EIP, CODE);
    /* every 50 ms, not once: a first alarm that lands before the read
     * has started (a slow start under Valgrind on a loaded machine) is
     * taken then, as Linux would take it, and the read then waited
     * forever: the valgrind leg's timeouts of both variants */
    struct itimerval it = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &it, NULL);
    e386_exit ex;
    e386_run(p->cpu, 1000, &ex);
    setitimer(ITIMER_REAL, &off, NULL);
    user_deliver_pending(p);
    uint32_t frame = e386_reg_read(p->cpu, E386_ESP);
    ck_assert_uint_eq(e386_reg_read(p->cpu, E386_EIP), CODE + 0x100); /* in the handler */
    *saved_eip = get32(p, frame + 8 + 56);
    *saved_eax = get32(p, frame + 8 + 44);
    close(fds[0]);
    close(fds[1]);
    done(p);
}

START_TEST(test_signal_without_sa_restart_interrupts_blocking_read)
{
    uint32_t eip, eax;
    interrupted_read(0x04000000 /* SA_RESTORER only */, &eip, &eax);
    ck_assert_uint_eq(eip, CODE + 2);           /* after the int $0x80 */
    ck_assert_int_eq((int32_t)eax, -EINTR);     /* the read failed */
}
END_TEST

START_TEST(test_signal_with_sa_restart_restarts_blocking_read)
{
    uint32_t eip, eax;
    interrupted_read(0x04000000 | 0x10000000 /* SA_RESTART */, &eip, &eax);
    ck_assert_uint_eq(eip, CODE);               /* back on the int $0x80 */
    ck_assert_uint_eq(eax, 3);                  /* read again after the handler */
}
END_TEST

/* epoll with the packed 12-byte i386 epoll_event (events, then data) */
START_TEST(test_epoll_event_is_packed_12_bytes)
{
    UserProc *p = proc();
    int ep = sc(p, 329, 02000000 /* EPOLL_CLOEXEC */, 0, 0, 0, 0);
    ck_assert_int_ge(ep, 0);
    ck_assert_int_eq(sc(p, 329, 1, 0, 0, 0, 0), -EINVAL);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    put32(p, DATA, 1 /* EPOLLIN */);
    put32(p, DATA + 4, 0x55667788);
    put32(p, DATA + 8, 0x11223344);
    ck_assert_int_eq(sc(p, 255, (uint32_t)ep, 1 /* ADD */, (uint32_t)fds[0], DATA, 0), 0);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    ck_assert_int_eq(sc(p, 256, (uint32_t)ep, DATA + 0x100, 4, 1000, 0), 1);
    ck_assert_uint_eq(get32(p, DATA + 0x100), 1);
    ck_assert_uint_eq(get32(p, DATA + 0x104), 0x55667788);
    ck_assert_uint_eq(get32(p, DATA + 0x108), 0x11223344);
    ck_assert_int_eq(sc(p, 256, (uint32_t)ep, DATA + 0x100, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sc(p, 256, (uint32_t)ep, 0x40000000, 1, 0, 0), -EFAULT);
    close(fds[0]);
    close(fds[1]);
    close(ep);
    done(p);
}
END_TEST

/* timerfd with the i386 32-bit itimerspec; the counter read little-endian */
START_TEST(test_timerfd_fires_and_reads_its_count)
{
    UserProc *p = proc();
    int fd = sc(p, 322, 1 /* CLOCK_MONOTONIC */, 0, 0, 0, 0);
    ck_assert_int_ge(fd, 0);
    put32(p, DATA, 0);
    put32(p, DATA + 4, 0);
    put32(p, DATA + 8, 0);
    put32(p, DATA + 12, 1000000); /* 1 ms, once */
    ck_assert_int_eq(sc(p, 325, (uint32_t)fd, 0, DATA, 0, 0), 0);
    ck_assert_int_eq(sc(p, 3, (uint32_t)fd, DATA + 0x40, 8, 0, 0), 8);
    ck_assert_uint_eq(get32(p, DATA + 0x40), 1);
    ck_assert_uint_eq(get32(p, DATA + 0x44), 0);
    ck_assert_int_eq(sc(p, 326, (uint32_t)fd, DATA + 0x80, 0, 0, 0), 0);
    ck_assert_uint_eq(get32(p, DATA + 0x88), 0); /* disarmed */
    ck_assert_int_eq(sc(p, 322, 1, 0x10, 0, 0, 0), -EINVAL);
    close(fd);
    done(p);
}
END_TEST

/* the old 64-byte struct stat of stat/lstat/fstat (106-108) */
START_TEST(test_old_stat_layout)
{
    UserProc *p = proc();
    poke(p, DATA + 0x200, "/", 2);
    ck_assert_int_eq(sc(p, 106, DATA + 0x200, DATA, 0, 0, 0), 0);
    struct stat st;
    ck_assert_int_eq(stat("/", &st), 0);
    ck_assert_uint_eq(get32(p, DATA + 4), (uint32_t)st.st_ino);
    ck_assert_uint_eq(get32(p, DATA + 8) & 0xffff, st.st_mode);
    ck_assert_uint_eq(get32(p, DATA + 40), (uint32_t)st.st_mtim.tv_sec);
    done(p);
}
END_TEST

/* recvmmsg (337) was ENOSYS: a vector of i386 mmsghdr (msghdr + msg_len,
 * 32 bytes); with a timeout Linux stops after the datagram that finds it
 * expired */
static void mmsg_vec(UserProc *p, uint32_t vec, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t h = vec + 32 * (uint32_t)i, iov = DATA + 0x400 + 8 * (uint32_t)i;
        for (int k = 0; k < 8; k++)
            put32(p, h + 4 * (uint32_t)k, 0);
        put32(p, h + 8, iov);
        put32(p, h + 12, 1);
        put32(p, iov, DATA + 0x600 + 16 * (uint32_t)i);
        put32(p, iov + 4, 16);
    }
}

START_TEST(test_recvmmsg_was_enosys)
{
    UserProc *p = proc();
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(send(sv[1], "abc", 3, 0), 3);
    mmsg_vec(p, DATA, 4);
    ck_assert_int_eq(sc(p, 337, (uint32_t)sv[0], DATA, 4, 0x40 /* MSG_DONTWAIT */, 0), 3);
    ck_assert_uint_eq(get32(p, DATA + 28), 3);
    ck_assert_uint_eq(get32(p, DATA + 32 * 2 + 28), 3);
    /* a zero timeout: the first datagram finds it expired */
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(send(sv[1], "xy", 2, 0), 2);
    put32(p, DATA + 0x300, 0);
    put32(p, DATA + 0x304, 0);
    ck_assert_int_eq(sc(p, 337, (uint32_t)sv[0], DATA, 4, 0, DATA + 0x300), 1);
    put32(p, DATA + 0x304, 2000000000u); /* tv_nsec out of range */
    ck_assert_int_eq(sc(p, 337, (uint32_t)sv[0], DATA, 4, 0, DATA + 0x300), -EINVAL);
    close(sv[0]);
    close(sv[1]);
    done(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("user_bugs");
    TCase *tc = tcase_create("bugs");
    tcase_add_test(tc, test_int_n_other_vectors_raise_gp_not_their_exception);
    tcase_add_test(tc, test_single_step_sigtrap_si_addr_is_eip);
    tcase_add_test(tc, test_modify_ldt_1_clears_avl_bit);
    tcase_add_test(tc, test_sigaltstack_bad_flags_is_einval);
    tcase_add_test(tc, test_clone_invalid_flag_combinations_are_einval);
    tcase_add_test(tc, test_clone_vm_vfork_runs_and_parent_settid_is_written);
    tcase_add_test(tc, test_pt_interp_without_nul_is_enoexec);
    tcase_add_test(tc, test_pt_interp_on_fifo_is_eacces_not_a_hang);
    tcase_add_test(tc, test_execve_errors_reach_the_caller);
    tcase_add_test(tc, test_execve_script_with_host_interpreter_runs_natively);
    tcase_add_test(tc, test_signal_without_sa_restart_interrupts_blocking_read);
    tcase_add_test(tc, test_signal_with_sa_restart_restarts_blocking_read);
    tcase_add_test(tc, test_epoll_event_is_packed_12_bytes);
    tcase_add_test(tc, test_timerfd_fires_and_reads_its_count);
    tcase_add_test(tc, test_old_stat_layout);
    tcase_add_test(tc, test_recvmmsg_was_enosys);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
