/* Calls that name files: links, nodes, the *at family, ownership, times,
 * truncation and file-system statistics.  AT_* flag values are the same
 * on every Linux architecture, so they pass through unchanged. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "user/syscall.h"

/* i386 dev_t in mknod is the kernel's 32-bit "new" encoding */
static dev_t guest_dev(uint32_t d)
{
    return makedev((d & 0xfff00) >> 8, (d & 0xff) | ((d >> 12) & 0xfff00));
}

/* 16-bit ids: 0xffff is "no change" */
static uint32_t id16(uint32_t v) { return (v & 0xffff) == 0xffff ? 0xffffffffu : (v & 0xffff); }

/* struct statfs (64 bytes, 32-bit counts) or statfs64 (84 bytes) */
static int32_t put_statfs(UserProc *p, uint32_t addr, const struct statfs *s, int is64)
{
    uint8_t b[84];
    memset(b, 0, sizeof b);
    uint64_t blocks = s->f_blocks, bfree = s->f_bfree, bavail = s->f_bavail, files = s->f_files,
             ffree = s->f_ffree;
    int fsid[2];
    memcpy(fsid, &s->f_fsid, sizeof fsid);
    put_le(b, 4, (uint32_t)s->f_type);
    put_le(b + 4, 4, (uint32_t)s->f_bsize);
    if (is64) {
        put_le(b + 8, 8, blocks);
        put_le(b + 16, 8, bfree);
        put_le(b + 24, 8, bavail);
        put_le(b + 32, 8, files);
        put_le(b + 40, 8, ffree);
        put_le(b + 48, 4, (uint32_t)fsid[0]);
        put_le(b + 52, 4, (uint32_t)fsid[1]);
        put_le(b + 56, 4, (uint32_t)s->f_namelen);
        put_le(b + 60, 4, (uint32_t)s->f_frsize);
        put_le(b + 64, 4, (uint32_t)s->f_flags);
        return g_write(p, addr, b, 84);
    }
    /* put_compat_statfs: counts must fit (files may be "unknown", -1) */
    if ((blocks | bfree | bavail | (uint64_t)s->f_bsize | (uint64_t)s->f_frsize) >> 32 ||
        (files != ~0ull && files >> 32) || (ffree != ~0ull && ffree >> 32))
        return -EOVERFLOW;
    put_le(b + 8, 4, (uint32_t)blocks);
    put_le(b + 12, 4, (uint32_t)bfree);
    put_le(b + 16, 4, (uint32_t)bavail);
    put_le(b + 20, 4, (uint32_t)files);
    put_le(b + 24, 4, (uint32_t)ffree);
    put_le(b + 28, 4, (uint32_t)fsid[0]);
    put_le(b + 32, 4, (uint32_t)fsid[1]);
    put_le(b + 36, 4, (uint32_t)s->f_namelen);
    put_le(b + 40, 4, (uint32_t)s->f_frsize);
    put_le(b + 44, 4, (uint32_t)s->f_flags);
    return g_write(p, addr, b, 64);
}

/* kind: 0 timespec32[2], 1 timespec64[2], 2 timeval32[2], 3 utimbuf (two longs) */
static int32_t do_utimes(UserProc *p, int dirfd, uint32_t path_a, uint32_t times, int kind, uint32_t flags)
{
    char path[PATH_MAX];
    struct timespec ts[2];
    if (times) {
        uint8_t b[32];
        static const int size[4] = { 16, 32, 16, 8 };
        if (g_read(p, times, b, (size_t)size[kind]))
            return -EFAULT;
        for (int i = 0; i < 2; i++) {
            if (kind == 1) {
                ts[i].tv_sec = (time_t)get_le(b + 16 * i, 8);
                ts[i].tv_nsec = (long)(int64_t)get_le(b + 16 * i + 8, 8);
            } else if (kind == 3) {
                ts[i].tv_sec = (time_t)(int32_t)get_le(b + 4 * i, 4);
                ts[i].tv_nsec = 0;
            } else {
                ts[i].tv_sec = (time_t)(int32_t)get_le(b + 8 * i, 4);
                ts[i].tv_nsec = (long)(int32_t)get_le(b + 8 * i + 4, 4);
                if (kind == 2) {
                    if (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000)
                        return -EINVAL;
                    ts[i].tv_nsec *= 1000;
                }
            }
        }
    }
    const char *pp = NULL;
    if (path_a) {
        int32_t r = user_guest_path(p, path_a, path);
        if (r)
            return r;
        pp = path;
    }
    /* the raw call: glibc's wrapper refuses the NULL path futimens uses */
    long r = syscall(SYS_utimensat, dirfd, pp, times ? ts : NULL, (int)flags);
    return r ? host_err() : 0;
}

static int32_t two_paths(UserProc *p, uint32_t a1, uint32_t a2, char *p1, char *p2)
{
    int32_t r = user_guest_path(p, a1, p1);
    return r ? r : user_guest_path(p, a2, p2);
}

