/* pactsim internals shared by sim/ and models/: not installed. */
#ifndef PACTSIM_INTERNAL_H
#define PACTSIM_INTERNAL_H

#include "pactsim_model.h"

/* ----------------------------------------------------------- YAML tree */
/* A parsed YAML document with positions, so that every error can name
 * file:line:col. Scalars are kept as text; typing happens on binding. */
typedef enum { PS_NODE_NULL = 0, PS_NODE_SCALAR, PS_NODE_MAP, PS_NODE_SEQ } ps_node_kind;

typedef struct ps_node {
    ps_node_kind kind;
    const char *file;     /* interned path (owned by the document list) or "--set K=V" */
    int line, col;        /* 1-based; line 0 = from the command line */
    char *scalar;         /* PS_NODE_SCALAR */
    int quoted;           /* scalar was quoted: always a string */
    int n;                /* entries (map) or items (seq) */
    char **keys;          /* map keys */
    int *key_line, *key_col;
    struct ps_node **items;
} ps_node;

/* Parse one YAML file (no `extends` processing). Duplicate keys, anchors
 * used as merge keys, multiple documents and non-UTF-8 input are errors. */
ps_status ps_node_load_file(const char *path, ps_node **out, ps_error *err);
/* Parse a file and resolve `extends:` (relative to the including file),
 * deep-merging maps; sequences and scalars in the child replace the
 * parent's. A null value in the child deletes the key. Cycles are errors.
 * lineage (len bytes, may be 0): the chain's scenario names, each file's own
 * `name:` (else its file name), "child <- parent <- root".
 * files (if not NULL): the canonical paths of the chain, one a line. */
ps_status ps_node_load_config(const char *path, ps_node **out, char *lineage, size_t len,
                              char **files, ps_error *err);
/* Top-level `lineage:` of a resolved config: the chain, set (a quoted string)
 * when value holds a parent (" <- "), removed otherwise, so that a run of
 * /provenance/config_resolved keeps its scenario's lineage. */
ps_status ps_node_set_lineage(ps_node *root, const char *value, ps_error *err);
/* Append path and a newline to *list (malloc'ed or NULL), as in the files
 * of ps_node_load_config and the inputs of ps_out_check; -1: out of memory. */
int ps_path_list_add(char **list, const char *path);
/* Apply "a.b.c=value" (value parsed as a YAML flow scalar/sequence/map). */
ps_status ps_node_set_path(ps_node *root, const char *assignment, ps_error *err);
ps_node *ps_node_get(const ps_node *map, const char *key);
void ps_node_free(ps_node *n);
/* Emit a tree as block YAML (libyaml emitter); *text is malloc'ed. */
ps_status ps_node_emit(const ps_node *n, char **text, ps_error *err);
/* "file:line:col" or "option --set K=V" for messages. */
void ps_node_where(const ps_node *n, char *buf, size_t len);
/* Has the file that top-level key i of map comes from any of keys at top level?
 * If not, it is not a file of this kind (e.g. `extends: /etc/shadow`), and its
 * keys, which are its content, are not echoed in the error. */
int ps_node_file_has_key(const ps_node *map, int i, const char *const *keys, int n);
/* The closest candidate by edit distance, or NULL if none is close. */
const char *ps_did_you_mean(const char *word, const char *const *cands, int n);

/* Spec files (sweep and calibration specs, sim/sweep.c): PS_ERR_CONFIG
 * messages "file:line:col: ..." at a node, or at key i of a map. */
