/* The sanctions model alone on a three-actor world, against values worked out
 * by hand from docs/ODD.md's equations: isolation (GDP-weighted share of the
 * others' closures), threat, evasion towards its attainable level, pressure,
 * erosion (slower for a sender enforcing secondary sanctions), and the events
 * that tighten or relax a sanction. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_sanctions;
extern const ps_model ps_model_economy;

enum { A, B, C };



#define NEAR(x, y) (fabs((x) - (y)) <= 1e-12 * (1.0 + fabs(y)))

static ps_run *run_world(int with_gdp, ps_scenario **out)
{
    int perm[3] = {0, 1, 2};
    ps_scenario *sc = synth_new("sanctions", 3, perm, NULL, 0, 'S', 3, 11, 16, 4);
    synth_init(sc, "sanction_intensity", A, C, 0.6);
    synth_init(sc, "sanction_intensity", B, C, 0.3);
    synth_init(sc, "secondary_sanctions", A, C, 0.5);
    synth_init(sc, "evasion", C, -1, 0.1);
    if (with_gdp) {
        synth_init(sc, "gdp", A, -1, 1e12);
        synth_init(sc, "gdp", B, -1, 3e12);
        synth_init(sc, "gdp", C, -1, 2e12);
    }
    /* Month 1: B tightens on C by half the gap; month 2: A relaxes a third. */
    synth_event(sc, 1, "sanctions", B, C, 0.5);
    synth_event(sc, 2, "sanctions_relief", A, C, 1.0 / 3.0);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

