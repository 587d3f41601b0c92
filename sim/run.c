/* Runs: one replicate in memory, and all replicates of a scenario to a file.
 *
 * Replicates are independent (their random streams are keyed by replicate),
 * so OpenMP may run them in any order on any thread; the file is the same. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

void ps_run_free(ps_run *run)
{
    if (!run)
        return;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        if (run->series)
            free(run->series[f]);
        if (run->pairs)
            free(run->pairs[f]);
    }
    free(run->series);
    free(run->pairs);
    free(run->n_pairs);
    free(run->ends);
    free(run->metrics);
    free(run->events);
    free(run);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The dyad index of the k-th pair the metrics name for field f: 1, 0 if a
 * code is not an actor of sc, -1 past the last pair. */
static int named_pair(const ps_scenario *sc, int f, int k, size_t *id)
{
    char src[4], dst[4];
    if (!ps_registry_metric_pair(f, k, src, dst))
        return -1;
    int i = ps_scenario_actor(sc, src), j = ps_scenario_actor(sc, dst);
    if (i < 0 || j < 0) /* the metric is NaN without them */
        return 0;
    *id = (size_t)i * (size_t)sc->n_actors + (size_t)j;
    return 1;
}

/* (internal.h) */
int ps_run_kept_pairs(const ps_scenario *sc, int f, size_t *idx)
{
    int np = 0, rc;
    size_t id, other;
    for (int k = 0; (rc = named_pair(sc, f, k, &id)) >= 0; k++) {
        int seen = 0;
        for (int e = 0; rc && e < k && !seen; e++)
            seen = named_pair(sc, f, e, &other) == 1 && other == id;
        if (!rc || seen)
            continue;
        if (idx)
            idx[np] = id;
        np++;
    }
    if (idx)
        qsort(idx, (size_t)np, sizeof *idx, cmp_size);
    return np;
}

/* Values of global field f in a month of sc's state. */
static uint64_t sc_field_size(const ps_scenario *sc, int f)
{
    ps_shape sh = ps_registry_field(f, NULL)->shape;
    uint64_t n = (uint64_t)sc->n_actors;
    return n * (sh == PS_DYAD ? n : sh == PS_THEATER ? (uint64_t)sc->n_theaters : 1);
}

/* Values a month of field f's series: the pairs it keeps, or the field. */
static size_t series_width(const ps_run *run, int f)
{
    return run->pairs && run->pairs[f] ? (size_t)run->n_pairs[f]
                                       : (size_t)sc_field_size(run->sc, f);
}

/* Rows of f's series: one a month, or two (month 0, the last month) for a
 * field kept at its ends. */
static int series_rows(const ps_run *run, int f)
{
    if (run->ends && run->ends[f])
        return run->n_months < 2 ? run->n_months : 2;
    return run->n_months;
}

/* The row of f's series that holds month t, or -1. */
static int series_row(const ps_run *run, int f, int t)
{
    if (t < 0 || t >= run->n_months)
        return -1;
    if (!run->ends || !run->ends[f])
        return t;
    return t == 0 ? 0 : t == run->n_months - 1 ? 1 : -1;
}

/* (pactsim.h) */
const double *ps_run_series_month(const ps_run *run, int f, int t)
{
    if (f < 0 || f >= ps_registry_n_fields() || !run->series || !run->series[f])
        return NULL;
    int row = series_row(run, f, t);
    if (row < 0)
        return NULL;
    return run->series[f] + (size_t)row * series_width(run, f);
}

/* Keep the pairs the metrics name of the fields keep marks PS_SERIES_PAIRS. */
static int alloc_pairs(ps_run *run, const ps_scenario *sc, const unsigned char *keep)
{
    int nf = ps_registry_n_fields();
    run->pairs = ps_calloc((size_t)nf + 1, sizeof *run->pairs);
    run->n_pairs = ps_calloc((size_t)nf + 1, sizeof *run->n_pairs);
    if (!run->pairs || !run->n_pairs)
        return -1;
    for (int f = 0; f < nf; f++) {
        if (keep[f] != PS_SERIES_PAIRS)
            continue;
        int np = ps_run_kept_pairs(sc, f, NULL);
        if (!(run->pairs[f] = malloc(((size_t)np + 1) * sizeof **run->pairs)))
            return -1;
        run->n_pairs[f] = ps_run_kept_pairs(sc, f, run->pairs[f]);
    }
    return 0;
}

