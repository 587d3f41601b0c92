/* pactsim: public interface of the simulation library.
 *
 * The header for users of libpactsim: scenarios, runs, sweeps, outputs,
 * calibration, scores, and the registry's tables of models, parameters and
 * fields. Authors of models include pactsim_model.h (which includes this):
 * the world's state arrays, random streams, field lookups, event logging.
 * Objects and verbs: ps_<object>_<verb>.
 * The library never prints and never exits: every fallible function returns a
 * ps_status and fills a ps_error with a message that carries its context
 * (file:line:col for configs, dataset names for files). Only the CLI prints. */
#ifndef PACTSIM_H
#define PACTSIM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What this header declares is libpactsim's API: exported from the shared
 * library, which is built with -fvisibility=hidden so that nothing else is. */
#pragma GCC visibility push(default)

/* A stop request: set to non-zero (atomic_store) by a signal handler or
 * another thread, read by the worker threads of a run, sweep, sensitivity or
 * calibration. A lock-free atomic int, so a signal handler may store to it. */
typedef atomic_int ps_stop;

#define PS_VERSION "0.1.0"
#define PS_FORMAT_NAME "pactsim"
#define PS_FORMAT_VERSION 1
/* How `run` stores the state series unless the config's output: says
 * otherwise (docs/output.md#storage): precision and deflate level. */
#define PS_OUT_FLOAT32 1
#define PS_OUT_DEFLATE 1

/* ---------------------------------------------------------------- status */
/* One list for codes, exit codes and messages (SUNDIALS style). */
#define PS_STATUS_LIST(X)                                                     \
    X(PS_OK, 0, "success")                                                    \
    X(PS_ERR_USAGE, 2, "bad command-line usage")                              \
    X(PS_ERR_CONFIG, 2, "invalid configuration")                              \
    X(PS_ERR_INPUT, 2, "invalid input file")                                  \
    X(PS_ERR_EXISTS, 2, "output exists (use --force)")                        \
    X(PS_ERR_IO, 1, "input/output failure")                                   \
    X(PS_ERR_NOMEM, 1, "out of memory")                                       \
    X(PS_ERR_NUMERIC, 1, "non-finite value in model state")                   \
    X(PS_ERR_INTERRUPTED, 1, "interrupted")                                   \
    X(PS_ERR_INTERNAL, 1, "internal error")                                   \
    X(PS_ERR_MODEL, 1, "model contract broken (a declared input no model writes)")

typedef enum {
#define PS_X_ENUM(name, exitcode, text) name,
    PS_STATUS_LIST(PS_X_ENUM)
#undef PS_X_ENUM
    PS_STATUS_COUNT
} ps_status;

const char *ps_status_text(ps_status s);
int ps_status_exit_code(ps_status s);
/* Call first in a program, before any other ps_ function: HDF5 1.10 cannot
 * close a file whose close failed (a full disk), and the half-closed file
 * would crash the library's cleanup at exit, so that cleanup is turned off
 * (every file is closed explicitly; the system reclaims the rest). */
void ps_init(void);

#define PS_ERRMSG_MAX 2048
typedef struct ps_error {
    ps_status code;
    char msg[PS_ERRMSG_MAX];
} ps_error;

