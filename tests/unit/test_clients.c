/* Clients model. The synthetic check of issue 5: "a client with strained
 * patrons collapses more often than one with free patrons", on 100 replicates
 * of configs/examples/client_strained_patrons.yaml and client_free_patrons.yaml
 * (identical but for the patrons' war elsewhere), with Wilson 95% intervals
 * and a Newcombe interval for the difference. Mechanism checks: with common
 * random numbers the stability of the strained client never exceeds the free
 * one's in any month of any replicate (the balance is lower and the recursion
 * is monotone); non-clients carry the fill value -1; a collapse is logged
 * once and is absorbing; without shocks a stronger opposition lowers
 * stability; an actor becomes a client when a `patronage` event names it.
 * The evolving opposition (issue 16): a client whose patrons withdraw falls in
 * the month worked out by hand, one whose patrons stay never does, the
 * collapse month is uncertain once political shocks are on, and with the new
 * rates at 0 the old fixed-opposition recursion is recovered bit for bit.
 * Foreign backing of the opposition and the two summary metrics, by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "check.h"
#include "internal.h"
#include "replicates.h"
#include "synthetic.h"

extern const ps_model ps_model_economy;
extern const ps_model ps_model_military;
extern const ps_model ps_model_clients;

#define REPS 100
#define EXAMPLES PS_SOURCE_DIR "/configs/examples"

typedef rep_runs runs;

/* extra: NULL-terminated --set overrides (or NULL); reps replicates. */
static int load_and_run(const char *file, const char *const *extra, int reps, runs *out)
{
    return rep_run(EXAMPLES, file, extra, reps, out);
}

static void free_runs(runs *s, int reps)
{
    (void)reps;
    rep_free(s);
}

static double actor_at(const ps_run *u, const char *field, int i, int t)
{
    return u->series[ps_field_index(field)][(size_t)t * u->sc->n_actors + i];
}

static int collapses(const ps_run *u, int *month)
{
    int e = ps_registry_find_event_type("regime_collapse"), c = 0;
    for (int k = 0; k < u->n_events; k++)
        if (u->events[k].type == e) {
            c++;
            *month = u->events[k].month;
        }
    return c;
}

/* A client's support against hand-worked values (docs/ODD.md, clients):
 * S = sum over patrons j of pat_ji (1 - strain_weight strain_j)
 *     ((1 - money_weight) presence + money_weight money),
 * presence = commitment now / reference (the first positive commitment) in the
 * theater the client hosts, money = min(1, sent / need) when need > 0, else 1.
 * The client C hosts theater 0; its patron P has commitment 0.6 there at the
 * start and withdraws 0.3 by a troop movement in month 0. No model sends money
 * (neither cooperation nor promises runs), and C starts with a tiny financing
 * need of 0.5 USD/yr: any positive need counts. */