static ps_status run_alloc(const ps_scenario *sc, int replicate,
                           const unsigned char *keep, ps_run **out, ps_error *err)
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
    if (!run->series || !run->metrics || (keep && alloc_pairs(run, sc, keep)))
        goto nomem;
    if (keep && !(run->ends = ps_calloc((size_t)nf + 1, 1)))
        goto nomem;
    for (int f = 0; f < nf; f++) {
        if (keep && !keep[f])
            continue;
        if (keep)
            run->ends[f] = keep[f] == PS_SERIES_ENDS;
        run->series[f] = ps_calloc_series(series_width(run, f) * (size_t)series_rows(run, f)
                                          + 1, sizeof(double));
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

unsigned char *ps_run_keep_metrics(void)
{
    unsigned char *keep = malloc((size_t)ps_registry_n_fields() + 1);
    if (keep)
        ps_registry_metric_reads(keep);
    return keep;
}

unsigned char *ps_run_keep_fields(const unsigned char *fields)
{
    unsigned char *keep = ps_run_keep_metrics();
    for (int f = 0; keep && fields && f < ps_registry_n_fields(); f++)
        if (fields[f])
            keep[f] = PS_SERIES_ALL;
    return keep;
}

/* Test hook (tests/cli/test_numeric.sh): PACTSIM_TEST_INJECT_NAN=R:M puts a NaN
 * into gdp of the first actor of replicate R before month M is computed, so
 * that the numerical guard and the partial output can be tested on any
 * scenario. Never set it outside tests. */
static void inject_nan(ps_world *w, int replicate, int month)
{
    const char *e = getenv("PACTSIM_TEST_INJECT_NAN");
    int r, m, f = ps_field_index("gdp");
    if (e && f >= 0 && sscanf(e, "%d:%d", &r, &m) == 2 && r == replicate && m == month)
        w->cur[f][0] = NAN;
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* (internal.h) */
ps_status ps_run_replicate_into(const ps_scenario *sc, int replicate, int inner_threads,
                                const unsigned char *keep, ps_stop *stop, ps_world **wp,
                                ps_run **rp, int *usable, ps_error *err)
{
    return ps_run_replicate_ckpt(sc, replicate, inner_threads, keep, stop, wp, rp, usable,
                                 NULL, err);
}

/* Month t of field f into the run's series, if it keeps it. */
static void series_put(ps_run *run, const ps_world *w, int f, int t)
{
    int row = run->series[f] ? series_row(run, f, t) : -1;
    if (row < 0)
        return;
    size_t size = series_width(run, f);
    double *dst = run->series[f] + (size_t)row * size;
    if (run->pairs && run->pairs[f])
        for (size_t k = 0; k < size; k++)
            dst[k] = w->cur[f][run->pairs[f][k]];
    else
        memcpy(dst, w->cur[f], size * sizeof(double));
}

/* (internal.h) */
size_t ps_run_series_width(const ps_run *run, int f)
{
    return series_width(run, f);
}

/* Is a mid-run checkpoint due after month t (the months since the last one
 * are [saved, t + 1))? Not after the last month: the replicate is then saved
 * whole. */
static int midrun_due(const ps_midrun *mr, const ps_scenario *sc, int t, int saved,
                      double since)
{
    if (!mr || mr->every < 0 || t + 1 >= sc->n_months)
        return 0;
    return mr->every > 0 ? t + 1 - saved >= mr->every
                         : seconds_now() - since >= PS_MIDRUN_SECONDS;
}

/* (internal.h) */
ps_status ps_run_replicate_ckpt(const ps_scenario *sc, int replicate, int inner_threads,
                                const unsigned char *keep, ps_stop *stop, ps_world **wp,
                                ps_run **rp, int *usable, ps_midrun *mr, ps_error *err)
{
    *usable = 0;
    if (mr && !mr->ck)
        mr = NULL;
    if (mr) {
        mr->from = 0;
        mr->dropped[0] = '\0';
    }
    ps_status s;
    inner_threads = inner_threads > 0 ? inner_threads : 1;
    if (*wp) {
        (*wp)->inner_threads = inner_threads;
        s = ps_world_reset(*wp, replicate, err);
        if (s != PS_OK) {
            ps_world_free(*wp);
            *wp = NULL;
        }
    } else {
        s = ps_world_create_threads(sc, replicate, inner_threads, wp, err);
    }
    if (s != PS_OK)
        return s;
    ps_world *w = *wp;
    if (!*rp) {
        s = run_alloc(sc, replicate, keep, rp, err);
        if (s != PS_OK)
            return s;
    }
    ps_run *run = *rp;
    run->replicate = replicate;
    run->n_done = 0;
    free(run->events);
    run->events = NULL;
    run->n_events = 0;
    int t0 = 0, saved = 0; /* the first month to compute; the end of the last save */
    if (mr) {
        s = ps_ckpt_load_midrun(mr->ck, mr->unit, w, run, &t0, mr->dropped,
                                sizeof mr->dropped, err);
        if (s != PS_OK)
            return s;
        mr->from = saved = t0;
    }
    double since = mr ? seconds_now() : 0.0;
    for (int t = t0; t < sc->n_months; t++) {
        if (ps_stopped(stop)) {
            s = ps_error_set(err, PS_ERR_INTERRUPTED, "replicate %d interrupted at month %d",
                             replicate, t);
            /* Keep the months done (a best effort: the earlier saves stand). */
            ps_error ignored;
            if (mr && t > saved)
                ps_ckpt_save_midrun(mr->ck, mr->unit, w, run, saved, &ignored);
            break;
        }
        inject_nan(w, replicate, t);
        s = ps_world_step(w, err);
        if (s != PS_OK)
            break;
        /* In parallel over fields: a month's slice of a new series is first
         * touched here, and the kernel's zeroing of its pages was a third of a
         * one-thread run at N=1000 (docs/performance.md). */
        int nf = ps_registry_n_fields(); /* output fields: not the internal ones */
        if (!ps_inner_parallel(w)) {
            for (int f = 0; f < nf; f++)
                series_put(run, w, f, t);
        } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->inner_threads)
            for (int f = 0; f < nf; f++)
                series_put(run, w, f, t);
        }
        run->n_done = t + 1;
        if (midrun_due(mr, sc, t, saved, since)) {
            s = ps_ckpt_save_midrun(mr->ck, mr->unit, w, run, saved, err);
            if (s != PS_OK)
                break;
            saved = t + 1;
            since = seconds_now();
        }
    }
    if (s == PS_OK || s == PS_ERR_NUMERIC) {
        /* A failed run keeps the events of the months it completed; the
         * months it did not are NaN (a reused series holds another run's). */
        int ne = 0;
        for (int k = 0; k < w->n_log; k++)
            if (w->log[k].month < run->n_done)
                w->log[ne++] = w->log[k];
        run->events = w->log;
        run->n_events = ne;
        w->log = NULL;
        w->n_log = w->cap_log = 0;
        for (int f = 0; s != PS_OK && f < ps_registry_n_fields(); f++) {
            if (!run->series[f])
                continue;
            size_t size = series_width(run, f);
            for (int t = run->n_done; t < sc->n_months; t++) {
                int row = series_row(run, f, t);
                for (size_t k = 0; row >= 0 && k < size; k++)
                    run->series[f][(size_t)row * size + k] = NAN;
            }
        }
        for (int m = 0; m < ps_registry_n_metrics(); m++)
            run->metrics[m] = s == PS_OK ? ps_registry_metric(m, NULL)->compute(run) : NAN;
        *usable = 1;
    }
    return s;
}

