/* Counter-based random streams.
 *
 * A draw must not depend on which thread made it or in which order, so each
 * stream is keyed by (seed, replicate, month, id, stream): the key is hashed
 * into a seed for a cheap GSL generator (taus2), which is reseeded per key.
 * Replicate r is therefore identical alone or among any number of others. */
#include <stdlib.h>

#include <gsl/gsl_rng.h>

#include "internal.h"

struct ps_rng {
    gsl_rng *g;
};

/* SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche. */
uint64_t ps_hash64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

ps_rng *ps_rng_alloc(void)
{
    ps_rng *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->g = gsl_rng_alloc(gsl_rng_taus2);
    if (!r->g) {
        free(r);
        return NULL;
    }
    return r;
}

void ps_rng_free(ps_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->g);
    free(r);
}

gsl_rng *ps_rng_key(ps_rng *r, uint64_t seed, int replicate, int month,
                    uint64_t id, uint32_t stream)
{
    uint64_t h = ps_hash64(seed);
    h = ps_hash64(h ^ (uint64_t)(uint32_t)replicate);
    h = ps_hash64(h ^ ((uint64_t)(uint32_t)month << 32 | stream));
    h = ps_hash64(h ^ id);
    /* taus2 wants a nonzero 32-bit seed; fold the 64 bits. */
    unsigned long s = (unsigned long)((h ^ (h >> 32)) & 0xffffffffUL);
    gsl_rng_set(r->g, s ? s : 1UL);
    return r->g;
}

uint64_t ps_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *c = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}
