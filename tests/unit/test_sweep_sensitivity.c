/* Sensitivity analysis against functions with known indices: Ishigami
 * (a = 7, b = 0.1) and Sobol's G-function, run as sweeps through the whole
 * pipeline (spec, design, runs, sweep file, /sensitivity).
 *
 * The two models exist only in this test: it installs its own list with
 * ps_registry_use before anything runs. The normal registry is untouched. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "check.h"
#include "pactsim_model.h"

#define PI 3.141592653589793

/* ------------------------------------------------------ test models */
static double ishigami(const ps_run *run)
{
    const double *x = run->sc->params[ps_registry_find("ishigami")];
    double s = sin(x[0]);
    return s + 7.0 * sin(x[1]) * sin(x[1]) + 0.1 * pow(x[2], 4) * s;
}

/* The same with a mean large against its spread: the estimators must centre. */
static double ishigami_1000(const ps_run *run)
{
    return 1000.0 + ishigami(run);
}

static const double g_a[6] = {0, 1, 4.5, 9, 99, 99};

static double gfunction(const ps_run *run)
{
    const double *x = run->sc->params[ps_registry_find("gfunction")];
    double g = 1.0;
    for (int i = 0; i < 6; i++)
        g *= (fabs(4.0 * x[i] - 2.0) + g_a[i]) / (1.0 + g_a[i]);
    return g;
}

static const ps_param ish_params[] = {
    {"x1", PS_REAL, "1", -4, 4, 0, "Ishigami x1", "test"},
    {"x2", PS_REAL, "1", -4, 4, 0, "Ishigami x2", "test"},
    {"x3", PS_REAL, "1", -4, 4, 0, "Ishigami x3", "test"},
};
static const ps_metric ish_metrics[] = {
    {"ishigami", "1", "Ishigami function", ishigami},
    {"ishigami_1000", "1", "Ishigami function + 1000", ishigami_1000},
};
static const ps_param g_params[] = {
    {"x1", PS_REAL, "1", 0, 1, 0.5, "G x1", "test"}, {"x2", PS_REAL, "1", 0, 1, 0.5, "G x2", "test"},
    {"x3", PS_REAL, "1", 0, 1, 0.5, "G x3", "test"}, {"x4", PS_REAL, "1", 0, 1, 0.5, "G x4", "test"},
    {"x5", PS_REAL, "1", 0, 1, 0.5, "G x5", "test"}, {"x6", PS_REAL, "1", 0, 1, 0.5, "G x6", "test"},
};
static const ps_metric g_metrics[] = {{"gfunction", "1", "Sobol' G-function", gfunction}};

static const ps_model model_ishigami = {
    .name = "ishigami", .description = "test only", .params = ish_params, .n_params = 3,
    .metrics = ish_metrics, .n_metrics = 2,
};
static const ps_model model_gfunction = {
    .name = "gfunction", .description = "test only", .params = g_params, .n_params = 6,
    .metrics = g_metrics, .n_metrics = 1,
};

static const ps_model *const test_models[] = {&model_ishigami, &model_gfunction, NULL};

/* ------------------------------------------------------ helpers */
static int read_vec(hid_t f, const char *name, double *v)
{
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    int rc = d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    if (d >= 0)
        H5Dclose(d);
    return rc ? 0 : -1;
}

/* Run a spec into out; 0 on success. */
static int run_spec(const char *spec, const char *out)
{
    ps_sweep *sw = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_sweep_load(spec, &sw, &err);
    if (s == PS_OK)
        s = ps_sweep_validate(sw, &err);
    ps_sweep_options opt = {.threads = 2, .output = out, .force = 1, .command_line = "test"};
    if (s == PS_OK)
        s = ps_sweep_run(sw, &opt, NULL, &err);
    CHECK(s == PS_OK, "%s: %s", spec, err.msg);
    ps_sweep_free(sw);
    return s == PS_OK ? 0 : -1;
}

/* Every analytic index inside its bootstrap interval, every S1 interval
 * narrower than width; S2 (k x k) too when given. */
