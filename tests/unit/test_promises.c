/* The promises model against hand-worked values: a pledge (timeline event) is
 * outstanding until its due date; a promiser with no spare finance delivers
 * nothing and breaches it in full when it falls due; one with ample spare
 * finance pays it down at its pace (outstanding / months left) and keeps it;
 * each end is logged as an event. These use delivery_noise = 0: the rule
 * exactly. With the default delivery noise, the month's payment is the rule
 * times a lognormal factor of mean 1: across replicates its mean is the rule's
 * instalment and its spread the lognormal's, each replicate's draw is a pure
 * function of its key (a run alone or among others, on any thread count),
 * and a pledge paid in full before its date is kept then. Loans held back
 * (off by default): lending_risk slows the pace by the borrower's sanction
 * pressure, war_priority shrinks the budget by the promiser's strain. Many promisers
 * on two inner threads: the same series and event log as on one. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_promises;
extern const ps_model ps_model_economy;

enum { A, B };

static double at(const ps_run *run, const char *field, int t, int i, int j)
{
    int f = ps_field_index(field), n = run->sc->n_actors;
    return run->series[f][(size_t)t * n * n + (size_t)i * n + j];
}

static int count_events(const ps_run *run, const char *type, int *month)
{
    int e = ps_registry_find_event_type(type), c = 0;
    for (int k = 0; k < run->n_events; k++)
        if (run->events[k].type == e) {
            c++;
            *month = run->events[k].month;
        }
    return c;
}

#define NEAR(x, y) (fabs((x) - (y)) <= 1e-9 * (1.0 + fabs(y)))

static ps_run *run_world_r(double reserves, double noise, int replicate, int threads,
                           ps_scenario **out)
{
    int perm[2] = {0, 1};
    ps_scenario *sc = synth_new("promises", 2, perm, NULL, 0, 'R', 18, 9, 16, 2);
    synth_init(sc, "reserves", A, -1, reserves);
    synth_init(sc, "gdp", A, -1, 1e12);
    synth_init(sc, "gdp", B, -1, 1e11);
    synth_event(sc, 0, "promise_finance", A, B, 12e9);
    synth_param(sc, "promises", "delivery_noise", noise);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, replicate, threads, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

static ps_run *run_world(double reserves, ps_scenario **out)
{
    return run_world_r(reserves, 0.0, 0, 1, out);
}

/* Delivery noise: month 1's payment over R replicates. */
#define R_NOISE 400
static void test_delivery_noise(int horizon)
{
    const double sigma = synth_default(&ps_model_promises, "delivery_noise");
    CHECK(sigma >= 0.2, "the default delivery noise is not tiny: %g", sigma);
    const double inst = 12e9 / horizon; /* the rule's instalment (ample budget, no cooperation input) */
    double sum = 0.0, sum2 = 0.0;
    int same = 1, early = 0, kept_early = 1;
    for (int r = 0; r < R_NOISE; r++) {
        ps_scenario *sc = NULL, *sc2 = NULL;
        ps_run *u = run_world_r(1e13, sigma, r, 1, &sc);
        ps_run *v = run_world_r(1e13, sigma, r, 2, &sc2);
        if (!u || !v)
            return;
        double x = at(u, "finance_delivered", 1, A, B) / inst;
        sum += x;
        sum2 += x * x;
        int f = ps_field_index("finance_delivered");
        same &= !memcmp(u->series[f], v->series[f], (size_t)18 * 4 * sizeof(double));
        /* Paid in full before the due date: kept in that month, then closed. */
        int month = -1;
        for (int t = 1; t < horizon; t++)
            if (at(u, "promise_outstanding", t, A, B) == 0.0) {
                early++;
                kept_early &= count_events(u, "promise_kept", &month) == 1 && month == t &&
                              at(u, "promise_kept", t, A, B) > 0.0 &&
                              at(u, "promise_due", t, A, B) == 0.0 &&
                              NEAR(at(u, "finance_delivered", t, A, B), 12e9);
                break;
            }
        ps_run_free(u);
        ps_run_free(v);
        synth_free(sc);
        synth_free(sc2);
    }
    double mean = sum / R_NOISE, sd = sqrt((sum2 - R_NOISE * mean * mean) / (R_NOISE - 1));
    /* x = factor exp(sigma z - sigma^2/2) (the cap at what is owed, 12 instalments, binds
     * with probability P(z > (ln 12 + sigma^2/2) / sigma) ~ 1e-6): mean 1, sd sqrt(e^{s^2} - 1). */
    double sd_th = sqrt(exp(sigma * sigma) - 1.0), se = sd_th / sqrt((double)R_NOISE);
    printf("delivery noise %.2f: month-1 payment / instalment over %d replicates: mean %.4f "
           "(theory 1, se %.4f), sd %.4f (theory %.4f); paid off early in %d\n",
           sigma, R_NOISE, mean, se, sd, sd_th, early);
    CHECK(fabs(mean - 1.0) < 4.0 * se, "mean payment is the rule's instalment: %.4f", mean);
    CHECK(fabs(sd / sd_th - 1.0) < 0.25, "spread is the lognormal's: %.4f vs %.4f", sd, sd_th);
    CHECK(same, "each replicate identical with 1 and 2 threads");
    CHECK(kept_early, "a pledge paid off before its date is kept, logged once, then closed");
}

