/* fcvae-plot — the dashboard (SPEC §8): scored records in, per series a
 * gnuplot PNG and SVG of the last hours (values, expected band, detected and
 * PA-credited labelled anomalies, score and threshold) and an index.html with
 * counters and recent anomalies; --follow redraws as records arrive. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "keyset.h"
#include "record.h"
#include "scored.h"
#include "timeparse.h"
#include "timeorder.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-plot -o DIR [options] [FILE...]\n"
	"Draw scored records (fcvae-score output) with gnuplot: DIR/SERIES.png and\n"
	"DIR/SERIES.svg per series, and DIR/index.html with counters and recent\n"
	"anomalies.\n"
	"\n"
	"  -o, --output DIR      where the dashboard goes (created if needed)\n"
	"  -H, --hours N         show the last N hours of each series (default 24; at\n"
	"                        most 1000000)\n"
	"  -r, --refresh S       index.html reloads itself every S seconds (default 5;\n"
	"                        0: never)\n"
	"  -s, --size WxH        image size in pixels, 200x150 to 10000x10000 (default\n"
	"                        900x420)\n"
	"  -F, --format LIST     png, svg or png,svg (default png,svg)\n"
	"  -f, --follow          redraw as records arrive (at most every --interval)\n"
	"  -i, --interval S      with --follow, seconds between redraws (default 1; at\n"
	"                        most 86400)\n"
	"  -t, --title TEXT      page title (default fcvae)\n"
	"      --key F           series key field (default key)\n"
	"      --ts F            time field (default ts)\n"
	"      --label F         label field (default label)\n"
	"      --gnuplot PROG    gnuplot program (default gnuplot)\n"
	"      --max-line N      " FCVAE_MAX_LINE_HELP
	"      --strict          stop at the first bad input line (exit 3)\n"
	"  -h, --help            this text\n"
	"      --version         print the version\n";

/* One scored bucket, as drawn. NaN = absent. */
typedef struct {
	double ts, value, expected, lower, upper, score, threshold;
	signed char anomaly;   /* 1, 0, or -1 (no verdict) */
	signed char label;     /* 1, 0, or -1 (no label) */
} point;

typedef struct {
	const char *key;       /* in board's keys: keylen bytes, which may hold
	                        * NUL (JSON's "\u0000"), so written with keylen */
	size_t keylen;
	const char *file;      /* key made safe as a file name, in board's files */
	point *p;              /* time order, oldest first */
	size_t n, cap;
	double dropped;        /* the newest bucket time dropped from the span
	                        * (-inf: none): every bucket seen after it is in p */
	int dirty;             /* changed since last drawn */
} series;

#define RECENT 20

typedef struct {
	size_t series;         /* index in board's s */
	point pt;
} recent_anomaly;

typedef struct {
	series *s;             /* in order of first appearance, as keys */
	size_t ns, cap;
	fcvae_keyset keys, files;
	double hours;
	size_t received, scored;
	double latest;                    /* newest bucket time over all series */
	recent_anomaly recent[RECENT];    /* by bucket time, newest first */
	size_t nrecent;
	unsigned long generation;         /* bumps on each draw, for image URLs */
} board;

/* The drawn fields of a scored record into pt (all but ts). A number not
 * finite (NaN, as Python writes it), null or absent is a point not drawn;
 * anything else is a bad line, reported into rej: then -1. So is a record
 * with neither a score nor an expected value, not fcvae-score's output
 * (fcvae-window's, say), of which a dashboard would draw empty panels. */
static int read_point(const fcvae_json *r, const char *label_field, fcvae_rejects *rej, const fcvae_lines *in,
                      point *pt)
{
	const struct {
		const char *name, *reason;
		double *at;
	} num[] = {
		{"value", "bad value", &pt->value},
		{"expected", "bad expected", &pt->expected},
		{"lower", "bad lower", &pt->lower},
		{"upper", "bad upper", &pt->upper},
		{"score", "bad score", &pt->score},
		{"threshold", "bad threshold", &pt->threshold},
	};
	for (size_t i = 0; i < sizeof num / sizeof *num; i++) {
		const fcvae_json *v = fcvae_json_get(r, num[i].name);
		if (v && v->type != FCVAE_JSON_NUMBER && v->type != FCVAE_JSON_NULL) {
			fcvae_reject(rej, in, num[i].reason, "\"%s\" is not a number", num[i].name);
			return -1;
		}
		*num[i].at = v && v->type == FCVAE_JSON_NUMBER && isfinite(v->num) ? v->num : NAN;
	}
	if (!fcvae_json_get(r, "score") && !fcvae_json_get(r, "expected")) {
		fcvae_reject(rej, in, "not scored", "no \"score\" or \"expected\" (is this fcvae-score output?)");
		return -1;
	}
	const fcvae_json *an = fcvae_json_get(r, "anomaly");
	if (an && an->type != FCVAE_JSON_TRUE && an->type != FCVAE_JSON_FALSE && an->type != FCVAE_JSON_NULL) {
		fcvae_reject(rej, in, "bad anomaly", "\"anomaly\" is not true or false");
		return -1;
	}
	pt->anomaly = (signed char)(an && an->type != FCVAE_JSON_NULL ? an->type == FCVAE_JSON_TRUE : -1);
	int label = fcvae_label_of(fcvae_json_get(r, label_field));
	if (label == FCVAE_LABEL_BAD) {
		fcvae_reject(rej, in, "bad label", FCVAE_LABEL_BAD_MSG, label_field);
		return -1;
	}
	pt->label = (signed char)label;
	return 0;
}

