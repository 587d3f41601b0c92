/* Promises and their delivery.
 *
 * A promise is finance (a loan) that the source pledges to the target, due
 * within a horizon. Promises come from the timeline (`promise_finance`) or
 * from the model: a partner whose cooperation with a needy actor is high and
 * who looks able to lend (lending capacity > 0) pledges a share of the need.
 * Each month the promiser pays the pace needed to finish by the due date,
 * scaled by how much the relationship matters to it (cooperation), and only
 * out of its spare finance (lending capacity less its own needs): an economy
 * under pressure promises what it cannot keep. What is actually paid in a
 * month is that rule times a lognormal draw of mean 1 per pledge and month
 * (decision noise: a tranche is approved, held back or delayed), never more
 * than is outstanding. At the due date the
 * undelivered rest is a breach, logged as `promise_broken`; a promise paid in
 * full is logged as `promise_kept`. Trust reacts in the cooperation model. */
#include <math.h>
#include <stdlib.h>

#include "pactsim_model.h"

#define DELIVERY_STREAM 53u /* random stream of this model (economy 1, oil 11, clients 31 and 33,
                               strikes 41, cooperation 63) */

enum { P_HORIZON, P_DELIVERY_SHARE, P_THRESHOLD, P_PROMISE_SHARE, P_DELIVERY_NOISE,
       P_LENDING_RISK, P_WAR_PRIORITY };
static const ps_param params[] = {
    {"horizon", PS_INT, "months", 1, 120, 12,
     "months from a promise to its due date",
     "assumption: loan pledges announced at summits name no date; a year is the natural test"},
    {"delivery_share", PS_REAL, "1/yr", 0.0, 1.0, 0.5,
     "share of its spare finance a promiser devotes to its promises per year",
     "assumption: a promiser also keeps a buffer"},
    {"promise_threshold", PS_REAL, "1", 0.0, 1.0, 0.35,
     "cooperation above which a partner able to lend pledges finance to a needy actor",
     "assumption: pledges mark a close relationship (article: Moscow's 'repeated declarations' of loans to Tehran)"},
    {"promise_share", PS_REAL, "1", 0.0, 2.0, 0.3,
     "share of the needy actor's annual financing need that a pledge names",
     "assumption: pledges of 'billions' against Iran's gap of tens of billions"},
    {"delivery_noise", PS_REAL, "1", 0.0, 2.0, 0.3,
     "log-scale standard deviation of the monthly delivery on a pledge around the delivery rule "
     "(lognormal, mean 1; 0: the rule exactly)",
     "assumption, to be calibrated: tranches of state loans are approved, held back and delayed "
     "month by month (article: Moscow's 'repeated declarations' of loans to Tehran, delivered "
     "late); a factor of about 1.35 either way in a typical month. 0.5 was tried first: it put "
     "China's finance to Russia above a quarter of Russia's need in over 2.5% of replicates "
     "(SF6, docs/validation.md)"},
    {"lending_risk", PS_REAL, "1", 0.0, 1.0, 0.0,
     "share of the delivery pace held back per unit of the borrower's sanction pressure (the "
     "lender's banks' exposure to secondary sanctions, payment channels cut, repayment risk)",
     "assumption: Russia's loan pledges to a sanctioned Iran (USD 5bn announced in 2016-17, "
     "article: 'never respected') were not disbursed while Russia itself ran surpluses; 0 in "
     "fixed-parameter runs; the calibrated baseline draws it from [0, 1], which 2022 data do not "
     "narrow (docs/validation.md, 'Adopted in the calibration')"},
    {"war_priority", PS_REAL, "1", 0.0, 1.0, 0.0,
     "share of its spare finance a promiser keeps for itself per unit of its own military strain",
     "assumption: a state at war pays for its war before its pledges (article: Russia 'now finds "
     "himself in the same boat'); 0 in fixed-parameter runs; the calibrated baseline "
     "draws it from [0, 1], which 2022 data do not narrow (docs/validation.md, 'Adopted in the "
     "calibration')"},
};

enum { F_PROMISED, F_DELIVERED, F_OUTSTANDING, F_DUE, F_DELIVERY, F_BREACH, F_KEPT,
       F_NFIELDS };
