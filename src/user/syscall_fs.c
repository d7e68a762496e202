/* File, directory, terminal and I/O system calls. */
#define _GNU_SOURCE
#include <dirent.h>
#include <net/if.h>
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

enum { IO_CHUNK = 1 << 16 };

/* Guest open flags (i386 = generic) to host flags. */
int user_open_flags(uint32_t g)
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

int user_guest_path(UserProc *p, uint32_t addr, char *out)
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

int user_guest_dirfd(uint32_t fd) { return (int32_t)fd == -100 ? AT_FDCWD : (int)fd; }

static int32_t rw(UserProc *p, int fd, uint32_t buf, uint32_t len, int write_, int has_off, int64_t off)
{
    if (has_off && off < 0) /* checked before the descriptor, as Linux does */
        return -EINVAL;
    if (p->sigfds && !has_off) { /* a signalfd: read answered by the signal layer, no write */
        int32_t r;
        if (!write_ && user_sigfd_read(p, fd, buf, len, &r))
            return r;
        if (write_ && user_sigfd_is(p, fd))
            return -EINVAL;
    }
    GuestIov v = { buf, len > USER_MAX_RW ? USER_MAX_RW : len };
    if ((uint64_t)v.base + v.len > 0xffffe000u || (!write_ && v.len && g_writable(p, v.base, v.len))) {
        int32_t e = user_fd_mode_check(fd, write_);
        return e ? e : -EFAULT; /* EBADF wins over EFAULT */
    }
    return user_vio(p, fd, &v, 1, v.len, write_, has_off, off, 0);
}

