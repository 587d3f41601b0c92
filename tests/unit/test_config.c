/* Scenario loading: the YAML tree, extends, --set, binding to ps_scenario,
 * the resolved text, and robustness against malformed input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"

#define CONFIGS PS_SOURCE_DIR "/tests/configs"

static ps_status load(const char *path, const char *const *set, int n, ps_scenario **sc,
                      ps_error *err)
{
    *sc = NULL;
    if (err) {
        err->code = PS_OK;
        err->msg[0] = '\0';
    }
    return ps_scenario_load(path, set, n, sc, err);
}

/* Value of an explicitly set field, or NAN if the scenario does not set it. */
static double init_of(const ps_scenario *sc, const char *field, int i, int j)
{
    int f = ps_field_index(field);
    for (int k = 0; k < sc->n_inits; k++)
        if (sc->inits[k].field == f && sc->inits[k].i == i && sc->inits[k].j == j)
            return sc->inits[k].value;
    return NAN;
}

static double param_of(const ps_scenario *sc, const char *model, const char *name)
{
    int k = ps_registry_find(model);
    const ps_model *m = ps_registry_model(k);
    for (int p = 0; m && p < m->n_params; p++)
        if (!strcmp(m->params[p].name, name))
            return sc->params[k][p];
    return NAN;
}

static double param_default(const char *model, const char *name)
{
    const ps_model *m = ps_registry_model(ps_registry_find(model));
    for (int p = 0; m && p < m->n_params; p++)
        if (!strcmp(m->params[p].name, name))
            return m->params[p].def;
    return NAN;
}

static int write_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    size_t n = fwrite(text, 1, len, fp);
    return (fclose(fp) == 0 && n == len) ? 0 : -1;
}

static void test_utilities(void)
{
    const char *cands[] = {"trend_growth", "lend_share", "name", "replicates", "gdp"};
    CHECK(!strcmp(ps_did_you_mean("trend_grwth", cands, 5), "trend_growth"), "one deletion");
    CHECK(!strcmp(ps_did_you_mean("nmae", cands, 5), "name"), "transposition");
    CHECK(!strcmp(ps_did_you_mean("gpd", cands, 5), "gdp"), "short word");
    CHECK(ps_did_you_mean("population", cands, 5) == NULL, "nothing close");
    CHECK(ps_did_you_mean("", cands, 5) == NULL, "empty word");
    CHECK(ps_did_you_mean("x", NULL, 0) == NULL, "no candidates");

    CHECK(ps_calloc((size_t)-1, 16) == NULL, "calloc overflow");
    void *p = ps_calloc(0, 8);
    CHECK(p != NULL, "calloc of zero items is freeable");
    free(p);
    char *s = ps_strdup("abc");
    CHECK(s && !strcmp(s, "abc"), "strdup");
    free(s);
    CHECK(ps_strdup(NULL) == NULL, "strdup NULL");

    ps_error err = {PS_OK, ""};
    size_t len = 0;
    CHECK(ps_read_file(CONFIGS "/no_such_file.yaml", &len, &err) == NULL &&
              err.code == PS_ERR_INPUT && strstr(err.msg, "no_such_file.yaml"),
          "missing file: %s", err.msg);
    CHECK(ps_read_file(CONFIGS, &len, &err) == NULL && err.code == PS_ERR_INPUT,
          "directory: %s", err.msg);
    char *text = ps_read_file(CONFIGS "/base.yaml", &len, &err);
    CHECK(text && len == strlen(text) && strstr(text, "fixture_base"), "read base.yaml");
    free(text);
}

