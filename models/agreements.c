/* Formal agreements between pairs of actors.
 *
 * A dyad's agreement level is one of four rungs: 0 none, 1 consultations, 2
 * strategic partnership, 3 mutual-defense alliance (stored as a double,
 * symmetric). It climbs one rung after cooperation, mutual trust and a shared
 * threat have stayed above the next rung's thresholds for `months_up`
 * months in a row, and falls one rung after cooperation or mutual trust have
 * stayed below the current rung's thresholds less a hysteresis margin for
 * `months_down` months. A shared threat is needed to form a partnership or an
 * alliance, not to keep one. The alliance rung asks for high trust as well as
 * high cooperation and threat, so a convergence of interests (the article's
 * "not an alliance, but a convergence") does not reach it. Level changes are
 * logged as `agreement_change`; a timeline `agreement` event sets a level
 * (a treaty signed or denounced). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pactsim_model.h"

enum { P_COOP1, P_COOP2, P_COOP3, P_TRUST1, P_TRUST2, P_TRUST3, P_THREAT1, P_THREAT2,
       P_THREAT3, P_HYST, P_UP, P_DOWN, P_ENTRAP, P_RIVAL };
static const ps_param params[] = {
    {"coop_consultations", PS_REAL, "1", 0.0, 1.0, 0.2,
     "cooperation needed to rise to consultations (level 1)",
     "assumption: regular consultations between states with modest ties"},
    {"coop_partnership", PS_REAL, "1", 0.0, 1.0, 0.4,
     "cooperation needed to rise to a strategic partnership (level 2)",
     "assumption: about the baseline's Russia-China cooperation (0.45), whose 2001 treaty and 2022 joint "
     "statement make a strategic partnership"},
    {"coop_alliance", PS_REAL, "1", 0.0, 1.0, 0.7,
     "cooperation needed to rise to a mutual-defense alliance (level 3)",
     "assumption: near the transatlantic level (0.8 in the baseline); "
     "not informed by ATOP 1980-2018: the history calibration leaves it at its prior, and the "
     "model's pair states do not separate ATOP's alliances (AUC 0.5; docs/validation.md, "
     "'Alliance thresholds and the alliance data')"},
    {"trust_consultations", PS_REAL, "1", 0.0, 1.0, 0.1,
     "mutual trust (the lower of the two directions) needed to rise to consultations",
     "assumption: consultations ask for little trust"},
    {"trust_partnership", PS_REAL, "1", 0.0, 1.0, 0.3,
     "mutual trust needed to rise to a strategic partnership",
     "assumption: above the baseline's Russia-Iran trust (0.2; article: Bushehr delays, the suspended "
     "air-defense sale)"},
    {"trust_alliance", PS_REAL, "1", 0.0, 1.0, 0.6,
     "mutual trust needed to rise to a mutual-defense alliance",
     "assumption: a promise to fight for the other needs trust near the transatlantic level (0.7); "
     "'the alliance level needs far more than convergence' (issue); "
     "not informed by ATOP 1980-2018: the history calibration leaves it at its prior, and the "
     "model's pair states do not separate ATOP's alliances (AUC 0.5; docs/validation.md, "
     "'Alliance thresholds and the alliance data')"},
    {"threat_consultations", PS_REAL, "1", 0.0, 1.0, 0.0,
     "shared threat needed to rise to consultations",
     "assumption: consultations need no common adversary"},
    {"threat_partnership", PS_REAL, "1", 0.0, 1.0, 0.15,
     "shared threat needed to rise to a strategic partnership",
     "assumption: a common sanctioner or a shared isolation somewhat above the pre-2022 Russia-Iran level "
     "(about 0.1)"},
    {"threat_alliance", PS_REAL, "1", 0.0, 1.0, 0.4,
     "shared threat needed to rise to a mutual-defense alliance",
     "assumption: alliances form against a serious common adversary; "
     "not informed by ATOP 1980-2018: the history calibration leaves it at its prior, and the "
     "model's pair states do not separate ATOP's alliances (AUC 0.5; docs/validation.md, "
     "'Alliance thresholds and the alliance data')"},
    {"hysteresis", PS_REAL, "1", 0.0, 1.0, 0.75,
     "margin below a level's cooperation and trust thresholds at which the level starts to erode",
     "calibrated: the history against ATOP 1980-2018 (configs/calibration/history_1979_2022.yaml): "
     "posterior median 0.76, 90 % [0.18, 0.97] (0.79 [0.45, 0.97] fitted to the rows to 2015); the "
     "former assumption 0.15 lies below the interval: treaties outlast the cooperation that made "
     "them (docs/validation.md, 'Agreements that last')"},
    {"months_up", PS_INT, "months", 1, 240, 12,
     "months the next level's conditions must hold in a row before the level rises",
     "assumption: a treaty or partnership declaration takes about a year to negotiate"},
    {"months_down", PS_INT, "months", 1, 240, 120,
     "months a level's keeping conditions must fail in a row before the level falls",
     "calibrated: the history against ATOP 1980-2018: posterior median 132, 90 % [14, 224] (120 "
     "[12, 226] fitted to the rows to 2015); the former assumption, a year, let the Arab League's "
     "defence treaty erode within two years of 1979 while ATOP has it in force to 2011 and beyond"},
    {"entrapment_cost", PS_REAL, "1", 0.0, 1.0, 0.5,
     "what a mutual-defense alliance costs a side per unit of the partner's combat in theaters "
     "the side does not host (the risk of being drawn into the partner's wars), in units of shared "
     "threat; a strategic partnership costs half of it, consultations nothing",
     "assumption: the entrapment side of the alliance security dilemma "
     "(Snyder 1984, World Politics 36:461-495); half the value of a fully shared threat for an "
     "alliance with a partner at full-scale war; the history calibration leaves it at its prior "
     "(docs/validation.md, 'Alliance thresholds and the alliance data')"},
    {"rivalry_cost", PS_REAL, "1", 0.0, 1.0, 0.2,
     "what a partnership or alliance costs a side per unit of oil-market rivalry with the partner "
     "(competition for the same buyers), in units of shared threat; consultations cost nothing",
     "assumption: the article's 'Russia and Iran are competitors' in the Asian "
     "crude market; a fifth of a fully shared threat for complete overlap; the history calibration "
     "leaves it at its prior (docs/validation.md, 'Alliance thresholds and the alliance data')"},
};

enum { F_LEVEL, F_THREAT, F_NFIELDS };
static const ps_field fields[] = {
    {"agreement_level", PS_DYAD, "level", -1.0, -1.0, 3.0,
     "formal agreement between the pair (symmetric): 0 none, 1 consultations, 2 strategic "
     "partnership, 3 mutual-defense alliance. Initial -1 (the default) = not given: the highest "
     "level whose rise conditions hold at the start (never -1 in output)",
     "initial: per pair in the config (treaties in force, or assumption), else derived from the "
     "initial state; then the model and `agreement` events"},
    {"shared_threat", PS_DYAD, "1", 0.0, 0.0, 1.0,
     "threat the pair shares (symmetric): the larger of their common isolation and their common "
     "antagonism with any third actor (sanctions either way, or combat in each other's theaters)",
     "computed"},
};

/* Internal state (not output): months in a row a pair's rise / fall condition
 * held, counted in the pair's (i < j) entry. */
