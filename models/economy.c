/* Economy: GDP, growth, accessible and frozen reserves, capacity to lend.
 *
 * Growth relaxes each month toward a target: potential growth less the cost
 * of the sanction pressure not yet adapted to (import substitution lets the
 * economy work around part of it over time), less the cost of war strain now
 * and of sustained war later (a lagged strain: labour, capital, inflation),
 * plus the gain from oil revenue above its level in the first month, plus the
 * demand of military spending above its level in the first month (a fiscal
 * multiplier on the spending's rise over its recent level: a level effect on
 * GDP, so a transient effect on growth), plus a random shock. The current
 * account moves from its initial balance with commodity export revenue (the oil
 * model's revenue above its initial level, scaled up for oil products) and with
 * import compression (imports lost to the sanction pressure not yet adapted to,
 * above its month-0 level). Reserves earn the official share of the current
 * account (the rest leaves as private capital) and the saved oil windfall less
 * the extra military spending that windfall pays for, pay a share of the
 * spending it does not cover, gain foreign finance received and lose finance
 * given, are drawn down to defend the currency under pressure,
 * and a freeze moves them out of reach. What an actor can lend abroad is a
 * share of its accessible reserves, shrinking with pressure (it must keep
 * them at home); what it needs from abroad grows with the pressure it feels. */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

