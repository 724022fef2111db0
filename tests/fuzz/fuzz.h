/* fuzz.h — what the fuzz targets share: the libFuzzer entry point, bytes
 * as a file for loaders that take a path, and checks on accepted records. */
#ifndef FCVAE_FUZZ_H
#define FCVAE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path (/proc/self/fd/N of a memfd) whose file holds data[0..size): the
 * model and state loaders read files, and a memory file keeps the disk out
 * of the loop. Valid until the next call. */
const char *fuzz_file(const uint8_t *data, size_t size);

/* A record the reader accepted must be usable: a finite time, a
 * NUL-terminated key, and pass-through fields that read back as JSON object
 * members. Aborts if not. */
void fuzz_check_record(const fcvae_input *in);

/* The line-input targets' frame: data[0] is an options byte, the rest is
 * lines, each handed to line() (without its '\n', not NUL-terminated) in a
 * private copy so that the parsers may not read past it unnoticed. */
void fuzz_lines(const uint8_t *data, size_t size, void (*line)(const char *s, size_t len, void *ctx), void *ctx);

#endif
