/* Many replicates of a scenario, and the statistics the fact tests use: run
 * a config (with --set overrides) for up to REP_MAX replicates in parallel,
 * 2.5/50/97.5% quantiles over replicates, a fact checked on them, and the
 * Wilson interval of a frequency. Include after check.h. */
#ifndef PS_TEST_REPLICATES_H
#define PS_TEST_REPLICATES_H
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "pactsim.h"

#define REP_MAX 100

typedef struct {
    ps_scenario *sc;
    ps_run *run[REP_MAX];
    int reps;
} rep_runs;

/* dir/file with `replicates=reps` and the NULL-terminated overrides extra. */
static inline int rep_run(const char *dir, const char *file, const char *const *extra, int reps,
                          rep_runs *out)
{
    char path[1024], rs[32];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(rs, sizeof rs, "replicates=%d", reps);
    const char *set[16] = {rs};
    int ns = 1;
    while (extra && extra[ns - 1] && ns < 16) {
        set[ns] = extra[ns - 1];
        ns++;
    }
    out->reps = reps;
    ps_error err = {PS_OK, ""};
    if (reps > REP_MAX || ps_scenario_load(path, set, ns, &out->sc, &err) != PS_OK) {
        fprintf(stderr, "%s: %s\n", path, reps > REP_MAX ? "too many replicates" : err.msg);
        return -1;
    }
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : failed)
    for (int r = 0; r < reps; r++) {
        ps_error e = {PS_OK, ""};
        if (ps_run_replicate(out->sc, r, 1, NULL, &out->run[r], &e) != PS_OK) {
            fprintf(stderr, "%s replicate %d: %s\n", file, r, e.msg);
            failed++;
        }
    }
    return failed ? -1 : 0;
}

static inline void rep_free(rep_runs *s)
{
    for (int r = 0; r < s->reps; r++)
        ps_run_free(s->run[r]);
    ps_scenario_free(s->sc);
}

/* 2.5%, 50%, 97.5% of x[0..n) (sorts x). */
static inline void rep_quantiles(double *x, int n, double q[3])
{
    gsl_sort(x, 1, (size_t)n);
    q[0] = gsl_stats_quantile_from_sorted_data(x, 1, (size_t)n, 0.025);
    q[1] = gsl_stats_quantile_from_sorted_data(x, 1, (size_t)n, 0.5);
    q[2] = gsl_stats_quantile_from_sorted_data(x, 1, (size_t)n, 0.975);
}

/* A fact holds when the central 95% of replicates lie on the side of zero
 * that sign names; the figures are printed either way. */
static inline void rep_report(const char *fact, const char *what, double *x, int n, int sign)
{
    double q[3];
    rep_quantiles(x, n, q);
    printf("%-4s %-62s median %+.4g  95%% [%+.4g, %+.4g]\n", fact, what, q[1], q[0], q[2]);
    if (sign > 0)
        CHECK(q[0] > 0.0, "%s: %s should be positive in 95%% of replicates", fact, what);
    else
        CHECK(q[2] < 0.0, "%s: %s should be negative in 95%% of replicates", fact, what);
}

/* Wilson score interval (95%) for k successes in n trials. */
static inline void rep_wilson(int k, int n, double *lo, double *hi)
{
    const double z = 1.959963984540054;
    double p = (double)k / n, d = 1.0 + z * z / n;
    double c = (p + z * z / (2.0 * n)) / d;
    double h = z * sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / d;
    *lo = c - h;
    *hi = c + h;
}
#endif
