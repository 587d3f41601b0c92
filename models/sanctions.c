/* Sanctions and evasion.
 *
 * sanction_intensity[j][i] (0..1) is how much of its economic relations
 * sender j has closed to target i: set by timeline events, eroding slowly.
 * Raw pressure on i is the senders' intensity weighted by their share of the
 * world economy (excluding i): that is i's isolation. Evasion re-routes
 * trade through partners that do not sanction i, limited by their fear of
 * secondary sanctions, and builds up over months. Pressure felt = isolation
 * x (1 - evasion). A partner's fear is the threat of secondary sanctions
 * around i times what the partner has to lose (1 - its own isolation): an
 * actor already cut off, like Iran, has little left to fear. */
#include <math.h>
#include <stdlib.h>

#include "pactsim_model.h"

enum { P_EROSION, P_EVASION_MAX, P_SECONDARY_FEAR, P_EVASION_ADJUST, P_ENFORCEMENT };
static const ps_param params[] = {
    {"erosion", PS_REAL, "1/month", 0.0, 0.1, 0.002,
     "monthly erosion of sanction intensity without renewal",
     "assumption: enforcement fatigue of about 2% a year; no dataset measures it"},
    {"evasion_max", PS_REAL, "1", 0.0, 1.0, 0.9,
     "largest share of sanctioned trade that can be re-routed when every non-sender is a willing channel",
     "assumption: re-routing via China, India, Turkey and the UAE (article) never restores all trade; sized so that Iran's evasion after four years of maximum pressure (~0.45) is sustainable"},
    {"secondary_fear", PS_REAL, "1", 0.0, 5.0, 1.0,
     "how strongly a threat of secondary sanctions deters a partner with something to lose",
     "assumption: unit sensitivity; the article's China and India 'maintain a cautious line'"},
    {"evasion_adjust", PS_REAL, "1/month", 0.0, 1.0, 0.04,
     "monthly rate at which evasion approaches its attainable level",
     "assumption: new trade routes, shadow fleets and payment channels take about two years to build (half-life ~17 months)"},
    {"enforcement", PS_REAL, "1", 0.0, 1.0, 1.0,
     "how much a sender's own secondary sanctions around a target slow the erosion of its sanctions on it: erosion x (1 - enforcement x secondary)",
     "assumption: a sender that penalises third parties keeps enforcing (the US Treasury kept designating Iranian oil-sales networks through 2022, general knowledge); 0 is uniform erosion"},
};

enum { F_INTENSITY, F_SECONDARY, F_PRESSURE, F_ISOLATION, F_THREAT, F_EVASION, F_NFIELDS };
static const ps_field fields[] = {
    {"sanction_intensity", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "share of its economic relations that the source has closed to the target (0 none, 1 full embargo)",
     "timeline events; 2021 levels are assumptions documented in the config"},
    {"secondary_sanctions", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "how firmly the source penalises third parties that deal with the target (0 never, 1 always)",
     "timeline events; US secondary sanctions on Iran since 2018 (timeline)"},
    {"sanction_pressure", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "sanction pressure felt: isolation net of evasion",
     "computed"},
    {"isolation", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "intensity-weighted share of the rest of the world economy (by GDP) that has closed relations with the actor",
     "computed"},
    {"secondary_threat", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "GDP-weighted threat of secondary sanctions on anyone who deals with the actor", "computed"},
    {"evasion", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "share of sanctioned trade re-routed through non-complying partners",
     "initial: assumption per actor in the config"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_GDP, IN_COVER_SHIELD };
static const ps_input inputs[] = {
    {"gdp", PS_ACTOR, 1, 1},
    {"cover_shield", PS_ACTOR, 1, 0},
};

enum { E_SANCTIONS, E_RELIEF, E_SECONDARY, E_SECONDARY_RELIEF, E_NEVENTS };
static const ps_event_type events[] = {
    {"sanctions", "1", 0.0, 1.0,
     "source closes a further share of its remaining relations to target: s += m (1 - s)", 0, PS_EVENT_PAIR, NULL},
    {"sanctions_relief", "1", 0.0, 1.0,
     "source lifts a share of its sanctions on target: s -= m s", 0, PS_EVENT_PAIR, NULL},
    {"secondary_sanctions", "1", 0.0, 1.0,
     "source threatens third parties dealing with target: s2 += m (1 - s2)", 0, PS_EVENT_PAIR, NULL},
    {"secondary_sanctions_relief", "1", 0.0, 1.0,
     "source lifts a share of its secondary sanctions around target: s2 -= m s2", 0, PS_EVENT_PAIR, NULL},
};

static double metric_peak_pressure(const ps_run *run)
{
    return ps_run_actor_peak(run, fields[F_PRESSURE].name);
}

static const ps_metric metrics[] = {
    {"peak_sanction_pressure", "1", "highest monthly sanction pressure felt by any actor",
     metric_peak_pressure},
};

/* Field indices resolved once per world. */
typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int gdp;
    int cover; /* cover model's cover_shield; -1 if absent */
    double *isol, *threat, *channel; /* scratch [actor], rewritten every step */
    int *target;                     /* scratch: channels' isolated actors, by block */
    double total;                    /* scratch: the weights' sum, set before the blocks */
} sanctions_data;

