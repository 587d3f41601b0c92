/* Observations: CSV files of observed values of the model's state variables,
 * and the model's equivalent of each in a run (docs/observation-format.md).
 *
 * The reader is strict because the rows become evidence: a value that is
 * silently misread would bias calibration and scores without a trace. Every
 * error names file:line:col and what was expected. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_math.h>

#include "h5util.h"

#define OBS_COLS 9
static const char *const obs_header[OBS_COLS] = {
    "quantity", "actor", "target", "date", "value", "sd", "transform", "source", "published"};
#define HEADER_TEXT "quantity,actor,target,date,value,sd,transform,source,published"
enum { C_QUANTITY, C_ACTOR, C_TARGET, C_DATE, C_VALUE, C_SD, C_TRANSFORM, C_SOURCE,
       C_PUBLISHED };
static const char *const transform_names[] = {"level", "growth", "share", "arrival"};
#define N_TRANSFORMS 4

const char *ps_obs_transform_name(ps_obs_transform t)
{
    return t >= 0 && t < N_TRANSFORMS ? transform_names[t] : "?";
}

/* ------------------------------------------------------------ CSV records */
/* One field of a record: its text (unquoted, "" turned into ") and where it
 * starts, for messages. */
typedef struct {
    char *text;
    int line, col;
} csv_field;

typedef struct {
    const char *file;
    const char *p, *end;
    int line, col;
    csv_field f[OBS_COLS + 1]; /* one more than needed: detects too many fields */
    int nf;
    int rec_line;              /* line where the record starts */
    int end_line, end_col;     /* just after the record's last character */
} csv_reader;

static void csv_clear(csv_reader *r)
{
    for (int k = 0; k < OBS_COLS + 1; k++) {
        free(r->f[k].text);
        r->f[k].text = NULL;
    }
    r->nf = 0;
}

static void adv(csv_reader *r)
{
    if (*r->p == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    r->p++;
}

static int at_eol(const csv_reader *r)
{
    return r->p >= r->end || *r->p == '\n' || (*r->p == '\r' && r->p + 1 < r->end &&
                                                  r->p[1] == '\n');
}

static void skip_eol(csv_reader *r)
{
    if (r->p < r->end && *r->p == '\r')
        adv(r);
    if (r->p < r->end && *r->p == '\n')
        adv(r);
}

/* Read one field's text into *out (malloc'ed). */
static ps_status csv_field_read(csv_reader *r, char **out, ps_error *err)
{
    size_t cap = 32, n = 0;
    char *s = malloc(cap);
    if (!s)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
#define PUT(c)                                                                 \
    do {                                                                       \
        if (n + 2 > cap) {                                                     \
            char *ns = realloc(s, cap *= 2);                                   \
            if (!ns) {                                                         \
                free(s);                                                       \
                return ps_error_set(err, PS_ERR_NOMEM, "out of memory");       \
            }                                                                  \
            s = ns;                                                            \
        }                                                                      \
        s[n++] = (c);                                                          \
    } while (0)
    while (r->p < r->end && *r->p == ' ')
        adv(r);
    if (r->p < r->end && *r->p == '"') {
        int qline = r->line, qcol = r->col;
        adv(r);
        for (;;) {
            if (r->p >= r->end) {
                free(s);
                return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: quoted field not closed "
                                    "before the end of the file; expected a closing '\"' (a "
                                    "quote inside a field is written \"\")", r->file, qline,
                                    qcol);
            }
            if (*r->p == '"') {
                if (r->p + 1 < r->end && r->p[1] == '"') {
                    PUT('"');
                    adv(r);
                    adv(r);
                    continue;
                }
                adv(r);
                break;
            }
            PUT(*r->p);
            adv(r);
        }
        while (r->p < r->end && *r->p == ' ')
            adv(r);
        if (!at_eol(r) && *r->p != ',') {
            free(s);
            return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: '%c' after a closing quote; "
                                "expected ',' or the end of the line (a quote inside a "
                                "quoted field is written \"\")", r->file, r->line, r->col,
                                isprint((unsigned char)*r->p) ? *r->p : '?');
        }
    } else {
        while (!at_eol(r) && *r->p != ',') {
            if (*r->p == '"') {
                free(s);
                return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: '\"' inside an unquoted "
                                    "field; expected the whole field in quotes, with \"\" for "
                                    "each quote in it", r->file, r->line, r->col);
            }
            PUT(*r->p);
            adv(r);
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
    }
#undef PUT
    s[n] = '\0';
    *out = s;
    return PS_OK;
}

