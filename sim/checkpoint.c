/* Checkpoints of a run: "<output>.partial/", one file per finished replicate.
 *
 * The HDF5 output of a run is written under a temporary name and is useless
 * if the process dies; the checkpoints are what `pactsim run --resume` starts
 * from. Each holds a replicate exactly as the output will: its state chunks
 * already shuffled and deflated (ps_packed), its metrics and its events, so a
 * resumed run writes the same datasets as an uninterrupted one and spends no
 * time recompressing. A checkpoint is written under a temporary name and
 * renamed, and ends with a CRC-32 of all its bytes: a file cut short or
 * damaged (a power loss before the page cache reached the disk) fails the
 * check and its replicate is computed again. No fsync: a killed process
 * loses nothing the kernel has, and the CRC covers the rest.
 *
 * The directory holds "spec" (the hash of the resolved scenario and of the
 * build, which a resume must match) and "lock" (flock: one process at a time).
 *
 * A sweep keeps the segments of its unfinished runs (below) here too, in a
 * directory of its own beside its FILE.partial (ps_ckpt_open_segments): the
 * same files, the same code, keyed by the sweep's spec hash and the run's
 * index instead of the scenario's hash and the replicate. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>

#include "internal.h"

#define CKPT_MAGIC PS_CKPT_MAGIC
#define CKPT_ORDER 0x01020304u /* byte order of the machine that wrote it */
#define CKPT_EXT ".ckpt"

struct ps_ckpt {
    const ps_scenario *sc; /* the shape: actors, months (a sweep's base scenario) */
    const char *output;
    const char *what;      /* "run" or "sweep" (messages, the spec file) */
    const char *unit;      /* file names: "rep" (a run's replicates) or "run" (a sweep's runs) */
    int width;             /* digits of the unit's index in file names */
    int n_units;           /* replicates, or a sweep's runs */
    unsigned char *series; /* per output field: segments carry its series (NULL: all) */
    char *dir;
    uint64_t hash;
    int lock_fd;
    char *saved;   /* per unit: a checkpoint file exists */
    int n_saved;   /* when opened */
    char *seg;     /* per unit: mid-run segments exist */
    int n_midrun;  /* units with segments (atomic) */
};

/* The fixed part of a checkpoint file; then metrics (double), events,
 * chunk table, chunk data, CRC-32 (uint32) of everything before it. */
typedef struct {
    char magic[8];
    uint32_t order;
    int32_t replicate, n_months, n_metrics, n_events, n_chunks;
    uint64_t hash, data_bytes;
} ckpt_header;

typedef struct {
    int32_t f, pad;
    uint64_t t0, len;
} ckpt_chunk;

/* ------------------------------------------------------ mid-run checkpoints */
/* An unfinished replicate is saved as a chain of segments
 * "rep-NNNNNNN.mFFFFFFF-TTTTTTT.seg" (a sweep's run k:
 * "run-KKKKKKKKKK.mFFFFFFF-TTTTTTT.seg"): segment [F, T) holds the output
 * fields' series of months F..T-1 (of the fields c->series names: a sweep
 * keeping no series saves those its metrics read), then the state a world has when month T
 * is next (every field's cur, internal ones too; ps_world_restore), then the
 * events logged before month T, then a CRC-32 of all bytes before it. The
 * chain starts at month 0 and each segment starts where the last ended, so a
 * save writes only the months since the previous one (a whole run's saves
 * write about as much as its output) and --checkpoint-every may change
 * between resumes. The replicate continues from the end of the longest
 * chain of good segments; a damaged one is removed with those after it. */
#define SEG_MAGIC "PSSEG01"
#define SEG_EXT ".seg"

typedef struct {
    char magic[8];
    uint32_t order;
    int32_t replicate, from, to, n_state, n_events, pad;
    uint64_t hash, month_values, state_values; /* output values a month; all state values */
} seg_header;

/* Is output field f's series in the segments? */
static int seg_has_series(const ps_ckpt *c, int f)
{
    return f < ps_registry_n_fields() && (!c->series || c->series[f]);
}

/* Values a month of f's series in the segments: the pairs the metrics name
 * (PS_SERIES_PAIRS), or the whole field. */
static size_t seg_width(const ps_ckpt *c, const ps_world *w, int f)
{
    if (c->series && c->series[f] == PS_SERIES_PAIRS)
        return (size_t)ps_run_kept_pairs(c->sc, f, NULL);
    return ps_field_size(w, f);
}

/* Rows of f's series in segment [from, to): one a month, or, for a field
 * kept at its ends, month 0 in the first segment (segments end before the
 * last month, whose row the run writes after the last save). */
static size_t seg_rows(const ps_ckpt *c, int f, int from, int to)
{
    if (c->series && c->series[f] == PS_SERIES_ENDS)
        return from == 0 && to > 0;
    return (size_t)(to - from);
}

/* Values per month of the series saved (ends: the fields kept at their
 * first and last months, whose month 0 the first segment holds), and of
 * the whole state. */
