/* score.c — MCMC mode 2 scoring: refine the last point, then average decoder samples. */
#include "score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

struct fcvae_scorer {
	const fcvae_model *m;
	fcvae_infer *inf;
	int max_batch;
	float *x0, *x, *c, *mu, *var, *z, *mux, *varx, *eps;
	double *acc_ll, *acc_mu, *acc_var;
	double *score, *mux_mean, *varx_mean; /* fcvae_score_batch's results, (B) */
	int eps_passes; /* eps holds this many (B, L) arrays */
};

fcvae_scorer *fcvae_scorer_new(const fcvae_model *m, int max_batch)
{
	fcvae_scorer *s = fcvae_xcalloc(1, sizeof *s);
	size_t B = (size_t)max_batch, W = (size_t)m->cfg.window, L = (size_t)m->cfg.latent;
	s->m = m;
	s->max_batch = max_batch;
	s->inf = fcvae_infer_new(m, max_batch);
	s->x0 = fcvae_xmalloc(B * W * sizeof(float));
	s->x = fcvae_xmalloc(B * W * sizeof(float));
	s->c = fcvae_xmalloc(B * 2 * (size_t)m->cfg.cond * sizeof(float));
	s->mu = fcvae_xmalloc(B * L * sizeof(float));
	s->var = fcvae_xmalloc(B * L * sizeof(float));
	s->z = fcvae_xmalloc(B * L * sizeof(float));
	s->mux = fcvae_xmalloc(B * W * sizeof(float));
	s->varx = fcvae_xmalloc(B * W * sizeof(float));
	s->acc_ll = fcvae_xmalloc(B * W * sizeof(double));
	s->acc_mu = fcvae_xmalloc(B * W * sizeof(double));
	s->acc_var = fcvae_xmalloc(B * W * sizeof(double));
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
	free(s->x);
	free(s->c);
	free(s->mu);
	free(s->var);
	free(s->z);
	free(s->mux);
	free(s->varx);
	free(s->eps);
	free(s->acc_ll);
	free(s->acc_mu);
	free(s->acc_var);
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

	memcpy(s->x, x, (size_t)B * W * sizeof(float));
	fcvae_infer_condition(s->inf, x, B, s->c);
	for (int it = 0; it < iterations; it++) {
		fcvae_infer_encode(s->inf, s->x, s->c, B, s->mu, s->var);
		sample_z(s->z, s->mu, s->var, eps + (size_t)it * nz, nz);
		fcvae_infer_decode(s->inf, s->z, s->c, B, !all_points, s->mux, s->varx);
		for (int b = 0; b < B; b++)
			s->x[(size_t)b * W + W - 1] = s->mux[(size_t)b * P + P - 1];
	}
	if (x_refined)
		memcpy(x_refined, s->x, (size_t)B * W * sizeof(float));

	size_t nout = (size_t)B * P;
	memset(s->acc_ll, 0, nout * sizeof(double));
	memset(s->acc_mu, 0, nout * sizeof(double));
	memset(s->acc_var, 0, nout * sizeof(double));
	fcvae_infer_encode(s->inf, s->x, s->c, B, s->mu, s->var);
	for (int k = 0; k < samples; k++) {
		sample_z(s->z, s->mu, s->var, eps + (size_t)(iterations + k) * nz, nz);
		fcvae_infer_decode(s->inf, s->z, s->c, B, !all_points, s->mux, s->varx);
		for (int b = 0; b < B; b++)
			for (int p = 0; p < P; p++) {
				size_t i = (size_t)b * P + p;
				/* the likelihood is of the original window, not the refined one */
				double d = (double)x[(size_t)b * W + W - P + p] - s->mux[i];
				double v = s->varx[i];
				s->acc_ll[i] += -0.5 * (log(v) + d * d / v);
				s->acc_mu[i] += s->mux[i];
				s->acc_var[i] += v;
			}
	}
	for (size_t i = 0; i < nout; i++) {
		score[i] = s->acc_ll[i] / samples;
		if (mu_x)
			mu_x[i] = s->acc_mu[i] / samples;
		if (var_x)
			var_x[i] = s->acc_var[i] / samples;
	}
}

void fcvae_score_batch(fcvae_scorer *s, const fcvae_score_opts *o, const double *raw,
                       const unsigned char *missing, const uint64_t *stream, int B,
                       fcvae_score_result *out)
{
	const fcvae_model *m = s->m;
	const int W = m->cfg.window, L = m->cfg.latent;
	const int passes = o->iterations + o->samples;

	if (s->eps_passes < passes) {
		s->eps = fcvae_xrealloc(s->eps, (size_t)passes * s->max_batch * L * sizeof(float));
		s->eps_passes = passes;
	}
	for (int b = 0; b < B; b++) {
		for (int i = 0; i < W; i++) {
			size_t j = (size_t)b * W + i;
			float v = (float)((raw[j] - m->mean) / m->std);
			/* NaN (an unmarked hole) counts as missing, like a marked one */
			if ((missing && missing[j]) || !(v == v))
				v = 0;
			s->x0[j] = fminf(fmaxf(v, -FCVAE_SCORE_CLIP), FCVAE_SCORE_CLIP);
		}
		/* the window's own generator fills its rows of every pass, so its
		 * noise does not depend on where it sits in the batch */
		fcvae_rng r;
		fcvae_rng_init(&r, o->seed, stream[b]);
		for (int p = 0; p < passes; p++)
			for (int k = 0; k < L; k++)
				s->eps[((size_t)p * B + b) * L + k] = (float)fcvae_rng_normal(&r);
	}
	fcvae_score_mcmc2(s, s->x0, s->eps, B, o->iterations, o->samples, 0, NULL, s->score,
	                  s->mux_mean, s->varx_mean);
	for (int b = 0; b < B; b++) {
		out[b].score = s->score[b];
		out[b].expected = s->mux_mean[b] * m->std + m->mean;
		out[b].sigma = sqrt(s->varx_mean[b]) * m->std;
	}
}