static void test_support_by_hand(void)
{
    const double sw = synth_default(&ps_model_clients, "strain_weight");
    const double mw = synth_default(&ps_model_clients, "money_weight");
    CHECK(sw > 0.0 && mw > 0.0 && mw < 1.0, "defaults");
    const ps_model *pipe[] = {&ps_model_economy, &ps_model_military, &ps_model_clients, NULL};
    ps_registry_use(pipe);
    enum { PAT, CLI, OTH };
    int perm[3] = {PAT, CLI, OTH};
    ps_scenario *sc = synth_new("clients", 3, perm, NULL, 0, 'C', 3, 3, 16, 2);
    static const char *const names[1] = {"client land"};
    int hosts[1] = {CLI};
    synth_theaters(sc, 1, names, hosts);
    synth_init(sc, "patronage", PAT, CLI, 0.8);
    synth_init(sc, "opposition_strength", CLI, -1, 0.5);
    synth_init(sc, "military_capacity", PAT, -1, 100e9); /* C and O have none */
    synth_init(sc, "commitment", PAT, 0, 0.6);
    synth_init(sc, "military_strain", PAT, -1, 0.4);
    synth_init(sc, "finance_need", CLI, -1, 0.5);
    synth_event(sc, 0, "troop_movement", PAT, CLI, -0.3);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    if (r) {
        /* Month 0 reads the initial state: presence 0.6 / 0.6 = 1, money 0 / 0.5 = 0,
         * strain 0.4: S = 0.8 (1 - 0.4 sw) (1 - mw). */
        double s0 = 0.8 * (1.0 - 0.4 * sw) * (1.0 - mw);
        double got0 = synth_at(r, "regime_support", 0, CLI, -1);
        CHECK(fabs(got0 - s0) < 1e-12, "support, month 0: %.15g vs %.15g by hand", got0, s0);
        /* Month 1 reads month 0: the patron's commitment is 0.3 (no drawdown below the
         * strain threshold, then the movement), its reference stays the first 0.6:
         * presence 0.5; the economy's need is gdp x gap x pressure = 0, so money counts
         * fully; strain is the military model's month-0 value. */
        double c0 = synth_at(r, "commitment", 0, PAT, 0);
        double st0 = synth_at(r, "military_strain", 0, PAT, -1);
        double need0 = synth_at(r, "finance_need", 0, CLI, -1);
        CHECK(fabs(c0 - 0.3) < 1e-12 && need0 == 0.0 && st0 > 0.0 && st0 < 1.0,
              "the world as intended: commitment %g, need %g, strain %g", c0, need0, st0);
        double s1 = 0.8 * (1.0 - sw * st0) * ((1.0 - mw) * 0.5 + mw * 1.0);
        double got1 = synth_at(r, "regime_support", 1, CLI, -1);
        CHECK(fabs(got1 - s1) < 1e-12,
              "support, month 1 (presence against the reference in theater 0): %.15g vs %.15g",
              got1, s1);
        CHECK(synth_at(r, "regime_support", 1, OTH, -1) == 0.0 &&
                  synth_at(r, "regime_stability", 1, OTH, -1) == -1.0,
              "a non-client gets no support");
        ps_run_free(r);
    }
    synth_free(sc);
    ps_registry_use(NULL);
}

/* No stability shocks and no political shocks: a path worked out by hand. */
static void no_shocks(ps_scenario *sc)
{
    synth_param(sc, "clients", "shock_sd", 0.0);
    synth_param(sc, "clients", "political_shock_rate", 0.0);
}

/* One client C held by one patron P (patronage 1), clients model alone: no
 * commitment, strain, money or growth inputs, so S = the patronage. With
 * withdraw, P cuts its patronage to 0.1 in month 0 (acting from month 1).
 * shocks: 0 = no stability shocks, no political shocks. */
static ps_run *one_client(int withdraw, int shocks, int replicate, int months, ps_scenario **out)
{
    enum { PAT, CLI };
    int perm[2] = {PAT, CLI};
    ps_scenario *sc = synth_new("opposition", 2, perm, NULL, 0, 'Q', months, 5, 4, 2);
    synth_init(sc, "patronage", PAT, CLI, 1.0);
    synth_init(sc, "opposition_strength", CLI, -1, 0.4);
    if (withdraw)
        synth_event(sc, 0, "patronage", PAT, CLI, 0.1);
    if (!shocks)
        no_shocks(sc);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, replicate, 1, NULL, &r, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return r;
}

/* Hand-worked (defaults: own strength b = 0.25, adjust rate 0.1, threshold 0.25,
 * opposition_response 0.02, support_reference 0.8). Start: S = 1, o = 0.4,
 * x = 1.25 / 1.65 = 0.7576. Month 0 reads the start: o -> 0.4 + 0.02 (0.8 - 1) =
 * 0.396. From month 1 S = 0.1: o grows by 0.02 x 0.7 = 0.014 a month, o_t =
 * 0.396 + 0.014 (t - 1), the balance 0.35 / (0.35 + o_t) falls and x follows it
 * at 0.1 a month: x first drops below 0.25 in month 59 (o = 1.208, x = 0.2475,
 * by the recursion below). The old model's balance with o fixed at 0.4 stays at
 * 0.35 / 0.75 = 0.467: that regime never fell. With patrons staying, S = 1:
 * o shrinks by 0.004 a month to 0 (month 100) and x rises toward 1. */
