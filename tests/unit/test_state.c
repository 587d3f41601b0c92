/* All evolving state is in the world's fields: a world saved at month t
 * (every field's cur buffer, internal ones too, the month and the event log)
 * and restored into a freshly created world steps on exactly as a world that
 * never stopped, for every model of the registry and for scenarios whose
 * timelines exercise the events. Restoring with the internal fields zeroed
 * must change the result: the internal state is real state. The same
 * through the checkpoint files: a replicate run with mid-run checkpoints
 * and run again from them continues from the last one and gives the same
 * series, events and metrics. A run keeping only the series its metrics read
 * has the same metrics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

typedef struct {
    int month, n_log;
    double **cur;
    ps_event *log;
} snapshot;

static void snap_take(const ps_world *w, snapshot *s)
{
    s->month = w->month;
    s->n_log = w->n_log;
    s->cur = calloc((size_t)w->n_fields, sizeof *s->cur);
    for (int f = 0; f < w->n_fields; f++) {
        size_t n = ps_field_size(w, f);
        s->cur[f] = malloc((n ? n : 1) * sizeof(double));
        memcpy(s->cur[f], w->cur[f], n * sizeof(double));
    }
    s->log = malloc(((size_t)w->n_log + 1) * sizeof *s->log);
    memcpy(s->log, w->log, (size_t)w->n_log * sizeof *s->log);
}

static void snap_free(snapshot *s, int n_fields)
{
    for (int f = 0; f < n_fields; f++)
        free(s->cur[f]);
    free(s->cur);
    free(s->log);
}

/* The first field (by name) where two worlds differ bit for bit, or NULL. */
static const char *differs(const ps_world *a, const ps_world *b)
{
    for (int f = 0; f < a->n_fields; f++)
        if (memcmp(a->cur[f], b->cur[f], ps_field_size(a, f) * sizeof(double)))
            return ps_registry_field(f, NULL)->name;
    if (a->n_log != b->n_log)
        return "(event log length)";
    for (int k = 0; k < a->n_log; k++)
        if (a->log[k].month != b->log[k].month || a->log[k].type != b->log[k].type ||
            a->log[k].source != b->log[k].source || a->log[k].target != b->log[k].target ||
            memcmp(&a->log[k].magnitude, &b->log[k].magnitude, sizeof(double)) ||
            strcmp(a->log[k].id, b->log[k].id))
            return "(event log)";
    return NULL;
}

/* Step a straight through; at month t save b, free it, restore the state
 * into a new world (zeroing the internal fields if asked) and step it along
 * with a. Returns the first month at which they differ (-1: never) and the
 * field in *what. */
static int resume_at(const ps_scenario *sc, int t, int zero_internal, const char **what)
{
    ps_error err = {PS_OK, ""};
    ps_world *a = NULL, *b = NULL;
    CHECK(ps_world_create(sc, 0, &a, &err) == PS_OK, "%s", err.msg);
    CHECK(ps_world_create(sc, 0, &b, &err) == PS_OK, "%s", err.msg);
    int first = -1;
    *what = NULL;
    for (int m = 0; m < t; m++) {
        CHECK(ps_world_step(a, &err) == PS_OK, "%s", err.msg);
        CHECK(ps_world_step(b, &err) == PS_OK, "%s", err.msg);
    }
    snapshot s;
    snap_take(b, &s);
    ps_world_free(b);
    if (zero_internal)
        for (int f = ps_registry_n_fields(); f < ps_registry_n_state(); f++)
            memset(s.cur[f], 0, ps_field_size(a, f) * sizeof(double));
    CHECK(ps_world_create(sc, 0, &b, &err) == PS_OK, "%s", err.msg);
    CHECK(ps_world_restore(b, s.month, (const double *const *)s.cur, s.log, s.n_log, &err) ==
              PS_OK, "%s", err.msg);
    snap_free(&s, a->n_fields);
    CHECK(b->month == t, "restored month %d, expected %d", b->month, t);
    for (int m = t; m < sc->n_months && first < 0; m++) {
        CHECK(ps_world_step(a, &err) == PS_OK, "%s", err.msg);
        CHECK(ps_world_step(b, &err) == PS_OK, "%s", err.msg);
        if ((*what = differs(a, b)))
            first = m;
    }
    ps_world_free(a);
    ps_world_free(b);
    return first;
}

/* The scenario at rel (under the source directory); NULL after a failed check. */
static ps_scenario *load(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PS_SOURCE_DIR, rel);
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_scenario_load(path, NULL, 0, &sc, &err) == PS_OK, "%s: %s", rel, err.msg);
    return sc;
}

