/* File, directory, terminal and I/O system calls. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>
#include "user/syscall.h"

enum { IO_CHUNK = 1 << 16, MAX_IOV = 1024 };

/* Guest open flags (i386 = generic) to host flags. */
static int open_flags(uint32_t g)
{
    static const struct { uint32_t g; int h; } map[] = {
        { 0100, O_CREAT }, { 0200, O_EXCL }, { 0400, O_NOCTTY }, { 01000, O_TRUNC },
        { 02000, O_APPEND }, { 04000, O_NONBLOCK }, { 010000, O_DSYNC }, { 040000, O_DIRECT },
        { 0200000, O_DIRECTORY }, { 0400000, O_NOFOLLOW }, { 01000000, O_NOATIME },
        { 02000000, O_CLOEXEC }, { 04010000, O_SYNC }, { 010000000, O_PATH },
    };
    int h = (int)(g & 3);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((g & map[i].g) == map[i].g)
            h |= map[i].h;
    return h; /* O_LARGEFILE (0100000) is implied on the host */
}

static int guest_path(UserProc *p, uint32_t addr, char *out)
{
    int r = g_strdup(p, addr, out, PATH_MAX);
    if (r)
        return r;
    /* /proc/self/exe is the guest program, not the emulator */
    if (strcmp(out, "/proc/self/exe") == 0)
        snprintf(out, PATH_MAX, "%s", p->exe_path);
    return 0;
}

/* Library lookups of the dynamic loader go to the sysroot first. */
static const char *sysroot_path(UserProc *p, const char *path, char *buf)
{
    if (p->sysroot && path[0] == '/') {
        snprintf(buf, PATH_MAX, "%s%s", p->sysroot, path);
        if (access(buf, F_OK) == 0)
            return buf;
    }
    return path;
}

static int guest_dirfd(uint32_t fd) { return (int32_t)fd == -100 ? AT_FDCWD : (int)fd; }

static int32_t rw(UserProc *p, int fd, uint32_t buf, uint32_t len, int write_, int64_t off)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    /* check the guest buffer first: a bad one must not consume input */
    if (!write_ && len && g_writable(p, buf, len))
        return -EFAULT;
    uint8_t *tmp = malloc(len < IO_CHUNK ? (len ? len : 1) : IO_CHUNK);
    if (!tmp)
        return -ENOMEM;
    int32_t total = 0;
    while ((uint32_t)total < len) {
        uint32_t n = len - (uint32_t)total > IO_CHUNK ? IO_CHUNK : len - (uint32_t)total;
        ssize_t r;
        if (write_) {
            if (g_read(p, buf + (uint32_t)total, tmp, n)) { r = -1; errno = EFAULT; }
            else r = off < 0 ? write(fd, tmp, n) : pwrite(fd, tmp, n, off + total);
        } else {
            r = off < 0 ? read(fd, tmp, n) : pread(fd, tmp, n, off + total);
            if (r > 0 && g_write(p, buf + (uint32_t)total, tmp, (size_t)r)) { r = -1; errno = EFAULT; }
        }
        if (r < 0) {
            if (total == 0)
                total = host_err();
            break;
        }
        total += (int32_t)r;
        if ((uint32_t)r < n)
            break; /* short transfer: return what we have */
    }
    free(tmp);
    return total;
}

static int32_t rwv(UserProc *p, int fd, uint32_t iov, uint32_t cnt, int write_)
{
    if (cnt > MAX_IOV)
        return -EINVAL;
    int32_t total = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        uint32_t base, len;
        if (g_get32(p, iov + 8 * i, &base) || g_get32(p, iov + 8 * i + 4, &len))
            return total ? total : -EFAULT;
        if (len == 0)
            continue;
        int32_t r = rw(p, fd, base, len, write_, -1);
        if (r < 0)
            return total ? total : r;
        total += r;
        if ((uint32_t)r < len)
            break;
    }
    return total;
}

/* struct stat64 of i386, 96 bytes */
static int32_t put_stat64(UserProc *p, uint32_t addr, const struct stat *st)
{
    uint8_t b[96];
    memset(b, 0, sizeof b);
    put_le(b + 0, 8, (uint64_t)st->st_dev);
    put_le(b + 12, 4, (uint32_t)st->st_ino);
    put_le(b + 16, 4, st->st_mode);
    put_le(b + 20, 4, (uint32_t)st->st_nlink);
    put_le(b + 24, 4, st->st_uid);
    put_le(b + 28, 4, st->st_gid);
    put_le(b + 32, 8, (uint64_t)st->st_rdev);
    put_le(b + 44, 8, (uint64_t)st->st_size);
    put_le(b + 52, 4, (uint32_t)st->st_blksize);
    put_le(b + 56, 8, (uint64_t)st->st_blocks);
    put_le(b + 64, 4, (uint32_t)st->st_atim.tv_sec);
    put_le(b + 68, 4, (uint32_t)st->st_atim.tv_nsec);
    put_le(b + 72, 4, (uint32_t)st->st_mtim.tv_sec);
    put_le(b + 76, 4, (uint32_t)st->st_mtim.tv_nsec);
    put_le(b + 80, 4, (uint32_t)st->st_ctim.tv_sec);
    put_le(b + 84, 4, (uint32_t)st->st_ctim.tv_nsec);
    put_le(b + 88, 8, (uint64_t)st->st_ino);
    return g_write(p, addr, b, sizeof b);
}