static const ps_field fields[] = {
    {"finance_promised", PS_DYAD, "USD", 0.0, 0.0, 1e14,
     "finance the source has promised the target since the start (cumulative)",
     "timeline events and the model"},
    {"finance_delivered", PS_DYAD, "USD", 0.0, 0.0, 1e14,
     "promised finance the source has delivered to the target (cumulative)",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"promise_outstanding", PS_DYAD, "USD", 0.0, 0.0, 1e14,
     "promised finance not yet delivered nor fallen due",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"promise_due", PS_DYAD, "months", 0.0, 0.0, 1200.0,
     "months until the outstanding promise falls due (0: none)",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"promise_delivery", PS_DYAD, "USD/yr", 0.0, 0.0, 1e14,
     "promised finance delivered this month, at an annual rate",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"promise_breach", PS_DYAD, "USD", 0.0, 0.0, 1e14,
     "promised finance that fell due undelivered this month",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"promise_kept", PS_DYAD, "USD", 0.0, 0.0, 1e14,
     "last instalment of a pledge that fell due this month fully delivered (0: none)",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_COOPERATION, IN_FINANCE_NEED, IN_LENDING_CAPACITY, IN_FINANCE_SPARE,
       IN_SANCTION_PRESSURE, IN_MILITARY_STRAIN };
static const ps_input inputs[] = {
    {"cooperation", PS_DYAD, 1, 0},
    {"finance_need", PS_ACTOR, 1, 0},
    {"lending_capacity", PS_ACTOR, 1, 0},
    {"finance_spare", PS_ACTOR, 1, 0},
    {"sanction_pressure", PS_ACTOR, 1, 0},
    {"military_strain", PS_ACTOR, 1, 0},
};

enum { E_PROMISE, E_MADE, E_KEPT, E_BROKEN, E_NEVENTS };
static const ps_event_type events[] = {
    {"promise_finance", "USD", 0.0, 1e13,
     "source pledges this much finance to target, due after `horizon` months", 0, PS_EVENT_PAIR, NULL},
    {"promise_made", "USD", 0.0, 1e14, "the model: source pledged finance to target", 1, 0, NULL},
    {"promise_kept", "USD", 0.0, 1e14,
     "the model: a pledge was delivered in full by its due date; magnitude = cumulative delivered", 1, 0, NULL},
    {"promise_broken", "1", 0.0, 1.0,
     "the model: a pledge fell due; magnitude = share left undelivered", 1, 0, NULL},
};

static double share_delivered(const ps_run *run, const char *a, const char *b)
{
    int i = ps_scenario_actor(run->sc, a), j = ps_scenario_actor(run->sc, b);
    if (i < 0 || j < 0)
        return NAN;
    double prom = ps_run_dyad(run, fields[F_PROMISED].name, i, j, run->n_months - 1);
    double del = ps_run_dyad(run, fields[F_DELIVERED].name, i, j, run->n_months - 1);
    return prom > 0.0 ? del / prom : NAN;
}

static double metric_rus_irn(const ps_run *run) { return share_delivered(run, "RUS", "IRN"); }
static double metric_chn_rus(const ps_run *run) { return share_delivered(run, "CHN", "RUS"); }

static const ps_metric metrics[] = {
    {"rus_irn_finance_delivered_share", "1",
     "share of the finance Russia promised Iran that was delivered by the end (NaN if none promised)",
     metric_rus_irn},
    {"chn_rus_finance_delivered_share", "1",
     "share of the finance China promised Russia that was delivered by the end (NaN if none promised)",
     metric_chn_rus},
};

/* An event of the month, kept by the block of promisers that made it until
 * the step logs them all, in (promiser, partner) order. */
typedef struct {
    int type, source, target;
    double magnitude;
} promise_event;

typedef struct {
    promise_event *ev;
    size_t n, cap;
    int failed; /* out of memory keeping an event */
} event_list;

/* Promisers per block of the step (each block its own event list). */
#define ROWS 16

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int coop, need, lending, spare, pressure, strain;
    event_list *lists; /* one per block of ROWS promisers */
    int n_lists;
} promises_data;

