/* Alignment, hedging and leverage on a synthetic world built in code.
 *
 * Actors: camp leaders P (+1) and Q (-1), a hedger H with ties to both, a
 * loyal client L tied to P only, a target T and a transit state S through
 * which part of T's trade passes. Checks: a diplomacy event raises the lean
 * of both sides and fades; hedging is high for H, low for L and for the
 * leaders; sanctions by P on H lower H's lean toward P; when P closes its
 * economy to T, the partners still open to T (S, H) gain leverage over it and
 * P loses it; transit adds leverage; the results do not depend on the order
 * of actors (to rounding) or on the number of threads (bit for bit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

extern const ps_model ps_model_military;
extern const ps_model ps_model_cooperation;
extern const ps_model ps_model_alignment;

enum { P, Q, H, L, T, S, N_CORE };
#define EVENT_MONTH 3
#define N_MONTHS 36

static const char *const core_iso[N_CORE] = {"PPP", "QQQ", "HHH", "LLL", "TTT", "SSS"};

enum { SC_PLAIN = 0, SC_VISIT = 1, SC_SANCTION_H = 2, SC_SANCTION_T = 4, SC_NO_TRANSIT = 8 };

/* n >= N_CORE actors; logical actor k sits at position perm[k]; extra actors
 * are small bystanders. */
static ps_scenario *scenario(int n, const int *perm, int flags)
{
    ps_scenario *sc = synth_new("alignment", n, perm, core_iso, N_CORE, 'X', N_MONTHS, 11,
                                128 + 8 * n, 16);
    int p = perm[P], q = perm[Q], h = perm[H], l = perm[L], t = perm[T], s = perm[S];
    synth_init(sc, "camp", p, -1, 1.0);
    synth_init(sc, "camp", q, -1, -1.0);
    synth_init(sc, "gdp", p, -1, 20e12);
    synth_init(sc, "gdp", q, -1, 15e12);
    synth_init(sc, "gdp", h, -1, 1e12);
    synth_init(sc, "gdp", l, -1, 1e12);
    synth_init(sc, "gdp", t, -1, 2e12);
    synth_init(sc, "gdp", s, -1, 1e12);
    synth_init(sc, "military_capacity", p, -1, 500e9);
    synth_init(sc, "military_capacity", q, -1, 300e9);
    synth_init(sc, "military_capacity", h, -1, 20e9);
    synth_init(sc, "military_capacity", l, -1, 20e9);
    synth_init(sc, "military_capacity", t, -1, 50e9);
    synth_init(sc, "military_capacity", s, -1, 20e9);
    synth_init(sc, "unsc_veto", p, -1, 1.0);
    synth_init(sc, "unsc_veto", q, -1, 1.0);
    /* H cooperates with both leaders, L with P only */
    synth_init(sc, "cooperation", h, p, 0.4);
    synth_init(sc, "cooperation", h, q, 0.4);
    synth_init(sc, "cooperation", l, p, 0.6);
    synth_init(sc, "cooperation", t, s, 0.2);
    if (!(flags & SC_NO_TRANSIT))
        synth_init(sc, "transit", s, t, 0.3);
    for (int k = N_CORE; k < n; k++)
        synth_init(sc, "gdp", perm[k], -1, 1e10 * (1 + k % 5));
    if (flags & SC_VISIT)
        synth_event(sc, EVENT_MONTH, "diplomacy", p, h, 0.5);
    if (flags & SC_SANCTION_H)
        synth_event(sc, EVENT_MONTH, "sanctions", p, h, 0.8);
    if (flags & SC_SANCTION_T)
        synth_event(sc, EVENT_MONTH, "sanctions", p, t, 0.8);
    return sc;
}

static ps_run *run_or_die(const ps_scenario *sc, int threads)
{
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, threads, NULL, &run, &err);
    CHECK(st == PS_OK, "run: %s", err.msg);
    if (st != PS_OK)
        exit(1);
    return run;
}

