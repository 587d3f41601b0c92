/* dump_state: what the NumPy reference (bench/reference/pactsim_ref.py) needs
 * to recompute a run of the C engine, without re-implementing the YAML loader.
 *
 *   dump_state CONFIG [--set K=V]... [-r REPLICATE] -o DIR
 *
 * Loads the scenario (ps_scenario_load, with the overrides), creates the world
 * of replicate r (ps_world_create: every model's init has run) and writes to
 * DIR (created if absent):
 *
 *   index.json         scenario size, actors, theaters and their hosts, every
 *                      model's parameters by name, every field (name, owning
 *                      model, shape, file), the timeline events in file order
 *                      (month, type, owning model, source, target, magnitude,
 *                      id) and the random draws' files;
 *   field_<name>.f64   the field's initial `cur` array after every init,
 *                      little-endian doubles, row-major (N, N x N or N x T);
 *   draw_economy_shock.f64   months x N: economy's monthly growth shock per
 *                      actor, gsl_ran_gaussian(ps_rng_key(seed, r, month,
 *                      actor key, 1), growth_noise_sd), 0 when the sd is 0;
 *   draw_oil_price_shock.f64 months: oil's world price shock, key "OILPRICE",
 *                      stream 11, sd price_volatility;
 *   draw_war_hazard.f64 months x N x N: the uniform the military model draws
 *                      for a war of attacker i against host h in a month,
 *                      gsl_rng_uniform(ps_rng_key(seed, r, month,
 *                      hash(key(i) ^ hash(key(h))), 51)) (0 on the diagonal);
 *                      the model draws it only for wars, from hazard_from_month;
 *   draw_oil_price_jump.f64  months x 2: oil's disruption draws, key "OILPRICE",
 *                      stream 12, two gsl_rng_uniform (occurrence, size) when
 *                      price_jump_rate > 0, else (1, 0);
 *   draw_promise_delivery_z.f64  months x N x N: the standard normal behind
 *                      the delivery factor of pledge j -> i (models/promises.c:
 *                      ordered pair id, stream 53); 0 when delivery_noise is 0;
 *   draw_offer_z.f64   months x N x N: the standard normal behind the offer
 *                      mood of pair {i, j} (models/cooperation.c: unordered pair
 *                      id, stream 63; symmetric, 0 on the diagonal); 0 when
 *                      offer_noise is 0. (The mood's stationary draw at init is
 *                      in field_offer_mood.f64.)
 *   draw_leader.f64    months x N: the uniform the leadership model draws for
 *                      actor i in a month, gsl_rng_uniform(ps_rng_key(seed, r,
 *                      month, key(i), 71)); it uses it from hazard_from_month
 *                      when hazard_base > 0;
 *
 * The draws repeat the models' ps_rng_key calls (models/economy.c,
 * models/oil.c, models/military.c, models/promises.c, models/cooperation.c,
 * models/leadership.c): if
 * a model changes its key, change it here too (the
 * differential test tests/python/test_reference.py then fails). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_randist.h>

#include "pactsim_model.h"

#define ECONOMY_STREAM 1u                          /* models/economy.c */
#define WORLD_PRICE_ID 0x4f494c5052494345ULL      /* models/oil.c: "OILPRICE" */
#define PRICE_STREAM 11u                          /* models/oil.c */
#define HAZARD_STREAM 51u                         /* models/military.c */
#define DELIVERY_STREAM 53u                       /* models/promises.c */
#define OFFER_STREAM 63u                          /* models/cooperation.c */
#define JUMP_STREAM 12u                           /* models/oil.c */
#define LEADER_STREAM 71u                         /* models/leadership.c */

static int usage(void)
{
    fprintf(stderr, "usage: dump_state CONFIG [--set K=V]... [-r REPLICATE] -o DIR\n");
    return 2;
}

static void json_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(fp, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(fp, "\\u%04x", *c);
        else
            fputc(*c, fp);
    }
    fputc('"', fp);
}

