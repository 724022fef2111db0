/* trailing.h — trailing aggregation of an anomaly-score sequence: each
 * point's score replaced by the maximum or mean of the last N scores (itself
 * included, fewer at the start).
 *
 * Why: data sets such as NAB label a long window around each event (26 to
 * 66 hours), while a detector's score is high at the event itself; holding
 * it over the following points ranks more of the labelled window above the
 * normal points. Only past and present scores are used, so a live detector
 * can do the same. Orientation as metrics.h: higher = more anomalous. */
#ifndef FCVAE_TRAILING_H
#define FCVAE_TRAILING_H

#include <stddef.h>

enum fcvae_trail { FCVAE_TRAIL_NONE, FCVAE_TRAIL_MAX, FCVAE_TRAIL_MEAN };

/* out[i] = max or mean of a[max(0, i−span+1) .. i]; span >= 1 (span 1 or
 * FCVAE_TRAIL_NONE copies). out must not overlap a. O(n) whatever the span. */
void fcvae_trail_apply(double *out, const double *a, size_t n, size_t span, enum fcvae_trail how);

/* "none", "max", "mean" -> 0 and *how; -1 for anything else. */
int fcvae_trail_parse(const char *name, enum fcvae_trail *how);
const char *fcvae_trail_name(enum fcvae_trail how);

#endif
