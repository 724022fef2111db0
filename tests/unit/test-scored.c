/* test-scored.c — scored records read back: breaks around what is left out,
 * replaced records, points in time order, undecided flags. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scored.h"
#include "unit.h"
#include "timeorder.h"
#include "util.h"

/* set, initialised, holding text's records, sorted. */
static void read_text(fcvae_scored_set *set, const char *text)
{
	char path[] = "/tmp/test-scored.XXXXXX";
	int fd = mkstemp(path);
	size_t n = strlen(text);
	CHECK(fd >= 0 && write(fd, text, n) == (ssize_t)n, "test file written");
	close(fd);
	fcvae_scored_init(set);
	fcvae_lines in;
	fcvae_rejects rej = {0};
	CHECK(fcvae_lines_open(&in, path) == 0 && fcvae_scored_read(set, &in, &rej) == 0, "read");
	fcvae_lines_close(&in);
	unlink(path);
	fcvae_scored_sort(set);
}

/* The labels of set's arrays as digits ("0120"), flags likewise. */
static void arrays_of(const fcvae_scored_set *set, int i, char *labels, char *flags)
{
	double *a;
	unsigned char *label, *flag;
	size_t n = fcvae_scored_arrays(set, i, &a, &label, &flag);
	for (size_t j = 0; j < n; j++) {
		labels[j] = (char)('0' + label[j]);
		flags[j] = (char)('0' + flag[j]);
	}
	labels[n] = flags[n] = '\0';
	free(a);
	free(label);
	free(flag);
}

/* Two one-point events, at ts 1 and 2 + gaps, with `gaps` lines between
 * them made by fmt (given their ts). */
static void two_events(fcvae_scored_set *set, int gaps, const char *fmt)
{
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, "{\"ts\":0,\"score\":-1,\"anomaly\":false,\"label\":0}\n"
	                            "{\"ts\":1,\"score\":-9,\"anomaly\":true,\"label\":1}\n");
	for (int g = 0; g < gaps; g++) {
		n += (size_t)snprintf(text + n, sizeof text - n, fmt, 2 + g);
		text[n++] = '\n';
	}
	snprintf(text + n, sizeof text - n, "{\"ts\":%d,\"score\":-2,\"anomaly\":false,\"label\":1}\n", 2 + gaps);
	read_text(set, text);
}

static void test_breaks(void)
{
	fcvae_scored_set set;
	char labels[64], flags[64];
	/* any number of normal hours left out keeps the events two (an even
	 * number once toggled the label back) */
	for (int gaps = 1; gaps <= 4; gaps++) {
		two_events(&set, gaps, "{\"ts\":%d,\"score\":null,\"label\":0}");
		arrays_of(&set, 0, labels, flags);
		CHECK(strlen(labels) == 3 && labels[0] == '0' && labels[1] != '0' && labels[2] != '0' &&
		      labels[1] != labels[2], "%d unscored between two events: labels %s", gaps, labels);
		fcvae_scored_free(&set);
		two_events(&set, gaps, "{\"ts\":%d,\"score\":-1}");
		arrays_of(&set, 0, labels, flags);
		CHECK(strlen(labels) == 3 && labels[1] != labels[2], "%d unlabelled between two events: labels %s", gaps,
		      labels);
		CHECK(set.s[0].unlabelled == (size_t)gaps && set.s[0].records == 3 + (size_t)gaps, "counted: %zu of %zu",
		      set.s[0].unlabelled, set.s[0].records);
		fcvae_scored_free(&set);
	}
	/* a rejected line whose series and time are known breaks as well */
	two_events(&set, 1, "{\"ts\":%d,\"score\":-1,\"label\":\"no\"}");
	arrays_of(&set, 0, labels, flags);
	CHECK(strlen(labels) == 3 && labels[1] != labels[2] && set.s[0].records == 3, "rejected line between: labels %s",
	      labels);
	fcvae_scored_free(&set);
	/* an unscored hour labelled anomalous joins them */
	two_events(&set, 2, "{\"ts\":%d,\"score\":null,\"label\":1}");
	arrays_of(&set, 0, labels, flags);
	CHECK(strlen(labels) == 3 && labels[1] != '0' && labels[1] == labels[2], "unscored anomalous between: labels %s",
	      labels);
	fcvae_scored_free(&set);
	/* a series of nothing but rejected lines is no series */
	read_text(&set, "{\"key\":\"A\",\"ts\":0,\"score\":-1,\"label\":0}\n{\"key\":\"B\",\"ts\":0,\"score\":\"x\"}\n");
	CHECK(set.ns == 1 && !strcmp(set.s[0].key, "A") && set.records == 1, "rejected series dropped: %d series",
	      set.ns);
	fcvae_scored_free(&set);
}

/* A gap longer than the series' step (1.5 times its median interval)
 * parts a labelled run as a record left out does; the step itself does not. */
