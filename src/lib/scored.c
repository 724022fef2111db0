/* scored.c — fcvae-score's output read back for evaluation and calibration. */
#include "scored.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "timeparse.h"
#include "timeorder.h"
#include "util.h"

void fcvae_scored_init(fcvae_scored_set *set)
{
	memset(set, 0, sizeof *set);
	set->label_field = "label";
	set->key_field = "key";
	set->ts_field = "ts";
	fcvae_json_parser_init(&set->p);
	set->p.allow_nan = 1; /* Python writes NaN bare: an unscored point, not a bad line */
}

void fcvae_scored_free(fcvae_scored_set *set)
{
	for (int i = 0; i < set->ns; i++)
		free(set->s[i].p);
	free(set->s);
	fcvae_keyset_free(&set->keys);
	fcvae_json_parser_free(&set->p);
}

static fcvae_scored_series *series_of(fcvae_scored_set *set, const char *key, size_t len)
{
	int added;
	size_t i = fcvae_keyset_add(&set->keys, key, len, &added);
	if (!added)
		return &set->s[i];
	if (i == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		set->s = fcvae_xrealloc(set->s, set->cap * sizeof *set->s);
	}
	fcvae_scored_series *s = &set->s[set->ns++];
	memset(s, 0, sizeof *s);
	s->key = set->keys.key[i];
	s->keylen = set->keys.len[i];
	return s;
}

/* fcvae_scored_point.left_out: why an entry is no point */
enum { POINT, UNSCORED, UNLABELLED, REJECTED };

/* The counts an entry is in, d = 1 when read and -1 when replaced
 * ("records" keeps counting it: it was read). */
static void tally(fcvae_scored_set *set, fcvae_scored_series *s, const fcvae_scored_point *e, int d)
{
	if (e->left_out == UNSCORED) {
		s->unscored += (size_t)d;
		set->unscored += (size_t)d;
	} else if (e->left_out == UNLABELLED) {
		s->unlabelled += (size_t)d;
		set->unlabelled += (size_t)d;
	} else if (e->left_out == POINT) {
		set->labelled += (size_t)d;
	}
}

static void push(fcvae_scored_set *set, fcvae_scored_series *s, fcvae_scored_point e)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->p = fcvae_xrealloc(s->p, s->cap * sizeof *s->p);
	}
	s->p[s->n++] = e;
	if (e.left_out != REJECTED) {
		s->records++;
		set->records++;
	}
	tally(set, s, &e, 1);
}

/* A time as fcvae-window takes one: epoch seconds or an ISO string, of the
 * years 0 to 9999 (beyond them no time can be written back, and a number of
 * milliseconds is no time of ours). *ts is untouched unless 0 is returned. */
static int time_of(const fcvae_json *v, double *ts)
{
	double t;
	if (v->type == FCVAE_JSON_NUMBER)
		t = v->num;
	else if (v->type != FCVAE_JSON_STRING || fcvae_time_parse(v->str, v->slen, &t) < 0)
		return -1;
	if (!fcvae_time_in_range(t))
		return -1;
	*ts = t;
	return 0;
}

