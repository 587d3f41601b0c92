/* Output: a round trip through the HDF5 file. Runs three replicates of the
 * baseline, writes them out of order, reopens the file with the HDF5 C API
 * and checks shapes, attributes, dimension scales, values, the events table
 * and provenance; then the atomic-write rules (temporary file, commit,
 * abort) and `info` on good and bad files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>
#include <hdf5_hl.h>

#include "check.h"
#include "internal.h"

#define CONFIG PS_SOURCE_DIR "/configs/baseline_2022.yaml"
#define R 3

static char dir[64];

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static void path_in(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* Temporary name the writer uses for path. */
static void tmp_of(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s.tmp.%ld", path, (long)getpid());
}

/* A string attribute (variable-length) or "" if absent. */
static void get_str_attr(hid_t obj, const char *name, char *buf, size_t len)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    if (H5Aread(a, t, &s) >= 0 && s)
        snprintf(buf, len, "%s", s);
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
}

static long long get_int_attr(hid_t obj, const char *name)
{
    long long v = -1;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    return v;
}

/* Same value, or both NaN. */
static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

static void check_root(hid_t f, const ps_scenario *sc)
{
    char buf[4096];
    get_str_attr(f, "format", buf, sizeof buf);
    CHECK(!strcmp(buf, "pactsim"), "format '%s'", buf);
    CHECK(get_int_attr(f, "format_version") == 1, "format_version");
    get_str_attr(f, "scenario", buf, sizeof buf);
    CHECK(!strcmp(buf, sc->name), "scenario '%s'", buf);
    get_str_attr(f, "created", buf, sizeof buf);
    CHECK(strlen(buf) == 20 && buf[10] == 'T' && buf[19] == 'Z', "created '%s'", buf);

    hid_t g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    CHECK(g >= 0, "/provenance");
    if (g < 0)
        return;
    get_str_attr(g, "git_revision", buf, sizeof buf);
    CHECK(!strcmp(buf, ps_build_git_revision()), "git_revision '%s'", buf);
    get_str_attr(g, "command_line", buf, sizeof buf);
    CHECK(!strcmp(buf, "test_output --replicates 3"), "command_line '%s'", buf);
    get_str_attr(g, "hdf5_version", buf, sizeof buf);
    CHECK(!strncmp(buf, "1.", 2), "hdf5_version '%s'", buf);
    get_str_attr(g, "gsl_version", buf, sizeof buf);
    CHECK(buf[0] != '\0', "gsl_version");
    uint64_t seed = 0;
    hid_t a = H5Aopen(g, "seed", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_UINT64, &seed);
    H5Aclose(a);
    CHECK(seed == sc->seed, "seed %llu", (unsigned long long)seed);
    CHECK(get_int_attr(g, "replicates") == R, "replicates");
    CHECK(get_int_attr(g, "threads") == 4, "threads");
    get_str_attr(g, "output_precision", buf, sizeof buf);
    CHECK(!strcmp(buf, sc->out_float32 ? "float32" : "float64"), "output_precision '%s'", buf);
    CHECK(get_int_attr(g, "output_compression") == sc->out_deflate, "output_compression");
    /* config_raw: the file as written */
    hid_t d = H5Dopen2(g, "config_raw", H5P_DEFAULT), t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    CHECK(d >= 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s) >= 0 && s &&
              !strcmp(s, sc->raw_text), "config_raw");
    H5free_memory(s);
    H5Tclose(t);
    H5Dclose(d);
    CHECK(H5Lexists(g, "config_resolved", H5P_DEFAULT) > 0, "config_resolved");
    H5Gclose(g);
}

static void check_parameters(hid_t f, const ps_scenario *sc)
{
    char path[256], buf[256];
    for (int m = 0; m < ps_registry_count(); m++) {
        const ps_model *md = ps_registry_model(m);
        for (int k = 0; k < md->n_params; k++) {
            snprintf(path, sizeof path, "/parameters/%s/%s", md->name, md->params[k].name);
            hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
            double v = NAN;
            CHECK(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                    &v) >= 0 && v == sc->params[m][k], "%s = %g", path, v);
            if (d < 0)
                continue;
            get_str_attr(d, "units", buf, sizeof buf);
            CHECK(!strcmp(buf, md->params[k].unit), "%s units '%s'", path, buf);
            CHECK(H5Aexists(d, "lower_bound") > 0 && H5Aexists(d, "default") > 0 &&
                      H5Aexists(d, "source") > 0, "%s bound attributes", path);
            H5Dclose(d);
        }
    }
}

