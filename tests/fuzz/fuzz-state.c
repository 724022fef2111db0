/* fuzz-state.c — fuzz target: fcvae-window's state file loader (window.c).
 * The options come from the file's own header line (clamped), so the
 * fuzzer gets past the "saved with other options" check; a state that
 * loads must then take records, close buckets and flush without harm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "window.h"

static double header_num(const fcvae_json *h, const char *name, double dflt, double lo, double hi)
{
	const fcvae_json *v = fcvae_json_get(h, name);
	if (!v || v->type != FCVAE_JSON_NUMBER || !(v->num >= lo && v->num <= hi))
		return dflt;
	return floor(v->num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fcvae_window_opts wo = { FCVAE_AGG_COUNT, 3600, 4, 0, 0.5, 0, 366 * 86400.0, 0, 0, 60, 0, NULL };
	const uint8_t *nl = memchr(data, '\n', size);
	fcvae_json_parser p;
	fcvae_json_parser_init(&p);
	const fcvae_json *h = fcvae_json_parse(&p, (const char *)data, nl ? (size_t)(nl - data) : size);
	if (h) {
		const fcvae_json *agg = fcvae_json_get(h, "agg"), *rev = fcvae_json_get(h, "revise");
		if (agg && agg->type == FCVAE_JSON_STRING && fcvae_agg_parse(agg->str) >= 0)
			wo.agg = fcvae_agg_parse(agg->str);
		wo.bucket = (int64_t)header_num(h, "bucket", 3600, 1, 1e9);
		wo.window = (int)header_num(h, "window", 4, 1, 64);
		wo.revise = rev && rev->type == FCVAE_JSON_TRUE;
	}
	/* the gap a record may jump, as fcvae-window's --max-gap, but at most a
	 * thousand buckets: a state is refused when its watermark trails more,
	 * and up to that every bucket in between is closed, which is legitimate
	 * work and output that would only slow the fuzzer */
	wo.max_gap = 1000.0 * (double)wo.bucket;
	fcvae_json_parser_free(&p);

	fcvae_window w;
	char err[512];
	fcvae_window_init(&w, &wo);
	if (fcvae_window_load(&w, fuzz_file(data, size), err, sizeof err) == 0) {
		/* records early and late, then the end of input */
		static const char *keys[] = { "a", "b" };
		double t0 = isfinite(w.maxts) ? w.maxts : 1740441600;
		for (int i = 0; i < 6; i++) {
			fcvae_input in = { .key = keys[i & 1], .keylen = 1, .ts = t0 + (i - 2) * 1000.0, .value = i,
			                   .has_value = 1, .extra = "", .partition = -1, .offset = -1 };
			fcvae_window_add(&w, &in);
			fcvae_buf_clear(&w.out);
		}
		fcvae_window_flush(&w);
	}
	fcvae_window_free(&w);
	return 0;
}