static int32_t guest_getdents64(UserProc *p, int fd, uint32_t buf, uint32_t len)
{
    if (len > IO_CHUNK)
        len = IO_CHUNK;
    uint8_t *host = malloc(len), *out = malloc(len);
    if (!host || !out) {
        free(host);
        free(out);
        return -ENOMEM;
    }
    long n = syscall(SYS_getdents64, fd, host, len);
    int32_t ret;
    if (n < 0) {
        ret = host_err();
    } else {
        /* linux_dirent64 is the same shape everywhere; re-encode little-endian */
        long o = 0;
        while (o < n) {
            struct { uint64_t ino; int64_t off; uint16_t reclen; uint8_t type; } h;
            memcpy(&h.ino, host + o, 8);
            memcpy(&h.off, host + o + 8, 8);
            memcpy(&h.reclen, host + o + 16, 2);
            h.type = host[o + 18];
            put_le(out + o, 8, h.ino);
            put_le(out + o + 8, 8, (uint64_t)h.off);
            put_le(out + o + 16, 2, h.reclen);
            out[o + 18] = h.type;
            memcpy(out + o + 19, host + o + 19, h.reclen - 19u);
            o += h.reclen;
        }
        ret = g_write(p, buf, out, (size_t)n) ? -EFAULT : (int32_t)n;
    }
    free(host);
    free(out);
    return ret;
}

static int32_t do_ioctl(UserProc *p, int fd, uint32_t req, uint32_t arg)
{
    switch (req) {
    case 0x5401: case 0x5402: case 0x5403: case 0x5404: { /* TCGETS, TCSETS(W,F) */
        struct termios t;
        uint8_t b[36];
        if (req == 0x5401) {
            if (tcgetattr(fd, &t) != 0)
                return host_err();
            memset(b, 0, sizeof b);
            put_le(b, 4, t.c_iflag);
            put_le(b + 4, 4, t.c_oflag);
            put_le(b + 8, 4, t.c_cflag);
            put_le(b + 12, 4, t.c_lflag);
            b[16] = t.c_line;
            for (int i = 0; i < 19 && i < NCCS; i++)
                b[17 + i] = t.c_cc[i];
            return g_write(p, arg, b, sizeof b);
        }
        if (g_read(p, arg, b, sizeof b))
            return -EFAULT;
        if (tcgetattr(fd, &t) != 0)
            return host_err();
        t.c_iflag = (tcflag_t)get_le(b, 4);
        t.c_oflag = (tcflag_t)get_le(b + 4, 4);
        t.c_cflag = (tcflag_t)get_le(b + 8, 4);
        t.c_lflag = (tcflag_t)get_le(b + 12, 4);
        t.c_line = b[16];
        for (int i = 0; i < 19 && i < NCCS; i++)
            t.c_cc[i] = b[17 + i];
        return tcsetattr(fd, req == 0x5402 ? TCSANOW : req == 0x5403 ? TCSADRAIN : TCSAFLUSH, &t) ? host_err() : 0;
    }
    case 0x5413: { /* TIOCGWINSZ */
        struct winsize w;
        if (ioctl(fd, TIOCGWINSZ, &w) != 0)
            return host_err();
        uint8_t b[8];
        put_le(b, 2, w.ws_row);
        put_le(b + 2, 2, w.ws_col);
        put_le(b + 4, 2, w.ws_xpixel);
        put_le(b + 6, 2, w.ws_ypixel);
        return g_write(p, arg, b, sizeof b);
    }
    case 0x541b: { /* FIONREAD */
        int n;
        if (ioctl(fd, FIONREAD, &n) != 0)
            return host_err();
        return g_put32(p, arg, (uint32_t)n);
    }
    case 0x540f: { /* TIOCGPGRP */
        pid_t g = tcgetpgrp(fd);
        return g < 0 ? host_err() : g_put32(p, arg, (uint32_t)g);
    }
    default:
        return -ENOTTY;
    }
}

