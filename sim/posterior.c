/* Posterior ensembles: `run --posterior FILE` (docs/calibration.md).
 *
 * A posterior file (written by `pactsim calibrate`, sim/calib.c) holds
 * weighted parameter samples. Replicate r of a run draws one sample from
 * them with a stream keyed by (seed, r) only, so replicate r has the same
 * parameters alone or among any number of replicates, and runs with the
 * parameters of its sample: a band over replicates then carries parameter
 * and stochastic uncertainty together. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "h5util.h"

/* Key of the posterior draw streams ('post'): no model uses it. */
#define DRAW_ID 0x706f7374ULL

int ps_param_path_find(const char *path, int *model, int *index)
{
    if (strncmp(path, "parameters.", 11) != 0)
        return -1;
    const char *mname = path + 11, *dot = strchr(mname, '.');
    if (!dot || strchr(dot + 1, '.'))
        return -1;
    char name[PS_NAME_MAX];
    snprintf(name, sizeof name, "%.*s", (int)(dot - mname), mname);
    int m = ps_registry_find(name);
    if (m < 0)
        return -1;
    const ps_model *md = ps_registry_model(m);
    for (int k = 0; k < md->n_params; k++)
        if (!strcmp(md->params[k].name, dot + 1)) {
            *model = m;
            *index = k;
            return 0;
        }
    return -1;
}

int ps_init_path_field(const char *path, char iso3[8])
{
    iso3[0] = '\0';
    if (strncmp(path, "actors.", 7) != 0)
        return -1;
    const char *a = path + 7, *dot = strchr(a, '.');
    if (!dot || dot == a || dot - a > 7 || strchr(dot + 1, '.'))
        return -1;
    int f = ps_field_index(dot + 1);
    if (f < 0 || f >= ps_registry_n_fields() || ps_registry_field(f, NULL)->shape != PS_ACTOR)
        return -1;
    snprintf(iso3, 8, "%.*s", (int)(dot - a), a);
    return f;
}

int ps_init_path_bind(ps_scenario *sc, const char *path, char iso3[8])
{
    int f = ps_init_path_field(path, iso3), i = f < 0 ? -1 : ps_scenario_actor(sc, iso3);
    if (i < 0)
        return -1;
    double v = ps_registry_field(f, NULL)->init;
    for (int k = 0; k < sc->n_inits; k++) /* the last given wins, as in the world */
        if (sc->inits[k].field == f && sc->inits[k].i == i)
            v = sc->inits[k].value;
    ps_init_value *p = realloc(sc->inits, ((size_t)sc->n_inits + 1) * sizeof *p);
    if (!p)
        return -2;
    sc->inits = p;
    p[sc->n_inits] = (ps_init_value){f, i, 0, v, 0};
    return sc->n_inits++;
}

ps_init_value *ps_inits_copy(const ps_scenario *sc)
{
    ps_init_value *p = malloc(((size_t)sc->n_inits + 1) * sizeof *p);
    if (p && sc->n_inits)
        memcpy(p, sc->inits, (size_t)sc->n_inits * sizeof *p);
    return p;
}

void ps_value_info(int model, int index, double *lo, double *hi, const char **unit,
                   int *integer)
{
    if (model < 0) {
        const ps_field *fd = ps_registry_field(-1 - model, NULL);
        *lo = fd->lo;
        *hi = fd->hi;
        *unit = fd->unit;
        *integer = 0;
        return;
    }
    const ps_param *pp = &ps_registry_model(model)->params[index];
    *lo = pp->lo;
    *hi = pp->hi;
    *unit = pp->unit;
    *integer = ps_value_integer(model, index);
}

int ps_value_integer(int model, int index)
{
    return model >= 0 && ps_registry_model(model)->params[index].type != PS_REAL;
}

void ps_scenario_value_set(ps_scenario *sc, int model, int index, double v)
{
    if (model < 0)
        sc->inits[index].value = v;
    else
        ps_params_set(sc->params, model, index, v);
}

