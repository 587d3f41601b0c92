/* Engine: dates, status codes, random streams, registry tables, and the
 * step's independence from actor order and thread count. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

static void test_dates(void)
{
    ps_date d;
    CHECK(ps_date_parse("2022-02", &d) == 0 && d.year == 2022 && d.month == 2, "parse");
    CHECK(ps_date_parse("2022-02-24", &d) == 0 && d.month == 2, "parse day");
    CHECK(ps_date_parse("2022-13", &d) != 0, "month 13");
    CHECK(ps_date_parse("2022-02-30", &d) != 0, "30 Feb");
    CHECK(ps_date_parse("2023-02-29", &d) != 0, "29 Feb of a common year");
    CHECK(ps_date_parse("2100-02-29", &d) != 0, "29 Feb of 2100 (not a leap year)");
    CHECK(ps_date_parse("2024-02-29", &d) == 0 && d.month == 2, "29 Feb of 2024");
    CHECK(ps_date_parse("2000-02-29", &d) == 0 && d.year == 2000, "29 Feb of 2000");
    CHECK(ps_date_parse("22-01", &d) != 0, "short year");
    CHECK(ps_date_parse("2022-1", &d) != 0, "one-digit month");
    ps_date a = {2022, 1}, b = {2030, 12};
    CHECK(ps_date_diff(b, a) == 107, "diff %d", ps_date_diff(b, a));
    ps_date c = ps_date_add(a, 25);
    CHECK(c.year == 2024 && c.month == 2, "add %d-%d", c.year, c.month);
    c = ps_date_add((ps_date){1979, 2}, -2);
    CHECK(c.year == 1978 && c.month == 12, "add negative %d-%d", c.year, c.month);
    char buf[8];
    ps_date_format((ps_date){1979, 2}, buf);
    CHECK(strcmp(buf, "1979-02") == 0, "format %s", buf);
}

static void test_status(void)
{
    CHECK(ps_status_exit_code(PS_OK) == 0, "ok");
    CHECK(ps_status_exit_code(PS_ERR_CONFIG) == 2, "config");
    CHECK(ps_status_exit_code(PS_ERR_USAGE) == 2, "usage");
    CHECK(ps_status_exit_code(PS_ERR_IO) == 1, "io");
    ps_error e;
    ps_error_set(&e, PS_ERR_IO, "cannot write %s", "x.h5");
    ps_error_prefix(&e, "run %d: ", 3);
    CHECK(strcmp(e.msg, "run 3: cannot write x.h5") == 0 && e.code == PS_ERR_IO, "%s", e.msg);
}

static void test_rng(void)
{
    ps_rng *a = ps_rng_alloc(), *b = ps_rng_alloc();
    double x[4], y[4];
    gsl_rng *g = ps_rng_key(a, 42, 3, 7, 99, 1);
    for (int k = 0; k < 4; k++)
        x[k] = gsl_rng_uniform(g);
    /* Another generator, keyed after unrelated draws, repeats the stream. */
    gsl_rng *h = ps_rng_key(b, 1, 0, 0, 0, 0);
    gsl_rng_uniform(h);
    h = ps_rng_key(b, 42, 3, 7, 99, 1);
    for (int k = 0; k < 4; k++)
        y[k] = gsl_rng_uniform(h);
    CHECK(memcmp(x, y, sizeof x) == 0, "same key, same draws");
    /* Each key component changes the stream. */
    uint64_t keys[6][5] = {{42, 3, 7, 99, 1}, {43, 3, 7, 99, 1}, {42, 4, 7, 99, 1},
                           {42, 3, 8, 99, 1}, {42, 3, 7, 98, 1}, {42, 3, 7, 99, 2}};
    double first[6];
    for (int k = 0; k < 6; k++)
        first[k] = gsl_rng_uniform(ps_rng_key(a, keys[k][0], (int)keys[k][1],
                                              (int)keys[k][2], keys[k][3],
                                              (uint32_t)keys[k][4]));
    for (int k = 1; k < 6; k++)
        CHECK(first[k] != first[0], "key component %d changes the stream", k);
    /* Uniformity over many keys: mean of first draws near 1/2. */
    double sum = 0.0;
    for (int k = 0; k < 20000; k++)
        sum += gsl_rng_uniform(ps_rng_key(a, 7, k, 0, 0, 0));
    CHECK(fabs(sum / 20000 - 0.5) < 0.01, "mean of first draws %g", sum / 20000);
    ps_rng_free(a);
    ps_rng_free(b);
}