static void check_sobol(const char *file, const char *metric, int k, const double *S1,
                        const double *ST, const double *S2, double width)
{
    ps_error err = {PS_OK, ""};
    ps_sensitivity_options o = {.metric = metric, .n_boot = 1000};
    ps_status s = ps_sensitivity(file, &o, stdout, &err);
    CHECK(s == PS_OK, "sensitivity: %s", err.msg);
    if (s != PS_OK)
        return;
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    double v[9][36];
    static const char *const names[9] = {"S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high",
                                         "S2", "S2_low", "S2_high"};
    char path[128];
    for (int q = 0; q < (S2 ? 9 : 6); q++) {
        snprintf(path, sizeof path, "/sensitivity/%s/%s", metric, names[q]);
        CHECK(read_vec(f, path, v[q]) == 0, "cannot read %s", path);
    }
    H5Fclose(f);
    for (int j = 0; j < k; j++) {
        CHECK(v[1][j] <= S1[j] && S1[j] <= v[2][j],
              "%s S1[%d]: analytic %.4f outside [%.4f, %.4f] (estimate %.4f)", metric, j, S1[j],
              v[1][j], v[2][j], v[0][j]);
        CHECK(v[4][j] <= ST[j] && ST[j] <= v[5][j],
              "%s ST[%d]: analytic %.4f outside [%.4f, %.4f] (estimate %.4f)", metric, j, ST[j],
              v[4][j], v[5][j], v[3][j]);
        CHECK(v[2][j] - v[1][j] < width, "%s S1[%d]: interval [%.4f, %.4f] too wide to mean "
              "anything", metric, j, v[1][j], v[2][j]);
        for (int l = j + 1; S2 && l < k; l++) {
            int e = j * k + l;
            CHECK(v[7][e] <= S2[e] && S2[e] <= v[8][e] && v[6][e] == v[6][l * k + j],
                  "%s S2[%d,%d]: analytic %.4f outside [%.4f, %.4f] (estimate %.4f)", metric,
                  j, l, S2[e], v[7][e], v[8][e], v[6][e]);
            CHECK(v[8][e] - v[7][e] < 2 * width, "%s S2[%d,%d]: interval [%.4f, %.4f] too wide",
                  metric, j, l, v[7][e], v[8][e]);
        }
        CHECK(!S2 || isnan(v[6][j * k + j]), "%s S2[%d,%d] is not NaN", metric, j, j);
    }
}

/* The estimates of two metrics agree to rounding (a shift of the output
 * changes no index). */