int fcvae_scored_read(fcvae_scored_set *set, fcvae_lines *in, fcvae_rejects *rej)
{
	int rc = 0;
	while (!(set->strict && rej->total) && (rc = fcvae_lines_read(in, -1)) == 1) {
		if (fcvae_reject_toolong(rej, in))
			continue;
		if (fcvae_lines_blank(in))
			continue;
		const char *line = in->line;
		size_t len = in->len;
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		const fcvae_json *r = fcvae_json_parse(&set->p, line, len);
		if (!r) {
			fcvae_reject(rej, in, "not JSON", "not JSON: %s", set->p.err);
			continue;
		}
		if (r->type != FCVAE_JSON_OBJECT) {
			fcvae_reject(rej, in, "not an object", "not a JSON object");
			continue;
		}
		const fcvae_json *k = fcvae_json_get(r, set->key_field);
		const fcvae_json *t = fcvae_json_get(r, set->ts_field);
		const fcvae_json *sc = fcvae_json_get(r, "score");
		const fcvae_json *an = fcvae_json_get(r, "anomaly");
		const fcvae_json *th = fcvae_json_get(r, "threshold");
		const char *key = "";
		size_t keylen = 0;
		set->keyed += k != NULL;
		if (k && k->type == FCVAE_JSON_STRING) {
			key = k->str;
			keylen = k->slen;
		} else if (k && k->type != FCVAE_JSON_NULL) {
			key = k->src; /* a number or such: its text */
			keylen = k->len;
		}
		/* a rejected line whose series is known breaks its sequence there,
		 * as a record left out does: what it held is not known */
		fcvae_scored_series *s = series_of(set, key, keylen);
		fcvae_scored_point e = {.ts = NAN, .score = NAN, .left_out = REJECTED};
		if (t && t->type != FCVAE_JSON_NULL && time_of(t, &e.ts) < 0) {
			fcvae_reject(rej, in, "bad ts", "\"%s\" is not a timestamp", set->ts_field);
			goto rejected;
		}
		double score = NAN;
		if (sc && sc->type == FCVAE_JSON_NUMBER)
			score = sc->num;
		else if (sc && sc->type != FCVAE_JSON_NULL) {
			fcvae_reject(rej, in, "bad score", "\"score\" is not a number");
			goto rejected;
		}
		int label = fcvae_label_of(fcvae_json_get(r, set->label_field));
		if (label == FCVAE_LABEL_BAD) {
			fcvae_reject(rej, in, "bad label", FCVAE_LABEL_BAD_MSG, set->label_field);
			goto rejected;
		}
		if (an && an->type != FCVAE_JSON_TRUE && an->type != FCVAE_JSON_FALSE && an->type != FCVAE_JSON_NULL) {
			fcvae_reject(rej, in, "bad anomaly", "\"anomaly\" is not true or false");
			goto rejected;
		}
		if (!fcvae_scored_judged(r))
			score = NAN;
		e.score = score;
		e.label = label == 1;
		if (!isfinite(score))
			e.left_out = UNSCORED;
		else if (label < 0)
			e.left_out = UNLABELLED;
		else {
			e.left_out = POINT;
			if (set->has_threshold)
				e.flag = score < set->threshold;
			else if (th && th->type == FCVAE_JSON_NULL)
				e.undecided = 1; /* an uncalibrated model: its "anomaly": false decides nothing */
			else if (an && an->type != FCVAE_JSON_NULL)
				e.flag = an->type == FCVAE_JSON_TRUE;
			else if (th && th->type == FCVAE_JSON_NUMBER && isfinite(th->num))
				e.flag = score < th->num;
			else
				e.undecided = 1;
		}
		const fcvae_json *split = fcvae_json_get(r, "split");
		if (split && fcvae_json_str_is(split, "test"))
			set->test_split++;
	rejected:
		push(set, s, e);
	}
	if (set->strict && rej->total)
		return 1;
	return rc < 0 ? -1 : 0;
}

/* Entries p[0..m) in time order: of those of one time (together, in input
 * order) the last record stands and the others are replaced; a rejected
 * line only stands for a time no record has. Returns the count left. */
static size_t last_of_each_time(fcvae_scored_set *set, fcvae_scored_series *s, size_t m)
{
	fcvae_scored_point *p = s->p;
	size_t n = 0;
	for (size_t i = 0, j; i < m; i = j) {
		size_t keep = i;
		int record = 0;
		for (j = i; j < m && p[j].ts == p[i].ts; j++)
			if (p[j].left_out != REJECTED || !record) {
				keep = j;
				record = p[j].left_out != REJECTED;
			}
		for (size_t q = i; q < j; q++)
			if (q != keep && p[q].left_out != REJECTED) {
				tally(set, s, &p[q], -1);
				s->replaced++;
				set->replaced++;
			}
		p[n++] = p[keep];
	}
	return n;
}

