/* /proc/self/exe names the program by its absolute path, also when it was
 * started by a relative one (run_samples.sh starts every sample as ./name).
 * Static glibc asserts on a relative answer (_dl_get_origin): found when a
 * statically linked test program started as ./prog aborted under emu386. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n < 0) {
        perror("readlink");
        return 1;
    }
    buf[n] = 0;
    const char *base = strrchr(buf, '/');
    printf("argv[0]=%s absolute=%d basename=%s\n", argc > 0 ? argv[0] : "?", buf[0] == '/',
           base ? base + 1 : buf);
    return 0;
}
