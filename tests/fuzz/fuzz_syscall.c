/* fuzz_syscall: sequences of Linux i386 system calls with fuzzed
 * arguments against the user-mode layer (user_do_syscall, sys_sigreturn),
 * in a fresh UserProc per input (docs/fuzzing.md).
 *
 * Confinement: an allow-list.  Only calls whose effects stay inside the
 * emulated process run: the guest address space (brk, mmap2 forced
 * anonymous, munmap, mprotect, mremap, madvise), the guest's signal
 * state (sigaction, sigprocmask, sigaltstack, sigpending, sigreturn from
 * a fuzzed frame), its private descriptor tables (set_thread_area,
 * modify_ldt), read-only queries of the host (ids, uname, times, clocks,
 * rlimits, rusage, sysinfo, affinity, getcwd, stat/lstat/access/readlink
 * of a path), and I/O on descriptors the harness owns: every fd argument
 * is replaced by one of a non-blocking pipe's two ends, /dev/null and a
 * memfd, all opened once; fcntl and ioctl only with their query
 * commands.  Nothing that creates or closes host fds, writes or renames
 * files, sends signals, forks, execs, waits, sleeps, sets ids, limits or
 * timers is reachable, and a futex wait gets a zero timeout.  The harness
 * also bounds the sizes it hands to the memory calls (1 MiB), since
 * mapping 3 GiB page by page is time, not a finding. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "fuzz.h"
#include "user/user.h"

enum {
    SCRATCH = 0x10000, SCRATCH_SIZE = 0x4000, /* read-write */
    RO_PAGE = 0x20000,                        /* read-only */
    STACK = 0x30000, STACK_SIZE = 0x2000,
    MAX_CALLS = 64, MEM_BOUND = 1u << 20,
    NR_POKE = -1, NR_SIGRETURN = -2, NR_RT_SIGRETURN = -3,
};

/* fd_args: a mask of the arguments that are file descriptors;
 * fix: what the harness forces (see fix_args) */
enum { FIX_NONE, FIX_MMAP, FIX_LEN1, FIX_BRK, FIX_FCNTL, FIX_IOCTL, FIX_POLL, FIX_RANDOM, FIX_MREMAP,
       FIX_PRLIMIT, FIX_FUTEX };
typedef struct Call {
    int nr;
    unsigned fd_args;
    int fix;
} Call;

static const Call calls[] = {
    { NR_POKE, 0, 0 }, { NR_SIGRETURN, 0, 0 }, { NR_RT_SIGRETURN, 0, 0 },
    /* the address space */
    { 45, 0, FIX_BRK }, { 192, 0, FIX_MMAP }, { 91, 0, FIX_LEN1 }, { 125, 0, FIX_LEN1 },
    { 163, 0, FIX_MREMAP }, { 219, 0, FIX_LEN1 },
    /* signals (no host mirroring: the harness installs no host handler) */
    { 174, 0, 0 }, { 67, 0, 0 }, { 175, 0, 0 }, { 126, 0, 0 }, { 186, 0, 0 }, { 73, 0, 0 }, { 176, 0, 0 },
    /* descriptor tables, the thread word */
    { 243, 0, 0 }, { 244, 0, 0 }, { 123, 0, 0 }, { 258, 0, 0 }, { 311, 0, 0 }, { 386, 0, 0 }, { 240, 0, FIX_FUTEX },
    /* read-only queries */
    { 20, 0, 0 }, { 224, 0, 0 }, { 64, 0, 0 }, { 24, 0, 0 }, { 199, 0, 0 }, { 47, 0, 0 }, { 200, 0, 0 },
    { 49, 0, 0 }, { 201, 0, 0 }, { 50, 0, 0 }, { 202, 0, 0 }, { 65, 0, 0 }, { 132, 0, 0 }, { 147, 0, 0 },
    { 122, 0, 0 }, { 355, 0, FIX_RANDOM }, { 13, 0, 0 }, { 78, 0, 0 }, { 265, 0, 0 }, { 403, 0, 0 },
    { 266, 0, 0 }, { 406, 0, 0 }, { 76, 0, 0 }, { 191, 0, 0 }, { 340, 0, FIX_PRLIMIT }, { 158, 0, 0 },
    { 209, 0, 0 }, { 211, 0, 0 }, { 165, 0, 0 }, { 171, 0, 0 },
    { 205, 0, 0 }, { 80, 0, 0 }, { 96, 0, 0 }, { 77, 0, 0 }, { 43, 0, 0 }, { 116, 0, 0 }, { 105, 0, 0 },
    { 242, 0, 0 }, { 183, 0, 0 }, { 195, 0, 0 }, { 196, 0, 0 }, { 106, 0, 0 }, { 107, 0, 0 },
    { 33, 0, 0 }, { 85, 0, 0 },
    /* I/O on the harness's own descriptors */
    { 3, 1, 0 }, { 4, 1, 0 }, { 145, 1, 0 }, { 146, 1, 0 }, { 180, 1, 0 }, { 181, 1, 0 }, { 333, 1, 0 },
    { 334, 1, 0 }, { 19, 1, 0 }, { 140, 1, 0 }, { 197, 1, 0 }, { 108, 1, 0 }, { 55, 1, FIX_FCNTL },
    { 221, 1, FIX_FCNTL }, { 54, 1, FIX_IOCTL }, { 168, 0, FIX_POLL },
    { 1, 0, 0 }, /* exit: ends the sequence */
};
enum { NCALLS = sizeof calls / sizeof calls[0] };

