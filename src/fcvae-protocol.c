/* fcvae-protocol — the paper's evaluation protocol on a directory of
 * timestamp,value,label CSV files (SPEC §5): split, train, score, metrics
 * with random and |x| baselines. scripts/fcvae-benchmark drives it. */
#include <cblas.h>
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailing.h"
#include "benchdata.h"
#include "gemm.h"
#include "json.h"
#include "keyset.h"
#include "metrics.h"
#include "model.h"
#include "record.h"
#include "rng.h"
#include "scaler.h"
#include "score.h"
#include "train.h"
#include "trainopts.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-protocol [options] DATA_DIR\n"
	"Run the FCVAE paper's benchmark protocol on every *.csv (timestamp,value,label)\n"
	"of DATA_DIR: 35/15/50 split per file, timestamp completion, standardisation,\n"
	"stride-1 windows, one model trained on the pooled train windows with early\n"
	"stopping on the pooled validation windows, last-point scores of the test\n"
	"windows concatenated over the files; best F1 (2003-threshold sweep, point\n"
	"adjusted), delay F1, best F1 without adjustment, ROC/PR-AUC, and F1 at\n"
	"thresholds chosen on the validation part; random and |x| baselines.\n"
	"\n"
	"      --honest            standardise every part with the train part's statistics\n"
	"                          (default: each part its own, as the official code)\n"
	"      --transform T       none (default) or sqrt: the values' signed square roots\n"
	"                          take their place (the |x| baseline's x too)\n"
	"      --per-file          one model per file instead of one for the directory\n"
	"      --delay K           delay F1 credit window in points (7; paper: NAB 150, Yahoo 3)\n"
	"      --split A,B         train/validation ends as fractions of the rows (0.35,0.5)\n"
	"      --clip-x X          clip standardised values to ±X (40)\n"
	"      --random-draws N    random-score baseline draws averaged (10)\n"
	"  -j, --jobs N            threads (1)\n"
	"      --format table|json what standard output gets (table)\n"
	"      --json FILE         also write the JSON report to FILE\n"
	"      --scores FILE       write every validation and test window's score to FILE (NDJSON)\n"
	"      --from-scores FILE  evaluate the scores a --scores FILE of an earlier run holds\n"
	"                          (same data, split, standardisation and window): no training\n"
	"      --aggregate HOW     none (default), max or mean: each score replaced by the max\n"
	"                          or mean of the file's last N window scores, for every source\n"
	"      --span N[,N...]     N for --aggregate; several: the one with the best validation\n"
	"                          ROC-AUC, per source (1,3,10,30,50,100,150,200,300,400,600)\n"
	"      --max-line N        " FCVAE_MAX_LINE_HELP
	"      --strict            stop at the first bad input line (exit 3)\n"
	"  -q, --quiet             no progress on standard error\n"
	"Model (SPEC §2):\n"
	"      --window W (24)  --latent L (8)  --condition C (16)  --d-model N (64)\n"
	"      --d-inner N (128)  --heads N (4)  --kernel K (8)  --stride S (4)\n"
	"      --hidden N,N,... (64,64)  --dropout P (0.05)\n"
	FCVAE_TRAINOPTS_USAGE
	"Scoring (SPEC §3):\n"
	"      --iterations N (10)  --samples N (16)  --score-batch N (256)\n"
	"  -h, --help              this help\n"
	"      --version           print the version\n";

static struct {
	int honest, transform, per_file, delay, draws, jobs, quiet, json_out;
	double train_end, valid_end, clipx;
	size_t max_line;             /* of the data files (0: FCVAE_MAX_LINE) */
	const char *json_file, *scores_file, *from_scores;
	enum fcvae_trail agg;
	size_t *spans;               /* --span candidates */
	int nspans;
	fcvae_config cfg;
	fcvae_train_opts train;
	fcvae_score_opts score;
	int score_batch;
} opt;

/* ---- the data ---- */

enum { VAL = FCVAE_PART_VALID, TEST = FCVAE_PART_TEST };

typedef struct {
	fcvae_bench_file f;
	fcvae_bench_part part[FCVAE_PARTS];
	double *x[FCVAE_PARTS];      /* standardised, as the model sees them before clipping */
	size_t nwin[FCVAE_PARTS];    /* stride-1 windows of W */
	double *score[FCVAE_PARTS];  /* model: −log-likelihood of each window's last point */
	fcvae_model *model;          /* --per-file: its own */
	fcvae_train_result res;
	int pending;                 /* score chunks not yet done */
	size_t nan_scores;           /* scores not a number, taken as -FLT_MAX */
} bfile;

static bfile *files;
static int nfiles;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_csv(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcmp(name + n - 4, ".csv") && name[0] != '.';
}

static void load_dir(const char *dir, int strict, fcvae_rejects *rej)
{
	DIR *d = opendir(dir);
	if (!d)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", dir);
	char **names = NULL;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_csv(e->d_name))
			continue;
		names = fcvae_xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = fcvae_xstrdup(e->d_name);
	}
	closedir(d);
	if (!n)
		fcvae_die(FCVAE_EXIT_FAIL, "%s: no *.csv files", dir);
	/* a fixed order: the pooled sequence must not depend on readdir */
	qsort(names, n, sizeof *names, cmp_str);
	files = fcvae_xcalloc(n, sizeof *files);
	const int W = opt.cfg.window;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(dir) + strlen(names[i]) + 2;
		char *path = fcvae_xmalloc(len);
		snprintf(path, len, "%s/%s", dir, names[i]);
		bfile *b = &files[nfiles];
		int rc = fcvae_bench_file_load(&b->f, path, opt.max_line, strict, rej);
		if (rc > 0)
			exit(FCVAE_EXIT_DATA); /* --strict: the bad line said why */
		if (rc != 0) {
			fcvae_bench_file_free(&b->f);
			fcvae_warn("%s: skipped", path);
			free(path);
			free(names[i]);
			continue;
		}
		int ok = 1;
		for (int p = 0; p < FCVAE_PARTS && ok; p++) {
			size_t lo, hi;
			char err[256];
			fcvae_bench_split(b->f.n, opt.train_end, opt.valid_end, p, &lo, &hi);
			if (fcvae_bench_part_build(&b->part[p], &b->f, lo, hi, opt.transform, err, sizeof err) != 0) {
				fcvae_warn("%s; skipped", err);
				ok = 0;
			}
		}
		const fcvae_bench_part *tr = &b->part[FCVAE_PART_TRAIN];
		/* a std of 0 counts as 1: --honest would leave validation and test
		 * unscaled (raw minus the mean), and either way the model would
		 * learn from zeros; fcvae-train refuses such a series too */
		if (ok && tr->n && !(tr->std > 0)) {
			fcvae_warn("%s: the train part is constant (every value %g): its standard deviation is 0; skipped",
			           path, tr->value[0]);
			ok = 0;
		}
		else if (ok && opt.honest && !tr->n) {
			fcvae_warn("%s: the train part is empty: --honest has no statistics to standardise the file with; skipped",
			           path);
			ok = 0;
		}
		if (ok) {
			for (int p = 0; p < FCVAE_PARTS; p++) {
				const fcvae_bench_part *pp = &b->part[p];
				const fcvae_bench_part *st = opt.honest ? tr : pp;
				if (pp->duplicates)
					fcvae_warn("%s: %zu rows share a time slot with an earlier row; first kept", b->f.name,
					           pp->duplicates);
				b->x[p] = fcvae_xmalloc((pp->n + 1) * sizeof *b->x[p]);
				fcvae_bench_part_standardise(pp, st->mean, st->std, b->x[p]);
				b->nwin[p] = pp->n >= (size_t)W ? pp->n - W + 1 : 0;
			}
			if (!opt.quiet)
				fcvae_warn("%s: %zu rows every %g s; windows train %zu, validation %zu, test %zu", b->f.name,
				           b->f.n, b->f.interval, b->nwin[0], b->nwin[1], b->nwin[2]);
			nfiles++;
		} else {
			for (int p = 0; p < FCVAE_PARTS; p++)
				fcvae_bench_part_free(&b->part[p]);
			fcvae_bench_file_free(&b->f);
		}
		free(path);
		free(names[i]);
	}
	free(names);
	if (!nfiles)
		fcvae_die(FCVAE_EXIT_FAIL, "%s: no usable files", dir);
}

