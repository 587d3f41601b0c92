/* Client regimes and their patrons.
 *
 * An actor is a client when some patron gives it support (dyad `patronage`,
 * patron -> client: the patron's share of the support the regime needs to
 * hold, as configured). The support that arrives is each patron's share,
 * scaled by how much of its forces it still keeps in the theater the client
 * hosts (against its reference presence), by the money it sends against the
 * client's financing need, and by its own military strain (a patron fighting
 * elsewhere has fewer aircraft, munitions and attention to spare). Regime
 * stability relaxes toward the balance of the regime's own strength plus
 * that support against the opposition (and the foreign backing the opposition
 * gets), with monthly random shocks; below a threshold the regime collapses
 * (logged as `regime_collapse`; absorbing by default). The opposition is not
 * fixed: it grows while the regime's support falls short of a reference level
 * and while its economy contracts, shrinks under strong support, and takes
 * random political shocks (offensives, defections, uprisings) at a monthly
 * rate, so that a regime whose patrons leave falls at an uncertain time.
 * Non-clients carry the fill value -1. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

#define CLIENT_STREAM 31u /* random stream of this model (economy 1, oil 11, strikes 41) */
#define POLITICAL_STREAM 33u /* political shocks to the opposition (promises 53, cooperation 63) */
#define NON_CLIENT (-1.0)

enum { P_OWN, P_RATE, P_SHOCK, P_THRESHOLD, P_STRAIN, P_MONEY, P_ABSORBING, P_OPP_RESPONSE,
       P_SUPPORT_REF, P_WEAKNESS, P_POL_RATE, P_POL_SIZE };
static const ps_param params[] = {
    {"own_strength", PS_REAL, "1", 0.0, 5.0, 0.25,
     "the regime's own strength (army, security services) in units of full external support",
     "assumption: the article's Assad regime needed Iran's militia (2012) and Russia's intervention "
     "(2015) to hold; on its own it is a fraction of that support"},
    {"adjust_rate", PS_REAL, "1/month", 0.0, 1.0, 0.1,
     "monthly share of the gap between stability and its balance that closes",
     "assumption: the balance on the ground shifts over about a year"},
    {"shock_sd", PS_REAL, "1/month", 0.0, 0.5, 0.04,
     "standard deviation of the monthly random shock to stability (offensives, defections, unrest)",
     "assumption: a stationary spread of about 0.09 around the balance, so that a regime near the "
     "threshold falls within a few years and one far above it does not"},
    {"collapse_threshold", PS_REAL, "1", 0.0, 1.0, 0.25,
     "stability below which the regime collapses",
     "assumption: a regime holding a quarter of its strength-versus-opposition balance has lost control"},
    {"strain_weight", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of a patron's support lost at full military strain (strain 1)",
     "assumption: a patron at war elsewhere keeps half of its support (bases, advisers, militias it pays)"},
    {"money_weight", PS_REAL, "1", 0.0, 1.0, 0.3,
     "share of a patron's support that is money (the rest is forces in the client's theater)",
     "assumption: air power and militias weigh more than loans and credit lines in a civil war"},
    {"collapse_absorbing", PS_BOOL, "1", 0, 1, 1,
     "1: a collapsed regime stays collapsed (stability 0); 0: stability keeps moving and each fall "
     "below the threshold is a new collapse",
     "assumption: the model has no successor regime"},
    {"opposition_response", PS_REAL, "1/month", 0.0, 0.2, 0.02,
     "monthly change of the opposition's strength per unit of support below support_reference "
     "(a shrinking when support is above it); 0 keeps the opposition fixed but for events",
     "assumption, to be calibrated: with Syria's support halved (0.5 against 0.8) the opposition "
     "gains about 0.07 a year, so it takes years, not months, to double; the direction follows the "
     "civil-war literature (Fearon & Laitin 2003, APSR 97(1): insurgency thrives where the state's "
     "capacity to police it is weak)"},
    {"support_reference", PS_REAL, "1", 0.0, 1.0, 0.8,
     "external support at which the opposition neither grows nor shrinks",
     "assumption: Syria 2016-2021, with full Russian and Iranian support, retook Aleppo, Ghouta and "
     "Daraa (the opposition shrank); support a fifth below that still holds the line"},
    {"weakness_response", PS_REAL, "1/month", 0.0, 1.0, 0.05,
     "monthly growth of the opposition per unit of annual GDP contraction of the client "
     "(gdp_growth < 0; economy model)",
     "assumption on size; direction from Miguel, Satyanath & Sergenti (2004, JPE 112(4)): a negative "
     "growth shock of five points raises the likelihood of civil conflict by about half the next "
     "year. A 10% contraction adds 0.06 a year"},
    {"political_shock_rate", PS_REAL, "1/month", 0.0, 0.2, 0.01,
     "monthly probability of a political shock that strengthens the opposition (an offensive, "
     "defections, an uprising) for each client regime",
     "assumption, order of magnitude: autocratic regimes in the Geddes-Wright-Frantz data (2014, "
     "Perspectives on Politics 12(2)) end at a rate of a few percent a year; one shock in about eight "
     "years, most of which a supported regime survives"},
    {"political_shock_size", PS_REAL, "1", 0.0, 2.0, 0.3,
     "mean size of a political shock, added to the opposition's strength (exponentially distributed)",
     "assumption: a shock the size of the 2015 opposition advance (Idlib, Palmyra) that brought "
     "Russia in, a large share of Syria's 0.4"},
};

