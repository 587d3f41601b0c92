/* Calibration specs (docs/calibration.md).
 *
 * A spec is YAML read with the scenario loader's tree and the sweep specs'
 * helpers, so its errors name spec:line:col the same way. Calibrated
 * parameters are parameters.<model>.<name> paths: a particle sets them in a
 * copy of the base scenario's parameter table, as --set would, without
 * parsing the scenario again. The sampler is in sim/abc.c. */
#include <math.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_math.h>

#include "internal.h"

static const char *const top_keys[] = {"name", "description", "base", "observations",
                                       "cutoff", "until", "outside", "weights", "particles", "keep",
                                       "generations", "acceptance", "tolerance", "ess",
                                       "replicates", "seed", "set", "parameters"};
static const char *const param_keys[] = {"prior", "range", "mean", "sd", "meanlog", "sdlog"};
static const char *const prior_names[] = {"uniform", "normal", "lognormal"};
#define N_TOP ((int)(sizeof top_keys / sizeof top_keys[0]))
#define N_PKEYS ((int)(sizeof param_keys / sizeof param_keys[0]))
#define MAX_PARAMS 1000

static ps_status nomem(ps_error *err)
{
    return ps_error_set(err, PS_ERR_NOMEM, "out of memory reading a calibration spec");
}

void ps_calib_free(ps_calib *c)
{
    if (!c)
        return;
    for (int j = 0; c->params && j < c->n_params; j++)
        free(c->params[j].path);
    free(c->params);
    for (int k = 0; c->obs_files && k < c->n_obs_files; k++)
        free(c->obs_files[k]);
    free(c->obs_files);
    for (int k = 0; c->weight_quantity && k < c->n_weights; k++)
        free(c->weight_quantity[k]);
    free(c->weight_quantity);
    free(c->weight_value);
    for (int k = 0; c->fixed && k < c->n_fixed; k++)
        free(c->fixed[k]);
    free(c->fixed);
    free(c->path);
    free(c->name);
    free(c->description);
    free(c->raw_text);
    free(c->inputs);
    free(c->base_path);
    ps_scenario_free(c->base);
    ps_obs_free(c->obs);
    free(c->obs_weight);
    free(c);
}

/* Normal CDF mass of [a, b] in standard units (a may be -inf). */
static double mass(double a, double b)
{
    return gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
}

/* The prior's [a, b] in standard units: normal on the value, lognormal on its log. */
static void std_bounds(const ps_calib_param *p, double *a, double *b)
{
    if (p->prior == PS_PRIOR_NORMAL) {
        *a = (p->lo - p->mu) / p->sigma;
        *b = (p->hi - p->mu) / p->sigma;
    } else {
        *a = p->lo > 0 ? (log(p->lo) - p->mu) / p->sigma : -INFINITY;
        *b = (log(p->hi) - p->mu) / p->sigma;
    }
}

double ps_calib_prior_logpdf(const ps_calib_param *p, double x)
{
    if (!(x >= p->lo && x <= p->hi))
        return -INFINITY;
    if (p->prior == PS_PRIOR_UNIFORM)
        return -log(p->hi - p->lo);
    double a, b;
    std_bounds(p, &a, &b);
    double y = p->prior == PS_PRIOR_NORMAL ? x : log(x);
    double z = (y - p->mu) / p->sigma;
    double lp = -0.5 * z * z - 0.5 * log(2 * M_PI) - log(p->sigma) - log(mass(a, b));
    return p->prior == PS_PRIOR_LOGNORMAL ? lp - log(x) : lp;
}

