/* pactsim sensitivity: Sobol' and Morris indices of a sweep file
 * (docs/sweeps.md).
 *
 * The model output of a point is the mean of its replicates (common random
 * numbers keep the noise of that mean the same at every point).
 * - saltelli design (blocks A, B, AB_1..AB_k, and with second_order
 *   BA_1..BA_k, of N points each): outputs centred on the mean m of f_A and
 *   f_B (without it the products below are dominated by m^2 when the mean is
 *   large against the spread), V their variance;
 *   S1_j = mean((f_B - m) (f_ABj - f_A)) / V (Saltelli et al. 2010),
 *   ST_j = mean((f_A - f_ABj)^2) / 2 / V (Jansen 1999),
 *   S2_jl = mean((f_BAj - m) (f_ABl - m) - (f_A - m) (f_B - m)) / V - S1_j - S1_l
 *   (Saltelli 2002, as SALib);
 * - morris design: elementary effects EE = (f(x') - f(x)) / (x'_j - x_j) in
 *   design units [0, 1]; mu* = mean |EE|, mu = mean EE, sigma = sd EE.
 * Intervals: percentile bootstrap over the N rows (saltelli) or the
 * trajectories (morris), same resamples for every parameter, fixed seed.
 *
 * The sweep file is never written in place: the results go into a copy,
 * FILE.tmp.<pid>, which is synced and renamed over FILE when complete. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "h5util.h"

#define BOOT_SEED 1234567UL

/* 2.5% and 97.5% quantiles of the finite values of v[0..n) (reordered). */
static void quantiles(double *v, int n, double *lo, double *hi)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            v[m++] = v[i];
    *lo = *hi = NAN;
    if (m < 2)
        return;
    gsl_sort(v, 1, (size_t)m);
    *lo = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)m, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)m, 0.975);
}

/* Sobol' indices over rows idx[0..n) of the blocks of y (N points each):
 * est = S1[k], ST[k], then with second order S2[k][k] (diagonal NaN); all
 * NaN if the output is constant. Returns the variance V. */
static double sobol_indices(const double *y, int N, int k, int so, const int *idx, int n,
                          double *est)
{
#define F(b, i) (y[(size_t)(b) * N + (i)])
    double m = 0.0, var = 0.0;
    for (int q = 0; q < n; q++)
        m += F(0, idx[q]) + F(1, idx[q]);
    m /= 2.0 * n;
    for (int q = 0; q < n; q++) {
        double a = F(0, idx[q]) - m, b = F(1, idx[q]) - m;
        var += a * a + b * b;
    }
    var /= 2.0 * n - 1.0;
    /* Equal values have a mean that rounding can move off them (V ~ 1e-31):
     * a constant output has V = 0 exactly, and no indices. */
    int constant = 1;
    for (int q = 0; q < n && constant; q++)
        constant = F(0, idx[q]) == F(0, idx[0]) && F(1, idx[q]) == F(0, idx[0]);
    if (constant)
        var = 0.0;
    double *S1 = est, *ST = est + k, *S2 = est + 2 * k;
    for (int j = 0; j < k; j++) {
        double s1 = 0.0, st = 0.0;
        for (int q = 0; q < n; q++) {
            int i = idx[q];
            double fa = F(0, i), fb = F(1, i) - m, fab = F(2 + j, i);
            s1 += fb * (fab - fa);
            st += (fa - fab) * (fa - fab);
        }
        S1[j] = var > 0 ? s1 / n / var : NAN;
        ST[j] = var > 0 ? st / (2.0 * n) / var : NAN;
    }
    for (int j = 0; so && j < k; j++) {
        S2[j * k + j] = NAN;
        for (int l = j + 1; l < k; l++) {
            double v = 0.0;
            for (int q = 0; q < n; q++) {
                int i = idx[q];
                v += (F(2 + k + j, i) - m) * (F(2 + l, i) - m) -
                     (F(0, i) - m) * (F(1, i) - m);
            }
            S2[j * k + l] = S2[l * k + j] = var > 0 ? v / n / var - S1[j] - S1[l] : NAN;
        }
    }
    return var;
#undef F
}