enum { F_PATRONAGE, F_OPPOSITION, F_STABILITY, F_SUPPORT, F_COLLAPSED, F_BACKING, F_NFIELDS };
static const ps_field fields[] = {
    {"patronage", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "patron (source) -> client (target): the patron's share of the support the client regime "
     "needs to hold",
     "initial: per pair in the config (assumption); `patronage` events"},
    {"opposition_strength", PS_ACTOR, "1", 0.0, 0.0, 5.0,
     "strength of the armed opposition to the regime, in units of full external support (clients "
     "only)",
     "initial: per actor in the config (assumption); then computed (support shortfall, economic "
     "contraction, political shocks); `opposition` events"},
    {"regime_stability", PS_ACTOR, "1", NON_CLIENT, -1.0, 1.0,
     "stability of a client regime (0 collapsed .. 1 secure); -1 = not a client (no patron) — a "
     "fill value, not a stability",
     "initial: per actor in the config, or the balance of own strength and support against "
     "opposition when not given; then computed"},
    {"regime_support", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "external support the client receives (0..1 of what it needs); 0 for non-clients", "computed"},
    {"regime_collapsed", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "1 once the client regime has collapsed (with collapse_absorbing), or while its stability is "
     "below the threshold (without); 0 otherwise",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"opposition_backing", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "backer (source) -> regime (target): foreign support for the armed opposition to target's "
     "regime, in units of full external support (0: none)",
     "initial: per pair in the config (assumption); `opposition_backing` events"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_COMMITMENT, IN_MILITARY_STRAIN, IN_FINANCE_FLOW, IN_PROMISE_DELIVERY, IN_FINANCE_NEED,
       IN_GDP_GROWTH };
static const ps_input inputs[] = {
    {"commitment", PS_THEATER, 1, 1},
    {"military_strain", PS_ACTOR, 1, 1},
    {"finance_flow", PS_DYAD, 1, 1},
    {"promise_delivery", PS_DYAD, 1, 1},
    {"finance_need", PS_ACTOR, 1, 1},
    {"gdp_growth", PS_ACTOR, 1, 1},
};

enum { E_PATRONAGE, E_OPPOSITION, E_COLLAPSE, E_BACKING, E_NEVENTS };
static const ps_event_type events[] = {
    {"patronage", "1", 0.0, 1.0,
     "source becomes (or stops being, m = 0) a patron of target: patronage = m", 0, PS_EVENT_PAIR, NULL},
    {"opposition", "1", 0.0, 5.0, "the opposition to target's regime changes: opposition_strength = m", 0, PS_EVENT_TARGET, NULL},
    {"regime_collapse", "1", 0.0, 1.0,
     "the model: a client regime collapsed; magnitude = its external support that month", 1, 0, NULL},
    {"opposition_backing", "1", 0.0, 1.0,
     "source backs (or stops backing, m = 0) the armed opposition to target's regime: "
     "opposition_backing = m", 0, PS_EVENT_PAIR, NULL},
};

/* ---------------------------------------------------------------- metrics */
static double metric_collapsed(const ps_run *run)
{
    int f = ps_field_index(fields[F_COLLAPSED].name);
    if (f < 0 || run->n_months <= 0)
        return NAN;
    size_t n = (size_t)run->sc->n_actors, t = (size_t)run->n_months - 1;
    double c = 0.0;
    for (size_t i = 0; i < n; i++)
        c += run->series[f][t * n + i] > 0.5;
    return c;
}

static double metric_syr_stability(const ps_run *run)
{
    int i = ps_scenario_actor(run->sc, "SYR");
    int t0 = ps_run_month(run, 2025, 1), t1 = ps_run_month(run, 2026, 1);
    if (i < 0 || t1 <= t0)
        return NAN;
    return ps_run_actor_mean(run, fields[F_STABILITY].name, i, t0, t1);
}

static const ps_metric metrics[] = {
    {"regimes_collapsed", "1", "client regimes collapsed at the end of the run", metric_collapsed},
    {"syr_regime_stability_2025", "1",
     "Syria's regime stability, mean over 2025 (NaN if SYR is absent or 2025 is outside the run; -1 "
     "if Syria is not a client)",
     metric_syr_stability},
};

/* ---------------------------------------------------------------- model */
/* Internal state (not output). */
static const ps_field internal[] = {
    {"clients_reference_commitment", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "a patron's reference presence in a theater: its first positive commitment there (0: none "
     "yet); presence is measured against it",
     "commitment at the start, else the first month it is positive"},
};

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int ref; /* internal field: clients_reference_commitment */
    int commitment, strain, flow, paid, need, growth;
    char *patroned; /* [i] scratch: some j != i has patronage over i */
    ps_rng *rng;
} clients_data;

