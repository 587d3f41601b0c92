/* Sweep specs and designs (docs/sweeps.md).
 *
 * A spec is YAML read with the scenario loader's tree, so its errors name
 * spec:line:col the same way. The design is built here, in [0, 1]^k (the
 * `unit` matrix), then mapped to each parameter's range or value list. A
 * point is the base scenario loaded with the point's values as --set
 * overrides, so anything --set accepts can be swept and every point is
 * validated by the same code as a scenario. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "internal.h"

static const char *const design_names[] = {"grid", "lhs", "sobol", "saltelli", "morris"};
static const char *const keep_names[] = {"summary", "stride", "full"};
static const char *const top_keys[] = {"name", "description", "base", "design", "samples",
                                       "levels", "second_order", "seed", "replicates", "output",
                                       "stride", "fields", "set", "parameters"};
static const char *const param_keys[] = {"range", "values", "levels", "scale"};
#define N_TOP ((int)(sizeof top_keys / sizeof top_keys[0]))
#define N_PKEYS ((int)(sizeof param_keys / sizeof param_keys[0]))
/* Runs in one sweep: the [point, replicate] datasets index with int. */
#define MAX_RUNS 100000000

const char *ps_design_name(ps_design d)
{
    return (d >= PS_DESIGN_GRID && d <= PS_DESIGN_MORRIS) ? design_names[d] : "?";
}