static int own_event(int type)
{
    return type == ps_registry_find_event_type("promise_made") ||
           type == ps_registry_find_event_type("promise_kept") ||
           type == ps_registry_find_event_type("promise_broken");
}

/* Many promisers, their rows shared between two inner threads (N >= 64,
 * several blocks of promisers), with the default delivery noise: one
 * pledge each, half of the promisers without reserves, half with. One and
 * two threads give the same series and the same events in the same order,
 * which is (promiser, partner) order within a month, as a serial loop logs
 * them; each pledge ends once, and those without reserves leave more unpaid. */
static void test_many_promisers(void)
{
    enum { N = 80 };
    int perm[N];
    for (int k = 0; k < N; k++)
        perm[k] = k;
    ps_run *r[2] = {NULL, NULL};
    ps_scenario *sc[2] = {NULL, NULL};
    for (int t = 0; t < 2; t++) {
        sc[t] = synth_new("many", N, perm, NULL, 0, 'M', 18, 9, 3 * N, N);
        for (int k = 0; k < N; k++) {
            synth_init(sc[t], "gdp", k, -1, 1e11 * (1 + k % 5));
            synth_init(sc[t], "reserves", k, -1, k % 2 ? 1e13 : 0.0);
            /* Pledges in the reverse of the promisers' order, so that the
             * log's order comes from the model, not from the timeline. */
            int j = N - 1 - k;
            synth_event(sc[t], 0, "promise_finance", j, (j + 7) % N, 1e9 * (1 + j % 3));
        }
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc[t], 3, t + 1, NULL, &r[t], &err) == PS_OK, "%d thread(s): %s",
              t + 1, err.msg);
    }
    if (r[0] && r[1]) {
        int same = 1;
        for (int f = 0; f < ps_registry_n_fields(); f++)
            if (ps_registry_field(f, NULL)->shape == PS_DYAD)
                same &= !memcmp(r[0]->series[f], r[1]->series[f],
                                (size_t)18 * N * N * sizeof(double));
        CHECK(same, "dyad series differ between 1 and 2 inner threads");
        int same_log = r[0]->n_events == r[1]->n_events, ordered = 1;
        for (int e = 0; same_log && e < r[0]->n_events; e++) {
            const ps_event *a = &r[0]->events[e], *b = &r[1]->events[e];
            same_log &= a->month == b->month && a->type == b->type && a->source == b->source &&
                        a->target == b->target && !memcmp(&a->magnitude, &b->magnitude,
                                                          sizeof a->magnitude);
            /* The model's own events (made, kept, broken) against the one
             * logged before, if that was the model's too in the same month. */
            if (e > 0 && a->month == a[-1].month && own_event(a->type) && own_event(a[-1].type))
                ordered &= a[-1].source < a->source ||
                           (a[-1].source == a->source && a[-1].target < a->target);
        }
        CHECK(same_log, "event logs differ between 1 and 2 inner threads (%d / %d events)",
              r[0]->n_events, r[1]->n_events);
        CHECK(ordered, "the model's events of a month are not in (promiser, partner) order");
        /* Each pledge ends once (kept or broken), and those without reserves
         * leave more of theirs unpaid than those with. */
        int ended[N] = {0}, e_broken = ps_registry_find_event_type("promise_broken");
        int e_kept = ps_registry_find_event_type("promise_kept");
        double unpaid[2] = {0.0, 0.0};
        for (int e = 0; e < r[1]->n_events; e++) {
            const ps_event *ev = &r[1]->events[e];
            if (ev->type == e_broken || ev->type == e_kept)
                ended[ev->source]++;
            if (ev->type == e_broken)
                unpaid[ev->source % 2] += ev->magnitude / (N / 2);
        }
        int once = 1;
        for (int j = 0; j < N; j++)
            once &= ended[j] == 1;
        CHECK(once, "a pledge that did not end exactly once");
        CHECK(unpaid[0] > unpaid[1] + 0.01, "share unpaid: %.4f without reserves, %.4f with",
              unpaid[0], unpaid[1]);
    }
    for (int t = 0; t < 2; t++) {
        ps_run_free(r[t]);
        synth_free(sc[t]);
    }
}