static int nonempty(const char *s) { return s && *s; }

static void test_registry(void)
{
    CHECK(ps_registry_count() >= 2, "models registered");
    int nf = ps_registry_n_fields();
    for (int f = 0; f < nf; f++) {
        const ps_field *fd = ps_registry_field(f, NULL);
        CHECK(ps_field_index(fd->name) == f, "field name '%s' is unique", fd->name);
        CHECK(nonempty(fd->unit) && nonempty(fd->description) && nonempty(fd->source),
              "field '%s' documented", fd->name);
        CHECK(fd->lo <= fd->init && fd->init <= fd->hi, "field '%s' default in bounds", fd->name);
    }
    for (int k = 0; k < ps_registry_count(); k++) {
        const ps_model *m = ps_registry_model(k);
        CHECK(ps_registry_find(m->name) == k, "model name '%s' unique", m->name);
        for (int p = 0; p < m->n_params; p++) {
            const ps_param *pp = &m->params[p];
            CHECK(pp->lo <= pp->def && pp->def <= pp->hi, "%s.%s default in bounds",
                  m->name, pp->name);
            CHECK(nonempty(pp->unit) && nonempty(pp->description) && nonempty(pp->source),
                  "%s.%s documented", m->name, pp->name);
            for (int q = 0; q < p; q++)
                CHECK(strcmp(m->params[q].name, pp->name) != 0, "%s.%s unique", m->name,
                      pp->name);
        }
    }
    for (int e = 0; e < ps_registry_n_event_types(); e++) {
        const ps_event_type *et = ps_registry_event_type(e, NULL);
        CHECK(ps_registry_find_event_type(et->name) == e, "event type '%s' unique", et->name);
    }
    for (int m = 0; m < ps_registry_n_metrics(); m++)
        CHECK(ps_registry_metric(m, NULL)->compute != NULL, "metric %d computes", m);
}

/* A synthetic scenario built in code: n actors, a ring of sanctions, events. */
static ps_scenario *synthetic(int n, const int *perm)
{
    ps_scenario *sc = synth_new("synthetic", n, perm, NULL, 0, 'A', 24, 12345, 2 * n + 1, 2);
    for (int k = 0; k < n; k++) {
        synth_init(sc, "gdp", perm[k], -1, 1e11 * (1 + k % 7));
        synth_init(sc, "sanction_intensity", perm[k], perm[(k + 1) % n], 0.1 * (k % 4));
    }
    synth_event(sc, 1, "sanctions", perm[0], perm[1], 0.5);
    synth_event(sc, 3, "asset_freeze", perm[0], perm[1], 1e9);
    return sc;
}

/* Results must follow the actors, not their position in the list. */
static void test_order_invariance(void)
{
    enum { N = 9 };
    int id[N], rev[N];
    for (int k = 0; k < N; k++) {
        id[k] = k;
        rev[k] = N - 1 - k;
    }
    ps_scenario *a = synthetic(N, id), *b = synthetic(N, rev);
    ps_run *ra, *rb;
    ps_error err;
    CHECK(ps_run_replicate(a, 0, 1, NULL, &ra, &err) == PS_OK, "run a: %s", err.msg);
    CHECK(ps_run_replicate(b, 0, 1, NULL, &rb, &err) == PS_OK, "run b: %s", err.msg);
    double worst = 0.0;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        const ps_field *fd = ps_registry_field(f, NULL);
        for (int t = 0; t < a->n_months; t++)
            for (int k = 0; k < N; k++) {
                if (fd->shape == PS_ACTOR) {
                    double x = ra->series[f][t * N + k], y = rb->series[f][t * N + rev[k]];
                    worst = fmax(worst, fabs(x - y) / fmax(1e-300, fabs(x) + fabs(y)));
                } else if (fd->shape == PS_DYAD) {
                    for (int l = 0; l < N; l++) {
                        double x = ra->series[f][(size_t)t * N * N + k * N + l];
                        double y = rb->series[f][(size_t)t * N * N + rev[k] * N + rev[l]];
                        worst = fmax(worst, fabs(x - y) / fmax(1e-300, fabs(x) + fabs(y)));
                    }
                }
            }
    }
    CHECK(worst < 1e-12, "reversed actor list changes results by %g (relative)", worst);
    /* And the run is not trivial: the sanctioned actor's pressure moved. */
    int fp = ps_field_index("sanction_pressure");
    CHECK(ra->series[fp][5 * N + 1] > ra->series[fp][0 * N + 1], "pressure rises after event");
    ps_run_free(ra);
    ps_run_free(rb);
    synth_free(a);
    synth_free(b);
}

