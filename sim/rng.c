/* Counter-based random streams (Philox4x32-10).
 *
 * A draw must not depend on which thread made it or in which order, so each
 * stream is keyed by (seed, replicate, month, id, stream) in full: Philox's
 * 64-bit key is a bijective mix of the seed with the actor or dyad id, and
 * its 128-bit counter holds (draw block, stream, month, replicate). Distinct
 * keys therefore give distinct streams (the former 32-bit taus2 seed folded
 * them and could not). Philox4x32-10 is written from its published
 * description (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11) and checked against Random123's known-answer vectors
 * (tests/unit/test_rng.c). It is a GSL generator type, so GSL's distributions
 * draw from it. Replicate r is identical alone or among any number of others. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "internal.h"

struct ps_rng {
    gsl_rng *g;
    uint64_t seed, hseed; /* the last seed keyed and its ps_hash64 (hseed 0: none yet) */
};

typedef struct {
    uint32_t key[2], ctr[4], out[4];
    int used; /* outputs of out[] already returned (4: compute the next block) */
} philox_state;

static uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t *hi)
{
    uint64_t p = (uint64_t)a * b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
}

void ps_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) { /* the Weyl key schedule */
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        uint32_t hi0, hi1;
        uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
        uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void philox_set(void *vstate, unsigned long seed)
{
    /* Only for gsl_rng_set; pactsim keys streams with ps_rng_key. */
    philox_state *s = vstate;
    memset(s, 0, sizeof *s);
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)((uint64_t)seed >> 32);
    s->used = 4;
}

static inline unsigned long philox_get(void *vstate)
{
    philox_state *s = vstate;
    if (s->used == 4) {
        ps_philox4x32_10(s->ctr, s->key, s->out);
        s->ctr[0]++; /* 2^32 blocks (2^34 draws) per stream: never wraps in practice */
        s->used = 0;
    }
    return s->out[s->used++];
}

static inline double philox_get_double(void *vstate)
{
    return (double)philox_get(vstate) / 4294967296.0;
}

static const gsl_rng_type philox_type = {"philox4x32_10", 0xffffffffUL, 0, sizeof(philox_state),
                                         philox_set, philox_get, philox_get_double};
const gsl_rng_type *ps_rng_philox = &philox_type;

/* The stream (key, replicate, month, stream) at its start: counter 0, no
 * output used yet. */
static void philox_start(philox_state *s, uint64_t key, int replicate, int month,
                         uint32_t stream)
{
    s->key[0] = (uint32_t)key;
    s->key[1] = (uint32_t)(key >> 32);
    s->ctr[0] = 0;
    s->ctr[1] = stream;
    s->ctr[2] = (uint32_t)month;
    s->ctr[3] = (uint32_t)replicate;
    s->used = 4;
}

/* (pactsim_model.h) GSL's gsl_ran_gaussian with sigma 1 is the polar method
 * (Knuth, TAOCP vol. 2, 3.4.1 C): x and y uniform on (-1, 1) from two
 * gsl_rng_uniform_pos draws (a 0 is drawn again) until 0 < x^2 + y^2 <= 1,
 * then sigma y sqrt(-2 log(r2) / r2). Here the same steps on the same uniforms
 * of a philox stream, read from its state directly rather than through two
 * function pointers a uniform: the same bits (tests/unit/test_rng.c compares
 * them); any other generator type goes to GSL. */
static double philox_uniform_pos(philox_state *s)
{
    double u;
    do
        u = philox_get_double(s);
    while (u == 0);
    return u;
}

static inline double philox_gaussian(philox_state *s)
{
    double x, y, r2;
    do {
        x = -1 + 2 * philox_uniform_pos(s);
        y = -1 + 2 * philox_uniform_pos(s);
        r2 = x * x + y * y;
    } while (r2 > 1.0 || r2 == 0);
    return 1.0 * y * sqrt(-2.0 * log(r2) / r2);
}

double ps_rng_gaussian(gsl_rng *r)
{
    if (r->type != &philox_type)
        return gsl_ran_gaussian(r, 1.0);
    return philox_gaussian(r->state);
}

/* philox_gaussian's first draw of a fresh stream s (no output used yet) from
 * o, its first block's four outputs: the two tries it would make from them.
 * If an output is 0 (drawn again there) or both tries fail (~5%),
 * philox_gaussian itself from the untouched state. */
static inline double gaussian_from_block(philox_state *s, const uint32_t o[4])
{
    if (o[0] && o[1] && o[2] && o[3])
        for (int t = 0; t < 4; t += 2) {
            double x = -1 + 2 * ((double)o[t] / 4294967296.0);
            double y = -1 + 2 * ((double)o[t + 1] / 4294967296.0);
            double r2 = x * x + y * y;
            if (!(r2 > 1.0 || r2 == 0))
                return 1.0 * y * sqrt(-2.0 * log(r2) / r2);
        }
    return philox_gaussian(s);
}

/* The same for a fresh stream whose first block is not computed yet. */
static inline double philox_gaussian_first(philox_state *s)
{
    uint32_t o[4];
    ps_philox4x32_10(s->ctr, s->key, o);
    return gaussian_from_block(s, o);
}

