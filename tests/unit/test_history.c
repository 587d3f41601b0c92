/* SF10, the backcast: configs/history_1979_2022.yaml on 100 replicates.
 *
 * "Russia-Iran cooperation is low in the 1980s (Soviet arms to Iraq), rises
 * after 1989, dips in 2006-2010, rises from 2011 and jumps in 2022." No event
 * in the scenario sets cooperation: the pattern has to come from the wars,
 * sanctions, UN votes and deployments through the models' mechanisms. Each
 * part is a paired contrast within a replicate; it holds when the central 95%
 * of replicates lie on the right side of zero (as in test_stylized_facts.c),
 * and the 95% interval of the mean difference is printed beside it. The
 * yearly series is printed first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "check.h"
#include "internal.h"

#define REPS 100
#define CONFIG PS_SOURCE_DIR "/configs/history_1979_2022.yaml"

static ps_scenario *sc;
static ps_run *run[REPS];
static int RUS, IRN;

/* RUS-IRN cooperation, mean over [y0-m0, y1-m1) of replicate r. */
static double coop(int r, int y0, int m0, int y1, int m1)
{
    const ps_run *u = run[r];
    return ps_run_dyad_mean(u, "cooperation", RUS, IRN, ps_run_month(u, y0, m0),
                            ps_run_month(u, y1, m1));
}

static double year(int r, int y) { return coop(r, y, 1, y + 1, 1); }

static void quantiles(const double *v, double q[3])
{
    double x[REPS];
    memcpy(x, v, sizeof x);
    gsl_sort(x, 1, REPS);
    q[0] = gsl_stats_quantile_from_sorted_data(x, 1, REPS, 0.025);
    q[1] = gsl_stats_quantile_from_sorted_data(x, 1, REPS, 0.5);
    q[2] = gsl_stats_quantile_from_sorted_data(x, 1, REPS, 0.975);
}

/* x > 0 in the central 95% of replicates (and print the mean's interval). */
static void positive(const char *what, const double *x)
{
    double q[3], mean = gsl_stats_mean(x, 1, REPS), sd = gsl_stats_sd(x, 1, REPS);
    double half = 1.96 * sd / sqrt((double)REPS);
    quantiles(x, q);
    printf("SF10 %-52s mean %+.4f [%+.4f, %+.4f]  replicates 95%% [%+.4f, %+.4f]\n", what, mean,
           mean - half, mean + half, q[0], q[2]);
    CHECK(q[0] > 0.0 && mean - half > 0.0, "SF10: %s should be positive", what);
}

int main(void)
{
    char reps[32];
    snprintf(reps, sizeof reps, "replicates=%d", REPS);
    const char *set[] = {reps};
    ps_error err = {PS_OK, ""};
    if (ps_scenario_load(CONFIG, set, 1, &sc, &err) != PS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(+ : failed)
    for (int r = 0; r < REPS; r++) {
        ps_error e = {PS_OK, ""};
        if (ps_run_replicate(sc, r, 1, NULL, &run[r], &e) != PS_OK) {
            fprintf(stderr, "replicate %d: %s\n", r, e.msg);
            failed++;
        }
    }
    if (failed)
        return 1;
    RUS = ps_scenario_actor(sc, "RUS");
    IRN = ps_scenario_actor(sc, "IRN");
    CHECK(RUS >= 0 && IRN >= 0, "RUS and IRN are in the history scenario");
    if (RUS < 0 || IRN < 0)
        return CHECK_DONE();

    /* The series: yearly means (1979: February-December; 2022: January-July). */
    double x[REPS], q[3];
    printf("RUS-IRN cooperation, yearly mean over %d replicates: median [2.5%%, 97.5%%]\n", REPS);
    for (int y = 1979; y <= 2022; y++) {
        for (int r = 0; r < REPS; r++)
            x[r] = year(r, y);
        quantiles(x, q);
        printf("  %d  %.4f [%.4f, %.4f]\n", y, q[1], q[0], q[2]);
    }
    for (int r = 0; r < REPS; r++)
        x[r] = coop(r, 2022, 6, 2022, 7);
    quantiles(x, q);
    printf("  2022-06  %.4f [%.4f, %.4f]\n", q[1], q[0], q[2]);

    /* Low in the 1980s: the war years below the months before the war. */
    for (int r = 0; r < REPS; r++)
        x[r] = coop(r, 1979, 2, 1980, 9) - coop(r, 1983, 1, 1988, 1);
    positive("1979-02..1980-08 minus 1983-1987 (Soviet arms to Iraq)", x);
    /* Rises after 1989. */
    for (int r = 0; r < REPS; r++)
        x[r] = year(r, 1995) - year(r, 1985);
    positive("1995 minus 1985 (reconciliation)", x);
    /* Dips in 2006-2010. */
    for (int r = 0; r < REPS; r++)
        x[r] = year(r, 2005) - year(r, 2008);
    positive("2005 minus 2008 (Russia backs UN sanctions)", x);
    /* Rises from 2011. */
    for (int r = 0; r < REPS; r++)
        x[r] = year(r, 2014) - year(r, 2010);
    positive("2014 minus 2010 (Syria)", x);
    /* Jumps in 2022. */
    for (int r = 0; r < REPS; r++)
        x[r] = coop(r, 2022, 6, 2022, 7) - year(r, 2021);
    positive("2022-06 minus 2021 (invasion of Ukraine)", x);

    for (int r = 0; r < REPS; r++)
        ps_run_free(run[r]);
    ps_scenario_free(sc);
    return CHECK_DONE();
}