static double dy(const ps_run *run, const char *field, int t, int i, int j)
{
    size_t n = (size_t)run->sc->n_actors;
    return run->series[ps_field_index(field)][(size_t)t * n * n + (size_t)i * n + j];
}

static double ac(const ps_run *run, const char *field, int t, int i)
{
    return run->series[ps_field_index(field)][(size_t)t * run->sc->n_actors + i];
}

static const int ident[N_CORE] = {P, Q, H, L, T, S};

static void test_diplomacy(void)
{
    ps_scenario *a = scenario(N_CORE, ident, SC_VISIT), *b = scenario(N_CORE, ident, SC_PLAIN);
    ps_run *ra = run_or_die(a, 1), *rb = run_or_die(b, 1);
    int t0 = EVENT_MONTH - 1, t1 = EVENT_MONTH + 3, tend = N_MONTHS - 1;
    printf("month  H->P visit (ctl)  P->H visit  warmth   hedge H (ctl)\n");
    for (int t = 0; t < N_MONTHS; t += 3)
        printf("%5d  %.3f (%.3f)     %.3f       %+.3f   %.3f (%.3f)\n", t, dy(ra, "alignment", t, H, P),
               dy(rb, "alignment", t, H, P), dy(ra, "alignment", t, P, H),
               dy(ra, "diplomatic_warmth", t, H, P), ac(ra, "hedging_index", t, H),
               ac(rb, "hedging_index", t, H));
    CHECK(fabs(dy(ra, "alignment", t0, H, P) - dy(rb, "alignment", t0, H, P)) < 1e-12,
          "no effect before the visit");
    CHECK(dy(ra, "alignment", t1, H, P) > dy(rb, "alignment", t1, H, P) + 0.05,
          "a visit raises the guest's lean: %g vs %g", dy(ra, "alignment", t1, H, P),
          dy(rb, "alignment", t1, H, P));
    CHECK(dy(ra, "alignment", t1, P, H) > dy(rb, "alignment", t1, P, H) + 0.05,
          "and the host's: %g vs %g", dy(ra, "alignment", t1, P, H), dy(rb, "alignment", t1, P, H));
    CHECK(dy(ra, "diplomatic_warmth", t1, H, P) == dy(ra, "diplomatic_warmth", t1, P, H),
          "warmth is symmetric");
    double peak = 0.0;
    for (int t = EVENT_MONTH; t < N_MONTHS; t++)
        peak = fmax(peak, dy(ra, "alignment", t, H, P) - dy(rb, "alignment", t, H, P));
    double gap_end = dy(ra, "alignment", tend, H, P) - dy(rb, "alignment", tend, H, P);
    CHECK(gap_end < 0.8 * peak && gap_end > 0.0, "the effect fades: peak %g, end %g", peak,
          gap_end);
    CHECK(ac(ra, "hedging_index", t1, H) < ac(rb, "hedging_index", t1, H),
          "a visit by one camp lowers a hedger's hedging");
    /* hedging: H between the camps, L and the leaders in one */
    double hh = ac(rb, "hedging_index", t1, H), hl = ac(rb, "hedging_index", t1, L);
    double hp = ac(rb, "hedging_index", t1, P);
    CHECK(hh > hl + 0.2, "hedger %g above loyal client %g", hh, hl);
    CHECK(hh > hp, "hedger %g above camp leader %g", hh, hp);
    for (int i = 0; i < N_CORE; i++)
        CHECK(ac(rb, "hedging_index", t1, i) >= 0.0 && ac(rb, "hedging_index", t1, i) <= 1.0,
              "hedging in 0..1");
    ps_run_free(ra);
    ps_run_free(rb);
    synth_free(a);
    synth_free(b);
}

