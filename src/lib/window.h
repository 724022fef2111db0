/* window.h — fcvae-window's engine: series table, time buckets, watermark,
 * gap filling and window records (SPEC §1, §7), and its saved state.
 *
 * Use: fcvae_window_init(), then fcvae_window_add() per input record,
 * fcvae_window_idle() when input is quiet, fcvae_window_flush() at end of
 * input; each appends finished window records (NDJSON lines) to w->out,
 * which the caller writes out and clears. One record can close a great
 * many buckets (a jump in time): set w->sink to have w->out written out
 * whenever it holds FCVAE_WINDOW_OUT_MAX bytes, so memory stays bounded.
 *
 * Semantics, briefly (the man page has the long form):
 * - buckets are [k·B, (k+1)·B) in UTC epoch seconds;
 * - agg none: a record is its bucket's value and emits at once; the
 *   series' buckets between its previous record and this one are missing
 *   (at_once); with a lateness, records are held as by agg last, so that
 *   records out of order within it are put in order;
 * - other aggs: the watermark is the latest event time seen minus the
 *   lateness; a bucket closes for every known series when the watermark
 *   reaches its end (series first seen later start at their first bucket);
 *   Kafka records: the latest event time of the partition furthest behind,
 *   among those that delivered in the last partition_idle seconds, and none
 *   in a run's first partition_idle seconds, while partitions make themselves
 *   known (Kafka orders a partition, not the topic: a backlog comes
 *   partition by partition);
 * - the pass-through fields and topic/partition/offset of a bucket are
 *   those of the last record that arrived in it; its label is the largest;
 * - a record for a bucket already closed is late: counted and dropped, or
 *   with revise merged into the stored bucket (if it is among the last W)
 *   and that bucket's window emitted again, with "revised":true if it was
 *   emitted before;
 * - Kafka offsets processed (taken, or refused as bad input) are kept, and
 *   a message at or below them is a replay: counted, skipped. */
#ifndef FCVAE_WINDOW_H
#define FCVAE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "keyset.h"
#include "record.h"

enum fcvae_agg { FCVAE_AGG_NONE, FCVAE_AGG_COUNT, FCVAE_AGG_SUM, FCVAE_AGG_MEAN, FCVAE_AGG_MAX, FCVAE_AGG_LAST };

/* "none", "count", ... -> enum, or -1. */
int fcvae_agg_parse(const char *s);
const char *fcvae_agg_name(int agg);

typedef struct {
	int agg;             /* enum fcvae_agg */
	int64_t bucket;      /* bucket length in seconds, >= 1 */
	int window;          /* W >= 1 */
	double lateness;     /* seconds the watermark trails the latest event */
	double max_missing;  /* windows with a larger share of missing points are dropped */
	int revise;          /* re-emit windows of revised buckets instead of dropping late records */
	double max_gap;      /* aggregated: refuse records this far after the latest (0: no limit) */
	size_t max_series;   /* refuse records of new series beyond this many (0: no limit) */
	int64_t max_gap_buckets;  /* where every empty bucket is a window: refuse records
	                           * more buckets than this after the latest (0: no limit) */
	double partition_idle;    /* Kafka: seconds (wall clock) after which a partition
	                           * without records no longer holds the watermark back */
	uint64_t min_samples;     /* buckets a series has had, read back ones too, before
	                           * its windows are written (0, or less than window: window) */
	const fcvae_keyset *keep; /* set: only these series are windowed; a record of
	                           * another is counted (other) and its Kafka offset
	                           * processed, its time and value left alone */
} fcvae_window_opts;

typedef struct fcvae_series fcvae_series;

typedef struct {
	char *topic;
	int64_t partition, offset;
	double maxts;        /* latest event time of its records; -inf none */
	double seen;         /* wall clock of its last record; NaN: not since the start */
} fcvae_kafka_offset;

#define FCVAE_WINDOW_OUT_MAX (1 << 16)

typedef struct fcvae_window fcvae_window;

