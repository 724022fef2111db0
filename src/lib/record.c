/* record.c — line reader, bad-line accounting, NDJSON/CSV/kcat input records. */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "timeparse.h"
#include "util.h"

/* ---- lines ---- */

void fcvae_lines_fdopen(fcvae_lines *l, int fd, const char *name)
{
	memset(l, 0, sizeof *l);
	l->name = name;
	l->fd = fd;
	l->cap = 1 << 16;
	l->buf = fcvae_xmalloc(l->cap + 1);
}

int fcvae_lines_open(fcvae_lines *l, const char *path)
{
	int fd = 0;
	if (strcmp(path, "-") && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	fcvae_lines_fdopen(l, fd, path);
	return 0;
}

void fcvae_lines_close(fcvae_lines *l)
{
	if (l->fd > 0)
		close(l->fd);
	free(l->buf);
	l->buf = NULL;
	l->fd = -1;
}

/* Where a CSV record stands after a byte, read as csv_split() reads it:
 * at a field's start, in an unquoted field (or the text after a closing
 * quote), inside quotes, or just past a quote inside quotes (closing, or
 * the first of a doubled one). */
enum { CSV_FIELD, CSV_BARE, CSV_QUOTED, CSV_QUOTE };

/* Search on for the '\n' that ends the line (CSV: the record) at l->start:
 * 1 when found, at offset l->scanned from l->start, else 0 with l->scanned
 * at the end of what is buffered. The search resumes there after more input
 * (and after fcvae_lines_ready()), so each byte is looked at once. */
static int record_end(fcvae_lines *l)
{
	const char *s = l->buf + l->start;
	size_t n = l->end - l->start, i = l->scanned;
	if (!l->csv || l->skipping || l->plain) {
		const char *nl = memchr(s + i, '\n', n - i);
		l->scanned = nl ? (size_t)(nl - s) : n;
		return nl != NULL;
	}
	if (i < n && s[i] == '\n' && l->quote != CSV_QUOTED)
		return 1;  /* found already, by fcvae_lines_ready() */
	if (i == 0) {
		/* most records hold no quote: find their end at memchr's speed */
		const char *nl = memchr(s, '\n', n);
		if (nl && !memchr(s, '"', (size_t)(nl - s))) {
			l->scanned = (size_t)(nl - s);
			return 1;
		}
		/* take_line() drops a byte order mark, so a quote after it opens a field */
		if (l->lineno == 0 && !memcmp(s, "\xef\xbb\xbf", n < 3 ? n : 3)) {
			if (n < 3 && !l->eof)
				return 0;
			i = n < 3 ? 0 : 3;
		}
	}
	/* from quote to quote: only a quote can change how a newline counts */
	ptrdiff_t eol = -1;  /* the next '\n' at or after i (n: none), when eol >= i */
	while (i < n) {
		if (l->quote == CSV_QUOTED) {
			/* on to the closing quote, counting the newlines on the way */
			const char *q = memchr(s + i, '"', n - i), *stop = q ? q : s + n;
			for (const char *nl = s + i; (nl = memchr(nl, '\n', (size_t)(stop - nl))) != NULL; nl++)
				l->inner++;
			i = (size_t)(stop - s) + (q != NULL);
			if (q)
				l->quote = CSV_QUOTE;
			continue;
		}
		if (l->quote == CSV_QUOTE) {
			if (s[i] == '"') {  /* a doubled quote */
				l->quote = CSV_QUOTED;
				i++;
				continue;
			}
			l->quote = CSV_BARE;  /* closed: the text after it is kept as written */
		}
		if (eol < (ptrdiff_t)i) {
			const char *nl = memchr(s + i, '\n', n - i);
			eol = nl ? nl - s : (ptrdiff_t)n;
		}
		const char *q = memchr(s + i, '"', (size_t)eol - i);
		if (!q) {
			if ((size_t)eol < n) {
				l->scanned = (size_t)eol;
				return 1;
			}
			l->quote = s[n - 1] == ',' ? CSV_FIELD : CSV_BARE;
			break;
		}
		/* a quote opens a field only at its start */
		int opens = q == s + i ? l->quote == CSV_FIELD : q[-1] == ',';
		l->quote = opens ? CSV_QUOTED : CSV_BARE;
		i = (size_t)(q - s) + 1;
	}
	l->scanned = n;
	return 0;
}

static size_t max_line(const fcvae_lines *l)
{
	return l->max ? l->max : FCVAE_MAX_LINE;
}

int fcvae_lines_ready(fcvae_lines *l)
{
	/* a quote open past the limit ends the record without more input */
	return l->eof || record_end(l) || (l->inner && l->end - l->start > max_line(l));
}

/* Return the line or record at l->start that ends at offset at (its '\n',
 * or the end of input), holding l->inner newlines inside quotes, and move
 * on past it. */
static void take_line(fcvae_lines *l, size_t at)
{
	size_t len = at, max = max_line(l), used = at < l->end - l->start ? at + 1 : at;
	l->line = l->buf + l->start;
	l->toolong = l->skipping || len > max;
	/* a byte order mark (spreadsheet exports) is not part of the data */
	if (!l->toolong && l->lineno == 0 && len >= 3 && !memcmp(l->line, "\xef\xbb\xbf", 3)) {
		l->line += 3;
		len -= 3;
	}
	if (l->toolong)
		len = max;
	else if (len && l->line[len - 1] == '\r')
		len--;
	l->line[len] = '\0';
	l->len = len;
	l->lineno = l->lastno + 1;
	l->lastno = l->lineno + l->inner;
	l->skipping = 0;
	l->start += used;
	l->plain = l->plain > used ? l->plain - used : 0;
	l->scanned = l->inner = 0;
	l->quote = CSV_FIELD;
}

/* CSV: the record's quote is still open at offset upto (the end of input,
 * or past the limit): return its first line alone, and read the lines
 * before upto one by one, as the quote may be a stray one. */
static void take_first_line(fcvae_lines *l, size_t upto, int unclosed)
{
	size_t first = (size_t)((char *)memchr(l->buf + l->start, '\n', upto) - (l->buf + l->start));
	l->inner = 0;
	take_line(l, first);
	l->plain = upto - (first + 1);
	l->unclosed = unclosed && !l->toolong;
}

/* At the end of a followed file: 1 when the file is shorter than what was
 * read (cut, to be written again) or another file has taken its name
 * (renamed over it), and l is back at the start of the file under the
 * name; 0 when not (the rest is yet to come); -1 on an error. */
static int follow_start_over(fcvae_lines *l)
{
	struct stat st, named;
	off_t at = lseek(l->fd, 0, SEEK_CUR);
	if (fstat(l->fd, &st) < 0)
		return -1;
	if (stat(l->name, &named) == 0 && (named.st_dev != st.st_dev || named.st_ino != st.st_ino)) {
		int fd = open(l->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		int ok = dup3(fd, l->fd, O_CLOEXEC) >= 0;
		close(fd);
		if (!ok)
			return -1;
	} else if (at < 0 || st.st_size >= at) {  /* not cut */
		return 0;
	} else if (lseek(l->fd, 0, SEEK_SET) < 0) {
		return -1;
	}
	l->start = l->end = l->scanned = l->plain = l->inner = 0;
	l->lineno = l->lastno = 0;
	l->skipping = 0;
	l->quote = CSV_FIELD;
	return 1;
}

int fcvae_lines_read(fcvae_lines *l, int timeout_ms)
{
	size_t max = max_line(l);
	l->unclosed = 0;
	for (;;) {
		if (record_end(l)) {
			if (l->inner && l->scanned > max)
				take_first_line(l, l->scanned + 1, 1);
			else
				take_line(l, l->scanned);
			return 1;
		}
		if (l->eof) {
			if (l->start == l->end)
				return 0;
			/* at a stop, the rest of a line not yet ended may still be
			 * on its way: not a line to take, nor a bad one; said */
			if (l->stopped) {
				fcvae_warn("%s: stopped within line %zu: its %zu bytes read so far are not taken",
				           fcvae_path_said(l->name), l->lastno + 1, l->end - l->start);
				l->start = l->end;
				return 0;
			}
			if (l->inner && l->quote == CSV_QUOTED)
				take_first_line(l, l->end - l->start, 0);
			else
				take_line(l, l->end - l->start);
			return 1;
		}
		if (l->end - l->start > max) {
			if (l->inner) {
				take_first_line(l, l->end - l->start, 1);
				return 1;
			}
			/* a line past the limit: keep its first max bytes, drop the rest */
			l->end = l->start + max;
			l->scanned = max;
			l->skipping = 1;
			l->plain = 0;
		}
		/* make room: move the partial line to the front, grow if full */
		if (l->start > 0) {
			memmove(l->buf, l->buf + l->start, l->end - l->start);
			l->end -= l->start;
			l->start = 0;
		}
		if (l->end == l->cap) {
			l->cap *= 2;
			l->buf = fcvae_xrealloc(l->buf, l->cap + 1);
		}
		if (!l->follow && (timeout_ms >= 0 || fcvae_stop_fd >= 0)) {
			struct pollfd pfd[2] = { { .fd = l->fd, .events = POLLIN }, { .fd = fcvae_stop_fd, .events = POLLIN } };
			int rc = poll(pfd, fcvae_stop_fd >= 0 ? 2 : 1, timeout_ms);
			if (rc < 0 && errno != EINTR)
				return -1;
			/* a stop ends the input here: the lines already read
			 * are still returned */
			if (fcvae_stop_signal) {
				l->eof = l->stopped = 1;
				continue;
			}
			if (rc <= 0)
				return 2;
		}
		ssize_t n = read(l->fd, l->buf + l->end, l->cap - l->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0 && l->follow) {
			int cut = follow_start_over(l);
			if (cut <= 0)
				return cut;
			continue;
		}
		if (n == 0)
			l->eof = 1;
		l->end += (size_t)n;
	}
}

size_t fcvae_parse_max_line(const char *arg)
{
	return (size_t)fcvae_parse_long("--max-line", arg, 64, 1L << 40);
}

/* ---- bad input ---- */

/* Count a bad line under reason: how many of that reason so far, and its
 * slot in *at (0 and -1 when FCVAE_MAX_REASONS others came first: counted
 * in the total only, always said). */
static size_t count_reason(fcvae_rejects *r, const char *reason, int *at)
{
	r->total++;
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->reason[i], reason))
			return *at = i, ++r->count[i];
	*at = -1;
	if (r->n == FCVAE_MAX_REASONS)
		return 0;
	*at = r->n;
	r->reason[r->n] = reason;
	r->count[r->n++] = 1;
	return 1;
}