ps_status ps_run_replicate(const ps_scenario *sc, int replicate, int inner_threads,
                           ps_stop *stop, ps_run **out, ps_error *err)
{
    *out = NULL;
    ps_world *w = NULL;
    ps_run *run = NULL;
    int usable;
    ps_status s = ps_run_replicate_into(sc, replicate, inner_threads, NULL, stop, &w, &run,
                                        &usable, err);
    if (usable)
        *out = run;
    else
        ps_run_free(run);
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

/* Where element idx of a field of `size` values a month is in f's series,
 * and the values a month there; 0 if the run does not keep it. */
static int series_slot(const ps_run *run, int f, size_t idx, size_t size, size_t *slot,
                       size_t *width)
{
    if (f < 0 || !run->series || !run->series[f])
        return 0;
    if (!run->pairs || !run->pairs[f]) {
        *slot = idx;
        *width = size;
        return 1;
    }
    const size_t *p = bsearch(&idx, run->pairs[f], (size_t)run->n_pairs[f], sizeof idx,
                              cmp_size);
    if (!p)
        return 0;
    *slot = (size_t)(p - run->pairs[f]);
    *width = (size_t)run->n_pairs[f];
    return 1;
}

static double series_mean(const ps_run *run, const char *field, size_t idx,
                          size_t size, int m0, int m1)
{
    int f = ps_field_index(field);
    size_t k, width;
    if (m0 < 0 || m1 > run->n_months || m1 <= m0 || !series_slot(run, f, idx, size, &k, &width))
        return NAN;
    double s = 0.0;
    for (int t = m0; t < m1; t++) {
        int row = series_row(run, f, t);
        s += row < 0 ? NAN : run->series[f][(size_t)row * width + k];
    }
    return s / (m1 - m0);
}

double ps_run_dyad(const ps_run *run, const char *field, int src, int dst, int t)
{
    size_t n = (size_t)run->sc->n_actors, k, width;
    int f = ps_field_index(field);
    if (t < 0 || t >= run->n_months || src < 0 || dst < 0 ||
        !series_slot(run, f, (size_t)src * n + (size_t)dst, n * n, &k, &width))
        return NAN;
    int row = series_row(run, f, t);
    return row < 0 ? NAN : run->series[f][(size_t)row * width + k];
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

double ps_run_actor_peak(const ps_run *run, const char *field)
{
    int f = ps_field_index(field);
    if (f < 0)
        return NAN;
    size_t n = (size_t)run->sc->n_actors * (size_t)series_rows(run, f);
    double peak = 0.0;
    for (size_t k = 0; k < n; k++)
        peak = ps_fmax(peak, run->series[f][k]);
    return peak;
}

__attribute__((format(printf, 2, 3)))
static void msg_append(ps_error *e, const char *fmt, ...)
{
    size_t len = strlen(e->msg);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg + len, sizeof e->msg - len, fmt, ap);
    va_end(ap);
}

int ps_threads(int requested)
{
#ifdef _OPENMP
    return requested > 0 ? requested : omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

/* "1.5 GiB" */
const char *ps_human_bytes(uint64_t b, char buf[32])
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)b;
    int k = 0;
    while (v >= 1024.0 && k < 6) {
        v /= 1024.0;
        k++;
    }
    snprintf(buf, 32, k ? "%.1f %s" : "%.0f %s", v, unit[k]);
    return buf;
}

