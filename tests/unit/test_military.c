/* Military model: strain from a war in one theater draws an actor down in
 * another, and an actor with an interest there fills the vacuum (SF3:
 * "Under Ukraine strain Russia's commitment in Syria falls and Iran's
 * influence there rises"). Synthetic scenario built in code: actors R, I, U,
 * S; theaters "front" (host U) and "proxy" (host S). Also: supply that grows
 * with paid orders, and never for orders placed with an enemy; wars that end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

extern const ps_model ps_model_military;

enum { R, I, U, S, N_CORE };
enum { FRONT, PROXY, N_TH };
#define INVASION_MONTH 2

static const char *const core_iso[N_CORE] = {"RRR", "III", "UUU", "SSS"};

/* n >= 4 actors; logical actor k sits at position perm[k]. Actors beyond the
 * four core ones are small bystanders with a little interest in the proxy. */
static ps_scenario *scenario(int n, const int *perm, int invasion)
{
    ps_scenario *sc = synth_new("military", n, perm, core_iso, N_CORE, 'X', 24, 7,
                                64 + 6 * n, 8);
    static const char *const names[N_TH] = {"front", "proxy"};
    int hosts[N_TH] = {perm[U], perm[S]};
    synth_theaters(sc, N_TH, names, hosts);
    int r = perm[R], ir = perm[I], u = perm[U], s = perm[S];
    /* capacity (USD/yr): R large, I medium, U and S small */
    synth_init(sc, "military_capacity", r, -1, 60e9);
    synth_init(sc, "military_capacity", ir, -1, 20e9);
    synth_init(sc, "military_capacity", u, -1, 5e9);
    synth_init(sc, "military_capacity", s, -1, 2e9);
    /* interests, commitments, combat */
    synth_init(sc, "interest", r, FRONT, 1.0);
    synth_init(sc, "interest", r, PROXY, 0.5);
    synth_init(sc, "interest", ir, PROXY, 1.0);
    synth_init(sc, "interest", u, FRONT, 1.0);
    synth_init(sc, "interest", s, PROXY, 1.0);
    synth_init(sc, "commitment", r, PROXY, 0.3);
    synth_init(sc, "combat", r, PROXY, 0.3);
    synth_init(sc, "commitment", ir, PROXY, 0.2);
    synth_init(sc, "combat", ir, PROXY, 0.2);
    synth_init(sc, "commitment", u, FRONT, 0.3);
    synth_init(sc, "combat", u, FRONT, 0.05);
    synth_init(sc, "commitment", s, PROXY, 1.0);
    synth_init(sc, "combat", s, PROXY, 0.3);
    /* materiel (units/month): R fights a big war on little production; I has spare drones */
    synth_init(sc, "production_munitions", r, -1, 140);
    synth_init(sc, "wartime_use_munitions", r, -1, 900);
    synth_init(sc, "production_drones", r, -1, 50);
    synth_init(sc, "wartime_use_drones", r, -1, 500);
    synth_init(sc, "production_drones", ir, -1, 150);
    synth_init(sc, "wartime_use_drones", ir, -1, 200);
    synth_init(sc, "production_munitions", ir, -1, 30);
    synth_init(sc, "wartime_use_munitions", ir, -1, 300);
    for (int k = N_CORE; k < n; k++) {
        synth_init(sc, "military_capacity", perm[k], -1, 1e9 * (1 + k % 5));
        synth_init(sc, "interest", perm[k], PROXY, 0.1 * (k % 4));
        synth_init(sc, "commitment", perm[k], PROXY, 0.05 * (k % 3));
        synth_init(sc, "combat", perm[k], PROXY, 0.1);
        synth_init(sc, "gdp", perm[k], -1, 1e11 * (1 + k % 7));
    }
    if (invasion)
        synth_event(sc, INVASION_MONTH, "invasion", r, u, 0.8);
    /* The war goes on unless a test asks for the hazard (test_hazard, test_invariance). */
    synth_param(sc, "military", "ceasefire_hazard", 0.0);
    return sc;
}


static double at(const ps_run *run, const char *field, int t, int i, int th)
{
    int f = ps_field_index(field), n = run->sc->n_actors, nt = run->sc->n_theaters;
    const ps_field *fd = ps_registry_field(f, NULL);
    if (fd->shape == PS_THEATER)
        return run->series[f][(size_t)t * n * nt + (size_t)i * nt + th];
    if (fd->shape == PS_DYAD)
        return run->series[f][(size_t)t * n * n + (size_t)i * n + th];
    return run->series[f][(size_t)t * n + i];
}

static double param_default(const char *name)
{
    const ps_model *m = ps_registry_model(ps_registry_find("military"));
    for (int k = 0; k < m->n_params; k++)
        if (!strcmp(m->params[k].name, name))
            return m->params[k].def;
    return NAN;
}