/* Next record: 1 read, 0 end of file, -1 error. Blank lines and lines whose
 * first character is '#' are skipped. */
static int csv_next(csv_reader *r, ps_error *err)
{
    csv_clear(r);
    for (;;) {
        if (r->p >= r->end)
            return 0;
        const char *q = r->p;
        while (q < r->end && (*q == ' ' || *q == '\t'))
            q++;
        if (*r->p == '#' || q >= r->end || *q == '\n' || (*q == '\r' && q + 1 < r->end &&
                                                          q[1] == '\n')) {
            while (r->p < r->end && *r->p != '\n')
                adv(r);
            skip_eol(r);
            continue;
        }
        break;
    }
    r->rec_line = r->line;
    for (;;) {
        int k = r->nf < OBS_COLS + 1 ? r->nf : OBS_COLS;
        csv_field *f = &r->f[k];
        free(f->text);
        f->text = NULL;
        f->line = r->line;
        f->col = r->col;
        if (csv_field_read(r, &f->text, err) != PS_OK)
            return -1;
        r->nf++;
        if (r->p < r->end && *r->p == ',') {
            adv(r);
            continue;
        }
        r->end_line = r->line;
        r->end_col = r->col;
        skip_eol(r);
        return 1;
    }
}

/* ------------------------------------------------------------ validation */
static ps_status at(const csv_reader *r, int k, ps_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "file:line:col: " of field k, then the message. */
static ps_status at(const csv_reader *r, int k, ps_error *err, const char *fmt, ...)
{
    char msg[PS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: %s", r->file, r->f[k].line, r->f[k].col,
                        msg);
}

/* A whole field as a finite double, written in decimal: strtod alone also
 * takes hexadecimal (0x10), "inf" and "nan". */
static int parse_number(const char *s, double *v)
{
    if (!*s || s[strspn(s, "0123456789+-.eE")] != '\0')
        return -1;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || *end || isspace((unsigned char)*s))
        return -1;
    return 0;
}

/* "YYYY-MM-DD", a real day. */
static int parse_day(const char *s)
{
    ps_date d;
    return strlen(s) == 10 && ps_date_parse(s, &d) == 0 ? 0 : -1;
}

/* "YYYY" (annual) or "YYYY-MM". */
static int parse_obs_date(const char *s, ps_date *d, int *annual)
{
    if (strlen(s) == 4) {
        ps_date t;
        char buf[8];
        snprintf(buf, sizeof buf, "%s-01", s);
        if (ps_date_parse(buf, &t))
            return -1;
        *d = (ps_date){t.year, 0};
        *annual = 1;
        return 0;
    }
    *annual = 0;
    return strlen(s) == 7 && ps_date_parse(s, d) == 0 ? 0 : -1;
}

static int find_actor(const ps_obs_options *opt, const char *iso3)
{
    for (int i = 0; i < opt->n_actors; i++)
        if (!strcmp(opt->actors[i], iso3))
            return i;
    return -1;
}

static ps_status unknown_actor(const csv_reader *r, int k, const ps_obs_options *opt,
                               ps_error *err)
{
    char list[512] = "";
    size_t len = 0;
    for (int i = 0; i < opt->n_actors && len < sizeof list - 16; i++)
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                                i < 40 ? opt->actors[i] : "...");
    const char *near = ps_did_you_mean(r->f[k].text, opt->actors, opt->n_actors);
    return at(r, k, err, "unknown actor '%s'%s%s%s; expected the ISO3 code of an actor of the "
              "run or config: %s", r->f[k].text, near ? " (did you mean '" : "",
              near ? near : "", near ? "'?)" : "", list);
}

static ps_status unknown_quantity(const csv_reader *r, ps_error *err)
{
    int nf = ps_registry_n_fields(), nc = 0;
    const char **cands = ps_calloc((size_t)nf + 1, sizeof *cands);
    if (!cands)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int f = 0; f < nf; f++) {
        const ps_field *fd = ps_registry_field(f, NULL);
        if (fd->shape != PS_THEATER)
            cands[nc++] = fd->name;
    }
    const char *near = ps_did_you_mean(r->f[C_QUANTITY].text, cands, nc);
    ps_status s = at(r, C_QUANTITY, err, "unknown quantity '%s'%s%s%s; expected an actor or "
                     "dyad state variable (pactsim config explain lists them)",
                     r->f[C_QUANTITY].text, near ? " (did you mean '" : "", near ? near : "",
                     near ? "'?)" : "");
    free(cands);
    return s;
}