/* a * b into *r; 1 on overflow. */
static int mul(uint64_t a, uint64_t b, uint64_t *r) { return __builtin_mul_overflow(a, b, r); }
static int add(uint64_t a, uint64_t b, uint64_t *r) { return __builtin_add_overflow(a, b, r); }

int ps_state_values(const ps_scenario *sc, uint64_t *E)
{
    return ps_state_values_kept(sc, NULL, E);
}

int ps_state_values_kept(const ps_scenario *sc, const unsigned char *keep, uint64_t *E)
{
    int over = 0;
    *E = 0;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        if (keep && (!keep[f] || keep[f] == PS_SERIES_ENDS))
            continue;
        uint64_t x = keep && keep[f] == PS_SERIES_PAIRS ? (uint64_t)ps_run_kept_pairs(sc, f, NULL)
                                                        : sc_field_size(sc, f);
        over |= add(*E, x, E);
    }
    return over;
}

int ps_series_values(const ps_scenario *sc, const unsigned char *keep, uint64_t *V)
{
    uint64_t x, rows = (uint64_t)(sc->n_months < 2 ? sc->n_months : 2);
    int over = ps_state_values_kept(sc, keep, V);
    over |= mul(*V, (uint64_t)sc->n_months, V);
    for (int f = 0; keep && f < ps_registry_n_fields(); f++) {
        if (keep[f] != PS_SERIES_ENDS)
            continue;
        over |= mul(sc_field_size(sc, f), rows, &x);
        over |= add(*V, x, V);
    }
    return over;
}

/* Before allocating anything: values per replicate-month (actors² for dyads),
 * the memory held at once (a world and a series per running replicate, and
 * per-replicate event logs kept until the end) against the machine's memory,
 * and the uncompressed file against the free space where it goes. */