static void test_gaps(void)
{
	fcvae_scored_set set;
	char labels[64], flags[64];
	static const char *const hours[2] = {"0,3600,7200,10800", "0,3600,10800,14400"};
	for (int gap = 0; gap < 2; gap++) {
		int t[4];
		sscanf(hours[gap], "%d,%d,%d,%d", &t[0], &t[1], &t[2], &t[3]);
		char text[1024];
		snprintf(text, sizeof text,
		         "{\"ts\":%d,\"score\":-1,\"anomaly\":false,\"label\":0}\n"
		         "{\"ts\":%d,\"score\":-9,\"anomaly\":true,\"label\":1}\n"
		         "{\"ts\":%d,\"score\":-1,\"anomaly\":false,\"label\":1}\n"
		         "{\"ts\":%d,\"score\":-1,\"anomaly\":false,\"label\":0}\n",
		         t[0], t[1], t[2], t[3]);
		read_text(&set, text);
		arrays_of(&set, 0, labels, flags);
		CHECK(strlen(labels) == 4 && labels[1] != '0' && labels[2] != '0' &&
		      (labels[1] != labels[2]) == gap, "hours %s: labels %s", hours[gap], labels);
		fcvae_scored_free(&set);
	}
	/* the usual step is the median: NaN passed over, one long gap no weight */
	struct timed { int pad; double ts; } p[] = {{0, 0}, {0, 10}, {0, 20}, {0, NAN}, {0, 30}, {0, 100}};
	double g = fcvae_run_gap_max(p, 6, sizeof *p, offsetof(struct timed, ts));
	CHECK(g == 15, "gap max of steps 10, 10, 10, 70: %g", g);
	g = fcvae_run_gap_max(p, 1, sizeof *p, offsetof(struct timed, ts));
	CHECK(isinf(g), "gap max of one time: %g", g);
}

static void test_order(void)
{
	fcvae_scored_set set;
	char labels[64], flags[64];
	/* shuffled, with a left-out hour: point i of the series is array index i */
	read_text(&set, "{\"ts\":3,\"score\":-3,\"anomaly\":true,\"label\":1}\n"
	                "{\"ts\":1,\"score\":null,\"label\":0}\n"
	                "{\"ts\":0,\"score\":-1,\"anomaly\":false,\"label\":0}\n"
	                "{\"ts\":2,\"score\":-2,\"anomaly\":false,\"label\":1}\n");
	arrays_of(&set, 0, labels, flags);
	const fcvae_scored_series *s = &set.s[0];
	CHECK(s->n == 3 && s->p[0].ts == 0 && s->p[1].ts == 2 && s->p[2].ts == 3 && s->p[1].brk && !s->p[2].brk &&
	      !strcmp(flags, "001") && labels[1] == labels[2], "points in time order, flags %s labels %s", flags, labels);
	fcvae_scored_free(&set);
}

static void test_replaced(void)
{
	fcvae_scored_set set;
	char labels[64], flags[64];
	/* ts 1 three times, ts 2 unscored then revised: the last of each stands */
	read_text(&set, "{\"ts\":1,\"score\":-5,\"anomaly\":false,\"label\":0}\n"
	                "{\"ts\":2,\"value\":null,\"score\":-7,\"anomaly\":true,\"label\":1}\n"
	                "{\"ts\":1,\"score\":-6,\"anomaly\":false,\"label\":0}\n"
	                "{\"ts\":1,\"score\":-8,\"anomaly\":true,\"label\":1,\"revised\":true}\n"
	                "{\"ts\":2,\"value\":3,\"score\":-7,\"anomaly\":true,\"label\":1,\"revised\":true}\n");
	arrays_of(&set, 0, labels, flags);
	const fcvae_scored_series *s = &set.s[0];
	CHECK(s->n == 2 && s->p[0].score == -8 && s->p[1].score == -7 && !strcmp(flags, "11"), "last stands: %zu points",
	      s->n);
	CHECK(s->records == 5 && s->replaced == 3 && set.replaced == 3 && s->unscored == 0 && set.unscored == 0 &&
	      set.labelled == 2, "counts: %zu records, %zu replaced, %zu unscored, %zu labelled", s->records, s->replaced,
	      s->unscored, set.labelled);
	fcvae_scored_free(&set);
	/* a rejected line does not replace a record of its time */
	read_text(&set, "{\"ts\":1,\"score\":-5,\"anomaly\":true,\"label\":1}\n"
	                "{\"ts\":1,\"score\":-5,\"label\":7}\n"
	                "{\"ts\":2,\"score\":-5,\"anomaly\":true,\"label\":1}\n");
	arrays_of(&set, 0, labels, flags);
	CHECK(!strcmp(labels, "11") && set.replaced == 0, "rejected line of a record's time: labels %s", labels);
	fcvae_scored_free(&set);
}

