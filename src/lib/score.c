/* score.c — MCMC mode 2 scoring: refine the last point, then average decoder samples. */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "scaler.h"
#include "util.h"

struct fcvae_scorer {
	const fcvae_model *m;
	fcvae_infer *inf;
	int max_batch;
	float *x0, *xlast, *c, *mu, *var, *z, *mux, *varx, *eps;
	float *noise;             /* one window's noise, all passes */
	float *zs, *muxs, *varxs; /* (B·samples, L) and (B·samples, P): the samples' z and decoder outputs */
	double *score, *mux_mean, *varx_mean; /* fcvae_score_batch's results, (B) */
	/* floats of room in eps, noise, zs and muxs/varxs: they are sized by the
	 * calls' own batch, samples and points, not by max_batch, so a large
	 * --samples costs what the windows scored need */
	size_t eps_cap, noise_cap, zs_cap, muxs_cap;
};

fcvae_scorer *fcvae_scorer_new(const fcvae_model *m, int max_batch)
{
	fcvae_scorer *s = fcvae_xcalloc(1, sizeof *s);
	size_t B = (size_t)max_batch, W = (size_t)m->cfg.window, L = (size_t)m->cfg.latent;
	s->m = m;
	s->max_batch = max_batch;
	s->inf = fcvae_infer_new(m, max_batch);
	s->x0 = fcvae_xmalloc(B * W * sizeof(float));
	s->xlast = fcvae_xmalloc(B * sizeof(float));
	s->c = fcvae_xmalloc(B * 2 * (size_t)m->cfg.cond * sizeof(float));
	s->mu = fcvae_xmalloc(B * L * sizeof(float));
	s->var = fcvae_xmalloc(B * L * sizeof(float));
	s->z = fcvae_xmalloc(B * L * sizeof(float));
	s->mux = fcvae_xmalloc(B * W * sizeof(float));
	s->varx = fcvae_xmalloc(B * W * sizeof(float));
	s->score = fcvae_xmalloc(B * sizeof(double));
	s->mux_mean = fcvae_xmalloc(B * sizeof(double));
	s->varx_mean = fcvae_xmalloc(B * sizeof(double));
	return s;
}

void fcvae_scorer_free(fcvae_scorer *s)
{
	if (!s)
		return;
	fcvae_infer_free(s->inf);
	free(s->x0);
	free(s->xlast);
	free(s->c);
	free(s->mu);
	free(s->var);
	free(s->z);
	free(s->mux);
	free(s->varx);
	free(s->eps);
	free(s->noise);
	free(s->zs);
	free(s->muxs);
	free(s->varxs);
	free(s->score);
	free(s->mux_mean);
	free(s->varx_mean);
	free(s);
}

uint64_t fcvae_score_stream(const char *key, size_t keylen, int64_t ts)
{
	return fcvae_hash64(key, keylen, fcvae_mix64((uint64_t)ts));
}

/* z = mu + eps·sqrt(var + 1e-7), the reparameterisation of SPEC §2 step 5. */
static void sample_z(float *z, const float *mu, const float *var, const float *eps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		z[i] = mu[i] + eps[i] * sqrtf(var[i] + 1e-7f);
}

