/* test-mcmc.c — MCMC mode 2 scoring against the reference vectors (their
 * injected noise), and scores that do not depend on batching: the
 * fixed-order kernels (test-kernels checks them) and the per-window noise. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "model.h"
#include "safetensors.h"
#include "score.h"
#include "unit.h"
#include "vectors.h"

static void vectors_case(const fcvae_json *cs)
{
	const char *name = fcvae_json_get(cs, "name")->str;
	fcvae_model *m = vec_model(cs);
	if (!CHECK(m != NULL, "%s: model from the vectors", name))
		return;
	const int B = vec_int(cs, "B"), W = m->cfg.window, L = m->cfg.latent;
	const fcvae_json *mc = fcvae_json_get(cs, "mcmc2");
	const int iters = vec_int(mc, "iterations"), samples = vec_int(mc, "samples");
	size_t nx, neps, nref, nsc;
	float *x = vec_floats(fcvae_json_get(cs, "x"), &nx);
	float *eps = vec_floats(fcvae_json_get(mc, "eps"), &neps);
	double *want_x = vec_doubles(fcvae_json_get(mc, "x_refined"), &nref);
	double *want_s = vec_doubles(fcvae_json_get(mc, "scores"), &nsc);
	CHECK(nx == (size_t)B * W && neps == (size_t)(iters + samples) * B * L && nref == nx && nsc == nx,
	      "%s: %d windows, %d + %d noise arrays", name, B, iters, samples);

	fcvae_scorer *s = fcvae_scorer_new(m, B);
	float *xr = malloc(nx * sizeof *xr);
	double *sc = malloc(nx * sizeof *sc), *mux = malloc(nx * sizeof *mux), *varx = malloc(nx * sizeof *varx);
	fcvae_score_mcmc2(s, x, eps, B, iters, samples, 1, xr, sc, mux, varx);
	CHECK_CLOSE(xr, want_x, nx, 1e-4, "x_refined");
	float *scf = malloc(nx * sizeof *scf);
	for (size_t i = 0; i < nx; i++)
		scf[i] = (float)sc[i];
	CHECK_CLOSE(scf, want_s, nx, 1e-4, "per-point scores");

	/* the production path computes the last point only: same numbers */
	double last[64], lmu[64], lvar[64];
	fcvae_score_mcmc2(s, x, eps, B, iters, samples, 0, NULL, last, lmu, lvar);
	double worst = 0;
	for (int b = 0; b < B; b++) {
		size_t i = (size_t)b * W + W - 1;
		worst = fmax(worst, fabs(last[b] - want_s[i]) / (fabs(want_s[i]) + 1e-3));
		worst = fmax(worst, fabs(lmu[b] - mux[i]) / (fabs(mux[i]) + 1e-3));
		worst = fmax(worst, fabs(lvar[b] - varx[i]) / (fabs(varx[i]) + 1e-3));
	}
	CHECK(worst <= 1e-4, "%s: last-point-only score, mean and variance agree (worst %.3g)", name, worst);

	fcvae_scorer_free(s);
	fcvae_model_free(m);
	free(x), free(eps), free(want_x), free(want_s), free(xr), free(sc), free(scf), free(mux), free(varx);
}

/* Same windows alone, in one batch and reversed: the same bits. */
static void batch_independence(void)
{
	char err[512] = "";
	fcvae_model *m = fcvae_model_load("tests/data/seed_models/Star_CMP.safetensors", err, sizeof err);
	if (!CHECK(m != NULL, "seed model loads %s", err))
		return;
	enum { N = 37, W = 24 };
	double raw[N * W];
	unsigned char miss[N * W];
	uint64_t stream[N], rstream[N];
	double rraw[N * W];
	unsigned char rmiss[N * W];
	for (int b = 0; b < N; b++) {
		char key[32];
		int n = snprintf(key, sizeof key, "%s", b % 3 ? "Star/CMP" : "Star/no-pin");
		stream[b] = fcvae_score_stream(key, (size_t)n, (int64_t)(1736121600 + 3600 * b) * 1000);
		for (int i = 0; i < W; i++) {
			raw[b * W + i] = 1800 + 1100 * sin(2 * M_PI * (b + i) / 24) + (b == 5 && i == W - 1 ? 4000 : 0);
			miss[b * W + i] = b == 9 && i == 3;
		}
	}
	for (int b = 0; b < N; b++) {
		rstream[b] = stream[N - 1 - b];
		memcpy(rraw + b * W, raw + (N - 1 - b) * W, sizeof(double) * W);
		memcpy(rmiss + b * W, miss + (N - 1 - b) * W, W);
	}
	fcvae_score_opts o = {.iterations = 10, .samples = 16, .seed = 7};
	fcvae_scorer *s = fcvae_scorer_new(m, N);
	fcvae_score_result all[N], one[N], rev[N];
	fcvae_score_batch(s, &o, raw, miss, stream, N, all);
	for (int b = 0; b < N; b++)
		fcvae_score_batch(s, &o, raw + b * W, miss + b * W, stream + b, 1, &one[b]);
	fcvae_score_batch(s, &o, rraw, rmiss, rstream, N, rev);
	int same_one = 1, same_rev = 1, differ = 0;
	for (int b = 0; b < N; b++) {
		same_one &= !memcmp(&all[b], &one[b], sizeof all[b]);
		same_rev &= !memcmp(&all[b], &rev[N - 1 - b], sizeof all[b]);
		differ |= b && all[b].score != all[0].score;
	}
	CHECK(same_one, "%d windows score the same bits alone as in one batch", N);
	CHECK(same_rev, "and the same bits in reversed order");
	CHECK(differ, "different windows score differently");
	CHECK(all[5].score < -5 && all[4].score > -3, "the spike scores low (%.2f), its neighbour not (%.2f)",
	      all[5].score, all[4].score);

	/* the seed changes the noise, hence the score, a little */
	fcvae_score_opts o2 = o;
	o2.seed = 8;
	fcvae_score_result other;
	fcvae_score_batch(s, &o2, raw, miss, stream, 1, &other);
	CHECK(other.score != all[0].score && fabs(other.score - all[0].score) < 0.5,
	      "another seed: %.4f vs %.4f", other.score, all[0].score);
	fcvae_scorer_free(s);
	fcvae_model_free(m);
}

int main(void)
{
	fcvae_json_doc d;
	vec_load(&d);
	vectors_case(vec_case(&d, 0));
	vectors_case(vec_case(&d, 1));
	fcvae_json_doc_free(&d);
	batch_independence();
	return unit_done();
}