static void test_undecided(void)
{
	fcvae_scored_set set;
	char labels[64], flags[64];
	/* an uncalibrated model's "anomaly": false is no decision */
	read_text(&set, "{\"key\":\"A\",\"ts\":0,\"score\":-9,\"threshold\":null,\"anomaly\":false,\"label\":1}\n"
	                "{\"key\":\"B\",\"ts\":0,\"score\":-9,\"anomaly\":false,\"label\":1}\n"
	                "{\"key\":\"C\",\"ts\":0,\"score\":-9,\"threshold\":-1,\"label\":1}\n"
	                "{\"key\":\"D\",\"ts\":0,\"score\":-9,\"label\":1}\n");
	arrays_of(&set, -1, labels, flags);
	CHECK(set.s[0].no_threshold && !set.s[1].no_threshold && !set.s[2].no_threshold && set.s[3].no_threshold &&
	      !strcmp(flags, "0010"), "undecided: A and D; flags %s", flags);
	fcvae_scored_free(&set);
}

/* A key holding "\u0000" is a series of its own, its bytes all kept. */
static void test_nul_key(void)
{
	fcvae_scored_set set;
	read_text(&set, "{\"key\":\"a\\u0000b\",\"ts\":0,\"score\":-1,\"label\":0}\n"
	                "{\"key\":\"a\",\"ts\":0,\"score\":-1,\"label\":0}\n"
	                "{\"key\":\"a\\u0000b\",\"ts\":1,\"score\":-1,\"label\":0}\n"
	                "{\"key\":\"a\\u0000b\",\"ts\":1,\"score\":-2,\"label\":0}\n");
	CHECK(set.ns == 2 && set.s[0].keylen == 3 && !memcmp(set.s[0].key, "a\0b", 4) && set.s[0].records == 3 &&
	      set.s[0].n == 2 && set.s[0].replaced == 1 && set.s[1].keylen == 1 && set.s[1].records == 1,
	      "two series: %d, the first of %zu bytes, %zu records", set.ns, set.s[0].keylen, set.s[0].records);
	fcvae_scored_free(&set);
}

/* fcvae_scored_parse_live (fcvae-alert, fcvae-plot): the times fcvae-window
 * takes, and no others. */
static void test_parse_live(void)
{
	static const struct {
		const char *line;
		int ok;
		double ts;
	} cases[] = {
		{"{\"key\":\"a\",\"ts\":3600}", 1, 3600},
		{"{\"key\":\"a\",\"ts\":\"1970-01-01T01:00:00Z\"}", 1, 3600},
		{"{\"key\":\"a\",\"ts\":-62167219200}", 1, -62167219200.0},
		{"{\"key\":\"a\",\"ts\":253402300799}", 1, 253402300799.0},
		{"{\"key\":\"a\",\"ts\":-62167219201}", 0, 0},
		{"{\"key\":\"a\",\"ts\":253402300800}", 0, 0},
		{"{\"key\":\"a\",\"ts\":1e300}", 0, 0},
		{"{\"key\":\"a\",\"ts\":-1e300}", 0, 0},
		{"{\"key\":\"a\",\"ts\":1740495600000}", 0, 0}, /* milliseconds */
		{"{\"key\":\"a\",\"ts\":NaN}", 0, 0},
		{"{\"key\":\"a\",\"ts\":\"noon\"}", 0, 0},
	};
	size_t n = sizeof cases / sizeof *cases;
	char path[] = "/tmp/test-scored.XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "%s\n", cases[i].line);
	fclose(fp);
	fcvae_json_parser p;
	fcvae_json_parser_init(&p);
	p.allow_nan = 1;
	fcvae_lines in;
	fcvae_rejects rej = {0};
	CHECK(fcvae_lines_open(&in, path) == 0, "open");
	for (size_t i = 0; i < n && fcvae_lines_read(&in, -1) == 1; i++) {
		const fcvae_json *key;
		double ts = -1;
		const fcvae_json *r = fcvae_scored_parse_live(&p, &in, &rej, "key", "ts", &key, &ts);
		CHECK(!r == !cases[i].ok && (!r || (ts == cases[i].ts && key->slen == 1)), "%s: %s, ts %.17g", cases[i].line,
		      r ? "taken" : "rejected", ts);
	}
	CHECK(rej.total == 7 && rej.n == 1 && !strcmp(rej.reason[0], "bad ts"), "%zu rejected as %s", rej.total,
	      rej.n ? rej.reason[0] : "-");
	fcvae_lines_close(&in);
	unlink(path);
	fcvae_json_parser_free(&p);
}

int main(void)
{
	test_breaks();
	test_gaps();
	test_order();
	test_replaced();
	test_undecided();
	test_nul_key();
	test_parse_live();
	return unit_done();
}