static void check_same(const char *file, const char *m1, const char *m2, const char *what,
                       int n)
{
    char p1[128], p2[128];
    double a[36], b[36];
    snprintf(p1, sizeof p1, "/sensitivity/%s/%s", m1, what);
    snprintf(p2, sizeof p2, "/sensitivity/%s/%s", m2, what);
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(read_vec(f, p1, a) == 0 && read_vec(f, p2, b) == 0, "cannot read %s", what);
    H5Fclose(f);
    for (int j = 0; j < n; j++)
        CHECK((isnan(a[j]) && isnan(b[j])) || fabs(a[j] - b[j]) < 1e-9,
              "%s[%d]: %s %.12f, %s %.12f", what, j, m1, a[j], m2, b[j]);
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ps_registry_use(test_models);
    CHECK(ps_registry_count() == 2 && ps_registry_find("ishigami") == 0,
          "the test registry did not replace the normal one");
    const char *dir = PS_SOURCE_DIR "/tests/configs/sweep/testfn";
    char spec[512];

    /* Ishigami, a = 7, b = 0.1. */
    snprintf(spec, sizeof spec, "%s/ishigami.yaml", dir);
    if (run_spec(spec, "sens_ishigami.h5") == 0) {
        const double V = 0.5 + 49.0 / 8 + 0.1 * pow(PI, 4) / 5 + 0.01 * pow(PI, 8) / 18;
        const double V1 = 0.5 * pow(1 + 0.1 * pow(PI, 4) / 5, 2), V2 = 49.0 / 8;
        const double V13 = 0.01 * pow(PI, 8) * (1.0 / 18 - 1.0 / 50);
        double S1[3] = {V1 / V, V2 / V, 0}, ST[3] = {(V1 + V13) / V, V2 / V, V13 / V};
        CHECK(fabs(S1[0] - 0.314) < 0.001 && fabs(ST[2] - 0.244) < 0.001,
              "analytic Ishigami values wrong: %f %f", S1[0], ST[2]);
        check_sobol("sens_ishigami.h5", "ishigami", 3, S1, ST, NULL, 0.3);
        check_sobol("sens_ishigami.h5", "ishigami_1000", 3, S1, ST, NULL, 0.3);
        /* Recomputing replaces /sensitivity/<metric>. */
        ps_error err = {PS_OK, ""};
        FILE *null = fopen("/dev/null", "w");
        ps_sensitivity_options o = {.metric = "ishigami", .n_boot = 200};
        CHECK(ps_sensitivity("sens_ishigami.h5", &o, null, &err) == PS_OK,
              "second sensitivity: %s", err.msg);
        o.metric = "nosuch";
        CHECK(ps_sensitivity("sens_ishigami.h5", &o, null, &err) == PS_ERR_INPUT &&
              strstr(err.msg, "nosuch"), "unknown metric: %s", err.msg);
        fclose(null);

        /* Few samples (N = 256), an output of mean 1000 and spread 3.7, and the
         * second-order blocks: S2 of x1 x x3 is V13 / V, the others 0. */
        snprintf(spec, sizeof spec, "%s/ishigami_second_order.yaml", dir);
        if (run_spec(spec, "sens_ishigami_so.h5") == 0) {
            double S2[9] = {0};
            S2[0 * 3 + 2] = S2[2 * 3 + 0] = V13 / V;
            check_sobol("sens_ishigami_so.h5", "ishigami_1000", 3, S1, ST, S2, 0.5);
            check_sobol("sens_ishigami_so.h5", "ishigami", 3, S1, ST, S2, 0.5);
            static const char *const what[] = {"S1", "S1_low", "S1_high", "ST", "ST_high",
                                               "S2", "S2_low", "S2_high"};
            for (int q = 0; q < 8; q++)
                check_same("sens_ishigami_so.h5", "ishigami", "ishigami_1000", what[q],
                           what[q][1] == '2' ? 9 : 3);
        }
    }

    /* G-function: V_i = 1 / (3 (1 + a_i)^2). */
    snprintf(spec, sizeof spec, "%s/gfunction.yaml", dir);
    if (run_spec(spec, "sens_gfunction.h5") == 0) {
        double Vi[6], S1[6], ST[6], prod = 1.0;
        for (int i = 0; i < 6; i++) {
            Vi[i] = 1.0 / (3.0 * (1 + g_a[i]) * (1 + g_a[i]));
            prod *= 1 + Vi[i];
        }
        for (int i = 0; i < 6; i++) {
            S1[i] = Vi[i] / (prod - 1);
            ST[i] = Vi[i] * prod / (1 + Vi[i]) / (prod - 1);
        }
        check_sobol("sens_gfunction.h5", "gfunction", 6, S1, ST, NULL, 0.3);
    }

    /* Morris on Ishigami: x1 and x2 matter; x3 acts only with x1 (mu ~ 0, sigma > 0). */
    snprintf(spec, sizeof spec, "%s/ishigami_morris.yaml", dir);
    if (run_spec(spec, "sens_morris.h5") == 0) {
        ps_error err = {PS_OK, ""};
        ps_sensitivity_options o = {.metric = "ishigami", .n_boot = 500};
        CHECK(ps_sensitivity("sens_morris.h5", &o, stdout, &err) == PS_OK,
              "morris: %s", err.msg);
        hid_t f = H5Fopen("sens_morris.h5", H5F_ACC_RDONLY, H5P_DEFAULT);
        double mus[3], mu[3], sd[3];
        CHECK(read_vec(f, "/sensitivity/ishigami/mu_star", mus) == 0 &&
              read_vec(f, "/sensitivity/ishigami/mu", mu) == 0 &&
              read_vec(f, "/sensitivity/ishigami/sigma", sd) == 0, "cannot read morris results");
        H5Fclose(f);
        for (int j = 0; j < 3; j++)
            CHECK(mus[j] > 0 && isfinite(sd[j]) && fabs(mu[j]) <= mus[j] + 1e-12,
                  "morris %d: mu* %g mu %g sigma %g", j, mus[j], mu[j], sd[j]);
        CHECK(sd[2] > 0.5 * mus[2], "x3 acts through interaction: sigma %g vs mu* %g", sd[2],
              mus[2]);
    }
    /* A grid design has no indices. */
    ps_error err = {PS_OK, ""};
    CHECK(ps_sensitivity("no_such_file.h5", NULL, stdout, &err) == PS_ERR_INPUT,
          "missing file: %s", err.msg);
    return CHECK_DONE();
}
