/* test-seed-models.c — the original system's four models, loaded unchanged,
 * score like the original: scores.json gives float64 expectations over the
 * noise, single pass and MCMC-2; 20000 samples land within 0.05. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "safetensors.h"
#include "score.h"
#include "unit.h"

/* 200 independent runs (each its own refinement) × 100 samples = 20000. */
enum { RUNS = 200, SAMPLES = 100 };

static double expectation(fcvae_scorer *s, const fcvae_model *m, const double *window, int iterations)
{
	const int W = m->cfg.window;
	double *raw = malloc(sizeof(double) * RUNS * W);
	uint64_t stream[RUNS];
	fcvae_score_result res[RUNS];
	for (int r = 0; r < RUNS; r++) {
		memcpy(raw + (size_t)r * W, window, sizeof(double) * W);
		stream[r] = fcvae_mix64((uint64_t)r + 1);
	}
	fcvae_score_opts o = {.iterations = iterations, .samples = SAMPLES, .seed = 2024};
	fcvae_score_batch(s, &o, raw, NULL, stream, RUNS, res);
	double sum = 0;
	for (int r = 0; r < RUNS; r++)
		sum += res[r].score;
	free(raw);
	return sum / RUNS;
}

int main(void)
{
	fcvae_json_doc d;
	char err[512];
	if (fcvae_json_doc_load(&d, "tests/data/seed_models/scores.json", err, sizeof err) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	for (const fcvae_json *c = fcvae_json_first(fcvae_json_get(d.root, "cases")); c; c = fcvae_json_next(c)) {
		const char *file = fcvae_json_get(c, "model")->str;
		char path[256];
		snprintf(path, sizeof path, "tests/data/seed_models/%s", file);
		fcvae_model *m = fcvae_model_load(path, err, sizeof err);
		if (!CHECK(m != NULL, "%s loads %s", file, err))
			continue;
		const fcvae_json *w = fcvae_json_get(c, "window");
		double window[64];
		int W = 0;
		for (const fcvae_json *e = fcvae_json_first(w); e && W < 64; e = fcvae_json_next(e))
			window[W++] = e->num;
		if (!CHECK(W == m->cfg.window, "%s: window of %d points", file, W)) {
			fcvae_model_free(m);
			continue;
		}
		fcvae_scorer *s = fcvae_scorer_new(m, RUNS);
		double want1 = fcvae_json_get(c, "single_pass_score")->num;
		double want2 = fcvae_json_get(c, "mcmc2_score")->num;
		double got1 = expectation(s, m, window, 0);
		double got2 = expectation(s, m, window, 10);
		CHECK(fabs(got1 - want1) <= 0.05, "%s last point %.0f: single pass %.4f, original %.4f", file,
		      window[W - 1], got1, want1);
		CHECK(fabs(got2 - want2) <= 0.05, "%s last point %.0f: MCMC-2 %.4f, original %.4f", file,
		      window[W - 1], got2, want2);
		fcvae_scorer_free(s);
		fcvae_model_free(m);
	}
	fcvae_json_doc_free(&d);
	return unit_done();
}
