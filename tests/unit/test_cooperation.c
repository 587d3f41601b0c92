/* Cooperation's exchanges reach a partner only through the relations the
 * supplier has not closed to it (docs/ODD.md 7.3): finance j -> i and arms
 * orders j -> i carry the factor 1 - s_ji, s_ji the supplier's own sanction
 * intensity on the recipient. One step of the cooperation model on a world of
 * three actors set by hand: lenders A and C are alike in everything but A's
 * sanctions on B, and B needs finance and munitions. With A's closure s the
 * flow A -> B is (1 - s) times C -> B; at s = 0 the two are bit-identical and
 * at s = 1 A sends nothing; B's sanctions on A do not stop A's supply. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

extern const ps_model ps_model_cooperation;

enum { A, B, C, N };

static double *cur(ps_world *w, const char *f)
{
    return w->cur[ps_field_index(f)];
}

/* One cooperation step with s_AB = s_ab and s_BA = s_ba; flow[k] and order[k]
 * are what A (k = 0) and C (k = 1) send to B; *comp the A-B complementarity.
 * mode 1: A also needs 50 thousand rounds, which B can spare (needs both
 * ways); mode 2: that, with every need's weight in complementarity 0; mode
 * 3: mode 1 with C needing 30 thousand rounds too (every actor in need). */
static void step_w(double s_ab, double s_ba, int mode, double flow[2], double order[2],
                   double *comp)
{
    int perm[N] = {0, 1, 2};
    ps_scenario *sc = synth_new("cooperation", N, perm, NULL, 0, 'K', 2, 3, 4, 1);
    /* Cooperation as the only driver of willingness: the same for both pairs. */
    synth_param(sc, "cooperation", "offer_noise", 0.0);
    static const char *const weights[] = {"weight_materiel", "weight_finance", "weight_channels",
                                          "weight_cover", "weight_technology"};
    for (int k = 0; mode == 2 && k < 5; k++)
        synth_param(sc, "cooperation", weights[k], 0.0);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    if (!w) {
        synth_free(sc);
        return;
    }
    int self = ps_registry_find("cooperation");
    double *coop = cur(w, "cooperation"), *sanc = cur(w, "sanction_intensity");
    for (int k = 0; k < N * N; k++)
        coop[k] = (k / N == k % N) ? 0.0 : 0.4;
    sanc[A * N + B] = s_ab;
    sanc[B * N + A] = s_ba;
    /* B is isolated (the same risk for both lenders: A's and C's own isolation 0). */
    double *iso = cur(w, "isolation"), *threat = cur(w, "secondary_threat");
    iso[A] = iso[C] = 0.0;
    iso[B] = 0.1;
    threat[A] = threat[B] = threat[C] = 0.0;
    /* B needs 10bn USD/yr and 100 thousand rounds a month; A and C have ample
     * finance and no spare munitions (so B's whole order is a backorder). */
    double *need = cur(w, "finance_need"), *spare = cur(w, "finance_spare");
    need[A] = need[C] = 0.0;
    need[B] = 1e10;
    spare[A] = spare[C] = 1e13;
    spare[B] = 0.0;
    double *mneed = cur(w, "materiel_need_munitions"), *mspare = cur(w, "materiel_spare_munitions");
    mneed[A] = mneed[C] = 0.0;
    mneed[B] = 100.0;
    mspare[A] = mspare[B] = mspare[C] = 0.0;
    if (mode) {
        mneed[A] = 50.0;
        mspare[B] = 100.0;
    }
    if (mode == 3)
        mneed[C] = 30.0;
    const ps_model *m = ps_registry_model(self);
    CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
    const double *f = w->next[ps_field_index("finance_flow")];
    const double *o = w->next[ps_field_index("arms_backorder_munitions")];
    flow[0] = f[A * N + B];
    flow[1] = f[C * N + B];
    order[0] = o[A * N + B];
    order[1] = o[C * N + B];
    *comp = w->next[ps_field_index("complementarity")][A * N + B];
    ps_world_free(w);
    synth_free(sc);
}

static void step(double s_ab, double s_ba, double flow[2], double order[2])
{
    double comp;
    step_w(s_ab, s_ba, 0, flow, order, &comp);
}

/* Trust after promises (docs/ODD.md 7.3), by hand: A trusts B 0.5, and A
 * and B cooperate 0.4 both ways (the pair's cooperation is their mean); B's
 * promises to A that fell due this month were 0.3 x scale breached and 0.6 x
 * scale kept, so A's trust in B moves to
 * 0.5 + adj (0.4 - 0.5) - pen (0.3 / 0.9) 0.5 + rew (0.6 / 0.9) (1 - 0.5),
 * whatever the amounts' scale (a share of what was owed): 1 USD or 1e9.
 * Returns A's next trust in B. */
