/* seeddata.c — the seed system's synthetic transaction data set (SPEC §6). */
#include "seeddata.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

const fcvae_seeddata_combo fcvae_seeddata_combos[FCVAE_SEEDDATA_COMBOS] = {
	{"Accel", "CMP", "Accel/CMP", "Accel_CMP", 1765, 1230, 24, 0,
	 {1.00, 1.05, 1.15, 1.10, 0.95, 0.60, 0.55}},
	{"Accel", "no-pin", "Accel/no-pin", "Accel_nopin", 1370, 878, 12, M_PI / 3,
	 {0.90, 1.00, 1.05, 1.10, 1.15, 0.70, 0.65}},
	{"Star", "CMP", "Star/CMP", "Star_CMP", 2000, 1500, 24, M_PI,
	 {1.05, 1.00, 0.95, 1.00, 1.10, 0.75, 0.70}},
	{"Star", "no-pin", "Star/no-pin", "Star_nopin", 1252, 878, 8, M_PI / 2,
	 {0.85, 0.95, 1.00, 1.05, 1.00, 0.80, 0.90}},
};

/* Labelled anomalies: on day `day`, hours h0..h1 (the dip of day 55 falls on
 * a different hour per combo), multiplier from m0 to m1 across the hours. */
enum anomaly_kind { SPIKE, DIP, SHIFT };

static const struct {
	int day, kind, h0[FCVAE_SEEDDATA_COMBOS], h1[FCVAE_SEEDDATA_COMBOS];
	double m0, m1;
} anomalies[] = {
	{42, SPIKE, {10, 10, 10, 10}, {12, 12, 12, 12}, 3.0, 3.0},
	{44, DIP, {14, 14, 14, 14}, {14, 14, 14, 14}, 0.1, 0.1},
	{46, SPIKE, {8, 8, 8, 8}, {11, 11, 11, 11}, 1.5, 2.5}, /* ramp */
	{49, SHIFT, {6, 6, 6, 6}, {17, 17, 17, 17}, 0, 0},    /* "duration": phase +3 h in those hours */
	{51, SPIKE, {15, 15, 15, 15}, {17, 17, 17, 17}, 3.0, 3.0},
	{55, DIP, {11, 11, 18, 8}, {11, 11, 18, 8}, 0.1, 0.1},
	{59, SPIKE, {9, 9, 9, 9}, {11, 11, 11, 11}, 2.5, 2.5},
};

/* Streams: one per (kind, combo, day), so subsets draw what the full set draws. */
enum { STREAM_DAY, STREAM_EVENTS, STREAM_AMOUNTS };

static uint64_t stream_id(int kind, int combo, int day)
{
	return (uint64_t)kind << 48 | (uint64_t)combo << 32 | (uint32_t)day;
}

int fcvae_seeddata_find_combo(const char *name)
{
	for (int i = 0; i < FCVAE_SEEDDATA_COMBOS; i++)
		if (!strcmp(name, fcvae_seeddata_combos[i].key) || !strcmp(name, fcvae_seeddata_combos[i].file))
			return i;
	return -1;
}

static const char *split_names[] = {"train", "validation", "test"};

fcvae_split fcvae_seeddata_split(int day)
{
	return day < 42 ? FCVAE_SPLIT_TRAIN : day < 50 ? FCVAE_SPLIT_VALIDATION : FCVAE_SPLIT_TEST;
}

const char *fcvae_seeddata_split_name(fcvae_split s)
{
	return split_names[s];
}

int fcvae_seeddata_parse_split(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, split_names[i]))
			return i;
	return -1;
}

static double uniform(fcvae_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * fcvae_rng_uniform(r);
}

/* A spike of ×m is scaled so that its absolute size, (m−1)·(B+A), does not
 * depend on where in the cycle the hour falls (SPEC §6). */
static double phase_aware(const fcvae_seeddata_combo *c, double m, int h)
{
	double level = c->base + c->amp * sin(2 * M_PI * h / c->period + c->phase);
	return 1 + (m - 1) * (c->base + c->amp) / fmax(level, 0.2 * c->base);
}

