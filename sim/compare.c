/* pactsim compare: paired differences of two run files (docs/sweeps.md).
 *
 * Two runs of the same replicates and seed use the same random streams
 * (common random numbers), so replicate r of A and replicate r of B differ
 * only by the scenario: the differences B_r - A_r are paired, and their mean
 * has a much smaller variance than the difference of two independent means.
 * The interval is a percentile bootstrap of the mean difference with a fixed
 * seed, so the output is reproducible. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "h5util.h"

#define BOOT_SEED 20220722UL

typedef struct {
    char name[160];
    char unit[64];
    int n;                    /* pairs with both values finite */
    double mean_a, mean_b, mean, lo, hi;
    const char *verdict;
} cmp_row;

void ps_bootstrap_mean_ci(const double *d, int n, int n_boot, unsigned long seed, double *lo,
                          double *hi)
{
    *lo = *hi = NAN;
    if (n < 2)
        return;
    double *m = ps_calloc((size_t)n_boot, sizeof *m);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!m || !r) {
        free(m);
        if (r)
            gsl_rng_free(r);
        return;
    }
    gsl_rng_set(r, seed);
    for (int b = 0; b < n_boot; b++) {
        double s = 0.0;
        for (int i = 0; i < n; i++)
            s += d[gsl_rng_uniform_int(r, (unsigned long)n)];
        m[b] = s / n;
    }
    gsl_sort(m, 1, (size_t)n_boot);
    *lo = gsl_stats_quantile_from_sorted_data(m, 1, (size_t)n_boot, 0.025);
    *hi = gsl_stats_quantile_from_sorted_data(m, 1, (size_t)n_boot, 0.975);
    gsl_rng_free(r);
    free(m);
}

static void pair_stats(cmp_row *row, const double *a, const double *b, int R, int n_boot)
{
    double *d = ps_calloc((size_t)R + 1, sizeof *d);
    double sa = 0, sb = 0;
    int n = 0;
    for (int r = 0; d && r < R; r++)
        if (isfinite(a[r]) && isfinite(b[r])) {
            d[n++] = b[r] - a[r];
            sa += a[r];
            sb += b[r];
        }
    row->n = n;
    row->mean_a = n ? sa / n : NAN;
    row->mean_b = n ? sb / n : NAN;
    row->mean = n ? gsl_stats_mean(d, 1, (size_t)n) : NAN;
    ps_bootstrap_mean_ci(d, n, n_boot, BOOT_SEED, &row->lo, &row->hi);
    int all_zero = 1;
    for (int i = 0; i < n; i++)
        all_zero &= d[i] == 0.0;
    if (n == 0)
        row->verdict = "undefined (NaN in every replicate)";
    else if (n < 2)
        row->verdict = "too few replicates";
    else if (all_zero)
        row->verdict = "identical";
    else if (row->lo > 0)
        row->verdict = "higher";
    else if (row->hi < 0)
        row->verdict = "lower";
    else
        row->verdict = "no clear difference";
    free(d);
}

typedef struct {
    const char *path;
    hid_t file;
    long long replicates;
    uint64_t seed;
    char **iso3, **dates;
    hsize_t n_iso3, n_dates;
} run_file;

static void run_file_close(run_file *f)
{
    ps_h5_strings_free(f->iso3, f->n_iso3);
    ps_h5_strings_free(f->dates, f->n_dates);
    if (f->file >= 0)
        H5Fclose(f->file);
    f->file = -1;
}