static ps_run *run_or_die(const ps_scenario *sc, int threads)
{
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, threads, NULL, &run, &err);
    CHECK(st == PS_OK, "run: %s", err.msg);
    return st == PS_OK ? run : NULL;
}

/* SF3: strain in the front draws R out of the proxy; I's influence rises. */
static void test_drawdown_and_vacuum(void)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *war = scenario(N_CORE, id, 1), *peace = scenario(N_CORE, id, 0);
    ps_run *a = run_or_die(war, 1), *b = run_or_die(peace, 1);
    if (!a || !b)
        return;
    int has_arms = ps_field_index("arms_transfer_drones") >= 0;
    printf("month  R strain (ctl)   R proxy c (ctl)  I proxy c  I proxy infl (ctl)  "
           "R need mun  R need drn  I->R drones\n");
    for (int t = 0; t < war->n_months; t++)
        printf("%5d  %.3f (%.3f)    %.3f (%.3f)     %.3f      %.3f (%.3f)       %7.1f     %6.1f"
               "      %6.1f\n",
               t, at(a, "military_strain", t, R, 0), at(b, "military_strain", t, R, 0),
               at(a, "commitment", t, R, PROXY), at(b, "commitment", t, R, PROXY),
               at(a, "commitment", t, I, PROXY), at(a, "influence", t, I, PROXY),
               at(b, "influence", t, I, PROXY), at(a, "materiel_need_munitions", t, R, 0),
               at(a, "materiel_need_drones", t, R, 0),
               has_arms ? at(a, "arms_transfer_drones", t, I, R) : NAN);
    int t0 = INVASION_MONTH - 1, t1 = INVASION_MONTH + 1, t12 = INVASION_MONTH + 12;
    /* strain rises after the invasion, not without it */
    CHECK(at(a, "military_strain", t1, R, 0) > at(a, "military_strain", t0, R, 0) + 0.3,
          "R strain %g -> %g", at(a, "military_strain", t0, R, 0),
          at(a, "military_strain", t1, R, 0));
    CHECK(at(a, "military_strain", t1, R, 0) > 0.5, "R strain above threshold");
    CHECK(fabs(at(b, "military_strain", t1, R, 0) - at(b, "military_strain", t0, R, 0)) < 1e-12,
          "control strain flat");
    /* R's proxy commitment falls month after month */
    int falling = 1;
    for (int t = t1 + 1; t <= t12; t++)
        falling &= at(a, "commitment", t, R, PROXY) < at(a, "commitment", t - 1, R, PROXY);
    CHECK(falling, "R proxy commitment falls every month after the invasion");
    CHECK(at(a, "commitment", t12, R, PROXY) < 0.7 * 0.3, "R proxy commitment %g after a year",
          at(a, "commitment", t12, R, PROXY));
    double floor = 0.3 * param_default("retained_share"); /* x initial commitment */
    CHECK(at(a, "commitment", war->n_months - 1, R, PROXY) > floor,
          "R keeps more than the retained floor %g: %g", floor,
          at(a, "commitment", war->n_months - 1, R, PROXY));
    CHECK(at(a, "commitment", t1, R, FRONT) >= 0.8, "R front commitment kept (top interest)");
    CHECK(fabs(at(b, "commitment", t12, R, PROXY) - 0.3) < 1e-12, "control: R stays in proxy");
    /* I fills: commitment and influence in the proxy rise */
    CHECK(at(a, "commitment", t12, I, PROXY) > 0.2 + 0.05, "I proxy commitment %g",
          at(a, "commitment", t12, I, PROXY));
    CHECK(at(a, "influence", t12, I, PROXY) > at(a, "influence", t0, I, PROXY) + 0.1,
          "I proxy influence %g -> %g", at(a, "influence", t0, I, PROXY),
          at(a, "influence", t12, I, PROXY));
    /* Without the war only the budgets move, each with its own GDP's growth
     * (a constant burden): I's influence drifts by well under a point, and is
     * its commitment times last month's capacity over the theater's total. */
    CHECK(fabs(at(b, "influence", t12, I, PROXY) - at(b, "influence", t0, I, PROXY)) < 0.01,
          "control: I influence %g -> %g", at(b, "influence", t0, I, PROXY),
          at(b, "influence", t12, I, PROXY));
    double tot = 0.0;
    for (int i = 0; i < N_CORE; i++)
        tot += at(b, "commitment", t12, i, PROXY) * at(b, "military_capacity", t12 - 1, i, 0);
    double want = at(b, "commitment", t12, I, PROXY) * at(b, "military_capacity", t12 - 1, I, 0) / tot;
    CHECK(fabs(at(b, "influence", t12, I, PROXY) - want) < 1e-12 * want,
          "control: I influence %.15g vs %.15g",
          at(b, "influence", t12, I, PROXY), want);
    /* influence shares sum to 1 in each theater */
    for (int th = 0; th < N_TH; th++) {
        double sum = 0.0;
        for (int i = 0; i < N_CORE; i++)
            sum += at(a, "influence", t12, i, th);
        CHECK(fabs(sum - 1.0) < 1e-12, "influence sums to %g in theater %d", sum, th);
    }
    /* the host defends; U's strain is at the limit */
    CHECK(at(a, "commitment", t1, U, FRONT) == 1.0 && at(a, "combat", t1, U, FRONT) == 1.0,
          "host defends");
    /* materiel need appears with the war, not in peace */
    CHECK(at(a, "materiel_need_munitions", t0, R, 0) == 0.0 &&
              at(a, "materiel_need_munitions", t1, R, 0) > 100.0,
          "R munitions need %g -> %g", at(a, "materiel_need_munitions", t0, R, 0),
          at(a, "materiel_need_munitions", t1, R, 0));
    CHECK(at(b, "materiel_need_munitions", t12, R, 0) == 0.0, "control: no need");
    CHECK(at(a, "materiel_spare_drones", t1, I, 0) > 0.0, "I has spare drones %g",
          at(a, "materiel_spare_drones", t1, I, 0));
    /* metrics: peak strain */
    double pa = synth_metric(a, "peak_military_strain");
    double pb = synth_metric(b, "peak_military_strain");
    CHECK(pa > pb, "peak strain war %g > peace %g", pa, pb);
    ps_run_free(a);
    ps_run_free(b);
    synth_free(war);
    synth_free(peace);
}

