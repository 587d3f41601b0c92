/* ABC-SMC: adaptive population Monte Carlo ABC (docs/calibration.md).
 *
 * Lenormand, Jabot & Deffuant (2013), "Adaptive approximate Bayesian
 * computation for complex models", Comput. Stat. 28:2777, which builds on
 * Beaumont et al. (2009) and Del Moral, Doucet & Jasra (2012):
 *   generation 0: N particles from the prior; keep the Na = keep * N nearest
 *     (weights 1); the tolerance is the largest kept distance;
 *   generation t: draw N - Na new particles from the kept ones (by weight),
 *     moved by a Gaussian kernel of covariance 2 x their weighted covariance,
 *     within the prior's support; weight prior / kernel mixture density; the
 *     acceptance rate is the share of new particles within the tolerance;
 *     keep the Na nearest of old and new: the new tolerance is the keep-
 *     quantile of all their distances;
 *   stop when the acceptance rate falls below `acceptance`, the tolerance
 *   reaches `tolerance`, the ESS falls below `ess` x Na, or after `generations`.
 * Every random number of particle j of generation t comes from a stream
 * keyed (seed, t, j), and its simulations from a scenario seed keyed the
 * same way; sums over particles are taken in index order on one thread. So
 * the posterior is bit-identical for any number of threads, and a run
 * resumed from the checkpoint of its last finished generation is identical
 * to one never interrupted. With several processes (ps_calib_ranks: MPI
 * ranks, which the CLI sets up) each simulates its share of a generation's
 * particles and one combine gives every process all of them, so the result
 * does not depend on the number of processes either. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <libdeflate.h>

#include "internal.h"
#include "h5util.h"

#define PROPOSE_ID 0x6162630001ULL /* 'abc' streams: proposals */
#define FORMAT_VERSION 1
static const char ckpt_magic[8] = PS_ABC_MAGIC;

/* One generation's kept population and diagnostics. */
typedef struct {
    double *theta;   /* [Na * k] */
    double *logw;    /* [Na], unnormalised log importance weights */
    double *dist;    /* [Na] */
    double tolerance, acceptance, ess;
    long long sims;
} generation;

typedef struct {
    ps_calib *c;
    int k, N, Na, M;
    generation *gen;
    int n_gen, cap_gen;
    int final;       /* the last generation met a stop rule */
    ps_calib_ranks *R; /* NULL: one process */
    int rank, size;
    double *cbuf;    /* a generation's theta, dist, logw and each rank's status */
} abc_state;

/* A thread's simulation context: its scenario copy, world, run, buffers. */
typedef struct {
    ps_scenario sc;
    ps_world *w;
    ps_run *run;
    double *x, *sum;  /* [n_obs] */
    ps_rng *rng;
    double *z, *y;    /* [k] */
    unsigned char *keep; /* the series a run keeps: its metrics' and the observations' */
} worker;

/* ------------------------------------------------------------ helpers */
static ps_status nomem(ps_error *err)
{
    return ps_error_set(err, PS_ERR_NOMEM, "out of memory in calibration");
}

static void gen_free(generation *g)
{
    free(g->theta);
    free(g->logw);
    free(g->dist);
    memset(g, 0, sizeof *g);
}

static int gen_alloc(generation *g, int Na, int k)
{
    g->theta = ps_calloc((size_t)Na * k + 1, sizeof(double));
    g->logw = ps_calloc((size_t)Na + 1, sizeof(double));
    g->dist = ps_calloc((size_t)Na + 1, sizeof(double));
    return g->theta && g->logw && g->dist ? 0 : -1;
}

static generation *gen_push(abc_state *s)
{
    if (s->n_gen == s->cap_gen) {
        int cap = s->cap_gen ? 2 * s->cap_gen : 8;
        generation *g = realloc(s->gen, (size_t)cap * sizeof *g);
        if (!g)
            return NULL;
        s->gen = g;
        s->cap_gen = cap;
    }
    generation *g = &s->gen[s->n_gen];
    memset(g, 0, sizeof *g);
    if (gen_alloc(g, s->Na, s->k) < 0) {
        gen_free(g);
        return NULL;
    }
    s->n_gen++;
    return g;
}

/* Normalised weights of a population (from log weights), in index order. */
static void norm_weights(const double *logw, int n, double *w)
{
    double mx = -INFINITY, total = 0.0;
    for (int i = 0; i < n; i++)
        mx = logw[i] > mx ? logw[i] : mx;
    for (int i = 0; i < n; i++)
        total += w[i] = exp(logw[i] - mx);
    for (int i = 0; i < n; i++)
        w[i] /= total;
}

static double ess_of(const double *w, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += w[i] * w[i];
    return 1.0 / s;
}

/* Scenario seed of particle j of generation t (t = -1, -2: the posterior
 * mean and median runs): its replicates are 0..R-1 of that seed. */
static uint64_t particle_seed(uint64_t seed, int t, int j)
{
    return ps_hash64(ps_hash64(seed ^ 0x63616c6962ULL) ^
                     ((uint64_t)(uint32_t)t << 32 | (uint32_t)j));
}

/* ------------------------------------------------------------ distance */
static void worker_free(worker *wk)
{
    ps_params_free(wk->sc.params);
    free(wk->sc.inits);
    ps_world_free(wk->w);
    ps_run_free(wk->run);
    free(wk->x);
    free(wk->sum);
    free(wk->z);
    free(wk->y);
    free(wk->keep);
    ps_rng_free(wk->rng);
}

static int worker_init(worker *wk, const ps_calib *c)
{
    memset(wk, 0, sizeof *wk);
    wk->sc = *c->base;
    wk->sc.params = ps_params_copy(c->base);
    wk->sc.inits = ps_inits_copy(c->base); /* calibrated initial values are set in the copy */
    wk->sc.posterior = NULL;
    int n = c->obs->n, k = c->n_params;
    wk->x = ps_calloc((size_t)n + 1, sizeof(double));
    wk->sum = ps_calloc((size_t)n + 1, sizeof(double));
    wk->z = ps_calloc((size_t)k + 1, sizeof(double));
    wk->y = ps_calloc((size_t)k + 1, sizeof(double));
    wk->rng = ps_rng_alloc();
    if ((wk->keep = ps_run_keep_metrics()))
        for (int i = 0; i < n; i++)
            wk->keep[c->obs->obs[i].field] = 1;
    int ok = wk->sc.params && wk->sc.inits && wk->x && wk->sum && wk->z && wk->y && wk->rng &&
             wk->keep;
    return ok ? 0 : -1;
}

/* The model's equivalents of the observations at theta, averaged over the
 * spec's replicates, into wk->sum; a run that fails numerically, or an
 * equivalent that is not finite, gives NaN (the particle is rejected). */
