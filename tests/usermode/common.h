/* Shared by the usermode programs: print a call's result as Linux would
 * report it, with errno by name, never an address, pid or port. */
#ifndef USERMODE_COMMON_H
#define USERMODE_COMMON_H
#include <errno.h>
#include <stdio.h>

static const char *ename(int e)
{
    static const struct { int e; const char *n; } t[] = {
        { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EBADF, "EBADF" },
        { EAGAIN, "EAGAIN" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EEXIST, "EEXIST" },
        { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" },
        { ENOTTY, "ENOTTY" }, { ESPIPE, "ESPIPE" }, { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" },
        { ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" }, { ENOTSOCK, "ENOTSOCK" },
        { EMSGSIZE, "EMSGSIZE" }, { ENOPROTOOPT, "ENOPROTOOPT" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
        { EADDRINUSE, "EADDRINUSE" }, { ECONNREFUSED, "ECONNREFUSED" }, { ENOTCONN, "ENOTCONN" },
        { EISCONN, "EISCONN" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { EDESTADDRREQ, "EDESTADDRREQ" },
        { EOVERFLOW, "EOVERFLOW" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ECHILD, "ECHILD" },
        { EDEADLK, "EDEADLK" }, { ENOBUFS, "ENOBUFS" }, { EXDEV, "EXDEV" }, { ELOOP, "ELOOP" },
        { EDOM, "EDOM" }, { ESRCH, "ESRCH" }, { ENOTBLK, "ENOTBLK" }, { ENODEV, "ENODEV" },
        { ENXIO, "ENXIO" }, { ENODATA, "ENODATA" }, { E2BIG, "E2BIG" }, { ENOMEM, "ENOMEM" },
        { ETIMEDOUT, "ETIMEDOUT" },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].e == e)
            return t[i].n;
    return "E?";
}

/* "what = value" or "what = -1 ENAME" */
static void show(const char *what, long r)
{
    if (r == -1)
        printf("%s = -1 %s\n", what, ename(errno));
    else
        printf("%s = %ld\n", what, r);
    fflush(stdout);
}
#endif