void fcvae_scored_sort(fcvae_scored_set *set)
{
	int kept = 0;
	for (int k = 0; k < set->ns; k++) {
		fcvae_scored_series *s = &set->s[k];
		int timed = 1;
		for (size_t i = 0; i < s->n; i++)
			if (s->p[i].left_out == POINT && isnan(s->p[i].ts))
				timed = 0;
		/* without times, input order is the only order there is, and
		 * no gap between records is known */
		size_t m = s->n;
		double gap_max = INFINITY;
		if (timed) {
			/* in time order, what has no time has no place among the points */
			m = 0;
			for (size_t i = 0; i < s->n; i++)
				if (!isnan(s->p[i].ts))
					s->p[m++] = s->p[i];
			fcvae_sort_by_time(s->p, m, sizeof *s->p, offsetof(fcvae_scored_point, ts));
			m = last_of_each_time(set, s, m);
			gap_max = fcvae_run_gap_max(s->p, m, sizeof *s->p, offsetof(fcvae_scored_point, ts));
		}
		/* an unscored record labelled anomalous leaves its event whole;
		 * records missing (a gap longer than the series' step) do not */
		size_t n = 0;
		int brk = 0;
		double prev = NAN;
		for (size_t i = 0; i < m; i++) {
			fcvae_scored_point e = s->p[i];
			brk |= e.ts - prev > gap_max;
			prev = e.ts;
			if (e.left_out) {
				brk |= !(e.left_out == UNSCORED && e.label);
				continue;
			}
			e.brk = brk && n;
			brk = 0;
			s->no_threshold |= e.undecided;
			s->p[n++] = e;
		}
		s->n = n;
		if (s->records == 0) { /* nothing but rejected lines */
			free(s->p);
			continue;
		}
		set->s[kept++] = *s;
	}
	set->ns = kept;
}

size_t fcvae_scored_arrays(const fcvae_scored_set *set, int i, double **a, unsigned char **label,
                           unsigned char **flag)
{
	int from = i < 0 ? 0 : i, to = i < 0 ? set->ns : i + 1;
	size_t n = 0;
	for (int k = from; k < to; k++)
		n += set->s[k].n;
	*a = fcvae_xmalloc((n ? n : 1) * sizeof **a);
	*label = fcvae_xmalloc(n ? n : 1);
	*flag = fcvae_xmalloc(n ? n : 1);
	size_t j = 0, used = 0;
	for (int k = from; k < to; k++) {
		const fcvae_scored_series *s = &set->s[k];
		if (s->n == 0)
			continue;
		/* 1, 2 in one series, 3, 4 in the next that holds points; the
		 * other of the two after each break */
		int base = 1 + 2 * (int)(used++ % 2), seg = 0;
		for (size_t q = 0; q < s->n; q++) {
			const fcvae_scored_point *e = &s->p[q];
			seg ^= e->brk;
			(*a)[j] = -e->score;
			(*label)[j] = e->label ? (unsigned char)(base + seg) : 0;
			(*flag)[j] = e->flag;
			j++;
		}
	}
	return n;
}