static int host_fds[4] = { -1, -1, -1, -1 }; /* pipe read, pipe write, /dev/null, memfd */

static void open_fds(void)
{
    if (host_fds[0] >= 0)
        return;
    int pfd[2];
    if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC) == 0) {
        host_fds[0] = pfd[0];
        host_fds[1] = pfd[1];
    }
    host_fds[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
    host_fds[3] = memfd_create("emu386-fuzz", MFD_CLOEXEC);
    for (int i = 0; i < 4; i++)
        if (host_fds[i] < 0) {
            fprintf(stderr, "fuzz_syscall: cannot open the harness's descriptors\n");
            abort();
        }
}

/* Each input starts from the same descriptor state. */
static void reset_fds(void)
{
    char buf[4096];
    while (read(host_fds[0], buf, sizeof buf) > 0)
        ;
    if (ftruncate(host_fds[3], 0) != 0 || lseek(host_fds[3], 0, SEEK_SET) != 0)
        abort();
}

static void fix_args(const Call *c, UserProc *p, uint32_t a[6])
{
    switch (c->fix) {
    case FIX_MMAP: /* anonymous only: never a host file behind the mapping */
        a[1] %= MEM_BOUND;
        a[3] |= 0x20; /* MAP_ANONYMOUS */
        a[4] = 0xffffffffu;
        break;
    case FIX_LEN1: a[1] %= MEM_BOUND; break;
    case FIX_MREMAP: a[1] %= MEM_BOUND; a[2] %= MEM_BOUND; break;
    case FIX_BRK: a[0] = a[0] ? p->brk_start + a[0] % MEM_BOUND : 0; break;
    case FIX_FCNTL: { /* the query commands: F_GETFD 1, F_GETFL 3, F_GETLK 5/12, F_GETOWN 9, F_GETSIG 11 */
        static const uint32_t q[] = { 1, 3, 5, 12, 9, 11, 0x401 /* F_GETLEASE */, 0x408 /* F_GETPIPE_SZ */ };
        a[1] = q[a[1] % (sizeof q / sizeof q[0])];
        break;
    }
    case FIX_IOCTL: { /* TCGETS, TIOCGWINSZ, FIONREAD, TIOCGPGRP */
        static const uint32_t q[] = { 0x5401, 0x5413, 0x541b, 0x540f };
        a[1] = q[a[1] % 4];
        break;
    }
    case FIX_POLL: a[1] %= 64; a[2] = 0; break; /* never waits */
    case FIX_RANDOM: a[2] |= 1; break;          /* GRND_NONBLOCK */
    case FIX_PRLIMIT: a[0] = 0; a[2] = 0; break; /* ourselves, read only */
    case FIX_FUTEX: { /* a wait times out at once: with one thread and no
                       * signal nothing would ever wake it.  Its timeout is
                       * 16 zero bytes the harness writes at RO_PAGE (0 s
                       * relative, or an absolute time long past); the
                       * calls may have remapped that page, so it is
                       * rewritten each time (unmapped or unreadable: the
                       * call answers EFAULT before it waits). */
        uint32_t cmd = a[1] & ~0x180u; /* without FUTEX_PRIVATE, FUTEX_CLOCK_REALTIME */
        if (cmd == 0 || cmd == 9) {    /* FUTEX_WAIT, FUTEX_WAIT_BITSET */
            static const uint8_t zero[16];
            e386_mem_write(p->cpu, RO_PAGE, zero, sizeof zero);
            a[3] = RO_PAGE;
        }
        break;
    }
    default: break;
    }
}

