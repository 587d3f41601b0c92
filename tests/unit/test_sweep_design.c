/* Sweep designs: grid size and order, Latin hypercube strata, Sobol' points,
 * Saltelli blocks, Morris steps; overrides and common random numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>

#include "check.h"
#include "pactsim.h"

static ps_sweep *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, PS_SOURCE_DIR "/tests/configs/sweep/%s", name);
    ps_sweep *sw = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_sweep_load(path, &sw, &err);
    CHECK(s == PS_OK, "%s: %s", name, err.msg);
    return sw;
}

int main(void)
{
    ps_sweep *sw = load("grid.yaml");
    if (sw) {
        CHECK(sw->design == PS_DESIGN_GRID && sw->n_points == 6 && sw->n_params == 2 &&
              sw->replicates == 3, "grid: %d points", sw->n_points);
        /* Last parameter fastest; ranges from lo to hi in `levels` steps. */
        double want[6][2] = {{0.05, 0}, {0.05, 0.02}, {0.15, 0}, {0.15, 0.02}, {0.25, 0}, {0.25, 0.02}};
        for (int p = 0; p < 6; p++)
            for (int j = 0; j < 2; j++)
                CHECK(fabs(sw->points[p * 2 + j] - want[p][j]) < 1e-15, "grid point %d,%d = %g",
                      p, j, sw->points[p * 2 + j]);
        CHECK(!strcmp(sw->params[0].unit, "1/yr"), "unit from the registry: '%s'",
              sw->params[0].unit);
        char buf[128];
        ps_sweep_override(sw, 3, 0, buf, sizeof buf);
        CHECK(!strcmp(buf, "parameters.economy.sanction_elasticity=0.14999999999999999") ||
              !strcmp(buf, "parameters.economy.sanction_elasticity=0.15000000000000002") ||
              !strcmp(buf, "parameters.economy.sanction_elasticity=0.15"), "override %s", buf);
        /* Each point's scenario: the value set, the base seed kept (common random numbers). */
        ps_scenario *a = NULL, *b = NULL;
        ps_error err = {PS_OK, ""};
        CHECK(ps_sweep_point_scenario(sw, 0, &a, &err) == PS_OK, "point 0: %s", err.msg);
        CHECK(ps_sweep_point_scenario(sw, 5, &b, &err) == PS_OK, "point 5: %s", err.msg);
        if (a && b) {
            int m = ps_registry_find("economy");
            CHECK(a->seed == b->seed && a->seed == sw->base->seed, "seeds differ");
            CHECK(a->replicates == 3, "replicates %d", a->replicates);
            const ps_model *md = ps_registry_model(m);
            for (int q = 0; q < md->n_params; q++)
                if (!strcmp(md->params[q].name, "sanction_elasticity"))
                    CHECK(a->params[m][q] == 0.05 && b->params[m][q] == 0.25,
                          "swept values %g %g", a->params[m][q], b->params[m][q]);
        }
        ps_scenario_free(a);
        ps_scenario_free(b);
        CHECK(ps_sweep_validate(sw, &err) == PS_OK && sw->hash != 0, "validate: %s", err.msg);
        uint64_t h = sw->hash;
        CHECK(ps_sweep_validate(sw, &err) == PS_OK && sw->hash == h, "hash not stable");
        ps_sweep_free(sw);
    }

    sw = load("lhs.yaml");
    if (sw) {
        int n = sw->n_points, k = sw->n_params;
        CHECK(n == 10 && k == 3 && sw->keep == PS_KEEP_STRIDE && sw->stride == 6, "lhs header");
        for (int j = 0; j < k; j++) {
            int seen[10] = {0};
            for (int i = 0; i < n; i++) {
                double u = sw->unit[i * k + j];
                int s = (int)floor(u * n);
                CHECK(u >= 0 && u < 1 && s >= 0 && s < n, "lhs u %g", u);
                if (s >= 0 && s < n)
                    seen[s]++;
            }
            for (int s = 0; s < n; s++)
                CHECK(seen[s] == 1, "lhs: stratum %d of parameter %d has %d points", s, j, seen[s]);
        }
        /* log scale: growth_noise_sd = lo (hi/lo)^u */
        for (int i = 0; i < n; i++) {
            double u = sw->unit[i * k + 2], v = sw->points[i * k + 2];
            CHECK(fabs(v - 0.001 * pow(20.0, u)) < 1e-12, "log mapping %g -> %g", u, v);
        }
        ps_sweep_free(sw);
    }

    sw = load("sobol.yaml");
    if (sw) {
        gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, 2);
        double x[2];
        gsl_qrng_get(q, x); /* the origin is skipped */
        for (int i = 0; i < sw->n_points; i++) {
            gsl_qrng_get(q, x);
            CHECK(sw->unit[i * 2] == x[0] && sw->unit[i * 2 + 1] == x[1], "sobol point %d", i);
        }
        gsl_qrng_free(q);
        /* Value lists: u in [k/n, (k+1)/n) picks value k. */
        for (int i = 0; i < sw->n_points; i++) {
            int kk = (int)floor(sw->unit[i * 2 + 1] * 4);
            CHECK(sw->points[i * 2 + 1] == 0.01 * kk, "value list point %d", i);
        }
        CHECK(sw->keep == PS_KEEP_FULL && sw->stride == 1, "full mode");
        ps_sweep_free(sw);
    }

    sw = load("saltelli.yaml");
    if (sw) {
        int N = sw->samples, k = sw->n_params;
        CHECK(N == 16 && sw->n_points == N * (k + 2), "saltelli: %d points", sw->n_points);
        for (int i = 0; i < N; i++)
            for (int c = 0; c < k; c++)
                for (int j = 0; j < k; j++) {
                    double ab = sw->unit[((2 + c) * N + i) * k + j];
                    double src = c == j ? sw->unit[(N + i) * k + j] : sw->unit[i * k + j];
                    CHECK(ab == src, "AB_%d row %d column %d", c, i, j);
                }
        ps_sweep_free(sw);
    }

    sw = load("morris.yaml");
    if (sw) {
        int k = sw->n_params, p = sw->levels;
        double delta = p / (2.0 * (p - 1));
        CHECK(sw->n_points == sw->samples * (k + 1), "morris: %d points", sw->n_points);
        for (int t = 0; t < sw->samples; t++) {
            int row = t * (k + 1), moved[8] = {0};
            CHECK(sw->step[row] == -1, "trajectory %d does not start with -1", t);
            for (int s = 1; s <= k; s++) {
                int j = sw->step[row + s];
                CHECK(j >= 0 && j < k, "step %d", j);
                if (j < 0 || j >= k)
                    continue;
                moved[j]++;
                for (int c = 0; c < k; c++) {
                    double d = sw->unit[(row + s) * k + c] - sw->unit[(row + s - 1) * k + c];
                    CHECK(c == j ? fabs(fabs(d) - delta) < 1e-12 : d == 0,
                          "trajectory %d step %d: column %d moved by %g", t, s, c, d);
                }
            }
            for (int j = 0; j < k; j++)
                CHECK(moved[j] == 1, "trajectory %d moves parameter %d %d times", t, j, moved[j]);
        }
        ps_sweep_free(sw);
    }
    return CHECK_DONE();
}
