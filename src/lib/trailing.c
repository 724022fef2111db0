/* trailing.c — trailing maximum and mean of a score sequence. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trailing.h"
#include "util.h"

/* The maximum with a monotone queue of indices whose scores decrease:
 * each index enters and leaves once, so any span costs O(n). */
static void trailing_max(double *out, const double *a, size_t n, size_t span)
{
	size_t *q = fcvae_xmalloc((n + 1) * sizeof *q);
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		while (tail > head && a[q[tail - 1]] <= a[i])
			tail--;
		q[tail++] = i;
		if (q[head] + span <= i)
			head++;
		out[i] = a[q[head]];
	}
	free(q);
}

/* Beyond this a score swamps a running sum of the others (a score that was
 * not a number is taken as FLT_MAX, about 3e38): the sum is made anew
 * when it leaves the span, not cut by it, which would leave 0. */
#define SWAMPS 1e12

static void trailing_mean(double *out, const double *a, size_t n, size_t span)
{
	/* a running sum: scores are of one scale, so its rounding stays tiny */
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += a[i];
		if (i >= span && fabs(a[i - span]) > SWAMPS) {
			sum = 0;
			for (size_t j = i - span + 1; j <= i; j++)
				sum += a[j];
		}
		else if (i >= span)
			sum -= a[i - span];
		out[i] = sum / (double)(i < span ? i + 1 : span);
	}
}

void fcvae_trail_apply(double *out, const double *a, size_t n, size_t span, enum fcvae_trail how)
{
	if (how == FCVAE_TRAIL_NONE || span <= 1)
		memcpy(out, a, n * sizeof *out);
	else if (how == FCVAE_TRAIL_MAX)
		trailing_max(out, a, n, span);
	else
		trailing_mean(out, a, n, span);
}

static const char *const agg_names[] = {"none", "max", "mean"};

int fcvae_trail_parse(const char *name, enum fcvae_trail *how)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, agg_names[i])) {
			*how = (enum fcvae_trail)i;
			return 0;
		}
	return -1;
}

const char *fcvae_trail_name(enum fcvae_trail how)
{
	return agg_names[how];
}