/* Check one row and fill o (o->source is malloc'ed). */
static ps_status check_row(const csv_reader *r, const ps_obs_options *opt, const char *cutoff,
                           ps_obs *o, ps_error *err)
{
    if (r->nf != OBS_COLS) {
        int k = r->nf > OBS_COLS ? OBS_COLS : r->nf - 1;
        if (r->nf > OBS_COLS)
            return at(r, k, err, "more than %d fields; expected %d (" HEADER_TEXT "); quote a "
                      "field that contains a comma", OBS_COLS, OBS_COLS);
        return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: %d field%s; expected %d ("
                            HEADER_TEXT ")", r->file, r->end_line, r->end_col, r->nf,
                            r->nf == 1 ? "" : "s", OBS_COLS);
    }
    memset(o, 0, sizeof *o);
    o->line = r->rec_line;
    o->date_col = r->f[C_DATE].col;
    const char *q = r->f[C_QUANTITY].text;
    if (!*q)
        return at(r, C_QUANTITY, err, "empty quantity; expected an actor or dyad state "
                  "variable such as gdp or oil_trade");
    int owner;
    o->field = ps_field_index(q);
    if (o->field < 0)
        return unknown_quantity(r, err);
    const ps_field *fd = ps_registry_field(o->field, &owner);
    if (fd->shape == PS_THEATER)
        return at(r, C_QUANTITY, err, "'%s' is a theater variable; expected an actor or dyad "
                  "state variable", q);
    const char *a = r->f[C_ACTOR].text, *t = r->f[C_TARGET].text;
    if (!*a)
        return at(r, C_ACTOR, err, "empty actor; expected an ISO3 code%s",
                  fd->shape == PS_DYAD ? " (the source of the dyad)" : "");
    if ((o->actor = find_actor(opt, a)) < 0)
        return unknown_actor(r, C_ACTOR, opt, err);
    o->target = -1;
    if (fd->shape == PS_DYAD) {
        if (!*t)
            return at(r, C_TARGET, err, "empty target; '%s' is a dyad variable: expected the "
                      "ISO3 code of the target", q);
        if ((o->target = find_actor(opt, t)) < 0)
            return unknown_actor(r, C_TARGET, opt, err);
        if (o->target == o->actor)
            return at(r, C_TARGET, err, "target '%s' is the actor itself; expected another "
                      "actor", t);
    } else if (*t) {
        return at(r, C_TARGET, err, "target '%s' given, but '%s' is an actor variable; "
                  "expected an empty target", t, q);
    }
    const char *ds = r->f[C_DATE].text;
    if (parse_obs_date(ds, &o->date, &o->annual))
        return at(r, C_DATE, err, "date '%s'; expected YYYY-MM (that month's end state) or "
                  "YYYY (the mean over that year's months)", ds);
    if (parse_number(r->f[C_VALUE].text, &o->value) || !isfinite(o->value))
        return at(r, C_VALUE, err, "value '%s' is not a finite number; expected the observed "
                  "value in %s", r->f[C_VALUE].text, fd->unit);
    if (parse_number(r->f[C_SD].text, &o->sd) || !isfinite(o->sd) || o->sd <= 0)
        return at(r, C_SD, err, "sd '%s'; expected a finite number > 0 (the observation "
                  "error, in the value's units)", r->f[C_SD].text);
    const char *tr = r->f[C_TRANSFORM].text;
    o->transform = PS_OBS_LEVEL;
    if (*tr) {
        int k = 0;
        while (k < N_TRANSFORMS && strcmp(tr, transform_names[k]))
            k++;
        if (k == N_TRANSFORMS) {
            const char *near = ps_did_you_mean(tr, transform_names, N_TRANSFORMS);
            return at(r, C_TRANSFORM, err, "transform '%s'%s%s%s; expected level, growth, share "
                      "or arrival (empty: level)", tr, near ? " (did you mean '" : "",
                      near ? near : "", near ? "'?)" : "");
        }
        o->transform = (ps_obs_transform)k;
    }
    if (!*r->f[C_SOURCE].text)
        return at(r, C_SOURCE, err, "empty source; expected where the value comes from");
    const char *pub = r->f[C_PUBLISHED].text;
    if (parse_day(pub))
        return at(r, C_PUBLISHED, err, "published '%s'; expected the date it was published, "
                  "YYYY-MM-DD", pub);
    if (cutoff && strcmp(pub, cutoff) > 0)
        return at(r, C_PUBLISHED, err, "published %s, after the information cutoff %s; "
                  "expected only what was known by then (another cutoff: --cutoff)", pub,
                  cutoff);
    /* A value published before its period ended is a forecast of it (the
     * model's record of a month is the state at its end). */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = o->date.year, m = o->annual ? 12 : o->date.month;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    char end[16];
    snprintf(end, sizeof end, "%04d-%02d-%02d", y, m, mdays[m - 1] + (m == 2 && leap));
    if (strcmp(pub, end) < 0)
        return at(r, C_PUBLISHED, err, "published %s, before the period it observes (%s) ended "
                  "on %s; expected an observation, not a forecast", pub, ds, end);
    snprintf(o->published, sizeof o->published, "%s", pub);
    if (!(o->source = ps_strdup(r->f[C_SOURCE].text)))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    return PS_OK;
}

