/* metrics.c — detection metrics on labelled score sequences (SPEC §5). */
#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "util.h"

/* A score as the programs take it (fcvae_score_finite() of score = -a): not
 * a number the most anomalous, FLT_MAX, and beyond a float ±FLT_MAX; so a
 * NaN here gets the figures it gets through fcvae-score's output, no sort
 * meets a NaN, and no sweep's arithmetic meets an infinity. */
static double finite_a(double a)
{
	return -fcvae_score_finite(-a);
}

void fcvae_prf_finish(fcvae_prf *r, enum fcvae_adjust mode)
{
	r->precision = r->tp + r->fp ? (double)r->tp / (double)(r->tp + r->fp) : 0;
	r->recall = r->tp + r->fn ? (double)r->tp / (double)(r->tp + r->fn) : 0;
	r->f1 = r->tp ? 2.0 * (double)r->tp / (double)(2 * r->tp + r->fp + r->fn) : 0;
	r->fpr = r->fp + r->tn ? (double)r->fp / (double)(r->fp + r->tn) : 0;
	if (mode == FCVAE_ADJUST_COMPOSITE) {
		r->recall = r->events ? (double)r->detected / (double)r->events : 0;
		r->f1 = r->precision + r->recall > 0 ? 2 * r->precision * r->recall / (r->precision + r->recall) : 0;
	}
}

/* End of the segment starting at i (label[i] != 0): a run of equal labels. */
static size_t segment_end(const unsigned char *label, size_t i, size_t n)
{
	unsigned char v = label[i];
	while (i < n && label[i] == v)
		i++;
	return i;
}

/* How far into a segment a flag still credits it. */
static size_t credit_len(size_t len, enum fcvae_adjust mode, int k)
{
	if (mode == FCVAE_ADJUST_DELAY && (size_t)k + 1 < len)
		return (size_t)k + 1;
	return len;
}

void fcvae_metrics_flags(fcvae_prf *r, const unsigned char *flag, const unsigned char *label,
                         size_t n, enum fcvae_adjust mode, int k)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < n;) {
		if (!label[i]) {
			if (flag[i])
				r->fp++;
			else
				r->tn++;
			i++;
			continue;
		}
		size_t e = segment_end(label, i, n), len = e - i;
		size_t hit = 0, m = credit_len(len, mode, k);
		for (size_t j = i; j < i + m; j++)
			hit += flag[j] != 0;
		r->events++;
		r->detected += hit > 0;
		if (mode == FCVAE_ADJUST_NONE || mode == FCVAE_ADJUST_COMPOSITE) {
			r->tp += hit;
			r->fn += len - hit;
		} else if (hit) {
			r->tp += len;
		} else {
			r->fn += len;
		}
		i = e;
	}
	fcvae_prf_finish(r, mode);
}

/* The counts at any threshold from sorted lists: each positive "unit" (a
 * point, or a whole segment under PA/DELAY) is detected when its detection
 * score — the point's score, or the highest score where a flag credits the
 * segment — is >= t, and brings its weight in true positives; negatives
 * are false positives when their score is >= t. */
typedef struct {
	double det;
	size_t w;
} unit;

typedef struct {
	enum fcvae_adjust mode;
	unit *u;        /* by det, descending */
	size_t nu;
	size_t *wsum;   /* wsum[i] = weight of u[0..i-1] */
	double *neg;    /* negatives' scores, descending */
	size_t nneg, npos;
	double *ev;     /* events' detection scores, descending */
	size_t nev;
} cutset;

static int cmp_unit_desc(const void *x, const void *y)
{
	double a = ((const unit *)x)->det, b = ((const unit *)y)->det;
	return (a < b) - (a > b);
}

static int cmp_double_desc(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a < b) - (a > b);
}

