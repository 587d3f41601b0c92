/* Oil market: a synthetic scenario built in code. Sellers A and B (B is an
 * Iran-like seller under US-style secondary sanctions from Z, which buys no
 * oil), buyers X and Y. Checks: (1) without new sanctions volumes stay near
 * their initial values; (2) when X embargoes A, A's sales to X fall over
 * months (friction), A's discount rises, Y buys more from A and A becomes
 * B's rival in Y; (3) revenue = volume x price received; (4) a price event
 * sets the benchmark that month, the same for every actor; (5) results do not
 * depend on the number of inner threads nor on the order of actors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"
#include "pactsim_model.h"

extern const ps_model ps_model_oil;

enum { A, B, X, Y, Z, N_CORE };
static const char *const core_iso[N_CORE] = {"AAA", "BBB", "XXX", "YYY", "ZZZ"};
#define EMBARGO_MONTH 2
#define PRICE_MONTH 5

static int field(const char *name)
{
    int f = ps_field_index(name);
    if (f < 0) {
        fprintf(stderr, "unknown field %s: is the oil model registered?\n", name);
        exit(1);
    }
    return f;
}

/* n >= 5 actors, logical actor k at position perm[k]. Actors beyond the core
 * are alternately small sellers and small buyers trading with the core. */
static ps_scenario *scenario(int n, const int *perm, int embargo, int price_event)
{
    ps_scenario *sc = synth_new("oil", n, perm, core_iso, N_CORE, 'Q', 24, 99, 64 + 8 * n, 8);
    int a = perm[A], b = perm[B], x = perm[X], y = perm[Y], z = perm[Z];
    synth_init(sc, "gdp", a, -1, 1.8e12);
    synth_init(sc, "gdp", b, -1, 0.4e12);
    synth_init(sc, "gdp", x, -1, 17e12);
    synth_init(sc, "gdp", y, -1, 18e12);
    synth_init(sc, "gdp", z, -1, 23e12);
    synth_init(sc, "oil_price", a, -1, 80.0);
    synth_init(sc, "oil_export_capacity", a, -1, 1000.0);
    synth_init(sc, "oil_export_capacity", b, -1, 800.0);
    synth_init(sc, "oil_import_demand", x, -1, 1000.0);
    synth_init(sc, "oil_import_demand", y, -1, 1000.0);
    synth_init(sc, "oil_trade", a, x, 600.0);
    synth_init(sc, "oil_trade", a, y, 100.0);
    synth_init(sc, "oil_trade", b, x, 200.0);
    synth_init(sc, "oil_trade", b, y, 500.0);
    synth_init(sc, "oil_discount", a, -1, 2.0);
    synth_init(sc, "oil_discount", b, -1, 6.0);
    /* Z sanctions B and threatens third parties (US on Iran since 2018). */
    synth_init(sc, "sanction_intensity", z, b, 0.85);
    synth_init(sc, "secondary_sanctions", z, b, 0.8);
    for (int k = N_CORE; k < n; k++) {
        int i = perm[k];
        synth_init(sc, "gdp", i, -1, 1e11 * (1 + k % 7));
        if (k % 2) { /* a small seller to X and Y */
            synth_init(sc, "oil_export_capacity", i, -1, 50.0 + k);
            synth_init(sc, "oil_trade", i, x, 10.0 + k % 5);
            synth_init(sc, "oil_trade", i, y, 5.0 + k % 3);
        } else { /* a small buyer from A and B */
            synth_init(sc, "oil_import_demand", i, -1, 40.0 + k);
            synth_init(sc, "oil_trade", a, i, 1.0 + k % 4);
            synth_init(sc, "oil_trade", b, i, 2.0 + k % 3);
            synth_init(sc, "sanction_intensity", i, perm[k - 1], 0.1 * (k % 4));
        }
    }
    if (embargo)
        synth_event(sc, EMBARGO_MONTH, "sanctions", x, a, 1.0);
    if (price_event)
        synth_event(sc, PRICE_MONTH, "oil_price", -1, -1, 123.4);
    return sc;
}


static ps_run *run(const ps_scenario *sc, int threads)
{
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, threads, NULL, &r, &err);
    CHECK(s == PS_OK && r, "run: %s", err.msg);
    if (s != PS_OK || !r) {
        fprintf(stderr, "cannot continue\n");
        exit(1);
    }
    return r;
}

/* A run of sc must stop with a config error whose message holds want. */
static void expect_config_error(const ps_scenario *sc, const char *want)
{
    ps_run *bad = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, 1, NULL, &bad, &err);
    CHECK(st == PS_ERR_CONFIG && strstr(err.msg, want), "expected a config error '%s': %d %s", want,
          st, err.msg);
    ps_run_free(bad);
}

static double actor(const ps_run *r, const char *name, int t, int i)
{
    return r->series[field(name)][(size_t)t * r->sc->n_actors + i];
}

static double dyad(const ps_run *r, const char *name, int t, int i, int j)
{
    int n = r->sc->n_actors;
    return r->series[field(name)][(size_t)t * n * n + (size_t)i * n + j];
}

static const int core[N_CORE] = {0, 1, 2, 3, 4};

/* (1) No new sanctions: the 2021 allocation is the buyers' equilibrium. */
static void test_steady(void)
{
    ps_scenario *sc = scenario(N_CORE, core, 0, 0);
    ps_run *r = run(sc, 1);
    int T = sc->n_months - 1;
    int pairs[4][2] = {{A, X}, {A, Y}, {B, X}, {B, Y}};
    double worst = 0.0;
    for (int k = 0; k < 4; k++) {
        double v0 = dyad(r, "oil_trade", 0, pairs[k][0], pairs[k][1]);
        double vT = dyad(r, "oil_trade", T, pairs[k][0], pairs[k][1]);
        worst = fmax(worst, fabs(vT / v0 - 1.0));
        printf("steady: %s->%s %.1f kb/d (month 0) -> %.1f (month %d)\n", core_iso[pairs[k][0]],
               core_iso[pairs[k][1]], v0, vT, T);
    }
    CHECK(worst < 0.05, "volumes drift by %.3f without new sanctions", worst);
    for (int s = A; s <= B; s++) {
        double v = actor(r, "oil_export_volume", T, s), cap = actor(r, "oil_export_capacity", T, s);
        printf("steady: %s sells %.1f of %.1f kb/d, discount %.2f USD/bbl at %.2f\n", core_iso[s],
               v, cap, actor(r, "oil_discount", T, s), actor(r, "oil_price", T, s));
        CHECK(v > 0.97 * cap && v <= cap * (1 + 1e-12), "%s sells its capacity: %g", core_iso[s], v);
    }
    double dd = fabs(actor(r, "oil_discount", T, A) / actor(r, "oil_price", T, A) - 2.0 / 80.0);
    CHECK(dd < 0.01, "A's relative discount stays near 2/80: off by %g", dd);
    ps_run_free(r);
    synth_free(sc);
}

/* The discount's adjustment rate (docs/ODD.md 7.5 eq. 5): delta' = delta +
 * alpha (delta* - delta). A's capacity cut to 100 kb/d in month 1 (from the
 * next month) leaves its buyers asking more than it can sell even at no
 * discount, so delta* = 0 and each month keeps 1 - alpha of the discount:
 * half at the default alpha = discount_adjust = 0.5. The benchmark is held
 * (no shock, no reversion), so d'/d = 1 - alpha. */
static void test_discount_adjust(void)
{
    ps_scenario *sc = scenario(N_CORE, core, 0, 0);
    synth_param(sc, "oil", "price_volatility", 0.0);
    synth_param(sc, "oil", "price_reversion", 0.0);
    synth_event(sc, 1, "oil_capacity", -1, A, 100.0);
    const double alpha = 0.5; /* discount_adjust's default, docs/ODD.md 7.5 */
    ps_run *r = run(sc, 1);
    int ok = 1;
    for (int t = 3; t < 8; t++) {
        double d0 = actor(r, "oil_discount", t, A), d1 = actor(r, "oil_discount", t + 1, A);
        printf("capacity cut: A's discount month %d %.6g -> %.6g (ratio %.15g), sells %.1f\n", t,
               d0, d1, d1 / d0, actor(r, "oil_export_volume", t + 1, A));
        ok &= d0 > 0.0 && fabs(d1 / d0 - (1.0 - alpha)) < 1e-12 &&
              fabs(actor(r, "oil_export_volume", t + 1, A) - 100.0) < 1e-9;
    }
    CHECK(ok, "with more asked than the capacity at no discount, the discount keeps 1 - alpha "
              "= %g of itself each month and A sells its 100 kb/d", 1.0 - alpha);
    ps_run_free(r);
    synth_free(sc);
}

