/* benchdata.c — FCVAE-layout CSV files split, completed and standardised as the paper's benchmark does. */
#include "benchdata.h"

#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scaler.h"
#include "timeorder.h"
#include "util.h"

/* The most common positive difference of the sorted times; ties go to the
 * smaller one. Gaps are rarer than regular steps in any usable series. */
static double common_interval(const double *ts, size_t n)
{
	if (n < 2)
		return 1;
	double *s = fcvae_xmalloc(n * sizeof *s);
	memcpy(s, ts, n * sizeof *s);
	qsort(s, n, sizeof *s, fcvae_cmp_double);
	size_t m = 0;
	for (size_t i = 1; i < n; i++)
		if (s[i] > s[i - 1])
			s[m++] = s[i] - s[i - 1];
	double best = 1;
	if (m) {
		qsort(s, m, sizeof *s, fcvae_cmp_double);
		size_t bestn = 0;
		for (size_t i = 0; i < m;) {
			size_t e = i;
			while (e < m && s[e] == s[i])
				e++;
			if (e - i > bestn) {
				bestn = e - i;
				best = s[i];
			}
			i = e;
		}
	}
	free(s);
	return best;
}

int fcvae_bench_file_load(fcvae_bench_file *f, const char *path, size_t max_line, int strict, fcvae_rejects *rej)
{
	memset(f, 0, sizeof *f);
	const char *slash = strrchr(path, '/');
	f->name = fcvae_xstrdup(slash ? slash + 1 : path);
	/* O_NONBLOCK: a FIFO without a writer must not hang the open, and is
	 * no data file (nor a device) */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fcvae_warn("%s:", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fcvae_warn("%s: not a regular file", path);
		close(fd);
		return -1;
	}
	fcvae_lines in;
	fcvae_lines_fdopen(&in, fd, path);
	in.max = max_line;
	in.csv = 1;
	static const char *key[] = {"key"};
	fcvae_input_opts o = {.format = FCVAE_INPUT_CSV, .ts_field = "timestamp", .value_field = "value",
	                      .label_field = "label", .key_fields = key, .n_key = 1, .default_key = f->name,
	                      .need_value = 1};
	fcvae_input_reader r;
	fcvae_input_init(&r, &o);
	r.any_epoch = 1; /* only differences count: epoch ms too */
	r.no_option_hints = 1; /* fcvae-protocol has no --ts or --value */
	fcvae_input_new_file(&r);
	size_t cap = 0;
	int rc = 0, status = 0;
	while (!(strict && rej->total) && (rc = fcvae_lines_read(&in, -1)) == 1) {
		if (fcvae_reject_toolong(rej, &in)) {
			if (r.have_header)
				continue;
			status = -1; /* a cut header would name the wrong columns */
			break;
		}
		fcvae_input rec;
		const char *reason;
		char msg[256];
		int p = fcvae_input_parse(&r, in.line, in.len, &rec, &reason, msg, sizeof msg);
		if (p == -2 || (p < 0 && !r.have_header)) {
			fcvae_warn("%s: %s", path, msg);
			status = -1;
			break;
		}
		if (p < 0) {
			fcvae_reject(rej, &in, reason, "%s", msg);
			continue;
		}
		if (p == 0)
			continue;
		if (f->n == cap) {
			cap = cap ? 2 * cap : 4096;
			f->ts = fcvae_xrealloc(f->ts, cap * sizeof *f->ts);
			f->value = fcvae_xrealloc(f->value, cap * sizeof *f->value);
			f->label = fcvae_xrealloc(f->label, cap);
		}
		f->ts[f->n] = rec.ts;
		f->value[f->n] = rec.has_value ? rec.value : NAN;
		f->label[f->n] = rec.has_label && rec.label != 0 && rec.label == rec.label;
		f->n++;
	}
	if (strict && rej->total)
		status = 1; /* a cut header too: a strict stop, not a file skipped */
	else if (rc < 0) {
		fcvae_warn("%s:", path);
		status = -1;
	}
	fcvae_input_free(&r);
	fcvae_lines_close(&in);
	if (status == 0 && f->n == 0) {
		fcvae_warn("%s: no data rows", path);
		status = -1;
	}
	if (status == 0)
		f->interval = common_interval(f->ts, f->n);
	return status;
}