double ps_calib_prior_quantile(const ps_calib_param *p, double u)
{
    if (p->prior == PS_PRIOR_UNIFORM)
        return p->lo + u * (p->hi - p->lo);
    double a, b;
    std_bounds(p, &a, &b);
    double pa = gsl_cdf_ugaussian_P(a), pb = gsl_cdf_ugaussian_P(b);
    double z = gsl_cdf_ugaussian_Pinv(pa + u * (pb - pa));
    double x = p->mu + p->sigma * z;
    if (p->prior == PS_PRIOR_LOGNORMAL)
        x = exp(x);
    return x < p->lo ? p->lo : x > p->hi ? p->hi : x;
}

/* ------------------------------------------------------------ parameters */
static ps_status bind_param(ps_calib *c, const ps_node *pmap, int i, ps_error *err)
{
    ps_calib_param *cp = &c->params[i];
    const ps_node *n = pmap->items[i];
    cp->line = pmap->key_line[i];
    cp->col = pmap->key_col[i];
    if (!(cp->path = ps_strdup(pmap->keys[i])))
        return nomem(err);
    for (int k = 0; k < i; k++)
        if (!strcmp(c->params[k].path, cp->path))
            return ps_spec_bad_key(err, pmap, i, "parameter '%s' is listed twice; expected "
                                   "each once", cp->path);
    ps_status st;
    char iso3[8];
    int f = ps_init_path_field(cp->path, iso3);
    if (f >= 0) { /* an initial value: bound to the base scenario once it is loaded */
        cp->model = -1 - f;
        cp->index = -1;
    } else {
        const ps_param *reg;
        st = ps_spec_registry_param(err, pmap, i, cp->path, &reg);
        if (st != PS_OK)
            return st;
        if (!reg)
            return ps_spec_bad_key(err, pmap, i, "'%s' is not a model parameter or an actor's "
                                   "initial value; expected parameters.<model>.<name> or "
                                   "actors.<ISO3>.<actor field> (see `pactsim config explain`)",
                                   cp->path);
        if (ps_param_path_find(cp->path, &cp->model, &cp->index) < 0)
            return ps_error_set(err, PS_ERR_INTERNAL, "%s: registry lookup failed", cp->path);
    }
    ps_value_info(cp->model, cp->index, &cp->lo, &cp->hi, &cp->unit, &cp->integer);
    cp->prior = PS_PRIOR_UNIFORM;
    if (n->kind == PS_NODE_NULL)
        return PS_OK; /* uniform on the parameter's bounds */
    if (n->kind != PS_NODE_MAP)
        return ps_spec_bad(err, n, "parameter '%s' is not a map; expected {} (uniform on its "
                           "bounds) or {prior: uniform|normal|lognormal, range: [lo, hi], "
                           "...}", cp->path);
    const ps_node *range = NULL, *mean = NULL, *sd = NULL, *ml = NULL, *sl = NULL;
    for (int k = 0; k < n->n; k++) {
        const ps_node *v = n->items[k];
        const char *key = n->keys[k];
        if (!strcmp(key, "prior")) {
            int kind = -1;
            for (int q = 0; q < 3 && v->kind == PS_NODE_SCALAR; q++)
                if (!strcmp(v->scalar, prior_names[q]))
                    kind = q;
            if (kind < 0) {
                const char *near = v->kind == PS_NODE_SCALAR
                                       ? ps_did_you_mean(v->scalar, prior_names, 3) : NULL;
                return ps_spec_bad(err, v, "unknown prior '%s'%s%s%s; expected uniform, "
                                   "normal or lognormal",
                                   v->kind == PS_NODE_SCALAR ? v->scalar : "(not a value)",
                                   near ? " (did you mean '" : "", near ? near : "",
                                   near ? "'?)" : "");
            }
            cp->prior = (ps_prior_kind)kind;
        } else if (!strcmp(key, "range"))
            range = v;
        else if (!strcmp(key, "mean"))
            mean = v;
        else if (!strcmp(key, "sd"))
            sd = v;
        else if (!strcmp(key, "meanlog"))
            ml = v;
        else if (!strcmp(key, "sdlog"))
            sl = v;
        else
            return ps_spec_unknown_key(err, n, k, "key of a calibrated parameter", param_keys,
                                       N_PKEYS);
    }
    if (range) {
        double lo = cp->lo, hi = cp->hi; /* the parameter's or field's bounds */
        if (range->kind != PS_NODE_SEQ || range->n != 2)
            return ps_spec_bad(err, range, "range of '%s' is not a list of two numbers; "
                               "expected [lo, hi]", cp->path);
        if ((st = ps_spec_real(err, range->items[0], "range lower end", &cp->lo)) != PS_OK ||
            (st = ps_spec_real(err, range->items[1], "range upper end", &cp->hi)) != PS_OK)
            return st;
        if (!(cp->lo < cp->hi))
            return ps_spec_bad(err, range, "range [%g, %g] of '%s' is empty; expected lo < hi",
                               cp->lo, cp->hi, cp->path);
        if (cp->lo < lo || cp->hi > hi)
            return ps_spec_bad(err, range, "range [%g, %g] of '%s' leaves the %s's "
                               "bounds; expected a range within [%g, %g] %s", cp->lo, cp->hi,
                               cp->path, strncmp(cp->path, "actors.", 7) ? "parameter" : "field",
                               lo, hi, cp->unit);
    }
    const ps_node *want_m = cp->prior == PS_PRIOR_NORMAL ? mean : ml;
    const ps_node *want_s = cp->prior == PS_PRIOR_NORMAL ? sd : sl;
    const ps_node *other[2] = {cp->prior == PS_PRIOR_NORMAL ? ml : mean,
                               cp->prior == PS_PRIOR_NORMAL ? sl : sd};
    if (cp->prior == PS_PRIOR_UNIFORM) {
        const ps_node *extra = mean ? mean : sd ? sd : ml ? ml : sl;
        if (extra)
            return ps_spec_bad(err, extra, "'%s' has a uniform prior; expected no mean, sd, "
                               "meanlog or sdlog (only range)", cp->path);
        return PS_OK;
    }
    const char *mk = cp->prior == PS_PRIOR_NORMAL ? "mean" : "meanlog";
    const char *sk = cp->prior == PS_PRIOR_NORMAL ? "sd" : "sdlog";
    for (int q = 0; q < 2; q++)
        if (other[q])
            return ps_spec_bad(err, other[q], "'%s' has a %s prior; expected %s and %s",
                               cp->path, prior_names[cp->prior], mk, sk);
    if (!want_m || !want_s)
        return ps_spec_bad(err, n, "'%s' has a %s prior without %s; expected %s: and %s:",
                           cp->path, prior_names[cp->prior], !want_m ? mk : sk, mk, sk);
    if ((st = ps_spec_real(err, want_m, mk, &cp->mu)) != PS_OK ||
        (st = ps_spec_real(err, want_s, sk, &cp->sigma)) != PS_OK)
        return st;
    if (!(cp->sigma > 0))
        return ps_spec_bad(err, want_s, "%s %g of '%s' is not positive; expected a value > 0",
                           sk, cp->sigma, cp->path);
    if (cp->prior == PS_PRIOR_LOGNORMAL && cp->hi <= 0)
        return ps_spec_bad(err, n, "'%s' has a lognormal prior on [%g, %g]; expected a range "
                           "with positive values", cp->path, cp->lo, cp->hi);
    double a, b;
    std_bounds(cp, &a, &b);
    if (!(mass(a, b) > 1e-12))
        return ps_spec_bad(err, n, "the %s prior of '%s' has almost no mass in [%g, %g]; "
                           "expected a range where the prior has some", prior_names[cp->prior],
                           cp->path, cp->lo, cp->hi);
    return PS_OK;
}

