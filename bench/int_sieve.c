/* Integer work: a sieve of Eratosthenes, an FNV hash over the result and
 * an insertion-sorted window.  Prints a checksum. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    unsigned n = 2000000;
    unsigned char *comp = malloc(n);
    unsigned long long sum = 0;
    for (int round = 0; round < 30 * scale; round++) {
        memset(comp, 0, n);
        for (unsigned i = 2; i * i < n; i++)
            if (!comp[i])
                for (unsigned j = i * i; j < n; j += i)
                    comp[j] = 1;
        unsigned h = 2166136261u, count = 0;
        for (unsigned i = 2; i < n; i++)
            if (!comp[i]) {
                h = (h ^ i) * 16777619u;
                count++;
            }
        int win[64];
        for (int i = 0; i < 64; i++)
            win[i] = (int)((h >> (i % 24)) ^ (unsigned)i * 2654435761u);
        for (int i = 1; i < 64; i++) {
            int v = win[i], j = i - 1;
            while (j >= 0 && win[j] > v) {
                win[j + 1] = win[j];
                j--;
            }
            win[j + 1] = v;
        }
        sum += count + h + (unsigned)win[0] + (unsigned)win[63];
    }
    printf("int_sieve checksum %llu\n", sum);
    free(comp);
    return 0;
}
