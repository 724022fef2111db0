/* fcvae-score.c — score window records with each series' FCVAE model (MCMC mode 2, SPEC §3). */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "model.h"
#include "modeldir.h"
#include "record.h"
#include "safetensors.h"
#include "scaler.h"
#include "score.h"
#include "timeparse.h"
#include "prom.h"
#include "util.h"

/* What tells one version of a file from another: a replacement by rename
 * has another inode, a rewrite in place another size or change time. */
typedef struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
} file_version;

/* One model file in use, with its pending batch. */
typedef struct {
	char *path;
	const char *name;   /* file name, for the "model" field */
	fcvae_model *m;     /* NULL: the file did not load (and is not the first look) */
	fcvae_scorer *sc;
	double *raw;        /* (batch, W) raw values, NaN where missing */
	unsigned char *miss;
	uint64_t *stream;
	fcvae_score_result *res;
	int n;              /* windows pending */
	file_version version;  /* of the file m came from */
	file_version refused;  /* the last that did not load (zero: the file was gone), not tried again */
	uint32_t checked;      /* when the file was last looked at (due()) */
	int told_nan;          /* a score that is not a number was said, for this model */
} model_slot;

/* A series seen in --models mode and its model (NULL: it has none). One
 * allocation, key included: a stream of a million unknown keys is a million
 * of these (see --max-series). */
typedef struct {
	model_slot *ms;
	uint32_t keylen;    /* take() refuses longer keys */
	uint32_t checked;   /* without a model: when its file was last looked for (due()) */
	char key[];
} series;

/* A record waiting for its batch to be scored, in input order. */
typedef struct {
	model_slot *ms;
	int row;
	int last_missing;
	size_t off, len;    /* its passthrough members in pass_text */
	size_t koff, klen;  /* its series key in key_text, for --prom */
	double ts;
} pending;

static struct {
	const char *model_file, *models_dir;
	int has_threshold;
	double threshold;
	double band;
	fcvae_score_opts score;
	int batch;
	int keep_window;
	int strict;
	const char *prom;
	size_t max_line;
	size_t max_series;
	uint32_t recheck_ms;   /* --recheck; 0: never */
} opt = {.band = 3, .score = {.iterations = 10, .samples = 16, .seed = 0}, .batch = 256, .max_line = FCVAE_MAX_LINE,
         .max_series = 1000000, .recheck_ms = 10000};

static struct {
	size_t scored, anomalies;
	size_t nan;   /* scores that were not a number */
	size_t prom_failed;   /* --prom writes that failed (a full disk): said, not fatal */
	fcvae_rejects rejects;
} stats;

static model_slot **slots;
static int nslots;
static series **table;         /* open addressing, size tcap (a power of two) */
static size_t tcap, tcount;
static pending *pend;
static int npend;
static fcvae_buf pass_text, key_text, out;
static fcvae_prom prom;
static size_t records_read;
static fcvae_json_parser parser;
static fcvae_buf model_path;   /* a model file's name, made again when needed rather than kept per series */

/* Fields fcvae-score writes: an input's own copies are replaced, not repeated. */
static const char *const own_fields[] = {"score", "threshold", "anomaly", "expected", "lower", "upper", "model"};

static const char usage_text[] =
	"usage: fcvae-score (--model FILE | --models DIR) [options] [FILE...]\n"
	"Score window records (NDJSON, from fcvae-window) with FCVAE, MCMC mode 2.\n"
	"  -m, --model FILE      one model for every series\n"
	"  -M, --models DIR      DIR/KEY.safetensors per series, '/' in KEY as '_'\n"
	"                        (then with '-' removed: Accel/no-pin -> Accel_nopin)\n"
	"  -t, --threshold X     anomaly when score < X (default: the model's)\n"
	"  -k, --band K          lower/upper = expected -/+ K sigma (default 3, at most 1000)\n"
	"  -i, --iterations N    refinement passes (default 10)\n"
	"  -n, --samples N       decoder samples per score (default 16)\n"
	"  -1, --single-pass     no refinement (--iterations 0)\n"
	"  -s, --seed N          noise seed (default 0)\n"
	"  -b, --batch N         windows scored together at most (default 256)\n"
	"  -w, --keep-window     keep the \"window\" field in the output\n"
	"      --prom FILE       keep a Prometheus node-exporter textfile of each\n"
	"                        series' last score, threshold, anomaly and bucket\n"
	"                        time, and the record counters (atomic writes)\n"
	"      --max-series N    series kept at most (default 1000000): with --models,\n"
	"                        records of new series beyond N are refused; with\n"
	"                        --model, --prom leaves new series beyond N out\n"
	"      --recheck S       look again at most every S seconds for the model file\n"
	"                        of a series without one, and for a changed model file\n"
	"                        to load (default 10; 0: never)\n"
	"      --max-line N      " FCVAE_MAX_LINE_HELP
	"      --strict          stop at the first bad record (exit 3)\n"
	"  -h, --help            this text\n"
	"      --version         program version\n";