static double trust_step(double scale)
{
    int perm[N] = {0, 1, 2};
    ps_scenario *sc = synth_new("cooperation_trust", N, perm, NULL, 0, 'K', 2, 3, 4, 1);
    synth_param(sc, "cooperation", "offer_noise", 0.0);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    double out = NAN;
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    if (w) {
        cur(w, "trust")[A * N + B] = 0.5;
        cur(w, "cooperation")[A * N + B] = cur(w, "cooperation")[B * N + A] = 0.4;
        cur(w, "promise_breach")[B * N + A] = 0.3 * scale;
        cur(w, "promise_kept")[B * N + A] = 0.6 * scale;
        int self = ps_registry_find("cooperation");
        const ps_model *m = ps_registry_model(self);
        CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
        out = w->next[ps_field_index("trust")][A * N + B];
        ps_world_free(w);
    }
    synth_free(sc);
    return out;
}

static void test_trust_after_promises(void)
{
    const ps_model *m = &ps_model_cooperation;
    double adj = synth_default(m, "trust_adjust"), pen = synth_default(m, "breach_penalty");
    double rew = synth_default(m, "kept_reward");
    double want = 0.5 + adj * (0.4 - 0.5) - pen * (0.3 / 0.9) * 0.5 + rew * (0.6 / 0.9) * 0.5;
    for (int k = 0; k < 2; k++) {
        double scale = k ? 1e9 : 1.0, got = trust_step(scale);
        printf("trust after promises at scale %g: %.15g (hand %.15g)\n", scale, got, want);
        CHECK(fabs(got - want) < 1e-14, "trust at scale %g: %.15g vs %.15g by hand", scale, got,
              want);
    }
}

/* Shared security (docs/ODD.md 7.3): X and Y both committed in a theater
 * hosted by H, with interest 0.8 and 0.6 there and cooperation 0.5 and 0.7
 * with H, share min(0.8, 0.6) x min(0.5, 0.7) = 0.3 of security interest.
 * With no need, isolation or noise, that is the whole motive of the pair
 * (cooperation 0.4, anchored there; trust 0.6 both ways):
 * c1 = c0 + rise x w_security x 0.3 x isolation_floor x (0.5 + 0.5 x 0.6) x (1 - c0).
 * H sits at position 1 and Z, with no ties to H, at 3. The theater is the
 * only one (theater 0: the theater masks) or the last of 65 (theater 64: the
 * plain loop over theaters, past 64); in the 64 others of that world, hosted by
 * H too, X is committed and Y is not, which must not count. Returns X-Y's and
 * Y-X's next cooperation. */
static void security_step(int n_theaters, double out[2])
{
    enum { X, H, Y, Z, NA };
    int perm[NA] = {0, 1, 2, 3};
    out[0] = out[1] = NAN;
    ps_scenario *sc = synth_new("cooperation_security", NA, perm, NULL, 0, 'S', 2, 3, 16, 1);
    char(*names)[PS_NAME_MAX] = calloc((size_t)n_theaters, sizeof *names);
    const char **tn = calloc((size_t)n_theaters, sizeof *tn);
    int *hosts = calloc((size_t)n_theaters, sizeof *hosts);
    for (int t = 0; t < n_theaters; t++) {
        snprintf(names[t], PS_NAME_MAX, "theater_%d", t);
        tn[t] = names[t];
        hosts[t] = H;
    }
    synth_theaters(sc, n_theaters, tn, hosts);
    free(names);
    free(tn);
    free(hosts);
    synth_param(sc, "cooperation", "offer_noise", 0.0);
    /* Initial cooperation (the anchor, so no relaxation) and trust. */
    const double coop0[NA][NA] = {{0, 0.5, 0.4, 0.2}, {0.5, 0, 0.7, 0.0}, {0.4, 0.7, 0, 0.2},
                                  {0.2, 0.0, 0.2, 0}};
    for (int i = 0; i < NA; i++)
        for (int j = 0; j < NA; j++)
            if (i != j)
                synth_init(sc, "cooperation", i, j, coop0[i][j]);
    synth_init(sc, "trust", X, Y, 0.6);
    synth_init(sc, "trust", Y, X, 0.6);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    if (!w) {
        synth_free(sc);
        return;
    }
    /* No need, offer, isolation, sanctions or war: complementarity 0. */
    static const char *const zero[] = {
        "isolation", "secondary_threat", "sanction_pressure", "finance_need",
        "materiel_need_drones", "materiel_need_munitions", "materiel_need_air_defense",
        "materiel_need_aircraft", "combat", "commitment", "interest"};
    for (size_t k = 0; k < sizeof zero / sizeof *zero; k++) {
        int f = ps_field_index(zero[k]);
        const ps_field *fd = ps_registry_field(f, NULL);
        size_t len = fd->shape == PS_THEATER ? (size_t)NA * n_theaters
                     : fd->shape == PS_DYAD  ? (size_t)NA * NA
                                             : (size_t)NA;
        memset(w->cur[f], 0, len * sizeof(double));
    }
    memset(cur(w, "sanction_intensity"), 0, NA * NA * sizeof(double));
    double *commit = cur(w, "commitment"), *interest = cur(w, "interest");
    int last = n_theaters - 1;
    for (int t = 0; t < n_theaters; t++) {
        commit[X * n_theaters + t] = 1.0;
        interest[X * n_theaters + t] = 0.8;
        interest[Y * n_theaters + t] = 0.95; /* uncommitted but for the last */
    }
    commit[Y * n_theaters + last] = 0.5;
    interest[Y * n_theaters + last] = 0.6;
    int self = ps_registry_find("cooperation");
    const ps_model *m = ps_registry_model(self);
    CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
    const double *c = w->next[ps_field_index("cooperation")];
    out[0] = c[X * NA + Y];
    out[1] = c[Y * NA + X];
    ps_world_free(w);
    synth_free(sc);
}