static ps_status simulate(const ps_calib *c, worker *wk, const double *theta, uint64_t seed,
                          ps_stop *stop, ps_error *err)
{
    int n = c->obs->n;
    for (int j = 0; j < c->n_params; j++)
        ps_scenario_value_set(&wk->sc, c->params[j].model, c->params[j].index, theta[j]);
    wk->sc.seed = seed;
    memset(wk->sum, 0, (size_t)n * sizeof(double));
    for (int r = 0; r < c->replicates; r++) {
        int usable = 0;
        ps_error e = {PS_OK, ""};
        ps_status st = ps_run_replicate_into(&wk->sc, r, 1, wk->keep, stop, &wk->w, &wk->run,
                                             &usable, &e);
        /* Outside the model's domain: a non-finite state, or drawn values a
         * model refuses (PS_ERR_CONFIG from a step, e.g. a GDP below its oil
         * revenue): d = inf, never kept. The base scenario itself was checked
         * when the spec was validated, so this is the draw's doing. */
        if (st == PS_ERR_NUMERIC || st == PS_ERR_CONFIG) {
            for (int i = 0; i < n; i++)
                wk->sum[i] = NAN;
            return PS_OK;
        }
        if (st != PS_OK) {
            if (err)
                *err = e;
            return st;
        }
        if ((st = ps_obs_equivalents(c->obs, wk->run, wk->x, err)) != PS_OK)
            return st;
        for (int i = 0; i < n; i++)
            wk->sum[i] += wk->x[i];
    }
    for (int i = 0; i < n; i++)
        wk->sum[i] /= c->replicates;
    return PS_OK;
}

/* Weighted root mean square of the standardised residuals (x - y) / sd;
 * +inf if an equivalent is not finite. */
static double distance(const ps_calib *c, const double *x)
{
    double s = 0.0, wt = 0.0;
    for (int i = 0; i < c->obs->n; i++) {
        const ps_obs *o = &c->obs->obs[i];
        if (c->obs_weight[i] == 0)
            continue;
        if (!isfinite(x[i]))
            return INFINITY;
        double z = (x[i] - o->value) / o->sd;
        s += c->obs_weight[i] * z * z;
        wt += c->obs_weight[i];
    }
    return sqrt(s / wt);
}

/* ------------------------------------------------------------ kernel */
typedef struct {
    gsl_matrix *L;   /* Cholesky factor of the kernel covariance */
    double logdet;   /* sum log L_ii */
    double *cum;     /* cumulative normalised weights of the parents */
    double *w;       /* normalised weights */
    double *logz;    /* log of each parent's kernel mass inside the prior's support */
} kernel;

static void kernel_free(kernel *K)
{
    if (K->L)
        gsl_matrix_free(K->L);
    free(K->cum);
    free(K->w);
    free(K->logz);
}

/* 2 x the weighted covariance of the population (Beaumont et al. 2009), with
 * a tiny ridge so that a parameter the population has fixed can still move. */
static int kernel_build(const ps_calib *c, const generation *g, int Na, kernel *K)
{
    int k = c->n_params;
    memset(K, 0, sizeof *K);
    K->L = gsl_matrix_calloc((size_t)k, (size_t)k);
    K->cum = ps_calloc((size_t)Na, sizeof(double));
    K->w = ps_calloc((size_t)Na, sizeof(double));
    K->logz = ps_calloc((size_t)Na, sizeof(double));
    double *mean = ps_calloc((size_t)k, sizeof(double));
    if (!K->L || !K->cum || !K->w || !K->logz || !mean) {
        free(mean);
        return -1;
    }
    norm_weights(g->logw, Na, K->w);
    double acc = 0.0;
    for (int i = 0; i < Na; i++)
        K->cum[i] = acc += K->w[i];
    for (int i = 0; i < Na; i++)
        for (int a = 0; a < k; a++)
            mean[a] += K->w[i] * g->theta[(size_t)i * k + a];
    for (int a = 0; a < k; a++)
        for (int b = 0; b <= a; b++) {
            double s = 0.0;
            for (int i = 0; i < Na; i++)
                s += K->w[i] * (g->theta[(size_t)i * k + a] - mean[a]) *
                     (g->theta[(size_t)i * k + b] - mean[b]);
            gsl_matrix_set(K->L, (size_t)a, (size_t)b, 2.0 * s);
            gsl_matrix_set(K->L, (size_t)b, (size_t)a, 2.0 * s);
        }
    for (int a = 0; a < k; a++) {
        double span = c->params[a].hi - c->params[a].lo;
        *gsl_matrix_ptr(K->L, (size_t)a, (size_t)a) += 1e-12 * span * span;
    }
    free(mean);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int bad = gsl_linalg_cholesky_decomp1(K->L);
    gsl_set_error_handler(old);
    if (bad) { /* not positive definite (rounding): the diagonal alone */
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                if (a != b)
                    gsl_matrix_set(K->L, (size_t)a, (size_t)b, 0.0);
                else
                    gsl_matrix_set(K->L, (size_t)a, (size_t)a,
                                   sqrt(gsl_matrix_get(K->L, (size_t)a, (size_t)a)));
    }
    for (int a = 0; a < k; a++)
        for (int b = a + 1; b < k; b++) /* lower triangle only */
            gsl_matrix_set(K->L, (size_t)a, (size_t)b, 0.0);
    K->logdet = 0.0;
    for (int a = 0; a < k; a++)
        K->logdet += log(gsl_matrix_get(K->L, (size_t)a, (size_t)a));
    /* A proposal is redrawn until it lies in the support, so parent i's
     * kernel is truncated there and its density must be divided by its mass
     * inside, Z_i. Without that, in many dimensions (most of a kernel outside
     * the box) new particles got weights tens of times those of old ones and
     * the ESS collapsed (8 parameters: 4 of 200 after five generations).
     * Z_i is the product over parameters of the marginal masses: exact for
     * an uncorrelated kernel, an approximation for a correlated one. */
    for (int i = 0; i < Na; i++) {
        double lz = 0.0;
        for (int a = 0; a < k; a++) {
            double sd = 0.0;
            for (int b = 0; b <= a; b++)
                sd += gsl_matrix_get(K->L, (size_t)a, (size_t)b) *
                      gsl_matrix_get(K->L, (size_t)a, (size_t)b);
            sd = sqrt(sd);
            double th = g->theta[(size_t)i * k + a];
            double m = gsl_cdf_ugaussian_P((c->params[a].hi - th) / sd) -
                       gsl_cdf_ugaussian_P((c->params[a].lo - th) / sd);
            lz += log(m > 1e-300 ? m : 1e-300);
        }
        K->logz[i] = lz;
    }
    return 0;
}

static double log_prior(const ps_calib *c, const double *x)
{
    double s = 0.0;
    for (int j = 0; j < c->n_params; j++)
        s += ps_calib_prior_logpdf(&c->params[j], x[j]);
    return s;
}

