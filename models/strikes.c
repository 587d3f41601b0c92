/* Strikes and partners' responses.
 *
 * A timeline `strike` event (source attacks target, magnitude 0..1) is
 * recorded in the dyad field `strike` for the month it happens. The next
 * month every partner k of the target (an agreement with it, or cooperation
 * at least `partner_threshold`) other than the striker chooses a response:
 * 0 none, 1 diplomatic, 2 material (arms, money), 3 military. The choice is
 * an ordered logit: a latent propensity
 *   z = b_A A/3 + b_D [A = 3] + b_c c_ky + b_m m - b_s s_k - b_p K_x/(K_x+K_k) - b_x c_kx
 * (agreement level A with the target, the mutual-defense bonus, cooperation
 * with the target, the strike's magnitude, k's own military strain, the
 * striker's military capacity relative to k's, and k's cooperation with the
 * striker) plus a standard logistic draw e; the response is the number of
 * cut-points (diplomatic < material < military) that z + e exceeds. Draws
 * are keyed by (replicate, month, partner, target, striker), so frequencies
 * over replicates estimate the choice probabilities. Responses are output in
 * `strike_response` and logged as `strike_response` events (none included). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

#define STRIKE_STREAM 41u /* random stream of this model (economy 1, oil 11, clients 31) */

enum { P_PARTNER, P_B_AGREE, P_B_DEFENSE, P_B_COOP, P_B_MAG, P_B_STRAIN, P_B_POWER, P_B_TIES,
       P_CUT1, P_CUT2, P_CUT3 };
static const ps_param params[] = {
    {"partner_threshold", PS_REAL, "1", 0.0, 1.0, 0.2,
     "cooperation with the target (mean of both directions) from which an actor without an agreement "
     "counts as a partner that decides a response",
     "assumption: actors with no agreement and little cooperation do not weigh in"},
    {"weight_agreement", PS_REAL, "1", 0.0, 20.0, 1.5,
     "propensity per unit of agreement level / 3 with the target",
     "assumption: each rung of formal commitment makes a response more likely"},
    {"weight_defense", PS_REAL, "1", 0.0, 20.0, 2.5,
     "extra propensity of a mutual-defense ally (agreement level 3)",
     "assumption: a treaty obligation to fight (e.g. NATO art. 5) weighs more than a partnership; "
     "the article's Russia-Iran 'convergence' carries no such obligation"},
    {"weight_cooperation", PS_REAL, "1", 0.0, 20.0, 2.0,
     "propensity per unit of cooperation with the target",
     "assumption: close partners have more at stake in the target"},
    {"weight_magnitude", PS_REAL, "1", 0.0, 20.0, 1.0,
     "propensity per unit of strike magnitude",
     "assumption: larger attacks draw stronger responses"},
    {"weight_strain", PS_REAL, "1", 0.0, 20.0, 2.0,
     "propensity lost per unit of the partner's own military strain",
     "assumption: a partner at war elsewhere has little to send (article: Russia's 'military "
     "shortcomings')"},
    {"weight_power", PS_REAL, "1", 0.0, 20.0, 2.0,
     "propensity lost per unit of the striker's share of the pair's military capacity K_x/(K_x+K_k)",
     "assumption: escalating against a stronger striker is costlier"},
    {"weight_striker_ties", PS_REAL, "1", 0.0, 20.0, 2.0,
     "propensity lost per unit of the partner's cooperation with the striker",
     "assumption: a partner with ties to the striker has something to lose (article: Moscow also "
     "courts Iran's rivals)"},
    {"cut_diplomatic", PS_REAL, "1", -20.0, 20.0, 0.0,
     "latent threshold of a diplomatic response",
     "assumption: an average partner protests about half the time"},
    {"cut_material", PS_REAL, "1", -20.0, 20.0, 1.5,
     "latent threshold of a material response (arms, money)",
     "assumption: between protest and force"},
    {"cut_military", PS_REAL, "1", -20.0, 20.0, 3.5,
     "latent threshold of a military response",
     "assumption: a partnership-level partner fights in about one case in five or fewer, a full ally in "
     "most (weights above)"},
};

enum { F_STRIKE, F_RESPONSE, F_NFIELDS };
static const ps_field fields[] = {
    {"strike", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "magnitude of the strike by the source on the target this month (0: none)",
     "timeline `strike` events"},
    {"strike_response", PS_DYAD, "level", 0.0, 0.0, 3.0,
     "response of the source to a strike on the target last month: 0 none, 1 diplomatic, 2 "
     "material, 3 military (the strongest if several strikes)",
     "computed"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_COOPERATION, IN_AGREEMENT_LEVEL, IN_MILITARY_STRAIN, IN_MILITARY_CAPACITY };
static const ps_input inputs[] = {
    {"cooperation", PS_DYAD, 1, 0},
    {"agreement_level", PS_DYAD, 1, 0},
    {"military_strain", PS_ACTOR, 1, 0},
    {"military_capacity", PS_ACTOR, 1, 0},
};

enum { E_STRIKE, E_RESPONSE, E_NEVENTS };
static const ps_event_type events[] = {
    {"strike", "1", 0.0, 1.0,
     "source strikes target with magnitude m (0 token .. 1 major attack); the target's partners "
     "respond the next month", 0, PS_EVENT_PAIR, NULL},
    {"strike_response", "level", 0.0, 3.0,
     "the model: a partner (source) of a struck actor (target) responded: 0 none, 1 diplomatic, 2 "
     "material, 3 military; id names the striker", 1, 0, NULL},
};

static double metric_military(const ps_run *run)
{
    int e = ps_registry_find_event_type("strike_response");
    double c = 0.0;
    for (int k = 0; k < run->n_events; k++)
        c += run->events[k].type == e && run->events[k].magnitude >= 3.0;
    return c;
}

static const ps_metric metrics[] = {
    {"military_responses", "1", "number of military responses to strikes in the run",
     metric_military},
};

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int coop, agree, strain, cap;
    ps_rng *rng;
} strikes_data;

