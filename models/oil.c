/* Oil market: benchmark price, discounts, buyers' reallocation, rivalry.
 *
 * The benchmark (Brent) is a world variable: set by `oil_price` events, it
 * otherwise relaxes in logs toward a long-run level with one monthly shock
 * drawn once for the world. Each buyer splits its import demand among the
 * modelled sellers and an outside option (unmodelled suppliers at the
 * benchmark) by a logit of delivered cost relative to its 2021 mix: a
 * seller's discount makes it cheaper, closed relations (sanctions either way)
 * and the risk of secondary sanctions make it dearer. Buyers move their
 * shares toward that target at a monthly switching rate (term contracts,
 * tankers, refinery slates), so volumes shift gradually. Unmodelled buyers
 * are one pseudo-buyer, the rest of the world, which complies in proportion
 * to the seller's isolation. Each seller's discount moves toward the one at
 * which buyers' target purchases would take its whole capacity (tatonnement
 * on buyers' intentions: prices adjust fast, flows slowly); what buyers ask
 * beyond capacity is rationed pro rata. Sellers of the same buyers are
 * rivals: rivalry_ij = sum_b min(v_ib, v_jb) / min(V_i, V_j). */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

enum { P_LONG_RUN, P_REVERSION, P_VOLATILITY, P_TAU, P_PENALTY, P_FEAR, P_FRICTION, P_SWITCH,
       P_DISC_ADJUST, P_MAX_DISC, P_FLOOR, P_REST_IMPORTS, P_REST_COMPLY, P_SUPPLY_RESPONSE,
       P_PRICE_PATH, P_JUMP_RATE, P_JUMP_SHORTFALL, P_SANCTIONS_SHARE, P_FLOOR_OPENNESS };
static const ps_param params[] = {
    {"price_long_run", PS_REAL, "USD/bbl", 5.0, 300.0, 75.0,
     "level toward which the benchmark relaxes between oil_price events (median, in logs)",
     "brent-daily-to-2022-07-22.csv: mean of monthly Brent averages 2010-2021 is 75.7 USD/bbl "
     "(AR(1) fits of log monthly averages give 66-71 nominal); assumption: no forecast after "
     "2022-07-22 is used, so the projection returns to the pre-war decade's level"},
    {"price_reversion", PS_REAL, "1/month", 0.0, 1.0, 0.03,
     "monthly share of the log gap to the long-run level that the benchmark closes",
     "brent-daily-to-2022-07-22.csv: AR(1) fit of log monthly Brent averages, 2000-2021: 0.028/month "
     "(half-life ~2 years; 0.045 over 2010-2021)"},
    {"price_volatility", PS_REAL, "1", 0.0, 0.5, 0.10,
     "standard deviation of the monthly shock to the log benchmark (one draw for the world)",
     "brent-daily-to-2022-07-22.csv: residual sd of the AR(1) fit of log monthly Brent averages, "
     "0.099 (1987-2021) to 0.106 (2000-2021)"},
    {"price_sensitivity", PS_REAL, "1", 0.01, 1.0, 0.12,
     "cost difference, as a share of the benchmark, that multiplies a buyer's preferred share of a "
     "supplier by e (logit scale tau)",
     "assumption: a discount of ~28% of Brent (Urals, Mar-Jun 2022, timeline), before frictions, "
     "should raise a non-sanctioning buyer's preferred share of a small supplier about tenfold, "
     "e^(0.28/0.12) = 10 "
     "(India: Russian crude ~2% of imports in 2021, actors-2021.csv share_crude_exports_to_india; "
     "~20% by mid-2022 is general knowledge, not in shared/data)"},
    {"sanction_penalty", PS_REAL, "1", 0.0, 5.0, 1.0,
     "extra delivered cost, as a share of the benchmark, per unit of closed relations or secondary "
     "risk between buyer and seller",
     "assumption: fully closed relations (closure 1) cost a buyer as much as the whole benchmark, "
     "so no discount (at most max_discount = half the benchmark) can buy them back, while a partial "
     "closure (EU on Russia ~0.6 by 2022-07) can be partly offset by a deep discount; a legal ban on "
     "the seller's crude is oil_embargo, which no discount offsets"},
    {"secondary_fear", PS_REAL, "1", 0.0, 5.0, 1.0,
     "how strongly the threat of secondary sanctions around a seller deters buyers with something "
     "to lose: risk = (fear x secondary_threat(seller) + isolation_friction x "
     "sanction_pressure(seller)) x (1 - isolation(buyer))",
     "assumption: unit sensitivity, as sanctions.secondary_fear"},
    {"isolation_friction", PS_REAL, "1", 0.0, 2.0, 0.5,
     "closure felt by a buyer with nothing to fear from secondary sanctions, per unit of the "
     "seller's sanction pressure (isolation not evaded, sanctions model): payments, insurance and "
     "shipping for a sanctioned seller's cargoes, which fade as evasion (other insurers, other "
     "tankers) grows",
     "assumption: buyers shunned Russian spot cargoes from the day of the invasion, before any "
     "secondary sanction (timeline 2022-02-24: Urals discount 11.65 USD/bbl); sized so that the "
     "baseline Urals discount reaches the ~28-35 USD/bbl of Mar-Jun 2022 (timeline) within a few "
     "months; the 2022 calibration puts it at 0.94 [0.33, 1.84] (posterior median, 90%; "
     "docs/calibration.md), the default inside"},
    {"switching_rate", PS_REAL, "1/month", 0.0, 1.0, 0.15,
     "monthly share of the gap between current and preferred supplier shares that a buyer closes",
     "assumption: term contracts, shipping and refinery slates take months (half-life ~4 months): "
     "India's Russian share went from ~2% to ~20% within four months of the invasion (general "
     "knowledge, not in shared/data)"},
    {"discount_adjust", PS_REAL, "1/month", 0.0, 1.0, 0.5,
     "monthly share of the gap to the market-clearing discount that a seller's discount closes",
     "timeline-to-2022-07.csv: the Urals discount went from ~2 USD/bbl (Jan-Feb 2022) to 11.65 on "
     "the day of the invasion and ~28 in March: price discovery takes weeks, not months"},
    {"max_discount", PS_REAL, "1", 0.0, 0.9, 0.5,
     "largest discount, as a share of the benchmark, a seller grants; beyond it unsold oil is shut in",
     "assumption: the deepest 2022 Urals discounts were ~30% of Brent (timeline); below half the "
     "benchmark producers would rather cut output"},
    {"share_floor", PS_REAL, "1", 0.0, 0.5, 0.05,
     "share of a buyer's imports a small or new route gains per unit of e^u - 1 when it becomes "
     "cheaper or safer than in 2021, as if it had this share (routes with a larger 2021 share gain "
     "in proportion to it)",
     "assumption: Russian crude was ~2% of India's 2021 imports (actors-2021.csv) and ~20% by mid-2022 "
     "(general knowledge, not in shared/data); at a cost change of e^u ~ 4 a floor of 5% gives ~17%"},
    {"rest_of_world_imports", PS_REAL, "kb/d", 0.0, 100000.0, 12000.0,
     "crude imports of the buyers that are not modelled actors (one pseudo-buyer)",
     "assumption: world crude trade ~42 mb/d in 2021 (general knowledge, not in shared/data) less the "
     "modelled importers' ~29.3 mb/d (actors-2021.csv oil_imports_kbd); raised at start to at least "
     "the modelled sellers' rest-of-world sales"},
    {"rest_compliance", PS_REAL, "1", 0.0, 1.0, 1.0,
     "how far unmodelled buyers close relations with a seller, per unit of the seller's isolation",
     "assumption: the rest of the world complies like the GDP-weighted modelled world (Japan, Korea "
     "joined Western sanctions, much of Asia and Africa did not)"},
    {"price_supply_response", PS_REAL, "1", 0.0, 20.0, 2.0,
     "change in the log benchmark per unit change in the share of world crude trade that modelled "
     "sellers shut in (capacity not sold), i.e. 1 / (supply elasticity + |demand elasticity|) in the "
     "short run; 0: the benchmark ignores disruptions",
     "literature: short-run elasticities of oil supply ~0.15 and demand ~-0.35 (Baumeister and "
     "Hamilton 2019, AER 109(5)) give 1/0.5 = 2; ~0.1 each (Caldara, Cavallo and Iacoviello 2019, "
     "JME 103) give 5; to be calibrated (the 2022 path is imposed by events, so Jan-Jun 2022 rows "
     "do not inform it)"},
    {"price_path", PS_BOOL, "1", 0.0, 1.0, 1.0,
     "1: oil_price events set the month's benchmark (the scenario's price path, e.g. the observed "
     "2022 Brent); 0: they are ignored and the benchmark follows only its own dynamics (reversion, "
     "shocks and the supply response)",
     "modelling choice: the baseline imposes the known 2022 path; 0 lets the model's price respond "
     "to disruption in every month"},
    {"price_jump_rate", PS_REAL, "1/month", 0.0, 1.0, 0.0,
     "monthly probability of an exogenous supply disruption outside the modelled sellers (war, "
     "revolution, strike), which raises the log benchmark by price_supply_response x the share of "
     "world supply lost (one draw for the world, stream 12)",
     "Kilian 2008 (REStat 90(2), exogenous oil supply shocks): 6 major disruptions 1973-2003, i.e. "
     "0.017/month, for scenarios that want them explicit; default 0 because the monthly shock "
     "(price_volatility, fitted to 1987-2021) already contains the 1990-91 and 2003 disruptions"},
    {"price_jump_shortfall", PS_REAL, "1", 0.0, 0.2, 0.05,
     "mean share of world oil supply a disruption removes: the share is drawn uniformly on "
     "[0, 2 x this]",
     "Kilian 2008 (REStat 90(2)): the shortfalls of 1973-2003 were 2.1-8.8% of world production "
     "(mean ~5%)"},
    {"sanctions_oil_share", PS_REAL, "1", 0.0, 1.0, 1.0,
     "share of the relations that general sanctions close (sanction_intensity, either way) that "
     "closes crude trade between buyer and seller (closure, eq. 2); a law that bans the crude is "
     "oil_embargo, apart from this",
     "assumption: 1, every general package a full oil measure, as the model was before 2026-12-06; "
     "the EU's packages 1-5 of 2022 banned no crude (timeline), only firms' own caution closed "
     "some, and the EU still bought about 2 mb/d of Russian crude in June 2022 "
     "(data/observations/oil_2022.csv), so the 2022 calibration fits it (docs/calibration.md)"},
    {"floor_openness", PS_REAL, "1", 0.0, 1.0, 1.0,
     "how far a route's closure at the reference (oil_reference_closure: relations, compliance and "
     "the risk of secondary sanctions in month 1) takes away its room to grow beyond its 2021 "
     "share: the floor of route s -> b is share_floor x (1 - this x reference closure); 0: every "
     "route grows like an open one, as the model was before 2026-12-06",
     "assumption: a buyer that shunned a seller for fear of sanctions before 2022 (the rest of the "
     "world and India on Iran: Indian imports of Iranian crude stopped in 2019 under US secondary "
     "sanctions, general knowledge) does not take up its crude as if the route were new and open "
     "because it became slightly cheaper or safer; docs/validation.md measures the effect on the "
     "held-out Iran rows"},
};