static void test_opposition_by_hand(void)
{
    const ps_model *pipe[] = {&ps_model_clients, NULL};
    ps_registry_use(pipe);
    const double b = synth_default(&ps_model_clients, "own_strength");
    const double lam = synth_default(&ps_model_clients, "adjust_rate");
    const double th = synth_default(&ps_model_clients, "collapse_threshold");
    const double rho = synth_default(&ps_model_clients, "opposition_response");
    const double sref = synth_default(&ps_model_clients, "support_reference");
    CHECK(b == 0.25 && lam == 0.1 && th == 0.25 && rho == 0.02 && sref == 0.8,
          "the defaults the hand-worked values assume");
    /* The recursion by hand: collapse month. */
    double x = (b + 1.0) / (b + 1.0 + 0.4), o = 0.4, s = 1.0;
    int fall = -1;
    for (int t = 0; t < 240 && fall < 0; t++) {
        double xn = x + lam * ((b + s) / (b + s + o) - x);
        if (xn < th)
            fall = t;
        o += rho * (sref - s);
        x = xn;
        s = 0.1;
    }
    CHECK(fall == 59, "hand-worked collapse month %d (59 in the comment)", fall);
    ps_scenario *sc;
    /* A stability given in the config is kept at init, not replaced by the
     * balance (which only fills one not given): month 0 moves from 0.5 toward
     * the balance 1.25 / 1.65 by the adjust rate. */
    sc = synth_new("given", 2, (const int[]){0, 1}, NULL, 0, 'Q', 2, 5, 4, 1);
    synth_init(sc, "patronage", 0, 1, 1.0);
    synth_init(sc, "opposition_strength", 1, -1, 0.4);
    synth_init(sc, "regime_stability", 1, -1, 0.5);
    no_shocks(sc);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    if (r) {
        double want = 0.5 + lam * ((b + 1.0) / (b + 1.0 + 0.4) - 0.5);
        CHECK(fabs(synth_at(r, "regime_stability", 0, 1, -1) - want) < 1e-12,
              "given stability 0.5: month 0 %.15g, by hand %.15g",
              synth_at(r, "regime_stability", 0, 1, -1), want);
        ps_run_free(r);
    }
    synth_free(sc);
    r = one_client(1, 0, 0, 120, &sc);
    if (r) {
        int month = -1, c = collapses(r, &month);
        printf("patrons withdraw (patronage 1 -> 0.1), no shocks: collapse in month %d "
               "(by hand %d); opposition %.4f in month 30 (by hand %.4f)\n",
               month, fall, synth_at(r, "opposition_strength", 30, 1, -1), 0.396 + 0.014 * 30);
        CHECK(c == 1 && month == fall, "the client falls in month %d: %d events, month %d", fall,
              c, month);
        CHECK(fabs(synth_at(r, "opposition_strength", 0, 1, -1) - 0.396) < 1e-12 &&
                  fabs(synth_at(r, "opposition_strength", 30, 1, -1) - (0.396 + 0.014 * 30)) <
                      1e-12,
              "opposition grows by rho (S* - S) a month");
        ps_run_free(r);
    }
    synth_free(sc);
    r = one_client(0, 0, 0, 240, &sc);
    if (r) {
        int month = -1, mono = 1;
        for (int t = 1; t < 240; t++)
            mono &= synth_at(r, "opposition_strength", t, 1, -1) <=
                        synth_at(r, "opposition_strength", t - 1, 1, -1) &&
                    synth_at(r, "regime_stability", t, 1, -1) >=
                        synth_at(r, "regime_stability", t - 1, 1, -1);
        double o100 = synth_at(r, "opposition_strength", 100, 1, -1);
        printf("patrons stay, no shocks: opposition %.4f in month 50 (by hand %.4f), %.4f in "
               "month 100; stability %.4f at the end\n",
               synth_at(r, "opposition_strength", 50, 1, -1), 0.4 - 0.004 * 51, o100,
               synth_at(r, "regime_stability", 239, 1, -1));
        CHECK(collapses(r, &month) == 0, "a client whose patrons stay does not fall");
        CHECK(mono && o100 < 1e-12 &&
                  fabs(synth_at(r, "opposition_strength", 50, 1, -1) - (0.4 - 0.004 * 51)) < 1e-12,
              "under strong support the opposition shrinks to 0 and stability rises");
        ps_run_free(r);
    }
    synth_free(sc);
    /* With stability and political shocks (defaults): the fall is uncertain in time. */
    enum { R = 100 };
    int n_fell = 0, n_stay = 0, lo = 1 << 30, hi = -1;
    double sum = 0.0;
    for (int k = 0; k < R; k++) {
        int month = -1;
        r = one_client(1, 1, k, 120, &sc);
        if (r && collapses(r, &month)) {
            n_fell++;
            sum += month;
            lo = month < lo ? month : lo;
            hi = month > hi ? month : hi;
        }
        ps_run_free(r);
        synth_free(sc);
        r = one_client(0, 1, k, 120, &sc);
        if (r)
            n_stay += collapses(r, &month) > 0;
        ps_run_free(r);
        synth_free(sc);
    }
    printf("with shocks, %d replicates over 10 years: patrons withdraw: %d fall, months %d..%d "
           "(mean %.1f); patrons stay: %d fall\n",
           R, n_fell, lo, hi, n_fell ? sum / n_fell : NAN, n_stay);
    CHECK(n_fell >= 95 && hi - lo >= 12, "withdrawn patrons: the regime falls, at uncertain times");
    CHECK(n_stay <= 10 && n_stay < n_fell / 5,
          "patrons that stay: the regime rarely falls (political shocks alone)");
    ps_registry_use(NULL);
}