/* log of sum_i w_i N(x; theta_i, L L^T) over the parents. */
static double log_kernel_mixture(const ps_calib *c, const generation *g, int Na,
                                 const kernel *K, const double *x, double *y)
{
    int k = c->n_params;
    double mx = -INFINITY, *lq = NULL, s = 0.0;
    gsl_vector_view yv = gsl_vector_view_array(y, (size_t)k);
    /* Two passes (max, then sum) keep it exact in index order without storage. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < Na; i++) {
            for (int a = 0; a < k; a++)
                y[a] = x[a] - g->theta[(size_t)i * k + a];
            gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, K->L, &yv.vector);
            double q = 0.0;
            for (int a = 0; a < k; a++)
                q += y[a] * y[a];
            double l = log(K->w[i]) - K->logz[i] - 0.5 * q;
            if (pass == 0)
                mx = l > mx ? l : mx;
            else
                s += exp(l - mx);
        }
    (void)lq;
    return mx + log(s) - K->logdet - 0.5 * k * log(2 * M_PI);
}

/* A new particle of generation t, slot j: a parent drawn by weight, moved by
 * the kernel until it lies in the prior's support. */
static void propose(const ps_calib *c, const generation *g, int Na, const kernel *K, int t,
                    int j, worker *wk, double *x)
{
    int k = c->n_params;
    gsl_rng *rng = ps_rng_key(wk->rng, c->seed, j, t, PROPOSE_ID, 0);
    for (int tries = 0;; tries++) {
        double u = gsl_rng_uniform(rng);
        int p = 0, hi = Na - 1; /* the first parent with cum > u (the last if none before it) */
        while (p < hi) {
            int mid = p + (hi - p) / 2;
            if (K->cum[mid] <= u)
                p = mid + 1;
            else
                hi = mid;
        }
        for (int a = 0; a < k; a++)
            wk->z[a] = gsl_ran_gaussian_ziggurat(rng, 1.0);
        /* Many tries fail when there are many parameters: stop a try at its
         * first coordinate outside the support (the draws are all made). */
        int a = 0;
        for (; a < k; a++) {
            const double *row = K->L->data + (size_t)a * K->L->tda;
            double v = g->theta[(size_t)p * k + a];
            for (int b = 0; b <= a; b++)
                v += row[b] * wk->z[b];
            x[a] = v;
            if (!(v >= c->params[a].lo && v <= c->params[a].hi))
                break;
        }
        if (a == k)
            return;
        if (tries == 100000) { /* a kernel far wider than the support: the parent itself */
            memcpy(x, g->theta + (size_t)p * k, (size_t)k * sizeof *x);
            return;
        }
    }
}

/* ------------------------------------------------------------ one generation */
typedef struct {
    double d;
    int i;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->d < y->d)
        return -1;
    if (x->d > y->d)
        return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* The particle loops' tasks (ps_drive), on the calling thread's worker. */
typedef struct {
    abc_state *s;
    worker *wk;                 /* one per thread */
    ps_stop *stop;
    int t;                      /* the generation */
    const kernel *K;
    double *theta, *dist, *logw;
    struct summary *sm;         /* summarise */
} abc_job;

static void pick_worker(ps_drive *d, void *state, int thread)
{
    *(worker **)state = &((abc_job *)d->ctx)->wk[thread];
}

/* Particle j of generation t: theta[j] (from the prior when t = 0, else
 * proposed), its distance and log weight. */
static ps_status particle(ps_drive *d, void *state, long long i, ps_error *e)
{
    abc_job *jb = d->ctx;
    abc_state *s = jb->s;
    ps_calib *c = s->c;
    worker *w = *(worker **)state;
    int j = s->rank + (int)i * s->size, t = jb->t, k = s->k; /* this process's i-th */
    double *x = jb->theta + (size_t)j * k;
    if (t == 0) {
        gsl_rng *rng = ps_rng_key(w->rng, c->seed, j, 0, PROPOSE_ID, 0);
        for (int a = 0; a < k; a++)
            x[a] = ps_calib_prior_quantile(&c->params[a], gsl_rng_uniform(rng));
        jb->logw[j] = 0.0; /* prior / prior */
    } else {
        const generation *prev = &s->gen[s->n_gen - 1];
        propose(c, prev, s->Na, jb->K, t, j, w, x);
        jb->logw[j] = log_prior(c, x) - log_kernel_mixture(c, prev, s->Na, jb->K, x, w->y);
    }
    ps_status st = simulate(c, w, x, particle_seed(c->seed, t, j), jb->stop, e);
    jb->dist[j] = st == PS_OK ? distance(c, w->sum) : NAN;
    return st;
}

/* Simulate particles [0, n) of generation t: theta[j], dist[j], logw[j]. */
static ps_status simulate_batch(abc_state *s, int t, int n, const kernel *K, worker *wk,
                                int threads, double *theta, double *dist, double *logw,
                                int *failed_at, ps_stop *stop, ps_error *err)
{
    abc_job jb = {s, wk, stop, t, K, theta, dist, logw, NULL};
    /* This process's particles: j = rank, rank + size, ... (task i is j = rank + i size) */
    int mine = n > s->rank ? (n - s->rank + s->size - 1) / s->size : 0;
    ps_drive d = {.n = mine, .threads = threads, .state_size = sizeof(worker *), .stop = stop,
                  .ctx = &jb, .init = pick_worker, .compute = particle};
    *failed_at = n;
    ps_drive_run(&d);
    if (ps_stopped(stop))
        return ps_error_set(err, PS_ERR_INTERRUPTED, "interrupted");
    if (d.status != PS_OK) {
        long long f = atomic_load(&d.failed);
        if (f < mine) /* (else: no task ran, the states could not be allocated) */
            *failed_at = s->rank + (int)f * s->size;
        if (err)
            *err = d.first;
        return ps_error_prefix(err, "generation %d, particle %d: ", t, *failed_at);
    }
    return PS_OK;
}

/* Every process's share of a generation to all of them: theta [n * k], dist
 * [n], logw [n] (the slots of other processes' particles hold -0.0), then 3
 * slots per process: its status, its first failed particle, whether it was
 * stopped. The outcome is the same on every process: interrupted if any was
 * stopped, else the failure of the lowest failed particle, else PS_OK. */
static ps_status combine_batch(abc_state *s, int t, int n, ps_status st, int failed_at,
                               ps_stop *stop, ps_error *err)
{
    int k = s->k, size = s->size;
    size_t base = (size_t)n * (k + 2);
    double *v = s->cbuf + base;
    v[3 * s->rank] = st;
    v[3 * s->rank + 1] = failed_at;
    v[3 * s->rank + 2] = st == PS_ERR_INTERRUPTED || ps_stopped(stop);
    if (s->R->combine(s->cbuf, (int)(base + 3 * (size_t)size), s->R->user) != 0)
        return ps_error_set(err, PS_ERR_IO, "generation %d: combining the particles of %d "
                            "processes failed", t, size);
    int worst = -1, at = n, stopped = 0;
    for (int r = 0; r < size; r++) {
        stopped |= v[3 * r + 2] != 0;
        if ((int)v[3 * r] != PS_OK && (worst < 0 || (int)v[3 * r + 1] < at)) {
            worst = r;
            at = (int)v[3 * r + 1];
        }
    }
    if (stopped)
        return ps_error_set(err, PS_ERR_INTERRUPTED, "interrupted");
    if (worst < 0)
        return PS_OK;
    s->R->failed_rank = worst;
    if (worst == s->rank)
        return st;
    return ps_error_set(err, (ps_status)(int)v[3 * worst], "generation %d, particle %d: "
                        "failed on rank %d (its message is on that rank's standard error)",
                        t, at, worst);
}

/* Every process's status to all: PS_OK, or the status of the lowest failed
 * rank (err says which, on the others). */
static ps_status agree(abc_state *s, ps_status st, ps_error *err)
{
    if (!s->R || s->size < 2)
        return st;
    double small[64], *v = s->size <= 64 ? small : s->cbuf;
    for (int r = 0; r < s->size; r++)
        v[r] = -0.0;
    v[s->rank] = st;
    if (s->R->combine(v, s->size, s->R->user) != 0)
        return ps_error_set(err, PS_ERR_IO, "combining the status of %d processes failed",
                            s->size);
    for (int r = 0; r < s->size; r++)
        if ((int)v[r] != PS_OK) {
            s->R->failed_rank = r;
            if (r == s->rank)
                return st;
            return ps_error_set(err, (ps_status)(int)v[r], "stopped: rank %d failed (its "
                                "message is on its standard error)", r);
        }
    return PS_OK;
}

static ps_status run_generation(abc_state *s, int t, worker *wk, int threads,
                                ps_stop *stop, ps_error *err)
{
    ps_calib *c = s->c;
    int k = s->k, Na = s->Na, n = t == 0 ? s->N : s->M;
    /* In the preallocated buffer: with several processes, every process must
     * reach the combine below, whatever fails here. */
    double *theta = s->cbuf, *dist = theta + (size_t)n * k, *logw = dist + n;
    size_t nb = (size_t)n * (k + 2) + 3 * (size_t)s->size;
    for (size_t i = 0; s->size > 1 && i < nb; i++)
        s->cbuf[i] = -0.0; /* the other processes' slots: x + -0.0 == x */
    ranked *rk = ps_calloc((size_t)n + Na + 1, sizeof *rk);
    double *w = ps_calloc((size_t)Na + 1, sizeof(double));
    kernel K = {0};
    ps_status st = PS_OK;
    int failed_at = n;
    if (!rk || !w)
        st = nomem(err);
    if (st == PS_OK && t > 0 && kernel_build(c, &s->gen[s->n_gen - 1], Na, &K) < 0)
        st = nomem(err);
    if (st == PS_OK)
        st = simulate_batch(s, t, n, &K, wk, threads, theta, dist, logw, &failed_at, stop, err);
    if (s->size > 1)
        st = combine_batch(s, t, n, st, failed_at, stop, err);
    generation *g = NULL;
    if (st == PS_OK && !(g = gen_push(s)))
        st = nomem(err);
    if (st == PS_OK) {
        /* Old particles (if any) first, then the new: ties keep the older. */
        const generation *prev = t > 0 ? &s->gen[s->n_gen - 2] : NULL;
        int m = 0, accepted = 0;
        for (int i = 0; prev && i < Na; i++)
            rk[m++] = (ranked){prev->dist[i], i};
        for (int j = 0; j < n; j++) {
            rk[m++] = (ranked){isnan(dist[j]) ? INFINITY : dist[j], (prev ? Na : 0) + j};
            accepted += prev && dist[j] < prev->tolerance;
        }
        qsort(rk, (size_t)m, sizeof *rk, ranked_cmp);
        for (int q = 0; q < Na; q++) {
            int i = rk[q].i;
            int old = prev && i < Na;
            const double *src = old ? prev->theta + (size_t)i * k
                                    : theta + (size_t)(i - (prev ? Na : 0)) * k;
            memcpy(g->theta + (size_t)q * k, src, (size_t)k * sizeof(double));
            g->logw[q] = old ? prev->logw[i] : logw[i - (prev ? Na : 0)];
            g->dist[q] = rk[q].d;
        }
        g->tolerance = g->dist[Na - 1];
        if (!prev && !isfinite(g->tolerance)) {
            /* An infinite distance is never kept: the prior must give Na
             * particles inside the model's domain. */
            int finite = 0;
            for (int j = 0; j < n; j++)
                finite += isfinite(dist[j]);
            st = ps_error_set(err, PS_ERR_CONFIG, "only %d of the %d particles of generation 0 "
                              "have a finite distance (the others stopped on a non-finite state "
                              "or drew values a model refuses, such as a GDP below its oil "
                              "revenue); expected at least %d (keep x particles): narrow the "
                              "priors or raise particles", finite, n, Na);
        }
        g->acceptance = prev ? (double)accepted / n : 1.0;
        norm_weights(g->logw, Na, w);
        g->ess = ess_of(w, Na);
        g->sims = n;
        s->final = t + 1 >= c->max_generations ||
                   (prev && g->acceptance < c->min_acceptance) ||
                   (c->tolerance > 0 && g->tolerance <= c->tolerance) ||
                   (c->min_ess > 0 && g->ess < c->min_ess * Na);
    }
    kernel_free(&K);
    free(rk);
    free(w);
    return st;
}

/* ------------------------------------------------------------ checkpoint */
/* "<output>.partial": magic, spec hash, k, Na, generations, final flag,
 * then each generation (diagnostics, theta, logw, dist), then a CRC-32 of
 * everything before it. Written to a temporary name, synced and renamed. */
static int put(FILE *fp, uint32_t *crc, const void *b, size_t n)
{
    *crc = libdeflate_crc32(*crc, b, n);
    return fwrite(b, 1, n, fp) == n ? 0 : -1;
}

static ps_status ckpt_save(const abc_state *s, const char *partial, ps_error *err)
{
    size_t len = strlen(partial) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return nomem(err);
    snprintf(tmp, len, "%s.tmp.%ld", partial, (long)getpid());
    int fd = ps_out_create_excl(tmp); /* never through a planted link */
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !fp)
        close(fd);
    uint32_t crc = 0;
    int bad = !fp;
    if (fp) {
        int32_t hd[4] = {s->k, s->Na, s->n_gen, s->final};
        uint64_t h = s->c->hash;
        bad |= put(fp, &crc, ckpt_magic, sizeof ckpt_magic);
        bad |= put(fp, &crc, &h, sizeof h);
        bad |= put(fp, &crc, hd, sizeof hd);
        for (int t = 0; t < s->n_gen; t++) {
            const generation *g = &s->gen[t];
            double dg[3] = {g->tolerance, g->acceptance, g->ess};
            int64_t sims = g->sims;
            bad |= put(fp, &crc, dg, sizeof dg);
            bad |= put(fp, &crc, &sims, sizeof sims);
            bad |= put(fp, &crc, g->theta, (size_t)s->Na * s->k * sizeof(double));
            bad |= put(fp, &crc, g->logw, (size_t)s->Na * sizeof(double));
            bad |= put(fp, &crc, g->dist, (size_t)s->Na * sizeof(double));
        }
        uint32_t c32 = (uint32_t)crc;
        bad |= fwrite(&c32, sizeof c32, 1, fp) != 1;
        bad |= fflush(fp) != 0;
        bad |= fclose(fp) != 0;
    }
    int e = errno;
    if (!bad && (ps_fsync_path(tmp, 0) != PS_OK || rename(tmp, partial) < 0)) {
        bad = 1;
        e = errno;
    }
    ps_status st = PS_OK;
    if (bad) {
        unlink(tmp);
        st = ps_error_set(err, PS_ERR_IO, "%s: cannot write the calibration checkpoint: %s",
                          partial, strerror(e));
    }
    free(tmp);
    return st;
}

