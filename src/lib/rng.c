/* rng.c — Philox4x32-10 (Salmon et al., SC'11) with uniform and normal draws. */
#include "rng.h"

#include <math.h>
#include <string.h>

#include "kernels.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void philox10(uint32_t out[4], const uint32_t in[4], const uint32_t k[2])
{
	uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3];
	uint32_t k0 = k[0], k1 = k[1];
	for (int i = 0; i < 10; i++) {
		uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
		uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
		uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
		uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
		c1 = (uint32_t)p1;
		c3 = (uint32_t)p0;
		c0 = n0;
		c2 = n2;
		k0 += PHILOX_W0;
		k1 += PHILOX_W1;
	}
	out[0] = c0;
	out[1] = c1;
	out[2] = c2;
	out[3] = c3;
}

void fcvae_rng_init(fcvae_rng *r, uint64_t seed, uint64_t stream)
{
	r->key[0] = (uint32_t)seed;
	r->key[1] = (uint32_t)(seed >> 32);
	r->ctr[0] = r->ctr[1] = 0;
	r->ctr[2] = (uint32_t)stream;
	r->ctr[3] = (uint32_t)(stream >> 32);
	r->pos = 4;
	r->has_spare = 0;
	r->spare = 0;
}

uint32_t fcvae_rng_u32(fcvae_rng *r)
{
	if (r->pos == 4) {
		philox10(r->buf, r->ctr, r->key);
		if (++r->ctr[0] == 0)
			r->ctr[1]++;
		r->pos = 0;
	}
	return r->buf[r->pos++];
}

uint64_t fcvae_rng_u64(fcvae_rng *r)
{
	uint64_t hi = fcvae_rng_u32(r);
	return hi << 32 | fcvae_rng_u32(r);
}

double fcvae_rng_uniform(fcvae_rng *r)
{
	return (double)(fcvae_rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t fcvae_rng_below(fcvae_rng *r, uint64_t n)
{
	if (n <= 1)
		return 0;
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = fcvae_rng_u64(r);
	while (v >= limit);
	return v % n;
}

double fcvae_rng_normal(fcvae_rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u1, u2;
	do
		u1 = fcvae_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = fcvae_rng_uniform(r);
	double rad = sqrt(-2.0 * log(u1));
	double th = 2.0 * M_PI * u2;
	r->spare = rad * sin(th);
	r->has_spare = 1;
	return rad * cos(th);
}

void fcvae_rng_normals(fcvae_rng *r, float *out, size_t n)
{
	enum { PAIRS = 64 };
	uint32_t u[2 * PAIRS];
	float z[2 * PAIRS];
	while (n > 0) {
		int m = n >= 2 * PAIRS ? PAIRS : (int)(n + 1) / 2;
		for (int i = 0; i < 2 * m; i++)
			u[i] = fcvae_rng_u32(r);
		fcvae_box_muller(z, u, m);
		size_t k = n < (size_t)2 * m ? n : (size_t)2 * m;
		memcpy(out, z, k * sizeof *out);
		out += k;
		n -= k;
	}
}

uint64_t fcvae_mix64(uint64_t x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return x;
}

uint64_t fcvae_hash64(const void *data, size_t len, uint64_t h)
{
	/* FNV-1a over the bytes, then a strong finaliser */
	const unsigned char *p = data;
	h ^= 0xCBF29CE484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001B3ull;
	}
	return fcvae_mix64(h);
}
