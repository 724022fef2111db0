/* timeorder.h — records in time order (see timeorder.c). */
#ifndef FCVAE_TIMEORDER_H
#define FCVAE_TIMEORDER_H

#include <stddef.h>

/* Sort n elements of size bytes at base into time order by the double at
 * byte offset time_at in each; equal times keep their order (qsort alone
 * would not: the later of two records for one time must stay the later).
 * No time may be NaN (callers leave such records out first). */
void fcvae_sort_by_time(void *base, size_t n, size_t size, size_t time_at);

/* The longest time between two consecutive of n elements in time order
 * (laid out as for fcvae_sort_by_time) that keeps them in one run, such as
 * a labelled event: 1.5 times the median positive interval, the series'
 * usual step. One step missing or more breaks a run; irregular times
 * (fcvae-window --agg none) mostly do not. INFINITY when no positive
 * interval is known (NaN times are passed over). */
double fcvae_run_gap_max(const void *base, size_t n, size_t size, size_t time_at);

#endif
