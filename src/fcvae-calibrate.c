/* fcvae-calibrate — an anomaly threshold from scored, labelled validation
 * records (SPEC §5), written into the model file or printed. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "metrics.h"
#include "model.h"
#include "modeldir.h"
#include "record.h"
#include "rng.h"
#include "safetensors.h"
#include "scored.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-calibrate (--model FILE | --models DIR | --print) [options] [FILE...]\n"
	"Choose the anomaly threshold from scored, labelled validation records and\n"
	"write it into the model (atomically); one JSON line per threshold on stdout.\n"
	"  -m, --model FILE     one threshold from all records, into FILE\n"
	"  -M, --models DIR     one threshold per series, into DIR/KEY.safetensors\n"
	"                       ('/' as '_', then '-' dropped: Accel/no-pin -> Accel_nopin)\n"
	"  -p, --print          only print the threshold(s), write nothing\n"
	"      --metric M       maximise f1 (default), pa-f1, delay-f1 or composite-f1\n"
	"                       (precision over points, recall over events)\n"
	"  -d, --delay K        delay-f1 credits a flag within K points of an event's\n"
	"                       start (default 7)\n"
	"      --max-fpr R      at most this share of normal points flagged: alone, the\n"
	"                       loosest such threshold; with --metric, the best under it\n"
	"      --beyond-normal M  no F1: M times (in deviations) beyond the most\n"
	"                       anomalous clean normal point\n"
	"      --deviations D   no F1 and no margin: the threshold at D deviations\n"
	"                       (score -D^2), the same for every series; the records\n"
	"                       are scored against it, not searched\n"
	"      --clean-after N  only with --beyond-normal: a normal point is clean\n"
	"                       when the N points before it are normal too (default 0;\n"
	"                       W-1: the windows ending there hold no labelled anomaly)\n"
	FCVAE_SCORED_HELP
	"  -h, --help           this text\n"
	"      --version        print the version\n";

static struct {
	const char *model, *models;
	int print;
	enum fcvae_adjust mode;
	const char *metric;   /* name as written into the model */
	int metric_set;
	int k;
	int k_set;            /* --delay given: only with --metric delay-f1 */
	double max_fpr;
	int has_max_fpr;
	double beyond;        /* --beyond-normal margin; 0: off */
	double deviations;    /* --deviations D; 0: off */
	long clean_after;
	int clean_after_set;  /* --clean-after given: only with --beyond-normal */
} opt = {.mode = FCVAE_ADJUST_NONE, .metric = "f1", .k = 7, .max_fpr = 1};

typedef struct {
	double threshold;      /* in score units: score < threshold = anomaly */
	fcvae_prf prf;
	size_t n, anomalous, events;
	uint64_t hash;         /* of the points calibrated on */
} calibration;

/* fcvae_metrics_beyond_normal() over each series apart (the clean points
 * of one do not follow the labels of another), the lowest of their
 * thresholds: beyond every series' normal points. Returns the count of
 * clean points. */
static size_t beyond_normal_each(double *t, const fcvae_scored_set *set)
{
	size_t clean = 0;
	for (int j = 0; j < set->ns; j++) {
		double *aj, tj;
		unsigned char *lj, *fj;
		size_t nj = fcvae_scored_arrays(set, j, &aj, &lj, &fj);
		size_t cj = fcvae_metrics_beyond_normal(&tj, aj, lj, nj, (size_t)opt.clean_after, opt.beyond);
		if (cj && (!clean || tj > *t))
			*t = tj;
		clean += cj;
		free(aj);
		free(lj);
		free(fj);
	}
	return clean;
}

