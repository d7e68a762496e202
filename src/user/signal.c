/* Guest signals: actions, masks, delivery with i386 Linux signal frames
 * (sigframe / rt_sigframe), sigreturn, and CPU faults turned into the
 * signals Linux sends for them. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>
#include "user/syscall.h"
#include "user/user.h"

enum { SA_SIGINFO_ = 4, SA_ONSTACK_ = 0x08000000, SA_RESTORER_ = 0x04000000,
       SA_NODEFER_ = 0x40000000, SA_RESETHAND_ = 0x80000000u, SA_RESTART_ = 0x10000000 };
enum { SS_AUTODISARM_ = 1u << 31 };
enum { SIG_DFL_ = 0, SIG_IGN_ = 1 };
enum { SC_SIZE = 88, FPSTATE_SIZE = 624, SIGINFO_SIZE = 128, UC_SIZE = 20 + SC_SIZE + 8 };

static uint64_t bit(int sig) { return 1ull << (sig - 1); }
static const uint64_t UNBLOCKABLE = (1ull << (9 - 1)) | (1ull << (19 - 1)); /* KILL STOP */

static int default_ignored(int sig)
{
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT || sig >= 32;
}

/* Async signals are mirrored on the host only when the guest handles or
 * ignores them; the emulator's own fault signals are never touched. */
static int host_mirrored(int sig)
{
    return sig != SIGSEGV && sig != SIGBUS && sig != SIGILL && sig != SIGFPE && sig != SIGTRAP &&
           sig != SIGKILL && sig != SIGSTOP && sig < 32;
}

void user_signal_init(UserProc *p)
{
    memset(p->sigact, 0, sizeof p->sigact);
    p->sigblocked = p->sigpending = 0;
}

/* Called from the program's host signal handler: async-signal-safe. */
void user_host_signal(UserProc *p, int sig, int code, int pid, int uid)
{
    if (sig > 0 && sig < USER_NSIG) {
        p->host_code[sig] = code;
        p->host_pid[sig] = pid;
        p->host_uid[sig] = uid;
        p->host_sig[sig] = 1;
        p->host_pending = 1;
        e386_stop(p->cpu);
    }
}

static void mirror_on_host(UserProc *p, int sig, uint32_t handler)
{
    if (!host_mirrored(sig) || !p->host_handler)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    /* A signal a signalfd watches, or that the guest blocks with SIG_DFL,
     * must become pending in the guest rather than end or pass by the
     * emulator (Linux keeps a blocked signal pending whatever its action);
     * its default action is then the guest's (user_deliver_pending).
     * The job-control stops keep the host's. */
    int catch_dfl = handler == SIG_DFL_ && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU &&
                    sig != SIGCONT && ((user_sigfd_mask(p) | p->sigblocked) & bit(sig));
    sa.sa_handler = SIG_DFL;
    if (handler == SIG_IGN_)
        sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a blocking host call must return EINTR so that the
     * guest's own SA_RESTART decides (user_deliver_pending) */
    sa.sa_flags = 0;
    if ((handler != SIG_DFL_ && handler != SIG_IGN_) || catch_dfl) {
        sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))p->host_handler;
        sa.sa_flags = SA_SIGINFO;
    }
    sigaction(sig, &sa, NULL);
}

void user_signal_rehost(UserProc *p, int sig) { mirror_on_host(p, sig, p->sigact[sig].handler); }

/* Linux keeps the blocked mask and the ignored dispositions across
 * execve.  sys_execve hands the guest's mask to the host for the exec
 * (user_sigmask_for_exec); the new emulator takes what it inherited as
 * the guest's (main clears the host's own mask first: its fault signals
 * must never be blocked), and a signal the host ignores as ignored. */
void user_signal_inherit(UserProc *p, const sigset_t *blocked)
{
    for (int sig = 1; sig < USER_NSIG; sig++) {
        struct sigaction old;
        if (host_mirrored(sig) && sigaction(sig, NULL, &old) == 0 && !(old.sa_flags & SA_SIGINFO) &&
            old.sa_handler == SIG_IGN)
            p->sigact[sig].handler = SIG_IGN_;
        if (sigismember(blocked, sig) == 1)
            p->sigblocked |= bit(sig);
    }
    p->sigblocked &= ~UNBLOCKABLE;
    for (int sig = 1; sig < USER_NSIG; sig++) /* blocked SIG_DFL signals are caught */
        if (p->sigblocked & bit(sig))
            mirror_on_host(p, sig, p->sigact[sig].handler);
}

