/* pactsim info: a summary of any pactsim file, by its root attribute format:
 * a run ("pactsim": ps_output_info, output.c), a sweep or a sweep part
 * ("pactsim-sweep", "pactsim-sweep-part": design, parameters, points,
 * replicates, metrics, completeness), any other pactsim kind ("pactsim-*",
 * e.g. a posterior: provenance and every group and dataset with its shape
 * and unit). Datasets are read in blocks, so a file claiming a huge shape
 * costs no memory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"
#include "pactsim.h"

enum { BLOCK = 1 << 20 }; /* values read at once */
#define MAX_VALUES ((hsize_t)1 << 30) /* in one dataset read for a summary */

static const char *nz(const char *s) { return s ? s : ""; }

/* "float64", "int32", "string" ... of a dataset's type. */
static void type_name(hid_t t, char *buf, size_t len)
{
    H5T_class_t c = H5Tget_class(t);
    size_t bits = 8 * H5Tget_size(t);
    if (c == H5T_FLOAT)
        snprintf(buf, len, "float%zu", bits);
    else if (c == H5T_INTEGER)
        snprintf(buf, len, "%sint%zu", H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "", bits);
    else if (c == H5T_STRING)
        snprintf(buf, len, "string");
    else if (c == H5T_ENUM)
        snprintf(buf, len, "enum");
    else if (c == H5T_COMPOUND)
        snprintf(buf, len, "compound");
    else if (c == H5T_REFERENCE)
        snprintf(buf, len, "reference");
    else if (c == H5T_VLEN)
        snprintf(buf, len, "vlen");
    else
        snprintf(buf, len, "other");
}