static void test_sanctions_lower_alignment(void)
{
    ps_scenario *a = scenario(N_CORE, ident, SC_SANCTION_H), *b = scenario(N_CORE, ident, SC_PLAIN);
    ps_run *ra = run_or_die(a, 1), *rb = run_or_die(b, 1);
    int t1 = EVENT_MONTH + 6;
    printf("H->P alignment, sanctions by P on H: %.3f (ctl %.3f); H->Q %.3f (ctl %.3f)\n",
           dy(ra, "alignment", t1, H, P), dy(rb, "alignment", t1, H, P),
           dy(ra, "alignment", t1, H, Q), dy(rb, "alignment", t1, H, Q));
    CHECK(dy(ra, "alignment", t1, H, P) < dy(rb, "alignment", t1, H, P) - 0.02,
          "sanctions lower the target's lean toward the sender");
    CHECK(dy(ra, "alignment", t1, H, Q) >= dy(rb, "alignment", t1, H, Q) - 1e-9,
          "and not its lean toward the rival camp");
    ps_run_free(ra);
    ps_run_free(rb);
    synth_free(a);
    synth_free(b);
}

static void test_leverage(void)
{
    ps_scenario *a = scenario(N_CORE, ident, SC_SANCTION_T), *b = scenario(N_CORE, ident, SC_PLAIN);
    ps_scenario *c = scenario(N_CORE, ident, SC_PLAIN | SC_NO_TRANSIT);
    ps_run *ra = run_or_die(a, 1), *rb = run_or_die(b, 1), *rc = run_or_die(c, 1);
    int t0 = EVENT_MONTH - 1, t1 = EVENT_MONTH + 3;
    printf("leverage over T   before   after P closes its economy (ctl)\n");
    const char *nm[N_CORE] = {"P", "Q", "H", "L", "T", "S"};
    for (int i = 0; i < N_CORE; i++)
        if (i != T)
            printf("  %s               %.4f   %.4f (%.4f)\n", nm[i], dy(ra, "leverage", t0, i, T),
                   dy(ra, "leverage", t1, i, T), dy(rb, "leverage", t1, i, T));
    CHECK(dy(ra, "leverage", t1, S, T) > dy(ra, "leverage", t0, S, T) + 0.02,
          "closing T's big partner raises the transit state's leverage: %g -> %g",
          dy(ra, "leverage", t0, S, T), dy(ra, "leverage", t1, S, T));
    CHECK(dy(ra, "leverage", t1, H, T) > dy(ra, "leverage", t0, H, T),
          "and any open partner's");
    CHECK(dy(ra, "leverage", t1, Q, T) > dy(ra, "leverage", t0, Q, T),
          "the rival leader's too");
    CHECK(dy(ra, "leverage", t1, P, T) < dy(ra, "leverage", t0, P, T),
          "the sender loses leverage over its target");
    CHECK(fabs(dy(rb, "leverage", t1, S, T) - dy(rb, "leverage", t0, S, T)) < 1e-3,
          "no change without sanctions");
    CHECK(dy(rb, "leverage", t1, S, T) > dy(rc, "leverage", t1, S, T) + 0.1,
          "transit gives leverage: %g vs %g without", dy(rb, "leverage", t1, S, T),
          dy(rc, "leverage", t1, S, T));
    CHECK(dy(rb, "leverage", t1, T, S) < dy(rb, "leverage", t1, S, T),
          "leverage is directed");
    ps_run_free(ra);
    ps_run_free(rb);
    ps_run_free(rc);
    synth_free(a);
    synth_free(b);
    synth_free(c);
}

/* Same results whatever the actor order and the number of inner threads
 * (n >= 64 turns the models' parallel loops on). */
