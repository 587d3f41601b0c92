/* Military strain, materiel and theaters.
 *
 * Each actor commits shares of its deployable force to theaters (Ukraine,
 * Syria, ...) and fights there with some intensity. Fighting consumes
 * materiel by category (drones, munitions, air defense, aircraft); what
 * domestic production and imports (the cooperation model's arms transfers)
 * do not cover is an unmet need, and what production exceeds own use by more
 * than a reserve is spare for export. Strain is the load of deployments and
 * fighting plus the materiel shortfall. A strained actor draws down its
 * lower-priority theaters (priority = interest relative to its most valued
 * theater) to a retained share of its reference commitment (bases are kept);
 * actors with an interest in a theater and room to spare fill the
 * vacated presence there; influence in a theater is an actor's share of the
 * capacity-weighted commitment. So a war in one theater moves influence in
 * another: under Ukraine strain Russia leaves Syria and Iran moves in. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pactsim_model.h"

#define N_MATERIEL 4
/* Materiel categories, in the order of the inputs below: drones, munitions,
 * air_defense, aircraft. */

enum { P_DEPLOY, P_COMBAT, P_MATERIEL, P_THRESHOLD, P_DRAWDOWN, P_RETAINED, P_FILL,
       P_RESERVE, P_INTERVENTION };
static const ps_param params[] = {
    {"strain_deploy", PS_REAL, "1", 0.0, 1.0, 0.3,
     "strain per unit of commitment without fighting (a): keeping forces deployed",
     "assumption: garrisons, rotations and logistics cost about a third of what full combat costs"},
    {"strain_combat", PS_REAL, "1", 0.0, 1.0, 0.7,
     "extra strain per unit of commitment x combat intensity (b); a + b = 1 makes a whole force in "
     "full-scale war a strain of 1",
     "assumption: complement of strain_deploy, so that full commitment at full combat is strain 1"},
    {"strain_materiel", PS_REAL, "1", 0.0, 1.0, 0.4,
     "strain added when the whole of a full-scale war's materiel use is unmet (mean over categories "
     "of need / wartime_use = 1)",
     "assumption: running out of shells and drones strains a force less than the fighting itself, but "
     "enough to push a large war over the threshold (article: Russia's 'military shortcomings')"},
    {"strain_threshold", PS_REAL, "1", 0.01, 0.99, 0.5,
     "strain above which an actor draws down low-priority theaters and below which it can fill "
     "vacuums elsewhere",
     "assumption: half of the force's capacity to sustain operations"},
    {"drawdown_rate", PS_REAL, "1/month", 0.0, 1.0, 0.2,
     "monthly share of commitment withdrawn from a theater of zero priority at full excess strain",
     "assumption: at full strain the least-valued deployments halve in about 7 months (Russia invades "
     "2022-02, first Syrian repositioning reported 2022-05, timeline); a theater of half the top "
     "interest drains at half that rate"},
    {"retained_share", PS_REAL, "1", 0.0, 1.0, 0.3,
     "share of its reference commitment (initial, or set by the latest event) that an actor keeps in a "
     "theater however strained it is",
     "assumption: bases and core garrisons are kept while field positions are given up (timeline "
     "2022-05-04: Russian forces regroup at Hmeimim, Qamishli, Deir ez-Zor, T4)"},
    {"fill_rate", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of the presence (capacity x commitment) vacated by others that an unstrained actor with "
     "full interest in the theater takes over in the same month",
     "assumption: militias and allies move into vacated positions within weeks (timeline 2022-05-04, "
     "2022-05-26: Iran-backed militias take over Russian positions) but do not replace all of it"},
    {"reserve_share", PS_REAL, "1", 0.0, 1.0, 0.2,
     "share of its own production an actor keeps back rather than export",
     "assumption: suppliers keep a war reserve of about a fifth of output"},
    {"intervention_combat", PS_REAL, "1", 0.0, 1.0, 0.5,
     "combat intensity of the intervening actor after a military_intervention event",
     "assumption: an intervention (air campaign, advisers, special forces) is moderate fighting, "
     "below a full-scale invasion"},
};

