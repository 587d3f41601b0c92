/* The stylized-fact tests' shorthand over replicates.h: REPS replicates of a
 * config in configs/, actors by ISO3 code, months by date, and means of a
 * field between two dates. Include after replicates.h. */
#ifndef PS_TEST_FACTS_H
#define PS_TEST_FACTS_H
#define REPS 100
#define CONFIGS PS_SOURCE_DIR "/configs"

typedef rep_runs scenario_runs;

static int load_and_run(const char *file, scenario_runs *out)
{
    return rep_run(CONFIGS, file, NULL, REPS, out);
}

static void free_runs(scenario_runs *s) { rep_free(s); }

static void quantiles(double *x, double q[3]) { rep_quantiles(x, REPS, q); }

static void report(const char *fact, const char *what, double *x, int sign)
{
    rep_report(fact, what, x, REPS, sign);
}

static int A(const scenario_runs *s, const char *iso3)
{
    int i = ps_scenario_actor(s->sc, iso3);
    if (i < 0)
        fprintf(stderr, "actor %s missing\n", iso3);
    return i;
}

static int M(const ps_run *run, int y, int m) { return ps_run_month(run, y, m); }

static double dyad(const ps_run *run, const char *f, int i, int j, int y0, int m0, int y1, int m1)
{
    return ps_run_dyad_mean(run, f, i, j, M(run, y0, m0), M(run, y1, m1));
}

static double actor(const ps_run *run, const char *f, int i, int y0, int m0, int y1, int m1)
{
    return ps_run_actor_mean(run, f, i, M(run, y0, m0), M(run, y1, m1));
}

#endif