/* (6) An oil embargo is a law, not a cost: X bans A's crude in month 2 (the
 * 2021 share of A in X's imports 0.6) and lifts the ban in month 8; Y bans
 * half of what it bought from B (0.5 of 1000 kb/d). The event acts after
 * the month's step; then A->X is 0 at once and stays 0 however deep A's
 * discount, B->Y is held at (1 - 0.5) x 0.5 x 1000 = 250, A places the
 * banned crude with Y and the rest of the world, and Y, whose ban on half of
 * B leaves a share to fill, buys more from A although B, squeezed too and
 * closed to the rest of the world by Z's secondary sanctions, discounts
 * deeper (capped logit: B's capped weight does not crowd Y's other routes),
 * and after the lifting A->X comes back gradually. */
static void test_oil_embargo(void)
{
    ps_scenario *base = scenario(N_CORE, core, 0, 0);
    ps_scenario *sc = scenario(N_CORE, core, 0, 0);
    const int E = EMBARGO_MONTH, L = 8;
    synth_event(sc, E, "oil_embargo", X, A, 1.0);
    synth_event(sc, E, "oil_embargo", Y, B, 0.5);
    synth_event(sc, L, "oil_embargo", X, A, 0.0);
    ps_run *r = run(sc, 1), *r0 = run(base, 1);
    double ax0 = dyad(r0, "oil_trade", E, A, X);
    CHECK(fabs(dyad(r, "oil_trade", E, A, X) - ax0) < 1e-9, "month %d unchanged", E);
    CHECK(dyad(r, "oil_embargo", E, X, A) == 1.0 && dyad(r, "oil_embargo", E - 1, X, A) == 0.0 &&
              dyad(r, "oil_embargo", L, X, A) == 0.0 && dyad(r, "oil_embargo", E, A, X) == 0.0,
          "the event sets oil_embargo[X][A] from month %d to %d, and only that direction", E, L);
    int held = 1, capped = 1;
    for (int t = E + 1; t <= L; t++) {
        held &= dyad(r, "oil_trade", t, A, X) == 0.0;
        capped &= dyad(r, "oil_trade", t, B, Y) <= 250.0 * (1 + 1e-12);
    }
    CHECK(held, "A->X is 0 from month %d to %d", E + 1, L);
    CHECK(capped, "B->Y at most 250 while Y bans half of it");
    CHECK(fabs(dyad(r, "oil_trade", E + 1, B, Y) - 250.0) < 1e-9,
          "the partial ban binds at once: B->Y %g", dyad(r, "oil_trade", E + 1, B, Y));
    double dA = actor(r, "oil_discount", E + 3, A), dA0 = actor(r0, "oil_discount", E + 3, A);
    CHECK(dA > dA0 + 1.0, "A discounts to place the banned crude: %g vs %g USD/bbl", dA, dA0);
    double ay = dyad(r, "oil_trade", E + 4, A, Y) + actor(r, "oil_rest_exports", E + 4, A);
    double ay0 = dyad(r0, "oil_trade", E + 4, A, Y) + actor(r0, "oil_rest_exports", E + 4, A);
    CHECK(ay > ay0 + 300.0, "Y and the rest of the world buy more from A: %g vs %g", ay, ay0);
    for (int t = E + 1; t <= L; t++)
        CHECK(dyad(r, "oil_trade", t, A, Y) > dyad(r0, "oil_trade", t, A, Y),
              "month %d: Y buys more from A: %g vs %g", t, dyad(r, "oil_trade", t, A, Y),
              dyad(r0, "oil_trade", t, A, Y));
    double back1 = dyad(r, "oil_trade", L + 1, A, X), back = dyad(r, "oil_trade", L + 12, A, X);
    CHECK(back1 > 0.0 && back1 < 0.5 * ax0 && back > back1,
          "after the lifting A->X returns gradually: %g, then %g (was %g)", back1, back, ax0);
    ps_run_free(r);
    ps_run_free(r0);
    /* Who bans whom must be two distinct actors. */
    synth_event(sc, 3, "oil_embargo", -1, A, 1.0);
    expect_config_error(sc, "oil_embargo needs distinct source");
    synth_free(sc);
    synth_free(base);
}

/* floor_openness: X bans B's crude (200 kb/d) in month 2. B is closed to
 * the rest of the world at the reference (Z's sanctions and secondary
 * threat: the Iran case), so with floor_openness 1 its discount cannot
 * open that route as if it were new: less of the banned crude goes there
 * and B discounts deeper for its open buyer Y than with floor_openness 0,
 * which is the model before the parameter. Without Z's sanctions no route
 * is closed at the reference, and the two values give the same bits. */
static void test_floor_openness(void)
{
    const int E = EMBARGO_MONTH, T = EMBARGO_MONTH + 6;
    ps_scenario *sc1 = scenario(N_CORE, core, 0, 0), *sc0 = scenario(N_CORE, core, 0, 0);
    synth_event(sc1, E, "oil_embargo", X, B, 1.0);
    synth_event(sc0, E, "oil_embargo", X, B, 1.0);
    synth_param(sc0, "oil", "floor_openness", 0.0);
    ps_run *r1 = run(sc1, 1), *r0 = run(sc0, 1);
    double rest1 = actor(r1, "oil_rest_exports", T, B), rest0 = actor(r0, "oil_rest_exports", T, B);
    double rest_start = actor(r0, "oil_rest_exports", E, B);
    double d1 = actor(r1, "oil_discount", T, B), d0 = actor(r0, "oil_discount", T, B);
    printf("floor_openness: B's rest-of-world sales month %d %.1f (1) vs %.1f (0), from %.1f; "
           "discount %.2f vs %.2f; B->Y %.1f vs %.1f\n", T, rest1, rest0, rest_start, d1, d0,
           dyad(r1, "oil_trade", T, B, Y), dyad(r0, "oil_trade", T, B, Y));
    CHECK(rest1 - rest_start < rest0 - rest_start - 10.0 && rest1 > rest_start,
          "a partly closed route takes less of the banned crude than an open one would: +%.1f vs "
          "+%.1f kb/d", rest1 - rest_start, rest0 - rest_start);
    CHECK(d1 > d0 + 1.0, "B discounts deeper for Y: %.2f vs %.2f USD/bbl", d1, d0);
    CHECK(dyad(r1, "oil_trade", T, B, Y) > dyad(r0, "oil_trade", T, B, Y),
          "and Y, open to B, takes more of it");
    ps_run_free(r1);
    ps_run_free(r0);
    synth_free(sc1);
    synth_free(sc0);
    /* Where every reference closure is 0 the parameter changes no bit. */
    ps_scenario *o1 = scenario(N_CORE, core, 0, 0), *o0 = scenario(N_CORE, core, 0, 0);
    synth_init(o1, "sanction_intensity", Z, B, 0.0);
    synth_init(o1, "secondary_sanctions", Z, B, 0.0);
    synth_init(o0, "sanction_intensity", Z, B, 0.0);
    synth_init(o0, "secondary_sanctions", Z, B, 0.0);
    synth_event(o1, E, "oil_embargo", X, A, 1.0);
    synth_event(o0, E, "oil_embargo", X, A, 1.0);
    synth_param(o0, "oil", "floor_openness", 0.0);
    r1 = run(o1, 1);
    r0 = run(o0, 1);
    int same = 1;
    for (int t = 0; t < 24; t++)
        for (int i = 0; i < N_CORE; i++)
            same &= actor(r1, "oil_rest_exports", t, i) == actor(r0, "oil_rest_exports", t, i) &&
                    actor(r1, "oil_discount", t, i) == actor(r0, "oil_discount", t, i);
    CHECK(same && actor(r1, "oil_rest_exports", T, A) > actor(r1, "oil_rest_exports", E, A) + 100.0,
          "with no closed route, floor_openness 0 and 1 give the same bits (A's banned crude goes "
          "to the rest of the world: %.1f -> %.1f)", actor(r1, "oil_rest_exports", E, A),
          actor(r1, "oil_rest_exports", T, A));
    ps_run_free(r1);
    ps_run_free(r0);
    synth_free(o1);
    synth_free(o0);
}