/* Field table: theater fields, then actor fields, then per category
 * production, wartime use, need and spare (in the order of materiel[]). */
enum { F_COMMIT, F_COMBAT, F_INTEREST, F_INFLUENCE, F_CAPACITY, F_STRAIN, F_MAT0 };
enum { M_PROD, M_USE, M_NEED, M_SPARE, M_N };
#define F_MAT(c, k) (F_MAT0 + (c) * M_N + (k))
#define F_NFIELDS (F_MAT0 + N_MATERIEL * M_N)
static const ps_field fields[] = {
    {"commitment", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "share of the actor's deployable force committed to the theater",
     "initial: assumption per actor and theater in the config; timeline events"},
    {"combat", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "intensity of the actor's fighting in the theater (0 garrison, 1 full-scale war)",
     "initial: assumption per actor and theater in the config; timeline events"},
    {"interest", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "how much the actor values the theater: sets its priority and whether it fills a vacuum there",
     "assumption per actor and theater in the config (article: Syria as Russia's and Iran's catalyst)"},
    {"influence", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "actor's share of the capacity-weighted commitment in the theater",
     "computed"},
    {"military_capacity", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "military expenditure: the size of the force that commitment is a share of",
     "SIPRI 2021 via World Bank MS.MIL.XPND.CD (shared/data/actors-2021.csv); assumption where NA"},
    {"military_strain", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "load of deployments, fighting and materiel shortfall (0 at peace, 1 at the limit)", "computed"},
    {"production_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "domestic production of armed drones", "assumption per actor in the config"},
    {"wartime_use_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "armed drones used and lost at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drone consumption not covered by production and imports", "computed"},
    {"materiel_spare_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drones the actor could export: production less own consumption and reserve", "computed"},
    {"production_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "domestic production of artillery and other munitions", "assumption per actor in the config"},
    {"wartime_use_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions fired at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions consumption not covered by production and imports", "computed"},
    {"materiel_spare_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions the actor could export: production less own consumption and reserve", "computed"},
    {"production_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "domestic production of air-defense systems (launchers or batteries)",
     "assumption per actor in the config"},
    {"wartime_use_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems lost or worn out at full commitment and full combat",
     "assumption per actor in the config"},
    {"materiel_need_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense consumption not covered by production and imports", "computed"},
    {"materiel_spare_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems the actor could export: production less own consumption and reserve",
     "computed"},
    {"production_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "domestic production of combat aircraft", "assumption per actor in the config"},
    {"wartime_use_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "combat aircraft lost at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft consumption not covered by production and imports", "computed"},
    {"materiel_spare_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft the actor could export: production less own consumption and reserve", "computed"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline). */
enum { IN_ARMS_DRONES, IN_ARMS_MUNITIONS, IN_ARMS_AIR_DEFENSE, IN_ARMS_AIRCRAFT, IN_WAR_DAMAGE };
static const ps_input inputs[] = {
    {"arms_transfer_drones", PS_DYAD, 1},
    {"arms_transfer_munitions", PS_DYAD, 1},
    {"arms_transfer_air_defense", PS_DYAD, 1},
    {"arms_transfer_aircraft", PS_DYAD, 1},
    {"war_damage", PS_ACTOR, 1},
};

enum { E_INVASION, E_CEASEFIRE, E_INTERVENTION, E_MOVEMENT, E_NEVENTS };
static const ps_event_type events[] = {
    {"invasion", "1", 0.0, 1.0,
     "source invades the theater hosted by target: source commitment and combat there >= m; the host "
     "defends with commitment = combat = 1", 0},
    {"ceasefire", "1", 0.0, 1.0,
     "source and target (host) reduce their combat in the target's theater: combat *= (1 - m)", 0},
    {"military_intervention", "1", 0.0, 1.0,
     "source intervenes in the theater hosted by target: commitment >= m, combat >= intervention_combat",
     0},
    {"troop_movement", "1", -1.0, 1.0,
     "source changes its commitment in the theater hosted by target by m share points "
     "(negative = withdrawal): commitment = clamp(commitment + m, 0, 1)", 0},
};

/* ---------------------------------------------------------------- metrics */
static double metric_peak_strain(const ps_run *run)
{
    int f = ps_field_index(fields[F_STRAIN].name);
    size_t n = (size_t)run->sc->n_actors * run->n_months;
    double peak = 0.0;
    for (size_t k = 0; k < n; k++)
        peak = ps_fmax(peak, run->series[f][k]);
    return peak;
}

/* Mean of a theater field for one actor over months [t0, t1); NaN if absent. */
static double theater_mean(const ps_run *run, const char *field, const char *iso3,
                           const char *theater, int y0, int m0, int y1, int m1)
{
    int f = ps_field_index(field), i = ps_scenario_actor(run->sc, iso3);
    int th = ps_scenario_theater(run->sc, theater), nt = run->sc->n_theaters;
    int t0 = ps_run_month(run, y0, m0), t1 = ps_run_month(run, y1, m1);
    if (f < 0 || i < 0 || th < 0 || t1 <= t0)
        return NAN;
    double s = 0.0;
    for (int t = t0; t < t1; t++)
        s += run->series[f][(size_t)t * run->sc->n_actors * nt + (size_t)i * nt + th];
    return s / (t1 - t0);
}

/* 2023 mean minus the mean before the invasion (months before 2022-02). */
static double metric_rus_syria(const ps_run *run)
{
    return theater_mean(run, fields[F_COMMIT].name, "RUS", "syria", 2023, 1, 2024, 1) -
           theater_mean(run, fields[F_COMMIT].name, "RUS", "syria", 1900, 1, 2022, 2);
}

static double metric_irn_syria(const ps_run *run)
{
    return theater_mean(run, fields[F_INFLUENCE].name, "IRN", "syria", 2023, 1, 2024, 1) -
           theater_mean(run, fields[F_INFLUENCE].name, "IRN", "syria", 1900, 1, 2022, 2);
}

static const ps_metric metrics[] = {
    {"peak_military_strain", "1", "highest monthly military strain of any actor", metric_peak_strain},
    {"rus_syria_commitment_change", "1",
     "Russia's commitment in Syria: mean over 2023 minus mean before 2022-02 (NaN if either is "
     "outside the run or RUS/syria are absent)",
     metric_rus_syria},
    {"irn_syria_influence_change", "1",
     "Iran's influence in Syria: mean over 2023 minus mean before 2022-02 (NaN as above)",
     metric_irn_syria},
};

/* ---------------------------------------------------------------- model */
/* Internal state (not output). */
static const ps_field internal[] = {
    {"military_base_commitment", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "reference commitment of an actor in a theater: a drawdown keeps retained_share of it",
     "commitment at the start; raised by invasions and interventions, reset by movements"},
    {"military_damage_applied", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "the war damage military capacity already reflects: capacity moves by (1 - D) / (1 - applied)",
     "0 at the start (initial capacity is the observed one)"},
};

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int base, applied;    /* internal fields: military_base_commitment, military_damage_applied */
    int damage;           /* the damage model's war_damage; -1 if absent */
    int arms[N_MATERIEL]; /* cooperation's arms_transfer_<c>; -1 if absent */
    /* Scratch, rewritten by every step before it is read: */
    double *drop;         /* [actor][theater] presence vacated this month (USD/yr) */
    double *vacated;      /* [theater] total presence vacated this month */
} military_data;

static void military_free(void *data)
{
    military_data *d = data;
    if (!d)
        return;
    free(d->drop);
    free(d->vacated);
    free(d);
}

static ps_status military_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    size_t nt = (size_t)w->n_theaters;
    military_data *d = calloc(1, sizeof *d);
    if (!d || !(d->drop = calloc((size_t)w->n_actors * nt + 1, sizeof(double))) ||
        !(d->vacated = calloc(nt + 1, sizeof(double)))) {
        military_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    for (int c = 0; c < N_MATERIEL; c++) {
        d->arms[c] = ps_model_input(self, IN_ARMS_DRONES + c); /* absent: no imports */
    }
    d->base = ps_model_internal(self, 0);
    d->applied = ps_model_internal(self, 1);
    d->damage = ps_model_input(self, IN_WAR_DAMAGE);
    /* Initial values are in place before models' init. */
    memcpy(w->cur[d->base], w->cur[d->f[F_COMMIT]], (size_t)w->n_actors * nt * sizeof(double));
    *data = d;
    return PS_OK;
}

/* influence_iθ = c_iθ cap_i / Σ_k c_kθ cap_k for one theater, from next. */
static void update_influence(ps_world *w, const military_data *d, int th)
{
    int n = w->n_actors, nt = w->n_theaters;
    const double *c = w->next[d->f[F_COMMIT]], *cap = w->cur[d->f[F_CAPACITY]];
    double *infl = w->next[d->f[F_INFLUENCE]];
    double total = 0.0;
    for (int i = 0; i < n; i++)
        total += c[(size_t)i * nt + th] * cap[i];
    for (int i = 0; i < n; i++)
        infl[(size_t)i * nt + th] = total > 0.0 ? c[(size_t)i * nt + th] * cap[i] / total : 0.0;
}

static ps_status military_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    military_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors, nt = w->n_theaters;
    const double a = p[P_DEPLOY], b = p[P_COMBAT], thr = p[P_THRESHOLD];
    const double *c0 = w->cur[d->f[F_COMMIT]], *combat = w->cur[d->f[F_COMBAT]];
    const double *interest = w->cur[d->f[F_INTEREST]], *cap = w->cur[d->f[F_CAPACITY]];
    double *c1 = w->next[d->f[F_COMMIT]], *strain = w->next[d->f[F_STRAIN]];
    const double *base = w->cur[d->base];
    /* Strikes put capacity and production lines out of action (damage model). */
    const double *dmg = d->damage >= 0 ? w->cur[d->damage] : NULL;
    const double *applied = w->cur[d->applied];

    /* 1. Per actor: consumption, needs, spare, strain, drawdown (own row only). */
#pragma omp parallel for schedule(static) num_threads(w->inner_threads) if (n >= PS_INNER_MIN_ACTORS)
    for (int i = 0; i < n; i++) {
        const size_t row = (size_t)i * nt;
        double exposure = 0.0, load = 0.0, imax = 0.0;
        for (int th = 0; th < nt; th++) {
            exposure += c0[row + th] * combat[row + th];
            load += c0[row + th] * (a + b * combat[row + th]);
            imax = ps_fmax(imax, interest[row + th]);
        }
        double shortfall = 0.0;
        int used = 0;
        for (int c = 0; c < N_MATERIEL; c++) {
            double prod = w->cur[d->f[F_MAT(c, M_PROD)]][i] * (1.0 - (dmg ? dmg[i] : 0.0));
            double use = w->cur[d->f[F_MAT(c, M_USE)]][i], cons = use * exposure;
            double imports = 0.0;
            if (d->arms[c] >= 0)
                for (int j = 0; j < n; j++)
                    imports += w->cur[d->arms[c]][(size_t)j * n + i];
            double need = ps_fmax(0.0, cons - prod - imports);
            w->next[d->f[F_MAT(c, M_NEED)]][i] = need;
            w->next[d->f[F_MAT(c, M_SPARE)]][i] = ps_fmax(0.0, prod * (1.0 - p[P_RESERVE]) - cons);
            if (use > 0.0) {
                shortfall += need / use;
                used++;
            }
        }
        if (dmg) {
            w->next[d->f[F_CAPACITY]][i] = cap[i] * ((1.0 - dmg[i]) / (1.0 - applied[i]));
            w->next[d->applied][i] = dmg[i];
        }
        double s = load + p[P_MATERIEL] * (used ? shortfall / used : 0.0);
        s = ps_fmin(1.0, ps_fmax(0.0, s));
        strain[i] = s;
        double excess = ps_fmax(0.0, (s - thr) / (1.0 - thr));
        for (int th = 0; th < nt; th++) {
            double prio = imax > 0.0 ? 1.0 - interest[row + th] / imax : 1.0;
            double keep = p[P_RETAINED] * base[row + th];
            double cut = p[P_DRAWDOWN] * excess * prio * ps_fmax(0.0, c0[row + th] - keep);
            c1[row + th] = c0[row + th] - cut;
            d->drop[row + th] = cut * cap[i];
        }
    }

    /* 2. Presence vacated per theater (serial, fixed order). */
    for (int th = 0; th < nt; th++) {
        double v = 0.0;
        for (int i = 0; i < n; i++)
            v += d->drop[(size_t)i * nt + th];
        d->vacated[th] = v;
    }

    /* 3. Vacuum filling by unstrained actors with an interest, within their headroom. */
#pragma omp parallel for schedule(static) num_threads(w->inner_threads) if (n >= PS_INNER_MIN_ACTORS)
    for (int i = 0; i < n; i++) {
        const size_t row = (size_t)i * nt;
        double willing = ps_fmax(0.0, 1.0 - strain[i] / thr);
        if (cap[i] <= 0.0 || willing <= 0.0)
            continue;
        double used = 0.0, want = 0.0;
        for (int th = 0; th < nt; th++) {
            used += c1[row + th];
            want += willing * p[P_FILL] * interest[row + th] *
                    (d->vacated[th] - d->drop[row + th]) / cap[i];
        }
        double headroom = ps_fmax(0.0, 1.0 - used);
        if (want <= 0.0 || headroom <= 0.0)
            continue;
        double scale = want > headroom ? headroom / want : 1.0;
        for (int th = 0; th < nt; th++)
            c1[row + th] += scale * willing * p[P_FILL] * interest[row + th] *
                            (d->vacated[th] - d->drop[row + th]) / cap[i];
    }

    /* 4. Influence: shares of capacity-weighted commitment. */
    for (int th = 0; th < nt; th++)
        update_influence(w, d, th);
    return PS_OK;
}

static ps_status military_event(ps_world *w, int self, void *data, const ps_event *ev,
                                ps_error *err)
{
    military_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const ps_scenario *sc = w->sc;
    int nt = w->n_theaters;
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    int th = -1;
    for (int k = 0; k < nt && th < 0; k++)
        if (sc->theater_host[k] == ev->target)
            th = k;
    if (th < 0)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "no theater lies in target %s; expected a theater with host: %s "
                            "under theaters",
                            sc->actor_iso3[ev->target], sc->actor_iso3[ev->target]);
    double *c = w->next[d->f[F_COMMIT]], *combat = w->next[d->f[F_COMBAT]];
    double *base = w->next[d->base];
    size_t src = (size_t)ev->source * nt + th, host = (size_t)ev->target * nt + th;
    double m = ev->magnitude;
    if (ev->type == d->ev[E_INVASION]) {
        c[src] = ps_fmax(c[src], m);
        combat[src] = ps_fmax(combat[src], m);
        c[host] = 1.0;
        combat[host] = 1.0;
        base[src] = ps_fmax(base[src], c[src]);
        base[host] = 1.0;
    } else if (ev->type == d->ev[E_CEASEFIRE]) {
        combat[src] *= 1.0 - m;
        combat[host] *= 1.0 - m;
    } else if (ev->type == d->ev[E_INTERVENTION]) {
        c[src] = ps_fmax(c[src], m);
        combat[src] = ps_fmax(combat[src], p[P_INTERVENTION]);
        base[src] = ps_fmax(base[src], c[src]);
    } else if (ev->type == d->ev[E_MOVEMENT]) {
        c[src] = ps_fmin(1.0, ps_fmax(0.0, c[src] + m));
        base[src] = c[src]; /* a deliberate new posture */
    } else {
        return ps_error_set(err, PS_ERR_INTERNAL, "event type %d is not military", ev->type);
    }
    update_influence(w, d, th);
    return PS_OK;
}

const ps_model ps_model_military = {
    .name = "military",
    .description = "force commitment and combat per theater; materiel consumption against "
                   "production and imports; strain; drawdown of low-priority theaters and "
                   "vacuum filling; influence per theater",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .metric_reads = "commitment influence military_strain",
    .init = military_init,
    .step = military_step,
    .apply_event = military_event,
    .free = military_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
