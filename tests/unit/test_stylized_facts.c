/* Stylized facts of model I (the article's patterns), on 100 replicates.
 *
 * Each fact is a statistic per replicate (paired across scenarios where the
 * fact is a contrast: replicate r draws the same random numbers in every
 * scenario). A fact holds when the central 95% of replicates all lie on the
 * right side of zero — stricter than an interval for the mean. Every fact
 * prints its figures, so a failure says by how much. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "replicates.h"
#include "facts.h"

static double theater(const ps_run *run, const char *f, int i, int t, int y0, int m0, int y1,
                      int m1)
{
    int fi = ps_field_index(f), nt = run->sc->n_theaters;
    int a = M(run, y0, m0), b = M(run, y1, m1);
    double s = 0.0;
    for (int k = a; k < b; k++)
        s += run->series[fi][((size_t)k * run->sc->n_actors + i) * nt + t];
    return b > a ? s / (b - a) : NAN;
}

/* Value of a dyad field at the end of a month (cumulative fields). */
static double dyad_at(const ps_run *run, const char *f, int i, int j, int y, int m)
{
    size_t n = (size_t)run->sc->n_actors;
    int t = M(run, y, m);
    return run->series[ps_field_index(f)][(size_t)t * n * n + i * n + j];
}

int main(void)
{
    static scenario_runs base, relief_iran, relief_russia, bailout, neither;
    if (load_and_run("baseline_2022.yaml", &base) || load_and_run("relief_iran.yaml", &relief_iran) ||
        load_and_run("no_invasion.yaml", &neither) ||
        load_and_run("relief_russia.yaml", &relief_russia) ||
        load_and_run("china_bailout.yaml", &bailout)) {
        fprintf(stderr, "could not run the scenarios\n");
        return 1;
    }
    int RUS = A(&base, "RUS"), IRN = A(&base, "IRN"), CHN = A(&base, "CHN"),
        IND = A(&base, "IND"), USA = A(&base, "USA"), EUU = A(&base, "EUU");
    int syria = ps_scenario_theater(base.sc, "syria");
    double x[REPS], y[REPS];

    /* SF1: cooperation rises after the invasion, and stays a convergence:
     * below the transatlantic alliance's level in the same run. */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = dyad(u, "cooperation", RUS, IRN, 2022, 7, 2023, 7) -
               dyad(u, "cooperation", RUS, IRN, 2022, 1, 2022, 2);
        double peak = 0.0;
        for (int t = 0; t < u->n_months; t++)
            peak = fmax(peak, dyad(u, "cooperation", RUS, IRN, 2022, 1 + t, 2022, 2 + t));
        y[r] = dyad(u, "cooperation", USA, EUU, 2030, 1, 2031, 1) - peak;
    }
    report("SF1", "RUS-IRN cooperation, 2022-07..2023-06 minus 2022-01", x, +1);
    report("SF1", "USA-EU cooperation 2030 minus peak RUS-IRN cooperation", y, +1);
    /* SF1 without the drift: the pre/post contrast above also moves with no 2022
     * event at all (the initial state drifts), so the rise is also measured
     * against the counterfactual with neither the invasion nor the sanctions,
     * replicate by replicate (the same random numbers). */
    for (int r = 0; r < REPS; r++)
        x[r] = dyad(base.run[r], "cooperation", RUS, IRN, 2022, 7, 2023, 7) -
               dyad(neither.run[r], "cooperation", RUS, IRN, 2022, 7, 2023, 7);
    report("SF1", "RUS-IRN cooperation 2022-07..2023-06, baseline minus no invasion nor "
                  "sanctions (paired)", x, +1);

    /* SF2: Russia under the highest sanction pressure by mid-2022, above Iran. */
    int top_ok = 1;
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = actor(u, "sanction_pressure", RUS, 2022, 5, 2022, 8) -
               actor(u, "sanction_pressure", IRN, 2022, 5, 2022, 8);
        for (int i = 0; i < base.sc->n_actors; i++)
            if (i != RUS && actor(u, "sanction_pressure", i, 2022, 5, 2022, 8) >=
                                actor(u, "sanction_pressure", RUS, 2022, 5, 2022, 8))
                top_ok = 0;
    }
    report("SF2", "sanction pressure RUS minus IRN, 2022-05..07", x, +1);
    CHECK(top_ok, "SF2: Russia is not the most pressured actor in every replicate");

    /* SF3: Russia's Syria commitment falls, Iran's influence there rises. */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = theater(u, "commitment", RUS, syria, 2023, 1, 2024, 1) -
               theater(u, "commitment", RUS, syria, 2022, 1, 2022, 2);
        y[r] = theater(u, "influence", IRN, syria, 2023, 1, 2024, 1) -
               theater(u, "influence", IRN, syria, 2022, 1, 2022, 2);
    }
    report("SF3", "RUS commitment in Syria, 2023 minus 2022-01", x, -1);
    report("SF3", "IRN influence in Syria, 2023 minus 2022-01", y, +1);

    /* SF4: Iranian arms to Russia within months, mostly drones (the category
     * with the largest flow relative to Russia's wartime use). */
    static const char *cat[] = {"drones", "munitions", "air_defense", "aircraft"};
    int mostly_drones = 1;
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = dyad(u, "arms_transfer_drones", IRN, RUS, 2022, 3, 2022, 10);
        double share[4];
        for (int c = 0; c < 4; c++) {
            char f[64], use[64];
            snprintf(f, sizeof f, "arms_transfer_%s", cat[c]);
            snprintf(use, sizeof use, "wartime_use_%s", cat[c]);
            double w = actor(u, use, RUS, 2022, 3, 2022, 10);
            share[c] = w > 0.0 ? dyad(u, f, IRN, RUS, 2022, 3, 2022, 10) / w : 0.0;
        }
        for (int c = 1; c < 4; c++)
            if (share[c] >= share[0])
                mostly_drones = 0;
    }
    report("SF4", "IRN->RUS drones per month, 2022-03..09", x, +1);
    CHECK(mostly_drones, "SF4: drones are not the main category of Iran's arms to Russia");

    /* SF5: most of Russia's promised finance to Iran is not delivered (to 2024). */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = dyad_at(u, "finance_delivered", RUS, IRN, 2024, 12) /
                   dyad_at(u, "finance_promised", RUS, IRN, 2024, 12) - 0.5;
        y[r] = dyad_at(u, "finance_delivered", RUS, IRN, 2030, 12) /
               dyad_at(u, "finance_promised", RUS, IRN, 2030, 12);
    }
    report("SF5", "share of RUS->IRN pledges delivered by 2024-12, minus 0.5", x, -1);
    double q[3];
    quantiles(y, q);
    printf("     (share delivered by 2030-12, for the record: median %.3f)\n", q[1]);

    /* SF6: China and India buy more discounted Russian and Iranian oil; China's
     * finance to Russia stays small against Russia's need; a bailout differs. */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = 0.0;
        for (int b = 0; b < 2; b++) {
            int buyer = b ? IND : CHN;
            x[r] += dyad(u, "oil_trade", RUS, buyer, 2022, 7, 2023, 7) +
                    dyad(u, "oil_trade", IRN, buyer, 2022, 7, 2023, 7) -
                    dyad(u, "oil_trade", RUS, buyer, 2022, 1, 2022, 2) -
                    dyad(u, "oil_trade", IRN, buyer, 2022, 1, 2022, 2);
        }
        /* The widening since January: the level alone cannot fail, as the 2021
         * discount (an input, ~2 USD/bbl) keeps it positive without sanctions. */
        y[r] = actor(u, "oil_discount", RUS, 2022, 4, 2023, 1) -
               actor(u, "oil_discount", RUS, 2022, 1, 2022, 2);
    }
    report("SF6", "CHN+IND purchases of RUS+IRN oil, 2022-07..2023-06 minus 2022-01 (kb/d)", x, +1);
    report("SF6", "discount on Russian oil, 2022-04..12 minus 2022-01 (USD/bbl)", y, +1);
    double gap[REPS];
    for (int r = 0; r < REPS; r++) {
        for (int s = 0; s < 2; s++) {
            const ps_run *u = s ? bailout.run[r] : base.run[r];
            double fin = dyad(u, "finance_flow", CHN, RUS, 2022, 8, 2024, 1) +
                         dyad(u, "promise_delivery", CHN, RUS, 2022, 8, 2024, 1);
            double need = actor(u, "finance_need", RUS, 2022, 8, 2024, 1);
            (s ? y : x)[r] = fin / need;
        }
        gap[r] = y[r] - x[r];
        x[r] -= 0.25;
    }
    report("SF6", "China's finance to Russia / Russia's need, 2022-08..2023, minus 0.25", x, -1);
    report("SF6", "same ratio, china_bailout minus baseline (paired)", gap, +1);

    /* SF9: relief for either side weakens the pact by 2024 (paired replicates). */
    for (int r = 0; r < REPS; r++) {
        double b = dyad(base.run[r], "cooperation", RUS, IRN, 2024, 1, 2025, 1);
        x[r] = dyad(relief_iran.run[r], "cooperation", RUS, IRN, 2024, 1, 2025, 1) - b;
        y[r] = dyad(relief_russia.run[r], "cooperation", RUS, IRN, 2024, 1, 2025, 1) - b;
    }
    report("SF9", "RUS-IRN cooperation 2024, relief_iran minus baseline", x, -1);
    report("SF9", "RUS-IRN cooperation 2024, relief_russia minus baseline", y, -1);

    free_runs(&base);
    free_runs(&relief_iran);
    free_runs(&relief_russia);
    free_runs(&bailout);
    free_runs(&neither);
    return CHECK_DONE();
}
