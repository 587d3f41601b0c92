/* Leadership model (docs/ODD.md 7.14) and its effect on trust (7.3).
 *
 * A test-only model holds GDP growth and military strain at set values, so
 * the hazard is known: q = h0 (1 + b_r max(0, -g) / 0.05 + b_s s). Checks:
 * no change before hazard_from_month or with h0 = 0; the frequency of
 * changes over many actors and months lies in a Wilson 99.9% interval of q
 * for a calm actor, a recession and a strained one (so the hazard doubles
 * where the docs say); the field is 1 exactly in the months the log names;
 * a timeline `leader_change` event sets the field; the month after a change
 * cooperation's trust in both directions of the actor's pairs loses
 * leader_trust_loss x trust, and a pair without a change does not. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "synthetic.h"

extern const ps_model ps_model_leadership;
extern const ps_model ps_model_cooperation;

static const ps_field held_fields[] = {
    {"gdp_growth", PS_ACTOR, "1/yr", 0.0, -0.5, 0.5, "held", "test"},
    {"military_strain", PS_ACTOR, "1", 0.0, 0.0, 1.0, "held", "test"},
};
static const ps_model held = {.name = "held", .description = "test: fixed inputs",
                              .fields = held_fields, .n_fields = 2};

/* Wilson score interval for k successes in n at z. */
static void wilson(long k, long n, double z, double *lo, double *hi)
{
    double p = (double)k / n, z2 = z * z, den = 1.0 + z2 / n;
    double c = (p + z2 / (2.0 * n)) / den, h = z * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / den;
    *lo = c - h;
    *hi = c + h;
}

/* N actors for M months with growth g and strain s; counts the field's ones
 * (and checks they match the log) from month `from` on, and any before. */
static void run_counts(int n, int months, double g, double s, double h0, int from, long *ones,
                       long *before)
{
    const ps_model *pipe[] = {&held, &ps_model_leadership, NULL};
    ps_registry_use(pipe);
    int *perm = malloc((size_t)n * sizeof *perm);
    for (int k = 0; k < n; k++)
        perm[k] = k;
    ps_scenario *sc = synth_new("leaders", n, perm, NULL, 0, 'L', months, 17, 2 * n, 1);
    for (int i = 0; i < n; i++) {
        synth_init(sc, "gdp_growth", i, -1, g);
        synth_init(sc, "military_strain", i, -1, s);
    }
    synth_param(sc, "leadership", "hazard_base", h0);
    synth_param(sc, "leadership", "hazard_from_month", from);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    *ones = *before = 0;
    long logged = 0;
    int e = ps_registry_find_event_type("leader_change");
    for (int k = 0; r && k < r->n_events; k++)
        if (r->events[k].type == e) {
            logged++;
            double v = synth_at(r, "leader_change", r->events[k].month, r->events[k].source, -1);
            CHECK(v == 1.0, "logged change of actor %d in month %d: field %g", r->events[k].source,
                  r->events[k].month, v);
        }
    for (int t = 0; r && t < months; t++)
        for (int i = 0; i < n; i++) {
            double v = synth_at(r, "leader_change", t, i, -1);
            CHECK(v == 0.0 || v == 1.0, "field %g", v);
            *(t < from ? before : ones) += v == 1.0;
        }
    CHECK(logged == *ones + *before, "%ld logged, %ld in the field", logged, *ones + *before);
    ps_run_free(r);
    synth_free(sc);
    free(perm);
}

static void check_rate(const char *what, double g, double s, double want)
{
    const int n = 200, months = 60, from = 6;
    long ones, before;
    run_counts(n, months, g, s, 0.01, from, &ones, &before);
    long trials = (long)n * (months - from);
    double lo, hi;
    wilson(ones, trials, 3.29, &lo, &hi);
    CHECK(before == 0, "%s: %ld changes before hazard_from_month", what, before);
    CHECK(lo <= want && want <= hi, "%s: %ld changes in %ld actor-months, [%.4f, %.4f] misses %.4f",
          what, ones, trials, lo, hi, want);
}

static void test_hazard(void)
{
    check_rate("calm", 0.02, 0.0, 0.01);
    check_rate("5-point recession", -0.05, 0.0, 0.02);
    check_rate("strain 1", 0.0, 1.0, 0.02);
    check_rate("both", -0.10, 0.5, 0.01 * (1 + 2 + 0.5));
    long ones, before;
    run_counts(50, 40, -0.2, 1.0, 0.0, 0, &ones, &before);
    CHECK(ones == 0 && before == 0, "hazard_base 0: %ld changes", ones + before);
}

/* Four actors with mutual trust 0.6 and cooperation 0.5; A's leader changes
 * by a timeline event in month 2 (its field is 1 in month 2); in month 3
 * trust A->B and B->A is what the same run without the event gives, less
 * loss x trust of month 2; C->D is untouched. */
static double trust_at(int event, int t, int i, int j, double *field_a)
{
    const ps_model *pipe[] = {&ps_model_cooperation, &ps_model_leadership, NULL};
    ps_registry_use(pipe);
    int perm[4] = {0, 1, 2, 3};
    ps_scenario *sc = synth_new("trust", 4, perm, NULL, 0, 'T', 6, 5, 32, 1);
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            if (a != b) {
                synth_init(sc, "trust", a, b, 0.6);
                synth_init(sc, "cooperation", a, b, 0.5);
            }
    synth_param(sc, "leadership", "hazard_base", 0.0);
    synth_param(sc, "cooperation", "offer_noise", 0.0);
    if (event)
        synth_event(sc, 2, "leader_change", 0, -1, 1.0);
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    CHECK(ps_run_replicate(sc, 0, 1, NULL, &r, &err) == PS_OK, "run: %s", err.msg);
    double v = r ? synth_at(r, "trust", t, i, j) : NAN;
    if (field_a)
        *field_a = r ? synth_at(r, "leader_change", 2, 0, -1) : NAN;
    ps_run_free(r);
    synth_free(sc);
    return v;
}

static void test_trust(void)
{
    ps_registry_use(NULL);
    double loss = synth_default(&ps_model_cooperation, "leader_trust_loss"), fa = 0.0;
    CHECK(loss > 0.0, "leader_trust_loss default %g", loss);
    for (int dir = 0; dir < 2; dir++) {
        int i = dir ? 1 : 0, j = dir ? 0 : 1;
        double base3 = trust_at(0, 3, i, j, NULL), base2 = trust_at(0, 2, i, j, NULL);
        double with3 = trust_at(1, 3, i, j, &fa), with2 = trust_at(1, 2, i, j, NULL);
        CHECK(fa == 1.0, "leader_change of A in month 2: %g", fa);
        CHECK(with2 == base2, "trust %d->%d in month 2 moved before the change took effect", i, j);
        CHECK(fabs(with3 - (base3 - loss * base2)) < 1e-12,
              "trust %d->%d in month 3: %.15g, expected %.15g - %g x %.15g", i, j, with3, base3,
              loss, base2);
    }
    CHECK(trust_at(1, 3, 2, 3, NULL) == trust_at(0, 3, 2, 3, NULL), "trust C->D moved");
}

int main(void)
{
    test_hazard();
    test_trust();
    return CHECK_DONE();
}
