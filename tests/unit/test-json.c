/* test-json.c — the JSON reader and writer against hand-written cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rng.h"
#include "unit.h"

static fcvae_json_parser p;

static const fcvae_json *parse(const char *s)
{
	return fcvae_json_parse(&p, s, strlen(s));
}

/* The parse fails and the message is exactly want. */
static void bad(const char *s, size_t len, const char *want)
{
	const fcvae_json *v = fcvae_json_parse(&p, s, len);
	CHECK(!v && !strcmp(p.err, want), "reject %.20s: \"%s\" (want \"%s\")", s, p.err, want);
}

static int src_is(const fcvae_json *v, const char *want)
{
	return v && v->len == strlen(want) && !memcmp(v->src, want, v->len);
}

static void number(double x, const char *want)
{
	char out[FCVAE_JSON_NUMBER_MAX];
	size_t n = fcvae_json_format_number(out, x);
	CHECK(n == strlen(want) && !strcmp(out, want), "format %.17g -> %s (want %s)", x, out, want);
}

static void floatnum(float x, const char *want)
{
	char out[FCVAE_JSON_NUMBER_MAX];
	fcvae_json_format_float(out, x);
	CHECK(!strcmp(out, want), "format float %.9g -> %s (want %s)", (double)x, out, want);
}

static void near(double x, double tol, const char *want)
{
	char out[FCVAE_JSON_NUMBER_MAX];
	size_t n = fcvae_json_format_near(out, x, tol);
	CHECK(n == strlen(out) && !strcmp(out, want) && (!isfinite(x) || fabs(strtod(out, NULL) - x) <= tol),
	      "format %.17g within %g -> %s (want %s)", x, tol, out, want);
}

static void escaped(const char *s, size_t n, const char *want)
{
	fcvae_buf b = { 0 };
	fcvae_json_add_string(&b, s, n);
	CHECK(b.len == strlen(want) && !strcmp(b.p, want), "escape -> %s (want %s)", b.p, want);
	fcvae_buf_free(&b);
}