static void test_order_and_threads(void)
{
    enum { NB = 70 };
    int id[NB], rev[NB];
    for (int k = 0; k < NB; k++) {
        id[k] = k;
        rev[k] = NB - 1 - k;
    }
    int flags = SC_VISIT | SC_SANCTION_T;
    ps_scenario *a = scenario(NB, id, flags), *b = scenario(NB, rev, flags);
    ps_run *r1 = run_or_die(a, 1), *r4 = run_or_die(a, 4), *rr = run_or_die(b, 1);
    const char *f[] = {"alignment", "leverage", "hedging_index"};
    int same_threads = 1;
    double worst = 0.0; /* sums over actors in another order round differently */
    for (int k = 0; k < 3; k++) {
        int fi = ps_field_index(f[k]);
        size_t sz = ps_registry_field(fi, NULL)->shape == PS_DYAD ? (size_t)NB * NB : NB;
        same_threads &= !memcmp(r1->series[fi], r4->series[fi], sz * N_MONTHS * sizeof(double));
        for (int t = 0; t < N_MONTHS; t++)
            for (int i = 0; i < NB; i++) {
                if (sz == NB) {
                    worst = fmax(worst, fabs(ac(r1, f[k], t, id[i]) - ac(rr, f[k], t, rev[i])));
                    continue;
                }
                for (int j = 0; j < NB; j++)
                    worst = fmax(worst, fabs(dy(r1, f[k], t, id[i], id[j]) -
                                             dy(rr, f[k], t, rev[i], rev[j])));
            }
    }
    CHECK(same_threads, "bit-identical with 1 and 4 threads");
    CHECK(worst < 1e-12, "same with the actors listed in reverse (worst difference %g)", worst);
    ps_run_free(r1);
    ps_run_free(r4);
    ps_run_free(rr);
    synth_free(a);
    synth_free(b);
}

/* Payoffs by hand (docs/ODD.md, alignment) on three actors A, B, C with no
 * economy model (every partner offers 1: e = 1), no oil, arms or finance:
 * payoff = (w_econ e + w_protect pr + w_coop c) / (sum of the five weights),
 * c the mean cooperation of both directions, pr = cap_j (1 + veto_j) / 2
 * (1 - strain_j) c / max cap. B: capacity 100, veto, strain 0.4, c_AB 0.6:
 * pr = 100 x 1 x 0.6 x 0.6 / 100 = 0.36; C: capacity 50, no veto, no strain,
 * c_AC 0.2: pr = 50 x 0.5 x 0.2 / 100 = 0.05. Alignment starts at the payoff
 * and month 0's target is the same payoff, so month 0 holds it exactly.
 * Without the military model the protection term is off (pr = 0, not 0/0).
 * coop_only >= 0: every payoff weight 0 but cooperation's, coop_only; < 0:
 * the default weights. */
static ps_run *payoff_world(int with_military, double coop_only, ps_scenario **out)
{
    /* static: the registry keeps the list after this function returns */
    static const ps_model *with[] = {&ps_model_military, &ps_model_cooperation, &ps_model_alignment, NULL};
    static const ps_model *without[] = {&ps_model_cooperation, &ps_model_alignment, NULL};
    ps_registry_use(with_military ? with : without);
    enum { A, B, C };
    int perm[3] = {A, B, C};
    ps_scenario *sc = synth_new("alignment", 3, perm, NULL, 0, 'A', 2, 3, 16, 1);
    if (with_military) {
        synth_init(sc, "military_capacity", B, -1, 100e9);
        synth_init(sc, "military_capacity", C, -1, 50e9);
        synth_init(sc, "military_strain", B, -1, 0.4);
    }
    synth_init(sc, "unsc_veto", B, -1, 1.0);
    synth_init(sc, "cooperation", A, B, 0.6);
    synth_init(sc, "cooperation", B, A, 0.6);
    synth_init(sc, "cooperation", A, C, 0.2);
    synth_init(sc, "cooperation", C, A, 0.2);
    static const char *const weights[] = {"weight_economy", "weight_protection", "weight_arms",
                                          "weight_finance", "weight_cooperation"};
    for (int k = 0; coop_only >= 0.0 && k < 5; k++) /* only cooperation's, if any */
        synth_param(sc, "alignment", weights[k], k == 4 ? coop_only : 0.0);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_OK, "run (%s the military model): %s", with_military ? "with" : "without",
          err.msg);
    *out = sc;
    return r;
}

