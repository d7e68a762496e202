/* The user-mode guest of the gdb suite (built gcc -m32 -static -g -O0):
 * a function to break on, a local to print, a global whose store a
 * watchpoint catches, an x87 load to read from st0, and a spin the
 * debugger interrupts and releases. */
#include <stdio.h>

volatile int counter = 1;
volatile double third;
volatile int release; /* the debugger sets it to let main return (the Ctrl-C case) */

int add_twice(int a, int b)
{
    int sum = a + b;
    sum += b;
    return sum;
}

void bump(void)
{
    counter = counter + 41;
}

double load_x87(void)
{
    double v = 2.5;
    __asm__ volatile("fldl %1\n\tfstpl %0" : "=m"(third) : "m"(v));
    __asm__ volatile("fldl %0\n\t.globl after_fld\nafter_fld:\n\tfstpl %0" : "+m"(v));
    return v;
}

int main(void)
{
    int r = add_twice(3, 4);
    bump();
    double d = load_x87();
    printf("r=%d counter=%d d=%g\n", r, counter, d);
    fflush(stdout);
    while (!release)
        ;
    return 7;
}
