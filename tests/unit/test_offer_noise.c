/* Cooperation's offer noise (issue 16) on the 2022 baseline, 100 replicates
 * to 2022-12. Month 0 reads the initial state, the same in every replicate,
 * so the complementarity without noise is one number per pair (a run with
 * offer_noise = 0); with noise, every pair's month-0 complementarity is that
 * number times exp(x - sigma^2 / 2), x = its offer mood that month, capped at
 * 1. Across replicates the factor has mean 1 and the lognormal's spread; the
 * mood is stationary N(0, sigma^2) with lag-one autocorrelation phi; the
 * Russia-Iran cooperation spreads more than without the noise (same seeds).
 * That the noise at 0 is today's model exactly is the differential test's
 * (tests/python/test_reference.py: the reference without noise is the old
 * equations), and thread counts its too (a 70-actor world, 1 and 2 threads). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "replicates.h"

#define REPS 100
#define CONFIGS PS_SOURCE_DIR "/configs"

extern const ps_model ps_model_cooperation;

static double dy(const ps_run *u, const char *f, int t, int i, int j)
{
    size_t n = (size_t)u->sc->n_actors;
    return u->series[ps_field_index(f)][(size_t)t * n * n + (size_t)i * n + j];
}

static double param_default(const ps_model *md, const char *name)
{
    for (int k = 0; k < md->n_params; k++)
        if (!strcmp(md->params[k].name, name))
            return md->params[k].def;
    return NAN;
}

static double sd_of(const double *x, int n, double *mean)
{
    double s = 0.0, s2 = 0.0;
    for (int k = 0; k < n; k++)
        s += x[k];
    *mean = s / n;
    for (int k = 0; k < n; k++)
        s2 += (x[k] - *mean) * (x[k] - *mean);
    return sqrt(s2 / (n - 1));
}

int main(void)
{
    const double sigma = param_default(&ps_model_cooperation, "offer_noise");
    const double phi = param_default(&ps_model_cooperation, "offer_noise_persistence");
    CHECK(sigma >= 0.2 && phi > 0.0 && phi < 1.0, "defaults: noise %g (not tiny), persistence %g",
          sigma, phi);
    static rep_runs quiet, noisy;
    static const char *const set_quiet[] = {"end=2022-12", "parameters.cooperation.offer_noise=0",
                                            NULL};
    static const char *const set_noisy[] = {"end=2022-12", NULL};
    if (rep_run(CONFIGS, "baseline_2022.yaml", set_quiet, REPS, &quiet) ||
        rep_run(CONFIGS, "baseline_2022.yaml", set_noisy, REPS, &noisy))
        return 1;
    const int n = noisy.sc->n_actors, T = noisy.sc->n_months;
    const int rus = ps_scenario_actor(noisy.sc, "RUS"), irn = ps_scenario_actor(noisy.sc, "IRN");
    const ps_run *q0 = quiet.run[0];

    /* Month 0, every pair: comp = min(1, comp0 exp(x - sigma^2/2)); the mood symmetric. */
    int exact = 1, symmetric = 1, zero_quiet = 1, n_pairs = 0;
    double ratio[REPS];
    for (int r = 0; r < REPS; r++) {
        const ps_run *u = noisy.run[r];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                if (i == j)
                    continue;
                double c0 = dy(q0, "complementarity", 0, i, j), x = dy(u, "offer_mood", 0, i, j);
                double want = fmin(1.0, c0 * exp(x - 0.5 * sigma * sigma));
                double got = dy(u, "complementarity", 0, i, j);
                exact &= fabs(got - want) <= 1e-12 * (1.0 + want);
                for (int t = 0; t < T; t++) {
                    symmetric &= dy(u, "offer_mood", t, i, j) == dy(u, "offer_mood", t, j, i);
                    zero_quiet &= dy(quiet.run[r], "offer_mood", t, i, j) == 0.0;
                }
                n_pairs += r == 0 && c0 > 0.0;
            }
        ratio[r] = dy(u, "complementarity", 0, rus, irn) / dy(q0, "complementarity", 0, rus, irn);
    }
    double c_ri = dy(q0, "complementarity", 0, rus, irn), mean;
    double sd = sd_of(ratio, REPS, &mean), sd_th = sqrt(exp(sigma * sigma) - 1.0);
    double se = sd_th / sqrt((double)REPS);
    printf("RUS-IRN complementarity, month 0: %.4f without noise; with noise (sigma %.2f) "
           "ratio mean %.4f (theory 1, se %.4f), sd %.4f (theory %.4f); %d pairs with "
           "complementarity > 0\n",
           c_ri, sigma, mean, se, sd, sd_th, n_pairs);
    CHECK(c_ri > 0.0 && c_ri * exp(3.0 * sigma) < 1.0, "RUS-IRN: the cap at 1 does not bind");
    CHECK(exact, "month 0: complementarity = min(1, comp0 exp(x - sigma^2/2)) for every pair");
    CHECK(symmetric, "the offer mood is symmetric");
    CHECK(zero_quiet, "offer_noise 0: the mood stays 0");
    CHECK(fabs(mean - 1.0) < 4.0 * se, "the factor has mean 1: %.4f", mean);
    CHECK(fabs(sd / sd_th - 1.0) < 0.3, "the factor's spread is the lognormal's: %.4f", sd);

    /* The mood: stationary sd sigma in the first and last month, lag-1 autocorrelation phi. */
    double sxx[2] = {0.0, 0.0}, sxy = 0.0, sx2 = 0.0;
    long m = 0, m1 = 0;
    for (int r = 0; r < REPS; r++)
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) {
                double a = dy(noisy.run[r], "offer_mood", 0, i, j);
                double b = dy(noisy.run[r], "offer_mood", T - 1, i, j);
                sxx[0] += a * a;
                sxx[1] += b * b;
                m++;
                for (int t = 0; t + 1 < T; t++) {
                    double x = dy(noisy.run[r], "offer_mood", t, i, j);
                    double y = dy(noisy.run[r], "offer_mood", t + 1, i, j);
                    sxy += x * y;
                    sx2 += x * x;
                    m1++;
                }
            }
    double s0 = sqrt(sxx[0] / m), s1 = sqrt(sxx[1] / m), rho = sxy / sx2;
    printf("offer mood: sd %.4f (month 0), %.4f (month %d), theory %.4f; lag-1 autocorrelation "
           "%.4f (theory %.4f; %ld pairs x replicates)\n",
           s0, s1, T - 1, sigma, rho, phi, m);
    CHECK(fabs(s0 / sigma - 1.0) < 0.05 && fabs(s1 / sigma - 1.0) < 0.05,
          "the mood is stationary N(0, sigma^2)");
    CHECK(fabs(rho - phi) < 0.02, "the mood's autocorrelation is the persistence");
    (void)m1;

    /* Russia-Iran cooperation at the end: the noise adds spread (same seeds otherwise). */
    double cq[REPS], cn[REPS], mq, mn;
    for (int r = 0; r < REPS; r++) {
        cq[r] = dy(quiet.run[r], "cooperation", T - 1, rus, irn);
        cn[r] = dy(noisy.run[r], "cooperation", T - 1, rus, irn);
    }
    double sq = sd_of(cq, REPS, &mq), sn = sd_of(cn, REPS, &mn);
    printf("RUS-IRN cooperation, %d-%02d: without offer noise mean %.4f sd %.5f; with mean %.4f "
           "sd %.5f\n",
           noisy.sc->end.year, noisy.sc->end.month, mq, sq, mn, sn);
    CHECK(sn > sq, "the offer noise spreads Russia-Iran cooperation across replicates");
    rep_free(&quiet);
    rep_free(&noisy);
    return CHECK_DONE();
}
