/* fuzz-kcat.c — fuzz target: kcat -C -J envelopes (record.c) with their
 * JSON payloads, fed on into fcvae-window's Kafka offset bookkeeping.
 * The first byte picks options; the rest is lines of input. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"
#include "window.h"

struct kcat_ctx {
	fcvae_input_reader rd;
	fcvae_window w;
};

static void kcat_line(const char *s, size_t len, void *ctx)
{
	struct kcat_ctx *c = ctx;
	fcvae_input in;
	const char *reason;
	char msg[256];
	if (fcvae_input_parse(&c->rd, s, len, &in, &reason, msg, sizeof msg) == 1) {
		fuzz_check_record(&in);
		if (!in.topic)
			abort();
		fcvae_window_add(&c->w, &in);
	}
	fcvae_buf_clear(&c->w.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *keys[] = { "key" };
	unsigned opt = data[0];
	fcvae_input_opts io = { FCVAE_INPUT_KCAT, "ts", "value", "label", keys, 1, opt & 2 ? "dflt" : NULL, opt & 1, 0 };
	fcvae_window_opts wo = { opt & 4 ? FCVAE_AGG_COUNT : FCVAE_AGG_NONE, 3600, 2, 0, 0.5, 0, 366 * 86400.0, 0, 0, 60, 0, NULL };
	/* as in fuzz-ndjson: at most a thousand buckets closed by one record
	 * (366 days' worth is legitimate work that slowed this target from
	 * 37k to under 1k executions per second as the corpus found jumps) */
	wo.max_gap = 1000.0 * (double)wo.bucket;
	/* fcvae-window --series a: other series' offsets kept, nothing else */
	fcvae_keyset keep = { 0 };
	if (opt & 8) {
		fcvae_keyset_add(&keep, "a", 1, &(int){ 0 });
		wo.keep = &keep;
	}
	struct kcat_ctx c;
	fcvae_input_init(&c.rd, &io);
	fcvae_window_init(&c.w, &wo);
	fuzz_lines(data, size, kcat_line, &c);
	fcvae_input_free(&c.rd);
	fcvae_window_free(&c.w);
	fcvae_keyset_free(&keep);
	return 0;
}
