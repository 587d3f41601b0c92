/* Agreements model: levels climb one rung at a time after `months_up` months
 * of sustained cooperation, trust and shared threat; the alliance rung needs
 * trust as well as convergence; hysteresis keeps a level until cooperation or
 * trust falls clearly below it; levels are symmetric and follow actors, not
 * their positions. Synthetic scenarios built in code (synthetic.h): A and B
 * are the pair, Z a third actor that may sanction both (their shared threat). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

extern const ps_model ps_model_agreements;

enum { A, B, Z, N_CORE };
static const char *const iso[N_CORE] = {"AAA", "BBB", "ZZZ"};

typedef struct {
    double coop, trust, sanction, level; /* level < 0: not given */
    int event_month;                      /* `agreement` event B->A, level 3; -1 none */
} setup;

static ps_run *run(const setup *s, int n, const int *perm, int months)
{
    ps_scenario *sc = synth_new("agreements", n, perm, iso, N_CORE, 'X', months, 11, 64, 4);
    int a = perm[A], b = perm[B], z = perm[Z];
    synth_init(sc, "cooperation", a, b, s->coop);
    synth_init(sc, "cooperation", b, a, s->coop);
    synth_init(sc, "trust", a, b, s->trust);
    synth_init(sc, "trust", b, a, s->trust);
    if (s->level >= 0.0)
        synth_init(sc, "agreement_level", a, b, s->level);
    synth_init(sc, "sanction_intensity", z, a, s->sanction);
    synth_init(sc, "sanction_intensity", z, b, s->sanction);
    synth_param(sc, "cooperation", "trust_adjust", 0.0); /* hold trust where the test puts it */
    /* The erosion worked out by hand below: 12 months below the keeping
     * thresholds, 0.15 under the rising ones (the defaults are the history's
     * calibrated, much slower erosion). */
    synth_param(sc, "agreements", "months_down", 12);
    synth_param(sc, "agreements", "hysteresis", 0.15);
    if (s->event_month >= 0)
        synth_event(sc, s->event_month, "agreement", b, a, 3.0);
    ps_run *out = NULL;
    ps_error err = {PS_OK, ""};
    if (ps_run_replicate(sc, 0, 1, NULL, &out, &err) != PS_OK) {
        fprintf(stderr, "run failed: %s\n", err.msg);
        exit(1);
    }
    out->sc = NULL; /* the scenario is freed here; callers read series and events only */
    synth_free(sc);
    return out;
}

static double level(const ps_run *r, int n, int i, int j, int t)
{
    return r->series[ps_field_index("agreement_level")][(size_t)t * n * n + (size_t)i * n + j];
}

static const int ident[N_CORE] = {0, 1, 2};


/* The agreements model's init run again on w, whose state the test has set
 * (the levels it derives, the shared threat). */
static ps_status reinit(ps_world *w, ps_error *err)
{
    int self = ps_registry_find("agreements");
    const ps_model *m = ps_registry_model(self);
    m->free(w->model_data[self]);
    w->model_data[self] = NULL;
    return m->init(w, self, &w->model_data[self], err);
}

/* The initial level the model derives for A-B when B fights at `war` in a
 * theater hosted by `host` (position; -1: no theater), with oil-market
 * rivalry `rival` between them and the two costs as given: the model's
 * init rerun on a world whose state the test sets. Also returns the shared
 * threat thr the model computed. */