static ps_status check_sizes(const ps_scenario *sc, int running, const unsigned char *keep,
                             const ps_sim_options *opt, ps_error *err)
{
    uint64_t E, x, per, mem, file, ev;
    uint64_t T = (uint64_t)sc->n_months, R = (uint64_t)sc->replicates;
    uint64_t nm = (uint64_t)ps_registry_n_metrics();
    int over = ps_state_values(sc, &E);
    over |= ps_series_values(sc, keep, &per);
    /* the kept series + two world buffers, 8 bytes a value (one
     * operation a statement: the operands of | are not sequenced) */
    over |= mul(E, 2, &x);
    over |= add(per, x, &per);
    over |= mul(per, 8, &per);
    over |= mul(per, (uint64_t)running, &mem);
    /* event logs: timeline events per replicate, kept twice at the end */
    over |= mul(R, (uint64_t)sc->n_events + 1, &ev);
    over |= mul(ev, 2 * sizeof(ps_event), &ev);
    over |= add(mem, ev, &mem);
    over |= mul(R, 64 + 8 * nm, &x);
    over |= add(mem, x, &mem);
    over |= mul(E, T, &file);
    over |= mul(file, R, &file);
    over |= mul(file, sc->out_float32 ? 4 : 8, &file); /* the stored type */
    over |= mul(R, 8 * nm, &x);
    over |= add(file, x, &file);
    if (over)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "scenario too large: %d actors (dyads: actors squared), %d "
                            "theaters, %d months, %d replicates and %d fields need more than "
                            "2^64 bytes; reduce actors, months or replicates",
                            sc->n_actors, sc->n_theaters, sc->n_months, sc->replicates,
                            ps_registry_n_fields());
    char a[32], b[32];
    const char *which;
    uint64_t limit = ps_memory_limit(&which);
    if (mem > limit)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "scenario too large: it needs %llu bytes (%s) of memory (%d "
                            "actors, %d months, %d replicates, %d at once), more than the "
                            "%s this process may use (%s); reduce actors, months, replicates "
                            "or --threads", (unsigned long long)mem, ps_human_bytes(mem, a),
                            sc->n_actors, sc->n_months, sc->replicates, running,
                            ps_human_bytes(limit, b), which);
    uint64_t avail = opt->output ? ps_out_free_bytes(opt->output) : UINT64_MAX;
    if (!opt->no_space_check && file > avail)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "%s: the output needs up to %llu bytes (%s) uncompressed "
                            "(%d replicates x %d months x %llu values), and its directory has "
                            "%s free; write elsewhere, reduce the run, or pass "
                            "--no-space-check if compression will make it fit",
                            opt->output, (unsigned long long)file, ps_human_bytes(file, a),
                            sc->replicates, sc->n_months, (unsigned long long)E,
                            ps_human_bytes(avail, b));
    return PS_OK;
}

/* A run read back from a checkpoint: metrics and events, no series. */
static ps_run *loaded_run(const ps_scenario *sc)
{
    ps_run *run = ps_calloc(1, sizeof *run);
    if (run && !(run->metrics = ps_calloc((size_t)ps_registry_n_metrics() + 1, sizeof(double)))) {
        free(run);
        return NULL;
    }
    if (run)
        run->sc = sc;
    return run;
}

/* Where the run starts: an existing output, an interrupted run's
 * checkpoints, --force and --resume. PS_OK with *done = 1: --resume found
 * this run's finished output. */
static ps_status check_existing(const ps_scenario *sc, const ps_sim_options *opt, int *done,
                                ps_error *err)
{
    struct stat st;
    *done = 0;
    size_t len = strlen(opt->output) + 16;
    char *partial = malloc(len);
    if (!partial)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    snprintf(partial, len, "%s.partial", opt->output);
    int have_final = stat(opt->output, &st) == 0, have_partial = stat(partial, &st) == 0;
    free(partial);
    if (!have_final || opt->force || (opt->resume && have_partial))
        return PS_OK;
    if (!opt->resume)
        return ps_error_set(err, PS_ERR_EXISTS,
                            "%s: output file exists; use --force to overwrite it", opt->output);
    uint64_t h = 0;
    if (ps_output_spec_hash(opt->output, &h) == PS_OK && h == ps_run_spec_hash(sc)) {
        *done = 1;
        return PS_OK;
    }
    return ps_error_set(err, PS_ERR_EXISTS, "%s: exists and is not this run's result (another "
                        "scenario, seed, replicate count or pactsim build); use --force to "
                        "overwrite it", opt->output);
}


static ps_status sim_run(const ps_scenario *sc, const ps_sim_options *opt, ps_error *err);