#ifdef __SSE2__
/* The high and low halves of the 32 x 32-bit products of the four lanes of
 * c with m: SSE2 multiplies lanes 0 and 2, then 1 and 3. */
static inline void mulhilo4(__m128i c, __m128i m, __m128i *hi, __m128i *lo)
{
    const __m128i low = _mm_set1_epi64x(0xffffffff);
    __m128i even = _mm_mul_epu32(c, m), odd = _mm_mul_epu32(_mm_srli_epi64(c, 32), m);
    *lo = _mm_or_si128(_mm_and_si128(even, low), _mm_slli_epi64(odd, 32));
    *hi = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(low, odd));
}

/* Four streams' first blocks at once (counter 0 of each): lane l of out[w]
 * is word w of ps_philox4x32_10 for keys[l], the same bits. */
static void philox_first4(const uint64_t *keys, int replicate, int month, uint32_t stream,
                          uint32_t out[4][4])
{
    const __m128i m0 = _mm_set1_epi32((int)0xD2511F53u), m1 = _mm_set1_epi32((int)0xCD9E8D57u);
    const __m128i w0 = _mm_set1_epi32((int)0x9E3779B9u), w1 = _mm_set1_epi32((int)0xBB67AE85u);
    __m128i c0 = _mm_setzero_si128(), c1 = _mm_set1_epi32((int)stream);
    __m128i c2 = _mm_set1_epi32(month), c3 = _mm_set1_epi32(replicate);
    __m128i k0 = _mm_setr_epi32((int)(uint32_t)keys[0], (int)(uint32_t)keys[1],
                                (int)(uint32_t)keys[2], (int)(uint32_t)keys[3]);
    __m128i k1 = _mm_setr_epi32((int)(uint32_t)(keys[0] >> 32), (int)(uint32_t)(keys[1] >> 32),
                                (int)(uint32_t)(keys[2] >> 32), (int)(uint32_t)(keys[3] >> 32));
    for (int r = 0; r < 10; r++) {
        if (r > 0) { /* the Weyl key schedule */
            k0 = _mm_add_epi32(k0, w0);
            k1 = _mm_add_epi32(k1, w1);
        }
        __m128i hi0, lo0, hi1, lo1;
        mulhilo4(c0, m0, &hi0, &lo0);
        mulhilo4(c2, m1, &hi1, &lo1);
        c0 = _mm_xor_si128(_mm_xor_si128(hi1, c1), k0);
        c1 = lo1;
        c2 = _mm_xor_si128(_mm_xor_si128(hi0, c3), k1);
        c3 = lo0;
    }
    _mm_storeu_si128((__m128i *)out[0], c0);
    _mm_storeu_si128((__m128i *)out[1], c1);
    _mm_storeu_si128((__m128i *)out[2], c2);
    _mm_storeu_si128((__m128i *)out[3], c3);
}
#endif

/* (pactsim_model.h) The steps of ps_rng_key_id and ps_rng_gaussian for each
 * key, on a local philox state: no call per draw. */
void ps_rng_gaussians(const uint64_t *keys, int count, int replicate, int month,
                      uint32_t stream, double *z)
{
    philox_state s;
    int k = 0;
#ifdef __SSE2__
    for (; k + 4 <= count; k += 4) {
        uint32_t out[4][4];
        philox_first4(keys + k, replicate, month, stream, out);
        for (int l = 0; l < 4; l++) {
            const uint32_t o[4] = {out[0][l], out[1][l], out[2][l], out[3][l]};
            philox_start(&s, keys[k + l], replicate, month, stream);
            z[k + l] = gaussian_from_block(&s, o);
        }
    }
#endif
    for (; k < count; k++) {
        philox_start(&s, keys[k], replicate, month, stream);
        z[k] = philox_gaussian_first(&s);
    }
}

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
    ps_rng *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->g = gsl_rng_alloc(ps_rng_philox);
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

/* (pactsim_model.h) For a given seed, id -> key is a bijection: distinct ids
 * never share a key. */
uint64_t ps_rng_id_key(uint64_t seed, uint64_t id)
{
    return ps_hash64(ps_hash64(seed) ^ id);
}

gsl_rng *ps_rng_key(ps_rng *r, uint64_t seed, int replicate, int month,
                    uint64_t id, uint32_t stream)
{
    /* The seed's hash once per generator and seed (a loop keys a stream per
     * actor or pair with the same seed); the key is ps_rng_id_key's. */
    if (!r->hseed || r->seed != seed) {
        r->seed = seed;
        r->hseed = ps_hash64(seed);
    }
    return ps_rng_key_id(r, ps_hash64(r->hseed ^ id), replicate, month, stream);
}

gsl_rng *ps_rng_key_id(ps_rng *r, uint64_t k, int replicate, int month, uint32_t stream)
{
    philox_start(r->g->state, k, replicate, month, stream);
    return r->g;
}

uint64_t ps_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *c = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ULL;
    return h;
}
