/* test-record.c — line reader, reject counting, NDJSON/CSV/kcat input records. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "unit.h"
#include "util.h"

static fcvae_input_reader rd;
static fcvae_input in;
static const char *reason;
static char msg[256];

static int parse(const char *line)
{
	reason = "";
	msg[0] = '\0';
	return fcvae_input_parse(&rd, line, strlen(line), &in, &reason, msg, sizeof msg);
}

/* Says what it got when it differs: a CHECK's message cannot show in.extra,
 * as its arguments may be read before the parse in its condition. */
static int extra_is(const char *want)
{
	int same = in.extralen == strlen(want) && !memcmp(in.extra, want, in.extralen);
	if (!same)
		printf("# extra: %.*s\n# want:  %s\n", (int)in.extralen, in.extra, want);
	return same;
}

static void rejected(const char *line, const char *why, const char *want)
{
	int rc = parse(line);
	CHECK(rc == -1 && !strcmp(reason, why) && !strcmp(msg, want), "reject %.30s: %s: %s", line, reason, msg);
}

/* A file holding text, opened as CSV input (l->csv) with --max-line max. */
static void open_csv(fcvae_lines *l, const char *text, size_t max)
{
	char path[] = "/tmp/test-record.XXXXXX";
	int fd = mkstemp(path);
	size_t n = strlen(text);
	CHECK(fd >= 0 && write(fd, text, n) == (ssize_t)n, "CSV test file written");
	close(fd);
	CHECK(fcvae_lines_open(l, path) == 0, "open");
	unlink(path);
	l->csv = 1;
	l->max = max;
}

/* The next read is a record of this text on lines first to last. */
static int next_is(fcvae_lines *l, const char *want, size_t first, size_t last)
{
	return fcvae_lines_read(l, -1) == 1 && l->len == strlen(want) && !strcmp(l->line, want) && l->lineno == first &&
	       l->lastno == last && !l->toolong && !l->unclosed;
}

