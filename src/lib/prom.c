/* prom.c — scoring state as a Prometheus node-exporter textfile. */
#include "prom.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

void fcvae_prom_init(fcvae_prom *p, const char *path, size_t max)
{
	memset(p, 0, sizeof *p);
	p->path = path;
	p->max = max;
	p->last_write = -INFINITY;
}

int fcvae_prom_set(fcvae_prom *p, const char *key, size_t keylen, double ts, double score,
                   double threshold, int anomaly)
{
	size_t i = fcvae_keyset_find(&p->keys, key, keylen);
	if (i == FCVAE_KEYSET_NONE) {
		if (p->keys.n >= p->max) {
			p->left_out++;
			return -1;
		}
		if (p->keys.n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 16;
			p->s = fcvae_xrealloc(p->s, p->cap * sizeof *p->s);
		}
		int added;
		i = fcvae_keyset_add(&p->keys, key, keylen, &added);
		p->s[i].ts = -INFINITY;
	}
	fcvae_prom_series *s = &p->s[i];
	if (ts < s->ts)
		return 0;
	s->ts = ts;
	s->score = score;
	s->threshold = threshold;
	s->anomaly = anomaly;
	return 0;
}

/* A label value: backslash, double quote and newline escaped (the text
 * format's rules), every other byte as it is, a NUL (JSON's \u0000 in a
 * key) too: a label value is any UTF-8 text, NUL included, and the format
 * has no escape for it (Prometheus's parsers, the node exporter's too, read
 * it raw); an escape of our own would read as another key. */
static void put_label(FILE *fp, const char *v, size_t len)
{
	fputs("{series=\"", fp);
	for (const char *end = v + len; v < end; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', fp), fputc(*v, fp);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
	fputs("\"} ", fp);
}

/* Prometheus writes special values as NaN, +Inf, -Inf. */
static void put_value(FILE *fp, double x)
{
	if (isnan(x))
		fputs("NaN\n", fp);
	else if (isinf(x))
		fputs(x > 0 ? "+Inf\n" : "-Inf\n", fp);
	else {
		char num[FCVAE_JSON_NUMBER_MAX];
		fcvae_json_format_number(num, x);   /* shortest text that reads back the same */
		fprintf(fp, "%s\n", num);
	}
}

int fcvae_prom_write(fcvae_prom *p, const fcvae_prom_counts *c, double min_interval)
{
	double now = fcvae_monotonic();
	if (min_interval > 0 && now < p->last_write + min_interval)
		return 0;
	fcvae_atomic a;
	if (fcvae_atomic_open(&a, p->path) < 0)
		return -1;
	FILE *fp = a.fp;
	static const struct {
		const char *name, *help;
		int field;   /* 0 score, 1 threshold, 2 anomaly, 3 bucket time */
	} gauges[] = {
		{"fcvae_score", "Score of the newest bucket (mean log-likelihood; lower is more anomalous).", 0},
		{"fcvae_threshold", "Threshold in force: the bucket is anomalous when the score is below it.", 1},
		{"fcvae_anomaly", "1 if the newest bucket is anomalous, else 0.", 2},
		{"fcvae_last_bucket_timestamp_seconds", "Start of the newest scored bucket, Unix time.", 3},
	};
	for (size_t g = 0; g < sizeof gauges / sizeof *gauges; g++) {
		fprintf(fp, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].name, gauges[g].help, gauges[g].name);
		for (size_t i = 0; i < p->keys.n; i++) {
			const fcvae_prom_series *s = &p->s[i];
			if (gauges[g].field == 1 && isnan(s->threshold))
				continue;   /* no threshold: no sample, rather than a NaN to alert on */
			fputs(gauges[g].name, fp);
			put_label(fp, p->keys.key[i], p->keys.len[i]);
			switch (gauges[g].field) {
			case 0: put_value(fp, s->score); break;
			case 1: put_value(fp, s->threshold); break;
			case 2: fprintf(fp, "%d\n", s->anomaly != 0); break;
			default: put_value(fp, s->ts); break;
			}
		}
	}
	static const char *const counters[][2] = {
		{"fcvae_records_total", "Input records read."},
		{"fcvae_scored_total", "Records scored."},
		{"fcvae_anomalies_total", "Records marked anomalous."},
		{"fcvae_rejected_total", "Input records rejected as bad."},
		{"fcvae_unlisted_total", "Records scored whose series this file leaves out (see --max-series)."},
	};
	const size_t value[] = {c->records, c->scored, c->anomalies, c->rejected, p->left_out};
	for (size_t k = 0; k < sizeof value / sizeof *value; k++)
		fprintf(fp, "# HELP %s %s\n# TYPE %s counter\n%s %zu\n", counters[k][0], counters[k][1],
		        counters[k][0], counters[k][0], value[k]);
	if (fcvae_atomic_commit(&a) < 0)
		return -1;
	p->last_write = now;
	return 0;
}