/* Read a checkpoint of this spec into s. PS_ERR_INPUT: damaged or another
 * spec's (the message says which). */
static ps_status ckpt_load(abc_state *s, const char *partial, ps_error *err)
{
    size_t len = 0;
    ps_error e = {PS_OK, ""};
    unsigned char *b = (unsigned char *)ps_read_file(partial, &len, &e);
    if (!b)
        return ps_error_set(err, PS_ERR_INPUT, "%s: %s", partial, e.msg);
    ps_status st = PS_OK;
    size_t head = sizeof ckpt_magic + 8 + 16, pos = head;
    int32_t hd[4];
    uint64_t h;
    uint32_t c32;
    if (len < head + 4 || memcmp(b, ckpt_magic, sizeof ckpt_magic)) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: not a calibration checkpoint", partial);
        goto done;
    }
    memcpy(&c32, b + len - 4, 4);
    if ((uint32_t)libdeflate_crc32(0, b, len - 4) != c32) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: damaged (checksum mismatch)", partial);
        goto done;
    }
    memcpy(&h, b + sizeof ckpt_magic, 8);
    memcpy(hd, b + sizeof ckpt_magic + 8, 16);
    if (h != s->c->hash || hd[0] != s->k || hd[1] != s->Na) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: the checkpoint of another calibration (spec, "
                          "base scenario, observations or pactsim build differ)", partial);
        goto done;
    }
    size_t per = 3 * 8 + 8 + ((size_t)s->Na * s->k + 2 * (size_t)s->Na) * 8;
    if (hd[2] < 1 || len != head + (size_t)hd[2] * per + 4) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: damaged (wrong size)", partial);
        goto done;
    }
    for (int t = 0; t < hd[2]; t++) {
        generation *g = gen_push(s);
        if (!g) {
            st = nomem(err);
            goto done;
        }
        double dg[3];
        int64_t sims;
        memcpy(dg, b + pos, sizeof dg);
        pos += sizeof dg;
        memcpy(&sims, b + pos, 8);
        pos += 8;
        g->tolerance = dg[0];
        g->acceptance = dg[1];
        g->ess = dg[2];
        g->sims = sims;
        size_t nt = (size_t)s->Na * s->k * 8, nw = (size_t)s->Na * 8;
        memcpy(g->theta, b + pos, nt);
        pos += nt;
        memcpy(g->logw, b + pos, nw);
        pos += nw;
        memcpy(g->dist, b + pos, nw);
        pos += nw;
    }
    s->final = hd[3];