void fcvae_seeddata_day_init(fcvae_seeddata_day *d, uint64_t seed, int combo, int day, int dow)
{
	const fcvae_seeddata_combo *c = &fcvae_seeddata_combos[combo];
	fcvae_rng r;
	fcvae_rng_init(&r, seed, stream_id(STREAM_DAY, combo, day));
	d->combo = combo;
	d->day = day;
	d->amp = c->amp * (1 + uniform(&r, -0.15, 0.15));
	double jitter = uniform(&r, -1, 1);
	double drift = uniform(&r, -0.005, 0.005) * day;
	d->level = c->base * (1 + drift) * c->dow[dow];
	for (int h = 0; h < 24; h++) {
		double noise = fmin(fmax(1 + 0.08 * fcvae_rng_normal(&r), 0.7), 1.3);
		/* both draws always, so the stream stays aligned hour by hour */
		double p = fcvae_rng_uniform(&r), m = uniform(&r, -0.15, 0.15);
		d->mult[h] = noise * (p < 0.05 ? 1 + m : 1);
		d->shift[h] = jitter;
		d->label[h] = 0;
	}
	for (size_t i = 0; i < sizeof anomalies / sizeof anomalies[0]; i++) {
		if (anomalies[i].day != day)
			continue;
		int h0 = anomalies[i].h0[combo], h1 = anomalies[i].h1[combo];
		for (int h = h0; h <= h1; h++) {
			d->label[h] = 1;
			double f = h1 > h0 ? (double)(h - h0) / (h1 - h0) : 0;
			double m = anomalies[i].m0 + f * (anomalies[i].m1 - anomalies[i].m0);
			if (anomalies[i].kind == SPIKE)
				d->mult[h] *= phase_aware(c, m, h);
			else if (anomalies[i].kind == DIP)
				d->mult[h] *= m;
			else /* like the multipliers, the shift acts on the labelled hours only */
				d->shift[h] += 3;
		}
	}
}

double fcvae_seeddata_rate(const fcvae_seeddata_day *d, double t)
{
	const fcvae_seeddata_combo *c = &fcvae_seeddata_combos[d->combo];
	int h = (int)t < 24 ? (int)t : 23;
	double v = d->level + d->amp * sin(2 * M_PI * (t + d->shift[h]) / c->period + c->phase);
	return v > 0 ? v * d->mult[h] : 0;
}

size_t fcvae_seeddata_events(const fcvae_seeddata_day *d, uint64_t seed, double **times,
                             size_t *cap, int count[24])
{
	fcvae_rng r;
	fcvae_rng_init(&r, seed, stream_id(STREAM_EVENTS, d->combo, d->day));
	size_t n = 0;
	for (int h = 0; h < 24; h++) {
		/* the rate within hour h never exceeds (level + |amp|)·mult[h] */
		double lmax = (d->level + fabs(d->amp)) * d->mult[h];
		count[h] = 0;
		if (!(lmax > 0))
			continue;
		for (double t = h;;) {
			t -= log1p(-fcvae_rng_uniform(&r)) / lmax;
			if (t >= h + 1)
				break;
			if (fcvae_rng_uniform(&r) * lmax >= fcvae_seeddata_rate(d, t))
				continue;
			if (n == *cap) {
				*cap = *cap ? 2 * *cap : 1 << 16;
				*times = fcvae_xrealloc(*times, *cap * sizeof **times);
			}
			(*times)[n++] = t;
			count[h]++;
		}
	}
	return n;
}

void fcvae_seeddata_amount_init(fcvae_rng *r, uint64_t seed, int combo, int day)
{
	fcvae_rng_init(r, seed, stream_id(STREAM_AMOUNTS, combo, day));
}

long fcvae_seeddata_amount_cents(fcvae_rng *r)
{
	return lround(100 * exp(3.2 + 0.9 * fcvae_rng_normal(r)));
}
