/* pactsim score: proper scores of a run's replicates against observations
 * (docs/validation.md).
 *
 * The predictive distribution of an observation is the ensemble of the
 * model's equivalents x_1..x_m, each blurred by the observation's error:
 * F = (1/m) sum_i N(x_i, sd^2). The observation error belongs in the forecast
 * because the observation is the truth plus that error; without it an ensemble
 * that hits the truth is punished for the data's noise. CRPS, PIT and the
 * central intervals all use this F. The CRPS of a Gaussian mixture has a
 * closed form (Grimit, Gneiting, Berrocal & Johnson 2006, QJRMS 132:2925),
 * CRPS(F, y) = E|X - y| - E|X - X'| / 2 (Gneiting & Raftery 2007, JASA
 * 102:359, section 4.2), with E|N(mu, s^2)| = 2 s phi(mu/s) + mu (2 Phi(mu/s) - 1). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>

#include "internal.h"

/* E|Y| for Y ~ N(mu, s^2), s > 0. */
static double abs_mean(double mu, double s)
{
    double z = mu / s;
    return 2.0 * s * gsl_ran_ugaussian_pdf(z) + mu * (2.0 * gsl_cdf_ugaussian_P(z) - 1.0);
}

/* The finite members, sorted; NULL if none (or no memory). */
static double *finite_sorted(const double *x, int m, int *n)
{
    double *v = ps_calloc((size_t)m + 1, sizeof *v);
    *n = 0;
    for (int i = 0; v && i < m; i++)
        if (isfinite(x[i]))
            v[(*n)++] = x[i];
    if (v && *n == 0) {
        free(v);
        return NULL;
    }
    if (v)
        gsl_sort(v, 1, (size_t)*n);
    return v;
}

double ps_crps_mixture(const double *x, int m, double sd, double y)
{
    int n;
    double *v = finite_sorted(x, m, &n);
    if (!v || !isfinite(y))
        return free(v), NAN;
    double e1 = 0.0, e2 = 0.0;
    if (sd > 0) {
        for (int i = 0; i < n; i++)
            e1 += abs_mean(v[i] - y, sd);
        /* pairs i < j, each twice; i == j gives E|N(0, 2 sd^2)| */
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                e2 += 2.0 * abs_mean(v[j] - v[i], M_SQRT2 * sd);
        e2 += n * abs_mean(0.0, M_SQRT2 * sd);
    } else {
        /* sorted: sum_{i,j} |v_i - v_j| = 2 sum_i (2i - n + 1) v_i */
        for (int i = 0; i < n; i++) {
            e1 += fabs(v[i] - y);
            e2 += 2.0 * (2.0 * i - n + 1) * v[i];
        }
    }
    free(v);
    return e1 / n - 0.5 * e2 / ((double)n * n);
}

/* E|N(mu, s^2)|, or |mu| for s = 0 (no observation error). */
static double abs_mean0(double mu, double s)
{
    return s > 0 ? abs_mean(mu, s) : fabs(mu);
}

/* Leave-one-out CRPS by the same kernel form: with a_i = E|X_i - y| and the
 * pair terms b_ij = E|X_i - X_j| (b_ii included), CRPS = A / n - B / (2 n^2);
 * without member k, A - a_k over n - 1 and B - 2 sum_j b_kj + b_kk over
 * (n - 1)^2. O(n^2), as the CRPS itself. */
int ps_crps_mixture_loo(const double *x, int m, double sd, double y, double *loo)
{
    int n = 0;
    for (int i = 0; i < m; i++)
        n += isfinite(x[i]);
    /* a[i] and the row sums rs[i] = sum_j b_ij of the finite members */
    double *a = n >= 2 && isfinite(y) ? ps_calloc(2 * (size_t)m, sizeof *a) : NULL;
    if (!a)
        return -1;
    double *rs = a + m, A = 0.0, B = 0.0, bkk = abs_mean0(0.0, M_SQRT2 * sd);
    for (int i = 0; i < m; i++) {
        if (!isfinite(x[i]))
            continue;
        A += a[i] = abs_mean0(x[i] - y, sd);
        rs[i] += bkk;
        for (int j = i + 1; j < m; j++)
            if (isfinite(x[j])) {
                double b = abs_mean0(x[j] - x[i], M_SQRT2 * sd);
                rs[i] += b;
                rs[j] += b;
            }
    }
    for (int i = 0; i < m; i++)
        B += isfinite(x[i]) ? rs[i] : 0.0;
    double n1 = n - 1.0;
    for (int k = 0; k < m; k++)
        loo[k] = isfinite(x[k])
                     ? (A - a[k]) / n1 - 0.5 * (B - 2.0 * rs[k] + bkk) / (n1 * n1)
                     : NAN;
    free(a);
    return 0;
}