/* "; the N finished replicates are kept in DIR<how>", and the unfinished ones. */
static void kept_note(ps_error *e, int finished, int unfinished, const char *dir,
                      const char *how)
{
    if (finished > 0)
        msg_append(e, "; the %d finished replicates are kept in %s%s", finished, dir, how);
    else
        msg_append(e, "; the %d unfinished replicate%s kept in %s%s", unfinished,
                   unfinished == 1 ? " is" : "s are", dir, how);
    if (finished > 0 && unfinished > 0)
        msg_append(e, " (with %d unfinished replicate%s)", unfinished, unfinished == 1 ? "" : "s");
    if (unfinished > 0)
        msg_append(e, "; an unfinished replicate continues from the last month saved");
}

ps_status ps_sim_run(const ps_scenario *sc, const ps_sim_options *opt, ps_error *err)
{
    if (!opt->output)
        return sim_run(sc, opt, err);
    /* Never over a device, a FIFO, a directory or the run's own config (or
     * a file it extends); then one process per output. */
    const char *inputs[1] = {sc->inputs};
    char failed[4096];
    snprintf(failed, sizeof failed, "%s.failed.h5", opt->output);
    ps_status s = ps_out_check(opt->output, inputs, 1, err);
    if (s == PS_OK)
        s = ps_out_check(failed, inputs, 1, err);
    int lock = -1;
    if (s == PS_OK)
        s = ps_out_lock(opt->output, 0, &lock, err);
    if (s != PS_OK) {
        if (opt->stats)
            memset(opt->stats, 0, sizeof *opt->stats);
        return s;
    }
    s = sim_run(sc, opt, err);
    ps_out_unlock(opt->output, lock);
    return s;
}

/* sim_run's tasks (ps_drive): replicate r is read from its checkpoint or
 * computed, then packed and checkpointed, in parallel (sim_compute); only
 * the writes to the file and the counts are serialised (sim_commit). */
typedef struct {
    const ps_scenario *sc;
    const ps_sim_options *opt;
    ps_sim_stats *stats;
    ps_output *o;
    ps_ckpt *ck;
    const unsigned char *keep;  /* the series a replicate keeps (NULL: all) */
    int inner;                  /* threads inside a replicate's step */
    _Atomic int write_failed;   /* the file cannot be written: stop packing */
    int complete, done, n_ckpt, resumed, recomputed;
    int fail_month;             /* months the first failing replicate completed */
} sim_job;

/* A thread's world, run and compressed chunks, reused from one replicate to
 * the next (lrun holds replicates read from checkpoints), and what its
 * current replicate left for sim_commit. */
typedef struct {
    ps_world *w;
    ps_run *run, *lrun;
    ps_packed *pk;
    /* run --posterior: this thread's copy of the scenario, whose parameters
     * are those of each replicate's draw (its world is reset from it). */
    ps_scenario tsc;
    const ps_scenario *rsc;
    const ps_run *out;          /* the replicate to write; NULL: none */
    int loaded, saved;          /* read from / saved to its checkpoint */
    char damaged[PS_ERRMSG_MAX];/* its checkpoint was damaged: why */
    ps_midrun mr;
    ps_status ps;               /* packing or checkpointing it failed */
    ps_error pe;
} sim_thread;

static void sim_init(ps_drive *d, void *state, int thread)
{
    const sim_job *j = d->ctx;
    sim_thread *t = state;
    (void)thread;
    t->tsc = *j->sc;
    t->rsc = j->sc;
    if (j->sc->posterior) { /* each replicate sets its draw's values in the thread's copy */
        t->tsc.params = ps_params_copy(j->sc);
        t->tsc.inits = ps_inits_copy(j->sc);
        t->rsc = &t->tsc;
    }
}

static void sim_fini(ps_drive *d, void *state)
{
    const sim_job *j = d->ctx;
    sim_thread *t = state;
    ps_packed_free(t->pk);
    ps_run_free(t->run);
    ps_run_free(t->lrun);
    ps_world_free(t->w);
    if (t->rsc != j->sc) {
        ps_params_free(t->tsc.params);
        free(t->tsc.inits);
    }
}

