/* fuzz-kcat.c — fuzz target: kcat -C -J envelopes (record.c) with their
 * JSON payloads, fed on into fcvae-window's Kafka offset bookkeeping.
 * The first byte picks options; the rest is lines of input. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"
#include "window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *keys[] = { "key" };
	unsigned opt = data[0];
	fcvae_input_opts io = { FCVAE_INPUT_KCAT, "ts", "value", "label", keys, 1, opt & 2 ? "dflt" : NULL, opt & 1 };
	fcvae_window_opts wo = { opt & 4 ? FCVAE_AGG_COUNT : FCVAE_AGG_NONE, 3600, 2, 0, 0.5, 0, 366 * 86400.0, 0 };
	fcvae_input_reader rd;
	fcvae_window w;
	fcvae_input in;
	fcvae_input_init(&rd, &io);
	fcvae_window_init(&w, &wo);
	char *text = malloc(size);
	memcpy(text, data + 1, size - 1);
	size_t n = size - 1, at = 0;
	while (at < n) {
		char *nl = memchr(text + at, '\n', n - at);
		size_t len = nl ? (size_t)(nl - (text + at)) : n - at;
		const char *reason;
		char msg[256];
		if (fcvae_input_parse(&rd, text + at, len, &in, &reason, msg, sizeof msg) == 1) {
			fuzz_check_record(&in);
			if (!in.topic)
				abort();
			fcvae_window_add(&w, &in);
		}
		fcvae_buf_clear(&w.out);
		at += len + 1;
	}
	free(text);
	fcvae_input_free(&rd);
	fcvae_window_free(&w);
	return 0;
}
