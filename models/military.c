/* Military strain, materiel and theaters.
 *
 * Each actor commits shares of its deployable force to theaters (Ukraine,
 * Syria, ...) and fights there with some intensity. Fighting consumes
 * materiel by category (drones, munitions, air defense, aircraft); what
 * domestic production and imports (the cooperation model's arms transfers)
 * do not cover is an unmet need, and what production exceeds own use by more
 * than a reserve is spare for export. Strain is the load of deployments and
 * fighting plus the materiel shortfall. A strained actor draws down its
 * lower-priority theaters (priority = interest relative to its most valued
 * theater) to a retained share of its reference commitment (bases are kept);
 * actors with an interest in a theater and room to spare fill the
 * vacated presence there; influence in a theater is an actor's share of the
 * capacity-weighted commitment. So a war in one theater moves influence in
 * another: under Ukraine strain Russia leaves Syria and Iran moves in.
 *
 * Supply expands with paid orders (issue 16): the cooperation model reports
 * the orders a supplier could not fill from its spare (arms_backorder_<c>);
 * the part the buyer can pay for (its arms import budget against its arms
 * bill at unit prices) is a gap the supplier starts building capacity for,
 * net of what is already under construction; capacity under construction
 * comes online at 1/build_lag a month and costs capital (arms_investment).
 * A share can be built in the buyer's country under licence.
 *
 * A war can end (issue 16): every month each war (an attacker and the host
 * both fighting at war_combat_min or more in the host's theater) ends with a
 * probability that rises with both sides' strain and losses, drawn on this
 * model's own random stream; it then acts as a `ceasefire` event. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "pactsim_model.h"

#define N_MATERIEL 4
/* Materiel categories, in the order of the inputs below: drones, munitions,
 * air_defense, aircraft. */

enum { P_DEPLOY, P_COMBAT, P_MATERIEL, P_THRESHOLD, P_DRAWDOWN, P_RETAINED, P_FILL,
       P_RESERVE, P_INTERVENTION, P_PRICE0, P_BUDGET = P_PRICE0 + N_MATERIEL, P_BUILD_LAG,
       P_CAPITAL, P_LICENSED, P_EXPANSION, P_HAZARD, P_HAZ_STRAIN, P_HAZ_LOSSES, P_HAZ_SHAPE, P_CEASE_DEPTH,
       P_WAR_COMBAT, P_HAZ_FROM };
