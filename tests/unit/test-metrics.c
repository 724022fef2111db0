/* test-metrics.c — the metrics of SPEC §5 on small sequences worked out by hand. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "metrics.h"
#include "unit.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

static int close_to(double a, double b)
{
	return fabs(a - b) <= 1e-9 * (1 + fabs(b));
}

static int counts_are(const fcvae_prf *r, size_t tp, size_t fp, size_t fn, size_t tn)
{
	return r->tp == tp && r->fp == fp && r->fn == fn && r->tn == tn;
}

/* The running example. Segments at the very start ([0,2)), in the middle
 * ([5,8)) and at the very end ([9,10)); 6 anomalous points, 4 normal.
 *   index  0 1 2 3 4 5 6 7 8 9
 *   label  1 1 0 0 0 1 1 1 0 1
 *   flag   0 1 0 1 0 0 0 1 0 0
 *   a      5 9 0 6 1 2 3 8 4 7   (anomaly score, higher = more anomalous)
 * Positives' scores {2,3,5,7,8,9}, negatives' {0,1,4,6}. */
static const unsigned char label[] = {1, 1, 0, 0, 0, 1, 1, 1, 0, 1};
static const unsigned char flag[] = {0, 1, 0, 1, 0, 0, 0, 1, 0, 0};
static const double a[] = {5, 9, 0, 6, 1, 2, 3, 8, 4, 7};

static void test_flags(void)
{
	fcvae_prf r;
	/* point: tp = {1,7} = 2, fp = {3} = 1, fn = 6-2 = 4, tn = 3;
	 * P = 2/3, R = 1/3, F1 = 2·2/(2·2+1+4) = 4/9, fpr = 1/4 */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_NONE, 0);
	CHECK(counts_are(&r, 2, 1, 4, 3), "point: counts tp %zu fp %zu fn %zu tn %zu", r.tp, r.fp, r.fn, r.tn);
	CHECK(close_to(r.precision, 2.0 / 3) && close_to(r.recall, 1.0 / 3) && close_to(r.f1, 4.0 / 9) &&
	      close_to(r.fpr, 0.25), "point: P %g R %g F1 %g fpr %g", r.precision, r.recall, r.f1, r.fpr);

	/* PA: [0,2) hit at 1 (index 0 credited too), [5,8) hit at 7, [9] missed:
	 * tp 5, fn 1, fp 1 -> F1 10/12 */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 5, 1, 1, 3) && close_to(r.f1, 5.0 / 6), "PA: tp %zu fn %zu F1 %g (want 5/6)", r.tp, r.fn, r.f1);

	/* delay k=1 credits start..start+1: [0,2) yes (1), [5,8) no (5,6 unflagged), [9] no:
	 * tp 2, fn 4 -> F1 4/9 */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_DELAY, 1);
	CHECK(counts_are(&r, 2, 1, 4, 3) && close_to(r.f1, 4.0 / 9), "delay 1: tp %zu F1 %g (want 4/9)", r.tp, r.f1);
	/* k=2 reaches index 7: as PA */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_DELAY, 2);
	CHECK(counts_are(&r, 5, 1, 1, 3), "delay 2: tp %zu (want 5)", r.tp);
	/* k=0: only first points 0, 5, 9 count, none flagged: tp 0, P 0/1 = 0, F1 0 */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_DELAY, 0);
	CHECK(counts_are(&r, 0, 1, 6, 3) && r.f1 == 0 && r.precision == 0, "delay 0: tp %zu F1 %g", r.tp, r.f1);

	/* composite: point precision 2/3, events detected 2 of 3 -> F1 2/3 */
	fcvae_metrics_flags(&r, flag, label, N(label), FCVAE_ADJUST_COMPOSITE, 0);
	CHECK(counts_are(&r, 2, 1, 4, 3) && r.events == 3 && r.detected == 2 && close_to(r.precision, 2.0 / 3) &&
	      close_to(r.recall, 2.0 / 3) && close_to(r.f1, 2.0 / 3), "composite: P %g R %g F1 %g (want 2/3 each)",
	      r.precision, r.recall, r.f1);

	/* a segment at the very start detected late is credited whole, index 0
	 * included (the official code's loop stops before index 0) */
	const unsigned char l1[] = {1, 1, 1, 0}, f1[] = {0, 0, 1, 0};
	fcvae_metrics_flags(&r, f1, l1, 4, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 3, 0, 0, 1) && r.f1 == 1, "PA: start segment credited whole (tp %zu)", r.tp);
	/* a segment at the very end: PA detects it, delay 0 does not */
	const unsigned char l2[] = {0, 0, 1, 1}, f2[] = {0, 0, 0, 1};
	fcvae_metrics_flags(&r, f2, l2, 4, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 2, 0, 0, 2), "PA: end segment (tp %zu)", r.tp);
	fcvae_metrics_flags(&r, f2, l2, 4, FCVAE_ADJUST_DELAY, 0);
	CHECK(counts_are(&r, 0, 0, 2, 2) && r.f1 == 0 && r.recall == 0, "delay 0: end segment missed (fn %zu)", r.fn);
	fcvae_metrics_flags(&r, f2, l2, 4, FCVAE_ADJUST_DELAY, 1);
	CHECK(counts_are(&r, 2, 0, 0, 2), "delay 1: end segment credited (tp %zu)", r.tp);

	/* two series concatenated, labels 1 then 2: two segments, not one;
	 * flag in the first only -> PA tp 2, fn 2 */
	const unsigned char l3[] = {0, 1, 1, 2, 2, 0}, f3[] = {0, 1, 0, 0, 0, 0};
	fcvae_metrics_flags(&r, f3, l3, 6, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 2, 0, 2, 2), "PA: adjacent segments of different labels apart (tp %zu fn %zu)", r.tp, r.fn);

	/* all normal: nothing to recall; F1 0, precision 0 when flagged, fpr 1/4 */
	const unsigned char l0[] = {0, 0, 0, 0}, f0[] = {0, 1, 0, 0};
	fcvae_metrics_flags(&r, f0, l0, 4, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 0, 1, 0, 3) && r.f1 == 0 && r.recall == 0 && r.precision == 0 && close_to(r.fpr, 0.25),
	      "all normal: F1 %g fpr %g", r.f1, r.fpr);
}