enum { F_PRICE, F_CAPACITY, F_DEMAND, F_VOLUME, F_REVENUE, F_DISCOUNT, F_REST, F_TRADE,
       F_RIVALRY, F_RESPONSE, F_LIMIT, F_SPEED, F_EMBARGO, F_NFIELDS };
static const ps_field fields[] = {
    {"oil_price", PS_ACTOR, "USD/bbl", 70.0, 5.0, 300.0,
     "benchmark crude price (Brent), the same for every actor",
     "brent-daily-to-2022-07-22.csv monthly averages (Dec 2021: 74.17); timeline oil_price events"},
    {"oil_export_capacity", PS_ACTOR, "kb/d", 0.0, 0.0, 30000.0,
     "most crude the actor can export in a month (raised at start to its configured sales)",
     "actors-2021.csv crude_oil_exports_kbd where positive; events oil_capacity"},
    {"oil_import_demand", PS_ACTOR, "kb/d", 0.0, 0.0, 30000.0,
     "crude the actor imports, from modelled sellers or others (raised at start to its configured "
     "purchases)",
     "actors-2021.csv oil_imports_kbd, else minus crude_oil_exports_kbd where negative"},
    {"oil_export_volume", PS_ACTOR, "kb/d", 0.0, 0.0, 30000.0,
     "crude sold this month: to modelled buyers plus the rest of the world", "computed"},
    {"oil_export_revenue", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "export revenue at an annual rate: volume x 1000 x 365 x (price - discount)", "computed"},
    {"oil_discount", PS_ACTOR, "USD/bbl", 0.0, 0.0, 270.0,
     "discount below the benchmark the seller must grant to sell its capacity",
     "initial: timeline-to-2022-07.csv (Urals ~2 USD/bbl Jan-Feb 2022); assumption per actor in the "
     "config otherwise"},
    {"oil_rest_exports", PS_ACTOR, "kb/d", 0.0, 0.0, 30000.0,
     "crude sold to buyers that are not modelled actors",
     "initial: capacity less sales to modelled buyers unless set in the config"},
    {"oil_trade", PS_DYAD, "kb/d", 0.0, 0.0, 30000.0,
     "crude sold by the source to the target",
     "actors-2021.csv (e.g. RUS->EUU 2200, RUS->CHN 1590, RUS->IND 80, IRN->CHN 585) and MEES via "
     "actors-2021.csv (SAU->CHN 1750), set under relations in the config"},
    {"rivalry", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "overlap of two sellers' sales to the same modelled buyers, sum_b min(v_ib, v_jb) / "
     "min(V_i, V_j) (symmetric)",
     "computed"},
    {"oil_price_response", PS_ACTOR, "1", 1.0, 0.0, 10.0,
     "buyer's sensitivity to a seller's discount relative to the typical buyer (multiplies "
     "1/price_sensitivity for the discount term only; closures and embargoes act on every buyer "
     "alike); constant",
     "per buyer in the config (e.g. spot/tender buyers vs term-contract buyers); assumption 1 "
     "otherwise"},
    {"oil_refinery_limit", PS_ACTOR, "1", 1.0, 0.0, 1.0,
     "largest share of the buyer's crude imports one modelled seller can supply (refinery slates "
     "that can run the grade, ports, pipelines), unless the 2021 share was larger; constant",
     "per buyer in the config; 1 (no limit) otherwise"},
    {"oil_switching_speed", PS_ACTOR, "1", 1.0, 0.0, 10.0,
     "buyer's switching speed relative to the typical buyer (multiplies switching_rate, capped at "
     "1/month): spot buyers switch faster than buyers on term contracts or pipelines; constant",
     "per buyer in the config; assumption 1 otherwise"},
    {"oil_embargo", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "share of the source's purchases of the target's crude that the source bans by law (an "
     "import embargo): the source's share of its imports bought from the target is held at once, "
     "whatever the discount, to at most (1 - this) x its 2021 share (at least share_floor); 1: "
     "none; unlike sanction_intensity it acts on oil alone; constant unless oil_embargo events "
     "set it",
     "config and timeline, laws in force or enacted by 2022-07-22: EU on Iran (Council Decision "
     "2012/35/CFSP, 2012-01-23), US on Iran (EO 12613, 1987; EO 12959, 1995), US on Russia (EO "
     "14066, 2022-03-08), EU on Russia (Council Regulation 2022/879, 2022-06-03: seaborne crude "
     "from 2022-12-05); 0 otherwise"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_SANCTION_INTENSITY, IN_SECONDARY_THREAT, IN_ISOLATION, IN_PRESSURE };
static const ps_input inputs[] = {
    {"sanction_intensity", PS_DYAD, 1, 1},
    {"secondary_threat", PS_ACTOR, 1, 1},
    {"isolation", PS_ACTOR, 1, 1},
    {"sanction_pressure", PS_ACTOR, 1, 1},
};

enum { E_PRICE, E_CAPACITY, E_EMBARGO, E_DEMAND };
static const ps_event_type events[] = {
    {"oil_price", "USD/bbl", 5.0, 300.0,
     "sets the benchmark for every actor this month (Brent monthly average); discounts keep their "
     "share of the benchmark; ignored when the parameter price_path is 0", 0, 0, NULL},
    {"oil_capacity", "kb/d", 0.0, 30000.0,
     "sets the target actor's export capacity (quota, outage, embargo on loading); effective next "
     "month", 0, PS_EVENT_TARGET, NULL},
    {"oil_embargo", "1", 0.0, 1.0,
     "sets the share of the target's crude the source bans (oil_embargo, source -> target): 1 a "
     "full import ban, 0 lifts it; effective next month", 0, PS_EVENT_PAIR, NULL},
    {"oil_demand", "kb/d", 0.0, 30000.0,
     "sets the target buyer's crude imports this month (customs totals: refinery maintenance, "
     "lockdowns, stock changes): it buys more first of what became cheaper and less first of "
     "what became dearer (ODD 7.5 eq. 9), within each seller's capacity; the next month its "
     "base again", 0, PS_EVENT_TARGET, NULL},
};

/* ------------------------------------------------------------- metrics */
static double metric_max_discount(const ps_run *run)
{
    int f = ps_field_index(fields[F_DISCOUNT].name);
    size_t n = (size_t)run->sc->n_actors * run->n_months;
    double peak = 0.0;
    for (size_t k = 0; k < n; k++)
        peak = ps_fmax(peak, run->series[f][k]);
    return n ? peak : NAN;
}

/* Share of modelled trade that changed hands: 0.5 sum |v_T - v_0| / sum v_0. */
static double metric_trade_shift(const ps_run *run)
{
    int f = ps_field_index(fields[F_TRADE].name);
    size_t nn = (size_t)run->sc->n_actors * run->sc->n_actors;
    const double *a = ps_run_series_month(run, f, 0);
    const double *b = ps_run_series_month(run, f, run->n_months - 1);
    if (!a || !b)
        return NAN;
    double moved = 0.0, total = 0.0;
    for (size_t k = 0; k < nn; k++) {
        moved += fabs(b[k] - a[k]);
        total += a[k];
    }
    return total > 0.0 ? 0.5 * moved / total : NAN;
}

static double metric_rus_revenue(const ps_run *run)
{
    int r = ps_scenario_actor(run->sc, "RUS");
    if (r < 0)
        return NAN;
    return ps_run_actor_mean(run, fields[F_REVENUE].name, r, ps_run_month(run, 2022, 7),
                             ps_run_month(run, 2023, 1));
}

static const ps_metric metrics[] = {
    {"max_oil_discount", "USD/bbl", "largest discount any seller grants in any month",
     metric_max_discount},
    {"oil_trade_shift", "1",
     "share of the first month's modelled oil trade that has changed seller or buyer by the last "
     "month: 0.5 sum |v_T - v_0| / sum v_0",
     metric_trade_shift},
    {"rus_oil_revenue_2022h2", "USD/yr",
     "Russia's mean oil export revenue (annual rate) over Jul-Dec 2022; NaN without RUS or if the "
     "run does not cover those months",
     metric_rus_revenue},
};

/* Internal state (not output): the reference closure a buyer's cost change
 * is measured from, 2021 relations plus the risk of dealing with the seller.
 * Taken at init, and again in month 1 once the sanctions model has computed
 * isolation and secondary threat from the starting intensities. */
enum { I_X0, I_X0_REST, I_SHUT, I_NFIELDS };
static const ps_field internal[] = {
    {"oil_reference_closure", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "reference closure between seller (row) and buyer (column): 2021 relations plus the "
     "risk in month 1",
     "computed at the start, anchored again in month 1"},
    {"oil_reference_closure_rest", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "reference closure between a seller and the rest of the world's buyers",
     "computed at the start, anchored again in month 1"},
    {"oil_shut_in_share", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "share of world crude trade (modelled buyers' demand plus the rest of the world's) that "
     "modelled sellers shut in, the same for every actor: the benchmark responds to its change",
     "computed"},
};

/* ------------------------------------------------------------- private */
/* Per world: the 2021 reference (the buyers' equilibrium the logit is
 * anchored to), derived by init from the month-0 state and never changed
 * (init computes it again identically when a replicate resumes from a
 * checkpoint), the route terms that follow the state (fl, may: route_terms),
 * and scratch arrays that every step rewrites before reading. Column n of
 * the n x (n+1) matrices is the rest-of-world pseudo-buyer. */
typedef struct {
    int f[F_NFIELDS];
    int in[I_NFIELDS];
    int intensity, threat, isolation, pressure; /* other models' fields, -1 if absent */
    int n;
    double rest_demand;  /* rest-of-world imports, kb/d */
    double *w0;          /* [s*(n+1)+b] 2021 share of b's imports bought from s */
    double *xd0;         /* [s*(n+1)+b] 2021 closure of relations (config) */
    double *out0;        /* [b], b <= n: outside option weight */
    double *delta0;      /* [s] 2021 discount / benchmark */
    double *dem0;        /* [b] the buyer's base imports (its configured demand) */
    double *fl;          /* [s*(n+1)+b] the route's floor (floor_openness) at x0 (route_terms) */
    unsigned char *may;  /* [b] may_cap of buyer b at state t (route_terms, oil_event) */
    int terms_month;     /* the month whose state fl and may follow; -1: none yet */
    double *capL, *capA; /* [b] scratch: limits and weights of b's capped routes (capped_sums), step 2 */
    double *a;           /* [s*(n+1)+b] scratch: logit weights */
    double *req;         /* [s*(n+1)+b] scratch: requested volumes */
    double *den;         /* [b] scratch: logit denominators */
    double *delta_new;   /* [s] scratch: new relative discounts */
    int *sel, n_sel;     /* [k] scratch: the sellers with sales to modelled buyers */
    int *buy, n_buy;     /* [q] scratch: the modelled buyers anyone sells to */
    double *vt;          /* [b*n_sel + k] scratch: what seller sel[k] sells b */
    size_t vt_cap;       /* doubles allocated for vt */
    atomic_int nomem;    /* a block of step 3 found no memory for its scratch */
    ps_rng *rng;
} oil_data;

#define WORLD_PRICE_ID 0x4f494c5052494345ULL /* "OILPRICE": above any actor key */
#define PRICE_STREAM 11u
#define JUMP_STREAM 12u /* disruptions: two uniforms per month (occurrence, size) */
#define U_MAX 50.0 /* logit exponents are clipped to +-U_MAX */
#define NB 11      /* doubles per buyer entry of target_sales() */
#define A_MIN 1e-6 /* shift_demand: a closed route (a = 0) is cut first, not divided by 0 */

static void oil_free(void *data)
{
    oil_data *d = data;
    if (!d)
        return;
    free(d->w0);
    free(d->xd0);
    free(d->out0);
    free(d->delta0);
    free(d->dem0);
    free(d->fl);
    free(d->may);
    free(d->capL);
    free(d->capA);
    free(d->a);
    free(d->req);
    free(d->den);
    free(d->delta_new);
    free(d->sel);
    free(d->buy);
    free(d->vt);
    ps_rng_free(d->rng);
    free(d);
}

static double at(const double *v, size_t k) { return v ? v[k] : 0.0; }

/* Closure between buyer b (b == n: the rest of the world) and seller s:
 * relations closed either way (the share sanctions_oil_share of them: a
 * general package need not touch crude), plus the risk of secondary sanctions and the
 * frictions (payments, insurance, shipping: enforcement) of dealing with a
 * sanctioned seller, in proportion to its sanction pressure (isolation not
 * evaded), both weighed by what the buyer has to lose (1 - its isolation).
 * The rest of the world also closes in proportion to the seller's isolation. */
static double closure_dyad(const oil_data *d, const double *p, const double *s_int, int b,
                           int s)
{
    int n = d->n;
    if (b == n)
        return 0.0;
    double sb = at(s_int, (size_t)b * n + s), bs = at(s_int, (size_t)s * n + b);
    return p[P_SANCTIONS_SHARE] * (1.0 - (1.0 - sb) * (1.0 - bs));
}

static double seller_risk(const double *p, const double *threat, const double *press, int s)
{
    return p[P_FEAR] * at(threat, (size_t)s) + p[P_FRICTION] * at(press, (size_t)s);
}

/* closure_risk from the seller's part (seller_risk), which a loop over
 * buyers computes once per seller. */
static double closure_risk_of(const oil_data *d, const double *p, const double *iso,
                              double risk, int b, int s)
{
    if (b == d->n)
        return p[P_REST_COMPLY] * at(iso, (size_t)s) + risk;
    return risk * (1.0 - at(iso, (size_t)b));
}

static double closure_risk(const oil_data *d, const double *p, const double *threat,
                           const double *iso, const double *press, int b, int s)
{
    return closure_risk_of(d, p, iso, seller_risk(p, threat, press, s), b, s);
}

static double clamp01(double x) { return ps_fmin(1.0, ps_fmax(0.0, x)); }

/* Buyers per block of the step's loops over buyers (see there). */
#define BUYERS 32
#define SELLERS 16 /* sellers per block of step 3 (each block its own scratch) */

/* The end of block bb of buyers (n + 1 of them: the rest of the world last),
 * with den[] set to the block's outside-option weights. */
static int buyer_block(const oil_data *d, int n, int bb, double *den)
{
    const int b0 = bb * BUYERS, b1 = ps_block_end(bb, BUYERS, n + 1);
    for (int b = b0; b < b1; b++)
        den[b - b0] = d->out0[b];
    return b1;
}

/* Rows of rivalry per item of step 6 (and of init): each buyer's column of
 * vt is read once for all of them. */
#define RIVAL_ROWS 4

/* Rivalry between sellers from a trade matrix (rows = sellers), rows i0 to
 * i1 - 1. For each pair of sellers, the sum over buyers of min(v_ib, v_jb)
 * in ascending buyer order, as a merge of the two sellers' lists of buyers
 * took it, but for every seller j at once: for each buyer b, what every
 * seller sells b (vt, row b) is added, through one min, to row i's sums, in
 * a loop the compiler vectorises. A term in which either side does not sell
 * to b is min(v, +-0) or min(+-0, v) = +-0, which leaves a sum's bits as
 * they are (sums start at +0 and never fall below), so every sum is the
 * same, bit for bit, as over the common buyers alone; the terms with
 * v_ib = +-0 are skipped. The merge did the same O(sellers^2 x buyers)
 * work, branchy and scalar: 0.75 s a month at N=4000, 0.9 of the oil
 * market; taking RIVAL_ROWS rows per pass reads vt a quarter as often.
 * The sums sit in the row's first n_sel slots
 * and are then moved to their columns, last first (sel ascends, so
 * sel[k] >= k and no sum is overwritten before it is read). */
PS_HOT static void rivalry_rows(const oil_data *d, const double *trade, double *riv, int i0,
                                int i1)
{
    const int n = d->n, ns = d->n_sel;
    const double *sold = d->den;
    int rows[RIVAL_ROWS], nr = 0;
    for (int i = i0; i < i1; i++) {
        memset(riv + (size_t)i * n, 0, (size_t)n * sizeof *riv);
        if (sold[i] > 0.0)
            rows[nr++] = i;
    }
    for (int q = 0; q < d->n_buy && nr > 0; q++) {
        const int b = d->buy[q];
        const double *restrict col = d->vt + (size_t)b * ns;
        for (int r = 0; r < nr; r++) {
            const double v = trade[(size_t)rows[r] * n + b];
            double *restrict acc = riv + (size_t)rows[r] * n;
            if (v != 0.0)
                for (int k = 0; k < ns; k++)
                    acc[k] += v < col[k] ? v : col[k]; /* ps_fmin: trade has no NaN */
        }
    }
    for (int r = 0; r < nr; r++) {
        const int i = rows[r];
        double *row = riv + (size_t)i * n;
        for (int k = ns - 1; k >= 0; k--) {
            int j = d->sel[k];
            double o = row[k];
            row[k] = 0.0;
            row[j] = j == i ? 0.0 : ps_fmin(1.0, o / ps_fmin(sold[i], sold[j]));
        }
    }
}

/* Seller s's sales to modelled buyers, summed in buyer order, into den[s]
 * (scratch: den is no longer needed for the logit) for rivalry_rows. */
static double seller_sold(oil_data *d, const double *trade, int s)
{
    double sold = 0.0;
    for (int b = 0; b < d->n; b++)
        sold += trade[(size_t)s * d->n + b];
    return d->den[s] = sold;
}

/* After seller_sold for every seller: the sellers with sales, ascending
 * (sel); what the k-th of them sells buyer b, vt[b * n_sel + k]; and the
 * buyers anyone sells to, ascending (buy). For rivalry_rows; serial,
 * O(n x sellers). -1: out of memory. */
static int seller_columns(oil_data *d, const double *trade)
{
    const int n = d->n;
    int ns = 0;
    for (int s = 0; s < n; s++)
        if (d->den[s] > 0.0)
            d->sel[ns++] = s;
    size_t need = (size_t)n * ns + 1;
    if (need > d->vt_cap) {
        double *vt = realloc(d->vt, need * sizeof *vt);
        if (!vt)
            return -1;
        d->vt = vt;
        d->vt_cap = need;
    }
    d->n_sel = ns;
    for (int k = 0; k < ns; k++) {
        const double *t = trade + (size_t)d->sel[k] * n;
        for (int b = 0; b < n; b++)
            d->vt[(size_t)b * ns + k] = t[b];
    }
    d->n_buy = 0;
    for (int b = 0; b < n; b++) {
        const double *col = d->vt + (size_t)b * ns;
        int any = 0;
        for (int k = 0; k < ns; k++)
            any |= col[k] != 0.0;
        if (any)
            d->buy[d->n_buy++] = b;
    }
    return 0;
}

/* Step 6 of oil_step for block blk of RIVAL_ROWS sellers: their rows of
 * next month's rivalry. */
PS_HOT static void rivalry_block(ps_world *w, void *data, const double *p, int blk)
{
    (void)p;
    const oil_data *d = data;
    rivalry_rows(d, w->next[d->f[F_TRADE]], w->next[d->f[F_RIVALRY]], blk * RIVAL_ROWS,
                 ps_block_end(blk, RIVAL_ROWS, d->n));
}

static int configured(const ps_world *w, int field, int i)
{
    for (int k = 0; k < w->sc->n_inits; k++)
        if (w->sc->inits[k].field == field && w->sc->inits[k].i == i)
            return 1;
    return 0;
}

/* Share of world crude trade (modelled demand plus the rest of the world's)
 * that modelled sellers leave unsold: sum_s max(0, K_s - V_s) / W. Summed in
 * actor order. */
static double shut_in_share(const oil_data *d, const double *cap, const double *vol,
                            const double *dem)
{
    double idle = 0.0, world = d->rest_demand;
    for (int i = 0; i < d->n; i++) {
        idle += ps_fmax(0.0, cap[i] - vol[i]);
        world += dem[i];
    }
    return world > 0.0 ? ps_fmin(1.0, idle / world) : 0.0;
}

/* The reference closure of seller s and buyer b (b == n: the rest of the world). */
static double *x0_at(double *x0, double *x0_rest, int n, int s, int b)
{
    return b < n ? &x0[(size_t)s * n + b] : &x0_rest[s];
}

/* The benchmark is one world value, kept per actor: the value the config
 * gives (on any actors, the same on each; an actor's last value is its own),
 * else the default. Two actors with different values are an error naming
 * both places: one of them would be dropped without a word. */
static ps_status benchmark(const ps_world *w, int f, double *p0, ps_error *err)
{
    const ps_scenario *sc = w->sc;
    int first = -1; /* the first actor, in file order, that gives one */
    *p0 = fields[F_PRICE].init;
    for (int k = 0; k < sc->n_inits; k++) {
        if (sc->inits[k].field != f)
            continue;
        int i = sc->inits[k].i;
        /* the value that wins for actor i: its last */
        const char *at = ps_scenario_where(sc, f, i, -1);
        double v = sc->inits[k].value;
        for (int l = k + 1; l < sc->n_inits; l++)
            if (sc->inits[l].field == f && sc->inits[l].i == i)
                v = sc->inits[l].value;
        if (first < 0) {
            first = i;
            *p0 = v;
        } else if (i != first && v != *p0) {
            const char *at0 = ps_scenario_where(sc, f, first, -1);
            return ps_error_set(err, PS_ERR_CONFIG, "%s%sactor %s: oil_price is %g USD/bbl, but "
                                "actor %s gives %g%s%s%s; oil_price is the one world benchmark "
                                "(every actor holds the same value); expected it on one actor, "
                                "or the same value on each", at ? at : "", at ? ": " : "",
                                sc->actor_iso3[i], v, sc->actor_iso3[first], *p0,
                                at0 ? " (" : "", at0 ? at0 : "", at0 ? ")" : "");
        }
    }
    return PS_OK;
}

static ps_status oil_init(ps_world *w, int self, void **data, ps_error *err)
{
    int n = w->n_actors;
    size_t m = (size_t)n * (n + 1) + 1;
    oil_data *d = calloc(1, sizeof *d);
    if (!d || !(d->w0 = calloc(m, sizeof(double))) ||
        !(d->xd0 = calloc(m, sizeof(double))) ||
        !(d->out0 = calloc((size_t)n + 2, sizeof(double))) ||
        !(d->delta0 = calloc((size_t)n + 1, sizeof(double))) ||
        !(d->dem0 = calloc((size_t)n + 1, sizeof(double))) ||
        !(d->a = calloc(m, sizeof(double))) || !(d->req = calloc(m, sizeof(double))) ||
        !(d->fl = calloc(m, sizeof(double))) || !(d->may = calloc((size_t)n + 2, 1)) ||
        !(d->capL = calloc((size_t)n + 2, sizeof(double))) ||
        !(d->capA = calloc((size_t)n + 2, sizeof(double))) ||
        !(d->den = calloc((size_t)n + 2, sizeof(double))) ||
        !(d->delta_new = calloc((size_t)n + 1, sizeof(double))) || !(d->rng = ps_rng_alloc()) ||
        !(d->sel = calloc((size_t)n + 1, sizeof(int))) ||
        !(d->buy = calloc((size_t)n + 1, sizeof(int)))) {
        oil_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the oil market of %d actors", n);
    }
    *data = d;
    d->n = n;
    d->terms_month = -1; /* route_terms at the first step */
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < I_NFIELDS; k++)
        d->in[k] = ps_model_internal(self, k);
    d->intensity = ps_model_input(self, IN_SANCTION_INTENSITY);
    d->threat = ps_model_input(self, IN_SECONDARY_THREAT);
    d->isolation = ps_model_input(self, IN_ISOLATION);
    d->pressure = ps_model_input(self, IN_PRESSURE);
    const double *p = ps_world_param_values(w, self);
    double *X0 = w->cur[d->in[I_X0]], *X0R = w->cur[d->in[I_X0_REST]];
    double *price = w->cur[d->f[F_PRICE]], *cap = w->cur[d->f[F_CAPACITY]];
    double *dem = w->cur[d->f[F_DEMAND]], *vol = w->cur[d->f[F_VOLUME]];
    double *rev = w->cur[d->f[F_REVENUE]], *disc = w->cur[d->f[F_DISCOUNT]];
    double *rest = w->cur[d->f[F_REST]], *trade = w->cur[d->f[F_TRADE]];
    const double *s_int = ps_world_input_or_null(w, d->intensity);
    const double *threat = ps_world_input_or_null(w, d->threat);
    const double *iso = ps_world_input_or_null(w, d->isolation);
    const double *press = ps_world_input_or_null(w, d->pressure);

    double p0 = 0.0;
    ps_status st = benchmark(w, d->f[F_PRICE], &p0, err);
    if (st != PS_OK)
        return st;
    for (int i = 0; i < n; i++)
        price[i] = p0;
    /* Consistency: purchases within demand, sales within capacity. */
    for (int b = 0; b < n; b++) {
        double bought = 0.0;
        for (int s = 0; s < n; s++)
            bought += trade[(size_t)s * n + b];
        dem[b] = ps_fmax(dem[b], bought);
        d->dem0[b] = dem[b];
    }
    double rest_total = 0.0;
    for (int s = 0; s < n; s++) {
        double sold = 0.0;
        for (int b = 0; b < n; b++)
            sold += trade[(size_t)s * n + b];
        if (!configured(w, d->f[F_REST], s))
            rest[s] = ps_fmax(0.0, cap[s] - sold);
        cap[s] = ps_fmax(cap[s], sold + rest[s]);
        vol[s] = sold + rest[s];
        disc[s] = ps_fmin(ps_fmax(0.0, disc[s]), p[P_MAX_DISC] * p0);
        d->delta0[s] = disc[s] / p0;
        rev[s] = vol[s] * 1000.0 * 365.0 * (p0 - disc[s]);
        rest_total += rest[s];
    }
    d->rest_demand = ps_fmax(p[P_REST_IMPORTS], rest_total);
    /* 2021 shares and closures. The risk part of the reference closure is
     * taken again in month 1, once the sanctions model has computed isolation
     * and secondary threat from the starting intensities. Column b is
     * buyer b's alone. */
#pragma omp parallel for schedule(static) num_threads(w->inner_threads) if (n >= PS_INNER_MIN_ACTORS)
    for (int b = 0; b <= n; b++) {
        double D = b < n ? dem[b] : d->rest_demand, tot = 0.0;
        for (int s = 0; s < n; s++) {
            size_t k = (size_t)s * (n + 1) + b;
            if (s == b)
                continue;
            double sh = D > 0.0 ? (b < n ? trade[(size_t)s * n + b] : rest[s]) / D : 0.0;
            tot += sh;
            d->w0[k] = sh;
            d->xd0[k] = closure_dyad(d, p, s_int, b, s);
            *x0_at(X0, X0R, n, s, b) =
                clamp01(d->xd0[k] + closure_risk(d, p, threat, iso, press, b, s));
        }
        d->out0[b] = ps_fmax(1.0 - tot, p[P_FLOOR]);
    }
    double S0 = shut_in_share(d, cap, vol, dem), *shut = w->cur[d->in[I_SHUT]];
    for (int i = 0; i < n; i++)
        shut[i] = S0;
    double *riv = w->cur[d->f[F_RIVALRY]];
    for (int i = 0; i < n; i++)
        seller_sold(d, trade, i);
    if (seller_columns(d, trade) != 0) /* d is the world's now: it frees it */
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the oil market of %d actors", n);
    const int nrb = ps_block_count(n, RIVAL_ROWS);
#pragma omp parallel for schedule(static) num_threads(w->inner_threads) if (n >= PS_INNER_MIN_ACTORS)
    for (int blk = 0; blk < nrb; blk++)
        rivalry_rows(d, trade, riv, blk * RIVAL_ROWS, ps_block_end(blk, RIVAL_ROWS, n));
    return PS_OK;
}

