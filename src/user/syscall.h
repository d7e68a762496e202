/* Internal to the system call layer. */
#ifndef E386_SYSCALL_H
#define E386_SYSCALL_H
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include "user/user.h"

/* Each area's dispatcher returns 1 and sets *ret if it handled nr. */
int sys_fs(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_proc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_timer(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);
int sys_net(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);   /* syscall_net.c */
int sys_path(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);  /* syscall_path.c */
int sys_io(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);    /* syscall_io.c */
int sys_ident(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret); /* syscall_ident.c */
int sys_event(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret); /* syscall_event.c */
int sys_xattr(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret); /* syscall_xattr.c */
int sys_misc(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret);  /* syscall_misc.c */
int32_t host_err(void); /* -errno of the last failed host call */
/* netlink.c: reverse the integers of the netlink messages in buf (native:
 * the buffer is in this host's byte order now); only a big-endian host
 * needs it, and the unit test runs it anywhere */
void user_netlink_reverse(uint8_t *buf, size_t len, int protocol, int native);
int user_host_big_endian(void);
int user_netlink_protocol(int fd); /* the fd's netlink protocol, or -1 */
/* r = a host call that may block, with the turn given to the other
 * threads meanwhile (user_block_begin); -1 with errno EINTR when a signal
 * is already deliverable.  The call must not touch guest memory. */
#define USER_BLOCKING(p, r, call)                      \
    do {                                               \
        struct UserThread *self_;                      \
        int32_t b_ = user_block_begin(p, &self_);      \
        if (b_) {                                      \
            errno = -b_;                               \
            (r) = -1;                                  \
        } else {                                       \
            (r) = (call);                              \
            user_block_end(p, self_);                  \
        }                                              \
    } while (0)
int32_t user_set_thread_area(UserProc *p, uint32_t addr); /* syscall_proc.c */
int32_t sys_execve(UserProc *p, uint32_t path, uint32_t argv, uint32_t envp); /* execve.c */
/* execve and the signal state (signal.c): the guest's blocked mask as
 * the host thread's for the exec (*saved: to put back if it fails), and
 * in the new emulator what the exec left blocked and ignored */
void user_sigmask_for_exec(const UserProc *p, sigset_t *saved);
void user_signal_inherit(UserProc *p, const sigset_t *blocked);
int32_t sys_execveat(UserProc *p, uint32_t dirfd, uint32_t path, uint32_t argv, uint32_t envp, uint32_t flags);
/* struct timespec in guest memory, 32- or 64-bit time fields */
int32_t user_put_timespec(UserProc *p, uint32_t addr, const struct timespec *ts, int bits64);
int32_t user_get_timespec(UserProc *p, uint32_t addr, struct timespec *ts, int bits64);

/* A 32-bit store that honours the page rights (Linux: EFAULT on a
 * read-only page), unlike g_put32. */
static inline int g_wput32(UserProc *p, uint32_t addr, uint32_t v)
{
    uint8_t b[4];
    put_le(b, 4, v);
    return g_write(p, addr, b, 4);
}

/* syscall_ident.c: i386 struct rusage (72 bytes) */
int32_t user_put_rusage(UserProc *p, uint32_t addr, const struct rusage *ru);

/* syscall_iov.c: guest iovecs, checked as Linux's import_iovec does */
enum { USER_UIO_MAXIOV = 1024, USER_MAX_RW = 0x7ffff000 };
typedef struct GuestIov {
    uint32_t base, len;
} GuestIov;
/* Reads cnt i386 iovecs (8 bytes each): EINVAL for cnt > 1024 or a length
 * >= 2^31, EFAULT for an unreadable array or a range past 4 GiB; the
 * total is clamped to MAX_RW_COUNT like Linux.  *out is malloc'd (NULL
 * when cnt is 0). */
int32_t user_iov_import(UserProc *p, uint32_t addr, uint32_t cnt, GuestIov **out, uint32_t *total);
int32_t user_iov_writable(UserProc *p, const GuestIov *v, uint32_t cnt, uint32_t len);
/* Copy len bytes between a host buffer and the iovecs. */
int32_t user_iov_gather(UserProc *p, const GuestIov *v, uint32_t cnt, uint8_t *buf, uint32_t len);
int32_t user_iov_scatter(UserProc *p, const GuestIov *v, uint32_t cnt, const uint8_t *buf, uint32_t len);
/* read/write/pread/pwrite and their vectored forms through a bounce
 * buffer; off < 0 with has_off is passed to the host (EINVAL there). */
int32_t user_vio(UserProc *p, int fd, const GuestIov *v, uint32_t cnt, uint32_t total, int write_,
                 int has_off, int64_t off, int rwf);
/* EBADF unless fd is open for reading (write_ 0) or writing (write_ 1) */
int32_t user_fd_mode_check(int fd, int write_);
/* syscall_fs.c: guest open(2) flags to host ones; a guest path (with
 * /proc/self/exe meaning the guest program), PATH_MAX bytes at out;
 * a guest dirfd (AT_FDCWD is -100 everywhere but spelled out) */
int user_open_flags(uint32_t g);
int user_guest_path(UserProc *p, uint32_t addr, char *out);
int user_guest_dirfd(uint32_t fd);
#endif