/* A string for the gnuplot script, single-quoted: there gnuplot expands
 * nothing (in double quotes it would run `backquoted` commands), and a
 * quote is written twice. A control character (NUL too), which would end
 * the command, is written as '?'. */
static void put_string(FILE *fp, const char *v, size_t len)
{
	fputc('\'', fp);
	for (const char *end = v + len; v < end; v++) {
		if (*v == '\'')
			fputs("''", fp);
		else
			fputc((unsigned char)*v < 0x20 || *v == 0x7f ? '?' : *v, fp);
	}
	fputc('\'', fp);
}

/* A series' key as a file name: letters, digits, '-' and '.' kept, the rest
 * (the '/' of "Accel/CMP" first of all) as '_', at most FILE_NAME_MAX bytes
 * (with room for a "-N" suffix and the extension within NAME_MAX). */
#define FILE_NAME_MAX 200
static char *file_name(const char *key, size_t len)
{
	if (len > FILE_NAME_MAX)
		len = FILE_NAME_MAX;
	char *f = fcvae_xmalloc(len + 2);
	f[0] = '_';   /* the name of the empty key */
	memcpy(f, key, len);
	f[len ? len : 1] = '\0';
	for (char *c = f; c < f + len; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || (*c == '.' && c != f)))
			*c = '_';
	return f;
}

static series *series_get(board *b, const char *key, size_t len)
{
	int added;
	size_t i = fcvae_keyset_add(&b->keys, key, len, &added);
	if (!added)
		return &b->s[i];
	if (b->ns == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->s = fcvae_xrealloc(b->s, b->cap * sizeof *b->s);
	}
	series *s = &b->s[b->ns++];
	memset(s, 0, sizeof *s);
	s->key = b->keys.key[i];
	s->keylen = len;
	s->dropped = -INFINITY;
	/* two keys that map to one file name would overwrite each other's
	 * image: a "-N" suffix, N counted up until the name is free */
	char *base = file_name(key, len), *name = fcvae_xmalloc(strlen(base) + 24);
	strcpy(name, base);
	for (size_t n = b->ns;; n++) {
		size_t f = fcvae_keyset_add(&b->files, name, strlen(name), &added);
		if (added) {
			s->file = b->files.key[f];
			break;
		}
		sprintf(name, "%s-%zu", base, n);
	}
	free(name);
	free(base);
	return s;
}

enum { ADDED, SEEN, REPLACED };

/* Add a point in time order: ADDED; a bucket seen again replaces the old
 * one, which goes to *old (a replay, or --revise): REPLACED. Points older
 * than the shown span are dropped. A bucket no newer than one dropped is
 * taken as seen (a replay after a restart reaches back past the span):
 * SEEN, and nothing changes. */
static int series_add(board *b, series *s, const point *pt, point *old)
{
	if (pt->ts <= s->dropped)
		return SEEN;
	int replaced = ADDED;
	size_t i = s->n;
	while (i > 0 && s->p[i - 1].ts > pt->ts)
		i--;
	if (i > 0 && s->p[i - 1].ts == pt->ts) {
		*old = s->p[i - 1];
		s->p[i - 1] = *pt;
		replaced = REPLACED;
	} else {
		if (s->n == s->cap) {
			s->cap = s->cap ? 2 * s->cap : 64;
			s->p = fcvae_xrealloc(s->p, s->cap * sizeof *s->p);
		}
		memmove(&s->p[i + 1], &s->p[i], (s->n - i) * sizeof *s->p);
		s->p[i] = *pt;
		s->n++;
	}
	/* at least the last hour, which the "anomalies in the last hour"
	 * counter counts, with fewer hours drawn */
	double cut = s->p[s->n - 1].ts - fmax(b->hours, 1) * 3600;
	size_t drop = 0;
	while (drop < s->n && s->p[drop].ts <= cut)
		drop++;
	if (drop) {
		s->dropped = s->p[drop - 1].ts;
		memmove(s->p, s->p + drop, (s->n - drop) * sizeof *s->p);
		s->n -= drop;
	}
	s->dirty = 1;
	return replaced;
}

/* Keep an anomaly among the RECENT newest by bucket time (arrival order
 * is no guide: a replay or a late series brings old buckets last). */
static void recent_add(board *b, size_t series, const point *pt)
{
	size_t i = b->nrecent;
	if (i == RECENT) {
		if (!(pt->ts > b->recent[RECENT - 1].pt.ts))
			return;
		i--;
	} else
		b->nrecent++;
	/* before those of its time already kept: of one time, the last come first */
	for (; i > 0 && b->recent[i - 1].pt.ts <= pt->ts; i--)
		b->recent[i] = b->recent[i - 1];
	b->recent[i] = (recent_anomaly){.series = series, .pt = *pt};
}