static void test_scenario(const char *rel, const int *months, int n)
{
    ps_scenario *sc = load(rel);
    if (!sc)
        return;
    const char *what;
    for (int k = 0; k < n; k++) {
        int first = resume_at(sc, months[k], 0, &what);
        CHECK(first < 0, "%s: restored at month %d, differs from month %d in %s", rel,
              months[k], first, what);
    }
    /* Without its internal state the world does go another way. */
    int first = resume_at(sc, months[n - 1], 1, &what);
    CHECK(first >= 0, "%s: zeroing the internal fields at month %d changed nothing", rel,
          months[n - 1]);
    printf("%s: restored at months", rel);
    for (int k = 0; k < n; k++)
        printf(" %d", months[k]);
    printf(": identical to %d months; internal fields zeroed: differs from month %d (%s)\n",
           sc->n_months, first, what ? what : "-");
    ps_scenario_free(sc);
}

/* Every model that keeps state from month to month declares it: the
 * models listed in docs/architecture.md have internal fields, and their
 * indices follow the output fields. */
static void test_registry(void)
{
    const char *const with_state[] = {"agreements", "clients", "cooperation", "economy",
                                      "military", "oil"};
    for (size_t k = 0; k < sizeof with_state / sizeof *with_state; k++) {
        int m = ps_registry_find(with_state[k]);
        CHECK(m >= 0 && ps_registry_model(m)->n_internal > 0, "%s has no internal field",
              with_state[k]);
        int g = ps_model_internal(m, 0), owner = -1;
        CHECK(g >= ps_registry_n_fields() && g < ps_registry_n_state(), "%s: index %d",
              with_state[k], g);
        const ps_field *fd = ps_registry_field(g, &owner);
        CHECK(fd && owner == m && fd == &ps_registry_model(m)->internal[0], "%s: lookup",
              with_state[k]);
        /* Not a field a config or an observation can name. */
        CHECK(fd && ps_field_index(fd->name) < 0, "%s: %s found as an output field",
              with_state[k], fd ? fd->name : "?");
    }
    ps_error err = {PS_OK, ""};
    CHECK(ps_registry_check(&err) == PS_OK, "%s", err.msg);
}

/* Run replicate 1 of sc with a checkpoint every `every` months, then again
 * from the checkpoints: same run, continued from the last one. sweep: as a
 * sweep's run 5 (ps_ckpt_open_segments) keeping only the series the metrics
 * read: the same metrics, events and those series, the others NaN for the
 * months restored; a directory of another sweep is refused. */
