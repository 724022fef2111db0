/* fcvae-eval — detection metrics of scored, labelled records (SPEC §5):
 * per series and pooled. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "metrics.h"
#include "record.h"
#include "scored.h"
#include "timeparse.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-eval [options] [FILE...]\n"
	"Metrics of scored, labelled records (fcvae-score output with a label),\n"
	"per series and pooled.\n"
	"  -d, --delay K        delay F1 credits a flag within K points of an\n"
	"                       event's start (default 7)\n"
	"  -f, --format FMT     table (default) or json\n"
	"  -t, --threshold X    flag score < X instead of the records' anomaly\n"
	FCVAE_SCORED_HELP
	"  -h, --help           this text\n"
	"      --version        print the version\n";

static int delay_k = 7;

typedef struct {
	const char *key;            /* NULL = pooled */
	size_t keylen;
	const fcvae_scored_series *s;
	size_t records, unlabelled, unscored, replaced, n, anomalous;
	int decided;                /* every point has a threshold: the figures at it mean something */
	size_t nev, caught;
	fcvae_event *ev;
	fcvae_prf point, pa, delay, composite;
	fcvae_prf best[3];          /* test-tuned: none, PA, delay */
	double best_t[3];           /* as score thresholds (score < it flagged) */
	double pr_auc, roc_auc;
} report;

static void evaluate(report *r, const fcvae_scored_set *set, int i)
{
	double *a;
	unsigned char *label, *flag;
	r->n = fcvae_scored_arrays(set, i, &a, &label, &flag);
	r->anomalous = 0;
	for (size_t j = 0; j < r->n; j++)
		r->anomalous += label[j] != 0;
	fcvae_metrics_flags(&r->point, flag, label, r->n, FCVAE_ADJUST_NONE, 0);
	fcvae_metrics_flags(&r->pa, flag, label, r->n, FCVAE_ADJUST_PA, 0);
	fcvae_metrics_flags(&r->delay, flag, label, r->n, FCVAE_ADJUST_DELAY, delay_k);
	fcvae_metrics_flags(&r->composite, flag, label, r->n, FCVAE_ADJUST_COMPOSITE, 0);
	r->nev = fcvae_metrics_events(&r->ev, flag, label, r->n);
	r->caught = 0;
	for (size_t e = 0; e < r->nev; e++)
		r->caught += r->ev[e].first >= 0;
	static const enum fcvae_adjust modes[3] = {FCVAE_ADJUST_NONE, FCVAE_ADJUST_PA, FCVAE_ADJUST_DELAY};
	for (int m = 0; m < 3; m++) {
		if (r->n && r->anomalous) {
			double t;
			fcvae_metrics_best_paper(&r->best[m], &t, a, label, r->n, modes[m], delay_k);
			/* the sweep flags score <= -t; the least double above it
			 * flags the same points as --threshold and fcvae-score do,
			 * score < threshold, so that it can be given back to them */
			r->best_t[m] = nextafter(-t, INFINITY);
		} else {
			memset(&r->best[m], 0, sizeof r->best[m]);
			r->best_t[m] = NAN;
		}
	}
	r->pr_auc = fcvae_metrics_pr_auc(a, label, r->n);
	r->roc_auc = fcvae_metrics_roc_auc(a, label, r->n);
	free(a);
	free(label);
	free(flag);
}

/* "name":{precision, recall, f1 — left open for more members. Recall and
 * F1 mean nothing without a labelled anomaly, and nothing at all without
 * flags (decided = 0: no threshold): null, not 0. */
