/* The model contract: every declared input resolves, and a misspelt, misshapen
 * or missing input of any model is a load error naming the model and field. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal.h"
#include "pactsim_model.h"

/* The registry with model k replaced by a copy whose input i is changed. */
static ps_model copy;
static ps_input inputs[256];
static const ps_model *list[64];

static ps_status check_with(int k, int i, const char *name, int shape, int optional,
                            ps_error *err)
{
    int n = 0;
    for (; ps_models[n]; n++)
        list[n] = ps_models[n];
    list[n] = NULL;
    copy = *ps_models[k];
    memcpy(inputs, copy.inputs, (size_t)copy.n_inputs * sizeof *inputs);
    inputs[i].name = name;
    if (shape >= 0)
        inputs[i].shape = (ps_shape)shape;
    if (optional >= 0)
        inputs[i].optional = optional;
    copy.inputs = inputs;
    list[k] = &copy;
    ps_registry_use(list);
    ps_status s = ps_registry_check(err);
    ps_registry_use(NULL);
    return s;
}

/* Two test-only models whose inits would read each other's field: no order
 * satisfies both, a load error naming them. Without the at_init marks (reads
 * in steps only) any order does. */
static const ps_field fa[] = {{"cycle_a", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"}};
static const ps_field fb[] = {{"cycle_b", PS_ACTOR, "1", 0.0, 0.0, 1.0, "test", "test"}};
static const ps_input ia[] = {{"cycle_b", PS_ACTOR, 0, 1}}, ib[] = {{"cycle_a", PS_ACTOR, 0, 1}};
static const ps_input ia_step[] = {{"cycle_b", PS_ACTOR, 0, 0}};

static void test_init_cycle(void)
{
    ps_model a = {.name = "cycle_one", .description = "test", .fields = fa, .n_fields = 1,
                  .inputs = ia, .n_inputs = 1};
    const ps_model b = {.name = "cycle_two", .description = "test", .fields = fb, .n_fields = 1,
                        .inputs = ib, .n_inputs = 1};
    const ps_model *pipe[] = {&a, &b, NULL};
    ps_registry_use(pipe);
    ps_error err = {0};
    CHECK(ps_registry_check(&err) == PS_ERR_MODEL && strstr(err.msg, "cycle") &&
              strstr(err.msg, "cycle_one") && strstr(err.msg, "cycle_two"),
          "an init cycle is a model error naming both: %s", err.msg);
    a.inputs = ia_step; /* one side reads only in its step: two orders of the list, one of inits */
    memset(&err, 0, sizeof err);
    CHECK(ps_registry_check(&err) == PS_OK, "no cycle: %s", err.msg);
    const ps_model *rev[] = {&b, &a, NULL};
    int order[PS_MAX_MODELS] = {-1, -1};
    for (int k = 0; k < 2; k++) {
        ps_registry_use(k ? rev : pipe);
        CHECK(ps_registry_init_order(order, &err) == PS_OK &&
                  ps_registry_model(order[0]) == &a && ps_registry_model(order[1]) == &b,
              "list %d: cycle_one's init first (cycle_two reads it at init)", k);
    }
    ps_registry_use(NULL);
}

int main(void)
{
    ps_error err = {0};
    CHECK(ps_registry_check(&err) == PS_OK, "the shipped registry: %s", err.msg);

    int n_inputs = 0;
    for (int k = 0; ps_models[k]; k++) {
        const ps_model *m = ps_models[k];
        CHECK(m->n_inputs <= 256, "%s has too many inputs for this test", m->name);
        for (int i = 0; i < m->n_inputs; i++, n_inputs++) {
            const char *name = m->inputs[i].name;
            /* Every declared input is some model's field of the declared shape. */
            int f = ps_field_index(name), owner = -1;
            CHECK(f >= 0, "%s: input %s is no field", m->name, name);
            if (f >= 0) {
                CHECK(ps_registry_field(f, &owner)->shape == m->inputs[i].shape,
                      "%s: input %s has the wrong shape", m->name, name);
                CHECK(owner != k, "%s: input %s is its own field", m->name, name);
            }
            /* A one-letter typo (as a mutant would make) is caught, with the
             * model, the field and the right name suggested. */
            char typo[96];
            snprintf(typo, sizeof typo, "%s", name);
            size_t len = strlen(typo);
            typo[len - 1] = typo[len - 1] == 'x' ? 'y' : 'x';
            memset(&err, 0, sizeof err);
            ps_status s = check_with(k, i, typo, -1, -1, &err);
            CHECK(s == PS_ERR_MODEL, "%s: typo %s not caught", m->name, typo);
            CHECK(strstr(err.msg, m->name) && strstr(err.msg, typo),
                  "message names model and field: %s", err.msg);
            CHECK(strstr(err.msg, "did you mean"), "suggestion: %s", err.msg);
            /* The wrong shape is caught. */
            memset(&err, 0, sizeof err);
            int other = m->inputs[i].shape == PS_ACTOR ? PS_DYAD : PS_ACTOR;
            s = check_with(k, i, name, other, -1, &err);
            CHECK(s == PS_ERR_MODEL && strstr(err.msg, name), "%s: shape of %s: %s",
                  m->name, name, err.msg);
        }
    }
    CHECK(n_inputs >= 80, "only %d inputs declared", n_inputs);

    /* A required input whose owner is left out of the pipeline is an error; an
     * optional one switches the coupling off. */
    int lev = -1, cover = -1;
    for (int k = 0; ps_models[k]; k++) {
        if (!strcmp(ps_models[k]->name, "leverage"))
            lev = k;
        if (!strcmp(ps_models[k]->name, "cover"))
            cover = k;
    }
    CHECK(lev >= 0 && cover >= 0, "leverage and cover models registered");
    if (lev >= 0 && cover >= 0) {
        const ps_model *only[] = {ps_models[lev], NULL};
        ps_registry_use(only);
        memset(&err, 0, sizeof err);
        CHECK(ps_registry_check(&err) == PS_OK, "optional inputs may be absent: %s",
              err.msg);
        CHECK(ps_model_input(0, 0) == -1, "absent input resolves to -1");
        ps_registry_use(NULL);
        int i = -1;
        for (int j = 0; j < ps_models[lev]->n_inputs; j++)
            if (!strcmp(ps_models[lev]->inputs[j].name, "diplomatic_cover"))
                i = j;
        CHECK(i >= 0, "leverage declares diplomatic_cover");
        if (i >= 0) {
            ps_model req = *ps_models[lev];
            memcpy(inputs, req.inputs, (size_t)req.n_inputs * sizeof *inputs);
            inputs[i].optional = 0;
            req.inputs = inputs;
            const ps_model *pipe[] = {&req, NULL};
            ps_registry_use(pipe);
            memset(&err, 0, sizeof err);
            CHECK(ps_registry_check(&err) == PS_ERR_MODEL &&
                  strstr(err.msg, "not in the pipeline") &&
                  strstr(err.msg, "cover"), "required input absent: %s", err.msg);
            ps_registry_use(NULL);
        }
        /* In the full registry the input resolves to the cover model's field. */
        CHECK(ps_model_input(lev, i) == ps_field_index("diplomatic_cover"),
              "resolved index");
        CHECK(ps_model_field(cover, 0) == ps_field_index(ps_models[cover]->fields[0].name),
              "own field index");
    }

    /* A scenario does not load with a broken contract: validate and run fail. */
    if (lev >= 0) {
        memset(&err, 0, sizeof err);
        check_with(lev, 0, "gdq", -1, -1, &err);
        int n = 0;
        for (; ps_models[n]; n++)
            list[n] = ps_models[n];
        list[n] = NULL;
        list[lev] = &copy;
        ps_registry_use(list);
        ps_scenario *sc = NULL;
        memset(&err, 0, sizeof err);
        ps_status s = ps_scenario_load(PS_SOURCE_DIR "/configs/baseline_2022.yaml", NULL, 0,
                                       &sc, &err);
        CHECK(s == PS_ERR_MODEL && !sc && strstr(err.msg, "leverage") &&
              strstr(err.msg, "gdq"), "scenario load: %s", err.msg);
        CHECK(ps_status_exit_code(s) != 0, "non-zero exit");
        ps_scenario_free(sc);
        ps_registry_use(NULL);
    }
    test_init_cycle();
    return CHECK_DONE();
}
