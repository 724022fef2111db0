/* seeddata.h — the seed system's synthetic transaction data set (SPEC §6).
 *
 * Four series ("combos") of card transactions whose hourly rate follows a
 * daily sine with day-of-week levels, per-day jitter, hourly noise and
 * unlabelled micro-anomalies, plus the labelled anomalies of the validation
 * and test days. Every (combo, day) draws from its own Philox streams, so a
 * subset of combos or days has the same bytes as in the full set, and the
 * same seed always gives the same data. */
#ifndef FCVAE_SEEDDATA_H
#define FCVAE_SEEDDATA_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"

#define FCVAE_SEEDDATA_COMBOS 4
#define FCVAE_SEEDDATA_DAYS 60
#define FCVAE_SEEDDATA_SEED 42
#define FCVAE_SEEDDATA_START 1736121600 /* Monday 2025-01-06T00:00:00Z */

typedef struct {
	const char *network, *type; /* "Accel", "no-pin" */
	const char *key;            /* "Accel/no-pin": the series key */
	const char *file;           /* "Accel_nopin": the model file's name */
	double base, amp, period, phase; /* B, A, P hours, φ radians */
	double dow[7];              /* day-of-week multipliers, Monday first */
} fcvae_seeddata_combo;

extern const fcvae_seeddata_combo fcvae_seeddata_combos[FCVAE_SEEDDATA_COMBOS];

/* Index of a combo named by key ("Star/no-pin") or file name ("Star_nopin"); -1 if none. */
int fcvae_seeddata_find_combo(const char *name);

typedef enum { FCVAE_SPLIT_TRAIN, FCVAE_SPLIT_VALIDATION, FCVAE_SPLIT_TEST } fcvae_split;

fcvae_split fcvae_seeddata_split(int day);      /* days 0–41, 42–49, 50 on */
const char *fcvae_seeddata_split_name(fcvae_split s);
int fcvae_seeddata_parse_split(const char *s); /* -1 if not a split name */

/* One combo's day: everything the rate needs, and the labels. */
typedef struct {
	int combo, day;
	double level;         /* B·(1 + drift)·dow */
	double amp;           /* A·(1 + jitter) */
	double shift[24];     /* phase shift in hours: the day's jitter, +3 in the "duration" hours */
	double mult[24];      /* hourly noise × micro-anomaly × labelled-anomaly multiplier */
	unsigned char label[24];
} fcvae_seeddata_day;

/* dow: 0 = Monday, of the day's date. */
void fcvae_seeddata_day_init(fcvae_seeddata_day *d, uint64_t seed, int combo, int day, int dow);

/* Events per hour at fractional hour t of the day, 0 <= t < 24. */
double fcvae_seeddata_rate(const fcvae_seeddata_day *d, double t);

/* The day's event times in hours from its start, ascending, by thinning a
 * homogeneous Poisson process hour by hour; *times grows as needed. Fills
 * count[24] and returns the number of events. */
size_t fcvae_seeddata_events(const fcvae_seeddata_day *d, uint64_t seed, double **times,
                             size_t *cap, int count[24]);

/* Amounts come from their own stream per (combo, day), one draw per event
 * in time order: lognormal(3.2, 0.9) in cents. */
void fcvae_seeddata_amount_init(fcvae_rng *r, uint64_t seed, int combo, int day);
long fcvae_seeddata_amount_cents(fcvae_rng *r);

#endif
