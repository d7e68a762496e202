/* Extended attributes, splice and copy_file_range (bug: emu386-user
 * answered ENOSYS, so CPython's test_os lost ExtendedAttributeTests,
 * test_splice* and test_copy_file_range*): set/get/list/remove by path,
 * link and descriptor, ENODATA/ERANGE/E2BIG/EFAULT, a splice from a pipe
 * into a file at an offset that advances, a copy_file_range between
 * files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char dir[] = "xattrXXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[64];
    snprintf(path, sizeof path, "%s/f", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    char buf[256];
    long r = setxattr(path, "user.a", "hello", 5, 0);
    show("setxattr user.a", r);
    if (r == 0) { /* the filesystem has user xattrs */
        show("getxattr user.a", getxattr(path, "user.a", buf, sizeof buf));
        printf("value %.5s\n", buf);
        show("getxattr size 0 (the length)", getxattr(path, "user.a", NULL, 0));
        show("getxattr buffer too small", getxattr(path, "user.a", buf, 2));
        show("getxattr missing", getxattr(path, "user.none", buf, sizeof buf));
        show("setxattr XATTR_CREATE again", setxattr(path, "user.a", "x", 1, XATTR_CREATE));
        show("fsetxattr user.b", fsetxattr(fd, "user.b", "", 0, 0));
        show("lgetxattr user.b", lgetxattr(path, "user.b", buf, sizeof buf));
        long n = flistxattr(fd, buf, sizeof buf);
        show("flistxattr", n);
        int a = 0, b = 0;
        for (long i = 0; i < n; i += (long)strlen(buf + i) + 1) {
            a |= !strcmp(buf + i, "user.a");
            b |= !strcmp(buf + i, "user.b");
        }
        printf("lists user.a %d user.b %d\n", a, b);
        show("listxattr size 0", listxattr(path, NULL, 0) == n);
        show("fremovexattr user.b", fremovexattr(fd, "user.b"));
        show("removexattr user.b again", removexattr(path, "user.b"));
        show("getxattr bad buffer", syscall(SYS_getxattr, path, "user.a", (void *)16, 10));
        show("lremovexattr user.a", lremovexattr(path, "user.a"));
    }
    show("setxattr empty name", setxattr(path, "", "x", 1, 0));
    char longname[300];
    memset(longname, 'n', sizeof longname);
    memcpy(longname, "user.", 5);
    longname[299] = 0;
    show("setxattr name of 299", setxattr(path, longname, "x", 1, 0));
    char *big = calloc(1, 65537);
    show("setxattr size 65537", setxattr(path, "user.big", big, 65537, 0));
    free(big);
    show("getxattr bad name pointer", syscall(SYS_getxattr, path, (void *)16, buf, 10));
    show("getxattr bad path", syscall(SYS_getxattr, (void *)16, "user.a", buf, 10));
    show("fgetxattr bad fd", fgetxattr(-1, "user.a", buf, 10));

    int pp[2];
    pipe(pp);
    write(pp[1], "0123456789", 10);
    loff_t off = 3;
    show("splice pipe -> file at 3", splice(pp[0], NULL, fd, &off, 6, 0));
    printf("offset now %lld\n", (long long)off);
    show("splice offset on a pipe", splice(pp[0], &off, fd, NULL, 1, 0));
    show("splice bad offset pointer", syscall(SYS_splice, pp[0], NULL, fd, (void *)16, 1, 0));
    memset(buf, 0, sizeof buf);
    show("pread", pread(fd, buf, sizeof buf, 0));
    for (int i = 0; i < 9; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
    char path2[64];
    snprintf(path2, sizeof path2, "%s/g", dir);
    int fd2 = open(path2, O_RDWR | O_CREAT, 0600);
    loff_t in = 4, out = 1;
    show("copy_file_range 4 bytes", copy_file_range(fd, &in, fd2, &out, 4, 0));
    printf("offsets now %lld %lld\n", (long long)in, (long long)out);
    memset(buf, 0, sizeof buf);
    show("pread copy", pread(fd2, buf, sizeof buf, 0));
    for (int i = 0; i < 5; i++)
        putchar(buf[i] ? buf[i] : '.');
    putchar('\n');
    show("copy_file_range bad flags", copy_file_range(fd, &in, fd2, &out, 4, 1));
    show("copy_file_range bad fd", copy_file_range(-1, NULL, fd2, NULL, 4, 0));
    close(fd);
    close(fd2);
    unlink(path);
    unlink(path2);
    rmdir(dir);
    return 0;
}
