/* The leverage model against hand-worked values (docs/ODD.md): each channel's
 * hold is weight x importance x i's share of what j can still get, and the
 * channels combine as independent holds, L = 1 - prod(1 - hold). Trade alone
 * splits evenly; a transit route adds a hold; and when sanctions close j's
 * other partners, the partner still open holds j entirely in trade. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_leverage;
extern const ps_model ps_model_sanctions;
extern const ps_model ps_model_military;
extern const ps_model ps_model_cooperation;

enum { A, B, C };

static double lev(const ps_run *run, int t, int i, int j)
{
    return synth_at(run, "leverage", t, i, j);
}


#define NEAR(x, y) (fabs((x) - (y)) <= 1e-12 * (1.0 + fabs(y)))

static ps_run *run_world(double transit_ac, double closed_ac, ps_scenario **out)
{
    int perm[3] = {0, 1, 2};
    ps_scenario *sc = synth_new("leverage", 3, perm, NULL, 0, 'L', 2, 1, 8, 1);
    if (transit_ac > 0)
        synth_init(sc, "transit", A, C, transit_ac);
    if (closed_ac > 0)
        synth_init(sc, "sanction_intensity", A, C, closed_ac);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

/* Test-only models that own fixed inputs: GDP, and the oil market's trade,
 * outside exports and revenue (no step: the values stay as set). */
static const ps_field gdp_fields[] = {{"gdp", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e15, "held", "test"}};
static const ps_field oil_fields[] = {
    {"oil_trade", PS_DYAD, "1", 0.0, 0.0, 1e9, "held", "test"},
    {"oil_rest_exports", PS_ACTOR, "1", 0.0, 0.0, 1e9, "held", "test"},
    {"oil_export_revenue", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e15, "held", "test"},
};
static const ps_model held_gdp = {.name = "held_gdp", .description = "test", .fields = gdp_fields,
                                  .n_fields = 1};
static const ps_model held_oil = {.name = "held_oil", .description = "test", .fields = oil_fields,
                                  .n_fields = 3};

/* Oil, by hand: C sells crude to A (2) and B (1) and outside (1), so A's share
 * of C's buyers is 2 / 4 = 0.5; C's revenue is 0.15e12 USD/yr on a GDP of 2e12
 * (A 1e12, B 3e12), importance min(1, 0.075 / oil_dependence_scale 0.15) = 0.5.
 * A over C: trade share 1 / 4, oil hold weight_oil x 0.5 x 0.5:
 * L = 1 - (1 - 0.25 wt)(1 - 0.25 wo). Without GDP (no economy) the oil
 * importance is 0, as it cannot be measured against GDP, and trade splits
 * evenly: L = 0.5 wt. GDP is global field 0 in the first pipeline. */