double **ps_params_copy(const ps_scenario *sc)
{
    int nm = ps_registry_count();
    double **p = ps_calloc((size_t)nm + 1, sizeof *p);
    for (int m = 0; p && m < nm; m++) {
        int n = ps_registry_model(m)->n_params;
        if (!(p[m] = ps_calloc((size_t)n + 1, sizeof **p))) {
            ps_params_free(p);
            return NULL;
        }
        memcpy(p[m], sc->params[m], (size_t)n * sizeof **p);
    }
    return p;
}

void ps_params_free(double **p)
{
    if (!p)
        return;
    for (int m = 0; m < ps_registry_count(); m++)
        free(p[m]);
    free(p);
}

/* What --set parameters.<model>.<name>=v gives: integers and booleans are
 * whole numbers (values are already within the bounds). */
void ps_params_set(double **params, int model, int index, double v)
{
    if (ps_registry_model(model)->params[index].type != PS_REAL)
        v = round(v);
    params[model][index] = v;
}

void ps_posterior_free(ps_posterior *p)
{
    if (!p)
        return;
    for (int j = 0; p->paths && j < p->n_params; j++)
        free(p->paths[j]);
    free(p->paths);
    free(p->model);
    free(p->index);
    free(p->samples);
    free(p->weights);
    free(p->cum);
    free(p->draw);
    free(p->path);
    free(p);
}

static ps_status bad_file(ps_error *err, const char *path, const char *what)
{
    return ps_error_set(err, PS_ERR_INPUT, "%s: %s; expected a posterior file written by "
                        "`pactsim calibrate`", path, what);
}

