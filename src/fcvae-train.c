/* fcvae-train — train an FCVAE model on window records (SPEC §4). */
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gemm.h"
#include "json.h"
#include "keyset.h"
#include "model.h"
#include "record.h"
#include "safetensors.h"
#include "scaler.h"
#include "timeparse.h"
#include "train.h"
#include "trainopts.h"
#include "timeorder.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-train -o MODEL [options] [FILE...]\n"
	"Train an FCVAE model on window records (fcvae-window output) read from\n"
	"FILEs or standard input; write it to MODEL (safetensors, atomically).\n"
	"\n"
	"  -o, --output FILE       model file to write (required)\n"
	"  -V, --validation FILE   window records for early stopping (recommended)\n"
	"  -k, --key KEY           train on this series (needed when the input holds several)\n"
	"      --label FIELD       field marking labelled anomalies (default label)\n"
	"      --no-labels         ignore labels: mask only missing points (unsupervised)\n"
	"      --transform T       none (default) or sqrt: standardise the values' signed\n"
	"                          square roots (counts, whose noise grows with the level)\n"
	"      --scaler MEAN,STD   standardise with these (transformed units) instead of\n"
	"                          fitting them\n"
	"      --clip-x X          clip standardised values to ±X (40)\n"
	"      --max-line N        " FCVAE_MAX_LINE_HELP
	"      --strict            stop at the first bad input line (exit 3)\n"
	"  -q, --quiet             no progress on standard error\n"
	"Model (SPEC §2; defaults are the seed's):\n"
	"      --window W          window length (default: the records' own, else 24)\n"
	"      --latent L (8)  --condition C (16)  --d-model N (64)  --d-inner N (128)\n"
	"      --heads N (4)  --kernel K (8)  --stride S (4)  --hidden N,N,... (64,64)\n"
	"      --dropout P         condition dropout (0.05)\n"
	FCVAE_TRAINOPTS_USAGE
	"      --history-anomalies R  clones with a 1-3 point anomaly before the last\n"
	"                          point, masked (0: the paper has none)\n"
	"      --recent-anomalies R  clones with a 1-3 point anomaly just before the\n"
	"                          last point, masked (0: the paper has none)\n"
	"      --phase-jumps R     clones whose tail repeats the window 1-4 points late,\n"
	"                          normal (0: the paper has none)\n"
	"      --level-shifts R[,S]  clones whose tail from a point in the second half\n"
	"                          on runs at 1 + U(-S, S) times its level (S 0.3),\n"
	"                          normal (0: the paper has none)\n"
	"  -h, --help              this help\n"
	"      --version           print the version\n";

/* One window record, parsed. */
typedef struct {
	int key;              /* the key's number in the recset's keys */
	double ts;            /* bucket start, epoch seconds */
	int label;            /* the last point is a labelled anomaly */
	double *raw;          /* W values */
	unsigned char *miss;  /* W flags */
} rec;

typedef struct {
	rec *r;
	size_t n, cap;
	fcvae_keyset keys;    /* with their length: "A" and "A\u0000B" are two series */
	int W;                /* window length: from --window or the first record kept */
	const fcvae_config *cfg;   /* while W is 0: what a first record's length must fit */
	int unfit_W;          /* the first length it did not fit, 0 if none */
	const char *key;      /* with --key: that series' records only */
	size_t keylen;
	fcvae_rejects rej;
	long lines;
} recset;

static struct {
	const char *label;
	int strict, quiet;
	size_t max_line;
} opt = {"label", 0, 0, FCVAE_MAX_LINE};

/* The inputs' bad lines by reason, said once at exit, however the run
 * ends once reading has begun: an error's exit too (their count was
 * promised "at exit"); not --strict's, whose bad line said it, nor a stop
 * signal's. */
static struct {
	const recset *tr, *va;
	const char *validation;
	int done;
} said;

static void say_rejects(void)
{
	if (said.done)
		return;
	said.done = 1;
	char b[256];
	if (said.tr && (fcvae_rejects_format(&said.tr->rej, b, sizeof b), *b))
		fcvae_warn("training data: %s", b);
	if (said.va && (fcvae_rejects_format(&said.va->rej, b, sizeof b), *b))
		fcvae_warn("%s: %s", said.validation, b);
}

/* Parse one line into s; a bad one is reported, counted and skipped. */
static void read_line(recset *s, fcvae_json_parser *p, const fcvae_lines *in)
{
	if (fcvae_reject_toolong(&s->rej, in))
		return;
	const fcvae_json *root = fcvae_json_parse(p, in->line, in->len), *v;
	if (!root) {
		fcvae_reject(&s->rej, in, "not JSON", "not JSON: %s", p->err);
		return;
	}
	const fcvae_json *win = fcvae_json_get(root, "window");
	if (root->type != FCVAE_JSON_OBJECT || !win || win->type != FCVAE_JSON_ARRAY) {
		fcvae_reject(&s->rej, in, "no window", "no \"window\" array (is this fcvae-window output?)");
		return;
	}
	const fcvae_json *k = fcvae_json_get(root, "key");
	if (k && k->type != FCVAE_JSON_STRING) {
		fcvae_reject(&s->rej, in, "bad key", "\"key\" is not a string");
		return;
	}
	/* with --key, another series' records are passed over before their
	 * length is looked at: theirs is not this model's to set */
	if (s->key && !(k ? k->slen == s->keylen && memcmp(k->str, s->key, s->keylen) == 0 : s->keylen == 0))
		return;
	/* the first record kept sets W, not merely the first seen: a bad first
	 * line must not make every good one the wrong length; worded as
	 * fcvae-score words it */
	int W = (int)win->n;
	if (W == 0 || (s->W && W != s->W)) {
		if (s->W)
			fcvae_reject(&s->rej, in, "window length", "\"window\" has %d points, not %d", W, s->W);
		else
			fcvae_reject(&s->rej, in, "window length", "\"window\" has 0 points");
		return;
	}
	double ts = 0;
	v = fcvae_json_get(root, "ts");
	if (!v || (v->type == FCVAE_JSON_NUMBER ? (ts = v->num, !isfinite(ts))
	                                         : v->type != FCVAE_JSON_STRING || fcvae_time_parse(v->str, v->slen, &ts) != 0)) {
		fcvae_reject(&s->rej, in, "bad ts", "\"ts\" is not a time");
		return;
	}
	rec r = {0};
	r.ts = ts;
	r.raw = fcvae_xmalloc(W * sizeof *r.raw);
	r.miss = fcvae_xcalloc(W, 1);
	int i = 0;
	for (v = fcvae_json_first(win); v; v = fcvae_json_next(v), i++) {
		/* NaN, ±inf and null are missing points (SPEC §10), as fcvae-score
		 * reads them */
		if (v->type == FCVAE_JSON_NUMBER && isfinite(v->num)) {
			r.raw[i] = v->num;
		} else if (v->type == FCVAE_JSON_NUMBER || v->type == FCVAE_JSON_NULL) {
			r.raw[i] = NAN;
			r.miss[i] = 1;
		} else {
			fcvae_reject(&s->rej, in, "bad window", "window[%d] is not a number", i);
			goto bad;
		}
	}
	const fcvae_json *ms = fcvae_json_get(root, "missing");
	if (ms && ms->type == FCVAE_JSON_ARRAY) {
		for (v = fcvae_json_first(ms); v; v = fcvae_json_next(v)) {
			if (v->type != FCVAE_JSON_NUMBER || v->num != floor(v->num) || v->num < 0 || v->num >= W) {
				fcvae_reject(&s->rej, in, "bad missing", "\"missing\" holds %.*s, not an index from 0 to %d",
				             (int)(v->len < 20 ? v->len : 20), v->src, W - 1);
				goto bad;
			}
			r.miss[(int)v->num] = 1;
		}
	} else if (ms && ms->type != FCVAE_JSON_NULL) {
		fcvae_reject(&s->rej, in, "bad missing", "\"missing\" is not an array");
		goto bad;
	}
	/* a label of another kind ("no", 2) was taken as anomalous: every
	 * point masked, without a word */
	r.label = opt.label ? fcvae_label_of(fcvae_json_get(root, opt.label)) : 0;
	if (r.label == FCVAE_LABEL_BAD) {
		fcvae_reject(&s->rej, in, "bad label", FCVAE_LABEL_BAD_MSG, opt.label);
		goto bad;
	}
	r.label = r.label == 1;
	/* nor a first line of a length that no model of these options takes
	 * (odd, or too short for the kernel): said once, then counted (every
	 * record of the data may be so: then the options are said to be at
	 * fault, at the end) */
	char err[128];
	fcvae_config c = s->W ? (fcvae_config){0} : *s->cfg;
	c.window = W;
	if (!s->W && fcvae_config_check(&c, err, sizeof err) != 0) {
		if (!s->unfit_W) {
			fcvae_reject(&s->rej, in, "window length", "\"window\" has %d points: %s", W, err);
			s->unfit_W = W;
		} else
			fcvae_rejects_count(&s->rej, "window length");
		goto bad;
	}
	/* (only now: a rejected line's series is no series of the data) */
	int added;
	r.key = (int)fcvae_keyset_add(&s->keys, k ? k->str : "", k ? k->slen : 0, &added);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->r = fcvae_xrealloc(s->r, s->cap * sizeof *s->r);
	}
	s->r[s->n++] = r;
	s->W = W;
	return;
bad:
	free(r.raw);
	free(r.miss);
}

static void read_file(recset *s, const char *path)
{
	fcvae_lines in;
	if (fcvae_lines_open(&in, path) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
	in.max = opt.max_line;
	fcvae_json_parser p;
	fcvae_json_parser_init(&p);
	p.allow_nan = 1; /* Python writes NaN bare: a missing point, not a bad line */
	int rc;
	while ((rc = fcvae_lines_read(&in, -1)) == 1) {
		s->lines++;
		if (!fcvae_lines_blank(&in))
			read_line(s, &p, &in);
		if (opt.strict && s->rej.total) {
			said.done = 1; /* the bad line said why; nothing after it */
			exit(FCVAE_EXIT_DATA);
		}
	}
	if (rc < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", fcvae_path_said(path));
	fcvae_lines_close(&in);
	fcvae_json_parser_free(&p);
}

static void recset_free(recset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->r[i].raw);
		free(s->r[i].miss);
	}
	free(s->r);
	fcvae_keyset_free(&s->keys);
}

/* A key as the messages and the metadata write it: a JSON string, whose
 * escapes keep a NUL or a control character whole and visible. */
static void key_quoted(fcvae_buf *b, const char *key, size_t len)
{
	fcvae_buf_clear(b);
	fcvae_json_add_string(b, key, len);
}

/* Keep only the records of series key[0..len) (key NULL: of the one
 * series there must be), in time order. */
static void select_series(recset *s, const char *what, const char *key, size_t len)
{
	size_t want = 0;
	fcvae_buf a = {0}, b = {0};
	if (key) {
		want = fcvae_keyset_find(&s->keys, key, len);
		if (want == FCVAE_KEYSET_NONE) {
			key_quoted(&a, key, len);
			fcvae_die(FCVAE_EXIT_FAIL, "%s: no windows of series %s", what, a.p);
		}
	} else if (s->keys.n > 1) {
		key_quoted(&a, s->keys.key[0], s->keys.len[0]);
		key_quoted(&b, s->keys.key[1], s->keys.len[1]);
		fcvae_die(FCVAE_EXIT_FAIL, "%s: holds %zu series (%s, %s%s): a model is for one; choose it with --key",
		          what, s->keys.n, a.p, b.p, s->keys.n > 2 ? ", ..." : "");
	}
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		if ((size_t)s->r[i].key == want) {
			s->r[n++] = s->r[i];
		} else {
			free(s->r[i].raw);
			free(s->r[i].miss);
		}
	}
	s->n = n;
	fcvae_sort_by_time(s->r, s->n, sizeof *s->r, offsetof(rec, ts));
}

/* The bucket length: the smallest positive step between window times; 0
 * when there is none (one window, or all at one time). */
static double bucket_step(const recset *s)
{
	double step = 0;
	for (size_t i = 1; i < s->n; i++) {
		double d = s->r[i].ts - s->r[i - 1].ts;
		if (d > 0 && (step == 0 || d < step))
			step = d;
	}
	return step;
}

static int has_time(const double *v, size_t n, double t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (fabs(v[mid] - t) < 1e-6)
			return 1;
		if (v[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Per point of every window: is it a labelled anomaly? A record's label is
 * its last point's; point i of the window at t is the bucket t-(W-1-i)·step,
 * labelled when that bucket's own record is. */
static unsigned char *point_labels(const recset *s, double step)
{
	int W = s->W;
	unsigned char *lab = fcvae_xcalloc(s->n * W + 1, 1);
	double *times = fcvae_xmalloc((s->n + 1) * sizeof *times);
	size_t nl = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].label)
			times[nl++] = s->r[i].ts;
	for (size_t i = 0; i < s->n; i++) {
		if (step == 0) {
			lab[i * W + W - 1] = (unsigned char)s->r[i].label;
			continue;
		}
		for (int j = 0; j < W && nl; j++)
			lab[i * W + j] = (unsigned char)has_time(times, nl, s->r[i].ts - (W - 1 - j) * step);
	}
	free(times);
	return lab;
}

/* How many steps b's window is ahead of a's, when it shows the same
 * buckets shifted (every value both observe alike); -1 when they share no
 * bucket. The step is a guess (the smallest between window times): windows
 * a day apart give a step of a day, yet share no bucket. */
static int overlap(const rec *a, const rec *b, int W, double step)
{
	if (!(step > 0))
		return -1;
	double steps = (b->ts - a->ts) / step;
	int k = (int)lround(steps);
	if (fabs(steps - k) > 1e-6 || k < 0 || k >= W)
		return -1;
	for (int j = 0; j + k < W; j++)
		if (!a->miss[j + k] && !b->miss[j] && a->raw[j + k] != b->raw[j])
			return -1;
	return k;
}

/* Mean and std of the training windows' observed points, each bucket once
 * (windows overlap: with stride one every point is in W windows): a window
 * adds the points the one before it does not show, all of them when the
 * two share no bucket. 1 when the std is too small (fcvae_scaler_fit). */
static int fit_scaler(const recset *s, double step, double *mean, double *std)
{
	int W = s->W;
	double *v = fcvae_xmalloc((s->n * W + 1) * sizeof *v);
	size_t m = 0;
	for (size_t i = 0; i < s->n; i++) {
		const rec *r = &s->r[i], *prev = i ? &s->r[i - 1] : NULL;
		int k = prev ? overlap(prev, r, W, step) : -1;
		for (int j = 0; j < W; j++)
			if (!r->miss[j] && (k < 0 || j + k >= W || prev->miss[j + k]))
				v[m++] = r->raw[j];
	}
	int rc = fcvae_scaler_fit(v, m, mean, std);
	if (rc < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "training windows hold no observed point");
	free(v);
	return rc;
}

/* In place, before the scaler is fitted or applied. */
static void transform_values(recset *s, int t)
{
	for (size_t i = 0; i < s->n; i++)
		for (int j = 0; j < s->W; j++)
			s->r[i].raw[j] = fcvae_transform(t, s->r[i].raw[j]);
}

/* counts[0] gets the missing points, counts[1] the labelled ones, counts[2]
 * the windows left out. With skip_labelled a window holding a labelled
 * anomaly is left out: for the validation loss, since masking hides the
 * anomaly's own loss but not what it does to the other points. */
static void build_dataset(fcvae_dataset *d, const recset *s, double mean, double std, double clip,
                          int skip_labelled, long counts[3])
{
	double step = bucket_step(s);
	unsigned char *lab = point_labels(s, step);
	fcvae_dataset_init(d, s->W);
	for (size_t i = 0; i < s->n; i++) {
		if (skip_labelled && memchr(lab + i * s->W, 1, s->W)) {
			counts[2]++;
			continue;
		}
		fcvae_dataset_add(d, s->r[i].raw, s->r[i].miss, lab + i * s->W, mean, std, clip);
		for (int j = 0; j < s->W; j++) {
			counts[0] += s->r[i].miss[j];
			counts[1] += !s->r[i].miss[j] && lab[i * s->W + j];
		}
	}
	free(lab);
}

/* ---- progress on stderr ---- */

typedef struct {
	int tty;
	long per_epoch; /* training windows per epoch */
	int open;       /* a bar drawn, its line not ended (an epoch cut short) */
} progress;

static void fmt_duration(char *out, size_t n, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

static void report(const fcvae_train_progress *p, void *ctx)
{
	progress *g = ctx;
	if (opt.quiet)
		return;
	double rate = p->seconds > 0 ? p->windows / p->seconds : 0;
	double left = (double)(p->epochs - p->epoch - 1) * g->per_epoch +
	              (double)(p->batches - p->batch) / p->batches * g->per_epoch;
	char eta[32];
	fmt_duration(eta, sizeof eta, rate > 0 ? left / rate : 0);
	char val[32] = "";
	if (!isnan(p->val_loss))
		snprintf(val, sizeof val, " val %.4f%s", p->val_loss, p->best_epoch == p->epoch ? "*" : " ");
	if (g->tty) {
		int width = 20, done = (int)((double)p->batch / p->batches * width);
		char bar[32];
		for (int i = 0; i < width; i++)
			bar[i] = i < done ? '#' : '.';
		bar[width] = 0;
		fprintf(stderr, "\r\033[Kepoch %d/%d [%s] loss %.4f%s %.0f windows/s ETA %s (at most)",
		        p->epoch + 1, p->epochs, bar, p->loss, val, rate, eta);
		g->open = p->batch != p->batches;
		if (!g->open)
			fputc('\n', stderr);
	} else if (p->batch == p->batches) {
		fcvae_warn("epoch %d/%d loss %.4f%s lr %.3g kl %.3f %.0f windows/s ETA %s (at most)", p->epoch + 1,
		           p->epochs, p->loss, val, p->lr, p->kl_weight, rate, eta);
	}
	fflush(stderr);
}

/* ---- the training summary stored in the model ---- */

static void add_losses(fcvae_buf *b, const char *name, const double *v, int n)
{
	fcvae_json_add_key(b, name);
	fcvae_buf_addc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			fcvae_buf_addc(b, ',');
		/* six significant digits are plenty for a history */
		char t[32];
		snprintf(t, sizeof t, "%.6g", v[i]);
		fcvae_json_add_number(b, isfinite(v[i]) ? strtod(t, NULL) : NAN);
	}
	fcvae_buf_addc(b, ']');
}

static char *summary(const fcvae_train_opts *o, const fcvae_train_result *r, const fcvae_dataset *train,
                     const fcvae_dataset *val, const char *key, size_t keylen, uint64_t hash, int labels, const long masked[3], long val_skipped)
{
	fcvae_buf b = {0};
	char hex[24];
	fcvae_buf_addc(&b, '{');
	fcvae_json_add_key(&b, "series");
	fcvae_json_add_string(&b, key, keylen);
	fcvae_buf_printf(&b, ",\"train_windows\":%d,\"validation_windows\":%d", train->n, val ? val->n : 0);
	fcvae_buf_printf(&b, ",\"missing_points\":%ld,\"labelled_points\":%ld", masked[0], masked[1]);
	fcvae_buf_printf(&b, ",\"validation_windows_labelled\":%ld", val_skipped);
	fcvae_buf_printf(&b, ",\"epochs\":%d,\"best_epoch\":%d", r->epochs_run, r->best_epoch + 1);
	if (val && val->n) {
		fcvae_buf_adds(&b, ",\"best_val_loss\":");
		fcvae_json_add_number(&b, r->best_val_loss);
	}
	fcvae_buf_addc(&b, ',');
	add_losses(&b, "train_loss", r->train_loss, r->epochs_run);
	if (r->val_loss) {
		fcvae_buf_addc(&b, ',');
		add_losses(&b, "val_loss", r->val_loss, r->epochs_run);
	}
	snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
	fcvae_buf_printf(&b, ",\"seed\":%llu,\"data_hash\":\"%s\",\"labels\":%s", (unsigned long long)o->seed, hex,
	                 labels ? "true" : "false");
	fcvae_buf_printf(&b, ",\"options\":{\"epochs\":%d,\"batch\":%d,\"t_max\":%d,\"kl_warmup\":%d,\"patience\":%d",
	                 o->epochs, o->batch, o->t_max, o->kl_warmup, o->patience);
	const struct {
		const char *name;
		double v;
	} d[] = {{"lr", o->lr}, {"beta1", o->beta1}, {"beta2", o->beta2}, {"adam_eps", o->adam_eps},
	         {"eta_min", o->eta_min}, {"clip", o->clip}, {"attn_dropout", o->attn_dropout},
	         {"point_anomalies", o->point_rate}, {"segment_swaps", o->seg_rate}, {"missing_rate", o->miss_rate},
	         {"history_anomalies", o->hist_rate}, {"phase_jumps", o->jump_rate}};
	for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
		fcvae_buf_addc(&b, ',');
		fcvae_json_add_key(&b, d[i].name);
		if (!strcmp(d[i].name, "attn_dropout"))
			fcvae_json_add_float(&b, (float)d[i].v);
		else
			fcvae_json_add_number(&b, d[i].v);
	}
	/* only when used, so that models made without them keep their bytes */
	if (o->recent_rate > 0) {
		fcvae_buf_adds(&b, ",\"recent_anomalies\":");
		fcvae_json_add_number(&b, o->recent_rate);
	}
	if (o->level_rate > 0) {
		fcvae_buf_adds(&b, ",\"level_shifts\":");
		fcvae_json_add_number(&b, o->level_rate);
		fcvae_buf_adds(&b, ",\"level_size\":");
		fcvae_json_add_number(&b, o->level_size);
	}
	fcvae_buf_adds(&b, "}}");
	return b.p;
}