static void sanctions_free(void *data)
{
    sanctions_data *d = data;
    if (d) {
        free(d->isol);
        free(d->threat);
        free(d->channel);
        free(d->target);
    }
    free(d);
}

/* Columns per block of the sums below: the sums down a block of columns are
 * made row by row (see ps_dyad_column_sums), in the same order as a loop down
 * each column, so with the same bits. */
#define BLOCK 256

static double others_weight(const double *gdp, int i, double total)
{
    return total - (gdp ? gdp[i] : 1.0);
}

/* For the actors i0..i1-1: the GDP-weighted share of the others' intensity
 * toward i (isolation) and of their secondary sanctions around i (threat). */
PS_HOT static void exposure(const double *s, const double *s2, const double *gdp, int n,
                            int i0, int i1, double total, double *isol, double *threat)
{
    for (int i = i0; i < i1; i++)
        isol[i] = threat[i] = 0.0;
    for (int j = 0; j < n; j++) {
        const size_t row = (size_t)j * n;
        for (int i = i0; i < i1; i++) {
            /* Most senders sanction nobody: wj x +-0 adds nothing to a sum
             * that starts at +0 (the same bits), and saves a division. */
            if (s[row + i] == 0.0 && s2[row + i] == 0.0)
                continue;
            double others = others_weight(gdp, i, total);
            if (j == i || !(others > 0.0))
                continue;
            double wj = (gdp ? gdp[j] : 1.0) / others;
            isol[i] += wj * s[row + i];
            threat[i] += wj * s2[row + i];
        }
    }
    for (int i = i0; i < i1; i++) {
        isol[i] = ps_fmin(1.0, isol[i]);
        threat[i] = ps_fmin(1.0, threat[i]);
    }
}

/* Evasion channels of the actors i0..i1-1: partners k not sanctioning i,
 * deterred by i's threat and by what they could lose. Only for the isolated
 * (iso > 0), the only ones step_block reads; the others' stay 0. */
static void channels(const double *s, const double *gdp, const double *iso, const double *threat,
                     double fear_scale, int n, int i0, int i1, double total, double *channel,
                     int *target)
{
    int nt = 0;
    for (int i = i0; i < i1; i++) {
        channel[i] = 0.0;
        if (iso[i] > 0.0)
            target[i0 + nt++] = i;
    }
    for (int k = 0; k < n; k++) {
        const size_t row = (size_t)k * n;
        for (int t = i0; t < i0 + nt; t++) {
            const int i = target[t];
            double others = others_weight(gdp, i, total);
            if (k == i || others <= 0.0)
                continue;
            double wk = (gdp ? gdp[k] : 1.0) / others;
            double fear = ps_fmin(1.0, fear_scale * threat[i] * (1.0 - iso[k]));
            channel[i] += wk * (1.0 - s[row + i]) * (1.0 - fear);
        }
    }
}

