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

enum { A, B, C, N };

static double *cur(ps_world *w, const char *f)
{
    return w->cur[ps_field_index(f)];
}

/* One cooperation step with s_AB = s_ab and s_BA = s_ba; flow[k] and order[k]
 * are what A (k = 0) and C (k = 1) send to B; *comp the A-B complementarity.
 * mode 1: A also needs 50 thousand rounds, which B can spare (needs both
 * ways); mode 2: that, with every need's weight in complementarity 0. */
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
    step_w(0.0, 0.0, 2, flow, order, &comp);
    CHECK(comp == 0.0, "all weights 0: complementarity %g", comp);
    return CHECK_DONE();
}