static void test_files(const char *rel, int every, int sweep)
{
    char dir[] = "/tmp/ps_test_state.XXXXXX", out[1100];
    ps_scenario *sc = load(rel);
    ps_error err = {PS_OK, ""};
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(out, sizeof out, "%s/%s", dir, sweep ? "sweep.h5.segments" : "run.h5");
    int nf = ps_registry_n_fields(), unit = sweep ? 5 : 1, n_saved = 0;
    unsigned char *mask = malloc((size_t)nf);
    ps_registry_metric_reads(mask);
    for (int f = 0; f < nf; f++)
        n_saved += sweep ? mask[f] != 0 : 1;
    ps_ckpt *ck = NULL;
    if (sc && sweep)
        CHECK(ps_ckpt_open_segments(out, "sweep.h5", 0x1234, 8, sc, mask, 0, 0, &ck, &err) ==
                  PS_OK, "%s", err.msg);
    else if (sc)
        CHECK(ps_ckpt_open(out, sc, NULL, 0, 0, &ck, &err) == PS_OK, "%s", err.msg);
    if (!sc || !ck) {
        free(mask);
        return;
    }
    ps_world *w[2] = {NULL, NULL};
    ps_run *run[2] = {NULL, NULL};
    ps_midrun mr[2] = {{ck, unit, every, 0, ""}, {ck, unit, every, 0, ""}};
    int usable, last = (sc->n_months - 1) / every * every;
    /* A sweep's runs keep what its segments save (the same mask). */
    for (int k = 0; k < 2; k++)
        CHECK(ps_run_replicate_ckpt(sc, 1, 1, sweep ? mask : NULL, NULL, &w[k], &run[k], &usable,
                                    &mr[k], &err) == PS_OK && usable, "%s", err.msg);
    CHECK(ps_ckpt_n_midrun(ck) == 1, "segments of one replicate: %d", ps_ckpt_n_midrun(ck));
    CHECK(mr[0].from == 0 && mr[1].from == last, "continued from %d, %d (expected 0, %d)",
          mr[0].from, mr[1].from, last);
    CHECK(!mr[1].dropped[0], "%s", mr[1].dropped);
    if (run[0] && run[1]) {
        for (int f = 0; f < nf; f++) {
            size_t n = ps_run_series_width(run[0], f);
            if (!sweep || mask[f]) {
                int same = n == ps_run_series_width(run[1], f);
                for (int t = 0; t < sc->n_months && same; t++) {
                    const double *a = ps_run_series_month(run[0], f, t),
                                 *b = ps_run_series_month(run[1], f, t);
                    same = a && b ? !memcmp(a, b, n * sizeof(double)) : !a && !b;
                }
                CHECK(same, "%s: series of %s differ", rel, ps_registry_field(f, NULL)->name);
            } else
                CHECK(!run[0]->series[f] && !run[1]->series[f],
                      "%s: series of %s: kept, though neither the metrics nor the segments "
                      "read it", rel, ps_registry_field(f, NULL)->name);
        }
        CHECK(run[0]->n_events == run[1]->n_events &&
                  !memcmp(run[0]->events, run[1]->events,
                          (size_t)run[0]->n_events * sizeof(ps_event)),
              "%s: events differ", rel);
        CHECK(!memcmp(run[0]->metrics, run[1]->metrics,
                      (size_t)ps_registry_n_metrics() * sizeof(double)), "%s: metrics", rel);
    }
    if (sweep) { /* another sweep (hash) does not read them; this one does */
        ps_ckpt_close(ck, 1);
        ck = NULL;
        CHECK(ps_ckpt_open_segments(out, "sweep.h5", 0x4321, 8, sc, mask, 1, 0, &ck, &err) ==
                  PS_ERR_EXISTS && strstr(err.msg, "another spec"), "another hash: %s", err.msg);
        CHECK(ps_ckpt_open_segments(out, "sweep.h5", 0x1234, 8, sc, mask, 1, 0, &ck, &err) ==
                  PS_OK && ps_ckpt_n_midrun(ck) == 1, "reopened: %s", err.msg);
    }
    if (ck)
        ps_ckpt_remove_midrun(ck, unit);
    CHECK(ck && ps_ckpt_n_midrun(ck) == 0, "segments left: %d", ck ? ps_ckpt_n_midrun(ck) : -1);
    printf("%s: %s every %d months (%d of %d series), run again from them: continued at month "
           "%d, same series saved, events and metrics\n", rel,
           sweep ? "a sweep's segments" : "checkpoints", every, n_saved, nf, mr[1].from);
    for (int k = 0; k < 2; k++) {
        ps_run_free(run[k]);
        ps_world_free(w[k]);
    }
    ps_ckpt_close(ck, 0);
    rmdir(dir);
    ps_scenario_free(sc);
    free(mask);
}

/* Metrics read only the series their models say (ps_model.metric_reads):
 * every other series poisoned, every metric gives the same value. */
