/* Computed fields (ps_model.computed): a field a model declares computed must
 * be one whose initial value has no effect on a run, since the loader refuses
 * an initial value for it. For every declared field, every entry of it (all
 * actors, all pairs, all actor x theater) is set to its lower and then to its
 * upper bound on top of a scenario's own initial values, appended to the
 * scenario's list directly (past the loader, which refuses them), and every
 * output series, every metric and every event of the run must be
 * bit-identical (memcmp) to the run without them. Scenarios: the baseline
 * (loaded from configs/), a short one with strikes, and a synthetic world
 * (tests/unit/synthetic.h) with theaters, sanctions, oil and arms. A field
 * wrongly declared computed fails here.
 *
 * `test_computed --all` perturbs every output field instead and lists those
 * whose initial value changes nothing in these scenarios without being
 * declared (candidates to check, not failures), and those that change
 * something (which must not be declared). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

/* 1 if field f's declared computed by its owner. */
static int declared(int f)
{
    return ps_registry_field_computed(f);
}

/* Appends to sc's initial values `v` for every entry of field f; returns the
 * old list, which the caller restores (n_old entries). */
static ps_init_value *perturb(ps_scenario *sc, int f, double v, int *n_old)
{
    const ps_field *fd = ps_registry_field(f, NULL);
    int n = sc->n_actors, m = fd->shape == PS_ACTOR ? n : fd->shape == PS_DYAD ? n * n
                                                                               : n * sc->n_theaters;
    ps_init_value *old = sc->inits, *p = malloc(((size_t)sc->n_inits + (size_t)m + 1) * sizeof *p);
    if (!p)
        exit(1);
    if (sc->n_inits)
        memcpy(p, old, (size_t)sc->n_inits * sizeof *p);
    *n_old = sc->n_inits;
    int k = sc->n_inits;
    for (int i = 0; i < n; i++) {
        if (fd->shape == PS_ACTOR)
            p[k++] = (ps_init_value){f, i, -1, v, 0};
        else if (fd->shape == PS_DYAD) {
            for (int j = 0; j < n; j++)
                if (j != i)
                    p[k++] = (ps_init_value){f, i, j, v, 0};
        } else
            for (int t = 0; t < sc->n_theaters; t++)
                p[k++] = (ps_init_value){f, i, t, v, 0};
    }
    sc->inits = p;
    sc->n_inits = k;
    return old;
}

/* 1 if the two runs have the same bits in every output series, metric and
 * event; what (if not NULL) gets the first difference. */
static int same_run(const ps_run *a, const ps_run *b, char *what, size_t len)
{
    const ps_scenario *sc = a->sc;
    if (a->n_done != b->n_done) {
        snprintf(what, len, "months done %d, not %d", b->n_done, a->n_done);
        return 0;
    }
    for (int g = 0; g < ps_registry_n_fields(); g++) {
        const ps_field *fd = ps_registry_field(g, NULL);
        size_t n = (size_t)sc->n_actors, size = fd->shape == PS_ACTOR ? n : fd->shape == PS_DYAD
                                                                        ? n * n
                                                                        : n * (size_t)sc->n_theaters;
        if (memcmp(a->series[g], b->series[g], size * (size_t)a->n_done * sizeof(double))) {
            snprintf(what, len, "series of %s differs", fd->name);
            return 0;
        }
    }
    if (memcmp(a->metrics, b->metrics, (size_t)ps_registry_n_metrics() * sizeof(double))) {
        snprintf(what, len, "a metric differs");
        return 0;
    }
    if (a->n_events != b->n_events) {
        snprintf(what, len, "%d events, not %d", b->n_events, a->n_events);
        return 0;
    }
    for (int e = 0; e < a->n_events; e++) {
        const ps_event *x = &a->events[e], *y = &b->events[e];
        if (x->month != y->month || x->type != y->type || x->source != y->source ||
            x->target != y->target || memcmp(&x->magnitude, &y->magnitude, sizeof(double)) ||
            strcmp(x->id, y->id)) {
            snprintf(what, len, "event %d differs", e);
            return 0;
        }
    }
    return 1;
}

/* Whether perturbing field f (every entry at its lower, then at its upper
 * bound) leaves scenario sc's run identical to ref; why gets the reason. */