static int32_t do_fcntl(UserProc *p, int fd, uint32_t cmd, uint32_t arg)
{
    (void)p;
    int r;
    switch (cmd) {
    case 0: case 1030: /* F_DUPFD, F_DUPFD_CLOEXEC */
        r = fcntl(fd, cmd == 0 ? F_DUPFD : F_DUPFD_CLOEXEC, (int)arg);
        return r < 0 ? host_err() : r;
    case 1:
        r = fcntl(fd, F_GETFD);
        return r < 0 ? host_err() : r;
    case 2: return fcntl(fd, F_SETFD, (int)arg) < 0 ? host_err() : 0;
    case 3: {
        int f = fcntl(fd, F_GETFL);
        if (f < 0)
            return host_err();
        uint32_t g = (uint32_t)(f & 3);
        if (f & O_APPEND) g |= 02000;
        if (f & O_NONBLOCK) g |= 04000;
        return (int32_t)(g | 0100000); /* O_LARGEFILE */
    }
    case 4: return fcntl(fd, F_SETFL, open_flags(arg)) < 0 ? host_err() : 0;
    default: return -EINVAL;
    }
}

int sys_fs(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    char path[PATH_MAX], path2[PATH_MAX], rootbuf[PATH_MAX];
    int32_t r;
    struct stat st;
    switch (nr) {
    case 3: r = rw(p, (int)a[0], a[1], a[2], 0, -1); break;
    case 4: r = rw(p, (int)a[0], a[1], a[2], 1, -1); break;
    case 180: r = rw(p, (int)a[0], a[1], a[2], 0, (int64_t)(a[3] | (uint64_t)a[4] << 32)); break;
    case 181: r = rw(p, (int)a[0], a[1], a[2], 1, (int64_t)(a[3] | (uint64_t)a[4] << 32)); break;
    case 145: r = rwv(p, (int)a[0], a[1], a[2], 0); break;
    case 146: r = rwv(p, (int)a[0], a[1], a[2], 1); break;
    case 5: case 295: { /* open, openat */
        int dirfd = nr == 5 ? AT_FDCWD : guest_dirfd(a[0]);
        uint32_t pa = nr == 5 ? a[0] : a[1], fl = nr == 5 ? a[1] : a[2], mode = nr == 5 ? a[2] : a[3];
        if ((r = guest_path(p, pa, path)))
            break;
        r = openat(dirfd, sysroot_path(p, path, rootbuf), open_flags(fl), (mode_t)mode);
        if (r < 0) r = host_err();
        break;
    }
    case 6: r = close((int)a[0]) ? host_err() : 0; break;
    case 19: { /* lseek */
        off_t o = lseek((int)a[0], (off_t)(int32_t)a[1], (int)a[2]);
        r = o < 0 ? host_err() : o > INT32_MAX ? -EOVERFLOW : (int32_t)o;
        break;
    }
    case 140: { /* _llseek(fd, hi, lo, result*, whence) */
        off_t o = lseek((int)a[0], (off_t)((uint64_t)a[1] << 32 | a[2]), (int)a[4]);
        if (o < 0) { r = host_err(); break; }
        uint8_t b[8];
        put_le(b, 8, (uint64_t)o);
        r = g_write(p, a[3], b, 8);
        break;
    }
    case 195: case 196: case 197: case 300: { /* stat64 lstat64 fstat64 fstatat64 */
        int rc;
        if (nr == 197) {
            rc = fstat((int)a[0], &st);
        } else {
            uint32_t pa = nr == 300 ? a[1] : a[0];
            if ((r = guest_path(p, pa, path)))
                break;
            int flags = nr == 196 ? AT_SYMLINK_NOFOLLOW : 0;
            if (nr == 300)
                flags = (a[3] & 0x100 ? AT_SYMLINK_NOFOLLOW : 0) | (a[3] & 0x1000 ? AT_EMPTY_PATH : 0);
            rc = fstatat(nr == 300 ? guest_dirfd(a[0]) : AT_FDCWD, sysroot_path(p, path, rootbuf), &st, flags);
        }
        r = rc ? host_err() : put_stat64(p, nr == 300 ? a[2] : a[1], &st);
        break;
    }
    case 33: case 307: /* access, faccessat */
        if ((r = guest_path(p, nr == 33 ? a[0] : a[1], path)))
            break;
        r = faccessat(nr == 33 ? AT_FDCWD : guest_dirfd(a[0]), sysroot_path(p, path, rootbuf),
                      (int)(nr == 33 ? a[1] : a[2]), 0) ? host_err() : 0;
        break;
    case 183: /* getcwd */
        if (!getcwd(path, sizeof path)) { r = host_err(); break; }
        if (strlen(path) + 1 > a[1]) { r = -ERANGE; break; }
        r = g_write(p, a[0], path, strlen(path) + 1);
        if (!r) r = (int32_t)strlen(path) + 1;
        break;
    case 12: r = (r = guest_path(p, a[0], path)) ? r : chdir(path) ? host_err() : 0; break;
    case 133: r = fchdir((int)a[0]) ? host_err() : 0; break;
    case 39: r = (r = guest_path(p, a[0], path)) ? r : mkdir(path, (mode_t)a[1]) ? host_err() : 0; break;
    case 40: r = (r = guest_path(p, a[0], path)) ? r : rmdir(path) ? host_err() : 0; break;
    case 10: r = (r = guest_path(p, a[0], path)) ? r : unlink(path) ? host_err() : 0; break;
    case 301:
        r = (r = guest_path(p, a[1], path)) ? r : unlinkat(guest_dirfd(a[0]), path, a[2] & 0x200 ? AT_REMOVEDIR : 0) ? host_err() : 0;
        break;
    case 38:
        if ((r = guest_path(p, a[0], path)) || (r = guest_path(p, a[1], path2)))
            break;
        r = rename(path, path2) ? host_err() : 0;
        break;
    case 15: r = (r = guest_path(p, a[0], path)) ? r : chmod(path, (mode_t)a[1]) ? host_err() : 0; break;
    case 94: r = fchmod((int)a[0], (mode_t)a[1]) ? host_err() : 0; break;
    case 85: case 305: { /* readlink, readlinkat */
        uint32_t pa = nr == 85 ? a[0] : a[1], buf = nr == 85 ? a[1] : a[2], sz = nr == 85 ? a[2] : a[3];
        if ((r = g_strdup(p, pa, path, PATH_MAX)))
            break;
        ssize_t n;
        if (strcmp(path, "/proc/self/exe") == 0) {
            n = (ssize_t)strlen(p->exe_path);
            memcpy(path2, p->exe_path, (size_t)n);
        } else {
            n = readlinkat(nr == 85 ? AT_FDCWD : guest_dirfd(a[0]), path, path2, sizeof path2);
        }
        if (n < 0) { r = host_err(); break; }
        if ((uint32_t)n > sz) n = (ssize_t)sz;
        r = g_write(p, buf, path2, (size_t)n);
        if (!r) r = (int32_t)n;
        break;
    }
    case 220: r = guest_getdents64(p, (int)a[0], a[1], a[2]); break;
    case 55: case 221: r = do_fcntl(p, (int)a[0], a[1], a[2]); break;
    case 41: r = dup((int)a[0]); if (r < 0) r = host_err(); break;
    case 63: r = dup2((int)a[0], (int)a[1]); if (r < 0) r = host_err(); break;
    case 330: r = dup3((int)a[0], (int)a[1], a[2] & 02000000 ? O_CLOEXEC : 0); if (r < 0) r = host_err(); break;
    case 42: case 331: { /* pipe, pipe2 */
        int fds[2];
        if (pipe2(fds, nr == 331 ? open_flags(a[1]) & (O_CLOEXEC | O_NONBLOCK) : 0)) { r = host_err(); break; }
        uint8_t b[8];
        put_le(b, 4, (uint32_t)fds[0]);
        put_le(b + 4, 4, (uint32_t)fds[1]);
        r = g_write(p, a[0], b, 8);
        if (r) { close(fds[0]); close(fds[1]); }
        break;
    }
    case 54: r = do_ioctl(p, (int)a[0], a[1], a[2]); break;
    case 60: r = (int32_t)umask((mode_t)a[0]); break;
    case 168: { /* poll */
        uint32_t n = a[1];
        if (n > 1024) { r = -EINVAL; break; }
        struct pollfd fds[1024];
        uint8_t b[8];
        for (uint32_t i = 0; i < n; i++) {
            if (g_read(p, a[0] + 8 * i, b, 8)) { r = -EFAULT; goto done; }
            fds[i].fd = (int)get_le(b, 4);
            fds[i].events = (short)get_le(b + 4, 2);
            fds[i].revents = 0;
        }
        r = poll(fds, n, (int)a[2]);
        if (r < 0) { r = host_err(); break; }
        for (uint32_t i = 0; i < n; i++) {
            put_le(b, 2, (uint16_t)fds[i].revents);
            if (g_write(p, a[0] + 8 * i + 6, b, 2)) { r = -EFAULT; break; }
        }
        break;
    }
    case 383: r = -ENOSYS; break; /* statx: glibc falls back to fstatat64 */
    case 118: r = fsync((int)a[0]) ? host_err() : 0; break;
    case 93: r = ftruncate((int)a[0], (off_t)(int32_t)a[1]) ? host_err() : 0; break;
    case 194: r = ftruncate((int)a[0], (off_t)(a[1] | (uint64_t)a[2] << 32)) ? host_err() : 0; break;
    default:
        return 0;
    }
done:
    *ret = r;
    return 1;
}
