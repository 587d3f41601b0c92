/* Running a sweep into one HDF5 file (docs/sweeps.md).
 *
 * Crash safety without a journal: the file "<output>.partial" is created
 * whole (every dataset contiguous, allocated early and filled with NaN, every
 * attribute and dimension scale written) under a temporary name, closed and
 * renamed. After that the runs only overwrite raw data in place: no HDF5
 * metadata changes until the end, so a process killed at any moment (kill -9)
 * leaves a structurally valid file. Each run writes its values, flushes,
 * then sets its done flag and flushes again: a flag is never on disk before
 * its data. --resume reopens the file, checks the spec hash and runs the
 * (point, replicate) pairs whose flag is 0. Every run writes only its own
 * slots, so the datasets depend neither on threads nor on interruptions.
 * Beside each flag, done_crc holds a CRC-32 of the run's slot, flag and
 * values as written: --resume (and a merge) checks every done run against
 * it, and runs again those that fail (a flipped bit, a torn write).
 * A run not yet done saves mid-run segments in "<output>.segments/"
 * (sim/checkpoint.c, as a run's replicates do, keyed by the spec hash and
 * the run's index): --resume continues it from the last one. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>
#include <libdeflate.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "h5util.h"

#define SWEEP_FORMAT "pactsim-sweep"
#define SWEEP_FORMAT_VERSION 1
#define PART_FORMAT "pactsim-sweep-part"

/* The runs of a part: first, first + step, ... (count of them); a whole
 * sweep is {0, 1, points * replicates}. */
typedef struct run_set {
    long long first, step, count;
    int part;            /* a part file (else the sweep file) */
} run_set;

static const char *const state_group[3] = {"actor_state", "dyad_state", "theater_state"};

/* ------------------------------------------------------------ helpers */
/* A contiguous dataset, allocated and filled at creation, no time stamps:
 * writing into it later changes no metadata. fill may be NULL (zero). */
static hid_t dset_new(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int nd,
                      const hsize_t *dims, const void *fill)
{
    hid_t sp = H5Screate_simple(nd, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    H5Pset_obj_track_times(dcpl, 0);
    if (fill)
        H5Pset_fill_value(dcpl, mtype, fill);
    hid_t d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return d;
}

/* A 1-D dataset written at once; returns it open, or -1. */
static hid_t dset_put(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                      const void *buf)
{
    hid_t d = dset_new(loc, name, ftype, mtype, 1, &n, NULL);
    if (d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static hid_t dset_strings(hid_t loc, const char *name, const char *const *s, int n)
{
    hid_t t = ps_h5_vlen_str();
    hid_t d = dset_put(loc, name, t, t, (hsize_t)n, s);
    H5Tclose(t);
    return d;
}

static int put_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = ps_h5_vlen_str(), sp = H5Screate(H5S_SCALAR);
    const char *p = s ? s : "";
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0) ? -1 : 0;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    return rc;
}

static hid_t index_scale(hid_t loc, const char *name, int n, const char *long_name)
{
    int *v = ps_calloc((size_t)n + 1, sizeof *v);
    if (!v)
        return -1;
    for (int k = 0; k < n; k++)
        v[k] = k;
    hid_t d = dset_put(loc, name, H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)n, v);
    free(v);
    if (d >= 0 && (ps_h5_attr_str(d, "long_name", long_name) < 0 || H5DSset_scale(d, name) < 0)) {
        H5Dclose(d);
        return -1;
    }
    return d;
}

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ------------------------------------------------------------ the file */
typedef struct sweep_file {
    const ps_sweep *sw;
    const char *path;   /* the .partial */
    run_set rs;
    int rdonly;         /* a part read by a merge */
    hid_t file;
    hid_t *metric_ds;   /* per global metric */
    hid_t *field_ds;    /* per global field; -1 when not kept */
    hid_t done_ds;
    hid_t crc_ds;       /* done_crc: CRC-32 of each done run */
    int K;              /* kept records per run */
    int t0;             /* first kept month */
} sweep_file;

/* Does the sweep file hold field f's kept months (`fields:`)? */
static int kept_field(const ps_sweep *sw, int f)
{
    return ps_fields_has(sw->fields, f);
}

/* Kept months: every stride-th counted back from the last, so the final
 * state is always kept; t0 + k * stride for k < K. */
static void kept_months(const ps_sweep *sw, int *t0, int *K)
{
    int T = sw->base->n_months, s = sw->stride > 0 ? sw->stride : 1;
    if (sw->keep == PS_KEEP_SUMMARY) {
        *t0 = 0;
        *K = 0;
        return;
    }
    *K = (T - 1) / s + 1;
    *t0 = T - 1 - (*K - 1) * s;
}

static void sweep_file_close(sweep_file *f)
{
    int nf = ps_registry_n_fields(), nm = ps_registry_n_metrics();
    for (int m = 0; f->metric_ds && m < nm; m++)
        if (f->metric_ds[m] >= 0)
            H5Dclose(f->metric_ds[m]);
    for (int k = 0; f->field_ds && k < nf; k++)
        if (f->field_ds[k] >= 0)
            H5Dclose(f->field_ds[k]);
    if (f->done_ds >= 0)
        H5Dclose(f->done_ds);
    if (f->crc_ds >= 0)
        H5Dclose(f->crc_ds);
    f->crc_ds = -1;
    free(f->metric_ds);
    free(f->field_ds);
    f->metric_ds = NULL;
    f->field_ds = NULL;
    f->done_ds = -1;
}

static int attach(hid_t var, hid_t const *scales, int nd)
{
    for (int k = 0; k < nd; k++)
        if (H5DSattach_scale(var, scales[k], (unsigned)k) < 0)
            return -1;
    return 0;
}

