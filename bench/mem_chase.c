/* Memory work: block copies, a pointer chase through a shuffled linked
 * list, and strided array sums.  Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Node { struct Node *next; unsigned v; } Node;

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    enum { N = 1 << 18 };
    Node *nodes = malloc(N * sizeof *nodes);
    unsigned *perm = malloc(N * sizeof *perm);
    unsigned seed = 1;
    for (unsigned i = 0; i < N; i++)
        perm[i] = i;
    for (unsigned i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        unsigned j = (seed >> 8) % (i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (unsigned i = 0; i < N; i++) {
        nodes[perm[i]].next = &nodes[perm[(i + 1) % N]];
        nodes[perm[i]].v = i;
    }
    unsigned long long sum = 0;
    char *a = malloc(1 << 20), *b = malloc(1 << 20);
    memset(a, 1, 1 << 20);
    for (int round = 0; round < 30 * scale; round++) {
        Node *p = &nodes[0];
        for (unsigned k = 0; k < N; k++) {
            sum += p->v;
            p = p->next;
        }
        for (int c = 0; c < 16; c++) {
            memcpy(b, a, 1 << 20);
            a[c * 4096] = (char)c;
            memcpy(a, b, 1 << 20);
        }
        for (unsigned s = 1; s <= 64; s *= 4)
            for (unsigned i = 0; i < N; i += s)
                sum += perm[i] ^ (unsigned char)a[i & ((1 << 20) - 1)];
    }
    printf("mem_chase checksum %llu\n", sum);
    return 0;
}
