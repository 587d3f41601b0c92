/* pactsim: the interface for authors of models.
 *
 * A model (models/<name>.c) is a const ps_model table (pactsim.h): its
 * parameters, the fields it owns and writes, the fields of other models it
 * reads (declared, resolved by the registry at load), its internal state,
 * timeline event types and metrics, and init/step/apply_event/settle/free. Its
 * step reads state t from w->cur and writes state t+1 to w->next, for the
 * fields it owns only, so that the order of actors and of models never
 * matters; its settle (optional) then derives fields of its own from its
 * post-event fields in w->next. This
 * header adds what a step needs and a user of the library does not: the
 * world's layout, field lookups, counter-based random streams, event logging.
 * One line in models/registry.c registers a model. */
#ifndef PACTSIM_MODEL_H
#define PACTSIM_MODEL_H

#include <gsl/gsl_rng.h>

#include "pactsim.h"

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(default)

/* ---------------------------------------------------------------- world */
/* The simulation state of one replicate: structure of arrays, with two
 * buffers (t and t+1) per field. Models read cur and write next. */
struct ps_world {
    const ps_scenario *sc;
    int n_actors, n_theaters;
    int month;             /* month index being computed */
    int replicate;
    uint64_t seed;
    int n_fields;          /* every field, internal ones too (ps_registry_n_state) */
    double **cur, **next;  /* per global field: N, N*N or N*n_theaters */
    void **model_data;     /* per registered model */
    ps_event *log;         /* events that happened (timeline and model) */
    int n_log, cap_log;
    int inner_threads;     /* threads a model may use inside a step */
    /* The engine's: per field, 1 if next starts the step as a copy of cur,
     * 0 for fields a model overwrites whole (ps_model.overwrites); poison:
     * those start as NaN instead, so that a value the step leaves unwritten
     * fails the finiteness check (builds without NDEBUG, and tests). */
    unsigned char *copy;
    int poison;
    void *arena;        /* the large fields' mapping (ps_arena_alloc) */
    size_t arena_bytes;
    /* Zeros as long as the largest field, never written: what an optional
     * input reads when its model is not in the pipeline (ps_world_input).
     * NULL when no model has such an input, as in the full pipeline. */
    double *zeros;
};

/* State t of field f, or zeros when f < 0 (an optional input whose model is
 * not in the pipeline): loops read it without a test per value, +0.0 either way. */
static inline const double *ps_world_input(const ps_world *w, int f)
{
    return f >= 0 ? w->cur[f] : w->zeros;
}

/* State t of field f, or NULL when f < 0 (an optional input whose model is
 * not in the pipeline): for inputs with a fallback other than zero. */
static inline const double *ps_world_input_or_null(const ps_world *w, int f)
{
    return f >= 0 ? w->cur[f] : NULL;
}

/* Append an event to the log (models call it from serial code only). */
ps_status ps_world_log_event(ps_world *w, const char *type, int source,
                             int target, double magnitude, const char *id);
size_t ps_field_size(const ps_world *w, int field); /* elements */
/* A stable id for actor i (from its ISO3 code) to key random streams, so
 * that listing actors in another order draws the same numbers for each. */
uint64_t ps_world_actor_key(const ps_world *w, int i);

/* Accessors for models: look up at init, index in step. */
int ps_field_index(const char *name);            /* -1 if unknown */
const double *ps_world_param_values(const ps_world *w, int model);

/* ---------------------------------------------------------------- rng */
/* Counter-based streams (Philox4x32-10 as a GSL generator type): a generator
 * that is a pure function of the full key (seed, replicate, month, id, stream).
 * Any thread, any order, same draws. Stream numbers are distinct across models
 * (each model's draws for one actor and month use their own stream). */
typedef struct ps_rng ps_rng;
ps_rng *ps_rng_alloc(void);
void ps_rng_free(ps_rng *r);
/* Reseed r for the key; returns the gsl_rng to draw from with GSL. */
gsl_rng *ps_rng_key(ps_rng *r, uint64_t seed, int replicate, int month,
                           uint64_t id, uint32_t stream);
/* ps_rng_key(r, seed, replicate, month, id, stream) with the stream's key
 * ps_rng_id_key(seed, id) computed once: for ids keyed every month. */
uint64_t ps_rng_id_key(uint64_t seed, uint64_t id);
gsl_rng *ps_rng_key_id(ps_rng *r, uint64_t key, int replicate, int month, uint32_t stream);
/* gsl_ran_gaussian(g, 1.0), the same draw, faster from a ps_rng_key stream. */
double ps_rng_gaussian(gsl_rng *g);
/* z[k] = ps_rng_gaussian(ps_rng_key_id(r, keys[k], replicate, month, stream))
 * for k < count: the first draw of each of count streams. */
void ps_rng_gaussians(const uint64_t *keys, int count, int replicate, int month,
                      uint32_t stream, double *z);
uint64_t ps_hash64(uint64_t x);

/* A world with at least this many actors runs its large loops (models' and
 * the engine's per-field work) on w->inner_threads threads; below it a
 * parallel region costs more than it saves. */
