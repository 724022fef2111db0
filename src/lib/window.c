/* window.c — series table, buckets, watermark, gap filling, window records, state. */
#include "window.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "timeparse.h"
#include "util.h"

/* A bucket's sum that would leave a double goes on in units of
 * 2^SUM_SCALE (2^32 - 1 values below 2^1024 each stay below 2^1024 so):
 * a mean that fits a double is found however large the sum, and so is a
 * sum that comes back (1e308 + 1e308 - 1e308). Scaling by a power of two
 * is exact but for subnormals, and a sum that never leaves a double is
 * added as before, bit for bit (state files and outputs unchanged). */
#define SUM_SCALE 32

/* An open (not yet closed) bucket of one series. */
struct obucket {
	int64_t start;
	double acc;         /* sum, max or last value, by agg */
	double comp;        /* sum, mean: Neumaier compensation, so cents add up to cents */
	uint32_t n;         /* records */
	uint32_t nvalid;    /* records with a finite value */
	int scaled;         /* sum, mean: acc and comp are in units of 2^SUM_SCALE */
	double label;       /* NaN: none */
	char *extra;        /* pass-through text of the last record */
	size_t extralen, extracap;
};

/* One series: a header, then in the same allocation the ring of values
 * (NaN = missing), with revise also per-bucket counts, labels and whether
 * the bucket's window was written, then the key. */
struct fcvae_series {
	const char *key;
	size_t keylen;
	uint64_t hash;
	int64_t next;       /* start of the next bucket to close */
	uint64_t seen;      /* buckets closed so far: windows start at W */
	int head;           /* ring slot of the newest closed bucket */
	int nopen, capopen;
	struct obucket *open;
	double *val;
	uint32_t *cnt;      /* revise: records (count) or valid values (mean) per bucket */
	double *lab;        /* revise: label per bucket, NaN = none */
	unsigned char *shown;  /* revise: the bucket's window was written (so a
	                        * revision writes it again, "revised":true) */
};