static void test_shared_security(void)
{
    const ps_model *m = &ps_model_cooperation;
    double rise = synth_default(m, "rise"), floor_ = synth_default(m, "isolation_floor");
    double wsec = synth_default(m, "weight_security");
    CHECK(rise > 0 && floor_ > 0 && wsec > 0, "rise %g, floor %g, weight_security %g", rise, floor_,
          wsec);
    double c0 = 0.4, shared = 0.6 * 0.5;
    double want = c0 + rise * wsec * shared * floor_ * (0.5 + 0.5 * 0.6) * (1.0 - c0);
    const int nts[] = {1, 65};
    for (int k = 0; k < 2; k++) {
        double c[2];
        security_step(nts[k], c);
        printf("shared security, %d theaters: cooperation X-Y %.17g, Y-X %.17g (by hand %.17g)\n",
               nts[k], c[0], c[1], want);
        CHECK(fabs(c[0] - want) <= 1e-14 && fabs(c[1] - want) <= 1e-14,
              "%d theaters: X-Y %.17g, Y-X %.17g, by hand %.17g", nts[k], c[0], c[1], want);
    }
}

/* The three metrics, the means of their pair's series over their windows, with
 * Russia and Iran at every pair of positions of a 3-actor list (a guard of
 * i <= 0 would take position 0 for a missing actor), and NaN when Iran is
 * absent. Cooperation alone, no need and no tie but the initial ones:
 * cooperation stays at its anchor, RUS-IRN 0.3 (both windows); IRN's drones to
 * RUS, 20 a month at the start, fall by transfer_ramp a month toward the
 * desired 0: month t (0 the first step) holds 20 (1 - ramp)^(t + 1), and the
 * metric is their mean over March-December 2022 (t = 2..11). */
static ps_run *metric_run(const int perm[3], const char *const iso[3], ps_scenario **out)
{
    ps_scenario *sc = synth_new("cooperation_metrics", 3, perm, iso, 3, 'M', 36, 5, 16, 1);
    const int ri = 0, ii = 1, xi = 2; /* logical actors: iso[0], iso[1], iso[2] */
    synth_init(sc, "cooperation", perm[ri], perm[ii], 0.3);
    synth_init(sc, "cooperation", perm[ri], perm[xi], 0.6);
    synth_init(sc, "cooperation", perm[ii], perm[xi], 0.1);
    synth_init(sc, "arms_transfer_drones", perm[ii], perm[ri], 20.0);
    synth_init(sc, "arms_transfer_drones", perm[ri], perm[ii], 50.0);
    synth_init(sc, "arms_transfer_drones", perm[xi], perm[ri], 7.0);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    *out = sc; /* the run reads it: freed after the run */
    return r;
}

static double coop_metric(const ps_run *r, const char *name)
{
    for (int k = 0; k < ps_model_cooperation.n_metrics; k++)
        if (!strcmp(ps_model_cooperation.metrics[k].name, name))
            return ps_model_cooperation.metrics[k].compute(r);
    CHECK(0, "no metric %s", name);
    return NAN;
}

/* The three metrics of a run of metric_run (prewar, 2024, drones 2022); -1 if it failed. */
static int three_metrics(const int perm[3], const char *const iso[3], double m[3])
{
    ps_scenario *sc = NULL;
    ps_run *r = metric_run(perm, iso, &sc);
    if (r) {
        m[0] = coop_metric(r, "rus_irn_cooperation_prewar");
        m[1] = coop_metric(r, "rus_irn_cooperation_2024");
        m[2] = coop_metric(r, "irn_rus_drones_2022");
        ps_run_free(r);
    }
    synth_free(sc);
    return r ? 0 : -1;
}

