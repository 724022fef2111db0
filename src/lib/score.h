/* score.h — MCMC mode 2 scoring of batches of windows (SPEC §3).
 *
 * The noise of a window comes from its own fcvae_rng keyed by (seed, series
 * key, bucket time), so a window scores the same bit for bit alone, in any
 * batch, in any order, after a restart. */
#ifndef FCVAE_SCORE_H
#define FCVAE_SCORE_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

typedef struct {
	int iterations; /* refinement passes; 0 = single pass (SPEC default 10) */
	int samples;    /* decoder samples averaged into the score (16) */
	uint64_t seed;
} fcvae_score_opts;

/* The last point of one window. */
typedef struct {
	double score;    /* mean log-likelihood, standardised units; lower = more anomalous */
	double mu;       /* mean decoder μx, standardised */
	double sd;       /* sqrt(mean decoder σx²), standardised */
	double expected; /* mu in raw units */
} fcvae_score_result;

typedef struct fcvae_scorer fcvae_scorer;

/* Workspace for batches of up to max_batch windows of model m (m must
 * outlive it). Every call below takes B <= max_batch and samples >= 1. */
fcvae_scorer *fcvae_scorer_new(const fcvae_model *m, int max_batch);
void fcvae_scorer_free(fcvae_scorer *s);

/* The noise stream of a window: its series key and bucket time (epoch s). */
uint64_t fcvae_score_stream(const char *key, size_t keylen, int64_t ts);

/* Score B windows in raw units, raw (B, W) row-major; missing (B, W) marks
 * gap-filled points (nonzero) or is NULL; stream[b] from fcvae_score_stream. */
void fcvae_score_batch(fcvae_scorer *s, const fcvae_score_opts *o, const double *raw,
                       const unsigned char *missing, const uint64_t *stream, int B,
                       fcvae_score_result *out);

/* A score as every program takes it: a number. Not a number is -FLT_MAX,
 * below any threshold: a decoder variance of 0 (log 0 + d²/0) says every
 * point but μ is impossible, -inf; or the model's output is not a number, a
 * model that cannot vouch for the point. Beyond the range of a float (a
 * point far off under a tiny decoder variance), ±FLT_MAX; any other score
 * unchanged. fcvae_score_batch() gives the scores as computed, so that a
 * caller can say which case it met. Inline: metrics.c takes scores by
 * this rule without linking the scoring engine (and OpenBLAS) into
 * fcvae-eval and fcvae-calibrate. */
static inline double fcvae_score_finite(double score)
{
	if (isnan(score))
		return -FLT_MAX;
	/* the range of the float fcvae-score writes, not of the double */
	if (isinf((float)score))
		return copysign(FLT_MAX, score);
	return score;
}

/* The same computation with the noise given: x (B, W) standardised, eps
 * (iterations + samples) arrays of (B, L) in pass order. With all_points the
 * decoder computes every point and score, mu_x, var_x are (B, W) (for tests
 * against the reference vectors); otherwise only the last point is computed
 * and they are (B). score is the mean log-likelihood over samples, mu_x and
 * var_x the means of the decoder outputs; x_refined (B, W), mu_x and var_x
 * may be NULL. */
void fcvae_score_mcmc2(fcvae_scorer *s, const float *x, const float *eps, int B, int iterations,
                       int samples, int all_points, float *x_refined, double *score,
                       double *mu_x, double *var_x);

#endif
