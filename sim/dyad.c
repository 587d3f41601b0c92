/* Loops and dyad kernels shared by the models (declared in pactsim_model.h). */
#include "pactsim_model.h"

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

/* Rows per block of ps_dyad_scale: whole rows, so that each thread streams
 * its own part of the arrays. */
#define SCALE_ROWS 16

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