static void clients_free(void *data)
{
    clients_data *d = data;
    if (!d)
        return;
    ps_rng_free(d->rng);
    free(d->patroned);
    free(d);
}

/* The first theater hosted by actor i, or -1. */
static int hosted(const ps_world *w, int i)
{
    for (int th = 0; th < w->n_theaters; th++)
        if (w->sc->theater_host[th] == i)
            return th;
    return -1;
}

/* External support S_i (0..1) from state t, with the reference commitments
 * ref as updated for this month. */
static double support(const ps_world *w, const clients_data *d, const double *p,
                      const double *ref, int i, int *is_client)
{
    int n = w->n_actors, nt = w->n_theaters, th = hosted(w, i);
    const double *pat = w->cur[d->f[F_PATRONAGE]];
    double need = ps_world_input(w, d->need)[i];
    double s = 0.0;
    *is_client = 0;
    for (int j = 0; j < n; j++) {
        size_t ji = (size_t)j * n + i;
        if (j == i || pat[ji] <= 0.0)
            continue;
        *is_client = 1;
        double presence = 1.0; /* no theater, or no reference presence: forces not measured */
        if (th >= 0 && d->commitment >= 0 && ref[(size_t)j * nt + th] > 0.0)
            presence = w->cur[d->commitment][(size_t)j * nt + th] / ref[(size_t)j * nt + th];
        double money = 1.0; /* a client with no financing gap needs no money */
        if (need > 0.0) {
            double sent = ps_world_input(w, d->flow)[ji] + ps_world_input(w, d->paid)[ji];
            money = ps_fmin(1.0, sent / need);
        }
        double strain = ps_world_input(w, d->strain)[j];
        s += pat[ji] * (1.0 - p[P_STRAIN] * strain) *
             ((1.0 - p[P_MONEY]) * presence + p[P_MONEY] * money);
    }
    return ps_fmin(1.0, ps_fmax(0.0, s));
}

/* Foreign backing of the opposition to i's regime, B_i = sum_j Q_ji (1 - kappa
 * strain_j): a backer at war elsewhere has less to spare, as a patron has. */
