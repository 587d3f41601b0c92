/* Fields a model overwrites whole (ps_model.overwrites) are not copied from
 * state t before the step. Two worlds of each scenario step side by side: one
 * copying every field first (the engine before the declarations), one not
 * copying the declared fields and filling them with NaN instead. A value the
 * step leaves unwritten fails the finiteness check of the second; a step that
 * reads its own field's next before writing it (x += ...) gives other values.
 * Every state field, internal ones too, must be bit-identical every month, on
 * every scenario in configs/ and on the baseline with every parameter at its
 * lower and at its upper bound (other code paths: noise off, no jumps, ...). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"

static int n_compared;

/* Step both worlds of replicate r to the end; 1 if they stayed identical. */
static void compare(const char *what, const char *path, const char *const *sets, int n_sets,
                    int r)
{
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    if (ps_scenario_load(path, sets, n_sets, &sc, &err) != PS_OK) {
        /* a calibrated config needs its posterior file; a bound may be refused */
        printf("%s: skipped (%s)\n", what, err.msg);
        return;
    }
    ps_world *w[2] = {NULL, NULL};
    ps_status s0 = ps_world_create(sc, r, &w[0], &err), s1 = PS_OK;
    CHECK(s0 == PS_OK, "%s: %s", what, err.msg);
    if (s0 == PS_OK)
        CHECK((s1 = ps_world_create(sc, r, &w[1], &err)) == PS_OK, "%s: %s", what, err.msg);
    if (s0 != PS_OK || s1 != PS_OK) {
        ps_world_free(w[0]);
        ps_world_free(w[1]);
        ps_scenario_free(sc);
        return;
    }
    int skipped = 0;
    for (int f = 0; f < w[0]->n_fields; f++) {
        skipped += !w[1]->copy[f];
        w[0]->copy[f] = 1; /* the engine before ps_model.overwrites */
    }
    w[0]->poison = 0;
    w[1]->poison = 1;
    CHECK(skipped > 0, "%s: no field is overwritten whole", what);
    int t, same = 1;
    for (t = 0; t < sc->n_months && same; t++) {
        ps_error e0 = {PS_OK, ""}, e1 = {PS_OK, ""};
        s0 = ps_world_step(w[0], &e0);
        s1 = ps_world_step(w[1], &e1);
        CHECK(s0 == s1, "%s, month %d: copying every field: %s; skipping the overwritten: %s",
              what, t, e0.msg, e1.msg);
        if (s0 != PS_OK || s1 != PS_OK)
            break;
        for (int f = 0; f < w[0]->n_fields && same; f++) {
            size_t n = ps_field_size(w[0], f);
            same = !memcmp(w[0]->cur[f], w[1]->cur[f], n * sizeof(double));
            CHECK(same, "%s, month %d: field %s differs when it is not copied first (%s)",
                  what, t, ps_registry_field(f, NULL)->name,
                  w[1]->copy[f] ? "copied: another field's step reads it" : "overwritten");
        }
    }
    n_compared++;
    printf("%s: %d months, %d of %d fields not copied, identical: %s\n", what, t, skipped,
           w[0]->n_fields, same ? "yes" : "NO");
    ps_world_free(w[0]);
    ps_world_free(w[1]);
    ps_scenario_free(sc);
}

static int is_yaml(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".yaml");
}

/* Every parameter of every model at its lower (hi = 0) or upper bound. */
static void at_bounds(const char *path, int hi)
{
    char (*sets)[160] = NULL;
    const char **ptr = NULL;
    int n = 0, cap = 0;
    for (int k = 0; k < ps_registry_count(); k++) {
        const ps_model *m = ps_registry_model(k);
        for (int i = 0; i < m->n_params; i++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                sets = realloc(sets, (size_t)cap * sizeof *sets);
                if (!sets)
                    return;
            }
            const ps_param *p = &m->params[i];
            snprintf(sets[n++], sizeof *sets, "parameters.%s.%s=%.17g", m->name, p->name,
                     hi ? p->hi : p->lo);
        }
    }
    ptr = malloc(((size_t)n + 1) * sizeof *ptr);
    for (int i = 0; ptr && i < n; i++)
        ptr[i] = sets[i];
    if (ptr)
        compare(hi ? "baseline, every parameter at its upper bound"
                   : "baseline, every parameter at its lower bound",
                path, ptr, n, 0);
    free(ptr);
    free(sets);
}

int main(void)
{
    char dir[1024], path[2048];
    snprintf(dir, sizeof dir, "%s/configs", PS_SOURCE_DIR);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s", dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (is_yaml(e->d_name)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            compare(e->d_name, path, NULL, 0, 1);
        }
    if (d)
        closedir(d);
    snprintf(path, sizeof path, "%s/configs/baseline_2022.yaml", PS_SOURCE_DIR);
    at_bounds(path, 0);
    at_bounds(path, 1);
    CHECK(n_compared >= 10, "only %d scenarios compared", n_compared);
    return CHECK_DONE();
}
