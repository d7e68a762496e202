/* getcpu, membarrier, readahead, sync_file_range, tee, capget, capset and close_range
 * (all ENOSYS before): their results and Linux's errors, printed so that
 * nothing depends on the machine (a CPU number only as "below the count"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned cpu = ~0u, node = ~0u;
    show("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
    printf("cpu below the count %d, node set %d\n", cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF), node != ~0u);
    show("getcpu, cpu only", syscall(SYS_getcpu, &cpu, NULL, NULL));
    show("getcpu, bad pointer", syscall(SYS_getcpu, (void *)16, NULL, NULL));

    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("membarrier query answers %d\n", q >= 0);
    show("membarrier unknown command", syscall(SYS_membarrier, 12345, 0, 0));
    show("membarrier query with flags", syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0));

    const char *f = "misc-calls.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    show("write", write(fd, "0123456789", 10));
    show("readahead", readahead(fd, 0, 4096));
    show("sync_file_range", sync_file_range(fd, 0, 10, SYNC_FILE_RANGE_WRITE));
    show("sync_file_range past 4 GiB", sync_file_range(fd, 5LL << 30, 1, SYNC_FILE_RANGE_WAIT_BEFORE));
    show("sync_file_range bad flags", sync_file_range(fd, 0, 10, 0x100));
    show("sync_file_range negative offset", sync_file_range(fd, -1, 10, SYNC_FILE_RANGE_WRITE));
    int pa[2], pb[2];
    show("pipe", pipe(pa));
    show("pipe", pipe(pb));
    show("readahead on a pipe", readahead(pa[0], 0, 10));
    show("readahead bad fd", readahead(-1, 0, 10));
    show("write to the first pipe", write(pa[1], "abc", 3));
    show("tee", tee(pa[0], pb[1], 10, SPLICE_F_NONBLOCK));
    char b1[8] = { 0 }, b2[8] = { 0 };
    show("read the copy", read(pb[0], b2, sizeof b2));
    show("read the original, still there", read(pa[0], b1, sizeof b1));
    printf("copy %s original %s\n", b2, b1);
    show("tee from a file", tee(fd, pb[1], 10, 0));
    show("tee of an empty pipe, non-blocking", tee(pa[0], pb[1], 10, SPLICE_F_NONBLOCK));
    close(fd);
    unlink(f);

    show("dup2 to 10", dup2(1, 10));
    show("dup2 to 11", dup2(1, 11));
    show("dup2 to 12", dup2(1, 12));
    show("close_range 11..12", syscall(SYS_close_range, 11, 12, 0));
    show("fd 11 after it", fcntl(11, F_GETFD));
    show("fd 12 after it", fcntl(12, F_GETFD));
    show("fd 10 after it", fcntl(10, F_GETFD));
    show("close_range 10..10 CLOEXEC", syscall(SYS_close_range, 10, 10, 4));
    show("fd 10 close-on-exec", fcntl(10, F_GETFD));
    show("close_range bad flags", syscall(SYS_close_range, 10, 10, 1));
    show("close_range first above last", syscall(SYS_close_range, 12, 10, 0));
    show("close_range of nothing open", syscall(SYS_close_range, 1000, ~0u, 0));
    close(10);

    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    show("capget", syscall(SYS_capget, &h, d));
    printf("effective within permitted %d\n",
           (d[0].effective & ~d[0].permitted) == 0 && (d[1].effective & ~d[1].permitted) == 0);
    show("capset to the same sets", syscall(SYS_capset, &h, d));
    h.version = 0x12345678;
    show("capget unknown version", syscall(SYS_capget, &h, d));
    printf("the kernel's version written back %#x\n", h.version);
    h.version = 0x12345678;
    show("capget version query (no data)", syscall(SYS_capget, &h, NULL));
    printf("version %#x\n", h.version);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    show("capget bad header", syscall(SYS_capget, (void *)16, d));
    show("capget bad data", syscall(SYS_capget, &h, (void *)16));
    h.pid = 0x7ffffff0;
    show("capget of no such process", syscall(SYS_capget, &h, d));
    return 0;
}