static void seg_values(const ps_ckpt *c, const ps_world *w, uint64_t *month_values,
                       uint64_t *ends, uint64_t *state_values)
{
    *month_values = *ends = *state_values = 0;
    for (int f = 0; f < w->n_fields; f++) {
        *state_values += ps_field_size(w, f);
        if (!seg_has_series(c, f))
            continue;
        if (c->series && c->series[f] == PS_SERIES_ENDS)
            *ends += seg_width(c, w, f);
        else
            *month_values += seg_width(c, w, f);
    }
}

/* The run keeps every series the segments hold, as they hold it (a sweep
 * gives both the same mask). */
static ps_status seg_match(const ps_ckpt *c, const ps_world *w, const ps_run *run,
                           ps_error *err)
{
    for (int f = 0; f < ps_registry_n_fields(); f++)
        if (seg_has_series(c, f) &&
            (!run->series[f] || ps_run_series_width(run, f) != seg_width(c, w, f)))
            return ps_error_set(err, PS_ERR_INTERNAL, "the run keeps the series of %s otherwise "
                                "than its checkpoint segments", ps_registry_field(f, NULL)->name);
    return PS_OK;
}

static void seg_name(const ps_ckpt *c, char *buf, size_t len, int r, int from, int to)
{
    snprintf(buf, len, "%s-%0*d.m%07d-%07d" SEG_EXT, c->unit, c->width, r, from, to);
}

/* Parse a segment's name: 1 with its unit and months, else 0 (only the
 * name seg_name gives them). */
static int seg_parse(const ps_ckpt *c, const char *n, int *r, int *from, int *to)
{
    size_t u = strlen(c->unit);
    char again[96];
    if (strncmp(n, c->unit, u) || n[u] != '-' || strlen(n) >= sizeof again ||
        sscanf(n + u + 1, "%d.m%d-%d", r, from, to) != 3 || *r < 0 || *from < 0 || *to < 0)
        return 0;
    seg_name(c, again, sizeof again, *r, *from, *to);
    return !strcmp(again, n);
}

/* What a checkpoint also depends on: the build and the field (internal
 * ones too) and metric tables, whose indices are in the files. */
static uint64_t build_hash(uint64_t h)
{
    h = ps_fnv1a(h, PS_VERSION, strlen(PS_VERSION) + 1);
    const char *rev = ps_build_git_revision();
    h = ps_fnv1a(h, rev, strlen(rev) + 1);
    for (int f = 0; f < ps_registry_n_state(); f++) {
        const char *n = ps_registry_field(f, NULL)->name;
        h = ps_fnv1a(h, n, strlen(n) + 1);
    }
    for (int m = 0; m < ps_registry_n_metrics(); m++) {
        const char *n = ps_registry_metric(m, NULL)->name;
        h = ps_fnv1a(h, n, strlen(n) + 1);
    }
    return h;
}

uint64_t ps_run_spec_hash(const ps_scenario *sc)
{
    uint64_t h = PS_FNV_BASIS;
    h = ps_fnv1a(h, sc->resolved_text, strlen(sc->resolved_text) + 1);
    h = build_hash(h);
    /* run --posterior: the samples and weights the replicates draw from. */
    if (sc->posterior)
        h = ps_fnv1a(h, &sc->posterior->hash, sizeof sc->posterior->hash);
    return h;
}

static char *path_in(const ps_ckpt *c, const char *name)
{
    char *p = malloc(strlen(c->dir) + strlen(name) + 2);
    if (p)
        sprintf(p, "%s/%s", c->dir, name);
    return p;
}

/* Remove every file of the directory, then the directory (keeping the lock
 * file to the last, so that no other process can take the directory over). */
static void remove_dir(ps_ckpt *c)
{
    DIR *dp = opendir(c->dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "lock"))
            continue;
        char *p = path_in(c, e->d_name);
        if (p)
            unlink(p);
        free(p);
    }
    if (dp)
        closedir(dp);
    char *lock = path_in(c, "lock");
    if (lock)
        unlink(lock);
    free(lock);
    rmdir(c->dir);
}

static ps_status write_spec(ps_ckpt *c, ps_error *err)
{
    char *spec = path_in(c, "spec"), *tmp = path_in(c, "spec.tmp");
    ps_status st = PS_OK;
    int fd = spec && tmp ? ps_out_create_excl(tmp) : -1;
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0 && !fp)
        close(fd);
    if (!spec || !tmp)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    else if (!fp)
        st = ps_error_set(err, PS_ERR_IO, "%s: cannot write checkpoint file %s: %s",
                          c->output, tmp, strerror(errno));
    if (fp) {
        fprintf(fp, "pactsim %s checkpoints\nspec_hash %016llx\nscenario %s\n%s %d\n"
                "pactsim %s (git %s)\n", c->what, (unsigned long long)c->hash, c->sc->name,
                strcmp(c->unit, "rep") ? "runs" : "replicates", c->n_units, PS_VERSION,
                ps_build_git_revision());
        int bad = fflush(fp) != 0 || ferror(fp);
        int e = errno;
        bad |= fclose(fp) != 0;
        if (bad || rename(tmp, spec) < 0)
            st = ps_error_set(err, PS_ERR_IO, "%s: cannot write checkpoint file %s: %s",
                              c->output, tmp, strerror(bad ? e : errno));
        if (st != PS_OK)
            unlink(tmp);
    }
    free(spec);
    free(tmp);
    return st;
}