/* ------------------------------------------------------------ the spec */
static ps_status get_fraction(ps_error *err, const ps_node *n, const char *what, double *out)
{
    ps_status st = ps_spec_real(err, n, what, out);
    if (st == PS_OK && !(*out > 0 && *out < 1))
        return ps_spec_bad(err, n, "%s %g is not a fraction; expected a number in (0, 1)",
                           what, *out);
    return st;
}

/* A stop rule's threshold: a share in [0, 1), 0 meaning no such rule. */
static ps_status get_stop_share(ps_error *err, const ps_node *n, const char *key,
                                const char *what, const char *rule, double *out)
{
    double x;
    ps_status st = ps_spec_real(err, n, key, &x);
    if (st != PS_OK)
        return st;
    if (!(x >= 0 && x < 1))
        return ps_spec_bad(err, n, "%s %g; expected %s in [0, 1) (0: no %s stop)", key, x, what,
                           rule);
    *out = x;
    return PS_OK;
}

static ps_status bind_observations(ps_calib *c, const ps_node *root, ps_error *err)
{
    const ps_node *n = ps_node_get(root, "observations");
    int k = n->kind == PS_NODE_SEQ ? n->n : 1;
    if ((n->kind != PS_NODE_SEQ && n->kind != PS_NODE_SCALAR) || k < 1)
        return ps_spec_bad(err, n, "observations is not a file or a non-empty list of files; "
                           "expected observations: [file.csv, ...]");
    if (!(c->obs_files = ps_calloc((size_t)k, sizeof *c->obs_files)))
        return nomem(err);
    for (int i = 0; i < k; i++) {
        const ps_node *f = n->kind == PS_NODE_SEQ ? n->items[i] : n;
        char *rel;
        ps_status st = ps_spec_text(err, f, "observation file", &rel);
        if (st != PS_OK)
            return st;
        c->obs_files[i] = ps_spec_path(f->file ? f->file : c->path, rel);
        free(rel);
        if (!c->obs_files[i])
            return nomem(err);
        c->n_obs_files = i + 1;
    }
    const ps_scenario *sc = c->base;
    const char **iso = ps_calloc((size_t)sc->n_actors + 1, sizeof *iso);
    char *cutoff = NULL;
    const ps_node *cn = ps_node_get(root, "cutoff");
    ps_status st = iso ? PS_OK : nomem(err);
    if (st == PS_OK && cn && cn->kind != PS_NODE_NULL)
        st = ps_spec_text(err, cn, "cutoff", &cutoff);
    if (st == PS_OK && cutoff && strcmp(cutoff, "none")) {
        ps_date d;
        /* YYYY-MM-DD: a real day (the observation files' published column). */
        if (strlen(cutoff) != 10 || ps_date_parse(cutoff, &d))
            st = ps_spec_bad(err, cn, "cutoff '%s'; expected a day YYYY-MM-DD (rows published "
                             "after it are left out) or none", cutoff);
        else
            snprintf(c->cutoff, sizeof c->cutoff, "%s", cutoff);
    }
    for (int i = 0; iso && i < sc->n_actors; i++)
        iso[i] = sc->actor_iso3[i];
    /* Rows published after the cutoff were not known at the information date:
     * they are left out and counted, never used. */
    ps_obs_options oo = {iso, sc->n_actors, c->cutoff[0] ? c->cutoff : "none", 1};
    ps_error e = {PS_OK, ""};
    if (st == PS_OK && (st = ps_obs_load((const char *const *)c->obs_files, c->n_obs_files, &oo,
                                         &c->obs, &e)) != PS_OK) {
        ps_spec_bad(err, n, "observations: %s", e.msg);
        if (err)
            err->code = st;
    }
    free(iso);
    free(cutoff);
    if (st != PS_OK)
        return st;
    c->n_late = c->obs->n_late;
    if (c->obs->n < 1) /* at the cutoff's line when the cutoff left every row out */
        return ps_spec_bad(err, c->n_late && cn ? cn : n, "the observation files hold no "
                           "observation%s%s%s; expected "
                           "at least one row", c->n_late ? " published by the cutoff " : "",
                           c->cutoff, c->n_late ? " (all were published later)" : "");
    /* Every observation must lie within the base run, or with outside: skip
     * those that do not are left out (and counted). */
    int skip = 0;
    const ps_node *on = ps_node_get(root, "outside");
    if (on && on->kind != PS_NODE_NULL) {
        if (on->kind != PS_NODE_SCALAR || (strcmp(on->scalar, "error") && strcmp(on->scalar, "skip")))
            return ps_spec_bad(err, on, "outside '%s'; expected error (an observation outside "
                               "the base run is an error, the default) or skip (it is left out)",
                               on->kind == PS_NODE_SCALAR ? on->scalar : "(not a value)");
        skip = !strcmp(on->scalar, "skip");
    }
    /* until: rows dated after it are held out (pseudo-out-of-sample
     * validation: calibrate on the past, score what follows). */
    int until = INT_MAX;
    const ps_node *un = ps_node_get(root, "until");
    if (un && un->kind != PS_NODE_NULL) {
        ps_date d;
        if (un->kind != PS_NODE_SCALAR || strlen(un->scalar) != 7 || ps_date_parse(un->scalar, &d))
            return ps_spec_bad(err, un, "until '%s'; expected a month YYYY-MM (rows dated "
                               "after it are left out)",
                               un->kind == PS_NODE_SCALAR ? un->scalar : "(not a value)");
        until = ps_date_diff(d, sc->start);
    }
    int kept = 0;
    for (int i = 0; i < c->obs->n; i++) {
        int first, last;
        ps_obs *o = &c->obs->obs[i];
        if ((st = ps_obs_months(o, sc->start, sc->n_months, &first, &last, &e)) == PS_OK &&
            last > until) {
            free(o->source);
            c->n_held_out++;
            continue;
        }
        if (st != PS_OK) {
            if (skip) {
                free(o->source);
                c->n_skipped++;
                continue;
            }
            ps_spec_bad(err, n, "observations: %s (base scenario %s; or outside: skip)", e.msg,
                        c->base_path);
            if (err)
                err->code = st;
            return st;
        }
        c->obs->obs[kept++] = *o;
    }
    c->obs->n = kept;
    if (kept < 1)
        return ps_spec_bad(err, n, "no observation lies within the base run and until (%d "
                           "outside the run, %d after until left out); expected some",
                           c->n_skipped, c->n_held_out);
    return PS_OK;
}