/* 0, or -1 with the reason printed. */
static int calibrate(calibration *c, const fcvae_scored_set *set, int i, const char *who)
{
	double *a;
	unsigned char *label, *flag;
	c->n = fcvae_scored_arrays(set, i, &a, &label, &flag);
	c->anomalous = 0;
	c->hash = 0;
	for (size_t j = 0; j < c->n; j++) {
		c->anomalous += label[j] != 0;
		c->hash = fcvae_hash64(&a[j], sizeof a[j], c->hash);
		c->hash = fcvae_hash64(&label[j], 1, c->hash);
	}
	fcvae_event *ev;
	c->events = fcvae_metrics_events(&ev, flag, label, c->n);
	free(ev);
	int loosest = opt.has_max_fpr && !opt.metric_set;
	double t;
	int rc = -1;
	if (c->n == 0)
		fcvae_warn("%s: no scored, labelled records", who);
	else if (opt.deviations > 0 || opt.beyond > 0) {
		size_t clean = 1;
		if (opt.deviations > 0)
			t = opt.deviations * opt.deviations;
		else
			clean = i >= 0 ? fcvae_metrics_beyond_normal(&t, a, label, c->n, (size_t)opt.clean_after, opt.beyond)
			               : beyond_normal_each(&t, set);
		if (clean == 0)
			fcvae_warn("%s: no normal point with %ld normal points before it: nothing to go beyond "
			           "(lower --clean-after)", who, opt.clean_after);
		else {
			/* scoring flags score < threshold, so a point scoring the
			 * threshold itself is not flagged: count as it does */
			fcvae_metrics_at(&c->prf, a, label, c->n, nextafter(t, INFINITY), opt.mode, opt.k);
			c->threshold = -t;
			rc = 0;
		}
	} else if (fcvae_metrics_choose_loglik(&t, &c->prf, a, label, c->n, opt.mode, opt.k, opt.max_fpr, loosest) < 0)
		fcvae_warn("%s: no labelled anomaly among %zu validation points: %s cannot choose a threshold "
		           "(use --max-fpr R)", who, c->n, opt.metric);
	else {
		c->threshold = -t;
		rc = 0;
	}
	free(a);
	free(label);
	free(flag);
	return rc;
}

static void add_calibration(fcvae_buf *b, const calibration *c)
{
	fcvae_buf_addc(b, '{');
	fcvae_json_add_key(b, "metric");
	fcvae_json_add_cstring(b, opt.deviations > 0 ? "deviations"
	                          : opt.beyond > 0 ? "beyond-normal"
	                          : opt.has_max_fpr && !opt.metric_set ? "max-fpr" : opt.metric);
	if (opt.beyond > 0) {
		fcvae_buf_adds(b, ",\"margin\":");
		fcvae_json_add_number(b, opt.beyond);
		fcvae_buf_printf(b, ",\"clean_after\":%ld", opt.clean_after);
	}
	if (opt.deviations > 0) {
		fcvae_buf_adds(b, ",\"deviations\":");
		fcvae_json_add_number(b, opt.deviations);
	}
	if (opt.mode == FCVAE_ADJUST_DELAY)
		fcvae_buf_printf(b, ",\"delay\":%d", opt.k);
	if (opt.has_max_fpr) {
		fcvae_buf_adds(b, ",\"max_fpr\":");
		fcvae_json_add_number(b, opt.max_fpr);
	}
	fcvae_buf_adds(b, ",\"threshold\":");
	fcvae_json_add_number(b, c->threshold);
	fcvae_buf_printf(b, ",\"points\":%zu,\"anomalous_points\":%zu,\"events\":%zu,\"events_detected\":%zu,"
	                 "\"tp\":%zu,\"fp\":%zu,\"fn\":%zu,\"tn\":%zu,\"precision\":", c->n, c->anomalous, c->events,
	                 c->prf.detected, c->prf.tp, c->prf.fp, c->prf.fn, c->prf.tn);
	fcvae_json_add_number(b, c->prf.precision);
	fcvae_buf_adds(b, ",\"recall\":");
	fcvae_json_add_number(b, c->anomalous ? c->prf.recall : NAN);
	fcvae_buf_adds(b, ",\"f1\":");
	fcvae_json_add_number(b, c->anomalous ? c->prf.f1 : NAN);
	fcvae_buf_adds(b, ",\"fpr\":");
	fcvae_json_add_number(b, c->prf.fpr);
	fcvae_buf_printf(b, ",\"data\":\"%016llx\"}", (unsigned long long)c->hash);
}