/* The spec hash a directory was created for; 0 if it has none yet. */
static uint64_t read_spec(const ps_ckpt *c)
{
    char *spec = path_in(c, "spec"), line[256];
    unsigned long long h = 0;
    const char *kind;
    int fd = spec ? ps_open_regular(spec, 1, &kind) : -1;
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!fp && fd >= 0)
        close(fd);
    while (fp && fgets(line, sizeof line, fp))
        if (sscanf(line, "spec_hash %llx", &h) == 1)
            break;
    if (fp)
        fclose(fp);
    free(spec);
    return (uint64_t)h;
}

static ps_status take_lock(ps_ckpt *c, ps_error *err)
{
    char *lock = path_in(c, "lock");
    if (!lock)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    c->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    ps_status st = PS_OK;
    if (c->lock_fd < 0)
        st = ps_error_set(err, PS_ERR_IO, "%s: cannot open: %s", lock, strerror(errno));
    else if (flock(c->lock_fd, LOCK_EX | LOCK_NB) < 0)
        st = errno == EWOULDBLOCK
                 ? ps_error_set(err, PS_ERR_EXISTS, "%s: another pactsim process is running "
                                "into this output; wait for it or stop it", c->dir)
                 : ps_error_set(err, PS_ERR_IO, "%s: cannot lock: %s", lock, strerror(errno));
    free(lock);
    return st;
}

/* Note the checkpoints present; remove temporary files of dead writers. */
static void scan(ps_ckpt *c)
{
    DIR *dp = opendir(c->dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        const char *n = e->d_name;
        int r, used = 0, from, to;
        if (strstr(n, ".tmp")) { /* we hold the lock: no one else is writing */
            char *p = path_in(c, n);
            if (p)
                unlink(p);
            free(p);
        } else if (sscanf(n, "rep-%7d%n", &r, &used) == 1 && !strcmp(n + used, CKPT_EXT) &&
                   used == 11 && r >= 0 && r < c->n_units && !c->saved[r]) {
            c->saved[r] = 1;
            c->n_saved++;
        } else if (seg_parse(c, n, &r, &from, &to) && r < c->n_units && !c->seg[r]) {
            c->seg[r] = 1;
            c->n_midrun++;
        }
    }
    if (dp)
        closedir(dp);
}

void ps_ckpt_close(ps_ckpt *c, int keep)
{
    if (!c)
        return;
    if (!keep && c->dir)
        remove_dir(c);
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    free(c->dir);
    free(c->saved);
    free(c->seg);
    free(c->series);
    free(c);
}

/* A new ps_ckpt of n units named `unit`, in dir (NULL: "<output>.partial"). */
static ps_ckpt *ckpt_new(const char *output, const char *dir, const ps_scenario *sc,
                         const char *what, const char *unit, int width, int n_units)
{
    ps_ckpt *c = ps_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->sc = sc;
    c->output = output;
    c->what = what;
    c->unit = unit;
    c->width = width;
    c->n_units = n_units;
    c->lock_fd = -1;
    c->dir = malloc((dir ? strlen(dir) : strlen(output)) + 16);
    c->saved = ps_calloc((size_t)n_units + 1, 1);
    c->seg = ps_calloc((size_t)n_units + 1, 1);
    if (!c->dir || !c->saved || !c->seg) {
        ps_ckpt_close(c, 1);
        return NULL;
    }
    if (dir)
        strcpy(c->dir, dir);
    else
        sprintf(c->dir, "%s.partial", output);
    return c;
}

static ps_status ckpt_start(ps_ckpt *c, int resume, int force, ps_ckpt **out, ps_error *err);

/* c->series: a copy of series (NULL: all); 0 when out of memory (c closed). */
static int ckpt_series(ps_ckpt *c, const unsigned char *series)
{
    int nf = ps_registry_n_fields();
    if (c && series && (c->series = malloc((size_t)nf + 1)))
        memcpy(c->series, series, (size_t)nf);
    if (!c || (series && !c->series)) {
        ps_ckpt_close(c, 1);
        return 0;
    }
    return 1;
}

ps_status ps_ckpt_open(const char *output, const ps_scenario *sc, const unsigned char *series,
                       int resume, int force, ps_ckpt **out, ps_error *err)
{
    *out = NULL;
    ps_ckpt *c = ckpt_new(output, NULL, sc, "run", "rep", 7, sc->replicates);
    if (!ckpt_series(c, series))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    c->hash = ps_run_spec_hash(sc);
    return ckpt_start(c, resume, force, out, err);
}

