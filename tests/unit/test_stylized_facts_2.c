/* Stylized facts of model II (alignment, hedging, leverage), on 100 replicates.
 *
 * As in test_stylized_facts.c (the helpers of facts.h): each fact is a
 * statistic per replicate, paired across scenarios where it is a contrast,
 * and holds when the central 95% of replicates lie on the right side of
 * zero. Every fact prints its figures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "replicates.h"
#include "facts.h"

/* SF1, "stays a convergence" (agreements model): the Russia-Iran agreement
 * level stays below 3 (mutual-defense alliance) in every month of every
 * replicate; the distribution of the highest level reached is printed. */
static void sf1_agreement(const scenario_runs *base)
{
    int RUS = ps_scenario_actor(base->sc, "RUS"), IRN = ps_scenario_actor(base->sc, "IRN");
    int f = ps_field_index("agreement_level"), seen[4] = {0, 0, 0, 0}, below = 1;
    CHECK(RUS >= 0 && IRN >= 0 && f >= 0, "SF1: RUS, IRN and agreement_level present");
    if (RUS < 0 || IRN < 0 || f < 0)
        return;
    size_t n = (size_t)base->sc->n_actors;
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base->run[r];
        double top = 0.0;
        for (int t = 0; t < u->n_months; t++)
            top = fmax(top, u->series[f][(size_t)t * n * n + (size_t)RUS * n + IRN]);
        below &= top < 3.0;
        seen[(int)fmin(3.0, fmax(0.0, top))]++;
    }
    printf("SF1  RUS-IRN highest agreement level per replicate: 0: %d, 1: %d, 2: %d, 3: %d (of %d)\n",
           seen[0], seen[1], seen[2], seen[3], REPS);
    CHECK(below, "SF1: the Russia-Iran agreement reaches the alliance level in some replicate");
}

