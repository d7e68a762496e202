/* Linux i386 user mode: the state of one emulated process. */
#ifndef E386_USER_H
#define E386_USER_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
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

struct UserThread;
struct UserMt;

typedef struct UserProc {
    E386Cpu *cpu;
    /* Threads (thread.c): the thread whose turn it is (holds the big
     * emulator lock) has its signal state in the fields below marked
     * "per thread" and its registers in cpu; the others have theirs saved
     * in their UserThread.  NULL until user_run starts. */
    struct UserMt *mt;
    struct UserThread *cur;
    /* a system call taken while other threads exist runs after e386_run
     * returned (thread.c says why): number and arguments */
    int sc_deferred;
    uint32_t sc_nr, sc_args[6];
    const char *sysroot;   /* -L: where the loader and libraries live */
    char exe_path[4096];   /* the guest program, for /proc/self/exe */
    char self_path[4096];  /* this emulator, for execve */
    uint32_t brk_start, brk_cur;
    /* procfs.c: what the guest's /proc/self files show (loader.c sets them) */
    uint32_t arg_start, arg_end, env_start, env_end, start_stack;
    uint32_t auxv[64], auxv_words;
    struct UserMapNames *map_names;
    uint32_t mmap_hint;
    int debug_syscall, debug_unimp, debug_fault;
    int debug_page;        /* -d page: the guest's mappings at start and after each change */
    FILE *log;             /* -D: where the -d logs go; NULL: stderr */
    uint8_t unimp_seen[512];
    int exited, exit_status;

    GuestSigaction sigact[USER_NSIG];
    /* per thread, from here to saved_sigblocked (see cur) */
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
    int thread_exited;     /* exit(2) of this thread, not the process */
    /* end of the per-thread fields */
    /* process-directed signals every thread blocked when they came: the
     * first thread to unblock one takes it (user_take_shared) */
    uint64_t shared_pending;
    GuestSiginfo shared_info[USER_NSIG];
    uint32_t clear_tid;    /* set_tid_address / CLONE_CHILD_CLEARTID */
    uint32_t robust_head, robust_len; /* set_robust_list */
    volatile int host_pending;                 /* set from host signal handlers */
    volatile sig_atomic_t host_sig[USER_NSIG];
    /* who sent each recorded host signal (si_code, si_pid, si_uid) */
    volatile sig_atomic_t host_code[USER_NSIG], host_pid[USER_NSIG], host_uid[USER_NSIG];
    /* the program's SA_SIGINFO handler, void (int, siginfo_t *, void *),
     * that calls user_host_signal (stored as a plain function pointer:
     * siginfo_t needs POSIX feature macros not every includer sets) */
    void (*host_handler)(void);
    struct UserTimer *timers; /* POSIX timers, USER_NTIMERS of them once one is made */
    struct UserSigfds *sigfds; /* the guest's signalfds (signalfd.c), or NULL */
    struct E386Gdb *gdb;      /* -g/-gdb: the debugger stub (src/gdb), or NULL */
    int gdb_pid;              /* the host process the debugger is attached to */
} UserProc;