/* A bucket's record replaced: the table shows the new one, if an anomaly.
 * (One that fell off the table for newer ones does not come back.) */
static void recent_replace(board *b, size_t series, const point *old, const point *pt)
{
	for (size_t i = 0; i < b->nrecent; i++)
		if (b->recent[i].series == series && b->recent[i].pt.ts == old->ts) {
			memmove(&b->recent[i], &b->recent[i + 1], (b->nrecent - i - 1) * sizeof *b->recent);
			b->nrecent--;
			break;
		}
	if (pt->anomaly == 1)
		recent_add(b, series, pt);
}

/* Labelled points credited by point adjustment: every point of a labelled
 * segment (consecutive labelled buckets, no gap between them longer than
 * the series' step, as fcvae-eval's events) in which anything was flagged. */
static void pa_credit(const series *s, unsigned char *credit)
{
	double gap_max = fcvae_run_gap_max(s->p, s->n, sizeof *s->p, offsetof(point, ts));
	size_t i = 0;
	while (i < s->n) {
		if (s->p[i].label != 1) {
			credit[i++] = 0;
			continue;
		}
		size_t j = i;
		int hit = 0;
		do
			hit |= s->p[j++].anomaly == 1;
		while (j < s->n && s->p[j].label == 1 && !(s->p[j].ts - s->p[j - 1].ts > gap_max));
		for (; i < j; i++)
			credit[i] = (unsigned char)hit;
	}
}

/* A tick step giving at most about four ticks over [lo, hi], 1, 2 or 5
 * times a power of ten: the score panel is short, and gnuplot's own choice
 * crowds it when a spike stretches the range. 0 when the range is empty. */
/* Whether a panel's values are all one as written to gnuplot (%.9g):
 * apart beyond that, gnuplot sees an empty range and warns. */
static int one_value(double lo, double hi)
{
	return hi - lo <= 1e-9 * fmax(fabs(lo), fabs(hi));
}

static double tick_step(double lo, double hi)
{
	if (one_value(lo, hi))
		return 0;
	double want = (hi - lo) / 4;
	if (!(want > 0) || !isfinite(want))
		return 0;
	double p = pow(10, floor(log10(want)));
	return want <= p ? p : want <= 2 * p ? 2 * p : want <= 5 * p ? 5 * p : 10 * p;
}

/* gnuplot takes a number beyond about 9e307 for undefined (and one such
 * point for a failed script, all of its batch with it), and its range and
 * tick arithmetic overflows well before: such a value is drawn as missing. */
static int drawable(double x)
{
	return isfinite(x) && fabs(x) <= 1e300;
}

static void put_num(FILE *fp, double x)
{
	if (drawable(x))
		fprintf(fp, " %.9g", x);
	else
		fputs(" ?", fp);
}

typedef struct {
	const char *dir, *gnuplot;
	int width, height, png, svg;
} draw_opts;

/* Font sizes are for the default 900x420: scaled with the image (its
 * smaller ratio), so that labels neither crowd a small image nor shrink
 * to a few pixels in a large one scaled to fit the page. */
static double font_scale(const draw_opts *o)
{
	double f = fmin(o->width / 900.0, o->height / 420.0);
	return f < 0.6 ? 0.6 : f > 2.5 ? 2.5 : f;
}

/* Data columns of the script: 1 time, then these; 8 anomaly, 9 credited. */
enum { C_VALUE, C_EXPECTED, C_LOWER, C_UPPER, C_SCORE, C_THRESHOLD, NCOL };

/* A panel's y range over its columns' finite values [lo, hi]: gnuplot's own
 * choice when they span one, else set here. gnuplot would stop at "all
 * points y value undefined" over nothing, and over a single value print
 * "Warning: empty y range" on stderr, where its "line N" of the script
 * reads like an input line. */
static void put_yrange(FILE *fp, double lo, double hi)
{
	if (lo > hi)
		fputs("set yrange [0:1]\n", fp);
	else if (one_value(lo, hi)) {
		double d = lo ? fabs(lo) / 100 : 1;
		fprintf(fp, "set yrange [%.17g:%.17g]\n", lo - d, hi + d);
	}
}

/* A plot command of the clauses whose data has a point to draw: gnuplot
 * warns of a clause without one ("Skipping data file with no valid
 * points"). None: an empty plot, which draws the axes and grid. A clause
 * of lines or an area draws nothing of a single point: its data has
 * points[i] of them, and with one its second form (clause[i][1]) is used. */
static void put_plot(FILE *fp, const char *const (*clause)[2], const int *points, int n)
{
	int any = 0;
	fputs("plot", fp);
	for (int i = 0; i < n; i++)
		if (points[i]) {
			const char *c = points[i] == 1 && clause[i][1] ? clause[i][1] : clause[i][0];
			fprintf(fp, "%s $d %s", any ? ", \\\n " : "", c);
			any = 1;
		}
	fputs(any ? "\n" : " $d using 1:(1/0) notitle\n", fp);
}

static const char *const formats[2] = {"png", "svg"};

