/* pactsim compare: paired differences of two run files (docs/sweeps.md).
 *
 * Two runs of the same replicates and seed use the same random streams
 * (common random numbers), so replicate r of A and replicate r of B differ
 * only by the scenario: the differences B_r - A_r are paired, and their mean
 * has a much smaller variance than the difference of two independent means.
 * The interval is a percentile bootstrap of the mean difference with a fixed
 * seed, so the output is reproducible.
 *
 * Pairing makes almost any difference "significant", so the verdict also
 * needs a smallest effect of interest (--negligible), and the runs must be
 * comparable at all: same actors, same months, scenarios of one lineage (the
 * root of their extends chains), unless the caller allows a mismatch. */
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
    double sd_a;              /* spread of A over the n replicates */
    double rel;               /* mean / |mean_a| */
    double std;               /* mean / sd_a (0 if both 0, NaN if only sd_a is) */
    double negligible;        /* the smallest effect of interest, absolute */
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

/* neg: the smallest effect of interest, absolute, or a fraction of |mean A|
 * when relative. */
static void pair_stats(cmp_row *row, const double *a, const double *b, int R, int n_boot,
                       double neg, int relative)
{
    double *d = ps_calloc((size_t)R + 1, sizeof *d), *va = ps_calloc((size_t)R + 1, sizeof *va);
    double sb = 0;
    int n = 0;
    for (int r = 0; d && va && r < R; r++)
        if (isfinite(a[r]) && isfinite(b[r])) {
            d[n] = b[r] - a[r];
            va[n++] = a[r];
            sb += b[r];
        }
    row->n = n;
    row->mean_a = n ? gsl_stats_mean(va, 1, (size_t)n) : NAN;
    row->mean_b = n ? sb / n : NAN;
    row->mean = n ? gsl_stats_mean(d, 1, (size_t)n) : NAN;
    row->sd_a = n > 1 ? gsl_stats_sd(va, 1, (size_t)n) : NAN;
    row->rel = row->mean_a != 0 ? row->mean / fabs(row->mean_a) : NAN;
    /* A that does not vary: no scale, unless there is no difference either. */
    row->std = row->sd_a > 0 ? row->mean / row->sd_a : row->mean == 0 ? 0.0 : NAN;
    row->negligible = relative ? neg * fabs(row->mean_a) : neg;
    ps_bootstrap_mean_ci(d, n, n_boot, BOOT_SEED, &row->lo, &row->hi);
    int all_zero = 1;
    for (int i = 0; i < n; i++)
        all_zero &= d[i] == 0.0;
    double e = isfinite(row->negligible) ? row->negligible : 0.0;
    if (n == 0)
        row->verdict = "undefined (NaN in every replicate)";
    else if (n < 2)
        row->verdict = "too few replicates";
    else if (all_zero)
        row->verdict = "identical";
    else if (row->lo >= -e && row->hi <= e)
        row->verdict = "negligible";
    else if (row->lo > 0)
        row->verdict = "higher";
    else if (row->hi < 0)
        row->verdict = "lower";
    else
        row->verdict = "no clear difference";
    free(d);
    free(va);
}