/* Every field: shape, attributes, scales attached, values of each run
 * (rounded to float32 when the scenario's output stores float32). */
static void check_state(hid_t f, const ps_scenario *sc, ps_run *const *runs)
{
    static const char *const group[] = {"actor_state", "dyad_state", "theater_state"};
    static const char *const dims[3][4] = {{"replicate", "time", "actor", NULL},
                                           {"replicate", "time", "source", "target"},
                                           {"replicate", "time", "actor", "theater"}};
    int N = sc->n_actors, T = sc->n_months;
    char path[256], buf[256];
    for (int fi = 0; fi < ps_registry_n_fields(); fi++) {
        const ps_field *fd = ps_registry_field(fi, NULL);
        if (fd->shape == PS_THEATER && sc->n_theaters == 0)
            continue;
        size_t size = fd->shape == PS_DYAD ? (size_t)N * N
                    : fd->shape == PS_THEATER ? (size_t)N * sc->n_theaters : (size_t)N;
        snprintf(path, sizeof path, "/%s/%s", group[fd->shape], fd->name);
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(d >= 0, "%s exists", path);
        if (d < 0)
            continue;
        hsize_t ext[4] = {0};
        hid_t sp = H5Dget_space(d);
        int nd = H5Sget_simple_extent_dims(sp, ext, NULL);
        H5Sclose(sp);
        CHECK(nd == (fd->shape == PS_ACTOR ? 3 : 4) && ext[0] == R && ext[1] == (hsize_t)T &&
                  ext[2] == (hsize_t)N, "%s shape", path);
        get_str_attr(d, "units", buf, sizeof buf);
        CHECK(!strcmp(buf, fd->unit), "%s units '%s'", path, buf);
        get_str_attr(d, "description", buf, sizeof buf);
        CHECK(!strncmp(buf, fd->description, sizeof buf - 1), "%s description", path);
        get_str_attr(d, "long_name", buf, sizeof buf);
        CHECK(!strcmp(buf, fd->name), "%s long_name", path);
        get_str_attr(d, "precision", buf, sizeof buf);
        CHECK(!strcmp(buf, sc->out_float32 ? "float32" : "float64"), "%s precision '%s'", path,
              buf);
        hid_t ty = H5Dget_type(d), pl = H5Dget_create_plist(d);
        CHECK(H5Tget_class(ty) == H5T_FLOAT &&
                  H5Tget_size(ty) == (sc->out_float32 ? 4u : 8u), "%s stored type", path);
        CHECK(H5Pget_nfilters(pl) == (sc->out_deflate ? 2 : 0), "%s filters", path);
        H5Pclose(pl);
        H5Tclose(ty);
        hid_t g = H5Gopen2(f, group[fd->shape], H5P_DEFAULT);
        for (int k = 0; k < nd; k++) {
            hid_t s = H5Dopen2(g, dims[fd->shape][k], H5P_DEFAULT);
            CHECK(s >= 0 && H5DSis_scale(s) > 0 && H5DSis_attached(d, s, (unsigned)k) > 0,
                  "%s dimension %d has scale %s", path, k, dims[fd->shape][k]);
            if (s >= 0)
                H5Dclose(s);
        }
        H5Gclose(g);
        double *v = ps_calloc((size_t)R * T * size, sizeof *v);
        CHECK(v && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
              "%s read", path);
        int bad = 0;
        for (int r = 0; v && r < R; r++)
            for (size_t k = 0; k < (size_t)T * size; k++) {
                double x = runs[r]->series[fi][k];
                bad += !same(v[(size_t)r * T * size + k], sc->out_float32 ? (double)(float)x : x);
            }
        CHECK(bad == 0, "%s: %d values differ from the runs", path, bad);
        free(v);
        H5Dclose(d);
    }
}

