/* common.c — fuzz_file(), fuzz_check_record() and fuzz_lines(), shared by
 * the fuzz targets. */
#include "fuzz.h"
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

const char *fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("fuzz", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_file");
		abort();
	}
	return path;
}

void fuzz_check_record(const fcvae_input *in)
{
	static fcvae_json_parser p;
	static fcvae_buf b;
	static int init;
	if (!init) {
		fcvae_json_parser_init(&p);
		init = 1;
	}
	if (!isfinite(in->ts) || !in->key || memchr(in->key, '\0', in->keylen + 1) == NULL)
		abort();
	fcvae_buf_clear(&b);
	fcvae_buf_addc(&b, '{');
	fcvae_json_add_string(&b, in->key, in->keylen);
	fcvae_buf_adds(&b, ":0");
	fcvae_buf_add(&b, in->extra, in->extralen);
	fcvae_buf_addc(&b, '}');
	const fcvae_json *r = fcvae_json_parse(&p, b.p, b.len);
	if (!r || r->type != FCVAE_JSON_OBJECT)
		abort();
}

void fuzz_lines(const uint8_t *data, size_t size, void (*line)(const char *s, size_t len, void *ctx), void *ctx)
{
	size_t n = size - 1, at = 0;
	char *text = malloc(n ? n : 1);
	memcpy(text, data + 1, n);
	while (at < n) {
		char *nl = memchr(text + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
		line(text + at, len, ctx);
		at += len + 1;
	}
	free(text);
}