static ps_status sim_compute(ps_drive *d, void *state, long long i, ps_error *e)
{
    sim_job *j = d->ctx;
    sim_thread *t = state;
    const ps_scenario *sc = j->sc;
    int r = (int)i;
    t->out = NULL;
    t->loaded = t->saved = 0;
    t->damaged[0] = '\0';
    t->mr = (ps_midrun){j->ck, r, j->opt->checkpoint_every, 0, ""};
    t->ps = PS_OK;
    t->pe = (ps_error){PS_OK, ""};
    ps_status s = PS_OK;
    if (j->ck && ps_ckpt_has(j->ck, r)) {
        if (!t->lrun && !(t->lrun = loaded_run(sc)))
            return ps_error_set(e, PS_ERR_NOMEM, "out of memory");
        s = ps_ckpt_load(j->ck, j->o, r, t->lrun, &t->pk, e);
        if (s == PS_OK) {
            t->loaded = 1;
            t->out = t->lrun; /* packed by the load */
            return PS_OK;
        }
        if (s != PS_ERR_INPUT)
            return s;
        snprintf(t->damaged, sizeof t->damaged, "%s", e->msg); /* compute it again */
        *e = (ps_error){PS_OK, ""};
    }
    if (sc->posterior) {
        if (!t->tsc.params || !t->tsc.inits)
            return ps_error_set(e, PS_ERR_NOMEM, "out of memory");
        ps_posterior_apply(sc->posterior, r, NULL, &t->tsc);
    }
    int usable;
    s = ps_run_replicate_ckpt(t->rsc, r, j->inner, j->keep, j->opt->stop_flag, &t->w, &t->run,
                              &usable, j->ck ? &t->mr : NULL, e);
    t->out = usable ? t->run : NULL;
    /* Shuffle and deflate here, in parallel, and save the checkpoint;
     * only the writes of the compressed chunks are serialised. */
    int wf = atomic_load(&j->write_failed);
    if (t->out && j->o && !wf)
        t->ps = ps_output_pack(j->o, t->out, &t->pk, &t->pe);
    if (t->out && j->ck && !wf && s == PS_OK && t->ps == PS_OK) {
        t->ps = ps_ckpt_save(j->ck, t->out, t->pk, &t->pe);
        if (t->ps == PS_OK) {
            t->saved = 1;
            ps_ckpt_remove_midrun(j->ck, r);
        } else {
            char m[PS_ERRMSG_MAX];
            snprintf(m, sizeof m, "%s", t->pe.msg);
            ps_error_set(&t->pe, t->ps, "%s: %s", j->opt->output, m);
        }
    }
    return s;
}

static ps_status sim_commit(ps_drive *d, void *state, long long i, ps_status s, ps_error *e)
{
    sim_job *j = d->ctx;
    sim_thread *t = state;
    ps_sim_stats *stats = j->stats;
    int r = (int)i, damaged = t->damaged[0] != '\0', dropped = t->mr.dropped[0] != '\0';
    j->resumed += t->loaded;
    j->recomputed += damaged + dropped;
    j->n_ckpt += t->saved - damaged;
    if (!stats->dropped[0] && (damaged || dropped))
        snprintf(stats->dropped, sizeof stats->dropped, "%s",
                 damaged ? t->damaged : t->mr.dropped);
    if (t->mr.from > 0 && (!stats->continued || r < stats->continued_replicate)) {
        stats->continued_replicate = r;
        stats->continued_month = t->mr.from;
    }
    stats->continued += t->mr.from > 0;
    /* Complete runs, and the months a failed run completed, go to the
     * file while it can still be written. */
    if (t->out && j->o && !j->write_failed) {
        ps_error we = t->pe;
        ps_status ws = t->ps == PS_OK ? ps_output_write_packed(j->o, t->out, t->pk, &we) : t->ps;
        if (ws != PS_OK) {
            atomic_store(&j->write_failed, 1);
            s = ws;
            *e = we;
        }
    }
    if (s == PS_OK)
        j->complete++;
    else if (i < atomic_load(&d->failed)) /* it becomes the failure reported */
        j->fail_month = t->out ? t->out->n_done : 0;
    j->done++;
    if (j->opt->progress)
        j->opt->progress(j->done, j->sc->replicates, j->opt->progress_user);
    return s;
}

