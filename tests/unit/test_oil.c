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
    int mrus = -1, mdisc = -1;
    for (int m = 0; m < ps_registry_n_metrics(); m++) {
        if (strcmp(ps_registry_metric(m, NULL)->name, "rus_oil_revenue_2022h2") == 0)
            mrus = m;
        if (strcmp(ps_registry_metric(m, NULL)->name, "max_oil_discount") == 0)
            mdisc = m;
    }
    CHECK(mrus >= 0 && isnan(r->metrics[mrus]), "no RUS: NaN");
    CHECK(mdisc >= 0 && r->metrics[mdisc] >= dA, "max discount %g", r->metrics[mdisc]);
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
    int m = -1;
    for (int k = 0; k < ps_registry_n_metrics(); k++)
        if (!strcmp(ps_registry_metric(k, NULL)->name, "oil_trade_shift"))
            m = k;
    CHECK(m >= 0 && total > 0.0 && moved > 0.0 &&
              fabs(r->metrics[m] - 0.5 * moved / total) <= 1e-12 * (0.5 * moved / total),
          "oil_trade_shift %g, from the series %g", m >= 0 ? r->metrics[m] : NAN,
          0.5 * moved / total);
    ps_run_free(r);
    synth_free(sc);
}

int main(void)
{
    if (ps_registry_find("oil") < 0) {
        fprintf(stderr, "the oil model is not in models/registry.c\n");
        return 1;
    }
    test_steady();
    test_embargo();
    test_invariance();
    test_price_reversion();
    return CHECK_DONE();
}