int fcvae_agg_parse(const char *s)
{
	static const char *const names[] = { "none", "count", "sum", "mean", "max", "last" };
	for (int i = 0; i < 6; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *fcvae_agg_name(int agg)
{
	static const char *const names[] = { "none", "count", "sum", "mean", "max", "last" };
	return agg >= 0 && agg < 6 ? names[agg] : "?";
}

void fcvae_window_init(fcvae_window *w, const fcvae_window_opts *o)
{
	memset(w, 0, sizeof *w);
	w->o = *o;
	if (w->o.min_samples < (uint64_t)o->window)  /* a window needs W buckets */
		w->o.min_samples = (uint64_t)o->window;
	w->ring = o->revise ? 2 * o->window : o->window;
	w->at_once = o->agg == FCVAE_AGG_NONE && !(o->lateness > 0);
	w->maxts = -INFINITY;
	w->started = NAN;
	w->frontier = INT64_MIN;
	w->nslot = 1024;
	w->slot = fcvae_xcalloc(w->nslot, sizeof *w->slot);
	w->w = fcvae_xmalloc((size_t)o->window * sizeof *w->w);
}

static void free_open(struct obucket *b)
{
	free(b->extra);
}

void fcvae_window_free(fcvae_window *w)
{
	for (size_t i = 0; i < w->n; i++) {
		for (int j = 0; j < w->s[i]->nopen; j++)
			free_open(&w->s[i]->open[j]);
		free(w->s[i]->open);
		free(w->s[i]);
	}
	free(w->s);
	free(w->slot);
	for (size_t i = 0; i < w->noff; i++)
		free(w->off[i].topic);
	free(w->off);
	free(w->w);
	fcvae_buf_free(&w->out);
}

/* ---- series table: open addressing over indices into w->s ---- */

static void rehash(fcvae_window *w)
{
	size_t mask = w->nslot * 2 - 1;
	uint32_t *slot = fcvae_xcalloc(w->nslot * 2, sizeof *slot);
	for (size_t i = 0; i < w->n; i++) {
		size_t h = w->s[i]->hash & mask;
		while (slot[h])
			h = (h + 1) & mask;
		slot[h] = (uint32_t)(i + 1);
	}
	free(w->slot);
	w->slot = slot;
	w->nslot *= 2;
}

static fcvae_series *find(const fcvae_window *w, const char *key, size_t keylen, uint64_t hash, size_t *where)
{
	size_t mask = w->nslot - 1, h = hash & mask;
	for (; w->slot[h]; h = (h + 1) & mask) {
		fcvae_series *s = w->s[w->slot[h] - 1];
		if (s->hash == hash && s->keylen == keylen && !memcmp(s->key, key, keylen))
			return s;
	}
	*where = h;
	return NULL;
}

static fcvae_series *add_series(fcvae_window *w, const char *key, size_t keylen, uint64_t hash, size_t where)
{
	size_t R = (size_t)w->ring;
	size_t sz = sizeof(fcvae_series) + R * sizeof(double) +
	            (w->o.revise ? R * (sizeof(uint32_t) + sizeof(double) + 1) : 0) + keylen + 1;
	fcvae_series *s = fcvae_xcalloc(1, sz);
	char *p = (char *)(s + 1);
	s->val = (double *)p;
	p += R * sizeof(double);
	if (w->o.revise) {
		s->lab = (double *)p;
		p += R * sizeof(double);
		s->cnt = (uint32_t *)p;
		p += R * sizeof(uint32_t);
		s->shown = (unsigned char *)p;
		p += R;
	}
	memcpy(p, key, keylen);
	p[keylen] = '\0';
	s->key = p;
	s->keylen = keylen;
	s->hash = hash;
	s->next = INT64_MIN;
	if (w->n == UINT32_MAX - 1)
		fcvae_die(FCVAE_EXIT_FAIL, "too many series");
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->s = fcvae_xrealloc(w->s, w->cap * sizeof *w->s);
	}
	w->s[w->n++] = s;
	w->slot[where] = (uint32_t)w->n;
	if (2 * w->n > w->nslot)
		rehash(w);
	return s;
}

static fcvae_series *lookup(fcvae_window *w, const char *key, size_t keylen, int create)
{
	uint64_t hash = fcvae_hash64(key, keylen, 0x66637661ull);
	size_t where;
	fcvae_series *s = find(w, key, keylen, hash, &where);
	if (!s && create)
		s = add_series(w, key, keylen, hash, where);
	return s;
}

/* ---- buckets ---- */

static int64_t bucket_of(const fcvae_window *w, double t)
{
	return (int64_t)floor(t / (double)w->o.bucket) * w->o.bucket;
}

static int slot_of(const fcvae_window *w, const fcvae_series *s, int k)  /* k = 1: newest */
{
	return ((s->head - (k - 1)) % w->ring + w->ring) % w->ring;
}

/* Close the series' next bucket with this value. */
static void push(fcvae_window *w, fcvae_series *s, double v, uint32_t cnt, double label)
{
	s->head = (s->head + 1) % w->ring;
	s->val[s->head] = v;
	if (s->cnt) {
		s->cnt[s->head] = cnt;
		s->lab[s->head] = label;
		s->shown[s->head] = 0;
	}
	s->seen++;
	s->next += w->o.bucket;
}

/* Skip over gap buckets (missing values) until next == b. */
static void gap(fcvae_window *w, fcvae_series *s, int64_t b)
{
	int64_t g = (b - s->next) / w->o.bucket;
	if (g >= w->ring) {
		for (int i = 0; i < w->ring; i++)
			s->val[i] = NAN;
		if (s->cnt)
			for (int i = 0; i < w->ring; i++)
				s->cnt[i] = 0, s->lab[i] = NAN, s->shown[i] = 0;
		s->seen += (uint64_t)g;
		s->next = b;
		return;
	}
	while (s->next < b)
		push(w, s, NAN, 0, NAN);
}

/* --max-missing: a share, compared as one (0.58 * 50 is 28.999999999999996,
 * 29 / 50 is 0.58 as parsed) */
static int too_many_missing(const fcvae_window *w, int nmiss)
{
	return (double)nmiss / w->o.window > w->o.max_missing;
}

/* Window ending at the series' k-th newest bucket (start ts), written to
 * w->out unless the series is too young (under min_samples buckets, at
 * least W: counted in seen, which holds the buckets read back and those of
 * a state loaded) or too much of it is missing;
 * revised: a late record changed the bucket, which is said when its window
 * was written before (not when this is its first: a gap bucket of agg none,
 * or a window dropped for --max-missing then). */
static void emit(fcvae_window *w, fcvae_series *s, int k, int64_t ts, double label, const char *extra,
                 size_t extralen, int revised)
{
	int W = w->o.window, nmiss = 0;
	double *x = w->w;
	if (s->seen < w->o.min_samples + (uint64_t)(k - 1))
		return;
	for (int i = 0; i < W; i++) {
		x[i] = s->val[slot_of(w, s, k + W - 1 - i)];
		nmiss += isnan(x[i]);
	}
	if (too_many_missing(w, nmiss)) {
		w->dropped += !w->quiet;
		return;
	}
	if (s->shown) {
		int i = slot_of(w, s, k);
		revised = revised && s->shown[i];
		s->shown[i] = 1;
	}
	if (w->quiet)  /* written by the member that read it */
		return;
	double value = x[W - 1];
	fcvae_buf *b = &w->out;
	fcvae_buf_adds(b, "{\"key\":");
	fcvae_json_add_string(b, s->key, s->keylen);
	char t[FCVAE_TIME_MAX];
	fcvae_time_format(t, (double)ts);
	fcvae_buf_adds(b, ",\"ts\":\"");
	fcvae_buf_adds(b, t);
	fcvae_buf_adds(b, "\",\"value\":");
	fcvae_json_add_number(b, value);
	fcvae_buf_adds(b, ",\"window\":[");
	/* gaps: linear interpolation between the observed neighbours, the
	 * value after a leading gap, the value before a trailing one */
	int prev = -1;
	for (int i = 0; i < W; i++) {
		if (isnan(x[i]))
			continue;
		/* (between values of opposite sign near the largest double the
		 * difference overflows: weighted there instead) */
		double d = prev < 0 ? 0 : x[i] - x[prev];
		for (int j = prev + 1; j < i; j++) {
			double f = (double)(j - prev) / (double)(i - prev);
			x[j] = prev < 0 ? x[i] : isfinite(d) ? x[prev] + d * f : x[prev] * (1 - f) + x[i] * f;
		}
		prev = i;
	}
	for (int j = prev + 1; j < W; j++)
		x[j] = prev < 0 ? 0 : x[prev];
	for (int i = 0; i < W; i++) {
		if (i)
			fcvae_buf_addc(b, ',');
		fcvae_json_add_number(b, x[i]);
	}
	fcvae_buf_adds(b, "],\"missing\":[");
	for (int i = 0, first = 1; i < W; i++)
		if (isnan(s->val[slot_of(w, s, k + W - 1 - i)])) {
			if (!first)
				fcvae_buf_addc(b, ',');
			fcvae_json_add_number(b, i);
			first = 0;
		}
	fcvae_buf_addc(b, ']');
	if (!isnan(label)) {
		fcvae_buf_adds(b, ",\"label\":");
		fcvae_json_add_number(b, label);
	}
	if (revised)
		fcvae_buf_adds(b, ",\"revised\":true");
	fcvae_buf_add(b, extra, extralen);
	fcvae_buf_adds(b, "}\n");
	w->windows++;
	if (w->sink && b->len >= FCVAE_WINDOW_OUT_MAX)
		w->sink(w);
}

static double maxlabel(double a, double b)
{
	return isnan(a) ? b : isnan(b) ? a : a > b ? a : b;
}

/* A bucket's sum (or mean) beyond a double is a missing value, counted. */
static double within_double(fcvae_window *w, double v)
{
	if (!isinf(v))
		return v;
	w->overflowed++;
	return NAN;
}

/* The value an open bucket closes with; an empty bucket is 0 for count
 * and sum (nothing happened) and missing otherwise. */
static double bucket_value(fcvae_window *w, const struct obucket *o)
{
	if (!o)
		return w->o.agg == FCVAE_AGG_COUNT || w->o.agg == FCVAE_AGG_SUM ? 0 : NAN;
	int e = o->scaled ? SUM_SCALE : 0;
	switch (w->o.agg) {
	case FCVAE_AGG_COUNT: return o->n;
	case FCVAE_AGG_MEAN: return o->nvalid ? within_double(w, ldexp((o->acc + o->comp) / o->nvalid, e)) : NAN;
	case FCVAE_AGG_SUM: return o->nvalid ? within_double(w, ldexp(o->acc + o->comp, e)) : NAN;
	default: return o->nvalid ? o->acc : NAN;
	}
}

static void close_bucket(fcvae_window *w, fcvae_series *s)
{
	struct obucket *o = NULL;
	for (int i = 0; i < s->nopen; i++)
		if (s->open[i].start == s->next)
			o = &s->open[i];
	int64_t ts = s->next;
	push(w, s, bucket_value(w, o), o ? (w->o.agg == FCVAE_AGG_MEAN ? o->nvalid : o->n) : 0, o ? o->label : NAN);
	emit(w, s, 1, ts, o ? o->label : NAN, o ? o->extra : "", o ? o->extralen : 0, 0);
	if (o) {
		free_open(o);
		*o = s->open[--s->nopen];
	}
}

/* The series' buckets from next to f are empty and missing (no open bucket
 * among them, an agg whose empty bucket is missing): once the next window
 * would be dropped, so would every later one of the run (each adds a
 * missing point), so count them and skip to the run's end at once rather
 * than bucket by bucket (a year of one-minute buckets is 527k). */
static void skip_missing(fcvae_window *w, fcvae_series *s, int64_t f)
{
	int W = w->o.window, nmiss = 1;
	if (w->o.agg == FCVAE_AGG_COUNT || w->o.agg == FCVAE_AGG_SUM || s->seen + 1 < (uint64_t)W)
		return;
	int64_t end = f;
	for (int i = 0; i < s->nopen; i++)
		if (s->open[i].start < end)
			end = s->open[i].start;
	if (end <= s->next)
		return;
	for (int k = 1; k < W; k++)
		nmiss += isnan(s->val[slot_of(w, s, k)]);
	if (!too_many_missing(w, nmiss))
		return;
	/* each skipped bucket's window, but those of a series still under
	 * --min-samples buckets, which would not have been written anyway */
	uint64_t n = (uint64_t)((end - s->next) / w->o.bucket), young = 0;
	if (w->o.min_samples > s->seen + 1)
		young = w->o.min_samples - s->seen - 1;
	w->dropped += (size_t)(n > young ? n - young : 0);
	gap(w, s, end);
}

/* Every empty bucket is a window for every series (count and sum: 0; the
 * others when --max-missing keeps windows of nothing but gaps), so a jump
 * in time costs a window per bucket it spans and per series. */
static int empty_buckets_emit(const fcvae_window *w)
{
	return w->o.agg == FCVAE_AGG_COUNT || w->o.agg == FCVAE_AGG_SUM || w->o.max_missing >= 1;
}

/* Close, for every series, the buckets that start before f: bucket by
 * bucket across the series (the output order), each round at the earliest
 * bucket some series still has to close. */
static void close_until(fcvae_window *w, int64_t f)
{
	int64_t c = INT64_MAX;
	for (size_t i = 0; i < w->n; i++)
		if (w->s[i]->next < c)
			c = w->s[i]->next;
	while (c < f) {
		int64_t next = INT64_MAX;
		for (size_t i = 0; i < w->n; i++) {
			fcvae_series *s = w->s[i];
			if (s->next == c) {
				close_bucket(w, s);
				if (s->next < f)
					skip_missing(w, s, f);
			}
			if (s->next < next)
				next = s->next;
		}
		c = next;
	}
	if (f > w->frontier)
		w->frontier = f;
}

static void keep_extra(struct obucket *o, const fcvae_input *in)
{
	if (o->extracap < in->extralen + 1) {
		o->extracap = in->extralen + 1;
		o->extra = fcvae_xrealloc(o->extra, o->extracap);
	}
	memcpy(o->extra, in->extra, in->extralen);
	o->extra[in->extralen] = '\0';
	o->extralen = in->extralen;
}

/* Neumaier's compensated sum */
static void add_compensated(double *acc, double *comp, double v)
{
	double t = *acc + v;
	*comp += fabs(*acc) >= fabs(v) ? (*acc - t) + v : (v - t) + *acc;
	*acc = t;
}

static void aggregate(fcvae_window *w, fcvae_series *s, int64_t b, const fcvae_input *in)
{
	/* from the newest: records mostly come in time order, and many buckets
	 * are open while the watermark waits for a run's partitions */
	struct obucket *o = NULL;
	for (int i = s->nopen - 1; i >= 0 && !o; i--)
		if (s->open[i].start == b)
			o = &s->open[i];
	if (!o) {
		if (s->nopen == s->capopen) {
			s->capopen = s->capopen ? 2 * s->capopen : 1;
			s->open = fcvae_xrealloc(s->open, (size_t)s->capopen * sizeof *s->open);
		}
		o = &s->open[s->nopen++];
		memset(o, 0, sizeof *o);
		o->start = b;
		o->label = NAN;
	}
	o->n++;
	if (isfinite(in->value)) {
		double v = in->value;
		o->nvalid++;
		switch (w->o.agg) {
		case FCVAE_AGG_SUM:
		case FCVAE_AGG_MEAN:
			if (!o->scaled) {
				double acc = o->acc, comp = o->comp;
				add_compensated(&acc, &comp, v);
				if (isfinite(acc + comp)) {
					o->acc = acc, o->comp = comp;
					break;
				}
				o->acc = ldexp(o->acc, -SUM_SCALE);
				o->comp = ldexp(o->comp, -SUM_SCALE);
				o->scaled = 1;
			}
			add_compensated(&o->acc, &o->comp, ldexp(v, -SUM_SCALE));
			break;
		case FCVAE_AGG_MAX: o->acc = o->nvalid == 1 || v > o->acc ? v : o->acc; break;
		default: o->acc = v; break;  /* last; none held for --lateness: the newest record wins */
		}
	}
	if (in->has_label)
		o->label = maxlabel(o->label, in->label);
	keep_extra(o, in);
}

/* A record for an already closed bucket k buckets back (1 = newest). */
static int late(fcvae_window *w, fcvae_series *s, int64_t b, const fcvae_input *in)
{
	int64_t k = s ? (s->next - b) / w->o.bucket : 0;
	if (!w->o.revise || !s || k > w->o.window || (uint64_t)k > s->seen) {
		w->late++;
		return 1;
	}
	int i = slot_of(w, s, (int)k);
	double v = in->value, *val = &s->val[i];
	int ok = isfinite(v);
	switch (w->o.agg) {
	case FCVAE_AGG_COUNT:
		*val = ++s->cnt[i];
		break;
	case FCVAE_AGG_SUM:
		if (ok)
			*val = within_double(w, (isnan(*val) ? 0 : *val) + v);
		break;
	case FCVAE_AGG_MEAN:
		if (ok) {
			double m = isnan(*val) ? 0 : *val, n = s->cnt[i];
			*val = (m * n + v) / (n + 1);
			if (!isfinite(*val))  /* the sum beyond a double, the mean perhaps not */
				*val = within_double(w, m / (n + 1) * n + v / (n + 1));
			s->cnt[i]++;
		}
		break;
	case FCVAE_AGG_MAX:
		if (ok && (isnan(*val) || v > *val))
			*val = v;
		break;
	default:  /* none, last: the newest record wins */
		if (ok)
			*val = v;
	}
	if (in->has_label)
		s->lab[i] = maxlabel(s->lab[i], in->label);
	w->revised++;
	emit(w, s, (int)k, b, s->lab[i], in->extra, in->extralen, 1);
	return 1;
}

static fcvae_kafka_offset *find_offset(const fcvae_window *w, const char *topic, size_t topiclen, int64_t partition)
{
	for (size_t i = 0; i < w->noff; i++) {
		fcvae_kafka_offset *o = &w->off[i];
		if (o->partition == partition && strlen(o->topic) == topiclen && !memcmp(o->topic, topic, topiclen))
			return o;
	}
	return NULL;
}

int64_t fcvae_window_next_offset(const fcvae_window *w, const char *topic, size_t topiclen, int64_t partition,
                                 double *seen)
{
	const fcvae_kafka_offset *o = find_offset(w, topic, topiclen, partition);
	*seen = o ? o->seen : NAN;
	return o ? o->offset + 1 : -1;
}

/* Kafka: whether this topic/partition offset was processed before. */
static int replayed(const fcvae_window *w, const fcvae_input *in)
{
	const fcvae_kafka_offset *o = in->topic && in->offset >= 0 ? find_offset(w, in->topic, in->topiclen, in->partition) : NULL;
	return o && in->offset <= o->offset;
}

/* Kafka: the offset is processed now; the partition's entry (made if new),
 * or NULL for a record that is no Kafka message. */
static fcvae_kafka_offset *processed(fcvae_window *w, const fcvae_input *in)
{
	if (!in->topic || in->offset < 0)
		return NULL;
	fcvae_kafka_offset *o = find_offset(w, in->topic, in->topiclen, in->partition);
	if (o) {
		if (in->offset > o->offset)
			o->offset = in->offset;
		return o;
	}
	w->off = fcvae_xrealloc(w->off, (w->noff + 1) * sizeof *w->off);
	w->off[w->noff].topic = fcvae_xmalloc(in->topiclen + 1);
	memcpy(w->off[w->noff].topic, in->topic, in->topiclen);
	w->off[w->noff].topic[in->topiclen] = '\0';
	w->off[w->noff].partition = in->partition;
	w->off[w->noff].offset = in->offset;
	w->off[w->noff].maxts = -INFINITY;
	w->off[w->noff].seen = NAN;
	return &w->off[w->noff++];
}

/* ... by a record of this run: its partition seen now */
static fcvae_kafka_offset *processed_now(fcvae_window *w, const fcvae_input *in)
{
	fcvae_kafka_offset *p = processed(w, in);
	if (p)
		p->seen = w->now;
	return p;
}

int fcvae_window_replayed(fcvae_window *w, const fcvae_input *in)
{
	if (!replayed(w, in))
		return 0;
	w->records++;
	w->replayed++;
	return 1;
}

void fcvae_window_refused(fcvae_window *w, const fcvae_input *in)
{
	processed_now(w, in);
}

/* The latest event time every source has reached: with Kafka input the
 * partition furthest behind among those still delivering (one silent for
 * partition_idle seconds, say moved to another member, holds nothing back;
 * one saved in the state counts from this run's first record), and none
 * while a run's partitions make themselves known, partition_idle seconds
 * from its first record (a topic read from its start delivers a chunk of
 * one partition, then of the next). */
static double watermark(fcvae_window *w)
{
	if (!w->noff)
		return w->maxts;
	if (isnan(w->started))
		w->started = w->now;
	if (w->now - w->started < w->o.partition_idle)
		return -INFINITY;
	double wm = INFINITY;
	for (size_t i = 0; i < w->noff; i++) {
		fcvae_kafka_offset *p = &w->off[i];
		if (isnan(p->seen))
			p->seen = w->now;
		if (isfinite(p->maxts) && !(w->now - p->seen > w->o.partition_idle) && p->maxts < wm)
			wm = p->maxts;
	}
	return wm < INFINITY ? wm : w->maxts;
}

/* Close the buckets that end by watermark wm (none while it is -inf). */
static void close_to(fcvae_window *w, double wm)
{
	if (!isfinite(wm))
		return;
	int64_t f = bucket_of(w, wm);
	if (f > w->frontier)
		close_until(w, f);
}

int fcvae_window_has(fcvae_window *w, const char *key, size_t keylen)
{
	return lookup(w, key, keylen, 0) != NULL;
}

int fcvae_window_add(fcvae_window *w, const fcvae_input *in)
{
	if (fcvae_window_replayed(w, in))
		return 1;
	/* before the time checks: another series' times are not this one's */
	if (w->o.keep && fcvae_keyset_find(w->o.keep, in->key, in->keylen) == FCVAE_KEYSET_NONE) {
		w->records++;
		w->other++;
		processed_now(w, in);
		return 0;
	}
	if (w->o.max_series && w->n >= w->o.max_series && !lookup(w, in->key, in->keylen, 0))
		return 3;
	int64_t b = bucket_of(w, in->ts);
	/* a bucket that starts before year 0 has no RFC 3339 time to be
	 * written as (a week's buckets of year 0's first days) */
	if (!fcvae_time_in_range((double)b))
		return 5;
	/* a time far ahead is almost surely a damaged record, not a real
	 * jump: taken, it would close every bucket up to it for every series,
	 * and (emitted at once) make its series' next records late */
	if (w->o.max_gap > 0 && isfinite(w->maxts) && in->ts - w->maxts > w->o.max_gap)
		return 2;
	/* the same in buckets, what such a jump costs: --max-gap alone
	 * lets a one-second bucket jump 31 million buckets */
	if (!w->at_once && w->o.max_gap_buckets > 0 && isfinite(w->maxts) && empty_buckets_emit(w) &&
	    (b - bucket_of(w, w->maxts)) / w->o.bucket > w->o.max_gap_buckets)
		return 4;
	w->records++;
	fcvae_kafka_offset *p = processed_now(w, in);
	if (w->at_once) {
		fcvae_series *s = lookup(w, in->key, in->keylen, 1);
		if (s->next == INT64_MIN)
			s->next = b;
		if (b < s->next)
			return late(w, s, b, in);
		gap(w, s, b);
		double label = in->has_label ? in->label : NAN;
		push(w, s, isfinite(in->value) ? in->value : NAN, 1, label);
		emit(w, s, 1, b, label, in->extra, in->extralen, 0);
		if (in->ts > w->maxts)
			w->maxts = in->ts;
		return 0;
	}
	fcvae_series *s = lookup(w, in->key, in->keylen, 0);
	int open = w->frontier == INT64_MIN || b >= w->frontier;
	/* a series starts at its first bucket: one that arrives out of order
	 * but is still open moves that start back, it is not late */
	if (s && b < s->next && !(s->seen == 0 && open))
		return late(w, s, b, in);
	if (!s && !open)
		return late(w, s, b, in);
	if (!s)
		s = lookup(w, in->key, in->keylen, 1);
	if (s->seen == 0 && (s->next == INT64_MIN || b < s->next))
		s->next = b;
	aggregate(w, s, b, in);
	if (p && in->ts > p->maxts)
		p->maxts = in->ts;
	if (in->ts > w->maxts)
		w->maxts = in->ts;
	close_to(w, watermark(w) - w->o.lateness);
	return 0;
}

void fcvae_window_idle(fcvae_window *w, double now, double idle)
{
	if (w->at_once || !isfinite(w->maxts))
		return;
	int64_t f = bucket_of(w, now - idle), top = bucket_of(w, w->maxts) + w->o.bucket;
	if (f > top)
		f = top;
	if (f > w->frontier)
		close_until(w, f);
}

void fcvae_window_settle(fcvae_window *w)
{
	w->started = -INFINITY;
	if (!w->at_once)
		close_to(w, watermark(w) - w->o.lateness);
}

void fcvae_window_flush(fcvae_window *w)
{
	if (w->at_once || !isfinite(w->maxts))
		return;
	int64_t f = bucket_of(w, w->maxts) + w->o.bucket;
	if (f > w->frontier)
		close_until(w, f);
}

size_t fcvae_window_open_records(const fcvae_window *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		for (int j = 0; j < w->s[i]->nopen; j++)
			n += w->s[i]->open[j].n;
	return n;
}

size_t fcvae_window_young(const fcvae_window *w)
{
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++)
		n += w->s[i]->seen < w->o.min_samples;
	return n;
}