/* ------------------------------------------------------------ messages */
static ps_status vbad(ps_error *err, const char *where, const char *fmt, va_list ap)
{
    char msg[PS_ERRMSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return ps_error_set(err, PS_ERR_CONFIG, "%s: %s", where, msg);
}

ps_status ps_spec_bad(ps_error *err, const ps_node *n, const char *fmt, ...)
{
    char where[1024];
    ps_node_where(n, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ps_status st = vbad(err, where, fmt, ap);
    va_end(ap);
    return st;
}

ps_status ps_spec_bad_key(ps_error *err, const ps_node *map, int i, const char *fmt, ...)
{
    char where[1024];
    snprintf(where, sizeof where, "%s:%d:%d", map->items[i]->file ? map->items[i]->file : "?",
             map->key_line[i], map->key_col[i]);
    va_list ap;
    va_start(ap, fmt);
    ps_status st = vbad(err, where, fmt, ap);
    va_end(ap);
    return st;
}

static ps_status nomem(ps_error *err)
{
    return ps_error_set(err, PS_ERR_NOMEM, "out of memory reading a spec");
}

char *ps_spec_path(const char *spec, const char *rel)
{
    const char *slash = strrchr(spec, '/');
    if (rel[0] == '/' || !slash)
        return ps_strdup(rel);
    size_t dl = (size_t)(slash - spec) + 1;
    char *p = malloc(dl + strlen(rel) + 1);
    if (p) {
        memcpy(p, spec, dl);
        strcpy(p + dl, rel);
    }
    return p;
}

/* Unknown key i of map: suggest the nearest of cands. */
ps_status ps_spec_unknown_key(ps_error *err, const ps_node *map, int i, const char *what,
                             const char *const *cands, int n)
{
    const char *near = ps_did_you_mean(map->keys[i], cands, n);
    char list[512] = "";
    for (int k = 0; k < n; k++) {
        strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, cands[k], sizeof list - strlen(list) - 1);
    }
    if (near)
        return ps_spec_bad_key(err, map, i, "unknown %s '%s' (did you mean '%s'?); expected one of %s",
                       what, map->keys[i], near, list);
    return ps_spec_bad_key(err, map, i, "unknown %s '%s'; expected one of %s", what, map->keys[i], list);
}

ps_status ps_spec_text(ps_error *err, const ps_node *n, const char *what, char **out)
{
    if (n->kind != PS_NODE_SCALAR)
        return ps_spec_bad(err, n, "%s is not a single value; expected a string", what);
    *out = ps_strdup(n->scalar);
    return *out ? PS_OK : nomem(err);
}

ps_status ps_spec_real(ps_error *err, const ps_node *n, const char *what, double *out)
{
    if (n->kind != PS_NODE_SCALAR)
        return ps_spec_bad(err, n, "%s is not a single value; expected a number", what);
    char *end;
    double v = strtod(n->scalar, &end);
    /* Decimal only: strtod also reads hexadecimal (0x10). */
    if (n->quoted || end == n->scalar || *end || !isfinite(v) ||
        n->scalar[strspn(n->scalar, "0123456789+-.eE")] != '\0')
        return ps_spec_bad(err, n, "%s '%s' is not a finite number; expected a plain number", what,
                   n->scalar);
    *out = v;
    return PS_OK;
}

ps_status ps_spec_int(ps_error *err, const ps_node *n, const char *what, long long lo,
                         long long hi, long long *out)
{
    if (n->kind != PS_NODE_SCALAR)
        return ps_spec_bad(err, n, "%s is not a single value; expected an integer from %lld to %lld",
                   what, lo, hi);
    char *end;
    long long v = strtoll(n->scalar, &end, 10);
    if (n->quoted || end == n->scalar || *end || v < lo || v > hi)
        return ps_spec_bad(err, n, "%s '%s' is not an integer from %lld to %lld; expected one", what,
                   n->scalar, lo, hi);
    *out = v;
    return PS_OK;
}

ps_status ps_spec_head(const char *path, const ps_node *root, const char *kind,
                       const char *const *top, int n_top, const char *const required[4],
                       char **name, char **description, char **base_path, ps_error *err)
{
    if (root->kind != PS_NODE_MAP)
        return ps_spec_bad(err, root, "a %s spec is not a map; expected keys %s, %s, %s, %s",
                           kind, required[0], required[1], required[2], required[3]);
    for (int i = 0; i < root->n; i++) {
        int known = 0;
        for (int k = 0; k < n_top; k++)
            known |= !strcmp(root->keys[i], top[k]);
        if (!known && !ps_node_file_has_key(root, i, top, n_top))
            return ps_spec_bad_key(err, root, i, "not a pactsim %s spec: none of its top-level "
                                   "keys is a %s key (its content is not shown); expected keys "
                                   "%s, %s, %s, %s", kind, kind, required[0], required[1],
                                   required[2], required[3]);
        if (!known)
            return ps_spec_unknown_key(err, root, i, "top-level key", top, n_top);
    }
    for (int k = 0; k < 4; k++) {
        const ps_node *n = ps_node_get(root, required[k]);
        if (!n || n->kind == PS_NODE_NULL)
            return ps_error_set(err, PS_ERR_CONFIG, "%s:%d:%d: missing required key '%s'; "
                                "expected %s, %s, %s and %s", path, root->line, root->col,
                                required[k], required[0], required[1], required[2],
                                required[3]);
    }
    ps_status st;
    const ps_node *n = ps_node_get(root, "name");
    if ((st = ps_spec_text(err, n, "name", name)) != PS_OK)
        return st;
    /* The name goes into files and scripts (pactsim slurm): one line of text,
     * a file name (the default output, <name>.h5), not a path. */
    int c = ps_name_flaw(*name, 1);
    if (c)
        return ps_spec_bad(err, n, "name has %s (0x%02x); expected a name on one line "
                           "without '/' (it names the default output file, <name>.h5)",
                           c == '/' ? "a '/'" : "a control character", c);
    if ((n = ps_node_get(root, "description")) && n->kind != PS_NODE_NULL &&
        (st = ps_spec_text(err, n, "description", description)) != PS_OK)
        return st;
    char *base;
    n = ps_node_get(root, "base");
    if ((st = ps_spec_text(err, n, "base", &base)) != PS_OK)
        return st;
    *base_path = ps_spec_path(n->file ? n->file : path, base);
    free(base);
    return *base_path ? PS_OK : nomem(err);
}

ps_status ps_spec_set(const ps_node *root, char ***fixed, int *n_fixed, ps_error *err)
{
    const ps_node *n = ps_node_get(root, "set");
    if (!n || n->kind == PS_NODE_NULL)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return ps_spec_bad(err, n, "set is not a map; expected {path: value, ...}");
    if (!(*fixed = ps_calloc((size_t)n->n + 1, sizeof **fixed)))
        return nomem(err);
    for (int i = 0; i < n->n; i++) {
        const ps_node *x = n->items[i];
        /* null deletes the key, as --set K=null does (refused there if it deletes nothing). */
        const char *v = x->kind == PS_NODE_NULL ? "null" : x->scalar;
        if (x->kind != PS_NODE_SCALAR && x->kind != PS_NODE_NULL)
            return ps_spec_bad(err, x, "set value of '%s' is a %s; expected a plain value (or "
                               "null, which deletes the key)", n->keys[i],
                               x->kind == PS_NODE_MAP ? "map" : "list");
        size_t len = strlen(n->keys[i]) + strlen(v) + 2;
        if (!((*fixed)[i] = malloc(len)))
            return nomem(err);
        snprintf((*fixed)[i], len, "%s=%s", n->keys[i], v);
        *n_fixed = i + 1;
    }
    return PS_OK;
}

/* ------------------------------------------------------------ freeing */
void ps_sweep_free(ps_sweep *sw)
{
    if (!sw)
        return;
    for (int j = 0; sw->params && j < sw->n_params; j++) {
        free(sw->params[j].path);
        free(sw->params[j].unit);
        free(sw->params[j].values);
    }
    for (int k = 0; k < sw->n_fixed; k++)
        free(sw->fixed[k]);
    free(sw->fixed);
    free(sw->inputs);
    free(sw->params);
    free(sw->path);
    free(sw->name);
    free(sw->description);
    free(sw->raw_text);
    free(sw->base_path);
    free(sw->unit);
    free(sw->points);
    free(sw->step);
    ps_scenario_free(sw->base);
    ps_posterior_free(sw->posterior);
    free(sw->post_swept);
    free(sw->point_seed);
    free(sw->posterior_path);
    free(sw->fields);
    free(sw);
}

/* ------------------------------------------------------------ parameters */
/* parameters.<model>.<name>: the registry's entry, checked against the
 * values; other paths are checked when the points are loaded. */
ps_status ps_spec_registry_param(ps_error *err, const ps_node *pmap, int i, const char *path,
                                 const ps_param **out)
{
    *out = NULL;
    if (strncmp(path, "parameters.", 11) != 0)
        return PS_OK;
    const char *mname = path + 11, *dot = strchr(mname, '.');
    if (!dot || strchr(dot + 1, '.'))
        return ps_spec_bad_key(err, pmap, i,
                       "parameter path '%s' is not parameters.<model>.<name>; expected e.g. "
                       "parameters.economy.lend_share", path);
    char model[PS_NAME_MAX];
    snprintf(model, sizeof model, "%.*s", (int)(dot - mname), mname);
    int m = ps_registry_find(model), nm = ps_registry_count();
    if (m < 0) {
        const char *cands[64];
        for (int k = 0; k < nm && k < 64; k++)
            cands[k] = ps_registry_model(k)->name;
        const char *near = ps_did_you_mean(model, cands, nm < 64 ? nm : 64);
        return ps_spec_bad_key(err, pmap, i, "unknown model '%s' in '%s'%s%s%s; expected a registered "
                       "model (see `pactsim config explain`)", model, path,
                       near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
    }
    const ps_model *md = ps_registry_model(m);
    for (int k = 0; k < md->n_params; k++)
        if (!strcmp(md->params[k].name, dot + 1)) {
            *out = &md->params[k];
            return PS_OK;
        }
    const char **cands = ps_calloc((size_t)md->n_params + 1, sizeof *cands);
    if (!cands)
        return nomem(err);
    for (int k = 0; k < md->n_params; k++)
        cands[k] = md->params[k].name;
    const char *near = ps_did_you_mean(dot + 1, cands, md->n_params);
    ps_status st = ps_spec_bad_key(err, pmap, i, "unknown parameter '%s' for model '%s'%s%s%s; expected "
                           "a parameter of '%s' (see `pactsim config explain %s`)", dot + 1,
                           model, near ? " (did you mean '" : "", near ? near : "",
                           near ? "'?)" : "", model, model);
    free(cands);
    return st;
}

static ps_status bind_param(ps_sweep *sw, const ps_node *pmap, int i, ps_error *err)
{
    ps_sweep_param *sp = &sw->params[i];
    const ps_node *n = pmap->items[i];
    sp->path = ps_strdup(pmap->keys[i]);
    sp->line = pmap->key_line[i];
    sp->col = pmap->key_col[i];
    if (!sp->path)
        return nomem(err);
    for (int k = 0; k < i; k++)
        if (!strcmp(sw->params[k].path, sp->path))
            return ps_spec_bad_key(err, pmap, i, "parameter '%s' is listed twice; expected each once",
                           sp->path);
    const ps_param *reg;
    ps_status st = ps_spec_registry_param(err, pmap, i, sp->path, &reg);
    if (st != PS_OK)
        return st;
    sp->unit = ps_strdup(reg ? reg->unit : "");
    sp->integer = reg && reg->type != PS_REAL;
    if (!sp->unit)
        return nomem(err);
    if (n->kind != PS_NODE_MAP)
        return ps_spec_bad(err, n, "parameter '%s' is not a map; expected {range: [lo, hi]} or "
                   "{values: [...]}", sp->path);
    const ps_node *range = NULL, *values = NULL;
    for (int k = 0; k < n->n; k++) {
        const ps_node *v = n->items[k];
        const char *key = n->keys[k];
        if (!strcmp(key, "range"))
            range = v;
        else if (!strcmp(key, "values"))
            values = v;
        else if (!strcmp(key, "levels")) {
            long long lv;
            if ((st = ps_spec_int(err, v, "levels", 2, 100000, &lv)) != PS_OK)
                return st;
            sp->levels = (int)lv;
        } else if (!strcmp(key, "scale")) {
            if (v->kind != PS_NODE_SCALAR || (strcmp(v->scalar, "linear") && strcmp(v->scalar, "log")))
                return ps_spec_bad(err, v, "scale '%s'; expected linear or log",
                           v->kind == PS_NODE_SCALAR ? v->scalar : "(not a value)");
            sp->log_scale = !strcmp(v->scalar, "log");
        } else
            return ps_spec_unknown_key(err, n, k, "key of a swept parameter", param_keys, N_PKEYS);
    }
    if (!!range == !!values)
        return ps_spec_bad(err, n, "parameter '%s' has %s; expected exactly one of range: [lo, hi] "
                   "and values: [...]", sp->path, range ? "both range and values" : "neither range nor values");
    if (range) {
        if (range->kind != PS_NODE_SEQ || range->n != 2)
            return ps_spec_bad(err, range, "range of '%s' is not a list of two numbers; expected "
                       "[lo, hi]", sp->path);
        if ((st = ps_spec_real(err, range->items[0], "range lower end", &sp->lo)) != PS_OK ||
            (st = ps_spec_real(err, range->items[1], "range upper end", &sp->hi)) != PS_OK)
            return st;
        if (!(sp->lo < sp->hi))
            return ps_spec_bad(err, range, "range [%g, %g] of '%s' is empty; expected lo < hi", sp->lo,
                       sp->hi, sp->path);
        if (sp->log_scale && sp->lo <= 0)
            return ps_spec_bad(err, range, "range [%g, %g] of '%s' has log scale; expected lo > 0",
                       sp->lo, sp->hi, sp->path);
        if (reg && (sp->lo < reg->lo || sp->hi > reg->hi))
            return ps_spec_bad(err, range, "range [%g, %g] of '%s' leaves the parameter's bounds; "
                       "expected a range within [%g, %g] %s", sp->lo, sp->hi, sp->path,
                       reg->lo, reg->hi, reg->unit);
        if (sw->design == PS_DESIGN_GRID && sp->levels == 0)
            return ps_spec_bad(err, n, "parameter '%s' has a range in a grid design but no levels; "
                       "expected levels: N (values from lo to hi)", sp->path);
    } else {
        if (values->kind != PS_NODE_SEQ || values->n < 1)
            return ps_spec_bad(err, values, "values of '%s' is not a non-empty list; expected "
                       "[v1, v2, ...]", sp->path);
        if (sp->log_scale || sp->levels)
            return ps_spec_bad(err, n, "parameter '%s' has a value list; expected no levels or scale "
                       "with values", sp->path);
        sp->n_values = values->n;
        sp->values = ps_calloc((size_t)values->n, sizeof(double));
        if (!sp->values)
            return nomem(err);
        for (int k = 0; k < values->n; k++) {
            if ((st = ps_spec_real(err, values->items[k], "value", &sp->values[k])) != PS_OK)
                return st;
            double v = sp->values[k];
            if (reg && (v < reg->lo || v > reg->hi))
                return ps_spec_bad(err, values->items[k], "value %g of '%s' is out of the parameter's "
                           "bounds; expected a value in [%g, %g] %s", v, sp->path, reg->lo,
                           reg->hi, reg->unit);
            if (sp->integer && v != floor(v))
                return ps_spec_bad(err, values->items[k], "value %g of '%s' is not an integer; expected "
                           "an integer (the parameter is an integer or boolean)", v, sp->path);
            sp->lo = k == 0 || v < sp->lo ? v : sp->lo;
            sp->hi = k == 0 || v > sp->hi ? v : sp->hi;
        }
    }
    return PS_OK;
}

/* u in [0, 1] to a value of parameter sp. */
static double map_value(const ps_sweep_param *sp, double u)
{
    if (sp->values) {
        int k = (int)floor(u * sp->n_values);
        return sp->values[k < 0 ? 0 : k >= sp->n_values ? sp->n_values - 1 : k];
    }
    double v = sp->log_scale ? exp(log(sp->lo) + u * (log(sp->hi) - log(sp->lo)))
                             : sp->lo + u * (sp->hi - sp->lo);
    if (sp->integer)
        v = round(v);
    return v < sp->lo ? sp->lo : v > sp->hi ? sp->hi : v;
}

/* ------------------------------------------------------------ designs */
static ps_status design_grid(ps_sweep *sw, ps_error *err)
{
    int k = sw->n_params;
    long long P = 1;
    for (int j = 0; j < k; j++) {
        int nl = sw->params[j].values ? sw->params[j].n_values : sw->params[j].levels;
        P *= nl;
        if (P > MAX_RUNS)
            return ps_error_set(err, PS_ERR_CONFIG, "%s: the grid has more than %d points; "
                                "expected fewer levels", sw->path, MAX_RUNS);
    }
    sw->n_points = (int)P;
    sw->unit = ps_calloc((size_t)P * k, sizeof(double));
    sw->points = ps_calloc((size_t)P * k, sizeof(double));
    if (!sw->unit || !sw->points)
        return nomem(err);
    for (long long p = 0; p < P; p++) {
        long long rest = p;
        for (int j = k - 1; j >= 0; j--) { /* last parameter varies fastest */
            const ps_sweep_param *sp = &sw->params[j];
            int nl = sp->values ? sp->n_values : sp->levels;
            int lv = (int)(rest % nl);
            rest /= nl;
            double u = nl > 1 ? (double)lv / (nl - 1) : 0.0;
            sw->unit[p * k + j] = u;
            if (sp->values)
                sw->points[p * k + j] = sp->values[lv];
            else
                sw->points[p * k + j] = map_value(sp, u);
        }
    }
    return PS_OK;
}

/* Latin hypercube: each parameter's range cut into n strata, one point in each. */
static void design_lhs(ps_sweep *sw, gsl_rng *rng)
{
    int n = sw->n_points, k = sw->n_params;
    int *perm = ps_calloc((size_t)n, sizeof *perm);
    for (int j = 0; perm && j < k; j++) {
        for (int i = 0; i < n; i++)
            perm[i] = i;
        gsl_ran_shuffle(rng, perm, (size_t)n, sizeof *perm);
        for (int i = 0; i < n; i++)
            sw->unit[(size_t)i * k + j] = (perm[i] + gsl_rng_uniform(rng)) / n;
    }
    free(perm);
}

/* Sobol' sequence of dimension d, skipping its first point (the origin). */
static int sobol_fill(double *out, int n, int d)
{
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d);
    if (!q)
        return -1;
    double *x = ps_calloc((size_t)d, sizeof *x);
    if (!x) {
        gsl_qrng_free(q);
        return -1;
    }
    gsl_qrng_get(q, x);
    for (int i = 0; i < n; i++) {
        gsl_qrng_get(q, x);
        memcpy(out + (size_t)i * d, x, (size_t)d * sizeof *x);
    }
    free(x);
    gsl_qrng_free(q);
    return 0;
}

/* Morris trajectories: a start on the p-level grid, then each parameter in a
 * random order moved by delta = p / (2 (p - 1)), up if it stays <= 1, else down. */
static void design_morris(ps_sweep *sw, gsl_rng *rng)
{
    int k = sw->n_params, p = sw->levels;
    double delta = p / (2.0 * (p - 1));
    int *order = ps_calloc((size_t)k, sizeof *order);
    double *x = ps_calloc((size_t)k, sizeof *x);
    if (!order || !x)
        goto done;
    for (int t = 0; t < sw->samples; t++) {
        size_t row = (size_t)t * (k + 1);
        for (int j = 0; j < k; j++) {
            x[j] = (double)gsl_rng_uniform_int(rng, (unsigned long)p) / (p - 1);
            order[j] = j;
        }
        gsl_ran_shuffle(rng, order, (size_t)k, sizeof *order);
        memcpy(sw->unit + row * k, x, (size_t)k * sizeof *x);
        sw->step[row] = -1;
        for (int s = 0; s < k; s++) {
            int j = order[s];
            x[j] = x[j] + delta <= 1.0 + 1e-12 ? x[j] + delta : x[j] - delta;
            memcpy(sw->unit + (row + s + 1) * k, x, (size_t)k * sizeof *x);
            sw->step[row + s + 1] = j;
        }
    }
done:
    free(order);
    free(x);
}

static ps_status build_design(ps_sweep *sw, const ps_node *root, ps_error *err)
{
    int k = sw->n_params;
    const ps_node *samples = ps_node_get(root, "samples");
    if (sw->design == PS_DESIGN_GRID)
        return design_grid(sw, err);
    if (sw->samples < 1)
        return ps_error_set(err, PS_ERR_CONFIG, "%s: design %s needs samples: N; expected "
                            "samples: N at the top level", sw->path, ps_design_name(sw->design));
    long long P = sw->samples;
    if (sw->design == PS_DESIGN_SALTELLI)
        P *= sw->second_order ? 2 * k + 2 : k + 2;
    else if (sw->design == PS_DESIGN_MORRIS)
        P *= k + 1;
    if (P > MAX_RUNS)
        return ps_spec_bad(err, samples, "%lld points; expected at most %d", P, MAX_RUNS);
    if ((sw->design == PS_DESIGN_SOBOL && k > 40) || (sw->design == PS_DESIGN_SALTELLI && 2 * k > 40))
        return ps_error_set(err, PS_ERR_CONFIG, "%s: %d parameters; the %s design supports "
                            "at most %d", sw->path, k, ps_design_name(sw->design),
                            sw->design == PS_DESIGN_SOBOL ? 40 : 20);
    sw->n_points = (int)P;
    sw->unit = ps_calloc((size_t)P * k, sizeof(double));
    sw->points = ps_calloc((size_t)P * k, sizeof(double));
    if (sw->design == PS_DESIGN_MORRIS)
        sw->step = ps_calloc((size_t)P, sizeof(int));
    if (!sw->unit || !sw->points || (sw->design == PS_DESIGN_MORRIS && !sw->step))
        return nomem(err);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng)
        return nomem(err);
    gsl_rng_set(rng, (unsigned long)ps_hash64(sw->design_seed));
    int N = sw->samples, fail = 0;
    switch (sw->design) {
    case PS_DESIGN_LHS:
        design_lhs(sw, rng);
        break;
    case PS_DESIGN_SOBOL:
        fail = sobol_fill(sw->unit, N, k);
        break;
    case PS_DESIGN_SALTELLI: {
        /* Blocks of N points: A, B, then AB_j = A with column j from B, then
         * (second order) BA_j = B with column j from A. */
        double *ab = ps_calloc((size_t)N * 2 * k, sizeof *ab);
        fail = !ab || sobol_fill(ab, N, 2 * k);
        for (int i = 0; !fail && i < N; i++)
            for (int j = 0; j < k; j++) {
                double a = ab[(size_t)i * 2 * k + j], b = ab[(size_t)i * 2 * k + k + j];
                sw->unit[(size_t)i * k + j] = a;
                sw->unit[((size_t)N + i) * k + j] = b;
                for (int c = 0; c < k; c++)
                    sw->unit[((size_t)(2 + c) * N + i) * k + j] = c == j ? b : a;
                for (int c = 0; sw->second_order && c < k; c++)
                    sw->unit[((size_t)(2 + k + c) * N + i) * k + j] = c == j ? a : b;
            }
        free(ab);
        break;
    }
    case PS_DESIGN_MORRIS:
        design_morris(sw, rng);
        break;
    default:
        break;
    }
    gsl_rng_free(rng);
    if (fail)
        return nomem(err);
    for (size_t i = 0; i < (size_t)P; i++)
        for (int j = 0; j < k; j++)
            sw->points[i * k + j] = map_value(&sw->params[j], sw->unit[i * k + j]);
    return PS_OK;
}