static int32_t rwv(UserProc *p, int fd, uint32_t iov, uint32_t cnt, int write_)
{
    GuestIov *v;
    uint32_t total;
    int32_t r = user_iov_import(p, iov, cnt, &v, &total);
    if (r == 0 && !write_ && user_iov_writable(p, v, cnt, total))
        r = -EFAULT;
    if (r) {
        int32_t e = user_fd_mode_check(fd, write_);
        free(v);
        return e ? e : r;
    }
    r = user_vio(p, fd, v, cnt, total, write_, 0, 0, 0);
    free(v);
    return r;
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

/* The pre-LFS i386 struct stat, 64 bytes (stat, lstat, fstat): as the
 * kernel's cp_new_stat(), EOVERFLOW for an inode number, link count or
 * size that does not fit, ids above 65535 shown as 65534. */
static int32_t put_stat_old(UserProc *p, uint32_t addr, const struct stat *st)
{
    uint8_t b[64];
    if ((uint64_t)st->st_ino > 0xffffffffu || (uint64_t)st->st_nlink > 0xffff ||
        (uint64_t)st->st_size > 0x7fffffff)
        return -EOVERFLOW;
    memset(b, 0, sizeof b);
    put_le(b + 0, 4, (uint32_t)st->st_dev);
    put_le(b + 4, 4, (uint32_t)st->st_ino);
    put_le(b + 8, 2, st->st_mode);
    put_le(b + 10, 2, (uint32_t)st->st_nlink);
    put_le(b + 12, 2, st->st_uid > 0xffff ? 65534 : st->st_uid);
    put_le(b + 14, 2, st->st_gid > 0xffff ? 65534 : st->st_gid);
    put_le(b + 16, 4, (uint32_t)st->st_rdev);
    put_le(b + 20, 4, (uint32_t)st->st_size);
    put_le(b + 24, 4, (uint32_t)st->st_blksize);
    put_le(b + 28, 4, (uint32_t)st->st_blocks);
    put_le(b + 32, 4, (uint32_t)st->st_atim.tv_sec);
    put_le(b + 36, 4, (uint32_t)st->st_atim.tv_nsec);
    put_le(b + 40, 4, (uint32_t)st->st_mtim.tv_sec);
    put_le(b + 44, 4, (uint32_t)st->st_mtim.tv_nsec);
    put_le(b + 48, 4, (uint32_t)st->st_ctim.tv_sec);
    put_le(b + 52, 4, (uint32_t)st->st_ctim.tv_nsec);
    return g_write(p, addr, b, sizeof b);
}

/* Only the writable head of the buffer is offered to the host: entries
 * the host returned could not be put back, so a fault must be known
 * before they are read (Linux: entries up to the fault, or EFAULT). */
static int32_t guest_getdents64(UserProc *p, int fd, uint32_t buf, uint32_t len)
{
    if (len > IO_CHUNK)
        len = IO_CHUNK;
    uint32_t ok = 0;
    while (ok < len && g_writable(p, buf + ok, 1) == 0)
        ok = ok + (0x1000 - ((buf + ok) & 0xfff));
    if (ok > len)
        ok = len;
    if (ok == 0 && len) {
        int fl = fcntl(fd, F_GETFD);
        return fl < 0 ? -EBADF : -EFAULT;
    }
    int short_buf = ok < len;
    if (short_buf)
        len = ok;
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
        if (ret == -EINVAL && short_buf) /* the next entry would have faulted */
            ret = -EFAULT;
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

/* The interface ioctls that name an interface and read one field of it
 * (SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFFLAGS, SIOCGIFMTU, ...): i386's
 * struct ifreq is 32 bytes (16 of name, a 16-byte union), the host's may
 * be longer; the union's integers and a sockaddr's family are
 * little-endian on the guest side.  Linux copies the whole struct back. */
enum { G_IFREQ = 32, G_IFNAMSIZ = 16 };

static int32_t do_ifreq(UserProc *p, int fd, uint32_t req, uint32_t arg)
{
    uint8_t b[G_IFREQ];
    if (g_read(p, arg, b, sizeof b))
        return -EFAULT;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, b, G_IFNAMSIZ);
    unsigned long hreq;
    switch (req) {
    case 0x8910: hreq = SIOCGIFNAME; ifr.ifr_ifindex = (int)get_le(b + 16, 4); break;
    case 0x8933: hreq = SIOCGIFINDEX; break;
    case 0x8913: hreq = SIOCGIFFLAGS; break;
    case 0x8921: hreq = SIOCGIFMTU; break;
    case 0x8915: hreq = SIOCGIFADDR; break;
    case 0x8919: hreq = SIOCGIFBRDADDR; break;
    case 0x891b: hreq = SIOCGIFNETMASK; break;
    case 0x8927: hreq = SIOCGIFHWADDR; break;
    default: return -ENOTTY;
    }
    if (ioctl(fd, hreq, &ifr) != 0)
        return host_err();
    memcpy(b, ifr.ifr_name, G_IFNAMSIZ);
    switch (req) {
    case 0x8910: case 0x8933: put_le(b + 16, 4, (uint32_t)ifr.ifr_ifindex); break;
    case 0x8913: put_le(b + 16, 2, (uint16_t)ifr.ifr_flags); break;
    case 0x8921: put_le(b + 16, 4, (uint32_t)ifr.ifr_mtu); break;
    default: /* a struct sockaddr: the family, then bytes in network order */
        put_le(b + 16, 2, ifr.ifr_addr.sa_family);
        memcpy(b + 18, ifr.ifr_addr.sa_data, 14);
        break;
    }
    return g_write(p, arg, b, sizeof b) ? -EFAULT : 0;
}

static int32_t do_ioctl(UserProc *p, int fd, uint32_t req, uint32_t arg)
{
    switch (req) {
    case 0x8910: case 0x8933: case 0x8913: case 0x8921: case 0x8915: case 0x8919: case 0x891b:
    case 0x8927:
        return do_ifreq(p, fd, req, arg);
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
    case 0x5414: { /* TIOCSWINSZ */
        uint8_t b[8];
        if (g_read(p, arg, b, sizeof b))
            return -EFAULT;
        struct winsize w = { (unsigned short)get_le(b, 2), (unsigned short)get_le(b + 2, 2),
                             (unsigned short)get_le(b + 4, 2), (unsigned short)get_le(b + 6, 2) };
        return ioctl(fd, TIOCSWINSZ, &w) ? host_err() : 0;
    }
    /* results go through g_wput32: a read-only guest page is EFAULT, as
     * the kernel's put_user would make it */
    case 0x541b: case 0x5411: { /* FIONREAD, TIOCOUTQ */
        int n;
        if (ioctl(fd, req == 0x541b ? FIONREAD : TIOCOUTQ, &n) != 0)
            return host_err();
        return g_wput32(p, arg, (uint32_t)n);
    }
    case 0x540f: { /* TIOCGPGRP */
        pid_t g = tcgetpgrp(fd);
        return g < 0 ? host_err() : g_wput32(p, arg, (uint32_t)g);
    }
    case 0x5429: { /* TIOCGSID */
        pid_t sid = tcgetsid(fd);
        return sid < 0 ? host_err() : g_wput32(p, arg, (uint32_t)sid);
    }
    case 0x5410: case 0x5421: case 0x5452: case 0x5431 + 0x40040000: { /* TIOCSPGRP FIONBIO FIOASYNC TIOCSPTLCK */
        uint32_t v;
        if (g_get32(p, arg, &v))
            return -EFAULT;
        int iv = (int)v;
        unsigned long hreq = req == 0x5410 ? TIOCSPGRP : req == 0x5421 ? FIONBIO : req == 0x5452 ? FIOASYNC : TIOCSPTLCK;
        return ioctl(fd, hreq, &iv) ? host_err() : 0;
    }
    case 0x5430 + 0x80040000: { /* TIOCGPTN */
        unsigned n;
        if (ioctl(fd, TIOCGPTN, &n) != 0)
            return host_err();
        return g_wput32(p, arg, n);
    }
    case 0x5441: { /* TIOCGPTPEER: arg is open flags */
        int r = ioctl(fd, TIOCGPTPEER, user_open_flags(arg));
        return r < 0 ? host_err() : r;
    }
    case 0x5451: return ioctl(fd, FIOCLEX) ? host_err() : 0;
    case 0x5450: return ioctl(fd, FIONCLEX) ? host_err() : 0;
    case 0x540e: return ioctl(fd, TIOCSCTTY, (int)arg) ? host_err() : 0;
    case 0x5422: return ioctl(fd, TIOCNOTTY) ? host_err() : 0;
    default:
        return -ENOTTY;
    }
}

/* Record locks.  i386 struct flock: short type, short whence, long start,
 * long len, int pid (16 bytes); struct flock64: the same with 64-bit start
 * and len at offsets 4 and 12, pid at 20 (24 bytes, 4-byte alignment). */
static int32_t do_lock(UserProc *p, int fd, int hcmd, uint32_t arg, int is64)
{
    uint8_t b[24];
    size_t size = is64 ? 24 : 16;
    if (g_read(p, arg, b, size))
        return -EFAULT;
    static const short types[3] = { F_RDLCK, F_WRLCK, F_UNLCK };
    uint32_t gt = (uint32_t)get_le(b, 2);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = gt < 3 ? types[gt] : (short)-1; /* the host refuses an unknown type */
    fl.l_whence = (short)(int16_t)get_le(b + 2, 2);
    fl.l_start = is64 ? (off_t)(int64_t)get_le(b + 4, 8) : (off_t)(int32_t)get_le(b + 4, 4);
    fl.l_len = is64 ? (off_t)(int64_t)get_le(b + 12, 8) : (off_t)(int32_t)get_le(b + 8, 4);
    int fr;
    USER_BLOCKING(p, fr, fcntl(fd, hcmd, &fl));
    if (fr != 0)
        return host_err();
    if (hcmd != F_GETLK && hcmd != F_OFD_GETLK)
        return 0;
    uint32_t t = fl.l_type == F_RDLCK ? 0 : fl.l_type == F_WRLCK ? 1 : 2;
    if (!is64 && (fl.l_start > INT32_MAX || fl.l_len > INT32_MAX))
        return -EOVERFLOW;
    put_le(b, 2, t);
    put_le(b + 2, 2, (uint16_t)fl.l_whence);
    if (is64) {
        put_le(b + 4, 8, (uint64_t)fl.l_start);
        put_le(b + 12, 8, (uint64_t)fl.l_len);
        put_le(b + 20, 4, (uint32_t)fl.l_pid);
    } else {
        put_le(b + 4, 4, (uint32_t)fl.l_start);
        put_le(b + 8, 4, (uint32_t)fl.l_len);
        put_le(b + 12, 4, (uint32_t)fl.l_pid);
    }
    return g_write(p, arg, b, size);
}

/* The guest O_* status bits F_GETFL reports, the reverse of user_open_flags. */
static uint32_t guest_status_flags(int f)
{
    static const struct { int h; uint32_t g; } map[] = {
        { O_APPEND, 02000 }, { O_NONBLOCK, 04000 }, { O_DSYNC, 010000 }, { O_ASYNC, 020000 },
        { O_DIRECT, 040000 }, { O_NOATIME, 01000000 }, { O_SYNC, 04010000 },
    };
    uint32_t g = (uint32_t)(f & 3);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((f & map[i].h) == map[i].h)
            g |= map[i].g;
    return g | 0100000; /* O_LARGEFILE */
}

static int32_t do_fcntl(UserProc *p, int fd, uint32_t cmd, uint32_t arg, int is_fcntl64)
{
    int r;
    switch (cmd) {
    case 5: return do_lock(p, fd, F_GETLK, arg, 0);
    case 6: return do_lock(p, fd, F_SETLK, arg, 0);
    case 7: return do_lock(p, fd, F_SETLKW, arg, 0);
    case 12: case 13: case 14: /* the 64-bit forms exist only in fcntl64 */
        if (!is_fcntl64)
            return -EINVAL;
        return do_lock(p, fd, cmd == 12 ? F_GETLK : cmd == 13 ? F_SETLK : F_SETLKW, arg, 1);
    case 36: case 37: case 38: /* F_OFD_*: always struct flock64 on i386 */
        return do_lock(p, fd, cmd == 36 ? F_OFD_GETLK : cmd == 37 ? F_OFD_SETLK : F_OFD_SETLKW, arg, 1);
    case 8: case 9: case 10: case 11: case 1024: case 1025: case 1026: case 1031: case 1032:
    case 1033: case 1034: { /* int-valued: SETOWN GETOWN SETSIG GETSIG (SET/GET)LEASE NOTIFY PIPE_SZ SEALS */
        int h = cmd == 8 ? F_SETOWN : cmd == 9 ? F_GETOWN : cmd == 10 ? F_SETSIG : cmd == 11 ? F_GETSIG
              : cmd == 1024 ? F_SETLEASE : cmd == 1025 ? F_GETLEASE : cmd == 1026 ? F_NOTIFY
              : cmd == 1031 ? F_SETPIPE_SZ : cmd == 1032 ? F_GETPIPE_SZ : cmd == 1033 ? F_ADD_SEALS : F_GET_SEALS;
        r = fcntl(fd, h, (int)arg);
        return r < 0 ? host_err() : r;
    }
    case 0: case 1030: /* F_DUPFD, F_DUPFD_CLOEXEC */
        r = fcntl(fd, cmd == 0 ? F_DUPFD : F_DUPFD_CLOEXEC, (int)arg);
        return r < 0 ? host_err() : r;
    case 1:
        r = fcntl(fd, F_GETFD);
        return r < 0 ? host_err() : r;
    case 2: return fcntl(fd, F_SETFD, (int)arg) < 0 ? host_err() : 0;
    case 3: {
        int f = fcntl(fd, F_GETFL);
        return f < 0 ? host_err() : (int32_t)guest_status_flags(f);
    }
    case 4: {
        int h = user_open_flags(arg) | (arg & 020000 ? O_ASYNC : 0);
        return fcntl(fd, F_SETFL, h) < 0 ? host_err() : 0;
    }
    default: return -EINVAL;
    }
}

/* statx(dirfd, path, flags, mask, buf): struct statx has fixed-width
 * fields only, the same on every architecture, so the host's answer is
 * copied field by field into little-endian order.  The flags are the
 * generic AT_* values on i386 too; Linux refuses unknown ones and
 * AT_STATX_FORCE_SYNC with DONT_SYNC, and the reserved mask bit. */
static int32_t do_statx(UserProc *p, const uint32_t a[6])
{
    static const uint8_t fields[][2] = { /* offset, width */
        { 0, 4 },   { 4, 4 },   { 8, 8 },   { 16, 4 },  { 20, 4 },  { 24, 4 },  { 28, 2 },  { 32, 8 },
        { 40, 8 },  { 48, 8 },  { 56, 8 },  { 64, 8 },  { 72, 4 },  { 80, 8 },  { 88, 4 },  { 96, 8 },
        { 104, 4 }, { 112, 8 }, { 120, 4 }, { 128, 4 }, { 132, 4 }, { 136, 4 }, { 140, 4 }, { 144, 8 },
        { 152, 4 }, { 156, 4 },
    };
    enum { AT_FLAGS_OK = 0x100 | 0x800 | 0x1000 | 0x6000, SYNC_TYPE = 0x6000, STATX_RESERVED = 0x80000000u };
    if ((a[2] & ~(uint32_t)AT_FLAGS_OK) || (a[2] & SYNC_TYPE) == SYNC_TYPE || (a[3] & STATX_RESERVED))
        return -EINVAL;
    char path[PATH_MAX], rootbuf[PATH_MAX];
    int32_t r = user_guest_path(p, a[1], path);
    if (r)
        return r;
    uint8_t host[256] = { 0 }, guest[256] = { 0 };
    if (syscall(SYS_statx, user_guest_dirfd(a[0]), sysroot_path(p, path, rootbuf), (int)a[2], a[3], host))
        return host_err();
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        uint64_t v = 0;
        switch (fields[i][1]) {
        case 2: { uint16_t x; memcpy(&x, host + fields[i][0], 2); v = x; break; }
        case 4: { uint32_t x; memcpy(&x, host + fields[i][0], 4); v = x; break; }
        default: memcpy(&v, host + fields[i][0], 8); break;
        }
        put_le(guest + fields[i][0], fields[i][1], v);
    }
    return g_write(p, a[4], guest, sizeof guest);
}