/* The windows of one part of a file into a data set. */
static void add_windows(fcvae_dataset *d, const bfile *b, int p)
{
	for (size_t j = 0; j < b->nwin[p]; j++)
		fcvae_dataset_add(d, b->x[p] + j, b->part[p].missing + j, NULL, 0, 1, opt.clipx);
}

/* ---- training ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void report(const fcvae_train_progress *p, void *ctx)
{
	const char *what = ctx;
	if (opt.quiet || p->batch != p->batches)
		return;
	double rate = p->seconds > 0 ? p->windows / p->seconds : 0;
	/* one write a line: the threads' lines do not mix */
	fcvae_warn("%s: epoch %d/%d loss %.4f val %.4f%s %.0f windows/s %.0f s", what, p->epoch + 1, p->epochs,
	           p->loss, p->val_loss, p->best_epoch == p->epoch ? "*" : "", rate, p->seconds);
}

/* Says so when files [a, b) have no training window; returns whether.
 * Asked by the main thread before any training: from the workers, two
 * exits at once raced (exit is not thread-safe) and which files were said
 * hung on the threads; and the files with windows would train for nothing. */
static int no_training_windows(int a, int b, const char *what)
{
	size_t n = 0;
	for (int i = a; i < b; i++)
		n += files[i].nwin[FCVAE_PART_TRAIN];
	if (n)
		return 0;
	fcvae_warn("%s: no training windows (train parts shorter than the window %d)", what, opt.cfg.window);
	return 1;
}

/* Trains a model on the train windows of files [a, b) (no_training_windows
 * said there are some), early stopping on their validation windows. */
static fcvae_model *train_on(int a, int b, const char *what, fcvae_train_result *res)
{
	fcvae_dataset tr, va;
	fcvae_dataset_init(&tr, opt.cfg.window);
	fcvae_dataset_init(&va, opt.cfg.window);
	for (int i = a; i < b; i++) {
		add_windows(&tr, &files[i], FCVAE_PART_TRAIN);
		add_windows(&va, &files[i], VAL);
	}
	fcvae_model *m = fcvae_model_new(&opt.cfg);
	fcvae_model_init_params(m, opt.train.seed);
	/* the data arrive standardised: the model's scaler is the identity,
	 * and scoring clips them as training did */
	m->mean = 0;
	m->std = 1;
	m->clip = opt.clipx;
	if (!opt.quiet)
		fcvae_warn("%s: training on %d windows, validation %d", what, tr.n, va.n);
	fcvae_train(m, &tr, &va, &opt.train, report, (void *)what, res);
	fcvae_dataset_free(&tr);
	fcvae_dataset_free(&va);
	return m;
}

/* A model whose training diverged, or left parameters that are not finite,
 * is of no use (fcvae-train writes none): its figures would be noise's.
 * Says so; returns whether it did. */
static int diverged(const char *what, const fcvae_model *m, const fcvae_train_result *r)
{
	char why[128];
	if (!fcvae_train_diverged(m, r, why, sizeof why))
		return 0;
	fcvae_warn("%s: %s; nothing evaluated (a lower --lr, or --clip, may help)", what, why);
	return 1;
}

static int next_file;

static void *train_worker(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		int i = next_file++;
		pthread_mutex_unlock(&lock);
		if (i >= nfiles)
			return NULL;
		files[i].model = train_on(i, i + 1, files[i].f.name, &files[i].res);
	}
}

static void run_threads(void *(*fn)(void *), int n)
{
	pthread_t *t = fcvae_xmalloc(n * sizeof *t);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, NULL) != 0)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot start a thread:");
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

/* ---- scoring ---- */

typedef struct {
	int file, part;
	size_t lo, hi;
} chunk;

static chunk *chunks;
static int nchunks, next_chunk;
static size_t scored_windows;

#define CHUNK 2048