double ps_jackknife_se(const double *v, int m)
{
    double sum = 0.0, ss = 0.0;
    int n = 0;
    for (int i = 0; i < m; i++)
        if (isfinite(v[i])) {
            sum += v[i];
            n++;
        }
    if (n < 2)
        return NAN;
    double mean = sum / n;
    for (int i = 0; i < m; i++)
        if (isfinite(v[i]))
            ss += (v[i] - mean) * (v[i] - mean);
    return sqrt((n - 1.0) / n * ss);
}

double ps_mixture_cdf(const double *x, int m, double sd, double y)
{
    double s = 0.0;
    int n = 0;
    for (int i = 0; i < m; i++) {
        if (!isfinite(x[i]))
            continue;
        n++;
        s += sd > 0 ? gsl_cdf_ugaussian_P((y - x[i]) / sd) : (x[i] <= y);
    }
    return n ? s / n : NAN;
}

double ps_mixture_quantile(const double *x, int m, double sd, double p)
{
    int n;
    double *v = finite_sorted(x, m, &n);
    if (!v || !(p > 0 && p < 1))
        return free(v), NAN;
    double q;
    if (sd > 0) {
        /* bisection on the mixture's CDF, which is increasing; the quantile lies
         * between the members' p-quantiles of N(min, sd^2) and N(max, sd^2) */
        double z = gsl_cdf_ugaussian_Pinv(p);
        double lo = v[0] + z * sd, hi = v[n - 1] + z * sd;
        for (int it = 0; it < 200 && hi - lo > 1e-12 * (fabs(lo) + fabs(hi) + sd); it++) {
            double mid = 0.5 * (lo + hi);
            if (ps_mixture_cdf(v, n, sd, mid) < p)
                lo = mid;
            else
                hi = mid;
        }
        q = 0.5 * (lo + hi);
    } else {
        int k = (int)ceil(p * n) - 1; /* the smallest member with F >= p */
        q = v[k < 0 ? 0 : k];
    }
    free(v);
    return q;
}

/* ------------------------------------------------------------ scoring */
typedef struct {
    int k;                     /* observation */
    int members;
    double mean, q[4];         /* q05, q25, q75, q95 */
    double crps, crps_se, pit; /* crps_se: its jackknife standard error over the replicates */
    int in50, in90;
    double naive[2], crps_naive[2], skill[2]; /* persistence, trend; NaN: n/a */
} score_row;

/* Months since year 0 of the middle of o's period: where a trend is read. */
static double obs_time(const ps_obs *o)
{
    return o->annual ? o->date.year * 12.0 + 5.5 : o->date.year * 12.0 + o->date.month - 1;
}

static int obs_end(const ps_obs *o) /* months since year 0 of the period's last month */
{
    return o->date.year * 12 + (o->annual ? 11 : o->date.month - 1);
}

static int same_series(const ps_obs *a, const ps_obs *b)
{
    return a->field == b->field && a->actor == b->actor && a->target == b->target &&
           a->annual == b->annual && a->transform == b->transform;
}

/* Persistence and linear-trend forecasts of s->obs[k] from the rows of its
 * series that end before the origin. */