/* ------------------------------------------------------------ loading */
static ps_status bind_top(ps_sweep *sw, const ps_node *root, ps_error *err)
{
    static const char *const required[] = {"name", "base", "design", "parameters"};
    ps_status st = ps_spec_head(sw->path, root, "sweep", top_keys, N_TOP, required, &sw->name,
                                &sw->description, &sw->base_path, err);
    if (st != PS_OK)
        return st;
    const ps_node *n;
    n = ps_node_get(root, "design");
    if (n->kind != PS_NODE_SCALAR)
        return ps_spec_bad(err, n, "design is not a single value; expected grid, lhs, sobol, saltelli "
                   "or morris");
    int d = -1;
    for (int k = 0; k < 5; k++)
        if (!strcmp(n->scalar, design_names[k]))
            d = k;
    if (d < 0) {
        const char *near = ps_did_you_mean(n->scalar, design_names, 5);
        return ps_spec_bad(err, n, "unknown design '%s'%s%s%s; expected grid, lhs, sobol, saltelli or "
                   "morris", n->scalar, near ? " (did you mean '" : "", near ? near : "",
                   near ? "'?)" : "");
    }
    sw->design = (ps_design)d;
    long long v;
    if ((n = ps_node_get(root, "samples")) && n->kind != PS_NODE_NULL) {
        if (sw->design == PS_DESIGN_GRID)
            return ps_spec_bad(err, n, "samples in a grid design; expected levels per parameter instead");
        if ((st = ps_spec_int(err, n, "samples", 1, MAX_RUNS, &v)) != PS_OK)
            return st;
        sw->samples = (int)v;
    }
    sw->levels = 4;
    if ((n = ps_node_get(root, "levels")) && n->kind != PS_NODE_NULL) {
        if (sw->design != PS_DESIGN_MORRIS)
            return ps_spec_bad(err, n, "levels at the top level is for the morris design; expected "
                       "levels under each parameter in a grid");
        if ((st = ps_spec_int(err, n, "levels", 2, 1000, &v)) != PS_OK)
            return st;
        sw->levels = (int)v;
    }
    if ((n = ps_node_get(root, "second_order")) && n->kind != PS_NODE_NULL) {
        if (sw->design != PS_DESIGN_SALTELLI)
            return ps_spec_bad(err, n, "second_order is for the saltelli design; expected it only "
                       "with design: saltelli");
        const char *b = n->kind == PS_NODE_SCALAR && !n->quoted ? n->scalar : "";
        if (!strcmp(b, "true") || !strcmp(b, "false"))
            sw->second_order = b[0] == 't';
        else
            return ps_spec_bad(err, n, "second_order is '%s'; expected true or false",
                       n->kind == PS_NODE_SCALAR ? n->scalar : "(not a value)");
    }
    if ((n = ps_node_get(root, "seed")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "seed", 0, INT64_MAX, &v)) != PS_OK)
            return st;
        sw->design_seed = (uint64_t)v;
    }
    if ((n = ps_node_get(root, "replicates")) && n->kind != PS_NODE_NULL) {
        if ((st = ps_spec_int(err, n, "replicates", 1, 1000000, &v)) != PS_OK)
            return st;
        sw->replicates = (int)v;
    }
    if ((n = ps_node_get(root, "output")) && n->kind != PS_NODE_NULL) {
        int kk = -1;
        for (int k = 0; k < 3 && n->kind == PS_NODE_SCALAR; k++)
            if (!strcmp(n->scalar, keep_names[k]))
                kk = k;
        if (kk < 0)
            return ps_spec_bad(err, n, "output '%s'; expected summary, stride or full",
                       n->kind == PS_NODE_SCALAR ? n->scalar : "(not a value)");
        sw->keep = (ps_keep)kk;
    }
    sw->stride = sw->keep == PS_KEEP_FULL ? 1 : 0;
    if ((n = ps_node_get(root, "stride")) && n->kind != PS_NODE_NULL) {
        if (sw->keep != PS_KEEP_STRIDE)
            return ps_spec_bad(err, n, "stride without output: stride; expected output: stride");
        if ((st = ps_spec_int(err, n, "stride", 1, 100000, &v)) != PS_OK)
            return st;
        sw->stride = (int)v;
    }
    if (sw->keep == PS_KEEP_STRIDE && sw->stride == 0)
        return ps_spec_bad(err, ps_node_get(root, "output"), "output: stride without stride: K; "
                   "expected stride: K (months between records)");
    if ((n = ps_node_get(root, "fields")) && n->kind != PS_NODE_NULL) {
        if (sw->keep == PS_KEEP_SUMMARY)
            return ps_spec_bad(err, n, "fields with output: summary, which keeps no state "
                               "series; expected output: stride or full");
        if ((st = ps_fields_select(n, "fields", &sw->fields, err)) != PS_OK)
            return st;
    }

    if ((st = ps_spec_set(root, &sw->fixed, &sw->n_fixed, err)) != PS_OK)
        return st;
    n = ps_node_get(root, "parameters");
    if (n->kind != PS_NODE_MAP || n->n == 0)
        return ps_spec_bad(err, n, "parameters is %s; expected a map of --set paths to {range: [lo, "
                   "hi]} or {values: [...]}", n->kind == PS_NODE_MAP ? "empty" : "not a map");
    sw->n_params = n->n;
    sw->params = ps_calloc((size_t)n->n, sizeof *sw->params);
    if (!sw->params)
        return nomem(err);
    for (int i = 0; i < n->n; i++)
        if ((st = bind_param(sw, n, i, err)) != PS_OK)
            return st;
    /* The base with the fixed overrides: coordinates and replicates. */
    ps_error e = {PS_OK, ""};
    st = ps_scenario_load(sw->base_path, (const char *const *)sw->fixed, sw->n_fixed,
                          &sw->base, &e);
    if (st != PS_OK) {
        ps_spec_bad(err, ps_node_get(root, "base"), "base scenario %s: %s", sw->base_path, e.msg);
        if (err)
            err->code = st; /* the scenario loader's kind of error */
        return st;
    }
    if (sw->replicates == 0)
        sw->replicates = sw->base->replicates;
    return build_design(sw, root, err);
}