static double backing(const ps_world *w, const clients_data *d, const double *p, int i)
{
    int n = w->n_actors;
    const double *q = w->cur[d->f[F_BACKING]];
    double b = 0.0;
    for (int j = 0; j < n; j++) {
        double qji = q[(size_t)j * n + i];
        if (j == i || qji <= 0.0)
            continue;
        double strain = ps_world_input(w, d->strain)[j];
        b += qji * (1.0 - p[P_STRAIN] * strain);
    }
    return b;
}

/* Balance of the regime: (b + S) / (b + S + o + B). */
static double balance(const double *p, double s, double opp)
{
    double num = p[P_OWN] + s, den = num + opp;
    return den > 0.0 ? num / den : 1.0;
}

/* The opposition next month (state t; s = the support computed from it):
 * o + rho (S* - S) + eta max(0, -g) + J, clamped to [0, 5]; J is a political
 * shock: with probability h, size * Exp(1), from its own stream. */
static double opposition_next(const ps_world *w, clients_data *d, const double *p, int i,
                              double s, double opp)
{
    double o = opp + p[P_OPP_RESPONSE] * (p[P_SUPPORT_REF] - s);
    if (d->growth >= 0)
        o += p[P_WEAKNESS] * ps_fmax(0.0, -w->cur[d->growth][i]);
    if (p[P_POL_RATE] > 0.0) {
        gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month,
                                ps_world_actor_key(w, i), POLITICAL_STREAM);
        if (gsl_rng_uniform(r) < p[P_POL_RATE])
            o += p[P_POL_SIZE] * gsl_ran_exponential(r, 1.0);
    }
    return ps_fmin(5.0, ps_fmax(0.0, o));
}

/* The first positive commitment seen becomes the reference (in place: ref
 * is next's copy of state t, or the state at init). */
static void update_ref(const ps_world *w, double *ref, const double *c)
{
    size_t m = (size_t)w->n_actors * w->n_theaters;
    for (size_t k = 0; k < m; k++)
        if (ref[k] <= 0.0 && c[k] > 0.0)
            ref[k] = c[k];
}

