/* test-trailing.c — trailing max and mean on sequences worked out by hand,
 * and against a direct loop over every window on a long random one. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "trailing.h"
#include "rng.h"
#include "unit.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static int same(const double *a, const double *b, size_t n, double tol)
{
	for (size_t i = 0; i < n; i++)
		if (!(fabs(a[i] - b[i]) <= tol * (1 + fabs(b[i]))))
			return 0;
	return 1;
}

static void test_by_hand(void)
{
	/* a spike at 2 held for 3 points, a plateau of equal values, a
	 * negative tail; the first points see fewer than span scores */
	static const double a[] = {1, 0, 5, 2, 3, 3, 3, -1, -4, -2};
	static const double max3[] = {1, 1, 5, 5, 5, 3, 3, 3, 3, -1};
	/* means of (1), (1,0), (1,0,5), (0,5,2), (5,2,3), (2,3,3), (3,3,3),
	 * (3,3,-1), (3,-1,-4), (-1,-4,-2) */
	static const double mean3[] = {1, 0.5, 2, 7.0 / 3, 10.0 / 3, 8.0 / 3, 3, 5.0 / 3, -2.0 / 3, -7.0 / 3};
	double out[N(a)];
	fcvae_trail_apply(out, a, N(a), 3, FCVAE_TRAIL_MAX);
	CHECK(same(out, max3, N(a), 0), "max over 3 by hand");
	fcvae_trail_apply(out, a, N(a), 3, FCVAE_TRAIL_MEAN);
	CHECK(same(out, mean3, N(a), 1e-12), "mean over 3 by hand");
	/* span 1, none: a copy; a span past the end: running max / mean from the start */
	fcvae_trail_apply(out, a, N(a), 1, FCVAE_TRAIL_MAX);
	CHECK(same(out, a, N(a), 0), "span 1 copies");
	fcvae_trail_apply(out, a, N(a), 4, FCVAE_TRAIL_NONE);
	CHECK(same(out, a, N(a), 0), "none copies");
	fcvae_trail_apply(out, a, N(a), 100, FCVAE_TRAIL_MAX);
	CHECK(out[0] == 1 && out[1] == 1 && out[2] == 5 && out[9] == 5, "span longer than the sequence: running max");
	fcvae_trail_apply(out, a, N(a), 100, FCVAE_TRAIL_MEAN);
	CHECK(fabs(out[9] - 1.0) < 1e-12, "span longer than the sequence: mean of all 10 (sum 10) is %g", out[9]);
	/* a score that was not a number, taken as FLT_MAX, swamps the running
	 * sum while it is in the span; once it has left, the means are the
	 * others' again (cut from the sum, it left 0: means 0 and 2, not 3.5
	 * and 4.5) */
	const double big[] = {1, 2, FLT_MAX, 3, 4, 5};
	fcvae_trail_apply(out, big, N(big), 2, FCVAE_TRAIL_MEAN);
	CHECK(out[0] == 1 && out[1] == 1.5 && out[2] > 1e38 && out[3] > 1e38 && out[4] == 3.5 && out[5] == 4.5,
	      "mean over 2 after FLT_MAX left: %g %g (want 3.5 4.5)", out[4], out[5]);
	/* an empty sequence: nothing written, whatever the span and kind */
	for (int how = FCVAE_TRAIL_NONE; how <= FCVAE_TRAIL_MEAN; how++) {
		double untouched[2] = {42, 42};
		fcvae_trail_apply(untouched, a, 0, 3, (enum fcvae_trail)how);
		CHECK(untouched[0] == 42 && untouched[1] == 42, "an empty sequence writes nothing (%s)",
		      fcvae_trail_name((enum fcvae_trail)how));
	}
}

static void test_against_loop(void)
{
	const size_t n = 5000;
	double *a = malloc(n * sizeof *a), *out = malloc(n * sizeof *out), *want = malloc(n * sizeof *want);
	fcvae_rng r;
	fcvae_rng_init(&r, 7, 1);
	for (size_t i = 0; i < n; i++)  /* ties on purpose: few distinct values */
		a[i] = (double)(int)(fcvae_rng_uniform(&r) * 20) - 10;
	static const size_t spans[] = {2, 7, 150, 4999, 5000, 6000};
	for (size_t s = 0; s < N(spans); s++) {
		size_t span = spans[s];
		for (int how = FCVAE_TRAIL_MAX; how <= FCVAE_TRAIL_MEAN; how++) {
			for (size_t i = 0; i < n; i++) {
				size_t lo = i + 1 >= span ? i + 1 - span : 0;
				double m = a[lo], sum = 0;
				for (size_t j = lo; j <= i; j++) {
					m = a[j] > m ? a[j] : m;
					sum += a[j];
				}
				want[i] = how == FCVAE_TRAIL_MAX ? m : sum / (double)(i - lo + 1);
			}
			fcvae_trail_apply(out, a, n, span, (enum fcvae_trail)how);
			CHECK(same(out, want, n, 1e-9), "%s over %zu matches the direct loop", how == FCVAE_TRAIL_MAX ? "max" : "mean",
			      span);
		}
	}
	free(a);
	free(out);
	free(want);
}

static void test_names(void)
{
	enum fcvae_trail h = FCVAE_TRAIL_NONE;
	CHECK(fcvae_trail_parse("max", &h) == 0 && h == FCVAE_TRAIL_MAX, "parse max");
	CHECK(fcvae_trail_parse("mean", &h) == 0 && h == FCVAE_TRAIL_MEAN, "parse mean");
	CHECK(fcvae_trail_parse("none", &h) == 0 && h == FCVAE_TRAIL_NONE, "parse none");
	CHECK(fcvae_trail_parse("median", &h) == -1, "median is refused");
	CHECK(!strcmp(fcvae_trail_name(FCVAE_TRAIL_MEAN), "mean"), "name of mean");
}

int main(void)
{
	test_by_hand();
	test_against_loop();
	test_names();
	return unit_done();
}