ps_status ps_spec_bad(ps_error *err, const ps_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ps_status ps_spec_bad_key(ps_error *err, const ps_node *map, int i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Unknown key i of map: names the nearest of cands and lists them all. */
ps_status ps_spec_unknown_key(ps_error *err, const ps_node *map, int i, const char *what,
                              const char *const *cands, int n);
/* A scalar as a string, a plain finite number, an integer in [lo, hi]. */
ps_status ps_spec_text(ps_error *err, const ps_node *n, const char *what, char **out);
ps_status ps_spec_real(ps_error *err, const ps_node *n, const char *what, double *out);
ps_status ps_spec_int(ps_error *err, const ps_node *n, const char *what, long long lo,
                      long long hi, long long *out);
/* Key i of pmap, a --set path: for parameters.<model>.<name>, its registry
 * entry (an unknown model or parameter is an error), else *out = NULL. */
ps_status ps_spec_registry_param(ps_error *err, const ps_node *pmap, int i, const char *path,
                                 const ps_param **out);
/* The common head of a spec: a map of known top-level keys (top), the four
 * required ones present, name, description (optional) and base (resolved
 * relative to the spec), for messages "a <kind> spec". */
ps_status ps_spec_head(const char *path, const ps_node *root, const char *kind,
                       const char *const *top, int n_top, const char *const required[4],
                       char **name, char **description, char **base_path, ps_error *err);
/* `set: {path: value}` as "path=value" overrides (none if absent). */
ps_status ps_spec_set(const ps_node *root, char ***fixed, int *n_fixed, ps_error *err);
/* rel relative to the directory of the spec file (malloc'ed; NULL: no memory). */
char *ps_spec_path(const char *spec, const char *rel);

/* ----------------------------------------------------------- utilities */
#define PS_MAX_REPLICATES 1000000 /* of a run or a sweep point */
void *ps_calloc(size_t n, size_t size); /* NULL on overflow or failure */
void *ps_calloc_series(size_t n, size_t size); /* the same, for a run's series (sim/memory.c) */
void ps_prefault(void *p, size_t bytes);        /* map a fresh array's pages at once (sim/memory.c) */
/* A world's large arrays in one huge-page mapping (sim/memory.c): arrays of
 * at least ps_arena_min bytes (64 KiB; none under AddressSanitizer, which
 * would not see an overflow from one array into the next there). */
extern size_t ps_arena_min;
void *ps_arena_alloc(int n, const size_t *bytes, double **starts, size_t *mapped);
void ps_arena_free(void *m, size_t mapped);
char *ps_strdup(const char *s);
/* Open path read-only only if it is a regular file (nofollow: nor a symbolic
 * link): a FIFO, device, socket or directory is refused before it is opened
 * for reading, so no read can block. -1 with *kind ("a FIFO (named pipe)",
 * ...) for such a file, or with errno and *kind NULL if it cannot be opened. */
int ps_open_regular(const char *path, int nofollow, const char **kind);
const char *ps_file_kind(unsigned mode); /* "a directory", ... of st_mode */
/* Read a whole regular file (NUL-terminated); NULL and err on failure. */
char *ps_read_file(const char *path, size_t *len, ps_error *err);
/* The memory this process may use (sim/limits.c): the smallest of physical
 * memory, its cgroup's limit (v2 memory.max, v1 memory.limit_in_bytes, of
 * its cgroup and the ancestors), RLIMIT_AS and RLIMIT_DATA; *what names it.
 * ps_memory_limit_at reads only the cgroup limit (0: none), with the files
 * /proc/self/cgroup and /sys/fs/cgroup/... under `root` ("" for the system's;
 * a test passes a directory of fake files). */
uint64_t ps_memory_limit(const char **what);
/* Threads to use: requested, or OpenMP's default if requested <= 0; 1 without
 * OpenMP (sim/run.c). */
int ps_threads(int requested);
/* "1.5 GiB" into buf (sim/run.c). */
const char *ps_human_bytes(uint64_t b, char buf[32]);
/* *E = the state values of one replicate-month (actors² per dyad field,
 * actors x theaters per theater field, actors per actor field); 1 on
 * overflow of 64 bits (sim/run.c). */
int ps_state_values(const ps_scenario *sc, uint64_t *E);
/* copy[f] = 0 for the state fields a model overwrites whole every step
 * (ps_model.overwrites), 1 for the others: ps_registry_n_state() bytes. */
void ps_registry_state_copy(unsigned char *copy);
uint64_t ps_memory_limit_at(const char *root, const char **what);
/* FNV-1a over n bytes, continuing from h (start from PS_FNV_BASIS): spec hashes. */
#define PS_FNV_BASIS 1469598103934665603ULL
uint64_t ps_fnv1a(uint64_t h, const void *data, size_t n);
/* One Philox4x32-10 block (Salmon et al. 2011): out = bijection of ctr under key. */
void ps_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* The first 8 bytes (NUL included) of pactsim's binary checkpoints: a run's
 * replicate checkpoints (sim/checkpoint.c) and a calibration's OUT.partial
 * (sim/abc.c); `info` names a file by them (sim/output.c). */
#define PS_CKPT_MAGIC "PSCKPT1"
#define PS_ABC_MAGIC "PSABC01"

/* ----------------------------------------------------------- safe output */
/* sim/safeio.c. An output may be written to path: it is absent or a regular
 * file, and none of the inputs (same file, not just same name; each
 * inputs[k] is a newline-separated list of paths). A device, FIFO, socket
 * or directory is PS_ERR_EXISTS, an input PS_ERR_USAGE. */
ps_status ps_out_check(const char *path, const char *const *inputs, int n_inputs, ps_error *err);
/* Create a temporary (its name holds our pid) with O_EXCL | O_NOFOLLOW: a
 * link planted there is never followed. fd, or -1 and errno. */
int ps_out_create_excl(const char *path);
/* Remove "<path><tag><pid>" and "<path><tag><pid>.tmp.<pid>" left by
 * processes that no longer exist (killed runs, sweeps, merges). */
void ps_out_remove_stale(const char *path, const char *tag);
/* One writer per output: flock on "<path>.lock", held until ps_out_unlock
 * (which removes the file). A live holder still there after wait_s seconds
 * gives PS_ERR_EXISTS, whatever the options. */
ps_status ps_out_lock(const char *path, int wait_s, int *fd, ps_error *err);
void ps_out_unlock(const char *path, int fd);
/* fsync tmp, rename it to final, fsync the directory. keep_old: an existing
 * final is first given the name "<final minus .h5>.<n>.h5" (first free n),
 * written to kept. */
ps_status ps_out_publish(const char *tmp, const char *final, int keep_old, char *kept,
                         size_t kept_len, ps_error *err);
/* Free bytes in path's directory (UINT64_MAX if unknown). */
uint64_t ps_out_free_bytes(const char *path);

/* ----------------------------------------------------------- world */
/* ps_world_create whose initialisation (fields, models' init) already uses
 * inner_threads threads, as the steps will; same state for any count. */
ps_status ps_world_create_threads(const ps_scenario *sc, int replicate, int inner_threads,
                                  ps_world **out, ps_error *err);
/* Make w (of the same scenario) what ps_world_create(w->sc, replicate)
 * would, reusing its state buffers; initialised with w->inner_threads
 * threads. On failure w can only be freed. */
ps_status ps_world_reset(ps_world *w, int replicate, ps_error *err);
/* The finiteness check of every field of state t+1 (w->next), as a step
 * ends: PS_ERR_NUMERIC naming the first non-finite value in field order. */
ps_status ps_world_check_next(const ps_world *w, ps_error *err);
/* The order the models' inits run in (registry indices): every model after
 * the owners of its at_init inputs, else registry order; PS_ERR_MODEL on a
 * cycle. ps_registry_check checks it; world setup follows it. */
#define PS_MAX_MODELS 64
ps_status ps_registry_init_order(int *order, ps_error *err);
/* Continue w from a saved state: month `month` is the next to compute,
 * state[f] is cur of every field (internal ones too: w->n_fields), log the
 * n_log events so far. w must be as ps_world_create/reset made it for the
 * same scenario and replicate: its models' init then derived from month 0
 * exactly what they derived when the state was saved. */
ps_status ps_world_restore(ps_world *w, int month, const double *const *state,
                           const ps_event *log, int n_log, ps_error *err);

/* Has a stop been requested (stop may be NULL)? Relaxed: the flag only asks
 * the workers to stop; it publishes no data. */
static inline int ps_stopped(ps_stop *stop)
{
    return stop && atomic_load_explicit(stop, memory_order_relaxed);
}

/* The first byte that keeps s from being a one-line name (a control
 * character: below 0x20, or 0x7f; also '/' if no_slash, for a name that
 * becomes a file name), or 0. Scenario and spec names both go through it. */
static inline int ps_name_flaw(const char *s, int no_slash)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (no_slash && *p == '/'))
            return *p;
    return 0;
}