static ps_status check_header(const csv_reader *r, ps_error *err)
{
    for (int k = 0; k < OBS_COLS && k < r->nf; k++)
        if (strcmp(r->f[k].text, obs_header[k]))
            return at(r, k, err, "header column %d is '%s'; expected '%s' (the header is "
                      HEADER_TEXT ")", k + 1, r->f[k].text, obs_header[k]);
    if (r->nf != OBS_COLS)
        return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: header has %d columns; expected "
                            "%d: " HEADER_TEXT, r->file, r->rec_line, 1, r->nf, OBS_COLS);
    return PS_OK;
}

static ps_status load_file(ps_obs_set *s, const char *path, const ps_obs_options *opt,
                           const char *cutoff, ps_error *err)
{
    size_t len;
    char *text = ps_read_file(path, &len, err);
    if (!text)
        return err ? err->code : PS_ERR_INPUT;
    const char *file = s->files[s->n_files - 1];
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = 1, col = 1;
        for (const char *c = text; c < nul; c++, col++)
            if (*c == '\n')
                line++, col = 0;
        free(text);
        return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: NUL byte; expected CSV text", file,
                            line, col);
    }
    csv_reader r = {.file = file, .p = text, .end = text + len, .line = 1, .col = 1};
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) /* a UTF-8 byte order mark */
        r.p += 3;
    ps_status st = PS_OK;
    int rc = csv_next(&r, err);
    if (rc == 0)
        st = ps_error_set(err, PS_ERR_INPUT, "%s:%d:1: no header; expected the line "
                          HEADER_TEXT, file, r.line);
    else if (rc < 0)
        st = err->code;
    else
        st = check_header(&r, err);
    while (st == PS_OK && (rc = csv_next(&r, err)) != 0) {
        if (rc < 0) {
            st = err->code;
            break;
        }
        if (s->n % 256 == 0) {
            ps_obs *no = realloc(s->obs, ((size_t)s->n + 256) * sizeof *no);
            if (!no) {
                st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
                break;
            }
            s->obs = no;
        }
        ps_obs *o = &s->obs[s->n];
        st = check_row(&r, opt, opt->drop_late ? NULL : cutoff, o, err);
        if (st == PS_OK && opt->drop_late && cutoff && strcmp(o->published, cutoff) > 0) {
            free(o->source); /* published after the information date: never used */
            s->n_late++;
        } else if (st == PS_OK) {
            o->file = file;
            s->n++;
        }
    }
    csv_clear(&r);
    free(text);
    return st;
}

/* Rows of the same key: same quantity, actors, date (and frequency) and
 * transform. Sorted by key, then by position, so the first duplicate found
 * cites the earlier row. */
static const ps_obs *dup_base;
static int key_cmp(const ps_obs *a, const ps_obs *b)
{
    int ka[7] = {a->field, a->actor, a->target, a->annual, a->date.year, a->date.month,
                 (int)a->transform};
    int kb[7] = {b->field, b->actor, b->target, b->annual, b->date.year, b->date.month,
                 (int)b->transform};
    for (int k = 0; k < 7; k++)
        if (ka[k] != kb[k])
            return ka[k] < kb[k] ? -1 : 1;
    return 0;
}

static int dup_cmp(const void *x, const void *y)
{
    int i = *(const int *)x, j = *(const int *)y;
    int c = key_cmp(&dup_base[i], &dup_base[j]);
    return c ? c : (i > j) - (i < j);
}