/* --format: a comma-separated list of formats[] */
static int parse_formats(const char *list, draw_opts *o)
{
	int want[2];
	if (fcvae_parse_list(list, formats, 2, want) < 0)
		return -1;
	o->png = want[0];
	o->svg = want[1];
	return 0;
}

/* The gnuplot script of one series: data inline, then one terminal per
 * format, each drawing into its temp file img[f] (renamed once complete). */
static void script_series(FILE *fp, const board *b, const series *s, const draw_opts *o, const fcvae_atomic *img)
{
	unsigned char *credit = fcvae_xmalloc(s->n ? s->n : 1);
	pa_credit(s, credit);
	/* per panel the range of its finite values; per column whether it has one */
	double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
	int has[NCOL] = {0}, band = 0;
	fprintf(fp, "$d << EOD\n");
	for (size_t i = 0; i < s->n; i++) {
		const point *p = &s->p[i];
		const double col[NCOL] = {p->value, p->expected, p->lower, p->upper, p->score, p->threshold};
		fprintf(fp, "%.3f", p->ts);
		for (int k = 0; k < NCOL; k++) {
			put_num(fp, col[k]);
			if (!drawable(col[k]))
				continue;
			int panel = k >= C_SCORE;
			lo[panel] = fmin(lo[panel], col[k]);
			hi[panel] = fmax(hi[panel], col[k]);
			has[k]++;
		}
		band += drawable(p->lower) && drawable(p->upper);
		fprintf(fp, " %d %d\n", p->anomaly == 1, credit[i]);
	}
	fprintf(fp, "EOD\n");
	free(credit);
	double step = tick_step(lo[1], hi[1]);
	static const char *const value_plot[][2] = {
		{"using 1:4:5 with filledcurves lc rgb '#cfe0f5' title 'expected band'",
		 "using 1:4:(0):($5-$4) with vectors nohead lw 8 lc rgb '#cfe0f5' title 'expected band'"},
		{"using 1:3 with lines lc rgb '#4a7fc1' dt 2 title 'expected'",
		 "using 1:3 with points pt 1 lc rgb '#4a7fc1' title 'expected'"},
		{"using 1:2 with lines lc rgb '#202020' lw 1.5 title 'value'",
		 "using 1:2 with points pt 7 ps 0.6 lc rgb '#202020' title 'value'"},
		{"using 1:($9 > 0 ? $2 : 1/0) with points pt 7 ps 1.6 lc rgb '#ff8c00' title 'labelled, credited'"},
		{"using 1:($8 > 0 ? $2 : 1/0) with points pt 7 ps 1.0 lc rgb '#ff0000' title 'anomaly'"},
	};
	const int value_shown[] = {band, has[C_EXPECTED], has[C_VALUE], has[C_VALUE], has[C_VALUE]};
	static const char *const score_plot[][2] = {
		{"using 1:6 with lines lc rgb '#6a3d9a' title 'score'",
		 "using 1:6 with points pt 7 ps 0.6 lc rgb '#6a3d9a' title 'score'"},
		{"using 1:7 with lines lc rgb '#ff0000' dt 2 title 'threshold'",
		 "using 1:7 with points pt 1 lc rgb '#ff0000' title 'threshold'"},
	};
	const int score_shown[] = {has[C_SCORE], has[C_THRESHOLD]};

	/* x range: the shown span ending at the newest bucket, a little air on
	 * the right (half an hour of a day, a 48th of other spans: not a third
	 * of an hour of minutes); fixed margins (screen fractions) so that a
	 * pixel column means the same time in every image */
	double t1 = s->n ? s->p[s->n - 1].ts : b->latest;
	double t0 = t1 - b->hours * 3600;
	fprintf(fp, "set xrange [%.3f:%.3f]\n", t0, t1 + fmin(1800, b->hours * 3600 / 48));
	fprintf(fp, "score_ytics = %.17g\n", step);
	for (int f = 0; f < 2; f++) {
		if (!(f ? o->svg : o->png))
			continue;
		/* the series name top left, the key top right, both above the
		 * plot area, so that no marker of the key sits among the data;
		 * set for each image, as the score panel unsets it */
		fprintf(fp, "set label 1 ");
		put_string(fp, s->key, s->keylen);
		fprintf(fp, " noenhanced at screen 0.01,0.95 left font ',%.3g'\n", 12 * font_scale(o));
		if (f)
			fprintf(fp, "set terminal svg size %d,%d font 'sans,%.3g' background '#ffffff'\n",
				o->width, o->height, 10 * font_scale(o));
		else
			fprintf(fp, "set terminal pngcairo size %d,%d font 'sans,%.3g' background '#ffffff'\n",
				o->width, o->height, 9 * font_scale(o));
		fprintf(fp, "set output ");
		put_string(fp, img[f].tmp, strlen(img[f].tmp));
		fprintf(fp, "\n");
		fprintf(fp,
			"set multiplot\n"
			"set lmargin at screen 0.09; set rmargin at screen 0.97\n"
			"set key at screen 0.97,0.985 right top horizontal\n"
			"set tmargin at screen 0.88; set bmargin at screen 0.38\n"
			"set format x ''; set ylabel 'value'\n");
		put_yrange(fp, lo[0], hi[0]);
		put_plot(fp, value_plot, value_shown, 5);
		fprintf(fp,
			"set yrange [*:*]; unset label 1\n"
			"set key at screen 0.97,0.375 right top horizontal\n"
			"set tmargin at screen 0.34; set bmargin at screen 0.10\n"
			"set format x \"%%d %%b\\n%%H:%%M\" timedate; set ylabel 'score'\n"
			"if (score_ytics > 0) { set ytics score_ytics }\n");
		put_yrange(fp, lo[1], hi[1]);
		put_plot(fp, score_plot, score_shown, 2);
		fprintf(fp,
			"unset multiplot\n"
			"set ytics autofreq; set yrange [*:*]\n"
			"set output\n");
	}
}