/* The old fixed-opposition model, recomputed from its equations with the
 * stability shocks of its stream (31): with the new rates at 0 the run must be
 * that model bit for bit (the opposition constant, stability equal). */
static int old_model_exact(const runs *x, int reps)
{
    const ps_scenario *sc = x->sc;
    int cli = ps_scenario_actor(sc, "CLI"), n = sc->n_actors, T = sc->n_months, ok = 1;
    const double own = synth_default(&ps_model_clients, "own_strength");
    const double lam = synth_default(&ps_model_clients, "adjust_rate");
    const double sd = synth_default(&ps_model_clients, "shock_sd");
    const double th = synth_default(&ps_model_clients, "collapse_threshold");
    ps_world fake = {.sc = sc};
    ps_rng *rng = ps_rng_alloc();
    for (int r = 0; r < reps && rng; r++) {
        const ps_run *u = x->run[r];
        double o = actor_at(u, "opposition_strength", cli, 0);
        double s0 = actor_at(u, "regime_support", cli, 0);
        double xv = (own + s0) / ((own + s0) + o);
        int gone = 0;
        for (int t = 0; t < T; t++) {
            ok &= actor_at(u, "opposition_strength", cli, t) == o;
            if (gone) {
                ok &= actor_at(u, "regime_stability", cli, t) == 0.0;
                continue;
            }
            double s = actor_at(u, "regime_support", cli, t), num = own + s;
            gsl_rng *g = ps_rng_key(rng, sc->seed, r, t, ps_world_actor_key(&fake, cli), 31u);
            double xn = xv + lam * (num / (num + o) - xv) + gsl_ran_gaussian(g, sd);
            xn = xn < 0.0 ? 0.0 : xn > 1.0 ? 1.0 : xn;
            if (xn < th) {
                xn = 0.0;
                gone = 1;
            }
            ok &= actor_at(u, "regime_stability", cli, t) == xn;
            xv = xn;
        }
    }
    ps_rng_free(rng);
    (void)n;
    return ok && rng;
}