static ps_status run_file_open(run_file *f, const char *path, ps_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->file = -1;
    ps_status st = ps_h5_open_checked(path, PS_FORMAT_NAME, 0, &f->file, err);
    if (st != PS_OK)
        return st;
    hid_t g = H5Lexists(f->file, "provenance", H5P_DEFAULT) > 0
                  ? H5Gopen2(f->file, "provenance", H5P_DEFAULT) : -1;
    int bad = g < 0 || ps_h5_get_i64(g, "replicates", &f->replicates) < 0 ||
              ps_h5_get_u64(g, "seed", &f->seed) < 0;
    if (g >= 0)
        H5Gclose(g);
    if (bad)
        return ps_error_set(err, PS_ERR_INPUT, "%s: no /provenance replicates and seed; "
                            "expected a pactsim run file", path);
    char incomplete[8];
    if (ps_h5_get_str(f->file, "incomplete", incomplete, sizeof incomplete) == 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s: an incomplete run (partial results of a "
                            "failed run); expected a complete run file", path);
    if (f->replicates < 1 || f->replicates > PS_MAX_REPLICATES)
        return ps_error_set(err, PS_ERR_INPUT, "%s: /provenance replicates is %lld; expected "
                            "1 to %d", path, f->replicates, PS_MAX_REPLICATES);
    ps_h5_read_strings(f->file, "/actors/iso3", &f->iso3, &f->n_iso3);
    ps_h5_read_strings(f->file, "/time/date", &f->dates, &f->n_dates);
    return ps_h5_refusal(err, path);
}

/* Values of one summary metric or state variable for every replicate. */
static ps_status read_var(run_file *f, const char *spec, const char *at, double **out,
                          char *unit, size_t ulen, ps_error *err)
{
    *out = NULL;
    unit[0] = '\0';
    int R = (int)f->replicates;
    if (!strchr(spec, ':')) {
        char name[256];
        snprintf(name, sizeof name, "/summary/%s", spec);
        hsize_t dims[8];
        int rank;
        if (H5Lexists(f->file, "summary", H5P_DEFAULT) <= 0 ||
            ps_h5_read_doubles(f->file, name, out, dims, &rank) < 0 || rank != 1 ||
            dims[0] != (hsize_t)R) {
            free(*out);
            *out = NULL;
            if (ps_h5_refused()[0])
                return ps_h5_refusal(err, f->path);
            return ps_error_set(err, PS_ERR_INPUT, "%s: no summary metric '%s'; expected a "
                                "metric of /summary (pactsim info lists them) or var:ISO3 / "
                                "var:SRC:DST with --at", f->path, spec);
        }
        hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
        ps_h5_get_str(d, "units", unit, ulen);
        H5Dclose(d);
        return PS_OK;
    }
    if (!at)
        return ps_error_set(err, PS_ERR_USAGE, "--metric %s: a state variable needs --at "
                            "YYYY-MM", spec);
    char var[128], a1[16] = "", a2[16] = "";
    int parts = sscanf(spec, "%127[^:]:%15[^:]:%15s", var, a1, a2);
    int t = -1, i = -1, j = -1;
    for (hsize_t k = 0; k < f->n_dates; k++)
        if (!strcmp(f->dates[k], at))
            t = (int)k;
    if (t < 0)
        return ps_error_set(err, PS_ERR_USAGE, "--at %s: not a month of %s (%s to %s); "
                            "expected YYYY-MM within the run", at, f->path,
                            f->n_dates ? f->dates[0] : "?",
                            f->n_dates ? f->dates[f->n_dates - 1] : "?");
    for (hsize_t k = 0; k < f->n_iso3; k++) {
        if (!strcmp(f->iso3[k], a1))
            i = (int)k;
        if (!strcmp(f->iso3[k], a2))
            j = (int)k;
    }
    if (parts < 2 || i < 0 || (parts == 3 && j < 0))
        return ps_error_set(err, PS_ERR_USAGE, "--metric %s: unknown actor in %s; expected "
                            "var:ISO3 or var:SRC:DST with actors of the run", spec, f->path);
    char name[256];
    snprintf(name, sizeof name, "/%s/%s", parts == 3 ? "dyad_state" : "actor_state", var);
    if (H5Lexists(f->file, parts == 3 ? "dyad_state" : "actor_state", H5P_DEFAULT) <= 0 ||
        H5Lexists(f->file, name, H5P_DEFAULT) <= 0)
        return ps_error_set(err, PS_ERR_USAGE, "--metric %s: %s has no %s (an %s field); "
                            "expected a field listed by pactsim info", spec, f->path, name,
                            parts == 3 ? "SRC:DST needs a dyad" : "ISO3 needs an actor");
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d);
    int nd = H5Sget_simple_extent_ndims(fs);
    hsize_t start[4] = {0, (hsize_t)t, (hsize_t)i, (hsize_t)(j < 0 ? 0 : j)};
    hsize_t count[4] = {(hsize_t)R, 1, 1, 1};
    hsize_t mcount = (hsize_t)R;
    hid_t ms = H5Screate_simple(1, &mcount, NULL);
    *out = ps_calloc((size_t)R + 1, sizeof **out);
    int bad = !*out || nd != (parts == 3 ? 4 : 3) ||
              H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
              H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, *out) < 0;
    ps_h5_get_str(d, "units", unit, ulen);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    if (bad) {
        free(*out);
        *out = NULL;
        return ps_h5_fail(err, PS_ERR_INPUT, f->path, "read the variable");
    }
    return PS_OK;
}