/* A test-only model owning the two fields the hold-backs read, constant
 * from the config (the sanctions and military models are not in the run). */
static const ps_field hold_fields[] = {
    {"sanction_pressure", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"},
    {"military_strain", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"}};
static const ps_model hold_model = {.name = "hold", .description = "test", .fields = hold_fields,
                                    .n_fields = 2};

/* Month 1's payment on A's pledge to B of `pledge` USD, B under pressure
 * 0.6, A at strain 0.8, with the given hold-backs. */
static double held_payment(double pledge, double reserves, double risk, double priority)
{
    ps_scenario *sc = synth_new("held", 2, (const int[]){0, 1}, NULL, 0, 'H', 6, 9, 16, 2);
    synth_init(sc, "reserves", A, -1, reserves);
    synth_init(sc, "gdp", A, -1, 1e12);
    synth_init(sc, "gdp", B, -1, 1e11);
    synth_init(sc, "sanction_pressure", B, -1, 0.6);
    synth_init(sc, "military_strain", A, -1, 0.8);
    synth_event(sc, 0, "promise_finance", A, B, pledge);
    synth_param(sc, "promises", "delivery_noise", 0.0);
    synth_param(sc, "promises", "lending_risk", risk);
    synth_param(sc, "promises", "war_priority", priority);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &run, &err) == PS_OK, "run: %s", err.msg);
    double pay = run ? at(run, "finance_delivered", 1, A, B) : NAN;
    ps_run_free(run);
    synth_free(sc);
    return pay;
}

static void test_held_back(int horizon)
{
    const ps_model *pipe[] = {&ps_model_economy, &hold_model, &ps_model_promises, NULL};
    ps_registry_use(pipe);
    /* Ample reserves: the pace binds (12e9 / horizon); lending risk 0.5 at
     * B's pressure 0.6 pays 1 - 0.3 of it, and war priority, which cuts
     * only the budget, changes nothing. */
    double inst = 12e9 / horizon, pace = held_payment(12e9, 1e13, 0.0, 0.0);
    CHECK(NEAR(pace, inst), "pace-bound instalment %.15g vs %.15g", pace, inst);
    double risky = held_payment(12e9, 1e13, 0.5, 0.0);
    CHECK(NEAR(risky, 0.7 * inst), "lending risk: %.15g vs 0.7 x %.15g", risky, inst);
    CHECK(held_payment(12e9, 1e13, 0.0, 0.5) == pace, "war priority leaves a pace-bound payment");
    /* The pace is a share of what is owed, whatever its size: a pledge of
     * 0.6 USD is paid 0.6 / horizon a month, as 12e9 is 12e9 / horizon. */
    double tiny = held_payment(0.6, 1e13, 0.0, 0.0);
    CHECK(NEAR(tiny, 0.6 / horizon), "a pledge of 0.6 USD: %.15g vs %.15g", tiny, 0.6 / horizon);
    /* Small reserves: the budget binds; a promiser at strain 0.8 with war
     * priority 0.5 keeps 0.4 of its budget for itself. */
    double budget = held_payment(12e9, 1e10, 0.0, 0.0), war = held_payment(12e9, 1e10, 0.0, 0.5);
    CHECK(budget > 0.0 && budget < 0.5 * inst, "budget-bound: %.15g < %.15g", budget, inst);
    CHECK(NEAR(war, 0.6 * budget), "war priority: %.15g vs 0.6 x %.15g", war, budget);
    ps_registry_use(NULL);
}

/* Without the economy there is no spare finance: a scripted pledge is never
 * paid (not even a token), and is breached in full when it falls due. */
static void test_without_economy(int horizon)
{
    const ps_model *pipe[] = {&ps_model_promises, NULL};
    ps_registry_use(pipe);
    ps_scenario *sc = synth_new("alone", 2, (const int[]){0, 1}, NULL, 0, 'P', 18, 9, 16, 2);
    synth_event(sc, 0, "promise_finance", A, B, 12e9);
    synth_param(sc, "promises", "delivery_noise", 0.0);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &run, &err) == PS_OK, "run: %s", err.msg);
    if (run) {
        double paid = at(run, "finance_delivered", horizon, A, B);
        CHECK(paid == 0.0, "no economy, nothing paid: %g", paid);
        CHECK(at(run, "promise_breach", horizon, A, B) == 12e9, "breached in full when due");
    }
    ps_run_free(run);
    synth_free(sc);
    ps_registry_use(NULL);
}