static void cutset_build(cutset *c, const double *a, const unsigned char *label, size_t n,
                         enum fcvae_adjust mode, int k)
{
	c->mode = mode;
	c->u = fcvae_xmalloc((n ? n : 1) * sizeof *c->u);
	c->neg = fcvae_xmalloc((n ? n : 1) * sizeof *c->neg);
	c->ev = fcvae_xmalloc((n ? n : 1) * sizeof *c->ev);
	c->nu = c->nneg = c->npos = c->nev = 0;
	for (size_t i = 0; i < n;) {
		if (!label[i]) {
			c->neg[c->nneg++] = finite_a(a[i++]);
			continue;
		}
		size_t e = segment_end(label, i, n), len = e - i;
		size_t m = credit_len(len, mode, k);
		double det = finite_a(a[i]);
		for (size_t j = i + 1; j < i + m; j++)
			det = fmax(det, finite_a(a[j]));
		c->npos += len;
		c->ev[c->nev++] = det;
		if (mode == FCVAE_ADJUST_NONE || mode == FCVAE_ADJUST_COMPOSITE) {
			for (size_t j = i; j < e; j++)
				c->u[c->nu++] = (unit){finite_a(a[j]), 1};
		} else {
			c->u[c->nu++] = (unit){det, len};
		}
		i = e;
	}
	qsort(c->u, c->nu, sizeof *c->u, cmp_unit_desc);
	qsort(c->neg, c->nneg, sizeof *c->neg, cmp_double_desc);
	qsort(c->ev, c->nev, sizeof *c->ev, cmp_double_desc);
	c->wsum = fcvae_xmalloc((c->nu + 1) * sizeof *c->wsum);
	c->wsum[0] = 0;
	for (size_t i = 0; i < c->nu; i++)
		c->wsum[i + 1] = c->wsum[i] + c->u[i].w;
}

static void cutset_free(cutset *c)
{
	free(c->u);
	free(c->neg);
	free(c->ev);
	free(c->wsum);
}

/* Number of leading elements >= t in a descending sequence. */
static size_t count_units_ge(const cutset *c, double t)
{
	size_t lo = 0, hi = c->nu;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->u[mid].det >= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t count_ge(const double *v, size_t n, double t)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] >= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void cutset_at(const cutset *c, fcvae_prf *r, double t)
{
	memset(r, 0, sizeof *r);
	r->tp = c->wsum[count_units_ge(c, t)];
	r->fn = c->npos - r->tp;
	r->fp = count_ge(c->neg, c->nneg, t);
	r->tn = c->nneg - r->fp;
	r->events = c->nev;
	r->detected = count_ge(c->ev, c->nev, t);
	fcvae_prf_finish(r, c->mode);
}

void fcvae_metrics_at(fcvae_prf *r, const double *a, const unsigned char *label, size_t n,
                      double t, enum fcvae_adjust mode, int k)
{
	cutset c;
	cutset_build(&c, a, label, n, mode, k);
	cutset_at(&c, r, t);
	cutset_free(&c);
}

double fcvae_metrics_percentile(const double *a, size_t n, double q)
{
	if (n == 0)
		return NAN;
	double *s = fcvae_xmalloc(n * sizeof *s);
	for (size_t i = 0; i < n; i++)
		s[i] = finite_a(a[i]);
	qsort(s, n, sizeof *s, fcvae_cmp_double);
	double pos = q / 100 * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	double v = lo + 1 < n ? s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]) : s[n - 1];
	free(s);
	return v;
}

void fcvae_metrics_best_paper(fcvae_prf *r, double *t, const double *a, const unsigned char *label,
                              size_t n, enum fcvae_adjust mode, int k)
{
	const int grain = 2000;
	double hi = fcvae_metrics_percentile(a, n, 99.91), lo = finite_a(a[0]);
	for (size_t i = 1; i < n; i++)
		lo = fmin(lo, finite_a(a[i]));
	cutset c;
	cutset_build(&c, a, label, n, mode, k);
	for (int i = 0; i < grain + 3; i++) {
		double th = (hi - lo) / grain * i + lo; /* the official code's arithmetic */
		fcvae_prf p;
		cutset_at(&c, &p, th);
		if (i == 0 || p.f1 > r->f1) {
			*r = p;
			*t = th;
		}
	}
	cutset_free(&c);
}

static int same_counts(const fcvae_prf *a, const fcvae_prf *b)
{
	return a->tp == b->tp && a->fp == b->fp && a->detected == b->detected;
}