ps_status ps_sweep_load(const char *path, ps_sweep **out, ps_error *err)
{
    *out = NULL;
    ps_sweep *sw = ps_calloc(1, sizeof *sw);
    if (!sw)
        return nomem(err);
    sw->path = ps_strdup(path);
    if (!sw->path) {
        ps_sweep_free(sw);
        return nomem(err);
    }
    ps_node *root = NULL;
    ps_status st = ps_node_load_config(path, &root, NULL, 0, &sw->inputs, err);
    if (st == PS_OK) {
        sw->raw_text = ps_read_file(path, NULL, err);
        st = sw->raw_text ? bind_top(sw, root, err) : PS_ERR_IO;
    }
    ps_node_free(root);
    if (st == PS_OK && (long long)sw->n_points * sw->replicates > MAX_RUNS)
        st = ps_error_set(err, PS_ERR_CONFIG, "%s: %d points x %d replicates is more than %d "
                          "runs; expected fewer", path, sw->n_points, sw->replicates, MAX_RUNS);
    if (st != PS_OK) {
        ps_sweep_free(sw);
        return st;
    }
    *out = sw;
    return PS_OK;
}

/* Is the --set path of "KEY=VALUE" (or "+KEY=VALUE") path? */
static int sets_path(const char *set, const char *path)
{
    const char *key = set + (set[0] == '+'), *eq = strchr(key, '=');
    size_t klen = eq ? (size_t)(eq - key) : strlen(key);
    return strlen(path) == klen && !strncmp(key, path, klen);
}

