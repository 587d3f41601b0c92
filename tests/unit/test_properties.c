/* Properties every model's output must have, checked over every field of
 * every model on the shipped scenarios: values are finite and within the
 * bounds the field's table declares (shares in [0, 1], amounts >= 0, ...),
 * in every month of a replicate, and a dyad field's self-entries (i, i) are 0
 * (no actor trades with, sanctions, threatens or trusts itself; readers sum
 * rows and columns without skipping them). A model that breaks its own
 * declared units or bounds fails here, whichever model it is. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "pactsim.h"

static void check_config(const char *path, int replicate)
{
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_scenario_load(path, NULL, 0, &sc, &err);
    CHECK(s == PS_OK, "%s: %s", path, err.msg);
    if (s != PS_OK)
        return;
    ps_run *run = NULL;
    s = ps_run_replicate(sc, replicate, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "%s: run: %s", path, err.msg);
    size_t na = (size_t)sc->n_actors;
    for (int f = 0; s == PS_OK && f < ps_registry_n_fields(); f++) {
        int owner = -1;
        const ps_field *fd = ps_registry_field(f, &owner);
        size_t per = fd->shape == PS_ACTOR ? na : fd->shape == PS_DYAD ? na * na
                                                : na * (size_t)sc->n_theaters;
        size_t bad = 0, first = 0;
        double worst = 0.0;
        for (size_t k = 0; k < per * (size_t)run->n_months; k++) {
            double v = run->series[f][k];
            if (!isfinite(v) || v < fd->lo || v > fd->hi) {
                if (!bad++)
                    first = k, worst = v;
            }
        }
        CHECK(bad == 0, "%s: %s.%s has %zu values outside [%g, %g], first %g in month %zu",
              path, ps_registry_model(owner)->name, fd->name, bad, fd->lo, fd->hi, worst,
              per ? first / per : 0);
        if (fd->shape != PS_DYAD)
            continue;
        size_t self = 0, month = 0;
        for (size_t t = 0; t < (size_t)run->n_months; t++)
            for (size_t i = 0; i < na; i++)
                if (run->series[f][t * per + i * na + i] != 0.0 && !self++)
                    month = t;
        CHECK(self == 0, "%s: %s.%s has %zu non-zero self-entries (i, i), first in month %zu",
              path, ps_registry_model(owner)->name, fd->name, self, month);
    }
    ps_run_free(run);
    ps_scenario_free(sc);
}

int main(void)
{
    check_config(PS_SOURCE_DIR "/configs/baseline_2022.yaml", 0);
    check_config(PS_SOURCE_DIR "/configs/baseline_2022.yaml", 17);
    check_config(PS_SOURCE_DIR "/configs/escalation.yaml", 0);
    check_config(PS_SOURCE_DIR "/configs/history_1979_2022.yaml", 0);
    return CHECK_DONE();
}
