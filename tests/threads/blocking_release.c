/* System calls that may block must let the other threads run meanwhile:
 * here each blocks until main, in the same process, has done its part.
 * emu386 ran sendfile and waitid holding the turn, so main never ran
 * again (CPython's test_socket SendfileUsingSendfileTest.testOffset:
 * a thread's sendfile on a full socket waited for main to read).  The
 * same for open() of a FIFO, which waits for the other end's open. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SIZE = 4 << 20 };
static int sv[2], file_fd;
static pid_t child;

static void *sends(void *arg)
{
    (void)arg;
    off_t off = 0;
    long total = 0;
    while (total < SIZE) {
        ssize_t n = sendfile(sv[0], file_fd, &off, SIZE - total);
        if (n <= 0)
            break;
        total += n;
    }
    printf("sendfile: %ld bytes sent, offset %ld\n", total, (long)off);
    close(sv[0]);
    return NULL;
}

static void *waits(void *arg)
{
    (void)arg;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, (id_t)child, &si, WEXITED);
    printf("waitid: %d, child %s, code %d, status %d\n", r, si.si_pid == child ? "matches" : "differs",
           si.si_code, si.si_status);
    return NULL;
}

static char fifo[64], fifo_in[16];
static int fifo_opened;
static ssize_t fifo_read;

static void *opens_fifo(void *arg)
{
    (void)arg;
    int fd = open(fifo, O_RDONLY); /* waits for main's open for writing */
    fifo_opened = fd >= 0;
    fifo_read = fd >= 0 ? read(fd, fifo_in, sizeof fifo_in - 1) : -1;
    if (fd >= 0)
        close(fd);
    return NULL;
}

int main(void)
{
    alarm(300); /* a watchdog: the bug hangs, this turns it into a failure */
    char name[] = "/tmp/blocking_release.XXXXXX";
    file_fd = mkstemp(name);
    if (file_fd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 1;
    unlink(name);
    char *buf = malloc(SIZE);
    for (long i = 0; i < SIZE; i++)
        buf[i] = (char)(i * 7);
    if (!buf || write(file_fd, buf, SIZE) != SIZE)
        return 1;
    pthread_t t;
    pthread_create(&t, NULL, sends, NULL);
    long got = 0, bad = 0;
    char in[65536];
    ssize_t n;
    while ((n = read(sv[1], in, sizeof in)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            bad += in[i] != (char)((got + i) * 7);
        got += n;
    }
    pthread_join(t, NULL);
    printf("read: %ld bytes, %ld differ\n", got, bad);

    int gate[2];
    if (pipe(gate) != 0)
        return 1;
    child = fork();
    if (child == 0) {
        char c;
        _exit(read(gate[0], &c, 1) == 1 ? 5 : 6);
    }
    pthread_create(&t, NULL, waits, NULL);
    sleep(1); /* not needed for the outcome: lets the thread reach waitid first */
    if (write(gate[1], "x", 1) != 1)
        return 1;
    pthread_join(t, NULL);

    snprintf(fifo, sizeof fifo, "/tmp/blocking_release.fifo.%d", (int)getpid());
    unlink(fifo);
    if (mkfifo(fifo, 0600) != 0)
        return 1;
    pthread_create(&t, NULL, opens_fifo, NULL);
    int w = open(fifo, O_WRONLY); /* waits for the thread's open for reading */
    ssize_t wrote = w >= 0 ? write(w, "hello", 5) : -1;
    if (w >= 0)
        close(w);
    pthread_join(t, NULL);
    printf("fifo: writer opened %d, wrote %zd; reader opened %d, read %zd: %s\n", w >= 0, wrote,
           fifo_opened, fifo_read, fifo_in);
    unlink(fifo);
    return 0;
}
