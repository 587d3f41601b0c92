/* Runs: one replicate in memory, and all replicates of a scenario to a file.
 *
 * Replicates are independent (their random streams are keyed by replicate),
 * so OpenMP may run them in any order on any thread; the file is the same. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

void ps_run_free(ps_run *run)
{
    if (!run)
        return;
    if (run->series)
        for (int f = 0; f < ps_registry_n_fields(); f++)
            free(run->series[f]);
    free(run->series);
    free(run->metrics);
    free(run->events);
    free(run);
}

static ps_status run_alloc(const ps_scenario *sc, const ps_world *w, int replicate,
                           ps_run **out, ps_error *err)
{
    int nf = ps_registry_n_fields();
    ps_run *run = ps_calloc(1, sizeof *run);
    if (!run)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory allocating a run");
    run->sc = sc;
    run->replicate = replicate;
    run->n_months = sc->n_months;
    run->series = ps_calloc((size_t)nf + 1, sizeof *run->series);
    run->metrics = ps_calloc((size_t)ps_registry_n_metrics() + 1, sizeof(double));
    if (!run->series || !run->metrics)
        goto nomem;
    for (int f = 0; f < nf; f++) {
        run->series[f] = ps_calloc(ps_field_size(w, f) * (size_t)sc->n_months + 1,
                                   sizeof(double));
        if (!run->series[f])
            goto nomem;
    }
    *out = run;
    return PS_OK;
nomem:
    ps_run_free(run);
    return ps_error_set(err, PS_ERR_NOMEM,
                        "out of memory for the series of %d months", sc->n_months);
}

ps_status ps_run_replicate(const ps_scenario *sc, int replicate, int inner_threads,
                           ps_run **out, ps_error *err)
{
    *out = NULL;
    ps_world *w;
    ps_run *run = NULL;
    ps_status s = ps_world_create(sc, replicate, &w, err);
    if (s != PS_OK)
        return s;
    w->inner_threads = inner_threads > 0 ? inner_threads : 1;
    s = run_alloc(sc, w, replicate, &run, err);
    for (int t = 0; s == PS_OK && t < sc->n_months; t++) {
        s = ps_world_step(w, err);
        for (int f = 0; s == PS_OK && f < w->n_fields; f++) {
            size_t size = ps_field_size(w, f);
            memcpy(run->series[f] + (size_t)t * size, w->cur[f], size * sizeof(double));
        }
    }
    if (s == PS_OK) {
        run->events = w->log;
        run->n_events = w->n_log;
        w->log = NULL;
        for (int m = 0; m < ps_registry_n_metrics(); m++)
            run->metrics[m] = ps_registry_metric(m, NULL)->compute(run);
        *out = run;
    } else {
        ps_run_free(run);
    }
    ps_world_free(w);
    return s;
}

int ps_run_month(const ps_run *run, int year, int month)
{
    ps_date d = {year, month};
    int t = ps_date_diff(d, run->sc->start);
    if (t < 0)
        t = 0;
    if (t > run->n_months)
        t = run->n_months;
    return t;
}

static double series_mean(const ps_run *run, const char *field, size_t idx,
                          size_t size, int m0, int m1)
{
    int f = ps_field_index(field);
    if (f < 0 || m0 < 0 || m1 > run->n_months || m1 <= m0)
        return NAN;
    double s = 0.0;
    for (int t = m0; t < m1; t++)
        s += run->series[f][(size_t)t * size + idx];
    return s / (m1 - m0);
}

double ps_run_actor_mean(const ps_run *run, const char *field, int actor, int m0, int m1)
{
    return series_mean(run, field, (size_t)actor, (size_t)run->sc->n_actors, m0, m1);
}

double ps_run_dyad_mean(const ps_run *run, const char *field, int src, int dst,
                        int m0, int m1)
{
    size_t n = (size_t)run->sc->n_actors;
    return series_mean(run, field, (size_t)src * n + dst, n * n, m0, m1);
}

ps_status ps_sim_run(const ps_scenario *sc, const ps_sim_options *opt, ps_error *err)
{
    ps_output *o = NULL;
    struct stat st;
    if (opt->output && !opt->force && stat(opt->output, &st) == 0)
        return ps_error_set(err, PS_ERR_EXISTS,
                            "%s: output file exists; use --force to overwrite it",
                            opt->output);
    int threads = opt->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    if (opt->output) {
        ps_provenance prov = {opt->command_line ? opt->command_line : "", threads};
        ps_status s = ps_output_open(opt->output, sc, &prov, &o, err);
        if (s != PS_OK)
            return s;
    }
    /* With one replicate, the threads go inside the step instead. */
    int R = sc->replicates;
    int inner = R == 1 ? threads : 1;
    int outer = R == 1 ? 1 : threads;
    ps_status status = PS_OK;
    int failed_rep = R, done = 0;
    ps_error first = {PS_OK, ""};

#pragma omp parallel for schedule(dynamic, 1) num_threads(outer)
    for (int r = 0; r < R; r++) {
        int skip;
#pragma omp atomic read
        skip = failed_rep;
        if (skip < R || (opt->stop_flag && *opt->stop_flag))
            continue;
        ps_error e = {PS_OK, ""};
        ps_run *run = NULL;
        ps_status s = ps_run_replicate(sc, r, inner, &run, &e);
#pragma omp critical(ps_output)
        {
            if (s == PS_OK && o && failed_rep == R)
                s = ps_output_write_run(o, run, &e);
            if (s != PS_OK && r < failed_rep) { /* report the lowest failing replicate */
                failed_rep = r;
                status = s;
                first = e;
            }
            done++;
            if (opt->progress)
                opt->progress(done, R, opt->progress_user);
        }
        ps_run_free(run);
    }
    if (status == PS_OK && opt->stop_flag && *opt->stop_flag)
        status = ps_error_set(&first, PS_ERR_INTERRUPTED,
                              "interrupted after %d of %d replicates; no output written",
                              done, R);
    if (status != PS_OK) {
        ps_output_abort(o);
        if (err)
            *err = first;
        return status;
    }
    return o ? ps_output_commit(o, err) : PS_OK;
}
