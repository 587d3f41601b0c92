/* pactsim internals shared by sim/ and models/: not installed. */
#ifndef PACTSIM_INTERNAL_H
#define PACTSIM_INTERNAL_H

#include "pactsim.h"

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
 * parent's. A null value in the child deletes the key. Cycles are errors. */
ps_status ps_node_load_config(const char *path, ps_node **out, ps_error *err);
/* Apply "a.b.c=value" (value parsed as a YAML flow scalar/sequence/map). */
ps_status ps_node_set_path(ps_node *root, const char *assignment, ps_error *err);
ps_node *ps_node_get(const ps_node *map, const char *key);
void ps_node_free(ps_node *n);
/* Emit a tree as block YAML (libyaml emitter); *text is malloc'ed. */
ps_status ps_node_emit(const ps_node *n, char **text, ps_error *err);
/* "file:line:col" or "option --set K=V" for messages. */
void ps_node_where(const ps_node *n, char *buf, size_t len);
/* The closest candidate by edit distance, or NULL if none is close. */
const char *ps_did_you_mean(const char *word, const char *const *cands, int n);

/* ----------------------------------------------------------- utilities */
void *ps_calloc(size_t n, size_t size); /* NULL on overflow or failure */
char *ps_strdup(const char *s);
/* Read a whole file (NUL-terminated); NULL and err on failure. */
char *ps_read_file(const char *path, size_t *len, ps_error *err);
/* FNV-1a over n bytes, continuing from h (start from PS_FNV_BASIS): spec hashes. */
#define PS_FNV_BASIS 1469598103934665603ULL
uint64_t ps_fnv1a(uint64_t h, const void *data, size_t n);
/* One Philox4x32-10 block (Salmon et al. 2011): out = bijection of ctr under key. */
void ps_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* ----------------------------------------------------------- world */
/* ps_world_create whose initialisation (fields, models' init) already uses
 * inner_threads threads, as the steps will; same state for any count. */
ps_status ps_world_create_threads(const ps_scenario *sc, int replicate, int inner_threads,
                                  ps_world **out, ps_error *err);
/* Make w (of the same scenario) what ps_world_create(w->sc, replicate)
 * would, reusing its state buffers; initialised with w->inner_threads
 * threads. On failure w can only be freed. */
ps_status ps_world_reset(ps_world *w, int replicate, ps_error *err);

/* ----------------------------------------------------------- runs */
/* Run one replicate into *rp, reusing the world *wp and the run *rp (of the
 * same scenario) when not NULL, so that a thread running replicate after
 * replicate allocates and zeroes its state and series once. *usable: *rp
 * holds the run (complete, or the months a numerically failed run completed).
 * After another failure *wp may have been freed (NULL). */
ps_status ps_run_replicate_into(const ps_scenario *sc, int replicate, int inner_threads,
                                volatile int *stop, ps_world **wp, ps_run **rp, int *usable,
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
 * directory without resume or force is PS_ERR_EXISTS; force starts over. */
ps_status ps_ckpt_open(const char *output, const ps_scenario *sc, int resume, int force,
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
/* Close; keep = 0 removes the directory (the run is done, or not resumable). */
void ps_ckpt_close(ps_ckpt *c, int keep);

#endif
