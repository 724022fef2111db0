/* util.c — error reporting, checked allocation, atomic file writes. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *fcvae_argv0 = "fcvae";

void fcvae_setprogname(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	if (argv0)
		fcvae_argv0 = slash ? slash + 1 : argv0;
}

static void vwarn(const char *fmt, va_list ap)
{
	int saved = errno;
	fprintf(stderr, "%s: ", fcvae_argv0);
	vfprintf(stderr, fmt, ap);
	size_t n = strlen(fmt);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
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

void fcvae_close_stdout(void)
{
	int bad = ferror(stdout);
	if (fflush(stdout) != 0)
		bad = 1;
	if (fclose(stdout) != 0 || bad)
		fcvae_die(FCVAE_EXIT_FAIL, "write error on standard output:");
}

int fcvae_atomic_open(fcvae_atomic *a, const char *path)
{
	size_t n = strlen(path);
	a->path = fcvae_xstrdup(path);
	a->tmp = fcvae_xmalloc(n + 16);
	memcpy(a->tmp, path, n);
	memcpy(a->tmp + n, ".tmp.XXXXXX", 12);
	int fd = mkstemp(a->tmp);
	if (fd < 0) {
		int e = errno;
		free(a->path);
		free(a->tmp);
		a->path = a->tmp = NULL;
		a->fp = NULL;
		errno = e;
		return -1;
	}
	fchmod(fd, 0644);
	a->fp = fdopen(fd, "wb");
	if (!a->fp) {
		int e = errno;
		close(fd);
		fcvae_atomic_abort(a);
		errno = e;
		return -1;
	}
	return 0;
}

int fcvae_atomic_commit(fcvae_atomic *a)
{
	int bad = ferror(a->fp) || fflush(a->fp) != 0 || fsync(fileno(a->fp)) != 0;
	int e = errno;
	if (fclose(a->fp) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	a->fp = NULL;
	if (!bad && rename(a->tmp, a->path) != 0) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlink(a->tmp);
		free(a->tmp);
		free(a->path);
		a->tmp = a->path = NULL;
		errno = e;
		return -1;
	}
	free(a->tmp);
	free(a->path);
	a->tmp = a->path = NULL;
	return 0;
}

void fcvae_atomic_abort(fcvae_atomic *a)
{
	if (a->fp)
		fclose(a->fp);
	if (a->tmp)
		unlink(a->tmp);
	free(a->tmp);
	free(a->path);
	a->fp = NULL;
	a->tmp = a->path = NULL;
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

double fcvae_parse_double(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v != v)
		fcvae_die(FCVAE_EXIT_USAGE, "%s: '%s' is not a number", opt, s);
	return v;
}