/* Imports from the cooperation model's arms transfers cut the need one for one. */
static void test_imports(void)
{
    int fa = ps_field_index("arms_transfer_munitions");
    if (fa < 0) {
        printf("arms_transfer_munitions absent from the registry: import test skipped\n");
        return;
    }
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 0);
    int self = ps_registry_find("military");
    const ps_model *m = ps_registry_model(self);
    double need[2];
    for (int k = 0; k < 2; k++) {
        ps_world *w;
        ps_error err;
        CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
        int fc = ps_field_index("commitment"), fb = ps_field_index("combat");
        w->cur[fc][R * N_TH + FRONT] = 0.8; /* as after the invasion */
        w->cur[fb][R * N_TH + FRONT] = 0.8;
        w->cur[fa][I * N_CORE + R] = k ? 100.0 : 0.0; /* I -> R, thousand rounds/month */
        w->cur[fa][U * N_CORE + R] = k ? 50.0 : 0.0;  /* column sum = imports of R */
        CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
        need[k] = w->next[ps_field_index("materiel_need_munitions")][R];
        ps_world_free(w);
    }
    printf("R munitions need: %.1f without imports, %.1f with 150 imported (thousand rounds/month)\n",
           need[0], need[1]);
    /* consumption = 900 x (0.8 x 0.8 + 0.3 x 0.3) = 657; need = 657 - 140 - imports */
    CHECK(fabs(need[0] - 517.0) < 1e-9, "need %g", need[0]);
    CHECK(fabs(need[1] - 367.0) < 1e-9, "need with imports %g", need[1]);
    synth_free(sc);
}

/* Events: ceasefire, intervention, troop movement; a target hosting no theater is an error. */
static void test_events(void)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 1);
    synth_event(sc, 4, "ceasefire", R, U, 0.75);
    synth_event(sc, 5, "military_intervention", I, U, 0.1);
    synth_event(sc, 6, "troop_movement", R, S, -0.05);
    ps_run *a = run_or_die(sc, 1);
    if (a) {
        CHECK(fabs(at(a, "combat", 4, R, FRONT) - 0.2) < 1e-12, "ceasefire: R combat %g",
              at(a, "combat", 4, R, FRONT));
        CHECK(fabs(at(a, "combat", 4, U, FRONT) - 0.25) < 1e-12, "ceasefire: U combat %g",
              at(a, "combat", 4, U, FRONT));
        CHECK(at(a, "commitment", 5, I, FRONT) == 0.1 && at(a, "combat", 5, I, FRONT) == 0.5,
              "intervention: %g %g", at(a, "commitment", 5, I, FRONT), at(a, "combat", 5, I, FRONT));
        /* troop movement in month 6 on top of month 6's drawdown */
        double before = at(a, "commitment", 5, R, PROXY), after = at(a, "commitment", 6, R, PROXY);
        CHECK(after < before - 0.05 + 1e-12, "movement: %g -> %g", before, after);
        ps_run_free(a);
    }
    /* strain falls after the ceasefire (less combat) */
    sc->n_events = 0;
    synth_event(sc, 3, "invasion", U, R, 0.5); /* R hosts no theater */
    ps_run *b = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_run_replicate(sc, 0, 1, NULL, &b, &err);
    CHECK(st == PS_ERR_CONFIG && strstr(err.msg, "no theater lies in target RRR"), "status %d: %s",
          st, err.msg);
    printf("error for a target without a theater: %s\n", err.msg);
    ps_run_free(b);
    synth_free(sc);
}

