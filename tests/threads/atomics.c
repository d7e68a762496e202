/* Sixteen threads hammering shared words with LOCK-prefixed
 * read-modify-writes (XADD, CMPXCHG, a 64-bit CMPXCHG8B on i386, XCHG
 * as a spinlock), and a lock-free multi-producer multi-consumer ring
 * (Vyukov's bounded queue) carrying every number once.  Any lost update
 * shows in the totals. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>

enum { NT = 16, ITERS = 20000, QSIZE = 256, PER_PRODUCER = 5000 };

static uint32_t xadd_count, cas_count;
static uint64_t wide_count;
static int spin;        /* XCHG spinlock */
static long guarded;    /* plain increments under it */

static void *hammer(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        __atomic_fetch_add(&xadd_count, 1, __ATOMIC_SEQ_CST);
        uint32_t old = __atomic_load_n(&cas_count, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_count, &old, old + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            ;
        __atomic_fetch_add(&wide_count, 0x100000001ull, __ATOMIC_SEQ_CST);
        while (__atomic_exchange_n(&spin, 1, __ATOMIC_ACQUIRE))
            while (__atomic_load_n(&spin, __ATOMIC_RELAXED))
                ;
        guarded++;
        __atomic_store_n(&spin, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Vyukov's bounded MPMC queue: each cell has a sequence number */
static struct { uint32_t seq; uint32_t val; } cells[QSIZE];
static uint32_t enq_pos, deq_pos;

static void enqueue(uint32_t v)
{
    for (;;) {
        uint32_t pos = __atomic_load_n(&enq_pos, __ATOMIC_RELAXED);
        uint32_t seq = __atomic_load_n(&cells[pos % QSIZE].seq, __ATOMIC_ACQUIRE);
        int32_t dif = (int32_t)(seq - pos);
        if (dif == 0 && __atomic_compare_exchange_n(&enq_pos, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            cells[pos % QSIZE].val = v;
            __atomic_store_n(&cells[pos % QSIZE].seq, pos + 1, __ATOMIC_RELEASE);
            return;
        }
        if (dif < 0)
            sched_yield(); /* full */
    }
}

static uint32_t dequeue(void)
{
    for (;;) {
        uint32_t pos = __atomic_load_n(&deq_pos, __ATOMIC_RELAXED);
        uint32_t seq = __atomic_load_n(&cells[pos % QSIZE].seq, __ATOMIC_ACQUIRE);
        int32_t dif = (int32_t)(seq - (pos + 1));
        if (dif == 0 && __atomic_compare_exchange_n(&deq_pos, &pos, pos + 1, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            uint32_t v = cells[pos % QSIZE].val;
            __atomic_store_n(&cells[pos % QSIZE].seq, pos + QSIZE, __ATOMIC_RELEASE);
            return v;
        }
        if (dif < 0)
            sched_yield(); /* empty */
    }
}

static void *producer(void *arg)
{
    uint32_t base = (uint32_t)(long)arg * PER_PRODUCER;
    for (uint32_t i = 0; i < PER_PRODUCER; i++)
        enqueue(base + i + 1);
    return NULL;
}

static unsigned char seen[NT / 2 * PER_PRODUCER + 1];

static void *consumer(void *arg)
{
    uint64_t *sum = arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        uint32_t v = dequeue();
        *sum += v;
        __atomic_fetch_add(&seen[v], 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[NT];
    for (int i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, hammer, NULL);
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    printf("lock xadd: %u\nlock cmpxchg: %u\n64-bit: %llx\nxchg spinlock: %ld\n", xadd_count, cas_count,
           (unsigned long long)wide_count, guarded);

    for (uint32_t i = 0; i < QSIZE; i++)
        cells[i].seq = i;
    uint64_t sums[NT / 2] = { 0 };
    for (long i = 0; i < NT / 2; i++) {
        pthread_create(&t[i], NULL, producer, (void *)i);
        pthread_create(&t[NT / 2 + i], NULL, consumer, &sums[i]);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    uint64_t total = 0;
    int dup = 0, missing = 0;
    for (int i = 0; i < NT / 2; i++)
        total += sums[i];
    for (int v = 1; v <= NT / 2 * PER_PRODUCER; v++) {
        if (seen[v] == 0) missing++;
        if (seen[v] > 1) dup++;
    }
    printf("lock-free queue: sum %llu, %d missing, %d duplicated\n", (unsigned long long)total, missing, dup);
    return 0;
}