/* (2)-(4) X embargoes A in month 2; a price event in month 5. */
static void test_embargo(void)
{
    ps_scenario *sc = scenario(N_CORE, core, 1, 1);
    ps_scenario *base = scenario(N_CORE, core, 0, 1);
    ps_run *r = run(sc, 1), *r0 = run(base, 1);
    int E = EMBARGO_MONTH;
    printf("embargo of X on A in month %d:\n month  P      dA     dB    A->X   A->Y   B->X   B->Y  "
           "restA  rival(A,B) revA(bn/yr)\n", E);
    for (int t = 0; t < 18; t++)
        printf(" %2d  %6.1f %6.2f %5.2f %6.1f %6.1f %6.1f %6.1f %6.1f  %5.3f  %6.2f\n", t,
               actor(r, "oil_price", t, A), actor(r, "oil_discount", t, A),
               actor(r, "oil_discount", t, B), dyad(r, "oil_trade", t, A, X),
               dyad(r, "oil_trade", t, A, Y), dyad(r, "oil_trade", t, B, X),
               dyad(r, "oil_trade", t, B, Y), actor(r, "oil_rest_exports", t, A),
               dyad(r, "rivalry", t, A, B), actor(r, "oil_export_revenue", t, A) / 1e9);
    double ax0 = dyad(r, "oil_trade", E, A, X);
    /* The event acts after the month's step: month E is unchanged. */
    CHECK(fabs(ax0 - dyad(r0, "oil_trade", E, A, X)) < 1e-9, "month %d unchanged", E);
    double ax1 = dyad(r, "oil_trade", E + 1, A, X), ax12 = dyad(r, "oil_trade", E + 12, A, X);
    CHECK(ax1 < ax0 && ax1 > 0.6 * ax0, "gradual, not instant: A->X %g -> %g", ax0, ax1);
    CHECK(ax12 < 0.25 * ax0, "A->X after a year %g (from %g)", ax12, ax0);
    double dA0 = actor(r, "oil_discount", E, A), dA = actor(r, "oil_discount", E + 2, A);
    double PA0 = actor(r, "oil_price", E, A), PA = actor(r, "oil_price", E + 2, A);
    CHECK(dA / PA > dA0 / PA0 + 0.05, "A's discount rises: %g -> %g USD/bbl", dA0, dA);
    double ay0 = dyad(r, "oil_trade", E, A, Y), ay12 = dyad(r, "oil_trade", E + 12, A, Y);
    CHECK(ay12 > 1.5 * ay0, "Y buys more from A: %g -> %g", ay0, ay12);
    double bx0 = dyad(r, "oil_trade", E, B, X), bx12 = dyad(r, "oil_trade", E + 12, B, X);
    CHECK(bx12 > bx0, "X turns to B: %g -> %g", bx0, bx12);
    double rv0 = dyad(r, "rivalry", E, A, B), rv12 = dyad(r, "rivalry", E + 12, A, B);
    CHECK(rv12 > rv0 + 0.1, "A and B become rivals in Y: %g -> %g", rv0, rv12);
    CHECK(dyad(r, "rivalry", E + 12, B, A) == rv12, "rivalry is symmetric");
    double rv_base = dyad(r0, "rivalry", E + 12, A, B);
    CHECK(rv12 > rv_base, "rivalry with embargo %g > without %g", rv12, rv_base);

    /* (3) revenue = volume x 1000 x 365 x (price - discount), every month, actor. */
    int n = sc->n_actors;
    double worst = 0.0;
    for (int t = 0; t < sc->n_months; t++)
        for (int i = 0; i < n; i++) {
            double v = actor(r, "oil_export_volume", t, i), P = actor(r, "oil_price", t, i);
            double d = actor(r, "oil_discount", t, i), rev = actor(r, "oil_export_revenue", t, i);
            double want = v * 1000.0 * 365.0 * (P - d);
            worst = fmax(worst, fabs(rev - want) / fmax(1.0, fabs(want)));
            double sold = actor(r, "oil_rest_exports", t, i);
            for (int j = 0; j < n; j++)
                sold += dyad(r, "oil_trade", t, i, j);
            CHECK(fabs(sold - v) <= 1e-9 * fmax(1.0, v), "volume = sales, %s month %d",
                  core_iso[i], t);
            CHECK(v <= actor(r, "oil_export_capacity", t, i) * (1 + 1e-12), "within capacity");
        }
    CHECK(worst < 1e-12, "revenue identity off by %g (relative)", worst);
    printf("revenue identity: worst relative error %.2e\n", worst);

    /* (4) the price event sets the benchmark in its month, for every actor. */
    for (int i = 0; i < n; i++)
        CHECK(actor(r, "oil_price", PRICE_MONTH, i) == 123.4, "price at event %g",
              actor(r, "oil_price", PRICE_MONTH, i));
    CHECK(actor(r, "oil_price", PRICE_MONTH + 1, A) != 123.4, "price moves after the event");
    int same = 1;
    for (int t = 0; t < sc->n_months; t++)
        for (int i = 1; i < n; i++)
            same &= actor(r, "oil_price", t, i) == actor(r, "oil_price", t, 0);
    CHECK(same, "one world price");
    printf("price: month %d %.2f, event month %d %.2f, month %d %.2f (long run %.0f)\n",
           PRICE_MONTH - 1, actor(r, "oil_price", PRICE_MONTH - 1, A), PRICE_MONTH,
           actor(r, "oil_price", PRICE_MONTH, A), sc->n_months - 1,
           actor(r, "oil_price", sc->n_months - 1, A), 75.0);
    /* The price does not move the allocation (it is scale-free): trade with
     * and without the event is the same before the embargo month. */
    double maxdiff = 0.0;
    for (int t = 0; t <= E; t++)
        maxdiff = fmax(maxdiff, fabs(dyad(r, "oil_trade", t, A, X) - dyad(r0, "oil_trade", t, A, X)));
    CHECK(maxdiff < 1e-9, "same trade before the embargo: %g", maxdiff);

    /* Metrics of the run. */
    for (int m = 0; m < ps_registry_n_metrics(); m++) {
        int owner;
        const ps_metric *mt = ps_registry_metric(m, &owner);
        if (strcmp(ps_registry_model(owner)->name, "oil") == 0)
            printf("metric %s = %g %s\n", mt->name, r->metrics[m], mt->unit);
    }
    CHECK(isnan(synth_metric(r, "rus_oil_revenue_2022h2")), "no RUS: NaN");
    double mdisc = synth_metric(r, "max_oil_discount");
    CHECK(mdisc >= dA, "max discount %g", mdisc);
    ps_run_free(r);
    ps_run_free(r0);
    synth_free(sc);
    synth_free(base);
}

/* (5) Same bits for 1 and 3 inner threads; same values for reversed actors. */
static void test_invariance(void)
{
    enum { N = 70 };
    int id[N], rev[N];
    for (int k = 0; k < N; k++) {
        id[k] = k;
        rev[k] = N - 1 - k;
    }
    ps_scenario *sc = scenario(N, id, 1, 1), *sr = scenario(N, rev, 1, 1);
    /* and oil embargoes, a full one and a partial one, with their caps binding */
    synth_event(sc, 3, "oil_embargo", id[Y], id[A], 1.0);
    synth_event(sr, 3, "oil_embargo", rev[Y], rev[A], 1.0);
    synth_event(sc, 3, "oil_embargo", id[X], id[B], 0.5);
    synth_event(sr, 3, "oil_embargo", rev[X], rev[B], 0.5);
    /* and a buyer's imports cut one month, raised another (oil_demand) */
    synth_event(sc, 4, "oil_demand", -1, id[X], 700.0);
    synth_event(sr, 4, "oil_demand", -1, rev[X], 700.0);
    synth_event(sc, 6, "oil_demand", -1, id[Y], 1400.0);
    synth_event(sr, 6, "oil_demand", -1, rev[Y], 1400.0);
    ps_run *r1 = run(sc, 1), *r3 = run(sc, 3), *rr = run(sr, 1);
    const char *names[] = {"oil_price", "oil_export_volume", "oil_export_revenue", "oil_discount",
                           "oil_rest_exports", "oil_trade", "rivalry"};
    int same = 1;
    double worst = 0.0;
    for (int q = 0; q < 7; q++) {
        int f = field(names[q]);
        int dy = ps_registry_field(f, NULL)->shape == PS_DYAD;
        size_t size = dy ? (size_t)N * N : N;
        same &= memcmp(r1->series[f], r3->series[f], size * sc->n_months * sizeof(double)) == 0;
        for (int t = 0; t < sc->n_months; t++)
            for (int i = 0; i < N; i++)
                for (int j = 0; j < (dy ? N : 1); j++) {
                    double u = dy ? r1->series[f][(size_t)t * size + (size_t)i * N + j]
                                  : r1->series[f][(size_t)t * size + i];
                    double v = dy ? rr->series[f][(size_t)t * size + (size_t)rev[i] * N + rev[j]]
                                  : rr->series[f][(size_t)t * size + rev[i]];
                    worst = fmax(worst, fabs(u - v) / fmax(1e-300, fabs(u) + fabs(v)));
                }
    }
    CHECK(same, "oil fields differ between 1 and 3 inner threads");
    CHECK(worst < 1e-10, "reversed actor list changes oil fields by %g (relative)", worst);
    printf("invariance (%d actors): threads identical %s, reversed order worst %.1e\n", N,
           same ? "yes" : "NO", worst);
    ps_run_free(r1);
    ps_run_free(r3);
    ps_run_free(rr);
    synth_free(sc);
    synth_free(sr);
}

/* Rivalry is its definition, rivalry_ij = sum_b min(v_ib, v_jb) /
 * min(V_i, V_j) over modelled buyers b in ascending order (0 on the diagonal
 * and when either sells nothing to them), recomputed here from each month's
 * oil_trade in a 70-actor world of 35 sellers on 3 inner threads: the same
 * bits, every pair and month. */
