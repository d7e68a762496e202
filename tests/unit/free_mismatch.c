/* Not a unit test: a program that hands a guest-allocator block to free().
 * Under ASan or Valgrind that must be reported (see tests/CMakeLists.txt
 * and ci/leg-valgrind); it proves the two allocator families cannot be
 * mixed silently. */
#include <stdlib.h>
#include "mem/galloc.h"

int main(void)
{
    GuestAlloc ga;
    galloc_init(&ga);
    void *p = galloc_alloc(&ga, 4096, 4096, "free_mismatch");
    free(p); /* wrong function: must be reported */
    return 0;
}
