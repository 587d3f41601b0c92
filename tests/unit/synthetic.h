/* Synthetic scenarios built in code for unit tests: no config file, every
 * parameter at its default, actors, theaters, initial values and events
 * added one by one. Logical actor k sits at position perm[k], so a test can
 * reorder the actor list and check that results follow the actors. */
#ifndef PS_TEST_SYNTHETIC_H
#define PS_TEST_SYNTHETIC_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pactsim_model.h"

/* Run length: n months from the start. */
static inline void synth_months(ps_scenario *sc, int n_months)
{
    sc->n_months = n_months;
    sc->end = ps_date_add(sc->start, n_months - 1);
}

/* iso3[k] names logical actor k (NULL: generated as <prefix><k in base 26>). */
static inline ps_scenario *synth_new(const char *name, int n, const int *perm, const char *const *iso3,
                              int n_core, char prefix, int n_months, uint64_t seed,
                              int max_inits, int max_events)
{
    ps_scenario *sc = calloc(1, sizeof *sc);
    sc->name = strdup(name);
    sc->start = (ps_date){2022, 1};
    synth_months(sc, n_months);
    sc->seed = seed;
    sc->replicates = 1;
    sc->n_actors = n;
    sc->actor_name = calloc((size_t)n, sizeof *sc->actor_name);
    sc->actor_iso3 = calloc((size_t)n, sizeof *sc->actor_iso3);
    for (int k = 0; k < n; k++) {
        int i = perm[k];
        if (iso3 && k < n_core)
            snprintf(sc->actor_iso3[i], 8, "%s", iso3[k]);
        else
            snprintf(sc->actor_iso3[i], 8, "%c%c%c", prefix, 'A' + (k / 26) % 26, 'A' + k % 26);
        snprintf(sc->actor_name[i], PS_NAME_MAX, "actor %s", sc->actor_iso3[i]);
    }
    int nm = ps_registry_count();
    sc->params = calloc((size_t)nm, sizeof *sc->params);
    for (int m = 0; m < nm; m++) {
        const ps_model *mod = ps_registry_model(m);
        sc->params[m] = calloc((size_t)mod->n_params + 1, sizeof(double));
        for (int p = 0; p < mod->n_params; p++)
            sc->params[m][p] = mod->params[p].def;
    }
    sc->inits = calloc((size_t)max_inits, sizeof *sc->inits);
    sc->events = calloc((size_t)max_events, sizeof *sc->events);
    return sc;
}

/* Theater t named name, hosted by actor position host (or -1). */
static inline void synth_theaters(ps_scenario *sc, int n, const char *const *names, const int *hosts)
{
    sc->n_theaters = n;
    sc->theater_name = calloc((size_t)n, sizeof *sc->theater_name);
    sc->theater_host = calloc((size_t)n, sizeof *sc->theater_host);
    for (int t = 0; t < n; t++) {
        snprintf(sc->theater_name[t], PS_NAME_MAX, "%s", names[t]);
        sc->theater_host[t] = hosts[t];
    }
}

static inline void synth_init(ps_scenario *sc, const char *field, int i, int j, double v)
{
    int f = ps_field_index(field);
    if (f < 0) {
        fprintf(stderr, "synthetic scenario: no field '%s' in the registry\n", field);
        exit(1);
    }
    sc->inits[sc->n_inits++] = (ps_init_value){f, i, j, v, 0};
}

/* Parameter model.name of a synthetic scenario (exits on a name no model has). */
static inline void synth_param(ps_scenario *sc, const char *model, const char *name, double v)
{
    int m = ps_registry_find(model);
    const ps_model *mod = m >= 0 ? ps_registry_model(m) : NULL;
    for (int k = 0; mod && k < mod->n_params; k++)
        if (!strcmp(mod->params[k].name, name)) {
            sc->params[m][k] = v;
            return;
        }
    fprintf(stderr, "synthetic scenario: no parameter %s.%s\n", model, name);
    exit(1);
}

/* Field `field` of a run in month t: actor i, or the dyad (i, j). */
static inline double synth_at(const ps_run *run, const char *field, int t, int i, int j)
{
    int f = ps_field_index(field), n = run->sc->n_actors;
    if (ps_registry_field(f, NULL)->shape == PS_DYAD)
        return run->series[f][(size_t)t * n * n + (size_t)i * n + j];
    return run->series[f][(size_t)t * n + i];
}

/* The default of model m's parameter `name` (NaN if it has none). */
static inline double synth_default(const ps_model *m, const char *name)
{
    for (int k = 0; k < m->n_params; k++)
        if (!strcmp(m->params[k].name, name))
            return m->params[k].def;
    return NAN;
}

static inline void synth_event(ps_scenario *sc, int month, const char *type, int src, int dst, double m)
{
    ps_event *e = &sc->events[sc->n_events++];
    *e = (ps_event){month, ps_registry_find_event_type(type), src, dst, m, ""};
    snprintf(e->id, sizeof e->id, "%s_%d", type, sc->n_events);
}

static inline void synth_free(ps_scenario *sc)
{
    for (int m = 0; m < ps_registry_count(); m++)
        free(sc->params[m]);
    free(sc->params);
    free(sc->name);
    free(sc->actor_name);
    free(sc->actor_iso3);
    free(sc->theater_name);
    free(sc->theater_host);
    free(sc->inits);
    free(sc->events);
    free(sc);
}
/* The value in run of the metric named name. A name no registered model
 * computes stops the test: a misspelt name must not pass as a NaN. */
static inline double synth_metric(const ps_run *run, const char *name)
{
    for (int m = 0; m < ps_registry_n_metrics(); m++)
        if (!strcmp(ps_registry_metric(m, NULL)->name, name))
            return run->metrics[m];
    fprintf(stderr, "no registered model computes the metric '%s'\n", name);
    exit(1);
}

#endif