/* weights: {quantity: w}, each quantity one that some observation has. */
static ps_status bind_weights(ps_calib *c, const ps_node *root, ps_error *err)
{
    int n_obs = c->obs->n;
    if (!(c->obs_weight = ps_calloc((size_t)n_obs, sizeof *c->obs_weight)))
        return nomem(err);
    for (int i = 0; i < n_obs; i++)
        c->obs_weight[i] = 1.0;
    const ps_node *n = ps_node_get(root, "weights");
    if (!n || n->kind == PS_NODE_NULL)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return ps_spec_bad(err, n, "weights is not a map; expected {quantity: weight, ...}");
    c->weight_quantity = ps_calloc((size_t)n->n + 1, sizeof *c->weight_quantity);
    c->weight_value = ps_calloc((size_t)n->n + 1, sizeof *c->weight_value);
    if (!c->weight_quantity || !c->weight_value)
        return nomem(err);
    for (int k = 0; k < n->n; k++) {
        double w;
        ps_status st = ps_spec_real(err, n->items[k], "weight", &w);
        if (st != PS_OK)
            return st;
        if (!(w >= 0))
            return ps_spec_bad(err, n->items[k], "weight %g of '%s' is negative; expected a "
                               "number >= 0", w, n->keys[k]);
        int used = 0;
        for (int i = 0; i < n_obs; i++)
            if (!strcmp(ps_registry_field(c->obs->obs[i].field, NULL)->name, n->keys[k])) {
                c->obs_weight[i] = w;
                used = 1;
            }
        if (!used)
            return ps_spec_bad_key(err, n, k, "weight for '%s', which no observation has; "
                                   "expected a quantity of the observation files", n->keys[k]);
        if (!(c->weight_quantity[k] = ps_strdup(n->keys[k])))
            return nomem(err);
        c->weight_value[k] = w;
        c->n_weights = k + 1;
    }
    double total = 0.0;
    for (int i = 0; i < n_obs; i++)
        total += c->obs_weight[i];
    if (!(total > 0))
        return ps_spec_bad(err, n, "every observation has weight 0; expected some weight > 0");
    return PS_OK;
}