/* A test-only model owning what a pledge of the model's own reads, constant
 * from the config. */
static const ps_field lend_fields[] = {
    {"cooperation", PS_DYAD, "1", 0.0, 0.0, 1.0, "test", "test"},
    {"finance_need", PS_ACTOR, "USD", 0.0, 0.0, 1e13, "test", "test"},
    {"lending_capacity", PS_ACTOR, "USD", 0.0, 0.0, 1e14, "test", "test"}};
static const ps_model lend_model = {.name = "lendhold", .description = "test",
                                    .fields = lend_fields, .n_fields = 3};

/* Month 1's pledge of A to B (cooperation 0.99 both ways, B in need of 1e9
 * USD) when A can lend `capacity` USD: any capacity above 0 makes a lender,
 * however small (the pledge is a share of the need, not of the capacity). */
static double pledged(double capacity)
{
    ps_scenario *sc = synth_new("lend", 2, (const int[]){0, 1}, NULL, 0, 'L', 4, 9, 16, 2);
    synth_init(sc, "cooperation", A, B, 0.99);
    synth_init(sc, "cooperation", B, A, 0.99);
    synth_init(sc, "finance_need", B, -1, 1e9);
    synth_init(sc, "lending_capacity", A, -1, capacity);
    synth_param(sc, "promises", "delivery_noise", 0.0);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &run, &err) == PS_OK, "run: %s", err.msg);
    double v = run ? at(run, "finance_promised", 1, A, B) : NAN;
    if (run)
        CHECK(at(run, "finance_promised", 1, B, A) == 0.0, "B, which cannot lend, pledges nothing");
    ps_run_free(run);
    synth_free(sc);
    return v;
}

static void test_any_lender_pledges(void)
{
    const ps_model *pipe[] = {&lend_model, &ps_model_promises, NULL};
    ps_registry_use(pipe);
    const double share = synth_default(&ps_model_promises, "promise_share");
    double tiny = pledged(0.5), none = pledged(0.0);
    CHECK(NEAR(tiny, share * 1e9), "lending capacity 0.5 USD pledges %g x need: %.15g", share,
          tiny);
    CHECK(none == 0.0, "no lending capacity, no pledge: %g", none);
    ps_registry_use(NULL);
}

/* The two metrics, share delivered of all promised by the last month, with
 * Russia the first actor: Russia (ample reserves) pays its pledge to Iran in
 * full, China (no reserves) nothing of its pledge to Russia; NaN without a
 * pledge. */