static void test_rivalry_definition(void)
{
    enum { N = 70 };
    int id[N];
    for (int k = 0; k < N; k++)
        id[k] = k;
    ps_scenario *sc = scenario(N, id, 1, 1);
    ps_run *r = run(sc, 3);
    long pairs = 0, off = 0, positive = 0;
    for (int t = 0; t < sc->n_months; t++)
        for (int i = 0; i < N; i++) {
            double Vi = 0.0;
            for (int b = 0; b < N; b++)
                Vi += dyad(r, "oil_trade", t, i, b);
            for (int j = 0; j < N; j++) {
                double Vj = 0.0, o = 0.0, want = 0.0;
                for (int b = 0; b < N; b++) {
                    Vj += dyad(r, "oil_trade", t, j, b);
                    o += fmin(dyad(r, "oil_trade", t, i, b), dyad(r, "oil_trade", t, j, b));
                }
                if (i != j && fmin(Vi, Vj) > 0.0)
                    want = fmin(1.0, o / fmin(Vi, Vj));
                double got = dyad(r, "rivalry", t, i, j);
                off += got != want;
                positive += want > 0.0;
                pairs++;
            }
        }
    CHECK(off == 0, "rivalry differs from its definition in %ld of %ld (pair, month)s", off,
          pairs);
    CHECK(positive > 100 * sc->n_months, "only %ld positive rivalries: the world tests too little",
          positive);
    printf("rivalry = its definition in %ld of %ld (pair, month)s (%ld positive)\n", pairs - off,
           pairs, positive);
    ps_run_free(r);
    synth_free(sc);
}

/* Without volatility the benchmark reverts deterministically after a price
 * event: log P(t+1) = log P(t) + r (log L - log P(t)), to rounding. */
static void test_price_reversion(void)
{
    int perm[N_CORE + 4];
    for (int k = 0; k < N_CORE + 4; k++)
        perm[k] = k;
    ps_scenario *sc = scenario(N_CORE + 4, perm, 0, 1);
    synth_param(sc, "oil", "price_volatility", 0.0);
    synth_param(sc, "oil", "price_reversion", 0.2);
    synth_param(sc, "oil", "price_long_run", 60.0);
    ps_run *r = run(sc, 1);
    double worst = 0.0;
    for (int t = PRICE_MONTH; t + 1 < sc->n_months; t++) {
        double P = actor(r, "oil_price", t, A);
        double want = exp(log(P) + 0.2 * (log(60.0) - log(P)));
        worst = fmax(worst, fabs(actor(r, "oil_price", t + 1, A) - want) / want);
    }
    CHECK(worst < 1e-12, "deterministic reversion to 60 off by %g (relative)", worst);
    CHECK(actor(r, "oil_price", sc->n_months - 1, A) < 123.4 * 0.9, "price fell toward 60: %g",
          actor(r, "oil_price", sc->n_months - 1, A));
    /* The oil_trade_shift metric, recomputed from the series. */
    int n = sc->n_actors, T = sc->n_months - 1;
    double moved = 0.0, total = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            moved += fabs(dyad(r, "oil_trade", T, i, j) - dyad(r, "oil_trade", 0, i, j));
            total += dyad(r, "oil_trade", 0, i, j);
        }
    double shift = synth_metric(r, "oil_trade_shift");
    CHECK(total > 0.0 && moved > 0.0 &&
              fabs(shift - 0.5 * moved / total) <= 1e-12 * (0.5 * moved / total),
          "oil_trade_shift %g, from the series %g", shift, 0.5 * moved / total);
    ps_run_free(r);
    synth_free(sc);
}

/* ------------------------------------------------------------------
 * Buyers of their own, worked by hand. One seller S with capacity 60 kb/d
 * that sold only 20 in 2021 (10 to each of buyers X and Y, D = 100 each;
 * the rest of their imports is the outside option, no rest of the world):
 * oil that lost its buyers, as after an embargo. Discount 0 in 2021, no
 * sanctions (closures 0), P = 80 fixed (no reversion, no shocks, no supply
 * response), discount_adjust 1 (delta' = delta*), tau = 0.12,
 * switching_rate 0.5. For E >= 1 the weight is 0.1 E (w0 = 0.1 >= floor),
 * so a buyer's target share is E/(9 + E), E = exp(m_b delta / tau), and the
 * seller's discount clears sum_b D_b [sigma_b + lambda_b (sigma*_b - sigma_b)]
 * = 60 (requests this month = capacity).
 *
 *  (i)   m = 1, lambda = 1 for both: E/(9+E) = 0.3, E = 27/7:
 *        delta = 0.12 ln(27/7), d = 80 delta = 12.959 USD/bbl; 30 kb/d each.
 *  (ii)  m_X = 2: at any discount X's log-odds ln(9 s/(1-s)) are twice Y's
 *        (X takes more of the discounted oil), and 100 (s_X + s_Y) = 60.
 *  (iii) X's refinery limit 0.2: X takes 20, Y 40: E/(9+E) = 0.4, E = 6,
 *        delta = 0.12 ln 6 (wider: fewer willing barrels); limits 0.25 for
 *        both (willing capacity 50 < 60): delta = max_discount 0.5, 10 kb/d
 *        shut in.
 *  (iv)  lambda = 0.5 for both: month 1 needs 200 [0.1 + 0.5 (s* - 0.1)] = 60,
 *        s* = 0.5, E = 9, delta = 0.12 ln 9; month 2 (shares 0.3) needs
 *        s* = 0.3: delta = 0.12 ln(27/7): the discount narrows as buyers
 *        absorb the oil.
 *  (v)   lambda_X = 1, lambda_Y = 0.5: month 1: 100 s* + 100 [0.1 + 0.5 (s* -
 *        0.1)] = 60, s* = 11/30: X 36.667, Y 23.333 (Y's inertia delays its
 *        shift); month 2: s* = 29/90: X 32.222, Y 27.778; both toward 30.
 * ------------------------------------------------------------------ */
enum { BS, BX, BY, N_BUY };
static const char *const buy_iso[N_BUY] = {"SSS", "XXX", "YYY"};

/* The world above with logical actor k (BS, BX, BY) at position at[k]. */
static ps_scenario *buyers_world(const int at[N_BUY], double mX, double mY, double lX, double lY,
                                 double vX, double vY)
{
    const int s = at[BS], x = at[BX], y = at[BY]; /* positions */
    ps_scenario *sc = synth_new("oil_buyers", N_BUY, at, buy_iso, N_BUY, 'Q', 4, 7, 32, 1);
    synth_init(sc, "gdp", s, -1, 1e12);
    synth_init(sc, "gdp", x, -1, 3e12);
    synth_init(sc, "gdp", y, -1, 3e12);
    synth_init(sc, "oil_price", s, -1, 80.0);
    synth_init(sc, "oil_export_capacity", s, -1, 60.0);
    synth_init(sc, "oil_rest_exports", s, -1, 0.0);
    synth_init(sc, "oil_discount", s, -1, 0.0);
    synth_init(sc, "oil_import_demand", x, -1, 100.0);
    synth_init(sc, "oil_import_demand", y, -1, 100.0);
    synth_init(sc, "oil_trade", s, x, 10.0);
    synth_init(sc, "oil_trade", s, y, 10.0);
    synth_init(sc, "oil_price_response", x, -1, mX);
    synth_init(sc, "oil_price_response", y, -1, mY);
    synth_init(sc, "oil_refinery_limit", x, -1, lX);
    synth_init(sc, "oil_refinery_limit", y, -1, lY);
    synth_init(sc, "oil_switching_speed", x, -1, vX);
    synth_init(sc, "oil_switching_speed", y, -1, vY);
    synth_param(sc, "oil", "rest_of_world_imports", 0.0);
    synth_param(sc, "oil", "price_volatility", 0.0);
    synth_param(sc, "oil", "price_reversion", 0.0);
    synth_param(sc, "oil", "price_supply_response", 0.0);
    synth_param(sc, "oil", "discount_adjust", 1.0);
    synth_param(sc, "oil", "price_sensitivity", 0.12);
    synth_param(sc, "oil", "switching_rate", 0.5);
    synth_param(sc, "oil", "share_floor", 0.05);
    synth_param(sc, "oil", "max_discount", 0.5);
    return sc;
}