static void strikes_free(void *data)
{
    strikes_data *d = data;
    if (!d)
        return;
    ps_rng_free(d->rng);
    free(d);
}

static ps_status strikes_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w;
    (void)self;
    strikes_data *d = calloc(1, sizeof *d);
    if (!d || !(d->rng = ps_rng_alloc())) {
        strikes_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->agree = ps_model_input(self, IN_AGREEMENT_LEVEL);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    d->cap = ps_model_input(self, IN_MILITARY_CAPACITY);
    *data = d;
    return PS_OK;
}

static double sym(const double *v, int n, int a, int b)
{
    return 0.5 * (v[(size_t)a * n + b] + v[(size_t)b * n + a]);
}

PS_HOT static ps_status strikes_step(ps_world *w, int self, void *data, ps_error *err)
{
    strikes_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors;
    const double *strike = w->cur[d->f[F_STRIKE]];
    double *resp1 = w->next[d->f[F_RESPONSE]];
    /* This month's strikes come with the events. */
    ps_dyad_zero(w, w->next[d->f[F_STRIKE]]);
    ps_dyad_zero(w, resp1);
    /* Absent inputs read the world's zeros: no cooperation, agreement,
     * capacity or strain (0.5 * (0 + 0) is the +0 that sym gave). */
    const double *coop = ps_world_input(w, d->coop), *agree = ps_world_input(w, d->agree);
    const double *cap = ps_world_input(w, d->cap), *strain = ps_world_input(w, d->strain);
    /* Serial, in (striker, target, partner) order: it logs events. */
    for (int x = 0; x < n; x++) {
        /* Most actors strike nobody: one vectorised pass finds whether row
         * x has a strike at all, rather than a test and branch per value. */
        int any = 0;
        for (int y = 0; y < n; y++)
            any |= !(strike[(size_t)x * n + y] <= 0.0); /* the test below */
        for (int y = 0; any && y < n; y++) {
            double m = strike[(size_t)x * n + y];
            if (m <= 0.0)
                continue;
            for (int k = 0; k < n; k++) {
                if (k == x || k == y)
                    continue;
                size_t ky = (size_t)k * n + y;
                double c = sym(coop, n, k, y);
                double A = agree[ky];
                if (A < 1.0 && c < p[P_PARTNER])
                    continue;
                double kx = cap[x], kk = cap[k];
                double power = kx + kk > 0.0 ? kx / (kx + kk) : 0.5;
                double s = strain[k];
                double z = p[P_B_AGREE] * A / 3.0 + p[P_B_DEFENSE] * (A >= 3.0) +
                           p[P_B_COOP] * c + p[P_B_MAG] * m - p[P_B_STRAIN] * s -
                           p[P_B_POWER] * power - p[P_B_TIES] * sym(coop, n, k, x);
                uint64_t id = ps_hash64(ps_world_actor_key(w, k) ^
                                        ps_hash64(ps_world_actor_key(w, y) ^
                                                  ps_hash64(ps_world_actor_key(w, x))));
                gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month, id, STRIKE_STREAM);
                double u = z + gsl_ran_logistic(r, 1.0);
                int level = (u > p[P_CUT1]) + (u > p[P_CUT2]) + (u > p[P_CUT3]);
                resp1[ky] = ps_fmax(resp1[ky], (double)level);
                char tag[PS_NAME_MAX];
                snprintf(tag, sizeof tag, "strike by %s", w->sc->actor_iso3[x]);
                if (ps_world_log_event(w, events[E_RESPONSE].name, k, y, level, tag) != PS_OK)
                    return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
            }
        }
    }
    return PS_OK;
}

static ps_status strikes_event(ps_world *w, int self, void *data, const ps_event *ev,
                               ps_error *err)
{
    (void)self;
    strikes_data *d = data;
    if (ev->type != d->ev[E_STRIKE])
        return ps_error_set(err, PS_ERR_CONFIG, "event type is generated by the model, "
                            "not for timelines");
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    size_t k = (size_t)ev->source * w->n_actors + ev->target;
    w->next[d->f[F_STRIKE]][k] = ps_fmax(w->next[d->f[F_STRIKE]][k], ev->magnitude);
    return PS_OK;
}

const ps_model ps_model_strikes = {
    .name = "strikes",
    .description = "strikes by one actor on another and each partner's response (none, "
                   "diplomatic, material, military), an ordered logit of ties, commitments, "
                   "strain and the cost of escalation",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "strike strike_response",
    .metric_reads = "", /* the events only */
    .computed = "strike_response",
    .init = strikes_init,
    .step = strikes_step,
    .apply_event = strikes_event,
    .free = strikes_free,
};