static void test_tree(void)
{
    ps_node *root = NULL;
    ps_error err = {PS_OK, ""};
    ps_status st = ps_node_load_file(CONFIGS "/base.yaml", &root, &err);
    CHECK(st == PS_OK && root && root->kind == PS_NODE_MAP, "load tree: %s", err.msg);
    if (st)
        return;
    const ps_node *seed = ps_node_get(root, "seed");
    CHECK(seed && seed->kind == PS_NODE_SCALAR && seed->line == 7 && seed->col == 7 &&
              !seed->quoted, "seed position %d:%d", seed ? seed->line : -1,
          seed ? seed->col : -1);
    const ps_node *desc = ps_node_get(root, "description");
    CHECK(desc && desc->quoted, "quoted scalar");
    CHECK(ps_node_get(root, "nothing") == NULL && ps_node_get(NULL, "x") == NULL, "get");
    char where[256];
    ps_node_where(seed, where, sizeof where);
    CHECK(!strcmp(where, CONFIGS "/base.yaml:7:7"), "where %s", where);

    /* --set: replace, add through new maps, delete, and its position. */
    CHECK(ps_node_set_path(root, "parameters.economy.lend_share=0.3", &err) == PS_OK, "set");
    CHECK(ps_node_set_path(root, "parameters.newmodel.x=[1, 2]", &err) == PS_OK, "set new");
    CHECK(ps_node_set_path(root, "description=", &err) == PS_OK, "delete");
    CHECK(ps_node_get(root, "description") == NULL, "deleted by null");
    CHECK(ps_node_set_path(root, "description=", &err) == PS_ERR_CONFIG &&
              strstr(err.msg, "option --set description=: deletes nothing"),
          "a delete of a key that is not there: %s", err.msg);
    CHECK(ps_node_set_path(root, "parameters.nomodel.x=~", &err) == PS_ERR_CONFIG &&
              strstr(err.msg, "no 'nomodel' in parameters") &&
              !ps_node_get(ps_node_get(root, "parameters"), "nomodel"),
          "a delete creates no map on its way: %s", err.msg);
    const ps_node *ls = ps_node_get(ps_node_get(ps_node_get(root, "parameters"), "economy"),
                                    "lend_share");
    CHECK(ls && ls->line == 0 && !strcmp(ls->scalar, "0.3"), "set value");
    ps_node_where(ls, where, sizeof where);
    CHECK(!strcmp(where, "option --set parameters.economy.lend_share=0.3"), "where %s", where);
    const ps_node *x = ps_node_get(ps_node_get(ps_node_get(root, "parameters"), "newmodel"), "x");
    CHECK(x && x->kind == PS_NODE_SEQ && x->n == 2, "flow list value");

    st = ps_node_set_path(root, "seed.deeper=1", &err);
    CHECK(st == PS_ERR_CONFIG && !strncmp(err.msg, "option --set seed.deeper=1: ", 28),
          "set through a scalar: %s", err.msg);
    st = ps_node_set_path(root, "a..b=1", &err);
    CHECK(st == PS_ERR_CONFIG && strstr(err.msg, "empty part"), "empty part: %s", err.msg);
    st = ps_node_set_path(root, "=1", &err);
    CHECK(st == PS_ERR_CONFIG && strstr(err.msg, "missing key"), "empty key: %s", err.msg);

    char *text = NULL;
    st = ps_node_emit(root, &text, &err);
    CHECK(st == PS_OK && text && strstr(text, "lend_share: 0.3") &&
              strstr(text, "seed: 18446744073709551615"), "emit:\n%s", text ? text : "");
    free(text);
    ps_node_free(root);
    ps_node_free(NULL);
}