static ps_scenario *buyers_scenario(double mX, double mY, double lX, double lY, double vX,
                                    double vY)
{
    static const int at[N_BUY] = {BS, BX, BY};
    return buyers_world(at, mX, mY, lX, lY, vX, vY);
}

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static void test_buyers(void)
{
    const double tau = 0.12, P = 80.0;
    /* Record 0 is the month after the first step (the initial state is before it). */
    ps_scenario *sc;
    ps_run *r;

    /* (i) */
    sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    r = run(sc, 1);
    double d_i = synth_at(r, "oil_discount", 0, BS, -1);
    printf("buyers (i): d %.4f (hand: %.4f), X %.3f, Y %.3f kb/d\n", d_i, P * tau * log(27.0 / 7.0),
           synth_at(r, "oil_trade", 0, BS, BX), synth_at(r, "oil_trade", 0, BS, BY));
    CHECK(NEAR(d_i, P * tau * log(27.0 / 7.0), 1e-9), "(i) discount %g", d_i);
    CHECK(NEAR(synth_at(r, "oil_trade", 0, BS, BX), 30.0, 1e-9), "(i) X buys 30");
    CHECK(NEAR(synth_at(r, "oil_trade", 0, BS, BY), 30.0, 1e-9), "(i) Y buys 30");
    ps_run_free(r);
    synth_free(sc);

    /* (ii) */
    sc = buyers_scenario(2, 1, 1, 1, 2, 2);
    r = run(sc, 1);
    double sx = synth_at(r, "oil_trade", 0, BS, BX) / 100.0, sy = synth_at(r, "oil_trade", 0, BS, BY) / 100.0;
    double lx = log(9.0 * sx / (1.0 - sx)), ly = log(9.0 * sy / (1.0 - sy));
    double d_ii = synth_at(r, "oil_discount", 0, BS, -1);
    printf("buyers (ii): d %.4f, X %.3f, Y %.3f kb/d, log-odds ratio %.6f (hand: 2)\n", d_ii,
           100 * sx, 100 * sy, lx / ly);
    CHECK(sx > sy, "(ii) the more price-sensitive buyer takes more: %g vs %g", sx, sy);
    CHECK(NEAR(lx / ly, 2.0, 1e-9), "(ii) log-odds ratio %g", lx / ly);
    CHECK(NEAR(ly, d_ii / P / tau, 1e-9), "(ii) Y's log-odds = delta/tau: %g vs %g", ly, d_ii / P / tau);
    CHECK(NEAR(100.0 * (sx + sy), 60.0, 1e-9), "(ii) capacity sold");
    ps_run_free(r);
    synth_free(sc);

    /* (iii) */
    sc = buyers_scenario(1, 1, 0.2, 1, 2, 2);
    r = run(sc, 1);
    double d_iii = synth_at(r, "oil_discount", 0, BS, -1);
    printf("buyers (iii): X's limit 0.2: d %.4f (hand %.4f), X %.3f, Y %.3f\n", d_iii,
           P * tau * log(6.0), synth_at(r, "oil_trade", 0, BS, BX), synth_at(r, "oil_trade", 0, BS, BY));
    CHECK(NEAR(synth_at(r, "oil_trade", 0, BS, BX), 20.0, 1e-9), "(iii) X capped at 20");
    CHECK(NEAR(synth_at(r, "oil_trade", 0, BS, BY), 40.0, 1e-9), "(iii) Y takes 40");
    CHECK(NEAR(d_iii, P * tau * log(6.0), 1e-9) && d_iii > d_i, "(iii) discount %g", d_iii);
    ps_run_free(r);
    synth_free(sc);
    sc = buyers_scenario(1, 1, 0.25, 0.25, 2, 2);
    r = run(sc, 1);
    double d_sat = synth_at(r, "oil_discount", 0, BS, -1), v_sat = synth_at(r, "oil_export_volume", 0, BS, -1);
    printf("buyers (iii): limits 0.25: d %.4f (max 40), volume %.3f of 60\n", d_sat, v_sat);
    CHECK(NEAR(d_sat, 0.5 * P, 1e-9), "(iii) discount at its maximum: %g", d_sat);
    CHECK(NEAR(v_sat, 50.0, 1e-9), "(iii) 10 kb/d shut in: volume %g", v_sat);
    ps_run_free(r);
    synth_free(sc);

    /* (iv) */
    sc = buyers_scenario(1, 1, 1, 1, 1, 1);
    r = run(sc, 1);
    double d1 = synth_at(r, "oil_discount", 0, BS, -1), d2 = synth_at(r, "oil_discount", 1, BS, -1);
    printf("buyers (iv): inertia: d %.4f then %.4f (hand %.4f, %.4f); X %.3f then %.3f\n", d1, d2,
           P * tau * log(9.0), P * tau * log(27.0 / 7.0), synth_at(r, "oil_trade", 0, BS, BX),
           synth_at(r, "oil_trade", 1, BS, BX));
    CHECK(NEAR(d1, P * tau * log(9.0), 1e-9), "(iv) month 1 discount %g", d1);
    CHECK(NEAR(d2, P * tau * log(27.0 / 7.0), 1e-9), "(iv) month 2 discount %g", d2);
    CHECK(NEAR(synth_at(r, "oil_trade", 0, BS, BX), 30.0, 1e-9), "(iv) X buys 30");
    ps_run_free(r);
    synth_free(sc);

    /* (v) */
    sc = buyers_scenario(1, 1, 1, 1, 2, 1);
    r = run(sc, 1);
    double x1 = synth_at(r, "oil_trade", 0, BS, BX), y1 = synth_at(r, "oil_trade", 0, BS, BY);
    double x2 = synth_at(r, "oil_trade", 1, BS, BX), y2 = synth_at(r, "oil_trade", 1, BS, BY);
    printf("buyers (v): X fast, Y slow: X %.3f, %.3f; Y %.3f, %.3f (hand 36.667, 32.222; 23.333, "
           "27.778)\n", x1, x2, y1, y2);
    CHECK(NEAR(x1, 110.0 / 3.0, 1e-9) && NEAR(y1, 70.0 / 3.0, 1e-9), "(v) month 1: %g %g", x1, y1);
    CHECK(NEAR(x2, 2900.0 / 90.0, 1e-9) && NEAR(y2, 60.0 - 2900.0 / 90.0, 1e-9), "(v) month 2: %g %g",
          x2, y2);
    ps_run_free(r);
    synth_free(sc);
}

/* The benchmark responds to the change in the share of world trade shut in:
 * with the scenario of (iii) at limits 0.25 (10 of 200 kb/d shut in from
 * month 1, 40 at the start), psi = 2, no reversion or shocks, the price
 * moves by exp(2 (10 - 40)/200) = exp(-0.3) in month 2 (the shut-in share of
 * month 1 is read in month 2's step) and not in month 1. With price_path 0 an
 * oil_price event is ignored. */
static void test_price_response(void)
{
    ps_scenario *sc = buyers_scenario(1, 1, 0.25, 0.25, 2, 2);
    synth_param(sc, "oil", "price_supply_response", 2.0);
    ps_run *r = run(sc, 1);
    double p0 = synth_at(r, "oil_price", 0, BS, -1), p1 = synth_at(r, "oil_price", 1, BS, -1);
    double p2 = synth_at(r, "oil_price", 2, BS, -1);
    printf("price response: %.4f %.4f %.4f (hand: 80, %.4f, same)\n", p0, p1, p2, 80.0 * exp(-0.3));
    CHECK(NEAR(p0, 80.0, 1e-9), "month 1: %g", p0);
    CHECK(NEAR(p1, 80.0 * exp(-0.3), 1e-9), "month 2: %g", p1);
    CHECK(NEAR(p2, p1, 1e-9), "month 3: no further change: %g", p2);
    ps_run_free(r);
    synth_free(sc);
    sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_event(sc, 1, "oil_price", -1, -1, 123.4);
    synth_param(sc, "oil", "price_path", 0.0);
    r = run(sc, 1);
    CHECK(NEAR(synth_at(r, "oil_price", 1, BS, -1), 80.0, 1e-9), "price_path 0 ignores the event");
    ps_run_free(r);
    synth_param(sc, "oil", "price_path", 1.0);
    r = run(sc, 1);
    CHECK(synth_at(r, "oil_price", 1, BS, -1) == 123.4, "price_path 1 applies the event");
    ps_run_free(r);
    synth_free(sc);
}

/* Outside disruptions (stream 12): with rate 0.25 a month's log price change
 * differs from the same run without disruptions by 0 (no disruption) or by
 * psi x shortfall in (0, 2 x 2 x 0.01] (the Gaussian draws of stream 11 are
 * the same), in about a quarter of the months. */
static void test_price_jumps(void)
{
    enum { MONTHS = 120 };
    ps_scenario *sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_months(sc, MONTHS);
    synth_param(sc, "oil", "price_volatility", 0.02);
    synth_param(sc, "oil", "price_supply_response", 2.0);
    synth_param(sc, "oil", "price_jump_shortfall", 0.01);
    ps_run *r0 = run(sc, 1);
    synth_param(sc, "oil", "price_jump_rate", 0.25);
    ps_run *r1 = run(sc, 1);
    int jumps = 0, bad = 0;
    double largest = 0.0;
    for (int t = 1; t < MONTHS; t++) {
        double g0 = log(synth_at(r0, "oil_price", t, BS, -1) / synth_at(r0, "oil_price", t - 1, BS, -1));
        double g1 = log(synth_at(r1, "oil_price", t, BS, -1) / synth_at(r1, "oil_price", t - 1, BS, -1));
        double j = g1 - g0;
        if (fabs(j) <= 1e-12)
            continue;
        jumps++;
        largest = fmax(largest, j);
        bad += !(j > 0.0 && j <= 0.04 + 1e-12);
    }
    printf("price jumps: %d of %d months (expected ~30), largest %.4f (at most 0.04)\n", jumps,
           MONTHS - 1, largest);
    CHECK(bad == 0, "%d jumps outside (0, 0.04]", bad);
    CHECK(jumps >= 15 && jumps <= 45, "jumps in %d of %d months at rate 0.25", jumps, MONTHS - 1);
    ps_run_free(r0);
    ps_run_free(r1);
    synth_free(sc);
}