static uint32_t arg(uint32_t v, unsigned kind)
{
    switch (kind & 3) {
    case 1: return SCRATCH + v % SCRATCH_SIZE; /* a pointer into writable memory */
    case 2: return v % 64;                      /* a small number */
    case 3: return RO_PAGE + v % 0x1000;        /* a pointer to read-only memory */
    default: return v;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    open_fds();
    reset_fds();
    UserProc *p = calloc(1, sizeof *p);
    if (!p || !(p->cpu = e386_cpu_new())) {
        free(p);
        return 0;
    }
    e386_cpu_reset_user(p->cpu);
    user_signal_init(p);
    p->brk_start = p->brk_cur = 0x08100000;
    p->mmap_hint = 0x40000000;
    e386_mem_map(p->cpu, SCRATCH, SCRATCH_SIZE, E386_PROT_READ | E386_PROT_WRITE);
    e386_mem_map(p->cpu, RO_PAGE, 0x1000, E386_PROT_READ);
    e386_mem_map(p->cpu, STACK, STACK_SIZE, E386_PROT_READ | E386_PROT_WRITE);
    e386_reg_write(p->cpu, E386_ESP, STACK + STACK_SIZE / 2);
    FuzzIn in = { data, size };
    for (int n = 0; n < MAX_CALLS && fin_left(&in) && !p->exited; n++) {
        const Call *c = &calls[fin_u8(&in) % NCALLS];
        uint16_t kinds = fin_u16(&in);
        uint32_t a[6];
        for (int i = 0; i < 6; i++)
            a[i] = arg(fin_u32(&in), kinds >> (2 * i));
        if (c->nr == NR_POKE) { /* 20 bytes of the arguments into the scratch page or the stack */
            uint8_t b[20];
            for (int i = 0; i < 5; i++)
                put_le(b + 4 * i, 4, a[i + 1]);
            uint32_t at = kinds & 0x8000 ? STACK + a[0] % (STACK_SIZE - 20) : SCRATCH + a[0] % (SCRATCH_SIZE - 20);
            e386_mem_write(p->cpu, at, b, sizeof b);
            continue;
        }
        if (c->nr == NR_SIGRETURN || c->nr == NR_RT_SIGRETURN) { /* a frame at a fuzzed ESP */
            e386_reg_write(p->cpu, E386_ESP, a[0] & 1 ? STACK + a[1] % STACK_SIZE : a[1]);
            sys_sigreturn(p, c->nr == NR_RT_SIGRETURN);
            continue;
        }
        for (int i = 0; i < 6; i++)
            if (c->fd_args & (1u << i))
                a[i] = (uint32_t)host_fds[a[i] % 4];
        fix_args(c, p, a);
        int32_t r = user_do_syscall(p, (uint32_t)c->nr, a);
        /* every allow-listed call is implemented: ENOSYS means the table
         * above names a call the dispatcher lost.  By design (as Linux):
         * rseq always, futex for an unknown op, modify_ldt for an
         * unknown func. */
        FUZZ_CHECK(r != -38 || c->nr == 386 || c->nr == 240 || c->nr == 123, "system call %d answered ENOSYS",
                   c->nr);
    }
    user_proc_release(p);
    e386_cpu_free(p->cpu);
    free(p);
    return 0;
}