static ps_status clients_init(ps_world *w, int self, void **data, ps_error *err)
{
    clients_data *d = calloc(1, sizeof *d);
    if (!d || !(d->rng = ps_rng_alloc()) ||
        !(d->patroned = calloc((size_t)w->n_actors + 1, 1))) {
        clients_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->ref = ps_model_internal(self, 0);
    d->commitment = ps_model_input(self, IN_COMMITMENT);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    d->flow = ps_model_input(self, IN_FINANCE_FLOW);
    d->paid = ps_model_input(self, IN_PROMISE_DELIVERY);
    d->need = ps_model_input(self, IN_FINANCE_NEED);
    d->growth = ps_model_input(self, IN_GDP_GROWTH);
    double *ref = w->cur[d->ref];
    if (d->commitment >= 0)
        update_ref(w, ref, w->cur[d->commitment]);
    /* Clients without a configured stability start at their balance; non-clients at the fill. */
    const double *p = ps_world_param_values(w, self);
    double *x = w->cur[d->f[F_STABILITY]], *sup = w->cur[d->f[F_SUPPORT]];
    for (int i = 0; i < w->n_actors; i++) {
        int client;
        double s = support(w, d, p, ref, i, &client);
        sup[i] = client ? s : 0.0;
        if (!client)
            x[i] = NON_CLIENT;
        else if (x[i] < 0.0)
            x[i] = balance(p, s, w->cur[d->f[F_OPPOSITION]][i] + backing(w, d, p, i));
    }
    *data = d;
    return PS_OK;
}

PS_HOT static ps_status clients_step(ps_world *w, int self, void *data, ps_error *err)
{
    clients_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors;
    const double *x = w->cur[d->f[F_STABILITY]], *opp = w->cur[d->f[F_OPPOSITION]];
    const double *gone = w->cur[d->f[F_COLLAPSED]];
    double *x1 = w->next[d->f[F_STABILITY]], *sup1 = w->next[d->f[F_SUPPORT]];
    double *gone1 = w->next[d->f[F_COLLAPSED]], *opp1 = w->next[d->f[F_OPPOSITION]];
    double *ref = w->next[d->ref];
    if (d->commitment >= 0)
        update_ref(w, ref, w->cur[d->commitment]);
    /* Who has a patron, row by row: support() walks a column of patronage,
     * one cache miss a value at large N, and most actors are nobody's client
     * (for them it gives s = 0 and no client, as below). */
    const double *pat = w->cur[d->f[F_PATRONAGE]];
    memset(d->patroned, 0, (size_t)n);
    char *restrict patroned = d->patroned;
    for (int j = 0; j < n; j++) {
        /* Row j but its diagonal, in two runs without a test per value, so
         * that the loops are vectorised (an or: the order does not matter). */
        const double *restrict row = pat + (size_t)j * n;
        for (int i = 0; i < j; i++)
            patroned[i] |= row[i] > 0.0;
        for (int i = j + 1; i < n; i++)
            patroned[i] |= row[i] > 0.0;
    }
    /* Serial: few clients, and a collapse is logged. */
    for (int i = 0; i < n; i++) {
        int client = 0;
        double s = d->patroned[i] ? support(w, d, p, ref, i, &client) : 0.0;
        sup1[i] = client ? s : 0.0;
        if (!client) {
            x1[i] = NON_CLIENT;
            gone1[i] = 0.0;
            continue;
        }
        if (p[P_ABSORBING] > 0.5 && gone[i] > 0.5) { /* fallen: stays fallen */
            x1[i] = 0.0;
            continue;
        }
        double against = opp[i] + backing(w, d, p, i);
        double x0 = x[i] < 0.0 ? balance(p, s, against) : x[i]; /* a new client */
        gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month, ps_world_actor_key(w, i),
                                CLIENT_STREAM);
        double shock = p[P_SHOCK] > 0.0 ? gsl_ran_gaussian(r, p[P_SHOCK]) : 0.0;
        double xn = x0 + p[P_RATE] * (balance(p, s, against) - x0) + shock;
        opp1[i] = opposition_next(w, d, p, i, s, opp[i]);
        xn = ps_fmin(1.0, ps_fmax(0.0, xn));
        int below = xn < p[P_THRESHOLD];
        if (below && gone[i] < 0.5) {
            if (ps_world_log_event(w, events[E_COLLAPSE].name, -1, i, s, "model") != PS_OK)
                return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
        }
        if (p[P_ABSORBING] > 0.5 && below)
            xn = 0.0;
        x1[i] = xn;
        gone1[i] = below ? 1.0 : 0.0;
    }
    return PS_OK;
}

static ps_status clients_event(ps_world *w, int self, void *data, const ps_event *ev,
                               ps_error *err)
{
    (void)self;
    clients_data *d = data;
    int n = w->n_actors;
    if (ev->type == d->ev[E_PATRONAGE]) {
        if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
            return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
        w->next[d->f[F_PATRONAGE]][(size_t)ev->source * n + ev->target] = ev->magnitude;
    } else if (ev->type == d->ev[E_OPPOSITION]) {
        if (ev->target < 0)
            return ps_error_set(err, PS_ERR_CONFIG, "needs a target actor (the client)");
        w->next[d->f[F_OPPOSITION]][ev->target] = ev->magnitude;
    } else if (ev->type == d->ev[E_BACKING]) {
        if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
            return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
        w->next[d->f[F_BACKING]][(size_t)ev->source * n + ev->target] = ev->magnitude;
    } else {
        return ps_error_set(err, PS_ERR_CONFIG, "event type is generated by the model, "
                            "not for timelines");
    }
    return PS_OK;
}

const ps_model ps_model_clients = {
    .name = "clients",
    .description = "client regimes: stability from patrons' support (forces in the client's "
                   "theater, money, less their strain elsewhere) against an opposition that "
                   "grows when support falls short, with shocks and collapse",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .metric_reads = "regime_collapsed regime_stability",
    .computed = "regime_support",
    .init = clients_init,
    .step = clients_step,
    .apply_event = clients_event,
    .free = clients_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