static void test_metric_reads(const char *rel)
{
    ps_scenario *sc = load(rel);
    ps_error err = {PS_OK, ""};
    if (!sc)
        return;
    int nf = ps_registry_n_fields(), nm = ps_registry_n_metrics(), n_read = 0, n_pairs = 0;
    int n_ends = 0;
    unsigned char *mask = malloc((size_t)nf);
    ps_registry_metric_reads(mask);
    for (int f = 0; f < nf; f++) {
        n_read += mask[f] != PS_SERIES_NONE;
        n_pairs += mask[f] == PS_SERIES_PAIRS;
        n_ends += mask[f] == PS_SERIES_ENDS;
    }
    CHECK(n_pairs > 0, "no metric reads a dyad field for named pairs only");
    CHECK(n_ends > 0, "no metric reads a field at its first and last months only");
    CHECK(n_read > 0 && n_read < nf, "metrics read %d of %d series: every model with metrics "
          "must declare metric_reads", n_read, nf);
    ps_world *w = NULL;
    ps_run *run = NULL;
    int usable;
    CHECK(ps_run_replicate_into(sc, 0, 1, NULL, NULL, &w, &run, &usable, &err) == PS_OK && usable,
          "%s", err.msg);
    /* Every value the declarations leave out, poisoned: unread fields, the
     * pairs a field read for named pairs does not name, and the months
     * between the first and the last of a field read at its ends. */
    const double poison[] = {NAN, 3.7e11, -2.5, 0.0};
    size_t *named = malloc(((size_t)sc->n_actors * sc->n_actors + 1) * sizeof *named);
    for (int k = 0; run && named && k < 4; k++) {
        for (int f = 0; f < nf; f++) {
            size_t size = ps_field_size(w, f);
            int np = mask[f] == PS_SERIES_PAIRS ? ps_run_kept_pairs(sc, f, named) : 0;
            for (size_t i = 0; mask[f] != PS_SERIES_ALL && i < size * (size_t)sc->n_months;
                 i++) {
                int keep = 0, t = (int)(i / size);
                for (int e = 0; e < np && !keep; e++)
                    keep = named[e] == i % size;
                if (mask[f] == PS_SERIES_ENDS)
                    keep = t == 0 || t == sc->n_months - 1;
                if (!keep)
                    run->series[f][i] = poison[k];
            }
        }
        for (int m = 0; m < nm; m++) {
            double a = run->metrics[m], b = ps_registry_metric(m, NULL)->compute(run);
            CHECK(a == b || (isnan(a) && isnan(b)), "%s: metric %s reads a series its model "
                  "does not declare in metric_reads (%.17g, with the others %.3g: %.17g)",
                  rel, ps_registry_metric(m, NULL)->name, a, poison[k], b);
        }
    }
    /* A run that keeps only those series (sweeps in summary mode, calibration,
     * runs with no file) has the same metrics and the same kept series. */
    unsigned char *keep = ps_run_keep_metrics();
    ps_world *wk = NULL;
    ps_run *rk = NULL, *ra = NULL;
    CHECK(keep && ps_run_replicate(sc, 0, 1, NULL, &ra, &err) == PS_OK, "%s", err.msg);
    CHECK(keep && ps_run_replicate_into(sc, 0, 1, keep, NULL, &wk, &rk, &usable, &err) == PS_OK &&
          usable, "%s", err.msg);
    uint64_t held = 0, whole = 0;
    for (int f = 0; rk && ra && f < nf; f++) {
        CHECK(!rk->series[f] == !mask[f], "%s: field %d's series kept %d, metrics read it %d",
              rel, f, rk->series[f] != NULL, mask[f]);
        size_t size = ps_field_size(wk, f), width = ps_run_series_width(rk, f);
        int np = mask[f] == PS_SERIES_PAIRS ? ps_run_kept_pairs(sc, f, named) : 0;
        CHECK(width == (mask[f] == PS_SERIES_PAIRS ? (size_t)np : size),
              "%s: series of %s holds %zu values a month (the pairs named: %d)", rel,
              ps_registry_field(f, NULL)->name, width, np);
        for (int t = 0; rk->series[f] && named && t < sc->n_months; t++) {
            const double *row = ps_run_series_month(rk, f, t);
            int ends = mask[f] == PS_SERIES_ENDS, held_t = !ends || t == 0 ||
                                                         t == sc->n_months - 1;
            CHECK(!row == !held_t, "%s: series of %s holds month %d: %d (expected %d)", rel,
                  ps_registry_field(f, NULL)->name, t, row != NULL, held_t);
            for (size_t e = 0; row && e < width; e++) {
                size_t i = np ? named[e] : e;
                CHECK(!memcmp(&row[e], &ra->series[f][(size_t)t * size + i], sizeof(double)),
                      "%s: kept series %s differs at month %d, element %zu", rel,
                      ps_registry_field(f, NULL)->name, t, i);
            }
            held += row ? width : 0;
        }
        whole += rk->series[f] ? size * (size_t)sc->n_months : 0;
    }
    for (int m = 0; rk && ra && m < nm; m++)
        CHECK(!memcmp(&rk->metrics[m], &ra->metrics[m], sizeof(double)),
              "%s: metric %s differs when only the read series are kept (%.17g vs %.17g)", rel,
              ps_registry_metric(m, NULL)->name, rk->metrics[m], ra->metrics[m]);
    printf("%s: the metrics read %d of %d series (%d of them for named pairs only, %d at "
           "their first and last months only), as declared; a run keeping only those (%llu "
           "values instead of %llu) has the same metrics\n", rel, n_read, nf, n_pairs, n_ends,
           (unsigned long long)held, (unsigned long long)whole);
    free(named);
    ps_run_free(rk);
    ps_run_free(ra);
    ps_world_free(wk);
    free(keep);
    ps_run_free(run);
    ps_world_free(w);
    ps_scenario_free(sc);
    free(mask);
}

int main(void)
{
    test_registry();
    const int base[] = {1, 2, 14, 40};
    test_scenario("configs/baseline_2022.yaml", base, 4);
    const int hist[] = {1, 2, 150, 400};
    test_scenario("configs/history_1979_2022.yaml", hist, 4);
    test_files("configs/baseline_2022.yaml", 12, 0);
    test_files("configs/history_1979_2022.yaml", 50, 0);
    test_metric_reads("configs/baseline_2022.yaml");
    test_metric_reads("configs/history_1979_2022.yaml");
    test_files("configs/history_1979_2022.yaml", 40, 1);
    return CHECK_DONE();
}