int main(void)
{
    static scenario_runs base, gulf;
    if (load_and_run("baseline_2022.yaml", &base) || load_and_run("gulf_hedging.yaml", &gulf)) {
        fprintf(stderr, "could not run the scenarios\n");
        return 1;
    }
    int RUS = A(&base, "RUS"), IRN = A(&base, "IRN"), TUR = A(&base, "TUR"),
        USA = A(&base, "USA"), SAU = A(&base, "SAU"), ARE = A(&base, "ARE");
    if (RUS < 0 || IRN < 0 || TUR < 0 || USA < 0 || SAU < 0 || ARE < 0)
        return 1;
    double x[REPS], y[REPS], z[REPS];

    /* SF7: in 2022 (after Biden's trip, 2022-08..12 against 2022-01) Saudi
     * Arabia's and the UAE's alignment toward the US rises while the UAE's
     * ties with Iran grow; the UAE hedges more than Saudi Arabia. */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = dyad(u, "alignment", SAU, USA, 2022, 8, 2023, 1) -
               dyad(u, "alignment", SAU, USA, 2022, 1, 2022, 2);
        y[r] = dyad(u, "alignment", ARE, USA, 2022, 8, 2023, 1) -
               dyad(u, "alignment", ARE, USA, 2022, 1, 2022, 2);
        z[r] = dyad(u, "alignment", ARE, IRN, 2022, 8, 2023, 1) -
               dyad(u, "alignment", ARE, IRN, 2022, 1, 2022, 2);
    }
    report("SF7", "SAU alignment toward USA, 2022-08..12 minus 2022-01", x, +1);
    report("SF7", "ARE alignment toward USA, 2022-08..12 minus 2022-01", y, +1);
    report("SF7", "ARE alignment toward IRN, 2022-08..12 minus 2022-01", z, +1);
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = actor(u, "hedging_index", ARE, 2022, 8, 2023, 1) -
               actor(u, "hedging_index", SAU, 2022, 8, 2023, 1);
    }
    report("SF7", "hedging index ARE minus SAU, 2022-08..12", x, +1);
    double q[3];
    for (int r = 0; r < REPS; r++)
        x[r] = actor(base.run[r], "hedging_index", ARE, 2022, 8, 2023, 1);
    quantiles(x, q);
    printf("     (ARE hedging index 2022-08..12: median %.3f;", q[1]);
    for (int r = 0; r < REPS; r++)
        x[r] = actor(base.run[r], "hedging_index", SAU, 2022, 8, 2023, 1);
    quantiles(x, q);
    printf(" SAU: median %.3f)\n", q[1]);

    /* SF7 contrast: in gulf_hedging (the Gulf leans away from the US in July
     * 2022) both lean less toward the US and hedge more (paired). */
    for (int r = 0; r < REPS; r++) {
        x[r] = dyad(gulf.run[r], "alignment", SAU, USA, 2022, 8, 2023, 1) -
               dyad(base.run[r], "alignment", SAU, USA, 2022, 8, 2023, 1);
        y[r] = dyad(gulf.run[r], "alignment", ARE, USA, 2022, 8, 2023, 1) -
               dyad(base.run[r], "alignment", ARE, USA, 2022, 8, 2023, 1);
        z[r] = actor(gulf.run[r], "hedging_index", SAU, 2022, 8, 2023, 1) -
               actor(base.run[r], "hedging_index", SAU, 2022, 8, 2023, 1);
    }
    report("SF7", "SAU alignment toward USA 2022-08..12, gulf_hedging minus baseline", x, -1);
    report("SF7", "ARE alignment toward USA 2022-08..12, gulf_hedging minus baseline", y, -1);
    report("SF7", "SAU hedging index 2022-08..12, gulf_hedging minus baseline", z, +1);
    for (int r = 0; r < REPS; r++)
        x[r] = dyad(gulf.run[r], "alignment", SAU, USA, 2022, 8, 2023, 1) -
               dyad(gulf.run[r], "alignment", SAU, USA, 2022, 1, 2022, 2);
    report("SF7", "gulf_hedging: SAU alignment toward USA, 2022-08..12 minus 2022-01", x, -1);

    /* SF8: Turkey's leverage over Russia rises after February 2022, and the
     * balance (Turkey over Russia minus Russia over Turkey) shifts Turkey's way. */
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = base.run[r];
        x[r] = dyad(u, "leverage", TUR, RUS, 2022, 4, 2022, 8) -
               dyad(u, "leverage", TUR, RUS, 2022, 1, 2022, 2);
        y[r] = dyad(u, "leverage", TUR, RUS, 2022, 4, 2022, 8) -
               dyad(u, "leverage", RUS, TUR, 2022, 4, 2022, 8) -
               (dyad(u, "leverage", TUR, RUS, 2022, 1, 2022, 2) -
                dyad(u, "leverage", RUS, TUR, 2022, 1, 2022, 2));
        z[r] = dyad(u, "leverage", TUR, RUS, 2023, 1, 2024, 1) -
               dyad(u, "leverage", TUR, RUS, 2022, 1, 2022, 2);
    }
    report("SF8", "TUR leverage over RUS, 2022-04..07 minus 2022-01", x, +1);
    report("SF8", "balance TUR-over-RUS minus RUS-over-TUR, 2022-04..07 minus 2022-01", y, +1);
    report("SF8", "TUR leverage over RUS, 2023 minus 2022-01", z, +1);
    for (int r = 0; r < REPS; r++)
        x[r] = dyad(base.run[r], "leverage", TUR, RUS, 2022, 1, 2022, 2);
    quantiles(x, q);
    printf("     (TUR leverage over RUS 2022-01: median %.3f;", q[1]);
    for (int r = 0; r < REPS; r++)
        x[r] = dyad(base.run[r], "leverage", TUR, RUS, 2022, 4, 2022, 8);
    quantiles(x, q);
    printf(" 2022-04..07: median %.3f)\n", q[1]);

    sf1_agreement(&base);

    free_runs(&base);
    free_runs(&gulf);
    return CHECK_DONE();
}