static void test_thresholds(void)
{
	fcvae_prf r;
	/* flag a >= 5: positives {5,7,8,9} = 4, negatives {6} = 1 */
	fcvae_metrics_at(&r, a, label, N(a), 5, FCVAE_ADJUST_NONE, 0);
	CHECK(counts_are(&r, 4, 1, 2, 3) && close_to(r.f1, 8.0 / 11), "a >= 5: tp %zu fp %zu F1 %g", r.tp, r.fp, r.f1);
	/* PA at a >= 7: segments' maxima 9, 8, 7 all reached, no negative: perfect */
	fcvae_metrics_at(&r, a, label, N(a), 7, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 6, 0, 0, 4) && r.f1 == 1, "PA a >= 7: F1 %g", r.f1);

	/* numpy: position q/100·(n−1); 99.91 -> 8.9919 between 8 and 9 */
	CHECK(close_to(fcvae_metrics_percentile(a, N(a), 99.91), 8.9919), "percentile 99.91 = %.6f",
	      fcvae_metrics_percentile(a, N(a), 99.91));
	CHECK(close_to(fcvae_metrics_percentile(a, N(a), 50), 4.5) && fcvae_metrics_percentile(a, N(a), 0) == 0 &&
	      fcvae_metrics_percentile(a, N(a), 100) == 9, "percentiles 50, 0, 100");

	/* Paper sweep: t_i = 8.9919·i/2000, i = 0..2002 (the last ones pass 9).
	 * Flagging a >= c for integer cuts c, point F1 = 2tp/(2tp+fp+fn):
	 *   c:   9    8    7    6    5     4    3     2     1     0
	 *   tp:  1    2    3    3    4     4    5     6     6     6
	 *   fp:  0    0    0    1    1     2    2     2     3     4
	 *   F1: 2/7  1/2  2/3  3/5  8/11  2/3 10/13 12/14 12/15 12/16
	 * best 6/7 at c = 2, reached first (thresholds rise with i) at the first
	 * t_i > 1: i = 223, t = 8.9919·223/2000 = 1.002597 */
	double t;
	fcvae_metrics_best_paper(&r, &t, a, label, N(a), FCVAE_ADJUST_NONE, 0);
	CHECK(close_to(r.f1, 6.0 / 7) && close_to(t, 8.9919 * 223 / 2000), "paper best F1 %g at %g (want 6/7 at 1.002597)", r.f1, t);
	/* PA: segment maxima 9 (w 2), 8 (w 3), 7 (w 1): F1 1 for c = 7, first
	 * t_i > 6: i = 1335, t = 6.0021 */
	fcvae_metrics_best_paper(&r, &t, a, label, N(a), FCVAE_ADJUST_PA, 0);
	CHECK(r.f1 == 1 && close_to(t, 8.9919 * 1335 / 2000), "paper PA F1 %g at %g (want 1 at 6.002093)", r.f1, t);
	/* delay 1: credited maxima 9 (w 2), max(2,3) = 3 (w 3), 7 (w 1):
	 *   c = 3 and c = 2: tp 6, fp 2 -> 12/14, the best; first at t = 1.002597 */
	fcvae_metrics_best_paper(&r, &t, a, label, N(a), FCVAE_ADJUST_DELAY, 1);
	CHECK(close_to(r.f1, 6.0 / 7) && counts_are(&r, 6, 2, 0, 2) && close_to(t, 8.9919 * 223 / 2000),
	      "paper delay-1 F1 %g at %g", r.f1, t);

	/* Calibration: the cut between neighbouring distinct scores.
	 * F1: best at a >= 2, next lower score 1 -> t = 1.5 */
	int rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && t == 1.5 && close_to(r.f1, 6.0 / 7), "choose F1: t %g F1 %g (want 1.5, 6/7)", t, r.f1);
	/* PA-F1: best at a >= 7 (F1 1), next lower 6 -> 6.5 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_PA, 0, 1, 0);
	CHECK(rc == 0 && t == 6.5 && r.f1 == 1, "choose PA-F1: t %g (want 6.5)", t);
	/* delay-1 F1: best 6/7 on the plateau a >= 3 .. a >= 2 (same counts),
	 * bounded by scores 3 above and 1 below: its middle 2 is a score, so
	 * the middle of 2 and 1 -> t = 1.5 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_DELAY, 1, 1, 0);
	CHECK(rc == 0 && t == 1.5 && close_to(r.f1, 6.0 / 7), "choose delay-F1: t %g (want 1.5)", t);
	/* composite: event maxima 9, 8, 7; a >= 7 flags points {7,8,9}, all
	 * positive (P 1) and every event (R 1) -> F1 1; next lower score 6 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_COMPOSITE, 0, 1, 0);
	CHECK(rc == 0 && t == 6.5 && r.f1 == 1 && r.tp == 3 && r.detected == 3, "choose composite: t %g F1 %g (want 6.5, 1)", t, r.f1);
	/* a short strong event and a long weak one behind six false positives:
	 *   label  1  0 0 0 0 0 0  1 1 1 1  0
	 *   a      9  5 5 5 5 5 5  4 4 4 4  0
	 * point F1: a >= 9: 2/(2+4) = 1/3; a >= 5: 2/(2+6+4); a >= 4: tp 5, fp 6
	 * -> 10/16 = 0.625, the best: t between 4 and 0 = 2.
	 * composite: a >= 9: P 1, R 1/2 -> 2/3; a >= 4: P 5/11, R 1 -> 10/16:
	 * the long event is not worth six false positives: t between 9 and 5 = 7 */
	const double fw[] = {9, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 0};
	const unsigned char fl[] = {1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0};
	rc = fcvae_metrics_choose(&t, &r, fw, fl, 12, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && t == 2 && close_to(r.f1, 10.0 / 16), "long weak event, F1: t %g F1 %g (want 2, 0.625)", t, r.f1);
	rc = fcvae_metrics_choose(&t, &r, fw, fl, 12, FCVAE_ADJUST_COMPOSITE, 0, 1, 0);
	CHECK(rc == 0 && t == 7 && close_to(r.f1, 2.0 / 3) && r.fp == 0 && r.detected == 1,
	      "long weak event, composite: t %g F1 %g (want 7, 2/3)", t, r.f1);

	/* --max-fpr 0.25 (at most 1 of 4 negatives): loosest cut a >= 5 (the
	 * next, a >= 4, adds negative 4) -> t = 4.5 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_NONE, 0, 0.25, 1);
	CHECK(rc == 0 && t == 4.5 && r.fp == 1 && r.tp == 4, "choose loosest fpr<=0.25: t %g (want 4.5)", t);
	/* max F1 under fpr <= 0.25: cuts 9..5 give 2/7 1/2 2/3 3/5 8/11 -> a >= 5, t 4.5 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_NONE, 0, 0.25, 0);
	CHECK(rc == 0 && t == 4.5 && close_to(r.f1, 8.0 / 11), "choose F1 with fpr<=0.25: t %g F1 %g", t, r.f1);
	/* fpr 0: loosest cut without negatives a >= 7 -> 6.5 */
	rc = fcvae_metrics_choose(&t, &r, a, label, N(a), FCVAE_ADJUST_NONE, 0, 0, 1);
	CHECK(rc == 0 && t == 6.5 && r.fp == 0 && r.tp == 3, "choose loosest fpr 0: t %g", t);
	/* exact best = choose F1 */
	fcvae_metrics_best_exact(&r, &t, a, label, N(a), FCVAE_ADJUST_NONE, 0);
	CHECK(t == 1.5 && close_to(r.f1, 6.0 / 7), "best exact F1 %g at %g", r.f1, t);

	/* beyond the ends, by the mean gap between distinct scores: {1, 2, 3}
	 * gap 1. All labelled: flag all, t midway between 1 and 1 - 1 = 0.5;
	 * --max-fpr loosest on all-normal labels flags all too */
	const double b[] = {3, 1, 2};
	const unsigned char lb1[] = {1, 1, 1}, lb0[] = {0, 0, 0};
	rc = fcvae_metrics_choose(&t, &r, b, lb1, 3, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && t == 0.5 && r.tp == 3, "choose below the lowest score: t %g (want 0.5)", t);
	rc = fcvae_metrics_choose(&t, &r, b, lb0, 3, FCVAE_ADJUST_NONE, 0, 1, 1);
	CHECK(rc == 0 && t == 0.5 && r.fp == 3, "loosest, no limit: t %g (want 0.5)", t);
	/* fpr limit 0 on all-normal labels: flag nothing, t midway between 3 and 3 + 1 */
	rc = fcvae_metrics_choose(&t, &r, b, lb0, 3, FCVAE_ADJUST_NONE, 0, 0, 1);
	CHECK(rc == 0 && t == 3.5 && r.fp == 0, "loosest, fpr 0: t %g (want 3.5)", t);
	/* a plateau's middle on a score inside it: {3, 1}, one labelled event
	 * of both; with PA flagging 3 alone or both counts the same, the
	 * plateau runs from 3 to 1 - 2 = -1, its middle 1 is the score 1:
	 * the middle of the gap below it instead, 0 */
	const double two[] = {3, 1};
	rc = fcvae_metrics_choose(&t, &r, two, lb1, 2, FCVAE_ADJUST_PA, 0, 1, 0);
	CHECK(rc == 0 && t == 0 && r.tp == 2, "plateau middle on a score: t %g (want 0)", t);
	/* F1 needs a labelled anomaly */
	rc = fcvae_metrics_choose(&t, &r, b, lb0, 3, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == -1, "choose F1 without labelled anomalies fails");

	/* beyond normal: a = -score, normal points 4, 9 (2 after a label), 1, -4.
	 *   label  0  1  0  0  0  1  0  0
	 *   a      4 50  9  1 -4 30  16 -9
	 * clean after 0: every normal point; the most anomalous 16 (√ 4),
	 * margin 1.5 -> 6² = 36. Clean after 1: 9 and 16 follow a label
	 * closely; the rest 4 (√ 2) -> 3² = 9. Clean after 2: 4 (first,
	 * nothing before it) and -4 -> 9 again. When every clean point is below
	 * zero the threshold moves toward zero: {-4, -9}, margin 2: -2 / 2 -> -1. */
	const double bn[] = {4, 50, 9, 1, -4, 30, 16, -9};
	const unsigned char bl[] = {0, 1, 0, 0, 0, 1, 0, 0};
	size_t nc = fcvae_metrics_beyond_normal(&t, bn, bl, 8, 0, 1.5);
	CHECK(nc == 6 && close_to(t, 36), "beyond normal, clean after 0: %zu clean, t %g (want 6, 36)", nc, t);
	nc = fcvae_metrics_beyond_normal(&t, bn, bl, 8, 1, 1.5);
	CHECK(nc == 4 && close_to(t, 9), "beyond normal, clean after 1: %zu clean, t %g (want 4, 9)", nc, t);
	nc = fcvae_metrics_beyond_normal(&t, bn, bl, 8, 2, 1.5);
	CHECK(nc == 2 && close_to(t, 9), "beyond normal, clean after 2: %zu clean, t %g (want 2, 9)", nc, t);
	const double neg[] = {-4, -9};
	nc = fcvae_metrics_beyond_normal(&t, neg, lb0, 2, 0, 2);
	CHECK(nc == 2 && close_to(t, -1), "beyond normal below zero: t %g (want -1)", t);
	t = 123;
	nc = fcvae_metrics_beyond_normal(&t, b, lb1, 3, 0, 2);
	CHECK(nc == 0 && t == 123, "beyond normal without a normal point: %zu, t untouched", nc);
	/* all scores equal: margin 1 */
	const double c[] = {2, 2};
	const unsigned char lc[] = {1, 0};
	rc = fcvae_metrics_choose(&t, &r, c, lc, 2, FCVAE_ADJUST_NONE, 0, 1, 0);
	/* cut 0: F1 0; cut 1 (all): tp 1 fp 1 F1 2/3 -> t midway between 2 and 2 - 1 */
	CHECK(rc == 0 && t == 1.5 && close_to(r.f1, 2.0 / 3), "constant scores: t %g F1 %g (want 1.5)", t, r.f1);

	/* −log-likelihoods: the same cut, midway in deviations. Between 1 and
	 * 49: ((√1 + √49) / 2)² = 16, not 25; between −4 and 9 the sign is
	 * kept: ((−2 + 3) / 2)² = 0.25, not 2.5 */
	const double ll[] = {1, 49, 1}, sg[] = {-4, 9};
	const unsigned char lll[] = {0, 1, 0}, lsg[] = {0, 1};
	rc = fcvae_metrics_choose_loglik(&t, &r, ll, lll, 3, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && t == 16 && r.f1 == 1, "log-likelihood cut: t %g F1 %g (want 16, 1)", t, r.f1);
	rc = fcvae_metrics_choose_loglik(&t, &r, sg, lsg, 2, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && t == 0.25 && r.f1 == 1, "log-likelihood cut across 0: t %g (want 0.25)", t);
	rc = fcvae_metrics_choose_loglik(&t, &r, ll, lll, 0, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == -1, "log-likelihood cut of nothing fails");
}