/* A buyer's logit weight for a seller: e^u times its 2021 share, where u is
 * the change in delivered cost since 2021 (in units of tau x benchmark).
 * When the route has become dearer (E = e^u <= 1) the weight is w0 E; when it
 * has become cheaper, a small or new route gains as if its share were at
 * least the floor phi: w0 + max(w0, phi) (E - 1). Continuous and increasing
 * in E, equal to w0 at 2021 conditions (no drift), and a route with no 2021
 * trade opens only when it is cheaper or safer than it was. E = 0: not
 * offered (no capacity). */
static double weight(double w0, double floor, double E)
{
    return E <= 1.0 ? w0 * E : w0 + ps_fmax(w0, floor) * (E - 1.0);
}

static double clip_exp(double u) { return exp(ps_fmin(U_MAX, ps_fmax(-U_MAX, u))); }

/* A buyer's capped target share: the logit share of a1 among the routes
 * its limits leave free, (1 - L) a1 / (rest + a1), where L is what its
 * capped routes (other sellers) take and rest the free routes' weight
 * besides this one (the outside option's included); at most the buyer's
 * limit on this seller (Lambda). */
static double capped_share(double a1, double rest, double lim, double free)
{
    double den = rest + a1;
    return den > 0.0 ? ps_fmin(lim, free * a1 / den) : 0.0;
}