static const ps_param params[] = {
    {"strain_deploy", PS_REAL, "1", 0.0, 1.0, 0.3,
     "strain per unit of commitment without fighting (a): keeping forces deployed",
     "assumption: garrisons, rotations and logistics cost about a third of what full combat costs"},
    {"strain_combat", PS_REAL, "1", 0.0, 1.0, 0.7,
     "extra strain per unit of commitment x combat intensity (b); a + b = 1 makes a whole force in "
     "full-scale war a strain of 1",
     "assumption: complement of strain_deploy, so that full commitment at full combat is strain 1"},
    {"strain_materiel", PS_REAL, "1", 0.0, 1.0, 0.4,
     "strain added when the whole of a full-scale war's materiel use is unmet (mean over categories "
     "of need / wartime_use = 1)",
     "assumption: running out of shells and drones strains a force less than the fighting itself, but "
     "enough to push a large war over the threshold (article: Russia's 'military shortcomings')"},
    {"strain_threshold", PS_REAL, "1", 0.01, 0.99, 0.5,
     "strain above which an actor draws down low-priority theaters and below which it can fill "
     "vacuums elsewhere",
     "assumption: half of the force's capacity to sustain operations"},
    {"drawdown_rate", PS_REAL, "1/month", 0.0, 1.0, 0.2,
     "monthly share of commitment withdrawn from a theater of zero priority at full excess strain",
     "assumption: at full strain the least-valued deployments halve in about 7 months (Russia invades "
     "2022-02, first Syrian repositioning reported 2022-05, timeline); a theater of half the top "
     "interest drains at half that rate"},
    {"retained_share", PS_REAL, "1", 0.0, 1.0, 0.3,
     "share of its reference commitment (initial, or set by the latest event) that an actor keeps in a "
     "theater however strained it is",
     "assumption: bases and core garrisons are kept while field positions are given up (timeline "
     "2022-05-04: Russian forces regroup at Hmeimim, Qamishli, Deir ez-Zor, T4)"},
    {"fill_rate", PS_REAL, "1", 0.0, 1.0, 0.5,
     "share of the presence (capacity x commitment) vacated by others that an unstrained actor with "
     "full interest in the theater takes over in the same month",
     "assumption: militias and allies move into vacated positions within weeks (timeline 2022-05-04, "
     "2022-05-26: Iran-backed militias take over Russian positions) but do not replace all of it"},
    {"reserve_share", PS_REAL, "1", 0.0, 1.0, 0.2,
     "share of its own production an actor keeps back rather than export",
     "assumption: suppliers keep a war reserve of about a fifth of output"},
    {"intervention_combat", PS_REAL, "1", 0.0, 1.0, 0.5,
     "combat intensity of the intervening actor after a military_intervention event",
     "assumption: an intervention (air campaign, advisers, special forces) is moderate fighting, "
     "below a full-scale invasion"},
    /* Supply that grows with paid orders (issue 16). Prices value the orders a
     * buyer places (is it able to pay?) and the capacity a supplier builds. */
    {"price_drones", PS_REAL, "USD/airframe", 1e4, 1e6, 1e5,
     "unit price of an armed drone in an arms deal",
     "assumption: loitering munitions of the Shahed-136 class cost tens of thousands of USD to make; "
     "export deals carry a mark-up, training and spares; to be calibrated"},
    {"price_munitions", PS_REAL, "USD/thousand rounds", 1e5, 1e7, 2e6,
     "price of a thousand artillery and other rounds in an arms deal",
     "assumption: Soviet-calibre 122/152 mm shells at about 1,000-3,000 USD each before 2022; to be "
     "calibrated"},
    {"price_air_defense", PS_REAL, "USD/system", 1e6, 1e9, 5e7,
     "price of an air-defense system (launcher or battery) in an arms deal",
     "assumption: between a short-range launcher (~10 million USD) and a long-range battery (hundreds of "
     "millions); to be calibrated"},
    {"price_aircraft", PS_REAL, "USD/airframe", 5e6, 2e8, 5e7,
     "price of a combat aircraft in an arms deal",
     "assumption: Su-35/J-10 class fighters are reported at 40-85 million USD; to be calibrated"},
    {"arms_import_budget", PS_REAL, "1", 0.0, 1.0, 0.1,
     "share of its military expenditure, oil export revenue and finance received that an actor can "
     "spend on arms imports (its means of payment)",
     "assumption: arms imports are a tenth or less of large buyers' spending (SIPRI: arms imports of "
     "major importers are a few to ~15% of their military expenditure); a belligerent with oil "
     "revenue can pay for far more than it imports in peace; to be calibrated"},
    {"build_lag", PS_REAL, "months", 1.0, 60.0, 12.0,
     "mean time from the decision to build capacity for paid orders to its output (first-order "
     "delay: 1/build_lag of the capacity under construction comes online each month)",
     "assumption: a new production line (tooling, suppliers, workforce) takes about a year; Iran's "
     "drone programme grew from existing lines (timeline 2022-07-11: 'preparing to provide up to "
     "several hundred'); to be calibrated"},
    {"capacity_capital", PS_REAL, "months", 0.0, 120.0, 12.0,
     "capital cost of one unit a month of new production capacity, in months of the value of its "
     "output at the unit price",
     "assumption: a defence production line costs about a year of its output's sales; to be "
     "calibrated"},
    {"licensed_share", PS_REAL, "1", 0.0, 1.0, 0.0,
     "share of the capacity for a buyer's paid orders that is built in the buyer's country under "
     "licence (the rest at the supplier)",
     "assumption: 0 until calibrated; nothing known by 2022-07-22 says that a buyer would produce "
     "a supplier's design at home"},
    {"expansion_max", PS_REAL, "1", 0.0, 20.0, 2.0,
     "largest production capacity an actor can add (built and under construction) per category, "
     "as a multiple of its base production of that category (an actor that makes none adds none)",
     "assumption: industries expand what they already make; tripling output within a few years is "
     "the order of wartime surges (e.g. US shell output planned to rise several-fold); to be "
     "calibrated"},
    /* A war can end (issue 16). */
    {"ceasefire_hazard", PS_REAL, "1/month", 0.0, 1.0, 0.015,
     "monthly probability that a war ends in a ceasefire when neither side is strained nor has "
     "losses (raised by strain and losses, below)",
     "Correlates of War inter-state wars 1816-2007: median duration 139 days, mean 408 days (a heavy "
     "tail: a war that has lasted months has a long expected remainder); at the strain and losses of "
     "a full-scale war (x ~2.4 below) this gives ~0.036/month, a mean remainder of ~2.3 years for a "
     "war already 5 months old; assumption to be calibrated"},
    {"hazard_strain", PS_REAL, "1", 0.0, 10.0, 1.0,
     "relative increase of the ceasefire hazard per unit of the two sides' mean military strain",
     "assumption: exhausted forces make a ceasefire more likely (Bennett & Stam 1996, APSR 90:239: "
     "capabilities and strategy, not regime type, drive war duration); to be calibrated"},
    {"hazard_losses", PS_REAL, "1", 0.0, 10.0, 1.0,
     "relative increase of the ceasefire hazard per unit of the two sides' mean losses (unmet share of "
     "full-war materiel use plus war damage, at most 1)",
     "assumption: as hazard_strain; to be calibrated"},
    {"hazard_duration_shape", PS_REAL, "1", 0.2, 3.0, 1.0,
     "Weibull shape of the ceasefire hazard in the war's duration: the hazard is multiplied by "
     "((months at war + 1)/12)^(shape - 1); 1 = no duration dependence",
     "Bennett & Stam 1996 (APSR 90:239-257, COW wars 1816-1985): 'wars are not duration "
     "dependent' once strategy, terrain and capabilities are accounted for"},
    {"ceasefire_depth", PS_REAL, "1", 0.0, 1.0, 0.9,
     "magnitude of a ceasefire the hazard draws: both sides' combat intensity is multiplied by "
     "(1 - depth), as by a `ceasefire` event",
     "assumption: a ceasefire leaves residual shelling along a frozen line (Donbas after Minsk II, "
     "2015-2021)"},
    {"war_combat_min", PS_REAL, "1", 0.0, 1.0, 0.5,
     "combat intensity both an attacker and the host must reach in the host's theater for their "
     "fighting to count as a war that the hazard can end",
     "assumption: garrison skirmishes and interventions (combat 0.05-0.3 in the 2022 configs) are not "
     "wars"},
    {"hazard_from_month", PS_INT, "months", 0, 1200, 0,
     "months after the run's start before which no ceasefire is drawn: the months whose course of "
     "the war the timeline records",
     "the information cut-off of a scenario (baseline_2022: 7, the evidence ends 2022-07-22)"},
};

/* Field table: theater fields, then actor fields, then per category
 * production, wartime use, need and spare (in the order of materiel[]). */