static ps_status bind_top(ps_calib *c, const ps_node *root, ps_error *err)
{
    static const char *const required[] = {"name", "base", "observations", "parameters"};
    ps_status st = ps_spec_head(c->path, root, "calibration", top_keys, N_TOP, required,
                                &c->name, &c->description, &c->base_path, err);
    if (st != PS_OK)
        return st;
    const ps_node *n;
    long long v;
    double x;
    c->particles = 200;
    c->keep = 0.5;
    c->max_generations = 20;
    c->min_acceptance = 0.05;
    c->replicates = 1;
    if ((n = ps_node_get(root, "particles")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "particles", 4, 10000000, &v)) != PS_OK)
            return st;
        c->particles = (int)v;
    }
    if ((n = ps_node_get(root, "keep")) && n->kind != PS_NODE_NULL &&
        (st = get_fraction(err, n, "keep", &c->keep)) != PS_OK)
        return st;
    if ((n = ps_node_get(root, "generations")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "generations", 1, 10000, &v)) != PS_OK)
            return st;
        c->max_generations = (int)v;
    }
    if ((n = ps_node_get(root, "acceptance")) && n->kind != PS_NODE_NULL &&
        (st = get_stop_share(err, n, "acceptance", "a rate", "acceptance-rate",
                             &c->min_acceptance)) != PS_OK)
        return st;
    if ((n = ps_node_get(root, "tolerance")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_real(err, n, "tolerance", &x)) != PS_OK)
            return st;
        if (!(x >= 0))
            return ps_spec_bad(err, n, "tolerance %g is negative; expected a distance >= 0 "
                               "(0: no tolerance stop)", x);
        c->tolerance = x;
    }
    if ((n = ps_node_get(root, "ess")) && n->kind != PS_NODE_NULL &&
        (st = get_stop_share(err, n, "ess", "a fraction of the kept particles", "ESS",
                             &c->min_ess)) != PS_OK)
        return st;
    if ((n = ps_node_get(root, "replicates")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "replicates", 1, 100000, &v)) != PS_OK)
            return st;
        c->replicates = (int)v;
    }
    int Na = (int)ceil(c->keep * c->particles);
    if (Na < 2 || Na >= c->particles)
        return ps_spec_bad(err, ps_node_get(root, "keep"), "keep %g of %d particles keeps %d; "
                           "expected at least 2 kept and at least 1 new particle per "
                           "generation", c->keep, c->particles, Na);

    if ((st = ps_spec_set(root, &c->fixed, &c->n_fixed, err)) != PS_OK)
        return st;
    n = ps_node_get(root, "parameters");
    if (n->kind != PS_NODE_MAP || n->n == 0 || n->n > MAX_PARAMS)
        return ps_spec_bad(err, n, "parameters is %s; expected a map of parameters.<model>."
                           "<name> paths to {} or {prior: ..., range: [lo, hi]}",
                           n->kind != PS_NODE_MAP ? "not a map" : n->n ? "too long" : "empty");
    c->n_params = n->n;
    if (!(c->params = ps_calloc((size_t)n->n, sizeof *c->params)))
        return nomem(err);
    for (int i = 0; i < n->n; i++)
        if ((st = bind_param(c, n, i, err)) != PS_OK)
            return st;
    for (int i = 0; i < c->n_fixed; i++)
        for (int j = 0; j < c->n_params; j++) {
            size_t l = strlen(c->params[j].path);
            if (!strncmp(c->fixed[i], c->params[j].path, l) && c->fixed[i][l] == '=')
                return ps_spec_bad_key(err, n, j, "'%s' is calibrated and also fixed under "
                                       "set:; expected one of them", c->params[j].path);
        }

    ps_error e = {PS_OK, ""};
    st = ps_scenario_load(c->base_path, (const char *const *)c->fixed, c->n_fixed, &c->base,
                          &e);
    /* The models' own checks of its initial state (a particle that fails
     * them is rejected, ABC d = inf: the base itself must pass). */
    if (st == PS_OK)
        st = ps_scenario_check(c->base, &e);
    if (st != PS_OK) {
        ps_spec_bad(err, ps_node_get(root, "base"), "base scenario %s: %s", c->base_path,
                    e.msg);
        if (err)
            err->code = st;
        return st;
    }
    /* Calibrated initial values: each appends its value to the base's inits. */
    for (int j = 0; j < c->n_params; j++) {
        if (c->params[j].model >= 0)
            continue;
        char iso3[8];
        int k = ps_init_path_bind(c->base, c->params[j].path, iso3);
        if (k == -2)
            return nomem(err);
        if (k < 0)
            return ps_spec_bad_key(err, n, j, "'%s': the base scenario %s has no actor %s; "
                                   "expected one of its actors", c->params[j].path,
                                   c->base_path, iso3);
        c->params[j].index = k;
    }
    c->seed = c->base->seed;
    if ((n = ps_node_get(root, "seed")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "seed", 0, INT64_MAX, &v)) != PS_OK)
            return st;
        c->seed = (uint64_t)v;
    }
    if ((st = bind_observations(c, root, err)) != PS_OK)
        return st;
    return bind_weights(c, root, err);
}