enum { I_UP, I_DOWN, I_NFIELDS };
static const ps_field internal[] = {
    {"agreement_months_rising", PS_DYAD, "months", 0.0, 0.0, 1e9,
     "months in a row the pair's conditions for the next level held (entry i < j)",
     "0 at the start; reset by a level change or an `agreement` event"},
    {"agreement_months_falling", PS_DYAD, "months", 0.0, 0.0, 1e9,
     "months in a row the pair's conditions for keeping its level failed (entry i < j)",
     "0 at the start; reset by a level change or an `agreement` event"},
};

/* Other models' fields this model reads from state t (optional: the
 * coupling is off when the owning model is not in the pipeline; at_init: its
 * init reads it too, so the owner's init runs first). */
enum { IN_COOPERATION, IN_TRUST, IN_ISOLATION, IN_SANCTION_INTENSITY, IN_COMBAT, IN_RIVALRY };
static const ps_input inputs[] = {
    {"cooperation", PS_DYAD, 1, 1},
    {"trust", PS_DYAD, 1, 1},
    {"isolation", PS_ACTOR, 1, 1},
    {"sanction_intensity", PS_DYAD, 1, 1},
    {"combat", PS_THEATER, 1, 1},
    {"rivalry", PS_DYAD, 1, 1},
};

