/* HDF5 output: the "pactsim" file format, version 1 (docs/output.md).
 *
 * The file is written under a temporary name beside the final one and
 * renamed only when complete, so a reader never sees half a file. Datasets
 * are created at open time for every replicate; each finished run fills its
 * hyperslab. Events are kept in memory and written at commit in replicate
 * order, so the file does not depend on the order replicates finish in.
 * The writer walks the registry's tables: it names no model and no field. */
#include <errno.h>
#include <float.h>
#include <signal.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libdeflate.h>
#include <zlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "h5util.h"

#define CHUNK_BYTES (1u << 20)
/* The state datasets' filters: shuffle, then deflate at the scenario's
 * output level (none: no filters), on float64 or float32 values. The worker
 * threads convert, shuffle and deflate themselves (ps_output_pack) and the
 * chunks go to the file with H5Dwrite_chunk; readers see ordinary filtered
 * chunks, which every HDF5 reader decodes without a plugin. */

static const char *const state_group[3] = {"actor_state", "dyad_state", "theater_state"};
static const char *const state_dims[3][4] = {
    {"replicate", "time", "actor", NULL},
    {"replicate", "time", "source", "target"},
    {"replicate", "time", "actor", "theater"},
};

struct ps_output {
    const ps_scenario *sc;
    char *path, *tmp;
    hid_t file;
    hid_t *field_ds;   /* per global field; -1 if not in the file */
    hid_t *metric_ds;  /* per global metric */
    ps_event **events; /* per replicate: a copy of the run's event log */
    int *n_events;
    char *written;     /* per replicate */
    int *months;       /* per replicate: months written */
    hsize_t *tchunk;   /* per global field: months per chunk; 0 if not in the file */
    size_t *fsize;     /* per global field: values per month */
    int discarded;     /* the descriptor points at /dev/null */
    int reserved;      /* reserve() allocated space past the end HDF5 knows */
    int f32;           /* state stored as float32 (else float64) */
    int level;         /* deflate level of the state; 0: no filters */
    int threads;       /* threads a pack outside a parallel region may use */
    unsigned long h5_failures; /* ps_h5_failures() when the file was created */
};

/* One row of /events (H5TB table). */
typedef struct {
    int32_t replicate, month;
    char date[8], type[32], source[8], target[8];
    double magnitude;
    char id[64];
} event_row;

/* ------------------------------------------------------------ helpers */
/* HDF5 never prints: the handler ps_h5_quiet installs only keeps the
 * innermost message of the last failed call, for h5_fail to quote. */
/* "PATH: cannot WHAT NAME: <innermost HDF5 message>" */
static ps_status h5_fail(ps_error *err, ps_status code, const char *path,
                         const char *what, const char *name)
{
    char *last = ps_h5_last();
    ps_h5_tidy(last);
    ps_status s = ps_error_set(err, code, "%s: cannot %s %s%s%s", path, what, name,
                               last[0] ? ": " : "", last);
    last[0] = '\0';
    return s;
}

static void now_utc(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant). */
static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static hid_t fixed_str(size_t n)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, n);
    return t;
}




/* A contiguous dataset of n elements (n = 0: scalar), written at once.
 * Returns the open dataset or -1. */
static hid_t dset_put(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                      hsize_t n, const void *buf)
{
    return ps_h5_put(loc, name, ftype, mtype, n ? 1 : 0, &n, buf);
}

/* n strings at base, base + stride, ... as a variable-length string dataset. */
static hid_t dset_strings(hid_t loc, const char *name, const char *base, size_t stride,
                          int n)
{
    const char **p = ps_calloc((size_t)n + 1, sizeof *p);
    if (!p)
        return -1;
    for (int k = 0; k < n; k++)
        p[k] = base + (size_t)k * stride;
    hid_t t = ps_h5_vlen_str();
    hid_t d = dset_put(loc, name, t, t, (hsize_t)n, p);
    H5Tclose(t);
    free(p);
    return d;
}

/* A scalar string dataset. */
static int put_string(hid_t loc, const char *name, const char *s)
{
    return ps_h5_put_string(loc, name, s);
}

/* ------------------------------------------------------- coordinates */
/* Dimension-scale dataset `name` in loc: replicate, time, actor, source,
 * target or theater. Returns the open dataset or -1. */
static hid_t make_scale(const ps_scenario *sc, hid_t loc, const char *name)
{
    hid_t d = -1;
    int bad = 0;
    if (!strcmp(name, "replicate")) {
        int *v = ps_calloc((size_t)sc->replicates, sizeof *v);
        for (int r = 0; v && r < sc->replicates; r++)
            v[r] = r;
        d = v ? dset_put(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)sc->replicates, v)
              : -1;
        free(v);
        if (d >= 0)
            bad |= ps_h5_attr_str(d, "long_name", "replicate index");
    } else if (!strcmp(name, "time")) {
        double *v = ps_calloc((size_t)sc->n_months, sizeof *v);
        for (int t = 0; v && t < sc->n_months; t++) {
            ps_date dt = ps_date_add(sc->start, t);
            v[t] = (double)days_from_civil(dt.year, dt.month, 1);
        }
        d = v ? dset_put(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)sc->n_months, v)
              : -1;
        free(v);
        if (d >= 0) {
            bad |= ps_h5_attr_str(d, "units", "days since 1970-01-01");
            bad |= ps_h5_attr_str(d, "calendar", "proleptic_gregorian");
            bad |= ps_h5_attr_str(d, "long_name", "month (first day); values are end-of-month states");
        }
    } else if (!strcmp(name, "theater")) {
        d = dset_strings(loc, name, sc->theater_name[0], sizeof sc->theater_name[0],
                         sc->n_theaters);
        if (d >= 0)
            bad |= ps_h5_attr_str(d, "long_name", "theater name");
    } else { /* actor, source, target */
        d = dset_strings(loc, name, sc->actor_iso3[0], sizeof sc->actor_iso3[0], sc->n_actors);
        if (d >= 0)
            bad |= ps_h5_attr_str(d, "long_name", !strcmp(name, "actor") ? "actor (ISO3)"
                                            : !strcmp(name, "source") ? "source actor (ISO3)"
                                                                      : "target actor (ISO3)");
    }
    if (d >= 0 && (bad || H5DSset_scale(d, name) < 0)) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

/* Create the scales `names` (NULL-terminated, up to 4) in loc and attach
 * them to the datasets in loc named by vars, dimension k to names[k]. */
static ps_status scales_attach(ps_output *o, hid_t loc, const char *where,
                               const char *const *names, int nd, hid_t *vars, int nv,
                               ps_error *err)
{
    hid_t s[4] = {-1, -1, -1, -1};
    ps_status st = PS_OK;
    char what[128];
    for (int k = 0; k < nd && st == PS_OK; k++) {
        s[k] = make_scale(o->sc, loc, names[k]);
        if (s[k] < 0) {
            snprintf(what, sizeof what, "%s/%s", where, names[k]);
            st = h5_fail(err, PS_ERR_IO, o->path, "create dimension scale", what);
        }
    }
    for (int v = 0; v < nv && st == PS_OK; v++)
        for (int k = 0; k < nd && st == PS_OK; k++)
            if (H5DSattach_scale(vars[v], s[k], (unsigned)k) < 0) {
                snprintf(what, sizeof what, "%s/%s", where, names[k]);
                st = h5_fail(err, PS_ERR_IO, o->path, "attach dimension scale", what);
            }
    for (int k = 0; k < nd; k++)
        if (s[k] >= 0)
            H5Dclose(s[k]);
    return st;
}

/* ------------------------------------------------------------ groups */
/* Is output field f's series written (output.fields)? */
static int written(const ps_scenario *sc, int f)
{
    return ps_fields_has(sc->out_fields, f);
}

