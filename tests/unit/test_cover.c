/* The cover model on a four-actor world, against values worked out by hand
 * from docs/ODD.md: a veto-holder's cover of a partner grows with their
 * cooperation (c / (c + half)), vanishes with its own sanctions and yes votes,
 * one veto is enough (cover received = the strongest), and the shield it
 * hands the sanctions model is `shield` x cover received; UN votes fade. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "synthetic.h"

extern const ps_model ps_model_cover;
extern const ps_model ps_model_cooperation;
extern const ps_model ps_model_sanctions;

enum { H1, H2, P, Q }; /* two veto-holders, two partners */



#define NEAR(x, y) (fabs((x) - (y)) <= 1e-12 * (1.0 + fabs(y)))

int main(void)
{
    const double half = synth_default(&ps_model_cover, "half_cooperation");
    const double shield = synth_default(&ps_model_cover, "shield");
    const double memory = synth_default(&ps_model_cover, "vote_memory");
    CHECK(half > 0 && shield > 0 && memory > 0, "defaults");
    const ps_model *pipe[] = {&ps_model_sanctions, &ps_model_cooperation, &ps_model_cover, NULL};
    ps_registry_use(pipe);
    int perm[4] = {0, 1, 2, 3};
    ps_scenario *sc = synth_new("cover", 4, perm, NULL, 0, 'V', 2, 5, 32, 4);
    synth_init(sc, "unsc_veto", H1, -1, 1.0);
    synth_init(sc, "unsc_veto", H2, -1, 1.0);
    synth_init(sc, "cooperation", H1, P, 0.6);
    synth_init(sc, "cooperation", H2, P, 0.2);
    synth_init(sc, "cooperation", H1, Q, 0.3);
    synth_init(sc, "cooperation", H2, Q, 0.8);
    synth_init(sc, "sanction_intensity", H2, Q, 0.5); /* H2 sanctions Q itself */
    synth_init(sc, "un_vote", H1, Q, 0.4);            /* and H1 voted for UN sanctions */
    synth_init(sc, "cooperation", P, Q, 0.9);         /* P has no veto: gives no cover */
    ps_run *r = NULL;
    ps_error err = {PS_OK, ""};
    ps_status s = ps_run_replicate(sc, 0, 1, NULL, &r, &err);
    CHECK(s == PS_OK, "run: %s", err.msg);
    if (r) {
        /* The first month's cover is derived from the initial state (state t). */
        double h1p = 0.6 / (0.6 + half), h2p = 0.2 / (0.2 + half);
        double h1q = 0.3 / (0.3 + half) * (1 - 0.4), h2q = 0.8 / (0.8 + half) * (1 - 0.5);
        CHECK(NEAR(synth_at(r, "diplomatic_cover", 0, H1, P), h1p), "H1->P %.15g vs %.15g",
              synth_at(r, "diplomatic_cover", 0, H1, P), h1p);
        CHECK(NEAR(synth_at(r, "diplomatic_cover", 0, H2, P), h2p), "H2->P");
        CHECK(NEAR(synth_at(r, "diplomatic_cover", 0, H1, Q), h1q), "H1->Q: vote");
        CHECK(NEAR(synth_at(r, "diplomatic_cover", 0, H2, Q), h2q), "H2->Q: own sanctions");
        CHECK(synth_at(r, "diplomatic_cover", 0, P, Q) == 0.0, "no veto, no cover");
        CHECK(synth_at(r, "diplomatic_cover", 0, H1, H1) == 0.0, "no cover of oneself");
        /* One veto is enough: the strongest cover counts. */
        CHECK(NEAR(synth_at(r, "cover_received", 0, P, -1), fmax(h1p, h2p)), "received by P");
        CHECK(NEAR(synth_at(r, "cover_received", 0, Q, -1), fmax(h1q, h2q)), "received by Q");
        CHECK(NEAR(synth_at(r, "cover_shield", 0, Q, -1), shield * fmax(h1q, h2q)), "shield");
        CHECK(NEAR(synth_at(r, "un_vote", 0, H1, Q), 0.4 * (1 - memory)), "votes fade");
        CHECK(NEAR(synth_at(r, "un_vote", 1, H1, Q), 0.4 * (1 - memory) * (1 - memory)),
              "votes fade each month");
        ps_run_free(r);
    }
    synth_free(sc);
    ps_registry_use(NULL);
    return CHECK_DONE();
}
