/* The machine's virtual clock, in ns since the machine was created.
 *
 * Today it follows the host's monotonic clock.  Issue 10's -icount mode
 * will derive it from the instruction count instead (ns = insns << shift)
 * so that runs are deterministic; everything that reads time goes through
 * vclock_now() and sleeps through vclock_sleep_until(), so that mode only
 * changes this file (sleeping then just moves time forward). */
#ifndef E386_SYSTEM_VCLOCK_H
#define E386_SYSTEM_VCLOCK_H
#include <stdint.h>

typedef struct VClock {
    uint64_t origin_ns; /* the host's monotonic clock at virtual time 0 */
} VClock;

void vclock_init(VClock *c);
uint64_t vclock_now(const VClock *c);
/* Sleep until virtual time t (returns at once if it is past). */
void vclock_sleep_until(const VClock *c, uint64_t t);
#endif