ps_status ps_posterior_load(const char *path, ps_posterior **out, ps_error *err)
{
    *out = NULL;
    hid_t f;
    ps_status st = ps_h5_open_checked(path, PS_POSTERIOR_FORMAT, 0, &f, err);
    if (st != PS_OK)
        return st;
    ps_posterior *p = ps_calloc(1, sizeof *p);
    char **names = NULL;
    hsize_t nn = 0, ds[8], dw[8];
    int rs = 0, rw = 0;
    if (!p || !(p->path = ps_strdup(path))) {
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    if (ps_h5_read_strings(f, "posterior/parameter", &names, &nn) < 0 || nn < 1 ||
        ps_h5_read_doubles(f, "posterior/samples", &p->samples, ds, &rs) < 0 ||
        ps_h5_read_doubles(f, "posterior/weights", &p->weights, dw, &rw) < 0) {
        st = ps_h5_refused()[0] ? ps_h5_refusal(err, path) /* declares more than it holds */
                                : bad_file(err, path, "no readable /posterior/parameter, samples "
                                           "and weights");
        goto done;
    }
    if (rs != 2 || rw != 1 || ds[1] != nn || dw[0] != ds[0] || ds[0] < 1 || ds[0] > INT32_MAX) {
        st = bad_file(err, path, "/posterior/samples is not [sample, parameter] with one "
                      "weight per sample");
        goto done;
    }
    p->n_params = (int)nn;
    p->n_samples = (int)ds[0];
    p->paths = ps_calloc(nn, sizeof *p->paths);
    p->model = ps_calloc(nn, sizeof *p->model);
    p->index = ps_calloc(nn, sizeof *p->index);
    if (!p->paths || !p->model || !p->index) {
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int j = 0; j < p->n_params; j++) {
        if (!names[j] || !(p->paths[j] = ps_strdup(names[j]))) {
            st = bad_file(err, path, "an empty parameter name");
            goto done;
        }
        char iso3[8];
        int fi = ps_init_path_field(names[j], iso3);
        if (fi >= 0) { /* an initial value: its place in the scenario is bound on attach */
            p->model[j] = -1 - fi;
            p->index[j] = -1;
        } else if (ps_param_path_find(names[j], &p->model[j], &p->index[j]) < 0) {
            char m[600];
            snprintf(m, sizeof m, "parameter '%.500s' is not a parameter of this pactsim "
                     "build", names[j]);
            st = bad_file(err, path, m);
            goto done;
        }
        double lo, hi;
        const char *unit;
        int integer;
        ps_value_info(p->model[j], p->index[j], &lo, &hi, &unit, &integer);
        for (int i = 0; i < p->n_samples; i++) {
            double v = p->samples[(size_t)i * nn + j];
            if (!isfinite(v) || v < lo || v > hi) {
                char m[700];
                snprintf(m, sizeof m, "sample %d of '%.500s' is %g, outside the parameter's "
                         "bounds [%g, %g]", i, names[j], v, lo, hi);
                st = bad_file(err, path, m);
                goto done;
            }
        }
    }
    double total = 0.0;
    for (int i = 0; i < p->n_samples; i++) {
        if (!isfinite(p->weights[i]) || p->weights[i] < 0) {
            st = bad_file(err, path, "a weight that is negative or not finite");
            goto done;
        }
        total += p->weights[i];
    }
    if (!(total > 0)) {
        st = bad_file(err, path, "weights that sum to zero");
        goto done;
    }
    if (!(p->cum = ps_calloc((size_t)p->n_samples, sizeof *p->cum))) {
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    total = 0.0; /* the same sums, in the same order */
    for (int i = 0; i < p->n_samples; i++)
        p->cum[i] = total += p->weights[i];
    /* The hash of what the draws depend on: names, samples, weights. */
    uint64_t h = PS_FNV_BASIS;
    for (int j = 0; j < p->n_params; j++)
        h = ps_fnv1a(h, p->paths[j], strlen(p->paths[j]) + 1);
    h = ps_fnv1a(h, p->samples, (size_t)p->n_samples * nn * sizeof(double));
    p->hash = ps_fnv1a(h, p->weights, (size_t)p->n_samples * sizeof(double));
done:
    ps_h5_strings_free(names, nn);
    H5Fclose(f);
    if (st != PS_OK) {
        ps_posterior_free(p);
        return st;
    }
    *out = p;
    return PS_OK;
}

int ps_posterior_sample(const ps_posterior *p, ps_rng *rng, uint64_t seed, int replicate)
{
    double u = gsl_rng_uniform(ps_rng_key(rng, seed, replicate, 0, DRAW_ID, 0)) *
               p->cum[p->n_samples - 1];
    int lo = 0, hi = p->n_samples - 1; /* first i with cum[i] > u */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->cum[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    while (lo > 0 && p->weights[lo] == 0) /* never a sample of weight 0 */
        lo--;
    return lo;
}

/* Give sc the posterior p (taken over; freed on failure), with a draw for
 * each of its replicates; path is the file it came from, one of sc's inputs. */
static ps_status attach(ps_scenario *sc, ps_posterior *p, const char *path, ps_error *err)
{
    for (int j = 0; j < p->n_params; j++) {
        if (p->model[j] >= 0)
            continue;
        char iso3[8];
        int k = ps_init_path_bind(sc, p->paths[j], iso3);
        if (k < 0) {
            ps_status st = k == -2 ? ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path)
                                   : ps_error_set(err, PS_ERR_CONFIG,
                                                  "%s: posterior parameter '%s': the scenario "
                                                  "has no actor %s", path, p->paths[j], iso3);
            ps_posterior_free(p);
            return st;
        }
        p->index[j] = k;
    }
    ps_rng *rng = ps_rng_alloc();
    p->replicates = sc->replicates;
    p->draw = ps_calloc((size_t)sc->replicates, sizeof *p->draw);
    /* The posterior is one of the run's inputs: never an output (ps_out_check). */
    if (!rng || !p->draw || ps_path_list_add(&sc->inputs, path) < 0) {
        ps_rng_free(rng);
        ps_posterior_free(p);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int r = 0; r < sc->replicates; r++)
        p->draw[r] = ps_posterior_sample(p, rng, sc->seed, r);
    ps_rng_free(rng);
    ps_posterior_free(sc->posterior);
    sc->posterior = p;
    return PS_OK;
}

ps_status ps_scenario_attach_posterior(ps_scenario *sc, const char *path, ps_error *err)
{
    ps_posterior *p;
    ps_status st = ps_posterior_load(path, &p, err);
    if (st != PS_OK)
        return st;
    return attach(sc, p, path, err);
}

static void *dup_bytes(const void *src, size_t n)
{
    void *d = malloc(n ? n : 1);
    if (d && n)
        memcpy(d, src, n);
    return d;
}

ps_status ps_scenario_attach_posterior_copy(ps_scenario *sc, const ps_posterior *src,
                                            ps_error *err)
{
    size_t k = (size_t)src->n_params, n = (size_t)src->n_samples;
    ps_posterior *p = ps_calloc(1, sizeof *p);
    if (!p)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", src->path);
    p->n_params = src->n_params;
    p->n_samples = src->n_samples;
    p->hash = src->hash;
    p->path = ps_strdup(src->path);
    p->paths = ps_calloc(k + 1, sizeof *p->paths);
    p->model = dup_bytes(src->model, k * sizeof *p->model);
    p->index = dup_bytes(src->index, k * sizeof *p->index);
    p->samples = dup_bytes(src->samples, n * k * sizeof *p->samples);
    p->weights = dup_bytes(src->weights, n * sizeof *p->weights);
    p->cum = dup_bytes(src->cum, n * sizeof *p->cum);
    int bad = !p->path || !p->paths || !p->model || !p->index || !p->samples || !p->weights ||
              !p->cum;
    for (size_t j = 0; !bad && j < k; j++)
        bad = !(p->paths[j] = ps_strdup(src->paths[j]));
    if (bad) {
        ps_posterior_free(p);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", src->path);
    }
    return attach(sc, p, src->path, err);
}

void ps_posterior_apply(const ps_posterior *p, int replicate, const unsigned char *keep,
                        ps_scenario *sc)
{
    const double *x = p->samples + (size_t)p->draw[replicate] * p->n_params;
    for (int j = 0; j < p->n_params; j++)
        if (!keep || !keep[j])
            ps_scenario_value_set(sc, p->model[j], p->index[j], x[j]);
}

int ps_posterior_write_draws(hid_t file, const ps_posterior *p)
{
    hid_t g = H5Gcreate2(file, "posterior_draws", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    hsize_t R = (hsize_t)p->replicates, k = (hsize_t)p->n_params, dims[2] = {R, k};
    double *v = ps_calloc(R * k + 1, sizeof *v);
    int bad = !v;
    for (hsize_t r = 0; v && r < R; r++)
        for (hsize_t j = 0; j < k; j++) {
            double x = p->samples[(size_t)p->draw[r] * k + j];
            v[r * k + j] = ps_value_integer(p->model[j], p->index[j]) ? round(x) : x;
        }
    bad = bad || ps_h5_put_strings(g, "parameter", (const char *const *)p->paths, k) < 0;
    bad = bad || ps_h5_put_doubles(g, "values", 2, dims, v) < 0;
    hid_t d = bad ? -1 : ps_h5_put(g, "sample", H5T_STD_I32LE, H5T_NATIVE_INT, 1, &R, p->draw);
    bad = bad || d < 0 || H5Dclose(d) < 0;
    bad = bad || ps_h5_attr_str(g, "posterior_file", p->path) < 0;
    bad = bad || ps_h5_attr_u64(g, "posterior_hash", p->hash) < 0;
    bad = bad || ps_h5_attr_i32(g, "posterior_samples", p->n_samples) < 0;
    free(v);
    H5Gclose(g);
    return bad ? -1 : 0;
}