typedef struct {
    const char *path;
    hid_t file;
    long long replicates;
    uint64_t seed;
    char **iso3, **dates;
    hsize_t n_iso3, n_dates;
    char lineage[512];        /* "run <- parent <- root" or "" (not recorded) */
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
    if (g >= 0 && ps_h5_get_str(g, "lineage", f->lineage, sizeof f->lineage) < 0)
        f->lineage[0] = '\0';
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
            ps_name_list have = {0};
            if (H5Lexists(f->file, "summary", H5P_DEFAULT) > 0)
                ps_h5_list_datasets(f->file, "summary", &have);
            const char *near = ps_did_you_mean(spec, (const char *const *)have.names, have.n);
            ps_status st = ps_error_set(err, PS_ERR_INPUT, "%s: no summary metric '%s'%s%s%s; "
                                        "expected a metric of /summary (pactsim info lists them) "
                                        "or var:ISO3 / var:SRC:DST with --at", f->path, spec,
                                        near ? " (did you mean '" : "", near ? near : "",
                                        near ? "'?)" : "");
            ps_name_list_free(&have);
            return st;
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

#define NOTE_LEN 1280 /* one mismatch note: two lineages and the words */

/* The n notes of mismatches() in one text, "a; b; c". */
static void join_notes(char *out, size_t len, char notes[][NOTE_LEN], int n)
{
    out[0] = '\0';
    for (int q = 0; q < n; q++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", q ? "; " : "", notes[q]);
}

/* The root of a lineage "run <- parent <- root". */
static const char *lineage_root(const char *l)
{
    const char *r = l, *p;
    while ((p = strstr(r, " <- ")))
        r = p + 4;
    return r;
}

static int has_name(char **v, hsize_t n, const char *s)
{
    for (hsize_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return 1;
    return 0;
}

/* Append the names of x missing from y to buf (at most 8, then "..."); count them. */
static int missing_from(char **x, hsize_t nx, char **y, hsize_t ny, char *buf, size_t len)
{
    int m = 0;
    size_t used = strlen(buf);
    for (hsize_t i = 0; i < nx; i++)
        if (!has_name(y, ny, x[i]) && m++ < 8 && used < len)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", m > 1 ? " " : "", x[i]);
    if (m > 8 && used < len)
        snprintf(buf + used, len - used, " ...");
    return m;
}

/* What makes A and B not comparable, one note per difference (actors, months,
 * lineage); returns the number of notes. */
static int mismatches(const run_file *a, const run_file *b, char notes[3][NOTE_LEN])
{
    int n = 0;
    char ina[400] = "", inb[400] = "";
    int ma = missing_from(a->iso3, a->n_iso3, b->iso3, b->n_iso3, ina, sizeof ina);
    int mb = missing_from(b->iso3, b->n_iso3, a->iso3, a->n_iso3, inb, sizeof inb);
    if (ma || mb)
        snprintf(notes[n++], NOTE_LEN, "different actors (%d in A, %d in B, %d in common; only in "
                 "A: %s; only in B: %s)", (int)a->n_iso3, (int)b->n_iso3,
                 (int)a->n_iso3 - ma, ma ? ina : "none", mb ? inb : "none");
    const char *a0 = a->n_dates ? a->dates[0] : "?", *a1 = a->n_dates ? a->dates[a->n_dates - 1] : "?";
    const char *b0 = b->n_dates ? b->dates[0] : "?", *b1 = b->n_dates ? b->dates[b->n_dates - 1] : "?";
    if (a->n_dates != b->n_dates || strcmp(a0, b0) || strcmp(a1, b1)) {
        /* Months are YYYY-MM: the common span compares as text. */
        const char *c0 = strcmp(a0, b0) > 0 ? a0 : b0, *c1 = strcmp(a1, b1) < 0 ? a1 : b1;
        char common[64];
        if (strcmp(c0, c1) <= 0)
            snprintf(common, sizeof common, "%s to %s", c0, c1);
        else
            snprintf(common, sizeof common, "none");
        snprintf(notes[n++], NOTE_LEN, "different periods (A: %s to %s, B: %s to %s; months in "
                 "common: %s)", a0, a1, b0, b1, common);
    }
    if (!a->lineage[0] || !b->lineage[0])
        snprintf(notes[n++], NOTE_LEN, "scenario lineage not recorded in %s (a file of an older "
                 "pactsim); expected /provenance attribute lineage",
                 !a->lineage[0] ? a->path : b->path);
    else if (strcmp(lineage_root(a->lineage), lineage_root(b->lineage)))
        snprintf(notes[n++], NOTE_LEN, "different scenario lineage (A: %s; B: %s: the extends "
                 "chains have different roots)", a->lineage, b->lineage);
    return n;
}

/* A value for a table cell: %.4g, or "-" when not finite. */
static const char *cell(char *buf, size_t len, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, len, fmt, v);
    else
        snprintf(buf, len, "-");
    return buf;
}

/* The JSON text of one string (names and units are plain, notes may hold quotes). */
static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

#define N_NUM 10
static const char *const num_key[N_NUM] = {"mean_a", "mean_b", "mean_diff", "ci_low", "ci_high",
                                           "sd_a", "rel_change", "std_diff", "negligible", NULL};

static void row_values(const cmp_row *r, double v[N_NUM])
{
    double x[N_NUM] = {r->mean_a, r->mean_b, r->mean, r->lo, r->hi, r->sd_a, r->rel, r->std,
                       r->negligible, 0};
    memcpy(v, x, sizeof x);
}

static void print_rows(FILE *fp, const cmp_row *rows, int n, const ps_compare_options *o,
                       int relative, const char *a, const char *b, char notes[3][NOTE_LEN],
                       int n_notes)
{
    const char *at = o->at;
    if (o->format == PS_FMT_CSV) {
        fprintf(fp, "metric,units,n");
        for (int q = 0; num_key[q]; q++)
            fprintf(fp, ",%s", num_key[q]);
        fprintf(fp, ",verdict\n");
        for (int k = 0; k < n; k++) {
            double v[N_NUM];
            row_values(&rows[k], v);
            fprintf(fp, "%s,%s,%d", rows[k].name, rows[k].unit, rows[k].n);
            for (int q = 0; num_key[q]; q++)
                if (isfinite(v[q]))
                    fprintf(fp, ",%.10g", v[q]);
                else
                    fprintf(fp, ",");
            fprintf(fp, ",%s\n", rows[k].verdict);
        }
    } else if (o->format == PS_FMT_JSON) {
        fprintf(fp, "{\"a\": ");
        json_str(fp, a);
        fprintf(fp, ", \"b\": ");
        json_str(fp, b);
        fprintf(fp, ", \"at\": %s%s%s, \"difference\": \"b - a\", \"interval\": \"bootstrap "
                "95%% (percentile)\", \"negligible\": ", at ? "\"" : "", at ? at : "null",
                at ? "\"" : "");
        json_str(fp, o->negligible_text ? o->negligible_text : PS_COMPARE_NEGLIGIBLE);
        fprintf(fp, ", \"mismatch\": [");
        for (int q = 0; q < n_notes; q++) {
            fprintf(fp, "%s", q ? ", " : "");
            json_str(fp, notes[q]);
        }
        fprintf(fp, "], \"rows\": [\n");
        for (int k = 0; k < n; k++) {
            const cmp_row *r = &rows[k];
            double v[N_NUM];
            row_values(r, v);
            fprintf(fp, "  {\"metric\": \"%s\", \"units\": \"%s\", \"n\": %d", r->name, r->unit,
                    r->n);
            for (int q = 0; num_key[q]; q++) {
                if (isfinite(v[q]))
                    fprintf(fp, ", \"%s\": %.10g", num_key[q], v[q]);
                else
                    fprintf(fp, ", \"%s\": null", num_key[q]);
            }
            fprintf(fp, ", \"verdict\": \"%s\"}%s\n", r->verdict, k + 1 < n ? "," : "");
        }
        fprintf(fp, "]}\n");
    } else {
        fprintf(fp, "B - A, paired by replicate (common random numbers); 95%% bootstrap "
                "intervals\nA: %s\nB: %s\n", a, b);
        for (int q = 0; q < n_notes; q++)
            fprintf(fp, "allowed mismatch: %s\n", notes[q]);
        if (at)
            fprintf(fp, "state variables at %s\n", at);
        fprintf(fp, "negligible: |B - A| within %s%s (the interval inside +-it)\n",
                o->negligible_text ? o->negligible_text : PS_COMPARE_NEGLIGIBLE,
                relative ? " of |mean A|" : "");
        fprintf(fp, "%-36s %4s %11s %11s %11s %24s %9s %9s %9s  %-19s  %s\n", "metric", "n",
                "mean A", "mean B", "B - A", "95% interval", "relative", "std diff",
                "negligible", "verdict", "units");
        for (int k = 0; k < n; k++) {
            const cmp_row *r = &rows[k];
            char ci[64], c1[32], c2[32], c3[32];
            snprintf(ci, sizeof ci, "[%.4g, %.4g]", r->lo, r->hi);
            fprintf(fp, "%-36s %4d %11.5g %11.5g %11.5g %24s %9s %9s %9s  %-19s  %s\n", r->name,
                    r->n, r->mean_a, r->mean_b, r->mean, ci,
                    cell(c1, sizeof c1, "%+.3g%%", 100 * r->rel),
                    cell(c2, sizeof c2, "%+.3g", r->std),
                    cell(c3, sizeof c3, "%.3g", r->negligible), r->verdict,
                    r->unit[0] ? r->unit : "-");
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
    char notes[3][NOTE_LEN], all[3 * NOTE_LEN + 8];
    int n_notes = mismatches(&a, &b, notes);
    join_notes(all, sizeof all, notes, n_notes);
    if (a.replicates != b.replicates || a.seed != b.seed) {
        /* Not pairable at all, so --allow-mismatch does not apply; the other
         * differences are named too, all in one message. */
        int both = a.replicates != b.replicates && a.seed != b.seed;
        st = ps_error_set(err, PS_ERR_INPUT, "%s and %s differ in %s (%lld replicates, seed "
                          "%llu vs %lld replicates, seed %llu)%s%s; expected runs with "
                          "the same replicates and seed, whose replicates share random streams "
                          "(common random numbers), so that they can be paired (--allow-mismatch "
                          "cannot pair them)", file_a, file_b,
                          both ? "replicates and seed"
                          : a.replicates != b.replicates ? "replicates" : "seed",
                          a.replicates, (unsigned long long)a.seed, b.replicates,
                          (unsigned long long)b.seed, n_notes ? "; also " : "", all);
        run_file_close(&a);
        run_file_close(&b);
        return st;
    }
    /* Refused, but only after the values are read: a file whose datasets
     * claim more than it holds is named as such first (ps_h5_check_size). */
    int refuse = n_notes && !(opt && opt->allow_mismatch);
    static const ps_compare_options defaults = {0};
    if (!opt)
        opt = &defaults;
    /* Default smallest effect of interest: PS_COMPARE_NEGLIGIBLE of |mean A|. */
    int relative = opt->negligible_text ? opt->negligible_relative : 1;
    double neg = opt->negligible_text ? opt->negligible : 0.01;
    ps_name_list names = {0};
    int n_boot = opt->n_boot > 0 ? opt->n_boot : 2000;
    const char *at = opt->at;
    if (opt->n_metrics > 0) {
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
            pair_stats(r, va, vb, (int)a.replicates, n_boot, neg, relative);
        }
        free(va);
        free(vb);
    }
    if (refuse && !(st != PS_OK && ps_h5_refused()[0]))
        st = ps_error_set(err, PS_ERR_INPUT, "%s and %s are not runs of one setting: "
                          "%s; expected two scenarios of the same actors, months and "
                          "lineage, which differ only in their assumptions (--allow-mismatch "
                          "compares them anyway, state variables of common actors and months "
                          "only)", file_a, file_b, all);
    if (st == PS_OK)
        print_rows(fp, rows, nr, opt, relative, file_a, file_b, notes, n_notes);
    ps_name_list_free(&names);
    free(rows);
    run_file_close(&a);
    run_file_close(&b);
    return st;
}