/* elf.c */
enum { ELF_NAMED = 16 };
typedef struct ElfImage {
    uint32_t entry, bias, phdr, phnum, phent, lo, hi;
    char interp[256];
    /* the file-backed parts of the segments, for /proc/self/maps: the
     * tag, start and file offset of each (the first ELF_NAMED of them) */
    uint32_t nseg, seg_tag[ELF_NAMED], seg_start[ELF_NAMED], seg_off[ELF_NAMED];
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
/* the host's address of an aligned word in a MAP_SHARED mapping (for the
 * host's futex, which wakes across processes), or NULL */
uint8_t *user_shared_word(UserProc *p, uint32_t addr);
int32_t sys_msync(UserProc *p, uint32_t addr, uint32_t len, uint32_t flags);
int32_t sys_mincore(UserProc *p, uint32_t addr, uint32_t len, uint32_t vec);
int32_t sys_madvise(UserProc *p, uint32_t addr, uint32_t len, int advice);
int32_t sys_mprotect(UserProc *p, uint32_t addr, uint32_t len, int prot);
int32_t sys_mremap(UserProc *p, uint32_t old, uint32_t oldlen, uint32_t newlen, int flags, uint32_t newaddr);

/* procfs.c: /proc/self/{maps,cmdline,environ,auxv} as Linux shows them
 * for the guest.  A mapping's name: the file behind host_fd (-1: none;
 * with kind USER_MAP_SHARED, anonymous shared memory), mapped at start
 * from offset off; kind as user_mapping_kind's, without _RDONLY. */
void user_name_mapping(UserProc *p, uint32_t tag, uint32_t start, uint64_t off, int host_fd, int kind);
/* mremap moved part of a named mapping, now tagged new_tag */
/* a mapping's kind by its tag: USER_MAP_SHARED (a MAP_SHARED one, the
 * host's own: mem_map_file), with USER_MAP_RDONLY for a file open
 * read-only; USER_MAP_FILE, a private mapping of a file that is the
 * host's too (mem_map_file); USER_MAP_COPY, a private mapping of a file
 * that is a copy of its bytes (the ELF loader's segments; mmap where the
 * host's pages are not 4 KiB); 0: none of them (anonymous memory, the
 * stack, brk) */
enum { USER_MAP_SHARED = 1, USER_MAP_RDONLY = 2, USER_MAP_FILE = 4, USER_MAP_COPY = 8 };
int user_mapping_kind(const UserProc *p, uint32_t tag);
void user_mapping_retag(UserProc *p, uint32_t old_tag, uint32_t old_start, uint32_t new_tag, uint32_t new_start);
/* 1 when path is one of those files (*ret: a host fd or -errno), else 0 */
int user_proc_open(UserProc *p, const char *path, uint32_t guest_flags, int32_t *ret);
void user_procfs_free(UserProc *p);

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

/* signalfd.c */
int32_t sys_signalfd(UserProc *p, int32_t fd, uint32_t mask, uint32_t size, uint32_t flags);
/* read(2) on fd: 1 and *ret when fd is a guest signalfd, else 0 */
int user_sigfd_read(UserProc *p, int fd, uint32_t buf, uint32_t len, int32_t *ret);
int user_sigfd_is(UserProc *p, int fd);
/* Make each signalfd readable exactly while a signal of its mask is
 * pending; after anything that changes the pending sets. */
void user_sigfd_sync(UserProc *p);
uint64_t user_sigfd_mask(const UserProc *p); /* the union of their masks */
void user_sigfd_free(UserProc *p);

/* signal.c */
void user_signal_init(UserProc *p);
/* Install the host disposition sig needs now (after a signalfd's mask
 * changed: a signal it watches must be caught even with SIG_DFL). */
void user_signal_rehost(UserProc *p, int sig);
void user_raise(UserProc *p, const GuestSiginfo *info);
int user_sig_ignored(const UserProc *p, int sig); /* SIG_IGN, or SIG_DFL that ignores */
/* Move the shared pending signals in mask (and not blocked) to the
 * current thread's pending set. */
void user_take_shared(UserProc *p, uint64_t mask);
void user_fault(UserProc *p, const e386_exit *ex);
void user_deliver_pending(UserProc *p);
/* Move the signals the host handler recorded into the pending set. */
void user_fold_host_signals(UserProc *p);
int32_t sys_sigsuspend(UserProc *p, uint64_t mask);
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
/* from the host handler: the signal and its sender's si_code, si_pid, si_uid */
void user_host_signal(UserProc *p, int sig, int code, int pid, int uid);

/* thread.c: guest threads, one host thread each, taking turns on the
 * one CPU under a big emulator lock */
int user_threads_init(UserProc *p);   /* the main thread; 0 or -ENOMEM */
/* Free the thread state once no other host thread can use it (one
 * thread left, no kicker); otherwise it stays for the process's end. */
void user_threads_free(UserProc *p);
int user_nthreads(const UserProc *p); /* live guest threads */
int user_tid(const UserProc *p);      /* the current thread's id */
/* clone(CLONE_VM|CLONE_THREAD|...): a new thread; its tid or -errno */
int32_t user_thread_clone(UserProc *p, uint32_t flags, uint32_t newsp, uint32_t parent_tid,
                          uint32_t tls, uint32_t child_tid);
/* exit(2) of the current thread: clear_tid, futex wake, robust list.  The
 * caller's loop then leaves (user_run). */
void user_thread_exit(UserProc *p);
/* Around a host call that may block: others run meanwhile.  Between
 * the two the caller must not touch guest memory or p's per-thread
 * fields (p->cur is another thread's then: *self keeps who we are).  block_begin returns -EINTR (and does not release) when a
 * signal is already deliverable to this thread. */
int user_block_begin(UserProc *p, struct UserThread **self);
void user_block_end(UserProc *p, struct UserThread *self);
/* Let another thread run (sched_yield, the end of a time slice). */
void user_yield(UserProc *p);
/* Guest instructions left in the current thread's time slice of slice
 * (0: spent).  The slice runs from when the thread took the turn, across
 * e386_run calls: with other threads every system call ends one. */
uint64_t user_slice_left(const UserProc *p, uint64_t slice);
/* A signal for thread tid (tgkill/tkill): -ESRCH when there is none. */
int32_t user_thread_kill(UserProc *p, int tid, const GuestSiginfo *si);
/* A process-directed signal the current thread blocks: handed to
 * another thread that does not (1), or left to the caller (0). */
int user_route_signal(UserProc *p, const GuestSiginfo *si);
/* The current thread has exited: leave the thread list and give the turn
 * away.  Returns the status user_run returns (the main thread's once
 * every thread is gone). */
int user_thread_leave(UserProc *p);
/* the syscall deferred by user_syscall (p->sc_deferred) */
void user_syscall_deferred(UserProc *p);
/* After fork: the child has only the calling thread. */
void user_threads_after_fork(UserProc *p);
/* futex.c */
int32_t sys_futex(UserProc *p, const uint32_t a[6], int time64);

/* run loop (run.c): returns the process exit status (as for wait) */
int user_run(UserProc *p);
/* What the subsystems keep for the process (host timers, signalfds'
 * pipes, the mappings' names, the thread state), freed: every owner of
 * a UserProc ends it here, so that a new subsystem is freed everywhere
 * (run.c).  Not the CPU, not the log. */
void user_proc_release(UserProc *p);
/* The -d logs' stream (-D FILE, or stderr). */
static inline FILE *user_log(const UserProc *p) { return p->log ? p->log : stderr; }
/* -d page: the guest's mappings, one line per run of pages with the same
 * protection, after a title line naming why (start, the call). */
void user_log_pages(UserProc *p, const char *why);
#endif