static ps_status write_root(ps_output *o, const ps_provenance *prov, ps_error *err)
{
    const ps_scenario *sc = o->sc;
    char created[32];
    now_utc(created);
    hid_t f = o->file;
    int bad = ps_h5_attr_str(f, "format", PS_FORMAT_NAME);
    bad |= ps_h5_attr_i32(f, "format_version", PS_FORMAT_VERSION);
    bad |= ps_h5_attr_str(f, "pactsim_version", PS_VERSION);
    bad |= ps_h5_attr_str(f, "created", created);
    bad |= ps_h5_attr_str(f, "scenario", sc->name);
    bad |= ps_h5_attr_str(f, "title", sc->name);
    bad |= ps_h5_attr_str(f, "description", sc->description);
    if (bad)
        return h5_fail(err, PS_ERR_IO, o->path, "write root attributes", "of /");

    hid_t g = H5Gcreate2(f, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5_fail(err, PS_ERR_IO, o->path, "create group", "/provenance");
    uint64_t seed = sc->seed;
    bad = ps_h5_provenance(g, prov ? prov->command_line : "", prov ? prov->threads : 1, created);
    bad |= ps_h5_attr_str(g, "lineage", sc->lineage);
    bad |= ps_h5_attr_u64(g, "seed", seed);
    bad |= ps_h5_attr_u64(g, "spec_hash", ps_run_spec_hash(sc));
    bad |= ps_h5_attr_i32(g, "replicates", sc->replicates);
    bad |= ps_h5_attr_str(g, "output_precision", o->f32 ? "float32" : "float64");
    bad |= ps_h5_attr_i32(g, "output_compression", o->level);
    char *fields = ps_fields_names(sc->out_fields);
    bad |= !fields || ps_h5_attr_str(g, "output_fields", fields) < 0;
    free(fields);
    if (bad) {
        H5Gclose(g);
        return h5_fail(err, PS_ERR_IO, o->path, "write attributes of", "/provenance");
    }
    if (put_string(g, "config_raw", sc->raw_text) < 0 ||
        put_string(g, "config_resolved", sc->resolved_text) < 0) {
        H5Gclose(g);
        return h5_fail(err, PS_ERR_IO, o->path, "write dataset", "/provenance/config_*");
    }
    H5Gclose(g);
    if (sc->posterior && ps_posterior_write_draws(f, sc->posterior) < 0)
        return h5_fail(err, PS_ERR_IO, o->path, "write group", "/posterior_draws");
    return PS_OK;
}

static ps_status write_parameters(ps_output *o, ps_error *err)
{
    hid_t g = H5Gcreate2(o->file, "parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5_fail(err, PS_ERR_IO, o->path, "create group", "/parameters");
    for (int m = 0; m < ps_registry_count(); m++) {
        const ps_model *md = ps_registry_model(m);
        hid_t mg = H5Gcreate2(g, md->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (mg < 0) {
            H5Gclose(g);
            return h5_fail(err, PS_ERR_IO, o->path, "create group /parameters/", md->name);
        }
        for (int k = 0; k < md->n_params; k++) {
            const ps_param *p = &md->params[k];
            double v = (o->sc->params && o->sc->params[m]) ? o->sc->params[m][k] : p->def;
            hid_t d = dset_put(mg, p->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, &v);
            int bad = d < 0;
            if (d >= 0) {
                bad |= ps_h5_attr_str(d, "units", p->unit);
                bad |= ps_h5_attr_str(d, "description", p->description);
                bad |= ps_h5_attr_str(d, "source", p->source);
                bad |= ps_h5_attr_f64(d, "lower_bound", p->lo);
                bad |= ps_h5_attr_f64(d, "upper_bound", p->hi);
                bad |= ps_h5_attr_f64(d, "default", p->def);
                H5Dclose(d);
            }
            if (bad) {
                char what[160];
                snprintf(what, sizeof what, "/parameters/%s/%s", md->name, p->name);
                H5Gclose(mg);
                H5Gclose(g);
                return h5_fail(err, PS_ERR_IO, o->path, "write dataset", what);
            }
        }
        H5Gclose(mg);
    }
    H5Gclose(g);
    return PS_OK;
}

/* /time, /actors, /theaters: labels, each with its own dimension scale. */
static ps_status write_coordinates(ps_output *o, ps_error *err)
{
    const ps_scenario *sc = o->sc;
    int T = sc->n_months;
    int *idx = ps_calloc((size_t)T, sizeof *idx);
    char (*date)[8] = ps_calloc((size_t)T, sizeof *date);
    double *dy = ps_calloc((size_t)T, sizeof *dy);
    hid_t v[3] = {-1, -1, -1};
    ps_status st = PS_OK;
    if (!idx || !date || !dy) {
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory for /time", o->path);
        goto done;
    }
    for (int t = 0; t < T; t++) {
        ps_date d = ps_date_add(sc->start, t);
        idx[t] = t;
        ps_date_format(d, date[t]);
        dy[t] = d.year + (d.month - 1) / 12.0;
    }
    hid_t g = H5Gcreate2(o->file, "time", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        st = h5_fail(err, PS_ERR_IO, o->path, "create group", "/time");
        goto done;
    }
    v[0] = dset_put(g, "month_index", H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)T, idx);
    v[1] = dset_strings(g, "date", date[0], sizeof date[0], T);
    v[2] = dset_put(g, "decimal_year", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)T, dy);
    if (v[0] < 0 || v[1] < 0 || v[2] < 0 ||
        ps_h5_attr_str(v[0], "long_name", "months since the scenario start") < 0 ||
        ps_h5_attr_str(v[0], "units", "1") < 0 ||
        ps_h5_attr_str(v[1], "long_name", "month (YYYY-MM)") < 0 ||
        ps_h5_attr_str(v[2], "long_name", "year + (month - 1) / 12") < 0 ||
        ps_h5_attr_str(v[2], "units", "yr") < 0)
        st = h5_fail(err, PS_ERR_IO, o->path, "write datasets in", "/time");
    else
        st = scales_attach(o, g, "/time", (const char *const[]){"time"}, 1, v, 3, err);
    for (int k = 0; k < 3; k++)
        if (v[k] >= 0)
            H5Dclose(v[k]);
    H5Gclose(g);
    if (st != PS_OK)
        goto done;

    g = H5Gcreate2(o->file, "actors", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        st = h5_fail(err, PS_ERR_IO, o->path, "create group", "/actors");
        goto done;
    }
    v[0] = dset_strings(g, "iso3", sc->actor_iso3[0], sizeof sc->actor_iso3[0], sc->n_actors);
    v[1] = dset_strings(g, "name", sc->actor_name[0], sizeof sc->actor_name[0], sc->n_actors);
    if (v[0] < 0 || v[1] < 0)
        st = h5_fail(err, PS_ERR_IO, o->path, "write datasets in", "/actors");
    else
        st = scales_attach(o, g, "/actors", (const char *const[]){"actor"}, 1, v, 2, err);
    for (int k = 0; k < 2; k++)
        if (v[k] >= 0)
            H5Dclose(v[k]);
    H5Gclose(g);
    if (st != PS_OK || sc->n_theaters == 0)
        goto done;

    g = H5Gcreate2(o->file, "theaters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        st = h5_fail(err, PS_ERR_IO, o->path, "create group", "/theaters");
        goto done;
    }
    v[0] = dset_strings(g, "name", sc->theater_name[0], sizeof sc->theater_name[0],
                        sc->n_theaters);
    if (v[0] < 0)
        st = h5_fail(err, PS_ERR_IO, o->path, "write dataset", "/theaters/name");
    else
        st = scales_attach(o, g, "/theaters", (const char *const[]){"theater"}, 1, v, 1, err);
    if (v[0] >= 0)
        H5Dclose(v[0]);
    H5Gclose(g);
done:
    free(idx);
    free(date);
    free(dy);
    return st;
}

/* One state group: a [replicate, time, ...] dataset per field of the shape
 * that the scenario's output.fields selects (none: no group). */
static ps_status write_state_group(ps_output *o, ps_shape shape, ps_error *err)
{
    const ps_scenario *sc = o->sc;
    int nf = ps_registry_n_fields(), nv = 0;
    hsize_t third = shape == PS_DYAD ? (hsize_t)sc->n_actors
                  : shape == PS_THEATER ? (hsize_t)sc->n_theaters : 1;
    if (third == 0)
        return PS_OK;
    for (int f = 0; f < nf; f++)
        nv += ps_registry_field(f, NULL)->shape == shape && written(sc, f);
    if (nv == 0)
        return PS_OK;

    int nd = shape == PS_ACTOR ? 3 : 4;
    hsize_t dims[4] = {(hsize_t)sc->replicates, (hsize_t)sc->n_months,
                       (hsize_t)sc->n_actors, third};
    hsize_t step = (hsize_t)sc->n_actors * third * (o->f32 ? sizeof(float) : sizeof(double));
    hsize_t tchunk = CHUNK_BYTES / step;
    tchunk = tchunk < 1 ? 1 : tchunk > dims[1] ? dims[1] : tchunk;
    hsize_t chunk[4] = {1, tchunk, dims[2], third};
    double fill = NAN;
    char what[160];
    ps_status st = PS_OK;
    hid_t *vars = ps_calloc((size_t)nv, sizeof *vars);
    if (!vars)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
    hid_t g = H5Gcreate2(o->file, state_group[shape], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(nd, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (g < 0 || sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, nd, chunk) < 0 ||
        (o->level > 0 && (H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, (unsigned)o->level) < 0)) ||
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0) {
        snprintf(what, sizeof what, "/%s", state_group[shape]);
        st = h5_fail(err, PS_ERR_IO, o->path, "create group", what);
    }
    nv = 0;
    for (int f = 0; f < nf && st == PS_OK; f++) {
        const ps_field *fd = ps_registry_field(f, NULL);
        if (fd->shape != shape || !written(sc, f))
            continue;
        hid_t d = H5Dcreate2(g, fd->name, o->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE, sp,
                             H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0) {
            o->field_ds[f] = vars[nv++] = d;
            o->tchunk[f] = tchunk;
            o->fsize[f] = (size_t)(dims[2] * third);
        }
        if (d < 0 || ps_h5_attr_str(d, "units", fd->unit) < 0 ||
            ps_h5_attr_str(d, "description", fd->description) < 0 ||
            ps_h5_attr_str(d, "long_name", fd->name) < 0 ||
            ps_h5_attr_str(d, "precision", o->f32 ? "float32" : "float64") < 0) {
            snprintf(what, sizeof what, "/%s/%s", state_group[shape], fd->name);
            st = h5_fail(err, PS_ERR_IO, o->path, "create dataset", what);
        }
    }
    snprintf(what, sizeof what, "/%s", state_group[shape]);
    if (st == PS_OK)
        st = scales_attach(o, g, what, state_dims[shape], nd, vars, nv, err);
    free(vars);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    if (g >= 0)
        H5Gclose(g);
    return st;
}

static ps_status write_summary(ps_output *o, ps_error *err)
{
    int nm = ps_registry_n_metrics();
    hsize_t R = (hsize_t)o->sc->replicates;
    double fill = NAN;
    ps_status st = PS_OK;
    char what[160];
    hid_t g = H5Gcreate2(o->file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t sp = H5Screate_simple(1, &R, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (g < 0 || sp < 0 || dcpl < 0 ||
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &fill) < 0)
        st = h5_fail(err, PS_ERR_IO, o->path, "create group", "/summary");
    for (int m = 0; m < nm && st == PS_OK; m++) {
        const ps_metric *md = ps_registry_metric(m, NULL);
        hid_t d = H5Dcreate2(g, md->name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d >= 0)
            o->metric_ds[m] = d;
        if (d < 0 || ps_h5_attr_str(d, "units", md->unit) < 0 ||
            ps_h5_attr_str(d, "description", md->description) < 0 ||
            ps_h5_attr_str(d, "long_name", md->name) < 0) {
            snprintf(what, sizeof what, "/summary/%s", md->name);
            st = h5_fail(err, PS_ERR_IO, o->path, "create dataset", what);
        }
    }
    if (st == PS_OK) {
        static const char *const dims[] = {"replicate"};
        st = scales_attach(o, g, "/summary", dims, 1, o->metric_ds, nm, err);
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    if (g >= 0)
        H5Gclose(g);
    return st;
}

/* ------------------------------------------------------------ writer */
static void output_free(ps_output *o)
{
    if (!o)
        return;
    int nf = ps_registry_n_fields(), nm = ps_registry_n_metrics();
    for (int f = 0; o->field_ds && f < nf; f++)
        if (o->field_ds[f] >= 0)
            H5Dclose(o->field_ds[f]);
    for (int m = 0; o->metric_ds && m < nm; m++)
        if (o->metric_ds[m] >= 0)
            H5Dclose(o->metric_ds[m]);
    if (o->file >= 0)
        H5Fclose(o->file);
    for (int r = 0; o->events && r < o->sc->replicates; r++)
        free(o->events[r]);
    free(o->events);
    free(o->n_events);
    free(o->written);
    free(o->months);
    free(o->tchunk);
    free(o->fsize);
    free(o->field_ds);
    free(o->metric_ds);
    free(o->path);
    free(o->tmp);
    free(o);
}

/* The file is discarded: point its descriptor at /dev/null, so that the
 * flushes of closing cannot fail (a full disk, a file-size limit) and leave
 * HDF5 with a half-closed file that crashes it at exit. */
static void discard(ps_output *o)
{
    if (o->discarded || ps_h5_discard(o->file) < 0)
        return;
    o->discarded = 1;
    /* A raw-data write that failed (H5Dwrite_chunk, or a table's chunk)
     * leaves space allocated at the end of the file that was never written;
     * closing would then extend the file to its allocated end with ftruncate,
     * which /dev/null refuses, and leave HDF5 with a half-closed file. So
     * write one chunk larger than any other, which HDF5 places at the end
     * of the file (here: /dev/null): the file then ends where HDF5 thinks. */
    static const unsigned char zeros[CHUNK_BYTES + 4096];
    for (int f = 0; o->field_ds && f < ps_registry_n_fields(); f++) {
        if (o->field_ds[f] < 0)
            continue;
        hsize_t offset[4] = {0, 0, 0, 0};
        H5Dwrite_chunk(o->field_ds[f], H5P_DEFAULT, 0, offset, sizeof zeros, zeros);
        break;
    }
}

void ps_output_abort(ps_output *o)
{
    if (!o)
        return;
    ps_h5_quiet();
    char *tmp = o->tmp;
    o->tmp = NULL;
    discard(o);
    output_free(o);
    if (tmp)
        unlink(tmp);
    free(tmp);
}

ps_status ps_output_open(const char *path, const ps_scenario *sc,
                         const ps_provenance *prov, ps_output **out, ps_error *err)
{
    *out = NULL;
    ps_h5_quiet();
    if (sc->replicates < 1 || sc->n_months < 1 || sc->n_actors < 1)
        return ps_error_set(err, PS_ERR_INTERNAL,
                            "%s: nothing to write (%d replicates, %d months, %d actors)",
                            path, sc->replicates, sc->n_months, sc->n_actors);
    int nf = ps_registry_n_fields(), nm = ps_registry_n_metrics();
    ps_output *o = ps_calloc(1, sizeof *o);
    if (!o)
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    o->sc = sc;
    o->file = -1;
    o->f32 = sc->out_float32;
    o->level = sc->out_deflate;
    o->threads = prov && prov->threads > 1 ? prov->threads : 1;
    size_t tmplen = strlen(path) + 32;
    o->path = ps_strdup(path);
    o->tmp = malloc(tmplen);
    o->field_ds = ps_calloc((size_t)nf + 1, sizeof *o->field_ds);
    o->metric_ds = ps_calloc((size_t)nm + 1, sizeof *o->metric_ds);
    o->events = ps_calloc((size_t)sc->replicates, sizeof *o->events);
    o->n_events = ps_calloc((size_t)sc->replicates, sizeof *o->n_events);
    o->written = ps_calloc((size_t)sc->replicates, 1);
    o->months = ps_calloc((size_t)sc->replicates, sizeof *o->months);
    o->tchunk = ps_calloc((size_t)nf + 1, sizeof *o->tchunk);
    o->fsize = ps_calloc((size_t)nf + 1, sizeof *o->fsize);
    if (!o->path || !o->tmp || !o->field_ds || !o->metric_ds || !o->events ||
        !o->n_events || !o->written || !o->months || !o->tchunk || !o->fsize) {
        free(o->tmp);
        o->tmp = NULL;
        output_free(o);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int f = 0; f < nf; f++)
        o->field_ds[f] = -1;
    for (int m = 0; m < nm; m++)
        o->metric_ds[m] = -1;
    snprintf(o->tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
    /* A run killed by SIGKILL (or a crash) leaves "<path>.tmp.<pid>". */
    ps_out_remove_stale(path, ".tmp.");
    ps_status st = ps_h5_create_excl(o->tmp, path, &o->file, err);
    if (st != PS_OK) {
        free(o->tmp);
        o->tmp = NULL;
        output_free(o);
        return st;
    }
    o->h5_failures = ps_h5_failures();
    st = write_root(o, prov, err);
    if (st == PS_OK)
        st = write_parameters(o, err);
    if (st == PS_OK)
        st = write_coordinates(o, err);
    for (int s = PS_ACTOR; s <= PS_THEATER && st == PS_OK; s++)
        st = write_state_group(o, (ps_shape)s, err);
    if (st == PS_OK)
        st = write_summary(o, err);
    if (st != PS_OK) {
        ps_output_abort(o);
        return st;
    }
    *out = o;
    return PS_OK;
}

/* What p holds, not p itself. */
static void packed_release(ps_packed *p)
{
    free(p->buf);
    free(p->ch);
    free(p->shuf);
    free(p->pad);
    libdeflate_free_compressor(p->zc);
}

void ps_packed_free(ps_packed *p)
{
    if (!p)
        return;
    packed_release(p);
    free(p);
}

/* HDF5's shuffle filter (H5Zshuffle.c): byte k of every element of es
 * bytes, then byte k + 1, ..., of the little-endian (file) representation;
 * nothing is done to a single element. */
static void shuffle(const unsigned char *b, size_t n, size_t es, unsigned char *dst)
{
    if (n <= 1) {
        memcpy(dst, b, n * es);
        return;
    }
    for (size_t k = 0; k < es; k++) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        const unsigned char *p = b + es - 1 - k;
#else
        const unsigned char *p = b + k;
#endif
        unsigned char *q = dst + k * n;
        if (es == 4)
            for (size_t e = 0; e < n; e++)
                q[e] = p[4 * e];
        else
            for (size_t e = 0; e < n; e++)
                q[e] = p[8 * e];
    }
}

/* n values as float32, rounded to nearest; the number of finite values
 * that float32 cannot hold (they would become infinite). */
static size_t to_float32(const double *src, size_t n, float *dst)
{
    size_t over = 0;
    for (size_t k = 0; k < n; k++) {
        float x = (float)src[k];
        dst[k] = x;
        over += isinf(x) && !isinf(src[k]);
    }
    return over;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
/* Unfiltered chunks go to the file as its little-endian type. */
static void to_little_endian(unsigned char *b, size_t n, size_t es)
{
    for (size_t e = 0; e < n; e++, b += es)
        for (size_t i = 0; i < es / 2; i++) {
            unsigned char t = b[i];
            b[i] = b[es - 1 - i];
            b[es - 1 - i] = t;
        }
}
#endif

/* Buffer b of *cap bytes with at least need bytes (contents kept if keep);
 * NULL if out of memory (b is then still valid). */
static void *grow(void *b, size_t *cap, size_t need, int keep)
{
    if (need <= *cap && b)
        return b;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    void *nb = keep ? realloc(b, c) : malloc(c);
    if (!nb)
        return NULL;
    if (!keep)
        free(b);
    *cap = c;
    return nb;
}

#define GROW(ptr, cap, need, keep)                                       \
    do {                                                                 \
        void *grown_ = grow((ptr), (cap), (need), (keep));               \
        if (!grown_)                                                     \
            goto nomem;                                                  \
        (ptr) = grown_;                                                  \
    } while (0)

/* Append to p the chunk of field f from month t0: its values in the file's
 * type (months past the run are the fill value, NaN), shuffled and
 * deflated as HDF5's filters would, or as they are without filters. */
static ps_status pack_chunk(const ps_output *o, const ps_run *run, int f, hsize_t t0,
                            ps_packed *p, ps_error *err)
{
    hsize_t tc = o->tchunk[f];
    size_t es = o->f32 ? sizeof(float) : sizeof(double);
    size_t size = o->fsize[f], elems = (size_t)tc * size, bytes = elems * es;
    size_t dbytes = elems * sizeof(double);
    if (dbytes > p->work || !p->shuf || !p->pad) {
        size_t w1 = p->work, w2 = p->work;
        GROW(p->shuf, &w1, dbytes, 0);
        GROW(p->pad, &w2, dbytes, 0);
        p->work = w1 < w2 ? w1 : w2;
    }
    const double *src = run->series[f] + (size_t)t0 * size;
    hsize_t left = (hsize_t)run->n_done - t0;
    size_t m = (size_t)(left < tc ? left : tc);
    const unsigned char *raw = (const unsigned char *)src;
    if (o->f32) {
        float *x = (float *)p->pad;
        size_t over = to_float32(src, m * size, x);
        for (size_t k = m * size; k < elems; k++)
            x[k] = NAN;
        if (over)
            return ps_error_set(err, PS_ERR_NUMERIC, "%s: %zu values of %s in replicate %d "
                                "exceed the float32 range (%g); set output: {precision: "
                                "float64} in the config", o->path, over,
                                ps_registry_field(f, NULL)->name, run->replicate, FLT_MAX);
        raw = (const unsigned char *)x;
    } else if (m < tc) { /* the last chunk: months past the run (or the dataset) are NaN */
        memcpy(p->pad, src, m * size * sizeof(double));
        for (size_t k = m * size; k < elems; k++)
            p->pad[k] = NAN;
        raw = (const unsigned char *)p->pad;
    }
    if (o->level > 0 && (!p->zc || p->zlevel != o->level)) {
        libdeflate_free_compressor(p->zc);
        if (!(p->zc = libdeflate_alloc_compressor(o->level)))
            goto nomem;
        p->zlevel = o->level;
    }
    size_t len = o->level > 0 ? libdeflate_zlib_compress_bound(p->zc, bytes) : bytes;
    size_t cap_ch = (size_t)p->cap_ch * sizeof *p->ch;
    GROW(p->buf, &p->cap, p->used + len, 1);
    GROW(p->ch, &cap_ch, (size_t)(p->n + 1) * sizeof *p->ch, 1);
    p->cap_ch = (int)(cap_ch / sizeof *p->ch);
    if (o->level > 0) {
        shuffle(raw, elems, es, p->shuf);
        /* A zlib stream, as HDF5's deflate filter writes (H5Zdeflate.c:
         * compress2) and reads (inflate). */
        len = libdeflate_zlib_compress(p->zc, p->shuf, bytes, p->buf + p->used, len);
        if (len == 0)
            return ps_error_set(err, PS_ERR_INTERNAL, "%s: cannot compress %s of replicate %d",
                                o->path, ps_registry_field(f, NULL)->name, run->replicate);
    } else {
        memcpy(p->buf + p->used, raw, bytes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        to_little_endian(p->buf + p->used, elems, es);
#endif
    }
    p->ch[p->n++] = (ps_packed_chunk){f, (unsigned long long)t0, p->used, (size_t)len};
    p->used += len;
    return PS_OK;
nomem:
    return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory compressing replicate %d",
                        o->path, run->replicate);
}

ps_status ps_output_pack(const ps_output *o, const ps_run *run, ps_packed **pp,
                         ps_error *err)
{
    ps_packed *p = *pp;
    if (!p && !(p = *pp = ps_calloc(1, sizeof *p)))
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
    p->replicate = run->replicate;
    p->used = 0;
    p->n = 0;
    int nf = ps_registry_n_fields(), n = 0;
    for (int f = 0; f < nf; f++)
        if (o->tchunk[f])
            n += (int)(((hsize_t)run->n_done + o->tchunk[f] - 1) / o->tchunk[f]);
    int threads = o->threads < n ? o->threads : n;
#ifdef _OPENMP
    if (omp_in_parallel())
        threads = 1; /* replicates run in parallel: each thread packs its own */
#else
    threads = 1;
#endif
    ps_status st = PS_OK;
    if (threads <= 1) {
        for (int f = 0; f < nf && st == PS_OK; f++)
            for (hsize_t t0 = 0; o->tchunk[f] && t0 < (hsize_t)run->n_done && st == PS_OK;
                 t0 += o->tchunk[f])
                st = pack_chunk(o, run, f, t0, p, err);
        return st;
    }
    /* One replicate, its threads idle after the run: they pack the chunks
     * side by side, each into its own buffer; the chunks are then put in
     * order, so the bytes do not depend on the number of threads. */
    int *cf = ps_calloc((size_t)n, sizeof *cf), *who = ps_calloc((size_t)n, sizeof *who);
    int *idx = ps_calloc((size_t)n, sizeof *idx);
    hsize_t *ct = ps_calloc((size_t)n, sizeof *ct);
    ps_packed *tp = ps_calloc((size_t)threads, sizeof *tp);
    ps_error *te = ps_calloc((size_t)threads, sizeof *te);
    size_t total = 0;
    if (!cf || !who || !idx || !ct || !tp || !te) {
        st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
        goto done;
    }
    n = 0;
    for (int f = 0; f < nf; f++)
        for (hsize_t t0 = 0; o->tchunk[f] && t0 < (hsize_t)run->n_done; t0 += o->tchunk[f])
            cf[n] = f, ct[n++] = t0;
#pragma omp parallel num_threads(threads)
    {
        int id = 0;
#ifdef _OPENMP
        id = omp_get_thread_num();
#endif
#pragma omp for schedule(dynamic, 1)
        for (int k = 0; k < n; k++)
            if (te[id].code == PS_OK) {
                te[id].code = pack_chunk(o, run, cf[k], ct[k], &tp[id], &te[id]);
                who[k] = id;
                idx[k] = tp[id].n - 1;
            }
    }
    for (int t = 0; t < threads && st == PS_OK; t++)
        if (te[t].code != PS_OK) {
            st = te[t].code;
            if (err)
                *err = te[t];
        }
    for (int t = 0; t < threads; t++)
        total += tp[t].used;
    if (st == PS_OK && total > p->cap) {
        unsigned char *b = realloc(p->buf, total);
        if (!b)
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
        else
            p->buf = b, p->cap = total;
    }
    if (st == PS_OK && n > p->cap_ch) {
        ps_packed_chunk *c = realloc(p->ch, (size_t)n * sizeof *c);
        if (!c)
            st = ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
        else
            p->ch = c, p->cap_ch = n;
    }
    for (int k = 0; k < n && st == PS_OK; k++) {
        const ps_packed_chunk *c = &tp[who[k]].ch[idx[k]];
        memcpy(p->buf + p->used, tp[who[k]].buf + c->off, c->len);
        p->ch[p->n++] = (ps_packed_chunk){c->f, c->t0, p->used, c->len};
        p->used += c->len;
    }
done:
    for (int t = 0; tp && t < threads; t++)
        packed_release(&tp[t]);
    free(tp);
    free(te);
    free(cf);
    free(who);
    free(idx);
    free(ct);
    return st;
}

unsigned long long ps_output_chunk_months(const ps_output *o, int f)
{
    return f >= 0 && f < ps_registry_n_fields() ? (unsigned long long)o->tchunk[f] : 0;
}

ps_status ps_output_write_run(ps_output *o, const ps_run *run, ps_error *err)
{
    ps_packed *p = NULL;
    ps_status s = ps_output_pack(o, run, &p, err);
    if (s == PS_OK)
        s = ps_output_write_packed(o, run, p, err);
    ps_packed_free(p);
    return s;
}

/* Make sure the file can grow by about bytes (with room for the chunk
 * index): HDF5 cannot recover from a failed raw-data write (H5Dwrite_chunk
 * leaks the chunk's space and its library state, which leaves it unable to
 * close the file), so a full disk or a file-size limit is detected here
 * first, by allocating the space. The space is allocated ahead, a quarter
 * of the file more (at least 4 MiB), and kept until release(): giving it
 * back after each replicate, as this once did, made a synchronous discard
 * on a file system mounted with -o discard, and the replicates' writes,
 * serialised behind it, waited for the device (docs/performance.md#output).
 * Where the generous allocation does not fit, the exact one is tried; only
 * if that fails is the space given back and the write refused. */
static ps_status reserve(ps_output *o, size_t bytes, const char *what, ps_error *err)
{
    void *handle = NULL;
    haddr_t eoa = 0;
    struct stat st;
    if (H5Fget_vfd_handle(o->file, H5P_DEFAULT, &handle) < 0 || !handle ||
        H5Fget_eoa(o->file, &eoa) < 0)
        return PS_OK; /* not the sec2 driver: nothing to check */
    int fd = *(int *)handle;
    off_t want = (off_t)(eoa + bytes + bytes / 64 + (64u << 10));
    if (fstat(fd, &st) < 0 || want <= st.st_size)
        return PS_OK;
    off_t extra = want / 4 > (off_t)(4u << 20) ? want / 4 : (off_t)(4u << 20);
    int e = posix_fallocate(fd, st.st_size, want + extra - st.st_size);
    if (e == 0) {
        o->reserved = 1;
        return PS_OK;
    }
    if (e == EINVAL || e == EOPNOTSUPP)
        return PS_OK; /* the file system cannot tell */
    e = posix_fallocate(fd, st.st_size, want - st.st_size);
    if (e == 0) {
        o->reserved = 1;
        return PS_OK;
    }
    (void)!ftruncate(fd, st.st_size); /* give back any part allocated; e says why */
    return ps_error_set(err, PS_ERR_IO, "%s: cannot write %s: %s", o->path, what, strerror(e));
}

/* Give back, once the file is closed, the space reserve() allocated past
 * the end HDF5 recorded in it: HDF5 truncates the file on closing only
 * when the end it tracks (what it wrote) differs from its end of
 * allocation, and knows nothing of our allocation. The recorded end is
 * read back by opening the closed file. A failure here leaves only unused
 * bytes at the end of a valid file. */
static void release(const char *tmp)
{
    haddr_t eoa = 0;
    hid_t f = H5Fopen(tmp, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return;
    herr_t h = H5Fget_eoa(f, &eoa);
    H5Fclose(f);
    int fd = h < 0 ? -1 : open(tmp, O_WRONLY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && (off_t)eoa > 0 && (off_t)eoa < st.st_size)
        (void)!ftruncate(fd, (off_t)eoa); /* on failure the file is valid, only longer */
    if (fd >= 0)
        close(fd);
}

ps_status ps_output_write_packed(ps_output *o, const ps_run *run, const ps_packed *p,
                                 ps_error *err)
{
    ps_h5_quiet(); /* HDF5's error settings are per thread: this may be a new one */
    const ps_scenario *sc = o->sc;
    int r = run->replicate;
    if (r < 0 || r >= sc->replicates || o->written[r] || run->n_months != sc->n_months ||
        run->n_done < 0 || run->n_done > run->n_months || !p || p->replicate != r)
        return ps_error_set(err, PS_ERR_INTERNAL,
                            "%s: cannot write replicate %d (%d months): expected a new "
                            "replicate 0..%d of %d months",
                            o->path, r, run->n_months, sc->replicates - 1, sc->n_months);
    int nm = ps_registry_n_metrics();
    char label[160];
    snprintf(label, sizeof label, "the state of replicate %d", r);
    ps_status st = reserve(o, p->used, label, err);
    if (st != PS_OK)
        return st;
    for (int k = 0; k < p->n; k++) {
        const ps_packed_chunk *c = &p->ch[k];
        hsize_t offset[4] = {(hsize_t)r, c->t0, 0, 0};
        if (H5Dwrite_chunk(o->field_ds[c->f], H5P_DEFAULT, 0, offset, c->len,
                           p->buf + c->off) < 0) {
            const ps_field *fd = ps_registry_field(c->f, NULL);
            snprintf(label, sizeof label, "/%s/%s (replicate %d)", state_group[fd->shape],
                     fd->name, r);
            return h5_fail(err, PS_ERR_IO, o->path, "write dataset", label);
        }
    }
    for (int m = 0; m < nm && run->n_done == run->n_months; m++) {
        hsize_t start = (hsize_t)r, one = 1;
        hid_t fs = H5Dget_space(o->metric_ds[m]);
        hid_t ms = H5Screate_simple(1, &one, NULL);
        herr_t h = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL);
        if (h >= 0)
            h = H5Dwrite(o->metric_ds[m], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT,
                         &run->metrics[m]);
        H5Sclose(ms);
        H5Sclose(fs);
        if (h < 0) {
            char what[160];
            snprintf(what, sizeof what, "/summary/%s (replicate %d)",
                     ps_registry_metric(m, NULL)->name, r);
            return h5_fail(err, PS_ERR_IO, o->path, "write dataset", what);
        }
    }
    if (run->n_events > 0) {
        o->events[r] = ps_calloc((size_t)run->n_events, sizeof(ps_event));
        if (!o->events[r])
            return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory for %d events",
                                o->path, run->n_events);
        memcpy(o->events[r], run->events, (size_t)run->n_events * sizeof(ps_event));
        o->n_events[r] = run->n_events;
    }
    o->written[r] = 1;
    o->months[r] = run->n_done;
    return PS_OK;
}

/* By month; equal months keep their order (addresses in one array). */
static int event_cmp(const void *a, const void *b)
{
    const ps_event *x = *(const ps_event *const *)a, *y = *(const ps_event *const *)b;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void actor_code(const ps_scenario *sc, int i, char buf[8])
{
    snprintf(buf, 8, "%s", (i >= 0 && i < sc->n_actors) ? sc->actor_iso3[i] : "");
}

static ps_status write_events(ps_output *o, ps_error *err)
{
    const ps_scenario *sc = o->sc;
    size_t n = 0, k = 0, most = 0;
    for (int r = 0; r < sc->replicates; r++) {
        n += (size_t)o->n_events[r];
        most = (size_t)o->n_events[r] > most ? (size_t)o->n_events[r] : most;
    }
    event_row *rows = ps_calloc(n + 1, sizeof *rows);
    const ps_event **ord = ps_calloc(most + 1, sizeof *ord);
    if (!rows || !ord) {
        free(rows);
        free(ord);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory for %zu events", o->path, n);
    }
    for (int r = 0; r < sc->replicates; r++) {
        int ne = o->n_events[r];
        for (int e = 0; e < ne; e++)
            ord[e] = &o->events[r][e];
        qsort(ord, (size_t)ne, sizeof *ord, event_cmp);
        for (int e = 0; e < ne; e++, k++) {
            const ps_event *ev = ord[e];
            const ps_event_type *et = ps_registry_event_type(ev->type, NULL);
            event_row *w = &rows[k];
            w->replicate = r;
            w->month = ev->month;
            ps_date_format(ps_date_add(sc->start, ev->month), w->date);
            snprintf(w->type, sizeof w->type, "%s", et ? et->name : "");
            actor_code(sc, ev->source, w->source);
            actor_code(sc, ev->target, w->target);
            w->magnitude = ev->magnitude;
            snprintf(w->id, sizeof w->id, "%s", ev->id);
        }
    }
    static const char *const names[8] = {"replicate", "month", "date", "type",
                                         "source", "target", "magnitude", "id"};
    size_t offs[8] = {offsetof(event_row, replicate), offsetof(event_row, month),
                      offsetof(event_row, date), offsetof(event_row, type),
                      offsetof(event_row, source), offsetof(event_row, target),
                      offsetof(event_row, magnitude), offsetof(event_row, id)};
    hid_t s8 = fixed_str(8), s32 = fixed_str(32), s64 = fixed_str(64);
    hid_t types[8] = {H5T_NATIVE_INT32, H5T_NATIVE_INT32, s8, s32, s8, s8,
                      H5T_NATIVE_DOUBLE, s64};
    herr_t h = H5TBmake_table("pactsim events", o->file, "events", 8, (hsize_t)n,
                              sizeof(event_row), (const char **)names, offs, types,
                              1024, NULL, 1, rows);
    H5Tclose(s8);
    H5Tclose(s32);
    H5Tclose(s64);
    free(rows);
    free(ord);
    return h < 0 ? h5_fail(err, PS_ERR_IO, o->path, "write table", "/events") : PS_OK;
}

/* Write the events, close, fsync, rename the temporary file to final, and
 * fsync the directory; on failure nothing is left under the temporary name
 * and final is untouched. keep_old: see ps_out_publish. */
static ps_status output_finish(ps_output *o, const char *final, int keep_old, char *kept,
                               size_t kept_len, ps_status st, ps_error *err)
{
    ps_h5_quiet();
    if (st == PS_OK) {
        size_t n = 0;
        for (int r = 0; r < o->sc->replicates; r++)
            n += (size_t)o->n_events[r];
        st = reserve(o, n * sizeof(event_row), "table /events", err);
    }
    if (st == PS_OK)
        st = write_events(o, err);
    if (st == PS_OK && H5Fflush(o->file, H5F_SCOPE_GLOBAL) < 0)
        st = h5_fail(err, PS_ERR_IO, o->path, "flush", o->tmp);
    /* A failed call whose status was not looked at (a dataset's close that
     * could not write what it buffered) still makes the file unusable. */
    if (st == PS_OK && ps_h5_failures() != o->h5_failures) {
        ps_h5_failure_msg(ps_h5_last(), PS_H5_MSG_MAX);
        st = h5_fail(err, PS_ERR_IO, o->path, "write", o->tmp);
    }
    if (st != PS_OK) {
        ps_output_abort(o);
        return st;
    }
    /* Close everything; a failure here (e.g. a full disk) loses the file. */
    hid_t file = o->file;
    o->file = -1;
    for (int f = 0; f < ps_registry_n_fields(); f++)
        if (o->field_ds[f] >= 0 && H5Dclose(o->field_ds[f]) < 0)
            st = PS_ERR_IO;
    for (int m = 0; m < ps_registry_n_metrics(); m++)
        if (o->metric_ds[m] >= 0 && H5Dclose(o->metric_ds[m]) < 0)
            st = PS_ERR_IO;
    for (int f = 0; f < ps_registry_n_fields(); f++)
        o->field_ds[f] = -1;
    for (int m = 0; m < ps_registry_n_metrics(); m++)
        o->metric_ds[m] = -1;
    if (H5Fclose(file) < 0 || st != PS_OK) {
        st = h5_fail(err, PS_ERR_IO, o->path, "close", o->tmp);
        ps_output_abort(o);
        return st;
    }
    if (o->reserved)
        release(o->tmp);
    st = ps_out_publish(o->tmp, final, keep_old, kept, kept_len, err);
    if (st != PS_OK)
        unlink(o->tmp); /* gone already if the rename was made */
    free(o->tmp);
    o->tmp = NULL;
    output_free(o);
    return st;
}

ps_status ps_output_commit(ps_output *o, ps_error *err)
{
    ps_status st = PS_OK;
    for (int r = 0; r < o->sc->replicates && st == PS_OK; r++)
        if (!o->written[r] || o->months[r] != o->sc->n_months)
            st = ps_error_set(err, PS_ERR_INTERNAL, "%s: replicate %d was never written "
                              "in full", o->path, r);
    return output_finish(o, o->path, 0, NULL, 0, st, err);
}

ps_status ps_output_commit_failed(ps_output *o, const char *message, char *failed_path,
                                  size_t len, char *kept, size_t kept_len, ps_error *err)
{
    ps_h5_quiet();
    ps_status st = PS_OK;
    char *final = malloc(strlen(o->path) + 16);
    if (!final) {
        ps_output_abort(o);
        return ps_error_set(err, PS_ERR_NOMEM, "%s: out of memory", o->path);
    }
    sprintf(final, "%s.failed.h5", o->path);
    hsize_t R = (hsize_t)o->sc->replicates;
    int complete = 0;
    for (int r = 0; r < o->sc->replicates; r++)
        complete += o->months[r] == o->sc->n_months;
    hid_t d = dset_put(o->file, "months_complete", H5T_STD_I32LE, H5T_NATIVE_INT, R,
                       o->months);
    if (d < 0 || ps_h5_attr_str(d, "long_name", "months each replicate completed (0: not run)") < 0 ||
        ps_h5_attr_str(d, "units", "months") < 0 || ps_h5_attr_str(o->file, "incomplete", message) < 0 ||
        ps_h5_attr_i32(o->file, "complete_replicates", complete) < 0)
        st = h5_fail(err, PS_ERR_IO, final, "write", "/months_complete and attribute incomplete");
    if (d >= 0)
        H5Dclose(d);
    if (st == PS_OK)
        st = ps_out_check(final, NULL, 0, err);
    /* An older FILE.failed.h5 is kept under a numbered name. */
    st = output_finish(o, final, 1, kept, kept_len, st, err);
    if (st == PS_OK && failed_path)
        snprintf(failed_path, len, "%s", final);
    free(final);
    return st;
}


/* Unset variable-length strings read as NULL. */
static const char *nz(const char *s)
{
    return s ? s : "";
}


typedef struct {
    FILE *fp;
    const char *group;
    int summary;
} info_ctx;

/* Print one variable of a state group, or one summary metric. */
static herr_t info_var(hid_t g, const char *name, const H5L_info_t *li, void *data)
{
    (void)li;
    info_ctx *c = data;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0 || H5DSis_scale(d) > 0) {
        if (d >= 0)
            H5Dclose(d);
        return 0;
    }
    char units[64], full[300];
    snprintf(full, sizeof full, "/%s/%s", c->group, name);
    ps_h5_get_str(d, "units", units, sizeof units);
    hid_t s = H5Dget_space(d);
    hsize_t dims[H5S_MAX_RANK] = {0}; /* a damaged file may declare any rank HDF5 allows */
    int nd = H5Sget_simple_extent_dims(s, dims, NULL);
    if (!c->summary) {
        char shape[96] = "", part[24];
        for (int k = 0; k < nd; k++) {
            snprintf(part, sizeof part, "%s%llu", k ? ", " : "", (unsigned long long)dims[k]);
            strncat(shape, part, sizeof shape - strlen(shape) - 1);
        }
        fprintf(c->fp, "  %-13s %-28s [%s]  %s\n", c->group, name, shape, units);
    } else if (nd == 1 && ps_h5_check_size(d, full, sizeof(double), NULL) < 0) {
        H5Sclose(s);
        H5Dclose(d);
        return 1; /* stop: ps_output_info reports it */
    } else if (nd == 1) {
        double *v = ps_calloc(dims[0] + 1, sizeof *v);
        size_t n = 0;
        if (v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)
            for (hsize_t k = 0; k < dims[0]; k++)
                if (isfinite(v[k]))
                    v[n++] = v[k];
        if (n > 0)
            fprintf(c->fp, "  %-32s %12.5g %12.5g %12.5g %12.5g  %s\n", name,
                    gsl_stats_mean(v, 1, n), n > 1 ? gsl_stats_sd(v, 1, n) : 0.0,
                    gsl_stats_min(v, 1, n), gsl_stats_max(v, 1, n), units);
        else
            fprintf(c->fp, "  %-32s %12s  %s\n", name, "(no values)", units);
        free(v);
    }
    H5Sclose(s);
    H5Dclose(d);
    return 0;
}

static int cmp_type(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* H5Literate callback: stop (1) at the first 1-D summary metric whose
 * declared size the file cannot hold (ps_h5_refusal then says which). */
static herr_t check_metric(hid_t g, const char *name, const H5L_info_t *li, void *data)
{
    (void)li;
    (void)data;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;
    hid_t s = H5Dget_space(d);
    char full[300];
    snprintf(full, sizeof full, "/summary/%s", name);
    int refused = s >= 0 && H5Sget_simple_extent_ndims(s) == 1 &&
                  ps_h5_check_size(d, full, sizeof(double), NULL) < 0;
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(d);
    return refused;
}

/* The events table's size check; -1 if refused. */
static int check_events(hid_t file)
{
    if (H5Lexists(file, "events", H5P_DEFAULT) <= 0)
        return 0;
    hid_t d = H5Dopen2(file, "events", H5P_DEFAULT);
    int refused = d >= 0 && ps_h5_check_size(d, "/events", 32, NULL) < 0;
    if (d >= 0)
        H5Dclose(d);
    return refused ? -1 : 0;
}

/* Every size that info will read, checked before it prints anything: a
 * refused file gets only its error message. */
static void info_check_sizes(hid_t file)
{
    if (H5Lexists(file, "summary", H5P_DEFAULT) > 0 &&
        H5Literate_by_name(file, "summary", H5_INDEX_NAME, H5_ITER_INC, NULL, check_metric,
                           NULL, H5P_DEFAULT) != 0)
        return;
    check_events(file);
}

static void info_events(hid_t file, FILE *fp)
{
    hsize_t nfields = 0, nrec = 0;
    if (H5Lexists(file, "events", H5P_DEFAULT) <= 0 ||
        H5TBget_table_info(file, "events", &nfields, &nrec) < 0) {
        fprintf(fp, "events: none (no /events table)\n");
        return;
    }
    if (check_events(file) < 0)
        return;
    fprintf(fp, "events: %llu (all replicates)\n", (unsigned long long)nrec);
    char (*type)[32] = ps_calloc(nrec + 1, sizeof *type);
    size_t off = 0, size = sizeof type[0];
    if (!type || (nrec && H5TBread_fields_name(file, "events", "type", 0, nrec, size, &off,
                                               &size, type) < 0)) {
        fprintf(fp, "  (cannot read the type column)\n");
        free(type);
        return;
    }
    qsort(type, nrec, sizeof type[0], cmp_type);
    for (hsize_t k = 0; k < nrec;) {
        hsize_t j = k;
        while (j < nrec && !strcmp(type[j], type[k]))
            j++;
        fprintf(fp, "  %-32s %llu\n", type[k], (unsigned long long)(j - k));
        k = j;
    }
    free(type);
}

ps_status ps_output_spec_hash(const char *path, uint64_t *hash)
{
    hid_t file = -1, g = -1;
    ps_status st = ps_h5_open_checked(path, PS_FORMAT_NAME, 0, &file, NULL);
    if (st == PS_OK && ((g = H5Gopen2(file, "provenance", H5P_DEFAULT)) < 0 ||
                        ps_h5_get_u64(g, "spec_hash", hash) < 0))
        st = PS_ERR_INPUT;
    if (g >= 0)
        H5Gclose(g);
    if (file >= 0)
        H5Fclose(file);
    return st;
}

/* A pactsim file that is not HDF5: a checkpoint, named by its magic bytes
 * (sim/abc.c, sim/checkpoint.c), or NULL. */
static const char *checkpoint_kind(const char *name)
{
    char magic[8] = {0};
    FILE *fp = fopen(name, "rb");
    size_t got = fp ? fread(magic, 1, sizeof magic, fp) : 0;
    if (fp)
        fclose(fp);
    if (got == sizeof magic && !memcmp(magic, PS_ABC_MAGIC, sizeof magic))
        return "the checkpoint of an interrupted calibration (pactsim calibrate SPEC -o OUT "
               "--resume continues it; info reads OUT once it is complete)";
    if (got == sizeof magic && !memcmp(magic, PS_CKPT_MAGIC, sizeof magic))
        return "a replicate checkpoint of an interrupted run (pactsim run CONFIG -o OUT "
               "--resume continues it; info reads OUT once it is complete)";
    return NULL;
}

ps_status ps_output_open_read(const char *path, hid_t *file, ps_error *err)
{
    ps_h5_quiet();
    ps_h5_input in;
    ps_status st = ps_h5_input_open(&in, path, "a pactsim output file", err);
    if (st != PS_OK)
        return st;
    const int hdf5 = H5Fis_hdf5(in.name) > 0;
    const char *ckpt = hdf5 ? NULL : checkpoint_kind(in.name);
    if (ckpt)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: %s, not an output file", path, ckpt);
    else if (!hdf5)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: not an HDF5 file, so not a pactsim output "
                          "file", path);
    else if ((*file = ps_h5_input_fopen(&in, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        st = h5_fail(err, PS_ERR_INPUT, path, "open", "the HDF5 file");
    ps_h5_input_close(&in);
    return st;
}

ps_status ps_output_info(const char *path, FILE *fp, ps_error *err)
{
    hid_t file = H5I_INVALID_HID;
    ps_status st = ps_output_open_read(path, &file, err);
    return st != PS_OK ? st : ps_output_info_file(file, path, fp, err);
}

ps_status ps_output_info_file(hid_t file, const char *path, FILE *fp, ps_error *err)
{
    char fmt[64], scen[256], created[64], ver[64], git[128] = "unknown";
    char **dates = NULL, **iso = NULL, **th = NULL;
    hsize_t nt = 0, na = 0, nth = 0;
    long long fv = 0, reps = 0;
    ps_status st = PS_OK;
    ps_h5_quiet();
    if (ps_h5_get_str(file, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, PS_FORMAT_NAME)) {
        st = ps_error_set(err, PS_ERR_INPUT,
                          "%s: not a pactsim output file (no root attribute format=\"%s\")",
                          path, PS_FORMAT_NAME);
        goto done;
    }
    if (ps_h5_get_i64(file, "format_version", &fv) < 0) {
        st = ps_error_set(err, PS_ERR_INPUT, "%s: root attribute format_version is %s; "
                          "expected an integer", path,
                          H5Aexists(file, "format_version") > 0 ? "not an integer" : "missing");
        goto done;
    }
    if (fv > PS_FORMAT_VERSION) {
        st = ps_error_set(err, PS_ERR_INPUT,
                          "%s: format_version %lld was written by a newer pactsim "
                          "(this one reads up to %d)", path, fv, PS_FORMAT_VERSION);
        goto done;
    }
    ps_h5_get_str(file, "scenario", scen, sizeof scen);
    ps_h5_get_str(file, "created", created, sizeof created);
    ps_h5_get_str(file, "pactsim_version", ver, sizeof ver);
    char precision[16] = "", fields[64] = "";
    long long level = -1;
    if (H5Lexists(file, "provenance", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(file, "provenance", H5P_DEFAULT);
        ps_h5_get_str(g, "git_revision", git, sizeof git);
        ps_h5_get_i64(g, "replicates", &reps);
        /* files written before the output: key have neither: float64, level 4 */
        ps_h5_get_str(g, "output_precision", precision, sizeof precision);
        ps_h5_get_i64(g, "output_compression", &level);
        ps_h5_get_str(g, "output_fields", fields, sizeof fields); /* its start: all or not */
        H5Gclose(g);
    }
    if (ps_h5_read_strings(file, "/time/date", &dates, &nt) < 0 || nt == 0) {
        ps_h5_strings_free(dates, nt);
        if ((st = ps_h5_refusal(err, path)) != PS_OK)
            goto done;
        st = ps_error_set(err, PS_ERR_INPUT, "%s: dataset /time/date is %s; expected a "
                          "non-empty 1-D array of strings", path,
                          H5Lexists(file, "time", H5P_DEFAULT) <= 0 ||
                          H5Lexists(file, "/time/date", H5P_DEFAULT) <= 0 ? "missing"
                          : nt == 0 && dates ? "empty" : "unreadable");
        goto done;
    }
    if (ps_h5_read_strings(file, "/actors/iso3", &iso, &na) < 0) {
        ps_h5_strings_free(dates, nt);
        if ((st = ps_h5_refusal(err, path)) != PS_OK)
            goto done;
        st = ps_error_set(err, PS_ERR_INPUT, "%s: dataset /actors/iso3 is %s; expected a "
                          "1-D array of strings", path,
                          H5Lexists(file, "actors", H5P_DEFAULT) <= 0 ||
                          H5Lexists(file, "/actors/iso3", H5P_DEFAULT) <= 0 ? "missing"
                          : "unreadable");
        goto done;
    }
    ps_h5_read_strings(file, "/theaters/name", &th, &nth);
    info_check_sizes(file);
    if ((st = ps_h5_refusal(err, path)) != PS_OK) {
        ps_h5_strings_free(dates, nt);
        ps_h5_strings_free(iso, na);
        goto done;
    }
    fprintf(fp, "file:        %s (format %s %lld)\n", path, fmt, fv);
    char incomplete[PS_ERRMSG_MAX];
    if (ps_h5_get_str(file, "incomplete", incomplete, sizeof incomplete) == 0)
        fprintf(fp, "INCOMPLETE:  %s\n", incomplete);
    fprintf(fp, "scenario:    %s\n", scen);
    fprintf(fp, "created:     %s\n", created);
    fprintf(fp, "pactsim:     %s (git %s)\n", ver, git);
    fprintf(fp, "span:        %s to %s (%llu months, end-of-month states)\n", nz(dates[0]),
            nz(dates[nt - 1]), (unsigned long long)nt);
    fprintf(fp, "replicates:  %lld\n", reps);
    fprintf(fp, "actors:      %llu:", (unsigned long long)na);
    for (hsize_t k = 0; k < na; k++)
        fprintf(fp, " %s", nz(iso[k]));
    fprintf(fp, "\ntheaters:    %llu%s", (unsigned long long)nth, nth ? ":" : "");
    for (hsize_t k = 0; k < nth; k++)
        fprintf(fp, " %s", nz(th[k]));
    fprintf(fp, "\nvariables:   [replicate, time, actor | source, target | actor, theater]\n");
    if (precision[0] && level > 0)
        fprintf(fp, "storage:     %s, shuffle + deflate level %lld\n", precision, level);
    else if (precision[0])
        fprintf(fp, "storage:     %s, not compressed\n", precision);
    if (fields[0] && strcmp(fields, "all"))
        fprintf(fp, "fields:      only those listed below (output.fields)\n");
    ps_h5_strings_free(dates, nt);
    ps_h5_strings_free(iso, na);
    ps_h5_strings_free(th, nth);

    info_ctx c = {fp, NULL, 0};
    for (int s = 0; s < 3; s++) {
        if (H5Lexists(file, state_group[s], H5P_DEFAULT) <= 0)
            continue;
        c.group = state_group[s];
        H5Literate_by_name(file, state_group[s], H5_INDEX_NAME, H5_ITER_INC, NULL, info_var,
                            &c, H5P_DEFAULT);
    }
    if (H5Lexists(file, "summary", H5P_DEFAULT) > 0) {
        fprintf(fp, "summary:     over replicates\n  %-32s %12s %12s %12s %12s  units\n",
                "metric", "mean", "sd", "min", "max");
        c.group = "summary";
        c.summary = 1;
        H5Literate_by_name(file, "summary", H5_INDEX_NAME, H5_ITER_INC, NULL, info_var, &c,
                            H5P_DEFAULT);
    }
    info_events(file, fp);
    st = ps_h5_refusal(err, path); /* a summary or the events refused */
done:
    H5Fclose(file);
    return st;
}
