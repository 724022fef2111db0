/* record.h — reading input: lines of any length with line numbers, the
 * counting and reporting of bad input lines, labels, and fcvae-window's
 * input records from NDJSON, CSV (header row) or kcat -J envelopes.
 *
 * A typical filter loop (fcvae-score style):
 *     fcvae_lines in;
 *     fcvae_rejects rej = { 0 };
 *     if (fcvae_lines_open(&in, path) < 0) fcvae_die(1, "%s:", path);
 *     in.max = max_line;                               // --max-line
 *     while (!(strict && rej.total) && (rc = fcvae_lines_read(&in, -1)) == 1) {
 *         if (fcvae_reject_toolong(&rej, &in)) continue;
 *         const fcvae_json *r = fcvae_json_parse(&p, in.line, in.len);
 *         if (!r) { fcvae_reject(&rej, &in, "not JSON", "%s", p.err); continue; }
 *         ...
 *     }
 *     if (strict && rej.total) exit(FCVAE_EXIT_DATA);  // --strict: the bad line said why
 *     if (rc < 0) fcvae_die(1, "%s:", in.name);
 *     fcvae_lines_close(&in);
 *     char s[512]; fcvae_rejects_format(&rej, s, sizeof s);  // "2 input lines rejected: 1 not JSON, 1 bad value"
 */
#ifndef FCVAE_RECORD_H
#define FCVAE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* ---- lines ---- */

typedef struct {
	const char *name;   /* "-" for standard input, else the path */
	int fd;
	char *buf;
	size_t cap, start, end;
	int eof;
	int stopped;        /* the input ended by a stop signal, not at its end */
	size_t lineno;      /* number of the line last returned, from 1 (CSV: its first) */
	size_t lastno;      /* its last line: > lineno for a CSV record over several */
	char *line;         /* the line, without its "\n" or "\r\n"; NUL-terminated; */
	size_t len;         /* valid until the next read */
	size_t max;         /* longest line kept, set after open (0: FCVAE_MAX_LINE) */
	int csv;            /* set after open: CSV records, see below */
	int follow;         /* set after open: a file that grows, see below */
	int toolong;        /* the line was longer: line holds its first max bytes */
	int unclosed;       /* CSV: a quote still open at max bytes: line is the record's first line */
	int skipping;       /* inside a too-long line, dropping the rest */
	size_t plain;       /* CSV: bytes from start read as single lines (after an unclosed quote) */
	size_t scanned;     /* the search for the end of the line at start: bytes done, */
	int quote;          /* CSV: where in a field it stands, */
	size_t inner;       /* CSV: and the newlines inside quotes it passed */
} fcvae_lines;

/* Lines longer than this are cut to it and flagged, so that one damaged
 * message cannot take all memory: the reader holds at most about 2 x max. */
#define FCVAE_MAX_LINE ((size_t)16 << 20)

/* --max-line N, alike in every program that reads input lines: the help
 * text after the option (FCVAE_MAX_LINE in bytes), and the argument
 * parsed and bounded (a usage error exits 2). */
#define FCVAE_MAX_LINE_HELP "longest input line in bytes (default 16777216)\n"
size_t fcvae_parse_max_line(const char *arg);

/* Open path ("-" = standard input). 0, or -1 with errno. */
int fcvae_lines_open(fcvae_lines *l, const char *path);
/* Read an open descriptor (a pipe), called name in messages; close closes it. */
void fcvae_lines_fdopen(fcvae_lines *l, int fd, const char *name);
/* Next line: 1 (in l->line, l->len), 0 at end of input, -1 on a read error
 * (errno set), or 2 when timeout_ms >= 0 passed with no complete line
 * (timeout_ms < 0 waits as long as it takes). A stop signal (see
 * fcvae_catch_stop()) ends the input where it is: the lines already read
 * are still returned, then 0; a line whose newline has not come yet is
 * said (its rest may be on its way), not returned. At the end of input a
 * last line without a newline is still a line. A line longer than l->max comes back cut to
 * l->max bytes with l->toolong set: report it as bad input (a cut line is
 * not JSON anyway).
 *
 * With l->csv set, a line is a CSV record (RFC 4180): a newline inside a
 * double-quoted field is the field's, and the record runs on to the line
 * that closes the quote (l->lineno its first line, l->lastno its last),
 * l->max bytes in all. A quote that is still open at the end of input, or
 * at l->max bytes (then l->unclosed is set), cannot be told from a stray
 * one: its first line comes back alone, and the lines that the open quote
 * would have taken come back one by one, as without l->csv, so that one
 * stray quote costs one line, not the rest of the file.
 *
 * With l->follow set, the input is a file that another process appends to
 * (a follower of a topic) and the end of input is only the end of what it
 * holds so far: there the read returns 0 at once, keeping a last line
 * whose newline has not come yet (a write under way), and the next read
 * reads on from there. A file cut shorter than what was read (its writer
 * started over), or another file renamed over its name, is read again from
 * its start. The input must be a regular file: then such a read never
 * waits, so timeout_ms and stop signals play no part. */