static void check_coordinates(hid_t f, const ps_scenario *sc)
{
    double time[2] = {0};
    hid_t d = H5Dopen2(f, "/actor_state/time", H5P_DEFAULT);
    hsize_t two = 2, zero = 0;
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, &two, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &zero, NULL, &two, NULL);
    H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, time);
    char units[64];
    get_str_attr(d, "units", units, sizeof units);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    /* The baseline starts in 2022-01: 2022-01-01 is day 18993 since 1970. */
    CHECK(sc->start.year == 2022 && sc->start.month == 1 && time[0] == 18993.0 &&
              time[1] == 18993.0 + 31, "time %g %g", time[0], time[1]);
    CHECK(!strcmp(units, "days since 1970-01-01"), "time units '%s'", units);

    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    char **iso = ps_calloc((size_t)sc->n_actors, sizeof *iso);
    d = H5Dopen2(f, "/dyad_state/target", H5P_DEFAULT);
    CHECK(iso && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, iso) >= 0, "read target");
    for (int i = 0; iso && i < sc->n_actors; i++) {
        CHECK(iso[i] && !strcmp(iso[i], sc->actor_iso3[i]), "target %d", i);
        H5free_memory(iso[i]);
    }
    free(iso);
    H5Dclose(d);
    char *date[1] = {NULL};
    d = H5Dopen2(f, "/time/date", H5P_DEFAULT);
    fs = H5Dget_space(d);
    hsize_t one = 1, last = (hsize_t)sc->n_months - 1;
    ms = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &last, NULL, &one, NULL);
    H5Dread(d, t, ms, fs, H5P_DEFAULT, date);
    char want[8];
    ps_date_format(sc->end, want);
    CHECK(date[0] && !strcmp(date[0], want), "last date %s, want %s", date[0], want);
    H5free_memory(date[0]);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Tclose(t);
}

static void check_summary(hid_t f, ps_run *const *runs)
{
    char path[256];
    for (int m = 0; m < ps_registry_n_metrics(); m++) {
        snprintf(path, sizeof path, "/summary/%s", ps_registry_metric(m, NULL)->name);
        double v[R];
        hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
        CHECK(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0,
              "%s read", path);
        for (int r = 0; d >= 0 && r < R; r++)
            CHECK(same(v[r], runs[r]->metrics[m]), "%s[%d] = %g, want %g", path, r, v[r],
                  runs[r]->metrics[m]);
        if (d >= 0)
            H5Dclose(d);
    }
}

typedef struct {
    int32_t replicate, month;
    char date[8], type[32], source[8], target[8];
    double magnitude;
    char id[64];
} row;

static void check_events(hid_t f, const ps_scenario *sc, ps_run *const *runs)
{
    hsize_t nf = 0, n = 0, want = 0;
    for (int r = 0; r < R; r++)
        want += (hsize_t)runs[r]->n_events;
    CHECK(H5TBget_table_info(f, "events", &nf, &n) >= 0 && nf == 8 && n == want,
          "events: %llu rows, want %llu", (unsigned long long)n, (unsigned long long)want);
    CHECK(want > 0, "the baseline logs events");
    if (n != want || n == 0)
        return;
    row *rows = ps_calloc(n, sizeof *rows);
    size_t offs[8] = {offsetof(row, replicate), offsetof(row, month), offsetof(row, date),
                      offsetof(row, type), offsetof(row, source), offsetof(row, target),
                      offsetof(row, magnitude), offsetof(row, id)};
    size_t sizes[8] = {4, 4, 8, 32, 8, 8, 8, 64};
    CHECK(rows && H5TBread_table(f, "events", sizeof(row), offs, sizes, rows) >= 0,
          "read events");
    /* Replicate order, then month order; within a month, the log's order. */
    hsize_t k = 0;
    for (int r = 0; rows && r < R; r++) {
        const ps_run *run = runs[r];
        for (int month = 0; month < sc->n_months; month++)
            for (int e = 0; e < run->n_events; e++) {
                const ps_event *ev = &run->events[e];
                if (ev->month != month)
                    continue;
                const row *w = &rows[k++];
                char date[8];
                ps_date_format(ps_date_add(sc->start, month), date);
                CHECK(w->replicate == r && w->month == month && !strcmp(w->date, date) &&
                          !strcmp(w->type, ps_registry_event_type(ev->type, NULL)->name) &&
                          !strcmp(w->source, ev->source < 0 ? "" : sc->actor_iso3[ev->source]) &&
                          !strcmp(w->target, ev->target < 0 ? "" : sc->actor_iso3[ev->target]) &&
                          w->magnitude == ev->magnitude && !strcmp(w->id, ev->id),
                      "event row %llu (replicate %d, %s %s)", (unsigned long long)k - 1, r,
                      date, ev->id);
            }
    }
    free(rows);
}