/* ----------------------------------------------------------- the driver */
/* One scheduler for every parallel loop of independent tasks (a run's
 * replicates, a sweep's runs, a calibration's particles; sim/drive.c).
 * Tasks 0..n-1 go to `threads` threads one at a time, in index order
 * (dynamic scheduling); each thread has a state of state_size bytes, zeroed,
 * given to init before its first task and to fini after its last.
 * compute(i) runs in parallel; commit(i, s) (may be NULL) runs under one
 * lock, one task at a time, in any order, and returns the task's final
 * status (e.g. after writing it). A task whose final status is not PS_OK is
 * a failure: tasks after the lowest failing one are not started (those
 * before it are, so the lowest failing task, its status and its error do not
 * depend on thread timing), and neither is any task once stop is set. */
typedef struct ps_drive ps_drive;
struct ps_drive {
    long long n;
    int threads;
    size_t state_size;
    ps_stop *stop;
    void *ctx;          /* the caller's, for the callbacks */
    void (*init)(ps_drive *d, void *state, int thread);
    void (*fini)(ps_drive *d, void *state);
    ps_status (*compute)(ps_drive *d, void *state, long long i, ps_error *e);
    ps_status (*commit)(ps_drive *d, void *state, long long i, ps_status s, ps_error *e);
    /* out: the lowest failing task (n: none), its status and error; a
     * commit may read `failed` to know whether its task becomes the first */
    _Atomic long long failed;
    ps_status status;
    ps_error first;
};
/* Run d's tasks; returns d->status (PS_OK if no task failed; a stop is not
 * a failure: the caller asks ps_stopped). PS_ERR_NOMEM for the states. */
