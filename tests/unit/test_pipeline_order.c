/* The pipeline's order is not a model input (docs/ODD.md §3): every model
 * reads the state at the end of month t and writes month t+1, so the baseline
 * run with the registry rotated (each model first once) or reversed gives the
 * same series, bit for bit, field by field (matched by name: the global field
 * indices change with the order). A model that read another's update of the
 * same month, an init that read another init's derived values without
 * declaring the input at_init (inits run in the declared dependency order,
 * docs/architecture.md), or an input guard that took field index 0 for
 * "absent" (the first model's first field has index 0) would break it. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pactsim_model.h"

#define CONFIG PS_SOURCE_DIR "/configs/baseline_2022.yaml"
#define MAX_MODELS 64

/* One run of the baseline (2022-01 to 2023-06, replicate 0) under `list`. */
static ps_run *run_with(const ps_model *const *list, ps_scenario **sc_out)
{
    ps_registry_use(list);
    const char *set[] = {"end=2023-06"};
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    ps_run *run = NULL;
    if (ps_scenario_load(CONFIG, set, 1, &sc, &err) != PS_OK) {
        CHECK(0, "load: %s", err.msg);
    } else if (ps_run_replicate(sc, 0, 1, NULL, &run, &err) != PS_OK) {
        CHECK(0, "run: %s", err.msg);
        run = NULL;
    }
    *sc_out = sc;
    return run;
}

/* Elements of field f (global index under the list in use) per month. */
static size_t field_size(const ps_scenario *sc, int f)
{
    size_t n = (size_t)sc->n_actors;
    switch (ps_registry_field(f, NULL)->shape) {
    case PS_DYAD: return n * n;
    case PS_THEATER: return n * (size_t)sc->n_theaters;
    default: return n;
    }
}

/* Copy every field's series of `run` (under the list in use) by name. */
typedef struct {
    int n;
    char name[512][64];
    size_t len[512];
    double *data[512];
} series_set;

static void take(series_set *s, const ps_scenario *sc, const ps_run *run)
{
    s->n = 0;
    for (int f = 0; f < ps_registry_n_fields() && s->n < 512; f++) {
        size_t len = field_size(sc, f) * (size_t)run->n_months;
        snprintf(s->name[s->n], 64, "%s", ps_registry_field(f, NULL)->name);
        s->len[s->n] = len;
        s->data[s->n] = malloc(len * sizeof(double));
        memcpy(s->data[s->n], run->series[f], len * sizeof(double));
        s->n++;
    }
}

static void drop(series_set *s)
{
    for (int k = 0; k < s->n; k++)
        free(s->data[k]);
    s->n = 0;
}

/* The series of `run` equal `ref`'s, field by field, bit for bit. */
static void same(const series_set *ref, const ps_scenario *sc, const ps_run *run, const char *what)
{
    int matched = 0;
    for (int k = 0; k < ref->n; k++) {
        int f = ps_field_index(ref->name[k]);
        CHECK(f >= 0, "%s: field %s missing", what, ref->name[k]);
        if (f < 0)
            continue;
        size_t len = field_size(sc, f) * (size_t)run->n_months;
        CHECK(len == ref->len[k], "%s: %s has another size", what, ref->name[k]);
        if (len != ref->len[k])
            continue;
        size_t first = len;
        for (size_t e = 0; e < len && first == len; e++)
            if (memcmp(&run->series[f][e], &ref->data[k][e], sizeof(double)) != 0)
                first = e;
        CHECK(first == len, "%s: %s differs at element %zu (month %zu): %.17g vs %.17g", what,
              ref->name[k], first, first / (len / (size_t)run->n_months),
              first < len ? run->series[f][first] : 0.0, first < len ? ref->data[k][first] : 0.0);
        matched++;
    }
    CHECK(matched == ref->n && matched > 40, "%s: %d of %d fields compared", what, matched, ref->n);
}

int main(void)
{
    int n = 0;
    while (ps_models[n])
        n++;
    CHECK(n >= 10 && n < MAX_MODELS, "%d models registered", n);

    static series_set ref;
    ps_scenario *sc = NULL;
    ps_run *run = run_with(NULL, &sc);
    if (!run)
        return CHECK_DONE();
    CHECK(run->n_months == 18, "18 months run (%d)", run->n_months);
    take(&ref, sc, run);
    ps_run_free(run);
    ps_scenario_free(sc);

    /* Rotations (model k first, its first field at global index 0) and the
     * reversed order. */
    const ps_model *list[MAX_MODELS + 1];
    for (int r = 1; r <= n; r++) {
        char what[96];
        for (int k = 0; k < n; k++)
            list[k] = r < n ? ps_models[(k + r) % n] : ps_models[n - 1 - k];
        list[n] = NULL;
        snprintf(what, sizeof what, r < n ? "%s first" : "reversed (%s first)", list[0]->name);
        run = run_with(list, &sc);
        if (run) {
            CHECK(ps_model_field(0, 0) == 0, "%s: its first field has index 0", what);
            same(&ref, sc, run, what);
            ps_run_free(run);
        }
        ps_scenario_free(sc);
    }
    ps_registry_use(NULL);
    drop(&ref);
    return CHECK_DONE();
}