/* An oil_capacity event sets its target's capacity from the next month,
 * whichever actor it names: here B, at position 1 (test_discount_adjust cuts
 * A, at position 0). B sold 700 kb/d to X and Y and 100 to the rest of the
 * world; cut to 100 kb/d in month 1, it has more buyers than oil in the
 * first month of the cut whatever the discount: each buyer requests at least
 * (1 - lambda) of its current purchases (docs/ODD.md 7.5 eq. 6, lambda =
 * switching_rate 0.15 at speed 1), 0.85 x 800 = 680 > 100, so B sells exactly
 * its new capacity (eq. 7, pro rata). An event without a target actor is a
 * config error. */
static void test_capacity_event(void)
{
    ps_scenario *sc = scenario(N_CORE, core, 0, 0);
    synth_event(sc, 1, "oil_capacity", -1, B, 100.0);
    ps_run *r = run(sc, 1);
    /* Record 1 is the state after month 1 and its events; month 2 is the
     * first step with the cut (record 2). */
    printf("capacity event: B's capacity %g, %g, %g kb/d; sells %.6f, %.6f\n",
           actor(r, "oil_export_capacity", 0, B), actor(r, "oil_export_capacity", 1, B),
           actor(r, "oil_export_capacity", 2, B), actor(r, "oil_export_volume", 1, B),
           actor(r, "oil_export_volume", 2, B));
    CHECK(actor(r, "oil_export_capacity", 0, B) == 800.0 &&
              actor(r, "oil_export_capacity", 1, B) == 100.0 &&
              actor(r, "oil_export_capacity", 2, B) == 100.0,
          "B's capacity 800, then 100 from the event's month");
    CHECK(fabs(actor(r, "oil_export_volume", 2, B) - 100.0) < 1e-9,
          "the first month with the cut B sells its 100 kb/d: %.17g",
          actor(r, "oil_export_volume", 2, B));
    ps_run_free(r);
    /* Without a target. */
    synth_event(sc, 2, "oil_capacity", -1, -1, 100.0);
    expect_config_error(sc, "oil_capacity needs a target actor");
    synth_free(sc);
}

/* A seller whose buyers take its whole capacity at no discount grants none
 * (docs/ODD.md 7.5 eq. 5: delta* = 0 when requests reach K at delta = 0),
 * even when no discount could place more. S sold 25 kb/d to each of X and Y
 * (D = 100: shares 0.25, outside options 0.75) and can sell no more
 * (capacity 50); both refineries take at most 0.25 of their imports from S
 * (limits 0.25). At no discount the target share is 0.25 / (0.75 + 0.25) =
 * 0.25, at any deeper one the limit 0.25, so requests are 2 x 100 x 0.25 =
 * 50 = K at every discount (all numbers exact in binary): the discount stays
 * 0 and S sells 25 to each buyer every month. */
static void test_sold_out(void)
{
    ps_scenario *sc = buyers_scenario(1, 1, 0.25, 0.25, 2, 2);
    synth_init(sc, "oil_export_capacity", BS, -1, 50.0);
    synth_init(sc, "oil_trade", BS, BX, 25.0);
    synth_init(sc, "oil_trade", BS, BY, 25.0);
    ps_run *r = run(sc, 1);
    int ok = 1;
    for (int t = 0; t < sc->n_months; t++)
        ok &= synth_at(r, "oil_discount", t, BS, -1) == 0.0 &&
              synth_at(r, "oil_trade", t, BS, BX) == 25.0 &&
              synth_at(r, "oil_trade", t, BS, BY) == 25.0;
    printf("sold out at the limits: discount %g, X %g, Y %g (hand: 0, 25, 25)\n",
           synth_at(r, "oil_discount", 0, BS, -1), synth_at(r, "oil_trade", 0, BS, BX),
           synth_at(r, "oil_trade", 0, BS, BY));
    CHECK(ok, "buyers at their limits take the capacity: no discount, 25 kb/d each, every month");
    ps_run_free(r);
    synth_free(sc);
}

/* The upper clamp of the benchmark (docs/ODD.md 7.5 eq. 1: P in [5, 300]).
 * The scenario of (iii) at limits 0.25 shuts in 10 of 200 kb/d from month 1
 * (S = 0.05; the price falls to 80 e^-0.3 = 59.3 in the next month, as
 * above). S's capacity raised to 30,000 kb/d in month 2 leaves
 * min(1, (30000 - 50) / 200) = 1 of world trade shut in: psi (1 - 0.05) =
 * 1.9 would take the benchmark to 59.3 e^1.9 = 396 USD/bbl; it stops at
 * 300 and stays there (the shut-in share no longer changes; no reversion,
 * no shocks). */
static void test_price_cap(void)
{
    enum { MONTHS = 6 };
    ps_scenario *sc = buyers_scenario(1, 1, 0.25, 0.25, 2, 2);
    synth_months(sc, MONTHS);
    synth_param(sc, "oil", "price_supply_response", 2.0);
    synth_event(sc, 2, "oil_capacity", -1, BS, 30000.0);
    ps_run *r = run(sc, 1);
    printf("price cap:");
    for (int t = 0; t < MONTHS; t++)
        printf(" %.4f", synth_at(r, "oil_price", t, BS, -1));
    printf(" (hand: 80, 59.3, 59.3, then 300 where 396 would be)\n");
    CHECK(NEAR(synth_at(r, "oil_price", 2, BS, -1), 80.0 * exp(-0.3), 1e-9),
          "before the capacity rise: %g", synth_at(r, "oil_price", 2, BS, -1));
    /* Record 3: month 3's step reads the state the event made (exactly the
     * clamp); then exp(log 300) each month, 300 to rounding. */
    int ok = synth_at(r, "oil_price", 3, BS, -1) == 300.0;
    for (int t = 4; t < MONTHS; t++)
        ok &= NEAR(synth_at(r, "oil_price", t, BS, -1), 300.0, 1e-9);
    CHECK(ok, "the benchmark stops at 300 USD/bbl (80 e^-0.3 e^1.9 = %g unclamped)",
          80.0 * exp(1.6));
    ps_run_free(r);
    synth_free(sc);
}

/* ------------------------------------------------------------------
 * Closure works both ways (docs/ODD.md 7.5 eq. 2: x_sb = 1 - (1 - s_bs)
 * (1 - s_sb), relations closed either way). A test-only model owns
 * sanction_intensity and from month 1 sets one entry to 0.5, a sanction
 * the 2021 reference did not have; without the sanctions model there is no
 * isolation, pressure or secondary threat (absent inputs count as 0), so
 * the closure of S and X is 0.5 whether X sanctions S or S sanctions X
 * (counter-sanctions) and the two runs agree bit for bit. The seller S sits
 * at position 1, so that its row of the sanctions matrix is not row 0.
 * Otherwise as buyers (i): D = 100 each, 2021 purchases 10, capacity 60,
 * P = 80 held, discount_adjust 1, tau = 0.12, lambda = 1. In the month the
 * sanction is first seen X's cost change is (delta - pi 0.5) / tau (pi =
 * sanction_penalty 1): E_X = c E, c = e^(-0.5/0.12), E = e^(delta/tau) <= 1
 * / c, so both weights are 0.1 E (floor 0.05 < 0.1) and the clearing discount
 * solves E/(9 + E) + c E/(9 + c E) = 0.6 (Y and X take 100 times their
 * shares; with lambda = 1 the current shares drop out).
 * ------------------------------------------------------------------ */
static int sanction_from = -1, sanction_to = -1; /* positions; -1: none */

static ps_status sanctioner_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)self, (void)data, (void)err;
    if (w->month == 0 && sanction_from >= 0) { /* in state 1 on: the oil model's month 1 */
        size_t k = (size_t)sanction_from * w->n_actors + sanction_to;
        w->next[ps_field_index("sanction_intensity")][k] = 0.5;
    }
    return PS_OK;
}

static const ps_field sanctioner_fields[] = {
    {"sanction_intensity", PS_DYAD, "1", 0.0, 0.0, 1.0, "set by the test", "test"},
};
static const ps_model sanctioner = {.name = "sanctioner", .description = "test: one sanction",
                                    .fields = sanctioner_fields, .n_fields = 1,
                                    .step = sanctioner_step};

enum { CX, CS, CY, N_CS }; /* positions */

/* The hand equation for a closure x of X toward S: c = e^(-x/tau), clearing
 * delta by bisection on [0, 0.5]; S's discount and X's purchases. */
static void counter_hand(double x, double tau, double *disc, double *bought)
{
    const double c = exp(-x / tau);
    double lo = 0.0, hi = 0.5;
    for (int k = 0; k < 200; k++) {
        double mid = 0.5 * (lo + hi), E = exp(mid / tau);
        if (E / (9.0 + E) + c * E / (9.0 + c * E) < 0.6)
            lo = mid;
        else
            hi = mid;
    }
    double E = exp(lo / tau);
    *disc = 80.0 * lo;
    *bought = 100.0 * c * E / (9.0 + c * E);
}