static int theater_series_equal(const ps_run *a, const ps_run *b, const int *perm, int n)
{
    double worst = 0.0;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        int owner;
        const ps_field *fd = ps_registry_field(f, &owner);
        if (strcmp(ps_registry_model(owner)->name, "military"))
            continue;
        for (int t = 0; t < a->n_months; t++)
            for (int k = 0; k < n; k++)
                for (int th = 0; th < (fd->shape == PS_THEATER ? N_TH : 1); th++) {
                    double x = at(a, fd->name, t, k, th), y = at(b, fd->name, t, perm[k], th);
                    worst = fmax(worst, fabs(x - y) / fmax(1e-300, fabs(x) + fabs(y)));
                }
    }
    return worst < 1e-12;
}

/* Results follow the actors, not their positions; threads do not change bits. */
static void test_invariance(void)
{
    enum { N = 70 };
    int id[N], rev[N];
    for (int k = 0; k < N; k++) {
        id[k] = k;
        rev[k] = N - 1 - k;
    }
    ps_scenario *a = scenario(N_CORE, id, 1), *b = scenario(N_CORE, (int[]){3, 2, 1, 0}, 1);
    ps_run *ra = run_or_die(a, 1), *rb = run_or_die(b, 1);
    if (ra && rb)
        CHECK(theater_series_equal(ra, rb, (int[]){3, 2, 1, 0}, N_CORE),
              "reversed actor list changes military results");
    ps_run_free(ra);
    ps_run_free(rb);
    synth_free(a);
    synth_free(b);

    ps_scenario *big = scenario(N, id, 1), *bigrev = scenario(N, rev, 1);
    /* with wars that may end by chance: the draws follow the actors too */
    synth_param(big, "military", "ceasefire_hazard", 0.1);
    synth_param(bigrev, "military", "ceasefire_hazard", 0.1);
    ps_run *r1 = run_or_die(big, 1), *r3 = run_or_die(big, 3), *rr = run_or_die(bigrev, 2);
    if (r1 && r3 && rr) {
        int same = 1;
        for (int f = 0; f < ps_registry_n_fields(); f++) {
            size_t size = (size_t)N * (ps_registry_field(f, NULL)->shape == PS_DYAD ? N
                                       : ps_registry_field(f, NULL)->shape == PS_THEATER ? N_TH
                                                                                         : 1);
            same &= memcmp(r1->series[f], r3->series[f], size * big->n_months * sizeof(double)) == 0;
        }
        CHECK(same, "series differ between 1 and 3 inner threads (N = %d)", N);
        CHECK(theater_series_equal(r1, rr, rev, N), "reversed 70-actor list changes results");
        CHECK(at(r1, "commitment", 14, R, PROXY) < 0.3, "big run: R draws down (%g)",
              at(r1, "commitment", 14, R, PROXY));
    }
    ps_run_free(r1);
    ps_run_free(r3);
    ps_run_free(rr);
    synth_free(big);
    synth_free(bigrev);
}

/* The war's age (internal military_war_months, which the ceasefire hazard's
 * shape reads): stepping the invasion scenario world by world, R's count in
 * the front is 0 before the invasion and one more for every month at war. */
static void test_war_age(void)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 1);
    int f = ps_model_internal(ps_registry_find("military"), 1); /* military_war_months */
    CHECK(f >= 0 && !strcmp(ps_registry_field(f, NULL)->name, "military_war_months"),
          "internal field order");
    ps_world *w = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    int ok = 1, started = -1;
    for (int t = 0; w && t < INVASION_MONTH + 6; t++) {
        double before = w->cur[f][R * N_TH + FRONT];
        if (ps_world_step(w, &err) != PS_OK) {
            CHECK(0, "step %d: %s", t, err.msg);
            break;
        }
        double after = w->cur[f][R * N_TH + FRONT];
        if (after > 0.0 && started < 0)
            started = t;
        ok &= after == (after > 0.0 ? before + 1.0 : 0.0);
    }
    CHECK(ok && started >= 0 && started <= INVASION_MONTH + 1,
          "war months count up by one a month at war (first at month %d)", started);
    ps_world_free(w);
    synth_free(sc);
}