/* Foreign backing of the opposition (docs/ODD.md, clients): the balance is
 * (b + S) / (b + S + o + B), B = sum_j Q_ji (1 - strain_weight strain_j). The
 * client C is the first actor (an event may name it); its patron P gives
 * patronage 1 unstrained (S = 1: no theater, no financing need); the backer K
 * backs C's opposition at 0.5 with strain 0.4 in the initial state. No
 * shocks; C's stability is given as 0.5, so month 0 moves it by the adjust
 * rate toward the balance of the initial state. A patronage event naming C
 * in month 0 (the same 1) is accepted. */
static void test_backing_by_hand(void)
{
    const double b = synth_default(&ps_model_clients, "own_strength");
    const double lam = synth_default(&ps_model_clients, "adjust_rate");
    const double sw = synth_default(&ps_model_clients, "strain_weight");
    const ps_model *pipe[] = {&ps_model_economy, &ps_model_military, &ps_model_clients, NULL};
    ps_registry_use(pipe);
    enum { CLI, PAT, BAK };
    double x0[2];
    for (int backed = 0; backed < 2; backed++) {
        ps_scenario *sc = synth_new("backing", 3, (const int[]){CLI, PAT, BAK}, NULL, 0, 'K', 2,
                                    3, 16, 2);
        synth_init(sc, "patronage", PAT, CLI, 1.0);
        synth_init(sc, "opposition_strength", CLI, -1, 0.4);
        synth_init(sc, "regime_stability", CLI, -1, 0.5);
        synth_init(sc, "military_capacity", BAK, -1, 100e9);
        synth_init(sc, "military_strain", BAK, -1, 0.4);
        if (backed)
            synth_init(sc, "opposition_backing", BAK, CLI, 0.5);
        no_shocks(sc);
        synth_event(sc, 0, "patronage", PAT, CLI, 1.0);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run (backed %d): %s", backed,
              err.msg);
        x0[backed] = r ? synth_at(r, "regime_stability", 0, CLI, -1) : NAN;
        CHECK(!r || synth_at(r, "regime_support", 0, CLI, -1) == 1.0, "support 1");
        ps_run_free(r);
        synth_free(sc);
    }
    double B = 0.5 * (1.0 - sw * 0.4);
    double want[2] = {0.5 + lam * ((b + 1.0) / (b + 1.4) - 0.5),
                      0.5 + lam * ((b + 1.0) / (b + 1.4 + B) - 0.5)};
    for (int k = 0; k < 2; k++)
        CHECK(fabs(x0[k] - want[k]) < 1e-12, "%s: stability %.15g, by hand %.15g",
              k ? "backed opposition" : "no backing", x0[k], want[k]);
    /* Nobody on either side (no own strength, a patron at full strain whose
     * support strain_weight 1 takes away, no opposition): the balance 0 / 0
     * counts as 1, a regime nobody opposes holds: 0.5 moves toward 1. */
    ps_scenario *sc = synth_new("empty", 3, (const int[]){CLI, PAT, BAK}, NULL, 0, 'K', 2, 3, 16, 2);
    synth_init(sc, "patronage", PAT, CLI, 1.0);
    synth_init(sc, "regime_stability", CLI, -1, 0.5);
    synth_init(sc, "military_capacity", PAT, -1, 100e9);
    synth_init(sc, "military_strain", PAT, -1, 1.0);
    synth_param(sc, "clients", "own_strength", 0.0);
    synth_param(sc, "clients", "strain_weight", 1.0);
    no_shocks(sc);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    if (r)
        CHECK(synth_at(r, "regime_support", 0, CLI, -1) == 0.0 &&
                  fabs(synth_at(r, "regime_stability", 0, CLI, -1) - (0.5 + lam * 0.5)) < 1e-12,
              "0 / 0: support %g, stability %.15g", synth_at(r, "regime_support", 0, CLI, -1),
              synth_at(r, "regime_stability", 0, CLI, -1));
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
}

/* The summary metric syr_regime_stability_2025 is the mean of Syria's
 * stability over the twelve months of 2025, wherever SYR sits in the list
 * (here second, after its patron), and NaN when the run has no SYR. */
