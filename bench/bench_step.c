/* bench_step: time pactsim runs through the library, without the CLI.
 *
 *   bench_step CONFIG [--set K=V]... [-t THREADS] [-o FILE] [--repeat K] [--models]
 *
 * Loads the scenario once (not timed), then runs ps_sim_run K times (best
 * time kept) with no output file (-o absent: the runs stay in memory) or with
 * the full HDF5 file. Prints one CSV row (header with --header):
 *
 *   n_actors,months,replicates,threads,output,seconds,runs_per_s,
 *   actor_steps_per_s,dyad_updates_per_s,state_bytes,series_bytes
 *
 * actor-steps = N x months x replicates; dyad-updates = N (N - 1) x months x
 * replicates (one per ordered pair and month, all dyad fields together);
 * state_bytes = two buffers of every field (8 bytes a value); series_bytes =
 * the series a replicate holds: every field at every month with -o, the
 * fields the metrics read without it.
 *
 * --models: instead, step one world (replicate 0) and print the seconds per
 * month (months after the first, if there are more) each model's step and settle take (CSV: model,seconds_per_step), then the
 * engine's own work (copy cur -> next, events, finiteness check) as "engine"
 * and the whole step (the cost of a month) as "step".
 * Not a CTest test except the smoke run in bench/smoke.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pactsim_model.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_step CONFIG [--set K=V]... [-t THREADS] [-o FILE] "
                    "[--repeat K] [--models] [--header]\n");
    return 2;
}

static int per_model(const ps_scenario *sc, int threads, int repeat)
{
    ps_error err = {PS_OK, ""};
    int nm = ps_registry_count();
    double *t = calloc((size_t)nm + 1, sizeof *t);
    int steps = 0;
    for (int rep = 0; rep < repeat; rep++) {
        ps_world *w;
        if (ps_world_create(sc, 0, &w, &err) != PS_OK) {
            fprintf(stderr, "bench_step: %s\n", err.msg);
            return 1;
        }
        w->inner_threads = threads > 0 ? threads : 1;
        for (int m = 0; m < sc->n_months; m++) {
            /* Time each model's step on the world of month m, then do the
             * real step (which repeats them) to advance. The first month
             * is not counted when there are more: it also pays the first
             * touch of the models' scratch arrays, which is setup. */
            int timed = m > 0 || sc->n_months == 1;
            for (int f = 0; f < w->n_fields; f++)
                memcpy(w->next[f], w->cur[f], ps_field_size(w, f) * sizeof(double));
            for (int settle = 0; settle < 2; settle++) /* steps, then settles, as in a month */
                for (int k = 0; k < nm; k++) {
                    const ps_model *md = ps_registry_model(k);
                    ps_status (*fn)(ps_world *, int, void *, ps_error *) =
                        settle ? md->settle : md->step;
                    if (!fn)
                        continue;
                    double t0 = now();
                    fn(w, k, w->model_data[k], &err);
                    t[k] += timed ? now() - t0 : 0.0;
                }
            double t0 = now();
            if (ps_world_step(w, &err) != PS_OK) {
                fprintf(stderr, "bench_step: %s\n", err.msg);
                return 1;
            }
            t[nm] += timed ? now() - t0 : 0.0;
            steps += timed;
        }
        ps_world_free(w);
    }
    double models = 0.0;
    printf("model,seconds_per_step\n");
    for (int k = 0; k < nm; k++) {
        printf("%s,%.6g\n", ps_registry_model(k)->name, t[k] / steps);
        models += t[k];
    }
    printf("engine,%.6g\n", (t[nm] - models) / steps);
    /* The whole step (what a month costs): the engine's copy, every model,
     * the events and the checks, timed as one. */
    printf("step,%.6g\n", t[nm] / steps);
    free(t);
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *output = NULL;
    const char *sets[256];
    int n_sets = 0, threads = 1, repeat = 1, models = 0, header = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--set") && i + 1 < argc && n_sets < 256)
            sets[n_sets++] = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            output = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--models"))
            models = 1;
        else if (!strcmp(argv[i], "--header"))
            header = 1;
        else if (argv[i][0] != '-' && !config)
            config = argv[i];
        else
            return usage();
    }
    if (!config || repeat < 1)
        return usage();
    ps_scenario *sc;
    ps_error err = {PS_OK, ""};
    if (ps_scenario_load(config, sets, n_sets, &sc, &err) != PS_OK) {
        fprintf(stderr, "bench_step: %s\n", err.msg);
        return 2;
    }
    if (models) {
        int rc = per_model(sc, threads, repeat);
        ps_scenario_free(sc);
        return rc;
    }
    double best = 1e300;
    for (int rep = 0; rep < repeat; rep++) {
        ps_sim_options opt = {.threads = threads, .output = output, .force = 1,
                              .command_line = "bench_step", .no_space_check = 1};
        double t0 = now();
        ps_status s = ps_sim_run(sc, &opt, &err);
        double dt = now() - t0;
        if (s != PS_OK) {
            fprintf(stderr, "bench_step: %s\n", err.msg);
            return 1;
        }
        if (dt < best)
            best = dt;
    }
    double n = sc->n_actors, T = sc->n_months, R = sc->replicates;
    /* With no file a run keeps only the series its metrics read. */
    unsigned char *keep = malloc((size_t)ps_registry_n_fields() + 1);
    if (keep && !output)
        ps_registry_metric_reads(keep);
    uint64_t e, ek;
    ps_state_values_kept(sc, NULL, &e);
    ps_series_values(sc, output || !keep ? NULL : keep, &ek);
    free(keep);
    if (header)
        printf("n_actors,months,replicates,threads,output,seconds,runs_per_s,"
               "actor_steps_per_s,dyad_updates_per_s,state_bytes,series_bytes\n");
    printf("%d,%d,%d,%d,%s,%.6g,%.6g,%.6g,%.6g,%llu,%llu\n", sc->n_actors, sc->n_months,
           sc->replicates, threads, output ? "full" : "none", best, R / best,
           n * T * R / best, n * (n - 1) * T * R / best,
           (unsigned long long)(2 * e * sizeof(double)),
           (unsigned long long)(ek * sizeof(double)));
    ps_scenario_free(sc);
    return 0;
}