static int write_doubles(const char *dir, const char *name, const double *v, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        fprintf(stderr, "dump_state: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    /* The machines pactsim runs on are little-endian (x86-64, aarch64). */
    size_t k = n ? fwrite(v, sizeof *v, n, fp) : 0;
    if (fclose(fp) != 0 || k != n) {
        fprintf(stderr, "dump_state: short write to %s\n", path);
        return 1;
    }
    return 0;
}

static double param_by_name(const ps_scenario *sc, const char *model, const char *name)
{
    int m = ps_registry_find(model);
    if (m < 0)
        return 0.0;
    const ps_model *md = ps_registry_model(m);
    for (int k = 0; k < md->n_params; k++)
        if (!strcmp(md->params[k].name, name))
            return sc->params[m][k];
    return 0.0;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *dir = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int n_sets = 0, replicate = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--set") && a + 1 < argc)
            sets[n_sets++] = argv[++a];
        else if (!strcmp(argv[a], "-r") && a + 1 < argc)
            replicate = atoi(argv[++a]);
        else if (!strcmp(argv[a], "-o") && a + 1 < argc)
            dir = argv[++a];
        else if (argv[a][0] != '-' && !config)
            config = argv[a];
        else
            return usage();
    }
    if (!config || !dir)
        return usage();
    ps_error err = {PS_OK, ""};
    ps_scenario *sc;
    if (ps_scenario_load(config, sets, n_sets, &sc, &err) != PS_OK) {
        fprintf(stderr, "dump_state: %s\n", err.msg);
        free(sets);
        return 1;
    }
    ps_world *w = NULL;
    int bad = ps_world_create(sc, replicate, &w, &err) != PS_OK;
    if (bad)
        fprintf(stderr, "dump_state: %s\n", err.msg);
    else if ((bad = mkdir(dir, 0777) != 0 && errno != EEXIST))
        fprintf(stderr, "dump_state: cannot create %s: %s\n", dir, strerror(errno));
    if (bad) {
        ps_world_free(w);
        ps_scenario_free(sc);
        free(sets);
        return 1;
    }
    int n = sc->n_actors, months = sc->n_months, rc = 0;

    /* Fields: the output fields (the reference keeps its own internal state). */
    int nf = ps_registry_n_fields();
    for (int f = 0; f < nf && !rc; f++) {
        char name[256];
        snprintf(name, sizeof name, "field_%s.f64", ps_registry_field(f, NULL)->name);
        rc = write_doubles(dir, name, w->cur[f], ps_field_size(w, f));
    }

    /* Random draws, keyed as the models key them. */
    ps_rng *rng = ps_rng_alloc();
    double *shock = calloc((size_t)months * n + 1, sizeof *shock);
    double *eps = calloc((size_t)months + 1, sizeof *eps);
    double *haz = calloc((size_t)months * n * n + 1, sizeof *haz);
    double *jump = calloc(2 * (size_t)months + 1, sizeof *jump);
    size_t nn = (size_t)n * n;
    double *zdel = calloc((size_t)months * nn + 1, sizeof *zdel);
    double *zoff = calloc((size_t)months * nn + 1, sizeof *zoff);
    double *lead = calloc((size_t)months * n + 1, sizeof *lead);
    if (!rng || !shock || !eps || !haz || !jump || !zdel || !zoff || !lead) {
        fprintf(stderr, "dump_state: out of memory\n");
        free(shock), free(eps), free(haz), free(jump), free(zdel), free(zoff), free(lead);
        ps_rng_free(rng);
        ps_world_free(w);
        ps_scenario_free(sc);
        free(sets);
        return 1;
    }
    double sd = param_by_name(sc, "economy", "growth_noise_sd");
    double vol = param_by_name(sc, "oil", "price_volatility");
    double dsd = param_by_name(sc, "promises", "delivery_noise");
    double osd = param_by_name(sc, "cooperation", "offer_noise");
    double jump_rate = param_by_name(sc, "oil", "price_jump_rate");
    for (int m = 0; m < months; m++) {
        for (int i = 0; i < n; i++) {
            gsl_rng *r = ps_rng_key(rng, sc->seed, replicate, m, ps_world_actor_key(w, i),
                                    ECONOMY_STREAM);
            shock[(size_t)m * n + i] = sd > 0.0 ? gsl_ran_gaussian(r, sd) : 0.0;
        }
        gsl_rng *r = ps_rng_key(rng, sc->seed, replicate, m, WORLD_PRICE_ID, PRICE_STREAM);
        eps[m] = vol > 0.0 ? gsl_ran_gaussian(r, vol) : 0.0;
        for (int i = 0; i < n; i++)
            for (int h = 0; h < n; h++) {
                if (i == h)
                    continue;
                uint64_t id = ps_hash64(ps_world_actor_key(w, i) ^
                                        ps_hash64(ps_world_actor_key(w, h)));
                r = ps_rng_key(rng, sc->seed, replicate, m, id, HAZARD_STREAM);
                haz[((size_t)m * n + i) * n + h] = gsl_rng_uniform(r);
            }
        if (jump_rate > 0.0) {
            r = ps_rng_key(rng, sc->seed, replicate, m, WORLD_PRICE_ID, JUMP_STREAM);
            jump[2 * (size_t)m] = gsl_rng_uniform(r);
            jump[2 * (size_t)m + 1] = gsl_rng_uniform(r);
        } else {
            jump[2 * (size_t)m] = 1.0; /* never below a rate of 0 */
        }
        for (int j = 0; j < n && dsd > 0.0; j++)
            for (int i = 0; i < n; i++) {
                uint64_t id = ps_hash64(ps_world_actor_key(w, j) ^
                                        ps_hash64(ps_world_actor_key(w, i)));
                r = ps_rng_key(rng, sc->seed, replicate, m, id, DELIVERY_STREAM);
                zdel[(size_t)m * nn + (size_t)j * n + i] = gsl_ran_gaussian(r, 1.0);
            }
        for (int i = 0; i < n; i++) {
            r = ps_rng_key(rng, sc->seed, replicate, m, ps_world_actor_key(w, i), LEADER_STREAM);
            lead[(size_t)m * n + i] = gsl_rng_uniform(r);
        }
        for (int i = 0; i < n && osd > 0.0; i++)
            for (int j = i + 1; j < n; j++) {
                uint64_t a = ps_world_actor_key(w, i), b = ps_world_actor_key(w, j);
                uint64_t id = a < b ? ps_hash64(a ^ ps_hash64(b)) : ps_hash64(b ^ ps_hash64(a));
                r = ps_rng_key(rng, sc->seed, replicate, m, id, OFFER_STREAM);
                zoff[(size_t)m * nn + (size_t)i * n + j] = zoff[(size_t)m * nn + (size_t)j * n + i] =
                    gsl_ran_gaussian(r, 1.0);
            }
    }
    if (!rc)
        rc = write_doubles(dir, "draw_economy_shock.f64", shock, (size_t)months * n);
    if (!rc)
        rc = write_doubles(dir, "draw_oil_price_shock.f64", eps, (size_t)months);
    if (!rc)
        rc = write_doubles(dir, "draw_war_hazard.f64", haz, (size_t)months * n * n);
    if (!rc)
        rc = write_doubles(dir, "draw_oil_price_jump.f64", jump, 2 * (size_t)months);
    if (!rc)
        rc = write_doubles(dir, "draw_promise_delivery_z.f64", zdel, (size_t)months * nn);
    if (!rc)
        rc = write_doubles(dir, "draw_offer_z.f64", zoff, (size_t)months * nn);
    if (!rc)
        rc = write_doubles(dir, "draw_leader.f64", lead, (size_t)months * n);

    /* Index. */
    char path[4096];
    snprintf(path, sizeof path, "%s/index.json", dir);
    FILE *fp = rc ? NULL : fopen(path, "w");
    if (!rc && !fp) {
        fprintf(stderr, "dump_state: cannot write %s\n", path);
        rc = 1;
    }
    if (fp) {
        char start[8];
        ps_date_format(sc->start, start);
        fprintf(fp, "{\n\"format\": \"pactsim-dump\", \"version\": 1,\n\"scenario\": ");
        json_string(fp, sc->name ? sc->name : "");
        fprintf(fp, ",\n\"start\": \"%s\", \"n_actors\": %d, \"n_theaters\": %d, "
                    "\"n_months\": %d, \"seed\": %llu, \"replicate\": %d,\n\"actors\": [",
                start, n, sc->n_theaters, months, (unsigned long long)sc->seed, replicate);
        for (int i = 0; i < n; i++) {
            fputs(i ? ", " : "", fp);
            json_string(fp, sc->actor_iso3[i]);
        }
        fprintf(fp, "],\n\"theaters\": [");
        for (int t = 0; t < sc->n_theaters; t++) {
            fputs(t ? ", " : "", fp);
            json_string(fp, sc->theater_name[t]);
        }
        fprintf(fp, "],\n\"theater_host\": [");
        for (int t = 0; t < sc->n_theaters; t++)
            fprintf(fp, "%s%d", t ? ", " : "", sc->theater_host[t]);
        fprintf(fp, "],\n\"params\": {");
        for (int m = 0; m < ps_registry_count(); m++) {
            const ps_model *md = ps_registry_model(m);
            fprintf(fp, "%s\n  ", m ? "," : "");
            json_string(fp, md->name);
            fprintf(fp, ": {");
            for (int k = 0; k < md->n_params; k++) {
                fputs(k ? ", " : "", fp);
                json_string(fp, md->params[k].name);
                fprintf(fp, ": %.17g", sc->params[m][k]);
            }
            fprintf(fp, "}");
        }
        fprintf(fp, "},\n\"fields\": [");
        static const char *const shapes[] = {"actor", "dyad", "theater"};
        for (int f = 0; f < nf; f++) {
            int owner;
            const ps_field *fd = ps_registry_field(f, &owner);
            fprintf(fp, "%s\n  {\"name\": ", f ? "," : "");
            json_string(fp, fd->name);
            fprintf(fp, ", \"model\": ");
            json_string(fp, ps_registry_model(owner)->name);
            fprintf(fp, ", \"shape\": \"%s\", \"file\": \"field_%s.f64\"}", shapes[fd->shape],
                    fd->name);
        }
        fprintf(fp, "],\n\"events\": [");
        for (int e = 0; e < sc->n_events; e++) {
            const ps_event *ev = &sc->events[e];
            int owner;
            const ps_event_type *et = ps_registry_event_type(ev->type, &owner);
            fprintf(fp, "%s\n  {\"month\": %d, \"type\": ", e ? "," : "", ev->month);
            json_string(fp, et->name);
            fprintf(fp, ", \"model\": ");
            json_string(fp, ps_registry_model(owner)->name);
            fprintf(fp, ", \"source\": %d, \"target\": %d, \"magnitude\": %.17g, \"id\": ",
                    ev->source, ev->target, ev->magnitude);
            json_string(fp, ev->id);
            fprintf(fp, "}");
        }
        fprintf(fp, "],\n\"draws\": {\"economy_shock\": {\"file\": "
                    "\"draw_economy_shock.f64\", \"shape\": [%d, %d]},\n"
                    "  \"oil_price_shock\": {\"file\": \"draw_oil_price_shock.f64\", "
                    "\"shape\": [%d]},\n"
                    "  \"war_hazard\": {\"file\": \"draw_war_hazard.f64\", "
                    "\"shape\": [%d, %d, %d]},\n"
                    "  \"oil_price_jump\": {\"file\": \"draw_oil_price_jump.f64\", "
                    "\"shape\": [%d, 2]},\n"
                    "  \"promise_delivery_z\": {\"file\": \"draw_promise_delivery_z.f64\", "
                    "\"shape\": [%d, %d, %d]},\n"
                    "  \"offer_z\": {\"file\": \"draw_offer_z.f64\", "
                    "\"shape\": [%d, %d, %d]},\n"
                    "  \"leader\": {\"file\": \"draw_leader.f64\", "
                    "\"shape\": [%d, %d]}}\n}\n",
                months, n, months, months, n, n, months, months, n, n, months, n, n, months, n);
        if (fclose(fp) != 0) {
            fprintf(stderr, "dump_state: cannot write %s\n", path);
            rc = 1;
        }
    }
    free(shock);
    free(eps);
    free(haz);
    free(zdel);
    free(zoff);
    free(lead);
    free(jump);
    ps_rng_free(rng);
    ps_world_free(w);
    ps_scenario_free(sc);
    free(sets);
    return rc;
}
