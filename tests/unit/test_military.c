/* Military model: strain from a war in one theater draws an actor down in
 * another, and an actor with an interest there fills the vacuum (SF3:
 * "Under Ukraine strain Russia's commitment in Syria falls and Iran's
 * influence there rises"). Synthetic scenario built in code: actors R, I, U,
 * S; theaters "front" (host U) and "proxy" (host S). */
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
    CHECK(fabs(at(b, "influence", t12, I, PROXY) - at(b, "influence", t0, I, PROXY)) < 1e-12,
          "control: I influence flat");
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
    int mp = -1;
    for (int m = 0; m < ps_registry_n_metrics(); m++)
        if (!strcmp(ps_registry_metric(m, NULL)->name, "peak_military_strain"))
            mp = m;
    CHECK(mp >= 0 && a->metrics[mp] > b->metrics[mp], "peak strain war %g > peace %g",
          mp >= 0 ? a->metrics[mp] : NAN, mp >= 0 ? b->metrics[mp] : NAN);
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

/* An actor without capacity deploys nothing (docs/ODD.md, military: vacuum
 * filling is per unit of capacity, so it is skipped, not 0/0). H hosts the one
 * theater, has an interest there and no capacity; R (capacity 10bn) keeps 0.4
 * there without combat: its strain 0.4 x strain_deploy stays below the
 * threshold, nothing is drawn down or vacated. By hand, every month: H's
 * commitment 0, R's 0.4; influence R = 0.4 x 10bn / (0.4 x 10bn) = 1, H 0. */
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
    ps_run *r = run_or_die(sc, 1);
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
    return CHECK_DONE();
}
