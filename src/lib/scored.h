/* scored.h — fcvae-score's output read back for evaluation and calibration:
 * per-series sequences of (time, score, label, flag), in time order.
 *
 * From each record: the series key, the time, `score` (a log-likelihood,
 * lower = more anomalous), the label, and the flag at the model's threshold
 * (`anomaly`, or else score < `threshold`, or an override threshold).
 * Records without a label, and unscored ones (score null or absent, or
 * value null: a window whose own bucket was missing, scored but judged on
 * an interpolated point), are kept out of the metrics but counted; unless
 * labelled anomalous they break the sequence, so that the events on either
 * side of them stay two. So does a rejected line whose series and time can
 * be read, and so does a gap: records missing, where the time to the one
 * before is over fcvae_run_gap_max of the series' times. Of several records for one series and time (fcvae-window
 * --revise, a replayed stream) the last read stands; the others are
 * counted as replaced. */
#ifndef FCVAE_SCORED_H
#define FCVAE_SCORED_H

#include <stddef.h>

#include "json.h"
#include "keyset.h"
#include "record.h"

typedef struct {
	double ts;               /* epoch seconds; NaN when the record had none */
	double score;
	unsigned char label;     /* 0 or 1 */
	unsigned char flag;      /* anomalous at the model's threshold */
	unsigned char undecided; /* no threshold said (an uncalibrated model): flag means nothing */
	unsigned char left_out;  /* until fcvae_scored_sort: why this is no point (scored.c), 0 for a point */
	unsigned char brk;       /* after it: something left out lies between this point and the one before */
} fcvae_scored_point;

typedef struct {
	const char *key;        /* keylen bytes, '\0' after them (the set's keys hold
	                           them); a JSON key may hold "\u0000", so compare
	                           and write it with keylen */
	size_t keylen;
	fcvae_scored_point *p;  /* until fcvae_scored_sort every record read and rejected
	                           line placed; after it the points, in time order */
	size_t n, cap;
	size_t records;         /* all of this series' records read */
	size_t unlabelled, unscored, replaced;
	int no_threshold;       /* some point is undecided */
} fcvae_scored_series;

typedef struct {
	/* options, set before reading */
	const char *label_field;   /* "label" */
	const char *key_field;     /* "key" */
	const char *ts_field;      /* "ts" */
	int has_threshold;         /* flag = score < threshold, whatever the records say */
	double threshold;
	size_t max_line;           /* longest input line (0: FCVAE_MAX_LINE) */
	int strict;                /* stop reading at the first rejected line (--strict) */
	/* contents */
	fcvae_scored_series *s;    /* in order of first appearance */
	int ns;
	size_t records, unlabelled, unscored, labelled, replaced;
	size_t keyed;              /* records with a key_field member */
	size_t test_split;         /* records with "split": "test" */
	fcvae_keyset keys;         /* until fcvae_scored_sort, key i is s[i]'s */
	size_t cap;                /* of s */
	fcvae_json_parser p;
} fcvae_scored_set;

void fcvae_scored_init(fcvae_scored_set *set);
void fcvae_scored_free(fcvae_scored_set *set);

/* The reading options of fcvae-eval and fcvae-calibrate, for their
 * getopt_long tables (-l/--label, -k/--key, --ts, --max-line, --strict;
 * the includer has <getopt.h>); fcvae_scored_option takes one into set:
 * 1 when o was one of them, else 0. */
enum { FCVAE_SCORED_O_TS = 0x1000, FCVAE_SCORED_O_MAX_LINE, FCVAE_SCORED_O_STRICT };
#define FCVAE_SCORED_LONGOPTS                                                    \
	{"label", required_argument, NULL, 'l'}, {"key", required_argument, NULL, 'k'}, \
	{"ts", required_argument, NULL, FCVAE_SCORED_O_TS},                          \
	{"max-line", required_argument, NULL, FCVAE_SCORED_O_MAX_LINE},              \
	{"strict", no_argument, NULL, FCVAE_SCORED_O_STRICT}
