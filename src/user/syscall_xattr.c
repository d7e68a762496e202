/* Extended attributes, splice and copy_file_range, on the host's: names
 * and values are bytes, the same everywhere; splice's and
 * copy_file_range's optional offsets are 64-bit in guest memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "user/syscall.h"

enum { XATTR_SIZE_MAX_ = 65536, XATTR_LIST_MAX_ = 65536, XATTR_NAME_MAX_ = 255 };

/* setxattr..fremovexattr (226-237): (path, lpath, fd) x (set, get, list, remove) */
static int32_t do_xattr(UserProc *p, uint32_t nr, const uint32_t a[6])
{
    int kind = (int)(nr - 226) % 3, op = (int)(nr - 226) / 3;
    char path[PATH_MAX], name[XATTR_NAME_MAX_ + 2];
    int32_t r;
    if (kind != 2 && (r = user_guest_path(p, a[0], path)))
        return r;
    if (op != 2) { /* the kernel's strncpy_from_user check: empty or too long is ERANGE */
        r = g_strdup(p, a[1], name, sizeof name);
        if (r == -ENAMETOOLONG || (!r && (!name[0] || strlen(name) > XATTR_NAME_MAX_)))
            return -ERANGE;
        if (r)
            return r;
    }
    int fd = (int)a[0];
    ssize_t n;
    if (op == 3) {
        n = kind == 0 ? removexattr(path, name) : kind == 1 ? lremovexattr(path, name) : fremovexattr(fd, name);
        return n ? host_err() : 0;
    }
    uint32_t buf_a = op == 2 ? a[1] : a[2], size = op == 2 ? a[2] : a[3];
    if (op == 0 && size > XATTR_SIZE_MAX_)
        return -E2BIG;
    if (size > (op == 2 ? XATTR_LIST_MAX_ : XATTR_SIZE_MAX_))
        size = op == 2 ? XATTR_LIST_MAX_ : XATTR_SIZE_MAX_;
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return -ENOMEM;
    if (op == 0) {
        if (size && g_read(p, buf_a, buf, size)) {
            free(buf);
            return -EFAULT;
        }
        int fl = (int)a[4];
        n = kind == 0 ? setxattr(path, name, buf, size, fl)
          : kind == 1 ? lsetxattr(path, name, buf, size, fl) : fsetxattr(fd, name, buf, size, fl);
        r = n ? host_err() : 0;
    } else {
        if (op == 1)
            n = kind == 0 ? getxattr(path, name, buf, size)
              : kind == 1 ? lgetxattr(path, name, buf, size) : fgetxattr(fd, name, buf, size);
        else
            n = kind == 0 ? listxattr(path, buf, size) : kind == 1 ? llistxattr(path, buf, size) : flistxattr(fd, buf, size);
        r = n < 0 ? host_err() : (int32_t)n;
        if (n > 0 && size && g_write(p, buf_a, buf, (size_t)n))
            r = -EFAULT;
    }
    free(buf);
    return r;
}

/* splice(313) and copy_file_range(377): (fd_in, loff_t *off_in, fd_out,
 * loff_t *off_out, len, flags); the offsets advance as the host's do. */
static int32_t do_splice(UserProc *p, uint32_t nr, const uint32_t a[6])
{
    loff_t off[2], *op[2] = { NULL, NULL };
    uint32_t oa[2] = { a[1], a[3] };
    for (int i = 0; i < 2; i++)
        if (oa[i]) {
            uint8_t b[8];
            if (g_read(p, oa[i], b, 8))
                return -EFAULT;
            off[i] = (loff_t)get_le(b, 8);
            op[i] = &off[i];
        }
    ssize_t n;
    USER_BLOCKING(p, n, nr == 313 ? splice((int)a[0], op[0], (int)a[2], op[1], a[4], a[5])
                                  : copy_file_range((int)a[0], op[0], (int)a[2], op[1], a[4], a[5]));
    int32_t r = n < 0 ? host_err() : (int32_t)n;
    for (int i = 0; i < 2 && n > 0; i++)
        if (op[i]) {
            uint8_t b[8];
            put_le(b, 8, (uint64_t)off[i]);
            if (g_write(p, oa[i], b, 8))
                r = -EFAULT;
        }
    return r;
}

int sys_xattr(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    if (nr >= 226 && nr <= 237)
        *ret = do_xattr(p, nr, a);
    else if (nr == 313 || nr == 377)
        *ret = do_splice(p, nr, a);
    else
        return 0;
    return 1;
}