void user_sigmask_for_exec(const UserProc *p, sigset_t *saved)
{
    sigset_t s;
    sigemptyset(&s);
    for (int sig = 1; sig < USER_NSIG; sig++)
        if (p->sigblocked & bit(sig))
            sigaddset(&s, sig); /* refuses the host C library's own two: they stay clear */
    pthread_sigmask(SIG_SETMASK, &s, saved);
}

int user_sig_ignored(const UserProc *p, int sig)
{
    uint32_t h = p->sigact[sig].handler;
    return h == SIG_IGN_ || (h == SIG_DFL_ && default_ignored(sig));
}

/* A process-directed signal: the current thread takes it unless it
 * blocks it and another thread does not (complete_signal's choice). */
void user_raise(UserProc *p, const GuestSiginfo *info)
{
    int sig = info->signo;
    if (sig <= 0 || sig >= USER_NSIG)
        return;
    /* blocked signals are never ignored: the action may change before
     * they are unblocked, and a signalfd or sigwait may take them
     * (the kernel's sig_ignored) */
    if (!(p->sigblocked & bit(sig)) && user_sig_ignored(p, sig))
        return;
    if ((p->sigblocked & bit(sig)) && user_nthreads(p) > 1) {
        if (!user_route_signal(p, info)) {
            p->shared_info[sig] = *info;
            p->shared_pending |= bit(sig);
            user_sigfd_sync(p);
        }
        return;
    }
    p->siginfo[sig] = *info;
    p->sigpending |= bit(sig);
    user_sigfd_sync(p);
}

/* si_code of an x87 #MF, as fpu__exception_code() derives it: the first
 * pending unmasked exception in the order IE, ZE, OE, DE/UE, PE. */
static int fpu_si_code(E386Cpu *cpu)
{
    uint8_t img[108];
    e386_fpu_save(cpu, img);
    unsigned cw = (unsigned)get_le(img, 2), sw = (unsigned)get_le(img + 4, 2);
    unsigned err = sw & ~cw;
    if (err & 0x01) return 7;  /* FPE_FLTINV */
    if (err & 0x04) return 3;  /* FPE_FLTDIV */
    if (err & 0x08) return 4;  /* FPE_FLTOVF */
    if (err & 0x12) return 5;  /* FPE_FLTUND */
    if (err & 0x20) return 6;  /* FPE_FLTRES */
    return 0;
}

/* The fault mapping of arch/x86/kernel/traps.c. */
void user_fault(UserProc *p, const e386_exit *ex)
{
    GuestSiginfo si;
    memset(&si, 0, sizeof si);
    si.trapno = ex->vector;
    si.err = ex->has_error_code ? ex->error_code : 0;
    /* INT n reaches a vector's own handler only through Linux's three
     * DPL-3 gates (3, 4, 0x80); any other vector is #GP at the INT with
     * the IDT selector as error code, whatever exception it names */
    int vec = ex->vector;
    if (ex->reason == E386_EXIT_INTERRUPT && vec != 3 && vec != 4 && vec != 0x80)
        vec = -1;
    switch (vec) {
    case 0: si.signo = SIGFPE; si.code = 1; si.addr = ex->fault_eip; break; /* FPE_INTDIV */
    case 1: /* TRAP_TRACE, at the next instruction as send_sigtrap() reports it */
        si.signo = SIGTRAP;
        si.code = 2;
        si.addr = e386_reg_read(p->cpu, E386_EIP);
        break;
    case 3: si.signo = SIGTRAP; si.code = 0x80; break; /* SI_KERNEL */
    case 4: case 5: si.signo = SIGSEGV; si.code = 0x80; break;
    case 6: si.signo = SIGILL; si.code = 2; si.addr = ex->fault_eip; break; /* ILL_ILLOPN */
    case 11: case 12: si.signo = SIGBUS; si.code = 0x80; break;
    case 14:
        if (ex->bus_error) { /* do_sigbus: the page past a shared file mapping's file */
            si.signo = SIGBUS;
            si.code = 2; /* BUS_ADRERR */
            si.addr = ex->fault_addr;
            si.cr2 = ex->fault_addr;
            break;
        }
        si.signo = SIGSEGV;
        /* Linux decides by the mapping, not the P bit */
        si.code = e386_mem_is_mapped(p->cpu, ex->fault_addr) ? 2 : 1; /* SEGV_ACCERR : SEGV_MAPERR */
        si.addr = ex->fault_addr;
        si.cr2 = ex->fault_addr;
        break;
    case 16:
        si.signo = SIGFPE;
        si.code = fpu_si_code(p->cpu);
        si.addr = ex->fault_eip;
        si.err = 0;
        break;
    default:
        if (vec < 0) { /* INT n through a DPL-0 gate: #GP */
            si.trapno = 13;
            si.err = (uint32_t)ex->vector * 8 + 2;
        }
        si.signo = SIGSEGV;
        si.code = 0x80;
        break;
    }
    /* force_sig: a blocked or ignored fault signal is unblocked and reset */
    if ((p->sigblocked & bit(si.signo)) || p->sigact[si.signo].handler == SIG_IGN_) {
        p->sigblocked &= ~bit(si.signo);
        p->sigact[si.signo].handler = SIG_DFL_;
    }
    p->siginfo[si.signo] = si;
    p->sigpending |= bit(si.signo);
}