static void add_prf(fcvae_buf *b, const char *name, const fcvae_prf *p, int defined, int decided, int counts)
{
	fcvae_json_add_key(b, name);
	fcvae_buf_addc(b, '{');
	fcvae_json_add_key(b, "precision");
	fcvae_json_add_number(b, decided && p->tp + p->fp ? p->precision : NAN);
	fcvae_buf_addc(b, ',');
	fcvae_json_add_key(b, "recall");
	fcvae_json_add_number(b, decided && defined ? p->recall : NAN);
	fcvae_buf_addc(b, ',');
	fcvae_json_add_key(b, "f1");
	fcvae_json_add_number(b, decided && defined ? p->f1 : NAN);
	if (counts && decided)
		fcvae_buf_printf(b, ",\"tp\":%zu,\"fp\":%zu,\"fn\":%zu,\"tn\":%zu", p->tp, p->fp, p->fn, p->tn);
	else if (counts)
		fcvae_buf_adds(b, ",\"tp\":null,\"fp\":null,\"fn\":null,\"tn\":null");
}

/* A count, or null without a threshold. */
static void add_count(fcvae_buf *b, const char *name, size_t n, int decided)
{
	fcvae_json_add_key(b, name);
	if (decided)
		fcvae_buf_printf(b, "%zu", n);
	else
		fcvae_buf_adds(b, "null");
}

/* A point's time, or without one its index; quoted for JSON. */
static void add_time(fcvae_buf *b, const fcvae_scored_series *s, size_t i, int quote)
{
	if (!s || isnan(s->p[i].ts)) {
		fcvae_buf_printf(b, quote ? "%zu" : "%-20zu", i);
		return;
	}
	char t[FCVAE_TIME_MAX];
	size_t n = fcvae_time_format(t, s->p[i].ts);
	if (quote)
		fcvae_json_add_string(b, t, n);
	else
		fcvae_buf_printf(b, "%-20s", t);
}

static void json_report(fcvae_buf *b, const report *r)
{
	int def = r->anomalous > 0;
	fcvae_buf_addc(b, '{');
	if (r->key) {
		fcvae_json_add_key(b, "key");
		fcvae_json_add_string(b, r->key, r->keylen);
		fcvae_buf_addc(b, ',');
	}
	fcvae_buf_printf(b, "\"records\":%zu,\"points\":%zu,\"unlabelled\":%zu,\"unscored\":%zu,\"replaced\":%zu,"
	                 "\"anomalous_points\":%zu,\"events\":%zu,", r->records, r->n, r->unlabelled, r->unscored,
	                 r->replaced, r->anomalous, r->nev);
	add_count(b, "events_detected", r->caught, r->decided);
	fcvae_buf_addc(b, ',');
	add_count(b, "false_positive_points", r->point.fp, r->decided);
	fcvae_buf_addc(b, ',');
	add_prf(b, "at_threshold", &r->point, def, r->decided, 1);
	fcvae_buf_adds(b, "},");
	add_prf(b, "pa", &r->pa, def, r->decided, 0);
	fcvae_buf_adds(b, "},");
	add_prf(b, "delay", &r->delay, def, r->decided, 0);
	fcvae_buf_printf(b, ",\"k\":%d},", delay_k);
	add_prf(b, "composite", &r->composite, def, r->decided, 0);
	fcvae_buf_addc(b, '}');
	fcvae_buf_printf(b, ",\"test_tuned\":{");
	static const char *names[3] = {"best_f1", "best_pa_f1", "best_delay_f1"};
	for (int m = 0; m < 3; m++) {
		if (m)
			fcvae_buf_addc(b, ',');
		add_prf(b, names[m], &r->best[m], def, 1, 0);
		fcvae_buf_adds(b, ",\"threshold\":");
		fcvae_json_add_number(b, r->best_t[m]);
		fcvae_buf_addc(b, '}');
	}
	fcvae_buf_adds(b, "},\"pr_auc\":");
	fcvae_json_add_number(b, r->pr_auc);
	fcvae_buf_adds(b, ",\"roc_auc\":");
	fcvae_json_add_number(b, r->roc_auc);
	if (r->key) {
		fcvae_buf_adds(b, ",\"event_list\":[");
		for (size_t e = 0; e < r->nev; e++) {
			const fcvae_event *ev = &r->ev[e];
			fcvae_buf_adds(b, e ? ",{\"start\":" : "{\"start\":");
			add_time(b, r->s, ev->start, 1);
			fcvae_buf_adds(b, ",\"end\":");
			add_time(b, r->s, ev->end - 1, 1);
			fcvae_buf_printf(b, ",\"points\":%zu,\"detected\":%s,\"first_detection\":", ev->end - ev->start,
			                 !r->decided ? "null" : ev->first >= 0 ? "true" : "false");
			if (r->decided && ev->first >= 0) {
				add_time(b, r->s, (size_t)ev->first, 1);
				fcvae_buf_printf(b, ",\"delay\":%zu}", (size_t)ev->first - ev->start);
			} else {
				fcvae_buf_adds(b, "null,\"delay\":null}");
			}
		}
		fcvae_buf_addc(b, ']');
	}
	fcvae_buf_addc(b, '}');
}