static void flush(void);
static void prom_write(double min_interval);
static void summary(void);
static _Noreturn void finish(int code);

/* A series key for a message: a JSON string, so that a NUL in it cannot cut
 * it short nor a newline forge a line, of its first 80 bytes (not cutting a
 * UTF-8 character) and "..." when it is longer. One key per message. */
static const char *key_shown(const char *key, size_t len)
{
	static fcvae_buf b;
	size_t n = len;
	if (n > 80)
		for (n = 80; n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80; n--)
			;
	fcvae_buf_clear(&b);
	fcvae_json_add_string(&b, key, n);
	if (n < len)
		fcvae_buf_adds(&b, "...");
	return b.p;
}
/* The input being read: where a model that does not load was needed. */
static const fcvae_lines *cur_in;

static uint32_t now_ms(void)
{
	return (uint32_t)(uint64_t)(fcvae_monotonic() * 1000);
}

/* Whether a file last looked at at *at is due for another look (--recheck);
 * if so, *at becomes now. Milliseconds in 32 bits compared by difference:
 * a wrap (49 days without a look) delays a look by an interval at most. */
static int due(uint32_t *at)
{
	if (!opt.recheck_ms)
		return 0;
	uint32_t now = now_ms();
	if ((uint32_t)(now - *at) < opt.recheck_ms)
		return 0;
	*at = now;
	return 1;
}