int sys_path(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    char path[PATH_MAX], path2[PATH_MAX];
    int32_t r;
    struct statfs sf;
    switch (nr) {
    case 9: case 303: { /* link, linkat */
        int at = nr == 303;
        if ((r = two_paths(p, a[at], a[at ? 3 : 1], path, path2)))
            break;
        r = linkat(at ? user_guest_dirfd(a[0]) : AT_FDCWD, path, at ? user_guest_dirfd(a[2]) : AT_FDCWD, path2,
                   at ? (int)a[4] : 0) ? host_err() : 0;
        break;
    }
    case 83: case 304: { /* symlink, symlinkat: the target is any string */
        int at = nr == 304;
        if ((r = g_strdup(p, a[0], path, PATH_MAX)) || (r = user_guest_path(p, a[at ? 2 : 1], path2)))
            break;
        r = symlinkat(path, at ? user_guest_dirfd(a[1]) : AT_FDCWD, path2) ? host_err() : 0;
        break;
    }
    case 14: case 297: { /* mknod, mknodat */
        int at = nr == 297;
        if ((r = user_guest_path(p, a[at], path)))
            break;
        r = mknodat(at ? user_guest_dirfd(a[0]) : AT_FDCWD, path, (mode_t)a[at + 1], guest_dev(a[at + 2]))
                ? host_err() : 0;
        break;
    }
    case 296: /* mkdirat */
        r = (r = user_guest_path(p, a[1], path)) ? r
            : mkdirat(user_guest_dirfd(a[0]), path, (mode_t)a[2]) ? host_err() : 0;
        break;
    case 302: case 353: /* renameat, renameat2 */
        if ((r = two_paths(p, a[1], a[3], path, path2)))
            break;
        r = syscall(SYS_renameat2, user_guest_dirfd(a[0]), path, user_guest_dirfd(a[2]), path2,
                    nr == 353 ? (unsigned)a[4] : 0u) ? host_err() : 0;
        break;
    case 306: /* fchmodat: the system call has no flags */
        r = (r = user_guest_path(p, a[1], path)) ? r
            : fchmodat(user_guest_dirfd(a[0]), path, (mode_t)a[2], 0) ? host_err() : 0;
        break;
    case 452: /* fchmodat2 */
        r = (r = user_guest_path(p, a[1], path)) ? r
            : syscall(452, user_guest_dirfd(a[0]), path, (mode_t)a[2], (int)a[3]) ? host_err() : 0;
        break;
    case 439: /* faccessat2 */
        r = (r = user_guest_path(p, a[1], path)) ? r
            : syscall(SYS_faccessat2, user_guest_dirfd(a[0]), path, (int)a[2], (int)a[3]) ? host_err() : 0;
        break;
    case 298: /* fchownat */
        r = (r = user_guest_path(p, a[1], path)) ? r
            : fchownat(user_guest_dirfd(a[0]), path, (uid_t)a[2], (gid_t)a[3], (int)a[4]) ? host_err() : 0;
        break;
    case 212: case 182: case 198: case 16: { /* chown32, chown16, lchown32, lchown16 */
        int wide = nr == 212 || nr == 198;
        uint32_t uid = wide ? a[1] : id16(a[1]), gid = wide ? a[2] : id16(a[2]);
        if ((r = user_guest_path(p, a[0], path)))
            break;
        r = fchownat(AT_FDCWD, path, uid, gid, nr == 198 || nr == 16 ? AT_SYMLINK_NOFOLLOW : 0) ? host_err() : 0;
        break;
    }
    case 207: r = fchown((int)a[0], (uid_t)a[1], (gid_t)a[2]) ? host_err() : 0; break;
    case 95: r = fchown((int)a[0], id16(a[1]), id16(a[2])) ? host_err() : 0; break;
    case 92: /* truncate */
        r = (r = user_guest_path(p, a[0], path)) ? r : truncate(path, (off_t)(int32_t)a[1]) ? host_err() : 0;
        break;
    case 193: /* truncate64 */
        r = (r = user_guest_path(p, a[0], path)) ? r
            : truncate(path, (off_t)(int64_t)(a[1] | (uint64_t)a[2] << 32)) ? host_err() : 0;
        break;
    case 99: case 268: { /* statfs, statfs64(path, size, buf) */
        if (nr == 268 && a[1] != 84) { r = -EINVAL; break; }
        if ((r = user_guest_path(p, a[0], path)))
            break;
        r = statfs(path, &sf) ? host_err() : put_statfs(p, nr == 268 ? a[2] : a[1], &sf, nr == 268);
        break;
    }
    case 100: case 269: /* fstatfs, fstatfs64(fd, size, buf) */
        if (nr == 269 && a[1] != 84) { r = -EINVAL; break; }
        r = fstatfs((int)a[0], &sf) ? host_err() : put_statfs(p, nr == 269 ? a[2] : a[1], &sf, nr == 269);
        break;
    case 320: case 412: /* utimensat, utimensat_time64 */
        r = do_utimes(p, user_guest_dirfd(a[0]), a[1], a[2], nr == 412, a[3]);
        break;
    case 271: r = do_utimes(p, AT_FDCWD, a[0], a[1], 2, 0); break;                 /* utimes */
    case 299: r = do_utimes(p, user_guest_dirfd(a[0]), a[1], a[2], 2, 0); break;   /* futimesat */
    case 30: r = do_utimes(p, AT_FDCWD, a[0], a[1], 3, 0); break;                  /* utime */
    case 61: r = (r = user_guest_path(p, a[0], path)) ? r : chroot(path) ? host_err() : 0; break;
    default:
        return 0;
    }
    *ret = r;
    return 1;
}