void fcvae_rejects_count(fcvae_rejects *r, const char *reason)
{
	int at;
	count_reason(r, reason, &at);
}

void fcvae_lines_where(const fcvae_lines *l, char *out, size_t size)
{
	const char *name = strcmp(l->name, "-") ? l->name : "input";
	if (l->lastno > l->lineno)
		snprintf(out, size, "%s lines %zu-%zu", name, l->lineno, l->lastno);
	else
		snprintf(out, size, "%s line %zu", name, l->lineno);
}

void fcvae_reject(fcvae_rejects *r, const fcvae_lines *l, const char *reason, const char *fmt, ...)
{
	int at;
	size_t nth = count_reason(r, reason, &at);
	/* past the cap, a stream that runs for weeks still says now and then
	 * (at 100, 1000, ... lines, and an hour after the last said) that the
	 * reason goes on */
	size_t p10 = 100;
	while (p10 < nth && p10 <= SIZE_MAX / 10)
		p10 *= 10;
	double now = at >= 0 ? fcvae_monotonic() : 0;
	if (nth > FCVAE_REJECTS_SAID + 1 && nth != p10 &&
	    !(at >= 0 && now - r->said_at[at] >= (r->notice_every > 0 ? r->notice_every : FCVAE_REJECTS_EVERY)))
		return;
	if (at >= 0)
		r->said_at[at] = now;
	char where[4200] = "";
	if (l)
		fcvae_lines_where(l, where, sizeof where);
	if (nth > FCVAE_REJECTS_SAID) { /* never under --strict: it stops at the first */
		fcvae_warn("%s%s\"%s\" again (%zu lines): further ones are counted, not printed "
		           "(their count comes at 100, 1000, ... lines, hourly, and at exit)",
		           where, *where ? ": " : "", reason, nth);
		return;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fcvae_warn("%s%s%s", where, *where ? ": " : "", msg);
}

int fcvae_reject_toolong(fcvae_rejects *r, const fcvae_lines *l)
{
	if (l->unclosed)
		fcvae_reject(r, l, "bad CSV", "unterminated quote within %zu bytes (see --max-line)", max_line(l));
	else if (l->toolong)
		fcvae_reject(r, l, "line too long", "longer than %zu bytes (see --max-line)", max_line(l));
	return l->unclosed || l->toolong;
}

void fcvae_rejects_format(const fcvae_rejects *r, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	if (!r->total)
		return;
	n += (size_t)snprintf(out, size, "%zu input line%s rejected:", r->total, r->total == 1 ? "" : "s");
	for (int i = 0; i < r->n && n < size; i++)
		n += (size_t)snprintf(out + n, size - n, "%s %zu %s", i ? "," : "", r->count[i], r->reason[i]);
}

/* ---- input records ---- */

int fcvae_input_is_output_name(const char *name, size_t len)
{
	static const char *const out[] = { "key", "ts", "value", "window", "missing", "label", "revised" };
	for (size_t i = 0; i < sizeof out / sizeof *out; i++)
		if (strlen(out[i]) == len && !memcmp(out[i], name, len))
			return 1;
	return 0;
}

void fcvae_input_init(fcvae_input_reader *r, const fcvae_input_opts *o)
{
	memset(r, 0, sizeof *r);
	r->o = *o;
	fcvae_json_parser_init(&r->env);
	fcvae_json_parser_init(&r->pay);
	/* Python's json.dumps writes NaN and Infinity bare: read them as the
	 * missing values they stand for rather than reject the line */
	r->pay.allow_nan = 1;
}

static void free_header(fcvae_input_reader *r)
{
	for (int i = 0; i < r->ncol; i++)
		free(r->col[i]);
	free(r->col);
	free(r->field);
	free(r->flen);
	free(r->fstart);
	free(r->key_col);
	free(r->pass);
	r->col = r->field = NULL;
	r->flen = r->fstart = NULL;
	r->key_col = NULL;
	r->pass = NULL;
	r->ncol = 0;
	r->have_header = 0;
}

void fcvae_input_free(fcvae_input_reader *r)
{
	fcvae_json_parser_free(&r->env);
	fcvae_json_parser_free(&r->pay);
	fcvae_buf_free(&r->key);
	fcvae_buf_free(&r->extra);
	fcvae_buf_free(&r->topic);
	fcvae_buf_free(&r->csv);
	free_header(r);
}

void fcvae_input_new_file(fcvae_input_reader *r)
{
	free_header(r);
}

__attribute__((format(printf, 4, 5)))
static int bad(const char **reason, const char *why, char *msg, const char *fmt, ...)
{
	va_list ap;
	*reason = why;
	va_start(ap, fmt);
	vsnprintf(msg, 256, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_missing_word(const char *s, size_t n)
{
	static const char *const w[] = { "", "NaN", "nan", "NAN", "inf", "-inf", "+inf", "Inf", "-Inf",
	                                 "Infinity", "-Infinity", "infinity", "-infinity", "null", "NA" };
	for (size_t i = 0; i < sizeof w / sizeof *w; i++)
		if (strlen(w[i]) == n && !memcmp(w[i], s, n))
			return 1;
	return 0;
}

static void trim_blanks(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* A number written as text (CSV fields, strings): JSON's grammar, plus a
 * leading '+' and surrounding blanks. 0 ok (*x infinite for a number beyond
 * a double), -1 not a number. */
static int text_number(const char *s, size_t n, double *x)
{
	trim_blanks(&s, &n);
	if (n && *s == '+') {
		s++, n--;
		if (n && *s == '-') /* "+-5" */
			return -1;
	}
	return fcvae_json_number_text(s, n, x) < 0 ? -1 : 0;
}

/* A value written as text (a CSV field, a JSON string): 0 with *x, NaN
 * for a missing point (a missing marker, or a number beyond a double: SPEC
 * §10), or -1 when it is not a number. */
static int value_text(const char *s, size_t n, double *x)
{
	*x = NAN;
	/* blanks around a marker as around a number (a CSV field is trimmed
	 * already; a JSON string is not) */
	trim_blanks(&s, &n);
	if (is_missing_word(s, n))
		return 0;
	if (text_number(s, n, x) < 0)
		return -1;
	if (!isfinite(*x))
		*x = NAN;
	return 0;
}

/* value: a number, or a number in a string as a CSV field writes it (labels
 * are read so too, and producers that keep decimals exact send strings:
 * Debezium's decimal.handling.mode=string, Python's str()); NaN, ±inf and a
 * number beyond a double (1e400) are missing points (NaN), as null and the
 * missing markers are (SPEC §10). */
static int get_value(const fcvae_json *v, const char *name, double *x, const char **reason, char *msg)
{
	*x = NAN;
	if (!v || v->type == FCVAE_JSON_NULL)
		return 0;
	if (v->type == FCVAE_JSON_NUMBER) {
		if (isfinite(v->num))
			*x = v->num;
		return 0;
	}
	if (v->type == FCVAE_JSON_STRING && value_text(v->str, v->slen, x) == 0)
		return 0;
	return bad(reason, "bad value", msg, "\"%s\" is not a number", name);
}

/* A label written as text (a CSV field, a JSON string): see fcvae_label_of.
 * Booleans in any case, as JSON, Python and spreadsheets write them. */
static int label_text(const char *s, size_t n)
{
	/* spaces around a word as around a number (a CSV field is trimmed
	 * already; a JSON string is not) */
	trim_blanks(&s, &n);
	if (n == 4 && !strncasecmp(s, "true", 4))
		return 1;
	if (n == 5 && !strncasecmp(s, "false", 5))
		return 0;
	if (is_missing_word(s, n))
		return FCVAE_LABEL_NONE;
	double x;
	if (text_number(s, n, &x) < 0)
		return FCVAE_LABEL_BAD;
	if (!isfinite(x)) /* beyond a double: no label, as a missing value */
		return FCVAE_LABEL_NONE;
	/* a label 2 or 0.5 is no anomaly flag: refused, not taken as anomalous */
	return x == 0 || x == 1 ? x == 1 : FCVAE_LABEL_BAD;
}

int fcvae_label_of(const fcvae_json *v)
{
	if (!v || v->type == FCVAE_JSON_NULL)
		return FCVAE_LABEL_NONE;
	if (v->type == FCVAE_JSON_TRUE || v->type == FCVAE_JSON_FALSE)
		return v->type == FCVAE_JSON_TRUE;
	if (v->type == FCVAE_JSON_NUMBER) /* NaN, Infinity or beyond a double: no label */
		return !isfinite(v->num) ? FCVAE_LABEL_NONE : v->num == 0 || v->num == 1 ? v->num == 1 : FCVAE_LABEL_BAD;
	if (v->type == FCVAE_JSON_STRING)
		return label_text(v->str, v->slen);
	return FCVAE_LABEL_BAD;
}

/* label: like the value, NaN and the other missing markers are no label
 * (a record is not lost for its label's sake) */
static int set_label(int label, const char *name, fcvae_input *in, const char **reason, char *msg)
{
	if (label == FCVAE_LABEL_BAD)
		return bad(reason, "bad label", msg, FCVAE_LABEL_BAD_MSG, name);
	in->has_label = label != FCVAE_LABEL_NONE;
	in->label = label == 1;
	return 0;
}

int fcvae_time_in_range(double t)
{
	return t >= -62167219200.0 && t < 253402300800.0;
}

/* hint: the envelope of kcat -J read as a record, whose own "ts" is
 * Kafka's, in milliseconds, and whose record is its payload */
static int get_ts(const fcvae_json *v, const char *name, const char *hint, double *t, const char **reason, char *msg)
{
	if (v->type == FCVAE_JSON_NUMBER && fcvae_time_in_range(v->num)) {
		*t = v->num;
		return 0;
	}
	if (v->type == FCVAE_JSON_STRING && fcvae_time_parse(v->str, v->slen, t) == 0 && fcvae_time_in_range(*t))
		return 0;
	if (!hint[0] && v->type == FCVAE_JSON_NUMBER && fcvae_time_in_range(v->num / 1000))
		hint = " (milliseconds? epoch seconds are read)";
	return bad(reason, "bad ts", msg, "\"%s\" is not a timestamp%s", name, hint);
}

static int field_is(const char *name, size_t len, const char *f)
{
	return f && strlen(f) == len && !memcmp(name, f, len);
}

/* What a kcat message's record carries of where it came from. */
static const char *const kafka_meta[] = { "topic", "partition", "offset" };

/* Is a field of this name consumed (ts, value, label, key parts), or named
 * like one the output writes itself (with kcat the message's own too)? */
static int consumed(const fcvae_input_reader *r, const char *name, size_t len, int kcat)
{
	if (field_is(name, len, r->o.ts_field) || field_is(name, len, r->o.value_field) ||
	    field_is(name, len, r->o.label_field))
		return 1;
	for (int i = 0; i < r->o.n_key; i++)
		if (field_is(name, len, r->o.key_fields[i]))
			return 1;
	for (size_t i = 0; kcat && i < sizeof kafka_meta / sizeof *kafka_meta; i++)
		if (field_is(name, len, kafka_meta[i]))
			return 1;
	return fcvae_input_is_output_name(name, len);
}

/* The record as a JSON object (NDJSON line or kcat payload). env is the
 * kcat envelope or NULL. */
static int from_object(fcvae_input_reader *r, const fcvae_json *o, const fcvae_json *env, fcvae_input *in,
                       const char **reason, char *msg)
{
	const fcvae_input_opts *op = &r->o;
	if (o->type != FCVAE_JSON_OBJECT)
		return bad(reason, "not an object", msg, "not a JSON object");

	/* key: the key fields, else the Kafka message key, else the default */
	fcvae_buf_clear(&r->key);
	int missing = -1;
	for (int i = 0; i < op->n_key; i++) {
		const fcvae_json *k = fcvae_json_get(o, op->key_fields[i]);
		if (!k || k->type == FCVAE_JSON_NULL) { /* Python's None: no key, as if absent */
			missing = i;
			break;
		}
		if (i)
			fcvae_buf_addc(&r->key, '/');
		if (k->type == FCVAE_JSON_STRING)
			fcvae_buf_add(&r->key, k->str, k->slen);
		else if (k->type == FCVAE_JSON_NUMBER)
			fcvae_buf_add(&r->key, k->src, k->len);
		else
			return bad(reason, "bad key", msg, "\"%s\" is not a string or number", op->key_fields[i]);
	}
	if (missing >= 0) {
		const fcvae_json *ek = env ? fcvae_json_get(env, "key") : NULL;
		fcvae_buf_clear(&r->key);
		if (ek && ek->type == FCVAE_JSON_STRING && ek->slen)
			fcvae_buf_add(&r->key, ek->str, ek->slen);
		else if (op->default_key)
			fcvae_buf_adds(&r->key, op->default_key);
		else
			return bad(reason, "no key", msg, "no \"%s\" field", op->key_fields[missing]);
	}
	in->key = r->key.p ? r->key.p : "";
	in->keylen = r->key.len;

	const fcvae_json *t = fcvae_json_get(o, op->ts_field);
	if (t) {
		int envelope = !env && !r->no_option_hints && fcvae_json_get(o, "payload") && fcvae_json_get(o, "offset");
		if (get_ts(t, op->ts_field, envelope ? " (a kcat -J envelope? see --kcat)" : "", &in->ts, reason, msg) < 0)
			return -1;
	} else if (env && op->kafka_time) {
		const fcvae_json *et = fcvae_json_get(env, "ts");
		if (!et || et->type != FCVAE_JSON_NUMBER || !isfinite(et->num) || et->num < 0)
			return bad(reason, "bad ts", msg, "no \"%s\" field and no Kafka timestamp", op->ts_field);
		in->ts = et->num / 1000;
		if (!fcvae_time_in_range(in->ts))
			/* %.15g: a millisecond time exact, 1e300 not 301 digits that cut off the message */
			return bad(reason, "bad ts", msg, "Kafka timestamp %.15g ms is out of range (years 0 to 9999)", et->num);
	} else
		/* --kafka-time only with --kcat: a hint at it elsewhere would be refused */
		return bad(reason, "no ts", msg, "no \"%s\" field%s", op->ts_field,
		           r->no_option_hints ? "" : env ? " (see --ts, or --kafka-time)" : " (see --ts)");

	const fcvae_json *v = fcvae_json_get(o, op->value_field);
	in->has_value = v != NULL;
	if (get_value(v, op->value_field, &in->value, reason, msg) < 0)
		return -1;
	if (set_label(fcvae_label_of(fcvae_json_get(o, op->label_field)), op->label_field, in, reason, msg) < 0)
		return -1;

	fcvae_buf_clear(&r->extra);
	for (const fcvae_json *m = fcvae_json_first(o); m; m = fcvae_json_next(m)) {
		if (consumed(r, m->key, m->keylen, env != NULL))
			continue;
		fcvae_buf_addc(&r->extra, ',');
		fcvae_buf_add(&r->extra, m->keysrc, m->keysrclen);
		fcvae_buf_addc(&r->extra, ':');
		fcvae_json_add_source(&r->extra, m);
	}
	return 0;
}

/* kcat -J: {"topic":..,"partition":..,"offset":..,"ts":..,"key":..,"payload":"<json>"} */
static int from_envelope(fcvae_input_reader *r, const fcvae_json *env, fcvae_input *in, const char **reason, char *msg)
{
	const fcvae_json *pl = fcvae_json_get(env, "payload");
	const fcvae_json *tp = fcvae_json_get(env, "topic");
	const fcvae_json *pa = fcvae_json_get(env, "partition");
	const fcvae_json *of = fcvae_json_get(env, "offset");
	if (env->type != FCVAE_JSON_OBJECT || !pl || !tp || tp->type != FCVAE_JSON_STRING || !pa ||
	    pa->type != FCVAE_JSON_NUMBER || !of || of->type != FCVAE_JSON_NUMBER)
		return bad(reason, "bad envelope", msg, "not a kcat -J envelope (topic, partition, offset, payload)");
	if (pl->type != FCVAE_JSON_STRING)
		return bad(reason, "bad envelope", msg, "kcat payload is not a string");
	if (!(pa->flags & FCVAE_JSON_INTEGER) || !(of->flags & FCVAE_JSON_INTEGER) || !(pa->num >= 0 && pa->num < 0x1p31) ||
	    !(of->num >= 0 && of->num < 0x1p63))
		return bad(reason, "bad envelope", msg, "kcat partition or offset is not a whole number in range");
	/* known before the payload is read: a bad one's offset is processed too */
	fcvae_buf_clear(&r->topic);
	fcvae_buf_add(&r->topic, tp->str, tp->slen);
	in->topic = r->topic.p;
	in->topiclen = r->topic.len;
	in->partition = (int64_t)pa->num;
	in->offset = (int64_t)of->num;
	const fcvae_json *o = fcvae_json_parse(&r->pay, pl->str, pl->slen);
	if (!o)
		return bad(reason, "not JSON", msg, "kcat payload is not JSON: %s", r->pay.err);
	if (from_object(r, o, env, in, reason, msg) < 0)
		return -1;
	/* where the record came from travels with it (a payload's fields so
	 * named were dropped: they would say another message) */
	const fcvae_json *mv[] = { tp, pa, of };
	for (int i = 0; i < 3; i++)
		fcvae_buf_printf(&r->extra, ",\"%s\":%.*s", kafka_meta[i], (int)mv[i]->len, mv[i]->src);
	return 0;
}

/* Split a CSV line (RFC 4180 quoting) into r->field/flen, decoded into r->csv.
 * Returns the number of fields, or -1 for an unterminated quote. */
static int csv_split(fcvae_input_reader *r, const char *s, size_t n, int max)
{
	size_t i = 0;
	int nf = 0;
	fcvae_buf_clear(&r->csv);
	fcvae_buf_reserve(&r->csv, n + (size_t)max + 1);
	size_t *start = r->fstart;
	for (;;) {
		size_t begin = r->csv.len;
		if (i < n && s[i] == '"') {
			i++;
			for (;;) {
				if (i >= n)
					return -1;
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						r->csv.p[r->csv.len++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				r->csv.p[r->csv.len++] = s[i++];
			}
			/* text after the closing quote is kept as written */
			while (i < n && s[i] != ',')
				r->csv.p[r->csv.len++] = s[i++];
		} else {
			while (i < n && s[i] != ',')
				r->csv.p[r->csv.len++] = s[i++];
		}
		if (nf < max) {
			start[nf] = begin;
			r->flen[nf] = r->csv.len - begin;
		}
		r->csv.p[r->csv.len++] = '\0';
		nf++;
		if (i >= n)
			break;
		i++;  /* the comma */
	}
	for (int k = 0; k < nf && k < max; k++)
		r->field[k] = r->csv.p + start[k];
	return nf;
}

static int csv_col(const fcvae_input_reader *r, const char *name)
{
	for (int i = 0; i < r->ncol; i++)
		if (!strcmp(r->col[i], name))
			return i;
	return -1;
}

/* Field i without the blanks around it. */
static void csv_field(const fcvae_input_reader *r, int i, const char **f, size_t *n)
{
	*f = r->field[i];
	*n = r->flen[i];
	while (*n && (**f == ' ' || **f == '\t'))
		(*f)++, (*n)--;
	while (*n && ((*f)[*n - 1] == ' ' || (*f)[*n - 1] == '\t'))
		(*n)--;
}

static int csv_header(fcvae_input_reader *r, const char *line, size_t len, const char **reason, char *msg)
{
	const fcvae_input_opts *op = &r->o;
	int cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += line[i] == ',';
	r->field = fcvae_xmalloc((size_t)cap * sizeof *r->field);
	r->flen = fcvae_xmalloc((size_t)cap * sizeof *r->flen);
	r->fstart = fcvae_xmalloc((size_t)cap * sizeof *r->fstart);
	r->key_col = fcvae_xmalloc((size_t)op->n_key * sizeof *r->key_col);
	int nf = csv_split(r, line, len, cap);
	if (nf < 0)
		return bad(reason, "bad CSV", msg, "unterminated quote in the CSV header");
	if (!fcvae_utf8_valid(line, len))
		return bad(reason, "bad CSV", msg, "invalid UTF-8 in the CSV header");
	r->ncol = nf;
	r->col = fcvae_xmalloc((size_t)nf * sizeof *r->col);
	r->pass = fcvae_xmalloc((size_t)nf);
	for (int i = 0; i < nf; i++) {
		/* "timestamp, value": the blanks are not part of the names */
		const char *name;
		size_t n;
		csv_field(r, i, &name, &n);
		r->col[i] = fcvae_xmalloc(n + 1);
		memcpy(r->col[i], name, n);
		r->col[i][n] = '\0';
		r->pass[i] = !consumed(r, r->col[i], strlen(r->col[i]), 0);
	}
	r->have_header = 1;
	/* the roles of the columns, found once per file */
	r->ts_col = csv_col(r, op->ts_field);
	r->value_col = csv_col(r, op->value_field);
	r->label_col = csv_col(r, op->label_field);
	int all_keys = 1;
	for (int i = 0; i < op->n_key; i++)
		all_keys &= (r->key_col[i] = csv_col(r, op->key_fields[i])) >= 0;
	int hints = !r->no_option_hints;
	if (r->ts_col < 0)
		return bad(reason, "bad CSV", msg, "no \"%s\" column in the CSV header%s", op->ts_field,
		           hints ? " (see --ts)" : "");
	if (r->value_col < 0 && op->need_value)
		return bad(reason, "bad CSV", msg, "no \"%s\" column in the CSV header%s", op->value_field,
		           hints ? " (see --value, or --agg count)" : "");
	if (!all_keys && !op->default_key)
		for (int i = 0; i < op->n_key; i++)
			if (r->key_col[i] < 0)
				return bad(reason, "bad CSV", msg, "no \"%s\" column in the CSV header%s", op->key_fields[i],
				           hints ? " (see --key, --default-key)" : "");
	if (!all_keys)
		r->key_col[0] = -1;  /* every record takes the default key */
	return 0;
}

static int from_csv(fcvae_input_reader *r, const char *line, size_t len, fcvae_input *in, const char **reason, char *msg)
{
	const fcvae_input_opts *op = &r->o;
	if (!r->have_header)
		return csv_header(r, line, len, reason, msg);
	int nf = csv_split(r, line, len, r->ncol);
	if (nf < 0)
		return bad(reason, "bad CSV", msg, "unterminated quote");
	if (nf != r->ncol)
		return bad(reason, "bad CSV", msg, "%d field%s, the header has %d", nf, nf == 1 ? "" : "s", r->ncol);
	if (!fcvae_utf8_valid(line, len))
		return bad(reason, "bad CSV", msg, "invalid UTF-8");

	/* "ts, key, value" exports: blanks around the fields that have a role
	 * are not part of them, as with the header's names */
	const char *f;
	size_t n;
	fcvae_buf_clear(&r->key);
	if (r->key_col[0] < 0)
		fcvae_buf_adds(&r->key, op->default_key);
	else
		for (int i = 0; i < op->n_key; i++) {
			if (i)
				fcvae_buf_addc(&r->key, '/');
			csv_field(r, r->key_col[i], &f, &n);
			fcvae_buf_add(&r->key, f, n);
		}
	in->key = r->key.p ? r->key.p : "";
	in->keylen = r->key.len;

	csv_field(r, r->ts_col, &f, &n);
	if (fcvae_time_parse(f, n, &in->ts) < 0 || !(r->any_epoch || fcvae_time_in_range(in->ts)))
		return bad(reason, "bad ts", msg, "\"%s\" is not a timestamp", op->ts_field);

	int c = r->value_col;
	in->has_value = c >= 0;
	in->value = NAN;
	if (c >= 0) {
		csv_field(r, c, &f, &n);
		if (value_text(f, n, &in->value) < 0)
			return bad(reason, "bad value", msg, "\"%s\" is not a number", op->value_field);
	}

	c = r->label_col;
	if (c >= 0)
		csv_field(r, c, &f, &n);
	if (set_label(c >= 0 ? label_text(f, n) : FCVAE_LABEL_NONE, op->label_field, in, reason, msg) < 0)
		return -1;

	/* other columns: numbers (as written, JSON's grammar) as numbers, the rest as strings */
	fcvae_buf_clear(&r->extra);
	for (int i = 0; i < r->ncol; i++) {
		double x;
		if (!r->pass[i])
			continue;
		fcvae_buf_addc(&r->extra, ',');
		fcvae_json_add_cstring(&r->extra, r->col[i]);
		fcvae_buf_addc(&r->extra, ':');
		if (r->flen[i] && fcvae_json_number_text(r->field[i], r->flen[i], &x) == 0 && isfinite(x))
			fcvae_buf_add(&r->extra, r->field[i], r->flen[i]);
		else
			fcvae_json_add_string(&r->extra, r->field[i], r->flen[i]);
	}
	return 0;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int fcvae_lines_blank(const fcvae_lines *l)
{
	return !l->toolong && blank(l->line, l->len);
}

int fcvae_looks_csv(const char *line, size_t len)
{
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	return len && *line != '{' && *line != '[' && memchr(line, ',', len);
}

int fcvae_input_parse(fcvae_input_reader *r, const char *line, size_t len, fcvae_input *in,
                      const char **reason, char *msg, size_t msgsize)
{
	char m[256];
	int rc;
	memset(in, 0, sizeof *in);
	in->partition = in->offset = -1;
	if (blank(line, len))
		return 0;
	int header = r->o.format == FCVAE_INPUT_CSV && !r->have_header;
	if (r->o.format == FCVAE_INPUT_CSV) {
		rc = from_csv(r, line, len, in, reason, m);
	} else {
		fcvae_json_parser *p = r->o.format == FCVAE_INPUT_KCAT ? &r->env : &r->pay;
		const fcvae_json *o = fcvae_json_parse(p, line, len);
		if (!o)
			rc = bad(reason, "not JSON", m, "not JSON: %s%s", p->err,
			         r->o.format == FCVAE_INPUT_NDJSON && fcvae_looks_csv(line, len) ? " (CSV? see --csv)" : "");
		else if (r->o.format == FCVAE_INPUT_KCAT)
			rc = from_envelope(r, o, in, reason, m);
		else
			rc = from_object(r, o, NULL, in, reason, m);
	}
	if (rc < 0) {
		snprintf(msg, msgsize, "%s", m);
		return header ? -2 : -1;
	}
	if (header)
		return 0;
	in->extra = r->extra.p ? r->extra.p : "";
	in->extralen = r->extra.len;
	return 1;
}
