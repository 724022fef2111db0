/* prom.h — scoring state as a Prometheus node-exporter textfile: per series
 * the last score, threshold, anomaly state and bucket time, plus the record
 * counters, written atomically so the exporter never reads half a file. */
#ifndef FCVAE_PROM_H
#define FCVAE_PROM_H

#include <stddef.h>

#include "keyset.h"

typedef struct {
	double ts, score, threshold;   /* threshold NaN: none */
	int anomaly;
} fcvae_prom_series;

typedef struct {
	const char *path;
	fcvae_keyset keys;             /* series i's key is keys.key[i], keys.len[i] bytes
	                                  (it may hold NUL: JSON's \u0000) */
	fcvae_prom_series *s;          /* keys.n of them, in order of first appearance */
	size_t cap;
	size_t max;                    /* series kept at most; later new ones are left out */
	size_t left_out;               /* records of series left out */
	double last_write;             /* monotonic seconds */
} fcvae_prom;

typedef struct {
	size_t records;                /* input lines with content */
	size_t scored, anomalies, rejected;
} fcvae_prom_counts;

/* (no free: fcvae-score keeps it to its exit) */
void fcvae_prom_init(fcvae_prom *p, const char *path, size_t max);
/* The newest scored bucket of a series (an older ts than the one held is
 * ignored: the file tells the present). -1 when the series is new and max
 * are kept already: it is left out of the file (and counted there). */
int fcvae_prom_set(fcvae_prom *p, const char *key, size_t keylen, double ts, double score,
                    double threshold, int anomaly);
/* Write the file now, or (min_interval > 0) only if that many seconds
 * passed since the last write. 0, or -1 with errno. */
int fcvae_prom_write(fcvae_prom *p, const fcvae_prom_counts *c, double min_interval);

#endif