int fcvae_metrics_choose(double *t, fcvae_prf *r, const double *a, const unsigned char *label,
                         size_t n, enum fcvae_adjust mode, int k, double max_fpr, int loosest)
{
	if (n == 0)
		return -1;
	cutset c;
	cutset_build(&c, a, label, n, mode, k);
	if (!loosest && c.npos == 0) {
		cutset_free(&c);
		return -1;
	}
	/* distinct scores, descending; cut j flags a >= v[j-1] (cut 0: nothing) */
	double *v = fcvae_xmalloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = finite_a(a[i]);
	qsort(v, n, sizeof *v, cmp_double_desc);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || v[i] != v[m - 1])
			v[m++] = v[i];
	fcvae_prf *cut = fcvae_xmalloc((m + 1) * sizeof *cut);
	size_t iu = 0, in = 0, ie = 0;
	for (size_t j = 0; j <= m; j++) {
		if (j > 0) {
			while (iu < c.nu && c.u[iu].det >= v[j - 1])
				iu++;
			while (in < c.nneg && c.neg[in] >= v[j - 1])
				in++;
			while (ie < c.nev && c.ev[ie] >= v[j - 1])
				ie++;
		}
		memset(&cut[j], 0, sizeof cut[j]);
		cut[j].tp = c.wsum[iu];
		cut[j].fn = c.npos - cut[j].tp;
		cut[j].fp = in;
		cut[j].tn = c.nneg - in;
		cut[j].events = c.nev;
		cut[j].detected = ie;
		fcvae_prf_finish(&cut[j], mode);
	}
	size_t best = 0; /* cut 0 (fpr 0) always qualifies */
	for (size_t j = 1; j <= m; j++) {
		if (cut[j].fpr > max_fpr)
			break; /* fpr only grows with j */
		if (loosest || cut[j].f1 > cut[best].f1)
			best = j;
	}
	/* widen to the plateau of cuts with the same counts, t in its middle */
	size_t j1 = best, j2 = best;
	while (j1 > 0 && same_counts(&cut[j1 - 1], &cut[best]))
		j1--;
	while (j2 < m && same_counts(&cut[j2 + 1], &cut[best]))
		j2++;
	double margin = m > 1 ? (v[0] - v[m - 1]) / (double)(m - 1) : 1;
	double upper = j1 > 0 ? v[j1 - 1] : v[0] + margin;
	double lower = j2 < m ? v[j2] : v[m - 1] - margin;
	*t = upper / 2 + lower / 2;
	/* the middle of the plateau can be one of the scores inside it (two
	 * scores, the plateau running past the last by one mean gap): the
	 * middle of the gap below that score instead, so that t lies between
	 * scores as said */
	for (size_t j = j1; j < j2; j++)
		if (v[j] == *t) {
			*t = v[j] / 2 + (j + 1 < m ? v[j + 1] : lower) / 2;
			break;
		}
	*r = cut[best];
	free(cut);
	free(v);
	cutset_free(&c);
	return 0;
}

/* Scores are Gaussian log-likelihoods: a point z standard deviations off
 * scores about -z²/2, so midway between two scores in log-likelihood lies
 * near the larger deviation (a normal point at -3.5, 2.7 deviations, and
 * an anomaly at -42.8, 9.2, gave -23, 6.8). The cut is chosen on
 * √|score| (sign kept) instead: monotone, so every cut and its counts stay
 * the same, and the threshold lies midway in deviations. */
static double to_deviations(double a)
{
	return copysign(sqrt(fabs(a)), a);
}

static double from_deviations(double d)
{
	return copysign(d * d, d);
}

int fcvae_metrics_choose_loglik(double *t, fcvae_prf *r, const double *a, const unsigned char *label,
                                size_t n, enum fcvae_adjust mode, int k, double max_fpr, int loosest)
{
	double *d = fcvae_xmalloc((n ? n : 1) * sizeof *d);
	for (size_t i = 0; i < n; i++)
		d[i] = to_deviations(finite_a(a[i]));
	int rc = fcvae_metrics_choose(t, r, d, label, n, mode, k, max_fpr, loosest);
	if (rc == 0)
		*t = from_deviations(*t);
	free(d);
	return rc;
}

