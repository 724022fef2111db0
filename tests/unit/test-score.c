/* test-score.c — fcvae_score_finite(), the rule every program applies to a
 * score (fcvae-score, fcvae-protocol): NaN is -FLT_MAX, beyond a float
 * ±FLT_MAX, the rest unchanged; and the scores a degenerate decoder
 * variance gives fcvae_score_batch(), which the rule is for. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "model.h"
#include "safetensors.h"
#include "score.h"
#include "unit.h"
#include "util.h"

static void rule(void)
{
	CHECK(fcvae_score_finite(NAN) == -FLT_MAX, "NaN: -FLT_MAX");
	CHECK(fcvae_score_finite(-NAN) == -FLT_MAX, "-NaN: -FLT_MAX");
	CHECK(fcvae_score_finite(-INFINITY) == -FLT_MAX, "-inf: -FLT_MAX");
	CHECK(fcvae_score_finite(INFINITY) == FLT_MAX, "+inf: FLT_MAX");
	/* beyond a float as fcvae-score writes it, a double still */
	CHECK(fcvae_score_finite(-1e39) == -FLT_MAX && fcvae_score_finite(1e300) == FLT_MAX,
	      "-1e39, 1e300: -FLT_MAX, FLT_MAX");
	static const double kept[] = {0, -0.0, -3.25, 1e-300, -171.0101237797747, 2.5e37, -FLT_MAX, FLT_MAX};
	int same = 1;
	for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
		same &= fcvae_score_finite(kept[i]) == kept[i] && signbit(fcvae_score_finite(kept[i])) == signbit(kept[i]);
	CHECK(same, "finite scores within a float's range: unchanged, bit for bit");
	/* past FLT_MAX by less than half a float's step: a float rounds it to
	 * -FLT_MAX, so it is within the range */
	double near = (double)FLT_MAX * (1 + 0x1p-26);
	CHECK(fcvae_score_finite(-near) == -near, "-FLT_MAX·(1 + 2⁻²⁶): unchanged");
}

/* The seed model with its decoder variance made softplus(bias): a point far
 * off scores beyond a float at -95, not a number at -200 (softplus 0). */
static void degenerate_variance(void)
{
	char err[512] = "";
	fcvae_model *m = fcvae_model_load("tests/data/seed_models/Accel_CMP.safetensors", err, sizeof err);
	if (!CHECK(m != NULL, "seed model loads %s", err))
		return;
	const int W = m->cfg.window;
	double *raw = fcvae_xmalloc(2 * (size_t)W * sizeof *raw);
	uint64_t stream[2] = {fcvae_score_stream("k", 1, 0), fcvae_score_stream("k", 1, 3600)};
	for (int i = 0; i < 2 * W; i++)
		raw[i] = m->mean + m->std * (i == 2 * W - 1 ? 30 : sin(0.3 * i));
	fcvae_score_opts o = {.iterations = 2, .samples = 4, .seed = 1};
	static const struct {
		float bias;
		const char *what;
	} cases[] = {{-95, "beyond a float"}, {-200, "not a number"}};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		for (int i = 0; i < W * W; i++)
			m->w.varx_w[i] = 0;
		for (int i = 0; i < W; i++)
			m->w.varx_b[i] = cases[c].bias;
		fcvae_scorer *s = fcvae_scorer_new(m, 2);
		fcvae_score_result r[2];
		fcvae_score_batch(s, &o, raw, NULL, stream, 2, r);
		double got = r[1].score;
		CHECK(c == 0 ? isinf((float)got) && got < 0 : isnan(got), "variance softplus(%g), a point 30 off: %s (%g)",
		      cases[c].bias, cases[c].what, got);
		CHECK(fcvae_score_finite(got) == -FLT_MAX, "%s: the rule makes it -FLT_MAX", cases[c].what);
		fcvae_scorer_free(s);
	}
	free(raw);
	fcvae_model_free(m);
}

int main(void)
{
	rule();
	degenerate_variance();
	return unit_done();
}