ps_status ps_ckpt_open_segments(const char *dir, const char *output, uint64_t hash,
                                int n_units, const ps_scenario *sc,
                                const unsigned char *series, int resume, int force,
                                ps_ckpt **out, ps_error *err)
{
    *out = NULL;
    ps_ckpt *c = ckpt_new(output, dir, sc, "sweep", "run", 10, n_units);
    if (!ckpt_series(c, series))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    /* The sweep's hash covers its spec, points and version; the build's
     * tables are in the segments too. */
    c->hash = build_hash(ps_fnv1a(PS_FNV_BASIS, &hash, sizeof hash));
    return ckpt_start(c, resume, force, out, err);
}

/* Create c's directory, or with resume reuse one of the same hash; force
 * starts over. Takes c (closed on failure). */
static ps_status ckpt_start(ps_ckpt *c, int resume, int force, ps_ckpt **out, ps_error *err)
{
    int run = !strcmp(c->what, "run");
    struct stat st;
    ps_status s = PS_OK;
    if (stat(c->dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            s = ps_error_set(err, PS_ERR_EXISTS, "%s: exists and is not a %s's checkpoint "
                             "directory%s; move it away or write elsewhere", c->dir, c->what,
                             run ? " (a sweep's partial file?)" : "");
        } else if ((s = take_lock(c, err)) != PS_OK) {
        } else if (!resume && !force) {
            s = ps_error_set(err, PS_ERR_EXISTS, "%s: an interrupted %s exists; use --resume "
                             "to continue it or --force to start over", c->dir, c->what);
        } else if (resume) {
            uint64_t h = read_spec(c);
            if (h == 0) /* killed while creating it: start afresh */
                s = write_spec(c, err);
            else if (h != c->hash)
                s = ps_error_set(err, PS_ERR_EXISTS, "%s: was started with another %s or "
                                 "pactsim build (spec hash %016llx, now %016llx); use --force "
                                 "to start over", c->dir,
                                 run ? "scenario, seed, replicate count" : "spec, base scenario",
                                 (unsigned long long)h, (unsigned long long)c->hash);
            if (s == PS_OK)
                scan(c);
        } else { /* --force: start over in the same directory, lock held */
            remove_dir(c);
            close(c->lock_fd);
            c->lock_fd = -1;
            goto create;
        }
        if (s != PS_OK) {
            ps_ckpt_close(c, 1);
            return s;
        }
        *out = c;
        return PS_OK;
    }
create:
    if (mkdir(c->dir, 0777) < 0) {
        s = ps_error_set(err, errno == EEXIST ? PS_ERR_EXISTS : PS_ERR_IO,
                         "%s: cannot create the checkpoint directory: %s", c->dir,
                         strerror(errno));
        ps_ckpt_close(c, 1);
        return s;
    }
    s = take_lock(c, err);
    if (s == PS_OK)
        s = write_spec(c, err);
    if (s != PS_OK) {
        ps_ckpt_close(c, 0);
        return s;
    }
    *out = c;
    return PS_OK;
}

const char *ps_ckpt_dir(const ps_ckpt *c) { return c->dir; }
int ps_ckpt_n_saved(const ps_ckpt *c) { return c->n_saved; }
int ps_ckpt_has(const ps_ckpt *c, int r) { return r >= 0 && r < c->n_units && c->saved[r]; }

/* fwrite that keeps a running CRC. */
static int put(FILE *fp, uint32_t *crc, const void *b, size_t n)
{
    *crc = libdeflate_crc32(*crc, b, n);
    return fwrite(b, 1, n, fp) == n ? 0 : -1;
}

/* Events field by field: no uninitialised padding or name tail. */
static int put_events(FILE *fp, uint32_t *crc, const ps_event *events, int n)
{
    int bad = 0;
    for (int e = 0; e < n && !bad; e++) {
        ps_event ev;
        memset(&ev, 0, sizeof ev);
        ev.month = events[e].month;
        ev.type = events[e].type;
        ev.source = events[e].source;
        ev.target = events[e].target;
        ev.magnitude = events[e].magnitude;
        memcpy(ev.id, events[e].id, strnlen(events[e].id, sizeof ev.id - 1));
        bad |= put(fp, crc, &ev, sizeof ev);
    }
    return bad;
}

/* Events read back: their indices are used as such. NULL if all are in range
 * (na actors: the world's, which a sweep's point may change). */
static const char *events_check(int na, ps_event *ev, int n, int months)
{
    int nt = ps_registry_n_event_types();
    for (int e = 0; e < n; e++) {
        ev[e].id[sizeof ev[e].id - 1] = '\0';
        if (ev[e].month < 0 || ev[e].month >= months || ev[e].type < 0 || ev[e].type >= nt ||
            ev[e].source < -1 || ev[e].source >= na || ev[e].target < -1 || ev[e].target >= na)
            return "an event out of range";
    }
    return NULL;
}

/* Create "<dir>/<name>.tmp.<pid>" exclusively: *path and *tmp are the final
 * and temporary names (to free), *fp NULL if it could not be created (errno).
 * PS_ERR_NOMEM if the names could not be made. */