/* Whether two runs of sc have the same series, bit for bit. */
static int same_series(const ps_scenario *sc, const ps_run *a, const ps_run *b)
{
    size_t n = (size_t)sc->n_actors;
    int same = 1;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        ps_shape shape = ps_registry_field(f, NULL)->shape;
        size_t size = shape == PS_DYAD ? n * n : shape == PS_THEATER ? n * sc->n_theaters : n;
        same &= memcmp(a->series[f], b->series[f], size * sc->n_months * sizeof(double)) == 0;
    }
    return same;
}

/* Dyad loops run in parallel when N is large: 1 and 2 threads, same bits. */
static void test_thread_invariance(void)
{
    enum { N = 80 };
    int id[N];
    for (int k = 0; k < N; k++)
        id[k] = k;
    ps_scenario *sc = synthetic(N, id);
    ps_run *r1, *r2;
    ps_error err;
    CHECK(ps_run_replicate(sc, 2, 1, NULL, &r1, &err) == PS_OK, "1 thread: %s", err.msg);
    CHECK(ps_run_replicate(sc, 2, 2, NULL, &r2, &err) == PS_OK, "2 threads: %s", err.msg);
    CHECK(same_series(sc, r1, r2), "series differ between 1 and 2 inner threads");
    ps_run_free(r1);
    ps_run_free(r2);
    synth_free(sc);
}

/* Large fields live in one huge-page mapping (sim/memory.c, ps_arena_alloc):
 * each array its own bytes, starting on its own cache line of a
 * page; and the run is bit for bit the one with every array allocated alone. */
static void test_arena(void)
{
    enum { N = 100 }; /* a dyad field is 80,000 bytes: in the arena */
    int id[N];
    for (int k = 0; k < N; k++)
        id[k] = k;
    ps_scenario *sc = synthetic(N, id);
    size_t saved = ps_arena_min;
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    int in = 0, lines_ok = 1, disjoint = 1;
    const unsigned char *a = w->arena;
    for (int f = 0; f < w->n_fields; f++) {
        size_t bytes = ps_field_size(w, f) * sizeof(double);
        const unsigned char *p[2] = {(const void *)w->cur[f], (const void *)w->next[f]};
        int large = bytes >= ps_arena_min;
        for (int b = 0; b < 2; b++) {
            int inside = a && p[b] >= a && p[b] + bytes <= a + w->arena_bytes;
            CHECK(inside == large, "field %d buffer %d: in the arena %d, large %d", f, b,
                  inside, large);
            in += inside;
            lines_ok &= !inside || ((uintptr_t)p[b] & 63) == 0;
            /* no other large array overlaps it */
            for (int g = 0; inside && g <= f; g++)
                for (int c = 0; c < 2; c++) {
                    const unsigned char *q = (const void *)(c ? w->next[g] : w->cur[g]);
                    if ((g == f && c == b) || ps_field_size(w, g) * sizeof(double) < ps_arena_min)
                        continue;
                    size_t qb = ps_field_size(w, g) * sizeof(double);
                    disjoint &= p[b] + bytes <= q || q + qb <= p[b];
                }
        }
    }
    CHECK(in > 0 || ps_arena_min == SIZE_MAX, "no field of %d actors in the arena", N);
    CHECK(lines_ok && disjoint, "arena arrays: on lines %d, disjoint %d", lines_ok, disjoint);
    /* The first 64 large arrays start on 64 different lines of their pages. */
    int seen[64] = {0}, distinct = 1, k = 0;
    for (int f = 0; f < w->n_fields && k < 64; f++)
        if (ps_field_size(w, f) * sizeof(double) >= ps_arena_min && in)
            for (int b = 0; b < 2 && k < 64; b++, k++) {
                uintptr_t line = (((uintptr_t)(b ? w->next[f] : w->cur[f])) >> 6) & 63;
                distinct &= !seen[line];
                seen[line] = 1;
            }
    CHECK(distinct, "two of the first %d arena arrays share a cache-line offset", k);
    ps_world_free(w);

    ps_run *r1 = NULL, *r2 = NULL;
    CHECK(ps_run_replicate(sc, 1, 2, NULL, &r1, &err) == PS_OK, "arena run: %s", err.msg);
    ps_arena_min = SIZE_MAX;
    CHECK(ps_run_replicate(sc, 1, 2, NULL, &r2, &err) == PS_OK, "plain run: %s", err.msg);
    ps_arena_min = saved;
    CHECK(same_series(sc, r1, r2), "a run with its fields in the arena differs from one without");
    ps_run_free(r1);
    ps_run_free(r2);
    synth_free(sc);
}