enum { P_ELASTICITY, P_PERSISTENCE, P_NOISE, P_DRAWDOWN, P_LEND_SHARE, P_WAR_COST,
       P_OIL_GAIN, P_WINDFALL, P_FINANCE_GAP, P_SURGE, P_MULTIPLIER, P_FISCAL_LAG,
       P_WAR_RESERVES, P_ADAPT_MAX, P_ADAPT_RATE, P_WAR_COST_LATE, P_WAR_LAG, P_CA_SCALE,
       P_IMPORT_SHARE, P_IMPORT_CUT, P_CA_RESERVES, P_NEED_CA, P_OIL_IN_GDP };
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
    {"war_cost", PS_REAL, "1/yr", 0.0, 0.5, 0.04,
     "annual growth lost at full military strain (mobilisation, casualties, diverted industry)",
     "assumption: a few points of growth for a country fighting a large war"},
    {"oil_growth_gain", PS_REAL, "1", 0.0, 2.0, 0.3,
     "growth gained per unit of extra oil revenue relative to GDP (both annual rates)",
     "assumption: part of an oil windfall reaches domestic demand within the year"},
    {"windfall_saving", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of oil revenue above the first month's level added to reserves",
     "assumption: exporters save about half of a windfall (fiscal rules, sovereign funds)"},
    {"finance_gap", PS_REAL, "1", 0.0, 1.0, 0.1,
     "foreign financing sought per year, as a share of GDP, per unit of sanction pressure felt",
     "assumption: sanctions cut market access and raise import costs; the gap is met abroad or not at all"},
    {"war_spending_surge", PS_REAL, "1", 0.0, 5.0, 1.0,
     "rise of military spending, as a multiple of military_capacity, per unit of military strain above "
     "its level in month 1 (0 switches the fiscal channel off)",
     "data: Iran in the Iran-Iraq war, a full-scale war (strain near 1): SIPRI military expenditure "
     "4.9bn USD in 1980, 9.7-11.7bn in 1982-86, x2.0-2.4 "
     "(data/observations/history/military_expenditure_annual.csv); surge 1 doubles spending at full strain"},
    {"fiscal_multiplier", PS_REAL, "1", 0.0, 2.0, 0.6,
     "rise of the GDP level per unit of extra military spending (both as shares of GDP), reached over "
     "fiscal_lag",
     "literature: defence-spending multipliers, Barro & Redlick 2011 (QJE 126:51-102) 0.4-0.5 within "
     "the year, 0.6-0.7 over two years; Ramey 2011 (QJE 126:1-50) 0.6-1.2; the low end of the range"},
    {"fiscal_lag", PS_REAL, "month", 1.0, 60.0, 12.0,
     "mean time over which a rise of military spending passes into output (the reference level of "
     "spending follows the spending with this time constant)",
     "assumption: the multipliers above are cumulated over one to two years"},
    {"war_reserve_share", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of the extra military spending not covered by the saved oil windfall that is paid from "
     "reserves (the rest: taxes and domestic borrowing)",
     "assumption: a sovereign fund (Russia's National Wealth Fund) finances about half of a deficit; "
     "to be calibrated"},
    {"adaptation_max", PS_REAL, "1", 0.0, 1.0, 0.6,
     "share of the sanction pressure an economy works around in the long run (import substitution, "
     "new suppliers); 0 switches adaptation off",
     "assumption: Russia after 2014 and Iran after 2018 grew again two to three years into sanctions "
     "that stayed (general knowledge, rounded: Russia's real GDP -2% in 2015, +1.8% in 2017; Iran's "
     "fell in 2018-19 and grew from 2020), while technology denial leaves a lasting cost; to be "
     "calibrated"},
    {"adaptation_rate", PS_REAL, "1/month", 0.0, 1.0, 0.05,
     "monthly share of the gap between the adapted pressure and adaptation_max x pressure that is closed",
     "assumption: half of the adaptation within about 14 months (the episodes above); to be calibrated"},
    {"war_cost_late", PS_REAL, "1/yr", 0.0, 0.2, 0.02,
     "annual growth lost per unit of lagged military strain above its month-1 level (labour drawn "
     "into the forces, capital worn down, inflation from war spending)",
     "assumption: order of magnitude of Collier 1999 (Oxford Econ. Papers 51:168-183), 2.2 points "
     "of growth a year lost during civil wars; to be calibrated"},
    {"war_cost_lag", PS_REAL, "month", 1.0, 120.0, 24.0,
     "time constant of the lagged strain: the late cost builds up (and fades after a war) over it",
     "assumption: labour shortages and capital wear bind after one to two years of war"},
    {"commodity_export_scale", PS_REAL, "1", 0.0, 5.0, 1.5,
     "export revenue that moves with the oil model's crude revenue, as a multiple of it (crude plus "
     "oil products): the current account gains this multiple of the crude revenue above its initial "
     "level",
     "data: IEA Oil Market Report July 2022 (2022-07-13): Russia exported 7.4 mb/d of oil in June "
     "2022, 2.4 of it products, so crude and products = 7.4 / 5.0 = 1.5 x crude, priced off the same "
     "benchmarks (data/observations/unmodelled/russia_2022.csv); gas and coal, whose prices also rose, "
     "are left out: to be calibrated"},
    {"import_share", PS_REAL, "1", 0.0, 1.0, 0.18,
     "imports of goods as a share of GDP before the run (every actor: Russia's value)",
     "data: Russia imported 27.5bn USD of goods in February 2022 (Bank of Russia, via The Moscow "
     "Times 2022-05-25): x 12 / 1.843e12 USD GDP = 0.18; services left out"},
    {"import_compression", PS_REAL, "1", 0.0, 10.0, 2.5,
     "share of imports lost per unit of unadapted sanction pressure above its month-0 level "
     "(capped at all of them)",
     "data: Russia's imports fell 40-57% by April 2022 (partners' exports: -50% y/y, Robin Brooks, "
     "IIF, via The Moscow Times 2022-05-25; -40% y/y, Bloomberg, via The Moscow Times 2022-06-08; "
     "-57% against Sep 2021-Feb 2022, M. Klein, The Overshoot, June 2022) while Russia's unadapted "
     "pressure in the baseline rose by about 0.19 (0.02 to 0.21): 0.40-0.57 / 0.19 = 2.1-3.0; to be "
     "calibrated"},
    {"ca_reserve_share", PS_REAL, "1", 0.0, 1.0, 0.4,
     "share of the current-account balance (less the crude windfall, which windfall_saving governs) "
     "that ends up in official reserves; the rest leaves as private net capital outflow",
     "data: Bank of Russia, 2018: private net capital outflow 67bn USD = 59% of the current-account "
     "surplus, the lowest share since 2010 (via eliktisad.com, January 2019), so official reserves "
     "kept at most ~0.4 of it; to be calibrated (in 2022 capital controls held private outflows "
     "while the surplus broke records)"},
    {"finance_need_ca_offset", PS_REAL, "1", 0.0, 1.0, 0.0,
     "share of a current-account surplus (share of GDP) that covers the foreign financing sought "
     "under sanctions: finance need = GDP x max(0, finance_gap x pressure - this x max(0, current "
     "account)); 0: the need ignores the current account",
     "balance-of-payments identity: a surplus pays for the imports and capital flight that the gap "
     "stands for (Bank of Russia, 2022-07-11: a record 138.5bn USD surplus in H1 2022); 0 in "
     "fixed-parameter runs; the calibrated baseline draws it from [0, 1], which 2022 data do not "
     "narrow (docs/validation.md, 'Adopted in the calibration')"},
    {"oil_revenue_in_gdp", PS_REAL, "1", 0.0, 1.0, 1.0,
     "share of crude export revenue counted in GDP as its own part: GDP = the rest of the economy "
     "(which growth moves) + this x oil export revenue (which the oil market moves); 0: growth "
     "moves all of GDP, as before 2026-12-05",
     "national accounts: crude exports are output (value added less small costs: ~1); the "
     "history's GDP rows score better with 1 than with 0 or 0.5, the 2022 rows do not move "
     "(docs/validation.md, 'Oil revenue as part of GDP')"},
};

