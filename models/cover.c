/* Diplomatic cover: a UN Security Council veto-holder shielding a partner.
 *
 * diplomatic_cover[h][i] (0..1) is how far veto-holder h shields actor i from
 * multilateral (UN) sanctions and from the legitimacy that makes unilateral
 * sanctions stick. It grows with h's cooperation with i (saturating: a
 * holder need not be an ally to block a resolution), and vanishes with h's
 * own stake against i: h's own sanctions on i, and h's yes votes on UN
 * sanctions against i (`un_vote`, set by `un_sanctions` events and fading as
 * the resolutions age or are lifted). Russia backing the UN sanctions on Iran
 * in 2006-2010 (article) gives Iran no Russian cover in those years.
 * cover_received[i] is the strongest cover any holder gives i: one veto is
 * enough to block a resolution. cover_shield[i] = shield x cover_received[i]
 * is what that cover does to sanctions: the sanctions model reads it (one
 * month later: this model runs after it) to scale isolation down and the
 * attainable evasion up, so the parameter lives here, with the mechanism. */
#include <math.h>
#include <stdlib.h>

#include "pactsim_model.h"

enum { P_HALF, P_VOTE_MEMORY, P_SHIELD };
static const ps_param params[] = {
    {"half_cooperation", PS_REAL, "1", 0.01, 1.0, 0.2,
     "cooperation with a partner at which a veto-holder's cover reaches half its full level "
     "(cover = c / (c + half))",
     "assumption: a veto is cheap to cast: Russia and China shielded Syria (cooperation ~0.6, "
     "config) fully and Iran (~0.3) mostly; a holder with no ties (cooperation ~0.05) gives "
     "little"},
    {"vote_memory", PS_REAL, "1/month", 0.0, 1.0, 0.01,
     "monthly fading of a yes vote on UN sanctions once cast (resolutions stay in force for years)",
     "assumption: UN sanctions on Iran (2006-2010, timeline) stayed until the JCPOA lifted them "
     "(2015-16); a vote is half forgotten after ~6 years unless renewed or lifted by "
     "un_sanctions_relief"},
    {"shield", PS_REAL, "1", 0.0, 1.0, 0.1,
     "share of isolation that full diplomatic cover from a UN veto-holder removes (isolation x (1 - c cover)); "
     "the same share of the evasion gap (1 - evasion_max) becomes attainable",
     "assumption: a veto keeps sanctions unilateral (no UN mandate), so fewer third parties comply and more "
     "routes stay open, but the senders' own closures remain; small: 0.1 keeps China's 2022 finance to Russia below a "
     "quarter of its need (SF6, article: China's 'cautious line'), which fails above ~0.15"},
};

enum { F_COVER, F_VOTE, F_RECEIVED, F_SHIELD, F_NFIELDS };
static const ps_field fields[] = {
    {"diplomatic_cover", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "how far the source (a UN Security Council veto-holder) shields the target from sanctions "
     "(0 none, 1 full)",
     "computed from unsc_veto, cooperation, sanction_intensity and un_vote"},
    {"un_vote", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "the source's support for UN sanctions on the target (1 voted yes on a resolution in force)",
     "timeline events (un_sanctions, un_sanctions_relief); initial: assumption per pair"},
    {"cover_received", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "strongest diplomatic cover any veto-holder gives the actor (one veto blocks a resolution)",
     "computed"},
    {"cover_shield", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "share of the actor's isolation that the cover it receives removes (shield x cover_received); "
     "read by the sanctions model",
     "computed"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_UNSC_VETO, IN_COOPERATION, IN_SANCTION_INTENSITY };
static const ps_input inputs[] = {
    {"unsc_veto", PS_ACTOR, 1, 1},
    {"cooperation", PS_DYAD, 1, 1},
    {"sanction_intensity", PS_DYAD, 1, 1},
};

enum { E_UN, E_UN_RELIEF, E_NEVENTS };
static const ps_event_type events[] = {
    {"un_sanctions", "1", 0.0, 1.0,
     "UN Security Council sanctions on target: source = a veto-holder voting yes (or world: every "
     "veto-holder voted yes): un_vote += m (1 - un_vote); the sanctions themselves are `sanctions` "
     "events by the members that apply them", 0, PS_EVENT_TARGET | PS_EVENT_DISTINCT, "unsc_veto"},
    {"un_sanctions_relief", "1", 0.0, 1.0,
     "UN sanctions on target lifted (source = a veto-holder, or world: all): un_vote -= m un_vote", 0, PS_EVENT_TARGET | PS_EVENT_DISTINCT, "unsc_veto"},
};

static double metric_peak_cover(const ps_run *run)
{
    return ps_run_actor_peak(run, fields[F_RECEIVED].name);
}

static const ps_metric metrics[] = {
    {"peak_cover_received", "1", "highest diplomatic cover received by any actor in any month",
     metric_peak_cover},
};

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int veto, coop, sanctions; /* other models' fields; -1 if absent */
} cover_data;