ps_status ps_sweep_override_base(ps_sweep *sw, const char *const *sets, int n_sets,
                                 int replicates, ps_error *err)
{
    if (!sw || (n_sets > 0 && !sets) || n_sets < 0 || replicates < 0)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_sweep_override_base: bad arguments");
    for (int i = 0; i < n_sets; i++) {
        for (int j = 0; j < sw->n_params; j++)
            if (sets_path(sets[i], sw->params[j].path))
                return ps_error_set(err, PS_ERR_USAGE, "option --set %s: the sweep varies '%s' "
                                    "(%s:%d:%d); expected a path the sweep does not vary",
                                    sets[i], sw->params[j].path, sw->path, sw->params[j].line,
                                    sw->params[j].col);
    }
    if (replicates > 0 && (long long)sw->n_points * replicates > MAX_RUNS)
        return ps_error_set(err, PS_ERR_USAGE, "option --replicates %d: %d points x %d "
                            "replicates is more than %d runs; expected fewer", replicates,
                            sw->n_points, replicates, MAX_RUNS);
    if (n_sets > 0) {
        char **fixed = realloc(sw->fixed, ((size_t)sw->n_fixed + (size_t)n_sets + 1) *
                                              sizeof *fixed);
        if (!fixed)
            return nomem(err);
        sw->fixed = fixed;
        for (int i = 0; i < n_sets; i++) {
            if (!(sw->fixed[sw->n_fixed] = ps_strdup(sets[i])))
                return nomem(err);
            sw->n_fixed++;
        }
        /* The base again, with them: coordinates and provenance. */
        ps_scenario *base = NULL;
        ps_error e = {PS_OK, ""};
        ps_status st = ps_scenario_load(sw->base_path, (const char *const *)sw->fixed,
                                        sw->n_fixed, &base, &e);
        if (st != PS_OK)
            return ps_error_set(err, st, "base scenario %s: %s", sw->base_path, e.msg);
        ps_scenario_free(sw->base);
        sw->base = base;
    }
    if (replicates > 0)
        sw->replicates = replicates;
    return PS_OK;
}

