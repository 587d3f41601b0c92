/* Economy: GDP, growth, accessible and frozen reserves, capacity to lend.
 *
 * Growth relaxes each month toward a target: potential growth less the cost
 * of sanction pressure, plus a random shock. Reserves earn the current
 * account, are drawn down to defend the currency under pressure, and a freeze
 * moves them out of reach. What an actor can lend abroad is a share of its
 * accessible reserves, shrinking with pressure (it must keep them at home). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "pactsim.h"

enum { P_ELASTICITY, P_PERSISTENCE, P_NOISE, P_DRAWDOWN, P_LEND_SHARE };
static const ps_param params[] = {
    {"sanction_elasticity", PS_REAL, "1/yr", 0.0, 1.0, 0.12,
     "annual growth lost per unit of sanction pressure felt",
     "assumption: sized so that Russia's felt pressure in 2022 (~0.2-0.3) costs 2-4 points of growth, "
     "the range of mid-2022 forecasts; no dataset after 2022-07-22 is used"},
    {"growth_persistence", PS_REAL, "1", 0.0, 0.99, 0.85,
     "monthly persistence of growth toward its target (AR(1) coefficient)",
     "assumption: shocks pass into growth over about half a year"},
    {"growth_noise_sd", PS_REAL, "1/yr", 0.0, 0.1, 0.004,
     "standard deviation of the monthly shock to annualised growth",
     "assumption: quarter-to-quarter noise in annualised growth of large economies"},
    {"reserve_drawdown", PS_REAL, "1/month", 0.0, 0.2, 0.02,
     "share of accessible reserves spent per month per unit of sanction pressure (currency defence)",
     "assumption: central banks under sanctions spend reserves fast (Russia Feb-Mar 2022 before capital controls)"},
    {"lend_share", PS_REAL, "1", 0.0, 1.0, 0.1,
     "share of accessible reserves an actor under no pressure could commit to lending abroad",
     "assumption: reserves are mostly held for import cover and currency defence"},
};

enum { F_GDP, F_GROWTH, F_POTENTIAL, F_RESERVES, F_FROZEN, F_CA, F_LENDING };
static const ps_field fields[] = {
    {"gdp", PS_ACTOR, "USD/yr", 1e11, 0.0, 1e15,
     "gross domestic product at an annual rate, current USD",
     "World Bank WDI NY.GDP.MKTP.CD 2021 (shared/data/actors-2021.csv)"},
    {"gdp_growth", PS_ACTOR, "1/yr", 0.0, -0.5, 0.5,
     "annualised GDP growth this month", "initial value: assumption (pre-war trend)"},
    {"potential_growth", PS_ACTOR, "1/yr", 0.025, -0.1, 0.15,
     "growth without sanctions or shocks", "assumption: pre-2022 trend, per actor in the config"},
    {"reserves", PS_ACTOR, "USD", 0.0, 0.0, 1e14,
     "accessible foreign reserves (frozen reserves excluded)",
     "World Bank WDI FI.RES.TOTL.CD end-2021; Bank of Russia (shared/data/actors-2021.csv)"},
    {"reserves_frozen", PS_ACTOR, "USD", 0.0, 0.0, 1e14,
     "foreign reserves immobilised by sanctions", "timeline events (asset_freeze)"},
    {"current_account", PS_ACTOR, "1", 0.0, -0.5, 0.5,
     "current-account balance as a share of GDP, added to reserves",
     "assumption per actor in the config"},
    {"lending_capacity", PS_ACTOR, "USD", 0.0, 0.0, 1e14,
     "what the actor could lend abroad now", "computed"},
};

enum { E_FREEZE, E_UNFREEZE };
static const ps_event_type events[] = {
    {"asset_freeze", "USD", 0.0, 1e14,
     "source immobilises this amount of the target's reserves (capped at what is accessible)"},
    {"asset_unfreeze", "USD", 0.0, 1e14,
     "source releases this amount of the target's frozen reserves"},
};

static double metric_min_growth(const ps_run *run)
{
    int f = ps_field_index("gdp_growth");
    size_t n = (size_t)run->sc->n_actors * run->n_months;
    double low = INFINITY;
    for (size_t k = 0; k < n; k++)
        low = fmin(low, run->series[f][k]);
    return n ? low : NAN;
}

static double metric_world_gdp_change(const ps_run *run)
{
    int f = ps_field_index("gdp");
    int n = run->sc->n_actors;
    const double *last = run->series[f] + (size_t)(run->n_months - 1) * n;
    double a = 0.0, b = 0.0;
    for (int i = 0; i < n; i++) {
        a += run->series[f][i];
        b += last[i];
    }
    return a > 0.0 ? b / a - 1.0 : NAN;
}

static const ps_metric metrics[] = {
    {"min_gdp_growth", "1/yr", "lowest annualised growth of any actor in any month",
     metric_min_growth},
    {"total_gdp_change", "1", "relative change of the actors' total GDP from the first to the last month",
     metric_world_gdp_change},
};

typedef struct {
    int f[7];
    int pressure;
    ps_rng *rng;
} economy_data;

static void economy_free(void *data)
{
    economy_data *d = data;
    ps_rng_free(d->rng);
    free(d);
}

static ps_status economy_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    economy_data *d = malloc(sizeof *d);
    if (!d || !(d->rng = ps_rng_alloc())) {
        free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < 7; k++)
        d->f[k] = ps_field_index(fields[k].name);
    d->pressure = ps_field_index("sanction_pressure");
    /* Growth starts at potential unless the config says otherwise. */
    double *g = w->cur[d->f[F_GROWTH]];
    const double *pot = w->cur[d->f[F_POTENTIAL]];
    for (int i = 0; i < w->n_actors; i++)
        if (g[i] == 0.0)
            g[i] = pot[i];
    *data = d;
    return PS_OK;
}