static void promises_free(void *data)
{
    promises_data *d = data;
    if (!d)
        return;
    for (int b = 0; d->lists && b < d->n_lists; b++)
        free(d->lists[b].ev);
    free(d->lists);
    free(d);
}

static void keep_event(event_list *l, int type, int source, int target, double magnitude)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        promise_event *ev = realloc(l->ev, cap * sizeof *ev);
        if (!ev) {
            l->failed = 1;
            return;
        }
        l->ev = ev;
        l->cap = cap;
    }
    l->ev[l->n++] = (promise_event){type, source, target, magnitude};
}

/* The delivery factor of pledge j -> i this month: exp(sigma z - sigma^2 / 2),
 * z ~ N(0, 1) from the stream (seed, replicate, month, ordered pair id, 53):
 * drawn from the pair's key alone, so any thread draws the same. */
static double delivery_factor(const ps_world *w, double sigma, int j, int i)
{
    uint64_t id = ps_hash64(ps_world_actor_key(w, j) ^ ps_hash64(ps_world_actor_key(w, i)));
    uint64_t key = ps_rng_id_key(w->seed, id);
    double z;
    ps_rng_gaussians(&key, 1, w->replicate, w->month, DELIVERY_STREAM, &z);
    return exp(sigma * z - 0.5 * sigma * sigma);
}

static ps_status promises_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w;
    (void)self;
    promises_data *d = calloc(1, sizeof *d);
    if (d) {
        d->n_lists = ps_block_count(w->n_actors, ROWS);
        d->lists = calloc((size_t)d->n_lists + 1, sizeof *d->lists);
    }
    if (!d || !d->lists) {
        promises_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->need = ps_model_input(self, IN_FINANCE_NEED);
    d->lending = ps_model_input(self, IN_LENDING_CAPACITY);
    d->spare = ps_model_input(self, IN_FINANCE_SPARE);
    d->pressure = ps_model_input(self, IN_SANCTION_PRESSURE);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    *data = d;
    return PS_OK;
}

/* Pledge: add to what is owed; the due date moves to a full horizon ahead. */
static void pledge(ps_world *w, const promises_data *d, int horizon, size_t k, double amount)
{
    w->next[d->f[F_PROMISED]][k] += amount;
    w->next[d->f[F_OUTSTANDING]][k] += amount;
    w->next[d->f[F_DUE]][k] = horizon;
}

/* Promisers j of block b (rows of every dyad field here): each row reads
 * state t and the month's inputs and writes only its own entries; the
 * block keeps its events for the step to log. */