static ps_status check_duplicates(const ps_obs_set *s, ps_error *err)
{
    int *idx = ps_calloc((size_t)s->n + 1, sizeof *idx);
    if (!idx)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int k = 0; k < s->n; k++)
        idx[k] = k;
    dup_base = s->obs; /* qsort has no context argument; loading is not threaded */
    qsort(idx, (size_t)s->n, sizeof *idx, dup_cmp);
    int worst = -1, first = -1; /* the duplicate met first in file order */
    for (int k = 1; k < s->n; k++)
        if (!key_cmp(&s->obs[idx[k - 1]], &s->obs[idx[k]]) && (worst < 0 || idx[k] < worst)) {
            worst = idx[k];
            first = idx[k - 1];
        }
    free(idx);
    if (worst < 0)
        return PS_OK;
    const ps_obs *a = &s->obs[first], *b = &s->obs[worst];
    char label[256];
    ps_obs_label(s, b, label, sizeof label);
    return ps_error_set(err, PS_ERR_INPUT, "%s:%d:1: duplicate row: %s is already observed at "
                        "%s:%d; expected one row per quantity, actor, target, date and "
                        "transform (combine the sources into one value and sd)", b->file,
                        b->line, label, a->file, a->line);
}

ps_status ps_obs_load(const char *const *paths, int n_paths, const ps_obs_options *opt,
                      ps_obs_set **out, ps_error *err)
{
    *out = NULL;
    const char *cutoff = opt->cutoff ? opt->cutoff : PS_OBS_CUTOFF;
    if (!strcmp(cutoff, "none"))
        cutoff = NULL;
    else if (parse_day(cutoff))
        return ps_error_set(err, PS_ERR_USAGE, "cutoff '%s': expected a date YYYY-MM-DD or "
                            "'none'", cutoff);
    if (n_paths < 1)
        return ps_error_set(err, PS_ERR_USAGE, "no observation file; expected one or more CSV "
                            "files");
    ps_obs_set *s = ps_calloc(1, sizeof *s);
    if (!s)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    s->files = ps_calloc((size_t)n_paths, sizeof *s->files);
    s->iso3 = ps_calloc((size_t)opt->n_actors + 1, sizeof *s->iso3);
    ps_status st = s->files && s->iso3 ? PS_OK : ps_error_set(err, PS_ERR_NOMEM,
                                                              "out of memory");
    s->n_actors = opt->n_actors;
    for (int i = 0; st == PS_OK && i < opt->n_actors; i++)
        snprintf(s->iso3[i], sizeof s->iso3[i], "%s", opt->actors[i]);
    for (int k = 0; st == PS_OK && k < n_paths; k++) {
        if (!(s->files[k] = ps_strdup(paths[k]))) {
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
            break;
        }
        s->n_files++;
        st = load_file(s, paths[k], opt, cutoff, err);
    }
    if (st == PS_OK)
        st = check_duplicates(s, err);
    if (st != PS_OK) {
        ps_obs_free(s);
        return st;
    }
    *out = s;
    return PS_OK;
}

void ps_obs_free(ps_obs_set *s)
{
    if (!s)
        return;
    for (int k = 0; k < s->n; k++)
        free(s->obs[k].source);
    free(s->obs);
    for (int k = 0; k < s->n_files; k++)
        free(s->files[k]);
    free(s->files);
    free(s->iso3);
    free(s);
}

void ps_obs_label(const ps_obs_set *s, const ps_obs *o, char *buf, size_t len)
{
    char d[8];
    if (o->annual)
        snprintf(d, sizeof d, "%04d", o->date.year);
    else
        ps_date_format(o->date, d);
    const ps_field *fd = ps_registry_field(o->field, NULL);
    snprintf(buf, len, "%s %s%s%s %s%s%s", fd->name, s->iso3[o->actor],
             o->target >= 0 ? "->" : "", o->target >= 0 ? s->iso3[o->target] : "", d,
             o->transform ? " " : "", o->transform ? transform_names[o->transform] : "");
}

/* ------------------------------------------------------- model equivalents */
static ps_date first_month(const ps_obs *o)
{
    return o->annual ? (ps_date){o->date.year, 1} : o->date;
}

ps_status ps_obs_months(const ps_obs *o, ps_date start, int n_months, int *first, int *last,
                        ps_error *err)
{
    int lag = o->transform == PS_OBS_ARRIVAL ? 1 : 0; /* sold the month before */
    int m0 = ps_date_diff(first_month(o), start) - lag;
    *first = m0 - (o->transform == PS_OBS_GROWTH ? 12 : 0);
    *last = m0 + (o->annual ? 11 : 0);
    if (*first >= 0 && *last < n_months)
        return PS_OK;
    char a[8], b[8], c[8], d[8];
    ps_date_format(ps_date_add(start, *first), a);
    ps_date_format(ps_date_add(start, *last), b);
    ps_date_format(start, c);
    ps_date_format(ps_date_add(start, n_months - 1), d);
    return ps_error_set(err, PS_ERR_INPUT, "%s:%d:%d: the observation needs the model's %s "
                        "%s%s%s%s, outside the run's span %s to %s; expected an observation "
                        "within the run", o->file ? o->file : "?", o->line, o->date_col,
                        *first == *last ? "month" : "months", a, *first == *last ? "" : " to ",
                        *first == *last ? "" : b,
                        o->transform == PS_OBS_GROWTH    ? " (growth: 12 months before)"
                        : o->transform == PS_OBS_ARRIVAL ? " (arrival: the month before)"
                                                         : "",
                        c, d);
}

