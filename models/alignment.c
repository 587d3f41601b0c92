/* Alignment and hedging.
 *
 * Each actor i weighs its ties with every partner j by what j is worth to it:
 * economic weight (j's GDP open to i, and the oil trade between them, each
 * relative to i's largest partner), protection (j's military capacity,
 * doubled in value by a UN Security Council veto, reduced by j's military
 * strain, and only as far as j cooperates with i), arms and finance received
 * from j (shares of what i receives), cooperation, and diplomatic warmth (a
 * stock raised or lowered by `diplomacy` events: visits, summits, embassies,
 * snubs, decaying between them). The payoff is a weighted mean in 0..1;
 * alignment (how far i leans toward j, 0..1) moves toward it at a monthly
 * rate. An actor may lean toward members of rival camps at once.
 *
 * Camps are generic: the actor field `camp` (config) is +1 for members of
 * one camp, -1 for the rival camp, fractions for partial members, 0 for
 * none. i's lean toward a camp is the camp-weighted mean of its alignment
 * with the camp's members; the hedging index is 2 min(W+, W-) / (W+ + W-):
 * 0 when all of i's ties go to one camp, 1 when both camps weigh the same.
 * No actor is named in the code. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pactsim_model.h"

#define N_MATERIEL 4
/* Materiel categories, in the order of the inputs below: drones, munitions,
 * air_defense, aircraft. */

enum { P_ADJUST, P_W_ECON, P_W_PROTECT, P_W_ARMS, P_W_FINANCE, P_W_COOP, P_W_DIPLOMACY,
       P_WARMTH_DECAY };
static const ps_param params[] = {
    {"adjust", PS_REAL, "1/month", 0.0, 1.0, 0.15,
     "monthly share of the gap between alignment and its payoff-implied level that closes",
     "assumption: governments re-weigh partners within months of a change in payoffs (a visit in "
     "July shows in the autumn)"},
    {"weight_economy", PS_REAL, "1", 0.0, 5.0, 1.0,
     "weight of economic ties (GDP open to the actor, oil trade) in the payoff",
     "assumption: equal weight for economy, protection and cooperation"},
    {"weight_protection", PS_REAL, "1", 0.0, 5.0, 1.0,
     "weight of protection (a cooperating partner's military capacity, veto, spare strength)",
     "assumption: equal weight for economy, protection and cooperation"},
    {"weight_arms", PS_REAL, "1", 0.0, 5.0, 0.5,
     "weight of the partner's share of arms received",
     "assumption: arms flows matter, but only for actors that receive some"},
    {"weight_finance", PS_REAL, "1", 0.0, 5.0, 0.5,
     "weight of the partner's share of finance received",
     "assumption: as arms"},
    {"weight_cooperation", PS_REAL, "1", 0.0, 5.0, 1.0,
     "weight of cooperation (joint activity, from the cooperation model) in the payoff",
     "assumption: equal weight for economy, protection and cooperation"},
    {"weight_diplomacy", PS_REAL, "1", 0.0, 2.0, 0.5,
     "alignment added per unit of diplomatic warmth (added to the weighted mean, then clamped to 0..1)",
     "assumption: a warm state visit (warmth ~0.3) moves a lean by ~0.15 on a 0..1 scale "
     "(article: Biden 'patched up' ties with Saudi Arabia and the UAE in one trip)"},
    {"warmth_decay", PS_REAL, "1/month", 0.0, 1.0, 0.03,
     "monthly decay of diplomatic warmth without new visits or snubs",
     "assumption: the glow (or chill) of a summit fades over about two years (half-life ~23 months)"},
};