static void test_base(void)
{
    ps_scenario *sc;
    ps_error err;
    ps_status st = load(CONFIGS "/base.yaml", NULL, 0, &sc, &err);
    CHECK(st == PS_OK && sc, "load base.yaml: %s", err.msg);
    if (st)
        return;
    CHECK(!strcmp(sc->name, "fixture_base"), "name %s", sc->name);
    CHECK(sc->description && !strcmp(sc->description, "A small scenario"), "description");
    CHECK(sc->sources && !strcmp(sc->sources, "first source\nsecond source"), "sources '%s'",
          sc->sources);
    CHECK(sc->start.year == 2022 && sc->start.month == 1, "start (day ignored)");
    CHECK(sc->end.year == 2023 && sc->end.month == 12 && sc->n_months == 24, "n_months %d",
          sc->n_months);
    CHECK(sc->seed == UINT64_MAX, "seed %llu", (unsigned long long)sc->seed);
    CHECK(sc->replicates == 3, "replicates");
    CHECK(sc->n_theaters == 2 && !strcmp(sc->theater_name[1], "syria_2"), "theaters");
    CHECK(ps_scenario_theater(sc, "syria_2") == 1 && ps_scenario_theater(sc, "x") == -1,
          "theater lookup");
    CHECK(sc->theater_host[0] == 2 && sc->theater_host[1] == -1,
          "host inferred from an actor's name: %d %d", sc->theater_host[0], sc->theater_host[1]);
    CHECK(sc->n_actors == 3 && !strcmp(sc->actor_iso3[2], "UKR") &&
              !strcmp(sc->actor_name[1], "United States"), "actors in file order");
    CHECK(ps_scenario_actor(sc, "RUS") == 0 && ps_scenario_actor(sc, "United States") == 1 &&
              ps_scenario_actor(sc, "XXX") == -1 && ps_scenario_actor(NULL, "RUS") == -1,
          "actor lookup");
    CHECK(sc->n_inits == 4, "only explicit values stored: %d", sc->n_inits);
    CHECK(init_of(sc, "gdp", 0, -1) == 1.8e12 && init_of(sc, "reserves", 0, -1) == 6.3e11 &&
              init_of(sc, "gdp", 1, -1) == 2.3e13, "actor inits");
    CHECK(isnan(init_of(sc, "gdp", 2, -1)), "unset field not stored");
    CHECK(init_of(sc, "sanction_intensity", 1, 0) == 0.1, "dyad init");
    CHECK(param_of(sc, "economy", "lend_share") == 0.2 &&
              param_of(sc, "sanctions", "erosion") == 0.01, "parameters set");
    CHECK(param_of(sc, "economy", "growth_persistence") ==
              param_default("economy", "growth_persistence"), "parameter default");

    /* Sorted by month, then file order; sources by ISO3, name, world, none. */
    static const char *const order[] = {"early_b", "early_a", "from_world", "late",
                                        "this_event_id_is_longer_than_sixty_three_bytes_so_it_must_be_tr"};
    CHECK(sc->n_events == 5, "events %d", sc->n_events);
    for (int e = 0; e < sc->n_events && e < 5; e++)
        CHECK(!strcmp(sc->events[e].id, order[e]), "event %d is %s, expected %s", e,
              sc->events[e].id, order[e]);
    if (sc->n_events == 5) {
        const ps_event *ev = sc->events;
        CHECK(ev[0].month == 1 && ev[0].source == 1 && ev[0].target == 0 &&
                  ev[0].magnitude == 1.0, "early_b: default magnitude, source by name");
        CHECK(ev[0].type == ps_registry_find_event_type("sanctions"), "type index");
        CHECK(ev[1].month == 1 && ev[1].source == -1 && ev[1].magnitude == 3e11,
              "early_a: no source");
        CHECK(ev[2].source == -1 && ev[2].target == 2 && ev[2].magnitude == 0.0, "world");
        CHECK(ev[3].month == 17 && ev[3].target == 0, "target by name");
        CHECK(ev[4].month == 23 && strlen(ev[4].id) == PS_NAME_MAX - 1, "id truncated");
    }
    char *raw = ps_read_file(CONFIGS "/base.yaml", NULL, &err);
    CHECK(raw && sc->raw_text && !strcmp(raw, sc->raw_text), "raw text is the file");
    free(raw);
    CHECK(sc->path && !strcmp(sc->path, CONFIGS "/base.yaml"), "path");

    /* The resolved text loads to the same scenario. */
    char tmp[] = "pactsim_resolved_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0, "mkstemp");
    if (fd >= 0) {
        close(fd);
        CHECK(write_file(tmp, sc->resolved_text, strlen(sc->resolved_text)) == 0, "write");
        ps_scenario *again;
        st = load(tmp, NULL, 0, &again, &err);
        CHECK(st == PS_OK, "reload resolved text: %s\n%s", err.msg, sc->resolved_text);
        if (!st) {
            CHECK(again->seed == sc->seed && again->n_inits == sc->n_inits &&
                      again->n_events == sc->n_events && !strcmp(again->sources, sc->sources),
                  "round trip");
            CHECK(again->n_events == 5 && again->events[4].month == 23, "round trip events");
            ps_scenario_free(again);
        }
        remove(tmp);
    }
    ps_scenario_free(sc);
}

