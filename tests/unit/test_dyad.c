/* ps_dyad_column_sums: the sums down the columns of a dyad array, read row
 * by row in blocks, are bit for bit those of a plain loop down each column (the
 * models' results depend on it), with and without a second array and a mask,
 * serially and on two inner threads, for sizes around the block width.
 * ps_dyad_row_sums: the same for sums along the rows, with and without a
 * second array. ps_dyad_scale: every entry is x * c, bit for bit, and
 * ps_dyad_zero: every entry +0, on one and two threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pactsim_model.h"

/* Values spanning many magnitudes, so that the order of the additions shows. */
static double value(unsigned *state)
{
    *state = *state * 1664525u + 1013904223u;
    double u = (double)(*state >> 8) / 16777216.0;
    return (u - 0.3) * pow(10.0, (double)(*state % 13) - 6.0);
}

int main(void)
{
    static const int sizes[] = {1, 12, 63, 64, 255, 256, 257, 600};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        int n = sizes[t];
        size_t nn = (size_t)n * n;
        double *x = malloc(nn * sizeof *x), *y = malloc(nn * sizeof *y);
        char *skip = malloc(nn);
        double *out = malloc((size_t)n * sizeof *out), *ref = malloc((size_t)n * sizeof *ref);
        unsigned st = 12345u + (unsigned)n;
        for (size_t k = 0; k < nn; k++) {
            x[k] = value(&st);
            y[k] = value(&st);
            skip[k] = (char)(value(&st) > 0.0 && (k % 3 == 0));
        }
        for (int threads = 1; threads <= 2; threads++)
            for (int mode = 0; mode < 3; mode++) { /* x; x + y; x + y masked */
                ps_world w;
                memset(&w, 0, sizeof w);
                w.n_actors = n;
                w.inner_threads = threads;
                const double *yy = mode ? y : NULL;
                const char *sk = mode == 2 ? skip : NULL;
                for (int i = 0; i < n; i++) {
                    double s = 0.0;
                    for (int j = 0; j < n; j++) {
                        size_t ji = (size_t)j * n + i;
                        if (sk && sk[ji])
                            continue;
                        s += yy ? x[ji] + yy[ji] : x[ji];
                    }
                    ref[i] = s;
                }
                for (int i = 0; i < n; i++)
                    out[i] = NAN; /* every entry must be written */
                ps_dyad_column_sums(&w, x, yy, sk, out);
                int first = -1;
                for (int i = n - 1; i >= 0; i--)
                    if (memcmp(out + i, ref + i, sizeof *out))
                        first = i;
                CHECK(first < 0, "n=%d threads=%d mode=%d: column %d: %.17g, a loop gives %.17g",
                      n, threads, mode, first, first < 0 ? 0.0 : out[first],
                      first < 0 ? 0.0 : ref[first]);
            }
        for (int threads = 1; threads <= 2; threads++)
            for (int mode = 0; mode < 2; mode++) { /* x; x + y */
                ps_world w;
                memset(&w, 0, sizeof w);
                w.n_actors = n;
                w.inner_threads = threads;
                const double *yy = mode ? y : NULL;
                for (int i = 0; i < n; i++) {
                    double s = 0.0;
                    for (int j = 0; j < n; j++) {
                        size_t ij = (size_t)i * n + j;
                        s += yy ? x[ij] + yy[ij] : x[ij];
                    }
                    ref[i] = s;
                    out[i] = NAN; /* every entry must be written */
                }
                ps_dyad_row_sums(&w, x, yy, out);
                int first = -1;
                for (int i = n - 1; i >= 0; i--)
                    if (memcmp(out + i, ref + i, sizeof *out))
                        first = i;
                CHECK(first < 0, "n=%d threads=%d mode=%d: row %d: %.17g, a loop gives %.17g", n,
                      threads, mode, first, first < 0 ? 0.0 : out[first],
                      first < 0 ? 0.0 : ref[first]);
            }
        for (int threads = 1; threads <= 2; threads++) {
            ps_world w;
            memset(&w, 0, sizeof w);
            w.n_actors = n;
            w.inner_threads = threads;
            double *sc = malloc(nn * sizeof *sc);
            for (size_t k = 0; k < nn; k++)
                sc[k] = NAN; /* every entry must be written */
            ps_dyad_scale(&w, x, 0.985, sc);
            size_t bad = nn;
            for (size_t k = nn; k-- > 0;) {
                double want = x[k] * 0.985;
                if (memcmp(sc + k, &want, sizeof want))
                    bad = k;
            }
            CHECK(bad == nn, "n=%d threads=%d: scaled entry %zu is %.17g, not x * c", n, threads,
                  bad, bad < nn ? sc[bad] : 0.0);
            for (size_t k = 0; k < nn; k++)
                sc[k] = -(double)k - 1.0;
            ps_dyad_zero(&w, sc);
            const double zero = 0.0;
            for (bad = nn; bad > 0 && !memcmp(sc + bad - 1, &zero, sizeof zero); bad--)
                ;
            CHECK(bad == 0, "n=%d threads=%d: entry %zu is %.17g after ps_dyad_zero", n, threads,
                  bad - 1, bad ? sc[bad - 1] : 0.0);
            free(sc);
        }
        /* A masked sum differs from an unmasked one where the mask is set. */
        if (n >= 12) {
            ps_world w;
            memset(&w, 0, sizeof w);
            w.n_actors = n;
            w.inner_threads = 1;
            ps_dyad_column_sums(&w, x, NULL, skip, out);
            ps_dyad_column_sums(&w, x, NULL, NULL, ref);
            CHECK(memcmp(out, ref, (size_t)n * sizeof *out) != 0, "n=%d: the mask changed nothing",
                  n);
        }
        free(x);
        free(y);
        free(skip);
        free(out);
        free(ref);
    }
    return CHECK_DONE();
}
