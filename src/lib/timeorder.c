/* timeorder.c — records in time order: sorting by time, and the longest
 * gap that keeps consecutive records in one run (a labelled event). */
#include "timeorder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct {
	double t;
	size_t i;
} time_slot;

static int by_time_then_place(const void *x, const void *y)
{
	const time_slot *a = x, *b = y;
	if (a->t != b->t)
		return (a->t > b->t) - (a->t < b->t);
	return (a->i > b->i) - (a->i < b->i);
}

void fcvae_sort_by_time(void *base, size_t n, size_t size, size_t time_at)
{
	if (n < 2)
		return;
	char *p = base;
	time_slot *s = fcvae_xmalloc(n * sizeof *s);
	for (size_t i = 0; i < n; i++) {
		memcpy(&s[i].t, p + i * size + time_at, sizeof s[i].t);
		s[i].i = i;
	}
	qsort(s, n, sizeof *s, by_time_then_place);
	char *sorted = fcvae_xmalloc(n * size);
	for (size_t i = 0; i < n; i++)
		memcpy(sorted + i * size, p + s[i].i * size, size);
	memcpy(p, sorted, n * size);
	free(sorted);
	free(s);
}

double fcvae_run_gap_max(const void *base, size_t n, size_t size, size_t time_at)
{
	const char *p = base;
	double *d = fcvae_xmalloc((n ? n : 1) * sizeof *d), prev = NAN, t;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(&t, p + i * size + time_at, sizeof t);
		if (t - prev > 0) /* false with either NaN */
			d[m++] = t - prev;
		if (!isnan(t))
			prev = t;
	}
	double step = INFINITY;
	if (m) {
		qsort(d, m, sizeof *d, fcvae_cmp_double);
		step = m % 2 ? d[m / 2] : (d[m / 2 - 1] + d[m / 2]) / 2;
	}
	free(d);
	return 1.5 * step;
}