static void test_auc(void)
{
	/* ROC: pairs (positive beats negative) out of 6·4 = 24:
	 * 2 > {0,1}: 2; 3: 2; 5 > {0,1,4}: 3; 7, 8, 9 > all: 4 each -> 19/24 */
	CHECK(close_to(fcvae_metrics_roc_auc(a, label, N(a)), 19.0 / 24), "ROC-AUC %g (want 19/24)",
	      fcvae_metrics_roc_auc(a, label, N(a)));
	/* AP, descending: 9 P(R 1/6, P 1), 8 P(2/6, 1), 7 P(3/6, 1), 6 N, 5 P(4/6, 4/5),
	 * 4 N, 3 P(5/6, 5/7), 2 P(1, 6/8): 3/6 + 4/30 + 5/42 + 1/8 */
	double ap = 0.5 + 4.0 / 30 + 5.0 / 42 + 1.0 / 8;
	CHECK(close_to(fcvae_metrics_pr_auc(a, label, N(a)), ap), "PR-AUC %g (want %g)", fcvae_metrics_pr_auc(a, label, N(a)), ap);

	/* ties: positives {1, 2}, negatives {1, 0}: (1,1) half, the rest right -> 3.5/4;
	 * AP: group {2}: R 1/2 P 1; group {1: P, N}: R 1, P 2/3 -> 1/2 + 1/3 */
	const double t[] = {1, 1, 2, 0};
	const unsigned char lt[] = {1, 0, 1, 0};
	CHECK(close_to(fcvae_metrics_roc_auc(t, lt, 4), 0.875), "ROC-AUC with ties %g (want 0.875)", fcvae_metrics_roc_auc(t, lt, 4));
	CHECK(close_to(fcvae_metrics_pr_auc(t, lt, 4), 5.0 / 6), "PR-AUC with ties %g (want 5/6)", fcvae_metrics_pr_auc(t, lt, 4));
	/* all tied: ROC 1/2, AP = the positive share 1/3 */
	const double e[] = {3, 3, 3};
	const unsigned char le[] = {0, 1, 0};
	CHECK(close_to(fcvae_metrics_roc_auc(e, le, 3), 0.5) && close_to(fcvae_metrics_pr_auc(e, le, 3), 1.0 / 3),
	      "all scores tied: ROC %g PR %g", fcvae_metrics_roc_auc(e, le, 3), fcvae_metrics_pr_auc(e, le, 3));
	/* undefined without positives (and ROC without negatives) */
	const unsigned char l0[] = {0, 0, 0}, l1[] = {1, 1, 1};
	CHECK(isnan(fcvae_metrics_roc_auc(e, l0, 3)) && isnan(fcvae_metrics_pr_auc(e, l0, 3)) &&
	      isnan(fcvae_metrics_roc_auc(e, l1, 3)) && close_to(fcvae_metrics_pr_auc(e, l1, 3), 1),
	      "AUCs undefined without positives or negatives");
}

