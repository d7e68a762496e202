/* The Linux i386 system call layer: entry from int $0x80, the guest
 * memory helpers, and the dispatch to the areas (fs, proc). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "user/syscall.h"

int32_t host_err(void) { return -errno; }

int g_read(UserProc *p, uint32_t addr, void *buf, size_t len)
{
    return e386_mem_read(p->cpu, addr, buf, len) == 0 ? 0 : -EFAULT;
}

int g_writable(UserProc *p, uint32_t addr, size_t len)
{
    if ((uint64_t)addr + len > (1ull << 32))
        return -EFAULT;
    for (uint64_t a = addr & ~0xfffu; a < (uint64_t)addr + len; a += 4096) {
        int prot = e386_mem_prot(p->cpu, (uint32_t)a);
        if (prot < 0 || !(prot & E386_PROT_WRITE))
            return -EFAULT;
    }
    return 0;
}

/* Guest writes honour the page rights: the kernel would fault too. */
int g_write(UserProc *p, uint32_t addr, const void *buf, size_t len)
{
    if (g_writable(p, addr, len))
        return -EFAULT;
    return e386_mem_write(p->cpu, addr, buf, len) == 0 ? 0 : -EFAULT;
}

int g_put32(UserProc *p, uint32_t addr, uint32_t v)
{
    uint8_t b[4];
    put_le(b, 4, v);
    return e386_mem_write(p->cpu, addr, b, 4) == 0 ? 0 : -EFAULT;
}

int g_get32(UserProc *p, uint32_t addr, uint32_t *v)
{
    uint8_t b[4];
    if (e386_mem_read(p->cpu, addr, b, 4) != 0)
        return -EFAULT;
    *v = (uint32_t)get_le(b, 4);
    return 0;
}

int g_strdup(UserProc *p, uint32_t addr, char *out, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        uint8_t c;
        if (e386_mem_read(p->cpu, addr + (uint32_t)i, &c, 1) != 0)
            return -EFAULT;
        out[i] = (char)c;
        if (!c)
            return 0;
    }
    return -ENAMETOOLONG;
}

int32_t user_do_syscall(UserProc *p, uint32_t nr, const uint32_t a[6])
{
    int32_t ret;
    if (sys_fs(p, nr, a, &ret) || sys_proc(p, nr, a, &ret) || sys_timer(p, nr, a, &ret) ||
        sys_net(p, nr, a, &ret) || sys_path(p, nr, a, &ret) || sys_io(p, nr, a, &ret) ||
        sys_ident(p, nr, a, &ret) || sys_event(p, nr, a, &ret) || sys_misc(p, nr, a, &ret))
        return ret;
    if (p->debug_unimp && nr < 512 * 8 && !(p->unimp_seen[nr / 8 % 512] & (1 << (nr % 8)))) {
        p->unimp_seen[nr / 8 % 512] |= (uint8_t)(1 << (nr % 8));
        fprintf(user_log(p), "emu386-user: unimplemented syscall %u\n", nr);
    }
    return -ENOSYS;
}

/* Run system call nr for the current thread and store its result. */
static void run_call(UserProc *p, uint32_t nr, const uint32_t a[6])
{
    E386Cpu *cpu = p->cpu;
    int32_t r = user_do_syscall(p, nr, a);
    if (p->debug_syscall)
        fprintf(user_log(p), "emu386-user: syscall %u (%#x, %#x, %#x) = %d\n", nr, a[0], a[1], a[2], r);
    if (p->debug_page && (uint32_t)r < 0xfffff001u) { /* the calls that changed the address space */
        static const struct { uint32_t nr; const char *name; } maps[] = {
            { 45, "brk" }, { 90, "mmap" }, { 91, "munmap" }, { 125, "mprotect" }, { 163, "mremap" },
            { 192, "mmap2" },
        };
        for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++)
            if (maps[k].nr == nr) {
                char why[96];
                snprintf(why, sizeof why, "after %s(%#x, %#x) = %#x", maps[k].name, a[0], a[1], (uint32_t)r);
                user_log_pages(p, why);
            }
    }
    e386_reg_write(cpu, E386_EAX, (uint32_t)r);
    /* interrupted by a signal that is about to be delivered: a host one,
     * or a guest one another thread sent (it woke this one's wait) */
    p->restart_pending = r == -EINTR &&
                         (p->host_pending ||
                          (user_nthreads(p) > 1 && ((p->sigpending | p->shared_pending) & ~p->sigblocked)));
    p->restart_nr = nr;
}

void user_syscall_deferred(UserProc *p)
{
    p->sc_deferred = 0;
    uint32_t a[6];
    memcpy(a, p->sc_args, sizeof a);
    run_call(p, p->sc_nr, a);
}

/* The interrupt hook: int $0x80 is a system call.  With one thread it
 * runs here, inside e386_run.  While other threads exist it runs after
 * e386_run has returned (user_syscall_deferred from the run loop): a call
 * that blocks gives the turn away, and the next thread's e386_run must not
 * start while this one's is still on a host stack.  clone is always
 * deferred: it may be the call that starts the second thread. */
int user_syscall(E386Cpu *cpu, int vector, void *opaque)
{
    UserProc *p = opaque;
    if (vector != 0x80)
        return 0;
    uint32_t nr = e386_reg_read(cpu, E386_EAX);
    uint32_t a[6] = { e386_reg_read(cpu, E386_EBX), e386_reg_read(cpu, E386_ECX),
                      e386_reg_read(cpu, E386_EDX), e386_reg_read(cpu, E386_ESI),
                      e386_reg_read(cpu, E386_EDI), e386_reg_read(cpu, E386_EBP) };
    if (nr == 119 || nr == 173) { /* sigreturn: registers come from the frame */
        if (sys_sigreturn(p, nr == 173) != 0) {
            GuestSiginfo si = { .signo = 11, .code = 0x80 };
            user_raise(p, &si);
        }
        e386_stop(cpu);
        return 1;
    }
    if (user_nthreads(p) > 1 || nr == 120) {
        p->sc_deferred = 1;
        p->sc_nr = nr;
        memcpy(p->sc_args, a, sizeof a);
        e386_stop(cpu);
        return 1;
    }
    run_call(p, nr, a);
    if (p->exited || p->thread_exited || p->sigpending || p->host_pending)
        e386_stop(cpu); /* leave the run loop to exit or deliver */
    return 1;
}