enum { F_GDP, F_GROWTH, F_POTENTIAL, F_RESERVES, F_FROZEN, F_CA, F_LENDING, F_NEED,
       F_SPARE, F_EXTRA, F_NFIELDS };
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
     "current-account balance as a share of GDP at an annual rate: the initial balance plus the "
     "commodity windfall and the import compression (ODD 7.2)",
     "initial value: assumption per actor in the config (rounded 2021 balances)"},
    {"lending_capacity", PS_ACTOR, "USD", 0.0, 0.0, 1e14,
     "what the actor could lend abroad now", "computed"},
    {"finance_need", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e14,
     "foreign financing the actor seeks, at an annual rate",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"finance_spare", PS_ACTOR, "USD", 0.0, 0.0, 1e14,
     "what the actor can really lend abroad: lending capacity less its own financing need",
     "computed"},
    {"military_spending_extra", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "extra military spending of a war: war_spending_surge x the peacetime military budget "
     "(military_capacity_base) x the strain above its month-1 level; the military model adds it "
     "to military_capacity a month later",
     "computed (0 at the start)"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_SANCTION_PRESSURE, IN_MILITARY_STRAIN, IN_OIL_EXPORT_REVENUE, IN_FINANCE_FLOW, IN_PROMISE_DELIVERY,
       IN_DAMAGE_CHANGE, IN_CAPACITY_BASE };
static const ps_input inputs[] = {
    {"sanction_pressure", PS_ACTOR, 1, 0},
    {"military_strain", PS_ACTOR, 1, 0},
    {"oil_export_revenue", PS_ACTOR, 1, 0},
    {"finance_flow", PS_DYAD, 1, 0},
    {"promise_delivery", PS_DYAD, 1, 0},
    {"war_damage_change", PS_ACTOR, 1, 0},
    /* The peacetime budget the war's extra spending is a multiple of (not
     * military_capacity, which holds last month's extra spending). */
    {"military_capacity_base", PS_ACTOR, 1, 0},
};