/* ------------------------------------------------------------ points */
void ps_sweep_override(const ps_sweep *sw, int p, int j, char *buf, size_t len)
{
    double v = sw->points[(size_t)p * sw->n_params + j];
    if (sw->params[j].integer || (v == floor(v) && fabs(v) < 1e15))
        snprintf(buf, len, "%s=%.0f", sw->params[j].path, v);
    else
        snprintf(buf, len, "%s=%.17g", sw->params[j].path, v);
}

ps_status ps_sweep_point_scenario(const ps_sweep *sw, int p, ps_scenario **out, ps_error *err)
{
    *out = NULL;
    int n = sw->n_fixed + sw->n_params + 1;
    char **ov = ps_calloc((size_t)n, sizeof *ov);
    char rep[48];
    ps_status st = PS_OK;
    if (!ov)
        return nomem(err);
    int k = 0;
    for (int i = 0; i < sw->n_fixed; i++)
        ov[k++] = sw->fixed[i];
    for (int j = 0; j < sw->n_params && st == PS_OK; j++) {
        size_t len = strlen(sw->params[j].path) + 40;
        if (!(ov[k] = malloc(len)))
            st = nomem(err);
        else
            ps_sweep_override(sw, p, j, ov[k++], len);
    }
    snprintf(rep, sizeof rep, "replicates=%d", sw->replicates);
    ov[k++] = rep;
    /* After point 0 the posterior is not read again: each point takes a copy
     * of the one its validation read (~3 ms a point saved twice, and every
     * point surely draws from the same posterior). */
    if (st == PS_OK)
        st = ps_scenario_load_reusing(sw->base_path, (const char *const *)ov, k, sw->posterior,
                                      out, err);
    if (st == PS_OK && sw->posterior_path) {
        st = sw->posterior ? ps_scenario_attach_posterior_copy(*out, sw->posterior, err)
                           : ps_scenario_attach_posterior(*out, sw->posterior_path, err);
        if (st != PS_OK) {
            ps_scenario_free(*out);
            *out = NULL;
        }
    }
    for (int j = 0; j < sw->n_params; j++)
        free(ov[sw->n_fixed + j]);
    free(ov);
    return st;
}