/* The model's "training" object with its "calibration" member replaced. */
static char *training_with(const char *training, const calibration *c)
{
	fcvae_buf b = {0};
	fcvae_json_doc d;
	char err[256];
	fcvae_buf_addc(&b, '{');
	if (fcvae_json_doc_parse(&d, training, strlen(training), err, sizeof err) == 0) {
		if (d.root->type == FCVAE_JSON_OBJECT)
			for (const fcvae_json *m = fcvae_json_first(d.root); m; m = fcvae_json_next(m)) {
				if (!strcmp(m->key, "calibration"))
					continue;
				fcvae_json_add_key(&b, m->key);
				fcvae_buf_add(&b, m->src, m->len);
				fcvae_buf_addc(&b, ',');
			}
		fcvae_json_doc_free(&d);
	}
	fcvae_json_add_key(&b, "calibration");
	add_calibration(&b, c);
	fcvae_buf_addc(&b, '}');
	return b.p;
}

/* 0, or -1 with the reason printed. */
static int write_model(const char *path, const calibration *c)
{
	char err[512];
	fcvae_model *m = fcvae_model_load(path, err, sizeof err);
	if (!m) {
		fcvae_warn("%s", err);
		return -1;
	}
	m->has_threshold = 1;
	m->threshold = c->threshold;
	char *tr = training_with(m->training, c);
	free(m->training);
	m->training = tr;
	int rc = fcvae_model_save(m, path);
	if (rc < 0)
		fcvae_warn("%s: cannot write:", path);
	fcvae_model_free(m);
	return rc;
}

static void print_result(fcvae_buf *out, const fcvae_scored_series *s, const char *model, const calibration *c)
{
	fcvae_buf_addc(out, '{');
	if (s) {
		fcvae_json_add_key(out, "key");
		fcvae_json_add_string(out, s->key, s->keylen);
		fcvae_buf_addc(out, ',');
	}
	if (model) {
		fcvae_json_add_key(out, "model");
		fcvae_json_add_cstring(out, model);
		fcvae_buf_addc(out, ',');
	}
	fcvae_json_add_key(out, "calibration");
	add_calibration(out, c);
	fcvae_buf_adds(out, "}\n");
}

/* A series and the model file modeldir.h finds for it; the file it is
 * (links followed), 0/0 if it cannot be looked at. */
typedef struct {
	char *path;
	int series;
	dev_t dev;
	ino_t ino;
} model_file;

static int by_series(const void *a, const void *b)
{
	const model_file *x = a, *y = b;
	return (x->series > y->series) - (x->series < y->series);
}

static int same_file(const model_file *x, const model_file *y)
{
	return x->ino ? x->dev == y->dev && x->ino == y->ino : !strcmp(x->path, y->path);
}

static int by_file(const void *a, const void *b)
{
	const model_file *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	int d = strcmp(x->path, y->path);
	return d ? d : by_series(a, b);
}

/* Series whose keys differ only where modeldir.h maps them alike
 * (Accel/no-pin, Accel/nopin, Accel_nopin), or whose files are links to
 * one, find one file: each threshold would replace the one before, the
 * last kept. Each such file said with its keys (as JSON strings: a key may
 * hold anything); 1 if any. Sorts mf by file. */
static int shared_files(model_file *mf, int n, const fcvae_scored_set *set)
{
	qsort(mf, (size_t)n, sizeof *mf, by_file);
	int shared = 0;
	fcvae_buf keys = {0};
	for (int f = 0, g; f < n; f = g) {
		for (g = f + 1; g < n && same_file(&mf[g], &mf[f]); g++)
			;
		if (g - f == 1)
			continue;
		fcvae_buf_clear(&keys);
		for (int j = f; j < g; j++) {
			if (j > f)
				fcvae_buf_adds(&keys, ", ");
			fcvae_json_add_string(&keys, set->s[mf[j].series].key, set->s[mf[j].series].keylen);
		}
		fcvae_warn("%s: the model file of %d series (%s): one file cannot hold a threshold for each; "
		           "nothing written (give them models of their own, or calibrate them together with --model)",
		           mf[f].path, g - f, keys.p);
		shared = 1;
	}
	fcvae_buf_free(&keys);
	return shared;
}

