/* Strikes model. The synthetic check of issue 5: "an alliance-level partner
 * responds militarily to a strike far more often than a partnership-level
 * one", on 100 replicates of configs/examples/strike_allied.yaml and
 * strike_loose_partner.yaml (identical but for the agreement level), with
 * Wilson 95% intervals for each frequency and a Newcombe interval for the
 * difference. Mechanism checks: paired replicates (common random numbers: the
 * same draw for the same partner, target, striker, month and replicate) make
 * the chosen level monotone in each driver, so a stronger striker or closer
 * ties to it never raise a response; non-partners do not respond; the
 * response is recorded the month after the strike, in the field and the log. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "replicates.h"
#include "synthetic.h"

extern const ps_model ps_model_cooperation;
extern const ps_model ps_model_strikes;

#define REPS 100
#define EXAMPLES PS_SOURCE_DIR "/configs/examples"

typedef rep_runs runs;

/* extra: NULL-terminated --set overrides (or NULL). */
static int load_and_run(const char *file, const char *const *extra, runs *out)
{
    return rep_run(EXAMPLES, file, extra, REPS, out);
}

static void free_runs(runs *s) { rep_free(s); }

/* The partner's response to the strike on the target: from the log (-1 if none). */
static int response(const runs *s, int r, int *month)
{
    int ptn = ps_scenario_actor(s->sc, "PTN"), tgt = ps_scenario_actor(s->sc, "TGT");
    int e = ps_registry_find_event_type("strike_response"), found = -1;
    const ps_run *u = s->run[r];
    for (int k = 0; k < u->n_events; k++)
        if (u->events[k].type == e && u->events[k].source == ptn && u->events[k].target == tgt) {
            found = (int)u->events[k].magnitude;
            *month = u->events[k].month;
        }
    return found;
}

/* Who counts as a partner, by hand (docs/ODD.md, strikes): k decides a response
 * to a strike on y when A_ky >= 1 or its cooperation with y, the mean of both
 * directions (c_ky + c_yk) / 2, reaches partner_threshold. Three actors: the
 * striker X (position 0), the partner K (1) and the target Y (2); X strikes Y
 * in the initial state (read by month 0's step); K and X have no ties. With
 * c_KY = c_YK = 1.5 threshold, K is a partner and responds once (some level,
 * logged in month 0); with 0.9 threshold it is not and nobody responds. */
static int synthetic_responses(double coop, int *src, int *dst, int *month)
{
    const ps_model *pipe[] = {&ps_model_cooperation, &ps_model_strikes, NULL};
    ps_registry_use(pipe);
    enum { X, K, Y };
    int perm[3] = {X, K, Y};
    ps_scenario *sc = synth_new("strikes", 3, perm, NULL, 0, 'S', 2, 9, 8, 1);
    synth_init(sc, "cooperation", K, Y, coop);
    synth_init(sc, "cooperation", Y, K, coop);
    synth_init(sc, "strike", X, Y, 0.5);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    int e = ps_registry_find_event_type("strike_response"), c = 0;
    for (int k = 0; r && k < r->n_events; k++)
        if (r->events[k].type == e) {
            c++;
            *src = r->events[k].source;
            *dst = r->events[k].target;
            *month = r->events[k].month;
        }
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
    return c;
}

static void test_partner_by_hand(void)
{
    const ps_model *m = &ps_model_strikes;
    const double thr = synth_default(m, "partner_threshold");
    CHECK(thr > 0.0 && 1.5 * thr <= 1.0, "partner_threshold %g", thr);
    int src = -1, dst = -1, month = -1;
    int c = synthetic_responses(1.5 * thr, &src, &dst, &month);
    CHECK(c == 1 && src == 1 && dst == 2 && month == 0,
          "a partner by its mean cooperation with the target responds once: %d responses "
          "(%d -> %d, month %d)", c, src, dst, month);
    c = synthetic_responses(0.9 * thr, &src, &dst, &month);
    CHECK(c == 0, "below the threshold nobody responds: %d responses", c);
}