static double total_weight(const double *gdp, int n)
{
    double total = 0.0;
    for (int j = 0; j < n; j++)
        total += gdp ? gdp[j] : 1.0;
    return total;
}

static ps_status sanctions_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    int n = w->n_actors;
    sanctions_data *d = calloc(1, sizeof *d);
    if (!d || !(d->isol = calloc((size_t)n + 1, sizeof(double))) ||
        !(d->threat = calloc((size_t)n + 1, sizeof(double))) ||
        !(d->channel = calloc((size_t)n + 1, sizeof(double))) ||
        !(d->target = calloc((size_t)n + 1, sizeof(int)))) {
        sanctions_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->gdp = ps_model_input(self, IN_GDP); /* weights; equal weights if absent */
    d->cover = ps_model_input(self, IN_COVER_SHIELD); /* diplomatic cover; none if absent */
    /* Other models read isolation and threat in the first month: derive them
     * from the initial sanctions rather than leave them at zero. */
    const double *gdp = ps_world_input_or_null(w, d->gdp);
    double total = total_weight(gdp, n);
    double *isol = w->cur[d->f[F_ISOLATION]], *threat = w->cur[d->f[F_THREAT]];
    exposure(w->cur[d->f[F_INTENSITY]], w->cur[d->f[F_SECONDARY]], gdp, n, 0, n, total, isol,
             threat);
    for (int i = 0; i < n; i++)
        w->cur[d->f[F_PRESSURE]][i] = isol[i] * (1.0 - w->cur[d->f[F_EVASION]][i]);
    *data = d;
    return PS_OK;
}

/* The step for the actors (targets) of block b: their evasion. Reads state t
 * (isolation and threat there follow from t's intensities, settled after t's
 * events); writes only the block's entries of next and of the scratch. */
PS_HOT static void step_block(ps_world *w, void *data, const double *p, int b)
{
    const sanctions_data *d = data;
    const int n = w->n_actors, i0 = b * BLOCK, i1 = ps_block_end(b, BLOCK, n);
    const double total = d->total;
    const double *s = w->cur[d->f[F_INTENSITY]];
    const double *ev = w->cur[d->f[F_EVASION]], *iso = w->cur[d->f[F_ISOLATION]];
    const double *threat = w->cur[d->f[F_THREAT]];
    const double *gdp = ps_world_input_or_null(w, d->gdp);
    const double *cover = ps_world_input_or_null(w, d->cover);
    double *ev_next = w->next[d->f[F_EVASION]];

    channels(s, gdp, iso, threat, p[P_SECONDARY_FEAR], n, i0, i1, total, d->channel,
             d->target);
    for (int i = i0; i < i1; i++) {
        double shield = cover ? cover[i] : 0.0;
        /* Nobody builds evasion routes around sanctions that do not exist. */
        double ev_max = p[P_EVASION_MAX] + (1.0 - p[P_EVASION_MAX]) * shield; /* cover */
        double target = iso[i] > 0.0 ? ev_max * ps_fmin(1.0, d->channel[i]) : 0.0;
        ev_next[i] = ev[i] + p[P_EVASION_ADJUST] * (target - ev[i]);
    }
}

/* Block b after the month's events: isolation and threat from the month's
 * intensities (eroded, then the timeline's sanctions and reliefs), pressure
 * net of the month's evasion. A sanction announced in month t is felt in
 * month t's pressure, which the other models read in t+1. */