enum { E_AGREEMENT, E_CHANGE, E_NEVENTS };
static const ps_event_type events[] = {
    {"agreement", "level", 0.0, 3.0,
     "source and target sign (or denounce) an agreement: the pair's level becomes round(m); the "
     "persistence counters restart", 0, PS_EVENT_PAIR, NULL},
    {"agreement_change", "level", 0.0, 3.0,
     "the model: the pair's agreement level moved one rung; magnitude = the new level", 1, 0, NULL},
};

/* ---------------------------------------------------------------- metrics */
static double metric_rus_irn_max(const ps_run *run)
{
    int i = ps_scenario_actor(run->sc, "RUS"), j = ps_scenario_actor(run->sc, "IRN");
    if (i < 0 || j < 0 || run->n_months <= 0)
        return NAN;
    double m = 0.0;
    for (int t = 0; t < run->n_months; t++)
        m = ps_fmax(m, ps_run_dyad(run, fields[F_LEVEL].name, i, j, t));
    return m;
}

static double metric_changes(const ps_run *run)
{
    int e = ps_registry_find_event_type("agreement_change");
    double c = 0.0;
    for (int k = 0; k < run->n_events; k++)
        c += run->events[k].type == e;
    return c;
}

static const ps_metric metrics[] = {
    {"rus_irn_agreement_max", "level",
     "highest Russia-Iran agreement level in the run (NaN if RUS or IRN is absent)",
     metric_rus_irn_max},
    {"agreement_changes", "1", "number of agreement level changes made by the model in the run",
     metric_changes},
};

/* ---------------------------------------------------------------- model */
typedef struct {
    int f[F_NFIELDS];
    int ev[E_NEVENTS];
    int in[I_NFIELDS];
    int coop, trust, iso, sanc, combat, rival;
    /* Scratch, rewritten by every step before it is read: */
    double *war1, *war2; /* [i] i's highest combat anywhere; its highest in theaters of another host */
    int *war1_host;      /* [i] the host of the theater of war1 (-2: none) */
    signed char *cond; /* [pair] this month: +1 rise condition, -1 fall condition, 0 neither */
    double *antag;    /* [pair] antagonism, symmetric */
    int *foes, *n_foes; /* [i][..]: the k with antag[i][k] > 0, in index order; their count */
    char *hosts;        /* [i]: i hosts a theater (fixed at init) */
} agree_data;

static void agree_free(void *data)
{
    agree_data *d = data;
    if (!d)
        return;
    free(d->cond);
    free(d->antag);
    free(d->foes);
    free(d->n_foes);
    free(d->war1);
    free(d->war2);
    free(d->war1_host);
    free(d->hosts);
    free(d);
}

/* Antagonism a_ik = max(sanctions i->k, k->i, combat of i in k's theaters, of k in i's):
 * row i. */
