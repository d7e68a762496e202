/* Unmasked x87 exceptions as Linux delivers them: the #MF is taken at the
 * next waiting FPU instruction (FWAIT or any non-control x87 instruction),
 * and becomes SIGFPE with si_code from the first pending unmasked exception
 * (FPE_FLTINV, FPE_FLTDIV, FPE_FLTOVF, FPE_FLTUND, FPE_FLTRES), si_addr and
 * the saved EIP at that waiting instruction, trapno 16.  The handler runs
 * with a fresh FPU; the saved status word still holds the exception, and a
 * handler that clears it there makes the retried instruction go on.
 * Only the low half of glibc's `status` is printed: the high half is the
 * frame's magic, 0 on an FXSR CPU and 0xffff for emu386's CPU, which has
 * no FXSAVE (CPUID says so), exactly as Linux writes it on such a CPU. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static const double d_one = 1.0, d_zero = 0.0, d_neg = -1.0, d_huge = 1e300, d_tiny = 1e-300,
                    d_three = 3.0, d_denorm = 4.9e-324;
static uint16_t cw_in;
static volatile int resumed_ok, calls;
static sigjmp_buf jb;
static char env_buf[28];
/* how the handler ends: 0 clear the exception in the saved status word and
 * return, 1 siglongjmp, 2 mask it in the saved control word and return
 * (sigreturn's restore then has it flagged but masked: nothing pending) */
static int mode;

/* Each case: load operands, unmask, run the excepting instruction at
 * <name>_op, then a waiting instruction at <name>_wait that takes the #MF.
 * noinline/noclone: the global labels must exist exactly once. */
#define CASE(name, setup, op, wait)                                                            \
    extern char name##_op[], name##_wait[];                                                    \
    static __attribute__((noinline, noclone)) void name(void)                                  \
    {                                                                                          \
        __asm__ volatile("fninit\n\t" setup "\n\tfldcw %[cw]\n\t"                              \
                         ".globl " #name "_op\n" #name "_op:\n\t" op "\n\t"                    \
                         ".globl " #name "_wait\n" #name "_wait:\n\t" wait "\n\tfninit"         \
                         : : [cw] "m"(cw_in), [one] "m"(d_one), [zero] "m"(d_zero),            \
                           [neg] "m"(d_neg), [huge] "m"(d_huge), [tiny] "m"(d_tiny),           \
                           [three] "m"(d_three), [den] "m"(d_denorm),                       \
                           [env] "m"(env_buf) : "memory");              \
    }

CASE(c_sqrt_neg, "fldl %[neg]", "fsqrt", "fwait")
CASE(c_div_zero, "fldl %[one]", "fdivl %[zero]", "fwait")
CASE(c_overflow, "fldl %[huge]", "fmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)\n\t"
                 "fmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)", "fwait")
CASE(c_underflow, "fldl %[tiny]", "fmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)\n\t"
                  "fmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)\n\tfmul %%st(0), %%st(0)", "fwait")
CASE(c_denormal, "fldl %[one]", "faddl %[den]", "fwait")
CASE(c_precision, "fldl %[one]", "fdivl %[three]", "fwait")
CASE(c_underflow_stack, "", "fadd %%st(1), %%st(0)", "fwait")
CASE(c_overflow_stack, "fld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1\n\tfld1", "fld1", "fwait")
/* the next waiting instruction is an arithmetic one, not FWAIT */
CASE(c_div_zero_fld, "fldl %[one]", "fdivl %[zero]", "fld1")
/* a pending PE traps at the next arithmetic instruction, before it runs */
CASE(c_pe_then_div, "fldl %[one]", "fdivl %[three]", "fdivl %[zero]")
/* ZE and PE raised while masked, then unmasked by FLDCW: ZE decides the code */
CASE(c_two_pending, "fldl %[one]\n\tfdivl %[three]\n\tfdivl %[zero]", "", "fwait")

/* FNSTENV masks every exception, so nothing is pending any more: no trap */
CASE(c_fnstenv_masks, "fldl %[one]", "fdivl %[zero]\n\tfnstenv %[env]", "fwait")

struct entry { const char *name; void (*fn)(void); char *op, *wait; uint16_t cw; };
#define E(n, cw) { #n, n, n##_op, n##_wait, cw }
static const struct entry cases[] = {
    E(c_sqrt_neg, 0x037e), E(c_div_zero, 0x037b), E(c_overflow, 0x0377), E(c_underflow, 0x036f),
    E(c_denormal, 0x037d), E(c_precision, 0x035f), E(c_underflow_stack, 0x037e),
    E(c_overflow_stack, 0x037e), E(c_div_zero_fld, 0x037b), E(c_pe_then_div, 0x035f), E(c_two_pending, 0x035b),
    E(c_fnstenv_masks, 0x037b),
};
static const struct entry *cur;

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    uint16_t cw_now, sw_now;
    __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw_now), "=m"(sw_now));
    uintptr_t eip = (uintptr_t)uc->uc_mcontext.gregs[REG_EIP];
    /* condition codes C0-C3 and the exception/summary bits; TOP too */
    printf("%-18s sig=%d code=%d addr@wait=%d eip@wait=%d trapno=%d err=%d "
           "saved cw=%04x sw=%04x status=%04x fip@op=%d handler cw=%04x sw=%04x\n",
           cur->name, sig, si->si_code, si->si_addr == (void *)cur->wait,
           eip == (uintptr_t)cur->wait, (int)uc->uc_mcontext.gregs[REG_TRAPNO],
           (int)uc->uc_mcontext.gregs[REG_ERR], (unsigned)(fp->cw & 0xffff),
           (unsigned)(fp->sw & 0xffff), (unsigned)(fp->status & 0xffff), fp->ipoff == (uintptr_t)cur->op,
           cw_now, sw_now);
    fflush(stdout);
    if (mode == 1 || ++calls > 2) /* (a second trap: leave, do not loop) */
        siglongjmp(jb, 1);
    if (mode == 0)
        fp->sw &= ~0x80ffu; /* the retried instruction goes on */
    else
        fp->cw |= 0x3f;
    resumed_ok = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &sa, NULL);
    for (mode = 0; mode < 3; mode++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            cur = &cases[i];
            cw_in = cur->cw;
            resumed_ok = calls = 0;
            if (sigsetjmp(jb, 1) == 0) {
                cur->fn();
                printf("%-18s %s (handler ran %d times)\n", cur->name,
                       resumed_ok ? "resumed after the handler" : "no SIGFPE", calls);
            } else {
                printf("%-18s left the handler by siglongjmp (handler ran %d times)\n", cur->name,
                       mode == 1 ? 1 : calls);
            }
        }
    }
    /* masked exceptions never trap */
    cw_in = 0x037f;
    cur = &cases[1];
    c_div_zero();
    printf("masked divide by zero: no signal\n");
    return 0;
}
