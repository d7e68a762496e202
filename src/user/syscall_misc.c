/* Calls that pass to the host with their i386 arguments rebuilt: getcpu,
 * membarrier (guest threads are host threads, so the host's barrier is
 * the guest's), readahead and sync_file_range (64-bit offsets in two
 * registers), tee, capget/capset (the process's capabilities are the
 * emulator's: the guest is that process), close_range (guest descriptors
 * are host descriptors). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "user/syscall.h"

static int64_t pair64(uint32_t lo, uint32_t hi) { return (int64_t)((uint64_t)hi << 32 | lo); }

static int32_t do_getcpu(UserProc *p, uint32_t cpu_addr, uint32_t node_addr)
{
    unsigned cpu = 0, node = 0;
    if (getcpu(&cpu, &node))
        return host_err();
    uint8_t b[4];
    if (cpu_addr) {
        put_le(b, 4, cpu);
        if (g_write(p, cpu_addr, b, 4))
            return -EFAULT;
    }
    if (node_addr) {
        put_le(b, 4, node);
        if (g_write(p, node_addr, b, 4))
            return -EFAULT;
    }
    return 0;
}

/* capget/capset: header { u32 version; s32 pid }, then one { effective,
 * permitted, inheritable } triple for version 1, two for versions 2 and 3. */
static int32_t do_cap(UserProc *p, uint32_t hdr_addr, uint32_t data_addr, int set)
{
    uint8_t gh[8];
    if (g_read(p, hdr_addr, gh, 8))
        return -EFAULT;
    struct __user_cap_header_struct h = { (uint32_t)get_le(gh, 4), (int)get_le(gh + 4, 4) };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    int n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
    uint8_t gd[24];
    if (set) {
        if (g_read(p, data_addr, gd, (size_t)n * 12))
            return -EFAULT;
        for (int i = 0; i < n; i++) {
            d[i].effective = (uint32_t)get_le(gd + 12 * i, 4);
            d[i].permitted = (uint32_t)get_le(gd + 12 * i + 4, 4);
            d[i].inheritable = (uint32_t)get_le(gd + 12 * i + 8, 4);
        }
    }
    uint32_t asked = h.version;
    long r = syscall(set ? SYS_capset : SYS_capget, &h, data_addr ? d : NULL);
    int32_t e = r ? host_err() : 0;
    if (h.version != asked) { /* a version the kernel does not know: it answers with its own */
        put_le(gh, 4, h.version);
        if (g_write(p, hdr_addr, gh, 4))
            return -EFAULT;
    }
    if (e)
        return e;
    if (!set && data_addr) {
        for (int i = 0; i < n; i++) {
            put_le(gd + 12 * i, 4, d[i].effective);
            put_le(gd + 12 * i + 4, 4, d[i].permitted);
            put_le(gd + 12 * i + 8, 4, d[i].inheritable);
        }
        if (g_write(p, data_addr, gd, (size_t)n * 12))
            return -EFAULT;
    }
    return 0;
}

int sys_misc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    long r;
    switch (nr) {
    case 318: *ret = do_getcpu(p, a[0], a[1]); return 1;
    case 375: r = syscall(SYS_membarrier, (int)a[0], (unsigned)a[1], (int)a[2]); break;
    case 225: /* readahead(fd, offset lo, hi, count) */
        r = readahead((int)a[0], pair64(a[1], a[2]), (size_t)a[3]);
        break;
    case 314: /* sync_file_range(fd, offset lo, hi, nbytes lo, hi, flags) */
        r = sync_file_range((int)a[0], pair64(a[1], a[2]), pair64(a[3], a[4]), (unsigned)a[5]);
        break;
    case 315: r = tee((int)a[0], (int)a[1], (size_t)a[2], (unsigned)a[3]); break;
    case 184: case 185: *ret = do_cap(p, a[0], a[1], nr == 185); return 1;
    case 436: /* close_range(first, last, flags): UNSHARE 2, CLOEXEC 4 */
        if ((a[2] & ~6u) || a[0] > a[1]) {
            *ret = -EINVAL;
            return 1;
        }
#ifdef SYS_close_range
        r = syscall(SYS_close_range, a[0], a[1], a[2]);
#else
        r = -1, errno = ENOSYS; /* glibc and CPython close one by one then */
#endif
        break;
    default:
        return 0;
    }
    *ret = r < 0 ? host_err() : (int32_t)r;
    return 1;
}