/* Series per gnuplot run: each image holds its temp file open (two
 * descriptors) until it is renamed. */
#define BATCH 64

/* What gnuplot said (fd, from its start), each line named as ours are
 * (SPEC §10): "fcvae-plot: gnuplot: line 8: ...". Its blank lines, which
 * only space its messages apart, are left out. */
static void pass_on(const char *prog, int fd)
{
	FILE *fp = lseek(fd, 0, SEEK_SET) == 0 ? fdopen(fd, "r") : NULL;
	if (!fp)
		fcvae_die(FCVAE_EXIT_FAIL, "%s's messages:", prog);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, fp)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (strspn(line, " \t") < (size_t)len)
			fprintf(stderr, "%s: %s: %s\n", fcvae_argv0, prog, line);
	}
	free(line);
	fclose(fp);
}

/* out = DIR/NAME.EXT, whole: a path cut at the buffer's end would name
 * another file (open(2) refuses one this long anyway) */
static void file_path(char *out, size_t size, const char *dir, const char *name, const char *ext)
{
	if ((size_t)snprintf(out, size, "%s/%s.%s", dir, name, ext) >= size)
		fcvae_die(FCVAE_EXIT_FAIL, "%s/%s.%s: %s", dir, name, ext, strerror(ENAMETOOLONG));
}

/* Whether gnuplot wrote image a (format f) to its end: on a full disk it
 * says nothing and exits 0, leaving a PNG without its IEND chunk or an SVG
 * without its closing tag. A device or FIFO written directly is not read. */
static int image_whole(const fcvae_atomic *a, int f)
{
	static const char png_end[12] = "\0\0\0\0IEND\xae\x42\x60\x82";
	if (a->direct)
		return 1;
	struct stat st;
	char end[32];
	int fd = fileno(a->fp);
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof end)
		return 0;
	if (pread(fd, end, sizeof end, st.st_size - (off_t)sizeof end) != (ssize_t)sizeof end)
		return 0;
	if (f == 0)
		return !memcmp(end + sizeof end - sizeof png_end, png_end, sizeof png_end);
	size_t n = sizeof end;
	while (n > 0 && strchr(" \t\r\n", end[n - 1]))
		n--;
	return n >= 6 && !memcmp(end + n - 6, "</svg>", 6);
}

/* Draw the series sel[0..n) with one gnuplot child fed the script on a
 * pipe. Each image goes to its own locked temp file (fcvae_atomic), renamed
 * into place only after gnuplot exited 0. gnuplot inherits the temp files'
 * locks and dies with us, so a kill leaves only temp files that no one
 * holds, which the next start of this image removes. */