/* A route's share of its buyer when the buyer's capped routes take L and
 * weigh A: the free share 1 - L among the rest of the weight, den - A;
 * infinite when nothing is left to share it (every route capped), so a
 * capped route stays capped. With L = A = 0 it is a / den, bit for bit. */
static double free_share(double a, double den, double L, double A)
{
    return den - A > 0.0 ? (1.0 - L) * a / (den - A) : INFINITY;
}

/* What buyers would request from seller s this month at relative discount
 * delta, when the other sellers keep theirs: sum over buyers of
 * D_b max(0, min(e_sb, sigma_sb + lambda_b (sigma*_sb(delta) - sigma_sb))),
 * the target share sigma* capped by the buyer's refinery limit (and
 * embargo) and reached only at the buyer's switching speed (short-run
 * absorption), an embargo's cap e_sb binding at once (a law, not a
 * contract that runs off). The buyers that can buy from s (E > 0) are
 * gathered once per seller into `nb` entries of `buy` (D, w0, E,
 * den_b - a0, sigma_now, Lambda, lambda_b, m_b, e_sb, the route's floor), so that the root
 * finder's calls skip the others; the sum runs over buyers in the same
 * order. */
PS_HOT static double target_sales(const double *buy, int nb, double delta, double delta_cur,
                                  double tau)
{
    double q = 0.0, u_last = NAN, g_last = 0.0;
    for (int k = 0; k < nb; k++) {
        const double *e = buy + NB * (size_t)k;
        /* Buyers with the same price response (most keep the default 1) have
         * the same exponent: exp once per run of them. Equal exponents give
         * the same exp (+0 and -0 both 1), so the same bits. */
        double u = e[7] * (delta - delta_cur) / tau;
        double g = u == u_last ? g_last : clip_exp(u);
        u_last = u;
        g_last = g;
        double a1 = weight(e[1], e[9], e[2] * g);
        double sh = capped_share(a1, e[3], e[5], e[10]);
        q += e[0] * ps_fmax(0.0, ps_fmin(e[8], e[4] + e[6] * (sh - e[4])));
    }
    return q;
}