/* A timeline strike needs two distinct actors: a strike of an actor on itself,
 * or with no source or no target, stops the run with a config error naming
 * the rule, whichever side is missing. */
static void test_bad_strike_events(void)
{
    const ps_model *pipe[] = {&ps_model_strikes, NULL};
    ps_registry_use(pipe);
    const int cases[3][2] = {{0, 0}, {-1, 1}, {0, -1}};
    for (int k = 0; k < 3; k++) {
        ps_scenario *sc = synth_new("strikes_bad", 2, (const int[]){0, 1}, NULL, 0, 'S', 3, 9, 1, 1);
        synth_event(sc, 1, "strike", cases[k][0], cases[k][1], 0.5);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
        CHECK(s == PS_ERR_CONFIG && strstr(err.msg, "distinct source and target"),
              "strike %d -> %d: status %d, '%s'", cases[k][0], cases[k][1], (int)s, err.msg);
        ps_run_free(r);
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

int main(void)
{
    test_partner_by_hand();
    test_bad_strike_events();
    static runs loose, allied, strong, tied, stranger, strained;
    static const char *const set_strong[] = {"actors.STR.military_capacity=2.0e11", NULL};
    static const char *const set_tied[] = {"relations.PTN.STR.cooperation=0.6", NULL};
    static const char *const set_stranger[] = {"relations.PTN.TGT.cooperation=0.1",
                                               "relations.TGT.PTN.cooperation=0.1",
                                               "relations.PTN.TGT.agreement_level=0", NULL};
    if (load_and_run("strike_loose_partner.yaml", NULL, &loose) ||
        load_and_run("strike_allied.yaml", NULL, &allied) ||
        load_and_run("strike_loose_partner.yaml", set_strong, &strong) ||
        load_and_run("strike_loose_partner.yaml", set_tied, &tied) ||
        load_and_run("strike_loose_partner.yaml", set_stranger, &stranger) ||
        load_and_run("strike_strained_partner.yaml", NULL, &strained))
        return 1;
    int strike_month = ps_date_diff((ps_date){2030, 3}, loose.sc->start);

    /* Synthetic check: military responses, allied vs partnership-level partner. */
    int mil[2] = {0, 0}, any[2] = {0, 0}, levels_seen[4] = {0, 0, 0, 0}, timing = 1, field_ok = 1;
    /* The metric military_responses counts the logged responses of level 3. */
    int metric_ok = 1, e_resp = ps_registry_find_event_type("strike_response");
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < REPS; r++) {
            const ps_run *u = (s ? &allied : &loose)->run[r];
            int c3 = 0;
            for (int k = 0; k < u->n_events; k++)
                c3 += u->events[k].type == e_resp && u->events[k].magnitude == 3.0;
            metric_ok &= synth_metric(u, "military_responses") == c3;
        }
    CHECK(metric_ok, "military_responses equals the count of logged level-3 responses");
    for (int s = 0; s < 2; s++) {
        runs *x = s ? &allied : &loose;
        int n = x->sc->n_actors, ptn = ps_scenario_actor(x->sc, "PTN"),
            tgt = ps_scenario_actor(x->sc, "TGT");
        for (int r = 0; r < REPS; r++) {
            int month = -1, lv = response(x, r, &month);
            timing &= lv >= 0 && month == strike_month + 1;
            if (lv < 0)
                continue;
            mil[s] += lv == 3;
            any[s] += lv > 0;
            levels_seen[lv]++;
            const ps_run *u = x->run[r];
            size_t nn = (size_t)n * n;
            double f_resp = u->series[ps_field_index("strike_response")][(size_t)month * nn +
                                                                            (size_t)ptn * n + tgt];
            double f_strike = u->series[ps_field_index("strike")][(size_t)strike_month * nn +
                                                                    (size_t)ps_scenario_actor(x->sc, "STR") * n + tgt];
            double after = u->series[ps_field_index("strike")][(size_t)month * nn +
                                                                 (size_t)ps_scenario_actor(x->sc, "STR") * n + tgt];
            field_ok &= f_resp == lv && f_strike == 0.8 && after == 0.0;
        }
    }
    CHECK(timing, "every replicate logs one response by the partner, the month after the strike");
    CHECK(field_ok, "strike recorded in its month, response in the next, field = logged level");
    double lo[2], hi[2];
    for (int s = 0; s < 2; s++)
        rep_wilson(mil[s], REPS, &lo[s], &hi[s]);
    double p0 = (double)mil[0] / REPS, p1 = (double)mil[1] / REPS;
    /* Newcombe's hybrid score interval for p1 - p0. */
    double dlo = (p1 - p0) - sqrt((p1 - lo[1]) * (p1 - lo[1]) + (hi[0] - p0) * (hi[0] - p0));
    double dhi = (p1 - p0) + sqrt((hi[1] - p1) * (hi[1] - p1) + (p0 - lo[0]) * (p0 - lo[0]));
    printf("military response, partnership-level partner: %3d/%d = %.2f  95%% [%.2f, %.2f]\n", mil[0],
           REPS, p0, lo[0], hi[0]);
    printf("military response, alliance-level partner:    %3d/%d = %.2f  95%% [%.2f, %.2f]\n", mil[1],
           REPS, p1, lo[1], hi[1]);
    printf("difference (alliance - partnership): %+.2f  95%% [%+.2f, %+.2f]\n", p1 - p0, dlo, dhi);
    printf("any response (1-3): partnership %d/%d, alliance %d/%d\n", any[0], REPS, any[1], REPS);
    CHECK(dlo > 0.0, "the alliance-level partner responds militarily more often (difference interval)");
    CHECK(lo[1] > hi[0], "the two 95%% intervals do not overlap");
    CHECK(p1 >= 2.0 * p0 && p1 - p0 >= 0.3, "far more often: at least twice, and 30 points, more");
    CHECK(mil[0] > 0 && mil[1] < REPS, "the decision is stochastic at both levels");
    CHECK(levels_seen[0] + levels_seen[1] + levels_seen[2] > 0,
          "lower responses occur too (none/diplomatic/material: %d/%d/%d)", levels_seen[0],
          levels_seen[1], levels_seen[2]);

    /* Paired mechanism checks: never a stronger response, and on average weaker. */
    struct { runs *x; const char *what; } cmp[] = {
        {&strong, "a striker ten times stronger"},
        {&tied, "a partner with close ties to the striker"},
        {&strained, "a partner strained by a war of its own (strain 0.8)"},
    };
    for (int c = 0; c < 3; c++) {
        int never_more = 1;
        double m0 = 0.0, m1 = 0.0;
        for (int r = 0; r < REPS; r++) {
            int t0 = 0, t1 = 0, a = response(&loose, r, &t0), b = response(cmp[c].x, r, &t1);
            never_more &= b <= a;
            m0 += a;
            m1 += b;
        }
        printf("mean response level: base %.2f, %s %.2f\n", m0 / REPS, cmp[c].what, m1 / REPS);
        CHECK(never_more && m1 < m0, "%s: never a stronger response, weaker on average", cmp[c].what);
    }
    /* Cooperation 0.1 and no agreement: not a partner, no decision. */
    int none = 1;
    for (int r = 0; r < REPS; r++) {
        int t = 0;
        none &= response(&stranger, r, &t) < 0;
    }
    CHECK(none, "an actor that is not a partner of the target does not respond");

    free_runs(&loose);
    free_runs(&allied);
    free_runs(&strong);
    free_runs(&tied);
    free_runs(&stranger);
    free_runs(&strained);
    return CHECK_DONE();
}
