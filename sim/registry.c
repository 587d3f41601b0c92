/* Global views over the registered models (models/registry.c).
 *
 * The engine knows no model by name: fields, event types and metrics are the
 * concatenation of the models' tables in registry order, and a global index
 * is a position in that concatenation. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "pactsim_model.h"

/* The list in use: models/registry.c's, unless a test installs its own. */
static const ps_model *const *active = ps_models;

/* Fields by index and by name in O(1). The engine asks for a field's shape
 * per field and month, metrics look fields up by name per month: walking
 * the models' tables each time (and every name with strcmp) was 9% of a
 * summary sweep of the baseline. Built on the first lookup after
 * ps_registry_use, under a lock; read without one once `tables_built` is set. If
 * the tables cannot be allocated the lookups walk the models as before. */
typedef struct {
    const ps_field *fd;
    int owner;
} field_slot;
static field_slot *slots;  /* [fields + internal fields] */
static int *by_name;       /* open addressing over the output fields: index + 1, 0 empty */
static size_t name_mask;
static int n_slots;
static atomic_int tables_built;
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

void ps_registry_use(const ps_model *const *models)
{
    /* Not thread-safe (pactsim_model.h): no lookup runs meanwhile. */
    active = models ? models : ps_models;
    atomic_store(&tables_built, 0);
    free(slots);
    free(by_name);
    slots = NULL;
    by_name = NULL;
}

int ps_registry_count(void)
{
    int n = 0;
    while (active[n])
        n++;
    return n;
}

const ps_model *ps_registry_model(int k)
{
    return (k >= 0 && k < ps_registry_count()) ? active[k] : NULL;
}

int ps_registry_find(const char *name)
{
    for (int k = 0; active[k]; k++)
        if (strcmp(active[k]->name, name) == 0)
            return k;
    return -1;
}

/* Walk one kind of table: which = 0 fields, 1 event types, 2 metrics,
 * 3 internal fields. */
static int table_count(const ps_model *m, int which)
{
    return which == 0 ? m->n_fields : which == 1 ? m->n_events : which == 2 ? m->n_metrics
                                                                            : m->n_internal;
}

static int table_total(int which)
{
    int n = 0;
    for (int k = 0; active[k]; k++)
        n += table_count(active[k], which);
    return n;
}

/* Model owning global entry g of a table, and the local index in it. */
static int table_locate(int which, int g, int *local)
{
    if (g < 0)
        return -1;
    for (int k = 0; active[k]; k++) {
        int c = table_count(active[k], which);
        if (g < c) {
            *local = g;
            return k;
        }
        g -= c;
    }
    return -1;
}

int ps_registry_n_fields(void) { return table_total(0); }
int ps_registry_n_event_types(void) { return table_total(1); }
int ps_registry_n_metrics(void) { return table_total(2); }
int ps_registry_n_state(void) { return table_total(0) + table_total(3); }

/* Fields first, then internal fields: output field indices do not depend on
 * which models keep internal state. */
