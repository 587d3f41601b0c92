/* Loops and dyad kernels shared by the models (declared in pactsim_model.h). */
#include "pactsim_model.h"

#include <string.h>

PS_HOT static void column_block(int n, int b, const double *x, const double *y,
                                const char *skip, double *out)
{
    const int i0 = b * PS_COLUMN_BLOCK, i1 = ps_block_end(b, PS_COLUMN_BLOCK, n);
    for (int i = i0; i < i1; i++)
        out[i] = 0.0;
    for (int j = 0; j < n; j++) {
        const size_t row = (size_t)j * n;
        const char *srow = skip ? skip + row : NULL;
        for (int i = i0; i < i1; i++) {
            if (srow && srow[i])
                continue;
            out[i] += y ? x[row + i] + y[row + i] : x[row + i];
        }
    }
}

void ps_dyad_column_sums(const ps_world *w, const double *x, const double *y, const char *skip,
                         double *out)
{
    const int n = w->n_actors, nb = ps_block_count(n, PS_COLUMN_BLOCK);
    if (!ps_inner_parallel(w)) {
        for (int b = 0; b < nb; b++)
            column_block(n, b, x, y, skip, out);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int b = 0; b < nb; b++)
        column_block(n, b, x, y, skip, out);
}

/* Rows per block of ps_dyad_row_sums and ps_dyad_scale: whole rows, so
 * that each thread streams its own part of the arrays. */
#define SCALE_ROWS 16

PS_HOT static void row_sum_block(int n, int b, const double *x, const double *y, double *out)
{
    for (int i = b * SCALE_ROWS, i1 = ps_block_end(b, SCALE_ROWS, n); i < i1; i++) {
        const double *xr = x + (size_t)i * n, *yr = y ? y + (size_t)i * n : NULL;
        double s = 0.0;
        for (int j = 0; j < n; j++)
            s += yr ? xr[j] + yr[j] : xr[j];
        out[i] = s;
    }
}

void ps_dyad_row_sums(const ps_world *w, const double *x, const double *y, double *out)
{
    const int n = w->n_actors, nb = ps_block_count(n, SCALE_ROWS);
    if (!ps_inner_parallel(w)) {
        for (int b = 0; b < nb; b++)
            row_sum_block(n, b, x, y, out);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int b = 0; b < nb; b++)
        row_sum_block(n, b, x, y, out);
}

static void zero_block(int n, int b, double *out)
{
    const size_t k0 = (size_t)b * SCALE_ROWS * n, k1 = (size_t)ps_block_end(b, SCALE_ROWS, n) * n;
    memset(out + k0, 0, (k1 - k0) * sizeof *out);
}

void ps_dyad_zero(const ps_world *w, double *out)
{
    const int n = w->n_actors, nb = ps_block_count(n, SCALE_ROWS);
    if (!ps_inner_parallel(w)) {
        memset(out, 0, (size_t)n * n * sizeof *out);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int b = 0; b < nb; b++)
        zero_block(n, b, out);
}

PS_HOT static void scale_block(int n, int b, const double *x, double c, double *out)
{
    const size_t k1 = (size_t)ps_block_end(b, SCALE_ROWS, n) * n;
    for (size_t k = (size_t)b * SCALE_ROWS * n; k < k1; k++)
        out[k] = x[k] * c;
}

void ps_dyad_scale(const ps_world *w, const double *x, double c, double *out)
{
    const int n = w->n_actors, nb = ps_block_count(n, SCALE_ROWS);
    if (!ps_inner_parallel(w)) {
        for (int b = 0; b < nb; b++)
            scale_block(n, b, x, c, out);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int b = 0; b < nb; b++)
        scale_block(n, b, x, c, out);
}

void ps_inner_for(ps_world *w, int count, ps_item_fn *fn, void *data, const double *p)
{
    if (!ps_inner_parallel(w)) {
        for (int i = 0; i < count; i++)
            fn(w, data, p, i);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int i = 0; i < count; i++)
        fn(w, data, p, i);
}