/* stderr into a new temporary file while f runs: its descriptor, at its start. */
static int capture_stderr(void (*f)(void))
{
	char path[] = "/tmp/test-record.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	f();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void reject_many(void)
{
	fcvae_rejects r = { 0 };
	fcvae_lines l = { .name = "in" };
	for (l.lineno = l.lastno = 1; l.lineno <= 25; l.lineno++, l.lastno++)
		fcvae_reject(&r, &l, l.lineno % 5 ? "bad ts" : "bad key", "line %zu is bad", l.lineno);
	char sum[256];
	fcvae_rejects_format(&r, sum, sizeof sum);
	fcvae_warn("%s", sum);
}

/* 1000 lines of one reason: 10 said, then the 11th, 100th and 1000th */
static void reject_flood(void)
{
	fcvae_rejects r = { 0 };
	fcvae_lines l = { .name = "in" };
	for (l.lineno = l.lastno = 1; l.lineno <= 1000; l.lineno++, l.lastno++)
		fcvae_reject(&r, &l, "bad ts", "line %zu is bad", l.lineno);
}

/* Past the cap, the first line of a reason an hour after the last said is
 * said too (here the hour is a nanosecond: every line). */
static void reject_timed(void)
{
	fcvae_rejects r = { .notice_every = 1e-9 };
	fcvae_lines l = { .name = "in" };
	for (l.lineno = l.lastno = 1; l.lineno <= 20; l.lineno++, l.lastno++) {
		struct timespec ns = { 0, 1000 };
		nanosleep(&ns, NULL);
		fcvae_reject(&r, &l, "bad ts", "line %zu is bad", l.lineno);
	}
}

/* Three processes' messages to one stderr, as a pipeline's programs share
 * it: a message written in parts got another's in its middle. */
static void warn_together(void)
{
	for (int c = 0; c < 3; c++)
		if (fork() == 0) {
			for (int i = 0; i < 4000; i++)
				fcvae_warn("process %d message %d: %s", c, i, "a line long enough to be cut if it went out in parts");
			_exit(0);
		}
	for (int c = 0; c < 3; c++)
		wait(NULL);
}

/* fcvae_label_of on the value json (a JSON text, NULL: the field absent),
 * read as fcvae-eval reads scored records (bare NaN allowed) */
static int label_of(const char *json)
{
	static fcvae_json_parser p;
	static int ready;
	char text[128];
	if (!ready) {
		fcvae_json_parser_init(&p);
		p.allow_nan = 1;
		ready = 1;
	}
	snprintf(text, sizeof text, json ? "{\"label\":%s}" : "{}", json);
	const fcvae_json *r = fcvae_json_parse(&p, text, strlen(text));
	return r ? fcvae_label_of(fcvae_json_get(r, "label")) : 99;
}

int main(void)
{
	/* lines: a long one, CRLF, a blank one, a last line without newline */
	char path[] = "/tmp/test-record.XXXXXX";
	int fd = mkstemp(path);
	size_t big = 3u << 20;
	char *long_line = malloc(big);
	memset(long_line, 'y', big);
	CHECK(write(fd, "\xef\xbb\xbf" "first\r\n", 10) == 10 && write(fd, long_line, big) == (ssize_t)big &&
	      write(fd, "\n\nlast", 6) == 6, "test file written");
	close(fd);
	fcvae_lines l;
	CHECK(fcvae_lines_open(&l, path) == 0, "open");
	CHECK(fcvae_lines_read(&l, -1) == 1 && l.len == 5 && !strcmp(l.line, "first") && l.lineno == 1, "byte order mark and CRLF stripped");
	CHECK(fcvae_lines_read(&l, -1) == 1 && l.len == big && l.line[big - 1] == 'y' && l.line[big] == 0 && l.lineno == 2,
	      "3 MB line whole");
	CHECK(fcvae_lines_read(&l, 0) == 1 && l.len == 0 && l.lineno == 3, "blank line");
	CHECK(fcvae_lines_read(&l, -1) == 1 && !strcmp(l.line, "last") && l.lineno == 4, "last line without newline");
	CHECK(fcvae_lines_read(&l, -1) == 0 && fcvae_lines_read(&l, -1) == 0, "end of input stays");
	fcvae_lines_close(&l);
	unlink(path);
	free(long_line);
	CHECK(fcvae_lines_open(&l, "/nonexistent/file") == -1, "missing file fails");

	/* a pipe with nothing in it times out */
	int pfd[2];
	CHECK(pipe(pfd) == 0, "pipe");
	l.name = "-";
	fcvae_lines_open(&l, "-");
	l.fd = pfd[0];
	CHECK(write(pfd[1], "par", 3) == 3, "partial line written");
	CHECK(fcvae_lines_read(&l, 20) == 2 && !fcvae_lines_ready(&l), "partial line: timeout");
	CHECK(write(pfd[1], "tial\nnext\n", 10) == 10, "rest written");
	CHECK(fcvae_lines_read(&l, 20) == 1 && !strcmp(l.line, "partial") && fcvae_lines_ready(&l), "line completed");
	close(pfd[1]);
	CHECK(fcvae_lines_read(&l, 20) == 1 && !strcmp(l.line, "next"), "next line");
	CHECK(fcvae_lines_read(&l, 20) == 0, "end");
	close(pfd[0]);
	l.fd = -1;
	fcvae_lines_close(&l);

	/* a followed file (--sent's): a line is taken once its newline has
	 * come, reads go on as the file grows, a line past the limit is cut
	 * once ended, and a file cut shorter is read again from its start */
	char fpath[] = "/tmp/test-record.XXXXXX";
	int wfd = mkstemp(fpath);
	char zs[100];
	memset(zs, 'z', sizeof zs);
	CHECK(write(wfd, "one\ntw", 6) == 6, "followed file written");
	CHECK(fcvae_lines_open(&l, fpath) == 0, "open");
	l.follow = 1;
	l.max = 64;
	CHECK(next_is(&l, "one", 1, 1), "follow: a line");
	CHECK(fcvae_lines_read(&l, -1) == 0 && fcvae_lines_read(&l, -1) == 0, "follow: a line not ended is not taken");
	CHECK(write(wfd, "o\nthree", 7) == 7, "file grown");
	CHECK(next_is(&l, "two", 2, 2) && fcvae_lines_read(&l, -1) == 0, "follow: read on, the line ended");
	CHECK(write(wfd, "\n", 1) == 1 && write(wfd, zs, sizeof zs) == sizeof zs, "a long line begun");
	CHECK(next_is(&l, "three", 3, 3) && fcvae_lines_read(&l, -1) == 0 && l.skipping,
	      "follow: a line past the limit, not ended: not taken, known too long");
	CHECK(write(wfd, zs, sizeof zs) == sizeof zs && write(wfd, "\nfour\n", 6) == 6, "the long line ended");
	CHECK(fcvae_lines_read(&l, -1) == 1 && l.toolong && l.len == 64 && l.lineno == 4, "follow: the long line, cut");
	CHECK(next_is(&l, "four", 5, 5) && fcvae_lines_read(&l, -1) == 0, "follow: then the next");
	CHECK(ftruncate(wfd, 0) == 0 && lseek(wfd, 0, SEEK_SET) == 0 && write(wfd, "new\npart", 8) == 8,
	      "file cut shorter, written again");
	CHECK(next_is(&l, "new", 1, 1) && fcvae_lines_read(&l, -1) == 0, "follow: a file cut shorter is read from its start");
	CHECK(write(wfd, "ial\n", 4) == 4 && next_is(&l, "partial", 2, 2), "follow: and read on");
	/* another file renamed over the name: read from its start once the old
	 * one's end is reached (what it got till then is read first) */
	char npath[] = "/tmp/test-record.XXXXXX";
	int nfd = mkstemp(npath);
	CHECK(write(nfd, "renamed\n", 8) == 8 && rename(npath, fpath) == 0 && write(wfd, "old\n", 4) == 4,
	      "another file renamed over it");
	CHECK(next_is(&l, "old", 3, 3) && next_is(&l, "renamed", 1, 1) && fcvae_lines_read(&l, -1) == 0,
	      "follow: a file renamed over it is read from its start, after the old one's end");
	CHECK(write(wfd, "gone\n", 5) == 5 && write(nfd, "more\n", 5) == 5 && next_is(&l, "more", 2, 2) &&
	      fcvae_lines_read(&l, -1) == 0, "follow: and read on, the old one no longer");
	close(nfd);
	close(wfd);
	unlink(fpath);
	fcvae_lines_close(&l);

	/* CSV records over several lines: the quote after a byte order mark
	 * opens a field; CRLF inside quotes is the field's; a quote still open
	 * at the end of input costs its first line only */
	open_csv(&l, "\xef\xbb\xbf\"ts\",\"no\nte\"\n1,\"a\r\nb \"\"c\"\"\"\r\n2,x\"y\n3,\"stray\n4,y\n", 0);
	CHECK(next_is(&l, "\"ts\",\"no\nte\"", 1, 2), "header over 2 lines");
	CHECK(next_is(&l, "1,\"a\r\nb \"\"c\"\"\"", 3, 4), "record over 2 lines, CRLF kept inside, stripped at the end");
	CHECK(next_is(&l, "2,x\"y", 5, 5), "a quote inside an unquoted field is text");
	CHECK(next_is(&l, "3,\"stray", 6, 6), "quote open at the end of input: its first line alone");
	CHECK(next_is(&l, "4,y", 7, 7), "then the next line");
	CHECK(fcvae_lines_read(&l, -1) == 0, "end");
	fcvae_lines_close(&l);

	/* over --max-line with the quote still open: the first line is
	 * unclosed, the lines the quote took come back one by one, then
	 * records run over lines again */
	open_csv(&l, "1,\"x\n"
	             "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n"
	             "\"q\n"
	             "2,\"o\nk\"\n", 64);
	CHECK(fcvae_lines_read(&l, -1) == 1 && !strcmp(l.line, "1,\"x") && l.unclosed && !l.toolong && l.lineno == 1 &&
	      l.lastno == 1, "quote not closed within 64 bytes: first line, unclosed");
	CHECK(fcvae_lines_read(&l, -1) == 1 && l.toolong && !l.unclosed && l.len == 64 && l.lineno == 2, "a long line in it: too long");
	CHECK(next_is(&l, "\"q", 3, 3), "lines the quote took: one by one, a quote opened there too");
	CHECK(next_is(&l, "2,\"o\nk\"", 4, 5), "then records over lines again");
	CHECK(fcvae_lines_read(&l, -1) == 0, "end");
	fcvae_lines_close(&l);

	/* from a pipe: a record is ready only once its quote is closed, or
	 * once it is open past the limit */
	CHECK(pipe(pfd) == 0, "pipe");
	fcvae_lines_open(&l, "-");
	l.fd = pfd[0];
	l.csv = 1;
	l.max = 64;
	CHECK(write(pfd[1], "1,\"a\nb", 6) == 6, "open record written");
	CHECK(fcvae_lines_read(&l, 20) == 2 && !fcvae_lines_ready(&l), "open quote: not ready, timeout");
	char more[85] = "\"\n2,\"\n";
	memset(more + 6, 'y', sizeof more - 6);
	CHECK(write(pfd[1], more, sizeof more) == sizeof more, "quote closed, the next one open past the limit");
	CHECK(fcvae_lines_read(&l, 20) == 1 && !strcmp(l.line, "1,\"a\nb\"") && l.lineno == 1 && l.lastno == 2, "record read");
	CHECK(fcvae_lines_ready(&l), "open past the limit: ready without more input");
	CHECK(fcvae_lines_read(&l, 20) == 1 && !strcmp(l.line, "2,\"") && l.unclosed && l.lineno == 3 && !fcvae_lines_ready(&l),
	      "unclosed at the limit");
	CHECK(write(pfd[1], "\"\n3,x\n", 6) == 6, "rest written");
	close(pfd[1]);
	CHECK(fcvae_lines_read(&l, 20) == 1 && l.toolong && l.lineno == 4, "the long line");
	CHECK(next_is(&l, "3,x", 5, 5), "next record");
	CHECK(fcvae_lines_read(&l, 20) == 0, "end");
	close(pfd[0]);
	l.fd = -1;
	fcvae_lines_close(&l);

	/* reject counting */
	fcvae_rejects rej = { 0 };
	char sum[256];
	fcvae_rejects_count(&rej, "bad ts");
	fcvae_rejects_count(&rej, "not JSON");
	fcvae_rejects_count(&rej, "bad ts");
	fcvae_rejects_format(&rej, sum, sizeof sum);
	CHECK(!strcmp(sum, "3 input lines rejected: 2 bad ts, 1 not JSON"), "summary: %s", sum);

	/* the first FCVAE_REJECTS_SAID lines of a reason are said, then that
	 * the rest are counted only; the summary has every line */
	char *argv[] = {"p", NULL};
	fcvae_start(argv);
	fd = capture_stderr(reject_many);
	char got[4096];
	ssize_t got_n = read(fd, got, sizeof got - 1);
	close(fd);
	got[got_n > 0 ? got_n : 0] = 0;
	const char *want =
		"p: in line 1: line 1 is bad\np: in line 2: line 2 is bad\np: in line 3: line 3 is bad\n"
		"p: in line 4: line 4 is bad\np: in line 5: line 5 is bad\np: in line 6: line 6 is bad\n"
		"p: in line 7: line 7 is bad\np: in line 8: line 8 is bad\np: in line 9: line 9 is bad\n"
		"p: in line 10: line 10 is bad\np: in line 11: line 11 is bad\np: in line 12: line 12 is bad\n"
		"p: in line 13: \"bad ts\" again (11 lines): further ones are counted, not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)\n"
		"p: in line 15: line 15 is bad\np: in line 20: line 20 is bad\np: in line 25: line 25 is bad\n"
		"p: 25 input lines rejected: 20 bad ts, 5 bad key\n";
	if (strcmp(got, want))
		printf("# got:\n%s", got);
	CHECK(!strcmp(got, want), "flood cap: 10 \"bad ts\" lines said, the 11th says the rest are counted; "
	      "every \"bad key\" said; all in the summary");

	fd = capture_stderr(reject_flood);
	FILE *fl = fdopen(fd, "r");
	char fline[512], last[512] = "";
	int flines = 0;
	while (fgets(fline, sizeof fline, fl))
		flines++, strcpy(last, fline);
	fclose(fl);
	CHECK(flines == 13 && !strcmp(last, "p: in line 1000: \"bad ts\" again (1000 lines): further ones are counted, "
	                                     "not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)\n"),
	      "flood of 1000: said 10 times, then at 11, 100 and 1000 lines (%d lines, last %s)", flines, last);

	fd = capture_stderr(reject_timed);
	fl = fdopen(fd, "r");
	flines = 0;
	while (fgets(fline, sizeof fline, fl))
		flines++, strcpy(last, fline);
	fclose(fl);
	CHECK(flines == 20 && !strcmp(last, "p: in line 20: \"bad ts\" again (20 lines): further ones are counted, "
	                                     "not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)\n"),
	      "past the cap, a line an hour (here a nanosecond) after the last said is said (%d lines, last %s)",
	      flines, last);

	/* each message in one write, whoever else writes to the same stderr */
	fd = capture_stderr(warn_together);
	FILE *err = fdopen(fd, "r");
	char line[512];
	int lines = 0, whole = 0;
	while (fgets(line, sizeof line, err)) {
		int c, i, end = 0;
		lines++;
		whole += sscanf(line, "p: process %d message %d: a line long enough to be cut if it went out in parts\n%n",
		                &c, &i, &end) == 2 && end == (int)strlen(line);
	}
	fclose(err);
	CHECK(lines == 12000 && whole == lines, "3 processes' messages to one stderr: %d lines, %d whole", lines, whole);

	/* NDJSON */
	const char *keys[] = { "key" };
	fcvae_input_opts o = { FCVAE_INPUT_NDJSON, "ts", "value", "label", keys, 1, NULL, 0, 0 };
	fcvae_input_init(&rd, &o);
	CHECK(parse("{\"ts\":\"2025-02-25T15:00:00Z\",\"key\":\"Accel/CMP\",\"value\":1234,\"label\":0,"
	            "\"note\":{\"x\": [1, 2]},\"n\":1.50}") == 1 &&
	      in.ts == 1740495600 && in.keylen == 9 && !strcmp(in.key, "Accel/CMP") && in.value == 1234 &&
	      in.has_label && in.label == 0, "NDJSON record");
	CHECK(extra_is(",\"note\":{\"x\": [1, 2]},\"n\":1.50"), "unknown fields kept exactly");
	CHECK(parse("{\"ts\":1740495600.5,\"key\":7,\"label\":true,\"window\":[1],\"missing\":[]}") == 1 &&
	      in.ts == 1740495600.5 && !strcmp(in.key, "7") && isnan(in.value) && !in.has_value && in.label == 1 &&
	      in.extralen == 0, "epoch ts, numeric key, no value, output names not passed");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":NaN}") == 1 && isnan(in.value) && in.has_value, "bare NaN is missing");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":\"nan\"}") == 1 && isnan(in.value), "\"nan\" is missing");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":null}") == 1 && isnan(in.value), "null is missing");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":\"NaN \"}") == 1 && isnan(in.value) && in.has_value &&
	      parse("{\"ts\":0,\"key\":\"a\",\"value\":\"\\tNA\"}") == 1 && isnan(in.value) &&
	      parse("{\"ts\":0,\"key\":\"a\",\"value\":\" \"}") == 1 && isnan(in.value),
	      "blanks around a missing marker, as around a number");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":\"12\",\"label\":\"1\"}") == 1 && in.value == 12 &&
	      in.has_label && in.label == 1, "a value in a string is a number, as a label in a string is");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":\" +1.5e3 \"}") == 1 && in.value == 1500,
	      "a value in a string: as a CSV field is read");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":\"1e400\"}") == 1 && isnan(in.value) && in.has_value,
	      "a value in a string beyond a double is missing");
	CHECK(parse("   ") == 0, "blank line: nothing");
	rejected("not json", "not JSON", "not JSON: invalid literal (expected null) at column 1");
	rejected("<html>", "not JSON", "not JSON: expected a value, found '<' at column 1");
	rejected("[1]", "not an object", "not a JSON object");
	rejected("{\"key\":\"a\",\"value\":1}", "no ts", "no \"ts\" field (see --ts)");
	rejected("{\"ts\":\"noon\",\"key\":\"a\"}", "bad ts", "\"ts\" is not a timestamp");
	rejected("{\"ts\":0,\"value\":1}", "no key", "no \"key\" field");
	rejected("{\"ts\":0,\"key\":[1]}", "bad key", "\"key\" is not a string or number");
	rejected("{\"ts\":0,\"key\":\"a\",\"value\":\"12x\"}", "bad value", "\"value\" is not a number");
	CHECK(parse("{\"ts\":0,\"key\":\"a\",\"value\":1e400,\"label\":-1e400}") == 1 && isnan(in.value) &&
	      in.has_value && !in.has_label, "a number beyond a double is missing (SPEC §10), as a value and as a label");
	rejected("{\"ts\":0,\"key\":\"a\",\"label\":\"spike\"}", "bad label", "\"label\" is not 0, 1, true or false");
	rejected("{\"ts\":\"\xff\",\"key\":\"a\"}", "not JSON", "not JSON: invalid UTF-8 (byte 0xff) in string at column 8");
	fcvae_input_free(&rd);

	/* several key fields, other names */
	const char *keys2[] = { "network_type", "transaction_type" };
	fcvae_input_opts o2 = { FCVAE_INPUT_NDJSON, "timestamp", "amount", "is_anomaly", keys2, 2, NULL, 0, 0 };
	fcvae_input_init(&rd, &o2);
	CHECK(parse("{\"timestamp\":\"2025-01-06 00:00:00\",\"network_type\":\"Accel\",\"transaction_type\":\"CMP\","
	            "\"amount\":12.5,\"is_anomaly\":1,\"split\":\"train\"}") == 1 &&
	      !strcmp(in.key, "Accel/CMP") && in.ts == 1736121600 && in.value == 12.5 && in.label == 1 &&
	      extra_is(",\"split\":\"train\""), "multi-field key");
	fcvae_input_free(&rd);

	/* CSV */
	fcvae_input_opts oc = { FCVAE_INPUT_CSV, "timestamp", "value", "label", keys2, 2, NULL, 0, 0 };
	fcvae_input_init(&rd, &oc);
	CHECK(parse("timestamp,network_type,transaction_type,value,label,split,note") == 0, "CSV header");
	CHECK(parse("2025-01-06T01:00:00Z,Accel,no-pin,1370,0,train,\"a, \"\"b\"\"\"") == 1 &&
	      !strcmp(in.key, "Accel/no-pin") && in.ts == 1736125200 && in.value == 1370 && in.label == 0 &&
	      extra_is(",\"split\":\"train\",\"note\":\"a, \\\"b\\\"\""), "CSV record");
	CHECK(parse("2025-01-06T01:00:00Z,Star,CMP,,,7,x") == 1 && isnan(in.value) && !in.has_label &&
	      extra_is(",\"split\":7,\"note\":\"x\""), "empty value is missing, numbers pass as numbers");
	rejected("2025-01-06T01:00:00Z,Star,CMP,1", "bad CSV", "4 fields, the header has 7");
	rejected("2025-01-06T01:00:00Z,Star,CMP,abc,0,x,y", "bad value", "\"value\" is not a number");
	CHECK(parse("2025-01-06T01:00:00Z,Star,CMP,1e999,-1e999,x,y") == 1 && isnan(in.value) && in.has_value &&
	      !in.has_label, "CSV: a number beyond a double is missing, as a value and as a label");
	rejected("2025-01-06T01:00:00Z,St\xc3,CMP,1,0,x,y", "bad CSV", "invalid UTF-8");
	rejected("2025-01-06T01:00:00Z,Star,\"CMP,1,0,x,y", "bad CSV", "unterminated quote");
	CHECK(parse("2025-01-06T01:00:00Z,Star,CMP,1,0,\"two\r\nlines\",\"a\n\"\"b\"\"\"") == 1 && in.value == 1 &&
	      extra_is(",\"split\":\"two\\r\\nlines\",\"note\":\"a\\n\\\"b\\\"\""),
	      "newlines inside quotes pass as JSON escapes");
	fcvae_input_new_file(&rd);
	CHECK(parse(" timestamp , network_type,transaction_type,value") == 0 &&
	      parse("0,a,b,1") == 1 && in.ts == 0 && !strcmp(in.key, "a/b") && in.value == 1, "blanks around header names");
	fcvae_input_new_file(&rd);
	CHECK(parse("time,value") == -2 && !strcmp(msg, "no \"timestamp\" column in the CSV header (see --ts)"),
	      "header without ts: %s", msg);
	/* a program without the options (fcvae-protocol) names none */
	rd.no_option_hints = 1;
	rd.o.need_value = 1;
	fcvae_input_new_file(&rd);
	CHECK(parse("time,value") == -2 && !strcmp(msg, "no \"timestamp\" column in the CSV header"),
	      "header without ts, no hints: %s", msg);
	fcvae_input_new_file(&rd);
	CHECK(parse("timestamp,network_type,transaction_type") == -2 &&
	      !strcmp(msg, "no \"value\" column in the CSV header"), "header without value, no hints: %s", msg);
	rd.no_option_hints = 0;
	rd.o.need_value = 0;
	fcvae_input_new_file(&rd);
	CHECK(parse("timestamp,network_type,transaction_type,\"the\nvalue\"") == 0 && parse("0,a,b,1") == 1 &&
	      extra_is(",\"the\\nvalue\":1"), "a newline in a header name");
	fcvae_input_free(&rd);

	/* kcat -J envelopes */
	fcvae_input_opts ok = { FCVAE_INPUT_KCAT, "ts", "value", "label", keys, 1, NULL, 1, 0 };
	fcvae_input_init(&rd, &ok);
	CHECK(parse("{\"topic\":\"tx\",\"partition\":2,\"offset\":41,\"tstype\":\"create\",\"ts\":1740495600123,"
	            "\"broker\":1,\"key\":\"Star/CMP\",\"payload\":\"{\\\"value\\\":5,\\\"seq\\\":9}\"}") == 1 &&
	      !strcmp(in.key, "Star/CMP") && in.ts == 1740495600.123 && in.value == 5 && in.partition == 2 &&
	      in.offset == 41 && in.topiclen == 2 && !memcmp(in.topic, "tx", 2) &&
	      extra_is(",\"seq\":9,\"topic\":\"tx\",\"partition\":2,\"offset\":41"),
	      "kcat envelope: key from message, time from Kafka");
	CHECK(parse("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"ts\":5,\"key\":\"m\","
	            "\"payload\":\"{\\\"key\\\":\\\"p\\\",\\\"ts\\\":\\\"2025-02-25T15:00:00Z\\\"}\"}") == 1 &&
	      !strcmp(in.key, "p") && in.ts == 1740495600, "payload key and time win");
	/* the message says where the record came from, not a payload's fields so named */
	CHECK(parse("{\"topic\":\"tx\",\"partition\":3,\"offset\":0,\"key\":\"m\",\"payload\":\"{\\\"ts\\\":0,"
	            "\\\"topic\\\":\\\"x\\\",\\\"a\\\":1,\\\"offset\\\":99,\\\"\\\\u0070artition\\\":7}\"}") == 1 &&
	      in.offset == 0 && in.partition == 3 && extra_is(",\"a\":1,\"topic\":\"tx\",\"partition\":3,\"offset\":0"),
	      "payload topic, partition, offset dropped for the message's");
	rejected("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"payload\":\"{oops\"}", "not JSON",
	         "kcat payload is not JSON: expected '\"' (a member name), found 'o' at column 2");
	rejected("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"payload\":null}", "bad envelope", "kcat payload is not a string");
	rejected("{\"value\":1}", "bad envelope", "not a kcat -J envelope (topic, partition, offset, payload)");
	/* the message whole: not 1e300 written out in 301 digits, cut before "out of range" */
	rejected("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"ts\":1e300,\"payload\":\"{\\\"key\\\":\\\"m\\\"}\"}", "bad ts",
	         "Kafka timestamp 1e+300 ms is out of range (years 0 to 9999)");
	rejected("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"ts\":253402300800000,\"payload\":\"{\\\"key\\\":\\\"m\\\"}\"}",
	         "bad ts", "Kafka timestamp 253402300800000 ms is out of range (years 0 to 9999)");
	/* without --kafka-time, a payload without a time: both ways to give one */
	rd.o.kafka_time = 0;
	rejected("{\"topic\":\"tx\",\"partition\":0,\"offset\":1,\"ts\":5,\"key\":\"m\",\"payload\":\"{\\\"value\\\":1}\"}",
	         "no ts", "no \"ts\" field (see --ts, or --kafka-time)");
	fcvae_input_free(&rd);

	/* labels: one reader for every program */
	static const struct {
		const char *json;
		int want;
	} lab[] = {
		{"\"1.0\"", 1}, {"\" +1 \"", 1}, {"\"0.0\"", 0}, {"\"1\"", 1}, {"\"0\"", 0},
		{"\"True\"", 1}, {"\"FALSE\"", 0}, {"\"tRuE\"", 1}, {"true", 1}, {"false", 0},
		{"1", 1}, {"0", 0}, {"1.0", 1}, {"-0", 0},
		{"2", FCVAE_LABEL_BAD}, {"0.5", FCVAE_LABEL_BAD}, {"-1", FCVAE_LABEL_BAD}, {"\"yes\"", FCVAE_LABEL_BAD},
		{"\"2\"", FCVAE_LABEL_BAD}, {"[1]", FCVAE_LABEL_BAD}, {"{}", FCVAE_LABEL_BAD},
		{"\" true\"", 1}, {"\"TRUE \"", 1}, {"\" NaN\"", FCVAE_LABEL_NONE}, {"\" \"", FCVAE_LABEL_NONE},
		{"null", FCVAE_LABEL_NONE}, {"NaN", FCVAE_LABEL_NONE}, {"Infinity", FCVAE_LABEL_NONE},
		{"1e400", FCVAE_LABEL_NONE}, {"\"NaN\"", FCVAE_LABEL_NONE}, {"\"\"", FCVAE_LABEL_NONE},
		{"\"NA\"", FCVAE_LABEL_NONE}, {NULL, FCVAE_LABEL_NONE},
	};
	for (size_t i = 0; i < sizeof lab / sizeof *lab; i++) {
		int got = label_of(lab[i].json);
		CHECK(got == lab[i].want, "label %s: %d (want %d)", lab[i].json ? lab[i].json : "absent", got, lab[i].want);
	}
	/* a CSV field is read as a JSON string is */
	const char *keys3[] = { "key" };
	fcvae_input_opts ol = { FCVAE_INPUT_CSV, "ts", "value", "label", keys3, 1, NULL, 0, 0 };
	fcvae_input_init(&rd, &ol);
	CHECK(parse("ts,key,value,label") == 0, "CSV header with a label");
	CHECK(parse("0,a,1, +1.0 ") == 1 && in.has_label && in.label == 1, "CSV label \" +1.0 \"");
	CHECK(parse("0,a,1,tRuE") == 1 && in.has_label && in.label == 1, "CSV label tRuE");
	CHECK(parse("0,a,1,NaN") == 1 && !in.has_label, "CSV label NaN: none");
	rejected("0,a,1,0.5", "bad label", "\"label\" is not 0, 1, true or false");
	rejected("0,a,1,yes", "bad label", "\"label\" is not 0, 1, true or false");
	fcvae_input_free(&rd);
	return unit_done();
}
