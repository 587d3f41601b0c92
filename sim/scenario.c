/* Scenario loading: YAML tree (extends, --set) -> validated ps_scenario.
 *
 * Every check names the node at fault as file:line:col (or the --set option)
 * and what was expected; the first error found is the one reported. The
 * schema is documented in docs/config.md. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_ACTORS 100000
#define MAX_THEATERS 1000
#define MAX_REPLICATES PS_MAX_REPLICATES

typedef struct {
    char code[4];
    int index;
} iso_entry;

typedef struct {
    ps_scenario *sc;
    ps_error *err;
    iso_entry *iso;   /* actors sorted by ISO3, for relation lookups */
    int cap_inits, cap_where;
    const ps_posterior *reuse; /* a posterior already read (ps_scenario_load_reusing) */
} bind_ctx;

/* ------------------------------------------------------------ messages */

static ps_status vfail(ps_error *err, const char *where, const char *fmt, va_list ap)
{
    char msg[PS_ERRMSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return ps_error_set(err, PS_ERR_CONFIG, "%s: %s", where, msg);
}

/* Error at a node. */
static ps_status bad(ps_error *err, const ps_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ps_status bad(ps_error *err, const ps_node *n, const char *fmt, ...)
{
    char where[1024];
    ps_node_where(n, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ps_status st = vfail(err, where, fmt, ap);
    va_end(ap);
    return st;
}

/* Error at the key of entry i of a map. A key lies in its value's file;
 * keys given by --set have line 0 and are shown as the option. */
static ps_status bad_key(ps_error *err, const ps_node *map, int i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ps_status bad_key(ps_error *err, const ps_node *map, int i, const char *fmt, ...)
{
    char where[1024];
    const ps_node *v = map->items[i];
    if (map->key_line[i] > 0)
        snprintf(where, sizeof where, "%s:%d:%d", v->file ? v->file : "?", map->key_line[i],
                 map->key_col[i]);
    else
        ps_node_where(v, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ps_status st = vfail(err, where, fmt, ap);
    va_end(ap);
    return st;
}

static ps_status nomem(ps_error *err)
{
    return ps_error_set(err, PS_ERR_NOMEM, "out of memory loading scenario");
}

static const char *kind_name(const ps_node *n)
{
    switch (n->kind) {
    case PS_NODE_NULL: return "empty";
    case PS_NODE_SCALAR: return n->quoted ? "a quoted string" : "a single value";
    case PS_NODE_MAP: return "a map";
    default: return "a list";
    }
}

/* " (did you mean 'x'?)" or "". */
static void suggest(char *buf, size_t len, const char *word, const char *const *cands, int n)
{
    const char *s = ps_did_you_mean(word, cands, n);
    if (s)
        snprintf(buf, len, " (did you mean '%s'?)", s);
    else
        buf[0] = '\0';
}

/* ------------------------------------------------------------- values */

static ps_status get_text(ps_error *err, const ps_node *n, const char *what, size_t max,
                          const char **out)
{
    if (n->kind != PS_NODE_SCALAR || (!n->quoted && !n->scalar[0]))
        return bad(err, n, "%s is %s; expected a string", what, kind_name(n));
    if (max && strlen(n->scalar) >= max)
        return bad(err, n, "%s is %zu bytes long; expected at most %zu", what,
                   strlen(n->scalar), max - 1);
    *out = n->scalar;
    return PS_OK;
}

/* A name printed in messages, files and figures: not empty, one line, no
 * control characters, and no '/' where slash says why (NULL: '/' allowed). */
static ps_status one_line(bind_ctx *b, const ps_node *n, const char *what, const char *s,
                          const char *slash)
{
    if (!s[0])
        return bad(b->err, n, "%s is empty; expected a name", what);
    int c = ps_name_flaw(s, slash != NULL);
    if (c == '/')
        return bad(b->err, n, "%s has a '/'; expected a name without %s", what, slash);
    if (c)
        return bad(b->err, n, "%s has a control character (0x%02x); expected a name on one "
                   "line", what, c);
    return PS_OK;
}

static int is_number_text(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr("0123456789+-.eE", *s))
            return 0;
    return 1;
}

/* x in the fewest significant digits that read back as x (%g's six can round
 * a bound, and "is 20, out of bounds; expected [0.05, 20]" then contradicts
 * itself); the same text as %g for a value %g writes exactly. */
static const char *exact_g(char buf[32], double x)
{
    for (int p = 6; p <= 17; p++) {
        snprintf(buf, 32, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

/* A finite real in [lo, hi]. Quoted scalars are strings, never numbers. */
static ps_status get_real(ps_error *err, const ps_node *n, const char *what, double lo,
                          double hi, double *out)
{
    if (n->kind != PS_NODE_SCALAR || n->quoted)
        return bad(err, n, "%s is %s; expected a number in [%g, %g]", what, kind_name(n), lo,
                   hi);
    const char *s = n->scalar;
    const char *t = s + (*s == '+' || *s == '-');
    if (!strcmp(t, ".inf") || !strcmp(t, ".Inf") || !strcmp(t, ".INF") || !strcmp(t, ".nan") ||
        !strcmp(t, ".NaN") || !strcmp(t, ".NAN"))
        return bad(err, n, "%s is '%s', not a finite number; expected a number in [%g, %g]",
                   what, s, lo, hi);
    char *end = NULL;
    double v = is_number_text(s) ? strtod(s, &end) : 0.0;
    if (!end || *end)
        return bad(err, n, "%s is '%s', not a number; expected a number in [%g, %g]", what, s,
                   lo, hi);
    if (!isfinite(v))
        return bad(err, n, "%s is '%s', not a finite number; expected a number in [%g, %g]",
                   what, s, lo, hi);
    char l[32], h[32];
    if (!(v >= lo && v <= hi))
        return bad(err, n, "%s is %s, out of bounds; expected a number in [%s, %s]", what, s,
                   exact_g(l, lo), exact_g(h, hi));
    /* -0 is read as +0: the models' bit-for-bit shortcuts (cooperation's
     * arms step, docs/performance.md) rest on state that holds no -0 at
     * the start, and no config means the sign of a zero. */
    *out = v + 0.0;
    return PS_OK;
}

/* A non-negative integer that fits in uint64_t, and is at most max. */
static ps_status get_uint(ps_error *err, const ps_node *n, const char *what, uint64_t min,
                          uint64_t max, uint64_t *out)
{
    const char *s = n->kind == PS_NODE_SCALAR && !n->quoted ? n->scalar : NULL;
    if (!s)
        return bad(err, n, "%s is %s; expected an integer in [%llu, %llu]", what,
                   kind_name(n), (unsigned long long)min, (unsigned long long)max);
    int digits = *s != '\0';
    for (const char *p = s; *p; p++)
        digits &= *p >= '0' && *p <= '9';
    if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
        return bad(err, n, "%s is %s, negative; expected an integer in [%llu, %llu]", what, s,
                   (unsigned long long)min, (unsigned long long)max);
    if (!digits)
        return bad(err, n, "%s is '%s', not an integer; expected an integer in [%llu, %llu]",
                   what, s, (unsigned long long)min, (unsigned long long)max);
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v < min || v > max)
        return bad(err, n, "%s is %s, out of bounds; expected an integer in [%llu, %llu]", what,
                   s, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return PS_OK;
}

static ps_status get_date(ps_error *err, const ps_node *n, const char *what, ps_date *out)
{
    if (n->kind != PS_NODE_SCALAR || ps_date_parse(n->scalar, out) != 0)
        return bad(err, n, "%s '%s' is not a valid date; expected YYYY-MM (or YYYY-MM-DD) "
                   "with a year in 1800..2300", what,
                   n->kind == PS_NODE_SCALAR ? n->scalar : kind_name(n));
    return PS_OK;
}

static ps_status get_param(ps_error *err, const ps_node *n, const ps_param *p,
                           const char *model, double *out)
{
    char what[256];
    snprintf(what, sizeof what, "parameter '%s' of model '%s'", p->name, model);
    if (p->type == PS_BOOL) {
        const char *s = n->kind == PS_NODE_SCALAR && !n->quoted ? n->scalar : "";
        if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1"))
            *out = 1.0;
        else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0"))
            *out = 0.0;
        else
            return bad(err, n, "%s is %s; expected true or false", what,
                       n->kind == PS_NODE_SCALAR && !n->quoted ? n->scalar : kind_name(n));
        return PS_OK;
    }
    ps_status st = get_real(err, n, what, p->lo, p->hi, out);
    if (!st && p->type == PS_INT && *out != floor(*out))
        return bad(err, n, "%s is %s, not an integer; expected an integer in [%g, %g]", what,
                   n->scalar, p->lo, p->hi);
    return st;
}

/* ------------------------------------------------------------- lookups */

static int iso_cmp(const void *a, const void *b)
{
    return strcmp(((const iso_entry *)a)->code, ((const iso_entry *)b)->code);
}

static int find_iso(const bind_ctx *b, const char *code)
{
    if (strlen(code) != 3)
        return -1;
    iso_entry key = {{0}, 0};
    memcpy(key.code, code, 4);
    const iso_entry *e = bsearch(&key, b->iso, (size_t)b->sc->n_actors, sizeof key, iso_cmp);
    return e ? e->index : -1;
}

/* Candidates for did-you-mean on actors: ISO3 codes (and names). */
static const char **actor_candidates(const ps_scenario *sc, int with_names, int *n)
{
    const char **c = ps_calloc((size_t)sc->n_actors * 2 + 1, sizeof *c);
    *n = 0;
    if (!c)
        return NULL;
    for (int a = 0; a < sc->n_actors; a++) {
        c[(*n)++] = sc->actor_iso3[a];
        if (with_names)
            c[(*n)++] = sc->actor_name[a];
    }
    if (with_names)
        c[(*n)++] = "world";
    return c;
}

static ps_status unknown_actor(bind_ctx *b, const ps_node *map, int i, const char *where_in)
{
    int n;
    const char **c = actor_candidates(b->sc, 0, &n);
    char hint[128];
    suggest(hint, sizeof hint, map->keys[i], c, n);
    free(c);
    return bad_key(b->err, map, i, "unknown actor '%s' in %s%s; expected an ISO3 code "
                   "listed under actors", map->keys[i], where_in, hint);
}

/* Global index of a field by name, or -1. */
static int find_field(const char *name)
{
    int n = ps_registry_n_fields();
    for (int f = 0; f < n; f++)
        if (!strcmp(ps_registry_field(f, NULL)->name, name))
            return f;
    return -1;
}

static const char *const shape_name[] = {"an actor", "a dyad", "a theater"};
static const char *const shape_home[] = {
    "under actors: <ISO3>:", "under relations: <SOURCE>: <TARGET>:",
    "under theater_state: <theater>: <ISO3>:"};

/* Check the key of entry i names a field of the given shape. */
static ps_status field_key(bind_ctx *b, const ps_node *map, int i, ps_shape shape,
                           const char *extra, int *field)
{
    const char *key = map->keys[i];
    int f = find_field(key);
    if (f >= 0 && ps_registry_field(f, NULL)->shape == shape) {
        *field = f;
        return PS_OK;
    }
    if (f >= 0) {
        ps_shape s = ps_registry_field(f, NULL)->shape;
        return bad_key(b->err, map, i, "'%s' is %s field, not %s field; expected it %s", key,
                       shape_name[s], shape_name[shape], shape_home[s]);
    }
    int nf = ps_registry_n_fields(), n = 0;
    const char **c = ps_calloc((size_t)nf + 1, sizeof *c);
    if (c) {
        for (int g = 0; g < nf; g++)
            if (ps_registry_field(g, NULL)->shape == shape)
                c[n++] = ps_registry_field(g, NULL)->name;
        if (extra)
            c[n++] = extra;
    }
    char hint[128];
    suggest(hint, sizeof hint, key, c, n);
    free(c);
    return bad_key(b->err, map, i, "unknown %s field '%s'%s; expected %s%s field name "
                   "(see `pactsim config explain`)", shape == PS_ACTOR ? "actor" :
                   shape == PS_DYAD ? "dyad" : "theater", key, hint,
                   extra ? "'name' or " : "", shape_name[shape]);
}

/* Remember where a value was given, so that a model can name the place. */
static ps_status push_where(bind_ctx *b, const ps_node *n, int *where)
{
    ps_scenario *sc = b->sc;
    if (sc->n_where == b->cap_where) {
        if (b->cap_where > (1 << 28))
            return nomem(b->err);
        int cap = b->cap_where ? b->cap_where * 2 : 64;
        char **p = realloc(sc->where, (size_t)cap * sizeof *p);
        if (!p)
            return nomem(b->err);
        sc->where = p;
        b->cap_where = cap;
    }
    char buf[1024];
    ps_node_where(n, buf, sizeof buf);
    if (!(sc->where[sc->n_where] = ps_strdup(buf)))
        return nomem(b->err);
    *where = ++sc->n_where;
    return PS_OK;
}

static ps_status push_init(bind_ctx *b, int field, int i, int j, double v, const ps_node *n)
{
    ps_scenario *sc = b->sc;
    int where = 0;
    ps_status st = push_where(b, n, &where);
    if (st)
        return st;
    if (sc->n_inits == b->cap_inits) {
        if (b->cap_inits > (1 << 28))
            return nomem(b->err);
        int cap = b->cap_inits ? b->cap_inits * 2 : 64;
        ps_init_value *p = realloc(sc->inits, (size_t)cap * sizeof *p);
        if (!p)
            return nomem(b->err);
        sc->inits = p;
        b->cap_inits = cap;
    }
    sc->inits[sc->n_inits++] = (ps_init_value){field, i, j, v, where};
    return PS_OK;
}

/* A field's value from entry i of a map of field -> value. A field its model
 * computes (ps_model.computed) takes none: the value would have no effect. */
static ps_status field_value(bind_ctx *b, const ps_node *map, int i, int f, int a, int j)
{
    int owner = -1;
    const ps_field *fd = ps_registry_field(f, &owner);
    if (ps_registry_field_computed(f)) {
        const char *m = ps_registry_model(owner)->name;
        return bad_key(b->err, map, i, "'%s' is computed by model '%s' every month from other "
                       "state, so an initial value has no effect; expected no value for it "
                       "(remove it; see `pactsim config explain %s`)", fd->name, m, m);
    }
    char what[256];
    snprintf(what, sizeof what, "field '%s'", fd->name);
    double v = 0.0; /* set by get_number on success; keeps -O3 -Wmaybe-uninitialized quiet */
    ps_status st = get_real(b->err, map->items[i], what, fd->lo, fd->hi, &v);
    return st ? st : push_init(b, f, a, j, v, map->items[i]);
}

/* ------------------------------------------------------------ sections */

static const char *const top_keys[] = {
    "name", "description", "sources", "start", "end", "seed", "replicates", "theaters",
    "actors", "relations", "theater_state", "parameters", "timeline", "posterior", "output",
    "lineage", "extends"};
enum { N_TOP_KEYS = sizeof top_keys / sizeof *top_keys };

static ps_status check_top_keys(bind_ctx *b, const ps_node *root)
{
    for (int i = 0; i < root->n; i++) {
        const char *k = root->keys[i];
        int known = 0;
        for (int t = 0; t < N_TOP_KEYS; t++)
            known |= !strcmp(k, top_keys[t]);
        if (!strcmp(k, "extends")) /* load_config removed the file's own */
            return bad_key(b->err, root, i, "'extends' cannot be set by an option; expected "
                           "it in a scenario file");
        if (known)
            continue;
        if (!ps_node_file_has_key(root, i, top_keys, N_TOP_KEYS))
            return bad_key(b->err, root, i, "not a pactsim scenario: none of this file's "
                           "top-level keys is a scenario key (its content is not shown); "
                           "expected a map of scenario keys (name, start, end, actors, ...)");
        char hint[128];
        suggest(hint, sizeof hint, k, top_keys, N_TOP_KEYS - 1);
        return bad_key(b->err, root, i, "unknown top-level key '%s'%s; expected one of name, "
                       "description, sources, start, end, seed, replicates, theaters, actors, "
                       "relations, theater_state, parameters, timeline, posterior, output, extends", k, hint);
    }
    return PS_OK;
}

/* A present, non-null top-level value, or an error naming what is missing. */
static ps_status required(bind_ctx *b, const ps_node *root, const char *key,
                          const char *expected, const ps_node **out)
{
    *out = ps_node_get(root, key);
    if (!*out || (*out)->kind == PS_NODE_NULL)
        return bad(b->err, root, "missing required key '%s'; expected %s", key, expected);
    return PS_OK;
}

static const ps_node *optional(const ps_node *root, const char *key)
{
    const ps_node *n = ps_node_get(root, key);
    return n && n->kind != PS_NODE_NULL ? n : NULL;
}

static ps_status bind_header(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    const ps_node *n;
    const char *s = NULL;
    ps_status st;
    if ((st = required(b, root, "name", "a scenario name", &n)) ||
        (st = get_text(b->err, n, "name", 0, &s)))
        return st;
    /* The default output file (<name>.h5): a file name, not a path. */
    if ((st = one_line(b, n, "name", s, "'/' (it names the default output file, <name>.h5)")))
        return st;
    if (!(sc->name = ps_strdup(s)))
        return nomem(b->err);
    if ((n = optional(root, "description"))) {
        if ((st = get_text(b->err, n, "description", 0, &s)))
            return st;
        if (!(sc->description = ps_strdup(s)))
            return nomem(b->err);
    }
    if ((n = optional(root, "sources"))) {
        if (n->kind != PS_NODE_SEQ)
            return bad(b->err, n, "sources is %s; expected a list of strings", kind_name(n));
        size_t len = 1;
        for (int i = 0; i < n->n; i++) {
            if ((st = get_text(b->err, n->items[i], "a source", 0, &s)))
                return st;
            len += strlen(s) + 1;
        }
        if (!(sc->sources = malloc(len)))
            return nomem(b->err);
        sc->sources[0] = '\0';
        for (int i = 0; i < n->n; i++) {
            if (i)
                strcat(sc->sources, "\n");
            strcat(sc->sources, n->items[i]->scalar);
        }
    }
    const ps_node *start, *end;
    if ((st = required(b, root, "start", "a start month YYYY-MM", &start)) ||
        (st = get_date(b->err, start, "start", &sc->start)) ||
        (st = required(b, root, "end", "an end month YYYY-MM", &end)) ||
        (st = get_date(b->err, end, "end", &sc->end)))
        return st;
    if (ps_date_diff(sc->end, sc->start) < 0)
        return bad(b->err, end, "end %s is before start %s; expected end >= start",
                   end->scalar, start->scalar);
    sc->n_months = ps_date_diff(sc->end, sc->start) + 1;
    uint64_t v = 0;
    if ((st = required(b, root, "seed", "an integer seed", &n)) ||
        (st = get_uint(b->err, n, "seed", 0, UINT64_MAX, &sc->seed)) ||
        (st = required(b, root, "replicates", "a number of replicates", &n)) ||
        (st = get_uint(b->err, n, "replicates", 1, MAX_REPLICATES, &v)))
        return st;
    sc->replicates = (int)v;
    return PS_OK;
}

static int is_theater_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Host of a theater named in a list: the actor of the same name, ignoring
 * case (ukraine -> Ukraine), or -1. */
static int infer_host(const ps_scenario *sc, const char *theater)
{
    for (int a = 0; a < sc->n_actors; a++) {
        const char *x = sc->actor_name[a], *y = theater;
        while (*x && tolower((unsigned char)*x) == tolower((unsigned char)*y))
            x++, y++;
        if (!*x && !*y)
            return a;
    }
    return -1;
}

/* A theater is a name, or {name: ..., host: ISO3 or world}. */
static ps_status bind_theater(bind_ctx *b, const ps_node *t, int k)
{
    ps_scenario *sc = b->sc;
    const ps_node *name = t, *host = NULL;
    const char *s = NULL;
    ps_status st;
    if (t->kind == PS_NODE_MAP) {
        for (int i = 0; i < t->n; i++)
            if (strcmp(t->keys[i], "name") && strcmp(t->keys[i], "host"))
                return bad_key(b->err, t, i, "unknown theater key '%s'; expected name or host",
                               t->keys[i]);
        name = ps_node_get(t, "name");
        host = ps_node_get(t, "host");
        if (!name || name->kind == PS_NODE_NULL)
            return bad(b->err, t, "theater has no name; expected {name: <theater>, host: "
                       "<ISO3>}");
    }
    if ((st = get_text(b->err, name, "theater name", PS_NAME_MAX, &s)))
        return st;
    if (!is_theater_name(s))
        return bad(b->err, name, "theater name '%s' is invalid; expected lowercase letters, "
                   "digits and '_'", s);
    if (ps_scenario_theater(sc, s) >= 0)
        return bad(b->err, name, "duplicate theater '%s'; expected each theater once", s);
    snprintf(sc->theater_name[k], PS_NAME_MAX, "%s", s);
    sc->theater_host[k] = infer_host(sc, s);
    if (host && host->kind != PS_NODE_NULL) {
        if ((st = get_text(b->err, host, "theater host", 0, &s)))
            return st;
        sc->theater_host[k] = strcmp(s, "world") ? find_iso(b, s) : -1;
        if (sc->theater_host[k] < 0 && strcmp(s, "world")) {
            int n;
            const char **c = actor_candidates(sc, 0, &n);
            char hint[128];
            suggest(hint, sizeof hint, s, c, c ? n : 0);
            free(c);
            return bad(b->err, host, "unknown actor '%s' as theater host%s; expected an ISO3 "
                       "code listed under actors, or world", s, hint);
        }
    }
    sc->n_theaters = k + 1;
    return PS_OK;
}

static ps_status bind_theaters(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    const ps_node *n = optional(root, "theaters");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_SEQ)
        return bad(b->err, n, "theaters is %s; expected a list of theater names such as "
                   "[ukraine, syria]", kind_name(n));
    if (n->n > MAX_THEATERS)
        return bad(b->err, n, "%d theaters; expected at most %d", n->n, MAX_THEATERS);
    if (!(sc->theater_name = ps_calloc((size_t)n->n, sizeof *sc->theater_name)) ||
        !(sc->theater_host = ps_calloc((size_t)n->n, sizeof *sc->theater_host)))
        return nomem(b->err);
    for (int i = 0; i < n->n; i++) {
        ps_status st = bind_theater(b, n->items[i], i);
        if (st)
            return st;
    }
    return PS_OK;
}

static int is_iso3(const char *s)
{
    return strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' &&
           s[2] >= 'A' && s[2] <= 'Z';
}

typedef struct {
    const char *name;
    int index;
} name_entry;

static int name_cmp(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static ps_status bind_actors(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    const ps_node *n;
    ps_status st;
    if ((st = required(b, root, "actors", "a map of actors keyed by ISO3 code", &n)))
        return st;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "actors is %s; expected a map of actors keyed by ISO3 code "
                   "(RUS: {name: Russia})", kind_name(n));
    if (n->n == 0)
        return bad(b->err, n, "actors is empty; expected at least one actor");
    if (n->n > MAX_ACTORS)
        return bad(b->err, n, "%d actors; expected at most %d", n->n, MAX_ACTORS);
    size_t na = (size_t)n->n;
    if (!(sc->actor_name = ps_calloc(na, sizeof *sc->actor_name)) ||
        !(sc->actor_iso3 = ps_calloc(na, sizeof *sc->actor_iso3)) ||
        !(b->iso = ps_calloc(na, sizeof *b->iso)))
        return nomem(b->err);
    for (int a = 0; a < n->n; a++) {
        const char *code = n->keys[a];
        const ps_node *v = n->items[a];
        if (!is_iso3(code))
            return bad_key(b->err, n, a, "actor key '%s' is not an ISO3 code; expected three "
                           "uppercase letters such as RUS", code);
        if (v->kind != PS_NODE_MAP)
            return bad(b->err, v, "actor %s is %s; expected a map with at least name:", code,
                       kind_name(v));
        const ps_node *name = ps_node_get(v, "name");
        const char *s = NULL;
        if (!name || name->kind == PS_NODE_NULL)
            return bad(b->err, v, "actor %s has no name; expected name: <display name>", code);
        if ((st = get_text(b->err, name, "actor name", PS_NAME_MAX, &s)) ||
            (st = one_line(b, name, "actor name", s, NULL)))
            return st;
        memcpy(sc->actor_iso3[a], code, 4);
        snprintf(sc->actor_name[a], PS_NAME_MAX, "%s", s);
        memcpy(b->iso[a].code, code, 4);
        b->iso[a].index = a;
        sc->n_actors = a + 1;
        for (int i = 0; i < v->n; i++) {
            int f;
            if (!strcmp(v->keys[i], "name") || v->items[i]->kind == PS_NODE_NULL)
                continue;
            if ((st = field_key(b, v, i, PS_ACTOR, "name", &f)) ||
                (st = field_value(b, v, i, f, a, -1)))
                return st;
        }
    }
    qsort(b->iso, na, sizeof *b->iso, iso_cmp); /* keys are unique: the parser checked */

    /* Names must be unique too: events may name actors by name. */
    name_entry *order = ps_calloc(na, sizeof *order);
    if (!order)
        return nomem(b->err);
    for (int a = 0; a < n->n; a++)
        order[a] = (name_entry){sc->actor_name[a], a};
    qsort(order, na, sizeof *order, name_cmp);
    for (size_t k = 1; k < na; k++) {
        int x = order[k - 1].index, y = order[k].index;
        if (strcmp(sc->actor_name[x], sc->actor_name[y]) == 0) {
            st = bad(b->err, ps_node_get(n->items[y], "name"), "actor name '%s' is also used "
                     "by %s; expected a unique name", sc->actor_name[y], sc->actor_iso3[x]);
            break;
        }
    }
    free(order);
    return st;
}

static ps_status bind_relations(bind_ctx *b, const ps_node *root)
{
    const ps_node *n = optional(root, "relations");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "relations is %s; expected a map SOURCE: {TARGET: {field: "
                   "value}}", kind_name(n));
    for (int s = 0; s < n->n; s++) {
        const ps_node *src = n->items[s];
        int a = find_iso(b, n->keys[s]);
        if (a < 0)
            return unknown_actor(b, n, s, "relations");
        if (src->kind == PS_NODE_NULL)
            continue;
        if (src->kind != PS_NODE_MAP)
            return bad(b->err, src, "relations of %s are %s; expected a map TARGET: {field: "
                       "value}", n->keys[s], kind_name(src));
        for (int t = 0; t < src->n; t++) {
            const ps_node *fields = src->items[t];
            int c = find_iso(b, src->keys[t]);
            if (c < 0)
                return unknown_actor(b, src, t, "relations");
            if (c == a)
                return bad_key(b->err, src, t, "relation of %s with itself; expected a "
                               "different target actor", src->keys[t]);
            if (fields->kind == PS_NODE_NULL)
                continue;
            if (fields->kind != PS_NODE_MAP)
                return bad(b->err, fields, "relation %s -> %s is %s; expected a map of dyad "
                           "fields such as {sanction_intensity: 0.1}", n->keys[s],
                           src->keys[t], kind_name(fields));
            for (int i = 0; i < fields->n; i++) {
                int f;
                ps_status st;
                if (fields->items[i]->kind == PS_NODE_NULL)
                    continue;
                if ((st = field_key(b, fields, i, PS_DYAD, NULL, &f)) ||
                    (st = field_value(b, fields, i, f, a, c)))
                    return st;
            }
        }
    }
    return PS_OK;
}

static ps_status bind_theater_state(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    const ps_node *n = optional(root, "theater_state");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "theater_state is %s; expected a map THEATER: {ISO3: {field: "
                   "value}}", kind_name(n));
    for (int t = 0; t < n->n; t++) {
        int th = ps_scenario_theater(sc, n->keys[t]);
        if (th < 0) {
            char hint[128];
            const char **c = ps_calloc((size_t)sc->n_theaters, sizeof *c);
            for (int k = 0; c && k < sc->n_theaters; k++)
                c[k] = sc->theater_name[k];
            suggest(hint, sizeof hint, n->keys[t], c, c ? sc->n_theaters : 0);
            free(c);
            return bad_key(b->err, n, t, "unknown theater '%s'%s; expected a name listed "
                           "under theaters", n->keys[t], hint);
        }
        const ps_node *actors = n->items[t];
        if (actors->kind == PS_NODE_NULL)
            continue;
        if (actors->kind != PS_NODE_MAP)
            return bad(b->err, actors, "theater_state of %s is %s; expected a map ISO3: "
                       "{field: value}", n->keys[t], kind_name(actors));
        for (int k = 0; k < actors->n; k++) {
            const ps_node *fields = actors->items[k];
            int a = find_iso(b, actors->keys[k]);
            if (a < 0)
                return unknown_actor(b, actors, k, "theater_state");
            if (fields->kind == PS_NODE_NULL)
                continue;
            if (fields->kind != PS_NODE_MAP)
                return bad(b->err, fields, "theater_state of %s in %s is %s; expected a map "
                           "of theater fields", actors->keys[k], n->keys[t], kind_name(fields));
            for (int i = 0; i < fields->n; i++) {
                int f;
                ps_status st;
                if (fields->items[i]->kind == PS_NODE_NULL)
                    continue;
                if ((st = field_key(b, fields, i, PS_THEATER, NULL, &f)) ||
                    (st = field_value(b, fields, i, f, a, th)))
                    return st;
            }
        }
    }
    return PS_OK;
}

static ps_status bind_parameters(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    int nm = ps_registry_count();
    if (!(sc->params = ps_calloc((size_t)nm, sizeof *sc->params)))
        return nomem(b->err);
    for (int k = 0; k < nm; k++) {
        const ps_model *m = ps_registry_model(k);
        if (!(sc->params[k] = ps_calloc((size_t)m->n_params, sizeof **sc->params)))
            return nomem(b->err);
        for (int p = 0; p < m->n_params; p++)
            sc->params[k][p] = m->params[p].def;
    }
    const ps_node *n = optional(root, "parameters");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "parameters is %s; expected a map MODEL: {parameter: value}",
                   kind_name(n));
    for (int i = 0; i < n->n; i++) {
        int k = ps_registry_find(n->keys[i]);
        if (k < 0) {
            const char **c = ps_calloc((size_t)nm, sizeof *c);
            for (int j = 0; c && j < nm; j++)
                c[j] = ps_registry_model(j)->name;
            char hint[128];
            suggest(hint, sizeof hint, n->keys[i], c, c ? nm : 0);
            free(c);
            return bad_key(b->err, n, i, "unknown model '%s' in parameters%s; expected a model "
                           "name (see `pactsim config explain`)", n->keys[i], hint);
        }
        const ps_model *m = ps_registry_model(k);
        const ps_node *ps = n->items[i];
        if (ps->kind == PS_NODE_NULL)
            continue;
        if (ps->kind != PS_NODE_MAP)
            return bad(b->err, ps, "parameters of model '%s' are %s; expected a map "
                       "{parameter: value}", m->name, kind_name(ps));
        for (int j = 0; j < ps->n; j++) {
            int p = 0;
            while (p < m->n_params && strcmp(m->params[p].name, ps->keys[j]) != 0)
                p++;
            if (p == m->n_params) {
                const char **c = ps_calloc((size_t)m->n_params, sizeof *c);
                for (int q = 0; c && q < m->n_params; q++)
                    c[q] = m->params[q].name;
                char hint[128];
                suggest(hint, sizeof hint, ps->keys[j], c, c ? m->n_params : 0);
                free(c);
                return bad_key(b->err, ps, j, "unknown parameter '%s' for model '%s'%s; "
                               "expected a parameter of '%s' (see `pactsim config explain "
                               "%s`)", ps->keys[j], m->name, hint, m->name, m->name);
            }
            if (ps->items[j]->kind == PS_NODE_NULL)
                continue; /* keeps the default */
            ps_status st = get_param(b->err, ps->items[j], &m->params[p], m->name,
                                     &sc->params[k][p]);
            if (st)
                return st;
        }
    }
    return PS_OK;
}

/* Actor of an event's source/target: ISO3, name, "world" or absent = -1. */
static ps_status event_actor(bind_ctx *b, const ps_node *ev, const char *key, int *out)
{
    const ps_node *n = ps_node_get(ev, key);
    *out = -1;
    if (!n || n->kind == PS_NODE_NULL)
        return PS_OK;
    const char *s = NULL;
    char what[64];
    snprintf(what, sizeof what, "event %s", key);
    ps_status st = get_text(b->err, n, what, 0, &s);
    if (st || !strcmp(s, "world"))
        return st;
    if ((*out = ps_scenario_actor(b->sc, s)) >= 0)
        return PS_OK;
    int nc;
    const char **c = actor_candidates(b->sc, 1, &nc);
    char hint[128];
    suggest(hint, sizeof hint, s, c, c ? nc : 0);
    free(c);
    return bad(b->err, n, "unknown actor '%s' as event %s%s; expected an ISO3 code or name "
               "from actors, or world", s, key, hint);
}

/* The initial value of actor field f for actor i: as the config sets it, or
 * the field's default. */
static double initial_of(const ps_scenario *sc, int f, int i)
{
    for (int k = sc->n_inits - 1; k >= 0; k--)
        if (sc->inits[k].field == f && sc->inits[k].i == i)
            return sc->inits[k].value;
    return ps_registry_field(f, NULL)->init;
}

/* What the event's type needs it to name (ps_event_type.needs), checked here
 * for every event, at its place in the file, whatever its date. */
static ps_status event_needs(bind_ctx *b, const ps_node *ev, const char *id,
                             const ps_event_type *et, const ps_event *out)
{
    const ps_scenario *sc = b->sc;
    const ps_node *src = ps_node_get(ev, "source"), *tgt = ps_node_get(ev, "target");
    if ((et->needs & PS_EVENT_SOURCE) && out->source < 0)
        return bad(b->err, src && src->kind != PS_NODE_NULL ? src : ev,
                   "event '%s' (%s) has no source actor; expected source: <ISO3 code or name>",
                   id, et->name);
    if ((et->needs & PS_EVENT_TARGET) && out->target < 0)
        return bad(b->err, tgt && tgt->kind != PS_NODE_NULL ? tgt : ev,
                   "event '%s' (%s) has no target actor; expected target: <ISO3 code or name>",
                   id, et->name);
    if ((et->needs & PS_EVENT_DISTINCT) && out->source >= 0 && out->source == out->target)
        return bad(b->err, tgt, "event '%s' (%s) has %s as both source and target; expected "
                   "two different actors", id, et->name, sc->actor_iso3[out->target]);
    if (et->needs & PS_EVENT_THEATER) {
        int hosted = 0;
        for (int k = 0; k < sc->n_theaters && !hosted; k++)
            hosted = sc->theater_host[k] == out->target;
        if (!hosted)
            return bad(b->err, tgt, "event '%s' (%s): no theater lies in target %s; expected a "
                       "theater with host: %s under theaters", id, et->name,
                       sc->actor_iso3[out->target], sc->actor_iso3[out->target]);
    }
    int f = et->source_has && out->source >= 0 ? ps_field_index(et->source_has) : -1;
    if (f >= 0 && !(initial_of(sc, f, out->source) > 0.0))
        return bad(b->err, src, "event '%s' (%s): source %s has %s %g, so the event would do "
                   "nothing; expected a source with %s above 0, or world", id, et->name,
                   sc->actor_iso3[out->source], et->source_has,
                   initial_of(sc, f, out->source), et->source_has);
    return PS_OK;
}

static const char *const event_keys[] = {"date", "type", "source", "target",
                                         "magnitude", "note", "ref"};
enum { N_EVENT_KEYS = sizeof event_keys / sizeof *event_keys };

static ps_status bind_event(bind_ctx *b, const ps_node *tl, int e, ps_event *out)
{
    ps_scenario *sc = b->sc;
    const ps_node *ev = tl->items[e];
    ps_status st;
    if (ev->kind != PS_NODE_MAP)
        return bad(b->err, ev, "event '%s' is %s; expected a map with date: and type:",
                   tl->keys[e], kind_name(ev));
    for (int i = 0; i < ev->n; i++) {
        int known = 0;
        for (int k = 0; k < N_EVENT_KEYS; k++)
            known |= !strcmp(ev->keys[i], event_keys[k]);
        if (known)
            continue;
        char hint[128];
        suggest(hint, sizeof hint, ev->keys[i], event_keys, N_EVENT_KEYS);
        return bad_key(b->err, ev, i, "unknown event key '%s'%s; expected one of date, type, "
                       "source, target, magnitude, note, ref", ev->keys[i], hint);
    }
    const ps_node *date = ps_node_get(ev, "date"), *type = ps_node_get(ev, "type");
    ps_date d;
    const char *s = NULL;
    if (!date || date->kind == PS_NODE_NULL)
        return bad(b->err, ev, "event '%s' has no date; expected date: YYYY-MM", tl->keys[e]);
    if ((st = get_date(b->err, date, "event date", &d)))
        return st;
    out->month = ps_date_diff(d, sc->start);
    if (out->month < 0) {
        char a[8];
        ps_date_format(sc->start, a);
        return bad(b->err, date, "event date %s is before the scenario's start (%s); expected "
                   "a date from the start on (its effect before then belongs in the initial "
                   "state)", date->scalar, a);
    }
    if (!type || type->kind == PS_NODE_NULL)
        return bad(b->err, ev, "event '%s' has no type; expected type: <event type>",
                   tl->keys[e]);
    if ((st = get_text(b->err, type, "event type", 0, &s)))
        return st;
    if ((out->type = ps_registry_find_event_type(s)) < 0) {
        int ne = ps_registry_n_event_types(), nc = 0;
        const char **c = ps_calloc((size_t)ne, sizeof *c);
        for (int k = 0; c && k < ne; k++)
            if (!ps_registry_event_type(k, NULL)->generated)
                c[nc++] = ps_registry_event_type(k, NULL)->name;
        char hint[128];
        suggest(hint, sizeof hint, s, c, nc);
        free(c);
        return bad(b->err, type, "unknown event type '%s'%s; expected a timeline event type "
                   "of a model (see `pactsim config explain`)", s, hint);
    }
    int owner;
    if (ps_registry_event_type(out->type, &owner)->generated)
        return bad(b->err, type, "event type '%s' is generated by model '%s', not set in a "
                   "timeline; expected a timeline event type", s,
                   ps_registry_model(owner)->name);
    if ((st = event_actor(b, ev, "source", &out->source)) ||
        (st = event_actor(b, ev, "target", &out->target)))
        return st;
    const ps_event_type *et = ps_registry_event_type(out->type, NULL);
    if ((st = event_needs(b, ev, tl->keys[e], et, out)))
        return st;
    const ps_node *mag = ps_node_get(ev, "magnitude");
    char what[128];
    snprintf(what, sizeof what, "magnitude of '%s'", et->name);
    out->magnitude = 1.0;
    if (mag && mag->kind != PS_NODE_NULL) {
        if ((st = get_real(b->err, mag, what, et->lo, et->hi, &out->magnitude)))
            return st;
    } else if (!(1.0 >= et->lo && 1.0 <= et->hi)) {
        return bad(b->err, ev, "event '%s' has no magnitude and the default 1 is outside "
                   "[%g, %g] for '%s'; expected magnitude: <value>", tl->keys[e], et->lo,
                   et->hi, et->name);
    }
    const char *text_keys[] = {"note", "ref"};
    for (int k = 0; k < 2; k++) {
        const ps_node *t = ps_node_get(ev, text_keys[k]);
        if (t && t->kind != PS_NODE_NULL && (st = get_text(b->err, t, text_keys[k], 0, &s)))
            return st;
    }
    /* The id is the timeline key, cut at a UTF-8 character boundary. */
    size_t len = strlen(tl->keys[e]);
    if (len >= PS_NAME_MAX) {
        len = PS_NAME_MAX - 1;
        while (len > 0 && ((unsigned char)tl->keys[e][len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out->id, tl->keys[e], len);
    out->id[len] = '\0';
    return PS_OK;
}

typedef struct {
    ps_event ev;
    int order, key; /* key: index in the timeline map */
} sort_event;

static int event_cmp(const void *a, const void *b)
{
    const sort_event *x = a, *y = b;
    if (x->ev.month != y->ev.month)
        return (x->ev.month > y->ev.month) - (x->ev.month < y->ev.month);
    return (x->order > y->order) - (x->order < y->order);
}

static ps_status bind_timeline(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    const ps_node *n = optional(root, "timeline");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "timeline is %s; expected a map keyed by event id, such as "
                   "invasion: {date: 2022-02, type: ...}", kind_name(n));
    sort_event *tmp = ps_calloc((size_t)n->n, sizeof *tmp);
    if (!tmp)
        return nomem(b->err);
    int m = 0;
    ps_status st = PS_OK;
    for (int e = 0; e < n->n && !st; e++) {
        if (n->items[e]->kind == PS_NODE_NULL)
            continue; /* deleted */
        tmp[m].order = m;
        tmp[m].key = e;
        if ((st = bind_event(b, n, e, &tmp[m].ev)))
            break;
        /* Ids cut at PS_NAME_MAX must stay apart: /events names events by id. */
        for (int k = 0; k < m && !st; k++)
            if (!strcmp(tmp[k].ev.id, tmp[m].ev.id))
                st = bad_key(b->err, n, e, "event id '%s' is the same as event '%s''s once cut "
                             "to %d bytes (%s); expected ids that differ within their first %d "
                             "bytes", n->keys[e], n->keys[tmp[k].key], PS_NAME_MAX - 1,
                             tmp[m].ev.id, PS_NAME_MAX - 1);
        if (st)
            break;
        /* Dated after the end (a law enacted for a later date, a run cut
         * short with --set end=...): checked like any other, never reached. */
        if (tmp[m].ev.month >= sc->n_months)
            sc->n_events_after++;
        else
            m++;
    }
    if (!st && !(sc->events = ps_calloc((size_t)m, sizeof *sc->events)))
        st = nomem(b->err);
    if (!st) {
        qsort(tmp, (size_t)m, sizeof *tmp, event_cmp); /* stable via order */
        for (int e = 0; e < m; e++)
            sc->events[e] = tmp[e].ev;
        sc->n_events = m;
    }
    free(tmp);
    return st;
}

/* posterior: a calibration's posterior file (relative to the file that names
 * it): each replicate runs with the parameters of its draw (sim/posterior.c). */
static ps_status bind_posterior(bind_ctx *b, const ps_node *root)
{
    const ps_node *n = optional(root, "posterior");
    const char *s = NULL;
    ps_status st;
    if (!n)
        return PS_OK;
    if ((st = get_text(b->err, n, "posterior", 0, &s)))
        return st;
    char *path = n->line > 0 && n->file ? ps_spec_path(n->file, s) : ps_strdup(s);
    if (!path)
        return nomem(b->err);
    ps_error e = {PS_OK, ""};
    if (b->reuse && !strcmp(b->reuse->path, path))
        st = ps_scenario_attach_posterior_copy(b->sc, b->reuse, &e);
    else
        st = ps_scenario_attach_posterior(b->sc, path, &e);
    free(path);
    if (!st)
        return PS_OK;
    return bad(b->err, n, "posterior: %s%s", e.msg, strstr(e.msg, "; expected") ? "" :
               "; expected a posterior file written by `pactsim calibrate`");
}

int ps_fields_has(const unsigned char *mask, int f)
{
    return !mask || mask[f];
}

char *ps_fields_names(const unsigned char *mask)
{
    int nf = ps_registry_n_fields();
    size_t len = 4;
    for (int f = 0; mask && f < nf; f++)
        len += mask[f] ? strlen(ps_registry_field(f, NULL)->name) + 1 : 0;
    char *s = malloc(len), *p = s;
    if (!s)
        return NULL;
    strcpy(s, mask ? "" : "all");
    for (int f = 0; mask && f < nf; f++)
        if (mask[f])
            p += sprintf(p, "%s%s", p == s ? "" : " ", ps_registry_field(f, NULL)->name);
    return s;
}

ps_status ps_fields_select(const ps_node *v, const char *what, unsigned char **mask_out,
                           ps_error *err)
{
    *mask_out = NULL;
    const char *s = v->kind == PS_NODE_SCALAR && !v->quoted ? v->scalar : NULL;
    if (s && !strcmp(s, "all"))
        return PS_OK;
    /* One name or pattern alone is a list of one. */
    const ps_node *const *items = v->kind == PS_NODE_SEQ ? (const ps_node *const *)v->items : &v;
    int n_items = v->kind == PS_NODE_SEQ ? v->n : 1;
    if ((v->kind != PS_NODE_SEQ && v->kind != PS_NODE_SCALAR) || n_items == 0)
        return bad(err, v, "%s is %s; expected all or a non-empty list of state variables or "
                   "patterns such as [gdp, cooperation, \"oil_*\"] (`pactsim config explain` "
                   "lists them)", what, v->kind == PS_NODE_SEQ ? "an empty list" : kind_name(v));
    int nf = ps_registry_n_fields();
    const char **names = ps_calloc((size_t)nf + 1, sizeof *names);
    unsigned char *mask = ps_calloc((size_t)nf + 1, 1);
    if (!names || !mask) {
        free(names);
        free(mask);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    for (int f = 0; f < nf; f++)
        names[f] = ps_registry_field(f, NULL)->name;
    ps_status st = PS_OK;
    for (int i = 0; i < n_items && st == PS_OK; i++) {
        const ps_node *it = items[i];
        if (it->kind != PS_NODE_SCALAR || !it->scalar[0]) {
            st = bad(err, it, "%s entry is %s; expected the name of a state variable or a "
                     "pattern", what, it->kind == PS_NODE_SCALAR ? "empty" : kind_name(it));
            break;
        }
        int hits = 0;
        for (int f = 0; f < nf; f++)
            if (fnmatch(it->scalar, names[f], 0) == 0)
                mask[f] = 1, hits++;
        if (!hits) {
            char hint[128];
            suggest(hint, sizeof hint, it->scalar, (const char *const *)names, nf);
            st = bad(err, it, "%s entry '%s' matches no state variable%s; expected a name or "
                     "pattern from `pactsim config explain`", what, it->scalar, hint);
        }
    }
    free(names);
    if (st == PS_OK)
        *mask_out = mask;
    else
        free(mask);
    return st;
}

/* output: {precision: float32 | float64, compression: none | 0..9, fields:
 * all | [names or patterns]}: how the state series are stored (sim/output.c).
 * The defaults are PS_OUT_FLOAT32 and PS_OUT_DEFLATE (pactsim.h), every field. */
static ps_status bind_output(bind_ctx *b, const ps_node *root)
{
    ps_scenario *sc = b->sc;
    sc->out_float32 = PS_OUT_FLOAT32;
    sc->out_deflate = PS_OUT_DEFLATE;
    const ps_node *n = optional(root, "output");
    if (!n)
        return PS_OK;
    if (n->kind != PS_NODE_MAP)
        return bad(b->err, n, "output is %s; expected a map {precision: float32 or float64, "
                   "compression: none or a deflate level 1..9, fields: all or a list}",
                   kind_name(n));
    static const char *const keys[] = {"precision", "compression", "fields"};
    for (int i = 0; i < n->n; i++) {
        const ps_node *v = n->items[i];
        const char *s = v->kind == PS_NODE_SCALAR && !v->quoted ? v->scalar : NULL;
        if (!strcmp(n->keys[i], "precision")) {
            if (s && (!strcmp(s, "float32") || !strcmp(s, "float64")))
                sc->out_float32 = !strcmp(s, "float32");
            else
                return bad(b->err, v, "output precision is %s%s%s; expected float32 or float64",
                           s ? "'" : "", s ? s : kind_name(v), s ? "'" : "");
        } else if (!strcmp(n->keys[i], "compression")) {
            uint64_t level = 0;
            if (s && !strcmp(s, "none"))
                sc->out_deflate = 0;
            else if (s && strlen(s) == 1 && s[0] >= '0' && s[0] <= '9' &&
                     get_uint(b->err, v, "output compression", 0, 9, &level) == PS_OK)
                sc->out_deflate = (int)level;
            else
                return bad(b->err, v, "output compression is %s%s%s; expected none or a "
                           "deflate level 1..9 (0 is none)", s ? "'" : "", s ? s : kind_name(v),
                           s ? "'" : "");
        } else if (!strcmp(n->keys[i], "fields")) {
            free(sc->out_fields); /* a key appears once; this keeps a repeat from leaking */
            ps_status st = ps_fields_select(v, "output.fields", &sc->out_fields, b->err);
            if (st != PS_OK)
                return st;
        } else {
            char hint[128];
            suggest(hint, sizeof hint, n->keys[i], keys, 3);
            return bad_key(b->err, n, i, "unknown output key '%s'%s; expected precision, "
                           "compression or fields", n->keys[i], hint);
        }
    }
    return PS_OK;
}

static ps_status bind(ps_scenario *sc, const ps_node *root, const ps_posterior *reuse,
                      ps_error *err)
{
    bind_ctx b = {.sc = sc, .err = err, .reuse = reuse};
    ps_status st;
    if (root->kind != PS_NODE_MAP)
        st = bad(err, root, "the scenario is %s; expected a map of scenario keys",
                 kind_name(root));
    else if (!(st = check_top_keys(&b, root)) && !(st = bind_header(&b, root)) &&
             !(st = bind_actors(&b, root)) && !(st = bind_theaters(&b, root)) &&
             !(st = bind_relations(&b, root)) && !(st = bind_theater_state(&b, root)) &&
             !(st = bind_parameters(&b, root)) && !(st = bind_timeline(&b, root)) &&
             !(st = bind_output(&b, root)))
        st = bind_posterior(&b, root);
    free(b.iso);
    return st;
}

/* ------------------------------------------------------------ --set */

/* Does a --set value (YAML text) mean null, i.e. delete the key? */
static int null_text(const char *v)
{
    v += strspn(v, " \t");
    size_t n = strcspn(v, " \t");
    return v[n + strspn(v + n, " \t")] == '\0' &&
           (n == 0 || (n == 1 && v[0] == '~') || (n == 4 && (!strncmp(v, "null", 4) ||
            !strncmp(v, "Null", 4) || !strncmp(v, "NULL", 4))));
}

/* Before --set ASSIGNMENT is applied to root: it may change or delete what the
 * scenario has, but a new actor or event (a typo in its id, most often) takes
 * the explicit form +actors.ISO3... or +timeline.ID... (docs/config.md), and a
 * required top-level key cannot be emptied. The errors name the option. */
static ps_status check_override(const ps_node *root, const char *assignment, ps_error *err)
{
    int add = assignment[0] == '+';
    const char *key = assignment + add, *eq = strchr(key, '=');
    if (!eq || eq == key)
        return PS_OK; /* ps_node_set_path says what is wrong */
    size_t klen = (size_t)(eq - key), slen = strcspn(key, ".=");
    static const char *const required_keys[] = {"name", "start", "end", "seed", "replicates",
                                                "actors"};
    if (slen == klen && klen == 7 && !strncmp(key, "lineage", 7))
        return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: lineage is recorded by pactsim "
                            "from the extends chain; expected it only in a resolved config file",
                            assignment);
    if (slen == klen) { /* a top-level key */
        for (size_t i = 0; i < sizeof required_keys / sizeof *required_keys; i++)
            if (strlen(required_keys[i]) == klen && !strncmp(key, required_keys[i], klen) &&
                null_text(eq + 1))
                return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: '%s' is required and "
                                    "cannot be removed; expected a value after '='",
                                    assignment, required_keys[i]);
    }
    int actors = slen == 6 && !strncmp(key, "actors", 6);
    int timeline = slen == 8 && !strncmp(key, "timeline", 8);
    if (add && (!(actors || timeline) || slen == klen))
        return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: a leading '+' adds an actor "
                            "or an event; expected +actors.ISO3.KEY=VALUE or "
                            "+timeline.ID.KEY=VALUE", assignment);
    if (!(actors || timeline) || slen == klen)
        return PS_OK;
    const char *id = key + slen + 1;
    size_t idlen = strcspn(id, ".=");
    char name[PS_NAME_MAX + 1];
    if (idlen == 0 || idlen > PS_NAME_MAX)
        return PS_OK; /* empty or too long: ps_node_set_path or the binder says so */
    memcpy(name, id, idlen);
    name[idlen] = '\0';
    const ps_node *map = ps_node_get(root, actors ? "actors" : "timeline");
    if (map && map->kind != PS_NODE_MAP)
        return PS_OK; /* the binder reports a list or a value */
    int n = map ? map->n : 0;
    const char *const *ids = map ? (const char *const *)map->keys : NULL;
    int have = 0;
    for (int i = 0; i < n && !have; i++)
        have = !strcmp(ids[i], name);
    const char *what = actors ? "actor" : "event";
    if (have && add)
        return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: %s '%s' exists; expected a "
                            "new %s after '+' (without '+' to change this one)", assignment,
                            what, name, actors ? "ISO3 code" : "event id");
    if (!have && !add) {
        char hint[128];
        suggest(hint, sizeof hint, name, ids, n);
        if (null_text(eq + 1))
            return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: unknown %s '%s'%s; "
                                "expected an %s of the scenario to remove", assignment, what,
                                name, hint, what);
        return ps_error_set(err, PS_ERR_CONFIG, "option --set %s: unknown %s '%s'%s; expected "
                            "an %s of the scenario, or '--set +%s.%s' to add one", assignment,
                            what, name, hint, what, actors ? "actors" : "timeline",
                            actors ? "ISO3.name=NAME" : "ID={date: YYYY-MM, type: TYPE}");
    }
    return PS_OK;
}

/* --------------------------------------------------------------- public */

ps_status ps_scenario_load(const char *path, const char *const *overrides, int n_overrides,
                           ps_scenario **out, ps_error *err)
{
    return ps_scenario_load_reusing(path, overrides, n_overrides, NULL, out, err);
}

ps_status ps_scenario_load_reusing(const char *path, const char *const *overrides,
                                   int n_overrides, const ps_posterior *posterior,
                                   ps_scenario **out, ps_error *err)
{
    if (!out)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_scenario_load: no output");
    *out = NULL;
    if (!path || !*path)
        return ps_error_set(err, PS_ERR_USAGE, "no scenario file given");
    if (n_overrides > 0 && !overrides)
        return ps_error_set(err, PS_ERR_INTERNAL, "ps_scenario_load: overrides missing");
    ps_status contract = ps_registry_check(err); /* every model's inputs resolve */
    if (contract != PS_OK)
        return contract;
    ps_scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return nomem(err);
    ps_node *root = NULL;
    ps_status st = PS_OK;
    if (!(sc->path = ps_strdup(path)))
        st = nomem(err);
    else if (!(sc->raw_text = ps_read_file(path, NULL, err)))
        st = err ? err->code : PS_ERR_IO;
    else
        st = ps_node_load_config(path, &root, sc->lineage, sizeof sc->lineage, &sc->inputs, err);
    for (int i = 0; !st && i < n_overrides; i++)
        if (!(st = check_override(root, overrides[i], err)))
            st = ps_node_set_path(root, overrides[i], err);
    if (!st)
        st = bind(sc, root, posterior, err);
    if (!st)
        st = ps_node_set_lineage(root, sc->lineage, err);
    if (!st)
        st = ps_node_emit(root, &sc->resolved_text, err);
    ps_node_free(root);
    if (st) {
        ps_scenario_free(sc);
        return st;
    }
    *out = sc;
    return PS_OK;
}

void ps_scenario_free(ps_scenario *sc)
{
    if (!sc)
        return;
    if (sc->params) {
        int nm = ps_registry_count();
        for (int k = 0; k < nm; k++)
            free(sc->params[k]);
        free(sc->params);
    }
    free(sc->name);
    free(sc->description);
    free(sc->sources);
    free(sc->path);
    free(sc->raw_text);
    free(sc->resolved_text);
    free(sc->inputs);
    free(sc->actor_name);
    free(sc->actor_iso3);
    free(sc->theater_name);
    free(sc->theater_host);
    free(sc->inits);
    for (int k = 0; k < sc->n_where; k++)
        free(sc->where[k]);
    free(sc->where);
    free(sc->events);
    free(sc->out_fields);
    ps_posterior_free(sc->posterior);
    free(sc);
}

const char *ps_scenario_where(const ps_scenario *sc, int field, int i, int j)
{
    const char *at = NULL;
    const ps_field *fd = ps_registry_field(field, NULL);
    int actor = fd && fd->shape == PS_ACTOR; /* its second index is not used */
    for (int k = 0; sc && k < sc->n_inits; k++) {
        const ps_init_value *v = &sc->inits[k];
        if (v->field == field && v->i == i && (actor || v->j == j))
            at = v->where > 0 && v->where <= sc->n_where ? sc->where[v->where - 1] : NULL;
    }
    return at;
}

int ps_scenario_actor(const ps_scenario *sc, const char *iso3_or_name)
{
    if (!sc || !iso3_or_name)
        return -1;
    for (int a = 0; a < sc->n_actors; a++)
        if (!strcmp(sc->actor_iso3[a], iso3_or_name))
            return a;
    for (int a = 0; a < sc->n_actors; a++)
        if (!strcmp(sc->actor_name[a], iso3_or_name))
            return a;
    return -1;
}

int ps_scenario_theater(const ps_scenario *sc, const char *name)
{
    if (!sc || !name)
        return -1;
    for (int t = 0; t < sc->n_theaters; t++)
        if (!strcmp(sc->theater_name[t], name))
            return t;
    return -1;
}