/* A non-finite value stops the run and names actor, field, month, model. */
static void test_nonfinite_guard(void)
{
    int id[3] = {0, 1, 2};
    ps_scenario *sc = synthetic(3, id);
    /* potential growth of actor AAA: only the economy reads it */
    synth_init(sc, "potential_growth", 0, -1, NAN);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    /* The partial run comes back: here no month was completed. */
    CHECK(s == PS_ERR_NUMERIC && r != NULL && r->n_done == 0, "status %d", s);
    /* The NaN growth reaches AAA's GDP in the same month (ps_fmax no longer
     * drops a NaN), and gdp comes before potential_growth in field order. */
    CHECK(strstr(err.msg, "non-finite gdp (nan)") && strstr(err.msg, "actor AAA") &&
              strstr(err.msg, "2022-01") && strstr(err.msg, "'economy'"),
          "message: %s", err.msg);
    ps_run_free(r);
    /* A run of one month steps once too, and the check that validates a
     * config fails as that run does. */
    synth_months(sc, 1);
    r = NULL;
    s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_ERR_NUMERIC && r && r->n_done == 0, "a one-month run: status %d, %s", s,
          err.msg);
    err = (ps_error){PS_OK, ""};
    s = ps_scenario_check(sc, &err);
    CHECK(s == PS_ERR_NUMERIC && strstr(err.msg, "non-finite gdp (nan)"),
          "a one-month scenario fails its check as its run: status %d, %s", s, err.msg);
    ps_run_free(r);
    synth_free(sc);
}

/* A test-only model whose internal field turns NaN in month 2, a month
 * without events: its own check after its step names the field and the
 * model, and the run stops there (an internal field is never output, so no
 * later check would see it). Its output field stays finite. */
static const ps_field nan_fields[] = {{"nan_out", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"}};
static const ps_field nan_internal[] = {{"nan_hidden", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"}};
static ps_status nan_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)data, (void)err;
    double *hidden = w->next[ps_model_internal(self, 0)];
    for (int i = 0; i < w->n_actors; i++)
        hidden[i] = w->month == 2 && i == 1 ? NAN : 0.5;
    return PS_OK;
}
static const ps_model nan_model = {.name = "nanhidden", .description = "test",
                                   .fields = nan_fields, .n_fields = 1, .step = nan_step,
                                   .internal = nan_internal, .n_internal = 1};

static void test_nonfinite_internal(void)
{
    const ps_model *pipe[] = {&nan_model, NULL};
    ps_registry_use(pipe);
    ps_scenario *sc = synth_new("internal", 3, (const int[]){0, 1, 2}, NULL, 0, 'I', 6, 1, 7, 2);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_ERR_NUMERIC && r != NULL && r->n_done == 2, "status %d, months done %d", s,
          r ? r->n_done : -1);
    CHECK(strstr(err.msg, "non-finite nan_hidden (nan) for actor IAB in 2022-03") &&
              strstr(err.msg, "'nanhidden'"),
          "message: %s", err.msg);
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
}

/* A model's free is called only with data its init made: never for a model
 * whose init left *data NULL, nor for the models after one whose init failed
 * (their init never ran), so that a model's free need not test for NULL. */
static int freed, freed_null;
static void counted_free(void *data)
{
    freed++;
    freed_null += data == NULL;
    free(data);
}
static ps_status counted_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w, (void)self, (void)err;
    *data = malloc(8);
    return *data ? PS_OK : PS_ERR_NOMEM;
}
static ps_status null_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w, (void)self, (void)err;
    *data = NULL;
    return PS_OK;
}
static ps_status failing_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w, (void)self, (void)data;
    return ps_error_set(err, PS_ERR_CONFIG, "refused");
}
static const ps_model counted_model = {.name = "counted", .description = "test",
                                       .init = counted_init, .free = counted_free};