PS_HOT static void antagonism_row(ps_world *w, void *data, const double *p, int i)
{
    (void)p;
    agree_data *d = data;
    const int n = w->n_actors, nt = w->n_theaters;
    /* The arrays in locals: a store to d->antag could alias the world and d,
     * so the compiler reloaded w->cur, d->sanc and the hosts for every pair. */
    const double *sanc = ps_world_input_or_null(w, d->sanc);
    const double *combat = ps_world_input_or_null(w, d->combat);
    const int *host = w->sc->theater_host;
    double *antag = d->antag;
    const char *hosts = d->hosts;
    for (int k = 0; k < n; k++) {
        size_t ik = (size_t)i * n + k, ki = (size_t)k * n + i;
        double a = i == k ? 0.0 : ps_fmax(sanc ? sanc[ik] : 0.0, sanc ? sanc[ki] : 0.0);
        /* Only theaters hosted by i or k count: none if neither hosts one. */
        if (i != k && combat && (hosts[i] || hosts[k]))
            for (int th = 0; th < nt; th++) {
                if (host[th] == k)
                    a = ps_fmax(a, combat[(size_t)i * nt + th]);
                else if (host[th] == i)
                    a = ps_fmax(a, combat[(size_t)k * nt + th]);
            }
        antag[ik] = a;
    }
}

PS_HOT static void antagonism(ps_world *w, agree_data *d)
{
    const int n = w->n_actors, nt = w->n_theaters;
    ps_inner_for(w, n, antagonism_row, d, NULL);
    /* Each actor's wars: its highest combat, and its highest in a theater of
     * another host, so a partner's exposure excluding the partner's own
     * territory costs O(1) per pair. */
    for (int i = 0; i < n; i++) {
        double w1 = 0.0, w2 = 0.0;
        int h1 = -2;
        for (int th = 0; d->combat >= 0 && th < nt; th++)
            if (w->cur[d->combat][(size_t)i * nt + th] > w1) {
                w1 = w->cur[d->combat][(size_t)i * nt + th];
                h1 = w->sc->theater_host[th];
            }
        for (int th = 0; d->combat >= 0 && th < nt; th++)
            if (w->sc->theater_host[th] != h1)
                w2 = ps_fmax(w2, w->cur[d->combat][(size_t)i * nt + th]);
        d->war1[i] = w1;
        d->war2[i] = w2;
        d->war1_host[i] = h1;
    }
    /* Antagonism is sparse (few senders, few theaters): list each row's foes
     * so the shared threat of a pair costs O(foes), not O(N). */
    for (int i = 0; i < n; i++) {
        int c = 0;
        for (int k = 0; k < n; k++)
            if (d->antag[(size_t)i * n + k] > 0.0)
                d->foes[(size_t)i * n + c++] = k;
        d->n_foes[i] = c;
    }
}

/* Shared threat T_ij = max(min(iso_i, iso_j), max_k min(a_ik, a_jk)), capped at 1. */
static double threat(const ps_world *w, const agree_data *d, int i, int j)
{
    const int n = w->n_actors;
    const double *iso = ps_world_input(w, d->iso);
    double thr = ps_fmin(iso[i], iso[j]);
    /* Only common foes count (min is 0 otherwise): walk the shorter list. */
    int a = d->n_foes[i] <= d->n_foes[j] ? i : j, b = a == i ? j : i;
    const int *foes = d->foes + (size_t)a * n;
    for (int c = 0; c < d->n_foes[a]; c++) {
        int k = foes[c];
        if (k != b)
            thr = ps_fmax(thr, ps_fmin(d->antag[(size_t)a * n + k], d->antag[(size_t)b * n + k]));
    }
    return ps_fmin(1.0, thr);
}

/* Pair cooperation (mean of both directions) and mutual trust (the lower direction). */
static void coop_trust(const ps_world *w, const agree_data *d, int i, int j, double *c, double *t)
{
    size_t ij = (size_t)i * w->n_actors + j, ji = (size_t)j * w->n_actors + i;
    const double *coop = ps_world_input(w, d->coop), *trust = ps_world_input(w, d->trust);
    *c = 0.5 * (coop[ij] + coop[ji]); /* an absent input: zeros, so +0.0 as before */
    *t = ps_fmin(trust[ij], trust[ji]);
}

/* The lower of the two sides' net gains from rung lv (1..3): the shared threat
 * thr, less entrapment (the partner's combat outside the side's own theaters,
 * times entrapment_cost x (lv - 1) / 2) and rivalry (rivalry_cost, from
 * partnership up). With both costs 0 it is thr, the old condition. */
