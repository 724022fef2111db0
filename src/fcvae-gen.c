/* fcvae-gen — the seed's synthetic transaction data set (SPEC §6): events,
 * hourly counts, or a live producer of hourly values. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "record.h"
#include "seeddata.h"
#include "timeparse.h"
#include "util.h"

static const char usage_text[] =
	"usage: fcvae-gen [options]\n"
	"Write the seed's synthetic transaction data set (SPEC 6): one row per\n"
	"transaction, or with --hourly one row per combo and hour.\n"
	"  --seed N          random seed (default 42)\n"
	"  --days N          number of days (default 60)\n"
	"  --start TIME      first day's start, RFC 3339 (default 2025-01-06T00:00:00Z)\n"
	"  --combo NAME      only this combo (Accel/CMP, Accel/no-pin, Star/CMP,\n"
	"                    Star/no-pin or Accel_CMP ...); repeatable or comma list\n"
	"  --split NAME      only days of train (0-41), validation (42-49) or test (50-)\n"
	"  --format FMT      csv (default) or ndjson\n"
	"  --epoch           timestamps as epoch seconds instead of RFC 3339\n"
	"  --hourly          per-combo hourly counts: timestamp,key,value,label,split\n"
	"  --columns LIST    with --hourly, these columns in this order (e.g.\n"
	"                    timestamp,value,label: the FCVAE data sets' layout)\n"
	"  --follow          live producer: one NDJSON record per hourly value\n"
	"  --delay S         with --follow, seconds between hours (default 1)\n"
	"  --loop            with --follow, start over at the end, forever\n"
	"  -h, --help        this text\n"
	"  --version         print the version\n";

/* Options, as parsed. */
static uint64_t seed = FCVAE_SEEDDATA_SEED;
static int ndays = FCVAE_SEEDDATA_DAYS;
static long long start = FCVAE_SEEDDATA_START;
static int want_combo[FCVAE_SEEDDATA_COMBOS], any_combo;
static int split = -1;
static int ndjson, epoch, hourly, follow, loop;
static double delay = 1;
static int delay_set;

static int day_wanted(int day)
{
	return split < 0 || (int)fcvae_seeddata_split(day) == split;
}

static int combo_wanted(int c)
{
	return !any_combo || want_combo[c];
}

