/* stdio, malloc, qsort and doubles with printf("%f"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    enum { N = 1000 };
    double *v = malloc(N * sizeof *v);
    if (!v)
        return 1;
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (double)(seed >> 8) / 65536.0 - 128.0;
    }
    qsort(v, N, sizeof *v, cmp_double);
    double sum = 0, sq = 0;
    for (int i = 0; i < N; i++) {
        sum += v[i];
        sq += v[i] * v[i];
    }
    printf("min %f max %f\n", v[0], v[N - 1]);
    printf("mean %.6f meansq %.3e\n", sum / N, sq / N);
    printf("third %g %e %.15g\n", 1.0 / 3.0, 2.0 / 3.0, 10.0 / 7.0);
    char *s = malloc(64);
    snprintf(s, 64, "%08.3f|%-8d|%x", -3.14159, 42, 0xbeef);
    puts(s);
    free(s);
    float f = 1.1f;
    long double ld = 1.0L / 3.0L;
    printf("float %.9g long double %.20Lg\n", f * f, ld);
    printf("strtod %.17g atof %.17g\n", strtod("2.718281828459045", NULL), atof("1e-300"));
    free(v);
    return 0;
}