static void put_num(fcvae_buf *b, double x, int ok)
{
	if (ok && isfinite(x))
		fcvae_buf_printf(b, " %7.3f", x);
	else
		fcvae_buf_printf(b, " %7s", "-");
}

static void table_row(fcvae_buf *b, const report *r)
{
	int def = r->anomalous > 0;
	int at = r->decided;
	if (r->key)
		fcvae_scored_key_shown(b, r->key, r->keylen, 16);
	else
		fcvae_buf_printf(b, "%-16s", "pooled");
	fcvae_buf_printf(b, " %6zu %5zu %6zu", r->n, r->anomalous, r->nev);
	if (at)
		fcvae_buf_printf(b, " %6zu %5zu", r->caught, r->point.fp);
	else
		fcvae_buf_printf(b, " %6s %5s", "-", "-");
	put_num(b, r->point.precision, at && r->point.tp + r->point.fp > 0);
	put_num(b, r->point.recall, at && def);
	put_num(b, r->point.f1, at && def);
	put_num(b, r->pa.f1, at && def);
	put_num(b, r->delay.f1, at && def);
	put_num(b, r->composite.f1, at && def);
	put_num(b, r->best[1].f1, def);
	put_num(b, r->pr_auc, 1);
	put_num(b, r->roc_auc, 1);
	fcvae_buf_addc(b, '\n');
}

static void table_events(fcvae_buf *b, const report *r)
{
	for (size_t e = 0; e < r->nev; e++) {
		const fcvae_event *ev = &r->ev[e];
		fcvae_scored_key_shown(b, r->key, r->keylen, 16);
		fcvae_buf_addc(b, ' ');
		add_time(b, r->s, ev->start, 0);
		fcvae_buf_addc(b, ' ');
		add_time(b, r->s, ev->end - 1, 0);
		fcvae_buf_printf(b, " %6zu ", ev->end - ev->start);
		if (!r->decided) {
			fcvae_buf_printf(b, "%-20s %5s\n", "-", "-");
		} else if (ev->first >= 0) {
			add_time(b, r->s, (size_t)ev->first, 0);
			fcvae_buf_printf(b, " %5zu\n", (size_t)ev->first - ev->start);
		} else {
			fcvae_buf_adds(b, "missed\n");
		}
	}
}