/* What a calibration's results depend on: the spec, the resolved base, the
 * observations, the build. */
static uint64_t calib_hash(const ps_calib *c)
{
    uint64_t h = ps_fnv1a(PS_FNV_BASIS, c->raw_text, strlen(c->raw_text) + 1);
    h = ps_fnv1a(h, &(uint64_t){ps_run_spec_hash(c->base)}, sizeof(uint64_t));
    for (int i = 0; i < c->obs->n; i++) {
        const ps_obs *o = &c->obs->obs[i];
        double v[3] = {o->value, o->sd, c->obs_weight[i]};
        int k[7] = {o->field, o->actor, o->target, o->date.year, o->date.month, o->annual,
                    (int)o->transform};
        h = ps_fnv1a(h, v, sizeof v);
        h = ps_fnv1a(h, k, sizeof k);
    }
    return h;
}

ps_status ps_calib_load(const char *path, ps_calib **out, ps_error *err)
{
    *out = NULL;
    ps_calib *c = ps_calloc(1, sizeof *c);
    if (!c || !(c->path = ps_strdup(path))) {
        free(c);
        return nomem(err);
    }
    ps_node *root = NULL;
    ps_status st = ps_node_load_config(path, &root, NULL, 0, &c->inputs, err);
    if (st == PS_OK) {
        c->raw_text = ps_read_file(path, NULL, err);
        st = c->raw_text ? bind_top(c, root, err) : PS_ERR_IO;
    }
    for (int k = 0; st == PS_OK && k < c->n_obs_files; k++) /* inputs, never outputs */
        if (ps_path_list_add(&c->inputs, c->obs_files[k]) < 0)
            st = nomem(err);
    ps_node_free(root);
    if (st != PS_OK) {
        ps_calib_free(c);
        return st;
    }
    c->hash = calib_hash(c);
    *out = c;
    return PS_OK;
}
