/* Random streams: Philox4x32-10 against Random123's known answers, and the
 * properties pactsim relies on (a stream is a pure function of its key; keys
 * that differ in any part give different streams; GSL distributions use it). */
#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "internal.h"

int main(void)
{
    /* Known-answer vectors of Random123 (kat_vectors: philox4x32 10). */
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int t = 0; t < 3; t++) {
        uint32_t out[4];
        ps_philox4x32_10(kat[t], kat[t] + 4, out);
        CHECK(!memcmp(out, kat[t] + 6, sizeof out), "KAT %d: %08x %08x %08x %08x", t, out[0],
              out[1], out[2], out[3]);
    }

    ps_rng *a = ps_rng_alloc(), *b = ps_rng_alloc();
    CHECK(a && b, "alloc");
    if (!a || !b)
        return CHECK_DONE();
    CHECK(!strcmp(gsl_rng_name(ps_rng_key(a, 1, 0, 0, 0, 0)), "philox4x32_10"), "GSL type");

    /* Same key, same draws, whatever was drawn before from the generator. */
    double x[8], y[8];
    gsl_rng *g = ps_rng_key(a, 42, 3, 17, 0x1234, 5);
    for (int i = 0; i < 8; i++)
        x[i] = gsl_rng_uniform(g);
    g = ps_rng_key(b, 7, 0, 0, 0, 0);
    for (int i = 0; i < 100; i++)
        gsl_rng_uniform(g);
    g = ps_rng_key(b, 42, 3, 17, 0x1234, 5);
    for (int i = 0; i < 8; i++)
        y[i] = gsl_rng_uniform(g);
    CHECK(!memcmp(x, y, sizeof x), "a stream is a pure function of its key");

    /* Changing any part of the key changes the stream, including ids that
     * differ only in their high 32 bits (the old 32-bit seed folded these). */
    uint64_t ids[] = {0x1234, 0x1234 | (1ULL << 40), 0x1234ULL << 32 | 0x1234};
    struct { uint64_t seed; int rep, month; uint64_t id; uint32_t stream; } keys[] = {
        {43, 3, 17, 0x1234, 5}, {42, 4, 17, 0x1234, 5}, {42, 3, 18, 0x1234, 5},
        {42, 3, 17, 0x1235, 5}, {42, 3, 17, 0x1234, 6}, {42, 3, 17, ids[1], 5},
        {42, 3, 17, ids[2], 5},
    };
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        g = ps_rng_key(b, keys[k].seed, keys[k].rep, keys[k].month, keys[k].id, keys[k].stream);
        int same = 1;
        for (int i = 0; i < 8; i++)
            same &= gsl_rng_uniform(g) == x[i];
        CHECK(!same, "key %zu gives the same stream", k);
    }

    /* Uniform and normal draws have the right moments (n = 200,000). */
    g = ps_rng_key(a, 2022, 0, 0, 99, 1);
    double s = 0, s2 = 0, zs = 0, zs2 = 0;
    int n = 200000, outside = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(g), z = gsl_ran_gaussian(g, 1.0);
        outside += !(u >= 0.0 && u < 1.0);
        s += u;
        s2 += u * u;
        zs += z;
        zs2 += z * z;
    }
    CHECK(outside == 0, "%d uniform draws outside [0, 1)", outside);
    double m = s / n, v = s2 / n - m * m;
    CHECK(fabs(m - 0.5) < 0.005 && fabs(v - 1.0 / 12) < 0.002, "uniform mean %g var %g", m, v);
    CHECK(fabs(zs / n) < 0.01 && fabs(zs2 / n - 1.0) < 0.02, "normal mean %g var %g", zs / n,
          zs2 / n);

    /* ps_rng_gaussian is gsl_ran_gaussian(g, 1.0) bit for bit: the same
     * draws from the same keys (a million, and the uniforms left after). */
    int differ = 0;
    for (uint64_t k = 0; k < 1000000; k++) {
        gsl_rng *ga = ps_rng_key(a, 7, 3, (int)(k % 480), k, 63);
        gsl_rng *gb = ps_rng_key(b, 7, 3, (int)(k % 480), k, 63);
        double z0 = gsl_ran_gaussian(ga, 1.0), u0 = gsl_rng_uniform(ga);
        double z1 = ps_rng_gaussian(gb), u1 = gsl_rng_uniform(gb);
        differ += memcmp(&z0, &z1, sizeof z0) || u0 != u1;
    }
    CHECK(differ == 0, "ps_rng_gaussian differs from gsl_ran_gaussian in %d of 10^6 draws",
          differ);
    /* ps_rng_gaussians from ps_rng_id_key's keys: the first draw of each
     * ps_rng_key stream, bit for bit. */
    differ = 0;
    for (uint64_t k0 = 0; k0 < 100000; k0 += 50) {
        uint64_t kk[50];
        double z[50];
        for (int l = 0; l < 50; l++)
            kk[l] = ps_rng_id_key(7, k0 + (uint64_t)l);
        ps_rng_gaussians(kk, 50, 3, (int)(k0 % 480), 63, z);
        for (int l = 0; l < 50; l++) {
            double z0 = gsl_ran_gaussian(ps_rng_key(a, 7, 3, (int)(k0 % 480), k0 + (uint64_t)l,
                                                    63), 1.0);
            differ += memcmp(&z0, &z[l], sizeof z0) != 0;
        }
    }
    CHECK(differ == 0, "ps_rng_gaussians differs from gsl_ran_gaussian in %d of 10^5 draws",
          differ);
    ps_rng_free(a);
    ps_rng_free(b);
    return CHECK_DONE();
}