/* 0, or -1 with errno and *v all zero when path cannot be looked at. */
static int file_version_of(const char *path, file_version *v)
{
	struct stat st;
	memset(v, 0, sizeof *v);
	if (stat(path, &st) < 0)
		return -1;
	*v = (file_version){st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
	return 0;
}

static int same_version(const file_version *a, const file_version *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Load s->path into s, in place of its model if it has one: 0, or -1 with
 * the loader's message in err, s's model unchanged and the version that
 * failed in s->refused. */
static int slot_load(model_slot *s, char *err, size_t errlen)
{
	file_version v;
	s->checked = now_ms();
	/* the version before the contents: a file replaced while it is read is
	 * seen as changed at the next look, and read again */
	if (file_version_of(s->path, &v) < 0) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		s->refused = v;
		return -1;
	}
	fcvae_model *m = fcvae_model_load(s->path, err, errlen);
	if (!m) {
		s->refused = v;
		return -1;
	}
	if (s->n) /* its pending windows were checked against the old model */
		flush();
	if (s->m) {
		fcvae_scorer_free(s->sc);
		fcvae_model_free(s->m);
		free(s->raw);
		free(s->miss);
		free(s->stream);
		free(s->res);
	}
	size_t W = (size_t)m->cfg.window, B = (size_t)opt.batch;
	s->m = m;
	s->sc = fcvae_scorer_new(m, opt.batch);
	s->raw = fcvae_xmalloc(B * W * sizeof *s->raw);
	s->miss = fcvae_xmalloc(B * W);
	s->stream = fcvae_xmalloc(B * sizeof *s->stream);
	s->res = fcvae_xmalloc(B * sizeof *s->res);
	s->version = s->refused = v; /* nothing refused since */
	s->told_nan = 0;
	if (!m->has_threshold && !opt.has_threshold)
		fcvae_warn("%s has no threshold: its records are scored but never marked anomalous "
		           "(calibrate it with fcvae-calibrate, or give --threshold)", s->path);
	return 0;
}

/* The slot of a model file, loaded when new. A file that does not load is
 * fatal at start and at the first record of its series (key: a mistake to
 * see at once; the records read before are written first), but not when it
 * appears while records stream: it may be caught half copied, and the slot
 * waits without a model for it to change. */
static model_slot *slot_open(const char *path, int fatal, const char *key, size_t keylen)
{
	char err[512];
	for (int i = 0; i < nslots; i++)
		if (!strcmp(slots[i]->path, path))
			return slots[i];
	model_slot *s = fcvae_xcalloc(1, sizeof *s);
	s->path = fcvae_xstrdup(path);
	s->name = strrchr(s->path, '/') ? strrchr(s->path, '/') + 1 : s->path;
	if (slot_load(s, err, sizeof err) < 0) {
		if (fatal && key && cur_in) {
			char where[4200];
			fcvae_lines_where(cur_in, where, sizeof where);
			fcvae_warn("%s: series %s: %s", where, key_shown(key, keylen), err);
			finish(FCVAE_EXIT_FAIL);
		}
		if (fatal)
			fcvae_die(FCVAE_EXIT_FAIL, "%s", err);
		fcvae_warn("%s; its series are not scored until the file changes", err);
	}
	slots = fcvae_xrealloc(slots, (size_t)(nslots + 1) * sizeof *slots);
	slots[nslots++] = s;
	return s;
}

/* Another look at a slot's file: a new version replaces the model; one
 * that does not load, or a file gone, leaves the model as it was and is
 * said once. */
static void slot_recheck(model_slot *s)
{
	char err[512];
	file_version v;
	const char *then = s->m ? "keeping the model loaded before" : "its series are not scored until the file changes";
	if (file_version_of(s->path, &v) < 0) {
		if (!same_version(&v, &s->refused))
			fcvae_warn("%s: %s; %s", s->path, strerror(errno), then);
		s->refused = v;
		return;
	}
	if (same_version(&v, &s->version) || same_version(&v, &s->refused))
		return;
	int had = s->m != NULL;
	if (slot_load(s, err, sizeof err) < 0)
		fcvae_warn("%s; %s", err, then);
	else
		fcvae_warn("%s: %s", s->path, had ? "changed, loaded again" : "a valid model now, loaded");
}

/* The series of a key in --models mode, its model loaded when it has one
 * (modeldir.h says which file); NULL when the key is new and the table
 * holds --max-series series already. */
static series *lookup(const char *key, size_t keylen)
{
	if (tcount * 2 >= tcap) {
		size_t ncap = tcap ? tcap * 2 : 64;
		series **nt = fcvae_xcalloc(ncap, sizeof *nt);
		for (size_t i = 0; i < tcap; i++)
			if (table[i]) {
				size_t j = fcvae_hash64(table[i]->key, table[i]->keylen, 0) & (ncap - 1);
				while (nt[j])
					j = (j + 1) & (ncap - 1);
				nt[j] = table[i];
			}
		free(table);
		table = nt;
		tcap = ncap;
	}
	size_t j = fcvae_hash64(key, keylen, 0) & (tcap - 1);
	while (table[j]) {
		if (table[j]->keylen == keylen && !memcmp(table[j]->key, key, keylen))
			return table[j];
		j = (j + 1) & (tcap - 1);
	}
	if (tcount >= opt.max_series)
		return NULL;
	series *s = fcvae_xmalloc(sizeof *s + keylen + 1);
	memcpy(s->key, key, keylen);
	s->key[keylen] = '\0';
	s->keylen = (uint32_t)keylen;
	s->checked = now_ms();
	/* a file that cannot be looked at is opened as one that does not
	 * load: its error is said, fatal as a model that does not load */
	s->ms = fcvae_modeldir_find(&model_path, opt.models_dir, key, keylen) != -1
	                ? slot_open(model_path.p, 1, s->key, keylen)
	                : NULL;
	table[j] = s;
	tcount++;
	return s;
}

/* Why a record is bad: a short reason to count it under, and a message. */
static const char *reason;

static int bad(char *why, size_t n, const char *what, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(char *why, size_t n, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	reason = what;
	return -1;
}

static int own_field(const fcvae_json *m)
{
	for (size_t i = 0; i < sizeof own_fields / sizeof *own_fields; i++)
		if (fcvae_json_key_is(m, own_fields[i]))
			return 1;
	return 0;
}

/* Check one record and queue it in its model's batch; -1 and why if bad. */
static int take(const char *line, size_t len, char *why, size_t whylen)
{
	const fcvae_json *r = fcvae_json_parse(&parser, line, len);
	if (!r)
		return bad(why, whylen, "not JSON", "not JSON: %s%s", parser.err,
		           fcvae_looks_csv(line, len) ? " (CSV? fcvae-score reads fcvae-window's output)" : "");
	if (r->type != FCVAE_JSON_OBJECT)
		return bad(why, whylen, "not JSON", "not a JSON object");
	const fcvae_json *key = fcvae_json_get(r, "key");
	if (!key || key->type != FCVAE_JSON_STRING)
		return bad(why, whylen, "bad key", "\"key\" is missing or not a string");
	const fcvae_json *ts = fcvae_json_get(r, "ts");
	double t = NAN;
	if (ts && ts->type == FCVAE_JSON_STRING && fcvae_time_parse(ts->str, ts->slen, &t) < 0)
		t = NAN;
	else if (ts && ts->type == FCVAE_JSON_NUMBER)
		t = ts->num;
	if (!isfinite(t))
		return bad(why, whylen, "bad ts", "\"ts\" is missing or not a time");
	if (!fcvae_time_in_range(t)) /* beyond year 9999: no noise key of its own */
		return bad(why, whylen, "bad ts", "\"ts\" is out of range (years 0 to 9999)");
	const fcvae_json *win = fcvae_json_get(r, "window");
	if (!win || win->type != FCVAE_JSON_ARRAY)
		return bad(why, whylen, "bad window", "\"window\" is missing or not an array%s",
		           fcvae_json_get(r, "window") ? "" : " (is this fcvae-window output?)");

	model_slot *ms;
	if (opt.model_file)
		ms = slots[0];
	else {
		if (key->slen > UINT32_MAX) /* only with --max-line beyond 4 GiB */
			return bad(why, whylen, "bad key", "\"key\" is longer than 4 GiB");
		series *s = lookup(key->str, key->slen);
		if (!s)
			return bad(why, whylen, "too many series", "a new series beyond %zu (see --max-series)",
			           opt.max_series);
		/* a file put there since the series' last look (stat, not per record) */
		if (!s->ms && due(&s->checked) &&
		    fcvae_modeldir_find(&model_path, opt.models_dir, key->str, key->slen) != -1) {
			s->ms = slot_open(model_path.p, 0, NULL, 0);
			if (s->ms->m)
				fcvae_warn("%s: series %s had no model until now, scored from here on", s->ms->path,
				           key_shown(key->str, key->slen));
		}
		if (!s->ms) {
			/* the name the message gives, without a look at the disk */
			fcvae_modeldir_path(&model_path, opt.models_dir, key->str, key->slen, 0);
			return bad(why, whylen, "no model", "series %s: no model for this series (no %s)",
			           key_shown(key->str, key->slen), model_path.p);
		}
		ms = s->ms;
	}
	if (due(&ms->checked))
		slot_recheck(ms);
	if (!ms->m)
		return bad(why, whylen, "invalid model", "series %s: %s is not a valid model (see above)",
		           key_shown(key->str, key->slen), ms->path);
	const int W = ms->m->cfg.window;
	if (win->n != (uint32_t)W)
		return bad(why, whylen, "wrong window length", "\"window\" has %u points, %s needs %d", win->n, ms->name, W);

	double *raw = ms->raw + (size_t)ms->n * W;
	unsigned char *miss = ms->miss + (size_t)ms->n * W;
	int i = 0;
	for (const fcvae_json *e = fcvae_json_first(win); e; e = fcvae_json_next(e), i++) {
		/* NaN, ±inf and null are missing points (SPEC §10), never numbers */
		if (e->type == FCVAE_JSON_NUMBER && isfinite(e->num)) {
			raw[i] = e->num;
			miss[i] = 0;
		} else if (e->type == FCVAE_JSON_NUMBER || e->type == FCVAE_JSON_NULL) {
			raw[i] = NAN;
			miss[i] = 1;
		} else
			return bad(why, whylen, "bad window", "\"window\" point %d is not a number", i);
	}
	const fcvae_json *mi = fcvae_json_get(r, "missing");
	if (mi && mi->type != FCVAE_JSON_NULL) {
		if (mi->type != FCVAE_JSON_ARRAY)
			return bad(why, whylen, "bad missing", "\"missing\" is not an array");
		for (const fcvae_json *e = fcvae_json_first(mi); e; e = fcvae_json_next(e)) {
			if (e->type != FCVAE_JSON_NUMBER || !(e->flags & FCVAE_JSON_INTEGER) || e->num < 0 || e->num >= W)
				return bad(why, whylen, "bad missing", "\"missing\" holds %.*s, not a point index from 0 to %d",
				           (int)(e->len < 40 ? e->len : 40), e->src, W - 1);
			miss[(int)e->num] = 1;
		}
	}

	/* the noise key: the series and its bucket time in milliseconds */
	ms->stream[ms->n] = fcvae_score_stream(key->str, key->slen, llround(t * 1000));
	size_t off = pass_text.len;
	int first = 1;
	for (const fcvae_json *m = fcvae_json_first(r); m; m = fcvae_json_next(m)) {
		if ((!opt.keep_window && fcvae_json_key_is(m, "window")) || own_field(m))
			continue;
		fcvae_buf_addc(&pass_text, first ? '{' : ',');
		first = 0;
		fcvae_buf_add(&pass_text, m->keysrc, m->keysrclen);
		fcvae_buf_addc(&pass_text, ':');
		fcvae_json_add_source(&pass_text, m);
	}
	if (first)
		fcvae_buf_addc(&pass_text, '{');
	pend[npend++] = (pending){ms, ms->n, miss[W - 1], off, pass_text.len - off, key_text.len, key->slen, t};
	fcvae_buf_add(&key_text, key->str, key->slen);
	ms->n++;
	return 0;
}

/* ,"name":v with v in the input's units, x its standardised value: the
 * model computes in floats of standardised units, so v is known to a
 * fraction of a standard deviation, not to a float of raw units (a series
 * near 1e12 with std 900: floats there are 65536 apart). Written as a float
 * when that is within 1e-4 standard deviations of v (every series of usual
 * magnitude: 1871.3, not 1871.300048828125), else as the shortest text
 * within that. */
static void add_raw(fcvae_buf *b, const char *name, const fcvae_model *m, double v, double x)
{
	double tol = fabs(fcvae_model_raw(m, x + 5e-5) - fcvae_model_raw(m, x - 5e-5)) / 2;
	fcvae_buf_addc(b, ',');
	fcvae_json_add_key(b, name);
	if (fabs((double)(float)v - v) <= tol)
		fcvae_json_add_float(b, (float)v);
	else
		fcvae_json_add_near(b, v, tol);
}

/* -FLT_MAX as written: what a score beyond a float, or not a number, becomes. */
static const char *lowest_text(void)
{
	static char text[FCVAE_JSON_NUMBER_MAX];
	if (!*text)
		fcvae_json_format_float(text, -FLT_MAX);
	return text;
}

/* A score that is not a number: counted, and said once per model (its
 * cause is the model's, whichever series meets it first). */
static void said_nan(const pending *p, const fcvae_score_result *r)
{
	stats.nan++;
	if (p->ms->told_nan)
		return;
	p->ms->told_nan = 1;
	char ts[FCVAE_TIME_MAX];
	fcvae_time_format(ts, p->ts);
	fcvae_warn("%s: series %s, bucket %s: the score is not a number (%s): written as %s, below any threshold "
	           "(said once for this model)",
	           p->ms->path, key_shown(key_text.p + p->koff, p->klen), ts,
	           r->sd == 0 ? "the decoder's variance is 0" : "the model's output is not a number", lowest_text());
}

/* Score every pending batch and write the records in input order. */
static void flush(void)
{
	/* the counts as written so far: the summary after a write error
	 * counts what reached the output, not this batch */
	size_t scored0 = stats.scored, anomalies0 = stats.anomalies, nan0 = stats.nan;
	for (int i = 0; i < nslots; i++) {
		model_slot *s = slots[i];
		if (s->n)
			fcvae_score_batch(s->sc, &opt.score, s->raw, s->miss, s->stream, s->n, s->res);
	}
	fcvae_buf_clear(&out);
	for (int i = 0; i < npend; i++) {
		const pending *p = &pend[i];
		const fcvae_model *m = p->ms->m;
		const fcvae_score_result *r = &p->ms->res[p->row];
		int has_thr = opt.has_threshold || m->has_threshold;
		double thr = opt.has_threshold ? opt.threshold : m->threshold;
		/* a window whose newest point is a gap says nothing about that hour;
		 * the verdict is on the score as written (the shortest text of the
		 * float, read back as a double), so a reader's score < threshold
		 * agrees with it. A score beyond the range of a float, or not a
		 * number, is written as fcvae_score_finite() makes it, ±FLT_MAX,
		 * and judged as the infinity it is: below any threshold, or above.
		 * Not a number is said (once per model: the model is the cause) */
		char text[FCVAE_JSON_NUMBER_MAX];
		float f = (float)fcvae_score_finite(r->score);
		int beyond = !isfinite((float)r->score);
		if (isnan(r->score))
			said_nan(p, r);
		size_t tlen = fcvae_json_format_float(text, f);
		double score = f;
		if (!beyond && fabs(score - thr) <= 1e-6 * fabs(score)) /* only so near can the two differ */
			score = strtod(text, NULL);
		int anomaly = has_thr && !p->last_missing && (beyond ? f < 0 : score < thr);
		fcvae_buf_add(&out, pass_text.p + p->off, p->len);
		/* pass_text holds "{" and the members: score comes first after them */
		fcvae_buf_adds(&out, p->len > 1 ? ",\"score\":" : "\"score\":");
		fcvae_buf_add(&out, text, tlen);
		fcvae_buf_adds(&out, ",\"threshold\":");
		if (has_thr)
			fcvae_json_add_number(&out, thr);
		else
			fcvae_buf_adds(&out, "null");
		fcvae_buf_adds(&out, anomaly ? ",\"anomaly\":true" : ",\"anomaly\":false");
		double lo, hi;
		fcvae_model_band(m, r->mu, r->sd, opt.band, &lo, &hi);
		add_raw(&out, "expected", m, r->expected, r->mu);
		add_raw(&out, "lower", m, lo, r->mu - opt.band * r->sd);
		add_raw(&out, "upper", m, hi, r->mu + opt.band * r->sd);
		fcvae_buf_adds(&out, ",\"model\":");
		fcvae_json_add_cstring(&out, p->ms->name);
		fcvae_buf_adds(&out, "}\n");
		stats.scored++;
		stats.anomalies += anomaly;
		if (opt.prom && fcvae_prom_set(&prom, key_text.p + p->koff, p->klen, p->ts, score, has_thr ? thr : NAN,
		                               anomaly) < 0 && prom.left_out == 1)
			fcvae_warn("%s lists %zu series already (see --max-series): new series are scored but left out of it",
			           opt.prom, prom.max);
	}
	for (int i = 0; i < nslots; i++)
		slots[i]->n = 0;
	npend = 0;
	fcvae_buf_clear(&pass_text);
	fcvae_buf_clear(&key_text);
	if (fcvae_buf_write(&out, stdout) < 0 || fflush(stdout) != 0) {
		fcvae_warn("write error on standard output:");
		stats.scored = scored0;
		stats.anomalies = anomalies0;
		stats.nan = nan0;
		prom_write(0);
		summary();
		exit(FCVAE_EXIT_FAIL);
	}
}

/* --prom: at most every PROM_EVERY seconds, when input pauses (a live
 * stream's newest state) and while it streams, and at exit (0: at once). */
#define PROM_EVERY 1.0
static void prom_write(double min_interval)
{
	if (!opt.prom)
		return;
	fcvae_prom_counts c = {records_read, stats.scored, stats.anomalies, stats.rejects.total};
	if (fcvae_prom_write(&prom, &c, min_interval) < 0) {
		stats.prom_failed++;
		fcvae_warn("cannot write %s:", opt.prom);
	}
}

static void summary(void)
{
	char rej[512];
	fcvae_rejects_format(&stats.rejects, rej, sizeof rej);
	char nan[128] = "", prom_failed[64] = "";
	if (stats.nan)
		snprintf(nan, sizeof nan, " (%zu score%s not a number, written as %s)", stats.nan,
		         stats.nan == 1 ? "" : "s", lowest_text());
	if (stats.prom_failed)
		snprintf(prom_failed, sizeof prom_failed, "; %zu write%s of --prom failed", stats.prom_failed,
		         stats.prom_failed == 1 ? "" : "s");
	fcvae_warn("%zu record%s scored, %zu anomalous%s%s%s%s", stats.scored, stats.scored == 1 ? "" : "s",
	           stats.anomalies, nan, *rej ? "; " : "", rej, prom_failed);
}

/* Every end once records are read, the input's or an error's or a stop
 * signal's: what was read is scored and written, the --prom file too, and
 * the summary said. A stop signal ends as killed by it. */
static _Noreturn void finish(int code)
{
	flush();
	prom_write(0);
	summary();
	if (code == FCVAE_EXIT_OK)
		fcvae_stop_exit(fcvae_stop_due(0, 0));
	exit(code);
}

/* How long a read may wait (ms, -1 for ever): not at all with windows
 * pending, until --prom's second is up with records it has not seen. */
static int read_timeout(size_t in_prom)
{
	if (npend)
		return 0;
	if (!opt.prom || in_prom == records_read)
		return -1;
	double left = prom.last_write + PROM_EVERY - fcvae_monotonic();
	return left > 0 ? (int)ceil(left * 1000) : 0;
}

/* Read one input to its end ("-" is standard input). */
static void score_input(const char *file)
{
	fcvae_lines in;
	char why[512];
	int rc;
	if (fcvae_lines_open(&in, file) < 0) {
		fcvae_warn("%s:", file);
		finish(FCVAE_EXIT_FAIL); /* the records of the inputs before are written */
	}
	in.max = opt.max_line;
	cur_in = &in;
	/* with work pending, only look: a quiet input flushes it. With
	 * records read since --prom was written (a rejected one leaves
	 * nothing pending, nor does a full batch flushed within its second),
	 * wait until its second is up: a trickle of records rewrites it once
	 * a second, not at each pause. A stop signal ends the input: what
	 * was read before it is scored */
	size_t in_prom = records_read;
	while ((rc = fcvae_lines_read(&in, read_timeout(in_prom))) != 0) {
		if (rc == 2) {
			flush();
			if (opt.prom && in_prom != records_read && read_timeout(in_prom) == 0) {
				prom_write(0);
				in_prom = records_read;
			}
			continue;
		}
		if (rc < 0) {
			fcvae_warn("%s: read error:", file);
			finish(FCVAE_EXIT_FAIL);
		}
		if (fcvae_lines_blank(&in))
			continue;
		records_read++;
		if (in.toolong || take(in.line, in.len, why, sizeof why) < 0) {
			if (!fcvae_reject_toolong(&stats.rejects, &in))
				fcvae_reject(&stats.rejects, &in, reason, "%s", why);
			if (opt.strict) /* what came before the bad line is still written */
				finish(FCVAE_EXIT_DATA);
		}
		if (npend == opt.batch) {
			flush();
			prom_write(PROM_EVERY);
		}
	}
	if (fcvae_stop_signal)
		finish(FCVAE_EXIT_OK);
	fcvae_lines_close(&in);
	cur_in = NULL;
}

int main(int argc, char **argv)
{
	enum { OPT_STRICT = 256, OPT_PROM, OPT_MAXLINE, OPT_MAXSERIES, OPT_RECHECK, OPT_VERSION };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"models", required_argument, NULL, 'M'},
		{"threshold", required_argument, NULL, 't'},
		{"band", required_argument, NULL, 'k'},
		{"iterations", required_argument, NULL, 'i'},
		{"samples", required_argument, NULL, 'n'},
		{"single-pass", no_argument, NULL, '1'},
		{"seed", required_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},
		{"keep-window", no_argument, NULL, 'w'},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"prom", required_argument, NULL, OPT_PROM},
		{"max-line", required_argument, NULL, OPT_MAXLINE},
		{"max-series", required_argument, NULL, OPT_MAXSERIES},
		{"recheck", required_argument, NULL, OPT_RECHECK},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	fcvae_start(argv);
	int c;
	while ((c = getopt_long(argc, argv, "m:M:t:k:i:n:1s:b:wh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': opt.model_file = optarg; break;
		case 'M': opt.models_dir = optarg; break;
		case 't':
			opt.threshold = fcvae_parse_double("--threshold", optarg);
			opt.has_threshold = 1;
			break;
		case 'k':
			opt.band = fcvae_parse_double("--band", optarg);
			/* wider says nothing and is surely a slip: 1e308 made lower
			 * and upper infinite, written null */
			if (!(opt.band >= 0 && opt.band <= 1000))
				fcvae_die(FCVAE_EXIT_USAGE, "--band: '%s' must be a number from 0 to 1000", optarg);
			break;
		case 'i': opt.score.iterations = (int)fcvae_parse_long("--iterations", optarg, 0, 10000); break;
		case 'n': opt.score.samples = (int)fcvae_parse_long("--samples", optarg, 1, 1000000); break;
		case '1': opt.score.iterations = 0; break;
		case 's': opt.score.seed = (uint64_t)fcvae_parse_long("--seed", optarg, 0, INT64_MAX); break;
		case 'b': opt.batch = (int)fcvae_parse_long("--batch", optarg, 1, 65536); break;
		case 'w': opt.keep_window = 1; break;
		case OPT_PROM: opt.prom = optarg; break;
		case OPT_MAXLINE: opt.max_line = fcvae_parse_max_line(optarg); break;
		case OPT_MAXSERIES: opt.max_series = (size_t)fcvae_parse_long("--max-series", optarg, 1, 1L << 32); break;
		case OPT_RECHECK: {
			double sec = fcvae_parse_double("--recheck", optarg);
			if (!(sec >= 0 && sec <= 86400))
				fcvae_die(FCVAE_EXIT_USAGE, "--recheck: '%s' must be seconds from 0 to 86400", optarg);
			opt.recheck_ms = (uint32_t)ceil(sec * 1000);
			break;
		}
		case OPT_STRICT: opt.strict = 1; break;
		case 'h':
			fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case OPT_VERSION: fcvae_version();
		default:
			fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (!opt.model_file == !opt.models_dir) {
		fcvae_warn("give one of --model FILE or --models DIR");
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	if (!isfinite(opt.threshold))
		fcvae_die(FCVAE_EXIT_USAGE, "--threshold must be a finite number");

	fcvae_json_parser_init(&parser);
	parser.allow_nan = 1; /* Python writes NaN bare: a missing point, not a bad line */
	if (opt.prom) {
		if (!*opt.prom)
			fcvae_die(FCVAE_EXIT_USAGE, "--prom: the file name is empty");
		/* a stream runs for days: an unwritable file is said now, not at every flush */
		fcvae_atomic_check(opt.prom);
		fcvae_prom_init(&prom, opt.prom, opt.max_series);
	}
	pend = fcvae_xmalloc((size_t)opt.batch * sizeof *pend);
	if (opt.model_file)
		slot_open(opt.model_file, 1, NULL, 0);
	else
		fcvae_modeldir_check(opt.models_dir);

	fcvae_catch_stop();
	if (optind == argc)
		score_input("-");
	for (int i = optind; i < argc; i++)
		score_input(argv[i]);
	finish(FCVAE_EXIT_OK);
}
