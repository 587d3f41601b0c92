/* Strikes feed back (damage model): a struck actor loses productive and
 * military capacity and recovers it, and its trust in and cooperation with
 * the striker fall. Two runs of a three-actor world, the same but for one
 * strike of S on T, compared month by month against values worked out by
 * hand from docs/ODD.md (section "Damage"). Growth shocks are keyed by
 * (actor, month), so both runs draw the same ones. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_economy;
extern const ps_model ps_model_military;
extern const ps_model ps_model_cooperation;
extern const ps_model ps_model_strikes;
extern const ps_model ps_model_damage;

enum { S, T, P }; /* striker, target, a bystander */
#define MAG 0.8
#define STRIKE_MONTH 3 /* timeline month index of the strike */
#define MONTHS 60

#define NEAR(x, y) (fabs((x) - (y)) <= 1e-12 * (1.0 + fabs(y)))

/* The run keeps a pointer to its scenario (run->sc): freed after the run. */
static ps_run *run_world(int strike, double delta, double d0, ps_scenario **out)
{
    int perm[3] = {0, 1, 2};
    ps_scenario *sc = synth_new("damage", 3, perm, NULL, 0, 'D', MONTHS, 5, 32, 2);
    if (delta >= 0.0)
        synth_param(sc, "damage", "damage_per_strike", delta);
    for (int i = 0; i < 3; i++) {
        synth_init(sc, "gdp", i, -1, 1e12 * (i + 1));
        synth_init(sc, "potential_growth", i, -1, 0.03);
        synth_init(sc, "military_capacity", i, -1, 5e10 * (i + 1));
        synth_init(sc, "production_drones", i, -1, 100.0);
        for (int j = 0; j < 3; j++)
            if (i != j) {
                synth_init(sc, "cooperation", i, j, 0.4);
                synth_init(sc, "trust", i, j, 0.6);
            }
    }
    if (strike)
        synth_event(sc, STRIKE_MONTH, "strike", S, T, MAG);
    if (d0 > 0.0)
        synth_init(sc, "war_damage", T, -1, d0);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

int main(void)
{
    const ps_model *pipe[] = {&ps_model_economy, &ps_model_military, &ps_model_cooperation,
                              &ps_model_strikes, &ps_model_damage, NULL};
    ps_registry_use(pipe);
    double delta = synth_default(&ps_model_damage, "damage_per_strike");
    double rho = synth_default(&ps_model_damage, "damage_repair");
    double tl = synth_default(&ps_model_cooperation, "strike_trust_loss");
    double cc = synth_default(&ps_model_cooperation, "strike_cost");
    CHECK(delta > 0.0 && rho > 0.0 && rho < 1.0 && tl > 0.0 && cc > 0.0, "defaults in range");

    ps_scenario *sc[4] = {NULL, NULL, NULL, NULL};
    ps_run *hit = run_world(1, -1.0, 0.0, &sc[0]), *calm = run_world(0, -1.0, 0.0, &sc[1]);
    ps_run *off = run_world(1, 0.0, 0.0, &sc[2]);
    ps_run *scarred = run_world(0, -1.0, 0.4, &sc[3]);
    if (!hit || !calm || !off || !scarred)
        return CHECK_DONE();

    /* Damage given in the initial state is already in the initial GDP and
     * budget (they are observed): no cut in month 1, and repair lifts them,
     * GDP(t) = calm(t) (1 - D(t-1)) / (1 - D0), toward calm / (1 - D0). */
    for (int t = 1; t < MONTHS; t++) {
        double up = (1.0 - synth_at(scarred, "war_damage", t - 1, T, -1)) / (1.0 - 0.4);
        double g = synth_at(scarred, "gdp", t, T, -1), g0 = synth_at(calm, "gdp", t, T, -1);
        CHECK(NEAR(g, g0 * up), "initial damage, GDP month %d: %.15g vs %.15g", t, g, g0 * up);
        double k = synth_at(scarred, "military_capacity_base", t, T, -1);
        double k0 = synth_at(calm, "military_capacity_base", t, T, -1);
        CHECK(NEAR(k, k0 * up), "initial damage, budget month %d: %.15g vs %.15g", t, k, k0 * up);
    }
    /* Series index t holds the state after t + 1 steps. */
    CHECK(synth_at(scarred, "gdp", 0, T, -1) == synth_at(calm, "gdp", 0, T, -1),
          "initial damage: no cut in the first month");
    double d1 = synth_at(scarred, "war_damage", 0, T, -1);
    CHECK(NEAR(d1, 0.4 * (1.0 - rho)) &&
              NEAR(synth_at(scarred, "war_damage_change", 0, T, -1), (1.0 - d1) / (1.0 - 0.4)),
          "change after the first month: %.15g", synth_at(scarred, "war_damage_change", 0, T, -1));

    /* The strike's month: the first series index where `strike` is set. */
    int ts = -1;
    for (int t = 0; t < MONTHS && ts < 0; t++)
        if (synth_at(hit, "strike", t, S, T) > 0.0)
            ts = t;
    CHECK(ts >= 0, "the strike is recorded");
    if (ts < 0)
        return CHECK_DONE();
    CHECK(synth_at(hit, "strike", ts, S, T) == MAG, "magnitude recorded");

    /* Damage: 0 until the strike is read, then delta*m, then repaired by rho a month. */
    for (int t = 0; t <= ts; t++)
        CHECK(synth_at(hit, "war_damage", t, T, -1) == 0.0, "no damage before month %d", t);
    double D = delta * MAG;
    for (int t = ts + 1; t < MONTHS; t++) {
        CHECK(NEAR(synth_at(hit, "war_damage", t, T, -1), D), "damage month %d: %.15g vs %.15g", t,
              synth_at(hit, "war_damage", t, T, -1), D);
        D *= 1.0 - rho;
    }
    for (int t = 0; t < MONTHS; t++) {
        CHECK(synth_at(hit, "war_damage", t, S, -1) == 0.0, "the striker is not damaged");
        CHECK(synth_at(hit, "war_damage", t, P, -1) == 0.0, "the bystander is not damaged");
    }

    /* GDP and military capacity of T: the undamaged path times (1 - D) of the
     * month before (the economy and military models read state t); the others untouched. */
    for (int t = 1; t < MONTHS; t++) {
        double keep = 1.0 - synth_at(hit, "war_damage", t - 1, T, -1);
        double g = synth_at(hit, "gdp", t, T, -1), g0 = synth_at(calm, "gdp", t, T, -1);
        CHECK(NEAR(g, g0 * keep), "GDP month %d: %.15g vs %.15g", t, g, g0 * keep);
        /* Capacity follows GDP's growth (a constant burden), which damage
         * does not change: the undamaged path times (1 - D) too. */
        double k = synth_at(hit, "military_capacity", t, T, -1);
        double k0 = synth_at(calm, "military_capacity", t, T, -1);
        CHECK(NEAR(k, k0 * keep), "capacity month %d: %.15g vs %.15g", t, k, k0 * keep);
        CHECK(synth_at(hit, "gdp", t, S, -1) == synth_at(calm, "gdp", t, S, -1),
              "the striker's GDP is untouched");
        CHECK(synth_at(hit, "military_capacity", t, P, -1) ==
                  synth_at(calm, "military_capacity", t, P, -1),
              "bystander capacity");
    }
    /* Spare drones of T fall with its production lines: production*(1-D)*(1-reserve). */
    double sp0 = synth_at(calm, "materiel_spare_drones", ts + 2, T, -1);
    double sp = synth_at(hit, "materiel_spare_drones", ts + 2, T, -1);
    double dmg = synth_at(hit, "war_damage", ts + 1, T, -1);
    CHECK(sp0 > 0.0 && NEAR(sp, sp0 * (1.0 - dmg)), "spare drones %.15g vs %.15g", sp,
          sp0 * (1.0 - dmg));
    /* Repaired: after five years the loss is under a thousandth. */
    double last = synth_at(hit, "gdp", MONTHS - 1, T, -1) / synth_at(calm, "gdp", MONTHS - 1, T, -1);
    CHECK(last < 1.0 && last > 0.999, "GDP recovers: ratio %.6f", last);

    /* Relations: the month the strike is read, T's trust in S loses tl*m of
     * itself and the pair's cooperation loses cc*m of itself; S's trust in T
     * is not hit directly. Before, the runs are identical. */
    for (int t = 0; t <= ts; t++)
        CHECK(synth_at(hit, "trust", t, T, S) == synth_at(calm, "trust", t, T, S), "trust before");
    double tr = synth_at(calm, "trust", ts, T, S);
    CHECK(NEAR(synth_at(hit, "trust", ts + 1, T, S),
               synth_at(calm, "trust", ts + 1, T, S) - tl * MAG * tr),
          "T's trust in S: %.15g vs %.15g", synth_at(hit, "trust", ts + 1, T, S),
          synth_at(calm, "trust", ts + 1, T, S) - tl * MAG * tr);
    CHECK(synth_at(hit, "trust", ts + 1, S, T) == synth_at(calm, "trust", ts + 1, S, T),
          "S's trust in T is not hit in the strike's month");
    double c0 = 0.5 * (synth_at(calm, "cooperation", ts, S, T) + synth_at(calm, "cooperation", ts, T, S));
    for (int dir = 0; dir < 2; dir++) {
        int a = dir ? T : S, b = dir ? S : T;
        CHECK(NEAR(synth_at(hit, "cooperation", ts + 1, a, b),
                   synth_at(calm, "cooperation", ts + 1, a, b) - cc * MAG * c0),
              "cooperation %d->%d: %.15g vs %.15g", a, b, synth_at(hit, "cooperation", ts + 1, a, b),
              synth_at(calm, "cooperation", ts + 1, a, b) - cc * MAG * c0);
    }
    CHECK(synth_at(hit, "cooperation", ts + 1, T, P) == synth_at(calm, "cooperation", ts + 1, T, P),
          "T's ties with the bystander are not hit in the strike's month");

    /* A strike on capacity already damaged takes its share of what is left:
     * D' = left + (1 - left) min(1, delta m), left = (1 - rho) D (the initial
     * damage 0.4 repaired until the strike is read). */
    ps_scenario *sc_both = NULL;
    ps_run *both = run_world(1, -1.0, 0.4, &sc_both);
    if (both) {
        double left = (1.0 - rho) * synth_at(both, "war_damage", ts, T, -1);
        double want = left + (1.0 - left) * fmin(1.0, delta * MAG);
        CHECK(left > 0.1 && NEAR(synth_at(both, "war_damage", ts + 1, T, -1), want),
              "a strike on damaged capacity: %.15g vs %.15g",
              synth_at(both, "war_damage", ts + 1, T, -1), want);
        CHECK(synth_at(both, "war_damage", ts, T, -1) == synth_at(scarred, "war_damage", ts, T, -1),
              "before the strike is read the damaged world is the scarred one");
    }
    ps_run_free(both);
    synth_free(sc_both);

    /* With damage_per_strike 0 the economy and capacity are those of the calm run. */
    for (int t = 0; t < MONTHS; t++) {
        CHECK(synth_at(off, "gdp", t, T, -1) == synth_at(calm, "gdp", t, T, -1), "no-damage GDP");
        CHECK(synth_at(off, "military_capacity", t, T, -1) ==
                  synth_at(calm, "military_capacity", t, T, -1), "no-damage capacity");
    }
    /* The struck world again with the damage model first in the pipeline:
     * war_damage is then global field 0, which the military model's input
     * guard must not take for "absent". Same capacity and spare drones. */
    double cap[MONTHS], spare[MONTHS];
    for (int t = 0; t < MONTHS; t++) {
        cap[t] = synth_at(hit, "military_capacity", t, T, -1);
        spare[t] = synth_at(hit, "materiel_spare_drones", t, T, -1);
    }
    const ps_model *first[] = {&ps_model_damage, &ps_model_economy, &ps_model_military,
                               &ps_model_cooperation, &ps_model_strikes, NULL};
    ps_registry_use(first);
    CHECK(ps_field_index("war_damage") == 0, "war_damage is field 0");
    ps_scenario *sc_first = NULL;
    ps_run *hit_first = run_world(1, -1.0, 0.0, &sc_first);
    for (int t = 0; hit_first && t < MONTHS; t++) {
        CHECK(synth_at(hit_first, "military_capacity", t, T, -1) == cap[t],
              "damage first: capacity month %d", t);
        CHECK(synth_at(hit_first, "materiel_spare_drones", t, T, -1) == spare[t],
              "damage first: spare drones month %d", t);
    }
    ps_run_free(hit_first);
    synth_free(sc_first);
    ps_registry_use(pipe); /* runs are freed under the pipeline they ran with */
    ps_run_free(hit);
    ps_run_free(calm);
    ps_run_free(off);
    ps_run_free(scarred);
    for (int k = 0; k < 4; k++)
        synth_free(sc[k]);
    ps_registry_use(NULL);
    return CHECK_DONE();
}