size_t fcvae_metrics_beyond_normal(double *t, const double *a, const unsigned char *label, size_t n,
                                   size_t after, double margin)
{
	size_t clean = 0, since = SIZE_MAX; /* points since the last labelled one */
	double max = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (label[i]) {
			since = 0;
			continue;
		}
		if (since < SIZE_MAX)
			since++;
		if (since <= after)
			continue;
		clean++;
		max = fmax(max, finite_a(a[i]));
	}
	if (clean) {
		double d = to_deviations(max);
		*t = from_deviations(d > 0 ? d * margin : d / margin);
	}
	return clean;
}

void fcvae_metrics_best_exact(fcvae_prf *r, double *t, const double *a, const unsigned char *label,
                              size_t n, enum fcvae_adjust mode, int k)
{
	if (fcvae_metrics_choose(t, r, a, label, n, mode, k, 1, 0) < 0) {
		fcvae_metrics_at(r, a, label, n, INFINITY, mode, k);
		*t = NAN;
	}
}

/* (score, label) pairs sorted by score, descending, for the AUCs. */
typedef struct {
	double a;
	int y;
} scored;

static int cmp_scored_desc(const void *x, const void *y)
{
	double a = ((const scored *)x)->a, b = ((const scored *)y)->a;
	return (a < b) - (a > b);
}

static scored *sort_scored(const double *a, const unsigned char *label, size_t n, size_t *npos)
{
	scored *s = fcvae_xmalloc((n ? n : 1) * sizeof *s);
	*npos = 0;
	for (size_t i = 0; i < n; i++) {
		s[i] = (scored){finite_a(a[i]), label[i] != 0};
		*npos += s[i].y;
	}
	qsort(s, n, sizeof *s, cmp_scored_desc);
	return s;
}

/* The group of equal scores from s[i] on (a threshold cannot split it):
 * its positives and negatives; returns where the next group starts, past
 * s[i] whatever it holds. */
static size_t tie_group(const scored *s, size_t n, size_t i, size_t *pos, size_t *neg)
{
	size_t e = i;
	*pos = *neg = 0;
	do
		++*(s[e].y ? pos : neg);
	while (++e < n && s[e].a == s[i].a);
	return e;
}

double fcvae_metrics_roc_auc(const double *a, const unsigned char *label, size_t n)
{
	size_t npos;
	scored *s = sort_scored(a, label, n, &npos);
	size_t nneg = n - npos;
	/* pairs (positive, negative) ordered right, ties counted one half:
	 * walk tie groups from the top, each negative beats the positives
	 * already passed */
	double good = 0;
	size_t pos_above = 0;
	for (size_t i = 0, gp, gn; i < n;) {
		i = tie_group(s, n, i, &gp, &gn);
		good += (double)gn * ((double)pos_above + 0.5 * (double)gp);
		pos_above += gp;
	}
	free(s);
	if (npos == 0 || nneg == 0)
		return NAN;
	return good / ((double)npos * (double)nneg);
}

double fcvae_metrics_pr_auc(const double *a, const unsigned char *label, size_t n)
{
	size_t npos;
	scored *s = sort_scored(a, label, n, &npos);
	double ap = 0, rprev = 0;
	size_t tp = 0, fp = 0;
	for (size_t i = 0, gp, gn; i < n;) {
		i = tie_group(s, n, i, &gp, &gn);
		tp += gp;
		fp += gn;
		double rec = npos ? (double)tp / (double)npos : 0;
		ap += (rec - rprev) * (double)tp / (double)(tp + fp);
		rprev = rec;
	}
	free(s);
	return npos ? ap : NAN;
}

size_t fcvae_metrics_events(fcvae_event **ev, const unsigned char *flag, const unsigned char *label, size_t n)
{
	size_t ne = 0, cap = 0;
	*ev = NULL;
	for (size_t i = 0; i < n;) {
		if (!label[i]) {
			i++;
			continue;
		}
		size_t e = segment_end(label, i, n);
		if (ne == cap) {
			cap = cap ? 2 * cap : 16;
			*ev = fcvae_xrealloc(*ev, cap * sizeof **ev);
		}
		fcvae_event *x = &(*ev)[ne++];
		x->start = i;
		x->end = e;
		x->first = -1;
		for (size_t j = i; j < e; j++)
			if (flag[j]) {
				x->first = (long)j;
				break;
			}
		i = e;
	}
	return ne;
}