enum {
	O_LABEL = FCVAE_OPT_END, O_NOLABELS, O_TRANSFORM, O_SCALER, O_CLIPX, O_MAX_LINE, O_STRICT, O_VERSION, O_HIST,
	O_JUMP, O_LEVEL, O_RECENT
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, 0, 'o'}, {"validation", required_argument, 0, 'V'},
		{"key", required_argument, 0, 'k'}, {"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION},
		FCVAE_TRAINOPTS_LONGOPTS,
		{"label", required_argument, 0, O_LABEL}, {"no-labels", no_argument, 0, O_NOLABELS},
		{"transform", required_argument, 0, O_TRANSFORM}, {"scaler", required_argument, 0, O_SCALER},
		{"clip-x", required_argument, 0, O_CLIPX},
		{"max-line", required_argument, 0, O_MAX_LINE}, {"strict", no_argument, 0, O_STRICT},
		{"history-anomalies", required_argument, 0, O_HIST},
		{"recent-anomalies", required_argument, 0, O_RECENT},
		{"phase-jumps", required_argument, 0, O_JUMP},
		{"level-shifts", required_argument, 0, O_LEVEL},
		{0, 0, 0, 0},
	};
	fcvae_start(argv);
	atexit(say_rejects);
	fcvae_blas_pin();
	fcvae_config cfg;
	fcvae_config_default(&cfg);
	fcvae_train_opts o;
	fcvae_train_opts_default(&o);
	const char *output = NULL, *validation = NULL, *key = NULL;
	int window_given = 0, scaler_given = 0, transform = FCVAE_TRANSFORM_NONE;
	double mean = 0, std = 1, clipx = FCVAE_CLIP_X;
	int c;
	while ((c = getopt_long(argc, argv, "o:V:k:qh", longopts, NULL)) != -1) {
		if (fcvae_trainopts_parse(c, optarg, &cfg, &o)) {
			window_given |= c == FCVAE_OPT_WINDOW;
			continue;
		}
		switch (c) {
		case 'o': output = optarg; break;
		case 'V': validation = optarg; break;
		case 'k': key = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		case O_LABEL: opt.label = optarg; break;
		case O_NOLABELS: opt.label = NULL; break;
		case O_TRANSFORM:
			if ((transform = fcvae_transform_parse(optarg, strlen(optarg))) < 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--transform: '%s' is not none or sqrt", optarg);
			break;
		case O_SCALER: {
			char *end;
			mean = strtod(optarg, &end);
			/* an empty MEAN is no 0 */
			if (end == optarg || *end != ',' || !isfinite(mean))
				fcvae_die(FCVAE_EXIT_USAGE, "--scaler: '%s' is not MEAN,STD", optarg);
			std = fcvae_parse_double("--scaler", end + 1);
			if (!(std > 0) || !isfinite(std))
				fcvae_die(FCVAE_EXIT_USAGE, "--scaler: the standard deviation must be positive");
			scaler_given = 1;
			break;
		}
		case O_CLIPX: clipx = fcvae_parse_double("--clip-x", optarg); break;
		case O_MAX_LINE: opt.max_line = fcvae_parse_max_line(optarg); break;
		case O_STRICT: opt.strict = 1; break;
		case O_HIST: o.hist_rate = fcvae_parse_double("--history-anomalies", optarg); break;
		case O_RECENT: o.recent_rate = fcvae_parse_double("--recent-anomalies", optarg); break;
		case O_JUMP: o.jump_rate = fcvae_parse_double("--phase-jumps", optarg); break;
		case O_LEVEL: {
			char *comma = strchr(optarg, ',');
			if (comma) {
				*comma = 0;
				o.level_size = fcvae_parse_double("--level-shifts", comma + 1);
			}
			o.level_rate = fcvae_parse_double("--level-shifts", optarg);
			break;
		}
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (!output) {
		fcvae_warn("no model file: give -o MODEL");
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	fcvae_trainopts_check(&cfg, &o);
	fcvae_option_range("--history-anomalies", o.hist_rate, 0, 10);
	fcvae_option_range("--recent-anomalies", o.recent_rate, 0, 10);
	fcvae_option_range("--phase-jumps", o.jump_rate, 0, 10);
	fcvae_option_range("--level-shifts", o.level_rate, 0, 10);
	fcvae_option_range("--level-shifts", o.level_size, 0, 0.9);
	fcvae_option_range("--clip-x", clipx, 1e-6, FCVAE_CLIP_X_MAX);
	o.cond_dropout = cfg.dropout;
	/* training takes minutes to hours: an output that cannot be written
	 * is said before, not after */
	fcvae_atomic_check(output);

	char err[256];
	fcvae_buf shown = {0};
	/* the options' errors are usage errors, said before reading; when the
	 * records give the window, it is checked after (with the largest one
	 * here, so that only the records' length can fail then) */
	fcvae_config opts_cfg = cfg;
	if (!window_given)
		opts_cfg.window = 1 << 16;
	if (fcvae_config_check(&opts_cfg, err, sizeof err) != 0)
		fcvae_die(FCVAE_EXIT_USAGE, "bad model configuration: %s", err);
	recset tr = {0}, va = {0};
	tr.W = va.W = window_given ? cfg.window : 0;
	tr.cfg = &cfg;
	tr.key = key;
	tr.keylen = key ? strlen(key) : 0;
	said.tr = &tr;
	if (optind == argc)
		read_file(&tr, "-");
	for (int i = optind; i < argc; i++)
		read_file(&tr, argv[i]);
	if (tr.n == 0 && tr.unfit_W) {
		/* every record of a length these options' model cannot take: a
		 * length no model can have is the data's fault; one the kernel
		 * does not fit, the command line's to change */
		fcvae_config c = cfg, smallest = cfg;
		c.window = smallest.window = tr.unfit_W;
		smallest.kernel = 2;
		if (fcvae_config_check(&smallest, NULL, 0) == 0)
			fcvae_die(FCVAE_EXIT_USAGE, "--kernel %d does not fit the training windows of %d points: "
			          "it must be below the window", cfg.kernel, tr.unfit_W);
		fcvae_config_check(&c, err, sizeof err);
		fcvae_die(FCVAE_EXIT_FAIL, "training windows of %d points: bad model configuration: %s", tr.unfit_W, err);
	}
	if (tr.n == 0 && key && tr.lines)
		fcvae_die(FCVAE_EXIT_FAIL, "training data: no windows of series %s", (key_quoted(&shown, key, tr.keylen), shown.p));
	if (tr.n == 0)
		fcvae_die(FCVAE_EXIT_FAIL, "no training windows%s (fcvae-window emits one per bucket once a series has W buckets)",
		          tr.lines ? " among the input's lines" : ": the input is empty");
	cfg.window = tr.W;
	select_series(&tr, "training data", key, tr.keylen);
	/* the key outlives tr: copied with its length, shown quoted */
	size_t serieslen = tr.keys.len[tr.r[0].key];
	char *series = fcvae_xmalloc(serieslen + 1);
	memcpy(series, tr.keys.key[tr.r[0].key], serieslen + 1);
	key_quoted(&shown, series, serieslen);
	if (validation) {
		va.W = tr.W;
		va.key = series;
		va.keylen = serieslen;
		said.va = &va;
		said.validation = validation;
		read_file(&va, validation);
		if (va.n == 0)
			fcvae_warn("%s: no validation windows; training without early stopping", validation);
		else
			select_series(&va, validation, series, serieslen);
	}

	transform_values(&tr, transform);
	transform_values(&va, transform);
	if (!scaler_given) {
		int tiny = fit_scaler(&tr, bucket_step(&tr), &mean, &std);
		if (!isfinite(mean) || !isfinite(std))
			fcvae_die(FCVAE_EXIT_FAIL, "series %s: the training values' %s overflows (values too large); "
			          "give --scaler MEAN,STD or --transform sqrt", shown.p, isfinite(mean) ? "standard deviation" : "mean");
		if (!(std > 0))
			fcvae_die(FCVAE_EXIT_FAIL, "series %s is constant in the training windows (every value %g): "
			          "its standard deviation is 0; give --scaler MEAN,STD to train anyway", shown.p,
			          fcvae_transform_inverse(transform, mean));
		if (tiny)
			fcvae_die(FCVAE_EXIT_FAIL, "series %s: the training values' spread is too small to standardise by "
			          "(std %g%s, below %g); give --scaler MEAN,STD to train anyway", shown.p, std,
			          transform == FCVAE_TRANSFORM_SQRT ? " of square roots" : "", DBL_MIN);
	}
	fcvae_dataset train, val;
	long masked[3] = {0, 0, 0}, vcount[3] = {0, 0, 0};
	build_dataset(&train, &tr, mean, std, clipx, 0, masked);
	build_dataset(&val, &va, mean, std, clipx, 1, vcount);
	uint64_t hash = fcvae_hash64(train.x, (size_t)train.n * train.W * sizeof *train.x, 0);
	hash = fcvae_hash64(train.mask, (size_t)train.n * train.W * sizeof *train.mask, hash);
	recset_free(&tr);
	recset_free(&va);

	fcvae_model *m = fcvae_model_new(&cfg);
	fcvae_model_init_params(m, o.seed);
	m->transform = transform;
	m->mean = mean;
	m->std = std;
	m->clip = clipx; /* scoring clips as training did */
	progress g = {isatty(2), train.n, 0};
	if (!opt.quiet)
		fcvae_warn("series %s: %d training windows, %d validation windows (%ld more hold labelled anomalies: "
		           "left out), scaler%s mean %g std %g", shown.p, train.n, val.n, vcount[2],
		           transform == FCVAE_TRANSFORM_SQRT ? " (of square roots)" : "", mean, std);
	fcvae_train_result res;
	fcvae_train(m, &train, &val, &o, report, &g, &res);
	/* what comes next (a divergence said, the summary) starts a line */
	if (g.open)
		fputc('\n', stderr);
	/* the output is left as it was: a model every reader refuses is no model */
	char why[128];
	if (fcvae_train_diverged(m, &res, why, sizeof why))
		fcvae_die(FCVAE_EXIT_FAIL, "%s; no model written (a lower --lr, or --clip, may help)", why);
	free(m->training);
	m->training = summary(&o, &res, &train, &val, series, serieslen, hash, opt.label != NULL, masked, vcount[2]);
	if (fcvae_model_save(m, output) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", output);
	if (!opt.quiet) {
		/* without validation, or with early stopping off, the model is
		 * the last epoch's, which has no claim to be the best */
		char kept[96];
		if (!isfinite(res.best_val_loss))
			snprintf(kept, sizeof kept, "the last kept (train loss %.4f; no validation)",
			         res.train_loss[res.best_epoch]);
		else if (o.patience == 0)
			snprintf(kept, sizeof kept, "the last kept (val loss %.4f; best %d, %.4f)",
			         res.val_loss[res.epochs_run - 1], res.best_epoch + 1, res.best_val_loss);
		else
			snprintf(kept, sizeof kept, "best %d (val loss %.4f)", res.best_epoch + 1, res.best_val_loss);
		fcvae_warn("wrote %s: %d epoch%s, %s, %.1f s", output, res.epochs_run, res.epochs_run == 1 ? "" : "s", kept,
		           res.seconds);
	}
	say_rejects();
	free(res.train_loss);
	free(res.val_loss);
	fcvae_dataset_free(&train);
	fcvae_dataset_free(&val);
	fcvae_model_free(m);
	free(series);
	fcvae_buf_free(&shown);
	return 0;
}