static void test_extends(void)
{
    ps_scenario *sc;
    ps_error err;
    ps_status st = load(CONFIGS "/sub/deeper/grandchild.yaml", NULL, 0, &sc, &err);
    CHECK(st == PS_OK, "load grandchild: %s", err.msg);
    if (st)
        return;
    CHECK(!strcmp(sc->name, "fixture_child") && sc->replicates == 7, "chain of extends");
    CHECK(!strcmp(sc->sources, "child source"), "list replaced");
    CHECK(!strcmp(sc->description, "A small scenario"), "inherited");
    CHECK(sc->n_actors == 4 && !strcmp(sc->actor_iso3[3], "IRN"), "actor appended");
    CHECK(init_of(sc, "gdp", 0, -1) == 2.0e12 && init_of(sc, "reserves", 0, -1) == 6.3e11 &&
              !strcmp(sc->actor_name[0], "Russia"), "actor map merged");
    CHECK(param_of(sc, "economy", "lend_share") == 0.2 &&
              param_of(sc, "economy", "growth_persistence") == 0.5, "parameters merged");
    int late = 0, child = -1;
    for (int e = 0; e < sc->n_events; e++) {
        late |= !strcmp(sc->events[e].id, "late");
        if (!strcmp(sc->events[e].id, "child_event"))
            child = e;
        if (!strcmp(sc->events[e].id, "early_b"))
            CHECK(sc->events[e].magnitude == 0.25 && sc->events[e].month == 1,
                  "event merged field by field");
    }
    CHECK(!late && sc->n_events == 5, "null deletes an event");
    CHECK(child == 3 && sc->events[child].target == 3, "event added, sorted");
    char *raw = ps_read_file(CONFIGS "/sub/deeper/grandchild.yaml", NULL, &err);
    CHECK(raw && !strcmp(raw, sc->raw_text), "raw text is the top file");
    free(raw);
    CHECK(strstr(sc->resolved_text, "extends") == NULL &&
              strstr(sc->resolved_text, "growth_persistence: 0.5"), "resolved text merged");
    ps_scenario_free(sc);
}