static double net_gain(const ps_world *w, const agree_data *d, const double *p, int i, int j, int lv,
                       double thr)
{
    double e = p[P_ENTRAP] * 0.5 * (lv - 1);
    double r = lv >= 2 && d->rival >= 0
                   ? p[P_RIVAL] * ps_world_input(w, d->rival)[(size_t)i * w->n_actors + j]
                   : 0.0;
    double xj = d->war1_host[j] != i ? d->war1[j] : d->war2[j]; /* i drawn into j's wars */
    double xi = d->war1_host[i] != j ? d->war1[i] : d->war2[i];
    return thr - r - e * ps_fmax(xi, xj);
}

static ps_status agree_init(ps_world *w, int self, void **data, ps_error *err)
{
    (void)self;
    size_t nn = (size_t)w->n_actors * w->n_actors + 1;
    agree_data *d = calloc(1, sizeof *d);
    if (!d || !(d->cond = calloc(nn, sizeof *d->cond)) || !(d->antag = calloc(nn, sizeof *d->antag)) ||
        !(d->foes = calloc(nn, sizeof *d->foes)) ||
        !(d->n_foes = calloc((size_t)w->n_actors + 1, sizeof *d->n_foes)) ||
        !(d->war1 = calloc((size_t)w->n_actors + 1, sizeof *d->war1)) ||
        !(d->war2 = calloc((size_t)w->n_actors + 1, sizeof *d->war2)) ||
        !(d->war1_host = calloc((size_t)w->n_actors + 1, sizeof *d->war1_host)) ||
        !(d->hosts = calloc((size_t)w->n_actors + 1, 1))) {
        agree_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < F_NFIELDS; k++)
        d->f[k] = ps_field_index(fields[k].name);
    for (int th = 0; th < w->n_theaters; th++)
        if (w->sc->theater_host[th] >= 0)
            d->hosts[w->sc->theater_host[th]] = 1;
    for (int k = 0; k < E_NEVENTS; k++)
        d->ev[k] = ps_registry_find_event_type(events[k].name);
    for (int k = 0; k < I_NFIELDS; k++)
        d->in[k] = ps_model_internal(self, k);
    d->coop = ps_model_input(self, IN_COOPERATION);
    d->trust = ps_model_input(self, IN_TRUST);
    d->iso = ps_model_input(self, IN_ISOLATION);
    d->sanc = ps_model_input(self, IN_SANCTION_INTENSITY);
    d->combat = ps_model_input(self, IN_COMBAT);
    d->rival = ps_model_input(self, IN_RIVALRY);
    /* Symmetric, whole levels: a config may give either direction (the larger wins); a pair
     * given in neither starts at the highest level whose rise conditions hold now. */
    const double *p = ps_world_param_values(w, self);
    const double coop_up[4] = {0.0, p[P_COOP1], p[P_COOP2], p[P_COOP3]};
    const double trust_up[4] = {0.0, p[P_TRUST1], p[P_TRUST2], p[P_TRUST3]};
    const double threat_up[4] = {0.0, p[P_THREAT1], p[P_THREAT2], p[P_THREAT3]};
    double *L = w->cur[d->f[F_LEVEL]], *T = w->cur[d->f[F_THREAT]];
    int n = w->n_actors;
    antagonism(w, d);
    for (int i = 0; i < n; i++) {
        L[(size_t)i * n + i] = T[(size_t)i * n + i] = 0.0;
        for (int j = 0; j < i; j++) {
            size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
            double m = round(ps_fmax(L[ij], L[ji])), c, t, thr = threat(w, d, i, j);
            coop_trust(w, d, i, j, &c, &t);
            if (m < 0.0)
                for (m = 0.0; m < 3.0 && c >= coop_up[(int)m + 1] && t >= trust_up[(int)m + 1] &&
                              net_gain(w, d, p, i, j, (int)m + 1, thr) >= threat_up[(int)m + 1];)
                    m += 1.0;
            L[ij] = L[ji] = m;
            T[ij] = T[ji] = thr;
        }
    }
    *data = d;
    return PS_OK;
}