static void test_metrics(int horizon)
{
    static const char *const iso[3] = {"RUS", "IRN", "CHN"};
    for (int pledges = 0; pledges < 2; pledges++) {
        ps_scenario *sc = synth_new("metrics", 3, (const int[]){0, 1, 2}, iso, 3, 'M', 18, 9, 16,
                                    2);
        synth_init(sc, "reserves", 0, -1, 1e13);
        for (int i = 0; i < 3; i++)
            synth_init(sc, "gdp", i, -1, 1e12);
        if (pledges) {
            synth_event(sc, 0, "promise_finance", 0, 1, 12e9);
            synth_event(sc, 0, "promise_finance", 2, 0, 6e9);
        }
        synth_param(sc, "promises", "delivery_noise", 0.0);
        ps_run *run = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &run, &err) == PS_OK, "run: %s", err.msg);
        if (run) {
            double ri = synth_metric(run, "rus_irn_finance_delivered_share");
            double cr = synth_metric(run, "chn_rus_finance_delivered_share");
            if (pledges)
                CHECK(NEAR(ri, 1.0) && cr == 0.0, "horizon %d: RUS->IRN %g (1), CHN->RUS %g (0)",
                      horizon, ri, cr);
            else
                CHECK(isnan(ri) && isnan(cr), "no pledge: NaN (%g, %g)", ri, cr);
        }
        ps_run_free(run);
        synth_free(sc);
    }
}

int main(void)
{
    int horizon = 0;
    for (int k = 0; k < ps_model_promises.n_params; k++)
        if (!strcmp(ps_model_promises.params[k].name, "horizon"))
            horizon = (int)ps_model_promises.params[k].def;
    CHECK(horizon > 1 && horizon < 17, "horizon %d fits the 18-month test", horizon);
    const ps_model *pipe[] = {&ps_model_economy, &ps_model_promises, NULL};
    ps_registry_use(pipe);
    ps_scenario *sc = NULL;
    int month = -1;

    /* No reserves, so no spare finance: nothing is delivered; the whole pledge
     * is breached when it falls due, `horizon` months after month 0. */
    ps_run *r = run_world(0.0, &sc);
    if (r) {
        CHECK(at(r, "finance_promised", 0, A, B) == 12e9, "pledged in month 0");
        CHECK(at(r, "promise_outstanding", 0, A, B) == 12e9, "outstanding");
        CHECK(at(r, "promise_due", 0, A, B) == horizon, "due in %d months", horizon);
        CHECK(at(r, "finance_delivered", horizon, A, B) == 0.0, "nothing delivered");
        CHECK(at(r, "promise_breach", horizon - 1, A, B) == 0.0, "not breached before due");
        CHECK(at(r, "promise_breach", horizon, A, B) == 12e9, "breached in full when due");
        CHECK(at(r, "promise_outstanding", horizon, A, B) == 0.0, "closed");
        CHECK(count_events(r, "promise_broken", &month) == 1 && month == horizon,
              "one promise_broken event, in month %d", month);
        CHECK(count_events(r, "promise_kept", &month) == 0, "not kept");
        ps_run_free(r);
    }
    synth_free(sc);

    /* Ample reserves: each month pays outstanding / months left, so the pledge
     * is delivered in equal instalments and kept when it falls due. */
    r = run_world(1e13, &sc);
    if (r) {
        double inst = 12e9 / horizon;
        CHECK(NEAR(at(r, "promise_delivery", 1, A, B), 12.0 * inst), "annual rate of an instalment");
        CHECK(NEAR(at(r, "finance_delivered", 1, A, B), inst), "first instalment");
        CHECK(NEAR(at(r, "promise_outstanding", 5, A, B), 12e9 - 5 * inst), "paid down");
        CHECK(NEAR(at(r, "finance_delivered", horizon, A, B), 12e9), "delivered in full");
        CHECK(at(r, "promise_breach", horizon, A, B) == 0.0, "no breach");
        CHECK(at(r, "promise_kept", horizon, A, B) > 0.0, "kept");
        CHECK(count_events(r, "promise_kept", &month) == 1 && month == horizon,
              "one promise_kept event, in month %d", month);
        CHECK(at(r, "promise_delivery", horizon + 2, A, B) == 0.0, "no payment after");
        ps_run_free(r);
    }
    synth_free(sc);
    test_delivery_noise(horizon);
    test_metrics(horizon);
    test_held_back(horizon);
    test_without_economy(horizon);
    test_any_lender_pledges();
    test_many_promisers();
    ps_registry_use(NULL);
    return CHECK_DONE();
}