/* Open, write the runs in the given order, commit; check the atomic rules. */
static ps_status write_file(const char *path, const ps_scenario *sc, ps_run *const *runs,
                            const int *order, int n, ps_error *err)
{
    char tmp[512];
    tmp_of(tmp, sizeof tmp, path);
    int before = exists(path);
    ps_provenance prov = {"test_output --replicates 3", 4};
    ps_output *o;
    ps_status s = ps_output_open(path, sc, &prov, &o, err);
    if (s != PS_OK)
        return s;
    for (int k = 0; k < n && s == PS_OK; k++)
        s = ps_output_write_run(o, runs[order[k]], err);
    if (s != PS_OK) {
        ps_output_abort(o);
        return s;
    }
    CHECK(exists(tmp) && exists(path) == before, "before commit: %s exists, %s unchanged",
          tmp, path);
    s = ps_output_commit(o, err);
    CHECK(!exists(tmp), "no temporary file after commit");
    return s;
}

static void test_round_trip(const ps_scenario *sc, ps_run *const *runs)
{
    char path[256];
    path_in(path, sizeof path, "round.h5");
    ps_error err = {PS_OK, ""};
    int order[R] = {2, 0, 1}; /* as replicates may finish under OpenMP */
    ps_status s = write_file(path, sc, runs, order, R, &err);
    CHECK(s == PS_OK && exists(path), "write %s: %s", path, err.msg);
    if (s != PS_OK)
        return;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "reopen %s", path);
    if (f < 0)
        return;
    check_root(f, sc);
    check_parameters(f, sc);
    check_coordinates(f, sc);
    check_state(f, sc, runs);
    check_summary(f, runs);
    check_events(f, sc, runs);
    H5Fclose(f);

    /* info: a summary naming the scenario, a variable and the event types. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    s = ps_output_info(path, mem, &err);
    fclose(mem);
    CHECK(s == PS_OK, "info: %s", err.msg);
    CHECK(text && strstr(text, sc->name) && strstr(text, ps_registry_field(0, NULL)->name) &&
              strstr(text, "replicates:  3") && strstr(text, sc->actor_iso3[0]) &&
              strstr(text, !sc->out_float32 ? "storage:     float64, shuffle + deflate level 4"
                           : sc->out_deflate ? "storage:     float32, shuffle + deflate level 1"
                                             : "storage:     float32, not compressed"),
          "info text:\n%s", text ? text : "");
    free(text);
}

static void test_atomic(const ps_scenario *sc, ps_run *const *runs)
{
    char path[256], tmp[512];
    ps_error err = {PS_OK, ""};
    ps_output *o;

    /* Abort leaves nothing. */
    path_in(path, sizeof path, "aborted.h5");
    tmp_of(tmp, sizeof tmp, path);
    CHECK(ps_output_open(path, sc, NULL, &o, &err) == PS_OK, "open: %s", err.msg);
    CHECK(ps_output_write_run(o, runs[1], &err) == PS_OK, "write: %s", err.msg);
    /* The same replicate twice is a bug in the caller. */
    CHECK(ps_output_write_run(o, runs[1], &err) == PS_ERR_INTERNAL, "replicate twice");
    ps_output_abort(o);
    CHECK(!exists(path) && !exists(tmp), "abort leaves no file");
    ps_output_abort(NULL);

    /* Commit refuses a file with a replicate missing, and removes it. */
    path_in(path, sizeof path, "partial.h5");
    tmp_of(tmp, sizeof tmp, path);
    int order[2] = {0, 2};
    ps_status s = write_file(path, sc, runs, order, 2, &err);
    CHECK(s == PS_ERR_INTERNAL && strstr(err.msg, "replicate 1"), "missing replicate: %s",
          err.msg);
    CHECK(!exists(path) && !exists(tmp), "failed commit leaves no file");

    /* A directory that does not exist: an I/O error naming the path. */
    path_in(path, sizeof path, "nodir/x.h5");
    s = ps_output_open(path, sc, NULL, &o, &err);
    CHECK(s == PS_ERR_IO && strstr(err.msg, "nodir/x.h5") && o == NULL, "nodir: %s", err.msg);

    /* Commit replaces an existing file (the CLI decides about --force). */
    path_in(path, sizeof path, "replaced.h5");
    FILE *fp = fopen(path, "w");
    fputs("old", fp);
    fclose(fp);
    int all[R] = {0, 1, 2};
    CHECK(write_file(path, sc, runs, all, R, &err) == PS_OK && H5Fis_hdf5(path) > 0,
          "replace: %s", err.msg);
    remove(path);
}