done:
    free(b);
    return st;
}

/* ------------------------------------------------------------ the posterior file */
/* Weighted quantile q of values v[i] with normalised weights w[i]. */
static double wquantile(const double *v, const double *w, int n, int stride, double q,
                        ranked *tmp)
{
    for (int i = 0; i < n; i++)
        tmp[i] = (ranked){v[(size_t)i * stride], i};
    qsort(tmp, (size_t)n, sizeof *tmp, ranked_cmp);
    double acc = 0.0;
    for (int i = 0; i < n; i++) {
        acc += w[tmp[i].i];
        if (acc >= q)
            return tmp[i].d;
    }
    return tmp[n - 1].d;
}

typedef struct summary {
    double *mean, *median, *q05, *q95;   /* [k] */
    double *at_mean, *at_median;          /* [n_obs] equivalents */
    double d_mean, d_median;
} summary;

/* Task q of summarise: the model at the posterior mean (0) or median (1). */
static ps_status summary_run(ps_drive *d, void *state, long long q, ps_error *e)
{
    abc_job *jb = d->ctx;
    ps_calib *c = jb->s->c;
    worker *w = *(worker **)state;
    summary *sm = jb->sm;
    ps_status st = simulate(c, w, q ? sm->median : sm->mean, particle_seed(c->seed, -1 - (int)q, 0),
                            jb->stop, e);
    if (st == PS_OK)
        memcpy(q ? sm->at_median : sm->at_mean, w->sum, (size_t)c->obs->n * sizeof(double));
    return st;
}

static ps_status summarise(abc_state *s, worker *wk, int threads, ps_stop *stop,
                           summary *sm, ps_error *err)
{
    ps_calib *c = s->c;
    int k = s->k, Na = s->Na, n = c->obs->n;
    const generation *g = &s->gen[s->n_gen - 1];
    double *w = ps_calloc((size_t)Na, sizeof *w);
    ranked *tmp = ps_calloc((size_t)Na, sizeof *tmp);
    sm->mean = ps_calloc((size_t)k, sizeof(double));
    sm->median = ps_calloc((size_t)k, sizeof(double));
    sm->q05 = ps_calloc((size_t)k, sizeof(double));
    sm->q95 = ps_calloc((size_t)k, sizeof(double));
    sm->at_mean = ps_calloc((size_t)n + 1, sizeof(double));
    sm->at_median = ps_calloc((size_t)n + 1, sizeof(double));
    ps_status st = PS_OK;
    if (!w || !tmp || !sm->mean || !sm->median || !sm->q05 || !sm->q95 || !sm->at_mean ||
        !sm->at_median)
        st = nomem(err);
    if (st == PS_OK) {
        norm_weights(g->logw, Na, w);
        for (int a = 0; a < k; a++) {
            for (int i = 0; i < Na; i++)
                sm->mean[a] += w[i] * g->theta[(size_t)i * k + a];
            sm->median[a] = wquantile(g->theta + a, w, Na, k, 0.5, tmp);
            sm->q05[a] = wquantile(g->theta + a, w, Na, k, 0.05, tmp);
            sm->q95[a] = wquantile(g->theta + a, w, Na, k, 0.95, tmp);
        }
        /* The two runs, one per thread if there are two. */
        abc_job jb = {.s = s, .wk = wk, .stop = stop, .sm = sm};
        ps_drive d = {.n = 2, .threads = threads, .state_size = sizeof(worker *), .stop = stop,
                      .ctx = &jb, .init = pick_worker, .compute = summary_run};
        st = ps_drive_run(&d);
        if (ps_stopped(stop))
            st = ps_error_set(err, PS_ERR_INTERRUPTED, "interrupted");
        else if (st != PS_OK && err)
            *err = d.first;
        sm->d_mean = distance(c, sm->at_mean);
        sm->d_median = distance(c, sm->at_median);
    }
    free(w);
    free(tmp);
    return st;
}

static void summary_free(summary *sm)
{
    free(sm->mean);
    free(sm->median);
    free(sm->q05);
    free(sm->q95);
    free(sm->at_mean);
    free(sm->at_median);
}

