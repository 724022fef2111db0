/* fcvae-window — group records by series, aggregate into time buckets, fill
 * gaps, and emit one sliding window record per closed bucket (SPEC §1, §7). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "record.h"
#include "timeparse.h"
#include "util.h"
#include "window.h"

static const char usage_text[] =
	"usage: fcvae-window [options] [file...]\n"
	"Read records (NDJSON, CSV or kcat -J envelopes) and write one window record\n"
	"{\"key\",\"ts\",\"value\",\"window\",\"missing\",\"label\",...} per series per closed bucket.\n"
	"\n"
	"  --csv               input is CSV with a header row\n"
	"  --kcat              input is kcat -C -J envelopes (payload: a JSON record)\n"
	"  --key F[,F...]      series key field(s), joined with '/' (default key)\n"
	"  --series K          window only series K (repeatable); records of others\n"
	"                      are counted and skipped\n"
	"  --default-key K     key of records that have no key field\n"
	"  --ts F              time field: RFC 3339 or epoch seconds (default ts)\n"
	"  --value F           value field (default value)\n"
	"  --label F           label field (default label)\n"
	"  --kafka-time        kcat: records without a time use the message timestamp\n"
	"  --bucket D          bucket length, e.g. 1h, 5m, 1d, 90 (default 1h)\n"
	"  --agg A             none|count|sum|mean|max|last (default none: a record\n"
	"                      is its bucket's value and is emitted at once, or\n"
	"                      with --lateness held to be put in order)\n"
	"  --window W          window length in buckets (default 24)\n"
	"  --min-samples N     buckets a series needs before its first window, those\n"
	"                      in --state and read back by --history too (default W)\n"
	"  --lateness D        how far the watermark trails the latest event (default 0)\n"
	"  --partition-idle D  kcat: a partition silent this long (wall clock) no longer\n"
	"                      holds the watermark back (default 1m)\n"
	"  --idle D            also close buckets when input is quiet for D (not\n"
	"                      with --agg none without --lateness)\n"
	"  --max-missing F     drop windows with a larger share missing (default 0.5)\n"
	"  --max-gap D         refuse times further than D after the latest (default 366d)\n"
	"  --max-gap-buckets N the same in buckets, where each empty bucket is a window\n"
	"                      (count, sum): default 1000000, 0 = no limit\n"
	"  --max-series N      refuse records of new series beyond N (default 1000000)\n"
	"  --max-line N        " FCVAE_MAX_LINE_HELP
	"  --revise            re-emit windows of buckets that late records change\n"
	"  --no-flush          leave open buckets open at end of input\n"
	"  --state FILE        load state from FILE and save it there\n"
	"  --state-every N|D   also save every N records or duration D (default 10000)\n"
	"  --history CMD       kcat: a partition's records before the first one read\n"
	"                      here (another member had it) come from CMD, to refill\n"
	"                      its series' windows (see the man page)\n"
	"  --strict            stop at the first bad input line (exit 3; --state\n"
	"                      saved, as at SIGINT and SIGTERM)\n"
	"  --line-buffered     flush output after every record\n"
	"  -v, --verbose       print a summary of counts at exit\n"
	"  -h, --help          this help\n"
	"      --version       print the version\n";

static double now_wall(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static double parse_duration(const char *opt, const char *s)
{
	double d;
	if (fcvae_duration_parse(s, &d) < 0)
		fcvae_die(FCVAE_EXIT_USAGE, "%s: '%s' is not a duration (like 90, 30s, 5m, 1h, 1d)", opt, s);
	return d;
}

/* A span in the unit that reads best: "3653 days", "5 hours", "90 seconds". */
static const char *format_span(char *buf, size_t size, double sec)
{
	static const struct { double len; const char *name; } units[] = {
		{ 86400, "days" }, { 3600, "hours" }, { 60, "minutes" },
	};
	for (size_t i = 0; i < sizeof units / sizeof *units; i++)
		if (sec >= 2 * units[i].len) {
			snprintf(buf, size, "%.0f %s", sec / units[i].len, units[i].name);
			return buf;
		}
	snprintf(buf, size, "%.0f seconds", sec);
	return buf;
}