/* Set err (if non-NULL) and return code. */
ps_status ps_error_set(ps_error *err, ps_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend context ("while reading X: ") to an existing message. */
ps_status ps_error_prefix(ps_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ descriptors */
typedef enum { PS_REAL = 0, PS_INT, PS_BOOL } ps_type;

/* A model parameter: declared once; docs, `config explain`, validation and
 * the provenance group are all generated from these tables. */
typedef struct ps_param {
    const char *name;
    ps_type type;
    const char *unit;
    double lo, hi;   /* inclusive bounds */
    double def;      /* default value */
    const char *description;
    const char *source; /* dataset, "article: ...", or "assumption: <reason>" */
} ps_param;

typedef enum { PS_ACTOR = 0, PS_DYAD, PS_THEATER } ps_shape;

/* A state variable, and (if output) an output field. Initial values are
 * `init` unless the scenario sets them per actor / dyad / theater. */
typedef struct ps_field {
    const char *name;
    ps_shape shape;
    const char *unit;
    double init;     /* default initial value */
    double lo, hi;   /* bounds for initial values given in a config */
    const char *description;
    const char *source; /* where configured initial values come from */
} ps_field;

/* A field a model reads from state t that another model owns. The registry
 * resolves every declared input when a scenario loads: an input no model in
 * the library writes, or one of another shape, is PS_ERR_MODEL naming the
 * model and the field. Optional: the owning model may be left out of a
 * pipeline (ps_registry_use), and the coupling is then off by design; the
 * name must still be a field of some model in ps_models, so a typo is caught.
 * at_init: the model's init reads it too (to derive its month -1 state), so
 * the owner's init runs first, whatever the registry order (a cycle of such
 * reads is PS_ERR_MODEL); steps read only state t and need no order. */
typedef struct ps_input {
    const char *name;
    ps_shape shape;
    int optional;
    int at_init;
} ps_input;

/* An event type: a timeline event a model consumes, or (generated = 1) an
 * event a model logs itself, which a timeline may not contain. */
/* What a timeline event of a type must name: checked where the scenario is
 * loaded, at the event's place in the file, for every event, whatever its
 * date (the model's own check at the event's month is then a safety net). */
enum {
    PS_EVENT_SOURCE = 1,   /* a source actor */
    PS_EVENT_TARGET = 2,   /* a target actor */
    PS_EVENT_DISTINCT = 4, /* a source other than the target, where both are given */
    PS_EVENT_THEATER = 8   /* a theater hosted by the target */
};
#define PS_EVENT_PAIR (PS_EVENT_SOURCE | PS_EVENT_TARGET | PS_EVENT_DISTINCT)

typedef struct ps_event_type {
    const char *name;
    const char *magnitude_unit;
    double lo, hi; /* bounds for magnitude */
    const char *description;
    int generated;
    int needs; /* PS_EVENT_* flags, for timeline events */
    /* An actor field the source must have above 0 in the initial state (e.g.
     * "unsc_veto" for a UN vote), checked where the event is read; NULL: any. */
    const char *source_has;
} ps_event_type;

struct ps_run;
/* A per-run scalar metric written to /summary. */
typedef struct ps_metric {
    const char *name;
    const char *unit;
    const char *description;
    double (*compute)(const struct ps_run *run);
} ps_metric;

/* ------------------------------------------------------------- scenario */
typedef struct ps_date {
    int year, month; /* month 1..12 */
} ps_date;

/* Month index relative to a start date. */
int ps_date_diff(ps_date a, ps_date b); /* months from b to a */
ps_date ps_date_add(ps_date d, int months);
int ps_date_parse(const char *s, ps_date *out); /* "YYYY-MM" or "YYYY-MM-DD"; 0 on success */
void ps_date_format(ps_date d, char buf[8]);     /* "YYYY-MM" */

#define PS_NAME_MAX 64
typedef struct ps_event {
    int month;            /* index from scenario start, 0-based */
    int type;             /* global event type index (ps_registry_event_type) */
    int source, target;   /* actor indices; -1 = world / none */
    double magnitude;
    char id[PS_NAME_MAX]; /* timeline key, or generator name for model events */
} ps_event;

/* Which value a scenario sets explicitly. */
typedef struct ps_init_value {
    int field;     /* global field index */
    int i, j;      /* actor (and target actor or theater) */
    double value;
    int where;     /* 1 + index into ps_scenario.where; 0: not from a file (posterior, tests) */
} ps_init_value;

struct ps_posterior;
typedef struct ps_scenario {
    char *name, *description;
    char *sources;         /* free text, newline separated */
    char *path;            /* file it was loaded from */
    char *raw_text;        /* the file as written */
    char *resolved_text;   /* after extends, --set: YAML */
    char *inputs;          /* the files read: the config, its extends chain, a posterior; one a line */
    char lineage[512];     /* scenario names of the extends chain: "run <- parent <- root" */
    ps_date start, end;
    int n_months;
    uint64_t seed;
    int replicates;
    int n_actors;
    char (*actor_name)[PS_NAME_MAX];
    char (*actor_iso3)[8];
    int n_theaters;
    char (*theater_name)[PS_NAME_MAX];
    int *theater_host;     /* actor where the theater lies, or -1 */
    double **params;       /* params[model][k], in table order */
    ps_init_value *inits;
    int n_inits;
    char **where;          /* "file:line:col" (or "option --set K=V") of inits from the config */
    int n_where;
    ps_event *events;      /* sorted by month, then file order */
    int n_events;
    int n_events_after;    /* events dated after the end: checked, not kept (never reached) */
    /* run --posterior: each replicate's parameters drawn from a calibration's
     * posterior (owned; ps_scenario_attach_posterior), or NULL. */
    struct ps_posterior *posterior;
    /* output: how `run` stores the state series (docs/output.md): float32
     * instead of float64, and the deflate level (0: not compressed). */
    int out_float32;
    int out_deflate;
    /* output.fields: per output field (ps_registry_n_fields()), 1 if `run`
     * writes its series; NULL: every field (the default). */
    unsigned char *out_fields;
} ps_scenario;

/* Load, resolve `extends`, apply overrides ("a.b.c=value"), validate. */
ps_status ps_scenario_load(const char *path, const char *const *overrides,
                           int n_overrides, ps_scenario **out, ps_error *err);
void ps_scenario_free(ps_scenario *sc);
int ps_scenario_actor(const ps_scenario *sc, const char *iso3_or_name);
/* Where the config gives field's value for (i, j) (j = -1 for an actor
 * field): "file:line:col" or "option --set K=V", of the value that wins (the
 * last given); NULL if the config does not give it. For models' messages. */
const char *ps_scenario_where(const ps_scenario *sc, int field, int i, int j);
int ps_scenario_theater(const ps_scenario *sc, const char *name);

/* ---------------------------------------------------------------- world */
/* One replicate's state (opaque here; its layout is in pactsim_model.h). */
typedef struct ps_world ps_world;

ps_status ps_world_create(const ps_scenario *sc, int replicate, ps_world **out,
                          ps_error *err);
void ps_world_free(ps_world *w);
/* The models' own checks of a scenario's initial state (those that need
 * another model's month-0 values, e.g. GDP against oil revenue): builds
 * replicate 0's world and steps its first month. Costs a world's memory. */
ps_status ps_scenario_check(const ps_scenario *sc, ps_error *err);
/* Advance one month: models' step (cur -> next), then the month's events,
 * then the models' settle, then a finiteness check, then swap. */
ps_status ps_world_step(ps_world *w, ps_error *err);
/* --------------------------------------------------------------- models */
typedef struct ps_model {
    const char *name;
    const char *description;
    const ps_param *params;
    int n_params;
    const ps_field *fields;       /* the fields this model owns and writes */
    int n_fields;
    const ps_input *inputs;       /* the other models' fields it reads */
    int n_inputs;
    const ps_event_type *events;  /* timeline event types it consumes */
    int n_events;
    const ps_metric *metrics;
    int n_metrics;
    /* The output fields whose series its metrics read, space-separated (they
     * may also read the events): "field" for the whole series, or
     * "field:SRC-DST" (ISO3 codes) when they read a dyad field only for that
     * directed pair, which a run keeping only what its metrics read then holds
     * alone (ps_run.pairs). NULL with metrics: not said, any. A sweep that
     * keeps no series saves only these in its runs' mid-run segments
     * (docs/reliability.md); tests/unit/test_state.c checks the list. */
    const char *metric_reads;
    /* Fields of its own (internal ones too), space-separated, whose every
     * value its step writes every month whatever the parameters and the
     * other models in the pipeline: the engine does not copy state t into
     * them before the step (NULL: none). tests/unit/test_overwrites.c runs
     * the configs with them poisoned. */
    const char *overwrites;
    /* Output fields of its own, space-separated, whose initial value has no
     * effect on a run: the model derives them from other state, at init or in
     * its step or settle before any model reads them, every month (NULL:
     * none). The loader refuses an initial value for them (actors, relations,
     * theater_state, in a file or by --set), naming the model; `config
     * explain` marks them computed. tests/unit/test_computed.c sets every
     * declared field to its bounds and checks that every output stays
     * bit-identical. */
    const char *computed;
    /* Allocate private data (may set *data = NULL). */
    ps_status (*init)(ps_world *w, int self, void **data, ps_error *err);
    /* Read w->cur, write w->next for the fields it owns. */
    ps_status (*step)(ps_world *w, int self, void *data, ps_error *err);
    /* Apply one timeline event of this model's types to w->next. */
    ps_status (*apply_event)(ps_world *w, int self, void *data,
                             const ps_event *ev, ps_error *err);
    /* Free what init allocated. Called only with the data init set, never
     * with NULL (a model whose init set *data = NULL, or failed, is not
     * called; tests/unit/test_engine.c test_free_only_data). */
    void (*free)(void *data);
    /* Internal state: what the model carries from month to month that is not
     * output (counters, reference levels). Declared like fields and kept in
     * the world like them (double-buffered: step reads cur, writes next; a
     * mid-run checkpoint saves them), but not written to the output file and
     * not settable by a config; `config explain` lists them as internal.
     * Private data (init's *data) then holds only what init derives from the
     * month-0 state and scratch that every step rewrites before reading. */
    const ps_field *internal;
    int n_internal;
    /* After the month's events (NULL: nothing to do): derive, in w->next, of
     * its own fields those that follow from its post-event state (its own
     * fields in next, the others' in cur), so that an event's consequences
     * are in the month it happens rather than a month later. */
    ps_status (*settle)(ps_world *w, int self, void *data, ps_error *err);
} ps_model;

/* The registry: models in pipeline order (models/registry.c). */
int ps_registry_count(void);
const ps_model *ps_registry_model(int k);
int ps_registry_find(const char *name);
/* Global field list = concatenation of models' fields in registry order;
 * then (indices ps_registry_n_fields() .. ps_registry_n_state() - 1) the
 * models' internal fields, in registry order. A world holds all of them; a
 * run's series and the output only the first ps_registry_n_fields(). */
int ps_registry_n_fields(void);
int ps_registry_n_state(void);
const ps_field *ps_registry_field(int f, int *owner_model); /* any f < ps_registry_n_state() */
/* 1 if output field f is one its model declares computed (ps_model.computed):
 * its initial value has no effect, and a config may not give one. */
int ps_registry_field_computed(int f);
int ps_registry_n_event_types(void);
const ps_event_type *ps_registry_event_type(int e, int *owner_model);
int ps_registry_find_event_type(const char *name);
/* Check every model's declared inputs against the fields of the models in
 * use (and, for optional ones, of ps_models): PS_ERR_MODEL with the model,
 * the field and a suggestion on the first that fails. */
ps_status ps_registry_check(ps_error *err);
int ps_registry_n_metrics(void);
const ps_metric *ps_registry_metric(int m, int *owner_model);
/* What a run keeps of a field's series: nothing, all of it, the pairs of
 * actors the metrics read (a dyad field's series then holds those alone), or
 * its first and last months only (two rows, whatever the number of months: a
 * metric that compares the end with the start of a dyad field need not keep
 * N^2 values a month). */
enum { PS_SERIES_NONE = 0, PS_SERIES_ALL = 1, PS_SERIES_PAIRS = 2, PS_SERIES_ENDS = 3 };
/* mask[f] (f < ps_registry_n_fields()) = PS_SERIES_ALL for every output
 * field a metric reads whole, PS_SERIES_PAIRS for a dyad field they read only
 * for the pairs they name ("field:SRC-DST" in ps_model.metric_reads),
 * PS_SERIES_ENDS for one they read only at its first and last months
 * ("field@ends"), else PS_SERIES_NONE; two different partial reads of one
 * field keep it whole; every field PS_SERIES_ALL if a model with metrics does
 * not say. */
void ps_registry_metric_reads(unsigned char *mask);
/* The k-th pair (ISO3 codes) the metrics name for field f, in registry
 * order (repeats included): 1, or 0 past the last. */
int ps_registry_metric_pair(int f, int k, char src[4], char dst[4]);
/* *E = the values a month of the series a replicate of sc keeps, over the
 * fields keep marks (ps_registry_metric_reads; NULL: every field whole): a
 * dyad field actors², or its named pairs, a theater field actors x theaters,
 * an actor field actors; 1 on overflow of 64 bits. */
int ps_state_values_kept(const ps_scenario *sc, const unsigned char *keep, uint64_t *E);
/* *V = the values of the whole series a replicate of sc keeps (all its
 * months; two rows for a field marked PS_SERIES_ENDS); 1 on overflow. */
int ps_series_values(const ps_scenario *sc, const unsigned char *keep, uint64_t *V);

/* ----------------------------------------------------------------- runs */
/* What one replicate produced: every field at every month (end of month). */
typedef struct ps_run {
    const ps_scenario *sc;
    int replicate;
    int n_months;
    int n_done;        /* months computed: n_months, or fewer if the run failed */
    double **series;   /* per global field: n_months * size (NULL for a field an
                        * internal run keeps no series of: sweeps in summary
                        * mode, calibration, runs with no output) */
    size_t **pairs;    /* NULL, or per field: NULL, or the dyad indexes
                        * (src * n + dst, ascending) of the only pairs its
                        * series holds, n_months * n_pairs[f] values; read
                        * them with ps_run_dyad (internal runs only) */
    int *n_pairs;
    unsigned char *ends; /* NULL, or per field: 1 if its series holds two rows
                          * only, month 0 and month n_months - 1 (read them
                          * with ps_run_series_month) */
    double *metrics;   /* per global metric */
    ps_event *events;
    int n_events;
} ps_run;

/* Mean of an actor field over months [m0, m1) of one run; NaN if empty. */
double ps_run_actor_mean(const ps_run *run, const char *field, int actor,
                         int m0, int m1);
double ps_run_dyad_mean(const ps_run *run, const char *field, int src, int dst,
                        int m0, int m1);
/* A dyad field's value for src -> dst at month t of one run; NaN if the run
 * does not keep it (or t is outside the run). */
double ps_run_dyad(const ps_run *run, const char *field, int src, int dst, int t);
/* Largest value of an actor field over all actors and months of one run, at
 * least 0; NaN if there is no such field. */
double ps_run_actor_peak(const ps_run *run, const char *field);
/* The values of global field f at month t in run's series (a row: the
 * field's values, or the pairs it keeps); NULL if the run keeps no series of
 * f or not that month. */
const double *ps_run_series_month(const ps_run *run, int f, int t);
/* Month index for a date, clamped into the run. */
int ps_run_month(const ps_run *run, int year, int month);

/* Run one replicate. stop (may be NULL) is checked before every month: when it
 * becomes non-zero the run ends with PS_ERR_INTERRUPTED. On PS_ERR_NUMERIC,
 * *out is the partial run (months [0, n_done) and their events, metrics NaN)
 * for the caller to keep or free; on any other failure *out is NULL. */
ps_status ps_run_replicate(const ps_scenario *sc, int replicate, int inner_threads,
                           ps_stop *stop, ps_run **out, ps_error *err);
void ps_run_free(ps_run *run);

/* ---------------------------------------------------------------- output */
typedef struct ps_output ps_output;

typedef struct ps_provenance {
    const char *command_line;
    int threads;
} ps_provenance;

/* Create the file under a temporary name beside path. */
ps_status ps_output_open(const char *path, const ps_scenario *sc,
                         const ps_provenance *prov, ps_output **out,
                         ps_error *err);
/* Write one finished replicate (any order; not thread-safe: serialise). A
 * partial run (n_done < n_months) fills its first n_done months only. */
ps_status ps_output_write_run(ps_output *o, const ps_run *run, ps_error *err);
/* Flush, fsync, close and rename to the final name. */
ps_status ps_output_commit(ps_output *o, ps_error *err);
/* Keep what was written as "<path>.failed.h5", never under the final name:
 * root attribute `incomplete` = message, /months_complete[replicate] = months
 * each replicate completed (0: never ran). The name is copied to failed_path.
 * An existing <path>.failed.h5 is kept as <path>.failed.<n>.h5 (first free
 * n), whose name is copied to kept ("" if there was none). */
ps_status ps_output_commit_failed(ps_output *o, const char *message, char *failed_path,
                                  size_t len, char *kept, size_t kept_len, ps_error *err);
/* Close and remove the temporary file. */
void ps_output_abort(ps_output *o);

/* Print a human summary of a pactsim file. */
ps_status ps_output_info(const char *path, FILE *fp, ps_error *err);
/* pactsim info of any pactsim file, by its format attribute (sim/info.c): a
 * run (ps_output_info), a sweep or sweep part (design, parameters, points,
 * replicates, metrics, completeness), any other "pactsim-*" kind (its
 * attributes, provenance, and every group and dataset with type, shape and
 * units). Anything else: ps_output_info's message. */
ps_status ps_file_info(const char *path, FILE *fp, ps_error *err);

/* ------------------------------------------------------------ simulation */
/* What ps_sim_run did besides computing (for the command line to report). */
typedef struct ps_sim_stats {
    int resumed;             /* replicates taken from checkpoints */
    int recomputed;          /* damaged checkpoints whose replicate was computed again */
    int already_complete;    /* resume found this run's finished output: nothing done */
    int kept;                /* replicates left in "<output>.partial/" after a failure */
    char dropped[PS_ERRMSG_MAX]; /* why a checkpoint computed again was unusable */
    int continued;           /* unfinished replicates continued from a mid-run checkpoint */
    int continued_replicate, continued_month; /* the lowest such replicate, and its month */
} ps_sim_stats;

typedef struct ps_sim_options {
    int threads;             /* 0 = OpenMP default */
    const char *output;      /* NULL = no file */
    int force;
    int resume;              /* continue from "<output>.partial/" (sim/checkpoint.c) */
    ps_sim_stats *stats;     /* filled if not NULL */
    const char *command_line;
    void (*progress)(int done, int total, void *user);
    void *progress_user;
    ps_stop *stop_flag; /* set asynchronously: stops before the next month */
    int no_space_check;      /* skip the free-disk-space check (memory is always checked) */
    /* Months between checkpoints of an unfinished replicate (with output);
     * 0: after PS_MIDRUN_SECONDS of computing it; < 0: none. */
    int checkpoint_every;
} ps_sim_options;
#define PS_MIDRUN_SECONDS 5

/* Run every replicate of a scenario and write the file. Sizes are checked
 * first (overflow, memory, free disk space: PS_ERR_CONFIG with the bytes
 * needed). Each finished replicate is also saved in "<output>.partial/",
 * removed when the file is complete. A non-finite state value ends the run
 * with PS_ERR_NUMERIC and keeps the replicates done so far in
 * "<output>.failed.h5" (the message says so); a stop flag ends it with
 * PS_ERR_INTERRUPTED and no file, the checkpoints kept for opt->resume,
 * which then computes only the replicates missing from them. An unfinished
 * replicate is saved too (every opt->checkpoint_every months, and when
 * stopped), and continues from its last saved month. */
ps_status ps_sim_run(const ps_scenario *sc, const ps_sim_options *opt,
                     ps_error *err);

/* ---------------------------------------------------------------- sweeps */
/* A sweep spec (configs/sweeps/, docs/sweeps.md): a base scenario, the
 * parameters to vary (any --set path), a design, replicates per point with
 * common random numbers (every point keeps the base seed, so replicate r uses
 * the same streams at every point) and what to keep of each run. */
typedef enum {
    PS_DESIGN_GRID = 0, PS_DESIGN_LHS, PS_DESIGN_SOBOL, PS_DESIGN_SALTELLI, PS_DESIGN_MORRIS
} ps_design;
typedef enum { PS_KEEP_SUMMARY = 0, PS_KEEP_STRIDE, PS_KEEP_FULL } ps_keep;

typedef struct ps_sweep_param {
    char *path;        /* --set path, e.g. parameters.economy.lend_share */
    char *unit;        /* from the registry for parameters.<model>.<name>, else "" */
    double lo, hi;     /* range, or smallest and largest of values */
    double *values;    /* value list, or NULL for a range */
    int n_values;
    int levels;        /* grid: values of a range */
    int log_scale;     /* range sampled uniformly in log(value) */
    int integer;       /* integer parameter: values are rounded */
    int line, col;     /* of its key in the spec */
} ps_sweep_param;

typedef struct ps_sweep {
    char *path, *name, *description, *raw_text;
    char *inputs;            /* the spec and its extends chain, one a line */
    char *base_path;         /* base scenario, resolved relative to the spec */
    ps_design design;
    int n_params;
    ps_sweep_param *params;
    int samples;             /* lhs/sobol: points; saltelli: N; morris: trajectories */
    int levels;              /* morris grid levels */
    int second_order;        /* saltelli: also the BA_j blocks (S2 indices) */
    uint64_t design_seed;
    int replicates;          /* per point */
    ps_keep keep;
    int stride;              /* months between kept records (stride mode) */
    unsigned char *fields;   /* stride, full: per output field, 1 if kept; NULL: all */
    char **fixed;            /* "K=V" applied to every point before its own values */
    int n_fixed;
    int n_points;
    double *unit;            /* [n_points * n_params]: design in [0, 1] */
    double *points;          /* [n_points * n_params]: parameter values */
    int *step;               /* morris: parameter changed from the previous point, -1 at a start */
    uint64_t hash;           /* spec text and every point's resolved scenario (ps_sweep_validate) */
    ps_scenario *base;       /* the base with `set:` (coordinates, provenance) */
    /* A posterior (the base's `posterior:`, or ps_sweep_set_posterior):
     * replicate r of point p runs with the parameters of the sample that
     * replicate r of point p's scenario draws, as `run` would, except the
     * parameters the sweep varies, which keep the point's values. Set by
     * ps_sweep_validate (NULL: none). */
    struct ps_posterior *posterior;
    unsigned char *post_swept;   /* [its parameters]: 1 if the sweep varies it */
    uint64_t *point_seed;        /* [n_points]: each point's seed, which keys its draws */
    char *posterior_path;        /* ps_sweep_set_posterior: replaces the base's */
} ps_sweep;

/* Parse a spec and build its design. Errors name spec:line:col. */
ps_status ps_sweep_load(const char *path, ps_sweep **out, ps_error *err);
/* The command line's overrides (pactsim sweep --set, --replicates), before
 * ps_sweep_validate: each "KEY=VALUE" applies to every point after the spec's
 * `set:` and before the point's own values (a path the sweep varies is an
 * error); replicates > 0 replaces the spec's. Both enter the spec hash. */
ps_status ps_sweep_override_base(ps_sweep *sw, const char *const *sets, int n_sets,
                                 int replicates, ps_error *err);
/* Every point draws from the posterior file path (`sweep --posterior`, as
 * `run --posterior`: it replaces the base's `posterior:`); before
 * ps_sweep_validate, which loads it. */
ps_status ps_sweep_set_posterior(ps_sweep *sw, const char *path, ps_error *err);
/* Load every point's scenario (nothing runs): a bad point is an error naming
 * the spec line of its parameter and the point; computes sw->hash (with the
 * posterior's, if any) and sw->posterior. */
ps_status ps_sweep_validate(ps_sweep *sw, ps_error *err);
/* What the sweep does with its posterior, one line into buf (0), or 1 if it
 * has none: the file, its parameters, those the sweep varies (its values
 * win) and those a `set:` or --set fixes (the draws win, as for run). */
int ps_sweep_posterior_note(const ps_sweep *sw, char *buf, size_t len);
/* The scenario of point p: the base with the point's overrides. */
ps_status ps_sweep_point_scenario(const ps_sweep *sw, int p, ps_scenario **out,
                                  ps_error *err);
/* "path=value" of parameter j at point p into buf. */
void ps_sweep_override(const ps_sweep *sw, int p, int j, char *buf, size_t len);
const char *ps_design_name(ps_design d);
void ps_sweep_free(ps_sweep *sw);

typedef struct ps_sweep_options {
    int threads;             /* 0 = OpenMP default */
    const char *output;
    int force;               /* start over even if output or output.partial exists */
    int resume;              /* continue output.partial */
    const char *command_line;
    void (*progress)(int done, int total, void *user);
    void *progress_user;
    ps_stop *stop_flag; /* set asynchronously: keeps output.partial for --resume */
    /* A part of the sweep (an MPI rank, a Slurm chunk of points): only the runs
     * part_first, part_first + part_step, ... below part_end (run k is point
     * k / replicates, replicate k % replicates), into a part file (format
     * "pactsim-sweep-part") that ps_sweep_merge joins. part_step 0: the whole
     * sweep into a sweep file. */
    long long part_first, part_step, part_end;
    int mpi_ranks;           /* recorded in /provenance when > 0 */
    /* Months between mid-run segments of an unfinished run, in
     * "<output>.segments/" (as ps_sim_options; 0: after PS_MIDRUN_SECONDS of
     * computing it; < 0: none). */
    int checkpoint_every;
} ps_sweep_options;

typedef struct ps_sweep_result {
    int runs, ran, failed;   /* total runs, run now, ending with a non-finite value */
    int already_complete;    /* --resume found the finished file */
    long long missing;       /* merge: runs no part has done */
    long long dropped;       /* done runs whose CRC (done_crc) failed: run again */
    char first_failure[512];
    int continued;           /* unfinished runs continued from their mid-run segments */
    long long continued_run; /* the first of them (point x replicates + replicate) */
    int continued_month;     /* the month it continued from */
    int recomputed;          /* damaged segments dropped (their runs continued earlier) */
    char seg_dropped[512];   /* why the first was dropped */
    int segments_kept;       /* unfinished runs whose segments are kept for --resume */
} ps_sweep_result;

/* Run every (point, replicate) not yet done into "<output>.partial", one
 * HDF5 file whose structure is complete before the first run; each run's
 * data, then its done flag, are flushed as it finishes, so a kill at any
 * moment loses at most the runs in flight. Renamed to output when complete.
 * Datasets do not depend on threads, order or interruptions. */
ps_status ps_sweep_run(ps_sweep *sw, const ps_sweep_options *opt, ps_sweep_result *res,
                       ps_error *err);

/* Join part files (ps_sweep_run with part_step > 0) of this sweep into the
 * sweep file opt->output, with datasets identical to a single run. Every run
 * must be done in some part; otherwise PS_ERR_INPUT naming the first missing
 * run, or, with if_complete, PS_OK with res->missing > 0 and nothing written.
 * Written under a temporary name and renamed, so concurrent merges are safe.
 * opt->resume: a finished output of this sweep is left as it is. */
ps_status ps_sweep_merge(ps_sweep *sw, const ps_sweep_options *opt, const char *const *parts,
                         int n_parts, int if_complete, ps_sweep_result *res, ps_error *err);

/* ------------------------------------------------------ compare, sensitivity */
typedef enum { PS_FMT_TABLE = 0, PS_FMT_CSV, PS_FMT_JSON } ps_format;

typedef struct ps_compare_options {
    const char *const *metrics;  /* summary metric names; NULL/0 = all */
    int n_metrics;
    const char *const *vars;     /* with at: "field:ISO3" or "field:SRC:DST" */
    int n_vars;
    const char *at;              /* "YYYY-MM" or NULL */
    ps_format format;
    int n_boot;                  /* bootstrap resamples (0 = 2000) */
    /* Smallest effect of interest: a difference whose interval lies within
     * +-it is "negligible". NULL text: PS_COMPARE_NEGLIGIBLE (1% of |mean A|). */
    const char *negligible_text; /* as given, e.g. "0.01" or "1%" */
    double negligible;           /* absolute, or a fraction of |mean A| if relative */
    int negligible_relative;
    int allow_mismatch;          /* compare runs of other actors, months or lineage */
} ps_compare_options;
#define PS_COMPARE_NEGLIGIBLE "1%"

/* Paired differences B - A per replicate of two run files with the same
 * replicates and seed (common random numbers): means, mean difference,
 * bootstrap 95% interval, effect sizes (relative change, standardised
 * difference) and a verdict, printed to fp. Different replicates or seeds:
 * PS_ERR_INPUT; different actors, months or scenario lineage too, unless
 * allow_mismatch (then listed in the output). */
ps_status ps_compare(const char *file_a, const char *file_b, const ps_compare_options *opt,
                     FILE *fp, ps_error *err);

typedef struct ps_sensitivity_options {
    const char *metric;        /* one summary metric; NULL = all */
    int n_boot;                /* bootstrap resamples (0 = 1000) */
    ps_stop *stop_flag;   /* set asynchronously: stop, leaving the file unchanged */
} ps_sensitivity_options;

/* Sobol' first-order, total and (second_order designs) second-order indices
 * of a saltelli sweep, or Morris mu*, mu and sigma of a morris sweep, with
 * bootstrap 95% intervals, printed to fp (with a warning where a Sobol'
 * interval is wider than PS_SENS_WIDE) and stored in /sensitivity of the
 * file. The file is never changed in place: a copy with the results is
 * written to FILE.tmp.<pid>, synced and renamed over FILE. Interrupted:
 * PS_ERR_INTERRUPTED, FILE as it was. opt may be NULL. */
#define PS_SENS_WIDE 0.2
/* Fewer distinct point means than this: a metric's indices are flagged unreliable. */
#define PS_SENS_DISCRETE 5
ps_status ps_sensitivity(const char *file, const ps_sensitivity_options *opt, FILE *fp,
                         ps_error *err);

/* ---------------------------------------------------------- observations */
/* Observations of the model's state variables (sim/obs.c, docs/observation-format.md):
 * CSV files with the header
 *   quantity,actor,target,date,value,sd,transform,source,published
 * one row per observation of an actor or dyad field, checked strictly (every
 * error names file:line:col), and the model's equivalent of each observation
 * in a run's series. Used by `pactsim score` and by calibration. */
#define PS_OBS_CUTOFF "2022-07-22" /* default information cutoff (the article's date) */

/* PS_OBS_ARRIVAL: a flow observed where it arrives, about a month after the
 * model's month of the sale (crude "received" after a voyage): the model's
 * value of the month before. */
typedef enum { PS_OBS_LEVEL = 0, PS_OBS_GROWTH, PS_OBS_SHARE, PS_OBS_ARRIVAL } ps_obs_transform;

typedef struct ps_obs {
    int field;               /* global field index (actor or dyad field) */
    int actor, target;       /* indices into the set's actors; target -1 for actor fields */
    ps_date date;            /* the month, or for annual the year (date.month = 0) */
    int annual;              /* date was YYYY: the value is the mean over that year's months */
    ps_obs_transform transform;
    double value, sd;        /* sd > 0: observation error, in the value's units */
    char published[11];      /* YYYY-MM-DD */
    char *source;            /* free text */
    const char *file;        /* the file it came from (owned by the set) */
    int line;                /* its line there (where the row starts) */
    int date_col;            /* the column of its date field (errors about its months) */
} ps_obs;

typedef struct ps_obs_set {
    int n;
    ps_obs *obs;             /* in file order, files in the order given */
    int n_actors;            /* actors rows were resolved against (indices above) */
    char (*iso3)[8];
    int n_files;
    char **files;
    int n_late;              /* rows published after the cutoff, left out (drop_late) */
} ps_obs_set;

typedef struct ps_obs_options {
    const char *const *actors; /* ISO3 codes the rows may name: the run's or config's actors */
    int n_actors;
    const char *cutoff;      /* "YYYY-MM-DD": rows published later are errors; NULL =
                              * PS_OBS_CUTOFF; "none" = no cutoff */
    int drop_late;           /* rows published after the cutoff are left out (and counted
                              * in n_late) instead of errors; they are checked all the same */
} ps_obs_options;

/* Load and check CSV files (RFC 4180 quoting, '#' comment lines). Any error
 * (PS_ERR_INPUT) names file:line:col and what was expected; nothing is kept. */
ps_status ps_obs_load(const char *const *paths, int n_paths, const ps_obs_options *opt,
                      ps_obs_set **out, ps_error *err);
void ps_obs_free(ps_obs_set *s);
/* "gdp RUS 2022-06 growth", "oil_trade RUS->IND 2022" (into buf) for messages. */
void ps_obs_label(const ps_obs_set *s, const ps_obs *o, char *buf, size_t len);

/* The months an observation needs, as record indices [*first, *last] of a
 * series starting at `start` with n_months records (record k = end of month
 * start + k): its month, its year's 12 months (annual), and for growth the
 * same 12 months before. Outside [0, n_months): PS_ERR_INPUT naming
 * file:line, the months needed and the span. */
ps_status ps_obs_months(const ps_obs *o, ps_date start, int n_months, int *first, int *last,
                        ps_error *err);
/* The model's equivalent of o from its monthly series over the months
 * [first, last] of ps_obs_months: num[k] is the observed variable at month
 * first + k; for share, den[k] is the sum it is a share of (the source's row
 * for a dyad field, every actor for an actor field; else den is ignored).
 * level: the value, or the year's mean; growth: x / x(12 months or 1 year
 * before) - 1; share: num / den (annual: the ratio of the year's means).
 * NaN if a denominator is 0 or a value is not finite. */
double ps_obs_equivalent_from(const ps_obs *o, const double *num, const double *den);
/* Equivalents of every observation (out[s->n]) in one replicate held in
 * memory (a ps_run; its first n_done months). The run's actors must be the
 * set's (PS_ERR_INPUT otherwise); an observation outside the run's months is
 * PS_ERR_INPUT naming its file:line. */
ps_status ps_obs_equivalents(const ps_obs_set *s, const ps_run *run, double *out,
                             ps_error *err);
/* Gaussian log-likelihood sum_k log N(y_k; x_k, sd_k^2) of equivalents x
 * (e.g. from ps_obs_equivalents); -inf if some x_k is not finite. */
double ps_obs_loglik(const ps_obs_set *s, const double *x);

/* Equivalents of every observation in every replicate of a run file:
 * *out = malloc'ed [s->n * replicates], out[k * replicates + r]. The set must
 * have been loaded against the file's actors (ps_obs_file_actors). Only
 * observations with use[k] != 0 are computed (use NULL: all); the others are
 * NaN and need not lie within the run. Errors name the observation's
 * file:line (outside the run, variable not in the file). */
ps_status ps_obs_read_equivalents(const char *run_path, const ps_obs_set *s, const char *use,
                                  double **out, int *replicates, ps_error *err);
/* The ISO3 codes of a run file's actors and its first month and length:
 * *iso3 is freed with ps_obs_strings_free(*iso3, *n). */
ps_status ps_obs_file_actors(const char *run_path, char ***iso3, int *n, ps_date *start,
                             int *n_months, ps_error *err);
void ps_obs_strings_free(char **v, int n);

/* Predictive distribution of an ensemble x[0..m) with observation error sd:
 * the mixture (1/m) sum_i N(x_i, sd^2) (non-finite members are left out).
 * CRPS against y in closed form (Grimit et al. 2006; Gneiting & Raftery 2007):
 * E|X - y| - E|X - X'| / 2; sd = 0 gives the plain ensemble CRPS. */
double ps_crps_mixture(const double *x, int m, double sd, double y);
/* The jackknife's leave-one-out values: loo[i] = the CRPS without member i
 * (NaN where x[i] is not finite: no such member); 0, or -1 if fewer than two
 * members are finite or memory ran out. Their spread gives the CRPS's Monte Carlo
 * standard error (ps_jackknife_se). */
int ps_crps_mixture_loo(const double *x, int m, double sd, double y, double *loo);
/* sqrt((n - 1) / n sum (v_i - mean)^2) over the n finite v_i; NaN if n < 2. */
double ps_jackknife_se(const double *v, int m);
double ps_mixture_cdf(const double *x, int m, double sd, double y);     /* the PIT of y */
double ps_mixture_quantile(const double *x, int m, double sd, double p); /* 0 < p < 1 */

typedef struct ps_score_options {
    const char *cutoff;      /* as ps_obs_options.cutoff */
    const char *origin;      /* "YYYY-MM": naive forecasts use rows dated before it;
                              * NULL = the run's first month */
    ps_format format;
} ps_score_options;

/* `pactsim score`: every observation dated from the origin on, scored against
 * the run's replicates (CRPS, PIT, 50% and 90% central interval coverage, skill
 * against persistence and a linear trend fitted to the earlier rows of its
 * series), and the totals, printed to fp (docs/validation.md). */
ps_status ps_score(const char *run_path, const char *const *obs_paths, int n_obs_paths,
                   const ps_score_options *opt, FILE *fp, ps_error *err);
/* ------------------------------------------------------------ calibration */
/* A calibration spec (docs/calibration.md): a base scenario, the parameters
 * to calibrate (parameters.<model>.<name> paths) with their priors, the
 * observation files and weights, and the ABC-SMC settings. */
typedef enum { PS_PRIOR_UNIFORM = 0, PS_PRIOR_NORMAL, PS_PRIOR_LOGNORMAL } ps_prior_kind;

typedef struct ps_calib_param {
    char *path;              /* parameters.<model>.<name> or actors.<ISO3>.<field> */
    const char *unit;        /* the registry's */
    int model, index, integer; /* an initial value: model -1 - field, index in the base's inits */
    ps_prior_kind prior;
    double lo, hi;           /* support (the prior is truncated to it) */
    double mu, sigma;        /* normal: of the value; lognormal: of its log */
    int line, col;           /* of its key in the spec */
} ps_calib_param;

struct ps_obs_set;
typedef struct ps_calib {
    char *path, *name, *description, *raw_text;
    char *base_path;         /* resolved relative to the spec */
    int n_params;
    ps_calib_param *params;
    int n_obs_files;
    char **obs_files;        /* resolved relative to the spec */
    int n_weights;
    char **weight_quantity;  /* weights: {quantity: w} */
    double *weight_value;
    int particles;           /* N: population simulated in the first generation */
    double keep;             /* alpha: fraction of N kept each generation */
    int max_generations;
    double min_acceptance;   /* stop when a generation accepts less (0: no such rule) */
    double tolerance;        /* stop when the tolerance reaches it (0: no such rule) */
    double min_ess;          /* stop when a generation's ESS falls below this fraction of
                                the kept particles (0: no such rule) */
    int replicates;          /* per particle */
    uint64_t seed;
    char **fixed;            /* `set:` overrides, "K=V" */
    int n_fixed;
    ps_scenario *base;       /* the base with `set:` */
    struct ps_obs_set *obs;  /* the observations, bound to the base */
    double *obs_weight;      /* per observation: its quantity's weight */
    int n_skipped;           /* outside: skip: observations outside the base run left out */
    int n_held_out;          /* until: observations dated after it left out */
    int n_late;              /* cutoff: observations published after it left out */
    char cutoff[16];         /* the spec's cutoff, "" for none */
    uint64_t hash;           /* spec text, base scenario, observations, build */
    char *inputs;            /* the spec's chain and observation files, one a line */
} ps_calib;

/* Parse a spec, load its base and observations. Errors name spec:line:col. */
ps_status ps_calib_load(const char *path, ps_calib **out, ps_error *err);
void ps_calib_free(ps_calib *c);

/* One finished generation, for progress reports. */
typedef struct ps_calib_generation {
    int generation;
    double tolerance;        /* largest distance among the kept particles */
    double acceptance;       /* new particles within the previous tolerance */
    double ess;              /* effective sample size of the kept weights */
    long long simulations;   /* particles simulated in this generation */
    long long total;         /* ... and in all generations so far */
    int resumed;             /* read from the checkpoint, not computed now */
} ps_calib_generation;

/* Several processes sharing one calibration (MPI ranks: the caller sets them
 * up; the library has no MPI). Every process holds every generation: process
 * `rank` simulates the particles j with j % size == rank, and `combine` merges
 * an array over the processes in place: every element is set by exactly one
 * process and is -0.0 on the others (x + -0.0 == x exactly), so an
 * element-wise sum (MPI_Allreduce, MPI_SUM) gives every process the same
 * values, and the posterior is bit-identical to one process's. Rank 0 alone
 * writes the checkpoint and the posterior; a failure on any process stops
 * every process with the same status. All processes must call ps_calib_run
 * with the same spec and options (checked: a different spec is refused). */
typedef struct ps_calib_ranks {
    int rank, size;
    int (*combine)(double *v, int n, void *user); /* collective; 0 on success */
    void *user;
    int failed_rank;         /* out: the process whose failure stopped all (-1: none) */
} ps_calib_ranks;

typedef struct ps_calib_options {
    int threads;             /* 0 = OpenMP default */
    const char *output;
    int force, resume;
    const char *command_line;
    void (*progress)(const ps_calib_generation *g, void *user);
    void *progress_user;
    ps_stop *stop_flag; /* stops after the running particles; checkpoint kept */
    ps_calib_ranks *ranks;   /* NULL: one process */
    int *complete;           /* out (may be NULL): 1 when --resume found the output already
                                complete and wrote nothing, else 0 */
} ps_calib_options;

/* ABC-SMC (adaptive population Monte Carlo ABC) into a posterior file,
 * bit-identical for any number of threads, checkpointed after every
 * generation in "<output>.partial" for opt->resume. */
ps_status ps_calib_run(ps_calib *c, const ps_calib_options *opt, ps_error *err);

/* A posterior file read back: weighted parameter samples. */
typedef struct ps_posterior ps_posterior;
ps_status ps_posterior_load(const char *path, ps_posterior **out, ps_error *err);
void ps_posterior_free(ps_posterior *p);
/* Load a posterior into sc: replicate r of sc runs with the parameters of the
 * sample drawn for r (keyed by sc->seed and r only). */
ps_status ps_scenario_attach_posterior(ps_scenario *sc, const char *path, ps_error *err);

/* Build information for provenance. */
const char *ps_build_git_revision(void);
const char *ps_build_compiler(void);
const char *ps_build_flags(void);

/* `config explain`: every parameter and field of one or all models. */
/* `pactsim config dataflow`: which model reads which field of which (markdown). */
ps_status ps_explain_dataflow(FILE *fp, ps_error *err);
ps_status ps_explain(FILE *fp, const char *model, int markdown, ps_error *err);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
