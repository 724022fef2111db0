/* test-benchdata.c — the benchmark's data preparation on a hand-made file:
 * interval, row split, completion, back-filling, statistics, --strict. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchdata.h"
#include "scaler.h"
#include "unit.h"

static int same(const double *a, const double *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fabs(a[i] - b[i]) > 1e-12)
			return 0;
	return 1;
}

int main(void)
{
	/* Ten rows at a 60 s step with two gaps of 180 s; the test rows are
	 * out of order in the file; one value is empty. */
	char path[] = "/tmp/test-benchdata-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	fputs("timestamp,value,label\n"
	      "100,1,0\n160,2,0\n220,,1\n"          /* train: rows 0..2 */
	      "400,5,1\n460,6,0\n"                 /* validation: rows 3..4 */
	      "580,8,0\n520,7,0\n760,11,1\n820,12,0\n880,13,0\n", /* test: rows 5..9 */
	      fp);
	fclose(fp);

	fcvae_rejects rej = {0};
	fcvae_bench_file f;
	CHECK(fcvae_bench_file_load(&f, path, 0, 0, &rej) == 0, "loads");
	CHECK(f.n == 10 && rej.total == 0, "10 rows, none rejected (got %zu, %zu)", f.n, rej.total);
	CHECK(f.interval == 60, "interval: the most common step, 60 (got %g)", f.interval);
	CHECK(isnan(f.value[2]), "an empty value is NaN");
	CHECK(!strncmp(f.name, "test-benchdata-", 15), "name without the directory: %s", f.name);

	size_t lo, hi;
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_TRAIN, &lo, &hi);
	CHECK(lo == 0 && hi == 3, "train rows [0,3) (got [%zu,%zu))", lo, hi);
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_VALID, &lo, &hi);
	CHECK(lo == 3 && hi == 5, "validation rows [3,5)");
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_TEST, &lo, &hi);
	CHECK(lo == 5 && hi == 10, "test rows [5,10)");
	/* Python's int(0.35 * 180) is 62, not 63: the product rounds below */
	fcvae_bench_split(180, 0.35, 0.5, FCVAE_PART_TRAIN, &lo, &hi);
	CHECK(hi == 62, "int(0.35*180) = 62 as in Python (got %zu)", hi);

	char err[256];
	fcvae_bench_part p;
	/* train: 1, 2, missing at the end -> back-filled with 0; its label too */
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_TRAIN, &lo, &hi);
	CHECK(fcvae_bench_part_build(&p, &f, lo, hi, FCVAE_TRANSFORM_NONE, err, sizeof err) == 0, "train part builds");
	CHECK(p.n == 3 && same(p.value, (double[]){1, 2, 0}, 3), "train values 1 2 0");
	CHECK(!p.missing[0] && !p.missing[1] && p.missing[2], "the empty value is missing");
	CHECK(!p.label[2], "its label is back-filled (nothing after: 0)");
	CHECK(fabs(p.mean - 1) < 1e-12 && fabs(p.std - sqrt(2.0 / 3)) < 1e-12, "train mean 1, std sqrt(2/3) (got %g %g)",
	      p.mean, p.std);
	double x[8];
	fcvae_bench_part_standardise(&p, 1, 2, x);
	CHECK(same(x, (double[]){0, 0.5, -0.5}, 3), "standardised with given statistics");
	fcvae_bench_part_free(&p);

	/* --transform sqrt: the values stay raw (a scores file writes them),
	 * the statistics and x are of the roots */
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_TRAIN, &lo, &hi);
	CHECK(fcvae_bench_part_build(&p, &f, lo, hi, FCVAE_TRANSFORM_SQRT, err, sizeof err) == 0, "sqrt part builds");
	CHECK(same(p.value, (double[]){1, 2, 0}, 3), "sqrt: raw values 1 2 0");
	CHECK(fabs(p.mean - (1 + sqrt(2.0)) / 3) < 1e-12, "sqrt: the mean of the roots (got %g)", p.mean);
	fcvae_bench_part_standardise(&p, 0, 1, x);
	CHECK(same(x, (double[]){1, sqrt(2.0), 0}, 3), "sqrt: x of the roots");
	fcvae_bench_part_free(&p);

	/* test: sorted, 640 and 700 completed and back-filled from 760 (value 11, label 1) */
	fcvae_bench_split(10, 0.35, 0.5, FCVAE_PART_TEST, &lo, &hi);
	CHECK(fcvae_bench_part_build(&p, &f, lo, hi, FCVAE_TRANSFORM_NONE, err, sizeof err) == 0, "test part builds");
	CHECK(p.n == 7 && p.t0 == 520, "test part: 7 points on the grid from 520 (got %zu, %g)", p.n, p.t0);
	CHECK(same(p.value, (double[]){7, 8, 11, 11, 11, 12, 13}, 7), "test values back-filled");
	static const unsigned char miss[] = {0, 0, 1, 1, 0, 0, 0}, lab[] = {0, 0, 1, 1, 1, 0, 0};
	CHECK(!memcmp(p.missing, miss, 7), "completed points marked missing");
	CHECK(!memcmp(p.label, lab, 7), "labels back-filled");
	CHECK(fabs(p.mean - 73.0 / 7) < 1e-12, "mean over all completed points, 73/7 (got %.15g)", p.mean);
	fcvae_bench_part_standardise(&p, p.mean, 0, x);
	CHECK(fabs(x[0] - (7 - 73.0 / 7)) < 1e-12, "a std of 0 counts as 1");
	fcvae_bench_part_free(&p);

	/* a stray timestamp far off the grid is refused, not allocated */
	double ts2[] = {0, 60, 120, 1e12};
	fcvae_bench_file g = f;
	g.ts = ts2;
	g.n = 4;
	CHECK(fcvae_bench_part_build(&p, &g, 0, 4, FCVAE_TRANSFORM_NONE, err, sizeof err) == -1 && strstr(err, "stray"),
	      "stray: %s", err);

	/* rows of one time: the first in the file holds its slot, the rest are
	 * counted as duplicates (40 rows on 5 slots, times out of order) */
	double ts3[40], v3[40];
	unsigned char l3[40] = {0};
	for (int i = 0; i < 40; i++) {
		ts3[i] = 60.0 * ((i * 3) % 5);
		v3[i] = i;
	}
	g.ts = ts3;
	g.value = v3;
	g.label = l3;
	g.n = 40;
	CHECK(fcvae_bench_part_build(&p, &g, 0, 40, FCVAE_TRANSFORM_NONE, err, sizeof err) == 0 && p.n == 5 &&
	      p.duplicates == 35 &&
	      same(p.value, (double[]){0, 2, 4, 1, 3}, 5), "equal times: the first row stands, 35 duplicates");
	fcvae_bench_part_free(&p);

	/* a header without the timestamp column makes the file unusable */
	fp = fopen(path, "w");
	fputs("time,value,label\n1,2,0\n", fp);
	fclose(fp);
	fcvae_bench_file h;
	CHECK(fcvae_bench_file_load(&h, path, 0, 0, &rej) == -1, "no timestamp column: refused");
	fcvae_bench_file_free(&h);

	/* strict: the first rejected line ends the reading, which says so (1);
	 * without, bad lines are skipped */
	fp = fopen(path, "w");
	fputs("timestamp,value,label\n1,2,0\n2,3,0,extra\n3\n4,5,0\n", fp);
	fclose(fp);
	fcvae_rejects strict_rej = {0};
	CHECK(fcvae_bench_file_load(&h, path, 0, 1, &strict_rej) == 1 && h.n == 1 && strict_rej.total == 1,
	      "strict: stopped at line 3 (got %zu rows, %zu rejected)", h.n, strict_rej.total);
	fcvae_bench_file_free(&h);
	fcvae_rejects lax_rej = {0};
	CHECK(fcvae_bench_file_load(&h, path, 0, 0, &lax_rej) == 0 && h.n == 2 && lax_rej.total == 2,
	      "not strict: read on (got %zu rows, %zu rejected)", h.n, lax_rej.total);
	fcvae_bench_file_free(&h);

	fcvae_bench_file_free(&f);
	unlink(path);
	return unit_done();
}
