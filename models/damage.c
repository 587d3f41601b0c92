/* War damage: what strikes put out of action, and its repair.
 *
 * A strike of magnitude m by any actor on y (the strikes model's dyad field
 * `strike`) puts a share delta*m of what still works in y out of action;
 * a share rho of the damage is repaired each month:
 *   D_y(t+1) = min(D_max, D'(t) + (1 - D'(t)) min(1, delta * sum_x m_xy(t))),
 *   D'(t) = (1 - rho) D_y(t).
 * The damage is one actor field, `war_damage`, and its change as a factor on
 * what works, `war_damage_change` = (1 - D(t)) / (1 - D(t-1)), 1 in the
 * initial state (initial GDP and budgets are observed, so already damaged):
 * the economy scales GDP and the military model its budget by the change,
 * the military model scales production by (1 - D), and the
 * cooperation model lowers the struck actor's trust in, and cooperation with,
 * its striker. This model knows none of them: they read `war_damage` (or
 * `strike`) as declared inputs. */
#include <stdlib.h>

#include "pactsim_model.h"

#define DAMAGE_MAX 0.95 /* something always keeps running */

enum { P_DELTA, P_REPAIR };
static const ps_param params[] = {
    {"damage_per_strike", PS_REAL, "1", 0.0, 0.5, 0.03,
     "share of the target's working productive and military capacity put out of action by a strike "
     "of magnitude 1",
     "assumption: the 2019 Abqaiq-Khurais attack (a major strike) halved Saudi crude output for about "
     "two weeks (EIA, 2019-09), a few percent of a whole economy's capacity for a month; calibrate"},
    {"damage_repair", PS_REAL, "1/month", 0.0, 1.0, 0.15,
     "share of the damage repaired per month",
     "assumption: Abqaiq's capacity was restored within weeks, wider infrastructure within months; "
     "a half-life of about four months"},
};

enum { F_DAMAGE, F_CHANGE };
static const ps_field fields[] = {
    {"war_damage", PS_ACTOR, "1", 0.0, 0.0, DAMAGE_MAX,
     "share of the actor's productive and military capacity out of action after strikes",
     "computed (0 before any strike)"},
    /* Bounds: the range of (1 - D(t)) / (1 - D(t-1)) for D in [0, DAMAGE_MAX], as
     * literals (1 - 0.95 and 1 / 0.05 in doubles are not 0.05 and 20). */
    {"war_damage_change", PS_ACTOR, "1", 1.0, 0.05, 20.0,
     "what works now over what worked a month before, (1 - D(t)) / (1 - D(t-1)): levels that are "
     "observed with the damage in them (GDP, military budgets) move by it",
     "computed; 1 in the initial state, set by the model's init (an initial war_damage is already "
     "in the initial GDP)"},
};

enum { IN_STRIKE };
static const ps_input inputs[] = {
    {"strike", PS_DYAD, 1, 0},
};

typedef struct {
    int damage, change, strike;
    double *hit; /* [y] scratch: sum_x m_xy */
} damage_data;

static void damage_free(void *data)
{
    damage_data *d = data;
    if (d)
        free(d->hit);
    free(d);
}

static ps_status damage_init(ps_world *w, int self, void **data, ps_error *err)
{
    damage_data *d = calloc(1, sizeof *d);
    if (!d || !(d->hit = calloc((size_t)w->n_actors + 1, sizeof *d->hit))) {
        damage_free(d);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    d->damage = ps_field_index(fields[F_DAMAGE].name);
    d->change = ps_field_index(fields[F_CHANGE].name);
    d->strike = ps_model_input(self, IN_STRIKE);
    /* The initial state is observed, damage and all: nothing changed before it. */
    for (int y = 0; y < w->n_actors; y++)
        w->cur[d->change][y] = 1.0;
    *data = d;
    return PS_OK;
}

PS_HOT static ps_status damage_step(ps_world *w, int self, void *data, ps_error *err)
{
    (void)err;
    const damage_data *d = data;
    const double *p = ps_world_param_values(w, self);
    const int n = w->n_actors;
    const double *D = w->cur[d->damage];
    const double *strike = ps_world_input_or_null(w, d->strike);
    double *D1 = w->next[d->damage], *change1 = w->next[d->change];
    /* Strikes received: sums down the columns, x ascending, taken row by row
     * (down a column, every read was a cache miss at large N). */
    if (strike)
        ps_dyad_column_sums(w, strike, NULL, NULL, d->hit);
    for (int y = 0; y < n; y++) {
        double hit = strike ? d->hit[y] : 0.0;
        double left = (1.0 - p[P_REPAIR]) * D[y];
        D1[y] = ps_fmin(DAMAGE_MAX, left + (1.0 - left) * ps_fmin(1.0, p[P_DELTA] * hit));
        change1[y] = (1.0 - D1[y]) / (1.0 - D[y]);
    }
    return PS_OK;
}

const ps_model ps_model_damage = {
    .name = "damage",
    .description = "war damage: the share of an actor's productive and military capacity that "
                   "strikes put out of action, and its repair",
    .params = params, .n_params = sizeof params / sizeof *params,
    .fields = fields, .n_fields = sizeof fields / sizeof *fields,
    .inputs = inputs, .n_inputs = sizeof inputs / sizeof *inputs,
    .computed = "war_damage_change",
    .init = damage_init,
    .step = damage_step,
    .free = damage_free,
};