/* "[6, 2]" of a dataset (or "scalar"); its rank, -1 if unreadable. */
static int shape(hid_t d, char *buf, size_t len, hsize_t *dims)
{
    hid_t sp = H5Dget_space(d);
    int r = sp < 0 ? -1 : H5Sget_simple_extent_ndims(sp);
    if (r < 0 || r > 8) {
        snprintf(buf, len, "?");
        if (sp >= 0)
            H5Sclose(sp);
        return -1;
    }
    H5Sget_simple_extent_dims(sp, dims, NULL);
    H5Sclose(sp);
    if (r == 0) {
        snprintf(buf, len, "scalar");
        return 0;
    }
    size_t n = 0;
    n += (size_t)snprintf(buf, len, "[");
    for (int k = 0; k < r && n < len; k++)
        n += (size_t)snprintf(buf + n, len - n, "%s%llu", k ? ", " : "",
                              (unsigned long long)dims[k]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
    return r;
}

/* fn(values, count, user) for successive blocks of whole rows (along the first
 * dimension) of dataset d read as memory type t of es bytes: memory stays
 * bounded whatever shape the file claims. -1 if unreadable. */
static int each_block(hid_t d, hid_t t, size_t es, void (*fn)(const void *, hsize_t, void *),
                      void *user)
{
    hsize_t dims[8];
    char sh[128];
    int r = shape(d, sh, sizeof sh, dims);
    if (r < 1)
        return r == 0 ? 0 : -1;
    hsize_t row = 1;
    for (int k = 1; k < r; k++)
        row *= dims[k];
    if (row == 0 || dims[0] == 0)
        return 0;
    /* pactsim writes at most 10^8 runs: a larger claim is damage, not data */
    if (row > MAX_VALUES || dims[0] > MAX_VALUES / row)
        return -1;
    hsize_t rows = row >= BLOCK ? 1 : BLOCK / row;
    void *buf = malloc((size_t)(rows * row) * es);
    hid_t fs = H5Dget_space(d);
    int rc = buf && fs >= 0 ? 0 : -1;
    for (hsize_t a = 0; a < dims[0] && rc == 0; a += rows) {
        hsize_t start[8] = {a}, count[8];
        count[0] = a + rows <= dims[0] ? rows : dims[0] - a;
        for (int k = 1; k < r; k++)
            count[k] = dims[k];
        hsize_t m = count[0] * row;
        hid_t ms = H5Screate_simple(1, &m, NULL);
        if (ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(d, t, ms, fs, H5P_DEFAULT, buf) < 0)
            rc = -1;
        else
            fn(buf, m, user);
        if (ms >= 0)
            H5Sclose(ms);
    }
    if (fs >= 0)
        H5Sclose(fs);
    free(buf);
    return rc;
}

typedef struct {
    long long n;
    double sum, lo, hi;
} stats_acc;

static void add_stats(const void *v, hsize_t m, void *user)
{
    const double *x = v;
    stats_acc *s = user;
    for (hsize_t i = 0; i < m; i++)
        if (isfinite(x[i])) {
            s->n++;
            s->sum += x[i];
            s->lo = x[i] < s->lo ? x[i] : s->lo;
            s->hi = x[i] > s->hi ? x[i] : s->hi;
        }
}

static void add_flags(const void *v, hsize_t m, void *user)
{
    const unsigned char *x = v;
    long long *cnt = user;
    for (hsize_t i = 0; i < m; i++)
        cnt[x[i] <= 2 ? x[i] : 3]++;
}

/* ------------------------------------------------------------ sweeps */

typedef struct {
    FILE *fp;
    const char *group;
} list_ctx;

static herr_t list_metric(hid_t g, const char *name, const H5L_info_t *info, void *user)
{
    (void)info;
    list_ctx *c = user;
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;
    char units[64] = "", sh[128];
    hsize_t dims[8];
    ps_h5_get_str(d, "units", units, sizeof units);
    shape(d, sh, sizeof sh, dims);
    if (!strcmp(c->group, "summary")) {
        stats_acc a = {0, 0.0, INFINITY, -INFINITY};
        if (each_block(d, H5T_NATIVE_DOUBLE, sizeof(double), add_stats, &a) == 0 && a.n > 0)
            fprintf(c->fp, "  %-34s %12.4g %12.4g %12.4g %8lld  %s\n", name,
                    a.sum / (double)a.n, a.lo, a.hi, a.n, units);
        else
            fprintf(c->fp, "  %-34s %12s %12s %12s %8d  %s\n", name, "-", "-", "-", 0, units);
    } else
        fprintf(c->fp, "  %s/%-24s %-22s %s\n", c->group, name, sh, units);
    H5Dclose(d);
    return 0;
}

/* The done flags [point, replicate]: cnt[0] not run, [1] complete, [2] stopped
 * by a non-finite value, [3] any other value. */
static int count_done(hid_t g, long long *cnt)
{
    hid_t d = H5Dopen2(g, "done", H5P_DEFAULT);
    if (d < 0)
        return -1;
    int rc = each_block(d, H5T_NATIVE_UCHAR, 1, add_flags, cnt);
    H5Dclose(d);
    return rc;
}

static ps_status sweep_info(hid_t f, const char *path, const char *fmt, FILE *fp,
                            ps_error *err)
{
    int part = !strcmp(fmt, "pactsim-sweep-part");
    const char *gname = part ? "part" : "sweep";
    hid_t g = H5Lexists(f, gname, H5P_DEFAULT) > 0 ? H5Gopen2(f, gname, H5P_DEFAULT) : -1;
    if (g < 0)
        return ps_error_set(err, PS_ERR_INPUT, "%s: group /%s is missing; expected a %s "
                            "file with its runs", path, gname, fmt);
    char name[256] = "", desc[1024] = "", design[32] = "", keep[32] = "", scen[256] = "",
         created[64] = "", ver[64] = "", git[128] = "unknown", cmd[2048] = "";
    long long n_points = 0, n_params = 0, R = 0, samples = 0, levels = 0, stride = 0, fv = 0;
    uint64_t dseed = 0;
    ps_h5_get_i64(f, "format_version", &fv);
    ps_h5_get_str(f, "scenario", scen, sizeof scen);
    ps_h5_get_str(f, "created", created, sizeof created);
    ps_h5_get_str(f, "pactsim_version", ver, sizeof ver);
    if (H5Lexists(f, "provenance", H5P_DEFAULT) > 0) {
        hid_t p = H5Gopen2(f, "provenance", H5P_DEFAULT);
        ps_h5_get_str(p, "git_revision", git, sizeof git);
        ps_h5_get_str(p, "command_line", cmd, sizeof cmd);
        H5Gclose(p);
    }
    ps_h5_get_str(g, "name", name, sizeof name);
    ps_h5_get_str(g, "description", desc, sizeof desc);
    ps_h5_get_str(g, "design", design, sizeof design);
    ps_h5_get_str(g, "output", keep, sizeof keep);
    char fields[64] = ""; /* its start: "all" or a selection (`fields:`) */
    ps_h5_get_str(g, "fields", fields, sizeof fields);
    ps_h5_get_i64(g, "n_points", &n_points);
    ps_h5_get_i64(g, "n_params", &n_params);
    ps_h5_get_i64(g, "replicates", &R);
    ps_h5_get_i64(g, "samples", &samples);
    ps_h5_get_i64(g, "levels", &levels);
    ps_h5_get_i64(g, "stride", &stride);
    ps_h5_get_u64(g, "design_seed", &dseed);
    if (part)
        ps_h5_get_str(f, "sweep", name, sizeof name);
    fprintf(fp, "file:        %s (format %s %lld%s)\n", path, fmt, fv,
            part ? ": a part of a sweep, joined by pactsim sweep --merge" : "");
    fprintf(fp, "sweep:       %s%s%s\n", name, desc[0] ? " - " : "", desc);
    if (part) {
        long long first = 0, step = 0, count = 0, runs = 0;
        ps_h5_get_i64(f, "run_first", &first);
        ps_h5_get_i64(f, "run_step", &step);
        ps_h5_get_i64(f, "run_count", &count);
        ps_h5_get_i64(f, "runs", &runs);
        fprintf(fp, "runs:        %lld of the sweep's %lld: run %lld, then every %lld "
                "(run k is point k / replicates, replicate k %% replicates)\n", count, runs,
                first, step);
    }
    fprintf(fp, "base:        scenario %s\n", scen);
    fprintf(fp, "created:     %s\n", created);
    fprintf(fp, "pactsim:     %s (git %s)\n", ver, git);
    if (cmd[0])
        fprintf(fp, "command:     %s\n", cmd);
    if (!part) {
        fprintf(fp, "design:      %s", design);
        if (samples)
            fprintf(fp, ", samples %lld", samples);
        if (!strcmp(design, "morris"))
            fprintf(fp, ", levels %lld", levels);
        fprintf(fp, ", design seed %llu\n", (unsigned long long)dseed);
        fprintf(fp, "points:      %lld x %lld replicates = %lld runs\n", n_points, R,
                n_points * R);
        fprintf(fp, "output:      %s", keep);
        if (!strcmp(keep, "stride"))
            fprintf(fp, " (every %lld months)", stride);
        if (fields[0] && strcmp(fields, "all"))
            fprintf(fp, ", only the fields its spec names (fields:)");
        fputc('\n', fp);
    }

    char **pn = NULL, **pu = NULL;
    hsize_t npn = 0, npu = 0;
    double *lo = NULL, *hi = NULL;
    hsize_t dl[8], dh[8];
    int rl, rh;
    ps_h5_read_strings(g, "param", &pn, &npn);
    ps_h5_read_strings(g, "param_units", &pu, &npu);
    int have_lo = n_params <= 100000 && ps_h5_read_doubles(g, "param_lo", &lo, dl, &rl) == 0 &&
                  rl == 1 && dl[0] == npn;
    int have_hi = n_params <= 100000 && ps_h5_read_doubles(g, "param_hi", &hi, dh, &rh) == 0 &&
                  rh == 1 && dh[0] == npn;
    if (!part)
        fprintf(fp, "parameters:  %llu\n", (unsigned long long)npn);
    for (hsize_t j = 0; j < npn; j++) {
        fprintf(fp, "  %-44s", nz(pn[j]));
        if (have_lo && have_hi)
            fprintf(fp, " [%.6g, %.6g]", lo[j], hi[j]);
        fprintf(fp, " %s\n", j < npu ? nz(pu[j]) : "");
    }
    ps_h5_strings_free(pn, npn);
    ps_h5_strings_free(pu, npu);
    free(lo);
    free(hi);

    long long cnt[4] = {0, 0, 0, 0};
    if (count_done(g, cnt) == 0) {
        long long all = cnt[0] + cnt[1] + cnt[2] + cnt[3];
        fprintf(fp, "complete:    %lld of %lld runs (%.1f%%)", cnt[1], all,
                all ? 100.0 * (double)cnt[1] / (double)all : 0.0);
        if (cnt[2])
            fprintf(fp, "; %lld stopped by a non-finite value (values NaN)", cnt[2]);
        if (cnt[0])
            fprintf(fp, "; %lld not run%s", cnt[0],
                    part ? " in this part" : " (pactsim sweep --resume runs them)");
        if (cnt[3])
            fprintf(fp, "; %lld with an unknown flag", cnt[3]);
        fputc('\n', fp);
    } else
        fprintf(fp, "complete:    unknown (/%s/done is missing or unreadable)\n", gname);

    list_ctx c = {fp, "summary"};
    if (H5Lexists(g, "summary", H5P_DEFAULT) > 0) {
        fprintf(fp, "metrics:     over the complete runs%s\n"
                "  %-34s %12s %12s %12s %8s  units\n", part ? " of this part" : " of every point",
                "metric", "mean", "min", "max", "runs");
        H5Literate_by_name(g, "summary", H5_INDEX_NAME, H5_ITER_INC, NULL, list_metric, &c,
                           H5P_DEFAULT);
    }
    static const char *const series[] = {"actor_state", "dyad_state", "theater_state"};
    int said = 0;
    for (int s = 0; s < 3; s++) {
        if (H5Lexists(g, series[s], H5P_DEFAULT) <= 0)
            continue;
        if (!said++)
            fprintf(fp, "series:      [%s, time, ...]\n", part ? "run" : "point, replicate");
        c.group = series[s];
        H5Literate_by_name(g, series[s], H5_INDEX_NAME, H5_ITER_INC, NULL, list_metric, &c,
                           H5P_DEFAULT);
    }
    if (H5Lexists(f, "sensitivity", H5P_DEFAULT) > 0)
        fprintf(fp, "sensitivity: /sensitivity holds indices (pactsim sensitivity)\n");
    H5Gclose(g);
    return PS_OK;
}

/* --------------------------------------------------- any other kind */

/* One attribute as "name = value" if it is a single string or number. */
static herr_t print_attr(hid_t obj, const char *name, const H5A_info_t *ai, void *user)
{
    (void)ai;
    FILE *fp = ((list_ctx *)user)->fp;
    const char *indent = ((list_ctx *)user)->group;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    H5T_class_t cl = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    char buf[512];
    if (n == 1 && cl == H5T_STRING && ps_h5_get_str(obj, name, buf, sizeof buf) == 0)
        fprintf(fp, "%s%s = %s\n", indent, name, buf);
    else if (n == 1 && cl == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE) {
        /* unsigned (hashes, seeds): read as such, or values above 2^63 saturate */
        unsigned long long v;
        if (H5Aread(a, H5T_NATIVE_ULLONG, &v) >= 0)
            fprintf(fp, "%s%s = %llu\n", indent, name, v);
    } else if (n == 1 && cl == H5T_INTEGER) {
        long long v;
        if (H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0)
            fprintf(fp, "%s%s = %lld\n", indent, name, v);
    } else if (n == 1 && cl == H5T_FLOAT) {
        double v;
        if (H5Aread(a, H5T_NATIVE_DOUBLE, &v) >= 0)
            fprintf(fp, "%s%s = %.10g\n", indent, name, v);
    } else if (n >= 0 && strcmp(name, "DIMENSION_LIST") && strcmp(name, "REFERENCE_LIST") &&
               strcmp(name, "CLASS") && strcmp(name, "NAME"))
        fprintf(fp, "%s%s = (%lld values)\n", indent, name, (long long)n);
    if (t >= 0)
        H5Tclose(t);
    if (sp >= 0)
        H5Sclose(sp);
    H5Aclose(a);
    return 0;
}

typedef struct {
    FILE *fp;
    long long n;
} walk_ctx;

enum { MAX_LISTED = 10000 };

static herr_t list_object(hid_t loc, const char *name, const H5O_info_t *oi, void *user)
{
    walk_ctx *w = user;
    if (!strcmp(name, "."))
        return 0;
    if (++w->n > MAX_LISTED) {
        fprintf(w->fp, "  ... (more than %d objects; the rest not listed)\n", MAX_LISTED);
        return 1;
    }
    if (oi->type == H5O_TYPE_GROUP) {
        fprintf(w->fp, "  /%s/\n", name);
        return 0;
    }
    if (oi->type != H5O_TYPE_DATASET) {
        fprintf(w->fp, "  /%s (not a group or dataset)\n", name);
        return 0;
    }
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0) {
        fprintf(w->fp, "  /%s (unreadable)\n", name);
        return 0;
    }
    char sh[160], ty[32] = "?", units[64] = "";
    hsize_t dims[8];
    hid_t t = H5Dget_type(d);
    if (t >= 0) {
        type_name(t, ty, sizeof ty);
        H5Tclose(t);
    }
    shape(d, sh, sizeof sh, dims);
    ps_h5_get_str(d, "units", units, sizeof units);
    fprintf(w->fp, "  /%-40s %-9s %-20s %s\n", name, ty, sh, units);
    H5Dclose(d);
    return 0;
}