static _Noreturn void die_by_signal(UserProc *p, int sig)
{
    (void)p;
    fflush(NULL);
    struct rlimit rl = { 0, 0 };
    setrlimit(RLIMIT_CORE, &rl); /* the guest's core would be the emulator's */
    signal(sig, SIG_DFL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    raise(sig);
    _exit(128 + sig);
}

static void put_u32(uint8_t *b, uint32_t off, uint32_t v) { put_le(b + off, 4, v); }

/* struct sigcontext (i386), the order of glibc's REG_* indices */
static void fill_sigcontext(UserProc *p, uint8_t *sc, const GuestSiginfo *si, uint32_t fpstate, uint64_t oldmask)
{
    E386Cpu *c = p->cpu;
    static const int regs[] = { E386_GS, E386_FS, E386_ES, E386_DS, E386_EDI, E386_ESI, E386_EBP,
                                E386_ESP, E386_EBX, E386_EDX, E386_ECX, E386_EAX };
    for (int i = 0; i < 12; i++)
        put_u32(sc, 4 * (uint32_t)i, e386_reg_read(c, regs[i]));
    put_u32(sc, 48, (uint32_t)si->trapno);
    put_u32(sc, 52, si->err);
    put_u32(sc, 56, e386_reg_read(c, E386_EIP));
    put_u32(sc, 60, e386_reg_read(c, E386_CS));
    put_u32(sc, 64, e386_reg_read(c, E386_EFLAGS));
    put_u32(sc, 68, e386_reg_read(c, E386_ESP));
    put_u32(sc, 72, e386_reg_read(c, E386_SS));
    put_u32(sc, 76, fpstate);
    put_u32(sc, 80, (uint32_t)oldmask);
    put_u32(sc, 84, si->cr2);
}

static void fill_fpstate(UserProc *p, uint8_t *fp)
{
    memset(fp, 0, FPSTATE_SIZE);
    e386_fpu_save(p->cpu, fp); /* the FSAVE image: 108 bytes */
    put_le(fp + 108, 2, get_le(fp + 4, 2)); /* status: the status word, as Linux stores it */
    put_le(fp + 110, 2, 0xffff); /* magic: no FXSR data follows */
}

static void fill_siginfo(uint8_t *b, const GuestSiginfo *si)
{
    memset(b, 0, SIGINFO_SIZE);
    put_u32(b, 0, (uint32_t)si->signo);
    put_u32(b, 4, (uint32_t)si->errno_);
    put_u32(b, 8, (uint32_t)si->code);
    if (si->signo == SIGSEGV || si->signo == SIGILL || si->signo == SIGFPE || si->signo == SIGBUS ||
        si->signo == SIGTRAP) {
        put_u32(b, 12, si->addr);
    } else {
        put_u32(b, 12, (uint32_t)si->pid);
        put_u32(b, 16, (uint32_t)si->uid);
    }
}

/* Build the frame and enter the handler.  Returns -1 if the frame cannot
 * be written (the process then dies with SIGSEGV, as on Linux). */
static int setup_frame(UserProc *p, int sig, const GuestSiginfo *si)
{
    GuestSigaction *sa = &p->sigact[sig];
    int rt = (sa->flags & SA_SIGINFO_) != 0;
    uint32_t sp = e386_reg_read(p->cpu, E386_ESP);
    int on_alt = p->alt_size && !(p->alt_flags & 2) && sp - p->alt_sp >= p->alt_size;
    if ((sa->flags & SA_ONSTACK_) && on_alt)
        sp = p->alt_sp + p->alt_size;
    uint32_t fpsz = FPSTATE_SIZE;
    uint32_t framesz = rt ? 4 + 4 + 4 + 4 + SIGINFO_SIZE + UC_SIZE + 8 : 4 + 4 + SC_SIZE + FPSTATE_SIZE + 4 + 8;
    uint32_t fpaddr = ((sp - fpsz) & ~63u);
    uint32_t frame = (((fpaddr - framesz) + 4) & ~15u) - 4; /* (frame+4) % 16 == 0 at entry */
    uint8_t buf[4 + 4 + 4 + 4 + SIGINFO_SIZE + UC_SIZE + 8 + SC_SIZE + FPSTATE_SIZE + 16];
    uint8_t fp[FPSTATE_SIZE];
    memset(buf, 0, sizeof buf);
    fill_fpstate(p, fp);
    /* the frame restores the caller's mask, not a ppoll/pselect one */
    uint64_t oldmask = p->restore_sigmask ? p->saved_sigblocked : p->sigblocked;
    p->restore_sigmask = 0;
    uint32_t ret = (sa->flags & SA_RESTORER_) ? sa->restorer : 0;
    if (!rt) {
        uint32_t retcode = frame + 4 + 4 + SC_SIZE + FPSTATE_SIZE + 4;
        put_u32(buf, 0, ret ? ret : retcode);
        put_u32(buf, 4, (uint32_t)sig);
        fill_sigcontext(p, buf + 8, si, fpaddr, oldmask);
        put_u32(buf, 8 + SC_SIZE + FPSTATE_SIZE, (uint32_t)(oldmask >> 32)); /* extramask */
        static const uint8_t code[8] = { 0x58, 0xb8, 0x77, 0, 0, 0, 0xcd, 0x80 }; /* pop eax; mov $119,eax; int $0x80 */
        memcpy(buf + 8 + SC_SIZE + FPSTATE_SIZE + 4, code, 8);
    } else {
        uint32_t info = frame + 16, uc = info + SIGINFO_SIZE, retcode = uc + UC_SIZE;
        put_u32(buf, 0, ret ? ret : retcode);
        put_u32(buf, 4, (uint32_t)sig);
        put_u32(buf, 8, info);
        put_u32(buf, 12, uc);
        fill_siginfo(buf + 16, si);
        uint8_t *u = buf + 16 + SIGINFO_SIZE;
        put_u32(u, 0, 0);                 /* uc_flags */
        put_u32(u, 4, 0);                 /* uc_link */
        put_u32(u, 8, p->alt_sp);
        put_u32(u, 12, (p->alt_size ? (on_alt ? 0u : 1u) : 2u) | (uint32_t)p->alt_flags);
        put_u32(u, 16, p->alt_size);
        fill_sigcontext(p, u + 20, si, fpaddr, oldmask);
        put_le(u + 20 + SC_SIZE, 8, oldmask);
        static const uint8_t code[8] = { 0xb8, 0xad, 0, 0, 0, 0xcd, 0x80, 0 }; /* mov $173,eax; int $0x80 */
        memcpy(buf + 16 + SIGINFO_SIZE + UC_SIZE, code, 8);
    }
    if (g_write(p, frame, buf, framesz) || g_write(p, fpaddr, fp, FPSTATE_SIZE))
        return -1;
    e386_reg_write(p->cpu, E386_ESP, frame);
    e386_reg_write(p->cpu, E386_EIP, sa->handler);
    /* SS_AUTODISARM: the handler runs with the alternate stack disabled;
     * rt_sigreturn puts back the one saved in uc_stack */
    if ((sa->flags & SA_ONSTACK_) && on_alt && (p->alt_flags & SS_AUTODISARM_)) {
        p->alt_sp = p->alt_size = 0;
        p->alt_flags = 0;
    }
    /* Linux starts every handler with a fresh FPU (fpu__clear_user_states):
     * a handler for an x87 #MF must not take the pending exception again. */
    e386_fpu_init(p->cpu);
    e386_reg_write(p->cpu, E386_EAX, (uint32_t)sig);
    if (rt) {
        e386_reg_write(p->cpu, E386_EDX, frame + 16);
        e386_reg_write(p->cpu, E386_ECX, frame + 16 + SIGINFO_SIZE);
    }
    /* the handler starts with DF and TF clear and the user data segments */
    uint32_t fl = e386_reg_read(p->cpu, E386_EFLAGS) & ~(0x400u | 0x100u);
    e386_reg_write(p->cpu, E386_EFLAGS, fl);
    e386_reg_write(p->cpu, E386_DS, 0x2b);
    e386_reg_write(p->cpu, E386_ES, 0x2b);
    e386_reg_write(p->cpu, E386_SS, 0x2b);
    e386_reg_write(p->cpu, E386_CS, 0x23);
    p->sigblocked |= sa->mask & ~UNBLOCKABLE;
    if (!(sa->flags & SA_NODEFER_))
        p->sigblocked |= bit(sig);
    if (sa->flags & SA_RESETHAND_) {
        sa->handler = SIG_DFL_;
        mirror_on_host(p, sig, SIG_DFL_);
    }
    return 0;
}

/* The calls signal(7) says are never restarted after a handler, even
 * with SA_RESTART (Linux returns -EINTR or -ERESTARTNOHAND for them). */
static int never_restarted(uint32_t nr)
{
    switch (nr) {
    case 29: case 72: case 179:             /* pause, sigsuspend, rt_sigsuspend */
    case 82: case 142: case 168:            /* select, _newselect, poll */
    case 308: case 309: case 413: case 414: /* pselect6, ppoll (+ time64) */
    case 256: case 319: case 441:           /* epoll_wait, epoll_pwait, epoll_pwait2 */
    case 162: case 267: case 407:           /* nanosleep, clock_nanosleep (+ time64) */
    case 177: case 421:                     /* rt_sigtimedwait (+ time64) */
    case 117: case 247: case 420:           /* ipc (msgrcv, semop), io_getevents, semtimedop_time64 */
        return 1;
    }
    return 0;
}

/* Re-issue the interrupted int $0x80: EIP back on it, EAX the number. */
static void restart_syscall_insn(UserProc *p)
{
    e386_reg_write(p->cpu, E386_EIP, e386_reg_read(p->cpu, E386_EIP) - 2);
    e386_reg_write(p->cpu, E386_EAX, p->restart_nr);
}

void user_fold_host_signals(UserProc *p)
{
    if (p->host_pending) {
        p->host_pending = 0;
        for (int s = 1; s < USER_NSIG; s++)
            if (p->host_sig[s]) {
                p->host_sig[s] = 0;
                GuestSiginfo si = { .signo = s, .code = p->host_code[s], .pid = p->host_pid[s],
                                    .uid = p->host_uid[s] };
                user_raise(p, &si);
            }
    }
}

void user_deliver_pending(UserProc *p)
{
    user_fold_host_signals(p);
    user_take_shared(p, ~p->sigblocked);
    for (int pass = 0; pass < USER_NSIG && (p->sigpending & ~p->sigblocked); pass++) {
        uint64_t ready = p->sigpending & ~p->sigblocked;
        int sig = 1;
        /* synchronous fault signals first, as the kernel dequeues them */
        static const int sync[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
        for (size_t i = 0; i < sizeof sync / sizeof sync[0]; i++)
            if (ready & bit(sync[i])) { sig = sync[i]; goto found; }
        while (!(ready & bit(sig)))
            sig++;
    found:
        p->sigpending &= ~bit(sig);
        GuestSigaction *sa = &p->sigact[sig];
        if (sa->handler == SIG_IGN_)
            continue;
        if (sa->handler == SIG_DFL_) {
            if (default_ignored(sig) || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
                continue;
            die_by_signal(p, sig);
        }
        if (p->restart_pending) { /* the interrupted call, before the frame saves EIP */
            p->restart_pending = 0;
            if ((sa->flags & SA_RESTART_) && !never_restarted(p->restart_nr))
                restart_syscall_insn(p);
        }
        if (setup_frame(p, sig, &p->siginfo[sig]) != 0) {
            /* no room for the frame: SIGSEGV with the default action */
            die_by_signal(p, SIGSEGV);
        }
    }
    if (p->restart_pending) { /* no handler ran (blocked, ignored): as if never interrupted */
        p->restart_pending = 0;
        restart_syscall_insn(p);
    }
    if (p->restore_sigmask) { /* no handler took the temporary mask over */
        p->restore_sigmask = 0;
        p->sigblocked = p->saved_sigblocked;
    }
    user_sigfd_sync(p);
}

void user_take_shared(UserProc *p, uint64_t mask)
{
    uint64_t take = p->shared_pending & mask;
    for (int s = 1; take && s < USER_NSIG; s++)
        if (take & bit(s)) {
            p->siginfo[s] = p->shared_info[s];
            p->sigpending |= bit(s);
            p->shared_pending &= ~bit(s);
            take &= ~bit(s);
        }
}

int32_t user_read_sigmask(UserProc *p, uint32_t set, uint32_t size, uint64_t *mask, int *has)
{
    uint8_t b[8];
    *has = set != 0;
    if (!set)
        return 0;
    if (size != 8)
        return -EINVAL;
    if (g_read(p, set, b, 8))
        return -EFAULT;
    *mask = get_le(b, 8);
    return 0;
}

int user_sigmask_begin(UserProc *p, uint64_t mask)
{
    p->saved_sigblocked = p->sigblocked;
    p->restore_sigmask = 1;
    p->sigblocked = mask & ~UNBLOCKABLE;
    return (p->sigpending & ~p->sigblocked) != 0;
}

void user_sigmask_end(UserProc *p, int32_t r)
{
    if (r == -EINTR && (p->host_pending || (p->sigpending & ~p->sigblocked)))
        return; /* user_deliver_pending() puts it back */
    p->sigblocked = p->saved_sigblocked;
    p->restore_sigmask = 0;
}

/* sigsuspend (72: the old 32-bit mask in the third argument, as i386's
 * OLD_SIGSUSPEND3) and rt_sigsuspend (179): mask is the blocked set until
 * a signal it lets through is pending; always -EINTR.  The mask from
 * before the call is kept aside (restore_sigmask), so the handler's frame
 * saves it and sigreturn puts it back, as Linux does.  The wait is in
 * slices: a host signal that lands just before a slice starts is seen at
 * the next one instead of being lost. */
int32_t sys_sigsuspend(UserProc *p, uint64_t mask)
{
    user_sigmask_begin(p, mask);
    for (;;) {
        user_fold_host_signals(p);
        user_take_shared(p, ~p->sigblocked);
        if ((p->sigpending & ~p->sigblocked) || p->exited || p->thread_exited)
            break;
        struct timespec slice = { 0, 10000000 };
        int sr;
        USER_BLOCKING(p, sr, nanosleep(&slice, NULL));
        (void)sr;
    }
    user_sigmask_end(p, -EINTR);
    return -EINTR;
}

int32_t sys_sigreturn(UserProc *p, int rt)
{
    uint32_t sp = e386_reg_read(p->cpu, E386_ESP);
    uint32_t frame = rt ? sp - 4 : sp - 8;
    uint32_t scaddr = rt ? frame + 16 + SIGINFO_SIZE + 20 : frame + 8;
    uint8_t sc[SC_SIZE];
    if (g_read(p, scaddr, sc, SC_SIZE))
        return -1;
    uint64_t mask;
    if (rt) {
        uint8_t m[8];
        if (g_read(p, scaddr + SC_SIZE, m, 8))
            return -1;
        mask = get_le(m, 8);
    } else {
        uint32_t hi;
        if (g_get32(p, frame + 8 + SC_SIZE + FPSTATE_SIZE, &hi))
            return -1;
        mask = get_le(sc + 80, 4) | (uint64_t)hi << 32;
    }
    static const int regs[] = { E386_GS, E386_FS, E386_ES, E386_DS, E386_EDI, E386_ESI, E386_EBP,
                                E386_ESP, E386_EBX, E386_EDX, E386_ECX, E386_EAX };
    for (int i = 0; i < 4; i++)
        if (e386_reg_write(p->cpu, regs[i], (uint32_t)get_le(sc + 4 * i, 4) & 0xffff) != 0)
            return -1;
    if (e386_reg_write(p->cpu, E386_CS, (uint32_t)get_le(sc + 60, 4) & 0xffff) != 0 ||
        e386_reg_write(p->cpu, E386_SS, (uint32_t)get_le(sc + 72, 4) & 0xffff) != 0)
        return -1;
    for (int i = 4; i < 12; i++)
        e386_reg_write(p->cpu, regs[i], (uint32_t)get_le(sc + 4 * i, 4));
    e386_reg_write(p->cpu, E386_EIP, (uint32_t)get_le(sc + 56, 4));
    /* only the flags user code may change (the kernel's FIX_EFLAGS) */
    uint32_t fix = 0x00040dd5u | 0x100u; /* AC OF DF TF SF ZF AF PF CF */
    uint32_t fl = (e386_reg_read(p->cpu, E386_EFLAGS) & ~fix) | ((uint32_t)get_le(sc + 64, 4) & fix);
    e386_reg_write(p->cpu, E386_EFLAGS, fl);
    uint32_t fpaddr = (uint32_t)get_le(sc + 76, 4);
    if (fpaddr) {
        uint8_t fp[108];
        if (g_read(p, fpaddr, fp, sizeof fp))
            return -1;
        e386_fpu_restore(p->cpu, fp);
    }
    if (rt) { /* restore_altstack(): uc_stack as a sigaltstack call would set it */
        uint8_t st[12];
        if (g_read(p, frame + 16 + SIGINFO_SIZE + 8, st, 12))
            return -1;
        uint32_t ssp = (uint32_t)get_le(st, 4), sfl = (uint32_t)get_le(st + 4, 4);
        uint32_t ssz = (uint32_t)get_le(st + 8, 4), mode = sfl & ~SS_AUTODISARM_;
        uint32_t nsp = e386_reg_read(p->cpu, E386_ESP);
        int on = p->alt_size && nsp - p->alt_sp < p->alt_size;
        /* errors are ignored, as the kernel ignores them here */
        if (!on && mode == 2) {
            p->alt_sp = p->alt_size = 0;
            p->alt_flags = 0;
        } else if (!on && (mode == 0 || mode == 1) && ssz >= 2048) {
            p->alt_sp = ssp;
            p->alt_size = ssz;
            p->alt_flags = (int)(sfl & SS_AUTODISARM_);
        }
    }
    p->sigblocked = mask & ~UNBLOCKABLE;
    return 0;
}

int32_t sys_rt_sigaction(UserProc *p, int sig, uint32_t act, uint32_t oact, uint32_t size)
{
    if (size != 8 || sig <= 0 || sig >= USER_NSIG)
        return -EINVAL;
    if (act && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    GuestSigaction *sa = &p->sigact[sig];
    uint8_t b[20];
    GuestSigaction n;
    if (act) {
        if (g_read(p, act, b, 20))
            return -EFAULT;
        n.handler = (uint32_t)get_le(b, 4);
        n.flags = (uint32_t)get_le(b + 4, 4);
        n.restorer = (uint32_t)get_le(b + 8, 4);
        n.mask = get_le(b + 12, 8);
    }
    if (oact) {
        put_le(b, 4, sa->handler);
        put_le(b + 4, 4, sa->flags);
        put_le(b + 8, 4, sa->restorer);
        put_le(b + 12, 8, sa->mask);
        if (g_write(p, oact, b, 20))
            return -EFAULT;
    }
    if (act) {
        *sa = n;
        mirror_on_host(p, sig, n.handler);
        if (n.handler == SIG_IGN_ || (n.handler == SIG_DFL_ && default_ignored(sig))) {
            /* other threads' pending ones stay: their handler check drops them */
            p->sigpending &= ~bit(sig);
            p->shared_pending &= ~bit(sig);
        }
    }
    return 0;
}

int32_t sys_sigaction_old(UserProc *p, int sig, uint32_t act, uint32_t oact)
{
    if (sig <= 0 || sig >= USER_NSIG)
        return -EINVAL;
    GuestSigaction *sa = &p->sigact[sig];
    uint8_t b[16];
    GuestSigaction n;
    if (act) {
        if (g_read(p, act, b, 16))
            return -EFAULT;
        n.handler = (uint32_t)get_le(b, 4);
        n.mask = get_le(b + 4, 4);
        n.flags = (uint32_t)get_le(b + 8, 4);
        n.restorer = (uint32_t)get_le(b + 12, 4);
    }
    if (oact) {
        put_le(b, 4, sa->handler);
        put_le(b + 4, 4, (uint32_t)sa->mask);
        put_le(b + 8, 4, sa->flags);
        put_le(b + 12, 4, sa->restorer);
        if (g_write(p, oact, b, 16))
            return -EFAULT;
    }
    if (act) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        *sa = n;
        mirror_on_host(p, sig, n.handler);
    }
    return 0;
}

int32_t sys_rt_sigprocmask(UserProc *p, int how, uint32_t set, uint32_t oset, uint32_t size)
{
    if (size != 8 && size != 4)
        return -EINVAL;
    uint8_t b[8];
    uint64_t old = p->sigblocked;
    if (set) {
        if (g_read(p, set, b, size))
            return -EFAULT;
        uint64_t s = get_le(b, (int)size);
        if (size == 4)
            s |= p->sigblocked & 0xffffffff00000000ull;
        switch (how) {
        case 0: p->sigblocked |= s; break;
        case 1: p->sigblocked &= ~s; break;
        case 2: p->sigblocked = s; break;
        default: return -EINVAL;
        }
        p->sigblocked &= ~UNBLOCKABLE;
        for (int sig = 1; sig < USER_NSIG; sig++) /* blocked SIG_DFL signals are caught (mirror_on_host) */
            if ((old ^ p->sigblocked) & bit(sig))
                mirror_on_host(p, sig, p->sigact[sig].handler);
    }
    if (oset) {
        put_le(b, 8, old);
        if (g_write(p, oset, b, size))
            return -EFAULT;
    }
    return 0;
}

int32_t sys_sigaltstack(UserProc *p, uint32_t ss, uint32_t oss)
{
    uint8_t b[12];
    if (oss) {
        uint32_t sp = e386_reg_read(p->cpu, E386_ESP);
        int on = p->alt_size && sp - p->alt_sp < p->alt_size;
        put_le(b, 4, p->alt_sp);
        put_le(b + 4, 4, (p->alt_size ? (on ? 1u : 0u) : 2u) | (uint32_t)p->alt_flags);
        put_le(b + 8, 4, p->alt_size);
        if (g_write(p, oss, b, 12))
            return -EFAULT;
    }
    if (ss) {
        if (g_read(p, ss, b, 12))
            return -EFAULT;
        uint32_t flags = (uint32_t)get_le(b + 4, 4), size = (uint32_t)get_le(b + 8, 4);
        /* do_sigaltstack(): SS_ONSTACK (1), SS_DISABLE (2) or 0, plus
         * SS_AUTODISARM; not while running on the alternate stack */
        uint32_t mode = flags & ~SS_AUTODISARM_;
        if (mode != 0 && mode != 1 && mode != 2)
            return -EINVAL;
        uint32_t sp = e386_reg_read(p->cpu, E386_ESP);
        if (p->alt_size && sp - p->alt_sp < p->alt_size)
            return -EPERM;
        if (mode == 2) {
            p->alt_sp = p->alt_size = 0;
            p->alt_flags = 0;
        } else {
            if (size < 2048) /* MINSIGSTKSZ */
                return -ENOMEM;
            p->alt_sp = (uint32_t)get_le(b, 4);
            p->alt_size = size;
            p->alt_flags = (int)(flags & SS_AUTODISARM_);
        }
    }
    return 0;
}