static void *score_worker(void *arg)
{
	(void)arg;
	const int W = opt.cfg.window, B = opt.score_batch;
	fcvae_scorer *s = NULL;
	const fcvae_model *sm = NULL;
	double *raw = fcvae_xmalloc((size_t)B * W * sizeof *raw);
	unsigned char *miss = fcvae_xmalloc((size_t)B * W);
	uint64_t *stream = fcvae_xmalloc(B * sizeof *stream);
	fcvae_score_result *out = fcvae_xmalloc(B * sizeof *out);
	for (;;) {
		pthread_mutex_lock(&lock);
		int c = next_chunk++;
		pthread_mutex_unlock(&lock);
		if (c >= nchunks)
			break;
		bfile *b = &files[chunks[c].file];
		int p = chunks[c].part;
		if (b->model != sm) {
			fcvae_scorer_free(s);
			sm = b->model;
			s = fcvae_scorer_new(sm, B);
		}
		size_t nan = 0;
		for (size_t j = chunks[c].lo; j < chunks[c].hi; j += B) {
			int n = chunks[c].hi - j < (size_t)B ? (int)(chunks[c].hi - j) : B;
			for (int k = 0; k < n; k++) {
				memcpy(raw + (size_t)k * W, b->x[p] + j + k, W * sizeof *raw);
				memcpy(miss + (size_t)k * W, b->part[p].missing + j + k, W);
				/* each window its own noise: the file and its place in it */
				stream[k] = fcvae_score_stream(b->f.name, strlen(b->f.name), ((int64_t)p << 40) + (int64_t)(j + k));
			}
			fcvae_score_batch(s, &opt.score, raw, miss, stream, n, out);
			/* as fcvae-score writes them: --scores holds numbers, which
			 * --from-scores reads back to the same figures */
			for (int k = 0; k < n; k++) {
				nan += isnan(out[k].score) != 0;
				b->score[p][j + k] = -fcvae_score_finite(out[k].score);
			}
		}
		pthread_mutex_lock(&lock);
		scored_windows += chunks[c].hi - chunks[c].lo;
		b->nan_scores += nan;
		if (--b->pending == 0) {
			if (b->nan_scores)
				fcvae_warn("%s: %zu window scores not a number (the decoder's variance is 0, or the model's "
				           "output not a number): taken as -FLT_MAX, the most anomalous", b->f.name,
				           b->nan_scores);
			if (!opt.quiet)
				fcvae_warn("%s: scored %zu validation and %zu test windows", b->f.name, b->nwin[VAL],
				           b->nwin[TEST]);
		}
		pthread_mutex_unlock(&lock);
	}
	fcvae_scorer_free(s);
	free(raw);
	free(miss);
	free(stream);
	free(out);
	return NULL;
}

static void alloc_scores(void)
{
	for (int i = 0; i < nfiles; i++)
		for (int p = VAL; p <= TEST; p++)
			files[i].score[p] = fcvae_xmalloc((files[i].nwin[p] + 1) * sizeof(double));
}

static void score_all(void)
{
	alloc_scores();
	for (int i = 0; i < nfiles; i++)
		for (int p = VAL; p <= TEST; p++) {
			for (size_t lo = 0; lo < files[i].nwin[p]; lo += CHUNK) {
				chunks = fcvae_xrealloc(chunks, (nchunks + 1) * sizeof *chunks);
				size_t hi = lo + CHUNK < files[i].nwin[p] ? lo + CHUNK : files[i].nwin[p];
				chunks[nchunks++] = (chunk){i, p, lo, hi};
				files[i].pending++;
			}
		}
	run_threads(score_worker, opt.jobs);
}

/* Every scored window as a scored record (fcvae-eval reads them): the file
 * as key, the part, the last point's time, raw and standardised value,
 * missing flag, label, and score (log-likelihood: lower = more anomalous). */
/* An output file is written at the end, after minutes of work: a path that
 * cannot be is said at the start. */
