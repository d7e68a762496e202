/* x87 double work: dense matrix multiply, C = A * B, repeated.  Built
 * -m32 -mfpmath=387 (no SSE), so every operation is an FLD/FMUL/FADD on
 * doubles; prints a checksum rounded so every correct x87 agrees. */
#include <stdio.h>
#include <stdlib.h>

#define N 96

static double a[N][N], b[N][N], c[N][N];

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 12;
    unsigned s = 12345;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            s = s * 1103515245u + 12345u;
            a[i][j] = (double)(s >> 16 & 0x7fff) / 32768.0 - 0.5;
            s = s * 1103515245u + 12345u;
            b[i][j] = (double)(s >> 16 & 0x7fff) / 16384.0 - 1.0;
        }
    double sum = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                double t = 0;
                for (int k = 0; k < N; k++)
                    t += a[i][k] * b[k][j];
                c[i][j] = t;
            }
        for (int i = 0; i < N; i++) /* feed the result back so no rep is dead */
            for (int j = 0; j < N; j++)
                a[i][j] = c[i][j] / (double)(N / 4) + (double)r / 1024.0;
        sum += c[r % N][(r * 7) % N];
    }
    double tr = 0;
    for (int i = 0; i < N; i++)
        tr += c[i][i];
    printf("matmul %dx%d x%d: trace %.6e sample-sum %.6e\n", N, N, reps, tr, sum);
    return 0;
}
