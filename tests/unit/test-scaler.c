/* test-scaler.c — the transforms and the scaler: raw values to standardised
 * units and back, and the band in raw units, worked by hand. */
#include <math.h>
#include <string.h>

#include "model.h"
#include "scaler.h"
#include "unit.h"

static fcvae_model *model(int transform, double mean, double std)
{
	fcvae_config c;
	fcvae_config_default(&c);
	fcvae_model *m = fcvae_model_new(&c);
	m->transform = transform;
	m->mean = mean;
	m->std = std;
	return m;
}

int main(void)
{
#define PARSE(lit) fcvae_transform_parse(lit, sizeof lit - 1)
	CHECK(PARSE("none") == FCVAE_TRANSFORM_NONE && PARSE("sqrt") == FCVAE_TRANSFORM_SQRT, "none and sqrt parse");
	CHECK(PARSE("log") == -1 && PARSE("") == -1 && PARSE("SQRT") == -1, "log, \"\" and SQRT do not");
	CHECK(PARSE("sqrt\0x") == -1 && PARSE("non") == -1, "a name is whole: sqrt\\0x and non do not");
	CHECK(!strcmp(fcvae_transform_name(FCVAE_TRANSFORM_SQRT), "sqrt"), "sqrt's name");

	/* signed square root: defined, monotone and invertible on every value */
	static const double v[] = {-6.25, -1, 0, 0.25, 1, 2.25, 1e6};
	static const double r[] = {-2.5, -1, 0, 0.5, 1, 1.5, 1000};
	for (int i = 0; i < 7; i++) {
		double t = fcvae_transform(FCVAE_TRANSFORM_SQRT, v[i]);
		CHECK(t == r[i] && fcvae_transform_inverse(FCVAE_TRANSFORM_SQRT, t) == v[i], "sqrt %g = %g and back (%g)",
		      v[i], r[i], t);
		CHECK(fcvae_transform(FCVAE_TRANSFORM_NONE, v[i]) == v[i], "none leaves %g", v[i]);
	}

	/* roots with mean 30, std 4: 1600 (root 40) is 2.5 out, 484 (22) -2 */
	fcvae_model *m = model(FCVAE_TRANSFORM_SQRT, 30, 4);
	CHECK(fcvae_model_standardise(m, 1600) == 2.5 && fcvae_model_standardise(m, 484) == -2,
	      "sqrt: 1600 -> %g, 484 -> %g", fcvae_model_standardise(m, 1600), fcvae_model_standardise(m, 484));
	CHECK(fcvae_model_raw(m, 2.5) == 1600 && fcvae_model_raw(m, -2) == 484, "and back: %g, %g",
	      fcvae_model_raw(m, 2.5), fcvae_model_raw(m, -2));
	/* mu 0 (root 30, 900), sd 0.5, k 3: roots 24 and 36, 576 and 1296: the
	 * band is wider above than below, as a count's noise is */
	double lo, hi;
	fcvae_model_band(m, 0, 0.5, 3, &lo, &hi);
	CHECK(lo == 576 && hi == 1296, "sqrt band: %g..%g (want 576..1296)", lo, hi);
	/* mu -7: roots -4 and 8; below root zero the signed square gives a
	 * negative bound, not a mirrored positive one */
	fcvae_model_band(m, -7, 0.5, 3, &lo, &hi);
	CHECK(lo == -16 && hi == 64, "sqrt band through zero: %g..%g (want -16..64)", lo, hi);
	fcvae_model_free(m);

	/* none: the scaler alone, the band symmetric as it always was */
	m = model(FCVAE_TRANSFORM_NONE, 1000, 200);
	CHECK(fcvae_model_standardise(m, 1500) == 2.5 && fcvae_model_raw(m, -2) == 600, "none: 1500 -> 2.5, -2 -> 600");
	fcvae_model_band(m, 0.5, 0.25, 3, &lo, &hi);
	CHECK(lo == 950 && hi == 1250, "none band: %g..%g (want 950..1250)", lo, hi);
	fcvae_model_free(m);
	return unit_done();
}
