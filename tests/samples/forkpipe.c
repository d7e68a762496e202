/* fork, pipe, write/read across processes, waitpid and exit status. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        close(fds[0]);
        for (int i = 0; i < 5; i++) {
            char line[64];
            int n = snprintf(line, sizeof line, "child line %d: %d squared is %d\n", i, i, i * i);
            if (write(fds[1], line, (size_t)n) != n)
                _exit(2);
        }
        close(fds[1]);
        _exit(7);
    }
    close(fds[1]);
    char buf[512];
    size_t total = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + total, sizeof buf - 1 - total)) > 0)
        total += (size_t)n;
    buf[total] = 0;
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    fputs(buf, stdout);
    printf("parent read %zu bytes; child exited=%d status=%d\n", total, WIFEXITED(status),
           WEXITSTATUS(status));
    return 0;
}
