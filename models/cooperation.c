/* Needs and offers, exchanges, cooperation and trust.
 *
 * Each actor needs materiel (unmet wartime use, by category), finance,
 * channels to evade sanctions, diplomatic cover and technology, and offers
 * what it can spare of each. What partner j can do for i's needs is A[i][j]
 * (0..1); the pair's complementarity is the geometric mean sqrt(A_ij A_ji):
 * a convergence needs something on both sides. Co-patrons of the same regime
 * in a theater (both cooperating with its host) share a security interest.
 * Cooperation rises when both are isolated and complementary (the less
 * isolated one's isolation counts), falls with rivalry, and otherwise relaxes
 * to its initial level, which stands for long-standing ties the model does not
 * explain (trade, alliances); it never becomes an alliance here.
 * Exchanges (arms by category, finance) follow need, willingness (cooperation,
 * trust) and the supplier's risk: dealing with an isolated actor is risky in
 * proportion to how isolated it is, the threat of secondary sanctions around
 * it, and how much the supplier has to lose (1 - its own isolation).
 * The value a pair sees in its offers this month is the complementarity times
 * a lognormal factor of mean 1 (decision noise: a deal looks better or worse
 * than the fundamentals say), whose log follows a stationary AR(1) per pair
 * (a mood that lasts some months). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

#define OFFER_STREAM 63u /* random stream of this model (economy 1, oil 11, clients 31 and 33,
                            strikes 41, promises 53) */

#define N_MATERIEL 4
/* Materiel categories, in the order of the inputs below: drones, munitions,
 * air_defense, aircraft. */

enum {
    P_RISE, P_DECAY, P_RIVALRY, P_FLOOR, P_TRUST_ADJUST, P_BREACH, P_KEPT,
    P_W_MATERIEL, P_W_FINANCE, P_W_CHANNELS, P_W_COVER, P_W_TECH,
    P_RISK, P_MATERIEL_RISK, P_RAMP, P_LEND_RATE, P_W_SECURITY,
    P_SANCTION_COST, P_HABITUATION, P_ENEMY_SUPPLY, P_STRIKE_COST, P_STRIKE_TRUST,
    P_OFFER_NOISE, P_OFFER_PERSIST, P_LEADER_TRUST,
};
static const ps_param params[] = {
    {"rise", PS_REAL, "1/month", 0.0, 1.0, 0.1,
     "monthly rate at which cooperation closes its gap to 1 per unit of driver (complementarity x isolation)",
     "assumption: a strong common need doubles cooperation within about two years"},
    {"decay", PS_REAL, "1/month", 0.0, 0.2, 0.01,
     "monthly rate at which cooperation relaxes to its initial level without a new reason to cooperate",
     "assumption: ties fade over several years when interests diverge (article: relations 'fluctuated')"},
    {"rivalry_cost", PS_REAL, "1/month", 0.0, 0.5, 0.03,
     "monthly loss of cooperation per unit of rivalry above its initial level (oil sellers competing for the same buyers)",
     "assumption: commercial rivalry erodes but does not break a convergence"},
    {"isolation_floor", PS_REAL, "1", 0.0, 1.0, 0.08,
     "driver weight of complementarity for partners that are not isolated",
     "assumption: ordinary trade motives are weaker than a shared need under sanctions"},
    {"trust_adjust", PS_REAL, "1/month", 0.0, 1.0, 0.03,
     "monthly rate at which trust follows cooperation",
     "assumption: trust lags cooperation by years"},
    {"breach_penalty", PS_REAL, "1", 0.0, 1.0, 0.3,
     "trust lost, as a share of trust, when a promise falls due not fully delivered (the same "
     "whatever share is undelivered)",
     "assumption: a broken loan promise is remembered (article: Tehran's complaints over Bushehr delays and loans)"},
    {"kept_reward", PS_REAL, "1", 0.0, 1.0, 0.1,
     "trust gained when a promise is kept in full",
     "assumption: kept promises build trust more slowly than broken ones destroy it"},
    {"weight_materiel", PS_REAL, "1", 0.0, 5.0, 1.0, "weight of materiel needs in complementarity",
     "assumption: equal weight for materiel and finance"},
    {"weight_finance", PS_REAL, "1", 0.0, 5.0, 1.0, "weight of finance needs in complementarity",
     "assumption: equal weight for materiel and finance"},
    {"weight_channels", PS_REAL, "1", 0.0, 5.0, 0.5,
     "weight of sanction-evasion channels in complementarity",
     "assumption: channels matter, but less than money and arms"},
    {"weight_cover", PS_REAL, "1", 0.0, 5.0, 0.5,
     "weight of diplomatic cover (a UN Security Council veto) in complementarity",
     "assumption: as channels"},
    {"weight_technology", PS_REAL, "1", 0.0, 5.0, 0.3,
     "weight of technology the actor cannot buy elsewhere",
     "assumption: a slower, secondary motive"},
    {"risk_scale", PS_REAL, "1", 0.0, 10.0, 2.5,
     "risk of dealing with an actor per unit of its isolation, for a supplier with everything to lose",
     "assumption: sized so that China's willingness to finance or arm Russia in 2022 is cut by over four fifths "
     "(article: China keeps 'a cautious line on any bailout'); it also sets the size of Iran's drone "
     "deliveries (none from 4 up), and the 1980-2021 arms and agreement rows do not inform it "
     "(history calibration: shrinkage 0.01; docs/validation.md), so SF4's size and SF6's China "
     "restraint are inputs of it"},
    {"materiel_risk", PS_REAL, "1", 1.0, 5.0, 1.5,
     "extra risk factor for arms transfers over finance",
     "assumption: arming a belligerent draws more sanctions than lending to it"},
    {"transfer_ramp", PS_REAL, "1/month", 0.0, 1.0, 0.25,
     "monthly rate at which exchanges approach their desired level (logistics, training, contracts)",
     "assumption: new arms pipelines take a few months (timeline 2022-07-11: training from July)"},
    {"lend_rate", PS_REAL, "1/yr", 0.0, 1.0, 0.5,
     "share of its spare finance a willing partner would lend per year",
     "assumption: lenders spread exposure over years"},
    {"weight_security", PS_REAL, "1", 0.0, 5.0, 1.0,
     "weight of a shared security interest (co-patrons of one regime) in the driver of cooperation",
     "assumption: the article's Russia-Iran 'tacit security agreement' over Assad"},
    /* Added for the 1979-2022 backcast (SF10, configs/history_1979_2022.yaml). */
    {"sanction_cost", PS_REAL, "1/month", 0.0, 1.0, 0.1,
     "monthly loss of cooperation per unit of sanctions between the pair above the level the pair has "
     "grown used to (the larger direction)",
     "assumption: a partner that joins sanctions on you is resented (article: Russia 'backed UN sanctions' "
     "and suspended the air-defense sale; Iranians 'berated the Russians'); a fresh closure of 0.1 costs "
     "as much as the relaxation toward old ties restores (decay 0.01)"},
    {"sanction_habituation", PS_REAL, "1/month", 0.0, 1.0, 0.05,
     "monthly rate at which the sanctions level a pair is used to catches up with the sanctions in force "
     "(starts at the initial level)",
     "assumption: resentment of a partner's sanctions fades within a few years while they stay in force "
     "(half-life ~14 months): the UN sanctions on Iran stood until 2016, yet the article dates the Russia-Iran "
     "convergence from 2011"},
    {"enemy_supply_cost", PS_REAL, "1/month", 0.0, 1.0, 0.05,
     "monthly loss of cooperation when one side supplies the whole wartime materiel use of an actor at war "
     "on the other side's territory (scaled by the supplied share and by how hostile that actor is)",
     "assumption: arming your partner's invader poisons ties for the war's duration (article: the Soviets "
     "armed Saddam 'throughout the Iran-Iraq War' despite recognising the Islamic Republic)"},
    {"strike_cost", PS_REAL, "1", 0.0, 1.0, 0.3,
     "share of the pair's cooperation lost when one strikes the other with magnitude 1 (the larger "
     "direction)",
     "assumption: an attack freezes most dealings at once (article: Israel's strikes in Syria strain its "
     "'deconfliction' with Moscow without breaking it); calibrate"},
    {"strike_trust_loss", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of the struck actor's trust in its striker lost per unit of strike magnitude",
     "assumption: being attacked costs trust faster than any broken promise (breach_trust_loss)"},
    {"offer_noise", PS_REAL, "1", 0.0, 2.0, 0.3,
     "log-scale standard deviation of the value a pair sees in its offers each month around the "
     "complementarity (lognormal, mean 1, capped at 1; 0: the complementarity exactly)",
     "assumption, to be calibrated: deals are judged on partial information and politics month by "
     "month (article: relations 'fluctuated'); a factor of about 1.35 either way in a typical "
     "month"},
    {"offer_noise_persistence", PS_REAL, "1", 0.0, 0.99, 0.9,
     "monthly autocorrelation of the log offer-value factor (0: a fresh draw every month)",
     "assumption, to be calibrated: a judgement on a partner's offers lasts about ten months "
     "(a negotiating round, a summit cycle)"},
    {"leader_trust_loss", PS_REAL, "1", 0.0, 1.0, 0.3,
     "share of the trust in both directions of a pair lost the month after either side's leader "
     "changes (leadership model)",
     "assumption: a successor inherits the state's interests but not the old leader's personal "
     "ties and pledges; commitments are broken more often after a leader change that shifts the "
     "ruling coalition (Leeds, Mattes & Vogel 2009, Am. J. Political Science 53:461); a third of "
     "the trust, not fitted"},
};

