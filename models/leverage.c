/* Leverage: how much actor i can extract from j.
 *
 * j depends on i through six channels k: trade (i's economy open to j),
 * transit (routes through i's territory or waters: the dyad `transit`),
 * diplomatic cover (`diplomatic_cover` of the cover model if registered, else
 * a UN Security Council veto holder's cooperation), materiel
 * (arms received), oil purchases (i buying j's crude) and finance (received).
 * In each channel i's share s_k of what j can still get from everyone open to
 * it measures j's lack of alternatives; the channel counts as far as it
 * matters to j now (importance u_k: 1 for trade and transit, j's isolation
 * for cover, its military strain for materiel, its oil revenue relative to
 * GDP for oil, its sanction pressure for finance). Leverage combines the
 * channels like independent holds: L_ij = 1 - prod_k (1 - w_k u_k s_k), 0..1.
 * When sanctions close j's other partners, their terms leave the
 * denominators and the partners still open to j gain leverage over it. */
#include <math.h>
#include <stdlib.h>

#include "pactsim_model.h"

#define N_MATERIEL 4
/* Materiel categories, in the order of the inputs below: drones, munitions,
 * air_defense, aircraft. */

enum { K_TRADE, K_TRANSIT, K_COVER, K_MATERIEL, K_OIL, K_FINANCE, N_CHANNELS };
enum { P_W_TRADE, P_W_TRANSIT, P_W_COVER, P_W_MATERIEL, P_W_OIL, P_W_FINANCE, P_OIL_SCALE };
static const ps_param params[] = {
    {"weight_trade", PS_REAL, "1", 0.0, 1.0, 1.0,
     "hold of a partner holding all of an actor's open trade (its share of the GDP still open)",
     "assumption: full weight; a partner's share of open world GDP is small unless others close"},
    {"weight_transit", PS_REAL, "1", 0.0, 1.0, 0.8,
     "hold of a partner through which all of an actor's remaining trade routes pass",
     "assumption: routes can be changed at a cost (longer voyages, rail), so not a full hold"},
    {"weight_cover", PS_REAL, "1", 0.0, 1.0, 0.6,
     "hold of the only veto holder shielding a fully isolated actor",
     "assumption: cover matters at the UN, not for daily survival"},
    {"weight_materiel", PS_REAL, "1", 0.0, 1.0, 0.8,
     "hold of the only arms supplier of an actor at full military strain",
     "assumption: a war cannot wait for a new supplier"},
    {"weight_oil", PS_REAL, "1", 0.0, 1.0, 0.8,
     "hold of the only buyer of an oil-dependent exporter's crude",
     "assumption: the rest of the world can absorb part of any redirected crude at a discount"},
    {"weight_finance", PS_REAL, "1", 0.0, 1.0, 0.6,
     "hold of the only lender to an actor under full sanction pressure",
     "assumption: reserves and capital controls buy time"},
    {"oil_dependence_scale", PS_REAL, "1", 0.01, 1.0, 0.15,
     "oil export revenue, as a share of GDP, at which oil buyers count fully (importance 1)",
     "assumption: Russia's crude and product revenue was about a tenth to a sixth of GDP in 2021-22 "
     "(IEA July 2022 OMR: USD 20bn a month on a USD 1.8tn GDP; timeline 2022-07-13)"},
};