#define PS_INNER_MIN_ACTORS 64

/* Whether w's large loops run on inner threads. When not, a loop is better
 * run outside any OpenMP region: inside a replicate-level region even a
 * region of one thread (`if` false) starts a nested team, at a cost of about
 * a microsecond, and a step of the baseline is tens of microseconds. */
static inline int ps_inner_parallel(const ps_world *w)
{
    return w->inner_threads > 1 && w->n_actors >= PS_INNER_MIN_ACTORS;
}

/* One item of a loop that ps_inner_for spreads over the inner threads: it
 * must write only its own entries (row, block, actor). */
typedef void ps_item_fn(ps_world *w, void *data, const double *p, int i);

/* A hot kernel (a dyad loop's block or row function, called a few times a
 * step, never per dyad): in a build with PS_MULTIVERSION (CMake's
 * PACTSIM_MULTIVERSION, x86-64 without PACTSIM_ARCH) compiled for x86-64 and
 * for x86-64-v3 (AVX2), and the loader picks one for the machine. Both give
 * the same bits: no FMA contraction (-ffp-contract=off) and no reordered
 * sums, only wider vectors (docs/performance.md, "Instruction sets"). */
#ifdef PS_MULTIVERSION
#define PS_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PS_HOT
#endif

/* fn(w, data, p, i) for i = 0 .. count - 1, in a static schedule on
 * w->inner_threads threads, or in a plain loop outside any OpenMP region when
 * ps_inner_parallel(w) is false. */
void ps_inner_for(ps_world *w, int count, ps_item_fn *fn, void *data, const double *p);

/* Blocks of `size` rows (or columns) of n: how many, and where block b ends
 * (it starts at b * size). */
static inline int ps_block_count(int n, int size)
{
    return (n + size - 1) / size;
}

static inline int ps_block_end(int b, int size, int n)
{
    return b * size + size < n ? b * size + size : n;
}

/* Columns per block of a column sum: a block's segment of a row is 2 KiB, so
 * the rows being summed stream through cache while the block's sums stay in
 * L1 (ps_dyad_column_sums, and models' own fused column sums). */
#define PS_COLUMN_BLOCK 256

/* out[i] = sum over j of x[j * n + i] (+ y[j * n + i] if y is given, added
 * first as a pair), j ascending, so the same bits as a loop down column i;
 * skipping the j with skip[j * n + i] != 0 if skip is given; n = w->n_actors.
 * It reads the arrays row by row, in blocks of columns, on w->inner_threads
 * threads: a loop down each column strides by n doubles and, once a block of
 * columns no longer fits in cache (n ~ 500 here), misses on every element,
 * which made such steps grow faster than n^2. */
void ps_dyad_column_sums(const ps_world *w, const double *x, const double *y, const char *skip,
                         double *out);

/* out[i] = sum over j of x[i * n + j] (+ y[i * n + j], added first as a
 * pair), j ascending: the same bits as a loop along row i; y may be NULL.
 * Rows are shared out between w->inner_threads threads. */
void ps_dyad_row_sums(const ps_world *w, const double *x, const double *y, double *out);

/* out[k] = +0 for every dyad k, by blocks of whole rows on
 * w->inner_threads threads: a field a model rewrites each month from zero. */
void ps_dyad_zero(const ps_world *w, double *out);

/* out[k] = x[k] * c for every dyad k (out may be x), by blocks of whole rows
 * on w->inner_threads threads: element by element, so the same bits on any
 * number of threads; decays and erosions of a dyad field. */
void ps_dyad_scale(const ps_world *w, const double *x, double c, double *out);

/* fmax and fmin for the models, inlined to one maxsd/minsd: GCC calls libm for
 * fmax/fmin unless given -ffinite-math-only, and those calls were ~12% of a
 * step. For any two numbers the values of glibc's x86-64 fmax/fmin (b when
 * a == b, so fmax(-0, +0) is +0), on every platform. Unlike them they do not
 * drop a NaN in b: the state holds none (the engine checks every field each
 * month), and testing b for one cost a compare and a branch per call, 6% of the
 * instructions of a 193-actor month. A NaN made inside a step may now reach the
 * state, whose check names it, where fmax could have hidden it. */
static inline double ps_fmax(double a, double b) { return a > b ? a : b; }
static inline double ps_fmin(double a, double b) { return a < b ? a : b; }

/* ------------------------------------------------------------- registry */
/* The registry: models in pipeline order (models/registry.c). */
extern const ps_model *const ps_models[];
/* Replace the list in use (NULL restores ps_models): for tests that run
 * test-only models. Not thread-safe; call before creating worlds. */
void ps_registry_use(const ps_model *const *models);
/* Global field index of model `model`'s input k (-1: an optional input whose
 * owner is not in the pipeline) and of its own field k. */
int ps_model_input(int model, int k);
int ps_model_field(int model, int k);
int ps_model_internal(int model, int k); /* global index of its internal field k */

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif
