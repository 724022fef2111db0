/* fcvae-alert — the end of a streaming pipeline: scored records in, one alert
 * when a series' anomaly run opens and one when it closes; with --state, also
 * the exactly-once sink (each (series, bucket) logged once across restarts,
 * no alert repeated) (SPEC §7). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "keyset.h"
#include "record.h"
#include "scored.h"
#include "timeparse.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-alert [options] [FILE...]\n"
	"Read scored records (fcvae-score output) and write one alert (NDJSON) when\n"
	"a series' anomaly run opens and one when it closes.\n"
	"\n"
	"  -s, --state FILE      keep series state in FILE (atomic), so a restart\n"
	"                        neither repeats nor loses an alert; records of a\n"
	"                        bucket already seen are dropped as duplicates\n"
	"  -l, --log FILE        append each new scored record to FILE (with --state:\n"
	"                        every (series, bucket) exactly once across restarts)\n"
	"  -a, --alerts FILE     append each alert to FILE as well (the outbox)\n"
	"  -K, --key-delimiter D prefix each alert with its series key and D, for\n"
	"                        kcat -P -K D (messages keyed by series)\n"
	"      --sent FILE       send no alert whose id FILE holds, and take on a run\n"
	"                        another member opened: the alerts topic's payloads,\n"
	"                        one a line, as a follower appends them\n"
	"                        (kcat -C -u -f '%s\\n'); read on before each record\n"
	"  -r, --resend          read an alerts topic's payloads (kcat -C -e -f '%s\\n')\n"
	"                        and write the alerts of --alerts FILE whose id it\n"
	"                        lacks (with --state, of what the state committed)\n"
	"      --key F           series key field (default key)\n"
	"      --ts F            time field (default ts)\n"
	"      --every N         with --state, save at least every N records\n"
	"                        (default 1000; also before every alert and when\n"
	"                        input pauses)\n"
	"      --max-line N      " FCVAE_MAX_LINE_HELP
	"      --strict          stop at the first bad input line (exit 3)\n"
	"  -v, --verbose         print a summary of counts at exit\n"
	"  -h, --help            this text\n"
	"      --version         print the version\n";

/* One series: the last bucket seen and the open run, if any. */
typedef struct {
	const char *key;    /* keylen bytes, held by the table's keyset: a JSON
	                     * key may hold "\u0000" */
	size_t keylen;
	double last;        /* bucket start of the last record taken, -inf before any */
	int open;           /* an anomaly run is open */
	double start;       /* its first bucket */
	long points;        /* its anomalous points so far */
	double min_score;   /* its lowest score */
} series;

/* s[i] is the series of keys.key[i]: the state lists them in that order,
 * the order they came in. */
typedef struct {
	fcvae_keyset keys;
	series *s;
	size_t cap;
} series_table;

static series *series_get(series_table *t, const char *key, size_t n)
{
	int added;
	size_t i = fcvae_keyset_add(&t->keys, key, n, &added);
	if (!added)
		return &t->s[i];
	if (i == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->s = fcvae_xrealloc(t->s, t->cap * sizeof *t->s);
	}
	series *s = &t->s[i];
	memset(s, 0, sizeof *s);
	s->key = t->keys.key[i];
	s->keylen = t->keys.len[i];
	s->last = -INFINITY;
	return s;
}

static void series_table_free(series_table *t)
{
	free(t->s);
	fcvae_keyset_free(&t->keys);
}

/* An append-only file whose committed length lives in the state: at start it
 * is cut back to that length, so lines written after the last save (which the
 * replay after a crash brings again) are not there twice. No state file yet
 * means nothing committed: a crash before the first save leaves lines that
 * the replay writes again too. */
typedef struct {
	const char *path;
	FILE *fp;
	long long size;     /* bytes written, as of now */
} outfile;

/* committed < 0: no state kept, keep all. A file not there is created, or
 * with !create left so: -1 (nothing is open). */
static int outfile_open(outfile *o, long long committed, int create)
{
	if (!o->path)
		return 0;
	o->fp = fopen(o->path, create ? "a" : "r+");
	if (!o->fp && !create && errno == ENOENT)
		return -1;
	if (!o->fp)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", o->path);
	struct stat st;
	if (fstat(fileno(o->fp), &st) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", o->path);
	o->size = st.st_size;
	if (committed >= 0 && committed < o->size) {
		if (ftruncate(fileno(o->fp), committed) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s: cannot cut back to %lld bytes:", o->path, committed);
		o->size = committed;
	}
	return 0;
}

static void outfile_write(outfile *o, const fcvae_buf *b)
{
	if (!o->fp)
		return;
	if (fcvae_buf_write(b, o->fp) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", o->path);
	o->size += (long long)b->len;
}

static void outfile_sync(outfile *o)
{
	if (o->fp && (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0))
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", o->path);
}

static double num_or(const fcvae_json *v, double dflt)
{
	return v && v->type == FCVAE_JSON_NUMBER ? v->num : dflt;
}

/* The ids of the alerts on an alerts topic, from its payloads one a line
 * (--resend's input, --sent's file), and what else it held. */
typedef struct {
	fcvae_keyset ids;
	fcvae_json_parser p;
	size_t other, cut;  /* lines not alerts; lines too long to read */
} topic_ids;

/* Take in the topic's line that in holds. Other messages on the topic are
 * not ours: passed over, counted; a cut one may have been an alert, which
 * is then sent again. */
static const fcvae_json *topic_ids_add(topic_ids *t, const fcvae_lines *in)
{
	const fcvae_json *r = in->toolong ? NULL : fcvae_json_parse(&t->p, in->line, in->len);
	const fcvae_json *id = r ? fcvae_json_get(r, "id") : NULL;
	int added;
	if (id && id->type == FCVAE_JSON_STRING) {
		fcvae_keyset_add(&t->ids, id->str, id->slen, &added);
		return r;
	}
	if (in->toolong)
		t->cut++;
	else
		t->other++;
	return NULL;
}

/* Say what of in was passed over, counted in what ("message", "line"). A
 * line past the limit whose newline has not come yet (a followed file's
 * last) is cut already: it counts too. */
static void topic_ids_said(const topic_ids *t, const fcvae_lines *in, const char *what)
{
	size_t cut = t->cut + (in->skipping != 0);
	if (t->other)
		fcvae_warn("%s: %zu %s%s not alerts, passed over", in->name, t->other, what,
		           t->other == 1 ? " is" : "s are");
	if (cut)
		fcvae_warn("%s: %zu %s%s longer than %zu bytes (see --max-line), not read", in->name, cut, what,
		           cut == 1 ? "" : "s", in->max);
}

static void topic_ids_free(topic_ids *t)
{
	fcvae_keyset_free(&t->ids);
	fcvae_json_parser_free(&t->p);
}

/* A run on the alerts topic: its open, and its close if that came. */
typedef struct {
	double start, end;  /* end: the close's time, +inf while none */
	double score;       /* the open's */
} topic_run;

/* A series' runs on the topic, in order of start (a series' alerts are in
 * order: they go to its partition, keyed by it). */
typedef struct {
	topic_run *r;
	size_t n, cap;
} topic_runs;

/* --sent: the alerts already on the topic, as a follower of it appends
 * their payloads to a file. Read on from where it was left before each
 * record taken, so that an alert another member sent (the series was its
 * before a rebalance, and the hours it scored come again here) is not sent
 * twice, and a run another member opened while it had the series is taken
 * on here, not opened a second time nor left open.
 * A line is taken once its newline has come; a file cut shorter (the
 * follower started over) is read again from its start, the ids already
 * read staying. Memory: the ids, one per alert on the topic, and the runs. */
typedef struct {
	const char *path;
	fcvae_lines in;
	topic_ids t;
	fcvae_keyset keys;   /* runs[i] are the runs of keys.key[i] */
	topic_runs *runs;
	size_t cap;
} sentfile;

/* An alert read from the topic into its series' runs: an open later than
 * the last run's (one not later was read before: the file read again from
 * its start), a close into the run it names. */
static void sent_run(sentfile *f, const fcvae_json *r)
{
	const fcvae_json *kind = fcvae_json_get(r, "alert"), *key = fcvae_json_get(r, "key");
	if (!kind || kind->type != FCVAE_JSON_STRING || !key || key->type != FCVAE_JSON_STRING)
		return;
	int open = kind->slen == 4 && !memcmp(kind->str, "open", 4);
	if (!open && !(kind->slen == 5 && !memcmp(kind->str, "close", 5)))
		return;
	const fcvae_json *st = fcvae_json_get(r, open ? "ts" : "start"), *et = fcvae_json_get(r, "ts");
	double start, end;
	if (!st || st->type != FCVAE_JSON_STRING || fcvae_time_parse(st->str, st->slen, &start) < 0 ||
	    !et || et->type != FCVAE_JSON_STRING || fcvae_time_parse(et->str, et->slen, &end) < 0)
		return;
	int added;
	size_t i = fcvae_keyset_add(&f->keys, key->str, key->slen, &added);
	if (added) {
		if (i == f->cap) {
			f->cap = f->cap ? 2 * f->cap : 16;
			f->runs = fcvae_xrealloc(f->runs, f->cap * sizeof *f->runs);
		}
		f->runs[i] = (topic_runs){ 0 };
	}
	topic_runs *l = &f->runs[i];
	if (open) {
		if (l->n && start <= l->r[l->n - 1].start)
			return;
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 4;
			l->r = fcvae_xrealloc(l->r, l->cap * sizeof *l->r);
		}
		l->r[l->n++] = (topic_run){ start, INFINITY, num_or(fcvae_json_get(r, "score"), NAN) };
		return;
	}
	for (size_t j = l->n; j-- > 0 && l->r[j].start >= start;)
		if (l->r[j].start == start)
			l->r[j].end = end;
}

static void sent_open(sentfile *f, size_t max)
{
	if (!f->path)
		return;
	/* not fcvae_lines_open(): "-" is a file's name here, not the input;
	 * not blocking: a FIFO would hold the open until a writer comes */
	int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", f->path);
	/* a pipe or device would hold each alert until it is written to */
	if (!S_ISREG(st.st_mode))
		fcvae_die(FCVAE_EXIT_USAGE, "--sent %s: not a regular file (give the file the topic's follower appends to)", f->path);
	fcvae_lines_fdopen(&f->in, fd, f->path);
	f->in.max = max;
	f->in.follow = 1;
	fcvae_json_parser_init(&f->t.p);
}

/* Take in the lines the file gained since last read; blank ones are not
 * counted. */
static void sent_refresh(sentfile *f)
{
	int rc;
	while ((rc = fcvae_lines_read(&f->in, -1)) == 1) {
		const fcvae_json *r = f->in.len ? topic_ids_add(&f->t, &f->in) : NULL;
		if (r)
			sent_run(f, r);
	}
	if (rc < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", f->path);
}

static void sent_close(sentfile *f)
{
	if (!f->path)
		return;
	fcvae_lines_close(&f->in);
	topic_ids_free(&f->t);
	for (size_t i = 0; i < f->keys.n; i++)
		free(f->runs[i].r);
	fcvae_keyset_free(&f->keys);
	free(f->runs);
}

typedef struct {
	series_table t;
	outfile log, alerts;
	sentfile sent;
	const char *state;
	size_t records, taken, duplicates, opened, closed, already, taken_on;
	size_t judged;      /* records taken with an "anomaly" member */
} sink;

static void state_save(sink *k)
{
	if (!k->state)
		return;
	/* the files must hold what the state says they hold */
	outfile_sync(&k->log);
	outfile_sync(&k->alerts);
	fcvae_buf b = {0};
	fcvae_buf_printf(&b, "{\"log_bytes\":%lld,\"alerts_bytes\":%lld,\"series\":[",
			 k->log.size, k->alerts.size);
	for (size_t i = 0; i < k->t.keys.n; i++) {
		series *s = &k->t.s[i];
		fcvae_buf_adds(&b, i ? ",\n{" : "\n{");
		fcvae_json_add_key(&b, "key");
		fcvae_json_add_string(&b, s->key, s->keylen);
		fcvae_buf_adds(&b, ",\"last\":");
		fcvae_json_add_number(&b, s->last);
		fcvae_buf_printf(&b, ",\"open\":%s", s->open ? "true" : "false");
		if (s->open) {
			fcvae_buf_adds(&b, ",\"start\":");
			fcvae_json_add_number(&b, s->start);
			fcvae_buf_printf(&b, ",\"points\":%ld,\"min_score\":", s->points);
			fcvae_json_add_number(&b, s->min_score);
		}
		fcvae_buf_addc(&b, '}');
	}
	fcvae_buf_adds(&b, "]}\n");
	fcvae_atomic a;
	if (fcvae_atomic_open(&a, k->state) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", k->state);
	fcvae_buf_write(&b, a.fp);
	if (fcvae_atomic_commit(&a) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot save state %s:", k->state);
	fcvae_buf_free(&b);
}

/* o's member name as a whole number in [lo, 2^53] (a file length, a count),
 * or -1. */
static int state_whole(const fcvae_json *o, const char *name, double lo, double *x)
{
	const fcvae_json *v = fcvae_json_get(o, name);
	if (!v || v->type != FCVAE_JSON_NUMBER || !(v->num >= lo && v->num <= 0x1p53) || v->num != floor(v->num))
		return -1;
	*x = v->num;
	return 0;
}

/* o's member name as a time an input record may have, or -1. */
static int state_time(const fcvae_json *o, const char *name, double *t)
{
	const fcvae_json *v = fcvae_json_get(o, name);
	if (!v || v->type != FCVAE_JSON_NUMBER || !fcvae_time_in_range(v->num))
		return -1;
	*t = v->num;
	return 0;
}

/* A series entry of the state into t, as state_save writes it; NULL, or
 * what is wrong with it. */
static const char *series_load(series_table *t, const fcvae_json *e)
{
	const fcvae_json *key = fcvae_json_get(e, "key"), *open = fcvae_json_get(e, "open"),
			 *min = fcvae_json_get(e, "min_score");
	double last, start = NAN, points = 0;
	if (!key || key->type != FCVAE_JSON_STRING)
		return "no \"key\" string";
	if (fcvae_keyset_find(&t->keys, key->str, key->slen) != FCVAE_KEYSET_NONE)
		return "its \"key\" is another series' too";
	if (state_time(e, "last", &last) < 0)
		return "\"last\" is not a time";
	if (!open || (open->type != FCVAE_JSON_TRUE && open->type != FCVAE_JSON_FALSE))
		return "\"open\" is not true or false";
	if (open->type == FCVAE_JSON_TRUE) {
		/* a run opens at a record taken, which "last" is then or after */
		if (state_time(e, "start", &start) < 0 || start > last)
			return "an open run's \"start\" is not a time at or before \"last\"";
		if (state_whole(e, "points", 1, &points) < 0)
			return "an open run's \"points\" is not a count of 1 or more";
		if (!min || (min->type != FCVAE_JSON_NUMBER && min->type != FCVAE_JSON_NULL))
			return "an open run's \"min_score\" is not a number or null";
	}
	series *s = series_get(t, key->str, key->slen);
	s->last = last;
	s->open = open->type == FCVAE_JSON_TRUE;
	s->start = start;
	s->points = (long)points;
	s->min_score = num_or(min, NAN);
	return NULL;
}

/* Load the state, if the file exists (else the lengths stay as they are).
 * A damaged one is refused: taken as it is, it would send alerts of no
 * time, or cut the log and the outbox anywhere. */
static void state_load(sink *k, long long *log_bytes, long long *alerts_bytes)
{
	char err[512];
	fcvae_json_doc d;
	if (access(k->state, F_OK) < 0 && errno == ENOENT)
		return;
	if (fcvae_json_doc_load(&d, k->state, err, sizeof err) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot load state: %s", err);
	const fcvae_json *arr = fcvae_json_get(d.root, "series");
	if (!arr || arr->type != FCVAE_JSON_ARRAY)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot load state: %s: not an fcvae-alert state file", k->state);
	double lb, ab;
	if (state_whole(d.root, "log_bytes", 0, &lb) < 0 || state_whole(d.root, "alerts_bytes", 0, &ab) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot load state: %s: damaged state: \"log_bytes\" or \"alerts_bytes\" is not a length",
			  k->state);
	*log_bytes = (long long)lb;
	*alerts_bytes = (long long)ab;
	size_t i = 0;
	for (const fcvae_json *e = fcvae_json_first(arr); e; e = fcvae_json_next(e)) {
		const char *why = series_load(&k->t, e);
		i++;
		if (why)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot load state: %s: damaged state: series %zu: %s", k->state, i, why);
	}
	fcvae_json_doc_free(&d);
}

/* Load the state, if kept, and open the log and the outbox cut back to the
 * lengths it committed. */
static void sink_open(sink *k)
{
	long long log_bytes = -1, alerts_bytes = -1;
	if (k->state) {
		log_bytes = alerts_bytes = 0;
		fcvae_state_lock(k->state);
		state_load(k, &log_bytes, &alerts_bytes);
		/* before the first record is taken, not at the first save */
		if (fcvae_atomic_try(k->state) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot save state %s:", k->state);
	}
	outfile_open(&k->log, log_bytes, 1);
	outfile_open(&k->alerts, alerts_bytes, 1);
}

static void add_time(fcvae_buf *b, const char *name, double t)
{
	char ts[FCVAE_TIME_MAX];
	fcvae_time_format(ts, t);
	fcvae_json_add_key(b, name);
	fcvae_json_add_cstring(b, ts);
}

/* Copy a member of the record as it was written (NaN as null), if present. */
static void add_member(fcvae_buf *b, const fcvae_json *rec, const char *name)
{
	const fcvae_json *v = fcvae_json_get(rec, name);
	if (!v)
		return;
	fcvae_buf_addc(b, ',');
	fcvae_json_add_key(b, name);
	fcvae_json_add_source(b, v);
}

/* KEY@START: the run's name */
static void run_name(fcvae_buf *b, const series *s)
{
	char ts[FCVAE_TIME_MAX];
	fcvae_time_format(ts, s->start);
	fcvae_buf_add(b, s->key, s->keylen);
	fcvae_buf_printf(b, "@%s", ts);
}

/* An alert's id, KEY@START/KIND: it names the run and the event, so an
 * alert read back from the topic is recognised exactly. */
static void alert_id(fcvae_buf *id, const series *s, const char *kind)
{
	fcvae_buf_clear(id);
	run_name(id, s);
	fcvae_buf_printf(id, "/%s", kind);
}

/* On standard error: run "KEY@START" what (path). */
static void say_run(const series *s, const char *what, const char *path)
{
	fcvae_buf name = { 0 }, q = { 0 };
	run_name(&name, s);
	fcvae_json_add_string(&q, name.p, name.len);
	fcvae_warn("run %.*s %s (%s)", (int)q.len, q.p, what, path);
	fcvae_buf_free(&name);
	fcvae_buf_free(&q);
}

/* An alert line into b: {"id","key","alert","ts",...}, its id into id. */
static void alert_head(fcvae_buf *b, fcvae_buf *id, const series *s, const char *kind)
{
	fcvae_buf_addc(b, '{');
	fcvae_json_add_key(b, "id");
	alert_id(id, s, kind);
	fcvae_json_add_string(b, id->p, id->len);
	fcvae_buf_addc(b, ',');
	fcvae_json_add_key(b, "key");
	fcvae_json_add_string(b, s->key, s->keylen);
	fcvae_buf_printf(b, ",\"alert\":\"%s\",", kind);
}

static void alert_open(fcvae_buf *b, fcvae_buf *id, const series *s, const fcvae_json *rec)
{
	alert_head(b, id, s, "open");
	add_time(b, "ts", s->start);
	static const char *const copy[] = {"value", "expected", "lower", "upper", "score", "threshold", "model"};
	for (size_t i = 0; i < sizeof copy / sizeof *copy; i++)
		add_member(b, rec, copy[i]);
	fcvae_buf_adds(b, "}\n");
}

static void alert_close(fcvae_buf *b, fcvae_buf *id, const series *s, double end)
{
	alert_head(b, id, s, "close");
	add_time(b, "ts", end);
	fcvae_buf_addc(b, ',');
	add_time(b, "start", s->start);
	fcvae_buf_printf(b, ",\"points\":%ld,\"min_score\":", s->points);
	fcvae_json_add_number(b, s->min_score);
	fcvae_buf_adds(b, "}\n");
}

/* --sent: the runs of this series on the topic that another member opened
 * or closed while it had the series, between prev (this member's last
 * bucket of it) and ts (the record at hand). The last run begun before ts,
 * if it began after prev: this member's own run is over (that member took
 * it on), and that run, if it goes on at ts, is taken on here, so that it
 * is neither opened a second time nor left without a close. Or this
 * member's own run, closed there after prev and before ts: it is over.
 * The points of a run taken on are its open's and those scored here. */
static void runs_follow(sink *k, series *s, double prev, double ts)
{
	size_t i = fcvae_keyset_find(&k->sent.keys, s->key, s->keylen);
	if (i == FCVAE_KEYSET_NONE)
		return;
	const topic_runs *l = &k->sent.runs[i];
	size_t j = l->n;
	while (j > 0 && !(l->r[j - 1].start < ts))
		j--;
	if (!j)
		return;
	const topic_run *r = &l->r[j - 1];
	int other = r->start > prev;
	if (!other && !(s->open && s->start == r->start && r->end > prev && r->end < ts))
		return;
	if (s->open) {
		say_run(s, "went on at another member: over here", k->sent.path);
		s->open = 0;
	}
	if (other && r->end > ts) {
		s->open = 1;
		s->start = r->start;
		s->points = 1;
		s->min_score = r->score;
		say_run(s, "is open on the alerts topic: taken on", k->sent.path);
		k->taken_on++;
	}
}

/* The key and delim that start an alert line for kcat -P -K DELIM. kcat
 * splits the line at its first DELIM and a newline ends the message, so a
 * key's bytes that are either (or any byte of a longer DELIM) are given as
 * '_' (left out if DELIM has one); the alert itself keeps the key whole. */
static void put_key(const char *key, size_t keylen, const char *delim)
{
	static int said;
	int under = strchr(delim, '_') != NULL, changed = 0;
	for (const char *c = key; c < key + keylen; c++) {
		if (*c != '\n' && !memchr(delim, *c, strlen(delim))) {
			putchar(*c);
			continue;
		}
		changed = 1;
		if (!under)
			putchar('_');
	}
	fputs(delim, stdout);
	if (changed && !said) {
		said = 1;
		fcvae_warn("a series key holds the key delimiter or a newline: its alerts' message key has %s (said once)",
		           under ? "them left out" : "'_' in their place");
	}
}

/* Write the alerts in b to stdout, each prefixed with s's key and delim. */
static void emit(const fcvae_buf *b, const series *s, const char *delim)
{
	const char *p = b->p, *end = b->p + b->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(nl - p) + 1;
		if (delim)
			put_key(s->key, s->keylen, delim);
		fwrite(p, 1, n, stdout);
		p += n;
	}
	if (fflush(stdout) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
}

/* --resend's outbox, open for reading: with --state, first cut back as at
 * any start (a line past the committed length was never sent, as alerts go
 * out after the save, and the replay brings it again, so sending it now
 * would repeat it). Resending reads: it creates no file and saves no state.
 * -1, said why, when there is nothing to resend: no outbox, or no state
 * file (nothing committed). */
static int resend_box(sink *k, fcvae_lines *box)
{
	long long log_bytes, committed = -1;
	if (k->state) {
		if (access(k->state, F_OK) < 0 && errno == ENOENT) {
			fcvae_warn("%s: no state file: no alert committed, none to resend", k->state);
			return -1;
		}
		fcvae_state_lock(k->state);
		state_load(k, &log_bytes, &committed);
	}
	if (outfile_open(&k->alerts, committed, 0) < 0) {
		fcvae_warn("%s: no such outbox: no alert to resend", k->alerts.path);
		return -1;
	}
	if (fclose(k->alerts.fp) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", k->alerts.path);
	if (fcvae_lines_open(box, k->alerts.path) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", k->alerts.path);
	return 0;
}

/* --resend: the alerts of the outbox whose id the topic (in) lacks. Alerts
 * are matched by id, which names the series, the run and the event. */
static void resend(sink *k, const char *delim, fcvae_lines *in)
{
	topic_ids sent = {0};   /* the ids on the topic */
	fcvae_json_parser_init(&sent.p);
	int rc;
	while ((rc = fcvae_lines_read(in, -1)) == 1)
		topic_ids_add(&sent, in);
	if (rc < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", in->name);
	topic_ids_said(&sent, in, "message");

	fcvae_lines box;
	size_t n = 0;
	if (resend_box(k, &box) == 0) {
		while ((rc = fcvae_lines_read(&box, -1)) == 1) {
			const fcvae_json *r = fcvae_json_parse(&sent.p, box.line, box.len);
			const fcvae_json *id = r ? fcvae_json_get(r, "id") : NULL;
			const fcvae_json *key = r ? fcvae_json_get(r, "key") : NULL;
			if (!id || id->type != FCVAE_JSON_STRING || !key || key->type != FCVAE_JSON_STRING) {
				fcvae_warn("%s line %zu: not an alert", k->alerts.path, box.lineno);
				continue;
			}
			if (fcvae_keyset_find(&sent.ids, id->str, id->slen) != FCVAE_KEYSET_NONE)
				continue;
			if (delim)
				put_key(key->str, key->slen, delim);
			printf("%s\n", box.line);
			n++;
		}
		if (rc < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", k->alerts.path);
		fcvae_lines_close(&box);
	}
	topic_ids_free(&sent);
	series_table_free(&k->t);
	/* the count is of alerts that got out: a write error is said instead */
	fcvae_close_stdout();
	if (n)
		fcvae_warn("%zu alert%s resent", n, n == 1 ? "" : "s");
}

int main(int argc, char **argv)
{
	enum { O_KEY = 256, O_TS, O_EVERY, O_MAX_LINE, O_STRICT, O_SENT, O_VERSION };
	static const struct option longopts[] = {
		{"state", required_argument, NULL, 's'},
		{"log", required_argument, NULL, 'l'},
		{"alerts", required_argument, NULL, 'a'},
		{"key-delimiter", required_argument, NULL, 'K'},
		{"resend", no_argument, NULL, 'r'},
		{"sent", required_argument, NULL, O_SENT},
		{"key", required_argument, NULL, O_KEY},
		{"ts", required_argument, NULL, O_TS},
		{"every", required_argument, NULL, O_EVERY},
		{"max-line", required_argument, NULL, O_MAX_LINE},
		{"strict", no_argument, NULL, O_STRICT},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	sink k = {0};
	const char *delim = NULL, *key_field = "key", *ts_field = "ts";
	long every = 1000;
	size_t max_line = FCVAE_MAX_LINE;
	int verbose = 0, do_resend = 0, strict = 0, c;
	fcvae_rejects rej = {0};

	fcvae_start(argv);
	while ((c = getopt_long(argc, argv, "s:l:a:K:rvh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': k.state = optarg; break;
		case 'l': k.log.path = optarg; break;
		case 'a': k.alerts.path = optarg; break;
		case 'K':
			/* kcat -K '' finds no key; the alert would start right after it */
			if (!*optarg)
				fcvae_die(FCVAE_EXIT_USAGE, "--key-delimiter: an empty delimiter");
			delim = optarg;
			break;
		case 'r': do_resend = 1; break;
		case O_SENT: k.sent.path = optarg; break;
		case O_KEY: key_field = optarg; break;
		case O_TS: ts_field = optarg; break;
		case O_EVERY: every = fcvae_parse_long("--every", optarg, 1, 1000000000); break;
		case O_MAX_LINE: max_line = fcvae_parse_max_line(optarg); break;
		case O_STRICT: strict = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (do_resend) {
		if (!k.alerts.path || optind < argc - 1)
			fcvae_die(FCVAE_EXIT_USAGE, "--resend needs --alerts FILE and at most one input");
		if (k.sent.path)
			fcvae_die(FCVAE_EXIT_USAGE, "--sent is for a run, not --resend (whose input is the topic)");
		fcvae_lines in;
		const char *path = optind < argc ? argv[optind] : "-";
		if (fcvae_lines_open(&in, path) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
		in.max = max_line;
		resend(&k, delim, &in);
		fcvae_lines_close(&in);
		return FCVAE_EXIT_OK;
	}

	sink_open(&k);
	sent_open(&k.sent, max_line);
	/* a stop (a signal, or --strict's first bad line) saves the state
	 * first: what was taken is not taken again */
	fcvae_catch_stop();

	fcvae_json_parser p;
	fcvae_json_parser_init(&p);
	p.allow_nan = 1; /* Python writes NaN bare: no score, not a bad line */
	fcvae_buf out = {0}, line = {0}, id = {0};
	long since_save = 0;
	int nfiles = optind < argc ? argc - optind : 1, stop = 0;
	for (int f = 0; f < nfiles && !stop; f++) {
		const char *path = optind < argc ? argv[optind + f] : "-";
		fcvae_lines in;
		if (fcvae_lines_open(&in, path) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
		in.max = max_line;
		int rc = 0;
		for (;;) {
			/* (a stop signal ends the input, once what was read is taken) */
			if (strict && rej.total) {
				stop = FCVAE_STOP_STRICT;
				break;
			}
			/* Before waiting for input, make what was taken durable: a
			 * pause is when a crash would otherwise lose the most. */
			if (!fcvae_lines_ready(&in) && since_save) {
				state_save(&k);
				since_save = 0;
			}
			if ((rc = fcvae_lines_read(&in, -1)) != 1) {
				stop = fcvae_stop_due(0, 0);
				break;
			}
			if (fcvae_lines_blank(&in))
				continue;
			k.records++;
			double ts;
			const fcvae_json *key, *r =
				fcvae_scored_parse_live(&p, &in, &rej, key_field, ts_field, &key, &ts);
			if (!r)
				continue;
			const fcvae_json *an = fcvae_json_get(r, "anomaly");
			if (an && an->type != FCVAE_JSON_TRUE && an->type != FCVAE_JSON_FALSE &&
			    an->type != FCVAE_JSON_NULL) {
				fcvae_reject(&rej, &in, "bad anomaly", "\"anomaly\" is not a boolean");
				continue;
			}
			series *s = series_get(&k.t, key->str, key->slen);
			/* a replay of a bucket already taken, or an older one (a revised
			 * window): the alerts sent for that time stand */
			if (ts <= s->last) {
				k.duplicates++;
				continue;
			}
			/* the topic read on once a record: for its runs (before the
			 * verdict: a run goes on across records without one) and
			 * for its alert below */
			if (k.sent.path) {
				sent_refresh(&k.sent);
				runs_follow(&k, s, s->last, ts);
			}
			s->last = ts;
			k.taken++;
			k.judged += an != NULL;
			fcvae_buf_clear(&line);
			fcvae_json_add_source(&line, r); /* a NaN read is written null: the log is JSON */
			fcvae_buf_addc(&line, '\n');
			outfile_write(&k.log, &line);

			/* no verdict: the run stays as it is. fcvae-score flags no
			 * window whose own bucket was missing, nor any of a model
			 * without a threshold (replaced by an uncalibrated one, say),
			 * so a false there says nothing; a true is a verdict whatever
			 * the value */
			const fcvae_json *th = fcvae_json_get(r, "threshold");
			int verdict = an && an->type != FCVAE_JSON_NULL &&
			              (an->type == FCVAE_JSON_TRUE ||
			               (fcvae_scored_judged(r) && !(th && th->type == FCVAE_JSON_NULL)));
			double score = num_or(fcvae_json_get(r, "score"), NAN);
			fcvae_buf_clear(&out);
			if (verdict && an->type == FCVAE_JSON_TRUE) {
				if (!s->open) {
					s->open = 1;
					s->start = ts;
					s->points = 0;
					s->min_score = score;
					alert_open(&out, &id, s, r);
					k.opened++;
				}
				s->points++;
				if (score < s->min_score || isnan(s->min_score))
					s->min_score = score;
			} else if (verdict && s->open) {
				alert_close(&out, &id, s, ts);
				s->open = 0;
				k.closed++;
			}
			since_save++;
			/* sent already, by the member that had the series before a
			 * rebalance (or by this one's last run): the run's state goes
			 * on as if this member had sent it */
			if (out.len && k.sent.path) {
				if (fcvae_keyset_find(&k.sent.t.ids, id.p, id.len) != FCVAE_KEYSET_NONE) {
					fcvae_buf_clear(&line);
					fcvae_json_add_string(&line, id.p, id.len);
					fcvae_warn("alert %.*s is on the alerts topic already (%s): not sent again",
					           (int)line.len, line.p, k.sent.path);
					k.already++;
					fcvae_buf_clear(&out);
				}
			}
			if (out.len) {
				/* outbox and state first: an alert on stdout that the
				 * state does not know of would come again after a crash */
				outfile_write(&k.alerts, &out);
				state_save(&k);
				since_save = 0;
				emit(&out, s, delim);
			} else if (since_save >= every) {
				state_save(&k);
				since_save = 0;
			}
		}
		if (rc < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", in.name);
		fcvae_lines_close(&in);
	}
	state_save(&k);
	if (k.log.fp && fclose(k.log.fp) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", k.log.path);
	if (k.alerts.fp && fclose(k.alerts.fp) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", k.alerts.path);

	char summary[512];
	fcvae_rejects_format(&rej, summary, sizeof summary);
	if (*summary && stop != FCVAE_STOP_STRICT)  /* --strict: the bad line said it */
		fcvae_warn("%s", summary);
	char already[128] = "";
	if (k.sent.path)
		snprintf(already, sizeof already, "; %zu alerts sent already, %zu runs taken on", k.already, k.taken_on);
	if (verbose || k.duplicates || k.already || k.taken_on)
		fcvae_warn("%zu records: %zu taken, %zu duplicates dropped; %zu runs opened, %zu closed%s",
			   k.records, k.taken, k.duplicates, k.opened, k.closed, already);
	if (k.taken && !k.judged && stop != FCVAE_STOP_STRICT)
		fcvae_warn("no record has an \"anomaly\" member: nothing to alert on (is this fcvae-score output?)");
	if (k.sent.path)
		topic_ids_said(&k.sent.t, &k.sent.in, "line");
	sent_close(&k.sent);
	series_table_free(&k.t);
	fcvae_buf_free(&out);
	fcvae_buf_free(&line);
	fcvae_buf_free(&id);
	fcvae_json_parser_free(&p);
	fcvae_stop_exit(stop);
}
