/* STREAM-style triad a[i] = b[i] + s * c[i] with OpenMP: the machine's
 * sustainable memory bandwidth, the roof for the dyad kernels.
 *
 *   triad [MIB_PER_ARRAY] [REPEATS]
 *
 * Prints, for 1 thread and for all threads: threads,GB/s (STREAM counting:
 * 24 bytes per element, no write-allocate) and GB/s with write-allocate (32
 * bytes per element, what the memory system really moves for a plain store).
 * Best of REPEATS; arrays are first touched by the threads that use them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double triad(double *a, const double *b, const double *c, long n, int threads, int reps)
{
    double best = 1e300, s = 3.0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
#pragma omp parallel for schedule(static) num_threads(threads)
        for (long i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    return best;
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? atol(argv[1]) : 256;
    int reps = argc > 2 ? atoi(argv[2]) : 10, maxt = 1;
#ifdef _OPENMP
    maxt = omp_get_max_threads();
#endif
    long n = mib * 1024 * 1024 / 8;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "triad: out of memory for 3 x %ld MiB\n", mib);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
    }
    printf("threads,gb_per_s,gb_per_s_write_allocate\n");
    for (int t = 1; t <= maxt; t = t < maxt && 2 * t > maxt ? maxt : 2 * t) {
        double dt = triad(a, b, c, n, t, reps);
        printf("%d,%.3f,%.3f\n", t, 24.0 * n / dt / 1e9, 32.0 * n / dt / 1e9);
        if (t == maxt)
            break;
    }
    double chk = 0.0;
    for (long i = 0; i < n; i += 4096)
        chk += a[i];
    free(a);
    free(b);
    free(c);
    return chk == 7.0 * ((n + 4095) / 4096) ? 0 : 1;
}
