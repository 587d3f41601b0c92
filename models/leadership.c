/* Leadership change of state actors.
 *
 * From month hazard_from_month of the run (the months before it are the
 * scenario's record: timeline `leader_change` events), actor i's leader
 * leaves office this month with probability
 *   q_i = min(1, h0 (1 + b_r max(0, -g_i) / 0.05 + b_s s_i))
 * (g: annualised GDP growth, economy; s: military strain, military), a
 * uniform draw on stream LEADER_STREAM keyed by (replicate, month, i). The
 * field `leader_change` is 1 in the month of a change (drawn or scripted)
 * and each change is logged as a `leader_change` event. What a new leader
 * changes is for the models that read the field: cooperation takes a share
 * of the trust in both directions of every pair of the actor (the old
 * leader's personal ties and pledges do not carry over). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "pactsim_model.h"

#define LEADER_STREAM 71u /* random stream of this model (economy 1, oil 11 and 12, clients 31
                             and 33, strikes 41, military 51, promises 53, cooperation 63) */

enum { P_H0, P_RECESSION, P_STRAIN, P_FROM };
static const ps_param params[] = {
    {"hazard_base", PS_REAL, "1/month", 0.0, 0.2, 0.01,
     "monthly probability that a state's leader leaves office in normal times",
     "assumption: a mean tenure of about eight years (1/0.01 months), the order of the tenures "
     "of the leaders of major states in Archigos (Goemans, Gleditsch & Chiozza 2009, J. Peace "
     "Research 46:269); not fitted: no leadership data are in data/observations"},
    {"hazard_recession", PS_REAL, "1", 0.0, 20.0, 1.0,
     "relative rise of the hazard per 5 percentage points of annualised GDP contraction",
     "assumption: economic crises raise the risk of losing office (Chiozza & Goemans 2011, "
     "Leaders and International Conflict, ch. 2); a 5-point contraction doubles it"},
    {"hazard_strain", PS_REAL, "1", 0.0, 20.0, 1.0,
     "relative rise of the hazard per unit of military strain",
     "assumption: costly wars raise the risk of losing office (Chiozza & Goemans 2011); a "
     "military at its limit doubles it"},
    {"hazard_from_month", PS_INT, "months", 0, 1200, 0,
     "months after the run's start before which no leader change is drawn: the months whose "
     "leaders the timeline records",
     "the information cut-off of a scenario (baseline_2022: 7, the evidence ends 2022-07-22)"},
};

enum { F_CHANGE, F_NFIELDS };
static const ps_field fields[] = {
    {"leader_change", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "1 in the month the actor's leader changed (drawn, or a timeline `leader_change` event), "
     "else 0",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
};

/* Other models' fields this model reads from state t (optional: without
 * them the hazard is the base rate). */
enum { IN_GDP_GROWTH, IN_MILITARY_STRAIN };
static const ps_input inputs[] = {
    {"gdp_growth", PS_ACTOR, 1, 0},
    {"military_strain", PS_ACTOR, 1, 0},
};

enum { E_CHANGE, E_NEVENTS };
static const ps_event_type events[] = {
    {"leader_change", "1", 0.0, 1.0,
     "the leader of the source actor leaves office and a successor takes over (timeline: a "
     "change already known; the model: a drawn one); the magnitude is recorded in /events, not "
     "used: a change is a change", 0, PS_EVENT_SOURCE, NULL},
};

static double metric_changes(const ps_run *run)
{
    int e = ps_registry_find_event_type(events[E_CHANGE].name);
    double c = 0.0;
    for (int k = 0; k < run->n_events; k++)
        c += run->events[k].type == e;
    return c;
}

static const ps_metric metrics[] = {
    {"leader_changes", "1", "number of leader changes in the run (drawn and scripted)",
     metric_changes},
};

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int growth, strain;
    ps_rng *rng;
} leadership_data;

static void leadership_free(void *data)
{
    leadership_data *d = data;
    if (!d)
        return;
    ps_rng_free(d->rng);
    free(d);
}

static ps_status leadership_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)w;
    leadership_data *d = calloc(1, sizeof *d);
    if (!d || !(d->rng = ps_rng_alloc())) {
        leadership_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->growth = ps_model_input(self, IN_GDP_GROWTH);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    *data = d;
    return PS_OK;
}

/* The monthly probability that actor i's leader leaves office (state t). */
static double hazard(const ps_world *w, const leadership_data *d, const double *p, int i)
{
    double g = ps_world_input(w, d->growth)[i];
    double s = ps_world_input(w, d->strain)[i];
    double q = p[P_H0] * (1.0 + p[P_RECESSION] * ps_fmax(0.0, -g) / 0.05 + p[P_STRAIN] * s);
    return ps_fmin(1.0, q);
}

PS_HOT static ps_status leadership_step(ps_world *w, int self, void *data, ps_error *err)
{
    leadership_data *d = data;
    const double *p = ps_world_param_values(w, self);
    double *change1 = w->next[d->f[F_CHANGE]];
    /* This month's scripted changes come with the events. */
    memset(change1, 0, (size_t)w->n_actors * sizeof *change1);
    if (w->month < (int)p[P_FROM] || p[P_H0] <= 0.0)
        return PS_OK;
    /* Serial, in actor order: it logs events. */
    for (int i = 0; i < w->n_actors; i++) {
        gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month,
                                ps_world_actor_key(w, i), LEADER_STREAM);
        if (gsl_rng_uniform(r) >= hazard(w, d, p, i))
            continue;
        change1[i] = 1.0;
        if (ps_world_log_event(w, events[E_CHANGE].name, i, -1, 1.0, "drawn") != PS_OK)
            return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
    }
    return PS_OK;
}

static ps_status leadership_event(ps_world *w, int self, void *data, const ps_event *ev,
                                  ps_error *err)
{
    (void)self;
    leadership_data *d = data;
    if (ev->type != d->ev[E_CHANGE])
        return ps_error_set(err, PS_ERR_CONFIG, "not an event type of this model");
    if (ev->source < 0)
        return ps_error_set(err, PS_ERR_CONFIG, "needs a source: the actor whose leader changes");
    w->next[d->f[F_CHANGE]][ev->source] = 1.0;
    return PS_OK;
}

const ps_model ps_model_leadership = {
    .name = "leadership",
    .description = "leader changes of state actors: a monthly hazard that rises with recession "
                   "and military strain, after the months the timeline records",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .metric_reads = "", /* the events only */
    .init = leadership_init,
    .step = leadership_step,
    .apply_event = leadership_event,
    .free = leadership_free,
};