static int ignored(ps_scenario *sc, const ps_run *ref, int f, char *why, size_t len)
{
    const ps_field *fd = ps_registry_field(f, NULL);
    const double values[2] = {fd->lo, fd->hi};
    for (int k = 0; k < 2; k++) {
        int n_old;
        ps_init_value *old = perturb(sc, f, values[k], &n_old);
        ps_run *run = NULL;
        ps_error err = {PS_OK, ""};
        ps_status st = ps_run_replicate(sc, 0, 1, NULL, &run, &err);
        int same = st == PS_OK;
        if (!same)
            snprintf(why, len, "at %g: the run fails: %s", values[k], err.msg);
        else {
            char d[256];
            same = same_run(ref, run, d, sizeof d);
            if (!same)
                snprintf(why, len, "at %g: %s", values[k], d);
        }
        ps_run_free(run);
        free(sc->inits);
        sc->inits = old;
        sc->n_inits = n_old;
        if (!same)
            return 0;
    }
    return 1;
}

static int n_checked;

/* Every declared computed field (every output field with all) on scenario sc. */
static void check_scenario(const char *name, ps_scenario *sc, int all)
{
    ps_run *ref = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &ref, &err) == PS_OK, "%s: %s", name, err.msg);
    if (!ref)
        return;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        int owner = -1, dec = declared(f);
        const ps_field *fd = ps_registry_field(f, &owner);
        if (!dec && !all)
            continue;
        if (fd->shape == PS_THEATER && sc->n_theaters == 0)
            continue;
        char why[512] = "";
        int ign = ignored(sc, ref, f, why, sizeof why);
        n_checked++;
        if (dec)
            CHECK(ign, "%s: %s is declared computed by model %s, but its initial value is "
                  "not ignored: %s", name, fd->name, ps_registry_model(owner)->name, why);
        else if (ign)
            printf("%s: %s (%s): initial value ignored here, not declared computed\n", name,
                   fd->name, ps_registry_model(owner)->name);
        else if (all)
            printf("%s: %s (%s): initial value matters (%s)\n", name, fd->name,
                   ps_registry_model(owner)->name, why);
    }
    ps_run_free(ref);
}

static void check_config(const char *file, const char *const *sets, int n_sets, int all)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/configs/%s", PS_SOURCE_DIR, file);
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_scenario_load(path, sets, n_sets, &sc, &err) == PS_OK, "%s: %s", file, err.msg);
    if (sc)
        check_scenario(file, sc, all);
    ps_scenario_free(sc);
}

/* The baseline (to mid-2024) with every parameter of every model at its lower
 * (hi = 0) or upper bound: other code paths (noise off, no persistence, ...). */
static void check_bounds(int hi, int all)
{
    int n = 1;
    for (int k = 0; k < ps_registry_count(); k++)
        n += ps_registry_model(k)->n_params;
    char (*sets)[160] = malloc((size_t)n * sizeof *sets);
    const char **ptr = malloc((size_t)n * sizeof *ptr);
    if (!sets || !ptr)
        exit(1);
    int k = 0;
    snprintf(sets[k++], sizeof *sets, "end=2024-06");
    for (int m = 0; m < ps_registry_count(); m++) {
        const ps_model *mod = ps_registry_model(m);
        for (int i = 0; i < mod->n_params; i++)
            snprintf(sets[k++], sizeof *sets, "parameters.%s.%s=%.17g", mod->name,
                     mod->params[i].name, hi ? mod->params[i].hi : mod->params[i].lo);
    }
    for (int i = 0; i < k; i++)
        ptr[i] = sets[i];
    char path[2048];
    snprintf(path, sizeof path, "%s/configs/baseline_2022.yaml", PS_SOURCE_DIR);
    const char *name = hi ? "baseline, every parameter at its upper bound"
                          : "baseline, every parameter at its lower bound";
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    if (ps_scenario_load(path, ptr, k, &sc, &err) != PS_OK)
        CHECK(0, "%s: %s", name, err.msg);
    else
        check_scenario(name, sc, all);
    ps_scenario_free(sc);
    free(ptr);
    free(sets);
}

/* A synthetic world: 10 actors in two theaters at war, sanctions, oil
 * exporters and importers, arms makers, veto holders, strikes. */