static ps_status write_provenance(hid_t file, const ps_sweep *sw, const ps_sweep_options *opt,
                                  int threads, const char *created)
{
    hid_t g = H5Gcreate2(file, "provenance", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return PS_ERR_IO;
    int bad = ps_h5_provenance(g, opt->command_line, threads, created);
    bad |= ps_h5_attr_u64(g, "seed", sw->base->seed);
    bad |= ps_h5_attr_i32(g, "replicates", sw->replicates);
    if (opt->mpi_ranks > 0)
        bad |= ps_h5_attr_i32(g, "mpi_ranks", opt->mpi_ranks);
    bad |= ps_h5_attr_u64(g, "spec_hash", sw->hash);
    bad |= put_string(g, "spec_raw", sw->raw_text);
    bad |= put_string(g, "base_config_resolved", sw->base->resolved_text);
    if (sw->posterior) { /* as a run's /posterior_draws says them */
        bad |= ps_h5_attr_str(g, "posterior_file", sw->posterior->path);
        bad |= ps_h5_attr_u64(g, "posterior_hash", sw->posterior->hash);
    }
    H5Gclose(g);
    return bad ? PS_ERR_IO : PS_OK;
}

#define CRC_LONG_NAME                                                                       \
    "CRC-32 of the run's index (int64, point x replicates + replicate), done flag (uint8), " \
    "summary values and kept state values (float64, in file order) as written; checked by " \
    "--resume"

static int write_slot(hid_t d, int nd, const hsize_t *start, const hsize_t *count, hid_t ms,
                      hid_t mtype, const void *buf);

/* /sweep/posterior_draws, when the points draw from a posterior: what a
 * run's /posterior_draws says, per run. Written a point at a time. */
static int write_draws(hid_t g, const ps_sweep *sw, hid_t const *rs)
{
    const ps_posterior *p = sw->posterior;
    int P = sw->n_points, R = sw->replicates, k = p->n_params, bad = 0;
    hid_t dg = H5Gcreate2(g, "posterior_draws", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dg < 0)
        return -1;
    /* For parameter j the sweep varies: its index in the sweep, else -1. */
    int *from = ps_calloc((size_t)k + 1, sizeof *from), *sample = ps_calloc((size_t)R, sizeof *sample);
    double *v = ps_calloc((size_t)R * (size_t)k + 1, sizeof *v);
    ps_rng *rng = ps_rng_alloc();
    bad = !from || !sample || !v || !rng;
    for (int j = 0; !bad && j < k; j++) {
        from[j] = -1;
        for (int i = 0; sw->post_swept[j] && i < sw->n_params; i++)
            if (!strcmp(sw->params[i].path, p->paths[j]))
                from[j] = i;
    }
    hid_t ps = -1, sw_ds = -1, sd = -1, vd = -1;
    if (!bad) {
        ps = dset_strings(dg, "parameter", (const char *const *)p->paths, k);
        bad |= ps < 0 || ps_h5_attr_str(ps, "long_name", "the posterior's parameters "
                                        "(parameters.<model>.<name>)") < 0 ||
               H5DSset_scale(ps, "parameter") < 0;
        sw_ds = dset_put(dg, "swept", H5T_STD_U8LE, H5T_NATIVE_UCHAR, (hsize_t)k, sw->post_swept);
        bad |= sw_ds < 0 || attach(sw_ds, &ps, 1) < 0 ||
               ps_h5_attr_str(sw_ds, "long_name", "1: the sweep varies it; its values are the "
                              "point's, not the draw's") < 0;
        hsize_t d2[2] = {(hsize_t)P, (hsize_t)R}, d3[3] = {(hsize_t)P, (hsize_t)R, (hsize_t)k};
        sd = dset_new(dg, "sample", H5T_STD_I32LE, H5T_NATIVE_INT, 2, d2, NULL);
        vd = dset_new(dg, "values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, NULL);
        hid_t sc3[3] = {rs[0], rs[1], ps};
        bad |= sd < 0 || vd < 0 || attach(sd, rs, 2) < 0 || attach(vd, sc3, 3) < 0 ||
               ps_h5_attr_str(sd, "long_name", "index of the posterior sample replicate r "
                              "of point p drew") < 0 ||
               ps_h5_attr_str(vd, "long_name", "the values run (p, r) used (integer "
                              "parameters rounded)") < 0;
    }
    bad = bad || ps_h5_attr_str(dg, "posterior_file", p->path) < 0 ||
          ps_h5_attr_u64(dg, "posterior_hash", p->hash) < 0 ||
          ps_h5_attr_i32(dg, "posterior_samples", p->n_samples) < 0;
    for (int pt = 0; !bad && pt < P; pt++) {
        for (int r = 0; r < R; r++) {
            sample[r] = ps_posterior_sample(p, rng, sw->point_seed[pt], r);
            for (int j = 0; j < k; j++) {
                double x = p->samples[(size_t)sample[r] * k + j];
                if (from[j] >= 0) { /* as ps_sweep_override writes it */
                    x = sw->points[(size_t)pt * sw->n_params + from[j]];
                    x = sw->params[from[j]].integer ? rint(x) : x;
                }
                v[(size_t)r * k + j] = ps_value_integer(p->model[j], p->index[j]) ? round(x) : x;
            }
        }
        hsize_t st[3] = {(hsize_t)pt, 0, 0}, c2[2] = {1, (hsize_t)R}, c3[3] = {1, (hsize_t)R, (hsize_t)k};
        hid_t m2 = H5Screate_simple(2, c2, NULL), m3 = H5Screate_simple(3, c3, NULL);
        bad |= write_slot(sd, 2, st, c2, m2, H5T_NATIVE_INT, sample) < 0 ||
               write_slot(vd, 3, st, c3, m3, H5T_NATIVE_DOUBLE, v) < 0;
        H5Sclose(m2);
        H5Sclose(m3);
    }
    hid_t all[4] = {ps, sw_ds, sd, vd};
    for (int i = 0; i < 4; i++)
        if (all[i] >= 0)
            H5Dclose(all[i]);
    ps_rng_free(rng);
    free(from);
    free(sample);
    free(v);
    H5Gclose(dg);
    return bad ? -1 : 0;
}

/* /sweep: the design, its scales, the done flags and the summary. */
static ps_status write_design(hid_t file, const ps_sweep *sw)
{
    int P = sw->n_points, k = sw->n_params, R = sw->replicates, bad = 0;
    hid_t g = H5Gcreate2(file, "sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return PS_ERR_IO;
    bad |= ps_h5_attr_str(g, "name", sw->name);
    bad |= ps_h5_attr_str(g, "description", sw->description ? sw->description : "");
    bad |= ps_h5_attr_str(g, "design", ps_design_name(sw->design));
    bad |= ps_h5_attr_i32(g, "n_points", P);
    bad |= ps_h5_attr_i32(g, "n_params", k);
    bad |= ps_h5_attr_i32(g, "replicates", R);
    bad |= ps_h5_attr_i32(g, "samples", sw->samples);
    bad |= ps_h5_attr_i32(g, "levels", sw->levels);
    bad |= ps_h5_attr_u64(g, "design_seed", sw->design_seed);
    if (sw->design == PS_DESIGN_SALTELLI)
        bad |= ps_h5_attr_i32(g, "second_order", sw->second_order);
    static const char *const keep[] = {"summary", "stride", "full"};
    bad |= ps_h5_attr_str(g, "output", keep[sw->keep]);
    bad |= ps_h5_attr_i32(g, "stride", sw->stride);
    char *fields = ps_fields_names(sw->fields);
    bad |= !fields || ps_h5_attr_str(g, "fields", fields) < 0;
    free(fields);
    const char **names = ps_calloc((size_t)k, sizeof *names);
    const char **units = ps_calloc((size_t)k, sizeof *units);
    double *lo = ps_calloc((size_t)k, sizeof *lo), *hi = ps_calloc((size_t)k, sizeof *hi);
    if (!names || !units || !lo || !hi)
        bad = 1;
    for (int j = 0; !bad && j < k; j++) {
        names[j] = sw->params[j].path;
        units[j] = sw->params[j].unit;
        lo[j] = sw->params[j].lo;
        hi[j] = sw->params[j].hi;
    }
    hid_t sc[2] = {-1, -1}, v[6] = {-1, -1, -1, -1, -1, -1};
    if (!bad) {
        sc[0] = index_scale(g, "point", P, "design point");
        sc[1] = dset_strings(g, "param", names, k);
        bad |= sc[0] < 0 || sc[1] < 0 || ps_h5_attr_str(sc[1], "long_name", "swept parameter (--set path)") < 0 ||
               H5DSset_scale(sc[1], "param") < 0;
    }
    if (!bad) {
        hsize_t dims[2] = {(hsize_t)P, (hsize_t)k};
        v[0] = dset_new(g, "points", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, NULL);
        v[1] = dset_new(g, "unit", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, NULL);
        bad |= v[0] < 0 || v[1] < 0 ||
               H5Dwrite(v[0], H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sw->points) < 0 ||
               H5Dwrite(v[1], H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, sw->unit) < 0 ||
               ps_h5_attr_str(v[0], "long_name", "parameter values of each point") < 0 ||
               ps_h5_attr_str(v[1], "long_name", "design in [0, 1] (before mapping to ranges and values)") < 0 ||
               attach(v[0], sc, 2) < 0 || attach(v[1], sc, 2) < 0;
    }
    if (!bad) {
        v[2] = dset_strings(g, "param_units", units, k);
        v[3] = dset_put(g, "param_lo", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)k, lo);
        v[4] = dset_put(g, "param_hi", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)k, hi);
        bad |= v[2] < 0 || v[3] < 0 || v[4] < 0 || attach(v[2], sc + 1, 1) < 0 ||
               attach(v[3], sc + 1, 1) < 0 || attach(v[4], sc + 1, 1) < 0;
    }
    if (!bad && sw->step) {
        v[5] = dset_put(g, "morris_step", H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)P, sw->step);
        bad |= v[5] < 0 || attach(v[5], sc, 1) < 0 ||
               ps_h5_attr_str(v[5], "long_name", "parameter moved from the previous point (-1: a "
                        "trajectory starts)") < 0;
    }
    for (int i = 0; i < 6; i++)
        if (v[i] >= 0)
            H5Dclose(v[i]);
    for (int i = 0; i < 2; i++)
        if (sc[i] >= 0)
            H5Dclose(sc[i]);
    free(names);
    free(units);
    free(lo);
    free(hi);

    /* done [point, replicate] and the summary, with their own scales. */
    hid_t rs[2] = {-1, -1};
    if (!bad) {
        rs[0] = H5Dopen2(g, "point", H5P_DEFAULT);
        rs[1] = index_scale(g, "replicate", R, "replicate index (common random numbers: the "
                            "same streams at every point)");
        hsize_t dims[2] = {(hsize_t)P, (hsize_t)R};
        hid_t d = dset_new(g, "done", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 2, dims, NULL);
        bad |= rs[0] < 0 || rs[1] < 0 || d < 0 || attach(d, rs, 2) < 0 ||
               ps_h5_attr_str(d, "long_name", "1: run complete; 2: stopped by a non-finite value "
                        "(its values NaN); 0: not run") < 0;
        if (d >= 0)
            H5Dclose(d);
        d = dset_new(g, "done_crc", H5T_STD_U32LE, H5T_NATIVE_UINT32, 2, dims, NULL);
        bad |= d < 0 || attach(d, rs, 2) < 0 ||
               ps_h5_attr_str(d, "long_name", CRC_LONG_NAME) < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    hid_t sg = bad ? -1 : H5Gcreate2(g, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= sg < 0;
    double nan = NAN;
    for (int m = 0; !bad && m < ps_registry_n_metrics(); m++) {
        const ps_metric *md = ps_registry_metric(m, NULL);
        hsize_t dims[2] = {(hsize_t)P, (hsize_t)R};
        hid_t d = dset_new(sg, md->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, &nan);
        bad |= d < 0 || ps_h5_attr_str(d, "units", md->unit) < 0 ||
               ps_h5_attr_str(d, "description", md->description) < 0 ||
               ps_h5_attr_str(d, "long_name", md->name) < 0 || attach(d, rs, 2) < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    if (sg >= 0)
        H5Gclose(sg);
    if (!bad && sw->posterior)
        bad |= write_draws(g, sw, rs) < 0;
    for (int i = 0; i < 2; i++)
        if (rs[i] >= 0)
            H5Dclose(rs[i]);
    H5Gclose(g);
    return bad ? PS_ERR_IO : PS_OK;
}

/* /sweep/<actor|dyad|theater>_state/<field> [point, replicate, time, ...]. */
static ps_status write_series(hid_t file, const ps_sweep *sw, int t0, int K)
{
    const ps_scenario *sc = sw->base;
    int N = sc->n_actors, TH = sc->n_theaters, bad = 0;
    hid_t g = H5Gopen2(file, "sweep", H5P_DEFAULT);
    if (g < 0)
        return PS_ERR_IO;
    double *days = ps_calloc((size_t)K, sizeof *days);
    const char **iso = ps_calloc((size_t)N + 1, sizeof *iso);
    const char **dates = ps_calloc((size_t)K, sizeof *dates);
    char (*dbuf)[8] = ps_calloc((size_t)K, sizeof *dbuf);
    const char **th = ps_calloc((size_t)TH + 1, sizeof *th);
    if (!days || !iso || !dates || !dbuf || !th)
        bad = 1;
    for (int k = 0; !bad && k < K; k++) {
        ps_date d = ps_date_add(sc->start, t0 + k * (sw->stride > 0 ? sw->stride : 1));
        days[k] = (double)days_from_civil(d.year, d.month, 1);
        ps_date_format(d, dbuf[k]);
        dates[k] = dbuf[k];
    }
    for (int i = 0; !bad && i < N; i++)
        iso[i] = sc->actor_iso3[i];
    for (int i = 0; !bad && i < TH; i++)
        th[i] = sc->theater_name[i];
    if (!bad) {
        hid_t d = dset_strings(g, "date", dates, K);
        bad |= d < 0 || ps_h5_attr_str(d, "long_name", "kept months (YYYY-MM), end-of-month states") < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    double nan = NAN;
    for (int s = 0; !bad && s < 3; s++) {
        int nv = 0;
        for (int f = 0; f < ps_registry_n_fields(); f++)
            nv += ps_registry_field(f, NULL)->shape == (ps_shape)s && kept_field(sw, f);
        if (nv == 0 || (s == PS_THEATER && TH == 0))
            continue;
        hid_t sg = H5Gcreate2(g, state_group[s], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        static const char *const dn[3][5] = {{"point", "replicate", "time", "actor", NULL},
                                            {"point", "replicate", "time", "source", "target"},
                                            {"point", "replicate", "time", "actor", "theater"}};
        int nd = s == PS_ACTOR ? 4 : 5;
        hid_t scl[5] = {-1, -1, -1, -1, -1};
        bad |= sg < 0;
        if (!bad) {
            scl[0] = index_scale(sg, "point", sw->n_points, "design point");
            scl[1] = index_scale(sg, "replicate", sw->replicates, "replicate index");
            scl[2] = dset_put(sg, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)K, days);
            bad |= scl[2] < 0 || ps_h5_attr_str(scl[2], "units", "days since 1970-01-01") < 0 ||
                   ps_h5_attr_str(scl[2], "calendar", "proleptic_gregorian") < 0 ||
                   H5DSset_scale(scl[2], "time") < 0;
            for (int k = 3; !bad && k < nd; k++) {
                int th_dim = !strcmp(dn[s][k], "theater");
                scl[k] = dset_strings(sg, dn[s][k], th_dim ? th : iso, th_dim ? TH : N);
                bad |= scl[k] < 0 || H5DSset_scale(scl[k], dn[s][k]) < 0;
            }
            bad |= scl[0] < 0 || scl[1] < 0;
        }
        hsize_t dims[5] = {(hsize_t)sw->n_points, (hsize_t)sw->replicates, (hsize_t)K,
                           (hsize_t)N, s == PS_DYAD ? (hsize_t)N : (hsize_t)TH};
        for (int f = 0; !bad && f < ps_registry_n_fields(); f++) {
            const ps_field *fd = ps_registry_field(f, NULL);
            if (fd->shape != (ps_shape)s || !kept_field(sw, f))
                continue;
            hid_t d = dset_new(sg, fd->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, nd, dims, &nan);
            bad |= d < 0 || ps_h5_attr_str(d, "units", fd->unit) < 0 ||
                   ps_h5_attr_str(d, "description", fd->description) < 0 ||
                   ps_h5_attr_str(d, "long_name", fd->name) < 0 ||
                   ps_h5_attr_str(d, "precision", "float64") < 0 || attach(d, scl, nd) < 0;
            if (d >= 0)
                H5Dclose(d);
        }
        for (int k = 0; k < 5; k++)
            if (scl[k] >= 0)
                H5Dclose(scl[k]);
        if (sg >= 0)
            H5Gclose(sg);
    }
    free(days);
    free(iso);
    free(dates);
    free(dbuf);
    free(th);
    H5Gclose(g);
    return bad ? PS_ERR_IO : PS_OK;
}

static int attr_i64(hid_t obj, const char *name, long long v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    int rc = (a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, &v) < 0) ? -1 : 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return rc;
}

/* A part file: /part/done [run], /part/summary/<metric> [run] and
 * /part/<group>/<field> [run, time, ...] for the part's runs only, in the
 * order of the run set; no scales (the merged file has them). */
static ps_status write_part(hid_t file, const ps_sweep *sw, const run_set *rs, int K)
{
    int bad = attr_i64(file, "run_first", rs->first) | attr_i64(file, "run_step", rs->step) |
              attr_i64(file, "run_count", rs->count) |
              attr_i64(file, "runs", (long long)sw->n_points * sw->replicates);
    hid_t g = bad ? -1 : H5Gcreate2(file, "part", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return PS_ERR_IO;
    hsize_t n = (hsize_t)rs->count;
    hid_t d = dset_new(g, "done", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 1, &n, NULL);
    bad |= d < 0;
    if (d >= 0)
        H5Dclose(d);
    d = dset_new(g, "done_crc", H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, &n, NULL);
    bad |= d < 0;
    if (d >= 0)
        H5Dclose(d);
    double nan = NAN;
    hid_t sg = bad ? -1 : H5Gcreate2(g, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    bad |= sg < 0;
    for (int m = 0; !bad && m < ps_registry_n_metrics(); m++) {
        const ps_metric *md = ps_registry_metric(m, NULL);
        d = dset_new(sg, md->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, &nan);
        /* Units and description as in the merged file: info reads a part alone. */
        bad |= d < 0 || ps_h5_attr_str(d, "units", md->unit) < 0 ||
               ps_h5_attr_str(d, "description", md->description) < 0;
        if (d >= 0)
            H5Dclose(d);
    }
    if (sg >= 0)
        H5Gclose(sg);
    const ps_scenario *sc = sw->base;
    for (int s = 0; !bad && K > 0 && s < 3; s++) {
        if (s == PS_THEATER && sc->n_theaters == 0)
            continue;
        hid_t fg = -1;
        hsize_t dims[4] = {n, (hsize_t)K, (hsize_t)sc->n_actors,
                           s == PS_DYAD ? (hsize_t)sc->n_actors : (hsize_t)sc->n_theaters};
        for (int f = 0; !bad && f < ps_registry_n_fields(); f++) {
            const ps_field *fd = ps_registry_field(f, NULL);
            if (fd->shape != (ps_shape)s || !kept_field(sw, f))
                continue;
            if (fg < 0 && (fg = H5Gcreate2(g, state_group[s], H5P_DEFAULT, H5P_DEFAULT,
                                           H5P_DEFAULT)) < 0) {
                bad = 1;
                break;
            }
            d = dset_new(fg, fd->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s == PS_ACTOR ? 3 : 4,
                         dims, &nan);
            bad |= d < 0;
            if (d >= 0)
                H5Dclose(d);
        }
        if (fg >= 0)
            H5Gclose(fg);
    }
    H5Gclose(g);
    return bad ? PS_ERR_IO : PS_OK;
}

/* Create the whole .partial under a temporary name and rename it; direct:
 * create it under that name (a merge's file, itself a temporary). */
static ps_status create_partial(const ps_sweep *sw, const char *partial, const run_set *rs,
                                const ps_sweep_options *opt, int threads, int direct,
                                ps_error *err)
{
    size_t len = strlen(partial) + 32;
    char *tmp = malloc(len);
    if (!tmp)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    if (direct)
        snprintf(tmp, len, "%s", partial);
    else
        snprintf(tmp, len, "%s.tmp.%ld", partial, (long)getpid());
    ps_out_remove_stale(partial, ".tmp.");
    hid_t file = -1;
    ps_status cs = ps_h5_create_excl(tmp, opt->output, &file, err);
    if (cs != PS_OK) {
        free(tmp);
        return cs;
    }
    unsigned long failures = ps_h5_failures();
    char created[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int bad = ps_h5_attr_str(file, "format", rs->part ? PART_FORMAT : SWEEP_FORMAT);
    bad |= ps_h5_attr_i32(file, "format_version", SWEEP_FORMAT_VERSION);
    bad |= ps_h5_attr_str(file, "pactsim_version", PS_VERSION);
    bad |= ps_h5_attr_str(file, "created", created);
    bad |= ps_h5_attr_str(file, "sweep", sw->name);
    bad |= ps_h5_attr_str(file, "scenario", sw->base->name);
    ps_status st = bad ? PS_ERR_IO : write_provenance(file, sw, opt, threads, created);
    int t0, K;
    kept_months(sw, &t0, &K);
    if (st == PS_OK && rs->part)
        st = write_part(file, sw, rs, K);
    else {
        if (st == PS_OK)
            st = write_design(file, sw);
        if (st == PS_OK && K > 0)
            st = write_series(file, sw, t0, K);
    }
    /* A failed call not looked at (a dataset's close) loses data too. */
    if (st == PS_OK && (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 || ps_h5_failures() != failures)) {
        ps_h5_failure_msg(ps_h5_last(), PS_H5_MSG_MAX);
        st = PS_ERR_IO;
    }
    if (st != PS_OK)
        st = ps_h5_fail(err, PS_ERR_IO, opt->output, "write the structure of the sweep file");
    if (st != PS_OK)
        ps_h5_discard(file);
    if (H5Fclose(file) < 0 && st == PS_OK)
        st = ps_h5_fail(err, PS_ERR_IO, opt->output, "write the structure of the sweep file");
    if (st == PS_OK && !direct)
        st = ps_out_publish(tmp, partial, 0, NULL, 0, err);
    if (st != PS_OK)
        unlink(tmp);
    free(tmp);
    return st;
}

/* Open the .partial for writing and its datasets. */
static ps_status open_partial(sweep_file *f, ps_error *err)
{
    const ps_sweep *sw = f->sw;
    int nf = ps_registry_n_fields(), nm = ps_registry_n_metrics();
    f->done_ds = f->crc_ds = -1;
    f->file = -1;
    ps_h5_input in;
    ps_status rs = ps_h5_input_open(&in, f->path, "a pactsim sweep's partial file", err);
    if (rs != PS_OK)
        return rs;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
    f->file = ps_h5_input_fopen(&in, f->rdonly ? H5F_ACC_RDONLY : H5F_ACC_RDWR, fapl);
    H5Pclose(fapl);
    ps_h5_input_close(&in);
    f->done_ds = -1;
    if (f->file < 0)
        return ps_h5_fail(err, PS_ERR_IO, f->path, "open the partial sweep file (delete it, or use --force "
                       "to start over)");
    char fmt[64];
    uint64_t hash = 0;
    const char *want = f->rs.part ? PART_FORMAT : SWEEP_FORMAT, *pre = f->rs.part ? "/part" : "/sweep";
    hid_t g = H5Gopen2(f->file, "provenance", H5P_DEFAULT);
    if (ps_h5_get_str(f->file, "format", fmt, sizeof fmt) < 0 || strcmp(fmt, want) ||
        g < 0 || ps_h5_get_u64(g, "spec_hash", &hash) < 0) {
        if (g >= 0)
            H5Gclose(g);
        return ps_error_set(err, PS_ERR_INPUT, "%s: not a pactsim %s file; delete it or "
                            "use --force to start over", f->path, f->rs.part ? "sweep part" : "sweep");
    }
    H5Gclose(g);
    long long a = -1, b = -1, c = -1;
    if (f->rs.part && (ps_h5_get_i64(f->file, "run_first", &a) < 0 ||
                       ps_h5_get_i64(f->file, "run_step", &b) < 0 ||
                       ps_h5_get_i64(f->file, "run_count", &c) < 0 || a != f->rs.first ||
                       b != f->rs.step || c != f->rs.count))
        return ps_error_set(err, PS_ERR_INPUT, "%s: holds other runs (first %lld, step %lld, "
                            "count %lld; now %lld, %lld, %lld): another number of ranks or "
                            "other points; use --force to start over", f->path, a, b, c,
                            f->rs.first, f->rs.step, f->rs.count);
    if (hash != sw->hash)
        return ps_error_set(err, PS_ERR_INPUT, "%s: was started from another spec, base "
                            "scenario or pactsim version (spec hash %016llx, now %016llx); use "
                            "--force to start over", f->path, (unsigned long long)hash,
                            (unsigned long long)sw->hash);
    kept_months(sw, &f->t0, &f->K);
    f->metric_ds = ps_calloc((size_t)nm + 1, sizeof *f->metric_ds);
    f->field_ds = ps_calloc((size_t)nf + 1, sizeof *f->field_ds);
    if (!f->metric_ds || !f->field_ds)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int k = 0; k < nf; k++)
        f->field_ds[k] = -1;
    for (int m = 0; m < nm; m++)
        f->metric_ds[m] = -1;
    char name[256];
    for (int m = 0; m < nm; m++) {
        snprintf(name, sizeof name, "%s/summary/%s", pre, ps_registry_metric(m, NULL)->name);
        if ((f->metric_ds[m] = H5Dopen2(f->file, name, H5P_DEFAULT)) < 0)
            return ps_error_set(err, PS_ERR_INPUT, "%s: has no %s (written by another build?); "
                                "use --force to start over", f->path, name);
    }
    for (int k = 0; f->K > 0 && k < nf; k++) {
        const ps_field *fd = ps_registry_field(k, NULL);
        if ((fd->shape == PS_THEATER && sw->base->n_theaters == 0) || !kept_field(sw, k))
            continue;
        snprintf(name, sizeof name, "%s/%s/%s", pre, state_group[fd->shape], fd->name);
        if ((f->field_ds[k] = H5Dopen2(f->file, name, H5P_DEFAULT)) < 0)
            return ps_error_set(err, PS_ERR_INPUT, "%s: has no %s (written by another build?); "
                                "use --force to start over", f->path, name);
    }
    snprintf(name, sizeof name, "%s/done", pre);
    if ((f->done_ds = H5Dopen2(f->file, name, H5P_DEFAULT)) < 0)
        return ps_h5_fail(err, PS_ERR_IO, f->path, "open the done flags");
    snprintf(name, sizeof name, "%s/done_crc", pre);
    if ((f->crc_ds = H5Dopen2(f->file, name, H5P_DEFAULT)) < 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s: has no %s (written by another build?); "
                            "use --force to start over", f->path, name);
    return PS_OK;
}

static int write_slot(hid_t d, int nd, const hsize_t *start, const hsize_t *count, hid_t ms,
                      hid_t mtype, const void *buf)
{
    hid_t fs = H5Dget_space(d);
    int rc = (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
              H5Dwrite(d, mtype, ms, fs, H5P_DEFAULT, buf) < 0) ? -1 : 0;
    (void)nd;
    H5Sclose(fs);
    return rc;
}

/* Write one run's values, flush, then its flag, flush. */
static ps_status write_run(sweep_file *f, long long slot, int p, ps_run *run,
                           unsigned char flag, ps_error *err)
{
    int nm = ps_registry_n_metrics(), nf = ps_registry_n_fields();
    /* A part file has one run dimension where the sweep file has two: its
     * selections start one element later, with the slot in start[1]. */
    hsize_t start_[5] = {(hsize_t)p, (hsize_t)run->replicate, 0, 0, 0};
    int sh = f->rs.part ? 1 : 0;
    if (sh)
        start_[1] = (hsize_t)slot;
    const hsize_t *start = start_ + sh;
    hsize_t one[2] = {1, 1};
    hid_t ms1 = H5Screate_simple(2, one, NULL);
    int bad = 0;
    int64_t slot64 = f->rs.first + slot * f->rs.step; /* the run's index in the sweep */
    uint32_t crc = libdeflate_crc32(0, &slot64, sizeof slot64);
    crc = libdeflate_crc32(crc, &flag, 1);
    for (int m = 0; m < nm && !bad; m++) {
        double v = flag == 1 ? run->metrics[m] : NAN;
        crc = libdeflate_crc32(crc, &v, sizeof v);
        bad |= write_slot(f->metric_ds[m], 2 - sh, start, one, ms1, H5T_NATIVE_DOUBLE, &v);
    }
    const ps_scenario *sc = f->sw->base;
    for (int k = 0; k < nf && !bad && f->K > 0; k++) {
        if (f->field_ds[k] < 0)
            continue;
        const ps_field *fd = ps_registry_field(k, NULL);
        hsize_t size = (hsize_t)sc->n_actors *
                       (fd->shape == PS_DYAD ? (hsize_t)sc->n_actors
                        : fd->shape == PS_THEATER ? (hsize_t)sc->n_theaters : 1);
        /* Months a failed run did not reach are NaN. */
        for (int t = run->n_done; t < run->n_months; t++)
            for (hsize_t i = 0; i < size; i++)
                run->series[k][(size_t)t * size + i] = NAN;
        hsize_t mdims[2] = {(hsize_t)run->n_months, size};
        hsize_t mstart[2] = {(hsize_t)f->t0, 0}, mstride[2] = {(hsize_t)(f->sw->stride > 0 ? f->sw->stride : 1), 1};
        hsize_t mcount[2] = {(hsize_t)f->K, size};
        hid_t ms = H5Screate_simple(2, mdims, NULL);
        H5Sselect_hyperslab(ms, H5S_SELECT_SET, mstart, mstride, mcount, NULL);
        for (int j = 0; j < f->K; j++) /* the kept months, in file order */
            crc = libdeflate_crc32(crc, run->series[k] + ((size_t)f->t0 + (size_t)j *
                        mstride[0]) * size, size * sizeof(double));
        int nd = fd->shape == PS_ACTOR ? 4 : 5;
        hsize_t count[5] = {1, 1, (hsize_t)f->K, (hsize_t)sc->n_actors,
                            fd->shape == PS_DYAD ? (hsize_t)sc->n_actors : (hsize_t)sc->n_theaters};
        bad |= write_slot(f->field_ds[k], nd - sh, start, count + sh, ms, H5T_NATIVE_DOUBLE,
                          run->series[k]);
        H5Sclose(ms);
    }
    bad = bad || H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0;
    uint32_t crc32v = (uint32_t)crc;
    bad = bad || write_slot(f->crc_ds, 2 - sh, start, one, ms1, H5T_NATIVE_UINT32, &crc32v) < 0;
    bad = bad || write_slot(f->done_ds, 2 - sh, start, one, ms1, H5T_NATIVE_UCHAR, &flag) < 0;
    bad = bad || H5Fflush(f->file, H5F_SCOPE_GLOBAL) < 0;
    H5Sclose(ms1);
    if (bad) {
        char what[96];
        snprintf(what, sizeof what, "write point %d replicate %d", p, run->replicate);
        return ps_h5_fail(err, PS_ERR_IO, f->path, what);
    }
    return PS_OK;
}

/* Values in a done-flag dataset, which is read whole into one flag per run. */
static hsize_t done_extent(hid_t d)
{
    hid_t s = H5Dget_space(d);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0)
        H5Sclose(s);
    return n < 0 ? 0 : (hsize_t)n;
}

/* Select n slots from slot i0 of a per-run dataset: [run] in a part file,
 * [point, replicate] (whole points) in a sweep file. */
static int select_slots(hid_t fs, const sweep_file *f, long long i0, long long n)
{
    hsize_t R = (hsize_t)f->sw->replicates;
    hsize_t st[2] = {(hsize_t)i0, 0}, cn[2] = {(hsize_t)n, 1};
    if (!f->rs.part)
        st[0] = (hsize_t)i0 / R, cn[0] = (hsize_t)n / R, cn[1] = R;
    return H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cn, NULL) < 0 ? -1 : 0;
}

/* Check every done run of f against its CRC (write_run's order: run index, flag,
 * metrics, kept months of each field); a run that fails, or whose flag is
 * not 1 or 2, is marked not done (done[i] = 0). Returns how many, or -1 if
 * the file cannot be read. */
static long long verify_runs(const sweep_file *f, unsigned char *done, long long runs)
{
    long long R = f->sw->replicates, B = f->rs.part ? 65536 : R * (65536 / R + 1);
    uint32_t *want = ps_calloc((size_t)runs + 1, sizeof *want);
    uint32_t *state = ps_calloc((size_t)runs + 1, sizeof *state);
    double *buf = ps_calloc((size_t)(B < runs ? B : runs) + 1, sizeof *buf), *vals = NULL;
    int bad = !want || !state || !buf || done_extent(f->crc_ds) != (hsize_t)runs ||
              H5Dread(f->crc_ds, H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, want) < 0;
    for (long long i = 0; !bad && i < runs; i++) {
        int64_t slot = f->rs.first + i * f->rs.step;
        state[i] = libdeflate_crc32(libdeflate_crc32(0, &slot, sizeof slot),
                         &done[i], 1);
    }
    for (int m = 0; !bad && m < ps_registry_n_metrics(); m++)
        for (long long i0 = 0; !bad && i0 < runs; i0 += B) {
            long long n = runs - i0 < B ? runs - i0 : B;
            hsize_t nn = (hsize_t)n;
            hid_t fs = H5Dget_space(f->metric_ds[m]), ms = H5Screate_simple(1, &nn, NULL);
            bad = select_slots(fs, f, i0, n) < 0 ||
                  H5Dread(f->metric_ds[m], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf) < 0;
            H5Sclose(ms);
            H5Sclose(fs);
            for (long long i = i0; !bad && i < i0 + n; i++)
                if (done[i])
                    state[i] = libdeflate_crc32(state[i], &buf[i - i0], sizeof(double));
        }
    for (int k = 0; !bad && f->K > 0 && k < ps_registry_n_fields(); k++) {
        if (f->field_ds[k] < 0)
            continue;
        hsize_t dims[H5S_MAX_RANK], st[8] = {0}, cn[H5S_MAX_RANK];
        hid_t fs = H5Dget_space(f->field_ds[k]);
        int nd = H5Sget_simple_extent_dims(fs, dims, NULL), lead = f->rs.part ? 1 : 2;
        hsize_t per = 1;
        for (int d = 0; d < nd; d++)
            per *= (cn[d] = d < lead ? 1 : dims[d]);
        free(vals);
        /* (the extent is the file's claim: within what it stores) */
        vals = nd > lead && nd <= 8 && ps_h5_check_size(f->field_ds[k], "state", 0, NULL) == 0
                   ? ps_calloc((size_t)per, sizeof *vals) : NULL;
        hid_t ms = H5Screate_simple(1, &per, NULL);
        bad = !vals;
        for (long long i = 0; !bad && i < runs; i++) {
            if (!done[i])
                continue;
            st[0] = (hsize_t)(f->rs.part ? i : i / R);
            st[1] = f->rs.part ? 0 : (hsize_t)(i % R);
            bad = H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cn, NULL) < 0 ||
                  H5Dread(f->field_ds[k], H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, vals) < 0;
            if (!bad)
                state[i] = libdeflate_crc32(state[i], vals, per * sizeof *vals);
        }
        H5Sclose(ms);
        H5Sclose(fs);
    }
    long long dropped = 0;
    for (long long i = 0; !bad && i < runs; i++)
        if (done[i] && (done[i] > 2 || (uint32_t)state[i] != want[i])) {
            done[i] = 0;
            dropped++;
        }
    free(want);
    free(state);
    free(buf);
    free(vals);
    return bad ? -1 : dropped;
}

/* If the finished file exists, is it this sweep's? */
static int finished_matches(const char *path, uint64_t hash, const run_set *rs)
{
    ps_h5_input in;
    if (ps_h5_input_open(&in, path, "", NULL) != PS_OK)
        return 0;
    hid_t file = ps_h5_input_fopen(&in, H5F_ACC_RDONLY, H5P_DEFAULT);
    ps_h5_input_close(&in);
    if (file < 0)
        return 0;
    uint64_t h = 0;
    char fmt[64];
    long long a = -1, b = -1, c = -1;
    hid_t g = H5Gopen2(file, "provenance", H5P_DEFAULT);
    int ok = g >= 0 && ps_h5_get_u64(g, "spec_hash", &h) == 0 && h == hash &&
             ps_h5_get_str(file, "format", fmt, sizeof fmt) == 0 &&
             !strcmp(fmt, rs->part ? PART_FORMAT : SWEEP_FORMAT);
    if (ok && rs->part)
        ok = ps_h5_get_i64(file, "run_first", &a) == 0 && ps_h5_get_i64(file, "run_step", &b) == 0 &&
             ps_h5_get_i64(file, "run_count", &c) == 0 && a == rs->first && b == rs->step &&
             c == rs->count;
    if (g >= 0)
        H5Gclose(g);
    H5Fclose(file);
    return ok;
}

/* Does a sweep's run keep only some series (a mask, not NULL)? */
static int sweep_keeps_some(const ps_sweep *sw)
{
    return sw->keep == PS_KEEP_SUMMARY || sw->fields;
}

/* The series a sweep's run keeps: those its metrics read in summary mode
 * (ps_run_keep_metrics), all when it keeps months of the state (NULL), or
 * with `fields:` those and what its metrics read (the spec allows no
 * `fields:` in summary mode). */
static unsigned char *sweep_keep(const ps_sweep *sw)
{
    return sweep_keeps_some(sw) ? ps_run_keep_fields(sw->fields) : NULL;
}

/* Before anything is created: a world (two state buffers) and the kept
 * series per running thread, of the base scenario's size (points change parameters,
 * not actors or months), and a done flag and a CRC per run, against the
 * memory this process may use (physical, cgroup, ulimit: sim/limits.c). */
static ps_status check_memory(const ps_sweep *sw, int threads, long long runs, ps_error *err)
{
    if (runs < threads)
        threads = (int)runs;
    const ps_scenario *sc = sw->base;
    uint64_t E, mem;
    unsigned char *keep = sweep_keep(sw);
    if (!keep && sweep_keeps_some(sw))
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    /* (one operation a statement: the operands of | are not sequenced) */
    int over = ps_state_values(sc, &E);
    over |= ps_series_values(sc, keep, &mem);
    over |= __builtin_add_overflow(mem, 2 * E, &mem); /* E < 2^63: ps_state_values */
    over |= __builtin_mul_overflow(mem, 8 * (uint64_t)(threads > 0 ? threads : 1), &mem);
    over |= __builtin_add_overflow(mem, (uint64_t)runs * 16, &mem);
    free(keep);
    const char *which;
    uint64_t limit = ps_memory_limit(&which);
    char a[32], b[32];
    if (over || mem > limit)
        return ps_error_set(err, PS_ERR_CONFIG, "sweep too large: its runs need %s of memory "
                            "(%d actors, %d months, %d at once), more than the %s this "
                            "process may use (%s); reduce --threads, actors or months",
                            over ? "more than 2^64 bytes" : ps_human_bytes(mem, a),
                            sc->n_actors, sc->n_months, threads, ps_human_bytes(limit, b),
                            which);
    return PS_OK;
}

/* The sweep file's size, exact: its datasets are allocated when it is
 * created (runs x (metrics, done flag, its CRC and kept months of every kept field)). */
static ps_status check_space(const ps_sweep *sw, long long runs, const char *output,
                             ps_error *err)
{
    const ps_scenario *sc = sw->base;
    uint64_t E, per, file;
    int t0, K;
    kept_months(sw, &t0, &K);
    int over = ps_state_values_kept(sc, sw->fields, &E);
    over |= __builtin_mul_overflow(E, (uint64_t)K, &per);
    over |= __builtin_add_overflow(per, (uint64_t)ps_registry_n_metrics(), &per);
    over |= __builtin_mul_overflow(per, 8, &per);
    over |= __builtin_add_overflow(per, 1 + 4, &per);
    over |= __builtin_mul_overflow(per, (uint64_t)runs, &file);
    char a[32], b[32];
    if (over)
        return ps_error_set(err, PS_ERR_CONFIG, "%s: %lld runs of %d actors and %d kept "
                            "months need more than 2^64 bytes; keep fewer months (keep: "
                            "summary or a stride) or run fewer points", output, runs,
                            sc->n_actors, K);
    uint64_t avail = ps_out_free_bytes(output);
    if (file > avail)
        return ps_error_set(err, PS_ERR_CONFIG, "%s: the sweep file needs %llu bytes (%s: %lld "
                            "runs x %llu bytes, allocated when it is created), and its "
                            "directory has %s free; write elsewhere, keep fewer months or run "
                            "a part of the points (--points)", output,
                            (unsigned long long)file, ps_human_bytes(file, a), runs,
                            (unsigned long long)per, ps_human_bytes(avail, b));
    return PS_OK;
}

static ps_status sweep_run(ps_sweep *sw, const ps_sweep_options *opt, ps_sweep_result *res,
                           ps_error *err);

/* Never over a device, a FIFO, a directory or one of the sweep's inputs;
 * then one process per output (the lock a run takes too). */
static ps_status claim_output(const ps_sweep *sw, const char *output, const char *const *more,
                              int n_more, int wait_s, int *lock, ps_error *err)
{
    *lock = -1;
    const char *inputs[2] = {sw->inputs, sw->base ? sw->base->inputs : NULL};
    char partial[4096];
    snprintf(partial, sizeof partial, "%s.partial", output);
    ps_status s = ps_out_check(output, inputs, 2, err);
    if (s == PS_OK)
        s = ps_out_check(output, more, n_more, err);
    if (s == PS_OK)
        s = ps_out_check(partial, inputs, 2, err);
    if (s == PS_OK)
        s = ps_out_lock(output, wait_s, lock, err);
    return s;
}

ps_status ps_sweep_run(ps_sweep *sw, const ps_sweep_options *opt, ps_sweep_result *res,
                       ps_error *err)
{
    if (!opt->output)
        return ps_error_set(err, PS_ERR_USAGE, "a sweep needs an output file");
    int lock;
    ps_status s = claim_output(sw, opt->output, NULL, 0, 0, &lock, err);
    if (s != PS_OK) {
        if (res)
            memset(res, 0, sizeof *res);
        return s;
    }
    s = sweep_run(sw, opt, res, err);
    ps_out_unlock(opt->output, lock);
    return s;
}

/* sweep_run's tasks (ps_drive): run i of the run set is computed in
 * parallel (sweep_compute) and written, one at a time (sweep_commit). */
typedef struct {
    const ps_sweep *sw;
    const ps_sweep_options *opt;
    ps_sweep_result *res;
    sweep_file *f;
    unsigned char *done;        /* the file's done flags, one per run of the set */
    int finished, todo;
    ps_ckpt *ck;                /* mid-run segments; NULL: none */
    const unsigned char *keep;  /* the series a run keeps (sweep_keep) */
} sweep_job;

/* A thread's point scenario, world and run, reused while the point stays
 * the same. */
typedef struct {
    ps_scenario *sc;
    int point;                  /* sc's */
    ps_world *w;
    ps_run *run;
    ps_run *out;                /* the run to write; NULL: none */
    ps_midrun mr;               /* its segments: where it continued, a damaged one */
} sweep_thread;

static void sweep_fini(ps_drive *d, void *state)
{
    sweep_thread *t = state;
    (void)d;
    ps_world_free(t->w);
    ps_run_free(t->run);
    ps_scenario_free(t->sc);
}

static ps_status sweep_compute(ps_drive *d, void *state, long long i, ps_error *e)
{
    sweep_job *j = d->ctx;
    sweep_thread *t = state;
    long long k = j->f->rs.first + i * j->f->rs.step;
    t->out = NULL;
    t->mr = (ps_midrun){j->ck, (int)k, j->opt->checkpoint_every, 0, ""};
    if (j->done[i])
        return PS_OK;
    int R = j->sw->replicates, p = (int)(k / R), r = (int)(k % R);
    if (!t->sc || t->point != p) {
        ps_world_free(t->w);
        ps_run_free(t->run);
        ps_scenario_free(t->sc);
        t->w = NULL;
        t->run = NULL;
        t->sc = NULL;
        ps_status s = ps_sweep_point_scenario(j->sw, p, &t->sc, e);
        if (s != PS_OK)
            return s;
        t->point = p;
    }
    /* Replicate r's draw, but for the parameters the sweep varies. */
    if (t->sc->posterior)
        ps_posterior_apply(t->sc->posterior, r, j->sw->post_swept, t->sc);
    int usable;
    ps_status s = ps_run_replicate_ckpt(t->sc, r, 1, j->keep, j->opt->stop_flag, &t->w,
                                        &t->run, &usable, j->ck ? &t->mr : NULL, e);
    t->out = usable ? t->run : NULL;
    return s;
}

/* A run stopped by a non-finite value is written (flag 2, its values NaN)
 * and is no failure of the sweep; an interrupted one is not written
 * (--resume runs it). After a failure nothing more is written. */
static ps_status sweep_commit(ps_drive *d, void *state, long long i, ps_status s, ps_error *e)
{
    sweep_job *j = d->ctx;
    sweep_thread *t = state;
    ps_sweep_result *res = j->res;
    int failed = atomic_load(&d->failed) < d->n;
    if (j->ck && !j->done[i]) {
        long long k = j->f->rs.first + i * j->f->rs.step;
        if (t->mr.dropped[0] && !res->recomputed++)
            snprintf(res->seg_dropped, sizeof res->seg_dropped, "%s", t->mr.dropped);
        if (t->mr.from > 0 && (!res->continued || k < res->continued_run)) {
            res->continued_run = k;
            res->continued_month = t->mr.from;
        }
        res->continued += t->mr.from > 0;
    }
    if (!failed && t->out && (s == PS_OK || s == PS_ERR_NUMERIC)) {
        long long k = j->f->rs.first + i * j->f->rs.step;
        int R = j->sw->replicates, p = (int)(k / R);
        unsigned char flag = s == PS_OK ? 1 : 2;
        ps_error we = {PS_OK, ""};
        if (write_run(j->f, i, p, t->out, flag, &we) != PS_OK) {
            *e = we;
            return PS_ERR_IO;
        }
        j->finished++;
        j->done[i] = flag;
        if (j->ck) /* its flag is on disk: its segments are no longer needed */
            ps_ckpt_remove_midrun(j->ck, (int)k);
        if (flag == 2) {
            if (!res->failed)
                snprintf(res->first_failure, sizeof res->first_failure,
                         "point %d replicate %d: %.460s", p, (int)(k % R), e->msg);
            res->failed++;
        }
        if (j->opt->progress)
            j->opt->progress(j->finished, j->todo, j->opt->progress_user);
    }
    return s == PS_ERR_NUMERIC || s == PS_ERR_INTERRUPTED ? PS_OK : s;
}

/* "<output>.segments/": opened when segments may be saved (--checkpoint-every
 * not 0) or one is there to continue from. A sweep that keeps no series
 * saves in them only the series its metrics read. */
static ps_status open_segments(const ps_sweep *sw, const ps_sweep_options *opt,
                               int have_partial, long long total, ps_ckpt **ck,
                               ps_error *err)
{
    *ck = NULL;
    size_t len = strlen(opt->output) + 16;
    char *dir = malloc(len);
    /* The segments save the series the runs keep: the same mask. */
    unsigned char *series = sweep_keep(sw);
    int nomem = !dir || (!series && sweep_keeps_some(sw));
    ps_status st = PS_OK;
    struct stat sb;
    if (nomem || total > 2147483647LL) {
        st = nomem ? ps_error_set(err, PS_ERR_NOMEM, "out of memory") : PS_OK;
    } else {
        snprintf(dir, len, "%s.segments", opt->output);
        if (opt->checkpoint_every >= 0 || lstat(dir, &sb) == 0) {
            /* (a partial file is there only with --resume: refused before) */
            int resume = opt->resume || have_partial;
            st = ps_ckpt_open_segments(dir, opt->output, sw->hash, (int)total, sw->base,
                                       series, resume, opt->force, ck, err);
        }
    }
    free(dir);
    free(series);
    return st;
}

static ps_status sweep_run(ps_sweep *sw, const ps_sweep_options *opt, ps_sweep_result *res,
                           ps_error *err)
{
    ps_h5_quiet();
    ps_sweep_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (!opt->output)
        return ps_error_set(err, PS_ERR_USAGE, "a sweep needs an output file");
    if (sw->hash == 0) {
        ps_status st = ps_sweep_validate(sw, err);
        if (st != PS_OK)
            return st;
    }
    int P = sw->n_points, R = sw->replicates;
    long long total = (long long)P * R;
    run_set rs = {0, 1, total, 0};
    if (opt->part_step > 0) {
        if (opt->part_first < 0 || opt->part_end > total || opt->part_first >= opt->part_end)
            return ps_error_set(err, PS_ERR_USAGE, "a part of runs %lld to %lld, step %lld, "
                                "is not within the sweep's %lld runs", opt->part_first,
                                opt->part_end, opt->part_step, total);
        rs.first = opt->part_first;
        rs.step = opt->part_step;
        rs.count = (opt->part_end - opt->part_first + opt->part_step - 1) / opt->part_step;
        rs.part = 1;
    }
    long long runs = rs.count;
    res->runs = (int)runs;
    int threads = ps_threads(opt->threads);
    ps_status st = check_memory(sw, threads, runs, err);
    if (st != PS_OK)
        return st;
    size_t plen = strlen(opt->output) + 16;
    char *partial = malloc(plen);
    if (!partial)
        return ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    snprintf(partial, plen, "%s.partial", opt->output);
    struct stat stt;
    int have_final = stat(opt->output, &stt) == 0, have_partial = stat(partial, &stt) == 0;
    if (opt->resume && have_final && !have_partial && !opt->force) {
        free(partial);
        if (finished_matches(opt->output, sw->hash, &rs)) {
            res->already_complete = 1;
            return PS_OK;
        }
        return ps_error_set(err, PS_ERR_EXISTS, "%s: exists and is not this sweep's result; "
                            "use --force to overwrite it", opt->output);
    }
    if (have_final && !opt->force && !opt->resume) {
        free(partial);
        return ps_error_set(err, PS_ERR_EXISTS, "%s: output file exists; use --force to "
                            "overwrite it", opt->output);
    }
    if (have_partial && !opt->resume && !opt->force) {
        st = ps_error_set(err, PS_ERR_EXISTS, "%s: an interrupted sweep exists; use --resume "
                          "to continue it or --force to start over", partial);
        free(partial);
        return st;
    }
    if (have_partial && opt->force && !opt->resume)
        unlink(partial), have_partial = 0;
    ps_out_remove_stale(partial, ".tmp."); /* of sweeps killed while creating it */
    ps_ckpt *ck = NULL;
    st = open_segments(sw, opt, have_partial, total, &ck, err);
    if (st == PS_OK && !have_partial)
        st = check_space(sw, runs, opt->output, err);
    if (st == PS_OK && !have_partial)
        st = create_partial(sw, partial, &rs, opt, threads, 0, err);
    sweep_file f = {.sw = sw, .path = partial, .rs = rs, .file = -1, .done_ds = -1, .crc_ds = -1};
    unsigned char *done = NULL;
    if (st == PS_OK)
        st = open_partial(&f, err);
    if (st == PS_OK && done_extent(f.done_ds) != (hsize_t)runs)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: its done flags are not one per run (%lld); "
                          "delete it or use --force to start over", partial, runs);
    if (st == PS_OK && !(done = ps_calloc((size_t)runs + 1, 1)))
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory for %lld done flags", runs);
    if (st == PS_OK && H5Dread(f.done_ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                               done) < 0)
        st = ps_h5_fail(err, PS_ERR_IO, partial, "read /sweep/done");
    if (st == PS_OK && have_partial) {
        long long dropped = verify_runs(&f, done, runs);
        if (dropped < 0)
            st = ps_h5_fail(err, PS_ERR_INPUT, partial, "check the done runs (delete it, or use "
                            "--force to start over)");
        res->dropped = dropped < 0 ? 0 : dropped;
    }
    if (st != PS_OK) {
        sweep_file_close(&f);
        if (f.file >= 0)
            H5Fclose(f.file);
        free(done);
        free(partial);
        ps_ckpt_close(ck, ck && ps_ckpt_n_midrun(ck) > 0);
        return st;
    }
    int todo = 0;
    for (long long k = 0; k < runs; k++)
        todo += done[k] == 0;
    unsigned char *keep = sweep_keep(sw); /* NULL (all) if out of memory: slower, not wrong */
    sweep_job job = {.sw = sw, .opt = opt, .res = res, .f = &f, .done = done, .todo = todo,
                     .ck = ck, .keep = keep};
    ps_drive d = {.n = runs, .threads = threads, .state_size = sizeof(sweep_thread),
                  .stop = opt->stop_flag, .ctx = &job, .fini = sweep_fini,
                  .compute = sweep_compute, .commit = sweep_commit};
    ps_status status = ps_drive_run(&d);
    free(keep);
    ps_error first = d.first;
    int finished = job.finished;
    res->ran = finished;
    long long left = 0;
    for (long long k = 0; k < runs; k++)
        left += done[k] == 0;
    int complete = left == 0;
    /* The segments go once every run is done; else they stay for --resume
     * (whatever stopped the sweep: its partial file stays too). */
    res->segments_kept = ck && !complete ? ps_ckpt_n_midrun(ck) : 0;
    ps_ckpt_close(ck, res->segments_kept > 0);
    res->failed = 0;
    for (long long k = 0; k < runs; k++)
        res->failed += done[k] == 2;
    free(done);
    sweep_file_close(&f);
    int closed = H5Fclose(f.file) >= 0;
    if (status == PS_OK && !closed)
        status = ps_h5_fail(&first, PS_ERR_IO, partial, "close the sweep file");
    if (status == PS_OK && !complete) {
        char segs[64] = "";
        if (res->segments_kept)
            snprintf(segs, sizeof segs, ", and the months done of %d unfinished run%s in ",
                     res->segments_kept, res->segments_kept == 1 ? "" : "s");
        status = ps_error_set(&first, PS_ERR_INTERRUPTED, "interrupted: %d runs done now, "
                              "%lld of %lld missing; continue with --resume (%s is kept%s%s%s)",
                              finished, left, runs, partial, segs,
                              segs[0] ? opt->output : "", segs[0] ? ".segments" : "");
    }
    if (status == PS_OK)
        status = ps_out_publish(partial, opt->output, 0, NULL, 0, &first);
    free(partial);
    if (status != PS_OK && err)
        *err = first;
    return status;
}

/* ------------------------------------------------------------ merging parts */
/* Copy one dataset of every part into the merged file, a block of points at
 * a time: the block's runs of each part are a contiguous range of its slots
 * (a run set is an arithmetic progression), read at once and scattered where
 * the part has the run done. Memory: two blocks of about 32 MiB. */
static int merge_dataset(hid_t out, hid_t const *in, sweep_file const *parts,
                         unsigned char *const *pdone, int n_parts, int P, int R, hid_t mtype)
{
    if (out < 0)
        return 0;
    hsize_t od[8];
    hid_t osp = H5Dget_space(out);
    int nd = H5Sget_simple_extent_dims(osp, od, NULL);
    if (nd < 2 || nd > 7) {
        H5Sclose(osp);
        return -1;
    }
    size_t E = 1, es = H5Tget_size(mtype);
    for (int k = 2; k < nd; k++)
        E *= od[k];
    size_t run_bytes = E * es;
    long long B = (32ll << 20) / (long long)(run_bytes * (size_t)R);
    if (B < 1)
        B = 1;
    if (B > P)
        B = P;
    char *buf = malloc((size_t)B * (size_t)R * run_bytes), *tmp = malloc((size_t)B * (size_t)R * run_bytes);
    int bad = !buf || !tmp;
    for (long long p0 = 0; !bad && p0 < P; p0 += B) {
        long long p1 = p0 + B < P ? p0 + B : P, g0 = p0 * R, g1 = p1 * R;
        for (int j = 0; !bad && j < n_parts; j++) {
            long long a = parts[j].rs.first, b = parts[j].rs.step, c = parts[j].rs.count;
            long long lo = g0 <= a ? 0 : (g0 - a + b - 1) / b;
            long long hi = g1 <= a ? 0 : (g1 - a + b - 1) / b;
            if (hi > c)
                hi = c;
            if (lo >= hi || in[j] < 0)
                continue;
            hsize_t st[8] = {(hsize_t)lo}, cn[8] = {(hsize_t)(hi - lo)};
            for (int k = 2; k < nd; k++)
                st[k - 1] = 0, cn[k - 1] = od[k];
            hsize_t nel = (hsize_t)(hi - lo) * E;
            hid_t fs = H5Dget_space(in[j]), ms = H5Screate_simple(1, &nel, NULL);
            bad |= H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cn, NULL) < 0 ||
                   H5Dread(in[j], mtype, ms, fs, H5P_DEFAULT, tmp) < 0;
            H5Sclose(ms);
            H5Sclose(fs);
            for (long long i = lo; !bad && i < hi; i++)
                if (pdone[j][i])
                    memcpy(buf + (size_t)(a + i * b - g0) * run_bytes,
                           tmp + (size_t)(i - lo) * run_bytes, run_bytes);
        }
        hsize_t st[8] = {(hsize_t)p0}, cn[8] = {(hsize_t)(p1 - p0), (hsize_t)R};
        for (int k = 2; k < nd; k++)
            cn[k] = od[k];
        hsize_t nel = (hsize_t)(p1 - p0) * (hsize_t)R * E;
        hid_t fs = H5Dget_space(out), ms = H5Screate_simple(1, &nel, NULL);
        bad |= bad || H5Sselect_hyperslab(fs, H5S_SELECT_SET, st, NULL, cn, NULL) < 0 ||
               H5Dwrite(out, mtype, ms, fs, H5P_DEFAULT, buf) < 0;
        H5Sclose(ms);
        H5Sclose(fs);
    }
    H5Sclose(osp);
    free(buf);
    free(tmp);
    return bad ? -1 : 0;
}

