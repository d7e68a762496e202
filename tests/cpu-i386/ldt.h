/* modify_ldt for the test programs, without i386 kernel headers. */
#ifndef CPU_I386_LDT_H
#define CPU_I386_LDT_H
#include <string.h>
#include <unistd.h>

#define SYS_modify_ldt 123 /* i386 */

/* the kernel's struct user_desc (asm/ldt.h) */
struct user_desc {
    unsigned int entry_number, base_addr, limit;
    unsigned int seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
        seg_not_present : 1, useable : 1;
};

/* AVL (useable) is left 0: 64-bit kernels drop it, so it cannot be compared */
static inline int set_ldt(int entry, unsigned base, unsigned limit, int pages, int contents, int ro,
                          int seg32, int notp)
{
    struct user_desc d;
    memset(&d, 0, sizeof d);
    d.entry_number = (unsigned)entry;
    d.base_addr = base;
    d.limit = limit;
    d.seg_32bit = (unsigned)seg32;
    d.contents = (unsigned)contents;
    d.read_exec_only = (unsigned)ro;
    d.limit_in_pages = (unsigned)pages;
    d.seg_not_present = (unsigned)notp;
    return (int)syscall(SYS_modify_ldt, 1, &d, sizeof d);
}
#endif
