/* The world of one replicate: state as structure of arrays, double-buffered.
 *
 * A step reads state t (cur) and writes state t+1 (next), so the order in
 * which actors or dyads are visited never changes a result. Fields a model
 * does not write keep their value because next starts as a copy of cur.
 * Models' internal fields (state that is not output) live here too, so that
 * cur and the month are the whole state of a replicate: a world saved at
 * month t and restored steps on exactly as one that never stopped. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

size_t ps_field_size(const ps_world *w, int f)
{
    size_t n = (size_t)w->n_actors;
    switch (ps_registry_field(f, NULL)->shape) {
    case PS_DYAD: return n * n;
    case PS_THEATER: return n * (size_t)w->n_theaters;
    default: return n;
    }
}

uint64_t ps_world_actor_key(const ps_world *w, int i)
{
    const char *c = w->sc->actor_iso3[i];
    return (uint64_t)(unsigned char)c[0] << 16 | (uint64_t)(unsigned char)c[1] << 8 |
           (uint64_t)(unsigned char)c[2];
}

const double *ps_world_param_values(const ps_world *w, int model)
{
    return w->sc->params[model];
}

static void init_field(ps_world *w, int f)
{
    const ps_field *fd = ps_registry_field(f, NULL);
    size_t size = ps_field_size(w, f);
    double *v = w->cur[f];
    for (size_t k = 0; k < size; k++)
        v[k] = fd->init;
    if (fd->shape == PS_DYAD) /* no actor has a relation with itself */
        for (int i = 0; i < w->n_actors; i++)
            v[(size_t)i * w->n_actors + i] = 0.0;
}

static void apply_inits(ps_world *w)
{
    const ps_scenario *sc = w->sc;
    for (int k = 0; k < sc->n_inits; k++) {
        const ps_init_value *iv = &sc->inits[k];
        const ps_field *fd = ps_registry_field(iv->field, NULL);
        size_t idx = (size_t)iv->i;
        if (fd->shape == PS_DYAD)
            idx = idx * w->n_actors + iv->j;
        else if (fd->shape == PS_THEATER)
            idx = idx * w->n_theaters + iv->j;
        w->cur[iv->field][idx] = iv->value;
    }
}

/* Maps both buffers of a new world's field f at once (ps_prefault). */
static void prefault_field(ps_world *w, int f)
{
    size_t bytes = ps_field_size(w, f) * sizeof(double);
    ps_prefault(w->cur[f], bytes);
    ps_prefault(w->next[f], bytes);
}

/* fn for every field, in parallel over fields in large worlds: a new world's
 * pages are first touched by the threads that will work on them. */
