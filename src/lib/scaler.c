/* scaler.c — raw values to a model's standardised units and back. */
#include "scaler.h"

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