static void test_metrics(void)
{
    const ps_model *pipe[] = {&ps_model_cooperation, NULL};
    ps_registry_use(pipe);
    double ramp = synth_default(&ps_model_cooperation, "transfer_ramp");
    double drones = 0.0, m[3];
    for (int t = 2; t < 12; t++)
        drones += 20.0 * pow(1.0 - ramp, t + 1) / 10.0;
    static const int perms[6][3] = {{0, 1, 2}, {1, 0, 2}, {0, 2, 1}, {2, 0, 1}, {1, 2, 0}, {2, 1, 0}};
    static const char *const iso[3] = {"RUS", "IRN", "XXX"};
    for (int p = 0; p < 6; p++)
        if (three_metrics(perms[p], iso, m) == 0)
            CHECK(fabs(m[0] - 0.3) <= 1e-14 && fabs(m[1] - 0.3) <= 1e-14 &&
                      fabs(m[2] - drones) <= 1e-12 * drones,
                  "RUS at %d, IRN at %d: prewar %.17g, 2024 %.17g (0.3); drones %.17g (%.17g)",
                  perms[p][0], perms[p][1], m[0], m[1], m[2], drones);
    /* Without Iran (Russia at positions 1 and 2): no metric. */
    static const char *const no_irn[3] = {"RUS", "XXX", "YYY"};
    static const int perms2[2][3] = {{1, 0, 2}, {2, 1, 0}};
    for (int p = 0; p < 2; p++)
        if (three_metrics(perms2[p], no_irn, m) == 0)
            CHECK(isnan(m[0]) && isnan(m[1]) && isnan(m[2]), "no IRN, RUS at %d: %g %g %g",
                  perms2[p][0], m[0], m[1], m[2]);
    ps_registry_use(NULL);
}

int main(void)
{
    double flow[2], order[2];
    step(0.0, 0.0, flow, order);
    printf("open: finance A->B %.6g, C->B %.6g USD/yr; munitions ordered %.6g, %.6g\n", flow[0],
           flow[1], order[0], order[1]);
    CHECK(flow[1] > 0.0 && order[1] > 0.0, "C lends %g and is asked for %g", flow[1], order[1]);
    CHECK(flow[0] == flow[1] && order[0] == order[1], "open partners alike: %.17g %.17g", flow[0],
          flow[1]);
    const double s[] = {0.3, 0.75};
    for (int k = 0; k < 2; k++) {
        step(s[k], 0.0, flow, order);
        printf("A closes %.2f: finance A->B %.6g (C->B %.6g); munitions %.6g (%.6g)\n", s[k],
               flow[0], flow[1], order[0], order[1]);
        CHECK(fabs(flow[0] - (1.0 - s[k]) * flow[1]) <= 1e-12 * flow[1], "finance %g vs %g x %g",
              flow[0], 1.0 - s[k], flow[1]);
        CHECK(fabs(order[0] - (1.0 - s[k]) * order[1]) <= 1e-12 * order[1],
              "munitions %g vs %g x %g", order[0], 1.0 - s[k], order[1]);
    }
    step(1.0, 0.0, flow, order);
    CHECK(flow[0] == 0.0 && order[0] == 0.0 && flow[1] > 0.0, "a full closure: %g %g", flow[0],
          order[0]);
    /* Only the supplier's own closure counts: B's sanctions on A leave A's
     * supply to B as C's. */
    step(0.0, 0.6, flow, order);
    CHECK(flow[0] == flow[1] && order[0] == order[1], "B's closure on A: %g %g", flow[0], flow[1]);
    /* A and B can each meet a need of the other: complementarity A-B > 0;
     * with every need weighted 0 nobody can help anybody (0, not 0/0). */
    double comp;
    step_w(0.0, 0.0, 1, flow, order, &comp);
    CHECK(comp > 0.0, "complementarity A-B %g", comp);
    /* Complementarity is the pair's own: C in need too leaves A-B's as it is
     * (and every actor is then on the list of those in need). */
    double comp3;
    step_w(0.0, 0.0, 3, flow, order, &comp3);
    CHECK(comp3 == comp, "complementarity A-B with C in need %.17g vs %.17g", comp3, comp);
    step_w(0.0, 0.0, 2, flow, order, &comp);
    CHECK(comp == 0.0, "all weights 0: complementarity %g", comp);
    test_shared_security();
    test_trust_after_promises();
    test_metrics();
    return CHECK_DONE();
}