static int same_layout(const ps_scenario *a, const ps_scenario *b)
{
    if (a->n_actors != b->n_actors || a->n_theaters != b->n_theaters ||
        a->n_months != b->n_months || a->start.year != b->start.year ||
        a->start.month != b->start.month)
        return 0;
    for (int i = 0; i < a->n_actors; i++)
        if (strcmp(a->actor_iso3[i], b->actor_iso3[i]))
            return 0;
    for (int i = 0; i < a->n_theaters; i++)
        if (strcmp(a->theater_name[i], b->theater_name[i]))
            return 0;
    return 1;
}

ps_status ps_sweep_set_posterior(ps_sweep *sw, const char *path, ps_error *err)
{
    if (!sw || !path)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_sweep_set_posterior: bad arguments");
    /* Read now, so that a bad file is refused before the points. */
    ps_status st = ps_scenario_attach_posterior(sw->base, path, err);
    if (st != PS_OK)
        return st;
    free(sw->posterior_path);
    sw->posterior_path = ps_strdup(path);
    /* One of the sweep's inputs: never its output. */
    if (!sw->posterior_path || ps_path_list_add(&sw->inputs, path) < 0)
        return nomem(err);
    sw->hash = 0;
    return PS_OK;
}

/* After point 0: the posterior its scenario drew from becomes the sweep's,
 * with the parameters the sweep varies marked. */
static ps_status take_posterior(ps_sweep *sw, ps_scenario *sc, ps_error *err)
{
    ps_posterior *p = sc->posterior;
    sw->post_swept = ps_calloc((size_t)p->n_params + 1, 1);
    if (!sw->post_swept)
        return nomem(err);
    for (int j = 0; j < p->n_params; j++)
        for (int i = 0; i < sw->n_params; i++)
            sw->post_swept[j] |= !strcmp(sw->params[i].path, p->paths[j]);
    sw->posterior = p;
    sc->posterior = NULL;
    return PS_OK;
}