enum { F_TRANSIT, F_LEVERAGE, F_NFIELDS };
static const ps_field fields[] = {
    {"transit", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "share of the target's external trade that passes through the source's territory, waters or "
     "airspace (straits, corridors, re-export hubs)",
     "assumption per pair in the config"},
    {"leverage", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "how much the source can extract from the target: the target's dependence on the source, "
     "relative to the target's alternatives, over six channels (0 none, 1 total)",
     "computed"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_GDP, IN_SANCTION_INTENSITY, IN_ISOLATION, IN_UNSC_VETO, IN_DIPLOMATIC_COVER, IN_COOPERATION, IN_MILITARY_STRAIN, IN_OIL_TRADE, IN_OIL_REST_EXPORTS, IN_OIL_EXPORT_REVENUE, IN_FINANCE_FLOW, IN_PROMISE_DELIVERY, IN_SANCTION_PRESSURE, IN_ARMS_DRONES, IN_ARMS_MUNITIONS, IN_ARMS_AIR_DEFENSE, IN_ARMS_AIRCRAFT };
static const ps_input inputs[] = {
    {"gdp", PS_ACTOR, 1, 0},
    {"sanction_intensity", PS_DYAD, 1, 0},
    {"isolation", PS_ACTOR, 1, 0},
    {"unsc_veto", PS_ACTOR, 1, 0},
    {"diplomatic_cover", PS_DYAD, 1, 0},
    {"cooperation", PS_DYAD, 1, 0},
    {"military_strain", PS_ACTOR, 1, 0},
    {"oil_trade", PS_DYAD, 1, 0},
    {"oil_rest_exports", PS_ACTOR, 1, 0},
    {"oil_export_revenue", PS_ACTOR, 1, 0},
    {"finance_flow", PS_DYAD, 1, 0},
    {"promise_delivery", PS_DYAD, 1, 0},
    {"sanction_pressure", PS_ACTOR, 1, 0},
    {"arms_transfer_drones", PS_DYAD, 1, 0},
    {"arms_transfer_munitions", PS_DYAD, 1, 0},
    {"arms_transfer_air_defense", PS_DYAD, 1, 0},
    {"arms_transfer_aircraft", PS_DYAD, 1, 0},
};

static double metric_tur_rus(const ps_run *run)
{
    int i = ps_scenario_actor(run->sc, "TUR"), j = ps_scenario_actor(run->sc, "RUS");
    int a0 = ps_run_month(run, 2022, 1), a1 = ps_run_month(run, 2022, 2);
    int b0 = ps_run_month(run, 2022, 7), b1 = ps_run_month(run, 2023, 1);
    if (i < 0 || j < 0 || a1 <= a0 || b1 <= b0)
        return NAN;
    return ps_run_dyad_mean(run, fields[F_LEVERAGE].name, i, j, b0, b1) -
           ps_run_dyad_mean(run, fields[F_LEVERAGE].name, i, j, a0, a1);
}

static const ps_metric metrics[] = {
    {"tur_rus_leverage_change", "1",
     "Turkey's leverage over Russia, mean over 2022-07..12 minus 2022-01 (NaN if absent)",
     metric_tur_rus},
};

typedef struct {
    int f[F_NFIELDS];
    int gdp, sanc, iso, veto, cover, coop, strain, oil, rest, revenue, flow, paid, pressure;
    int arms[N_MATERIEL];
    double *den;      /* [N_CHANNELS + N_MATERIEL][n]: per target j, all it can get */
    double *importance; /* [N_CHANNELS][n] */
} lev_data;

static void lev_free(void *data)
{
    lev_data *d = data;
    if (!d)
        return;
    free(d->den);
    free(d->importance);
    free(d);
}

static ps_status lev_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    lev_data *d = calloc(1, sizeof *d);
    size_t n = (size_t)(w->n_actors ? w->n_actors : 1);
    if (!d || !(d->den = calloc((N_CHANNELS + N_MATERIEL) * n, sizeof(double))) ||
        !(d->importance = calloc(N_CHANNELS * n, sizeof(double)))) {
        lev_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    d->gdp = ps_model_input(self, IN_GDP);
    d->sanc = ps_model_input(self, IN_SANCTION_INTENSITY);
    d->iso = ps_model_input(self, IN_ISOLATION);
    d->veto = ps_model_input(self, IN_UNSC_VETO);
    d->cover = ps_model_input(self, IN_DIPLOMATIC_COVER);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    d->oil = ps_model_input(self, IN_OIL_TRADE);
    d->rest = ps_model_input(self, IN_OIL_REST_EXPORTS);
    d->revenue = ps_model_input(self, IN_OIL_EXPORT_REVENUE);
    d->flow = ps_model_input(self, IN_FINANCE_FLOW);
    d->paid = ps_model_input(self, IN_PROMISE_DELIVERY);
    d->pressure = ps_model_input(self, IN_SANCTION_PRESSURE);
    for (int c = 0; c < N_MATERIEL; c++) {
        d->arms[c] = ps_model_input(self, IN_ARMS_DRONES + c);
    }
    *data = d;
    return PS_OK;
}

/* The inputs, none NULL but gdp and cover (absent: their own fallbacks). */
typedef struct {
    const double *gdp, *sanc, *iso, *veto, *cover, *coop, *strain, *oil, *rest, *rev, *flow, *paid,
        *press, *transit, *arms[N_MATERIEL];
    int n;
} lev_view;

static double closed(const lev_view *v, int i, int j)
{
    size_t ij = (size_t)i * v->n + j, ji = (size_t)j * v->n + i;
    return ps_fmax(v->sanc[ij], v->sanc[ji]);
}

/* What i offers j in channel k (materiel: category c), before normalising;
 * open = 1 - closed(v, i, j), which the loops compute once per dyad (a store
 * to their sums could alias the sanctions for the compiler, so it recomputed
 * the closure for each channel that uses it). */
static double offer(const lev_view *v, int k, int c, int i, int j, double open)
{
    int n = v->n;
    size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
    switch (k) {
    case K_TRADE:
        return (v->gdp ? v->gdp[i] : 1.0) * open;
    case K_TRANSIT:
        return v->transit[ij] * open;
    case K_COVER: /* the cover model's shield if present, else veto x cooperation */
        if (v->cover)
            return v->cover[ij];
        return v->veto[i] * (0.5 * (v->coop[ij] + v->coop[ji])) *
               open;
    case K_MATERIEL:
        return v->arms[c][ij];
    case K_OIL:
        return v->oil[ji]; /* i buys j's crude */
    default:
        return v->flow[ij] + v->paid[ij];
    }
}

/* Actors per block of the loops below. Each block takes the dyads of 32 rows
 * (or columns) together, so that the reads across rows use each cache line for
 * 32 dyads rather than one; for each dyad the terms are added in the order of
 * a plain loop (i ascending per target j), so the block gives the same bits. */
#define BLOCK 32

/* Per target j of block b: everything it can get in each channel, and how much
 * each channel matters to it. Writes only the block's columns of den and imp. */
PS_HOT static void den_block(const lev_view *vp, lev_data *d, const double *p, int b)
{
    /* The inputs in a local copy: a store to den could alias *vp for the
     * compiler, which then reloaded the arrays' addresses for every offer. */
    const lev_view view = *vp, *v = &view;
    const int n = v->n, j0 = b * BLOCK, j1 = ps_block_end(b, BLOCK, n);
    double *den = d->den, *imp = d->importance;
    /* The block's sums in locals, stored once at the end: summed in d->den,
     * each += was a load and a store (a store could alias the inputs for the
     * compiler). The same additions in the same order: the same bits. */
    double sum[N_CHANNELS + N_MATERIEL][BLOCK] = {{0}};
    double routed[BLOCK] = {0};
    for (int i = 0; i < n; i++) {
        /* offer() for every channel, written out with row i's values in
         * locals, over the columns before i and after it: no branch in the
         * loop over j, so that it is vectorised (the same terms, added in
         * the same order). */
        const size_t i0 = (size_t)i * n;
        const double gdp_i = v->gdp ? v->gdp[i] : 1.0, veto_i = v->veto[i];
        const double *sanc_i = v->sanc + i0, *transit_i = v->transit + i0, *coop_i = v->coop + i0;
        const double *flow_i = v->flow + i0, *paid_i = v->paid + i0;
        const double *cover_i = v->cover ? v->cover + i0 : NULL;
        const double *arms_i[N_MATERIEL];
        for (int c = 0; c < N_MATERIEL; c++)
            arms_i[c] = v->arms[c] + i0;
        const int ja[2] = {j0, i + 1 > j0 ? i + 1 : j0}, jb[2] = {i < j1 ? i : j1, j1};
        for (int part = 0; part < 2; part++)
            for (int j = ja[part]; j < jb[part]; j++) {
                const size_t ji = (size_t)j * n + i;
                const int q = j - j0;
                const double open = 1.0 - ps_fmax(sanc_i[j], v->sanc[ji]);
                sum[K_TRADE][q] += gdp_i * open;
                sum[K_TRANSIT][q] += transit_i[j] * open;
                sum[K_OIL][q] += v->oil[ji];
                sum[K_FINANCE][q] += flow_i[j] + paid_i[j];
                for (int c = 0; c < N_MATERIEL; c++)
                    sum[N_CHANNELS + c][q] += arms_i[c][j];
                routed[q] += transit_i[j];
            }
        /* Cover apart, as its source depends on the cover model's presence. */
        for (int part = 0; part < 2; part++)
            if (cover_i)
                for (int j = ja[part]; j < jb[part]; j++)
                    sum[K_COVER][j - j0] += cover_i[j];
            else
                for (int j = ja[part]; j < jb[part]; j++) {
                    const size_t ji = (size_t)j * n + i;
                    const double open = 1.0 - ps_fmax(sanc_i[j], v->sanc[ji]);
                    sum[K_COVER][j - j0] += veto_i * (0.5 * (coop_i[j] + v->coop[ji])) * open;
                }
    }
    for (int k = 0; k < N_CHANNELS + N_MATERIEL; k++)
        for (int j = j0; j < j1; j++)
            den[(size_t)k * n + j] = sum[k][j - j0];
    for (int j = j0; j < j1; j++) {
        /* Routes through no one stay open as far as j is not isolated. */
        den[(size_t)K_TRANSIT * n + j] += ps_fmax(0.0, 1.0 - routed[j - j0]) * (1.0 - v->iso[j]);
        /* The rest of the world's buyers are an alternative for j's crude. */
        den[(size_t)K_OIL * n + j] += v->rest[j];
        double g = v->gdp ? v->gdp[j] : 0.0;
        imp[(size_t)K_TRADE * n + j] = 1.0;
        imp[(size_t)K_TRANSIT * n + j] = 1.0;
        imp[(size_t)K_COVER * n + j] = v->iso[j];
        imp[(size_t)K_MATERIEL * n + j] = v->strain[j];
        imp[(size_t)K_OIL * n + j] =
            g > 0.0 ? ps_fmin(1.0, v->rev[j] / (g * p[P_OIL_SCALE])) : 0.0;
        imp[(size_t)K_FINANCE * n + j] = v->press[j];
    }
}

/* Leverage of the actors i of block b over every j. Writes only their rows. */
PS_HOT static void lev_block(const lev_view *vp, const lev_data *d, const double *p,
                             double *lev_n, int b)
{
    const lev_view view = *vp, *v = &view; /* local, as in den_block */
    const int n = v->n, i0 = b * BLOCK, i1 = ps_block_end(b, BLOCK, n);
    const double *den = d->den, *imp = d->importance;
    for (int j = 0; j < n; j++) {
        /* Target j's totals and weights, read once for the block's rows (a
         * store to lev_n could alias den and imp, so the compiler reloaded
         * them for every dyad); the same values, so the same bits. */
        double t[N_CHANNELS + N_MATERIEL], wt[N_CHANNELS];
        for (int k = 0; k < N_CHANNELS + N_MATERIEL; k++)
            t[k] = den[(size_t)k * n + j];
        for (int k = 0; k < N_CHANNELS; k++)
            wt[k] = p[P_W_TRADE + k] * imp[(size_t)k * n + j];
        /* j's materiel categories with any supply (t > 0), in order, once for
         * the block's rows rather than tested per dyad (most j get no arms). */
        int cat[N_MATERIEL], cats = 0;
        for (int c = 0; c < N_MATERIEL; c++)
            if (t[N_CHANNELS + c] > 0.0)
                cat[cats++] = c;
        for (int i = i0; i < i1; i++) {
            size_t ij = (size_t)i * n + j;
            if (i == j) {
                lev_n[ij] = 0.0;
                continue;
            }
            double hold_free = 1.0;
            const double open = 1.0 - closed(v, i, j);
            /* Unrolled, each channel's offer() is its own case: no switch per dyad. */
#pragma GCC unroll 8
            for (int k = 0; k < N_CHANNELS; k++) {
                double share;
                if (k == K_MATERIEL) {
                    double s = 0.0;
                    /* +-0 / x for x > 0 is that same zero: no division for
                     * the many pairs without arms between them. */
                    for (int q = 0; q < cats; q++) {
                        const int c = cat[q];
                        double a = offer(v, K_MATERIEL, c, i, j, open);
                        s += a != 0.0 ? a / t[N_CHANNELS + c] : a;
                    }
                    share = cats ? (s != 0.0 ? s / cats : s) : 0.0;
                } else {
                    double o = offer(v, k, 0, i, j, open);
                    if (o == 0.0)
                        continue; /* share +-0: see below */
                    share = t[k] > 0.0 ? o / t[k] : 0.0;
                }
                /* Nothing held in this channel (share +-0): the factor below
                 * would be 1 - min(1, max(0, wt x +-0)) = 1 exactly (for any
                 * wt, NaN and infinity included), and hold_free x 1 is
                 * hold_free, bit for bit. Most pairs trade no arms, oil or
                 * finance. */
                if (share == 0.0)
                    continue;
                double hold = wt[k] * ps_fmin(1.0, share);
                hold_free *= 1.0 - ps_fmin(1.0, ps_fmax(0.0, hold));
            }
            lev_n[ij] = 1.0 - hold_free;
        }
    }
}

PS_HOT static ps_status lev_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    lev_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors, nb = ps_block_count(n, BLOCK);
    lev_view v = {
        ps_world_input_or_null(w, d->gdp), ps_world_input(w, d->sanc), ps_world_input(w, d->iso),
        ps_world_input(w, d->veto), ps_world_input_or_null(w, d->cover), ps_world_input(w, d->coop),
        ps_world_input(w, d->strain), ps_world_input(w, d->oil), ps_world_input(w, d->rest),
        ps_world_input(w, d->revenue), ps_world_input(w, d->flow), ps_world_input(w, d->paid),
        ps_world_input(w, d->pressure), w->cur[d->f[F_TRANSIT]], {NULL}, n};
    for (int c = 0; c < N_MATERIEL; c++)
        v.arms[c] = ps_world_input(w, d->arms[c]);
    double *lev_n = w->next[d->f[F_LEVERAGE]];
    if (!ps_inner_parallel(w)) {
        for (int b = 0; b < nb; b++)
            den_block(&v, d, p, b);
        for (int b = 0; b < nb; b++)
            lev_block(&v, d, p, lev_n, b);
        return PS_OK;
    }
#pragma omp parallel num_threads(w->inner_threads)
    {
#pragma omp for schedule(static)
        for (int b = 0; b < nb; b++)
            den_block(&v, d, p, b);
#pragma omp for schedule(static)
        for (int b = 0; b < nb; b++)
            lev_block(&v, d, p, lev_n, b);
    }
    return PS_OK;
}

const ps_model ps_model_leverage = {
    .name = "leverage",
    .description = "leverage of each actor over each other from the other's dependence (trade, "
                   "transit, diplomatic cover, materiel, oil purchases, finance) relative to its "
                   "alternatives",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "leverage",
    .metric_reads = "leverage:TUR-RUS",
    .computed = "leverage",
    .init = lev_init,
    .step = lev_step,
    .free = lev_free,
};