static void test_payoff_by_hand(void)
{
    const ps_model *m = &ps_model_alignment;
    double we = synth_default(m, "weight_economy"), wp = synth_default(m, "weight_protection");
    double wc = synth_default(m, "weight_cooperation");
    double wa = synth_default(m, "weight_arms"), wf = synth_default(m, "weight_finance");
    double wsum = we + wp + wa + wf + wc;
    CHECK(wp > 0.0 && wsum > 0.0, "weights");
    /* The defaults keep the relations their sources state (parameter table,
     * docs/parameters.md): "equal weight for economy, protection and
     * cooperation", finance weighed "as arms". (At the defaults 1, 1, 1 and
     * 0.5, 0.5 the payoffs below are 0.49 and 0.3125 with the military
     * model, 0.4 and 0.3 without.) */
    CHECK(we == wp && wp == wc && wf == wa,
          "default weights: economy %g, protection %g, cooperation %g; arms %g, finance %g", we,
          wp, wc, wa, wf);
    for (int mil = 1; mil >= 0; mil--) {
        ps_scenario *sc = NULL;
        ps_run *r = payoff_world(mil, -1.0, &sc);
        if (r) {
            double ab = (we + wp * (mil ? 0.36 : 0.0) + wc * 0.6) / wsum;
            double ac = (we + wp * (mil ? 0.05 : 0.0) + wc * 0.2) / wsum;
            double got_ab = synth_at(r, "alignment", 0, 0, 1), got_ac = synth_at(r, "alignment", 0, 0, 2);
            CHECK(fabs(got_ab - ab) < 1e-12, "A->B %s military: %.15g vs %.15g by hand",
                  mil ? "with" : "without", got_ab, ab);
            CHECK(fabs(got_ac - ac) < 1e-12, "A->C %s military: %.15g vs %.15g by hand",
                  mil ? "with" : "without", got_ac, ac);
            /* No actor is aligned with itself: the diagonal stays 0. */
            for (int t = 0; t < 2; t++)
                for (int i = 0; i < 3; i++)
                    CHECK(synth_at(r, "alignment", t, i, i) == 0.0, "alignment %d->%d month %d: %g",
                          i, i, t, synth_at(r, "alignment", t, i, i));
            ps_run_free(r);
        }
        synth_free(sc);
        ps_registry_use(NULL);
    }
    /* Every payoff weight 0 (each may be, by its bounds): no tie pays, so
     * the payoff is 0, not 0/0, and without diplomacy nothing is aligned.
     * Only cooperation's, 0.5 (weights summing to less than 1): the payoff
     * is the pair's cooperation, 0.6 and 0.2, in month 0. */
    for (int k = 0; k < 2; k++) {
        ps_scenario *sc = NULL;
        ps_run *r = payoff_world(1, k ? 0.5 : 0.0, &sc);
        const double ab = k ? 0.6 : 0.0, ac = k ? 0.2 : 0.0;
        for (int t = 0; r && t < 2 - k; t++)
            CHECK(synth_at(r, "alignment", t, 0, 1) == ab && synth_at(r, "alignment", t, 0, 2) == ac,
                  "weights %s, month %d: A->B %.15g, A->C %.15g (%g, %g)",
                  k ? "cooperation 0.5 only" : "0", t, synth_at(r, "alignment", t, 0, 1),
                  synth_at(r, "alignment", t, 0, 2), ab, ac);
        ps_run_free(r);
        synth_free(sc);
        ps_registry_use(NULL);
    }
}