static ps_status economy_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    economy_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const double *gdp = w->cur[d->f[F_GDP]], *g = w->cur[d->f[F_GROWTH]];
    const double *pot = w->cur[d->f[F_POTENTIAL]], *res = w->cur[d->f[F_RESERVES]];
    const double *ca = w->cur[d->f[F_CA]];
    const double *press = d->pressure >= 0 ? w->cur[d->pressure] : NULL;
    double *gdp_n = w->next[d->f[F_GDP]], *g_n = w->next[d->f[F_GROWTH]];
    double *res_n = w->next[d->f[F_RESERVES]], *lend_n = w->next[d->f[F_LENDING]];
    for (int i = 0; i < w->n_actors; i++) {
        double pr = press ? press[i] : 0.0;
        gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month,
                               ps_world_actor_key(w, i), 1);
        double shock = p[P_NOISE] > 0.0 ? gsl_ran_gaussian(r, p[P_NOISE]) : 0.0;
        double target = pot[i] - p[P_ELASTICITY] * pr;
        double gi = p[P_PERSISTENCE] * g[i] + (1.0 - p[P_PERSISTENCE]) * target + shock;
        gi = fmax(-0.5, fmin(0.5, gi));
        g_n[i] = gi;
        gdp_n[i] = gdp[i] * pow(1.0 + gi, 1.0 / 12.0);
        double r_next = res[i] * (1.0 - p[P_DRAWDOWN] * pr) + ca[i] * gdp[i] / 12.0;
        res_n[i] = fmax(0.0, r_next);
        lend_n[i] = res_n[i] * p[P_LEND_SHARE] * (1.0 - pr);
    }
    return PS_OK;
}

static ps_status economy_event(ps_world *w, int self, void *data, const ps_event *ev,
                               ps_error *err)
{
    (void)self;
    const economy_data *d = data;
    if (ev->target < 0)
        return ps_error_set(err, PS_ERR_CONFIG, "needs a target actor");
    double *res = &w->next[d->f[F_RESERVES]][ev->target];
    double *frozen = &w->next[d->f[F_FROZEN]][ev->target];
    double amount;
    if (ev->type == ps_registry_find_event_type(events[E_FREEZE].name)) {
        amount = fmin(ev->magnitude, *res);
        *res -= amount;
        *frozen += amount;
    } else {
        amount = fmin(ev->magnitude, *frozen);
        *frozen -= amount;
        *res += amount;
    }
    return PS_OK;
}

const ps_model ps_model_economy = {
    .name = "economy",
    .description = "GDP, growth under sanction pressure, accessible and frozen reserves, "
                   "capacity to lend abroad",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .init = economy_init,
    .step = economy_step,
    .apply_event = economy_event,
    .free = economy_free,
};