int main(int argc, char **argv)
{
	enum { O_METRIC = 256, O_MAX_FPR, O_BEYOND, O_DEVIATIONS, O_CLEAN_AFTER, O_VERSION };
	static const struct option longopts[] = {
		{"model", required_argument, NULL, 'm'},
		{"models", required_argument, NULL, 'M'},
		{"print", no_argument, NULL, 'p'},
		{"metric", required_argument, NULL, O_METRIC},
		{"delay", required_argument, NULL, 'd'},
		{"max-fpr", required_argument, NULL, O_MAX_FPR},
		{"beyond-normal", required_argument, NULL, O_BEYOND},
		{"deviations", required_argument, NULL, O_DEVIATIONS},
		{"clean-after", required_argument, NULL, O_CLEAN_AFTER},
		FCVAE_SCORED_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	fcvae_start(argv);
	fcvae_scored_set set;
	fcvae_scored_init(&set);
	fcvae_rejects rej = {0};
	int o;
	while ((o = getopt_long(argc, argv, "m:M:pd:l:k:h", longopts, NULL)) != -1) {
		switch (o) {
		case 'm': opt.model = optarg; break;
		case 'M': opt.models = optarg; break;
		case 'p': opt.print = 1; break;
		case O_METRIC:
			if (!strcmp(optarg, "f1"))
				opt.mode = FCVAE_ADJUST_NONE;
			else if (!strcmp(optarg, "pa-f1"))
				opt.mode = FCVAE_ADJUST_PA;
			else if (!strcmp(optarg, "delay-f1"))
				opt.mode = FCVAE_ADJUST_DELAY;
			else if (!strcmp(optarg, "composite-f1"))
				opt.mode = FCVAE_ADJUST_COMPOSITE;
			else
				fcvae_die(FCVAE_EXIT_USAGE, "--metric: '%s' is not f1, pa-f1, delay-f1 or composite-f1", optarg);
			opt.metric = optarg;
			opt.metric_set = 1;
			break;
		case 'd':
			opt.k = (int)fcvae_parse_long("--delay", optarg, 0, 1000000);
			opt.k_set = 1;
			break;
		case O_MAX_FPR:
			opt.max_fpr = fcvae_parse_double("--max-fpr", optarg);
			if (!(opt.max_fpr >= 0 && opt.max_fpr <= 1))
				fcvae_die(FCVAE_EXIT_USAGE, "--max-fpr: '%s' is not a rate from 0 to 1", optarg);
			opt.has_max_fpr = 1;
			break;
		case O_BEYOND:
			opt.beyond = fcvae_parse_double("--beyond-normal", optarg);
			if (!(opt.beyond >= 1 && opt.beyond <= 1000))
				fcvae_die(FCVAE_EXIT_USAGE, "--beyond-normal: '%s' is not a margin from 1 to 1000", optarg);
			break;
		case O_DEVIATIONS:
			opt.deviations = fcvae_parse_double("--deviations", optarg);
			if (!(opt.deviations > 0 && opt.deviations <= 1000))
				fcvae_die(FCVAE_EXIT_USAGE, "--deviations: '%s' is not a number of deviations above 0, at most 1000", optarg);
			break;
		case O_CLEAN_AFTER:
			opt.clean_after = fcvae_parse_long("--clean-after", optarg, 0, 1000000);
			opt.clean_after_set = 1;
			break;
		case 'h':
			fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		default:
			if (fcvae_scored_option(&set, o, optarg))
				break;
			fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (opt.model && opt.models)
		fcvae_die(FCVAE_EXIT_USAGE, "--model and --models exclude each other");
	if (opt.beyond > 0 && (opt.metric_set || opt.has_max_fpr))
		fcvae_die(FCVAE_EXIT_USAGE, "--beyond-normal chooses without F1: it excludes --metric and --max-fpr");
	if (opt.deviations > 0 && (opt.beyond > 0 || opt.metric_set || opt.has_max_fpr))
		fcvae_die(FCVAE_EXIT_USAGE, "--deviations chooses nothing: it excludes --beyond-normal, --metric and --max-fpr");
	if (opt.clean_after_set && !(opt.beyond > 0))
		fcvae_die(FCVAE_EXIT_USAGE, "--clean-after only means something with --beyond-normal");
	if (opt.k_set && opt.mode != FCVAE_ADJUST_DELAY)
		fcvae_die(FCVAE_EXIT_USAGE, "--delay only means something with --metric delay-f1");
	if (!opt.model && !opt.models && !opt.print) {
		fcvae_warn("give where the threshold goes: --model FILE, --models DIR or --print");
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	if (opt.models)
		fcvae_modeldir_check(opt.models);

	if (fcvae_scored_read_files(&set, argv + optind, argc - optind, &rej, "calibrate on",
	                            "calibration needs labelled validation records; name the field with --label") < 0)
		exit(FCVAE_EXIT_DATA); /* --strict: the bad line said why */
	if (set.test_split)
		fcvae_warn("%zu record%s with \"split\": \"test\": a threshold chosen on test labels says nothing "
		           "of data the model has not seen; calibrate on the validation split",
		           set.test_split, set.test_split == 1 ? "" : "s");

	fcvae_buf out = {0}, path = {0}, shown = {0};
	int failed = 0;
	calibration c;
	if (!opt.models) {
		/* one threshold over every series' points, their events kept apart */
		if (calibrate(&c, &set, -1, opt.model ? opt.model : "all records") < 0)
			failed = 1;
		else {
			if (opt.model && !opt.print && write_model(opt.model, &c) < 0)
				failed = 1;
			else
				print_result(&out, NULL, opt.model, &c);
		}
	} else {
		/* every series' file first: files shared are refused before any
		 * is written */
		model_file *mf = fcvae_xcalloc((size_t)set.ns + 1, sizeof *mf);
		int nf = 0;
		for (int i = 0; i < set.ns; i++) {
			const fcvae_scored_series *s = &set.s[i];
			int found = fcvae_modeldir_find(&path, opt.models, s->key, s->keylen), why = errno;
			if (found < 0) {
				fcvae_buf_clear(&shown);
				fcvae_scored_key_shown(&shown, s->key, s->keylen, 0);
				if (found == -2)
					fcvae_warn("%s: %s: %s", shown.p, path.p, strerror(why));
				else
					fcvae_warn("%s: no model for this series (no %s)", shown.p, path.p);
				failed = 1;
				continue;
			}
			struct stat st;
			mf[nf].path = fcvae_xstrdup(path.p);
			if (stat(path.p, &st) == 0)
				mf[nf].dev = st.st_dev, mf[nf].ino = st.st_ino;
			mf[nf++].series = i;
		}
		if (shared_files(mf, nf, &set))
			exit(FCVAE_EXIT_FAIL);
		/* back in the order of the series */
		qsort(mf, (size_t)nf, sizeof *mf, by_series);
		for (int f = 0; f < nf; f++) {
			const fcvae_scored_series *s = &set.s[mf[f].series];
			fcvae_buf_clear(&shown);
			fcvae_scored_key_shown(&shown, s->key, s->keylen, 0);
			if (calibrate(&c, &set, mf[f].series, shown.p) < 0)
				failed = 1;
			else if (!opt.print && write_model(mf[f].path, &c) < 0)
				failed = 1;
			else
				print_result(&out, s, mf[f].path, &c);
			free(mf[f].path);
		}
		free(mf);
	}
	if (fcvae_buf_write(&out, stdout) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
	fcvae_buf_free(&out);
	fcvae_buf_free(&path);
	fcvae_buf_free(&shown);
	fcvae_scored_free(&set);
	fcvae_close_stdout();
	return failed ? FCVAE_EXIT_FAIL : FCVAE_EXIT_OK;
}
