/* The promises model against hand-worked values: a pledge (timeline event) is
 * outstanding until its due date; a promiser with no spare finance delivers
 * nothing and breaches it in full when it falls due; one with ample spare
 * finance pays it down at its pace (outstanding / months left) and keeps it;
 * each end is logged as an event. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_promises;
extern const ps_model ps_model_economy;

enum { A, B };

static double at(const ps_run *run, const char *field, int t, int i, int j)
{
    int f = ps_field_index(field), n = run->sc->n_actors;
    return run->series[f][(size_t)t * n * n + (size_t)i * n + j];
}

static int count_events(const ps_run *run, const char *type, int *month)
{
    int e = ps_registry_find_event_type(type), c = 0;
    for (int k = 0; k < run->n_events; k++)
        if (run->events[k].type == e) {
            c++;
            *month = run->events[k].month;
        }
    return c;
}

#define NEAR(x, y) (fabs((x) - (y)) <= 1e-9 * (1.0 + fabs(y)))

static ps_run *run_world(double reserves, ps_scenario **out)
{
    int perm[2] = {0, 1};
    ps_scenario *sc = synth_new("promises", 2, perm, NULL, 0, 'R', 18, 9, 16, 2);
    synth_init(sc, "reserves", A, -1, reserves);
    synth_init(sc, "gdp", A, -1, 1e12);
    synth_init(sc, "gdp", B, -1, 1e11);
    synth_event(sc, 0, "promise_finance", A, B, 12e9);
    ps_run *run = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &run, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    *out = sc;
    return run;
}

int main(void)
{
    int horizon = 0;
    for (int k = 0; k < ps_model_promises.n_params; k++)
        if (!strcmp(ps_model_promises.params[k].name, "horizon"))
            horizon = (int)ps_model_promises.params[k].def;
    CHECK(horizon > 1 && horizon < 17, "horizon %d fits the 18-month test", horizon);
    const ps_model *pipe[] = {&ps_model_economy, &ps_model_promises, NULL};
    ps_registry_use(pipe);
    ps_scenario *sc = NULL;
    int month = -1;

    /* No reserves, so no spare finance: nothing is delivered; the whole pledge
     * is breached when it falls due, `horizon` months after month 0. */
    ps_run *r = run_world(0.0, &sc);
    if (r) {
        CHECK(at(r, "finance_promised", 0, A, B) == 12e9, "pledged in month 0");
        CHECK(at(r, "promise_outstanding", 0, A, B) == 12e9, "outstanding");
        CHECK(at(r, "promise_due", 0, A, B) == horizon, "due in %d months", horizon);
        CHECK(at(r, "finance_delivered", horizon, A, B) == 0.0, "nothing delivered");
        CHECK(at(r, "promise_breach", horizon - 1, A, B) == 0.0, "not breached before due");
        CHECK(at(r, "promise_breach", horizon, A, B) == 12e9, "breached in full when due");
        CHECK(at(r, "promise_outstanding", horizon, A, B) == 0.0, "closed");
        CHECK(count_events(r, "promise_broken", &month) == 1 && month == horizon,
              "one promise_broken event, in month %d", month);
        CHECK(count_events(r, "promise_kept", &month) == 0, "not kept");
        ps_run_free(r);
    }
    synth_free(sc);

    /* Ample reserves: each month pays outstanding / months left, so the pledge
     * is delivered in equal instalments and kept when it falls due. */
    r = run_world(1e13, &sc);
    if (r) {
        double inst = 12e9 / horizon;
        CHECK(NEAR(at(r, "promise_delivery", 1, A, B), 12.0 * inst), "annual rate of an instalment");
        CHECK(NEAR(at(r, "finance_delivered", 1, A, B), inst), "first instalment");
        CHECK(NEAR(at(r, "promise_outstanding", 5, A, B), 12e9 - 5 * inst), "paid down");
        CHECK(NEAR(at(r, "finance_delivered", horizon, A, B), 12e9), "delivered in full");
        CHECK(at(r, "promise_breach", horizon, A, B) == 0.0, "no breach");
        CHECK(at(r, "promise_kept", horizon, A, B) > 0.0, "kept");
        CHECK(count_events(r, "promise_kept", &month) == 1 && month == horizon,
              "one promise_kept event, in month %d", month);
        CHECK(at(r, "promise_delivery", horizon + 2, A, B) == 0.0, "no payment after");
        ps_run_free(r);
    }
    synth_free(sc);
    ps_registry_use(NULL);
    return CHECK_DONE();
}