static ps_status open_tmp(const ps_ckpt *c, const char *name, char **path, char **tmp,
                          FILE **fp)
{
    char tmpname[96];
    snprintf(tmpname, sizeof tmpname, "%s.tmp.%ld", name, (long)getpid());
    *path = path_in(c, name);
    *tmp = path_in(c, tmpname);
    *fp = NULL;
    if (!*path || !*tmp) {
        free(*path);
        free(*tmp);
        return PS_ERR_NOMEM;
    }
    int fd = ps_out_create_excl(*tmp);
    *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (fd >= 0 && !*fp)
        close(fd);
    return PS_OK;
}

/* The CRC, then close; rename tmp to path if all went well, else remove it. */
static ps_status publish(FILE *fp, int bad, uint32_t crc, const char *tmp, const char *path,
                         ps_error *err)
{
    if (fp) {
        uint32_t sum = (uint32_t)crc;
        bad |= !bad && fwrite(&sum, sizeof sum, 1, fp) != 1;
        bad |= fflush(fp) != 0;
    }
    int e = errno;
    if (fp && fclose(fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) < 0) {
        bad = 1;
        e = errno;
    }
    if (!bad)
        return PS_OK;
    unlink(tmp);
    return ps_error_set(err, PS_ERR_IO, "cannot write checkpoint %s: %s", path, strerror(e));
}

ps_status ps_ckpt_save(ps_ckpt *c, const ps_run *run, const ps_packed *p, ps_error *err)
{
    char name[64], *path, *tmp;
    int r = run->replicate, nm = ps_registry_n_metrics();
    snprintf(name, sizeof name, "rep-%07d" CKPT_EXT, r);
    FILE *fp;
    if (open_tmp(c, name, &path, &tmp, &fp) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    int bad = !fp;
    uint32_t crc = 0;
    if (fp) {
        ckpt_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, CKPT_MAGIC, sizeof CKPT_MAGIC);
        h.order = CKPT_ORDER;
        h.replicate = r;
        h.n_months = run->n_months;
        h.n_metrics = nm;
        h.n_events = run->n_events;
        h.n_chunks = p->n;
        h.hash = c->hash;
        h.data_bytes = p->used;
        bad |= put(fp, &crc, &h, sizeof h);
        bad |= put(fp, &crc, run->metrics, (size_t)nm * sizeof(double));
        bad |= put_events(fp, &crc, run->events, run->n_events);
        for (int k = 0; k < p->n && !bad; k++) {
            ckpt_chunk ch = {p->ch[k].f, 0, p->ch[k].t0, p->ch[k].len};
            bad |= put(fp, &crc, &ch, sizeof ch);
        }
        for (int k = 0; k < p->n && !bad; k++)
            bad |= put(fp, &crc, p->buf + p->ch[k].off, p->ch[k].len);
    }
    ps_status st = publish(fp, bad, crc, tmp, path, err);
    free(path);
    free(tmp);
    return st;
}

/* The largest checkpoint this run can write: its metrics, its events (at
 * most what the memory check allowed for), the chunk table, and the chunks
 * deflated at worst (deflate's bound: +0.1% and a few bytes a chunk). */
static uint64_t ckpt_max_bytes(const ps_ckpt *c, int n_chunks)
{
    uint64_t E, raw;
    ps_state_values(c->sc, &E); /* the run's size check kept these within 64 bits */
    raw = E * (uint64_t)c->sc->n_months * sizeof(double);
    uint64_t max = sizeof(ckpt_header) + 4 + raw + raw / 256 +
                   (uint64_t)n_chunks * (sizeof(ckpt_chunk) + 64) +
                   (uint64_t)ps_registry_n_metrics() * sizeof(double);
    /* events: a quarter of the memory this process may use */
    return max + ps_memory_limit(NULL) / 4;
}

