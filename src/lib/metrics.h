/* metrics.h — detection metrics on labelled score sequences (SPEC §5):
 * point, point-adjusted and delay F1, best-F1 sweeps, PR/ROC AUC, events,
 * and threshold choice for calibration.
 *
 * One orientation throughout: `a` is an anomaly score, HIGHER = MORE
 * ANOMALOUS, and a point is flagged when a >= t (the official FCVAE
 * evaluation's convention). fcvae-score's `score` is a log-likelihood
 * (lower = more anomalous, anomaly when score < threshold): pass a = -score
 * and convert a chosen t back with threshold = -t. Thresholds chosen by
 * fcvae_metrics_choose() lie strictly between scores, so >= and > agree.
 * A score not a number or beyond a float's range is taken as the programs
 * take it (fcvae_score_finite() of score = -a): NaN as FLT_MAX, the most
 * anomalous (as a NaN score becomes -FLT_MAX in fcvae-score's output, tied
 * with +inf), and beyond the range ±FLT_MAX; thresholds are then finite
 * and no sort or sweep meets a NaN or an infinity.
 *
 * Labels are 0 (normal) or nonzero (anomalous); a segment (an event) is a
 * maximal run of equal nonzero labels, so a caller that concatenates
 * several series keeps their segments apart by alternating 1 and 2.
 * Adjustment modes:
 *   NONE  — plain point metrics;
 *   PA    — point adjustment: a segment counts as detected entirely (all its
 *           points true positives) when any of its points is flagged;
 *   DELAY — like PA, but only when one of its first k+1 points (start ..
 *           start+k) is flagged; otherwise the whole segment is missed;
 *   COMPOSITE — precision over points, recall over events (an event is
 *           detected when any of its points is flagged), F1 of the two
 *           (Garg et al. 2021): one long event weighs no more than a short
 *           one, and every false-positive point counts.
 * Flags on normal points count as they are in every mode. Undefined ratios
 * (0/0) are 0, as scikit-learn's zero_division=0. Two deliberate
 * differences from the official code, both tiny: its point adjustment never
 * credits index 0 of a segment that starts the sequence and is detected
 * later (its backward loop stops at 1), and its precision and recall add
 * 1e-6 to numerator and denominator; here counts are exact. */
#ifndef FCVAE_METRICS_H
#define FCVAE_METRICS_H

#include <stddef.h>

enum fcvae_adjust { FCVAE_ADJUST_NONE, FCVAE_ADJUST_PA, FCVAE_ADJUST_DELAY, FCVAE_ADJUST_COMPOSITE };

typedef struct {
	size_t tp, fp, fn, tn;    /* points, as the mode credits them */
	size_t events, detected;  /* events, and those credited by the mode */
	double precision, recall, f1, fpr;
} fcvae_prf;

/* Fill precision, recall, f1, fpr from the counts. */
void fcvae_prf_finish(fcvae_prf *r, enum fcvae_adjust mode);

/* Metrics of given flags (1 = flagged anomalous). */
void fcvae_metrics_flags(fcvae_prf *r, const unsigned char *flag, const unsigned char *label,
                         size_t n, enum fcvae_adjust mode, int k);

/* Metrics of flags a >= t. */
void fcvae_metrics_at(fcvae_prf *r, const double *a, const unsigned char *label, size_t n,
                      double t, enum fcvae_adjust mode, int k);

/* numpy.percentile's default (linear interpolation), q in [0, 100], of a
 * taken as above. */
double fcvae_metrics_percentile(const double *a, size_t n, double q);

/* The paper protocol's best F1 (SPEC §5): thresholds t_i = min + i·(p − min)/2000,
 * i = 0 .. 2002, with p the 99.91th percentile of a; flags a >= t_i; the
 * first best kept. Writes the threshold to *t. n must be > 0. */
void fcvae_metrics_best_paper(fcvae_prf *r, double *t, const double *a, const unsigned char *label,
                              size_t n, enum fcvae_adjust mode, int k);

/* Best F1 over every distinct cut of the scores (the exact test-tuned
 * optimum, not limited to a grid); *t as fcvae_metrics_choose() places it. */
void fcvae_metrics_best_exact(fcvae_prf *r, double *t, const double *a, const unsigned char *label,
                              size_t n, enum fcvae_adjust mode, int k);

/* Threshold choice for calibration. Candidates are the cuts between
 * neighbouring distinct scores (and above the highest, below the lowest);
 * only cuts with false-positive rate <= max_fpr count (pass 1 for no limit).
 * loosest = 0: the cut maximising F1 under `mode`; on a plateau of equal F1
 * (several cuts changing nothing, e.g. inside a detected segment under PA)
 * the first plateau from the strict end, and t in the middle of it.
 * loosest = 1: the cut flagging the most points within max_fpr.
 * t lies midway between the neighbouring scores (beyond the ends: by the
 * mean gap between distinct scores, or 1 if all scores are equal).
 * Returns 0, or -1 if no cut qualifies (F1 needs a labelled anomaly). */
int fcvae_metrics_choose(double *t, fcvae_prf *r, const double *a, const unsigned char *label,
                         size_t n, enum fcvae_adjust mode, int k, double max_fpr, int loosest);

/* fcvae_metrics_choose() for a = −log-likelihood (fcvae-score's scores
 * negated), what fcvae-calibrate and fcvae-protocol's validation thresholds
 * use: the same cut, but t midway between the neighbouring scores in
 * deviations, √a (sign kept), rather than in a. */
int fcvae_metrics_choose_loglik(double *t, fcvae_prf *r, const double *a, const unsigned char *label,
                                size_t n, enum fcvae_adjust mode, int k, double max_fpr, int loosest);

/* The "beyond normal" threshold, for validation whose labelled anomalies are
 * too few or too odd for an F1 to place it: the most anomalous normal point
 * whose `after` points before it hold no labelled one (with after = W - 1,
 * the windows ending there hold no anomaly; the hours after an anomaly
 * score on it), then margin times farther out in deviations (√a, sign
 * kept; a point below zero moves toward zero). Returns how many such clean
 * points there were (0: *t untouched). a = -score as above. */
size_t fcvae_metrics_beyond_normal(double *t, const double *a, const unsigned char *label, size_t n,
                                   size_t after, double margin);

/* ROC-AUC (ties count one half: Mann–Whitney with mid-ranks) and PR-AUC as
 * average precision (scikit-learn's: sum over distinct thresholds of
 * (R_i − R_{i−1})·P_i). NaN when undefined (no positives, or for ROC no
 * negatives). */
double fcvae_metrics_roc_auc(const double *a, const unsigned char *label, size_t n);
double fcvae_metrics_pr_auc(const double *a, const unsigned char *label, size_t n);

/* Labelled segments and their first flagged point. */
typedef struct {
	size_t start, end;  /* points start .. end-1 */
	long first;         /* index of the first flagged point in it, -1 if none */
} fcvae_event;

/* Segments of label in order into *ev (malloc'd, caller frees); returns the count. */
size_t fcvae_metrics_events(fcvae_event **ev, const unsigned char *flag, const unsigned char *label, size_t n);

#endif