static void test_oil_by_hand(double wt)
{
    double wo = synth_default(&ps_model_leverage, "weight_oil");
    double sc_oil = synth_default(&ps_model_leverage, "oil_dependence_scale");
    CHECK(wo > 0 && sc_oil == 0.15, "weight_oil %g, oil_dependence_scale %g", wo, sc_oil);
    const ps_model *with[] = {&held_gdp, &held_oil, &ps_model_leverage, NULL};
    const ps_model *without[] = {&held_oil, &ps_model_leverage, NULL};
    for (int g = 1; g >= 0; g--) {
        ps_registry_use(g ? with : without);
        ps_scenario *sc = synth_new("leverage_oil", 3, (const int[]){0, 1, 2}, NULL, 0, 'L', 2, 1,
                                    16, 1);
        if (g) {
            synth_init(sc, "gdp", A, -1, 1e12);
            synth_init(sc, "gdp", B, -1, 3e12);
            synth_init(sc, "gdp", C, -1, 2e12);
        }
        synth_init(sc, "oil_trade", C, A, 2.0);
        synth_init(sc, "oil_trade", C, B, 1.0);
        synth_init(sc, "oil_rest_exports", C, -1, 1.0);
        synth_init(sc, "oil_export_revenue", C, -1, 0.15e12);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
        if (r) {
            double want = g ? 1.0 - (1.0 - 0.25 * wt) * (1.0 - 0.25 * wo) : 0.5 * wt;
            CHECK(NEAR(lev(r, 0, A, C), want), "A over C's crude %s GDP: %.15g vs %.15g by hand",
                  g ? "with" : "without", lev(r, 0, A, C), want);
            ps_run_free(r);
        }
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

/* The metric tur_rus_leverage_change (mean TUR-over-RUS leverage Jul-Dec
 * 2022 less January 2022) with Turkey at position 0: X closes 90% of its
 * trade to Russia in month 3, so Turkey's share of Russia's open trade, and
 * its leverage, rise: the metric is the difference of the series' means. */
static void test_metric_position_0(void)
{
    const ps_model *pipe[] = {&ps_model_sanctions, &ps_model_leverage, NULL};
    ps_registry_use(pipe);
    static const char *const iso[3] = {"TUR", "RUS", "XXX"};
    ps_scenario *sc = synth_new("leverage_metric", 3, (const int[]){0, 1, 2}, iso, 3, 'L', 13, 1, 4, 2);
    synth_event(sc, 3, "sanctions", 2, 1, 0.9);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    const ps_metric *mx = NULL;
    for (int k = 0; k < ps_model_leverage.n_metrics; k++)
        mx = !strcmp(ps_model_leverage.metrics[k].name, "tur_rus_leverage_change")
                 ? &ps_model_leverage.metrics[k] : mx;
    CHECK(mx != NULL, "metric registered");
    if (r && mx) {
        double want = ps_run_dyad_mean(r, "leverage", 0, 1, 6, 12) - ps_run_dyad_mean(r, "leverage", 0, 1, 0, 1);
        double got = mx->compute(r);
        CHECK(want > 0.0 && NEAR(got, want), "TUR at position 0: metric %.15g vs %.15g", got, want);
    }
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
}

/* Transit through a partner that half-closes its relations (docs/ODD.md 7.8):
 * sanctions of 0.5 between A and C (either direction: the larger counts) close
 * half of A's trade and of the routes through A. A carries 0.6 of C's routes
 * and C, isolated at 0.2, keeps 0.4 x (1 - 0.2) = 0.32 of routes through no one,
 * so A's transit offer is 0.6 x 0.5 = 0.3 of 0.62; its trade offer 0.5 of
 * B's 1 + 0.5: L(A over C) = 1 - (1 - wt / 3)(1 - wtr x 0.3 / 0.62), and B,
 * open but no route, L = wt x 2 / 3. Sanctions and isolation held by a
 * test-only model, so the values are the ones set. */
static const ps_field sanc_fields[] = {
    {"sanction_intensity", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"isolation", PS_ACTOR, "1", 0.0, 0.0, 1.0, "held", "test"},
};
static const ps_model held_sanctions = {.name = "held_sanctions", .description = "test",
                                        .fields = sanc_fields, .n_fields = 2};

static void test_transit_closed(double wt, double wtr)
{
    const ps_model *pipe[] = {&held_sanctions, &ps_model_leverage, NULL};
    ps_registry_use(pipe);
    for (int dir = 0; dir < 2; dir++) {
        ps_scenario *sc = synth_new("leverage_transit", 3, (const int[]){0, 1, 2}, NULL, 0, 'L', 2, 1,
                                    8, 1);
        synth_init(sc, "transit", A, C, 0.6);
        synth_init(sc, "sanction_intensity", dir ? C : A, dir ? A : C, 0.5);
        synth_init(sc, "isolation", C, -1, 0.2);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
        if (r) {
            double want = 1.0 - (1.0 - wt / 3.0) * (1.0 - wtr * 0.3 / 0.62);
            CHECK(NEAR(lev(r, 0, A, C), want), "%s closes 0.5: A over C %.15g vs %.15g by hand",
                  dir ? "C" : "A", lev(r, 0, A, C), want);
            CHECK(NEAR(lev(r, 0, B, C), wt * 2.0 / 3.0), "B over C %.15g vs %.15g by hand",
                  lev(r, 0, B, C), wt * 2.0 / 3.0);
            ps_run_free(r);
        }
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

/* Diplomatic cover without the cover model (docs/ODD.md 7.8): i's offer is
 * its veto x the pair's cooperation x the share of the relation it keeps
 * open. A and B hold vetoes; C, isolated (cover matters to it with weight
 * 1), cooperates 0.8 with A and 0.4 with B, and A closes half of its
 * relations with C: A's cover offer 1 x 0.8 x 0.5 = 0.4 equals B's 1 x 0.4
 * x 1, so each holds half of C's cover; in trade A offers 0.5 of 1.5. C's
 * routes through no one count for nothing (1 - isolation = 0). Veto,
 * cooperation, sanctions and isolation held by a test-only model. */
static const ps_field cover_in_fields[] = {
    {"unsc_veto", PS_ACTOR, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"cooperation", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"sanction_intensity", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"isolation", PS_ACTOR, "1", 0.0, 0.0, 1.0, "held", "test"},
};
static const ps_model held_cover_inputs = {.name = "held_cover_inputs", .description = "test",
                                           .fields = cover_in_fields, .n_fields = 4};

static void test_cover_without_cover_model(double wt)
{
    double wc = synth_default(&ps_model_leverage, "weight_cover");
    CHECK(wc > 0 && wc <= 2.0, "weight_cover %g", wc);
    const ps_model *pipe[] = {&held_cover_inputs, &ps_model_leverage, NULL};
    ps_registry_use(pipe);
    /* Alone (N = 3), and after 40 actors with no veto, cooperation or
     * sanctions, so that A, B and C sit in the second block of 32 columns:
     * each of the 40 offers C trade of 1 (GDP 1 without the economy), so A's
     * trade offer is 0.5 of 1.5 + 40. */
    for (int pad = 0; pad <= 40; pad += 40) {
        const int n = 3 + pad, a = pad + A, b = pad + B, c = pad + C;
        int perm[43];
        for (int k = 0; k < n; k++)
            perm[k] = k < 3 ? pad + k : k - 3;
        ps_scenario *sc = synth_new("leverage_cover", n, perm, NULL, 0, 'L', 2, 1, 8, 1);
        synth_init(sc, "unsc_veto", a, -1, 1.0);
        synth_init(sc, "unsc_veto", b, -1, 1.0);
        synth_init(sc, "cooperation", a, c, 0.8);
        synth_init(sc, "cooperation", c, a, 0.8);
        synth_init(sc, "cooperation", b, c, 0.4);
        synth_init(sc, "cooperation", c, b, 0.4);
        synth_init(sc, "sanction_intensity", a, c, 0.5);
        synth_init(sc, "isolation", c, -1, 1.0);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
        if (r) {
            double want_a = 1.0 - (1.0 - wt * 0.5 / (1.5 + pad)) * (1.0 - wc * 0.5);
            double want_b = 1.0 - (1.0 - wt * 1.0 / (1.5 + pad)) * (1.0 - wc * 0.5);
            CHECK(NEAR(lev(r, 0, a, c), want_a), "N = %d: A over C's cover %.15g vs %.15g by hand",
                  n, lev(r, 0, a, c), want_a);
            CHECK(NEAR(lev(r, 0, b, c), want_b), "N = %d: B over C's cover %.15g vs %.15g by hand",
                  n, lev(r, 0, b, c), want_b);
            ps_run_free(r);
        }
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

int main(void)
{
    double wt = synth_default(&ps_model_leverage, "weight_trade");
    double wtr = synth_default(&ps_model_leverage, "weight_transit");
    CHECK(wt > 0 && wtr > 0, "weights");
    const ps_model *pipe[] = {&ps_model_sanctions, &ps_model_leverage, NULL};
    ps_registry_use(pipe);
    ps_scenario *sc = NULL;

    /* Trade only, equal weights: each of j's two partners has half of it. */
    ps_run *r = run_world(0, 0, &sc);
    if (r) {
        CHECK(NEAR(lev(r, 0, A, C), wt * 0.5), "A over C %.15g", lev(r, 0, A, C));
        CHECK(NEAR(lev(r, 0, C, B), wt * 0.5), "C over B");
        CHECK(lev(r, 0, A, A) == 0.0, "no leverage over oneself");
        ps_run_free(r);
    }
    synth_free(sc);

    /* 60% of C's trade passes through A: A's transit share is 0.6 of all
     * routes (0.6 through A plus 0.4 through no one, C not isolated). */
    r = run_world(0.6, 0, &sc);
    if (r) {
        double want = 1.0 - (1.0 - wt * 0.5) * (1.0 - wtr * 0.6);
        CHECK(NEAR(lev(r, 0, A, C), want), "A over C with transit %.15g vs %.15g",
              lev(r, 0, A, C), want);
        CHECK(NEAR(lev(r, 0, B, C), wt * 0.5), "B over C: trade only");
        CHECK(NEAR(lev(r, 0, A, B), wt * 0.5), "transit is directed");
        ps_run_free(r);
    }
    synth_free(sc);

    /* A closes all its trade with C: B is C's only open partner and holds all
     * of C's trade; A's own trade hold over C is gone. */
    r = run_world(0, 1.0, &sc);
    if (r) {
        CHECK(NEAR(lev(r, 0, B, C), wt * 1.0), "B over C when A closes %.15g",
              lev(r, 0, B, C));
        CHECK(lev(r, 0, A, C) == 0.0, "A over C when closed: %g", lev(r, 0, A, C));
        CHECK(NEAR(lev(r, 0, C, A), 0.0), "closure works both ways for trade");
        CHECK(NEAR(lev(r, 0, B, A), wt * 1.0), "and B gains the same hold over A");
        ps_run_free(r);
    }
    synth_free(sc);
    ps_registry_use(NULL);

    /* Materiel: C, at military strain 0.5, receives munitions from A (30) and
     * B (10) and aircraft from B (5). Each supplier's share is the mean over the
     * categories C receives: A (30/40 + 0/5) / 2 = 0.375, B (10/40 + 5/5) / 2 =
     * 0.625; the hold is weight_materiel x strain x share, on top of the even
     * trade split (no economy model: every partner offers 1). */
    double wm = synth_default(&ps_model_leverage, "weight_materiel");
    CHECK(wm > 0, "weight_materiel");
    const ps_model *pipe2[] = {&ps_model_sanctions, &ps_model_military, &ps_model_cooperation,
                               &ps_model_leverage, NULL};
    ps_registry_use(pipe2);
    int perm[3] = {0, 1, 2};
    sc = synth_new("leverage", 3, perm, NULL, 0, 'L', 2, 1, 8, 1);
    synth_init(sc, "military_strain", C, -1, 0.5);
    synth_init(sc, "arms_transfer_munitions", A, C, 30.0);
    synth_init(sc, "arms_transfer_munitions", B, C, 10.0);
    synth_init(sc, "arms_transfer_aircraft", B, C, 5.0);
    r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(st == PS_OK, "run: %s", err.msg);
    if (r) {
        double want_a = 1.0 - (1.0 - wt * 0.5) * (1.0 - wm * 0.5 * 0.375);
        double want_b = 1.0 - (1.0 - wt * 0.5) * (1.0 - wm * 0.5 * 0.625);
        CHECK(NEAR(lev(r, 0, A, C), want_a), "A over C with munitions %.15g vs %.15g",
              lev(r, 0, A, C), want_a);
        CHECK(NEAR(lev(r, 0, B, C), want_b), "B over C with munitions and aircraft %.15g vs %.15g",
              lev(r, 0, B, C), want_b);
        CHECK(NEAR(lev(r, 0, C, A), wt * 0.5), "A is not strained: trade only");
        ps_run_free(r);
    }
    synth_free(sc);
    ps_registry_use(NULL);
    test_oil_by_hand(wt);
    test_metric_position_0();
    test_transit_closed(wt, wtr);
    test_cover_without_cover_model(wt);
    return CHECK_DONE();
}