/* Morris statistics over trajectories idx[0..n): mu*, mu, sigma per parameter. */
static void morris_stats(const double *ee, int k, const int *idx, int n, double *mustar,
                         double *mu, double *sigma)
{
    double *v = ps_calloc((size_t)n + 1, sizeof *v);
    for (int j = 0; v && j < k; j++) {
        int m = 0;
        double sa = 0.0;
        for (int q = 0; q < n; q++) {
            double e = ee[(size_t)idx[q] * k + j];
            if (isfinite(e)) {
                v[m++] = e;
                sa += fabs(e);
            }
        }
        mustar[j] = m ? sa / m : NAN;
        if (mu)
            mu[j] = m ? gsl_stats_mean(v, 1, (size_t)m) : NAN;
        if (sigma)
            sigma[j] = m > 1 ? gsl_stats_sd(v, 1, (size_t)m) : NAN;
    }
    free(v);
}

/* A [k] (rank 1) or [k, k] (rank 2) float64 dataset with its long_name. */
static int put_arr(hid_t g, const char *name, const double *v, int k, int rank,
                   const char *long_name)
{
    hsize_t n[2] = {(hsize_t)k, (hsize_t)k};
    hid_t sp = H5Screate_simple(rank, n, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ||
              ps_h5_attr_str(d, "long_name", long_name) < 0) ? -1 : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

/* What every metric of one sweep file shares. */
typedef struct {
    hid_t file;          /* the copy being written */
    const char *path;    /* the sweep file, for messages */
    int saltelli, so;    /* design; second-order blocks present */
    int N, k, P, n_boot;
    char **pnames;
} sens_ctx;

/* Names of the Sobol' estimates: S1 / ST of a parameter or S2 of a pair. */
static void est_name(const sens_ctx *c, int e, char *buf, size_t len)
{
    int k = c->k;
    if (e < 2 * k)
        snprintf(buf, len, "%s of %s", e < k ? "S1" : "ST", c->pnames[e % k]);
    else
        snprintf(buf, len, "S2 of %s x %s", c->pnames[(e - 2 * k) / k],
                 c->pnames[(e - 2 * k) % k]);
}

/* Warn about Sobol' intervals wider than PS_SENS_WIDE: the width shrinks as
 * 1/sqrt(N), so N (w / PS_SENS_WIDE)^2 samples would bring the widest to it. */
static double warn_wide(const sens_ctx *c, const double *lo, const double *hi, int m,
                        FILE *fp)
{
    int wide = 0, finite = 0, worst = -1;
    double w = 0.0;
    for (int e = 0; e < m; e++) {
        if (!isfinite(lo[e]) || !isfinite(hi[e]))
            continue;
        finite++;
        wide += hi[e] - lo[e] > PS_SENS_WIDE;
        if (hi[e] - lo[e] > w)
            w = hi[e] - lo[e], worst = e;
    }
    if (wide) {
        char name[512];
        est_name(c, worst, name, sizeof name);
        double need = ceil(c->N * (w / PS_SENS_WIDE) * (w / PS_SENS_WIDE));
        fprintf(fp, "  warning: %d of %d intervals wider than %.1f, too wide to read (widest "
                "%.3f: %s); width ~ 1/sqrt(N): about samples: %.0f (now %d) for %.1f\n",
                wide, finite, PS_SENS_WIDE, w, name, need, c->N, PS_SENS_WIDE);
    }
    return w;
}

static void print_saltelli(const sens_ctx *c, const char *metric, int n, double var,
                           const double *est, const double *lo, const double *hi, FILE *fp)
{
    int k = c->k;
    fprintf(fp, "%s (Sobol' indices, %d of %d rows, %d bootstrap resamples)\n", metric, n,
            c->N, c->n_boot);
    if (!(var > 0)) {
        fprintf(fp, "  constant at every point: no variance to apportion, indices NaN\n");
        return;
    }
    fprintf(fp, "  %-44s %8s %20s %8s %20s\n", "parameter", "S1", "95% interval", "ST",
            "95% interval");
    for (int j = 0; j < k; j++) {
        char i1[48], i2[48];
        snprintf(i1, sizeof i1, "[%.3f, %.3f]", lo[j], hi[j]);
        snprintf(i2, sizeof i2, "[%.3f, %.3f]", lo[k + j], hi[k + j]);
        fprintf(fp, "  %-44s %8.3f %20s %8.3f %20s\n", c->pnames[j], est[j], i1, est[k + j],
                i2);
    }
    if (!c->so)
        return;
    fprintf(fp, "  %-44s %8s %20s\n", "parameter pair", "S2", "95% interval");
    for (int j = 0; j < k; j++)
        for (int l = j + 1; l < k; l++) {
            int e = 2 * k + j * k + l;
            char pair[512], i1[48];
            snprintf(pair, sizeof pair, "%s x %s", c->pnames[j], c->pnames[l]);
            snprintf(i1, sizeof i1, "[%.3f, %.3f]", lo[e], hi[e]);
            fprintf(fp, "  %-44s %8.3f %20s\n", pair, est[e], i1);
        }
}

/* Distinct finite values of the point means y (P of them). A metric with few
 * (a rare event counted over a few replicates) has indices that jump with
 * single rows: estimates can leave [0, 1] by more than their bootstrap
 * intervals admit, since resampling rows cannot produce the missing events. */
static int distinct_values(const double *y, int P)
{
    double *v = malloc(((size_t)P + 1) * sizeof *v);
    if (!v)
        return -1;
    int n = 0, d = 0;
    for (int p = 0; p < P; p++)
        if (isfinite(y[p]))
            v[n++] = y[p];
    gsl_sort(v, 1, (size_t)n);
    for (int i = 0; i < n; i++)
        d += i == 0 || v[i] != v[i - 1];
    free(v);
    return d;
}

/* Indices of one metric into group /sensitivity/<metric> (created) and printed. */
static ps_status analyse(const sens_ctx *c, hid_t out, const char *metric, FILE *fp,
                         ps_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "/sweep/summary/%s", metric);
    double *raw = NULL;
    hsize_t dims[8];
    int rank, N = c->N, k = c->k, P = c->P, n_boot = c->n_boot;
    if (ps_h5_read_doubles(c->file, name, &raw, dims, &rank) < 0 || rank != 2 ||
        dims[0] != (hsize_t)P) {
        free(raw);
        if (ps_h5_refused()[0])
            return ps_h5_refusal(err, c->path);
        return ps_error_set(err, PS_ERR_INPUT, "%s: no metric '%s' in /sweep/summary; "
                            "expected one of the metrics pactsim info lists", c->path, metric);
    }
    int R = (int)dims[1];
    int blocks = c->so ? 2 * k + 2 : k + 2;
    int rows = c->saltelli ? N : P / (k + 1);
    /* Estimates: saltelli S1, ST (and S2 [k][k]); morris mu*, mu, sigma. */
    int m = c->saltelli ? 2 * k + (c->so ? k * k : 0) : 3 * k;
    int mb = c->saltelli ? m : k; /* bootstrapped: all Sobol' indices, Morris mu* */
    double *y = ps_calloc((size_t)P + 1, sizeof *y);
    int *idx = ps_calloc((size_t)rows + 1, sizeof *idx);
    int *bidx = ps_calloc((size_t)rows + 1, sizeof *bidx);
    double *est = ps_calloc((size_t)3 * m + 1, sizeof *est), *lo = est + m, *hi = est + 2 * m;
    double *t = ps_calloc((size_t)m + 1, sizeof *t);
    double *boot = ps_calloc((size_t)mb * n_boot + 1, sizeof *boot);
    double *ee = c->saltelli ? NULL : ps_calloc((size_t)rows * k + 1, sizeof *ee);
    double *unit = NULL;
    int *step = NULL;
    ps_status st = PS_OK;
    if (!y || !idx || !bidx || !est || !t || !boot || (!c->saltelli && !ee)) {
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int p = 0; p < P; p++) {
        double s = 0.0;
        int q = 0;
        for (int r = 0; r < R; r++)
            if (isfinite(raw[(size_t)p * R + r])) {
                s += raw[(size_t)p * R + r];
                q++;
            }
        y[p] = q ? s / q : NAN;
    }
    /* Rows (saltelli) or trajectories (morris) with every value finite. */
    int n = 0;
    if (c->saltelli) {
        for (int i = 0; i < N; i++) {
            int fin = 1;
            for (int b = 0; b < blocks; b++)
                fin &= isfinite(y[(size_t)b * N + i]);
            if (fin)
                idx[n++] = i;
        }
    } else {
        hsize_t d2[8];
        int r2;
        double *sd = NULL;
        if (ps_h5_read_doubles(c->file, "/sweep/unit", &unit, d2, &r2) < 0 ||
            ps_h5_read_doubles(c->file, "/sweep/morris_step", &sd, d2, &r2) < 0) {
            free(sd);
            st = ps_h5_refused()[0] ? ps_h5_refusal(err, c->path)
                 : ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep/unit or /sweep/morris_step",
                                c->path);
            goto done;
        }
        step = ps_calloc((size_t)P + 1, sizeof *step);
        for (int p = 0; step && p < P; p++)
            step[p] = (int)sd[p];
        free(sd);
        for (int tr = 0; step && tr < rows; tr++) {
            int fin = 1;
            for (int s = 1; s <= k; s++) {
                int p = tr * (k + 1) + s, j = step[p];
                double du = unit[(size_t)p * k + j] - unit[(size_t)(p - 1) * k + j];
                double e = (y[p] - y[p - 1]) / du;
                ee[(size_t)tr * k + j] = e;
                fin &= isfinite(e);
            }
            if (fin)
                idx[n++] = tr;
        }
    }
    if (n < 2) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: metric '%s' has %d usable %s (finite at "
                          "every point); expected at least 2", c->path, metric, n,
                          c->saltelli ? "rows" : "trajectories");
        goto done;
    }
    double var = 1.0;
    if (c->saltelli)
        var = sobol_indices(y, N, k, c->so, idx, n, est);
    else
        morris_stats(ee, k, idx, n, est, est + k, est + 2 * k);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng) {
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        goto done;
    }
    gsl_rng_set(rng, BOOT_SEED);
    for (int q = 0; q < n_boot; q++) {
        for (int i = 0; i < n; i++)
            bidx[i] = idx[gsl_rng_uniform_int(rng, (unsigned long)n)];
        if (c->saltelli)
            sobol_indices(y, N, k, c->so, bidx, n, t);
        else
            morris_stats(ee, k, bidx, n, t, NULL, NULL);
        for (int e = 0; e < mb; e++)
            boot[(size_t)e * n_boot + q] = t[e];
    }
    gsl_rng_free(rng);
    for (int e = 0; e < m; e++) {
        lo[e] = hi[e] = NAN;
        if (e < mb)
            quantiles(boot + (size_t)e * n_boot, n_boot, &lo[e], &hi[e]);
    }
    int dv = distinct_values(y, P);
    hid_t g = H5Gcreate2(out, metric, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = g < 0;
    double widest = 0.0;
    if (!bad && c->saltelli) {
        bad = put_arr(g, "S1", est, k, 1, "first-order Sobol' index (Saltelli 2010)") |
              put_arr(g, "S1_low", lo, k, 1, "S1 bootstrap 95% interval, lower end") |
              put_arr(g, "S1_high", hi, k, 1, "S1 bootstrap 95% interval, upper end") |
              put_arr(g, "ST", est + k, k, 1, "total Sobol' index (Jansen 1999)") |
              put_arr(g, "ST_low", lo + k, k, 1, "ST bootstrap 95% interval, lower end") |
              put_arr(g, "ST_high", hi + k, k, 1, "ST bootstrap 95% interval, upper end");
        if (c->so)
            bad |= put_arr(g, "S2", est + 2 * k, k, 2, "second-order Sobol' index of "
                           "parameters [i, j] (Saltelli 2002); NaN on the diagonal") |
                   put_arr(g, "S2_low", lo + 2 * k, k, 2, "S2 bootstrap 95% interval, lower end") |
                   put_arr(g, "S2_high", hi + 2 * k, k, 2, "S2 bootstrap 95% interval, upper end");
    } else if (!bad)
        bad = put_arr(g, "mu_star", est, k, 1, "Morris mu*: mean absolute elementary effect "
                      "(per unit of the design's [0, 1] scale)") |
              put_arr(g, "mu_star_low", lo, k, 1, "mu* bootstrap 95% interval, lower end") |
              put_arr(g, "mu_star_high", hi, k, 1, "mu* bootstrap 95% interval, upper end") |
              put_arr(g, "mu", est + k, k, 1, "Morris mu: mean elementary effect") |
              put_arr(g, "sigma", est + 2 * k, k, 1, "Morris sigma: standard deviation of the "
                      "elementary effects");
    if (!bad && c->saltelli) {
        print_saltelli(c, metric, n, var, est, lo, hi, fp);
        if (var > 0)
            widest = warn_wide(c, lo, hi, m, fp);
        if (var > 0 && dv >= 0 && dv < PS_SENS_DISCRETE)
            fprintf(fp, "  warning: only %d distinct values over %d points (a rare or discrete "
                    "outcome): these indices are unreliable, and their intervals understate it; "
                    "more replicates or samples resolve it\n", dv, P);
        bad = ps_h5_attr_f64(g, "widest_interval", widest) |
              ps_h5_attr_f64(g, "variance", var) | ps_h5_attr_i32(g, "distinct_values", dv);
    } else if (!bad) {
        fprintf(fp, "%s (Morris elementary effects, %d of %d trajectories, %d bootstrap "
                "resamples)\n", metric, n, rows, n_boot);
        fprintf(fp, "  %-44s %10s %24s %10s %10s\n", "parameter", "mu*", "95% interval", "mu",
                "sigma");
        for (int j = 0; j < k; j++) {
            char i1[64];
            snprintf(i1, sizeof i1, "[%.4g, %.4g]", lo[j], hi[j]);
            fprintf(fp, "  %-44s %10.4g %24s %10.4g %10.4g\n", c->pnames[j], est[j], i1,
                    est[k + j], est[2 * k + j]);
        }
    }
    if (!bad)
        bad = ps_h5_attr_i32(g, "rows_used", n) | ps_h5_attr_i32(g, "bootstrap", n_boot);
    if (g >= 0)
        H5Gclose(g);
    if (bad)
        st = ps_h5_fail(err, PS_ERR_IO, c->path, "write /sensitivity");
done:
    free(raw);
    free(y);
    free(idx);
    free(bidx);
    free(est);
    free(t);
    free(boot);
    free(ee);
    free(unit);
    free(step);
    return st;
}

/* Read the design of the sweep file f into c; PS_ERR_INPUT if it has no indices. */
static ps_status read_design(hid_t f, sens_ctx *c, ps_error *err)
{
    char design[32] = "";
    long long N = 0, k = 0, P = 0, so = 0;
    hid_t g = H5Lexists(f, "sweep", H5P_DEFAULT) > 0 ? H5Gopen2(f, "sweep", H5P_DEFAULT) : -1;
    ps_status st = PS_OK;
    if (g < 0 || ps_h5_get_str(g, "design", design, sizeof design) < 0 ||
        ps_h5_get_i64(g, "samples", &N) < 0 || ps_h5_get_i64(g, "n_params", &k) < 0 ||
        ps_h5_get_i64(g, "n_points", &P) < 0)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep design attributes", c->path);
    if (g >= 0 && ps_h5_get_i64(g, "second_order", &so) < 0)
        so = 0; /* written since second-order designs exist */
    if (g >= 0)
        H5Gclose(g);
    c->saltelli = !strcmp(design, "saltelli");
    c->so = c->saltelli && so;
    if (st == PS_OK && !c->saltelli && strcmp(design, "morris"))
        return ps_error_set(err, PS_ERR_INPUT, "%s: a %s design; expected a sweep with design "
                            "saltelli (Sobol' indices) or morris (elementary effects)", c->path,
                            design);
    long long blocks = c->saltelli ? (c->so ? 2 * k + 2 : k + 2) : k + 1;
    if (st == PS_OK && (N < 1 || k < 1 || P != N * blocks))
        return ps_error_set(err, PS_ERR_INPUT, "%s: %lld points do not fit the %s%s layout of "
                            "%lld samples and %lld parameters", c->path, P, design,
                            c->so ? " (second order)" : "", N, k);
    c->N = (int)N;
    c->k = (int)k;
    c->P = (int)P;
    hsize_t np = 0;
    if (st == PS_OK && (ps_h5_read_strings(f, "/sweep/param", &c->pnames, &np) < 0 ||
                        np != (hsize_t)k)) {
        ps_h5_strings_free(c->pnames, np);
        c->pnames = NULL;
        st = ps_h5_refused()[0] ? ps_h5_refusal(err, c->path)
             : ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep/param", c->path);
    }
    return st;
}

/* /sensitivity/param and the method attribute, once. */
static int write_header(const sens_ctx *c, hid_t out)
{
    if (H5Lexists(out, "param", H5P_DEFAULT) > 0)
        return 0;
    hid_t t = ps_h5_vlen_str();
    hsize_t n = (hsize_t)c->k;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(out, "param", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->pnames) < 0;
    bad |= ps_h5_attr_str(out, "method", c->saltelli
                              ? "Sobol' indices on outputs centred on the mean of f_A and f_B: "
                                "S1 Saltelli 2010, ST Jansen 1999, S2 Saltelli 2002"
                              : "Morris elementary effects (mu*, mu, sigma)") < 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    return bad ? -1 : 0;
}

ps_status ps_sensitivity(const char *path, const ps_sensitivity_options *opt, FILE *fp,
                         ps_error *err)
{
    static const ps_sensitivity_options none = {0};
    if (!opt)
        opt = &none;
    sens_ctx c = {.path = path, .n_boot = opt->n_boot > 0 ? opt->n_boot : 1000};
    /* Check the original read-only: a file that is not a sweep is never copied. */
    hid_t f;
    ps_h5_input in; /* kept open: the copy below reads the file checked here */
    ps_status st = ps_h5_open_input(&in, path, "pactsim-sweep", 0, &f, err);
    if (st != PS_OK)
        return st;
    st = read_design(f, &c, err);
    /* An unfinished sweep (FILE.partial, a part of --points) has runs not
     * done, whose metrics are NaN: say so rather than "0 usable rows". */
    if (st == PS_OK && H5Lexists(f, "/sweep/done", H5P_DEFAULT) > 0) {
        double *done = NULL;
        hsize_t dd[8];
        int rank = 0;
        if (ps_h5_read_doubles(f, "/sweep/done", &done, dd, &rank) < 0)
            st = ps_h5_refused()[0] ? ps_h5_refusal(err, path)
                                    : ps_error_set(err, PS_ERR_INPUT, "%s: cannot read /sweep/done", path);
        long long runs = 1, missing = 0;
        for (int k = 0; st == PS_OK && k < rank; k++)
            runs *= (long long)dd[k];
        for (long long k = 0; st == PS_OK && k < runs; k++)
            missing += done[k] == 0.0;
        free(done);
        if (st == PS_OK && missing)
            st = ps_error_set(err, PS_ERR_INPUT, "%s: the sweep is not finished (%lld of %lld "
                              "runs not done); expected a complete sweep: resume it (pactsim "
                              "sweep SPEC -o FILE --resume) or merge its parts (--merge)",
                              path, missing, runs);
    }
    ps_name_list names = {0};
    if (st == PS_OK && (opt->metric ? ps_name_list_add(&names, opt->metric)
                                    : ps_h5_list_datasets(f, "/sweep/summary", &names)))
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: cannot list the summary metrics", path);
    /* Nothing is written for a file whose metrics declare more than it holds. */
    for (int m = 0; st == PS_OK && m < names.n; m++) {
        char name[256];
        snprintf(name, sizeof name, "/sweep/summary/%s", names.names[m]);
        hid_t d = H5Lexists(f, "/sweep/summary", H5P_DEFAULT) > 0 &&
                  H5Lexists(f, name, H5P_DEFAULT) > 0 ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
        if (d >= 0 && ps_h5_check_size(d, name, sizeof(double), NULL) < 0)
            st = ps_h5_refusal(err, path);
        if (d >= 0)
            H5Dclose(d);
    }
    H5Fclose(f);
    /* The file is read into memory (HDF5's core driver, nothing written
     * back), the results are added there, and the image is written to
     * FILE.tmp.<pid> with plain writes: a full disk or a signal can only cost
     * that temporary file, and HDF5 never sees a failed write. */
    c.file = -1;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (st == PS_OK && (fapl < 0 || H5Pset_fapl_core(fapl, 1 << 20, 0) < 0 ||
                        (c.file = ps_h5_input_fopen(&in, H5F_ACC_RDWR, fapl)) < 0))
        st = ps_h5_fail(err, PS_ERR_IO, path, "read the file into memory");
    if (fapl >= 0)
        H5Pclose(fapl);
    ps_h5_input_close(&in);
    hid_t out = -1;
    if (st == PS_OK) {
        out = H5Lexists(c.file, "sensitivity", H5P_DEFAULT) > 0
                  ? H5Gopen2(c.file, "sensitivity", H5P_DEFAULT)
                  : H5Gcreate2(c.file, "sensitivity", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (out < 0 || write_header(&c, out) < 0)
            st = ps_h5_fail(err, PS_ERR_IO, path, "write /sensitivity");
    }
    for (int m = 0; st == PS_OK && m < names.n; m++) {
        if (ps_stopped(opt->stop_flag))
            break;
        if (H5Lexists(out, names.names[m], H5P_DEFAULT) > 0)
            H5Ldelete(out, names.names[m], H5P_DEFAULT); /* recomputed */
        st = analyse(&c, out, names.names[m], fp, err);
        if (!opt->metric && st == PS_ERR_INPUT && !ps_h5_refused()[0]) { /* e.g. a metric NaN everywhere */
            fprintf(fp, "%s: skipped: %s\n", names.names[m], err ? err->msg : "");
            st = PS_OK;
        }
    }
    if (out >= 0)
        H5Gclose(out);
    void *image = NULL;
    ssize_t size = -1;
    if (st == PS_OK && (H5Fflush(c.file, H5F_SCOPE_LOCAL) < 0 ||
                        (size = H5Fget_file_image(c.file, NULL, 0)) <= 0 ||
                        !(image = malloc((size_t)size)) ||
                        H5Fget_file_image(c.file, image, (size_t)size) != size))
        st = ps_h5_fail(err, PS_ERR_IO, path, "make the file image");
    if (c.file >= 0)
        H5Fclose(c.file);
    size_t tl = strlen(path) + 32;
    char *tmp = st == PS_OK ? malloc(tl) : NULL;
    if (st == PS_OK && !tmp)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    if (tmp && st == PS_OK) {
        snprintf(tmp, tl, "%s.tmp.%ld", path, (long)getpid());
        ps_out_remove_stale(path, ".tmp.");
        st = ps_write_file(tmp, image, (size_t)size, err);
    }
    free(image);
    if (st == PS_OK && ps_stopped(opt->stop_flag))
        st = ps_error_set(err, PS_ERR_INTERRUPTED, "%s: interrupted; the file is unchanged",
                          path);
    if (st == PS_OK)
        st = ps_out_publish(tmp, path, 0, NULL, 0, err);
    if (st != PS_OK && tmp)
        unlink(tmp);
    free(tmp);
    ps_name_list_free(&names);
    ps_h5_strings_free(c.pnames, (hsize_t)c.k);
    return st;
}