/* their lines of the usage text */
#define FCVAE_SCORED_HELP                                          \
	"  -l, --label NAME     label field (default label)\n"       \
	"  -k, --key NAME       series key field (default key)\n"    \
	"      --ts NAME        time field (default ts)\n"           \
	"      --max-line N     " FCVAE_MAX_LINE_HELP                  \
	"      --strict         stop at the first bad record (exit 3)\n"
int fcvae_scored_option(fcvae_scored_set *set, int o, const char *arg);

/* Read every line of in; bad lines go to rej (too long, not JSON, score not
 * a number, label not 0/1/true/false, ...). 0, or -1 on a read error (errno
 * set), or 1 when set->strict stopped it at a rejected line. */
int fcvae_scored_read(fcvae_scored_set *set, fcvae_lines *in, fcvae_rejects *rej);

/* A live scored record (fcvae-alert, fcvae-plot): in's line as a JSON object
 * with a key_field string (*key) and a ts_field time, an ISO string or epoch
 * seconds of the years 0 to 9999 as fcvae-window takes them (*ts). NULL,
 * the line rejected into rej, when it is not (or was too long). */
const fcvae_json *fcvae_scored_parse_live(fcvae_json_parser *p, fcvae_lines *in, fcvae_rejects *rej,
                                          const char *key_field, const char *ts_field, const fcvae_json **key,
                                          double *ts);

/* 0 when record r's own bucket was missing ("value" null or not finite, as
 * fcvae-window writes it): its score judges an interpolated point. fcvae-eval
 * leaves such a record unscored; to fcvae-alert its "anomaly": false (the
 * flag fcvae-score gives every such window) is no verdict. */
int fcvae_scored_judged(const fcvae_json *r);

/* Read the named files (none: standard input) into set, sort, and warn the
 * reject summary, the replaced and the unlabelled counts. Dies (exit 1) on
 * a file that cannot be read, when no record was read ("no scored records
 * to <doing>"), when every record is unscored and when none has a label
 * (no_labels: what follows the counts). Returns 0, or -1 when set->strict stopped it at a rejected line
 * (the line said why, nothing more is said): the caller exits
 * FCVAE_EXIT_DATA. */
int fcvae_scored_read_files(fcvae_scored_set *set, char **files, int nfiles, fcvae_rejects *rej,
                            const char *doing, const char *no_labels);

/* A series key as fcvae-eval's table and the messages of fcvae-eval and
 * fcvae-calibrate show it: as it is when that reads unmistakably, else as
 * a JSON string, whose escapes keep a control character from splitting a
 * row or reaching the terminal. Quoted: empty, a control character ("\u0000"
 * among them) or a byte that is not UTF-8, a blank at either end, a '"'
 * first (as a quoted key reads), or "pooled" (the pooled row's name).
 * Padded to width characters (code points: the bytes of UTF-8 would
 * misalign the columns). */
void fcvae_scored_key_shown(fcvae_buf *b, const char *key, size_t len, int width);

/* Put each series in time order (stable; without a time on every point,
 * input order is kept), keep the last record read for each time, and
 * leave the points only, each with brk set where something left out came
 * before it. Series that hold only rejected lines are dropped. Call after
 * the last read. */
void fcvae_scored_sort(fcvae_scored_set *set);

/* Arrays for metrics.h of one series (i >= 0, array index = point index)
 * or of all series pooled in order (i < 0): a = -score (higher = more
 * anomalous), label, flag (0 where undecided). Anomalous labels are 1 to 4,
 * alternating between series and at each break, so that events stay apart
 * when their points meet. Returns the number of points; the arrays are
 * malloc'd (free them). */
size_t fcvae_scored_arrays(const fcvae_scored_set *set, int i, double **a, unsigned char **label,
                           unsigned char **flag);

#endif
