/* util.c — what every program needs: error reporting and exit codes, stop
 * signals, checked allocation, atomic file writes, option parsing. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *fcvae_argv0 = "fcvae";

volatile sig_atomic_t fcvae_stop_signal;
int fcvae_stop_fd = -1;
static int stop_wfd = -1;

static void on_stop(int sig)
{
	int e = errno;
	fcvae_stop_signal = sig;
	if (write(stop_wfd, "", 1) < 0) {
		/* full: the reader is woken already */
	}
	errno = e;
}

void fcvae_catch_stop(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "pipe:");
	fcvae_stop_fd = fds[0];
	stop_wfd = fds[1];
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		struct sigaction old, sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_stop;
		/* reads and writes go on; the wait for input is woken by the pipe */
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

int fcvae_stop_due(int strict, size_t rejected)
{
	if (fcvae_stop_signal)
		return FCVAE_STOP_SIGNAL;
	return strict && rejected ? FCVAE_STOP_STRICT : 0;
}

void fcvae_stop_exit(int stop)
{
	fcvae_close_stdout();
	if (stop && fcvae_stop_signal) {
		int sig = fcvae_stop_signal;
		signal(sig, SIG_DFL);
		raise(sig);
		exit(128 + sig);
	}
	exit(stop ? FCVAE_EXIT_DATA : FCVAE_EXIT_OK);
}

void fcvae_start(char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* A standard descriptor closed at start (prog <&-) would be the next
	 * file opened: input read from, output written into, whatever file
	 * that is. Each such one is taken by /dev/null opened the other way,
	 * so that its reads or writes fail (EBADF), as cat's do, and say so.
	 * (In this order each open takes the lowest free number: fd itself.) */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
	if (!argv[0])
		return;
	char *slash = strrchr(argv[0], '/');
	if (slash)
		argv[0] = slash + 1;
	fcvae_argv0 = argv[0];
}

/* The whole line goes out in one write: programs of a pipeline share one
 * stderr, and a message written in parts got another's in its middle. */
static void vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);
	const char *err = n && fmt[n - 1] == ':' ? strerror(saved) : NULL;
	va_list aq;
	va_copy(aq, ap);
	int len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	size_t size = strlen(fcvae_argv0) + (len > 0 ? (size_t)len : 0) + (err ? strlen(err) : 0) + 8;
	char stack[1024], *line = stack;
	if (size > sizeof stack && !(line = malloc(size))) {
		line = stack; /* cut short rather than lost */
		size = sizeof stack;
	}
	snprintf(line, size - 1, "%s: ", fcvae_argv0);
	n = strlen(line);
	vsnprintf(line + n, size - 1 - n, fmt, ap);
	n += strlen(line + n);
	if (err)
		snprintf(line + n, size - 1 - n, " %s", err);
	n += strlen(line + n);
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
	if (line != stack)
		free(line);
}

void fcvae_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void fcvae_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

void *fcvae_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		fcvae_die(FCVAE_EXIT_FAIL, "out of memory (%zu bytes)", n);
	return p;
}

void *fcvae_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		fcvae_die(FCVAE_EXIT_FAIL, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *fcvae_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		fcvae_die(FCVAE_EXIT_FAIL, "out of memory (%zu bytes)", n);
	return q;
}

char *fcvae_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(fcvae_xmalloc(n), s, n);
}

void fcvae_version(void)
{
	printf("%s (fcvae) %s\n", fcvae_argv0, FCVAE_VERSION);
	fcvae_close_stdout();
	exit(FCVAE_EXIT_OK);
}

void fcvae_usage(const char *text, int code)
{
	fputs(text, code ? stderr : stdout);
	if (!code)
		fcvae_close_stdout();
	exit(code);
}

void fcvae_close_stdout(void)
{
	int bad = ferror(stdout);
	if (fflush(stdout) != 0)
		bad = 1;
	if (fclose(stdout) != 0 || bad)
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
}

/* Temp files are named "<target>.tmp.XXXXXX" (mkstemp) and locked (flock)
 * by their writer until renamed, so that a temp file left by a writer that
 * was killed can be told from one being written now: its lock is gone. */
static int is_temp_of(const char *name, const char *base, size_t n)
{
	if (strncmp(name, base, n) || strncmp(name + n, ".tmp.", 5) || strlen(name + n + 5) != 6)
		return 0;
	for (const char *p = name + n + 5; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Remove the temp files of path that no writer holds. Only this target's:
 * writers of other files in the directory are left alone. Best effort. */
static void sweep_stale(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : NULL;
	int dfd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	size_t n = strlen(base);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_temp_of(e->d_name, base, n))
			continue;
		int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		struct stat held, named;
		if (fd < 0)
			continue;
		/* unlocked, and still the file of that name (not renamed into
		 * place by a writer that finished meanwhile) */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &held) == 0 && S_ISREG(held.st_mode) &&
		    fstatat(dfd, e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_ino == held.st_ino &&
		    named.st_dev == held.st_dev)
			unlinkat(dfd, e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

void fcvae_state_lock(const char *path)
{
	size_t n = strlen(path) + sizeof ".lock";
	char *lock = fcvae_xrealloc(NULL, n);
	snprintf(lock, n, "%s.lock", path);
	/* (none to be made: the state cannot be saved there either, which
	 * the caller's checks say) */
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			fcvae_die(FCVAE_EXIT_FAIL, "%s: in use by another run (its lock %s is held)", path, lock);
		fcvae_die(FCVAE_EXIT_FAIL, "cannot lock the state %s: %s:", path, lock);
	}
	free(lock); /* the descriptor stays open: the lock lasts until exit */
}

int fcvae_atomic_try(const char *path)
{
	struct stat st;
	fcvae_atomic a;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			errno = EISDIR;
		else if (S_ISSOCK(st.st_mode))
			errno = ENXIO; /* as open() says: it cannot write one */
		else
			return faccessat(AT_FDCWD, path, W_OK, AT_EACCESS);
		return -1;
	}
	if (fcvae_atomic_open(&a, path) != 0)
		return -1;
	fcvae_atomic_abort(&a);
	return 0;
}