static int draw_batch(board *b, const draw_opts *o, const size_t *want, size_t nwant)
{
	fcvae_atomic img[BATCH][2];
	char path[4096];
	/* a series whose image cannot be opened (a dangling link in the way)
	 * is said and left out; the others are drawn */
	size_t sel[BATCH], n = 0;
	int rc = 0;
	for (size_t k = 0; k < nwant; k++) {
		int f = 0;
		for (; f < 2; f++) {
			if (!(f ? o->svg : o->png))
				continue;
			file_path(path, sizeof path, o->dir, b->s[want[k]].file, formats[f]);
			if (fcvae_atomic_open(&img[n][f], path) < 0) {
				fcvae_warn("%s:", path);
				break;
			}
		}
		if (f == 2) {
			sel[n++] = want[k];
			continue;
		}
		while (f-- > 0)
			if (f ? o->svg : o->png)
				fcvae_atomic_abort(&img[n][f]);
		rc = -1;
	}
	if (!n)
		return rc;
	int fd[2];
	if (pipe(fd) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "pipe:");
	/* gnuplot's stderr, and its stdout (off a pipeline's data), go to a
	 * file passed on when it is done: not a pipe, where gnuplot could
	 * wait for us to read while we wait for it to read the script */
	int said = memfd_create("gnuplot", MFD_CLOEXEC);
	if (said < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "memfd_create:");
	fflush(stdout);
	pid_t parent = getpid(), pid = fork();
	if (pid < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "fork:");
	if (pid == 0) {
		/* a gnuplot that outlived a killed fcvae-plot would go on
		 * writing into the dashboard */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		/* a Ctrl-C to the terminal's group is ours to act on (draw what
		 * came, then stop): gnuplot would die of it mid-drawing */
		setpgid(0, 0);
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		int err = fcntl(2, F_DUPFD_CLOEXEC, 3); /* ours, should the exec fail */
		dup2(said, 1);
		dup2(said, 2);
		execlp(o->gnuplot, o->gnuplot, (char *)NULL);
		dprintf(err, "%s: cannot run %s: %s\n", fcvae_argv0, o->gnuplot, strerror(errno));
		_exit(127);
	}
	close(fd[0]);
	FILE *fp = fdopen(fd[1], "w");
	if (!fp)
		fcvae_die(FCVAE_EXIT_FAIL, "fdopen:");
	fprintf(fp,
		"set datafile missing '?'\n"
		"set xdata time; set timefmt '%%s'\n"
		"set grid; set key font ',%.3g' samplen 2\n"
		"set style fill solid 1.0 noborder\n"
		/* a line at a panel's extreme (the threshold below every score)
		 * would lie on the frame when that is a tick */
		"set offsets 0, 0, graph 0.05, graph 0.05\n", 8 * font_scale(o));
	for (size_t k = 0; k < n; k++)
		script_series(fp, b, &b->s[sel[k]], o, img[k]);
	int werr = ferror(fp);
	werr |= fclose(fp) != 0;   /* EOF: gnuplot exits after the script */
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			fcvae_die(FCVAE_EXIT_FAIL, "waitpid:");
	pass_on(o->gnuplot, said);
	int ok = !werr && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok)
		fcvae_warn("%s failed; images not updated", o->gnuplot);
	for (size_t k = 0; k < n; k++) {
		int drawn = ok; /* both images in place: the series is clean */
		for (int f = 0; f < 2; f++) {
			if (!(f ? o->svg : o->png))
				continue;
			if (!ok) {
				fcvae_atomic_abort(&img[k][f]);
			} else if (!image_whole(&img[k][f], f)) {
				fcvae_warn("%s/%s.%s: %s wrote it only in part (a full disk?); not updated", o->dir,
				           b->s[sel[k]].file, formats[f], o->gnuplot);
				fcvae_atomic_abort(&img[k][f]);
				rc = -1;
				drawn = 0;
			} else if (fcvae_atomic_commit(&img[k][f]) < 0) {
				fcvae_warn("%s/%s.%s:", o->dir, b->s[sel[k]].file, formats[f]);
				rc = -1;
				drawn = 0;
			}
		}
		if (drawn)
			b->s[sel[k]].dirty = 0;
	}
	return ok ? rc : -1;
}

/* Draw every changed series, BATCH at a time. */
static int draw_images(board *b, const draw_opts *o)
{
	size_t sel[BATCH], i = 0;
	while (i < b->ns) {
		size_t n = 0;
		for (; i < b->ns && n < BATCH; i++)
			if (b->s[i].dirty && b->s[i].n)
				sel[n++] = i;
		if (n && draw_batch(b, o, sel, n) < 0)
			return -1;
	}
	return 0;
}

