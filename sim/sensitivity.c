/* pactsim sensitivity: Sobol' and Morris indices of a sweep file
 * (docs/sweeps.md).
 *
 * The model output of a point is the mean of its replicates (common random
 * numbers keep the noise of that mean the same at every point).
 * - saltelli design (blocks A, B, AB_1..AB_k of N points): first-order index
 *   S_j = mean(f_B (f_ABj - f_A)) / V (Saltelli et al. 2010), total index
 *   ST_j = mean((f_A - f_ABj)^2) / 2 / V (Jansen 1999), V the variance of
 *   f_A and f_B together;
 * - morris design: elementary effects EE = (f(x') - f(x)) / (x'_j - x_j) in
 *   design units [0, 1]; mu* = mean |EE|, mu = mean EE, sigma = sd EE.
 * Intervals: percentile bootstrap over the N rows (saltelli) or the
 * trajectories (morris), same resamples for every parameter, fixed seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "h5util.h"

#define BOOT_SEED 1234567UL

/* 2.5% and 97.5% quantiles of v[0..n) (sorted in place). */
static void quantiles(double *v, int n, double *lo, double *hi)
{
    gsl_sort(v, 1, (size_t)n);
    *lo = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)n, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(v, 1, (size_t)n, 0.975);
}

/* Sobol' indices over rows idx[0..n) of blocks fA, fB, fAB[j]. */
static void sobol_indices(const double *y, int N, int k, const int *idx, int n, double *S1,
                          double *ST)
{
    double mean = 0.0, var = 0.0;
    for (int q = 0; q < n; q++)
        mean += y[idx[q]] + y[N + idx[q]];
    mean /= 2.0 * n;
    for (int q = 0; q < n; q++) {
        double a = y[idx[q]] - mean, b = y[N + idx[q]] - mean;
        var += a * a + b * b;
    }
    var /= 2.0 * n - 1.0;
    for (int j = 0; j < k; j++) {
        double s1 = 0.0, st = 0.0;
        for (int q = 0; q < n; q++) {
            int i = idx[q];
            double fa = y[i], fb = y[N + i], fab = y[(size_t)(2 + j) * N + i];
            s1 += fb * (fab - fa);
            st += (fa - fab) * (fa - fab);
        }
        S1[j] = var > 0 ? s1 / n / var : NAN;
        ST[j] = var > 0 ? st / (2.0 * n) / var : NAN;
    }
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

static int put_vec(hid_t g, const char *name, const double *v, int k, const char *long_name)
{
    hsize_t n = (hsize_t)k;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(g, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ||
              ps_h5_attr_str(d, "long_name", long_name) < 0) ? -1 : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    return rc;
}

/* Indices of one metric into group g (created) and printed. */
static ps_status analyse(hid_t file, hid_t out, const char *path, const char *metric,
                         const char *design, int N, int k, int P, int n_boot, char **pnames,
                         FILE *fp, ps_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "/sweep/summary/%s", metric);
    double *raw = NULL;
    hsize_t dims[8];
    int rank;
    if (ps_h5_read_doubles(file, name, &raw, dims, &rank) < 0 || rank != 2 ||
        dims[0] != (hsize_t)P) {
        free(raw);
        if (ps_h5_refused()[0])
            return ps_h5_refusal(err, path);
        return ps_error_set(err, PS_ERR_INPUT, "%s: no metric '%s' in /sweep/summary; "
                            "expected one of the metrics pactsim info lists", path, metric);
    }
    int R = (int)dims[1];
    double *y = ps_calloc((size_t)P + 1, sizeof *y);
    int saltelli = !strcmp(design, "saltelli");
    int rows = saltelli ? N : P / (k + 1);
    int *idx = ps_calloc((size_t)rows + 1, sizeof *idx);
    int *bidx = ps_calloc((size_t)rows + 1, sizeof *bidx);
    double *est = ps_calloc((size_t)6 * k + 1, sizeof *est);
    double *boot = ps_calloc((size_t)2 * k * n_boot + 1, sizeof *boot);
    double *ee = saltelli ? NULL : ps_calloc((size_t)rows * k + 1, sizeof *ee);
    double *unit = NULL;
    int *step = NULL;
    ps_status st = PS_OK;
    if (!y || !idx || !bidx || !est || !boot || (!saltelli && !ee)) {
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (int p = 0; p < P; p++) {
        double s = 0.0;
        int m = 0;
        for (int r = 0; r < R; r++)
            if (isfinite(raw[(size_t)p * R + r])) {
                s += raw[(size_t)p * R + r];
                m++;
            }
        y[p] = m ? s / m : NAN;
    }
    /* Rows (saltelli) or trajectories (morris) with every value finite. */
    int n = 0;
    if (saltelli) {
        for (int i = 0; i < N; i++) {
            int fin = 1;
            for (int b = 0; b < k + 2; b++)
                fin &= isfinite(y[(size_t)b * N + i]);
            if (fin)
                idx[n++] = i;
        }
    } else {
        hsize_t d2[8];
        int r2;
        double *sd = NULL;
        if (ps_h5_read_doubles(file, "/sweep/unit", &unit, d2, &r2) < 0 ||
            ps_h5_read_doubles(file, "/sweep/morris_step", &sd, d2, &r2) < 0) {
            free(sd);
            st = ps_h5_refused()[0] ? ps_h5_refusal(err, path)
                 : ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep/unit or /sweep/morris_step",
                                path);
            goto done;
        }
        step = ps_calloc((size_t)P + 1, sizeof *step);
        for (int p = 0; step && p < P; p++)
            step[p] = (int)sd[p];
        free(sd);
        for (int t = 0; step && t < rows; t++) {
            int fin = 1;
            for (int s = 1; s <= k; s++) {
                int p = t * (k + 1) + s, j = step[p];
                double du = unit[(size_t)p * k + j] - unit[(size_t)(p - 1) * k + j];
                double e = (y[p] - y[p - 1]) / du;
                ee[(size_t)t * k + j] = e;
                fin &= isfinite(e);
            }
            if (fin)
                idx[n++] = t;
        }
    }
    if (n < 2) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: metric '%s' has %d usable %s (finite at "
                          "every point); expected at least 2", path, metric, n,
                          saltelli ? "rows" : "trajectories");
        goto done;
    }
    double *a = est, *b = est + k, *c = est + 2 * k;
    if (saltelli)
        sobol_indices(y, N, k, idx, n, a, b);
    else
        morris_stats(ee, k, idx, n, a, b, c);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, BOOT_SEED);
    double *t1 = ps_calloc((size_t)k, sizeof *t1), *t2 = ps_calloc((size_t)k, sizeof *t2);
    for (int q = 0; t1 && t2 && q < n_boot; q++) {
        for (int i = 0; i < n; i++)
            bidx[i] = idx[gsl_rng_uniform_int(rng, (unsigned long)n)];
        if (saltelli)
            sobol_indices(y, N, k, bidx, n, t1, t2);
        else
            morris_stats(ee, k, bidx, n, t1, NULL, NULL);
        for (int j = 0; j < k; j++) {
            boot[(size_t)j * n_boot + q] = t1[j];
            boot[(size_t)(k + j) * n_boot + q] = saltelli ? t2[j] : 0.0;
        }
    }
    free(t1);
    free(t2);
    gsl_rng_free(rng);
    double *lo1 = est + 3 * k, *hi1 = est + 4 * k, *lo2 = est + 5 * k;
    double *hi2 = ps_calloc((size_t)k + 1, sizeof *hi2);
    for (int j = 0; hi2 && j < k; j++) {
        quantiles(boot + (size_t)j * n_boot, n_boot, &lo1[j], &hi1[j]);
        quantiles(boot + (size_t)(k + j) * n_boot, n_boot, &lo2[j], &hi2[j]);
    }
    hid_t g = H5Gcreate2(out, metric, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int bad = g < 0 || !hi2;
    if (!bad && saltelli)
        bad = put_vec(g, "S1", a, k, "first-order Sobol' index (Saltelli 2010)") |
              put_vec(g, "S1_low", lo1, k, "S1 bootstrap 95% interval, lower end") |
              put_vec(g, "S1_high", hi1, k, "S1 bootstrap 95% interval, upper end") |
              put_vec(g, "ST", b, k, "total Sobol' index (Jansen 1999)") |
              put_vec(g, "ST_low", lo2, k, "ST bootstrap 95% interval, lower end") |
              put_vec(g, "ST_high", hi2, k, "ST bootstrap 95% interval, upper end");
    else if (!bad)
        bad = put_vec(g, "mu_star", a, k, "Morris mu*: mean absolute elementary effect "
                      "(per unit of the design's [0, 1] scale)") |
              put_vec(g, "mu_star_low", lo1, k, "mu* bootstrap 95% interval, lower end") |
              put_vec(g, "mu_star_high", hi1, k, "mu* bootstrap 95% interval, upper end") |
              put_vec(g, "mu", b, k, "Morris mu: mean elementary effect") |
              put_vec(g, "sigma", c, k, "Morris sigma: standard deviation of the elementary "
                      "effects");
    if (!bad)
        bad = ps_h5_attr_i32(g, "rows_used", n) | ps_h5_attr_i32(g, "bootstrap", n_boot);
    if (g >= 0)
        H5Gclose(g);
    if (bad) {
        free(hi2);
        st = ps_h5_fail(err, PS_ERR_IO, path, "write /sensitivity");
        goto done;
    }
    if (saltelli) {
        fprintf(fp, "%s (Sobol' indices, %d of %d rows, %d bootstrap resamples)\n", metric, n,
                N, n_boot);
        fprintf(fp, "  %-44s %8s %20s %8s %20s\n", "parameter", "S1", "95% interval", "ST",
                "95% interval");
        for (int j = 0; j < k; j++) {
            char i1[48], i2[48];
            snprintf(i1, sizeof i1, "[%.3f, %.3f]", lo1[j], hi1[j]);
            snprintf(i2, sizeof i2, "[%.3f, %.3f]", lo2[j], hi2[j]);
            fprintf(fp, "  %-44s %8.3f %20s %8.3f %20s\n", pnames[j], a[j], i1, b[j], i2);
        }
    } else {
        fprintf(fp, "%s (Morris elementary effects, %d of %d trajectories, %d bootstrap "
                "resamples)\n", metric, n, rows, n_boot);
        fprintf(fp, "  %-44s %10s %24s %10s %10s\n", "parameter", "mu*", "95% interval", "mu",
                "sigma");
        for (int j = 0; j < k; j++) {
            char i1[64];
            snprintf(i1, sizeof i1, "[%.4g, %.4g]", lo1[j], hi1[j]);
            fprintf(fp, "  %-44s %10.4g %24s %10.4g %10.4g\n", pnames[j], a[j], i1, b[j], c[j]);
        }
    }
    free(hi2);
done:
    free(raw);
    free(y);
    free(idx);
    free(bidx);
    free(est);
    free(boot);
    free(ee);
    free(unit);
    free(step);
    return st;
}