static void now_utc(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Everything but provenance into an open file; -1 on an HDF5 failure. */
static int write_groups(hid_t f, const abc_state *s, const summary *sm)
{
    const ps_calib *c = s->c;
    int k = s->k, Na = s->Na, G = s->n_gen, n = c->obs->n;
    const generation *g = &s->gen[G - 1];
    hsize_t dk = (hsize_t)k, dN = (hsize_t)Na, dG = (hsize_t)G, dn = (hsize_t)n;
    const char **names = ps_calloc(dk + 1, sizeof *names);
    const char **units = ps_calloc(dk + 1, sizeof *units);
    const char **priors = ps_calloc(dk + 1, sizeof *priors);
    double *buf = ps_calloc((size_t)G * Na * (k + 1) + 5 * dk + 4 * dG + 8 * dn + 1,
                            sizeof(double));
    char *lab = ps_calloc(dn * 160 + 1, 1);
    const char **labp = ps_calloc(dn + 1, sizeof *labp);
    int bad = !names || !units || !priors || !buf || !lab || !labp;
    hid_t gp = -1, gg = -1, gd = -1;
    if (bad)
        goto done;
    for (int j = 0; j < k; j++) {
        names[j] = c->params[j].path;
        units[j] = c->params[j].unit;
        priors[j] = c->params[j].prior == PS_PRIOR_UNIFORM ? "uniform"
                    : c->params[j].prior == PS_PRIOR_NORMAL ? "normal" : "lognormal";
    }
    bad |= ps_h5_attr_str(f, "format", PS_POSTERIOR_FORMAT);
    bad |= ps_h5_attr_i32(f, "format_version", FORMAT_VERSION);
    bad |= ps_h5_attr_str(f, "pactsim_version", PS_VERSION);
    bad |= ps_h5_attr_str(f, "calibration", c->name);
    bad |= ps_h5_attr_str(f, "description", c->description ? c->description : "");
    bad |= ps_h5_attr_str(f, "algorithm", "ABC-SMC: adaptive population Monte Carlo ABC "
                          "(Lenormand, Jabot & Deffuant 2013)");
    bad |= ps_h5_attr_str(f, "distance", "sqrt(sum_i w_i ((model_i - obs_i) / sd_i)^2 / "
                          "sum_i w_i), model_i averaged over the replicates");
    bad |= ps_h5_attr_i32(f, "observations_left_out", c->n_skipped);
    bad |= ps_h5_attr_i32(f, "observations_held_out", c->n_held_out);
    bad |= ps_h5_attr_i32(f, "observations_published_late", c->n_late);
    bad |= ps_h5_attr_str(f, "cutoff", c->cutoff[0] ? c->cutoff : "none");

    /* /posterior: the last generation's weighted samples. */
    if (bad || (gp = H5Gcreate2(f, "posterior", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto fail;
    double *w = buf;
    norm_weights(g->logw, Na, w);
    hsize_t d2[2] = {dN, dk};
    bad |= ps_h5_put_strings(gp, "parameter", names, dk);
    bad |= ps_h5_put_strings(gp, "units", units, dk);
    bad |= ps_h5_put_doubles(gp, "samples", 2, d2, g->theta);
    bad |= ps_h5_put_doubles(gp, "weights", 1, &dN, w);
    bad |= ps_h5_put_doubles(gp, "distance", 1, &dN, g->dist);
    bad |= ps_h5_put_doubles(gp, "mean", 1, &dk, sm->mean);
    bad |= ps_h5_put_doubles(gp, "median", 1, &dk, sm->median);
    bad |= ps_h5_put_doubles(gp, "q05", 1, &dk, sm->q05);
    bad |= ps_h5_put_doubles(gp, "q95", 1, &dk, sm->q95);
    bad |= ps_h5_put_strings(gp, "prior", priors, dk);
    double *pv = buf + Na;
    for (int j = 0; j < k; j++) {
        const ps_calib_param *p = &c->params[j];
        double v[4] = {p->lo, p->hi, p->prior ? p->mu : NAN, p->prior ? p->sigma : NAN};
        for (int q = 0; q < 4; q++)
            pv[q * k + j] = v[q];
    }
    bad |= ps_h5_put_doubles(gp, "prior_lower", 1, &dk, pv);
    bad |= ps_h5_put_doubles(gp, "prior_upper", 1, &dk, pv + k);
    bad |= ps_h5_put_doubles(gp, "prior_mu", 1, &dk, pv + 2 * k);
    bad |= ps_h5_put_doubles(gp, "prior_sigma", 1, &dk, pv + 3 * k);
    bad |= ps_h5_attr_f64(gp, "ess", g->ess);
    bad |= ps_h5_attr_f64(gp, "tolerance", g->tolerance);
    if (bad)
        goto fail;

    /* /generations: diagnostics and each generation's kept population. */
    if ((gg = H5Gcreate2(f, "generations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto fail;
    double *tol = buf, *acc = buf + G, *ess = buf + 2 * G, *sims = buf + 3 * G;
    double *th = buf + 4 * G, *lw = th + (size_t)G * Na * k;
    double total = 0.0;
    for (int t = 0; t < G; t++) {
        tol[t] = s->gen[t].tolerance;
        acc[t] = s->gen[t].acceptance;
        ess[t] = s->gen[t].ess;
        sims[t] = (double)s->gen[t].sims;
        total += sims[t];
        memcpy(th + (size_t)t * Na * k, s->gen[t].theta, (size_t)Na * k * sizeof(double));
    }
    bad |= ps_h5_put_doubles(gg, "tolerance", 1, &dG, tol);
    bad |= ps_h5_put_doubles(gg, "acceptance_rate", 1, &dG, acc);
    bad |= ps_h5_put_doubles(gg, "ess", 1, &dG, ess);
    bad |= ps_h5_put_doubles(gg, "simulations", 1, &dG, sims);
    hsize_t d3[3] = {dG, dN, dk}, dgn[2] = {dG, dN};
    bad |= ps_h5_put_doubles(gg, "samples", 3, d3, th);
    for (int t = 0; t < G; t++)
        norm_weights(s->gen[t].logw, Na, lw + (size_t)t * Na);
    bad |= ps_h5_put_doubles(gg, "weights", 2, dgn, lw);
    for (int t = 0; t < G; t++)
        memcpy(lw + (size_t)t * Na, s->gen[t].dist, (size_t)Na * sizeof(double));
    bad |= ps_h5_put_doubles(gg, "distance", 2, dgn, lw);
    bad |= ps_h5_attr_i32(gg, "particles", s->N);
    bad |= ps_h5_attr_i32(gg, "kept", Na);
    bad |= ps_h5_attr_i32(gg, "replicates_per_particle", c->replicates);
    bad |= ps_h5_attr_f64(gg, "total_simulations", total);
    bad |= ps_h5_attr_f64(gg, "total_runs", total * c->replicates);
    if (bad)
        goto fail;

    /* /discrepancy: every observation against the posterior mean and median. */
    if ((gd = H5Gcreate2(f, "discrepancy", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto fail;
    double *ob = buf, *sd = ob + n, *wt = sd + n, *zm = wt + n, *zd = zm + n;
    for (int i = 0; i < n; i++) {
        const ps_obs *o = &c->obs->obs[i];
        ps_obs_label(c->obs, o, lab + (size_t)i * 160, 160);
        labp[i] = lab + (size_t)i * 160;
        ob[i] = o->value;
        sd[i] = o->sd;
        wt[i] = c->obs_weight[i];
        zm[i] = (sm->at_mean[i] - o->value) / o->sd;
        zd[i] = (sm->at_median[i] - o->value) / o->sd;
    }
    bad |= ps_h5_put_strings(gd, "observation", labp, dn);
    bad |= ps_h5_put_doubles(gd, "value", 1, &dn, ob);
    bad |= ps_h5_put_doubles(gd, "sd", 1, &dn, sd);
    bad |= ps_h5_put_doubles(gd, "weight", 1, &dn, wt);
    bad |= ps_h5_put_doubles(gd, "model_at_mean", 1, &dn, sm->at_mean);
    bad |= ps_h5_put_doubles(gd, "model_at_median", 1, &dn, sm->at_median);
    bad |= ps_h5_put_doubles(gd, "z_at_mean", 1, &dn, zm);
    bad |= ps_h5_put_doubles(gd, "z_at_median", 1, &dn, zd);
    bad |= ps_h5_attr_f64(gd, "distance_at_mean", sm->d_mean);
    bad |= ps_h5_attr_f64(gd, "distance_at_median", sm->d_median);
    if (!bad)
        goto done;
fail:
    bad = 1;
done:
    if (gp >= 0)
        H5Gclose(gp);
    if (gg >= 0)
        H5Gclose(gg);
    if (gd >= 0)
        H5Gclose(gd);
    free(names);
    free(units);
    free(priors);
    free(buf);
    free(lab);
    free(labp);
    return bad ? -1 : 0;
}

static ps_status write_posterior(const abc_state *s, const summary *sm,
                                 const ps_calib_options *opt, int threads, ps_error *err)
{
    const ps_calib *c = s->c;
    size_t len = strlen(opt->output) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return nomem(err);
    snprintf(tmp, len, "%s.tmp.%ld", opt->output, (long)getpid());
    hid_t f;
    ps_status st = ps_h5_create_excl(tmp, opt->output, &f, err);
    if (st != PS_OK) {
        free(tmp);
        return st;
    }
    char created[32];
    now_utc(created);
    int bad = ps_h5_attr_str(f, "created", created);
    bad = bad || write_groups(f, s, sm) < 0;
    hid_t g = bad ? -1 : H5Gcreate2(f, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad = bad || g < 0;
    bad = bad || ps_h5_provenance(g, opt->command_line, threads, created) < 0;
    bad = bad || ps_h5_attr_i32(g, "mpi_ranks", opt->ranks && opt->ranks->size > 1
                                                ? opt->ranks->size : 1) < 0;
    bad = bad || ps_h5_attr_u64(g, "seed", c->seed) < 0;
    bad = bad || ps_h5_attr_u64(g, "spec_hash", c->hash) < 0;
    bad = bad || ps_h5_put_string(g, "spec_raw", c->raw_text) < 0;
    bad = bad || ps_h5_put_string(g, "base_config_raw", c->base->raw_text) < 0;
    bad = bad || ps_h5_put_string(g, "base_config_resolved", c->base->resolved_text) < 0;
    bad = bad || ps_h5_put_strings(g, "observation_files", (const char *const *)c->obs_files,
                                   (hsize_t)c->n_obs_files) < 0;
    if (g >= 0)
        H5Gclose(g);
    if (bad)
        st = ps_h5_fail(err, PS_ERR_IO, opt->output, "write the posterior file");
    if (H5Fclose(f) < 0 && st == PS_OK)
        st = ps_h5_fail(err, PS_ERR_IO, opt->output, "close the posterior file");
    if (st == PS_OK)
        st = ps_out_publish(tmp, opt->output, 0, NULL, 0, err);
    if (st != PS_OK)
        unlink(tmp); /* gone already if the rename was made */
    free(tmp);
    return st;
}

/* ------------------------------------------------------------ driver */
/* The spec hash of an existing posterior file; 0 if it has none. */
static uint64_t file_hash(const char *path)
{
    hid_t f;
    uint64_t h = 0;
    if (ps_h5_open_checked(path, PS_POSTERIOR_FORMAT, 0, &f, NULL) != PS_OK)
        return 0;
    if (H5Lexists(f, "provenance", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
        if (g >= 0) {
            ps_h5_get_u64(g, "spec_hash", &h);
            H5Gclose(g);
        }
    }
    H5Fclose(f);
    return h;
}

ps_status ps_calib_run(ps_calib *c, const ps_calib_options *opt, ps_error *err)
{
    struct stat sb;
    ps_calib_ranks *R = opt->ranks && opt->ranks->size > 1 ? opt->ranks : NULL;
    abc_state s = {.c = c, .k = c->n_params, .N = c->particles, .R = R,
                   .rank = R ? R->rank : 0, .size = R ? R->size : 1};
    s.Na = (int)ceil(c->keep * c->particles);
    s.M = s.N - s.Na;
    if (opt->ranks)
        opt->ranks->failed_rank = -1;
    size_t plen = strlen(opt->output) + 16;
    char *partial = malloc(plen);
    /* The buffer of a generation's combine (and of agree's with > 64 ranks). */
    size_t ncb = (size_t)s.N * (s.k + 2) + 3 * (size_t)s.size;
    s.cbuf = ps_calloc((ncb > 5 * (size_t)s.size ? ncb : 5 * (size_t)s.size) + 1,
                       sizeof(double));
    /* Test hook (tests/cli/test_calibrate_mpi.sh): PACTSIM_TEST_CALIB_NOMEM=R
     * makes this allocation fail on rank R. Never set it outside tests. */
    const char *nomem_rank = getenv("PACTSIM_TEST_CALIB_NOMEM");
    if (nomem_rank && R && atoi(nomem_rank) == s.rank) {
        free(s.cbuf);
        s.cbuf = NULL;
    }
    ps_status st = partial && s.cbuf ? PS_OK : nomem(err);
    int done = 0; /* --resume of a finished calibration */
    /* Never over a device, a FIFO, a directory or one of the inputs (the
     * spec, the base's chain, observation files, a posterior), --force or not. */
    const char *inputs[2] = {c->inputs, c->base ? c->base->inputs : NULL};
    if (st == PS_OK) {
        snprintf(partial, plen, "%s.partial", opt->output);
        st = ps_out_check(opt->output, inputs, 2, err);
    }
    if (st == PS_OK)
        st = ps_out_check(partial, inputs, 2, err);
    /* One process per output (the lock runs and sweeps take): rank 0 is the
     * only writer; its refusal reaches the other ranks with its status. */
    int lock = -1;
    if (st == PS_OK && s.rank == 0)
        st = ps_out_lock(opt->output, 0, &lock, err);
    int have_final = st == PS_OK && stat(opt->output, &sb) == 0;
    int have_partial = st == PS_OK && stat(partial, &sb) == 0;
    if (st == PS_OK && have_final && !opt->force) {
        if (opt->resume && !have_partial && file_hash(opt->output) == c->hash)
            done = 1; /* already complete */
        else if (!opt->resume || !have_partial)
            st = ps_error_set(err, PS_ERR_EXISTS, "%s: output file exists%s; use --force "
                              "to overwrite it", opt->output, opt->resume
                              ? " and is not this calibration's result" : "");
    }
    if (st == PS_OK && !done && have_partial && !opt->resume && !opt->force)
        st = ps_error_set(err, PS_ERR_EXISTS, "%s: an interrupted calibration's checkpoint "
                          "exists; use --resume to continue it or --force to start over",
                          partial);
    /* Every process reads the checkpoint (rank 0 changes it only after the
     * next generation, which needs them all). */
    if (st == PS_OK && !done && have_partial && opt->resume &&
        (st = ckpt_load(&s, partial, err)) != PS_OK) {
        char m[PS_ERRMSG_MAX];
        snprintf(m, sizeof m, "%s", err ? err->msg : "");
        ps_error_set(err, st, "%s; use --force to start over", m);
    }
    /* Every process's status, spec hash and state, to all: a failure on one
     * stops all; a rank with another spec or checkpoint is refused. Every rank
     * must reach this combine, also one whose buffer could not be allocated
     * (skipping it would hang the others): it reports its failure through a
     * small buffer (on the stack up to 64 ranks; only if even that cannot be
     * had does it stay out). */
    double small[5 * 64];
    double *spare = R && !s.cbuf && R->size > 64 ? ps_calloc(5 * (size_t)R->size, sizeof(double))
                                                 : NULL;
    if (R && (s.cbuf || R->size <= 64 || spare)) {
        enum { M = 5 };
        double *v = s.cbuf ? s.cbuf : spare ? spare : small;
        for (int i = 0; i < M * s.size; i++)
            v[i] = -0.0;
        double *mine = v + (size_t)M * s.rank;
        mine[0] = st;
        mine[1] = (double)(c->hash >> 32);
        mine[2] = (double)(c->hash & 0xffffffffu);
        mine[3] = s.n_gen;
        mine[4] = done;
        /* A failed combine: MPI stops the job. A rank that failed before the
         * combine is found in it like any other: failed_rank names it on every
         * rank, so that it, and only it, prints its message. */
        int failed = R->combine(v, M * s.size, R->user) != 0;
        if (failed)
            st = ps_error_set(err, PS_ERR_IO, "combining the state of %d processes failed",
                              s.size);
        for (int r = 0; !failed && r < s.size; r++)
            if ((int)v[(size_t)M * r] != PS_OK) {
                R->failed_rank = r;
                failed = 1;
                if (r != s.rank)
                    st = ps_error_set(err, (ps_status)(int)v[(size_t)M * r], "stopped: rank "
                                      "%d failed (its message is on its standard error)", r);
            }
        for (int r = 1; !failed && r < s.size; r++)
            for (int q = 1; q < M; q++)
                if (v[(size_t)M * r + q] != v[q]) {
                    st = ps_error_set(err, PS_ERR_USAGE, "rank %d's %s differs from rank 0's; "
                                      "expected every rank to run the same calibration", r,
                                      q < 3 ? "calibration (spec, base scenario, observations "
                                      "or build)" : q == 3 ? "checkpoint" : "finished posterior");
                    failed = 1;
                    break;
                }
    }
    free(spare);
    if (opt->complete)
        *opt->complete = st == PS_OK && done;
    if (st != PS_OK || done) {
        for (int t = 0; t < s.n_gen; t++)
            gen_free(&s.gen[t]);
        free(s.gen);
        free(s.cbuf);
        ps_out_unlock(opt->output, lock);
        free(partial);
        return st;
    }
    if (s.rank == 0) { /* the only process that changes files */
        ps_out_remove_stale(opt->output, ".tmp.");
        ps_out_remove_stale(partial, ".tmp.");
        if (opt->force && have_partial && !opt->resume)
            unlink(partial);
    }
    for (int t = 0; t < s.n_gen && opt->progress; t++) {
        const generation *g = &s.gen[t];
        long long total = 0;
        for (int q = 0; q <= t; q++)
            total += s.gen[q].sims;
        ps_calib_generation pg = {t, g->tolerance, g->acceptance, g->ess, g->sims, total, 1};
        opt->progress(&pg, opt->progress_user);
    }

    int threads = ps_threads(opt->threads);
    worker *wk = ps_calloc((size_t)threads, sizeof *wk);
    for (int i = 0; wk && i < threads; i++)
        if (worker_init(&wk[i], c) < 0)
            st = nomem(err);
    if (!wk)
        st = nomem(err);
    st = agree(&s, st, err);
    long long total = 0;
    for (int t = 0; t < s.n_gen; t++)
        total += s.gen[t].sims;
    while (st == PS_OK && !s.final) {
        int t = s.n_gen;
        /* With several processes: one combine inside, reached by all. */
        st = run_generation(&s, t, wk, threads, opt->stop_flag, err);
        if (st == PS_OK && s.rank == 0)
            st = ckpt_save(&s, partial, err);
        st = agree(&s, st, err);
        if (st == PS_OK && opt->progress) {
            const generation *g = &s.gen[t];
            total += g->sims;
            ps_calib_generation pg = {t, g->tolerance, g->acceptance, g->ess, g->sims, total, 0};
            opt->progress(&pg, opt->progress_user);
        }
    }
    /* Rank 0 summarises and writes; the others wait for its status. */
    summary sm = {0};
    int finished = st == PS_OK; /* the same on every process */
    if (finished && s.rank == 0)
        st = summarise(&s, wk, threads, opt->stop_flag, &sm, err);
    if (st == PS_OK && s.rank == 0)
        st = write_posterior(&s, &sm, opt, threads, err);
    if (st == PS_OK && s.rank == 0)
        unlink(partial);
    if (finished)
        st = agree(&s, st, err);
    if (st == PS_ERR_INTERRUPTED || (st != PS_OK && ps_stopped(opt->stop_flag))) {
        st = s.n_gen > 0
                 ? ps_error_set(err, PS_ERR_INTERRUPTED, "interrupted in generation %d; the %d "
                                "finished generation%s kept in %s: run the same command with "
                                "--resume to continue", s.n_gen, s.n_gen,
                                s.n_gen == 1 ? " is" : "s are", partial)
                 : ps_error_set(err, PS_ERR_INTERRUPTED, "interrupted in generation 0; "
                                "nothing kept");
    }
    summary_free(&sm);
    for (int i = 0; wk && i < threads; i++)
        worker_free(&wk[i]);
    free(wk);
    for (int t = 0; t < s.n_gen; t++)
        gen_free(&s.gen[t]);
    free(s.gen);
    free(s.cbuf);
    ps_out_unlock(opt->output, lock);
    free(partial);
    return st;
}