/* The most of b's imports that b's embargo on s lets it buy from s:
 * (1 - e) x its 2021 share (at least the floor phi, so a partial embargo on
 * a new route leaves it room); infinite where b has none (b == n: the rest
 * of the world has no laws of its own here), so a min with it changes no bit. */
static double embargo_cap(const oil_data *d, const double *emb, double phi, int s, int b)
{
    double e = b < d->n ? emb[(size_t)b * d->n + s] : 0.0;
    if (!(e > 0.0))
        return INFINITY;
    return (1.0 - e) * ps_fmax(d->w0[(size_t)s * (d->n + 1) + b], phi);
}

/* Buyer b's limit on one seller s, switching rate and price response (b == n:
 * the rest of the world, no limit, the typical buyer). The limit is the
 * refinery limit, never below the 2021 share, and at most the embargo's cap
 * (embargo_cap, which the caller also applies to the moved share). */
static double buyer_limit(const oil_data *d, const double *lim, double cap, int s, int b)
{
    double l = b < d->n ? ps_fmax(lim[b], d->w0[(size_t)s * (d->n + 1) + b]) : 1.0;
    return ps_fmin(l, cap);
}

static double buyer_rate(const oil_data *d, const double *p, const double *speed, int b)
{
    return ps_fmin(1.0, p[P_SWITCH] * (b < d->n ? speed[b] : 1.0));
}

static double buyer_response(const oil_data *d, const double *resp, int b)
{
    return b < d->n ? resp[b] : 1.0;
}

/* The discount in (0, dmax) at which target_sales() meets the capacity K,
 * given the requests' excess f0 < 0 at 0 and f1 > 0 at dmax (requests rise
 * with the discount). Regula falsi with the Illinois modification (the end
 * that stays twice in a row has its excess halved), which keeps the root
 * bracketed and converges superlinearly on this smooth, piecewise (caps,
 * max(0, .)) monotone sum: 8.5 evaluations a solve in the baseline, 19 in
 * a synthetic 193-actor world, where 60 halvings took 60 (the results move
 * by < 1e-13 of each field's scale). When three tries have not halved the
 * bracket the next is a halving, so it always closes. Stops when the bracket is
 * within DISC_TOL of its root or the excess is exactly 0. */