int ps_sweep_posterior_note(const ps_sweep *sw, char *buf, size_t len)
{
    const ps_posterior *p = sw->posterior;
    if (!p || len == 0)
        return 1;
    char swept[400] = "", fixed[400] = "";
    int n_swept = 0, n_fixed = 0;
    for (int j = 0; j < p->n_params; j++) {
        if (sw->post_swept[j]) {
            snprintf(swept + strlen(swept), sizeof swept - strlen(swept), "%s%s",
                     n_swept++ ? ", " : "", p->paths[j]);
            continue;
        }
        for (int k = 0; k < sw->n_fixed; k++)
            if (sets_path(sw->fixed[k], p->paths[j])) {
                snprintf(fixed + strlen(fixed), sizeof fixed - strlen(fixed), "%s%s",
                         n_fixed++ ? ", " : "", p->paths[j]);
                break;
            }
    }
    int n = snprintf(buf, len, "replicate r of every point draws its parameters from the "
                     "posterior %s (%d parameters) as run --posterior does", p->path,
                     p->n_params);
    if (n >= 0 && (size_t)n < len && n_swept)
        n += snprintf(buf + n, len - (size_t)n, "; the sweep varies %d of them, which take "
                      "the point's values instead of the draw's: %s", n_swept, swept);
    if (n >= 0 && (size_t)n < len && n_fixed)
        snprintf(buf + n, len - (size_t)n, "; set (set: or --set) but drawn, as with run "
                 "--posterior, so their set values are not used: %s", fixed);
    return 0;
}

/* A point that failed: point at the spec's parameter whose override the
 * message names, if any. */
static ps_status point_error(const ps_sweep *sw, int p, ps_status st, const ps_error *e,
                             ps_error *err)
{
    char ov[1200];
    int bad_j = -1;
    for (int j = 0; j < sw->n_params; j++) {
        ps_sweep_override(sw, p, j, ov, sizeof ov);
        if (strstr(e->msg, ov))
            bad_j = j;
    }
    int named = bad_j >= 0; /* the message names the override */
    if (bad_j < 0 && sw->n_params == 1)
        bad_j = 0; /* a model judged the point: its one parameter */
    if (bad_j >= 0) {
        ps_sweep_override(sw, p, bad_j, ov, sizeof ov);
        return ps_error_set(err, st, "%s:%d:%d: point %d of the %s design, parameter "
                            "'%s'%s%s%s: %s", sw->path, sw->params[bad_j].line,
                            sw->params[bad_j].col, p, ps_design_name(sw->design),
                            sw->params[bad_j].path, named ? "" : " (", named ? "" : ov,
                            named ? "" : ")", e->msg);
    }
    /* Name the point's values, so that the user can find it. */
    char vals[2048] = "";
    size_t used = 0;
    for (int j = 0; j < sw->n_params && used + 1 < sizeof vals; j++) {
        ps_sweep_override(sw, p, j, ov, sizeof ov);
        int k = snprintf(vals + used, sizeof vals - used, "%s%s", j ? ", " : "", ov);
        used = k < 0 ? sizeof vals : used + (size_t)k;
    }
    return ps_error_set(err, st, "%s: point %d of the %s design (%s): %s", sw->path, p,
                        ps_design_name(sw->design), vals, e->msg);
}

/* Whether the spec sweeps initial values, which only the models can judge
 * against each other (ps_scenario_check): then each point's first month is
 * stepped at validation, so that a bad point fails before any run. */
static int sweeps_initial_values(const ps_sweep *sw)
{
    for (int j = 0; j < sw->n_params; j++)
        if (strncmp(sw->params[j].path, "parameters.", 11) != 0)
            return 1;
    return 0;
}

ps_status ps_sweep_validate(ps_sweep *sw, ps_error *err)
{
    ps_posterior_free(sw->posterior);
    free(sw->post_swept);
    free(sw->point_seed);
    sw->posterior = NULL;
    sw->post_swept = NULL;
    if (!(sw->point_seed = ps_calloc((size_t)sw->n_points, sizeof *sw->point_seed)))
        return nomem(err);
    uint64_t h = PS_FNV_BASIS;
    h = ps_fnv1a(h, sw->raw_text, strlen(sw->raw_text));
    h = ps_fnv1a(h, PS_VERSION, strlen(PS_VERSION));
    const int check_inits = sweeps_initial_values(sw);
    for (int p = 0; p < sw->n_points; p++) {
        ps_scenario *sc;
        ps_error e = {PS_OK, ""};
        ps_status st = ps_sweep_point_scenario(sw, p, &sc, &e);
        if (st != PS_OK)
            return point_error(sw, p, st, &e, err);
        /* Point 0 always (the base's own values: its world must build and
         * step); every point where the sweep sets initial values. */
        if ((check_inits || p == 0) && (st = ps_scenario_check(sc, &e)) != PS_OK) {
            ps_scenario_free(sc);
            return point_error(sw, p, st, &e, err);
        }
        sw->point_seed[p] = sc->seed;
        if (p == 0 && sc->posterior && take_posterior(sw, sc, err) != PS_OK) {
            ps_scenario_free(sc);
            return PS_ERR_NOMEM;
        }
        if (sw->keep != PS_KEEP_SUMMARY && !same_layout(sc, sw->base)) {
            ps_scenario_free(sc);
            return ps_error_set(err, PS_ERR_CONFIG, "%s: point %d has other actors, theaters "
                                "or months than the base; expected the same at every point "
                                "with output: %s (or use output: summary)", sw->path, p,
                                keep_names[sw->keep]);
        }
        h = ps_fnv1a(h, sc->resolved_text, strlen(sc->resolved_text) + 1);
        ps_scenario_free(sc);
    }
    /* The draws depend on the posterior's content, not on its name. */
    if (sw->posterior)
        h = ps_fnv1a(h, &sw->posterior->hash, sizeof sw->posterior->hash);
    sw->hash = h;
    return PS_OK;
}