struct fcvae_window {
	fcvae_window_opts o;
	int ring;                 /* buckets kept per series: W, or 2W with revise */
	int at_once;              /* agg none without lateness: a record's window
	                           * is emitted as it arrives, no bucket is open */
	fcvae_series **s;         /* in order of first appearance (the output order) */
	size_t n, cap;
	uint32_t *slot;           /* hash table of index+1, 0 = empty; size a power of two */
	size_t nslot;
	double maxts;             /* latest event time seen; -inf before any */
	double now;               /* wall clock, set by the caller before each record (Kafka input) */
	double started;           /* wall clock of the first Kafka record; NaN before */
	int64_t frontier;         /* buckets starting before this are closed; INT64_MIN = none yet */
	fcvae_kafka_offset *off;  /* last offset processed per topic/partition */
	size_t noff;
	int quiet;                /* set: records fill the buckets and emit no windows
	                           * (a partition's history read back, see fcvae-window --history) */
	/* counts for the summary */
	size_t records, windows, late, revised, dropped, replayed, other;
	size_t overflowed;        /* buckets whose sum (or mean) is beyond a double: missing */
	fcvae_buf out;            /* window records ready to write, one per line */
	void (*sink)(fcvae_window *w);  /* optional: writes out w->out and clears it */
	double *w;                /* scratch: one window */
};

void fcvae_window_init(fcvae_window *w, const fcvae_window_opts *o);
void fcvae_window_free(fcvae_window *w);

/* Add one record (from fcvae_input_parse). Returns 0; 1 when it was late
 * (counted in w->late, or revised) or a Kafka replay (w->replayed); 2 when
 * its time is more than max_gap after the latest record, 3 when it would
 * start a series beyond max_series, 4 when its bucket is more than
 * max_gap_buckets after the latest record's and every empty bucket is a
 * window, 5 when its bucket would start before year 0 (not taken: the
 * caller reports these as bad input, then calls
 * fcvae_window_refused()). A record of a series outside o.keep returns 0,
 * counted in w->other. */
int fcvae_window_add(fcvae_window *w, const fcvae_input *in);

/* A Kafka message not taken (a bad line whose envelope was read, or one
 * that fcvae_window_add() refused): 1 when its offset was processed before,
 * a replay of one reported then (counted in w->replayed, not to be reported
 * again), else 0. fcvae_window_add() asks this itself. */
int fcvae_window_replayed(fcvae_window *w, const fcvae_input *in);
/* ... and once reported, its offset is processed: a restart from the state
 * does not read it again. (Under --strict not: the run stops before it.) */
void fcvae_window_refused(fcvae_window *w, const fcvae_input *in);

/* Kafka: the offset after the last one processed of this topic and
 * partition, or -1 if none was; *seen the wall clock of its last record in
 * this run (NaN: none yet). */
int64_t fcvae_window_next_offset(const fcvae_window *w, const char *topic, size_t topiclen, int64_t partition,
                                 double *seen);

/* Input has been quiet for idle seconds at wall-clock time now: close the
 * buckets that ended at least idle seconds ago (never beyond the bucket of
 * the latest event, so replays of old data do not invent empty buckets up
 * to today). */
void fcvae_window_idle(fcvae_window *w, double now, double idle);

/* End of input: close every open bucket. */
void fcvae_window_flush(fcvae_window *w);
/* End of input where open buckets stay open (saved for the next run):
 * close what the watermark allows, without the start-up wait for the
 * partitions (a short run would otherwise close nothing ever). */
void fcvae_window_settle(fcvae_window *w);

/* Whether series key has been seen (this run, or one whose state it loaded). */
int fcvae_window_has(fcvae_window *w, const char *key, size_t keylen);
/* Records held in open buckets (what end of input without a flush and
 * without a saved state would lose). */
size_t fcvae_window_open_records(const fcvae_window *w);
/* Series that have had fewer buckets than a window needs (--min-samples,
 * at least W): none of their windows written yet. */
size_t fcvae_window_young(const fcvae_window *w);

/* Save / load everything needed to resume (series rings, open buckets,
 * watermark, Kafka offsets). Save is atomic. 0, or -1 with err set. */
int fcvae_window_save(const fcvae_window *w, const char *path, char *err, size_t errsize);
int fcvae_window_load(fcvae_window *w, const char *path, char *err, size_t errsize);

#endif