static void naive_forecasts(const ps_obs_set *s, int k, int origin, double fc[2])
{
    const ps_obs *o = &s->obs[k];
    double *t = ps_calloc((size_t)s->n + 1, sizeof *t), *y = ps_calloc((size_t)s->n + 1, sizeof *y);
    int n = 0, latest = -1;
    fc[0] = fc[1] = NAN;
    for (int j = 0; t && y && j < s->n; j++) {
        const ps_obs *h = &s->obs[j];
        if (!same_series(o, h) || obs_end(h) >= origin)
            continue;
        t[n] = obs_time(h);
        y[n++] = h->value;
        if (latest < 0 || obs_end(h) > obs_end(&s->obs[latest]))
            latest = j;
    }
    if (latest >= 0)
        fc[0] = s->obs[latest].value;
    double c0, c1, c00, c01, c11, ss;
    if (n >= 2 && gsl_fit_linear(t, 1, y, 1, (size_t)n, &c0, &c1, &c00, &c01, &c11, &ss) == 0)
        fc[1] = c0 + c1 * obs_time(o);
    free(t);
    free(y);
}

/* loo[0..R): the row's leave-one-replicate-out CRPS (the CRPS itself throughout
 * if it has none), for the total's standard error. */
static void score_one(const ps_obs_set *s, int k, const double *x, int R, int origin,
                      score_row *row, double *loo)
{
    const ps_obs *o = &s->obs[k];
    memset(row, 0, sizeof *row);
    row->k = k;
    double sum = 0.0;
    for (int r = 0; r < R; r++)
        if (isfinite(x[r])) {
            row->members++;
            sum += x[r];
        }
    row->mean = row->members ? sum / row->members : NAN;
    static const double p[4] = {0.05, 0.25, 0.75, 0.95};
    for (int q = 0; q < 4; q++)
        row->q[q] = ps_mixture_quantile(x, R, o->sd, p[q]);
    row->crps = ps_crps_mixture(x, R, o->sd, o->value);
    row->crps_se = NAN;
    if (ps_crps_mixture_loo(x, R, o->sd, o->value, loo) == 0)
        row->crps_se = ps_jackknife_se(loo, R);
    for (int r = 0; r < R; r++) /* a replicate without this row changes nothing in it */
        if (!isfinite(loo[r]) || !isfinite(row->crps_se))
            loo[r] = row->crps;
    row->pit = ps_mixture_cdf(x, R, o->sd, o->value);
    row->in50 = o->value >= row->q[1] && o->value <= row->q[2];
    row->in90 = o->value >= row->q[0] && o->value <= row->q[3];
    naive_forecasts(s, k, origin, row->naive);
    for (int j = 0; j < 2; j++) {
        row->crps_naive[j] = isfinite(row->naive[j])
                                 ? ps_crps_mixture(&row->naive[j], 1, o->sd, o->value) : NAN;
        row->skill[j] = isfinite(row->crps_naive[j]) && row->crps_naive[j] > 0
                            ? 1.0 - row->crps / row->crps_naive[j] : NAN;
    }
}

typedef struct {
    int n;                     /* observations scored (with members) */
    double crps_sd, crps_sd_se, cover50, cover90, pit;
    int n_naive[2];
    double crps_sd_naive[2], skill[2];
} score_total;

/* Totals in sd units (CRPS / sd), since observations of different variables
 * have different units; skill = 1 - sum CRPS/sd / sum CRPS_naive/sd over the
 * observations that have the naive forecast. */
static void score_totals(const ps_obs_set *s, const score_row *rows, int n, const double *loo,
                         int R, score_total *t)
{
    memset(t, 0, sizeof *t);
    double model_on[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        const score_row *r = &rows[i];
        if (!r->members)
            continue;
        double sd = s->obs[r->k].sd;
        t->n++;
        t->crps_sd += r->crps / sd;
        t->cover50 += r->in50;
        t->cover90 += r->in90;
        t->pit += r->pit;
        for (int j = 0; j < 2; j++)
            if (isfinite(r->crps_naive[j])) {
                t->n_naive[j]++;
                t->crps_sd_naive[j] += r->crps_naive[j] / sd;
                model_on[j] += r->crps / sd;
            }
    }
    double d = t->n ? t->n : NAN;
    t->crps_sd /= d;
    t->cover50 /= d;
    t->cover90 /= d;
    t->pit /= d;
    for (int j = 0; j < 2; j++) {
        t->skill[j] = t->n_naive[j] && t->crps_sd_naive[j] > 0
                          ? 1.0 - model_on[j] / t->crps_sd_naive[j] : NAN;
        t->crps_sd_naive[j] = t->n_naive[j] ? t->crps_sd_naive[j] / t->n_naive[j] : NAN;
    }
    /* Its standard error: the total without replicate r is the mean of the rows'
     * CRPS/sd without it, so the rows' errors (which share the replicates) add
     * with their correlations. */
    t->crps_sd_se = NAN;
    double *tot = t->n && R >= 2 ? ps_calloc((size_t)R, sizeof *tot) : NULL;
    if (!tot)
        return;
    for (int i = 0; i < n; i++)
        if (rows[i].members)
            for (int r = 0; r < R; r++)
                tot[r] += loo[(size_t)i * R + r] / s->obs[rows[i].k].sd / t->n;
    t->crps_sd_se = ps_jackknife_se(tot, R);
    free(tot);
}