/* NUL, which HTML has no place for, as U+FFFD (as a browser reads it) */
static void html_text(FILE *fp, const char *s, size_t len)
{
	for (const char *end = s + len; s < end; s++) {
		switch (*s) {
		case '\0': fputs("&#xFFFD;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		default: fputc(*s, fp);
		}
	}
}

static void html_num(FILE *fp, double x)
{
	if (isfinite(x))
		fprintf(fp, "%.15g", x); /* as read: a count in full */
	else
		fputs("&ndash;", fp);
}

static void write_index(board *b, const draw_opts *o, const char *title, int refresh)
{
	char path[4096], ts[FCVAE_TIME_MAX];
	file_path(path, sizeof path, o->dir, "index", "html");
	fcvae_atomic a;
	if (fcvae_atomic_open(&a, path) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
	FILE *fp = a.fp;
	size_t last_hour = 0;
	for (size_t i = 0; i < b->ns; i++)
		for (size_t j = b->s[i].n; j-- > 0 && b->s[i].p[j].ts > b->latest - 3600;)
			last_hour += b->s[i].p[j].anomaly == 1;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n", fp);
	if (refresh > 0)
		fprintf(fp, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh);
	fputs("<title>", fp);
	html_text(fp, title, strlen(title));
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1em;background:#f7f7f7;color:#202020}\n"
	      ".counters{display:flex;gap:1em;margin-bottom:1em}\n"
	      ".counter{background:#fff;border:1px solid #ddd;padding:.5em 1em}\n"
	      ".counter b{display:block;font-size:1.6em}\n"
	      ".alarm b{color:#d00000}\n"
	      ".plots{display:flex;flex-wrap:wrap;gap:1em}\n"
	      ".plots img{background:#fff;border:1px solid #ddd;max-width:100%;height:auto}\n"
	      "table{border-collapse:collapse;background:#fff;margin-top:1em}\n"
	      "td,th{border:1px solid #ddd;padding:.2em .6em;text-align:right}\n"
	      "td:first-child,th:first-child{text-align:left}\n"
	      "</style></head><body>\n<h1>", fp);
	html_text(fp, title, strlen(title));
	fputs("</h1>\n<div class=\"counters\">\n", fp);
	fprintf(fp, "<div class=\"counter\" id=\"received\"><b>%zu</b>records received</div>\n", b->received);
	fprintf(fp, "<div class=\"counter\" id=\"scored\"><b>%zu</b>hours scored</div>\n", b->scored);
	fprintf(fp, "<div class=\"counter%s\" id=\"last-hour\"><b>%zu</b>anomalies in the last hour</div>\n",
		last_hour ? " alarm" : "", last_hour);
	if (isfinite(b->latest)) {
		fcvae_time_format(ts, b->latest);
		fprintf(fp, "<div class=\"counter\" id=\"latest\"><b>%s</b>latest bucket</div>\n", ts);
	}
	fputs("</div>\n<div class=\"plots\">\n", fp);
	for (size_t i = 0; i < b->ns; i++) {
		if (!b->s[i].n)
			continue;
		/* the generation in the URL defeats caching across redraws */
		fprintf(fp, "<a href=\"%s.%s\"><img src=\"%s.%s?g=%lu\" width=\"%d\" height=\"%d\" alt=\"",
			b->s[i].file, o->svg ? "svg" : "png", b->s[i].file, o->png ? "png" : "svg",
			b->generation, o->width, o->height);
		html_text(fp, b->s[i].key, b->s[i].keylen);
		/* (a long key is cut off in the image: whole as its tooltip) */
		fputs("\" title=\"", fp);
		html_text(fp, b->s[i].key, b->s[i].keylen);
		fputs("\"></a>\n", fp);
	}
	fputs("</div>\n<h2>Recent anomalies</h2>\n<table id=\"recent\">\n"
	      "<tr><th>series</th><th>time</th><th>value</th><th>expected</th><th>score</th><th>threshold</th></tr>\n",
	      fp);
	size_t shown = b->nrecent;
	for (size_t k = 0; k < shown; k++) {
		const recent_anomaly *r = &b->recent[k];
		fcvae_time_format(ts, r->pt.ts);
		fputs("<tr><td>", fp);
		html_text(fp, b->s[r->series].key, b->s[r->series].keylen);
		fprintf(fp, "</td><td>%s</td><td>", ts);
		html_num(fp, r->pt.value);
		fputs("</td><td>", fp);
		html_num(fp, r->pt.expected);
		fputs("</td><td>", fp);
		html_num(fp, r->pt.score);
		fputs("</td><td>", fp);
		html_num(fp, r->pt.threshold);
		fputs("</td></tr>\n", fp);
	}
	if (!shown)
		fputs("<tr><td colspan=\"6\">none yet</td></tr>\n", fp);
	fputs("</table>\n</body></html>\n", fp);
	if (fcvae_atomic_commit(&a) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
}

/* The most --hours: the start of the time axis, the newest bucket less
 * the hours shown, stays among gnuplot's times (within 1e12 s of 1970)
 * for every record time (the years 0 to 9999): year 0 less a million
 * hours is -6.6e10 s. */
#define HOURS_MAX 1000000

int main(int argc, char **argv)
{
	enum { O_KEY = 256, O_TS, O_LABEL, O_GNUPLOT, O_MAX_LINE, O_STRICT, O_VERSION };
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"hours", required_argument, NULL, 'H'},
		{"refresh", required_argument, NULL, 'r'},
		{"size", required_argument, NULL, 's'},
		{"format", required_argument, NULL, 'F'},
		{"follow", no_argument, NULL, 'f'},
		{"interval", required_argument, NULL, 'i'},
		{"title", required_argument, NULL, 't'},
		{"key", required_argument, NULL, O_KEY},
		{"ts", required_argument, NULL, O_TS},
		{"label", required_argument, NULL, O_LABEL},
		{"gnuplot", required_argument, NULL, O_GNUPLOT},
		{"max-line", required_argument, NULL, O_MAX_LINE},
		{"strict", no_argument, NULL, O_STRICT},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	draw_opts o = {.gnuplot = "gnuplot", .width = 900, .height = 420, .png = 1, .svg = 1};
	const char *title = "fcvae", *key_field = "key", *ts_field = "ts", *label_field = "label";
	int refresh = 5, follow = 0, strict = 0, c;
	size_t max_line = FCVAE_MAX_LINE;
	double interval = 1;
	board b = {.hours = 24, .latest = -INFINITY};
	fcvae_rejects rej = {0};

	fcvae_start(argv);
	while ((c = getopt_long(argc, argv, "o:H:r:s:F:fi:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': o.dir = optarg; break;
		case 'H':
			b.hours = fcvae_parse_double("--hours", optarg);
			if (!(b.hours > 0 && b.hours <= HOURS_MAX))
				fcvae_die(FCVAE_EXIT_USAGE, "--hours: '%s' is not a number of hours above 0 and at most %d",
					  optarg, HOURS_MAX);
			break;
		case 'r': refresh = (int)fcvae_parse_long("--refresh", optarg, 0, 86400); break;
		case 's': {
			int end = 0;
			if (sscanf(optarg, "%dx%d%n", &o.width, &o.height, &end) != 2 || optarg[end] ||
			    o.width < 200 || o.height < 150 || o.width > 10000 || o.height > 10000)
				fcvae_die(FCVAE_EXIT_USAGE, "--size: '%s' is not WxH from 200x150 to 10000x10000", optarg);
			break;
		}
		case 'F':
			if (parse_formats(optarg, &o) < 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--format: '%s' is not png, svg or png,svg", optarg);
			break;
		case 'f': follow = 1; break;
		case 'i':
			/* at most a day, as --refresh: the wait is an int of milliseconds */
			interval = fcvae_parse_double("--interval", optarg);
			if (!(interval >= 0 && interval <= 86400))
				fcvae_die(FCVAE_EXIT_USAGE, "--interval: '%s' is not a number of seconds from 0 to 86400",
					  optarg);
			break;
		case 't': title = optarg; break;
		case O_KEY: key_field = optarg; break;
		case O_TS: ts_field = optarg; break;
		case O_LABEL: label_field = optarg; break;
		case O_GNUPLOT: o.gnuplot = optarg; break;
		case O_MAX_LINE: max_line = fcvae_parse_max_line(optarg); break;
		case O_STRICT: strict = 1; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (!o.dir) {
		fcvae_warn("no output directory (-o DIR)");
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	/* the images' paths go into gnuplot's script, where a control
	 * character would end the command */
	for (const char *c = o.dir; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			fcvae_die(FCVAE_EXIT_USAGE, "-o: a directory name with control characters cannot be given to gnuplot");
	if (mkdir(o.dir, 0755) < 0 && errno != EEXIST)
		fcvae_die(FCVAE_EXIT_FAIL, "%s:", o.dir);

	/* Ctrl-C or SIGTERM: draw what arrived, then end as stopped by it
	 * (a read waiting for input is woken) */
	fcvae_catch_stop();

	fcvae_json_parser p;
	fcvae_json_parser_init(&p);
	p.allow_nan = 1; /* Python writes NaN bare: a point not drawn, not a bad line */
	int nfiles = optind < argc ? argc - optind : 1, failed = 0;
	double last_draw = -INFINITY;
	int pending = 0;
	write_index(&b, &o, title, refresh);
	for (int f = 0; f < nfiles && !fcvae_stop_signal; f++) {
		const char *path = optind < argc ? argv[optind + f] : "-";
		fcvae_lines in;
		if (fcvae_lines_open(&in, path) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", path);
		in.max = max_line;
		int rc = 0;
		/* (a stop signal ends the input, once what was read is taken) */
		for (;;) {
			int wait_ms = -1;
			if (follow && pending) {
				double due = last_draw + interval - fcvae_monotonic();
				wait_ms = due > 0 ? (int)(due * 1000) + 1 : 0;
			}
			rc = fcvae_lines_read(&in, wait_ms);
			if (pending && (rc == 2 || (rc == 1 && fcvae_monotonic() >= last_draw + interval))) {
				/* quiet, or time for the rate-limited redraw */
				b.generation++;
				failed |= draw_images(&b, &o) < 0;
				write_index(&b, &o, title, refresh);
				last_draw = fcvae_monotonic();
				pending = 0;
			}
			if (rc == 2)
				continue;
			if (rc != 1)
				break;
			if (fcvae_lines_blank(&in))
				continue;
			b.received++;
			point pt;
			const fcvae_json *key, *r =
				fcvae_scored_parse_live(&p, &in, &rej, key_field, ts_field, &key, &pt.ts);
			if (!r || read_point(r, label_field, &rej, &in, &pt) < 0) {
				if (strict)
					exit(FCVAE_EXIT_DATA); /* the bad line said why */
				continue;
			}
			series *s = series_get(&b, key->str, key->slen);
			point old;
			switch (series_add(&b, s, &pt, &old)) {
			case ADDED:
				b.scored += isfinite(pt.score);
				if (pt.anomaly == 1)
					recent_add(&b, (size_t)(s - b.s), &pt);
				break;
			case REPLACED: /* buckets with a score, each once */
				if (isfinite(pt.score) && !isfinite(old.score))
					b.scored++;
				else if (!isfinite(pt.score) && isfinite(old.score))
					b.scored--;
				recent_replace(&b, (size_t)(s - b.s), &old, &pt);
				break;
			}
			if (pt.ts > b.latest)
				b.latest = pt.ts;
			pending = follow;
		}
		if (rc < 0 && !(fcvae_stop_signal && errno == EINTR))
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", in.name);
		fcvae_lines_close(&in);
	}
	b.generation++;
	failed |= draw_images(&b, &o) < 0;
	write_index(&b, &o, title, refresh);

	char summary[512];
	fcvae_rejects_format(&rej, summary, sizeof summary);
	if (*summary)
		fcvae_warn("%s", summary);
	for (size_t i = 0; i < b.ns; i++)
		free(b.s[i].p);
	free(b.s);
	fcvae_keyset_free(&b.keys);
	fcvae_keyset_free(&b.files);
	fcvae_json_parser_free(&p);
	if (fcvae_stop_signal && !failed)
		fcvae_stop_exit(FCVAE_STOP_SIGNAL);
	fcvae_close_stdout();
	return failed ? FCVAE_EXIT_FAIL : FCVAE_EXIT_OK;
}
