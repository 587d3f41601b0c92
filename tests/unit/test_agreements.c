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

int main(void)
{
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

    /* 7. The actor at position 0 signs, and the metric finds a pair anywhere:
     * IRN (position 0) signs a partnership (level 2) with RUS (position 1) in
     * month 1; no ties, so nothing else moves in 4 months (a fall needs 12):
     * levels 0, 2, 2, 2 and rus_irn_agreement_max = 2. */
    static const char *const iso2[N_CORE] = {"IRN", "RUS", "ZZZ"};
    ps_scenario *sc = synth_new("agreements", n, ident, iso2, N_CORE, 'X', 4, 11, 4, 2);
    synth_event(sc, 1, "agreement", 0, 1, 2.0);
    ps_run *rm = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, 1, NULL, &rm, &err);
    CHECK(st == PS_OK, "an agreement event from the actor at position 0: %s", err.msg);
    if (rm) {
        CHECK(level(rm, n, 0, 1, 0) == 0.0 && level(rm, n, 0, 1, 1) == 2.0 &&
                  level(rm, n, 1, 0, 3) == 2.0,
              "IRN-RUS: 0 then 2 (t0 %g, t1 %g, t3 %g)", level(rm, n, 0, 1, 0),
              level(rm, n, 0, 1, 1), level(rm, n, 1, 0, 3));
        const ps_metric *mx = NULL;
        for (int k = 0; k < ps_model_agreements.n_metrics; k++)
            if (!strcmp(ps_model_agreements.metrics[k].name, "rus_irn_agreement_max"))
                mx = &ps_model_agreements.metrics[k];
        CHECK(mx && mx->compute(rm) == 2.0, "rus_irn_agreement_max = 2 (got %g)",
              mx ? mx->compute(rm) : NAN);
        ps_run_free(rm);
    }
    synth_free(sc);
    return CHECK_DONE();
}