static void test_syria_metric(void)
{
    const ps_model *pipe[] = {&ps_model_clients, NULL};
    ps_registry_use(pipe);
    for (int named = 0; named < 2; named++) {
        static const char *const iso3[] = {"RUS", "SYR"};
        ps_scenario *sc = synth_new("syria", 2, (const int[]){0, 1}, named ? iso3 : NULL, 2, 'S',
                                    49, 9, 4, 1); /* 2022-01 .. 2026-01 */
        synth_init(sc, "patronage", 0, 1, 0.9);
        synth_init(sc, "opposition_strength", 1, -1, 0.6);
        ps_run *r = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
        if (r) {
            double sum = 0.0;
            for (int t = 36; t < 48; t++) /* 2025-01 .. 2025-12 */
                sum += synth_at(r, "regime_stability", t, 1, -1);
            double got = synth_metric(r, "syr_regime_stability_2025");
            CHECK(named ? fabs(got - sum / 12.0) < 1e-12 && got > 0.0 : isnan(got),
                  "%s: metric %.15g, mean of 2025 %.15g", named ? "SYR second" : "no SYR", got,
                  sum / 12.0);
        }
        ps_run_free(r);
        synth_free(sc);
    }
    ps_registry_use(NULL);
}

int main(void)
{
    test_support_by_hand();
    test_backing_by_hand();
    test_syria_metric();
    test_opposition_by_hand();
    static runs free_, strained;
    if (load_and_run("client_free_patrons.yaml", NULL, REPS, &free_) ||
        load_and_run("client_strained_patrons.yaml", NULL, REPS, &strained))
        return 1;
    const int cli = ps_scenario_actor(free_.sc, "CLI"), T = free_.sc->n_months;
    int n = free_.sc->n_actors;

    /* Synthetic check: collapse frequencies. */
    int k[2] = {0, 0}, once = 1, absorbing = 1, fill = 1, paired = 1, counted = 1;
    for (int s = 0; s < 2; s++) {
        runs *x = s ? &strained : &free_;
        for (int r = 0; r < REPS; r++) {
            const ps_run *u = x->run[r];
            int month = -1, c = collapses(u, &month);
            once &= c <= 1;
            counted &= synth_metric(u, "regimes_collapsed") == (double)(c > 0); /* one client */
            k[s] += c > 0;
            for (int t = 0; t < T; t++) {
                double st = actor_at(u, "regime_stability", cli, t);
                if (c && t >= month)
                    absorbing &= st == 0.0 && actor_at(u, "regime_collapsed", cli, t) == 1.0;
                else
                    absorbing &= st > 0.0 && actor_at(u, "regime_collapsed", cli, t) == 0.0;
                for (int i = 0; i < n; i++)
                    if (i != cli)
                        fill &= actor_at(u, "regime_stability", i, t) == -1.0 &&
                                actor_at(u, "regime_support", i, t) == 0.0;
                if (s)
                    paired &= st <= actor_at(free_.run[r], "regime_stability", cli, t) + 1e-12;
            }
        }
    }
    double lo[2], hi[2];
    for (int s = 0; s < 2; s++)
        rep_wilson(k[s], REPS, &lo[s], &hi[s]);
    double p0 = (double)k[0] / REPS, p1 = (double)k[1] / REPS;
    double dlo = (p1 - p0) - sqrt((p1 - lo[1]) * (p1 - lo[1]) + (hi[0] - p0) * (hi[0] - p0));
    double dhi = (p1 - p0) + sqrt((hi[1] - p1) * (hi[1] - p1) + (p0 - lo[0]) * (p0 - lo[0]));
    double s0 = 0.0, s1 = 0.0;
    int t_mid = ps_date_diff((ps_date){2032, 1}, free_.sc->start);
    for (int r = 0; r < REPS; r++) {
        s0 += actor_at(free_.run[r], "regime_support", cli, t_mid);
        s1 += actor_at(strained.run[r], "regime_support", cli, t_mid);
    }
    printf("regime collapse by %d-12, free patrons:     %3d/%d = %.2f  95%% [%.2f, %.2f]\n",
           free_.sc->end.year, k[0], REPS, p0, lo[0], hi[0]);
    printf("regime collapse by %d-12, strained patrons: %3d/%d = %.2f  95%% [%.2f, %.2f]\n",
           strained.sc->end.year, k[1], REPS, p1, lo[1], hi[1]);
    printf("difference (strained - free): %+.2f  95%% [%+.2f, %+.2f]\n", p1 - p0, dlo, dhi);
    printf("mean external support in 2032-01: free %.2f, strained %.2f\n", s0 / REPS, s1 / REPS);
    CHECK(dlo > 0.0, "strained patrons: collapse more often (difference interval above 0)");
    CHECK(lo[1] > hi[0], "the two 95%% intervals do not overlap");
    CHECK(k[1] > 0 && k[1] < REPS, "collapse is stochastic: some strained runs collapse, some do not");
    CHECK(once, "at most one regime_collapse event per run (absorbing)");
    CHECK(counted, "/summary's regimes_collapsed counts the fallen regime at the end");
    CHECK(absorbing, "a collapsed regime stays at stability 0, flagged; before it, stability > 0");
    CHECK(fill, "non-clients carry regime_stability -1 and support 0 in every month");
    CHECK(paired, "paired replicates: the strained client's stability never exceeds the free one's");
    CHECK(s1 < s0, "patrons strained elsewhere give less support");
    free_runs(&free_, REPS);
    free_runs(&strained, REPS);

    /* Without shocks: a stronger opposition lowers stability; a patronage event makes a client. */
    static runs weak, strong, adopt;
    static const char *const set_weak[] = {"parameters.clients.shock_sd=0", NULL};
    static const char *const set_strong[] = {"parameters.clients.shock_sd=0",
                                             "actors.CLI.opposition_strength=1.5", NULL};
    static const char *const set_adopt[] = {
        "+timeline.adopt={date: 2030-06, type: patronage, source: PAA, target: WAR, magnitude: 0.4}",
        NULL};
    if (load_and_run("client_free_patrons.yaml", set_weak, 1, &weak) ||
        load_and_run("client_free_patrons.yaml", set_strong, 1, &strong) ||
        load_and_run("client_free_patrons.yaml", set_adopt, 1, &adopt))
        return 1;
    double xw = actor_at(weak.run[0], "regime_stability", cli, 30);
    double xs = actor_at(strong.run[0], "regime_stability", cli, 30);
    printf("no shocks, 2032-07: stability %.3f (opposition 0.8), %.3f (opposition 1.5)\n", xw, xs);
    CHECK(xs < xw, "a stronger opposition lowers stability");
    int war = ps_scenario_actor(adopt.sc, "WAR");
    double before = actor_at(adopt.run[0], "regime_stability", war, 4);
    double after = actor_at(adopt.run[0], "regime_stability", war, 6);
    printf("WAR before/after becoming a client: %.3f / %.3f\n", before, after);
    CHECK(before == -1.0 && after >= 0.0 && after <= 1.0,
          "an actor becomes a client (stability in [0, 1]) once a patronage event names it");
    free_runs(&weak, 1);
    free_runs(&strong, 1);
    free_runs(&adopt, 1);

    /* The new rates at 0: the old model exactly (strained patrons: collapses happen). */
    static runs old;
    static const char *const set_old[] = {"parameters.clients.opposition_response=0",
                                          "parameters.clients.weakness_response=0",
                                          "parameters.clients.political_shock_rate=0", NULL};
    if (load_and_run("client_strained_patrons.yaml", set_old, REPS, &old))
        return 1;
    int k_old = 0;
    for (int r = 0; r < REPS; r++) {
        int month;
        k_old += collapses(old.run[r], &month) > 0;
    }
    printf("new rates 0 (the fixed opposition of the old model), strained patrons: %d/%d "
           "collapse\n", k_old, REPS);
    CHECK(old_model_exact(&old, REPS) && k_old > 0,
          "rates 0: opposition constant and stability equal to the old recursion bit for bit");
    free_runs(&old, REPS);
    return CHECK_DONE();
}