static int day_of_week(long long t) /* 0 = Monday */
{
	long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	return (int)(((days + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

/* --- fast line building: millions of rows go through here --- */

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_long(char *p, long long v)
{
	char tmp[24];
	int n = 0;
	unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_2(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* RFC 3339 UTC as the other programs write it, or epoch seconds; the date
 * and hour formatted once per clock hour. */
static char *put_time(char *p, long long t)
{
	/* a flag of its own: any hour is real, -1 (1969-12-31T23) too */
	static int cached;
	static long long cached_hour;
	static char prefix[FCVAE_TIME_MAX];
	static size_t prefix_len;
	if (epoch)
		return put_long(p, t);
	long long hour = t >= 0 ? t / 3600 : (t - 3599) / 3600;
	if (!cached || hour != cached_hour) {
		/* "YYYY-MM-DDTHH:00:00Z" up to "HH:" */
		prefix_len = fcvae_time_format(prefix, (double)(hour * 3600)) - strlen("00:00Z");
		cached_hour = hour;
		cached = 1;
	}
	memcpy(p, prefix, prefix_len);
	p += prefix_len;
	int s = (int)(t - hour * 3600);
	p = put_2(p, s / 60);
	*p++ = ':';
	p = put_2(p, s % 60);
	*p++ = 'Z';
	return p;
}

/* Why the first write failed: by the time check_stdout looks, the maths of
 * a day of data may have set errno to something else. */
static int write_errno;

/* Stop at the first failed write rather than generate into the void. */
static void check_stdout(void)
{
	if (ferror(stdout)) {
		if (write_errno)
			errno = write_errno;
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
	}
}

static void put_line(const char *buf, char *end)
{
	*end++ = '\n';
	size_t n = (size_t)(end - buf);
	if (fwrite(buf, 1, n, stdout) != n && !write_errno)
		write_errno = errno;
}

/* --- the three outputs --- */

typedef struct {
	fcvae_seeddata_day day;
	double *t;
	size_t cap, n, next;
	int count[24];
	fcvae_rng amounts;
} combo_day;

static void make_day(combo_day *cd, int c, int day, int with_amounts)
{
	fcvae_seeddata_day_init(&cd->day, seed, c, day, day_of_week(start + 86400LL * day));
	cd->n = fcvae_seeddata_events(&cd->day, seed, &cd->t, &cd->cap, cd->count);
	cd->next = 0;
	if (with_amounts)
		fcvae_seeddata_amount_init(&cd->amounts, seed, c, day);
}

static void write_events(void)
{
	static combo_day cd[FCVAE_SEEDDATA_COMBOS];
	char line[256];
	if (ndjson == 0)
		fputs("timestamp,network_type,transaction_type,amount,is_anomaly,split\n", stdout);
	for (int day = 0; day < ndays; day++) {
		check_stdout();
		if (!day_wanted(day))
			continue;
		for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++)
			if (combo_wanted(c))
				make_day(&cd[c], c, day, 1);
		const char *sp = fcvae_seeddata_split_name(fcvae_seeddata_split(day));
		long long day0 = start + 86400LL * day;
		for (;;) { /* merge the combos' events by time */
			int best = -1;
			for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++)
				if (combo_wanted(c) && cd[c].next < cd[c].n &&
				    (best < 0 || cd[c].t[cd[c].next] < cd[best].t[cd[best].next]))
					best = c;
			if (best < 0)
				break;
			combo_day *b = &cd[best];
			double t = b->t[b->next++];
			const fcvae_seeddata_combo *co = &fcvae_seeddata_combos[best];
			long cents = fcvae_seeddata_amount_cents(&b->amounts);
			int label = b->day.label[(int)t];
			long long ts = day0 + (long long)floor(t * 3600);
			char *p = line;
			if (ndjson) {
				p = put_str(p, "{\"timestamp\":");
				if (!epoch)
					*p++ = '"';
				p = put_time(p, ts);
				p = put_str(p, epoch ? ",\"network_type\":\"" : "\",\"network_type\":\"");
				p = put_str(p, co->network);
				p = put_str(p, "\",\"transaction_type\":\"");
				p = put_str(p, co->type);
				p = put_str(p, "\",\"amount\":");
			} else {
				p = put_time(p, ts);
				*p++ = ',';
				p = put_str(p, co->network);
				*p++ = ',';
				p = put_str(p, co->type);
				*p++ = ',';
			}
			p = put_long(p, cents / 100);
			*p++ = '.';
			p = put_2(p, (int)(cents % 100));
			p = put_str(p, ndjson ? ",\"is_anomaly\":" : ",");
			*p++ = (char)('0' + label);
			p = put_str(p, ndjson ? ",\"split\":\"" : ",");
			p = put_str(p, sp);
			if (ndjson)
				p = put_str(p, "\"}");
			put_line(line, p);
		}
	}
	for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++)
		free(cd[c].t);
}

/* Columns of --hourly output; the time is "timestamp" in CSV (the FCVAE
 * data sets' layout) and "ts" in NDJSON (fcvae-window's default). */
enum { COL_TIME, COL_KEY, COL_VALUE, COL_LABEL, COL_SPLIT, NCOLS };
static int columns[NCOLS] = {COL_TIME, COL_KEY, COL_VALUE, COL_LABEL, COL_SPLIT}, ncolumns = NCOLS;

/* The next name of a comma-separated option list, NULL at its end. An empty
 * name (the empty list, ",,", a trailing comma) is a usage error: strtok
 * skipped them, and --combo '' chose every combo. */
static char *list_next(const char *opt, const char *list, char **rest)
{
	if (!*rest)
		return NULL;
	char *name = *rest, *comma = strchr(name, ',');
	*rest = comma ? comma + 1 : NULL;
	if (comma)
		*comma = '\0';
	if (!*name)
		fcvae_die(FCVAE_EXIT_USAGE, "%s: an empty name in '%s'", opt, list);
	return name;
}

static void parse_columns(char *list)
{
	static const char *names[NCOLS] = {"timestamp", "key", "value", "label", "split"};
	char *all = fcvae_xstrdup(list), *rest = list, *tok;
	ncolumns = 0;
	while ((tok = list_next("--columns", all, &rest))) {
		int c = !strcmp(tok, "ts") ? COL_TIME : -1;
		for (int i = 0; i < NCOLS && c < 0; i++)
			if (!strcmp(tok, names[i]))
				c = i;
		if (c < 0)
			fcvae_die(FCVAE_EXIT_USAGE, "--columns: unknown column '%s' (timestamp, key, value, label, split)", tok);
		for (int i = 0; i < ncolumns; i++)
			if (columns[i] == c)
				fcvae_die(FCVAE_EXIT_USAGE, "--columns: '%s' twice", tok);
		columns[ncolumns++] = c;
	}
	free(all);
}

/* The hourly counts and labels of every wanted combination on one day. */
static void make_combos_day(combo_day *cd, int day, int count[][24], unsigned char label[][24])
{
	for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++) {
		if (!combo_wanted(c))
			continue;
		make_day(cd, c, day, 0);
		memcpy(count[c], cd->count, sizeof cd->count);
		memcpy(label[c], cd->day.label, sizeof cd->day.label);
	}
}

static void write_hourly(void)
{
	static const char *csv_names[NCOLS] = {"timestamp", "key", "value", "label", "split"};
	static const char *json_names[NCOLS] = {"ts", "key", "value", "label", "split"};
	combo_day cd = {0};
	char line[256];
	if (!ndjson)
		for (int i = 0; i < ncolumns; i++)
			printf("%s%c", csv_names[columns[i]], i + 1 < ncolumns ? ',' : '\n');
	int count[FCVAE_SEEDDATA_COMBOS][24];
	unsigned char label[FCVAE_SEEDDATA_COMBOS][24];
	for (int day = 0; day < ndays; day++) {
		check_stdout();
		if (!day_wanted(day))
			continue;
		make_combos_day(&cd, day, count, label);
		const char *sp = fcvae_seeddata_split_name(fcvae_seeddata_split(day));
		for (int h = 0; h < 24; h++) {
			long long ts = start + 86400LL * day + 3600LL * h;
			for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++) {
				if (!combo_wanted(c))
					continue;
				char *p = line;
				for (int i = 0; i < ncolumns; i++) {
					int col = columns[i];
					int quote = ndjson && (col == COL_KEY || col == COL_SPLIT || (col == COL_TIME && !epoch));
					if (ndjson) {
						p = put_str(p, i ? ",\"" : "{\"");
						p = put_str(p, json_names[col]);
						p = put_str(p, quote ? "\":\"" : "\":");
					} else if (i) {
						*p++ = ',';
					}
					switch (col) {
					case COL_TIME: p = put_time(p, ts); break;
					case COL_KEY: p = put_str(p, fcvae_seeddata_combos[c].key); break;
					case COL_VALUE: p = put_long(p, count[c][h]); break;
					case COL_LABEL: *p++ = (char)('0' + label[c][h]); break;
					default: p = put_str(p, sp); break;
					}
					if (quote)
						*p++ = '"';
				}
				if (ndjson)
					*p++ = '}';
				put_line(line, p);
			}
		}
	}
	free(cd.t);
}

static void sleep_seconds(double s)
{
	if (!(s > 0))
		return;
	struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The original producer's messages: one per hourly value, flushed at once. */
static void write_follow(void)
{
	combo_day cd = {0};
	char line[320];
	long long seq = 0;
	int count[FCVAE_SEEDDATA_COMBOS][24];
	unsigned char label[FCVAE_SEEDDATA_COMBOS][24];
	int first = 1;
	/* each pass goes on in time where the last ended (the same timestamps
	 * again would be late records, dropped): the selected days' span on */
	int day0 = -1, day1 = -1;
	for (int day = 0; day < ndays; day++)
		if (day_wanted(day))
			day1 = day, day0 = day0 < 0 ? day : day0;
	long long shift = 0;
	do {
		for (int day = 0; day < ndays; day++) {
			if (!day_wanted(day))
				continue;
			make_combos_day(&cd, day, count, label);
			for (int h = 0; h < 24; h++) {
				if (!first)
					sleep_seconds(delay);
				first = 0;
				long long ts = start + shift + 86400LL * day + 3600LL * h;
				for (int c = 0; c < FCVAE_SEEDDATA_COMBOS; c++) {
					if (!combo_wanted(c))
						continue;
					struct timeval now;
					gettimeofday(&now, NULL);
					struct tm tm;
					time_t sec = now.tv_sec;
					gmtime_r(&sec, &tm);
					char produced[40];
					size_t n = strftime(produced, sizeof produced, "%Y-%m-%dT%H:%M:%S", &tm);
					snprintf(produced + n, sizeof produced - n, ".%03ldZ", (long)(now.tv_usec / 1000));
					char *p = put_str(line, epoch ? "{\"timestamp\":" : "{\"timestamp\":\"");
					p = put_time(p, ts);
					p = put_str(p, epoch ? ",\"key\":\"" : "\",\"key\":\"");
					p = put_str(p, fcvae_seeddata_combos[c].key);
					p = put_str(p, "\",\"value\":");
					p = put_long(p, count[c][h]);
					p = put_str(p, ",\"is_anomaly\":");
					*p++ = (char)('0' + label[c][h]);
					p = put_str(p, ",\"produced_at\":\"");
					p = put_str(p, produced);
					p = put_str(p, "\",\"sequence_id\":");
					p = put_long(p, seq++);
					*p++ = '}';
					put_line(line, p);
					if (fflush(stdout) != 0 || ferror(stdout))
						fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
				}
			}
		}
		shift += 86400LL * (day1 - day0 + 1);
		/* a pass beyond the year 9999 would write times no program reads */
		if (loop && seq > 0 && !fcvae_time_in_range((double)(start + shift + 86400LL * (day1 + 1) - 1)))
			fcvae_die(FCVAE_EXIT_FAIL, "--loop: the next pass would run beyond the year 9999: stopped");
	} while (loop && seq > 0);
	free(cd.t);
}

static long long parse_start(const char *s)
{
	double t;
	if (fcvae_time_parse(s, strlen(s), &t) < 0 || t != floor(t))
		fcvae_die(FCVAE_EXIT_USAGE, "--start: '%s' is not a time like 2025-01-06T00:00:00Z", s);
	return (long long)t;
}

static void add_combos(char *list)
{
	char *all = fcvae_xstrdup(list), *rest = list, *tok;
	while ((tok = list_next("--combo", all, &rest))) {
		int c = fcvae_seeddata_find_combo(tok);
		if (c < 0)
			fcvae_die(FCVAE_EXIT_USAGE, "--combo: unknown combo '%s' (Accel/CMP, Accel/no-pin, Star/CMP, Star/no-pin)", tok);
		want_combo[c] = any_combo = 1;
	}
	free(all);
}

int main(int argc, char **argv)
{
	enum { O_SEED = 256, O_DAYS, O_START, O_COMBO, O_SPLIT, O_FORMAT, O_EPOCH, O_HOURLY, O_COLUMNS,
	       O_FOLLOW, O_DELAY, O_LOOP, O_VERSION };
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, O_SEED},
		{"days", required_argument, NULL, O_DAYS},
		{"start", required_argument, NULL, O_START},
		{"combo", required_argument, NULL, O_COMBO},
		{"split", required_argument, NULL, O_SPLIT},
		{"format", required_argument, NULL, O_FORMAT},
		{"epoch", no_argument, NULL, O_EPOCH},
		{"hourly", no_argument, NULL, O_HOURLY},
		{"columns", required_argument, NULL, O_COLUMNS},
		{"follow", no_argument, NULL, O_FOLLOW},
		{"delay", required_argument, NULL, O_DELAY},
		{"loop", no_argument, NULL, O_LOOP},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	fcvae_start(argv);
	int opt, format_set = 0, columns_set = 0;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case O_SEED: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			/* digits only: strtoull takes " -1" (blanks, then a sign) as 2^64 - 1 */
			if (errno || end == optarg || *end || strspn(optarg, "0123456789") != strlen(optarg))
				fcvae_die(FCVAE_EXIT_USAGE, "--seed: '%s' is not a whole number", optarg);
			seed = v;
			break;
		}
		case O_DAYS: ndays = (int)fcvae_parse_long("--days", optarg, 1, 100000); break;
		case O_START: start = parse_start(optarg); break;
		case O_COMBO: add_combos(optarg); break;
		case O_SPLIT:
			if ((split = fcvae_seeddata_parse_split(optarg)) < 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--split: '%s' is not train, validation or test", optarg);
			break;
		case O_FORMAT:
			if (!strcmp(optarg, "csv"))
				ndjson = 0;
			else if (!strcmp(optarg, "ndjson") || !strcmp(optarg, "json"))
				ndjson = 1;
			else
				fcvae_die(FCVAE_EXIT_USAGE, "--format: '%s' is not csv or ndjson", optarg);
			format_set = 1;
			break;
		case O_EPOCH: epoch = 1; break;
		case O_HOURLY: hourly = 1; break;
		case O_COLUMNS: parse_columns(optarg); columns_set = 1; break;
		case O_FOLLOW: follow = 1; break;
		case O_DELAY:
			delay = fcvae_parse_double("--delay", optarg);
			if (!(delay >= 0) || delay > 86400)
				fcvae_die(FCVAE_EXIT_USAGE, "--delay: '%s' is not a number of seconds from 0 to 86400", optarg);
			delay_set = 1;
			break;
		case O_LOOP: loop = 1; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version();
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fcvae_warn("unexpected operand '%s'", argv[optind]);
		fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
	}
	if (follow && format_set && !ndjson)
		fcvae_die(FCVAE_EXIT_USAGE, "--follow writes NDJSON only");
	if (columns_set && follow)
		fcvae_die(FCVAE_EXIT_USAGE, "--columns does not apply with --follow (its records have fixed fields)");
	if (columns_set && !hourly)
		fcvae_die(FCVAE_EXIT_USAGE, "--columns needs --hourly");
	if ((loop || delay_set) && !follow)
		fcvae_die(FCVAE_EXIT_USAGE, "--delay and --loop need --follow");
	/* a split whose days all lie beyond --days would write a header and
	 * nothing else, and say nothing of why */
	int first = 0;
	while (first < ndays && !day_wanted(first))
		first++;
	if (first == ndays) {
		while (!day_wanted(first))
			first++;
		int last = first;
		while (last < 100000 && day_wanted(last + 1))
			last++;
		char held[64];
		if (last == 100000)
			snprintf(held, sizeof held, "days %d and later", first);
		else
			snprintf(held, sizeof held, "days %d-%d", first, last);
		fcvae_die(FCVAE_EXIT_USAGE, "--split %s holds %s (counted from 0): --days %d leaves none",
		          fcvae_seeddata_split_name((fcvae_split)split), held, ndays);
	}
	/* what RFC 3339 writes and the other programs read */
	if (!fcvae_time_in_range((double)start) || !fcvae_time_in_range((double)start + 86400.0 * ndays - 1))
		fcvae_die(FCVAE_EXIT_USAGE, "--start, --days: the days run beyond the years 0 to 9999");

	if (follow) {
		setvbuf(stdout, NULL, _IOFBF, 1 << 16);
		write_follow();
	} else {
		setvbuf(stdout, NULL, _IOFBF, 1 << 20);
		if (hourly)
			write_hourly();
		else
			write_events();
	}
	fcvae_close_stdout();
	return FCVAE_EXIT_OK;
}