int fcvae_lines_read(fcvae_lines *l, int timeout_ms);
/* True when a complete line is already buffered, so the next read will not
 * wait for input: flush output before reading when this is false, and a
 * live pipeline sees every record at once while batch runs write in bulk. */
int fcvae_lines_ready(fcvae_lines *l);
/* Where the current line is, for messages: "input line 17" (standard
 * input), "FILE line 17", or "lines 17-19" for a CSV record over several. */
void fcvae_lines_where(const fcvae_lines *l, char *out, size_t size);
/* The current line holds blanks only (spaces, tabs, a CR) or nothing: no
 * record, passed over by every reader (a stray line of a tee or a jq). One
 * cut at the length limit is never blank: its rest was not seen. */
int fcvae_lines_blank(const fcvae_lines *l);
void fcvae_lines_close(fcvae_lines *l);

/* Years 0 to 9999: what RFC 3339 can write, and far from int64 trouble. */
int fcvae_time_in_range(double t);

/* ---- bad input ---- */

#define FCVAE_MAX_REASONS 32

typedef struct {
	size_t total;
	int n;
	const char *reason[FCVAE_MAX_REASONS];   /* short static names, e.g. "bad ts" */
	size_t count[FCVAE_MAX_REASONS];
	double said_at[FCVAE_MAX_REASONS];       /* when a line of it was last said (fcvae_monotonic) */
	double notice_every;                     /* seconds; 0: FCVAE_REJECTS_EVERY */
} fcvae_rejects;

/* Bad lines of one reason said at most: a mistake of configuration (a
 * model of another window length, CSV read as NDJSON) makes every line
 * bad alike, and a million copies of one message hide the others. The
 * next line of that reason says that the rest are counted, not printed,
 * and so do its 100th, 1000th, ... and the first an hour
 * (FCVAE_REJECTS_EVERY seconds) after the last said: a stream runs for
 * weeks, and a new burst a week later is news. The summary at exit
 * (fcvae_rejects_format) has their count. */
#define FCVAE_REJECTS_SAID 10
#define FCVAE_REJECTS_EVERY 3600.0

/* Report a bad line on stderr, "PROG: input line 17: MESSAGE" (or
 * "PROG: FILE line 17: ..." for a named file; "lines 17-19" for a CSV
 * record over several lines), and count it under reason (a string
 * literal). l may be NULL for problems not tied to a line. Past
 * FCVAE_REJECTS_SAID lines of one reason, lines are counted only. It
 * never exits: --strict (stop at the first, exit FCVAE_EXIT_DATA) is the
 * program's, which sees the count in total. */