static void write_out(fcvae_window *w, int flush)
{
	if (w->out.len) {
		fcvae_buf_write(&w->out, stdout);
		fcvae_buf_clear(&w->out);
	}
	if ((flush && fflush(stdout) != 0) || ferror(stdout))
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
}

/* w->sink: output as it is made, while a jump in time closes many buckets */
static void write_some(fcvae_window *w)
{
	write_out(w, 0);
}

static void save_state(fcvae_window *w, const char *path)
{
	char err[512];
	/* what the state says was emitted must be out first */
	write_out(w, 1);
	if (fcvae_window_save(w, path, err, sizeof err) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot save state: %s", err);
}

/* --history: how long the command may be silent before it is given up */
#define HISTORY_TIMEOUT_MS 30000

/* --history: the records of a Kafka partition that another member of the
 * group read (a rebalance moved it here, or back), from offset from (-1:
 * its beginning) up to the record at, as CMD writes them (kcat -C -p -o -e
 * -J). They refill the windows of its series without being emitted: the
 * other member scored them. Returns the number read back. */
static size_t read_history(fcvae_window *w, const fcvae_input_opts *io, const char *cmd, const fcvae_input *at,
                           int64_t from, size_t max_line)
{
	char topic[4096], part[24], start[24], until[24];
	snprintf(topic, sizeof topic, "%.*s", (int)(at->topiclen < 4000 ? at->topiclen : 4000), at->topic);
	snprintf(part, sizeof part, "%lld", (long long)at->partition);
	if (from < 0)
		snprintf(start, sizeof start, "beginning");
	else
		snprintf(start, sizeof start, "%lld", (long long)from);
	snprintf(until, sizeof until, "%lld", (long long)at->offset);
	/* the child's environment made here: after fork only what is safe
	 * there (OpenBLAS may have started threads) */
	extern char **environ;
	size_t ne = 0;
	while (environ[ne])
		ne++;
	char **env = fcvae_xmalloc((ne + 5) * sizeof *env);
	fcvae_buf vars = {0};
	const char *names[] = {"FCVAE_TOPIC", "FCVAE_PARTITION", "FCVAE_FROM", "FCVAE_UNTIL"};
	const char *values[] = {topic, part, start, until};
	size_t pos[4];
	for (int i = 0; i < 4; i++) {
		pos[i] = vars.len;
		fcvae_buf_printf(&vars, "%s=%s", names[i], values[i]);
		fcvae_buf_addc(&vars, '\0');
	}
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) {
		int ours = 0;
		for (int j = 0; j < 4; j++)
			ours |= !strncmp(environ[i], names[j], strlen(names[j])) && environ[i][strlen(names[j])] == '=';
		if (!ours)
			env[k++] = environ[i];
	}
	for (int i = 0; i < 4; i++)
		env[k++] = vars.p + pos[i];
	env[k] = NULL;
	int fds[2];
	pid_t pid = -1;
	if (pipe2(fds, O_CLOEXEC) == 0) {
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			setpgid(0, 0);  /* its own group: killed whole, pipelines too */
			int null = open("/dev/null", O_RDONLY);
			if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0)
				_exit(127);
			/* the stream's filters ignore INT and TERM: the reader need not */
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			signal(SIGXFSZ, SIG_DFL);
			execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, env);
			_exit(127);
		}
		close(fds[1]);
		if (pid < 0)
			close(fds[0]);
		else
			setpgid(pid, pid);  /* (in both: a stop may kill(-pid) before the child has run) */
	}
	free(env);
	fcvae_buf_free(&vars);
	if (pid < 0) {
		fcvae_warn("%s [%s]: cannot read its history:", topic, part);
		return 0;
	}
	fcvae_lines l;
	fcvae_lines_fdopen(&l, fds[0], "--history");
	l.max = max_line;
	fcvae_input_reader rd;
	fcvae_input_init(&rd, io);
	fcvae_input_new_file(&rd);
	/* what the summary counts is this member's own input */
	size_t records = w->records, late = w->late, revised = w->revised, replayed = w->replayed, others = w->other, n = 0;
	int64_t last = -1;
	int rc;
	w->quiet = 1;
	while ((rc = fcvae_lines_read(&l, HISTORY_TIMEOUT_MS)) == 1) {
		fcvae_input in;
		const char *reason;
		char msg[256];
		if (l.toolong || fcvae_input_parse(&rd, l.line, l.len, &in, &reason, msg, sizeof msg) != 1)
			continue;  /* bad lines were the other member's to report */
		if (!in.topic || in.partition != at->partition || in.topiclen != at->topiclen ||
		    memcmp(in.topic, at->topic, at->topiclen))
			continue;
		if (in.offset >= at->offset)
			break;
		w->now = now_wall();
		size_t other = w->other;  /* (a record of a series not kept is not read back) */
		if (fcvae_window_add(w, &in) == 0 && w->other == other)
			n++;
		last = in.offset;
		if (last + 1 >= at->offset)
			break;
	}
	w->quiet = 0;
	w->records = records, w->late = late, w->revised = revised, w->replayed = replayed, w->other = others;
	fcvae_input_free(&rd);
	kill(-pid, SIGKILL);  /* done with it: it may be waiting for more */
	fcvae_lines_close(&l);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (fcvae_stop_signal && last + 1 < at->offset) {
		/* the record at hand is still taken (a consumer stopped so commits
		 * it, and the next run would read it back unwritten); what was
		 * not read back is missed, as when the command ends short */
		char cut[24];
		if (last >= 0)
			snprintf(cut, sizeof cut, "%lld", (long long)last + 1);
		fcvae_warn("%s [%s]: --history cut short by the stop: the windows miss offsets %s to %lld",
		           topic, part, last >= 0 ? cut : start, (long long)at->offset - 1);
	}
	else if (rc == 2)
		fcvae_warn("%s [%s]: --history wrote nothing for %d s: given up", topic, part, HISTORY_TIMEOUT_MS / 1000);
	else if (rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		fcvae_warn("%s [%s]: --history failed (exit status %d)", topic, part, WEXITSTATUS(st));
	else if (rc == 0 && last < 0)
		fcvae_warn("%s [%s]: --history wrote no record of it before offset %lld: the windows miss them",
		           topic, part, (long long)at->offset);
	else if (rc == 0 && last + 1 < at->offset)
		fcvae_warn("%s [%s]: --history ended at offset %lld, before %lld: the windows miss what lies between",
		           topic, part, (long long)last, (long long)at->offset - 1);
	fcvae_warn("%s [%s]: offsets %s to %lld were read elsewhere: %zu records read back for the windows",
	           topic, part, start, (long long)at->offset - 1, n);
	return n;
}