PS_HOT static void settle_block(ps_world *w, void *data, const double *p, int b)
{
    (void)p;
    const sanctions_data *d = data;
    const int n = w->n_actors, i0 = b * BLOCK, i1 = ps_block_end(b, BLOCK, n);
    const double total = d->total;
    const double *gdp = ps_world_input_or_null(w, d->gdp);
    /* Diplomatic cover (cover model, one month lag): shields part of isolation. */
    const double *cover = ps_world_input_or_null(w, d->cover);
    const double *ev = w->next[d->f[F_EVASION]];
    double *press = w->next[d->f[F_PRESSURE]], *iso = w->next[d->f[F_ISOLATION]];
    double *threat = w->next[d->f[F_THREAT]];
    exposure(w->next[d->f[F_INTENSITY]], w->next[d->f[F_SECONDARY]], gdp, n, i0, i1, total,
             d->isol, d->threat);
    for (int i = i0; i < i1; i++) {
        iso[i] = d->isol[i] * (1.0 - (cover ? cover[i] : 0.0));
        threat[i] = d->threat[i];
        press[i] = iso[i] * (1.0 - ev[i]);
    }
}

/* fn over the blocks of targets, on the step's inner threads. */
static void over_blocks(ps_world *w, sanctions_data *d, const double *p, ps_item_fn *fn)
{
    d->total = total_weight(ps_world_input_or_null(w, d->gdp), w->n_actors);
    ps_inner_for(w, ps_block_count(w->n_actors, BLOCK), fn, d, p);
}

/* Rows per block of erode_block: whole rows, as in ps_dyad_scale. */
#define ERODE_ROWS 16

/* Intensities of the senders in row block b, eroded: a sender that threatens
 * third parties around a target is enforcing, so its own sanctions on that
 * target erode more slowly (enforcement). */
PS_HOT static void erode_block(ps_world *w, void *data, const double *p, int b)
{
    const sanctions_data *d = data;
    const int n = w->n_actors;
    const double *s = w->cur[d->f[F_INTENSITY]], *s2 = w->cur[d->f[F_SECONDARY]];
    double *out = w->next[d->f[F_INTENSITY]];
    const double e = p[P_EROSION], c = p[P_ENFORCEMENT];
    const size_t k1 = (size_t)ps_block_end(b, ERODE_ROWS, n) * n;
    for (size_t k = (size_t)b * ERODE_ROWS * n; k < k1; k++)
        out[k] = s[k] * (1.0 - e * (1.0 - c * s2[k]));
}

PS_HOT static ps_status sanctions_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    const sanctions_data *d = data;
    const double *p = ps_world_param_values(w, self);
    over_blocks(w, data, p, step_block);
    /* Sanctions erode, element by element: by whole rows (erode_block,
     * ps_dyad_scale), not in step_block's column blocks, where both threads
     * wrote into every row, pages apart at large N. */
    ps_inner_for(w, ps_block_count(w->n_actors, ERODE_ROWS), erode_block, data, p);
    ps_dyad_scale(w, w->cur[d->f[F_SECONDARY]], 1.0 - p[P_EROSION], w->next[d->f[F_SECONDARY]]);
    return PS_OK;
}

PS_HOT static ps_status sanctions_settle(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    (void)self;
    over_blocks(w, data, NULL, settle_block);
    return PS_OK;
}

static ps_status sanctions_event(ps_world *w, int self, void *data, const ps_event *ev,
                                 ps_error *err)
{
    (void)self;
    const sanctions_data *d = data;
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    int secondary = ev->type == d->ev[E_SECONDARY] || ev->type == d->ev[E_SECONDARY_RELIEF];
    int tighten = ev->type == d->ev[E_SANCTIONS] || ev->type == d->ev[E_SECONDARY];
    double *x = &w->next[d->f[secondary ? F_SECONDARY : F_INTENSITY]]
                       [(size_t)ev->source * w->n_actors + ev->target];
    if (tighten)
        *x += ev->magnitude * (1.0 - *x);
    else
        *x -= ev->magnitude * *x;
    return PS_OK;
}

const ps_model ps_model_sanctions = {
    .name = "sanctions",
    .description = "dyadic sanction intensity from the timeline; pressure weighted by "
                   "senders' economic weight; evasion through non-complying partners",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "sanction_intensity secondary_sanctions",
    .metric_reads = "sanction_pressure",
    .computed = "sanction_pressure isolation secondary_threat",
    .init = sanctions_init,
    .step = sanctions_step,
    .apply_event = sanctions_event,
    .settle = sanctions_settle,
    .free = sanctions_free,
};