/* An actor without capacity deploys nothing (docs/ODD.md, military: vacuum
 * filling is per unit of capacity, so it is skipped, not 0/0). H hosts the one
 * theater, has an interest there and no capacity; R (capacity 10bn) keeps 0.4
 * there without combat: its strain 0.4 x strain_deploy stays below the
 * threshold, nothing is drawn down or vacated. By hand, every month: H's
 * commitment 0, R's 0.4; influence R = 0.4 x 10bn / (0.4 x 10bn) = 1, H 0.
 * Without the damage model nothing is destroyed, so R's plant works whole: it
 * makes 30 thousand rounds a month and, fighting nowhere (consumption 0),
 * offers 30 x (1 - reserve_share) of them, 24 at the default 0.2. */
static void test_no_capacity(void)
{
    const ps_model *pipe[] = {&ps_model_military, NULL};
    ps_registry_use(pipe);
    CHECK(0.4 * param_default("strain_deploy") < param_default("strain_threshold"), "defaults");
    enum { HOST, RR };
    int perm[2] = {HOST, RR};
    ps_scenario *sc = synth_new("military", 2, perm, NULL, 0, 'M', 3, 7, 8, 1);
    static const char *const names[1] = {"home"};
    int hosts[1] = {HOST};
    synth_theaters(sc, 1, names, hosts);
    synth_init(sc, "military_capacity", RR, -1, 10e9);
    synth_init(sc, "commitment", RR, 0, 0.4);
    synth_init(sc, "interest", HOST, 0, 1.0);
    synth_init(sc, "interest", RR, 0, 0.5);
    synth_init(sc, "production_munitions", RR, -1, 30.0);
    /* Without the cooperation model there are no orders: nothing is built,
     * whatever share of it would be licensed. */
    synth_param(sc, "military", "licensed_share", 1.0);
    ps_run *r = run_or_die(sc, 1);
    for (int t = 0; r && t < 3; t++)
        CHECK(at(r, "production_added_munitions", t, RR, -1) == 0.0 &&
                  at(r, "arms_investment", t, RR, -1) == 0.0,
              "month %d: no orders, nothing built (%g)", t,
              at(r, "production_added_munitions", t, RR, -1));
    const double spare = 30.0 * (1.0 - param_default("reserve_share"));
    for (int t = 1; r && t < 3; t++)
        CHECK(fabs(at(r, "materiel_spare_munitions", t, RR, 0) - spare) < 1e-12,
              "month %d: R offers %g rounds, by hand %g", t,
              at(r, "materiel_spare_munitions", t, RR, 0), spare);
    for (int t = 0; r && t < 3; t++) {
        CHECK(at(r, "commitment", t, HOST, 0) == 0.0 && at(r, "influence", t, HOST, 0) == 0.0,
              "month %d: no capacity, no commitment (%g)", t, at(r, "commitment", t, HOST, 0));
        CHECK(fabs(at(r, "commitment", t, RR, 0) - 0.4) < 1e-15 &&
                  fabs(at(r, "influence", t, RR, 0) - 1.0) < 1e-15,
              "month %d: R keeps 0.4 and all the influence (%g, %g)", t,
              at(r, "commitment", t, RR, 0), at(r, "influence", t, RR, 0));
    }
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
}


/* The two Syria metrics against the series they summarise: Russia's
 * commitment and Iran's influence in "syria", mean over 2023 minus the mean
 * before 2022-02 (here month 0 alone, 2022-01), recomputed from the run's
 * series. The military step alone; R holds 0.5 in Syria with a war at home
 * that draws it down, I (interest 1 in Syria) fills what R leaves. */
static double syria_mean(const ps_run *r, const char *field, int i, int t0, int t1)
{
    double s = 0.0;
    for (int t = t0; t < t1; t++)
        s += at(r, field, t, i, 1);
    return s / (t1 - t0);
}

