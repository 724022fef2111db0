/* unit.h — a tiny TAP-producing test harness for the library's C tests.
 * Each check prints "ok N - what" or "not ok N - what"; unit_done() prints
 * the plan and returns the exit status, so tests/run.sh can count them. */
#ifndef FCVAE_UNIT_H
#define FCVAE_UNIT_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int unit_n, unit_failed;

__attribute__((format(printf, 4, 5), unused))
static int unit_check(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	printf("%s %d - ", ok ? "ok" : "not ok", ++unit_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf(" # at %s:%d", file, line);
		unit_failed++;
	}
	putchar('\n');
	fflush(stdout);
	return ok;
}

#define CHECK(cond, ...) unit_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Worst relative error max |a-b| / (|b| + floor); floor 1e-3 is the
 * vectors' measure (unit_relerr). */
__attribute__((unused))
static double unit_relerr_floor(const float *a, const double *b, size_t n, double floor)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double e = fabs((double)a[i] - b[i]) / (fabs(b[i]) + floor);
		if (!(e <= worst)) /* NaN counts as the worst */
			worst = isnan(e) ? INFINITY : e;
	}
	return worst;
}

__attribute__((unused))
static double unit_relerr(const float *a, const double *b, size_t n)
{
	return unit_relerr_floor(a, b, n, 1e-3);
}

#define CHECK_CLOSE(a, b, n, tol, what) CHECK_CLOSE_FLOOR(a, b, n, 1e-3, tol, what)
#define CHECK_CLOSE_FLOOR(a, b, n, floor, tol, what) do { \
	double e_ = unit_relerr_floor((a), (b), (n), (floor)); \
	CHECK(e_ <= (tol), "%s: worst relative error %.3g (tolerance %.0e)", (what), e_, (double)(tol)); \
} while (0)

__attribute__((unused))
static int unit_done(void)
{
	printf("1..%d\n", unit_n);
	return unit_failed ? 1 : 0;
}

#endif