int sys_fs(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    char path[PATH_MAX], path2[PATH_MAX], rootbuf[PATH_MAX];
    int32_t r;
    struct stat st;
    switch (nr) {
    case 3: r = rw(p, (int)a[0], a[1], a[2], 0, 0, 0); break;
    case 4: r = rw(p, (int)a[0], a[1], a[2], 1, 0, 0); break;
    case 180: r = rw(p, (int)a[0], a[1], a[2], 0, 1, (int64_t)(a[3] | (uint64_t)a[4] << 32)); break;
    case 181: r = rw(p, (int)a[0], a[1], a[2], 1, 1, (int64_t)(a[3] | (uint64_t)a[4] << 32)); break;
    case 145: r = rwv(p, (int)a[0], a[1], a[2], 0); break;
    case 146: r = rwv(p, (int)a[0], a[1], a[2], 1); break;
    case 5: case 8: case 295: { /* open, creat, openat */
        int dirfd = nr == 295 ? user_guest_dirfd(a[0]) : AT_FDCWD;
        uint32_t pa = nr == 295 ? a[1] : a[0], fl = nr == 5 ? a[1] : a[2], mode = nr == 5 ? a[2] : a[3];
        if (nr == 8) { /* creat(path, mode) is open(path, O_CREAT | O_WRONLY | O_TRUNC, mode) */
            fl = 0100 | 01 | 01000;
            mode = a[1];
        }
        if ((r = user_guest_path(p, pa, path)))
            break;
        if (path[0] == '/' && user_proc_open(p, path, fl, &r)) /* the guest's /proc/self files */
            break;
        const char *hp = sysroot_path(p, path, rootbuf);
        int hfl = user_open_flags(fl);
        /* a FIFO's open waits for the other end, which may be another
         * guest thread: give the turn away then (not for other files,
         * whose open never waits and never fails with EINTR) */
        if (!(hfl & O_NONBLOCK) && fstatat(dirfd, hp, &st, 0) == 0 && S_ISFIFO(st.st_mode))
            USER_BLOCKING(p, r, openat(dirfd, hp, hfl, (mode_t)mode));
        else
            r = openat(dirfd, hp, hfl, (mode_t)mode);
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
            if ((r = user_guest_path(p, pa, path)))
                break;
            int flags = nr == 196 ? AT_SYMLINK_NOFOLLOW : 0;
            if (nr == 300)
                flags = (a[3] & 0x100 ? AT_SYMLINK_NOFOLLOW : 0) | (a[3] & 0x1000 ? AT_EMPTY_PATH : 0);
            rc = fstatat(nr == 300 ? user_guest_dirfd(a[0]) : AT_FDCWD, sysroot_path(p, path, rootbuf), &st, flags);
        }
        r = rc ? host_err() : put_stat64(p, nr == 300 ? a[2] : a[1], &st);
        break;
    }
    case 106: case 107: case 108: { /* stat lstat fstat: the old struct */
        int rc;
        if (nr == 108) {
            rc = fstat((int)a[0], &st);
        } else {
            if ((r = user_guest_path(p, a[0], path)))
                break;
            rc = fstatat(AT_FDCWD, sysroot_path(p, path, rootbuf), &st,
                         nr == 107 ? AT_SYMLINK_NOFOLLOW : 0);
        }
        r = rc ? host_err() : put_stat_old(p, a[1], &st);
        break;
    }
    case 33: case 307: /* access, faccessat */
        if ((r = user_guest_path(p, nr == 33 ? a[0] : a[1], path)))
            break;
        r = faccessat(nr == 33 ? AT_FDCWD : user_guest_dirfd(a[0]), sysroot_path(p, path, rootbuf),
                      (int)(nr == 33 ? a[1] : a[2]), 0) ? host_err() : 0;
        break;
    case 183: /* getcwd */
        if (!getcwd(path, sizeof path)) { r = host_err(); break; }
        if (strlen(path) + 1 > a[1]) { r = -ERANGE; break; }
        r = g_write(p, a[0], path, strlen(path) + 1);
        if (!r) r = (int32_t)strlen(path) + 1;
        break;
    case 12: r = (r = user_guest_path(p, a[0], path)) ? r : chdir(path) ? host_err() : 0; break;
    case 133: r = fchdir((int)a[0]) ? host_err() : 0; break;
    case 39: r = (r = user_guest_path(p, a[0], path)) ? r : mkdir(path, (mode_t)a[1]) ? host_err() : 0; break;
    case 40: r = (r = user_guest_path(p, a[0], path)) ? r : rmdir(path) ? host_err() : 0; break;
    case 10: r = (r = user_guest_path(p, a[0], path)) ? r : unlink(path) ? host_err() : 0; break;
    case 301: /* unlinkat: any flag but AT_REMOVEDIR is EINVAL, before the path */
        if (a[2] & ~0x200u) { r = -EINVAL; break; }
        r = (r = user_guest_path(p, a[1], path)) ? r : unlinkat(user_guest_dirfd(a[0]), path, a[2] ? AT_REMOVEDIR : 0) ? host_err() : 0;
        break;
    case 38:
        if ((r = user_guest_path(p, a[0], path)) || (r = user_guest_path(p, a[1], path2)))
            break;
        r = rename(path, path2) ? host_err() : 0;
        break;
    case 15: r = (r = user_guest_path(p, a[0], path)) ? r : chmod(path, (mode_t)a[1]) ? host_err() : 0; break;
    case 94: r = fchmod((int)a[0], (mode_t)a[1]) ? host_err() : 0; break;
    case 85: case 305: { /* readlink, readlinkat */
        uint32_t pa = nr == 85 ? a[0] : a[1], buf = nr == 85 ? a[1] : a[2], sz = nr == 85 ? a[2] : a[3];
        if ((int32_t)sz <= 0) { r = -EINVAL; break; } /* before the path, as Linux */
        if ((r = g_strdup(p, pa, path, PATH_MAX)))
            break;
        ssize_t n;
        if (strcmp(path, "/proc/self/exe") == 0) {
            n = (ssize_t)strlen(p->exe_path);
            memcpy(path2, p->exe_path, (size_t)n);
        } else {
            n = readlinkat(nr == 85 ? AT_FDCWD : user_guest_dirfd(a[0]), path, path2, sizeof path2);
        }
        if (n < 0) { r = host_err(); break; }
        if ((uint32_t)n > sz) n = (ssize_t)sz;
        r = g_write(p, buf, path2, (size_t)n);
        if (!r) r = (int32_t)n;
        break;
    }
    case 220: r = guest_getdents64(p, (int)a[0], a[1], a[2]); break;
    case 55: case 221: r = do_fcntl(p, (int)a[0], a[1], a[2], nr == 221); break;
    case 41: r = dup((int)a[0]); if (r < 0) r = host_err(); break;
    case 63: r = dup2((int)a[0], (int)a[1]); if (r < 0) r = host_err(); break;
    case 330: r = dup3((int)a[0], (int)a[1], a[2] & 02000000 ? O_CLOEXEC : 0); if (r < 0) r = host_err(); break;
    case 42: case 331: { /* pipe, pipe2 */
        int fds[2];
        if (pipe2(fds, nr == 331 ? user_open_flags(a[1]) & (O_CLOEXEC | O_NONBLOCK) : 0)) { r = host_err(); break; }
        uint8_t b[8];
        put_le(b, 4, (uint32_t)fds[0]);
        put_le(b + 4, 4, (uint32_t)fds[1]);
        r = g_write(p, a[0], b, 8);
        if (r) { close(fds[0]); close(fds[1]); }
        break;
    }
    case 54: r = do_ioctl(p, (int)a[0], a[1], a[2]); break;
    case 60: r = (int32_t)umask((mode_t)a[0]); break;
    case 383: r = do_statx(p, a); break;
    case 118: r = fsync((int)a[0]) ? host_err() : 0; break;
    case 93: r = ftruncate((int)a[0], (off_t)(int32_t)a[1]) ? host_err() : 0; break;
    case 194: r = ftruncate((int)a[0], (off_t)(a[1] | (uint64_t)a[2] << 32)) ? host_err() : 0; break;
    default:
        return 0;
    }
    *ret = r;
    return 1;
}