static double mean_of(const double *v, int n)
{
    double s = 0.0;
    for (int k = 0; k < n; k++)
        s += v[k];
    return s / n;
}

double ps_obs_equivalent_from(const ps_obs *o, const double *num, const double *den)
{
    int per = o->annual ? 12 : 1, off = o->transform == PS_OBS_GROWTH ? 12 : 0;
    double cur = mean_of(num + off, per), x = cur;
    if (o->transform == PS_OBS_GROWTH) {
        double prev = mean_of(num, per);
        x = prev != 0.0 ? cur / prev - 1.0 : NAN;
    } else if (o->transform == PS_OBS_SHARE) {
        double d = mean_of(den, per);
        x = d != 0.0 ? cur / d : NAN;
    }
    return isfinite(x) ? x : NAN;
}

ps_status ps_obs_equivalents(const ps_obs_set *s, const ps_run *run, double *out,
                             ps_error *err)
{
    const ps_scenario *sc = run->sc;
    int n = sc->n_actors;
    int same = n == s->n_actors;
    for (int i = 0; same && i < n; i++)
        same = !strcmp(sc->actor_iso3[i], s->iso3[i]);
    if (!same)
        return ps_error_set(err, PS_ERR_INPUT, "the observations were checked against other "
                            "actors than the run's (%d vs %d actors); expected them loaded "
                            "with the scenario's actors", s->n_actors, n);
    for (int k = 0; k < s->n; k++) {
        const ps_obs *o = &s->obs[k];
        int first, last;
        ps_status st = ps_obs_months(o, sc->start, run->n_done, &first, &last, err);
        if (st != PS_OK)
            return st;
        const ps_field *fd = ps_registry_field(o->field, NULL);
        size_t size = fd->shape == PS_DYAD ? (size_t)n * n : (size_t)n;
        size_t at0 = fd->shape == PS_DYAD ? (size_t)o->actor * n + o->target : (size_t)o->actor;
        const double *v = run->series[o->field];
        double num[24], den[24];
        for (int t = first; t <= last; t++) {
            const double *m = v + (size_t)t * size;
            num[t - first] = m[at0];
            if (o->transform == PS_OBS_SHARE) {
                const double *row = fd->shape == PS_DYAD ? m + (size_t)o->actor * n : m;
                double sum = 0.0;
                for (int j = 0; j < n; j++)
                    sum += row[j];
                den[t - first] = sum;
            }
        }
        out[k] = ps_obs_equivalent_from(o, num, den);
    }
    return PS_OK;
}

double ps_obs_loglik(const ps_obs_set *s, const double *x)
{
    double ll = 0.0;
    for (int k = 0; k < s->n; k++) {
        if (!isfinite(x[k]))
            return -INFINITY;
        double z = (x[k] - s->obs[k].value) / s->obs[k].sd;
        ll += -0.5 * z * z - log(s->obs[k].sd) - 0.5 * log(2.0 * M_PI);
    }
    return ll;
}

/* ---------------------------------------------------------- run files */
void ps_obs_strings_free(char **v, int n)
{
    ps_h5_strings_free(v, n > 0 ? (hsize_t)n : 0);
}