/* ------------------------------------------------------------ printing */
static void json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c < 0x20)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void csv_str(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void num(FILE *fp, ps_format fmt, double v, int width)
{
    if (!isfinite(v) && fmt == PS_FMT_TABLE)
        fprintf(fp, "%*s", width, "n/a");
    else if (!isfinite(v))
        fputs(fmt == PS_FMT_JSON ? "null" : "n/a", fp);
    else if (fmt == PS_FMT_TABLE)
        fprintf(fp, "%*.4g", width, v);
    else
        fprintf(fp, "%.10g", v);
}

static const char *const row_keys[] = {
    "file", "line", "quantity", "actor", "target", "date", "transform", "value", "sd",
    "members", "mean", "q05", "q25", "q75", "q95", "crps", "crps_sd", "pit", "in50", "in90",
    "crps_persistence", "skill_persistence", "crps_trend", "skill_trend", "crps_se"};
#define N_KEYS ((int)(sizeof row_keys / sizeof row_keys[0]))

/* Table columns: a space and at least 10 characters, or the header's width. */
static int col_width(int j)
{
    int w = (int)strlen(row_keys[j]) + 1;
    return j == 18 || j == 19 ? 5 : w > 11 ? w : 11;
}

/* Values of a row from "value" on (keys 7..). */
static void row_values(const ps_obs *o, const score_row *r, double v[N_KEYS])
{
    double w[] = {o->value, o->sd, r->members, r->mean, r->q[0], r->q[1], r->q[2], r->q[3],
                  r->crps, r->crps / o->sd, r->pit, r->in50, r->in90, r->crps_naive[0],
                  r->skill[0], r->crps_naive[1], r->skill[1], r->crps_se};
    for (int j = 7; j < N_KEYS; j++)
        v[j] = w[j - 7];
}

static void print_scores(FILE *fp, const ps_obs_set *s, const score_row *rows, int n,
                         const score_total *t, int n_history, const char *run, char origin[8],
                         const char *cutoff, ps_format fmt)
{
    double v[N_KEYS];
    if (fmt == PS_FMT_CSV) {
        for (int j = 0; j < N_KEYS; j++)
            fprintf(fp, "%s%s", row_keys[j], j + 1 < N_KEYS ? "," : "\n");
    } else if (fmt == PS_FMT_JSON) {
        fprintf(fp, "{\"run\": ");
        json_str(fp, run);
        fprintf(fp, ", \"origin\": \"%s\", \"cutoff\": \"%s\", \"predictive\": \"mixture of "
                "N(x_r, sd^2) over the replicates r\", \"history_rows\": %d, \"rows\": [\n",
                origin, cutoff, n_history);
    } else {
        fprintf(fp, "Scores of %s: predictive distribution = mixture of N(x_r, sd^2) over the "
                "replicates r\n(x_r: the model's equivalent of the observation in replicate r; "
                "sd: the observation error)\norigin %s: naive forecasts from the rows of the "
                "same series dated before it (%d such row%s)\n", run, origin, n_history,
                n_history == 1 ? "" : "s");
        fprintf(fp, "%-24s %-20s %-5s %-6s %-7s %-9s", "row", "quantity", "actor", "target",
                "date", "transform");
        for (int j = 7; j < N_KEYS; j++)
            fprintf(fp, " %*s", col_width(j) - 1, row_keys[j]);
        fputc('\n', fp);
    }
    for (int i = 0; i < n; i++) {
        const score_row *r = &rows[i];
        const ps_obs *o = &s->obs[r->k];
        char date[8], where[512];
        const char *q = ps_registry_field(o->field, NULL)->name;
        const char *tg = o->target >= 0 ? s->iso3[o->target] : "";
        if (o->annual)
            snprintf(date, sizeof date, "%04d", o->date.year);
        else
            ps_date_format(o->date, date);
        row_values(o, r, v);
        if (fmt == PS_FMT_CSV) {
            csv_str(fp, o->file);
            fprintf(fp, ",%d,%s,%s,%s,%s,%s", o->line, q, s->iso3[o->actor], tg, date,
                    ps_obs_transform_name(o->transform));
            for (int j = 7; j < N_KEYS; j++) {
                fputc(',', fp);
                num(fp, fmt, v[j], 0);
            }
            fputc('\n', fp);
        } else if (fmt == PS_FMT_JSON) {
            fprintf(fp, "  {\"file\": ");
            json_str(fp, o->file);
            fprintf(fp, ", \"line\": %d, \"quantity\": \"%s\", \"actor\": \"%s\", \"target\": "
                    "\"%s\", \"date\": \"%s\", \"transform\": \"%s\"", o->line, q,
                    s->iso3[o->actor], tg, date, ps_obs_transform_name(o->transform));
            for (int j = 7; j < N_KEYS; j++) {
                fprintf(fp, ", \"%s\": ", row_keys[j]);
                if (j == 18 || j == 19)
                    fputs(v[j] ? "true" : "false", fp);
                else
                    num(fp, fmt, v[j], 0);
            }
            fprintf(fp, "}%s\n", i + 1 < n ? "," : "");
        } else {
            const char *base = strrchr(o->file, '/');
            snprintf(where, sizeof where, "%s:%d", base ? base + 1 : o->file, o->line);
            fprintf(fp, "%-24s %-20s %-5s %-6s %-7s %-9s", where, q, s->iso3[o->actor], tg,
                    date, ps_obs_transform_name(o->transform));
            for (int j = 7; j < N_KEYS; j++) {
                if (j == 18 || j == 19)
                    fprintf(fp, " %4s", v[j] ? "yes" : "no");
                else
                    num(fp, fmt, v[j], col_width(j));
            }
            fputc('\n', fp);
        }
    }
    /* the totals: in sd units; coverage and PIT as fractions and means */
    double tv[] = {t->n, t->crps_sd, t->pit, t->cover50, t->cover90, t->crps_sd_naive[0],
                   t->skill[0], t->crps_sd_naive[1], t->skill[1], t->crps_sd_se};
    static const char *const tk[] = {"n", "crps_sd", "pit_mean", "coverage50", "coverage90",
                                     "crps_sd_persistence", "skill_persistence",
                                     "crps_sd_trend", "skill_trend", "crps_sd_se"};
    if (fmt == PS_FMT_CSV) {
        /* the total row: members = observations scored, in50/in90 = coverage,
         * pit = mean PIT, crps_* = means of CRPS/sd, crps_se = the standard
         * error of the mean CRPS/sd */
        fprintf(fp, "total,,,,,,,,,%d,,,,,,,", t->n);
        num(fp, fmt, t->crps_sd, 0);
        for (int j = 2; j < 10; j++) {
            fputc(',', fp);
            num(fp, fmt, tv[j], 0);
        }
        fputc('\n', fp);
    } else if (fmt == PS_FMT_JSON) {
        fprintf(fp, "], \"total\": {");
        for (int j = 0; j < 10; j++) {
            fprintf(fp, "%s\"%s\": ", j ? ", " : "", tk[j]);
            num(fp, fmt, tv[j], 0);
        }
        fprintf(fp, ", \"n_persistence\": %d, \"n_trend\": %d}}\n", t->n_naive[0],
                t->n_naive[1]);
    } else {
        fprintf(fp, "\ntotal over %d observation%s (CRPS in units of each observation's sd):\n",
                t->n, t->n == 1 ? "" : "s");
        fprintf(fp, "%10s %10s %10s %10s %10s %19s %19s %13s %13s\n", "crps/sd", "se",
                "mean pit", "cover50", "cover90", "crps/sd persistence", "skill persistence",
                "crps/sd trend", "skill trend");
        fprintf(fp, "%10.4g", t->crps_sd);
        num(fp, fmt, t->crps_sd_se, 11);
        fprintf(fp, " %10.4g %10.4g %10.4g", t->pit, t->cover50, t->cover90);
        num(fp, fmt, tv[5], 20);
        num(fp, fmt, tv[6], 20);
        num(fp, fmt, tv[7], 14);
        num(fp, fmt, tv[8], 14);
        fprintf(fp, "\n(naive forecasts for %d and %d of them; n/a: no earlier row of the "
                "series, or fewer than 2 for a trend)\n", t->n_naive[0], t->n_naive[1]);
    }
}

ps_status ps_score(const char *run_path, const char *const *obs_paths, int n_obs_paths,
                   const ps_score_options *opt, FILE *fp, ps_error *err)
{
    ps_score_options none = {0};
    if (!opt)
        opt = &none;
    char **iso3 = NULL;
    int n_actors = 0, T = 0;
    ps_date start;
    ps_status st = ps_obs_file_actors(run_path, &iso3, &n_actors, &start, &T, err);
    if (st != PS_OK)
        return st;
    ps_obs_options lo = {(const char *const *)iso3, n_actors, opt->cutoff, 0};
    ps_obs_set *s = NULL;
    st = ps_obs_load(obs_paths, n_obs_paths, &lo, &s, err);
    ps_obs_strings_free(iso3, n_actors);
    if (st != PS_OK)
        return st;
    ps_date od = start;
    if (opt->origin && (strlen(opt->origin) != 7 || ps_date_parse(opt->origin, &od))) {
        ps_obs_free(s);
        return ps_error_set(err, PS_ERR_USAGE, "origin '%s': expected YYYY-MM", opt->origin);
    }
    int origin = od.year * 12 + od.month - 1, n_use = 0;
    int first = start.year * 12 + start.month - 1;
    if (origin < first || origin > first + T - 1) {
        char a[8], b[8];
        ps_date_format(start, a);
        ps_date_format(ps_date_add(start, T - 1), b);
        ps_obs_free(s);
        return ps_error_set(err, PS_ERR_USAGE, "origin %s is outside the run (%s to %s); "
                            "expected a month of the run", opt->origin, a, b);
    }
    char *use = ps_calloc((size_t)s->n + 1, 1);
    score_row *rows = ps_calloc((size_t)s->n + 1, sizeof *rows);
    double *eq = NULL, *loo = NULL;
    int R = 0;
    if (!use || !rows)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int k = 0; st == PS_OK && k < s->n; k++)
        n_use += use[k] = obs_end(&s->obs[k]) >= origin;
    if (st == PS_OK && n_use == 0) {
        char ostr[8];
        ps_date_format(od, ostr);
        st = s->n ? ps_error_set(err, PS_ERR_INPUT, "no observation dated %s or later (%d before "
                                 "it); expected rows to score at or after the origin", ostr, s->n)
                  : ps_error_set(err, PS_ERR_INPUT, "the observation files hold no rows; expected "
                                 "at least one to score");
    }
    if (st == PS_OK)
        st = ps_obs_read_equivalents(run_path, s, use, &eq, &R, err);
    if (st == PS_OK && !(loo = ps_calloc((size_t)n_use * R + 1, sizeof *loo)))
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    int n = 0;
    for (int k = 0; st == PS_OK && k < s->n; k++)
        if (use[k]) {
            score_one(s, k, eq + (size_t)k * R, R, origin, &rows[n], loo + (size_t)n * R);
            n++;
        }
    if (st == PS_OK) {
        score_total t;
        score_totals(s, rows, n, loo, R, &t);
        char ostr[8];
        ps_date_format(od, ostr);
        const char *cut = opt->cutoff ? opt->cutoff : PS_OBS_CUTOFF;
        print_scores(fp, s, rows, n, &t, s->n - n_use, run_path, ostr, cut,
                     opt->format);
    }
    free(eq);
    free(loo);
    free(use);
    free(rows);
    ps_obs_free(s);
    return st;
}
