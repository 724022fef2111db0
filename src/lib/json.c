/* json.c — JSON reader into a flat node array, and writer helpers. */
#include "json.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- reader ---- */

typedef struct {
	fcvae_json_parser *p;
	const char *begin, *cur, *end;
	int quiet;         /* only whether it parses matters: no message */
	int root_only;     /* a container's children are dropped once parsed */
} reader;

void fcvae_json_parser_init(fcvae_json_parser *p)
{
	memset(p, 0, sizeof *p);
	p->max_depth = FCVAE_JSON_MAX_DEPTH;
}

void fcvae_json_parser_free(fcvae_json_parser *p)
{
	free(p->v);
	free(p->s);
	fcvae_json_parser_init(p);
}

__attribute__((format(printf, 3, 4)))
static int fail(reader *r, const char *at, const char *fmt, ...)
{
	va_list ap;
	size_t col = (size_t)(at - r->begin) + 1;
	char what[96];
	if (r->quiet)
		return -1;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	r->p->col = col;
	snprintf(r->p->err, sizeof r->p->err, "%s at column %zu", what, col);
	return -1;
}

/* How a byte reads in an error message: 'x', or its hex value. */
static const char *show(const reader *r, const char *at, char buf[16])
{
	if (at >= r->end)
		return "end of input";
	unsigned char c = (unsigned char)*at;
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

static void skip_ws(reader *r)
{
	while (r->cur < r->end && (*r->cur == ' ' || *r->cur == '\t' || *r->cur == '\n' || *r->cur == '\r'))
		r->cur++;
}

static long new_node(reader *r)
{
	fcvae_json_parser *p = r->p;
	if (p->max_values && p->nv >= p->max_values)
		return fail(r, r->cur, "more than %zu values", p->max_values);
	if (p->nv == p->cap) {
		if (p->cap >= UINT32_MAX / 2)
			return fail(r, r->cur, "too many values");
		p->cap = p->cap ? 2 * p->cap : 256;
		p->v = fcvae_xrealloc(p->v, p->cap * sizeof *p->v);
	}
	fcvae_json *v = &p->v[p->nv];
	memset(v, 0, sizeof *v);
	v->src = r->cur;
	v->size = 1;
	return (long)p->nv++;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int hex4(const char *s)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval((unsigned char)s[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), or 0. */
static int utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned c = s[0];
	int n;
	unsigned lo = 0x80, hi = 0xbf;  /* range of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;       /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f;       /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;       /* nothing above U+10FFFF */
	} else
		return 0;
	if (end - s < n || s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Scan a string at r->cur (on the opening quote), decode it into the string
 * arena; out and outlen get the decoded text. */
static int parse_string(reader *r, const char **out, size_t *outlen)
{
	fcvae_json_parser *p = r->p;
	const unsigned char *s = (const unsigned char *)r->cur + 1;
	const unsigned char *end = (const unsigned char *)r->end;
	char *o = p->s + p->slen, *start = o;
	for (;;) {
		/* the common run of plain ASCII, copied in one go */
		const unsigned char *run = s;
		while (s < end && *s >= 0x20 && *s != '"' && *s != '\\' && *s < 0x80)
			s++;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (s >= end)
			return fail(r, r->cur, "unterminated string");
		unsigned c = *s;
		if (c == '"') {
			s++;
			break;
		}
		if (c < 0x20)
			return fail(r, (const char *)s, "control character (byte 0x%02x) in string", c);
		if (c >= 0x80) {
			int n = utf8_len(s, end);
			if (!n)
				return fail(r, (const char *)s, "invalid UTF-8 (byte 0x%02x) in string", c);
			memcpy(o, s, (size_t)n);
			o += n;
			s += n;
			continue;
		}
		/* backslash */
		if (end - s < 2)
			return fail(r, r->cur, "unterminated string");
		switch (s[1]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int cp = end - s >= 6 ? hex4((const char *)s + 2) : -1;
			if (cp < 0)
				return fail(r, (const char *)s, "invalid \\u escape");
			s += 6;
			if (cp >= 0xd800 && cp < 0xdc00 && end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
				int lo = hex4((const char *)s + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
			}
			if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;  /* lone surrogate: no UTF-8 for it */
			o = put_utf8(o, (unsigned)cp);
			continue;
		}
		default: {
			char b[16];
			return fail(r, (const char *)s, "invalid escape \\%s", show(r, (const char *)s + 1, b));
		}
		}
		s += 2;
	}
	*o++ = '\0';
	*out = start;
	*outlen = (size_t)(o - start) - 1;
	p->slen += (size_t)(o - start);
	r->cur = (const char *)s;
	return 0;
}

static const double pow10_exact[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

static int parse_number(reader *r, fcvae_json *v)
{
	const char *s = r->cur, *e = r->end, *start = s;
	int integer = 1, ndig = 0, fdig = 0, ex = 0, exneg = 0;
	uint64_t m = 0;  /* the significant digits, while there are at most 19 */
	if (s < e && *s == '-')
		s++;
	if (s >= e || *s < '0' || *s > '9')
		return fail(r, start, "invalid number");
	if (*s == '0')
		s++;
	else
		for (; s < e && *s >= '0' && *s <= '9'; s++, ndig++)
			m = m * 10 + (uint64_t)(*s - '0');
	if (s < e && *s == '.') {
		integer = 0;
		s++;
		if (s >= e || *s < '0' || *s > '9')
			return fail(r, start, "invalid number");
		for (; s < e && *s >= '0' && *s <= '9'; s++, fdig++)
			if (m || *s != '0')
				m = m * 10 + (uint64_t)(*s - '0'), ndig++;
	}
	if (s < e && (*s == 'e' || *s == 'E')) {
		integer = 0;
		s++;
		if (s < e && (*s == '+' || *s == '-'))
			exneg = *s++ == '-';
		if (s >= e || *s < '0' || *s > '9')
			return fail(r, start, "invalid number");
		for (; s < e && *s >= '0' && *s <= '9'; s++)
			if (ex < 100000)
				ex = ex * 10 + (*s - '0');
	}
	int p = (exneg ? -ex : ex) - fdig;
	if (ndig <= 15 && p >= -22 && p <= 22) {
		/* Clinger's fast path: m and 10^|p| are exact doubles and one
		 * correctly rounded * or / gives what strtod would */
		double x = p < 0 ? (double)m / pow10_exact[-p] : (double)m * pow10_exact[p];
		v->num = *start == '-' ? -x : x;
	} else {
		size_t n = (size_t)(s - start);
		char small[64], *buf = n < sizeof small ? small : fcvae_xmalloc(n + 1);
		memcpy(buf, start, n);
		buf[n] = '\0';
		v->num = strtod(buf, NULL);  /* ERANGE: ±HUGE_VAL (= inf) or a denormal/0 */
		if (buf != small)
			free(buf);
	}
	v->type = FCVAE_JSON_NUMBER;
	v->flags |= integer ? FCVAE_JSON_INTEGER : 0;
	r->cur = s;
	return 0;
}

/* Python's spellings of the numbers JSON lacks; 1 if one was read. */
static int nonfinite(reader *r, fcvae_json *v)
{
	static const struct { const char *w; size_t n; double x; } lit[] = {
		{ "NaN", 3, NAN }, { "Infinity", 8, INFINITY }, { "-Infinity", 9, -INFINITY },
	};
	for (size_t k = 0; k < 3; k++)
		if ((size_t)(r->end - r->cur) >= lit[k].n && !memcmp(r->cur, lit[k].w, lit[k].n)) {
			v->type = FCVAE_JSON_NUMBER;
			v->num = lit[k].x;
			r->cur += lit[k].n;
			return 1;
		}
	return 0;
}

static int parse_value(reader *r, long i, int depth);

int fcvae_json_number_text(const char *s, size_t n, double *x)
{
	fcvae_json_parser p = { 0 };
	reader r = { &p, s, s, s + n, 1, 0 };
	fcvae_json v = { 0 };
	if (parse_number(&r, &v) < 0 || r.cur != r.end)
		return -1;
	*x = v.num;
	return 0;
}

int fcvae_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s, *end = u + n;
	while (u < end) {
		if (*u < 0x80) {
			u++;
			continue;
		}
		int k = utf8_len(u, end);
		if (!k)
			return 0;
		u += k;
	}
	return 1;
}

static int parse_container(reader *r, long i, int depth)
{
	fcvae_json_parser *p = r->p;
	int obj = *r->cur == '{';
	char close = obj ? '}' : ']';
	char b[16];
	if (depth >= p->max_depth)
		return fail(r, r->cur, "nesting deeper than %d", p->max_depth);
	p->v[i].type = obj ? FCVAE_JSON_OBJECT : FCVAE_JSON_ARRAY;
	r->cur++;
	skip_ws(r);
	if (r->cur < r->end && *r->cur == close) {
		r->cur++;
		return 0;
	}
	long last = -1;
	uint32_t n = 0;
	for (;;) {
		const char *key = NULL, *keysrc = NULL;
		size_t keylen = 0;
		uint32_t keysrclen = 0;
		skip_ws(r);
		if (obj) {
			if (r->cur >= r->end || *r->cur != '"')
				return fail(r, r->cur, "expected '\"' (a member name), found %s", show(r, r->cur, b));
			keysrc = r->cur;
			if (parse_string(r, &key, &keylen) < 0)
				return -1;
			if (r->cur - keysrc > UINT32_MAX)
				return fail(r, keysrc, "member name longer than 4 GiB");
			keysrclen = (uint32_t)(r->cur - keysrc);
			skip_ws(r);
			if (r->cur >= r->end || *r->cur != ':')
				return fail(r, r->cur, "expected ':', found %s", show(r, r->cur, b));
			r->cur++;
			skip_ws(r);
		}
		long c = new_node(r);
		if (c < 0)
			return -1;
		p->v[c].key = key;
		p->v[c].keylen = keylen;
		p->v[c].keysrc = keysrc;
		p->v[c].keysrclen = keysrclen;
		if (parse_value(r, c, depth + 1) < 0)
			return -1;
		n++;
		last = c;
		if (r->root_only)
			p->nv = (size_t)c; /* its slot serves the next child */
		else
			p->v[i].size += p->v[c].size;
		skip_ws(r);
		if (r->cur < r->end && *r->cur == ',') {
			r->cur++;
			continue;
		}
		if (r->cur < r->end && *r->cur == close) {
			r->cur++;
			break;
		}
		return fail(r, r->cur, "expected ',' or '%c', found %s", close, show(r, r->cur, b));
	}
	p->v[last].flags |= FCVAE_JSON_LAST;
	p->v[i].n = n;
	return 0;
}

/* Parse the value at r->cur (no leading whitespace) into node i. */
static int parse_value(reader *r, long i, int depth)
{
	fcvae_json_parser *p = r->p;
	const char *start = r->cur;
	char b[16];
	p->v[i].src = start;
	if (r->cur >= r->end)
		return fail(r, r->cur, "expected a value, found end of input");
	switch (*r->cur) {
	case '{':
	case '[':
		if (parse_container(r, i, depth) < 0)
			return -1;
		break;
	case '"': {
		const char *s;
		size_t n;
		if (parse_string(r, &s, &n) < 0)
			return -1;
		p->v[i].type = FCVAE_JSON_STRING;
		p->v[i].str = s;
		p->v[i].slen = n;
		break;
	}
	case 't':
	case 'f':
	case 'n': {
		static const struct { const char *w; size_t n; uint8_t t; } lit[] = {
			{ "true", 4, FCVAE_JSON_TRUE }, { "false", 5, FCVAE_JSON_FALSE }, { "null", 4, FCVAE_JSON_NULL },
		};
		int k = *r->cur == 't' ? 0 : *r->cur == 'f' ? 1 : 2;
		if ((size_t)(r->end - r->cur) < lit[k].n || memcmp(r->cur, lit[k].w, lit[k].n) != 0)
			return fail(r, r->cur, "invalid literal (expected %s)", lit[k].w);
		r->cur += lit[k].n;
		p->v[i].type = lit[k].t;
		break;
	}
	default:
		if (p->allow_nan && nonfinite(r, &p->v[i]))
			break;
		if (*r->cur == '-' || (*r->cur >= '0' && *r->cur <= '9')) {
			if (parse_number(r, &p->v[i]) < 0)
				return -1;
			break;
		}
		return fail(r, r->cur, "expected a value, found %s", show(r, r->cur, b));
	}
	p->v[i].len = (size_t)(r->cur - start);
	return 0;
}

static const fcvae_json *parse(fcvae_json_parser *p, const char *text, size_t len, int root_only)
{
	reader r = { p, text, text, text + len, 0, root_only };
	char b[16];
	p->nv = 0;
	p->slen = 0;
	p->col = 0;
	p->err[0] = '\0';
	/* after a huge line, its memory goes back rather than stay all run long
	 * (a line holds at most one value per two bytes) */
	if (p->cap > 65536 && p->cap > len) {
		free(p->v);
		p->v = NULL;
		p->cap = 0;
	}
	if (p->scap > (1 << 20) && p->scap / 4 > len) {
		free(p->s);
		p->s = NULL;
		p->scap = 0;
	}
	/* decoded strings plus their NULs never exceed the input (quotes make
	 * room for the NUL), so the arena never moves during a parse */
	if (p->scap < len + 1) {
		free(p->s);
		p->scap = len + 1;
		p->s = fcvae_xmalloc(p->scap);
	}
	skip_ws(&r);
	if (r.cur >= r.end) {
		fail(&r, r.cur, "empty input");
		return NULL;
	}
	long root = new_node(&r);
	if (root < 0 || parse_value(&r, root, 0) < 0)
		return NULL;
	skip_ws(&r);
	if (r.cur < r.end) {
		fail(&r, r.cur, "unexpected %s after the value", show(&r, r.cur, b));
		return NULL;
	}
	p->v[root].flags |= FCVAE_JSON_LAST;
	return &p->v[root];
}

const fcvae_json *fcvae_json_parse(fcvae_json_parser *p, const char *text, size_t len)
{
	return parse(p, text, len, 0);
}

const fcvae_json *fcvae_json_parse_root(fcvae_json_parser *p, const char *text, size_t len)
{
	const fcvae_json *root = parse(p, text, len, 1);
	if (root)
		p->v[0].n = 0; /* no children to walk: fcvae_json_first gives NULL */
	return root;
}

const fcvae_json *fcvae_json_first(const fcvae_json *v)
{
	return v && v->n ? v + 1 : NULL;
}

const fcvae_json *fcvae_json_next(const fcvae_json *c)
{
	return c->flags & FCVAE_JSON_LAST ? NULL : c + c->size;
}

const fcvae_json *fcvae_json_at(const fcvae_json *v, size_t i)
{
	if (!v || i >= v->n)
		return NULL;
	const fcvae_json *c = v + 1;
	while (i--)
		c += c->size;
	return c;
}

static int key_is(const fcvae_json *m, const char *key, size_t keylen)
{
	return m->key && m->keylen == keylen && memcmp(m->key, key, keylen) == 0;
}

int fcvae_json_key_is(const fcvae_json *m, const char *key)
{
	return key_is(m, key, strlen(key));
}

int fcvae_json_str_is(const fcvae_json *v, const char *s)
{
	size_t n = strlen(s);
	return v && v->type == FCVAE_JSON_STRING && v->slen == n && memcmp(v->str, s, n) == 0;
}

const fcvae_json *fcvae_json_getn(const fcvae_json *obj, const char *key, size_t keylen)
{
	if (!obj || obj->type != FCVAE_JSON_OBJECT)
		return NULL;
	/* of a name given twice, the last, as jq and Python read it */
	const fcvae_json *found = NULL;
	for (const fcvae_json *m = fcvae_json_first(obj); m; m = fcvae_json_next(m))
		if (key_is(m, key, keylen))
			found = m;
	return found;
}

const fcvae_json *fcvae_json_get(const fcvae_json *obj, const char *key)
{
	return fcvae_json_getn(obj, key, strlen(key));
}

int fcvae_json_doc_parse(fcvae_json_doc *d, const char *text, size_t len, char *err, size_t errsize)
{
	d->text = fcvae_xmalloc(len + 1);
	memcpy(d->text, text, len);
	d->text[len] = '\0';
	fcvae_json_parser_init(&d->p);
	d->root = fcvae_json_parse(&d->p, d->text, len);
	if (!d->root) {
		snprintf(err, errsize, "%s", d->p.err);
		fcvae_json_doc_free(d);
		return -1;
	}
	return 0;
}

int fcvae_json_doc_load(fcvae_json_doc *d, const char *path, char *err, size_t errsize)
{
	FILE *fp = fopen(path, "rb");
	fcvae_buf b = { 0 };
	char chunk[65536];
	size_t n;
	memset(d, 0, sizeof *d);
	if (!fp) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		fcvae_buf_add(&b, chunk, n);
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		snprintf(err, errsize, "%s: read error", path);
		fcvae_buf_free(&b);
		return -1;
	}
	char why[128];
	int rc = fcvae_json_doc_parse(d, b.p ? b.p : "", b.len, why, sizeof why);
	if (rc < 0)
		snprintf(err, errsize, "%s: %s", path, why);
	fcvae_buf_free(&b);
	return rc;
}

void fcvae_json_doc_free(fcvae_json_doc *d)
{
	free(d->text);
	fcvae_json_parser_free(&d->p);
	d->text = NULL;
	d->root = NULL;
}

/* ---- writer ---- */

void fcvae_buf_reserve(fcvae_buf *b, size_t extra)
{
	if (b->cap - b->len > extra)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= extra)
		cap *= 2;
	b->p = fcvae_xrealloc(b->p, cap);
	b->cap = cap;
}

void fcvae_buf_add(fcvae_buf *b, const void *s, size_t n)
{
	fcvae_buf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fcvae_buf_addc(fcvae_buf *b, char c)
{
	fcvae_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void fcvae_buf_adds(fcvae_buf *b, const char *s)
{
	fcvae_buf_add(b, s, strlen(s));
}

void fcvae_buf_printf(fcvae_buf *b, const char *fmt, ...)
{
	va_list ap;
	fcvae_buf_reserve(b, 64);
	/* usually it fits in what is left: one vsnprintf, not two */
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->p[b->len] = '\0';
		return;
	}
	if ((size_t)n >= b->cap - b->len) {
		fcvae_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void fcvae_buf_clear(fcvae_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void fcvae_buf_free(fcvae_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int fcvae_buf_write(const fcvae_buf *b, FILE *fp)
{
	if (b->len && fwrite(b->p, 1, b->len, fp) != b->len)
		return -1;
	return 0;
}

int fcvae_json_is_nan_literal(const fcvae_json *v)
{
	return v->type == FCVAE_JSON_NUMBER && !isfinite(v->num) &&
	       (v->src[0] == 'N' || v->src[0] == 'I' || v->src[1] == 'I');
}

void fcvae_json_add_source(fcvae_buf *b, const fcvae_json *v)
{
	const char *at = v->src;
	for (uint32_t i = 0; i < v->size; i++) {
		const fcvae_json *n = v + i;
		if (!fcvae_json_is_nan_literal(n))
			continue;
		fcvae_buf_add(b, at, (size_t)(n->src - at));
		fcvae_buf_adds(b, "null");
		at = n->src + n->len;
	}
	fcvae_buf_add(b, at, (size_t)(v->src + v->len - at));
}

void fcvae_json_add_string(fcvae_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s, *end = u + n;
	fcvae_buf_reserve(b, n + 2);
	fcvae_buf_addc(b, '"');
	while (u < end) {
		const unsigned char *run = u;
		while (u < end && *u >= 0x20 && *u != '"' && *u != '\\' && *u < 0x80)
			u++;
		if (u > run)
			fcvae_buf_add(b, run, (size_t)(u - run));
		if (u >= end)
			break;
		unsigned c = *u;
		if (c >= 0x80) {
			int k = utf8_len(u, end);
			if (k) {
				fcvae_buf_add(b, u, (size_t)k);
				u += k;
			} else {
				fcvae_buf_add(b, "\xef\xbf\xbd", 3);
				u++;
			}
			continue;
		}
		char e[7] = { '\\', 0 };
		size_t en = 2;
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			en = 6;
		}
		fcvae_buf_add(b, e, en);
		u++;
	}
	fcvae_buf_addc(b, '"');
}

void fcvae_json_add_cstring(fcvae_buf *b, const char *s)
{
	fcvae_json_add_string(b, s, strlen(s));
}

void fcvae_json_add_key(fcvae_buf *b, const char *name)
{
	fcvae_json_add_cstring(b, name);
	fcvae_buf_addc(b, ':');
}

/* Integers below 2^53 in magnitude print exactly without printf. */
static size_t format_integer(char *out, double x)
{
	char tmp[24];
	size_t n = 0, k = 0;
	int neg = signbit(x);
	uint64_t u = (uint64_t)(neg ? -x : x);
	do
		tmp[n++] = (char)('0' + u % 10);
	while (u /= 10);
	if (neg)
		out[k++] = '-';
	while (n)
		out[k++] = tmp[--n];
	out[k] = '\0';
	return k;
}

/* printf's %g spells exponents e+20 / e-07; JSON readers accept that, so
 * we only drop the '+' and leading zeros to keep it short. */
static size_t tidy_exponent(char *out, size_t n)
{
	char *e = strchr(out, 'e');
	if (!e)
		return n;
	char *d = e + 1, *w = e + 1;
	if (*d == '+')
		d++;
	else if (*d == '-')
		*w++ = *d++;
	while (*d == '0' && d[1])
		d++;
	while (*d)
		*w++ = *d++;
	*w = '\0';
	return (size_t)(w - out);
}

size_t fcvae_json_format_number(char *out, double x)
{
	if (!isfinite(x)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (x == trunc(x) && fabs(x) < 9007199254740992.0)
		return format_integer(out, x);
	/* fast path for plain decimals (1234.56, 0.125): the fewest fraction
	 * digits k whose rounded x·10^k divided back by 10^k is x again; as
	 * both are exact doubles, that division is what strtod computes */
	double ax = fabs(x);
	if (ax >= 1e-4 && ax < 1e15) {
		for (int k = 1; k <= 17; k++) {
			double sc = nearbyint(ax * pow10_exact[k]);
			if (sc >= 9007199254740992.0)
				break;
			if (sc / pow10_exact[k] != ax)
				continue;
			uint64_t u = (uint64_t)sc, p = 1;
			for (int i = 0; i < k; i++)
				p *= 10;
			/* -(double)0 is -0: format_integer writes its sign */
			size_t n = format_integer(out, x < 0 ? -(double)(u / p) : (double)(u / p));
			out[n++] = '.';
			uint64_t f = u % p;
			for (int i = k - 1; i >= 0; i--, f /= 10)
				out[n + (size_t)i] = (char)('0' + f % 10);
			n += (size_t)k;
			out[n] = '\0';
			return n;
		}
	}
	/* the first precision that reads back exactly is the shortest form:
	 * %.Pg drops trailing zeros, and a double's rounding error is below half
	 * a unit of its 15th digit, so fewer digits would read back from 15 too;
	 * subnormals have fewer significant bits and start lower */
	int n = 0;
	for (int prec = fabs(x) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
		n = snprintf(out, FCVAE_JSON_NUMBER_MAX, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			break;
	}
	return tidy_exponent(out, (size_t)n);
}

size_t fcvae_json_format_near(char *out, double x, double tol)
{
	if (!isfinite(x) || !(tol > 0))
		return fcvae_json_format_number(out, x);
	int n = 0;
	/* plain decimals where they are short (999999999750, not 9.9999999975e11):
	 * the fewest fraction digits; 15 integer digits, a sign, a point and 14
	 * digits fit in FCVAE_JSON_NUMBER_MAX */
	if (fabs(x) >= 1e-4 && fabs(x) < 1e15)
		for (int d = 0; d <= 14; d++) {
			n = snprintf(out, FCVAE_JSON_NUMBER_MAX, "%.*f", d, x);
			if (fabs(strtod(out, NULL) - x) <= tol)
				return (size_t)n;
		}
	/* %.17g reads back as x itself: the loop ends there at the latest */
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(out, FCVAE_JSON_NUMBER_MAX, "%.*g", prec, x);
		if (fabs(strtod(out, NULL) - x) <= tol)
			break;
	}
	return tidy_exponent(out, (size_t)n);
}

size_t fcvae_json_format_float(char *out, float x)
{
	if (!isfinite(x)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (x == truncf(x) && fabsf(x) < 16777216.0f)
		return format_integer(out, (double)x);
	int n = 0;
	for (int prec = 6; prec <= 9; prec++) {
		n = snprintf(out, FCVAE_JSON_NUMBER_MAX, "%.*g", prec, (double)x);
		if (strtof(out, NULL) == x)
			break;
	}
	return tidy_exponent(out, (size_t)n);
}

void fcvae_json_add_number(fcvae_buf *b, double x)
{
	fcvae_buf_reserve(b, FCVAE_JSON_NUMBER_MAX);
	b->len += fcvae_json_format_number(b->p + b->len, x);
}

void fcvae_json_add_near(fcvae_buf *b, double x, double tol)
{
	fcvae_buf_reserve(b, FCVAE_JSON_NUMBER_MAX);
	b->len += fcvae_json_format_near(b->p + b->len, x, tol);
}

void fcvae_json_add_float(fcvae_buf *b, float x)
{
	fcvae_buf_reserve(b, FCVAE_JSON_NUMBER_MAX);
	b->len += fcvae_json_format_float(b->p + b->len, x);
}
