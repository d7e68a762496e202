/* statx (383 on i386) and creat (8): both returned ENOSYS.  glibc's own
 * statx() falls back to fstatat64 on ENOSYS, so the calls are made with
 * syscall() here.  statx's answer is compared with fstat's (the same
 * inode, size, mode, links, times), then Linux's errors: unknown flags,
 * both sync kinds, the reserved mask bit, a missing file, a bad buffer. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/stat.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "common.h"

static long sx(int dirfd, const char *path, int flags, unsigned mask, struct statx *b)
{
    return syscall(SYS_statx, dirfd, path, flags, mask, b);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(0);
    const char *f = "statx-creat.tmp";
    unlink(f);
    int fd = (int)syscall(SYS_creat, f, 0640);
    printf("creat gives a descriptor %d\n", fd >= 0);
    show("write 5 bytes", write(fd, "hello", 5));
    show("read from creat's write-only descriptor", read(fd, (char[4]){ 0 }, 4));
    close(fd);
    fd = (int)syscall(SYS_creat, f, 0600); /* an existing file: truncated, mode kept */
    close(fd);
    struct stat st;
    show("stat", stat(f, &st));
    printf("creat truncated it: size %ld, mode %o\n", (long)st.st_size, (unsigned)st.st_mode & 07777);
    show("write again", (fd = open(f, O_WRONLY | O_APPEND)) >= 0 ? write(fd, "hello", 5) : -1);
    close(fd);
    show("stat", stat(f, &st));

    struct statx x;
    memset(&x, 0xa5, sizeof x);
    show("statx", sx(AT_FDCWD, f, 0, STATX_BASIC_STATS | STATX_BTIME, &x));
    printf("basic stats in the mask %d\n", (x.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    printf("size %llu, mode %o, type regular %d, nlink %u\n", (unsigned long long)x.stx_size,
           (unsigned)x.stx_mode & 07777, S_ISREG(x.stx_mode), (unsigned)x.stx_nlink);
    printf("same inode %d, uid %d, gid %d, blocks %d, blksize %d\n", x.stx_ino == (unsigned long long)st.st_ino,
           x.stx_uid == st.st_uid, x.stx_gid == st.st_gid, x.stx_blocks == (unsigned long long)st.st_blocks,
           x.stx_blksize == (unsigned)st.st_blksize);
    printf("same mtime %d, same ctime %d, same device %d\n",
           x.stx_mtime.tv_sec == st.st_mtim.tv_sec && x.stx_mtime.tv_nsec == (unsigned)st.st_mtim.tv_nsec,
           x.stx_ctime.tv_sec == st.st_ctim.tv_sec && x.stx_ctime.tv_nsec == (unsigned)st.st_ctim.tv_nsec,
           makedev(x.stx_dev_major, x.stx_dev_minor) == st.st_dev);

    fd = open(f, O_RDONLY);
    memset(&x, 0, sizeof x);
    show("statx of a descriptor (AT_EMPTY_PATH)", sx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &x));
    printf("its size %llu\n", (unsigned long long)x.stx_size);
    close(fd);
    show("statx of a directory", sx(AT_FDCWD, ".", 0, STATX_TYPE, &x));
    printf("a directory %d\n", S_ISDIR(x.stx_mode));

    show("statx unknown flag", sx(AT_FDCWD, f, 0x40000, STATX_BASIC_STATS, &x));
    show("statx FORCE_SYNC with DONT_SYNC", sx(AT_FDCWD, f, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
                                               STATX_BASIC_STATS, &x));
    show("statx reserved mask bit", sx(AT_FDCWD, f, 0, 0x80000000u, &x));
    show("statx missing file", sx(AT_FDCWD, "no-such-statx-file", 0, STATX_BASIC_STATS, &x));
    show("statx bad buffer", sx(AT_FDCWD, f, 0, STATX_BASIC_STATS, (struct statx *)16));
    show("statx bad path", sx(AT_FDCWD, (const char *)16, 0, STATX_BASIC_STATS, &x));
    show("creat in a missing directory", syscall(SYS_creat, "no-such-dir/x", 0600));
    unlink(f);
    return 0;
}