static void each_field(ps_world *w, void (*fn)(ps_world *, int))
{
    int nf = w->n_fields;
    if (!ps_inner_parallel(w)) {
        for (int f = 0; f < nf; f++)
            fn(w, f);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(w->inner_threads)
    for (int f = 0; f < nf; f++)
        fn(w, f);
}

/* Month 0 of the world's replicate: initial state, then the models' init. */
static ps_status world_setup(ps_world *w, ps_error *err)
{
    each_field(w, init_field);
    apply_inits(w);
    /* Inits derive month -1 state from other models' (at_init inputs): in
     * dependency order, so where a model sits in the registry does not matter. */
    int order[PS_MAX_MODELS];
    ps_status so = ps_registry_init_order(order, err);
    if (so != PS_OK)
        return so;
    for (int q = 0; q < ps_registry_count(); q++) {
        int k = order[q];
        const ps_model *m = ps_registry_model(k);
        if (!m->init)
            continue;
        ps_status s = m->init(w, k, &w->model_data[k], err);
        if (s != PS_OK)
            return ps_error_prefix(err, "model '%s' init: ", m->name);
    }
    return PS_OK;
}

static void free_model_data(ps_world *w)
{
    if (w->model_data)
        for (int k = 0; k < ps_registry_count(); k++) {
            const ps_model *m = ps_registry_model(k);
            if (m->free && w->model_data[k])
                m->free(w->model_data[k]);
            w->model_data[k] = NULL;
        }
}

ps_status ps_world_reset(ps_world *w, int replicate, ps_error *err)
{
    free_model_data(w);
    free(w->log);
    w->log = NULL;
    w->n_log = w->cap_log = 0;
    w->month = 0;
    w->replicate = replicate;
    w->seed = w->sc->seed;
    return world_setup(w, err);
}

/* (internal.h) */
ps_status ps_world_restore(ps_world *w, int month, const double *const *state,
                           const ps_event *log, int n_log, ps_error *err)
{
    if (n_log > w->cap_log) {
        ps_event *p = realloc(w->log, (size_t)n_log * sizeof *p);
        if (!p)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory restoring %d events", n_log);
        w->log = p;
        w->cap_log = n_log;
    }
    if (n_log > 0)
        memcpy(w->log, log, (size_t)n_log * sizeof *log);
    w->n_log = n_log;
    for (int f = 0; f < w->n_fields; f++)
        memcpy(w->cur[f], state[f], ps_field_size(w, f) * sizeof(double));
    w->month = month;
    return PS_OK;
}

ps_status ps_world_create(const ps_scenario *sc, int replicate, ps_world **out,
                          ps_error *err)
{
    return ps_world_create_threads(sc, replicate, 1, out, err);
}

/* cur and next of every field: those of ps_arena_min bytes or more in one
 * huge-page mapping (ps_arena_alloc), the others (and all of them if the
 * mapping fails) each on its own. */
static ps_status alloc_fields(ps_world *w)
{
    int na = 2 * w->n_fields;
    size_t *bytes = ps_calloc((size_t)na + 1, sizeof *bytes);
    double **starts = ps_calloc((size_t)na + 1, sizeof *starts);
    ps_status st = bytes && starts ? PS_OK : PS_ERR_NOMEM;
    for (int f = 0; st == PS_OK && f < w->n_fields; f++) {
        size_t b = ps_field_size(w, f) * sizeof(double);
        bytes[2 * f] = bytes[2 * f + 1] = b >= ps_arena_min ? b : 0;
    }
    if (st == PS_OK)
        w->arena = ps_arena_alloc(na, bytes, starts, &w->arena_bytes);
    for (int f = 0; st == PS_OK && f < w->n_fields; f++) {
        size_t size = ps_field_size(w, f);
        int in = w->arena && bytes[2 * f];
        w->cur[f] = in ? starts[2 * f] : ps_calloc(size ? size : 1, sizeof(double));
        w->next[f] = in ? starts[2 * f + 1] : ps_calloc(size ? size : 1, sizeof(double));
        if (!w->cur[f] || !w->next[f])
            st = PS_ERR_NOMEM;
    }
    free(bytes);
    free(starts);
    return st;
}

/* The world's zeros (ps_world_input), as long as its largest field, if some
 * model's optional input has no model in the pipeline; none otherwise, as
 * in the full pipeline, where they would be memory never read. */
static ps_status alloc_zeros(ps_world *w)
{
    int absent = 0;
    for (int k = 0; k < ps_registry_count(); k++)
        for (int i = 0; i < ps_registry_model(k)->n_inputs; i++)
            absent |= ps_model_input(k, i) < 0;
    if (!absent)
        return PS_OK;
    size_t size = 1;
    for (int f = 0; f < w->n_fields; f++)
        if (ps_field_size(w, f) > size)
            size = ps_field_size(w, f);
    w->zeros = ps_calloc(size, sizeof(double));
    return w->zeros ? PS_OK : PS_ERR_NOMEM;
}

/* (internal.h) */
ps_status ps_world_create_threads(const ps_scenario *sc, int replicate, int inner_threads,
                                  ps_world **out, ps_error *err)
{
    *out = NULL;
    ps_world *w = ps_calloc(1, sizeof *w);
    if (!w)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory allocating a world");
    w->sc = sc;
    w->n_actors = sc->n_actors;
    w->n_theaters = sc->n_theaters;
    w->replicate = replicate;
    w->seed = sc->seed;
    w->inner_threads = inner_threads > 0 ? inner_threads : 1;
    w->n_fields = ps_registry_n_state();
    int n_models = ps_registry_count();
    w->cur = ps_calloc((size_t)w->n_fields + 1, sizeof *w->cur);
    w->next = ps_calloc((size_t)w->n_fields + 1, sizeof *w->next);
    w->model_data = ps_calloc((size_t)n_models + 1, sizeof *w->model_data);
    w->copy = malloc((size_t)w->n_fields + 1);
    if (!w->cur || !w->next || !w->model_data || !w->copy)
        goto nomem;
    ps_registry_state_copy(w->copy);
#ifndef NDEBUG
    w->poison = 1; /* a model that leaves a value of a field it overwrites unwritten fails */
#endif
    if (alloc_fields(w) != PS_OK || alloc_zeros(w) != PS_OK)
        goto nomem;
    each_field(w, prefault_field);
    ps_status s = world_setup(w, err);
    if (s != PS_OK) {
        ps_world_free(w);
        return s;
    }
    *out = w;
    return PS_OK;
nomem:
    ps_world_free(w);
    return ps_error_set(err, PS_ERR_NOMEM,
                        "out of memory allocating state for %d actors", sc->n_actors);
}

/* Whether p lies in w's arena of large fields. */
static int in_arena(const ps_world *w, const double *p)
{
    const unsigned char *a = w->arena, *q = (const unsigned char *)p;
    return a && q >= a && q < a + w->arena_bytes;
}

void ps_world_free(ps_world *w)
{
    if (!w)
        return;
    free_model_data(w);
    for (int f = 0; w->cur && w->next && f < w->n_fields; f++) {
        if (!in_arena(w, w->cur[f]))
            free(w->cur[f]);
        if (!in_arena(w, w->next[f]))
            free(w->next[f]);
    }
    ps_arena_free(w->arena, w->arena_bytes);
    free(w->zeros);
    free(w->cur);
    free(w->next);
    free(w->copy);
    free(w->model_data);
    free(w->log);
    free(w);
}

static ps_status log_push(ps_world *w, const ps_event *ev)
{
    if (w->n_log == w->cap_log) {
        int cap = w->cap_log ? 2 * w->cap_log : 64;
        ps_event *p = realloc(w->log, (size_t)cap * sizeof *p);
        if (!p)
            return PS_ERR_NOMEM;
        w->log = p;
        w->cap_log = cap;
    }
    w->log[w->n_log++] = *ev;
    return PS_OK;
}

ps_status ps_world_log_event(ps_world *w, const char *type, int source,
                             int target, double magnitude, const char *id)
{
    ps_event ev = {w->month, ps_registry_find_event_type(type), source, target,
                   magnitude, ""};
    if (ev.type < 0)
        return PS_ERR_INTERNAL;
    snprintf(ev.id, sizeof ev.id, "%s", id ? id : "");
    return log_push(w, &ev);
}

/* 1 if the values' sum is finite, as it is when every value is: a NaN or an
 * infinity makes any sum that contains it NaN or infinite. A sum can also
 * overflow with finite values only (never with the magnitudes of this model's
 * state), and such a field is then only searched for nothing: a field that
 * fails is searched value by value (check_finite), which alone decides, so
 * the order of the additions does not matter. A plain sum is one add per
 * value where v - v summed took two. Sixteen independent sums, so that the
 * vectorised adds do not wait on each other (one sum made the check
 * latency-bound: 7% of a 193-actor run), over 16-byte aligned values after
 * the first, so that each add reads its operands from memory itself. */
PS_HOT static int field_finite(const double *v, size_t n)
{
    double s = 0.0;
    size_t k = 0;
    if (n && ((uintptr_t)v & 15)) /* a double is 8-byte aligned: one value to 16 */
        s += v[k++];
    const double *a = __builtin_assume_aligned(v + k, 16);
    size_t m = n - k;
    double acc[16] = {0.0};
    size_t l = 0;
    for (; l + 16 <= m; l += 16)
        for (int q = 0; q < 16; q++)
            acc[q] += a[l + q];
    for (; l < m; l++)
        s += a[l];
    for (int q = 0; q < 16; q++)
        s += acc[q];
    return s - s == 0.0;
}

/* Values per part of a field (1 MiB): in large worlds the threads share each
 * field part by part, for the copy of state t and for the check (a model
 * has only a few large fields, too few to share out whole). */
enum { PART = 1 << 17 };

static size_t part_count(size_t size) { return (size + PART - 1) / PART; }

/* Length of part q (starting at q x PART) of a field of `size` values. */
static size_t part_len(size_t size, size_t q)
{
    return size - q * PART < PART ? size - q * PART : PART;
}

/* Name the first non-finite value of fields f0..f1-1: actor or dyad,
 * variable, month, model. In large worlds the threads share each field,
 * part by part; the message names the first failing value in field order,
 * whatever the threads. */
static ps_status check_finite(const ps_world *w, int f0, int f1, ps_error *err)
{
    int first = f1;
    if (!ps_inner_parallel(w)) {
        for (int f = f0; f < f1 && first == f1; f++)
            if (!field_finite(w->next[f], ps_field_size(w, f)))
                first = f;
    } else {
#pragma omp parallel num_threads(w->inner_threads) reduction(min : first)
        for (int f = f0; f < f1; f++) {
            size_t size = ps_field_size(w, f), parts = part_count(size);
#pragma omp for schedule(static) nowait
            for (size_t q = 0; q < parts; q++)
                if (!field_finite(w->next[f] + q * PART, part_len(size, q)) && f < first)
                    first = f;
        }
    }
    for (int f = first; f < f1; f++) {
        size_t size = ps_field_size(w, f);
        const double *v = w->next[f];
        for (size_t k = 0; k < size; k++) {
            if (isfinite(v[k]))
                continue;
            int owner;
            const ps_field *fd = ps_registry_field(f, &owner);
            const ps_scenario *sc = w->sc;
            char date[8], where[160];
            ps_date_format(ps_date_add(sc->start, w->month), date);
            int n = w->n_actors;
            if (fd->shape == PS_DYAD)
                snprintf(where, sizeof where, "dyad %s->%s", sc->actor_iso3[k / n],
                         sc->actor_iso3[k % n]);
            else if (fd->shape == PS_THEATER)
                snprintf(where, sizeof where, "actor %s in theater %s",
                         sc->actor_iso3[k / w->n_theaters],
                         sc->theater_name[k % w->n_theaters]);
            else
                snprintf(where, sizeof where, "actor %s", sc->actor_iso3[k]);
            return ps_error_set(err, PS_ERR_NUMERIC,
                                "non-finite %s (%g) for %s in %s, replicate %d, "
                                "produced by model '%s'",
                                fd->name, v[k], where, date, w->replicate,
                                ps_registry_model(owner)->name);
        }
    }
    return PS_OK;
}

/* (internal.h) */
ps_status ps_world_check_next(const ps_world *w, ps_error *err)
{
    return check_finite(w, 0, w->n_fields, err);
}

/* Every model's step (settle 0) or settle (1), in registry order. A model's
 * fields are checked right after its last call of the month, its step or,
 * if it has one, its settle, while they are still in cache: a model writes
 * only its own fields, so no later call changes them (events are checked
 * after them). A model's fields are two runs of state indices, its own
 * fields (registry order) and its internal ones (after every model's own). */
static ps_status run_models(ps_world *w, int settle, ps_error *err)
{
    int own = 0, internal = ps_registry_n_fields();
    for (int k = 0; k < ps_registry_count(); k++) {
        const ps_model *m = ps_registry_model(k);
        ps_status (*fn)(ps_world *, int, void *, ps_error *) = settle ? m->settle : m->step;
        if (fn && fn(w, k, w->model_data[k], err) != PS_OK)
            return ps_error_prefix(err, "model '%s' %s: ", m->name, settle ? "settle" : "step");
        if ((m->settle != NULL) == settle &&
            (check_finite(w, own, own + m->n_fields, err) != PS_OK ||
             check_finite(w, internal, internal + m->n_internal, err) != PS_OK))
            return PS_ERR_NUMERIC;
        own += m->n_fields;
        internal += m->n_internal;
    }
    return PS_OK;
}

/* Values a..a+len-1 of next of field f before the models' step: state t, or,
 * for a field a model overwrites whole, nothing (NaN when poisoning). */
static void start_part(ps_world *w, int f, size_t a, size_t len)
{
    if (w->copy[f])
        memcpy(w->next[f] + a, w->cur[f] + a, len * sizeof(double));
    else if (w->poison)
        for (size_t k = a; k < a + len; k++)
            w->next[f][k] = NAN;
}

ps_status ps_scenario_check(const ps_scenario *sc, ps_error *err)
{
    ps_world *w = NULL;
    ps_status st = ps_world_create(sc, 0, &w, err);
    /* A run's first record is the state after its first step, so a run of
     * one month steps too (until 2026-12-07 the check skipped it there, and
     * a one-month config that failed in its step passed validation). */
    if (st == PS_OK && sc->n_months >= 1)
        st = ps_world_step(w, err);
    ps_world_free(w);
    return st;
}

ps_status ps_world_step(ps_world *w, ps_error *err)
{
    const ps_scenario *sc = w->sc;
    int nf = w->n_fields;
    if (!ps_inner_parallel(w)) {
        for (int f = 0; f < nf; f++)
            start_part(w, f, 0, ps_field_size(w, f));
    } else {
        /* Part by part, as the check (at N=4000 the copy field by field
         * was the engine's least parallel work). */
#pragma omp parallel num_threads(w->inner_threads)
        for (int f = 0; f < nf; f++) {
            size_t size = ps_field_size(w, f), parts = part_count(size);
#pragma omp for schedule(static) nowait
            for (size_t q = 0; q < parts; q++)
                start_part(w, f, q * PART, part_len(size, q));
        }
    }
    ps_status st = run_models(w, 0, err);
    if (st != PS_OK)
        return st;
    /* The month's timeline events act on top of the models' step. */
    int events = 0;
    for (int e = 0; e < sc->n_events; e++) {
        const ps_event *ev = &sc->events[e];
        if (ev->month != w->month)
            continue;
        events = 1;
        int owner;
        ps_registry_event_type(ev->type, &owner);
        const ps_model *m = ps_registry_model(owner);
        if (m && m->apply_event) {
            ps_status s = m->apply_event(w, owner, w->model_data[owner], ev, err);
            if (s != PS_OK)
                return ps_error_prefix(err, "model '%s' event '%s': ", m->name, ev->id);
        }
        if (log_push(w, ev) != PS_OK)
            return ps_error_set(err, PS_ERR_NOMEM, "out of memory logging events");
    }
    ps_status s = run_models(w, 1, err);
    if (s != PS_OK)
        return s;
    /* A month with events checks every field again (an event may change any
     * field of its model). */
    s = events ? check_finite(w, 0, w->n_fields, err) : PS_OK;
    if (s != PS_OK)
        return s;
    double **t = w->cur;
    w->cur = w->next;
    w->next = t;
    w->month++;
    return PS_OK;
}