void fcvae_atomic_check(const char *path)
{
	if (fcvae_atomic_try(path) < 0)
		fcvae_die(FCVAE_EXIT_FAIL, "cannot write %s:", path);
}

/* The file that a write of path replaces: the end of its chain of symbolic
 * links (a file not there yet, for a dangling link), so that the links
 * stay and the file they lead to gets the new content, as a write through
 * them would: a models directory of links to versioned files is common.
 * Allocated; NULL with errno ELOOP or ENAMETOOLONG. */
static char *final_target(const char *path)
{
	char *p = fcvae_xstrdup(path), to[PATH_MAX];
	for (int hops = 0;; hops++) {
		/* not a link, or not there: the write meets the same error */
		ssize_t n = readlink(p, to, sizeof to);
		if (n < 0)
			return p;
		if (hops == 40 || n == sizeof to) {
			free(p);
			errno = n == sizeof to ? ENAMETOOLONG : ELOOP;
			return NULL;
		}
		/* a relative link is relative to its own directory */
		const char *slash = strrchr(p, '/');
		size_t dlen = *to == '/' || !slash ? 0 : (size_t)(slash - p) + 1;
		char *q = fcvae_xmalloc(dlen + (size_t)n + 1);
		memcpy(q, p, dlen);
		memcpy(q + dlen, to, (size_t)n);
		q[dlen + (size_t)n] = '\0';
		free(p);
		p = q;
	}
}

/* A device or FIFO: opened for writing as it is (a FIFO's open waits for
 * a reader), never created, replaced or truncated. */
static int open_direct(fcvae_atomic *a, const char *path)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!(a->fp = fdopen(fd, "wb"))) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	a->path = fcvae_xstrdup(path);
	a->tmp = fcvae_xstrdup(path);
	a->direct = 1;
	return 0;
}

int fcvae_atomic_open(fcvae_atomic *a, const char *path)
{
	int fd = -1, e = 0;
	struct stat st;
	a->fp = NULL;
	a->lock = -1;
	a->direct = 0;
	a->path = a->tmp = NULL;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return open_direct(a, path);
	if (!(a->path = final_target(path)))
		return -1;
	size_t n = strlen(a->path);
	sweep_stale(a->path);
	a->tmp = fcvae_xmalloc(n + 16);
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		memcpy(a->tmp, a->path, n);
		memcpy(a->tmp + n, ".tmp.XXXXXX", 12);
		if ((fd = mkstemp(a->tmp)) < 0) {
			e = errno;
			break;
		}
		/* a sweep by another process may have taken the new file between
		 * mkstemp and the lock: then it is unlinked, make another */
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
		if (fstat(fd, &st) == 0 && st.st_nlink == 0) {
			close(fd);
			fd = -1;
			e = EAGAIN;
		}
	}
	if (fd < 0) {
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		errno = e;
		return -1;
	}
	/* a file replaced keeps its mode; a new one has what open(2) would
	 * give it, 0666 less the umask (mkstemp's is 0600) */
	struct stat old;
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, stat(a->path, &old) == 0 ? (old.st_mode & 07777) : (0666 & ~mask));
	/* the lock lives as long as any descriptor of the file: this one is
	 * closed only after the rename */
	a->lock = dup(fd);
	a->fp = fdopen(fd, "wb");
	if (!a->fp || a->lock < 0) {
		e = errno;
		if (!a->fp)
			close(fd);
		fcvae_atomic_abort(a);
		errno = e;
		return -1;
	}
	return 0;
}

int fcvae_atomic_commit(fcvae_atomic *a)
{
	/* a pipe or a character device cannot be synced (EINVAL): written is all */
	int bad = ferror(a->fp) || fflush(a->fp) != 0 ||
	          (fsync(fileno(a->fp)) != 0 && !(a->direct && errno == EINVAL));
	int e = errno;
	if (fclose(a->fp) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	a->fp = NULL;
	if (!bad && !a->direct && rename(a->tmp, a->path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		fcvae_atomic_abort(a);
		errno = e;
		return -1;
	}
	close(a->lock);
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	a->lock = -1;
	return 0;
}

void fcvae_atomic_abort(fcvae_atomic *a)
{
	if (a->fp)
		fclose(a->fp);
	if (a->tmp && !a->direct)
		unlink(a->tmp);
	if (a->lock >= 0)
		close(a->lock);
	free(a->tmp);
	free(a->path);
	a->fp = NULL;
	a->tmp = a->path = NULL;
	a->lock = -1;
	a->direct = 0;
}

long fcvae_parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		fcvae_die(FCVAE_EXIT_USAGE, "%s: '%s' is not a whole number from %ld to %ld", opt, s, min, max);
	return v;
}

int fcvae_parse_list(const char *list, const char *const *names, int n, int *want)
{
	for (int i = 0; i < n; i++)
		want[i] = 0;
	for (const char *p = list;; p++) {
		size_t len = strcspn(p, ",");
		int i = 0;
		while (i < n && !(strlen(names[i]) == len && !strncmp(p, names[i], len)))
			i++;
		if (i == n)
			return -1;
		want[i] = 1;
		p += len;
		if (!*p)
			return 0;
	}
}

double fcvae_parse_double(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v != v)
		fcvae_die(FCVAE_EXIT_USAGE, "%s: '%s' is not a number", opt, s);
	return v;
}

double fcvae_monotonic(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

int fcvae_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}
