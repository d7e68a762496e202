/* One source, two builds.  Every program is built as the i386 program it
 * is, and the twinnable ones a second time with gcc -m64 as an x86-64
 * "twin": almost every instruction group behaves identically in 64-bit
 * mode with 8/16/32-bit operands, so the twin, run natively, is a live
 * real-CPU oracle on hosts whose kernel cannot run i386 code.  Parts that
 * do not exist in 64-bit mode are left out of the twin by #if !TWIN; the
 * lines they print are dropped from the i386 output by run_suite.py's
 * TWIN_DROP rule before the two are compared (see README.md). */
#ifndef CPU_I386_TWIN_H
#define CPU_I386_TWIN_H
#ifdef __x86_64__
#define TWIN 1
/* PUSH/POP of a register operand must name the pointer-sized register
 * (push %eax does not exist in 64-bit mode): "push %" RQ "[fin]" */
#define RQ "q"
#define BP_REG "rbp"
#else
#define TWIN 0
#define RQ ""
#define BP_REG "ebp"
#endif
#endif