static double derived2(double war, int host, double home_war, double rival, double entrap,
                       double rcost, double sanction, double *thr)
{
    ps_scenario *sc = synth_new("agreements_gain", N_CORE, ident, iso, N_CORE, 'X', 2, 11, 64, 4);
    /* With home_war >= 0 a first theater "home" hosted by A, where B also fights. */
    static const char *const names[2] = {"home", "front"};
    const int two = home_war >= 0.0, nt = 1 + two;
    int hosts[2] = {A, host < 0 ? Z : host};
    synth_theaters(sc, nt, names + !two, hosts + !two);
    synth_param(sc, "agreements", "entrapment_cost", entrap);
    synth_param(sc, "agreements", "rivalry_cost", rcost);
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    if (ps_world_create(sc, 0, &w, &err) != PS_OK) {
        fprintf(stderr, "world: %s\n", err.msg);
        exit(1);
    }
    const int n = N_CORE;
    int fl = ps_field_index("agreement_level"), fc = ps_field_index("cooperation"),
        ft = ps_field_index("trust"), fs = ps_field_index("sanction_intensity"),
        fb = ps_field_index("combat"), fr = ps_field_index("rivalry"),
        fi = ps_field_index("isolation");
    for (size_t k = 0; k < (size_t)n * n; k++) {
        w->cur[fl][k] = -1.0; /* not given: derived */
        w->cur[fc][k] = w->cur[ft][k] = w->cur[fs][k] = w->cur[fr][k] = 0.0;
    }
    for (int i = 0; i < n; i++)
        w->cur[fi][i] = 0.0;
    for (int k = 0; k < n * nt; k++)
        w->cur[fb][k] = 0.0;
    w->cur[fc][A * n + B] = w->cur[fc][B * n + A] = 0.8;
    w->cur[ft][A * n + B] = w->cur[ft][B * n + A] = 0.7;
    w->cur[fs][Z * n + A] = w->cur[fs][Z * n + B] = sanction;
    w->cur[fr][A * n + B] = w->cur[fr][B * n + A] = rival;
    w->cur[fb][B * nt + two] = host < 0 ? 0.0 : war; /* combat[i][theater] */
    if (two)
        w->cur[fb][B * nt] = home_war;
    if (reinit(w, &err) != PS_OK) {
        fprintf(stderr, "init: %s\n", err.msg);
        exit(1);
    }
    double lv = w->cur[fl][A * n + B];
    *thr = w->cur[ps_field_index("shared_threat")][A * n + B];
    ps_world_free(w);
    synth_free(sc);
    return lv;
}

static double derived(double war, int host, double rival, double entrap, double rcost,
                      double sanction, double *thr)
{
    return derived2(war, host, -1.0, rival, entrap, rcost, sanction, thr);
}

/* 8. What a rung is worth net of its costs, by hand. Net gain of rung lv =
 * thr - rivalry_cost x rivalry (lv >= 2) - entrapment_cost x (lv - 1) / 2 x
 * (the partner's combat outside one's own territory); a rung needs net gain >=
 * its threat threshold (threat_partnership 0.15, threat_alliance 0.4). */