static void test_syria_metrics(void)
{
    const ps_model *pipe[] = {&ps_model_military, NULL};
    ps_registry_use(pipe);
    enum { RUS, IRN, SYR, UKR };
    int perm[4] = {RUS, IRN, SYR, UKR};
    static const char *const iso[4] = {"RUS", "IRN", "SYR", "UKR"};
    ps_scenario *sc = synth_new("military", 4, perm, iso, 4, 'M', 24, 7, 16, 1);
    static const char *const names[2] = {"ukraine", "syria"};
    int hosts[2] = {UKR, SYR};
    synth_theaters(sc, 2, names, hosts);
    synth_init(sc, "military_capacity", RUS, -1, 60e9);
    synth_init(sc, "military_capacity", IRN, -1, 20e9);
    synth_init(sc, "military_capacity", UKR, -1, 10e9);
    synth_init(sc, "commitment", RUS, 1, 0.5);
    synth_init(sc, "commitment", RUS, 0, 0.8);
    synth_init(sc, "commitment", UKR, 0, 1.0);
    synth_init(sc, "combat", RUS, 0, 1.0);
    synth_init(sc, "combat", UKR, 0, 1.0);
    synth_init(sc, "interest", RUS, 0, 1.0);
    synth_init(sc, "interest", RUS, 1, 0.3);
    synth_init(sc, "interest", IRN, 1, 1.0);
    synth_init(sc, "interest", SYR, 1, 1.0);
    synth_init(sc, "interest", UKR, 0, 1.0);
    ps_run *r = run_or_die(sc, 1);
    if (r) {
        double dc = syria_mean(r, "commitment", RUS, 12, 24) -
                    syria_mean(r, "commitment", RUS, 0, 1);
        double di = syria_mean(r, "influence", IRN, 12, 24) - syria_mean(r, "influence", IRN, 0, 1);
        double mc = synth_metric(r, "rus_syria_commitment_change");
        double mi = synth_metric(r, "irn_syria_influence_change");
        printf("syria metrics: commitment change %g (series %g), influence change %g (series %g)\n",
               mc, dc, mi, di);
        CHECK(fabs(mc - dc) < 1e-12, "rus_syria_commitment_change %g, from the series %g", mc, dc);
        CHECK(fabs(mi - di) < 1e-12, "irn_syria_influence_change %g, from the series %g", mi, di);
        CHECK(dc < 0.0 && di > 0.0, "R draws down in Syria (%g), I gains there (%g)", dc, di);
    }
    ps_run_free(r);
    synth_free(sc);
    ps_registry_use(NULL);
}

/* Issue 16, supply that grows with paid orders. The military step alone, its
 * inputs set by hand each month as the cooperation model would: I makes 30
 * thousand rounds a month (room for expansion_max x 30 = 60 more); R asks it
 * for D = 40 more than its spare, and each month's backorder is what I's
 * added capacity does not yet cover, max(0, D - added). The supply line keeps
 * under construction what the gap needs and nothing more (started 40 in month
 * 0, then none: building + added = 40), and 1/L of it comes online each month:
 *   added(0) = added(1) = 0, added(k) = 40 (1 - (1 - 1/L)^(k-1)) for k >= 1,
 * L = build_lag = 12: added(2) = 3.3333, added(13) = 40 (1 - (11/12)^12) = 25.92.
 * Investment in month k: 12 x capacity_capital (12) x price (2e6 USD per
 * thousand rounds) x done, done = (40/12) (11/12)^(k-2): 9.6e8 USD/yr in month 2.
 * R pays with arms_import_budget (0.1) x its military expenditure: 0.1 x 60e9
 * = 6e9 USD/yr against a bill of 12 x 2e6 x 40 = 9.6e8, so its orders are
 * paid in full; with no expenditure (and no oil or finance) they are not paid
 * and nothing is built. */
static void grow(double capacity_r, double lag, double added[], double invest[], double paid[],
                 int months)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 0);
    synth_init(sc, "military_capacity", R, -1, capacity_r);
    synth_param(sc, "military", "build_lag", lag);
    int self = ps_registry_find("military");
    const ps_model *m = ps_registry_model(self);
    int fb = ps_field_index("arms_backorder_munitions");
    int fa = ps_field_index("production_added_munitions");
    int fi = ps_field_index("arms_investment"), fp = ps_field_index("arms_paid_share");
    int fbuild = ps_model_internal(self, 2 + 1); /* military_building_munitions */
    CHECK(!strcmp(ps_registry_field(fbuild, NULL)->name, "military_building_munitions"),
          "internal field order");
    ps_world *w;
    ps_error err;
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    for (int t = 0; t < months; t++) {
        w->cur[fb][I * N_CORE + R] = fmax(0.0, 40.0 - w->cur[fa][I]);
        CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
        w->cur[fa][I] = w->next[fa][I];
        w->cur[fbuild][I] = w->next[fbuild][I];
        w->month++;
        added[t + 1] = w->cur[fa][I];
        invest[t + 1] = w->next[fi][I];
        paid[t + 1] = w->next[fp][R];
    }
    added[0] = invest[0] = 0.0;
    ps_world_free(w);
    synth_free(sc);
}

