/* x87 double work: an n-body simulation and a Mandelbrot count.
 * Prints results rounded so every correct x87 agrees. */
#include <stdio.h>
#include <stdlib.h>

typedef struct { double x, y, z, vx, vy, vz, m; } Body;

static double energy(Body *b, int n)
{
    double e = 0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz, d = d2;
            /* Newton's square root so no libm is involved */
            double r = d2 > 1 ? d2 / 2 : 1;
            for (int k = 0; k < 30; k++)
                r = 0.5 * (r + d / r);
            e -= b[i].m * b[j].m / r;
        }
    }
    return e;
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    Body b[5] = {
        { 0, 0, 0, 0, 0, 0, 39.47841760435743 },
        { 4.84, -1.16, -0.10, 0.606, 2.81, -0.02, 0.037 },
        { 8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011 },
        { 12.89, -15.11, -0.22, 1.08, 0.868, -0.01, 0.0017 },
        { 15.37, -25.91, 0.17, 0.979, 0.594, -0.034, 0.002 },
    };
    double e0 = energy(b, 5);
    for (int step = 0; step < 200000 * scale; step++) {
        for (int i = 0; i < 5; i++)
            for (int j = i + 1; j < 5; j++) {
                double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = 0.01 / (d2 * d2);
                b[i].vx -= dx * b[j].m * mag; b[i].vy -= dy * b[j].m * mag; b[i].vz -= dz * b[j].m * mag;
                b[j].vx += dx * b[i].m * mag; b[j].vy += dy * b[i].m * mag; b[j].vz += dz * b[i].m * mag;
            }
        for (int i = 0; i < 5; i++) {
            b[i].x += 0.01 * b[i].vx; b[i].y += 0.01 * b[i].vy; b[i].z += 0.01 * b[i].vz;
        }
    }
    long inside = 0;
    for (int py = 0; py < 120 * scale; py++)
        for (int px = 0; px < 160; px++) {
            double cr = -2.0 + px * 0.01875, ci = -1.2 + py * 0.02 / scale, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                k++;
            }
            inside += k == 200;
        }
    printf("fp_nbody energy %.9f -> %.9f mandel %ld\n", e0, energy(b, 5), inside);
    return 0;
}