static void test_net_gain(void)
{
    const ps_model *m = &ps_model_agreements;
    double e0 = synth_default(m, "entrapment_cost"), r0 = synth_default(m, "rivalry_cost");
    double tp = synth_default(m, "threat_partnership"), ta = synth_default(m, "threat_alliance");
    CHECK(e0 == 0.5 && r0 == 0.2 && tp == 0.15 && ta == 0.4, "defaults");
    double thr, thr2;
    /* Peace, no rivalry: cooperation 0.8, trust 0.7 and the shared threat make an alliance. */
    double lv = derived(0.0, -1, 0.0, e0, r0, 0.6, &thr);
    printf("shared threat of A-B under Z's sanctions 0.6: %.3f\n", thr);
    CHECK(thr >= ta + 0.05 && lv == 3.0, "at peace: alliance (level %g, threat %g)", lv, thr);
    /* B at war (combat 0.8) in Z's territory: an alliance would cost A 0.5 x 0.8 = 0.4
     * (net thr - 0.4 < 0.4), a partnership 0.2 (net >= 0.15): a partnership, not an alliance. */
    lv = derived(0.8, Z, 0.0, e0, r0, 0.6, &thr2);
    CHECK(thr2 == thr, "the war does not change the shared threat here (%g vs %g)", thr2, thr);
    CHECK(thr - e0 * 0.8 < ta && thr - 0.5 * e0 * 0.8 >= tp && lv == 2.0,
          "partner at war abroad: partnership, not alliance (level %g)", lv);
    /* The same war on A's own territory: A is in it already, nothing to be drawn into. */
    lv = derived(0.8, A, 0.0, e0, r0, 0.6, &thr2);
    CHECK(lv == 3.0, "partner at war on one's own territory: alliance (level %g)", lv);
    /* B fights hardest on A's own territory (0.9) and also abroad (0.8, the second
     * theater): A is drawn into the war abroad, B's highest combat outside A's
     * territory, so the alliance costs 0.5 x 0.8 again: a partnership. */
    lv = derived2(0.8, Z, 0.9, 0.0, e0, r0, 0.6, &thr2);
    CHECK(lv == 2.0, "partner at war at home and abroad: the war abroad counts (level %g)", lv);
    /* No entrapment cost: the war does not matter (the old rule). */
    lv = derived(0.8, Z, 0.0, 0.0, 0.0, 0.6, &thr2);
    CHECK(lv == 3.0, "costs 0: alliance despite the war (level %g)", lv);
    /* Full rivalry at cost 0.5: a partnership nets thr - 0.5 < 0.15: consultations only;
     * at cost 0.2 it nets thr - 0.2 >= 0.4 only if thr >= 0.6. */
    lv = derived(0.0, -1, 1.0, e0, 0.5, 0.6, &thr2);
    CHECK(thr - 0.5 < tp && lv == 1.0, "rivals at cost 0.5: consultations (level %g)", lv);
    lv = derived(0.0, -1, 1.0, e0, r0, 0.6, &thr2);
    CHECK(lv == (thr - r0 >= ta ? 3.0 : 2.0), "rivals at cost 0.2: level %g, threat %g", lv, thr);
    /* Consultations never cost: rivalry and war together leave level 1. */
    lv = derived(1.0, Z, 1.0, 1.0, 1.0, 0.6, &thr2);
    CHECK(lv == 1.0, "consultations carry no cost (level %g)", lv);
}

/* A test-only model that owns the pair's cooperation, trust, sanctions and
 * oil rivalry (0 unless set) and never changes them, so the agreements model
 * sees exactly the values set. */