ps_status ps_drive_run(ps_drive *d);

/* A `fields:` value (output.fields of a scenario, fields of a sweep spec): all,
 * or a list of state variables and shell patterns (one alone is a list of
 * one), each matching some output field. *mask: per output field
 * (ps_registry_n_fields()), 1 if selected; NULL for all. Errors name the
 * node's file, line and column, and the key as `what`. */
ps_status ps_fields_select(const ps_node *v, const char *what, unsigned char **mask,
                           ps_error *err);
/* The names of the fields mask selects, space-separated in registry order,
 * or "all" for NULL (malloc'd; NULL when out of memory). */
char *ps_fields_names(const unsigned char *mask);
/* Does mask (NULL: all) select output field f? */
int ps_fields_has(const unsigned char *mask, int f);

/* ----------------------------------------------------------- runs */
/* Run one replicate into *rp, reusing the world *wp and the run *rp (of the
 * same scenario and keep) when not NULL, so that a thread running replicate
 * after replicate allocates and zeroes its state and series once. keep[f] is
 * PS_SERIES_ALL for the output fields whose series the run keeps whole,
 * PS_SERIES_PAIRS for those it keeps for the pairs the metrics name (NULL:
 * all whole; the others' run->series[f] are NULL): a run whose series only its metrics and
 * observations read keeps those, not the whole state (ps_run_keep_metrics).
 * *usable: *rp holds the run (complete, or the months a numerically failed run
 * completed). After another failure *wp may have been freed (NULL). */
ps_status ps_run_replicate_into(const ps_scenario *sc, int replicate, int inner_threads,
                                const unsigned char *keep, ps_stop *stop, ps_world **wp,
                                ps_run **rp, int *usable, ps_error *err);
/* keep[f] = PS_SERIES_ALL or PS_SERIES_PAIRS for the fields the metrics read
 * (ps_registry_metric_reads), PS_SERIES_NONE for the others: a new array of
 * ps_registry_n_fields() bytes, or NULL. */
unsigned char *ps_run_keep_metrics(void);
/* The same, with the fields `fields` selects (ps_fields_select) kept whole:
 * what a run or sweep writing only those keeps. */
unsigned char *ps_run_keep_fields(const unsigned char *fields);
/* The distinct pairs of actors of sc the metrics name for field f
 * (ps_model.metric_reads "field:SRC-DST"): their number, and, if idx is not
 * NULL, their dyad indexes in ascending order into idx. */
int ps_run_kept_pairs(const ps_scenario *sc, int f, size_t *idx);
/* Values a month of run's series of field f: the pairs it keeps, or all. */
size_t ps_run_series_width(const ps_run *run, int f);
/* The same, continuing from mr's checkpoints of the replicate and saving
 * new ones as it goes, and when stopped (mr NULL: ps_run_replicate_into). */
struct ps_midrun;
ps_status ps_run_replicate_ckpt(const ps_scenario *sc, int replicate, int inner_threads,
                                const unsigned char *keep, ps_stop *stop, ps_world **wp,
                                ps_run **rp, int *usable, struct ps_midrun *mr,
                                ps_error *err);

/* ----------------------------------------------------------- output */
/* A run's state chunks, shuffled and deflated exactly as HDF5's filters
 * would (sim/output.c), ready for H5Dwrite_chunk. Packing calls no HDF5
 * function and only reads the ps_output, so threads may pack concurrently;
 * writing the packed run stays serialised like ps_output_write_run. */
typedef struct ps_packed ps_packed;
/* One packed chunk: field f, months t0.., bytes [off, off + len) of buf. */
typedef struct {
    int f;
    unsigned long long t0;
    size_t off, len;
} ps_packed_chunk;