ps_status ps_sensitivity(const char *path, const char *metric, int n_boot, FILE *fp,
                         ps_error *err)
{
    hid_t file;
    ps_status st = ps_h5_open_checked(path, "pactsim-sweep", 1, &file, err);
    if (st != PS_OK)
        return st;
    if (n_boot <= 0)
        n_boot = 1000;
    char design[32] = "";
    long long N = 0, k = 0, P = 0;
    hid_t g = H5Lexists(file, "sweep", H5P_DEFAULT) > 0 ? H5Gopen2(file, "sweep", H5P_DEFAULT)
                                                       : -1;
    if (g < 0 || ps_h5_get_str(g, "design", design, sizeof design) < 0 ||
        ps_h5_get_i64(g, "samples", &N) < 0 || ps_h5_get_i64(g, "n_params", &k) < 0 ||
        ps_h5_get_i64(g, "n_points", &P) < 0)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep design attributes", path);
    if (g >= 0)
        H5Gclose(g);
    if (st == PS_OK && strcmp(design, "saltelli") && strcmp(design, "morris"))
        st = ps_error_set(err, PS_ERR_INPUT, "%s: a %s design; expected a sweep with design "
                          "saltelli (Sobol' indices) or morris (elementary effects)", path,
                          design);
    if (st == PS_OK && ((!strcmp(design, "saltelli") && P != N * (k + 2)) ||
                        (!strcmp(design, "morris") && P != N * (k + 1))))
        st = ps_error_set(err, PS_ERR_INPUT, "%s: %lld points do not fit the %s layout of "
                          "%lld samples and %lld parameters", path, P, design, N, k);
    char **pnames = NULL;
    hsize_t np = 0;
    if (st == PS_OK && (ps_h5_read_strings(file, "/sweep/param", &pnames, &np) < 0 ||
                        np != (hsize_t)k))
        st = ps_h5_refused()[0] ? ps_h5_refusal(err, path)
             : ps_error_set(err, PS_ERR_INPUT, "%s: no /sweep/param", path);
    ps_name_list names = {0};
    if (st == PS_OK) {
        if (metric ? ps_name_list_add(&names, metric)
                   : ps_h5_list_datasets(file, "/sweep/summary", &names))
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: cannot list the summary metrics", path);
    }
    /* Nothing is written to a file whose metrics declare more than it holds. */
    for (int m = 0; st == PS_OK && m < names.n; m++) {
        char name[256];
        snprintf(name, sizeof name, "/sweep/summary/%s", names.names[m]);
        hid_t d = H5Lexists(file, "/sweep/summary", H5P_DEFAULT) > 0 &&
                  H5Lexists(file, name, H5P_DEFAULT) > 0 ? H5Dopen2(file, name, H5P_DEFAULT) : -1;
        if (d >= 0 && ps_h5_check_size(d, name, sizeof(double), NULL) < 0)
            st = ps_h5_refusal(err, path);
        if (d >= 0)
            H5Dclose(d);
    }
    hid_t out = -1;
    if (st == PS_OK) {
        if (H5Lexists(file, "sensitivity", H5P_DEFAULT) <= 0)
            out = H5Gcreate2(file, "sensitivity", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        else
            out = H5Gopen2(file, "sensitivity", H5P_DEFAULT);
        if (out < 0)
            st = ps_h5_fail(err, PS_ERR_IO, path, "create /sensitivity");
        else if (H5Lexists(out, "param", H5P_DEFAULT) <= 0) {
            hid_t t = ps_h5_vlen_str();
            hsize_t n = np;
            hid_t sp = H5Screate_simple(1, &n, NULL);
            hid_t d = H5Dcreate2(out, "param", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pnames) < 0 ||
                ps_h5_attr_str(out, "method", !strcmp(design, "saltelli")
                                   ? "Sobol' indices: S1 Saltelli 2010, ST Jansen 1999"
                                   : "Morris elementary effects (mu*, mu, sigma)") < 0)
                st = ps_h5_fail(err, PS_ERR_IO, path, "write /sensitivity/param");
            if (d >= 0)
                H5Dclose(d);
            H5Sclose(sp);
            H5Tclose(t);
        }
    }
    for (int m = 0; st == PS_OK && m < names.n; m++) {
        if (H5Lexists(out, names.names[m], H5P_DEFAULT) > 0)
            H5Ldelete(out, names.names[m], H5P_DEFAULT); /* recomputed */
        st = analyse(file, out, path, names.names[m], design, (int)N, (int)k, (int)P, n_boot,
                     pnames, fp, err);
        if (!metric && st == PS_ERR_INPUT && !ps_h5_refused()[0]) { /* e.g. a metric NaN everywhere */
            fprintf(fp, "%s: skipped: %s\n", names.names[m], err ? err->msg : "");
            st = PS_OK;
        }
    }
    ps_name_list_free(&names);
    ps_h5_strings_free(pnames, np);
    if (out >= 0)
        H5Gclose(out);
    if (H5Fclose(file) < 0 && st == PS_OK)
        st = ps_h5_fail(err, PS_ERR_IO, path, "close");
    return st;
}