ps_status ps_ckpt_load(const ps_ckpt *c, const ps_output *o, int r, ps_run *run,
                       ps_packed **pp, ps_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "rep-%07d" CKPT_EXT, r);
    char *path = path_in(c, name);
    if (!path)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    ps_packed *p = *pp;
    if (!p && !(p = *pp = ps_calloc(1, sizeof *p))) {
        free(path);
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    }
    ps_status st = PS_OK;
    const char *why = NULL, *kind = NULL;
    char whybuf[160];
    /* Not a FIFO (a read would block), device or link: our own regular file. */
    int fd = ps_open_regular(path, 1, &kind);
    struct stat sb;
    size_t size = 0;
    int nm = ps_registry_n_metrics();
    ckpt_header h;
    uint32_t sum = 0;
    /* The chunks must be exactly those ps_output_pack makes: every chunk of
     * every field in the file. */
    int expected = 0;
    for (int f = 0; f < ps_registry_n_fields(); f++) {
        unsigned long long tc = ps_output_chunk_months(o, f);
        if (tc)
            expected += (int)((c->sc->n_months + tc - 1) / tc);
    }
    if (fd < 0 || fstat(fd, &sb) < 0) {
        if (kind)
            snprintf(whybuf, sizeof whybuf, "it is %s", kind);
        why = kind ? whybuf : strerror(errno);
    } else if ((uint64_t)sb.st_size < sizeof h + sizeof sum) {
        why = "too short";
    } else if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        why = "cannot read its header";
    } else if (memcmp(h.magic, CKPT_MAGIC, sizeof CKPT_MAGIC) || h.order != CKPT_ORDER) {
        why = "not a checkpoint of this kind of machine";
    } else if (h.hash != c->hash || h.replicate != r || h.n_months != c->sc->n_months ||
               h.n_metrics != nm || h.n_events < 0 || h.n_chunks < 0) {
        why = "of another run";
    } else if (h.n_chunks != expected) {
        why = "wrong number of chunks";
    } else {
        /* Before allocating: the size the header implies must be the file's,
         * and within what this run can produce (a damaged or sparse 60 GB
         * file would otherwise be read whole, every time). */
        uint64_t need = sizeof h + (uint64_t)nm * sizeof(double) + sizeof sum, x, max;
        int over = __builtin_mul_overflow((uint64_t)h.n_events, sizeof(ps_event), &x) ||
                   __builtin_add_overflow(need, x, &need) ||
                   __builtin_add_overflow(need, (uint64_t)h.n_chunks * sizeof(ckpt_chunk),
                                          &need) ||
                   __builtin_add_overflow(need, h.data_bytes, &need);
        max = ckpt_max_bytes(c, expected);
        if ((uint64_t)sb.st_size > max) {
            snprintf(whybuf, sizeof whybuf, "%llu bytes, more than a checkpoint of this run "
                     "can hold (%llu)", (unsigned long long)sb.st_size,
                     (unsigned long long)max);
            why = whybuf;
        } else if (over || need != (uint64_t)sb.st_size) {
            why = "inconsistent sizes";
        } else {
            size = (size_t)sb.st_size;
        }
    }
    if (!why && size > p->cap) {
        unsigned char *b = realloc(p->buf, size);
        if (!b)
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        else
            p->buf = b, p->cap = size;
    }
    size_t got = 0;
    ssize_t rd = 1;
    while (st == PS_OK && !why && got < size && (rd = pread(fd, p->buf + got, size - got,
                                                             (off_t)got)) > 0)
        got += (size_t)rd;
    if (st == PS_OK && !why && got < size)
        why = rd < 0 ? strerror(errno) : "shorter than its size";
    if (fd >= 0)
        close(fd);
    /* Check everything before trusting any of it. */
    if (st == PS_OK && !why) {
        memcpy(&sum, p->buf + size - sizeof sum, sizeof sum);
        if ((uint32_t)libdeflate_crc32(0, p->buf, size - sizeof sum) != sum)
            why = "CRC mismatch (damaged or cut short)";
    }
    size_t off_ev = sizeof h + (size_t)nm * sizeof(double);
    size_t off_ch = 0, off_data = 0;
    if (st == PS_OK && !why) {
        off_ch = off_ev + (size_t)h.n_events * sizeof(ps_event);
        off_data = off_ch + (size_t)h.n_chunks * sizeof(ckpt_chunk);
        if (off_data > size || h.data_bytes != size - sizeof sum - off_data)
            why = "inconsistent sizes";
    }
    if (st == PS_OK && !why && h.n_chunks > p->cap_ch) {
        ps_packed_chunk *ch = realloc(p->ch, (size_t)h.n_chunks * sizeof *ch);
        if (!ch)
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        else
            p->ch = ch, p->cap_ch = h.n_chunks;
    }
    /* Each chunk of the table within the data. */
    size_t data = off_data;
    for (int k = 0; st == PS_OK && !why && k < h.n_chunks; k++) {
        ckpt_chunk ch;
        memcpy(&ch, p->buf + off_ch + (size_t)k * sizeof ch, sizeof ch);
        unsigned long long tc = ch.f >= 0 && ch.f < ps_registry_n_fields()
                                    ? ps_output_chunk_months(o, ch.f) : 0;
        if (!tc || ch.t0 % tc || ch.t0 >= (uint64_t)c->sc->n_months || ch.len == 0 ||
            ch.len > size - sizeof sum - data)
            why = "bad chunk table";
        else
            p->ch[k] = (ps_packed_chunk){ch.f, ch.t0, data, (size_t)ch.len};
        data += (size_t)ch.len;
    }
    if (st == PS_OK && !why) {
        ps_event *ev = h.n_events ? malloc((size_t)h.n_events * sizeof *ev) : NULL;
        if (h.n_events && !ev) {
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
        } else {
            if (h.n_events)
                memcpy(ev, p->buf + off_ev, (size_t)h.n_events * sizeof *ev);
            why = events_check(c->sc->n_actors, ev, h.n_events, c->sc->n_months);
        }
        if (st != PS_OK || why) {
            free(ev);
        } else {
            free(run->events);
            run->events = ev;
            run->n_events = h.n_events;
            memcpy(run->metrics, p->buf + sizeof h, (size_t)nm * sizeof(double));
            run->replicate = r;
            run->n_months = run->n_done = c->sc->n_months;
            p->replicate = r;
            p->n = h.n_chunks;
            p->used = (size_t)h.data_bytes;
        }
    }
    if (st == PS_OK && why)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: checkpoint not usable: %s", path, why);
    if (st == PS_ERR_INPUT)
        unlink(path); /* computed again, and saved anew */
    free(path);
    return st;
}
int ps_ckpt_n_midrun(const ps_ckpt *c)
{
    int n;
#pragma omp atomic read
    n = c->n_midrun;
    return n;
}