struct ps_packed {
    int replicate;
    unsigned char *buf;
    size_t cap, used;   /* used: bytes of chunk data (what the file grows by) */
    ps_packed_chunk *ch;
    int n, cap_ch;
    unsigned char *shuf; /* one shuffled chunk */
    double *pad;         /* a chunk's months past the end of the run: the fill value */
    size_t work;         /* bytes in shuf and pad */
    void *zc;            /* libdeflate compressor at level zlevel, or NULL */
    int zlevel;
};
/* Pack run into *p (created if NULL, else its buffers are reused). */
ps_status ps_output_pack(const ps_output *o, const ps_run *run, ps_packed **p, ps_error *err);
/* ps_output_write_run with the chunks already packed for this run. */
ps_status ps_output_write_packed(ps_output *o, const ps_run *run, const ps_packed *p,
                                 ps_error *err);
void ps_packed_free(ps_packed *p);
/* /provenance spec_hash of a pactsim output (ps_run_spec_hash of its run). */
ps_status ps_output_spec_hash(const char *path, uint64_t *hash);
/* Months per chunk of global field f in the file; 0 if f is not written. */
unsigned long long ps_output_chunk_months(const ps_output *o, int f);

/* ----------------------------------------------------------- checkpoints */
/* "<output>.partial/": one file per finished replicate, for `run --resume`
 * (sim/checkpoint.c). */
typedef struct ps_ckpt ps_ckpt;
/* Hash of what a run's results depend on: the resolved scenario, the build
 * and the field and metric tables (also /provenance spec_hash). */
uint64_t ps_run_spec_hash(const ps_scenario *sc);
/* Create the directory, or with resume reuse one of the same spec hash; a
 * directory without resume or force is PS_ERR_EXISTS; force starts over.
 * series: per output field, what the run keeps of it (ps_run_replicate_into's
 * keep; NULL: all), which its mid-run segments carry. */
ps_status ps_ckpt_open(const char *output, const ps_scenario *sc, const unsigned char *series,
                       int resume, int force, ps_ckpt **out, ps_error *err);
/* The same for the mid-run segments of a sweep's unfinished runs: directory
 * dir (messages name output), keyed by the sweep's spec hash (with the
 * build's tables) and units 0..n_units-1 (the sweep's run indices); sc gives
 * the shape (the base scenario; each world's own sizes are checked too);
 * series: per output field, 1 if segments carry its series (NULL: all). */
ps_status ps_ckpt_open_segments(const char *dir, const char *output, uint64_t hash,
                                int n_units, const ps_scenario *sc,
                                const unsigned char *series, int resume, int force,
                                ps_ckpt **out, ps_error *err);
int ps_ckpt_has(const ps_ckpt *c, int replicate); /* a checkpoint file exists */
int ps_ckpt_n_saved(const ps_ckpt *c);            /* checkpoint files found on opening */
const char *ps_ckpt_dir(const ps_ckpt *c);
/* Save a complete run and its packed chunks (threads: different replicates). */
ps_status ps_ckpt_save(ps_ckpt *c, const ps_run *run, const ps_packed *p, ps_error *err);
/* Load replicate r into run (metrics, events, months) and *p. A damaged or
 * foreign checkpoint is removed and gives PS_ERR_INPUT: compute it again. */
ps_status ps_ckpt_load(const ps_ckpt *c, const ps_output *o, int replicate, ps_run *run,
                       ps_packed **p, ps_error *err);
/* Mid-run checkpoints of an unfinished unit (a replicate, a sweep's run):
 * segments of months, each with the world's state at its end
 * (sim/checkpoint.c). Save months [from, w->month) of run and the state of
 * w (w->month is the next month) as unit's. */
ps_status ps_ckpt_save_midrun(ps_ckpt *c, int unit, const ps_world *w, const ps_run *run,
                              int from, ps_error *err);
/* Continue unit from its segments, if any: their months into run (n_done),
 * the last one's state into w (reset for the unit's replicate), *month =
 * the next month to compute (0: none usable). A damaged segment is removed
 * with those after it and named in dropped. */
ps_status ps_ckpt_load_midrun(ps_ckpt *c, int unit, ps_world *w, ps_run *run, int *month,
                              char *dropped, size_t len, ps_error *err);
