/* scaler.h — raw values to a model's standardised units and back: the
 * model's transform, then its mean and standard deviation (SPEC §4, §9).
 *
 * The transform "sqrt" (signed square root) is for counts, whose noise grows
 * with their level: in roots it is about even, so a dip at a quiet hour
 * weighs as much as the same relative dip at a busy one. With it the
 * scaler's mean and std are those of the roots. */
#ifndef FCVAE_SCALER_H
#define FCVAE_SCALER_H

#include "model.h"

enum fcvae_transform { FCVAE_TRANSFORM_NONE, FCVAE_TRANSFORM_SQRT };

/* s[0..len) is "none" or "sqrt": which; -1 for anything else ("sqrt\u0000x"
 * from a file included) */
int fcvae_transform_parse(const char *s, size_t len);
const char *fcvae_transform_name(int t);
double fcvae_transform(int t, double v);
double fcvae_transform_inverse(int t, double y);

/* Mean and population standard deviation of n values; returns -1 (and sets
 * nothing) when n is 0. Values that are all equal, or differ by no more
 * than FCVAE_SCALER_ALIKE of their magnitude, are constant: std exactly 0
 * (the caller decides: fcvae-train stops, fcvae-protocol skips the file). Values that differ by more but
 * whose std is below DBL_MIN (not a normal double) return 1, std above 0. */
#define FCVAE_SCALER_ALIKE 1e-12
int fcvae_scaler_fit(const double *v, size_t n, double *mean, double *std);

/* raw → standardised, not clipped (the caller clips at m->clip) */
double fcvae_model_standardise(const fcvae_model *m, double raw);
/* standardised → raw */
double fcvae_model_raw(const fcvae_model *m, double x);
/* the band mu ∓ k·sd (standardised) in raw units */
void fcvae_model_band(const fcvae_model *m, double mu, double sd, double k, double *lo, double *hi);

#endif