ps_status ps_ckpt_save_midrun(ps_ckpt *c, int r, const ps_world *w, const ps_run *run,
                              int from, ps_error *err)
{
    int to = w->month;
    char name[96], *path, *tmp;
    ps_status sm = seg_match(c, w, run, err);
    if (sm != PS_OK)
        return sm;
    if (r < 0 || r >= c->n_units)
        return ps_error_set(err, PS_ERR_INPUT, "segment of unit %d of %d", r, c->n_units);
    seg_name(c, name, sizeof name, r, from, to);
    FILE *fp;
    if (open_tmp(c, name, &path, &tmp, &fp) != PS_OK)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    int bad = !fp;
    uint32_t crc = 0;
    if (fp) {
        seg_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, SEG_MAGIC, sizeof SEG_MAGIC);
        h.order = CKPT_ORDER;
        h.replicate = r;
        h.from = from;
        h.to = to;
        h.n_state = w->n_fields;
        h.n_events = w->n_log;
        h.hash = c->hash;
        uint64_t ends;
        seg_values(c, w, &h.month_values, &ends, &h.state_values);
        bad |= put(fp, &crc, &h, sizeof h);
        for (int f = 0; f < ps_registry_n_fields() && !bad; f++) {
            size_t rows = seg_has_series(c, f) ? seg_rows(c, f, from, to) : 0;
            if (rows > 0)
                bad |= put(fp, &crc, ps_run_series_month(run, f, from),
                           rows * seg_width(c, w, f) * sizeof(double));
        }
        for (int f = 0; f < w->n_fields && !bad; f++)
            bad |= put(fp, &crc, w->cur[f], ps_field_size(w, f) * sizeof(double));
        bad |= put_events(fp, &crc, w->log, w->n_log);
    }
    ps_status st = publish(fp, bad, crc, tmp, path, err);
    if (st == PS_OK && !c->seg[r]) {
        c->seg[r] = 1;
#pragma omp atomic
        c->n_midrun++;
    }
    free(path);
    free(tmp);
    return st;
}

/* Remove unit r's segments starting at month `from` or later. */
static void seg_remove(ps_ckpt *c, int r, int from)
{
    DIR *dp = opendir(c->dir);
    struct dirent *e;
    int rr, f, t;
    while (dp && (e = readdir(dp)))
        if (seg_parse(c, e->d_name, &rr, &f, &t) && rr == r && f >= from) {
            char *p = path_in(c, e->d_name);
            if (p)
                unlink(p);
            free(p);
        }
    if (dp)
        closedir(dp);
    if (from == 0 && c->seg[r]) {
        c->seg[r] = 0;
#pragma omp atomic
        c->n_midrun--;
    }
}

void ps_ckpt_remove_midrun(ps_ckpt *c, int r)
{
    if (r >= 0 && r < c->n_units && c->seg[r])
        seg_remove(c, r, 0);
}

/* Read segment [from, to) of replicate r whole and check it; NULL and *why
 * if it is not usable. */