/* --history: a partition that reaches this run past offsets it never read
 * (another member had them) has those read back first, for its series'
 * windows; only one that comes to this run (first, or again after a
 * silence): gaps in a partition that flows are a transactional or
 * compacted topic's, not another member's. Its record may be a bad line:
 * the offsets before it are read back all the same. */
static void take_history(fcvae_window *w, const fcvae_input_opts *io, const char *cmd, const fcvae_input *in,
                         size_t max_line)
{
	if (!cmd || !in->topic || in->offset <= 0)
		return;
	double seen;
	int64_t next = fcvae_window_next_offset(w, in->topic, in->topiclen, in->partition, &seen);
	if ((next < 0 || in->offset > next) && (isnan(seen) || now_wall() - seen > w->o.partition_idle))
		read_history(w, io, cmd, in, next, max_line);
	/* a stop meanwhile still takes the record, then stops */
	w->now = now_wall();
}

int main(int argc, char **argv)
{
	enum { O_CSV = 256, O_KCAT, O_KEY, O_DEFKEY, O_TS, O_VALUE, O_LABEL, O_KTIME, O_BUCKET, O_AGG, O_WINDOW,
	       O_LATE, O_IDLE, O_MAXMISS, O_MAXGAP, O_MAXGAPB, O_REVISE, O_NOFLUSH, O_STATE, O_MAXSERIES, O_MAXLINE, O_EVERY, O_STRICT, O_LINEBUF, O_HISTORY, O_PIDLE, O_MINSAMP, O_SERIES, O_VERSION };
	static const struct option opts[] = {
		{ "csv", no_argument, 0, O_CSV },
		{ "kcat", no_argument, 0, O_KCAT },
		{ "key", required_argument, 0, O_KEY },
		{ "default-key", required_argument, 0, O_DEFKEY },
		{ "series", required_argument, 0, O_SERIES },
		{ "ts", required_argument, 0, O_TS },
		{ "value", required_argument, 0, O_VALUE },
		{ "label", required_argument, 0, O_LABEL },
		{ "kafka-time", no_argument, 0, O_KTIME },
		{ "bucket", required_argument, 0, O_BUCKET },
		{ "agg", required_argument, 0, O_AGG },
		{ "window", required_argument, 0, O_WINDOW },
		{ "min-samples", required_argument, 0, O_MINSAMP },
		{ "lateness", required_argument, 0, O_LATE },
		{ "idle", required_argument, 0, O_IDLE },
		{ "max-missing", required_argument, 0, O_MAXMISS },
		{ "max-gap", required_argument, 0, O_MAXGAP },
		{ "max-gap-buckets", required_argument, 0, O_MAXGAPB },
		{ "revise", no_argument, 0, O_REVISE },
		{ "max-series", required_argument, 0, O_MAXSERIES },
		{ "max-line", required_argument, 0, O_MAXLINE },
		{ "no-flush", no_argument, 0, O_NOFLUSH },
		{ "state", required_argument, 0, O_STATE },
		{ "history", required_argument, 0, O_HISTORY },
		{ "partition-idle", required_argument, 0, O_PIDLE },
		{ "state-every", required_argument, 0, O_EVERY },
		{ "strict", no_argument, 0, O_STRICT },
		{ "line-buffered", no_argument, 0, O_LINEBUF },
		{ "verbose", no_argument, 0, 'v' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, O_VERSION },
		{ 0, 0, 0, 0 },
	};
	fcvae_input_opts io = { FCVAE_INPUT_NDJSON, "ts", "value", "label", NULL, 0, NULL, 0, 0 };
	fcvae_window_opts wo = { FCVAE_AGG_NONE, 3600, 24, 0, 0.5, 0, 366 * 86400.0, 1000000, 1000000, 60, 0, NULL };
	size_t max_line = FCVAE_MAX_LINE;
	const char *keyspec = "key", *state = NULL, *history = NULL;
	double idle = 0, every_secs = 0;
	long every_records = 10000;
	int noflush = 0, strict = 0, linebuf = 0, verbose = 0, csv = 0, kcat = 0, pidle = 0, c;
	fcvae_keyset keep = { 0 };

	fcvae_start(argv);
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case O_CSV: io.format = FCVAE_INPUT_CSV, csv = 1; break;
		case O_KCAT: io.format = FCVAE_INPUT_KCAT, kcat = 1; break;
		case O_KEY: keyspec = optarg; break;
		case O_DEFKEY: io.default_key = optarg; break;
		case O_SERIES: fcvae_keyset_add(&keep, optarg, strlen(optarg), &(int){ 0 }), wo.keep = &keep; break;
		case O_TS: io.ts_field = optarg; break;
		case O_VALUE: io.value_field = optarg; break;
		case O_LABEL: io.label_field = optarg; break;
		case O_KTIME: io.kafka_time = 1; break;
		case O_BUCKET: {
			double d = parse_duration("--bucket", optarg);
			if (d < 1 || d != floor(d) || d > 1e9)
				fcvae_die(FCVAE_EXIT_USAGE, "--bucket: '%s' must be a whole number of seconds from 1 to 1000000000 (about 31 years)", optarg);
			wo.bucket = (int64_t)d;
			break;
		}
		case O_AGG:
			if ((wo.agg = fcvae_agg_parse(optarg)) < 0)
				fcvae_die(FCVAE_EXIT_USAGE, "--agg: '%s' is not one of none, count, sum, mean, max, last", optarg);
			break;
		case O_WINDOW: wo.window = (int)fcvae_parse_long("--window", optarg, 1, 100000); break;
		case O_MINSAMP: wo.min_samples = (uint64_t)fcvae_parse_long("--min-samples", optarg, 1, 1000000000); break;
		case O_LATE: wo.lateness = parse_duration("--lateness", optarg); break;
		case O_IDLE: idle = parse_duration("--idle", optarg); break;
		case O_MAXMISS:
			wo.max_missing = fcvae_parse_double("--max-missing", optarg);
			if (wo.max_missing < 0 || wo.max_missing > 1)
				fcvae_die(FCVAE_EXIT_USAGE, "--max-missing: '%s' is not a share from 0 to 1", optarg);
			break;
		case O_MAXGAP: wo.max_gap = parse_duration("--max-gap", optarg); break;
		case O_MAXGAPB: wo.max_gap_buckets = fcvae_parse_long("--max-gap-buckets", optarg, 0, 1L << 40); break;
		case O_REVISE: wo.revise = 1; break;
		case O_MAXSERIES: wo.max_series = (size_t)fcvae_parse_long("--max-series", optarg, 1, 1L << 32); break;
		case O_MAXLINE: max_line = fcvae_parse_max_line(optarg); break;
		case O_NOFLUSH: noflush = 1; break;
		case O_STATE: state = optarg; break;
		case O_HISTORY: history = optarg; break;
		case O_PIDLE: wo.partition_idle = parse_duration("--partition-idle", optarg), pidle = 1; break;
		case O_EVERY:
			/* a plain number counts records; with a unit it is a time */
			if (optarg[strspn(optarg, "0123456789")] == '\0')
				every_records = fcvae_parse_long("--state-every", optarg, 1, 1000000000);
			else {
				every_secs = parse_duration("--state-every", optarg);
				every_records = 0;
			}
			break;
		case O_STRICT: strict = 1; break;
		case O_LINEBUF: linebuf = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fcvae_usage(usage_text, FCVAE_EXIT_OK);
		case O_VERSION: fcvae_version(); break;
		default: fcvae_usage(usage_text, FCVAE_EXIT_USAGE);
		}
	}
	if (!*keyspec)
		fcvae_die(FCVAE_EXIT_USAGE, "--key: no field name");
	char *keycopy = fcvae_xstrdup(keyspec);
	const char **keys = fcvae_xmalloc((strlen(keyspec) / 2 + 1) * sizeof *keys);
	for (char *k = strtok(keycopy, ","); k; k = strtok(NULL, ","))
		keys[io.n_key++] = k;
	if (!io.n_key)
		fcvae_die(FCVAE_EXIT_USAGE, "--key: no field name");
	io.key_fields = keys;
	if (wo.min_samples && wo.min_samples < (uint64_t)wo.window)
		fcvae_die(FCVAE_EXIT_USAGE, "--min-samples (%llu) must be at least --window (%d): a window needs that many buckets",
		          (unsigned long long)wo.min_samples, wo.window);
	if (csv && kcat)
		fcvae_die(FCVAE_EXIT_USAGE, "--csv and --kcat: one input format");
	if (!kcat && (io.kafka_time || history || pidle))
		fcvae_die(FCVAE_EXIT_USAGE, "%s needs --kcat", io.kafka_time ? "--kafka-time" : history ? "--history" : "--partition-idle");
	fcvae_window w;
	fcvae_window_init(&w, &wo);
	w.sink = write_some;
	/* agg none without --lateness writes each record's window at once:
	 * no bucket waits that --idle could close; with it, or with an
	 * aggregation, buckets close for every series at once, which a
	 * partition's history read back out of order would upset */
	if (idle > 0 && w.at_once)
		fcvae_die(FCVAE_EXIT_USAGE, "--idle needs an --agg other than none, or --lateness (--agg none writes each window at once)");
	if (history && !w.at_once)
		fcvae_die(FCVAE_EXIT_USAGE, "--history needs --agg none without --lateness (each window at once)");

	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);

	if (state) {
		char err[512];
		fcvae_state_lock(state);
		/* only a state that is not there is none: one that cannot be
		 * read would be overwritten */
		if ((access(state, F_OK) == 0 || errno != ENOENT) && fcvae_window_load(&w, state, err, sizeof err) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot load state: %s", err);
		/* before any window goes out, not at the first save */
		if (fcvae_atomic_try(state) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "cannot save state: %s:", state);
	}
	/* a stop saves the state first (a consumer's offsets are committed
	 * meanwhile), and writes out what is made */
	fcvae_catch_stop();

	fcvae_input_reader rd;
	io.need_value = wo.agg != FCVAE_AGG_COUNT;
	fcvae_input_init(&rd, &io);
	fcvae_rejects rej = { 0 };
	fcvae_input in;
	char *deflt[] = { "-", NULL };
	char **files = optind < argc ? argv + optind : deflt;
	double last_record = now_wall(), last_save = last_record;
	long since_save = 0;
	size_t valued = 0;   /* records with a value field: none is a misnamed --value */

	/* a stop signal, or --strict's first bad line: the state is saved
	 * with what was read before, open buckets left open */
	int stop = 0;
	for (; *files && !stop; files++) {
		fcvae_lines l;
		int rc;
		if (fcvae_lines_open(&l, *files) < 0)
			fcvae_die(FCVAE_EXIT_FAIL, "%s:", *files);
		l.max = max_line;
		l.csv = io.format == FCVAE_INPUT_CSV;
		fcvae_input_new_file(&rd);
		for (;;) {
			/* (a stop signal ends the input, once what was read is taken) */
			if (strict && rej.total) {
				stop = FCVAE_STOP_STRICT;
				break;
			}
			if (!fcvae_lines_ready(&l))
				write_out(&w, 1);
			/* wake up for --idle and timed checkpoints while input is quiet */
			int timeout = -1, timed = idle > 0 || (state && every_secs > 0);
			double now = 0, wake = INFINITY;
			if (timed) {
				now = now_wall();
				if (idle > 0)
					wake = last_record + idle;
				if (state && every_secs > 0 && last_save + every_secs < wake)
					wake = last_save + every_secs;
				timeout = wake <= now ? 0 : (int)fmin(ceil((wake - now) * 1000), 1e9);
			}
			rc = fcvae_lines_read(&l, timeout);
			if (rc == 2 || (state && every_secs > 0 && now_wall() >= last_save + every_secs)) {
				now = now_wall();
				if (idle > 0 && now >= last_record + idle) {
					fcvae_window_idle(&w, now, idle);
					last_record = now;  /* next check one idle period on */
				}
				if (state && every_secs > 0 && now >= last_save + every_secs) {
					save_state(&w, state);
					last_save = now;
					since_save = 0;
				}
				if (rc == 2)
					continue;
			}
			if (rc == 0) {
				stop = fcvae_stop_due(0, 0);
				break;
			}
			if (rc < 0)
				fcvae_die(FCVAE_EXIT_FAIL, "%s:", *files);
			if (fcvae_reject_toolong(&rej, &l)) {
				/* the rows after a cut header would be read against the wrong columns */
				if (io.format == FCVAE_INPUT_CSV && !rd.have_header && !strict)
					fcvae_die(FCVAE_EXIT_FAIL, "%s: cannot read this CSV: its header is longer than %zu bytes (see --max-line)",
					          *files, max_line);
				continue;
			}
			const char *reason;
			char msg[256];
			int got = fcvae_input_parse(&rd, l.line, l.len, &in, &reason, msg, sizeof msg);
			if (in.topic)
				w.now = now_wall();
			if (got == -2) {
				fcvae_reject(&rej, &l, reason, "%s", msg);
				if (!strict)
					fcvae_die(FCVAE_EXIT_FAIL, "%s: cannot read this CSV", *files);
				continue;
			}
			if (got < 0) {
				/* a Kafka message reported by the run that saved the state */
				if (fcvae_window_replayed(&w, &in))
					continue;
				fcvae_reject(&rej, &l, reason, "%s", msg);
				if (!strict) {
					take_history(&w, &io, history, &in, max_line);
					fcvae_window_refused(&w, &in);
				}
				continue;
			}
			if (got == 0)
				continue;
			if (idle > 0)
				last_record = now_wall();
			valued += in.has_value;
			take_history(&w, &io, history, &in, max_line);
			int added = fcvae_window_add(&w, &in);
			if (added == 2) {
				char span[32];
				fcvae_reject(&rej, &l, "bad ts", "\"%s\" is %s after the latest record (see --max-gap)",
				             io.ts_field, format_span(span, sizeof span, in.ts - w.maxts));
			}
			else if (added == 4)
				fcvae_reject(&rej, &l, "bad ts", "\"%s\" is %.0f buckets after the latest record (see --max-gap-buckets)",
				             io.ts_field, floor(in.ts / (double)wo.bucket) - floor(w.maxts / (double)wo.bucket));
			else if (added == 5)
				fcvae_reject(&rej, &l, "bad ts", "\"%s\" is in a bucket that would start before year 0 (years 0 to 9999)",
				             io.ts_field);
			else if (added == 3)
				fcvae_reject(&rej, &l, "too many series", "a new series beyond %zu (see --max-series)",
				             wo.max_series);
			if (added >= 2 && !strict)
				fcvae_window_refused(&w, &in);
			write_out(&w, linebuf);
			if (state && every_records && ++since_save >= every_records) {
				save_state(&w, state);
				since_save = 0;
			}
		}
		if (!stop && io.format == FCVAE_INPUT_CSV && !rd.have_header)
			fcvae_warn("%s: no CSV header: the input is empty", fcvae_path_said(*files));
		fcvae_lines_close(&l);
	}
	if (!stop && !noflush)
		fcvae_window_flush(&w);
	else if (!stop)
		fcvae_window_settle(&w);
	write_out(&w, 1);
	if (state)
		save_state(&w, state);
	/* without --state, what the open buckets hold at --no-flush or a stop
	 * is not written anywhere, so say how much */
	size_t unwritten = (noflush || stop) && !state ? fcvae_window_open_records(&w) : 0;
	/* ... and of a series too short for a window, nothing at all */
	size_t young = state ? 0 : fcvae_window_young(&w);

	if (io.need_value && w.records && !valued && !stop)
		fcvae_warn("no record has a \"%s\" field: every value is missing (see --value)", io.value_field);
	/* a --series that matched nothing, a misspelt key among others too */
	for (size_t i = 0; i < keep.n && !stop; i++)
		if (!fcvae_window_has(&w, keep.key[i], keep.len[i]))
			fcvae_warn("--series \"%s\": no record of this series", keep.key[i]);
	/* --strict: the bad line said it */
	if (verbose || unwritten || young || (w.other && !w.windows) ||
	    (stop != FCVAE_STOP_STRICT && (rej.total || w.late || w.replayed || w.dropped || w.overflowed))) {
		fcvae_buf sum = { 0 };
		char r[512];
		fcvae_buf_printf(&sum, "%zu records, %zu series, %zu windows", w.records, w.n, w.windows);
		if (w.overflowed)
			fcvae_buf_printf(&sum, ", %zu bucket sums beyond a double (missing)", w.overflowed);
		if (w.dropped)
			fcvae_buf_printf(&sum, ", %zu windows dropped (too many missing)", w.dropped);
		if (w.late)
			fcvae_buf_printf(&sum, ", %zu late records dropped", w.late);
		if (w.revised)
			fcvae_buf_printf(&sum, ", %zu late records revised", w.revised);
		if (w.replayed)
			fcvae_buf_printf(&sum, ", %zu records skipped (Kafka offset already processed)", w.replayed);
		if (w.other)
			fcvae_buf_printf(&sum, ", %zu records of other series skipped (--series)", w.other);
		if (unwritten)
			fcvae_buf_printf(&sum, ", %zu records left in open buckets (%s without --state)", unwritten,
			                 stop ? "stopped" : "--no-flush");
		if (young)
			fcvae_buf_printf(&sum, ", %zu series with fewer than %llu buckets: no window of %s (see --window%s)",
			                 young, (unsigned long long)w.o.min_samples, young == 1 ? "it" : "them",
			                 w.o.min_samples > (uint64_t)w.o.window ? ", --min-samples" : "");
		fcvae_rejects_format(&rej, r, sizeof r);
		if (r[0])
			fcvae_buf_printf(&sum, "; %s", r);
		fcvae_warn("%s", sum.p);
		fcvae_buf_free(&sum);
	}
	fcvae_input_free(&rd);
	fcvae_window_free(&w);
	fcvae_keyset_free(&keep);
	free(keys);
	free(keycopy);
	fcvae_stop_exit(stop);
}