static void test_overrides(void)
{
    ps_scenario *sc;
    ps_error err;
    const char *set[] = {
        "parameters.economy.lend_share=0.3",
        "parameters.economy.lend_share=0.4", /* later wins */
        "timeline.late=null",
        "+timeline.extra={date: 2022-04, type: sanctions, source: USA, target: RUS}",
        "actors.RUS.gdp=3e12",
        "name=overridden",
        "theaters=[{name: donbas, host: UKR}, {name: ukraine, host: world}, russia]",
        "parameters.promises.horizon=24",
    };
    ps_status st = load(CONFIGS "/base.yaml", set, 8, &sc, &err);
    CHECK(st == PS_OK, "overrides: %s", err.msg);
    if (!st) {
        CHECK(param_of(sc, "economy", "lend_share") == 0.4, "last override wins");
        CHECK(!strcmp(sc->name, "overridden"), "name");
        CHECK(param_of(sc, "promises", "horizon") == 24.0, "integer parameter");
        CHECK(init_of(sc, "gdp", 0, -1) == 3e12, "actor field");
        CHECK(sc->n_events == 5 && !strcmp(sc->events[3].id, "extra"), "event replaced");
        CHECK(strstr(sc->resolved_text, "lend_share: 0.4") != NULL, "resolved has override");
        CHECK(sc->n_theaters == 3 && sc->theater_host[0] == 2 && sc->theater_host[1] == -1 &&
                  sc->theater_host[2] == 0, "theater hosts given and inferred");
        ps_scenario_free(sc);
    }

    /* -0 is read as +0 (the models' bit-for-bit shortcuts assume no -0 at the start). */
    const char *negzero[] = {"parameters.economy.lend_share=-0.0"};
    st = load(CONFIGS "/base.yaml", negzero, 1, &sc, &err);
    CHECK(st == PS_OK, "lend_share=-0.0: %s", err.msg);
    if (!st) {
        double v = param_of(sc, "economy", "lend_share");
        CHECK(v == 0.0 && !signbit(v), "-0.0 read as +0, got %g (sign %d)", v, signbit(v) != 0);
        ps_scenario_free(sc);
    }

    /* A run cut short: the events dated after its end are checked, kept out
     * and counted (a law enacted for a later date is not an error). */
    const char *cut[] = {"end=2022-12"};
    st = load(CONFIGS "/base.yaml", cut, 1, &sc, &err);
    CHECK(st == PS_OK, "end=2022-12: %s", err.msg);
    if (!st) {
        int late = 0;
        for (int e = 0; e < sc->n_events; e++)
            late += sc->events[e].month >= sc->n_months;
        CHECK(sc->n_events == 3 && sc->n_events_after == 2 && late == 0,
              "events %d kept, %d after the end (expected 3, 2), %d late ones kept", sc->n_events,
              sc->n_events_after, late);
        ps_scenario_free(sc);
    }
    const char *cut_bad[] = {"end=2022-12", "timeline.late.type=sanctionz"};
    st = load(CONFIGS "/base.yaml", cut_bad, 2, &sc, &err);
    CHECK(st == PS_ERR_CONFIG && strstr(err.msg, "unknown event type 'sanctionz'"),
          "an event after the end is still checked: %s", err.msg);

    static const struct {
        const char *set, *text;
    } bad[] = {
        {"nmae=x", "option --set nmae=x: unknown top-level key 'nmae' (did you mean 'name'?)"},
        {"seed", "option --set seed: missing '='"},
        {"parameters.economy.lend_shar=0.1", "option --set parameters.economy.lend_shar=0.1: "
                                             "unknown parameter 'lend_shar' for model 'economy' "
                                             "(did you mean 'lend_share'?)"},
        {"parameters.economy.lend_share=\"0.1\"", "is a quoted string; expected a number"},
        {"parameters.economy.lend_share=2", "out of bounds; expected a number in [0, 1]"},
        {"seed=[1", "option --set seed=[1: invalid YAML"},
        {"seed=1\n---\n2", "a second YAML document"},
        {"replicates=-1", "option --set replicates=-1: replicates is -1, negative"},
        {"actors.RUS.sanction_intensity=0.1", "is a dyad field, not an actor field"},
        {"extends=other.yaml", "option --set extends=other.yaml: 'extends' cannot be set"},
        {"name.sub=1", "option --set name.sub=1: 'name' is a value, not a map"},
        {"+timeline.x.date=2022-01", "option --set +timeline.x.date=2022-01: event 'x' has "
                                     "no type"},
        /* a typo creates nothing: new actors and events take the '+' form */
        {"timeline.x.date=2022-01", "option --set timeline.x.date=2022-01: unknown event 'x'"},
        {"actors.RSU.gdp=1", "option --set actors.RSU.gdp=1: unknown actor 'RSU' (did you "
                             "mean 'RUS'?)"},
        {"+actors.RUS.name=x", "option --set +actors.RUS.name=x: actor 'RUS' exists"},
        {"+seed=3", "option --set +seed=3: a leading '+' adds an actor or an event"},
        {"name=", "option --set name=: 'name' is required and cannot be removed"},
        {"start=~", "option --set start=~: 'start' is required"},
        /* a null deletes: a key the scenario lacks is a typo, as in extends */
        {"actors.RUS.not_there=~", "option --set actors.RUS.not_there=~: deletes nothing: the "
                                   "scenario has no 'not_there' in actors.RUS"},
        {"actors.RUS.reserve=null", "no 'reserve' in actors.RUS (did you mean 'reserves'?)"},
        {"output=", "option --set output=: deletes nothing: the scenario has no 'output'; "
                    "expected"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *one[] = {bad[i].set};
        st = load(CONFIGS "/base.yaml", one, 1, &sc, &err);
        CHECK(st == PS_ERR_CONFIG && sc == NULL, "--set %s: status %d", bad[i].set, st);
        CHECK(strstr(err.msg, bad[i].text) && !strncmp(err.msg, "option --set ", 13) &&
                  strstr(err.msg, "; expected "), "--set %s: message\n    %s", bad[i].set,
              err.msg);
    }
}

/* Nothing crashes, leaks or passes silently on mangled input. */
static void test_robustness(void)
{
    ps_scenario *sc;
    ps_error err;
    CHECK(load(CONFIGS "/no_such.yaml", NULL, 0, &sc, &err) == PS_ERR_INPUT && !sc,
          "missing file: %s", err.msg);
    CHECK(load("", NULL, 0, &sc, &err) != PS_OK && !sc, "empty path");
    CHECK(ps_scenario_load(NULL, NULL, 0, &sc, &err) != PS_OK, "NULL path");
    CHECK(ps_scenario_load(CONFIGS "/base.yaml", NULL, 0, NULL, &err) != PS_OK, "NULL out");
    CHECK(load(CONFIGS "/base.yaml", NULL, 0, &sc, NULL) == PS_OK, "NULL err is allowed");
    ps_scenario_free(sc);
    ps_scenario_free(NULL);

    char tmp[] = "pactsim_fuzz_XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0, "mkstemp");
    if (fd < 0)
        return;
    close(fd);

    /* Every possible ISO3 code (26^3, fewer than the 100000 cap): maps are
     * indexed, not scanned quadratically. */
    size_t cap = 8 << 20;
    char *big = malloc(cap);
    CHECK(big != NULL, "malloc");
    if (!big)
        return;
    int actors = 26 * 26 * 26;
    size_t blen = (size_t)snprintf(big, cap, "name: big\nstart: 2022-01\nend: 2022-12\n"
                                   "seed: 1\nreplicates: 1\nactors:\n");
    for (int a = 0; a < actors; a++)
        blen += (size_t)snprintf(big + blen, cap - blen, "  %c%c%c: {name: a%d, gdp: %d}\n",
                                 'A' + a / 676, 'A' + a / 26 % 26, 'A' + a % 26, a, a);
    blen += (size_t)snprintf(big + blen, cap - blen,
                             "relations: {AAA: {ZZZ: {sanction_intensity: 0.5}}}\n");
    write_file(tmp, big, blen);
    ps_status st = load(tmp, NULL, 0, &sc, &err);
    CHECK(st == PS_OK && sc->n_actors == actors && sc->n_inits == actors + 1 &&
              sc->inits[actors].i == 0 && sc->inits[actors].j == actors - 1,
          "all ISO3 codes: %s", err.msg);
    ps_scenario_free(sc);

    /* Mutate bytes of a valid file: any outcome but a crash is fine, and an
     * error always has a message with a position or option. */
    size_t len = 0;
    char *base = ps_read_file(CONFIGS "/base.yaml", &len, &err);
    CHECK(base != NULL, "read base");
    unsigned seed = 12345;
    int failures = 0;
    static const char junk[] = "{}[]:,-#&*!|>'\"%@`\t\n \xff\xc3.~0";
    for (int iter = 0; base && iter < 400; iter++) {
        memcpy(big, base, len);
        for (int k = 0; k < 1 + iter % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            big[at] = junk[(seed >> 8) % (sizeof junk - 1)];
        }
        write_file(tmp, big, len);
        st = load(tmp, NULL, 0, &sc, &err);
        if (st) {
            failures++;
            CHECK(st == PS_ERR_CONFIG && strstr(err.msg, tmp) == err.msg &&
                      strstr(err.msg, "; expected "),
                  "mutation %d: status %d: %s", iter, st, err.msg);
        }
        ps_scenario_free(sc);
    }
    CHECK(failures > 50, "mutations mostly fail (%d)", failures);
    free(base);
    free(big);
    remove(tmp);
}

int main(void)
{
    test_utilities();
    test_tree();
    test_base();
    test_extends();
    test_overrides();
    test_robustness();
    return CHECK_DONE();
}