static ps_status sweep_merge(ps_sweep *sw, const ps_sweep_options *opt,
                             const char *const *parts, int n_parts, int if_complete,
                             ps_sweep_result *res, ps_error *err);
#define MERGE_LOCK_WAIT 600 /* seconds */

ps_status ps_sweep_merge(ps_sweep *sw, const ps_sweep_options *opt, const char *const *parts,
                         int n_parts, int if_complete, ps_sweep_result *res, ps_error *err)
{
    if (!opt->output)
        return ps_error_set(err, PS_ERR_USAGE, "a merge needs an output file");
    int lock;
    /* Array tasks that finish together merge at once (docs/cluster.md): a
     * merge is short, so the later ones wait for the first, then find the
     * file complete (--resume) or replace it with the same content. */
    ps_status s = claim_output(sw, opt->output, parts, n_parts, MERGE_LOCK_WAIT, &lock, err);
    if (s != PS_OK) {
        if (res)
            memset(res, 0, sizeof *res);
        return s;
    }
    s = sweep_merge(sw, opt, parts, n_parts, if_complete, res, err);
    ps_out_unlock(opt->output, lock);
    return s;
}

static ps_status sweep_merge(ps_sweep *sw, const ps_sweep_options *opt,
                             const char *const *parts, int n_parts, int if_complete,
                             ps_sweep_result *res, ps_error *err)
{
    ps_h5_quiet();
    ps_sweep_result dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    if (!opt->output)
        return ps_error_set(err, PS_ERR_USAGE, "a merge needs an output file");
    if (n_parts < 1)
        return ps_error_set(err, PS_ERR_USAGE, "a merge needs part files");
    if (sw->hash == 0) {
        ps_status st = ps_sweep_validate(sw, err);
        if (st != PS_OK)
            return st;
    }
    int P = sw->n_points, R = sw->replicates;
    long long total = (long long)P * R;
    run_set whole = {0, 1, total, 0};
    res->runs = (int)total;
    struct stat stt;
    if (stat(opt->output, &stt) == 0 && !opt->force) {
        if (opt->resume && finished_matches(opt->output, sw->hash, &whole)) {
            res->already_complete = 1;
            return PS_OK;
        }
        return ps_error_set(err, PS_ERR_EXISTS, "%s: output file exists%s; use --force to "
                            "overwrite it", opt->output, opt->resume ? " and is not this "
                            "sweep's result" : "");
    }
    int nm = ps_registry_n_metrics(), nf = ps_registry_n_fields();
    sweep_file *pf = ps_calloc((size_t)n_parts, sizeof *pf);
    unsigned char **pdone = ps_calloc((size_t)n_parts, sizeof *pdone);
    unsigned char *cover = ps_calloc((size_t)total + 1, 1);
    hid_t *in = ps_calloc((size_t)n_parts, sizeof *in);
    size_t tlen = strlen(opt->output) + 32;
    char *tmp = malloc(tlen);
    sweep_file out = {.sw = sw, .rs = whole, .file = -1, .done_ds = -1, .crc_ds = -1};
    ps_status st = PS_OK;
    if (!pf || !pdone || !cover || !in || !tmp)
        st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
    for (int j = 0; pf && j < n_parts; j++)
        pf[j].file = pf[j].done_ds = pf[j].crc_ds = -1;
    for (int j = 0; st == PS_OK && j < n_parts; j++) {
        pf[j].sw = sw;
        pf[j].path = parts[j];
        pf[j].rdonly = 1;
        long long a = -1, b = -1, c = -1;
        char fmt[64] = "";
        ps_h5_input pin;
        if ((st = ps_h5_input_open(&pin, parts[j], "a sweep part file", err)) != PS_OK)
            break;
        hid_t fl = ps_h5_input_fopen(&pin, H5F_ACC_RDONLY, H5P_DEFAULT);
        ps_h5_input_close(&pin);
        if (fl < 0) {
            st = ps_h5_fail(err, PS_ERR_INPUT, parts[j], "open the sweep part");
            break;
        }
        int okp = ps_h5_get_str(fl, "format", fmt, sizeof fmt) == 0 && !strcmp(fmt, PART_FORMAT) &&
                  ps_h5_get_i64(fl, "run_first", &a) == 0 && ps_h5_get_i64(fl, "run_step", &b) == 0 &&
                  ps_h5_get_i64(fl, "run_count", &c) == 0 && a >= 0 && b >= 1 && c >= 1 &&
                  a + (c - 1) * b < total;
        H5Fclose(fl);
        if (!okp) {
            st = ps_error_set(err, PS_ERR_INPUT, "%s: not a part of this sweep (format '%s', "
                              "runs %lld + %lld i, i < %lld, of %lld)", parts[j], fmt, a, b, c,
                              total);
            break;
        }
        pf[j].rs = (run_set){a, b, c, 1};
        st = open_partial(&pf[j], err);
        if (st == PS_OK && done_extent(pf[j].done_ds) != (hsize_t)c)
            st = ps_error_set(err, PS_ERR_INPUT, "%s: its done flags are not one per run "
                              "(%lld)", parts[j], c);
        if (st == PS_OK && !(pdone[j] = ps_calloc((size_t)c, 1)))
            st = ps_error_set(err, PS_ERR_NOMEM, "out of memory");
        if (st == PS_OK && H5Dread(pf[j].done_ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL,
                                   H5P_DEFAULT, pdone[j]) < 0)
            st = ps_h5_fail(err, PS_ERR_IO, parts[j], "read the done flags");
        long long dropped = st == PS_OK ? verify_runs(&pf[j], pdone[j], c) : 0;
        if (dropped < 0)
            st = ps_h5_fail(err, PS_ERR_INPUT, parts[j], "check the done runs");
        else
            res->dropped += dropped; /* missing now: run the part again with --resume */
        for (long long i = 0; st == PS_OK && i < c; i++)
            if (pdone[j][i])
                cover[a + i * b] = 1;
    }
    long long first_missing = -1;
    for (long long k = 0; st == PS_OK && k < total; k++)
        if (!cover[k]) {
            if (first_missing < 0)
                first_missing = k;
            res->missing++;
        }
    int write = st == PS_OK && res->missing == 0;
    if (st == PS_OK && res->missing && !if_complete)
        st = ps_error_set(err, PS_ERR_INPUT, "%s: %lld of %lld runs are in none of the %d "
                          "parts (first: point %lld replicate %lld); run the missing parts "
                          "(with --resume) and merge again%s", opt->output, res->missing, total,
                          n_parts, first_missing / R, first_missing % R,
                          res->dropped ? " (some were done but failed their CRC check)" : "");
    if (write) {
        snprintf(tmp, tlen, "%s.merge.%ld", opt->output, (long)getpid());
        /* Merges killed before: FILE.merge.<pid> (and the FILE.merge.<pid>.tmp.<pid>
         * of older versions) */
        ps_out_remove_stale(opt->output, ".merge.");
        out.path = tmp;
        unsigned long failures = ps_h5_failures();
        st = create_partial(sw, tmp, &whole, opt, opt->threads, 1, err);
        if (st == PS_OK)
            st = open_partial(&out, err);
        int bad = 0;
        if (st == PS_OK) {
            for (int j = 0; j < n_parts; j++)
                in[j] = pf[j].done_ds;
            bad |= merge_dataset(out.done_ds, in, pf, pdone, n_parts, P, R, H5T_NATIVE_UCHAR);
            for (int j = 0; j < n_parts; j++)
                in[j] = pf[j].crc_ds;
            bad |= merge_dataset(out.crc_ds, in, pf, pdone, n_parts, P, R, H5T_NATIVE_UINT32);
            for (int m = 0; !bad && m < nm; m++) {
                for (int j = 0; j < n_parts; j++)
                    in[j] = pf[j].metric_ds[m];
                bad |= merge_dataset(out.metric_ds[m], in, pf, pdone, n_parts, P, R,
                                     H5T_NATIVE_DOUBLE);
            }
            for (int k = 0; !bad && k < nf; k++) {
                for (int j = 0; j < n_parts; j++)
                    in[j] = pf[j].field_ds[k];
                bad |= merge_dataset(out.field_ds[k], in, pf, pdone, n_parts, P, R,
                                     H5T_NATIVE_DOUBLE);
            }
            if (bad)
                st = ps_h5_fail(err, PS_ERR_IO, opt->output, "merge the parts");
        }
        sweep_file_close(&out);
        if (st == PS_OK && (H5Fflush(out.file, H5F_SCOPE_GLOBAL) < 0 ||
                            ps_h5_failures() != failures)) {
            ps_h5_failure_msg(ps_h5_last(), PS_H5_MSG_MAX);
            st = ps_h5_fail(err, PS_ERR_IO, tmp, "write the merged file");
        }
        if (st != PS_OK)
            ps_h5_discard(out.file);
        if (out.file >= 0 && H5Fclose(out.file) < 0 && st == PS_OK)
            st = ps_h5_fail(err, PS_ERR_IO, tmp, "close the merged file");
        if (st == PS_OK)
            st = ps_out_publish(tmp, opt->output, 0, NULL, 0, err);
        if (st != PS_OK)
            unlink(tmp);
        else
            res->ran = (int)total;
    }
    for (int j = 0; pf && j < n_parts; j++) {
        for (long long i = 0; pdone && pdone[j] && i < pf[j].rs.count; i++)
            res->failed += pdone[j][i] == 2;
        sweep_file_close(&pf[j]);
        if (pf[j].file >= 0)
            H5Fclose(pf[j].file);
        if (pdone)
            free(pdone[j]);
    }
    free(pf);
    free(pdone);
    free(cover);
    free(in);
    free(tmp);
    return st;
}