int main(void)
{
	fcvae_json_parser_init(&p);

	/* a record: lookup, types, exact source text, order */
	const char *rec = "{\"ts\": \"2025-02-25T15:00:00Z\", \"value\" :1234.50,\"label\":0,"
	                  "\"meta\":{\"a\":[1, 2 ,{}],\"b\":null},\"ok\":true,\"no\":false}\n";
	const fcvae_json *r = parse(rec);
	CHECK(r && r->type == FCVAE_JSON_OBJECT && r->n == 6, "record parses into an object of 6 members");
	const fcvae_json *v = fcvae_json_get(r, "value");
	CHECK(v && v->type == FCVAE_JSON_NUMBER && v->num == 1234.5 && !(v->flags & FCVAE_JSON_INTEGER),
	      "value is the number 1234.5");
	CHECK(src_is(v, "1234.50"), "value keeps its source text 1234.50");
	v = fcvae_json_get(r, "ts");
	CHECK(v && v->type == FCVAE_JSON_STRING && !strcmp(v->str, "2025-02-25T15:00:00Z") && v->slen == 20,
	      "ts decodes to its string");
	CHECK(src_is(v, "\"2025-02-25T15:00:00Z\""), "ts source text includes the quotes");
	v = fcvae_json_get(r, "label");
	CHECK(v && v->num == 0 && (v->flags & FCVAE_JSON_INTEGER), "label 0 is an integer");
	v = fcvae_json_get(r, "meta");
	CHECK(src_is(v, "{\"a\":[1, 2 ,{}],\"b\":null}"), "nested object source text is exact");
	const fcvae_json *a = fcvae_json_get(v, "a");
	CHECK(a && a->type == FCVAE_JSON_ARRAY && a->n == 3, "array of 3");
	CHECK(fcvae_json_at(a, 1) && fcvae_json_at(a, 1)->num == 2, "element 1 is 2");
	CHECK(fcvae_json_at(a, 2) && fcvae_json_at(a, 2)->type == FCVAE_JSON_OBJECT && fcvae_json_at(a, 2)->n == 0,
	      "element 2 is an empty object");
	CHECK(fcvae_json_at(a, 3) == NULL, "element 3 does not exist");
	CHECK(fcvae_json_get(v, "b") && fcvae_json_get(v, "b")->type == FCVAE_JSON_NULL, "b is null");
	CHECK(fcvae_json_get(r, "ok")->type == FCVAE_JSON_TRUE && fcvae_json_get(r, "no")->type == FCVAE_JSON_FALSE,
	      "true and false");
	CHECK(fcvae_json_get(r, "missing") == NULL && fcvae_json_get(v->src ? a : NULL, "x") == NULL,
	      "absent member and lookup in an array give NULL");
	const char *order[] = { "ts", "value", "label", "meta", "ok", "no" };
	int i = 0, inorder = 1;
	for (const fcvae_json *m = fcvae_json_first(r); m; m = fcvae_json_next(m), i++)
		inorder &= i < 6 && !strcmp(m->key, order[i]);
	CHECK(inorder && i == 6, "members iterate in document order");
	r = parse("{\"key\":\"a\",\"value\":1,\"key\":\"b\"}");
	v = fcvae_json_get(r, "key");
	CHECK(v && !strcmp(v->str, "b"), "a name given twice: the last, as jq and Python read it");

	/* strings: escapes, surrogates, UTF-8 */
	v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"");
	CHECK(v && !strcmp(v->str, "a\"b\\c/d\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") && v->slen == 22,
	      "escapes decode to UTF-8, surrogate pair to U+1F600");
	v = parse("\"x\\ud800y\\udc00\"");
	CHECK(v && !strcmp(v->str, "x\xef\xbf\xbdy\xef\xbf\xbd"), "lone surrogates decode to U+FFFD");
	v = parse("\"a\\u0000b\"");
	CHECK(v && v->slen == 3 && v->str[1] == '\0' && v->str[2] == 'b', "\\u0000 keeps its length");
	v = parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	CHECK(v && v->slen == 9, "raw UTF-8 is accepted");
	v = parse("{\"k\\u0065y\":1}");
	CHECK(v && fcvae_json_get(v, "key") && fcvae_json_get(v, "key")->num == 1, "member names are decoded");
	const fcvae_json *m = fcvae_json_first(v);
	CHECK(m && m->keysrclen == 10 && !memcmp(m->keysrc, "\"k\\u0065y\"", 10), "a name keeps its source text");
	CHECK(m && fcvae_json_key_is(m, "key") && !fcvae_json_key_is(m, "ke"), "key_is compares the decoded name");
	v = parse("{\"a\\u0000b\" :1}");
	m = fcvae_json_first(v);
	CHECK(m && !fcvae_json_key_is(m, "a") && m->keysrclen == 10, "key_is and keysrc hold a name with \\u0000");
	CHECK(v && !v->keysrc && !fcvae_json_at(parse("[1]"), 0)->keysrc, "no name source outside objects");

	/* numbers */
	v = parse("-0");
	CHECK(v && v->num == 0 && signbit(v->num), "-0 is negative zero");
	v = parse("1e400");
	CHECK(v && v->type == FCVAE_JSON_NUMBER && isinf(v->num) && v->num > 0, "1e400 reads as +inf");
	v = parse("-1e400");
	CHECK(v && isinf(v->num) && v->num < 0, "-1e400 reads as -inf");
	v = parse("123456789012345678901234567890");
	CHECK(v && v->num == 1.2345678901234568e29, "long integer via strtod");
	v = parse("9007199254740993");
	CHECK(v && v->num == 9007199254740992.0, "2^53+1 rounds like strtod");
	v = parse("0.1");
	CHECK(v && v->num == 0.1, "0.1");
	v = parse(" 2.5E-3 ");
	CHECK(v && v->num == 0.0025 && src_is(v, "2.5E-3"), "exponent, whitespace trimmed from src");

	/* errors, with columns */
	bad("", 0, "empty input at column 1");
	bad(" \n", 2, "empty input at column 3");
	bad("{\"a\" 1}", 7, "expected ':', found '1' at column 6");
	bad("{\"a\":1,}", 8, "expected '\"' (a member name), found '}' at column 8");
	bad("[1 2]", 5, "expected ',' or ']', found '2' at column 4");
	bad("{\"a\":1} x", 9, "unexpected 'x' after the value at column 9");
	bad("{\"a\":1}{}", 9, "unexpected '{' after the value at column 8");
	bad("[1,", 3, "expected a value, found end of input at column 4");
	bad("\"abc", 4, "unterminated string at column 1");
	bad("\"a\\qb\"", 6, "invalid escape \\'q' at column 3");
	bad("\"a\\u12g4\"", 9, "invalid \\u escape at column 3");
	bad("\"a\tb\"", 5, "control character (byte 0x09) in string at column 3");
	bad("\"a\xff\"", 4, "invalid UTF-8 (byte 0xff) in string at column 3");
	bad("\"\xc0\xaf\"", 4, "invalid UTF-8 (byte 0xc0) in string at column 2");       /* overlong '/' */
	bad("\"\xed\xa0\x80\"", 5, "invalid UTF-8 (byte 0xed) in string at column 2");   /* surrogate */
	bad("\"\xf4\x90\x80\x80\"", 6, "invalid UTF-8 (byte 0xf4) in string at column 2"); /* > U+10FFFF */
	bad("\"\xe2\x82\"", 4, "invalid UTF-8 (byte 0xe2) in string at column 2");      /* truncated */
	bad("\xef\xbb\xbf{}", 5, "expected a value, found byte 0xef at column 1");
	bad("01", 2, "unexpected '1' after the value at column 2");
	bad("1.", 2, "invalid number at column 1");
	bad("-", 1, "invalid number at column 1");
	bad("1e+", 3, "invalid number at column 1");
	bad(".5", 2, "expected a value, found '.' at column 1");
	bad("NaN", 3, "expected a value, found 'N' at column 1");
	bad("nul", 3, "invalid literal (expected null) at column 1");
	bad("{\"a\":tru}", 9, "invalid literal (expected true) at column 6");
	bad("{\"a\":1\0}", 8, "expected ',' or '}', found byte 0x00 at column 7");

	/* Python's NaN and Infinity, only when asked for */
	p.allow_nan = 1;
	v = parse("[NaN,Infinity,-Infinity,-1]");
	CHECK(v && isnan(fcvae_json_at(v, 0)->num) && fcvae_json_at(v, 1)->num == INFINITY &&
	      fcvae_json_at(v, 2)->num == -INFINITY && fcvae_json_at(v, 3)->num == -1, "NaN, Infinity, -Infinity allowed");
	bad("[Nan]", 5, "expected a value, found 'N' at column 2");
	p.allow_nan = 0;

	/* nesting: the limit holds without crashing however deep */
	size_t deep = 100000;
	char *d = malloc(2 * deep);
	memset(d, '[', deep);
	memset(d + deep, ']', deep);
	v = fcvae_json_parse(&p, d, 2 * deep);
	CHECK(!v && !strcmp(p.err, "nesting deeper than 256 at column 257"), "deep nesting: %s", p.err);
	v = fcvae_json_parse(&p, d + deep - 256, 512);
	CHECK(v && v->size == 256, "256 levels are fine");
	free(d);

	/* a 10 MB line: one long string among fields */
	size_t big = 10u << 20;
	char *line = malloc(big + 64);
	size_t n = (size_t)sprintf(line, "{\"pad\":\"");
	memset(line + n, 'x', big);
	n += big;
	n += (size_t)sprintf(line + n, "\",\"value\":7}");
	v = fcvae_json_parse(&p, line, n);
	CHECK(v && fcvae_json_get(v, "pad")->slen == big && fcvae_json_get(v, "value")->num == 7, "10 MB line");
	free(line);

	/* arena reuse: a second parse gives fresh results */
	v = parse("[1,[2,3],4]");
	CHECK(v && v->size == 6 && fcvae_json_at(v, 2)->num == 4, "nodes counted: size 6, element 2 is 4");

	/* documents kept around */
	fcvae_json_doc doc;
	char err[160];
	CHECK(fcvae_json_doc_parse(&doc, "{\n  \"window\": 24,\n  \"hidden_dims\": [64, 64]\n}\n", 46, err, sizeof err) == 0 &&
	      fcvae_json_get(doc.root, "window")->num == 24 &&
	      fcvae_json_get(doc.root, "hidden_dims")->n == 2, "multi-line document");
	fcvae_json_doc_free(&doc);
	CHECK(fcvae_json_doc_parse(&doc, "{\n\"a\":\n}", 8, err, sizeof err) == -1 &&
	      !strcmp(err, "expected a value, found '}' at column 8"), "document error: %s", err);
	CHECK(fcvae_json_doc_load(&doc, "/nonexistent/x.json", err, sizeof err) == -1 &&
	      !strcmp(err, "/nonexistent/x.json: No such file or directory"), "missing file: %s", err);

	/* writer: numbers */
	number(0, "0");
	number(-0.0, "-0");
	number(1234, "1234");
	number(-17, "-17");
	number(0.1, "0.1");
	number(1.0 / 3, "0.3333333333333333");
	number(2.0 / 3, "0.6666666666666666");
	number(0.1 + 0.2, "0.30000000000000004");
	number(1e300, "1e300");
	number(1.5e-7, "1.5e-7");
	number(9007199254740992.0, "9007199254740992");
	number(1e16, "1e16");
	number(123456.789, "123456.789");
	number(5e-324, "5e-324");
	number(2.2250738585072014e-308, "2.2250738585072014e-308");
	number(NAN, "null");
	number(INFINITY, "null");
	number(-INFINITY, "null");
	floatnum(0.1f, "0.1");
	floatnum(1.0f / 3, "0.33333334");
	floatnum(3.14159274f, "3.1415927");
	floatnum(-2.5f, "-2.5");
	floatnum(16777216.0f, "16777216");
	floatnum(1e20f, "1e20");
	floatnum(1e-10f, "1e-10");
	floatnum(NAN, "null");
	/* a value known to tol: the fewest digits within it, plain decimals
	 * where they are short, the shortest text of the double at tol 0 */
	near(1000000001505.9362, 0.035, "1000000001505.94");
	near(999999999749.98, 0.035, "999999999750");
	near(-1000000000000.0234, 0.05, "-1000000000000");
	near(1871.300048828125, 0.035, "1871.3");
	near(0.0001234567, 1e-9, "0.000123457");
	near(1.2345678e20, 1e14, "1.234568e20");
	near(1.5e-7, 1e-9, "1.5e-7");
	near(1000000001505.9362, 0, "1000000001505.9362");
	near(INFINITY, 1, "null");

	number(-0.5, "-0.5");
	number(1234.56, "1234.56");
	number(0.0001, "0.0001");
	number(0.00001, "1e-5");
	number(0.00012, "0.00012");
	number(-0.000125, "-0.000125");
	number(123456789012345.6, "123456789012345.6");

	/* random doubles and decimals: the reader agrees with strtod, the
	 * writer's text reads back exactly and has the fewest significant
	 * digits (one fewer never reads back) */
	fcvae_rng g;
	fcvae_rng_init(&g, 7, 0);
	int bad_read = 0, bad_trip = 0, not_short = 0;
	for (int i = 0; i < 200000; i++) {
		double x;
		char text[400], out[FCVAE_JSON_NUMBER_MAX];
		switch (i % 4) {
		case 0: {  /* any finite bit pattern */
			uint64_t u = fcvae_rng_u64(&g);
			memcpy(&x, &u, sizeof x);
			if (!isfinite(x))
				continue;
			break;
		}
		case 1:  /* cents */
			x = (double)(int64_t)fcvae_rng_below(&g, 100000000) / 100;
			break;
		case 2:  /* results of arithmetic */
			x = fcvae_rng_uniform(&g) * pow(10, (double)fcvae_rng_below(&g, 40) - 20);
			break;
		default:  /* a short decimal with an exponent */
			snprintf(text, sizeof text, "%llu.%llue%d", (unsigned long long)fcvae_rng_below(&g, 100000),
			         (unsigned long long)fcvae_rng_below(&g, 1000), (int)fcvae_rng_below(&g, 60) - 30);
			x = strtod(text, NULL);
		}
		snprintf(text, sizeof text, "%.17g", x);
		double y;
		if (fcvae_json_number_text(text, strlen(text), &y) < 0 || y != x)
			bad_read++;
		size_t n = fcvae_json_format_number(out, x);
		if (strtod(out, NULL) != x || n != strlen(out))
			bad_trip++;
		int digits = 0;
		const char *c = out;
		while (*c && *c != 'e') {
			if (*c >= '1' && *c <= '9')
				digits = digits + 1;
			else if (*c == '0' && digits)
				digits++;
			c++;
		}
		/* trailing zeros of an integer are not significant */
		if (x == trunc(x))
			continue;
		if (digits > 1) {
			snprintf(text, sizeof text, "%.*g", digits - 1, x);
			if (strtod(text, NULL) == x)
				not_short++;
		}
	}
	CHECK(bad_read == 0, "reader equals strtod on %%.17g of random doubles (%d differ)", bad_read);
	CHECK(bad_trip == 0, "writer round trips random doubles (%d do not)", bad_trip);
	CHECK(not_short == 0, "writer uses the fewest digits (%d could be shorter)", not_short);

	/* writer: strings */
	escaped("plain", 5, "\"plain\"");
	escaped("q\"b\\n\n\t\r\b\f\x01\x1f", 12, "\"q\\\"b\\\\n\\n\\t\\r\\b\\f\\u0001\\u001f\"");
	escaped("\xc3\xa9/\xf0\x9f\x98\x80", 7, "\"\xc3\xa9/\xf0\x9f\x98\x80\"");
	escaped("a\xff" "b\xc3", 4, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"");
	escaped("a\0b", 3, "\"a\\u0000b\"");

	/* writer round trip through the reader */
	fcvae_buf b = { 0 };
	fcvae_buf_addc(&b, '{');
	fcvae_json_add_key(&b, "k\"ey");
	fcvae_json_add_number(&b, 0.1 + 0.2);
	fcvae_buf_printf(&b, ",\"n\":%d}", 5);
	CHECK(!strcmp(b.p, "{\"k\\\"ey\":0.30000000000000004,\"n\":5}"), "built object: %s", b.p);
	v = fcvae_json_parse(&p, b.p, b.len);
	CHECK(v && fcvae_json_get(v, "k\"ey") && fcvae_json_get(v, "k\"ey")->num == 0.1 + 0.2, "reads back exactly");
	fcvae_buf_free(&b);

	fcvae_json_parser_free(&p);
	return unit_done();
}