#define DISC_TOL 1e-14
static double clearing_discount(const double *buy, int nb, double dc, double tau, double K,
                                double dmax, double f0, double f1)
{
    double lo = 0.0, hi = dmax, flo = f0, fhi = f1;
    double w3 = hi - lo; /* the bracket three tries ago */
    int side = 0;
    for (int it = 0; it < 200 && hi - lo > DISC_TOL; it++) {
        int halve = 0;
        if (it > 0 && it % 3 == 0) {
            halve = hi - lo > 0.5 * w3;
            w3 = hi - lo;
        }
        double x = halve ? 0.5 * (lo + hi) : (lo * fhi - hi * flo) / (fhi - flo);
        if (!(x > lo && x < hi))
            x = 0.5 * (lo + hi);
        double fx = target_sales(buy, nb, x, dc, tau) - K;
        if (fx < 0.0) {
            lo = x;
            flo = fx;
            if (side < 0)
                fhi *= 0.5;
            side = -1;
        } else if (fx > 0.0) {
            hi = x;
            fhi = fx;
            if (side > 0)
                flo *= 0.5;
            side = 1;
        } else
            return x;
    }
    return 0.5 * (lo + hi);
}

static int gather_buyers(const oil_data *d, const double *p, const ps_world *w, int s,
                         double *buy)
{
    int n = d->n, nb = 0;
    const double *dem = w->cur[d->f[F_DEMAND]], *trade = w->cur[d->f[F_TRADE]];
    const double *rest = w->cur[d->f[F_REST]], *lim = w->cur[d->f[F_LIMIT]];
    const double *speed = w->cur[d->f[F_SPEED]], *resp = w->cur[d->f[F_RESPONSE]];
    const double *emb = w->cur[d->f[F_EMBARGO]];
    for (int b = 0; b <= n; b++) {
        size_t k = (size_t)s * (n + 1) + b;
        double E = d->a[k];
        if (E <= 0.0)
            continue;
        double *e = buy + NB * (size_t)nb++;
        const double a0 = weight(d->w0[k], d->fl[k], E);
        e[0] = b < n ? dem[b] : d->rest_demand;
        e[1] = d->w0[k];
        e[2] = E;
        e[4] = (b < n ? trade[(size_t)s * n + b] : rest[s]) / e[0];
        e[8] = embargo_cap(d, emb, p[P_FLOOR], s, b);
        e[5] = buyer_limit(d, lim, e[8], s, b);
        e[6] = buyer_rate(d, p, speed, b);
        e[7] = buyer_response(d, resp, b);
        e[9] = d->fl[k];
        /* The buyer's other capped routes, held as they are at the current
         * discounts (capped_sums): s's own limit and weight taken out if s
         * is one of them. */
        const double L = d->capL[b], A = d->capA[b];
        if (free_share(a0, d->den[b], L, A) > e[5]) {
            e[3] = d->den[b] - A;
            e[10] = 1.0 - (L - e[5]);
        } else {
            e[3] = d->den[b] - A - a0;
            e[10] = 1.0 - L;
        }
    }
    return nb;
}

/* Whether buyer b can have a capped route: a refinery limit below 1 or an
 * embargo on some seller (row b of oil_embargo, read in order). Kept in
 * d->may (route_terms, oil_event): only oil_embargo events change it. */
static int may_cap(const oil_data *d, const double *lim, const double *emb, int b)
{
    if (b >= d->n)
        return 0; /* the rest of the world has no limit */
    if (lim[b] < 1.0)
        return 1;
    for (int s = 0; s < d->n; s++)
        if (emb[(size_t)b * d->n + s] > 0.0)
            return 1;
    return 0;
}

/* Capped logit for the buyers of block [b0, b1): a route whose logit share
 * would pass the buyer's limit on it (refinery limit, embargo) gets its
 * limit, and the rest of the buyer's imports are shared among its free
 * routes and the outside option in proportion to their weights, so a
 * capped seller's discount no longer shrinks what the buyer imports in all.
 * L[b - b0] and A[b - b0]: the capped routes' limits and weights, summed in
 * seller order. The capped set only grows from pass to pass (capping a
 * route raises the others' shares); each pass recomputes it from zero at
 * the last pass's sums, until no buyer's count changes (at most n + 1
 * passes, so rounding at a knife edge cannot loop). Buyers without a limit
 * below 1 or an embargo have L = A = 0 and cost one test. */
static void capped_sums(const oil_data *d, const double *p, const ps_world *w, int b0, int b1,
                        const double *den, double *L, double *A)
{
    const int n = d->n;
    const size_t n1 = (size_t)n + 1;
    const double *lim = w->cur[d->f[F_LIMIT]], *emb = w->cur[d->f[F_EMBARGO]];
    int cnt[BUYERS], any = 0;
    for (int b = b0; b < b1; b++) {
        L[b - b0] = A[b - b0] = 0.0;
        cnt[b - b0] = 0;
        any |= d->may[b];
    }
    for (int pass = 0; any && pass <= n; pass++) {
        double nL[BUYERS] = {0.0}, nA[BUYERS] = {0.0};
        int nc[BUYERS] = {0};
        for (int s = 0; s < n; s++)
            for (int b = b0; b < b1; b++) {
                const size_t k = (size_t)s * n1 + b;
                if (!d->may[b] || !(d->a[k] > 0.0))
                    continue;
                const double wt = weight(d->w0[k], d->fl[k], d->a[k]);
                const double lam =
                    buyer_limit(d, lim, embargo_cap(d, emb, p[P_FLOOR], s, b), s, b);
                if (free_share(wt, den[b - b0], L[b - b0], A[b - b0]) > lam) {
                    nL[b - b0] += lam;
                    nA[b - b0] += wt;
                    nc[b - b0]++;
                }
            }
        any = 0;
        for (int b = b0; b < b1; b++) {
            any |= nc[b - b0] != cnt[b - b0];
            cnt[b - b0] = nc[b - b0];
            L[b - b0] = nL[b - b0];
            A[b - b0] = nA[b - b0];
        }
    }
}

/* The floor of a route whose reference closure is x0 (gains as if its 2021
 * share were at least this: weight()). */
static double route_floor(const double *p, double x0)
{
    return p[P_FLOOR] * (1.0 - p[P_FLOOR_OPENNESS] * x0);
}

/* The route terms that change only with x0 (anchored in month 1) or an
 * oil_embargo event, from state t: every route's floor and every buyer's
 * may_cap. Taken at a world's first step, not at init: a replicate resumed
 * from a checkpoint is restored after init, so they must follow the
 * restored state, not month 0's. offer_block's anchor and oil_event keep
 * them after that. */
static void route_terms(oil_data *d, const double *p, const ps_world *w)
{
    const int n = d->n;
    double *X0 = w->cur[d->in[I_X0]], *X0R = w->cur[d->in[I_X0_REST]];
    const double *lim = w->cur[d->f[F_LIMIT]], *emb = w->cur[d->f[F_EMBARGO]];
    for (int s = 0; s < n; s++)
        for (int b = 0; b <= n; b++)
            d->fl[(size_t)s * (n + 1) + b] = route_floor(p, *x0_at(X0, X0R, n, s, b));
    for (int b = 0; b <= n; b++)
        d->may[b] = (unsigned char)may_cap(d, lim, emb, b);
}

/* Buyer b's imports change from D to D2: the change is shared among its
 * sellers' volumes v (column b, stride vs) and the outside option (D less
 * what v holds, at the benchmark: weight 1) as a refiner's marginal barrels
 * are: more is bought in proportion to v x a, less in proportion to v / a,
 * where a (column b of d->a) is the route's logit cost factor e^u, so a
 * buyer that buys more takes more of what became cheaper and one that buys
 * less cuts what became dearer first. With every a = 1 the mix is kept.
 * Volumes stay >= 0 and within D2 (a cut deeper than the weights can take,
 * e.g. to 0, would leave the cheap routes above it: they are scaled down to
 * it); capacity is the caller's. */
static void shift_demand(const oil_data *d, int b, double *v, size_t vs, double D, double D2)
{
    const int n = d->n;
    const size_t n1 = (size_t)n + 1;
    double dD = D2 - D, held = 0.0, W = 0.0;
    for (int s = 0; s < n; s++) {
        double x = v[(size_t)s * vs], a = ps_fmax(d->a[(size_t)s * n1 + b], A_MIN);
        if (x > 0.0) {
            held += x;
            W += dD > 0.0 ? x * a : x / a;
        }
    }
    W += ps_fmax(0.0, D - held);
    if (!(W > 0.0))
        return;
    double now = 0.0;
    for (int s = 0; s < n; s++) {
        double *x = &v[(size_t)s * vs], a = ps_fmax(d->a[(size_t)s * n1 + b], A_MIN);
        if (*x > 0.0) {
            *x = ps_fmax(0.0, *x + dD * (dD > 0.0 ? *x * a : *x / a) / W);
            now += *x;
        }
    }
    if (now > D2) {
        double f = D2 > 0.0 ? D2 / now : 0.0;
        for (int s = 0; s < n; s++)
            v[(size_t)s * vs] *= f;
    }
}

/* Step 2 of oil_step for buyers block bb: buyers' cost changes at current
 * discounts, E = e^u in column b of a, the logit denominator in den[b]. Only
 * sellers with capacity are offered. Month 1 anchors the reference closure
 * (in next, which later months carry over). */
