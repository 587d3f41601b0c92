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

/* ----------------------------------------------------------- world */
/* Make w (of the same scenario) what ps_world_create(w->sc, replicate)
 * would, reusing its state buffers. On failure w can only be freed. */
ps_status ps_world_reset(ps_world *w, int replicate, ps_error *err);

/* ----------------------------------------------------------- output */
/* A run's state chunks, shuffled and deflated exactly as HDF5's filters
 * would (sim/output.c), ready for H5Dwrite_chunk. Packing calls no HDF5
 * function and only reads the ps_output, so threads may pack concurrently;
 * writing the packed run stays serialised like ps_output_write_run. */
typedef struct ps_packed ps_packed;
/* Pack run into *p (created if NULL, else its buffers are reused). */
ps_status ps_output_pack(const ps_output *o, const ps_run *run, ps_packed **p, ps_error *err);
/* ps_output_write_run with the chunks already packed for this run. */
ps_status ps_output_write_packed(ps_output *o, const ps_run *run, const ps_packed *p,
                                 ps_error *err);
void ps_packed_free(ps_packed *p);

#endif
