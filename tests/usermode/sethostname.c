/* sethostname and setdomainname (ENOSYS in emu386: CPython's
 * test_socket test_sethostname failed instead of passing or skipping).
 * Each name is set to what it already is, so nothing changes; a process
 * without CAP_SYS_ADMIN gets EPERM for every call, so both outcomes
 * print alike. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
#include "common.h"

static const char *outcome(int r, int ok_errno)
{
    if (r == 0)
        return "0 (or EPERM)";
    return errno == EPERM || errno == ok_errno ? (ok_errno ? "EINVAL (or EPERM)" : "0 (or EPERM)") : ename(errno);
}

int main(void)
{
    char host[65] = { 0 }, dom[65] = { 0 };
    if (gethostname(host, 64) != 0 || getdomainname(dom, 64) != 0)
        return 1;
    printf("sethostname(same name): %s\n", outcome(sethostname(host, strlen(host)), 0));
    printf("setdomainname(same name): %s\n", outcome(setdomainname(dom, strlen(dom)), 0));
    char long_name[70];
    memset(long_name, 'x', sizeof long_name);
    printf("sethostname(65 bytes): %s\n", outcome(sethostname(long_name, 65), EINVAL));
    printf("setdomainname(65 bytes): %s\n", outcome(setdomainname(long_name, 65), EINVAL));
    char again[65] = { 0 };
    gethostname(again, 64);
    show("hostname unchanged", strcmp(again, host) == 0);
    return 0;
}