static const ps_field held_fields[] = {
    {"cooperation", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"trust", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"sanction_intensity", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
    {"rivalry", PS_DYAD, "1", 0.0, 0.0, 1.0, "held", "test"},
};
static const ps_model held = {.name = "held", .description = "test: fixed inputs",
                              .fields = held_fields, .n_fields = 4};

/* The held inputs of pair A-B at consultations: cooperation c and trust t
 * both ways, Z's sanctions h on both, oil rivalry r both ways; then one run. */
static ps_run *run_held(ps_scenario *sc, double c, double t, double h, double rv)
{
    synth_init(sc, "cooperation", A, B, c);
    synth_init(sc, "cooperation", B, A, c);
    synth_init(sc, "trust", A, B, t);
    synth_init(sc, "trust", B, A, t);
    synth_init(sc, "sanction_intensity", Z, A, h);
    synth_init(sc, "sanction_intensity", Z, B, h);
    synth_init(sc, "rivalry", A, B, rv);
    synth_init(sc, "rivalry", B, A, rv);
    synth_init(sc, "agreement_level", A, B, 1.0);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    return r;
}

/* 9. The rise conditions at exact equality (docs/ODD.md: a rung needs
 * cooperation >= its threshold, trust >= its and net gain >= its threat
 * threshold): consultations -> partnership with cooperation 0.4, trust 0.3
 * and shared threat 0.15 exactly (Z sanctions both at 0.15; no rivalry or war,
 * so the net gain is the threat) rises after months_up = 12 months; a hair
 * under any of them never does. In a world without RUS the metric
 * rus_irn_agreement_max is NaN. */
static void test_thresholds(void)
{
    const ps_model *m = &ps_model_agreements;
    const double c2 = synth_default(m, "coop_partnership"), t2 = synth_default(m, "trust_partnership"),
                 h2 = synth_default(m, "threat_partnership");
    const double up = synth_default(m, "months_up");
    CHECK(c2 == 0.4 && t2 == 0.3 && h2 == 0.15 && up == 12.0, "defaults");
    const ps_model *pipe[] = {&held, &ps_model_agreements, NULL};
    ps_registry_use(pipe);
    /* Iran without Russia, then Russia without Iran: the metric is NaN either way. */
    static const char *const iso_irn[N_CORE] = {"IRN", "BBB", "ZZZ"}, *const iso_rus[N_CORE] = {
                                                                          "RUS", "BBB", "ZZZ"};
    for (int k = 0; k < 4; k++) {
        const double eps = 1e-9;
        double c = c2 - (k == 1) * eps, t = t2 - (k == 2) * eps, h = h2 - (k == 3) * eps;
        ps_scenario *sc = synth_new("agreements_eq", N_CORE, ident, k % 2 ? iso_rus : iso_irn, N_CORE, 'X', 24, 11, 16, 1);
        ps_run *r = run_held(sc, c, t, h, 0.0);
        if (r) {
            const int n = N_CORE;
            CHECK(level(r, n, A, B, 0) == 1.0, "case %d: consultations at the start", k);
            CHECK(synth_at(r, "shared_threat", 0, A, B) == h, "case %d: shared threat %.17g", k,
                  synth_at(r, "shared_threat", 0, A, B));
            if (k == 0)
                CHECK(level(r, n, A, B, 10) == 1.0 && level(r, n, A, B, 11) == 2.0 &&
                          level(r, n, B, A, 23) == 2.0,
                      "at the thresholds: partnership after 12 months (t10 %g, t11 %g)",
                      level(r, n, A, B, 10), level(r, n, A, B, 11));
            else
                CHECK(level(r, n, A, B, 23) == 1.0, "case %d: a hair under a threshold: no rise "
                      "in 24 months (level %g)", k, level(r, n, A, B, 23));
            const ps_metric *mx = NULL;
            for (int q = 0; q < m->n_metrics; q++)
                if (!strcmp(m->metrics[q].name, "rus_irn_agreement_max"))
                    mx = &m->metrics[q];
            CHECK(mx && isnan(mx->compute(r)), "case %d: no %s: rus_irn_agreement_max is NaN", k,
                  k % 2 ? "IRN" : "RUS");
            ps_run_free(r);
        }
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

/* 10. The step's rise condition weighs the rung it would climb to: from
 * consultations (level 1), a partnership between oil rivals (rivalry 1,
 * rivalry_cost 0.5) nets thr - 0.5, below threat_partnership (0.15) while thr
 * itself is above it, so the pair stays at 1 for 24 months; without the
 * rivalry it rises after months_up = 12 months (at t11). Cooperation 0.8,
 * trust 0.7, Z's sanctions 0.3 on both and the rivalry are held (model `held`). */
static void test_rise_weighs_the_next_rung(void)
{
    const ps_model *pipe[] = {&held, &ps_model_agreements, NULL};
    ps_registry_use(pipe);
    const double tp = synth_default(&ps_model_agreements, "threat_partnership");
    double lv_end[2], thr = NAN;
    int t_rise = -1;
    for (int rival = 0; rival < 2; rival++) {
        ps_scenario *sc = synth_new("agreements_rung", N_CORE, ident, iso, N_CORE, 'X', 24, 11, 16, 1);
        synth_param(sc, "agreements", "rivalry_cost", 0.5);
        ps_run *r = run_held(sc, 0.8, 0.7, 0.3, rival);
        lv_end[rival] = r ? level(r, N_CORE, A, B, 23) : NAN;
        if (r && !rival) {
            thr = synth_at(r, "shared_threat", 0, A, B);
            for (int t = 0; t < 24 && t_rise < 0; t++)
                if (level(r, N_CORE, A, B, t) == 2.0)
                    t_rise = t;
        }
        ps_run_free(r);
        synth_free(sc);
    }
    printf("rung weighed: shared threat %.3f; level at t23 %g without rivalry (rise at t%d), %g "
           "with rivalry 1 at cost 0.5\n", thr, lv_end[0], t_rise, lv_end[1]);
    CHECK(thr >= tp && thr - 0.5 < tp, "premise: threat %g >= %g > threat - 0.5", thr, tp);
    CHECK(lv_end[0] == 2.0 && t_rise == 11, "no rivalry: partnership at t11 (t%d, level %g)",
          t_rise, lv_end[0]);
    CHECK(lv_end[1] == 1.0, "rivals: the partnership does not pay, level %g", lv_end[1]);
    ps_registry_use(NULL);
}

/* A test-only model that owns combat and nothing else: with it and the
 * agreements alone, no model provides the sanctions. */
static const ps_field war_fields[] = {
    {"combat", PS_THEATER, "1", 0.0, 0.0, 1.0, "held", "test"},
};
static const ps_model held_war = {.name = "held_war", .description = "test: fixed combat",
                                  .fields = war_fields, .n_fields = 1};

/* 11. Antagonism from combat, by hand: A fights at 0.6 in the first of two
 * theaters Z hosts, B at 0.3 in the second; nobody is sanctioned, A is
 * isolated at 0.25 and Z at 0.1. Z is then a foe of each (antagonism = its
 * combat in Z's theater), their common foe, and the pair's shared threat (at
 * init) is min(0.6, 0.3) = 0.3: each actor's combat read from its own row of
 * the actor x theater array, in the theater's column. A and Z share no foe:
 * their threat is the isolation they share, min(0.25, 0.1) = 0.1. The same
 * with the theaters' roles swapped (B in the first, A in the second), and in
 * a pipeline without the sanctions model (no sanctions: none, not total; no
 * isolation: none). */
static void test_threat_from_combat(void)
{
    static const char *const names[2] = {"front1", "front2"};
    const int hosts[2] = {Z, Z}, n = N_CORE, nt = 2;
    const ps_model *pipe[] = {&held_war, &ps_model_agreements, NULL};
    for (int k = 0; k < 4; k++) {
        const int swap = k % 2, alone = k / 2;
        ps_registry_use(alone ? pipe : NULL);
        ps_scenario *sc = synth_new("agreements_combat", n, ident, iso, N_CORE, 'X', 2, 11, 16, 1);
        synth_theaters(sc, nt, names, hosts);
        ps_world *w = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
        if (!w) {
            synth_free(sc);
            continue;
        }
        int fl = ps_field_index("agreement_level"), fs = ps_field_index("sanction_intensity"),
            fb = ps_field_index("combat"), fi = ps_field_index("isolation");
        CHECK((fs < 0) == alone && (fi < 0) == alone, "case %d: sanctions and isolation %s", k,
              alone ? "absent" : "present");
        for (size_t q = 0; q < (size_t)n * n; q++) {
            w->cur[fl][q] = -1.0; /* derived at init */
            if (fs >= 0)
                w->cur[fs][q] = 0.0;
        }
        for (int i = 0; fi >= 0 && i < n; i++)
            w->cur[fi][i] = 0.0;
        if (fi >= 0) { /* isolation: the pair's lesser counts (A 0.25, Z 0.1, B none) */
            w->cur[fi][A] = 0.25;
            w->cur[fi][Z] = 0.1;
        }
        for (int q = 0; q < n * nt; q++)
            w->cur[fb][q] = 0.0;
        w->cur[fb][A * nt + swap] = 0.6;     /* combat[A][theater] */
        w->cur[fb][B * nt + 1 - swap] = 0.3; /* combat[B][the other] */
        CHECK(reinit(w, &err) == PS_OK, "init: %s", err.msg);
        const double *thr = w->cur[ps_field_index("shared_threat")];
        CHECK(thr[A * n + B] == 0.3 && thr[B * n + A] == 0.3,
              "case %d: A at 0.6 in %s, B at 0.3 in %s, both hosted by Z: shared threat 0.3 "
              "(got %g, %g)", k, names[swap], names[1 - swap], thr[A * n + B], thr[B * n + A]);
        const double az = alone ? 0.0 : 0.1; /* min(0.25, 0.1), or no isolation at all */
        CHECK(thr[A * n + Z] == az && thr[Z * n + A] == az && thr[B * n + Z] == 0.0,
              "case %d: no common foe with Z: shared threat from isolation alone, min(iso_A, "
              "iso_Z) = %g with A and 0 with B (got %g, %g, %g)", k, az, thr[A * n + Z],
              thr[Z * n + A], thr[B * n + Z]);
        ps_world_free(w);
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

int main(void)
{
    test_rise_weighs_the_next_rung();
    test_threat_from_combat();
    const int n = N_CORE;
    int ev_change = ps_registry_find_event_type("agreement_change");
    CHECK(ev_change >= 0 && ps_registry_event_type(ev_change, NULL)->generated,
          "agreement_change is a generated event type");

    /* 1. High cooperation, trust and shared threat: one rung per 12 months. */
    setup climb = {0.8, 0.7, 0.6, 0.0, -1};
    ps_run *r = run(&climb, n, ident, 40);
    CHECK(level(r, n, A, B, 10) == 0.0 && level(r, n, A, B, 11) == 1.0,
          "level 1 after 12 months (t10 %g, t11 %g)", level(r, n, A, B, 10), level(r, n, A, B, 11));
    CHECK(level(r, n, A, B, 22) == 1.0 && level(r, n, A, B, 23) == 2.0, "level 2 after 24 months");
    CHECK(level(r, n, A, B, 34) == 2.0 && level(r, n, A, B, 35) == 3.0, "level 3 after 36 months");
    CHECK(level(r, n, A, B, 39) == 3.0, "level 3 is kept");
    int changes = 0, ok_events = 1;
    for (int e = 0; e < r->n_events; e++)
        if (r->events[e].type == ev_change) {
            changes++;
            const ps_event *ev = &r->events[e];
            ok_events &= ev->magnitude == changes && ev->month == 12 * changes - 1 &&
                         ((ev->source == A && ev->target == B) || (ev->source == B && ev->target == A));
        }
    CHECK(changes == 3 && ok_events, "three agreement_change events at months 11, 23, 35 (%d)", changes);
    CHECK(synth_metric(r, "agreement_changes") == 3.0,
          "metric agreement_changes: the three rises (got %g)", synth_metric(r, "agreement_changes"));
    int sym = 1;
    for (int t = 0; t < 40; t++)
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                sym &= level(r, n, i, j, t) == level(r, n, j, i, t) && level(r, n, i, j, t) >= 0.0;
    CHECK(sym, "levels are symmetric and never negative in output");
    ps_run_free(r);

    /* 2. Without a shared threat the pair stops at consultations. */
    setup calm = {0.8, 0.7, 0.0, 0.0, -1};
    r = run(&calm, n, ident, 60);
    double top = 0.0;
    for (int t = 0; t < 60; t++)
        top = fmax(top, level(r, n, A, B, t));
    CHECK(top == 1.0, "no shared threat: highest level 1 (got %g)", top);
    ps_run_free(r);

    /* 3. A convergence (cooperation and threat high, trust low) stops at a partnership. */
    setup conv = {0.8, 0.35, 0.6, 0.0, -1};
    r = run(&conv, n, ident, 72);
    top = 0.0;
    for (int t = 0; t < 72; t++)
        top = fmax(top, level(r, n, A, B, t));
    CHECK(top == 2.0, "convergence without trust: highest level 2 (got %g)", top);
    ps_run_free(r);

    /* 4. Hysteresis: an alliance between the keeping and the rising thresholds
     * lasts; one below the keeping threshold falls one rung after 12 months. */
    setup keep = {0.6, 0.5, 0.0, 3.0, -1};
    r = run(&keep, n, ident, 40);
    top = 3.0;
    for (int t = 0; t < 40; t++)
        top = fmin(top, level(r, n, A, B, t));
    CHECK(top == 3.0, "alliance kept in the hysteresis band (lowest %g)", top);
    ps_run_free(r);
    setup erode = {0.5, 0.5, 0.0, 3.0, -1};
    r = run(&erode, n, ident, 40);
    CHECK(level(r, n, A, B, 10) == 3.0 && level(r, n, A, B, 11) == 2.0 && level(r, n, A, B, 39) == 2.0,
          "alliance below the keeping threshold: 3 -> 2 after 12 months, then kept (t10 %g t11 %g "
          "t39 %g)",
          level(r, n, A, B, 10), level(r, n, A, B, 11), level(r, n, A, B, 39));
    ps_run_free(r);

    /* 5. Initial level derived when not given; a timeline `agreement` sets a level. */
    setup derived = {0.8, 0.7, 0.6, -1.0, -1};
    r = run(&derived, n, ident, 3);
    CHECK(level(r, n, A, B, 0) == 3.0, "not given: derived level 3 (got %g)", level(r, n, A, B, 0));
    CHECK(level(r, n, A, Z, 0) == 0.0, "not given, no ties: level 0");
    ps_run_free(r);
    /* The same pair in every pair of positions of a 4-actor list (init visits
     * the pairs row by row, by position; the fourth actor has no ties): every
     * rise condition holds as above (cooperation 0.8 >= 0.7, trust 0.7 >= 0.6,
     * shared threat 0.6 >= 0.4 from Z's sanctions, no war, no rivalry), so the
     * derived level is 3 in both directions wherever the pair sits. */
    int everywhere = 1;
    for (int pa = 0; pa < 4; pa++)
        for (int pb = 0; pb < 4; pb++) {
            if (pa == pb)
                continue;
            int perm4[4] = {pa, pb, 0, 0}, k = 2;
            for (int q = 0; q < 4; q++)
                if (q != pa && q != pb)
                    perm4[k++] = q;
            ps_run *r4 = run(&derived, 4, perm4, 3);
            int ok = level(r4, 4, pa, pb, 0) == 3.0 && level(r4, 4, pb, pa, 0) == 3.0;
            if (!ok)
                printf("derived level of A (position %d) and B (%d): %g / %g\n", pa, pb,
                       level(r4, 4, pa, pb, 0), level(r4, 4, pb, pa, 0));
            everywhere &= ok;
            ps_run_free(r4);
        }
    CHECK(everywhere, "not given: derived level 3 both ways wherever the pair sits");
    setup signed_ = {0.1, 0.1, 0.0, 0.0, 5};
    r = run(&signed_, n, ident, 12);
    CHECK(level(r, n, A, B, 4) == 0.0 && level(r, n, A, B, 5) == 3.0 && level(r, n, B, A, 5) == 3.0,
          "agreement event sets both directions at its month");
    CHECK(level(r, n, A, B, 11) == 3.0, "a signed level lasts while its erosion counter runs");
    ps_run_free(r);

    /* 6. Results follow actors, not positions (5 actors, reordered). */
    const int perm[5] = {3, 0, 4, 1, 2}, id5[5] = {0, 1, 2, 3, 4};
    ps_run *r1 = run(&climb, 5, id5, 40), *r2 = run(&climb, 5, perm, 40);
    int same = 1;
    for (int t = 0; t < 40; t++)
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 5; j++)
                same &= level(r1, 5, i, j, t) == level(r2, 5, perm[i], perm[j], t);
    CHECK(same, "levels follow actors when the actor list is reordered");
    ps_run_free(r1);
    ps_run_free(r2);
    /* And so do the agreement_change events: with the pair at positions 2
     * and 4, neither of them the first, the three rises of section 1 are
     * logged at months 11, 23 and 35 with magnitudes 1, 2, 3. */
    const int perm3[5] = {2, 4, 0, 1, 3};
    r = run(&climb, 5, perm3, 40);
    changes = 0;
    ok_events = 1;
    for (int e = 0; e < r->n_events; e++)
        if (r->events[e].type == ev_change) {
            changes++;
            const ps_event *ev = &r->events[e];
            ok_events &= ev->magnitude == changes && ev->month == 12 * changes - 1 &&
                         ((ev->source == 2 && ev->target == 4) || (ev->source == 4 && ev->target == 2));
        }
    CHECK(changes == 3 && ok_events, "the pair at positions 2 and 4: three agreement_change "
          "events at months 11, 23, 35 (%d)", changes);
    ps_run_free(r);

    /* 7. The actor at position 0 signs, and the metric finds a pair anywhere:
     * IRN (position 0) signs a partnership (level 2) with RUS (position 1) in
     * month 1; no ties, so nothing else moves in 4 months (a fall needs 12):
     * levels 0, 2, 2, 2 and rus_irn_agreement_max = 2. The same with RUS at
     * position 0 and IRN at 1. */
    const ps_metric *mx = NULL;
    for (int k = 0; k < ps_model_agreements.n_metrics; k++)
        if (!strcmp(ps_model_agreements.metrics[k].name, "rus_irn_agreement_max"))
            mx = &ps_model_agreements.metrics[k];
    static const char *const iso2[2][N_CORE] = {{"IRN", "RUS", "ZZZ"}, {"RUS", "IRN", "ZZZ"}};
    for (int o = 0; o < 2; o++) {
        ps_scenario *sc = synth_new("agreements", n, ident, iso2[o], N_CORE, 'X', 4, 11, 4, 2);
        synth_event(sc, 1, "agreement", 0, 1, 2.0);
        ps_run *rm = NULL;
        ps_error err = {PS_OK, ""};
        ps_status st = ps_run_replicate(sc, 0, 1, NULL, &rm, &err);
        CHECK(st == PS_OK, "an agreement event from the actor at position 0: %s", err.msg);
        if (rm) {
            CHECK(level(rm, n, 0, 1, 0) == 0.0 && level(rm, n, 0, 1, 1) == 2.0 &&
                      level(rm, n, 1, 0, 3) == 2.0,
                  "%s-%s: 0 then 2 (t0 %g, t1 %g, t3 %g)", iso2[o][0], iso2[o][1],
                  level(rm, n, 0, 1, 0), level(rm, n, 0, 1, 1), level(rm, n, 1, 0, 3));
            CHECK(mx && mx->compute(rm) == 2.0, "%s at position 0: rus_irn_agreement_max = 2 "
                  "(got %g)", iso2[o][0], mx ? mx->compute(rm) : NAN);
            if (o == 0) {
                /* A run of no months has no highest level: NaN, not 0 (which
                 * would read as "no agreement"). */
                ps_run none = *rm;
                none.n_months = 0;
                CHECK(mx && isnan(mx->compute(&none)), "no months: rus_irn_agreement_max is NaN "
                      "(got %g)", mx ? mx->compute(&none) : NAN);
            }
            ps_run_free(rm);
        }
        synth_free(sc);
    }
    /* The same world without the event: nothing is signed, the highest
     * level is 0 (the level of no agreement), not NaN and not 1. */
    {
        ps_scenario *sc = synth_new("agreements", n, ident, iso2[0], N_CORE, 'X', 4, 11, 4, 2);
        ps_run *rm = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &rm, &err) == PS_OK, "no agreement: %s", err.msg);
        CHECK(rm && mx && mx->compute(rm) == 0.0, "no agreement: rus_irn_agreement_max = 0 (got %g)",
              rm && mx ? mx->compute(rm) : NAN);
        ps_run_free(rm);
        synth_free(sc);
    }
    /* An agreement is between two distinct actors (docs/ODD.md 7.9: source
     * and target): without a target, or without a source, it is a config
     * error. */
    for (int miss = 0; miss < 2; miss++) {
        ps_scenario *sc = synth_new("agreements", n, ident, iso, N_CORE, 'X', 4, 11, 4, 2);
        synth_event(sc, 1, "agreement", miss ? -1 : B, miss ? B : -1, 2.0);
        ps_run *rb = NULL;
        ps_error err = {PS_OK, ""};
        ps_status st = ps_run_replicate(sc, 0, 1, NULL, &rb, &err);
        CHECK(st == PS_ERR_CONFIG && strstr(err.msg, "needs distinct source and target actors"),
              "an agreement without a %s: %d %s", miss ? "source" : "target", st, err.msg);
        ps_run_free(rb);
        synth_free(sc);
    }
    test_net_gain();
    test_thresholds();
    return CHECK_DONE();
}