static ps_run *counter_run(int from, int to, double oil_share)
{
    static const int perm[N_CS] = {CX, CS, CY};
    static const char *const iso3[N_CS] = {"XXX", "SSS", "YYY"};
    sanction_from = from;
    sanction_to = to;
    ps_scenario *sc = synth_new("oil_counter", N_CS, perm, iso3, N_CS, 'Q', 3, 7, 16, 1);
    synth_init(sc, "oil_price", CS, -1, 80.0);
    synth_init(sc, "oil_export_capacity", CS, -1, 60.0);
    synth_init(sc, "oil_rest_exports", CS, -1, 0.0);
    synth_init(sc, "oil_import_demand", CX, -1, 100.0);
    synth_init(sc, "oil_import_demand", CY, -1, 100.0);
    synth_init(sc, "oil_trade", CS, CX, 10.0);
    synth_init(sc, "oil_trade", CS, CY, 10.0);
    synth_init(sc, "oil_switching_speed", CX, -1, 2.0);
    synth_init(sc, "oil_switching_speed", CY, -1, 2.0);
    synth_param(sc, "oil", "rest_of_world_imports", 0.0);
    synth_param(sc, "oil", "price_volatility", 0.0);
    synth_param(sc, "oil", "price_reversion", 0.0);
    synth_param(sc, "oil", "price_supply_response", 0.0);
    synth_param(sc, "oil", "discount_adjust", 1.0);
    synth_param(sc, "oil", "price_sensitivity", 0.12);
    synth_param(sc, "oil", "switching_rate", 0.5);
    synth_param(sc, "oil", "sanctions_oil_share", oil_share);
    ps_run *r = run(sc, 1);
    r->sc = NULL; /* the scenario is freed here; the caller reads series only */
    synth_free(sc);
    return r;
}

static void test_counter_sanctions(void)
{
    static const ps_model *pipe[] = {&sanctioner, &ps_model_oil, NULL};
    ps_registry_use(pipe);
    ps_run *none = counter_run(-1, -1, 1.0), *by_buyer = counter_run(CX, CS, 1.0),
           *by_seller = counter_run(CS, CX, 1.0);
    const double tau = 0.12;
    double want_d, want_x;
    counter_hand(0.5, tau, &want_d, &want_x);
    const int n = N_CS;
    const size_t nn = (size_t)n * n;
    int fd = ps_field_index("oil_discount"), ft = ps_field_index("oil_trade");
    double d1 = by_seller->series[fd][1 * n + CS], x1 = by_seller->series[ft][1 * nn + CS * n + CX];
    double x0 = none->series[ft][1 * nn + CS * n + CX];
    printf("counter-sanctions: S's discount %.6f (hand %.6f), X buys %.4f (hand %.4f; %.4f "
           "without the sanction)\n", d1, want_d, x1, want_x, x0);
    CHECK(none->series[fd][0 * n + CS] == by_seller->series[fd][0 * n + CS],
          "record 0 is before the sanction is seen");
    CHECK(NEAR(d1, want_d, 1e-9) && NEAR(x1, want_x, 1e-9) && x1 < x0 - 5.0,
          "S's sanction on X closes the route: discount %g (hand %g), X buys %g (hand %g)", d1,
          want_d, x1, want_x);
    /* Either direction, the same closure: every oil field bit for bit. */
    const char *names[] = {"oil_price", "oil_discount", "oil_export_volume", "oil_export_revenue",
                           "oil_rest_exports", "oil_trade", "rivalry"};
    int same = 1;
    for (int q = 0; q < 7; q++) {
        int f = field(names[q]);
        size_t size = ps_registry_field(f, NULL)->shape == PS_DYAD ? nn : (size_t)n;
        same &= memcmp(by_buyer->series[f], by_seller->series[f],
                       size * (size_t)by_seller->n_months * sizeof(double)) == 0;
    }
    CHECK(same, "a seller's sanction on its buyer closes the route as the buyer's on the seller");
    /* sanctions_oil_share scales the closure: 0.4 of the sanction 0.5 closes
     * 0.2 (the hand equation with x = 0.2); none of it, the route as if there
     * were no sanction, bit for bit. */
    ps_run *part = counter_run(CX, CS, 0.4), *zero = counter_run(CX, CS, 0.0);
    double part_d, part_x;
    counter_hand(0.4 * 0.5, tau, &part_d, &part_x);
    double d4 = part->series[fd][1 * n + CS], x4 = part->series[ft][1 * nn + CS * n + CX];
    printf("sanctions_oil_share 0.4: discount %.6f (hand %.6f), X buys %.4f (hand %.4f)\n", d4,
           part_d, x4, part_x);
    CHECK(NEAR(d4, part_d, 1e-9) && NEAR(x4, part_x, 1e-9) && x4 > x1 + 1.0 && x4 < x0 - 1.0,
          "a share of 0.4 closes 0.2: discount %g (hand %g), X buys %g (hand %g)", d4, part_d,
          x4, part_x);
    CHECK(memcmp(zero->series[ft], none->series[ft],
                 nn * (size_t)none->n_months * sizeof(double)) == 0 &&
              memcmp(zero->series[fd], none->series[fd],
                     (size_t)n * (size_t)none->n_months * sizeof(double)) == 0,
          "a share of 0: the sanction leaves the oil trade as without it");
    ps_run_free(part);
    ps_run_free(zero);
    ps_run_free(none);
    ps_run_free(by_buyer);
    ps_run_free(by_seller);
    ps_registry_use(NULL); /* after reading: field indices are the pipeline's */
}

/* oil_demand (docs/ODD.md 7.5): a buyer's imports this month, shared among
 * its sellers as a refiner's marginal barrels are, more in proportion to
 * v x a, less in proportion to v / a (a = e^u, the route's logit cost
 * factor; the outside option at the benchmark has a = 1).
 *  (a) Case (i) of test_buyers: after month 1 S sells 30 to each buyer at
 *      E = a = 27/7; X's imports cut from 100 to 50 that month: S's weight
 *      30 / E = 70/9 against the outside option's 70, so S loses a tenth of
 *      the 50: X buys 25 from S (15 if the mix were kept), Y still 30, S
 *      sells 55 of its 60. The next month X imports its base, 100, again,
 *      but S's discount has cleared for X's 50 (150 s* = 60, s* = 0.4: X 20,
 *      Y 40) and S has no oil left for X's return (discounts respond the
 *      month after); the month after that, case (i) again: 30 each.
 *  (b) X's imports raised to 200 instead: S would sell X 30 + 100 x 0.62,
 *      but Y holds 30 of its capacity of 60, so X gets 30 and S sells 60.
 *  (c) The scenario of test_sold_out (no discount, no closure: a = 1): the
 *      mix is kept, X's 25 of 100 become 12.5 of 50.
 *  (d) X's imports cut to 0: weights 70/9 (S) and 70 (outside) take 5 of
 *      S's 30 and 45 of the outside's 70 per 50 of cut, so S's route would
 *      keep 20 of a cut of 100; X buys nothing (within its demand) and S
 *      sells Y's 30.
 *  (e) Without a target actor: a config error. */
/* Case (i) of test_buyers with X's imports set to D in month 1, run. */
static ps_run *demand_run(double D, ps_scenario **sc)
{
    *sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_event(*sc, 1, "oil_demand", -1, BX, D);
    return run(*sc, 1);
}

