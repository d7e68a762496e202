/* The character backends: null, file:PATH, stdio (stdin replaced by a
 * pipe here: not a terminal, so no raw mode; input without waiting, its
 * end noticed; stdout a pipe nobody drains: writes take what fits and
 * never block), unix:PATH,server (a client connects, bytes both ways, a
 * client that goes away, output dropped with nobody listening, the socket
 * unlinked on close), and the specs refused with a message. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit_main.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "system/chardev.h"

static const uint8_t *B(const char *s) { return (const uint8_t *)s; }

START_TEST(test_null)
{
    char err[256];
    Chardev *c = chardev_open("null", err, sizeof err);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(chardev_kind(c), "null");
    ck_assert_uint_eq(chardev_write(c, B("abc"), 3), 3);
    uint8_t buf[4];
    ck_assert_uint_eq(chardev_read(c, buf, sizeof buf), 0);
    ck_assert_int_eq(chardev_input_fd(c), -1);
    chardev_close(c);
    c = chardev_open("none", err, sizeof err);
    ck_assert_ptr_nonnull(c);
    chardev_close(c);
}
END_TEST

START_TEST(test_file)
{
    char path[] = "/tmp/e386-chardev-XXXXXX", err[256];
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old contents", 12), 12);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file:%s", path);
    Chardev *c = chardev_open(spec, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_uint_eq(chardev_write(c, B("hello\n"), 6), 6);
    uint8_t buf[4];
    ck_assert_uint_eq(chardev_read(c, buf, sizeof buf), 0); /* output only */
    ck_assert_int_eq(chardev_input_fd(c), -1);
    chardev_close(c);
    char got[32] = { 0 };
    fd = open(path, O_RDONLY);
    ck_assert_int_eq(read(fd, got, sizeof got - 1), 6); /* truncated first */
    close(fd);
    ck_assert_str_eq(got, "hello\n");
    unlink(path);
    ck_assert_ptr_null(chardev_open("file:/nonexistent-dir/x", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x"));
    ck_assert_ptr_null(chardev_open("file:", err, sizeof err));
}
END_TEST

START_TEST(test_stdio_from_a_pipe)
{
    int p[2], saved = dup(0);
    char err[256];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(dup2(p[0], 0), 0);
    close(p[0]);
    Chardev *c = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(c);
    uint8_t buf[16];
    ck_assert_uint_eq(chardev_read(c, buf, sizeof buf), 0); /* nothing yet: no waiting */
    ck_assert_int_eq(chardev_input_fd(c), 0);
    ck_assert_int_eq(write(p[1], "ls\r", 3), 3);
    ck_assert_uint_eq(chardev_read(c, buf, 2), 2); /* at most what was asked */
    ck_assert_uint_eq(chardev_read(c, buf + 2, sizeof buf - 2), 1);
    ck_assert_mem_eq(buf, "ls\r", 3);
    close(p[1]);
    ck_assert_uint_eq(chardev_read(c, buf, sizeof buf), 0);
    ck_assert_int_eq(chardev_input_fd(c), -1); /* end of input: nothing to wait for */
    chardev_close(c);
    dup2(saved, 0);
    close(saved);
}
END_TEST

/* Regression (tests/robust stdio_stalled_reader_wedges): with stdout a
 * pipe whose reader stopped reading, chardev_write blocked in write()
 * and a SIGTERM could not end emu386-system.  Now it takes what the pipe
 * holds and then says 0; Check's timeout is the hang guard. */
START_TEST(test_stdio_stalled_reader_does_not_block)
{
    int p[2], saved = dup(1);
    char err[256];
    ck_assert_int_eq(pipe(p), 0);
    fflush(stdout);
    ck_assert_int_eq(dup2(p[1], 1), 1);
    close(p[1]);
    Chardev *c = chardev_open("stdio", err, sizeof err);
    ck_assert_ptr_nonnull(c);
    uint8_t chunk[1000];
    memset(chunk, 'z', sizeof chunk);
    size_t total = 0, took;
    int rounds = 0;
    while ((took = chardev_write(c, chunk, sizeof chunk)) == sizeof chunk && rounds < 100000) {
        total += took;
        rounds++;
    }
    ck_assert_uint_lt(took, sizeof chunk);     /* the pipe filled up: a short count */
    ck_assert_uint_eq(chardev_write(c, chunk, 1), 0); /* and nothing more, at once */
    ck_assert_uint_eq(chardev_dropped(c), 0);  /* nothing dropped: the UART holds it */
    ck_assert_int_eq(chardev_wait_output(c, 0), 0);
    /* the reader takes some: output goes on */
    char buf[8192];
    ck_assert_int_eq(read(p[0], buf, sizeof buf), (int)sizeof buf);
    ck_assert_int_eq(chardev_wait_output(c, 0), 1);
    ck_assert_uint_ge(chardev_write(c, chunk, 1), 1);
    /* the reader goes away: the bytes are dropped and counted, no SIGPIPE
     * death (emu386-system ignores SIGPIPE; so does this test) */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    close(p[0]);
    ck_assert_uint_eq(chardev_write(c, chunk, 10), 10);
    ck_assert_uint_eq(chardev_dropped(c), 10);
    signal(SIGPIPE, old);
    chardev_close(c);
    dup2(saved, 1);
    close(saved);
    (void)total;
}
END_TEST

static int connect_to(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

START_TEST(test_unix_server)
{
    char path[64], spec[96], err[256];
    snprintf(path, sizeof path, "/tmp/e386-chardev-%d.sock", (int)getpid());
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", path);
    Chardev *c = chardev_open(spec, err, sizeof err);
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_str_eq(chardev_kind(c), "unix");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    /* no client: output is dropped, nothing blocks */
    chardev_write(c, B("lost"), 4);
    ck_assert_uint_eq(chardev_dropped(c), 4);
    int listen_fd = chardev_input_fd(c);
    ck_assert_int_ge(listen_fd, 0);
    int cl = connect_to(path);
    uint8_t buf[64];
    ck_assert_uint_eq(chardev_read(c, buf, sizeof buf), 0); /* accepts, nothing sent yet */
    ck_assert_int_ne(chardev_input_fd(c), listen_fd);
    chardev_write(c, B("to client"), 9);
    char got[16] = { 0 };
    ck_assert_int_eq(read(cl, got, sizeof got), 9);
    ck_assert_str_eq(got, "to client");
    ck_assert_int_eq(write(cl, "from client", 11), 11);
    size_t n = 0;
    for (int i = 0; i < 100 && n < 11; i++)
        n += chardev_read(c, buf + n, sizeof buf - n);
    ck_assert_uint_eq(n, 11);
    ck_assert_mem_eq(buf, "from client", 11);
    /* a client that stops reading: buffered up to CHARDEV_OUTBUF, then dropped */
    static uint8_t big[CHARDEV_OUTBUF];
    memset(big, 'z', sizeof big);
    for (int i = 0; i < 8; i++)
        chardev_write(c, big, sizeof big);
    ck_assert_uint_gt(chardev_dropped(c), 4);
    /* the client goes: back to listening, a new client is accepted */
    close(cl);
    for (int i = 0; i < 10; i++)
        chardev_read(c, buf, sizeof buf);
    ck_assert_int_eq(chardev_input_fd(c), listen_fd);
    cl = connect_to(path);
    chardev_read(c, buf, sizeof buf);
    chardev_write(c, B("again"), 5);
    memset(got, 0, sizeof got);
    ck_assert_int_eq(read(cl, got, sizeof got), 5); /* nothing of the old client's backlog */
    ck_assert_str_eq(got, "again");
    close(cl);
    chardev_close(c);
    ck_assert_int_ne(stat(path, &st), 0); /* unlinked */
}
END_TEST

START_TEST(test_bad_specs)
{
    char err[256];
    ck_assert_ptr_null(chardev_open("tcp:1234", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "unknown character backend"));
    ck_assert_ptr_null(chardev_open("unix:/tmp/x.sock", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "server"));
    ck_assert_ptr_null(chardev_open("unix:/tmp/x.sock,server,bogus", err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "bogus"));
    ck_assert_ptr_null(chardev_open("unix:,server", err, sizeof err));
    char longpath[300];
    memset(longpath, 'a', sizeof longpath);
    memcpy(longpath, "unix:/", 6);
    memcpy(longpath + sizeof longpath - 8, ",server", 8);
    ck_assert_ptr_null(chardev_open(longpath, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "too long"));
    chardev_close(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chardev");
    TCase *tc = tcase_create("backends");
    tcase_add_test(tc, test_null);
    tcase_add_test(tc, test_file);
    tcase_add_test(tc, test_stdio_from_a_pipe);
    tcase_add_test(tc, test_stdio_stalled_reader_does_not_block);
    tcase_add_test(tc, test_unix_server);
    tcase_add_test(tc, test_bad_specs);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
