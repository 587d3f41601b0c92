/* The economy model on a small world, against values worked out by hand from
 * docs/ODD.md: growth moves towards its target (potential, less sanction
 * pressure and war strain) with AR(1) persistence, GDP compounds monthly,
 * reserves take the current account and lose a drawdown under pressure,
 * lending capacity and the financing need follow. Shocks off (sd 0) for the
 * exact values, on for their spread. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_economy;
extern const ps_model ps_model_sanctions;

enum { A, B, C };

static double at(const ps_run *run, const char *field, int t, int i)
{
    int f = ps_field_index(field);
    return run->series[f][(size_t)t * run->sc->n_actors + i];
}

static int param_index(const char *name)
{
    for (int k = 0; k < ps_model_economy.n_params; k++)
        if (!strcmp(ps_model_economy.params[k].name, name))
            return k;
    return -1;
}

#define NEAR(x, y) (fabs((x) - (y)) <= 1e-12 * (1.0 + fabs(y)))

static ps_run *run_world(double noise, int replicate, ps_scenario **out)
{
    int perm[3] = {0, 1, 2};
    ps_scenario *sc = synth_new("economy", 3, perm, NULL, 0, 'E', 24, 3, 32, 2);
    int m = ps_registry_find("economy");
    sc->params[m][param_index("growth_noise_sd")] = noise;
    for (int i = 0; i < 3; i++) {
        synth_init(sc, "gdp", i, -1, 1e12 * (i + 1));
        synth_init(sc, "gdp_growth", i, -1, 0.02);
        synth_init(sc, "potential_growth", i, -1, 0.03);
        synth_init(sc, "reserves", i, -1, 1e11);
        synth_init(sc, "current_account", i, -1, 0.05);
    }
    /* A and B close 80% of their economy to C: C feels pressure. */
    synth_init(sc, "sanction_intensity", A, C, 0.8);
    synth_init(sc, "sanction_intensity", B, C, 0.8);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, replicate, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

int main(void)
{
    const ps_param *p = ps_model_economy.params;
    double rho = p[param_index("growth_persistence")].def;
    double el = p[param_index("sanction_elasticity")].def;
    double dd = p[param_index("reserve_drawdown")].def;
    double ls = p[param_index("lend_share")].def;
    double gap = p[param_index("finance_gap")].def;
    const ps_model *pipe[] = {&ps_model_sanctions, &ps_model_economy, NULL};
    ps_registry_use(pipe);

    ps_scenario *sc = NULL;
    ps_run *r = run_world(0.0, 0, &sc);
    if (r) {
        /* A: no pressure. */
        double g = rho * 0.02 + (1 - rho) * 0.03;
        CHECK(NEAR(at(r, "gdp_growth", 0, A), g), "growth %.15g vs %.15g",
              at(r, "gdp_growth", 0, A), g);
        CHECK(NEAR(at(r, "gdp", 0, A), 1e12 * pow(1 + g, 1.0 / 12)), "GDP compounds monthly");
        double res = 1e11 + 0.05 * 1e12 / 12;
        CHECK(NEAR(at(r, "reserves", 0, A), res), "reserves %.15g vs %.15g",
              at(r, "reserves", 0, A), res);
        CHECK(NEAR(at(r, "lending_capacity", 0, A), res * ls), "lending capacity");
        CHECK(at(r, "finance_need", 0, A) == 0.0, "no pressure, no need");
        CHECK(NEAR(at(r, "finance_spare", 0, A), res * ls), "spare = lending - need");
        /* C: the economy reads the sanctions model's pressure of state t, which
         * its init derives from the initial state: isolation (A and B, GDP
         * weights 1 and 2, both closing 80%) with no evasion built yet. */
        double pr = (1.0 * 0.8 + 2.0 * 0.8) / 3.0;
        double gc = rho * 0.02 + (1 - rho) * (0.03 - el * pr);
        CHECK(NEAR(at(r, "gdp_growth", 0, C), gc), "growth under pressure %.15g vs %.15g",
              at(r, "gdp_growth", 0, C), gc);
        double resc = 1e11 * (1 - dd * pr) + 0.05 * 3e12 / 12;
        CHECK(NEAR(at(r, "reserves", 0, C), resc), "drawdown");
        CHECK(NEAR(at(r, "lending_capacity", 0, C), resc * ls * (1 - pr)), "lending shrinks");
        CHECK(NEAR(at(r, "finance_need", 0, C), 3e12 * gap * pr), "finance need");
        CHECK(at(r, "finance_spare", 0, C) == fmax(0.0, resc * ls * (1 - pr) - 3e12 * gap * pr),
              "spare");
        /* Growth converges to its target: after two years A is near 3%. */
        CHECK(fabs(at(r, "gdp_growth", 23, A) - 0.03) < 0.001, "A converges (%g)",
              at(r, "gdp_growth", 23, A));
        CHECK(at(r, "gdp_growth", 23, C) < 0.03 - 0.5 * el * pr, "C stays below potential");
        ps_run_free(r);
    }
    synth_free(sc);

    /* Shocks: with sd > 0, replicates differ, each is reproducible, and the
     * month-0 spread of growth is about (1 - 0) x sd around the exact value. */
    double sd = 0.01, sum = 0, sum2 = 0, g0 = rho * 0.02 + (1 - rho) * 0.03;
    int reps = 200;
    for (int k = 0; k < reps; k++) {
        r = run_world(sd, k, &sc);
        double x = r ? at(r, "gdp_growth", 0, A) - g0 : 0.0;
        sum += x;
        sum2 += x * x;
        if (k == 7) {
            ps_scenario *sc2 = NULL;
            ps_run *again = run_world(sd, 7, &sc2);
            CHECK(again && at(again, "gdp_growth", 5, B) == at(r, "gdp_growth", 5, B),
                  "a replicate is reproducible");
            ps_run_free(again);
            synth_free(sc2);
        }
        ps_run_free(r);
        synth_free(sc);
    }
    double mean = sum / reps, sdev = sqrt(sum2 / reps - mean * mean);
    CHECK(fabs(mean) < 3 * sd / sqrt(reps), "shocks centred (%g)", mean);
    CHECK(fabs(sdev - sd) < 0.2 * sd, "shock sd %g vs %g", sdev, sd);
    ps_registry_use(NULL);
    return CHECK_DONE();
}
