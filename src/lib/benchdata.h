/* benchdata.h — data directories of the FCVAE repository's CSV layout
 * (timestamp,value,label per file) prepared as the paper-protocol benchmark
 * does it (SPEC §5): row split, timestamp completion, back-filling,
 * per-part statistics, standardisation.
 *
 * What the official code does and this follows: the split is by rows in
 * file order (train = the first ⌊0.35·n⌋, validation up to ⌊0.5·n⌋, test
 * the rest); each part is then sorted and completed on its own onto the
 * regular grid of the file's interval, completed points (and rows whose
 * value is not a number) marked missing; values and labels of missing
 * points are back-filled from the next observed point (0 past the last);
 * a part's mean and standard deviation are taken over all its completed
 * points, back-filled ones included. */
#ifndef FCVAE_BENCHDATA_H
#define FCVAE_BENCHDATA_H

#include <stddef.h>

#include "record.h"

/* One CSV file as read, rows in file order. */
typedef struct {
	char *name;              /* file name without its directory */
	size_t n;
	double *ts;              /* epoch seconds (any number the CSV holds) */
	double *value;           /* NaN when empty or not a number */
	unsigned char *label;    /* nonzero = labelled anomalous */
	double interval;         /* the most common positive step between sorted times (1 if none) */
} fcvae_bench_file;

/* Reads path, lines up to max_line bytes (0: FCVAE_MAX_LINE); bad lines are
 * reported and counted in rej. Returns 0, or -1 when the file cannot be
 * used (message printed), or 1 when strict stopped it at a rejected line
 * (the line said why; --strict's caller exits FCVAE_EXIT_DATA). */
int fcvae_bench_file_load(fcvae_bench_file *f, const char *path, size_t max_line, int strict, fcvae_rejects *rej);
void fcvae_bench_file_free(fcvae_bench_file *f);

enum { FCVAE_PART_TRAIN, FCVAE_PART_VALID, FCVAE_PART_TEST, FCVAE_PARTS };

/* Rows [lo, hi) of part `which` for a file of n rows with split fractions
 * (train end, validation end), e.g. 0.35, 0.5. */
void fcvae_bench_split(size_t n, double train_end, double valid_end, int which, size_t *lo, size_t *hi);

/* One part on its regular grid. */
typedef struct {
	size_t n;
	double t0;               /* time of point 0; point i is at t0 + i·interval */
	double *value;           /* raw units (before the transform), missing points back-filled */
	unsigned char *missing;  /* completed or not a number */
	unsigned char *label;    /* back-filled like the values */
	size_t duplicates;       /* rows dropped because their grid slot was taken */
	int transform;           /* enum fcvae_transform (scaler.h), before standardising */
	double mean, std;        /* over all n values transformed (std population; may be 0) */
} fcvae_bench_part;

/* Builds the part of rows [lo, hi) of f, its statistics those of the values
 * put through transform; returns 0, or -1 when the grid would be absurdly
 * long (a stray timestamp), with a message in err. */
int fcvae_bench_part_build(fcvae_bench_part *p, const fcvae_bench_file *f, size_t lo, size_t hi, int transform,
                           char *err, size_t errlen);
void fcvae_bench_part_free(fcvae_bench_part *p);

/* x[i] = (transform(value[i]) − mean)/std (std 0 counts as 1), not clipped
 * and not zeroed: fcvae_dataset_add and fcvae_score_batch do both. */
void fcvae_bench_part_standardise(const fcvae_bench_part *p, double mean, double std, double *x);

#endif
