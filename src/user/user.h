/* Linux i386 user mode: the state of one emulated process. */
#ifndef E386_USER_H
#define E386_USER_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

enum { USER_STACK_TOP = 0xc0000000u, USER_STACK_SIZE = 8u << 20, USER_NSIG = 65, USER_NTIMERS = 32 };

typedef struct GuestSigaction {
    uint32_t handler, flags, restorer;
    uint64_t mask;
} GuestSigaction;

typedef struct GuestSiginfo {
    int signo, code, errno_;
    uint32_t addr;      /* si_addr for faults */
    int pid, uid;       /* for kill */
    int trapno;
    uint32_t err, cr2;
} GuestSiginfo;

typedef struct UserProc {
    E386Cpu *cpu;
    const char *sysroot;   /* -L: where the loader and libraries live */
    char exe_path[4096];   /* the guest program, for /proc/self/exe */
    char self_path[4096];  /* this emulator, for execve */
    uint32_t brk_start, brk_cur;
    uint32_t mmap_hint;
    int debug_syscall, debug_unimp, debug_fault;
    int debug_page;        /* -d page: the guest's mappings at start and after each change */
    FILE *log;             /* -D: where the -d logs go; NULL: stderr */
    uint8_t unimp_seen[512];
    int exited, exit_status;

    GuestSigaction sigact[USER_NSIG];
    uint64_t sigblocked;
    uint64_t sigpending;
    GuestSiginfo siginfo[USER_NSIG];
    uint32_t alt_sp, alt_size;
    int alt_flags;
    /* A system call that a host signal interrupted (-EINTR): restarted
     * after the signal unless a guest handler without SA_RESTART runs
     * (Linux's -ERESTARTSYS), see user_deliver_pending(). */
    int restart_pending;
    uint32_t restart_nr;
    /* ppoll/pselect6/epoll_pwait's temporary mask: the caller's mask, put
     * back when the call returns, or once the handler of the signal that
     * interrupted it has its frame (Linux's restore_saved_sigmask) */
    int restore_sigmask;
    uint64_t saved_sigblocked;
    volatile int host_pending;                 /* set from host signal handlers */
    volatile sig_atomic_t host_sig[USER_NSIG];
    void (*host_handler)(int); /* the program's handler that calls user_host_signal */
    struct UserTimer *timers; /* POSIX timers, USER_NTIMERS of them once one is made */
    struct E386Gdb *gdb;      /* -g/-gdb: the debugger stub (src/gdb), or NULL */
    int gdb_pid;              /* the host process the debugger is attached to */
} UserProc;

/* elf.c */
typedef struct ElfImage {
    uint32_t entry, bias, phdr, phnum, phent, lo, hi;
    char interp[256];
} ElfImage;
/* Validate and map an ELF image from memory.  For ET_DYN images
 * img->bias on entry is the address to load the lowest segment at.  On
 * error returns -1 and a message in err; nothing is left half-mapped
 * only in the sense that the caller discards the CPU. */
int elf_load_buffer(E386Cpu *cpu, const uint8_t *buf, size_t len, int is_interp,
                    ElfImage *img, char *err, size_t errlen);
/* Check the headers only: fills lo/hi (unbiased), entry, interp. */
int elf_probe(const uint8_t *buf, size_t len, ElfImage *img, int *dyn, char *err, size_t errlen);
int elf_load_file(UserProc *p, const char *path, int is_interp, ElfImage *img,
                  char *err, size_t errlen);

/* loader.c */
int user_setup(UserProc *p, const char *path, int argc, char **argv, char **envp,
               char *err, size_t errlen);

/* mmap.c */
uint32_t user_find_free(UserProc *p, uint32_t size);
int32_t sys_brk(UserProc *p, uint32_t addr);
int32_t sys_mmap2(UserProc *p, uint32_t addr, uint32_t len, int prot, int flags, int fd, uint64_t off);
int32_t sys_munmap(UserProc *p, uint32_t addr, uint32_t len);
int32_t sys_mprotect(UserProc *p, uint32_t addr, uint32_t len, int prot);
int32_t sys_mremap(UserProc *p, uint32_t old, uint32_t oldlen, uint32_t newlen, int flags, uint32_t newaddr);

/* syscall.c */
int user_syscall(E386Cpu *cpu, int vector, void *opaque);
int32_t user_do_syscall(UserProc *p, uint32_t nr, const uint32_t a[6]);

/* guest memory helpers that fail with -EFAULT instead of crashing */
int g_read(UserProc *p, uint32_t addr, void *buf, size_t len);
int g_write(UserProc *p, uint32_t addr, const void *buf, size_t len);
int g_writable(UserProc *p, uint32_t addr, size_t len); /* 0 or -EFAULT */
int g_put32(UserProc *p, uint32_t addr, uint32_t v);
int g_get32(UserProc *p, uint32_t addr, uint32_t *v);
int g_strdup(UserProc *p, uint32_t addr, char *out, size_t max); /* 0 ok, -EFAULT, -ENAMETOOLONG */
void put_le(uint8_t *b, int size, uint64_t v);
uint64_t get_le(const uint8_t *b, int size);

/* syscall_timer.c: delete the host timers and free the table; after a
 * fork the child has no timers (Linux does not inherit them) */
void user_timers_free(UserProc *p);
void user_timers_forget(UserProc *p);

/* signal.c */
void user_signal_init(UserProc *p);
void user_raise(UserProc *p, const GuestSiginfo *info);
void user_fault(UserProc *p, const e386_exit *ex);
void user_deliver_pending(UserProc *p);
int32_t sys_rt_sigaction(UserProc *p, int sig, uint32_t act, uint32_t oact, uint32_t size);
int32_t sys_sigaction_old(UserProc *p, int sig, uint32_t act, uint32_t oact);
int32_t sys_rt_sigprocmask(UserProc *p, int how, uint32_t set, uint32_t oset, uint32_t size);
int32_t sys_sigaltstack(UserProc *p, uint32_t ss, uint32_t oss);
/* Read a guest sigset argument (NULL allowed: *has = 0): EINVAL for a
 * size other than 8, EFAULT for a bad address. */
int32_t user_read_sigmask(UserProc *p, uint32_t set, uint32_t size, uint64_t *mask, int *has);
/* Block mask for the duration of a wait; 1 when a guest signal is
 * already deliverable under it (the call returns EINTR at once). */
int user_sigmask_begin(UserProc *p, uint64_t mask);
/* The wait returned r: the caller's mask is back, unless r is -EINTR and
 * a handler is about to run under the temporary one. */
void user_sigmask_end(UserProc *p, int32_t r);
int32_t sys_sigreturn(UserProc *p, int rt);
void user_host_signal(UserProc *p, int sig);

/* run loop (run.c): returns the process exit status (as for wait) */
int user_run(UserProc *p);
/* The -d logs' stream (-D FILE, or stderr). */
static inline FILE *user_log(const UserProc *p) { return p->log ? p->log : stderr; }
/* -d page: the guest's mappings, one line per run of pages with the same
 * protection, after a title line naming why (start, the call). */
void user_log_pages(UserProc *p, const char *why);
#endif