/* A run file's actors, first month and months; the file stays open in *file. */
static ps_status open_run(const char *path, hid_t *file, char ***iso3, int *n, ps_date *start,
                          int *n_months, ps_error *err)
{
    *iso3 = NULL;
    *n = 0;
    ps_status st = ps_h5_open_checked(path, PS_FORMAT_NAME, 0, file, err);
    if (st != PS_OK)
        return st;
    char incomplete[8];
    if (ps_h5_get_str(*file, "incomplete", incomplete, sizeof incomplete) == 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s: an incomplete run (partial results of a "
                            "failed run); expected a complete run file", path);
    char **dates = NULL;
    hsize_t na = 0, nd = 0;
    if (ps_h5_read_strings(*file, "/actors/iso3", iso3, &na) < 0 || na == 0)
        return ps_h5_refused()[0] ? ps_h5_refusal(err, path)
                                  : ps_error_set(err, PS_ERR_INPUT, "%s: dataset /actors/iso3 "
                                                 "is missing or unreadable; expected a pactsim "
                                                 "run file", path);
    *n = (int)na;
    if (ps_h5_read_strings(*file, "/time/date", &dates, &nd) < 0 || nd == 0 ||
        ps_date_parse(dates[0] ? dates[0] : "", start)) {
        ps_h5_strings_free(dates, nd);
        return ps_h5_refused()[0] ? ps_h5_refusal(err, path)
                                  : ps_error_set(err, PS_ERR_INPUT, "%s: dataset /time/date is "
                                                 "missing or unreadable; expected a pactsim run "
                                                 "file", path);
    }
    *n_months = (int)nd;
    ps_h5_strings_free(dates, nd);
    return PS_OK;
}

ps_status ps_obs_file_actors(const char *run_path, char ***iso3, int *n, ps_date *start,
                             int *n_months, ps_error *err)
{
    hid_t f = -1;
    ps_status st = open_run(run_path, &f, iso3, n, start, n_months, err);
    if (f >= 0)
        H5Fclose(f);
    if (st != PS_OK) {
        ps_obs_strings_free(*iso3, *n);
        *iso3 = NULL;
        *n = 0;
    }
    return st;
}

/* Every replicate and month of one actor field ([R, T, N]: row = -1) or of one
 * row of a dyad field ([R, T, row, N]), as [r][t][j]. */
static ps_status read_slab(hid_t file, const char *path, const ps_obs *o, int row, int N,
                           int T, double **out, int *R, ps_error *err)
{
    const ps_field *fd = ps_registry_field(o->field, NULL);
    int dyad = fd->shape == PS_DYAD;
    char name[PS_NAME_MAX + 32];
    snprintf(name, sizeof name, "/%s/%s", dyad ? "dyad_state" : "actor_state", fd->name);
    *out = NULL;
    if (H5Lexists(file, dyad ? "dyad_state" : "actor_state", H5P_DEFAULT) <= 0 ||
        H5Lexists(file, name, H5P_DEFAULT) <= 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s:%d: %s has no dataset %s; expected a run "
                            "that wrote the variable '%s' (every run does unless its "
                            "output.fields leave it out)", o->file, o->line, path, name,
                            fd->name);
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1;
    int rank = fs >= 0 ? H5Sget_simple_extent_ndims(fs) : -1;
    hsize_t dims[4] = {0, 0, 0, 0};
    if (rank == (dyad ? 4 : 3))
        H5Sget_simple_extent_dims(fs, dims, NULL);
    ps_status st = PS_OK;
    hsize_t n_all;
    /* the extent a damaged file declares must be backed by what it stores; only
     * the slab is read, so the memory check is the allocation's own */
    if (d >= 0 && ps_h5_check_size(d, name, 0, &n_all) < 0)
        st = ps_h5_refusal(err, path);
    else if (rank != (dyad ? 4 : 3) || dims[0] < 1 || dims[0] > 1000000 ||
             dims[1] != (hsize_t)T || dims[2] != (hsize_t)N || (dyad && dims[3] != (hsize_t)N))
        st = ps_error_set(err, PS_ERR_INPUT, "%s: dataset %s has the wrong shape; expected "
                          "[1 to 1000000 replicates, %d months, %d actors%s]", path, name, T, N,
                          dyad ? ", N" : "");
    else {
        *R = (int)dims[0];
        hsize_t start[4] = {0, 0, dyad ? (hsize_t)row : 0, 0};
        hsize_t count[4] = {dims[0], (hsize_t)T, dyad ? 1 : (hsize_t)N, (hsize_t)N};
        hsize_t mdim = dims[0] * (hsize_t)T * (hsize_t)N;
        hid_t ms = H5Screate_simple(1, &mdim, NULL);
        *out = ps_calloc((size_t)mdim + 1, sizeof **out);
        if (!*out)
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory reading %s", name);
        else if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                 H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, *out) < 0)
            st = ps_h5_fail(err, PS_ERR_INPUT, path, "read a state variable");
        H5Sclose(ms);
    }
    if (fs >= 0)
        H5Sclose(fs);
    if (d >= 0)
        H5Dclose(d);
    else
        st = ps_h5_fail(err, PS_ERR_INPUT, path, "open a state variable");
    if (st != PS_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

/* Observations ordered by the slab they read: (field, row of a dyad field). */
static const ps_obs *slab_base;
static int slab_cmp(const void *x, const void *y)
{
    const ps_obs *a = &slab_base[*(const int *)x], *b = &slab_base[*(const int *)y];
    int ra = ps_registry_field(a->field, NULL)->shape == PS_DYAD ? a->actor : -1;
    int rb = ps_registry_field(b->field, NULL)->shape == PS_DYAD ? b->actor : -1;
    if (a->field != b->field)
        return a->field < b->field ? -1 : 1;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return (*(const int *)x > *(const int *)y) - (*(const int *)x < *(const int *)y);
}

ps_status ps_obs_read_equivalents(const char *run_path, const ps_obs_set *s, const char *use,
                                  double **out, int *replicates, ps_error *err)
{
    *out = NULL;
    *replicates = 0;
    hid_t file = -1;
    char **iso3 = NULL;
    int N = 0, T = 0;
    ps_date start;
    ps_status st = open_run(run_path, &file, &iso3, &N, &start, &T, err);
    int same = st == PS_OK && N == s->n_actors;
    for (int i = 0; same && i < N; i++)
        same = iso3[i] && !strcmp(iso3[i], s->iso3[i]);
    if (st == PS_OK && !same)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: the observations were checked against other "
                          "actors than the run's; expected them loaded with the file's actors "
                          "(ps_obs_file_actors)", run_path);
    ps_obs_strings_free(iso3, N);
    int *idx = ps_calloc((size_t)s->n + 1, sizeof *idx), n_use = 0;
    if (st == PS_OK && !idx)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    /* every observation in the span first, so that an error never follows a long read */
    for (int k = 0; st == PS_OK && k < s->n; k++) {
        int first, last;
        if (use && !use[k])
            continue;
        st = ps_obs_months(&s->obs[k], start, T, &first, &last, err);
        idx[n_use++] = k;
    }
    slab_base = s->obs;
    if (st == PS_OK)
        qsort(idx, (size_t)n_use, sizeof *idx, slab_cmp);
    double *slab = NULL, *res = NULL;
    int R = 0, cur_field = -1, cur_row = -2;
    for (int u = 0; st == PS_OK && u < n_use; u++) {
        const ps_obs *o = &s->obs[idx[u]];
        int dyad = ps_registry_field(o->field, NULL)->shape == PS_DYAD;
        int row = dyad ? o->actor : -1;
        if (o->field != cur_field || row != cur_row) {
            free(slab);
            int r2 = 0;
            st = read_slab(file, run_path, o, row, N, T, &slab, &r2, err);
            if (st != PS_OK)
                break;
            if (!res) {
                R = r2;
                res = ps_calloc((size_t)s->n * (size_t)R + 1, sizeof *res);
                if (!res) {
                    st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
                    break;
                }
                for (size_t q = 0; q < (size_t)s->n * (size_t)R; q++)
                    res[q] = NAN;
            } else if (r2 != R) {
                st = ps_error_set(err, PS_ERR_INPUT, "%s: state variables with %d and %d "
                                  "replicates; expected the same in every dataset", run_path,
                                  R, r2);
                break;
            }
            cur_field = o->field;
            cur_row = row;
        }
        int first, last, col = dyad ? o->target : o->actor;
        ps_obs_months(o, start, T, &first, &last, err);
        for (int r = 0; r < R; r++) {
            double num[24], den[24];
            for (int t = first; t <= last; t++) {
                const double *m = slab + ((size_t)r * T + t) * N;
                num[t - first] = m[col];
                double sum = 0.0;
                for (int j = 0; o->transform == PS_OBS_SHARE && j < N; j++)
                    sum += m[j];
                den[t - first] = sum;
            }
            res[(size_t)idx[u] * R + r] = ps_obs_equivalent_from(o, num, den);
        }
    }
    free(slab);
    free(idx);
    if (st == PS_OK && !res) { /* nothing read: the replicates from the provenance */
        long long r64 = 0;
        hid_t g = H5Lexists(file, "provenance", H5P_DEFAULT) > 0
                      ? H5Gopen2(file, "provenance", H5P_DEFAULT) : -1;
        if (g >= 0) {
            ps_h5_get_i64(g, "replicates", &r64);
            H5Gclose(g);
        }
        R = r64 > 0 && r64 < INT32_MAX ? (int)r64 : 0;
        if (!(res = ps_calloc((size_t)s->n * (size_t)R + 1, sizeof *res)))
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        for (size_t q = 0; res && q < (size_t)s->n * (size_t)R; q++)
            res[q] = NAN;
    }
    if (file >= 0)
        H5Fclose(file);
    if (st != PS_OK) {
        free(res);
        return st;
    }
    *out = res;
    *replicates = R;
    return PS_OK;
}