/* The initial hedging index is that of the initial alignment (docs/ODD.md
 * 7.7: h_i = 2 min(W+, W-) / (W+ + W-)), for every actor. In the world of the
 * tests above with H's alignment set by the config toward the two camp
 * leaders (H -> P 0.6, H -> Q 0.2; P is the only member of camp +1, Q of
 * camp -1), H's month-0 state has W+ = 0.6, W- = 0.2: h = 2 x 0.2 / 0.8 =
 * 0.5; L's (L -> P 0.9, L -> Q 0.1): 2 x 0.1 / 1 = 0.2. Record 0 of a run is
 * after the first month, so the initial state is read from the world as
 * ps_world_create makes it. */
static void test_initial_hedging(void)
{
    ps_scenario *sc = scenario(N_CORE, ident, SC_PLAIN);
    synth_init(sc, "alignment", H, P, 0.6);
    synth_init(sc, "alignment", H, Q, 0.2);
    synth_init(sc, "alignment", L, P, 0.9);
    synth_init(sc, "alignment", L, Q, 0.1);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    if (w) {
        const double *h = w->cur[ps_field_index("hedging_index")];
        printf("initial hedging: H %.15g (hand 0.5), L %.15g (hand 0.2)\n", h[H], h[L]);
        CHECK(fabs(h[H] - 0.5) < 1e-15 && fabs(h[L] - 0.2) < 1e-15,
              "initial hedging of H %g (0.5) and L %g (0.2)", h[H], h[L]);
        ps_world_free(w);
    }
    synth_free(sc);
}

/* The three metrics (docs/ODD.md 7.7), recomputed from the series: the
 * means over 2022-08..12 (records 7..11 of a run from 2022-01) of SAU's
 * alignment toward the USA, the UAE's toward Iran and the UAE's hedging
 * index, the same sums in the same order. The world of the tests above with
 * P named USA, Q IRN, H ARE and L SAU; then without ARE (H keeps its name):
 * the UAE's two metrics NaN, Saudi Arabia's unchanged. */
static void test_metrics(void)
{
    const char *metric[3] = {"sau_usa_alignment_2022h2", "are_irn_alignment_2022h2",
                             "are_hedging_2022h2"};
    double sau = NAN; /* SAU's metric with ARE named, which the run without must repeat */
    for (int named = 1; named >= 0; named--) {
        ps_scenario *sc = scenario(N_CORE, ident, SC_PLAIN);
        snprintf(sc->actor_iso3[P], sizeof sc->actor_iso3[P], "USA");
        snprintf(sc->actor_iso3[Q], sizeof sc->actor_iso3[Q], "IRN");
        snprintf(sc->actor_iso3[L], sizeof sc->actor_iso3[L], "SAU");
        if (named)
            snprintf(sc->actor_iso3[H], sizeof sc->actor_iso3[H], "ARE");
        ps_run *r = run_or_die(sc, 1);
        double want[3] = {0.0, 0.0, 0.0};
        for (int t = 7; t < 12; t++) {
            want[0] += dy(r, "alignment", t, L, P);
            want[1] += dy(r, "alignment", t, H, Q);
            want[2] += ac(r, "hedging_index", t, H);
        }
        for (int k = 0; k < 3; k++) {
            double got = synth_metric(r, metric[k]);
            if (named) {
                if (k == 0)
                    sau = got;
                CHECK(got == want[k] / 5 && got > 0.0, "%s %.17g, from the series %.17g",
                      metric[k], got, want[k] / 5);
            } else {
                CHECK(k == 0 ? got == sau : isnan(got),
                      "without ARE: %s %g (%s)", metric[k], got, k == 0 ? "as before" : "NaN");
            }
        }
        ps_run_free(r);
        synth_free(sc);
    }
}

int main(void)
{
    test_payoff_by_hand();
    test_metrics();
    test_diplomacy();
    test_sanctions_lower_alignment();
    test_leverage();
    test_order_and_threads();
    test_initial_hedging();
    return CHECK_DONE();
}
