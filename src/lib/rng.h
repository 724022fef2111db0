/* rng.h — counter-based random numbers (Philox4x32-10).
 *
 * A generator is fully determined by (seed, stream): the stream of a scored
 * window is a hash of its series key and bucket time, so its noise does not
 * depend on batching, restarts or the machine (SPEC §3). */
#ifndef FCVAE_RNG_H
#define FCVAE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint32_t key[2];
	uint32_t ctr[4];  /* ctr[2..3] = stream, ctr[0..1] = block number */
	uint32_t buf[4];
	int pos;          /* next unused word of buf; 4 = empty */
	int has_spare;    /* Box–Muller makes normals in pairs */
	double spare;
} fcvae_rng;

void fcvae_rng_init(fcvae_rng *r, uint64_t seed, uint64_t stream);
uint32_t fcvae_rng_u32(fcvae_rng *r);
uint64_t fcvae_rng_u64(fcvae_rng *r);
double fcvae_rng_uniform(fcvae_rng *r);            /* [0, 1), 53 bits */
double fcvae_rng_normal(fcvae_rng *r);             /* N(0, 1) */
uint64_t fcvae_rng_below(fcvae_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
/* n N(0, 1) draws in float, vectorised (Box–Muller on 24-bit uniforms, so
 * |z| < 5.8): the scorer's noise, ten times cheaper than fcvae_rng_normal
 * and not the same numbers. Draws come in blocks of up to 128. */
void fcvae_rng_normals(fcvae_rng *r, float *out, size_t n);

/* 64-bit hash for building stream ids from keys and times. */
uint64_t fcvae_hash64(const void *data, size_t len, uint64_t h);
uint64_t fcvae_mix64(uint64_t x);

#endif