static unsigned char *seg_read(const ps_ckpt *c, const ps_world *w, const char *path, int r,
                               int from, int to, seg_header *h, const char **why)
{
    const char *kind = NULL;
    int fd = ps_open_regular(path, 1, &kind);
    struct stat sb;
    uint64_t mv, ev, sv, need = 0, x = 0;
    seg_values(c, w, &mv, &ev, &sv);
    unsigned char *buf = NULL;
    *why = NULL;
    if (fd < 0 || fstat(fd, &sb) < 0)
        *why = kind ? kind : "cannot be opened";
    else if ((uint64_t)sb.st_size < sizeof *h + 4 || pread(fd, h, sizeof *h, 0) != sizeof *h)
        *why = "too short";
    else if (memcmp(h->magic, SEG_MAGIC, sizeof SEG_MAGIC) || h->order != CKPT_ORDER)
        *why = "not a checkpoint of this kind of machine";
    else if (h->hash != c->hash || h->replicate != r || h->from != from || h->to != to ||
             h->n_state != w->n_fields || h->month_values != mv || h->state_values != sv ||
             h->n_events < 0)
        *why = "of another run";
    /* Before allocating: the size the header implies must be the file's, and
     * the events within a quarter of the memory this process may use (a
     * sparse 60 GB file would otherwise be read whole). */
    else if (__builtin_mul_overflow((uint64_t)(to - from), mv, &need) ||
             __builtin_add_overflow(need, from == 0 && to > 0 ? ev : 0, &need) ||
             __builtin_add_overflow(need, sv, &need) ||
             __builtin_mul_overflow(need, sizeof(double), &need) ||
             __builtin_mul_overflow((uint64_t)h->n_events, sizeof(ps_event), &x) ||
             x > ps_memory_limit(NULL) / 4 || __builtin_add_overflow(need, x, &need) ||
             __builtin_add_overflow(need, sizeof *h + 4, &need) ||
             need != (uint64_t)sb.st_size)
        *why = "inconsistent sizes";
    else if (!(buf = malloc((size_t)need)))
        *why = "out of memory"; /* an oversized header passed the checks above */
    size_t got = 0;
    ssize_t rd = 1;
    while (buf && got < need && (rd = pread(fd, buf + got, (size_t)need - got, (off_t)got)) > 0)
        got += (size_t)rd;
    if (fd >= 0)
        close(fd);
    if (buf && got < need)
        *why = "shorter than its size";
    uint32_t sum = 0;
    if (buf && !*why) {
        memcpy(&sum, buf + need - 4, 4);
        if ((uint32_t)libdeflate_crc32(0, buf, (size_t)need - 4) != sum)
            *why = "CRC mismatch (damaged or cut short)";
    }
    if (buf && !*why)
        *why = events_check(w->n_actors, (ps_event *)(void *)(buf + need - 4 - x), h->n_events,
                            to);
    if (*why) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The segment of unit r that starts at month `from` and ends by month
 * `months`: its end, or -1. */
static int seg_next(const ps_ckpt *c, int r, int from, int months)
{
    DIR *dp = opendir(c->dir);
    struct dirent *e;
    int rr, f, t, to = -1;
    while (dp && (e = readdir(dp)))
        if (seg_parse(c, e->d_name, &rr, &f, &t) && rr == r && f == from && t > from &&
            t <= months && t > to)
            to = t;
    if (dp)
        closedir(dp);
    return to;
}

ps_status ps_ckpt_load_midrun(ps_ckpt *c, int r, ps_world *w, ps_run *run, int *month,
                              char *dropped, size_t len, ps_error *err)
{
    int at = 0, to, nf = ps_registry_n_fields(), n_ev = 0;
    ps_event *ev = NULL;
    ps_status st = PS_OK;
    *month = 0;
    if (r < 0 || r >= c->n_units || !c->seg[r])
        return PS_OK;
    if ((st = seg_match(c, w, run, err)) != PS_OK)
        return st;
    while (st == PS_OK && (to = seg_next(c, r, at, run->n_months)) > 0) {
        char name[96];
        seg_name(c, name, sizeof name, r, at, to);
        char *path = path_in(c, name);
        seg_header h;
        const char *why = "out of memory";
        unsigned char *buf = path ? seg_read(c, w, path, r, at, to, &h, &why) : NULL;
        if (!buf) {
            snprintf(dropped, len, "%s: checkpoint not usable: %s", path ? path : name, why);
            free(path);
            seg_remove(c, r, at); /* it and any after it: continue from `at` */
            break;
        }
        free(path);
        /* series of months [at, to), then the state at `to` (into next,
         * scratch until the world steps), then the events */
        size_t off = sizeof h;
        for (int f = 0; f < nf; f++) {
            size_t rows = seg_has_series(c, f) ? seg_rows(c, f, at, to) : 0;
            if (rows == 0)
                continue;
            size_t n = seg_width(c, w, f) * rows * sizeof(double);
            memcpy((double *)ps_run_series_month(run, f, at), buf + off, n);
            off += n;
        }
        for (int f = 0; f < w->n_fields; f++) {
            size_t n = ps_field_size(w, f) * sizeof(double);
            memcpy(w->next[f], buf + off, n);
            off += n;
        }
        ps_event *e = h.n_events ? malloc((size_t)h.n_events * sizeof *e) : NULL;
        if (h.n_events && !e) {
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory reading %s", name);
        } else {
            if (h.n_events)
                memcpy(e, buf + off, (size_t)h.n_events * sizeof *e);
            free(ev);
            ev = e;
            n_ev = h.n_events;
            at = to;
        }
        free(buf);
    }
    if (st == PS_OK && at > 0)
        st = ps_world_restore(w, at, (const double *const *)w->next, ev, n_ev, err);
    if (st == PS_OK && at > 0) {
        /* Series not saved (nothing reads them): NaN, not another run's. */
        for (int f = 0; f < nf; f++)
            for (int t = 0; t < at && !seg_has_series(c, f); t++) {
                double *row = (double *)ps_run_series_month(run, f, t);
                for (size_t k = 0; row && k < ps_run_series_width(run, f); k++)
                    row[k] = NAN;
            }
        run->n_done = at;
        *month = at;
    }
    free(ev);
    return st;
}