int fcvae_scored_read_files(fcvae_scored_set *set, char **files, int nfiles, fcvae_rejects *rej,
                            const char *doing, const char *no_labels)
{
	static char *stdin_only[] = {"-"};
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	for (int f = 0; f < nfiles; f++) {
		fcvae_lines in;
		if (fcvae_lines_open(&in, files[f]) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", files[f]);
		in.max = set->max_line;
		int rc = fcvae_scored_read(set, &in, rej);
		if (rc < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", files[f]);
		fcvae_lines_close(&in);
		if (rc > 0)
			return -1;
	}
	char summary[512];
	fcvae_rejects_format(rej, summary, sizeof summary);
	if (summary[0])
		fcvae_warn("%s", summary);
	fcvae_scored_sort(set);
	if (set->records == 0)
		fcvae_die(FCVAE_EXIT_FAIL, "no scored records to %s", doing);
	/* fcvae-window's output, say: its labels are no reason to ask for one */
	if (set->labelled + set->unlabelled == 0)
		fcvae_die(FCVAE_EXIT_FAIL,
		          "no scored record (%zu record%s, all unscored): nothing to %s; is this fcvae-score's output?",
		          set->records, set->records == 1 ? "" : "s", doing);
	if (set->labelled == 0)
		fcvae_die(FCVAE_EXIT_FAIL, "no record has a \"%s\" (%zu records, %zu unscored): %s", set->label_field,
		          set->records, set->unscored, no_labels);
	/* (records of several series read as one, say a --key misspelt) */
	if (set->replaced && !set->keyed)
		fcvae_warn("%zu record%s replaced by a later one for the same time: no record has a \"%s\" member, "
		           "so all are one series (see --key)", set->replaced, set->replaced == 1 ? "" : "s",
		           set->key_field);
	else if (set->replaced)
		fcvae_warn("%zu record%s replaced by a later one for the same series and time", set->replaced,
		           set->replaced == 1 ? "" : "s");
	if (set->unlabelled)
		fcvae_warn("%zu record%s without a \"%s\" left out", set->unlabelled, set->unlabelled == 1 ? "" : "s",
		           set->label_field);
	if (set->unscored)
		fcvae_warn("%zu record%s without a score to judge (score null or none, or value null: a gap) left out",
		           set->unscored, set->unscored == 1 ? "" : "s");
	return 0;
}

const fcvae_json *fcvae_scored_parse_live(fcvae_json_parser *p, fcvae_lines *in, fcvae_rejects *rej,
                                          const char *key_field, const char *ts_field, const fcvae_json **key,
                                          double *ts)
{
	if (fcvae_reject_toolong(rej, in))
		return NULL;
	const fcvae_json *r = fcvae_json_parse(p, in->line, in->len);
	if (!r || r->type != FCVAE_JSON_OBJECT) {
		fcvae_reject(rej, in, "not JSON", "%s", r ? "not a JSON object" : p->err);
		return NULL;
	}
	*key = fcvae_json_get(r, key_field);
	if (!*key || (*key)->type != FCVAE_JSON_STRING) {
		fcvae_reject(rej, in, "no key", "no \"%s\" string", key_field);
		return NULL;
	}
	const fcvae_json *tsv = fcvae_json_get(r, ts_field);
	if (!tsv || time_of(tsv, ts) < 0) {
		fcvae_reject(rej, in, "bad ts", "\"%s\" is not a timestamp", ts_field);
		return NULL;
	}
	return r;
}

int fcvae_scored_judged(const fcvae_json *r)
{
	const fcvae_json *val = fcvae_json_get(r, "value");
	return !(val && (val->type == FCVAE_JSON_NULL || (val->type == FCVAE_JSON_NUMBER && !isfinite(val->num))));
}

int fcvae_scored_option(fcvae_scored_set *set, int o, const char *arg)
{
	switch (o) {
	case 'l': set->label_field = arg; break;
	case 'k': set->key_field = arg; break;
	case FCVAE_SCORED_O_TS: set->ts_field = arg; break;
	case FCVAE_SCORED_O_MAX_LINE: set->max_line = fcvae_parse_max_line(arg); break;
	case FCVAE_SCORED_O_STRICT: set->strict = 1; break;
	default: return 0;
	}
	return 1;
}

void fcvae_scored_key_shown(fcvae_buf *b, const char *key, size_t len, int width)
{
	size_t start = b->len;
	int plain = len > 0 && key[0] != '"' && key[0] != ' ' && key[len - 1] != ' ' &&
	            !(len == 6 && !memcmp(key, "pooled", 6)) && fcvae_utf8_valid(key, len);
	for (size_t i = 0; plain && i < len; i++)
		plain = (unsigned char)key[i] >= 0x20 && key[i] != 0x7f;
	if (plain)
		fcvae_buf_add(b, key, len);
	else
		fcvae_json_add_string(b, key, len);
	int chars = 0;
	for (size_t i = start; i < b->len; i++)
		chars += ((unsigned char)b->p[i] & 0xc0) != 0x80;
	for (; chars < width; chars++)
		fcvae_buf_addc(b, ' ');
}