void fcvae_reject(fcvae_rejects *r, const fcvae_lines *l, const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A line that came back cut at l->max (l->toolong) is reported as "line
 * too long", "longer than N bytes (see --max-line)", and a CSV record whose
 * quote was still open at l->max bytes (l->unclosed) as "bad CSV",
 * "unterminated quote within N bytes (see --max-line)": returns 1 when l
 * was such a line (skip it), else 0. */
int fcvae_reject_toolong(fcvae_rejects *r, const fcvae_lines *l);
/* Count without printing (for a message already printed). */
void fcvae_rejects_count(fcvae_rejects *r, const char *reason);
/* "N input lines rejected: 2 bad ts, 1 not JSON" into out ("" when none). */
void fcvae_rejects_format(const fcvae_rejects *r, char *out, size_t size);

/* ---- labels ---- */

/* A record's label, read alike by every program: 1 or 0 from true/false
 * (any case), a number equal to 1 or 0, or either in a string as a CSV
 * field writes it ("1.0", " +1 ", "True"); FCVAE_LABEL_NONE when absent,
 * null, NaN, ±inf or a missing marker ("", "NaN", "NA"; the record is
 * kept, unlabelled); FCVAE_LABEL_BAD for anything else (2, 0.5, "yes"). */
enum { FCVAE_LABEL_NONE = -1, FCVAE_LABEL_BAD = -2 };
/* The message of a bad label, the field's name for %s. */
#define FCVAE_LABEL_BAD_MSG "\"%s\" is not 0, 1, true or false"
int fcvae_label_of(const fcvae_json *v);

/* ---- fcvae-window's input records ---- */

enum fcvae_input_format { FCVAE_INPUT_NDJSON, FCVAE_INPUT_CSV, FCVAE_INPUT_KCAT };

/* Options: which fields mean what. */
typedef struct {
	int format;                  /* enum fcvae_input_format */
	const char *ts_field;        /* "ts" */
	const char *value_field;     /* "value" */
	const char *label_field;     /* "label" */
	const char **key_fields;     /* {"key"}; several are joined with '/' */
	int n_key;
	const char *default_key;     /* key when the record has none, or NULL */
	int kafka_time;              /* kcat: no ts in the payload -> envelope ts (ms) */
	int need_value;              /* a CSV without the value column is refused */
} fcvae_input_opts;

/* One record, normalised. Pointers valid until the next parse. */
typedef struct {
	const char *key;
	size_t keylen;
	double ts;                   /* UTC epoch seconds */
	double value;                /* NaN when missing (absent, null, NaN, "", inf literal) */
	int has_value;               /* the field was present, even if missing */
	int has_label;
	double label;                /* true = 1, false = 0 */
	const char *extra;           /* other fields as ,"name":value... (exact text for JSON) */
	size_t extralen;
	const char *topic;           /* kcat: topic (NULL otherwise), partition, offset;
	                              * set for a bad line too once its envelope was read */
	size_t topiclen;
	int64_t partition, offset;
} fcvae_input;

typedef struct {
	fcvae_input_opts o;
	int any_epoch;               /* CSV: a number is a time however far from the
	                              * calendar's years (epoch ms, where only differences
	                              * count); set after fcvae_input_init() */
	int no_option_hints;         /* set after init when the reading program has
	                              * no --ts, --value... (fcvae-protocol): its
	                              * messages then name no option */
	fcvae_json_parser env, pay;  /* kcat envelope, and the record itself */
	fcvae_buf key, extra, topic;
	/* CSV: header of the current file */
	int have_header;
	int ncol;
	char **col;
	int ts_col, value_col, label_col, *key_col;  /* -1: absent */
	unsigned char *pass;         /* per column: copied to the output */
	char **field;                /* current line's fields (into csv) */
	size_t *flen, *fstart;
	fcvae_buf csv;
} fcvae_input_reader;

/* A line that is no JSON but reads as a CSV row (no brace or bracket first,
 * a comma in it): for the hint that CSV was given where NDJSON is read. */
int fcvae_looks_csv(const char *line, size_t len);

void fcvae_input_init(fcvae_input_reader *r, const fcvae_input_opts *o);
void fcvae_input_free(fcvae_input_reader *r);
/* A new file starts (CSV: expect its header row). */
void fcvae_input_new_file(fcvae_input_reader *r);
/* Parse one line: 1 = record in *in; 0 = nothing to do (blank line, CSV
 * header); -1 = bad line, *reason (for counting) and msg set, e.g.
 * "\"ts\" is not a timestamp"; -2 = a CSV header that lacks a needed
 * column (msg says which): the whole file is unusable. */
int fcvae_input_parse(fcvae_input_reader *r, const char *line, size_t len, fcvae_input *in,
                      const char **reason, char *msg, size_t msgsize);

/* Names fcvae-window writes itself; input fields of these names are not
 * passed through (they would be duplicated). */
int fcvae_input_is_output_name(const char *name, size_t len);

#endif