/* info refuses what is not a pactsim file. */
static void test_info_refuses(void)
{
    char path[256];
    ps_error err = {PS_OK, ""};
    FILE *null = fopen("/dev/null", "w");

    path_in(path, sizeof path, "text.h5");
    FILE *fp = fopen(path, "w");
    fputs("not hdf5\n", fp);
    fclose(fp);
    CHECK(ps_output_info(path, null, &err) == PS_ERR_INPUT && strstr(err.msg, path),
          "text file: %s", err.msg);
    remove(path);

    path_in(path, sizeof path, "missing.h5");
    CHECK(ps_output_info(path, null, &err) == PS_ERR_INPUT && strstr(err.msg, path),
          "missing file: %s", err.msg);

    /* HDF5, but not ours; then ours from the future. */
    path_in(path, sizeof path, "foreign.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    CHECK(ps_output_info(path, null, &err) == PS_ERR_INPUT && strstr(err.msg, "format"),
          "foreign HDF5: %s", err.msg);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5LTset_attribute_string(f, "/", "format", "pactsim");
    int v = 2;
    H5LTset_attribute_int(f, "/", "format_version", &v, 1);
    H5Fclose(f);
    CHECK(ps_output_info(path, null, &err) == PS_ERR_INPUT && strstr(err.msg, "newer"),
          "future version: %s", err.msg);
    remove(path);
    fclose(null);
}

/* A finite value float32 cannot hold stops the write with a message naming
 * the field and the way out, instead of storing infinity. */
static void test_float32_range(ps_scenario *sc, ps_run *run)
{
    char path[256];
    path_in(path, sizeof path, "range.h5");
    ps_error err = {PS_OK, ""};
    ps_output *o = NULL;
    double keep = run->series[0][0];
    run->series[0][0] = 1e39;
    sc->out_float32 = 1;
    ps_status s = ps_output_open(path, sc, NULL, &o, &err);
    CHECK(s == PS_OK, "open: %s", err.msg);
    if (s == PS_OK) {
        s = ps_output_write_run(o, run, &err);
        CHECK(s == PS_ERR_NUMERIC && strstr(err.msg, ps_registry_field(0, NULL)->name) &&
                  strstr(err.msg, "float32 range") && strstr(err.msg, "precision: float64"),
              "float32 overflow: %d %s", s, err.msg);
        ps_output_abort(o);
    }
    run->series[0][0] = keep;
    CHECK(!exists(path), "no file after the refused write");
}

int main(void)
{
    snprintf(dir, sizeof dir, "test_output.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *set[] = {"replicates=3"};
    ps_scenario *sc = NULL;
    ps_error err = {PS_OK, ""};
    ps_run *runs[R] = {NULL};
    ps_status s = ps_scenario_load(CONFIG, set, 1, &sc, &err);
    CHECK(s == PS_OK && sc->replicates == R, "load %s: %s", CONFIG, err.msg);
    for (int r = 0; s == PS_OK && r < R; r++) {
        s = ps_run_replicate(sc, r, 1, NULL, &runs[r], &err);
        CHECK(s == PS_OK, "replicate %d: %s", r, err.msg);
    }
    if (s == PS_OK) {
        test_round_trip(sc, runs); /* the default output: float32, deflate */
        test_atomic(sc, runs);
        /* output: {precision: float64, compression: 4}, and float32 unfiltered */
        sc->out_float32 = 0;
        sc->out_deflate = 4;
        test_round_trip(sc, runs);
        sc->out_float32 = 1;
        sc->out_deflate = 0;
        test_round_trip(sc, runs);
        test_float32_range(sc, runs[1]);
    }
    test_info_refuses();
    for (int r = 0; r < R; r++)
        ps_run_free(runs[r]);
    ps_scenario_free(sc);
    char path[256];
    path_in(path, sizeof path, "round.h5");
    remove(path);
    rmdir(dir);
    return CHECK_DONE();
}