static const ps_field *field_walk(int f, int *owner)
{
    int nf = table_total(0), internal = f >= nf, local;
    int k = table_locate(internal ? 3 : 0, internal ? f - nf : f, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : internal ? &active[k]->internal[local] : &active[k]->fields[local];
}

static size_t name_hash(const char *name)
{
    return (size_t)ps_fnv1a(0xcbf29ce484222325ULL, name, strlen(name));
}

/* 1 if the tables are there (built now if need be). */
static int tables_ready(void)
{
    if (atomic_load_explicit(&tables_built, memory_order_acquire))
        return 1;
    pthread_mutex_lock(&build_lock);
    if (!atomic_load_explicit(&tables_built, memory_order_relaxed)) {
        int ns = table_total(0) + table_total(3), nf = table_total(0);
        size_t cap = 16;
        while (cap < 2 * (size_t)nf)
            cap *= 2;
        field_slot *sl = malloc(((size_t)ns + 1) * sizeof *sl);
        int *bn = calloc(cap, sizeof *bn);
        if (sl && bn) {
            for (int f = 0; f < ns; f++)
                sl[f].fd = field_walk(f, &sl[f].owner);
            /* In index order, so that a name given twice finds the first, as a scan would. */
            for (int f = 0; f < nf; f++) {
                size_t h = name_hash(sl[f].fd->name) & (cap - 1);
                while (bn[h])
                    h = (h + 1) & (cap - 1);
                bn[h] = f + 1;
            }
            slots = sl;
            by_name = bn;
            n_slots = ns;
            name_mask = cap - 1;
            atomic_store_explicit(&tables_built, 1, memory_order_release);
        } else {
            free(sl);
            free(bn);
        }
    }
    pthread_mutex_unlock(&build_lock);
    return atomic_load_explicit(&tables_built, memory_order_acquire);
}

const ps_field *ps_registry_field(int f, int *owner)
{
    if (f < 0 || !tables_ready())
        return field_walk(f, owner);
    if (f >= n_slots) {
        if (owner)
            *owner = -1;
        return NULL;
    }
    if (owner)
        *owner = slots[f].owner;
    return slots[f].fd;
}

const ps_event_type *ps_registry_event_type(int e, int *owner)
{
    int local, k = table_locate(1, e, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : &active[k]->events[local];
}

const ps_metric *ps_registry_metric(int m, int *owner)
{
    int local, k = table_locate(2, m, &local);
    if (owner)
        *owner = k;
    return k < 0 ? NULL : &active[k]->metrics[local];
}

int ps_field_index(const char *name)
{
    if (tables_ready()) {
        for (size_t h = name_hash(name) & name_mask; by_name[h]; h = (h + 1) & name_mask)
            if (strcmp(slots[by_name[h] - 1].fd->name, name) == 0)
                return by_name[h] - 1;
        return -1;
    }
    int n = ps_registry_n_fields();
    for (int f = 0; f < n; f++)
        if (strcmp(field_walk(f, NULL)->name, name) == 0)
            return f;
    return -1;
}

int ps_registry_find_event_type(const char *name)
{
    int n = ps_registry_n_event_types();
    for (int e = 0; e < n; e++)
        if (strcmp(ps_registry_event_type(e, NULL)->name, name) == 0)
            return e;
    return -1;
}

/* Field `name` among the tables of list `models`; its owner in *owner. */
static const ps_field *find_in(const ps_model *const *models, const char *name, int *owner)
{
    for (int k = 0; models[k]; k++)
        for (int i = 0; i < models[k]->n_fields; i++)
            if (strcmp(models[k]->fields[i].name, name) == 0) {
                *owner = k;
                return &models[k]->fields[i];
            }
    return NULL;
}

static const char *const shape_word[] = {"actor", "dyad", "theater"};

static ps_status bad_input(ps_error *err, const ps_model *m, const ps_input *in)
{
    /* Suggest among every field of the library of the same shape. */
    int n = 0, cap = 0;
    for (int k = 0; ps_models[k]; k++)
        cap += ps_models[k]->n_fields;
    const char **c = calloc((size_t)cap + 1, sizeof *c);
    if (c)
        for (int k = 0; ps_models[k]; k++)
            for (int i = 0; i < ps_models[k]->n_fields; i++)
                if (ps_models[k]->fields[i].shape == in->shape)
                    c[n++] = ps_models[k]->fields[i].name;
    const char *s = c ? ps_did_you_mean(in->name, c, n) : NULL;
    ps_status st = ps_error_set(err, PS_ERR_MODEL,
                                "model '%s' declares input '%s' (%s field), which no model "
                                "writes%s%s%s", m->name, in->name, shape_word[in->shape],
                                s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    free(c);
    return st;
}

static int each_read(const char *reads, int (*f)(const char *, void *), void *arg);
static int unknown_read(const char *name, void *unused);
static int own_state(int model, const char *name);

/* A name of overwrites that is not a field of the model (arg: its index). */
static int not_own(const char *name, void *arg)
{
    return own_state(*(const int *)arg, name) < 0;
}

/* A name of computed that is not an output field of the model (arg: its index). */
static int not_own_output(const char *name, void *arg)
{
    const ps_model *m = active[*(const int *)arg];
    for (int i = 0; i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return 0;
    return 1;
}

static int is_name(const char *name, void *arg)
{
    return strcmp(name, (const char *)arg) == 0;
}

int ps_registry_field_computed(int f)
{
    int owner = -1;
    const ps_field *fd = f >= 0 && f < ps_registry_n_fields() ? ps_registry_field(f, &owner)
                                                                : NULL;
    const ps_model *m = fd && owner >= 0 ? active[owner] : NULL;
    return m && m->computed && each_read(m->computed, is_name, (void *)fd->name) == 1;
}

ps_status ps_registry_check(ps_error *err)
{
    for (int k = 0; active[k]; k++) {
        const ps_model *m = active[k];
        /* One name, one piece of state (checkpoints and messages name them). */
        for (int i = 0; i < m->n_internal; i++) {
            int owner = -1;
            if (find_in(active, m->internal[i].name, &owner))
                return ps_error_set(err, PS_ERR_MODEL, "model '%s' declares internal field "
                                    "'%s', which is a field of model '%s'", m->name,
                                    m->internal[i].name, active[owner]->name);
        }
        for (int i = 0; i < m->n_inputs; i++) {
            const ps_input *in = &m->inputs[i];
            int owner = -1;
            const ps_field *fd = find_in(active, in->name, &owner);
            if (fd && owner == k)
                return ps_error_set(err, PS_ERR_MODEL, "model '%s' declares its own field "
                                    "'%s' as an input", m->name, in->name);
            if (!fd && !(fd = find_in(ps_models, in->name, &owner)))
                return bad_input(err, m, in);
            if (fd->shape != in->shape)
                return ps_error_set(err, PS_ERR_MODEL, "model '%s' reads '%s' as %s field, "
                                    "but it is %s field", m->name, in->name,
                                    shape_word[in->shape], shape_word[fd->shape]);
            if (!in->optional && ps_field_index(in->name) < 0)
                return ps_error_set(err, PS_ERR_MODEL, "model '%s' needs field '%s' of "
                                    "model '%s', which is not in the pipeline", m->name,
                                    in->name, ps_models[owner]->name);
        }
        if (m->overwrites && each_read(m->overwrites, not_own, &k))
            return ps_error_set(err, PS_ERR_MODEL, "model '%s' overwrites '%s', which names "
                                "a field it does not own", m->name, m->overwrites);
        if (m->computed && each_read(m->computed, not_own_output, &k))
            return ps_error_set(err, PS_ERR_MODEL, "model '%s' computes '%s', which names "
                                "a field that is not an output field of its own", m->name,
                                m->computed);
        if (m->metric_reads && each_read(m->metric_reads, unknown_read, NULL))
            return ps_error_set(err, PS_ERR_MODEL, "model '%s': its metrics read '%s', which "
                                "names a field no model has, or is not 'field', "
                                "'field@ends' or 'field:SRC-DST' of a dyad field (ISO3 "
                                "codes)", m->name,
                                m->metric_reads);
    }
    int order[PS_MAX_MODELS];
    return ps_registry_init_order(order, err);
}

/* (internal.h) Kahn's algorithm, the lowest registry index first among the
 * ready: the registry order where it already respects the at_init reads.
 * waits[k][o]: model k's init reads a field of model o (resolved once: world
 * setup calls this for every replicate). */
ps_status ps_registry_init_order(int *order, ps_error *err)
{
    int n = ps_registry_count();
    if (n > PS_MAX_MODELS)
        return ps_error_set(err, PS_ERR_MODEL, "%d models in the pipeline; at most %d", n,
                            PS_MAX_MODELS);
    char waits[PS_MAX_MODELS][PS_MAX_MODELS] = {{0}}, done[PS_MAX_MODELS] = {0};
    for (int k = 0; k < n; k++)
        for (int i = 0; i < active[k]->n_inputs; i++) {
            int owner = -1;
            if (active[k]->inputs[i].at_init && find_in(active, active[k]->inputs[i].name, &owner) &&
                owner != k)
                waits[k][owner] = 1;
        }
    for (int pos = 0; pos < n; pos++) {
        int pick = -1;
        for (int k = 0; k < n && pick < 0; k++) {
            int ready = !done[k];
            for (int o = 0; o < n && ready; o++)
                ready = done[o] || !waits[k][o];
            if (ready)
                pick = k;
        }
        if (pick < 0) { /* every model left waits for another left: name one pair */
            for (int k = 0; k < n; k++)
                for (int o = 0; o < n && !done[k]; o++)
                    if (!done[o] && waits[k][o])
                        return ps_error_set(err, PS_ERR_MODEL, "the models' inits read each "
                                            "other's fields in a cycle (model '%s' waits for "
                                            "'%s', which waits too); an at_init input must "
                                            "be dropped", active[k]->name, active[o]->name);
            return ps_error_set(err, PS_ERR_MODEL, "the models' inits cannot be ordered");
        }
        done[pick] = 1;
        order[pos] = pick;
    }
    return PS_OK;
}

/* Each name of a metric's `reads` list to f(name, arg); stops at the
 * first f that returns nonzero and returns it. */
static int each_read(const char *reads, int (*f)(const char *, void *), void *arg)
{
    char name[128];
    for (const char *p = reads; *p;) {
        size_t n = strcspn(p, " ");
        if (n > 0 && n < sizeof name) {
            memcpy(name, p, n);
            name[n] = '\0';
            int rc = f(name, arg);
            if (rc)
                return rc;
        } else if (n > 0) {
            return -1;
        }
        p += n;
        p += strspn(p, " ");
    }
    return 0;
}

/* A read "field", "field:SRC-DST" or "field@ends": the field's name into
 * field, the pair (ISO3 codes, "" for the whole series) into src and dst;
 * 2 for "@ends" (its first and last months), 1 for the other forms, 0 if it
 * is none of them. */
static int split_read(const char *read, char field[128], char src[4], char dst[4])
{
    size_t n = strcspn(read, ":@");
    if (n == 0 || n >= 128)
        return 0;
    memcpy(field, read, n);
    field[n] = '\0';
    src[0] = dst[0] = '\0';
    if (read[n] == '\0')
        return 1;
    if (read[n] == '@')
        return strcmp(read + n + 1, "ends") ? 0 : 2;
    const char *p = read + n + 1;
    for (int k = 0; k < 7; k++) /* AAA-BBB */
        if (k == 3 ? p[k] != '-' : !(p[k] >= 'A' && p[k] <= 'Z'))
            return 0;
    if (p[7] != '\0')
        return 0;
    memcpy(src, p, 3);
    memcpy(dst, p + 4, 3);
    src[3] = dst[3] = '\0';
    return 1;
}

static int mark_read(const char *read, void *mask)
{
    char name[128], src[4], dst[4];
    unsigned char *m = mask;
    int form = split_read(read, name, src, dst);
    int f = form ? ps_field_index(name) : -1;
    if (f < 0 || f >= ps_registry_n_fields())
        return 0;
    int want = form == 2 ? PS_SERIES_ENDS
               : src[0] && ps_registry_field(f, NULL)->shape == PS_DYAD ? PS_SERIES_PAIRS
                                                                        : PS_SERIES_ALL;
    /* The whole series wins over a part of it; two different parts (some
     * pairs at every month, every pair at two months) take the whole. */
    m[f] = m[f] == PS_SERIES_NONE || m[f] == want ? want : PS_SERIES_ALL;
    return 0;
}

/* A read that names no field of any model, or a pair of a field that is not
 * a dyad field. */
static int unknown_read(const char *read, void *unused)
{
    char name[128], src[4], dst[4];
    int owner;
    (void)unused;
    if (!split_read(read, name, src, dst))
        return 1;
    const ps_field *fd = find_in(ps_models, name, &owner);
    return !fd || (src[0] && fd->shape != PS_DYAD);
}

void ps_registry_metric_reads(unsigned char *mask)
{
    int nf = ps_registry_n_fields(), all = 0;
    memset(mask, PS_SERIES_NONE, (size_t)nf);
    for (int k = 0; active[k] && !all; k++) {
        const char *r = active[k]->metric_reads;
        if (active[k]->n_metrics > 0)
            all = !r || each_read(r, mark_read, mask) != 0;
    }
    if (all)
        memset(mask, PS_SERIES_ALL, (size_t)nf);
}

typedef struct {
    int f, k;           /* the field; the pair wanted (counts down) */
    char *src, *dst;
} pair_query;

static int find_pair(const char *read, void *arg)
{
    pair_query *q = arg;
    char name[128], src[4], dst[4];
    if (!split_read(read, name, src, dst) || !src[0] || ps_field_index(name) != q->f)
        return 0;
    if (q->k-- > 0)
        return 0;
    memcpy(q->src, src, 4);
    memcpy(q->dst, dst, 4);
    return 1;
}

int ps_registry_metric_pair(int f, int k, char src[4], char dst[4])
{
    pair_query q = {f, k, src, dst};
    for (int m = 0; active[m]; m++)
        if (active[m]->n_metrics > 0 && active[m]->metric_reads &&
            each_read(active[m]->metric_reads, find_pair, &q) == 1)
            return 1;
    return 0;
}

int ps_model_input(int model, int k)
{
    const ps_model *m = ps_registry_model(model);
    return m && k >= 0 && k < m->n_inputs ? ps_field_index(m->inputs[k].name) : -1;
}

int ps_model_field(int model, int k)
{
    const ps_model *m = ps_registry_model(model);
    return m && k >= 0 && k < m->n_fields ? ps_field_index(m->fields[k].name) : -1;
}

int ps_model_internal(int model, int k)
{
    const ps_model *m = ps_registry_model(model);
    if (!m || k < 0 || k >= m->n_internal)
        return -1;
    int g = table_total(0) + k;
    for (int j = 0; j < model; j++)
        g += active[j]->n_internal;
    return g;
}

/* The state index of field `name` of model k (its own or internal), or -1. */
static int own_state(int model, const char *name)
{
    const ps_model *m = active[model];
    for (int i = 0; i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return ps_model_field(model, i);
    for (int i = 0; i < m->n_internal; i++)
        if (strcmp(m->internal[i].name, name) == 0)
            return ps_model_internal(model, i);
    return -1;
}

typedef struct {
    int model;
    unsigned char *copy;
} overwrite_arg;

static int mark_overwrite(const char *name, void *arg)
{
    const overwrite_arg *a = arg;
    int f = own_state(a->model, name);
    if (f >= 0)
        a->copy[f] = 0;
    return 0;
}

void ps_registry_state_copy(unsigned char *copy)
{
    memset(copy, 1, (size_t)ps_registry_n_state());
    for (int k = 0; active[k]; k++) {
        overwrite_arg a = {k, copy};
        if (active[k]->overwrites)
            each_read(active[k]->overwrites, mark_overwrite, &a);
    }
}
