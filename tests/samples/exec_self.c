/* execve: the program re-executes itself through /proc/self/exe with an
 * argument and returns the child's output and exit status. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("exec'd with argument '%s'\n", argv[1]);
        return 5;
    }
    char *args[] = { argv[0], "again", NULL };
    fflush(stdout);
    execv("/proc/self/exe", args);
    perror("execv");
    return 1;
}