int main(int argc, char **argv)
{
	enum { O_VERSION = 256 };
	static const struct option longopts[] = {
		{"delay", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"threshold", required_argument, NULL, 't'},
		FCVAE_SCORED_LONGOPTS,
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	fcvae_start(argv);
	fcvae_scored_set set;
	fcvae_scored_init(&set);
	fcvae_rejects rej = {0};
	int json = 0, opt;
	while ((opt = getopt_long(argc, argv, "d:f:t:l:k:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': delay_k = (int)fcvae_parse_long("--delay", optarg, 0, 1000000); break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json = 1;
			else if (!strcmp(optarg, "table"))
				json = 0;
			else
				fcvae_die(FCVAE_EXIT_USAGE, "--format: '%s' is not table or json", optarg);
			break;
		case 't':
			set.threshold = fcvae_parse_double("--threshold", optarg);
			set.has_threshold = 1;
			break;
		case 'h':
			fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		default:
			if (fcvae_scored_option(&set, opt, optarg))
				break;
			fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (fcvae_scored_read_files(&set, argv + optind, argc - optind, &rej, "evaluate",
	                            "nothing to evaluate; label the data or name the field with --label") < 0)
		exit(FCVAE_EXIT_DATA); /* --strict: the bad line said why */

	report *rs = fcvae_xcalloc((size_t)set.ns + 1, sizeof *rs);
	int undecided = 0;
	fcvae_buf first_undecided = {0};
	for (int i = 0; i < set.ns; i++) {
		const fcvae_scored_series *s = &set.s[i];
		if (s->no_threshold && !undecided++)
			fcvae_scored_key_shown(&first_undecided, s->key, s->keylen, 0);
		rs[i].key = s->key;
		rs[i].keylen = s->keylen;
		rs[i].s = s;
		rs[i].records = s->records;
		rs[i].unlabelled = s->unlabelled;
		rs[i].unscored = s->unscored;
		rs[i].replaced = s->replaced;
		rs[i].decided = !s->no_threshold;
		evaluate(&rs[i], &set, i);
	}
	/* "anomaly": false from an uncalibrated model is no decision: figures
	 * at a threshold there is none of would read as a model that misses all */
	if (undecided == 1)
		fcvae_warn("%s: no threshold (an uncalibrated model, \"threshold\": null, or no \"anomaly\" or "
		           "\"threshold\"): no figures at it (calibrate the model, or give --threshold)", first_undecided.p);
	else if (undecided)
		fcvae_warn("%s and %d other series: no threshold (an uncalibrated model, \"threshold\": null, or no "
		           "\"anomaly\" or \"threshold\"): no figures at it (calibrate the model, or give --threshold)",
		           first_undecided.p, undecided - 1);
	fcvae_buf_free(&first_undecided);
	report *pooled = &rs[set.ns];
	pooled->records = set.records;
	pooled->unlabelled = set.unlabelled;
	pooled->unscored = set.unscored;
	pooled->replaced = set.replaced;
	pooled->decided = !undecided;
	evaluate(pooled, &set, -1);

	fcvae_buf b = {0};
	if (json) {
		fcvae_buf_printf(&b, "{\"delay_k\":%d,\"series\":[", delay_k);
		for (int i = 0; i < set.ns; i++) {
			if (i)
				fcvae_buf_addc(&b, ',');
			json_report(&b, &rs[i]);
		}
		fcvae_buf_adds(&b, "],\"pooled\":");
		json_report(&b, pooled);
		fcvae_buf_adds(&b, "}\n");
	} else {
		fcvae_buf_printf(&b, "%-16s %6s %5s %6s %6s %5s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "series",
		                 "points", "anom", "events", "caught", "fp", "P", "R", "F1", "PA-F1", "dly-F1", "cmp-F1",
		                 "best-F1", "PR-AUC", "ROC-AUC");
		for (int i = 0; i < set.ns; i++)
			table_row(&b, &rs[i]);
		if (set.ns > 1)
			table_row(&b, pooled);
		fcvae_buf_printf(&b, "P, R, F1, fp: points at the model threshold; PA-F1: point-adjusted; "
		                 "dly-F1: credited within %d points of an event's start;\n"
		                 "cmp-F1: composite, precision over points and recall over events;\n"
		                 "best-F1: best point-adjusted F1 over 2003 thresholds chosen on these labels "
		                 "(TEST-TUNED, not a deployable figure).\n", delay_k);
		fcvae_buf_printf(&b, "\n%-16s %-20s %-20s %6s %-20s %5s\n", "series", "event start", "event end",
		                 "points", "first detection", "delay");
		for (int i = 0; i < set.ns; i++)
			table_events(&b, &rs[i]);
	}
	if (fcvae_buf_write(&b, stdout) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
	fcvae_buf_free(&b);
	for (int i = 0; i <= set.ns; i++)
		free(rs[i].ev);
	free(rs);
	fcvae_scored_free(&set);
	fcvae_close_stdout();
	return FCVAE_EXIT_OK;
}