/* Rows per item of step 2: a block's reads down the columns of cooperation
 * and trust ([j][i0..i1)) share cache lines; row by row, each was a miss
 * (at N=4000 every row is eight pages away), half of the step's time. The
 * block goes row by row through tiles of COND_COLS columns: the reads along
 * its rows (level, cooperation, trust, threat) are then contiguous, and the
 * tile's column lines (2 x 128) stay in L1 for the block's 8 rows. */
#define COND_ROWS 8
#define COND_COLS 128

/* Rows i0..i1 - 1 of step 2 of agree_step: the shared threat and whether
 * each pair's conditions for the next rung up (or down) hold this month.
 * Each pair on its own, so the order of the visits does not matter. */
PS_HOT static void condition_block(ps_world *w, void *data, const double *p, int blk)
{
    agree_data *d = data;
    const int n = w->n_actors;
    const int i0 = blk * COND_ROWS, i1 = ps_block_end(blk, COND_ROWS, n);
    const double *L = w->cur[d->f[F_LEVEL]];
    double *T1 = w->next[d->f[F_THREAT]];
    const double coop_up[4] = {0.0, p[P_COOP1], p[P_COOP2], p[P_COOP3]};
    const double trust_up[4] = {0.0, p[P_TRUST1], p[P_TRUST2], p[P_TRUST3]};
    const double threat_up[4] = {0.0, p[P_THREAT1], p[P_THREAT2], p[P_THREAT3]};
    /* Locals, read once: a store to T1 or d->cond could alias the world and
     * d for the compiler. A pair of which one side has no foe has no common
     * one: its threat is min(1, min(iso_i, iso_j)), as threat() gives it. */
    signed char *cond = d->cond;
    const int *n_foes = d->n_foes;
    /* An absent input reads the world's zeros: +0, as threat() and coop_trust() give. */
    const double *iso = ps_world_input(w, d->iso);
    const double *coop = ps_world_input(w, d->coop), *trust = ps_world_input(w, d->trust);
    const double hyst = p[P_HYST];
    for (int j0 = 0; j0 < n; j0 += COND_COLS) {
        const int j1 = j0 + COND_COLS < n ? j0 + COND_COLS : n;
        for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++) {
                const double iso_j = iso[j];
                const int foes_j = n_foes[j];
                size_t ij = (size_t)i * n + j;
                if (i == j) {
                    T1[ij] = 0.0;
                    cond[ij] = 0;
                    continue;
                }
                size_t ji = (size_t)j * n + i;
                double thr = foes_j && n_foes[i] ? threat(w, d, i, j)
                                                 : ps_fmin(1.0, ps_fmin(iso[i], iso_j));
                T1[ij] = thr;
                /* coop_trust, from the locals */
                double c = 0.5 * (coop[ij] + coop[ji]);
                double t = ps_fmin(trust[ij], trust[ji]);
                int lv = (int)L[ij];
                int rise = lv < 3 && c >= coop_up[lv + 1] && t >= trust_up[lv + 1] &&
                           net_gain(w, d, p, i, j, lv + 1, thr) >= threat_up[lv + 1];
                int fall = lv > 0 && (c < coop_up[lv] - hyst || t < trust_up[lv] - hyst);
                cond[ij] = (signed char)(rise ? 1 : fall ? -1 : 0);
            }
    }
}

/* Persistence and level change of the pairs (i, j > i) of row i; a pair
 * whose level changes gets cond = LEVEL_CHANGED, for the serial pass that
 * logs the events in pair order. */