/* Remove a unit's segments (it is finished and saved whole). */
void ps_ckpt_remove_midrun(ps_ckpt *c, int unit);
int ps_ckpt_n_midrun(const ps_ckpt *c); /* units with segments */
/* A replicate run with mid-run checkpoints (ps_run_replicate_ckpt). */
typedef struct ps_midrun {
    ps_ckpt *ck;
    int unit;             /* its index in ck: the replicate, or a sweep's run */
    int every;            /* months between saves; 0: PS_MIDRUN_SECONDS of computing; < 0 never */
    int from;             /* out: the month it continued from (0: the start) */
    char dropped[512];    /* out: a damaged segment, if one was removed */
} ps_midrun;
/* Close; keep = 0 removes the directory (the run is done, or not resumable). */
void ps_ckpt_close(ps_ckpt *c, int keep);

/* ----------------------------------------------------------- posteriors */
#define PS_POSTERIOR_FORMAT "pactsim-posterior"
struct ps_posterior {
    char *path;
    int n_params, n_samples;
    char **paths;            /* parameters.<model>.<name> or actors.<ISO3>.<field> */
    int *model, *index;      /* in the registry; an initial value: see ps_init_path_field */
    double *samples;         /* [n_samples * n_params] */
    double *weights;         /* [n_samples], sum > 0 */
    double *cum;             /* [n_samples]: running sums of the weights */
    uint64_t hash;           /* names, samples and weights */
    int replicates;          /* of the scenario it is attached to */
    int *draw;               /* sample drawn for each replicate */
};
/* "level", "growth", "share" or "arrival" (sim/obs.c). */
const char *ps_obs_transform_name(ps_obs_transform t);
/* parameters.<model>.<name> to registry indices: 0, or -1 if it is not one. */
int ps_param_path_find(const char *path, int *model, int *index);
/* Besides parameters, calibrations and posteriors take the initial value of
 * an actor field, actors.<ISO3>.<field>: its "model" is -1 - the field's
 * global index and its "index" the position in the scenario's inits of the
 * value it sets (ps_init_path_bind). The field of such a path (ISO3 into
 * iso3, not checked against a scenario), or -1. */
int ps_init_path_field(const char *path, char iso3[8]);
/* Append to sc's inits the initial value path names (its current value, so
 * sc runs as before) and return its position; the path's actor code into
 * iso3; -1 if sc has no such actor (or path is no initial value), -2 out of
 * memory. */
int ps_init_path_bind(ps_scenario *sc, const char *path, char iso3[8]);
/* A copy of sc's inits (NULL on no memory), for a scenario copy whose
 * values change (a thread's, a calibration worker's). */
ps_init_value *ps_inits_copy(const ps_scenario *sc);
/* Set value (model, index) of sc, a parameter or an initial value, as --set
 * would (integers rounded). */
void ps_scenario_value_set(ps_scenario *sc, int model, int index, double v);
/* Bounds, unit and whether integer of value (model, index). */
void ps_value_info(int model, int index, double *lo, double *hi, const char **unit,
                   int *integer);
/* Whether value (model, index) is an integer parameter (initial values never are). */
int ps_value_integer(int model, int index);
/* A scenario's parameter values, copied (NULL on no memory); freed with ps_params_free. */
double **ps_params_copy(const ps_scenario *sc);
void ps_params_free(double **p);
/* Set one value as --set would (integers rounded). */
void ps_params_set(double **params, int model, int index, double v);
/* Calibration priors (sim/calib.c): the log density, truncated to [lo, hi]
 * and normalised (-inf outside), and the quantile of u in [0, 1]. */
double ps_calib_prior_logpdf(const ps_calib_param *p, double x);
double ps_calib_prior_quantile(const ps_calib_param *p, double u);
/* The values of replicate r's draw into sc (its params and inits: a copy's),
 * but for those with keep[j] set (a sweep's own values; keep NULL: none). */
void ps_posterior_apply(const ps_posterior *p, int replicate, const unsigned char *keep,
                        ps_scenario *sc);
/* The sample replicate r of a scenario with this seed draws: with probability
 * its weight, by a stream keyed by (seed, r) only. */
int ps_posterior_sample(const ps_posterior *p, ps_rng *rng, uint64_t seed, int replicate);
/* ps_scenario_attach_posterior with a posterior already read (copied, not
 * read again: a sweep's points share the file read at validation). */
ps_status ps_scenario_attach_posterior_copy(ps_scenario *sc, const ps_posterior *src,
                                            ps_error *err);
/* ps_scenario_load, but a `posterior:` naming the file `posterior` was read
 * from (same path) takes a copy of it instead of reading the file again
 * (posterior NULL: ps_scenario_load). */
ps_status ps_scenario_load_reusing(const char *path, const char *const *overrides,
                                   int n_overrides, const ps_posterior *posterior,
                                   ps_scenario **out, ps_error *err);

#endif