static ps_status sim_run(const ps_scenario *sc, const ps_sim_options *opt, ps_error *err)
{
    ps_output *o = NULL;
    ps_ckpt *ck = NULL;
    ps_sim_stats stats_local, *stats = opt->stats ? opt->stats : &stats_local;
    memset(stats, 0, sizeof *stats);
    if (opt->output) {
        int done;
        ps_status s = check_existing(sc, opt, &done, err);
        if (s != PS_OK || done) {
            stats->already_complete = done;
            return s;
        }
    }
    int threads = ps_threads(opt->threads);
    /* With one replicate, the threads go inside the step instead. */
    int R = sc->replicates;
    int inner = R == 1 ? threads : 1;
    int outer = R == 1 ? 1 : threads;
    /* With no file, the series are read only by the metrics; with a file
     * of some fields (output.fields), by the metrics and the file. */
    unsigned char *series = NULL;
    if ((!opt->output || sc->out_fields) &&
        !(series = ps_run_keep_fields(opt->output ? sc->out_fields : NULL)))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    ps_status cs = check_sizes(sc, outer < R ? outer : R, series, opt, err);
    if (cs != PS_OK) {
        free(series);
        return cs;
    }
    int had = 0, had_mid = 0; /* checkpoints found on starting: finished, unfinished */
    if (opt->output) {
        ps_status s = ps_ckpt_open(opt->output, sc, series, opt->resume, opt->force, &ck, err);
        if (s != PS_OK) {
            free(series);
            return s;
        }
        had = ps_ckpt_n_saved(ck);
        had_mid = ps_ckpt_n_midrun(ck);
        ps_provenance prov = {opt->command_line ? opt->command_line : "", threads};
        s = ps_output_open(opt->output, sc, &prov, &o, err);
        if (s != PS_OK) {
            ps_ckpt_close(ck, had + had_mid > 0);
            stats->kept = had;
            free(series);
            return s;
        }
    }
    sim_job job = {.sc = sc, .opt = opt, .stats = stats, .o = o, .ck = ck, .keep = series,
                   .inner = inner, .n_ckpt = had};
    ps_drive d = {.n = R, .threads = outer, .state_size = sizeof(sim_thread),
                  .stop = opt->stop_flag, .ctx = &job, .init = sim_init, .fini = sim_fini,
                  .compute = sim_compute, .commit = sim_commit};
    ps_drive_run(&d);
    free(series);
    ps_status status = d.status;
    ps_error first = d.first;
    int failed_rep = (int)atomic_load(&d.failed), complete = job.complete;
    int n_ckpt = job.n_ckpt, fail_month = job.fail_month, write_failed = job.write_failed;
    stats->resumed = job.resumed;
    stats->recomputed = job.recomputed;
    int interrupted = ps_stopped(opt->stop_flag) &&
                      (status == PS_OK || status == PS_ERR_INTERRUPTED);
    /* Checkpoints stay for --resume after an interruption, and after an I/O
     * failure of a run that was itself resumed; a numerical failure would
     * only happen again. */
    int unfinished = ck ? ps_ckpt_n_midrun(ck) : 0;
    int keep = ck && n_ckpt + unfinished > 0 &&
               (interrupted ||
                ((status == PS_ERR_IO || status == PS_ERR_NOMEM) && had + had_mid > 0));
    if (interrupted) {
        status = ps_error_set(&first, PS_ERR_INTERRUPTED,
                              "interrupted after %d of %d replicates; no output written",
                              complete, R);
        if (keep)
            kept_note(&first, n_ckpt, unfinished, ps_ckpt_dir(ck), ": run the same command "
                      "with --resume to continue");
    }
    if (status == PS_ERR_NUMERIC && o && !write_failed) {
        /* Keep what was computed, under a name that says it is incomplete. */
        char path[4096], kept[4096] = "", date[8];
        ps_error ce = {PS_OK, ""};
        ps_date_format(ps_date_add(sc->start, fail_month - 1), date);
        if (ps_output_commit_failed(o, first.msg, path, sizeof path, kept, sizeof kept, &ce) !=
            PS_OK)
            msg_append(&first, "; the partial results could not be kept: %s", ce.msg);
        else if (fail_month > 0)
            msg_append(&first, "; partial results kept in %s (%d complete replicates; "
                       "replicate %d up to %s)", path, complete, failed_rep, date);
        else
            msg_append(&first, "; partial results kept in %s (%d complete replicates; "
                       "replicate %d failed in its first month)", path, complete, failed_rep);
        if (kept[0])
            msg_append(&first, "; the earlier %s is kept as %s", path, kept);
        o = NULL;
    }
    if (status != PS_OK) {
        if (keep && !interrupted)
            kept_note(&first, n_ckpt, unfinished, ps_ckpt_dir(ck), " for --resume");
        stats->kept = keep ? n_ckpt : 0;
        ps_output_abort(o);
        ps_ckpt_close(ck, keep);
        if (err)
            *err = first;
        return status;
    }
    status = o ? ps_output_commit(o, err) : PS_OK;
    keep = status != PS_OK && n_ckpt > 0 && had + had_mid > 0;
    stats->kept = keep ? n_ckpt : 0;
    ps_ckpt_close(ck, keep);
    return status;
}