int main(void)
{
    const double er = synth_default(&ps_model_sanctions, "erosion");
    const double emax = synth_default(&ps_model_sanctions, "evasion_max");
    const double fear = synth_default(&ps_model_sanctions, "secondary_fear");
    const double adj = synth_default(&ps_model_sanctions, "evasion_adjust");
    const double enf = synth_default(&ps_model_sanctions, "enforcement");
    CHECK(er > 0 && emax > 0 && fear > 0 && adj > 0 && enf > 0, "defaults found");
    /* A erodes its sanction on C at er (1 - enf s2), s2 its secondary sanction
     * of state t (itself eroding at er); B, with none, at er. */
    const double s2_0 = 0.5, s2_1 = 0.5 * (1 - er);
    const double ea0 = er * (1 - enf * s2_0), ea1 = er * (1 - enf * s2_1);

    /* Equal weights (no economy model: gdp is an optional input). */
    const ps_model *only[] = {&ps_model_sanctions, NULL};
    ps_registry_use(only);
    ps_scenario *sc = NULL;
    ps_run *r = run_world(0, &sc);
    if (r) {
        /* Month 0 (first step) for C: each other actor weighs 1/2; isolation
         * and threat follow from the month's (eroded) intensities. */
        double isol = 0.5 * 0.6 * (1 - ea0) + 0.5 * 0.3 * (1 - er), threat = 0.5 * 0.5 * (1 - er);
        /* Channels (from state t: the initial threat 0.25): A and B are not
         * isolated, so each fears threat x fear. */
        double f = fmin(1.0, fear * 0.25);
        double channel = 0.5 * (1 - 0.6) * (1 - f) + 0.5 * (1 - 0.3) * (1 - f);
        double e = 0.1 + adj * (emax * fmin(1.0, channel) - 0.1);
        CHECK(NEAR(synth_at(r, "isolation", 0, C, -1), isol), "isolation %.15g vs %.15g",
              synth_at(r, "isolation", 0, C, -1), isol);
        CHECK(NEAR(synth_at(r, "secondary_threat", 0, C, -1), threat), "threat");
        CHECK(NEAR(synth_at(r, "evasion", 0, C, -1), e), "evasion %.15g vs %.15g",
              synth_at(r, "evasion", 0, C, -1), e);
        CHECK(NEAR(synth_at(r, "sanction_pressure", 0, C, -1), isol * (1 - e)), "pressure");
        /* Nobody sanctions A: no isolation, no evasion built, no pressure. */
        CHECK(synth_at(r, "isolation", 0, A, -1) == 0 && synth_at(r, "evasion", 0, A, -1) == 0 &&
              synth_at(r, "sanction_pressure", 0, A, -1) == 0, "A unsanctioned");
        /* Erosion, then B's tightening in month 1 and A's relief in month 2. */
        double sb0 = 0.3 * (1 - er), sa0 = 0.6 * (1 - ea0);
        CHECK(NEAR(synth_at(r, "sanction_intensity", 0, B, C), sb0), "erosion");
        CHECK(NEAR(synth_at(r, "sanction_intensity", 0, A, C), sa0) && sa0 > 0.6 * (1 - er),
              "enforced erosion %.15g vs %.15g", synth_at(r, "sanction_intensity", 0, A, C), sa0);
        double sb1 = sb0 * (1 - er);
        sb1 += 0.5 * (1 - sb1);
        CHECK(NEAR(synth_at(r, "sanction_intensity", 1, B, C), sb1), "tightening %.15g vs %.15g",
              synth_at(r, "sanction_intensity", 1, B, C), sb1);
        double sa2 = sa0 * (1 - ea1) * (1 - er * (1 - enf * 0.5 * (1 - er) * (1 - er)));
        sa2 -= sa2 / 3.0;
        CHECK(NEAR(synth_at(r, "sanction_intensity", 2, A, C), sa2), "relief");
        CHECK(NEAR(synth_at(r, "secondary_sanctions", 1, A, C), 0.5 * (1 - er) * (1 - er)),
              "secondary sanctions erode too");
        /* Month 1's isolation of C includes the tightening applied in month 1
         * (settled after the month's events), and its pressure with it. */
        double isol1 = 0.5 * sa0 * (1 - ea1) + 0.5 * sb1;
        CHECK(NEAR(synth_at(r, "isolation", 1, C, -1), isol1), "isolation %.15g vs %.15g: the "
              "month's events count", synth_at(r, "isolation", 1, C, -1), isol1);
        CHECK(NEAR(synth_at(r, "sanction_pressure", 1, C, -1),
                   isol1 * (1 - synth_at(r, "evasion", 1, C, -1))), "pressure after the events");
        /* Month 1's evasion reads state t (month 0's isolation and threat). */
        double e1 = e + adj * (emax * fmin(1.0, 0.5 * (1 - sa0) * (1 - fmin(1.0, fear * threat)) +
                                                0.5 * (1 - sb0) * (1 - fmin(1.0, fear * threat))) -
                               e);
        CHECK(NEAR(synth_at(r, "evasion", 1, C, -1), e1), "evasion %.15g vs %.15g reads state t",
              synth_at(r, "evasion", 1, C, -1), e1);
        /* /summary's peak_sanction_pressure is the series' largest value,
         * every month and actor (it is below 1 here, so a peak that starts
         * from 1, or skips a month, is caught). */
        double peak = -1.0;
        for (int t = 0; t < sc->n_months; t++)
            for (int a = A; a <= C; a++)
                peak = fmax(peak, synth_at(r, "sanction_pressure", t, a, -1));
        double got = synth_metric(r, "peak_sanction_pressure");
        CHECK(peak > 0.0 && peak < 1.0 && got == peak,
              "peak_sanction_pressure %.17g, the series' largest %.17g", got, peak);
        ps_run_free(r);
    }
    synth_free(sc);

    /* GDP weights: the economy model's gdp of state t weighs each sender. In
     * both pipeline orders: with the economy first, gdp is global field 0, which
     * an input guard must not take for "absent". */
    const ps_model *two[] = {&ps_model_sanctions, &ps_model_economy, NULL};
    const ps_model *two_rev[] = {&ps_model_economy, &ps_model_sanctions, NULL};
    double growth0 = NAN;
    for (int order = 0; order < 2; order++) {
        ps_registry_use(order ? two_rev : two);
        CHECK(!order || ps_field_index("gdp") == 0, "gdp is field 0 with the economy first");
        r = run_world(1, &sc);
        if (r) {
            /* Others of C: A (1e12) and B (3e12). */
            double isol = (1.0 * 0.6 * (1 - ea0) + 3.0 * 0.3 * (1 - er)) / 4.0;
            CHECK(NEAR(synth_at(r, "isolation", 0, C, -1), isol),
                  "order %d: GDP-weighted isolation %.15g vs %.15g", order,
                  synth_at(r, "isolation", 0, C, -1), isol);
            /* A's exposure: B and C do not sanction A. */
            CHECK(synth_at(r, "isolation", 0, A, -1) == 0.0, "A");
            /* Month 0's growth reads the pressure the sanctions model derived at
             * init (GDP-weighted too): the same whichever model comes first. */
            double g0 = synth_at(r, "gdp_growth", 0, C, -1);
            if (order == 0)
                growth0 = g0;
            CHECK(g0 == growth0, "order %d: month 0 growth of C %.17g vs %.17g", order, g0,
                  growth0);
            ps_run_free(r);
        }
        synth_free(sc);
    }
    ps_registry_use(NULL);
    return CHECK_DONE();
}