enum { LEVEL_CHANGED = 2 };
PS_HOT static void level_row(ps_world *w, agree_data *d, const double *p, int i)
{
    const int n = w->n_actors;
    const double *L = w->cur[d->f[F_LEVEL]];
    double *L1 = w->next[d->f[F_LEVEL]];
    const double *up = w->cur[d->in[I_UP]], *down = w->cur[d->in[I_DOWN]];
    double *up1 = w->next[d->in[I_UP]], *down1 = w->next[d->in[I_DOWN]];
    for (int j = i + 1; j < n; j++) {
        size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
        int c = d->cond[ij];
        up1[ij] = c > 0 ? up[ij] + 1.0 : 0.0;
        down1[ij] = c < 0 ? down[ij] + 1.0 : 0.0;
        double lv = L[ij];
        if (up1[ij] >= (int)p[P_UP])
            lv += 1.0;
        else if (down1[ij] >= (int)p[P_DOWN])
            lv -= 1.0;
        else
            continue;
        up1[ij] = down1[ij] = 0.0;
        L1[ij] = L1[ji] = lv;
        d->cond[ij] = LEVEL_CHANGED;
    }
}

/* Rows k and n - 1 - k: together n - 1 pairs, so a static split of these
 * folded rows balances the threads. */
PS_HOT static void level_fold(ps_world *w, void *data, const double *p, int k)
{
    level_row(w, data, p, k);
    if (w->n_actors - 1 - k != k)
        level_row(w, data, p, w->n_actors - 1 - k);
}

PS_HOT static ps_status agree_step(ps_world *w, int self, void *data, ps_error *err)
{
    agree_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors;
    const double *L1 = w->next[d->f[F_LEVEL]];

    /* 1. Antagonism between every two actors. */
    antagonism(w, d);

    /* 2. Shared threat and this month's conditions, per pair (blocks of rows in parallel). */
    ps_inner_for(w, ps_block_count(n, COND_ROWS), condition_block, d, p);

    /* 3. Persistence and level changes, each pair (i < j) once, in parallel;
     * then the events, serially in pair order. The event's source is the
     * actor with the smaller key. */
    ps_inner_for(w, (n + 1) / 2, level_fold, d, p);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            size_t ij = (size_t)i * n + j;
            if (d->cond[ij] != LEVEL_CHANGED)
                continue;
            int a = ps_world_actor_key(w, i) <= ps_world_actor_key(w, j) ? i : j;
            if (ps_world_log_event(w, events[E_CHANGE].name, a, a == i ? j : i, L1[ij],
                                   "model") != PS_OK)
                return ps_error_set(err, PS_ERR_NOMEM, "logging an event");
        }
    return PS_OK;
}

static ps_status agree_event(ps_world *w, int self, void *data, const ps_event *ev,
                             ps_error *err)
{
    (void)self;
    agree_data *d = data;
    if (ev->type != d->ev[E_AGREEMENT])
        return ps_error_set(err, PS_ERR_CONFIG, "event type is generated by the model, "
                            "not for timelines");
    if (ev->source < 0 || ev->target < 0 || ev->source == ev->target)
        return ps_error_set(err, PS_ERR_CONFIG, "needs distinct source and target actors");
    int n = w->n_actors;
    int i = ev->source < ev->target ? ev->source : ev->target;
    int j = ev->source < ev->target ? ev->target : ev->source;
    size_t ij = (size_t)i * n + j, ji = (size_t)j * n + i;
    w->next[d->f[F_LEVEL]][ij] = w->next[d->f[F_LEVEL]][ji] = round(ev->magnitude);
    w->next[d->in[I_UP]][ij] = w->next[d->in[I_DOWN]][ij] = 0.0;
    return PS_OK;
}

const ps_model ps_model_agreements = {
    .name = "agreements",
    .description = "formal agreement levels (none, consultations, strategic partnership, "
                   "mutual-defense alliance) that rise and fall with sustained cooperation, "
                   "trust and shared threat, with hysteresis",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .events = events, .n_events = sizeof events / sizeof *events,
    .metrics = metrics, .n_metrics = sizeof metrics / sizeof *metrics,
    .overwrites = "shared_threat",
    .metric_reads = "agreement_level:RUS-IRN",
    .computed = "shared_threat",
    .init = agree_init,
    .step = agree_step,
    .apply_event = agree_event,
    .free = agree_free,
    .internal = internal, .n_internal = sizeof internal / sizeof *internal,
};