static const ps_model null_model = {.name = "nulldata", .description = "test",
                                    .init = null_init, .free = counted_free};
static const ps_model failing_model = {.name = "failing", .description = "test",
                                       .init = failing_init, .free = counted_free};

static void test_free_only_data(void)
{
    const ps_model *ok[] = {&counted_model, &null_model, NULL};
    const ps_model *bad[] = {&failing_model, &counted_model, &null_model, NULL};
    for (int fail = 0; fail < 2; fail++) {
        ps_registry_use(fail ? bad : ok);
        ps_scenario *sc = synth_new("free", 2, (const int[]){0, 1}, NULL, 0, 'F', 3, 1, 5, 2);
        ps_world *w = NULL;
        ps_error err = {PS_OK, ""};
        freed = freed_null = 0;
        ps_status s = ps_world_create(sc, 0, &w, &err);
        ps_world_free(w);
        CHECK(fail ? s == PS_ERR_CONFIG && strstr(err.msg, "refused") : s == PS_OK,
              "init %s: status %d, %s", fail ? "failing" : "passing", s, err.msg);
        CHECK(freed_null == 0 && freed == (fail ? 0 : 1),
              "%s: free called %d times, %d with NULL", fail ? "a failed init" : "a world", freed,
              freed_null);
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

/* In a large world the threads share each field part by part (1 MiB
 * parts): a NaN in a dyad field's last part is found, and the message names
 * the first non-finite value in field order, the one a single thread names. */
static void test_nonfinite_parts(void)
{
    enum { N = 400 }; /* N x N = 160,000 values a dyad field: two parts */
    int id[N];
    for (int k = 0; k < N; k++)
        id[k] = k;
    ps_scenario *sc = synthetic(N, id);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create_threads(sc, 0, 2, &w, &err) == PS_OK, "world: %s", err.msg);
    for (int f = 0; f < w->n_fields; f++)
        memcpy(w->next[f], w->cur[f], ps_field_size(w, f) * sizeof(double));
    CHECK(ps_world_check_next(w, &err) == PS_OK, "a finite state fails: %s", err.msg);
    /* The last pairs of the first two dyad fields. */
    int f1 = -1, f2 = -1;
    for (int f = 0; f < w->n_fields && f2 < 0; f++)
        if (ps_field_size(w, f) == (size_t)N * N)
            *(f1 < 0 ? &f1 : &f2) = f;
    w->next[f1][(size_t)N * N - 2] = NAN;
    w->next[f2][(size_t)N * N - 1] = INFINITY; /* the same thread checks both */
    char want[160];
    snprintf(want, sizeof want, "non-finite %s (nan) for dyad %s->%s",
             ps_registry_field(f1, NULL)->name, sc->actor_iso3[N - 1], sc->actor_iso3[N - 2]);
    for (int t = 2; t >= 1; t--) {
        w->inner_threads = t;
        ps_status s = ps_world_check_next(w, &err);
        CHECK(s == PS_ERR_NUMERIC && strstr(err.msg, want), "%d threads: status %d, %s (want %s)",
              t, s, err.msg, want);
    }
    ps_world_free(w);
    synth_free(sc);
}

/* A stop flag already set ends a replicate before its first month. */
static void test_stop_flag(void)
{
    int id[3] = {0, 1, 2};
    ps_scenario *sc = synthetic(3, id);
    ps_stop stop = 1;
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, &stop, &r, &err);
    CHECK(s == PS_ERR_INTERRUPTED && r == NULL, "status %d: %s", s, err.msg);
    stop = 0;
    s = ps_run_replicate(sc, 0, 1, &stop, &r, &err);
    CHECK(s == PS_OK && r && r->n_done == sc->n_months, "status %d: %s", s, err.msg);
    ps_run_free(r);
    synth_free(sc);
}

int main(void)
{
    test_dates();
    test_status();
    test_rng();
    test_registry();
    test_order_invariance();
    test_thread_invariance();
    test_arena();
    test_nonfinite_guard();
    test_nonfinite_internal();
    test_free_only_data();
    test_nonfinite_parts();
    test_stop_flag();
    return CHECK_DONE();
}