static void test_supply_growth(void)
{
    if (ps_field_index("arms_backorder_munitions") < 0) {
        printf("arms_backorder_munitions absent from the registry: supply test skipped\n");
        return;
    }
    enum { M = 14 };
    double added[M + 1], invest[M + 1], paid[M + 1];
    grow(60e9, 12.0, added, invest, paid, M);
    printf("paid orders of 40, lag 12: month, added capacity, investment (USD/yr), paid share\n");
    for (int t = 0; t <= M; t++)
        printf("  %2d  %8.4f  %.4g  %.3f\n", t, added[t], invest[t], t ? paid[t] : NAN);
    CHECK(added[1] == 0.0, "nothing comes online in the month the building starts (%g)", added[1]);
    CHECK(fabs(added[2] - 40.0 / 12.0) < 1e-12, "month 2: %g", added[2]);
    double hand13 = 40.0 * (1.0 - pow(11.0 / 12.0, 12));
    CHECK(fabs(added[13] - hand13) < 1e-9, "month 13: %g, by hand %g", added[13], hand13);
    CHECK(added[13] < 40.0 && added[M] > added[M - 1], "grows toward the paid gap, not past it");
    CHECK(fabs(invest[2] - 12.0 * 12.0 * 2e6 * 40.0 / 12.0) < 1e-3, "investment %g", invest[2]);
    CHECK(paid[3] == 1.0, "orders paid in full (%g)", paid[3]);
    /* a shorter lag: everything started in month 0 is online in month 2 */
    grow(60e9, 1.0, added, invest, paid, 4);
    CHECK(added[1] == 0.0 && fabs(added[2] - 40.0) < 1e-12 && fabs(added[4] - 40.0) < 1e-12,
          "lag 1: %g %g %g", added[1], added[2], added[4]);
    /* no means of payment: no capacity */
    grow(0.0, 12.0, added, invest, paid, M);
    CHECK(paid[1] == 0.0, "buyer without means pays %g", paid[1]);
    int none = 1;
    for (int t = 0; t <= M; t++)
        none &= added[t] == 0.0 && invest[t] == 0.0;
    CHECK(none, "unpaid orders build no capacity (month 13: %g)", added[13]);
}

/* Orders between enemies build nothing. With licensed_share 1 a buyer builds
 * capacity for its own paid backorders at sellers it is not at war with: R
 * (production 140, paid in full) with a backorder of 40 at I starts 40 under
 * construction in one step; the same backorder at U, whose theater R and U
 * fight in (combat 1 each), is masked and starts nothing. */
static double building_at(int seller, int war, double licensed, int who)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 0);
    synth_param(sc, "military", "licensed_share", licensed);
    int self = ps_registry_find("military");
    const ps_model *m = ps_registry_model(self);
    int fb = ps_field_index("arms_backorder_munitions"), fc = ps_field_index("combat");
    int fbuild = ps_model_internal(self, 2 + 1); /* military_building_munitions */
    ps_world *w;
    ps_error err;
    double b = NAN;
    CHECK(ps_world_create(sc, 0, &w, &err) == PS_OK, "world: %s", err.msg);
    if (w) {
        if (war)
            w->cur[fc][R * N_TH + FRONT] = w->cur[fc][U * N_TH + FRONT] = 1.0;
        w->cur[fb][seller * N_CORE + R] = 40.0;
        CHECK(m->step(w, self, w->model_data[self], &err) == PS_OK, "step: %s", err.msg);
        b = w->next[fbuild][who];
        ps_world_free(w);
    }
    synth_free(sc);
    return b;
}

static double building_after(int seller, int war) { return building_at(seller, war, 1.0, R); }

static void test_no_orders_from_enemies(void)
{
    if (ps_field_index("arms_backorder_munitions") < 0)
        return;
    CHECK(fabs(building_after(I, 1) - 40.0) < 1e-12, "backorder at a seller at peace: %g under "
          "construction", building_after(I, 1));
    CHECK(fabs(building_after(U, 0) - 40.0) < 1e-12, "at U before the war: %g",
          building_after(U, 0));
    CHECK(building_after(U, 1) == 0.0, "at the enemy: %g", building_after(U, 1));
    /* licensed_share 0.25 splits the same paid gap: 30 at the seller I (room
     * 2 x 30 = 60), 10 at the buyer R. */
    CHECK(fabs(building_at(I, 0, 0.25, I) - 30.0) < 1e-12, "seller's share: %g",
          building_at(I, 0, 0.25, I));
    CHECK(fabs(building_at(I, 0, 0.25, R) - 10.0) < 1e-12, "licensed share: %g",
          building_at(I, 0, 0.25, R));
}

/* Issue 16, a war can end. The invasion acts in month 2 (state 2: R combat 0.8,
 * U 1); from month 3 the hazard is drawn for the war (R, U). Hazard 1 (no
 * strain or loss terms): the war ends in month 3, combat x (1 - 0.9):
 * R 0.08, U 0.1, logged as a drawn ceasefire. Hazard 0: never. Hazard 0.2:
 * over K replicates (keys) the share ended in month 3 is binomial(K, 0.2). */
