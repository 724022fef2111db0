/* util.h — what every program needs: error reporting and exit codes, stop
 * signals, checked allocation, atomic file writes, option parsing. */
#ifndef FCVAE_UTIL_H
#define FCVAE_UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes of SPEC §10: one table for every program. */
enum fcvae_exit {
	FCVAE_EXIT_OK = 0,
	FCVAE_EXIT_FAIL = 1,   /* runtime failure: I/O, bad model */
	FCVAE_EXIT_USAGE = 2,  /* bad command line */
	FCVAE_EXIT_DATA = 3,   /* bad input data under --strict */
};

/* Program name used as the prefix of every message; set once from argv[0],
 * its last path component, which becomes argv[0] too: getopt's own messages
 * ("unrecognized option") are prefixed with argv[0]. */
extern const char *fcvae_argv0;
/* An input path as messages name it: "-" is standard input. */
static inline const char *fcvae_path_said(const char *path)
{
	return path[0] == '-' && !path[1] ? "standard input" : path;
}

/* A program's first call: fcvae_argv0 set; a standard descriptor closed at
 * start made one whose use fails; SIGPIPE and SIGXFSZ ignored, so that a
 * closed pipe or a file size limit is a write error to report (exit 1),
 * not a silent death (nor, on stderr, the loss of a run's result). */
void fcvae_start(char **argv);

/* sbase style: "argv0: message"; a message ending in ':' gets strerror(errno). */
void fcvae_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fcvae_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *fcvae_xmalloc(size_t n);
void *fcvae_xcalloc(size_t n, size_t size);
void *fcvae_xrealloc(void *p, size_t n);
char *fcvae_xstrdup(const char *s);

/* Print "--version" text for a program and exit 0. */
_Noreturn void fcvae_version(void);

/* Print a program's usage text and exit with code: to stdout for -h (code
 * 0, stdout checked at close), to stderr for a usage error. */
_Noreturn void fcvae_usage(const char *text, int code);

/* Flush and close stdout; on error report it and exit FCVAE_EXIT_FAIL. */
void fcvae_close_stdout(void);

/* Atomic file replacement: write into a temp file in the target's directory,
 * fsync, then rename over the target, so a reader (or a crash) sees either
 * the old or the new complete file. Opening first removes the target's
 * temp files that a killed writer left (those no live writer holds).
 * A symbolic link stays: the file at the end of its chain is the target
 * (created, for a dangling link whose directory exists).
 * A target that exists but is not a regular file or a directory (a device
 * such as /dev/null, a FIFO) is written directly: a rename would replace
 * the node by a regular file, and atomicity means nothing there. */
typedef struct {
	FILE *fp;
	char *path; /* the target: a link followed to its end */
	char *tmp;  /* the file written: the temp file, or path when direct */
	int lock;   /* holds the temp file's lock until after the rename */
	int direct; /* writing into path itself: no temp file, no rename */
} fcvae_atomic;

int fcvae_atomic_open(fcvae_atomic *a, const char *path);   /* 0 or -1 with errno */
int fcvae_atomic_commit(fcvae_atomic *a);                   /* 0 or -1, temp removed on failure */
void fcvae_atomic_abort(fcvae_atomic *a);
/* Whether path can be written so, tried as a write would (a temp file
 * made beside it and removed; for a target written directly, its write
 * permission, without opening it: a FIFO's reader would see an end): for
 * an output written after long work, said at the start. 0, or -1 with
 * errno (EISDIR for a directory, ENXIO for a socket). */
int fcvae_atomic_try(const char *path);
/* One run at a time on a state file: an exclusive lock on PATH.lock (made
 * if need be, left in place), held until exit. Another run holding it ends
 * this one (exit 1): two runs that load one state would each save over
 * what the other took. Where no lock file can be made, none is taken. */
void fcvae_state_lock(const char *path);
/* fcvae_atomic_try, or die (exit 1) with "cannot write PATH: why", the
 * path as given and what the try met (not a guess at its directory: a
 * device, a socket, a link loop or a dangling link each fail otherwise). */
void fcvae_atomic_check(const char *path);

/* Stopping on SIGINT or SIGTERM with the work saved (a state file), for a
 * program whose death would lose it: after fcvae_catch_stop(), either sets
 * fcvae_stop_signal and makes fcvae_stop_fd readable, which wakes
 * fcvae_lines_read() whichever thread the signal came to: its input ends
 * there, once the lines already read are taken. A signal ignored at start
 * stays ignored: a pipeline that drains its filters on a stop
 * (fcvae-stream) ignores them there. Under --strict such a program stops
 * too at the first rejected line, what came before it saved:
 *     while (!(strict && rej.total) && fcvae_lines_read(...) == 1) { take it }
 *     stop = fcvae_stop_due(strict, rej.total);
 *     save the state; fcvae_stop_exit(stop); */
extern volatile sig_atomic_t fcvae_stop_signal;
extern int fcvae_stop_fd;   /* -1 until fcvae_catch_stop() */
void fcvae_catch_stop(void);
enum { FCVAE_STOP_SIGNAL = 1, FCVAE_STOP_STRICT };
/* Before each record: FCVAE_STOP_SIGNAL when a stop signal came,
 * FCVAE_STOP_STRICT when strict and a line was rejected, else 0 (go on). */
int fcvae_stop_due(int strict, size_t rejected);
/* After the work was saved: close stdout (fcvae_close_stdout), then end as
 * stop says (0: the input ended, exit 0). A stopped program that had a
 * signal (also after a strict stop) ends as killed by it, as a shell
 * expects (status 128 + its number); one stopped by strict alone exits
 * FCVAE_EXIT_DATA, the bad line having said why. */
_Noreturn void fcvae_stop_exit(int stop);

/* Seconds of CLOCK_MONOTONIC: for intervals, never for times of day. */
double fcvae_monotonic(void);

/* A comma-separated list of whole names, each one of names[0..n): want[i]
 * set to 1 for each named, 0 for the others. -1 when a part is none of
 * them ("pn,svg"): an error, not a name quietly left out. */
int fcvae_parse_list(const char *list, const char *const *names, int n, int *want);

/* Parse helpers for option arguments; die with a usage error naming the option. */
long fcvae_parse_long(const char *opt, const char *s, long min, long max);
double fcvae_parse_double(const char *opt, const char *s);

/* qsort's comparison of two doubles, ascending (no NaN among them). */
int fcvae_cmp_double(const void *a, const void *b);

#endif