static ps_status other_info(hid_t f, const char *path, const char *fmt, FILE *fp)
{
    long long fv = 0;
    ps_h5_get_i64(f, "format_version", &fv);
    fprintf(fp, "file:        %s (format %s %lld)\n", path, fmt, fv);
    list_ctx c = {fp, "  "};
    fprintf(fp, "attributes:\n");
    hsize_t idx = 0;
    H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, &idx, print_attr, &c);
    if (H5Lexists(f, "provenance", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
        if (g >= 0) {
            fprintf(fp, "provenance:\n");
            idx = 0;
            H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, print_attr, &c);
            H5Gclose(g);
        }
    }
    fprintf(fp, "contents:    %-40s %-9s %-20s units\n", "(group/ or dataset)", "type", "shape");
    walk_ctx w = {fp, 0};
    H5Ovisit(f, H5_INDEX_NAME, H5_ITER_INC, list_object, &w);
    return PS_OK;
}

ps_status ps_file_info(const char *path, FILE *fp, ps_error *err)
{
    hid_t f;
    ps_status st = ps_output_open_read(path, &f, err); /* not a regular HDF5 file: its message */
    if (st != PS_OK)
        return st;
    char fmt[64] = "";
    if (ps_h5_get_str(f, "format", fmt, sizeof fmt) == 0 && strncmp(fmt, "pactsim-", 8) == 0) {
        st = !strcmp(fmt, "pactsim-sweep") || !strcmp(fmt, "pactsim-sweep-part")
                 ? sweep_info(f, path, fmt, fp, err)
                 : other_info(f, path, fmt, fp);
        H5Fclose(f);
        return st;
    }
    return ps_output_info_file(f, path, fp, err); /* a run, or its messages */
}