PS_HOT static void step_block(ps_world *w, void *data, const double *p, int b)
{
    const promises_data *d = data;
    const int n = w->n_actors, horizon = (int)p[P_HORIZON];
    const double *out = w->cur[d->f[F_OUTSTANDING]], *due = w->cur[d->f[F_DUE]];
    const double *coop = ps_world_input_or_null(w, d->coop);
    const double *need = ps_world_input_or_null(w, d->need);
    const double *lend = ps_world_input_or_null(w, d->lending);
    const double *spare = ps_world_input_or_null(w, d->spare);
    const double *press = ps_world_input_or_null(w, d->pressure);
    const double *strain = ps_world_input_or_null(w, d->strain);
    double *out_n = w->next[d->f[F_OUTSTANDING]], *due_n = w->next[d->f[F_DUE]];
    double *del_n = w->next[d->f[F_DELIVERED]], *pay_n = w->next[d->f[F_DELIVERY]];
    double *breach_n = w->next[d->f[F_BREACH]], *kept_n = w->next[d->f[F_KEPT]];
    event_list *l = &d->lists[b];
    l->n = 0;
    l->failed = 0;
    for (int j = b * ROWS, j1 = ps_block_end(b, ROWS, n); j < j1; j++) {
        /* A promiser at war keeps part of its spare for the war (x 1 without). */
        double kept_back = ps_fmin(1.0, p[P_WAR_PRIORITY] * (strain ? strain[j] : 0.0));
        double budget = spare ? spare[j] * p[P_DELIVERY_SHARE] / 12.0 * (1.0 - kept_back) : 0.0;
        double owed_total = 0.0;
        for (int i = 0; i < n; i++)
            owed_total += out[(size_t)j * n + i];
        /* Whether j can pledge at all this month, and the threshold, once per
         * row (the stores below could alias them for the compiler). */
        const int lends = coop && need && lend && lend[j] > 0.0;
        const double threshold = p[P_THRESHOLD];
        for (int i = 0; i < n; i++) {
            size_t k = (size_t)j * n + i;
            breach_n[k] = kept_n[k] = pay_n[k] = 0.0;
            if (out[k] > 0.0) {
                double pace = out[k] / ps_fmax(1.0, due[k]);
                double share = owed_total > 0.0 ? out[k] / owed_total : 0.0;
                double priority = coop ? coop[k] : 1.0;
                /* Lending into sanctions is held back (x 1 without). */
                double risk = ps_fmin(1.0, p[P_LENDING_RISK] * (press ? press[i] : 0.0));
                double pay = ps_fmin(pace * priority * (1.0 - risk), budget * share);
                if (p[P_DELIVERY_NOISE] > 0.0)
                    pay = ps_fmin(out[k], pay * delivery_factor(w, p[P_DELIVERY_NOISE], j, i));
                out_n[k] = out[k] - pay;
                del_n[k] += pay;
                pay_n[k] = 12.0 * pay;
                due_n[k] = ps_fmax(0.0, due[k] - 1.0);
                /* Due, or (with delivery noise) paid in full before its date. */
                if (due_n[k] <= 0.0 || out_n[k] <= 0.0) {
                    if (out_n[k] > 1e-6 * (out[k] + 1.0)) {
                        breach_n[k] = out_n[k];
                        double frac = out_n[k] / ps_fmax(out[k], out_n[k]);
                        keep_event(l, E_BROKEN, j, i, ps_fmin(1.0, frac));
                    } else {
                        kept_n[k] = ps_fmax(pay, 1.0);
                        keep_event(l, E_KEPT, j, i, del_n[k]);
                    }
                    out_n[k] = due_n[k] = 0.0;
                }
            } else if (lends && i != j && coop[k] > threshold && need[i] > 0.0) {
                /* A close partner in need: pledge, whether or not it can pay. */
                double amount = p[P_PROMISE_SHARE] * need[i];
                pledge(w, d, horizon, k, amount);
                keep_event(l, E_MADE, j, i, amount);
            }
        }
    }
}

/* The promisers in blocks of rows on the step's threads, then their events
 * logged block by block: the (promiser, partner) order of a serial loop. */
PS_HOT static ps_status promises_step(ps_world *w, int self, void *data, ps_error *err)
{
    promises_data *d = data;
    ps_inner_for(w, d->n_lists, step_block, d, ps_world_param_values(w, self));
    for (int b = 0; b < d->n_lists; b++) {
        const event_list *l = &d->lists[b];
        if (l->failed)
            return ps_error_set(err, PS_ERR_NOMEM, "keeping the month's events");
        for (size_t e = 0; e < l->n; e++) {
            const promise_event *ev = &l->ev[e];
            if (ps_world_log_event(w, events[ev->type].name, ev->source, ev->target,
                                   ev->magnitude, "model") != PS_OK)
                return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
        }
    }
    return PS_OK;
}

static ps_status promises_event(ps_world *w, int self, void *data, const ps_event *ev,
                                ps_error *err)
{
    const promises_data *d = data;
    if (ev->type != d->ev[E_PROMISE])
        return ps_error_set(err, PS_ERR_CONFIG, "event type is generated by the model, "
                            "not for timelines");
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    const double *p = ps_world_param_values(w, self);
    pledge(w, d, (int)p[P_HORIZON], (size_t)ev->source * w->n_actors + ev->target,
           ev->magnitude);
    return PS_OK;
}

const ps_model ps_model_promises = {
    .name = "promises",
    .description = "pledges of finance, their delivery out of spare finance, and breaches",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "promise_breach promise_kept promise_delivery",
    .metric_reads = "finance_delivered:RUS-IRN finance_delivered:CHN-RUS "
                    "finance_promised:RUS-IRN finance_promised:CHN-RUS",
    .init = promises_init,
    .step = promises_step,
    .apply_event = promises_event,
    .free = promises_free,
};