static void test_demand_event(void)
{
    ps_scenario *sc;
    ps_run *r = demand_run(50.0, &sc);
    double x0 = synth_at(r, "oil_trade", 1, BS, BX), y0 = synth_at(r, "oil_trade", 1, BS, BY);
    double x1 = synth_at(r, "oil_trade", 2, BS, BX), y1 = synth_at(r, "oil_trade", 2, BS, BY);
    double x2 = synth_at(r, "oil_trade", 3, BS, BX), y2 = synth_at(r, "oil_trade", 3, BS, BY);
    printf("demand event (a): X buys %.6f from S (hand 25), Y %.6f (30), S sells %.6f (55); "
           "X's imports %g then %g; then X %.6f, Y %.6f (20, 40), then %.6f, %.6f (30, 30)\n", x0, y0,
           synth_at(r, "oil_export_volume", 1, BS, -1), synth_at(r, "oil_import_demand", 1, BX, -1),
           synth_at(r, "oil_import_demand", 2, BX, -1), x1, y1, x2, y2);
    CHECK(NEAR(x0, 25.0, 1e-9) && NEAR(y0, 30.0, 1e-9), "(a) X cuts the dearer oil first: %g %g", x0,
          y0);
    CHECK(NEAR(synth_at(r, "oil_export_volume", 1, BS, -1), 55.0, 1e-9), "(a) S sells 55");
    CHECK(synth_at(r, "oil_import_demand", 1, BX, -1) == 50.0 &&
              synth_at(r, "oil_import_demand", 2, BX, -1) == 100.0,
          "(a) X imports 50 in the event's month, its base 100 the next");
    CHECK(NEAR(x1, 20.0, 1e-9) && NEAR(y1, 40.0, 1e-9), "(a) the month after: %g %g", x1, y1);
    CHECK(NEAR(x2, 30.0, 1e-9) && NEAR(y2, 30.0, 1e-9), "(a) two months after: %g %g", x2, y2);
    ps_run_free(r);
    synth_free(sc);

    r = demand_run(200.0, &sc);
    printf("demand event (b): X buys %.6f, Y %.6f, S sells %.6f of 60\n",
           synth_at(r, "oil_trade", 1, BS, BX), synth_at(r, "oil_trade", 1, BS, BY),
           synth_at(r, "oil_export_volume", 1, BS, -1));
    CHECK(NEAR(synth_at(r, "oil_trade", 1, BS, BX), 30.0, 1e-9) &&
              NEAR(synth_at(r, "oil_export_volume", 1, BS, -1), 60.0, 1e-9),
          "(b) within S's capacity");
    ps_run_free(r);
    synth_free(sc);

    sc = buyers_scenario(1, 1, 0.25, 0.25, 2, 2);
    synth_init(sc, "oil_export_capacity", BS, -1, 50.0);
    synth_init(sc, "oil_trade", BS, BX, 25.0);
    synth_init(sc, "oil_trade", BS, BY, 25.0);
    synth_event(sc, 1, "oil_demand", -1, BX, 50.0);
    r = run(sc, 1);
    printf("demand event (c): a = 1: X buys %.6f (hand 12.5)\n", synth_at(r, "oil_trade", 1, BS, BX));
    CHECK(synth_at(r, "oil_trade", 1, BS, BX) == 12.5, "(c) the mix kept at a = 1");
    ps_run_free(r);
    synth_free(sc);

    r = demand_run(0.0, &sc);
    printf("demand event (d): imports 0: X buys %g, S sells %.6f (hand 0, 30)\n",
           synth_at(r, "oil_trade", 1, BS, BX), synth_at(r, "oil_export_volume", 1, BS, -1));
    CHECK(synth_at(r, "oil_trade", 1, BS, BX) == 0.0 &&
              NEAR(synth_at(r, "oil_export_volume", 1, BS, -1), 30.0, 1e-9),
          "(d) a buyer that imports nothing buys nothing");
    ps_run_free(r);
    synth_free(sc);

    sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_event(sc, 2, "oil_demand", -1, -1, 50.0);
    expect_config_error(sc, "oil_demand needs a target actor");
    synth_free(sc);

    /* (f) Case (a) at a hundredth of its volumes: the rule is in shares and
     * cost factors, so every volume is (a)'s / 100, routes under 1 kb/d
     * included (capacity 0.6, imports 1 each, 0.1 sold to each in 2021, X
     * cut to 0.5: X 0.25, Y 0.30, then 0.20 / 0.40, then 0.30 / 0.30). */
    sc = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_init(sc, "oil_export_capacity", BS, -1, 0.6);
    synth_init(sc, "oil_import_demand", BX, -1, 1.0);
    synth_init(sc, "oil_import_demand", BY, -1, 1.0);
    synth_init(sc, "oil_trade", BS, BX, 0.1);
    synth_init(sc, "oil_trade", BS, BY, 0.1);
    synth_event(sc, 1, "oil_demand", -1, BX, 0.5);
    r = run(sc, 1);
    static const double hand[3][2] = {{0.25, 0.30}, {0.20, 0.40}, {0.30, 0.30}};
    for (int t = 1; t <= 3; t++) {
        double x = synth_at(r, "oil_trade", t, BS, BX), y = synth_at(r, "oil_trade", t, BS, BY);
        printf("demand event (f) at 1/100, record %d: X %.8f, Y %.8f (hand %g, %g)\n", t, x, y,
               hand[t - 1][0], hand[t - 1][1]);
        CHECK(NEAR(x, hand[t - 1][0], 1e-11) && NEAR(y, hand[t - 1][1], 1e-11),
              "(f) record %d at 1/100 of (a): %g %g", t, x, y);
    }
    ps_run_free(r);
    synth_free(sc);

    /* (g) Case (a) with X first in the actor list (S second, Y third): the
     * event's target at position 0 is an actor like any other. */
    static const int x_first[N_BUY] = {1, 0, 2};
    sc = buyers_world(x_first, 1, 1, 1, 1, 2, 2);
    synth_event(sc, 1, "oil_demand", -1, 0, 50.0);
    r = run(sc, 1);
    double xg = synth_at(r, "oil_trade", 1, 1, 0), yg = synth_at(r, "oil_trade", 1, 1, 2);
    printf("demand event (g) X at position 0: X %.6f, Y %.6f (hand 25, 30)\n", xg, yg);
    CHECK(NEAR(xg, 25.0, 1e-9) && NEAR(yg, 30.0, 1e-9) &&
              synth_at(r, "oil_import_demand", 1, 0, -1) == 50.0,
          "(g) the target at position 0: %g %g", xg, yg);
    ps_run_free(r);
    synth_free(sc);

    /* (h) Capacity taken from the rest of the world first: S (capacity 60)
     * also sells 40 to unmodelled buyers, and X's imports rise to D in
     * month 1. From the same world's month 1 without the event (v_X, v_Y,
     * rho, the discount d): E = e^(d / (80 tau)) (no closures, delta0 = 0),
     * X's weight v_X E against its outside option 100 - v_X, so X asks
     * v_X + (D - 100) v_X E / (v_X E + 100 - v_X); it gets at most 60 - v_Y,
     * and the rest of the world keeps min(rho, 60 - v_Y - X's). D = 200: the
     * rest gives way in part; D = 1000: X's ask exceeds all S has, X gets
     * 60 - v_Y and the rest nothing. */
    ps_scenario *s0 = buyers_scenario(1, 1, 1, 1, 2, 2);
    synth_init(s0, "oil_rest_exports", BS, -1, 40.0);
    ps_run *r0 = run(s0, 1);
    double vx = synth_at(r0, "oil_trade", 1, BS, BX), vy = synth_at(r0, "oil_trade", 1, BS, BY);
    double rho = synth_at(r0, "oil_rest_exports", 1, BS, -1);
    double disc = synth_at(r0, "oil_discount", 1, BS, -1), E = exp(disc / (80.0 * 0.12));
    for (int k = 0; k < 2; k++) {
        const double D = k ? 1000.0 : 200.0;
        sc = buyers_scenario(1, 1, 1, 1, 2, 2);
        synth_init(sc, "oil_rest_exports", BS, -1, 40.0);
        synth_event(sc, 1, "oil_demand", -1, BX, D);
        r = run(sc, 1);
        double ask = vx + (D - 100.0) * vx * E / (vx * E + 100.0 - vx);
        double xh = fmin(ask, 60.0 - vy), rh = fmin(rho, 60.0 - vy - xh);
        double xe = synth_at(r, "oil_trade", 1, BS, BX), re = synth_at(r, "oil_rest_exports", 1, BS, -1);
        double vol = synth_at(r, "oil_export_volume", 1, BS, -1);
        double rev = synth_at(r, "oil_export_revenue", 1, BS, -1);
        printf("demand event (h) D = %g: without it X %.6f, Y %.6f, rest %.6f, discount %.6f; with "
               "it X %.6f (hand %.6f of %.6f asked), rest %.6f (hand %.6f), volume %.6f\n", D, vx,
               vy, rho, disc, xe, xh, ask, re, rh, vol);
        CHECK(ask > 60.0 - vy - rho && rh < rho && (k == 0 || (xh < ask && rh == 0.0)),
              "(h) D = %g: the case takes capacity from the rest: %g", D, ask);
        CHECK(NEAR(xe, xh, 1e-9) && NEAR(re, rh, 1e-9) && synth_at(r, "oil_trade", 1, BS, BY) == vy,
              "(h) D = %g: X %g (hand %g), rest %g (hand %g)", D, xe, xh, re, rh);
        CHECK(NEAR(vol, vy + xh + rh, 1e-9) && NEAR(rev, vol * 1000.0 * 365.0 * (80.0 - disc), 1e-3),
              "(h) D = %g: volume %g, revenue %g", D, vol, rev);
        ps_run_free(r);
        synth_free(sc);
    }
    ps_run_free(r0);
    synth_free(s0);
}

int main(void)
{
    if (ps_registry_find("oil") < 0) {
        fprintf(stderr, "the oil model is not in models/registry.c\n");
        return 1;
    }
    test_steady();
    test_discount_adjust();
    test_embargo();
    test_oil_embargo();
    test_floor_openness();
    test_invariance();
    test_rivalry_definition();
    test_price_reversion();
    test_buyers();
    test_price_response();
    test_price_jumps();
    test_capacity_event();
    test_sold_out();
    test_demand_event();
    test_price_cap();
    test_counter_sanctions();
    return CHECK_DONE();
}