static void check_writable(const char *path)
{
	if (path && fcvae_atomic_try(path) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
}

static void write_scores(const char *path)
{
	const int W = opt.cfg.window;
	fcvae_atomic a;
	if (fcvae_atomic_open(&a, path) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
	fcvae_buf b = {0};
	for (int i = 0; i < nfiles; i++) {
		const bfile *f = &files[i];
		for (int p = VAL; p <= TEST; p++) {
			const fcvae_bench_part *pp = &f->part[p];
			for (size_t j = 0; j < f->nwin[p]; j++) {
				size_t last = j + W - 1;
				fcvae_buf_clear(&b);
				fcvae_buf_adds(&b, "{\"key\":");
				fcvae_json_add_cstring(&b, f->f.name);
				fcvae_buf_printf(&b, ",\"part\":\"%s\",\"ts\":", p == VAL ? "validation" : "test");
				fcvae_json_add_number(&b, pp->t0 + (double)last * f->f.interval);
				fcvae_buf_adds(&b, ",\"value\":");
				fcvae_json_add_number(&b, pp->value[last]);
				fcvae_buf_adds(&b, ",\"x\":");
				fcvae_json_add_number(&b, pp->missing[last] ? 0 : f->x[p][last]);
				fcvae_buf_printf(&b, ",\"missing\":%s,\"label\":%d,\"score\":", pp->missing[last] ? "true" : "false",
				                 pp->label[last] != 0);
				fcvae_json_add_number(&b, -f->score[p][j]);
				fcvae_buf_adds(&b, "}\n");
				if (fcvae_buf_write(&b, a.fp) != 0)
					break;
			}
		}
	}
	fcvae_buf_free(&b);
	if (fcvae_atomic_commit(&a) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
}

/* The scores write_scores() wrote, back into files[].score: the j-th record
 * of a file's part is its j-th window, and its time must be that window's
 * last point's, so scores of another window length, split or data set are
 * refused rather than evaluated against the wrong labels. */
static void read_scores(const char *path)
{
	const int W = opt.cfg.window;
	fcvae_lines in;
	if (fcvae_lines_open(&in, path) != 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
	alloc_scores();
	size_t (*got)[FCVAE_PARTS] = fcvae_xcalloc(nfiles, sizeof *got);
	fcvae_json_parser jp;
	fcvae_json_parser_init(&jp);
	/* a key's file by name: a directory may hold thousands. By the name as
	 * the key reads back: write_scores() wrote bytes that are not UTF-8
	 * as U+FFFD, as JSON must */
	fcvae_keyset names = {0};
	int rc, added;
	fcvae_buf esc = {0};
	for (int i = 0; i < nfiles; i++) {
		fcvae_buf_clear(&esc);
		fcvae_json_add_cstring(&esc, files[i].f.name);
		const fcvae_json *name = fcvae_json_parse(&jp, esc.p, esc.len);
		size_t at = fcvae_keyset_add(&names, name->str, name->slen, &added);
		if (!added)
			fcvae_die(FCVAE_EXIT_FAIL, "%s: the data directory's file names %s and %s differ only in bytes "
			          "that are not UTF-8: their scores cannot be told apart", path, files[at].f.name,
			          files[i].f.name);
	}
	fcvae_buf_free(&esc);
	while ((rc = fcvae_lines_read(&in, -1)) == 1) {
		if (fcvae_lines_blank(&in))
			continue;
		const fcvae_json *r = fcvae_json_parse(&jp, in.line, in.len);
		if (!r)
			fcvae_die(FCVAE_EXIT_FAIL, "%s: line %zu: %s", path, in.lineno, jp.err);
		const fcvae_json *key = fcvae_json_get(r, "key"), *part = fcvae_json_get(r, "part"),
		                 *ts = fcvae_json_get(r, "ts"), *score = fcvae_json_get(r, "score"),
		                 *x = fcvae_json_get(r, "x");
		if (!key || key->type != FCVAE_JSON_STRING || !part || part->type != FCVAE_JSON_STRING || !ts ||
		    ts->type != FCVAE_JSON_NUMBER || !score || score->type != FCVAE_JSON_NUMBER || !isfinite(score->num))
			fcvae_die(FCVAE_EXIT_FAIL, "%s: line %zu: not a scored window (key, part, ts, score)", path,
			          in.lineno);
		size_t i = fcvae_keyset_find(&names, key->str, key->slen);
		if (i == FCVAE_KEYSET_NONE) {
			fcvae_buf k = {0};
			fcvae_json_add_string(&k, key->str, key->slen);
			fcvae_die(FCVAE_EXIT_FAIL, "%s: line %zu: %s is not a file of the data directory", path,
			          in.lineno, k.p);
		}
		int p = fcvae_json_str_is(part, "validation") ? VAL : fcvae_json_str_is(part, "test") ? TEST : -1;
		bfile *b = &files[i];
		size_t j = p < 0 ? 0 : got[i][p]++;
		double want = p < 0 ? 0 : b->part[p].t0 + (double)(j + W - 1) * b->f.interval;
		if (p < 0 || j >= b->nwin[p] || !(fabs(ts->num - want) < 1e-3 * b->f.interval))
			fcvae_die(FCVAE_EXIT_FAIL, "%s: line %zu: not window %zu of %s's %s part (another window "
			          "length, split or data directory?)", path, in.lineno, j + 1, key->str, part->str);
		/* x as written (shortest round trip): the same standardisation */
		size_t last = j + W - 1;
		double xw = b->part[p].missing[last] ? 0 : b->x[p][last];
		if (x && x->type == FCVAE_JSON_NUMBER && x->num != xw)
			fcvae_die(FCVAE_EXIT_FAIL, "%s: line %zu: x is %.17g, here %.17g (scores of another "
			          "standardisation: --honest, --transform?)", path, in.lineno, x->num, xw);
		b->score[p][j] = -score->num;
	}
	if (rc < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
	for (int i = 0; i < nfiles; i++)
		for (int p = VAL; p <= TEST; p++)
			if (got[i][p] != files[i].nwin[p])
				fcvae_die(FCVAE_EXIT_FAIL, "%s: %zu scores of %s's %s part, not %zu", path, got[i][p],
				          files[i].f.name, p == VAL ? "validation" : "test", files[i].nwin[p]);
	fcvae_keyset_free(&names);
	fcvae_json_parser_free(&jp);
	fcvae_lines_close(&in);
	free(got);
}

/* ---- metrics ---- */

enum { SRC_MODEL, SRC_RANDOM, SRC_ABS };
static const char *src_name[] = {"model", "random", "abs"};

/* One score sequence: a window's last point and its label (alternating 1, 2
 * by file so that files' segments never merge). Scores are
 * aggregated (--aggregate) over span windows within each file's part. */
typedef struct {
	size_t n;
	double *a;
	unsigned char *label;
} seq;

static void seq_build(seq *s, int p, int src, int draw, int only, size_t span)
{
	const int W = opt.cfg.window;
	size_t n = 0;
	for (int i = 0; i < nfiles; i++)
		if (only < 0 || only == i)
			n += files[i].nwin[p];
	s->n = n;
	s->a = fcvae_xmalloc((n + 1) * sizeof *s->a);
	s->label = fcvae_xmalloc(n + 1);
	size_t k = 0;
	double *raw = opt.agg != FCVAE_TRAIL_NONE && span > 1 ? fcvae_xmalloc((n + 1) * sizeof *raw) : NULL;
	/* labels 1 and 2 by turns, file by file, so that a segment at the end
	 * of one file and one at the start of the next stay two; counted over
	 * the files with windows here (one without would join its neighbours) */
	int turn = 0;
	for (int i = 0; i < nfiles; i++) {
		if (only >= 0 && only != i)
			continue;
		size_t k0 = k;
		const unsigned char lab = (unsigned char)(1 + turn % 2);
		turn += files[i].nwin[p] > 0;
		const bfile *b = &files[i];
		fcvae_rng r;
		fcvae_rng_init(&r, opt.train.seed + (uint64_t)draw,
		               fcvae_hash64(b->f.name, strlen(b->f.name), (uint64_t)p));
		for (size_t j = 0; j < b->nwin[p]; j++, k++) {
			size_t last = j + W - 1;
			double x = b->part[p].missing[last] ? 0 : b->x[p][last];
			s->a[k] = src == SRC_MODEL ? b->score[p][j]
			        : src == SRC_RANDOM ? fcvae_rng_uniform(&r)
			                            : fmin(fabs(x), opt.clipx);
			s->label[k] = b->part[p].label[last] ? lab : 0;
		}
		if (raw) {
			memcpy(raw, s->a + k0, (k - k0) * sizeof *raw);
			fcvae_trail_apply(s->a + k0, raw, k - k0, span, opt.agg);
		}
	}
	free(raw);
}

static void seq_free(seq *s)
{
	free(s->a);
	free(s->label);
}

enum { F_BEST, F_BEST_P, F_BEST_R, F_DELAY, F_POINT, F_ROC, F_PR, F_VAL_PA, F_VAL_DELAY, F_VAL_POINT, NFIG };
static const char *fig_name[NFIG] = {"best_f1", "best_f1_precision", "best_f1_recall", "delay_f1",
                                     "best_f1_point", "roc_auc", "pr_auc", "val_pa_f1", "val_delay_f1",
                                     "val_point_f1"};

typedef struct {
	double v[NFIG];
	double span;     /* --aggregate's span used (random: mean over the draws) */
	double thr[3];   /* validation-chosen thresholds (a >= t) by adjustment mode; NaN if none */
	size_t n, anomalies;
} figures;

static const enum fcvae_adjust val_mode[3] = {FCVAE_ADJUST_PA, FCVAE_ADJUST_DELAY, FCVAE_ADJUST_NONE};

static void figures_test(figures *f, const seq *t)
{
	fcvae_prf r;
	double th;
	f->n = t->n;
	f->anomalies = 0;
	for (size_t i = 0; i < t->n; i++)
		f->anomalies += t->label[i] != 0;
	if (t->n == 0) {
		for (int i = 0; i < F_VAL_PA; i++)
			f->v[i] = NAN;
		return;
	}
	fcvae_metrics_best_paper(&r, &th, t->a, t->label, t->n, FCVAE_ADJUST_PA, opt.delay);
	f->v[F_BEST] = r.f1;
	f->v[F_BEST_P] = r.precision;
	f->v[F_BEST_R] = r.recall;
	fcvae_metrics_best_paper(&r, &th, t->a, t->label, t->n, FCVAE_ADJUST_DELAY, opt.delay);
	f->v[F_DELAY] = r.f1;
	fcvae_metrics_best_paper(&r, &th, t->a, t->label, t->n, FCVAE_ADJUST_NONE, opt.delay);
	f->v[F_POINT] = r.f1;
	f->v[F_ROC] = fcvae_metrics_roc_auc(t->a, t->label, t->n);
	f->v[F_PR] = fcvae_metrics_pr_auc(t->a, t->label, t->n);
}

/* The model's scores are −log-likelihoods: its thresholds lie midway in
 * deviations, as fcvae-calibrate places them; the baselines' (uniform
 * draws, |x|) midway between the scores themselves. */
static void choose_thresholds(double thr[3], const seq *v, int src)
{
	int (*choose)(double *, fcvae_prf *, const double *, const unsigned char *, size_t, enum fcvae_adjust, int,
	              double, int) = src == SRC_MODEL ? fcvae_metrics_choose_loglik : fcvae_metrics_choose;
	for (int m = 0; m < 3; m++) {
		fcvae_prf r;
		double t;
		thr[m] = choose(&t, &r, v->a, v->label, v->n, val_mode[m], opt.delay, 1, 0) == 0 ? t : NAN;
	}
}

/* F1 on test of flags a >= thr. */
static void figures_val(figures *f, const seq *t, const double thr[3])
{
	unsigned char *flag = fcvae_xmalloc(t->n + 1);
	for (int m = 0; m < 3; m++) {
		for (size_t i = 0; i < t->n; i++)
			flag[i] = t->a[i] >= thr[m];
		fcvae_prf r;
		fcvae_metrics_flags(&r, flag, t->label, t->n, val_mode[m], opt.delay);
		f->v[F_VAL_PA + m] = isnan(thr[m]) || t->n == 0 ? NAN : r.f1;
	}
	free(flag);
}

/* The --span candidate with the best pooled validation ROC-AUC, the
 * shortest of equals. Validation labels only. */
static int span_unchosen; /* no candidate had a validation ROC-AUC: the shortest taken */

static size_t choose_span(int src, int d)
{
	if (opt.agg == FCVAE_TRAIL_NONE)
		return 1;
	size_t best = opt.spans[0];
	double best_roc = -2;
	int any = 0;
	for (int c = 0; opt.nspans > 1 && c < opt.nspans; c++) {
		seq v;
		seq_build(&v, VAL, src, d, -1, opt.spans[c]);
		double roc = fcvae_metrics_roc_auc(v.a, v.label, v.n);
		seq_free(&v);
		/* NaN (validation without a labelled point, or without a normal
		 * one) ranks below any ROC-AUC and equal to itself: all NaN is
		 * the shortest span, not the first given */
		any |= !isnan(roc);
		if (isnan(roc))
			roc = -1;
		if (roc > best_roc || (roc == best_roc && opt.spans[c] < best)) {
			best_roc = roc;
			best = opt.spans[c];
		}
	}
	if (opt.nspans > 1 && !any)
		span_unchosen = 1;
	return best;
}

/* Figures of source src (draw d) pooled into *pool and per file into per[];
 * one threshold from the pooled validation sequence, per-file models too
 * (their log-likelihoods are of values standardised alike; a file whose
 * validation part holds no labelled point could have none of its own). */
static void evaluate(int src, int d, figures *pool, figures *per)
{
	double thr[3];
	seq v, t;
	size_t span = choose_span(src, d);
	seq_build(&v, VAL, src, d, -1, span);
	choose_thresholds(thr, &v, src);
	seq_free(&v);
	pool->span = (double)span;
	seq_build(&t, TEST, src, d, -1, span);
	figures_test(pool, &t);
	figures_val(pool, &t, thr);
	memcpy(pool->thr, thr, sizeof pool->thr);
	seq_free(&t);
	for (int i = 0; i < nfiles; i++) {
		per[i].span = (double)span;
		seq_build(&t, TEST, src, d, i, span);
		figures_test(&per[i], &t);
		figures_val(&per[i], &t, thr);
		memcpy(per[i].thr, thr, sizeof per[i].thr);
		seq_free(&t);
	}
}

/* Adds b into the sums in acc (NaN stays NaN); figures_mean() divides them
 * once, so that a mean of whole spans prints as it reads (390.2, where
 * adding span·(1/n) n times gave 390.20000000000005). */
static void figures_add(figures *acc, const figures *b)
{
	for (int i = 0; i < NFIG; i++)
		acc->v[i] += b->v[i];
	acc->span += b->span;
	acc->n = b->n;
	acc->anomalies = b->anomalies;
	for (int m = 0; m < 3; m++)
		acc->thr[m] = NAN;
}

static void figures_mean(figures *acc, int n)
{
	for (int i = 0; i < NFIG; i++)
		acc->v[i] /= n;
	acc->span /= n;
}

/* ---- output ---- */

static void json_figures(fcvae_buf *b, const figures *f, int with_thr)
{
	fcvae_buf_addc(b, '{');
	for (int i = 0; i < NFIG; i++) {
		if (i)
			fcvae_buf_addc(b, ',');
		fcvae_json_add_key(b, fig_name[i]);
		fcvae_json_add_number(b, f->v[i]);
	}
	if (opt.agg != FCVAE_TRAIL_NONE) {
		fcvae_buf_adds(b, ",\"span\":");
		fcvae_json_add_number(b, f->span);
	}
	if (with_thr) {
		static const char *tn[3] = {"threshold_pa", "threshold_delay", "threshold_point"};
		for (int m = 0; m < 3; m++) {
			fcvae_buf_addc(b, ',');
			fcvae_json_add_key(b, tn[m]);
			fcvae_json_add_number(b, f->thr[m]);
		}
	}
	fcvae_buf_addc(b, '}');
}

static void json_config(fcvae_buf *b)
{
	const fcvae_config *c = &opt.cfg;
	const fcvae_train_opts *o = &opt.train;
	fcvae_buf_printf(b, "\"config\":{\"window\":%d,\"latent_dim\":%d,\"condition_emb_dim\":%d,\"d_model\":%d,"
	                    "\"d_inner\":%d,\"n_head\":%d,\"kernel_size\":%d,\"stride\":%d,\"hidden_dims\":[",
	                 c->window, c->latent, c->cond, c->d_model, c->d_inner, c->n_head, c->kernel, c->stride);
	for (int i = 0; i < c->n_hidden; i++)
		fcvae_buf_printf(b, "%s%d", i ? "," : "", c->hidden[i]);
	fcvae_buf_adds(b, "],\"dropout_rate\":");
	fcvae_json_add_float(b, c->dropout);
	fcvae_buf_printf(b, "},\"training_options\":{\"epochs\":%d,\"batch\":%d,\"t_max\":%d,\"kl_warmup\":%d,"
	                    "\"patience\":%d,\"seed\":%llu",
	                 o->epochs, o->batch, o->t_max, o->kl_warmup, o->patience, (unsigned long long)o->seed);
	const struct {
		const char *name;
		double v;
	} d[] = {{"lr", o->lr}, {"beta1", o->beta1}, {"beta2", o->beta2}, {"adam_eps", o->adam_eps},
	         {"eta_min", o->eta_min}, {"clip", o->clip}, {"point_anomalies", o->point_rate},
	         {"segment_swaps", o->seg_rate}, {"missing_rate", o->miss_rate}};
	for (size_t i = 0; i < sizeof d / sizeof *d; i++) {
		fcvae_buf_addc(b, ',');
		fcvae_json_add_key(b, d[i].name);
		fcvae_json_add_number(b, d[i].v);
	}
	fcvae_buf_adds(b, ",\"attn_dropout\":");
	fcvae_json_add_float(b, o->attn_dropout);
	fcvae_buf_printf(b, "},\"scoring\":{\"iterations\":%d,\"samples\":%d,\"seed\":%llu}", opt.score.iterations,
	                 opt.score.samples, (unsigned long long)opt.score.seed);
}

static void json_training(fcvae_buf *b, const fcvae_train_result *r)
{
	fcvae_buf_printf(b, "{\"epochs\":%d,\"best_epoch\":%d,\"best_val_loss\":", r->epochs_run, r->best_epoch + 1);
	fcvae_json_add_number(b, r->best_val_loss);
	fcvae_buf_adds(b, ",\"val_loss\":[");
	for (int e = 0; r->val_loss && e < r->epochs_run; e++) {
		char t[32];
		snprintf(t, sizeof t, "%.6g", r->val_loss[e]);
		if (e)
			fcvae_buf_addc(b, ',');
		fcvae_json_add_number(b, strtod(t, NULL));
	}
	fcvae_buf_adds(b, "]}");
}

static void table_row(FILE *fp, const char *name, const char *src, const figures *f)
{
	fprintf(fp, "%-28.28s %-6s", name, src);
	static const int cols[] = {F_BEST, F_DELAY, F_POINT, F_ROC, F_PR, F_VAL_PA, F_VAL_DELAY, F_VAL_POINT};
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
		if (isnan(f->v[cols[i]]))
			fprintf(fp, " %7s", "-");
		else
			fprintf(fp, " %7.3f", f->v[cols[i]]);
	}
	fputc('\n', fp);
}

static void table(FILE *fp, const char *dir, figures pool[3], figures *per[3], double train_s, long train_w,
                  double score_s)
{
	fprintf(fp, "%s: %d files, %s standardisation%s, %s, delay k %d\n", dir, nfiles,
	        opt.honest ? "honest (train statistics)" : "paper (per part)",
	        opt.transform == FCVAE_TRANSFORM_SQRT ? " of square roots" : "",
	        opt.per_file ? "one model per file" : "one pooled model", opt.delay);
	if (opt.from_scores)
		fprintf(fp, "scores from %s\n", opt.from_scores);
	else
		fprintf(fp, "training %.1f s (%.0f windows/s), scoring %.1f s (%.0f windows/s, %zu windows)\n", train_s,
		        train_s > 0 ? train_w / train_s : 0, score_s, score_s > 0 ? scored_windows / score_s : 0,
		        scored_windows);
	if (opt.agg != FCVAE_TRAIL_NONE)
		fprintf(fp, "scores: trailing %s over the last N windows of the file, N %s: model %g, random %g (mean), "
		        "|x| %g\n", fcvae_trail_name(opt.agg),
		        opt.nspans == 1 ? "given"
		        : span_unchosen ? "the shortest given (none chosen: validation ROC-AUC undefined, "
		                          "no labelled point or no normal one)"
		                        : "chosen on validation ROC-AUC",
		        pool[SRC_MODEL].span, pool[SRC_RANDOM].span, pool[SRC_ABS].span);
	fprintf(fp, "%-28s %-6s %7s %7s %7s %7s %7s %7s %7s %7s\n", "file", "score", "bestF1", "delayF1", "pointF1",
	        "ROC", "PR", "valPA", "valDel", "valPt");
	for (int s = 0; s < 3; s++)
		table_row(fp, "(pooled)", src_name[s], &pool[s]);
	for (int i = 0; i < nfiles; i++)
		for (int s = 0; s < 3; s++)
			table_row(fp, files[i].f.name, src_name[s], &per[s][i]);
}

/* ---- options ---- */

enum {
	O_CLIPX = FCVAE_OPT_END, O_MAXLINE, O_STRICT, O_VERSION, O_HONEST, O_TRANSFORM, O_PERFILE, O_DELAY, O_SPLIT,
	O_DRAWS, O_FORMAT,
	O_JSON, O_ITER, O_SAMPLES, O_SBATCH, O_SCORES, O_FROM, O_AGG, O_SPAN,
};

/* --span: a comma-separated list of point counts >= 1 into opt.spans. */
static void parse_spans(const char *arg)
{
	opt.nspans = 0;
	const char *p = arg;
	for (;;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p || v < 1 || v > 1L << 30 || (*end && *end != ','))
			fcvae_die(FCVAE_EXIT_USAGE, "--span: '%s' is not a list of numbers of windows >= 1 (e.g. 50,100)", arg);
		opt.spans = fcvae_xrealloc(opt.spans, (opt.nspans + 1) * sizeof *opt.spans);
		opt.spans[opt.nspans++] = (size_t)v;
		if (!*end)
			break;
		p = end + 1;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quiet", no_argument, 0, 'q'}, {"jobs", required_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION},
		FCVAE_TRAINOPTS_LONGOPTS,
		{"clip-x", required_argument, 0, O_CLIPX}, {"max-line", required_argument, 0, O_MAXLINE},
		{"strict", no_argument, 0, O_STRICT},
		{"honest", no_argument, 0, O_HONEST}, {"transform", required_argument, 0, O_TRANSFORM},
		{"per-file", no_argument, 0, O_PERFILE},
		{"delay", required_argument, 0, O_DELAY}, {"split", required_argument, 0, O_SPLIT},
		{"random-draws", required_argument, 0, O_DRAWS}, {"format", required_argument, 0, O_FORMAT},
		{"json", required_argument, 0, O_JSON}, {"iterations", required_argument, 0, O_ITER},
		{"samples", required_argument, 0, O_SAMPLES}, {"score-batch", required_argument, 0, O_SBATCH},
		{"scores", required_argument, 0, O_SCORES}, {"from-scores", required_argument, 0, O_FROM},
		{"aggregate", required_argument, 0, O_AGG}, {"span", required_argument, 0, O_SPAN},
		{0, 0, 0, 0},
	};
	fcvae_start(argv);
	fcvae_config_default(&opt.cfg);
	fcvae_train_opts_default(&opt.train);
	opt.score = (fcvae_score_opts){10, 16, 42};
	opt.score_batch = 256;
	opt.delay = 7;
	opt.draws = 10;
	opt.jobs = 1;
	opt.train_end = 0.35;
	opt.valid_end = 0.5;
	opt.clipx = FCVAE_CLIP_X;
	parse_spans("1,3,10,30,50,100,150,200,300,400,600");
	int strict = 0, c, seed_given = 0;
	fcvae_train_opts *o = &opt.train;
	while ((c = getopt_long(argc, argv, "qj:h", longopts, NULL)) != -1) {
		if (fcvae_trainopts_parse(c, optarg, &opt.cfg, o)) {
			seed_given |= c == FCVAE_OPT_SEED;
			continue;
		}
		switch (c) {
		case 'q': opt.quiet = 1; break;
		case 'j': opt.jobs = (int)fcvae_parse_long("--jobs", optarg, 1, 256); break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		case O_CLIPX: opt.clipx = fcvae_parse_double("--clip-x", optarg); break;
		case O_MAXLINE: opt.max_line = fcvae_parse_max_line(optarg); break;
		case O_STRICT: strict = 1; break;
		case O_HONEST: opt.honest = 1; break;
		case O_TRANSFORM:
			if ((opt.transform = fcvae_transform_parse(optarg, strlen(optarg))) < 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--transform: '%s' is not none or sqrt", optarg);
			break;
		case O_PERFILE: opt.per_file = 1; break;
		case O_DELAY: opt.delay = (int)fcvae_parse_long("--delay", optarg, 0, 1 << 30); break;
		case O_SPLIT: {
			char *end;
			opt.train_end = strtod(optarg, &end);
			if (*end != ',')
				fcvae_die(FCVAE_EXIT_USAGE, "--split: '%s' is not TRAIN_END,VALID_END (e.g. 0.35,0.5)", optarg);
			opt.valid_end = fcvae_parse_double("--split", end + 1);
			if (!(opt.train_end > 0 && opt.train_end <= opt.valid_end && opt.valid_end < 1))
				fcvae_die(FCVAE_EXIT_USAGE, "--split: need 0 < TRAIN_END <= VALID_END < 1");
			break;
		}
		case O_DRAWS: opt.draws = (int)fcvae_parse_long("--random-draws", optarg, 1, 1000); break;
		case O_FORMAT:
			if (!strcmp(optarg, "json"))
				opt.json_out = 1;
			else if (!strcmp(optarg, "table"))
				opt.json_out = 0;
			else
				fcvae_die(FCVAE_EXIT_USAGE, "--format: '%s' is not table or json", optarg);
			break;
		case O_JSON: opt.json_file = optarg; break;
		case O_SCORES: opt.scores_file = optarg; break;
		case O_FROM: opt.from_scores = optarg; break;
		case O_AGG:
			if (fcvae_trail_parse(optarg, &opt.agg) != 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--aggregate: '%s' is not none, max or mean", optarg);
			break;
		case O_SPAN: parse_spans(optarg); break;
		case O_ITER: opt.score.iterations = (int)fcvae_parse_long("--iterations", optarg, 0, 100000); break;
		case O_SAMPLES: opt.score.samples = (int)fcvae_parse_long("--samples", optarg, 1, 100000); break;
		case O_SBATCH: opt.score_batch = (int)fcvae_parse_long("--score-batch", optarg, 1, 1 << 16); break;
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (optind != argc - 1) {
		fcvae_warn(optind == argc ? "no data directory" : "one data directory, please");
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	if (seed_given)
		opt.score.seed = o->seed;
	fcvae_trainopts_check(&opt.cfg, o);
	fcvae_option_range("--clip-x", opt.clipx, 1e-6, FCVAE_CLIP_X_MAX);
	o->cond_dropout = opt.cfg.dropout;
	char err[256];
	if (fcvae_config_check(&opt.cfg, err, sizeof err) != 0)
		fcvae_die(FCVAE_EXIT_USAGE, "bad model configuration: %s", err);
	const char *dir = argv[optind];

	check_writable(opt.json_file);
	check_writable(opt.scores_file);
	fcvae_rejects rej = {0};
	load_dir(dir, strict, &rej);

	/* one core per job: BLAS's own threads spin on matrices this small
	 * and fight the job threads (5x slower on a loaded machine) */
	openblas_set_num_threads(1);
	fcvae_blas_pin();
	double train_s = 0, score_s = 0;
	long train_w = 0;
	fcvae_train_result pooled_res = {0};
	if (opt.from_scores) {
		read_scores(opt.from_scores);
	} else if (opt.per_file) {
		/* errors in file order, each file's once, all said by this thread */
		int bad = 0;
		for (int i = 0; i < nfiles; i++)
			bad += no_training_windows(i, i + 1, files[i].f.name);
		if (bad)
			exit(FCVAE_EXIT_FAIL);
		double t0 = fcvae_monotonic();
		run_threads(train_worker, opt.jobs < nfiles ? opt.jobs : nfiles);
		train_s = fcvae_monotonic() - t0;
		for (int i = 0; i < nfiles; i++)
			bad += diverged(files[i].f.name, files[i].model, &files[i].res);
		if (bad)
			exit(FCVAE_EXIT_FAIL);
	} else {
		if (no_training_windows(0, nfiles, "pooled"))
			exit(FCVAE_EXIT_FAIL);
		fcvae_model *m = train_on(0, nfiles, "pooled", &pooled_res);
		if (diverged("pooled", m, &pooled_res)) {
			fcvae_model_free(m);
			exit(FCVAE_EXIT_FAIL);
		}
		for (int i = 0; i < nfiles; i++)
			files[i].model = m;
		train_s = pooled_res.seconds;
	}
	if (!opt.from_scores) {
		/* windows seen in training: every epoch run saw each training window once */
		for (int i = 0; i < nfiles; i++)
			train_w += (long)files[i].nwin[FCVAE_PART_TRAIN] *
			           (opt.per_file ? files[i].res.epochs_run : pooled_res.epochs_run);
		double t1 = fcvae_monotonic();
		score_all();
		score_s = fcvae_monotonic() - t1;
	}
	if (opt.scores_file)
		write_scores(opt.scores_file);

	figures pool[3], *per[3];
	for (int s = 0; s < 3; s++) {
		per[s] = fcvae_xcalloc(nfiles, sizeof **per);
		memset(&pool[s], 0, sizeof pool[s]);
	}
	evaluate(SRC_MODEL, 0, &pool[SRC_MODEL], per[SRC_MODEL]);
	evaluate(SRC_ABS, 0, &pool[SRC_ABS], per[SRC_ABS]);
	{
		figures p1, *q = fcvae_xmalloc(nfiles * sizeof *q);
		for (int d = 0; d < opt.draws; d++) {
			evaluate(SRC_RANDOM, d, &p1, q);
			figures_add(&pool[SRC_RANDOM], &p1);
			for (int i = 0; i < nfiles; i++)
				figures_add(&per[SRC_RANDOM][i], &q[i]);
		}
		figures_mean(&pool[SRC_RANDOM], opt.draws);
		for (int i = 0; i < nfiles; i++)
			figures_mean(&per[SRC_RANDOM][i], opt.draws);
		free(q);
	}

	fcvae_buf b = {0};
	fcvae_buf_adds(&b, "{\"data\":");
	fcvae_json_add_cstring(&b, dir);
	fcvae_buf_printf(&b, ",\"files\":%d,\"standardisation\":\"%s\",\"transform\":\"%s\",\"models\":\"%s\","
	                 "\"delay\":%d,\"split\":[", nfiles, opt.honest ? "honest" : "paper",
	                 fcvae_transform_name(opt.transform), opt.per_file ? "per-file" : "pooled", opt.delay);
	fcvae_json_add_number(&b, opt.train_end);
	fcvae_buf_addc(&b, ',');
	fcvae_json_add_number(&b, opt.valid_end);
	fcvae_buf_printf(&b, "],\"random_draws\":%d,\"jobs\":%d,", opt.draws, opt.jobs);
	if (opt.from_scores) {
		fcvae_buf_adds(&b, "\"scores_from\":");
		fcvae_json_add_cstring(&b, opt.from_scores);
		fcvae_buf_addc(&b, ',');
	}
	fcvae_buf_printf(&b, "\"aggregate\":\"%s\",", fcvae_trail_name(opt.agg));
	if (opt.agg != FCVAE_TRAIL_NONE) {
		fcvae_buf_adds(&b, "\"span_candidates\":[");
		for (int i = 0; i < opt.nspans; i++)
			fcvae_buf_printf(&b, "%s%zu", i ? "," : "", opt.spans[i]);
		fcvae_buf_adds(&b, "],");
		if (opt.nspans > 1)
			fcvae_buf_printf(&b, "\"span_chosen\":\"%s\",",
			                 span_unchosen ? "shortest: validation ROC-AUC undefined" : "validation ROC-AUC");
	}
	json_config(&b);
	fcvae_buf_adds(&b, ",\"timing\":{\"train_seconds\":");
	fcvae_json_add_number(&b, round(train_s * 100) / 100);
	fcvae_buf_printf(&b, ",\"train_windows\":%ld,\"train_windows_per_s\":", train_w);
	fcvae_json_add_number(&b, train_s > 0 ? round(train_w / train_s) : 0);
	fcvae_buf_adds(&b, ",\"score_seconds\":");
	fcvae_json_add_number(&b, round(score_s * 100) / 100);
	fcvae_buf_printf(&b, ",\"score_windows\":%zu,\"score_windows_per_s\":", scored_windows);
	fcvae_json_add_number(&b, score_s > 0 ? round(scored_windows / score_s) : 0);
	fcvae_buf_adds(&b, "}");
	if (!opt.per_file && !opt.from_scores) {
		fcvae_buf_adds(&b, ",\"training\":");
		json_training(&b, &pooled_res);
	}
	fcvae_buf_printf(&b, ",\"pooled\":{\"test_windows\":%zu,\"test_anomalies\":%zu", pool[0].n, pool[0].anomalies);
	for (int s = 0; s < 3; s++) {
		fcvae_buf_addc(&b, ',');
		fcvae_json_add_key(&b, src_name[s]);
		json_figures(&b, &pool[s], s != SRC_RANDOM);
	}
	fcvae_buf_adds(&b, "},\"per_file\":[");
	for (int i = 0; i < nfiles; i++) {
		const bfile *f = &files[i];
		fcvae_buf_adds(&b, i ? ",{\"file\":" : "{\"file\":");
		fcvae_json_add_cstring(&b, f->f.name);
		fcvae_buf_adds(&b, ",\"interval\":");
		fcvae_json_add_number(&b, f->f.interval);
		fcvae_buf_printf(&b, ",\"rows\":%zu,\"windows\":[%zu,%zu,%zu],\"test_anomalies\":%zu", f->f.n, f->nwin[0],
		                 f->nwin[1], f->nwin[2], per[0][i].anomalies);
		if (opt.per_file && !opt.from_scores) {
			fcvae_buf_adds(&b, ",\"training\":");
			json_training(&b, &f->res);
		}
		for (int s = 0; s < 3; s++) {
			fcvae_buf_addc(&b, ',');
			fcvae_json_add_key(&b, src_name[s]);
			json_figures(&b, &per[s][i], s != SRC_RANDOM);
		}
		fcvae_buf_addc(&b, '}');
	}
	fcvae_buf_adds(&b, "]}\n");

	if (opt.json_file) {
		fcvae_atomic a;
		if (fcvae_atomic_open(&a, opt.json_file) != 0 || fcvae_buf_write(&b, a.fp) != 0 ||
		    fcvae_atomic_commit(&a) != 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", opt.json_file);
	}
	if (opt.json_out)
		fcvae_buf_write(&b, stdout);
	else
		table(stdout, dir, pool, per, train_s, train_w, score_s);
	char bad[256];
	fcvae_rejects_format(&rej, bad, sizeof bad);
	if (*bad)
		fcvae_warn("%s", bad);

	fcvae_buf_free(&b);
	for (int s = 0; s < 3; s++)
		free(per[s]);
	if (!opt.per_file) {
		fcvae_model_free(files[0].model);
		free(pooled_res.train_loss);
		free(pooled_res.val_loss);
	}
	for (int i = 0; i < nfiles; i++) {
		bfile *f = &files[i];
		if (opt.per_file) {
			fcvae_model_free(f->model);
			free(f->res.train_loss);
			free(f->res.val_loss);
		}
		for (int p = 0; p < FCVAE_PARTS; p++) {
			fcvae_bench_part_free(&f->part[p]);
			free(f->x[p]);
			free(f->score[p]);
		}
		fcvae_bench_file_free(&f->f);
	}
	free(files);
	free(chunks);
	free(opt.spans);
	fcvae_close_stdout();
	return 0;
}