enum { F_COMMIT, F_COMBAT, F_INTEREST, F_INFLUENCE, F_CAPACITY, F_STRAIN, F_MAT0 };
enum { M_PROD, M_USE, M_NEED, M_SPARE, M_N };
#define F_MAT(c, k) (F_MAT0 + (c) * M_N + (k))
#define F_ADDED0 (F_MAT0 + N_MATERIEL * M_N) /* production_added_<c> */
#define F_INVEST (F_ADDED0 + N_MATERIEL)
#define F_PAID (F_INVEST + 1)
#define F_CAP_BASE (F_PAID + 1)
#define F_NFIELDS (F_CAP_BASE + 1)
static const ps_field fields[] = {
    {"commitment", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "share of the actor's deployable force committed to the theater",
     "initial: assumption per actor and theater in the config; timeline events"},
    {"combat", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "intensity of the actor's fighting in the theater (0 garrison, 1 full-scale war)",
     "initial: assumption per actor and theater in the config; timeline events"},
    {"interest", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "how much the actor values the theater: sets its priority and whether it fills a vacuum there",
     "assumption per actor and theater in the config (article: Syria as Russia's and Iran's catalyst)"},
    {"influence", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "actor's share of the capacity-weighted commitment in the theater",
     "computed"},
    {"military_capacity", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "military expenditure: the size of the force that commitment is a share of; the peacetime "
     "budget (military_capacity_base, which follows GDP) plus the economy's war spending",
     "SIPRI 2021 via World Bank MS.MIL.XPND.CD (shared/data/actors-2021.csv); assumption where NA"},
    {"military_strain", PS_ACTOR, "1", 0.0, 0.0, 1.0,
     "load of deployments, fighting and materiel shortfall (0 at peace, 1 at the limit)",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"production_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "domestic production of armed drones", "assumption per actor in the config"},
    {"wartime_use_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "armed drones used and lost at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drone consumption not covered by production and imports",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"materiel_spare_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drones the actor could export: production less own consumption and reserve", "computed"},
    {"production_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "domestic production of artillery and other munitions", "assumption per actor in the config"},
    {"wartime_use_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions fired at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions consumption not covered by production and imports",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"materiel_spare_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions the actor could export: production less own consumption and reserve", "computed"},
    {"production_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "domestic production of air-defense systems (launchers or batteries)",
     "assumption per actor in the config"},
    {"wartime_use_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems lost or worn out at full commitment and full combat",
     "assumption per actor in the config"},
    {"materiel_need_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense consumption not covered by production and imports",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"materiel_spare_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense systems the actor could export: production less own consumption and reserve",
     "computed"},
    {"production_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "domestic production of combat aircraft", "assumption per actor in the config"},
    {"wartime_use_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "combat aircraft lost at full commitment and full combat", "assumption per actor in the config"},
    {"materiel_need_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft consumption not covered by production and imports",
     "computed each month; initial value: the state before the first month (default unless "
     "configured)"},
    {"materiel_spare_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft the actor could export: production less own consumption and reserve", "computed"},
    {"production_added_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drone production capacity built for paid orders (export lines, and licensed lines for a "
     "buyer), on top of production_drones", "computed (0 at the start unless the config sets it)"},
    {"production_added_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions production capacity built for paid orders, on top of production_munitions",
     "computed (0 at the start unless the config sets it)"},
    {"production_added_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense production capacity built for paid orders, on top of production_air_defense",
     "computed (0 at the start unless the config sets it)"},
    {"production_added_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft production capacity built for paid orders, on top of production_aircraft",
     "computed (0 at the start unless the config sets it)"},
    {"arms_investment", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "capital spent on new arms production capacity (capacity coming online x capacity_capital x "
     "unit price), at an annual rate; not yet read by the economy",
     "computed"},
    {"arms_paid_share", PS_ACTOR, "1", 1.0, 0.0, 1.0,
     "share of the actor's arms bill (deliveries and unfilled orders at unit prices) its means of "
     "payment cover", "computed"},
    {"military_capacity_base", PS_ACTOR, "USD/yr", 0.0, 0.0, 1e13,
     "military expenditure before the war's extra spending: the initial military_capacity, moved "
     "each month by the economy's growth (a constant military burden) and by war damage; "
     "military_capacity is it plus the economy's military_spending_extra",
     "computed (the initial military_capacity at the start)"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_ARMS_DRONES, IN_ARMS_MUNITIONS, IN_ARMS_AIR_DEFENSE, IN_ARMS_AIRCRAFT, IN_WAR_DAMAGE,
       IN_BACKORDER0, IN_OIL_REVENUE = IN_BACKORDER0 + N_MATERIEL, IN_FINANCE_FLOW,
       IN_SPENDING_EXTRA, IN_GDP_GROWTH, IN_DAMAGE_CHANGE };
static const ps_input inputs[] = {
    {"arms_transfer_drones", PS_DYAD, 1, 0},
    {"arms_transfer_munitions", PS_DYAD, 1, 0},
    {"arms_transfer_air_defense", PS_DYAD, 1, 0},
    {"arms_transfer_aircraft", PS_DYAD, 1, 0},
    {"war_damage", PS_ACTOR, 1, 0},
    /* Supply growth: orders the supplier could not fill (cooperation), and
     * the buyer's means of payment besides its own military budget. */
    {"arms_backorder_drones", PS_DYAD, 1, 0},
    {"arms_backorder_munitions", PS_DYAD, 1, 0},
    {"arms_backorder_air_defense", PS_DYAD, 1, 0},
    {"arms_backorder_aircraft", PS_DYAD, 1, 0},
    {"oil_export_revenue", PS_ACTOR, 1, 0},
    {"finance_flow", PS_DYAD, 1, 0},
    /* Military expenditure: the economy's growth moves the peacetime budget
     * (a constant burden), its war spending adds to it. */
    {"military_spending_extra", PS_ACTOR, 1, 0},
    {"gdp_growth", PS_ACTOR, 1, 0},
    /* The budget is observed with the damage in it: it moves by the change. */
    {"war_damage_change", PS_ACTOR, 1, 0},
};

enum { E_INVASION, E_CEASEFIRE, E_INTERVENTION, E_MOVEMENT, E_NEVENTS };
static const ps_event_type events[] = {
    {"invasion", "1", 0.0, 1.0,
     "source invades the theater hosted by target: source commitment and combat there >= m; the host "
     "defends with commitment = combat = 1", 0, PS_EVENT_PAIR | PS_EVENT_THEATER, NULL},
    {"ceasefire", "1", 0.0, 1.0,
     "source and target (host) reduce their combat in the target's theater: combat *= (1 - m)", 0, PS_EVENT_PAIR | PS_EVENT_THEATER, NULL},
    {"military_intervention", "1", 0.0, 1.0,
     "source intervenes in the theater hosted by target: commitment >= m, combat >= intervention_combat", 0, PS_EVENT_PAIR | PS_EVENT_THEATER, NULL},
    {"troop_movement", "1", -1.0, 1.0,
     "source changes its commitment in the theater hosted by target by m share points "
     "(negative = withdrawal): commitment = clamp(commitment + m, 0, 1)", 0, PS_EVENT_PAIR | PS_EVENT_THEATER, NULL},
};

/* ---------------------------------------------------------------- metrics */
static double metric_peak_strain(const ps_run *run)
{
    int f = ps_field_index(fields[F_STRAIN].name);
    size_t n = (size_t)run->sc->n_actors * run->n_months;
    double peak = 0.0;
    for (size_t k = 0; k < n; k++)
        peak = ps_fmax(peak, run->series[f][k]);
    return peak;
}

/* Mean of a theater field for one actor over months [t0, t1); NaN if absent. */
static double theater_mean(const ps_run *run, const char *field, const char *iso3,
                           const char *theater, int y0, int m0, int y1, int m1)
{
    int f = ps_field_index(field), i = ps_scenario_actor(run->sc, iso3);
    int th = ps_scenario_theater(run->sc, theater), nt = run->sc->n_theaters;
    int t0 = ps_run_month(run, y0, m0), t1 = ps_run_month(run, y1, m1);
    if (f < 0 || i < 0 || th < 0 || t1 <= t0)
        return NAN;
    double s = 0.0;
    for (int t = t0; t < t1; t++)
        s += run->series[f][(size_t)t * run->sc->n_actors * nt + (size_t)i * nt + th];
    return s / (t1 - t0);
}

/* 2023 mean minus the mean before the invasion (months before 2022-02). */
static double metric_rus_syria(const ps_run *run)
{
    return theater_mean(run, fields[F_COMMIT].name, "RUS", "syria", 2023, 1, 2024, 1) -
           theater_mean(run, fields[F_COMMIT].name, "RUS", "syria", 1900, 1, 2022, 2);
}

static double metric_irn_syria(const ps_run *run)
{
    return theater_mean(run, fields[F_INFLUENCE].name, "IRN", "syria", 2023, 1, 2024, 1) -
           theater_mean(run, fields[F_INFLUENCE].name, "IRN", "syria", 1900, 1, 2022, 2);
}

static const ps_metric metrics[] = {
    {"peak_military_strain", "1", "highest monthly military strain of any actor", metric_peak_strain},
    {"rus_syria_commitment_change", "1",
     "Russia's commitment in Syria: mean over 2023 minus mean before 2022-02 (NaN if either is "
     "outside the run or RUS/syria are absent)",
     metric_rus_syria},
    {"irn_syria_influence_change", "1",
     "Iran's influence in Syria: mean over 2023 minus mean before 2022-02 (NaN as above)",
     metric_irn_syria},
};

/* ---------------------------------------------------------------- model */
/* Internal state (not output). */
enum { I_BASE, I_WAR_MONTHS, I_BUILDING0 };
static const ps_field internal[] = {
    {"military_base_commitment", PS_THEATER, "1", 0.0, 0.0, 1.0,
     "reference commitment of an actor in a theater: a drawdown keeps retained_share of it",
     "commitment at the start; raised by invasions and interventions, reset by movements"},
    {"military_war_months", PS_THEATER, "months", 0.0, 0.0, 1e4,
     "months an attacker has been at war in the theater (both it and the host fighting at "
     "war_combat_min or more); 0 when not at war",
     "0 at the start"},
    {"military_building_drones", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e6,
     "drone production capacity under construction for paid orders", "0 at the start"},
    {"military_building_munitions", PS_ACTOR, "thousand rounds/month", 0.0, 0.0, 1e5,
     "munitions production capacity under construction for paid orders", "0 at the start"},
    {"military_building_air_defense", PS_ACTOR, "systems/month", 0.0, 0.0, 1e4,
     "air-defense production capacity under construction for paid orders", "0 at the start"},
    {"military_building_aircraft", PS_ACTOR, "airframes/month", 0.0, 0.0, 1e4,
     "aircraft production capacity under construction for paid orders", "0 at the start"},
};

#define HAZARD_STREAM 51u /* random stream of this model (economy 1, oil 11, clients 31, strikes 41) */

typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int base;             /* internal: military_base_commitment */
    int war_months;       /* internal: military_war_months */
    int building[N_MATERIEL]; /* internal: military_building_<c> */
    int damage, change;   /* the damage model's war_damage, war_damage_change; -1 if absent */
    int arms[N_MATERIEL]; /* cooperation's arms_transfer_<c>; -1 if absent */
    int backorder[N_MATERIEL]; /* cooperation's arms_backorder_<c>; -1 if absent */
    int oil_revenue, finance; /* oil_export_revenue, finance_flow; -1 if absent */
    int extra, growth;    /* economy's military_spending_extra, gdp_growth; -1 if absent */
    ps_rng *rng;          /* the ceasefire hazard's draws */
    /* Scratch, rewritten by every step before it is read: */
    double *drop;         /* [actor][theater] presence vacated this month (USD/yr) */
    double *vacated;      /* [theater] total presence vacated this month */
    double *paid;         /* [actor] share of its arms bill the actor can pay (state t) */
    char *foe;            /* [actor][actor] 1 if the two are at war with each other (state t) */
    double *imports;      /* [materiel][actor] transfers received (column sums of arms) */
    double *gap_in;       /* [materiel][actor] own backorders at sellers not at war with it */
    double *ordered;      /* [materiel][actor] arms received + backorders (its bill) */
    double *fin_in;       /* [actor] finance received */
} military_data;

static void military_free(void *data)
{
    military_data *d = data;
    if (!d)
        return;
    free(d->drop);
    free(d->vacated);
    free(d->paid);
    free(d->foe);
    free(d->imports);
    free(d->gap_in);
    free(d->ordered);
    free(d->fin_in);
    ps_rng_free(d->rng);
    free(d);
}

static ps_status military_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    size_t nt = (size_t)w->n_theaters;
    military_data *d = calloc(1, sizeof *d);
    if (!d || !(d->drop = calloc((size_t)w->n_actors * nt + 1, sizeof(double))) ||
        !(d->vacated = calloc(nt + 1, sizeof(double))) ||
        !(d->paid = calloc((size_t)w->n_actors + 1, sizeof(double))) ||
        !(d->foe = calloc((size_t)w->n_actors * w->n_actors + 1, 1)) ||
        !(d->imports = calloc((size_t)w->n_actors * N_MATERIEL + 1, sizeof(double))) ||
        !(d->gap_in = calloc((size_t)w->n_actors * N_MATERIEL + 1, sizeof(double))) ||
        !(d->ordered = calloc((size_t)w->n_actors * N_MATERIEL + 1, sizeof(double))) ||
        !(d->fin_in = calloc((size_t)w->n_actors + 1, sizeof(double))) ||
        !(d->rng = ps_rng_alloc())) {
        military_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    for (int c = 0; c < N_MATERIEL; c++) {
        d->arms[c] = ps_model_input(self, IN_ARMS_DRONES + c); /* absent: no imports */
        d->backorder[c] = ps_model_input(self, IN_BACKORDER0 + c); /* absent: no orders */
        d->building[c] = ps_model_internal(self, I_BUILDING0 + c);
    }
    d->base = ps_model_internal(self, I_BASE);
    d->war_months = ps_model_internal(self, I_WAR_MONTHS);
    d->damage = ps_model_input(self, IN_WAR_DAMAGE);
    d->change = ps_model_input(self, IN_DAMAGE_CHANGE);
    d->oil_revenue = ps_model_input(self, IN_OIL_REVENUE);
    d->finance = ps_model_input(self, IN_FINANCE_FLOW);
    d->extra = ps_model_input(self, IN_SPENDING_EXTRA);
    d->growth = ps_model_input(self, IN_GDP_GROWTH);
    /* Initial values are in place before models' init. */
    memcpy(w->cur[d->base], w->cur[d->f[F_COMMIT]], (size_t)w->n_actors * nt * sizeof(double));
    memcpy(w->cur[d->f[F_CAP_BASE]], w->cur[d->f[F_CAPACITY]], (size_t)w->n_actors * sizeof(double));
    *data = d;
    return PS_OK;
}

/* influence_iθ = c_iθ cap_i / Σ_k c_kθ cap_k for one theater, from next. */
static void update_influence(ps_world *w, const military_data *d, int th)
{
    int n = w->n_actors, nt = w->n_theaters;
    const double *c = w->next[d->f[F_COMMIT]], *cap = w->cur[d->f[F_CAPACITY]];
    double *infl = w->next[d->f[F_INFLUENCE]];
    double total = 0.0;
    for (int i = 0; i < n; i++)
        total += c[(size_t)i * nt + th] * cap[i];
    for (int i = 0; i < n; i++)
        infl[(size_t)i * nt + th] = total > 0.0 ? c[(size_t)i * nt + th] * cap[i] / total : 0.0;
}

/* Share of i's arms bill that its means of payment cover (state t). The bill
 * is 12 x the value at unit prices of what suppliers deliver to i and of what
 * they could not deliver (USD/yr); the means are arms_import_budget x (military
 * expenditure + oil export revenue + finance received). No bill: 1. */
static double paid_share(const ps_world *w, const military_data *d, const double *p, int i)
{
    const int n = w->n_actors;
    double bill = 0.0;
    for (int c = 0; c < N_MATERIEL; c++)
        bill += p[P_PRICE0 + c] * d->ordered[(size_t)c * n + i];
    bill *= 12.0;
    double fin = d->finance >= 0 ? d->fin_in[i] : 0.0;
    double oil = ps_world_input(w, d->oil_revenue)[i];
    double means = p[P_BUDGET] * (w->cur[d->f[F_CAPACITY]][i] + oil + fin);
    return bill > 0.0 ? ps_fmin(1.0, means / bill) : 1.0;
}

/* The `ceasefire` event's effect, for timeline events and drawn ceasefires:
 * the source's and the host's combat in the theater x (1 - m), in next. */
static void apply_ceasefire(ps_world *w, const military_data *d, int src, int host, int th,
                            double m)
{
    int nt = w->n_theaters;
    double *combat = w->next[d->f[F_COMBAT]];
    combat[(size_t)src * nt + th] *= 1.0 - m;
    combat[(size_t)host * nt + th] *= 1.0 - m;
}

/* Losses of actor i at state t: unmet share of its full-war materiel use (mean
 * over the categories it uses) plus war damage, at most 1. */
static double war_losses(const ps_world *w, const military_data *d, const double *dmg, int i)
{
    double s = 0.0;
    int used = 0;
    for (int c = 0; c < N_MATERIEL; c++) {
        double use = w->cur[d->f[F_MAT(c, M_USE)]][i];
        if (use > 0.0) {
            s += w->cur[d->f[F_MAT(c, M_NEED)]][i] / use;
            used++;
        }
    }
    return ps_fmin(1.0, (used ? s / used : 0.0) + (dmg ? dmg[i] : 0.0));
}

/* Is attacker i at war with the host h of theater th (state t)? Both fight
 * there at war_combat_min or more, and more than 0. */
static int at_war(const ps_world *w, const military_data *d, const double *p, int i, int th)
{
    const int nt = w->n_theaters, h = w->sc->theater_host[th];
    if (h < 0 || i == h)
        return 0;
    const double *combat = w->cur[d->f[F_COMBAT]];
    double ki = combat[(size_t)i * nt + th], kh = combat[(size_t)h * nt + th];
    return ki > 0.0 && ki >= p[P_WAR_COMBAT] && kh > 0.0 && kh >= p[P_WAR_COMBAT];
}

/* Wars and their end (serial, fixed order: it draws and logs). A war is an
 * attacker i and the host h both fighting at war_combat_min or more (and > 0)
 * in h's theater. Its months at war count up; from hazard_from_month on it
 * ends this month with probability
 *   q = min(1, h0 (1 + b_s (s_i + s_h)/2 + b_l (l_i + l_h)/2) ((d + 1)/12)^(k - 1)),
 * a uniform draw on stream HAZARD_STREAM keyed by (i, h). */
static ps_status war_hazard(ps_world *w, military_data *d, const double *p, const double *dmg,
                            ps_error *err)
{
    const int n = w->n_actors, nt = w->n_theaters;
    const double *strain = w->cur[d->f[F_STRAIN]];
    const double *months = w->cur[d->war_months];
    double *months1 = w->next[d->war_months];
    const int draw = w->month >= (int)p[P_HAZ_FROM];
    for (int th = 0; th < nt; th++) {
        int h = w->sc->theater_host[th];
        for (int i = 0; i < n; i++) {
            size_t it = (size_t)i * nt + th;
            int war = at_war(w, d, p, i, th);
            months1[it] = war ? months[it] + 1.0 : 0.0;
            if (!war || !draw)
                continue;
            double s = 0.5 * (strain[i] + strain[h]);
            double l = 0.5 * (war_losses(w, d, dmg, i) + war_losses(w, d, dmg, h));
            double q = p[P_HAZARD] * (1.0 + p[P_HAZ_STRAIN] * s + p[P_HAZ_LOSSES] * l) *
                       pow((months[it] + 1.0) / 12.0, p[P_HAZ_SHAPE] - 1.0);
            uint64_t id = ps_hash64(ps_world_actor_key(w, i) ^ ps_hash64(ps_world_actor_key(w, h)));
            gsl_rng *r = ps_rng_key(d->rng, w->seed, w->replicate, w->month, id, HAZARD_STREAM);
            if (q > 0.0 && gsl_rng_uniform(r) < ps_fmin(1.0, q)) {
                apply_ceasefire(w, d, i, h, th, p[P_CEASE_DEPTH]);
                if (ps_world_log_event(w, events[E_CEASEFIRE].name, i, h, p[P_CEASE_DEPTH],
                                       "drawn: war hazard") != PS_OK)
                    return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
            }
        }
    }
    return PS_OK;
}

/* Column sums, for the columns of block b and every category, in one pass
 * over its arms and backorder arrays (three calls of ps_dyad_column_sums
 * read each twice): imports (arms), gap_in (backorders of sellers not at war
 * with the buyer) and ordered (arms + backorders). Each sum adds the same
 * terms in the same row order as those calls; a skipped term becomes + 0.0,
 * which leaves a sum that starts at +0 as it is. A category without one of
 * the arrays reads the world's zeros in its place (ps_world_input), as one
 * row (row stride 0, so it stays in cache), so its sums are the other
 * array's, bit for bit, by the same loop. */
PS_HOT static void received_block(ps_world *w, void *data, const double *p, int b)
{
    (void)p;
    military_data *d = data;
    const int n = w->n_actors, i0 = b * PS_COLUMN_BLOCK;
    const int i1 = ps_block_end(b, PS_COLUMN_BLOCK, n);
    for (int c = 0; c < N_MATERIEL; c++) {
        const int has_a = d->arms[c] >= 0, has_o = d->backorder[c] >= 0;
        const double *arms = ps_world_input(w, d->arms[c]);
        const double *bo = ps_world_input(w, d->backorder[c]);
        const size_t sa = has_a ? (size_t)n : 0, so = has_o ? (size_t)n : 0;
        /* restrict: the sums are the model's own scratch, apart from the
         * world's fields, so the loops below are vectorised (each column's
         * sums still add the rows in order). */
        double *restrict imp = d->imports + (size_t)c * n;
        double *restrict gin = d->gap_in + (size_t)c * n;
        double *restrict ord = d->ordered + (size_t)c * n;
        for (int i = i0; i < i1; i++)
            imp[i] = gin[i] = ord[i] = 0.0;
        if (!has_a && !has_o)
            continue;
        for (int j = 0; j < n; j++) {
            const double *restrict ar = arms + (size_t)j * sa, *restrict br = bo + (size_t)j * so;
            const char *restrict foe = d->foe + (size_t)j * n;
            for (int i = i0; i < i1; i++) {
                imp[i] += ar[i];
                ord[i] += ar[i] + br[i];
            }
            /* Apart, and with the backorder read unconditionally: GCC
             * vectorises neither loop when they are one. */
            for (int i = i0; i < i1; i++) {
                const double o = br[i];
                gin[i] += foe[i] ? 0.0 : o;
            }
        }
    }
}

PS_HOT static void paid_item(ps_world *w, void *data, const double *p, int i)
{
    military_data *d = data;
    d->paid[i] = paid_share(w, d, p, i);
}

/* Step 1 for actor i: consumption, needs, spare, capacity for paid orders,
 * strain, drawdown. Reads state t (and d->paid, d->imports, ...); writes only
 * actor i's entries. */
PS_HOT static void actor_pass(ps_world *w, void *data, const double *p, int i)
{
    military_data *d = data;
    const int n = w->n_actors, nt = w->n_theaters;
    const double a = p[P_DEPLOY], b = p[P_COMBAT], thr = p[P_THRESHOLD];
    const double *c0 = w->cur[d->f[F_COMMIT]], *combat = w->cur[d->f[F_COMBAT]];
    const double *interest = w->cur[d->f[F_INTEREST]], *cap = w->cur[d->f[F_CAPACITY]];
    double *c1 = w->next[d->f[F_COMMIT]], *strain = w->next[d->f[F_STRAIN]];
    const double *base = w->cur[d->base];
    /* Strikes put capacity and production lines out of action (damage model). */
    const double *dmg = ps_world_input_or_null(w, d->damage);
    const size_t row = (size_t)i * nt;
    double exposure = 0.0, load = 0.0, imax = 0.0;
    for (int th = 0; th < nt; th++) {
        exposure += c0[row + th] * combat[row + th];
        load += c0[row + th] * (a + b * combat[row + th]);
        imax = ps_fmax(imax, interest[row + th]);
    }
    double shortfall = 0.0, invest = 0.0;
    int used = 0;
    const double working = 1.0 - (dmg ? dmg[i] : 0.0);
    for (int c = 0; c < N_MATERIEL; c++) {
        double base_prod = w->cur[d->f[F_MAT(c, M_PROD)]][i] * working;
        double added = w->cur[d->f[F_ADDED0 + c]][i];
        double prod = base_prod + added * working;
        double use = w->cur[d->f[F_MAT(c, M_USE)]][i], cons = use * exposure;
        double imports = d->arms[c] >= 0 ? d->imports[(size_t)c * n + i] : 0.0;
        double need = ps_fmax(0.0, cons - prod - imports);
        w->next[d->f[F_MAT(c, M_NEED)]][i] = need;
        /* Capacity built for export orders is not held in reserve. */
        w->next[d->f[F_MAT(c, M_SPARE)]][i] =
            ps_fmax(0.0, base_prod * (1.0 - p[P_RESERVE]) + added * working - cons);
        if (use > 0.0) {
            shortfall += need / use;
            used++;
        }
        /* Paid orders nobody could fill, between actors not at war with
         * each other: at i for its buyers, and (licensed share) i's own.
         * Capacity under construction closes the gap, up to
         * expansion_max x base production. */
        double gap_out = 0.0, gap_in = 0.0;
        if (d->backorder[c] >= 0) {
            const double *bo = w->cur[d->backorder[c]];
            const char *foe = d->foe + (size_t)i * n;
            for (int k = 0; k < n; k++)
                if (!foe[k])
                    gap_out += d->paid[k] * bo[(size_t)i * n + k];
            gap_in = d->gap_in[(size_t)c * n + i];
        }
        double gap = (1.0 - p[P_LICENSED]) * gap_out + p[P_LICENSED] * d->paid[i] * gap_in;
        double building = w->cur[d->building[c]][i];
        double done = building / p[P_BUILD_LAG];
        double room = ps_fmax(0.0, p[P_EXPANSION] * w->cur[d->f[F_MAT(c, M_PROD)]][i] - added -
                                       building);
        w->next[d->f[F_ADDED0 + c]][i] = added + done;
        w->next[d->building[c]][i] = building - done + ps_fmin(room, ps_fmax(0.0, gap - building));
        invest += p[P_CAPITAL] * p[P_PRICE0 + c] * done;
    }
    w->next[d->f[F_INVEST]][i] = 12.0 * invest;
    w->next[d->f[F_PAID]][i] = d->paid[i];
    /* Military expenditure (ODD 7.6): the base follows GDP (the economy's
     * growth of state t, as GDP moves by (1 + g)^(1/12)) and war damage; the
     * war's extra spending (economy, state t) comes on top. With neither
     * input, the base stays the initial capacity, and capacity with it. */
    double cap_base = w->cur[d->f[F_CAP_BASE]][i];
    if (d->growth >= 0)
        cap_base *= pow(1.0 + w->cur[d->growth][i], 1.0 / 12.0);
    if (d->change >= 0)
        cap_base *= w->cur[d->change][i];
    w->next[d->f[F_CAP_BASE]][i] = cap_base;
    w->next[d->f[F_CAPACITY]][i] = cap_base + ps_world_input(w, d->extra)[i];
    double s = load + p[P_MATERIEL] * (used ? shortfall / used : 0.0);
    s = ps_fmin(1.0, ps_fmax(0.0, s));
    strain[i] = s;
    double excess = ps_fmax(0.0, (s - thr) / (1.0 - thr));
    for (int th = 0; th < nt; th++) {
        double prio = imax > 0.0 ? 1.0 - interest[row + th] / imax : 1.0;
        double keep = p[P_RETAINED] * base[row + th];
        double cut = p[P_DRAWDOWN] * excess * prio * ps_fmax(0.0, c0[row + th] - keep);
        c1[row + th] = c0[row + th] - cut;
        d->drop[row + th] = cut * cap[i];
    }
}

/* Step 3 for actor i: an unstrained actor with an interest fills presence
 * others vacated, within its headroom. Writes only actor i's commitments. */
PS_HOT static void fill_pass(ps_world *w, void *data, const double *p, int i)
{
    const military_data *d = data;
    const int nt = w->n_theaters;
    const size_t row = (size_t)i * nt;
    const double thr = p[P_THRESHOLD];
    const double *interest = w->cur[d->f[F_INTEREST]], *cap = w->cur[d->f[F_CAPACITY]];
    const double *strain = w->next[d->f[F_STRAIN]];
    double *c1 = w->next[d->f[F_COMMIT]];
    double willing = ps_fmax(0.0, 1.0 - strain[i] / thr);
    if (cap[i] <= 0.0 || willing <= 0.0)
        return;
    double used = 0.0, want = 0.0;
    for (int th = 0; th < nt; th++) {
        used += c1[row + th];
        want += willing * p[P_FILL] * interest[row + th] *
                (d->vacated[th] - d->drop[row + th]) / cap[i];
    }
    double headroom = ps_fmax(0.0, 1.0 - used);
    if (want <= 0.0 || headroom <= 0.0)
        return;
    double scale = want > headroom ? headroom / want : 1.0;
    for (int th = 0; th < nt; th++)
        c1[row + th] += scale * willing * p[P_FILL] * interest[row + th] *
                        (d->vacated[th] - d->drop[row + th]) / cap[i];
}

PS_HOT static ps_status military_step(ps_world *w, int self, void *data, ps_error *err)
{
    military_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors, nt = w->n_theaters;
    /* Strikes put capacity and production lines out of action (damage model). */
    const double *dmg = ps_world_input_or_null(w, d->damage);

    /* 0. Who is at war with whom (serial), who can pay for its orders (state t;
     * own entry only). */
    memset(d->foe, 0, (size_t)n * n);
    for (int th = 0; th < nt; th++)
        for (int i = 0; i < n; i++)
            if (at_war(w, d, p, i, th)) {
                int h = w->sc->theater_host[th];
                d->foe[(size_t)i * n + h] = d->foe[(size_t)h * n + i] = 1;
            }
    /* Sums down the columns of the arms, backorder and finance arrays, read
     * row by row (ps_dyad_column_sums); foe is symmetric, so it masks column i
     * as it masks row i. */
    ps_inner_for(w, ps_block_count(n, PS_COLUMN_BLOCK), received_block, d, p);
    if (d->finance >= 0)
        ps_dyad_column_sums(w, w->cur[d->finance], NULL, NULL, d->fin_in);
    ps_inner_for(w, n, paid_item, d, p);

    /* 1. Per actor (own row only). */
    ps_inner_for(w, n, actor_pass, d, p);

    /* 1b. Wars that end this month (serial: draws, events). */
    ps_status st = war_hazard(w, d, p, dmg, err);
    if (st != PS_OK)
        return st;

    /* 2. Presence vacated per theater (serial, fixed order). */
    for (int th = 0; th < nt; th++) {
        double v = 0.0;
        for (int i = 0; i < n; i++)
            v += d->drop[(size_t)i * nt + th];
        d->vacated[th] = v;
    }

    /* 3. Vacuum filling by unstrained actors with an interest, within their headroom. */
    ps_inner_for(w, n, fill_pass, d, p);

    /* 4. Influence: shares of capacity-weighted commitment. */
    for (int th = 0; th < nt; th++)
        update_influence(w, d, th);
    return PS_OK;
}

static ps_status military_event(ps_world *w, int self, void *data, const ps_event *ev,
                                ps_error *err)
{
    military_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const ps_scenario *sc = w->sc;
    int nt = w->n_theaters;
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    int th = -1;
    for (int k = 0; k < nt && th < 0; k++)
        if (sc->theater_host[k] == ev->target)
            th = k;
    if (th < 0)
        return ps_error_set(err, PS_ERR_CONFIG,
                            "no theater lies in target %s; expected a theater with host: %s "
                            "under theaters",
                            sc->actor_iso3[ev->target], sc->actor_iso3[ev->target]);
    double *c = w->next[d->f[F_COMMIT]], *combat = w->next[d->f[F_COMBAT]];
    double *base = w->next[d->base];
    size_t src = (size_t)ev->source * nt + th, host = (size_t)ev->target * nt + th;
    double m = ev->magnitude;
    if (ev->type == d->ev[E_INVASION]) {
        c[src] = ps_fmax(c[src], m);
        combat[src] = ps_fmax(combat[src], m);
        c[host] = 1.0;
        combat[host] = 1.0;
        base[src] = ps_fmax(base[src], c[src]);
        base[host] = 1.0;
    } else if (ev->type == d->ev[E_CEASEFIRE]) {
        apply_ceasefire(w, d, ev->source, ev->target, th, m);
    } else if (ev->type == d->ev[E_INTERVENTION]) {
        c[src] = ps_fmax(c[src], m);
        combat[src] = ps_fmax(combat[src], p[P_INTERVENTION]);
        base[src] = ps_fmax(base[src], c[src]);
    } else if (ev->type == d->ev[E_MOVEMENT]) {
        c[src] = ps_fmin(1.0, ps_fmax(0.0, c[src] + m));
        base[src] = c[src]; /* a deliberate new posture */
    } else {
        return ps_error_set(err, PS_ERR_INTERNAL, "event type %d is not military", ev->type);
    }
    update_influence(w, d, th);
    return PS_OK;
}

const ps_model ps_model_military = {
    .name = "military",
    .description = "force commitment and combat per theater; materiel consumption against "
                   "production and imports; strain; drawdown of low-priority theaters and "
                   "vacuum filling; influence per theater",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .metric_reads = "commitment influence military_strain",
    .computed = "influence materiel_spare_drones materiel_spare_munitions "
                "materiel_spare_air_defense materiel_spare_aircraft arms_investment "
                "arms_paid_share military_capacity_base",
    .init = military_init,
    .step = military_step,
    .apply_event = military_event,
    .free = military_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