void fcvae_score_mcmc2(fcvae_scorer *s, const float *x, const float *eps, int B, int iterations,
                       int samples, int all_points, float *x_refined, double *score,
                       double *mu_x, double *var_x)
{
	const int W = s->m->cfg.window, L = s->m->cfg.latent;
	const size_t nz = (size_t)B * L;
	const int P = all_points ? W : 1; /* decoder points per window */

	/* only x's last point changes from pass to pass, and c not at all:
	 * the first layers' sums over the rest are made once (fcvae_infer_fix) */
	fcvae_infer_condition(s->inf, x, B, s->c);
	fcvae_infer_fix(s->inf, x, s->c, B);
	for (int b = 0; b < B; b++)
		s->xlast[b] = x[(size_t)b * W + W - 1];
	for (int it = 0; it < iterations; it++) {
		fcvae_infer_encode_fixed(s->inf, s->xlast, B, s->mu, s->var);
		sample_z(s->z, s->mu, s->var, eps + (size_t)it * nz, nz);
		fcvae_infer_decode_fixed(s->inf, s->z, B, 1, !all_points, s->mux, s->varx);
		for (int b = 0; b < B; b++)
			s->xlast[b] = s->mux[(size_t)b * P + P - 1];
	}
	if (x_refined) {
		memcpy(x_refined, x, (size_t)B * W * sizeof(float));
		for (int b = 0; b < B; b++)
			x_refined[(size_t)b * W + W - 1] = s->xlast[b];
	}

	/* all samples of a window decoded in one call: rows b·samples + k */
	size_t rows = (size_t)B * samples;
	if (s->zs_cap < rows * L) {
		s->zs_cap = rows * L;
		s->zs = fcvae_xrealloc(s->zs, s->zs_cap * sizeof(float));
	}
	if (s->muxs_cap < rows * P) {
		s->muxs_cap = rows * P;
		s->muxs = fcvae_xrealloc(s->muxs, s->muxs_cap * sizeof(float));
		s->varxs = fcvae_xrealloc(s->varxs, s->muxs_cap * sizeof(float));
	}
	fcvae_infer_encode_fixed(s->inf, s->xlast, B, s->mu, s->var);
	for (int k = 0; k < samples; k++)
		for (int b = 0; b < B; b++)
			sample_z(s->zs + ((size_t)b * samples + k) * L, s->mu + (size_t)b * L, s->var + (size_t)b * L,
			         eps + (size_t)(iterations + k) * nz + (size_t)b * L, L);
	fcvae_infer_decode_fixed(s->inf, s->zs, B, samples, !all_points, s->muxs, s->varxs);
	for (int b = 0; b < B; b++)
		for (int p = 0; p < P; p++) {
			/* the likelihood is of the original window, not the refined one */
			double x0 = x[(size_t)b * W + W - P + p], ll = 0, mu = 0, var = 0;
			for (int k = 0; k < samples; k++) {
				size_t i = ((size_t)b * samples + k) * P + p;
				double d = x0 - s->muxs[i], v = s->varxs[i];
				ll += -0.5 * (log(v) + d * d / v);
				mu += s->muxs[i];
				var += v;
			}
			size_t i = (size_t)b * P + p;
			score[i] = ll / samples;
			if (mu_x)
				mu_x[i] = mu / samples;
			if (var_x)
				var_x[i] = var / samples;
		}
}

static void score_chunk(fcvae_scorer *s, const fcvae_score_opts *o, const double *raw,
                        const unsigned char *missing, const uint64_t *stream, int B,
                        fcvae_score_result *out)
{
	const fcvae_model *m = s->m;
	const int W = m->cfg.window, L = m->cfg.latent;
	const int passes = o->iterations + o->samples;
	const float clip = (float)m->clip; /* as in training */

	if (s->eps_cap < (size_t)passes * B * L) {
		s->eps_cap = (size_t)passes * B * L;
		s->eps = fcvae_xrealloc(s->eps, s->eps_cap * sizeof(float));
	}
	if (s->noise_cap < (size_t)passes * L) {
		s->noise_cap = (size_t)passes * L;
		s->noise = fcvae_xrealloc(s->noise, s->noise_cap * sizeof(float));
	}
	for (int b = 0; b < B; b++) {
		for (int i = 0; i < W; i++) {
			size_t j = (size_t)b * W + i;
			float v = (float)fcvae_model_standardise(m, raw[j]);
			/* NaN (an unmarked hole) counts as missing, like a marked one */
			if ((missing && missing[j]) || !(v == v))
				v = 0;
			s->x0[j] = fminf(fmaxf(v, -clip), clip);
		}
		/* the window's own generator fills its rows of every pass, so its
		 * noise does not depend on where it sits in the batch */
		fcvae_rng r;
		fcvae_rng_init(&r, o->seed, stream[b]);
		fcvae_rng_normals(&r, s->noise, (size_t)passes * L);
		for (int p = 0; p < passes; p++)
			memcpy(s->eps + ((size_t)p * B + b) * L, s->noise + (size_t)p * L, L * sizeof(float));
	}
	fcvae_score_mcmc2(s, s->x0, s->eps, B, o->iterations, o->samples, 0, NULL, s->score,
	                  s->mux_mean, s->varx_mean);
	for (int b = 0; b < B; b++) {
		out[b].score = s->score[b];
		out[b].mu = s->mux_mean[b];
		out[b].sd = sqrt(s->varx_mean[b]);
		out[b].expected = fcvae_model_raw(m, out[b].mu);
	}
}

/* Decoder rows (windows x samples) scored at once at most: the workspace
 * grows with them (the decoder's layers' too: some 500 bytes a row for
 * hidden 100,100), and --samples goes to a million. */
#define SCORE_ROWS (1 << 16)

void fcvae_score_batch(fcvae_scorer *s, const fcvae_score_opts *o, const double *raw,
                       const unsigned char *missing, const uint64_t *stream, int B,
                       fcvae_score_result *out)
{
	const int W = s->m->cfg.window;
	const int chunk = o->samples >= SCORE_ROWS ? 1 : SCORE_ROWS / o->samples;
	/* a window's noise is its own: the chunks score as the whole would */
	for (int b = 0; b < B; b += chunk) {
		int n = B - b < chunk ? B - b : chunk;
		score_chunk(s, o, raw + (size_t)b * W, missing ? missing + (size_t)b * W : NULL, stream + b, n, out + b);
	}
}