static ps_scenario *synthetic(void)
{
    enum { N = 10 };
    int id[N];
    for (int k = 0; k < N; k++)
        id[k] = k;
    ps_scenario *sc = synth_new("synthetic", N, id, NULL, 0, 'Q', 30, 777, 40 * N + 200, 16);
    const char *const th[] = {"north", "south"};
    const int host[] = {2, 5};
    synth_theaters(sc, 2, th, host);
    for (int k = 0; k < N; k++) {
        synth_init(sc, "gdp", k, -1, 2e11 * (1 + k % 5));
        synth_init(sc, "reserves", k, -1, 3e10 * (1 + k % 3));
        synth_init(sc, "military_capacity", k, -1, 5e9 * (1 + k % 4));
        synth_init(sc, "technology", k, -1, 0.2 + 0.07 * k);
        synth_init(sc, k % 3 == 0 ? "oil_export_capacity" : "oil_import_demand", k, -1,
                   800.0 + 300.0 * k);
        synth_init(sc, "production_drones", k, -1, k % 2 ? 500.0 * k : 0.0);
        synth_init(sc, "production_munitions", k, -1, k % 3 ? 2000.0 * k : 0.0);
        synth_init(sc, "production_air_defense", k, -1, k % 4 == 1 ? 40.0 : 0.0);
        synth_init(sc, "production_aircraft", k, -1, k % 5 == 2 ? 3.0 : 0.0);
        synth_init(sc, "sanction_intensity", k, (k + 1) % N, 0.15 * (k % 4));
        synth_init(sc, "cooperation", k, (k + 3) % N, 0.3 + 0.05 * k);
        synth_init(sc, "trust", k, (k + 3) % N, 0.4);
        synth_init(sc, "agreement_level", k, (k + 3) % N, k % 3);
        synth_init(sc, "commitment", k, k % 2, 0.1 + 0.08 * k);
        synth_init(sc, "combat", k, k % 2, k < 4 ? 0.6 : 0.0);
        synth_init(sc, "interest", k, k % 2, 0.5);
    }
    synth_init(sc, "unsc_veto", 0, -1, 1.0);
    synth_init(sc, "unsc_veto", 4, -1, 1.0);
    synth_init(sc, "regime_stability", 5, -1, 0.2);
    synth_init(sc, "opposition_strength", 5, -1, 0.5);
    synth_event(sc, 1, "sanctions", 1, 2, 0.6);
    synth_event(sc, 2, "asset_freeze", 1, 3, 2e9);
    synth_event(sc, 4, "sanctions", 7, 0, 0.4);
    return sc;
}

/* A declaration naming a field that is not the model's own output field is
 * refused when the registry is checked: another model's field, a misspelling. */
static void check_declarations(void)
{
    const char *const bad[] = {"war_damage gdp", "war_damag", "isolation"};
    int n = 0;
    while (ps_models[n])
        n++;
    int k = ps_registry_find("damage");
    CHECK(k >= 0, "no damage model");
    if (k < 0)
        return;
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        ps_model m = *ps_models[k];
        m.computed = bad[b];
        const ps_model **list = calloc((size_t)n + 1, sizeof *list);
        if (!list)
            exit(1);
        for (int i = 0; i < n; i++)
            list[i] = i == k ? &m : ps_models[i];
        ps_registry_use(list);
        ps_error err = {PS_OK, ""};
        ps_status st = ps_registry_check(&err);
        CHECK(st == PS_ERR_MODEL && strstr(err.msg, "model 'damage' computes") &&
                  strstr(err.msg, "not an output field of its own"),
              "computed = '%s': status %d, %s", bad[b], st, err.msg);
        ps_registry_use(NULL);
        free(list);
    }
}

int main(int argc, char **argv)
{
    check_declarations();
    int all = argc > 1 && !strcmp(argv[1], "--all");
    int n_declared = 0;
    for (int f = 0; f < ps_registry_n_fields(); f++)
        n_declared += declared(f);
    CHECK(n_declared > 0, "no field is declared computed");
    ps_error err = {PS_OK, ""};
    CHECK(ps_registry_check(&err) == PS_OK, "%s", err.msg);

    ps_scenario *sc = synthetic();
    check_scenario("synthetic", sc, all);
    synth_free(sc);
    const char *const short_run[] = {"end=2024-06"};
    check_config("baseline_2022.yaml", short_run, 1, all);
    const char *const history_short[] = {"end=1986-12"};
    check_config("history_1979_2022.yaml", history_short, 1, all);
    check_bounds(0, all);
    check_bounds(1, all);
    printf("%d declared computed fields; %d field x scenario perturbations\n", n_declared,
           n_checked);
    return CHECK_DONE();
}
