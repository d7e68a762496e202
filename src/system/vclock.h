/* The machine's virtual clock, in ns since the machine was created.
 *
 * Two modes, chosen when the machine is built:
 *  - host time (the default): virtual time follows the host's monotonic
 *    clock, and waiting for a deadline sleeps;
 *  - -icount N: virtual time is the guest's instruction count times 2^N ns
 *    (QEMU's -icount shift), plus the time skipped while the CPU was
 *    halted.  Waiting for a deadline moves time forward at once instead of
 *    sleeping, so nothing the host does can change what the guest sees:
 *    two runs of the same guest give identical results.
 *
 * Everything that reads time goes through vclock_now() and waits through
 * vclock_sleep_until(): the PIT, the RTC, the UART's pacing, port 0x61's
 * refresh bit and RDTSC.  The clock also carries the wall-clock time at
 * virtual time 0, the base of the RTC (a fixed date under -icount). */
#ifndef E386_SYSTEM_VCLOCK_H
#define E386_SYSTEM_VCLOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "e386.h"

#define VCLOCK_NO_DEADLINE UINT64_MAX
/* -icount's wall-clock origin: 2024-01-01 00:00:00 UTC. */
#define VCLOCK_ICOUNT_EPOCH 1704067200
/* The largest -icount shift (1024 ns per instruction, as QEMU). */
#define VCLOCK_MAX_SHIFT 10

typedef struct VClock {
    bool icount;
    unsigned shift;        /* icount: 2^shift ns per instruction */
    uint64_t origin_ns;    /* host: the monotonic clock at virtual time 0 */
    const E386Cpu *cpu;    /* icount: whose instructions make the time */
    uint64_t insn_origin;  /* icount: the instruction count at virtual time 0 */
    uint64_t warp_ns;      /* icount: virtual time skipped in HLT */
    uint64_t last;         /* the latest time handed out: the clock never goes back */
    int64_t wall_origin;   /* seconds since 1970 (UTC) at virtual time 0 */
} VClock;

/* Host time, starting now; the wall origin is the host's time of day. */
void vclock_init(VClock *c);
/* Switch c to -icount mode on cpu's instruction count (shift clamped to
 * VCLOCK_MAX_SHIFT), starting at virtual time 0 and the fixed epoch. */
void vclock_set_icount(VClock *c, const E386Cpu *cpu, unsigned shift);
uint64_t vclock_now(VClock *c);
/* Wait until virtual time t (at once if it is past): host time sleeps
 * (a signal ends the sleep early; the caller re-reads the clock), icount
 * moves time forward to t. */
void vclock_sleep_until(VClock *c, uint64_t t);
/* Host time only: like vclock_sleep_until, but also ends as soon as one
 * of fds (nfds of them, may be 0) is readable.  1 if an fd is readable,
 * else 0.  Under icount it waits for input alone (t is ignored unless no
 * fd is given: the caller warps to deadlines itself). */
int vclock_wait_input(VClock *c, uint64_t t, const int *fds, int nfds);
/* icount: instructions from now until virtual time t (at least 1); host
 * time: 0 (the caller estimates from the guest's speed). */
uint64_t vclock_insns_until(const VClock *c, uint64_t now, uint64_t t);
#endif