static double at(const double *v, size_t k)
{
    return v ? v[k] : 0.0;
}

/* Cover and cover received from state `s` (cur at init, cur in step) into `out`. */
static void compute(const ps_world *w, const cover_data *d, const double *p, double **s,
                    double **out)
{
    int n = w->n_actors;
    const double *veto = d->veto >= 0 ? s[d->veto] : NULL;
    const double *coop = d->coop >= 0 ? s[d->coop] : NULL;
    const double *sanc = d->sanctions >= 0 ? s[d->sanctions] : NULL;
    const double *vote = s[d->f[F_VOTE]];
    double *cov = out[d->f[F_COVER]], *recv = out[d->f[F_RECEIVED]];
    for (int i = 0; i < n; i++)
        recv[i] = 0.0;
    for (int h = 0; h < n; h++) {
        /* Without a veto (v <= 0, or NaN, which the clamp below turns into
         * +0 as well) h covers no one: a row of +0 (most rows). */
        if (!(at(veto, (size_t)h) > 0.0)) {
            for (int i = 0; i < n; i++)
                cov[(size_t)h * n + i] = 0.0;
            continue;
        }
        for (int i = 0; i < n; i++) {
            size_t hi = (size_t)h * n + i;
            double c = at(coop, hi), v = at(veto, (size_t)h);
            double x = h == i || v <= 0.0
                           ? 0.0
                           : v * c / (c + p[P_HALF]) * (1.0 - at(sanc, hi)) * (1.0 - vote[hi]);
            cov[hi] = ps_fmin(1.0, ps_fmax(0.0, x));
        }
    }
    /* Column maxima, in a fixed order (bit-identical for any thread count),
     * over the veto-holders' rows only: every other row is +0, which leaves
     * a maximum that starts at +0 as it is (a large world has a few
     * veto-holders and N rows). */
    for (int h = 0; h < n; h++)
        if (at(veto, (size_t)h) > 0.0)
            for (int i = 0; i < n; i++)
                recv[i] = ps_fmax(recv[i], cov[(size_t)h * n + i]);
    double *shield = out[d->f[F_SHIELD]];
    for (int i = 0; i < n; i++)
        shield[i] = p[P_SHIELD] * recv[i];
}

static ps_status cover_init(ps_world *w, int self, void **data, ps_error *err)
{
    cover_data *d = malloc(sizeof *d);
    if (!d)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    d->veto = ps_model_input(self, IN_UNSC_VETO);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->sanctions = ps_model_input(self, IN_SANCTION_INTENSITY);
    /* Derive the first month's cover from the initial state, so the sanctions
     * model sees it from month 0 (as it derives isolation at its own init). */
    compute(w, d, ps_world_param_values(w, self), w->cur, w->cur);
    *data = d;
    return PS_OK;
}

PS_HOT static ps_status cover_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    const double *p = ps_world_param_values(w, self);
    const cover_data *d = data;
    compute(w, d, p, w->cur, w->next);
    /* The memory of UN votes fades. */
    ps_dyad_scale(w, w->cur[d->f[F_VOTE]], 1.0 - p[P_VOTE_MEMORY], w->next[d->f[F_VOTE]]);
    return PS_OK;
}

static ps_status cover_event(ps_world *w, int self, void *data, const ps_event *ev,
                             ps_error *err)
{
    (void)self;
    const cover_data *d = data;
    int n = w->n_actors;
    if (ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "needs a target actor and a source that is another actor or world");
    const double *veto = ps_world_input_or_null(w, d->veto);
    double *vote = w->next[d->f[F_VOTE]];
    int tighten = ev->type == d->ev[E_UN];
    for (int h = 0; h < n; h++) {
        /* world: every veto-holder except the target; otherwise the source. */
        if (ev->source >= 0 ? h != ev->source : (h == ev->target || at(veto, (size_t)h) <= 0.0))
            continue;
        double *x = &vote[(size_t)h * n + ev->target];
        if (tighten)
            *x += ev->magnitude * (1.0 - *x);
        else
            *x -= ev->magnitude * *x;
    }
    return PS_OK;
}

const ps_model ps_model_cover = {
    .name = "cover",
    .description = "diplomatic cover: UN Security Council veto-holders shield partners they "
                   "cooperate with, unless they vote for UN sanctions on them or sanction them",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "un_vote diplomatic_cover",
    .metric_reads = "cover_received",
    .computed = "diplomatic_cover cover_received cover_shield",
    .init = cover_init,
    .step = cover_step,
    .apply_event = cover_event,
    .free = free,
};