static void print_rows(FILE *fp, const cmp_row *rows, int n, ps_format fmt, const char *a,
                       const char *b, const char *at)
{
    if (fmt == PS_FMT_CSV) {
        fprintf(fp, "metric,units,n,mean_a,mean_b,mean_diff,ci_low,ci_high,verdict\n");
        for (int k = 0; k < n; k++)
            fprintf(fp, "%s,%s,%d,%.10g,%.10g,%.10g,%.10g,%.10g,%s\n", rows[k].name, rows[k].unit,
                    rows[k].n, rows[k].mean_a, rows[k].mean_b, rows[k].mean, rows[k].lo,
                    rows[k].hi, rows[k].verdict);
    } else if (fmt == PS_FMT_JSON) {
        fprintf(fp, "{\"a\": \"%s\", \"b\": \"%s\", \"at\": %s%s%s, \"difference\": \"b - a\", "
                "\"interval\": \"bootstrap 95%% (percentile)\", \"rows\": [\n", a, b,
                at ? "\"" : "", at ? at : "null", at ? "\"" : "");
        for (int k = 0; k < n; k++) {
            const cmp_row *r = &rows[k];
            double v[5] = {r->mean_a, r->mean_b, r->mean, r->lo, r->hi};
            static const char *const key[5] = {"mean_a", "mean_b", "mean_diff", "ci_low",
                                              "ci_high"};
            fprintf(fp, "  {\"metric\": \"%s\", \"units\": \"%s\", \"n\": %d", r->name, r->unit,
                    r->n);
            for (int q = 0; q < 5; q++) {
                if (isfinite(v[q]))
                    fprintf(fp, ", \"%s\": %.10g", key[q], v[q]);
                else
                    fprintf(fp, ", \"%s\": null", key[q]);
            }
            fprintf(fp, ", \"verdict\": \"%s\"}%s\n", r->verdict, k + 1 < n ? "," : "");
        }
        fprintf(fp, "]}\n");
    } else {
        fprintf(fp, "B - A, paired by replicate (common random numbers); 95%% bootstrap "
                "intervals\nA: %s\nB: %s\n", a, b);
        if (at)
            fprintf(fp, "state variables at %s\n", at);
        fprintf(fp, "%-36s %4s %12s %12s %12s %25s  %s\n", "metric", "n", "mean A", "mean B",
                "B - A", "95% interval", "verdict");
        for (int k = 0; k < n; k++) {
            const cmp_row *r = &rows[k];
            char ci[64];
            snprintf(ci, sizeof ci, "[%.4g, %.4g]", r->lo, r->hi);
            fprintf(fp, "%-36s %4d %12.5g %12.5g %12.5g %25s  %s%s%s\n", r->name, r->n,
                    r->mean_a, r->mean_b, r->mean, ci, r->verdict, r->unit[0] ? "  " : "",
                    r->unit);
        }
    }
}

ps_status ps_compare(const char *file_a, const char *file_b, const ps_compare_options *opt,
                     FILE *fp, ps_error *err)
{
    run_file a, b;
    ps_status st = run_file_open(&a, file_a, err);
    if (st != PS_OK) {
        run_file_close(&a);
        return st;
    }
    st = run_file_open(&b, file_b, err);
    if (st != PS_OK) {
        run_file_close(&a);
        run_file_close(&b);
        return st;
    }
    if (a.replicates != b.replicates || a.seed != b.seed) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s and %s differ in %s (%lld replicates, seed "
                          "%llu vs %lld replicates, seed %llu); expected runs with the same "
                          "replicates and seed, whose replicates share random streams (common "
                          "random numbers), so that they can be paired", file_a, file_b,
                          a.replicates != b.replicates ? "replicates" : "seed", a.replicates,
                          (unsigned long long)a.seed, b.replicates, (unsigned long long)b.seed);
        run_file_close(&a);
        run_file_close(&b);
        return st;
    }
    ps_name_list names = {0};
    int n_boot = opt && opt->n_boot > 0 ? opt->n_boot : 2000;
    const char *at = opt ? opt->at : NULL;
    if (opt && opt->n_metrics > 0) {
        for (int k = 0; k < opt->n_metrics && st == PS_OK; k++)
            if (ps_name_list_add(&names, opt->metrics[k]) < 0)
                st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    } else if (H5Lexists(a.file, "summary", H5P_DEFAULT) > 0) {
        ps_h5_list_datasets(a.file, "summary", &names);
    }
    cmp_row *rows = ps_calloc((size_t)names.n + 1, sizeof *rows);
    if (!rows)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    int nr = 0;
    for (int k = 0; st == PS_OK && k < names.n; k++) {
        double *va = NULL, *vb = NULL;
        char ua[64], ub[64];
        st = read_var(&a, names.names[k], at, &va, ua, sizeof ua, err);
        if (st == PS_OK)
            st = read_var(&b, names.names[k], at, &vb, ub, sizeof ub, err);
        if (st == PS_OK) {
            cmp_row *r = &rows[nr++];
            snprintf(r->name, sizeof r->name, "%s", names.names[k]);
            snprintf(r->unit, sizeof r->unit, "%s", ua);
            pair_stats(r, va, vb, (int)a.replicates, n_boot);
        }
        free(va);
        free(vb);
    }
    if (st == PS_OK)
        print_rows(fp, rows, nr, opt ? opt->format : PS_FMT_TABLE, file_a, file_b, at);
    ps_name_list_free(&names);
    free(rows);
    run_file_close(&a);
    run_file_close(&b);
    return st;
}