enum { E_FREEZE, E_UNFREEZE };
static const ps_event_type events[] = {
    {"asset_freeze", "USD", 0.0, 1e14,
     "source immobilises this amount of the target's reserves (capped at what is accessible)", 0, PS_EVENT_TARGET, NULL},
    {"asset_unfreeze", "USD", 0.0, 1e14,
     "source releases this amount of the target's frozen reserves", 0, PS_EVENT_TARGET, NULL},
};

static double metric_min_growth(const ps_run *run)
{
    int f = ps_field_index(fields[F_GROWTH].name);
    size_t n = (size_t)run->sc->n_actors * run->n_months;
    double low = INFINITY;
    for (size_t k = 0; k < n; k++)
        low = ps_fmin(low, run->series[f][k]);
    return n ? low : NAN;
}

static double metric_world_gdp_change(const ps_run *run)
{
    int f = ps_field_index(fields[F_GDP].name);
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

/* Internal state (not output). */
static const ps_field internal[] = {
    {"economy_oil_revenue_base", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "oil export revenue in month 1 (the first the oil model computed): windfalls are measured "
     "against it",
     "set in month 1; 0 before (no windfall in month 0)"},
    {"economy_strain_base", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "military strain in month 1 (the first the military model computed): extra military spending "
     "and the late war cost are measured above it",
     "set in month 1; 0 before"},
    {"economy_fiscal_reference", PS_ACTOR, "1", 0.0, 0.0, 10.0,
     "recent level of extra military spending as a share of GDP: the fiscal impulse is the spending "
     "above it", "0 at the start (no extra spending)"},
    {"economy_pressure_adapted", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "sanction pressure the economy has worked around: growth pays only for the pressure above it",
     "set in month 0 to adaptation_max x the pressure then (sanctions in place before the run are "
     "adapted to)"},
    {"economy_strain_lagged", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "military strain above its month-1 level, lagged by war_cost_lag: drives the late war cost",
     "0 at the start"},
    {"economy_ca_base", PS_ACTOR, "1", 0.0, -0.5, 0.5,
     "the current-account balance before the run (share of GDP): the balance moves from it",
     "set in month 0 from the initial current_account"},
    {"economy_oil_revenue_initial", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "oil export revenue in the initial state (the oil model's init: 2021 volumes at the config's "
     "December 2021 price), the level at which the initial current account holds",
     "set in month 0"},
    {"economy_unadapted_base", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "unadapted sanction pressure in month 0: imports are compressed by the unadapted pressure "
     "above it",
     "set in month 0 ((1 - adaptation_max) x the pressure then)"},
    {"economy_gdp_oil", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e15,
     "the oil part of GDP in this state: oil_revenue_in_gdp x the oil revenue that set it (GDP less "
     "it is the part growth moves)", "set in month 0 from the initial revenue"},
};

typedef struct {
    int f[F_NFIELDS];
    int oil_base;      /* internal: economy_oil_revenue_base */
    int strain_base, fiscal_ref, adapted, lagged; /* economy_strain_base, _fiscal_reference,
                                                     _pressure_adapted, _strain_lagged */
    int ca_base, oil_initial, unadapted_base; /* economy_ca_base, _oil_revenue_initial,
                                                 _unadapted_base */
    int pressure, strain, oil_revenue, finance_flow, promise_delivery, damage_change, capacity;
    int gdp_oil;       /* internal: economy_gdp_oil */
    ps_rng *rng;
    double *fin_in;  /* scratch [actor]: finance received (column sums), every step */
    double *fin_out; /* scratch [actor]: finance given (row sums), every step */
} economy_data;

static void economy_free(void *data)
{
    economy_data *d = data;
    if (!d)
        return;
    free(d->fin_in);
    free(d->fin_out);
    ps_rng_free(d->rng);
    free(d);
}

static ps_status economy_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    economy_data *d = calloc(1, sizeof *d);
    if (!d || !(d->rng = ps_rng_alloc()) ||
        !(d->fin_in = calloc((size_t)w->n_actors + 1, sizeof(double))) ||
        !(d->fin_out = calloc((size_t)w->n_actors + 1, sizeof(double)))) {
        economy_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    d->oil_base = ps_model_internal(self, 0);
    d->strain_base = ps_model_internal(self, 1);
    d->fiscal_ref = ps_model_internal(self, 2);
    d->adapted = ps_model_internal(self, 3);
    d->lagged = ps_model_internal(self, 4);
    d->ca_base = ps_model_internal(self, 5);
    d->oil_initial = ps_model_internal(self, 6);
    d->unadapted_base = ps_model_internal(self, 7);
    d->gdp_oil = ps_model_internal(self, 8);
    /* Other models' fields; any may be absent from a registry. */
    d->pressure = ps_model_input(self, IN_SANCTION_PRESSURE);
    d->strain = ps_model_input(self, IN_MILITARY_STRAIN);
    d->oil_revenue = ps_model_input(self, IN_OIL_EXPORT_REVENUE);
    d->finance_flow = ps_model_input(self, IN_FINANCE_FLOW);
    d->promise_delivery = ps_model_input(self, IN_PROMISE_DELIVERY);
    d->damage_change = ps_model_input(self, IN_DAMAGE_CHANGE);
    d->capacity = ps_model_input(self, IN_CAPACITY_BASE);
    /* Growth starts at potential unless the config says otherwise. */
    double *g = w->cur[d->f[F_GROWTH]];
    const double *pot = w->cur[d->f[F_POTENTIAL]];
    for (int i = 0; i < w->n_actors; i++)
        if (g[i] == 0.0)
            g[i] = pot[i];
    *data = d;
    return PS_OK;
}

/* GDP holds the oil part k R (eq. 1a): a config whose crude revenue is above
 * its GDP would leave the rest of the economy negative. Checked in month 0,
 * the first state with revenue (the oil model's init, which runs before or
 * after this one's, sets it). */
static ps_status check_oil_part(const ps_world *w, const double *gdp, const double *rev,
                                double k_oil, int f_gdp, ps_error *err)
{
    for (int i = 0; rev && k_oil > 0.0 && i < w->n_actors; i++)
        if (k_oil * rev[i] > gdp[i]) {
            const char *at = ps_scenario_where(w->sc, f_gdp, i, -1);
            return ps_error_set(
                err, PS_ERR_CONFIG, "%s%sactor %s: gdp is %.4g USD/yr, below its crude export "
                "revenue of %.4g USD/yr (oil_export_capacity x (oil_price - oil_discount) x "
                "365,000, times economy.oil_revenue_in_gdp = %g), which GDP includes; expected "
                "a gdp above that revenue or a smaller oil_export_capacity",
                at ? at : "", at ? ": " : "", w->sc->actor_iso3[i], gdp[i], k_oil * rev[i], k_oil);
        }
    return PS_OK;
}

PS_HOT static ps_status economy_step(ps_world *w, int self, void *data, ps_error *err)
{
    economy_data *d = data;
    const double *p = ps_world_param_values(w, self);
    int n = w->n_actors;
    const double *gdp = w->cur[d->f[F_GDP]], *g = w->cur[d->f[F_GROWTH]];
    const double *pot = w->cur[d->f[F_POTENTIAL]], *res = w->cur[d->f[F_RESERVES]];
    const double *ca = w->cur[d->f[F_CA]];
    const double *press = ps_world_input_or_null(w, d->pressure);
    const double *strain = ps_world_input_or_null(w, d->strain);
    const double *oil = ps_world_input_or_null(w, d->oil_revenue);
    const double *flow = ps_world_input_or_null(w, d->finance_flow);
    const double *paid = ps_world_input_or_null(w, d->promise_delivery);
    const double *change = ps_world_input_or_null(w, d->damage_change);
    const double *cap = ps_world_input_or_null(w, d->capacity);
    double *gdp_n = w->next[d->f[F_GDP]], *g_n = w->next[d->f[F_GROWTH]];
    double *res_n = w->next[d->f[F_RESERVES]], *lend_n = w->next[d->f[F_LENDING]];
    double *need_n = w->next[d->f[F_NEED]], *ca_n = w->next[d->f[F_CA]];
    const double *fref = w->cur[d->fiscal_ref], *adapted = w->cur[d->adapted];
    const double *lagged = w->cur[d->lagged];
    double *fref_n = w->next[d->fiscal_ref], *adapted_n = w->next[d->adapted];
    double *lagged_n = w->next[d->lagged];
    const double *oil_part = w->cur[d->gdp_oil];
    double *oil_part_n = w->next[d->gdp_oil];
    /* The oil model fills revenue in the first step: month 1 sets the base
     * (in next, which later months carry over), and windfalls count from then.
     * The military model's strain likewise: month 1 sets the strain base. */
    double *oil_base = w->next[d->oil_base], *strain_base = w->next[d->strain_base];
    /* Month 0 sets the current account's base: the initial balance, the oil
     * revenue it goes with (the initial state's) and the unadapted pressure
     * then (computed in the loop). */
    double *ca_base = w->next[d->ca_base], *u_base = w->next[d->unadapted_base];
    double *oil0 = w->next[d->oil_initial];
    if (w->month == 0) {
        ps_status st = check_oil_part(w, gdp, oil, p[P_OIL_IN_GDP], d->f[F_GDP], err);
        if (st)
            return st;
        for (int i = 0; i < n; i++) {
            ca_base[i] = ca[i];
            oil0[i] = oil ? oil[i] : 0.0;
        }
    }
    if (oil && w->month == 1)
        for (int i = 0; i < n; i++)
            oil_base[i] = oil[i];
    if (strain && w->month == 1)
        for (int i = 0; i < n; i++)
            strain_base[i] = strain[i];
    int base_set = oil && w->month >= 1;
    int strain_set = strain && w->month >= 1;
    /* Finance received: sums down columns, read row by row; finance given:
     * sums along rows (both on the step's threads). */
    if (flow || paid) {
        ps_dyad_column_sums(w, flow ? flow : paid, flow ? paid : NULL, NULL, d->fin_in);
        ps_dyad_row_sums(w, flow ? flow : paid, flow ? paid : NULL, d->fin_out);
    }
    for (int i = 0; i < n; i++) {
        double pr = press ? press[i] : 0.0;
        double windfall = base_set ? oil[i] - oil_base[i] : 0.0;
        /* foreign finance, USD/yr */
        double in = flow || paid ? d->fin_in[i] : 0.0, out = flow || paid ? d->fin_out[i] : 0.0;
        /* War above the month-1 strain: extra military spending X (USD/yr),
         * its share of GDP F, and the lagged strain of the late cost. */
        double excess = strain_set ? ps_fmax(0.0, strain[i] - strain_base[i]) : 0.0;
        double extra = p[P_SURGE] * (cap ? cap[i] : 0.0) * excess;
        w->next[d->f[F_EXTRA]][i] = extra;
        double share = gdp[i] > 0.0 ? extra / gdp[i] : 0.0;
        double impulse = p[P_MULTIPLIER] * (12.0 / p[P_FISCAL_LAG]) * (share - fref[i]);
        fref_n[i] = fref[i] + (share - fref[i]) / p[P_FISCAL_LAG];
        lagged_n[i] = lagged[i] + (excess - lagged[i]) / p[P_WAR_LAG];
        /* Sanctions in place in month 0 are adapted to; later pressure is
         * worked around at adaptation_rate, up to adaptation_max of it. */
        double pa = w->month == 0 ? p[P_ADAPT_MAX] * pr : adapted[i];
        adapted_n[i] = pa + p[P_ADAPT_RATE] * (p[P_ADAPT_MAX] * pr - pa);
        double unadapted = ps_fmax(0.0, pr - pa);
        if (w->month == 0)
            u_base[i] = unadapted;
        gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month,
                               ps_world_actor_key(w, i), 1);
        double shock = p[P_NOISE] > 0.0 ? gsl_ran_gaussian(r, p[P_NOISE]) : 0.0;
        double target = pot[i] - p[P_ELASTICITY] * unadapted -
                        p[P_WAR_COST] * (strain ? strain[i] : 0.0) +
                        (gdp[i] > 0.0 ? p[P_OIL_GAIN] * windfall / gdp[i] : 0.0) + impulse -
                        p[P_WAR_COST_LATE] * lagged[i];
        double gi = p[P_PERSISTENCE] * g[i] + (1.0 - p[P_PERSISTENCE]) * target + shock;
        gi = ps_fmax(-0.5, ps_fmin(0.5, gi));
        g_n[i] = gi;
        /* Growth moves the rest of the economy; the oil part of GDP moves with
         * the oil market (k = 0: all of GDP, the same bits as before). GDP is
         * the state, so whatever is wrong in it carries on. */
        const double k_oil = oil ? p[P_OIL_IN_GDP] : 0.0, part = k_oil * (oil ? oil[i] : 0.0);
        double rest = k_oil > 0.0 ? gdp[i] - (w->month == 0 ? part : oil_part[i]) : gdp[i];
        double rest_n = rest * pow(1.0 + gi, 1.0 / 12.0);
        if (change) /* output out of action after strikes, and back as it is repaired */
            rest_n *= change[i];
        oil_part_n[i] = part;
        gdp_n[i] = k_oil > 0.0 ? rest_n + part : rest_n;
        /* Current account (USD/yr): the base balance, plus commodity exports
         * above their initial level, plus imports lost to the unadapted
         * pressure above its month-0 level (at most all of them). */
        double cut = ps_fmin(1.0, p[P_IMPORT_CUT] * ps_fmax(0.0, unadapted - u_base[i]));
        double ca_usd = ca_base[i] * gdp[i] + p[P_CA_SCALE] * (oil ? oil[i] - oil0[i] : 0.0) +
                        p[P_IMPORT_SHARE] * cut * gdp[i];
        ca_n[i] = gdp[i] > 0.0 ? ps_fmax(-0.5, ps_fmin(0.5, ca_usd / gdp[i])) : ca_base[i];
        /* Official reserves keep ca_reserve_share of the balance less the crude
         * windfall (the rest is private capital outflow) and the saved windfall
         * (fiscal rule). The budget pays the extra spending from the windfall
         * it would have saved; of the rest, war_reserve_share comes out of
         * reserves. */
        double saved = p[P_WINDFALL] * windfall;
        double covered = ps_fmin(extra, ps_fmax(0.0, saved));
        double inflow = p[P_CA_RESERVES] * (ca_n[i] * gdp[i] - windfall) + saved - covered -
                        p[P_WAR_RESERVES] * (extra - covered) + in - out;
        res_n[i] = ps_fmax(0.0, res[i] * (1.0 - p[P_DRAWDOWN] * pr) + inflow / 12.0);
        lend_n[i] = res_n[i] * p[P_LEND_SHARE] * (1.0 - pr);
        /* A surplus covers the gap first (0 x the surplus leaves the old bits). */
        need_n[i] = ps_fmax(0.0, gdp[i] * p[P_FINANCE_GAP] * pr -
                                     p[P_NEED_CA] * ps_fmax(0.0, ca_n[i]) * gdp[i]);
        w->next[d->f[F_SPARE]][i] = ps_fmax(0.0, lend_n[i] - need_n[i]);
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
        amount = ps_fmin(ev->magnitude, *res);
        *res -= amount;
        *frozen += amount;
    } else {
        amount = ps_fmin(ev->magnitude, *frozen);
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
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .metric_reads = "gdp gdp_growth",
    .computed = "lending_capacity finance_spare",
    .init = economy_init,
    .step = economy_step,
    .apply_event = economy_event,
    .free = economy_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