PS_HOT static void offer_block(ps_world *w, void *data, const double *p, int bb)
{
    oil_data *d = data;
    const int n = d->n, anchor = w->month == 1;
    const size_t n1 = (size_t)n + 1;
    const double *cap = w->cur[d->f[F_CAPACITY]], *dem = w->cur[d->f[F_DEMAND]];
    const double *disc = w->cur[d->f[F_DISCOUNT]], *resp = w->cur[d->f[F_RESPONSE]];
    const double *s_int = ps_world_input_or_null(w, d->intensity);
    const double *threat = ps_world_input_or_null(w, d->threat);
    const double *iso = ps_world_input_or_null(w, d->isolation);
    const double *press = ps_world_input_or_null(w, d->pressure);
    double *X0 = w->next[d->in[I_X0]], *X0R = w->next[d->in[I_X0_REST]];
    const double tau = p[P_TAU], dmax = p[P_MAX_DISC];
    const double P = w->cur[d->f[F_PRICE]][0]; /* this month's benchmark */
    const int b0 = bb * BUYERS;
    double den[BUYERS];
    const int b1 = buyer_block(d, n, bb, den);
    for (int s = 0; s < n; s++) {
        const int sells = cap[s] > 0.0;
        /* Most actors sell no crude: their row is zeros, and only the
         * anchor month has more to write for them (x0). */
        if (!sells && !anchor) {
            for (int b = b0; b < b1; b++)
                d->a[(size_t)s * n1 + b] = 0.0;
            continue;
        }
        /* The seller's own terms once per row (a store to d->a could alias
         * them for the compiler, which recomputed them per dyad). */
        const double risk_s = seller_risk(p, threat, press, s);
        const double delta = ps_fmin(dmax, disc[s] / P);
        for (int b = b0; b < b1; b++) {
            double D = b < n ? dem[b] : d->rest_demand;
            size_t k = (size_t)s * n1 + b;
            double risk = closure_risk_of(d, p, iso, risk_s, b, s);
            double *x0 = x0_at(X0, X0R, n, s, b);
            if (anchor && s != b) {
                *x0 = clamp01(d->xd0[k] + risk);
                d->fl[k] = route_floor(p, *x0);
            }
            if (s == b || !sells || D <= 0.0) {
                d->a[k] = 0.0;
                continue;
            }
            double x = clamp01(closure_dyad(d, p, s_int, b, s) + risk);
            double m = buyer_response(d, resp, b);
            double u = (m * (delta - d->delta0[s]) - p[P_PENALTY] * (x - *x0)) / tau;
            d->a[k] = clip_exp(u);
            den[b - b0] += weight(d->w0[k], d->fl[k], d->a[k]);
        }
    }
    for (int b = b0; b < b1; b++)
        d->den[b] = den[b - b0];
    capped_sums(d, p, w, b0, b1, den, d->capL + b0, d->capA + b0);
}

/* Step 3 for the sellers of block blk: the discount moves toward the one at
 * which what buyers would request this month (targets capped by refinery
 * limits, reached at each buyer's switching speed) takes the whole capacity
 * (clearing_discount: requests rise with the discount), other sellers'
 * discounts held. Its own scratch for the gathered buyers. */
PS_HOT static void clearing_block(ps_world *w, void *data, const double *p, int blk)
{
    oil_data *d = data;
    const int n = d->n, s0 = blk * SELLERS, s1 = ps_block_end(blk, SELLERS, n);
    const double *cap = w->cur[d->f[F_CAPACITY]], *disc = w->cur[d->f[F_DISCOUNT]];
    const double tau = p[P_TAU], dmax = p[P_MAX_DISC];
    const double P = w->cur[d->f[F_PRICE]][0]; /* this month's benchmark */
    double *buy = malloc(NB * ((size_t)n + 1) * sizeof *buy);
    if (!buy)
        atomic_store(&d->nomem, 1);
    for (int s = s0; s < s1; s++) {
        double dc = ps_fmin(dmax, disc[s] / P);
        if (cap[s] <= 0.0 || !buy) {
            d->delta_new[s] = dc;
            continue;
        }
        int nb = gather_buyers(d, p, w, s, buy);
        double f0 = target_sales(buy, nb, 0.0, dc, tau) - cap[s], f1 = 0.0, star;
        if (f0 >= 0.0)
            star = 0.0;
        else if ((f1 = target_sales(buy, nb, dmax, dc, tau) - cap[s]) <= 0.0)
            star = dmax;
        else
            star = clearing_discount(buy, nb, dc, tau, cap[s], dmax, f0, f1);
        d->delta_new[s] = dc + p[P_DISC_ADJUST] * (star - dc);
    }
    free(buy);
}

/* Step 4 for buyers block bb: target shares at the new discounts, capped by
 * refinery limits; actual shares move toward them at the buyer's switching
 * rate; requests = share x demand (row s, column b). */
PS_HOT static void request_block(ps_world *w, void *data, const double *p, int bb)
{
    oil_data *d = data;
    const int n = d->n;
    const size_t n1 = (size_t)n + 1;
    const double *dem = w->cur[d->f[F_DEMAND]], *disc = w->cur[d->f[F_DISCOUNT]];
    const double *capacity = w->cur[d->f[F_CAPACITY]];
    const double *rest = w->cur[d->f[F_REST]], *trade = w->cur[d->f[F_TRADE]];
    const double *resp = w->cur[d->f[F_RESPONSE]], *lim = w->cur[d->f[F_LIMIT]];
    const double *speed = w->cur[d->f[F_SPEED]], *emb = w->cur[d->f[F_EMBARGO]];
    const double tau = p[P_TAU], dmax = p[P_MAX_DISC], phi = p[P_FLOOR];
    const double P = w->cur[d->f[F_PRICE]][0]; /* this month's benchmark */
    const int b0 = bb * BUYERS;
    double den[BUYERS] = {0.0}; /* (initialised for the compiler, which cannot see b1 - b0 <= BUYERS) */
    const int b1 = buyer_block(d, n, bb, den);
    for (int s = 0; s < n; s++) {
        if (!(capacity[s] > 0.0)) /* offer_block left a non-seller's row 0 */
            continue;
        const double dc = ps_fmin(dmax, disc[s] / P), dnew = d->delta_new[s]; /* once per row */
        for (int b = b0; b < b1; b++) {
            size_t k = (size_t)s * n1 + b;
            if (d->a[k] > 0.0) {
                d->a[k] *= clip_exp(buyer_response(d, resp, b) * (dnew - dc) / tau);
                den[b - b0] += weight(d->w0[k], d->fl[k], d->a[k]);
            }
        }
    }
    double capL[BUYERS], capA[BUYERS]; /* capped routes at the new discounts */
    capped_sums(d, p, w, b0, b1, den, capL, capA);
    double dem_b[BUYERS], lam_b[BUYERS]; /* the block's buyers' demand and rate, once */
    for (int b = b0; b < b1; b++) {
        dem_b[b - b0] = b < n ? dem[b] : d->rest_demand;
        lam_b[b - b0] = buyer_rate(d, p, speed, b);
    }
    for (int s = 0; s < n; s++)
        for (int b = b0; b < b1; b++) {
            double D = dem_b[b - b0], lam = lam_b[b - b0];
            size_t k = (size_t)s * n1 + b;
            double now = s == b ? 0.0 : b < n ? trade[(size_t)s * n + b] : rest[s];
            if (D <= 0.0 || (d->a[k] <= 0.0 && now <= 0.0)) {
                d->req[k] = 0.0;
                continue;
            }
            double sh = now / D;
            const double cap = embargo_cap(d, emb, phi, s, b);
            double target = ps_fmin(buyer_limit(d, lim, cap, s, b),
                                    free_share(weight(d->w0[k], d->fl[k], d->a[k]), den[b - b0],
                                               capL[b - b0], capA[b - b0]));
            d->req[k] = D * ps_fmax(0.0, ps_fmin(cap, sh + lam * (target - sh)));
        }
}

/* Step 5 for seller s: ration requests to capacity; volume, revenue, discount. */
PS_HOT static void ration_seller(ps_world *w, void *data, const double *p, int s)
{
    oil_data *d = data;
    (void)p;
    const int n = d->n;
    const size_t n1 = (size_t)n + 1;
    const double *cap = w->cur[d->f[F_CAPACITY]];
    const double Pn = w->next[d->f[F_PRICE]][0]; /* set by step 1 */
    double *vol_n = w->next[d->f[F_VOLUME]], *rev_n = w->next[d->f[F_REVENUE]];
    double *disc_n = w->next[d->f[F_DISCOUNT]], *rest_n = w->next[d->f[F_REST]];
    double *trade_n = w->next[d->f[F_TRADE]];
    double asked = 0.0;
    for (int b = 0; b <= n; b++)
        asked += d->req[(size_t)s * n1 + b];
    double f = asked > cap[s] && asked > 0.0 ? cap[s] / asked : 1.0;
    for (int b = 0; b < n; b++)
        trade_n[(size_t)s * n + b] = b == s ? 0.0 : d->req[(size_t)s * n1 + b] * f;
    rest_n[s] = d->req[(size_t)s * n1 + n] * f;
    vol_n[s] = seller_sold(d, trade_n, s) + rest_n[s];
    disc_n[s] = d->delta_new[s] * Pn;
    rev_n[s] = vol_n[s] * 1000.0 * 365.0 * (Pn - disc_n[s]);
}