enum { F_CAMP, F_WARMTH, F_ALIGN, F_HEDGE, F_NFIELDS };
static const ps_field fields[] = {
    {"camp", PS_ACTOR, "1", 0.0, -1.0, 1.0,
     "camp membership: +1 one camp (in the 2022 configs the US-led camp), -1 the rival camp "
     "(Russia, Iran), fractions for partial members, 0 non-aligned",
     "assumption per actor in the config"},
    {"diplomatic_warmth", PS_DYAD, "1", 0.0, -1.0, 1.0,
     "stock of recent diplomacy between the two (visits, summits, embassies +; snubs, threats -), "
     "symmetric",
     "timeline events (diplomacy); initial: assumption"},
    {"alignment", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "how far the source leans toward the target (0 no tie, 1 the strongest tie it could have): "
     "follows the payoff of the tie",
     "computed; initial: the payoff-implied level unless the config sets it"},
    {"hedging_index", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "how evenly the actor's alignment is spread across the two camps: 2 min(W+, W-) / (W+ + W-) "
     "with W+- the camp-weighted mean alignment toward each camp's members, itself counted as 1 "
     "(0 = in one camp)",
     "computed"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_GDP, IN_SANCTION_INTENSITY, IN_OIL_TRADE, IN_MILITARY_CAPACITY, IN_UNSC_VETO, IN_MILITARY_STRAIN, IN_COOPERATION, IN_FINANCE_FLOW, IN_PROMISE_DELIVERY, IN_ARMS_DRONES, IN_ARMS_MUNITIONS, IN_ARMS_AIR_DEFENSE, IN_ARMS_AIRCRAFT };
static const ps_input inputs[] = {
    {"gdp", PS_ACTOR, 1, 1},
    {"sanction_intensity", PS_DYAD, 1, 1},
    {"oil_trade", PS_DYAD, 1, 1},
    {"military_capacity", PS_ACTOR, 1, 1},
    {"unsc_veto", PS_ACTOR, 1, 1},
    {"military_strain", PS_ACTOR, 1, 1},
    {"cooperation", PS_DYAD, 1, 1},
    {"finance_flow", PS_DYAD, 1, 1},
    {"promise_delivery", PS_DYAD, 1, 1},
    {"arms_transfer_drones", PS_DYAD, 1, 1},
    {"arms_transfer_munitions", PS_DYAD, 1, 1},
    {"arms_transfer_air_defense", PS_DYAD, 1, 1},
    {"arms_transfer_aircraft", PS_DYAD, 1, 1},
};

enum { E_DIPLOMACY };
static const ps_event_type events[] = {
    {"diplomacy", "1", -1.0, 1.0,
     "a visit, summit, embassy upgrade (m > 0: warmth of the occasion) or snub, threat (m < 0) "
     "between source and target: both directions' warmth w += m (1 - w) for m > 0, w += m (1 + w) "
     "for m < 0", 0, PS_EVENT_PAIR, NULL},
};

static double pair_mean(const ps_run *run, const char *field, const char *a, const char *b,
                        int y0, int m0, int y1, int m1)
{
    int i = ps_scenario_actor(run->sc, a), j = ps_scenario_actor(run->sc, b);
    int t0 = ps_run_month(run, y0, m0), t1 = ps_run_month(run, y1, m1);
    if (i < 0 || j < 0 || t1 <= t0)
        return NAN;
    return ps_run_dyad_mean(run, field, i, j, t0, t1);
}

static double actor_mean(const ps_run *run, const char *field, const char *a, int y0, int m0,
                         int y1, int m1)
{
    int i = ps_scenario_actor(run->sc, a);
    int t0 = ps_run_month(run, y0, m0), t1 = ps_run_month(run, y1, m1);
    if (i < 0 || t1 <= t0)
        return NAN;
    return ps_run_actor_mean(run, field, i, t0, t1);
}

static double metric_sau_usa(const ps_run *run)
{
    return pair_mean(run, "alignment", "SAU", "USA", 2022, 8, 2023, 1);
}

static double metric_are_irn(const ps_run *run)
{
    return pair_mean(run, "alignment", "ARE", "IRN", 2022, 8, 2023, 1);
}

static double metric_are_hedging(const ps_run *run)
{
    return actor_mean(run, "hedging_index", "ARE", 2022, 8, 2023, 1);
}

static const ps_metric metrics[] = {
    {"sau_usa_alignment_2022h2", "1",
     "Saudi Arabia's alignment toward the USA, mean over 2022-08..12 (NaN if absent)", metric_sau_usa},
    {"are_irn_alignment_2022h2", "1",
     "the UAE's alignment toward Iran, mean over 2022-08..12 (NaN if absent)", metric_are_irn},
    {"are_hedging_2022h2", "1", "the UAE's hedging index, mean over 2022-08..12 (NaN if absent)",
     metric_are_hedging},
};

typedef struct {
    int f[F_NFIELDS];
    int gdp, sanc, oil, mil, veto, strain, coop, flow, paid;
    int arms[N_MATERIEL];
    double *econ, *oilshare, *payoff; /* per dyad scratch, row i written by i only */
    int *member, n_member; /* the camps' members (camp != 0), ascending; set per step */
    int rows;              /* rows per block of payoffs (block_rows); set per step */
} align_data;

static void align_free(void *data)
{
    align_data *d = data;
    if (!d)
        return;
    free(d->econ);
    free(d->oilshare);
    free(d->payoff);
    free(d->member);
    free(d);
}

/* Protective strength of j before cooperation: military capacity, more
 * with a veto, less under strain. */
static double protection(const double *mil, const double *veto, const double *strain, int j)
{
    return mil[j] * 0.5 * (1.0 + veto[j]) * (1.0 - strain[j]);
}

/* Rows per block of payoffs(), at most: a block's reads down the columns
 * [j][i0..i1) take eight cache lines per array and j instead of one line per
 * element, and its per-j work is shared by more rows (with 16 rows a block
 * alignment took 1.4-1.9x as long a month from N=500 to 4000, one thread). */
#define ROWS 64

/* Rows per block: ROWS, or 32 or 16 where ROWS would leave fewer than four
 * blocks a thread. Any block size gives the same bits (each row's sums run
 * over j in ascending order). */
static int block_rows(const ps_world *w)
{
    int t = ps_inner_parallel(w) ? w->inner_threads : 1, rows = ROWS;
    while (rows > 16 && ps_block_count(w->n_actors, rows) < 4 * t)
        rows /= 2;
    return rows;
}

/* Payoffs of the ties of i0..i1-1 (at most ROWS rows) with every j (0..1
 * before diplomacy), from state t, into the rows of out. For each i the j are
 * taken in ascending order, so the block gives the bits a row at a time did.
 * The rows of the scratch arrays for i0..i1-1 are written here only. */
PS_HOT static void payoffs(const ps_world *w, const align_data *d, const double *p, int i0,
                           int i1, double *out)
{
    int n = w->n_actors;
    const double *gdp = ps_world_input_or_null(w, d->gdp), *sanc = ps_world_input(w, d->sanc);
    const double *oil = ps_world_input(w, d->oil), *mil = ps_world_input(w, d->mil);
    const double *veto = ps_world_input(w, d->veto), *strain = ps_world_input(w, d->strain);
    const double *coop = ps_world_input(w, d->coop), *flow = ps_world_input(w, d->flow);
    const double *paid = ps_world_input(w, d->paid);
    const double *arms_f[N_MATERIEL];
    for (int c = 0; c < N_MATERIEL; c++)
        arms_f[c] = ps_world_input(w, d->arms[c]);
    /* The scratch arrays in locals: a store through them could alias d. */
    double *econ_all = d->econ, *oil_all = d->oilshare;
    double emax[ROWS] = {0}, omax[ROWS] = {0}, pmax[ROWS] = {0}, fin_tot[ROWS] = {0};
    double arms_tot[ROWS][N_MATERIEL] = {{0}};
    for (int j = 0; j < n; j++) {
        const double gdp_j = gdp ? gdp[j] : 1.0, mil_j = mil[j];
        for (int i = i0; i < i1; i++) {
            const int r = i - i0;
            size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
            double *econ = econ_all + (size_t)i * n, *oils = oil_all + (size_t)i * n;
            if (j == i) {
                econ[j] = oils[j] = 0.0;
                continue;
            }
            /* The maxima from the values, not read back from the scratch
             * arrays (the store to oils could alias econ for the compiler). */
            double closed = ps_fmax(sanc[ij], sanc[ji]);
            double e = gdp_j * (1.0 - closed), o = oil[ij] + oil[ji];
            econ[j] = e;
            oils[j] = o;
            emax[r] = ps_fmax(emax[r], e);
            omax[r] = ps_fmax(omax[r], o);
            pmax[r] = ps_fmax(pmax[r], mil_j);
            fin_tot[r] += flow[ji] + paid[ji];
            for (int c2 = 0; c2 < N_MATERIEL; c2++)
                arms_tot[r][c2] += arms_f[c2][ji];
        }
    }
    /* Each row's categories with any arms received, in order (most rows have none). */
    int cats_of[ROWS][N_MATERIEL], n_cats[ROWS] = {0};
    for (int r = 0; r < i1 - i0; r++)
        for (int c2 = 0; c2 < N_MATERIEL; c2++)
            if (arms_tot[r][c2] > 0.0)
                cats_of[r][n_cats[r]++] = c2;
    double wsum = p[P_W_ECON] + p[P_W_PROTECT] + p[P_W_ARMS] + p[P_W_FINANCE] + p[P_W_COOP];
    /* The weights in locals: a store to out could alias p for the compiler,
     * which reloaded them for every dyad. */
    const double w_econ = p[P_W_ECON], w_protect = p[P_W_PROTECT], w_arms = p[P_W_ARMS];
    const double w_finance = p[P_W_FINANCE], w_coop = p[P_W_COOP];
    for (int j = 0; j < n; j++) {
        /* j's protective strength before cooperation, the same for every row;
         * times the pair's cooperation here rather than stored by the first
         * pass (one N x N array less to write and read back, same bits). */
        const double prot_j = protection(mil, veto, strain, j);
        for (int i = i0; i < i1; i++) {
            const int r = i - i0;
            size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
            double *row = out + (size_t)(i - i0) * n;
            if (j == i) {
                row[j] = 0.0;
                continue;
            }
            double e = emax[r] > 0.0 ? econ_all[ij] / emax[r] : 0.0;
            /* Below, +-0 / x for x > 0 is that same zero: no division for the
             * many pairs without oil, arms or finance between them (a division
             * takes longer than a predicted branch). */
            if (omax[r] > 0.0) {
                double o = oil_all[ij];
                e = 0.5 * (e + (o != 0.0 ? o / omax[r] : o));
            }
            /* 1 = the strongest partner, a veto holder, unstrained, fully cooperating */
            double c = 0.5 * (coop[ij] + coop[ji]);
            double pr = pmax[r] > 0.0 ? prot_j * c / pmax[r] : 0.0;
            double arms = 0.0;
            int cats = n_cats[r];
            for (int k = 0; k < cats; k++) {
                double a = arms_f[cats_of[r][k]][ji];
                arms += a != 0.0 ? a / arms_tot[r][cats_of[r][k]] : a;
            }
            arms = cats ? arms / cats : 0.0;
            double f = flow[ji] + paid[ji];
            double fin = fin_tot[r] > 0.0 ? (f != 0.0 ? f / fin_tot[r] : f) : 0.0;
            row[j] = wsum > 0.0 ? (w_econ * e + w_protect * pr + w_arms * arms +
                                   w_finance * fin + w_coop * c) / wsum
                                : 0.0;
        }
    }
}

static double clamp01(double x)
{
    return ps_fmin(1.0, ps_fmax(0.0, x));
}

/* The actors in a camp (camp > 0 or < 0), ascending, into member; their count. */
static int camp_members(const double *camp, int n, int *member)
{
    int m = 0;
    for (int j = 0; j < n; j++)
        if (camp[j] > 0.0 || camp[j] < 0.0)
            member[m++] = j;
    return m;
}

/* Hedging index of actor i from a row of alignment. Over the camps' members
 * only (camp_members), in ascending order: the other actors add nothing, so
 * the sums are those of a loop over every actor. */
static double hedging(const double *align_row, const double *camp, const int *member,
                      int n_member, int i)
{
    double wp = 0.0, wm = 0.0, np = 0.0, nm = 0.0;
    for (int m = 0; m < n_member; m++) {
        const int j = member[m];
        double a = j == i ? 1.0 : align_row[j]; /* a member leans fully toward itself */
        if (camp[j] > 0.0) {
            wp += camp[j] * a;
            np += camp[j];
        } else if (camp[j] < 0.0) {
            wm += -camp[j] * a;
            nm += -camp[j];
        }
    }
    wp = np > 0.0 ? wp / np : 0.0;
    wm = nm > 0.0 ? wm / nm : 0.0;
    return wp + wm > 0.0 ? 2.0 * ps_fmin(wp, wm) / (wp + wm) : 0.0;
}

static ps_status align_init(ps_world *w, int self, void **data, ps_error *err)
{
    align_data *d = calloc(1, sizeof *d);
    size_t nn = (size_t)w->n_actors * w->n_actors;
    if (!d)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    d->econ = calloc(nn ? nn : 1, sizeof(double));
    d->oilshare = calloc(nn ? nn : 1, sizeof(double));
    d->payoff = calloc(nn ? nn : 1, sizeof(double));
    d->member = calloc(w->n_actors ? (size_t)w->n_actors : 1, sizeof(int));
    if (!d->econ || !d->oilshare || !d->payoff || !d->member) {
        align_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    d->gdp = ps_model_input(self, IN_GDP);
    d->sanc = ps_model_input(self, IN_SANCTION_INTENSITY);
    d->oil = ps_model_input(self, IN_OIL_TRADE);
    d->mil = ps_model_input(self, IN_MILITARY_CAPACITY);
    d->veto = ps_model_input(self, IN_UNSC_VETO);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->flow = ps_model_input(self, IN_FINANCE_FLOW);
    d->paid = ps_model_input(self, IN_PROMISE_DELIVERY);
    for (int c = 0; c < N_MATERIEL; c++) {
        d->arms[c] = ps_model_input(self, IN_ARMS_DRONES + c);
    }
    int n = w->n_actors;
    /* Warmth is symmetric: a config may give either direction (the larger in size wins). */
    double *wa = w->cur[d->f[F_WARMTH]];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) {
            double a = wa[(size_t)i * n + j], b = wa[(size_t)j * n + i];
            wa[(size_t)i * n + j] = wa[(size_t)j * n + i] = fabs(a) >= fabs(b) ? a : b;
        }
    /* Alignment starts at its payoff-implied level, except where the config sets it. */
    unsigned char *set = calloc(nn ? nn : 1, 1);
    if (!set) {
        align_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < w->sc->n_inits; k++)
        if (w->sc->inits[k].field == d->f[F_ALIGN] && w->sc->inits[k].j >= 0)
            set[(size_t)w->sc->inits[k].i * n + w->sc->inits[k].j] = 1;
    const double *p = ps_world_param_values(w, self);
    double *al = w->cur[d->f[F_ALIGN]];
    /* A block of rows writes only its rows, as in the step. */
    const int rows = block_rows(w), nb = ps_block_count(n, rows);
#pragma omp parallel for schedule(static) num_threads(w->inner_threads) if (n >= PS_INNER_MIN_ACTORS)
    for (int b = 0; b < nb; b++) {
        int i0 = b * rows, i1 = ps_block_end(b, rows, n);
        payoffs(w, d, p, i0, i1, d->payoff + (size_t)i0 * n);
        for (int i = i0; i < i1; i++) {
            const double *row = d->payoff + (size_t)i * n;
            for (int j = 0; j < n; j++) {
                size_t ij = (size_t)i * n + j;
                if (!set[ij])
                    al[ij] = i == j ? 0.0 : clamp01(row[j] + p[P_W_DIPLOMACY] * wa[ij]);
            }
        }
    }
    const double *camp = w->cur[d->f[F_CAMP]];
    d->n_member = camp_members(camp, n, d->member);
    for (int i = 0; i < n; i++)
        w->cur[d->f[F_HEDGE]][i] = hedging(al + (size_t)i * n, camp, d->member, d->n_member, i);
    free(set);
    *data = d;
    return PS_OK;
}

/* The step for block b of rows: reads state t, writes only its rows (and
 * their hedging). */
PS_HOT static void step_block(ps_world *w, void *data, const double *p, int b)
{
    align_data *d = data;
    const int n = w->n_actors, i0 = b * d->rows, i1 = ps_block_end(b, d->rows, n);
    const double *wa = w->cur[d->f[F_WARMTH]], *al = w->cur[d->f[F_ALIGN]];
    const double *camp = w->cur[d->f[F_CAMP]];
    double *wa_n = w->next[d->f[F_WARMTH]], *al_n = w->next[d->f[F_ALIGN]];
    double *hedge_n = w->next[d->f[F_HEDGE]];
    payoffs(w, d, p, i0, i1, d->payoff + (size_t)i0 * n);
    /* The parameters in locals: a store to wa_n or al_n could alias p for
     * the compiler, which reloaded them for every dyad. */
    const double keep = 1.0 - p[P_WARMTH_DECAY], w_diplomacy = p[P_W_DIPLOMACY];
    const double adjust = p[P_ADJUST];
    for (int i = i0; i < i1; i++) {
        const double *row = d->payoff + (size_t)i * n;
        for (int j = 0; j < n; j++) {
            size_t ij = (size_t)i * n + j;
            wa_n[ij] = wa[ij] * keep;
            double target = i == j ? 0.0 : clamp01(row[j] + w_diplomacy * wa[ij]);
            al_n[ij] = clamp01(al[ij] + adjust * (target - al[ij]));
        }
        hedge_n[i] = hedging(al_n + (size_t)i * n, camp, d->member, d->n_member, i);
    }
}

PS_HOT static ps_status align_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    const double *p = ps_world_param_values(w, self);
    align_data *d = data;
    d->n_member = camp_members(w->cur[d->f[F_CAMP]], w->n_actors, d->member);
    d->rows = block_rows(w);
    ps_inner_for(w, ps_block_count(w->n_actors, d->rows), step_block, data, p);
    return PS_OK;
}

static ps_status align_event(ps_world *w, int self, void *data, const ps_event *ev,
                             ps_error *err)
{
    (void)self;
    const align_data *d = data;
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    int n = w->n_actors;
    double *wa = w->next[d->f[F_WARMTH]];
    size_t ij = (size_t)ev->source * n + ev->target, ji = (size_t)ev->target * n + ev->source;
    double m = ev->magnitude, x = wa[ij];
    x += m >= 0.0 ? m * (1.0 - x) : m * (1.0 + x);
    wa[ij] = wa[ji] = ps_fmax(-1.0, ps_fmin(1.0, x));
    return PS_OK;
}

const ps_model ps_model_alignment = {
    .name = "alignment",
    .description = "alignment of each actor toward each partner from economic, protection, arms, "
                   "finance, cooperation and diplomatic payoffs; hedging across rival camps",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "alignment diplomatic_warmth",
    .metric_reads = "alignment:SAU-USA alignment:ARE-IRN hedging_index",
    .computed = "hedging_index",
    .init = align_init,
    .step = align_step,
    .apply_event = align_event,
    .free = align_free,
};
