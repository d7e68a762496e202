/* LOCK'd read-modify-writes on memory that two processes share (a
 * MAP_SHARED anonymous page, a shared file mapping): two children at
 * once, each N times, every form emu386 makes atomic (ADD, INC, DEC,
 * SUB, XADD, CMPXCHG in a loop, CMPXCHG8B in a loop, XCHG as a spin
 * lock around a plain increment, BTS/BTR as a second lock, NOT, and
 * byte and word widths), and FUTEX_WAKE_OP's update of a shared word;
 * every count must come out exact.  emu386 ran them as a load, the
 * operation and a store, atomic only against its own threads (they take
 * turns): the children lost each other's updates. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

enum { N = 100000, KIDS = 2 };

struct shared {
    uint32_t add, inc, dec, sub, xadd, cas, xchg_lock, plain, bts_lock, plain2, not_, wake_op, wake_word;
    uint16_t word;
    uint8_t byte;
    uint8_t pad;
    _Alignas(8) uint64_t cas8; /* a host atomic needs natural alignment: i386 gives a uint64_t 4 */
};

static void work(volatile struct shared *s)
{
    for (int i = 0; i < N; i++) {
        __asm__ volatile("lock addl $3, %0" : "+m"(s->add));
        __asm__ volatile("lock incl %0" : "+m"(s->inc));
        __asm__ volatile("lock decl %0" : "+m"(s->dec));
        __asm__ volatile("lock subl $2, %0" : "+m"(s->sub));
        uint32_t one = 1;
        __asm__ volatile("lock xaddl %0, %1" : "+r"(one), "+m"(s->xadd));
        uint32_t old = s->cas, want;
        do
            want = old + 1;
        while (!__atomic_compare_exchange_n(&s->cas, &old, want, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        uint64_t old8 = s->cas8;
        while (!__atomic_compare_exchange_n(&s->cas8, &old8, old8 + 0x100000001ull, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST))
            ;
        uint32_t taken;
        do { /* XCHG with memory: locked without the prefix */
            taken = 1;
            __asm__ volatile("xchgl %0, %1" : "+r"(taken), "+m"(s->xchg_lock));
        } while (taken);
        s->plain++;
        __asm__ volatile("movl $0, %0" : "=m"(s->xchg_lock) : : "memory");
        unsigned char was;
        do
            __asm__ volatile("lock btsl $5, %0; setc %1" : "+m"(s->bts_lock), "=q"(was) : : "cc", "memory");
        while (was);
        s->plain2++;
        __asm__ volatile("lock btrl $5, %0" : "+m"(s->bts_lock) : : "cc", "memory");
        __asm__ volatile("lock notl %0" : "+m"(s->not_));
        __asm__ volatile("lock incw %0" : "+m"(s->word));
        __asm__ volatile("lock addb $7, %0" : "+m"(s->byte));
        if (i % 4 == 0) /* a system call: a quarter of the rounds */
            syscall(SYS_futex, &s->wake_word, FUTEX_WAKE_OP, 0, 0, &s->wake_op,
                    FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0));
    }
}

static int run(const char *what, volatile struct shared *s)
{
    memset((void *)s, 0, sizeof *s);
    s->not_ = 0x12345678;
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            work(s);
            _exit(0);
        }
    }
    for (int k = 0; k < KIDS; k++) {
        int st;
        if (waitpid(kids[k], &st, 0) != kids[k] || !WIFEXITED(st) || WEXITSTATUS(st))
            return 1;
    }
    printf("%s: add %u inc %u dec %d sub %d xadd %u cmpxchg %u cmpxchg8b %08x:%08x\n", what, s->add, s->inc,
           (int)s->dec, (int)s->sub, s->xadd, s->cas, (unsigned)(s->cas8 >> 32), (unsigned)s->cas8);
    printf("%s: xchg lock's count %u, bts lock's count %u, not %08x, word %u, byte %u, futex wake_op %u\n", what,
           s->plain, s->plain2, s->not_, s->word, s->byte, s->wake_op);
    return 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    void *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED || run("shared anonymous", anon))
        return 1;
    const char *f = "lock-shared.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 8192) != 0)
        return 1;
    char *file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    /* the second page, at an offset: not the mapping's first bytes */
    if (file == MAP_FAILED || run("shared file", (struct shared *)(void *)(file + 4096 + 64)))
        return 1;
    munmap(file, 8192);
    close(fd);
    unlink(f);
    return 0;
}