enum { F_COOP, F_TRUST, F_COMP, F_TECH, F_VETO, F_FLOW, F_ARMS0, F_BACK0 = F_ARMS0 + N_MATERIEL,
       F_MOOD = F_BACK0 + N_MATERIEL, F_NFIELDS };
static const ps_field fields[] = {
    {"cooperation", PS_DYAD, "1", 0.05, 0.0, 1.0,
     "cooperation between the two actors (symmetric; 0 none, 1 complete; not an alliance)",
     "initial: assumption per pair in the config"},
    {"trust", PS_DYAD, "1", 0.1, 0.0, 1.0,
     "trust of the source in the target's word", "initial: assumption per pair in the config"},
    {"complementarity", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "how far each side's offers meet the other's needs (geometric mean of both directions)",
     "computed"},
    {"technology", PS_ACTOR, "1", 0.5, 0.0, 1.0,
     "technological level relative to the frontier (1)",
     "assumption per actor in the config (rank order of high-tech exports)"},
    {"unsc_veto", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "1 for a permanent member of the UN Security Council (can offer diplomatic cover)",
     "UN Charter art. 23 (configs)"},
    {"finance_flow", PS_DYAD, "USD/yr", 0.0, 0.0, 1e14,
     "finance lent by the source to the target outside formal promises, at an annual rate",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_transfer_drones", PS_DYAD, "airframes/month", 0.0, 0.0, 1e6,
     "armed drones delivered by the source to the target",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_transfer_munitions", PS_DYAD, "thousand rounds/month", 0.0, 0.0, 1e6,
     "artillery and other munitions delivered by the source to the target",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_transfer_air_defense", PS_DYAD, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems delivered by the source to the target",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_transfer_aircraft", PS_DYAD, "airframes/month", 0.0, 0.0, 1e4,
     "combat aircraft delivered by the source to the target",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    /* What the target asked of the source and the source's spare could not
     * cover: the military model builds capacity for the paid part. */
    {"arms_backorder_drones", PS_DYAD, "airframes/month", 0.0, 0.0, 1e6,
     "drones the target wants from the source beyond the source's spare (desired transfer less "
     "its share of the spare)",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_backorder_munitions", PS_DYAD, "thousand rounds/month", 0.0, 0.0, 1e6,
     "munitions the target wants from the source beyond the source's spare",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_backorder_air_defense", PS_DYAD, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems the target wants from the source beyond the source's spare",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"arms_backorder_aircraft", PS_DYAD, "airframes/month", 0.0, 0.0, 1e4,
     "combat aircraft the target wants from the source beyond the source's spare",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"offer_mood", PS_DYAD, "1", 0.0, -50.0, 50.0,
     "log of the factor on the value the pair sees in its offers, before the mean correction "
     "(symmetric; stationary N(0, offer_noise^2); 0 when offer_noise is 0)",
     "computed: a stationary draw at the start, then an AR(1)"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_ISOLATION, IN_SECONDARY_THREAT, IN_SANCTION_PRESSURE, IN_SANCTION_INTENSITY, IN_RIVALRY, IN_FINANCE_NEED, IN_FINANCE_SPARE, IN_PROMISE_BREACH, IN_PROMISE_KEPT, IN_COMBAT, IN_INTEREST, IN_COMMITMENT, IN_MAT_NEED_DRONES, IN_MAT_NEED_MUNITIONS, IN_MAT_NEED_AIR_DEFENSE, IN_MAT_NEED_AIRCRAFT, IN_MAT_SPARE_DRONES, IN_MAT_SPARE_MUNITIONS, IN_MAT_SPARE_AIR_DEFENSE, IN_MAT_SPARE_AIRCRAFT, IN_USE_DRONES, IN_USE_MUNITIONS, IN_USE_AIR_DEFENSE, IN_USE_AIRCRAFT, IN_STRIKE, IN_LEADER_CHANGE };
static const ps_input inputs[] = {
    {"isolation", PS_ACTOR, 1, 0},
    {"secondary_threat", PS_ACTOR, 1, 0},
    {"sanction_pressure", PS_ACTOR, 1, 0},
    {"sanction_intensity", PS_DYAD, 1, 1},
    {"rivalry", PS_DYAD, 1, 1},
    {"finance_need", PS_ACTOR, 1, 0},
    {"finance_spare", PS_ACTOR, 1, 0},
    {"promise_breach", PS_DYAD, 1, 0},
    {"promise_kept", PS_DYAD, 1, 0},
    {"combat", PS_THEATER, 1, 0},
    {"interest", PS_THEATER, 1, 0},
    {"commitment", PS_THEATER, 1, 0},
    {"materiel_need_drones", PS_ACTOR, 1, 0},
    {"materiel_need_munitions", PS_ACTOR, 1, 0},
    {"materiel_need_air_defense", PS_ACTOR, 1, 0},
    {"materiel_need_aircraft", PS_ACTOR, 1, 0},
    {"materiel_spare_drones", PS_ACTOR, 1, 0},
    {"materiel_spare_munitions", PS_ACTOR, 1, 0},
    {"materiel_spare_air_defense", PS_ACTOR, 1, 0},
    {"materiel_spare_aircraft", PS_ACTOR, 1, 0},
    {"wartime_use_drones", PS_ACTOR, 1, 0},
    {"wartime_use_munitions", PS_ACTOR, 1, 0},
    {"wartime_use_air_defense", PS_ACTOR, 1, 0},
    {"wartime_use_aircraft", PS_ACTOR, 1, 0},
    {"strike", PS_DYAD, 1, 0},
    {"leader_change", PS_ACTOR, 1, 0},
};

/* Metrics look up the pact's actors by ISO3 and are NaN where a config lacks them. */
static int actor_by_iso3(const ps_run *run, const char *iso3)
{
    return ps_scenario_actor(run->sc, iso3);
}

static double pair_mean(const ps_run *run, const char *field, const char *a, const char *b,
                        int y0, int m0, int y1, int m1)
{
    int i = actor_by_iso3(run, a), j = actor_by_iso3(run, b);
    int t0 = ps_run_month(run, y0, m0), t1 = ps_run_month(run, y1, m1);
    if (i < 0 || j < 0 || t1 <= t0)
        return NAN;
    return ps_run_dyad_mean(run, field, i, j, t0, t1);
}

static double metric_rus_irn_2021(const ps_run *run)
{
    return pair_mean(run, "cooperation", "RUS", "IRN", 1900, 1, 2022, 2);
}

static double metric_rus_irn_2024(const ps_run *run)
{
    return pair_mean(run, "cooperation", "RUS", "IRN", 2024, 1, 2025, 1);
}

static double metric_drones_2022(const ps_run *run)
{
    return pair_mean(run, "arms_transfer_drones", "IRN", "RUS", 2022, 3, 2023, 1);
}

static const ps_metric metrics[] = {
    {"rus_irn_cooperation_prewar", "1",
     "Russia-Iran cooperation, mean over the months before 2022-02 (NaN if none)",
     metric_rus_irn_2021},
    {"rus_irn_cooperation_2024", "1", "Russia-Iran cooperation, mean over 2024",
     metric_rus_irn_2024},
    {"irn_rus_drones_2022", "airframes/month",
     "drones delivered by Iran to Russia, mean over March-December 2022", metric_drones_2022},
};

/* Internal state (not output). */
static const ps_field internal[] = {
    {"cooperation_sanctions_habituated", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "sanctions the pair is used to: the intensity at the start, then catching up with the "
     "intensity in force at the habituation rate; only sanctions above it wear ties down",
     "sanction_intensity at the start"},
};

typedef struct {
    int f[F_NFIELDS];
    int sanc0; /* internal field: cooperation_sanctions_habituated */
    int isolation, threat, pressure, rivalry, need, spare_fin, breach, kept, sanctions, strike;
    int leader;
    int mat_need[N_MATERIEL], mat_spare[N_MATERIEL];
    int interest, commitment;
    /* Derived by init from the month-0 state, never changed: init computes
     * them again identically when a replicate resumes from a checkpoint. */
    double *anchor; /* initial cooperation: the level ties relax to */
    double *riv0;   /* initial rivalry: already part of the anchored ties */
    int combat, use[N_MATERIEL];
    /* Scratch, rewritten by every step before it is read: */
    double *enemy;  /* [a][k]: how hostile k is to a (fights on a's territory, low cooperation) */
    int *n_enemy;   /* [a]: how many k have enemy[a][k] > 0 (only theater hosts have any) */
    int *enemy_k;   /* [slot[a]][..]: those k, ascending */
    int *slot;      /* [a]: a's row of enemy_k, -1 if a hosts no theater (fixed at init) */
    uint64_t *tmask; /* [i]: bit t if i is committed in theater t (t < 64, with a host) */
    char *wanted;   /* [k]: k is in some host's list of enemies (its column of supply is read) */
    double *supply; /* [b][k]: share of k's wartime materiel use that b supplies */
    double *help;   /* [a][b]: what a can do for b's needs (0..1), from state t */
    double *risk;   /* [a]: risk_scale x a's isolation x (1 + 2 x its secondary threat), this month */
    int *needy, n_needy;  /* the b that need materiel of some category this month, ascending */
    unsigned char *rows;  /* [i]: ROW_* bits, the rows of sparse inputs with a nonzero */
    uint64_t *key;  /* [a]: ps_world_actor_key(a), and hkey[a] its ps_hash64 (fixed at init) */
    uint64_t *hkey;
    uint64_t *pkey; /* pair (i, j > i) at row_start(i, n) + j - i - 1: the pair's stream key
                       ps_rng_id_key(pkey_seed, id) (NULL: none yet) */
    uint64_t pkey_seed;
} coop_data;

static void coop_free(void *data)
{
    coop_data *d = data;
    if (!d)
        return;
    free(d->anchor);
    free(d->riv0);
    free(d->enemy);
    free(d->n_enemy);
    free(d->enemy_k);
    free(d->slot);
    free(d->tmask);
    free(d->wanted);
    free(d->supply);
    free(d->help);
    free(d->risk);
    free(d->needy);
    free(d->rows);
    free(d->key);
    free(d->hkey);
    free(d->pkey);
    free(d);
}

/* Where row i's pairs (i, j > i) start in d->pkey. */
static size_t row_start(int i, int n)
{
    return (size_t)i * (size_t)(2 * n - i - 1) / 2;
}

/* Each pair's stream key, from the seed and the pair's id (from the actors'
 * keys and their hashes, fixed at init): the same every month, so computed
 * once per seed rather than twice hashed per pair and month. */
static ps_status pair_keys(const ps_world *w, coop_data *d, ps_error *err)
{
    const int n = w->n_actors;
    if (d->pkey && d->pkey_seed == w->seed)
        return PS_OK;
    if (!d->pkey && !(d->pkey = malloc((row_start(n - 1, n) + 1) * sizeof *d->pkey)))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    d->pkey_seed = w->seed;
    for (int i = 0; i < n; i++) {
        const uint64_t a = d->key[i], ha = d->hkey[i];
        uint64_t *pk = d->pkey + row_start(i, n);
        for (int j = i + 1; j < n; j++) {
            uint64_t b = d->key[j];
            uint64_t id = a < b ? ps_hash64(a ^ d->hkey[j]) : ps_hash64(b ^ ha);
            pk[j - i - 1] = ps_rng_id_key(w->seed, id);
        }
    }
    return PS_OK;
}

/* The moods of the pairs (i, j > i); see offer_noise. */
static void noise_row(const ps_world *w, coop_data *d, int i, int month, const double *x,
                      double *x1, double phi, double innov)
{
    const int n = w->n_actors;
    const uint64_t *pk = d->pkey + row_start(i, n);
    double z[64]; /* the draws of up to 64 pairs at a time */
    for (int j0 = i + 1; j0 < n; j0 += 64) {
        const int m = n - j0 < 64 ? n - j0 : 64;
        ps_rng_gaussians(pk + (j0 - i - 1), m, w->replicate, month, OFFER_STREAM, z);
        for (int j = j0; j < j0 + m; j++) {
            size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
            double xn = phi * x[ij] + innov * z[j - j0];
            x1[ij] = x1[ji] = xn;
        }
    }
}

/* The offer mood of every pair: x' = phi x + sqrt(1 - phi^2) sigma z, z ~ N(0, 1)
 * from the stream (seed, replicate, month, unordered pair id, 63), written to
 * `next` (symmetric); pair_block multiplies the pair's offers by the factor
 * exp(x' - sigma^2 / 2). At init (month -1 in the key) x' = sigma z: the
 * stationary law.
 * Each pair's draw depends on its key only, whichever thread makes it. */
static ps_status offer_noise(const ps_world *w, coop_data *d, const double *p, int init,
                             ps_error *err)
{
    const double sigma = p[P_OFFER_NOISE], phi = init ? 0.0 : p[P_OFFER_PERSIST];
    const double innov = sqrt(1.0 - phi * phi) * sigma;
    const double *x = w->cur[d->f[F_MOOD]];
    double *x1 = init ? w->cur[d->f[F_MOOD]] : w->next[d->f[F_MOOD]];
    const int month = init ? -1 : w->month;
    int n = w->n_actors;
    ps_status st = pair_keys(w, d, err);
    if (st != PS_OK)
        return st;
    /* The diagonal keeps its value (the field is in .overwrites: the engine
     * does not copy it). */
    for (int i = 0; !init && i < n; i++)
        x1[(size_t)i * n + i] = x[(size_t)i * n + i];
    if (!ps_inner_parallel(w)) {
        for (int i = 0; i < n; i++)
            noise_row(w, d, i, month, x, x1, phi, innov);
        return PS_OK;
    }
    /* Row i holds n - 1 - i pairs: rows i and n - 1 - i together hold
     * n - 1, so a static split of these folded rows gives each thread
     * the same work (a split of the rows gave the first 3/4 of it). */
#pragma omp parallel for schedule(static) num_threads(w->inner_threads)
    for (int k = 0; k < (n + 1) / 2; k++) {
        noise_row(w, d, k, month, x, x1, phi, innov);
        if (n - 1 - k != k)
            noise_row(w, d, n - 1 - k, month, x, x1, phi, innov);
    }
    return PS_OK;
}

static ps_status coop_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    coop_data *d = calloc(1, sizeof *d);
    if (!d)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    d->sanc0 = ps_model_internal(self, 0);
    d->isolation = ps_model_input(self, IN_ISOLATION);
    d->threat = ps_model_input(self, IN_SECONDARY_THREAT);
    d->pressure = ps_model_input(self, IN_SANCTION_PRESSURE);
    d->sanctions = ps_model_input(self, IN_SANCTION_INTENSITY);
    d->rivalry = ps_model_input(self, IN_RIVALRY);
    d->need = ps_model_input(self, IN_FINANCE_NEED);
    d->spare_fin = ps_model_input(self, IN_FINANCE_SPARE);
    d->breach = ps_model_input(self, IN_PROMISE_BREACH);
    d->kept = ps_model_input(self, IN_PROMISE_KEPT);
    d->strike = ps_model_input(self, IN_STRIKE);
    d->leader = ps_model_input(self, IN_LEADER_CHANGE);
    for (int c = 0; c < N_MATERIEL; c++) {
        d->mat_need[c] = ps_model_input(self, IN_MAT_NEED_DRONES + c);
        d->mat_spare[c] = ps_model_input(self, IN_MAT_SPARE_DRONES + c);
        d->use[c] = ps_model_input(self, IN_USE_DRONES + c);
    }
    d->combat = ps_model_input(self, IN_COMBAT);
    d->interest = ps_model_input(self, IN_INTEREST);
    d->commitment = ps_model_input(self, IN_COMMITMENT);
    size_t nn = (size_t)w->n_actors * w->n_actors;
    d->anchor = malloc((nn ? nn : 1) * sizeof *d->anchor);
    d->riv0 = calloc(nn ? nn : 1, sizeof *d->riv0);
    d->enemy = calloc(nn ? nn : 1, sizeof *d->enemy);
    d->n_enemy = calloc((size_t)w->n_actors + 1, sizeof *d->n_enemy);
    d->slot = malloc(((size_t)w->n_actors + 1) * sizeof *d->slot);
    d->tmask = calloc((size_t)w->n_actors + 1, sizeof *d->tmask);
    d->wanted = calloc((size_t)w->n_actors + 1, 1);
    int hosts = 0;
    for (int i = 0; d->slot && i < w->n_actors; i++) {
        d->slot[i] = -1;
        for (int t = 0; t < w->n_theaters && d->slot[i] < 0; t++)
            if (w->sc->theater_host[t] == i)
                d->slot[i] = hosts++;
    }
    d->enemy_k = malloc(((size_t)hosts * w->n_actors + 1) * sizeof *d->enemy_k);
    d->supply = calloc(nn ? nn : 1, sizeof *d->supply);
    d->help = calloc(nn ? nn : 1, sizeof *d->help);
    d->risk = calloc((size_t)w->n_actors + 1, sizeof *d->risk);
    d->needy = malloc(((size_t)w->n_actors + 1) * sizeof *d->needy);
    d->rows = calloc((size_t)w->n_actors + 1, 1);
    d->key = calloc((size_t)w->n_actors + 1, sizeof *d->key);
    d->hkey = calloc((size_t)w->n_actors + 1, sizeof *d->hkey);
    for (int a = 0; d->key && d->hkey && a < w->n_actors; a++) {
        d->key[a] = ps_world_actor_key(w, a);
        d->hkey[a] = ps_hash64(d->key[a]);
    }
    if (!d->risk || !d->needy || !d->rows || !d->key || !d->hkey || !d->anchor ||
        !d->riv0 || !d->enemy || !d->n_enemy || !d->slot || !d->tmask || !d->wanted ||
        !d->enemy_k || !d->supply || !d->help) {
        coop_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    /* Cooperation is symmetric: a config may give either direction (the larger wins). */
    double *c = w->cur[d->f[F_COOP]];
    int n = w->n_actors;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) {
            double m = ps_fmax(c[(size_t)i * n + j], c[(size_t)j * n + i]);
            c[(size_t)i * n + j] = c[(size_t)j * n + i] = m;
        }
    memcpy(d->anchor, c, nn * sizeof *c);
    /* Models before this one in the registry derive their state at init. */
    if (d->rivalry >= 0)
        memcpy(d->riv0, w->cur[d->rivalry], nn * sizeof *c);
    if (d->sanctions >= 0)
        memcpy(w->cur[d->sanc0], w->cur[d->sanctions], nn * sizeof *c);
    /* The offer mood starts from its stationary law (0 without noise). */
    const double *p = ps_world_param_values(w, self);
    if (p[P_OFFER_NOISE] > 0.0) {
        ps_status st = offer_noise(w, d, p, 1, err);
        if (st != PS_OK) {
            coop_free(d);
            return st;
        }
    } else {
        memset(w->cur[d->f[F_MOOD]], 0, nn * sizeof *c);
    }
    *data = d;
    return PS_OK;
}

/* Shared security interest: both committed in a theater and both close to
 * its host (the regime they prop up). */
static double shared_security(const ps_world *w, const coop_data *d, const double *coop,
                              int i, int j)
{
    if (d->interest < 0 || d->commitment < 0)
        return 0.0;
    const double *v = w->cur[d->interest], *c = w->cur[d->commitment];
    int n = w->n_actors, nt = w->n_theaters;
    double s = 0.0;
    if (nt <= 64) { /* only the theaters both are committed in (theater_masks) */
        for (uint64_t m = d->tmask[i] & d->tmask[j]; m; m &= m - 1) {
            int t = __builtin_ctzll(m), h = w->sc->theater_host[t];
            size_t it = (size_t)i * nt + t, jt = (size_t)j * nt + t;
            if (h == i || h == j)
                continue;
            double side = ps_fmin(coop[(size_t)i * n + h], coop[(size_t)j * n + h]);
            s = ps_fmax(s, ps_fmin(v[it], v[jt]) * side);
        }
        return s;
    }
    for (int t = 0; t < nt; t++) {
        int h = w->sc->theater_host[t];
        size_t it = (size_t)i * nt + t, jt = (size_t)j * nt + t;
        if (h < 0 || h == i || h == j || c[it] <= 0.0 || c[jt] <= 0.0)
            continue;
        double side = ps_fmin(coop[(size_t)i * n + h], coop[(size_t)j * n + h]);
        s = ps_fmax(s, ps_fmin(v[it], v[jt]) * side);
    }
    return s;
}

/* tmask[i]: the theaters t < 64 with a host in which i is committed
 * (commitment > 0), the only ones shared_security can use for i. */
static void theater_masks(const ps_world *w, coop_data *d)
{
    int n = w->n_actors, nt = w->n_theaters;
    const double *c = ps_world_input_or_null(w, d->commitment);
    for (int i = 0; i < n; i++) {
        uint64_t m = 0;
        for (int t = 0; c && t < nt && t < 64; t++)
            if (w->sc->theater_host[t] >= 0 && c[(size_t)i * nt + t] > 0.0)
                m |= (uint64_t)1 << t;
        d->tmask[i] = m;
    }
}

/* Once a month per actor, what the dyad loops used to compute per dyad:
 * risk[i], the part of the risk of dealing with i that is i's own (its
 * isolation and the secondary-sanction threat around it: risk_scale x iso x
 * (1 + 2 threat), the first factors of deal_risk, in its order), and d->needy,
 * the actors that need materiel of some category, ascending. */
static void actor_values(const ps_world *w, coop_data *d, const double *p)
{
    const double *iso = ps_world_input(w, d->isolation), *threat = ps_world_input(w, d->threat);
    d->n_needy = 0;
    for (int i = 0; i < w->n_actors; i++) {
        d->risk[i] = p[P_RISK] * iso[i] * (1.0 + 2.0 * threat[i]);
        int needs = 0;
        for (int c = 0; c < N_MATERIEL; c++)
            needs |= ps_world_input(w, d->mat_need[c])[i] > 0.0;
        if (needs)
            d->needy[d->n_needy++] = i;
    }
}

/* Bits of d->rows[i]: row i of rivalry or of its initial level, of strikes,
 * or of sanctions in force or got used to, holds a value other than +-0. */
enum { ROW_RIVALRY = 1, ROW_STRIKE = 2, ROW_SANCTIONS = 4 };

/* Which rows of the sparse dyad inputs pair_block must read (most are all
 * zeros: only oil sellers have rivals, few actors strike or sanction). One
 * pass over each row, without early exit, so that it is vectorised. */
PS_HOT static void row_flags(const ps_world *w, coop_data *d)
{
    const int n = w->n_actors;
    const double *riv = ps_world_input(w, d->rivalry), *strike = ps_world_input(w, d->strike);
    const double *sanc = ps_world_input(w, d->sanctions), *used = w->cur[d->sanc0];
    for (int i = 0; i < n; i++) {
        const size_t k0 = (size_t)i * n;
        const double *r = riv + k0, *r0 = d->riv0 + k0, *st = strike + k0;
        const double *sa = sanc + k0, *us = used + k0;
        int rv = 0, sk = 0, sn = 0;
        for (int k = 0; k < n; k++) {
            rv |= (r[k] != 0.0) | (r0[k] != 0.0);
            sk |= st[k] != 0.0;
            sn |= (sa[k] != 0.0) | (us[k] != 0.0);
        }
        d->rows[i] = (unsigned char)((rv ? ROW_RIVALRY : 0) | (sk ? ROW_STRIKE : 0) |
                                     (sn ? ROW_SANCTIONS : 0));
    }
}

/* Risk for j of dealing with i: i's own risk (risk_i, actor_risk) times what j
 * has to lose (iso_j: j's isolation). */
static double deal_risk(double risk_i, double iso_j)
{
    return ps_fmin(1.0, risk_i * (1.0 - iso_j));
}

/* Who arms whose enemies (state t): enemy[a][k] = max over theaters hosted by
 * a of k's combat there x (1 - cooperation of k with a); supply[b][k] = mean
 * over materiel categories k uses of min(1, b's deliveries to k / k's
 * wartime use). Serial, fixed order. */
static void enemy_supply(const ps_world *w, coop_data *d, const double *coop)
{
    int n = w->n_actors, nt = w->n_theaters;
    memset(d->n_enemy, 0, (size_t)n * sizeof *d->n_enemy);
    for (int a = 0; a < n; a++) /* only the hosts' rows are ever read */
        if (d->slot[a] >= 0)
            memset(d->enemy + (size_t)a * n, 0, (size_t)n * sizeof *d->enemy);
    if (d->combat < 0)
        return;
    const double *combat = w->cur[d->combat];
    for (int t = 0; t < nt; t++) {
        int a = w->sc->theater_host[t];
        if (a < 0)
            continue;
        for (int k = 0; k < n; k++)
            if (k != a) {
                double e = combat[(size_t)k * nt + t] * (1.0 - coop[(size_t)k * n + a]);
                d->enemy[(size_t)a * n + k] = ps_fmax(d->enemy[(size_t)a * n + k], e);
            }
    }
    /* Each host's enemies in a list, for hostile_supply. */
    memset(d->wanted, 0, (size_t)n);
    for (int a = 0; a < n; a++)
        for (int k = 0; d->slot[a] >= 0 && k < n; k++)
            if (d->enemy[(size_t)a * n + k] > 0.0) {
                d->enemy_k[(size_t)d->slot[a] * n + d->n_enemy[a]++] = k;
                d->wanted[k] = 1;
            }
    /* supply[b][k] only for the k in some host's list: hostile_supply reads
     * no other column (computing every column of an actor that uses materiel,
     * down the arms fields, was most of this serial step at large N). */
    for (int k = 0; k < n; k++) {
        if (!d->wanted[k])
            continue;
        int used = 0;
        for (int c = 0; c < N_MATERIEL; c++)
            used += d->use[c] >= 0 && w->cur[d->use[c]][k] > 0.0;
        for (int b = 0; b < n; b++) {
            double s = 0.0;
            for (int c = 0; c < N_MATERIEL && used; c++)
                if (d->use[c] >= 0 && w->cur[d->use[c]][k] > 0.0)
                    s += ps_fmin(1.0, w->cur[d->f[F_ARMS0 + c]][(size_t)b * n + k] /
                                       w->cur[d->use[c]][k]);
            d->supply[(size_t)b * n + k] = b == k || !used ? 0.0 : s / used;
        }
    }
}

/* How much b arms the enemies of a (0..1). Only theater hosts have enemies:
 * skipping the others keeps the step O(N^2 x hosts) instead of O(N^3). */
static double hostile_supply(const coop_data *d, int n, int a, int b)
{
    if (!d->n_enemy[a])
        return 0.0;
    /* Over a's enemies only, ascending: every other k adds 0 x supply = +0,
     * which leaves the sum's bits as they are (the terms are never
     * negative), so this is the sum over every k in the same order. */
    const int *k = d->enemy_k + (size_t)d->slot[a] * n;
    double h = 0.0;
    for (int c = 0; c < d->n_enemy[a]; c++)
        if (k[c] != b)
            h += d->enemy[(size_t)a * n + k[c]] * d->supply[(size_t)b * n + k[c]];
    return ps_fmin(1.0, h);
}

/* Share of what a supplies that can reach b (0..1): a sells, arms and lends
 * only through the relations it has not closed to b (its own sanctions, as
 * for the offers in help_block). Exactly 1 between open partners, so their
 * flows keep their bits. */
static double supply_open(const double *sanc, int n, int a, int b)
{
    return 1.0 - sanc[(size_t)a * n + b];
}

/* Rows per block of the dyad loops below: a block takes the dyads of ROWS rows
 * (or suppliers) column by column, so that the reads across rows ([j][i]) use
 * each cache line for ROWS dyads rather than one. Each dyad's arithmetic, and
 * the order of every sum, are those of a plain loop: the same bits. */
#define ROWS 32

/* The weighted sum of what a can do for b (help_block) from the materiel term
 * mat: finance (lend_a = lend_rate x a's spare finance, against b's need nf),
 * channels around b's sanctions, veto cover and technology, all through the
 * relation a has not closed to b (sanc_ab). Branch-free: the division by nf
 * runs with 1 in its place when nf is not positive, and the test then picks
 * 0, so that a loop of it is vectorised. */
static inline double help_sum(const double w[5], double mat, double lend_a, double nf,
                              double press_b, double iso_b, double tech_b, double sanc_ab,
                              double iso_a, double veto_a, double tech_a)
{
    const double q = lend_a / (nf > 0.0 ? nf : 1.0);
    const double fin = nf > 0.0 ? ps_fmin(1.0, q) : 0.0;
    const double open = 1.0 - sanc_ab;
    const double chan = press_b * open * (1.0 - iso_a);
    const double cover = iso_b * veto_a * open;
    const double techg = iso_b * ps_fmax(0.0, tech_a - tech_b) * open;
    return w[0] * mat + w[1] * fin + w[2] * chan + w[3] * cover + w[4] * techg;
}

/* What each actor a of block blk can do for every b's needs (0..1): materiel
 * spare against need by category, finance, channels around b's sanctions,
 * veto cover and technology, weighted. Each directed pair once: pair_block
 * reads both directions of a pair from here (it used to compute each twice). */
PS_HOT static void help_block(ps_world *w, void *data, const double *p, int blk)
{
    const coop_data *d = data;
    const int n = w->n_actors, a0 = blk * ROWS, a1 = ps_block_end(blk, ROWS, n);
    const double *tech = w->cur[d->f[F_TECH]], *veto = w->cur[d->f[F_VETO]];
    const double *iso = ps_world_input(w, d->isolation);
    const double *press = ps_world_input(w, d->pressure);
    const double *need = ps_world_input(w, d->need), *spare = ps_world_input(w, d->spare_fin);
    const double *sanc = ps_world_input(w, d->sanctions);
    const double *mneed[N_MATERIEL], *mspare[N_MATERIEL];
    for (int c = 0; c < N_MATERIEL; c++) {
        mneed[c] = ps_world_input(w, d->mat_need[c]);
        mspare[c] = ps_world_input(w, d->mat_spare[c]);
    }
    const double wt = p[P_W_MATERIEL] + p[P_W_FINANCE] + p[P_W_CHANNELS] + p[P_W_COVER] +
                      p[P_W_TECH];
    /* Weights, the output and a's own values in locals, read once per row: a
     * store to d->help could alias them, so they were reloaded per dyad. */
    const double wts[5] = {p[P_W_MATERIEL], p[P_W_FINANCE], p[P_W_CHANNELS], p[P_W_COVER],
                           p[P_W_TECH]};
    const double lend_rate = p[P_LEND_RATE], wdiv = wt > 0.0 ? wt : 1.0;
    double *help = d->help;
    for (int a = a0; a < a1; a++) {
        double spare_a[N_MATERIEL];
        for (int c = 0; c < N_MATERIEL; c++)
            spare_a[c] = mspare[c][a];
        const double lend_a = lend_rate * spare[a], iso_a = iso[a], veto_a = veto[a];
        const double tech_a = tech[a];
        const double *sanc_a = sanc + (size_t)a * n;
        double *row = help + (size_t)a * n;
        /* Every b as if it needed no materiel, with no branch, so that the
         * loop is vectorised: the divisions always run, by a positive
         * stand-in where the condition fails, and the condition picks the
         * result (the same bits; +-0 / wt is that same zero). */
        for (int b = 0; b < n; b++) {
            const double sum = help_sum(wts, 0.0, lend_a, need[b], press[b], iso[b], tech[b],
                                        sanc_a[b], iso_a, veto_a, tech_a);
            const double h = sum / wdiv;
            row[b] = wt > 0.0 ? h : 0.0;
        }
        /* The few b that need materiel (d->needy), again with its term. */
        for (int q = 0; q < d->n_needy; q++) {
            const int b = d->needy[q];
            double mat = 0.0, wsum = 0.0;
            for (int c = 0; c < N_MATERIEL; c++) {
                double nb = mneed[c][b];
                if (nb > 0.0) {
                    mat += ps_fmin(1.0, spare_a[c] / nb);
                    wsum += 1.0;
                }
            }
            mat = wsum > 0.0 ? mat / wsum : 0.0;
            const double sum = help_sum(wts, mat, lend_a, need[b], press[b], iso[b], tech[b],
                                        sanc_a[b], iso_a, veto_a, tech_a);
            row[b] = wt > 0.0 ? sum / wdiv : 0.0;
        }
        row[a] = 0.0; /* never read */
    }
}

/* Complementarity, cooperation, trust and finance of the rows i of block b:
 * every (i, j) reads only state t and writes only its own entries. The model's
 * arrays, the parameters and column j's own values are read into locals once
 * (a store to an output could alias them, so they were reloaded per dyad);
 * each dyad's arithmetic is the same, in the same order. */
PS_HOT static void pair_block(ps_world *w, void *data, const double *p, int blk)
{
    const coop_data *d = data;
    const int n = w->n_actors, i0 = blk * ROWS, i1 = ps_block_end(blk, ROWS, n);
    const double *coop = w->cur[d->f[F_COOP]], *trust = w->cur[d->f[F_TRUST]];
    const double *flow = w->cur[d->f[F_FLOW]];
    const double *iso = ps_world_input(w, d->isolation), *riv = ps_world_input(w, d->rivalry);
    const double *need = ps_world_input(w, d->need), *spare = ps_world_input(w, d->spare_fin);
    const double *breach = ps_world_input(w, d->breach), *kept = ps_world_input(w, d->kept);
    const double *sanc = ps_world_input(w, d->sanctions);
    const double *strike = ps_world_input(w, d->strike);
    const double *leader = ps_world_input(w, d->leader);
    double *coop_n = w->next[d->f[F_COOP]], *trust_n = w->next[d->f[F_TRUST]];
    double *comp_n = w->next[d->f[F_COMP]], *flow_n = w->next[d->f[F_FLOW]];
    const double *sanc_used = w->cur[d->sanc0];
    const double *help = d->help, *riv0 = d->riv0, *anchor = d->anchor;
    const double *mood = w->next[d->f[F_MOOD]]; /* this month's, from offer_noise */
    const double *risk = d->risk;
    const uint64_t *tmask = d->tmask;
    const int *n_enemy = d->n_enemy;
    const unsigned char *rows = d->rows;
    const int noisy = p[P_OFFER_NOISE] > 0.0;
    const double half_var = 0.5 * p[P_OFFER_NOISE] * p[P_OFFER_NOISE];
    /* With at most 64 theaters a pair shares no security interest unless
     * both are committed in one of them (theater_masks). */
    const int masks = w->n_theaters <= 64;
    const double w_sec = p[P_W_SECURITY], floor_ = p[P_FLOOR], rise = p[P_RISE];
    const double rivalry_cost = p[P_RIVALRY], decay = p[P_DECAY];
    const double sanction_cost = p[P_SANCTION_COST], enemy_cost = p[P_ENEMY_SUPPLY];
    const double strike_cost = p[P_STRIKE_COST], trust_adjust = p[P_TRUST_ADJUST];
    const double breach_penalty = p[P_BREACH], kept_reward = p[P_KEPT];
    const double strike_trust = p[P_STRIKE_TRUST], leader_trust = p[P_LEADER_TRUST];
    const double lend_rate = p[P_LEND_RATE], ramp = p[P_RAMP];
    for (int j = 0; j < n; j++) {
        const double iso_j = iso[j], leader_j = leader[j], need_j = need[j], risk_j = risk[j];
        const uint64_t tmask_j = tmask[j];
        const int enemies_j = n_enemy[j] > 0, rows_j = rows[j];
        for (int i = i0; i < i1; i++) {
            size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
            if (i == j) {
                coop_n[ij] = trust_n[ij] = comp_n[ij] = flow_n[ij] = 0.0;
                continue;
            }
            /* What each can do for the other's needs: A[0] j for i, A[1] i for j. */
            const double A[2] = {help[ji], help[ij]};
            /* sqrt(+-0) is that same zero, and most pairs offer each other
             * nothing: no square root for them. */
            double prod = A[0] * A[1];
            double comp = prod != 0.0 ? sqrt(prod) : prod;
            /* The mood and the anchor are symmetric (written both ways, the
             * anchor from the symmetric initial cooperation): read along the
             * column block's rows ([j][i0..i1), contiguous) rather than down
             * its columns. The offers' lognormal factor only where there
             * are offers: min(1, +-0 x factor) is that same zero (until
             * 2026-12-07 it was computed for every pair, most of them
             * without offers). */
            if (noisy && prod != 0.0)
                comp = ps_fmin(1.0, comp * exp(mood[ji] - half_var));
            comp_n[ij] = comp;
            /* Cooperation is symmetric: both rows move together. */
            double c0 = 0.5 * (coop[ij] + coop[ji]);
            double t_mut = 0.5 * (trust[ij] + trust[ji]);
            double security = masks && !(tmask[i] & tmask_j) ? 0.0
                                                               : shared_security(w, d, coop, i, j);
            double motive = comp + w_sec * security;
            double drive = motive * (floor_ + ps_fmin(iso[i], iso_j)) * (0.5 + 0.5 * t_mut);
            /* The terms of rows that row_flags found all zero are +-0, and
             * x - (+-0) is x unless x is -0, which c1 and t1 never are (a
             * difference is -0 only from -0, and they start from sums of
             * non-negative values): such terms are left out, with their reads
             * down the columns. */
            const int rows_i = rows[i];
            double c1 = c0 + rise * drive * (1.0 - c0);
            if (rows_i & ROW_RIVALRY)
                c1 -= rivalry_cost * ps_fmax(0.0, riv[ij] - riv0[ij]) * c0;
            c1 -= decay * (c0 - anchor[ji]);
            /* Sanctions between the pair (above the level it is used to) and arms
             * to an enemy fighting on the other's territory wear the ties down. */
            double sanc_up = (rows_i | rows_j) & ROW_SANCTIONS
                                 ? ps_fmax(ps_fmax(0.0, sanc[ij] - sanc_used[ij]),
                                           ps_fmax(0.0, sanc[ji] - sanc_used[ji]))
                                 : 0.0;
            double hostile = ps_fmax(n_enemy[i] ? hostile_supply(d, n, i, j) : 0.0,
                                     enemies_j ? hostile_supply(d, n, j, i) : 0.0);
            c1 -= (sanction_cost * sanc_up + enemy_cost * hostile) * c0;
            /* A strike by either side on the other (strikes model). */
            if ((rows_i | rows_j) & ROW_STRIKE)
                c1 -= strike_cost * ps_fmin(1.0, ps_fmax(strike[ij], strike[ji])) * c0;
            coop_n[ij] = ps_fmin(1.0, ps_fmax(0.0, c1));
            /* Trust of i in j: follows cooperation, hit by j's broken promises to i. */
            double t1 = trust[ij] + trust_adjust * (c0 - trust[ij]);
            double owed = breach[ji] + kept[ji];
            if (owed > 0.0)
                t1 += -breach_penalty * breach[ji] / owed * trust[ij] +
                      kept_reward * kept[ji] / owed * (1.0 - trust[ij]);
            if (rows_j & ROW_STRIKE) /* j struck i */
                t1 -= strike_trust * strike[ji] * trust[ij];
            if (leader[i] > 0.0 || leader_j > 0.0) /* a new leader on either side */
                t1 -= leader_trust * trust[ij];
            trust_n[ij] = ps_fmin(1.0, ps_fmax(0.0, t1));
            /* Finance j -> i is computed in row j; here row i lends to column j. */
            double open = rows_i & ROW_SANCTIONS ? supply_open(sanc, n, i, j) : 1.0; /* 1 - +-0 */
            double willing = c0 * (1.0 - deal_risk(risk_j, iso[i])) * open;
            double desired = ps_fmin(need_j * willing, lend_rate * spare[i]);
            flow_n[ij] = flow[ij] + ramp * (desired - flow[ij]);
        }
    }
}

/* What recipient i (which needs materiel) asks of supplier j in each category
 * c, before the supplier's spare scales it: need x max(0, willingness). */
static void arms_order(const coop_data *d, const double *coop, const double *iso,
                       const double *sanc, double mat_risk, const double *need_i, int n, int i,
                       int j, double *want)
{
    size_t ji = (size_t)j * n + i, ij = (size_t)i * n + j;
    double willing = 0.5 * (coop[ij] + coop[ji]) *
                     (1.0 - ps_fmin(1.0, mat_risk * deal_risk(d->risk[i], iso[j]))) *
                     supply_open(sanc, n, j, i);
    for (int c = 0; c < N_MATERIEL; c++)
        want[c] = i == j ? 0.0 : need_i[c] * ps_fmax(0.0, willing);
}

/* Arms of the suppliers j of block b: j shares its spare among recipients by
 * need x willingness; what the spare cannot cover is a backorder (the military
 * model builds capacity for the part the buyer can pay). The orders of the
 * recipients that need something (d->needy, few) are summed first and
 * computed again when scaled (the same arithmetic, so the same bits: no
 * write down a column). Every other recipient's needs are +0 or -0
 * (military's max(0, .)), and need x max(0, willingness) is that same zero
 * (max(0, w) is -0 only when the pair's cooperation is -0 both ways, which no
 * step makes from non-negative values and no config gives: get_real reads -0
 * as +0), so its order is its need, read along the row; the totals lack only
 * zeros, which leave a sum's bits as they are. Writes only rows j. */
PS_HOT static void arms_block(ps_world *w, void *data, const double *p, int b)
{
    const coop_data *d = data;
    const int n = w->n_actors, j0 = b * ROWS, j1 = ps_block_end(b, ROWS, n);
    const double *coop = w->cur[d->f[F_COOP]];
    const double *iso = ps_world_input(w, d->isolation);
    const double *sanc = ps_world_input(w, d->sanctions);
    const double *arms[N_MATERIEL], *mneed[N_MATERIEL], *mspare[N_MATERIEL];
    double *arms_n[N_MATERIEL], *back_n[N_MATERIEL];
    for (int c = 0; c < N_MATERIEL; c++) {
        arms[c] = w->cur[d->f[F_ARMS0 + c]];
        arms_n[c] = w->next[d->f[F_ARMS0 + c]];
        back_n[c] = w->next[d->f[F_BACK0 + c]];
        mneed[c] = ps_world_input(w, d->mat_need[c]);
        mspare[c] = ps_world_input(w, d->mat_spare[c]);
    }
    const double mat_risk = p[P_MATERIEL_RISK], ramp = p[P_RAMP];
    double total[ROWS][N_MATERIEL] = {{0.0}};
    for (int k = 0; k < d->n_needy; k++) { /* ascending i: the sums' order */
        const int i = d->needy[k];
        double need_i[N_MATERIEL], want[N_MATERIEL];
        for (int c = 0; c < N_MATERIEL; c++)
            need_i[c] = mneed[c][i];
        for (int j = j0; j < j1; j++) {
            arms_order(d, coop, iso, sanc, mat_risk, need_i, n, i, j, want);
            for (int c = 0; c < N_MATERIEL; c++)
                total[j - j0][c] += want[c];
        }
    }
    for (int j = j0; j < j1; j++) {
        double scale[N_MATERIEL];
        for (int c = 0; c < N_MATERIEL; c++) {
            double sp = mspare[c][j], tot = total[j - j0][c];
            scale[c] = tot > sp ? (tot > 0.0 ? sp / tot : 0.0) : 1.0;
            /* Distinct arrays (restrict), so the loop is vectorised. */
            double *restrict to = arms_n[c] + (size_t)j * n, *restrict back = back_n[c] + (size_t)j * n;
            const double *restrict from = arms[c] + (size_t)j * n, *restrict need = mneed[c];
            const double sc = scale[c];
            for (int i = 0; i < n; i++) { /* every i as one that needs nothing */
                back[i] = need[i] * (1.0 - sc); /* the order the spare cannot meet */
                to[i] = from[i] + ramp * (need[i] * sc - from[i]);
            }
        }
        /* Then the recipients that need something, and the diagonal. */
        for (int k = 0; k <= d->n_needy; k++) {
            const int i = k < d->n_needy ? d->needy[k] : j;
            double need_i[N_MATERIEL], want[N_MATERIEL];
            for (int c = 0; c < N_MATERIEL; c++)
                need_i[c] = mneed[c][i];
            arms_order(d, coop, iso, sanc, mat_risk, need_i, n, i, j, want);
            for (int c = 0; c < N_MATERIEL; c++) {
                size_t ji = (size_t)j * n + i;
                back_n[c][ji] = want[c] * (1.0 - scale[c]);
                arms_n[c][ji] = arms[c][ji] + ramp * (want[c] * scale[c] - arms[c][ji]);
            }
        }
    }
}

/* Rows of block blk: the sanctions each actor has got used to move toward
 * those in force (element by element; only when the sanctions model runs). */
PS_HOT static void habituation_block(ps_world *w, void *data, const double *p, int blk)
{
    const coop_data *d = data;
    const int n = w->n_actors;
    const size_t k0 = (size_t)blk * ROWS * n, k1 = (size_t)ps_block_end(blk, ROWS, n) * n;
    const double *sanc = w->cur[d->sanctions], *used = w->cur[d->sanc0];
    double *used_n = w->next[d->sanc0];
    for (size_t k = k0; k < k1; k++)
        used_n[k] = used[k] + p[P_HABITUATION] * (sanc[k] - used[k]);
}

PS_HOT static ps_status coop_step(ps_world *w, int self, void *data, ps_error *err)
{
    coop_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors, nb = ps_block_count(n, ROWS);
    const double *coop = w->cur[d->f[F_COOP]], *sanc = ps_world_input_or_null(w, d->sanctions);
    theater_masks(w, d);
    actor_values(w, d, p);
    row_flags(w, d);
    enemy_supply(w, d, coop);
    /* offer_mood and the habituated sanctions are in .overwrites (written
     * whole here, so the engine need not copy them first): without noise
     * the mood, without the sanctions model the habituation, keep state t. */
    const size_t nn = (size_t)n * n;
    if (p[P_OFFER_NOISE] > 0.0) {
        ps_status st = offer_noise(w, d, p, 0, err);
        if (st != PS_OK)
            return st;
    } else {
        memcpy(w->next[d->f[F_MOOD]], w->cur[d->f[F_MOOD]], nn * sizeof(double));
    }
    if (!sanc)
        memcpy(w->next[d->sanc0], w->cur[d->sanc0], nn * sizeof(double));
    ps_inner_for(w, nb, help_block, d, p);
    ps_inner_for(w, nb, pair_block, d, p);
    ps_inner_for(w, nb, arms_block, d, p);
    if (sanc) /* habituation to sanctions in force */
        ps_inner_for(w, nb, habituation_block, d, p);
    return PS_OK;
}

const ps_model ps_model_cooperation = {
    .name = "cooperation",
    .description = "needs and offers, complementarity, cooperation and trust, and the "
                   "exchanges they carry (arms by category, finance)",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "cooperation trust complementarity finance_flow arms_transfer_drones "
                  "arms_transfer_munitions arms_transfer_air_defense arms_transfer_aircraft "
                  "arms_backorder_drones arms_backorder_munitions arms_backorder_air_defense "
                  "arms_backorder_aircraft offer_mood cooperation_sanctions_habituated",
    .metric_reads = "cooperation:RUS-IRN arms_transfer_drones:IRN-RUS",
    .computed = "complementarity offer_mood",
    .init = coop_init,
    .step = coop_step,
    .free = coop_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