/* ---- state ---- */

static void add_int(fcvae_buf *b, int64_t x)
{
	fcvae_buf_printf(b, "%lld", (long long)x);
}

int fcvae_window_save(const fcvae_window *w, const char *path, char *err, size_t errsize)
{
	fcvae_atomic a;
	fcvae_buf b = { 0 };
	if (fcvae_atomic_open(&a, path) < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* "series": the lines that follow, so that a file cut at a line's end
	 * is not taken for a whole one */
	fcvae_buf_printf(&b, "{\"fcvae_window_state\":1,\"agg\":\"%s\",\"bucket\":%lld,\"window\":%d,\"revise\":%s,"
	                 "\"series\":%zu,\"maxts\":", fcvae_agg_name(w->o.agg), (long long)w->o.bucket, w->o.window,
	                 w->o.revise ? "true" : "false", w->n);
	fcvae_json_add_number(&b, w->maxts);
	fcvae_buf_adds(&b, ",\"frontier\":");
	if (w->frontier == INT64_MIN)
		fcvae_buf_adds(&b, "null");
	else
		add_int(&b, w->frontier);
	fcvae_buf_adds(&b, ",\"offsets\":[");
	for (size_t i = 0; i < w->noff; i++) {
		fcvae_buf_adds(&b, i ? ",{\"topic\":" : "{\"topic\":");
		fcvae_json_add_cstring(&b, w->off[i].topic);
		fcvae_buf_printf(&b, ",\"partition\":%lld,\"offset\":%lld,\"maxts\":", (long long)w->off[i].partition,
		                 (long long)w->off[i].offset);
		fcvae_json_add_number(&b, w->off[i].maxts);
		fcvae_buf_addc(&b, '}');
	}
	fcvae_buf_adds(&b, "]}\n");
	for (size_t i = 0; i < w->n; i++) {
		const fcvae_series *s = w->s[i];
		int kept = s->seen < (uint64_t)w->ring ? (int)s->seen : w->ring;
		fcvae_buf_adds(&b, "{\"key\":");
		fcvae_json_add_string(&b, s->key, s->keylen);
		fcvae_buf_adds(&b, ",\"next\":");
		add_int(&b, s->next);
		fcvae_buf_printf(&b, ",\"seen\":%llu,\"ring\":[", (unsigned long long)s->seen);
		for (int k = kept; k >= 1; k--) {
			if (k < kept)
				fcvae_buf_addc(&b, ',');
			fcvae_json_add_number(&b, s->val[slot_of(w, s, k)]);
		}
		fcvae_buf_addc(&b, ']');
		if (s->cnt) {
			fcvae_buf_adds(&b, ",\"count\":[");
			for (int k = kept; k >= 1; k--)
				fcvae_buf_printf(&b, k < kept ? ",%u" : "%u", s->cnt[slot_of(w, s, k)]);
			fcvae_buf_adds(&b, "],\"labels\":[");
			for (int k = kept; k >= 1; k--) {
				if (k < kept)
					fcvae_buf_addc(&b, ',');
				fcvae_json_add_number(&b, s->lab[slot_of(w, s, k)]);
			}
			fcvae_buf_adds(&b, "],\"shown\":[");
			for (int k = kept; k >= 1; k--)
				fcvae_buf_printf(&b, k < kept ? ",%d" : "%d", s->shown[slot_of(w, s, k)]);
			fcvae_buf_addc(&b, ']');
		}
		fcvae_buf_adds(&b, ",\"open\":[");
		for (int j = 0; j < s->nopen; j++) {
			const struct obucket *o = &s->open[j];
			fcvae_buf_adds(&b, j ? ",{\"start\":" : "{\"start\":");
			add_int(&b, o->start);
			fcvae_buf_adds(&b, ",\"acc\":");
			fcvae_json_add_number(&b, o->acc);
			fcvae_buf_adds(&b, ",\"comp\":");
			fcvae_json_add_number(&b, o->comp);
			if (o->scaled)
				fcvae_buf_adds(&b, ",\"scaled\":true");
			fcvae_buf_printf(&b, ",\"n\":%u,\"nvalid\":%u,\"label\":", o->n, o->nvalid);
			fcvae_json_add_number(&b, o->label);
			fcvae_buf_adds(&b, ",\"extra\":");
			fcvae_json_add_string(&b, o->extra ? o->extra : "", o->extralen);
			fcvae_buf_addc(&b, '}');
		}
		fcvae_buf_adds(&b, "]}\n");
		if (b.len > (1u << 20)) {
			fcvae_buf_write(&b, a.fp);
			fcvae_buf_clear(&b);
		}
	}
	fcvae_buf_write(&b, a.fp);
	fcvae_buf_free(&b);
	if (fcvae_atomic_commit(&a) < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int num(const fcvae_json *o, const char *name, double *x)
{
	const fcvae_json *v = fcvae_json_get(o, name);
	if (!v)
		return -1;
	if (v->type == FCVAE_JSON_NULL) {
		*x = NAN;
		return 0;
	}
	if (v->type != FCVAE_JSON_NUMBER)
		return -1;
	*x = v->num;
	return 0;
}

/* The elements of a number array (null = NaN) into x[0..n); its length. */
static long numbers(const fcvae_json *a, double *x, long max)
{
	long n = 0;
	if (!a || a->type != FCVAE_JSON_ARRAY)
		return -1;
	for (const fcvae_json *e = fcvae_json_first(a); e; e = fcvae_json_next(e)) {
		if (n >= max || (e->type != FCVAE_JSON_NUMBER && e->type != FCVAE_JSON_NULL))
			return -1;
		x[n++] = e->type == FCVAE_JSON_NULL ? NAN : e->num;
	}
	return n;
}

/* Times a state may hold: years 0 to 9999, as record.c accepts. */
#define STATE_TMIN (-62167219200.0)
#define STATE_TMAX 253402300800.0

/* A whole number from lo to hi (null: NaN when nullok). */
static int whole(const fcvae_json *o, const char *name, double lo, double hi, int nullok, double *x)
{
	if (num(o, name, x) < 0)
		return -1;
	if (isnan(*x))
		return nullok ? 0 : -1;
	return *x >= lo && *x <= hi && *x == floor(*x) ? 0 : -1;
}

/* A bucket start: whole, in range, on the bucket grid. */
static int bucket_start(const fcvae_window *w, const fcvae_json *o, const char *name, int nullok, double *x)
{
	if (whole(o, name, STATE_TMIN - (double)w->o.bucket, STATE_TMAX + (double)w->o.bucket, nullok, x) < 0)
		return -1;
	return isnan(*x) || fmod(*x, (double)w->o.bucket) == 0 ? 0 : -1;
}

/* Aggregated: a bucket start this far behind the latest record would close
 * every bucket in between for every series at the next record. A state
 * never holds one unless damaged (or saved with a --lateness larger than
 * --max-gap + --lateness now, or than --max-gap-buckets buckets + --lateness),
 * so refuse it rather than hang. */
static int too_far_behind(const fcvae_window *w, double maxts, double start)
{
	double B = (double)w->o.bucket;
	if (w->at_once)
		return 0;
	return (w->o.max_gap > 0 && start < maxts - w->o.max_gap - w->o.lateness - 2 * B) ||
	       (w->o.max_gap_buckets > 0 && empty_buckets_emit(w) &&
	        start < maxts - w->o.lateness - ((double)w->o.max_gap_buckets + 2) * B);
}

static int load_header(fcvae_window *w, const fcvae_json *h, char *why, size_t size)
{
	double v, bucket, window, maxts, frontier;
	const fcvae_json *agg = fcvae_json_get(h, "agg"), *rev = fcvae_json_get(h, "revise");
	if (num(h, "fcvae_window_state", &v) < 0 || v != 1 || !agg || agg->type != FCVAE_JSON_STRING ||
	    num(h, "bucket", &bucket) < 0 || num(h, "window", &window) < 0 || num(h, "maxts", &maxts) < 0 ||
	    num(h, "frontier", &frontier) < 0 || !rev) {
		snprintf(why, size, "not an fcvae-window state file (version 1)");
		return -1;
	}
	if (fcvae_agg_parse(agg->str) != w->o.agg || bucket != (double)w->o.bucket || window != w->o.window) {
		snprintf(why, size, "saved with --agg %s --bucket %.0f --window %.0f, not --agg %s --bucket %lld --window %d",
		         agg->str, bucket, window, fcvae_agg_name(w->o.agg), (long long)w->o.bucket, w->o.window);
		return -1;
	}
	if (!(isnan(maxts) || (maxts >= STATE_TMIN && maxts < STATE_TMAX)) ||
	    bucket_start(w, h, "frontier", 1, &frontier) < 0 || (isnan(maxts) && !isnan(frontier)) ||
	    (!isnan(frontier) && (frontier > maxts + (double)w->o.bucket || too_far_behind(w, maxts, frontier)))) {
		snprintf(why, size, "damaged state: \"maxts\" or \"frontier\" out of range");
		return -1;
	}
	w->maxts = isnan(maxts) ? -INFINITY : maxts;
	w->frontier = isnan(frontier) ? INT64_MIN : (int64_t)frontier;
	const fcvae_json *offs = fcvae_json_get(h, "offsets");
	for (const fcvae_json *o = fcvae_json_first(offs); o; o = fcvae_json_next(o)) {
		const fcvae_json *t = fcvae_json_get(o, "topic");
		double p, off;
		if (!t || t->type != FCVAE_JSON_STRING || whole(o, "partition", 0, 1 << 30, 0, &p) < 0 ||
		    whole(o, "offset", 0, 0x1p53, 0, &off) < 0 || find_offset(w, t->str, t->slen, (int64_t)p)) {
			snprintf(why, size, "bad Kafka offset entry");
			return -1;
		}
		fcvae_input in = { .topic = t->str, .topiclen = t->slen, .partition = (int64_t)p, .offset = (int64_t)off };
		fcvae_kafka_offset *entry = processed(w, &in);
		/* a state of an older version has no "maxts": the partition then
		 * holds nothing back until it delivers */
		const fcvae_json *mt = fcvae_json_get(o, "maxts");
		if (mt && mt->type == FCVAE_JSON_NUMBER && mt->num >= STATE_TMIN && mt->num < STATE_TMAX)
			entry->maxts = mt->num;
		else if (mt && mt->type != FCVAE_JSON_NULL) {
			snprintf(why, size, "bad Kafka offset entry");
			return -1;
		}
	}
	return 0;
}

static int load_series(fcvae_window *w, const fcvae_json *r, char *why, size_t size)
{
	const fcvae_json *key = fcvae_json_get(r, "key");
	double next, seen;
	double *x = fcvae_xmalloc(4 * (size_t)(2 * w->o.window + 1) * sizeof *x), *cnt = x + 2 * w->o.window + 1,
	       *lab = cnt + 2 * w->o.window + 1, *shown = lab + 2 * w->o.window + 1;
	long max = 2 * w->o.window + 1;
	long n = numbers(fcvae_json_get(r, "ring"), x, max);
	int rc = -1;
	if (!key || key->type != FCVAE_JSON_STRING || bucket_start(w, r, "next", 0, &next) < 0 ||
	    whole(r, "seen", 0, 0x1p53, 0, &seen) < 0 || n < 0 || !(seen >= (double)n) || !isfinite(w->maxts) ||
	    too_far_behind(w, w->maxts, next)) {
		snprintf(why, size, "bad series entry");
		goto out;
	}
	if (lookup(w, key->str, key->slen, 0)) {
		snprintf(why, size, "series \"%s\" twice", key->str);
		goto out;
	}
	long nc = numbers(fcvae_json_get(r, "count"), cnt, max), nl = numbers(fcvae_json_get(r, "labels"), lab, max),
	     ns = numbers(fcvae_json_get(r, "shown"), shown, max);
	for (long i = 0; i < nc; i++)
		if (!(cnt[i] >= 0 && cnt[i] <= UINT32_MAX))
			nc = -1;
	fcvae_series *s = lookup(w, key->str, key->slen, 1);
	/* slots the state does not fill are missing, not 0: a state saved
	 * without --revise keeps W buckets, a ring with it holds 2W */
	for (int i = 0; i < w->ring; i++)
		s->val[i] = NAN;
	if (s->lab)
		for (int i = 0; i < w->ring; i++)
			s->lab[i] = NAN;
	long from = n > w->ring ? n - w->ring : 0;
	s->next = (int64_t)next - (int64_t)(n - from) * w->o.bucket;
	for (long i = from; i < n; i++) {
		push(w, s, x[i], nc == n ? (uint32_t)cnt[i] : !isnan(x[i]), nl == n ? lab[i] : NAN);
		/* a state from before "shown": every window was written, as
		 * revisions then said */
		if (s->shown)
			s->shown[s->head] = ns == n ? shown[i] != 0 : 1;
	}
	s->seen = (uint64_t)seen;
	for (const fcvae_json *o = fcvae_json_first(fcvae_json_get(r, "open")); o; o = fcvae_json_next(o)) {
		double start, acc, comp, nr, nv, label;
		const fcvae_json *e = fcvae_json_get(o, "extra"), *sc = fcvae_json_get(o, "scaled");
		/* agg none writes each record's window at once: nothing would
		 * ever close these */
		if (w->at_once) {
			snprintf(why, size, "saved with --lateness (records held in open buckets): resume with --lateness");
			goto out;
		}
		if (bucket_start(w, o, "start", 0, &start) < 0 || num(o, "acc", &acc) < 0 || num(o, "comp", &comp) < 0 ||
		    whole(o, "n", 0, UINT32_MAX, 0, &nr) < 0 || whole(o, "nvalid", 0, nr, 0, &nv) < 0 ||
		    num(o, "label", &label) < 0 || !e || e->type != FCVAE_JSON_STRING ||
		    (sc && sc->type != FCVAE_JSON_TRUE && sc->type != FCVAE_JSON_FALSE) ||
		    /* (one before the series' next bucket would never close) */
		    (int64_t)start < s->next) {
			snprintf(why, size, "bad open bucket of \"%s\"", key->str);
			goto out;
		}
		fcvae_input in = { .value = NAN, .extra = e->str, .extralen = e->slen };
		aggregate(w, s, (int64_t)start, &in);
		struct obucket *ob = &s->open[s->nopen - 1];
		ob->acc = acc;
		ob->comp = comp;
		ob->scaled = sc && sc->type == FCVAE_JSON_TRUE;
		ob->n = (uint32_t)nr;
		ob->nvalid = (uint32_t)nv;
		ob->label = label;
	}
	rc = 0;
out:
	free(x);
	return rc;
}

int fcvae_window_load(fcvae_window *w, const char *path, char *err, size_t errsize)
{
	fcvae_lines l;
	fcvae_json_parser p;
	char why[200];
	int rc, status = 0;
	if (fcvae_lines_open(&l, path) < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	l.max = (size_t)1 << 30;  /* our own file: a series line holds its window and open buckets */
	fcvae_json_parser_init(&p);
	double series = -1;  /* the header's count (a state of an older version has none) */
	while ((rc = fcvae_lines_read(&l, -1)) == 1) {
		const fcvae_json *r = fcvae_json_parse(&p, l.line, l.len);
		if (!r)
			snprintf(why, sizeof why, "%s", p.err);
		if (!r || (l.lineno == 1 ? load_header(w, r, why, sizeof why) : load_series(w, r, why, sizeof why)) < 0) {
			snprintf(err, errsize, "%s line %zu: %s", path, l.lineno, why);
			status = -1;
			break;
		}
		if (l.lineno == 1 && fcvae_json_get(r, "series") && whole(r, "series", 0, 0x1p53, 0, &series) < 0) {
			snprintf(err, errsize, "%s line 1: damaged state: bad \"series\"", path);
			status = -1;
			break;
		}
	}
	if (rc < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		status = -1;
	} else if (status == 0 && l.lineno == 0) {
		snprintf(err, errsize, "%s: empty state file", path);
		status = -1;
	} else if (status == 0 && series >= 0 && (double)(l.lineno - 1) != series) {
		snprintf(err, errsize, "%s: damaged state: %zu series, its first line says %.0f (cut short?)", path,
		         l.lineno - 1, series);
		status = -1;
	}
	fcvae_json_parser_free(&p);
	fcvae_lines_close(&l);
	return status;
}