/* Buyer b imports D from now on, in next month's state after rationing
 * (an oil_demand event; the step after it, back to the base). What it buys
 * from each seller changes as shift_demand says; where a seller's capacity
 * would not hold it, the seller's rest-of-world sales give way first, then
 * b gets what is left. Discounts respond the month after, as to any change
 * in requests. The caller computes rivalry again. */
static void set_demand(ps_world *w, oil_data *d, int b, double D)
{
    const int n = d->n;
    double *dem = w->next[d->f[F_DEMAND]], *trade = w->next[d->f[F_TRADE]];
    double *vol = w->next[d->f[F_VOLUME]], *rest = w->next[d->f[F_REST]];
    double *rev = w->next[d->f[F_REVENUE]];
    const double *cap = w->cur[d->f[F_CAPACITY]], *disc = w->next[d->f[F_DISCOUNT]];
    const double P = w->next[d->f[F_PRICE]][0];
    if (dem[b] > 0.0)
        shift_demand(d, b, trade + b, (size_t)n, dem[b], D);
    dem[b] = D;
    for (int s = 0; s < n; s++) {
        double *v = &trade[(size_t)s * n + b];
        double other = seller_sold(d, trade, s) - *v;
        *v = ps_fmin(*v, ps_fmax(0.0, cap[s] - other));
        rest[s] = ps_fmin(rest[s], ps_fmax(0.0, cap[s] - other - *v));
        vol[s] = other + *v + rest[s];
        rev[s] = vol[s] * 1000.0 * 365.0 * (P - disc[s]);
    }
    for (int s = 0; s < n; s++)
        seller_sold(d, trade, s); /* what seller_columns and rivalry_rows read */
}

/* Rivalry of next month's state from its trade (rivalry_block), each
 * seller's sales to every buyer gathered first (seller_columns; den holds
 * what each sells, seller_sold): step 6, and again after an oil_demand. */
static ps_status next_rivalry(ps_world *w, oil_data *d, const double *p, ps_error *err)
{
    if (seller_columns(d, w->next[d->f[F_TRADE]]) != 0)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the oil market's scratch");
    ps_inner_for(w, ps_block_count(d->n, RIVAL_ROWS), rivalry_block, d, p);
    return PS_OK;
}

PS_HOT static ps_status oil_step(ps_world *w, int self, void *data, ps_error *err)
{
    oil_data *d = data;
    const double *p = ps_world_param_values(w, self);
    int n = d->n;
    const double *price = w->cur[d->f[F_PRICE]], *cap = w->cur[d->f[F_CAPACITY]];
    const double *dem = w->cur[d->f[F_DEMAND]], *vol = w->cur[d->f[F_VOLUME]];
    double *price_n = w->next[d->f[F_PRICE]];
    if (d->terms_month != w->month) /* a new or restored world */
        route_terms(d, p, w);
    d->terms_month = w->month + 1; /* anchor and events keep them */

    /* 1. Benchmark: log relaxation toward the long-run level, one world shock,
     * and the response to the change in the share of world trade shut in. */
    double P = price[0];
    gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month, WORLD_PRICE_ID,
                            PRICE_STREAM);
    double eps = p[P_VOLATILITY] > 0.0 ? gsl_ran_gaussian(r, p[P_VOLATILITY]) : 0.0;
    if (p[P_JUMP_RATE] > 0.0) { /* after the Gaussian draw: ps_rng_key rekeys the same rng */
        r = ps_rng_key(d->rng, w->seed, w->replicate, w->month, WORLD_PRICE_ID, JUMP_STREAM);
        double occurs = gsl_rng_uniform(r), size = gsl_rng_uniform(r);
        if (occurs < p[P_JUMP_RATE])
            eps += p[P_SUPPLY_RESPONSE] * 2.0 * p[P_JUMP_SHORTFALL] * size;
    }
    double S = shut_in_share(d, cap, vol, dem), S_prev = w->cur[d->in[I_SHUT]][0];
    double *shut_n = w->next[d->in[I_SHUT]];
    for (int i = 0; i < n; i++)
        shut_n[i] = S;
    double Pn = exp(log(P) + p[P_REVERSION] * (log(p[P_LONG_RUN]) - log(P)) + eps +
                    p[P_SUPPLY_RESPONSE] * (S - S_prev));
    Pn = ps_fmin(300.0, ps_fmax(5.0, Pn));
    for (int i = 0; i < n; i++)
        price_n[i] = Pn;

    /* 2. Buyers' cost changes at current discounts (offer_block). In blocks
     * of BUYERS columns, taken row by row (each buyer's sum over sellers in
     * the same order as a loop down its column). The steps' loops run through
     * ps_inner_for, which enters no parallel region when the world has one
     * thread: an OpenMP region of one thread still cost libgomp futex calls,
     * eight a month here (11 of the 11 a baseline month made). */
    const int nbb = ps_block_count(n + 1, BUYERS); /* n + 1 buyers */
    ps_inner_for(w, nbb, offer_block, d, p);
    /* 3. Sellers' clearing discounts (clearing_block). */
    atomic_store(&d->nomem, 0);
    ps_inner_for(w, ps_block_count(n, SELLERS), clearing_block, d, p);
    if (atomic_load(&d->nomem))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory for the oil market's scratch");
    /* 4. Buyers' requests at the new discounts (request_block). */
    ps_inner_for(w, nbb, request_block, d, p);
    /* 5. Sellers ration requests to capacity (ration_seller). */
    ps_inner_for(w, n, ration_seller, d, p);
    /* 5b. A month's oil_demand holds for that month; the next, the buyer
     * imports its base again (the state t + 1 of a buyer whose demand is
     * its base is left alone, bit for bit). */
    const double *dem_n = w->next[d->f[F_DEMAND]];
    for (int b = 0; b < n; b++)
        if (dem_n[b] != d->dem0[b])
            set_demand(w, d, b, d->dem0[b]);

    /* 6. Rivalry from this month's trade. */
    return next_rivalry(w, d, p, err);
}

static ps_status oil_event(ps_world *w, int self, void *data, const ps_event *ev,
                           ps_error *err)
{
    oil_data *d = data;
    const double *p = ps_world_param_values(w, self);
    int n = w->n_actors;
    if (ev->type == ps_registry_find_event_type(events[E_PRICE].name)) {
        if (!(p[P_PRICE_PATH] > 0.5))
            return PS_OK; /* the benchmark follows its own dynamics */
        double *price = w->next[d->f[F_PRICE]], *disc = w->next[d->f[F_DISCOUNT]];
        double *rev = w->next[d->f[F_REVENUE]];
        const double *vol = w->next[d->f[F_VOLUME]];
        double old = price[0], now = ev->magnitude;
        for (int i = 0; i < n; i++) {
            price[i] = now;
            disc[i] = ps_fmin(disc[i] / old, p[P_MAX_DISC]) * now; /* same share of the benchmark */
            rev[i] = vol[i] * 1000.0 * 365.0 * (now - disc[i]);
        }
        return PS_OK;
    }
    if (ev->type == ps_registry_find_event_type(events[E_EMBARGO].name)) {
        if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
            return ps_error_set(err, PS_ERR_CONFIG,
                                "oil_embargo needs distinct source (the buyer) and target (the "
                                "seller) actors");
        double *emb = w->next[d->f[F_EMBARGO]];
        emb[(size_t)ev->source * n + ev->target] = ev->magnitude;
        /* the buyer's may_cap from next month, whose state this is */
        d->may[ev->source] = (unsigned char)may_cap(d, w->next[d->f[F_LIMIT]], emb, ev->source);
        return PS_OK;
    }
    if (ev->type == ps_registry_find_event_type(events[E_DEMAND].name)) {
        if (ev->target < 0)
            return ps_error_set(err, PS_ERR_CONFIG, "oil_demand needs a target actor");
        set_demand(w, d, ev->target, ev->magnitude);
        return next_rivalry(w, d, p, err);
    }
    if (ev->target < 0)
        return ps_error_set(err, PS_ERR_CONFIG, "oil_capacity needs a target actor");
    w->next[d->f[F_CAPACITY]][ev->target] = ev->magnitude;
    return PS_OK;
}

const ps_model ps_model_oil = {
    .name = "oil",
    .description = "benchmark oil price, sellers' discounts, buyers' reallocation of imports by "
                   "delivered cost, compliance and switching friction; rivalry of sellers",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "oil_trade rivalry",
    .metric_reads = "oil_discount oil_export_revenue oil_trade@ends",
    .computed = "oil_export_volume oil_export_revenue rivalry",
    .init = oil_init,
    .step = oil_step,
    .apply_event = oil_event,
    .free = oil_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