static int ended_in(const ps_run *r)
{
    for (int t = INVASION_MONTH + 1; t < r->n_months; t++)
        if (at(r, "combat", t, R, FRONT) < 0.5)
            return t;
    return -1;
}

static ps_scenario *hazard_scenario(double h0, int months)
{
    int id[N_CORE] = {R, I, U, S};
    ps_scenario *sc = scenario(N_CORE, id, 1);
    synth_months(sc, months);
    synth_param(sc, "military", "ceasefire_hazard", h0);
    synth_param(sc, "military", "hazard_strain", 0.0);
    synth_param(sc, "military", "hazard_losses", 0.0);
    return sc;
}

static void test_hazard(void)
{
    ps_scenario *one = hazard_scenario(1.0, 6), *zero = hazard_scenario(0.0, 24);
    ps_run *a = run_or_die(one, 1), *b = run_or_die(zero, 1);
    if (a && b) {
        CHECK(at(a, "combat", 2, R, FRONT) == 0.8, "war on in month 2");
        CHECK(fabs(at(a, "combat", 3, R, FRONT) - 0.08) < 1e-15 &&
                  fabs(at(a, "combat", 3, U, FRONT) - 0.1) < 1e-15,
              "hazard 1 ends the war at once: R %g, U %g", at(a, "combat", 3, R, FRONT),
              at(a, "combat", 3, U, FRONT));
        int logged = 0;
        for (int e = 0; e < a->n_events; e++)
            logged += a->events[e].month == 3 && a->events[e].source == R &&
                      a->events[e].target == U && a->events[e].type ==
                      ps_registry_find_event_type("ceasefire");
        CHECK(logged == 1, "drawn ceasefire logged once (%d)", logged);
        CHECK(at(a, "combat", 5, R, FRONT) == at(a, "combat", 3, R, FRONT),
              "an ended war is not ended again (%g)", at(a, "combat", 5, R, FRONT));
        CHECK(ended_in(b) < 0, "hazard 0: the war never ends (month %d)", ended_in(b));
    }
    ps_run_free(a);
    ps_run_free(b);
    /* the hazard respects hazard_from_month */
    synth_param(one, "military", "hazard_from_month", 5);
    a = run_or_die(one, 1);
    CHECK(a && ended_in(a) == 5, "hazard from month 5: ends in month %d", a ? ended_in(a) : -9);
    ps_run_free(a);
    synth_free(one);
    synth_free(zero);

    /* Hazard 0.2 over K keys: the count ended in month 3 is binomial(K, 0.2);
     * mean 0.2 K, sd sqrt(0.16 K); accept within 4 sd (a false alarm once in
     * ~16,000 seeds; this seed is fixed, so the test is deterministic). Each
     * replicate runs with 1 and 2 inner threads: identical series. */
    enum { K = 400 };
    ps_scenario *q = hazard_scenario(0.2, 5);
    int count = 0, same = 1;
    for (int r = 0; r < K; r++) {
        ps_run *r1 = NULL, *r2 = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_run_replicate(q, r, 1, NULL, &r1, &err) == PS_OK, "run: %s", err.msg);
        CHECK(ps_run_replicate(q, r, 2, NULL, &r2, &err) == PS_OK, "run: %s", err.msg);
        if (!r1 || !r2)
            break;
        count += ended_in(r1) == 3;
        int fc = ps_field_index("combat");
        same &= memcmp(r1->series[fc], r2->series[fc],
                       (size_t)q->n_months * N_CORE * N_TH * sizeof(double)) == 0;
        ps_run_free(r1);
        ps_run_free(r2);
    }
    double sd = sqrt(K * 0.2 * 0.8);
    printf("hazard 0.2: %d of %d wars ended in the first month drawn (expected %.0f, sd %.1f)\n",
           count, K, 0.2 * K, sd);
    CHECK(fabs(count - 0.2 * K) < 4.0 * sd, "ended %d of %d, expected %.0f +- %.1f", count, K,
          0.2 * K, 4.0 * sd);
    CHECK(count > 0 && count < K, "the hazard varies across keys");
    CHECK(same, "1 and 2 threads give different combat series");
    synth_free(q);
}

int main(void)
{
    if (ps_registry_find("military") < 0) {
        fprintf(stderr, "model 'military' is not in models/registry.c\n");
        return 1;
    }
    test_drawdown_and_vacuum();
    test_imports();
    test_events();
    test_invariance();
    test_no_capacity();
    test_war_age();
    test_syria_metrics();
    test_supply_growth();
    test_no_orders_from_enemies();
    test_hazard();
    return CHECK_DONE();
}