/* Scores not a number or infinite, taken as fcvae_score_finite() takes
 * them (a = -score): NaN is FLT_MAX, the most anomalous, tied with +inf;
 * ±inf ±FLT_MAX. A NaN never ended a group of equal scores (the AUCs hung),
 * sorted anywhere, and was no segment's maximum; an infinity made the
 * sweeps' thresholds NaN or infinite. */
static void test_nonfinite(void)
{
	/* positives {NaN, 2}, negatives {1, 0}: all in order */
	const double a1[] = {NAN, 1, 2, 0};
	const unsigned char l1[] = {1, 0, 1, 0};
	CHECK(fcvae_metrics_roc_auc(a1, l1, 4) == 1 && fcvae_metrics_pr_auc(a1, l1, 4) == 1,
	      "NaN positive the most anomalous: ROC %g PR %g (want 1, 1)", fcvae_metrics_roc_auc(a1, l1, 4),
	      fcvae_metrics_pr_auc(a1, l1, 4));
	/* positive {3}, negatives {NaN, 1}: ROC 1/2; AP: R 1 reached at P 1/2 */
	const double a2[] = {NAN, 3, 1};
	const unsigned char l2[] = {0, 1, 0};
	CHECK(close_to(fcvae_metrics_roc_auc(a2, l2, 3), 0.5) && close_to(fcvae_metrics_pr_auc(a2, l2, 3), 0.5),
	      "NaN negative the most anomalous: ROC %g PR %g (want 0.5, 0.5)", fcvae_metrics_roc_auc(a2, l2, 3),
	      fcvae_metrics_pr_auc(a2, l2, 3));
	/* NaN and +inf tie */
	const double a3[] = {NAN, INFINITY};
	const unsigned char l3[] = {1, 0};
	CHECK(close_to(fcvae_metrics_roc_auc(a3, l3, 2), 0.5) && close_to(fcvae_metrics_pr_auc(a3, l3, 2), 0.5),
	      "NaN ties with +inf: ROC %g PR %g (want 0.5, 0.5)", fcvae_metrics_roc_auc(a3, l3, 2),
	      fcvae_metrics_pr_auc(a3, l3, 2));

	/* NaN flagged at any threshold, and a segment's maximum under PA */
	fcvae_prf r;
	const double a4[] = {NAN, 0, NAN, 3}, a5[] = {0, NAN, 0};
	const unsigned char l4[] = {1, 0, 0, 1}, l5[] = {1, 1, 0};
	fcvae_metrics_at(&r, a4, l4, 4, 2, FCVAE_ADJUST_NONE, 0);
	CHECK(counts_are(&r, 2, 1, 0, 1), "NaN flagged at a >= 2: tp %zu fp %zu fn %zu tn %zu", r.tp, r.fp, r.fn, r.tn);
	fcvae_metrics_at(&r, a5, l5, 3, 1, FCVAE_ADJUST_PA, 0);
	CHECK(counts_are(&r, 2, 0, 0, 1), "NaN in a segment detects it under PA: tp %zu fn %zu", r.tp, r.fn);

	/* numpy's percentile of {1, 2, FLT_MAX} and of {-FLT_MAX, 1, FLT_MAX} */
	const double p1[] = {NAN, 1, 2}, p2[] = {INFINITY, -INFINITY, 1};
	CHECK(fcvae_metrics_percentile(p1, 3, 0) == 1 && fcvae_metrics_percentile(p1, 3, 50) == 2 &&
	      fcvae_metrics_percentile(p1, 3, 100) == FLT_MAX, "percentiles with NaN: %g %g %g",
	      fcvae_metrics_percentile(p1, 3, 0), fcvae_metrics_percentile(p1, 3, 50), fcvae_metrics_percentile(p1, 3, 100));
	CHECK(close_to(fcvae_metrics_percentile(p2, 3, 25), -FLT_MAX / 2), "percentile 25 with ±inf: %g (want %g)",
	      fcvae_metrics_percentile(p2, 3, 25), -FLT_MAX / 2);

	/* Paper sweep from lo = -FLT_MAX: t_1 = lo + (p - lo)/2000 flags every
	 * finite score, all positive: F1 1 (every threshold was NaN: F1 0) */
	double t;
	const double a6[] = {-INFINITY, 1, 5, 2};
	const unsigned char l6[] = {0, 1, 1, 1};
	double hi = fcvae_metrics_percentile(a6, 4, 99.91);
	fcvae_metrics_best_paper(&r, &t, a6, l6, 4, FCVAE_ADJUST_NONE, 0);
	CHECK(r.f1 == 1 && t == (hi + FLT_MAX) / 2000 - FLT_MAX, "paper sweep with -inf: F1 %g at %g", r.f1, t);
	/* up to p near FLT_MAX: t_1 = p/2000 flags the +inf positive alone, F1 1 at a finite t */
	const double a7[] = {0, 1, 2, INFINITY, 3};
	const unsigned char l7[] = {0, 0, 0, 1, 0};
	hi = fcvae_metrics_percentile(a7, 5, 99.91);
	fcvae_metrics_best_paper(&r, &t, a7, l7, 5, FCVAE_ADJUST_NONE, 0);
	CHECK(r.f1 == 1 && isfinite(t) && t == hi / 2000, "paper sweep with +inf: F1 %g at %g (want 1 at %g)", r.f1, t, hi / 2000);

	/* calibration: distinct scores FLT_MAX (NaN, +inf), 5, 1: flag the
	 * first, t midway between FLT_MAX and 5 */
	const double a8[] = {NAN, 5, 1, INFINITY};
	const unsigned char l8[] = {1, 0, 0, 1};
	int rc = fcvae_metrics_choose(&t, &r, a8, l8, 4, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && r.f1 == 1 && r.tp == 2 && t == FLT_MAX / 2 + 2.5, "choose with NaN and +inf: t %g F1 %g", t, r.f1);
	/* flag nothing with a +inf score: t above FLT_MAX, finite, flags nothing
	 * (t = +inf flagged the +inf under >=) */
	const double a9[] = {INFINITY, 1, 2};
	const unsigned char l9[] = {0, 0, 0};
	rc = fcvae_metrics_choose(&t, &r, a9, l9, 3, FCVAE_ADJUST_NONE, 0, 0, 1);
	fcvae_prf at;
	fcvae_metrics_at(&at, a9, l9, 3, t, FCVAE_ADJUST_NONE, 0);
	CHECK(rc == 0 && r.fp == 0 && isfinite(t) && at.fp == 0, "loosest fpr 0 above +inf: t %g flags %zu (want 0)", t, at.fp);
	/* −log-likelihoods: NaN's deviation √FLT_MAX, t between it and 2 */
	const double a10[] = {NAN, 1, 4};
	const unsigned char l10[] = {1, 0, 0};
	rc = fcvae_metrics_choose_loglik(&t, &r, a10, l10, 3, FCVAE_ADJUST_NONE, 0, 1, 0);
	CHECK(rc == 0 && r.f1 == 1 && close_to(t, pow(sqrt(FLT_MAX) / 2 + 1, 2)), "log-likelihood cut with NaN: t %g F1 %g",
	      t, r.f1);

	/* beyond normal: the NaN or +inf normal point is the most anomalous,
	 * FLT_MAX: margin 2 -> (2·√FLT_MAX)² */
	const double b1[] = {NAN, 1}, b2[] = {INFINITY, 1};
	size_t nc = fcvae_metrics_beyond_normal(&t, b1, l9, 2, 0, 2);
	CHECK(nc == 2 && close_to(t, 4.0 * FLT_MAX), "beyond normal with NaN: t %g (want %g)", t, 4.0 * FLT_MAX);
	nc = fcvae_metrics_beyond_normal(&t, b2, l9, 2, 0, 2);
	CHECK(nc == 2 && close_to(t, 4.0 * FLT_MAX), "beyond normal with +inf: t %g (want %g)", t, 4.0 * FLT_MAX);
}

static void test_events(void)
{
	fcvae_event *ev;
	size_t n = fcvae_metrics_events(&ev, flag, label, N(label));
	/* [0,2) first flagged 1; [5,8) first 7 (2 points late); [9,10) never */
	CHECK(n == 3, "3 events (got %zu)", n);
	if (n == 3)
		CHECK(ev[0].start == 0 && ev[0].end == 2 && ev[0].first == 1 &&
		      ev[1].start == 5 && ev[1].end == 8 && ev[1].first == 7 &&
		      ev[2].start == 9 && ev[2].end == 10 && ev[2].first == -1, "event bounds and first detections");
	free(ev);
	const unsigned char l0[] = {0, 0};
	n = fcvae_metrics_events(&ev, l0, l0, 2);
	CHECK(n == 0 && ev == NULL, "no events in all-normal labels");
	free(ev);
}

int main(void)
{
	alarm(20); /* a sweep that never ends fails rather than hangs */
	test_flags();
	test_thresholds();
	test_auc();
	test_nonfinite();
	test_events();
	return unit_done();
}