void fcvae_bench_file_free(fcvae_bench_file *f)
{
	free(f->name);
	free(f->ts);
	free(f->value);
	free(f->label);
	memset(f, 0, sizeof *f);
}

void fcvae_bench_split(size_t n, double train_end, double valid_end, int which, size_t *lo, size_t *hi)
{
	/* Python's int(0.35 * len(df)): truncation of the double product */
	size_t a = (size_t)(train_end * (double)n), b = (size_t)(valid_end * (double)n);
	if (a > n)
		a = n;
	if (b < a)
		b = a;
	if (b > n)
		b = n;
	*lo = which == FCVAE_PART_TRAIN ? 0 : which == FCVAE_PART_VALID ? a : b;
	*hi = which == FCVAE_PART_TRAIN ? a : which == FCVAE_PART_VALID ? b : n;
}

/* Row order by time, file order among equal times (the first one wins). */
typedef struct {
	double t;
	size_t row;
} slot;

int fcvae_bench_part_build(fcvae_bench_part *p, const fcvae_bench_file *f, size_t lo, size_t hi, int transform,
                           char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->transform = transform;
	size_t rows = hi - lo;
	if (rows == 0)
		return 0;
	slot *s = fcvae_xmalloc(rows * sizeof *s);
	for (size_t i = 0; i < rows; i++)
		s[i] = (slot){f->ts[lo + i], lo + i};
	fcvae_sort_by_time(s, rows, sizeof *s, offsetof(slot, t));
	double span = (s[rows - 1].t - s[0].t) / f->interval;
	/* a stray timestamp (a year off) must not allocate gigabytes */
	if (!(span < 100.0 * (double)rows + 1e6)) {
		snprintf(err, errlen, "%s: rows %zu..%zu span %.0f steps of %g s: a stray timestamp?", f->name, lo + 2,
		         hi + 1, span, f->interval);
		free(s);
		return -1;
	}
	size_t n = (size_t)llround(span) + 1;
	p->n = n;
	p->t0 = s[0].t;
	p->value = fcvae_xmalloc(n * sizeof *p->value);
	p->missing = fcvae_xmalloc(n);
	p->label = fcvae_xcalloc(n, 1);
	memset(p->missing, 1, n);
	unsigned char *taken = fcvae_xcalloc(n, 1);
	for (size_t i = 0; i < rows; i++) {
		size_t k = (size_t)llround((s[i].t - s[0].t) / f->interval);
		if (k >= n || taken[k]) {
			p->duplicates++;
			continue;
		}
		taken[k] = 1;
		double v = f->value[s[i].row];
		if (isfinite(v)) {
			p->value[k] = v;
			p->missing[k] = 0;
			p->label[k] = f->label[s[i].row];
		}
	}
	/* back-fill from the next observed point, 0 past the last (pandas
	 * bfill then fillna(0), labels alike) */
	double next = 0;
	unsigned char next_label = 0;
	for (size_t i = n; i-- > 0;) {
		if (p->missing[i]) {
			p->value[i] = next;
			p->label[i] = next_label;
		} else {
			next = p->value[i];
			next_label = p->label[i];
		}
	}
	/* the values stay raw (what a scores file says); the statistics are
	 * of what the model sees, fitted as fcvae-train fits them (values all
	 * alike are constant: std 0, not the rounding of their mean) */
	double *t = fcvae_xmalloc(n * sizeof *t);
	for (size_t i = 0; i < n; i++)
		t[i] = fcvae_transform(transform, p->value[i]);
	fcvae_scaler_fit(t, n, &p->mean, &p->std);
	free(t);
	free(taken);
	free(s);
	return 0;
}

void fcvae_bench_part_free(fcvae_bench_part *p)
{
	free(p->value);
	free(p->missing);
	free(p->label);
	memset(p, 0, sizeof *p);
}

void fcvae_bench_part_standardise(const fcvae_bench_part *p, double mean, double std, double *x)
{
	if (!(std > 0))
		std = 1;
	for (size_t i = 0; i < p->n; i++)
		x[i] = (fcvae_transform(p->transform, p->value[i]) - mean) / std;
}
