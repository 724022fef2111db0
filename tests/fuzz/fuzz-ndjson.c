/* fuzz-ndjson.c — fuzz target: NDJSON input records (json.c, record.c) fed
 * on into fcvae-window's engine (window.c), plus the JSON writer's promise
 * that what it writes reads back the same.
 * The first byte picks options; the rest is lines of input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "record.h"
#include "window.h"

/* The writer must produce JSON that reads back as the same string/number. */
static void check_roundtrip(const fcvae_json *root)
{
	static fcvae_json_parser p;
	static fcvae_buf b;
	static int init;
	if (!init) {
		fcvae_json_parser_init(&p);
		init = 1;
	}
	for (uint32_t i = 0; i < root->size; i++) {
		const fcvae_json *v = root + i;
		fcvae_buf_clear(&b);
		if (v->type == FCVAE_JSON_STRING)
			fcvae_json_add_string(&b, v->str, v->slen);
		else if (v->type == FCVAE_JSON_NUMBER && isfinite(v->num))
			fcvae_json_add_number(&b, v->num);
		else
			continue;
		const fcvae_json *r = fcvae_json_parse(&p, b.p, b.len);
		if (!r || r->type != v->type)
			abort();
		if (v->type == FCVAE_JSON_STRING && (r->slen != v->slen || memcmp(r->str, v->str, v->slen)))
			abort();
		if (v->type == FCVAE_JSON_NUMBER && r->num != v->num)
			abort();
	}
}

struct ndjson_ctx {
	fcvae_input_reader rd;
	fcvae_window w;
	fcvae_json_parser jp;
};

static void ndjson_line(const char *s, size_t len, void *ctx)
{
	struct ndjson_ctx *c = ctx;
	fcvae_input in;
	const char *reason;
	char msg[256];
	const fcvae_json *root = fcvae_json_parse(&c->jp, s, len);
	if (root)
		check_roundtrip(root);
	if (fcvae_input_parse(&c->rd, s, len, &in, &reason, msg, sizeof msg) == 1) {
		fuzz_check_record(&in);
		fcvae_window_add(&c->w, &in);
	}
	fcvae_buf_clear(&c->w.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const char *keys1[] = { "key" }, *keys2[] = { "key", "sub" };
	unsigned opt = data[0];
	fcvae_input_opts io = { FCVAE_INPUT_NDJSON, "ts", "value", "label", opt & 1 ? keys2 : keys1, opt & 1 ? 2 : 1,
	                        opt & 2 ? "dflt" : NULL, 0, 0 };
	fcvae_window_opts wo = { (int)(opt >> 2 & 7) % 6, opt & 32 ? 60 : 3600, opt & 64 ? 3 : 1, opt & 128 ? 600 : 0,
	                         0.5, opt & 16, 366 * 86400.0, 0, 0, 60, 0, NULL };
	/* a record may close up to a thousand buckets at once (fcvae-window's
	 * --max-gap allows 366 days: legitimate work, too slow for fuzzing) */
	wo.max_gap = 1000.0 * (double)wo.bucket;
	struct ndjson_ctx c;
	fcvae_input_init(&c.rd, &io);
	fcvae_window_init(&c.w, &wo);
	fcvae_json_parser_init(&c.jp);
	c.jp.max_depth = 64;
	fuzz_lines(data, size, ndjson_line, &c);
	fcvae_window_flush(&c.w);
	fcvae_json_parser_free(&c.jp);
	fcvae_input_free(&c.rd);
	fcvae_window_free(&c.w);
	return 0;
}
