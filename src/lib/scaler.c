/* scaler.c — raw values to a model's standardised units and back. */
#include "scaler.h"

#include <float.h>
#include <math.h>
#include <string.h>

static const char *const names[] = {"none", "sqrt"};

int fcvae_transform_parse(const char *s, size_t len)
{
	for (int i = 0; i < 2; i++)
		if (strlen(names[i]) == len && !memcmp(s, names[i], len))
			return i;
	return -1;
}

const char *fcvae_transform_name(int t)
{
	return names[t];
}

/* signed, so that it is defined, monotone and invertible everywhere */
double fcvae_transform(int t, double v)
{
	return t == FCVAE_TRANSFORM_SQRT ? copysign(sqrt(fabs(v)), v) : v;
}

double fcvae_transform_inverse(int t, double y)
{
	return t == FCVAE_TRANSFORM_SQRT ? copysign(y * y, y) : y;
}

double fcvae_model_standardise(const fcvae_model *m, double raw)
{
	return (fcvae_transform(m->transform, raw) - m->mean) / m->std;
}

double fcvae_model_raw(const fcvae_model *m, double x)
{
	return fcvae_transform_inverse(m->transform, x * m->std + m->mean);
}

void fcvae_model_band(const fcvae_model *m, double mu, double sd, double k, double *lo, double *hi)
{
	if (m->transform == FCVAE_TRANSFORM_NONE) {
		/* expected ∓ k·σ in raw units, as it was before transforms */
		double e = mu * m->std + m->mean, s = sd * m->std;
		*lo = e - k * s;
		*hi = e + k * s;
		return;
	}
	*lo = fcvae_model_raw(m, mu - k * sd);
	*hi = fcvae_model_raw(m, mu + k * sd);
}

int fcvae_scaler_fit(const double *v, size_t n, double *mean, double *std)
{
	if (!n)
		return -1;
	/* two passes: the sum of squared deviations does not cancel badly */
	double s = 0, lo = v[0], hi = v[0];
	for (size_t i = 0; i < n; i++) {
		s += v[i];
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	/* deviations below 1 are scaled up by a power of two so that their
	 * squares do not underflow (0, 1e-300 and 2e-300 summed to 0: called
	 * constant); exact, so a std that did not underflow keeps its bits */
	double up = 1;
	if (hi > lo && hi - lo < 1) {
		int e = -ilogb(hi - lo);
		up = ldexp(1, e < DBL_MAX_EXP - 2 ? e : DBL_MAX_EXP - 2);
	}
	double mu = s / n, ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += ((v[i] - mu) * up) * ((v[i] - mu) * up);
	*mean = mu;
	*std = sqrt(ss / n) / up;
	/* values all alike are constant although the rounded mean is not quite
	 * any of them (every point 0.1 gave std 2e-16, then garbage): equal, or
	 * apart by less than summing's rounding */
	if (hi - lo <= FCVAE_SCALER_ALIKE * fmax(fabs(lo), fabs(hi))) {
		*mean = lo == hi ? lo : mu;
		*std = 0;
		return 0;
	}
	/* not constant, but standardising by a subnormal std would keep a
	 * few bits of each value; 0 would say constant */
	if (*std < DBL_MIN) {
		*std = fmax(*std, DBL_TRUE_MIN);
		return 1;
	}
	return 0;
}
